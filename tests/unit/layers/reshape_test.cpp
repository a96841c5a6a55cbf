// SPDX-License-Identifier: MIT
// Tests of layers/reshape.hpp: Input, Reshape and Flatten change the shape a sample is seen
// as, never its values.
#define BOOST_TEST_MODULE reshape
#include <boost/test/unit_test.hpp>

#include <gan/core/shape.hpp>
#include <gan/layers/dense.hpp>
#include <gan/layers/reshape.hpp>
#include <gan/layers/tanh.hpp>
#include <gan/nn/network.hpp>
#include <gan/nn/sequential.hpp>
#include <gan/testing/gradient_check.hpp>

#include "support/layer_checks.hpp"

#include <type_traits>

namespace {

using namespace gan::test_support;

// Dense -> [3, 2, 2] -> Tanh -> flat 12 -> Dense: the views must not disturb the gradients
// that flow through them.
using Viewed = gan::Sequential<gan::Dense<5, 12>, gan::Reshape<gan::Shape<3, 2, 2>>, gan::Tanh,
                               gan::Flatten, gan::Dense<12, 2>>;
using Image = gan::Sequential<gan::Input<gan::Shape<2, 3, 1>>, gan::Flatten, gan::Dense<6, 1>>;

}  // namespace

BOOST_AUTO_TEST_SUITE(reshape_layers)

BOOST_AUTO_TEST_CASE(shapes_follow_the_views) {
  static_assert(std::is_same_v<Viewed::layer_input_shapes,
                               std::tuple<gan::Shape<5>, gan::Shape<12>, gan::Shape<3, 2, 2>,
                                          gan::Shape<3, 2, 2>, gan::Shape<12>>>);
  static_assert(std::is_same_v<Image::input_shape, gan::Shape<2, 3, 1>>);
  static_assert(
      std::is_same_v<Image::layer_input_shapes,
                     std::tuple<gan::Shape<2, 3, 1>, gan::Shape<2, 3, 1>, gan::Shape<6>>>);
  BOOST_TEST(gan::Network<Image>::input_size == 6u);
  BOOST_TEST(Viewed{}.describe() ==
             "Dense(5 -> 12) | Reshape[3, 2, 2] | Tanh | Flatten | Dense(12 -> 2)");
  BOOST_TEST(Image{}.describe() == "Input[2, 3, 1] | Flatten | Dense(6 -> 1)");
}

BOOST_AUTO_TEST_CASE(values_pass_through_unchanged_both_ways) {
  const gan::Input<gan::Shape<2, 3>> spec;
  const gan::Input<gan::Shape<2, 3>>::Layer<double, gan::Shape<2, 3>> layer(spec);
  gan::Matrix<double> input(6, 2);
  for (Eigen::Index i = 0; i < input.size(); ++i) input(i) = 0.5 * double(i) - 1;
  gan::Matrix<double> output;
  layer.forward(input, output);
  BOOST_TEST((output == input));
  gan::Matrix<double> grad_in;
  layer.backward(input, output, output * 3.0, &grad_in, true);
  BOOST_TEST((grad_in == input * 3.0));
  check_keeps_the_shape_of_its_input(layer, 6, 0.25);
}

BOOST_AUTO_TEST_CASE(gradients_flow_through_the_views) {
  check_gradients_match_finite_differences<gan::Network<Viewed, double>>(
      {1, 2}, 3, Kinks::must_not_be_skipped);
  check_gradients_match_finite_differences<gan::Network<Image, double>>({3}, 2,
                                                                        Kinks::must_not_be_skipped);
}

BOOST_AUTO_TEST_SUITE_END()
