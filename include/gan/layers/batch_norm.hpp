// SPDX-License-Identifier: MIT
// Batch normalisation over the channels of dense or image inputs, with running averages.
#pragma once

#include <gan/core/backend.hpp>
#include <gan/core/error.hpp>
#include <gan/core/parallel.hpp>
#include <gan/core/random.hpp>
#include <gan/core/shape.hpp>
#include <gan/core/tensor.hpp>
#include <gan/nn/mode.hpp>

#include <Eigen/Core>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

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

/// Columns of the [Channels, positions * batch] view in each block of a BatchNorm pass (see
/// BatchNorm::Layer): the fewest that divide the positions of a sample and give at least 16
/// values, or all the positions where no fewer do.
constexpr std::ptrdiff_t batch_norm_block_columns(std::ptrdiff_t positions,
                                                  std::ptrdiff_t channels) {
  for (std::ptrdiff_t columns = 1; columns < positions; ++columns)
    if (positions % columns == 0 && columns * channels >= 16) return columns;
  return positions;
}

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

/// A BatchNorm layer's passes on backend B, for Channels channels of Positions values per
/// sample each (H * W for an image, 1 for a dense input), specialised per backend: Cpu's below,
/// Device's in gan/device/batch_norm.hpp. Both are built from the layer's epsilon and momentum,
/// and take gamma then beta, the gradients in the same layout, and the running mean then the
/// running variance, Channels each, at the backend's addresses.
template <typename B, std::size_t Channels, std::size_t Positions>
class BatchNormPasses;

/// The CPU's passes, with scratch space of their own.
///
/// @note They run one pass at a time: all passes share the scratch space.
///
/// Threads split a pass by samples, as the convolutions around the layer do, so that each
/// thread reads the images it has just computed. The sums behind the statistics are taken
/// per chunk of kSamplesPerChunk samples and then added chunk after chunk, so their
/// rounding depends on the batch, never on the thread count.
template <typename Scalar, std::size_t Channels, std::size_t Positions>
class BatchNormPasses<Cpu<Scalar>, Channels, Positions> {
 public:
  BatchNormPasses(double epsilon, double momentum) : epsilon_(epsilon), momentum_(momentum) {}

  /// out = gamma * (in - mean) / sqrt(variance + epsilon) + beta, per channel, with the
  /// batch's statistics or the running ones (see BatchNorm). A training pass also updates
  /// the running averages in `state`.
  void forward(const Scalar* parameters, Scalar* state, const Matrix<Scalar>& in,
               Matrix<Scalar>& out, Mode mode) const {
    check_input(in);
    Scratch& s = scratch_;
    if (mode == Mode::training) {
      s.shift = first_value_of_each_channel(in);
      sum_over_batch(in, nullptr);
      batch_statistics(in);
      update_running_averages(in, state);
    } else {
      running_statistics(state);
    }
    spread(s.mean, s.center);
    spread(gamma(parameters).array().template cast<double>() * s.inverse_std, s.scale);
    spread(beta(parameters).array(), s.offset);

    // (in - mean) first, then the scale: a value equal to the mean gives exactly beta.
    out.resize(in.rows(), in.cols());
    const auto center = lanes(s.center);
    const auto scale = lanes(s.scale);
    const auto offset = lanes(s.offset);
    for_each_block_range(in, [&](Eigen::Index begin, Eigen::Index end) {
      for (Eigen::Index b = begin; b < end; ++b)
        block(out, b) = (block(in, b) - center) * scale + offset;
    });
  }

