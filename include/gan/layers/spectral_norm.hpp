// SPDX-License-Identifier: MIT
// Spectral normalisation of a dense or convolution layer's weights, by power iteration.
#pragma once

#include <gan/core/backend.hpp>
#include <gan/core/error.hpp>
#include <gan/core/parallel.hpp>
#include <gan/core/random.hpp>
#include <gan/core/tensor.hpp>
#include <gan/layers/bias.hpp>
#include <gan/layers/conv2d.hpp>
#include <gan/layers/dense.hpp>
#include <gan/nn/mode.hpp>

#include <Eigen/Core>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace gan {

/// Where SpectralNorm<Wrapped> finds the weight matrix in Wrapped's parameters: the first
/// rows * cols of them, stored row-major or column-major (`storage`). The rest (the bias) is
/// passed through unchanged. Specialised for gan::Dense and gan::Conv2d; a layer with a
/// weight matrix of its own specialises it to be wrapped too.
template <typename Wrapped>
struct SpectralNormWeights {
  static constexpr bool supported = false;
};

/// Dense<In, Out>: W, [Out, In], row-major.
template <std::size_t In, std::size_t Out>
struct SpectralNormWeights<Dense<In, Out>> {
  static constexpr bool supported = true;
  static constexpr std::size_t rows = Out;
  static constexpr std::size_t cols = In;
  static constexpr int storage = Eigen::RowMajor;
};

/// Conv2d: W, [OutChannels, Kernel * Kernel * InChannels], column-major, as in PyTorch's
/// spectral_norm, which views a convolution's weight as [out_channels, in_channels * kh * kw]
/// (there in another column order, which does not change the singular values).
template <std::size_t InChannels, std::size_t OutChannels, std::size_t Kernel, std::size_t Stride,
          std::size_t Padding, Bias BiasMode>
struct SpectralNormWeights<Conv2d<InChannels, OutChannels, Kernel, Stride, Padding, BiasMode>> {
  static constexpr bool supported = true;
  static constexpr std::size_t rows = OutChannels;
  static constexpr std::size_t cols = Kernel * Kernel * InChannels;
  static constexpr int storage = Eigen::ColMajor;
};

namespace detail {

// A SpectralNorm states the input shape of the layer it wraps, if that layer states one.
template <typename Wrapped>
struct StatedInputShape {};

template <typename Wrapped>
requires requires { typename Wrapped::input_shape; }
struct StatedInputShape<Wrapped> {
  using input_shape = typename Wrapped::input_shape;
};

}  // namespace detail

/// The arithmetic of a SpectralNorm layer on backend B, on a weight matrix laid out as Weights
/// (a SpectralNormWeights) says, specialised per backend: Cpu's below, Device's in
/// gan/device/spectral_norm.hpp. Vectors u and v are Weights::rows and Weights::cols long;
/// pointers are in the backend's memory.
template <typename B, typename Weights>
class SpectralNormPasses;

/// The CPU's passes: Eigen products on one thread; each is a pass over W, small beside the
/// wrapped layer's product over the batch.
template <typename Scalar, typename Weights>
class SpectralNormPasses<Cpu<Scalar>, Weights> {
  static constexpr Eigen::Index kRows = static_cast<Eigen::Index>(Weights::rows);
  static constexpr Eigen::Index kCols = static_cast<Eigen::Index>(Weights::cols);
  static constexpr Eigen::Index kWeightCount = kRows * kCols;
  using WeightMatrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Weights::storage>;
  using ConstWeightMap = Eigen::Map<const WeightMatrix>;
  using WeightMap = Eigen::Map<WeightMatrix>;

 public:
  /// One step, v <- W^T u / |W^T u|, u <- W v / |W v|, in place. A zero u (state never
  /// initialised) starts from the all-ones direction; a zero product leaves its vector as it
  /// was, so that no step divides by zero.
  void power_iteration(const Scalar* weights, Scalar* u_values, Scalar* v_values) const {
    const ConstWeightMap w(weights, kRows, kCols);
    VectorMap<Scalar> u(u_values, kRows);
    VectorMap<Scalar> v(v_values, kCols);
    if (!(u.squaredNorm() > 0)) u.setConstant(Scalar(1) / std::sqrt(static_cast<Scalar>(kRows)));
    column_scratch_.noalias() = w.transpose() * u;
    if (column_scratch_.squaredNorm() > 0) v = column_scratch_ / column_scratch_.norm();
    row_scratch_.noalias() = w * v;
    if (row_scratch_.squaredNorm() > 0) u = row_scratch_ / row_scratch_.norm();
  }

