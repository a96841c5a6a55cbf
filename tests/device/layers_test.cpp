// SPDX-License-Identifier: MIT
// Tests of device/dense.hpp and device/elementwise.hpp: a dense layer's passes and the
// activations on the device give the CPU layers' results, on the CPU layers' parameters.
#include <boost/test/unit_test.hpp>

#include <gan/device/dense.hpp>
#include <gan/device/elementwise.hpp>
#include <gan/layers/dense.hpp>
#include <gan/layers/identity.hpp>
#include <gan/layers/leaky_relu.hpp>
#include <gan/layers/relu.hpp>
#include <gan/layers/sigmoid.hpp>
#include <gan/layers/tanh.hpp>

#include "support/convolution_checks.hpp"
#include "support/device_checks.hpp"
#include "support/expected_errors.hpp"

#include <boost/mpl/list.hpp>

BOOST_AUTO_TEST_SUITE(device_layers)

namespace {

using namespace gan::test_support;

// Values from [-3, 3], where every activation has slope and curvature.
template <typename T>
gan::Matrix<T> inputs(Eigen::Index rows, Eigen::Index cols, std::uint64_t seed) {
  return T(3) * uniform_matrix<T>(rows, cols, seed);
}

using Activations =
    boost::mpl::list<gan::Relu, gan::LeakyRelu, gan::Tanh, gan::Sigmoid, gan::Identity>;

}  // namespace

// Eigen's vectorised tanh and logistic are not the C library's, so the CPU layer and the
// per-value form agree within 1e-6 rather than bit for bit.
BOOST_AUTO_TEST_CASE_TEMPLATE(an_activation_on_the_device_is_the_cpu_layers, Activation,
                              Activations) {
  using Layer = typename Activation::template Layer<float, gan::Shape<40>>;
  const Activation spec{};
  Layer layer(spec);
  const gan::Matrix<float> in = inputs<float>(40, 9, 1);
  const gan::Matrix<float> grad_out = uniform_matrix<float>(40, 9, 2);
  gan::Matrix<float> out;
  gan::Matrix<float> grad_in;
  layer.forward(in, out);
  layer.backward(in, out, grad_out, &grad_in, false);

  const auto function = spec.template elementwise<float>();
  const gan::device::Matrix<float> device_in = gan::device::to_device(in);
  gan::device::Matrix<float> device_out;
  gan::device::apply_activation(function, device_in, device_out);
  BOOST_TEST(relative_difference(gan::device::to_host(device_out), out) <= 1e-6);

  gan::device::Matrix<float> device_grad_in;
  gan::device::activation_gradient(function, device_out, gan::device::to_device(grad_out),
                                   device_grad_in);
  BOOST_TEST(relative_difference(gan::device::to_host(device_grad_in), grad_in) <= 1e-6);

  // In place, as a network runs activations over the output of the layer before.
  gan::device::Matrix<float> values = device_in.clone();
  gan::device::apply_activation(function, values, values);
  BOOST_TEST((gan::device::to_host(values) == gan::device::to_host(device_out)));
}

BOOST_AUTO_TEST_CASE(leaky_relu_on_the_device_keeps_its_slope) {
  const gan::LeakyRelu spec(0.05);
  const gan::device::Matrix<double> in =
      gan::device::to_device<double>(gan::Matrix<double>::Constant(2, 2, -2.0));
  gan::device::Matrix<double> out;
  gan::device::apply_activation(spec.elementwise<double>(), in, out);
  BOOST_TEST((gan::device::to_host(out) == gan::Matrix<double>::Constant(2, 2, -0.1)));
}

