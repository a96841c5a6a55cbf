// SPDX-License-Identifier: MIT
// 2-D transposed convolution over channels-last images: the adjoint of Conv2d.
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

/// A transposed convolution's passes on backend B, specialised per backend: Cpu's below,
/// Device's in gan/device/convolution.hpp. Geometry is the windows of the adjoint convolution
/// (one per input pixel), InChannels the rows of the weight matrix.
template <typename B, typename Geometry, std::size_t InChannels, Bias BiasMode>
class ConvTranspose2dPasses;

/// The CPU's passes: threads split the batch, and each multiplies its images chunk by chunk
/// by W^T into the thread's shared column matrix, which it folds into the output (col2im).
template <typename Scalar, typename Geometry, std::size_t InChannels, Bias BiasMode>
class ConvTranspose2dPasses<Cpu<Scalar>, Geometry, InChannels, BiasMode> {
  static constexpr std::size_t kWeightCount = InChannels * Geometry::patch_size;
  static constexpr std::size_t kOutChannels = Geometry::channels;
  static constexpr std::size_t kBiasCount = BiasMode == Bias::learned ? kOutChannels : 0;
  static constexpr Eigen::Index kPatchSize = Geometry::patch_size;
  static constexpr Eigen::Index kInputPixels = Geometry::windows;
  static constexpr Eigen::Index kOutputPixels = Geometry::height * Geometry::width;
  static constexpr Eigen::Index kInputSize = InChannels * Geometry::windows;
  static constexpr Eigen::Index kOutputSize = Geometry::image_size;
  static constexpr Eigen::Index kChunkImages = detail::images_per_chunk(kPatchSize * kInputPixels);

 public:
  /// out [image_size, batch] = col2im(W^T in) (+ b per channel).
  void forward(ConvolutionParameters<const Scalar> layer, const Matrix<Scalar>& in,
               Matrix<Scalar>& out) const {
    const Eigen::Index batch = in.cols();
    out.resize(kOutputSize, batch);
    const auto weights = weights_of(layer);
    detail::for_each_batch_chunk(
        batch, detail::batch_threads(batch), kChunkImages,
        [&](int, Eigen::Index first, Eigen::Index count) {
          const Eigen::Map<const Matrix<Scalar>> in_pixels(in.data() + first * kInputSize,
                                                           InChannels, kInputPixels * count);
          MatrixMap<Scalar> columns =
              detail::shared_columns<Scalar>(kPatchSize, kInputPixels * count);
          columns.noalias() = weights.transpose() * in_pixels;
          Scalar* images = out.data() + first * kOutputSize;
          detail::col2im<Geometry>(columns.data(), count, images);
          if constexpr (BiasMode == Bias::learned) {
            MatrixMap<Scalar> out_pixels(images, kOutChannels, kOutputPixels * count);
            out_pixels.colwise() += ConstVectorMap<Scalar>(layer.bias(), kOutChannels);
          }
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
          MatrixMap<Scalar> columns =
              detail::shared_columns<Scalar>(kPatchSize, kInputPixels * count);
          detail::im2col<Geometry>(grad_out.data() + first * kOutputSize, count, columns.data());
          if (accumulate_parameter_gradients) {
            const Eigen::Map<const Matrix<Scalar>> in_pixels(in.data() + first * kInputSize,
                                                             InChannels, kInputPixels * count);
            Scalar* sums = weight_sums.of(thread);
            MatrixMap<Scalar> grad_weights(sums, InChannels, kPatchSize);
            grad_weights.noalias() += in_pixels * columns.transpose();
          }
          if (grad_in != nullptr) {
            MatrixMap<Scalar> grad_in_pixels(grad_in->data() + first * kInputSize, InChannels,
                                             kInputPixels * count);
            grad_in_pixels.noalias() = weights * columns;
          }
        });
    if (accumulate_parameter_gradients)
      weight_sums.finish(grad_out, static_cast<Eigen::Index>(kBiasCount));
  }

 private:
  static Eigen::Map<const Matrix<Scalar>> weights_of(ConvolutionParameters<const Scalar> layer) {
    return Eigen::Map<const Matrix<Scalar>>(layer.values, InChannels, kPatchSize);
  }
};

