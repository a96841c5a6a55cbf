// SPDX-License-Identifier: MIT
// The MNIST digit classifier whose penultimate layer gives the features of the Fréchet
// distance (docs/mnist_classifier.md): its architecture as types, its weights file, and
// MnistClassifier, which loads the weights and computes features, class probabilities and
// accuracy.
//
// The architecture is split in two. Features maps a 28 x 28 image to a vector of kFeatures
// values; Architecture is Features with one more layer, a Dense from the features to the 10
// class logits. Network::parameters() (and state()) are flat in layer order, so the features
// network's parameters are the first Features-parameter-count values of the whole one's: one
// weights file serves both.
#pragma once

#include <gan/gan.hpp>
#include <gan/train/supervised.hpp>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mnist_classifier {

/// The length of a feature vector: the width of the penultimate layer.
inline constexpr std::size_t kFeatures = 64;
/// Digit classes.
inline constexpr std::size_t kClasses = 10;

template <std::size_t In, std::size_t Out, std::size_t Kernel, std::size_t Stride,
          std::size_t Padding>
using Conv = gan::Conv2d<In, Out, Kernel, Stride, Padding, gan::Bias::none>;

/// Image -> feature vector. No pooling layer exists, so strided convolutions shrink the image:
/// 28 x 28 pixels -> 28 x 28 x 32 -> 14 x 14 x 32 -> 7 x 7 x 64 -> 3 x 3 x 32 -> 64 features.
/// The convolutions have no bias, since the batch norm after each has a shift that does the
/// same job; the features are the ReLU outputs of a dense layer, so they are non-negative.
/// Channels are few where an image is large (the parameters of a convolution do not grow with
/// the image, its work does), and the weights stay at about 65,000 values, 260 KB.
using Features =
    gan::Sequential<gan::Input<gan::Shape<1, 28, 28>>, Conv<1, 32, 3, 1, 1>, gan::BatchNorm<32>,
                    gan::Relu, Conv<32, 32, 3, 2, 1>, gan::BatchNorm<32>, gan::Relu,
                    Conv<32, 64, 3, 2, 1>, gan::BatchNorm<64>, gan::Relu, Conv<64, 32, 3, 2, 0>,
                    gan::BatchNorm<32>, gan::Relu, gan::Flatten, gan::Dense<3 * 3 * 32, kFeatures>,
                    gan::Relu>;

/// A Sequential with one more layer at its end.
template <typename Sequential, typename Last>
struct WithLastLayer;
template <typename... Layers, typename Last>
struct WithLastLayer<gan::Sequential<Layers...>, Last> {
  using type = gan::Sequential<Layers..., Last>;
};

/// The whole classifier: Features, then a Dense from the features to the class logits.
using Architecture = WithLastLayer<Features, gan::Dense<kFeatures, kClasses>>::type;

static_assert(Features::output_shape::size == kFeatures);
static_assert(Architecture::output_shape::size == kClasses);

/// The last layer alone, features to logits: its parameters are the suffix of the whole
/// classifier's, so that scores() computes features and probabilities in one pass.
using Head = gan::Sequential<gan::Dense<kFeatures, kClasses>>;

using FeatureNetwork = gan::Network<Features, float>;
using HeadNetwork = gan::Network<Head, float>;
using ClassifierNetwork = gan::Network<Architecture, float>;

static_assert(FeatureNetwork::parameter_count + HeadNetwork::parameter_count ==
                  ClassifierNetwork::parameter_count,
              "the classifier's parameters are the features' followed by the head's");

static_assert(FeatureNetwork::parameter_count < ClassifierNetwork::parameter_count &&
                  FeatureNetwork::state_count == ClassifierNetwork::state_count,
              "the features' parameters are a prefix of the classifier's, and the last layer "
              "has no running state");

/// The "kind" entry of a weights file: what the file is and the layout of its entries.
inline constexpr const char* kWeightsKind = "gan.mnist_classifier.weights.v1";
/// The prefix of the text entries that save_weights() writes from its `metadata`.
inline constexpr std::string_view kMetadataPrefix = "metadata.";

/// Writes the classifier's parameters and running state to `path`, atomically
/// (CheckpointWriter::commit), with its kind and architecture so that load() refuses any other
/// file by name, and `metadata` as text entries "metadata.<key>" (settings, the accuracy it
/// reached).
/// @throws gan::CheckpointError naming the path and the system's reason
inline void save_weights(const ClassifierNetwork& network, const std::filesystem::path& path,
                         const std::map<std::string, std::string>& metadata = {}) {
  gan::CheckpointWriter writer;
  writer.put("kind", std::string(kWeightsKind));
  writer.put("architecture", network.describe());
  writer.put("parameters", network.parameters());
  writer.put("state", network.state());
  for (const auto& [key, value] : metadata) writer.put(std::string(kMetadataPrefix) + key, value);
  writer.commit(path);
}

/// A trained MNIST classifier, for scoring images: the feature vectors of the Fréchet distance,
/// class probabilities for the class scores (gan/metrics/class_scores.hpp), and accuracy.
///
/// Images are [784, n] float matrices in [-1, 1], one 28 x 28 row-major image per column: the
/// layout of gan::data::to_matrix<float>(gan::data::load_mnist_folder(dir)), and of the
/// samples of a generator that ends in tanh. Every computation runs in Mode::inference (batch
/// norm uses its running statistics), kChunk images per pass, so a result does not depend on
/// how many images are scored together. CPU only.
class MnistClassifier {
 public:
  /// Images per forward pass.
  static constexpr std::size_t kChunk = 250;

