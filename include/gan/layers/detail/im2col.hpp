// SPDX-License-Identifier: MIT
// im2col and col2im: the copies that turn a convolution into one matrix product.
#pragma once

#include <gan/core/parallel.hpp>
#include <gan/core/tensor.hpp>

#include <Eigen/Core>

#ifdef _OPENMP
#include <omp.h>
#endif

#include <algorithm>
#include <cstddef>

namespace gan::detail {

/// The column matrix of a convolution pass, [rows, cols], in storage shared by every
/// convolution layer of the calling thread. A pass fills it, multiplies and is done with it
/// before the next layer runs, so one buffer, as large as the largest pass needs, serves a
/// whole network, and every network of the thread: a DCGAN's generator and discriminator
/// at batch 64 need 13 MB instead of 38 MB for a matrix per layer. It only grows, so
/// training allocates nothing once the first step has sized it. Its contents are left as
/// they were; each pass writes every value it reads.
template <typename Scalar>
MatrixMap<Scalar> shared_columns(Eigen::Index rows, Eigen::Index cols) {
  thread_local Vector<Scalar> storage;
  if (storage.size() < rows * cols) storage.resize(rows * cols);
  return MatrixMap<Scalar>(storage.data(), rows, cols);
}

/// Most values a column matrix holds at once: 4 MiB in float. A pass unfolds its batch in
/// chunks of as many images as fit, so memory stays flat whatever the batch size, while each
/// chunk's product is still large enough to run near the GEMM's peak (a DCGAN layer at 16
/// images multiplies a 1024-deep matrix by 784 columns).
inline constexpr Eigen::Index kMaxColumnValues = Eigen::Index{1} << 20;

/// Images per chunk for a column matrix of `values_per_image` values per image.
constexpr Eigen::Index images_per_chunk(Eigen::Index values_per_image) {
  return std::max<Eigen::Index>(1, kMaxColumnValues / values_per_image);
}

/// Threads a convolution pass over `batch` images uses: OpenMP's thread count, at most one
/// per image.
inline int batch_threads(Eigen::Index batch) {
#ifdef _OPENMP
  if (omp_in_parallel()) return 1;
  return static_cast<int>(std::min<Eigen::Index>(omp_get_max_threads(), batch));
#else
  (void)batch;
  return 1;
#endif
}

/// Calls chunk(thread, first_image, image_count) over a whole batch. Thread t of `threads`
/// takes the images from batch * t / threads up to batch * (t + 1) / threads, in chunks of at
/// most max_chunk images, so that each thread's products and copies touch its own part of
/// the batch only. Splitting the batch, not each product, is what keeps two threads busy on
/// batches of 64: one thread-wide product per chunk, with no synchronisation inside it (Eigen
/// runs a product single-threaded inside a parallel region).
template <typename Chunk>
void for_each_batch_chunk(Eigen::Index batch, int threads, Eigen::Index max_chunk, Chunk&& chunk) {
  const auto run = [&](int thread) {
    const Eigen::Index begin = batch * thread / threads;
    const Eigen::Index end = batch * (thread + 1) / threads;
    for (Eigen::Index first = begin; first < end; first += max_chunk)
      chunk(thread, first, std::min(max_chunk, end - first));
  };
  // run_parts, not a bare parallel region: a team smaller than asked for still covers every
  // thread's share of the batch.
  run_parts(threads, run);
}

/// The weight gradients of a backward pass whose threads split the batch. Thread 0 adds to
/// the network's gradient directly; threads 1 to `threads` - 1 add to zeroed buffers of their
/// own, kept in storage of the calling thread that only grows, and finish() adds those to the
/// gradient in thread order, so a given thread count always gives the same result.
template <typename Scalar>
class ThreadWeightGradients {
 public:
  /// Sums for `weight_count` weights at `gradients`, which the pass adds to.
  ThreadWeightGradients(Scalar* gradients, int threads, std::size_t weight_count)
      : gradients_(gradients),
        threads_(threads),
        count_(static_cast<Eigen::Index>(weight_count)),
        partials_(zeroed_storage(count_ * (threads - 1))) {}

  /// Where thread `thread` adds its weight gradient.
  Scalar* of(int thread) const {
    return thread == 0 ? gradients_ : partials_ + (thread - 1) * count_;
  }

