// SPDX-License-Identifier: MIT
// The API tour of README.md, compiled and run, so that the first code a user reads works.
#define BOOST_TEST_MODULE readme_tour
#include <boost/test/unit_test.hpp>

#include <gan/gan.hpp>

#include <cmath>
#include <filesystem>
#include <iostream>
#include <sstream>

namespace {

// Layers listed in data-flow order. Dense<In, Out> states its input; activations fit anywhere.
using Generator = gan::Sequential<gan::Dense<64, 128>, gan::Relu,
                                  gan::Dense<128, 784>, gan::Tanh>;
using Discriminator = gan::Sequential<gan::Dense<784, 128>, gan::LeakyRelu,  // slope 0.2
                                      gan::Dense<128, 1>>;                   // one logit

}  // namespace

BOOST_AUTO_TEST_CASE(readme_tour_trains_saves_and_generates) {
  // Loss, optimizer, prior and scalar have defaults: non-saturating loss, Adam, N(0, I), float.
  using Trainer = gan::AlternatingTrainer<Generator, Discriminator, gan::NonSaturatingLoss>;
  Trainer::Options options;
  options.generator_optimizer.learning_rate = 2e-4;
  options.discriminator_optimizer.learning_rate = 1e-4;
  options.discriminator_steps = 1;  // k
  options.seed = 42;
  Trainer trainer(options);
  std::ostringstream progress;  // the README prints to std::cerr; a passing test prints nothing
  trainer.add_observer(gan::ProgressPrinter(progress, 1));

  gan::Matrix<float> real_batch = gan::Matrix<float>::Constant(784, 64, 0.5f);
  // stats.discriminator_loss, generator_loss, real_score (mean D(x)), fake_score, seconds
  gan::StepStats stats = trainer.step(real_batch);
  BOOST_TEST(std::isfinite(stats.discriminator_loss));
  BOOST_TEST(progress.str().find("step 1  d_loss") != std::string::npos, progress.str());

  const auto path = std::filesystem::temp_directory_path() / "gan_readme_tour.gan";
  trainer.save_checkpoint(path);
  BOOST_TEST(std::filesystem::exists(path));
  std::filesystem::remove(path);

  gan::Rng rng(1);
  const gan::Matrix<float>& images = trainer.generate(Trainer::draw_noise(16, rng));
  BOOST_TEST(images.rows() == 784);
  BOOST_TEST(images.cols() == 16);
  BOOST_TEST(images.cwiseAbs().maxCoeff() <= 1.0f);  // tanh output
}
