// SPDX-License-Identifier: MIT
// Data on the device: batches gathered from a data set that stays in device memory, and the
// check that a buffer holds only finite values.
#pragma once

#include <gan/core/config.hpp>
#include <gan/core/error.hpp>
#include <gan/device/buffer.hpp>
#include <gan/device/policy.hpp>
#include <gan/device/temporary_memory.hpp>

#include <thrust/execution_policy.h>
#include <thrust/functional.h>
#include <thrust/iterator/counting_iterator.h>
#include <thrust/transform.h>
#include <thrust/transform_reduce.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <stdexcept>

namespace gan::device {
namespace detail {

template <typename T>
struct GatherColumn {
  const T* samples;
  const std::uint64_t* order;
  std::ptrdiff_t features;
  std::ptrdiff_t first;

  GAN_HOST_DEVICE T operator()(std::ptrdiff_t i) const {
    const std::ptrdiff_t column = static_cast<std::ptrdiff_t>(order[first + i / features]);
    return samples[column * features + i % features];
  }
};

// By index through a raw address, not through Thrust's iterators over device memory (see
// device/losses.hpp).
template <typename T>
struct IsFinite {
  const T* values;
  GAN_HOST_DEVICE bool operator()(std::ptrdiff_t i) const { return std::isfinite(values[i]); }
};

}  // namespace detail

/// Writes the samples order[first], ..., order[first + count - 1] (columns of `samples`) to
/// `batch`, resized to [features, count]: a shuffled batch taken on the device from a data
/// set that was copied there once, so that a training step copies no data. `order` is a
/// device address of at least first + count sample indices.
/// @throws std::invalid_argument for a count of 0
template <typename T>
void gather_columns(const Matrix<T>& samples, const std::uint64_t* order, std::ptrdiff_t first,
                    std::ptrdiff_t count, Matrix<T>& batch) {
  if (count <= 0)
    throw std::invalid_argument(
        message("gan::device::gather_columns: expected at least one sample, got ", count));
  batch.resize(samples.rows(), count);
  thrust::transform(detail::step_policy(), thrust::counting_iterator<std::ptrdiff_t>(0),
                    thrust::counting_iterator<std::ptrdiff_t>(batch.size()), batch.begin(),
                    detail::GatherColumn<T>{samples.data(), order, samples.rows(), first});
}

/// Whether every one of `count` values at the device address `values` is finite: one
/// reduction, whose answer is the only value that comes back to the host.
template <typename T>
bool all_finite(const T* values, std::ptrdiff_t count) {
  return thrust::transform_reduce(thrust::device(detail::temporary_memory()),
                                  thrust::counting_iterator<std::ptrdiff_t>(0),
                                  thrust::counting_iterator<std::ptrdiff_t>(count),
                                  detail::IsFinite<T>{values}, true, thrust::logical_and<bool>());
}

}  // namespace gan::device
