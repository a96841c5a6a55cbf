// SPDX-License-Identifier: MIT
// Writes the training report of a synthetic run, for the browser test (check_report.mjs) to
// load in headless Chromium:
//
//   report_synthetic_run OUT.html
//
// 4000 steps with oscillating losses and scores, a Fréchet distance that falls every 250
// steps, and 5 sample grids of 28 x 28 images whose pattern sharpens over the run.
#include <gan/report/training_report.hpp>

#include <cmath>
#include <cstdint>
#include <exception>
#include <iostream>

namespace {

constexpr std::uint64_t kSteps = 4000;
constexpr std::uint64_t kEvaluateEvery = 250;
constexpr std::uint64_t kGridEvery = 1000;
constexpr std::size_t kSide = 28;

gan::StepStats synthetic_step(std::uint64_t step) {
  const double t = static_cast<double>(step);
  const double wave = std::sin(t / 40.0) + 0.3 * std::sin(t / 7.0);
  gan::StepStats stats;
  stats.step = step;
  stats.discriminator_loss = 1.3 + 0.15 * wave;
  stats.generator_loss = 0.8 - 0.2 * wave + 0.3 * std::exp(-t / 500.0);
  stats.real_score = 0.6 + 0.08 * wave;
  stats.fake_score = 0.4 - 0.08 * wave;
  stats.batch_size = 64;
  stats.discriminator_steps = 1;
  if (step % kEvaluateEvery == 0) {
    gan::Quality quality;
    quality.frechet_distance = 5 + 200 * std::exp(-t / 800.0);
    quality.sample_count = 5000;
    quality.reference_count = 10000;
    quality.inception_score = 9 - 7 * std::exp(-t / 800.0);
    quality.class_entropy = 0.95 - 0.4 * std::exp(-t / 600.0);
    stats.quality = quality;
  }
  return stats;
}

/// 10 images of rings whose edge sharpens with `progress` in [0, 1], values in [-1, 1].
gan::Matrix<float> synthetic_grid(double progress) {
  gan::Matrix<float> images(kSide * kSide, 10);
  for (Eigen::Index k = 0; k < images.cols(); ++k)
    for (std::size_t y = 0; y < kSide; ++y)
      for (std::size_t x = 0; x < kSide; ++x) {
        const double r = std::hypot(double(x) - 13.5, double(y) - 13.5);
        const double ring = std::exp(-std::pow((r - 4 - double(k) / 2) * (0.3 + progress), 2));
        images(static_cast<Eigen::Index>(y * kSide + x), k) = static_cast<float>(2 * ring - 1);
      }
  return images;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: report_synthetic_run OUT.html\n";
    return 2;
  }
  try {
    gan::TrainingReport report("synthetic run <&> \"quoted\"",
                               "steps 4000, batch 64\nevaluate every 250 steps");
    for (std::uint64_t step = 1; step <= kSteps; ++step) {
      report(synthetic_step(step));
      if (step % kGridEvery == 0 || step == 1)
        report.add_samples(step, "after step " + std::to_string(step),
                           synthetic_grid(double(step) / kSteps), kSide, kSide, 5);
    }
    report.write(argv[1]);
  } catch (const std::exception& error) {
    std::cerr << "report_synthetic_run: " << error.what() << '\n';
    return 1;
  }
}
