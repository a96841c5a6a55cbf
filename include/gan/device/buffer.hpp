// SPDX-License-Identifier: MIT
// Device memory: a buffer of values in the device system's memory, and a matrix over one.
#pragma once

#include <gan/core/error.hpp>
#include <gan/core/tensor.hpp>
#include <gan/device/error.hpp>
#include <gan/device/policy.hpp>

#include <thrust/copy.h>
#include <thrust/device_ptr.h>
#include <thrust/device_vector.h>
#include <thrust/fill.h>

#include <algorithm>
#include <cstddef>
#include <limits>
#include <new>
#include <span>
#include <stdexcept>
#include <type_traits>
#include <utility>

namespace gan::device {

/// Values of type T in device memory (GPU memory under CUDA, host memory under Thrust's CPU
/// systems).
///
/// A buffer moves but never copies implicitly: a copy of device memory is a deliberate act
/// (clone(), or the host transfers below), so none happens by accident in a training step.
/// Its size changes only through resize(), which keeps the memory it has: once a step has
/// sized its buffers, later steps of the same batch size allocate nothing.
template <typename T>
class Buffer {
 public:
  Buffer() = default;
  /// `size` values, zero.
  /// @throws DeviceError when device memory runs out
  explicit Buffer(std::size_t size) { resize(size); }

  Buffer(Buffer&&) noexcept = default;
  Buffer& operator=(Buffer&&) noexcept = default;
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;

  /// A deep copy, in device memory.
  Buffer clone() const {
    Buffer copy(size());
    thrust::copy(detail::step_policy(), values_.begin(), values_.end(), copy.values_.begin());
    return copy;
  }

  std::size_t size() const noexcept { return values_.size(); }
  bool empty() const noexcept { return values_.empty(); }

  /// Sets the size to `size`. The first min(old, new) values are kept and new ones are zero;
  /// no memory is given back, so shrinking and growing again within the largest size so far
  /// allocates nothing. Growing allocates exactly `size` values (Thrust on its own would
  /// allocate up to twice what is asked).
  /// @throws DeviceError when device memory runs out, or there is no GPU to allocate on
  void resize(std::size_t size) {
    if (size > values_.max_size() || size > std::numeric_limits<std::size_t>::max() / sizeof(T))
      throw DeviceError(
          message("gan::device::Buffer::resize: expected at most ",
                  std::min(values_.max_size(), std::numeric_limits<std::size_t>::max() / sizeof(T)),
                  " values, got ", size));
    try {
      if (size > values_.capacity()) values_.reserve(size);
      values_.resize(size);
    } catch (const std::bad_alloc& error) {
      // Under CUDA the first allocation is also where a missing GPU shows: say that instead.
      require_gpu();
      throw detail::out_of_memory("gan::device::Buffer::resize", size * sizeof(T), error.what());
    }
  }

  /// The raw device address of the first value, for kernels and cuBLAS (null for a buffer
  /// that has never held a value).
  T* data() noexcept { return thrust::raw_pointer_cast(values_.data()); }
  const T* data() const noexcept { return thrust::raw_pointer_cast(values_.data()); }

  /// Thrust iterators over the values, for algorithms.
  auto begin() noexcept { return values_.begin(); }
  auto end() noexcept { return values_.end(); }
  auto begin() const noexcept { return values_.begin(); }
  auto end() const noexcept { return values_.end(); }

  /// Sets the size to `size` like resize(), but keeps no values: growing first gives the old
  /// memory back, so that the old and the new never need to fit in device memory together.
  /// @throws DeviceError when device memory runs out, or there is no GPU to allocate on
  void resize_discarding(std::size_t size) {
    if (size > values_.capacity()) {
      values_.clear();
      values_.shrink_to_fit();
    }
    resize(size);
  }

  /// Sets every value to `value`.
  void fill(T value) { thrust::fill(detail::step_policy(), values_.begin(), values_.end(), value); }

  /// Copies host values in; `host` must have size() values.
  void copy_from_host(std::span<const T> host) {
    check_transfer_size("copy_from_host", host.size());
    thrust::copy(host.begin(), host.end(), values_.begin());
  }

  /// Copies the values out to the host; `host` must have room for size() values.
  void copy_to_host(std::span<T> host) const {
    check_transfer_size("copy_to_host", host.size());
    thrust::copy(values_.begin(), values_.end(), host.begin());
  }

 private:
  void check_transfer_size(const char* function, std::size_t host_size) const {
    if (host_size != size())
      throw std::invalid_argument(message("gan::device::Buffer::", function, ": expected ", size(),
                                          " host values, got ", host_size));
  }

  thrust::device_vector<T> values_;
};

/// A view of `size` values at a device address: a network's parameters or gradients, as the
/// device backend's Network gives them out.
template <typename T>
struct VectorView {
  T* data = nullptr;
  std::ptrdiff_t size = 0;

  VectorView() = default;
  VectorView(T* values, std::ptrdiff_t count) noexcept : data(values), size(count) {}
  /// A writable view reads as a read-only one.
  template <typename U>
  requires std::is_same_v<const U, T> VectorView(const VectorView<U>& other)
  noexcept : data(other.data), size(other.size) {}
};

/// A read-only view of a column-major matrix in device memory.
template <typename T>
struct ConstMatrixView {
  const T* data;
  std::ptrdiff_t rows;
  std::ptrdiff_t cols;

  std::ptrdiff_t size() const noexcept { return rows * cols; }
};

/// A writable view of a column-major matrix in device memory.
template <typename T>
struct MatrixView {
  T* data;
  std::ptrdiff_t rows;
  std::ptrdiff_t cols;

