// SPDX-License-Identifier: MIT
// Noise on the device: the CPU's draws, computed in parallel.
#pragma once

#include <gan/core/random.hpp>
#include <gan/device/buffer.hpp>
#include <gan/device/config.hpp>
#include <gan/device/policy.hpp>

#include <thrust/iterator/counting_iterator.h>
#include <thrust/transform.h>

#include <cstdint>

namespace gan::device {
namespace detail {

/// Value i of a run of draws that each read a fixed number of outputs of the stream (seed,
/// position): 4 for a normal draw, 2 for a uniform one, from position + i * that number on.
/// Every value is computed from the counter alone, so the values do not depend on which
/// thread computes which, and they are the values gan::Rng gives when it draws them one after
/// another: bit for bit on Thrust's CPU systems and, for uniform draws, under CUDA; normal
/// draws under CUDA may differ in the last bit or two of the double (CUDA's log and cos are
/// not correctly rounded), which rounding to float almost always hides.
template <typename T, bool Normal>
struct StreamDraw {
  std::uint64_t seed;
  std::uint64_t position;
  double low;
  double width;

  GAN_HOST_DEVICE T operator()(std::uint64_t i) const {
    if constexpr (Normal) {
      std::uint32_t bits[4] = {};
      Philox::four_outputs(seed, position + 4 * i, bits);
      return static_cast<T>(gan::detail::normal_from(bits[0], bits[1], bits[2], bits[3]));
    } else {
      const std::uint64_t first = position + 2 * i;
      return static_cast<T>(gan::detail::affine(
          low, width,
          gan::detail::uniform_from(Philox::output(seed, first), Philox::output(seed, first + 1))));
    }
  }
};

template <typename T, bool Normal>
void fill_from_stream(Matrix<T>& values, Rng& rng, double low, double width) {
  const Rng::State state = rng.state();
  const auto count = static_cast<std::uint64_t>(values.size());
  thrust::transform(detail::step_policy(), thrust::counting_iterator<std::uint64_t>(0),
                    thrust::counting_iterator<std::uint64_t>(count), values.begin(),
                    StreamDraw<T, Normal>{state.seed, state.position, low, width});
  rng.restore({state.seed, state.position + count * (Normal ? 4 : 2)});
}

}  // namespace detail

/// Fills `values` with standard normal draws from `rng`, in column-major order, and advances
/// it past them: the same values (see detail::StreamDraw for CUDA's last bits), and the same
/// stream position afterwards, as rng.normal() called values.size() times.
template <typename T>
void fill_normal(Matrix<T>& values, Rng& rng) {
  detail::fill_from_stream<T, true>(values, rng, 0.0, 0.0);
}

/// Fills `values` with draws uniform on [low, high) from `rng`, as rng.uniform(low, high)
/// called values.size() times would.
template <typename T>
void fill_uniform(Matrix<T>& values, Rng& rng, double low, double high) {
  detail::fill_from_stream<T, false>(values, rng, low, high - low);
}

}  // namespace gan::device
