// SPDX-License-Identifier: MIT
// Test support: the scalar types tests run under, small vectors, and entry-wise comparisons.
#pragma once

#include <gan/core/tensor.hpp>

#include <boost/mpl/list.hpp>
#include <boost/test/unit_test.hpp>

#include <Eigen/Core>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <initializer_list>
#include <iomanip>
#include <limits>

namespace gan::test_support {

/// The scalar types that templated test cases run under.
using scalar_types = boost::mpl::list<float, double>;

/// A vector of `values`, each converted to Scalar.
template <typename Scalar>
gan::Vector<Scalar> vector_of(std::initializer_list<double> values) {
  gan::Vector<Scalar> v(static_cast<Eigen::Index>(values.size()));
  Eigen::Index i = 0;
  for (const double value : values) v(i++) = static_cast<Scalar>(value);
  return v;
}

/// Checks every entry of `actual` against `expected`, |actual - expected| <= tolerance, after
/// requiring both to have the same shape; each failure names the entry and both values.
/// @tparam Actual, Expected Eigen matrices or vectors of any scalar types
template <typename Actual, typename Expected>
void check_entries(const Actual& actual, const Expected& expected, double tolerance) {
  BOOST_TEST_REQUIRE(actual.rows() == expected.rows());
  BOOST_TEST_REQUIRE(actual.cols() == expected.cols());
  for (Eigen::Index c = 0; c < actual.cols(); ++c)
    for (Eigen::Index r = 0; r < actual.rows(); ++r) {
      const double a = static_cast<double>(actual(r, c));
      const double e = static_cast<double>(expected(r, c));
      BOOST_TEST(std::abs(a - e) <= tolerance,
                 "entry (" << r << ", " << c << "): got " << a << ", expected " << e);
    }
}

/// Checks that `actual` is finite and |actual - expected| <= tolerance * max(1, |expected|),
/// with both values in the message.
inline void check_close(double actual, long double expected, double tolerance) {
  const double e = static_cast<double>(expected);
  BOOST_TEST(std::isfinite(actual));
  BOOST_TEST(std::abs(actual - e) <= tolerance * std::max(1.0, std::abs(e)),
             "got " << actual << ", expected " << e);
}

/// Checks |actual(i) - expected[i]| <= tolerance * max(1, |expected[i]|) for i < N, each
/// failure with the entry and both values to 17 digits; by default the tolerance is
/// 4 eps(Scalar), a few roundings.
/// @pre actual.size() >= N
template <typename Scalar, std::size_t N>
void check_entries_close(
    const gan::Vector<Scalar>& actual, const std::array<long double, N>& expected,
    double tolerance = 4 * static_cast<double>(std::numeric_limits<Scalar>::epsilon())) {
  for (std::size_t i = 0; i < N; ++i) {
    const double a = static_cast<double>(actual(static_cast<Eigen::Index>(i)));
    const double e = static_cast<double>(expected[i]);
    BOOST_TEST(std::abs(a - e) <= tolerance * std::max(1.0, std::abs(e)),
               "entry " << i << ": got " << std::setprecision(17) << a << ", expected " << e);
  }
}

}  // namespace gan::test_support
