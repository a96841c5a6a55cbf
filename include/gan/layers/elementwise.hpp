// SPDX-License-Identifier: MIT
// Shared body of the parameter-free, shape-preserving activation layers.
#pragma once

#include <gan/core/random.hpp>
#include <gan/core/tensor.hpp>

#include <cstddef>

namespace gan::detail {

/// The bound layer of an elementwise activation. Function supplies
///   apply(in, out)                          out = f(in), same shape
///   gradient(in, out, grad_out, grad_in)    grad_in = grad_out * f'(in)
/// given the activation spec (which holds any setting, such as a slope).
template <typename Function, typename Scalar>
class ElementwiseLayer {
 public:
  static constexpr std::size_t parameter_count = 0;

  explicit ElementwiseLayer(const Function& function) : function_(function) {}

  void bind(Scalar*, Scalar*) {}
  void initialize(Rng&) {}

  void forward(const Matrix<Scalar>& in, Matrix<Scalar>& out) const {
    out.resize(in.rows(), in.cols());
    function_.apply(in, out);
  }

  void backward(const Matrix<Scalar>& in, const Matrix<Scalar>& out, const Matrix<Scalar>& grad_out,
                Matrix<Scalar>* grad_in, bool /*accumulate_parameter_gradients*/) const {
    if (grad_in == nullptr) return;
    grad_in->resize(in.rows(), in.cols());
    function_.gradient(in, out, grad_out, *grad_in);
  }

 private:
  Function function_;
};

}  // namespace gan::detail
