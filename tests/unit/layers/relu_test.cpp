// SPDX-License-Identifier: MIT
// Tests of layers/relu.hpp: max(x, 0), its gradient (0 at the kink), shapes.
#define BOOST_TEST_MODULE relu
#include <boost/test/unit_test.hpp>

#include <gan/core/random.hpp>
#include <gan/core/shape.hpp>
#include <gan/core/tensor.hpp>
#include <gan/layers/dense.hpp>
#include <gan/layers/relu.hpp>
#include <gan/nn/network.hpp>
#include <gan/nn/sequential.hpp>
#include <gan/testing/gradient_check.hpp>

#include "support/layer_checks.hpp"
#include "support/numeric_checks.hpp"

#include <cstdint>
#include <type_traits>

namespace {

using namespace gan::test_support;

template <typename Scalar>
using BoundRelu = gan::Relu::Layer<Scalar, gan::Shape<3>>;

/// Two samples of three features, one of them exactly at the kink.
template <typename Scalar>
gan::Matrix<Scalar> inputs() {
  gan::Matrix<Scalar> input(3, 2);
  input << -2, 0.5,
           -0.5, 0,
            3, -1e-30;
  return input;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(relu_layer)

BOOST_AUTO_TEST_CASE_TEMPLATE(forward_zeroes_negative_inputs_and_keeps_positive_ones, Scalar,
                              scalar_types) {
  const BoundRelu<Scalar> relu{gan::Relu{}};
  gan::Matrix<Scalar> output;
  relu.forward(inputs<Scalar>(), output);
  gan::Matrix<Scalar> expected(3, 2);
  expected << 0, 0.5,
              0, 0,
              3, 0;
  check_entries(output, expected, 0.0);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(backward_passes_gradient_only_where_input_is_positive, Scalar,
                              scalar_types) {
  const BoundRelu<Scalar> relu{gan::Relu{}};
  const gan::Matrix<Scalar> input = inputs<Scalar>();
  gan::Matrix<Scalar> output;
  relu.forward(input, output);
  gan::Matrix<Scalar> grad_out(3, 2);
  grad_out << 1, 2,
              3, 4,
              5, 6;
  gan::Matrix<Scalar> grad_in;
  relu.backward(input, output, grad_out, &grad_in, true);
  // The derivative at exactly 0 is taken as 0, as documented.
  gan::Matrix<Scalar> expected(3, 2);
  expected << 0, 2,
              0, 0,
              5, 0;
  check_entries(grad_in, expected, 0.0);
}

BOOST_AUTO_TEST_CASE(keeps_the_shape_of_its_input) {
  static_assert(std::is_same_v<gan::Relu::output_shape<gan::Shape<1, 28, 28>>,
                               gan::Shape<1, 28, 28>>);
  static_assert(BoundRelu<double>::parameter_count == 0);
  const BoundRelu<double> relu{gan::Relu{}};
  check_keeps_the_shape_of_its_input(relu, 3, -1.0);
}

BOOST_AUTO_TEST_CASE(backward_matches_finite_differences_after_a_dense_layer) {
  using Net = gan::Network<gan::Sequential<gan::Dense<3, 4>, gan::Relu>, double>;
  check_gradients_match_finite_differences<Net>({1u, 2u, 3u}, 5, Kinks::must_not_be_skipped);
}

BOOST_AUTO_TEST_CASE(describes_itself_as_relu) {
  BOOST_TEST(gan::Relu{}.describe() == "ReLU");
}

BOOST_AUTO_TEST_SUITE_END()
