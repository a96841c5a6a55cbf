// SPDX-License-Identifier: MIT
// Shared body of the parameter-free, shape-preserving activation layers.
#pragma once

#include <gan/core/backend.hpp>
#include <gan/core/parallel.hpp>
#include <gan/core/random.hpp>
#include <gan/core/tensor.hpp>

#include <cstddef>

namespace gan {

/// An elementwise activation's passes on backend B, specialised per backend: Cpu's below,
/// Device's in gan/device/backend.hpp. Function is the activation spec (Relu, LeakyRelu, ...).
template <typename B>
class ActivationPasses;

/// The CPU's passes: the spec's Eigen expressions over blocks of rows or columns, one block
/// per OpenMP thread.
///
/// Threads split the work the way the layer before splits its output (WorkSplit, which the
/// Network passes on through ElementwiseLayer::follow()): the rows (features) by the rule
/// dense layers use (RowRange), or the samples as convolutions do, so that each thread applies
/// the activation to values it has just computed.
template <typename Scalar>
class ActivationPasses<Cpu<Scalar>> {
 public:
  /// Fewest values for which a second thread pays.
  static constexpr Eigen::Index kMinParallelWork = Eigen::Index{1} << 14;

  /// out = f(in), same shape; `out` may be `in` itself.
  template <typename Function>
  void forward(const Function& function, WorkSplit split, const Matrix<Scalar>& in,
               Matrix<Scalar>& out) const {
    out.resize(in.rows(), in.cols());
    for_each_block(split, in.rows(), in.cols(), [&](auto&& block) {
      const auto in_block = block(in);
      auto out_block = block(out);
      function.apply(in_block, out_block);
    });
  }

  /// grad_in = grad_out * f'(x), from the output alone; `grad_in` may be `grad_out` itself.
  template <typename Function>
  void backward(const Function& function, WorkSplit split, const Matrix<Scalar>& out,
                const Matrix<Scalar>& grad_out, Matrix<Scalar>& grad_in) const {
    grad_in.resize(out.rows(), out.cols());
    for_each_block(split, out.rows(), out.cols(), [&](auto&& block) {
      const auto out_block = block(out);
      const auto grad_out_block = block(grad_out);
      auto grad_in_block = block(grad_in);
      function.gradient(out_block, grad_out_block, grad_in_block);
    });
  }

 private:
  // Calls body(block) on each thread, where block(matrix) is that thread's rows or columns of
  // a matrix of rows x cols.
  template <typename Body>
  static void for_each_block(WorkSplit split, Eigen::Index rows, Eigen::Index cols, Body&& body) {
    if (split == WorkSplit::rows) {
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
};

}  // namespace gan

namespace gan::detail {

/// The bound layer of an elementwise activation, on backend B (or a bare scalar type, for the
/// CPU). Function, the activation spec, states its function twice: as templates over Eigen
/// expressions, for the CPU,
///   apply(in, out)                      out = f(in), same shape; `out` may be `in` itself
///   gradient(out, grad_out, grad_in)    grad_in = grad_out * f'(in), from the output alone
/// and one value at a time (Function::elementwise<Scalar>()), for the device. Because the
/// gradient needs only the output, a Network runs these layers in place over the output of a
/// layer whose own backward pass does not read it (Dense, convolutions, batch norm): the two
/// share one buffer, and a pass keeps one matrix less.
template <typename Function, typename B>
class ElementwiseLayer {
  using Backend = backend_t<B>;
  using Scalar = typename Backend::scalar_type;
  using Batch = typename Backend::matrix_type;

 public:
  static constexpr std::size_t parameter_count = 0;
  /// forward() may write over its input, and backward() reads only the output.
  static constexpr bool can_run_in_place = true;

  explicit ElementwiseLayer(const Function& function) : function_(function) {}

  /// Splits the work between threads as `split` says: that of the layer before (CPU only;
  /// rows unless told otherwise).
  void follow(WorkSplit split) noexcept { split_ = split; }
  WorkSplit split() const noexcept { return split_; }

  void bind(Scalar*, Scalar*) {}
  void initialize(Rng&) {}

  void forward(const Batch& in, Batch& out) const { passes_.forward(function_, split_, in, out); }

  /// `in` is not read: in place, it is the output itself.
  void backward(const Batch& /*in*/, const Batch& out, const Batch& grad_out, Batch* grad_in,
                bool /*accumulate_parameter_gradients*/) const {
    if (grad_in == nullptr) return;
    passes_.backward(function_, split_, out, grad_out, *grad_in);
  }

 private:
  Function function_;
  WorkSplit split_ = WorkSplit::rows;
  [[no_unique_address]] ActivationPasses<Backend> passes_;
};

}  // namespace gan::detail
