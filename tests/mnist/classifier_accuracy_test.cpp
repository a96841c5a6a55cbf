// SPDX-License-Identifier: MIT
// Tests of the committed MNIST classifier (examples/mnist_classifier/): its weights reach at
// least 98% on the 2,000 digits the mnist_classifier program holds out, its features are the
// input of its last layer, and its weights file refuses to be mistaken for anything else.
// Needs the real digits in data/mnist (scripts/fetch-mnist); fails, saying so, without them.
#define BOOST_TEST_MODULE mnist_classifier_accuracy
#include <boost/test/unit_test.hpp>

#include <gan/data/mnist.hpp>
#include <gan/io/checkpoint.hpp>

#include "mnist_classifier/classifier.hpp"
#include "support/expected_errors.hpp"
#include "support/temporary_files.hpp"

#include <cmath>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <string>
#include <vector>

namespace {

using gan::test_support::check_throws;
using mnist_classifier::MnistClassifier;

// What mnist_classifier holds out of the 10,000 digits of scripts/fetch-mnist: the last 2,000.
constexpr Eigen::Index kDigits = 10'000;
constexpr Eigen::Index kHeldOut = 2'000;
constexpr double kRequiredAccuracy = 0.98;

struct HeldOut {
  gan::Matrix<float> images;
  std::vector<std::uint8_t> labels;
};

/// The held-out digits; a test error saying how to fetch them when they cannot be read.
HeldOut held_out_digits() {
  gan::data::LabelledImages digits;
  try {
    digits = gan::data::load_mnist_folder(GAN_MNIST_DIR);
  } catch (const std::exception& error) {
    BOOST_FAIL("this test needs the real MNIST digits in " GAN_MNIST_DIR
               "; fetch them with scripts/fetch-mnist (scripts/test does), then run it again. "
               "The loader said: "
               << error.what());
  }
  BOOST_TEST_REQUIRE(static_cast<Eigen::Index>(digits.count) == kDigits,
                     "expected the 10,000 digits of scripts/fetch-mnist in " GAN_MNIST_DIR);
  const gan::Matrix<float> all = gan::data::to_matrix<float>(digits);
  return {all.rightCols(kHeldOut),
          std::vector<std::uint8_t>(digits.labels.end() - kHeldOut, digits.labels.end())};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(mnist_classifier_weights)

BOOST_AUTO_TEST_CASE(committed_weights_classify_the_held_out_digits) {
  const HeldOut digits = held_out_digits();
  MnistClassifier classifier = MnistClassifier::load(GAN_CLASSIFIER_WEIGHTS);
  const double accuracy = classifier.accuracy(digits.images, digits.labels);
  BOOST_TEST_MESSAGE("held-out accuracy " << accuracy);
  BOOST_TEST(accuracy >= kRequiredAccuracy,
             "held-out accuracy " << accuracy << ", expected at least " << kRequiredAccuracy);
  // The file records what the program measured at the end of training: the same number.
  BOOST_TEST(std::stod(classifier.metadata().at("held_out_accuracy")) == accuracy,
             boost::test_tools::tolerance(1e-9));
}

BOOST_AUTO_TEST_CASE(features_are_the_input_of_the_last_layer) {
  const HeldOut digits = held_out_digits();
  MnistClassifier classifier = MnistClassifier::load(GAN_CLASSIFIER_WEIGHTS);
  const gan::Matrix<float> images = digits.images.leftCols(300);
  const gan::Matrix<float> features = classifier.features(images);
  const gan::Matrix<float> logits = classifier.logits(images);
  const gan::Matrix<float> probabilities = classifier.probabilities(images);
  BOOST_TEST_REQUIRE(features.rows() == static_cast<Eigen::Index>(mnist_classifier::kFeatures));
  BOOST_TEST_REQUIRE(features.cols() == 300);
  BOOST_TEST_REQUIRE(probabilities.rows() == 10);
  BOOST_TEST((features.array() >= 0).all(), "features come out of a ReLU");

  // logits = W features + b, with the last layer's own weights.
  constexpr std::size_t kLast = mnist_classifier::ClassifierNetwork::layer_count - 1;
  const auto& last = classifier.network().layer<kLast>();
  const gan::Matrix<float> expected = (last.weights() * features).colwise() + last.bias();
  BOOST_TEST((expected - logits).cwiseAbs().maxCoeff() <=
             1e-4f * (1 + logits.cwiseAbs().maxCoeff()));
  for (Eigen::Index j = 0; j < 300; ++j)
    BOOST_TEST(probabilities.col(j).sum() == 1.0f, boost::test_tools::tolerance(1e-5f));

  // Inference mode, in chunks: an image's features do not depend on the others scored with it.
  const gan::Matrix<float> one = images.col(7);
  BOOST_TEST((classifier.features(one) - features.col(7)).cwiseAbs().maxCoeff() <= 1e-5f);
}

BOOST_AUTO_TEST_CASE(a_file_of_another_kind_is_refused_by_name) {
  const gan::test_support::TemporaryDirectory directory;
  const std::filesystem::path path = directory.path() / "other.gan";
  gan::CheckpointWriter writer;
  writer.put("kind", std::string("gan.alternating_trainer.v1"));
  writer.commit(path);
  check_throws<gan::CheckpointError>(
      [&] { MnistClassifier::load(path); },
      {path.string(), "kind is 'gan.alternating_trainer.v1'", mnist_classifier::kWeightsKind});
  check_throws<gan::CheckpointError>([&] { MnistClassifier::load(directory.path() / "none"); },
                                     {"none"});
}

BOOST_AUTO_TEST_SUITE_END()
