// SPDX-License-Identifier: MIT
// Test support: bit patterns of values, so that a test can require results identical to the bit.
#pragma once

#include <gan/core/tensor.hpp>

#include <Eigen/Core>

#include <bit>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <vector>

namespace gan::test_support {

/// The bit patterns of a vector's or matrix's entries, so that == means bit-identical (NaN
/// payloads and signed zeros included) and per_element() names the first entry that differs.
/// @tparam Derived an Eigen expression of float or double
template <typename Derived>
auto bits(const Eigen::DenseBase<Derived>& values) {
  using Scalar = typename Derived::Scalar;
  using Bits = std::conditional_t<sizeof(Scalar) == 4, std::uint32_t, std::uint64_t>;
  std::vector<Bits> result;
  for (Eigen::Index i = 0; i < values.size(); ++i)
    result.push_back(std::bit_cast<Bits>(values.derived().coeff(i)));
  return result;
}

/// The bit pattern of one double.
inline std::uint64_t bits(double value) { return std::bit_cast<std::uint64_t>(value); }

/// True when both vectors or matrices have the same size and hold the same bits, NaN payloads
/// and signed zeros included.
/// @tparam DerivedA, DerivedB Eigen expressions of the same scalar type, float or double
template <typename DerivedA, typename DerivedB>
bool bit_identical(const Eigen::DenseBase<DerivedA>& a, const Eigen::DenseBase<DerivedB>& b) {
  static_assert(std::is_same_v<typename DerivedA::Scalar, typename DerivedB::Scalar>,
                "bit_identical: both sides must have the same scalar type");
  return a.size() == b.size() && bits(a) == bits(b);
}

}  // namespace gan::test_support