  /// u and v normalised into `u` and `v` (a zero vector stays zero), and sigma = u^T W v.
  Scalar normalized_vectors(const Scalar* weights, const Scalar* u_values, const Scalar* v_values,
                            Vector<Scalar>& u, Vector<Scalar>& v) const {
    u = ConstVectorMap<Scalar>(u_values, kRows);
    u.normalize();
    v = ConstVectorMap<Scalar>(v_values, kCols);
    v.normalize();
    row_scratch_.noalias() = ConstWeightMap(weights, kRows, kCols) * v;
    return u.dot(row_scratch_);
  }

  /// normalized = the parameters with the weights divided by sigma and the rest unchanged.
  void divide_weights(const Scalar* parameters, Scalar sigma, Vector<Scalar>& normalized) const {
    const ConstVectorMap<Scalar> values(parameters, normalized.size());
    normalized.head(kWeightCount) = values.head(kWeightCount) / sigma;
    normalized.tail(normalized.size() - kWeightCount) =
        values.tail(normalized.size() - kWeightCount);
  }

  /// gradients += (G - <G, W_bar> u v^T) / sigma on the weights, where G and W_bar are the
  /// first weights of `inner` and `normalized`, and += inner on the rest. With
  /// `normalized_by_sigma` false, += inner everywhere.
  void add_gradients(const Vector<Scalar>& inner, const Vector<Scalar>& normalized,
                     const Vector<Scalar>& u, const Vector<Scalar>& v, Scalar sigma,
                     bool normalized_by_sigma, Scalar* gradient_values) const {
    VectorMap<Scalar> gradients(gradient_values, inner.size());
    const Eigen::Index tail = inner.size() - kWeightCount;
    gradients.tail(tail) += inner.tail(tail);
    if (!normalized_by_sigma) {
      gradients.head(kWeightCount) += inner.head(kWeightCount);
      return;
    }
    // Both flat vectors have W's layout, so <G, W_bar> is their dot product.
    const Scalar projection = inner.head(kWeightCount).dot(normalized.head(kWeightCount));
    WeightMap weight_gradients(gradient_values, kRows, kCols);
    weight_gradients.noalias() +=
        (ConstWeightMap(inner.data(), kRows, kCols) - projection * u * v.transpose()) / sigma;
  }

 private:
  // Products with W and W^T, kept so that a pass allocates nothing once they are sized.
  mutable Vector<Scalar> row_scratch_ = Vector<Scalar>(kRows);
  mutable Vector<Scalar> column_scratch_ = Vector<Scalar>(kCols);
};

/// Spectral normalisation (Miyato et al. 2018, arXiv:1802.05957): the wrapped layer runs with
/// its weight matrix divided by an estimate of its largest singular value,
///   W_bar = W / sigma(W),  sigma(W) = u^T W v,
/// which bounds the layer's Lipschitz constant by about 1; the bias is not normalised. Used
/// in discriminators: gan::SpectralNorm<gan::Dense<784, 256>>,
/// gan::SpectralNorm<gan::Conv2d<1, 64, 4, 2, 1>>. The wrapped layer's parameters (W then b)
/// are this layer's, with the same layout and initialisation; W is what the optimizer trains.
///
/// Power iteration. u (W's rows long) and v (its columns long) estimate the first left and
/// right singular vectors. They are running state, like batch norm's averages: saved in
/// checkpoints and not trained. Each forward pass in Mode::training first takes one step,
///   v <- W^T u / |W^T u|,  u <- W v / |W v|,
/// so sigma = u^T W v = |W v|; as W changes slowly during training, one step per pass tracks
/// the largest singular value (the paper's Algorithm 1). Mode::inference uses the stored u
/// and v and changes nothing, so that it is deterministic and the last training pass's sigma
/// is reproduced while W stays the same. u and v are normalised where they are used, so state
/// of any nonzero length works (a moving average of it, say). initialize() draws u from the
/// initialisation stream (standard normal, normalised) after the wrapped layer's parameters,
/// then runs 15 steps, as PyTorch's parametrizations.spectral_norm does, so that the first
/// pass already divides by a good estimate.
///
/// Gradient. u and v are constants, as in the paper, so dsigma/dW = u v^T and, with
/// G = dL/dW_bar from the wrapped layer's backward pass,
///   dL/dW = (G - <G, W_bar> u v^T) / sigma,
/// where <.,.> is the sum of the elementwise products. This is the exact gradient of the
/// inference function (u, v fixed); check it against finite differences in Mode::inference
/// (gan::testing::gradient_check(network, {.mode = gan::Mode::inference})), since training
/// passes move u and v and the differences would compare different functions. The input
/// gradient is the wrapped layer's with W_bar.
/// Each pass remembers the u, v and sigma it used (the last 8 passes, told apart by the
/// output they write, one per Activations object), so several passes may be alive at once
/// and each backward pass uses its own forward pass's values.
///
/// Degenerate case: where sigma is not positive (an all-zero W, or u and v far from W's
/// singular vectors in inference after W changed a great deal), the layer runs W unscaled,
/// with the wrapped layer's gradient, rather than dividing by zero or flipping W's sign.
///
/// The normalisation does not couple samples: the layer declares samples_are_independent,
/// so a trainer may run real and fake batches through it in one pass.
///
/// Backends: the CPU's passes are below; on gan::Device include gan/device/backend.hpp, which
/// brings the device's (device/spectral_norm.hpp).
///
/// @tparam Wrapped gan::Dense<In, Out> or gan::Conv2d<...>, or a layer specification with a
///                 SpectralNormWeights specialisation
template <typename Wrapped>
struct SpectralNorm : detail::StatedInputShape<Wrapped> {
  static_assert(SpectralNormWeights<Wrapped>::supported,
                "gan::SpectralNorm<Wrapped>: Wrapped must be a gan::Dense or a gan::Conv2d (or "
                "a layer for which gan::SpectralNormWeights says where its weight matrix is)");

