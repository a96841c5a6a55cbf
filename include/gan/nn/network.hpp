// SPDX-License-Identifier: MIT
// Network: an architecture bound to a scalar type, owning its parameters and gradients.
#pragma once

#include <gan/core/backend.hpp>
#include <gan/core/error.hpp>
#include <gan/core/parallel.hpp>
#include <gan/core/random.hpp>
#include <gan/core/tensor.hpp>
#include <gan/nn/mode.hpp>
#include <gan/nn/sequential.hpp>

#include <array>
#include <atomic>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

namespace gan {

/// Which gradients a backward pass computes.
enum class Backprop {
  /// Parameter gradients (accumulated) and the gradient with respect to the input.
  parameters_and_input,
  /// Parameter gradients only: the usual training step, where nothing sits before the input.
  parameters_only,
  /// The input gradient only, parameters frozen: the discriminator during a generator step.
  input_only,
};

template <typename Architecture, typename B = float>
class Network;

/// A Sequential architecture with its parameters, ready to run forward and backward.
///
/// All parameters live in one flat vector and all gradients in another, in layer order, so an
/// optimizer updates a whole network in one fused pass and a checkpoint saves it in one block.
/// Forward and backward passes keep their intermediate results in an Activations object; the
/// network has one of its own for the common case, and a caller that needs two passes alive at
/// once (a discriminator on a real and on a fake batch) passes its own. Buffers are sized on
/// first use and reused while the batch size stays the same, so a training step allocates no
/// memory. A pass keeps one output per layer, except for activations, which run in place over
/// the output before them where that output is not needed again; the gradients between
/// layers live in two buffers of the network, shared by all its passes.
///
/// Layers with running state (batch norm's running averages) keep it in a third flat vector,
/// state(), which is not trained: forward passes in Mode::training update it, checkpoints
/// save it. A network without such layers has an empty state.
///
/// On the device backend (B = gan::Device<S>) the buffers, the activations and every pass are
/// in device memory, and the network initialises by drawing a CPU copy of itself and
/// uploading it, so that both backends start from the same numbers.
///
/// @tparam Layers the layer specifications of the Sequential architecture
/// @tparam B      the backend, gan::Cpu<S> or gan::Device<S>; a bare float or double means
///                gan::Cpu of it
template <typename... Layers, typename B>
class Network<Sequential<Layers...>, B> {
 public:
  using Architecture = Sequential<Layers...>;
  using backend = backend_t<B>;
  using scalar_type = typename backend::scalar_type;
  /// A batch on this network's backend, [features, batch].
  using matrix_type = typename backend::matrix_type;

 private:
  using Scalar = scalar_type;
  using Batch = matrix_type;
  using Buffer = typename backend::vector_type;
  using View = typename backend::vector_view;
  using ConstView = typename backend::const_vector_view;

 public:
  using input_shape = typename Architecture::input_shape;
  using output_shape = typename Architecture::output_shape;

  static constexpr std::size_t layer_count = sizeof...(Layers);
  static constexpr std::size_t input_size = input_shape::size;
  static constexpr std::size_t output_size = output_shape::size;

 private:
  template <std::size_t I>
  using LayerAt = typename std::tuple_element_t<I, std::tuple<Layers...>>::template Layer<
      layer_argument_t<B>, std::tuple_element_t<I, typename Architecture::layer_input_shapes>>;

  template <std::size_t... I>
  static auto make_layer_tuple(std::index_sequence<I...>) -> std::tuple<LayerAt<I>...>;
  using LayerTuple = decltype(make_layer_tuple(std::make_index_sequence<layer_count>{}));

  template <std::size_t... I>
  static constexpr std::array<std::size_t, layer_count + 1> offsets(std::index_sequence<I...>) {
    std::array<std::size_t, layer_count + 1> result{};
    ((result[I + 1] = result[I] + LayerAt<I>::parameter_count), ...);
    return result;
  }
  static constexpr auto kOffsets = offsets(std::make_index_sequence<layer_count>{});

  template <std::size_t... I>
  static constexpr std::array<std::size_t, layer_count + 1> state_offsets(
      std::index_sequence<I...>) {
    std::array<std::size_t, layer_count + 1> result{};
    ((result[I + 1] = result[I] + detail::state_count_of<LayerAt<I>, B>()), ...);
    return result;
  }
  static constexpr auto kStateOffsets = state_offsets(std::make_index_sequence<layer_count>{});

