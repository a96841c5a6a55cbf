// SPDX-License-Identifier: MIT
// Tests of layers/keep_label.hpp: KeepLabel runs its inner layers on the whole input and passes
// the label rows through, forward and backward, and trains as a conditional generator.
#define BOOST_TEST_MODULE keep_label
#include <boost/test/unit_test.hpp>

#include <gan/gan.hpp>
#include <gan/testing/gradient_check.hpp>

#include "support/layer_checks.hpp"
#include "support/temporary_files.hpp"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace {

using namespace gan::test_support;

// 4 latent values and 3 label rows in; 5 "pixels" and the 3 label rows out.
using Inner = gan::Sequential<gan::Dense<7, 6>, gan::Tanh, gan::Dense<6, 5>, gan::Tanh>;
using Wrapped = gan::KeepLabel<3, gan::Dense<7, 6>, gan::Tanh, gan::Dense<6, 5>, gan::Tanh>;
using Generator = gan::Sequential<Wrapped>;
using Discriminator = gan::Sequential<gan::Dense<8, 6>, gan::LeakyRelu, gan::Dense<6, 1>>;
using Prior = gan::WithClassLabel<gan::StandardNormal, 3>;
using Trainer =
    gan::AlternatingTrainer<Generator, Discriminator, gan::NonSaturatingLoss, gan::Adam, Prior>;

static_assert(std::is_same_v<Generator::input_shape, gan::Shape<7>>);
static_assert(std::is_same_v<Generator::output_shape, gan::Shape<8>>);
static_assert(gan::Network<Generator, float>::parameter_count ==
              gan::Network<Inner, float>::parameter_count);

template <typename Scalar>
gan::Matrix<Scalar> labelled_input(std::uint64_t seed, const std::vector<int>& labels) {
  gan::Rng rng(seed);
  gan::Matrix<Scalar> input(7, static_cast<Eigen::Index>(labels.size()));
  Prior::fill_with_labels(input, std::span<const int>(labels), rng);
  return input;
}

