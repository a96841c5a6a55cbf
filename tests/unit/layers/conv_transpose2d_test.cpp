// SPDX-License-Identifier: MIT
// Tests of layers/conv_transpose2d.hpp: the transposed convolution against its definition, as
// the adjoint of Conv2d, output shapes, parameter layout and gradients.
#define BOOST_TEST_MODULE conv_transpose2d
#include <boost/test/unit_test.hpp>

#include <gan/core/random.hpp>
#include <gan/core/shape.hpp>
#include <gan/core/tensor.hpp>
#include <gan/layers/bias.hpp>
#include <gan/layers/conv2d.hpp>
#include <gan/layers/conv_transpose2d.hpp>
#include <gan/layers/reshape.hpp>
#include <gan/layers/tanh.hpp>
#include <gan/nn/network.hpp>
#include <gan/nn/sequential.hpp>

#include "support/convolution_checks.hpp"
#include "support/layer_checks.hpp"
#include "support/numeric_checks.hpp"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace {

using namespace gan::test_support;
using gan::Bias;
using gan::Conv2d;
using gan::ConvTranspose2d;
using gan::Shape;

/// The settings of a ConvTranspose2d type, for the reference below.
template <typename Spec>
struct Settings;
template <std::size_t In, std::size_t Out, std::size_t K, std::size_t S, std::size_t P,
          std::size_t OP, Bias B>
struct Settings<ConvTranspose2d<In, Out, K, S, P, OP, B>> {
  static constexpr Eigen::Index in_channels = In;
  static constexpr Eigen::Index out_channels = Out;
  static constexpr Eigen::Index kernel = K;
  static constexpr Eigen::Index stride = S;
  static constexpr Eigen::Index padding = P;
  static constexpr bool has_bias = B == Bias::learned;
};

/// The dimensions of an image shape.
template <typename S>
struct Image;
template <std::size_t C, std::size_t H, std::size_t W>
struct Image<Shape<C, H, W>> {
  static constexpr Eigen::Index channels = C;
  static constexpr Eigen::Index height = H;
  static constexpr Eigen::Index width = W;
};

/// The transposed convolution from its definition, in double: every input value spreads over
/// a kernel-sized patch of the output,
///   out[o, i S - P + ky, j S - P + kx] += W[c, o, ky, kx] in[c, i, j],
/// where patch positions outside the output are dropped, and b[o] is added everywhere.
/// W[c, o, ky, kx] is read from weights() where its documentation puts it.
template <typename Spec, typename InputShape, typename Bound, typename Scalar>
gan::Matrix<double> direct_transposed_convolution(const Bound& conv,
                                                  const gan::Matrix<Scalar>& input) {
  using Conv = Settings<Spec>;
  using In = Image<InputShape>;
  using OutputShape = typename Spec::template output_shape<InputShape>;
  using Out = Image<OutputShape>;

  gan::Matrix<double> output = gan::Matrix<double>::Zero(OutputShape::size, input.cols());
  for (Eigen::Index n = 0; n < input.cols(); ++n) {
    for (Eigen::Index c = 0; c < Conv::in_channels; ++c)
      for (Eigen::Index i = 0; i < In::height; ++i)
        for (Eigen::Index j = 0; j < In::width; ++j)
          for (Eigen::Index o = 0; o < Conv::out_channels; ++o)
            for (Eigen::Index ky = 0; ky < Conv::kernel; ++ky)
              for (Eigen::Index kx = 0; kx < Conv::kernel; ++kx) {
                const Eigen::Index y = i * Conv::stride - Conv::padding + ky;
                const Eigen::Index x = j * Conv::stride - Conv::padding + kx;
                if (y < 0 || y >= Out::height || x < 0 || x >= Out::width) continue;
                const double weight =
                    conv.layer.weights()(c, (ky * Conv::kernel + kx) * Conv::out_channels + o);
                output(channels_last(o, y, x, Out::channels, Out::width), n) +=
                    weight * input(channels_last(c, i, j, In::channels, In::width), n);
              }
    if constexpr (Conv::has_bias)
      for (Eigen::Index o = 0; o < Conv::out_channels; ++o)
        for (Eigen::Index y = 0; y < Out::height; ++y)
          for (Eigen::Index x = 0; x < Out::width; ++x)
            output(channels_last(o, y, x, Out::channels, Out::width), n) += conv.layer.bias()(o);
  }
  return output;
}

