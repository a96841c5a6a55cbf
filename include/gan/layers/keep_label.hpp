// SPDX-License-Identifier: MIT
// KeepLabel: runs inner layers on a whole [z; label] column and passes the label through, so
// that a conditional generator's output is [image; label].
#pragma once

#include <gan/core/backend.hpp>
#include <gan/core/parallel.hpp>
#include <gan/core/random.hpp>
#include <gan/core/shape.hpp>
#include <gan/core/tensor.hpp>
#include <gan/nn/mode.hpp>
#include <gan/nn/network.hpp>
#include <gan/nn/sequential.hpp>

#include <cstddef>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

namespace gan {

namespace diagnostics {

template <std::size_t N>
struct keep_label_input_size {};
template <std::size_t N>
struct keep_label_label_rows {};

/// Instantiated only when KeepLabel's input has no rows besides the label; the
/// "In instantiation of" line names both sizes.
template <typename InputSize, typename LabelRows>
struct KeepLabelInputMustHoldMoreThanTheLabel {
  static_assert(always_false<InputSize>,
                "gan::KeepLabel: the input must hold more values than the label rows it keeps "
                "(both sizes are named in the 'In instantiation of' line above); the first inner "
                "layer takes [z; one-hot label], so its input size is the latent size plus "
                "Classes");
  static constexpr bool value = false;
};

/// Instantiated only when an inner layer of KeepLabel has a mode or running state.
template <typename Layer>
struct KeepLabelInnerLayersMustBeStateless {
  static_assert(always_false<Layer>,
                "gan::KeepLabel: inner layers with a training/inference mode or running state "
                "(BatchNorm) are not supported yet (docs/limitations.md); build the layers "
                "inside KeepLabel from Dense, convolutions and activations");
  static constexpr bool value = false;
};

}  // namespace diagnostics

namespace detail {

template <std::size_t InputSize, std::size_t Classes>
constexpr bool keep_label_input_fits() {
  if constexpr (InputSize > Classes)
    return true;
  else
    return diagnostics::KeepLabelInputMustHoldMoreThanTheLabel<
        diagnostics::keep_label_input_size<InputSize>,
        diagnostics::keep_label_label_rows<Classes>>::value;
}

template <typename InnerNetwork>
constexpr bool keep_label_inner_is_stateless() {
  if constexpr (InnerNetwork::samples_are_independent && InnerNetwork::state_count == 0)
    return true;
  else
    return diagnostics::KeepLabelInnerLayersMustBeStateless<
        typename InnerNetwork::Architecture>::value;
}

}  // namespace detail

/// Runs layers `Inner...` on each whole input column and appends the column's last `Classes`
/// rows, unchanged, to their output:
///
///   in = [z; y]  (y: the last Classes rows)  ->  out = [Inner...(in); y]
///
/// It is the one piece a conditional generator needs beyond a NoisePrior that appends a
/// one-hot label, gan::WithClassLabel (Mirza & Osindero 2014, arXiv:1411.1784): the inner
/// layers see the label with the noise, and the generator's output carries it on to the
/// discriminator, whose first layer then sees [image; y], as the real batches
/// (data/labelled_batch.hpp) are laid out. The trainer needs no change.
///
///   using Generator = gan::Sequential<gan::KeepLabel<10, gan::Dense<110, 256>, gan::LeakyRelu,
///                                                    gan::Dense<256, 784>, gan::Tanh>>;
///   using Discriminator = gan::Sequential<gan::Dense<794, 256>, gan::LeakyRelu,
///                                         gan::Dense<256, 1>>;
///
/// Backward: the output gradient's first rows go back through the inner layers; its last
/// `Classes` rows are added to the label rows of their input gradient (the label reaches the
/// output both through the inner layers and directly).
///
/// Shapes: the input is the first inner layer's input shape, which must hold more than
/// `Classes` values (a static_assert names both otherwise); the output is flat,
/// Shape<inner output size + Classes>.
///
/// @tparam Classes the number of label rows at the end of each input column
/// @tparam Inner   layer specifications, as in a Sequential; the first states its input
/// @note Limitation: CPU backend only, and inner layers must have no mode or running state
///   (no BatchNorm); each copy of the layer also holds an unused parameter buffer of the inner
///   layers' size. See docs/limitations.md.
template <std::size_t Classes, typename... Inner>
struct KeepLabel {
  static_assert(Classes >= 1, "gan::KeepLabel: keep at least one label row");

  using inner_architecture = Sequential<Inner...>;
  using input_shape = typename inner_architecture::input_shape;
  static_assert(detail::keep_label_input_fits<input_shape::size, Classes>());

  template <typename InputShape>
  using output_shape = Shape<inner_architecture::output_shape::size + Classes>;

  /// Layers with their default settings.
  KeepLabel() = default;
  /// Inner layers with settings of their own.
  explicit KeepLabel(Inner... layers) : inner_(std::move(layers)...) {}

  /// The inner architecture, as given.
  const inner_architecture& inner() const noexcept { return inner_; }

