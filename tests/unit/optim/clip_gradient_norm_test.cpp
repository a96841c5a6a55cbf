// SPDX-License-Identifier: MIT
// Tests of optim/clip_gradient_norm.hpp: clipping exactly above max_norm, the wrapped
// optimizer's update on the scaled gradients, settings, checkpoints, threads and the trainer.
#define BOOST_TEST_MODULE clip_gradient_norm
#include <boost/test/unit_test.hpp>

#include <gan/core/concepts.hpp>
#include <gan/core/random.hpp>
#include <gan/core/tensor.hpp>
#include <gan/io/checkpoint.hpp>
#include <gan/losses/non_saturating.hpp>
#include <gan/noise/priors.hpp>
#include <gan/optim/adam.hpp>
#include <gan/optim/clip_gradient_norm.hpp>
#include <gan/optim/sgd.hpp>
#include <gan/train/alternating_trainer.hpp>

#include "support/expected_errors.hpp"
#include "support/numeric_checks.hpp"
#include "support/optimizer_checks.hpp"
#include "support/temporary_files.hpp"
#include "support/trainer_fixtures.hpp"

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

namespace {

using namespace gan::test_support;

template <typename B>
using ClippedAdam = gan::ClipGradientNorm<gan::Adam>::Optimizer<B>;
template <typename B>
using ClippedSgd = gan::ClipGradientNorm<gan::Sgd>::Optimizer<B>;

static_assert(gan::Optimizer<ClippedAdam<float>, float>);
static_assert(gan::Optimizer<ClippedAdam<double>, double>);
static_assert(gan::Optimizer<ClippedSgd<float>, float>);

/// Adam settings with a given max_norm and a learning rate large enough to show.
gan::ClipGradientNorm<gan::Adam>::Optimizer<double>::Hyperparameters clipped_adam(double max_norm) {
  gan::ClipGradientNorm<gan::Adam>::Optimizer<double>::Hyperparameters settings;
  settings.learning_rate = 0.1;
  settings.max_norm = max_norm;
  return settings;
}

/// The gradients g * max_norm / |g|, scaled as the clipping optimizer scales them: the norm
/// summed in double, the factor rounded to the scalar.
gan::Vector<double> scaled(const gan::Vector<double>& gradients, double max_norm) {
  const double norm = std::sqrt(gradients.squaredNorm());
  return gradients * (max_norm / norm);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(clip_gradient_norm)

BOOST_AUTO_TEST_CASE(name_names_the_wrapped_optimizer) {
  BOOST_TEST(std::string(ClippedAdam<float>::name) == "clip-gradient-norm(adam)");
  BOOST_TEST(std::string(ClippedSgd<double>::name) == "clip-gradient-norm(sgd)");
}

BOOST_AUTO_TEST_CASE(gradients_above_max_norm_are_scaled_to_it_before_the_wrapped_step) {
  // |(3, 4, 0)| = 5: clipped to 2, the update is Adam's on (1.2, 1.6, 0).
  const gan::Vector<double> gradients = vector_of<double>({3, 4, 0});
  const gan::Vector<double> start = vector_of<double>({1, -1, 0.5});
  ClippedAdam<double> clipped(clipped_adam(2), 3);
  gan::Adam<double> plain(clipped_adam(2), 3);
  gan::Vector<double> found = start;
  gan::Vector<double> expected = start;
  for (int step = 0; step < 3; ++step) {
    clipped.step(found, gradients);
    plain.step(expected, scaled(gradients, 2));
    BOOST_TEST(clipped.last_norm() == 5.0);
    BOOST_TEST(clipped.last_scale() == 0.4);
  }
  BOOST_TEST((found.array() == expected.array()).all());
  BOOST_TEST((clipped.base().first_moment().array() == plain.first_moment().array()).all());
  // The caller's gradients are not touched.
  BOOST_TEST((gradients.array() == vector_of<double>({3, 4, 0}).array()).all());
}

BOOST_AUTO_TEST_CASE(clipping_starts_just_above_max_norm) {
  const gan::Vector<double> gradients = vector_of<double>({3, 4});
  const gan::Vector<double> start = vector_of<double>({0.25, 0.75});
  for (const double max_norm : {5.0, 5.0 + 1e-12, 100.0, 0.0}) {
    BOOST_TEST_CONTEXT("max_norm " << max_norm) {
      // At or under the bound (and with clipping off) the wrapped optimizer's step exactly.
      ClippedAdam<double> clipped(clipped_adam(max_norm), 2);
      gan::Adam<double> plain(clipped_adam(max_norm), 2);
      gan::Vector<double> found = start;
      gan::Vector<double> expected = start;
      clipped.step(found, gradients);
      plain.step(expected, gradients);
      BOOST_TEST(clipped.last_scale() == 1.0);
      BOOST_TEST((found.array() == expected.array()).all());
    }
  }
  const double just_below = std::nextafter(5.0, 0.0);
  ClippedAdam<double> clipped(clipped_adam(just_below), 2);
  gan::Vector<double> found = start;
  clipped.step(found, gradients);
  BOOST_TEST(clipped.last_scale() < 1.0);
  BOOST_TEST(clipped.last_scale() == just_below / 5.0);
}

BOOST_AUTO_TEST_CASE(sgd_is_wrapped_alike) {
  gan::ClipGradientNorm<gan::Sgd>::Optimizer<float>::Hyperparameters settings;
  settings.learning_rate = 0.5;
  settings.momentum = 0;
  settings.max_norm = 1;
  ClippedSgd<float> clipped(settings, 2);
  gan::Vector<float> parameters = vector_of<float>({0, 0});
  clipped.step(parameters, vector_of<float>({6, 8}));
  // Plain SGD without momentum: p - 0.5 * (0.6, 0.8).
  check_entries(parameters, vector_of<float>({-0.3, -0.4}), 1e-7);
}

BOOST_AUTO_TEST_CASE(a_gradient_that_is_not_finite_is_passed_on_unscaled) {
  // The trainer refuses it before any step; the optimizer neither hides nor spreads it.
  ClippedAdam<double> clipped(clipped_adam(1), 2);
  gan::Vector<double> parameters = vector_of<double>({0, 0});
  gan::Vector<double> gradients = vector_of<double>({std::numeric_limits<double>::infinity(), 1});
  clipped.step(parameters, gradients);
  BOOST_TEST(clipped.last_scale() == 1.0);
}

BOOST_AUTO_TEST_CASE(max_norm_that_is_negative_or_not_finite_is_refused_with_its_value) {
  for (const double max_norm :
       {-1.0, std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity()}) {
    BOOST_TEST_CONTEXT("max_norm " << max_norm) {
      const std::string value = gan::message(max_norm);
      check_throws<std::invalid_argument>([&] { ClippedAdam<double>(clipped_adam(max_norm), 2); },
                                          {"ClipGradientNorm", "max_norm", "got " + value});
    }
  }
  // The wrapped optimizer still checks its own settings.
  auto bad_rate = clipped_adam(1);
  bad_rate.learning_rate = -1;
  check_throws<std::invalid_argument>([&] { ClippedAdam<double>(bad_rate, 2); },
                                      {"Adam", "learning rate", "got -1"});
}

BOOST_AUTO_TEST_CASE(set_learning_rate_reaches_the_wrapped_optimizer) {
  ClippedAdam<double> clipped(clipped_adam(1), 2);
  clipped.set_learning_rate(0.25);
  BOOST_TEST(clipped.base().hyperparameters().learning_rate == 0.25);
  BOOST_TEST(clipped.hyperparameters().learning_rate == 0.25);
  BOOST_TEST(clipped.hyperparameters().max_norm == 1.0);
  check_throws<std::invalid_argument>([&] { clipped.set_learning_rate(-1); }, {"got -1"});
}

BOOST_AUTO_TEST_CASE(restored_optimizer_continues_bit_identically) {
  gan::Rng rng(5);
  const auto random_vector = [&] {
    gan::Vector<double> values(6);
    for (Eigen::Index i = 0; i < 6; ++i) values(i) = rng.uniform(-3.0, 3.0);
    return values;
  };
  ClippedAdam<double> original(clipped_adam(1), 6);
  gan::Vector<double> parameters = random_vector();
  for (int step = 0; step < 2; ++step) original.step(parameters, random_vector());

  TemporaryDirectory dir;
  const gan::CheckpointReader reader =
      saved_and_read_back(original, "discriminator.optimizer", dir.path() / "o.ckpt");
  ClippedAdam<double> restored =
      ClippedAdam<double>::restore(reader, "discriminator.optimizer", clipped_adam(1), 6);
  BOOST_TEST(restored.base().steps() == 2u);
  gan::Vector<double> continued = parameters;
  for (int step = 0; step < 2; ++step) {
    const gan::Vector<double> gradients = random_vector();
    original.step(parameters, gradients);
    restored.step(continued, gradients);
  }
  BOOST_TEST((continued.array() == parameters.array()).all());
}

BOOST_AUTO_TEST_CASE(steps_split_between_threads_match_plain_steps_bit_for_bit) {
  // 5,000 gradients uniform on [-1, 1] have a norm near 40: max_norm 10 clips every step.
  check_partitioned_steps_match_plain_ones<ClippedAdam<double>>(clipped_adam(10));
  check_partitioned_steps_match_plain_ones<ClippedAdam<double>>(clipped_adam(0));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(clip_gradient_norm_in_training)

using Trainer = gan::AlternatingTrainer<Generator, Discriminator, gan::NonSaturatingLoss,
                                        gan::ClipGradientNorm<gan::Adam>::Optimizer>;

BOOST_AUTO_TEST_CASE(trainer_clips_both_players_and_checkpoints_the_name) {
  auto options = options_with<Trainer>(7);
  options.discriminator_optimizer.max_norm = 0.05;
  options.generator_optimizer.max_norm = 0.05;
  Trainer trainer(options);
  for (std::uint64_t step = 0; step < 5; ++step) {
    const gan::StepStats stats = trainer.step(real_batch<float>(step, 2, 16));
    BOOST_TEST(std::isfinite(stats.discriminator_loss));
    BOOST_TEST(std::isfinite(stats.generator_loss));
  }
  BOOST_TEST(trainer.discriminator_optimizer().last_scale() < 1.0);
  BOOST_TEST(trainer.generator_optimizer().last_scale() < 1.0);

  TemporaryDirectory dir;
  trainer.save_checkpoint(dir.path() / "a.ckpt");
  Trainer resumed(options_with<Trainer>(8));
  resumed.load_checkpoint(dir.path() / "a.ckpt");
  BOOST_TEST(resumed.discriminator_optimizer().base().steps() == 5u);

  using Plain = gan::AlternatingTrainer<Generator, Discriminator>;
  Plain plain(options_with<Plain>(7));
  check_throws<gan::CheckpointError>([&] { plain.load_checkpoint(dir.path() / "a.ckpt"); },
                                     {"clip-gradient-norm(adam)"});
}

BOOST_AUTO_TEST_SUITE_END()
