// SPDX-License-Identifier: MIT
// AlternatingTrainer checkpoints that load: exact resume of training, the random stream
// included, metadata, and saving over an earlier checkpoint.
#define BOOST_TEST_MODULE train_alternating_trainer_resume
#include <boost/test/unit_test.hpp>

#include <gan/gan.hpp>

#include "support/bits.hpp"
#include "support/temporary_files.hpp"
#include "support/trainer_fixtures.hpp"

#include <Eigen/Core>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <tuple>
#include <vector>

namespace {

namespace fs = std::filesystem;
namespace tt = boost::test_tools;
using namespace gan::test_support;

// Generator and Discriminator have 50 + 25 parameters: an odd sum, so that the random stream
// stops in the middle of a Philox block after initialisation, and every later position is at
// the same offset in its block.

template <typename LossPolicy, template <typename> class OptimizerTemplate, typename PriorType,
          typename ScalarType, std::size_t DiscriminatorSteps>
struct Config {
  using Scalar = ScalarType;
  using Trainer = gan::AlternatingTrainer<Generator, Discriminator, LossPolicy, OptimizerTemplate,
                                          PriorType, Scalar>;
  static constexpr std::size_t discriminator_steps = DiscriminatorSteps;
};

using AdamFloat = Config<gan::NonSaturatingLoss, gan::Adam, gan::StandardNormal, float, 1>;
using configs =
    std::tuple<AdamFloat, Config<gan::LeastSquaresLoss, gan::Sgd, gan::Uniform, double, 2>>;

/// The real batch of training step `step` (0-based) and discriminator step `k` in it: the
/// same whichever run asks for it, as a resumable data pipeline would give.
template <typename Scalar>
gan::Matrix<Scalar> batch_for(std::uint64_t step, std::size_t k) {
  return real_batch<Scalar>(10'000 + 10 * step + k, 2, 8);
}

/// Runs training steps first..last-1 (0-based) and returns their statistics.
template <typename Trainer>
std::vector<gan::StepStats> train(Trainer& trainer, std::uint64_t first, std::uint64_t last) {
  using Scalar = typename Trainer::Generator::scalar_type;
  std::vector<gan::StepStats> stats;
  for (std::uint64_t step = first; step < last; ++step) {
    std::size_t k = 0;
    gan::Matrix<Scalar> batch;
    stats.push_back(trainer.step([&]() -> const gan::Matrix<Scalar>& {
      batch = batch_for<Scalar>(step, k++);
      return batch;
    }));
  }
  return stats;
}

/// Requires two trainers to be in the same state, bit for bit, down to what they compute.
template <typename Trainer>
void require_same_state(Trainer& resumed, Trainer& uninterrupted, const TemporaryDirectory& dir) {
  BOOST_TEST(bits(resumed.generator().parameters()) == bits(uninterrupted.generator().parameters()),
             tt::per_element());
  BOOST_TEST(bits(resumed.discriminator().parameters()) ==
                 bits(uninterrupted.discriminator().parameters()),
             tt::per_element());
  BOOST_TEST((resumed.rng().state() == uninterrupted.rng().state()));
  BOOST_TEST(resumed.steps() == uninterrupted.steps());

  // The networks compute with the parameters they hold.
  gan::Rng noise_rng(77);
  const auto noise = Trainer::draw_noise(16, noise_rng);
  const auto samples = resumed.generate(noise);
  BOOST_TEST(bits(samples) == bits(uninterrupted.generate(noise)), tt::per_element());
  BOOST_TEST(bits(resumed.discriminate(samples)) == bits(uninterrupted.discriminate(samples)),
             tt::per_element());

  // Everything a checkpoint holds, optimizer state included, is the same.
  resumed.save_checkpoint(dir.path() / "resumed.ckpt");
  uninterrupted.save_checkpoint(dir.path() / "uninterrupted.ckpt");
  BOOST_TEST(
      (file_bytes(dir.path() / "resumed.ckpt") == file_bytes(dir.path() / "uninterrupted.ckpt")));
}

/// Trains N + M steps straight, and N steps, a checkpoint, and M steps in another trainer
/// made with `resumed_seed` that first trains `resumed_own_steps` steps of its own; requires
/// the last M steps and the final states to agree bit for bit.
template <typename C>
void check_exact_resume(std::uint64_t seed, std::uint64_t resumed_seed,
                        std::uint64_t resumed_own_steps) {
  using Trainer = typename C::Trainer;
  constexpr std::uint64_t n = 5;
  constexpr std::uint64_t m = 7;
  TemporaryDirectory dir;
  BOOST_TEST_CONTEXT("seed " << seed << ", resumed trainer's seed " << resumed_seed
                             << " and own steps " << resumed_own_steps << ", N " << n << ", M " << m
                             << ", k " << C::discriminator_steps) {
    Trainer uninterrupted(options_with<Trainer>(seed, C::discriminator_steps));
    const std::vector<gan::StepStats> expected = train(uninterrupted, 0, n + m);

    Trainer first_half(options_with<Trainer>(seed, C::discriminator_steps));
    train(first_half, 0, n);
    first_half.save_checkpoint(dir.path() / "step5.ckpt");
    Trainer resumed(options_with<Trainer>(resumed_seed, C::discriminator_steps));
    train(resumed, 0, resumed_own_steps);
    resumed.load_checkpoint(dir.path() / "step5.ckpt");
    BOOST_TEST(resumed.steps() == n);
    const std::vector<gan::StepStats> actual = train(resumed, n, n + m);

    BOOST_TEST_REQUIRE(actual.size() == m);
    for (std::size_t i = 0; i < m; ++i) {
      BOOST_TEST_CONTEXT("step " << n + i + 1) {
        BOOST_TEST(actual[i].step == expected[n + i].step);
        BOOST_TEST(bits(actual[i].discriminator_loss) == bits(expected[n + i].discriminator_loss));
        BOOST_TEST(bits(actual[i].generator_loss) == bits(expected[n + i].generator_loss));
        BOOST_TEST(bits(actual[i].real_score) == bits(expected[n + i].real_score));
        BOOST_TEST(bits(actual[i].fake_score) == bits(expected[n + i].fake_score));
      }
    }
    require_same_state(resumed, uninterrupted, dir);
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(alternating_trainer_resume)

BOOST_AUTO_TEST_CASE(loaded_networks_compute_with_the_loaded_parameters) {
  using Trainer = AdamFloat::Trainer;
  const std::uint64_t seed = 1;
  TemporaryDirectory dir;
  BOOST_TEST_CONTEXT("seed " << seed) {
    Trainer original(options_with<Trainer>(seed));
    train(original, 0, 3);
    original.save_checkpoint(dir.path() / "a.ckpt");
    Trainer loaded(options_with<Trainer>(seed));
    loaded.load_checkpoint(dir.path() / "a.ckpt");

    gan::Rng noise_rng(5);
    const gan::Matrix<float> noise = Trainer::draw_noise(8, noise_rng);
    const gan::Matrix<float> expected = original.generate(noise);
    BOOST_TEST(bits(loaded.generator().parameters()) == bits(original.generator().parameters()),
               tt::per_element());
    BOOST_TEST(bits(loaded.generate(noise)) == bits(expected), tt::per_element());
    BOOST_TEST(bits(loaded.discriminate(expected)) == bits(original.discriminate(expected)),
               tt::per_element());
  }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(training_resumes_exactly_from_a_checkpoint, C, configs) {
  check_exact_resume<C>(/*seed=*/3, /*resumed_seed=*/3, /*resumed_own_steps=*/0);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(training_resumes_exactly_into_a_trainer_made_with_another_seed, C,
                              configs) {
  check_exact_resume<C>(/*seed=*/3, /*resumed_seed=*/4, /*resumed_own_steps=*/0);
}

// A trainer that has trained as far as the checkpoint, from another seed, stands at the same
// position of its own random stream: loading must still switch it to the saved stream (as
// when a population-based search copies one run's checkpoint into another).
BOOST_AUTO_TEST_CASE_TEMPLATE(training_resumes_exactly_into_a_trainer_at_the_same_stream_position,
                              C, configs) {
  check_exact_resume<C>(/*seed=*/3, /*resumed_seed=*/4, /*resumed_own_steps=*/5);
}

BOOST_AUTO_TEST_CASE(metadata_round_trips) {
  using Trainer = AdamFloat::Trainer;
  TemporaryDirectory dir;
  // Keys that look like the trainer's own entries must not collide with them.
  const std::map<std::string, std::string> metadata{
      {"data.position", "12345"},
      {"command", "train --lr 2e-4 --out 'runs/a b'"},
      {"empty", ""},
      {"steps", "not the step count"},
      {"generator.parameters", "not the parameters"},
      {"text with\nnewline", std::string("nul\0inside", 10)},
  };
  Trainer saved(options_with<Trainer>(6));
  train(saved, 0, 2);
  saved.save_checkpoint(dir.path() / "meta.ckpt", metadata);
  Trainer loaded(options_with<Trainer>(6));
  const std::map<std::string, std::string> read = loaded.load_checkpoint(dir.path() / "meta.ckpt");

  BOOST_TEST(read.size() == metadata.size());
  for (const auto& [key, value] : metadata) {
    BOOST_TEST_CONTEXT("key '" << key << "'") {
      BOOST_TEST_REQUIRE(read.count(key) == 1u);
      BOOST_TEST(read.at(key) == value);
    }
  }
  BOOST_TEST(loaded.steps() == 2u);
}

BOOST_AUTO_TEST_CASE(checkpoint_without_metadata_loads_none) {
  using Trainer = AdamFloat::Trainer;
  TemporaryDirectory dir;
  Trainer saved(options_with<Trainer>(7));
  saved.save_checkpoint(dir.path() / "plain.ckpt");
  Trainer loaded(options_with<Trainer>(7));
  BOOST_TEST(loaded.load_checkpoint(dir.path() / "plain.ckpt").empty());
}

BOOST_AUTO_TEST_CASE(saving_over_a_checkpoint_replaces_it_whole_and_leaves_no_partial_file) {
  using Trainer = AdamFloat::Trainer;
  const std::uint64_t seed = 8;
  TemporaryDirectory dir;
  BOOST_TEST_CONTEXT("seed " << seed) {
    const fs::path path = dir.path() / "latest.ckpt";
    Trainer trainer(options_with<Trainer>(seed));
    train(trainer, 0, 2);
    trainer.save_checkpoint(path, {{"at", "2"}});
    const std::vector<char> earlier = file_bytes(path);
    train(trainer, 2, 4);
    trainer.save_checkpoint(path, {{"at", "4"}});

    BOOST_TEST(dir.listing() == std::vector<std::string>{"latest.ckpt"}, tt::per_element());
    BOOST_TEST((file_bytes(path) != earlier));
    Trainer loaded(options_with<Trainer>(seed));
    const auto metadata = loaded.load_checkpoint(path);
    BOOST_TEST(metadata.at("at") == "4");
    BOOST_TEST(loaded.steps() == 4u);
    BOOST_TEST(
        bits(loaded.discriminator().parameters()) == bits(trainer.discriminator().parameters()),
        tt::per_element());
  }
}

BOOST_AUTO_TEST_SUITE_END()