  // Where each layer's output is kept in an Activations object: its own slot, or, for a
  // layer that runs in place (an activation), the slot of the layer before it when that
  // layer's backward pass does not read its own output (see detail::can_run_in_place).
  template <std::size_t... I>
  static constexpr std::array<std::size_t, layer_count> output_slots(std::index_sequence<I...>) {
    constexpr std::array<bool, layer_count> in_place{detail::can_run_in_place<LayerAt<I>>()...};
    constexpr std::array<bool, layer_count> reads_output{
        detail::backward_reads_output<LayerAt<I>>()...};
    std::array<std::size_t, layer_count> slot{};
    for (std::size_t i = 0; i < layer_count; ++i)
      slot[i] = i > 0 && in_place[i] && !reads_output[i - 1] ? slot[i - 1] : i;
    return slot;
  }
  static constexpr auto kOutputSlot = output_slots(std::make_index_sequence<layer_count>{});

 public:
  /// Total number of trainable scalars.
  static constexpr std::size_t parameter_count = kOffsets[layer_count];
  /// Total number of state values: running statistics that are saved but not trained.
  static constexpr std::size_t state_count = kStateOffsets[layer_count];
  /// Whether every sample's output depends on that sample alone, in any mode: true unless a
  /// layer behaves differently in training and inference (batch norm), which is how layers
  /// that look across the batch declare themselves, and does not declare
  /// samples_are_independent (spectral normalisation; see detail::samples_are_independent).
  /// Batches of such a network may be joined into one pass.
  static constexpr bool samples_are_independent = []<std::size_t... I>(std::index_sequence<I...>) {
    return (detail::samples_are_independent<LayerAt<I>, B>() && ...);
  }
  (std::make_index_sequence<layer_count>{});

  /// The intermediate results of one forward pass, kept for the backward pass.
  class Activations {
   public:
    /// The network's output of the last forward pass, [output_size, batch].
    const Batch& output() const { return outputs_[kOutputSlot[layer_count - 1]]; }
    /// The gradient with respect to the input of the last backward pass that computed it.
    const Batch& input_gradient() const { return input_gradient_; }
    /// The mode of the last forward pass; its backward pass runs in the same mode.
    Mode mode() const { return mode_; }

   private:
    friend class Network;
    const Batch* input_ = nullptr;
    // Layer outputs by slot (kOutputSlot); the slots of layers that ran in place stay empty.
    std::array<Batch, layer_count> outputs_;
    Batch input_gradient_;
    Mode mode_ = Mode::training;
  };

  /// A network with all parameters zero; call initialize() before training.
  explicit Network(const Architecture& architecture = {})
      : architecture_(architecture),
        layers_(make_layers(architecture, std::make_index_sequence<layer_count>{})),
        parameters_(backend::zeros(parameter_count)),
        gradients_(backend::zeros(parameter_count)),
        state_(backend::zeros(state_count)) {
    bind();
  }

  Network(const Network& other)
      : architecture_(other.architecture_),
        layers_(other.layers_),
        parameters_(backend::copy(other.parameters_)),
        gradients_(backend::copy(other.gradients_)),
        state_(backend::copy(other.state_)),
        clear_pending_(other.clear_pending_) {
    bind();
  }
  Network& operator=(const Network& other) {
    if (this != &other) {
      architecture_ = other.architecture_;
      layers_ = other.layers_;
      parameters_ = backend::copy(other.parameters_);
      gradients_ = backend::copy(other.gradients_);
      state_ = backend::copy(other.state_);
      clear_pending_ = other.clear_pending_;
      bind();
    }
    return *this;
  }
  // Moving copies: the layers point into the buffers, so a moved-from network must keep its
  // own. Not noexcept, since the copy allocates.
  Network(Network&& other) : Network(static_cast<const Network&>(other)) {}
  Network& operator=(Network&& other) { return *this = static_cast<const Network&>(other); }

