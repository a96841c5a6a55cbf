// SPDX-License-Identifier: MIT
// Hyperbolic tangent activation, the usual last layer of a generator of images in [-1, 1].
#pragma once

#include <gan/layers/elementwise.hpp>

#include <string>

namespace gan {

/// f(x) = tanh(x); f'(x) = 1 - tanh(x)^2, computed from the cached output.
struct Tanh {
  /// Keeps the shape of its input.
  template <typename InputShape>
  using output_shape = InputShape;

  std::string describe() const { return "Tanh"; }

  template <typename Scalar>
  void apply(const Matrix<Scalar>& in, Matrix<Scalar>& out) const {
    out = in.array().tanh();
  }

  template <typename Scalar>
  void gradient(const Matrix<Scalar>& out, const Matrix<Scalar>& grad_out,
                Matrix<Scalar>& grad_in) const {
    grad_in = grad_out.array() * (Scalar(1) - out.array().square());
  }

  template <typename Scalar, typename InputShape>
  using Layer = detail::ElementwiseLayer<Tanh, Scalar>;
};

}  // namespace gan
