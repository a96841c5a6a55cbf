// SPDX-License-Identifier: MIT
// AlternatingTrainer: reproducible runs, divergence that stops training before a bad update,
// and the checks on real batches (shape errors, partial batches).
#define BOOST_TEST_MODULE train_alternating_trainer_robustness
#include <boost/test/unit_test.hpp>

#include <gan/gan.hpp>

#include "support/bits.hpp"
#include "support/trainer_fixtures.hpp"

#include <Eigen/Core>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

namespace tt = boost::test_tools;

using namespace gan::test_support;

using Trainer = gan::AlternatingTrainer<Generator, Discriminator>;

// Wide enough that Eigen splits the larger matrix products across OpenMP threads (more than
// 2 x 50000 multiply-adds each), so that thread scheduling could show if it leaked into results.
using WideGenerator = gan::Sequential<gan::Dense<16, 64>, gan::LeakyRelu, gan::Dense<64, 32>>;
using WideDiscriminator = gan::Sequential<gan::Dense<32, 64>, gan::LeakyRelu, gan::Dense<64, 1>>;
using WideTrainer = gan::AlternatingTrainer<WideGenerator, WideDiscriminator>;

/// A trainer of two affine maps, for divergence cases that need chosen parameters.
using Linear = gan::Sequential<gan::Dense<1, 1>>;
using LinearTrainer = gan::AlternatingTrainer<Linear, Linear>;

std::string omp_threads() {
  const char* value = std::getenv("OMP_NUM_THREADS");
  return value == nullptr ? "unset" : value;
}

/// The losses of `steps` steps of a wide trainer on batches of 64.
std::vector<double> wide_run_losses(std::uint64_t seed, int steps) {
  WideTrainer trainer(options_with<WideTrainer>(seed));
  std::vector<double> losses;
  for (int i = 0; i < steps; ++i) {
    const gan::StepStats stats =
        trainer.step(real_batch<float>(500 + static_cast<std::uint64_t>(i), 32, 64));
    losses.push_back(stats.discriminator_loss);
    losses.push_back(stats.generator_loss);
  }
  return losses;
}

/// Everything a step could change, to show that a refused step changed none of it.
struct Snapshot {
  template <typename T>
  explicit Snapshot(const T& trainer)
      : generator(trainer.generator().parameters()),
        discriminator(trainer.discriminator().parameters()),
        generator_moment(trainer.generator_optimizer().first_moment()),
        discriminator_moment(trainer.discriminator_optimizer().first_moment()),
        rng(trainer.rng().state()),
        steps(trainer.steps()) {}

  template <typename T>
  void require_same_networks(const T& trainer) const {
    BOOST_TEST(bits(trainer.generator().parameters()) == bits(generator), tt::per_element());
    BOOST_TEST(bits(trainer.discriminator().parameters()) == bits(discriminator),
               tt::per_element());
    BOOST_TEST(bits(trainer.discriminator_optimizer().first_moment()) == bits(discriminator_moment),
               tt::per_element());
    BOOST_TEST(trainer.steps() == steps);
  }

  template <typename T>
  void require_unchanged(const T& trainer) const {
    require_same_networks(trainer);
    BOOST_TEST(bits(trainer.generator_optimizer().first_moment()) == bits(generator_moment),
               tt::per_element());
    BOOST_TEST((trainer.rng().state() == rng));
  }

  gan::Vector<float> generator;
  gan::Vector<float> discriminator;
  gan::Vector<float> generator_moment;
  gan::Vector<float> discriminator_moment;
  gan::Rng::State rng;
  std::uint64_t steps;
};

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

/// True when `what` reports the discriminator loss as nan or inf, as an ostream writes them.
bool names_a_non_finite_discriminator_loss(const std::string& what) {
  for (const char* value : {"nan", "-nan", "inf", "-inf"})
    if (contains(what, gan::message("discriminator loss ", value))) return true;
  return false;
}

const float kInfinity = std::numeric_limits<float>::infinity();
const std::vector<float> kNonFinite{std::numeric_limits<float>::quiet_NaN(), kInfinity, -kInfinity};

}  // namespace

BOOST_AUTO_TEST_SUITE(alternating_trainer_determinism)

BOOST_AUTO_TEST_CASE(same_seed_gives_bit_identical_losses) {
  const std::uint64_t seed = 2024;
  BOOST_TEST_CONTEXT("seed " << seed << ", OMP_NUM_THREADS " << omp_threads()) {
    const std::vector<double> first = wide_run_losses(seed, 20);
    const std::vector<double> second = wide_run_losses(seed, 20);
    std::vector<std::uint64_t> first_bits;
    std::vector<std::uint64_t> second_bits;
    for (const double loss : first) first_bits.push_back(bits(loss));
    for (const double loss : second) second_bits.push_back(bits(loss));
    BOOST_TEST(first_bits == second_bits, tt::per_element());
  }
}

