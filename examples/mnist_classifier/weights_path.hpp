// SPDX-License-Identifier: MIT
// Where the committed classifier weights are, for the programs that score with them by default
// (the GAN examples' quality measurement, mnist_score).
#pragma once

#include <filesystem>

namespace mnist_classifier {

/// The weights trained by scripts/train-classifier and kept in the repository. The build gives
/// their absolute path (GAN_MNIST_CLASSIFIER_WEIGHTS, examples/CMakeLists.txt), so that a
/// program finds them from any working folder; without it, the path from the repository root.
#ifdef GAN_MNIST_CLASSIFIER_WEIGHTS
inline const std::filesystem::path kCommittedWeights = GAN_MNIST_CLASSIFIER_WEIGHTS;
#else
inline const std::filesystem::path kCommittedWeights =
    "examples/mnist_classifier/mnist_classifier.gan";
#endif

}  // namespace mnist_classifier
