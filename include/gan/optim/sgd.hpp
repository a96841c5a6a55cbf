// SPDX-License-Identifier: MIT
// Stochastic gradient descent with momentum.
#pragma once

#include <gan/core/error.hpp>
#include <gan/core/parallel.hpp>
#include <gan/core/tensor.hpp>
#include <gan/io/checkpoint.hpp>

#include <cmath>
#include <cstddef>
#include <stdexcept>
#include <string>

namespace gan {

/// SGD with momentum, in the form PyTorch uses (Sutskever et al. 2013):
///   v <- momentum * v + g,   p <- p - learning_rate * v
/// With momentum 0 this is plain gradient descent. Each network gets an Sgd of its own, so
/// the generator and the discriminator never share a velocity.
///
/// @tparam Scalar float or double, the network's scalar type
template <typename Scalar>
class Sgd {
 public:
  struct Hyperparameters {
    double learning_rate = 0.01;
    double momentum = 0.9;
  };

  static constexpr const char* name = "sgd";

  /// An optimizer for `parameter_count` parameters, with zero velocity.
  /// @throws std::invalid_argument for a learning rate that is not positive and finite, or a
  ///         momentum outside [0, 1)
  Sgd(const Hyperparameters& hyperparameters, std::size_t parameter_count)
      : hyperparameters_(hyperparameters),
        velocity_(Vector<Scalar>::Zero(static_cast<Eigen::Index>(parameter_count))) {
    const auto& h = hyperparameters;
    if (!(std::isfinite(h.learning_rate) && h.learning_rate > 0))
      throw std::invalid_argument(
          message("Sgd: expected a positive learning rate, got ", h.learning_rate));
    if (!(h.momentum >= 0 && h.momentum < 1))
      throw std::invalid_argument(message("Sgd: expected a momentum in [0, 1), got ", h.momentum));
  }

  /// Applies one update to `parameters` from `gradients`; both have parameter_count values.
  void step(VectorRef<Scalar> parameters, ConstVectorRef<Scalar> gradients) {
    check_sizes(parameters, gradients);
    update(parameters, gradients, 0, velocity_.size());
  }

  /// step(), each thread updating the ranges `partition` gives it, which must cover every
  /// parameter once (Network::parameter_partition()); the result does not depend on it.
  void step(VectorRef<Scalar> parameters, ConstVectorRef<Scalar> gradients,
            const ParameterPartition& partition) {
    check_sizes(parameters, gradients);
    GAN_ASSERT(partition.end() <= velocity_.size(),
               "Sgd::step: the partition reaches past the parameters (another network's?)");
    partition.for_each_range([&](int, Eigen::Index begin, Eigen::Index count) {
      update(parameters, gradients, begin, count);
    });
  }

  const Hyperparameters& hyperparameters() const noexcept { return hyperparameters_; }
  const Vector<Scalar>& velocity() const noexcept { return velocity_; }

  /// Saves the velocity under `prefix`.
  void save(CheckpointWriter& writer, const std::string& prefix) const {
    writer.put(prefix + ".velocity", velocity_);
  }

  /// An Sgd with these hyperparameters and the velocity saved under `prefix`.
  /// @throws CheckpointError if the entry is missing, of another size, or not finite
  static Sgd restore(const CheckpointReader& reader, const std::string& prefix,
                     const Hyperparameters& hyperparameters, std::size_t parameter_count) {
    Sgd sgd(hyperparameters, parameter_count);
    sgd.velocity_ = reader.get_finite_array<Scalar>(prefix + ".velocity", parameter_count);
    return sgd;
  }

 private:
  void check_sizes([[maybe_unused]] const VectorRef<Scalar>& parameters,
                   [[maybe_unused]] const ConstVectorRef<Scalar>& gradients) const {
    GAN_ASSERT(parameters.size() == velocity_.size() && gradients.size() == velocity_.size(),
               "Sgd::step: parameter count differs from the one the optimizer was made for");
  }

  // Both updates fused in a single loop over [begin, begin + count): one pass over memory.
  void update(VectorRef<Scalar>& parameters, const ConstVectorRef<Scalar>& gradients,
              Eigen::Index begin, Eigen::Index count) {
    const auto momentum = static_cast<Scalar>(hyperparameters_.momentum);
    const auto rate = static_cast<Scalar>(hyperparameters_.learning_rate);
    Scalar* p = parameters.data();
    Scalar* v = velocity_.data();
    const Scalar* g = gradients.data();
    for (Eigen::Index i = begin; i < begin + count; ++i) {
      v[i] = momentum * v[i] + g[i];
      p[i] -= rate * v[i];
    }
  }

  Hyperparameters hyperparameters_;
  Vector<Scalar> velocity_;
};

}  // namespace gan