  std::ptrdiff_t size() const noexcept { return rows * cols; }
  operator ConstMatrixView<T>() const noexcept { return {data, rows, cols}; }
};

/// A column-major [rows, cols] matrix in device memory: on the device backend, a batch laid
/// out as [features, batch] like the CPU's Matrix, or a weight matrix.
///
/// Like Eigen's resize(), resizing keeps no values that the caller may rely on; unlike it, a
/// matrix never gives memory back, so a pass that resizes its output to the same batch size
/// every step allocates only on the first.
template <typename T>
class Matrix {
 public:
  Matrix() = default;
  /// A [rows, cols] matrix of zeros.
  Matrix(std::ptrdiff_t rows, std::ptrdiff_t cols) { resize(rows, cols); }

  /// A moved-from matrix is empty, 0x0, like its memory.
  Matrix(Matrix&& other) noexcept
      : rows_(std::exchange(other.rows_, 0)),
        cols_(std::exchange(other.cols_, 0)),
        values_(std::move(other.values_)) {}
  Matrix& operator=(Matrix&& other) noexcept {
    rows_ = std::exchange(other.rows_, 0);
    cols_ = std::exchange(other.cols_, 0);
    values_ = std::move(other.values_);
    return *this;
  }
  Matrix(const Matrix&) = delete;
  Matrix& operator=(const Matrix&) = delete;

  /// A deep copy, in device memory.
  Matrix clone() const {
    Matrix copy;
    copy.rows_ = rows_;
    copy.cols_ = cols_;
    copy.values_ = values_.clone();
    return copy;
  }

  std::ptrdiff_t rows() const noexcept { return rows_; }
  std::ptrdiff_t cols() const noexcept { return cols_; }
  std::ptrdiff_t size() const noexcept { return rows_ * cols_; }

  /// Sets the shape; the values are unspecified afterwards (growing keeps none of them).
  /// @throws std::invalid_argument for a negative dimension
  /// @throws DeviceError when device memory runs out
  void resize(std::ptrdiff_t rows, std::ptrdiff_t cols) {
    if (rows < 0 || cols < 0)
      throw std::invalid_argument(
          message("gan::device::Matrix::resize: expected a shape of "
                  "non-negative sizes, got ",
                  rows, "x", cols));
    // rows * cols must not overflow: a wrapped product would pass for a small matrix.
    if (cols != 0 && rows > std::numeric_limits<std::ptrdiff_t>::max() / cols)
      throw DeviceError(message("gan::device::Matrix::resize: expected a shape of at most ",
                                std::numeric_limits<std::ptrdiff_t>::max(), " values, got ", rows,
                                "x", cols));
    if (static_cast<std::size_t>(rows * cols) > values_.size())
      values_.resize_discarding(static_cast<std::size_t>(rows * cols));
    rows_ = rows;
    cols_ = cols;
  }

  T* data() noexcept { return values_.data(); }
  const T* data() const noexcept { return values_.data(); }

  MatrixView<T> view() noexcept { return {data(), rows_, cols_}; }
  ConstMatrixView<T> view() const noexcept { return {data(), rows_, cols_}; }

  /// Iterators over the size() values in column-major order.
  auto begin() noexcept { return values_.begin(); }
  auto end() noexcept { return values_.begin() + size(); }
  auto begin() const noexcept { return values_.begin(); }
  auto end() const noexcept { return values_.begin() + size(); }

  void fill(T value) { thrust::fill(detail::step_policy(), begin(), end(), value); }

 private:
  std::ptrdiff_t rows_ = 0;
  std::ptrdiff_t cols_ = 0;
  Buffer<T> values_;
};

namespace detail {

/// Throws std::invalid_argument, naming `function` and both shapes, unless `batch` is a batch
/// of `rows` rows and at least one column: what every device pass checks of its input before
/// a kernel reads it.
template <typename T>
void check_batch(const char* function, const Matrix<T>& batch, std::ptrdiff_t rows) {
  if (batch.rows() != rows || batch.cols() == 0)
    throw std::invalid_argument(message("gan::device::", function, ": expected a batch of ", rows,
                                        " rows and at least one column, got ", batch.rows(), "x",
                                        batch.cols()));
}

/// check_batch() for a gradient, which must also have the columns of its batch.
template <typename T>
void check_gradient(const char* function, const Matrix<T>& gradient, std::ptrdiff_t rows,
                    std::ptrdiff_t cols) {
  if (gradient.rows() != rows || gradient.cols() != cols)
    throw std::invalid_argument(message("gan::device::", function, ": expected a gradient of ",
                                        rows, "x", cols, ", got ", gradient.rows(), "x",
                                        gradient.cols()));
}

}  // namespace detail

/// Copies a host matrix to the device, into `device` (resized to match).
template <typename T>
void copy_to_device(const gan::Matrix<T>& host, Matrix<T>& device) {
  device.resize(host.rows(), host.cols());
  thrust::copy(host.data(), host.data() + host.size(), device.begin());
}

/// A device copy of a host matrix.
template <typename T>
Matrix<T> to_device(const gan::Matrix<T>& host) {
  Matrix<T> device;
  copy_to_device(host, device);
  return device;
}

/// Copies a device matrix to the host, into `host` (resized to match).
template <typename T>
void copy_to_host(const Matrix<T>& device, gan::Matrix<T>& host) {
  host.resize(device.rows(), device.cols());
  thrust::copy(device.begin(), device.end(), host.data());
}

/// A host copy of a device matrix.
template <typename T>
gan::Matrix<T> to_host(const Matrix<T>& device) {
  gan::Matrix<T> host;
  copy_to_host(device, host);
  return host;
}

}  // namespace gan::device
