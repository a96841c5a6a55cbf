// SPDX-License-Identifier: MIT
// 2-D convolution over channels-last images, as one matrix product of the unfolded input.
#pragma once

#include <gan/core/backend.hpp>
#include <gan/core/error.hpp>
#include <gan/core/parallel.hpp>
#include <gan/core/random.hpp>
#include <gan/core/shape.hpp>
#include <gan/core/tensor.hpp>
#include <gan/layers/bias.hpp>
#include <gan/layers/detail/convolution_parameters.hpp>
#include <gan/layers/detail/convolution_shape.hpp>
#include <gan/layers/detail/im2col.hpp>

#include <cmath>
#include <cstddef>
#include <string>

namespace gan {

/// A convolution's passes on backend B, specialised per backend: Cpu's below, Device's in
/// gan/device/convolution.hpp. Geometry is the layer's detail::WindowGeometry.
template <typename B, typename Geometry, std::size_t OutChannels, Bias BiasMode>
class Conv2dPasses;

/// The CPU's passes: threads split the batch, and each unfolds its images chunk by chunk into
/// the thread's shared column matrix and multiplies it by W in one GEMM, whose result is the
/// output batch as it is laid out.
template <typename Scalar, typename Geometry, std::size_t OutChannels, Bias BiasMode>
class Conv2dPasses<Cpu<Scalar>, Geometry, OutChannels, BiasMode> {
  static constexpr std::size_t kWeightCount = OutChannels * Geometry::patch_size;
  static constexpr std::size_t kBiasCount = BiasMode == Bias::learned ? OutChannels : 0;
  static constexpr Eigen::Index kPatchSize = Geometry::patch_size;
  static constexpr Eigen::Index kOutputPixels = Geometry::windows;
  static constexpr Eigen::Index kInputSize = Geometry::image_size;
  static constexpr Eigen::Index kOutputSize = OutChannels * Geometry::windows;
  static constexpr Eigen::Index kChunkImages = detail::images_per_chunk(kPatchSize * kOutputPixels);

 public:
  /// out [OutChannels * windows, batch] = W * im2col(in) (+ b per channel).
  void forward(ConvolutionParameters<const Scalar> layer, const Matrix<Scalar>& in,
               Matrix<Scalar>& out) const {
    const Eigen::Index batch = in.cols();
    out.resize(kOutputSize, batch);
    const auto weights = weights_of(layer);
    detail::for_each_batch_chunk(
        batch, detail::batch_threads(batch), kChunkImages,
        [&](int, Eigen::Index first, Eigen::Index count) {
          MatrixMap<Scalar> columns =
              detail::shared_columns<Scalar>(kPatchSize, kOutputPixels * count);
          detail::im2col<Geometry>(in.data() + first * kInputSize, count, columns.data());
          MatrixMap<Scalar> out_pixels(out.data() + first * kOutputSize, OutChannels,
                                       kOutputPixels * count);
          out_pixels.noalias() = weights * columns;
          if constexpr (BiasMode == Bias::learned)
            out_pixels.colwise() += ConstVectorMap<Scalar>(layer.bias(), OutChannels);
        });
  }

  /// Adds dL/dW (and dL/db) to *gradients when it is given, and writes dL/din to *grad_in
  /// when that is given.
  void backward(ConvolutionParameters<const Scalar> layer, const Matrix<Scalar>& in,
                const Matrix<Scalar>& grad_out, ConvolutionParameters<Scalar>* gradients,
                Matrix<Scalar>* grad_in) const {
    const bool accumulate_parameter_gradients = gradients != nullptr;
    if (!accumulate_parameter_gradients && grad_in == nullptr) return;
    const Eigen::Index batch = grad_out.cols();
    const int threads = detail::batch_threads(batch);
    const detail::ThreadWeightGradients<Scalar> weight_sums(
        accumulate_parameter_gradients ? gradients->values : nullptr,
        accumulate_parameter_gradients ? threads : 1, kWeightCount);
    const auto weights = weights_of(layer);
    if (grad_in != nullptr) grad_in->resize(kInputSize, batch);
    detail::for_each_batch_chunk(
        batch, threads, kChunkImages, [&](int thread, Eigen::Index first, Eigen::Index count) {
          const Eigen::Map<const Matrix<Scalar>> grad_out_pixels(
              grad_out.data() + first * kOutputSize, OutChannels, kOutputPixels * count);
          MatrixMap<Scalar> columns =
              detail::shared_columns<Scalar>(kPatchSize, kOutputPixels * count);
          if (accumulate_parameter_gradients) {
            // The columns are unfolded again rather than kept from the forward pass:
            // unfolding takes a few percent of the time of the products, while keeping them
            // would hold a column matrix per layer and pass in memory.
            detail::im2col<Geometry>(in.data() + first * kInputSize, count, columns.data());
            Scalar* sums = weight_sums.of(thread);
            MatrixMap<Scalar> grad_weights(sums, OutChannels, kPatchSize);
            grad_weights.noalias() += grad_out_pixels * columns.transpose();
          }
          if (grad_in != nullptr) {
            columns.noalias() = weights.transpose() * grad_out_pixels;
            detail::col2im<Geometry>(columns.data(), count, grad_in->data() + first * kInputSize);
          }
        });
    if (accumulate_parameter_gradients)
      weight_sums.finish(grad_out, static_cast<Eigen::Index>(kBiasCount));
  }

