// SPDX-License-Identifier: MIT
// Dense (fully connected, affine) layer: y = W x + b.
#pragma once

#include <gan/core/backend.hpp>
#include <gan/core/error.hpp>
#include <gan/core/parallel.hpp>
#include <gan/core/random.hpp>
#include <gan/core/shape.hpp>
#include <gan/core/tensor.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>
#include <type_traits>

namespace gan {

/// The parameters of a dense layer with `in` inputs and `out` outputs, at the addresses of
/// its backend: W row-major [out, in], then b [out]. Read column-major, W's memory is W^T
/// [in, out], which is how the device's products take it.
template <typename T>
struct DenseParameters {
  T* values;
  std::ptrdiff_t in;
  std::ptrdiff_t out;

  T* bias() const noexcept { return values + in * out; }
  // A template, so that the const form has no conversion to itself (which nvcc warns of).
  template <typename U = T>
  requires(std::is_same_v<U, T> && !std::is_const_v<U>) operator DenseParameters<const U>()
      const noexcept {
    return {values, in, out};
  }
};

/// A dense layer's passes on backend B, specialised per backend: Cpu's below, Device's in
/// gan/device/backend.hpp.
template <typename B>
class DensePasses;

/// The CPU's passes: Eigen products on OpenMP threads that own rows of the output.
template <typename Scalar>
class DensePasses<Cpu<Scalar>> {
 public:
  /// Products below this many multiply-adds run on one thread.
  static constexpr Eigen::Index kMinParallelWork = Eigen::Index{1} << 17;

  /// out [out, batch] = W in [in, batch] + b. Threads split the output rows (RowRange): each
  /// multiplies its own rows of W, with no synchronisation inside the product.
  void forward(DenseParameters<const Scalar> layer, const Matrix<Scalar>& in,
               Matrix<Scalar>& out) const {
    const Eigen::Index rows = layer.out;
    out.resize(rows, in.cols());
    const auto weights = weights_of(layer);
    const ConstVectorMap<Scalar> bias(layer.bias(), rows);
    for_each_row_range(rows, rows * layer.in * in.cols(), kMinParallelWork,
                       [&](Eigen::Index first, Eigen::Index count) {
                         auto part = out.middleRows(first, count);
                         part.noalias() = weights.middleRows(first, count) * in;
                         part.colwise() += bias.segment(first, count);
                       });
  }

  /// Adds dL/dW and dL/db to *gradients when it is given, and writes dL/din to *grad_in when
  /// that is given.
  void backward(DenseParameters<const Scalar> layer, const Matrix<Scalar>& in,
                const Matrix<Scalar>& grad_out, DenseParameters<Scalar>* gradients,
                Matrix<Scalar>* grad_in) const {
    if (gradients != nullptr) {
      WeightMap grad_weights(gradients->values, layer.out, layer.in);
      VectorMap<Scalar> grad_bias(gradients->bias(), layer.out);
      // The rows of the forward pass: each thread adds to the gradients of its own rows.
      for_each_row_range(layer.out, layer.out * layer.in * in.cols(), kMinParallelWork,
                         [&](Eigen::Index first, Eigen::Index rows) {
                           const auto grad_rows = grad_out.middleRows(first, rows);
                           grad_weights.middleRows(first, rows).noalias() +=
                               grad_rows * in.transpose();
                           grad_bias.segment(first, rows).noalias() += grad_rows.rowwise().sum();
                         });
    }
    if (grad_in != nullptr) input_gradient(layer, grad_out, *grad_in);
  }

 private:
  using WeightMap =
      Eigen::Map<Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>;
  using ConstWeightMap =
      Eigen::Map<const Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>;

  static ConstWeightMap weights_of(DenseParameters<const Scalar> layer) {
    return ConstWeightMap(layer.values, layer.out, layer.in);
  }

