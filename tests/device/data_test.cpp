// SPDX-License-Identifier: MIT
// Tests of device/data.hpp: batches gathered on the device, and the finiteness check.
#include <boost/test/unit_test.hpp>

#include <gan/device/data.hpp>

#include "support/convolution_checks.hpp"
#include "support/expected_errors.hpp"

#include <cstdint>
#include <limits>
#include <span>
#include <vector>

BOOST_AUTO_TEST_SUITE(device_data)

namespace {

using namespace gan::test_support;

gan::device::Buffer<std::uint64_t> device_order(const std::vector<std::uint64_t>& order) {
  gan::device::Buffer<std::uint64_t> device(order.size());
  device.copy_from_host(order);
  return device;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_gathered_batch_holds_the_ordered_samples) {
  const gan::Matrix<float> samples = uniform_matrix<float>(5, 7, 51);
  const auto device_samples = gan::device::to_device(samples);
  const std::vector<std::uint64_t> order = {6, 2, 0, 5, 1, 3, 4};
  const auto device_indices = device_order(order);
  gan::device::Matrix<float> batch;
  gan::device::gather_columns(device_samples, device_indices.data(), 2, 3, batch);
  const gan::Matrix<float> found = gan::device::to_host(batch);
  BOOST_TEST(found.rows() == 5);
  BOOST_TEST(found.cols() == 3);
  for (Eigen::Index j = 0; j < 3; ++j)
    BOOST_TEST((found.col(j) == samples.col(static_cast<Eigen::Index>(order[2 + j]))));
  gan::test_support::check_throws<std::invalid_argument>(
      [&] { gan::device::gather_columns(device_samples, device_indices.data(), 0, 0, batch); },
      {"gan::device::gather_columns", "at least one sample", "got 0"});
}

BOOST_AUTO_TEST_CASE(all_finite_finds_one_nan_or_infinity_anywhere) {
  gan::Matrix<double> values = uniform_matrix<double>(4, 100, 52);
  BOOST_TEST(gan::device::all_finite(gan::device::to_device(values).data(), values.size()));
  for (const double bad :
       {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity(),
        -std::numeric_limits<double>::infinity()}) {
    gan::Matrix<double> spoiled = values;
    spoiled(3, 99) = bad;
    BOOST_TEST(!gan::device::all_finite(gan::device::to_device(spoiled).data(), spoiled.size()));
  }
  BOOST_TEST(gan::device::all_finite<double>(nullptr, 0));  // no values: none is not finite
}

BOOST_AUTO_TEST_SUITE_END()