  std::string describe() const {
    return "KeepLabel<" + std::to_string(Classes) + ">(" + inner_.describe() + ")";
  }

  template <typename B, typename InputShape>
  class Layer;

 private:
  inner_architecture inner_;
};

template <std::size_t Classes, typename... Inner>
template <typename B, typename InputShape>
class KeepLabel<Classes, Inner...>::Layer {
  using Backend = backend_t<B>;
  using Scalar = typename Backend::scalar_type;
  using Batch = typename Backend::matrix_type;
  using InnerNetwork = Network<Sequential<Inner...>, B>;

  static_assert(!Backend::on_device,
                "gan::KeepLabel: runs on the CPU backend only (the device backend has no "
                "row-block copies yet; see docs/limitations.md)");
  static_assert(detail::keep_label_inner_is_stateless<InnerNetwork>());

  static constexpr auto kLabelRows = static_cast<Eigen::Index>(Classes);
  static constexpr auto kInnerRows = static_cast<Eigen::Index>(InnerNetwork::output_size);

  template <std::size_t I>
  using InnerLayerAt = typename std::tuple_element_t<I, std::tuple<Inner...>>::template Layer<
      layer_argument_t<B>,
      std::tuple_element_t<I, typename Sequential<Inner...>::layer_input_shapes>>;

 public:
  static constexpr std::size_t parameter_count = InnerNetwork::parameter_count;

  explicit Layer(const KeepLabel& spec) : inner_(spec.inner()) {}
  Layer(const Layer& other) : inner_(other.inner_) {}
  Layer& operator=(const Layer& other) {
    inner_ = other.inner_;
    cached_input_ = nullptr;
    return *this;
  }

  /// Points the inner layers at consecutive slices of the outer network's buffers, in order.
  void bind(Scalar* parameters, Scalar* gradients) {
    for_each_inner([&](auto& layer, std::size_t offset) {
      layer.bind(parameters + offset, gradients + offset);
    });
  }

  void initialize(Rng& rng) { inner_.initialize(rng); }

  /// Gives each inner layer's parameters to the threads that compute their gradients, as a
  /// Network does for its own layers.
  static void parameter_ranges(ParameterPartition& partition, Eigen::Index offset) {
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      std::size_t at = 0;
      const auto add = [&]<std::size_t J>(std::integral_constant<std::size_t, J>) {
        using L = InnerLayerAt<J>;
        const Eigen::Index begin = offset + static_cast<Eigen::Index>(at);
        if constexpr (requires { L::parameter_ranges(partition, begin); })
          L::parameter_ranges(partition, begin);
        else
          partition.add_evenly(begin, static_cast<Eigen::Index>(L::parameter_count));
        at += L::parameter_count;
      };
      (add(std::integral_constant<std::size_t, I>{}), ...);
    }
    (std::make_index_sequence<sizeof...(Inner)>{});
  }

  /// out = [Inner...(in); last Classes rows of in], [inner output size + Classes, batch].
  void forward(const Batch& in, Batch& out) const {
    const Batch& inner_out = inner_.forward(in, pass_);
    cached_input_ = &in;
    out.resize(kInnerRows + kLabelRows, in.cols());
    out.topRows(kInnerRows) = inner_out;
    out.bottomRows(kLabelRows) = in.bottomRows(kLabelRows);
  }

  void backward(const Batch& in, const Batch& out, const Batch& grad_out, Batch* grad_in,
                bool accumulate_parameter_gradients) const {
    if (grad_in == nullptr && !accumulate_parameter_gradients) return;
    // The inner pass of the last forward() is reused when it was this one: same input, same
    // output. Another pass in between (the network ran on another Activations) is redone.
    if (cached_input_ != &in || pass_.output().cols() != in.cols() ||
        pass_.output() != out.topRows(kInnerRows)) {
      inner_.forward(in, pass_);
      cached_input_ = &in;
    }
    inner_gradient_ = grad_out.topRows(kInnerRows);
    const Backprop which = !accumulate_parameter_gradients ? Backprop::input_only
                           : grad_in == nullptr            ? Backprop::parameters_only
                                                           : Backprop::parameters_and_input;
    inner_.backward(inner_gradient_, pass_, which);
    if (grad_in == nullptr) return;
    *grad_in = pass_.input_gradient();
    grad_in->bottomRows(kLabelRows) += grad_out.bottomRows(kLabelRows);
  }

 private:
  template <typename Function>
  void for_each_inner(Function&& function) {
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      std::size_t offset = 0;
      ((function(inner_.template layer<I>(), offset), offset += InnerLayerAt<I>::parameter_count),
       ...);
    }
    (std::make_index_sequence<sizeof...(Inner)>{});
  }

  // The inner layers, run as a network of their own but bound to the outer network's buffers
  // (bind()); their own buffers stay unused. mutable: a layer's passes are const, and the
  // inner network keeps its pass in pass_ for backward().
  mutable InnerNetwork inner_;
  mutable typename InnerNetwork::Activations pass_;
  mutable const Batch* cached_input_ = nullptr;
  mutable Batch inner_gradient_;
};

}  // namespace gan
