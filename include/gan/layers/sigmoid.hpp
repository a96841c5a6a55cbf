// SPDX-License-Identifier: MIT
// Logistic sigmoid activation.
#pragma once

#include <gan/layers/elementwise.hpp>

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

  template <typename Scalar, typename InputShape>
  using Layer = detail::ElementwiseLayer<Sigmoid, Scalar>;
};

}  // namespace gan
