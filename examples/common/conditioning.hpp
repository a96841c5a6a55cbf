// SPDX-License-Identifier: MIT
// What the training program (program.hpp) does differently for a class-conditional GAN: the
// noise prior, the layout of real batches, and which classes the sample grids and --samples
// draw. Unconditional is mnist_gan's and mnist_dcgan's; ClassConditional<10> is mnist_cgan's.
#pragma once

#include "../mnist_classifier/classifier.hpp"
#include "options.hpp"

#include <gan/data/labelled_batch.hpp>
#include <gan/data/mnist.hpp>
#include <gan/gan.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <span>
#include <sstream>
#include <utility>
#include <vector>

namespace examples {

/// An unconditional GAN: z ~ N(0, I) and real batches of pixels alone.
struct Unconditional {
  using Prior = gan::StandardNormal;
  /// Label rows below each image: none.
  static constexpr std::size_t classes = 0;

  /// Real samples, [784, count] in [-1, 1].
  static gan::Matrix<float> training_data(const gan::data::LabelledImages& images) {
    return gan::data::to_matrix<float>(images);
  }

  /// The noise of a sample grid of `count` images.
  template <typename Trainer>
  static typename Trainer::matrix_type grid_noise(std::size_t count, std::size_t /*columns*/,
                                                  const Options&, gan::Rng& rng) {
    return Trainer::draw_noise(count, rng);
  }

  /// The noise of `count` images for --samples.
  template <typename Trainer>
  static typename Trainer::matrix_type sample_noise(std::size_t count, const Options&,
                                                    gan::Rng& rng) {
    return Trainer::draw_noise(count, rng);
  }
};

/// A class-conditional GAN (Mirza & Osindero 2014, arXiv:1411.1784): the noise is [z; one-hot
/// class] (gan::WithClassLabel), the generator ends in gan::KeepLabel so that its samples are
/// [image; one-hot], and real batches are [pixels; one-hot of the image's label]. CPU only, as
/// its library pieces are.
template <std::size_t Classes>
struct ClassConditional {
  using Prior = gan::WithClassLabel<gan::StandardNormal, Classes>;
  static constexpr std::size_t classes = Classes;

  /// Real samples, [784 + Classes, count]: pixels in [-1, 1] above the label's one-hot.
  static gan::Matrix<float> training_data(const gan::data::LabelledImages& images) {
    return gan::data::to_labelled_matrix<float>(images, Classes);
  }

  /// A grid's noise: every image of --digit when it is given, else one class per grid row,
  /// 0 in the top row (image j of a grid `columns` wide is in row j / columns).
  template <typename Trainer>
  static gan::Matrix<float> grid_noise(std::size_t count, std::size_t columns,
                                       const Options& options, gan::Rng& rng) {
    std::vector<std::size_t> labels(count);
    for (std::size_t j = 0; j < count; ++j)
      labels[j] = options.digit ? static_cast<std::size_t>(*options.digit) : j / columns % Classes;
    return Prior::template draw_with_labels<float>(Trainer::latent_size,
                                                   std::span<const std::size_t>(labels), rng);
  }

  /// --samples' noise: every image of --digit when it is given, else of random classes.
  template <typename Trainer>
  static gan::Matrix<float> sample_noise(std::size_t count, const Options& options, gan::Rng& rng) {
    if (!options.digit) return Trainer::draw_noise(count, rng);
    const std::vector<std::size_t> labels(count, static_cast<std::size_t>(*options.digit));
    return Prior::template draw_with_labels<float>(Trainer::latent_size,
                                                   std::span<const std::size_t>(labels), rng);
  }
};

/// The share of a generator's samples that a classifier names as the class they were drawn
/// for, per requested class.
struct DigitAccuracy {
  std::vector<std::size_t> digits;   ///< the requested classes, in order
  std::vector<std::size_t> correct;  ///< per class: samples classified as it
  /// Per requested class, how many of its samples the classifier named as each class.
  std::vector<std::vector<std::size_t>> named;
  std::size_t samples_per_digit = 0;

