// SPDX-License-Identifier: MIT
// AlternatingTrainer::evaluate_every: which steps carry a Quality, what the quality function
// receives, and that measuring never changes the course of training.
#define BOOST_TEST_MODULE train_quality_schedule
#include <boost/test/unit_test.hpp>

#include <gan/gan.hpp>

#include "support/temporary_files.hpp"
#include "support/trainer_fixtures.hpp"

#include <stdexcept>
#include <vector>

namespace {

using namespace gan::test_support;

using Trainer = gan::AlternatingTrainer<Generator, Discriminator, gan::NonSaturatingLoss, gan::Adam,
                                        gan::StandardNormal, double>;

Trainer::Options averaging_options() {
  Trainer::Options options = options_with<Trainer>(5);
  options.generator_average_decay = 0.9;
  return options;
}

// A quality function that records what it was given and scores the samples' mean.
struct Recorder {
  std::vector<gan::Matrix<double>>* seen;
  gan::Quality operator()(const gan::Matrix<double>& samples) const {
    seen->push_back(samples);
    gan::Quality quality;
    quality.frechet_distance = samples.mean();
    quality.sample_count = static_cast<std::size_t>(samples.cols());
    return quality;
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(quality_schedule)

BOOST_AUTO_TEST_CASE(steps_that_are_multiples_of_the_interval_carry_a_quality) {
  Trainer trainer(averaging_options());
  std::vector<gan::Matrix<double>> seen;
  trainer.evaluate_every(3, 12, Recorder{&seen}, 99);
  std::vector<std::uint64_t> observed;
  trainer.add_observer([&](const gan::StepStats& stats) {
    if (stats.quality) observed.push_back(stats.step);
  });
  // Nine steps, so that the last one measured is the last one taken.
  for (int i = 0; i < 9; ++i) {
    const gan::StepStats stats = trainer.step(real_batch<double>(100 + i, 2, 8));
    BOOST_TEST(stats.quality.has_value() == (stats.step % 3 == 0));
  }
  BOOST_TEST((observed == std::vector<std::uint64_t>{3, 6, 9}));
  BOOST_REQUIRE(seen.size() == 3u);
  // The averaged generator's samples of the fixed noise, drawn from Rng(99), on the host.
  gan::Rng rng(99);
  const auto noise = Trainer::draw_noise(12, rng);
  BOOST_TEST((seen.back() == trainer.generate_averaged(noise)));
  BOOST_TEST(seen.back().rows() == 2);
}

BOOST_AUTO_TEST_CASE(measuring_leaves_training_bit_for_bit_unchanged) {
  Trainer measured(averaging_options());
  Trainer plain(averaging_options());
  std::vector<gan::Matrix<double>> seen;
  measured.evaluate_every(2, 1234, Recorder{&seen}, 1);
  for (int i = 0; i < 7; ++i) {
    const auto batch = real_batch<double>(200 + i, 2, 8);
    const gan::StepStats a = measured.step(batch);
    const gan::StepStats b = plain.step(batch);
    BOOST_TEST(a.generator_loss == b.generator_loss);
    BOOST_TEST(a.discriminator_loss == b.discriminator_loss);
  }
  BOOST_TEST((measured.generator().parameters() == plain.generator().parameters()));
  BOOST_TEST(
      (measured.averaged_generator().parameters() == plain.averaged_generator().parameters()));
  // More samples than one chunk of generation: every column is filled, none repeated.
  BOOST_REQUIRE(seen.size() == 3u);
  BOOST_TEST(seen.front().cols() == 1234);
  BOOST_TEST((seen.front().col(0) != seen.front().col(500)));
  BOOST_TEST((seen.front().col(1233) != seen.front().col(733)));
}

BOOST_AUTO_TEST_CASE(a_resumed_run_measures_at_the_same_steps) {
  const gan::test_support::TemporaryDirectory directory;
  const auto checkpoint = directory.path() / "at-4.gan";
  Trainer first(averaging_options());
  for (int i = 0; i < 4; ++i) first.step(real_batch<double>(300 + i, 2, 8));
  first.save_checkpoint(checkpoint);

  Trainer resumed(averaging_options());
  resumed.load_checkpoint(checkpoint);
  std::vector<gan::Matrix<double>> seen;
  resumed.evaluate_every(3, 4, Recorder{&seen}, 1);
  std::vector<std::uint64_t> measured_steps;
  for (int i = 4; i < 10; ++i) {
    const gan::StepStats stats = resumed.step(real_batch<double>(300 + i, 2, 8));
    if (stats.quality) measured_steps.push_back(stats.step);
  }
  BOOST_TEST((measured_steps == std::vector<std::uint64_t>{6, 9}));
}

BOOST_AUTO_TEST_CASE(bad_settings_are_refused) {
  Trainer trainer(averaging_options());
  std::vector<gan::Matrix<double>> seen;
  BOOST_CHECK_THROW(trainer.evaluate_quality(), std::logic_error);
  BOOST_CHECK_THROW(trainer.evaluate_every(0, 10, Recorder{&seen}, 1), std::invalid_argument);
  BOOST_CHECK_THROW(trainer.evaluate_every(1, 1, Recorder{&seen}, 1), std::invalid_argument);
  BOOST_CHECK_THROW(trainer.evaluate_every(1, 10, Trainer::QualityFunction{}, 1),
                    std::invalid_argument);
  // Measuring on demand once set up.
  trainer.evaluate_every(100, 10, Recorder{&seen}, 1);
  const gan::Quality quality = trainer.evaluate_quality();
  BOOST_TEST(quality.sample_count == 10u);
  BOOST_TEST(seen.size() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
