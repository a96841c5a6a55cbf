// SPDX-License-Identifier: MIT
// Hyperbolic tangent activation, the usual last layer of a generator of images in [-1, 1].
#pragma once

#include <gan/core/config.hpp>
#include <gan/layers/elementwise.hpp>

#include <cmath>
#include <string>

namespace gan {

/// f(x) = tanh(x); f'(x) = 1 - tanh(x)^2, computed from the cached output.
struct Tanh {
  /// Keeps the shape of its input.
  template <typename InputShape>
  using output_shape = InputShape;

  std::string describe() const { return "Tanh"; }

  template <typename In, typename Out>
  void apply(const In& in, Out& out) const {
    out = in.array().tanh();
  }

  template <typename Out, typename GradOut, typename GradIn>
  void gradient(const Out& out, const GradOut& grad_out, GradIn& grad_in) const {
    using Scalar = typename Out::Scalar;
    grad_in = grad_out.array() * (Scalar(1) - out.array().square());
  }

  /// The same function one value at a time, for the device backend.
  template <typename Scalar>
  struct Elementwise {
    GAN_HOST_DEVICE Scalar value(Scalar x) const { return std::tanh(x); }
    GAN_HOST_DEVICE Scalar gradient(Scalar y, Scalar g) const { return g * (Scalar(1) - y * y); }
  };
  template <typename Scalar>
  Elementwise<Scalar> elementwise() const {
    return {};
  }

  template <typename B, typename InputShape>
  using Layer = detail::ElementwiseLayer<Tanh, B>;
};

}  // namespace gan
