// SPDX-License-Identifier: MIT
// Test support for the convolution layers: channels-last indexing, layers bound to buffers of
// their own, and random batches.
#pragma once

#include <gan/core/random.hpp>
#include <gan/core/tensor.hpp>

#include <Eigen/Core>

#include <cstddef>
#include <cstdint>

namespace gan::test_support {

/// The row of value (c, y, x) of an image sample stored channels-last, as core/shape.hpp lays
/// images out: (y * width + x) * channels + c.
constexpr Eigen::Index channels_last(Eigen::Index c, Eigen::Index y, Eigen::Index x,
                                     Eigen::Index channels, Eigen::Index width) {
  return (y * width + x) * channels + c;
}

/// Spec's layer for InputShape, bound to parameter and gradient vectors of its own, with the
/// parameters drawn by the layer's default initialisation from gan::Rng(seed) and the
/// gradients zero. Not copyable: the layer points into the vectors.
template <typename Spec, typename InputShape, typename Scalar>
struct StandaloneLayer {
  using Layer = typename Spec::template Layer<Scalar, InputShape>;

  gan::Vector<Scalar> parameters = gan::Vector<Scalar>::Zero(Layer::parameter_count);
  gan::Vector<Scalar> gradients = gan::Vector<Scalar>::Zero(Layer::parameter_count);
  Layer layer{Spec{}};

  explicit StandaloneLayer(std::uint64_t seed) {
    layer.bind(parameters.data(), gradients.data());
    gan::Rng rng(seed);
    layer.initialize(rng);
  }
  StandaloneLayer(const StandaloneLayer&) = delete;
  StandaloneLayer& operator=(const StandaloneLayer&) = delete;
};

/// A [rows, cols] matrix of values uniform on [-1, 1], drawn from gan::Rng(seed).
template <typename Scalar>
gan::Matrix<Scalar> uniform_matrix(Eigen::Index rows, Eigen::Index cols, std::uint64_t seed) {
  gan::Rng rng(seed);
  gan::Matrix<Scalar> values(rows, cols);
  for (Eigen::Index i = 0; i < values.size(); ++i)
    values(i) = static_cast<Scalar>(rng.uniform(-1.0, 1.0));
  return values;
}

}  // namespace gan::test_support
