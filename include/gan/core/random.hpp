// SPDX-License-Identifier: MIT
// The framework's random numbers: a counter-based Philox generator and the draws built on it.
#pragma once

#include <gan/core/config.hpp>

#include <array>
#include <cmath>
#include <cstdint>
#include <numbers>

namespace gan {

/// Philox4x32-10, a counter-based generator (Salmon et al. 2011, "Parallel random numbers: as
/// easy as 1, 2, 3").
///
/// Each 128-bit counter value maps to four independent 32-bit outputs under a 64-bit key, so a
/// stream can be split or resumed from just (key, counter), with no hidden state. That makes a
/// checkpoint of the generator two integers, and lets a device backend draw the same numbers in
/// any launch order.
class Philox {
 public:
  using Block = std::array<std::uint32_t, 4>;

  /// Maps one counter to its four outputs under the given key.
  static constexpr Block generate(Block counter, std::array<std::uint32_t, 2> key) {
    rounds(counter[0], counter[1], counter[2], counter[3], key[0], key[1]);
    return counter;
  }

  /// Output `position` of the stream under `seed`: lane position % 4 of the block for counter
  /// position / 4, the key being the seed. What Rng reads in order, a device kernel can read
  /// for any position, in any order.
  GAN_HOST_DEVICE static constexpr std::uint32_t output(std::uint64_t seed,
                                                        std::uint64_t position) {
    std::uint32_t lanes[4] = {};
    block(seed, position / 4, lanes);
    return lanes[position % 4];
  }

  /// Outputs position to position + 3 of the stream under `seed` into `values`: one block's
  /// work where `position` starts a block, two otherwise (a normal draw reads four).
  GAN_HOST_DEVICE static constexpr void four_outputs(std::uint64_t seed, std::uint64_t position,
                                                     std::uint32_t (&values)[4]) {
    std::uint32_t first[4] = {};
    block(seed, position / 4, first);
    const auto lane = static_cast<int>(position % 4);
    if (lane == 0) {
      for (int i = 0; i < 4; ++i) values[i] = first[i];
      return;
    }
    std::uint32_t second[4] = {};
    block(seed, position / 4 + 1, second);
    for (int i = 0; i < 4; ++i) values[i] = lane + i < 4 ? first[lane + i] : second[lane + i - 4];
  }

  /// The four outputs of block `counter` (outputs 4 * counter to 4 * counter + 3).
  GAN_HOST_DEVICE static constexpr void block(std::uint64_t seed, std::uint64_t counter,
                                              std::uint32_t (&lanes)[4]) {
    lanes[0] = static_cast<std::uint32_t>(counter);
    lanes[1] = static_cast<std::uint32_t>(counter >> 32);
    lanes[2] = 0;
    lanes[3] = 0;
    rounds(lanes[0], lanes[1], lanes[2], lanes[3], static_cast<std::uint32_t>(seed),
           static_cast<std::uint32_t>(seed >> 32));
  }

 private:
  // The ten rounds on plain integers, which device code can use (std::array is host-only
  // there).
  GAN_HOST_DEVICE static constexpr void rounds(std::uint32_t& c0, std::uint32_t& c1,
                                               std::uint32_t& c2, std::uint32_t& c3,
                                               std::uint32_t k0, std::uint32_t k1) {
    for (int round = 0; round < 10; ++round) {
      if (round > 0) {
        k0 += kWeyl0;
        k1 += kWeyl1;
      }
      const std::uint64_t product0 = std::uint64_t{kMultiplier0} * c0;
      const std::uint64_t product1 = std::uint64_t{kMultiplier1} * c2;
      const std::uint32_t next0 = static_cast<std::uint32_t>(product1 >> 32) ^ c1 ^ k0;
      const std::uint32_t next2 = static_cast<std::uint32_t>(product0 >> 32) ^ c3 ^ k1;
      c1 = static_cast<std::uint32_t>(product1);
      c3 = static_cast<std::uint32_t>(product0);
      c0 = next0;
      c2 = next2;
    }
  }

