// SPDX-License-Identifier: MIT
// Logistic sigmoid activation.
#pragma once

#include <gan/core/config.hpp>
#include <gan/layers/elementwise.hpp>

#include <cmath>
#include <string>

namespace gan {

/// f(x) = 1 / (1 + exp(-x)); f'(x) = f(x) (1 - f(x)), computed from the cached output.
///
/// A discriminator should end in a Dense layer, not in Sigmoid: the loss policies take logits
/// and apply the sigmoid themselves in a numerically stable way.
struct Sigmoid {
  /// Keeps the shape of its input.
  template <typename InputShape>
  using output_shape = InputShape;

  std::string describe() const { return "Sigmoid"; }

  template <typename In, typename Out>
  void apply(const In& in, Out& out) const {
    out = in.array().logistic();
  }

  template <typename Out, typename GradOut, typename GradIn>
  void gradient(const Out& out, const GradOut& grad_out, GradIn& grad_in) const {
    using Scalar = typename Out::Scalar;
    grad_in = grad_out.array() * out.array() * (Scalar(1) - out.array());
  }

  /// The same function one value at a time, for the device backend. exp(-x) overflows to
  /// infinity for x far below 0, which gives exactly 0, as it should.
  template <typename Scalar>
  struct Elementwise {
    GAN_HOST_DEVICE Scalar value(Scalar x) const { return Scalar(1) / (Scalar(1) + std::exp(-x)); }
    GAN_HOST_DEVICE Scalar gradient(Scalar y, Scalar g) const { return g * y * (Scalar(1) - y); }
  };
  template <typename Scalar>
  Elementwise<Scalar> elementwise() const {
    return {};
  }

  template <typename B, typename InputShape>
  using Layer = detail::ElementwiseLayer<Sigmoid, B>;
};

}  // namespace gan
