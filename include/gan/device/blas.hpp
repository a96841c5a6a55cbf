// SPDX-License-Identifier: MIT
// Matrix products on the device: cuBLAS under CUDA, Eigen under Thrust's CPU systems.
#pragma once

#include <gan/core/error.hpp>
#include <gan/device/buffer.hpp>
#include <gan/device/config.hpp>
#include <gan/device/error.hpp>

#include <Eigen/Core>

#include <limits>
#include <type_traits>

namespace gan::device {

/// Whether a product reads a matrix as stored or transposed.
enum class Op { none, transpose };

#if GAN_DEVICE_CUDA
namespace detail {

/// The calling thread's cuBLAS handle, created on first use and destroyed with the thread, so
/// that no two threads share one. It runs on the default stream, which Thrust's default
/// policy uses too, and on the device current when it was made: a program that switches
/// devices on a thread is not supported yet.
inline cublasHandle_t cublas_handle() {
  struct Handle {
    cublasHandle_t handle = nullptr;
    Handle() {
      require_gpu();  // cublasCreate's own error for a missing GPU says less
      GAN_CUBLAS_CHECK(cublasCreate(&handle));
    }
    ~Handle() { cublasDestroy(handle); }
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;
  };
  thread_local Handle handle;
  return handle.handle;
}

inline cublasOperation_t cublas_op(Op op) { return op == Op::none ? CUBLAS_OP_N : CUBLAS_OP_T; }

}  // namespace detail
#endif

/// c = alpha * op_a(a) * op_b(b) + beta * c, BLAS's GEMM on column-major device matrices.
/// As in BLAS, beta = 0 overwrites c without reading it (so c may hold anything, even NaN).
/// The shapes must agree: op_a(a) is [c.rows, k] and op_b(b) is [k, c.cols].
/// @throws std::invalid_argument when they do not, naming all three
/// @throws DeviceError when cuBLAS fails
template <typename T>
void gemm(Op op_a, ConstMatrixView<std::type_identity_t<T>> a, Op op_b,
          ConstMatrixView<std::type_identity_t<T>> b, T alpha, T beta, MatrixView<T> c) {
  static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>,
                "gan::device::gemm: float or double only");
  const std::ptrdiff_t m = op_a == Op::none ? a.rows : a.cols;
  const std::ptrdiff_t k = op_a == Op::none ? a.cols : a.rows;
  const std::ptrdiff_t b_rows = op_b == Op::none ? b.rows : b.cols;
  const std::ptrdiff_t n = op_b == Op::none ? b.cols : b.rows;
  if (m != c.rows || n != c.cols || k != b_rows)
    throw std::invalid_argument(
        message("gan::device::gemm: expected op(a) [m, k], op(b) [k, n] and c [m, n], got op(a) [",
                m, ", ", k, "], op(b) [", b_rows, ", ", n, "] and c [", c.rows, ", ", c.cols, "]"));
  if (m == 0 || n == 0) return;

#if GAN_DEVICE_CUDA
  // cuBLAS takes 32-bit sizes and leading dimensions of at least 1.
  constexpr std::ptrdiff_t kLargest = std::numeric_limits<int>::max();
  if (m > kLargest || n > kLargest || k > kLargest || a.rows > kLargest || b.rows > kLargest)
    throw DeviceError(message("gan::device::gemm: expected sizes cuBLAS takes (at most ", kLargest,
                              "), got m ", m, ", n ", n, ", k ", k, "; use a smaller batch"));
  const auto lda = static_cast<int>(a.rows > 0 ? a.rows : 1);
  const auto ldb = static_cast<int>(b.rows > 0 ? b.rows : 1);
  const auto ldc = static_cast<int>(c.rows);
  if constexpr (std::is_same_v<T, float>) {
    GAN_CUBLAS_CHECK(cublasSgemm(detail::cublas_handle(), detail::cublas_op(op_a),
                                 detail::cublas_op(op_b), static_cast<int>(m), static_cast<int>(n),
                                 static_cast<int>(k), &alpha, a.data, lda, b.data, ldb, &beta,
                                 c.data, ldc));
  } else {
    GAN_CUBLAS_CHECK(cublasDgemm(detail::cublas_handle(), detail::cublas_op(op_a),
                                 detail::cublas_op(op_b), static_cast<int>(m), static_cast<int>(n),
                                 static_cast<int>(k), &alpha, a.data, lda, b.data, ldb, &beta,
                                 c.data, ldc));
  }
#else
  // Under Thrust's CPU systems device memory is host memory: Eigen multiplies it in place.
  using Map = Eigen::Map<const Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>>;
  const Map a_map(a.data, a.rows, a.cols);
  const Map b_map(b.data, b.rows, b.cols);
  Eigen::Map<Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>> c_map(c.data, c.rows, c.cols);
  if (beta == T(0))
    c_map.setZero();
  else if (beta != T(1))
    c_map *= beta;
  if (k == 0) return;
  const auto multiply = [&](const auto& left, const auto& right) {
    c_map.noalias() += alpha * left * right;
  };
  if (op_a == Op::none && op_b == Op::none) multiply(a_map, b_map);
  if (op_a == Op::none && op_b == Op::transpose) multiply(a_map, b_map.transpose());
  if (op_a == Op::transpose && op_b == Op::none) multiply(a_map.transpose(), b_map);
  if (op_a == Op::transpose && op_b == Op::transpose)
    multiply(a_map.transpose(), b_map.transpose());
#endif
}

}  // namespace gan::device
