// SPDX-License-Identifier: MIT
// Batch normalisation over the channels of dense or image inputs, with running averages.
#pragma once

#include <gan/core/error.hpp>
#include <gan/core/random.hpp>
#include <gan/core/shape.hpp>
#include <gan/core/tensor.hpp>
#include <gan/nn/mode.hpp>

#include <Eigen/Core>

#include <charconv>
#include <cmath>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <utility>

namespace gan {

/// The runtime settings of a BatchNorm layer. The defaults are PyTorch's; change one by name:
///   gan::BatchNorm<64>({.momentum = 0.01})
struct BatchNormSettings {
  /// Added to the variance under the square root, so that a channel without spread in a
  /// batch is not divided by zero. Must be positive and finite.
  double epsilon = 1e-5;
  /// Weight of the newest batch in the running averages, in (0, 1]:
  ///   running = (1 - momentum) * running + momentum * batch statistic.
  double momentum = 0.1;
};

namespace diagnostics {

// Named only in the error below, so that the compiler's first line states both channel counts.
template <std::size_t Channels>
struct channels_of_batch_norm {};
template <std::size_t Channels>
struct channels_of_batch_norm_input {};

/// Instantiated only when a BatchNorm<Channels> receives an input with another number of
/// channels (the first dimension of its shape). The compiler shows first
///   In instantiation of 'struct gan::diagnostics::BatchNormChannelsDoNotMatchInput<
///     gan::diagnostics::channels_of_batch_norm<16>,
///     gan::diagnostics::channels_of_batch_norm_input<32> >'
template <typename BatchNormChannels, typename InputChannels>
struct BatchNormChannelsDoNotMatchInput {
  static_assert(always_false<BatchNormChannels>,
                "gan::BatchNorm<Channels>: Channels differs from the number of channels of the "
                "input, the first dimension of its shape (both numbers are named in the 'In "
                "instantiation of' line above); set Channels to the input's channel count");
  static constexpr bool value = false;
};

}  // namespace diagnostics

namespace detail {

template <std::size_t Channels, std::size_t InputChannels>
constexpr bool batch_norm_channels_fit() {
  if constexpr (Channels == InputChannels)
    return true;
  else
    return diagnostics::BatchNormChannelsDoNotMatchInput<
        diagnostics::channels_of_batch_norm<Channels>,
        diagnostics::channels_of_batch_norm_input<InputChannels>>::value;
}

/// The output shape of BatchNorm<Channels> for InputShape, which it also checks.
template <std::size_t Channels, typename InputShape>
struct BatchNormOutput {
  static_assert(diagnostics::always_false<InputShape>,
                "gan::BatchNorm: expected an input of shape [Channels] (features) or "
                "[Channels, Height, Width] (an image); reshape the input to one of the two");
};

template <std::size_t Channels, std::size_t InputChannels>
struct BatchNormOutput<Channels, Shape<InputChannels>> {
  static_assert(batch_norm_channels_fit<Channels, InputChannels>());
  using type = Shape<InputChannels>;
};

template <std::size_t Channels, std::size_t InputChannels, std::size_t Height, std::size_t Width>
struct BatchNormOutput<Channels, Shape<InputChannels, Height, Width>> {
  static_assert(batch_norm_channels_fit<Channels, InputChannels>());
  using type = Shape<InputChannels, Height, Width>;
};

}  // namespace detail

/// Batch normalisation (Ioffe and Szegedy 2015, arXiv:1502.03167): each channel is shifted
/// and scaled to zero mean and unit variance, then mapped through a trained affine function,
///   y = gamma_c * (x - mean_c) / sqrt(variance_c + epsilon) + beta_c.
///
/// Channels are the first dimension of the input shape. For a dense input Shape<Channels>
/// each feature is a channel, with one value per sample. For an image Shape<Channels, H, W>,
/// stored channels-last (feature (h * W + w) * Channels + c), a channel's statistics run over
/// all H * W positions of every sample: a batch viewed as a [Channels, H * W * batch] matrix
/// has one row per channel.
///
/// Modes. In Mode::training, mean_c and variance_c are the batch's own (the biased variance),
/// and the pass updates the running averages with the batch mean and the unbiased batch
/// variance, as PyTorch does. In Mode::inference they are the running averages, so that a
/// sample's output does not depend on the rest of its batch, and nothing is updated.
///
/// A channel with one value per batch (a dense input in a batch of one): its variance is 0,
/// every normalised value is 0 and the output is beta_c, with zero gradient to the input and
/// to gamma; nothing is NaN. The unbiased variance of one value is undefined, so the running
/// variance is left as it was; the running mean is updated.
///
/// Parameters: gamma (initially 1) then beta (initially 0), Channels each. State, saved in
/// checkpoints but not trained: the running mean (initially 0) then the running variance
/// (initially 1), Channels each.
///
/// @tparam Channels the number of channels, the first dimension of the input shape
template <std::size_t Channels>
struct BatchNorm {
  static_assert(Channels > 0, "gan::BatchNorm: the channel count must be at least 1");

