// SPDX-License-Identifier: MIT
// Tests of noise/class_label.hpp: WithClassLabel draws its base prior into the first rows and a
// uniformly random one-hot class into the last ones, and says both in its name.
#define BOOST_TEST_MODULE class_label
#include <boost/test/unit_test.hpp>

#include <gan/core/concepts.hpp>
#include <gan/core/random.hpp>
#include <gan/core/tensor.hpp>
#include <gan/noise/class_label.hpp>
#include <gan/noise/priors.hpp>

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string_view>
#include <vector>

namespace {

using Prior = gan::WithClassLabel<gan::StandardNormal, 10>;
static_assert(gan::NoisePrior<Prior, float>);

// The class in the last `classes` rows of column j, or -1 when they are not a one-hot.
int one_hot_class(const gan::Matrix<float>& noise, Eigen::Index j, std::size_t classes) {
  const Eigen::Index first = noise.rows() - static_cast<Eigen::Index>(classes);
  int found = -1;
  for (Eigen::Index i = 0; i < static_cast<Eigen::Index>(classes); ++i) {
    const float value = noise(first + i, j);
    if (value == 1.0f && found == -1)
      found = static_cast<int>(i);
    else if (value != 0.0f)
      return -1;
  }
  return found;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(with_class_label)

BOOST_AUTO_TEST_CASE(name_holds_the_base_prior_and_the_class_count) {
  BOOST_TEST(std::string_view(Prior::name) == "normal+one-hot(10)");
  BOOST_TEST(std::string_view(gan::WithClassLabel<gan::Uniform, 3>::name) == "uniform+one-hot(3)");
  BOOST_TEST(std::string_view(gan::WithClassLabel<gan::StandardNormal, 120>::name) ==
             "normal+one-hot(120)");
}

BOOST_AUTO_TEST_CASE(fill_appends_a_valid_one_hot_to_base_draws) {
  gan::Matrix<float> noise(14, 200);
  gan::Rng rng(5);
  Prior::fill(noise, rng);
  BOOST_TEST(noise.rows() == 14);
  BOOST_TEST(noise.cols() == 200);
  for (Eigen::Index j = 0; j < noise.cols(); ++j) BOOST_TEST_CONTEXT("column " << j) {
      BOOST_TEST(one_hot_class(noise, j, 10) >= 0);
    }
  // The latent rows are normal draws: mean near 0, variance near 1 over 800 values.
  const auto latent = noise.topRows(4).array();
  const double mean = latent.mean();
  const double variance = (latent - static_cast<float>(mean)).square().mean();
  BOOST_TEST(std::abs(mean) < 0.15);
  BOOST_TEST(std::abs(variance - 1.0) < 0.2);
}

BOOST_AUTO_TEST_CASE(classes_are_drawn_uniformly) {
  constexpr std::size_t kDraws = 20000;
  gan::Matrix<float> noise(12, static_cast<Eigen::Index>(kDraws));
  gan::Rng rng(11);
  Prior::fill(noise, rng);
  std::array<std::size_t, 10> counts{};
  for (Eigen::Index j = 0; j < noise.cols(); ++j) ++counts[one_hot_class(noise, j, 10)];
  // Chi-squared with 9 degrees of freedom: 27.9 is its 0.999 quantile.
  double chi_squared = 0;
  for (const std::size_t count : counts) {
    const double expected = kDraws / 10.0;
    chi_squared += (count - expected) * (count - expected) / expected;
  }
  BOOST_TEST(chi_squared < 27.9, "counts give chi-squared " << chi_squared);
}

BOOST_AUTO_TEST_CASE(chosen_labels_go_where_asked) {
  const std::vector<std::uint8_t> labels = {7, 0, 9, 7};
  gan::Rng rng(3);
  const gan::Matrix<double> noise =
      Prior::draw_with_labels<double>(20, std::span<const std::uint8_t>(labels), rng);
  BOOST_TEST(noise.rows() == 20);
  BOOST_TEST(noise.cols() == 4);
  for (Eigen::Index j = 0; j < 4; ++j)
    BOOST_TEST(one_hot_class(noise.cast<float>(), j, 10) == labels[static_cast<std::size_t>(j)]);
}

BOOST_AUTO_TEST_CASE(fill_is_reproducible_from_the_seed) {
  gan::Matrix<float> a(15, 8), b(15, 8);
  gan::Rng rng_a(9), rng_b(9);
  Prior::fill(a, rng_a);
  Prior::fill(b, rng_b);
  BOOST_TEST((a == b));
}

BOOST_AUTO_TEST_CASE(bad_shapes_and_labels_are_refused) {
  gan::Rng rng(1);
  gan::Matrix<float> too_small(10, 3);
  BOOST_CHECK_THROW(Prior::fill(too_small, rng), std::invalid_argument);
  const std::vector<int> out_of_range = {1, 10};
  gan::Matrix<float> noise(12, 2);
  BOOST_CHECK_THROW(Prior::fill_with_labels(noise, std::span<const int>(out_of_range), rng),
                    std::invalid_argument);
  const std::vector<int> too_few = {1};
  BOOST_CHECK_THROW(Prior::fill_with_labels(noise, std::span<const int>(too_few), rng),
                    std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()
