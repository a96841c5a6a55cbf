// SPDX-License-Identifier: MIT
// The extension points of the framework, as concepts: what a layer, a loss policy, an
// optimizer and a noise prior must provide.
#pragma once

#include <gan/core/backend.hpp>
#include <gan/core/random.hpp>
#include <gan/core/shape.hpp>
#include <gan/core/tensor.hpp>
#include <gan/io/checkpoint.hpp>
#include <gan/losses/traits.hpp>
#include <gan/nn/mode.hpp>

#include <concepts>
#include <cstddef>
#include <string>

namespace gan {

/// A layer bound to a scalar type and an input shape, as a Network runs it.
///   forward(in, out):  out = f(in); in is [input size, batch], out is resized by the layer
///   backward(in, out, grad_out, grad_in, accumulate): adds dL/dparameters to the gradient
///     buffer when `accumulate` is true; writes dL/din to *grad_in unless it is null
///   bind(parameters, gradients): points the layer at its slices of the network's buffers
/// A layer that behaves differently in training and inference (batch norm) takes a Mode as
/// a last argument of forward() and backward() instead; one with running state declares
/// state_count and bind_state() (see nn/mode.hpp).
///   initialize(rng): draws the parameters (host memory; a device network initialises a CPU
///     copy of itself, so device layers need not have it)
/// B is a backend (gan::Cpu, gan::Device), or a bare scalar type standing for the CPU.
template <typename L, typename B>
concept BoundLayer = requires(L layer, detail::Batch<B>* grad_in, scalar_t<B>* buffer, Rng& rng) {
  { L::parameter_count } -> std::convertible_to<std::size_t>;
  layer.bind(buffer, buffer);
  requires backend_t<B>::on_device || requires { layer.initialize(rng); };
}
&&(requires(const L const_layer, const detail::Batch<B>& in, detail::Batch<B>& out) {
  const_layer.forward(in, out);
} ||
   detail::ModeAwareForward<L, B>)&&(requires(L layer, const detail::Batch<B>& in,
                                              detail::Batch<B>* grad_in) {
  layer.backward(in, in, in, grad_in, true);
} || detail::ModeAwareBackward<L, B>);

/// A layer specification, as listed in a Sequential: it states the shape it produces from a
/// given input shape, describes itself in one line, and binds to a backend (Layer<float,
/// InputShape> for the CPU's float, Layer<gan::Device<float>, InputShape> for the device).
template <typename Spec, typename InputShape, typename B = float>
concept LayerSpec = is_shape_v<InputShape> && requires(const Spec spec) {
  typename Spec::template output_shape<InputShape>;
  requires is_shape_v<typename Spec::template output_shape<InputShape>>;
  { spec.describe() } -> std::convertible_to<std::string>;
  requires BoundLayer<typename Spec::template Layer<layer_argument_t<B>, InputShape>, B>;
};

/// A GAN loss: both players' losses and their gradients, from the discriminator's logits
/// ([1, batch]), plus the score reported as "D(x)" in the statistics. Losses are means over
/// the batch; the gradients are those of the returned value. A new GAN variant is a new type
/// modelling this concept; the trainer never changes.
///
/// Optional members, which the trainer looks for (losses/traits.hpp, losses/penalties.hpp):
///   generator_uses_real_logits = true, with generator_loss(real_logits, fake_logits, gradient)
///     in place of the two-argument form: G's loss also reads D's outputs on real data
///   default_discriminator_steps: the k that AlternatingTrainer::Options starts from
///   check(): validates the policy's settings, throwing std::invalid_argument
///   penalize(discriminator, real, fake, rng, scratch): adds a penalty's gradient to D's
///     gradients in each discriminator step and returns the penalty
///   after_discriminator_update(discriminator): constrains D after each of its updates
/// A policy with settings (a penalty's weight) is an object: the trainer keeps the one in its
/// Options and calls these members on it.
template <typename Loss, typename Scalar>
concept LossPolicy = requires(const Matrix<Scalar>& logits, Matrix<Scalar>& gradient,
                              Scalar logit) {
  { Loss::name } -> std::convertible_to<const char*>;
  { Loss::discriminator_loss(logits, logits, gradient, gradient) } -> std::convertible_to<double>;
  { Loss::score(logit) } -> std::convertible_to<double>;
} && (requires(const Matrix<Scalar>& logits, Matrix<Scalar>& gradient) {
  { Loss::generator_loss(logits, gradient) } -> std::convertible_to<double>;
} || (detail::GeneratorUsesRealLogits<Loss> &&
      requires(const Matrix<Scalar>& logits, Matrix<Scalar>& gradient) {
        { Loss::generator_loss(logits, logits, gradient) } -> std::convertible_to<double>;
      }));

/// An optimizer for one network's flat parameter vector, with state it can checkpoint.
/// B is the backend whose parameter views step() takes, or a bare scalar type for the CPU.
template <typename O, typename B>
concept Optimizer = requires(O optimizer, const O const_optimizer,
                             typename backend_t<B>::vector_view parameters,
                             typename backend_t<B>::const_vector_view gradients,
                             CheckpointWriter& writer, const CheckpointReader& reader,
                             const std::string& prefix,
                             const typename O::Hyperparameters& hyperparameters) {
  { O::name } -> std::convertible_to<const char*>;
  O(hyperparameters, std::size_t{});
  optimizer.step(parameters, gradients);
  const_optimizer.save(writer, prefix);
  { O::restore(reader, prefix, hyperparameters, std::size_t{}) } -> std::same_as<O>;
};

/// A distribution for the generator's input: fills a [latent_dim, batch] matrix.
template <typename P, typename B>
concept NoisePrior = requires(detail::Batch<B>& noise, Rng& rng) {
  { P::name } -> std::convertible_to<const char*>;
  P::fill(noise, rng);
};

}  // namespace gan