  SpectralNorm() = default;
  /// Wraps a layer with runtime settings of its own.
  explicit SpectralNorm(const Wrapped& wrapped) : wrapped_(wrapped) {}

  /// The wrapped layer's output shape.
  template <typename InputShape>
  using output_shape = typename Wrapped::template output_shape<InputShape>;

  const Wrapped& wrapped() const noexcept { return wrapped_; }

  /// "SpectralNorm(Dense(784 -> 256))": checkpoints compare this text, so a run with spectral
  /// normalisation is never resumed without it.
  std::string describe() const { return message("SpectralNorm(", wrapped_.describe(), ")"); }

  /// The layer bound to a backend (or a bare scalar type, for the CPU): views into the
  /// network's parameter, gradient and state buffers, the wrapped layer bound to buffers of
  /// its own that hold W_bar and dL/dW_bar, the values of the passes it remembers, and the
  /// backend's SpectralNormPasses.
  template <typename B, typename InputShape>
  class Layer {
    using Backend = backend_t<B>;
    using Scalar = typename Backend::scalar_type;
    using Batch = typename Backend::matrix_type;
    using Buffer = typename Backend::vector_type;
    using Inner = typename Wrapped::template Layer<B, InputShape>;
    using Weights = SpectralNormWeights<Wrapped>;
    static constexpr Eigen::Index kRows = static_cast<Eigen::Index>(Weights::rows);
    static constexpr Eigen::Index kCols = static_cast<Eigen::Index>(Weights::cols);
    static_assert(Inner::parameter_count >= Weights::rows * Weights::cols,
                  "gan::SpectralNormWeights: the weight matrix is larger than the wrapped "
                  "layer's parameters");
    using WeightMatrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Weights::storage>;

   public:
    /// The wrapped layer's parameters: W, then the bias.
    static constexpr std::size_t parameter_count = Inner::parameter_count;
    /// u (W's rows) then v (W's columns).
    static constexpr std::size_t state_count = Weights::rows + Weights::cols;
    /// As the wrapped layer: backward() passes `out` on to it and reads nothing else of it.
    static constexpr bool backward_reads_output = detail::backward_reads_output<Inner>();
    static constexpr WorkSplit work_split = detail::work_split_of<Inner>();
    /// Mode-aware, but each sample's output depends on that sample alone.
    static constexpr bool samples_are_independent = true;
    /// Passes whose u, v and sigma a layer remembers for their backward pass.
    static constexpr std::size_t kRememberedPasses = 8;
    /// Power-iteration steps of initialize().
    static constexpr int kInitialIterations = 15;

    /// The views weights() gives: W as Weights lays it out.
    using WeightMap = Eigen::Map<WeightMatrix>;

    explicit Layer(const SpectralNorm& spec)
        : inner_(spec.wrapped()),
          normalized_(Backend::zeros(parameter_count)),
          inner_gradients_(Backend::zeros(parameter_count)) {
      bind_inner();
    }
    // The wrapped layer points into this layer's own buffers, so a copy rebinds it; the passes
    // belong to the original's Activations and are not copied.
    Layer(const Layer& other)
        : parameters_(other.parameters_),
          gradients_(other.gradients_),
          state_(other.state_),
          inner_(other.inner_),
          normalized_(Backend::copy(other.normalized_)),
          inner_gradients_(Backend::copy(other.inner_gradients_)) {
      bind_inner();
    }
    Layer& operator=(const Layer& other) {
      if (this != &other) {
        parameters_ = other.parameters_;
        gradients_ = other.gradients_;
        state_ = other.state_;
        inner_ = other.inner_;
        normalized_ = Backend::copy(other.normalized_);
        inner_gradients_ = Backend::copy(other.inner_gradients_);
        remembered_.clear();
        filled_for_ = nullptr;
        bind_inner();
      }
      return *this;
    }

