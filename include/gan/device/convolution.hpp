// SPDX-License-Identifier: MIT
// Convolutions on the device: im2col and col2im as gathers, and the passes of Conv2d and
// ConvTranspose2d on their parameter layouts, with the products through gemm().
#pragma once

#include <gan/core/config.hpp>
#include <gan/device/blas.hpp>
#include <gan/device/buffer.hpp>
#include <gan/device/elementwise.hpp>
#include <gan/layers/detail/im2col.hpp>

#include <thrust/iterator/counting_iterator.h>
#include <thrust/transform.h>

#include <cstddef>
#include <type_traits>

namespace gan::device {
namespace detail {

/// The geometry in signed integers, for index arithmetic (only its constants are used in
/// device code).
template <typename Geometry>
using Windows = gan::detail::SignedWindowGeometry<Geometry>;

/// Value i of the column matrix of a batch (the layout of gan::detail::im2col): the image
/// value under that window position, or 0 in the padding.
template <typename Geometry, typename T>
struct Unfold {
  const T* images;

  GAN_HOST_DEVICE T operator()(std::ptrdiff_t i) const {
    using G = Windows<Geometry>;
    const std::ptrdiff_t column = i / G::patch_size;
    const std::ptrdiff_t row = i % G::patch_size;
    const std::ptrdiff_t image = column / G::windows;
    const std::ptrdiff_t window = column % G::windows;
    const std::ptrdiff_t offset = row / G::channels;  // ky * kernel + kx
    const std::ptrdiff_t y = (window / G::out_width) * G::stride - G::padding + offset / G::kernel;
    const std::ptrdiff_t x = (window % G::out_width) * G::stride - G::padding + offset % G::kernel;
    if (y < 0 || y >= G::height || x < 0 || x >= G::width) return T(0);
    return images[image * G::image_size + (y * G::width + x) * G::channels + row % G::channels];
  }
};

/// Value j of a batch of images folded back from a column matrix (gan::detail::col2im): the
/// sum of every column entry copied from that position. The windows are visited in the
/// CPU's order (window rows, then window columns, ascending), which is kernel offsets
/// descending, so both backends add the same values in the same order.
template <typename Geometry, typename T>
struct Fold {
  const T* columns;

  GAN_HOST_DEVICE T operator()(std::ptrdiff_t j) const {
    using G = Windows<Geometry>;
    const std::ptrdiff_t image = j / G::image_size;
    const std::ptrdiff_t pixel = (j % G::image_size) / G::channels;
    const std::ptrdiff_t channel = j % G::channels;
    const std::ptrdiff_t y = pixel / G::width + G::padding;
    const std::ptrdiff_t x = pixel % G::width + G::padding;
    T sum = 0;
    for (std::ptrdiff_t ky = G::kernel - 1; ky >= 0; --ky) {
      const std::ptrdiff_t top = y - ky;  // window row oy * stride
      if (top < 0 || top % G::stride != 0 || top / G::stride >= G::out_height) continue;
      for (std::ptrdiff_t kx = G::kernel - 1; kx >= 0; --kx) {
        const std::ptrdiff_t left = x - kx;
        if (left < 0 || left % G::stride != 0 || left / G::stride >= G::out_width) continue;
        const std::ptrdiff_t window = (top / G::stride) * G::out_width + left / G::stride;
        sum += columns[(image * G::windows + window) * G::patch_size +
                       (ky * G::kernel + kx) * G::channels + channel];
      }
    }
    return sum;
  }
};

}  // namespace detail

/// Unfolds `batch` channels-last images into `columns`, resized to [patch_size,
/// windows * batch], as gan::detail::im2col does on the CPU.
template <typename Geometry, typename T>
void im2col(const T* images, std::ptrdiff_t batch, Matrix<T>& columns) {
  columns.resize(detail::Windows<Geometry>::patch_size, detail::Windows<Geometry>::windows * batch);
  thrust::transform(thrust::counting_iterator<std::ptrdiff_t>(0),
                    thrust::counting_iterator<std::ptrdiff_t>(columns.size()), columns.begin(),
                    detail::Unfold<Geometry, T>{images});
}

/// The adjoint of im2col(): writes `batch` images to `images` (room for image_size * batch
/// values) from a column matrix of im2col()'s layout.
template <typename Geometry, typename T>
void col2im(const Matrix<T>& columns, std::ptrdiff_t batch, T* images) {
  thrust::transform(
      thrust::counting_iterator<std::ptrdiff_t>(0),
      thrust::counting_iterator<std::ptrdiff_t>(detail::Windows<Geometry>::image_size * batch),
      thrust::device_pointer_cast(images), detail::Fold<Geometry, T>{columns.data()});
}

/// The parameters of a convolution at a device address, in the layout of gan::Conv2d and
/// gan::ConvTranspose2d: W, [rows, patch_size] column-major, then the bias when there is one.
template <typename T>
struct ConvolutionParameters {
  T* values;
  std::ptrdiff_t rows;  // Conv2d: output channels; ConvTranspose2d: input channels
  std::ptrdiff_t patch_size;
  bool has_bias;

