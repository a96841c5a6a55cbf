// SPDX-License-Identifier: MIT
// Tests of metrics/frechet.hpp: the matrix square root against known cases, the Fréchet
// distance against its closed forms, and its dependence on the sample count.
#define BOOST_TEST_MODULE metrics_frechet
#include <boost/test/unit_test.hpp>

#include <gan/core/random.hpp>
#include <gan/metrics/frechet.hpp>

#include <Eigen/Eigenvalues>

#include <cmath>
#include <complex>
#include <stdexcept>

namespace {

using gan::metrics::FeatureStatistics;

FeatureStatistics gaussian(const Eigen::VectorXd& mean, const Eigen::MatrixXd& covariance) {
  return {mean, covariance, 1000};
}

// tr((C1 C2)^(1/2)) the long way: the eigenvalues of C1 C2 (real and non-negative for two
// positive semi-definite matrices, though C1 C2 is not symmetric), square-rooted and summed.
double trace_of_root_of_product(const Eigen::MatrixXd& c1, const Eigen::MatrixXd& c2) {
  const Eigen::EigenSolver<Eigen::MatrixXd> solver(c1 * c2);
  double total = 0;
  for (const std::complex<double> value : solver.eigenvalues())
    total += std::sqrt(std::max(0.0, value.real()));
  return total;
}

Eigen::MatrixXd random_covariance(Eigen::Index size, std::uint64_t seed) {
  gan::Rng rng(seed);
  Eigen::MatrixXd factor(size, size);
  for (Eigen::Index i = 0; i < factor.size(); ++i) factor.data()[i] = rng.normal();
  return factor * factor.transpose() / static_cast<double>(size);
}

}  // namespace

BOOST_AUTO_TEST_CASE(the_square_root_of_a_diagonal_matrix_is_its_roots) {
  const Eigen::MatrixXd root =
      gan::metrics::symmetric_square_root(Eigen::Vector3d(4, 9, 0).asDiagonal());
  BOOST_TEST(root.isApprox(Eigen::MatrixXd(Eigen::Vector3d(2, 3, 0).asDiagonal()), 1e-12));
}

BOOST_AUTO_TEST_CASE(the_square_root_of_a_known_matrix_is_the_closed_form) {
  // [[2, 1], [1, 2]] has eigenvalues 3 and 1 on (1, 1) and (1, -1), so its root is
  // [[(r + 1) / 2, (r - 1) / 2], [(r - 1) / 2, (r + 1) / 2]] with r = sqrt(3).
  Eigen::MatrixXd a(2, 2);
  a << 2, 1, 1, 2;
  const double r = std::sqrt(3.0);
  Eigen::MatrixXd expected(2, 2);
  expected << (r + 1) / 2, (r - 1) / 2, (r - 1) / 2, (r + 1) / 2;
  BOOST_TEST((gan::metrics::symmetric_square_root(a) - expected).cwiseAbs().maxCoeff() < 1e-14);
}

BOOST_AUTO_TEST_CASE(the_square_root_squares_back_to_the_matrix) {
  const Eigen::MatrixXd a = random_covariance(12, 4);
  const Eigen::MatrixXd root = gan::metrics::symmetric_square_root(a);
  BOOST_TEST((root * root - a).cwiseAbs().maxCoeff() < 1e-12);
  BOOST_TEST((root - root.transpose()).cwiseAbs().maxCoeff() < 1e-14);
}

