// SPDX-License-Identifier: MIT
// Compile-time tensor shapes, and the diagnostics shown when two of them do not fit.
#pragma once

#include <cstddef>
#include <string>

namespace gan {

/// The shape of one sample, known at compile time: Shape<784> for a flat vector,
/// Shape<1, 28, 28> for a one-channel image (channels, height, width).
///
/// Memory layout of an image. The dimensions are written [C, H, W], but a sample's values are
/// stored channels-last: value (c, h, w) is entry (h * W + w) * C + c of the sample's column.
/// A batch [C * H * W, batch] is then also a [C, H * W * batch] matrix with one pixel per
/// column, which is exactly what a convolution computes as one matrix product
/// (weights [C_out, K] times unfolded windows [K, pixels]), with no transposition between
/// layers. For one channel (MNIST's [1, 28, 28]) the layout is plain row-major pixels.
template <std::size_t... Dims>
struct Shape {
  static_assert(sizeof...(Dims) > 0, "gan::Shape: a shape needs at least one dimension");
  static_assert(((Dims > 0) && ...), "gan::Shape: every dimension must be at least 1");

  /// Number of dimensions.
  static constexpr std::size_t rank = sizeof...(Dims);
  /// Number of scalars in one sample.
  static constexpr std::size_t size = (Dims * ...);

  /// The shape in the form users write it, e.g. "[1, 28, 28]".
  static std::string describe() {
    std::string text = "[";
    ((text += std::to_string(Dims) + ", "), ...);
    text.resize(text.size() - 2);
    return text + "]";
  }
};

template <typename T>
inline constexpr bool is_shape_v = false;
template <std::size_t... Dims>
inline constexpr bool is_shape_v<Shape<Dims...>> = true;

namespace diagnostics {

// These types exist only to be named in a compiler error: when a layer does not fit the one
// before it, the compiler prints "In instantiation of LayerInputDoesNotMatchPreviousOutput<
// layer_number<...>, output_of_previous_layer<...>, input_of_next_layer<...>>", which states
// both shapes in words (nn/sequential.hpp; the trainer's diagnostics do the same).
template <std::size_t... Dims>
struct output_of_previous_layer {};
template <std::size_t... Dims>
struct input_of_next_layer {};
template <std::size_t... Dims>
struct generator_output {};
template <std::size_t... Dims>
struct discriminator_input {};

/// Always false; lets a static_assert fire only when its template is instantiated.
template <typename...>
inline constexpr bool always_false = false;

}  // namespace diagnostics

}  // namespace gan
