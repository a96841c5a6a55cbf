// SPDX-License-Identifier: MIT
// Layers that change how a sample's values are viewed, not the values: Input, Reshape and
// Flatten.
#pragma once

#include <gan/core/backend.hpp>
#include <gan/core/random.hpp>
#include <gan/core/shape.hpp>
#include <gan/core/tensor.hpp>

#include <cstddef>
#include <string>
#include <type_traits>

namespace gan {

namespace diagnostics {

template <std::size_t... Dims>
struct reshape_from {};
template <std::size_t... Dims>
struct reshape_to {};

/// Instantiated only when a Reshape would change the number of values in a sample; the
/// "In instantiation of" line names both shapes.
template <typename From, typename To>
struct ReshapeMustKeepTheNumberOfValues {
  static_assert(always_false<From>,
                "gan::Reshape: the target shape must hold as many values as the input shape "
                "(both are named in the 'In instantiation of' line above)");
  using type = void;
};

template <typename Shape>
struct as_reshape_from;
template <std::size_t... Dims>
struct as_reshape_from<Shape<Dims...>> {
  using type = reshape_from<Dims...>;
};
template <typename Shape>
struct as_reshape_to;
template <std::size_t... Dims>
struct as_reshape_to<Shape<Dims...>> {
  using type = reshape_to<Dims...>;
};

}  // namespace diagnostics

namespace detail {

/// The bound layer of Input, Reshape and Flatten, on backend B (or a bare scalar type, for
/// the CPU): a batch's matrix is [sample size, batch] whatever the sample's shape, so a new
/// view of a sample is a plain copy of the batch.
template <typename B>
class PassThroughLayer {
  using Backend = backend_t<B>;
  using Scalar = typename Backend::scalar_type;
  using Batch = typename Backend::matrix_type;

 public:
  static constexpr std::size_t parameter_count = 0;
  /// backward() never reads `out`, so an activation may run in place over it.
  static constexpr bool backward_reads_output = false;

  template <typename Spec>
  explicit PassThroughLayer(const Spec&) {}

  void bind(Scalar*, Scalar*) {}
  void initialize(Rng&) {}

  void forward(const Batch& in, Batch& out) const { Backend::assign(in, out); }

  void backward(const Batch&, const Batch&, const Batch& grad_out, Batch* grad_in,
                bool /*accumulate_parameter_gradients*/) const {
    if (grad_in != nullptr) Backend::assign(grad_out, *grad_in);
  }
};

template <typename From, typename To>
struct checked_reshape {
  using type = To;
};

}  // namespace detail

/// States the shape of a network's input, for architectures whose first real layer accepts
/// many shapes (convolutions): a DCGAN generator starts with
///   gan::Sequential<gan::Input<gan::Shape<100, 1, 1>>, gan::ConvTranspose2d<100, 256, 4>, ...>
/// and takes z as [100, batch]. It passes values through unchanged.
template <typename S>
struct Input {
  static_assert(is_shape_v<S>, "gan::Input: the argument must be a gan::Shape<...>");

  using input_shape = S;
  template <typename InputShape>
  using output_shape = S;

  std::string describe() const { return "Input" + S::describe(); }

  template <typename B, typename InputShape>
  using Layer = detail::PassThroughLayer<B>;
};

/// Views each sample as shape S, which must hold as many values as the input. Values keep
/// their order in memory: image shapes [C, H, W] are stored channels-last (see core/shape.hpp),
/// so Reshape<Shape<C, H, W>> after a Dense layer reads its output as H*W pixels of C
/// channels each.
template <typename S>
struct Reshape {
  static_assert(is_shape_v<S>, "gan::Reshape: the argument must be a gan::Shape<...>");

  template <typename InputShape>
  using output_shape =
      typename std::conditional_t<InputShape::size == S::size,
                                  detail::checked_reshape<InputShape, S>,
                                  diagnostics::ReshapeMustKeepTheNumberOfValues<
                                      typename diagnostics::as_reshape_from<InputShape>::type,
                                      typename diagnostics::as_reshape_to<S>::type>>::type;

  std::string describe() const { return "Reshape" + S::describe(); }

  template <typename B, typename InputShape>
  using Layer = detail::PassThroughLayer<B>;
};

/// Views each sample as a flat vector of all its values, in memory order (channels-last for
/// images), e.g. before a Dense layer that ends a convolutional discriminator.
struct Flatten {
  template <typename InputShape>
  using output_shape = Shape<InputShape::size>;

  std::string describe() const { return "Flatten"; }

  template <typename B, typename InputShape>
  using Layer = detail::PassThroughLayer<B>;
};

}  // namespace gan
