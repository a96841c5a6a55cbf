// SPDX-License-Identifier: MIT
// Tests of nn/network.hpp: gradients of a whole MLP, the three Backprop modes, gradient
// accumulation, copies, several Activations alive at once, and input validation.
#define BOOST_TEST_MODULE network
#include <boost/test/unit_test.hpp>

#include <gan/core/random.hpp>
#include <gan/core/tensor.hpp>
#include <gan/layers/conv2d.hpp>
#include <gan/layers/dense.hpp>
#include <gan/layers/leaky_relu.hpp>
#include <gan/layers/reshape.hpp>
#include <gan/layers/tanh.hpp>
#include <gan/nn/network.hpp>
#include <gan/nn/sequential.hpp>
#include <gan/testing/gradient_check.hpp>

#include "support/bits.hpp"
#include "support/expected_errors.hpp"
#include "support/layer_checks.hpp"

#ifdef _OPENMP
#include <omp.h>
#endif

#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace {

using namespace gan::test_support;

using Mlp = gan::Sequential<gan::Dense<5, 7>, gan::LeakyRelu, gan::Dense<7, 3>, gan::Tanh,
                            gan::Dense<3, 1>>;
using Net = gan::Network<Mlp, double>;

gan::Matrix<double> random_matrix(Eigen::Index rows, Eigen::Index cols, std::uint64_t seed) {
  gan::Rng rng(seed);
  return gan::testing::random_input<double>(rows, cols, rng);
}

/// The message of the std::invalid_argument thrown by forward() on `input`, or "".
std::string forward_rejection(Net& net, const gan::Matrix<double>& input) {
  Net::Activations pass;
  return message_of<std::invalid_argument>([&] { net.forward(input, pass); });
}

}  // namespace

BOOST_AUTO_TEST_SUITE(network)

BOOST_AUTO_TEST_CASE(counts_the_parameters_of_every_layer) {
  static_assert(Net::parameter_count == (5 * 7 + 7) + (7 * 3 + 3) + (3 * 1 + 1));
  static_assert(Net::input_size == 5 && Net::output_size == 1 && Net::layer_count == 5);
  const Net net;
  BOOST_TEST(net.parameters().size() == 70);
  BOOST_TEST(net.gradients().size() == 70);
  BOOST_TEST(net.parameters().isZero(0.0));
}

BOOST_AUTO_TEST_CASE(whole_mlp_gradients_match_finite_differences) {
  for (const std::uint64_t seed : {1u, 2u, 3u}) {
    BOOST_TEST_CONTEXT("seed " << seed) {
      const auto report =
          gan::testing::gradient_check(initialized<Net>(seed), {.seed = seed, .batch_size = 6});
      BOOST_TEST(report.passed(), report.describe());
      BOOST_TEST(report.parameters.skipped_at_kinks == 0u, report.describe());
      BOOST_TEST(report.input.compared == 5u * 6u);
    }
  }
}

BOOST_AUTO_TEST_CASE(parameters_only_computes_no_input_gradient) {
  const std::uint64_t seed = 4;
  BOOST_TEST_CONTEXT("seed " << seed) {
    Net net = initialized<Net>(seed);
    const gan::Matrix<double> input = random_matrix(5, 3, seed);
    const gan::Matrix<double> output_gradient = random_matrix(1, 3, seed + 100);

    Net::Activations full;
    net.forward(input, full);
    net.backward(output_gradient, full, gan::Backprop::parameters_and_input);
    const gan::Vector<double> full_gradients = net.gradients();
    BOOST_TEST(full.input_gradient().rows() == 5);

    net.zero_gradients();
    Net::Activations parameters_only;
    net.forward(input, parameters_only);
    net.backward(output_gradient, parameters_only, gan::Backprop::parameters_only);
    BOOST_TEST(parameters_only.input_gradient().size() == 0);
    BOOST_TEST(bit_identical(net.gradients(), full_gradients));

    // An input gradient left from an earlier pass is not recomputed either.
    const gan::Matrix<double> earlier = full.input_gradient();
    const gan::Matrix<double> other_input = random_matrix(5, 3, seed + 200);
    net.forward(other_input, full);
    net.backward(output_gradient, full, gan::Backprop::parameters_only);
    BOOST_TEST((full.input_gradient().array() == earlier.array()).all());
  }
}

