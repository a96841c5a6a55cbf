// SPDX-License-Identifier: MIT
// Backends: where a network's numbers live and which code computes on them. The CPU backend is
// defined here; the device backend, gan::Device, in gan/device/backend.hpp.
#pragma once

#include <gan/core/error.hpp>
#include <gan/core/tensor.hpp>

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>
#include <vector>

namespace gan {

/// The CPU backend: batches are Eigen matrices ([features, batch], column-major), flat
/// parameter buffers Eigen vectors, and the layers' passes Eigen products on OpenMP threads.
///
/// A backend names its scalar, its batch matrix and its flat vector, and gives the few
/// operations that generic code (Network, the optimizers, the trainer) needs beyond a layer's
/// own passes, as static functions. Each layer gets its passes for a backend from a class
/// template specialised per backend beside it (DensePasses<Cpu<S>, ...> in layers/dense.hpp,
/// DensePasses<Device<S>, ...> in device/backend.hpp), so that the layer itself, its shapes,
/// parameters and bindings, is written once.
///
/// Where a backend is expected, a bare float or double means Cpu of it:
/// gan::Network<Architecture, float> is gan::Network<Architecture, gan::Cpu<float>>.
template <typename Scalar>
struct Cpu {
  static_assert(std::is_same_v<Scalar, float> || std::is_same_v<Scalar, double>,
                "gan::Cpu: the scalar type must be float or double");

  using scalar_type = Scalar;
  /// A batch, [features, batch], or a weight matrix.
  using matrix_type = Matrix<Scalar>;
  /// A flat buffer: a network's parameters, gradients or state, an optimizer's moments.
  using vector_type = Vector<Scalar>;
  /// A writable view of a flat buffer stored elsewhere (a network's parameters).
  using vector_view = VectorMap<Scalar>;
  /// A read-only view of one.
  using const_vector_view = ConstVectorMap<Scalar>;

  static constexpr bool on_device = false;
  /// The name a program's --device flag and its logs use.
  static constexpr const char* name = "cpu";

  /// `size` zeros.
  static vector_type zeros(std::size_t size) {
    return vector_type::Zero(static_cast<Eigen::Index>(size));
  }
  /// A copy of `values`.
  static vector_type copy(const vector_type& values) { return values; }

  /// A view of all of `values`.
  static vector_view view(vector_type& values) { return {values.data(), values.size()}; }
  static const_vector_view view(const vector_type& values) {
    return {values.data(), values.size()};
  }

  /// The values of a view, in host memory (for checkpoints, which store host values).
  static Vector<Scalar> to_host(const_vector_view values) { return values; }
  /// Copies host values into a view of the same size.
  static void from_host(ConstVectorRef<Scalar> host, vector_view values) {
    GAN_ASSERT(host.size() == values.size(), "Cpu::from_host: sizes differ");
    values = host;
  }

  /// average <- decay * average + (1 - decay) * values, value by value.
  static void blend(vector_view average, const_vector_view values, Scalar decay) {
    average = decay * average + (Scalar(1) - decay) * values;
  }

  /// Sets every value of a view to `value`.
  static void fill(vector_view values, Scalar value) { values.setConstant(value); }

  /// Limits every value of a view to [low, high] (a WGAN critic's weight clipping).
  static void clamp(vector_view values, Scalar low, Scalar high) {
    values = values.cwiseMax(low).cwiseMin(high);
  }

  /// Whether every value is finite.
  static bool all_finite(const_vector_view values) { return values.allFinite(); }

  /// A batch in this backend's memory from one in host memory, and back: a copy.
  static matrix_type matrix_from_host(const Matrix<Scalar>& host) { return host; }
  static Matrix<Scalar> matrix_to_host(const matrix_type& values) { return values; }

  /// Sample indices, as a data set's shuffled order: kept where gather_columns() reads them.
  using index_buffer = std::vector<std::uint64_t>;
  static void indices_from_host(const std::vector<std::uint64_t>& host, index_buffer& indices) {
    indices = host;
  }
  /// batch = the columns order[first], ..., order[first + count - 1] of `samples`.
  static void gather_columns(const matrix_type& samples, const index_buffer& order,
                             std::size_t first, std::size_t count, matrix_type& batch) {
    batch.resize(samples.rows(), static_cast<Eigen::Index>(count));
    for (std::size_t k = 0; k < count; ++k)
      batch.col(static_cast<Eigen::Index>(k)) =
          samples.col(static_cast<Eigen::Index>(order[first + k]));
  }

