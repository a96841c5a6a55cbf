// SPDX-License-Identifier: MIT
// AlternatingTrainer: the GAN training loop, one discriminator phase then one generator phase.
#pragma once

#include <gan/core/backend.hpp>
#include <gan/core/concepts.hpp>
#include <gan/core/error.hpp>
#include <gan/core/random.hpp>
#include <gan/core/shape.hpp>
#include <gan/core/tensor.hpp>
#include <gan/io/checkpoint.hpp>
#include <gan/losses/non_saturating.hpp>
#include <gan/nn/network.hpp>
#include <gan/noise/priors.hpp>
#include <gan/optim/adam.hpp>
#include <gan/train/step_stats.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace gan {

namespace diagnostics {

/// Instantiated only when the generator's output shape is not the discriminator's input
/// shape; the compiler's "In instantiation of" line names both.
template <typename GeneratorOutput, typename DiscriminatorInput>
struct GeneratorOutputDoesNotMatchDiscriminatorInput {
  static_assert(always_false<GeneratorOutput>,
                "gan::AlternatingTrainer: the generator's output shape must equal the "
                "discriminator's input shape (both are named in the 'In instantiation of' line "
                "above); change the generator's last layer or the discriminator's first layer");
  static constexpr bool value = false;
};

/// Instantiated only when the discriminator does not end in a single logit per sample.
template <typename DiscriminatorOutput>
struct DiscriminatorMustOutputOneLogit {
  static_assert(always_false<DiscriminatorOutput>,
                "gan::AlternatingTrainer: the discriminator must output Shape<1>, one logit per "
                "sample (its shape is named in the 'In instantiation of' line above); end it "
                "with gan::Dense<N, 1> and no sigmoid, since the loss policy applies it");
  static constexpr bool value = false;
};

template <typename Shape>
struct as_generator_output;
template <std::size_t... Dims>
struct as_generator_output<Shape<Dims...>> {
  using type = generator_output<Dims...>;
};
template <typename Shape>
struct as_discriminator_input;
template <std::size_t... Dims>
struct as_discriminator_input<Shape<Dims...>> {
  using type = discriminator_input<Dims...>;
};
template <std::size_t... Dims>
struct discriminator_output {};
template <typename Shape>
struct as_discriminator_output;
template <std::size_t... Dims>
struct as_discriminator_output<Shape<Dims...>> {
  using type = discriminator_output<Dims...>;
};

template <typename GOutput, typename DInput>
constexpr bool generator_fits_discriminator() {
  if constexpr (std::is_same_v<GOutput, DInput>)
    return true;
  else
    return GeneratorOutputDoesNotMatchDiscriminatorInput<
        typename as_generator_output<GOutput>::type,
        typename as_discriminator_input<DInput>::type>::value;
}

template <typename DOutput>
constexpr bool discriminator_outputs_one_logit() {
  if constexpr (std::is_same_v<DOutput, Shape<1>>)
    return true;
  else
    return DiscriminatorMustOutputOneLogit<typename as_discriminator_output<DOutput>::type>::value;
}

}  // namespace diagnostics

/// What AlternatingTrainer::step takes: a callable that returns the next real batch,
/// [sample size, batch], as a matrix that stays valid until it is called again.
template <typename Source, typename B>
concept RealBatchSource = requires(Source& source) {
  { source() } -> std::convertible_to<const typename backend_t<B>::matrix_type&>;
};