/// A 2-D transposed convolution (PyTorch's nn.ConvTranspose2d), with a square kernel and the
/// same stride and padding on both axes: each input pixel spreads its values, weighted by the
/// kernel, over a Kernel x Kernel patch of the output, patches Stride apart, and Padding rows
/// and columns are then cut from every side:
///   out[o, i S - P + ky, j S - P + kx] += W[c, o, ky, kx] in[c, i, j], plus b[o] everywhere.
/// Input Shape<InChannels, H, W> of any height and width; output
/// Shape<OutChannels, (H - 1) S - 2P + K + OP, (W - 1) S - 2P + K + OP>, both stored
/// channels-last (core/shape.hpp). OutputPadding adds rows and columns at the bottom and right,
/// to reach sizes that Conv2d<OutChannels, InChannels, Kernel, Stride, Padding> maps back to
/// H x W; this layer, without bias, is that convolution's adjoint, with the same weights.
///
/// Forward multiplies the input by W^T in one GEMM and sums the resulting windows into the
/// output (col2im, detail/im2col.hpp); backward unfolds the output gradient (im2col) and
/// multiplies. On the CPU the column matrix lives in storage shared by the thread's
/// convolution layers, as in Conv2d.
///
/// Default initialisation: weights and bias uniform on [-1/sqrt(fan_in), 1/sqrt(fan_in)], as
/// PyTorch initialises nn.ConvTranspose2d. PyTorch computes fan_in from its weight tensor
/// [InChannels, OutChannels, K, K] as if it were a convolution's, so fan_in here is
/// OutChannels * Kernel * Kernel; we follow it, so that the libtorch DCGAN starts alike.
///
/// @tparam InChannels    channels of the input image
/// @tparam OutChannels   channels of the output image
/// @tparam Kernel        kernel height and width
/// @tparam Stride        step between the patches of neighbouring input pixels
/// @tparam Padding       rows and columns removed from every side of the output, less than Kernel
/// @tparam OutputPadding rows and columns added at the bottom and right, less than Stride
/// @tparam BiasMode      Bias::learned adds a learned value per output channel; Bias::none does not
template <std::size_t InChannels, std::size_t OutChannels, std::size_t Kernel,
          std::size_t Stride = 1, std::size_t Padding = 0, std::size_t OutputPadding = 0,
          Bias BiasMode = Bias::learned>
struct ConvTranspose2d {
  static_assert(InChannels >= 1 && OutChannels >= 1,
                "gan::ConvTranspose2d: InChannels and OutChannels must be at least 1");
  static_assert(Kernel >= 1, "gan::ConvTranspose2d: Kernel must be at least 1");
  static_assert(Stride >= 1, "gan::ConvTranspose2d: Stride must be at least 1");
  static_assert(Padding < Kernel,
                "gan::ConvTranspose2d: Padding must be smaller than Kernel, or some output pixels "
                "would lie outside every input pixel's patch");
  static_assert(OutputPadding < Stride,
                "gan::ConvTranspose2d: OutputPadding must be smaller than Stride (PyTorch's rule): "
                "it only chooses among the Stride output sizes that a convolution maps to the "
                "same input size");

  /// Shape<OutChannels, Ho, Wo> for an input Shape<InChannels, H, W>; any other input
  /// instantiates a gan::diagnostics error.
  template <typename InputShape>
  using output_shape = typename detail::checked_output<
      detail::transposed_convolution_input_fits<InChannels, Kernel, Stride, Padding, OutputPadding,
                                                InputShape>(),
      Shape<OutChannels,
            detail::transposed_convolution_extent<Kernel, Stride, Padding, OutputPadding>(
                detail::ImageDims<InputShape>::height),
            detail::transposed_convolution_extent<Kernel, Stride, Padding, OutputPadding>(
                detail::ImageDims<InputShape>::width)>>::type;

  /// "ConvTranspose2d(128 -> 64, kernel 4, stride 2, padding 1, output padding 0, no bias)":
  /// every setting, so that two different layers never describe themselves alike
  /// (checkpoints compare this text).
  std::string describe() const {
    return message("ConvTranspose2d(", InChannels, " -> ", OutChannels, ", kernel ", Kernel,
                   ", stride ", Stride, ", padding ", Padding, ", output padding ", OutputPadding,
                   BiasMode == Bias::none ? ", no bias" : "", ")");
  }

