// SPDX-License-Identifier: MIT
// Batch normalisation on the device, on gan::BatchNorm's parameter and state layout, and
// BatchNormPasses for the device backend.
#pragma once

#include <gan/core/backend.hpp>
#include <gan/core/config.hpp>
#include <gan/device/buffer.hpp>
#include <gan/device/policy.hpp>
#include <gan/layers/batch_norm.hpp>
#include <gan/nn/mode.hpp>

#include <thrust/for_each.h>
#include <thrust/iterator/counting_iterator.h>

#include <cmath>
#include <cstddef>

namespace gan::device {
namespace detail {

/// Per-channel values of one pass, in double, as gan::BatchNorm keeps them on the CPU: slot s
/// of channel c is statistics[s * channels + c]. Unscoped on purpose: the names are indices.
enum Statistic : std::ptrdiff_t {
  kShift,
  kSum,        // of d = x - shift
  kSquares,    // of d^2
  kGradients,  // of dL/dy
  kProducts,   // of dL/dy * d
  kMean,
  kVariance,      // biased, of the batch
  kInverseStd,    // 1 / sqrt(variance + epsilon)
  kGradientXhat,  // sum(dL/dy * xhat): dL/dgamma
  kStatistics
};

/// Where a channel's values lie in a channels-last batch: value (sample, position) of channel
/// c is at (sample * positions + position) * channels + c.
struct ChannelLayout {
  std::ptrdiff_t channels;
  std::ptrdiff_t positions;  // per sample: H * W for an image, 1 for a dense input
  std::ptrdiff_t samples;
};

/// The sums of one chunk of samples for one channel, into partials[(chunk * channels + c) * 4].
template <typename T>
struct SumChunk {
  const T* in;
  const T* grad_out;  // null for the forward pass
  const double* statistics;
  double* partials;
  ChannelLayout layout;
  std::ptrdiff_t samples_per_chunk;

  GAN_HOST_DEVICE void operator()(std::ptrdiff_t task) const {
    const std::ptrdiff_t c = task % layout.channels;
    const std::ptrdiff_t chunk = task / layout.channels;
    const double shift = statistics[kShift * layout.channels + c];
    const std::ptrdiff_t first = chunk * samples_per_chunk * layout.positions;
    std::ptrdiff_t last = (chunk + 1) * samples_per_chunk;
    if (last > layout.samples) last = layout.samples;
    last *= layout.positions;
    double sum = 0, squares = 0, gradients = 0, products = 0;
    for (std::ptrdiff_t v = first; v < last; ++v) {
      const std::ptrdiff_t i = v * layout.channels + c;
      const double d = static_cast<double>(in[i]) - shift;
      sum += d;
      squares += d * d;
      if (grad_out != nullptr) {
        const double g = static_cast<double>(grad_out[i]);
        gradients += g;
        products += g * d;
      }
    }
    double* out = partials + task * 4;
    out[0] = sum;
    out[1] = squares;
    out[2] = gradients;
    out[3] = products;
  }
};

/// A channel's sums from its chunks' (added in chunk order); with batch statistics, also the
/// batch's mean, variance and inverse std, and the running averages updated in a training
/// forward pass. In inference the statistics are the running ones, which start() set.
template <typename T>
struct ChannelStatistics {
  const double* partials;
  double* statistics;
  T* running;  // mean then variance, channels each; null unless they are to be updated
  std::ptrdiff_t channels;
  std::ptrdiff_t chunks;
  double values;  // per channel in the batch
  double epsilon;
  double momentum;
  bool batch_statistics;

  GAN_HOST_DEVICE double& at(Statistic s, std::ptrdiff_t c) const {
    return statistics[s * channels + c];
  }

