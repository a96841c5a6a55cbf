// SPDX-License-Identifier: MIT
// SGD's update on the device.
#pragma once

#include <gan/core/config.hpp>
#include <gan/device/buffer.hpp>
#include <gan/device/policy.hpp>
#include <gan/optim/sgd.hpp>

#include <thrust/for_each.h>
#include <thrust/iterator/counting_iterator.h>

#include <cstddef>

namespace gan::device {
namespace detail {

template <typename T>
struct SgdStep {
  T* parameters;
  const T* gradients;
  T* velocity;
  SgdUpdate<T> rule;

  GAN_HOST_DEVICE void operator()(std::ptrdiff_t i) const {
    rule(parameters[i], velocity[i], gradients[i]);
  }
};

}  // namespace detail

/// One SGD update of a network's parameters on the device, with the velocity in device
/// memory: the CPU's gan::SgdUpdate, one device computation per parameter. What
/// gan::Sgd<Device<T>>::step() runs.
template <typename T>
void sgd_update(VectorView<T> parameters, VectorView<const T> gradients, Buffer<T>& velocity,
                const SgdUpdate<T>& rule) {
  thrust::for_each(detail::step_policy(), thrust::counting_iterator<std::ptrdiff_t>(0),
                   thrust::counting_iterator<std::ptrdiff_t>(parameters.size),
                   detail::SgdStep<T>{parameters.data, gradients.data, velocity.data(), rule});
}

}  // namespace gan::device
