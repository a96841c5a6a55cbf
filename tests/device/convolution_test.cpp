// SPDX-License-Identifier: MIT
// Tests of device/convolution.hpp: im2col and col2im give the CPU's column matrix and images,
// the passes of Conv2d and ConvTranspose2d on the device give the CPU layers' results on the
// CPU layers' parameters, with stride, padding, output padding and odd sizes, and networks of
// them on gan::Device give the CPU networks' passes, copies included.
#include <boost/test/unit_test.hpp>

#include <gan/device/backend.hpp>
#include <gan/device/convolution.hpp>
#include <gan/gan.hpp>
#include <gan/layers/conv2d.hpp>
#include <gan/layers/conv_transpose2d.hpp>

#include "support/convolution_checks.hpp"
#include "support/device_checks.hpp"
#include "support/expected_errors.hpp"

#include <boost/mpl/list.hpp>

#include <type_traits>
#include <vector>

BOOST_AUTO_TEST_SUITE(device_convolution)

namespace {

using namespace gan::test_support;

/// The geometry a layer's CPU code uses, and which rows of its weight matrix.
template <typename Spec, typename InputShape>
struct Convolution;

template <std::size_t In, std::size_t Out, std::size_t K, std::size_t S, std::size_t P, gan::Bias B,
          typename InputShape>
struct Convolution<gan::Conv2d<In, Out, K, S, P, B>, InputShape> {
  using Geometry = gan::detail::WindowGeometry<In, gan::detail::ImageDims<InputShape>::height,
                                               gan::detail::ImageDims<InputShape>::width, K, S, P>;
  static constexpr std::ptrdiff_t rows = Out;
  static constexpr bool transposed = false;
  static constexpr bool has_bias = B == gan::Bias::learned;
};

template <std::size_t In, std::size_t Out, std::size_t K, std::size_t S, std::size_t P,
          std::size_t OP, gan::Bias B, typename InputShape>
struct Convolution<gan::ConvTranspose2d<In, Out, K, S, P, OP, B>, InputShape> {
  using OutputShape =
      typename gan::ConvTranspose2d<In, Out, K, S, P, OP, B>::template output_shape<InputShape>;
  using Geometry = gan::detail::WindowGeometry<Out, gan::detail::ImageDims<OutputShape>::height,
                                               gan::detail::ImageDims<OutputShape>::width, K, S, P>;
  static constexpr std::ptrdiff_t rows = In;
  static constexpr bool transposed = true;
  static constexpr bool has_bias = B == gan::Bias::learned;
};

template <typename Spec, typename InputShape>
void check_layer(Eigen::Index batch) {
  using C = Convolution<Spec, InputShape>;
  using Geometry = typename C::Geometry;
  StandaloneLayer<Spec, InputShape, double> cpu(11);
  cpu.gradients = gan::Vector<double>::LinSpaced(cpu.gradients.size(), -1.0, 1.0);
  const gan::Matrix<double> in = uniform_matrix<double>(InputShape::size, batch, 12);
  gan::Matrix<double> out;
  gan::Matrix<double> grad_in;
  cpu.layer.forward(in, out);
  const gan::Matrix<double> grad_out = uniform_matrix<double>(out.rows(), batch, 13);
  cpu.layer.backward(in, out, grad_out, &grad_in, true);

  const gan::device::Buffer<double> parameters = to_device(cpu.parameters);
  gan::device::Buffer<double> gradients =
      to_device<double>(gan::Vector<double>::LinSpaced(cpu.gradients.size(), -1.0, 1.0));
  const gan::ConvolutionParameters<const double> layer{parameters.data(), C::rows,
                                                       Geometry::patch_size, C::has_bias};
  gan::ConvolutionParameters<double> gradient_view{gradients.data(), C::rows, Geometry::patch_size,
                                                   C::has_bias};
  const auto device_in = gan::device::to_device(in);
  const auto device_grad_out = gan::device::to_device(grad_out);
  gan::device::Matrix<double> device_out;
  gan::device::Matrix<double> device_grad_in;
  gan::device::Matrix<double> columns;
  if constexpr (C::transposed) {
    gan::device::conv_transpose2d_forward<Geometry>(layer, device_in, device_out, columns);
    gan::device::conv_transpose2d_backward<Geometry>(layer, device_in, device_grad_out,
                                                     &gradient_view, &device_grad_in, columns);
  } else {
    gan::device::conv2d_forward<Geometry>(layer, device_in, device_out, columns);
    gan::device::conv2d_backward<Geometry>(layer, device_in, device_grad_out, &gradient_view,
                                           &device_grad_in, columns);
  }
  BOOST_TEST(relative_difference(gan::device::to_host(device_out), out) <= 1e-12);
  BOOST_TEST(relative_difference(gan::device::to_host(device_grad_in), grad_in) <= 1e-12);
  BOOST_TEST(relative_difference(to_host(gradients), cpu.gradients) <= 1e-12);
}

// Odd sizes, stride and padding, output padding, no bias, one channel, and DCGAN-sized layers.
using Cases = boost::mpl::list<
    std::pair<gan::Conv2d<2, 3, 3, 2, 1>, gan::Shape<2, 5, 7>>,
    std::pair<gan::Conv2d<3, 4, 2, 1, 0, gan::Bias::none>, gan::Shape<3, 4, 3>>,
    std::pair<gan::Conv2d<1, 64, 4, 2, 1>, gan::Shape<1, 28, 28>>,
    std::pair<gan::ConvTranspose2d<3, 2, 3, 2, 1, 1>, gan::Shape<3, 4, 5>>,
    std::pair<gan::ConvTranspose2d<2, 1, 4, 2, 1, 0, gan::Bias::none>, gan::Shape<2, 3, 3>>,
    std::pair<gan::ConvTranspose2d<100, 256, 4, 1, 0>, gan::Shape<100, 1, 1>>,
    std::pair<gan::ConvTranspose2d<128, 64, 4, 2, 1>, gan::Shape<128, 7, 7>>>;

}  // namespace

