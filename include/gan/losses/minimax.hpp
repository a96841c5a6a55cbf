// SPDX-License-Identifier: MIT
// The original minimax GAN loss, with the saturating generator objective.
#pragma once

#include <gan/core/tensor.hpp>
#include <gan/losses/logistic.hpp>
#include <gan/losses/sigmoid_cross_entropy.hpp>

namespace gan {

/// The minimax GAN objective exactly as stated by Goodfellow et al. 2014 (arXiv:1406.2661,
/// equation 1): D minimises the binary cross-entropy of real against fake, and G minimises
///   L_G = mean_j log(1 - D(G(z_j))) = -mean_j softplus(f_j),  dL_G/df_j = -sigmoid(f_j) / n.
///
/// @note This loss saturates: while D rejects G's samples confidently, sigmoid(f) is near 0
/// and so is G's gradient. It is here for comparison and teaching; NonSaturatingLoss is the
/// default for a reason.
struct MinimaxLoss : detail::SigmoidCrossEntropyDiscriminator {
  static constexpr const char* name = "minimax";

  /// A generated sample's term for G: log(1 - D(G(z))) = -softplus(f).
  struct GeneratorTerm {
    template <typename Scalar>
    GAN_HOST_DEVICE static double loss(Scalar f) {
      return -logistic::softplus(f);
    }
    template <typename Scalar>
    GAN_HOST_DEVICE static Scalar gradient(Scalar f) {
      return -logistic::sigmoid(f);
    }
  };

  template <typename Scalar>
  static double generator_loss(const Matrix<Scalar>& fake_logits, Matrix<Scalar>& fake_gradient) {
    return detail::mean_over_logits<GeneratorTerm>(fake_logits, fake_gradient);
  }
};

}  // namespace gan