BOOST_AUTO_TEST_CASE(input_only_leaves_the_gradient_buffer_bit_identical) {
  const std::uint64_t seed = 5;
  BOOST_TEST_CONTEXT("seed " << seed) {
    Net net = initialized<Net>(seed);
    const gan::Matrix<double> input = random_matrix(5, 3, seed);
    const gan::Matrix<double> output_gradient = random_matrix(1, 3, seed + 100);

    Net::Activations full;
    net.forward(input, full);
    net.backward(output_gradient, full, gan::Backprop::parameters_and_input);

    // Arbitrary contents, including a negative zero, which a "+= 0" would turn positive.
    net.gradients() = random_matrix(70, 1, seed + 300);
    net.gradients()(3) = -0.0;
    const gan::Vector<double> before = net.gradients();
    Net::Activations input_only;
    net.forward(input, input_only);
    net.backward(output_gradient, input_only, gan::Backprop::input_only);
    BOOST_TEST(bit_identical(net.gradients(), before));
    BOOST_TEST(std::signbit(net.gradients()(3)));

    const gan::Matrix<double>& expected = full.input_gradient();
    BOOST_TEST_REQUIRE(input_only.input_gradient().rows() == 5);
    BOOST_TEST_REQUIRE(input_only.input_gradient().cols() == 3);
    for (Eigen::Index i = 0; i < expected.size(); ++i)
      BOOST_TEST(input_only.input_gradient()(i) == expected(i), "entry " << i);
  }
}

BOOST_AUTO_TEST_CASE(gradients_accumulate_until_zero_gradients) {
  const std::uint64_t seed = 6;
  BOOST_TEST_CONTEXT("seed " << seed) {
    Net net = initialized<Net>(seed);
    const gan::Matrix<double> input = random_matrix(5, 4, seed);
    const gan::Matrix<double> output_gradient = random_matrix(1, 4, seed + 100);

    net.forward(input);
    net.backward(output_gradient);
    const gan::Vector<double> once = net.gradients();
    BOOST_TEST(once.norm() > 0.1);

    net.forward(input);
    net.backward(output_gradient);
    for (Eigen::Index i = 0; i < once.size(); ++i)
      BOOST_TEST(std::abs(net.gradients()(i) - 2 * once(i)) <= 1e-15 * std::abs(once(i)),
                 "entry " << i);

    net.zero_gradients();
    BOOST_TEST(net.gradients().isZero(0.0));
    net.forward(input);
    net.backward(output_gradient);
    BOOST_TEST(bit_identical(net.gradients(), once));

    // zero_gradients() clears the buffer only as the next backward pass reaches each layer:
    // the pass must still see zeros, not the two passes accumulated before it.
    net.forward(input);
    net.backward(output_gradient);
    net.zero_gradients();
    net.forward(input);
    net.backward(output_gradient);
    BOOST_TEST(bit_identical(net.gradients(), once));

    // A pass that computes no parameter gradient leaves them zero, and so does a copy.
    net.zero_gradients();
    net.backward(output_gradient, gan::Backprop::input_only);
    const Net copy = net;
    BOOST_TEST(copy.gradients().isZero(0.0));
    BOOST_TEST(net.gradients().isZero(0.0));
  }
}

BOOST_AUTO_TEST_CASE(gradients_are_finite_finds_a_nan_or_an_infinity_anywhere) {
  Net net = initialized<Net>(8);
  BOOST_TEST(net.gradients_are_finite());
  for (const Eigen::Index index : {0, 41, 69}) {
    for (const double bad : {std::nan(""), HUGE_VAL, -HUGE_VAL}) {
      net.gradients().setZero();
      net.gradients()(index) = bad;
      BOOST_TEST(!net.gradients_are_finite(), "entry " << index << " = " << bad);
    }
  }
  net.zero_gradients();
  BOOST_TEST(net.gradients_are_finite());
}