/// Trains a generator G against a discriminator D by alternating updates.
///
/// Each step() runs k discriminator steps and then one generator step:
///  1. Discriminator step, G frozen: draw z from the prior, compute G(z), run D on a real batch
///     and on G(z), take the loss policy's discriminator loss, back-propagate into D's
///     parameters only, and update D. When D has a layer that looks across the batch (batch
///     norm), the two batches go through D in separate passes, so that each is normalised
///     with its own statistics; otherwise they go side by side through one pass, which gives
///     the same result with wider, faster matrix products.
///  2. Generator step, D frozen: run the updated D on the last G(z), take the policy's
///     generator loss, back-propagate through D to its input without touching D's gradients,
///     continue through G, and update G.
/// The generator step reuses the G(z) of the last discriminator step: G has not changed since,
/// so drawing new noise would cost a generator forward pass and change nothing in expectation.
///
/// The two parameter groups cannot be updated at once: D climbs the objective that G descends.
/// Each network has its own optimizer, with its own hyperparameters and state.
///
/// The trainer never prints. Every step's statistics go to the observers added with
/// add_observer(), and step() returns them. A loss that is not finite stops training with a
/// DivergenceError before the update that would have used it.
///
/// @tparam G         generator architecture, a Sequential; its input shape is the latent size
/// @tparam D         discriminator architecture, a Sequential whose input shape is G's output
///                   shape and whose output is Shape<1>, a logit
/// @tparam Loss      a LossPolicy (NonSaturatingLoss, MinimaxLoss, LeastSquaresLoss, ...)
/// @tparam Optimizer the optimizer template used for both networks (Adam, Sgd)
/// @tparam Prior     a NoisePrior for z (StandardNormal, Uniform)
/// @tparam B         the backend both networks train on: gan::Cpu<S>, or gan::Device<S> (from
///                   gan/device/backend.hpp) for a GPU; a bare float or double means gan::Cpu
///                   of it. Real batches, noise and samples are matrices of that backend.
template <typename G, typename D, typename Loss = NonSaturatingLoss,
          template <typename> class Optimizer = Adam, typename Prior = StandardNormal,
          typename B = float>
class AlternatingTrainer {
 public:
  using backend = backend_t<B>;
  using scalar_type = typename backend::scalar_type;
  /// A batch on the trainer's backend: real data, noise and samples, [features, batch].
  using matrix_type = typename backend::matrix_type;

 private:
  using Scalar = scalar_type;
  using Batch = matrix_type;

  static_assert(diagnostics::generator_fits_discriminator<typename G::output_shape,
                                                          typename D::input_shape>());
  static_assert(diagnostics::discriminator_outputs_one_logit<typename D::output_shape>());
  static_assert(LossPolicy<Loss, Scalar>,
                "gan::AlternatingTrainer: Loss must model gan::LossPolicy (see core/concepts.hpp)");
  static_assert(gan::Optimizer<Optimizer<B>, B>,
                "gan::AlternatingTrainer: Optimizer<B> must model gan::Optimizer");
  static_assert(NoisePrior<Prior, B>, "gan::AlternatingTrainer: Prior must model gan::NoisePrior");

 public:
  using Generator = Network<G, B>;
  using Discriminator = Network<D, B>;
  using OptimizerType = Optimizer<B>;
  using Hyperparameters = typename OptimizerType::Hyperparameters;
  using Observer = std::function<void(const StepStats&)>;

  /// Number of noise values per sample: the generator's input size.
  static constexpr std::size_t latent_size = Generator::input_size;
  /// Number of values per real or generated sample.
  static constexpr std::size_t sample_size = Generator::output_size;

  struct Options {
    /// The generator's optimizer settings.
    Hyperparameters generator_optimizer{};
    /// The discriminator's optimizer settings.
    Hyperparameters discriminator_optimizer{};
    /// Discriminator steps per generator step (k in Goodfellow et al. 2014, algorithm 1);
    /// the loss policy's default_discriminator_steps when it declares one (5 for the
    /// Wasserstein losses), else 1.
    std::size_t discriminator_steps = detail::default_discriminator_steps<Loss>();
    /// Seeds the parameter initialisation and every noise draw.
    std::uint64_t seed = 0;
    /// Decay of an exponential moving average of the generator's parameters, kept beside
    /// the generator and updated after every generator step (Yazici et al. 2019,
    /// arXiv:1806.04498): average <- decay * average + (1 - decay) * parameters. Samples from
    /// the average are much less noisy than from the generator itself, whose parameters
    /// oscillate in the game. 0 turns it off; 0.999 averages over about the last 1,000 steps.
    double generator_average_decay = 0;
    /// The loss policy, with its settings where it has any (a penalty's weight, a critic's
    /// weight clip).
    Loss loss{};
  };

