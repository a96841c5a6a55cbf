// SPDX-License-Identifier: MIT
// Scoring generated samples against real data with a feature network: the Fréchet distance
// between the two feature distributions and, when the network also classifies, the
// Inception-Score analogue and the predicted-class entropy. The real data's statistics are
// computed once, when the evaluator is made; each evaluation then costs one feature pass over
// the generated samples and a few small matrix operations.
#pragma once

#include <gan/core/error.hpp>
#include <gan/core/tensor.hpp>
#include <gan/metrics/class_scores.hpp>
#include <gan/metrics/frechet.hpp>
#include <gan/train/step_stats.hpp>

#include <Eigen/Core>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <functional>
#include <stdexcept>
#include <utility>

namespace gan::metrics {

/// What a feature network gives for a batch of images.
template <typename Scalar>
struct FeatureOutputs {
  /// [feature_size, n]: the vectors whose statistics the Fréchet distance compares.
  Matrix<Scalar> features;
  /// [classes, n]: each image's predicted class distribution, or empty (0 x 0) when the
  /// network does not classify; the class-based scores are then NaN.
  Matrix<Scalar> probabilities;
};

/// Scores sets of images against a fixed set of real ones through `FeatureFunction`, any
/// callable from images [sample_size, n] to FeatureOutputs<Scalar> (for MNIST, a classifier's
/// penultimate layer and its softmax; examples/mnist_classifier).
///
/// The images are passed to the feature function in chunks of at most `chunk` columns, so
/// that memory stays bounded whatever the sample count.
template <typename Scalar>
class QualityEvaluator {
 public:
  using Images = Matrix<Scalar>;
  using FeatureFunction = std::function<FeatureOutputs<Scalar>(const Images&)>;

  /// Computes the reference statistics of `real_images`, [sample_size, count].
  /// @throws std::invalid_argument for fewer than 2 real images, a chunk of 0, or features
  ///         that are not finite or change size between chunks
  QualityEvaluator(FeatureFunction features, const Images& real_images, std::size_t chunk = 500)
      : features_(std::move(features)), chunk_(chunk), sample_size_(real_images.rows()) {
    if (!features_)
      throw std::invalid_argument("QualityEvaluator: expected a feature function, got none");
    if (chunk_ == 0)
      throw std::invalid_argument("QualityEvaluator: expected a chunk of at least 1 image, got 0");
    if (real_images.cols() < 2)
      throw std::invalid_argument(
          message("QualityEvaluator: expected at least 2 real images, got ", real_images.cols()));
    reference_ = feature_statistics(outputs(real_images).features);
  }

  /// The statistics of the real images' features, with their count.
  const FeatureStatistics& reference() const noexcept { return reference_; }

  /// Scores `images`, [sample_size, n] with n >= 2: the Fréchet distance to the reference
  /// (with both counts), and the class-based scores when the feature function classifies.
  /// @throws std::invalid_argument for another sample size or fewer than 2 images
  Quality evaluate(const Images& images) const {
    const auto start = std::chrono::steady_clock::now();
    if (images.rows() != sample_size_)
      throw std::invalid_argument(message("QualityEvaluator::evaluate: expected images of ",
                                          sample_size_, " values, got ", images.rows()));
    if (images.cols() < 2)
      throw std::invalid_argument(
          message("QualityEvaluator::evaluate: expected at least 2 images, got ", images.cols()));
    const FeatureOutputs<Scalar> out = outputs(images);
    const FrechetDistance distance = frechet_distance(feature_statistics(out.features), reference_);
    Quality quality;
    quality.frechet_distance = distance.value;
    quality.sample_count = distance.first_count;
    quality.reference_count = distance.second_count;
    if (out.probabilities.size() > 0) {
      quality.inception_score = inception_score(out.probabilities);
      quality.class_entropy = predicted_class_entropy(out.probabilities).normalised;
    }
    quality.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return quality;
  }

 private:
  // The feature function's outputs for all of `images`, chunk by chunk, checked for shape.
  FeatureOutputs<Scalar> outputs(const Images& images) const {
    FeatureOutputs<Scalar> all;
    const Eigen::Index count = images.cols();
    const auto chunk = static_cast<Eigen::Index>(chunk_);
    for (Eigen::Index first = 0; first < count; first += chunk) {
      const Eigen::Index n = std::min(chunk, count - first);
      const Images part = images.middleCols(first, n);
      FeatureOutputs<Scalar> out = features_(part);
      check_part(out, n, first == 0 ? nullptr : &all);
      if (first == 0) {
        all.features.resize(out.features.rows(), count);
        all.probabilities.resize(out.probabilities.rows(),
                                 out.probabilities.size() > 0 ? count : 0);
      }
      all.features.middleCols(first, n) = out.features;
      if (out.probabilities.size() > 0) all.probabilities.middleCols(first, n) = out.probabilities;
    }
    return all;
  }

  // Refuses outputs of the wrong width, or whose heights differ from the earlier chunks'.
  static void check_part(const FeatureOutputs<Scalar>& out, Eigen::Index n,
                         const FeatureOutputs<Scalar>* earlier) {
    if (out.features.cols() != n || out.features.rows() == 0)
      throw std::invalid_argument(message("QualityEvaluator: the feature function gave ",
                                          out.features.rows(), "x", out.features.cols(),
                                          " features for ", n, " images; expected F x ", n));
    if (out.probabilities.size() > 0 && out.probabilities.cols() != n)
      throw std::invalid_argument(message("QualityEvaluator: the feature function gave ",
                                          out.probabilities.cols(), " probability columns for ", n,
                                          " images"));
    if (earlier != nullptr && (out.features.rows() != earlier->features.rows() ||
                               out.probabilities.rows() != earlier->probabilities.rows()))
      throw std::invalid_argument(
          "QualityEvaluator: the feature function's output size changed between chunks");
  }

  FeatureFunction features_;
  std::size_t chunk_;
  Eigen::Index sample_size_;
  FeatureStatistics reference_;
};

}  // namespace gan::metrics
