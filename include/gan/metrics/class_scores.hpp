// SPDX-License-Identifier: MIT
// Scores of generated images from a classifier's predicted class probabilities: an analogue of
// the Inception Score, and the entropy of the predicted classes as a mode-collapse signal.
#pragma once

#include <gan/core/error.hpp>

#include <Eigen/Core>

#include <cmath>
#include <cstddef>
#include <stdexcept>

namespace gan::metrics {

namespace detail {

/// Refuses anything but class probabilities: [classes, count], each column non-negative,
/// finite and summing to 1 within 1e-4 (a float softmax's rounding).
inline void check_probabilities(const char* function, const Eigen::MatrixXd& probabilities) {
  if (probabilities.rows() < 2 || probabilities.cols() < 1)
    throw std::invalid_argument(message("gan::metrics::", function,
                                        ": expected probabilities [classes, count] of at least 2 "
                                        "classes and 1 sample, got ",
                                        probabilities.rows(), "x", probabilities.cols()));
  for (Eigen::Index j = 0; j < probabilities.cols(); ++j) {
    const auto column = probabilities.col(j);
    if (!column.allFinite() || column.minCoeff() < 0 || std::abs(column.sum() - 1) > 1e-4)
      throw std::invalid_argument(message(
          "gan::metrics::", function, ": expected column ", j,
          " to hold probabilities (finite, non-negative, summing to 1), got a sum of ",
          column.sum(), " and a smallest value of ", column.minCoeff()));
  }
}

// x log x, with 0 log 0 = 0.
inline double x_log_x(double x) { return x > 0 ? x * std::log(x) : 0.0; }

}  // namespace detail

/// The Inception Score of Salimans et al. (2016, arXiv:1606.03498) with any classifier:
///   exp( mean over samples i of KL(p(y | x_i) || p(y)) ),  p(y) = mean over i of p(y | x_i),
/// from `probabilities`, [classes, count], one sample's predicted class distribution per
/// column. It is 1 when every sample gets the same prediction, and at most the number of
/// classes, reached when each prediction is certain and the classes are equally frequent: high
/// means confident predictions spread over the classes. Like the Fréchet distance it is an
/// estimate that depends on the sample count.
/// @throws std::invalid_argument unless every column is a probability distribution
template <typename Derived>
double inception_score(const Eigen::MatrixBase<Derived>& probabilities) {
  const Eigen::MatrixXd p = probabilities.template cast<double>();
  detail::check_probabilities("inception_score", p);
  const Eigen::VectorXd marginal = p.rowwise().mean();
  double kl = 0;
  for (Eigen::Index j = 0; j < p.cols(); ++j)
    for (Eigen::Index k = 0; k < p.rows(); ++k)
      if (p(k, j) > 0) kl += p(k, j) * (std::log(p(k, j)) - std::log(marginal(k)));
  return std::exp(kl / static_cast<double>(p.cols()));
}

/// The entropy, in nats, of the histogram of predicted classes (each sample counted once, for
/// its most probable class), and the same divided by log(classes), so that 1 means every class
/// equally often and 0 a single class: a generator that collapses onto a few modes shows as a
/// falling value.
struct ClassEntropy {
  double nats = 0;
  double normalised = 0;
  std::size_t count = 0;
};

/// @throws std::invalid_argument unless every column is a probability distribution
template <typename Derived>
ClassEntropy predicted_class_entropy(const Eigen::MatrixBase<Derived>& probabilities) {
  const Eigen::MatrixXd p = probabilities.template cast<double>();
  detail::check_probabilities("predicted_class_entropy", p);
  Eigen::VectorXd histogram = Eigen::VectorXd::Zero(p.rows());
  for (Eigen::Index j = 0; j < p.cols(); ++j) {
    Eigen::Index best = 0;
    p.col(j).maxCoeff(&best);
    histogram(best) += 1;
  }
  histogram /= static_cast<double>(p.cols());
  double entropy = 0;
  for (Eigen::Index k = 0; k < histogram.size(); ++k) entropy -= detail::x_log_x(histogram(k));
  return {entropy, entropy / std::log(static_cast<double>(p.rows())),
          static_cast<std::size_t>(p.cols())};
}

}  // namespace gan::metrics