    /// Points the layer at its slices of the network's flat parameter and gradient buffers.
    void bind(Scalar* parameters, Scalar* gradients) {
      parameters_ = parameters;
      gradients_ = gradients;
      filled_for_ = nullptr;
      bind_inner();
    }

    /// Points the layer at its slice of the network's flat state buffer: u, then v.
    void bind_state(Scalar* state) { state_ = state; }

    /// Checks state read from outside the layer (a checkpoint) before it is used: u and v
    /// must be finite and not zero, or the power iteration has no direction to start from.
    /// The values are in host memory, whatever the backend.
    /// @param state this layer's state_count values: u, then v
    /// @param first_index the index of state[0] in the flat vector it came from, for the message
    /// @return the first problem as "expected ..., got ...", or an empty string
    static std::string check_state(const Scalar* state, std::size_t first_index) {
      std::string problem = check_vector(state, kRows, "u", first_index);
      if (problem.empty())
        problem = check_vector(state + kRows, kCols, "v", first_index + Weights::rows);
      return problem;
    }

    /// Draws the wrapped layer's parameters (its own initialisation), then u from `rng`, and
    /// runs kInitialIterations power-iteration steps (see the class notes). The values must
    /// be in host memory (a device network initialises a CPU copy of itself and uploads it).
    void initialize(Rng& rng) requires(!Backend::on_device) {
      check_bound();
      inner_.bind(parameters_, gradients_);
      inner_.initialize(rng);
      bind_inner();
      VectorMap<Scalar> u = this->u();
      for (Eigen::Index i = 0; i < kRows; ++i) u(i) = static_cast<Scalar>(rng.normal());
      u.normalize();
      v().setZero();
      for (int step = 0; step < kInitialIterations; ++step)
        passes_.power_iteration(parameters_, state_, state_ + kRows);
      filled_for_ = nullptr;
    }

    /// out = the wrapped layer's output with W / sigma. In Mode::training, one power-iteration
    /// step first updates u and v: the pass is const for the network, and writes the state
    /// buffer through the pointer given to bind_state().
    void forward(const Batch& in, Batch& out, Mode mode) const {
      check_bound();
      if (mode == Mode::training) passes_.power_iteration(parameters_, state_, state_ + kRows);
      Pass& pass = remember(&out);
      const Scalar sigma =
          passes_.normalized_vectors(parameters_, state_, state_ + kRows, pass.u, pass.v);
      pass.normalized = sigma > 0 && std::isfinite(sigma);
      pass.sigma = pass.normalized ? sigma : Scalar(1);
      fill_normalized(pass);
      detail::forward_in_mode<B>(inner_, in, out, mode);
    }

    /// Adds dL/dW = (G - <G, W_bar> u v^T) / sigma and the wrapped layer's bias gradient to
    /// the gradient buffer when asked, and writes dL/din when grad_in is given, with the u, v
    /// and sigma of the forward pass that wrote `out`.
    /// @pre W has not changed since that forward pass
    /// @throws std::logic_error if the layer no longer remembers that pass (more than
    ///         kRememberedPasses passes ran since, or the Activations were copied)
    void backward(const Batch& in, const Batch& out, const Batch& grad_out, Batch* grad_in,
                  bool accumulate_parameter_gradients, Mode mode) {
      check_bound();
      const Pass& pass = recall(&out);
      if (filled_for_ != pass.key) fill_normalized(pass);
      if (accumulate_parameter_gradients) Backend::fill(Backend::view(inner_gradients_), Scalar(0));
      detail::backward_in_mode<B>(inner_, in, out, grad_out, grad_in,
                                  accumulate_parameter_gradients, mode);
      if (accumulate_parameter_gradients)
        passes_.add_gradients(inner_gradients_, normalized_, pass.u, pass.v, pass.sigma,
                              pass.normalized, gradients_);
    }

    /// The wrapped layer's partition of its parameters between threads (the rows of a dense
    /// layer), since the layout is the same.
    static void parameter_ranges(ParameterPartition& partition, Eigen::Index offset) {
      if constexpr (requires { Inner::parameter_ranges(partition, offset); })
        Inner::parameter_ranges(partition, offset);
      else
        partition.add_evenly(offset, static_cast<Eigen::Index>(parameter_count));
    }