// A small layer on one thread, and one whose CPU passes split rows between threads; batches
// of one and more.
template <std::size_t In, std::size_t Out>
void check_dense(Eigen::Index batch) {
  BOOST_TEST_CONTEXT("Dense<" << In << ", " << Out << ">, batch " << batch) {
    StandaloneLayer<gan::Dense<In, Out>, gan::Shape<In>, double> cpu(3);
    // Gradients already hold something: both sides must add to it.
    cpu.gradients = gan::Vector<double>::LinSpaced(cpu.gradients.size(), -1.0, 1.0);
    const gan::Matrix<double> in = inputs<double>(In, batch, 4);
    const gan::Matrix<double> grad_out = uniform_matrix<double>(Out, batch, 5);
    const gan::device::Buffer<double> parameters = to_device(cpu.parameters);
    gan::device::Buffer<double> gradients = to_device(cpu.gradients);

    gan::Matrix<double> out;
    gan::Matrix<double> grad_in;
    cpu.layer.forward(in, out);
    cpu.layer.backward(in, out, grad_out, &grad_in, true);

    const gan::DenseParameters<const double> layer{parameters.data(), In, Out};
    gan::DenseParameters<double> gradient_view{gradients.data(), In, Out};
    const gan::device::Matrix<double> device_in = gan::device::to_device(in);
    gan::device::Matrix<double> device_out;
    gan::device::Matrix<double> device_grad_in;
    gan::device::dense_forward(layer, device_in, device_out);
    gan::device::dense_backward(layer, device_in, gan::device::to_device(grad_out), &gradient_view,
                                &device_grad_in);

    BOOST_TEST(relative_difference(gan::device::to_host(device_out), out) <= 1e-12);
    BOOST_TEST(relative_difference(gan::device::to_host(device_grad_in), grad_in) <= 1e-12);
    BOOST_TEST(relative_difference(to_host(gradients), cpu.gradients) <= 1e-12);
  }
}

BOOST_AUTO_TEST_CASE(a_dense_layer_on_the_device_is_the_cpu_layer) {
  for (const Eigen::Index batch : {1, 6}) check_dense<7, 5>(batch);
  check_dense<300, 784>(37);
}

// Asked for one of the two results, a backward pass gives exactly what the full pass gives for
// it.
BOOST_AUTO_TEST_CASE(a_dense_backward_pass_computes_only_what_is_asked) {
  StandaloneLayer<gan::Dense<4, 3>, gan::Shape<4>, float> cpu(6);
  const gan::device::Buffer<float> parameters = to_device(cpu.parameters);
  const gan::DenseParameters<const float> layer{parameters.data(), 4, 3};
  const auto in = gan::device::to_device(inputs<float>(4, 2, 7));
  const auto grad_out = gan::device::to_device(uniform_matrix<float>(3, 2, 8));
  gan::device::Buffer<float> all_gradients(parameters.size());
  gan::DenseParameters<float> all_view{all_gradients.data(), 4, 3};
  gan::device::Matrix<float> all_grad_in;
  gan::device::dense_backward<float>(layer, in, grad_out, &all_view, &all_grad_in);

  gan::device::Matrix<float> grad_in;
  gan::device::dense_backward<float>(layer, in, grad_out, nullptr, &grad_in);
  BOOST_TEST((gan::device::to_host(grad_in) == gan::device::to_host(all_grad_in)));

  gan::device::Buffer<float> gradients(parameters.size());
  gan::DenseParameters<float> gradient_view{gradients.data(), 4, 3};
  gan::device::dense_backward<float>(layer, in, grad_out, &gradient_view, nullptr);
  BOOST_TEST((to_host(gradients) == to_host(all_gradients)));
}

// Batches that do not fit are refused before any kernel reads them.
BOOST_AUTO_TEST_CASE(passes_refuse_batches_of_the_wrong_shape_naming_both) {
  const gan::device::Buffer<float> parameters(4 * 3 + 3);
  const gan::DenseParameters<const float> layer{parameters.data(), 4, 3};
  gan::device::Matrix<float> out;
  check_throws<std::invalid_argument>(
      [&] { gan::device::dense_forward<float>(layer, gan::device::Matrix<float>(5, 2), out); },
      {"gan::device::dense_forward", "expected a batch of 4 rows", "got 5x2"});
  check_throws<std::invalid_argument>(
      [&] { gan::device::dense_forward<float>(layer, gan::device::Matrix<float>(4, 0), out); },
      {"at least one column", "got 4x0"});
  gan::device::Matrix<float> grad_in;
  check_throws<std::invalid_argument>(
      [&] {
        gan::device::dense_backward<float>(layer, gan::device::Matrix<float>(4, 2),
                                           gan::device::Matrix<float>(3, 5), nullptr, &grad_in);
      },
      {"gan::device::dense_backward", "expected a gradient of 3x2", "got 3x5"});
  check_throws<std::invalid_argument>(
      [&] {
        gan::device::activation_gradient(gan::Relu{}.elementwise<float>(),
                                         gan::device::Matrix<float>(2, 2),
                                         gan::device::Matrix<float>(2, 3), grad_in);
      },
      {"gan::device::activation_gradient", "expected a gradient of 2x2", "got 2x3"});
}

BOOST_AUTO_TEST_SUITE_END()
