// SPDX-License-Identifier: MIT
// Sequential: an architecture written as a list of layers, checked for fit at compile time.
#pragma once

#include <gan/core/error.hpp>
#include <gan/core/shape.hpp>

#include <cstddef>
#include <string>
#include <tuple>
#include <type_traits>

namespace gan {

namespace diagnostics {

/// Instantiated only when layer number Index (1-based) expects an input shape other than the
/// one the layer before it produces. Its name, with the shapes as template arguments, is what
/// the compiler shows first:
///   In instantiation of 'struct gan::diagnostics::LayerInputDoesNotMatchPreviousOutput<
///     gan::diagnostics::layer_number<3>, gan::diagnostics::output_of_previous_layer<128>,
///     gan::diagnostics::input_of_next_layer<256> >'
template <typename LayerNumber, typename Produced, typename Expected>
struct LayerInputDoesNotMatchPreviousOutput {
  static_assert(always_false<LayerNumber>,
                "gan::Sequential: a layer's input shape does not match the output shape of the "
                "layer before it (both shapes are named in the 'In instantiation of' line above); "
                "change one of the two layers so that they agree");
  static constexpr bool value = false;
};

template <std::size_t Index>
struct layer_number {};

template <typename Shape>
struct as_previous_output;
template <std::size_t... Dims>
struct as_previous_output<Shape<Dims...>> {
  using type = output_of_previous_layer<Dims...>;
};
template <typename Shape>
struct as_next_input;
template <std::size_t... Dims>
struct as_next_input<Shape<Dims...>> {
  using type = input_of_next_layer<Dims...>;
};

}  // namespace diagnostics

namespace detail {

template <typename Spec>
concept DeclaresInputShape = requires {
  typename Spec::input_shape;
};

/// True when Spec accepts Produced as its input; otherwise instantiates the diagnostic.
template <std::size_t Index, typename Produced, typename Spec>
constexpr bool layer_fits() {
  if constexpr (!DeclaresInputShape<Spec>) {
    return true;
  } else if constexpr (std::is_same_v<Produced, typename Spec::input_shape>) {
    return true;
  } else {
    return diagnostics::LayerInputDoesNotMatchPreviousOutput<
        diagnostics::layer_number<Index>, typename diagnostics::as_previous_output<Produced>::type,
        typename diagnostics::as_next_input<typename Spec::input_shape>::type>::value;
  }
}

/// Walks the layer list, carrying the shape from each layer to the next.
///   input_shapes: std::tuple of the shape entering each layer
///   output:       the shape leaving the last layer
template <std::size_t Index, typename InputShape, typename... Specs>
struct ShapeChain {
  using input_shapes = std::tuple<>;
  using output = InputShape;
};

template <std::size_t Index, typename InputShape, typename First, typename... Rest>
struct ShapeChain<Index, InputShape, First, Rest...> {
  static_assert(layer_fits<Index, InputShape, First>());
  using first_output = typename First::template output_shape<InputShape>;
  using rest = ShapeChain<Index + 1, first_output, Rest...>;
  using input_shapes = decltype(std::tuple_cat(std::declval<std::tuple<InputShape>>(),
                                               std::declval<typename rest::input_shapes>()));
  using output = typename rest::output;
};

}  // namespace detail

/// An architecture: layers applied one after another, listed in data-flow order (input first).
///
///   using Discriminator = gan::Sequential<gan::Dense<784, 512>, gan::LeakyRelu,
///                                         gan::Dense<512, 1>>;
///
/// Sequential only describes the model; gan::Network<Architecture, Scalar> holds its
/// parameters. Each layer must fit the one before it: a layer that states an input shape
/// (such as Dense<In, Out>) must receive exactly that shape, or the program does not compile.
/// Layers that keep their input's shape (activations) fit anywhere.
///
/// @tparam Layers layer specifications; the first one must state its input shape
template <typename... Layers>
class Sequential {
  static_assert(sizeof...(Layers) > 0, "gan::Sequential: an architecture needs at least one layer");
  using First = std::tuple_element_t<0, std::tuple<Layers...>>;
  static_assert(detail::DeclaresInputShape<First>,
                "gan::Sequential: the first layer must state its input shape (for example "
                "gan::Dense<In, Out>, or gan::Input<gan::Shape<C, H, W>> before a "
                "convolution), so that the network's input shape is known");
  using Chain = detail::ShapeChain<1, typename First::input_shape, Layers...>;

 public:
  /// The shape of one input sample.
  using input_shape = typename First::input_shape;
  /// The shape of one output sample.
  using output_shape = typename Chain::output;
  /// The shape entering each layer, as a std::tuple of Shape types.
  using layer_input_shapes = typename Chain::input_shapes;

  static constexpr std::size_t layer_count = sizeof...(Layers);

  /// Layers with their default settings.
  Sequential() = default;
  /// Layers with settings of their own:
  ///   Sequential<Dense<784, 1>, LeakyRelu>{Dense<784, 1>{}, LeakyRelu{0.1}}
  explicit Sequential(Layers... layers) : layers_(std::move(layers)...) {}

  /// The layer specifications, in order.
  const std::tuple<Layers...>& layers() const noexcept { return layers_; }

  /// One line naming every layer and its settings, e.g. "Dense(784 -> 1) | Sigmoid".
  /// Checkpoints record it, and refuse to load into an architecture that describes itself
  /// differently.
  std::string describe() const {
    std::string text;
    std::apply([&](const auto&... layer) { ((text += layer.describe() + " | "), ...); }, layers_);
    text.resize(text.size() - 3);
    return text;
  }

 private:
  std::tuple<Layers...> layers_;
};

}  // namespace gan