 private:
  static Eigen::Map<const Matrix<Scalar>> weights_of(ConvolutionParameters<const Scalar> layer) {
    return Eigen::Map<const Matrix<Scalar>>(layer.values, OutChannels, kPatchSize);
  }
};

/// A 2-D convolution (cross-correlation, as in PyTorch's nn.Conv2d) with a square kernel and
/// the same stride and zero padding on both axes:
///   out[o, y, x] = b[o] + sum over c, ky, kx of W[o, c, ky, kx] in[c, y S - P + ky, x S - P + kx]
/// Input Shape<InChannels, H, W> of any height and width; output
/// Shape<OutChannels, (H + 2P - K) / S + 1, (W + 2P - K) / S + 1>, rounded down. Both are
/// stored channels-last (core/shape.hpp). The input must be an image of InChannels channels
/// that the kernel fits once padded; otherwise the program does not compile, with a
/// gan::diagnostics type naming the problem.
///
/// Each pass copies the input's windows into a column matrix (detail/im2col.hpp) and multiplies
/// it by W in one GEMM, whose result is the output batch as it is laid out. On the CPU the
/// column matrix lives in storage shared by the thread's convolution layers
/// (detail::shared_columns), and is rebuilt rather than kept for the backward pass, so that
/// memory holds one, not one per layer and pass; the device's passes (device/convolution.hpp)
/// keep one per layer.
///
/// Default initialisation: weights and bias uniform on [-1/sqrt(fan_in), 1/sqrt(fan_in)] with
/// fan_in = InChannels * Kernel * Kernel, PyTorch's default for nn.Conv2d.
///
/// @tparam InChannels  channels of the input image
/// @tparam OutChannels channels of the output image (number of filters)
/// @tparam Kernel      kernel height and width
/// @tparam Stride      step between windows, down and across
/// @tparam Padding     zeros added on every side, less than Kernel
/// @tparam BiasMode    Bias::learned adds a learned value per output channel; Bias::none does not
template <std::size_t InChannels, std::size_t OutChannels, std::size_t Kernel,
          std::size_t Stride = 1, std::size_t Padding = 0, Bias BiasMode = Bias::learned>
struct Conv2d {
  static_assert(InChannels >= 1 && OutChannels >= 1,
                "gan::Conv2d: InChannels and OutChannels must be at least 1");
  static_assert(Kernel >= 1, "gan::Conv2d: Kernel must be at least 1");
  static_assert(Stride >= 1, "gan::Conv2d: Stride must be at least 1");
  static_assert(Padding < Kernel,
                "gan::Conv2d: Padding must be smaller than Kernel, or some windows would see "
                "nothing but padding");

  /// Shape<OutChannels, Ho, Wo> for an input Shape<InChannels, H, W>; any other input
  /// instantiates a gan::diagnostics error.
  template <typename InputShape>
  using output_shape = typename detail::checked_output<
      detail::convolution_input_fits<InChannels, Kernel, Padding, InputShape>(),
      Shape<OutChannels,
            detail::convolution_extent<Kernel, Stride, Padding>(
                detail::ImageDims<InputShape>::height),
            detail::convolution_extent<Kernel, Stride, Padding>(
                detail::ImageDims<InputShape>::width)>>::type;

