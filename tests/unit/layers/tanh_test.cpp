// SPDX-License-Identifier: MIT
// Tests of layers/tanh.hpp: tanh(x), its gradient 1 - tanh(x)^2, shapes, saturation.
#define BOOST_TEST_MODULE tanh
#include <boost/test/unit_test.hpp>

#include <gan/core/random.hpp>
#include <gan/core/shape.hpp>
#include <gan/core/tensor.hpp>
#include <gan/layers/dense.hpp>
#include <gan/layers/tanh.hpp>
#include <gan/nn/network.hpp>
#include <gan/nn/sequential.hpp>
#include <gan/testing/gradient_check.hpp>

#include "support/layer_checks.hpp"
#include "support/numeric_checks.hpp"

#include <cstdint>
#include <limits>
#include <type_traits>

namespace {

using namespace gan::test_support;

template <typename Scalar>
using BoundTanh = gan::Tanh::Layer<Scalar, gan::Shape<3>>;

template <typename Scalar>
gan::Matrix<Scalar> inputs() {
  gan::Matrix<Scalar> input(3, 2);
  input << -2, 0.5,
           -0.5, 1,
            0, 3;
  return input;
}

/// A few ulps of 1 in Scalar: Eigen's vectorised tanh is not correctly rounded.
template <typename Scalar>
double tolerance() {
  return 8 * static_cast<double>(std::numeric_limits<Scalar>::epsilon());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(tanh_layer)

BOOST_AUTO_TEST_CASE_TEMPLATE(forward_gives_tanh_of_each_entry, Scalar, scalar_types) {
  const BoundTanh<Scalar> tanh_layer{gan::Tanh{}};
  gan::Matrix<Scalar> output;
  tanh_layer.forward(inputs<Scalar>(), output);
  // Reference values of tanh to 16 digits.
  gan::Matrix<double> expected(3, 2);
  expected << -0.9640275800758169, 0.46211715726000974,
              -0.46211715726000974, 0.7615941559557649,
               0.0, 0.9950547536867305;
  check_entries(output, expected, tolerance<Scalar>());
}

BOOST_AUTO_TEST_CASE_TEMPLATE(backward_multiplies_by_one_minus_tanh_squared, Scalar,
                              scalar_types) {
  const BoundTanh<Scalar> tanh_layer{gan::Tanh{}};
  const gan::Matrix<Scalar> input = inputs<Scalar>();
  gan::Matrix<Scalar> output;
  tanh_layer.forward(input, output);
  gan::Matrix<Scalar> grad_out(3, 2);
  grad_out << 1, 2,
              -1, 1,
              0.5, -2;
  gan::Matrix<Scalar> grad_in;
  tanh_layer.backward(input, output, grad_out, &grad_in, true);
  // 1 - tanh(x)^2 at -2, 0.5, -0.5, 1, 0, 3, times the output gradient.
  gan::Matrix<double> expected(3, 2);
  expected << 0.07065082485316443, 2 * 0.7864477329659274,
              -0.7864477329659274, 0.41997434161402614,
               0.5, -2 * 0.009866037165440211;
  check_entries(grad_in, expected, tolerance<Scalar>());
}

BOOST_AUTO_TEST_CASE_TEMPLATE(saturates_to_plus_minus_one_with_zero_gradient, Scalar,
                              scalar_types) {
  const BoundTanh<Scalar> tanh_layer{gan::Tanh{}};
  gan::Matrix<Scalar> input(2, 1);
  input << -1000, 1000;
  gan::Matrix<Scalar> output;
  tanh_layer.forward(input, output);
  BOOST_TEST(output(0) == Scalar(-1));
  BOOST_TEST(output(1) == Scalar(1));
  gan::Matrix<Scalar> grad_in;
  tanh_layer.backward(input, output, gan::Matrix<Scalar>::Ones(2, 1), &grad_in, true);
  BOOST_TEST(grad_in(0) == Scalar(0));
  BOOST_TEST(grad_in(1) == Scalar(0));
}

BOOST_AUTO_TEST_CASE(keeps_the_shape_of_its_input) {
  static_assert(std::is_same_v<gan::Tanh::output_shape<gan::Shape<1, 28, 28>>,
                               gan::Shape<1, 28, 28>>);
  static_assert(BoundTanh<double>::parameter_count == 0);
  const BoundTanh<double> tanh_layer{gan::Tanh{}};
  check_keeps_the_shape_of_its_input(tanh_layer, 3, 0.5);
}

BOOST_AUTO_TEST_CASE(backward_matches_finite_differences_after_a_dense_layer) {
  using Net = gan::Network<gan::Sequential<gan::Dense<3, 4>, gan::Tanh>, double>;
  check_gradients_match_finite_differences<Net>({1u, 2u, 3u}, 5, Kinks::may_be_skipped);
}

BOOST_AUTO_TEST_CASE(describes_itself_as_tanh) {
  BOOST_TEST(gan::Tanh{}.describe() == "Tanh");
}

BOOST_AUTO_TEST_SUITE_END()