  /// Loads weights written by save_weights() (the mnist_classifier program's --out file).
  /// @throws gan::CheckpointError naming the file and what was wrong: unreadable or damaged,
  ///         another kind of file, another architecture, values that are not finite, or a
  ///         running variance that is negative
  static MnistClassifier load(const std::filesystem::path& path) {
    const gan::CheckpointReader reader(path);
    expect_text(reader, "kind", kWeightsKind, "the weights of the mnist_classifier program");
    expect_text(reader, "architecture", ClassifierNetwork().describe(),
                "this program's classifier architecture");
    const auto parameters =
        reader.get_finite_array<float>("parameters", ClassifierNetwork::parameter_count);
    const auto state = reader.get_finite_array<float>("state", ClassifierNetwork::state_count);
    const std::string problem = ClassifierNetwork::check_state(state);
    if (!problem.empty()) reader.fail("entry 'state'", problem);
    std::map<std::string, std::string> metadata;
    for (const std::string& key : reader.keys())
      if (key.starts_with(kMetadataPrefix))
        metadata[key.substr(kMetadataPrefix.size())] = reader.get_text(key);
    return MnistClassifier(parameters, state, std::move(metadata));
  }

  /// A classifier with these parameters and running state (in the layout of
  /// ClassifierNetwork::parameters() and state()), e.g. straight from training.
  /// @throws std::invalid_argument for vectors of other sizes
  MnistClassifier(gan::ConstVectorRef<float> parameters, gan::ConstVectorRef<float> state,
                  std::map<std::string, std::string> metadata = {})
      : metadata_(std::move(metadata)) {
    if (parameters.size() != static_cast<Eigen::Index>(ClassifierNetwork::parameter_count) ||
        state.size() != static_cast<Eigen::Index>(ClassifierNetwork::state_count))
      throw std::invalid_argument(
          gan::message("MnistClassifier: expected ", ClassifierNetwork::parameter_count,
                       " parameters and ", ClassifierNetwork::state_count, " state values, got ",
                       parameters.size(), " and ", state.size()));
    classifier_.parameters() = parameters;
    classifier_.state() = state;
    // The features network is the classifier without its last layer: a prefix of each vector.
    features_.parameters() = parameters.head(FeatureNetwork::parameter_count);
    features_.state() = state.head(FeatureNetwork::state_count);
    head_.parameters() = parameters.tail(HeadNetwork::parameter_count);
  }

  /// The feature vector of each image, [kFeatures, n]: the penultimate layer's output.
  /// @throws std::invalid_argument unless images has 784 rows and at least one column
  gan::Matrix<float> features(const gan::Matrix<float>& images) { return run(features_, images); }

  /// The class probabilities of each image, [10, n]: the softmax of the logits; each column
  /// sums to 1.
  /// @throws std::invalid_argument unless images has 784 rows and at least one column
  gan::Matrix<float> probabilities(const gan::Matrix<float>& images) {
    return gan::softmax(logits(images));
  }

  /// Both at once, for gan::metrics::QualityEvaluator: the features of each image and the
  /// class probabilities computed from them, at the cost of one pass.
  /// @throws std::invalid_argument unless images has 784 rows and at least one column
  gan::metrics::FeatureOutputs<float> scores(const gan::Matrix<float>& images) {
    gan::metrics::FeatureOutputs<float> out;
    out.features = features(images);
    out.probabilities = gan::softmax(run(head_, out.features));
    return out;
  }

  /// The class logits of each image, [10, n].
  /// @throws std::invalid_argument unless images has 784 rows and at least one column
  gan::Matrix<float> logits(const gan::Matrix<float>& images) { return run(classifier_, images); }

  /// The fraction of `images` whose most probable class is their label.
  /// @param labels one per image, each 0 to 9
  /// @throws std::invalid_argument for images of the wrong height, no images, a label count
  ///         other than the image count, or a label of 10 or more
  double accuracy(const gan::Matrix<float>& images, const std::vector<std::uint8_t>& labels) {
    return gan::evaluate_classifier(classifier_, images, labels, kChunk).accuracy();
  }

  /// The text entries saved with the weights ("metadata.<key>" in the file), by key.
  const std::map<std::string, std::string>& metadata() const noexcept { return metadata_; }
  /// The whole classifier, images to logits.
  const ClassifierNetwork& network() const noexcept { return classifier_; }

 private:
  template <typename Net>
  static gan::Matrix<float> run(Net& network, const gan::Matrix<float>& images) {
    if (images.rows() != static_cast<Eigen::Index>(Net::input_size) || images.cols() == 0)
      throw std::invalid_argument(gan::message(
          "MnistClassifier: expected images of ", Net::input_size,
          " rows (28 x 28) and at least one column, got ", images.rows(), "x", images.cols()));
    gan::Matrix<float> result(static_cast<Eigen::Index>(Net::output_size), images.cols());
    gan::forward_in_chunks(network, images, kChunk, [&](Eigen::Index first, const auto& output) {
      result.middleCols(first, output.cols()) = output;
    });
    return result;
  }

  static void expect_text(const gan::CheckpointReader& reader, const std::string& key,
                          const std::string& expected, const char* what) {
    const std::string found = reader.get_text(key);
    if (found != expected)
      reader.fail(gan::message("its ", key, " is '", found, "'"),
                  gan::message("expected '", expected, "' (", what, ")"));
  }

  ClassifierNetwork classifier_;
  FeatureNetwork features_;
  HeadNetwork head_;
  std::map<std::string, std::string> metadata_;
};

}  // namespace mnist_classifier
