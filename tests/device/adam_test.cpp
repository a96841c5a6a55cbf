// SPDX-License-Identifier: MIT
// Tests of device/adam.hpp: Adam's update on the device is the CPU optimizer's.
#include <boost/test/unit_test.hpp>

#include <gan/device/adam.hpp>
#include <gan/optim/adam.hpp>

#include "support/convolution_checks.hpp"
#include "support/device_checks.hpp"

#include <boost/mpl/list.hpp>

BOOST_AUTO_TEST_SUITE(device_adam)

namespace {

using namespace gan::test_support;

template <typename T>
constexpr double tolerance() {
  return std::is_same_v<T, float> ? 1e-6 : 1e-14;
}

using Scalars = boost::mpl::list<float, double>;

}  // namespace

// Three steps with new gradients each time, so that the moments and bias corrections move.
BOOST_AUTO_TEST_CASE_TEMPLATE(adam_on_the_device_is_the_cpu_optimizer, T, Scalars) {
  const Eigen::Index count = 1000;
  gan::Adam<T> adam({.learning_rate = 1e-2}, count);
  gan::Vector<T> parameters = uniform_matrix<T>(count, 1, 31);
  auto device_parameters = to_device(parameters);
  gan::device::Buffer<T> first_moment(count);
  gan::device::Buffer<T> second_moment(count);
  // A second optimizer counts the steps of the device update: the constants are all it needs.
  gan::Adam<T> device_adam({.learning_rate = 1e-2}, count);
  for (std::uint64_t step = 0; step < 3; ++step) {
    const gan::Vector<T> gradients = uniform_matrix<T>(count, 1, 32 + step);
    adam.step(parameters, gradients);
    const auto device_gradients = to_device(gradients);
    gan::device::adam_update(device_parameters.data(), device_gradients.data(), first_moment.data(),
                             second_moment.data(), count, device_adam.advance());
    BOOST_TEST_CONTEXT("step " << adam.steps()) {
      BOOST_TEST((to_host(device_parameters) - parameters).cwiseAbs().maxCoeff() <= tolerance<T>());
      BOOST_TEST((to_host(first_moment) - adam.first_moment()).cwiseAbs().maxCoeff() <=
                 tolerance<T>());
      BOOST_TEST((to_host(second_moment) - adam.second_moment()).cwiseAbs().maxCoeff() <=
                 tolerance<T>());
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
