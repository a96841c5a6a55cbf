// SPDX-License-Identifier: MIT
// The libtorch side of scripts/benchmark: one GAN training step in PyTorch's C++ API, doing
// the same work as gan::AlternatingTrainer's step, in trained real images per second.
//
// Usage: libtorch_gan_step [--model mlp|dcgan] [--threads N] [--seconds S] [--repeats R]
// Prints libtorch's version and the BLAS its matrix products run in (the figures depend on it
// most), one line per repeat, and a final line with the median and the process's peak
// resident set in MiB, all on one line:
//   libtorch_gan_step model=mlp threads=2 batch=64 images_per_second=2741.6 peak_rss_mb=204.3
//   (median of 5)
//
// The step matches alternating_trainer.hpp operation for operation, so that the two programs
// are timed on the same arithmetic:
//  - G(z) is computed once and used by both phases: detached in the discriminator step (no
//    gradient flows into G), attached in the generator step;
//  - a D with batch norm (the DCGAN's) sees the real and the fake batch in two separate
//    passes, so that each is normalised with its own statistics; a D without (the MLP's) sees
//    them side by side in one pass of twice the batch, the same sums in wider products;
//  - in the generator step D's parameters do not require gradients, so back-propagation
//    through D computes only the gradient with respect to its input, as Backprop::input_only
//    does on our side; no gradient is computed for z or for the real batch either;
//  - the losses are BCE with logits, means over the batch: L_D = BCE(real, 1) + BCE(fake, 0),
//    and the non-saturating L_G = BCE(D(G(z)), 1); Adam with gan::Adam's defaults.

#include "../step_flags.hpp"

#include <torch/torch.h>

#include <dlfcn.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace {

constexpr std::int64_t kBatchSize = 64;    // the batch of the reference comparisons
constexpr std::int64_t kLatentSize = 100;  // z dimension of both models
// Warm-up before timing, for caches, the allocator and oneDNN's kernel cache: 20 steps as in
// mlp_gan_step, but no more than 2 seconds' worth where a step is slow (the DCGAN at one thread
// takes about a second a step), and at least 3, since the first steps build the kernels.
constexpr int kWarmupSteps = 20;
constexpr int kMinWarmupSteps = 3;
constexpr double kWarmupSeconds = 2.0;

// gan::Adam's defaults (include/gan/optim/adam.hpp), the DCGAN paper's settings.
constexpr double kLearningRate = 2e-4;
constexpr double kBeta1 = 0.5;
constexpr double kBeta2 = 0.999;
constexpr double kEpsilon = 1e-8;

constexpr double kLeakySlope = 0.2;

struct Settings : benchmarks::StepSettings {
  bool help = false;
  std::string model = "mlp";
};

/// @throws command_line::UsageError naming the flag, what it expects and what it got
Settings parse(int argc, char** argv) {
  Settings settings;
  settings.threads = 1;
  settings.help =
      command_line::read_flags(argc, argv, {"--model", "--threads", "--seconds", "--repeats"},
                               [&](std::string_view flag, std::string_view value) {
                                 if (flag == "--model")
                                   settings.model = value;
                                 else
                                   benchmarks::take_step_flag(settings, flag, value);
                               });
  if (settings.model != "mlp" && settings.model != "dcgan")
    throw command_line::UsageError("--model: expected mlp or dcgan, got '" + settings.model + "'");
  return settings;
}

torch::nn::LeakyReLU leaky_relu() {
  return torch::nn::LeakyReLU(torch::nn::LeakyReLUOptions().negative_slope(kLeakySlope));
}

// A generator, its discriminator, and the shapes of their inputs, [batch, ...].
struct GanModels {
  torch::nn::Sequential generator;
  torch::nn::Sequential discriminator;
  std::vector<std::int64_t> noise_shape;
  std::vector<std::int64_t> sample_shape;
  // Whether D's output for a sample depends on the rest of its batch (batch norm): then the
  // real and the fake batch cannot share a pass.
  bool discriminator_looks_across_batch = false;
};

// examples/mnist_gan/architecture.hpp, layer for layer, in data-flow order.
GanModels mlp_models() {
  using torch::nn::Linear;
  GanModels models{{}, {}, {kBatchSize, kLatentSize}, {kBatchSize, 784}};
  auto& g = models.generator;
  g->push_back(Linear(kLatentSize, 256));
  g->push_back(leaky_relu());
  g->push_back(Linear(256, 512));
  g->push_back(leaky_relu());
  g->push_back(Linear(512, 1024));
  g->push_back(leaky_relu());
  g->push_back(Linear(1024, 784));
  g->push_back(torch::nn::Tanh());

  auto& d = models.discriminator;
  d->push_back(Linear(784, 512));
  d->push_back(leaky_relu());
  d->push_back(Linear(512, 256));
  d->push_back(leaky_relu());
  d->push_back(Linear(256, 1));
  return models;
}