  /// The layer bound to a backend (or a bare scalar type, for the CPU): it holds views into
  /// the network's parameter buffer and runs the backend's ConvTranspose2dPasses.
  template <typename B, typename InputShape>
  class Layer {
    using Backend = backend_t<B>;
    using Scalar = typename Backend::scalar_type;
    using Batch = typename Backend::matrix_type;
    using OutputShape = output_shape<InputShape>;
    // The windows of the adjoint convolution, which runs from this layer's output back to its
    // input: one window per input pixel.
    using Geometry =
        detail::WindowGeometry<OutChannels, detail::ImageDims<OutputShape>::height,
                               detail::ImageDims<OutputShape>::width, Kernel, Stride, Padding>;
    static_assert(Geometry::out_height == detail::ImageDims<InputShape>::height &&
                  Geometry::out_width == detail::ImageDims<InputShape>::width);

    static constexpr std::size_t kWeightCount = InChannels * Geometry::patch_size;
    static constexpr std::size_t kBiasCount = BiasMode == Bias::learned ? OutChannels : 0;

   public:
    /// W ([InChannels, Kernel * Kernel * OutChannels], column-major), then b (OutChannels)
    /// when the bias is learned.
    static constexpr std::size_t parameter_count = kWeightCount + kBiasCount;
    /// backward() never reads `out`, so an activation may run in place over it.
    static constexpr bool backward_reads_output = false;
    /// An activation after it splits the batch between threads, as convolutions do.
    static constexpr WorkSplit work_split = WorkSplit::batch;

    explicit Layer(const ConvTranspose2d&) {}

    /// Points the layer at its slices of the network's flat parameter and gradient buffers.
    void bind(Scalar* parameters, Scalar* gradients) {
      parameters_ = parameters;
      gradients_ = gradients;
    }

    /// Draws the parameters, which must be in host memory (a device network initialises a
    /// CPU copy of itself and uploads it).
    void initialize(Rng& rng) requires(!Backend::on_device) {
      // PyTorch's fan_in for a transposed convolution: see the class comment.
      const double bound = 1.0 / std::sqrt(static_cast<double>(OutChannels * Kernel * Kernel));
      for (std::size_t i = 0; i < parameter_count; ++i)
        parameters_[i] = static_cast<Scalar>(rng.uniform(-bound, bound));
    }

    /// out [OutputShape::size, batch] = col2im(W^T in) (+ b per channel).
    void forward(const Batch& in, Batch& out) const { passes_.forward(parameters(), in, out); }

    /// Adds dL/dW (and dL/db) to the gradient buffer when asked, and writes dL/din when
    /// grad_in is given.
    void backward(const Batch& in, const Batch& /*out*/, const Batch& grad_out, Batch* grad_in,
                  bool accumulate_parameter_gradients) {
      ConvolutionParameters<Scalar> gradients = view(gradients_);
      passes_.backward(parameters(), in, grad_out,
                       accumulate_parameter_gradients ? &gradients : nullptr, grad_in);
    }

    /// W, [InChannels, Kernel * Kernel * OutChannels]: row c holds what input channel c adds,
    /// column (ky * Kernel + kx) * OutChannels + o its weight for output channel o at kernel
    /// position (ky, kx). PyTorch's weight[c][o][ky][kx] is
    /// weights()(c, (ky * Kernel + kx) * OutChannels + o). This is the layout of the weights of
    /// Conv2d<OutChannels, InChannels, Kernel, Stride, Padding>, whose adjoint this layer is.
    /// CPU only.
    MatrixMap<Scalar> weights() const requires(!Backend::on_device) {
      return MatrixMap<Scalar>(parameters_, InChannels, Geometry::patch_size);
    }
    /// b, one value per output channel; only with Bias::learned. CPU only.
    VectorMap<Scalar> bias() const requires(BiasMode == Bias::learned && !Backend::on_device) {
      return VectorMap<Scalar>(parameters_ + kWeightCount, OutChannels);
    }

   private:
    static ConvolutionParameters<Scalar> view(Scalar* values) {
      return {values, InChannels, Geometry::patch_size, BiasMode == Bias::learned};
    }
    ConvolutionParameters<const Scalar> parameters() const { return view(parameters_); }

    Scalar* parameters_ = nullptr;
    Scalar* gradients_ = nullptr;
    [[no_unique_address]] mutable ConvTranspose2dPasses<Backend, Geometry, InChannels, BiasMode>
        passes_;
  };
};

}  // namespace gan