  /// Epsilon 1e-5 and momentum 0.1.
  BatchNorm() = default;
  /// @throws std::invalid_argument unless epsilon is positive and finite and momentum is in
  ///         (0, 1]
  explicit BatchNorm(const BatchNormSettings& settings) : settings_(settings) {
    if (!(settings.epsilon > 0.0 && std::isfinite(settings.epsilon)))
      throw std::invalid_argument(message(
          "BatchNorm::BatchNorm: expected a positive, finite epsilon, got ", settings.epsilon));
    if (!(settings.momentum > 0.0 && settings.momentum <= 1.0))
      throw std::invalid_argument(
          message("BatchNorm::BatchNorm: expected a momentum in (0, 1], got ", settings.momentum));
  }

  /// The input shape, [Channels] or [Channels, H, W]; any other is a compile-time error.
  template <typename InputShape>
  using output_shape = typename detail::BatchNormOutput<Channels, InputShape>::type;

  double epsilon() const noexcept { return settings_.epsilon; }
  double momentum() const noexcept { return settings_.momentum; }

  /// "BatchNorm(128, epsilon 1e-05, momentum 0.1)": the settings in the shortest form that
  /// reads back exactly, so that two different settings never describe themselves alike
  /// (checkpoints compare this text).
  std::string describe() const {
    return message("BatchNorm(", Channels, ", epsilon ", exact(settings_.epsilon), ", momentum ",
                   exact(settings_.momentum), ")");
  }

  /// The layer bound to a scalar type: views into the network's parameter, gradient and
  /// state buffers, and scratch space of its own.
  template <typename Scalar, typename InputShape>
  class Layer {
    // Naming the output shape checks the channel count, also for a layer bound directly.
    using Output = output_shape<InputShape>;

   public:
    /// gamma then beta, Channels each.
    static constexpr std::size_t parameter_count = 2 * Channels;
    /// The running mean then the running variance, Channels each.
    static constexpr std::size_t state_count = 2 * Channels;

    explicit Layer(const BatchNorm& spec)
        : epsilon_(spec.epsilon()), momentum_(spec.momentum()), scratch_(kChannels) {}

    /// Points the layer at its slices of the network's flat parameter and gradient buffers.
    void bind(Scalar* parameters, Scalar* gradients) {
      parameters_ = parameters;
      gradients_ = gradients;
    }

    /// Points the layer at its slice of the network's flat state buffer.
    void bind_state(Scalar* state) { state_ = state; }

    /// gamma 1, beta 0, running mean 0, running variance 1: the identity on a batch that is
    /// already normalised. Draws nothing.
    void initialize(Rng&) {
      gamma().setOnes();
      beta().setZero();
      running_mean().setZero();
      running_variance().setOnes();
    }

    /// out = gamma * (in - mean) / sqrt(variance + epsilon) + beta, per channel, with the
    /// batch's statistics or the running ones (see the class notes). A training pass also
    /// updates the running averages: it is const for the network, whose state buffer it
    /// writes through the pointer given to bind_state().
    void forward(const Matrix<Scalar>& in, Matrix<Scalar>& out, Mode mode) const {
      check_input(in);
      if (mode == Mode::training) {
        shift_by_first_column(in);
        sum_over_batch(in, nullptr);
        batch_statistics(values_per_channel(in));
        update_running_averages(values_per_channel(in));
      } else {
        running_statistics();
      }
      Scratch& s = scratch_;
      s.center = s.mean.template cast<Scalar>();
      s.scale = (fixed(gamma()).template cast<double>() * s.inverse_std).template cast<Scalar>();

      // (in - mean) first, then the scale: a value equal to the mean gives exactly beta.
      out.resize(in.rows(), in.cols());
      const auto center = fixed(std::as_const(s.center));
      const auto scale = fixed(std::as_const(s.scale));
      const auto offset = fixed(beta());
      for (Eigen::Index j = 0; j < values_per_channel(in); ++j)
        column(out, j) = (column(in, j) - center) * scale + offset;
    }