  /// Adds dL/dgamma and dL/dbeta to `gradients` when it is given (null otherwise), and writes
  /// dL/din when grad_in is given, for the forward pass in `mode`. A training pass is
  /// differentiated through the batch statistics, which are recomputed from `in`: nothing is
  /// kept from the forward pass, so several passes may be alive at once.
  void backward(const Scalar* parameters, const Scalar* state, const Matrix<Scalar>& in,
                const Matrix<Scalar>& grad_out, Scalar* gradients, Matrix<Scalar>* grad_in,
                Mode mode) const {
    check_input(in);
    GAN_ASSERT(grad_out.rows() == in.rows() && grad_out.cols() == in.cols(),
               "the output gradient must have the shape of the input");
    if (mode == Mode::training)
      backward_through_batch_statistics(parameters, in, grad_out, gradients, grad_in);
    else
      backward_through_running_statistics(parameters, state, in, grad_out, gradients, grad_in);
  }

 private:
  static constexpr Eigen::Index kChannels = static_cast<Eigen::Index>(Channels);
  /// Values of one channel in one sample: H * W for an image, 1 for a dense input.
  static constexpr Eigen::Index kPositions = static_cast<Eigen::Index>(Positions);
  /// Values of one sample, the rows of a batch.
  static constexpr Eigen::Index kSampleSize = kChannels * kPositions;

  // Every pass walks a batch in blocks of kLanes consecutive values, kBlockColumns columns
  // of the [Channels, positions * batch] view; lane i holds channel i % Channels. Why:
  // - compile-time sizes let the compiler unroll and vectorise the loop over a block, and a
  //   block of 16 lanes or more keeps that many independent sums in flight: a column at a
  //   time, a layer of one channel would be a single chain of dependent additions;
  // - kBlockColumns divides the positions of a sample, so every sample is a run of whole
  //   blocks and goes through the same instructions wherever it sits in its batch: in
  //   inference a sample's output is bitwise the same whatever else is in the batch, also
  //   where the compiler fuses multiply-adds.
  static constexpr Eigen::Index kBlockColumns =
      detail::batch_norm_block_columns(kPositions, kChannels);
  static constexpr Eigen::Index kLanes = kBlockColumns * kChannels;
  static constexpr Eigen::Index kBlocksPerSample = kPositions / kBlockColumns;

  /// Fewest values of a pass for which a second thread pays, as for activations.
  static constexpr Eigen::Index kMinParallelWork = Eigen::Index{1} << 14;
  /// Samples whose sums are taken together: enough for some 4096 values, so that adding up
  /// the chunks' sums costs little beside taking them, and at least one.
  static constexpr Eigen::Index kSamplesPerChunk = std::max<Eigen::Index>(1, 4096 / kSampleSize);

  /// Per-lane sums over one chunk of a batch, with d = x - shift (see sum_over_batch()).
  struct LaneSums {
    std::array<double, kLanes> sum;        // of d
    std::array<double, kLanes> squares;    // of d^2
    std::array<double, kLanes> gradients;  // of dL/dy
    std::array<double, kLanes> products;   // of dL/dy * d
  };
  /// Up to this many lanes (16 KiB of sums), a chunk's sums are taken on the stack, where
  /// the compiler can keep them in registers; wider layers take them in the scratch space.
  static constexpr bool kSumsOnStack = kLanes <= 512;

  template <typename T>
  using Lanes = Eigen::Array<T, kLanes, 1>;
  using Coefficients = Eigen::Array<Scalar, Eigen::Dynamic, 1>;

