// SPDX-License-Identifier: MIT
// Tests of metrics/class_scores.hpp: the Inception Score analogue and the predicted-class
// entropy against their closed forms.
#define BOOST_TEST_MODULE metrics_class_scores
#include <boost/test/unit_test.hpp>

#include <gan/metrics/class_scores.hpp>

#include <cmath>
#include <stdexcept>

namespace {

// `count` certain predictions, sample j of class j % classes_used.
Eigen::MatrixXd certain(Eigen::Index classes, Eigen::Index classes_used, Eigen::Index count) {
  Eigen::MatrixXd p = Eigen::MatrixXd::Zero(classes, count);
  for (Eigen::Index j = 0; j < count; ++j) p(j % classes_used, j) = 1;
  return p;
}

}  // namespace

BOOST_AUTO_TEST_CASE(certain_predictions_spread_evenly_score_the_number_of_classes) {
  BOOST_TEST(std::abs(gan::metrics::inception_score(certain(10, 10, 50)) - 10.0) < 1e-12);
  const auto entropy = gan::metrics::predicted_class_entropy(certain(10, 10, 50));
  BOOST_TEST(std::abs(entropy.nats - std::log(10.0)) < 1e-12);
  BOOST_TEST(std::abs(entropy.normalised - 1.0) < 1e-12);
  BOOST_TEST(entropy.count == 50u);
}

BOOST_AUTO_TEST_CASE(a_single_class_scores_one_and_no_entropy) {
  BOOST_TEST(std::abs(gan::metrics::inception_score(certain(10, 1, 30)) - 1.0) < 1e-12);
  BOOST_TEST(gan::metrics::predicted_class_entropy(certain(10, 1, 30)).nats == 0.0);
}

BOOST_AUTO_TEST_CASE(collapse_onto_some_classes_scores_their_number) {
  // Certain predictions over 4 of 10 classes, equally often: IS = 4, entropy log 4.
  BOOST_TEST(std::abs(gan::metrics::inception_score(certain(10, 4, 40)) - 4.0) < 1e-12);
  BOOST_TEST(std::abs(gan::metrics::predicted_class_entropy(certain(10, 4, 40)).normalised -
                      std::log(4.0) / std::log(10.0)) < 1e-12);
}

BOOST_AUTO_TEST_CASE(uncertain_predictions_score_one) {
  // Every sample predicted uniform: each p(y | x) is the marginal, so every KL term is 0.
  const Eigen::MatrixXf uniform = Eigen::MatrixXf::Constant(5, 20, 0.2f);
  BOOST_TEST(std::abs(gan::metrics::inception_score(uniform) - 1.0) < 1e-6);
}

BOOST_AUTO_TEST_CASE(a_mixed_case_gives_the_formula) {
  // Two samples over two classes: p1 = (0.9, 0.1), p2 = (0.2, 0.8); marginal (0.55, 0.45).
  Eigen::MatrixXd p(2, 2);
  p << 0.9, 0.2, 0.1, 0.8;
  const auto kl = [](double a, double b) {
    return a * std::log(a / 0.55) + b * std::log(b / 0.45);
  };
  const double expected = std::exp((kl(0.9, 0.1) + kl(0.2, 0.8)) / 2);
  BOOST_TEST(std::abs(gan::metrics::inception_score(p) - expected) < 1e-12);
}

BOOST_AUTO_TEST_CASE(what_are_not_probabilities_is_refused) {
  BOOST_CHECK_THROW(gan::metrics::inception_score(Eigen::MatrixXd::Constant(1, 3, 1.0)),
                    std::invalid_argument);
  Eigen::MatrixXd p = certain(3, 3, 3);
  p(0, 1) = 0.5;  // column 1 sums to 1.5
  BOOST_CHECK_THROW(gan::metrics::inception_score(p), std::invalid_argument);
  p = certain(3, 3, 3);
  p(0, 2) = -0.5;
  p(2, 2) = 1.5;
  BOOST_CHECK_THROW(gan::metrics::predicted_class_entropy(p), std::invalid_argument);
  p = certain(3, 3, 3);
  p(1, 0) = std::nan("");
  BOOST_CHECK_THROW(gan::metrics::predicted_class_entropy(p), std::invalid_argument);
}
