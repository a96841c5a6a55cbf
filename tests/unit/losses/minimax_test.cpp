// SPDX-License-Identifier: MIT
// Tests of losses/minimax.hpp: values and gradients against closed forms computed here in
// long double, gradients against finite differences, extreme logits, and the score.
#define BOOST_TEST_MODULE minimax
#include <boost/test/unit_test.hpp>

#include <gan/core/concepts.hpp>
#include <gan/core/tensor.hpp>
#include <gan/losses/minimax.hpp>
#include <gan/testing/gradient_check.hpp>

#include "support/loss_checks.hpp"
#include "support/numeric_checks.hpp"

#include <cstdint>
#include <string>

namespace {

using namespace gan::test_support;

using Loss = gan::MinimaxLoss;
static_assert(gan::LossPolicy<Loss, float> && gan::LossPolicy<Loss, double>);

}  // namespace

BOOST_AUTO_TEST_SUITE(minimax_loss)

BOOST_AUTO_TEST_CASE_TEMPLATE(discriminator_loss_is_binary_cross_entropy_of_real_and_fake,
                              Scalar, scalar_types) {
  check_discriminator_loss_is_binary_cross_entropy<Loss, Scalar>();
}

BOOST_AUTO_TEST_CASE_TEMPLATE(generator_loss_is_mean_log_of_one_minus_d_of_fake, Scalar,
                              scalar_types) {
  const auto fake = logits<Scalar>({kFake[0], kFake[1]});
  gan::Matrix<Scalar> gradient;
  const double loss = Loss::generator_loss(fake, gradient);
  // L_G = mean log(1 - D(f)), the saturating objective; dL_G/df = -D(f) / n.
  check_close(loss, -(minus_log_one_minus_d(kFake[0]) + minus_log_one_minus_d(kFake[1])) / 2,
              loss_tolerance<Scalar>());
  BOOST_TEST_REQUIRE(gradient.cols() == 2);
  for (Eigen::Index j = 0; j < 2; ++j)
    check_close(gradient(j), -sigmoid(kFake[j]) / 2, loss_tolerance<Scalar>());
}

BOOST_AUTO_TEST_CASE(gradients_match_finite_differences_of_the_returned_loss) {
  check_gradients_against_finite_differences_on_random_logits<Loss>();
  check_gradients_against_finite_differences_in_the_tails<Loss>();
}

BOOST_AUTO_TEST_CASE_TEMPLATE(extreme_logits_give_finite_closed_form_losses, Scalar,
                              scalar_types) {
  check_discriminator_loss_at_extreme_logits<Loss, Scalar>();
}

BOOST_AUTO_TEST_CASE_TEMPLATE(extreme_logits_give_finite_closed_form_generator_gradients,
                              Scalar, scalar_types) {
  gan::Matrix<Scalar> gradient;
  // Accepted fakes: log(1 - D(f)) = -f, so the loss is -(110 + 1000) / 2 and the gradient
  // -1/2.
  check_close(Loss::generator_loss(logits<Scalar>({110, 1000}), gradient), -555,
              loss_tolerance<Scalar>());
  check_close(gradient(0), -0.5, loss_tolerance<Scalar>());
  check_close(gradient(1), -0.5, loss_tolerance<Scalar>());
  // Rejected fakes: loss and gradient 0 to within 1e-40. This is the saturation the
  // documentation warns about: a confident D leaves G without a gradient.
  const double rejected = Loss::generator_loss(logits<Scalar>({-110, -1000}), gradient);
  BOOST_TEST(rejected <= 0.0);
  BOOST_TEST(rejected >= -1e-40);
  for (Eigen::Index j = 0; j < 2; ++j) {
    BOOST_TEST(gradient(j) <= Scalar(0));
    BOOST_TEST(gradient(j) >= Scalar(-1e-40));
  }
}

BOOST_AUTO_TEST_CASE(score_is_the_probability_d_of_x) {
  check_score_is_the_probability_d_of_x<Loss>();
}

BOOST_AUTO_TEST_CASE(is_named_minimax) {
  BOOST_TEST(std::string(Loss::name) == "minimax");
}

BOOST_AUTO_TEST_SUITE_END()
