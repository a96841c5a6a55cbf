// SPDX-License-Identifier: MIT
// Convolutions on the device: im2col and col2im as gathers, the passes of Conv2d and
// ConvTranspose2d on their parameter layouts, with the products through gemm(), and
// Conv2dPasses and ConvTranspose2dPasses for the device backend.
#pragma once

#include <gan/core/config.hpp>
#include <gan/device/blas.hpp>
#include <gan/device/buffer.hpp>
#include <gan/device/elementwise.hpp>
#include <gan/device/policy.hpp>
#include <gan/layers/conv2d.hpp>
#include <gan/layers/conv_transpose2d.hpp>
#include <gan/layers/detail/convolution_parameters.hpp>
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

/// W, [rows, patch_size] column-major, of a convolution's parameters in device memory.
template <typename T>
ConstMatrixView<T> weights(ConvolutionParameters<const T> layer) noexcept {
  return {layer.values, layer.rows, layer.patch_size};
}
/// The same, for adding gradients to.
template <typename T>
MatrixView<T> weights_to_write(ConvolutionParameters<T> layer) noexcept {
  return {layer.values, layer.rows, layer.patch_size};
}

}  // namespace detail

/// Unfolds `batch` channels-last images into `columns`, resized to [patch_size,
/// windows * batch], as gan::detail::im2col does on the CPU.
template <typename Geometry, typename T>
void im2col(const T* images, std::ptrdiff_t batch, Matrix<T>& columns) {
  columns.resize(detail::Windows<Geometry>::patch_size, detail::Windows<Geometry>::windows * batch);
  thrust::transform(detail::step_policy(), thrust::counting_iterator<std::ptrdiff_t>(0),
                    thrust::counting_iterator<std::ptrdiff_t>(columns.size()), columns.begin(),
                    detail::Unfold<Geometry, T>{images});
}

/// The adjoint of im2col(): writes `batch` images to `images` (room for image_size * batch
/// values) from a column matrix of im2col()'s layout.
template <typename Geometry, typename T>
void col2im(const Matrix<T>& columns, std::ptrdiff_t batch, T* images) {
  thrust::transform(
      detail::step_policy(), thrust::counting_iterator<std::ptrdiff_t>(0),
      thrust::counting_iterator<std::ptrdiff_t>(detail::Windows<Geometry>::image_size * batch),
      thrust::device_pointer_cast(images), detail::Fold<Geometry, T>{columns.data()});
}

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
  gemm<T>(Op::none, detail::weights(layer), Op::none, columns.view(), T(1), T(0), out_pixels);
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
            detail::weights_to_write(*gradients));
    if (layer.has_bias) add_row_sums(grad_out_pixels, gradients->bias());
  }
  if (grad_in != nullptr) {
    columns.resize(detail::Windows<Geometry>::patch_size,
                   detail::Windows<Geometry>::windows * batch);
    gemm<T>(Op::transpose, detail::weights(layer), Op::none, grad_out_pixels, T(1), T(0),
            columns.view());
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
  gemm<T>(Op::transpose, detail::weights(layer), Op::none, in_pixels, T(1), T(0), columns.view());
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
            detail::weights_to_write(*gradients));
    if (layer.has_bias)
      add_row_sums(ConstMatrixView<T>{grad_out.data(), detail::Windows<Geometry>::channels,
                                      detail::Windows<Geometry>::height *
                                          detail::Windows<Geometry>::width * batch},
                   gradients->bias());
  }
  if (grad_in != nullptr) {
    grad_in->resize(layer.rows * detail::Windows<Geometry>::windows, batch);
    gemm<T>(Op::none, detail::weights(layer), Op::none, columns.view(), T(1), T(0),
            MatrixView<T>{grad_in->data(), layer.rows, detail::Windows<Geometry>::windows * batch});
  }
}

}  // namespace gan::device

namespace gan {

/// gan::Conv2d's passes on the device. The column matrix is the layer's own, kept between
/// passes so that training allocates only on its first step; a copy of the layer (a copy of
/// its network, such as the trainer's averaged generator) starts with an empty one, since a
/// device matrix is not copied implicitly and the contents are scratch anyway.
template <typename Scalar, typename Geometry, std::size_t OutChannels, Bias BiasMode>
class Conv2dPasses<Device<Scalar>, Geometry, OutChannels, BiasMode> {
 public:
  Conv2dPasses() = default;
  Conv2dPasses(const Conv2dPasses& /*other*/) {}
  Conv2dPasses& operator=(const Conv2dPasses& /*other*/) { return *this; }
  Conv2dPasses(Conv2dPasses&&) noexcept = default;
  Conv2dPasses& operator=(Conv2dPasses&&) noexcept = default;
  ~Conv2dPasses() = default;

  void forward(ConvolutionParameters<const Scalar> layer, const device::Matrix<Scalar>& in,
               device::Matrix<Scalar>& out) const {
    device::conv2d_forward<Geometry>(layer, in, out, columns_);
  }
  void backward(ConvolutionParameters<const Scalar> layer, const device::Matrix<Scalar>& in,
                const device::Matrix<Scalar>& grad_out, ConvolutionParameters<Scalar>* gradients,
                device::Matrix<Scalar>* grad_in) const {
    device::conv2d_backward<Geometry>(layer, in, grad_out, gradients, grad_in, columns_);
  }

 private:
  // Scratch: im2col(in), or W^T grad_out. The passes are const, like the layer's.
  mutable device::Matrix<Scalar> columns_;
};

/// gan::ConvTranspose2d's passes on the device, with a column matrix of their own as
/// Conv2dPasses have.
template <typename Scalar, typename Geometry, std::size_t InChannels, Bias BiasMode>
class ConvTranspose2dPasses<Device<Scalar>, Geometry, InChannels, BiasMode> {
 public:
  ConvTranspose2dPasses() = default;
  ConvTranspose2dPasses(const ConvTranspose2dPasses& /*other*/) {}
  ConvTranspose2dPasses& operator=(const ConvTranspose2dPasses& /*other*/) { return *this; }
  ConvTranspose2dPasses(ConvTranspose2dPasses&&) noexcept = default;
  ConvTranspose2dPasses& operator=(ConvTranspose2dPasses&&) noexcept = default;
  ~ConvTranspose2dPasses() = default;

  void forward(ConvolutionParameters<const Scalar> layer, const device::Matrix<Scalar>& in,
               device::Matrix<Scalar>& out) const {
    device::conv_transpose2d_forward<Geometry>(layer, in, out, columns_);
  }
  void backward(ConvolutionParameters<const Scalar> layer, const device::Matrix<Scalar>& in,
                const device::Matrix<Scalar>& grad_out, ConvolutionParameters<Scalar>* gradients,
                device::Matrix<Scalar>* grad_in) const {
    // Nothing asked: skip the unfolding of grad_out, which the device pass does first.
    if (gradients == nullptr && grad_in == nullptr) return;
    device::conv_transpose2d_backward<Geometry>(layer, in, grad_out, gradients, grad_in, columns_);
  }

 private:
  // Scratch: W^T in, or im2col(grad_out).
  mutable device::Matrix<Scalar> columns_;
};

}  // namespace gan
