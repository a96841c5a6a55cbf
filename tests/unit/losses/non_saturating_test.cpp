// SPDX-License-Identifier: MIT
// Tests of losses/non_saturating.hpp: values and gradients against closed forms computed here
// in long double, gradients against finite differences, extreme logits, and the score.
#define BOOST_TEST_MODULE non_saturating
#include <boost/test/unit_test.hpp>

#include <gan/core/concepts.hpp>
#include <gan/core/tensor.hpp>
#include <gan/losses/non_saturating.hpp>
#include <gan/testing/gradient_check.hpp>

#include <boost/mpl/list.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <type_traits>
#include <vector>

namespace {

using scalar_types = boost::mpl::list<float, double>;
using Loss = gan::NonSaturatingLoss;
static_assert(gan::LossPolicy<Loss, float> && gan::LossPolicy<Loss, double>);

/// A [1, n] batch of logits.
template <typename Scalar>
gan::Matrix<Scalar> logits(std::initializer_list<double> values) {
  gan::Matrix<Scalar> batch(1, static_cast<Eigen::Index>(values.size()));
  Eigen::Index i = 0;
  for (const double value : values) batch(i++) = static_cast<Scalar>(value);
  return batch;
}

/// Relative tolerance for values computed once in Scalar and summed in double.
template <typename Scalar>
double tolerance() {
  return std::is_same_v<Scalar, float> ? 2e-6 : 1e-14;
}

/// |actual - expected| <= tolerance * max(1, |expected|), with both values in the message.
void check_close(double actual, long double expected, double tolerance) {
  const double e = static_cast<double>(expected);
  BOOST_TEST(std::isfinite(actual));
  BOOST_TEST(std::abs(actual - e) <= tolerance * std::max(1.0, std::abs(e)),
             "got " << actual << ", expected " << e);
}

// The closed forms, written from the definition D(x) = sigmoid(logit) with no rewriting, in
// long double; fine for the moderate logits they are used with.
long double sigmoid(long double x) { return 1.0L / (1.0L + std::exp(-x)); }
long double minus_log_d(long double x) { return -std::log(sigmoid(x)); }
long double minus_log_one_minus_d(long double x) { return -std::log(1.0L - sigmoid(x)); }

const std::vector<double> kReal = {0.3, -1.2, 2.5};
const std::vector<double> kFake = {-0.7, 1.1};

}  // namespace

BOOST_AUTO_TEST_SUITE(non_saturating_loss)

BOOST_AUTO_TEST_CASE_TEMPLATE(discriminator_loss_is_binary_cross_entropy_of_real_and_fake,
                              Scalar, scalar_types) {
  const auto real = logits<Scalar>({kReal[0], kReal[1], kReal[2]});
  const auto fake = logits<Scalar>({kFake[0], kFake[1]});
  gan::Matrix<Scalar> real_gradient;
  gan::Matrix<Scalar> fake_gradient;
  const double loss = Loss::discriminator_loss(real, fake, real_gradient, fake_gradient);

  // L_D = mean -log D(r) + mean -log(1 - D(f)), each mean over its own batch (3 and 2).
  long double expected = 0;
  for (const double r : kReal) expected += minus_log_d(r) / 3;
  for (const double f : kFake) expected += minus_log_one_minus_d(f) / 2;
  check_close(loss, expected, tolerance<Scalar>());

  // dL/dr = (D(r) - 1) / 3, dL/df = D(f) / 2.
  BOOST_TEST_REQUIRE(real_gradient.cols() == 3);
  BOOST_TEST_REQUIRE(fake_gradient.cols() == 2);
  for (Eigen::Index i = 0; i < 3; ++i)
    check_close(real_gradient(i), (sigmoid(kReal[i]) - 1) / 3, tolerance<Scalar>());
  for (Eigen::Index j = 0; j < 2; ++j)
    check_close(fake_gradient(j), sigmoid(kFake[j]) / 2, tolerance<Scalar>());
}

BOOST_AUTO_TEST_CASE_TEMPLATE(generator_loss_is_minus_mean_log_d_of_fake, Scalar,
                              scalar_types) {
  const auto fake = logits<Scalar>({kFake[0], kFake[1]});
  gan::Matrix<Scalar> gradient;
  const double loss = Loss::generator_loss(fake, gradient);
  check_close(loss, (minus_log_d(kFake[0]) + minus_log_d(kFake[1])) / 2, tolerance<Scalar>());
  BOOST_TEST_REQUIRE(gradient.cols() == 2);
  for (Eigen::Index j = 0; j < 2; ++j)
    check_close(gradient(j), (sigmoid(kFake[j]) - 1) / 2, tolerance<Scalar>());
}