  /// A trainer with freshly initialised networks.
  /// @throws std::invalid_argument for discriminator_steps of 0 or invalid optimizer settings
  explicit AlternatingTrainer(const Options& options, const G& generator_architecture = {},
                              const D& discriminator_architecture = {})
      : options_(checked(options)),
        generator_(generator_architecture),
        discriminator_(discriminator_architecture),
        generator_optimizer_(
            make_optimizer(options.generator_optimizer, Generator::parameter_count, "generator")),
        discriminator_optimizer_(make_optimizer(options.discriminator_optimizer,
                                                Discriminator::parameter_count, "discriminator")),
        rng_(options.seed) {
    generator_.initialize(rng_);
    discriminator_.initialize(rng_);
    if (averaging()) averaged_generator_.emplace(generator_);
  }

  /// One training step on real batches from `next_real_batch`, which is called once per
  /// discriminator step and returns a [sample_size, batch] matrix that stays valid until the
  /// next call. Batches may differ in size.
  /// @throws std::invalid_argument for a batch of the wrong height or with no columns
  /// @throws DivergenceError if a loss is not finite; the update it would have fed is skipped
  template <RealBatchSource<B> Source>
  StepStats step(Source&& next_real_batch) {
    const auto start = std::chrono::steady_clock::now();
    StepStats stats;
    stats.step = steps_ + 1;
    stats.discriminator_steps = options_.discriminator_steps;
    // On the device, a failure inside a Thrust algorithm becomes a DeviceError here.
    backend::guarded([&] {
      for (std::size_t k = 0; k < options_.discriminator_steps; ++k) {
        const Batch& real = next_real_batch();
        discriminator_step(real, stats);
      }
      generator_step(stats);
    });
    ++steps_;
    stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (evaluation_ && steps_ % evaluation_->every == 0) stats.quality = evaluate_quality();
    last_stats_ = stats;
    for (const Observer& observer : observers_) observer(stats);
    return stats;
  }

  /// One training step on a single real batch; needs discriminator_steps == 1.
  StepStats step(const Batch& real_batch) {
    if (options_.discriminator_steps != 1)
      throw std::invalid_argument(message(
          "AlternatingTrainer::step: expected a batch source for ", options_.discriminator_steps,
          " discriminator steps per generator step, got a single batch; pass a callable that "
          "returns the next real batch (called once per discriminator step), or set "
          "Options::discriminator_steps to 1"));
    return step([&]() -> const Batch& { return real_batch; });
  }

  /// Calls `observer` with the statistics of every later step.
  void add_observer(Observer observer) { observers_.push_back(std::move(observer)); }

  /// What evaluate_every() calls: scores generated samples, [sample_size, n], on the host
  /// (a gan::metrics::QualityEvaluator's evaluate(), for one).
  using QualityFunction = std::function<Quality(const Matrix<Scalar>& samples)>;

  /// From now on, measures sample quality on the steps whose count is a multiple of `every`
  /// (so that a resumed run measures at the same steps as an unbroken one): generates
  /// `sample_count` samples with generate_averaged(), hands them to `evaluate`, and puts its
  /// result in that step's StepStats::quality before the observers see it. The noise is drawn
  /// once, here, from Rng(noise_seed), and reused by every evaluation, so that successive
  /// values differ only by what the generator learned; training's own random stream is not
  /// touched. An evaluation costs a generator pass over the samples plus `evaluate`; its time
  /// is Quality::seconds, outside StepStats::seconds.
  /// @throws std::invalid_argument for `every` of 0, fewer than 2 samples or no function
  void evaluate_every(std::uint64_t every, std::size_t sample_count, QualityFunction evaluate,
                      std::uint64_t noise_seed) {
    if (every == 0)
      throw std::invalid_argument(
          "AlternatingTrainer::evaluate_every: expected an interval of at least 1 step, got 0");
    if (sample_count < 2)
      throw std::invalid_argument(message(
          "AlternatingTrainer::evaluate_every: expected at least 2 samples, got ", sample_count));
    if (!evaluate)
      throw std::invalid_argument(
          "AlternatingTrainer::evaluate_every: expected a quality function, got none");
    Evaluation evaluation{every, sample_count, std::move(evaluate), {}};
    // Generated in chunks, so that a large sample count needs no batch of its size.
    Rng rng(noise_seed);
    for (std::size_t done = 0; done < sample_count; done += kEvaluationChunk)
      evaluation.noise.push_back(draw_noise(std::min(kEvaluationChunk, sample_count - done), rng));
    evaluation_ = std::move(evaluation);
  }

