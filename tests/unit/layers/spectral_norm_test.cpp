// SPDX-License-Identifier: MIT
// Tests of layers/spectral_norm.hpp: the power iteration against an SVD, the normalised
// output, gradients against finite differences, the state in both modes and in checkpoints,
// and a discriminator with spectral normalisation in the trainer.
#define BOOST_TEST_MODULE spectral_norm
#include <boost/test/unit_test.hpp>

#include <gan/core/concepts.hpp>
#include <gan/core/error.hpp>
#include <gan/core/random.hpp>
#include <gan/core/shape.hpp>
#include <gan/core/tensor.hpp>
#include <gan/io/checkpoint.hpp>
#include <gan/layers/conv2d.hpp>
#include <gan/layers/dense.hpp>
#include <gan/layers/leaky_relu.hpp>
#include <gan/layers/reshape.hpp>
#include <gan/layers/spectral_norm.hpp>
#include <gan/layers/tanh.hpp>
#include <gan/losses/non_saturating.hpp>
#include <gan/nn/mode.hpp>
#include <gan/nn/network.hpp>
#include <gan/nn/sequential.hpp>
#include <gan/noise/priors.hpp>
#include <gan/optim/adam.hpp>
#include <gan/testing/gradient_check.hpp>
#include <gan/train/alternating_trainer.hpp>

#include "support/expected_errors.hpp"
#include "support/layer_checks.hpp"
#include "support/numeric_checks.hpp"
#include "support/temporary_files.hpp"
#include "support/trainer_fixtures.hpp"

#include <Eigen/SVD>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>

