// SPDX-License-Identifier: MIT
// Tests of device/random.hpp: noise drawn on the device is the CPU's noise, value for value,
// and leaves the stream where the CPU's draws would.
#include <boost/test/unit_test.hpp>

#include <gan/core/random.hpp>
#include <gan/device/random.hpp>

#include <cstdint>

BOOST_AUTO_TEST_SUITE(device_random)

namespace {

/// The stream after `skip` 32-bit outputs, so that draws start in the middle of a block.
gan::Rng stream_at(std::uint64_t seed, int skip) {
  gan::Rng rng(seed);
  for (int i = 0; i < skip; ++i) rng.next_u32();
  return rng;
}

}  // namespace

BOOST_AUTO_TEST_CASE(normal_noise_is_the_cpus_draws_in_order) {
  for (const int skip : {0, 1, 3}) {
    BOOST_TEST_CONTEXT("starting " << skip << " outputs into the stream") {
      gan::Rng host_rng = stream_at(42, skip);
      gan::Rng device_rng = stream_at(42, skip);
      gan::Matrix<float> expected(10, 13);
      for (Eigen::Index i = 0; i < expected.size(); ++i)
        expected(i) = static_cast<float>(host_rng.normal());

      gan::device::Matrix<float> noise(10, 13);
      gan::device::fill_normal(noise, device_rng);
      // The same arithmetic on the same bits: equal, not just close.
      BOOST_TEST((gan::device::to_host(noise) == expected));
      BOOST_TEST((device_rng.state() == host_rng.state()));
      BOOST_TEST(device_rng.next_u32() == host_rng.next_u32());
    }
  }
}

// An interval whose width and start make low + width * u round differently when the two are
// fused into one multiply-add, as nvcc would by default.
BOOST_AUTO_TEST_CASE(uniform_noise_is_the_cpus_draws_in_order) {
  for (const int skip : {0, 2, 3}) {
    BOOST_TEST_CONTEXT("starting " << skip << " outputs into the stream") {
      gan::Rng host_rng = stream_at(7, skip);
      gan::Rng device_rng = stream_at(7, skip);
      gan::Matrix<double> expected(6, 9);
      for (Eigen::Index i = 0; i < expected.size(); ++i) expected(i) = host_rng.uniform(0.1, 0.4);

      gan::device::Matrix<double> noise(6, 9);
      gan::device::fill_uniform(noise, device_rng, 0.1, 0.4);
      BOOST_TEST((gan::device::to_host(noise) == expected));
      BOOST_TEST((device_rng.state() == host_rng.state()));
    }
  }
}

BOOST_AUTO_TEST_CASE(philox_output_reads_any_position_of_the_stream) {
  gan::Rng rng(0x123456789abcdefULL);
  for (std::uint64_t position = 0; position < 11; ++position)
    BOOST_TEST(gan::Philox::output(0x123456789abcdefULL, position) == rng.next_u32());
}

BOOST_AUTO_TEST_CASE(philox_four_outputs_are_four_consecutive_outputs_from_any_position) {
  for (std::uint64_t position = 0; position < 9; ++position) {
    std::uint32_t four[4] = {};
    gan::Philox::four_outputs(99, position, four);
    for (std::uint64_t i = 0; i < 4; ++i)
      BOOST_TEST(four[i] == gan::Philox::output(99, position + i));
  }
}

BOOST_AUTO_TEST_SUITE_END()
