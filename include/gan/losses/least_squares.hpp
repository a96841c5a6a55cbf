// SPDX-License-Identifier: MIT
// The least-squares GAN loss.
#pragma once

#include <gan/core/config.hpp>
#include <gan/core/tensor.hpp>
#include <gan/losses/logit_terms.hpp>

namespace gan {

namespace detail::least_squares {

/// A real sample's term, 1/2 (r - 1)^2.
struct RealTerm {
  template <typename Scalar>
  GAN_HOST_DEVICE static double loss(Scalar r) {
    const double error = static_cast<double>(r) - 1.0;
    return 0.5 * error * error;
  }
  template <typename Scalar>
  GAN_HOST_DEVICE static Scalar gradient(Scalar r) {
    return r - Scalar(1);
  }
};
/// A generated sample's term for D, 1/2 f^2.
struct FakeTerm {
  template <typename Scalar>
  GAN_HOST_DEVICE static double loss(Scalar f) {
    return 0.5 * static_cast<double>(f) * static_cast<double>(f);
  }
  template <typename Scalar>
  GAN_HOST_DEVICE static Scalar gradient(Scalar f) {
    return f;
  }
};

}  // namespace detail::least_squares

/// Least-squares GAN (Mao et al. 2017, arXiv:1611.04076, equation 2 with a = 0, b = c = 1).
///
/// The discriminator's raw output o (its "logit"; no sigmoid is applied) is regressed onto 1
/// for real and 0 for fake, and the generator pulls its samples' outputs towards 1:
///   L_D = 1/2 mean (r - 1)^2 + 1/2 mean f^2,   L_G = 1/2 mean (f - 1)^2.
/// Squares of finite logits stay finite, so no special care is needed for extreme values.
/// G's term is the real sample's, 1/2 (f - 1)^2.
struct LeastSquaresLoss
    : detail::TermwiseLoss<detail::least_squares::RealTerm, detail::least_squares::FakeTerm,
                           detail::least_squares::RealTerm> {
  static constexpr const char* name = "least-squares";

  /// The raw output, which the loss pulls to 1 for real and 0 for fake samples.
  template <typename Scalar>
  GAN_HOST_DEVICE static double score(Scalar logit) {
    return static_cast<double>(logit);
  }
};

}  // namespace gan
