// SPDX-License-Identifier: MIT
// WithClassLabel: a noise prior for conditional GANs, z from a base prior with a one-hot class
// label appended.
#pragma once

#include <gan/core/backend.hpp>
#include <gan/core/error.hpp>
#include <gan/core/random.hpp>
#include <gan/core/shape.hpp>
#include <gan/core/tensor.hpp>
#include <gan/noise/priors.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

namespace gan {

namespace detail {

/// Whether a batch type is the CPU backend's (an Eigen matrix).
template <typename T>
inline constexpr bool is_cpu_batch = false;
template <typename Scalar>
inline constexpr bool is_cpu_batch<Matrix<Scalar>> = true;

/// "<base>+one-hot(<classes>)" as a constant character array, so that the prior's name can be
/// a `static constexpr const char*` like every other prior's.
template <typename Base, std::size_t Classes>
struct ClassLabelName {
  static constexpr std::size_t base_length = std::char_traits<char>::length(Base::name);
  static constexpr std::size_t digits = [] {
    std::size_t count = 1;
    for (std::size_t n = Classes; n >= 10; n /= 10) ++count;
    return count;
  }();
  static constexpr std::array<char, base_length + 9 + digits + 2> text = [] {
    std::array<char, base_length + 9 + digits + 2> out{};
    std::size_t at = 0;
    for (std::size_t i = 0; i < base_length; ++i) out[at++] = Base::name[i];
    for (const char c : {'+', 'o', 'n', 'e', '-', 'h', 'o', 't', '('}) out[at++] = c;
    for (std::size_t i = 0, n = Classes; i < digits; ++i, n /= 10)
      out[at + digits - 1 - i] = static_cast<char>('0' + n % 10);
    at += digits;
    out[at++] = ')';
    out[at] = '\0';
    return out;
  }();
};

}  // namespace detail

/// Writes one-hot columns into rows [first_row, first_row + classes) of `batch`: column j
/// gets 1 in row first_row + labels[j] and 0 in the other rows of the block.
/// @throws std::invalid_argument when labels.size() is not batch.cols(), the block does not fit
///   in the batch, or a label is `classes` or more
template <typename Scalar, typename Label>
void write_one_hot(Matrix<Scalar>& batch, Eigen::Index first_row, std::size_t classes,
                   std::span<const Label> labels) {
  const auto rows = static_cast<Eigen::Index>(classes);
  if (static_cast<Eigen::Index>(labels.size()) != batch.cols() || first_row < 0 ||
      first_row + rows > batch.rows())
    throw std::invalid_argument(message("gan::write_one_hot: expected ", batch.cols(),
                                        " labels and a block of ", classes, " rows from row ",
                                        first_row, " inside ", batch.rows(), " rows, got ",
                                        labels.size(), " labels"));
  batch.middleRows(first_row, rows).setZero();
  for (std::size_t j = 0; j < labels.size(); ++j) {
    if (static_cast<std::uint64_t>(labels[j]) >= classes)
      throw std::invalid_argument(message("gan::write_one_hot: expected labels 0 to ", classes - 1,
                                          ", got ", +labels[j], " at column ", j));
    batch(first_row + static_cast<Eigen::Index>(labels[j]), static_cast<Eigen::Index>(j)) =
        Scalar(1);
  }
}

/// A noise prior for a class-conditional generator (Mirza & Osindero 2014, arXiv:1411.1784):
/// each column is [z; y], z drawn from `Base` into the first rows and y a one-hot class label,
/// uniform over the classes, in the last `Classes` rows. With gan::KeepLabel in the generator
/// (layers/keep_label.hpp), G(z, y) comes out as [image; y], so the discriminator sees each
/// image beside the label it was drawn for, and real batches are [image; label] too
/// (data/labelled_batch.hpp). AlternatingTrainer needs no change: this is its Prior.
///
///   using Trainer = gan::AlternatingTrainer<G, D, gan::NonSaturatingLoss, gan::Adam,
///                                           gan::WithClassLabel<gan::StandardNormal, 10>>;
///
/// Its name, "normal+one-hot(10)" for the above, goes into checkpoints, so that a run is not
/// resumed under another prior or class count.
///
/// @tparam Base    a NoisePrior for z (StandardNormal, Uniform)
/// @tparam Classes the number of classes, at least 2
/// @note Limitation: CPU backend only; fill() on a device batch does not compile (the device
///   backend has no row-block copies yet). See docs/limitations.md.
template <typename Base, std::size_t Classes>
struct WithClassLabel {
  static_assert(Classes >= 2, "gan::WithClassLabel: a label needs at least 2 classes");

  /// The number of label rows at the end of each column.
  static constexpr std::size_t classes = Classes;
  /// "<Base::name>+one-hot(<Classes>)", e.g. "normal+one-hot(10)".
  static constexpr const char* name = detail::ClassLabelName<Base, Classes>::text.data();

  /// Fills `noise`, [latent + Classes, batch]: Base draws into the first rows of every
  /// column, then, column by column, a uniformly random class as a one-hot in the last
  /// `Classes` rows.
  /// @throws std::invalid_argument when `noise` has no more than `Classes` rows
  template <typename Batch>
  static void fill(Batch& noise, Rng& rng) {
    if constexpr (!detail::is_cpu_batch<Batch>) {
      static_assert(diagnostics::always_false<Batch>,
                    "gan::WithClassLabel: the prior runs on the CPU backend only (the device "
                    "backend has no row-block copies yet; see docs/limitations.md)");
    } else {
      std::vector<std::uint64_t> labels(static_cast<std::size_t>(noise.cols()));
      fill_latent(noise, rng);
      for (auto& label : labels) label = rng.below(Classes);
      write_one_hot(noise, noise.rows() - static_cast<Eigen::Index>(Classes), Classes,
                    std::span<const std::uint64_t>(labels));
    }
  }

  /// Fills `noise` as fill() does, with the given class for each column instead of random
  /// ones: to sample a requested digit. Base draws come from `rng` as in fill().
  /// @throws std::invalid_argument for a label count other than noise.cols(), a label of
  ///   `Classes` or more, or `noise` with no more than `Classes` rows
  template <typename Scalar, typename Label>
  static void fill_with_labels(Matrix<Scalar>& noise, std::span<const Label> labels, Rng& rng) {
    fill_latent(noise, rng);
    write_one_hot(noise, noise.rows() - static_cast<Eigen::Index>(Classes), Classes, labels);
  }

  /// `labels.size()` noise columns, [latent_size, labels.size()], for the given classes; a
  /// trainer's latent_size counts the label rows.
  template <typename Scalar, typename Label>
  static Matrix<Scalar> draw_with_labels(std::size_t latent_size, std::span<const Label> labels,
                                         Rng& rng) {
    Matrix<Scalar> noise(static_cast<Eigen::Index>(latent_size),
                         static_cast<Eigen::Index>(labels.size()));
    fill_with_labels(noise, labels, rng);
    return noise;
  }

 private:
  template <typename Scalar>
  static void fill_latent(Matrix<Scalar>& noise, Rng& rng) {
    const auto latent = noise.rows() - static_cast<Eigen::Index>(Classes);
    if (latent <= 0)
      throw std::invalid_argument(message("gan::WithClassLabel::fill: expected more than ", Classes,
                                          " rows (latent values, then the label), got ",
                                          noise.rows()));
    Matrix<Scalar> z(latent, noise.cols());
    Base::fill(z, rng);
    noise.topRows(latent) = z;
  }
};

}  // namespace gan
