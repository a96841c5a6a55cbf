// SPDX-License-Identifier: MIT
// Identity activation: passes its input through unchanged.
#pragma once

#include <gan/core/config.hpp>
#include <gan/layers/elementwise.hpp>

#include <string>

namespace gan {

/// f(x) = x. Useful as an explicit linear output, e.g. a critic's or a regressor's last layer.
struct Identity {
  /// Keeps the shape of its input.
  template <typename InputShape>
  using output_shape = InputShape;

  std::string describe() const { return "Identity"; }

  template <typename In, typename Out>
  void apply(const In& in, Out& out) const {
    out = in;
  }

  template <typename Out, typename GradOut, typename GradIn>
  void gradient(const Out& out, const GradOut& grad_out, GradIn& grad_in) const {
    (void)out;
    grad_in = grad_out;
  }

  /// The same function one value at a time, for the device backend.
  template <typename Scalar>
  struct Elementwise {
    GAN_HOST_DEVICE Scalar value(Scalar x) const { return x; }
    GAN_HOST_DEVICE Scalar gradient(Scalar, Scalar g) const { return g; }
  };
  template <typename Scalar>
  Elementwise<Scalar> elementwise() const {
    return {};
  }

  template <typename B, typename InputShape>
  using Layer = detail::ElementwiseLayer<Identity, B>;
};

}  // namespace gan
