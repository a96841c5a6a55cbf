// SPDX-License-Identifier: MIT
// Losses as means of per-logit terms: the form every loss policy takes, so that the CPU and
// the device compute a loss from the same functions of one logit.
#pragma once

#include <gan/core/tensor.hpp>

namespace gan::detail {

/// L = mean_i Term::loss(x_i) over the logits x, in double; writes
/// dL/dx_i = Term::gradient(x_i) / n into `gradient`, resized to the logits' shape.
///
/// Every loss policy is a sum of such means, one per batch it scores, each with a Term of
/// two static functions of one logit: loss(x), as a double, and gradient(x), the derivative of
/// loss, as a Scalar. The device backend computes the same means from the same terms
/// (device/losses.hpp), which is why the terms are functions of one value each.
template <typename Term, typename Scalar>
double mean_over_logits(const Matrix<Scalar>& logits, Matrix<Scalar>& gradient) {
  gradient.resize(logits.rows(), logits.cols());
  const double count = static_cast<double>(logits.size());
  double loss = 0;
  for (Eigen::Index i = 0; i < logits.size(); ++i) {
    const Scalar x = logits(i);
    loss += Term::loss(x);
    gradient(i) = static_cast<Scalar>(Term::gradient(x) / count);
  }
  return loss / count;
}

/// The losses of a policy made of three per-logit terms: L_D = mean RealTerm over the real
/// logits + mean FakeTerm over the fake ones, L_G = mean GeneratorTerm over the fake ones.
/// Policies of that form inherit it and add their name and score().
template <typename Real, typename Fake, typename Generator>
struct TermwiseLoss {
  using RealTerm = Real;
  using FakeTerm = Fake;
  using GeneratorTerm = Generator;

  template <typename Scalar>
  static double discriminator_loss(const Matrix<Scalar>& real_logits,
                                   const Matrix<Scalar>& fake_logits, Matrix<Scalar>& real_gradient,
                                   Matrix<Scalar>& fake_gradient) {
    return mean_over_logits<RealTerm>(real_logits, real_gradient) +
           mean_over_logits<FakeTerm>(fake_logits, fake_gradient);
  }

  template <typename Scalar>
  static double generator_loss(const Matrix<Scalar>& fake_logits, Matrix<Scalar>& fake_gradient) {
    return mean_over_logits<GeneratorTerm>(fake_logits, fake_gradient);
  }
};

}  // namespace gan::detail