  /// Draws every parameter from its layer's default initialisation, and sets the state to
  /// its initial values.
  void initialize(Rng& rng) {
    if constexpr (backend::on_device) {
      // The device's layers do not draw numbers: a CPU copy of the network draws them, from
      // the same stream, and the device takes its parameters and state.
      Network<Architecture, Cpu<Scalar>> host(architecture_);
      host.initialize(rng);
      backend::from_host(host.parameters(), parameters());
      backend::from_host(host.state(), state());
    } else {
      for_each_layer([&](auto& layer, auto) { layer.initialize(rng); });
    }
  }

  /// Runs the network on a batch, [input_size, batch], keeping what backward() needs in
  /// `activations`. The input must stay alive and unchanged until that backward pass. In
  /// Mode::training, layers with running statistics use the batch's own and update the
  /// running ones; in Mode::inference they use the running ones and change nothing.
  /// @return the output, [output_size, batch], owned by `activations`
  const Batch& forward(const Batch& input, Activations& activations, Mode mode = Mode::training) {
    if (input.rows() != static_cast<Eigen::Index>(input_size) || input.cols() == 0)
      throw std::invalid_argument(message(
          "Network::forward: expected an input of ", input_size, " rows (", input_shape::describe(),
          ") and at least one column, got ", input.rows(), "x", input.cols()));
    activations.input_ = &input;
    activations.mode_ = mode;
    for_each_layer([&](const auto& layer, auto index) {
      constexpr std::size_t i = decltype(index)::value;
      const Batch& in = i == 0 ? input : activations.outputs_[kOutputSlot[i == 0 ? 0 : i - 1]];
      detail::forward_in_mode<B>(layer, in, activations.outputs_[kOutputSlot[i]], mode);
    });
    return activations.output();
  }

  /// A temporary input would be gone before backward() reads it, so it is refused at compile
  /// time; keep the input in a named matrix.
  const Batch& forward(Batch&& input, Activations& activations,
                       Mode mode = Mode::training) = delete;
  const Batch& forward(Batch&& input, Mode mode = Mode::training) = delete;

  /// forward() with the network's own Activations.
  const Batch& forward(const Batch& input, Mode mode = Mode::training) {
    return forward(input, own_activations_, mode);
  }

  /// Back-propagates dL/d(output), [output_size, batch], through the pass recorded in
  /// `activations`, in the mode of that pass. Parameter gradients are added to gradients(), so
  /// passes accumulate until zero_gradients(); the input gradient replaces
  /// activations.input_gradient().
  void backward(const Batch& output_gradient, Activations& activations,
                Backprop which = Backprop::parameters_only) {
    if (activations.input_ == nullptr)
      throw std::logic_error("Network::backward: called before any forward pass");
    if (output_gradient.rows() != static_cast<Eigen::Index>(output_size) ||
        output_gradient.cols() != activations.output().cols())
      throw std::invalid_argument(message("Network::backward: expected an output gradient of ",
                                          output_size, "x", activations.output().cols(), ", got ",
                                          output_gradient.rows(), "x", output_gradient.cols()));
    const bool parameters = which != Backprop::input_only;
    const bool input = which != Backprop::parameters_only;
    backward_from<layer_count - 1>(output_gradient, activations, parameters, input);
  }

  /// backward() through the network's own Activations.
  void backward(const Batch& output_gradient, Backprop which = Backprop::parameters_only) {
    backward(output_gradient, own_activations_, which);
  }

  /// The network's own Activations, used by the one-argument forward() and backward().
  const Activations& activations() const noexcept { return own_activations_; }

  /// Sets every accumulated gradient to zero. The buffer itself is cleared later, a layer at
  /// a time just before the next backward pass adds to it (by the threads that own each
  /// range in parameter_partition()), so that each value is written while it is in cache for
  /// that pass rather than in a pass of its own.
  /// On the device, the buffer is cleared at once, in one fill.
  void zero_gradients() {
    if constexpr (backend::on_device)
      backend::fill(view(gradients_, parameter_count), Scalar(0));
    else
      clear_pending_ = true;
  }

  /// Whether every accumulated gradient is finite (no NaN, no infinity); each thread checks
  /// the gradients it owns in parameter_partition().
  bool gradients_are_finite() const {
    if (clear_pending_) return true;
    if constexpr (backend::on_device) {
      return backend::all_finite(view(std::as_const(gradients_), parameter_count));
    } else {
      std::atomic<bool> finite{true};
      parameter_partition().for_each_range([&](int, Eigen::Index begin, Eigen::Index count) {
        if (!gradients_.segment(begin, count).allFinite())
          finite.store(false, std::memory_order_relaxed);
      });
      return finite.load(std::memory_order_relaxed);
    }
  }