  /// Scratch space, sized once (the chunk sums: for the largest batch yet) so that passes do
  /// not allocate. It holds nothing from one call to the next.
  struct Scratch {
    Scratch()
        : shift(kChannels),
          sum(kChannels),
          sum_of_squares(kChannels),
          sum_of_gradients(kChannels),
          sum_of_gradient_products(kChannels),
          mean(kChannels),
          variance(kChannels),
          inverse_std(kChannels),
          sum_of_gradient_times_xhat(kChannels),
          center(kLanes),
          scale(kLanes),
          offset(kLanes),
          gradient_mean(kLanes),
          slope(kLanes),
          lane_shift(kLanes) {}
    // Per channel, in double: the sums over a batch of d = x - shift (see sum_over_batch)...
    Eigen::ArrayXd shift;
    Eigen::ArrayXd sum;
    Eigen::ArrayXd sum_of_squares;
    Eigen::ArrayXd sum_of_gradients;
    Eigen::ArrayXd sum_of_gradient_products;
    // ... and the statistics a pass normalises with.
    Eigen::ArrayXd mean;
    Eigen::ArrayXd variance;                    // biased, of the batch; unused in inference
    Eigen::ArrayXd inverse_std;                 // 1 / sqrt(variance + epsilon)
    Eigen::ArrayXd sum_of_gradient_times_xhat;  // dL/dgamma of one backward pass
    // Per lane, in Scalar: the coefficients of the elementwise passes.
    Coefficients center;
    Coefficients scale;
    Coefficients offset;
    Coefficients gradient_mean;
    Coefficients slope;
    // The shift of each lane, and the sums of each chunk of the latest batch; grown to the
    // largest batch seen, so that passes over batches no larger do not allocate.
    Eigen::ArrayXd lane_shift;
    std::vector<LaneSums> chunk_sums;
  };

  static ConstVectorMap<Scalar> gamma(const Scalar* parameters) {
    return ConstVectorMap<Scalar>(parameters, kChannels);
  }
  static ConstVectorMap<Scalar> beta(const Scalar* parameters) {
    return ConstVectorMap<Scalar>(parameters + Channels, kChannels);
  }
  static ConstVectorMap<Scalar> running_mean(const Scalar* state) {
    return ConstVectorMap<Scalar>(state, kChannels);
  }
  static ConstVectorMap<Scalar> running_variance(const Scalar* state) {
    return ConstVectorMap<Scalar>(state + Channels, kChannels);
  }

  static void check_input([[maybe_unused]] const Matrix<Scalar>& in) {
    GAN_ASSERT(in.rows() == kSampleSize && in.cols() > 0,
               message("expected an input of ", kSampleSize, " rows and some columns, got ",
                       in.rows(), "x", in.cols()));
  }

  static Eigen::Map<const Lanes<Scalar>> block(const Matrix<Scalar>& batch, Eigen::Index b) {
    return Eigen::Map<const Lanes<Scalar>>(batch.data() + b * kLanes);
  }
  static Eigen::Map<Lanes<Scalar>> block(Matrix<Scalar>& batch, Eigen::Index b) {
    return Eigen::Map<Lanes<Scalar>>(batch.data() + b * kLanes);
  }
  static Eigen::Map<const Lanes<Scalar>> lanes(const Coefficients& coefficients) {
    return Eigen::Map<const Lanes<Scalar>>(coefficients.data());
  }
  /// Sets each lane's coefficient to its channel's value of a per-channel expression.
  template <typename PerChannel>
  static void spread(const PerChannel& per_channel, Coefficients& coefficients) {
    for (Eigen::Index m = 0; m < kBlockColumns; ++m)
      coefficients.segment(m * kChannels, kChannels) = per_channel.template cast<Scalar>();
  }

  /// The number of values of each channel in a batch.
  static Eigen::Index values_per_channel(const Matrix<Scalar>& in) { return in.size() / kChannels; }
  static auto first_value_of_each_channel(const Matrix<Scalar>& in) {
    return in.col(0).head(kChannels).array().template cast<double>();
  }

