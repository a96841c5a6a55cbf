// SPDX-License-Identifier: MIT
// AlternatingTrainer: the order of its two phases, what each phase freezes, the k
// discriminator steps per generator step, and the two optimizers that share nothing.
//
// Both phases run inside step(), so they are observed through the public API only: a batch
// source is called at the start of every discriminator step and sees the networks between
// phases, and a hand-written reference step, built from copies of the trainer's networks,
// optimizers and random stream, must reproduce every bit of what step() did.
#define BOOST_TEST_MODULE train_alternating_trainer_phases
#include <boost/test/unit_test.hpp>

#include <gan/gan.hpp>

#include "support/bits.hpp"
#include "support/trainer_fixtures.hpp"

#include <Eigen/Core>

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

namespace {

namespace tt = boost::test_tools;
using namespace gan::test_support;

// Generator and Discriminator have 50 and 25 parameters: different, so that an optimizer sized
// for the wrong network shows, and odd in sum, so that the random stream stops mid-block after
// initialisation.

template <typename LossPolicy, template <typename> class OptimizerTemplate, typename ScalarType>
struct Config {
  using Loss = LossPolicy;
  using Scalar = ScalarType;
  using Trainer = gan::AlternatingTrainer<Generator, Discriminator, Loss, OptimizerTemplate,
                                          gan::StandardNormal, Scalar>;
};

using AdamFloat = Config<gan::NonSaturatingLoss, gan::Adam, float>;
using configs = std::tuple<AdamFloat, Config<gan::LeastSquaresLoss, gan::Sgd, double>,
                           Config<gan::MinimaxLoss, gan::Adam, double>>;

/// How the reference runs D on the real and the fake batch: side by side in one pass, as the
/// trainer does for a discriminator whose samples are independent (these tests' is), or in two
/// separate passes, as it does for one with batch norm.
enum class Passes { joint, separate };

/// One training step written out by hand from the public Network, loss and optimizer API, run
/// on copies of a trainer's networks, optimizers and random stream. Every pass gets fresh
/// Activations, so nothing carries over from a previous batch size.
template <typename C>
class ReferenceStep {
 public:
  using Trainer = typename C::Trainer;
  using Scalar = typename C::Scalar;
  using Loss = typename C::Loss;
  using G = typename Trainer::Generator;
  using D = typename Trainer::Discriminator;

  explicit ReferenceStep(const Trainer& trainer, Passes passes = Passes::joint)
      : passes_(passes),
        generator_(trainer.generator()),
        discriminator_(trainer.discriminator()),
        generator_optimizer_(trainer.generator_optimizer()),
        discriminator_optimizer_(trainer.discriminator_optimizer()),
        rng_(trainer.rng()) {}

  /// Discriminator update on `real`, with G frozen.
  void discriminator_step(const gan::Matrix<Scalar>& real) {
    noise_ = Trainer::draw_noise(static_cast<std::size_t>(real.cols()), rng_);
    generator_pass_ = typename G::Activations{};
    const gan::Matrix<Scalar>& fake = generator_.forward(noise_, generator_pass_);

    discriminator_.zero_gradients();
    gan::Matrix<Scalar> real_gradient;
    gan::Matrix<Scalar> fake_gradient;
    if (passes_ == Passes::joint) {
      const Eigen::Index n = real.cols();
      gan::Matrix<Scalar> both(real.rows(), 2 * n);
      both << real, fake;
      typename D::Activations pass;
      const gan::Matrix<Scalar>& logits = discriminator_.forward(both, pass);
      const gan::Matrix<Scalar> real_logits = logits.leftCols(n);
      const gan::Matrix<Scalar> fake_logits = logits.rightCols(n);
      discriminator_loss =
          Loss::discriminator_loss(real_logits, fake_logits, real_gradient, fake_gradient);
      gan::Matrix<Scalar> gradient(1, 2 * n);
      gradient << real_gradient, fake_gradient;
      discriminator_.backward(gradient, pass, gan::Backprop::parameters_only);
    } else {
      typename D::Activations real_pass;
      typename D::Activations fake_pass;
      const gan::Matrix<Scalar>& real_logits = discriminator_.forward(real, real_pass);
      const gan::Matrix<Scalar>& fake_logits = discriminator_.forward(fake, fake_pass);
      discriminator_loss =
          Loss::discriminator_loss(real_logits, fake_logits, real_gradient, fake_gradient);
      discriminator_.backward(real_gradient, real_pass, gan::Backprop::parameters_only);
      discriminator_.backward(fake_gradient, fake_pass, gan::Backprop::parameters_only);
    }
    discriminator_optimizer_.step(discriminator_.parameters(), discriminator_.gradients());
  }

