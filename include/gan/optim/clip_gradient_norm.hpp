// SPDX-License-Identifier: MIT
// Gradient-norm clipping in front of any optimizer.
#pragma once

#include <gan/core/backend.hpp>
#include <gan/core/error.hpp>
#include <gan/core/parallel.hpp>
#include <gan/core/policy_name.hpp>
#include <gan/core/tensor.hpp>
#include <gan/io/checkpoint.hpp>

#include <cmath>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <utility>

namespace gan {

/// Gradient-norm clipping (Pascanu et al. 2013, arXiv:1211.5063) in front of an optimizer:
/// when the Euclidean norm of a network's whole gradient vector exceeds max_norm, the
/// gradients are scaled by max_norm / norm before the wrapped optimizer's step, so that their
/// direction is kept and their norm is max_norm:
///   g <- g * min(1, max_norm / |g|).
/// max_norm 0 turns clipping off, and the optimizer is then the wrapped one exactly.
///
/// A trainer takes the nested template as its Optimizer,
///   using Trainer = gan::AlternatingTrainer<G, D, gan::NonSaturatingLoss,
///                                           gan::ClipGradientNorm<gan::Adam>::Optimizer>;
/// and its options take the wrapped optimizer's hyperparameters plus max_norm:
///   options.discriminator_optimizer.learning_rate = 2e-4;
///   options.discriminator_optimizer.max_norm = 10;
///
/// Checkpoints store the wrapped optimizer's state only (clipping has none), under the name
/// "clip-gradient-norm(adam)", so that a run is not resumed with the plain optimizer or
/// without clipping by mistake; max_norm, like a learning rate, may change on resume.
///
/// On gan::Device include gan/device/backend.hpp, which brings the device step
/// (device/clip_gradient_norm.hpp).
///
/// @tparam BaseTemplate an optimizer template over the backend, modelling gan::Optimizer
///         (gan::Adam, gan::Sgd)
template <template <typename> class BaseTemplate>
struct ClipGradientNorm {
  /// The optimizer for backend B (or its bare scalar type, for the CPU).
  template <typename B>
  class Optimizer {
    using Backend = backend_t<B>;
    using Scalar = typename Backend::scalar_type;

   public:
    using Base = BaseTemplate<B>;

    /// The wrapped optimizer's hyperparameters (learning_rate, ...) and max_norm.
    struct Hyperparameters : Base::Hyperparameters {
      /// The largest gradient norm passed on unscaled; 0 turns clipping off. At least 0 and
      /// finite.
      double max_norm = 0;
    };

    /// "clip-gradient-norm(adam)" for gan::Adam: recorded in checkpoints.
    static constexpr auto kName = detail::join_name<detail::name_length("clip-gradient-norm()") +
                                                    detail::name_length(Base::name)>(
        {"clip-gradient-norm(", Base::name, ")"});
    static constexpr const char* name = kName.c_str();

    /// An optimizer for `parameter_count` parameters.
    /// @throws std::invalid_argument for a max_norm that is negative or not finite, and
    ///         whatever the wrapped optimizer throws for its own hyperparameters
    Optimizer(const Hyperparameters& hyperparameters, std::size_t parameter_count)
        : Optimizer(hyperparameters, Base(base_settings(hyperparameters), parameter_count),
                    parameter_count) {}

    /// Scales `gradients` into a buffer of its own when their norm exceeds max_norm, then
    /// runs the wrapped optimizer's step on them.
    void step(VectorRef<Scalar> parameters,
              ConstVectorRef<Scalar> gradients) requires(!Backend::on_device) {
      GAN_ASSERT(gradients.size() == clipped_.size(),
                 "ClipGradientNorm::step: gradient count differs from the one the optimizer "
                 "was made for");
      const double scale = scale_for(gradients.template cast<double>().squaredNorm());
      if (scale == 1) return base_.step(parameters, gradients);
      clipped_ = gradients * static_cast<Scalar>(scale);
      base_.step(parameters, clipped_);
    }

    /// step() with the wrapped optimizer's partitioned step, where it has one: each thread
    /// scales the ranges `partition` gives it, and the wrapped optimizer updates them on the
    /// same thread. The norm is summed on one thread in a fixed order, so the result does
    /// not depend on the partition.
    void step(VectorRef<Scalar> parameters, ConstVectorRef<Scalar> gradients,
              const ParameterPartition& partition) requires(!Backend::on_device) &&
        requires(Base base, VectorRef<Scalar> values, ConstVectorRef<Scalar> steps,
                 const ParameterPartition& ranges) {
      base.step(values, steps, ranges);
    }
    {
      GAN_ASSERT(gradients.size() == clipped_.size(),
                 "ClipGradientNorm::step: gradient count differs from the one the optimizer "
                 "was made for");
      const double scale = scale_for(gradients.template cast<double>().squaredNorm());
      if (scale == 1) return base_.step(parameters, gradients, partition);
      const auto factor = static_cast<Scalar>(scale);
      partition.for_each_range([&](int, Eigen::Index begin, Eigen::Index count) {
        clipped_.segment(begin, count) = gradients.segment(begin, count) * factor;
      });
      base_.step(parameters, clipped_, partition);
    }

