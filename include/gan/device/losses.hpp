// SPDX-License-Identifier: MIT
// Loss policies on the device, from the same per-logit terms as on the CPU.
#pragma once

#include <gan/core/config.hpp>
#include <gan/device/buffer.hpp>

#include <thrust/functional.h>
#include <thrust/iterator/counting_iterator.h>
#include <thrust/transform.h>
#include <thrust/transform_reduce.h>

#include <cstddef>

namespace gan::device {
namespace detail {

template <typename Term, typename T>
struct TermGradient {
  double count;
  GAN_HOST_DEVICE T operator()(T x) const { return static_cast<T>(Term::gradient(x) / count); }
};

template <typename Term, typename T>
struct TermLoss {
  GAN_HOST_DEVICE double operator()(T x) const { return Term::loss(x); }
};

template <typename Policy, typename T>
struct Score {
  GAN_HOST_DEVICE double operator()(T x) const { return Policy::score(x); }
};

}  // namespace detail

/// gan::detail::mean_over_logits on the device: writes dL/dx_i = Term::gradient(x_i) / n to
/// `gradient` and returns L = mean_i Term::loss(x_i), summed in double. The loss is the one
/// value that comes back to the host.
template <typename Term, typename T>
double mean_over_logits(const Matrix<T>& logits, Matrix<T>& gradient) {
  gradient.resize(logits.rows(), logits.cols());
  const double count = static_cast<double>(logits.size());
  thrust::transform(logits.begin(), logits.end(), gradient.begin(),
                    detail::TermGradient<Term, T>{count});
  return thrust::transform_reduce(logits.begin(), logits.end(), detail::TermLoss<Term, T>{}, 0.0,
                                  thrust::plus<double>()) /
         count;
}

/// Policy's discriminator loss on device logits ([1, batch] each), with the gradients, as
/// Policy::discriminator_loss computes it on the CPU: the mean of Policy::RealTerm over the
/// real logits plus that of Policy::FakeTerm over the fake ones.
template <typename Policy, typename T>
double discriminator_loss(const Matrix<T>& real_logits, const Matrix<T>& fake_logits,
                          Matrix<T>& real_gradient, Matrix<T>& fake_gradient) {
  return mean_over_logits<typename Policy::RealTerm>(real_logits, real_gradient) +
         mean_over_logits<typename Policy::FakeTerm>(fake_logits, fake_gradient);
}

/// Policy's generator loss on device logits, with the gradient: the mean of
/// Policy::GeneratorTerm.
template <typename Policy, typename T>
double generator_loss(const Matrix<T>& fake_logits, Matrix<T>& fake_gradient) {
  return mean_over_logits<typename Policy::GeneratorTerm>(fake_logits, fake_gradient);
}

/// The mean of Policy::score over device logits: the "D(x)" and "D(G(z))" of the statistics.
template <typename Policy, typename T>
double mean_score(const Matrix<T>& logits) {
  return thrust::transform_reduce(logits.begin(), logits.end(), detail::Score<Policy, T>{}, 0.0,
                                  thrust::plus<double>()) /
         static_cast<double>(logits.size());
}

}  // namespace gan::device
