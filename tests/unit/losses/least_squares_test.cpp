// SPDX-License-Identifier: MIT
// Tests of losses/least_squares.hpp: values and gradients against closed forms computed here
// in long double, gradients against finite differences, extreme outputs, and the score.
#define BOOST_TEST_MODULE least_squares
#include <boost/test/unit_test.hpp>

#include <gan/core/concepts.hpp>
#include <gan/core/tensor.hpp>
#include <gan/losses/least_squares.hpp>
#include <gan/testing/gradient_check.hpp>

#include "support/loss_checks.hpp"
#include "support/numeric_checks.hpp"

#include <cstdint>
#include <string>

namespace {

using namespace gan::test_support;

using Loss = gan::LeastSquaresLoss;
static_assert(gan::LossPolicy<Loss, float> && gan::LossPolicy<Loss, double>);

}  // namespace

BOOST_AUTO_TEST_SUITE(least_squares_loss)

BOOST_AUTO_TEST_CASE_TEMPLATE(discriminator_loss_regresses_real_to_one_and_fake_to_zero,
                              Scalar, scalar_types) {
  const auto real = logits<Scalar>({kReal[0], kReal[1], kReal[2]});
  const auto fake = logits<Scalar>({kFake[0], kFake[1]});
  gan::Matrix<Scalar> real_gradient;
  gan::Matrix<Scalar> fake_gradient;
  const double loss = Loss::discriminator_loss(real, fake, real_gradient, fake_gradient);

  // L_D = 1/2 mean (r - 1)^2 + 1/2 mean f^2, each mean over its own batch (3 and 2):
  // (0.49 + 4.84 + 2.25) / 6 + (0.49 + 1.21) / 4 = 1.2633... + 0.425
  long double expected = 0;
  for (const double r : kReal) expected += 0.5L * (r - 1.0L) * (r - 1.0L) / 3;
  for (const double f : kFake) expected += 0.5L * f * f / 2;
  check_close(loss, expected, loss_tolerance<Scalar>());

  // dL/dr = (r - 1) / 3, dL/df = f / 2.
  BOOST_TEST_REQUIRE(real_gradient.cols() == 3);
  BOOST_TEST_REQUIRE(fake_gradient.cols() == 2);
  for (Eigen::Index i = 0; i < 3; ++i)
    check_close(real_gradient(i), (kReal[i] - 1.0L) / 3, loss_tolerance<Scalar>());
  for (Eigen::Index j = 0; j < 2; ++j)
    check_close(fake_gradient(j), kFake[j] / 2.0L, loss_tolerance<Scalar>());
}

BOOST_AUTO_TEST_CASE_TEMPLATE(generator_loss_pulls_fake_outputs_to_one, Scalar, scalar_types) {
  const auto fake = logits<Scalar>({kFake[0], kFake[1]});
  gan::Matrix<Scalar> gradient;
  const double loss = Loss::generator_loss(fake, gradient);
  // L_G = 1/2 mean (f - 1)^2 = (2.89 + 0.01) / 4 = 0.725; dL/df = (f - 1) / 2.
  check_close(loss, 0.725L, loss_tolerance<Scalar>());
  BOOST_TEST_REQUIRE(gradient.cols() == 2);
  for (Eigen::Index j = 0; j < 2; ++j)
    check_close(gradient(j), (kFake[j] - 1.0L) / 2, loss_tolerance<Scalar>());
}

BOOST_AUTO_TEST_CASE(gradients_match_finite_differences_of_the_returned_loss) {
  check_gradients_against_finite_differences_on_random_logits<Loss>();
}

BOOST_AUTO_TEST_CASE_TEMPLATE(extreme_outputs_give_finite_closed_form_losses, Scalar,
                              scalar_types) {
  gan::Matrix<Scalar> real_gradient;
  gan::Matrix<Scalar> fake_gradient;
  // r = -110, f = 110: 1/2 111^2 + 1/2 110^2 = 6160.5 + 6050; gradients -111 and 110.
  check_close(Loss::discriminator_loss(logits<Scalar>({-110}), logits<Scalar>({110}),
                                       real_gradient, fake_gradient),
              12210.5, loss_tolerance<Scalar>());
  check_close(real_gradient(0), -111, loss_tolerance<Scalar>());
  check_close(fake_gradient(0), 110, loss_tolerance<Scalar>());

  // r = [-1000, 1000], f = [1000, -110]:
  //   1/2 (1001^2 + 999^2) / 2 + 1/2 (1000^2 + 110^2) / 2 = 500000.5 + 253025
  //   dL/dr = [-1001, 999] / 2, dL/df = [1000, -110] / 2
  check_close(Loss::discriminator_loss(logits<Scalar>({-1000, 1000}),
                                       logits<Scalar>({1000, -110}), real_gradient,
                                       fake_gradient),
              753025.5, loss_tolerance<Scalar>());
  check_close(real_gradient(0), -500.5, loss_tolerance<Scalar>());
  check_close(real_gradient(1), 499.5, loss_tolerance<Scalar>());
  check_close(fake_gradient(0), 500, loss_tolerance<Scalar>());
  check_close(fake_gradient(1), -55, loss_tolerance<Scalar>());

  // Generator at f = [1000, -110]: 1/2 (999^2 + 111^2) / 2 = 252580.5; dL/df = [999, -111] / 2.
  gan::Matrix<Scalar> gradient;
  check_close(Loss::generator_loss(logits<Scalar>({1000, -110}), gradient), 252580.5,
              loss_tolerance<Scalar>());
  check_close(gradient(0), 499.5, loss_tolerance<Scalar>());
  check_close(gradient(1), -55.5, loss_tolerance<Scalar>());
}

BOOST_AUTO_TEST_CASE(score_is_the_raw_output) {
  BOOST_TEST(Loss::score(0.0) == 0.0);
  BOOST_TEST(Loss::score(0.75) == 0.75);
  BOOST_TEST(Loss::score(-1000.0f) == -1000.0);
  BOOST_TEST(Loss::score(0.7f) == static_cast<double>(0.7f));
}

BOOST_AUTO_TEST_CASE(is_named_least_squares) {
  BOOST_TEST(std::string(Loss::name) == "least-squares");
}

BOOST_AUTO_TEST_SUITE_END()
