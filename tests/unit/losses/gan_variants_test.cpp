// SPDX-License-Identifier: MIT
// Tests of the loss policies beyond the original GAN's: Wasserstein (losses/wasserstein.hpp),
// hinge (losses/hinge.hpp), relativistic average (losses/relativistic_average.hpp) and
// one-sided label smoothing (losses/label_smoothing.hpp). Values and gradients against closed
// forms computed here in long double, gradients against finite differences, and the names
// checkpoints store.
#define BOOST_TEST_MODULE gan_variants
#include <boost/test/unit_test.hpp>

#include <gan/core/concepts.hpp>
#include <gan/core/tensor.hpp>
#include <gan/losses/hinge.hpp>
#include <gan/losses/label_smoothing.hpp>
#include <gan/losses/minimax.hpp>
#include <gan/losses/non_saturating.hpp>
#include <gan/losses/relativistic_average.hpp>
#include <gan/losses/wasserstein.hpp>

#include "support/loss_checks.hpp"
#include "support/numeric_checks.hpp"

#include <cmath>
#include <ratio>
#include <stdexcept>
#include <string>

namespace {

using namespace gan::test_support;

static_assert(gan::LossPolicy<gan::WassersteinLoss, float> &&
              gan::LossPolicy<gan::WassersteinLoss, double>);
static_assert(gan::LossPolicy<gan::HingeLoss, float> && gan::LossPolicy<gan::HingeLoss, double>);
static_assert(gan::LossPolicy<gan::RelativisticAverageLoss, float> &&
              gan::LossPolicy<gan::RelativisticAverageLoss, double>);
using Smoothed = gan::OneSidedLabelSmoothing<gan::NonSaturatingLoss>;
static_assert(gan::LossPolicy<Smoothed, float> && gan::LossPolicy<Smoothed, double>);

// Which losses the device computes from per-logit terms, and which it computes on the host.
static_assert(gan::detail::PerLogitLoss<gan::WassersteinLoss> &&
              gan::detail::PerLogitLoss<gan::HingeLoss> && gan::detail::PerLogitLoss<Smoothed>);
static_assert(!gan::detail::PerLogitLoss<gan::RelativisticAverageLoss> &&
              gan::detail::GeneratorUsesRealLogits<gan::RelativisticAverageLoss>);
static_assert(gan::detail::default_discriminator_steps<gan::WassersteinLoss>() == 5 &&
              gan::detail::default_discriminator_steps<gan::HingeLoss>() == 1);

long double softplus(long double x) { return std::log1p(std::exp(x)); }
long double mean(const std::vector<double>& values) {
  long double total = 0;
  for (const double value : values) total += value;
  return total / static_cast<long double>(values.size());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(wasserstein_loss)

BOOST_AUTO_TEST_CASE_TEMPLATE(critic_loss_is_the_negated_distance_estimate, Scalar, scalar_types) {
  const auto real = logits<Scalar>({kReal[0], kReal[1], kReal[2]});
  const auto fake = logits<Scalar>({kFake[0], kFake[1]});
  gan::Matrix<Scalar> real_gradient, fake_gradient;
  const double loss =
      gan::WassersteinLoss::discriminator_loss(real, fake, real_gradient, fake_gradient);
  // L_D = mean f - mean r = 0.2 - 0.5333...
  check_close(loss, mean(kFake) - mean(kReal), loss_tolerance<Scalar>());
  for (Eigen::Index i = 0; i < 3; ++i) check_close(real_gradient(i), -1.0L / 3, 1e-7);
  for (Eigen::Index j = 0; j < 2; ++j) check_close(fake_gradient(j), 1.0L / 2, 1e-7);

  gan::Matrix<Scalar> gradient;
  check_close(gan::WassersteinLoss::generator_loss(fake, gradient), -mean(kFake),
              loss_tolerance<Scalar>());
  for (Eigen::Index j = 0; j < 2; ++j) check_close(gradient(j), -1.0L / 2, 1e-7);
  BOOST_TEST(gan::WassersteinLoss::score(Scalar(-3.5)) == -3.5);
}

BOOST_AUTO_TEST_CASE(gradients_match_finite_differences) {
  check_gradients_against_finite_differences_on_random_logits<gan::WassersteinLoss>();
}

BOOST_AUTO_TEST_CASE(weight_clip_must_be_finite_and_not_negative) {
  for (const double clip : {-0.01, std::nan(""), HUGE_VAL}) {
    gan::WassersteinLoss loss;
    loss.weight_clip = clip;
    BOOST_CHECK_THROW(loss.check(), std::invalid_argument);
  }
  gan::WassersteinLoss off;
  off.weight_clip = 0;
  BOOST_CHECK_NO_THROW(off.check());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(hinge_loss)

BOOST_AUTO_TEST_CASE_TEMPLATE(margins_count_only_inside_the_hinge, Scalar, scalar_types) {
  // Real outputs above 1 and fake ones below -1 are past the margin and cost nothing.
  const std::vector<double> real_values = {0.3, 1.5, -2.0};
  const std::vector<double> fake_values = {-1.5, 0.4};
  const auto real = logits<Scalar>({0.3, 1.5, -2.0});
  const auto fake = logits<Scalar>({-1.5, 0.4});
  gan::Matrix<Scalar> real_gradient, fake_gradient;
  const double loss = gan::HingeLoss::discriminator_loss(real, fake, real_gradient, fake_gradient);
  // (0.7 + 0 + 3) / 3 + (0 + 1.4) / 2
  check_close(loss, (0.7L + 3.0L) / 3 + 1.4L / 2, loss_tolerance<Scalar>());
  check_close(real_gradient(0), -1.0L / 3, 1e-7);
  BOOST_TEST(real_gradient(1) == Scalar(0));
  check_close(real_gradient(2), -1.0L / 3, 1e-7);
  BOOST_TEST(fake_gradient(0) == Scalar(0));
  check_close(fake_gradient(1), 1.0L / 2, 1e-7);

  // G's loss is not a hinge: a sample far past the margin still has a gradient.
  gan::Matrix<Scalar> gradient;
  check_close(gan::HingeLoss::generator_loss(fake, gradient), -mean(fake_values),
              loss_tolerance<Scalar>());
  for (Eigen::Index j = 0; j < 2; ++j) check_close(gradient(j), -1.0L / 2, 1e-7);
}

BOOST_AUTO_TEST_CASE(gradients_match_finite_differences_away_from_the_kinks) {
  // Random logits in [-4, 4] land within a finite-difference step of +-1 with negligible
  // probability; the seeds are fixed, so this is checked once and for all.
  check_gradients_against_finite_differences_on_random_logits<gan::HingeLoss>();
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(relativistic_average_loss)

BOOST_AUTO_TEST_CASE_TEMPLATE(losses_compare_each_sample_with_the_other_batch_mean, Scalar,
                              scalar_types) {
  using Loss = gan::RelativisticAverageLoss;
  const auto real = logits<Scalar>({kReal[0], kReal[1], kReal[2]});
  const auto fake = logits<Scalar>({kFake[0], kFake[1]});
  const long double real_mean = mean(kReal), fake_mean = mean(kFake);

  // L_D = mean softplus(f̄ - r_i) + mean softplus(f_j - r̄)
  long double expected_d = 0;
  for (const double r : kReal) expected_d += softplus(fake_mean - r) / 3;
  for (const double f : kFake) expected_d += softplus(f - real_mean) / 2;
  gan::Matrix<Scalar> real_gradient, fake_gradient;
  check_close(Loss::discriminator_loss(real, fake, real_gradient, fake_gradient), expected_d,
              loss_tolerance<Scalar>());

  // dL_D/dr_i = -(sigmoid(f̄ - r_i) + mean_j sigmoid(f_j - r̄)) / 3, from the direct term and
  // through r̄ in every fake term.
  long double fake_pull = 0, real_pull = 0;
  for (const double f : kFake) fake_pull += sigmoid(f - real_mean) / 2;
  for (const double r : kReal) real_pull += sigmoid(fake_mean - r) / 3;
  for (Eigen::Index i = 0; i < 3; ++i)
    check_close(real_gradient(i), -(sigmoid(fake_mean - kReal[i]) + fake_pull) / 3, 1e-6);
  for (Eigen::Index j = 0; j < 2; ++j)
    check_close(fake_gradient(j), (sigmoid(kFake[j] - real_mean) + real_pull) / 2, 1e-6);

  // L_G swaps the roles: mean softplus(r̄ - f_j) + mean softplus(r_i - f̄).
  long double expected_g = 0;
  for (const double f : kFake) expected_g += softplus(real_mean - f) / 2;
  for (const double r : kReal) expected_g += softplus(r - fake_mean) / 3;
  gan::Matrix<Scalar> gradient;
  check_close(Loss::generator_loss(real, fake, gradient), expected_g, loss_tolerance<Scalar>());
  long double pull = 0;
  for (const double r : kReal) pull += sigmoid(r - fake_mean) / 3;
  for (Eigen::Index j = 0; j < 2; ++j)
    check_close(gradient(j), -(sigmoid(real_mean - kFake[j]) + pull) / 2, 1e-6);
}

BOOST_AUTO_TEST_CASE(gradients_match_finite_differences) {
  check_gradients_against_finite_differences_on_random_logits<gan::RelativisticAverageLoss>();
  check_gradients_against_finite_differences_in_the_tails<gan::RelativisticAverageLoss>();
}

BOOST_AUTO_TEST_CASE(shifting_every_output_changes_nothing) {
  // Only differences between the batches count: adding a constant to all outputs leaves both
  // losses unchanged, unlike any absolute loss.
  using Loss = gan::RelativisticAverageLoss;
  const auto real = logits<double>({kReal[0], kReal[1], kReal[2]});
  const auto fake = logits<double>({kFake[0], kFake[1]});
  const gan::Matrix<double> real_shifted = real.array() + 7.0;
  const gan::Matrix<double> fake_shifted = fake.array() + 7.0;
  gan::Matrix<double> a, b;
  check_close(Loss::discriminator_loss(real, fake, a, b),
              Loss::discriminator_loss(real_shifted, fake_shifted, a, b), 1e-13);
  check_close(Loss::generator_loss(real, fake, a),
              Loss::generator_loss(real_shifted, fake_shifted, a), 1e-13);
}

BOOST_AUTO_TEST_CASE(an_empty_batch_is_refused) {
  gan::Matrix<double> empty(1, 0), gradient;
  BOOST_CHECK_THROW(gan::RelativisticAverageLoss::discriminator_loss(logits<double>({1.0}), empty,
                                                                     gradient, gradient),
                    std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(one_sided_label_smoothing)

BOOST_AUTO_TEST_CASE_TEMPLATE(real_samples_get_the_smoothed_target_and_fakes_keep_zero, Scalar,
                              scalar_types) {
  const auto real = logits<Scalar>({kReal[0], kReal[1], kReal[2]});
  const auto fake = logits<Scalar>({kFake[0], kFake[1]});
  gan::Matrix<Scalar> real_gradient, fake_gradient;
  const double loss = Smoothed::discriminator_loss(real, fake, real_gradient, fake_gradient);
  // Cross-entropy against 0.9 for real, against 0 for fake.
  long double expected = 0;
  for (const double r : kReal)
    expected += (0.9L * minus_log_d(r) + 0.1L * minus_log_one_minus_d(r)) / 3;
  for (const double f : kFake) expected += minus_log_one_minus_d(f) / 2;
  check_close(loss, expected, loss_tolerance<Scalar>());
  for (Eigen::Index i = 0; i < 3; ++i)
    check_close(real_gradient(i), (sigmoid(kReal[i]) - 0.9L) / 3, 1e-6);
  for (Eigen::Index j = 0; j < 2; ++j) check_close(fake_gradient(j), sigmoid(kFake[j]) / 2, 1e-6);

  // The smoothed real term is smallest at D(x) = 0.9, not at D(x) = 1.
  gan::Matrix<Scalar> g;
  const double at_target =
      Smoothed::discriminator_loss(logits<Scalar>({std::log(9.0)}), logits<Scalar>({-30}), g, g);
  const double surer = Smoothed::discriminator_loss(logits<Scalar>({std::log(9.0) + 1}),
                                                    logits<Scalar>({-30}), g, g);
  BOOST_TEST(at_target < surer);

  // G's side is the base loss's.
  gan::Matrix<Scalar> smoothed_gradient, base_gradient;
  BOOST_TEST(Smoothed::generator_loss(fake, smoothed_gradient) ==
             gan::NonSaturatingLoss::generator_loss(fake, base_gradient));
}

BOOST_AUTO_TEST_CASE(gradients_match_finite_differences) {
  check_gradients_against_finite_differences_on_random_logits<Smoothed>();
  check_gradients_against_finite_differences_in_the_tails<Smoothed>();
}

BOOST_AUTO_TEST_CASE(names_say_the_base_and_the_target) {
  BOOST_TEST(std::string(Smoothed::name) == "non-saturating + one-sided-label-smoothing(9/10)");
  using Minimax = gan::OneSidedLabelSmoothing<gan::MinimaxLoss, std::ratio<3, 4>>;
  BOOST_TEST(std::string(Minimax::name) == "minimax + one-sided-label-smoothing(3/4)");
  BOOST_TEST(Minimax::real_target == 0.75);
}

BOOST_AUTO_TEST_SUITE_END()
