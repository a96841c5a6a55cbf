// SPDX-License-Identifier: MIT
// Tests of device/batch_norm.hpp: batch norm's passes on the device give the CPU layer's
// results, in training and inference, for images and dense inputs, with the running averages;
// and so do networks with batch norm on gan::Device, and their copies.
#include <boost/test/unit_test.hpp>

#include <gan/device/backend.hpp>
#include <gan/device/batch_norm.hpp>
#include <gan/gan.hpp>
#include <gan/layers/batch_norm.hpp>

#include "support/convolution_checks.hpp"
#include "support/device_checks.hpp"
#include "support/expected_errors.hpp"

#include <boost/mpl/list.hpp>

#include <type_traits>

BOOST_AUTO_TEST_SUITE(device_batch_norm)

namespace {

using namespace gan::test_support;
using gan::Mode;

/// Runs a forward and a backward pass in `mode` on both backends, from the same random
/// parameters and running averages, and compares every result.
template <std::size_t Channels, typename InputShape>
void check(Mode mode, Eigen::Index batch) {
  BOOST_TEST_CONTEXT(gan::to_string(mode)
                     << ", " << Channels << " channels of " << InputShape::size / Channels
                     << " positions, batch " << batch) {
    using Layer = typename gan::BatchNorm<Channels>::template Layer<double, InputShape>;
    gan::Rng rng(21);
    gan::Vector<double> parameters(Layer::parameter_count);
    gan::Vector<double> state(Layer::state_count);
    for (Eigen::Index c = 0; c < static_cast<Eigen::Index>(Channels); ++c) {
      parameters(c) = rng.uniform(0.5, 1.5) * (rng.uniform() < 0.5 ? -1 : 1);
      parameters(Channels + c) = rng.uniform(-1.0, 1.0);
      state(c) = rng.uniform(-0.5, 0.5);
      state(Channels + c) = rng.uniform(0.5, 2.0);
    }
    gan::Vector<double> gradients = gan::Vector<double>::LinSpaced(parameters.size(), -1, 1);
    const gan::Vector<double> initial_gradients = gradients;
    const gan::Vector<double> initial_state = state;

    Layer cpu{gan::BatchNorm<Channels>{}};
    cpu.bind(parameters.data(), gradients.data());
    cpu.bind_state(state.data());
    // Away from zero mean, so that the shift in the sums matters.
    const gan::Matrix<double> in =
        (2.0 * uniform_matrix<double>(InputShape::size, batch, 22)).array() + 3.0;
    const gan::Matrix<double> grad_out = uniform_matrix<double>(InputShape::size, batch, 23);
    gan::Matrix<double> out;
    gan::Matrix<double> grad_in;
    cpu.forward(in, out, mode);
    cpu.backward(in, out, grad_out, &grad_in, true, mode);

    const auto device_parameters = to_device(parameters);
    auto device_state = to_device(initial_state);
    auto device_gradients = to_device(initial_gradients);
    gan::device::BatchNormPasses<double> passes(Channels, InputShape::size / Channels, 1e-5, 0.1);
    const auto device_in = gan::device::to_device(in);
    gan::device::Matrix<double> device_out;
    gan::device::Matrix<double> device_grad_in;
    passes.forward(device_parameters.data(), device_state.data(), device_in, device_out, mode);
    passes.backward(device_parameters.data(), device_state.data(), device_in,
                    gan::device::to_device(grad_out), device_gradients.data(), &device_grad_in,
                    mode);

    BOOST_TEST(relative_difference(gan::device::to_host(device_out), out) <= 1e-12);
    BOOST_TEST(relative_difference(gan::device::to_host(device_grad_in), grad_in) <= 1e-12);
    BOOST_TEST(relative_difference(to_host(device_gradients), gradients) <= 1e-12);
    BOOST_TEST(relative_difference(to_host(device_state), state) <= 1e-12);
  }
}

}  // namespace

BOOST_AUTO_TEST_CASE(batch_norm_on_the_device_is_the_cpu_layer) {
  for (const Mode mode : {Mode::training, Mode::inference}) {
    for (const Eigen::Index batch : {1, 5}) {
      check<3, gan::Shape<3, 4, 5>>(mode, batch);
      check<6, gan::Shape<6>>(mode, batch);
    }
    // Several chunks of samples, the last one short.
    check<64, gan::Shape<64, 7, 7>>(mode, 3);
    check<16, gan::Shape<16>>(mode, 600);
  }
}

