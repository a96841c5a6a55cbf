// SPDX-License-Identifier: MIT
// Tests of losses/softmax_cross_entropy.hpp: values against closed forms, gradients against
// finite differences, extreme logits, the softmax, and the refusal of bad labels and shapes.
#define BOOST_TEST_MODULE softmax_cross_entropy
#include <boost/test/unit_test.hpp>

#include <gan/core/random.hpp>
#include <gan/core/tensor.hpp>
#include <gan/losses/softmax_cross_entropy.hpp>

#include "support/expected_errors.hpp"
#include "support/loss_checks.hpp"
#include "support/numeric_checks.hpp"

#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <vector>

namespace {

using namespace gan::test_support;

/// A [classes, batch] matrix from rows of values.
template <typename Scalar>
gan::Matrix<Scalar> matrix(std::initializer_list<std::initializer_list<double>> rows) {
  gan::Matrix<Scalar> result(static_cast<Eigen::Index>(rows.size()),
                             static_cast<Eigen::Index>(rows.begin()->size()));
  Eigen::Index r = 0;
  for (const auto& row : rows) {
    Eigen::Index c = 0;
    for (const double value : row) result(r, c++) = static_cast<Scalar>(value);
    ++r;
  }
  return result;
}

/// -log softmax(z)_y of one column, from the definition in long double.
long double minus_log_softmax(const std::vector<long double>& z, std::size_t y) {
  long double sum = 0;
  for (const long double v : z) sum += std::exp(v);
  return -std::log(std::exp(z[y]) / sum);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(softmax_cross_entropy_loss)

BOOST_AUTO_TEST_CASE_TEMPLATE(loss_is_the_mean_negative_log_probability_of_the_label, Scalar,
                              scalar_types) {
  // Three classes, two samples with labels 2 and 0.
  const auto logits = matrix<Scalar>({{0.5, -1.0}, {1.5, 0.25}, {-0.3, 2.0}});
  const std::vector<std::uint8_t> labels = {2, 0};
  gan::Matrix<Scalar> gradient;
  const double loss = gan::softmax_cross_entropy(logits, labels, gradient);

  const std::vector<long double> first = {0.5L, 1.5L, -0.3L};
  const std::vector<long double> second = {-1.0L, 0.25L, 2.0L};
  const long double expected = (minus_log_softmax(first, 2) + minus_log_softmax(second, 0)) / 2;
  check_close(loss, expected, loss_tolerance<Scalar>());

  // dL/dz_c = (softmax(z)_c - [c == y]) / 2.
  BOOST_TEST_REQUIRE(gradient.rows() == 3);
  BOOST_TEST_REQUIRE(gradient.cols() == 2);
  for (const auto& [column, z, label] : {std::tuple{0, first, 2}, std::tuple{1, second, 0}}) {
    long double sum = 0;
    for (const long double v : z) sum += std::exp(v);
    for (int c = 0; c < 3; ++c)
      check_close(gradient(c, column), (std::exp(z[c]) / sum - (c == label ? 1 : 0)) / 2,
                  loss_tolerance<Scalar>());
  }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(equal_logits_give_log_of_the_class_count, Scalar, scalar_types) {
  const gan::Matrix<Scalar> logits = gan::Matrix<Scalar>::Constant(10, 4, Scalar(3));
  const std::vector<int> labels = {0, 3, 9, 5};
  gan::Matrix<Scalar> gradient;
  check_close(gan::softmax_cross_entropy(logits, labels, gradient), std::log(10.0L),
              loss_tolerance<Scalar>());
}

BOOST_AUTO_TEST_CASE(gradient_matches_finite_differences) {
  for (const std::uint64_t seed : {1u, 2u, 3u}) {
    BOOST_TEST_CONTEXT("seed " << seed) {
      gan::Rng rng(seed);
      gan::Matrix<double> logits(5, 4);
      for (Eigen::Index i = 0; i < logits.size(); ++i) logits(i) = rng.uniform(-3, 3);
      std::vector<std::uint8_t> labels;
      for (int j = 0; j < 4; ++j) labels.push_back(static_cast<std::uint8_t>(rng.below(5)));
      gan::Matrix<double> gradient;
      gan::Matrix<double> unused;
      gan::softmax_cross_entropy(logits, labels, gradient);
      const double h = 1e-6;
      for (Eigen::Index i = 0; i < logits.size(); ++i) {
        gan::Matrix<double> up = logits;
        gan::Matrix<double> down = logits;
        up(i) += h;
        down(i) -= h;
        const double numeric = (gan::softmax_cross_entropy(up, labels, unused) -
                                gan::softmax_cross_entropy(down, labels, unused)) /
                               (up(i) - down(i));
        BOOST_TEST(gradient(i) == numeric, boost::test_tools::tolerance(1e-6));
        BOOST_TEST(std::abs(gradient(i) - numeric) <= 1e-8,
                   "entry " << i << ": analytic " << gradient(i) << ", numeric " << numeric);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(extreme_logits_stay_finite, Scalar, scalar_types) {
  // Logits far beyond where exp() overflows (about 88 in float, 709 in double), in both
  // directions, with the label on the largest, on the smallest, and on a tie.
  const auto logits = matrix<Scalar>({{1e4, -1e4, 3e4}, {-1e4, 1e4, 3e4}, {0, -3e4, -3e4}});
  const std::vector<std::uint8_t> labels = {0, 2, 1};
  gan::Matrix<Scalar> gradient;
  const double loss = gan::softmax_cross_entropy(logits, labels, gradient);
  BOOST_TEST(std::isfinite(loss));
  BOOST_TEST(gradient.allFinite());
  // Sample 0 is certain and right (loss 0), sample 1 certain and wrong by 4e4 (loss 4e4),
  // sample 2 a tie of two classes (loss log 2).
  check_close(loss, (0 + 4e4L + std::log(2.0L)) / 3, 1e-6);
  // Each column's gradient sums to 0: probabilities sum to 1, and one label is subtracted.
  for (Eigen::Index j = 0; j < 3; ++j)
    BOOST_TEST(std::abs(static_cast<double>(gradient.col(j).sum())) <= 1e-6);
  BOOST_TEST(static_cast<double>(gradient(2, 1)) == -1.0 / 3, boost::test_tools::tolerance(1e-6));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(softmax_columns_are_distributions_even_for_extreme_logits, Scalar,
                              scalar_types) {
  const auto logits = matrix<Scalar>({{1e4, 0.0, 1.0}, {-1e4, 0.0, 2.0}});
  const gan::Matrix<Scalar> probabilities = gan::softmax(logits);
  BOOST_TEST(probabilities.allFinite());
  for (Eigen::Index j = 0; j < 3; ++j)
    BOOST_TEST(static_cast<double>(probabilities.col(j).sum()) == 1.0,
               boost::test_tools::tolerance(1e-6));
  BOOST_TEST(static_cast<double>(probabilities(0, 0)) == 1.0);
  BOOST_TEST(static_cast<double>(probabilities(0, 1)) == 0.5, boost::test_tools::tolerance(1e-6));
  // softmax(1, 2) = (1, e) / (1 + e).
  BOOST_TEST(static_cast<double>(probabilities(1, 2)) == std::exp(1.0) / (1 + std::exp(1.0)),
             boost::test_tools::tolerance(1e-6));
  BOOST_TEST(gan::predicted_class(logits, 2) == 1);
}

BOOST_AUTO_TEST_CASE(a_label_outside_the_classes_is_refused_by_value_and_index) {
  const gan::Matrix<float> logits = gan::Matrix<float>::Zero(10, 3);
  gan::Matrix<float> gradient;
  check_throws<std::invalid_argument>(
      [&] {
        gan::softmax_cross_entropy(logits, std::vector<std::uint8_t>{1, 10, 2}, gradient);
      },
      {"softmax_cross_entropy", "labels from 0 to 9", "label 10 at index 1"});
  check_throws<std::invalid_argument>(
      [&] {
        gan::softmax_cross_entropy(logits, std::vector<int>{1, 2, -1}, gradient);
      },
      {"label -1 at index 2"});
}

BOOST_AUTO_TEST_CASE(bad_shapes_are_refused_with_the_sizes) {
  gan::Matrix<float> gradient;
  check_throws<std::invalid_argument>(
      [&] {
        gan::softmax_cross_entropy(gan::Matrix<float>(gan::Matrix<float>::Zero(10, 3)),
                                   std::vector<int>{1, 2}, gradient);
      },
      {"one label per sample, 3, got 2 labels"});
  check_throws<std::invalid_argument>(
      [&] {
        gan::softmax_cross_entropy(gan::Matrix<float>(gan::Matrix<float>::Zero(1, 2)),
                                   std::vector<int>{0, 0}, gradient);
      },
      {"at least 2 classes, got 1x2"});
  check_throws<std::invalid_argument>(
      [&] {
        gan::softmax_cross_entropy(gan::Matrix<float>(gan::Matrix<float>::Zero(10, 0)),
                                   std::vector<int>{}, gradient);
      },
      {"at least one sample, got 10x0"});
  check_throws<std::invalid_argument>([&] { gan::softmax(gan::Matrix<float>(0, 0)); },
                                      {"softmax", "0x0"});
}

BOOST_AUTO_TEST_SUITE_END()
