// SPDX-License-Identifier: MIT
// Tests of device/clip_gradient_norm.hpp: clipping on the device is the CPU optimizer's.
#include <boost/test/unit_test.hpp>

#include <gan/device/backend.hpp>
#include <gan/optim/adam.hpp>
#include <gan/optim/clip_gradient_norm.hpp>

#include "support/convolution_checks.hpp"
#include "support/device_checks.hpp"

#include <boost/mpl/list.hpp>

#include <cmath>
#include <cstdint>
#include <type_traits>

BOOST_AUTO_TEST_SUITE(device_clip_gradient_norm)

namespace {

using namespace gan::test_support;

template <typename B>
using ClippedAdam = gan::ClipGradientNorm<gan::Adam>::Optimizer<B>;

static_assert(gan::Optimizer<ClippedAdam<gan::Device<float>>, gan::Device<float>>);

template <typename T>
constexpr double tolerance() {
  return std::is_same_v<T, float> ? 1e-6 : 1e-14;
}

using Scalars = boost::mpl::list<float, double>;

}  // namespace

// 1,000 gradients uniform on [-1, 1] have a norm near 18: max_norm 5 clips every step, 100
// none.
BOOST_AUTO_TEST_CASE_TEMPLATE(clipping_on_the_device_is_the_cpu_optimizers, T, Scalars) {
  const Eigen::Index count = 1000;
  for (const double max_norm : {5.0, 100.0}) {
    BOOST_TEST_CONTEXT("max_norm " << max_norm) {
      typename ClippedAdam<T>::Hyperparameters settings;
      settings.learning_rate = 1e-2;
      settings.max_norm = max_norm;
      ClippedAdam<T> cpu(settings, count);
      typename ClippedAdam<gan::Device<T>>::Hyperparameters device_settings;
      device_settings.learning_rate = 1e-2;
      device_settings.max_norm = max_norm;
      ClippedAdam<gan::Device<T>> device(device_settings, count);

      gan::Vector<T> parameters = uniform_matrix<T>(count, 1, 41);
      auto device_parameters = to_device(parameters);
      for (std::uint64_t step = 0; step < 3; ++step) {
        const gan::Vector<T> gradients = uniform_matrix<T>(count, 1, 42 + step);
        const auto device_gradients = to_device(gradients);
        cpu.step(parameters, gradients);
        device.step(gan::Device<T>::view(device_parameters),
                    gan::Device<T>::view(device_gradients));
        BOOST_TEST_CONTEXT("step " << step) {
          BOOST_TEST(std::abs(device.last_norm() - cpu.last_norm()) <= 1e-12 * cpu.last_norm());
          BOOST_TEST((device.last_scale() < 1) == (max_norm == 5.0));
          BOOST_TEST((to_host(device_parameters) - parameters).cwiseAbs().maxCoeff() <=
                     tolerance<T>());
        }
      }
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