  /// One pass over the batch: per channel, the sums of d = x - shift and d^2 and, when
  /// grad_out is given, of dL/dy and dL/dy * d, all in double, from scratch_.shift into
  /// scratch_.sum and the sums after it. Why this way:
  /// - one pass of additions and multiplications; Welford's update would add a division
  ///   per value, and a two-pass mean-then-variance would read the batch twice;
  /// - double accumulators make rounding over large batches negligible for float data;
  /// - the shift (a value of the channel, or the mean being used) keeps
  ///   sum(d^2)/n - (sum(d)/n)^2 from cancelling when a channel's mean is large beside its
  ///   spread, the weakness of the textbook one-pass formula;
  /// - threads take the sums of whole chunks, which are then added in chunk order, so the
  ///   result does not depend on how many threads took part.
  void sum_over_batch(const Matrix<Scalar>& in, const Matrix<Scalar>* grad_out) const {
    Scratch& s = scratch_;
    for (Eigen::Index i = 0; i < kLanes; ++i) s.lane_shift[i] = s.shift[i % kChannels];
    const Eigen::Index samples = in.cols();
    const Eigen::Index chunks = (samples + kSamplesPerChunk - 1) / kSamplesPerChunk;
    if (static_cast<Eigen::Index>(s.chunk_sums.size()) < chunks)
      s.chunk_sums.resize(static_cast<std::size_t>(chunks));

    const Eigen::Index work = grad_out == nullptr ? in.size() : 2 * in.size();
    for_each_column_range(
        chunks, work, kMinParallelWork, [&](Eigen::Index first, Eigen::Index count) {
          for (Eigen::Index chunk = first; chunk < first + count; ++chunk) {
            const Eigen::Index begin = chunk * kSamplesPerChunk * kBlocksPerSample;
            const Eigen::Index end =
                std::min(samples, (chunk + 1) * kSamplesPerChunk) * kBlocksPerSample;
            LaneSums& stored = s.chunk_sums[static_cast<std::size_t>(chunk)];
            if constexpr (kSumsOnStack) {
              LaneSums sums;
              sum_blocks(in, grad_out, begin, end, sums);
              stored = sums;
            } else {
              sum_blocks(in, grad_out, begin, end, stored);
            }
          }
        });

    s.sum.setZero();
    s.sum_of_squares.setZero();
    s.sum_of_gradients.setZero();
    s.sum_of_gradient_products.setZero();
    for (Eigen::Index chunk = 0; chunk < chunks; ++chunk) {
      const LaneSums& sums = s.chunk_sums[static_cast<std::size_t>(chunk)];
      for (Eigen::Index i = 0; i < kLanes; ++i) {
        const Eigen::Index c = i % kChannels;
        s.sum[c] += sums.sum[i];
        s.sum_of_squares[c] += sums.squares[i];
        s.sum_of_gradients[c] += sums.gradients[i];
        s.sum_of_gradient_products[c] += sums.products[i];
      }
    }
  }

  /// The sums of blocks [begin, end) of a batch into `sums`, with the shift of scratch_.
  void sum_blocks(const Matrix<Scalar>& in, const Matrix<Scalar>* grad_out, Eigen::Index begin,
                  Eigen::Index end, LaneSums& sums) const {
    const double* const shift = scratch_.lane_shift.data();
    sums.sum.fill(0.0);
    sums.squares.fill(0.0);
    sums.gradients.fill(0.0);
    sums.products.fill(0.0);

    // Plain loops: Eigen 3.4 does not vectorise the conversion of float to double.
    const Scalar* x = in.data() + begin * kLanes;
    if (grad_out == nullptr) {
      for (Eigen::Index b = begin; b < end; ++b, x += kLanes)
        for (Eigen::Index i = 0; i < kLanes; ++i) {
          const double d = static_cast<double>(x[i]) - shift[i];
          sums.sum[i] += d;
          sums.squares[i] += d * d;
        }
    } else {
      const Scalar* g = grad_out->data() + begin * kLanes;
      for (Eigen::Index b = begin; b < end; ++b, x += kLanes, g += kLanes)
        for (Eigen::Index i = 0; i < kLanes; ++i) {
          const double d = static_cast<double>(x[i]) - shift[i];
          const double gradient = static_cast<double>(g[i]);
          sums.sum[i] += d;
          sums.squares[i] += d * d;
          sums.gradients[i] += gradient;
          sums.products[i] += gradient * d;
        }
    }
  }

