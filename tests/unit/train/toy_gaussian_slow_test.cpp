// SPDX-License-Identifier: MIT
// End-to-end: a small GAN trained from scratch learns a one-dimensional Gaussian.
//
// The data are N(3, 0.5^2), far from 0, so that a generator that has not learnt (its output
// stays near 0) fails the mean check, and the spread is checked both ways, so that collapse to
// a point fails as surely as a spread far too wide. Hyperparameters were tuned once and the
// check passed for seeds 1..50 with each loss (|mean - 3| <= 0.09, std in [0.29, 0.73]); the
// test pins seed 1.
#define BOOST_TEST_MODULE train_toy_gaussian
#include <boost/test/unit_test.hpp>

#include <gan/gan.hpp>

#include <Eigen/Core>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <tuple>

namespace {

// The data distribution.
constexpr double kDataMean = 3.0;
constexpr double kDataStd = 0.5;

// Acceptance: the mean within half a data standard deviation, and the spread between half and
// 1.6 times the data's.
constexpr double kMeanTolerance = 0.25;
constexpr double kMinStdRatio = 0.5;
constexpr double kMaxStdRatio = 1.6;

// Training: 2000 steps on batches of 64 with Adam at 1e-3 (betas 0.5, 0.999, the DCGAN
// choice) for both networks; about 0.1 s per loss in a Release build.
constexpr int kSteps = 2000;
constexpr Eigen::Index kBatch = 64;
constexpr double kLearningRate = 1e-3;
constexpr std::uint64_t kSeed = 1;
// Samples drawn from the trained generator to measure its mean and spread.
constexpr std::size_t kEvaluationSamples = 20000;

using Generator = gan::Sequential<gan::Dense<4, 16>, gan::LeakyRelu, gan::Dense<16, 1>>;
using Discriminator = gan::Sequential<gan::Dense<1, 32>, gan::LeakyRelu, gan::Dense<32, 1>>;

struct Moments {
  double mean = 0;
  double std = 0;
};

/// Mean and (population) standard deviation of the generator's output on fresh noise.
template <typename Trainer>
Moments generated_moments(Trainer& trainer) {
  gan::Rng evaluation_rng(kSeed + 2000);
  const gan::Matrix<float> noise = Trainer::draw_noise(kEvaluationSamples, evaluation_rng);
  const Eigen::ArrayXd samples =
      trainer.generate(noise).template cast<double>().transpose().array().col(0);
  const double mean = samples.mean();
  return {mean, std::sqrt((samples - mean).square().mean())};
}

template <typename Trainer>
void train_on_gaussian(Trainer& trainer) {
  gan::Rng data_rng(kSeed + 1000);
  gan::Matrix<float> batch(1, kBatch);
  for (int step = 0; step < kSteps; ++step) {
    for (Eigen::Index j = 0; j < kBatch; ++j)
      batch(0, j) = static_cast<float>(kDataMean + kDataStd * data_rng.normal());
    trainer.step(batch);
  }
}

void require_close_to_data(const Moments& moments) {
  BOOST_TEST(std::abs(moments.mean - kDataMean) < kMeanTolerance);
  BOOST_TEST(moments.std > kMinStdRatio * kDataStd);
  BOOST_TEST(moments.std < kMaxStdRatio * kDataStd);
}

using losses = std::tuple<gan::NonSaturatingLoss, gan::LeastSquaresLoss>;

}  // namespace

BOOST_AUTO_TEST_SUITE(toy_gaussian)

BOOST_AUTO_TEST_CASE_TEMPLATE(gan_learns_mean_and_spread_of_a_gaussian, Loss, losses) {
  using Trainer = gan::AlternatingTrainer<Generator, Discriminator, Loss>;
  typename Trainer::Options options;
  options.seed = kSeed;
  options.generator_optimizer.learning_rate = kLearningRate;
  options.discriminator_optimizer.learning_rate = kLearningRate;
  Trainer trainer(options);

  const Moments untrained = generated_moments(trainer);
  BOOST_TEST_CONTEXT("loss " << Loss::name << ", seed " << kSeed << ", data seed " << kSeed + 1000
                             << ", untrained mean " << untrained.mean << ", std "
                             << untrained.std) {
    // The check below must be able to fail: the untrained generator is far from the data.
    BOOST_TEST(std::abs(untrained.mean - kDataMean) > kMeanTolerance);

    train_on_gaussian(trainer);
    const Moments trained = generated_moments(trainer);
    BOOST_TEST_CONTEXT("after " << kSteps << " steps: mean " << trained.mean << ", std "
                                << trained.std) {
      require_close_to_data(trained);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