  /// Which thread owns which parameters, for OpenMP's current thread count: each dense layer
  /// gives a thread the weights of the output rows its passes compute, other layers are split
  /// evenly. An optimizer that follows it updates each parameter on the thread that computed
  /// its gradient. Rebuilt only when the thread count changes.
  const ParameterPartition& parameter_partition() const requires(!backend::on_device) {
    const int threads = max_threads();
    if (partition_threads_ != threads) {
      ParameterPartition partition(threads);
      for_each_layer([&](const auto& layer, auto index) {
        using Layer = std::remove_cvref_t<decltype(layer)>;
        constexpr auto offset = static_cast<Eigen::Index>(kOffsets[decltype(index)::value]);
        if constexpr (requires { Layer::parameter_ranges(partition, offset); })
          Layer::parameter_ranges(partition, offset);
        else
          partition.add_evenly(offset, static_cast<Eigen::Index>(Layer::parameter_count));
      });
      partition_ = std::move(partition);
      partition_threads_ = threads;
    }
    return partition_;
  }

  /// All parameters, flat, in layer order. A view, not the vector itself: the layers point
  /// into this storage, so it can be read and written but never resized or swapped away.
  View parameters() noexcept { return view(parameters_, parameter_count); }
  ConstView parameters() const noexcept { return view(parameters_, parameter_count); }
  /// The accumulated gradients, laid out like parameters(); a view, like parameters(). Each
  /// call first carries out a pending zero_gradients(), so take a new view after that call:
  /// one taken before it shows the old values until the buffer is cleared.
  View gradients() {
    clear_gradient_buffer(0, parameter_count);
    return view(gradients_, parameter_count);
  }
  ConstView gradients() const {
    clear_gradient_buffer(0, parameter_count);
    return view(std::as_const(gradients_), parameter_count);
  }

  /// The running state of every layer that has one, flat, in layer order (empty for most
  /// networks). A view, like parameters().
  View state() noexcept { return view(state_, state_count); }
  ConstView state() const noexcept { return view(state_, state_count); }

  /// Checks running state read from outside (a checkpoint) by the rules of the layers it
  /// belongs to: each layer with state may declare `static std::string check_state(const
  /// Scalar* state, std::size_t first_index)`, as BatchNorm does.
  /// @param state state_count values, in the layout of state()
  /// @return the first problem, "expected ..., got ..." with its index in `state`, or empty
  static std::string check_state(ConstVectorRef<Scalar> state) {
    std::string problem;
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      const auto check = [&]<std::size_t J>(std::integral_constant<std::size_t, J>) {
        if constexpr (requires { LayerAt<J>::check_state(state.data(), std::size_t{}); })
          if (problem.empty())
            problem = LayerAt<J>::check_state(state.data() + kStateOffsets[J], kStateOffsets[J]);
      };
      (check(std::integral_constant<std::size_t, I>{}), ...);
    }
    (std::make_index_sequence<layer_count>{});
    return problem;
  }

  /// Layer I, bound to this network's buffers (e.g. layer<0>().weights() of a Dense layer).
  template <std::size_t I>
  auto& layer() noexcept {
    return std::get<I>(layers_);
  }
  template <std::size_t I>
  const auto& layer() const noexcept {
    return std::get<I>(layers_);
  }

  const Architecture& architecture() const noexcept { return architecture_; }
  /// The architecture in one line; recorded in checkpoints.
  std::string describe() const { return architecture_.describe(); }

 private:
  template <std::size_t... I>
  static LayerTuple make_layers(const Architecture& architecture, std::index_sequence<I...>) {
    return LayerTuple(LayerAt<I>(std::get<I>(architecture.layers()))...);
  }

