// SPDX-License-Identifier: MIT
// Tests of optim/adam.hpp: updates against a hand computation, hyperparameter validation, and
// a checkpoint round trip that continues bit for bit.
#define BOOST_TEST_MODULE adam
#include <boost/test/unit_test.hpp>

#include <gan/core/concepts.hpp>
#include <gan/core/error.hpp>
#include <gan/core/tensor.hpp>
#include <gan/io/checkpoint.hpp>
#include <gan/optim/adam.hpp>

#include "support/bits.hpp"
#include "support/expected_errors.hpp"
#include "support/numeric_checks.hpp"
#include "support/optimizer_checks.hpp"
#include "support/temporary_files.hpp"

#include <array>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <type_traits>

namespace {

using namespace gan::test_support;

static_assert(gan::Optimizer<gan::Adam<float>, float> &&
              gan::Optimizer<gan::Adam<double>, double>);

using Settings = gan::Adam<double>::Hyperparameters;
const Settings kHandSettings{.learning_rate = 0.1, .beta1 = 0.5, .beta2 = 0.75, .epsilon = 1e-8};

/// The message of the std::invalid_argument thrown for these settings, or "".
std::string rejection_of(const Settings& settings) {
  return message_of<std::invalid_argument>([&] { gan::Adam<double> adam(settings, 2); });
}

}  // namespace

BOOST_AUTO_TEST_SUITE(adam)

BOOST_AUTO_TEST_CASE_TEMPLATE(two_steps_match_a_hand_computation, Scalar, scalar_types) {
  // learning rate 0.1, beta1 0.5, beta2 0.75, epsilon 1e-8, p = [1, -2]
  // step 1, g = [0.5, -1]: m = 0.5 g = [0.25, -0.5], v = 0.25 g^2 = [0.0625, 0.25]
  //   m / (1 - 0.5) = [0.5, -1], v / (1 - 0.75) = [0.25, 1], sqrt = [0.5, 1]
  //   p = [1 - 0.1 * 0.5 / (0.5 + 1e-8), -2 + 0.1 * 1 / (1 + 1e-8)]
  //     = [0.900000002, -1.900000001]
  // step 2, g = [-0.5, 2]: m = [0.125 - 0.25, -0.25 + 1] = [-0.125, 0.75]
  //   v = [0.75 * 0.0625 + 0.25 * 0.25, 0.75 * 0.25 + 0.25 * 4] = [0.109375, 1.1875]
  //   m / (1 - 0.25) = [-1/6, 1], v / (1 - 0.5625) = [0.25, 2.7142857], sqrt = [0.5, 1.6475089]
  //   p = [0.900000002 + 0.0333333327, -1.900000001 - 0.0606976975]
  //     = [0.9333333347, -1.9606976985]
  gan::Adam<Scalar> adam({.learning_rate = 0.1, .beta1 = 0.5, .beta2 = 0.75, .epsilon = 1e-8},
                         2);
  gan::Vector<Scalar> parameters = vector_of<Scalar>({1, -2});
  const std::array<std::array<long double, 2>, 2> gradients = {{{0.5, -1}, {-0.5, 2}}};
  const std::array<std::array<long double, 2>, 2> by_hand = {
      {{0.900000002L, -1.900000001L}, {0.9333333347L, -1.9606976985L}}};

  // The same two steps in long double, written out from algorithm 1 of the paper.
  std::array<long double, 2> p = {1, -2};
  std::array<long double, 2> m = {0, 0};
  std::array<long double, 2> v = {0, 0};
  for (std::size_t step = 0; step < 2; ++step) {
    BOOST_TEST_CONTEXT("step " << step + 1) {
      const auto& g = gradients[step];
      const long double t = static_cast<long double>(step + 1);
      for (std::size_t i = 0; i < 2; ++i) {
        m[i] = 0.5L * m[i] + 0.5L * g[i];
        v[i] = 0.75L * v[i] + 0.25L * g[i] * g[i];
        const long double m_hat = m[i] / (1 - std::pow(0.5L, t));
        const long double v_hat = v[i] / (1 - std::pow(0.75L, t));
        p[i] -= 0.1L * m_hat / (std::sqrt(v_hat) + 1e-8L);
      }
      adam.step(parameters,
                vector_of<Scalar>({static_cast<double>(g[0]), static_cast<double>(g[1])}));
      check_entries_close(parameters, p);
      // The hand values are rounded to 10 decimals; float is looser still.
      const double float_rounding = 4 * static_cast<double>(std::numeric_limits<float>::epsilon());
      check_entries_close(parameters, by_hand[step],
                          std::is_same_v<Scalar, float> ? float_rounding : 1e-9);
      check_entries_close<Scalar>(adam.first_moment(), m);
      check_entries_close<Scalar>(adam.second_moment(), v);
      BOOST_TEST(adam.steps() == step + 1);
    }
  }
}

