// SPDX-License-Identifier: MIT
// Adam's update on the device.
#pragma once

#include <gan/core/config.hpp>
#include <gan/device/buffer.hpp>
#include <gan/device/policy.hpp>
#include <gan/optim/adam.hpp>

#include <thrust/for_each.h>
#include <thrust/iterator/counting_iterator.h>

#include <cmath>
#include <cstddef>

namespace gan::device {
namespace detail {

template <typename T>
struct AdamUpdate {
  T* parameters;
  const T* gradients;
  T* first_moment;
  T* second_moment;
  AdamStepConstants<T> constants;

  GAN_HOST_DEVICE void operator()(std::ptrdiff_t i) const {
    const T g = gradients[i];
    const T m = constants.beta1 * first_moment[i] + (T(1) - constants.beta1) * g;
    const T v = constants.beta2 * second_moment[i] + (T(1) - constants.beta2) * (g * g);
    first_moment[i] = m;
    second_moment[i] = v;
    parameters[i] -=
        constants.rate * m / (std::sqrt(v) * constants.inverse_root2 + constants.epsilon);
  }
};

}  // namespace detail

/// One Adam update of `count` parameters at device addresses, with their moments at device
/// addresses, from the constants of the step (Adam<T>::advance(), which counts the step):
/// the CPU's gan::Adam update, value by value, each parameter on its own.
template <typename T>
void adam_update(T* parameters, const T* gradients, T* first_moment, T* second_moment,
                 std::ptrdiff_t count, const AdamStepConstants<T>& constants) {
  thrust::for_each(
      detail::step_policy(), thrust::counting_iterator<std::ptrdiff_t>(0),
      thrust::counting_iterator<std::ptrdiff_t>(count),
      detail::AdamUpdate<T>{parameters, gradients, first_moment, second_moment, constants});
}

/// adam_update() on a network's parameter and gradient views and an optimizer's moments: what
/// gan::Adam<Device<T>>::step() runs.
template <typename T>
void adam_update(VectorView<T> parameters, VectorView<const T> gradients, Buffer<T>& first_moment,
                 Buffer<T>& second_moment, const AdamStepConstants<T>& constants) {
  adam_update(parameters.data, gradients.data, first_moment.data(), second_moment.data(),
              parameters.size, constants);
}

}  // namespace gan::device