  // grad_in [in, batch] = W^T grad_out. Each thread multiplies the rows of W it owns (those
  // of its forward pass) into a partial sum, and the threads then add the partial sums up,
  // each over its own range of input rows. Splitting the input rows instead would have each
  // thread read columns of W from every row, half of them last written by the other thread:
  // out x in / 2 values crossing between cores against in x batch / 2 here.
  static void input_gradient(DenseParameters<const Scalar> layer, const Matrix<Scalar>& grad_out,
                             Matrix<Scalar>& grad_in) {
    const Eigen::Index batch = grad_out.cols();
    const Eigen::Index inputs = layer.in;
    const Eigen::Index outputs = layer.out;
    grad_in.resize(inputs, batch);
    const auto weights = weights_of(layer);
    const int threads = threads_for(outputs, outputs * inputs * batch, kMinParallelWork);
    if (threads == 1) {
      grad_in.noalias() = weights.transpose() * grad_out;
      return;
    }
    // Thread 0 sums into grad_in, the others into scratch of the calling thread that only
    // grows.
    thread_local Vector<Scalar> scratch;
    const Eigen::Index partial_size = inputs * batch;
    const Eigen::Index scratch_size = partial_size * (threads - 1);
    if (scratch.size() < scratch_size) scratch.resize(scratch_size);
    // A pointer, not the name: inside the team, `scratch` would be each thread's own.
    Scalar* const partials = scratch.data();
    run_team(threads, [&](int thread, int team) {
      const RowRange rows = RowRange::of(outputs, thread, team);
      MatrixMap<Scalar> partial(
          thread == 0 ? grad_in.data() : partials + (thread - 1) * partial_size, inputs, batch);
      partial.noalias() = weights.middleRows(rows.begin, rows.size()).transpose() *
                          grad_out.middleRows(rows.begin, rows.size());
      team_barrier(team);
      const RowRange sums = RowRange::of(inputs, thread, team);
      auto total = grad_in.middleRows(sums.begin, sums.size());
      for (int other = 1; other < team; ++other)
        total += MatrixMap<Scalar>(partials + (other - 1) * partial_size, inputs, batch)
                     .middleRows(sums.begin, sums.size());
    });
  }
};

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

  /// The layer bound to a backend (or a bare scalar type, for the CPU): it holds views into
  /// the network's parameter buffer and runs the backend's DensePasses.
  template <typename B, typename InputShape>
  class Layer {
    using Backend = backend_t<B>;
    using Scalar = typename Backend::scalar_type;
    using Batch = typename Backend::matrix_type;

   public:
    /// W (Out x In, row-major: the In weights of each output one after another) followed by
    /// b (Out). Row-major, so that the parameters of the rows one thread computes are one
    /// contiguous range (see parameter_ranges()).
    static constexpr std::size_t parameter_count = Out * In + Out;
    /// backward() never reads `out`, so an activation may run in place over it.
    static constexpr bool backward_reads_output = false;
    /// Threads split the output rows, so an activation after it splits rows too.
    static constexpr WorkSplit work_split = WorkSplit::rows;

    /// The view weights() gives.
    using WeightMap =
        Eigen::Map<Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>;

    explicit Layer(const Dense&) {}

    /// Points the layer at its slices of the network's flat parameter and gradient buffers.
    void bind(Scalar* parameters, Scalar* gradients) {
      parameters_ = parameters;
      gradients_ = gradients;
    }

    /// Draws the parameters, which must be in host memory (a device network initialises a
    /// CPU copy of itself and uploads it).
    void initialize(Rng& rng) requires(!Backend::on_device) {
      const double bound = 1.0 / std::sqrt(static_cast<double>(In));
      for (std::size_t i = 0; i < parameter_count; ++i)
        parameters_[i] = static_cast<Scalar>(rng.uniform(-bound, bound));
    }

    /// out [Out, batch] = W in [In, batch] + b.
    void forward(const Batch& in, Batch& out) const { passes_.forward(parameters(), in, out); }

    /// Adds dL/dW and dL/db to the gradient buffer when asked, and writes dL/din when
    /// grad_in is given.
    void backward(const Batch& in, const Batch& /*out*/, const Batch& grad_out, Batch* grad_in,
                  bool accumulate_parameter_gradients) {
      DenseParameters<Scalar> gradients{gradients_, In, Out};
      passes_.backward(parameters(), in, grad_out,
                       accumulate_parameter_gradients ? &gradients : nullptr, grad_in);
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

    /// W, [Out, In]: weights()(o, i) multiplies input i into output o. CPU only.
    WeightMap weights() const requires(!Backend::on_device) {
      return WeightMap(parameters_, Out, In);
    }
    VectorMap<Scalar> bias() const requires(!Backend::on_device) {
      return VectorMap<Scalar>(parameters_ + Out * In, Out);
    }

   private:
    DenseParameters<const Scalar> parameters() const { return {parameters_, In, Out}; }

    Scalar* parameters_ = nullptr;
    Scalar* gradients_ = nullptr;
    [[no_unique_address]] mutable DensePasses<Backend> passes_;
  };
};

}  // namespace gan