  /// Calls pass(begin, end) on each thread for its range of blocks of a batch shaped like
  /// `in`: whole samples, split as for the activations that follow the layer.
  template <typename Pass>
  static void for_each_block_range(const Matrix<Scalar>& in, Pass&& pass) {
    for_each_column_range(in.cols(), in.size(), kMinParallelWork,
                          [&](Eigen::Index first, Eigen::Index count) {
                            pass(first * kBlocksPerSample, (first + count) * kBlocksPerSample);
                          });
  }

  /// Mean, biased variance and 1 / sqrt(variance + epsilon) of each channel, from the sums
  /// of sum_over_batch().
  void batch_statistics(const Matrix<Scalar>& in) const {
    Scratch& s = scratch_;
    const double n = static_cast<double>(values_per_channel(in));
    s.mean = s.shift + s.sum / n;
    // Rounding can leave a channel without spread a hair below zero.
    s.variance = (s.sum_of_squares / n - (s.sum / n).square()).max(0.0);
    s.inverse_std = (s.variance + epsilon_).rsqrt();
  }

  void running_statistics(const Scalar* state) const {
    Scratch& s = scratch_;
    s.mean = running_mean(state).array().template cast<double>();
    s.inverse_std = (running_variance(state).array().template cast<double>() + epsilon_).rsqrt();
  }

  /// Moves the running averages in `state` towards this batch's mean and unbiased variance.
  void update_running_averages(const Matrix<Scalar>& in, Scalar* state) const {
    const Scratch& s = scratch_;
    VectorMap<Scalar> mean_average(state, kChannels);
    VectorMap<Scalar> variance_average(state + Channels, kChannels);
    const double keep = 1.0 - momentum_;
    mean_average = (keep * mean_average.array().template cast<double>() + momentum_ * s.mean)
                       .template cast<Scalar>()
                       .matrix();
    // The unbiased variance of a single value is undefined: keep the old average.
    const double n = static_cast<double>(values_per_channel(in));
    if (n < 2) return;
    const double unbiased = momentum_ * n / (n - 1.0);
    variance_average =
        (keep * variance_average.array().template cast<double>() + unbiased * s.variance)
            .template cast<Scalar>()
            .matrix();
  }

  /// With xhat = (x - mean) * inverse_std and n values per channel:
  ///   dL/dbeta = sum(g), dL/dgamma = sum(g * xhat),
  ///   dL/dx = gamma * inverse_std * (g - sum(g) / n - xhat * sum(g * xhat) / n).
  void backward_through_batch_statistics(const Scalar* parameters, const Matrix<Scalar>& in,
                                         const Matrix<Scalar>& grad_out, Scalar* gradients,
                                         Matrix<Scalar>* grad_in) const {
    if (grad_in == nullptr && gradients == nullptr) return;
    Scratch& s = scratch_;
    s.shift = first_value_of_each_channel(in);
    sum_over_batch(in, &grad_out);
    batch_statistics(in);
    // sum(g * (x - mean)) = sum(g * d) - (mean - shift) * sum(g)
    s.sum_of_gradient_times_xhat =
        s.inverse_std * (s.sum_of_gradient_products - (s.mean - s.shift) * s.sum_of_gradients);
    if (gradients != nullptr) add_parameter_gradients(gradients);
    if (grad_in == nullptr) return;

    // dL/dx = (g - gradient_mean) * scale + (x - mean) * slope, with scale = gamma *
    // inverse_std and slope = -scale * inverse_std * sum(g * xhat) / n. Subtracting first
    // gives exactly 0 for a channel with one value per batch.
    const double n = static_cast<double>(values_per_channel(in));
    const auto gamma_double = gamma(parameters).array().template cast<double>();
    spread(s.mean, s.center);
    spread(gamma_double * s.inverse_std, s.scale);
    spread(s.sum_of_gradients / n, s.gradient_mean);
    spread(-gamma_double * s.inverse_std.square() * s.sum_of_gradient_times_xhat / n, s.slope);
    grad_in->resize(in.rows(), in.cols());
    const auto center = lanes(s.center);
    const auto scale = lanes(s.scale);
    const auto gradient_mean = lanes(s.gradient_mean);
    const auto slope = lanes(s.slope);
    for_each_block_range(in, [&](Eigen::Index begin, Eigen::Index end) {
      for (Eigen::Index b = begin; b < end; ++b)
        block(*grad_in, b) =
            (block(grad_out, b) - gradient_mean) * scale + (block(in, b) - center) * slope;
    });
  }

