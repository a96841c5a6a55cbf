// SPDX-License-Identifier: MIT
// Shared body of the parameter-free, shape-preserving activation layers.
#pragma once

#include <gan/core/parallel.hpp>
#include <gan/core/random.hpp>
#include <gan/core/tensor.hpp>

#include <cstddef>

namespace gan::detail {

/// The bound layer of an elementwise activation. Function supplies
///   apply(in, out)                      out = f(in), same shape; `out` may be `in` itself
///   gradient(out, grad_out, grad_in)    grad_in = grad_out * f'(in), from the output alone
/// as templates over Eigen expressions (the layer passes blocks of rows),
/// given the activation spec (which holds any setting, such as a slope). Because the gradient
/// needs only the output, a Network runs these layers in place over the output of a layer
/// whose own backward pass does not read it (Dense, convolutions, batch norm): the two share
/// one buffer, and a pass keeps one matrix less.
///
/// Threads split the rows (features) by the rule dense layers use for their outputs
/// (RowRange), so each thread applies the activation to values it has just computed.
template <typename Function, typename Scalar>
class ElementwiseLayer {
 public:
  static constexpr std::size_t parameter_count = 0;
  /// forward() may write over its input, and backward() reads only the output.
  static constexpr bool can_run_in_place = true;

  explicit ElementwiseLayer(const Function& function) : function_(function) {}

  void bind(Scalar*, Scalar*) {}
  void initialize(Rng&) {}

  /// Fewest values for which a second thread pays.
  static constexpr Eigen::Index kMinParallelWork = Eigen::Index{1} << 14;

  void forward(const Matrix<Scalar>& in, Matrix<Scalar>& out) const {
    out.resize(in.rows(), in.cols());
    for_each_row_range(in.rows(), in.size(), kMinParallelWork,
                       [&](Eigen::Index first, Eigen::Index rows) {
                         const auto in_rows = in.middleRows(first, rows);
                         auto out_rows = out.middleRows(first, rows);
                         function_.apply(in_rows, out_rows);
                       });
  }

  /// `in` is not read: in place, it is the output itself.
  void backward(const Matrix<Scalar>& /*in*/, const Matrix<Scalar>& out,
                const Matrix<Scalar>& grad_out, Matrix<Scalar>* grad_in,
                bool /*accumulate_parameter_gradients*/) const {
    if (grad_in == nullptr) return;
    grad_in->resize(out.rows(), out.cols());
    for_each_row_range(out.rows(), out.size(), kMinParallelWork,
                       [&](Eigen::Index first, Eigen::Index rows) {
                         const auto out_rows = out.middleRows(first, rows);
                         const auto grad_out_rows = grad_out.middleRows(first, rows);
                         auto grad_in_rows = grad_in->middleRows(first, rows);
                         function_.gradient(out_rows, grad_out_rows, grad_in_rows);
                       });
  }

 private:
  Function function_;
};

}  // namespace gan::detail