torch::nn::ConvTranspose2d up(std::int64_t in, std::int64_t out, std::int64_t kernel,
                              std::int64_t stride, std::int64_t padding) {
  using Options = torch::nn::ConvTranspose2dOptions;
  return torch::nn::ConvTranspose2d(
      Options(in, out, kernel).stride(stride).padding(padding).bias(false));
}

torch::nn::Conv2d down(std::int64_t in, std::int64_t out, std::int64_t kernel, std::int64_t stride,
                       std::int64_t padding) {
  using Options = torch::nn::Conv2dOptions;
  return torch::nn::Conv2d(Options(in, out, kernel).stride(stride).padding(padding).bias(false));
}

// The architecture of PyTorch's C++ DCGAN example (pytorch/examples, cpp/dcgan) for 28x28
// MNIST, except that D ends in a logit: its sigmoid moves into the loss, which is the same
// function computed without overflow. Convolutions have no bias, as batch norm follows most.
GanModels dcgan_models() {
  using torch::nn::BatchNorm2d;
  GanModels models{{}, {}, {kBatchSize, kLatentSize, 1, 1}, {kBatchSize, 1, 28, 28}, true};
  auto& g = models.generator;  // z [100, 1, 1] -> [256, 4, 4] -> [128, 7, 7] -> ... -> [1, 28, 28]
  g->push_back(up(kLatentSize, 256, 4, 1, 0));
  g->push_back(BatchNorm2d(256));
  g->push_back(torch::nn::ReLU());
  g->push_back(up(256, 128, 3, 2, 1));
  g->push_back(BatchNorm2d(128));
  g->push_back(torch::nn::ReLU());
  g->push_back(up(128, 64, 4, 2, 1));
  g->push_back(BatchNorm2d(64));
  g->push_back(torch::nn::ReLU());
  g->push_back(up(64, 1, 4, 2, 1));
  g->push_back(torch::nn::Tanh());

  auto& d = models.discriminator;  // [1, 28, 28] -> [64, 14, 14] -> ... -> [256, 3, 3] -> [1, 1, 1]
  d->push_back(down(1, 64, 4, 2, 1));
  d->push_back(leaky_relu());
  d->push_back(down(64, 128, 4, 2, 1));
  d->push_back(BatchNorm2d(128));
  d->push_back(leaky_relu());
  d->push_back(down(128, 256, 4, 2, 1));
  d->push_back(BatchNorm2d(256));
  d->push_back(leaky_relu());
  d->push_back(down(256, 1, 3, 1, 0));
  return models;
}

torch::optim::Adam adam_for(torch::nn::Sequential& network) {
  return torch::optim::Adam(
      network->parameters(),
      torch::optim::AdamOptions(kLearningRate).betas({kBeta1, kBeta2}).eps(kEpsilon));
}

class GanStep {
 public:
  explicit GanStep(GanModels models)
      : models_(std::move(models)),
        generator_optimizer_(adam_for(models_.generator)),
        discriminator_optimizer_(adam_for(models_.discriminator)),
        real_labels_(torch::ones({kBatchSize})),
        fake_labels_(torch::zeros({kBatchSize})) {
    // Real-looking data in [-1, 1]; the pixel values do not change the amount of work.
    torch::NoGradGuard data_is_not_trained;
    real_ = torch::rand(models_.sample_shape) * 2 - 1;
  }

  void run() {
    const torch::Tensor noise = torch::randn(models_.noise_shape);
    const torch::Tensor fake = models_.generator->forward(noise);
    train_discriminator(fake.detach());
    train_generator(fake);
  }

 private:
  // The discriminator's logits as a [batch] vector, whatever shape its last layer has.
  torch::Tensor logits(const torch::Tensor& samples) {
    return models_.discriminator->forward(samples).reshape({-1});
  }

