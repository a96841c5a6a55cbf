// SPDX-License-Identifier: MIT
// Dense (fully connected, affine) layer: y = W x + b.
#pragma once

#include <gan/core/error.hpp>
#include <gan/core/random.hpp>
#include <gan/core/shape.hpp>
#include <gan/core/tensor.hpp>

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
    /// W (Out x In, column-major) followed by b (Out).
    static constexpr std::size_t parameter_count = Out * In + Out;
    /// backward() never reads `out`, so an activation may run in place over it.
    static constexpr bool backward_reads_output = false;

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

    /// out [Out, batch] = W in [In, batch] + b.
    void forward(const Matrix<Scalar>& in, Matrix<Scalar>& out) const {
      out.resize(Out, in.cols());
      out.noalias() = weights() * in;
      out.colwise() += bias();
    }

    /// Adds dL/dW and dL/db to the gradient buffer when asked, and writes dL/din when
    /// grad_in is given.
    void backward(const Matrix<Scalar>& in, const Matrix<Scalar>& /*out*/,
                  const Matrix<Scalar>& grad_out, Matrix<Scalar>* grad_in,
                  bool accumulate_parameter_gradients) {
      if (accumulate_parameter_gradients) {
        MatrixMap<Scalar> grad_weights(gradients_, Out, In);
        VectorMap<Scalar> grad_bias(gradients_ + Out * In, Out);
        grad_weights.noalias() += grad_out * in.transpose();
        grad_bias.noalias() += grad_out.rowwise().sum().transpose();
      }
      if (grad_in != nullptr) {
        grad_in->resize(In, grad_out.cols());
        grad_in->noalias() = weights().transpose() * grad_out;
      }
    }

    MatrixMap<Scalar> weights() const { return MatrixMap<Scalar>(parameters_, Out, In); }
    VectorMap<Scalar> bias() const { return VectorMap<Scalar>(parameters_ + Out * In, Out); }

   private:
    Scalar* parameters_ = nullptr;
    Scalar* gradients_ = nullptr;
  };
};

}  // namespace gan