// A batch of none has no statistics: refused before a kernel reads its first value.
BOOST_AUTO_TEST_CASE(batches_of_the_wrong_shape_are_refused) {
  gan::device::BatchNormPasses<float> passes(2, 3, 1e-5, 0.1);
  const auto parameters = to_device<float>(gan::Vector<float>::Ones(4));
  auto state = to_device<float>(gan::Vector<float>::Ones(4));
  gan::device::Matrix<float> out;
  check_throws<std::invalid_argument>(
      [&] {
        passes.forward(parameters.data(), state.data(), gan::device::Matrix<float>(6, 0), out,
                       Mode::training);
      },
      {"gan::device::BatchNormPasses::forward", "expected a batch of 6 rows", "got 6x0"});
  check_throws<std::invalid_argument>(
      [&] {
        passes.backward(parameters.data(), state.data(), gan::device::Matrix<float>(6, 2),
                        gan::device::Matrix<float>(6, 3), nullptr, &out, Mode::training);
      },
      {"BatchNormPasses::backward", "expected a gradient of 6x2", "got 6x3"});
  BOOST_TEST((to_host(state) == gan::Vector<float>::Ones(4)));
}

// Asked for one of the two results, a backward pass gives exactly what the full pass gives for
// it.
BOOST_AUTO_TEST_CASE(a_backward_pass_computes_only_what_is_asked) {
  for (const Mode mode : {Mode::training, Mode::inference}) {
    gan::device::BatchNormPasses<float> passes(2, 1, 1e-5, 0.1);
    const auto parameters = to_device<float>(uniform_matrix<float>(4, 1, 26));
    auto state = to_device<float>(gan::Vector<float>::Ones(4));
    const auto in = gan::device::to_device(uniform_matrix<float>(2, 4, 24));
    const auto grad_out = gan::device::to_device(uniform_matrix<float>(2, 4, 25));
    gan::device::Buffer<float> all_gradients(4);
    gan::device::Matrix<float> all_grad_in;
    passes.backward(parameters.data(), state.data(), in, grad_out, all_gradients.data(),
                    &all_grad_in, mode);

    gan::device::Matrix<float> grad_in;
    passes.backward(parameters.data(), state.data(), in, grad_out, nullptr, &grad_in, mode);
    BOOST_TEST((gan::device::to_host(grad_in) == gan::device::to_host(all_grad_in)));
    gan::device::Buffer<float> gradients(4);
    passes.backward(parameters.data(), state.data(), in, grad_out, gradients.data(), nullptr, mode);
    BOOST_TEST((to_host(gradients) == to_host(all_gradients)));
  }
}

namespace {

using Scalars = boost::mpl::list<float, double>;

// Batch norm after a dense layer (one value per channel and sample), with an in-place
// activation over its output and a dense layer after that.
using DenseWithBatchNorm =
    gan::Sequential<gan::Dense<5, 4>, gan::BatchNorm<4>, gan::Relu, gan::Dense<4, 3>>;
// Batch norm on images: each channel's statistics run over 16 positions per sample.
using ImagesWithBatchNorm =
    gan::Sequential<gan::Input<gan::Shape<3, 4, 4>>, gan::BatchNorm<3>, gan::LeakyRelu>;

// The device's passes differ from the CPU's only in the order of the additions around them
// (the dense layers' products); batch norm's own sums are in double on both.
template <typename T>
constexpr double network_tolerance() {
  return std::is_same_v<T, float> ? 1e-5 : 1e-12;
}

/// Runs a network on both backends from one seed: a forward pass in training mode twice (the
/// running averages move) and one in inference, each followed by a backward pass to the
/// parameters and the input, and compares the outputs, the gradients and the state after each.
template <typename Architecture, typename T>
void expect_networks_agree(Eigen::Index batch) {
  gan::Network<Architecture, T> cpu;
  gan::Network<Architecture, gan::Device<T>> device;
  gan::Rng cpu_rng(31);
  gan::Rng device_rng(31);
  cpu.initialize(cpu_rng);
  device.initialize(device_rng);
  BOOST_TEST((download<T>(device.parameters()) == gan::Vector<T>(cpu.parameters())));
  BOOST_TEST((download<T>(device.state()) == gan::Vector<T>(cpu.state())));
  const gan::Vector<T> initial_state = cpu.state();
  // Gamma 1 and beta 0 would hide a mix-up of the two: move every parameter off its start.
  const gan::Vector<T> parameters =
      gan::Vector<T>(cpu.parameters()) +
      T(0.5) * uniform_matrix<T>(static_cast<Eigen::Index>(cpu.parameter_count), 1, 32);
  cpu.parameters() = parameters;
  gan::Device<T>::from_host(parameters, device.parameters());

  constexpr auto inputs = static_cast<Eigen::Index>(decltype(cpu)::input_size);
  constexpr auto outputs = static_cast<Eigen::Index>(decltype(cpu)::output_size);
  const double tolerance = network_tolerance<T>();
  std::uint64_t seed = 40;
  for (const gan::Mode mode : {gan::Mode::training, gan::Mode::training, gan::Mode::inference}) {
    BOOST_TEST_CONTEXT(gan::to_string(mode) << " pass, seed " << seed << ", batch " << batch) {
      // Away from zero mean, so that the shift in the sums matters.
      const gan::Matrix<T> input = (T(2) * uniform_matrix<T>(inputs, batch, seed)).array() + T(3);
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
      // The gradients add up over the passes.
      BOOST_TEST(relative_difference(download<T>(device.gradients()),
                                     gan::Vector<T>(cpu.gradients())) <= tolerance);
      BOOST_TEST(relative_difference(gan::device::to_host(device.activations().input_gradient()),
                                     cpu.activations().input_gradient()) <= tolerance);
    }
  }
  // The running averages moved.
  BOOST_TEST((gan::Vector<T>(cpu.state()) != initial_state));
}

}  // namespace

