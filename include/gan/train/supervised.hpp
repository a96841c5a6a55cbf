// SPDX-License-Identifier: MIT
// SupervisedTrainer: training a classifier on labelled batches, and evaluating one.
#pragma once

#include <gan/core/backend.hpp>
#include <gan/core/concepts.hpp>
#include <gan/core/error.hpp>
#include <gan/core/random.hpp>
#include <gan/core/tensor.hpp>
#include <gan/losses/softmax_cross_entropy.hpp>
#include <gan/nn/mode.hpp>
#include <gan/nn/network.hpp>
#include <gan/optim/adam.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <ranges>
#include <span>
#include <stdexcept>

namespace gan {

/// The statistics of one SupervisedTrainer::step.
struct SupervisedStepStats {
  std::uint64_t step = 0;      ///< 1-based number of this step
  std::size_t batch_size = 0;  ///< samples in the batch
  double loss = 0;             ///< mean softmax cross-entropy over the batch, before the update
  double accuracy = 0;         ///< fraction of the batch classified right, before the update
  double seconds = 0;          ///< wall time of the step
};

/// A classifier's score on a labelled data set.
struct ClassifierEvaluation {
  std::size_t count = 0;    ///< samples scored
  std::size_t correct = 0;  ///< samples whose largest logit is their label's
  double loss = 0;          ///< mean softmax cross-entropy
  /// correct / count.
  double accuracy() const noexcept {
    return count == 0 ? 0.0 : static_cast<double>(correct) / static_cast<double>(count);
  }
};

/// Samples per forward pass of the chunked passes below, when the caller does not say: big
/// enough for wide matrix products, small enough that the activations of a convolutional
/// network stay at a few tens of megabytes.
inline constexpr std::size_t kDefaultInferenceChunk = 256;

/// Runs `network` over `inputs`, [input_size, n], in Mode::inference, `chunk_size` columns at a
/// time, and calls `consume(first_column, output)` with each chunk's output, [output_size,
/// columns], valid only during the call. Inference mode uses batch norm's running statistics,
/// so the outputs do not depend on the chunk size; the network's running state is unchanged.
/// @throws std::invalid_argument for inputs of the wrong height or a chunk size of 0
template <typename Net, typename Consume>
void forward_in_chunks(Net& network, const typename Net::matrix_type& inputs,
                       std::size_t chunk_size, Consume&& consume) {
  if (chunk_size == 0)
    throw std::invalid_argument("forward_in_chunks: expected a chunk size of at least 1, got 0");
  if (inputs.rows() != static_cast<Eigen::Index>(Net::input_size))
    throw std::invalid_argument(message("forward_in_chunks: expected inputs of ", Net::input_size,
                                        " rows, got ", inputs.rows(), "x", inputs.cols()));
  typename Net::Activations pass;
  typename Net::matrix_type chunk;
  const auto step = static_cast<Eigen::Index>(chunk_size);
  for (Eigen::Index first = 0; first < inputs.cols(); first += step) {
    const Eigen::Index columns = std::min(step, inputs.cols() - first);
    chunk = inputs.middleCols(first, columns);
    consume(first, network.forward(chunk, pass, Mode::inference));
  }
}

/// The accuracy and mean softmax cross-entropy of a classifier `network`, whose outputs are
/// class logits, on `inputs`, [input_size, n], with `labels`, n of them; in Mode::inference,
/// `chunk_size` samples at a time (see forward_in_chunks).
/// @throws std::invalid_argument for no samples, a label count other than n, or a label that is
///         not a class of the network
template <typename Net, ClassLabels Labels>
ClassifierEvaluation evaluate_classifier(Net& network, const typename Net::matrix_type& inputs,
                                         const Labels& labels,
                                         std::size_t chunk_size = kDefaultInferenceChunk) {
  const auto count = static_cast<std::size_t>(std::ranges::size(labels));
  if (inputs.cols() == 0 || count != static_cast<std::size_t>(inputs.cols()))
    throw std::invalid_argument(message("evaluate_classifier: expected one label per sample and ",
                                        "at least one sample, got ", inputs.cols(), " samples and ",
                                        count, " labels"));
  using Scalar = typename Net::scalar_type;
  const auto* first_label = std::ranges::data(labels);
  ClassifierEvaluation evaluation;
  Matrix<Scalar> gradient;  // unused, but the loss fills it
  forward_in_chunks(network, inputs, chunk_size, [&](Eigen::Index first, const auto& logits) {
    const std::span chunk_labels(first_label + first, static_cast<std::size_t>(logits.cols()));
    const double loss = softmax_cross_entropy(logits, chunk_labels, gradient);
    evaluation.loss += loss * static_cast<double>(logits.cols());
    for (Eigen::Index j = 0; j < logits.cols(); ++j)
      if (predicted_class(logits, j) == static_cast<Eigen::Index>(chunk_labels[j]))
        ++evaluation.correct;
  });
  evaluation.count = count;
  evaluation.loss /= static_cast<double>(count);
  return evaluation;
}

/// Trains a classifier: a network whose outputs are class logits, fitted to integer labels
/// by the mean softmax cross-entropy (losses/softmax_cross_entropy.hpp).
///
/// Each step() runs the network forward in Mode::training on a batch, takes the loss and its
/// gradient, back-propagates into the parameters and applies one optimizer update. A loss or
/// gradient that is not finite stops training with a DivergenceError before the update.
/// evaluate() scores the network in Mode::inference without changing it. Like
/// AlternatingTrainer, the trainer never prints: progress is what step() returns.
///
/// @note Limitation: CPU backend only (gan::Cpu<float> or gan::Cpu<double>). The loss is
///       computed on the host from a host matrix of logits; a device version needs the loss
///       as a device computation (device/losses.hpp has only the GAN losses).
///
/// @tparam Architecture a Sequential whose output is Shape<classes>, the logits
/// @tparam Optimizer    the optimizer template (Adam, Sgd); Adam's own defaults are the DCGAN
///                      paper's, so a classifier usually sets its learning rate and beta1
/// @tparam B            the backend, gan::Cpu<S>, or a bare float or double for it
template <typename Architecture, template <typename> class Optimizer = Adam, typename B = float>
class SupervisedTrainer {
 public:
  using backend = backend_t<B>;
  static_assert(!backend::on_device,
                "gan::SupervisedTrainer: only the CPU backend is supported; use gan::Cpu<S>, "
                "float or double");
  static_assert(Architecture::output_shape::size >= 2,
                "gan::SupervisedTrainer: the architecture must output one logit per class, at "
                "least 2; end it with gan::Dense<N, classes> and no softmax, which the loss "
                "applies");
  static_assert(gan::Optimizer<Optimizer<B>, B>,
                "gan::SupervisedTrainer: Optimizer<B> must model gan::Optimizer");

