// SPDX-License-Identifier: MIT
// Tests of device/batch_norm.hpp: batch norm's passes on the device give the CPU layer's
// results, in training and inference, for images and dense inputs, with the running averages.
#define BOOST_TEST_MODULE device_batch_norm
#include <boost/test/unit_test.hpp>

#include <gan/device/batch_norm.hpp>
#include <gan/layers/batch_norm.hpp>

#include "support/convolution_checks.hpp"
#include "support/device_checks.hpp"
#include "support/expected_errors.hpp"

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