  /// Measures sample quality now, as evaluate_every() set up.
  /// @throws std::logic_error if evaluate_every() was never called
  Quality evaluate_quality() {
    if (!evaluation_)
      throw std::logic_error(
          "AlternatingTrainer::evaluate_quality: call evaluate_every() first, to say how");
    const auto start = std::chrono::steady_clock::now();
    Matrix<Scalar> samples(static_cast<Eigen::Index>(sample_size),
                           static_cast<Eigen::Index>(evaluation_->sample_count));
    Eigen::Index column = 0;
    for (const Batch& noise : evaluation_->noise) {
      samples.middleCols(column, noise.cols()) = backend::matrix_to_host(generate_averaged(noise));
      column += noise.cols();
    }
    Quality quality = evaluation_->evaluate(samples);
    quality.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return quality;
  }

  /// `count` noise vectors from the prior, [latent_size, count], drawn from `rng` (not from the
  /// trainer's own stream, so sampling never changes the course of training).
  static Batch draw_noise(std::size_t count, Rng& rng) {
    Batch noise(static_cast<Eigen::Index>(latent_size), static_cast<Eigen::Index>(count));
    Prior::fill(noise, rng);
    return noise;
  }

  /// G(noise), [sample_size, batch], without disturbing the state of training: in
  /// Mode::inference, so that batch norm uses its running averages and each sample depends on
  /// its own noise only. The result is valid until the next call.
  const Batch& generate(const Batch& noise) {
    return backend::guarded([&]() -> const Batch& {
      return generator_.forward(noise, sampling_pass_, Mode::inference);
    });
  }

  /// Like generate(), from the moving average of the generator's parameters when
  /// Options::generator_average_decay is set, else from the generator itself. The usual choice
  /// for sample grids and for evaluation.
  const Batch& generate_averaged(const Batch& noise) {
    if (!averaging()) return generate(noise);
    return backend::guarded([&]() -> const Batch& {
      return averaged_generator_->forward(noise, sampling_pass_, Mode::inference);
    });
  }

  /// The discriminator's logits for a batch, [1, batch], in Mode::inference; valid until the
  /// next call.
  const Batch& discriminate(const Batch& samples) {
    return backend::guarded([&]() -> const Batch& {
      return discriminator_.forward(samples, sampling_pass_for_d_, Mode::inference);
    });
  }

  Generator& generator() noexcept { return generator_; }
  const Generator& generator() const noexcept { return generator_; }
  /// The moving average of the generator (a copy of it at the start), trained only through
  /// the average, when Options::generator_average_decay is set; otherwise the generator
  /// itself, and no copy is kept.
  const Generator& averaged_generator() const noexcept {
    return averaging() ? *averaged_generator_ : generator_;
  }
  Discriminator& discriminator() noexcept { return discriminator_; }
  const Discriminator& discriminator() const noexcept { return discriminator_; }
  const OptimizerType& generator_optimizer() const noexcept { return generator_optimizer_; }
  const OptimizerType& discriminator_optimizer() const noexcept { return discriminator_optimizer_; }
  const Options& options() const noexcept { return options_; }

  /// Generator steps completed.
  std::uint64_t steps() const noexcept { return steps_; }
  /// The trainer's random stream (initialisation, then the noise of every step).
  const Rng& rng() const noexcept { return rng_; }