BOOST_AUTO_TEST_CASE_TEMPLATE(a_convolution_on_the_device_is_the_cpu_layer, Case, Cases) {
  for (const Eigen::Index batch : {1, 3}) {
    BOOST_TEST_CONTEXT("batch " << batch) {
      check_layer<typename Case::first_type, typename Case::second_type>(batch);
    }
  }
}

// The gathers add in the CPU's order: the column matrix and the folded images are the CPU's
// bit for bit.
BOOST_AUTO_TEST_CASE(im2col_and_col2im_give_the_cpus_bits) {
  using Geometry = gan::detail::WindowGeometry<3, 6, 5, 3, 2, 1>;
  const Eigen::Index batch = 2;
  const gan::Matrix<float> images = uniform_matrix<float>(Geometry::image_size, batch, 14);
  gan::Matrix<float> columns(Geometry::patch_size, Geometry::windows * batch);
  gan::detail::im2col<Geometry>(images.data(), batch, columns.data());
  gan::device::Matrix<float> device_columns;
  gan::device::im2col<Geometry>(gan::device::to_device(images).data(), batch, device_columns);
  BOOST_TEST((gan::device::to_host(device_columns) == columns));

  const gan::Matrix<float> column_values =
      uniform_matrix<float>(Geometry::patch_size, Geometry::windows * batch, 15);
  gan::Matrix<float> folded(Geometry::image_size, batch);
  gan::detail::col2im<Geometry>(column_values.data(), batch, folded.data());
  gan::device::Matrix<float> device_folded(Geometry::image_size, batch);
  gan::device::col2im<Geometry>(gan::device::to_device(column_values), batch, device_folded.data());
  BOOST_TEST((gan::device::to_host(device_folded) == folded));
}

BOOST_AUTO_TEST_CASE(a_convolution_refuses_a_batch_of_the_wrong_shape) {
  using Geometry = gan::detail::WindowGeometry<2, 5, 7, 3, 2, 1>;
  const gan::device::Buffer<float> parameters(3 * Geometry::patch_size + 3);
  const gan::ConvolutionParameters<const float> layer{parameters.data(), 3, Geometry::patch_size,
                                                      true};
  gan::device::Matrix<float> out;
  gan::device::Matrix<float> columns;
  check_throws<std::invalid_argument>(
      [&] {
        gan::device::conv2d_forward<Geometry>(layer, gan::device::Matrix<float>(69, 2), out,
                                              columns);
      },
      {"gan::device::conv2d_forward", "expected a batch of 70 rows", "got 69x2"});
  check_throws<std::invalid_argument>(
      [&] {
        gan::device::conv_transpose2d_forward<Geometry>(layer, gan::device::Matrix<float>(70, 2),
                                                        out, columns);
      },
      {"gan::device::conv_transpose2d_forward", "expected a batch of 36 rows", "got 70x2"});
}