  using scalar_type = typename backend::scalar_type;
  /// A batch of inputs, [input_size, batch].
  using matrix_type = typename backend::matrix_type;
  using Classifier = Network<Architecture, B>;
  using OptimizerType = Optimizer<B>;
  using Hyperparameters = typename OptimizerType::Hyperparameters;

  /// Number of classes: the network's output size.
  static constexpr std::size_t classes = Classifier::output_size;

  struct Options {
    /// The optimizer's settings.
    Hyperparameters optimizer{};
    /// Seeds the parameter initialisation.
    std::uint64_t seed = 0;
  };

  /// A trainer with a freshly initialised network, drawn from Options::seed.
  /// @throws std::invalid_argument for invalid optimizer settings
  explicit SupervisedTrainer(const Options& options, const Architecture& architecture = {})
      : options_(options),
        network_(architecture),
        optimizer_(options.optimizer, Classifier::parameter_count) {
    Rng rng(options.seed);
    network_.initialize(rng);
  }

  /// One update on `inputs`, [input_size, batch], with one label per column.
  /// @return the batch's loss and accuracy, both from the forward pass before the update
  /// @throws std::invalid_argument for inputs of the wrong height, no columns, or bad labels
  ///         (see softmax_cross_entropy); nothing is updated
  /// @throws DivergenceError if the loss or a gradient is not finite; nothing is updated
  template <ClassLabels Labels>
  SupervisedStepStats step(const matrix_type& inputs, const Labels& labels) {
    const auto start = std::chrono::steady_clock::now();
    if (inputs.rows() != static_cast<Eigen::Index>(Classifier::input_size) || inputs.cols() == 0)
      throw std::invalid_argument(
          message("SupervisedTrainer::step: expected a batch of ", Classifier::input_size,
                  " rows and at least one column, got ", inputs.rows(), "x", inputs.cols()));
    SupervisedStepStats stats;
    stats.step = steps_ + 1;
    stats.batch_size = static_cast<std::size_t>(inputs.cols());
    const matrix_type& logits = network_.forward(inputs, pass_, Mode::training);
    stats.loss = softmax_cross_entropy(logits, labels, logit_gradient_);
    stats.accuracy = batch_accuracy(logits, labels);
    if (!std::isfinite(stats.loss)) diverged("loss", stats);

    network_.zero_gradients();
    network_.backward(logit_gradient_, pass_, Backprop::parameters_only);
    if (!network_.gradients_are_finite()) diverged("gradient", stats);
    // An optimizer that can follows the network's partition, so that each thread updates the
    // parameters whose gradients it computed.
    if constexpr (requires {
                    optimizer_.step(network_.parameters(), network_.gradients(),
                                    network_.parameter_partition());
                  })
      optimizer_.step(network_.parameters(), network_.gradients(), network_.parameter_partition());
    else
      optimizer_.step(network_.parameters(), network_.gradients());
    ++steps_;
    stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return stats;
  }