namespace {

using namespace gan::test_support;
using gan::Mode;

using DenseNet = gan::Network<gan::Sequential<gan::SpectralNorm<gan::Dense<7, 5>>>, double>;
// A 3 x 3 kernel over 2 channels with padding: W is [3, 18].
using ConvNet = gan::Network<
    gan::Sequential<gan::Input<gan::Shape<2, 5, 4>>, gan::SpectralNorm<gan::Conv2d<2, 3, 3, 1, 1>>>,
    double>;

static_assert(gan::LayerSpec<gan::SpectralNorm<gan::Dense<7, 5>>, gan::Shape<7>>);
static_assert(gan::LayerSpec<gan::SpectralNorm<gan::Conv2d<2, 3, 3>>, gan::Shape<2, 5, 4>, float>);
static_assert(std::is_same_v<gan::SpectralNorm<gan::Dense<7, 5>>::input_shape, gan::Shape<7>>);
static_assert(DenseNet::parameter_count == 7 * 5 + 5);
static_assert(DenseNet::state_count == 5 + 7);
static_assert(ConvNet::state_count == 3 + 18);
// Mode-aware, yet it couples no samples, so a trainer joins real and fake batches.
static_assert(DenseNet::samples_are_independent);
static_assert(ConvNet::samples_are_independent);

/// Every parameter standard normal, so that W has no structure the initialisation gives it.
template <typename Net>
void randomise_parameters(Net& net, std::uint64_t seed) {
  gan::Rng rng(seed);
  for (Eigen::Index i = 0; i < net.parameters().size(); ++i) net.parameters()(i) = rng.normal();
}

/// The largest singular value of a weight map, by Eigen's SVD.
template <typename Weights>
double largest_singular_value(const Weights& weights) {
  const gan::Matrix<double> w = weights.template cast<double>();
  return Eigen::JacobiSVD<gan::Matrix<double>>(w).singularValues()(0);
}

/// Runs `passes` training forward passes, each one power-iteration step.
template <typename Net>
void run_training_passes(Net& net, int passes) {
  gan::Rng rng(99);
  const gan::Matrix<double> input = gan::testing::random_input<double>(Net::input_size, 2, rng);
  for (int pass = 0; pass < passes; ++pass) net.forward(input, Mode::training);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(spectral_norm_layer)

BOOST_AUTO_TEST_CASE(sigma_converges_to_the_largest_singular_value) {
  for (const std::uint64_t seed : {1u, 2u, 3u}) {
    BOOST_TEST_CONTEXT("seed " << seed) {
      DenseNet dense = initialized<DenseNet>(seed);
      randomise_parameters(dense, seed);
      run_training_passes(dense, 200);
      const auto& layer = dense.layer<0>();
      const double expected = largest_singular_value(layer.weights());
      check_close(layer.sigma(), expected, 1e-10);

      ConvNet conv = initialized<ConvNet>(seed);
      randomise_parameters(conv, seed);
      run_training_passes(conv, 200);
      check_close(conv.layer<1>().sigma(), largest_singular_value(conv.layer<1>().weights()),
                  1e-10);
    }
  }
}

BOOST_AUTO_TEST_CASE(initialisation_draws_unit_u_and_v_close_to_the_singular_vectors) {
  const DenseNet net = initialized<DenseNet>(4);
  const auto& layer = net.layer<0>();
  check_close(layer.u().norm(), 1, 1e-12);
  check_close(layer.v().norm(), 1, 1e-12);
  // 15 steps from a random start: close, if not converged.
  check_close(layer.sigma(), largest_singular_value(layer.weights()), 0.05);
  BOOST_TEST(DenseNet::check_state(net.state()).empty());
  // The wrapped layer's own initialisation: uniform within 1 / sqrt(In).
  BOOST_TEST(net.parameters().cwiseAbs().maxCoeff() <= 1 / std::sqrt(7.0));
}

BOOST_AUTO_TEST_CASE(output_is_the_wrapped_layers_output_with_w_over_sigma) {
  for (const Mode mode : {Mode::inference, Mode::training}) {
    BOOST_TEST_CONTEXT("mode " << gan::to_string(mode)) {
      DenseNet net = initialized<DenseNet>(5);
      randomise_parameters(net, 5);
      // u and v for the new W (the initial ones were for the initial W).
      run_training_passes(net, 30);
      gan::Rng rng(6);
      const gan::Matrix<double> input = gan::testing::random_input<double>(7, 3, rng);
      const gan::Matrix<double> output = net.forward(input, mode);
      // In either mode, the pass divided by sigma() with the state as the pass left it.
      gan::Network<gan::Sequential<gan::Dense<7, 5>>, double> plain;
      plain.parameters() = net.parameters();
      plain.layer<0>().weights() /= net.layer<0>().sigma();
      check_entries(output, plain.forward(input), 1e-13);
      // Standard normal weights: far from spectral norm 1, so the division shows.
      BOOST_TEST(net.layer<0>().sigma() > 2.0);
    }
  }
}

BOOST_AUTO_TEST_CASE(convolution_output_divides_the_weights_and_keeps_the_bias) {
  ConvNet net = initialized<ConvNet>(7);
  randomise_parameters(net, 7);
  run_training_passes(net, 30);
  gan::Rng rng(8);
  const gan::Matrix<double> input = gan::testing::random_input<double>(ConvNet::input_size, 2, rng);
  const gan::Matrix<double> output = net.forward(input, Mode::inference);
  gan::Network<gan::Sequential<gan::Input<gan::Shape<2, 5, 4>>, gan::Conv2d<2, 3, 3, 1, 1>>, double>
      plain;
  plain.parameters() = net.parameters();
  plain.layer<1>().weights() /= net.layer<1>().sigma();
  check_entries(output, plain.forward(input), 1e-13);
}

BOOST_AUTO_TEST_CASE(gradients_match_finite_differences_in_inference_mode) {
  // Inference keeps u and v fixed, so every forward pass of the check is the same function,
  // and with u and v fixed the gradient is exact.
  using Stack = gan::Network<gan::Sequential<gan::SpectralNorm<gan::Dense<4, 6>>, gan::Tanh,
                                             gan::SpectralNorm<gan::Dense<6, 3>>>,
                             double>;
  using Image =
      gan::Network<gan::Sequential<gan::Input<gan::Shape<2, 5, 4>>,
                                   gan::SpectralNorm<gan::Conv2d<2, 3, 3, 2, 1>>, gan::Tanh,
                                   gan::SpectralNorm<gan::Conv2d<3, 2, 2, 1, 0, gan::Bias::none>>>,
                   double>;
  for (const std::uint64_t seed : {1u, 2u}) {
    BOOST_TEST_CONTEXT("seed " << seed) {
      Stack stack = initialized<Stack>(seed);
      run_training_passes(stack, 3);  // u and v as training leaves them
      const auto stack_report =
          gan::testing::gradient_check(stack, {.seed = seed, .mode = Mode::inference});
      BOOST_TEST(stack_report.passed(), stack_report.describe());

      Image image = initialized<Image>(seed);
      run_training_passes(image, 3);
      const auto image_report = gan::testing::gradient_check(
          image, {.seed = seed, .batch_size = 2, .mode = Mode::inference});
      BOOST_TEST(image_report.passed(), image_report.describe());
    }
  }
}

BOOST_AUTO_TEST_CASE(training_backward_holds_u_and_v_at_the_values_its_forward_pass_set) {
  // A training pass updates u and v, then runs as inference would with them: its gradients
  // are the inference gradients at the updated state, which finite differences checked above.
  DenseNet trained = initialized<DenseNet>(9);
  randomise_parameters(trained, 9);
  gan::Rng rng(10);
  const gan::Matrix<double> input = gan::testing::random_input<double>(7, 4, rng);
  const gan::Matrix<double> grad_out = gan::testing::random_input<double>(5, 4, rng);

  const gan::Vector<double> state_before = trained.state();
  trained.zero_gradients();
  trained.forward(input, Mode::training);
  BOOST_TEST(gan::Vector<double>(trained.state()) != state_before);
  trained.backward(grad_out, gan::Backprop::parameters_and_input);

  DenseNet inferred = trained;
  inferred.zero_gradients();
  inferred.forward(input, Mode::inference);
  inferred.backward(grad_out, gan::Backprop::parameters_and_input);
  check_entries(trained.gradients(), inferred.gradients(), 1e-13);
  check_entries(trained.activations().input_gradient(), inferred.activations().input_gradient(),
                1e-13);
}

BOOST_AUTO_TEST_CASE(weight_gradient_is_the_projection_formula) {
  // dL/dW = (G - <G, W_bar> u v^T) / sigma, with G = dL/dW_bar = grad_out input^T for a
  // dense layer; computed here from the definitions.
  DenseNet net = initialized<DenseNet>(11);
  gan::Rng rng(12);
  const gan::Matrix<double> input = gan::testing::random_input<double>(7, 3, rng);
  const gan::Matrix<double> grad_out = gan::testing::random_input<double>(5, 3, rng);
  net.zero_gradients();
  net.forward(input, Mode::inference);
  net.backward(grad_out);

  const auto& layer = net.layer<0>();
  const gan::Vector<double> u = layer.u().normalized();
  const gan::Vector<double> v = layer.v().normalized();
  const double sigma = u.dot(layer.weights() * v);
  const gan::Matrix<double> w_bar = layer.weights() / sigma;
  const gan::Matrix<double> g = grad_out * input.transpose();
  const gan::Matrix<double> expected =
      (g - (g.cwiseProduct(w_bar)).sum() * u * v.transpose()) / sigma;
  const gan::Matrix<double> actual =
      Eigen::Map<const Eigen::Matrix<double, 5, 7, Eigen::RowMajor>>(net.gradients().data());
  check_entries(actual, expected, 1e-13);
  // The bias gradient is the wrapped layer's: the sum of grad_out over the batch.
  check_entries(gan::Vector<double>(net.gradients().tail(5)),
                gan::Vector<double>(grad_out.rowwise().sum()), 1e-14);
}

BOOST_AUTO_TEST_CASE(each_backward_pass_uses_the_vectors_of_its_own_forward_pass) {
  // Two passes alive at once, as a trainer keeps them for real and fake batches: the second
  // training pass moves u and v, and the first pass's gradients must not see it.
  DenseNet net = initialized<DenseNet>(13);
  randomise_parameters(net, 13);
  gan::Rng rng(14);
  const gan::Matrix<double> first = gan::testing::random_input<double>(7, 3, rng);
  const gan::Matrix<double> second = gan::testing::random_input<double>(7, 2, rng);
  const gan::Matrix<double> grad_out = gan::testing::random_input<double>(5, 3, rng);

  DenseNet alone = net;
  alone.zero_gradients();
  alone.forward(first, Mode::training);
  alone.backward(grad_out, gan::Backprop::parameters_and_input);

  DenseNet::Activations first_pass, second_pass;
  net.zero_gradients();
  net.forward(first, first_pass, Mode::training);
  net.forward(second, second_pass, Mode::training);
  BOOST_TEST(gan::Vector<double>(net.state()) != gan::Vector<double>(alone.state()));
  net.backward(grad_out, first_pass, gan::Backprop::parameters_and_input);
  BOOST_TEST((gan::Vector<double>(net.gradients()) == gan::Vector<double>(alone.gradients())));
  BOOST_TEST((first_pass.input_gradient() == alone.activations().input_gradient()));
}

BOOST_AUTO_TEST_CASE(a_pass_the_layer_no_longer_remembers_is_refused) {
  using Layer = std::remove_cvref_t<decltype(std::declval<DenseNet&>().layer<0>())>;
  DenseNet net = initialized<DenseNet>(15);
  gan::Rng rng(16);
  const gan::Matrix<double> input = gan::testing::random_input<double>(7, 1, rng);
  std::vector<DenseNet::Activations> passes(Layer::kRememberedPasses + 1);
  for (auto& pass : passes) net.forward(input, pass, Mode::training);
  const gan::Matrix<double> grad_out = gan::Matrix<double>::Ones(5, 1);
  check_throws<std::logic_error>([&] { net.backward(grad_out, passes.front()); },
                                 {"SpectralNorm::backward", "remembers"});
  // The most recent ones are remembered.
  net.backward(grad_out, passes.back());
  net.backward(grad_out, passes[1]);
}

BOOST_AUTO_TEST_CASE(training_passes_update_u_and_v_and_inference_passes_do_not) {
  DenseNet net = initialized<DenseNet>(17);
  randomise_parameters(net, 17);
  gan::Rng rng(18);
  const gan::Matrix<double> input = gan::testing::random_input<double>(7, 2, rng);
  const gan::Vector<double> initial = net.state();
  net.forward(input, Mode::inference);
  BOOST_TEST((gan::Vector<double>(net.state()) == initial));

  net.forward(input, Mode::training);
  const gan::Vector<double> once = net.state();
  BOOST_TEST(once != initial);
  // Exactly one step: v = W^T u / |W^T u|, u = W v / |W v| from the state before.
  const auto& layer = net.layer<0>();
  const gan::Vector<double> u0 = initial.head(5);
  gan::Vector<double> v1 = layer.weights().transpose() * u0;
  v1.normalize();
  gan::Vector<double> u1 = layer.weights() * v1;
  u1.normalize();
  check_entries(once.head(5), u1, 1e-14);
  check_entries(once.tail(7), v1, 1e-14);

  net.forward(input, Mode::inference);
  BOOST_TEST((gan::Vector<double>(net.state()) == once));
}

BOOST_AUTO_TEST_CASE(an_all_zero_weight_matrix_passes_through_unscaled) {
  DenseNet net = initialized<DenseNet>(19);
  net.parameters().head(35).setZero();
  gan::Rng rng(20);
  const gan::Matrix<double> input = gan::testing::random_input<double>(7, 2, rng);
  net.zero_gradients();
  const gan::Matrix<double> output = net.forward(input, Mode::training);
  BOOST_TEST(output.allFinite());
  // The output is the bias alone.
  for (Eigen::Index c = 0; c < 2; ++c)
    check_entries(gan::Vector<double>(output.col(c)), gan::Vector<double>(net.parameters().tail(5)),
                  0.0);
  net.backward(gan::Matrix<double>::Ones(5, 2));
  BOOST_TEST(gan::Vector<double>(net.gradients()).allFinite());
  BOOST_TEST(DenseNet::check_state(net.state()).empty());
}

BOOST_AUTO_TEST_CASE(state_check_refuses_zero_and_non_finite_vectors) {
  const DenseNet net = initialized<DenseNet>(21);
  gan::Vector<double> state = net.state();
  BOOST_TEST(DenseNet::check_state(state).empty());

  gan::Vector<double> zero_u = state;
  zero_u.head(5).setZero();
  const std::string zero_message = DenseNet::check_state(zero_u);
  for (const char* part :
       {"nonzero power-iteration vector u", "indices 0 to 4", "5 x 7", "got all zeros"})
    BOOST_TEST(zero_message.find(part) != std::string::npos, zero_message << " lacks " << part);

  gan::Vector<double> nan_v = state;
  nan_v(5 + 3) = std::numeric_limits<double>::quiet_NaN();
  const std::string nan_message = DenseNet::check_state(nan_v);
  for (const char* part : {"finite power-iteration vector v", "at index 8", "nan"})
    BOOST_TEST(nan_message.find(part) != std::string::npos, nan_message << " lacks " << part);
}

BOOST_AUTO_TEST_CASE(describe_names_the_wrapped_layer) {
  using Dense = gan::SpectralNorm<gan::Dense<784, 256>>;
  using Conv = gan::SpectralNorm<gan::Conv2d<1, 64, 4, 2, 1>>;
  BOOST_TEST(Dense{}.describe() == "SpectralNorm(Dense(784 -> 256))");
  BOOST_TEST(Conv{}.describe() == "SpectralNorm(Conv2d(1 -> 64, kernel 4, stride 2, padding 1))");
}

BOOST_AUTO_TEST_CASE(copies_own_their_buffers) {
  DenseNet net = initialized<DenseNet>(22);
  gan::Rng rng(23);
  const gan::Matrix<double> input = gan::testing::random_input<double>(7, 2, rng);
  DenseNet copy = net;
  const gan::Matrix<double> expected = copy.forward(input, Mode::inference);
  net.parameters().setZero();  // the copy's wrapped layer must not read these
  BOOST_TEST((copy.forward(input, Mode::inference) == expected));
  DenseNet assigned;
  assigned = copy;
  BOOST_TEST((assigned.forward(input, Mode::inference) == expected));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(spectral_norm_in_training)

using SpectralDiscriminator = gan::Sequential<gan::SpectralNorm<gan::Dense<2, 6>>, gan::LeakyRelu,
                                              gan::SpectralNorm<gan::Dense<6, 1>>>;
using Trainer = gan::AlternatingTrainer<Generator, SpectralDiscriminator, gan::NonSaturatingLoss,
                                        gan::Adam, gan::StandardNormal, double>;

BOOST_AUTO_TEST_CASE(a_discriminator_with_spectral_norm_trains_and_stays_normalised) {
  Trainer trainer(options_with<Trainer>(7));
  for (std::uint64_t step = 0; step < 20; ++step) {
    const gan::StepStats stats = trainer.step(real_batch<double>(step, 2, 16));
    BOOST_TEST(std::isfinite(stats.discriminator_loss));
    BOOST_TEST(std::isfinite(stats.generator_loss));
  }
  // One step per pass tracks sigma as W moves: each normalised W has spectral norm about 1.
  const auto& first = trainer.discriminator().layer<0>();
  const auto& last = trainer.discriminator().layer<2>();
  check_close(largest_singular_value(first.weights()) / first.sigma(), 1, 1e-3);
  check_close(largest_singular_value(last.weights()) / last.sigma(), 1, 1e-3);
}

BOOST_AUTO_TEST_CASE(checkpoints_keep_u_and_v_and_resume_exactly) {
  Trainer trainer(options_with<Trainer>(7));
  for (std::uint64_t step = 0; step < 3; ++step) trainer.step(real_batch<double>(step, 2, 8));
  const gan::Vector<double> state = trainer.discriminator().state();

  TemporaryDirectory dir;
  trainer.save_checkpoint(dir.path() / "a.ckpt");
  Trainer loaded(options_with<Trainer>(8));
  BOOST_TEST(gan::Vector<double>(loaded.discriminator().state()) != state);
  loaded.load_checkpoint(dir.path() / "a.ckpt");
  BOOST_TEST(gan::Vector<double>(loaded.discriminator().state()) == state);
  for (std::uint64_t step = 3; step < 5; ++step) {
    const gan::Matrix<double> real = real_batch<double>(step, 2, 8);
    const gan::StepStats expected = trainer.step(real);
    const gan::StepStats resumed = loaded.step(real);
    BOOST_TEST(resumed.discriminator_loss == expected.discriminator_loss);
    BOOST_TEST(resumed.generator_loss == expected.generator_loss);
  }

  // The same layers without spectral normalisation are another architecture.
  using Plain = gan::AlternatingTrainer<Generator, Discriminator, gan::NonSaturatingLoss, gan::Adam,
                                        gan::StandardNormal, double>;
  Plain plain(options_with<Plain>(7));
  check_throws<gan::CheckpointError>([&] { plain.load_checkpoint(dir.path() / "a.ckpt"); },
                                     {"SpectralNorm(Dense(2 -> 6))"});
}

BOOST_AUTO_TEST_CASE(a_checkpoint_with_a_zero_u_is_refused_and_changes_nothing) {
  Trainer source(options_with<Trainer>(7));
  source.step(real_batch<double>(0, 2, 8));
  source.discriminator().state().segment(6 + 2, 1).setZero();  // second layer's u: 1 value
  TemporaryDirectory dir;
  source.save_checkpoint(dir.path() / "bad.ckpt");

  Trainer target(options_with<Trainer>(42));
  const gan::Vector<double> before = target.discriminator().state();
  check_throws<gan::CheckpointError>(
      [&] { target.load_checkpoint(dir.path() / "bad.ckpt"); },
      {"'discriminator.state'", "nonzero power-iteration vector u", "indices 8 to 8"});
  BOOST_TEST((gan::Vector<double>(target.discriminator().state()) == before));
}

BOOST_AUTO_TEST_SUITE_END()