  static constexpr std::uint32_t kMultiplier0 = 0xD2511F53u;
  static constexpr std::uint32_t kMultiplier1 = 0xCD9E8D57u;
  static constexpr std::uint32_t kWeyl0 = 0x9E3779B9u;  // golden ratio
  static constexpr std::uint32_t kWeyl1 = 0xBB67AE85u;  // sqrt(3) - 1
};

namespace detail {

/// Uniform on [0, 1) with 53 random bits, from two 32-bit outputs: 27 bits of the first and
/// 26 of the second.
GAN_HOST_DEVICE inline double uniform_from(std::uint32_t first, std::uint32_t second) {
  const std::uint64_t high = first >> 5;
  const std::uint64_t low = second >> 6;
  return static_cast<double>((high << 26) | low) * 0x1.0p-53;
}

/// Standard normal by the Box-Muller transform, from four 32-bit outputs (two uniforms).
GAN_HOST_DEVICE inline double normal_from(std::uint32_t a, std::uint32_t b, std::uint32_t c,
                                          std::uint32_t d) {
  const double u1 = 1.0 - uniform_from(a, b);  // in (0, 1], so the log is finite
  const double u2 = uniform_from(c, d);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

/// low + width * u, rounded after the product and after the sum even where the compiler would
/// fuse them into one multiply-add (nvcc does by default), so that the device's uniform draws
/// are the CPU's.
GAN_HOST_DEVICE inline double affine(double low, double width, double u) {
#if defined(__CUDA_ARCH__)
  return __dadd_rn(low, __dmul_rn(width, u));
#else
  return low + width * u;
#endif
}

}  // namespace detail

/// A stream of random numbers: Philox under a key taken from the seed, read block by block.
///
/// The whole state is (seed, position): two runs with the same seed draw the same numbers, and
/// a run restored to a saved position continues exactly where it left off.
class Rng {
 public:
  /// The state needed to resume the stream; saved in checkpoints.
  struct State {
    std::uint64_t seed = 0;
    std::uint64_t position = 0;  ///< number of 32-bit outputs consumed so far
    friend bool operator==(const State&, const State&) = default;
  };

  explicit Rng(std::uint64_t seed = 0) : state_{seed, 0} {}

  /// The current state, to save.
  State state() const noexcept { return state_; }
  /// Continues from a saved state.
  void restore(const State& state) noexcept {
    state_ = state;
    cache_valid_ = false;  // the cached block belongs to the old seed
  }

  /// The next uniformly distributed 32-bit integer.
  std::uint32_t next_u32() noexcept {
    const std::uint64_t block = state_.position / 4;
    const auto lane = static_cast<std::size_t>(state_.position % 4);
    if (block != cached_block_ || !cache_valid_) {
      cache_ = Philox::generate(
          {static_cast<std::uint32_t>(block), static_cast<std::uint32_t>(block >> 32), 0u, 0u},
          {static_cast<std::uint32_t>(state_.seed), static_cast<std::uint32_t>(state_.seed >> 32)});
      cached_block_ = block;
      cache_valid_ = true;
    }
    ++state_.position;
    return cache_[lane];
  }

  /// Uniform on [0, 1), with 53 random bits.
  double uniform() noexcept {
    const std::uint32_t first = next_u32();
    return detail::uniform_from(first, next_u32());
  }

  /// Uniform on [low, high).
  double uniform(double low, double high) noexcept {
    return detail::affine(low, high - low, uniform());
  }

  /// Standard normal, by the Box-Muller transform (one pair of uniforms per draw, so the
  /// stream position advances by a fixed amount per value and resumes cleanly).
  double normal() noexcept {
    const std::uint32_t a = next_u32();
    const std::uint32_t b = next_u32();
    const std::uint32_t c = next_u32();
    return detail::normal_from(a, b, c, next_u32());
  }

  /// Uniform integer in [0, bound), without modulo bias (values past the largest multiple
  /// of bound are drawn again).
  std::uint64_t below(std::uint64_t bound) noexcept {
    if (bound <= 1) return 0;
    const std::uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
    for (;;) {
      const std::uint64_t x = (std::uint64_t{next_u32()} << 32) | next_u32();
      if (x < limit) return x % bound;
    }
  }

 private:
  State state_;
  std::uint64_t cached_block_ = 0;
  bool cache_valid_ = false;
  Philox::Block cache_{};
};

}  // namespace gan
