// A user's first gan program: a small generator and discriminator, a few training steps on
// random data, and a check that training produced finite losses. Exits 0 when it did.
#include <gan/gan.hpp>

#include <cmath>
#include <cstdio>
#include <exception>

namespace {

// Four noise values in, two-dimensional samples out.
using Generator = gan::Sequential<gan::Dense<4, 16>, gan::LeakyRelu, gan::Dense<16, 2>>;
// Two-dimensional samples in, one logit out.
using Discriminator = gan::Sequential<gan::Dense<2, 16>, gan::LeakyRelu, gan::Dense<16, 1>>;
using Trainer = gan::AlternatingTrainer<Generator, Discriminator>;

constexpr int kSteps = 20;
constexpr int kBatchSize = 32;

// [2, batch] samples of a Gaussian centred at (1, -1).
gan::Matrix<float> real_batch(gan::Rng& rng) {
  gan::Matrix<float> batch(2, kBatchSize);
  for (Eigen::Index j = 0; j < batch.cols(); ++j) {
    batch(0, j) = static_cast<float>(1.0 + 0.5 * rng.normal());
    batch(1, j) = static_cast<float>(-1.0 + 0.5 * rng.normal());
  }
  return batch;
}

}  // namespace

int main() {
  try {
    Trainer::Options options;
    options.seed = 7;
    Trainer trainer(options);
    gan::Rng data_rng(11);

    for (int step = 0; step < kSteps; ++step) {
      const gan::StepStats stats = trainer.step(real_batch(data_rng));
      if (!std::isfinite(stats.discriminator_loss) || !std::isfinite(stats.generator_loss)) {
        std::fprintf(stderr, "step %d: losses d %g, g %g are not finite\n", step + 1,
                     stats.discriminator_loss, stats.generator_loss);
        return 1;
      }
    }
    if (trainer.steps() != kSteps) {
      std::fprintf(stderr, "expected %d steps, the trainer counted %llu\n", kSteps,
                   static_cast<unsigned long long>(trainer.steps()));
      return 1;
    }
    return 0;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "gan_consumer: %s\n", error.what());
    return 1;
  }
}