  /// Writes both networks (parameters, and running state such as batch norm's), both
  /// optimizers' state, the random stream's position, the step count and, when kept, the
  /// generator's moving average to `path`, atomically (see
  /// CheckpointWriter::commit). `metadata` is stored beside them as text, for the caller's own
  /// bookkeeping (a data position, a command line).
  void save_checkpoint(const std::filesystem::path& path,
                       const std::map<std::string, std::string>& metadata = {}) const {
    CheckpointWriter writer;
    writer.put("kind", std::string(kCheckpointKind));
    writer.put("generator.architecture", generator_.describe());
    writer.put("discriminator.architecture", discriminator_.describe());
    writer.put("loss", std::string(Loss::name));
    writer.put("optimizer", std::string(OptimizerType::name));
    writer.put("prior", std::string(Prior::name));
    // Host values, whatever the backend, so that a checkpoint loads on either.
    writer.put("generator.parameters", backend::to_host(generator_.parameters()));
    writer.put("discriminator.parameters", backend::to_host(discriminator_.parameters()));
    if (averaging())
      writer.put("generator.average.parameters",
                 backend::to_host(averaged_generator_->parameters()));
    if constexpr (Generator::state_count > 0) {
      writer.put("generator.state", backend::to_host(generator_.state()));
      if (averaging())
        writer.put("generator.average.state", backend::to_host(averaged_generator_->state()));
    }
    if constexpr (Discriminator::state_count > 0)
      writer.put("discriminator.state", backend::to_host(discriminator_.state()));
    generator_optimizer_.save(writer, "generator.optimizer");
    discriminator_optimizer_.save(writer, "discriminator.optimizer");
    writer.put("rng.seed", rng_.state().seed);
    writer.put("rng.position", rng_.state().position);
    writer.put("steps", steps_);
    for (const auto& [key, value] : metadata) writer.put(kMetadataPrefix + key, value);
    writer.commit(path);
  }

  /// Restores everything save_checkpoint() wrote, so that training continues exactly as if it
  /// had never stopped. The optimizers keep this trainer's hyperparameters (a resumed run may
  /// change its learning rates) and take their state from the file.
  /// @return the metadata saved with the checkpoint
  /// @throws CheckpointError if the file is unreadable, damaged, holds another architecture,
  ///         loss, optimizer, prior or scalar type, a parameter or optimizer value that is
  ///         not finite, or running state its layer refuses (Network::check_state: a
  ///         negative batch-norm variance); the trainer is then left unchanged
  std::map<std::string, std::string> load_checkpoint(const std::filesystem::path& path) {
    const CheckpointReader reader(path);
    expect_text(reader, "kind", kCheckpointKind, "a checkpoint of gan::AlternatingTrainer");
    expect_text(reader, "generator.architecture", generator_.describe(), "this generator");
    expect_text(reader, "discriminator.architecture", discriminator_.describe(),
                "this discriminator");
    expect_text(reader, "loss", Loss::name, "this trainer's loss");
    expect_text(reader, "optimizer", OptimizerType::name, "this trainer's optimizer");
    expect_text(reader, "prior", Prior::name, "this trainer's noise prior");

    // Read everything into temporaries first, so that a failure changes nothing.
    auto generator_parameters =
        reader.get_finite_array<Scalar>("generator.parameters", Generator::parameter_count);
    auto discriminator_parameters =
        reader.get_finite_array<Scalar>("discriminator.parameters", Discriminator::parameter_count);
    // A checkpoint from a run without the average starts one from its generator.
    auto average_parameters = averaging() && reader.contains("generator.average.parameters")
                                  ? reader.get_finite_array<Scalar>("generator.average.parameters",
                                                                    Generator::parameter_count)
                                  : generator_parameters;
    Vector<Scalar> generator_state, average_state, discriminator_state;
    if constexpr (Generator::state_count > 0) {
      generator_state = reader.get_finite_array<Scalar>("generator.state", Generator::state_count);
      average_state =
          averaging() && reader.contains("generator.average.state")
              ? reader.get_finite_array<Scalar>("generator.average.state", Generator::state_count)
              : generator_state;
    }
    if constexpr (Discriminator::state_count > 0)
      discriminator_state =
          reader.get_finite_array<Scalar>("discriminator.state", Discriminator::state_count);
    // Finite is not enough: a negative running variance makes every sample NaN.
    if constexpr (Generator::state_count > 0) {
      expect_valid_state<Generator>(reader, "generator.state", generator_state);
      expect_valid_state<Generator>(reader, "generator.average.state", average_state);
    }
    if constexpr (Discriminator::state_count > 0)
      expect_valid_state<Discriminator>(reader, "discriminator.state", discriminator_state);
    auto generator_optimizer = OptimizerType::restore(
        reader, "generator.optimizer", options_.generator_optimizer, Generator::parameter_count);
    auto discriminator_optimizer =
        OptimizerType::restore(reader, "discriminator.optimizer", options_.discriminator_optimizer,
                               Discriminator::parameter_count);
    const Rng::State rng_state{reader.get_u64("rng.seed"), reader.get_u64("rng.position")};
    const std::uint64_t steps = reader.get_u64("steps");
    std::map<std::string, std::string> metadata;
    for (const std::string& key : reader.keys())
      if (key.starts_with(kMetadataPrefix))
        metadata[key.substr(std::string_view(kMetadataPrefix).size())] = reader.get_text(key);

    // Copied into the networks' own storage, which their layers point into.
    backend::from_host(generator_parameters, generator_.parameters());
    if (averaging()) backend::from_host(average_parameters, averaged_generator_->parameters());
    backend::from_host(discriminator_parameters, discriminator_.parameters());
    if constexpr (Generator::state_count > 0) {
      backend::from_host(generator_state, generator_.state());
      if (averaging()) backend::from_host(average_state, averaged_generator_->state());
    }
    if constexpr (Discriminator::state_count > 0)
      backend::from_host(discriminator_state, discriminator_.state());
    generator_optimizer_ = std::move(generator_optimizer);
    discriminator_optimizer_ = std::move(discriminator_optimizer);
    rng_.restore(rng_state);
    steps_ = steps;
    last_stats_ = {};
    return metadata;
  }