  /// Correct samples over all samples.
  double overall() const {
    std::size_t total = 0;
    for (const std::size_t n : correct) total += n;
    return static_cast<double>(total) / static_cast<double>(digits.size() * samples_per_digit);
  }
};

/// Generates `per_digit` samples of each requested class (--digit, else every class) from the
/// trainer's averaged generator, with noise from Rng(seed), and counts those whose most
/// probable class under `classifier` is the requested one.
/// @tparam Conditioning a ClassConditional
template <typename Conditioning, typename Trainer>
DigitAccuracy measure_digit_accuracy(Trainer& trainer,
                                     mnist_classifier::MnistClassifier& classifier,
                                     const Options& options, std::size_t per_digit,
                                     std::uint64_t seed) {
  using Prior = typename Conditioning::Prior;
  constexpr std::size_t kChunk = 500;  // bounds memory for large counts
  constexpr Eigen::Index kPixels = 28 * 28;
  DigitAccuracy result;
  result.samples_per_digit = per_digit;
  for (std::size_t d = 0; d < Conditioning::classes; ++d)
    if (!options.digit || static_cast<std::size_t>(*options.digit) == d) result.digits.push_back(d);
  gan::Rng rng(seed);
  for (const std::size_t digit : result.digits) {
    std::vector<std::size_t> named(Conditioning::classes, 0);
    for (std::size_t done = 0; done < per_digit; done += kChunk) {
      const std::vector<std::size_t> labels(std::min(kChunk, per_digit - done), digit);
      const gan::Matrix<float> noise = Prior::template draw_with_labels<float>(
          Trainer::latent_size, std::span<const std::size_t>(labels), rng);
      const gan::Matrix<float> images = trainer.generate_averaged(noise).topRows(kPixels);
      const gan::Matrix<float> probabilities = classifier.probabilities(images);
      for (Eigen::Index j = 0; j < probabilities.cols(); ++j) {
        Eigen::Index predicted = 0;
        probabilities.col(j).maxCoeff(&predicted);
        ++named[static_cast<std::size_t>(predicted)];
      }
    }
    result.correct.push_back(named[digit]);
    result.named.push_back(std::move(named));
  }
  return result;
}

/// The accuracy as the lines mnist_cgan prints: an overall line, then one per class with the
/// classes its other samples were named as, most frequent first (at most three).
inline std::string describe(const DigitAccuracy& accuracy,
                            const std::filesystem::path& classifier) {
  std::ostringstream text;
  text << std::fixed << std::setprecision(3) << "digit accuracy: " << accuracy.overall() << " of "
       << accuracy.digits.size() * accuracy.samples_per_digit
       << " samples classified as the requested digit by " << classifier.string() << '\n';
  for (std::size_t i = 0; i < accuracy.digits.size(); ++i) {
    text << "digit " << accuracy.digits[i] << ": "
         << static_cast<double>(accuracy.correct[i]) /
                static_cast<double>(accuracy.samples_per_digit)
         << " (" << accuracy.correct[i] << "/" << accuracy.samples_per_digit << ")";
    std::vector<std::size_t> others;
    for (std::size_t c = 0; c < accuracy.named[i].size(); ++c)
      if (c != accuracy.digits[i] && accuracy.named[i][c] > 0) others.push_back(c);
    std::stable_sort(others.begin(), others.end(), [&](std::size_t a, std::size_t b) {
      return accuracy.named[i][a] > accuracy.named[i][b];
    });
    if (others.size() > 3) others.resize(3);
    for (std::size_t k = 0; k < others.size(); ++k)
      text << (k == 0 ? "; else " : ", ") << others[k] << " x" << accuracy.named[i][others[k]];
    text << '\n';
  }
  return text.str();
}

}  // namespace examples
