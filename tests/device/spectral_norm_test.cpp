// SPDX-License-Identifier: MIT
// Tests of device/spectral_norm.hpp: a network with spectral normalisation on the device gives
// the CPU network's outputs, gradients and power-iteration state, in both modes, and a
// discriminator with it trains on the device.
#include <boost/test/unit_test.hpp>

#include <gan/device/backend.hpp>
#include <gan/layers/conv2d.hpp>
#include <gan/layers/dense.hpp>
#include <gan/layers/leaky_relu.hpp>
#include <gan/layers/reshape.hpp>
#include <gan/layers/spectral_norm.hpp>
#include <gan/layers/tanh.hpp>
#include <gan/losses/non_saturating.hpp>
#include <gan/nn/network.hpp>
#include <gan/nn/sequential.hpp>
#include <gan/noise/priors.hpp>
#include <gan/optim/adam.hpp>
#include <gan/train/alternating_trainer.hpp>

#include "support/convolution_checks.hpp"
#include "support/device_checks.hpp"

#include <boost/mpl/list.hpp>

#include <cmath>
#include <cstdint>
#include <type_traits>

BOOST_AUTO_TEST_SUITE(device_spectral_norm)

namespace {

using namespace gan::test_support;

using Scalars = boost::mpl::list<float, double>;

// Dense layers (W row-major), and convolutions (W column-major) with and without a bias.
using DenseWithSpectralNorm = gan::Sequential<gan::SpectralNorm<gan::Dense<7, 5>>, gan::LeakyRelu,
                                              gan::SpectralNorm<gan::Dense<5, 3>>>;
using ImagesWithSpectralNorm =
    gan::Sequential<gan::Input<gan::Shape<2, 5, 4>>, gan::SpectralNorm<gan::Conv2d<2, 3, 3, 2, 1>>,
                    gan::Tanh, gan::SpectralNorm<gan::Conv2d<3, 2, 2, 1, 0, gan::Bias::none>>>;

// Products and sums in another order on each backend.
template <typename T>
constexpr double network_tolerance() {
  return std::is_same_v<T, float> ? 1e-5 : 1e-12;
}

/// Runs a network on both backends from one seed: two training passes (u and v move) and
/// one inference pass, each followed by a backward pass to the parameters and the input, and
/// compares the outputs, the gradients and the state after each.
template <typename Architecture, typename T>
void expect_networks_agree(Eigen::Index batch) {
  gan::Network<Architecture, T> cpu;
  gan::Network<Architecture, gan::Device<T>> device;
  gan::Rng cpu_rng(31);
  gan::Rng device_rng(31);
  cpu.initialize(cpu_rng);
  device.initialize(device_rng);
  BOOST_TEST((download<T>(device.state()) == gan::Vector<T>(cpu.state())));
  const gan::Vector<T> initial_state = cpu.state();

  constexpr auto inputs = static_cast<Eigen::Index>(decltype(cpu)::input_size);
  constexpr auto outputs = static_cast<Eigen::Index>(decltype(cpu)::output_size);
  const double tolerance = network_tolerance<T>();
  std::uint64_t seed = 40;
  for (const gan::Mode mode : {gan::Mode::training, gan::Mode::training, gan::Mode::inference}) {
    BOOST_TEST_CONTEXT(gan::to_string(mode) << " pass, seed " << seed << ", batch " << batch) {
      const gan::Matrix<T> input = uniform_matrix<T>(inputs, batch, seed);
      const gan::Matrix<T> output_gradient = uniform_matrix<T>(outputs, batch, seed + 1);
      seed += 2;
      const gan::device::Matrix<T> device_input = gan::device::to_device(input);
      const gan::device::Matrix<T> device_output_gradient = gan::device::to_device(output_gradient);

      const gan::Matrix<T>& output = cpu.forward(input, mode);
      BOOST_TEST(relative_difference(gan::device::to_host(device.forward(device_input, mode)),
                                     output) <= tolerance);
      BOOST_TEST(relative_difference(download<T>(device.state()), gan::Vector<T>(cpu.state())) <=
                 tolerance);

      cpu.backward(output_gradient, gan::Backprop::parameters_and_input);
      device.backward(device_output_gradient, gan::Backprop::parameters_and_input);
      BOOST_TEST(relative_difference(download<T>(device.gradients()),
                                     gan::Vector<T>(cpu.gradients())) <= tolerance);
      BOOST_TEST(relative_difference(gan::device::to_host(device.activations().input_gradient()),
                                     cpu.activations().input_gradient()) <= tolerance);
    }
  }
  BOOST_TEST((gan::Vector<T>(cpu.state()) != initial_state));
}

}  // namespace

BOOST_AUTO_TEST_CASE_TEMPLATE(a_device_network_with_spectral_norm_is_the_cpu_network, T, Scalars) {
  for (const Eigen::Index batch : {1, 6}) {
    expect_networks_agree<DenseWithSpectralNorm, T>(batch);
    expect_networks_agree<ImagesWithSpectralNorm, T>(batch);
  }
}

// Two passes alive at once on the device: the first pass's backward uses its own u and v.
BOOST_AUTO_TEST_CASE(each_device_pass_keeps_its_own_vectors) {
  using Network = gan::Network<DenseWithSpectralNorm, gan::Device<double>>;
  Network network;
  gan::Rng rng(5);
  network.initialize(rng);
  Network alone = network;
  const auto first = gan::device::to_device(uniform_matrix<double>(7, 3, 6));
  const auto second = gan::device::to_device(uniform_matrix<double>(7, 2, 7));
  const auto gradient = gan::device::to_device(uniform_matrix<double>(3, 3, 8));

  alone.zero_gradients();
  alone.forward(first, gan::Mode::training);
  alone.backward(gradient);

  Network::Activations first_pass, second_pass;
  network.zero_gradients();
  network.forward(first, first_pass, gan::Mode::training);
  network.forward(second, second_pass, gan::Mode::training);
  network.backward(gradient, first_pass);
  BOOST_TEST(relative_difference(download<double>(network.gradients()),
                                 download<double>(alone.gradients())) <= 1e-14);
}

BOOST_AUTO_TEST_CASE(a_discriminator_with_spectral_norm_trains_on_the_device) {
  using Generator = gan::Sequential<gan::Dense<3, 8>, gan::LeakyRelu, gan::Dense<8, 2>>;
  using Discriminator = gan::Sequential<gan::SpectralNorm<gan::Dense<2, 6>>, gan::LeakyRelu,
                                        gan::SpectralNorm<gan::Dense<6, 1>>>;
  using Trainer = gan::AlternatingTrainer<Generator, Discriminator, gan::NonSaturatingLoss,
                                          gan::Adam, gan::StandardNormal, gan::Device<float>>;
  Trainer::Options options;
  options.seed = 3;
  Trainer trainer(options);
  for (std::uint64_t step = 0; step < 5; ++step) {
    const auto real = gan::device::to_device(uniform_matrix<float>(2, 16, 50 + step));
    const gan::StepStats stats = trainer.step(real);
    BOOST_TEST(std::isfinite(stats.discriminator_loss));
    BOOST_TEST(std::isfinite(stats.generator_loss));
  }
}

BOOST_AUTO_TEST_SUITE_END()