    /// Adds dL/dgamma and dL/dbeta to the gradient buffer when asked, and writes dL/din when
    /// grad_in is given, for the forward pass in `mode` that produced `out`. A training pass
    /// is differentiated through the batch statistics, which are recomputed from `in`: the
    /// layer keeps nothing from the forward pass, so several passes may be alive at once.
    void backward(const Matrix<Scalar>& in, const Matrix<Scalar>& /*out*/,
                  const Matrix<Scalar>& grad_out, Matrix<Scalar>* grad_in,
                  bool accumulate_parameter_gradients, Mode mode) {
      check_input(in);
      GAN_ASSERT(grad_out.rows() == in.rows() && grad_out.cols() == in.cols(),
                 "the output gradient must have the shape of the input");
      if (mode == Mode::training)
        backward_through_batch_statistics(in, grad_out, grad_in, accumulate_parameter_gradients);
      else
        backward_through_running_statistics(in, grad_out, grad_in, accumulate_parameter_gradients);
    }

    VectorMap<Scalar> gamma() const { return VectorMap<Scalar>(parameters_, kChannels); }
    VectorMap<Scalar> beta() const { return VectorMap<Scalar>(parameters_ + Channels, kChannels); }
    VectorMap<Scalar> running_mean() const { return VectorMap<Scalar>(state_, kChannels); }
    VectorMap<Scalar> running_variance() const {
      return VectorMap<Scalar>(state_ + Channels, kChannels);
    }

   private:
    static constexpr Eigen::Index kChannels = static_cast<Eigen::Index>(Channels);
    /// Values of one channel in one sample: H * W for an image, 1 for a dense input.
    static constexpr Eigen::Index kPositions =
        static_cast<Eigen::Index>(InputShape::size) / kChannels;

    // Compile-time sizes let Eigen unroll or vectorise the per-channel loops over a column.
    template <typename T>
    using Column = Eigen::Array<T, kChannels, 1>;

    /// Per-channel scratch, sized once so that no pass allocates. Passes run one at a time,
    /// so one scratch serves them all; it holds nothing from one call to the next.
    struct Scratch {
      explicit Scratch(Eigen::Index channels)
          : shift(channels),
            sum(channels),
            sum_of_squares(channels),
            sum_of_gradients(channels),
            sum_of_gradient_products(channels),
            mean(channels),
            variance(channels),
            inverse_std(channels),
            sum_of_gradient_times_xhat(channels),
            center(channels),
            scale(channels),
            gradient_mean(channels),
            slope(channels) {}
      // Sums over a batch in double, of d = x - shift (see sum_over_batch).
      Eigen::ArrayXd shift;
      Eigen::ArrayXd sum;                       // sum of d
      Eigen::ArrayXd sum_of_squares;            // sum of d^2
      Eigen::ArrayXd sum_of_gradients;          // sum of dL/dy
      Eigen::ArrayXd sum_of_gradient_products;  // sum of dL/dy * d
      // The statistics a pass normalises with.
      Eigen::ArrayXd mean;
      Eigen::ArrayXd variance;                    // biased, of the batch; unused in inference
      Eigen::ArrayXd inverse_std;                 // 1 / sqrt(variance + epsilon)
      Eigen::ArrayXd sum_of_gradient_times_xhat;  // dL/dgamma of one backward pass
      // Coefficients of the elementwise passes, in Scalar.
      Eigen::Array<Scalar, Eigen::Dynamic, 1> center;
      Eigen::Array<Scalar, Eigen::Dynamic, 1> scale;
      Eigen::Array<Scalar, Eigen::Dynamic, 1> gradient_mean;
      Eigen::Array<Scalar, Eigen::Dynamic, 1> slope;
    };

    void check_input([[maybe_unused]] const Matrix<Scalar>& in) const {
      GAN_ASSERT(in.rows() == static_cast<Eigen::Index>(InputShape::size) && in.cols() > 0,
                 message("expected an input of ", InputShape::size, " rows and some columns, got ",
                         in.rows(), "x", in.cols()));
      GAN_ASSERT(parameters_ != nullptr && state_ != nullptr,
                 "bind() and bind_state() must be called before a pass");
    }

