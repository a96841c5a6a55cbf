// SPDX-License-Identifier: MIT
// Numerically stable functions of a logit, shared by the sigmoid-based loss policies.
#pragma once

#include <gan/core/config.hpp>

#include <cmath>

namespace gan::logistic {

/// softplus(x) = log(1 + exp(x)) without overflow for large x or loss of precision for very
/// negative x: max(x, 0) + log1p(exp(-|x|)). Equals -log(sigmoid(-x)).
template <typename Scalar>
GAN_HOST_DEVICE Scalar softplus(Scalar x) {
  return std::fmax(x, Scalar(0)) + std::log1p(std::exp(-std::fabs(x)));
}

/// sigmoid(x) = 1 / (1 + exp(-x)), written so that exp never overflows.
template <typename Scalar>
GAN_HOST_DEVICE Scalar sigmoid(Scalar x) {
  if (x >= Scalar(0)) return Scalar(1) / (Scalar(1) + std::exp(-x));
  const Scalar e = std::exp(x);
  return e / (Scalar(1) + e);
}

}  // namespace gan::logistic