  GAN_HOST_DEVICE void operator()(std::ptrdiff_t c) const {
    double sums[4] = {0, 0, 0, 0};
    for (std::ptrdiff_t chunk = 0; chunk < chunks; ++chunk)
      for (int k = 0; k < 4; ++k) sums[k] += partials[(chunk * channels + c) * 4 + k];
    at(kSum, c) = sums[0];
    at(kSquares, c) = sums[1];
    at(kGradients, c) = sums[2];
    at(kProducts, c) = sums[3];
    if (!batch_statistics) return;
    const double mean = sums[0] / values;
    at(kMean, c) = at(kShift, c) + mean;
    double variance = sums[1] / values - mean * mean;
    if (variance < 0) variance = 0;  // rounding, for a channel without spread
    at(kVariance, c) = variance;
    at(kInverseStd, c) = 1.0 / std::sqrt(variance + epsilon);
    if (running == nullptr) return;
    const double keep = 1.0 - momentum;
    running[c] = static_cast<T>(keep * static_cast<double>(running[c]) + momentum * at(kMean, c));
    // The unbiased variance of a single value is undefined: keep the old average.
    if (values >= 2)
      running[channels + c] = static_cast<T>(keep * static_cast<double>(running[channels + c]) +
                                             momentum * values / (values - 1.0) * variance);
  }
};

/// Sets the shift to the first value of each channel (training) or the running mean
/// (inference, where the statistics are the running averages).
template <typename T>
struct StartChannel {
  const T* in;
  const T* running;
  double* statistics;
  std::ptrdiff_t channels;
  double epsilon;
  bool batch_statistics;

  GAN_HOST_DEVICE void operator()(std::ptrdiff_t c) const {
    if (batch_statistics) {
      statistics[kShift * channels + c] = static_cast<double>(in[c]);
      return;
    }
    const double mean = static_cast<double>(running[c]);
    statistics[kShift * channels + c] = mean;
    statistics[kMean * channels + c] = mean;
    statistics[kInverseStd * channels + c] =
        1.0 / std::sqrt(static_cast<double>(running[channels + c]) + epsilon);
  }
};

/// out = (in - mean) * scale + offset, or the input gradient, value by value, with the
/// per-channel coefficients computed as gan::BatchNorm computes them (in double, then cast).
template <typename T>
struct Normalise {
  const T* in;
  const T* grad_out;  // null: the forward pass
  const T* gamma;     // then beta, channels later
  const double* statistics;
  T* out;
  std::ptrdiff_t channels;
  double values;
  bool batch_statistics;

  GAN_HOST_DEVICE void operator()(std::ptrdiff_t i) const {
    const std::ptrdiff_t c = i % channels;
    const double inverse_std = statistics[kInverseStd * channels + c];
    const double gamma_c = static_cast<double>(gamma[c]);
    const T scale = static_cast<T>(gamma_c * inverse_std);
    if (grad_out == nullptr) {
      const T center = static_cast<T>(statistics[kMean * channels + c]);
      out[i] = (in[i] - center) * scale + gamma[channels + c];
      return;
    }
    if (!batch_statistics) {
      out[i] = grad_out[i] * scale;
      return;
    }
    const T center = static_cast<T>(statistics[kMean * channels + c]);
    const T gradient_mean = static_cast<T>(statistics[kGradients * channels + c] / values);
    const T slope = static_cast<T>(-gamma_c * inverse_std * inverse_std *
                                   statistics[kGradientXhat * channels + c] / values);
    out[i] = (grad_out[i] - gradient_mean) * scale + (in[i] - center) * slope;
  }
};

/// dL/dgamma += sum(g * xhat) and dL/dbeta += sum(g), per channel.
template <typename T>
struct AddParameterGradients {
  double* statistics;
  T* gradients;  // gamma then beta
  std::ptrdiff_t channels;
  bool batch_statistics;

