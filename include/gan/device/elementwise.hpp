// SPDX-License-Identifier: MIT
// Elementwise work on device matrices: activations, adding a bias to every column, and the
// row sums that give a bias its gradient.
#pragma once

#include <gan/core/config.hpp>
#include <gan/device/buffer.hpp>
#include <gan/device/policy.hpp>
#include <gan/layers/elementwise.hpp>

#include <thrust/for_each.h>
#include <thrust/iterator/counting_iterator.h>
#include <thrust/transform.h>

#include <cstddef>

namespace gan::device {
namespace detail {

template <typename Function, typename T>
struct ValueOf {
  Function function;
  GAN_HOST_DEVICE T operator()(T x) const { return function.value(x); }
};

template <typename Function, typename T>
struct GradientOf {
  Function function;
  GAN_HOST_DEVICE T operator()(T y, T g) const { return function.gradient(y, g); }
};

template <typename T>
struct AddToColumns {
  T* values;
  const T* column;
  std::ptrdiff_t rows;
  GAN_HOST_DEVICE void operator()(std::ptrdiff_t i) const { values[i] += column[i % rows]; }
};

// One row per call: a row's sum is added up column after column, so its rounding does not
// depend on how the work is scheduled.
template <typename T>
struct AddRowSum {
  const T* values;
  T* sums;
  std::ptrdiff_t rows;
  std::ptrdiff_t cols;
  GAN_HOST_DEVICE void operator()(std::ptrdiff_t row) const {
    T sum = 0;
    for (std::ptrdiff_t col = 0; col < cols; ++col) sum += values[row + col * rows];
    sums[row] += sum;
  }
};

}  // namespace detail

/// out = f(in), value by value, for an activation's per-value form `function` (see
/// Relu::elementwise()). `out` may be `in` itself.
template <typename Function, typename T>
void apply_activation(const Function& function, const Matrix<T>& in, Matrix<T>& out) {
  if (&out != &in) out.resize(in.rows(), in.cols());
  thrust::transform(detail::step_policy(), in.begin(), in.end(), out.begin(),
                    detail::ValueOf<Function, T>{function});
}

/// grad_in = grad_out * f'(x), value by value, from the activation's output y = f(x).
/// `grad_in` may be `grad_out` itself.
/// @throws std::invalid_argument unless `grad_out` has the shape of `out`
template <typename Function, typename T>
void activation_gradient(const Function& function, const Matrix<T>& out, const Matrix<T>& grad_out,
                         Matrix<T>& grad_in) {
  detail::check_gradient("activation_gradient", grad_out, out.rows(), out.cols());
  if (&grad_in != &grad_out) grad_in.resize(out.rows(), out.cols());
  thrust::transform(detail::step_policy(), out.begin(), out.end(), grad_out.begin(),
                    grad_in.begin(), detail::GradientOf<Function, T>{function});
}

/// Adds column[r] to every value of row r: a bias added to each sample of a batch, or to
/// each pixel of a channels-last batch of images viewed as [channels, pixels].
/// `column` is a device address of matrix.rows values.
template <typename T>
void add_to_each_column(MatrixView<T> matrix, const T* column) {
  thrust::for_each(detail::step_policy(), thrust::counting_iterator<std::ptrdiff_t>(0),
                   thrust::counting_iterator<std::ptrdiff_t>(matrix.size()),
                   detail::AddToColumns<T>{matrix.data, column, matrix.rows});
}

/// Adds the sum of each row of `matrix` to sums[r]: a bias's gradient, summed over a batch.
/// `sums` is a device address of matrix.rows values.
template <typename T>
void add_row_sums(ConstMatrixView<T> matrix, T* sums) {
  thrust::for_each(detail::step_policy(), thrust::counting_iterator<std::ptrdiff_t>(0),
                   thrust::counting_iterator<std::ptrdiff_t>(matrix.rows),
                   detail::AddRowSum<T>{matrix.data, sums, matrix.rows, matrix.cols});
}

}  // namespace gan::device

namespace gan {

/// The activations' passes on the device: each activation's per-value form
/// (Function::elementwise<Scalar>()), one device computation per value. The CPU's split
/// between threads does not apply.
template <typename Scalar>
class ActivationPasses<Device<Scalar>> {
 public:
  template <typename Function>
  void forward(const Function& function, WorkSplit /*split*/, const device::Matrix<Scalar>& in,
               device::Matrix<Scalar>& out) const {
    device::apply_activation(function.template elementwise<Scalar>(), in, out);
  }
  template <typename Function>
  void backward(const Function& function, WorkSplit /*split*/, const device::Matrix<Scalar>& out,
                const device::Matrix<Scalar>& grad_out, device::Matrix<Scalar>& grad_in) const {
    device::activation_gradient(function.template elementwise<Scalar>(), out, grad_out, grad_in);
  }
};

}  // namespace gan
