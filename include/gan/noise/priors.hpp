// SPDX-License-Identifier: MIT
// Noise priors: the distributions the generator's input z is drawn from.
#pragma once

#include <gan/core/random.hpp>
#include <gan/core/tensor.hpp>

namespace gan {

/// z ~ N(0, I), the prior of most GAN papers since DCGAN.
struct StandardNormal {
  static constexpr const char* name = "normal";

  /// Fills every entry of `noise` ([latent_dim, batch]) with an independent draw, column by
  /// column, so that sample j of a batch is the same whatever the batch size.
  template <typename Scalar>
  static void fill(Matrix<Scalar>& noise, Rng& rng) {
    for (Eigen::Index i = 0; i < noise.size(); ++i)
      noise.data()[i] = static_cast<Scalar>(rng.normal());
  }
};

/// z ~ U[-1, 1]^d, the prior of the original GAN paper (Goodfellow et al. 2014).
struct Uniform {
  static constexpr const char* name = "uniform";

  template <typename Scalar>
  static void fill(Matrix<Scalar>& noise, Rng& rng) {
    for (Eigen::Index i = 0; i < noise.size(); ++i)
      noise.data()[i] = static_cast<Scalar>(rng.uniform(-1.0, 1.0));
  }
};

}  // namespace gan
