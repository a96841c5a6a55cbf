// SPDX-License-Identifier: MIT
// Identity activation: passes its input through unchanged.
#pragma once

#include <gan/layers/elementwise.hpp>

#include <string>

namespace gan {

/// f(x) = x. Useful as an explicit linear output, e.g. a critic's or a regressor's last layer.
struct Identity {
  /// Keeps the shape of its input.
  template <typename InputShape>
  using output_shape = InputShape;

  std::string describe() const { return "Identity"; }

  template <typename Scalar>
  void apply(const Matrix<Scalar>& in, Matrix<Scalar>& out) const {
    out = in;
  }

  template <typename Scalar>
  void gradient(const Matrix<Scalar>& out, const Matrix<Scalar>& grad_out,
                Matrix<Scalar>& grad_in) const {
    (void)out;
    grad_in = grad_out;
  }

  template <typename Scalar, typename InputShape>
  using Layer = detail::ElementwiseLayer<Identity, Scalar>;
};

}  // namespace gan
