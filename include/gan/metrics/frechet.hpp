// SPDX-License-Identifier: MIT
// The Fréchet distance between two sets of feature vectors, each summarised by its mean and
// covariance: the formula of the Fréchet Inception Distance (Heusel et al. 2017,
// arXiv:1706.08500), for features from any network.
#pragma once

#include <gan/core/error.hpp>

#include <Eigen/Core>
#include <Eigen/Eigenvalues>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <stdexcept>

namespace gan::metrics {

/// The mean and covariance of a set of feature vectors, with the number of vectors they came
/// from (a Fréchet distance depends on it; see frechet_distance()).
struct FeatureStatistics {
  Eigen::VectorXd mean;
  /// Unbiased: the sum of outer products of the centred vectors over (count - 1).
  Eigen::MatrixXd covariance;
  std::size_t count = 0;
};

/// The statistics of `features`, [dimensions, count], one feature vector per column, computed
/// in double whatever the scalar.
/// @throws std::invalid_argument for fewer than 2 vectors or no dimensions, or a value that is
///         not finite
template <typename Derived>
FeatureStatistics feature_statistics(const Eigen::MatrixBase<Derived>& features) {
  const Eigen::Index count = features.cols();
  if (features.rows() == 0 || count < 2)
    throw std::invalid_argument(message(
        "gan::metrics::feature_statistics: expected features [dimensions, count] with at least 1 "
        "dimension and 2 vectors, got ",
        features.rows(), "x", count));
  const Eigen::MatrixXd values = features.template cast<double>();
  if (!values.allFinite())
    throw std::invalid_argument(
        "gan::metrics::feature_statistics: expected finite features, got a NaN or infinity");
  FeatureStatistics statistics;
  statistics.mean = values.rowwise().mean();
  const Eigen::MatrixXd centred = values.colwise() - statistics.mean;
  statistics.covariance = centred * centred.transpose() / static_cast<double>(count - 1);
  statistics.count = static_cast<std::size_t>(count);
  return statistics;
}

/// The symmetric positive semi-definite square root of a symmetric positive semi-definite
/// matrix: the S with S S = A whose eigenvalues are the square roots of A's. From A's
/// eigendecomposition A = V diag(l) V^T as V diag(sqrt(l)) V^T; eigenvalues that rounding made
/// slightly negative count as 0.
/// @throws std::invalid_argument unless A is square and symmetric (to 1e-9 of its largest
///         value), or if an eigenvalue is clearly negative (below -1e-9 of the largest)
inline Eigen::MatrixXd symmetric_square_root(const Eigen::MatrixXd& a) {
  if (a.rows() != a.cols())
    throw std::invalid_argument(message(
        "gan::metrics::symmetric_square_root: expected a square matrix, got ", a.rows(), "x",
        a.cols()));
  const double scale = a.size() == 0 ? 0.0 : a.cwiseAbs().maxCoeff();
  if ((a - a.transpose()).cwiseAbs().maxCoeff() > 1e-9 * scale)
    throw std::invalid_argument(
        "gan::metrics::symmetric_square_root: expected a symmetric matrix, got one that is not");
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(a);
  const Eigen::VectorXd& values = solver.eigenvalues();
  if (values.size() > 0 && values.minCoeff() < -1e-9 * std::max(1.0, scale))
    throw std::invalid_argument(message(
        "gan::metrics::symmetric_square_root: expected a positive semi-definite matrix, got an "
        "eigenvalue of ",
        values.minCoeff()));
  const Eigen::VectorXd roots = values.cwiseMax(0.0).cwiseSqrt();
  return solver.eigenvectors() * roots.asDiagonal() * solver.eigenvectors().transpose();
}

/// The Fréchet distance between the Gaussians N(m1, C1) and N(m2, C2) fitted to two sets of
/// features:
///   d^2 = |m1 - m2|^2 + tr(C1) + tr(C2) - 2 tr((C1 C2)^(1/2)).
/// tr((C1 C2)^(1/2)) is computed as tr((S C2 S)^(1/2)) with S = C1^(1/2): the two matrices
/// are similar (C1 C2 = S (S C2 S) S^-1 where S is invertible, and by continuity where it is
/// not), and S C2 S is symmetric positive semi-definite, so its square root is real and exact,
/// where a general square root of C1 C2 picks up imaginary parts from rounding.
///
/// **It depends on the sample counts.** Estimated from samples, the distance is biased upwards
/// by roughly tr(C) (1/n1 + 1/n2) for features of covariance C, so two samples of the same
/// distribution score above 0, the more so the fewer they are, and values are comparable only
/// between equal counts. The result carries both counts so that they are reported with it.
struct FrechetDistance {
  /// d^2, the quantity usually reported as "FID" (never negative).
  double value = 0;
  std::size_t first_count = 0;
  std::size_t second_count = 0;
};

/// @throws std::invalid_argument if the statistics have different dimensions
inline FrechetDistance frechet_distance(const FeatureStatistics& first,
                                        const FeatureStatistics& second) {
  const Eigen::Index dimensions = first.mean.size();
  if (second.mean.size() != dimensions || first.covariance.rows() != dimensions ||
      second.covariance.rows() != dimensions)
    throw std::invalid_argument(message(
        "gan::metrics::frechet_distance: expected statistics of equal dimensions, got ",
        dimensions, " and ", second.mean.size()));
  const Eigen::MatrixXd root = symmetric_square_root(first.covariance);
  const Eigen::MatrixXd product = root * second.covariance * root;
  // Symmetric up to rounding; made exactly so for the eigensolver.
  const Eigen::MatrixXd symmetric = (product + product.transpose()) / 2;
  const double cross = symmetric_square_root(symmetric).trace();
  const double value = (first.mean - second.mean).squaredNorm() + first.covariance.trace() +
                       second.covariance.trace() - 2 * cross;
  return {std::max(0.0, value), first.count, second.count};
}

}  // namespace gan::metrics
