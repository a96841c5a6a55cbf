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
struct MinimaxLoss {
  static constexpr const char* name = "minimax";

  template <typename Scalar>
  static double discriminator_loss(const Matrix<Scalar>& real_logits,
                                   const Matrix<Scalar>& fake_logits,
                                   Matrix<Scalar>& real_gradient, Matrix<Scalar>& fake_gradient) {
    return detail::sigmoid_cross_entropy_discriminator(real_logits, fake_logits, real_gradient,
                                                       fake_gradient);
  }

  template <typename Scalar>
  static double generator_loss(const Matrix<Scalar>& fake_logits, Matrix<Scalar>& fake_gradient) {
    fake_gradient.resize(fake_logits.rows(), fake_logits.cols());
    const double count = static_cast<double>(fake_logits.size());
    double loss = 0;
    for (Eigen::Index j = 0; j < fake_logits.size(); ++j) {
      const Scalar f = fake_logits(j);
      loss -= logistic::softplus(f);
      fake_gradient(j) = static_cast<Scalar>(-logistic::sigmoid(f) / count);
    }
    return loss / count;
  }

  /// The probability D(x).
  template <typename Scalar>
  static double score(Scalar logit) {
    return logistic::sigmoid(static_cast<double>(logit));
  }
};

}  // namespace gan
