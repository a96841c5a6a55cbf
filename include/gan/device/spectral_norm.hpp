// SPDX-License-Identifier: MIT
// Spectral normalisation's power iteration and gradient on the device, and
// SpectralNormPasses for the device backend.
#pragma once

#include <gan/core/config.hpp>
#include <gan/device/blas.hpp>
#include <gan/device/buffer.hpp>
#include <gan/device/policy.hpp>
#include <gan/device/temporary_memory.hpp>
#include <gan/layers/spectral_norm.hpp>

#include <thrust/copy.h>
#include <thrust/device_ptr.h>
#include <thrust/execution_policy.h>
#include <thrust/fill.h>
#include <thrust/for_each.h>
#include <thrust/functional.h>
#include <thrust/iterator/counting_iterator.h>
#include <thrust/transform_reduce.h>

#include <cmath>
#include <cstddef>

namespace gan::device {
namespace detail {

// By index through raw addresses, not through Thrust's iterators over device memory (see
// device/losses.hpp).
template <typename T>
struct ProductInDouble {
  const T* left;
  const T* right;
  GAN_HOST_DEVICE double operator()(std::ptrdiff_t i) const {
    return static_cast<double>(left[i]) * static_cast<double>(right[i]);
  }
};

template <typename T>
struct StoreQuotient {
  const T* values;
  T divisor;
  T* out;
  GAN_HOST_DEVICE void operator()(std::ptrdiff_t i) const { out[i] = values[i] / divisor; }
};

template <typename T>
struct AddQuotient {
  const T* values;
  T divisor;
  T* out;
  GAN_HOST_DEVICE void operator()(std::ptrdiff_t i) const { out[i] += values[i] / divisor; }
};

template <typename Function>
void for_each_index(std::ptrdiff_t count, Function function) {
  thrust::for_each(step_policy(), thrust::counting_iterator<std::ptrdiff_t>(0),
                   thrust::counting_iterator<std::ptrdiff_t>(count), function);
}

}  // namespace detail

/// The sum of left[i] * right[i] over `count` values at device addresses, in double: one
/// reduction, whose answer comes back to the host.
template <typename T>
double dot(const T* left, const T* right, std::ptrdiff_t count) {
  return thrust::transform_reduce(
      thrust::device(detail::temporary_memory()), thrust::counting_iterator<std::ptrdiff_t>(0),
      thrust::counting_iterator<std::ptrdiff_t>(count), detail::ProductInDouble<T>{left, right},
      0.0, thrust::plus<double>());
}

/// out[i] = values[i] / divisor for `count` values (out may be values).
template <typename T>
void divide(const T* values, T divisor, T* out, std::ptrdiff_t count) {
  detail::for_each_index(count, detail::StoreQuotient<T>{values, divisor, out});
}

/// out[i] += values[i] / divisor for `count` values.
template <typename T>
void add_quotient(const T* values, T divisor, T* out, std::ptrdiff_t count) {
  detail::for_each_index(count, detail::AddQuotient<T>{values, divisor, out});
}

}  // namespace gan::device

namespace gan {

/// gan::SpectralNorm's passes on the device: matrix-vector products as cuBLAS GEMMs with one
/// column, norms and <G, W_bar> as reductions in double (each a value that comes back to the
/// host, since it decides what the next step does), and the rest one device computation per
/// value. The rank-one term of the gradient is a GEMM of u and v added to it.
template <typename Scalar, typename Weights>
class SpectralNormPasses<Device<Scalar>, Weights> {
  static constexpr std::ptrdiff_t kRows = static_cast<std::ptrdiff_t>(Weights::rows);
  static constexpr std::ptrdiff_t kCols = static_cast<std::ptrdiff_t>(Weights::cols);
  static constexpr std::ptrdiff_t kWeightCount = kRows * kCols;
  // A row-major W is, read column-major, W^T [cols, rows] (gan::Dense's layout).
  static constexpr bool kRowMajor = Weights::storage == Eigen::RowMajor;
  using Buffer = device::Buffer<Scalar>;

 public:
  SpectralNormPasses() = default;
  // The scratch space is the layer's own: a copy gets its own.
  SpectralNormPasses(const SpectralNormPasses&) : SpectralNormPasses() {}
  SpectralNormPasses& operator=(const SpectralNormPasses&) { return *this; }

  /// One step, v <- W^T u / |W^T u|, u <- W v / |W v|, in place (see the CPU's passes).
  void power_iteration(const Scalar* weights, Scalar* u, Scalar* v) const {
    if (!(device::dot(u, u, kRows) > 0))
      thrust::fill(device::detail::step_policy(), thrust::device_pointer_cast(u),
                   thrust::device_pointer_cast(u) + kRows,
                   static_cast<Scalar>(1 / std::sqrt(static_cast<double>(kRows))));
    transposed_product(weights, u, column_.data());
    normalize_into(column_.data(), v, kCols);
    product(weights, v, row_.data());
    normalize_into(row_.data(), u, kRows);
  }