// Real batches of the trainer: [5 values; one-hot], classes in turn.
gan::Matrix<float> labelled_real_batch(std::uint64_t seed) {
  gan::Rng rng(seed);
  gan::Matrix<float> batch(8, 12);
  batch.setZero();
  for (Eigen::Index j = 0; j < batch.cols(); ++j) {
    for (Eigen::Index i = 0; i < 5; ++i)
      batch(i, j) = static_cast<float>(0.3 * (j % 3) + 0.1 * rng.normal());
    batch(5 + j % 3, j) = 1;
  }
  return batch;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(keep_label_layer)

BOOST_AUTO_TEST_CASE(forward_gives_the_inner_output_above_the_label) {
  auto wrapped = initialized<gan::Network<Generator, double>>(4);
  gan::Network<Inner, double> inner;
  inner.parameters() = wrapped.parameters();
  const gan::Matrix<double> input = labelled_input<double>(2, {0, 2, 1, 2});
  const gan::Matrix<double> output = wrapped.forward(input);
  const gan::Matrix<double> expected = inner.forward(input);
  BOOST_TEST_REQUIRE(output.rows() == 8);
  BOOST_TEST_REQUIRE(output.cols() == 4);
  BOOST_TEST((output.topRows(5) == expected));
  BOOST_TEST((output.bottomRows(3) == input.bottomRows(3)));
}

BOOST_AUTO_TEST_CASE(describe_names_the_label_rows_and_the_inner_layers) {
  BOOST_TEST(Generator().describe() == "KeepLabel<3>(" + Inner().describe() + ")");
}

BOOST_AUTO_TEST_CASE(backward_matches_finite_differences) {
  for (const std::uint64_t seed : {1u, 2u, 3u}) {
    BOOST_TEST_CONTEXT("seed " << seed) {
      const auto net = initialized<gan::Network<Generator, double>>(seed);
      const auto report = gan::testing::gradient_check(net, {.seed = seed, .batch_size = 4});
      BOOST_TEST(report.passed(), report.describe());
      BOOST_TEST(report.parameters.compared == (gan::Network<Generator, double>::parameter_count));
      BOOST_TEST(report.input.compared == 7u * 4u);
    }
  }
}

BOOST_AUTO_TEST_CASE(label_rows_gradient_adds_the_direct_path_to_the_inner_one) {
  auto wrapped = initialized<gan::Network<Generator, double>>(6);
  gan::Network<Inner, double> inner;
  inner.parameters() = wrapped.parameters();
  const gan::Matrix<double> input = labelled_input<double>(8, {1, 0});
  gan::Matrix<double> grad_out = gan::Matrix<double>::Random(8, 2);
  wrapped.forward(input);
  wrapped.backward(grad_out, gan::Backprop::parameters_and_input);
  inner.forward(input);
  const gan::Matrix<double> inner_grad_out = grad_out.topRows(5);
  inner.backward(inner_grad_out, gan::Backprop::parameters_and_input);
  gan::Matrix<double> expected = inner.activations().input_gradient();
  expected.bottomRows(3) += grad_out.bottomRows(3);
  BOOST_TEST((wrapped.activations().input_gradient() - expected).norm() < 1e-12);
  BOOST_TEST(
      (gan::Vector<double>(wrapped.gradients()) - gan::Vector<double>(inner.gradients())).norm() <
      1e-12);
}

BOOST_AUTO_TEST_CASE(a_pass_in_between_does_not_change_the_gradients_of_another) {
  auto net = initialized<gan::Network<Generator, double>>(9);
  const gan::Matrix<double> a = labelled_input<double>(1, {0, 1, 2});
  const gan::Matrix<double> b = labelled_input<double>(2, {2, 2});
  const gan::Matrix<double> grad_out = gan::Matrix<double>::Random(8, 3);

  gan::Network<Generator, double>::Activations pass_a, pass_b;
  net.forward(a, pass_a);
  net.backward(grad_out, pass_a, gan::Backprop::parameters_and_input);
  const gan::Vector<double> alone = net.gradients();
  const gan::Matrix<double> alone_input = pass_a.input_gradient();

  net.zero_gradients();
  net.forward(a, pass_a);
  net.forward(b, pass_b);  // runs the inner layers on another batch
  net.backward(grad_out, pass_a, gan::Backprop::parameters_and_input);
  BOOST_TEST((gan::Vector<double>(net.gradients()) - alone).norm() < 1e-12);
  BOOST_TEST((pass_a.input_gradient() - alone_input).norm() < 1e-12);
}

BOOST_AUTO_TEST_CASE(copies_compute_with_their_own_parameters) {
  auto net = initialized<gan::Network<Generator, float>>(10);
  gan::Network<Generator, float> copy = net;
  copy.parameters().setZero();
  const gan::Matrix<float> input = labelled_input<float>(3, {0, 1});
  const gan::Matrix<float> from_copy = copy.forward(input);
  BOOST_TEST(from_copy.topRows(5).cwiseAbs().maxCoeff() == 0.0f);
  BOOST_TEST(net.forward(input).topRows(5).cwiseAbs().maxCoeff() > 0.0f);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(conditional_gan_training)

BOOST_AUTO_TEST_CASE(trains_in_the_unchanged_trainer_and_resumes_exactly) {
  Trainer::Options options;
  options.seed = 21;
  options.generator_average_decay = 0.9;
  Trainer trainer(options);
  for (std::uint64_t step = 0; step < 5; ++step) {
    const gan::StepStats stats = trainer.step(labelled_real_batch(step));
    BOOST_TEST(std::isfinite(stats.discriminator_loss));
    BOOST_TEST(std::isfinite(stats.generator_loss));
  }
  const TemporaryFile file;
  trainer.save_checkpoint(file.path());

  Trainer resumed(options);
  resumed.load_checkpoint(file.path());
  for (std::uint64_t step = 5; step < 8; ++step) {
    const gan::StepStats a = trainer.step(labelled_real_batch(step));
    const gan::StepStats b = resumed.step(labelled_real_batch(step));
    BOOST_TEST(a.discriminator_loss == b.discriminator_loss);
    BOOST_TEST(a.generator_loss == b.generator_loss);
  }
  // Samples keep the label they were asked for.
  const std::vector<int> labels = {2, 0, 1};
  gan::Rng rng(4);
  const gan::Matrix<float> noise =
      Prior::draw_with_labels<float>(Trainer::latent_size, std::span<const int>(labels), rng);
  const gan::Matrix<float> samples = resumed.generate_averaged(noise);
  BOOST_TEST((samples.bottomRows(3) == noise.bottomRows(3)));
  BOOST_TEST((trainer.generate_averaged(noise) == samples));
}

BOOST_AUTO_TEST_CASE(checkpoint_names_the_prior_with_its_class_count) {
  Trainer trainer(Trainer::Options{});
  const TemporaryFile file;
  trainer.save_checkpoint(file.path());
  BOOST_TEST(gan::CheckpointReader(file.path()).get_text("prior") == "normal+one-hot(3)");
}

BOOST_AUTO_TEST_SUITE_END()
