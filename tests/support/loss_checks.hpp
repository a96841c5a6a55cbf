// SPDX-License-Identifier: MIT
// Test support: logit batches, closed forms and the checks that the loss policy tests share.
#pragma once

#include <gan/core/tensor.hpp>
#include <gan/testing/gradient_check.hpp>

#include "support/numeric_checks.hpp"

#include <boost/test/unit_test.hpp>

#include <Eigen/Core>

#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <type_traits>
#include <vector>

namespace gan::test_support {

/// A [1, n] batch of discriminator outputs (logits, or raw outputs for least squares).
template <typename Scalar>
gan::Matrix<Scalar> logits(std::initializer_list<double> values) {
  gan::Matrix<Scalar> batch(1, static_cast<Eigen::Index>(values.size()));
  Eigen::Index i = 0;
  for (const double value : values) batch(i++) = static_cast<Scalar>(value);
  return batch;
}

/// Relative tolerance for loss values and gradients computed once in Scalar and summed in
/// double, for check_close().
template <typename Scalar>
double loss_tolerance() {
  return std::is_same_v<Scalar, float> ? 2e-6 : 1e-14;
}

/// Moderate real logits, a batch of 3, for the closed-form cases.
inline const std::vector<double> kReal = {0.3, -1.2, 2.5};
/// Moderate fake logits, a batch of 2: another size than kReal, so that each mean is taken
/// over its own batch.
inline const std::vector<double> kFake = {-0.7, 1.1};

// The closed forms of the logistic losses, written from the definition D(x) = sigmoid(logit)
// with no rewriting, in long double; fine for the moderate logits they are used with.

/// D(x) = 1 / (1 + exp(-x)).
inline long double sigmoid(long double x) { return 1.0L / (1.0L + std::exp(-x)); }
/// -log D(x).
inline long double minus_log_d(long double x) { return -std::log(sigmoid(x)); }
/// -log(1 - D(x)).
inline long double minus_log_one_minus_d(long double x) { return -std::log(1.0L - sigmoid(x)); }

/// Checks the gradients of `Loss` against finite differences of the loss it returns, in double
/// and in float, on random batches of 6 drawn from seeds 1, 2 and 3.
/// @tparam Loss a gan::LossPolicy
template <typename Loss>
void check_gradients_against_finite_differences_on_random_logits() {
  for (const std::uint64_t seed : {1u, 2u, 3u}) {
    BOOST_TEST_CONTEXT("seed " << seed) {
      const auto report =
          gan::testing::loss_gradient_check<Loss, double>({.seed = seed, .batch_size = 6});
      BOOST_TEST(report.passed(), report.describe());
      const auto in_float =
          gan::testing::loss_gradient_check<Loss, float>({.seed = seed, .batch_size = 6});
      BOOST_TEST(in_float.passed(), in_float.describe());
    }
  }
}

/// Checks the gradients of a logistic `Loss` against finite differences far into the tails,
/// where the gradient is nearly 0 on one side and nearly -1/n or 1/n on the other.
/// @tparam Loss a gan::LossPolicy on logits
template <typename Loss>
void check_gradients_against_finite_differences_in_the_tails() {
  const auto tails = gan::testing::loss_gradient_check<Loss, double>(
      logits<double>({-30, 25, 12}), logits<double>({30, -25, -12}));
  BOOST_TEST(tails.passed(), tails.describe());
}

/// Checks that the discriminator loss of `Loss` on kReal and kFake is the binary cross-entropy
/// mean -log D(r) + mean -log(1 - D(f)), each mean over its own batch, and its gradients
/// (D(r) - 1) / 3 and D(f) / 2, to loss_tolerance<Scalar>().
/// @tparam Loss a gan::LossPolicy whose discriminator loss is binary cross-entropy on logits
template <typename Loss, typename Scalar>
void check_discriminator_loss_is_binary_cross_entropy() {
  const auto real = logits<Scalar>({kReal[0], kReal[1], kReal[2]});
  const auto fake = logits<Scalar>({kFake[0], kFake[1]});
  gan::Matrix<Scalar> real_gradient;
  gan::Matrix<Scalar> fake_gradient;
  const double loss = Loss::discriminator_loss(real, fake, real_gradient, fake_gradient);

  // L_D = mean -log D(r) + mean -log(1 - D(f)), each mean over its own batch (3 and 2).
  long double expected = 0;
  for (const double r : kReal) expected += minus_log_d(r) / 3;
  for (const double f : kFake) expected += minus_log_one_minus_d(f) / 2;
  check_close(loss, expected, loss_tolerance<Scalar>());

  // dL/dr = (D(r) - 1) / 3, dL/df = D(f) / 2.
  BOOST_TEST_REQUIRE(real_gradient.cols() == 3);
  BOOST_TEST_REQUIRE(fake_gradient.cols() == 2);
  for (Eigen::Index i = 0; i < 3; ++i)
    check_close(real_gradient(i), (sigmoid(kReal[i]) - 1) / 3, loss_tolerance<Scalar>());
  for (Eigen::Index j = 0; j < 2; ++j)
    check_close(fake_gradient(j), sigmoid(kFake[j]) / 2, loss_tolerance<Scalar>());
}

/// Checks the binary cross-entropy discriminator loss of `Loss` and its gradients at logits of
/// 110 and 1000 in size: finite closed forms for a confident wrong D, and 0 to within 1e-40
/// for a confident right one.
/// @tparam Loss a gan::LossPolicy whose discriminator loss is binary cross-entropy on logits
template <typename Loss, typename Scalar>
void check_discriminator_loss_at_extreme_logits() {
  gan::Matrix<Scalar> real_gradient;
  gan::Matrix<Scalar> fake_gradient;
  // softplus(x) = x + log1p(exp(-x)) and exp(-110) < 1e-47, so -log D(-110) and
  // -log(1 - D(110)) are 110 to every digit: a confident wrong D pays 110 per sample.
  check_close(Loss::discriminator_loss(logits<Scalar>({-110}), logits<Scalar>({110}), real_gradient,
                                       fake_gradient),
              220, loss_tolerance<Scalar>());
  check_close(real_gradient(0), -1, loss_tolerance<Scalar>());
  check_close(fake_gradient(0), 1, loss_tolerance<Scalar>());

  // Averaged over two samples each: (110 + 1000) / 2 twice.
  check_close(Loss::discriminator_loss(logits<Scalar>({-1000, -110}), logits<Scalar>({110, 1000}),
                                       real_gradient, fake_gradient),
              1110, loss_tolerance<Scalar>());
  for (Eigen::Index i = 0; i < 2; ++i) {
    check_close(real_gradient(i), -0.5, loss_tolerance<Scalar>());
    check_close(fake_gradient(i), 0.5, loss_tolerance<Scalar>());
  }

  // A confident right D: the loss is about 2 exp(-110) / 2, and the gradients about
  // exp(-110) / 2 in size, 0 to within 1e-40 in both types.
  const double small = Loss::discriminator_loss(
      logits<Scalar>({110, 1000}), logits<Scalar>({-110, -1000}), real_gradient, fake_gradient);
  BOOST_TEST(small >= 0.0);
  BOOST_TEST(small <= 1e-40);
  for (Eigen::Index i = 0; i < 2; ++i) {
    BOOST_TEST(real_gradient(i) <= Scalar(0));
    BOOST_TEST(real_gradient(i) >= Scalar(-1e-40));
    BOOST_TEST(fake_gradient(i) >= Scalar(0));
    BOOST_TEST(fake_gradient(i) <= Scalar(1e-40));
  }
}

/// Checks that Loss::score(x) is the probability D(x) = sigmoid(x), in double and float,
/// from the middle far into both tails.
/// @tparam Loss a gan::LossPolicy on logits
template <typename Loss>
void check_score_is_the_probability_d_of_x() {
  BOOST_TEST(Loss::score(0.0) == 0.5);
  BOOST_TEST(std::abs(Loss::score(2.0) - 0.8807970779778823) <= 1e-16);
  BOOST_TEST(std::abs(Loss::score(-2.0f) - 0.11920292202211755) <= 1e-8);
  BOOST_TEST(Loss::score(1000.0) == 1.0);
  BOOST_TEST(Loss::score(-1000.0) >= 0.0);
  BOOST_TEST(Loss::score(-1000.0) <= 1e-300);
  BOOST_TEST(Loss::score(-110.0f) >= 0.0);
  BOOST_TEST(Loss::score(-110.0f) <= 1e-47);
}

}  // namespace gan::test_support
