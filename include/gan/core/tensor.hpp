// SPDX-License-Identifier: MIT
// The CPU backend's storage types: Eigen matrices laid out as [features, batch].
#pragma once

#include <Eigen/Core>

namespace gan {

/// A batch of activations or a weight matrix on the CPU.
///
/// Batches are column-major with one sample per column, [features, batch], so each sample is
/// contiguous in memory and a dense layer is a single GEMM: out = W * in.
template <typename Scalar>
using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::ColMajor>;

/// A flat parameter or state vector.
template <typename Scalar>
using Vector = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;

/// A writable view of a matrix stored elsewhere (a network's flat parameter buffer).
template <typename Scalar>
using MatrixMap = Eigen::Map<Matrix<Scalar>>;

/// A writable view of a vector stored elsewhere.
template <typename Scalar>
using VectorMap = Eigen::Map<Vector<Scalar>>;

/// A read-only view of a vector stored elsewhere.
template <typename Scalar>
using ConstVectorMap = Eigen::Map<const Vector<Scalar>>;

/// What optimizers take: any writable vector storage (a Vector, or a network's parameter view).
template <typename Scalar>
using VectorRef = Eigen::Ref<Vector<Scalar>>;

/// Any read-only vector storage.
template <typename Scalar>
using ConstVectorRef = Eigen::Ref<const Vector<Scalar>>;

}  // namespace gan