/// Checks Spec's forward pass on InputShape against direct_transposed_convolution, on
/// batches of 1 and 4.
template <typename Spec, typename InputShape, typename Scalar>
void check_forward_matches_direct_transposed_convolution(std::uint64_t seed) {
  // Sums of at most 48 products of values in [-1, 1]: a few roundings of float or double.
  const double tolerance = std::is_same_v<Scalar, float> ? 1e-5 : 1e-13;
  BOOST_TEST_CONTEXT(Spec{}.describe() << " on " << InputShape::describe() << ", seed " << seed) {
    StandaloneLayer<Spec, InputShape, Scalar> conv(seed);
    for (const Eigen::Index batch : {1, 4}) {
      BOOST_TEST_CONTEXT("batch " << batch) {
        const auto input = uniform_matrix<Scalar>(InputShape::size, batch, seed + 100);
        gan::Matrix<Scalar> output;
        conv.layer.forward(input, output);
        check_entries(output, direct_transposed_convolution<Spec, InputShape>(conv, input),
                      tolerance);
      }
    }
  }
}

/// Checks <conv(x), y> = <x, convT(y)> for Conv2d<A, B, K, S, P> on Shape<A, H, W> and the
/// ConvTranspose2d<B, A, K, S, P, OP> that maps its output back to H x W, both without bias
/// and with the same parameters: the two layers are each other's adjoint.
template <std::size_t A, std::size_t B, std::size_t K, std::size_t S, std::size_t P, std::size_t H,
          std::size_t W>
void check_adjoint_of_convolution(std::uint64_t seed) {
  // The output padding that brings the transposed convolution back to H (and W: the test's
  // geometries leave the same remainder on both axes).
  constexpr std::size_t output_padding = (H + 2 * P - K) % S;
  static_assert(output_padding == (W + 2 * P - K) % S);
  using ConvSpec = Conv2d<A, B, K, S, P, Bias::none>;
  using InputShape = Shape<A, H, W>;
  using OutputShape = typename ConvSpec::template output_shape<InputShape>;
  using TransposedSpec = ConvTranspose2d<B, A, K, S, P, output_padding, Bias::none>;
  static_assert(
      std::is_same_v<typename TransposedSpec::template output_shape<OutputShape>, InputShape>);

  BOOST_TEST_CONTEXT(ConvSpec{}.describe()
                     << " on " << InputShape::describe() << ", seed " << seed) {
    StandaloneLayer<ConvSpec, InputShape, double> conv(seed);
    StandaloneLayer<TransposedSpec, OutputShape, double> transposed(seed);
    static_assert(decltype(conv)::Layer::parameter_count ==
                  decltype(transposed)::Layer::parameter_count);
    transposed.parameters = conv.parameters;

    const gan::Matrix<double> x = uniform_matrix<double>(InputShape::size, 3, seed + 100);
    const gan::Matrix<double> y = uniform_matrix<double>(OutputShape::size, 3, seed + 200);
    gan::Matrix<double> conv_x;
    gan::Matrix<double> transposed_y;
    conv.layer.forward(x, conv_x);
    transposed.layer.forward(y, transposed_y);

    const double left = (conv_x.array() * y.array()).sum();
    const double right = (x.array() * transposed_y.array()).sum();
    // Both sums add the same few thousand products in different orders.
    BOOST_TEST(std::abs(left - right) <= 1e-12 * std::max(1.0, std::abs(left)),
               "<conv(x), y> = " << left << ", <x, convT(y)> = " << right);
  }
}

template <typename... Layers>
using DoubleNet = gan::Network<gan::Sequential<Layers...>, double>;

}  // namespace

BOOST_AUTO_TEST_SUITE(conv_transpose2d_layer)

BOOST_AUTO_TEST_CASE_TEMPLATE(forward_matches_the_definition_of_transposed_convolution, Scalar,
                              scalar_types) {
  // Stride 1 without padding, on a 4 x 5 image.
  check_forward_matches_direct_transposed_convolution<ConvTranspose2d<2, 3, 3>, Shape<2, 4, 5>,
                                                      Scalar>(1);
  // Stride 2 with padding 1: 3 x 4 -> 5 x 7.
  check_forward_matches_direct_transposed_convolution<ConvTranspose2d<2, 3, 3, 2, 1>,
                                                      Shape<2, 3, 4>, Scalar>(2);
  // Output padding 1 adds a row and a column: 3 x 4 -> 6 x 8.
  check_forward_matches_direct_transposed_convolution<ConvTranspose2d<2, 3, 3, 2, 1, 1>,
                                                      Shape<2, 3, 4>, Scalar>(3);
  // DCGAN's generator geometry without bias: 3 x 3 -> 6 x 6.
  check_forward_matches_direct_transposed_convolution<ConvTranspose2d<3, 2, 4, 2, 1, 0, Bias::none>,
                                                      Shape<3, 3, 3>, Scalar>(4);
  // Stride 3 over a kernel of 2 leaves gaps, and output padding 2 without padding adds pixels
  // that only the bias reaches: 2 x 3 -> 7 x 10.
  check_forward_matches_direct_transposed_convolution<ConvTranspose2d<1, 2, 2, 3, 0, 2>,
                                                      Shape<1, 2, 3>, Scalar>(5);
  // From a 1 x 1 latent image, as a DCGAN generator starts.
  check_forward_matches_direct_transposed_convolution<ConvTranspose2d<5, 3, 4>, Shape<5, 1, 1>,
                                                      Scalar>(6);
}