  /// destination = source, resized to match.
  static void assign(const matrix_type& source, matrix_type& destination) { destination = source; }
  /// destination = [left right], side by side; the columns of both, in that order.
  static void join_columns(const matrix_type& left, const matrix_type& right,
                           matrix_type& destination) {
    destination.resize(left.rows(), left.cols() + right.cols());
    destination.leftCols(left.cols()) = left;
    destination.rightCols(right.cols()) = right;
  }
  /// destination = columns [first, first + count) of `source`.
  static void copy_columns(const matrix_type& source, Eigen::Index first, Eigen::Index count,
                           matrix_type& destination) {
    destination = source.middleCols(first, count);
  }

  /// Runs `function` and returns what it returns. The device backend turns the errors of its
  /// algorithms into gan::DeviceError here; the CPU has none of its own to turn.
  template <typename Function>
  static decltype(auto) guarded(Function&& function) {
    return std::forward<Function>(function)();
  }

  /// A loss policy's discriminator loss and gradients, generator loss and gradient, and mean
  /// score, on the CPU: the policy's own functions.
  template <typename Loss>
  static double discriminator_loss(const matrix_type& real_logits, const matrix_type& fake_logits,
                                   matrix_type& real_gradient, matrix_type& fake_gradient) {
    return Loss::discriminator_loss(real_logits, fake_logits, real_gradient, fake_gradient);
  }
  template <typename Loss>
  static double generator_loss(const matrix_type& fake_logits, matrix_type& fake_gradient) {
    return Loss::generator_loss(fake_logits, fake_gradient);
  }
  /// The generator loss of a policy that also looks at D's outputs on real data.
  template <typename Loss>
  static double generator_loss(const matrix_type& real_logits, const matrix_type& fake_logits,
                               matrix_type& fake_gradient) {
    return Loss::generator_loss(real_logits, fake_logits, fake_gradient);
  }
  template <typename Loss>
  static double mean_score(const matrix_type& logits) {
    double total = 0;
    for (Eigen::Index i = 0; i < logits.size(); ++i) total += Loss::score(logits(i));
    return total / static_cast<double>(logits.size());
  }
};

/// The device backend: Thrust-backed device buffers, cuBLAS products under CUDA. Defined in
/// gan/device/backend.hpp, which a program includes to use it.
template <typename Scalar>
struct Device;

namespace detail {

template <typename T>
struct BackendOf {
  using type = T;
};
template <>
struct BackendOf<float> {
  using type = Cpu<float>;
};
template <>
struct BackendOf<double> {
  using type = Cpu<double>;
};

// What a layer specification's Layer template receives for a backend: the bare scalar for the
// CPU, so that layers written against a scalar type (as docs/extending.md shows) run on the
// CPU unchanged, and the backend itself otherwise.
template <typename B>
struct LayerArgument {
  using type = B;
};
template <typename Scalar>
struct LayerArgument<Cpu<Scalar>> {
  using type = Scalar;
};

}  // namespace detail

/// The backend a template argument names: Cpu<S> for a bare float or double S, else the
/// argument itself.
template <typename T>
using backend_t = typename detail::BackendOf<T>::type;

/// The scalar type of a backend (or of a bare scalar).
template <typename T>
using scalar_t = typename backend_t<T>::scalar_type;

/// What Network passes to Spec::Layer<..., InputShape> for backend B.
template <typename B>
using layer_argument_t = typename detail::LayerArgument<backend_t<B>>::type;

/// A backend, or a bare scalar standing for Cpu of it.
template <typename T>
concept Backend = requires {
  typename backend_t<T>::scalar_type;
  typename backend_t<T>::matrix_type;
  typename backend_t<T>::vector_type;
  { backend_t<T>::on_device } -> std::convertible_to<bool>;
};

}  // namespace gan