  GAN_HOST_DEVICE void operator()(std::ptrdiff_t c) const {
    const double inverse_std = statistics[kInverseStd * channels + c];
    const double products = statistics[kProducts * channels + c];
    const double gradients_c = statistics[kGradients * channels + c];
    // sum(g * (x - mean)) = sum(g * d) - (mean - shift) * sum(g); in inference the shift is
    // the mean.
    const double centred =
        batch_statistics
            ? products - (statistics[kMean * channels + c] - statistics[kShift * channels + c]) *
                             gradients_c
            : products;
    const double xhat_sum = inverse_std * centred;
    statistics[kGradientXhat * channels + c] = xhat_sum;
    if (gradients == nullptr) return;
    gradients[c] += static_cast<T>(xhat_sum);
    gradients[channels + c] += static_cast<T>(gradients_c);
  }
};

}  // namespace detail

/// The passes of gan::BatchNorm on the device, with its scratch space. Parameters are gamma
/// then beta, the state the running mean then the running variance, `channels` each, at
/// device addresses, as gan::BatchNorm lays them out. The statistics are summed per chunk of
/// samples and the chunks then added in order, in double, so that the result does not depend
/// on scheduling; the coefficients are rounded to T as on the CPU.
template <typename T>
class BatchNormPasses {
 public:
  /// @param positions values of a channel per sample: H * W for an image, 1 for a dense input
  BatchNormPasses(std::ptrdiff_t channels, std::ptrdiff_t positions, double epsilon,
                  double momentum)
      : channels_(channels),
        positions_(positions),
        epsilon_(epsilon),
        momentum_(momentum),
        statistics_(static_cast<std::size_t>(detail::kStatistics * channels)) {}

  /// out = gamma * (in - mean) / sqrt(variance + epsilon) + beta, with the batch's statistics
  /// (updating the running averages in `state`) in training, the running ones in inference.
  /// @throws std::invalid_argument unless `in` has channels * positions rows and some columns
  void forward(const T* parameters, T* state, const Matrix<T>& in, Matrix<T>& out, Mode mode) {
    detail::check_batch("BatchNormPasses::forward", in, channels_ * positions_);
    const bool batch = mode == Mode::training;
    if (batch)
      statistics(in, nullptr, state, state, true);
    else
      start(in, state, false);  // the running averages: nothing to sum
    out.resize(in.rows(), in.cols());
    normalise(in, nullptr, parameters, out, batch);
  }

  /// Adds dL/dgamma and dL/dbeta to `gradients` when given (null otherwise), and writes dL/din
  /// to *grad_in when given, for the forward pass in `mode`.
  void backward(const T* parameters, const T* state, const Matrix<T>& in, const Matrix<T>& grad_out,
                T* gradients, Matrix<T>* grad_in, Mode mode) {
    detail::check_batch("BatchNormPasses::backward", in, channels_ * positions_);
    detail::check_gradient("BatchNormPasses::backward", grad_out, in.rows(), in.cols());
    if (gradients == nullptr && grad_in == nullptr) return;
    const bool batch = mode == Mode::training;
    if (batch || gradients != nullptr) {
      statistics(in, &grad_out, state, nullptr, batch);
      thrust::for_each(
          detail::step_policy(), thrust::counting_iterator<std::ptrdiff_t>(0),
          thrust::counting_iterator<std::ptrdiff_t>(channels_),
          detail::AddParameterGradients<T>{statistics_.data(), gradients, channels_, batch});
    } else {
      start(in, state, batch);
    }
    if (grad_in == nullptr) return;
    grad_in->resize(in.rows(), in.cols());
    normalise(in, &grad_out, parameters, *grad_in, batch);
  }

 private:
  static constexpr std::ptrdiff_t kValuesPerChunk = 4096;

  void start(const Matrix<T>& in, const T* state, bool batch) {
    thrust::for_each(
        detail::step_policy(), thrust::counting_iterator<std::ptrdiff_t>(0),
        thrust::counting_iterator<std::ptrdiff_t>(channels_),
        detail::StartChannel<T>{in.data(), state, statistics_.data(), channels_, epsilon_, batch});
  }