  /// The network's accuracy and mean loss on `inputs` with `labels`, in Mode::inference,
  /// `chunk_size` samples per pass; training state is not changed (see evaluate_classifier).
  template <ClassLabels Labels>
  ClassifierEvaluation evaluate(const matrix_type& inputs, const Labels& labels,
                                std::size_t chunk_size = kDefaultInferenceChunk) {
    return evaluate_classifier(network_, inputs, labels, chunk_size);
  }

  /// Sets the optimizer's learning rate for later steps (a schedule), where the optimizer
  /// allows it (Adam and Sgd do).
  /// @throws std::invalid_argument for a learning rate that is not positive and finite
  void set_learning_rate(double learning_rate) requires requires(OptimizerType& optimizer) {
    optimizer.set_learning_rate(learning_rate);
  }
  { optimizer_.set_learning_rate(learning_rate); }

  Classifier& network() noexcept { return network_; }
  const Classifier& network() const noexcept { return network_; }
  const OptimizerType& optimizer() const noexcept { return optimizer_; }
  const Options& options() const noexcept { return options_; }
  /// Updates applied so far.
  std::uint64_t steps() const noexcept { return steps_; }

 private:
  template <typename Labels>
  static double batch_accuracy(const matrix_type& logits, const Labels& labels) {
    const auto* label = std::ranges::data(labels);
    std::size_t correct = 0;
    for (Eigen::Index j = 0; j < logits.cols(); ++j)
      if (predicted_class(logits, j) == static_cast<Eigen::Index>(label[j])) ++correct;
    return static_cast<double>(correct) / static_cast<double>(logits.cols());
  }

  [[noreturn]] void diverged(const char* what, const SupervisedStepStats& stats) const {
    throw DivergenceError(
        message("SupervisedTrainer::step: the ", what, " is not finite at step ", stats.step,
                " (loss ", stats.loss, "); the update that would have used it was not applied"),
        static_cast<long long>(stats.step));
  }

  Options options_;
  Classifier network_;
  OptimizerType optimizer_;
  std::uint64_t steps_ = 0;
  // Reused from step to step, so that training allocates only when the batch size changes.
  typename Classifier::Activations pass_;
  matrix_type logit_gradient_;
};

}  // namespace gan
