// SPDX-License-Identifier: MIT
// Tests of train/supervised.hpp: a small classifier learns well separated Gaussian blobs
// exactly, the same seed trains the same parameters, evaluation changes nothing and does not
// depend on its chunk size, and bad batches are refused before any update.
#define BOOST_TEST_MODULE supervised_trainer
#include <boost/test/unit_test.hpp>

#include <gan/core/error.hpp>
#include <gan/core/random.hpp>
#include <gan/layers/batch_norm.hpp>
#include <gan/layers/dense.hpp>
#include <gan/layers/relu.hpp>
#include <gan/nn/sequential.hpp>
#include <gan/optim/sgd.hpp>
#include <gan/train/supervised.hpp>

#include "support/expected_errors.hpp"

#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <vector>

namespace {

using gan::test_support::check_throws;

// Two inputs, three classes; batch norm so that inference mode (running statistics) differs
// from training mode and evaluation has state to leave alone.
using Blobs = gan::Sequential<gan::Dense<2, 16>, gan::BatchNorm<16>, gan::Relu, gan::Dense<16, 3>>;
using Trainer = gan::SupervisedTrainer<Blobs>;

/// `count` points, cycling through three classes, each from a unit-variance Gaussian around
/// its class's centre; the centres are 8 standard deviations apart, so that the classes
/// overlap with negligible probability (a point would have to be 4 deviations out).
struct Points {
  gan::Matrix<float> inputs;
  std::vector<std::uint8_t> labels;
};
Points blobs(std::size_t count, std::uint64_t seed) {
  constexpr double kCentres[3][2] = {{0, 8}, {-7, -4}, {7, -4}};
  gan::Rng rng(seed);
  Points points{gan::Matrix<float>(2, static_cast<Eigen::Index>(count)), {}};
  for (std::size_t j = 0; j < count; ++j) {
    const auto label = static_cast<std::uint8_t>(j % 3);
    for (int d = 0; d < 2; ++d)
      points.inputs(d, static_cast<Eigen::Index>(j)) =
          static_cast<float>(kCentres[label][d] + rng.normal());
    points.labels.push_back(label);
  }
  return points;
}

Trainer::Options options(std::uint64_t seed) {
  return {.optimizer = {.learning_rate = 1e-2, .beta1 = 0.9}, .seed = seed};
}

/// 100 steps on batches of 30 drawn from `seed`.
void train(Trainer& trainer, std::uint64_t seed) {
  for (std::uint64_t step = 0; step < 100; ++step) {
    const Points batch = blobs(30, seed * 1000 + step);
    trainer.step(batch.inputs, batch.labels);
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(supervised_trainer)

BOOST_AUTO_TEST_CASE(learns_separated_gaussian_blobs_exactly) {
  for (const std::uint64_t seed : {1u, 2u}) {
    BOOST_TEST_CONTEXT("seed " << seed) {
      Trainer trainer(options(seed));
      const Points test = blobs(300, 99);
      const double before = trainer.evaluate(test.inputs, test.labels).accuracy();
      train(trainer, seed);
      const gan::ClassifierEvaluation after = trainer.evaluate(test.inputs, test.labels);
      BOOST_TEST(trainer.steps() == 100u);
      BOOST_TEST(after.count == 300u);
      BOOST_TEST(after.correct == 300u, "accuracy " << after.accuracy() << ", before training "
                                                    << before << ", loss " << after.loss);
      BOOST_TEST(after.loss < 0.05);
    }
  }
}

BOOST_AUTO_TEST_CASE(a_step_reports_the_loss_and_accuracy_of_its_batch) {
  Trainer trainer(options(3));
  train(trainer, 3);
  const Points batch = blobs(30, 5);
  const gan::SupervisedStepStats stats = trainer.step(batch.inputs, batch.labels);
  BOOST_TEST(stats.step == 101u);
  BOOST_TEST(stats.batch_size == 30u);
  BOOST_TEST(stats.accuracy == 1.0);
  BOOST_TEST(stats.loss >= 0.0);
  BOOST_TEST(stats.loss < 0.05);
}

BOOST_AUTO_TEST_CASE(the_same_seed_trains_the_same_parameters) {
  Trainer first(options(4));
  Trainer second(options(4));
  Trainer other(options(5));
  train(first, 4);
  train(second, 4);
  train(other, 4);
  BOOST_TEST((first.network().parameters() == second.network().parameters()));
  BOOST_TEST((first.network().state() == second.network().state()));
  BOOST_TEST(!(first.network().parameters() == other.network().parameters()));
}

BOOST_AUTO_TEST_CASE(evaluation_changes_nothing_and_does_not_depend_on_the_chunk_size) {
  Trainer trainer(options(6));
  train(trainer, 6);
  const Points test = blobs(301, 7);
  const gan::Vector<float> parameters = trainer.network().parameters();
  const gan::Vector<float> state = trainer.network().state();
  const gan::ClassifierEvaluation whole = trainer.evaluate(test.inputs, test.labels, 1000);
  for (const std::size_t chunk : {1u, 7u, 100u}) {
    BOOST_TEST_CONTEXT("chunk " << chunk) {
      const gan::ClassifierEvaluation chunked = trainer.evaluate(test.inputs, test.labels, chunk);
      BOOST_TEST(chunked.correct == whole.correct);
      // Float sums over other blockings of the matrix products: equal to rounding.
      BOOST_TEST(chunked.loss == whole.loss, boost::test_tools::tolerance(1e-6));
    }
  }
  BOOST_TEST((trainer.network().parameters() == parameters));
  BOOST_TEST((trainer.network().state() == state));
}

BOOST_AUTO_TEST_CASE(bad_batches_are_refused_before_any_update) {
  Trainer trainer(options(8));
  const gan::Vector<float> parameters = trainer.network().parameters();
  const Points batch = blobs(3, 9);
  check_throws<std::invalid_argument>(
      [&] {
        trainer.step(batch.inputs, std::vector<std::uint8_t>{0, 3, 1});
      },
      {"label 3 at index 1"});
  check_throws<std::invalid_argument>(
      [&] {
        trainer.step(batch.inputs, std::vector<std::uint8_t>{0, 1});
      },
      {"one label per sample, 3, got 2"});
  check_throws<std::invalid_argument>(
      [&] {
        trainer.step(gan::Matrix<float>(3, 2), std::vector<std::uint8_t>{0, 1});
      },
      {"SupervisedTrainer::step", "2 rows", "got 3x2"});
  check_throws<std::invalid_argument>(
      [&] { trainer.evaluate(batch.inputs, std::vector<std::uint8_t>{0}); },
      {"evaluate_classifier", "3 samples and 1 labels"});

  gan::Matrix<float> not_finite = batch.inputs;
  not_finite(0, 1) = std::numeric_limits<float>::infinity();
  check_throws<gan::DivergenceError>([&] { trainer.step(not_finite, batch.labels); },
                                     {"not finite at step 1", "was not applied"});
  BOOST_TEST(trainer.steps() == 0u);
  BOOST_TEST((trainer.network().parameters() == parameters));
}

BOOST_AUTO_TEST_CASE(trains_with_another_optimizer) {
  gan::SupervisedTrainer<Blobs, gan::Sgd> trainer({.optimizer = {.learning_rate = 0.1}, .seed = 1});
  const Points test = blobs(300, 99);
  for (std::uint64_t step = 0; step < 100; ++step) {
    const Points batch = blobs(30, 1000 + step);
    trainer.step(batch.inputs, batch.labels);
  }
  BOOST_TEST(trainer.evaluate(test.inputs, test.labels).accuracy() == 1.0);
}

BOOST_AUTO_TEST_CASE(the_learning_rate_can_change_between_steps) {
  Trainer adam(options(1));
  adam.set_learning_rate(1e-4);
  BOOST_TEST(adam.optimizer().hyperparameters().learning_rate == 1e-4);
  check_throws<std::invalid_argument>([&] { adam.set_learning_rate(0); },
                                      {"Adam::set_learning_rate", "got 0"});
  gan::SupervisedTrainer<Blobs, gan::Sgd> sgd({.optimizer = {.learning_rate = 0.1}, .seed = 1});
  sgd.set_learning_rate(0.05);
  BOOST_TEST(sgd.optimizer().hyperparameters().learning_rate == 0.05);
  check_throws<std::invalid_argument>(
      [&] { sgd.set_learning_rate(std::numeric_limits<double>::quiet_NaN()); },
      {"Sgd::set_learning_rate", "got nan"});
}

BOOST_AUTO_TEST_SUITE_END()