    /// Column j of a batch seen as [Channels, positions * batch]: one value of each channel.
    /// Every pass walks the batch column by column, so each column goes through the same
    /// instructions wherever it sits; in inference, a sample's output is then bitwise the
    /// same whatever else is in its batch, also where the compiler fuses multiply-adds.
    static Eigen::Map<const Column<Scalar>> column(const Matrix<Scalar>& batch, Eigen::Index j) {
      return Eigen::Map<const Column<Scalar>>(batch.data() + j * kChannels);
    }
    static Eigen::Map<Column<Scalar>> column(Matrix<Scalar>& batch, Eigen::Index j) {
      return Eigen::Map<Column<Scalar>>(batch.data() + j * kChannels);
    }
    /// A per-channel vector seen with its compile-time length.
    template <typename PerChannel>
    static auto fixed(const PerChannel& vector) {
      return Eigen::Map<const Column<typename PerChannel::Scalar>>(vector.data());
    }
    template <typename PerChannel>
    static auto fixed(PerChannel& vector) {
      return Eigen::Map<Column<typename PerChannel::Scalar>>(vector.data());
    }

    static Eigen::Index values_per_channel(const Matrix<Scalar>& in) {
      return kPositions * in.cols();
    }
    void shift_by_first_column(const Matrix<Scalar>& in) const {
      fixed(scratch_.shift) = column(in, 0).template cast<double>();
    }

    /// One pass over the batch: per channel, the sums of d = x - shift and d^2 and, when
    /// grad_out is given, of dL/dy and dL/dy * d, all in double. Why this way:
    /// - one pass of additions and multiplications; Welford's update would add a division
    ///   per value, and a two-pass mean-then-variance would read the batch twice;
    /// - double accumulators make rounding over large batches negligible for float data;
    /// - the shift (a value of the channel, or the mean being used) keeps
    ///   sum(d^2)/n - (sum(d)/n)^2 from cancelling when a channel's mean is large beside its
    ///   spread, the weakness of the textbook one-pass formula.
    void sum_over_batch(const Matrix<Scalar>& in, const Matrix<Scalar>* grad_out) const {
      const auto shift = fixed(std::as_const(scratch_.shift));
      auto sum = fixed(scratch_.sum);
      auto sum_of_squares = fixed(scratch_.sum_of_squares);
      sum.setZero();
      sum_of_squares.setZero();
      const Eigen::Index columns = values_per_channel(in);
      if (grad_out == nullptr) {
        for (Eigen::Index j = 0; j < columns; ++j) {
          const auto d = column(in, j).template cast<double>() - shift;
          sum += d;
          sum_of_squares += d.square();
        }
        return;
      }
      auto sum_of_gradients = fixed(scratch_.sum_of_gradients);
      auto sum_of_gradient_products = fixed(scratch_.sum_of_gradient_products);
      sum_of_gradients.setZero();
      sum_of_gradient_products.setZero();
      for (Eigen::Index j = 0; j < columns; ++j) {
        const auto d = column(in, j).template cast<double>() - shift;
        const auto g = column(*grad_out, j).template cast<double>();
        sum += d;
        sum_of_squares += d.square();
        sum_of_gradients += g;
        sum_of_gradient_products += g * d;
      }
    }

    /// Mean, biased variance and 1 / sqrt(variance + epsilon) of each channel, from the sums
    /// of sum_over_batch() over `count` values per channel.
    void batch_statistics(Eigen::Index count) const {
      Scratch& s = scratch_;
      const double n = static_cast<double>(count);
      s.mean = s.shift + s.sum / n;
      // Rounding can leave a channel without spread a hair below zero.
      s.variance = (s.sum_of_squares / n - (s.sum / n).square()).max(0.0);
      s.inverse_std = (s.variance + epsilon_).rsqrt();
    }

    void running_statistics() const {
      Scratch& s = scratch_;
      s.mean = running_mean().array().template cast<double>();
      s.inverse_std = (running_variance().array().template cast<double>() + epsilon_).rsqrt();
    }

    /// Moves the running averages towards this batch's mean and unbiased variance.
    void update_running_averages(Eigen::Index count) const {
      const Scratch& s = scratch_;
      const double keep = 1.0 - momentum_;
      running_mean() = (keep * running_mean().array().template cast<double>() + momentum_ * s.mean)
                           .template cast<Scalar>()
                           .matrix();
      // The unbiased variance of a single value is undefined: keep the old average.
      if (count < 2) return;
      const double n = static_cast<double>(count);
      const double unbiased = momentum_ * n / (n - 1.0);
      running_variance() =
          (keep * running_variance().array().template cast<double>() + unbiased * s.variance)
              .template cast<Scalar>()
              .matrix();
    }

