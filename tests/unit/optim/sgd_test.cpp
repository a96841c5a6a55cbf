// SPDX-License-Identifier: MIT
// Tests of optim/sgd.hpp: updates against a hand computation, hyperparameter validation, and
// a checkpoint round trip that continues bit for bit.
#define BOOST_TEST_MODULE sgd
#include <boost/test/unit_test.hpp>

#include <gan/core/concepts.hpp>
#include <gan/core/error.hpp>
#include <gan/core/tensor.hpp>
#include <gan/io/checkpoint.hpp>
#include <gan/optim/sgd.hpp>

#include <boost/mpl/list.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <iomanip>
#include <limits>
#include <stdexcept>
#include <string>
#include <unistd.h>

namespace {

using scalar_types = boost::mpl::list<float, double>;
static_assert(gan::Optimizer<gan::Sgd<float>, float> && gan::Optimizer<gan::Sgd<double>, double>);

template <typename Scalar>
gan::Vector<Scalar> vector3(double a, double b, double c) {
  gan::Vector<Scalar> v(3);
  v << static_cast<Scalar>(a), static_cast<Scalar>(b), static_cast<Scalar>(c);
  return v;
}

/// |actual - expected| <= tolerance max(1, |expected|) for every entry; by default the
/// tolerance is 4 eps(Scalar), a few roundings.
template <typename Scalar>
void check_entries(const gan::Vector<Scalar>& actual, const std::array<long double, 3>& expected,
                   double tolerance = 4 * static_cast<double>(
                                          std::numeric_limits<Scalar>::epsilon())) {
  for (Eigen::Index i = 0; i < 3; ++i) {
    const double a = static_cast<double>(actual(i));
    const double e = static_cast<double>(expected[static_cast<std::size_t>(i)]);
    BOOST_TEST(std::abs(a - e) <= tolerance * std::max(1.0, std::abs(e)),
               "entry " << i << ": got " << std::setprecision(17) << a << ", expected " << e);
  }
}

/// The message of the std::invalid_argument thrown for these settings, or "".
std::string rejection_of(double learning_rate, double momentum) {
  try {
    gan::Sgd<double> sgd({.learning_rate = learning_rate, .momentum = momentum}, 3);
    (void)sgd;
  } catch (const std::invalid_argument& error) {
    return error.what();
  }
  return "";
}

bool bit_identical(const gan::Vector<double>& a, const gan::Vector<double>& b) {
  return a.size() == b.size() &&
         std::memcmp(a.data(), b.data(), static_cast<std::size_t>(a.size()) * sizeof(double)) ==
             0;
}

/// A file name in the temporary directory, removed when the object goes.
struct TemporaryPath {
  std::filesystem::path path = std::filesystem::temp_directory_path() /
                               ("gan_sgd_test_" + std::to_string(::getpid()) + ".ckpt");
  ~TemporaryPath() {
    std::error_code ignored;
    std::filesystem::remove(path, ignored);
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(sgd)

BOOST_AUTO_TEST_CASE_TEMPLATE(two_steps_match_a_hand_computation, Scalar, scalar_types) {
  // learning rate 0.1, momentum 0.9, p = [1, -2, 0.5]
  // step 1, g = [0.5, -1, 2]:  v = g = [0.5, -1, 2]
  //                            p = [1 - 0.05, -2 + 0.1, 0.5 - 0.2] = [0.95, -1.9, 0.3]
  // step 2, g = [1, 0, -1]:    v = 0.9 [0.5, -1, 2] + [1, 0, -1] = [1.45, -0.9, 0.8]
  //                            p = [0.95 - 0.145, -1.9 + 0.09, 0.3 - 0.08] = [0.805, -1.81, 0.22]
  gan::Sgd<Scalar> sgd({.learning_rate = 0.1, .momentum = 0.9}, 3);
  gan::Vector<Scalar> parameters = vector3<Scalar>(1, -2, 0.5);
  const std::array<std::array<long double, 3>, 2> gradients = {{{0.5, -1, 2}, {1, 0, -1}}};

  // The same two steps in long double, written out from the formula.
  std::array<long double, 3> p = {1, -2, 0.5};
  std::array<long double, 3> v = {0, 0, 0};
  const std::array<std::array<long double, 3>, 2> by_hand = {{{0.95L, -1.9L, 0.3L},
                                                             {0.805L, -1.81L, 0.22L}}};
  for (std::size_t step = 0; step < 2; ++step) {
    BOOST_TEST_CONTEXT("step " << step + 1) {
      const auto& g = gradients[step];
      for (std::size_t i = 0; i < 3; ++i) {
        v[i] = 0.9L * v[i] + g[i];
        p[i] -= 0.1L * v[i];
      }
      sgd.step(parameters, vector3<Scalar>(static_cast<double>(g[0]), static_cast<double>(g[1]),
                                           static_cast<double>(g[2])));
      check_entries(parameters, p);
      check_entries(parameters, by_hand[step]);
      check_entries<Scalar>(sgd.velocity(), v);
    }
  }
}

BOOST_AUTO_TEST_CASE(zero_momentum_is_plain_gradient_descent) {
  gan::Sgd<double> sgd({.learning_rate = 0.5, .momentum = 0.0}, 3);
  gan::Vector<double> parameters = vector3<double>(1, 2, 3);
  sgd.step(parameters, vector3<double>(2, 0, -2));
  sgd.step(parameters, vector3<double>(2, 0, -2));
  // Each step moves by 0.5 * [2, 0, -2]; no velocity carries over.
  check_entries(parameters, {-1, 2, 5});
}

BOOST_AUTO_TEST_CASE(learning_rate_that_is_not_positive_and_finite_is_rejected) {
  for (const double rate : {0.0, -0.1, std::numeric_limits<double>::quiet_NaN(),
                            std::numeric_limits<double>::infinity()}) {
    BOOST_TEST_CONTEXT("learning rate " << rate) {
      const std::string what = rejection_of(rate, 0.9);
      BOOST_TEST(what.find("learning rate") != std::string::npos, what);
      BOOST_TEST(what.find(gan::message("got ", rate)) != std::string::npos, what);
    }
  }
  BOOST_TEST(rejection_of(1e-12, 0.9) == "");
}

BOOST_AUTO_TEST_CASE(momentum_outside_zero_to_one_is_rejected) {
  for (const double momentum : {-0.1, 1.0, 1.5, std::numeric_limits<double>::quiet_NaN()}) {
    BOOST_TEST_CONTEXT("momentum " << momentum) {
      const std::string what = rejection_of(0.1, momentum);
      BOOST_TEST(what.find("momentum") != std::string::npos, what);
      BOOST_TEST(what.find(gan::message("got ", momentum)) != std::string::npos, what);
    }
  }
  BOOST_TEST(rejection_of(0.1, 0.0) == "");
  BOOST_TEST(rejection_of(0.1, 0.999) == "");
}

BOOST_AUTO_TEST_CASE(restored_optimizer_continues_bit_identically) {
  const gan::Sgd<double>::Hyperparameters settings{.learning_rate = 0.1, .momentum = 0.9};
  gan::Sgd<double> original(settings, 3);
  gan::Vector<double> parameters = vector3<double>(1, -2, 0.5);
  original.step(parameters, vector3<double>(0.5, -1, 2));
  original.step(parameters, vector3<double>(1, 0, -1));

  TemporaryPath file;
  gan::CheckpointWriter writer;
  original.save(writer, "sgd");
  writer.commit(file.path);
  const gan::CheckpointReader reader(file.path);
  gan::Sgd<double> restored = gan::Sgd<double>::restore(reader, "sgd", settings, 3);
  BOOST_TEST(bit_identical(restored.velocity(), original.velocity()));

  gan::Vector<double> restored_parameters = parameters;
  for (const auto& gradient : {vector3<double>(-0.3, 0.7, 0.1), vector3<double>(2, -2, 0.25)}) {
    original.step(parameters, gradient);
    restored.step(restored_parameters, gradient);
  }
  BOOST_TEST(bit_identical(restored_parameters, parameters));
  BOOST_TEST(bit_identical(restored.velocity(), original.velocity()));

  BOOST_CHECK_THROW(gan::Sgd<double>::restore(reader, "sgd", settings, 4), gan::CheckpointError);
  BOOST_CHECK_THROW(gan::Sgd<double>::restore(reader, "other", settings, 3),
                    gan::CheckpointError);
  // The velocity was saved as doubles; a float optimizer must not take it.
  BOOST_CHECK_THROW(gan::Sgd<float>::restore(reader, "sgd", {.learning_rate = 0.1}, 3),
                    gan::CheckpointError);
}

BOOST_AUTO_TEST_SUITE_END()
