// SPDX-License-Identifier: MIT
// Tests of the device backend as a whole (device/backend.hpp): a Network and an
// AlternatingTrainer on gan::Device give the CPU backend's numbers, from one seed, within a
// stated tolerance, and checkpoints move between the backends.
#include <boost/test/unit_test.hpp>

#include <gan/device/backend.hpp>
#include <gan/gan.hpp>

#include "support/convolution_checks.hpp"
#include "support/device_checks.hpp"
#include "support/temporary_files.hpp"
#include "support/trainer_fixtures.hpp"

#include <boost/mpl/list.hpp>
#include <thrust/system_error.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

BOOST_AUTO_TEST_SUITE(device_training)

namespace {

using namespace gan::test_support;

// The tolerances the device backend is held to after a few training steps, relative to the
// largest parameter: the backends differ only in the order of additions (cuBLAS's products,
// the device's reductions in double), which Adam's division by sqrt(v) can magnify in a
// parameter whose gradient is near zero, so a few steps of float drift apart by more than
// float's epsilon.
template <typename T>
constexpr double training_tolerance() {
  return std::is_same_v<T, float> ? 2e-4 : 1e-9;
}

// One pass of a network with a little of everything the MLP layers have: dense layers, every
// activation, and in-place activations over dense outputs.
using Mlp =
    gan::Sequential<gan::Dense<6, 9>, gan::LeakyRelu, gan::Dense<9, 7>, gan::Tanh, gan::Dense<7, 5>,
                    gan::Relu, gan::Dense<5, 4>, gan::Sigmoid, gan::Dense<4, 3>, gan::Identity,
                    gan::Reshape<gan::Shape<3, 1, 1>>, gan::Flatten>;

template <typename T>
gan::device::Matrix<T> upload(const gan::Matrix<T>& host) {
  return gan::device::to_device(host);
}

using Scalars = boost::mpl::list<float, double>;

}  // namespace

