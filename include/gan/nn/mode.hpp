// SPDX-License-Identifier: MIT
// Training and inference modes of a forward pass, and how a Network calls a layer: in either
// mode, and in place or not.
#pragma once

#include <gan/core/backend.hpp>
#include <gan/core/parallel.hpp>
#include <gan/core/tensor.hpp>

#include <concepts>
#include <cstddef>

namespace gan {

/// How a forward pass treats layers whose behaviour depends on the batch (batch norm).
enum class Mode {
  /// Statistics come from the batch itself, and running averages of them are updated: the
  /// mode of every pass inside a training step.
  training,
  /// Statistics come from the running averages, so that a sample's output does not depend on
  /// the rest of its batch: the mode for sampling and evaluation.
  inference,
};

/// Mode::training as "training", Mode::inference as "inference".
constexpr const char* to_string(Mode mode) noexcept {
  return mode == Mode::training ? "training" : "inference";
}

namespace detail {

// Most layers behave the same in both modes and have no state outside their parameters, so
// the extra arguments and members below are optional: a Network looks for them and falls
// back to the plain forms.

// B is a backend, or a bare scalar type for the CPU; Batch<B> is its matrix type.
template <typename B>
using Batch = typename backend_t<B>::matrix_type;

template <typename Layer, typename B>
concept ModeAwareForward = requires(const Layer& layer, const Batch<B>& in, Batch<B>& out,
                                    Mode mode) {
  layer.forward(in, out, mode);
};

template <typename Layer, typename B>
concept ModeAwareBackward = requires(Layer& layer, const Batch<B>& in, Batch<B>* grad_in,
                                     Mode mode) {
  layer.backward(in, in, in, grad_in, true, mode);
};

/// A layer with values that are not trained but belong to its state, such as batch norm's
/// running averages: `state_count` of them, pointed at by bind_state() and saved in
/// checkpoints beside the parameters.
template <typename Layer, typename B>
concept HasState = requires(Layer& layer, scalar_t<B>* state) {
  { Layer::state_count } -> std::convertible_to<std::size_t>;
  layer.bind_state(state);
};

template <typename Layer, typename B>
constexpr std::size_t state_count_of() {
  if constexpr (HasState<Layer, B>)
    return Layer::state_count;
  else
    return 0;
}

/// Whether a layer's output for each sample depends on that sample alone, in every mode. A
/// layer may declare samples_are_independent (spectral normalisation is mode-aware, but
/// couples no samples); one that says nothing is taken to couple them when it behaves
/// differently in training and inference, as batch norm does.
template <typename Layer, typename B>
constexpr bool samples_are_independent() {
  if constexpr (requires { Layer::samples_are_independent; })
    return Layer::samples_are_independent;
  else
    return !ModeAwareForward<Layer, B>;
}

/// Whether a layer may write its output over its input, and computes its input gradient from
/// its output alone (the elementwise activations): it declares can_run_in_place = true.
template <typename Layer>
constexpr bool can_run_in_place() {
  if constexpr (requires { Layer::can_run_in_place; })
    return Layer::can_run_in_place;
  else
    return false;
}

/// Whether a layer's backward pass reads its own output. Layers that do not (Dense,
/// convolutions, batch norm) declare backward_reads_output = false, which lets an activation
/// after them run in place; a layer that says nothing is taken to read it.
template <typename Layer>
constexpr bool backward_reads_output() {
  if constexpr (requires { Layer::backward_reads_output; })
    return Layer::backward_reads_output;
  else
    return true;
}

/// How a layer shares out its output between threads: it declares `work_split`, or is taken
/// to split rows (see WorkSplit in core/parallel.hpp).
template <typename Layer>
constexpr WorkSplit work_split_of() {
  if constexpr (requires { Layer::work_split; })
    return Layer::work_split;
  else
    return WorkSplit::rows;
}

template <typename B, typename Layer>
void forward_in_mode(const Layer& layer, const Batch<B>& in, Batch<B>& out, Mode mode) {
  if constexpr (ModeAwareForward<Layer, B>)
    layer.forward(in, out, mode);
  else
    layer.forward(in, out);
}

template <typename B, typename Layer>
void backward_in_mode(Layer& layer, const Batch<B>& in, const Batch<B>& out,
                      const Batch<B>& grad_out, Batch<B>* grad_in,
                      bool accumulate_parameter_gradients, Mode mode) {
  if constexpr (ModeAwareBackward<Layer, B>)
    layer.backward(in, out, grad_out, grad_in, accumulate_parameter_gradients, mode);
  else
    layer.backward(in, out, grad_out, grad_in, accumulate_parameter_gradients);
}

}  // namespace detail

}  // namespace gan