  void bind() {
    for_each_layer([&](auto& layer, auto index) {
      constexpr std::size_t i = decltype(index)::value;
      layer.bind(parameters_.data() + kOffsets[i], gradients_.data() + kOffsets[i]);
      if constexpr (detail::HasState<std::remove_cvref_t<decltype(layer)>, B>)
        layer.bind_state(state_.data() + kStateOffsets[i]);
      // An activation splits its work between threads as the layer before it does.
      if constexpr (i > 0 && requires { layer.follow(WorkSplit::rows); })
        layer.follow(detail::work_split_of<LayerAt<i - 1>>());
    });
  }

  template <typename Function>
  void for_each_layer(Function&& function) {
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      (function(std::get<I>(layers_), std::integral_constant<std::size_t, I>{}), ...);
    }
    (std::make_index_sequence<layer_count>{});
  }
  template <typename Function>
  void for_each_layer(Function&& function) const {
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      (function(std::get<I>(layers_), std::integral_constant<std::size_t, I>{}), ...);
    }
    (std::make_index_sequence<layer_count>{});
  }

  // Carries out a pending zero_gradients() on parameters [first, last) of the buffer, each
  // thread zeroing the ranges it owns; after the whole buffer, nothing is pending (a backward
  // pass ends the pending state itself once it has cleared layer 0).
  void clear_gradient_buffer(std::size_t first, std::size_t last) const {
    if (!clear_pending_ || first == last) return;
    if constexpr (!backend::on_device) clear_cpu_gradients(first, last);
  }

  void clear_cpu_gradients(std::size_t first, std::size_t last) const {
    const auto begin = static_cast<Eigen::Index>(first);
    const auto end = static_cast<Eigen::Index>(last);
    parameter_partition().for_each_range([&](int, Eigen::Index from, Eigen::Index count) {
      const Eigen::Index lo = std::max(from, begin);
      const Eigen::Index hi = std::min(from + count, end);
      if (lo < hi) gradients_.segment(lo, hi - lo).setZero();
    });
    if (first == 0 && last == parameter_count) clear_pending_ = false;
  }

  template <std::size_t I>
  void backward_from(const Batch& output_gradient, Activations& activations, bool parameters,
                     bool input) {
    const Batch& in =
        I == 0 ? *activations.input_ : activations.outputs_[kOutputSlot[I == 0 ? 0 : I - 1]];
    // Layer I reads its output gradient from one buffer and writes its input gradient to the
    // other: only two gradients are alive at any point of the pass.
    Batch* in_gradient = nullptr;
    if constexpr (I > 0)
      in_gradient = &gradient_buffers_[I % 2];
    else if (input)
      in_gradient = &activations.input_gradient_;
    // Backward passes run from the last layer to the first, so the pending zeroing of
    // zero_gradients() is done once layer 0 has been cleared.
    if (parameters) {
      clear_gradient_buffer(kOffsets[I], kOffsets[I + 1]);
      if constexpr (I == 0) clear_pending_ = false;
    }
    detail::backward_in_mode<B>(std::get<I>(layers_), in, activations.outputs_[kOutputSlot[I]],
                                output_gradient, in_gradient, parameters, activations.mode_);
    if constexpr (I > 0)
      backward_from<I - 1>(gradient_buffers_[I % 2], activations, parameters, input);
  }

  Architecture architecture_;
  LayerTuple layers_;
  // A view of all `count` values of a buffer; the buffers' sizes never change, so neither do
  // the addresses the layers are bound to.
  static View view(Buffer& buffer, std::size_t count) noexcept {
    return View(buffer.data(), static_cast<Eigen::Index>(count));
  }
  static ConstView view(const Buffer& buffer, std::size_t count) noexcept {
    return ConstView(buffer.data(), static_cast<Eigen::Index>(count));
  }

  Buffer parameters_;
  // mutable: a const read of the gradients carries out a pending zero_gradients() first.
  mutable Buffer gradients_;
  Buffer state_;
  Activations own_activations_;
  // The gradients between layers during a backward pass, alternating; not copied with the
  // network, since no pass outlives its backward() call.
  std::array<Batch, 2> gradient_buffers_;
  // parameter_partition()'s cache.
  mutable ParameterPartition partition_;
  mutable int partition_threads_ = 0;  // 0: not built yet
  // Set by zero_gradients(): the gradients are zero, though the buffer may not be yet. Reads
  // through const methods may clear it, so, like the rest of a network, one object is not to
  // be used from two threads at once.
  mutable bool clear_pending_ = false;
};

}  // namespace gan