BOOST_AUTO_TEST_CASE_TEMPLATE(a_device_network_starts_from_the_cpu_networks_parameters, T,
                              Scalars) {
  gan::Network<Mlp, T> cpu;
  gan::Network<Mlp, gan::Device<T>> device;
  gan::Rng cpu_rng(11);
  gan::Rng device_rng(11);
  cpu.initialize(cpu_rng);
  device.initialize(device_rng);
  BOOST_TEST((download<T>(device.parameters()) == gan::Vector<T>(cpu.parameters())));
  // The device network drew the same numbers, so both streams stand at the same place.
  BOOST_TEST(cpu_rng.state().position == device_rng.state().position);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(a_device_networks_passes_are_the_cpu_networks, T, Scalars) {
  gan::Network<Mlp, T> cpu;
  gan::Network<Mlp, gan::Device<T>> device;
  gan::Rng rng(12);
  cpu.initialize(rng);
  gan::Device<T>::from_host(gan::Vector<T>(cpu.parameters()), device.parameters());

  const gan::Matrix<T> input = uniform_matrix<T>(6, 13, 3);
  const gan::Matrix<T> output_gradient = uniform_matrix<T>(3, 13, 4);
  const gan::device::Matrix<T> device_input = upload(input);
  const gan::device::Matrix<T> device_output_gradient = upload(output_gradient);

  const gan::Matrix<T>& output = cpu.forward(input);
  const gan::Matrix<T> device_output = gan::device::to_host(device.forward(device_input));
  const double tolerance = std::is_same_v<T, float> ? 1e-6 : 1e-14;
  BOOST_TEST(relative_difference(device_output, output) <= tolerance);

  // Twice, so that the second pass adds to the first's gradients.
  for (int pass = 0; pass < 2; ++pass) {
    cpu.backward(output_gradient, gan::Backprop::parameters_and_input);
    device.backward(device_output_gradient, gan::Backprop::parameters_and_input);
  }
  BOOST_TEST(relative_difference(download<T>(device.gradients()),
                                 gan::Vector<T>(cpu.gradients())) <= tolerance);
  BOOST_TEST(relative_difference(gan::device::to_host(device.activations().input_gradient()),
                                 cpu.activations().input_gradient()) <= tolerance);

  // zero_gradients() clears the device's buffer at once.
  device.zero_gradients();
  BOOST_TEST(download<T>(device.gradients()).isZero(0));
}

BOOST_AUTO_TEST_CASE(a_device_networks_copy_has_its_own_buffers) {
  gan::Network<Mlp, gan::Device<float>> device;
  gan::Rng rng(13);
  device.initialize(rng);
  const gan::Network<Mlp, gan::Device<float>> copy(device);
  const gan::Vector<float> before = download<float>(copy.parameters());
  gan::Device<float>::fill(device.parameters(), 0.5f);
  BOOST_TEST((download<float>(copy.parameters()) == before));
  BOOST_TEST(download<float>(device.parameters()).isConstant(0.5f));
}

BOOST_AUTO_TEST_CASE(a_device_network_reports_a_gradient_that_is_not_finite) {
  gan::Network<Mlp, gan::Device<double>> device;
  gan::Rng rng(14);
  device.initialize(rng);
  BOOST_TEST(device.gradients_are_finite());
  gan::Vector<double> gradients = gan::Vector<double>::Zero(decltype(device)::parameter_count);
  gradients(17) = std::numeric_limits<double>::quiet_NaN();
  gan::Device<double>::from_host(gradients, device.gradients());
  BOOST_TEST(!device.gradients_are_finite());
}

namespace {

// Trains `steps` steps on the CPU and on the device from one seed, on the same real batches,
// and checks that the statistics and every parameter, moment and state agree.
template <typename T, typename Loss, template <typename> class Optimizer, typename Prior,
          typename G = Generator, typename D = Discriminator>
void expect_training_agrees(std::size_t discriminator_steps, double average_decay, int steps,
                            Eigen::Index batch_size) {
  using CpuTrainer = gan::AlternatingTrainer<G, D, Loss, Optimizer, Prior, T>;
  using DeviceTrainer = gan::AlternatingTrainer<G, D, Loss, Optimizer, Prior, gan::Device<T>>;
  auto cpu_options = options_with<CpuTrainer>(21, discriminator_steps);
  cpu_options.generator_average_decay = average_decay;
  auto device_options = options_with<DeviceTrainer>(21, discriminator_steps);
  device_options.generator_average_decay = average_decay;
  if constexpr (requires { cpu_options.generator_optimizer.learning_rate; }) {
    cpu_options.generator_optimizer.learning_rate = 1e-2;
    cpu_options.discriminator_optimizer.learning_rate = 1e-2;
    device_options.generator_optimizer.learning_rate = 1e-2;
    device_options.discriminator_optimizer.learning_rate = 1e-2;
  }
  CpuTrainer cpu(cpu_options);
  DeviceTrainer device(device_options);

  constexpr auto sample_size = static_cast<Eigen::Index>(CpuTrainer::sample_size);
  std::uint64_t batch_seed = 100;
  gan::Matrix<T> real;
  gan::device::Matrix<T> device_real;
  const double tolerance = training_tolerance<T>();
  for (int step = 0; step < steps; ++step) {
    const std::uint64_t first_seed = batch_seed;
    const gan::StepStats cpu_stats = cpu.step([&]() -> const gan::Matrix<T>& {
      real = real_batch<T>(batch_seed++, sample_size, batch_size);
      return real;
    });
    batch_seed = first_seed;
    const gan::StepStats device_stats = device.step([&]() -> const gan::device::Matrix<T>& {
      gan::device::copy_to_device(real_batch<T>(batch_seed++, sample_size, batch_size),
                                  device_real);
      return device_real;
    });
    BOOST_TEST(std::abs(device_stats.discriminator_loss - cpu_stats.discriminator_loss) <=
               tolerance * std::max(1.0, std::abs(cpu_stats.discriminator_loss)));
    BOOST_TEST(std::abs(device_stats.generator_loss - cpu_stats.generator_loss) <=
               tolerance * std::max(1.0, std::abs(cpu_stats.generator_loss)));
    BOOST_TEST(std::abs(device_stats.real_score - cpu_stats.real_score) <= tolerance);
    BOOST_TEST(std::abs(device_stats.fake_score - cpu_stats.fake_score) <= tolerance);
    BOOST_TEST(device_stats.batch_size == cpu_stats.batch_size);
  }
  BOOST_TEST(device.steps() == cpu.steps());
  BOOST_TEST(device.rng().state().position == cpu.rng().state().position);
  const auto expect_close = [&](const auto& device_view, const auto& cpu_view) {
    if (cpu_view.size() == 0) return;  // a network without running state
    BOOST_TEST(relative_difference(download<T>(device_view), gan::Vector<T>(cpu_view)) <=
               tolerance);
  };
  expect_close(device.generator().parameters(), cpu.generator().parameters());
  expect_close(device.discriminator().parameters(), cpu.discriminator().parameters());
  expect_close(device.averaged_generator().parameters(), cpu.averaged_generator().parameters());
  expect_close(device.generator().state(), cpu.generator().state());
  expect_close(device.discriminator().state(), cpu.discriminator().state());

  // Samples in inference mode, from both generators.
  gan::Rng sample_rng(5);
  const gan::Matrix<T> noise = CpuTrainer::draw_noise(7, sample_rng);
  const gan::device::Matrix<T> device_noise = upload(noise);
  const gan::Matrix<T> samples = cpu.generate_averaged(noise);
  BOOST_TEST(relative_difference(gan::device::to_host(device.generate_averaged(device_noise)),
                                 samples) <= tolerance);
}

}  // namespace

BOOST_AUTO_TEST_CASE_TEMPLATE(training_on_the_device_follows_the_cpu_with_adam, T, Scalars) {
  expect_training_agrees<T, gan::NonSaturatingLoss, gan::Adam, gan::StandardNormal>(1, 0, 6, 16);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(training_on_the_device_follows_the_cpu_with_sgd_and_k_steps, T,
                              Scalars) {
  expect_training_agrees<T, gan::MinimaxLoss, gan::Sgd, gan::Uniform>(3, 0.9, 4, 10);
}

BOOST_AUTO_TEST_CASE(training_on_the_device_follows_the_cpu_with_least_squares) {
  expect_training_agrees<double, gan::LeastSquaresLoss, gan::Adam, gan::StandardNormal>(2, 0.5, 5,
                                                                                        9);
}

// The losses whose device path differs from the per-logit one: the penalties run their
// per-sample arithmetic on the host and the critic's passes on the device, the relativistic
// loss is computed on the host from device logits, and weight clipping runs on the device.
BOOST_AUTO_TEST_CASE(training_on_the_device_follows_the_cpu_with_the_gan_variants) {
  expect_training_agrees<double, gan::WassersteinGpLoss, gan::Adam, gan::StandardNormal>(2, 0, 3,
                                                                                         8);
  expect_training_agrees<double, gan::NonSaturatingR1Loss, gan::Adam, gan::StandardNormal>(1, 0,
                                                                                           3, 8);
  expect_training_agrees<double, gan::RelativisticAverageLoss, gan::Sgd, gan::StandardNormal>(
      1, 0, 3, 8);
  expect_training_agrees<double, gan::WassersteinLoss, gan::Adam, gan::StandardNormal>(2, 0, 3,
                                                                                       8);
}

BOOST_AUTO_TEST_CASE(a_checkpoint_moves_between_the_backends) {
  using CpuTrainer = gan::AlternatingTrainer<Generator, Discriminator, gan::NonSaturatingLoss,
                                             gan::Adam, gan::StandardNormal, double>;
  using DeviceTrainer =
      gan::AlternatingTrainer<Generator, Discriminator, gan::NonSaturatingLoss, gan::Adam,
                              gan::StandardNormal, gan::Device<double>>;
  auto options = options_with<DeviceTrainer>(31);
  options.generator_average_decay = 0.9;
  DeviceTrainer device(options);
  const gan::device::Matrix<double> real = upload(real_batch<double>(1, 2, 8));
  for (int step = 0; step < 3; ++step) device.step(real);

  TemporaryDirectory directory;
  const auto device_file = directory.path() / "device.ckpt";
  device.save_checkpoint(device_file, {{"note", "from the device"}});

  auto cpu_options = options_with<CpuTrainer>(99);
  cpu_options.generator_average_decay = 0.9;
  CpuTrainer cpu(cpu_options);
  const auto metadata = cpu.load_checkpoint(device_file);
  BOOST_TEST(metadata.at("note") == "from the device");
  BOOST_TEST(cpu.steps() == 3u);
  BOOST_TEST((gan::Vector<double>(cpu.generator().parameters()) ==
              download<double>(device.generator().parameters())));
  BOOST_TEST((gan::Vector<double>(cpu.averaged_generator().parameters()) ==
              download<double>(device.averaged_generator().parameters())));
  BOOST_TEST(
      (cpu.generator_optimizer().first_moment() ==
       download<double>(gan::Device<double>::view(device.generator_optimizer().first_moment()))));

  // And back: the CPU's checkpoint loads on a fresh device trainer, which then takes the
  // same step as the CPU.
  const auto cpu_file = directory.path() / "cpu.ckpt";
  cpu.save_checkpoint(cpu_file);
  DeviceTrainer resumed(options_with<DeviceTrainer>(77));
  auto resumed_options = options;
  DeviceTrainer resumed_with_average(resumed_options);
  resumed_with_average.load_checkpoint(cpu_file);
  const gan::Matrix<double> host_real = real_batch<double>(2, 2, 8);
  cpu.step(host_real);
  resumed_with_average.step(upload(host_real));
  BOOST_TEST(relative_difference(download<double>(resumed_with_average.generator().parameters()),
                                 gan::Vector<double>(cpu.generator().parameters())) <=
             training_tolerance<double>());
}

BOOST_AUTO_TEST_CASE(a_device_trainer_stops_on_a_loss_that_is_not_finite) {
  using DeviceTrainer = gan::AlternatingTrainer<Generator, Discriminator, gan::NonSaturatingLoss,
                                                gan::Adam, gan::StandardNormal, gan::Device<float>>;
  DeviceTrainer device(options_with<DeviceTrainer>(41));
  gan::Matrix<float> host_real = real_batch<float>(1, 2, 4);
  host_real(1, 2) = std::numeric_limits<float>::infinity();
  const gan::Vector<float> before = download<float>(device.discriminator().parameters());
  BOOST_CHECK_THROW(device.step(upload(host_real)), gan::DivergenceError);
  // The update that would have used it was not applied.
  BOOST_TEST((download<float>(device.discriminator().parameters()) == before));
}

BOOST_AUTO_TEST_CASE(a_device_data_set_gives_the_cpu_data_sets_batches) {
  // Numbered samples, so that a wrong column shows.
  gan::Matrix<float> samples(3, 23);
  for (Eigen::Index i = 0; i < samples.size(); ++i) samples.data()[i] = static_cast<float>(i);
  for (const auto partial : {gan::data::PartialBatch::drop, gan::data::PartialBatch::keep}) {
    gan::data::Dataset<float> cpu(samples, 5, 9, partial);
    gan::data::Dataset<gan::Device<float>> device(samples, 5, 9, partial);
    BOOST_TEST(device.batches_per_epoch() == cpu.batches_per_epoch());
    for (std::uint64_t epoch : {0u, 1u, 0u})
      for (std::size_t index = 0; index < cpu.batches_per_epoch(); ++index)
        BOOST_TEST((gan::device::to_host(device.batch(epoch, index)) == cpu.batch(epoch, index)));
  }
}

namespace {

// A small DCGAN: transposed convolutions with batch norm in G, convolutions with batch norm in
// D, so that D's real and fake batches take separate passes.
using ConvGenerator =
    gan::Sequential<gan::Input<gan::Shape<4, 1, 1>>, gan::ConvTranspose2d<4, 3, 3, 1, 0>,
                    gan::BatchNorm<3>, gan::Relu,
                    gan::ConvTranspose2d<3, 1, 4, 2, 1, 0, gan::Bias::none>, gan::Tanh>;
using ConvDiscriminator =
    gan::Sequential<gan::Input<gan::Shape<1, 6, 6>>, gan::Conv2d<1, 4, 4, 2, 1, gan::Bias::none>,
                    gan::BatchNorm<4>, gan::LeakyRelu, gan::Flatten, gan::Dense<36, 1>>;

}  // namespace

// In double only. In float, batch norm over 8 samples and Adam's first steps (which move a
// parameter by the learning rate whatever the size of its gradient, so a gradient near zero
// whose sign differs by rounding moves it the other way) put the two backends about 1e-2 of
// the largest parameter apart after 4 steps; in double they agree to 1e-9, which shows the
// computations are the same.
BOOST_AUTO_TEST_CASE(training_a_dcgan_on_the_device_follows_the_cpu) {
  expect_training_agrees<double, gan::NonSaturatingLoss, gan::Adam, gan::StandardNormal,
                         ConvGenerator, ConvDiscriminator>(1, 0.9, 4, 8);
}

BOOST_AUTO_TEST_CASE(a_failure_inside_thrust_becomes_a_device_error) {
  const auto failing = []() -> int {
    throw thrust::system_error(thrust::error_code(5, thrust::generic_category()),
                               "a kernel launch");
  };
  try {
    gan::Device<float>::guarded(failing);
    BOOST_FAIL("expected a DeviceError");
  } catch (const gan::DeviceError& error) {
    const std::string text = error.what();
    BOOST_TEST(text.find("a device operation failed") != std::string::npos);
    BOOST_TEST(text.find("a kernel launch") != std::string::npos);
  }
  // What is not Thrust's passes through as it was, and a result comes back.
  BOOST_CHECK_THROW(gan::Device<float>::guarded([]() -> int { throw std::invalid_argument("x"); }),
                    std::invalid_argument);
  BOOST_TEST(gan::Device<float>::guarded([] { return 7; }) == 7);
}

BOOST_AUTO_TEST_SUITE_END()
