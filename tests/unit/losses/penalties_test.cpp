// SPDX-License-Identifier: MIT
// Tests of losses/penalties.hpp: the gradient penalty (WGAN-GP) and the R1 penalty, their
// values and parameter gradients on a linear critic, whose input gradient is its weight vector
// in closed form, the whole penalty gradient against finite differences of the penalty on
// nonlinear critics, and the penalties and the weight clip inside the trainer.
#define BOOST_TEST_MODULE penalties
#include <boost/test/unit_test.hpp>

#include <gan/gan.hpp>

#include "support/numeric_checks.hpp"
#include "support/trainer_fixtures.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

namespace {

using namespace gan::test_support;

/// D(x) = w . x + b on 3 values: its input gradient is w at every point.
using LinearCritic = gan::Sequential<gan::Dense<3, 1>>;
using SmoothCritic = gan::Sequential<gan::Dense<3, 5>, gan::Tanh, gan::Dense<5, 1>>;
using KinkedCritic = gan::Sequential<gan::Dense<3, 6>, gan::LeakyRelu, gan::Dense<6, 4>,
                                     gan::LeakyRelu, gan::Dense<4, 1>>;

/// Spectral normalisation keeps samples independent, so a penalty applies; its passes run in
/// inference mode, where the normalisation is a fixed function of the weights.
using SpectralCritic = gan::Sequential<gan::SpectralNorm<gan::Dense<3, 6>>, gan::LeakyRelu,
                                       gan::SpectralNorm<gan::Dense<6, 1>>>;
using SmoothNetwork = gan::Network<SmoothCritic, double>;
using SpectralNetwork = gan::Network<SpectralCritic, double>;
using KinkedNetwork = gan::Network<KinkedCritic, double>;

template <typename Scalar>
gan::Matrix<Scalar> random_points(std::uint64_t seed, Eigen::Index columns) {
  gan::Rng rng(seed);
  gan::Matrix<Scalar> points(3, columns);
  for (Eigen::Index i = 0; i < points.size(); ++i)
    points.data()[i] = static_cast<Scalar>(rng.normal());
  return points;
}

/// The penalty's value and the gradient it adds to zeroed parameter gradients.
template <typename Penalty, typename Network>
std::pair<double, gan::Vector<typename Network::scalar_type>> apply(
    const Penalty& penalty, Network& critic, const gan::Matrix<typename Network::scalar_type>& real,
    const gan::Matrix<typename Network::scalar_type>& fake, std::uint64_t seed) {
  typename Network::Activations scratch;
  gan::Rng rng(seed);
  critic.zero_gradients();
  const double value = penalty(critic, real, fake, rng, scratch);
  return {value, critic.gradients()};
}

/// The penalty computed from scratch with exact input gradients, for finite differences: the
/// same interpolation weights as the penalty draws from Rng(seed) (GradientPenalty draws one
/// uniform per column, in order).
template <typename Network>
double penalty_from_definition(bool gradient_penalty, double weight, Network& critic,
                               const gan::Matrix<double>& real, const gan::Matrix<double>& fake,
                               std::uint64_t seed) {
  gan::Matrix<double> points = real;
  if (gradient_penalty) {
    gan::Rng rng(seed);
    for (Eigen::Index i = 0; i < points.cols(); ++i) {
      const double e = rng.uniform();
      points.col(i) = e * real.col(i) + (1 - e) * fake.col(i);
    }
  }
  typename Network::Activations pass;
  critic.forward(points, pass, gan::Mode::inference);
  const gan::Matrix<double> ones = gan::Matrix<double>::Ones(1, points.cols());
  critic.backward(ones, pass, gan::Backprop::input_only);
  double total = 0;
  for (Eigen::Index i = 0; i < points.cols(); ++i) {
    const double norm = pass.input_gradient().col(i).norm();
    total += gradient_penalty ? weight * (norm - 1) * (norm - 1) : weight / 2 * norm * norm;
  }
  return total / static_cast<double>(points.cols());
}

/// Central differences of penalty_from_definition over every parameter, against the penalty's
/// own gradient; returns the largest error relative to the gradient's largest entry.
template <typename Network, typename Penalty>
double worst_relative_error(bool gradient_penalty, const Penalty& penalty, std::uint64_t seed) {
  gan::Rng init(seed);
  Network critic;
  critic.initialize(init);
  const auto real = random_points<double>(seed + 100, 7);
  const auto fake = random_points<double>(seed + 200, 7);
  const auto [value, gradient] = apply(penalty, critic, real, fake, seed);
  check_close(value,
              penalty_from_definition(gradient_penalty, penalty.weight, critic, real, fake, seed),
              1e-12);
  double worst = 0;
  const double scale = gradient.cwiseAbs().maxCoeff();
  BOOST_TEST_REQUIRE(scale > 0);
  for (Eigen::Index k = 0; k < gradient.size(); ++k) {
    double& parameter = critic.parameters()[k];
    const double saved = parameter;
    const double h = 1e-6;
    parameter = saved + h;
    const double up =
        penalty_from_definition(gradient_penalty, penalty.weight, critic, real, fake, seed);
    parameter = saved - h;
    const double down =
        penalty_from_definition(gradient_penalty, penalty.weight, critic, real, fake, seed);
    parameter = saved;
    worst = std::max(worst, std::abs((up - down) / (2 * h) - gradient[k]) / scale);
  }
  return worst;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(gradient_penalty)

BOOST_AUTO_TEST_CASE_TEMPLATE(on_a_linear_critic_matches_the_closed_form, Scalar, scalar_types) {
  // Every input gradient is w, so P = lambda (|w| - 1)^2 and dP/dw = 2 lambda (|w| - 1) w / |w|;
  // the bias has no part in it.
  gan::Network<LinearCritic, Scalar> critic;
  critic.parameters() << Scalar(0.6), Scalar(-1.2), Scalar(2.0), Scalar(0.3);  // w, then b
  gan::GradientPenalty penalty{.weight = 10};
  const auto [value, gradient] =
      apply(penalty, critic, random_points<Scalar>(1, 5), random_points<Scalar>(2, 5), 9);
  const double norm = std::sqrt(0.36 + 1.44 + 4.0);
  const double tolerance = std::is_same_v<Scalar, float> ? 2e-4 : 1e-8;
  check_close(value, 10 * (norm - 1) * (norm - 1), tolerance);
  const double w[3] = {0.6, -1.2, 2.0};
  for (int k = 0; k < 3; ++k) check_close(gradient[k], 20 * (norm - 1) * w[k] / norm, tolerance);
  BOOST_TEST(std::abs(gradient[3]) < tolerance);
}

BOOST_AUTO_TEST_CASE(vanishes_with_its_gradient_on_a_critic_of_unit_slope) {
  gan::Network<LinearCritic, double> critic;
  critic.parameters() << 0.6, 0.0, 0.8, -4.0;
  const auto [value, gradient] = apply(gan::GradientPenalty{}, critic, random_points<double>(1, 4),
                                       random_points<double>(2, 4), 3);
  BOOST_TEST(value < 1e-20);
  BOOST_TEST(gradient.cwiseAbs().maxCoeff() < 1e-9);
}

BOOST_AUTO_TEST_CASE(gradient_matches_finite_differences_of_the_penalty) {
  for (const std::uint64_t seed : {1u, 2u, 3u}) {
    BOOST_TEST_CONTEXT("seed " << seed) {
      BOOST_TEST(worst_relative_error<SmoothNetwork>(true, gan::GradientPenalty{.weight = 10},
                                                     seed) < 1e-6);
      BOOST_TEST(worst_relative_error<KinkedNetwork>(true, gan::GradientPenalty{.weight = 3},
                                                     seed) < 1e-6);
      BOOST_TEST(worst_relative_error<SpectralNetwork>(true, gan::GradientPenalty{.weight = 10},
                                                       seed) < 1e-6);
    }
  }
}

BOOST_AUTO_TEST_CASE(in_float_stays_close_to_the_exact_gradient) {
  // The same critic in float and in double: the finite-difference step is chosen for each
  // scalar type, so the float gradient carries only float's rounding.
  gan::Rng init(5);
  gan::Network<SmoothCritic, double> exact;
  exact.initialize(init);
  gan::Network<SmoothCritic, float> rounded;
  rounded.parameters() = exact.parameters().cast<float>();
  const auto real = random_points<double>(7, 8), fake = random_points<double>(8, 8);
  const auto [value, gradient] = apply(gan::GradientPenalty{}, exact, real, fake, 4);
  const gan::Matrix<float> real_f = real.cast<float>(), fake_f = fake.cast<float>();
  const auto [value_f, gradient_f] = apply(gan::GradientPenalty{}, rounded, real_f, fake_f, 4);
  check_close(value_f, value, 1e-4);
  const double error = (gradient_f.cast<double>() - gradient).cwiseAbs().maxCoeff();
  BOOST_TEST(error < 1e-3 * gradient.cwiseAbs().maxCoeff());
}

BOOST_AUTO_TEST_CASE(refuses_batches_of_different_shapes_and_bad_weights) {
  gan::Network<LinearCritic, double> critic;
  BOOST_CHECK_THROW(apply(gan::GradientPenalty{}, critic, random_points<double>(1, 4),
                          random_points<double>(2, 3), 1),
                    std::invalid_argument);
  for (const double weight : {-1.0, std::nan(""), HUGE_VAL}) {
    BOOST_CHECK_THROW(gan::GradientPenalty{.weight = weight}.check(), std::invalid_argument);
    BOOST_CHECK_THROW(gan::R1Penalty{.weight = weight}.check(), std::invalid_argument);
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(r1_penalty)

BOOST_AUTO_TEST_CASE_TEMPLATE(on_a_linear_critic_matches_the_closed_form, Scalar, scalar_types) {
  // P = gamma / 2 |w|^2 and dP/dw = gamma w, whatever the points.
  gan::Network<LinearCritic, Scalar> critic;
  critic.parameters() << Scalar(0.6), Scalar(-1.2), Scalar(2.0), Scalar(0.3);
  const auto points = random_points<Scalar>(3, 6);
  const auto [value, gradient] = apply(gan::R1Penalty{.weight = 4}, critic, points, points, 1);
  const double tolerance = std::is_same_v<Scalar, float> ? 2e-4 : 1e-8;
  check_close(value, 2 * (0.36 + 1.44 + 4.0), tolerance);
  const double w[3] = {0.6, -1.2, 2.0};
  for (int k = 0; k < 3; ++k) check_close(gradient[k], 4 * w[k], tolerance);
  BOOST_TEST(std::abs(gradient[3]) < tolerance);
}

BOOST_AUTO_TEST_CASE(gradient_matches_finite_differences_of_the_penalty) {
  for (const std::uint64_t seed : {1u, 2u, 3u}) {
    BOOST_TEST_CONTEXT("seed " << seed) {
      BOOST_TEST(worst_relative_error<SmoothNetwork>(false, gan::R1Penalty{.weight = 10}, seed) <
                 1e-6);
      BOOST_TEST(worst_relative_error<KinkedNetwork>(false, gan::R1Penalty{.weight = 1}, seed) <
                 1e-6);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(in_the_trainer)

using Linear = gan::Sequential<gan::Dense<2, 1>>;

template <typename Loss>
using SgdTrainer =
    gan::AlternatingTrainer<Generator, Linear, Loss, gan::Sgd, gan::StandardNormal, double>;

BOOST_AUTO_TEST_CASE(the_penalty_reaches_the_discriminator_update) {
  // Two runs from one seed, one with the penalty weighted 10 and one with it weighted 0, draw
  // the same batches; one SGD step apart, their critics differ by exactly the learning rate
  // times the penalty's gradient, 2 lambda (|w| - 1) w / |w| on a linear critic. A penalty that
  // were only added to the reported loss would leave them equal.
  using Trainer = SgdTrainer<gan::WassersteinGpLoss>;
  auto options = options_with<Trainer>(21);
  options.discriminator_optimizer.learning_rate = 0.1;
  Trainer penalised(options);
  options.loss.penalty.weight = 0;
  Trainer plain(options);
  const gan::Vector<double> w0 = penalised.discriminator().parameters();
  BOOST_TEST_REQUIRE((w0 == plain.discriminator().parameters()));
  const auto batch = real_batch<double>(3, 2, 8);
  const gan::StepStats stats = penalised.step(batch);
  const gan::StepStats plain_stats = plain.step(batch);

  const double norm = w0.head(2).norm();
  BOOST_TEST(stats.discriminator_penalty > 0);
  check_close(stats.discriminator_penalty, 10 * (norm - 1) * (norm - 1), 1e-7);
  check_close(stats.discriminator_loss - plain_stats.discriminator_loss,
              stats.discriminator_penalty, 1e-7);
  BOOST_TEST(plain_stats.discriminator_penalty == 0);
  const gan::Vector<double> difference =
      penalised.discriminator().parameters() - plain.discriminator().parameters();
  for (int k = 0; k < 2; ++k)
    check_close(difference[k], -0.1 * 20 * (norm - 1) * w0[k] / norm, 1e-6);
  BOOST_TEST(std::abs(difference[2]) < 1e-12);
}

BOOST_AUTO_TEST_CASE(a_spectrally_normalised_critic_trains_with_the_gradient_penalty) {
  using Critic = gan::Sequential<gan::SpectralNorm<gan::Dense<2, 6>>, gan::LeakyRelu,
                                 gan::SpectralNorm<gan::Dense<6, 1>>>;
  using Trainer = gan::AlternatingTrainer<Generator, Critic, gan::WassersteinGpLoss, gan::Adam,
                                          gan::StandardNormal, double>;
  Trainer trainer(options_with<Trainer>(4));
  const auto batch = real_batch<double>(3, 2, 8);
  for (int step = 0; step < 3; ++step) {
    const gan::StepStats stats = trainer.step([&]() -> const auto& { return batch; });
    BOOST_TEST(stats.discriminator_penalty > 0);
    BOOST_TEST(std::isfinite(stats.discriminator_loss));
  }
}

BOOST_AUTO_TEST_CASE(wasserstein_losses_train_their_critic_five_times_per_generator_step) {
  BOOST_TEST(SgdTrainer<gan::WassersteinGpLoss>::Options{}.discriminator_steps == 5u);
  BOOST_TEST(SgdTrainer<gan::WassersteinLoss>::Options{}.discriminator_steps == 5u);
  BOOST_TEST(SgdTrainer<gan::NonSaturatingR1Loss>::Options{}.discriminator_steps == 1u);
}

BOOST_AUTO_TEST_CASE(weight_clipping_bounds_every_critic_parameter_after_each_update) {
  using Trainer = gan::AlternatingTrainer<Generator, Discriminator, gan::WassersteinLoss, gan::Adam,
                                          gan::StandardNormal, double>;
  auto options = options_with<Trainer>(5);
  options.loss.weight_clip = 0.05;
  Trainer trainer(options);
  BOOST_TEST_REQUIRE(trainer.discriminator().parameters().cwiseAbs().maxCoeff() > 0.05);
  const auto batch = real_batch<double>(3, 2, 8);
  for (int step = 0; step < 3; ++step) trainer.step([&]() -> const auto& { return batch; });
  BOOST_TEST(trainer.discriminator().parameters().cwiseAbs().maxCoeff() <= 0.05);

  auto bad = options_with<Trainer>(5);
  bad.loss.weight_clip = -1;
  BOOST_CHECK_THROW(Trainer{bad}, std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(an_invalid_penalty_weight_is_refused_when_the_trainer_is_made) {
  using Trainer = SgdTrainer<gan::NonSaturatingR1Loss>;
  auto options = options_with<Trainer>(1);
  options.loss.penalty.weight = -2;
  try {
    Trainer trainer(options);
    BOOST_FAIL("expected std::invalid_argument");
  } catch (const std::invalid_argument& error) {
    BOOST_TEST(std::string(error.what()).find("-2") != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(the_settings_example_of_docs_losses_md_trains) {
  // docs/losses.md, "The policies", with this file's small networks.
  using MyGenerator = Generator;
  using MyCritic = Discriminator;
  using Trainer = gan::AlternatingTrainer<MyGenerator, MyCritic, gan::WassersteinGpLoss>;
  Trainer::Options options;          // discriminator_steps is already 5
  options.loss.penalty.weight = 10;  // lambda
  options.discriminator_optimizer = {.learning_rate = 1e-4, .beta1 = 0, .beta2 = 0.9};
  options.generator_optimizer = {.learning_rate = 1e-4, .beta1 = 0, .beta2 = 0.9};
  Trainer trainer(options);  // a negative or NaN weight throws here

  BOOST_TEST(trainer.options().discriminator_steps == 5u);
  const auto batch = real_batch<float>(1, 2, 16);
  const gan::StepStats stats = trainer.step([&]() -> const gan::Matrix<float>& { return batch; });
  BOOST_TEST(stats.discriminator_steps == 5u);
  BOOST_TEST(stats.discriminator_penalty > 0);
  options.loss.penalty.weight = std::nan("");
  BOOST_CHECK_THROW(Trainer{options}, std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(names_join_the_base_and_the_penalty) {
  BOOST_TEST(std::string(gan::WassersteinGpLoss::name) == "wasserstein + gradient-penalty");
  BOOST_TEST(std::string(gan::NonSaturatingR1Loss::name) == "non-saturating + r1-penalty");
}

BOOST_AUTO_TEST_SUITE_END()
