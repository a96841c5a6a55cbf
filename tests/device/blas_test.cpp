// SPDX-License-Identifier: MIT
// Tests of device/blas.hpp: GEMM on device matrices against Eigen's product on the host.
#include <boost/test/unit_test.hpp>

#include <gan/core/random.hpp>
#include <gan/device/blas.hpp>

#include "support/expected_errors.hpp"

#include <boost/mpl/list.hpp>

#include <cmath>
#include <limits>

BOOST_AUTO_TEST_SUITE(device_blas)

namespace {

using gan::device::Op;

template <typename T>
gan::Matrix<T> random_matrix(Eigen::Index rows, Eigen::Index cols, gan::Rng& rng) {
  gan::Matrix<T> values(rows, cols);
  for (Eigen::Index i = 0; i < values.size(); ++i)
    values(i) = static_cast<T>(rng.uniform(-1.0, 1.0));
  return values;
}

template <typename T>
gan::Matrix<T> applied(Op op, const gan::Matrix<T>& matrix) {
  return op == Op::none ? matrix : gan::Matrix<T>(matrix.transpose());
}

template <typename T>
constexpr double tolerance() {
  return std::is_same_v<T, float> ? 1e-5 : 1e-13;
}

using Scalars = boost::mpl::list<float, double>;

}  // namespace

// Every combination of transposes, on odd sizes, with beta 0, 1 and another value.
BOOST_AUTO_TEST_CASE_TEMPLATE(gemm_matches_the_host_product, T, Scalars) {
  gan::Rng rng(3);
  const Eigen::Index m = 7;
  const Eigen::Index n = 5;
  const Eigen::Index k = 9;
  for (const Op op_a : {Op::none, Op::transpose})
    for (const Op op_b : {Op::none, Op::transpose})
      for (const T beta : {T(0), T(1), T(-0.5)}) {
        BOOST_TEST_CONTEXT("op_a " << (op_a == Op::none ? "N" : "T") << ", op_b "
                                   << (op_b == Op::none ? "N" : "T") << ", beta " << beta) {
          const gan::Matrix<T> a =
              op_a == Op::none ? random_matrix<T>(m, k, rng) : random_matrix<T>(k, m, rng);
          const gan::Matrix<T> b =
              op_b == Op::none ? random_matrix<T>(k, n, rng) : random_matrix<T>(n, k, rng);
          const gan::Matrix<T> c = random_matrix<T>(m, n, rng);
          const T alpha = T(1.5);
          const gan::Matrix<T> expected = alpha * applied(op_a, a) * applied(op_b, b) + beta * c;

          const auto device_a = gan::device::to_device(a);
          const auto device_b = gan::device::to_device(b);
          auto device_c = gan::device::to_device(c);
          gan::device::gemm(op_a, device_a.view(), op_b, device_b.view(), alpha, beta,
                            device_c.view());
          const gan::Matrix<T> found = gan::device::to_host(device_c);
          BOOST_TEST((found - expected).cwiseAbs().maxCoeff() <= tolerance<T>());
        }
      }
}

BOOST_AUTO_TEST_CASE(beta_zero_overwrites_whatever_c_held) {
  gan::Rng rng(4);
  const gan::Matrix<float> a = random_matrix<float>(3, 2, rng);
  const gan::Matrix<float> b = random_matrix<float>(2, 4, rng);
  auto c = gan::device::to_device<float>(
      gan::Matrix<float>::Constant(3, 4, std::numeric_limits<float>::quiet_NaN()));
  gan::device::gemm(Op::none, gan::device::to_device(a).view(), Op::none,
                    gan::device::to_device(b).view(), 1.0f, 0.0f, c.view());
  const gan::Matrix<float> expected = a * b;
  BOOST_TEST((gan::device::to_host(c) - expected).cwiseAbs().maxCoeff() <= 1e-6);
}

BOOST_AUTO_TEST_CASE(an_empty_inner_dimension_scales_c_by_beta) {
  const gan::device::Matrix<double> a(3, 0);
  const gan::device::Matrix<double> b(0, 2);
  auto c = gan::device::to_device<double>(gan::Matrix<double>::Constant(3, 2, 4.0));
  gan::device::gemm(Op::none, a.view(), Op::none, b.view(), 1.0, 0.5, c.view());
  BOOST_TEST((gan::device::to_host(c) == gan::Matrix<double>::Constant(3, 2, 2.0)));
}

BOOST_AUTO_TEST_CASE(shapes_that_do_not_agree_are_refused_with_all_three) {
  const gan::device::Matrix<float> a(3, 4);
  const gan::device::Matrix<float> b(5, 2);
  gan::device::Matrix<float> c(3, 2);
  gan::test_support::check_throws<std::invalid_argument>(
      [&] { gan::device::gemm(Op::none, a.view(), Op::none, b.view(), 1.0f, 0.0f, c.view()); },
      {"gan::device::gemm", "op(a) [3, 4]", "op(b) [5, 2]", "c [3, 2]"});
}

BOOST_AUTO_TEST_SUITE_END()
