// SPDX-License-Identifier: MIT
// Dense (fully connected, affine) layer: y = W x + b.
#pragma once

#include <gan/core/error.hpp>
#include <gan/core/parallel.hpp>
#include <gan/core/random.hpp>
#include <gan/core/shape.hpp>
#include <gan/core/tensor.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>

namespace gan {

/// An affine layer from In features to Out features: y = W x + b, W of shape [Out, In].
///
/// Default initialisation: every weight and bias uniform on [-1/sqrt(In), 1/sqrt(In)], the
/// rule of PyTorch's nn.Linear, which trains the MLP GANs of the literature without tuning.
///
/// @tparam In  number of input features; the previous layer must output Shape<In>
/// @tparam Out number of output features
template <std::size_t In, std::size_t Out>
struct Dense {
  static_assert(In > 0 && Out > 0, "gan::Dense: both feature counts must be at least 1");

  /// The only input shape this layer accepts.
  using input_shape = Shape<In>;
  /// The output shape, whatever the input.
  template <typename InputShape>
  using output_shape = Shape<Out>;

  std::string describe() const { return message("Dense(", In, " -> ", Out, ")"); }

  /// The layer bound to a scalar type: it holds views into the network's parameter buffer.
  template <typename Scalar, typename InputShape>
  class Layer {
   public:
    /// W (Out x In, row-major: the In weights of each output one after another) followed by
    /// b (Out). Row-major, so that the parameters of the rows one thread computes are one
    /// contiguous range (see parameter_ranges()).
    static constexpr std::size_t parameter_count = Out * In + Out;
    /// backward() never reads `out`, so an activation may run in place over it.
    static constexpr bool backward_reads_output = false;
    /// Threads split the output rows, so an activation after it splits rows too.
    static constexpr WorkSplit work_split = WorkSplit::rows;
    /// Products below this many multiply-adds run on one thread.
    static constexpr Eigen::Index kMinParallelWork = Eigen::Index{1} << 17;

    /// The view weights() gives.
    using WeightMap =
        Eigen::Map<Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>;

    explicit Layer(const Dense&) {}

    /// Points the layer at its slices of the network's flat parameter and gradient buffers.
    void bind(Scalar* parameters, Scalar* gradients) {
      parameters_ = parameters;
      gradients_ = gradients;
    }

    void initialize(Rng& rng) {
      const double bound = 1.0 / std::sqrt(static_cast<double>(In));
      for (std::size_t i = 0; i < parameter_count; ++i)
        parameters_[i] = static_cast<Scalar>(rng.uniform(-bound, bound));
    }

    /// out [Out, batch] = W in [In, batch] + b. Threads split the output rows (RowRange): each
    /// multiplies its own rows of W, with no synchronisation inside the product.
    void forward(const Matrix<Scalar>& in, Matrix<Scalar>& out) const {
      out.resize(Out, in.cols());
      const auto weights = this->weights();
      const auto bias = this->bias();
      for_each_row_range(Out, Out * In * in.cols(), kMinParallelWork,
                         [&](Eigen::Index first, Eigen::Index rows) {
                           auto part = out.middleRows(first, rows);
                           part.noalias() = weights.middleRows(first, rows) * in;
                           part.colwise() += bias.segment(first, rows);
                         });
    }

    /// Adds dL/dW and dL/db to the gradient buffer when asked, and writes dL/din when
    /// grad_in is given.
    void backward(const Matrix<Scalar>& in, const Matrix<Scalar>& /*out*/,
                  const Matrix<Scalar>& grad_out, Matrix<Scalar>* grad_in,
                  bool accumulate_parameter_gradients) {
      if (accumulate_parameter_gradients) {
        WeightMap grad_weights(gradients_, Out, In);
        VectorMap<Scalar> grad_bias(gradients_ + Out * In, Out);
        // The rows of the forward pass: each thread adds to the gradients of its own rows.
        for_each_row_range(Out, Out * In * in.cols(), kMinParallelWork,
                           [&](Eigen::Index first, Eigen::Index rows) {
                             const auto grad_rows = grad_out.middleRows(first, rows);
                             grad_weights.middleRows(first, rows).noalias() +=
                                 grad_rows * in.transpose();
                             grad_bias.segment(first, rows).noalias() += grad_rows.rowwise().sum();
                           });
      }
      if (grad_in != nullptr) input_gradient(grad_out, *grad_in);
    }

    /// Gives each thread of `partition` the weights and biases of the output rows its passes
    /// compute (RowRange), so that the optimizer updates them on that thread too. Like the
    /// passes, it uses no more threads than there are units of rows (a layer of one output is
    /// thread 0's); passes small enough to run on one thread do not follow it, and cost little.
    static void parameter_ranges(ParameterPartition& partition, Eigen::Index offset) {
      const int threads =
          static_cast<int>(std::min<Eigen::Index>(partition.threads(), RowRange::units(Out)));
      for (int thread = 0; thread < threads; ++thread) {
        const RowRange rows = RowRange::of(Out, thread, threads);
        partition.add(thread, offset + rows.begin * In, rows.size() * In);
        partition.add(thread, offset + Out * In + rows.begin, rows.size());
      }
    }

    /// W, [Out, In]: weights()(o, i) multiplies input i into output o.
    WeightMap weights() const { return WeightMap(parameters_, Out, In); }
    VectorMap<Scalar> bias() const { return VectorMap<Scalar>(parameters_ + Out * In, Out); }

   private:
    // grad_in [In, batch] = W^T grad_out. Each thread multiplies the rows of W it owns (those
    // of its forward pass) into a partial sum, and the threads then add the partial sums up,
    // each over its own range of input rows. Splitting the input rows instead would have each
    // thread read columns of W from every row, half of them last written by the other thread:
    // Out x In / 2 values crossing between cores against In x batch / 2 here.
    void input_gradient(const Matrix<Scalar>& grad_out, Matrix<Scalar>& grad_in) const {
      const Eigen::Index batch = grad_out.cols();
      grad_in.resize(In, batch);
      const auto weights = this->weights();
      const int threads = threads_for(Out, Out * In * batch, kMinParallelWork);
      if (threads == 1) {
        grad_in.noalias() = weights.transpose() * grad_out;
        return;
      }
      // Thread 0 sums into grad_in, the others into scratch of the calling thread that only
      // grows.
      thread_local Vector<Scalar> scratch;
      const Eigen::Index partial_size = In * batch;
      const Eigen::Index scratch_size = partial_size * (threads - 1);
      if (scratch.size() < scratch_size) scratch.resize(scratch_size);
      // A pointer, not the name: inside the team, `scratch` would be each thread's own.
      Scalar* const partials = scratch.data();
      run_team(threads, [&](int thread, int team) {
        const RowRange rows = RowRange::of(Out, thread, team);
        MatrixMap<Scalar> partial(
            thread == 0 ? grad_in.data() : partials + (thread - 1) * partial_size, In, batch);
        partial.noalias() = weights.middleRows(rows.begin, rows.size()).transpose() *
                            grad_out.middleRows(rows.begin, rows.size());
        team_barrier(team);
        const RowRange sums = RowRange::of(In, thread, team);
        auto total = grad_in.middleRows(sums.begin, sums.size());
        for (int other = 1; other < team; ++other)
          total += MatrixMap<Scalar>(partials + (other - 1) * partial_size, In, batch)
                       .middleRows(sums.begin, sums.size());
      });
    }

    Scalar* parameters_ = nullptr;
    Scalar* gradients_ = nullptr;
  };
};

}  // namespace gan
