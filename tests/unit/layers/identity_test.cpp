// SPDX-License-Identifier: MIT
// Tests of layers/identity.hpp: f(x) = x, and its gradient passed through unchanged.
#define BOOST_TEST_MODULE identity
#include <boost/test/unit_test.hpp>

#include <gan/core/random.hpp>
#include <gan/core/shape.hpp>
#include <gan/core/tensor.hpp>
#include <gan/layers/dense.hpp>
#include <gan/layers/identity.hpp>
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
using BoundIdentity = gan::Identity::Layer<Scalar, gan::Shape<3>>;

template <typename Scalar>
gan::Matrix<Scalar> inputs() {
  gan::Matrix<Scalar> input(3, 2);
  input << -2, 0.5,
           -0.5, 0,
            3, 1e-30;
  return input;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(identity_layer)

BOOST_AUTO_TEST_CASE_TEMPLATE(forward_copies_its_input, Scalar, scalar_types) {
  const BoundIdentity<Scalar> identity{gan::Identity{}};
  const gan::Matrix<Scalar> input = inputs<Scalar>();
  gan::Matrix<Scalar> output;
  identity.forward(input, output);
  BOOST_TEST_REQUIRE(output.rows() == 3);
  BOOST_TEST_REQUIRE(output.cols() == 2);
  for (Eigen::Index i = 0; i < input.size(); ++i)
    BOOST_TEST(output(i) == input(i), "entry " << i);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(backward_passes_the_gradient_through, Scalar, scalar_types) {
  const BoundIdentity<Scalar> identity{gan::Identity{}};
  const gan::Matrix<Scalar> input = inputs<Scalar>();
  gan::Matrix<Scalar> output;
  identity.forward(input, output);
  gan::Matrix<Scalar> grad_out(3, 2);
  grad_out << 1, 2,
              3, -4,
              5, 6;
  gan::Matrix<Scalar> grad_in;
  identity.backward(input, output, grad_out, &grad_in, true);
  BOOST_TEST_REQUIRE(grad_in.rows() == 3);
  BOOST_TEST_REQUIRE(grad_in.cols() == 2);
  for (Eigen::Index i = 0; i < grad_out.size(); ++i)
    BOOST_TEST(grad_in(i) == grad_out(i), "entry " << i);
}

BOOST_AUTO_TEST_CASE(keeps_the_shape_of_its_input) {
  static_assert(std::is_same_v<gan::Identity::output_shape<gan::Shape<3, 8, 8>>,
                               gan::Shape<3, 8, 8>>);
  static_assert(BoundIdentity<double>::parameter_count == 0);
  const BoundIdentity<double> identity{gan::Identity{}};
  check_keeps_the_shape_of_its_input(identity, 3, 0.5);
}

BOOST_AUTO_TEST_CASE(backward_matches_finite_differences_after_a_dense_layer) {
  using Net = gan::Network<gan::Sequential<gan::Dense<3, 2>, gan::Identity>, double>;
  check_gradients_match_finite_differences<Net>({1u, 2u}, 4, Kinks::may_be_skipped);
}

BOOST_AUTO_TEST_CASE(describes_itself_as_identity) {
  BOOST_TEST(gan::Identity{}.describe() == "Identity");
}

BOOST_AUTO_TEST_SUITE_END()