BOOST_AUTO_TEST_CASE(is_the_adjoint_of_conv2d) {
  check_adjoint_of_convolution<2, 3, 3, 1, 0, 5, 7>(1);
  check_adjoint_of_convolution<2, 3, 3, 2, 1, 6, 8>(2);  // output padding 1
  check_adjoint_of_convolution<3, 2, 4, 2, 1, 7, 7>(3);  // output padding 1
  check_adjoint_of_convolution<1, 4, 4, 2, 1, 28, 28>(4);
  check_adjoint_of_convolution<2, 2, 2, 3, 1, 5, 8>(5);  // output padding 2
}

BOOST_AUTO_TEST_CASE(output_shapes_of_the_dcgan_generator) {
  using Generator = gan::Sequential<gan::Input<Shape<100, 1, 1>>,
                                    ConvTranspose2d<100, 256, 4, 1, 0, 0, Bias::none>,
                                    ConvTranspose2d<256, 128, 3, 2, 1, 0, Bias::none>,
                                    ConvTranspose2d<128, 64, 4, 2, 1, 0, Bias::none>,
                                    ConvTranspose2d<64, 1, 4, 2, 1, 0, Bias::none>, gan::Tanh>;
  using Shapes = Generator::layer_input_shapes;
  static_assert(std::is_same_v<std::tuple_element_t<2, Shapes>, Shape<256, 4, 4>>);
  static_assert(std::is_same_v<std::tuple_element_t<3, Shapes>, Shape<128, 7, 7>>);
  static_assert(std::is_same_v<std::tuple_element_t<4, Shapes>, Shape<64, 14, 14>>);
  static_assert(std::is_same_v<Generator::output_shape, Shape<1, 28, 28>>);

  // Parameter counts match PyTorch's for the same layers with bias=False.
  using Net = gan::Network<Generator, float>;
  static_assert(Net::parameter_count ==
                100 * 256 * 16 + 256 * 128 * 9 + 128 * 64 * 16 + 64 * 1 * 16);
  Net net = initialized<Net>(1);
  for (const Eigen::Index batch : {1, 3}) {
    BOOST_TEST_CONTEXT("batch " << batch) {
      const gan::Matrix<float> noise = uniform_matrix<float>(100, batch, 2);
      const gan::Matrix<float>& images = net.forward(noise);
      BOOST_TEST(images.rows() == 784);
      BOOST_TEST(images.cols() == batch);
    }
  }
}

BOOST_AUTO_TEST_CASE(parameters_are_weights_then_bias_if_learned) {
  static_assert(ConvTranspose2d<3, 4, 2>::Layer<double, Shape<3, 5, 5>>::parameter_count ==
                3 * 2 * 2 * 4 + 4);
  static_assert(ConvTranspose2d<3, 4, 2, 2, 0, 1,
                                Bias::none>::Layer<double, Shape<3, 5, 5>>::parameter_count ==
                3 * 2 * 2 * 4);

  StandaloneLayer<ConvTranspose2d<3, 4, 2>, Shape<3, 5, 5>, double> conv(1);
  BOOST_TEST(conv.layer.weights().rows() == 3);
  BOOST_TEST(conv.layer.weights().cols() == 16);
  BOOST_TEST(conv.layer.weights().data() == conv.parameters.data());
  BOOST_TEST(conv.layer.bias().size() == 4);
  BOOST_TEST(conv.layer.bias().data() == conv.parameters.data() + 48);
}

