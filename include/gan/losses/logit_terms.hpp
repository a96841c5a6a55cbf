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

}  // namespace gan::detail