BOOST_AUTO_TEST_CASE(different_seeds_give_different_losses) {
  const std::uint64_t seed_a = 2024;
  const std::uint64_t seed_b = 2025;
  BOOST_TEST_CONTEXT("seeds " << seed_a << " and " << seed_b) {
    const std::vector<double> a = wide_run_losses(seed_a, 3);
    const std::vector<double> b = wide_run_losses(seed_b, 3);
    for (std::size_t i = 0; i < a.size(); ++i) {
      BOOST_TEST_CONTEXT("loss " << i) { BOOST_TEST(bits(a[i]) != bits(b[i])); }
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(alternating_trainer_divergence)

// One case with a loop rather than a data-driven case: g++ 12 at -O3 reports a false
// -Wrestrict inside Boost.Test's generated data-case names (GCC bug 105329).
BOOST_AUTO_TEST_CASE(non_finite_real_sample_stops_the_step_before_the_discriminator_update) {
  const std::uint64_t seed = 12;
  for (const float bad_value : kNonFinite) {
    BOOST_TEST_CONTEXT("seed " << seed << ", real sample value " << bad_value) {
      Trainer trainer(options_with<Trainer>(seed));
      trainer.step(real_batch<float>(600, 2, 8));
      const gan::StepStats previous = trainer.step(real_batch<float>(601, 2, 8));
      const Snapshot before(trainer);
      gan::Matrix<float> poisoned = real_batch<float>(602, 2, 8);
      poisoned(1, 5) = bad_value;

      try {
        trainer.step(poisoned);
        BOOST_ERROR("a real batch holding " << bad_value << " did not stop training");
      } catch (const gan::DivergenceError& error) {
        const std::string what = error.what();
        BOOST_TEST_CONTEXT(what) {
          BOOST_TEST(error.step() == 3);
          BOOST_TEST(contains(what, "at step 3"));
          BOOST_TEST(names_a_non_finite_discriminator_loss(what));
          BOOST_TEST(contains(what, gan::message("generator loss ", previous.generator_loss)));
        }
      }
      before.require_same_networks(trainer);
    }
  }
}

// An infinite real sample need not make the loss infinite: with D(x) = x and x = +inf the
// logit is +inf, softplus(-inf) = 0, and the loss is finite, but the weight gradient is
// 0 * inf = NaN. The step must still stop before that update.
BOOST_AUTO_TEST_CASE(infinite_real_sample_stops_the_step_even_when_the_loss_is_finite) {
  const std::uint64_t seed = 13;
  BOOST_TEST_CONTEXT("seed " << seed << ", D(x) = 1 * x + 0, one real sample +inf") {
    LinearTrainer trainer(options_with<LinearTrainer>(seed));
    trainer.discriminator().parameters() << 1.0f, 0.0f;  // weight, bias
    const Snapshot before(trainer);
    gan::Matrix<float> poisoned = real_batch<float>(610, 1, 8);
    poisoned(0, 2) = kInfinity;

    BOOST_CHECK_THROW(trainer.step(poisoned), gan::DivergenceError);
    before.require_same_networks(trainer);
    BOOST_TEST(trainer.discriminator().parameters().allFinite());
  }
}

BOOST_AUTO_TEST_CASE(non_finite_generator_loss_stops_the_step_before_the_generator_update) {
  const std::uint64_t seed = 14;
  // G(z) = 0 z + 1e38 and D(x) = -10 x: D's logit on fakes is -inf in float, which costs D
  // nothing (softplus(-inf) = 0) but gives the non-saturating generator loss softplus(+inf).
  BOOST_TEST_CONTEXT("seed " << seed << ", G(z) = 1e38, D(x) = -10 x") {
    LinearTrainer trainer(options_with<LinearTrainer>(seed));
    trainer.generator().parameters() << 0.0f, 1e38f;
    trainer.discriminator().parameters() << -10.0f, 0.0f;
    const gan::Vector<float> generator_before = trainer.generator().parameters();
    const gan::Matrix<float> batch = gan::Matrix<float>::Constant(1, 8, 3.0f);

    try {
      trainer.step(batch);
      BOOST_ERROR("an infinite generator loss did not stop training");
    } catch (const gan::DivergenceError& error) {
      const std::string what = error.what();
      // D's loss is softplus(30) on the reals plus softplus(-inf) = 0 on the fakes.
      const double discriminator_loss = gan::logistic::softplus(30.0f);
      BOOST_TEST_CONTEXT(what) {
        BOOST_TEST(error.step() == 1);
        BOOST_TEST(contains(what, "generator loss is not finite at step 1"));
        BOOST_TEST(contains(what, gan::message("discriminator loss ", discriminator_loss)));
        BOOST_TEST(contains(what, "generator loss inf"));
      }
    }
    BOOST_TEST(bits(trainer.generator().parameters()) == bits(generator_before), tt::per_element());
    BOOST_TEST(trainer.generator_optimizer().steps() == 0u);
    BOOST_TEST(trainer.steps() == 0u);
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(alternating_trainer_batches)

BOOST_AUTO_TEST_CASE(batch_with_the_wrong_number_of_rows_is_refused_with_both_sizes) {
  Trainer trainer(options_with<Trainer>(15));
  trainer.step(real_batch<float>(700, 2, 8));
  const Snapshot before(trainer);
  try {
    trainer.step(real_batch<float>(701, 3, 8));
    BOOST_ERROR("a 3x8 batch for samples of 2 values did not throw");
  } catch (const std::invalid_argument& error) {
    const std::string what = error.what();
    BOOST_TEST_CONTEXT(what) {
      BOOST_TEST(contains(what, "2 rows"));
      BOOST_TEST(contains(what, "got 3x8"));
    }
  }
  before.require_unchanged(trainer);
}

BOOST_AUTO_TEST_CASE(batch_without_columns_is_refused_with_its_size) {
  Trainer trainer(options_with<Trainer>(16));
  const Snapshot before(trainer);
  try {
    trainer.step(gan::Matrix<float>(2, 0));
    BOOST_ERROR("a 2x0 batch did not throw");
  } catch (const std::invalid_argument& error) {
    const std::string what = error.what();
    BOOST_TEST_CONTEXT(what) {
      BOOST_TEST(contains(what, "at least one column"));
      BOOST_TEST(contains(what, "got 2x0"));
    }
  }
  before.require_unchanged(trainer);
}

BOOST_AUTO_TEST_CASE(a_single_batch_for_several_discriminator_steps_says_what_to_pass) {
  Trainer trainer(options_with<Trainer>(18, 3));
  try {
    trainer.step(real_batch<float>(702, 2, 8));
    BOOST_ERROR("a single batch for 3 discriminator steps did not throw");
  } catch (const std::invalid_argument& error) {
    const std::string what = error.what();
    BOOST_TEST_CONTEXT(what) {
      BOOST_TEST(contains(what, "3 discriminator steps"));
      BOOST_TEST(contains(what, "pass a callable that returns the next real batch"));
    }
  }
}

BOOST_AUTO_TEST_CASE(invalid_optimizer_settings_name_their_network) {
  for (const bool generator : {true, false}) {
    auto options = options_with<Trainer>(19);
    auto& settings = generator ? options.generator_optimizer : options.discriminator_optimizer;
    settings.learning_rate = -1;
    try {
      Trainer trainer(options);
      BOOST_ERROR("a learning rate of -1 did not throw");
    } catch (const std::invalid_argument& error) {
      const std::string what = error.what();
      BOOST_TEST_CONTEXT(what) {
        const std::string network = generator ? "generator" : "discriminator";
        BOOST_TEST(contains(what, gan::message("the ", network, " optimizer")));
        BOOST_TEST(contains(what, "-1"));
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(batches_of_varying_size_train_without_error) {
  const std::uint64_t seed = 17;
  BOOST_TEST_CONTEXT("seed " << seed) {
    Trainer trainer(options_with<Trainer>(seed));
    const std::vector<Eigen::Index> sizes{8, 5, 8, 1, 8};
    for (std::size_t i = 0; i < sizes.size(); ++i) {
      BOOST_TEST_CONTEXT("step " << i + 1 << ", batch of " << sizes[i]) {
        const gan::StepStats stats = trainer.step(real_batch<float>(800 + i, 2, sizes[i]));
        BOOST_TEST(stats.batch_size == static_cast<std::size_t>(sizes[i]));
        BOOST_TEST(stats.step == i + 1);
        BOOST_TEST(std::isfinite(stats.discriminator_loss));
        BOOST_TEST(std::isfinite(stats.generator_loss));
      }
    }
    BOOST_TEST(trainer.steps() == sizes.size());
  }
}

BOOST_AUTO_TEST_SUITE_END()