  void train_discriminator(const torch::Tensor& fake) {
    namespace F = torch::nn::functional;
    discriminator_optimizer_.zero_grad();
    torch::Tensor real_logits;
    torch::Tensor fake_logits;
    if (models_.discriminator_looks_across_batch) {
      real_logits = logits(real_);
      fake_logits = logits(fake);
    } else {
      const torch::Tensor both = logits(torch::cat({real_, fake}));
      real_logits = both.slice(0, 0, kBatchSize);
      fake_logits = both.slice(0, kBatchSize);
    }
    const torch::Tensor loss = F::binary_cross_entropy_with_logits(real_logits, real_labels_) +
                               F::binary_cross_entropy_with_logits(fake_logits, fake_labels_);
    loss.backward();
    discriminator_optimizer_.step();
  }

  void train_generator(const torch::Tensor& fake) {
    namespace F = torch::nn::functional;
    set_discriminator_trainable(false);
    generator_optimizer_.zero_grad();
    const torch::Tensor loss = F::binary_cross_entropy_with_logits(logits(fake), real_labels_);
    loss.backward();
    generator_optimizer_.step();
    set_discriminator_trainable(true);
  }

  void set_discriminator_trainable(bool trainable) {
    for (torch::Tensor& parameter : models_.discriminator->parameters())
      parameter.requires_grad_(trainable);
  }

  GanModels models_;
  torch::optim::Adam generator_optimizer_;
  torch::optim::Adam discriminator_optimizer_;
  torch::Tensor real_;
  torch::Tensor real_labels_;
  torch::Tensor fake_labels_;
};

// The file of the sgemm_ that libtorch calls, found the way the dynamic linker found it:
// libtorch's matrix products (Linear, and the GEMMs behind the convolutions oneDNN does not
// take) run there, so it explains most of the figures. Asking for the symbol, rather than for
// a mapped file named like a BLAS, matters: a LAPACK may bring a second BLAS along.
std::string blas_in_use() {
  Dl_info info{};
  const void* sgemm = dlsym(RTLD_DEFAULT, "sgemm_");
  if (sgemm == nullptr || dladdr(sgemm, &info) == 0 || info.dli_fname == nullptr) return "none";
  // The name the linker loaded is often an alternatives link (Debian's libblas.so.3), which
  // says nothing of which BLAS it is; the file it ends at does.
  std::error_code no_such_file;
  const auto file = std::filesystem::canonical(info.dli_fname, no_such_file);
  return no_such_file ? info.dli_fname : file.string();
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double peak_rss_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // Linux reports KiB
}

}  // namespace

int main(int argc, char** argv) {
  Settings settings;
  try {
    settings = parse(argc, argv);
  } catch (const command_line::UsageError& error) {
    return command_line::report("libtorch_gan_step", error);
  }
  if (settings.help) {
    std::printf(
        "Usage: libtorch_gan_step [--model mlp|dcgan] [--threads 1-1024] "
        "[--seconds above 0, to 3600] [--repeats 1-1000]\n");
    return 0;
  }
  // Inter-op threads first: libtorch refuses the setting once its pool exists. One inter-op
  // thread, N intra-op (OpenMP) threads: the same N cores as our side's OpenMP threads.
  at::set_num_interop_threads(1);
  at::set_num_threads(settings.threads);
  torch::manual_seed(7);
  std::printf("libtorch %s, blas=%s\n", TORCH_VERSION, blas_in_use().c_str());

  GanStep step(settings.model == "mlp" ? mlp_models() : dcgan_models());
  const auto warmup_start = std::chrono::steady_clock::now();
  for (int i = 0; i < kWarmupSteps; ++i) {
    if (i >= kMinWarmupSteps && seconds_since(warmup_start) > kWarmupSeconds) break;
    step.run();
  }
  std::vector<double> rates;
  for (int repeat = 0; repeat < settings.repeats; ++repeat) {
    const auto start = std::chrono::steady_clock::now();
    long steps = 0;
    double elapsed = 0;
    while (elapsed < settings.seconds) {
      step.run();
      ++steps;
      elapsed = seconds_since(start);
    }
    rates.push_back(double(steps) * kBatchSize / elapsed);
    std::printf("repeat %d: %.1f images/s\n", repeat + 1, rates.back());
    std::fflush(stdout);
  }
  std::sort(rates.begin(), rates.end());
  std::printf(
      "libtorch_gan_step model=%s threads=%d batch=%lld images_per_second=%.1f "
      "peak_rss_mb=%.1f (median of %d)\n",
      settings.model.c_str(), at::get_num_threads(), static_cast<long long>(kBatchSize),
      rates[rates.size() / 2], peak_rss_mib(), settings.repeats);
  return 0;
}