  /// Adds the other threads' sums to thread 0's; then, when `channels` is not 0, adds the bias
  /// gradient behind the weights: each output channel summed over `grad_out` viewed as
  /// [channels, pixels of the whole batch].
  void finish(const Matrix<Scalar>& grad_out, Eigen::Index channels) const {
    VectorMap<Scalar> weights(gradients_, count_);
    for (int thread = 1; thread < threads_; ++thread)
      weights += Eigen::Map<const Vector<Scalar>>(of(thread), count_);
    if (channels == 0) return;
    const Eigen::Map<const Matrix<Scalar>> per_channel(grad_out.data(), channels,
                                                       grad_out.size() / channels);
    VectorMap<Scalar>(gradients_ + count_, channels).noalias() += per_channel.rowwise().sum();
  }

 private:
  static Scalar* zeroed_storage(Eigen::Index size) {
    thread_local Vector<Scalar> storage;
    if (storage.size() < size) storage.resize(size);
    storage.head(size).setZero();
    return storage.data();
  }

  Scalar* gradients_;
  int threads_;
  Eigen::Index count_;
  Scalar* partials_;
};

/// Where a convolution's kernel windows lie on an image of Channels x Height x Width, stored
/// channels-last (value (h * Width + w) * Channels + c). Window (oy, ox) covers rows
/// oy * Stride - Padding + ky and columns ox * Stride - Padding + kx for ky, kx in [0, Kernel);
/// positions outside the image are the zero padding.
///
/// The unfolded form of a batch is the column matrix [patch_size, windows * batch]: column
/// n * windows + oy * out_width + ox holds window (oy, ox) of image n, rows in (ky, kx, c)
/// order with c fastest. With that order a kernel row (Kernel pixels of Channels values) is
/// one contiguous run of the channels-last image, so unfolding is a few block copies per
/// window; and a convolution's output, [out channels, windows * batch], is already the next
/// layer's channels-last batch.
template <std::size_t Channels, std::size_t Height, std::size_t Width, std::size_t Kernel,
          std::size_t Stride, std::size_t Padding>
struct WindowGeometry {
  static_assert(Kernel >= 1 && Stride >= 1 && Padding < Kernel);
  static_assert(Height + 2 * Padding >= Kernel && Width + 2 * Padding >= Kernel);

  static constexpr std::size_t channels = Channels;
  static constexpr std::size_t height = Height;
  static constexpr std::size_t width = Width;
  static constexpr std::size_t kernel = Kernel;
  static constexpr std::size_t stride = Stride;
  static constexpr std::size_t padding = Padding;

  /// Window positions down and across: the usual floor((H + 2P - K) / S) + 1.
  static constexpr std::size_t out_height = (Height + 2 * Padding - Kernel) / Stride + 1;
  static constexpr std::size_t out_width = (Width + 2 * Padding - Kernel) / Stride + 1;
  static constexpr std::size_t windows = out_height * out_width;
  /// Values in one image, and in one window (rows of the column matrix).
  static constexpr std::size_t image_size = Channels * Height * Width;
  static constexpr std::size_t patch_size = Kernel * Kernel * Channels;
};

/// The kernel offsets [begin, end) of one window that fall inside an image dimension; the
/// rest fall into the padding. Since Padding < Kernel, every window overlaps the image, so
/// begin < end.
struct KernelSpan {
  std::ptrdiff_t begin;
  std::ptrdiff_t end;
};

/// The geometry in signed arithmetic, since window starts can lie in the padding (negative).
template <typename Geometry>
struct SignedWindowGeometry {
  static constexpr std::ptrdiff_t channels = Geometry::channels;
  static constexpr std::ptrdiff_t height = Geometry::height;
  static constexpr std::ptrdiff_t width = Geometry::width;
  static constexpr std::ptrdiff_t kernel = Geometry::kernel;
  static constexpr std::ptrdiff_t stride = Geometry::stride;
  static constexpr std::ptrdiff_t padding = Geometry::padding;
  static constexpr std::ptrdiff_t out_height = Geometry::out_height;
  static constexpr std::ptrdiff_t out_width = Geometry::out_width;
  static constexpr std::ptrdiff_t windows = Geometry::windows;
  static constexpr std::ptrdiff_t image_size = Geometry::image_size;
  static constexpr std::ptrdiff_t patch_size = Geometry::patch_size;
  /// One kernel row of a window: Kernel pixels of all channels, contiguous in both forms.
  static constexpr std::ptrdiff_t kernel_row = kernel * channels;

