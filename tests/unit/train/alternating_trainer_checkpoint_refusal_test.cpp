// SPDX-License-Identifier: MIT
// AlternatingTrainer checkpoints that must not load: another architecture, loss, optimizer,
// prior or scalar type, truncated or damaged files, garbage; and saves that cannot complete.
// Every refusal is a gan::CheckpointError naming the file, and leaves the trainer as it was.
#define BOOST_TEST_MODULE train_alternating_trainer_checkpoint_refusal
#include <boost/test/unit_test.hpp>

#include <gan/gan.hpp>

#include "support/bits.hpp"
#include "support/temporary_files.hpp"
#include "support/trainer_fixtures.hpp"

#include <Eigen/Core>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <limits>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
namespace tt = boost::test_tools;

using namespace gan::test_support;

using Trainer = gan::AlternatingTrainer<Generator, Discriminator>;

template <typename T>
void train(T& trainer, int steps) {
  using Scalar = typename T::Generator::scalar_type;
  for (int i = 0; i < steps; ++i)
    trainer.step(real_batch<Scalar>(900 + static_cast<std::uint64_t>(i), 2, 8));
}

/// The trainer that every refused checkpoint is offered to, after 3 steps of training.
struct Target {
  Target() : trainer(options_with<Trainer>(kSeed)) { train(trainer, 3); }
  static constexpr std::uint64_t kSeed = 42;
  Trainer trainer;
};

/// Requires load_checkpoint(path) to throw a CheckpointError whose message names the file and
/// holds every one of `parts`, and to leave `trainer` exactly as it was: same parameters, same
/// computations, and a byte-identical checkpoint of itself.
template <typename AnyTrainer>
void require_refused(AnyTrainer& trainer, const fs::path& path,
                     std::initializer_list<std::string> parts) {
  const TemporaryFile scratch;
  const gan::Vector<float> generator_before = trainer.generator().parameters();
  const gan::Vector<float> discriminator_before = trainer.discriminator().parameters();
  trainer.save_checkpoint(scratch.path());
  const std::vector<char> state_before = file_bytes(scratch.path());
  gan::Rng noise_rng(3);
  const gan::Matrix<float> noise = AnyTrainer::draw_noise(8, noise_rng);
  const gan::Matrix<float> samples_before = trainer.generate(noise);

  try {
    trainer.load_checkpoint(path);
    BOOST_ERROR("loading '" << path.string() << "' did not throw");
  } catch (const gan::CheckpointError& error) {
    const std::string what = error.what();
    BOOST_TEST_CONTEXT(what) {
      BOOST_TEST(what.find(path.string()) != std::string::npos);
      for (const std::string& part : parts) {
        BOOST_TEST_CONTEXT("expected part: " << part) {
          BOOST_TEST(what.find(part) != std::string::npos);
        }
      }
    }
  }

  BOOST_TEST(bits(trainer.generator().parameters()) == bits(generator_before), tt::per_element());
  BOOST_TEST(bits(trainer.discriminator().parameters()) == bits(discriminator_before),
             tt::per_element());
  BOOST_TEST(bits(trainer.generate(noise)) == bits(samples_before), tt::per_element());
  trainer.save_checkpoint(scratch.path());
  BOOST_TEST((file_bytes(scratch.path()) == state_before));
}

/// Saves a checkpoint of `other` after 2 steps and requires the target to refuse it, with both
/// of the differing descriptions in the message.
template <typename Other>
void require_other_trainer_refused(Other& other, const std::string& theirs,
                                   const std::string& ours) {
  TemporaryDirectory dir;
  Target target;
  BOOST_TEST_CONTEXT("target seed " << Target::kSeed << ", theirs '" << theirs << "', ours '"
                                    << ours << "'") {
    train(other, 2);
    const fs::path path = dir.path() / "other.ckpt";
    other.save_checkpoint(path);
    require_refused(target.trainer, path, {theirs, ours});
  }
}