BOOST_AUTO_TEST_CASE(the_square_root_refuses_what_has_none) {
  BOOST_CHECK_THROW(gan::metrics::symmetric_square_root(Eigen::MatrixXd::Ones(2, 3)),
                    std::invalid_argument);
  Eigen::MatrixXd unsymmetric(2, 2);
  unsymmetric << 1, 2, 0, 1;
  BOOST_CHECK_THROW(gan::metrics::symmetric_square_root(unsymmetric), std::invalid_argument);
  BOOST_CHECK_THROW(gan::metrics::symmetric_square_root(-Eigen::MatrixXd::Identity(2, 2)),
                    std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(one_dimension_gives_the_difference_of_means_and_deviations) {
  // d^2 = (m1 - m2)^2 + (s1 - s2)^2 between N(m1, s1^2) and N(m2, s2^2).
  const auto d = gan::metrics::frechet_distance(
      gaussian(Eigen::VectorXd::Constant(1, 1.5), Eigen::MatrixXd::Constant(1, 1, 4.0)),
      gaussian(Eigen::VectorXd::Constant(1, -0.5), Eigen::MatrixXd::Constant(1, 1, 9.0)));
  BOOST_TEST(std::abs(d.value - (4.0 + 1.0)) < 1e-12);
}

BOOST_AUTO_TEST_CASE(diagonal_covariances_give_the_differences_of_deviations) {
  const Eigen::Vector3d a(1, 4, 0.25);
  const Eigen::Vector3d b(9, 1, 0.25);
  const Eigen::Vector3d m1(0, 1, 2);
  const Eigen::Vector3d m2(1, 1, 0);
  const auto d = gan::metrics::frechet_distance(gaussian(m1, a.asDiagonal().toDenseMatrix()),
                                                gaussian(m2, b.asDiagonal().toDenseMatrix()));
  const double expected = (m1 - m2).squaredNorm() + (a.cwiseSqrt() - b.cwiseSqrt()).squaredNorm();
  BOOST_TEST(std::abs(d.value - expected) < 1e-12);
}

BOOST_AUTO_TEST_CASE(covariances_that_do_not_commute_give_the_formula) {
  const Eigen::MatrixXd c1 = random_covariance(6, 1);
  const Eigen::MatrixXd c2 = random_covariance(6, 2);
  BOOST_TEST((c1 * c2 - c2 * c1).cwiseAbs().maxCoeff() > 0.1);  // a case that needs the care
  const Eigen::VectorXd m1 = Eigen::VectorXd::LinSpaced(6, 0, 1);
  const Eigen::VectorXd m2 = Eigen::VectorXd::Zero(6);
  const auto d = gan::metrics::frechet_distance(gaussian(m1, c1), gaussian(m2, c2));
  const double expected = (m1 - m2).squaredNorm() + c1.trace() + c2.trace() -
                          2 * trace_of_root_of_product(c1, c2);
  BOOST_TEST(std::abs(d.value - expected) < 1e-9);
  // Symmetric in its arguments, and 0 between equal statistics.
  BOOST_TEST(std::abs(gan::metrics::frechet_distance(gaussian(m2, c2), gaussian(m1, c1)).value -
                      d.value) < 1e-9);
  BOOST_TEST(gan::metrics::frechet_distance(gaussian(m1, c1), gaussian(m1, c1)).value < 1e-9);
}

BOOST_AUTO_TEST_CASE(the_distance_carries_the_sample_counts) {
  gan::Rng rng(8);
  Eigen::MatrixXd a(3, 50), b(3, 70);
  for (Eigen::Index i = 0; i < a.size(); ++i) a.data()[i] = rng.normal();
  for (Eigen::Index i = 0; i < b.size(); ++i) b.data()[i] = rng.normal();
  const auto d = gan::metrics::frechet_distance(gan::metrics::feature_statistics(a),
                                                gan::metrics::feature_statistics(b));
  BOOST_TEST(d.first_count == 50u);
  BOOST_TEST(d.second_count == 70u);
}

BOOST_AUTO_TEST_CASE(two_samples_of_one_distribution_score_less_the_more_they_are) {
  // The estimate's upward bias falls with the sample count: about tr(C) (1/n1 + 1/n2) from the
  // means alone, here 4 (2 / n).
  const auto mean_distance = [](Eigen::Index count) {
    double total = 0;
    for (std::uint64_t seed = 0; seed < 8; ++seed) {
      gan::Rng rng(100 + seed);
      Eigen::MatrixXd a(4, count), b(4, count);
      for (Eigen::Index i = 0; i < a.size(); ++i) a.data()[i] = rng.normal();
      for (Eigen::Index i = 0; i < b.size(); ++i) b.data()[i] = rng.normal();
      total += gan::metrics::frechet_distance(gan::metrics::feature_statistics(a),
                                              gan::metrics::feature_statistics(b))
                   .value;
    }
    return total / 8;
  };
  const double few = mean_distance(100);
  const double many = mean_distance(5000);
  BOOST_TEST(few > 5 * many);
  BOOST_TEST(few > 4 * 2.0 / 100 * 0.5);
  BOOST_TEST(few < 4 * 2.0 / 100 * 4);
  BOOST_TEST(many < 0.01);
}

BOOST_AUTO_TEST_CASE(bad_features_are_refused_by_name) {
  BOOST_CHECK_THROW(gan::metrics::feature_statistics(Eigen::MatrixXd::Zero(3, 1)),
                    std::invalid_argument);
  Eigen::MatrixXf with_nan = Eigen::MatrixXf::Zero(2, 5);
  with_nan(1, 3) = std::nanf("");
  BOOST_CHECK_THROW(gan::metrics::feature_statistics(with_nan), std::invalid_argument);
  const FeatureStatistics two{Eigen::VectorXd::Zero(2), Eigen::MatrixXd::Identity(2, 2), 10};
  const FeatureStatistics three{Eigen::VectorXd::Zero(3), Eigen::MatrixXd::Identity(3, 3), 10};
  BOOST_CHECK_THROW(gan::metrics::frechet_distance(two, three), std::invalid_argument);
}
