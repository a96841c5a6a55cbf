// SPDX-License-Identifier: MIT
// The GPU benchmark: trains the MNIST examples' MLP GAN or DCGAN on gan::Device<float> and
// reports trained real images per second, as benchmarks/pytorch/gan_step.py does for the same
// models in PyTorch eager mode on the same GPU (scripts/gpu-check runs both, side by side).
//
// Usage: gpu_gan_step [--model mlp|dcgan] [--batch N] [--seconds S] [--repeats R]
// Prints one line per repeat and a final line with the median:
//   gpu_gan_step model=dcgan batch=64 images_per_second=41234.5 (median of 5)
// Real batches are random values already on the device, so the figure is the training step's
// alone. Compiled by nvcc only (GAN_ENABLE_CUDA).
#include "../examples/common/command_line.hpp"
#include "../examples/mnist_dcgan/architecture.hpp"
#include "../examples/mnist_gan/architecture.hpp"

#include <gan/device/backend.hpp>
#include <gan/gan.hpp>

#include <cuda_runtime.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace {

struct Settings {
  bool help = false;
  std::string model = "mlp";
  std::size_t batch = 64;
  double seconds = 3;
  int repeats = 5;
};

Settings parse(int argc, char** argv) {
  Settings settings;
  settings.help = command_line::read_flags(
      argc, argv, {"--model", "--batch", "--seconds", "--repeats"},
      [&](std::string_view flag, std::string_view value) {
        if (flag == "--model")
          settings.model = value;
        else if (flag == "--batch")
          settings.batch = command_line::parse_integer<std::size_t>(flag, value, 1, 1 << 16);
        else if (flag == "--seconds")
          settings.seconds = command_line::parse_positive(flag, value);
        else if (flag == "--repeats")
          settings.repeats = command_line::parse_integer<int>(flag, value, 1, 100);
      });
  if (settings.model != "mlp" && settings.model != "dcgan")
    throw command_line::UsageError("--model: expected mlp or dcgan, got '" + settings.model + "'");
  return settings;
}

// Trains for `seconds` after a warm-up and returns real images per second. Every step ends
// with the losses on the host, so no work is left queued when the clock stops.
template <typename G, typename D>
std::vector<double> measure(const Settings& settings) {
  using Trainer = gan::AlternatingTrainer<G, D, gan::NonSaturatingLoss, gan::Adam,
                                          gan::StandardNormal, gan::Device<float>>;
  Trainer trainer(typename Trainer::Options{});
  gan::Rng rng(7);
  gan::device::Matrix<float> real(static_cast<std::ptrdiff_t>(Trainer::sample_size),
                                  static_cast<std::ptrdiff_t>(settings.batch));
  gan::StandardNormal::fill(real, rng);
  for (int step = 0; step < 10; ++step) trainer.step(real);
  std::vector<double> rates;
  for (int repeat = 0; repeat < settings.repeats; ++repeat) {
    const auto start = std::chrono::steady_clock::now();
    std::size_t steps = 0;
    double elapsed = 0;
    do {
      trainer.step(real);
      ++steps;
      GAN_CUDA_CHECK(cudaDeviceSynchronize());
      elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    } while (elapsed < settings.seconds);
    rates.push_back(static_cast<double>(steps * settings.batch) / elapsed);
    std::printf("gpu_gan_step model=%s batch=%zu images_per_second=%.1f\n", settings.model.c_str(),
                settings.batch, rates.back());
  }
  return rates;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Settings settings = parse(argc, argv);
    if (settings.help) {
      std::printf(
          "usage: gpu_gan_step [--model mlp|dcgan] [--batch N] [--seconds S] "
          "[--repeats R]\n");
      return 0;
    }
    gan::device::require_gpu();
    std::vector<double> rates =
        settings.model == "mlp"
            ? measure<mnist_gan::Generator, mnist_gan::Discriminator>(settings)
            : measure<mnist_dcgan::Generator, mnist_dcgan::Discriminator>(settings);
    std::sort(rates.begin(), rates.end());
    std::printf("gpu_gan_step model=%s batch=%zu images_per_second=%.1f (median of %zu)\n",
                settings.model.c_str(), settings.batch, rates[rates.size() / 2], rates.size());
    return 0;
  } catch (const command_line::UsageError& error) {
    return command_line::report("gpu_gan_step", error);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "gpu_gan_step: error: %s\n", error.what());
    return 1;
  }
}
