// SPDX-License-Identifier: MIT
// The framework's random numbers: a counter-based Philox generator and the draws built on it.
#pragma once

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
    for (int round = 0; round < 10; ++round) {
      if (round > 0) {
        key[0] += kWeyl0;
        key[1] += kWeyl1;
      }
      const std::uint64_t product0 = std::uint64_t{kMultiplier0} * counter[0];
      const std::uint64_t product1 = std::uint64_t{kMultiplier1} * counter[2];
      counter = {static_cast<std::uint32_t>(product1 >> 32) ^ counter[1] ^ key[0],
                 static_cast<std::uint32_t>(product1),
                 static_cast<std::uint32_t>(product0 >> 32) ^ counter[3] ^ key[1],
                 static_cast<std::uint32_t>(product0)};
    }
    return counter;
  }

 private:
  static constexpr std::uint32_t kMultiplier0 = 0xD2511F53u;
  static constexpr std::uint32_t kMultiplier1 = 0xCD9E8D57u;
  static constexpr std::uint32_t kWeyl0 = 0x9E3779B9u;  // golden ratio
  static constexpr std::uint32_t kWeyl1 = 0xBB67AE85u;  // sqrt(3) - 1
};

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
    const std::uint64_t high = next_u32() >> 5;  // 27 bits
    const std::uint64_t low = next_u32() >> 6;   // 26 bits
    return static_cast<double>((high << 26) | low) * 0x1.0p-53;
  }

  /// Uniform on [low, high).
  double uniform(double low, double high) noexcept { return low + (high - low) * uniform(); }

  /// Standard normal, by the Box-Muller transform (one pair of uniforms per draw, so the
  /// stream position advances by a fixed amount per value and resumes cleanly).
  double normal() noexcept {
    const double u1 = 1.0 - uniform();  // in (0, 1], so the log is finite
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
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