/// The bytes of a valid checkpoint of the target's kind, after 2 steps.
std::vector<char> valid_checkpoint_bytes(const TemporaryDirectory& dir) {
  Trainer source(options_with<Trainer>(7));
  train(source, 2);
  source.save_checkpoint(dir.path() / "valid.ckpt");
  return file_bytes(dir.path() / "valid.ckpt");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(alternating_trainer_checkpoint_refusal)

BOOST_AUTO_TEST_CASE(another_generator_architecture_is_refused) {
  // Same shapes and parameter count as the target's generator; only the activation differs.
  using OtherGenerator = gan::Sequential<gan::Dense<3, 8>, gan::Tanh, gan::Dense<8, 2>>;
  using Other = gan::AlternatingTrainer<OtherGenerator, Discriminator>;
  static_assert(Other::Generator::parameter_count == Trainer::Generator::parameter_count);
  Other other(options_with<Other>(1));
  require_other_trainer_refused(other, other.generator().describe(), Generator{}.describe());
}

BOOST_AUTO_TEST_CASE(another_generator_size_is_refused) {
  using OtherGenerator = gan::Sequential<gan::Dense<3, 16>, gan::LeakyRelu, gan::Dense<16, 2>>;
  using Other = gan::AlternatingTrainer<OtherGenerator, Discriminator>;
  Other other(options_with<Other>(1));
  require_other_trainer_refused(other, other.generator().describe(), Generator{}.describe());
}

BOOST_AUTO_TEST_CASE(another_discriminator_setting_of_the_same_type_is_refused) {
  // The same C++ type as the target's discriminator, with another LeakyReLU slope: only the
  // recorded description can tell them apart.
  const Discriminator other_architecture{gan::Dense<2, 6>{}, gan::LeakyRelu{0.1},
                                         gan::Dense<6, 1>{}};
  Trainer other(options_with<Trainer>(1), Generator{}, other_architecture);
  require_other_trainer_refused(other, other.discriminator().describe(),
                                Discriminator{}.describe());
}

BOOST_AUTO_TEST_CASE(another_loss_policy_is_refused) {
  using Other = gan::AlternatingTrainer<Generator, Discriminator, gan::LeastSquaresLoss>;
  Other other(options_with<Other>(1));
  require_other_trainer_refused(other, "least-squares", "non-saturating");
}

BOOST_AUTO_TEST_CASE(another_optimizer_is_refused) {
  using Other = gan::AlternatingTrainer<Generator, Discriminator, gan::NonSaturatingLoss, gan::Sgd>;
  Other other(options_with<Other>(1));
  require_other_trainer_refused(other, "'sgd'", "'adam'");
}

BOOST_AUTO_TEST_CASE(another_noise_prior_is_refused) {
  using Other = gan::AlternatingTrainer<Generator, Discriminator, gan::NonSaturatingLoss, gan::Adam,
                                        gan::Uniform>;
  Other other(options_with<Other>(1));
  require_other_trainer_refused(other, "'uniform'", "'normal'");
}

BOOST_AUTO_TEST_CASE(another_scalar_type_is_refused) {
  using Other = gan::AlternatingTrainer<Generator, Discriminator, gan::NonSaturatingLoss, gan::Adam,
                                        gan::StandardNormal, double>;
  Other other(options_with<Other>(1));
  require_other_trainer_refused(other, "float64", "float32");
}

BOOST_AUTO_TEST_CASE(float_checkpoint_is_refused_by_a_double_trainer) {
  using Double = gan::AlternatingTrainer<Generator, Discriminator, gan::NonSaturatingLoss,
                                         gan::Adam, gan::StandardNormal, double>;
  TemporaryDirectory dir;
  Target source;
  source.trainer.save_checkpoint(dir.path() / "float.ckpt");
  Double trainer(options_with<Double>(1));
  train(trainer, 1);
  const gan::Vector<double> before = trainer.generator().parameters();
  try {
    trainer.load_checkpoint(dir.path() / "float.ckpt");
    BOOST_ERROR("a double trainer loaded a float checkpoint");
  } catch (const gan::CheckpointError& error) {
    const std::string what = error.what();
    BOOST_TEST_CONTEXT(what) {
      BOOST_TEST(what.find((dir.path() / "float.ckpt").string()) != std::string::npos);
      BOOST_TEST(what.find("float32") != std::string::npos);
      BOOST_TEST(what.find("float64") != std::string::npos);
    }
  }
  BOOST_TEST(bits(trainer.generator().parameters()) == bits(before), tt::per_element());
}

BOOST_AUTO_TEST_CASE(truncated_checkpoint_is_refused) {
  TemporaryDirectory dir;
  const std::vector<char> bytes = valid_checkpoint_bytes(dir);
  const std::size_t size = bytes.size();
  // Up to 19 bytes the file is too short to be a checkpoint; from 20 on the checksum catches
  // it. size - 4 drops exactly the checksum; size - 1 is the likeliest short write.
  for (const std::size_t length :
       {std::size_t{0}, std::size_t{7}, std::size_t{19}, std::size_t{20}, std::size_t{21},
        size / 10, size / 3, size / 2, size - 5, size - 4, size - 1}) {
    BOOST_TEST_CONTEXT("cut at " << length << " of " << size << " bytes") {
      const fs::path path = dir.path() / ("cut_" + std::to_string(length) + ".ckpt");
      write_bytes(path, std::vector<char>(bytes.begin(),
                                          bytes.begin() + static_cast<std::ptrdiff_t>(length)));
      Target target;
      require_refused(target.trainer, path, {});
    }
  }
}

BOOST_AUTO_TEST_CASE(checkpoint_with_a_flipped_byte_is_refused) {
  TemporaryDirectory dir;
  const std::vector<char> bytes = valid_checkpoint_bytes(dir);
  for (const std::size_t at : {std::size_t{9}, bytes.size() / 2, bytes.size() - 5}) {
    BOOST_TEST_CONTEXT("byte " << at << " of " << bytes.size() << " flipped") {
      std::vector<char> damaged = bytes;
      damaged[at] = static_cast<char>(damaged[at] ^ 0x10);
      const fs::path path = dir.path() / ("flipped_" + std::to_string(at) + ".ckpt");
      write_bytes(path, damaged);
      Target target;
      require_refused(target.trainer, path, {"checksum"});
    }
  }
}

BOOST_AUTO_TEST_CASE(file_of_garbage_is_refused) {
  const std::uint64_t seed = 99;
  TemporaryDirectory dir;
  BOOST_TEST_CONTEXT("garbage seed " << seed) {
    gan::Rng rng(seed);
    std::vector<char> garbage(4096);
    for (char& byte : garbage) byte = static_cast<char>(rng.next_u32() & 0xff);
    write_bytes(dir.path() / "garbage.ckpt", garbage);
    Target target;
    require_refused(target.trainer, dir.path() / "garbage.ckpt", {"signature"});

    // Garbage behind the right signature is caught by the checksum.
    const std::string magic = "GANCKPT\n";
    std::copy(magic.begin(), magic.end(), garbage.begin());
    write_bytes(dir.path() / "signed_garbage.ckpt", garbage);
    require_refused(target.trainer, dir.path() / "signed_garbage.ckpt", {"checksum"});
  }
}

BOOST_AUTO_TEST_CASE(checkpoint_with_a_value_that_is_not_finite_is_refused_naming_the_entry) {
  // Loaded, such a value would turn every sample into NaN, written out as black pixels.
  TemporaryDirectory dir;
  const fs::path path = dir.path() / "not_finite.ckpt";
  for (const float value :
       {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
        -std::numeric_limits<float>::infinity()}) {
    BOOST_TEST_CONTEXT("value " << value) {
      Trainer source(options_with<Trainer>(7));
      train(source, 2);
      source.generator().parameters()(5) = value;
      source.save_checkpoint(path);
      Target target;
      require_refused(target.trainer, path, {"generator.parameters", "index 5", "finite"});
    }
  }
}

BOOST_AUTO_TEST_CASE(negative_running_variance_is_refused_naming_the_entry_and_index) {
  // Finite, yet loaded it once made every sample NaN: all-black images, and exit status 0.
  using NormedGenerator = gan::Sequential<gan::Dense<3, 4>, gan::BatchNorm<4>, gan::Dense<4, 2>>;
  using NormedTrainer = gan::AlternatingTrainer<NormedGenerator, Discriminator>;
  TemporaryDirectory dir;
  const fs::path path = dir.path() / "negative_variance.ckpt";
  NormedTrainer source(options_with<NormedTrainer>(7));
  source.generator().state()(4 + 2) = -0.5f;  // channel 2's running variance
  source.save_checkpoint(path);
  NormedTrainer target(options_with<NormedTrainer>(42));
  require_refused(
      target, path,
      {"'generator.state'", "running variance of at least 0 at index 6", "channel 2", "got -0.5"});
}

BOOST_AUTO_TEST_CASE(missing_file_is_refused) {
  TemporaryDirectory dir;
  Target target;
  require_refused(target.trainer, dir.path() / "never_written.ckpt", {"could not open"});
}

BOOST_AUTO_TEST_CASE(failed_save_throws_naming_the_path_and_leaves_no_partial_file) {
  TemporaryDirectory dir;
  Target target;
  // A directory where the checkpoint should go: the final rename cannot replace it.
  const fs::path blocked = dir.path() / "blocked.ckpt";
  fs::create_directory(blocked);
  BOOST_CHECK_EXCEPTION(target.trainer.save_checkpoint(blocked), gan::CheckpointError,
                        [&](const gan::CheckpointError& error) {
                          return std::string(error.what()).find(blocked.string()) !=
                                 std::string::npos;
                        });
  BOOST_TEST(dir.listing() == std::vector<std::string>{"blocked.ckpt"}, tt::per_element());
  BOOST_TEST(fs::is_directory(blocked));

  const fs::path missing = dir.path() / "no_such_directory" / "a.ckpt";
  BOOST_CHECK_THROW(target.trainer.save_checkpoint(missing), gan::CheckpointError);
  BOOST_TEST(dir.listing() == std::vector<std::string>{"blocked.ckpt"}, tt::per_element());
}

BOOST_AUTO_TEST_SUITE_END()
