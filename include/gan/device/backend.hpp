// SPDX-License-Identifier: MIT
// gan::Device: the device backend, and everything it runs. A program that trains on a GPU
// includes this header beside gan/gan.hpp and names gan::Device<float> where it named float.
#pragma once

#include <gan/core/backend.hpp>
#include <gan/device/adam.hpp>
#include <gan/device/batch_norm.hpp>
#include <gan/device/blas.hpp>
#include <gan/device/buffer.hpp>
#include <gan/device/clip_gradient_norm.hpp>
#include <gan/device/config.hpp>
#include <gan/device/convolution.hpp>
#include <gan/device/data.hpp>
#include <gan/device/dense.hpp>
#include <gan/device/elementwise.hpp>
#include <gan/device/error.hpp>
#include <gan/device/losses.hpp>
#include <gan/losses/traits.hpp>
#include <gan/device/policy.hpp>
#include <gan/device/random.hpp>
#include <gan/device/sgd.hpp>
#include <gan/device/spectral_norm.hpp>

#include <thrust/copy.h>
#include <thrust/device_ptr.h>
#include <thrust/fill.h>
#include <thrust/system_error.h>
#include <thrust/transform.h>

#include <cstddef>
#include <cstdint>
#include <new>
#include <type_traits>
#include <utility>
#include <vector>

namespace gan {
namespace device::detail {

template <typename T>
struct Blend {
  T decay;
  GAN_HOST_DEVICE T operator()(T average, T value) const {
    return decay * average + (T(1) - decay) * value;
  }
};

template <typename T>
struct Clamp {
  T low, high;
  GAN_HOST_DEVICE T operator()(T value) const {
    return value < low ? low : (value > high ? high : value);
  }
};

}  // namespace device::detail

/// The device backend: batches are gan::device::Matrix, flat buffers gan::device::Buffer, in
/// the memory of Thrust's device system (a GPU's under CUDA; see device/config.hpp), and the
/// layers' passes those of include/gan/device/. Its operations are those of gan::Cpu (see
/// core/backend.hpp), and give the same results to within rounding: every value is computed
/// by one independent device computation, and sums are taken in double.
///
/// Nothing here copies between the host and the device except to_host() and from_host(),
/// which generic code calls only for checkpoints and initialisation, and the reductions
/// (all_finite(), the losses and scores), whose one answer comes back.
template <typename Scalar>
struct Device {
  static_assert(std::is_same_v<Scalar, float> || std::is_same_v<Scalar, double>,
                "gan::Device: the scalar type must be float or double");

  using scalar_type = Scalar;
  using matrix_type = device::Matrix<Scalar>;
  using vector_type = device::Buffer<Scalar>;
  using vector_view = device::VectorView<Scalar>;
  using const_vector_view = device::VectorView<const Scalar>;

  static constexpr bool on_device = true;
  /// "cuda", or the name of the Thrust CPU system the program was built for ("cpp", "omp").
  static constexpr const char* name = device::system_name;

  static vector_type zeros(std::size_t size) { return vector_type(size); }
  static vector_type copy(const vector_type& values) { return values.clone(); }

  static vector_view view(vector_type& values) {
    return {values.data(), static_cast<std::ptrdiff_t>(values.size())};
  }
  static const_vector_view view(const vector_type& values) {
    return {values.data(), static_cast<std::ptrdiff_t>(values.size())};
  }

  static Vector<Scalar> to_host(const_vector_view values) {
    Vector<Scalar> host(static_cast<Eigen::Index>(values.size));
    thrust::copy(pointer(values.data), pointer(values.data) + values.size, host.data());
    return host;
  }
  static void from_host(ConstVectorRef<Scalar> host, vector_view values) {
    GAN_ASSERT(host.size() == values.size, "Device::from_host: sizes differ");
    thrust::copy(host.data(), host.data() + host.size(), pointer(values.data));
  }

  static void fill(vector_view values, Scalar value) {
    thrust::fill(device::detail::step_policy(), pointer(values.data),
                 pointer(values.data) + values.size, value);
  }

  static void clamp(vector_view values, Scalar low, Scalar high) {
    thrust::transform(device::detail::step_policy(), pointer(values.data),
                      pointer(values.data) + values.size, pointer(values.data),
                      device::detail::Clamp<Scalar>{low, high});
  }

  static void blend(vector_view average, const_vector_view values, Scalar decay) {
    GAN_ASSERT(average.size == values.size, "Device::blend: sizes differ");
    thrust::transform(device::detail::step_policy(), pointer(average.data),
                      pointer(average.data) + average.size, pointer(values.data),
                      pointer(average.data), device::detail::Blend<Scalar>{decay});
  }

  static bool all_finite(const_vector_view values) {
    return device::all_finite(values.data, values.size);
  }

  static matrix_type matrix_from_host(const Matrix<Scalar>& host) {
    return device::to_device(host);
  }
  static Matrix<Scalar> matrix_to_host(const matrix_type& values) {
    return device::to_host(values);
  }

