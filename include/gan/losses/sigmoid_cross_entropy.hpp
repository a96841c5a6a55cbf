// SPDX-License-Identifier: MIT
// The discriminator's side of the original GAN objective, which the minimax and the
// non-saturating policies have in common (they differ only in the generator's loss).
#pragma once

#include <gan/core/config.hpp>
#include <gan/core/tensor.hpp>
#include <gan/losses/logistic.hpp>
#include <gan/losses/logit_terms.hpp>

namespace gan::detail {

/// The discriminator's side shared by MinimaxLoss and NonSaturatingLoss, which inherit it:
/// binary cross-entropy of D on a real batch (label 1) and a fake batch (label 0), from logits,
///   L_D = mean_i softplus(-r_i) + mean_j softplus(f_j)
///       = -mean log D(x_i) - mean log(1 - D(G(z_j))),
/// with dL/dr_i = (sigmoid(r_i) - 1) / n_real and dL/df_j = sigmoid(f_j) / n_fake; and the
/// probability D(x) = sigmoid(logit) as the score the statistics report.
struct SigmoidCrossEntropyDiscriminator {
  /// A real sample's term: -log D(x) = softplus(-r).
  struct RealTerm {
    template <typename Scalar>
    GAN_HOST_DEVICE static double loss(Scalar r) {
      return logistic::softplus(-r);
    }
    template <typename Scalar>
    GAN_HOST_DEVICE static Scalar gradient(Scalar r) {
      return logistic::sigmoid(r) - Scalar(1);
    }
  };
  /// A generated sample's term: -log(1 - D(G(z))) = softplus(f).
  struct FakeTerm {
    template <typename Scalar>
    GAN_HOST_DEVICE static double loss(Scalar f) {
      return logistic::softplus(f);
    }
    template <typename Scalar>
    GAN_HOST_DEVICE static Scalar gradient(Scalar f) {
      return logistic::sigmoid(f);
    }
  };

  template <typename Scalar>
  static double discriminator_loss(const Matrix<Scalar>& real_logits,
                                   const Matrix<Scalar>& fake_logits, Matrix<Scalar>& real_gradient,
                                   Matrix<Scalar>& fake_gradient) {
    return mean_over_logits<RealTerm>(real_logits, real_gradient) +
           mean_over_logits<FakeTerm>(fake_logits, fake_gradient);
  }

  template <typename Scalar>
  GAN_HOST_DEVICE static double score(Scalar logit) {
    return logistic::sigmoid(static_cast<double>(logit));
  }
};

}  // namespace gan::detail
