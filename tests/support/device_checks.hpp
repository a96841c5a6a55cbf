// SPDX-License-Identifier: MIT
// Test support for the device backend: copies of flat vectors and of a network's views between
// the host and the device, and the comparison of a device result with the CPU's.
#pragma once

#include <gan/core/tensor.hpp>
#include <gan/device/backend.hpp>
#include <gan/device/buffer.hpp>

#include <algorithm>
#include <cstddef>
#include <span>

namespace gan::test_support {

/// A device copy of a host vector (a network's parameters, gradients or state).
template <typename T>
gan::device::Buffer<T> to_device(const gan::Vector<T>& host) {
  gan::device::Buffer<T> device(static_cast<std::size_t>(host.size()));
  device.copy_from_host(std::span<const T>(host.data(), static_cast<std::size_t>(host.size())));
  return device;
}

/// A host copy of a device buffer.
template <typename T>
gan::Vector<T> to_host(const gan::device::Buffer<T>& device) {
  gan::Vector<T> host(static_cast<Eigen::Index>(device.size()));
  device.copy_to_host(std::span<T>(host.data(), device.size()));
  return host;
}

/// A host copy of a network's parameters, gradients or state on gan::Device<T>, given as the
/// view the network hands out.
template <typename T, typename View>
gan::Vector<T> download(const View& view) {
  return gan::Device<T>::to_host(view);
}

/// The largest difference between `found` and `expected`, relative to the largest magnitude
/// in `expected` where that is above 1 (absolute below).
template <typename Found, typename Expected>
double relative_difference(const Found& found, const Expected& expected) {
  const double scale = std::max(1.0, static_cast<double>(expected.cwiseAbs().maxCoeff()));
  return static_cast<double>((found - expected).cwiseAbs().maxCoeff()) / scale;
}

}  // namespace gan::test_support
