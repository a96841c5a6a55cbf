// SPDX-License-Identifier: MIT
// The body of the GAN step benchmarks (mlp_gan_step, dcgan_step): trains one architecture at
// batch 64 and reports trained real images per second and the process's peak memory.
//
// Usage: NAME [--threads N] [--seconds S] [--repeats R]; a bad flag exits with 2, as the
// examples do (examples/common/command_line.hpp).
// Prints one line per repeat and a final line with the median and the peak resident set (MiB):
//   NAME threads=2 batch=64 images_per_second=4123.4 peak_rss_mb=12.3 (median of 5)
// A trained real image is one real sample through a discriminator step; with k = 1 (the
// default here) that is batch_size images per step, the figure libtorch's examples report.
#pragma once

#include "step_flags.hpp"

#include <gan/gan.hpp>

#include <Eigen/Core>

#ifdef _OPENMP
#include <omp.h>
#endif

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string_view>
#include <vector>

namespace benchmarks {

constexpr int kBatchSize = 64;    // the batch of the reference comparisons in benchmarks/
constexpr int kWarmupSteps = 20;  // lets buffers reach their size and caches warm up

struct Settings : StepSettings {
  bool help = false;
};

/// @throws command_line::UsageError naming the flag, what it expects and what it got
inline Settings parse(int argc, char** argv) {
  Settings settings;  // threads 0: OpenMP's default (OMP_NUM_THREADS, else every core)
  settings.help = command_line::read_flags(argc, argv, {"--threads", "--seconds", "--repeats"},
                                           [&](std::string_view flag, std::string_view value) {
                                             take_step_flag(settings, flag, value);
                                           });
  return settings;
}

inline double peak_rss_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // Linux reports KiB
}

/// Runs the benchmark for a generator G and a discriminator D of MNIST-sized samples.
template <typename G, typename D>
int run_gan_step(const char* name, int argc, char** argv) {
  Settings settings;
  try {
    settings = parse(argc, argv);
  } catch (const command_line::UsageError& error) {
    return command_line::report(name, error);
  }
  if (settings.help) {
    std::printf("Usage: %s [--threads 1-1024] [--seconds above 0, to 3600] [--repeats 1-1000]\n",
                name);
    return 0;
  }
  if (settings.threads > 0) {
#ifdef _OPENMP
    omp_set_num_threads(settings.threads);
#endif
    Eigen::setNbThreads(settings.threads);
  }
  using Trainer = gan::AlternatingTrainer<G, D>;
  Trainer trainer(typename Trainer::Options{});
  // Real-looking data in [-1, 1]; the pixel values do not change the amount of work.
  gan::Rng rng(7);
  gan::Matrix<float> real(static_cast<Eigen::Index>(Trainer::sample_size), kBatchSize);
  for (Eigen::Index i = 0; i < real.size(); ++i) real.data()[i] = float(rng.uniform(-1, 1));

  for (int i = 0; i < kWarmupSteps; ++i) trainer.step(real);
  std::vector<double> rates;
  for (int repeat = 0; repeat < settings.repeats; ++repeat) {
    const auto start = std::chrono::steady_clock::now();
    long steps = 0;
    double elapsed = 0;
    while (elapsed < settings.seconds) {
      trainer.step(real);
      ++steps;
      elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }
    rates.push_back(double(steps) * kBatchSize / elapsed);
    std::printf("repeat %d: %.1f images/s\n", repeat + 1, rates.back());
  }
  std::sort(rates.begin(), rates.end());
  std::printf("%s threads=%d batch=%d images_per_second=%.1f peak_rss_mb=%.1f (median of %d)\n",
              name, Eigen::nbThreads(), kBatchSize, rates[rates.size() / 2], peak_rss_mib(),
              settings.repeats);
  return 0;
}

}  // namespace benchmarks