BOOST_AUTO_TEST_CASE(gradients_match_finite_differences_of_the_returned_loss) {
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
  // Far into the tails, where the gradient is nearly 0 on one side and nearly -1/n or 1/n
  // on the other.
  const auto tails = gan::testing::loss_gradient_check<Loss, double>(
      logits<double>({-30, 25, 12}), logits<double>({30, -25, -12}));
  BOOST_TEST(tails.passed(), tails.describe());
}

BOOST_AUTO_TEST_CASE_TEMPLATE(extreme_logits_give_finite_closed_form_losses, Scalar,
                              scalar_types) {
  gan::Matrix<Scalar> real_gradient;
  gan::Matrix<Scalar> fake_gradient;
  // softplus(x) = x + log1p(exp(-x)) and exp(-110) < 1e-47, so -log D(-110) and
  // -log(1 - D(110)) are 110 to every digit: a confident wrong D pays 110 per sample.
  check_close(Loss::discriminator_loss(logits<Scalar>({-110}), logits<Scalar>({110}),
                                       real_gradient, fake_gradient),
              220, tolerance<Scalar>());
  check_close(real_gradient(0), -1, tolerance<Scalar>());
  check_close(fake_gradient(0), 1, tolerance<Scalar>());

  // Averaged over two samples each: (110 + 1000) / 2 twice.
  check_close(Loss::discriminator_loss(logits<Scalar>({-1000, -110}),
                                       logits<Scalar>({110, 1000}), real_gradient,
                                       fake_gradient),
              1110, tolerance<Scalar>());
  for (Eigen::Index i = 0; i < 2; ++i) {
    check_close(real_gradient(i), -0.5, tolerance<Scalar>());
    check_close(fake_gradient(i), 0.5, tolerance<Scalar>());
  }

  // A confident right D: the loss is about 2 exp(-110) / 2, and the gradients about
  // exp(-110) / 2 in size, 0 to within 1e-40 in both types.
  const double small = Loss::discriminator_loss(logits<Scalar>({110, 1000}),
                                                logits<Scalar>({-110, -1000}), real_gradient,
                                                fake_gradient);
  BOOST_TEST(small >= 0.0);
  BOOST_TEST(small <= 1e-40);
  for (Eigen::Index i = 0; i < 2; ++i) {
    BOOST_TEST(real_gradient(i) <= Scalar(0));
    BOOST_TEST(real_gradient(i) >= Scalar(-1e-40));
    BOOST_TEST(fake_gradient(i) >= Scalar(0));
    BOOST_TEST(fake_gradient(i) <= Scalar(1e-40));
  }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(extreme_logits_give_finite_closed_form_generator_gradients,
                              Scalar, scalar_types) {
  gan::Matrix<Scalar> gradient;
  // Rejected fakes: -log D(f) = -f, so the loss is (110 + 1000) / 2 and the gradient -1/2:
  // the generator still learns, which is the point of this loss.
  check_close(Loss::generator_loss(logits<Scalar>({-110, -1000}), gradient), 555,
              tolerance<Scalar>());
  check_close(gradient(0), -0.5, tolerance<Scalar>());
  check_close(gradient(1), -0.5, tolerance<Scalar>());
  // Accepted fakes: loss and gradient 0 to within 1e-40.
  const double accepted = Loss::generator_loss(logits<Scalar>({110, 1000}), gradient);
  BOOST_TEST(accepted >= 0.0);
  BOOST_TEST(accepted <= 1e-40);
  for (Eigen::Index j = 0; j < 2; ++j) {
    BOOST_TEST(gradient(j) <= Scalar(0));
    BOOST_TEST(gradient(j) >= Scalar(-1e-40));
  }
}

BOOST_AUTO_TEST_CASE(score_is_the_probability_d_of_x) {
  BOOST_TEST(Loss::score(0.0) == 0.5);
  BOOST_TEST(std::abs(Loss::score(2.0) - 0.8807970779778823) <= 1e-16);
  BOOST_TEST(std::abs(Loss::score(-2.0f) - 0.11920292202211755) <= 1e-8);
  BOOST_TEST(Loss::score(1000.0) == 1.0);
  BOOST_TEST(Loss::score(-1000.0) >= 0.0);
  BOOST_TEST(Loss::score(-1000.0) <= 1e-300);
  BOOST_TEST(Loss::score(-110.0f) >= 0.0);
  BOOST_TEST(Loss::score(-110.0f) <= 1e-47);
}

BOOST_AUTO_TEST_CASE(is_named_non_saturating) {
  BOOST_TEST(std::string(Loss::name) == "non-saturating");
}

BOOST_AUTO_TEST_SUITE_END()