BOOST_AUTO_TEST_CASE(partition_gives_every_parameter_to_one_thread_dense_rows_to_their_thread) {
  using Wide = gan::Sequential<gan::Dense<3, 40>, gan::LeakyRelu, gan::Dense<40, 50>>;
  const gan::Network<Wide, double> net;
  const int threads_before = gan::max_threads();
  for (const int threads : {1, 2, 3}) {
    BOOST_TEST_CONTEXT(threads << " threads") {
#ifdef _OPENMP
      omp_set_num_threads(threads);
#endif
      const gan::ParameterPartition& partition = net.parameter_partition();
      BOOST_TEST_REQUIRE(partition.threads() == gan::max_threads());
      std::vector<int> owner(net.parameters().size(), -1);
      for (int thread = 0; thread < partition.threads(); ++thread)
        for (const auto& range : partition.ranges(thread))
          for (Eigen::Index i = range.begin; i < range.begin + range.count; ++i) {
            BOOST_TEST(owner[static_cast<std::size_t>(i)] == -1, "parameter " << i << " twice");
            owner[static_cast<std::size_t>(i)] = thread;
          }
      for (std::size_t i = 0; i < owner.size(); ++i)
        BOOST_TEST(owner[i] != -1, "parameter " << i << " has no thread");
      // The second layer's weight (o, i) and bias o belong to the thread of row o.
      const std::size_t offset = 3 * 40 + 40;
      for (Eigen::Index o = 0; o < 50; ++o) {
        int row_thread = 0;
        while (gan::RowRange::of(50, row_thread, partition.threads()).end <= o) ++row_thread;
        BOOST_TEST(owner[offset + static_cast<std::size_t>(o * 40 + 7)] == row_thread);
        BOOST_TEST(owner[offset + 40 * 50 + static_cast<std::size_t>(o)] == row_thread);
      }
    }
  }
#ifdef _OPENMP
  omp_set_num_threads(threads_before);
#else
  (void)threads_before;
#endif
}

BOOST_AUTO_TEST_CASE(copy_has_the_same_parameters_and_is_independent) {
  const std::uint64_t seed = 7;
  BOOST_TEST_CONTEXT("seed " << seed) {
    Net original = initialized<Net>(seed);
    const gan::Matrix<double> input = random_matrix(5, 2, seed);
    const gan::Matrix<double> original_output = original.forward(input);

    Net copy = original;
    BOOST_TEST(bit_identical(copy.parameters(), original.parameters()));
    BOOST_TEST(copy.forward(input)(0) == original_output(0));

    // Changing the copy's first weight changes the copy's layer view and output only.
    const double first_weight = original.parameters()(0);
    copy.parameters()(0) += 1.0;
    BOOST_TEST(copy.layer<0>().weights()(0, 0) == copy.parameters()(0));
    BOOST_TEST(original.layer<0>().weights()(0, 0) == first_weight);
    BOOST_TEST(original.parameters()(0) == first_weight);
    BOOST_TEST(copy.parameters()(0) != first_weight);
    BOOST_TEST(original.forward(input)(0) == original_output(0));
    BOOST_TEST(copy.forward(input)(0) != original_output(0));

    // Changing the original leaves the copy alone, and so do gradients.
    const gan::Vector<double> copy_parameters = copy.parameters();
    original.parameters().setZero();
    original.gradients().setOnes();
    BOOST_TEST(bit_identical(copy.parameters(), copy_parameters));
    BOOST_TEST(copy.gradients().isZero(0.0));

    // Assignment and moves rebind the layers to the destination's own buffers too.
    Net assigned;
    assigned = copy;
    BOOST_TEST(bit_identical(assigned.parameters(), copy.parameters()));
    const double second_weight = copy.parameters()(1);
    assigned.parameters()(1) += 1.0;
    BOOST_TEST(assigned.layer<0>().weights()(0, 1) == assigned.parameters()(1));
    BOOST_TEST(copy.parameters()(1) == second_weight);
    BOOST_TEST(copy.layer<0>().weights()(0, 1) == second_weight);
    Net moved = std::move(assigned);
    moved.parameters()(2) += 1.0;
    BOOST_TEST(moved.layer<0>().weights()(0, 2) == moved.parameters()(2));
  }
}

BOOST_AUTO_TEST_CASE(parameters_assigned_by_move_are_seen_by_the_layers) {
  // A checkpoint loader assigns a whole parameter vector, possibly by move; the layers must
  // then compute with the new values, not with storage the assignment swapped away.
  Net net = initialized<Net>(10);
  Net reference = initialized<Net>(11);
  const gan::Matrix<double> input = random_matrix(5, 2, 10);
  Net::Activations pass;
  const gan::Matrix<double> expected = reference.forward(input, pass);

  gan::Vector<double> loaded = reference.parameters();
  net.parameters() = std::move(loaded);
  BOOST_TEST(net.layer<0>().weights()(0, 0) == reference.parameters()(0));
  const gan::Matrix<double>& output = net.forward(input);
  BOOST_TEST(output(0) == expected(0));
  BOOST_TEST(output(1) == expected(1));
}