 private:
  static constexpr const char* kCheckpointKind = "gan.alternating_trainer.v1";
  static constexpr const char* kMetadataPrefix = "metadata.";

  static const Options& checked(const Options& options) {
    if (options.discriminator_steps == 0)
      throw std::invalid_argument(
          "AlternatingTrainer: expected at least 1 discriminator step per generator step, got 0");
    if (!(options.generator_average_decay >= 0 && options.generator_average_decay < 1))
      throw std::invalid_argument(
          message("AlternatingTrainer: expected a generator average "
                  "decay in [0, 1), got ",
                  options.generator_average_decay));
    if constexpr (requires { options.loss.check(); }) options.loss.check();
    return options;
  }

  /// An optimizer for one network; its refusal of its settings names the network.
  static OptimizerType make_optimizer(const Hyperparameters& hyperparameters, std::size_t count,
                                      const char* network) {
    try {
      return OptimizerType(hyperparameters, count);
    } catch (const std::invalid_argument& error) {
      throw std::invalid_argument(
          message("AlternatingTrainer: the ", network, " optimizer's settings: ", error.what()));
    }
  }

  bool averaging() const noexcept { return options_.generator_average_decay > 0; }

  /// average <- decay * average + (1 - decay) * parameters, in one pass. Running state (batch
  /// norm's statistics) is averaged the same way: the averaged generator only ever runs in
  /// Mode::inference, so it needs statistics, and the average of the generator's own tracks
  /// its averaged weights.
  void update_generator_average() {
    const auto decay = static_cast<Scalar>(options_.generator_average_decay);
    backend::blend(averaged_generator_->parameters(), std::as_const(generator_).parameters(),
                   decay);
    if constexpr (Generator::state_count > 0)
      backend::blend(averaged_generator_->state(), std::as_const(generator_).state(), decay);
  }

  template <typename Network>
  static void expect_valid_state(const CheckpointReader& reader, const std::string& key,
                                 const Vector<Scalar>& state) {
    const std::string problem = Network::check_state(state);
    if (!problem.empty()) reader.fail(message("entry '", key, "'"), problem);
  }