    /// W, the trained weights before normalisation, [rows, cols] as SpectralNormWeights says.
    /// CPU only.
    WeightMap weights() const requires(!Backend::on_device) {
      return WeightMap(parameters_, kRows, kCols);
    }
    /// The power-iteration vectors in the state buffer. CPU only.
    VectorMap<Scalar> u() const requires(!Backend::on_device) {
      return VectorMap<Scalar>(state_, kRows);
    }
    VectorMap<Scalar> v() const requires(!Backend::on_device) {
      return VectorMap<Scalar>(state_ + kRows, kCols);
    }
    /// The estimate of W's largest singular value that a pass in Mode::inference divides by:
    /// u^T W v with the stored u and v normalised. CPU only.
    Scalar sigma() const requires(!Backend::on_device) {
      return u().normalized().dot(weights() * v().normalized());
    }

   private:
    // The values one forward pass used; `key` is the address of the output it wrote.
    struct Pass {
      const void* key = nullptr;
      Buffer u = Backend::zeros(Weights::rows);
      Buffer v = Backend::zeros(Weights::cols);
      Scalar sigma = 1;
      bool normalized = false;
      std::uint64_t last_used = 0;
    };

    void bind_inner() { inner_.bind(normalized_.data(), inner_gradients_.data()); }

    void check_bound() const {
      GAN_ASSERT(parameters_ != nullptr && state_ != nullptr,
                 "bind() and bind_state() must be called before a pass");
    }

    static std::string check_vector(const Scalar* values, Eigen::Index size, const char* name,
                                    std::size_t first_index) {
      const ConstVectorMap<Scalar> vector(values, size);
      for (Eigen::Index i = 0; i < size; ++i)
        if (!std::isfinite(vector(i)))
          return message("expected finite power-iteration vector ", name, " values (SpectralNorm",
                         " of a ", kRows, " x ", kCols, " weight matrix), got ", vector(i),
                         " at index ", first_index + static_cast<std::size_t>(i));
      // Any nonzero value gives a direction (a norm of tiny floats may underflow to 0).
      if (!(vector.array() != Scalar(0)).any())
        return message("expected a nonzero power-iteration vector ", name, " at indices ",
                       first_index, " to ", first_index + static_cast<std::size_t>(size) - 1,
                       " (SpectralNorm of a ", kRows, " x ", kCols,
                       " weight matrix), got all zeros");
      return {};
    }

    // The entry for the pass writing `key`: its own if remembered, else a new one, else the
    // one used longest ago.
    Pass& remember(const void* key) const {
      Pass* slot = nullptr;
      for (Pass& pass : remembered_)
        if (pass.key == key) slot = &pass;
      if (slot == nullptr && remembered_.size() < kRememberedPasses)
        slot = &remembered_.emplace_back();
      if (slot == nullptr) {
        slot = &remembered_.front();
        for (Pass& pass : remembered_)
          if (pass.last_used < slot->last_used) slot = &pass;
      }
      slot->key = key;
      slot->last_used = ++clock_;
      return *slot;
    }

    const Pass& recall(const void* key) const {
      for (const Pass& pass : remembered_)
        if (pass.key == key) return pass;
      throw std::logic_error(
          message("SpectralNorm::backward: expected the output of a forward pass this layer "
                  "remembers (the last ",
                  kRememberedPasses,
                  " passes, one per Activations object), got another; run forward() again with "
                  "the same Activations before backward()"));
    }

    // W_bar = W / sigma (W itself in the degenerate case), and the bias as it is, into the
    // wrapped layer's parameters.
    void fill_normalized(const Pass& pass) const {
      passes_.divide_weights(parameters_, pass.sigma, normalized_);
      filled_for_ = pass.key;
    }

    Scalar* parameters_ = nullptr;
    Scalar* gradients_ = nullptr;
    Scalar* state_ = nullptr;
    Inner inner_;
    // Mutable: a forward pass is const for the network, and writes W_bar and its pass's values.
    mutable Buffer normalized_;  // W_bar, then the bias: the wrapped layer's parameters
    Buffer inner_gradients_;     // dL/dW_bar, then dL/db, of one backward pass
    mutable const void* filled_for_ = nullptr;  // the pass whose W_bar is in normalized_
    mutable std::vector<Pass> remembered_;
    mutable std::uint64_t clock_ = 0;
    mutable SpectralNormPasses<Backend, Weights> passes_;
  };

 private:
  Wrapped wrapped_;
};

}  // namespace gan
