// SPDX-License-Identifier: MIT
// Tests of nn/sequential.hpp: the shape chain, the description, layer settings, data-flow
// order, and the gradients of a network built from every kind of layer.
#define BOOST_TEST_MODULE sequential
#include <boost/test/unit_test.hpp>

#include <gan/core/random.hpp>
#include <gan/core/shape.hpp>
#include <gan/core/tensor.hpp>
#include <gan/layers/dense.hpp>
#include <gan/layers/identity.hpp>
#include <gan/layers/leaky_relu.hpp>
#include <gan/layers/relu.hpp>
#include <gan/layers/sigmoid.hpp>
#include <gan/layers/tanh.hpp>
#include <gan/nn/network.hpp>
#include <gan/nn/sequential.hpp>
#include <gan/testing/gradient_check.hpp>

#include <cmath>
#include <cstdint>
#include <tuple>
#include <type_traits>

namespace {

using Discriminator = gan::Sequential<gan::Dense<2, 3>, gan::LeakyRelu, gan::Dense<3, 1>>;

/// Every layer kind once, with a non-default LeakyReLU slope.
using EveryLayer = gan::Sequential<gan::Dense<4, 6>, gan::Relu, gan::Dense<6, 5>,
                                   gan::LeakyRelu, gan::Dense<5, 3>, gan::Sigmoid,
                                   gan::Dense<3, 2>, gan::Tanh, gan::Identity>;

EveryLayer every_layer() {
  return EveryLayer{gan::Dense<4, 6>{}, gan::Relu{},    gan::Dense<6, 5>{},
                    gan::LeakyRelu{0.1}, gan::Dense<5, 3>{}, gan::Sigmoid{},
                    gan::Dense<3, 2>{}, gan::Tanh{},    gan::Identity{}};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(sequential)

BOOST_AUTO_TEST_CASE(carries_each_layers_output_shape_to_the_next) {
  BOOST_TEST((std::is_same_v<Discriminator::input_shape, gan::Shape<2>>));
  BOOST_TEST((std::is_same_v<Discriminator::output_shape, gan::Shape<1>>));
  BOOST_TEST((std::is_same_v<Discriminator::layer_input_shapes,
                             std::tuple<gan::Shape<2>, gan::Shape<3>, gan::Shape<3>>>));
  BOOST_TEST(Discriminator::layer_count == 3u);
  BOOST_TEST((std::is_same_v<EveryLayer::output_shape, gan::Shape<2>>));
  using Single = gan::Sequential<gan::Dense<8, 4>>;
  BOOST_TEST((std::is_same_v<Single::output_shape, gan::Shape<4>>));
  BOOST_TEST(Single::layer_count == 1u);
}

BOOST_AUTO_TEST_CASE(describe_joins_the_layers_with_their_settings) {
  BOOST_TEST(Discriminator{}.describe() == "Dense(2 -> 3) | LeakyReLU(0.2) | Dense(3 -> 1)");
  const Discriminator custom{gan::Dense<2, 3>{}, gan::LeakyRelu{0.1}, gan::Dense<3, 1>{}};
  BOOST_TEST(custom.describe() == "Dense(2 -> 3) | LeakyReLU(0.1) | Dense(3 -> 1)");
  BOOST_TEST(every_layer().describe() ==
             "Dense(4 -> 6) | ReLU | Dense(6 -> 5) | LeakyReLU(0.1) | Dense(5 -> 3) | Sigmoid | "
             "Dense(3 -> 2) | Tanh | Identity");
  const gan::Sequential<gan::Dense<8, 4>> single;
  BOOST_TEST(single.describe() == "Dense(8 -> 4)");
}

BOOST_AUTO_TEST_CASE(network_uses_the_layer_settings_given_to_the_architecture) {
  using Architecture = gan::Sequential<gan::Dense<1, 1>, gan::LeakyRelu>;
  gan::Network<Architecture, double> net(Architecture{gan::Dense<1, 1>{}, gan::LeakyRelu{0.1}});
  BOOST_TEST(std::get<1>(net.architecture().layers()).slope() == 0.1);
  net.parameters() << 1.0, 0.0;  // w = 1, b = 0
  gan::Matrix<double> input(1, 2);
  input << -2.0, 3.0;
  const gan::Matrix<double>& output = net.forward(input);
  // 0.1 * -2 scales double(0.1) by a power of two, so it is exactly double(-0.2).
  BOOST_TEST(output(0) == -0.2);
  BOOST_TEST(output(1) == 3.0);
}

BOOST_AUTO_TEST_CASE(layers_run_in_the_listed_order_input_first) {
  // x -> Dense(w = 2, b = 0) -> Tanh -> Dense(w = 3, b = 1): 3 tanh(2 x) + 1.
  using Architecture = gan::Sequential<gan::Dense<1, 1>, gan::Tanh, gan::Dense<1, 1>>;
  gan::Network<Architecture, double> net;
  net.parameters() << 2.0, 0.0, 3.0, 1.0;
  gan::Matrix<double> input(1, 1);
  input << 0.5;
  // 3 tanh(1) + 1 = 3 * 0.7615941559557649 + 1; reversed order would give tanh(3.5) * 2.
  const double expected = 3.2847824678672946;
  BOOST_TEST(std::abs(net.forward(input)(0) - expected) <= 1e-15);
}

BOOST_AUTO_TEST_CASE(network_of_every_layer_kind_passes_the_gradient_check) {
  using Net = gan::Network<EveryLayer, double>;
  for (const std::uint64_t seed : {1u, 2u, 3u}) {
    BOOST_TEST_CONTEXT("seed " << seed) {
      Net net(every_layer());
      gan::Rng rng(seed);
      net.initialize(rng);
      const auto report = gan::testing::gradient_check(net, {.seed = seed, .batch_size = 5});
      BOOST_TEST(report.passed(), report.describe());
      BOOST_TEST(report.parameters.compared + report.parameters.skipped_at_kinks ==
                 Net::parameter_count);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