BOOST_AUTO_TEST_CASE(learning_rate_that_is_not_positive_and_finite_is_rejected) {
  for (const double rate : {0.0, -0.1, std::numeric_limits<double>::quiet_NaN(),
                            std::numeric_limits<double>::infinity()}) {
    BOOST_TEST_CONTEXT("learning rate " << rate) {
      Settings settings;
      settings.learning_rate = rate;
      const std::string what = rejection_of(settings);
      BOOST_TEST(what.find("learning rate") != std::string::npos, what);
      BOOST_TEST(what.find(gan::message("got ", rate)) != std::string::npos, what);
    }
  }
}

BOOST_AUTO_TEST_CASE(betas_outside_zero_to_one_are_rejected) {
  for (const double beta : {-0.1, 1.0, 1.5, std::numeric_limits<double>::quiet_NaN()}) {
    BOOST_TEST_CONTEXT("beta " << beta) {
      Settings first;
      first.beta1 = beta;
      const std::string what1 = rejection_of(first);
      BOOST_TEST(what1.find("beta1") != std::string::npos, what1);
      BOOST_TEST(what1.find(gan::message("got ", beta)) != std::string::npos, what1);
      Settings second;
      second.beta2 = beta;
      const std::string what2 = rejection_of(second);
      BOOST_TEST(what2.find("beta2") != std::string::npos, what2);
      BOOST_TEST(what2.find(gan::message("got ", beta)) != std::string::npos, what2);
    }
  }
  BOOST_TEST(rejection_of({.beta1 = 0.0, .beta2 = 0.0}) == "");
  BOOST_TEST(rejection_of(Settings{}) == "");
}

BOOST_AUTO_TEST_CASE(epsilon_that_is_not_positive_and_finite_is_rejected) {
  for (const double epsilon : {0.0, -1e-8, std::numeric_limits<double>::quiet_NaN()}) {
    BOOST_TEST_CONTEXT("epsilon " << epsilon) {
      Settings settings;
      settings.epsilon = epsilon;
      const std::string what = rejection_of(settings);
      BOOST_TEST(what.find("epsilon") != std::string::npos, what);
      BOOST_TEST(what.find(gan::message("got ", epsilon)) != std::string::npos, what);
    }
  }
}

BOOST_AUTO_TEST_CASE(restored_optimizer_continues_bit_identically) {
  gan::Adam<double> original(kHandSettings, 2);
  gan::Vector<double> parameters = vector_of<double>({1, -2});
  original.step(parameters, vector_of<double>({0.5, -1}));
  original.step(parameters, vector_of<double>({-0.5, 2}));

  const TemporaryFile file;
  const gan::CheckpointReader reader = saved_and_read_back(original, "adam", file.path());
  gan::Adam<double> restored = gan::Adam<double>::restore(reader, "adam", kHandSettings, 2);
  BOOST_TEST(restored.steps() == 2u);
  BOOST_TEST(bit_identical(restored.first_moment(), original.first_moment()));
  BOOST_TEST(bit_identical(restored.second_moment(), original.second_moment()));

  // The step count matters: a restored Adam that restarted at t = 0 would apply the large
  // early bias corrections again and drift from the original.
  gan::Vector<double> restored_parameters = parameters;
  for (const auto& gradient : {vector_of<double>({0.3, 0.7}), vector_of<double>({-2, 0.25})}) {
    original.step(parameters, gradient);
    restored.step(restored_parameters, gradient);
  }
  BOOST_TEST(bit_identical(restored_parameters, parameters));
  BOOST_TEST(bit_identical(restored.first_moment(), original.first_moment()));
  BOOST_TEST(bit_identical(restored.second_moment(), original.second_moment()));
  BOOST_TEST(restored.steps() == 4u);

  BOOST_CHECK_THROW(gan::Adam<double>::restore(reader, "adam", kHandSettings, 3),
                    gan::CheckpointError);
  BOOST_CHECK_THROW(gan::Adam<double>::restore(reader, "other", kHandSettings, 2),
                    gan::CheckpointError);
}

BOOST_AUTO_TEST_CASE(steps_split_between_threads_match_plain_steps_bit_for_bit) {
  check_partitioned_steps_match_plain_ones<gan::Adam<double>>(kHandSettings);
}

BOOST_AUTO_TEST_SUITE_END()