  static void expect_text(const CheckpointReader& reader, const std::string& key,
                          const std::string& expected, const char* what) {
    const std::string found = reader.get_text(key);
    if (found != expected)
      reader.fail(message("its ", key, " is '", found, "'"),
                  message("expected '", expected, "' (", what, ")"));
  }

  /// Stops training: `what` is "loss" or "gradient", `player` "discriminator" or "generator".
  /// The message gives both losses as far as they are known at this point of the step.
  [[noreturn]] void diverged(const char* player, const char* what, const StepStats& stats,
                             bool generator_loss_known) const {
    std::string generator_loss;
    if (generator_loss_known)
      generator_loss = message("generator loss ", stats.generator_loss);
    else if (last_stats_.step != 0)
      generator_loss =
          message("generator loss ", last_stats_.generator_loss, " in step ", last_stats_.step);
    else
      generator_loss = "no generator loss yet";
    throw DivergenceError(
        message("AlternatingTrainer::step: the ", player, " ", what, " is not finite at step ",
                steps_ + 1, " (discriminator loss ", stats.discriminator_loss, ", ", generator_loss,
                "); the update that would have used it was not applied"),
        static_cast<long long>(steps_ + 1));
  }

  void discriminator_step(const Batch& real, StepStats& stats) {
    if (real.rows() != static_cast<Eigen::Index>(sample_size) || real.cols() == 0)
      throw std::invalid_argument(message("AlternatingTrainer::step: expected a real batch of ",
                                          sample_size, " rows and at least one column, got ",
                                          real.rows(), "x", real.cols()));
    noise_.resize(static_cast<Eigen::Index>(latent_size), real.cols());
    Prior::fill(noise_, rng_);
    const Batch& fake = generator_.forward(noise_, generator_pass_);

    discriminator_.zero_gradients();
    if constexpr (Discriminator::samples_are_independent) {
      // One pass over both batches side by side: the same sums as two passes, in half the
      // number of (twice as wide) matrix products.
      const auto real_count = real.cols();
      const auto fake_count = fake.cols();
      backend::join_columns(real, fake, joint_batch_);
      const Batch& logits = discriminator_.forward(joint_batch_, real_pass_);
      backend::copy_columns(logits, 0, real_count, real_logits_);
      backend::copy_columns(logits, real_count, fake_count, fake_logits_);
      score_discriminator(real_count, stats);
      backend::join_columns(real_gradient_, fake_gradient_, joint_gradient_);
      discriminator_.backward(joint_gradient_, real_pass_, Backprop::parameters_only);
    } else {
      // Batch norm and its kind normalise over the batch: each batch gets its own pass, since
      // a mixed batch would normalise real samples with statistics of fake ones.
      backend::assign(discriminator_.forward(real, real_pass_), real_logits_);
      backend::assign(discriminator_.forward(fake, fake_pass_), fake_logits_);
      score_discriminator(real.cols(), stats);
      discriminator_.backward(real_gradient_, real_pass_, Backprop::parameters_only);
      discriminator_.backward(fake_gradient_, fake_pass_, Backprop::parameters_only);
    }
    if constexpr (requires {
                    options_.loss.penalize(discriminator_, real, fake, rng_, fake_pass_);
                  }) {
      // The passes above are done with, so the penalty's own passes may reuse fake_pass_.
      stats.discriminator_penalty =
          options_.loss.penalize(discriminator_, real, fake, rng_, fake_pass_);
      stats.discriminator_loss += stats.discriminator_penalty;
      if (!std::isfinite(stats.discriminator_loss)) diverged("discriminator", "loss", stats, false);
    }
    // A finite loss can still have a non-finite gradient (an infinite input under a saturated
    // unit gives 0 * inf); one pass over the gradients keeps NaN out of the parameters.
    if (!discriminator_.gradients_are_finite()) diverged("discriminator", "gradient", stats, false);
    update(discriminator_optimizer_, discriminator_);
    if constexpr (requires { options_.loss.after_discriminator_update(discriminator_); })
      options_.loss.after_discriminator_update(discriminator_);
    last_real_batch_ = &real;
  }

