// SPDX-License-Identifier: MIT
// Shared body of the parameter-free, shape-preserving activation layers.
#pragma once

#include <gan/core/random.hpp>
#include <gan/core/tensor.hpp>

#include <cstddef>

namespace gan::detail {

/// The bound layer of an elementwise activation. Function supplies
///   apply(in, out)                      out = f(in), same shape; `out` may be `in` itself
///   gradient(out, grad_out, grad_in)    grad_in = grad_out * f'(in), from the output alone
/// given the activation spec (which holds any setting, such as a slope). Because the gradient
/// needs only the output, a Network runs these layers in place over the output of a layer
/// whose own backward pass does not read it (Dense, convolutions, batch norm): the two share
/// one buffer, and a pass keeps one matrix less.
template <typename Function, typename Scalar>
class ElementwiseLayer {
 public:
  static constexpr std::size_t parameter_count = 0;
  /// forward() may write over its input, and backward() reads only the output.
  static constexpr bool can_run_in_place = true;

  explicit ElementwiseLayer(const Function& function) : function_(function) {}

  void bind(Scalar*, Scalar*) {}
  void initialize(Rng&) {}

  void forward(const Matrix<Scalar>& in, Matrix<Scalar>& out) const {
    out.resize(in.rows(), in.cols());
    function_.apply(in, out);
  }

  /// `in` is not read: in place, it is the output itself.
  void backward(const Matrix<Scalar>& /*in*/, const Matrix<Scalar>& out,
                const Matrix<Scalar>& grad_out, Matrix<Scalar>* grad_in,
                bool /*accumulate_parameter_gradients*/) const {
    if (grad_in == nullptr) return;
    grad_in->resize(out.rows(), out.cols());
    function_.gradient(out, grad_out, *grad_in);
  }

 private:
  Function function_;
};

}  // namespace gan::detail
