// SPDX-License-Identifier: MIT
// Loss policies on the device, from the same per-logit terms as on the CPU.
#pragma once

#include <gan/core/config.hpp>
#include <gan/device/buffer.hpp>
#include <gan/device/policy.hpp>
#include <gan/device/temporary_memory.hpp>

#include <thrust/execution_policy.h>
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

// The reductions read their values through raw addresses by index, rather than through
// Thrust's iterators over device memory, whose references Thrust 3.0 builds from a null
// system pointer (undefined behaviour that UBSan reports, harmless in practice).
template <typename Term, typename T>
struct TermLoss {
  const T* logits;
  GAN_HOST_DEVICE double operator()(std::ptrdiff_t i) const { return Term::loss(logits[i]); }
};

template <typename Policy, typename T>
struct Score {
  const T* logits;
  GAN_HOST_DEVICE double operator()(std::ptrdiff_t i) const { return Policy::score(logits[i]); }
};

/// The sum over i in [0, count) of value(i), in double, on the device.
template <typename Value>
double sum_over(std::ptrdiff_t count, Value value) {
  return thrust::transform_reduce(
      thrust::device(temporary_memory()), thrust::counting_iterator<std::ptrdiff_t>(0),
      thrust::counting_iterator<std::ptrdiff_t>(count), value, 0.0, thrust::plus<double>());
}

}  // namespace detail

/// gan::detail::mean_over_logits on the device: writes dL/dx_i = Term::gradient(x_i) / n to
/// `gradient` and returns L = mean_i Term::loss(x_i), summed in double. The loss is the one
/// value that comes back to the host.
template <typename Term, typename T>
double mean_over_logits(const Matrix<T>& logits, Matrix<T>& gradient) {
  gradient.resize(logits.rows(), logits.cols());
  const double count = static_cast<double>(logits.size());
  thrust::transform(detail::step_policy(), logits.begin(), logits.end(), gradient.begin(),
                    detail::TermGradient<Term, T>{count});
  return detail::sum_over(logits.size(), detail::TermLoss<Term, T>{logits.data()}) / count;
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
  return detail::sum_over(logits.size(), detail::Score<Policy, T>{logits.data()}) /
         static_cast<double>(logits.size());
}

}  // namespace gan::device