  /// Generator update through `critic` (normally this reference's own, updated D), on the
  /// fakes of the last discriminator step; `critic` is only read from.
  void generator_step(const D& critic) {
    D frozen = critic;
    typename D::Activations pass;
    const gan::Matrix<Scalar>& logits = frozen.forward(generator_pass_.output(), pass);
    gan::Matrix<Scalar> gradient;
    generator_loss = Loss::generator_loss(logits, gradient);
    frozen.backward(gradient, pass, gan::Backprop::input_only);
    generator_.zero_gradients();
    generator_.backward(pass.input_gradient(), generator_pass_, gan::Backprop::parameters_only);
    generator_optimizer_.step(generator_.parameters(), generator_.gradients());
  }
  void generator_step() { generator_step(discriminator_); }

  const G& generator() const { return generator_; }
  const D& discriminator() const { return discriminator_; }

  double discriminator_loss = 0;
  double generator_loss = 0;

 private:
  Passes passes_;
  G generator_;
  D discriminator_;
  typename Trainer::OptimizerType generator_optimizer_;
  typename Trainer::OptimizerType discriminator_optimizer_;
  gan::Rng rng_;
  gan::Matrix<Scalar> noise_;
  typename G::Activations generator_pass_;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(alternating_trainer_phases)

BOOST_AUTO_TEST_CASE(discriminator_steps_leave_the_generator_bit_identical) {
  using Trainer = AdamFloat::Trainer;
  const std::uint64_t seed = 11;
  BOOST_TEST_CONTEXT("seed " << seed << ", 3 discriminator steps per generator step") {
    Trainer trainer(options_with<Trainer>(seed, 3));
    std::vector<gan::Vector<float>> generator_seen;
    std::vector<gan::Vector<float>> discriminator_seen;
    std::uint64_t batch_seed = 100;
    gan::Matrix<float> batch;
    // Called at the start of each discriminator step, so calls 2 and 3 see the networks
    // after discriminator steps 1 and 2 and before any generator update.
    trainer.step([&]() -> const gan::Matrix<float>& {
      generator_seen.push_back(trainer.generator().parameters());
      discriminator_seen.push_back(trainer.discriminator().parameters());
      batch = real_batch<float>(batch_seed++, 2, 8);
      return batch;
    });

    BOOST_TEST_REQUIRE(generator_seen.size() == 3u);
    for (std::size_t call = 1; call < 3; ++call) {
      BOOST_TEST_CONTEXT("discriminator step " << call) {
        BOOST_TEST(bits(generator_seen[call]) == bits(generator_seen[0]), tt::per_element());
        BOOST_TEST(bits(discriminator_seen[call]) != bits(discriminator_seen[call - 1]));
      }
    }
    // The generator step that follows does move G, so the comparison above could fail.
    BOOST_TEST(bits(trainer.generator().parameters()) != bits(generator_seen[0]));
  }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(discriminator_update_comes_first_and_the_generator_phase_leaves_it, C,
                              configs) {
  using Trainer = typename C::Trainer;
  for (const std::size_t k : {std::size_t{1}, std::size_t{3}}) {
    const std::uint64_t seed = 21;
    BOOST_TEST_CONTEXT("seed " << seed << ", k " << k << ", loss " << C::Loss::name) {
      Trainer trainer(options_with<Trainer>(seed, k));
      ReferenceStep<C> reference(trainer);
      for (int step = 0; step < 3; ++step) {
        std::uint64_t batch_seed = 1000 + 10 * static_cast<std::uint64_t>(step);
        gan::Matrix<typename C::Scalar> batch;
        trainer.step([&]() -> const gan::Matrix<typename C::Scalar>& {
          batch = real_batch<typename C::Scalar>(batch_seed, 2, 8);
          reference.discriminator_step(batch);
          ++batch_seed;
          return batch;
        });
        reference.generator_step();

        BOOST_TEST_CONTEXT("step " << step + 1) {
          // D after step() is D after its own phase: the generator phase changed neither its
          // parameters nor its gradient buffer (Backprop::input_only).
          BOOST_TEST(bits(trainer.discriminator().parameters()) ==
                         bits(reference.discriminator().parameters()),
                     tt::per_element());
          BOOST_TEST(bits(trainer.discriminator().gradients()) ==
                         bits(reference.discriminator().gradients()),
                     tt::per_element());
          BOOST_TEST(reference.discriminator().gradients().squaredNorm() > 0);
        }
      }
    }
  }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(generator_update_uses_the_updated_discriminator, C, configs) {
  using Trainer = typename C::Trainer;
  using Scalar = typename C::Scalar;
  for (const std::size_t k : {std::size_t{1}, std::size_t{3}}) {
    const std::uint64_t seed = 31;
    BOOST_TEST_CONTEXT("seed " << seed << ", k " << k << ", loss " << C::Loss::name) {
      Trainer trainer(options_with<Trainer>(seed, k));
      ReferenceStep<C> reference(trainer);
      ReferenceStep<C> against_old_discriminator(trainer);
      const typename Trainer::Discriminator old_discriminator = trainer.discriminator();
      std::uint64_t batch_seed = 2000;
      gan::Matrix<Scalar> batch;
      const gan::StepStats stats = trainer.step([&]() -> const gan::Matrix<Scalar>& {
        batch = real_batch<Scalar>(batch_seed++, 2, 8);
        reference.discriminator_step(batch);
        against_old_discriminator.discriminator_step(batch);
        return batch;
      });
      reference.generator_step();
      against_old_discriminator.generator_step(old_discriminator);

      BOOST_TEST(bits(trainer.generator().parameters()) == bits(reference.generator().parameters()),
                 tt::per_element());
      BOOST_TEST(bits(trainer.generator().gradients()) == bits(reference.generator().gradients()),
                 tt::per_element());
      BOOST_TEST(bits(stats.discriminator_loss) == bits(reference.discriminator_loss));
      BOOST_TEST(bits(stats.generator_loss) == bits(reference.generator_loss));
      // The order is observable: against the old D, G gets another gradient. (Its parameters
      // may still agree, since Adam's first update is close to lr * sign(gradient).)
      BOOST_TEST(bits(trainer.generator().gradients()) !=
                 bits(against_old_discriminator.generator().gradients()));
    }
  }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(one_joint_pass_equals_two_separate_passes, C, configs) {
  // The trainer runs this discriminator on the real and the fake batch side by side; two
  // separate passes give the same gradient, up to the rounding of wider products.
  using Trainer = typename C::Trainer;
  using Scalar = typename C::Scalar;
  static_assert(Trainer::Discriminator::samples_are_independent);
  Trainer trainer(options_with<Trainer>(5));
  ReferenceStep<C> separate(trainer, Passes::separate);
  const gan::Matrix<Scalar> real = real_batch<Scalar>(4, 2, 9);
  const gan::StepStats stats = trainer.step(real);
  separate.discriminator_step(real);
  const double tolerance = std::is_same_v<Scalar, float> ? 1e-5 : 1e-12;
  const auto found = trainer.discriminator().gradients();
  const auto expected = separate.discriminator().gradients();
  BOOST_TEST((found - expected).cwiseAbs().maxCoeff() <=
             tolerance * expected.cwiseAbs().maxCoeff());
  BOOST_TEST(stats.discriminator_loss == separate.discriminator_loss, tt::tolerance(tolerance));
}

BOOST_AUTO_TEST_CASE(batches_of_changing_size_update_exactly_as_on_fresh_buffers) {
  using Trainer = AdamFloat::Trainer;
  const std::uint64_t seed = 41;
  Trainer trainer(options_with<Trainer>(seed));
  ReferenceStep<AdamFloat> reference(trainer);
  const std::vector<Eigen::Index> sizes{8, 5, 8, 1, 13};
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    BOOST_TEST_CONTEXT("seed " << seed << ", step " << i + 1 << ", batch of " << sizes[i]) {
      const gan::Matrix<float> batch = real_batch<float>(3000 + i, 2, sizes[i]);
      const gan::StepStats stats = trainer.step(batch);
      reference.discriminator_step(batch);
      reference.generator_step();

      BOOST_TEST(stats.batch_size == static_cast<std::size_t>(sizes[i]));
      BOOST_TEST(bits(stats.discriminator_loss) == bits(reference.discriminator_loss));
      BOOST_TEST(bits(stats.generator_loss) == bits(reference.generator_loss));
      BOOST_TEST(bits(trainer.discriminator().parameters()) ==
                     bits(reference.discriminator().parameters()),
                 tt::per_element());
      BOOST_TEST(bits(trainer.generator().parameters()) == bits(reference.generator().parameters()),
                 tt::per_element());
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(alternating_trainer_optimizers)

BOOST_AUTO_TEST_CASE(each_optimizer_is_sized_to_its_own_network) {
  using AdamTrainer = AdamFloat::Trainer;
  using SgdTrainer = gan::AlternatingTrainer<Generator, Discriminator, gan::NonSaturatingLoss,
                                             gan::Sgd, gan::StandardNormal, float>;
  static_assert(AdamTrainer::Generator::parameter_count !=
                AdamTrainer::Discriminator::parameter_count);
  const AdamTrainer adam(options_with<AdamTrainer>(1));
  const SgdTrainer sgd(options_with<SgdTrainer>(1));
  const auto g = static_cast<Eigen::Index>(AdamTrainer::Generator::parameter_count);
  const auto d = static_cast<Eigen::Index>(AdamTrainer::Discriminator::parameter_count);

  BOOST_TEST(adam.generator_optimizer().first_moment().size() == g);
  BOOST_TEST(adam.generator_optimizer().second_moment().size() == g);
  BOOST_TEST(adam.discriminator_optimizer().first_moment().size() == d);
  BOOST_TEST(adam.discriminator_optimizer().second_moment().size() == d);
  BOOST_TEST(sgd.generator_optimizer().velocity().size() == g);
  BOOST_TEST(sgd.discriminator_optimizer().velocity().size() == d);
}

BOOST_AUTO_TEST_CASE(each_optimizer_keeps_its_own_hyperparameters) {
  using Trainer = AdamFloat::Trainer;
  Trainer::Options options = options_with<Trainer>(2);
  options.generator_optimizer = {1e-3, 0.3, 0.99, 1e-7};
  options.discriminator_optimizer = {4e-4, 0.7, 0.9, 1e-6};
  const Trainer trainer(options);

  const auto& g = trainer.generator_optimizer().hyperparameters();
  const auto& d = trainer.discriminator_optimizer().hyperparameters();
  BOOST_TEST(g.learning_rate == 1e-3);
  BOOST_TEST(g.beta1 == 0.3);
  BOOST_TEST(g.beta2 == 0.99);
  BOOST_TEST(g.epsilon == 1e-7);
  BOOST_TEST(d.learning_rate == 4e-4);
  BOOST_TEST(d.beta1 == 0.7);
  BOOST_TEST(d.beta2 == 0.9);
  BOOST_TEST(d.epsilon == 1e-6);
}

BOOST_AUTO_TEST_CASE(each_optimizer_moves_on_its_own_network_gradients_only) {
  using Trainer = AdamFloat::Trainer;
  const std::uint64_t seed = 3;
  BOOST_TEST_CONTEXT("seed " << seed) {
    Trainer trainer(options_with<Trainer>(seed));
    trainer.step(real_batch<float>(50, 2, 8));
    // After one Adam update from zero moments with beta1 = 1/2, m = g / 2 exactly: each
    // optimizer's moment is half of its own network's gradient and nothing else.
    BOOST_TEST_REQUIRE(trainer.generator_optimizer().hyperparameters().beta1 == 0.5);
    BOOST_TEST_REQUIRE(trainer.discriminator_optimizer().hyperparameters().beta1 == 0.5);
    const gan::Vector<float> half_g = trainer.generator().gradients() * 0.5f;
    const gan::Vector<float> half_d = trainer.discriminator().gradients() * 0.5f;
    BOOST_TEST(bits(trainer.generator_optimizer().first_moment()) == bits(half_g),
               tt::per_element());
    BOOST_TEST(bits(trainer.discriminator_optimizer().first_moment()) == bits(half_d),
               tt::per_element());
    BOOST_TEST(trainer.generator_optimizer().steps() == 1u);
    BOOST_TEST(trainer.discriminator_optimizer().steps() == 1u);
    BOOST_TEST(half_g.squaredNorm() > 0);
    BOOST_TEST(half_d.squaredNorm() > 0);
  }
}

BOOST_AUTO_TEST_CASE(generator_learning_rate_changes_nothing_in_the_first_discriminator_update) {
  using Trainer = AdamFloat::Trainer;
  const std::uint64_t seed = 4;
  BOOST_TEST_CONTEXT("seed " << seed << ", generator learning rates 1e-4 and 1e-2") {
    Trainer::Options slow = options_with<Trainer>(seed);
    Trainer::Options fast = options_with<Trainer>(seed);
    slow.generator_optimizer.learning_rate = 1e-4;
    fast.generator_optimizer.learning_rate = 1e-2;
    Trainer a(slow);
    Trainer b(fast);
    const gan::Matrix<float> batch = real_batch<float>(60, 2, 8);
    const gan::StepStats stats_a = a.step(batch);
    const gan::StepStats stats_b = b.step(batch);

    BOOST_TEST(bits(stats_a.discriminator_loss) == bits(stats_b.discriminator_loss));
    BOOST_TEST(bits(a.discriminator().parameters()) == bits(b.discriminator().parameters()),
               tt::per_element());
    BOOST_TEST(bits(a.discriminator_optimizer().first_moment()) ==
                   bits(b.discriminator_optimizer().first_moment()),
               tt::per_element());
    BOOST_TEST(bits(a.discriminator_optimizer().second_moment()) ==
                   bits(b.discriminator_optimizer().second_moment()),
               tt::per_element());
    // ... while the generator, which did get another learning rate, moved differently.
    BOOST_TEST(bits(a.generator().parameters()) != bits(b.generator().parameters()));
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(alternating_trainer_discriminator_steps)

BOOST_AUTO_TEST_CASE(batch_source_is_called_once_per_discriminator_step) {
  using Trainer = AdamFloat::Trainer;
  const std::uint64_t seed = 5;
  BOOST_TEST_CONTEXT("seed " << seed << ", k 3, 4 steps") {
    Trainer trainer(options_with<Trainer>(seed, 3));
    std::size_t calls = 0;
    gan::Matrix<float> batch;
    for (std::uint64_t step = 1; step <= 4; ++step) {
      const gan::StepStats stats = trainer.step([&]() -> const gan::Matrix<float>& {
        batch = real_batch<float>(70 + calls, 2, 8);
        ++calls;
        return batch;
      });
      BOOST_TEST(calls == 3 * step);
      BOOST_TEST(stats.discriminator_steps == 3u);
      BOOST_TEST(stats.step == step);
    }
    BOOST_TEST(trainer.discriminator_optimizer().steps() == 12u);
    BOOST_TEST(trainer.generator_optimizer().steps() == 4u);
    BOOST_TEST(trainer.steps() == 4u);
  }
}

BOOST_AUTO_TEST_CASE(single_batch_is_refused_when_several_discriminator_steps_are_asked_for) {
  using Trainer = AdamFloat::Trainer;
  Trainer trainer(options_with<Trainer>(6, 3));
  const gan::Vector<float> generator_before = trainer.generator().parameters();
  const gan::Vector<float> discriminator_before = trainer.discriminator().parameters();
  const gan::Rng::State rng_before = trainer.rng().state();

  try {
    trainer.step(real_batch<float>(80, 2, 8));
    BOOST_ERROR("step(batch) with 3 discriminator steps did not throw");
  } catch (const std::invalid_argument& error) {
    const std::string what = error.what();
    BOOST_TEST_CONTEXT(what) {
      BOOST_TEST(what.find("3 discriminator steps") != std::string::npos);
      BOOST_TEST(what.find("single batch") != std::string::npos);
    }
  }
  BOOST_TEST(trainer.steps() == 0u);
  BOOST_TEST((trainer.rng().state() == rng_before));
  BOOST_TEST(bits(trainer.generator().parameters()) == bits(generator_before), tt::per_element());
  BOOST_TEST(bits(trainer.discriminator().parameters()) == bits(discriminator_before),
             tt::per_element());
}

BOOST_AUTO_TEST_CASE(zero_discriminator_steps_are_refused) {
  using Trainer = AdamFloat::Trainer;
  try {
    const Trainer trainer(options_with<Trainer>(7, 0));
    BOOST_ERROR("a trainer with 0 discriminator steps was constructed");
  } catch (const std::invalid_argument& error) {
    const std::string what = error.what();
    BOOST_TEST_CONTEXT(what) { BOOST_TEST(what.find("got 0") != std::string::npos); }
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(alternating_trainer_sampling)

BOOST_AUTO_TEST_CASE(observers_receive_the_statistics_that_step_returns) {
  using Trainer = AdamFloat::Trainer;
  Trainer trainer(options_with<Trainer>(8));
  std::vector<gan::StepStats> first;
  std::vector<gan::StepStats> second;
  trainer.add_observer([&](const gan::StepStats& stats) { first.push_back(stats); });
  trainer.add_observer([&](const gan::StepStats& stats) { second.push_back(stats); });
  std::vector<gan::StepStats> returned;
  for (std::uint64_t i = 0; i < 3; ++i)
    returned.push_back(trainer.step(real_batch<float>(90 + i, 2, 8)));

  BOOST_TEST_REQUIRE(first.size() == 3u);
  BOOST_TEST_REQUIRE(second.size() == 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    BOOST_TEST_CONTEXT("step " << i + 1) {
      BOOST_TEST(first[i].step == i + 1);
      BOOST_TEST(second[i].step == i + 1);
      BOOST_TEST(bits(first[i].discriminator_loss) == bits(returned[i].discriminator_loss));
      BOOST_TEST(bits(first[i].generator_loss) == bits(returned[i].generator_loss));
      BOOST_TEST(bits(second[i].generator_loss) == bits(returned[i].generator_loss));
      BOOST_TEST(first[i].batch_size == 8u);
    }
  }
}

BOOST_AUTO_TEST_CASE(sampling_between_steps_does_not_change_the_course_of_training) {
  using Trainer = AdamFloat::Trainer;
  const std::uint64_t seed = 9;
  BOOST_TEST_CONTEXT("seed " << seed) {
    Trainer quiet(options_with<Trainer>(seed));
    Trainer sampled(options_with<Trainer>(seed));
    gan::Rng sampling_rng(123);
    for (std::uint64_t i = 0; i < 5; ++i) {
      const gan::Matrix<float> batch = real_batch<float>(100 + i, 2, 8);
      const gan::StepStats a = quiet.step(batch);
      const gan::Matrix<float> noise = Trainer::draw_noise(16, sampling_rng);
      const gan::Matrix<float> samples = sampled.generate(noise);
      sampled.discriminate(samples);
      sampled.discriminate(batch);
      const gan::StepStats b = sampled.step(batch);
      BOOST_TEST_CONTEXT("step " << i + 1) {
        BOOST_TEST(samples.cols() == 16);
        BOOST_TEST(bits(a.discriminator_loss) == bits(b.discriminator_loss));
        BOOST_TEST(bits(a.generator_loss) == bits(b.generator_loss));
      }
    }
    BOOST_TEST((quiet.rng().state() == sampled.rng().state()));
    BOOST_TEST(bits(quiet.generator().parameters()) == bits(sampled.generator().parameters()),
               tt::per_element());
  }
}

BOOST_AUTO_TEST_SUITE_END()
