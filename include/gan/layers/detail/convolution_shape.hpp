// SPDX-License-Identifier: MIT
// Output sizes of Conv2d and ConvTranspose2d, and the diagnostics shown when an input does not
// fit them.
#pragma once

#include <gan/core/shape.hpp>

#include <cstddef>

namespace gan {

namespace diagnostics {

// Named in the errors below, so that the first line of the error states the numbers.
template <std::size_t... Dims>
struct input_shape_of_convolution {};
template <std::size_t Channels>
struct channels_of_input {};
template <std::size_t InChannels>
struct in_channels_of_layer {};
template <std::size_t Kernel>
struct kernel_size {};
template <std::size_t Height, std::size_t Width>
struct padded_input_height_width {};
template <std::size_t Height, std::size_t Width>
struct input_height_width {};

/// Instantiated only when a convolution's input is not an image Shape<C, H, W>:
///   In instantiation of 'struct gan::diagnostics::ConvolutionInputMustBeAnImage<
///     gan::diagnostics::input_shape_of_convolution<784> >'
template <typename Received>
struct ConvolutionInputMustBeAnImage {
  static_assert(always_false<Received>,
                "gan::Conv2d and gan::ConvTranspose2d take images, gan::Shape<Channels, Height, "
                "Width>; the shape they received is named in the 'In instantiation of' line "
                "above. Put a gan::Reshape<gan::Shape<C, H, W>> before the layer");
  static constexpr bool value = false;
};

/// Instantiated only when the input's channel count differs from the layer's InChannels:
///   In instantiation of 'struct gan::diagnostics::ConvolutionInputChannelsDoNotMatchLayer<
///     gan::diagnostics::channels_of_input<3>, gan::diagnostics::in_channels_of_layer<1> >'
template <typename InputChannels, typename LayerChannels>
struct ConvolutionInputChannelsDoNotMatchLayer {
  static_assert(always_false<InputChannels>,
                "gan::Conv2d / gan::ConvTranspose2d: InChannels must equal the number of channels "
                "of the input (both are named in the 'In instantiation of' line above); change "
                "InChannels, or the layer before");
  static constexpr bool value = false;
};

/// Instantiated only when a Conv2d kernel is larger than its padded input in height or width:
///   In instantiation of 'struct gan::diagnostics::ConvolutionKernelLargerThanPaddedInput<
///     gan::diagnostics::kernel_size<5>, gan::diagnostics::padded_input_height_width<4, 4> >'
template <typename Kernel, typename PaddedInput>
struct ConvolutionKernelLargerThanPaddedInput {
  static_assert(always_false<Kernel>,
                "gan::Conv2d: the kernel must fit in the padded input, Kernel <= Height + 2 * "
                "Padding and Kernel <= Width + 2 * Padding (the numbers are named in the 'In "
                "instantiation of' line above); use a smaller kernel, more padding or a larger "
                "input");
  static constexpr bool value = false;
};

/// Instantiated only when a ConvTranspose2d would produce no pixels, (H - 1) * Stride + Kernel
/// + OutputPadding <= 2 * Padding:
///   In instantiation of 'struct gan::diagnostics::TransposedConvolutionOutputIsEmpty<
///     gan::diagnostics::input_height_width<1, 1> >'
template <typename Input>
struct TransposedConvolutionOutputIsEmpty {
  static_assert(always_false<Input>,
                "gan::ConvTranspose2d: the output would have no pixels, since its height (H - 1) "
                "* Stride - 2 * Padding + Kernel + OutputPadding, or its width, is not positive "
                "for the input named in the 'In instantiation of' line above; use less padding, "
                "a larger kernel or a larger input");
  static constexpr bool value = false;
};

template <typename Shape>
struct as_convolution_input;
template <std::size_t... Dims>
struct as_convolution_input<Shape<Dims...>> {
  using type = input_shape_of_convolution<Dims...>;
};

}  // namespace diagnostics

namespace detail {

/// The dimensions of an image shape Shape<C, H, W>. Any other shape reads as one 1 x 1 pixel of
/// no channels, so that the output size can still be formed after the diagnostic has fired.
template <typename S>
struct ImageDims {
  static constexpr bool is_image = false;
  static constexpr std::size_t channels = 0;
  static constexpr std::size_t height = 1;
  static constexpr std::size_t width = 1;
};
template <std::size_t Channels, std::size_t Height, std::size_t Width>
struct ImageDims<Shape<Channels, Height, Width>> {
  static constexpr bool is_image = true;
  static constexpr std::size_t channels = Channels;
  static constexpr std::size_t height = Height;
  static constexpr std::size_t width = Width;
};

/// Conv2d's output height or width for an input extent: floor((H + 2P - K) / S) + 1. Where
/// the kernel does not fit (the diagnostic has fired), 1, so that later layers see a plausible
/// shape rather than report errors of their own.
template <std::size_t Kernel, std::size_t Stride, std::size_t Padding>
constexpr std::size_t convolution_extent(std::size_t extent) {
  return extent + 2 * Padding >= Kernel ? (extent + 2 * Padding - Kernel) / Stride + 1 : 1;
}

/// ConvTranspose2d's output height or width: (H - 1) * S - 2P + K + OP, or 1 where that is not
/// positive (the diagnostic has fired).
template <std::size_t Kernel, std::size_t Stride, std::size_t Padding, std::size_t OutputPadding>
constexpr std::size_t transposed_convolution_extent(std::size_t extent) {
  const std::size_t unpadded = (extent - 1) * Stride + Kernel + OutputPadding;
  return unpadded > 2 * Padding ? unpadded - 2 * Padding : 1;
}

/// True when InputShape is an image of InChannels channels; otherwise instantiates the
/// diagnostic for the first problem found.
template <std::size_t InChannels, typename InputShape>
constexpr bool is_image_of_channels() {
  using Image = ImageDims<InputShape>;
  if constexpr (!Image::is_image) {
    return diagnostics::ConvolutionInputMustBeAnImage<
        typename diagnostics::as_convolution_input<InputShape>::type>::value;
  } else if constexpr (Image::channels != InChannels) {
    return diagnostics::ConvolutionInputChannelsDoNotMatchLayer<
        diagnostics::channels_of_input<Image::channels>,
        diagnostics::in_channels_of_layer<InChannels>>::value;
  } else {
    return true;
  }
}

/// Whether a Conv2d accepts InputShape; instantiates a diagnostic when it does not.
template <std::size_t InChannels, std::size_t Kernel, std::size_t Padding, typename InputShape>
constexpr bool convolution_input_fits() {
  using Image = ImageDims<InputShape>;
  if constexpr (!is_image_of_channels<InChannels, InputShape>()) {
    return false;
  } else if constexpr (Image::height + 2 * Padding < Kernel ||
                       Image::width + 2 * Padding < Kernel) {
    return diagnostics::ConvolutionKernelLargerThanPaddedInput<
        diagnostics::kernel_size<Kernel>,
        diagnostics::padded_input_height_width<Image::height + 2 * Padding,
                                               Image::width + 2 * Padding>>::value;
  } else {
    return true;
  }
}

/// Whether a ConvTranspose2d accepts InputShape; instantiates a diagnostic when it does not.
template <std::size_t InChannels, std::size_t Kernel, std::size_t Stride, std::size_t Padding,
          std::size_t OutputPadding, typename InputShape>
constexpr bool transposed_convolution_input_fits() {
  using Image = ImageDims<InputShape>;
  constexpr std::size_t unpadded_height = (Image::height - 1) * Stride + Kernel + OutputPadding;
  constexpr std::size_t unpadded_width = (Image::width - 1) * Stride + Kernel + OutputPadding;
  if constexpr (!is_image_of_channels<InChannels, InputShape>()) {
    return false;
  } else if constexpr (unpadded_height <= 2 * Padding || unpadded_width <= 2 * Padding) {
    return diagnostics::TransposedConvolutionOutputIsEmpty<
        diagnostics::input_height_width<Image::height, Image::width>>::value;
  } else {
    return true;
  }
}

/// OutputShape, once Checked has been evaluated: naming checked_output<check(), S>::type runs
/// the check (and so its diagnostics) whenever a layer's output shape is asked for.
template <bool Checked, typename OutputShape>
struct checked_output {
  using type = OutputShape;
};

}  // namespace detail

}  // namespace gan
