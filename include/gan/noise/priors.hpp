// SPDX-License-Identifier: MIT
// Noise priors: the distributions the generator's input z is drawn from.
#pragma once

#include <gan/core/random.hpp>
#include <gan/core/tensor.hpp>

namespace gan {

/// Fills `values` with independent N(0, 1) draws from `rng`, in memory order (column by
/// column). The device backend's overload (device/random.hpp) draws the same numbers.
template <typename Scalar>
void fill_normal(Matrix<Scalar>& values, Rng& rng) {
  for (Eigen::Index i = 0; i < values.size(); ++i)
    values.data()[i] = static_cast<Scalar>(rng.normal());
}

/// Fills `values` with independent U[low, high) draws from `rng`, in memory order.
template <typename Scalar>
void fill_uniform(Matrix<Scalar>& values, Rng& rng, double low, double high) {
  for (Eigen::Index i = 0; i < values.size(); ++i)
    values.data()[i] = static_cast<Scalar>(rng.uniform(low, high));
}

// A prior's fill() takes the batch matrix of any backend: the unqualified calls find the
// CPU's functions above, or the device's by the matrix type (argument-dependent lookup).

/// z ~ N(0, I), the prior of most GAN papers since DCGAN.
struct StandardNormal {
  static constexpr const char* name = "normal";

  /// Fills every entry of `noise` ([latent_dim, batch]) with an independent draw, column by
  /// column, so that sample j of a batch is the same whatever the batch size.
  template <typename Batch>
  static void fill(Batch& noise, Rng& rng) {
    fill_normal(noise, rng);
  }
};

/// z ~ U[-1, 1]^d, the prior of the original GAN paper (Goodfellow et al. 2014).
struct Uniform {
  static constexpr const char* name = "uniform";

  template <typename Batch>
  static void fill(Batch& noise, Rng& rng) {
    fill_uniform(noise, rng, -1.0, 1.0);
  }
};

}  // namespace gan