  /// The running statistics are constants, so the layer is affine:
  ///   dL/dbeta = sum(g), dL/dgamma = sum(g * xhat), dL/dx = gamma * inverse_std * g.
  void backward_through_running_statistics(const Scalar* parameters, const Scalar* state,
                                           const Matrix<Scalar>& in, const Matrix<Scalar>& grad_out,
                                           Scalar* gradients, Matrix<Scalar>* grad_in) const {
    Scratch& s = scratch_;
    running_statistics(state);
    if (gradients != nullptr) {
      // Shifting by the running mean makes sum(g * d) the sum of g * (x - mean) itself.
      s.shift = s.mean;
      sum_over_batch(in, &grad_out);
      s.sum_of_gradient_times_xhat = s.inverse_std * s.sum_of_gradient_products;
      add_parameter_gradients(gradients);
    }
    if (grad_in == nullptr) return;
    spread(gamma(parameters).array().template cast<double>() * s.inverse_std, s.scale);
    grad_in->resize(in.rows(), in.cols());
    const auto scale = lanes(s.scale);
    for_each_block_range(in, [&](Eigen::Index begin, Eigen::Index end) {
      for (Eigen::Index b = begin; b < end; ++b) block(*grad_in, b) = block(grad_out, b) * scale;
    });
  }

  /// Adds sum(g * xhat) to dL/dgamma and sum(g) to dL/dbeta.
  void add_parameter_gradients(Scalar* gradients) const {
    VectorMap<Scalar> grad_gamma(gradients, kChannels);
    VectorMap<Scalar> grad_beta(gradients + Channels, kChannels);
    grad_gamma.array() += scratch_.sum_of_gradient_times_xhat.template cast<Scalar>();
    grad_beta.array() += scratch_.sum_of_gradients.template cast<Scalar>();
  }