  /// "Conv2d(1 -> 64, kernel 4, stride 2, padding 1, no bias)": every setting, so that two
  /// different layers never describe themselves alike (checkpoints compare this text).
  std::string describe() const {
    return message("Conv2d(", InChannels, " -> ", OutChannels, ", kernel ", Kernel, ", stride ",
                   Stride, ", padding ", Padding, BiasMode == Bias::none ? ", no bias" : "", ")");
  }

  /// The layer bound to a backend (or a bare scalar type, for the CPU): it holds views into
  /// the network's parameter buffer and runs the backend's Conv2dPasses.
  template <typename B, typename InputShape>
  class Layer {
    using Backend = backend_t<B>;
    using Scalar = typename Backend::scalar_type;
    using Batch = typename Backend::matrix_type;
    using OutputShape = output_shape<InputShape>;
    using Geometry =
        detail::WindowGeometry<InChannels, detail::ImageDims<InputShape>::height,
                               detail::ImageDims<InputShape>::width, Kernel, Stride, Padding>;
    static_assert(OutputShape::size == OutChannels * Geometry::windows);
    static constexpr std::size_t kWeightCount = OutChannels * Geometry::patch_size;
    static constexpr std::size_t kBiasCount = BiasMode == Bias::learned ? OutChannels : 0;

   public:
    /// W ([OutChannels, Kernel * Kernel * InChannels], column-major), then b (OutChannels)
    /// when the bias is learned.
    static constexpr std::size_t parameter_count = kWeightCount + kBiasCount;
    /// backward() never reads `out`, so an activation may run in place over it.
    static constexpr bool backward_reads_output = false;
    /// An activation after it splits the batch between threads, as convolutions do.
    static constexpr WorkSplit work_split = WorkSplit::batch;

    explicit Layer(const Conv2d&) {}

    /// Points the layer at its slices of the network's flat parameter and gradient buffers.
    void bind(Scalar* parameters, Scalar* gradients) {
      parameters_ = parameters;
      gradients_ = gradients;
    }

    /// Draws the parameters, which must be in host memory (a device network initialises a
    /// CPU copy of itself and uploads it).
    void initialize(Rng& rng) requires(!Backend::on_device) {
      const double bound = 1.0 / std::sqrt(static_cast<double>(InChannels * Kernel * Kernel));
      for (std::size_t i = 0; i < parameter_count; ++i)
        parameters_[i] = static_cast<Scalar>(rng.uniform(-bound, bound));
    }

    /// out [OutputShape::size, batch] = W * im2col(in) (+ b per channel).
    void forward(const Batch& in, Batch& out) const { passes_.forward(parameters(), in, out); }

    /// Adds dL/dW (and dL/db) to the gradient buffer when asked, and writes dL/din when
    /// grad_in is given.
    void backward(const Batch& in, const Batch& /*out*/, const Batch& grad_out, Batch* grad_in,
                  bool accumulate_parameter_gradients) {
      ConvolutionParameters<Scalar> gradients = view(gradients_);
      passes_.backward(parameters(), in, grad_out,
                       accumulate_parameter_gradients ? &gradients : nullptr, grad_in);
    }

    /// W, [OutChannels, Kernel * Kernel * InChannels]: row o is filter o, and column
    /// (ky * Kernel + kx) * InChannels + c its weight for channel c at kernel position
    /// (ky, kx), the order of a channels-last window. PyTorch's weight[o][c][ky][kx] is
    /// weights()(o, (ky * Kernel + kx) * InChannels + c). CPU only.
    MatrixMap<Scalar> weights() const requires(!Backend::on_device) {
      return MatrixMap<Scalar>(parameters_, OutChannels, Geometry::patch_size);
    }
    /// b, one value per output channel; only with Bias::learned. CPU only.
    VectorMap<Scalar> bias() const requires(BiasMode == Bias::learned && !Backend::on_device) {
      return VectorMap<Scalar>(parameters_ + kWeightCount, OutChannels);
    }

   private:
    static ConvolutionParameters<Scalar> view(Scalar* values) {
      return {values, OutChannels, Geometry::patch_size, BiasMode == Bias::learned};
    }
    ConvolutionParameters<const Scalar> parameters() const { return view(parameters_); }

    Scalar* parameters_ = nullptr;
    Scalar* gradients_ = nullptr;
    [[no_unique_address]] mutable Conv2dPasses<Backend, Geometry, OutChannels, BiasMode> passes_;
  };
};

}  // namespace gan
