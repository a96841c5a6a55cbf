// SPDX-License-Identifier: MIT
// Tests of optim/sgd.hpp: updates against a hand computation, hyperparameter validation, and
// a checkpoint round trip that continues bit for bit.
#define BOOST_TEST_MODULE sgd
#include <boost/test/unit_test.hpp>

#include <gan/core/concepts.hpp>
#include <gan/core/error.hpp>
#include <gan/core/tensor.hpp>
#include <gan/io/checkpoint.hpp>
#include <gan/optim/sgd.hpp>

#include "support/bits.hpp"
#include "support/expected_errors.hpp"
#include "support/numeric_checks.hpp"
#include "support/optimizer_checks.hpp"
#include "support/temporary_files.hpp"

#include <array>
#include <limits>
#include <stdexcept>
#include <string>

namespace {

using namespace gan::test_support;

static_assert(gan::Optimizer<gan::Sgd<float>, float> && gan::Optimizer<gan::Sgd<double>, double>);

/// The message of the std::invalid_argument thrown for these settings, or "".
std::string rejection_of(double learning_rate, double momentum) {
  return message_of<std::invalid_argument>([&] {
    gan::Sgd<double> sgd({.learning_rate = learning_rate, .momentum = momentum}, 3);
  });
}

}  // namespace

BOOST_AUTO_TEST_SUITE(sgd)

BOOST_AUTO_TEST_CASE_TEMPLATE(two_steps_match_a_hand_computation, Scalar, scalar_types) {
  // learning rate 0.1, momentum 0.9, p = [1, -2, 0.5]
  // step 1, g = [0.5, -1, 2]:  v = g = [0.5, -1, 2]
  //                            p = [1 - 0.05, -2 + 0.1, 0.5 - 0.2] = [0.95, -1.9, 0.3]
  // step 2, g = [1, 0, -1]:    v = 0.9 [0.5, -1, 2] + [1, 0, -1] = [1.45, -0.9, 0.8]
  //                            p = [0.95 - 0.145, -1.9 + 0.09, 0.3 - 0.08] = [0.805, -1.81, 0.22]
  gan::Sgd<Scalar> sgd({.learning_rate = 0.1, .momentum = 0.9}, 3);
  gan::Vector<Scalar> parameters = vector_of<Scalar>({1, -2, 0.5});
  const std::array<std::array<long double, 3>, 2> gradients = {{{0.5, -1, 2}, {1, 0, -1}}};

  // The same two steps in long double, written out from the formula.
  std::array<long double, 3> p = {1, -2, 0.5};
  std::array<long double, 3> v = {0, 0, 0};
  const std::array<std::array<long double, 3>, 2> by_hand = {{{0.95L, -1.9L, 0.3L},
                                                             {0.805L, -1.81L, 0.22L}}};
  for (std::size_t step = 0; step < 2; ++step) {
    BOOST_TEST_CONTEXT("step " << step + 1) {
      const auto& g = gradients[step];
      for (std::size_t i = 0; i < 3; ++i) {
        v[i] = 0.9L * v[i] + g[i];
        p[i] -= 0.1L * v[i];
      }
      sgd.step(parameters, vector_of<Scalar>({static_cast<double>(g[0]), static_cast<double>(g[1]),
                                              static_cast<double>(g[2])}));
      check_entries_close(parameters, p);
      check_entries_close(parameters, by_hand[step]);
      check_entries_close<Scalar>(sgd.velocity(), v);
    }
  }
}

BOOST_AUTO_TEST_CASE(zero_momentum_is_plain_gradient_descent) {
  gan::Sgd<double> sgd({.learning_rate = 0.5, .momentum = 0.0}, 3);
  gan::Vector<double> parameters = vector_of<double>({1, 2, 3});
  sgd.step(parameters, vector_of<double>({2, 0, -2}));
  sgd.step(parameters, vector_of<double>({2, 0, -2}));
  // Each step moves by 0.5 * [2, 0, -2]; no velocity carries over.
  check_entries_close(parameters, std::array<long double, 3>{-1, 2, 5});
}

BOOST_AUTO_TEST_CASE(learning_rate_that_is_not_positive_and_finite_is_rejected) {
  for (const double rate : {0.0, -0.1, std::numeric_limits<double>::quiet_NaN(),
                            std::numeric_limits<double>::infinity()}) {
    BOOST_TEST_CONTEXT("learning rate " << rate) {
      const std::string what = rejection_of(rate, 0.9);
      BOOST_TEST(what.find("learning rate") != std::string::npos, what);
      BOOST_TEST(what.find(gan::message("got ", rate)) != std::string::npos, what);
    }
  }
  BOOST_TEST(rejection_of(1e-12, 0.9) == "");
}

BOOST_AUTO_TEST_CASE(momentum_outside_zero_to_one_is_rejected) {
  for (const double momentum : {-0.1, 1.0, 1.5, std::numeric_limits<double>::quiet_NaN()}) {
    BOOST_TEST_CONTEXT("momentum " << momentum) {
      const std::string what = rejection_of(0.1, momentum);
      BOOST_TEST(what.find("momentum") != std::string::npos, what);
      BOOST_TEST(what.find(gan::message("got ", momentum)) != std::string::npos, what);
    }
  }
  BOOST_TEST(rejection_of(0.1, 0.0) == "");
  BOOST_TEST(rejection_of(0.1, 0.999) == "");
}

BOOST_AUTO_TEST_CASE(restored_optimizer_continues_bit_identically) {
  const gan::Sgd<double>::Hyperparameters settings{.learning_rate = 0.1, .momentum = 0.9};
  gan::Sgd<double> original(settings, 3);
  gan::Vector<double> parameters = vector_of<double>({1, -2, 0.5});
  original.step(parameters, vector_of<double>({0.5, -1, 2}));
  original.step(parameters, vector_of<double>({1, 0, -1}));

  const TemporaryFile file;
  const gan::CheckpointReader reader = saved_and_read_back(original, "sgd", file.path());
  gan::Sgd<double> restored = gan::Sgd<double>::restore(reader, "sgd", settings, 3);
  BOOST_TEST(bit_identical(restored.velocity(), original.velocity()));

  gan::Vector<double> restored_parameters = parameters;
  for (const auto& gradient :
       {vector_of<double>({-0.3, 0.7, 0.1}), vector_of<double>({2, -2, 0.25})}) {
    original.step(parameters, gradient);
    restored.step(restored_parameters, gradient);
  }
  BOOST_TEST(bit_identical(restored_parameters, parameters));
  BOOST_TEST(bit_identical(restored.velocity(), original.velocity()));

  BOOST_CHECK_THROW(gan::Sgd<double>::restore(reader, "sgd", settings, 4), gan::CheckpointError);
  BOOST_CHECK_THROW(gan::Sgd<double>::restore(reader, "other", settings, 3),
                    gan::CheckpointError);
  // The velocity was saved as doubles; a float optimizer must not take it.
  BOOST_CHECK_THROW(gan::Sgd<float>::restore(reader, "sgd", {.learning_rate = 0.1}, 3),
                    gan::CheckpointError);
}

BOOST_AUTO_TEST_CASE(steps_split_between_threads_match_plain_steps_bit_for_bit) {
  check_partitioned_steps_match_plain_ones<gan::Sgd<double>>(
      {.learning_rate = 0.1, .momentum = 0.9});
}

BOOST_AUTO_TEST_SUITE_END()
