// SPDX-License-Identifier: MIT
// The discriminator's side of the original GAN objective, shared by the minimax and the
// non-saturating policies, which differ only in the generator's loss.
#pragma once

#include <gan/core/tensor.hpp>
#include <gan/losses/logistic.hpp>

namespace gan::detail {

/// Binary cross-entropy of D on a real batch (label 1) and a fake batch (label 0), from logits:
///   L_D = mean_i softplus(-r_i) + mean_j softplus(f_j)
///       = -mean log D(x_i) - mean log(1 - D(G(z_j)))
/// Gradients: dL/dr_i = (sigmoid(r_i) - 1) / n_real, dL/df_j = sigmoid(f_j) / n_fake.
template <typename Scalar>
double sigmoid_cross_entropy_discriminator(const Matrix<Scalar>& real_logits,
                                           const Matrix<Scalar>& fake_logits,
                                           Matrix<Scalar>& real_gradient,
                                           Matrix<Scalar>& fake_gradient) {
  real_gradient.resize(real_logits.rows(), real_logits.cols());
  fake_gradient.resize(fake_logits.rows(), fake_logits.cols());
  const double real_count = static_cast<double>(real_logits.size());
  const double fake_count = static_cast<double>(fake_logits.size());
  double real_loss = 0;
  double fake_loss = 0;
  for (Eigen::Index i = 0; i < real_logits.size(); ++i) {
    const Scalar r = real_logits(i);
    real_loss += logistic::softplus(-r);
    real_gradient(i) = static_cast<Scalar>((logistic::sigmoid(r) - Scalar(1)) / real_count);
  }
  for (Eigen::Index j = 0; j < fake_logits.size(); ++j) {
    const Scalar f = fake_logits(j);
    fake_loss += logistic::softplus(f);
    fake_gradient(j) = static_cast<Scalar>(logistic::sigmoid(f) / fake_count);
  }
  return real_loss / real_count + fake_loss / fake_count;
}

}  // namespace gan::detail