BOOST_AUTO_TEST_CASE(backward_adds_parameter_gradients_and_overwrites_the_input_gradient) {
  StandaloneLayer<ConvTranspose2d<2, 3, 3, 2, 1, 1>, Shape<2, 3, 4>, double> conv(1);
  const gan::Matrix<double> input = uniform_matrix<double>(2 * 3 * 4, 3, 2);
  gan::Matrix<double> output;
  conv.layer.forward(input, output);
  const gan::Matrix<double> grad_out = uniform_matrix<double>(output.rows(), 3, 3);

  gan::Matrix<double> grad_in;
  conv.layer.backward(input, output, grad_out, &grad_in, true);
  const gan::Vector<double> once = conv.gradients;
  const gan::Matrix<double> first_grad_in = grad_in;
  BOOST_TEST(once.cwiseAbs().minCoeff() > 0.0);
  BOOST_TEST(grad_in.rows() == input.rows());
  BOOST_TEST(grad_in.cols() == input.cols());

  conv.layer.backward(input, output, grad_out, &grad_in, true);
  check_entries(conv.gradients, (2 * once).eval(), 1e-12);
  check_entries(grad_in, first_grad_in, 0.0);

  const gan::Vector<double> twice = conv.gradients;
  conv.layer.backward(input, output, grad_out, &grad_in, false);
  check_entries(conv.gradients, twice, 0.0);
  check_entries(grad_in, first_grad_in, 0.0);
  conv.layer.backward(input, output, grad_out, nullptr, true);
  check_entries(conv.gradients, (3 * once).eval(), 1e-12);
}

BOOST_AUTO_TEST_CASE(backward_matches_finite_differences) {
  BOOST_TEST_CONTEXT("stride 1, no padding, 3 x 4") {
    check_gradients_match_finite_differences<
        DoubleNet<gan::Input<Shape<2, 3, 4>>, ConvTranspose2d<2, 3, 3>>>(
        {1, 2}, 3, Kinks::must_not_be_skipped);
  }
  BOOST_TEST_CONTEXT("stride 2, padding 1, output padding 1, no bias") {
    check_gradients_match_finite_differences<
        DoubleNet<gan::Input<Shape<2, 3, 4>>, ConvTranspose2d<2, 2, 3, 2, 1, 1, Bias::none>>>(
        {1, 2}, 3, Kinks::must_not_be_skipped);
  }
  BOOST_TEST_CONTEXT("stride 3, output padding 2, pixels reached by the bias only") {
    check_gradients_match_finite_differences<
        DoubleNet<gan::Input<Shape<1, 2, 3>>, ConvTranspose2d<1, 2, 2, 3, 0, 2>>>(
        {1, 2}, 3, Kinks::must_not_be_skipped);
  }
  BOOST_TEST_CONTEXT("two layers from a 1 x 1 latent image, with tanh between") {
    check_gradients_match_finite_differences<
        DoubleNet<gan::Input<Shape<4, 1, 1>>, ConvTranspose2d<4, 3, 3, 1, 0, 0, Bias::none>,
                  gan::Tanh, ConvTranspose2d<3, 2, 4, 2, 1>>>({1, 2}, 3,
                                                              Kinks::must_not_be_skipped);
  }
  BOOST_TEST_CONTEXT("transposed convolution then convolution") {
    check_gradients_match_finite_differences<
        DoubleNet<gan::Input<Shape<3, 3, 3>>, ConvTranspose2d<3, 2, 4, 2, 1, 0, Bias::none>,
                  Conv2d<2, 2, 3, 2, 1>>>({1, 2}, 3, Kinks::must_not_be_skipped);
  }
}

BOOST_AUTO_TEST_CASE(default_initialisation_uses_pytorchs_fan_in) {
  // PyTorch's fan_in for ConvTranspose2d<8, 4, 3> is 4 output channels * 3 * 3 = 36, so
  // weights and bias are uniform on [-1/6, 1/6], not on the narrower [-1/sqrt(72), ...] that
  // the 8 input channels would give.
  StandaloneLayer<ConvTranspose2d<8, 4, 3>, Shape<8, 2, 2>, double> conv(5);
  const double bound = 1.0 / 6.0;
  BOOST_TEST(conv.parameters.minCoeff() >= -bound);
  BOOST_TEST(conv.parameters.maxCoeff() <= bound);
  // 292 draws: each end is approached within a tenth of the bound, beyond 1/sqrt(72) = 0.118
  // (a miss has probability 0.95^292 < 3e-7), and the mean is within about 4 standard
  // errors (0.0056) of 0.
  BOOST_TEST(conv.parameters.minCoeff() < -0.9 * bound);
  BOOST_TEST(conv.parameters.maxCoeff() > 0.9 * bound);
  BOOST_TEST(std::abs(conv.parameters.mean()) <= 0.025);
}

BOOST_AUTO_TEST_CASE(describe_names_every_setting) {
  BOOST_TEST(
      (ConvTranspose2d<128, 64, 4, 2, 1, 0, Bias::none>{}.describe()) ==
      "ConvTranspose2d(128 -> 64, kernel 4, stride 2, padding 1, output padding 0, no bias)");
  BOOST_TEST((ConvTranspose2d<3, 8, 3, 2, 1, 1>{}.describe()) ==
             "ConvTranspose2d(3 -> 8, kernel 3, stride 2, padding 1, output padding 1)");
}

BOOST_AUTO_TEST_SUITE_END()