BOOST_AUTO_TEST_CASE(describe_lists_the_layers_in_order) {
  BOOST_TEST(Net{}.describe() ==
             "Dense(5 -> 7) | LeakyReLU(0.2) | Dense(7 -> 3) | Tanh | Dense(3 -> 1)");
}

BOOST_AUTO_TEST_CASE(two_activations_alive_at_once_give_independent_backward_results) {
  const std::uint64_t seed = 8;
  BOOST_TEST_CONTEXT("seed " << seed) {
    Net net = initialized<Net>(seed);
    const gan::Matrix<double> first = random_matrix(5, 3, seed);
    const gan::Matrix<double> second = random_matrix(5, 2, seed + 1);
    const gan::Matrix<double> first_gradient = random_matrix(1, 3, seed + 2);
    const gan::Matrix<double> second_gradient = random_matrix(1, 2, seed + 3);

    // Each pass alone.
    Net::Activations alone;
    net.forward(first, alone);
    net.backward(first_gradient, alone, gan::Backprop::parameters_and_input);
    const gan::Vector<double> first_parameters = net.gradients();
    const gan::Matrix<double> first_input = alone.input_gradient();
    net.zero_gradients();
    net.forward(second, alone);
    net.backward(second_gradient, alone, gan::Backprop::parameters_and_input);
    const gan::Vector<double> second_parameters = net.gradients();
    const gan::Matrix<double> second_input = alone.input_gradient();

    // Both forward passes first, then both backward passes, in the other order.
    Net::Activations a;
    Net::Activations b;
    net.forward(first, a);
    net.forward(second, b);
    net.zero_gradients();
    net.backward(second_gradient, b, gan::Backprop::parameters_and_input);
    BOOST_TEST(bit_identical(net.gradients(), second_parameters));
    net.zero_gradients();
    net.backward(first_gradient, a, gan::Backprop::parameters_and_input);
    BOOST_TEST(bit_identical(net.gradients(), first_parameters));
    BOOST_TEST((a.input_gradient().array() == first_input.array()).all());
    BOOST_TEST((b.input_gradient().array() == second_input.array()).all());
    BOOST_TEST(a.output().cols() == 3);
    BOOST_TEST(b.output().cols() == 2);
  }
}

BOOST_AUTO_TEST_CASE(forward_rejects_an_input_of_the_wrong_size) {
  Net net;
  const std::string too_few_rows = forward_rejection(net, gan::Matrix<double>::Zero(4, 3));
  BOOST_TEST(too_few_rows.find("5 rows") != std::string::npos, too_few_rows);
  BOOST_TEST(too_few_rows.find("4x3") != std::string::npos, too_few_rows);
  const std::string too_many_rows = forward_rejection(net, gan::Matrix<double>::Zero(6, 1));
  BOOST_TEST(too_many_rows.find("6x1") != std::string::npos, too_many_rows);
  const std::string no_columns = forward_rejection(net, gan::Matrix<double>::Zero(5, 0));
  BOOST_TEST(no_columns.find("5x0") != std::string::npos, no_columns);
  BOOST_TEST(forward_rejection(net, gan::Matrix<double>::Zero(5, 2)) == "");
}

BOOST_AUTO_TEST_CASE(backward_rejects_a_misplaced_call_or_a_wrong_sized_gradient) {
  Net net = initialized<Net>(9);
  Net::Activations pass;
  BOOST_CHECK_THROW(net.backward(gan::Matrix<double>::Zero(1, 2), pass), std::logic_error);
  const gan::Matrix<double> input = gan::Matrix<double>::Ones(5, 2);
  net.forward(input, pass);
  BOOST_CHECK_THROW(net.backward(gan::Matrix<double>::Zero(1, 3), pass), std::invalid_argument);
  BOOST_CHECK_THROW(net.backward(gan::Matrix<double>::Zero(2, 2), pass), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(activations_split_their_work_as_the_layer_before_does) {
  using Images = gan::Sequential<gan::Input<gan::Shape<1, 6, 6>>, gan::Conv2d<1, 2, 3, 1, 1>,
                                 gan::LeakyRelu, gan::Flatten, gan::Dense<72, 20>, gan::Tanh>;
  const gan::Network<Images, double> net;
  BOOST_TEST((net.layer<2>().split() == gan::WorkSplit::batch));
  BOOST_TEST((net.layer<5>().split() == gan::WorkSplit::rows));
  const gan::Network<Images, double> copy = net;
  BOOST_TEST((copy.layer<2>().split() == gan::WorkSplit::batch));
}

BOOST_AUTO_TEST_SUITE_END()