    /// step() on the device (device/clip_gradient_norm.hpp): the norm is one reduction in
    /// double, whose answer comes back to the host, and the scaled copy one device
    /// computation per value.
    void step(typename Backend::vector_view parameters,
              typename Backend::const_vector_view gradients) requires(Backend::on_device) {
      GAN_ASSERT(gradients.size == static_cast<std::ptrdiff_t>(clipped_.size()),
                 "ClipGradientNorm::step: gradient count differs from the one the optimizer "
                 "was made for");
      const double scale = scale_for(squared_norm(gradients));
      if (scale == 1) return base_.step(parameters, gradients);
      scale_into(gradients, static_cast<Scalar>(scale), Backend::view(clipped_));
      base_.step(parameters, Backend::view(std::as_const(clipped_)));
    }

    /// The factor the last step scaled the gradients by: max_norm / norm when it clipped,
    /// else 1.
    double last_scale() const noexcept { return last_scale_; }
    /// The norm of the gradients of the last step, before clipping.
    double last_norm() const noexcept { return last_norm_; }

    const Hyperparameters& hyperparameters() const noexcept { return hyperparameters_; }
    /// Sets the wrapped optimizer's learning rate of later steps (for a schedule, as
    /// SupervisedTrainer::set_learning_rate() calls it), where it has set_learning_rate().
    /// @throws what the wrapped optimizer throws for the value
    void set_learning_rate(double learning_rate) requires requires(Base& base) {
      base.set_learning_rate(learning_rate);
    }
    {
      base_.set_learning_rate(learning_rate);
      hyperparameters_.learning_rate = learning_rate;
    }
    /// The wrapped optimizer, with its state.
    const Base& base() const noexcept { return base_; }

    /// Saves the wrapped optimizer's state under `prefix`; clipping keeps none.
    void save(CheckpointWriter& writer, const std::string& prefix) const {
      base_.save(writer, prefix);
    }

    /// An optimizer with these hyperparameters and the wrapped optimizer's state saved under
    /// `prefix`.
    /// @throws CheckpointError as the wrapped optimizer's restore(), std::invalid_argument
    ///         for a bad max_norm
    static Optimizer restore(const CheckpointReader& reader, const std::string& prefix,
                             const Hyperparameters& hyperparameters, std::size_t parameter_count) {
      return Optimizer(
          hyperparameters,
          Base::restore(reader, prefix, base_settings(hyperparameters), parameter_count),
          parameter_count);
    }

   private:
    Optimizer(const Hyperparameters& hyperparameters, Base base, std::size_t parameter_count)
        : hyperparameters_(checked(hyperparameters)),
          base_(std::move(base)),
          clipped_(Backend::zeros(parameter_count)) {}

    static const typename Base::Hyperparameters& base_settings(
        const Hyperparameters& hyperparameters) {
      return hyperparameters;
    }

    static const Hyperparameters& checked(const Hyperparameters& hyperparameters) {
      if (!(hyperparameters.max_norm >= 0 && std::isfinite(hyperparameters.max_norm)))
        throw std::invalid_argument(
            message("ClipGradientNorm: expected a max_norm of at least 0 (0: no clipping) and "
                    "finite, got ",
                    hyperparameters.max_norm));
      return hyperparameters;
    }

    // max_norm / |g| when |g| exceeds max_norm, else 1, from |g|^2 summed in double. A
    // gradient that is not finite is passed on as it is, for the trainer's own check to stop
    // on.
    double scale_for(double sum_of_squares) {
      last_norm_ = std::sqrt(sum_of_squares);
      const double max_norm = hyperparameters_.max_norm;
      last_scale_ = max_norm > 0 && std::isfinite(last_norm_) && last_norm_ > max_norm
                        ? max_norm / last_norm_
                        : 1.0;
      return last_scale_;
    }

    Hyperparameters hyperparameters_;
    Base base_;
    typename Backend::vector_type clipped_;  // the scaled gradients of a clipped step
    double last_norm_ = 0;
    double last_scale_ = 1;
  };
};

}  // namespace gan
