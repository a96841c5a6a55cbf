// SPDX-License-Identifier: MIT
// Adam: adaptive moment estimation.
#pragma once

#include <gan/core/backend.hpp>
#include <gan/core/error.hpp>
#include <gan/core/parallel.hpp>
#include <gan/core/tensor.hpp>
#include <gan/io/checkpoint.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace gan {

/// The scalars of one Adam update, the same for every parameter (see Adam::step_constants()).
template <typename Scalar>
struct AdamStepConstants {
  Scalar rate;
  Scalar inverse_root2;
  Scalar epsilon;
  Scalar beta1;
  Scalar beta2;
};

/// Adam (Kingma and Ba 2015, arXiv:1412.6980, algorithm 1):
///   m <- b1 m + (1 - b1) g,   v <- b2 v + (1 - b2) g^2,   t <- t + 1
///   p <- p - lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
///
/// The defaults are the DCGAN paper's (Radford et al. 2016): learning rate 2e-4 and
/// beta1 = 0.5, which damps the momentum that makes the two players overshoot each other;
/// beta2 and epsilon are Adam's own defaults. Each network gets an Adam of its own.
///
/// On the device backend the moments live in device memory and the update is one device
/// computation per parameter (device/adam.hpp), from the constants this class computes.
///
/// @tparam B the network's backend, or its scalar type (float, double) for the CPU
template <typename B>
class Adam {
  using Backend = backend_t<B>;
  using Scalar = typename Backend::scalar_type;
  using Buffer = typename Backend::vector_type;

 public:
  struct Hyperparameters {
    double learning_rate = 2e-4;
    double beta1 = 0.5;
    double beta2 = 0.999;
    double epsilon = 1e-8;
  };

  static constexpr const char* name = "adam";

  /// An optimizer for `parameter_count` parameters, with zero moments.
  /// @throws std::invalid_argument for a learning rate or epsilon that is not positive and
  ///         finite, or a beta outside [0, 1)
  Adam(const Hyperparameters& hyperparameters, std::size_t parameter_count)
      : hyperparameters_(hyperparameters),
        first_moment_(Backend::zeros(parameter_count)),
        second_moment_(Backend::zeros(parameter_count)) {
    const auto& h = hyperparameters;
    if (!(std::isfinite(h.learning_rate) && h.learning_rate > 0))
      throw std::invalid_argument(
          message("Adam: expected a positive learning rate, got ", h.learning_rate));
    if (!(h.beta1 >= 0 && h.beta1 < 1))
      throw std::invalid_argument(message("Adam: expected beta1 in [0, 1), got ", h.beta1));
    if (!(h.beta2 >= 0 && h.beta2 < 1))
      throw std::invalid_argument(message("Adam: expected beta2 in [0, 1), got ", h.beta2));
    if (!(std::isfinite(h.epsilon) && h.epsilon > 0))
      throw std::invalid_argument(message("Adam: expected a positive epsilon, got ", h.epsilon));
  }

  /// Applies one update to `parameters` from `gradients`; both have parameter_count values.
  /// Large vectors are split evenly between OpenMP's threads.
  void step(VectorRef<Scalar> parameters,
            ConstVectorRef<Scalar> gradients) requires(!Backend::on_device) {
    const Eigen::Index count = first_moment_.size();
    ParameterPartition partition(count >= kParallelMinimum ? max_threads() : 1);
    partition.add_evenly(0, count);
    step(parameters, gradients, partition);
  }

  /// step(), each thread updating the ranges `partition` gives it, which must cover every
  /// parameter once (Network::parameter_partition() does): a thread then updates the values
  /// whose gradients it computed, while they are still in its caches. Every parameter is
  /// updated on its own, so the result does not depend on the partition.
  void step(VectorRef<Scalar> parameters, ConstVectorRef<Scalar> gradients,
            const ParameterPartition& partition) requires(!Backend::on_device) {
    GAN_ASSERT(
        parameters.size() == first_moment_.size() && gradients.size() == first_moment_.size(),
        "Adam::step: parameter count differs from the one the optimizer was made for");
    GAN_ASSERT(partition.end() <= first_moment_.size(),
               "Adam::step: the partition reaches past the parameters (another network's?)");
    const StepConstants constants = advance();
    const Scalar rate = constants.rate;
    const Scalar inverse_root2 = constants.inverse_root2;
    const Scalar epsilon = constants.epsilon;
    const Scalar b1 = constants.beta1;
    const Scalar b2 = constants.beta2;
    // One pass over memory in blocks that stay in the L1 cache while the three updates run
    // over them. Eigen's array expressions vectorise the square root and the division, which a
    // plain loop of std::sqrt does not (the compiler must keep errno for negative inputs).
    partition.for_each_range([&](int, Eigen::Index begin, Eigen::Index count) {
      for (Eigen::Index start = begin; start < begin + count; start += kBlock) {
        const Eigen::Index length = std::min(kBlock, begin + count - start);
        auto m = first_moment_.segment(start, length).array();
        auto v = second_moment_.segment(start, length).array();
        auto p = parameters.segment(start, length).array();
        const auto g = gradients.segment(start, length).array();
        m = b1 * m + (Scalar(1) - b1) * g;
        v = b2 * v + (Scalar(1) - b2) * g.square();
        p -= rate * m / (v.sqrt() * inverse_root2 + epsilon);
      }
    });
  }

