// SPDX-License-Identifier: MIT
// Softmax cross-entropy over class logits with integer labels: the loss of a classifier.
#pragma once

#include <gan/core/error.hpp>
#include <gan/core/tensor.hpp>

#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <iterator>
#include <ranges>
#include <stdexcept>

namespace gan {

/// A contiguous range of integer class labels, one per sample (a std::vector<std::uint8_t>
/// of MNIST labels, a std::span<const int>, ...).
template <typename Labels>
concept ClassLabels = std::ranges::contiguous_range<Labels> && std::ranges::sized_range<Labels> &&
    std::integral<std::ranges::range_value_t<Labels>>;

/// The mean softmax cross-entropy of a batch of logits against integer labels:
///   L = (1/n) sum_j [ log sum_c exp(z_cj) - z_(y_j) j ],
/// with dL/dz_cj = (softmax(z_j)_c - [c == y_j]) / n written into `gradient`.
///
/// Each column's log-sum-exp subtracts the column's largest logit before exponentiating, so
/// no exp() overflows and logits of any finite size give a finite loss and gradient; the sums
/// are taken in double whatever the scalar. Logits that are not finite give a loss that is not
/// finite, which a trainer checks.
///
/// @param logits   [classes, batch], unnormalised scores; at least 2 classes and 1 sample
/// @param labels   batch labels, each from 0 to classes - 1
/// @param gradient resized to [classes, batch] and overwritten with dL/dlogits
/// @return L, the loss averaged over the batch (the per-sample mean, as in PyTorch's default)
/// @throws std::invalid_argument for fewer than 2 classes, no samples, a label count that is
///         not the batch size, or a label outside [0, classes), naming the value and its index
template <typename Scalar, ClassLabels Labels>
double softmax_cross_entropy(const Matrix<Scalar>& logits, const Labels& labels,
                             Matrix<Scalar>& gradient);

/// The softmax of each column of `logits`, [classes, batch]: exp(z_c - max z) normalised to
/// sum 1, computed in double and rounded to Scalar. Every column is a probability distribution
/// for any finite logits.
/// @throws std::invalid_argument for an empty matrix
template <typename Scalar>
Matrix<Scalar> softmax(const Matrix<Scalar>& logits);

/// The index of the largest logit of column `column` (the first one on a tie): the predicted
/// class.
template <typename Scalar>
Eigen::Index predicted_class(const Matrix<Scalar>& logits, Eigen::Index column) {
  Eigen::Index best = 0;
  logits.col(column).maxCoeff(&best);
  return best;
}

// ------------------------------------------------------------------------------------------
// Implementation

namespace detail {

template <typename Scalar, typename Labels>
void check_class_logits(const char* function, const Matrix<Scalar>& logits, const Labels& labels) {
  if (logits.rows() < 2)
    throw std::invalid_argument(message(function, ": expected logits of at least 2 classes, got ",
                                        logits.rows(), "x", logits.cols()));
  if (logits.cols() == 0)
    throw std::invalid_argument(
        message(function, ": expected at least one sample, got ", logits.rows(), "x0 logits"));
  const auto count = static_cast<std::size_t>(std::ranges::size(labels));
  if (count != static_cast<std::size_t>(logits.cols()))
    throw std::invalid_argument(message(function, ": expected one label per sample, ",
                                        logits.cols(), ", got ", count, " labels"));
  const auto* data = std::ranges::data(labels);
  for (std::size_t j = 0; j < count; ++j) {
    // Compared as long long so that a negative label of a signed type is caught, and printed
    // as a number even when it is a char.
    const auto label = static_cast<long long>(data[j]);
    if (label < 0 || label >= static_cast<long long>(logits.rows()))
      throw std::invalid_argument(message(function, ": expected labels from 0 to ",
                                          logits.rows() - 1, ", got label ", label, " at index ",
                                          j));
  }
}

/// log sum_c exp(z_c) of one column, in double, from its largest value down.
template <typename Column>
double log_sum_exp(const Column& column, double largest) {
  double sum = 0;
  for (Eigen::Index c = 0; c < column.size(); ++c)
    sum += std::exp(static_cast<double>(column(c)) - largest);
  return largest + std::log(sum);
}

}  // namespace detail

template <typename Scalar, ClassLabels Labels>
double softmax_cross_entropy(const Matrix<Scalar>& logits, const Labels& labels,
                             Matrix<Scalar>& gradient) {
  detail::check_class_logits("softmax_cross_entropy", logits, labels);
  const auto* label = std::ranges::data(labels);
  const Eigen::Index classes = logits.rows();
  const double count = static_cast<double>(logits.cols());
  gradient.resize(classes, logits.cols());
  double total = 0;
  for (Eigen::Index j = 0; j < logits.cols(); ++j) {
    const auto column = logits.col(j);
    const double largest = static_cast<double>(column.maxCoeff());
    const double log_normalizer = detail::log_sum_exp(column, largest);
    const auto target = static_cast<Eigen::Index>(label[j]);
    // -log softmax(z)_y = log sum exp(z) - z_y: no probability is formed, so a target class
    // whose softmax underflows to 0 still gives its finite, large loss.
    total += log_normalizer - static_cast<double>(column(target));
    for (Eigen::Index c = 0; c < classes; ++c) {
      const double probability = std::exp(static_cast<double>(column(c)) - log_normalizer);
      gradient(c, j) = static_cast<Scalar>((probability - (c == target ? 1.0 : 0.0)) / count);
    }
  }
  return total / count;
}

template <typename Scalar>
Matrix<Scalar> softmax(const Matrix<Scalar>& logits) {
  if (logits.size() == 0)
    throw std::invalid_argument(message("softmax: expected at least one class and one sample, got ",
                                        logits.rows(), "x", logits.cols(), " logits"));
  Matrix<Scalar> probabilities(logits.rows(), logits.cols());
  for (Eigen::Index j = 0; j < logits.cols(); ++j) {
    const auto column = logits.col(j);
    const double log_normalizer =
        detail::log_sum_exp(column, static_cast<double>(column.maxCoeff()));
    for (Eigen::Index c = 0; c < logits.rows(); ++c)
      probabilities(c, j) =
          static_cast<Scalar>(std::exp(static_cast<double>(column(c)) - log_normalizer));
  }
  return probabilities;
}

}  // namespace gan
