// SPDX-License-Identifier: MIT
// Tests of core/random.hpp: Philox4x32-10 against the Random123 known answers, the stream
// layout, resuming from a saved state, and the distributions built on it.
#define BOOST_TEST_MODULE random
#include <boost/test/unit_test.hpp>

#include <gan/core/random.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <vector>

namespace {

using Block = gan::Philox::Block;
using Key = std::array<std::uint32_t, 2>;

/// `count` 32-bit outputs of `rng`.
std::vector<std::uint32_t> draw(gan::Rng& rng, std::size_t count) {
  std::vector<std::uint32_t> values(count);
  for (auto& value : values) value = rng.next_u32();
  return values;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(philox)

BOOST_AUTO_TEST_CASE(matches_the_random123_known_answer_vectors) {
  // kat_vectors of Random123 1.09, philox4x32 with 10 rounds: counter, key -> output.
  constexpr Block zero = gan::Philox::generate({0, 0, 0, 0}, {0, 0});  // usable at compile time
  BOOST_TEST(zero == (Block{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}),
             boost::test_tools::per_element());
  const Block ones = gan::Philox::generate({0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff},
                                           {0xffffffff, 0xffffffff});
  BOOST_TEST(ones == (Block{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}),
             boost::test_tools::per_element());
  // The digits of pi as counter and key.
  const Block pi = gan::Philox::generate({0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344},
                                         {0xa4093822, 0x299f31d0});
  BOOST_TEST(pi == (Block{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(rng)

BOOST_AUTO_TEST_CASE(reads_philox_blocks_in_counter_order_under_the_seed_as_key) {
  const std::uint64_t seed = 0x0123456789abcdefULL;
  BOOST_TEST_CONTEXT("seed " << seed) {
    gan::Rng rng(seed);
    const Key key = {0x89abcdefu, 0x01234567u};
    const Block first = gan::Philox::generate({0, 0, 0, 0}, key);
    const Block second = gan::Philox::generate({1, 0, 0, 0}, key);
    const std::vector<std::uint32_t> values = draw(rng, 8);
    for (std::size_t i = 0; i < 4; ++i) {
      BOOST_TEST(values[i] == first[i], "output " << i);
      BOOST_TEST(values[4 + i] == second[i], "output " << 4 + i);
    }
    BOOST_TEST(rng.state().position == 8u);
    BOOST_TEST(rng.state().seed == seed);
  }
}

BOOST_AUTO_TEST_CASE(same_seed_gives_the_same_stream_and_another_seed_another) {
  gan::Rng a(42);
  gan::Rng b(42);
  gan::Rng c(43);
  const auto from_a = draw(a, 16);
  BOOST_TEST(from_a == draw(b, 16), boost::test_tools::per_element());
  BOOST_TEST(from_a != draw(c, 16));
}

BOOST_AUTO_TEST_CASE(each_draw_advances_the_position_by_a_fixed_amount) {
  gan::Rng rng(7);
  rng.next_u32();
  BOOST_TEST(rng.state().position == 1u);
  rng.uniform();
  BOOST_TEST(rng.state().position == 3u);
  rng.normal();
  BOOST_TEST(rng.state().position == 7u);
}

BOOST_AUTO_TEST_CASE(restore_into_a_fresh_generator_continues_identically) {
  const std::uint64_t seed = 1234;
  BOOST_TEST_CONTEXT("seed " << seed) {
    gan::Rng original(seed);
    draw(original, 7);  // mid-block, so the restored one must start inside a block
    const gan::Rng::State saved = original.state();
    const auto expected = draw(original, 13);

    gan::Rng resumed;
    resumed.restore(saved);
    BOOST_TEST((resumed.state() == saved));
    BOOST_TEST(draw(resumed, 13) == expected, boost::test_tools::per_element());
  }
}

BOOST_AUTO_TEST_CASE(restore_rewinds_a_generator_to_an_earlier_position) {
  const std::uint64_t seed = 99;
  BOOST_TEST_CONTEXT("seed " << seed) {
    gan::Rng rng(seed);
    draw(rng, 5);
    const gan::Rng::State saved = rng.state();
    const double first_normal = rng.normal();
    const double first_uniform = rng.uniform();
    draw(rng, 40);
    rng.restore(saved);
    BOOST_TEST(rng.normal() == first_normal);
    BOOST_TEST(rng.uniform() == first_uniform);
  }
}

BOOST_AUTO_TEST_CASE(restore_into_a_generator_that_drew_under_another_seed_continues_identically) {
  // A trainer restores its checkpointed stream into an Rng that has already drawn numbers
  // under its own seed (for initialisation), often in the same block as the saved position.
  const std::uint64_t saved_seed = 2;
  BOOST_TEST_CONTEXT("saved seed " << saved_seed << ", other seed 1") {
    gan::Rng original(saved_seed);
    const gan::Rng::State saved = original.state();
    const auto expected = draw(original, 8);

    gan::Rng other(1);
    draw(other, 1);
    other.restore(saved);
    BOOST_TEST(draw(other, 8) == expected, boost::test_tools::per_element());
  }
}

BOOST_AUTO_TEST_CASE(normal_has_zero_mean_and_unit_variance) {
  // 200 000 draws: the standard error of the mean is 0.0022 and of the variance 0.0032, and
  // P(|x| < 1) = 0.6827 has standard error 0.0010; the bounds are 4.5 to 5 standard errors.
  const std::uint64_t seed = 2024;
  BOOST_TEST_CONTEXT("seed " << seed) {
    gan::Rng rng(seed);
    const int count = 200000;
    double sum = 0;
    double sum_of_squares = 0;
    int within_one = 0;
    bool all_finite = true;
    for (int i = 0; i < count; ++i) {
      const double x = rng.normal();
      all_finite = all_finite && std::isfinite(x);
      sum += x;
      sum_of_squares += x * x;
      within_one += std::abs(x) < 1 ? 1 : 0;
    }
    const double mean = sum / count;
    const double variance = sum_of_squares / count - mean * mean;
    BOOST_TEST(all_finite);
    BOOST_TEST(std::abs(mean) <= 0.01);
    BOOST_TEST(std::abs(variance - 1.0) <= 0.015);
    BOOST_TEST(std::abs(static_cast<double>(within_one) / count - 0.6827) <= 0.005);
  }
}

BOOST_AUTO_TEST_CASE(uniform_stays_in_its_half_open_range) {
  const std::uint64_t seed = 5;
  BOOST_TEST_CONTEXT("seed " << seed) {
    gan::Rng rng(seed);
    const int count = 100000;
    double low = 1;
    double high = 0;
    double sum = 0;
    for (int i = 0; i < count; ++i) {
      const double u = rng.uniform();
      low = std::min(low, u);
      high = std::max(high, u);
      sum += u;
    }
    BOOST_TEST(low >= 0.0);
    BOOST_TEST(high < 1.0);
    // Both ends are approached, and the mean is within 5.5 standard errors (0.0009) of 1/2.
    BOOST_TEST(low < 1e-3);
    BOOST_TEST(high > 1 - 1e-3);
    BOOST_TEST(std::abs(sum / count - 0.5) <= 0.005);

    bool in_range = true;
    for (int i = 0; i < 10000; ++i) {
      const double x = rng.uniform(-3.0, 5.0);
      in_range = in_range && x >= -3.0 && x < 5.0;
    }
    BOOST_TEST(in_range);
  }
}

BOOST_AUTO_TEST_CASE(below_stays_in_range_and_is_roughly_uniform) {
  const std::uint64_t seed = 77;
  BOOST_TEST_CONTEXT("seed " << seed) {
    gan::Rng rng(seed);
    std::array<int, 7> counts{};
    bool in_range = true;
    for (int i = 0; i < 70000; ++i) {
      const std::uint64_t k = rng.below(7);
      in_range = in_range && k < 7;
      if (k < 7) ++counts[k];
    }
    BOOST_TEST(in_range);
    // Each count is binomial(70000, 1/7): mean 10000, standard deviation 93; bound 5.4 sd.
    for (std::size_t k = 0; k < counts.size(); ++k)
      BOOST_TEST(std::abs(counts[k] - 10000) <= 500, "value " << k << " drawn " << counts[k]);

    BOOST_TEST(rng.below(0) == 0u);
    BOOST_TEST(rng.below(1) == 0u);
    const std::uint64_t large = (std::uint64_t{1} << 40) + 3;
    bool large_in_range = true;
    for (int i = 0; i < 1000; ++i) large_in_range = large_in_range && rng.below(large) < large;
    BOOST_TEST(large_in_range);
  }
}

BOOST_AUTO_TEST_SUITE_END()