    /// With xhat = (x - mean) * inverse_std and n values per channel:
    ///   dL/dbeta = sum(g), dL/dgamma = sum(g * xhat),
    ///   dL/dx = gamma * inverse_std * (g - sum(g) / n - xhat * sum(g * xhat) / n).
    void backward_through_batch_statistics(const Matrix<Scalar>& in, const Matrix<Scalar>& grad_out,
                                           Matrix<Scalar>* grad_in, bool accumulate) const {
      if (grad_in == nullptr && !accumulate) return;
      Scratch& s = scratch_;
      const Eigen::Index count = values_per_channel(in);
      shift_by_first_column(in);
      sum_over_batch(in, &grad_out);
      batch_statistics(count);
      // sum(g * (x - mean)) = sum(g * d) - (mean - shift) * sum(g)
      s.sum_of_gradient_times_xhat =
          s.inverse_std * (s.sum_of_gradient_products - (s.mean - s.shift) * s.sum_of_gradients);
      if (accumulate) add_parameter_gradients();
      if (grad_in == nullptr) return;

      // dL/dx = (g - gradient_mean) * scale + (x - mean) * slope, per channel, with
      // scale = gamma * inverse_std and slope = -scale * inverse_std * sum(g * xhat) / n.
      const double n = static_cast<double>(count);
      const auto gamma_double = fixed(gamma()).template cast<double>();
      s.center = s.mean.template cast<Scalar>();
      s.scale = (gamma_double * s.inverse_std).template cast<Scalar>();
      s.gradient_mean = (s.sum_of_gradients / n).template cast<Scalar>();
      s.slope = (-gamma_double * s.inverse_std.square() * s.sum_of_gradient_times_xhat / n)
                    .template cast<Scalar>();
      grad_in->resize(in.rows(), in.cols());
      const auto center = fixed(std::as_const(s.center));
      const auto scale = fixed(std::as_const(s.scale));
      const auto gradient_mean = fixed(std::as_const(s.gradient_mean));
      const auto slope = fixed(std::as_const(s.slope));
      for (Eigen::Index j = 0; j < count; ++j)
        column(*grad_in, j) =
            (column(grad_out, j) - gradient_mean) * scale + (column(in, j) - center) * slope;
    }

    /// The running statistics are constants, so the layer is affine:
    ///   dL/dbeta = sum(g), dL/dgamma = sum(g * xhat), dL/dx = gamma * inverse_std * g.
    void backward_through_running_statistics(const Matrix<Scalar>& in,
                                             const Matrix<Scalar>& grad_out,
                                             Matrix<Scalar>* grad_in, bool accumulate) const {
      Scratch& s = scratch_;
      running_statistics();
      if (accumulate) {
        // Shifting by the running mean makes sum(g * d) the sum of g * (x - mean) itself.
        s.shift = s.mean;
        sum_over_batch(in, &grad_out);
        s.sum_of_gradient_times_xhat = s.inverse_std * s.sum_of_gradient_products;
        add_parameter_gradients();
      }
      if (grad_in == nullptr) return;
      s.scale = (fixed(gamma()).template cast<double>() * s.inverse_std).template cast<Scalar>();
      grad_in->resize(in.rows(), in.cols());
      const auto scale = fixed(std::as_const(s.scale));
      for (Eigen::Index j = 0; j < values_per_channel(in); ++j)
        column(*grad_in, j) = column(grad_out, j) * scale;
    }

    /// Adds sum(g * xhat) to dL/dgamma and sum(g) to dL/dbeta.
    void add_parameter_gradients() const {
      VectorMap<Scalar> grad_gamma(gradients_, kChannels);
      VectorMap<Scalar> grad_beta(gradients_ + Channels, kChannels);
      grad_gamma.array() += scratch_.sum_of_gradient_times_xhat.template cast<Scalar>();
      grad_beta.array() += scratch_.sum_of_gradients.template cast<Scalar>();
    }

    double epsilon_;
    double momentum_;
    Scalar* parameters_ = nullptr;
    Scalar* gradients_ = nullptr;
    Scalar* state_ = nullptr;
    mutable Scratch scratch_;
  };

 private:
  static std::string exact(double value) {
    char digits[32];
    const auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
    return std::string(digits, end);
  }

  BatchNormSettings settings_;
};

}  // namespace gan
