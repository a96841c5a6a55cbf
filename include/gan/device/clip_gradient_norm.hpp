// SPDX-License-Identifier: MIT
// Gradient-norm clipping on the device: the norm of a gradient buffer and its scaled copy.
#pragma once

#include <gan/core/config.hpp>
#include <gan/device/buffer.hpp>
#include <gan/device/policy.hpp>
#include <gan/device/temporary_memory.hpp>
#include <gan/optim/clip_gradient_norm.hpp>

#include <thrust/device_ptr.h>
#include <thrust/execution_policy.h>
#include <thrust/functional.h>
#include <thrust/iterator/counting_iterator.h>
#include <thrust/transform.h>
#include <thrust/transform_reduce.h>

#include <cstddef>

namespace gan::device {
namespace detail {

// By index through a raw address, not through Thrust's iterators over device memory (see
// device/losses.hpp).
template <typename T>
struct SquareInDouble {
  const T* values;
  GAN_HOST_DEVICE double operator()(std::ptrdiff_t i) const {
    const double value = values[i];
    return value * value;
  }
};

template <typename T>
struct ScaledValue {
  const T* values;
  T factor;
  GAN_HOST_DEVICE T operator()(std::ptrdiff_t i) const { return values[i] * factor; }
};

}  // namespace detail

/// The sum of the squares of `values`, in double: one reduction, whose answer is the only
/// value that comes back to the host. What gan::ClipGradientNorm's device step measures.
template <typename T>
double squared_norm(VectorView<const T> values) {
  return thrust::transform_reduce(
      thrust::device(detail::temporary_memory()), thrust::counting_iterator<std::ptrdiff_t>(0),
      thrust::counting_iterator<std::ptrdiff_t>(values.size),
      detail::SquareInDouble<T>{values.data}, 0.0, thrust::plus<double>());
}

/// out = values * factor, value by value; `out` has as many values as `values`.
template <typename T>
void scale_into(VectorView<const T> values, T factor, VectorView<T> out) {
  thrust::transform(detail::step_policy(), thrust::counting_iterator<std::ptrdiff_t>(0),
                    thrust::counting_iterator<std::ptrdiff_t>(values.size),
                    thrust::device_pointer_cast(out.data),
                    detail::ScaledValue<T>{values.data, factor});
}

}  // namespace gan::device
