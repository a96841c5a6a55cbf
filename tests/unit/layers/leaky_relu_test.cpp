// SPDX-License-Identifier: MIT
// Tests of layers/leaky_relu.hpp: x for x > 0, slope * x otherwise; slope validation.
#define BOOST_TEST_MODULE leaky_relu
#include <boost/test/unit_test.hpp>

#include <gan/core/random.hpp>
#include <gan/core/shape.hpp>
#include <gan/core/tensor.hpp>
#include <gan/layers/dense.hpp>
#include <gan/layers/leaky_relu.hpp>
#include <gan/nn/network.hpp>
#include <gan/nn/sequential.hpp>
#include <gan/testing/gradient_check.hpp>

#include "support/expected_errors.hpp"
#include "support/layer_checks.hpp"
#include "support/numeric_checks.hpp"

#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <type_traits>

namespace {

using namespace gan::test_support;

template <typename Scalar>
using BoundLeakyRelu = gan::LeakyRelu::Layer<Scalar, gan::Shape<3>>;

template <typename Scalar>
gan::Matrix<Scalar> inputs() {
  gan::Matrix<Scalar> input(3, 2);
  input << -2, 0.5,
           -0.5, 0,
            3, -4;
  return input;
}

/// The message of the std::invalid_argument thrown for `slope`, or "" if none is thrown.
std::string rejection_of(double slope) {
  return message_of<std::invalid_argument>([&] { gan::LeakyRelu leaky(slope); });
}

}  // namespace

BOOST_AUTO_TEST_SUITE(leaky_relu_layer)

BOOST_AUTO_TEST_CASE_TEMPLATE(forward_scales_negative_inputs_by_the_default_slope, Scalar,
                              scalar_types) {
  const BoundLeakyRelu<Scalar> leaky{gan::LeakyRelu{}};
  gan::Matrix<Scalar> output;
  leaky.forward(inputs<Scalar>(), output);
  // slope 0.2: -2 -> -0.4, -0.5 -> -0.1, -4 -> -0.8; one rounding of the product at most.
  gan::Matrix<Scalar> expected(3, 2);
  expected << -0.4, 0.5,
              -0.1, 0,
               3, -0.8;
  check_entries(output, expected, 4 * std::numeric_limits<Scalar>::epsilon());
}

BOOST_AUTO_TEST_CASE_TEMPLATE(backward_scales_the_gradient_where_input_is_not_positive,
                              Scalar, scalar_types) {
  const BoundLeakyRelu<Scalar> leaky{gan::LeakyRelu{0.25}};
  const gan::Matrix<Scalar> input = inputs<Scalar>();
  gan::Matrix<Scalar> output;
  leaky.forward(input, output);
  gan::Matrix<Scalar> grad_out(3, 2);
  grad_out << 1, 2,
              3, 4,
              5, 6;
  gan::Matrix<Scalar> grad_in;
  leaky.backward(input, output, grad_out, &grad_in, true);
  // slope 0.25 (exact in binary): gradient * 0.25 for x <= 0, unchanged for x > 0.
  gan::Matrix<Scalar> expected(3, 2);
  expected << 0.25, 2,
              0.75, 1,
              5, 1.5;
  check_entries(grad_in, expected, 0.0);
}

BOOST_AUTO_TEST_CASE(slope_outside_zero_to_one_is_rejected_naming_the_value) {
  BOOST_TEST(rejection_of(-0.1).find("got -0.1") != std::string::npos, rejection_of(-0.1));
  BOOST_TEST(rejection_of(1.0).find("got 1") != std::string::npos, rejection_of(1.0));
  BOOST_TEST(rejection_of(1.5).find("got 1.5") != std::string::npos, rejection_of(1.5));
  const double nan = std::numeric_limits<double>::quiet_NaN();
  BOOST_TEST(rejection_of(nan).find("got nan") != std::string::npos, rejection_of(nan));
  const double inf = std::numeric_limits<double>::infinity();
  BOOST_TEST(rejection_of(inf).find("got inf") != std::string::npos, rejection_of(inf));
  BOOST_TEST(rejection_of(-0.1).find("LeakyRelu") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(slopes_in_zero_to_one_are_accepted) {
  BOOST_TEST(gan::LeakyRelu{}.slope() == 0.2);
  BOOST_TEST(gan::LeakyRelu{0.0}.slope() == 0.0);
  BOOST_TEST(gan::LeakyRelu{0.999}.slope() == 0.999);
  BOOST_TEST(rejection_of(0.0) == "");
  BOOST_TEST(rejection_of(0.01) == "");
}

BOOST_AUTO_TEST_CASE(keeps_the_shape_of_its_input) {
  static_assert(std::is_same_v<gan::LeakyRelu::output_shape<gan::Shape<2, 4, 4>>,
                               gan::Shape<2, 4, 4>>);
  static_assert(BoundLeakyRelu<double>::parameter_count == 0);
  const BoundLeakyRelu<double> leaky{gan::LeakyRelu{}};
  check_keeps_the_shape_of_its_input(leaky, 3, -1.0);
}

BOOST_AUTO_TEST_CASE(backward_matches_finite_differences_after_a_dense_layer) {
  using Architecture = gan::Sequential<gan::Dense<3, 4>, gan::LeakyRelu>;
  using Net = gan::Network<Architecture, double>;
  for (const double slope : {0.2, 0.05}) {
    BOOST_TEST_CONTEXT("slope " << slope) {
      check_gradients_match_finite_differences<Net>(
          {1u, 2u}, 5, Kinks::must_not_be_skipped,
          Architecture{gan::Dense<3, 4>{}, gan::LeakyRelu{slope}});
    }
  }
}

BOOST_AUTO_TEST_CASE(describe_gives_the_slope) {
  BOOST_TEST(gan::LeakyRelu{}.describe() == "LeakyReLU(0.2)");
  BOOST_TEST(gan::LeakyRelu{0.01}.describe() == "LeakyReLU(0.01)");
}

BOOST_AUTO_TEST_SUITE_END()