  using index_buffer = device::Buffer<std::uint64_t>;
  static void indices_from_host(const std::vector<std::uint64_t>& host, index_buffer& indices) {
    indices.resize_discarding(host.size());
    indices.copy_from_host(host);
  }
  static void gather_columns(const matrix_type& samples, const index_buffer& order,
                             std::size_t first, std::size_t count, matrix_type& batch) {
    device::gather_columns(samples, order.data(), static_cast<std::ptrdiff_t>(first),
                           static_cast<std::ptrdiff_t>(count), batch);
  }

  static void assign(const matrix_type& source, matrix_type& destination) {
    if (&source == &destination) return;
    destination.resize(source.rows(), source.cols());
    thrust::copy(device::detail::step_policy(), source.begin(), source.end(), destination.begin());
  }
  static void join_columns(const matrix_type& left, const matrix_type& right,
                           matrix_type& destination) {
    GAN_ASSERT(left.rows() == right.rows(), "Device::join_columns: row counts differ");
    destination.resize(left.rows(), left.cols() + right.cols());
    // Column-major: the columns of each are one run of memory.
    thrust::copy(device::detail::step_policy(), left.begin(), left.end(), destination.begin());
    thrust::copy(device::detail::step_policy(), right.begin(), right.end(),
                 destination.begin() + left.size());
  }
  static void copy_columns(const matrix_type& source, std::ptrdiff_t first, std::ptrdiff_t count,
                           matrix_type& destination) {
    GAN_ASSERT(first >= 0 && count >= 0 && first + count <= source.cols(),
               "Device::copy_columns: columns out of range");
    destination.resize(source.rows(), count);
    const auto begin = source.begin() + first * source.rows();
    thrust::copy(device::detail::step_policy(), begin, begin + count * source.rows(),
                 destination.begin());
  }

  /// Runs `function`, turning a failure inside a Thrust algorithm (a kernel launch, a copy,
  /// the temporary memory of a reduction) into gan::DeviceError with Thrust's text. A
  /// DeviceError of our own, or any other error, passes through unchanged.
  template <typename Function>
  static decltype(auto) guarded(Function&& function) {
    try {
      return std::forward<Function>(function)();
    } catch (const thrust::system_error& error) {
      throw DeviceError(message("gan::device (", device::system_name,
                                "): a device operation failed: ", error.what(),
                                "; the networks may be part-updated, so continue from the last "
                                "checkpoint"));
    } catch (const DeviceError&) {
      throw;
    } catch (const std::bad_alloc& error) {
      device::require_gpu();
      throw DeviceError(message("gan::device (", device::system_name,
                                "): expected device memory for a temporary buffer, got an "
                                "allocation failure (",
                                error.what(), "); use a smaller batch or free the device"));
    }
  }

  /// A policy made of per-logit terms (RealTerm, FakeTerm, GeneratorTerm) is computed on the
  /// device. Any other (the relativistic loss, whose terms depend on batch means) is computed
  /// on the host by its own functions: the logits are one row per batch, so the copies are
  /// small next to the passes that produced them.
  template <typename Loss>
  static double discriminator_loss(const matrix_type& real_logits, const matrix_type& fake_logits,
                                   matrix_type& real_gradient, matrix_type& fake_gradient) {
    if constexpr (gan::detail::PerLogitLoss<Loss>) {
      return device::discriminator_loss<Loss>(real_logits, fake_logits, real_gradient,
                                              fake_gradient);
    } else {
      Matrix<Scalar> real_host_gradient, fake_host_gradient;
      const double loss = Loss::discriminator_loss(matrix_to_host(real_logits),
                                                   matrix_to_host(fake_logits),
                                                   real_host_gradient, fake_host_gradient);
      device::copy_to_device(real_host_gradient, real_gradient);
      device::copy_to_device(fake_host_gradient, fake_gradient);
      return loss;
    }
  }
  template <typename Loss>
  static double generator_loss(const matrix_type& fake_logits, matrix_type& fake_gradient) {
    if constexpr (gan::detail::PerLogitLoss<Loss>) {
      return device::generator_loss<Loss>(fake_logits, fake_gradient);
    } else {
      Matrix<Scalar> host_gradient;
      const double loss = Loss::generator_loss(matrix_to_host(fake_logits), host_gradient);
      device::copy_to_device(host_gradient, fake_gradient);
      return loss;
    }
  }
  template <typename Loss>
  static double generator_loss(const matrix_type& real_logits, const matrix_type& fake_logits,
                               matrix_type& fake_gradient) {
    Matrix<Scalar> host_gradient;
    const double loss = Loss::generator_loss(matrix_to_host(real_logits),
                                             matrix_to_host(fake_logits), host_gradient);
    device::copy_to_device(host_gradient, fake_gradient);
    return loss;
  }
  template <typename Loss>
  static double mean_score(const matrix_type& logits) {
    if constexpr (gan::detail::PerLogitLoss<Loss>) {
      return device::mean_score<Loss>(logits);
    } else {
      const Matrix<Scalar> host = matrix_to_host(logits);
      double total = 0;
      for (Eigen::Index i = 0; i < host.size(); ++i) total += Loss::score(host(i));
      return total / static_cast<double>(host.size());
    }
  }

 private:
  template <typename T>
  static thrust::device_ptr<T> pointer(T* address) {
    return thrust::device_pointer_cast(address);
  }
};

}  // namespace gan
