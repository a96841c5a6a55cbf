// SPDX-License-Identifier: MIT
// Rectified linear unit: max(x, 0).
#pragma once

#include <gan/layers/elementwise.hpp>

#include <string>

namespace gan {

/// Rectified linear unit, f(x) = max(x, 0); its derivative at 0 is taken as 0.
struct Relu {
  /// Keeps the shape of its input.
  template <typename InputShape>
  using output_shape = InputShape;

  std::string describe() const { return "ReLU"; }

  template <typename Scalar>
  void apply(const Matrix<Scalar>& in, Matrix<Scalar>& out) const {
    out = in.cwiseMax(Scalar(0));
  }

  /// out > 0 exactly where in > 0, so the output alone tells the slope.
  template <typename Scalar>
  void gradient(const Matrix<Scalar>& out, const Matrix<Scalar>& grad_out,
                Matrix<Scalar>& grad_in) const {
    grad_in = (out.array() > Scalar(0)).select(grad_out, Scalar(0));
  }

  template <typename Scalar, typename InputShape>
  using Layer = detail::ElementwiseLayer<Relu, Scalar>;
};

}  // namespace gan