namespace {

// Convolutions with and without bias, stride 2 and padding, each followed by an activation
// that runs in place over its output, and a transposed convolution with output padding.
using ConvolutionNetwork =
    gan::Sequential<gan::Input<gan::Shape<2, 6, 6>>, gan::Conv2d<2, 3, 4, 2, 1>, gan::LeakyRelu,
                    gan::ConvTranspose2d<3, 2, 4, 2, 1, 0, gan::Bias::none>, gan::Tanh,
                    gan::Conv2d<2, 4, 3, 2, 1, gan::Bias::none>, gan::Relu,
                    gan::ConvTranspose2d<4, 1, 3, 2, 1, 1>, gan::Sigmoid>;

// The backends differ only in the order of additions (the device's products, and its bias
// gradients summed in double).
template <typename T>
constexpr double network_tolerance() {
  return std::is_same_v<T, float> ? 1e-5 : 1e-12;
}

using Scalars = boost::mpl::list<float, double>;

}  // namespace

BOOST_AUTO_TEST_CASE_TEMPLATE(a_device_network_of_convolutions_is_the_cpu_network, T, Scalars) {
  gan::Network<ConvolutionNetwork, T> cpu;
  gan::Network<ConvolutionNetwork, gan::Device<T>> device;
  gan::Rng rng(16);
  cpu.initialize(rng);
  gan::Device<T>::from_host(gan::Vector<T>(cpu.parameters()), device.parameters());

  constexpr auto input_size = static_cast<Eigen::Index>(ConvolutionNetwork::input_shape::size);
  constexpr auto output_size = static_cast<Eigen::Index>(ConvolutionNetwork::output_shape::size);
  const gan::Matrix<T> input = uniform_matrix<T>(input_size, 5, 17);
  const gan::Matrix<T> output_gradient = uniform_matrix<T>(output_size, 5, 18);
  const gan::device::Matrix<T> device_input = gan::device::to_device(input);
  const gan::device::Matrix<T> device_output_gradient = gan::device::to_device(output_gradient);

  const double tolerance = network_tolerance<T>();
  const gan::Matrix<T>& output = cpu.forward(input);
  BOOST_TEST(relative_difference(gan::device::to_host(device.forward(device_input)), output) <=
             tolerance);

  // Twice, so that the second pass adds to the first's gradients.
  for (int pass = 0; pass < 2; ++pass) {
    cpu.backward(output_gradient, gan::Backprop::parameters_and_input);
    device.backward(device_output_gradient, gan::Backprop::parameters_and_input);
  }
  BOOST_TEST(relative_difference(gan::Device<T>::to_host(device.gradients()),
                                 gan::Vector<T>(cpu.gradients())) <= tolerance);
  BOOST_TEST(relative_difference(gan::device::to_host(device.activations().input_gradient()),
                                 cpu.activations().input_gradient()) <= tolerance);
}

// A network copies its layers (the trainer's averaged generator is a copy); a device
// convolution's copy gets scratch of its own and computes what the original does.
BOOST_AUTO_TEST_CASE(a_device_network_of_convolutions_copies) {
  using Network = gan::Network<ConvolutionNetwork, gan::Device<double>>;
  Network device;
  gan::Rng rng(19);
  device.initialize(rng);
  const gan::device::Matrix<double> input = gan::device::to_device(uniform_matrix<double>(
      static_cast<Eigen::Index>(ConvolutionNetwork::input_shape::size), 3, 20));
  // The original has run, so its layers' scratch holds a batch when the copy is made.
  const gan::Matrix<double> output = gan::device::to_host(device.forward(input));

  Network copy(device);
  BOOST_TEST((gan::device::to_host(copy.forward(input)) == output));
  Network assigned;
  assigned = copy;
  BOOST_TEST((gan::device::to_host(assigned.forward(input)) == output));
  // The original's layers still work with their own scratch.
  BOOST_TEST((gan::device::to_host(device.forward(input)) == output));

  // And the copy owns its parameters: changing the original's leaves its output alone.
  gan::Device<double>::fill(device.parameters(), 0.25);
  BOOST_TEST((gan::device::to_host(copy.forward(input)) == output));
}

BOOST_AUTO_TEST_SUITE_END()