  /// First image row (or column) under window position `position`, possibly negative.
  static constexpr std::ptrdiff_t first(std::ptrdiff_t position) {
    return position * stride - padding;
  }
  static constexpr KernelSpan inside_image(std::ptrdiff_t position, std::ptrdiff_t extent) {
    const std::ptrdiff_t start = first(position);
    return {std::max<std::ptrdiff_t>(0, -start), std::min<std::ptrdiff_t>(kernel, extent - start)};
  }
};

/// Unfolds a batch of images into the column matrix described at WindowGeometry.
/// @param images  `batch` images one after another ([image_size, batch], column-major)
/// @param columns room for patch_size * windows * batch values; every one is written
template <typename Geometry, typename Scalar>
void im2col(const Scalar* images, Eigen::Index batch, Scalar* columns) {
  using G = SignedWindowGeometry<Geometry>;

  for (Eigen::Index n = 0; n < batch; ++n) {
    const Scalar* image = images + n * G::image_size;
    Scalar* window = columns + n * G::out_height * G::out_width * G::patch_size;
    for (std::ptrdiff_t oy = 0; oy < G::out_height; ++oy) {
      const KernelSpan rows = G::inside_image(oy, G::height);
      for (std::ptrdiff_t ox = 0; ox < G::out_width; ++ox) {
        const KernelSpan cols = G::inside_image(ox, G::width);
        // Padding is handled here, once per kernel row, so the copy itself is one plain run.
        const std::ptrdiff_t run_begin = cols.begin * G::channels;
        const std::ptrdiff_t run_end = cols.end * G::channels;

        std::fill(window, window + rows.begin * G::kernel_row, Scalar(0));
        for (std::ptrdiff_t ky = rows.begin; ky < rows.end; ++ky) {
          const std::ptrdiff_t y = G::first(oy) + ky;
          const std::ptrdiff_t x = G::first(ox) + cols.begin;
          const Scalar* source = image + (y * G::width + x) * G::channels;
          Scalar* target = window + ky * G::kernel_row;
          std::fill(target, target + run_begin, Scalar(0));
          std::copy(source, source + (run_end - run_begin), target + run_begin);
          std::fill(target + run_end, target + G::kernel_row, Scalar(0));
        }
        std::fill(window + rows.end * G::kernel_row, window + G::patch_size, Scalar(0));
        window += G::patch_size;
      }
    }
  }
}

/// The adjoint of im2col: sums every entry of the column matrix into the image position it
/// was copied from, dropping those that came from the padding. Overwrites `images`.
/// @param columns patch_size * windows * batch values, laid out as im2col writes them
/// @param images  room for `batch` images ([image_size, batch], column-major)
template <typename Geometry, typename Scalar>
void col2im(const Scalar* columns, Eigen::Index batch, Scalar* images) {
  using G = SignedWindowGeometry<Geometry>;

  for (Eigen::Index n = 0; n < batch; ++n) {
    Scalar* image = images + n * G::image_size;
    const Scalar* window = columns + n * G::out_height * G::out_width * G::patch_size;
    std::fill(image, image + G::image_size, Scalar(0));
    for (std::ptrdiff_t oy = 0; oy < G::out_height; ++oy) {
      const KernelSpan rows = G::inside_image(oy, G::height);
      for (std::ptrdiff_t ox = 0; ox < G::out_width; ++ox) {
        const KernelSpan cols = G::inside_image(ox, G::width);
        const std::ptrdiff_t run_begin = cols.begin * G::channels;
        const std::ptrdiff_t run_length = (cols.end - cols.begin) * G::channels;

        for (std::ptrdiff_t ky = rows.begin; ky < rows.end; ++ky) {
          const std::ptrdiff_t y = G::first(oy) + ky;
          const std::ptrdiff_t x = G::first(ox) + cols.begin;
          Scalar* target = image + (y * G::width + x) * G::channels;
          const Scalar* source = window + ky * G::kernel_row + run_begin;
          for (std::ptrdiff_t i = 0; i < run_length; ++i) target[i] += source[i];
        }
        window += G::patch_size;
      }
    }
  }
}

}  // namespace gan::detail