  /// The discriminator's loss, its gradients and the mean scores, from real_logits_ and
  /// fake_logits_; stops training if the loss is not finite.
  void score_discriminator(std::ptrdiff_t batch, StepStats& stats) {
    stats.discriminator_loss = backend::template discriminator_loss<Loss>(
        real_logits_, fake_logits_, real_gradient_, fake_gradient_);
    stats.real_score = backend::template mean_score<Loss>(real_logits_);
    stats.fake_score = backend::template mean_score<Loss>(fake_logits_);
    stats.batch_size = static_cast<std::size_t>(batch);
    if (!std::isfinite(stats.discriminator_loss)) diverged("discriminator", "loss", stats, false);
  }

  void generator_step(StepStats& stats) {
    const Batch& fake = generator_pass_.output();
    // The last real batch is still valid: the source is not called again before this step.
    if constexpr (detail::GeneratorUsesRealLogits<Loss>)
      discriminator_.forward(*last_real_batch_, real_pass_);
    const Batch& fake_logits = discriminator_.forward(fake, fake_pass_);
    if constexpr (detail::GeneratorUsesRealLogits<Loss>)
      stats.generator_loss =
          backend::template generator_loss<Loss>(real_pass_.output(), fake_logits, fake_gradient_);
    else
      stats.generator_loss = backend::template generator_loss<Loss>(fake_logits, fake_gradient_);
    if (!std::isfinite(stats.generator_loss)) diverged("generator", "loss", stats, true);

    // D is frozen: only the gradient with respect to its input is computed, and D's own
    // gradient buffer is not touched.
    discriminator_.backward(fake_gradient_, fake_pass_, Backprop::input_only);
    generator_.zero_gradients();
    generator_.backward(fake_pass_.input_gradient(), generator_pass_, Backprop::parameters_only);
    if (!generator_.gradients_are_finite()) diverged("generator", "gradient", stats, true);
    update(generator_optimizer_, generator_);
    if (averaging()) update_generator_average();
  }

  /// One optimizer step on `network`. An optimizer that can follows the network's parameter
  /// partition, so that each thread updates the parameters whose gradients it computed.
  template <typename Network>
  static void update(OptimizerType& optimizer, Network& network) {
    if constexpr (requires {
                    optimizer.step(network.parameters(), network.gradients(),
                                   network.parameter_partition());
                  })
      optimizer.step(network.parameters(), network.gradients(), network.parameter_partition());
    else
      optimizer.step(network.parameters(), network.gradients());
  }

  Options options_;
  Generator generator_;
  std::optional<Generator> averaged_generator_;  // engaged when averaging()
  Discriminator discriminator_;
  OptimizerType generator_optimizer_;
  OptimizerType discriminator_optimizer_;
  Rng rng_;
  std::uint64_t steps_ = 0;
  StepStats last_stats_;
  std::vector<Observer> observers_;

  // The quality schedule of evaluate_every(), when set.
  static constexpr std::size_t kEvaluationChunk = 500;
  struct Evaluation {
    std::uint64_t every;
    std::size_t sample_count;
    QualityFunction evaluate;
    std::vector<Batch> noise;  // the fixed noise, in chunks of up to kEvaluationChunk
  };
  std::optional<Evaluation> evaluation_;

  // Buffers reused from step to step, so that training allocates only when the batch size
  // changes.
  Batch noise_;
  const Batch* last_real_batch_ = nullptr;  // for a loss whose G step reads D(real)
  typename Generator::Activations generator_pass_;
  typename Generator::Activations sampling_pass_;
  typename Discriminator::Activations real_pass_;
  typename Discriminator::Activations fake_pass_;
  typename Discriminator::Activations sampling_pass_for_d_;
  Batch real_logits_;
  Batch fake_logits_;
  Batch real_gradient_;
  Batch fake_gradient_;
  Batch joint_batch_;  // real and fake side by side, for a batch-independent D
  Batch joint_gradient_;
};

}  // namespace gan