  /// u and v normalised into `u` and `v` (a zero vector stays zero), and sigma = u^T W v.
  Scalar normalized_vectors(const Scalar* weights, const Scalar* u_values, const Scalar* v_values,
                            Buffer& u, Buffer& v) const {
    copy_normalized(u_values, u.data(), kRows);
    copy_normalized(v_values, v.data(), kCols);
    product(weights, v.data(), row_.data());
    return static_cast<Scalar>(device::dot(u.data(), row_.data(), kRows));
  }

  /// normalized = the parameters with the weights divided by sigma and the rest unchanged.
  void divide_weights(const Scalar* parameters, Scalar sigma, Buffer& normalized) const {
    device::divide(parameters, sigma, normalized.data(), kWeightCount);
    const auto rest = thrust::device_pointer_cast(parameters);
    thrust::copy(device::detail::step_policy(), rest + kWeightCount,
                 rest + static_cast<std::ptrdiff_t>(normalized.size()),
                 thrust::device_pointer_cast(normalized.data()) + kWeightCount);
  }

  /// gradients += (G - <G, W_bar> u v^T) / sigma on the weights and += inner on the rest;
  /// += inner everywhere when `normalized_by_sigma` is false (see the CPU's passes).
  void add_gradients(const Buffer& inner, const Buffer& normalized, const Buffer& u,
                     const Buffer& v, Scalar sigma, bool normalized_by_sigma,
                     Scalar* gradients) const {
    const auto size = static_cast<std::ptrdiff_t>(inner.size());
    device::add_quotient(inner.data() + kWeightCount, Scalar(1), gradients + kWeightCount,
                         size - kWeightCount);
    if (!normalized_by_sigma) {
      device::add_quotient(inner.data(), Scalar(1), gradients, kWeightCount);
      return;
    }
    const auto projection =
        static_cast<Scalar>(device::dot(inner.data(), normalized.data(), kWeightCount));
    device::add_quotient(inner.data(), sigma, gradients, kWeightCount);
    const Scalar alpha = -projection / sigma;
    if constexpr (kRowMajor)  // dL/dW^T [cols, rows] += alpha v u^T
      device::gemm<Scalar>(device::Op::none, {v.data(), kCols, 1}, device::Op::transpose,
                           {u.data(), kRows, 1}, alpha, Scalar(1), {gradients, kCols, kRows});
    else  // dL/dW [rows, cols] += alpha u v^T
      device::gemm<Scalar>(device::Op::none, {u.data(), kRows, 1}, device::Op::transpose,
                           {v.data(), kCols, 1}, alpha, Scalar(1), {gradients, kRows, kCols});
  }

 private:
  // out [rows] = W x [cols].
  static void product(const Scalar* weights, const Scalar* x, Scalar* out) {
    if constexpr (kRowMajor)
      device::gemm<Scalar>(device::Op::transpose, {weights, kCols, kRows}, device::Op::none,
                           {x, kCols, 1}, Scalar(1), Scalar(0), {out, kRows, 1});
    else
      device::gemm<Scalar>(device::Op::none, {weights, kRows, kCols}, device::Op::none,
                           {x, kCols, 1}, Scalar(1), Scalar(0), {out, kRows, 1});
  }

  // out [cols] = W^T x [rows].
  static void transposed_product(const Scalar* weights, const Scalar* x, Scalar* out) {
    if constexpr (kRowMajor)
      device::gemm<Scalar>(device::Op::none, {weights, kCols, kRows}, device::Op::none,
                           {x, kRows, 1}, Scalar(1), Scalar(0), {out, kCols, 1});
    else
      device::gemm<Scalar>(device::Op::transpose, {weights, kRows, kCols}, device::Op::none,
                           {x, kRows, 1}, Scalar(1), Scalar(0), {out, kCols, 1});
  }

  // to = from / |from| when |from| > 0; `to` is left as it was otherwise.
  static void normalize_into(const Scalar* from, Scalar* to, std::ptrdiff_t count) {
    const double norm = std::sqrt(device::dot(from, from, count));
    if (norm > 0) device::divide(from, static_cast<Scalar>(norm), to, count);
  }

  // to = from / |from|, or from itself (zero) when |from| = 0.
  static void copy_normalized(const Scalar* from, Scalar* to, std::ptrdiff_t count) {
    const double norm = std::sqrt(device::dot(from, from, count));
    device::divide(from, norm > 0 ? static_cast<Scalar>(norm) : Scalar(1), to, count);
  }

  mutable Buffer row_ = Buffer(static_cast<std::size_t>(kRows));
  mutable Buffer column_ = Buffer(static_cast<std::size_t>(kCols));
};

}  // namespace gan
