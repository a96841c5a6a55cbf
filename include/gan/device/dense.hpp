// SPDX-License-Identifier: MIT
// A dense layer's passes on device matrices, on the parameter layout of gan::Dense, and
// DensePasses for the device backend.
#pragma once

#include <gan/device/blas.hpp>
#include <gan/device/buffer.hpp>
#include <gan/device/elementwise.hpp>
#include <gan/layers/dense.hpp>

#include <cstddef>

namespace gan::device {

namespace detail {

/// W^T, [in, out] column-major: the memory of W row-major (gan::Dense's layout).
template <typename T>
MatrixView<T> weights_transposed(DenseParameters<T> layer) noexcept {
  return {layer.values, layer.in, layer.out};
}

}  // namespace detail

/// out [out, batch] = W in [in, batch] + b.
/// @throws std::invalid_argument unless `in` has layer.in rows and some columns
template <typename T>
void dense_forward(DenseParameters<const T> layer, const Matrix<T>& in, Matrix<T>& out) {
  detail::check_batch("dense_forward", in, layer.in);
  out.resize(layer.out, in.cols());
  gemm<T>(Op::transpose, {layer.values, layer.in, layer.out}, Op::none, in.view(), T(1), T(0),
          out.view());
  add_to_each_column(out.view(), layer.bias());
}

/// Adds dL/dW and dL/db to `gradients` (in the parameters' layout) when it is given, and
/// writes dL/din to *grad_in when that is given, for the forward pass that read `in`.
/// @throws std::invalid_argument unless `in` and `grad_out` fit the layer and each other
template <typename T>
void dense_backward(DenseParameters<const T> layer, const Matrix<T>& in, const Matrix<T>& grad_out,
                    DenseParameters<T>* gradients, Matrix<T>* grad_in) {
  detail::check_batch("dense_backward", in, layer.in);
  detail::check_gradient("dense_backward", grad_out, layer.out, in.cols());
  if (gradients != nullptr) {
    // dL/dW = grad_out in^T, [out, in]; its row-major storage is the column-major
    // dL/dW^T = in grad_out^T, [in, out].
    gemm<T>(Op::none, in.view(), Op::transpose, grad_out.view(), T(1), T(1),
            detail::weights_transposed(*gradients));
    add_row_sums(grad_out.view(), gradients->bias());
  }
  if (grad_in != nullptr) {
    grad_in->resize(layer.in, grad_out.cols());
    // dL/din = W^T grad_out, W^T being the parameters' memory read column-major.
    gemm<T>(Op::none, {layer.values, layer.in, layer.out}, Op::none, grad_out.view(), T(1), T(0),
            grad_in->view());
  }
}

}  // namespace gan::device

namespace gan {

/// gan::Dense's passes on the device.
template <typename Scalar>
class DensePasses<Device<Scalar>> {
 public:
  void forward(DenseParameters<const Scalar> layer, const device::Matrix<Scalar>& in,
               device::Matrix<Scalar>& out) const {
    device::dense_forward(layer, in, out);
  }
  void backward(DenseParameters<const Scalar> layer, const device::Matrix<Scalar>& in,
                const device::Matrix<Scalar>& grad_out, DenseParameters<Scalar>* gradients,
                device::Matrix<Scalar>* grad_in) const {
    device::dense_backward(layer, in, grad_out, gradients, grad_in);
  }
};

}  // namespace gan
