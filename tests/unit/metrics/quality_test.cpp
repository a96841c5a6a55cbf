// SPDX-License-Identifier: MIT
// Tests of metrics/quality.hpp: QualityEvaluator against closed forms (identity features make
// the Fréchet distance a formula of means and covariances), its chunking, its class-based
// scores, and its refusals.
#define BOOST_TEST_MODULE metrics_quality
#include <boost/test/unit_test.hpp>

#include <gan/core/random.hpp>
#include <gan/metrics/quality.hpp>

#include <cmath>
#include <stdexcept>

namespace {

namespace tt = boost::test_tools;

using Evaluator = gan::metrics::QualityEvaluator<double>;
using Outputs = gan::metrics::FeatureOutputs<double>;

// Features equal to the images: the distance is then that of the images' own Gaussians.
Outputs identity(const gan::Matrix<double>& images) { return {images, {}}; }

gan::Matrix<double> gaussian_images(Eigen::Index rows, Eigen::Index count, std::uint64_t seed) {
  gan::Rng rng(seed);
  gan::Matrix<double> images(rows, count);
  for (Eigen::Index i = 0; i < images.size(); ++i) images.data()[i] = rng.normal();
  return images;
}

// A "classifier" over 3 classes that is certain of class (first value's sign, else 2).
Outputs certain_classes(const gan::Matrix<double>& images) {
  Outputs out{images, gan::Matrix<double>::Zero(3, images.cols())};
  for (Eigen::Index j = 0; j < images.cols(); ++j)
    out.probabilities(images(0, j) > 0.5 ? 0 : images(0, j) < -0.5 ? 1 : 2, j) = 1;
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(quality_evaluator)

BOOST_AUTO_TEST_CASE(the_reference_images_score_zero_and_both_counts_are_reported) {
  const auto real = gaussian_images(3, 400, 1);
  const Evaluator evaluator(identity, real);
  const gan::Quality quality = evaluator.evaluate(real);
  BOOST_TEST(quality.frechet_distance == 0.0, tt::tolerance(1e-9));
  BOOST_TEST(quality.sample_count == 400u);
  BOOST_TEST(quality.reference_count == 400u);
  BOOST_TEST(evaluator.reference().count == 400u);
  // No probabilities: the class-based scores are not made up.
  BOOST_TEST(std::isnan(quality.inception_score));
  BOOST_TEST(std::isnan(quality.class_entropy));
  BOOST_TEST(quality.seconds >= 0.0);
}

BOOST_AUTO_TEST_CASE(a_shift_of_the_mean_scores_its_squared_length) {
  // Same covariance, mean moved by (1, -2, 0.5): the trace terms cancel exactly and the
  // distance is |shift|^2 = 5.25.
  const auto real = gaussian_images(3, 300, 2);
  gan::Matrix<double> shifted = real;
  shifted.row(0).array() += 1.0;
  shifted.row(1).array() -= 2.0;
  shifted.row(2).array() += 0.5;
  const Evaluator evaluator(identity, real);
  BOOST_TEST(evaluator.evaluate(shifted).frechet_distance == 5.25, tt::tolerance(1e-9));
}

BOOST_AUTO_TEST_CASE(a_scaled_spread_scores_the_closed_form_of_the_trace_term) {
  // Generated = 2 x real: C_g = 4 C, so d^2 = tr(C) + 4 tr(C) - 2 tr(2 C) = tr(C), plus the
  // squared mean difference, with the mean m_g = 2 m.
  const auto real = gaussian_images(4, 500, 3);
  const gan::Matrix<double> doubled = 2.0 * real;
  const Eigen::VectorXd mean = real.rowwise().mean();
  const gan::Matrix<double> centred = real.colwise() - mean;
  const double trace = (centred * centred.transpose()).trace() / 499.0;
  const Evaluator evaluator(identity, real);
  BOOST_TEST(evaluator.evaluate(doubled).frechet_distance == trace + mean.squaredNorm(),
             tt::tolerance(1e-9));
}

BOOST_AUTO_TEST_CASE(chunks_of_any_size_give_the_same_scores) {
  const auto real = gaussian_images(3, 257, 4);
  const auto generated = gaussian_images(3, 131, 5);
  const Evaluator whole(certain_classes, real, 1000);
  const Evaluator pieces(certain_classes, real, 7);
  const gan::Quality a = whole.evaluate(generated);
  const gan::Quality b = pieces.evaluate(generated);
  BOOST_TEST(a.frechet_distance == b.frechet_distance, tt::tolerance(1e-12));
  BOOST_TEST(a.inception_score == b.inception_score, tt::tolerance(1e-12));
  BOOST_TEST(a.class_entropy == b.class_entropy, tt::tolerance(1e-12));
  BOOST_TEST(b.sample_count == 131u);
}

BOOST_AUTO_TEST_CASE(class_scores_come_from_the_probabilities) {
  // Certain predictions, equally spread over 3 classes: Inception Score 3, entropy 1.
  gan::Matrix<double> images(1, 6);
  images << 1, -1, 0, 1, -1, 0;
  const Evaluator evaluator(certain_classes, gaussian_images(1, 50, 6));
  const gan::Quality spread = evaluator.evaluate(images);
  BOOST_TEST(spread.inception_score == 3.0, tt::tolerance(1e-12));
  BOOST_TEST(spread.class_entropy == 1.0, tt::tolerance(1e-12));
  // All one class: Inception Score 1, entropy 0, the signs of a collapsed generator.
  const gan::Quality collapsed = evaluator.evaluate(gan::Matrix<double>::Constant(1, 6, 1.0));
  BOOST_TEST(collapsed.inception_score == 1.0, tt::tolerance(1e-12));
  BOOST_TEST(collapsed.class_entropy == 0.0, tt::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(bad_input_is_refused_by_name) {
  const auto real = gaussian_images(3, 20, 7);
  BOOST_CHECK_THROW(Evaluator(identity, gaussian_images(3, 1, 8)), std::invalid_argument);
  BOOST_CHECK_THROW(Evaluator(identity, real, 0), std::invalid_argument);
  BOOST_CHECK_THROW(Evaluator(Evaluator::FeatureFunction{}, real), std::invalid_argument);
  const Evaluator evaluator(identity, real);
  BOOST_CHECK_EXCEPTION(evaluator.evaluate(gaussian_images(2, 20, 9)), std::invalid_argument,
                        [](const std::invalid_argument& error) {
                          return std::string(error.what())
                                     .find(
                                         "expected images of 3 values, "
                                         "got 2") != std::string::npos;
                        });
  BOOST_CHECK_THROW(evaluator.evaluate(gaussian_images(3, 1, 10)), std::invalid_argument);
  // A feature function whose output size changes between chunks, or is the wrong width.
  int calls = 0;
  const auto unstable = [&](const gan::Matrix<double>& images) -> Outputs {
    return {gan::Matrix<double>::Zero(++calls == 1 ? 2 : 3, images.cols()), {}};
  };
  BOOST_CHECK_THROW(Evaluator(unstable, real, 8), std::invalid_argument);
  const auto too_narrow = [](const gan::Matrix<double>& images) -> Outputs {
    return {gan::Matrix<double>::Zero(2, images.cols() - 1), {}};
  };
  BOOST_CHECK_THROW(Evaluator(too_narrow, real), std::invalid_argument);
  // Features that are not finite.
  const auto nan_features = [](const gan::Matrix<double>& images) -> Outputs {
    return {gan::Matrix<double>::Constant(2, images.cols(), std::nan("")), {}};
  };
  BOOST_CHECK_THROW(Evaluator(nan_features, real), std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()
