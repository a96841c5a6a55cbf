// SPDX-License-Identifier: MIT
// The least-squares GAN loss.
#pragma once

#include <gan/core/tensor.hpp>

namespace gan {

/// Least-squares GAN (Mao et al. 2017, arXiv:1611.04076, equation 2 with a = 0, b = c = 1).
///
/// The discriminator's raw output o (its "logit"; no sigmoid is applied) is regressed onto 1
/// for real and 0 for fake, and the generator pulls its samples' outputs towards 1:
///   L_D = 1/2 mean (r - 1)^2 + 1/2 mean f^2,   L_G = 1/2 mean (f - 1)^2.
/// Squares of finite logits stay finite, so no special care is needed for extreme values.
struct LeastSquaresLoss {
  static constexpr const char* name = "least-squares";

  template <typename Scalar>
  static double discriminator_loss(const Matrix<Scalar>& real_logits,
                                   const Matrix<Scalar>& fake_logits, Matrix<Scalar>& real_gradient,
                                   Matrix<Scalar>& fake_gradient) {
    const double real_count = static_cast<double>(real_logits.size());
    const double fake_count = static_cast<double>(fake_logits.size());
    real_gradient = (real_logits.array() - Scalar(1)) / static_cast<Scalar>(real_count);
    fake_gradient = fake_logits.array() / static_cast<Scalar>(fake_count);
    const double real_loss =
        (real_logits.array() - Scalar(1)).template cast<double>().square().sum();
    const double fake_loss = fake_logits.array().template cast<double>().square().sum();
    return 0.5 * real_loss / real_count + 0.5 * fake_loss / fake_count;
  }

  template <typename Scalar>
  static double generator_loss(const Matrix<Scalar>& fake_logits, Matrix<Scalar>& fake_gradient) {
    const double count = static_cast<double>(fake_logits.size());
    fake_gradient = (fake_logits.array() - Scalar(1)) / static_cast<Scalar>(count);
    return 0.5 * (fake_logits.array() - Scalar(1)).template cast<double>().square().sum() / count;
  }

  /// The raw output, which the loss pulls to 1 for real and 0 for fake samples.
  template <typename Scalar>
  static double score(Scalar logit) {
    return static_cast<double>(logit);
  }
};

}  // namespace gan
