// SPDX-License-Identifier: MIT
// Rectified linear unit: max(x, 0).
#pragma once

#include <gan/core/config.hpp>
#include <gan/layers/elementwise.hpp>

#include <string>

namespace gan {

/// Rectified linear unit, f(x) = max(x, 0); its derivative at 0 is taken as 0.
struct Relu {
  /// Keeps the shape of its input.
  template <typename InputShape>
  using output_shape = InputShape;

  std::string describe() const { return "ReLU"; }

  template <typename In, typename Out>
  void apply(const In& in, Out& out) const {
    using Scalar = typename In::Scalar;
    out = in.cwiseMax(Scalar(0));
  }

  /// out > 0 exactly where in > 0, so the output alone tells the slope.
  template <typename Out, typename GradOut, typename GradIn>
  void gradient(const Out& out, const GradOut& grad_out, GradIn& grad_in) const {
    using Scalar = typename Out::Scalar;
    grad_in = (out.array() > Scalar(0)).select(grad_out, Scalar(0));
  }

  /// The same function one value at a time, for the device backend.
  template <typename Scalar>
  struct Elementwise {
    GAN_HOST_DEVICE Scalar value(Scalar x) const { return x > Scalar(0) ? x : Scalar(0); }
    GAN_HOST_DEVICE Scalar gradient(Scalar y, Scalar g) const {
      return y > Scalar(0) ? g : Scalar(0);
    }
  };
  template <typename Scalar>
  Elementwise<Scalar> elementwise() const {
    return {};
  }

  template <typename B, typename InputShape>
  using Layer = detail::ElementwiseLayer<Relu, B>;
};

}  // namespace gan
