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
/// Threads split the work the way the layer before splits its output (follow(), which the
/// Network calls): the rows (features) by the rule dense layers use (RowRange), or the samples
/// as convolutions do, so that each thread applies the activation to values it has just
/// computed. Rows unless told otherwise.
template <typename Function, typename Scalar>
class ElementwiseLayer {
 public:
  static constexpr std::size_t parameter_count = 0;
  /// forward() may write over its input, and backward() reads only the output.
  static constexpr bool can_run_in_place = true;

  explicit ElementwiseLayer(const Function& function) : function_(function) {}

  /// Splits the work between threads as `split` says: that of the layer before.
  void follow(WorkSplit split) noexcept { split_ = split; }
  WorkSplit split() const noexcept { return split_; }

  void bind(Scalar*, Scalar*) {}
  void initialize(Rng&) {}

  /// Fewest values for which a second thread pays.
  static constexpr Eigen::Index kMinParallelWork = Eigen::Index{1} << 14;

  void forward(const Matrix<Scalar>& in, Matrix<Scalar>& out) const {
    out.resize(in.rows(), in.cols());
    for_each_block(in.rows(), in.cols(), [&](auto&& block) {
      const auto in_block = block(in);
      auto out_block = block(out);
      function_.apply(in_block, out_block);
    });
  }

  /// `in` is not read: in place, it is the output itself.
  void backward(const Matrix<Scalar>& /*in*/, const Matrix<Scalar>& out,
                const Matrix<Scalar>& grad_out, Matrix<Scalar>* grad_in,
                bool /*accumulate_parameter_gradients*/) const {
    if (grad_in == nullptr) return;
    grad_in->resize(out.rows(), out.cols());
    for_each_block(out.rows(), out.cols(), [&](auto&& block) {
      const auto out_block = block(out);
      const auto grad_out_block = block(grad_out);
      auto grad_in_block = block(*grad_in);
      function_.gradient(out_block, grad_out_block, grad_in_block);
    });
  }

 private:
  // Calls body(block) on each thread, where block(matrix) is that thread's rows or columns of
  // a matrix of rows x cols.
  template <typename Body>
  void for_each_block(Eigen::Index rows, Eigen::Index cols, Body&& body) const {
    if (split_ == WorkSplit::rows) {
      for_each_row_range(rows, rows * cols, kMinParallelWork,
                         [&](Eigen::Index first, Eigen::Index count) {
                           body([&](auto& matrix) { return matrix.middleRows(first, count); });
                         });
    } else {
      for_each_column_range(cols, rows * cols, kMinParallelWork,
                            [&](Eigen::Index first, Eigen::Index count) {
                              body([&](auto& matrix) { return matrix.middleCols(first, count); });
                            });
    }
  }

  Function function_;
  WorkSplit split_ = WorkSplit::rows;
};

}  // namespace gan::detail
