// SPDX-License-Identifier: MIT
// Leaky rectified linear unit: x for x > 0, slope * x otherwise.
#pragma once

#include <gan/core/config.hpp>
#include <gan/core/error.hpp>
#include <gan/layers/elementwise.hpp>

#include <charconv>
#include <stdexcept>
#include <string>

namespace gan {

/// f(x) = x for x > 0 and slope * x otherwise (Maas et al. 2013).
///
/// The default slope is 0.2, the value the DCGAN paper (Radford et al. 2016) uses in its
/// discriminator and most GAN code follows; PyTorch's own default is 0.01.
struct LeakyRelu {
  LeakyRelu() = default;
  /// @throws std::invalid_argument unless 0 <= negative_slope < 1
  explicit LeakyRelu(double negative_slope) : slope_(negative_slope) {
    if (!(negative_slope >= 0.0 && negative_slope < 1.0))
      throw std::invalid_argument(
          message("LeakyRelu::LeakyRelu: expected a slope in [0, 1), got ", negative_slope));
  }

  /// Keeps the shape of its input.
  template <typename InputShape>
  using output_shape = InputShape;

  /// Gradient for negative inputs, in [0, 1) so that max(x, slope * x) holds.
  double slope() const noexcept { return slope_; }

  /// "LeakyReLU(0.2)": the slope in the shortest form that reads back exactly, so that two
  /// different slopes never describe themselves alike (checkpoints compare this text).
  std::string describe() const {
    char digits[32];
    const auto end = std::to_chars(digits, digits + sizeof digits, slope_).ptr;
    return "LeakyReLU(" + std::string(digits, end) + ")";
  }

  template <typename In, typename Out>
  void apply(const In& in, Out& out) const {
    using Scalar = typename In::Scalar;
    out = in.cwiseMax(in * static_cast<Scalar>(slope_));
  }

  /// With a slope in [0, 1), out > 0 exactly where in > 0, so the output alone tells the
  /// slope.
  template <typename Out, typename GradOut, typename GradIn>
  void gradient(const Out& out, const GradOut& grad_out, GradIn& grad_in) const {
    using Scalar = typename Out::Scalar;
    grad_in = (out.array() > Scalar(0)).select(grad_out, grad_out * static_cast<Scalar>(slope_));
  }

  /// The same function one value at a time, for the device backend.
  template <typename Scalar>
  struct Elementwise {
    Scalar slope;
    GAN_HOST_DEVICE Scalar value(Scalar x) const { return x > Scalar(0) ? x : slope * x; }
    GAN_HOST_DEVICE Scalar gradient(Scalar y, Scalar g) const {
      return y > Scalar(0) ? g : slope * g;
    }
  };
  template <typename Scalar>
  Elementwise<Scalar> elementwise() const {
    return {static_cast<Scalar>(slope_)};
  }

  template <typename B, typename InputShape>
  using Layer = detail::ElementwiseLayer<LeakyRelu, B>;

 private:
  double slope_ = 0.2;
};

}  // namespace gan
