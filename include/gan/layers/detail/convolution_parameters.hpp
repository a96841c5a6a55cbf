// SPDX-License-Identifier: MIT
// The parameters of a convolution, Conv2d's or ConvTranspose2d's, as both backends' passes
// take them.
#pragma once

#include <cstddef>
#include <type_traits>

namespace gan {

/// The parameters of a convolution at the addresses of its backend, in the layout of
/// gan::Conv2d and gan::ConvTranspose2d: W, [rows, patch_size] column-major, then the bias
/// (one value per output channel) when there is one.
template <typename T>
struct ConvolutionParameters {
  T* values;
  std::ptrdiff_t rows;  // Conv2d: output channels; ConvTranspose2d: input channels
  std::ptrdiff_t patch_size;
  bool has_bias;

  T* bias() const noexcept { return values + rows * patch_size; }
  // A template, so that the const form has no conversion to itself (which nvcc warns of).
  template <typename U = T>
  requires(std::is_same_v<U, T> && !std::is_const_v<U>) operator ConvolutionParameters<const U>()
      const noexcept {
    return {values, rows, patch_size, has_bias};
  }
};

}  // namespace gan