  /// The scalars of the update of step t = steps(), the same for every parameter:
  ///   p <- p - rate * m / (sqrt(v) * inverse_root2 + epsilon),
  /// with rate = lr / (1 - b1^t) and inverse_root2 = 1 / sqrt(1 - b2^t) folding in the bias
  /// corrections, and epsilon added to the corrected sqrt(v) exactly as in the paper's
  /// algorithm 1. Computed once per step in double and rounded to Scalar, for the CPU update
  /// and the device's alike.
  using StepConstants = AdamStepConstants<Scalar>;
  /// @pre at least one step counted (steps() > 0): the bias corrections of step 0 divide by 0
  StepConstants step_constants() const {
    GAN_ASSERT(steps_ > 0, "Adam::step_constants: no step counted yet");
    const auto& h = hyperparameters_;
    const double t = static_cast<double>(steps_);
    return {static_cast<Scalar>(h.learning_rate / (1.0 - std::pow(h.beta1, t))),
            static_cast<Scalar>(1.0 / std::sqrt(1.0 - std::pow(h.beta2, t))),
            static_cast<Scalar>(h.epsilon), static_cast<Scalar>(h.beta1),
            static_cast<Scalar>(h.beta2)};
  }

  /// step() on the device: one device computation per parameter (device/adam.hpp).
  void step(typename Backend::vector_view parameters,
            typename Backend::const_vector_view gradients) requires(Backend::on_device) {
    GAN_ASSERT(parameters.size == static_cast<std::ptrdiff_t>(first_moment_.size()) &&
                   gradients.size == parameters.size,
               "Adam::step: parameter count differs from the one the optimizer was made for");
    adam_update(parameters, gradients, first_moment_, second_moment_, advance());
  }

  /// Counts one more step and returns its constants, for an update made elsewhere (the
  /// device's, device/adam.hpp); step() calls it too.
  StepConstants advance() {
    ++steps_;
    return step_constants();
  }

  const Hyperparameters& hyperparameters() const noexcept { return hyperparameters_; }
  /// Sets the learning rate of later steps, for a schedule; the optimizer's state is kept.
  /// @throws std::invalid_argument for a learning rate that is not positive and finite
  void set_learning_rate(double learning_rate) {
    if (!(std::isfinite(learning_rate) && learning_rate > 0))
      throw std::invalid_argument(message(
          "Adam::set_learning_rate: expected a positive learning rate, got ", learning_rate));
    hyperparameters_.learning_rate = learning_rate;
  }
  /// Number of updates applied so far (t in the paper).
  std::uint64_t steps() const noexcept { return steps_; }
  /// The moments, in the backend's memory.
  const Buffer& first_moment() const noexcept { return first_moment_; }
  const Buffer& second_moment() const noexcept { return second_moment_; }

  /// Saves both moments and the step count under `prefix`.
  void save(CheckpointWriter& writer, const std::string& prefix) const {
    writer.put(prefix + ".first_moment", Backend::to_host(Backend::view(first_moment_)));
    writer.put(prefix + ".second_moment", Backend::to_host(Backend::view(second_moment_)));
    writer.put(prefix + ".steps", steps_);
  }

  /// An Adam with these hyperparameters and the state saved under `prefix`.
  /// @throws CheckpointError if an entry is missing, of another size, or not finite
  static Adam restore(const CheckpointReader& reader, const std::string& prefix,
                      const Hyperparameters& hyperparameters, std::size_t parameter_count) {
    Adam adam(hyperparameters, parameter_count);
    Backend::from_host(reader.get_finite_array<Scalar>(prefix + ".first_moment", parameter_count),
                       Backend::view(adam.first_moment_));
    Backend::from_host(reader.get_finite_array<Scalar>(prefix + ".second_moment", parameter_count),
                       Backend::view(adam.second_moment_));
    adam.steps_ = reader.get_u64(prefix + ".steps");
    return adam;
  }

 private:
  // 1,024 values of each of the four arrays are 16 KiB in float: half a typical L1 cache.
  static constexpr Eigen::Index kBlock = 1024;
  // Below this many parameters a thread team costs more than it saves (step() without a
  // partition).
  static constexpr Eigen::Index kParallelMinimum = 1 << 16;

  Hyperparameters hyperparameters_;
  Buffer first_moment_;
  Buffer second_moment_;
  std::uint64_t steps_ = 0;
};

}  // namespace gan