  ConstMatrixView<std::remove_const_t<T>> weights() const noexcept {
    return {values, rows, patch_size};
  }
  /// The weights to add gradients to.
  MatrixView<T> weights_to_write() const noexcept requires(!std::is_const_v<T>) {
    return {values, rows, patch_size};
  }
  T* bias() const noexcept { return values + rows * patch_size; }
};

// Every pass checks the shapes of its batches first (std::invalid_argument naming them), so
// that no gather reads outside them.

/// gan::Conv2d's forward pass: out = W im2col(in) (+ b per channel). Geometry is the layer's
/// detail::WindowGeometry; `columns` is scratch space, resized as needed.
template <typename Geometry, typename T>
void conv2d_forward(ConvolutionParameters<const T> layer, const Matrix<T>& in, Matrix<T>& out,
                    Matrix<T>& columns) {
  detail::check_batch("conv2d_forward", in, detail::Windows<Geometry>::image_size);
  const std::ptrdiff_t batch = in.cols();
  im2col<Geometry>(in.data(), batch, columns);
  out.resize(layer.rows * detail::Windows<Geometry>::windows, batch);
  const MatrixView<T> out_pixels{out.data(), layer.rows,
                                 detail::Windows<Geometry>::windows * batch};
  gemm<T>(Op::none, layer.weights(), Op::none, columns.view(), T(1), T(0), out_pixels);
  if (layer.has_bias) add_to_each_column(out_pixels, layer.bias());
}

/// gan::Conv2d's backward pass: adds dL/dW (and dL/db) to `gradients` when given, and writes
/// dL/din to *grad_in when given.
template <typename Geometry, typename T>
void conv2d_backward(ConvolutionParameters<const T> layer, const Matrix<T>& in,
                     const Matrix<T>& grad_out, ConvolutionParameters<T>* gradients,
                     Matrix<T>* grad_in, Matrix<T>& columns) {
  using G = detail::Windows<Geometry>;
  detail::check_batch("conv2d_backward", in, G::image_size);
  detail::check_gradient("conv2d_backward", grad_out, layer.rows * G::windows, in.cols());
  const std::ptrdiff_t batch = grad_out.cols();
  const ConstMatrixView<T> grad_out_pixels{grad_out.data(), layer.rows,
                                           detail::Windows<Geometry>::windows * batch};
  if (gradients != nullptr) {
    im2col<Geometry>(in.data(), batch, columns);
    gemm<T>(Op::none, grad_out_pixels, Op::transpose, columns.view(), T(1), T(1),
            gradients->weights_to_write());
    if (layer.has_bias) add_row_sums(grad_out_pixels, gradients->bias());
  }
  if (grad_in != nullptr) {
    columns.resize(detail::Windows<Geometry>::patch_size,
                   detail::Windows<Geometry>::windows * batch);
    gemm<T>(Op::transpose, layer.weights(), Op::none, grad_out_pixels, T(1), T(0), columns.view());
    grad_in->resize(detail::Windows<Geometry>::image_size, batch);
    col2im<Geometry>(columns, batch, grad_in->data());
  }
}

/// gan::ConvTranspose2d's forward pass: out = col2im(W^T in) (+ b per channel), Geometry
/// being the windows of the adjoint convolution (one per input pixel).
template <typename Geometry, typename T>
void conv_transpose2d_forward(ConvolutionParameters<const T> layer, const Matrix<T>& in,
                              Matrix<T>& out, Matrix<T>& columns) {
  detail::check_batch("conv_transpose2d_forward", in,
                      layer.rows * detail::Windows<Geometry>::windows);
  const std::ptrdiff_t batch = in.cols();
  const ConstMatrixView<T> in_pixels{in.data(), layer.rows,
                                     detail::Windows<Geometry>::windows * batch};
  columns.resize(detail::Windows<Geometry>::patch_size, detail::Windows<Geometry>::windows * batch);
  gemm<T>(Op::transpose, layer.weights(), Op::none, in_pixels, T(1), T(0), columns.view());
  out.resize(detail::Windows<Geometry>::image_size, batch);
  col2im<Geometry>(columns, batch, out.data());
  if (layer.has_bias)
    add_to_each_column(
        MatrixView<T>{out.data(), detail::Windows<Geometry>::channels,
                      detail::Windows<Geometry>::height * detail::Windows<Geometry>::width * batch},
        layer.bias());
}

/// gan::ConvTranspose2d's backward pass: adds dL/dW (and dL/db) to `gradients` when given,
/// and writes dL/din to *grad_in when given.
template <typename Geometry, typename T>
void conv_transpose2d_backward(ConvolutionParameters<const T> layer, const Matrix<T>& in,
                               const Matrix<T>& grad_out, ConvolutionParameters<T>* gradients,
                               Matrix<T>* grad_in, Matrix<T>& columns) {
  using G = detail::Windows<Geometry>;
  detail::check_batch("conv_transpose2d_backward", in, layer.rows * G::windows);
  detail::check_gradient("conv_transpose2d_backward", grad_out, G::image_size, in.cols());
  const std::ptrdiff_t batch = grad_out.cols();
  im2col<Geometry>(grad_out.data(), batch, columns);
  if (gradients != nullptr) {
    const ConstMatrixView<T> in_pixels{in.data(), layer.rows,
                                       detail::Windows<Geometry>::windows * batch};
    gemm<T>(Op::none, in_pixels, Op::transpose, columns.view(), T(1), T(1),
            gradients->weights_to_write());
    if (layer.has_bias)
      add_row_sums(ConstMatrixView<T>{grad_out.data(), detail::Windows<Geometry>::channels,
                                      detail::Windows<Geometry>::height *
                                          detail::Windows<Geometry>::width * batch},
                   gradients->bias());
  }
  if (grad_in != nullptr) {
    grad_in->resize(layer.rows * detail::Windows<Geometry>::windows, batch);
    gemm<T>(Op::none, layer.weights(), Op::none, columns.view(), T(1), T(0),
            MatrixView<T>{grad_in->data(), layer.rows, detail::Windows<Geometry>::windows * batch});
  }
}

}  // namespace gan::device
