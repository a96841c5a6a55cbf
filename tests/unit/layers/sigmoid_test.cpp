// SPDX-License-Identifier: MIT
// Tests of layers/sigmoid.hpp: 1 / (1 + exp(-x)), its gradient s (1 - s), saturation.
#define BOOST_TEST_MODULE sigmoid
#include <boost/test/unit_test.hpp>

#include <gan/core/random.hpp>
#include <gan/core/shape.hpp>
#include <gan/core/tensor.hpp>
#include <gan/layers/dense.hpp>
#include <gan/layers/sigmoid.hpp>
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
using BoundSigmoid = gan::Sigmoid::Layer<Scalar, gan::Shape<3>>;

template <typename Scalar>
gan::Matrix<Scalar> inputs() {
  gan::Matrix<Scalar> input(3, 2);
  input << -4, 0.5,
           -0.5, 2,
            0, 4;
  return input;
}

/// A few ulps of 1 in Scalar: Eigen's logistic is not correctly rounded.
template <typename Scalar>
double tolerance() {
  return 8 * static_cast<double>(std::numeric_limits<Scalar>::epsilon());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(sigmoid_layer)

BOOST_AUTO_TEST_CASE_TEMPLATE(forward_gives_the_logistic_of_each_entry, Scalar, scalar_types) {
  const BoundSigmoid<Scalar> sigmoid{gan::Sigmoid{}};
  gan::Matrix<Scalar> output;
  sigmoid.forward(inputs<Scalar>(), output);
  // Reference values of 1 / (1 + exp(-x)) to 16 digits.
  gan::Matrix<double> expected(3, 2);
  expected << 0.01798620996209156, 0.6224593312018546,
              0.3775406687981454, 0.8807970779778823,
              0.5, 0.9820137900379085;
  check_entries(output, expected, tolerance<Scalar>());
}

BOOST_AUTO_TEST_CASE_TEMPLATE(backward_multiplies_by_s_times_one_minus_s, Scalar,
                              scalar_types) {
  const BoundSigmoid<Scalar> sigmoid{gan::Sigmoid{}};
  const gan::Matrix<Scalar> input = inputs<Scalar>();
  gan::Matrix<Scalar> output;
  sigmoid.forward(input, output);
  gan::Matrix<Scalar> grad_out(3, 2);
  grad_out << 1, 2,
              -1, 1,
              0.5, -2;
  gan::Matrix<Scalar> grad_in;
  sigmoid.backward(input, output, grad_out, &grad_in, true);
  // s(x) (1 - s(x)) at -4, 0.5, -0.5, 2, 0, 4, times the output gradient.
  gan::Matrix<double> expected(3, 2);
  expected << 0.017662706213291118, 2 * 0.2350037122015945,
              -0.2350037122015945, 0.10499358540350662,
              0.5 * 0.25, -2 * 0.017662706213291107;
  check_entries(grad_in, expected, tolerance<Scalar>());
}

BOOST_AUTO_TEST_CASE_TEMPLATE(saturates_to_zero_and_one_with_finite_zero_gradient, Scalar,
                              scalar_types) {
  const BoundSigmoid<Scalar> sigmoid{gan::Sigmoid{}};
  gan::Matrix<Scalar> input(2, 1);
  input << -1000, 1000;
  gan::Matrix<Scalar> output;
  sigmoid.forward(input, output);
  BOOST_TEST(output(0) == Scalar(0));
  BOOST_TEST(output(1) == Scalar(1));
  gan::Matrix<Scalar> grad_in;
  sigmoid.backward(input, output, gan::Matrix<Scalar>::Ones(2, 1), &grad_in, true);
  BOOST_TEST(grad_in(0) == Scalar(0));
  BOOST_TEST(grad_in(1) == Scalar(0));
}

BOOST_AUTO_TEST_CASE(keeps_the_shape_of_its_input) {
  static_assert(std::is_same_v<gan::Sigmoid::output_shape<gan::Shape<1, 28, 28>>,
                               gan::Shape<1, 28, 28>>);
  static_assert(BoundSigmoid<double>::parameter_count == 0);
  const BoundSigmoid<double> sigmoid{gan::Sigmoid{}};
  check_keeps_the_shape_of_its_input(sigmoid, 3, 0.5);
}

BOOST_AUTO_TEST_CASE(backward_matches_finite_differences_after_a_dense_layer) {
  using Net = gan::Network<gan::Sequential<gan::Dense<3, 4>, gan::Sigmoid>, double>;
  check_gradients_match_finite_differences<Net>({1u, 2u, 3u}, 5, Kinks::may_be_skipped);
}

BOOST_AUTO_TEST_CASE(describes_itself_as_sigmoid) {
  BOOST_TEST(gan::Sigmoid{}.describe() == "Sigmoid");
}

BOOST_AUTO_TEST_SUITE_END()