  double epsilon_;
  double momentum_;
  mutable Scratch scratch_;
};

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

  /// The layer bound to a backend (or a bare scalar type, for the CPU): views into the
  /// network's parameter, gradient and state buffers, and the backend's BatchNormPasses,
  /// which hold the scratch space of the passes.
  ///
  /// @note A bound layer runs one pass at a time: all passes share its scratch space.
  template <typename B, typename InputShape>
  class Layer {
    using Backend = backend_t<B>;
    using Scalar = typename Backend::scalar_type;
    using Batch = typename Backend::matrix_type;
    // Naming the output shape checks the channel count, also for a layer bound directly.
    using Output = output_shape<InputShape>;
    /// Values of one channel in one sample: H * W for an image, 1 for a dense input.
    static constexpr std::size_t kPositions = InputShape::size / Channels;

   public:
    /// gamma then beta, Channels each.
    static constexpr std::size_t parameter_count = 2 * Channels;
    /// backward() never reads `out`, so an activation may run in place over it.
    static constexpr bool backward_reads_output = false;
    /// An activation after it splits the batch between threads, as convolutions do.
    static constexpr WorkSplit work_split = WorkSplit::batch;
    /// The running mean then the running variance, Channels each.
    static constexpr std::size_t state_count = 2 * Channels;

    explicit Layer(const BatchNorm& spec) : passes_(spec.epsilon(), spec.momentum()) {}

    /// Points the layer at its slices of the network's flat parameter and gradient buffers.
    void bind(Scalar* parameters, Scalar* gradients) {
      parameters_ = parameters;
      gradients_ = gradients;
    }

    /// Points the layer at its slice of the network's flat state buffer.
    void bind_state(Scalar* state) { state_ = state; }

    /// Checks running state read from outside the layer (a checkpoint) before it is used:
    /// every running variance must be at least 0, or inference takes the root of a negative
    /// number and every sample comes out NaN (black images). The values are in host memory,
    /// whatever the backend.
    /// @param state this layer's state_count values: running means, then running variances
    /// @param first_index the index of state[0] in the flat vector it came from, for the message
    /// @return the first bad value as "expected ..., got ...", or an empty string
    static std::string check_state(const Scalar* state, std::size_t first_index) {
      for (std::size_t channel = 0; channel < Channels; ++channel)
        if (!(state[Channels + channel] >= 0))
          return message("expected a running variance of at least 0 at index ",
                         first_index + Channels + channel, " (BatchNorm<", Channels, ">, channel ",
                         channel, "), got ", state[Channels + channel]);
      return {};
    }

    /// gamma 1, beta 0, running mean 0, running variance 1: the identity on a batch that is
    /// already normalised. Draws nothing. The values must be in host memory (a device network
    /// initialises a CPU copy of itself and uploads it).
    void initialize(Rng&) requires(!Backend::on_device) {
      gamma().setOnes();
      beta().setZero();
      running_mean().setZero();
      running_variance().setOnes();
    }

    /// out = gamma * (in - mean) / sqrt(variance + epsilon) + beta, per channel, with the
    /// batch's statistics or the running ones (see the class notes). A training pass also
    /// updates the running averages: it is const for the network, whose state buffer it
    /// writes through the pointer given to bind_state().
    void forward(const Batch& in, Batch& out, Mode mode) const {
      check_bound();
      passes_.forward(parameters_, state_, in, out, mode);
    }

    /// Adds dL/dgamma and dL/dbeta to the gradient buffer when asked, and writes dL/din when
    /// grad_in is given, for the forward pass in `mode` that produced `out`. A training pass
    /// is differentiated through the batch statistics, which are recomputed from `in`: the
    /// layer keeps nothing from the forward pass, so several passes may be alive at once.
    void backward(const Batch& in, const Batch& /*out*/, const Batch& grad_out, Batch* grad_in,
                  bool accumulate_parameter_gradients, Mode mode) {
      check_bound();
      passes_.backward(parameters_, state_, in, grad_out,
                       accumulate_parameter_gradients ? gradients_ : nullptr, grad_in, mode);
    }

    /// The parameters and the running averages, Channels each. CPU only.
    VectorMap<Scalar> gamma() const requires(!Backend::on_device) {
      return VectorMap<Scalar>(parameters_, kChannels);
    }
    VectorMap<Scalar> beta() const requires(!Backend::on_device) {
      return VectorMap<Scalar>(parameters_ + Channels, kChannels);
    }
    VectorMap<Scalar> running_mean() const requires(!Backend::on_device) {
      return VectorMap<Scalar>(state_, kChannels);
    }
    VectorMap<Scalar> running_variance() const requires(!Backend::on_device) {
      return VectorMap<Scalar>(state_ + Channels, kChannels);
    }

   private:
    static constexpr Eigen::Index kChannels = static_cast<Eigen::Index>(Channels);

    void check_bound() const {
      GAN_ASSERT(parameters_ != nullptr && state_ != nullptr,
                 "bind() and bind_state() must be called before a pass");
    }

    Scalar* parameters_ = nullptr;
    Scalar* gradients_ = nullptr;
    Scalar* state_ = nullptr;
    // Mutable: a forward pass is const for the network, and writes the passes' scratch space.
    mutable BatchNormPasses<Backend, Channels, kPositions> passes_;
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
