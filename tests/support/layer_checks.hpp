// SPDX-License-Identifier: MIT
// Test support: initialised networks, and the shape and gradient checks every layer test runs.
#pragma once

#include <gan/core/random.hpp>
#include <gan/core/tensor.hpp>
#include <gan/testing/gradient_check.hpp>

#include <boost/test/unit_test.hpp>

#include <Eigen/Core>

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <utility>

namespace gan::test_support {

/// A network made from `arguments` and initialised from gan::Rng(seed).
/// @tparam Net a gan::Network
template <typename Net, typename... Arguments>
Net initialized(std::uint64_t seed, Arguments&&... arguments) {
  Net net(std::forward<Arguments>(arguments)...);
  gan::Rng rng(seed);
  net.initialize(rng);
  return net;
}

/// Whether a gradient check may skip entries at the kinks of piecewise-linear layers.
enum class Kinks { may_be_skipped, must_not_be_skipped };

/// Checks gan::testing::gradient_check of a Net made from `architecture` and initialised afresh
/// from each of `seeds` (which also draws the check's input of `batch_size` columns); with
/// Kinks::must_not_be_skipped it also requires that no entry was skipped at a kink. Each
/// failure names its seed and holds the report.
/// @tparam Net a gan::Network
template <typename Net>
void check_gradients_match_finite_differences(std::initializer_list<std::uint64_t> seeds,
                                              std::size_t batch_size, Kinks kinks,
                                              const typename Net::Architecture& architecture = {}) {
  for (const std::uint64_t seed : seeds) {
    BOOST_TEST_CONTEXT("seed " << seed) {
      const Net net = initialized<Net>(seed, architecture);
      const auto report =
          gan::testing::gradient_check(net, {.seed = seed, .batch_size = batch_size});
      BOOST_TEST(report.passed(), report.describe());
      if (kinks == Kinks::must_not_be_skipped)
        BOOST_TEST(report.parameters.skipped_at_kinks == 0u, report.describe());
    }
  }
}

/// Checks that a parameterless, entry-wise layer keeps the shape of its input: for batches of
/// 1 and 7 columns of `rows` entries equal to `value`, forward() gives [rows, batch] and
/// backward(), with that input as the output gradient, an input gradient of the same shape.
/// @tparam BoundLayer a layer bound to double and a shape of `rows` features
template <typename BoundLayer>
void check_keeps_the_shape_of_its_input(const BoundLayer& layer, Eigen::Index rows, double value) {
  for (const Eigen::Index batch : {1, 7}) {
    BOOST_TEST_CONTEXT("batch " << batch) {
      const gan::Matrix<double> input = gan::Matrix<double>::Constant(rows, batch, value);
      gan::Matrix<double> output;
      layer.forward(input, output);
      BOOST_TEST(output.rows() == rows);
      BOOST_TEST(output.cols() == batch);
      gan::Matrix<double> grad_in;
      layer.backward(input, output, input, &grad_in, true);
      BOOST_TEST(grad_in.rows() == rows);
      BOOST_TEST(grad_in.cols() == batch);
    }
  }
}

}  // namespace gan::test_support