  // The sums of a pass and the statistics from them; the running averages in `update` too,
  // unless it is null.
  void statistics(const Matrix<T>& in, const Matrix<T>* grad_out, const T* state, T* update,
                  bool batch) {
    start(in, state, batch);
    const std::ptrdiff_t samples = in.cols();
    const std::ptrdiff_t per_sample = channels_ * positions_;
    const std::ptrdiff_t samples_per_chunk =
        per_sample >= kValuesPerChunk ? 1 : kValuesPerChunk / per_sample;
    const std::ptrdiff_t chunks = (samples + samples_per_chunk - 1) / samples_per_chunk;
    if (partials_.size() < static_cast<std::size_t>(chunks * channels_ * 4))
      partials_.resize(static_cast<std::size_t>(chunks * channels_ * 4));
    thrust::for_each(detail::step_policy(), thrust::counting_iterator<std::ptrdiff_t>(0),
                     thrust::counting_iterator<std::ptrdiff_t>(chunks * channels_),
                     detail::SumChunk<T>{
                         in.data(), grad_out == nullptr ? nullptr : grad_out->data(),
                         statistics_.data(), partials_.data(),
                         detail::ChannelLayout{channels_, positions_, samples}, samples_per_chunk});
    const double values = static_cast<double>(samples * positions_);
    thrust::for_each(
        detail::step_policy(), thrust::counting_iterator<std::ptrdiff_t>(0),
        thrust::counting_iterator<std::ptrdiff_t>(channels_),
        detail::ChannelStatistics<T>{partials_.data(), statistics_.data(), update, channels_,
                                     chunks, values, epsilon_, momentum_, batch});
  }

  void normalise(const Matrix<T>& in, const Matrix<T>* grad_out, const T* parameters,
                 Matrix<T>& out, bool batch) {
    thrust::for_each(
        detail::step_policy(), thrust::counting_iterator<std::ptrdiff_t>(0),
        thrust::counting_iterator<std::ptrdiff_t>(in.size()),
        detail::Normalise<T>{in.data(), grad_out == nullptr ? nullptr : grad_out->data(),
                             parameters, statistics_.data(), out.data(), channels_,
                             static_cast<double>(in.cols() * positions_), batch});
  }

  std::ptrdiff_t channels_;
  std::ptrdiff_t positions_;
  double epsilon_;
  double momentum_;
  Buffer<double> statistics_;
  Buffer<double> partials_;
};

}  // namespace gan::device

namespace gan {

/// gan::BatchNorm's passes on the device: device::BatchNormPasses, whose scratch space is in
/// device memory, which never copies implicitly. A Network copies its layers (the trainer's
/// moving average of the generator is a copy), so a copy here has the same settings and
/// scratch space of its own: the scratch holds nothing from one pass to the next, so there
/// is nothing in it to copy.
template <typename Scalar, std::size_t Channels, std::size_t Positions>
class BatchNormPasses<Device<Scalar>, Channels, Positions> {
 public:
  BatchNormPasses(double epsilon, double momentum)
      : epsilon_(epsilon), momentum_(momentum), passes_(make_passes(epsilon, momentum)) {}

  BatchNormPasses(const BatchNormPasses& other)
      : BatchNormPasses(other.epsilon_, other.momentum_) {}
  BatchNormPasses& operator=(const BatchNormPasses& other) {
    if (this != &other) {
      epsilon_ = other.epsilon_;
      momentum_ = other.momentum_;
      passes_ = make_passes(epsilon_, momentum_);
    }
    return *this;
  }
  BatchNormPasses(BatchNormPasses&&) noexcept = default;
  BatchNormPasses& operator=(BatchNormPasses&&) noexcept = default;

  void forward(const Scalar* parameters, Scalar* state, const device::Matrix<Scalar>& in,
               device::Matrix<Scalar>& out, Mode mode) {
    passes_.forward(parameters, state, in, out, mode);
  }
  void backward(const Scalar* parameters, const Scalar* state, const device::Matrix<Scalar>& in,
                const device::Matrix<Scalar>& grad_out, Scalar* gradients,
                device::Matrix<Scalar>* grad_in, Mode mode) {
    passes_.backward(parameters, state, in, grad_out, gradients, grad_in, mode);
  }

 private:
  static device::BatchNormPasses<Scalar> make_passes(double epsilon, double momentum) {
    return device::BatchNormPasses<Scalar>(static_cast<std::ptrdiff_t>(Channels),
                                           static_cast<std::ptrdiff_t>(Positions), epsilon,
                                           momentum);
  }

  double epsilon_;
  double momentum_;
  device::BatchNormPasses<Scalar> passes_;
};

}  // namespace gan
