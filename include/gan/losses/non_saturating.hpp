// SPDX-License-Identifier: MIT
// The non-saturating GAN loss, the framework's default.
#pragma once

#include <gan/core/tensor.hpp>
#include <gan/losses/logistic.hpp>
#include <gan/losses/sigmoid_cross_entropy.hpp>

namespace gan {

/// The non-saturating GAN loss (Goodfellow et al. 2014, arXiv:1406.2661, section 3).
///
/// The discriminator minimises the binary cross-entropy of real against fake. The generator,
/// instead of minimising log(1 - D(G(z))), which has almost no gradient while D rejects its
/// samples confidently, maximises log D(G(z)):
///   L_G = mean_j softplus(-f_j) = -mean log D(G(z_j)),  dL_G/df_j = (sigmoid(f_j) - 1) / n.
/// Both players' fixed point is the same as the minimax game's.
struct NonSaturatingLoss : detail::SigmoidCrossEntropyDiscriminator {
  static constexpr const char* name = "non-saturating";

  /// A generated sample's term for G, -log D(G(z)) = softplus(-f): the term of a real
  /// sample for D, as if G's samples were labelled real.
  using GeneratorTerm = RealTerm;

  template <typename Scalar>
  static double generator_loss(const Matrix<Scalar>& fake_logits, Matrix<Scalar>& fake_gradient) {
    return detail::mean_over_logits<GeneratorTerm>(fake_logits, fake_gradient);
  }
};

}  // namespace gan
