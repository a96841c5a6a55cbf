// SPDX-License-Identifier: MIT
// The quality metric on real MNIST digits, in the features of the committed classifier
// (examples/mnist_classifier): real digits the classifier never saw score near the floor of
// the sample count, and noise, a single repeated class and blurred digits score far worse, in
// that order. Needs the real digits in data/mnist (scripts/fetch-mnist; scripts/test fetches
// them); without them the test fails and says so.
#define BOOST_TEST_MODULE mnist_quality_on_digits
#include <boost/test/unit_test.hpp>

#include "mnist_classifier/classifier.hpp"

#include <gan/data/mnist.hpp>
#include <gan/gan.hpp>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <vector>

namespace {

constexpr Eigen::Index kSide = 28;
constexpr std::size_t kSplit = 8000;  // the classifier trained on the digits before this one

struct Digits {
  gan::Matrix<float> images;
  std::vector<std::uint8_t> labels;
};

const Digits& digits() {
  static const Digits loaded = [] {
    const std::filesystem::path folder = GAN_MNIST_DIR;
    if (!std::filesystem::exists(folder / gan::data::kMnistTrainImages))
      BOOST_FAIL("no MNIST digits in " << folder.string()
                                       << ": run scripts/fetch-mnist (scripts/test does)");
    const auto images = gan::data::load_mnist_folder(folder);
    return Digits{gan::data::to_matrix<float>(images), images.labels};
  }();
  return loaded;
}

gan::Matrix<float> columns(const std::vector<Eigen::Index>& indices) {
  gan::Matrix<float> out(kSide * kSide, static_cast<Eigen::Index>(indices.size()));
  for (std::size_t j = 0; j < indices.size(); ++j)
    out.col(static_cast<Eigen::Index>(j)) = digits().images.col(indices[j]);
  return out;
}

// Three sets of real digits with the same class mix. The 10,000 digits of scripts/fetch-mnist
// cycle through the classes until the rarer ones run out, so the last 2,000 (which the
// classifier never saw) hold far fewer 5s than 1s; a reference with another mix would score
// the mix, not the images. So:
//   held_out:  half of each class of the last 2,000 digits (never seen by the classifier);
//   reference: three times as many of each class from the first 8,000;
//   floor:     as many again of each class from the first 8,000, none in the reference, to
//              show what real digits score against the reference at this count.
struct Split {
  std::vector<Eigen::Index> held_out, reference, floor;
};

const Split& split() {
  static const Split made = [] {
    std::vector<std::vector<Eigen::Index>> seen(10), unseen(10);
    const auto& labels = digits().labels;
    for (std::size_t j = 0; j < labels.size(); ++j)
      (j < kSplit ? seen : unseen)[labels[j]].push_back(static_cast<Eigen::Index>(j));
    Split result;
    for (std::size_t digit = 0; digit < 10; ++digit) {
      const std::size_t n = unseen[digit].size() / 2;
      BOOST_REQUIRE(4 * n <= seen[digit].size());
      for (std::size_t i = 0; i < n; ++i) result.held_out.push_back(unseen[digit][i]);
      for (std::size_t i = 0; i < 3 * n; ++i) result.reference.push_back(seen[digit][i]);
      for (std::size_t i = 3 * n; i < 4 * n; ++i) result.floor.push_back(seen[digit][i]);
    }
    return result;
  }();
  return made;
}

mnist_classifier::MnistClassifier& classifier() {
  static mnist_classifier::MnistClassifier loaded =
      mnist_classifier::MnistClassifier::load(GAN_CLASSIFIER_WEIGHTS);
  return loaded;
}

const gan::metrics::QualityEvaluator<float>& evaluator() {
  static const gan::metrics::QualityEvaluator<float> made(
      [](const gan::Matrix<float>& images) { return classifier().scores(images); },
      columns(split().reference));
  return made;
}

// A 5-tap binomial blur (1 4 6 4 1)/16 along rows, then columns: a Gaussian of about 1 pixel.
gan::Matrix<float> blurred(const gan::Matrix<float>& images) {
  constexpr float kTaps[5] = {1 / 16.f, 4 / 16.f, 6 / 16.f, 4 / 16.f, 1 / 16.f};
  gan::Matrix<float> out(images.rows(), images.cols());
  for (Eigen::Index n = 0; n < images.cols(); ++n) {
    // In [0, 1] so that the zero padding past the edge is black, as the background is.
    Eigen::MatrixXf image(kSide, kSide), across(kSide, kSide);
    for (Eigen::Index p = 0; p < kSide * kSide; ++p)
      image(p / kSide, p % kSide) = (images(p, n) + 1) / 2;
    for (Eigen::Index r = 0; r < kSide; ++r)
      for (Eigen::Index c = 0; c < kSide; ++c) {
        float sum = 0;
        for (int t = -2; t <= 2; ++t)
          if (c + t >= 0 && c + t < kSide) sum += kTaps[t + 2] * image(r, c + t);
        across(r, c) = sum;
      }
    for (Eigen::Index r = 0; r < kSide; ++r)
      for (Eigen::Index c = 0; c < kSide; ++c) {
        float sum = 0;
        for (int t = -2; t <= 2; ++t)
          if (r + t >= 0 && r + t < kSide) sum += kTaps[t + 2] * across(r + t, c);
        out(r * kSide + c, n) = 2 * sum - 1;
      }
  }
  return out;
}

// As many images as the held-out set, all of one class: the held-out digits labelled
// `digit`, repeated in turn.
gan::Matrix<float> one_class(std::uint8_t digit) {
  std::vector<Eigen::Index> same;
  for (const Eigen::Index j : split().held_out)
    if (digits().labels[static_cast<std::size_t>(j)] == digit) same.push_back(j);
  std::vector<Eigen::Index> repeated;
  for (std::size_t i = 0; i < split().held_out.size(); ++i)
    repeated.push_back(same[i % same.size()]);
  return columns(repeated);
}

gan::Matrix<float> noise(Eigen::Index count) {
  gan::Rng rng(5);
  gan::Matrix<float> out(kSide * kSide, count);
  for (Eigen::Index i = 0; i < out.size(); ++i)
    out.data()[i] = static_cast<float>(2 * rng.uniform() - 1);
  return out;
}

void report(const char* name, const gan::Quality& quality) {
  std::cout << name << ": FD " << quality.frechet_distance << " (" << quality.sample_count << " vs "
            << quality.reference_count << "), IS " << quality.inception_score << ", class entropy "
            << quality.class_entropy << ", " << quality.seconds << " s\n";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(quality_on_digits)

BOOST_AUTO_TEST_CASE(real_held_out_digits_score_near_the_floor_and_the_rest_far_worse) {
  BOOST_REQUIRE(digits().images.cols() == 10000);
  const gan::Matrix<float> held_out = columns(split().held_out);
  const gan::Quality floor = evaluator().evaluate(columns(split().floor));
  const gan::Quality real = evaluator().evaluate(held_out);
  const gan::Quality blur = evaluator().evaluate(blurred(held_out));
  const gan::Quality single = evaluator().evaluate(one_class(3));
  const gan::Quality random = evaluator().evaluate(noise(held_out.cols()));
  report("floor (real digits from the classifier's training split)", floor);
  report("real held-out digits", real);
  report("blurred held-out digits", blur);
  report("a single class (3), repeated", single);
  report("uniform noise", random);

  BOOST_TEST(real.sample_count == split().held_out.size());
  BOOST_TEST(real.reference_count == split().reference.size());
  BOOST_TEST(floor.sample_count == real.sample_count);
  // Near the floor: digits the classifier never saw score about what digits it trained on
  // do (within twice, plus a margin for the floor's own sampling noise); each of the others
  // is many times further, in the expected order.
  BOOST_TEST(real.frechet_distance < 2 * floor.frechet_distance + 1.0);
  BOOST_TEST(blur.frechet_distance > 5 * real.frechet_distance);
  BOOST_TEST(single.frechet_distance > 5 * blur.frechet_distance);
  BOOST_TEST(random.frechet_distance > 5 * single.frechet_distance);
  // The class scores tell the same story: real digits cover the classes with confident
  // predictions, a single class does not.
  BOOST_TEST(real.inception_score > 8.0);
  BOOST_TEST(single.inception_score < 1.5);
  BOOST_TEST(single.class_entropy < 0.1);
}

BOOST_AUTO_TEST_SUITE_END()