BOOST_AUTO_TEST_CASE_TEMPLATE(a_device_network_with_batch_norm_is_the_cpu_network, T, Scalars) {
  for (const Eigen::Index batch : {1, 6}) {
    expect_networks_agree<DenseWithBatchNorm, T>(batch);
    expect_networks_agree<ImagesWithBatchNorm, T>(batch);
  }
}

// The trainer's moving average of the generator is a copy of it, and so is a network
// assigned from another: each gets batch norm passes of its own, with the same settings.
BOOST_AUTO_TEST_CASE_TEMPLATE(a_copy_of_a_device_network_with_batch_norm_computes_the_same, T,
                              Scalars) {
  using Network = gan::Network<ImagesWithBatchNorm, gan::Device<T>>;
  // Settings other than the defaults, which a copy must keep.
  const ImagesWithBatchNorm architecture(gan::Input<gan::Shape<3, 4, 4>>{},
                                         gan::BatchNorm<3>({.epsilon = 1e-2, .momentum = 0.5}),
                                         gan::LeakyRelu{});
  Network device(architecture);
  gan::Rng rng(33);
  device.initialize(rng);
  const gan::device::Matrix<T> first = gan::device::to_device(uniform_matrix<T>(48, 5, 34));
  device.forward(first, gan::Mode::training);  // running averages away from their start

  Network copy(device);
  Network assigned;
  assigned = device;
  const gan::Vector<T> state = download<T>(device.state());
  const gan::device::Matrix<T> input = gan::device::to_device(uniform_matrix<T>(48, 7, 35));
  for (const gan::Mode mode : {gan::Mode::inference, gan::Mode::training}) {
    BOOST_TEST_CONTEXT(gan::to_string(mode)) {
      const gan::Matrix<T> output = gan::device::to_host(device.forward(input, mode));
      BOOST_TEST((gan::device::to_host(copy.forward(input, mode)) == output));
      BOOST_TEST((gan::device::to_host(assigned.forward(input, mode)) == output));
      BOOST_TEST((download<T>(copy.state()) == download<T>(device.state())));
      BOOST_TEST((download<T>(assigned.state()) == download<T>(device.state())));
    }
  }
  // Each network updated its own running averages, once.
  BOOST_TEST((download<T>(device.state()) != state));

  // And the same as the CPU network with those settings.
  gan::Network<ImagesWithBatchNorm, T> cpu(architecture);
  cpu.parameters() = download<T>(copy.parameters());
  cpu.state() = download<T>(copy.state());
  const gan::Matrix<T> host_input = gan::device::to_host(input);
  BOOST_TEST(relative_difference(gan::device::to_host(copy.forward(input, gan::Mode::training)),
                                 cpu.forward(host_input, gan::Mode::training)) <=
             network_tolerance<T>());
  BOOST_TEST(relative_difference(download<T>(copy.state()), gan::Vector<T>(cpu.state())) <=
             network_tolerance<T>());
}

BOOST_AUTO_TEST_SUITE_END()
