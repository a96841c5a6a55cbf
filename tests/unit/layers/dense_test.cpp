// SPDX-License-Identifier: MIT
// Tests of layers/dense.hpp: y = W x + b, its gradients, shapes and initialisation.
#define BOOST_TEST_MODULE dense
#include <boost/test/unit_test.hpp>

#include <gan/core/random.hpp>
#include <gan/core/shape.hpp>
#include <gan/core/tensor.hpp>
#include <gan/layers/dense.hpp>
#include <gan/nn/network.hpp>
#include <gan/nn/sequential.hpp>
#include <gan/testing/gradient_check.hpp>

#include "support/layer_checks.hpp"
#include "support/numeric_checks.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <type_traits>

namespace {

using namespace gan::test_support;

/// Dense<3, 2> bound to a parameter and a gradient array of its own.
template <typename Scalar>
struct BoundDense {
  using Layer = gan::Dense<3, 2>::Layer<Scalar, gan::Shape<3>>;
  std::array<Scalar, Layer::parameter_count> parameters{};
  std::array<Scalar, Layer::parameter_count> gradients{};
  Layer layer{gan::Dense<3, 2>{}};

  BoundDense() {
    // W = [[1, 2, 3], [4, 5, 6]] stored row-major, then b = [0.5, -1].
    parameters = {1, 2, 3, 4, 5, 6, 0.5, -1};
    layer.bind(parameters.data(), gradients.data());
  }
};

/// Two samples as columns: x0 = [1, 0, -1], x1 = [2, 1, 0.5].
template <typename Scalar>
gan::Matrix<Scalar> two_samples() {
  gan::Matrix<Scalar> input(3, 2);
  input << 1, 2,
           0, 1,
          -1, 0.5;
  return input;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(dense_layer)

BOOST_AUTO_TEST_CASE_TEMPLATE(forward_computes_weights_times_input_plus_bias, Scalar,
                              scalar_types) {
  BoundDense<Scalar> dense;
  gan::Matrix<Scalar> output;
  dense.layer.forward(two_samples<Scalar>(), output);

  // W x0 + b = [1 - 3 + 0.5, 4 - 6 - 1] = [-1.5, -3]
  // W x1 + b = [2 + 2 + 1.5 + 0.5, 8 + 5 + 3 - 1] = [6, 15]
  // Sums of small dyadic numbers are exact in float and double, so equality is the tolerance.
  gan::Matrix<Scalar> expected(2, 2);
  expected << -1.5, 6,
              -3, 15;
  check_entries(output, expected, 0.0);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(parameters_are_weights_row_major_then_bias, Scalar,
                              scalar_types) {
  BoundDense<Scalar> dense;
  BOOST_TEST(dense.layer.weights()(0, 0) == Scalar(1));
  BOOST_TEST(dense.layer.weights()(1, 0) == Scalar(4));
  BOOST_TEST(dense.layer.weights()(0, 2) == Scalar(3));
  BOOST_TEST(dense.layer.weights()(1, 2) == Scalar(6));
  BOOST_TEST(dense.layer.bias()(0) == Scalar(0.5));
  BOOST_TEST(dense.layer.bias()(1) == Scalar(-1));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(backward_gives_hand_computed_gradients, Scalar, scalar_types) {
  BoundDense<Scalar> dense;
  const gan::Matrix<Scalar> input = two_samples<Scalar>();
  gan::Matrix<Scalar> output;
  dense.layer.forward(input, output);
  gan::Matrix<Scalar> grad_out(2, 2);
  grad_out << 1, -1,
              0.5, 2;
  gan::Matrix<Scalar> grad_in;
  dense.layer.backward(input, output, grad_out, &grad_in, true);

  // dW = G X^T: row 0 = 1 [1, 0, -1] - 1 [2, 1, 0.5] = [-1, -1, -1.5]
  //             row 1 = 0.5 [1, 0, -1] + 2 [2, 1, 0.5] = [4.5, 2, 0.5]
  // db = row sums of G = [0, 2.5]; stored as [dW row-major, db].
  const std::array<Scalar, 8> expected_gradients = {-1, -1, -1.5, 4.5, 2, 0.5, 0, 2.5};
  BOOST_TEST(dense.gradients == expected_gradients, boost::test_tools::per_element());
  // dX = W^T G: column 0 = [1 + 2, 2 + 2.5, 3 + 3], column 1 = [-1 + 8, -2 + 10, -3 + 12]
  gan::Matrix<Scalar> expected_grad_in(3, 2);
  expected_grad_in << 3, 7,
                      4.5, 8,
                      6, 9;
  check_entries(grad_in, expected_grad_in, 0.0);

  // A second pass adds to the buffer; a pass without accumulation leaves it alone.
  dense.layer.backward(input, output, grad_out, nullptr, true);
  for (std::size_t i = 0; i < expected_gradients.size(); ++i)
    BOOST_TEST(dense.gradients[i] == 2 * expected_gradients[i]);
  const auto before = dense.gradients;
  dense.layer.backward(input, output, grad_out, &grad_in, false);
  BOOST_TEST(dense.gradients == before, boost::test_tools::per_element());
  check_entries(grad_in, expected_grad_in, 0.0);
}

BOOST_AUTO_TEST_CASE(output_has_out_rows_and_one_column_per_sample) {
  static_assert(gan::Dense<3, 2>::Layer<double, gan::Shape<3>>::parameter_count == 3 * 2 + 2);
  static_assert(std::is_same_v<gan::Dense<3, 2>::input_shape, gan::Shape<3>>);
  static_assert(std::is_same_v<gan::Dense<3, 2>::output_shape<gan::Shape<3>>, gan::Shape<2>>);
  BoundDense<double> dense;
  for (const Eigen::Index batch : {1, 5}) {
    BOOST_TEST_CONTEXT("batch " << batch) {
      const gan::Matrix<double> input = gan::Matrix<double>::Ones(3, batch);
      gan::Matrix<double> output;
      dense.layer.forward(input, output);
      BOOST_TEST(output.rows() == 2);
      BOOST_TEST(output.cols() == batch);
      gan::Matrix<double> grad_in;
      dense.layer.backward(input, output, gan::Matrix<double>::Ones(2, batch), &grad_in, true);
      BOOST_TEST(grad_in.rows() == 3);
      BOOST_TEST(grad_in.cols() == batch);
    }
  }
}

BOOST_AUTO_TEST_CASE(backward_matches_finite_differences) {
  using Net = gan::Network<gan::Sequential<gan::Dense<4, 3>>, double>;
  for (const std::uint64_t seed : {1u, 2u, 3u}) {
    BOOST_TEST_CONTEXT("seed " << seed) {
      const Net net = initialized<Net>(seed);
      const auto report = gan::testing::gradient_check(net, {.seed = seed, .batch_size = 4});
      BOOST_TEST(report.passed(), report.describe());
      BOOST_TEST(report.parameters.compared == Net::parameter_count);
      BOOST_TEST(report.input.compared == 4u * 4u);
    }
  }
}

BOOST_AUTO_TEST_CASE(default_initialisation_stays_within_one_over_sqrt_in) {
  // Dense<16, 8>: every weight and bias uniform on [-1/4, 1/4].
  using Layer = gan::Dense<16, 8>::Layer<double, gan::Shape<16>>;
  const std::uint64_t seed = 5;
  BOOST_TEST_CONTEXT("seed " << seed) {
    std::array<double, Layer::parameter_count> parameters{};
    std::array<double, Layer::parameter_count> gradients{};
    Layer layer{gan::Dense<16, 8>{}};
    layer.bind(parameters.data(), gradients.data());
    gan::Rng rng(seed);
    layer.initialize(rng);

    double low = 1;
    double high = -1;
    double sum = 0;
    for (const double p : parameters) {
      low = std::min(low, p);
      high = std::max(high, p);
      sum += p;
    }
    BOOST_TEST(low >= -0.25);
    BOOST_TEST(high <= 0.25);
    // 136 draws: both ends are approached (each miss has probability 0.8^136 < 1e-13) and
    // the mean is within about 4 standard errors (0.0124) of 0.
    BOOST_TEST(low < -0.2);
    BOOST_TEST(high > 0.2);
    BOOST_TEST(std::abs(sum / parameters.size()) <= 0.05);
  }
}

BOOST_AUTO_TEST_CASE(describe_names_both_feature_counts) {
  const gan::Dense<784, 128> dense;
  BOOST_TEST(dense.describe() == "Dense(784 -> 128)");
}

BOOST_AUTO_TEST_SUITE_END()
