// SPDX-License-Identifier: MIT
// AlternatingTrainer's moving average of the generator's parameters: its update rule, its
// use for sampling, and its place in checkpoints.
#define BOOST_TEST_MODULE train_generator_average
#include <boost/test/unit_test.hpp>

#include <gan/gan.hpp>

#include "support/temporary_files.hpp"
#include "support/trainer_fixtures.hpp"

#include <limits>
#include <stdexcept>
#include <string>

namespace {

namespace tt = boost::test_tools;

using namespace gan::test_support;

using Trainer = gan::AlternatingTrainer<Generator, Discriminator, gan::NonSaturatingLoss,
                                        gan::Adam, gan::StandardNormal, double>;

gan::Matrix<double> data_batch(std::uint64_t seed) {
  gan::Rng rng(seed);
  gan::Matrix<double> batch(2, 16);
  for (Eigen::Index i = 0; i < batch.size(); ++i) batch.data()[i] = 2.0 + rng.normal();
  return batch;
}

Trainer::Options averaging(double decay) {
  Trainer::Options options;
  options.seed = 11;
  options.generator_average_decay = decay;
  return options;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(generator_average)

BOOST_AUTO_TEST_CASE(is_off_by_default_and_sampling_then_uses_the_generator) {
  Trainer trainer(Trainer::Options{});
  trainer.step(data_batch(1));
  gan::Rng rng(3);
  const auto noise = Trainer::draw_noise(5, rng);
  const gan::Matrix<double> direct = trainer.generate(noise);
  BOOST_TEST((trainer.generate_averaged(noise) == direct));
}

BOOST_AUTO_TEST_CASE(follows_its_update_rule_after_every_generator_step) {
  const double decay = 0.9;
  Trainer trainer(averaging(decay));
  gan::Vector<double> expected = trainer.generator().parameters();
  BOOST_TEST((trainer.averaged_generator().parameters() == expected));
  for (std::uint64_t step = 1; step <= 5; ++step) {
    BOOST_TEST_CONTEXT("step " << step) {
      trainer.step(data_batch(step));
      expected = decay * expected + (1 - decay) * trainer.generator().parameters();
      const gan::Vector<double> average = trainer.averaged_generator().parameters();
      BOOST_TEST((average - expected).cwiseAbs().maxCoeff() <= 1e-15);
      // The average lags the generator: a test that could not tell them apart would be empty.
      BOOST_TEST((average - trainer.generator().parameters()).cwiseAbs().maxCoeff() > 1e-6);
    }
  }
}

BOOST_AUTO_TEST_CASE(sampling_from_the_average_runs_the_averaged_parameters) {
  Trainer trainer(averaging(0.5));
  for (std::uint64_t step = 1; step <= 3; ++step) trainer.step(data_batch(step));
  gan::Network<Generator, double> reference = trainer.averaged_generator();
  gan::Rng rng(4);
  const auto noise = Trainer::draw_noise(7, rng);
  const gan::Matrix<double> expected = reference.forward(noise);
  BOOST_TEST((trainer.generate_averaged(noise) == expected));
  BOOST_TEST(!(trainer.generate(noise) == expected));
}

BOOST_AUTO_TEST_CASE(checkpoint_keeps_the_average_and_resume_stays_exact) {
  TemporaryFile file;
  Trainer uninterrupted(averaging(0.8));
  Trainer first_half(averaging(0.8));
  for (std::uint64_t step = 1; step <= 3; ++step) {
    uninterrupted.step(data_batch(step));
    first_half.step(data_batch(step));
  }
  first_half.save_checkpoint(file.path());
  Trainer resumed(averaging(0.8));
  resumed.load_checkpoint(file.path());
  for (std::uint64_t step = 4; step <= 6; ++step) {
    uninterrupted.step(data_batch(step));
    resumed.step(data_batch(step));
  }
  BOOST_TEST((resumed.averaged_generator().parameters() ==
              uninterrupted.averaged_generator().parameters()));
}

BOOST_AUTO_TEST_CASE(checkpoint_without_an_average_starts_one_from_its_generator) {
  TemporaryFile file;
  Trainer plain(Trainer::Options{});
  plain.step(data_batch(1));
  plain.save_checkpoint(file.path());
  Trainer averaged(averaging(0.99));
  averaged.load_checkpoint(file.path());
  BOOST_TEST((averaged.averaged_generator().parameters() == plain.generator().parameters()));
}

BOOST_AUTO_TEST_CASE(decay_outside_zero_to_one_is_refused_with_its_value) {
  for (const double decay : {-0.1, 1.0, 1.5, std::numeric_limits<double>::quiet_NaN()}) {
    BOOST_TEST_CONTEXT("decay " << decay) {
      try {
        Trainer trainer(averaging(decay));
        BOOST_FAIL("a decay outside [0, 1) was accepted");
      } catch (const std::invalid_argument& error) {
        BOOST_TEST(std::string(error.what()).find("decay in [0, 1)") != std::string::npos,
                   error.what());
      }
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
