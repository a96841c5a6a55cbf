// SPDX-License-Identifier: MIT
// Stochastic gradient descent with momentum.
#pragma once

#include <gan/core/backend.hpp>
#include <gan/core/config.hpp>
#include <gan/core/error.hpp>
#include <gan/core/parallel.hpp>
#include <gan/core/tensor.hpp>
#include <gan/io/checkpoint.hpp>

#include <cmath>
#include <cstddef>
#include <stdexcept>
#include <string>

namespace gan {

/// One SGD update of one parameter, the same on every backend.
template <typename Scalar>
struct SgdUpdate {
  Scalar momentum;
  Scalar rate;

  GAN_HOST_DEVICE void operator()(Scalar& parameter, Scalar& velocity, Scalar gradient) const {
    velocity = momentum * velocity + gradient;
    parameter -= rate * velocity;
  }
};

/// SGD with momentum, in the form PyTorch uses (Sutskever et al. 2013):
///   v <- momentum * v + g,   p <- p - learning_rate * v
/// With momentum 0 this is plain gradient descent. Each network gets an Sgd of its own, so
/// the generator and the discriminator never share a velocity.
///
/// @tparam B the network's backend, or its scalar type (float, double) for the CPU
template <typename B>
class Sgd {
  using Backend = backend_t<B>;
  using Scalar = typename Backend::scalar_type;
  using Buffer = typename Backend::vector_type;

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
      : hyperparameters_(hyperparameters), velocity_(Backend::zeros(parameter_count)) {
    const auto& h = hyperparameters;
    if (!(std::isfinite(h.learning_rate) && h.learning_rate > 0))
      throw std::invalid_argument(
          message("Sgd: expected a positive learning rate, got ", h.learning_rate));
    if (!(h.momentum >= 0 && h.momentum < 1))
      throw std::invalid_argument(message("Sgd: expected a momentum in [0, 1), got ", h.momentum));
  }

  /// Applies one update to `parameters` from `gradients`; both have parameter_count values.
  void step(VectorRef<Scalar> parameters,
            ConstVectorRef<Scalar> gradients) requires(!Backend::on_device) {
    check_sizes(parameters, gradients);
    update(parameters, gradients, 0, velocity_.size());
  }

  /// step(), each thread updating the ranges `partition` gives it, which must cover every
  /// parameter once (Network::parameter_partition()); the result does not depend on it.
  void step(VectorRef<Scalar> parameters, ConstVectorRef<Scalar> gradients,
            const ParameterPartition& partition) requires(!Backend::on_device) {
    check_sizes(parameters, gradients);
    GAN_ASSERT(partition.end() <= velocity_.size(),
               "Sgd::step: the partition reaches past the parameters (another network's?)");
    partition.for_each_range([&](int, Eigen::Index begin, Eigen::Index count) {
      update(parameters, gradients, begin, count);
    });
  }

  /// step() on the device: one device computation per parameter (device/sgd.hpp).
  void step(typename Backend::vector_view parameters,
            typename Backend::const_vector_view gradients) requires(Backend::on_device) {
    GAN_ASSERT(parameters.size == static_cast<std::ptrdiff_t>(velocity_.size()) &&
                   gradients.size == parameters.size,
               "Sgd::step: parameter count differs from the one the optimizer was made for");
    sgd_update(parameters, gradients, velocity_, update_rule());
  }

  const Hyperparameters& hyperparameters() const noexcept { return hyperparameters_; }
  /// Sets the learning rate of later steps, for a schedule; the optimizer's state is kept.
  /// @throws std::invalid_argument for a learning rate that is not positive and finite
  void set_learning_rate(double learning_rate) {
    if (!(std::isfinite(learning_rate) && learning_rate > 0))
      throw std::invalid_argument(message(
          "Sgd::set_learning_rate: expected a positive learning rate, got ", learning_rate));
    hyperparameters_.learning_rate = learning_rate;
  }
  /// The velocity, in the backend's memory.
  const Buffer& velocity() const noexcept { return velocity_; }

  /// Saves the velocity under `prefix`.
  void save(CheckpointWriter& writer, const std::string& prefix) const {
    writer.put(prefix + ".velocity", Backend::to_host(Backend::view(velocity_)));
  }

  /// An Sgd with these hyperparameters and the velocity saved under `prefix`.
  /// @throws CheckpointError if the entry is missing, of another size, or not finite
  static Sgd restore(const CheckpointReader& reader, const std::string& prefix,
                     const Hyperparameters& hyperparameters, std::size_t parameter_count) {
    Sgd sgd(hyperparameters, parameter_count);
    Backend::from_host(reader.get_finite_array<Scalar>(prefix + ".velocity", parameter_count),
                       Backend::view(sgd.velocity_));
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
    const SgdUpdate<Scalar> rule = update_rule();
    Scalar* p = parameters.data();
    Scalar* v = velocity_.data();
    const Scalar* g = gradients.data();
    for (Eigen::Index i = begin; i < begin + count; ++i) rule(p[i], v[i], g[i]);
  }

  SgdUpdate<Scalar> update_rule() const {
    return {static_cast<Scalar>(hyperparameters_.momentum),
            static_cast<Scalar>(hyperparameters_.learning_rate)};
  }

  Hyperparameters hyperparameters_;
  Buffer velocity_;
};

}  // namespace gan
