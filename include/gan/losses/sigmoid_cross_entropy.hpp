// SPDX-License-Identifier: MIT
// The pieces the sigmoid-based loss policies share: a mean over logits with its gradient, and
// the discriminator's side of the original GAN objective, which the minimax and the
// non-saturating policies have in common (they differ only in the generator's loss).
#pragma once

#include <gan/core/tensor.hpp>
#include <gan/losses/logistic.hpp>

namespace gan::detail {

/// L = mean_i loss_of(x_i) over the logits x, in double; writes dL/dx_i = gradient_of(x_i) / n
/// into `gradient`, resized to the logits' shape.
template <typename Scalar, typename LossOf, typename GradientOf>
double mean_over_logits(const Matrix<Scalar>& logits, Matrix<Scalar>& gradient, LossOf loss_of,
                        GradientOf gradient_of) {
  gradient.resize(logits.rows(), logits.cols());
  const double count = static_cast<double>(logits.size());
  double loss = 0;
  for (Eigen::Index i = 0; i < logits.size(); ++i) {
    const Scalar x = logits(i);
    loss += loss_of(x);
    gradient(i) = static_cast<Scalar>(gradient_of(x) / count);
  }
  return loss / count;
}

/// The discriminator's side shared by MinimaxLoss and NonSaturatingLoss, which inherit it:
/// binary cross-entropy of D on a real batch (label 1) and a fake batch (label 0), from logits,
///   L_D = mean_i softplus(-r_i) + mean_j softplus(f_j)
///       = -mean log D(x_i) - mean log(1 - D(G(z_j))),
/// with dL/dr_i = (sigmoid(r_i) - 1) / n_real and dL/df_j = sigmoid(f_j) / n_fake; and the
/// probability D(x) = sigmoid(logit) as the score the statistics report.
struct SigmoidCrossEntropyDiscriminator {
  template <typename Scalar>
  static double discriminator_loss(const Matrix<Scalar>& real_logits,
                                   const Matrix<Scalar>& fake_logits, Matrix<Scalar>& real_gradient,
                                   Matrix<Scalar>& fake_gradient) {
    const double real_loss = mean_over_logits(
        real_logits, real_gradient, [](Scalar r) { return logistic::softplus(-r); },
        [](Scalar r) { return logistic::sigmoid(r) - Scalar(1); });
    const double fake_loss = mean_over_logits(
        fake_logits, fake_gradient, [](Scalar f) { return logistic::softplus(f); },
        [](Scalar f) { return logistic::sigmoid(f); });
    return real_loss + fake_loss;
  }

  template <typename Scalar>
  static double score(Scalar logit) {
    return logistic::sigmoid(static_cast<double>(logit));
  }
};

}  // namespace gan::detail
