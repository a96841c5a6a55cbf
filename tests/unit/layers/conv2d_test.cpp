// SPDX-License-Identifier: MIT
// Tests of layers/conv2d.hpp: the convolution against its definition, output shapes, parameter
// layout and gradients.
#define BOOST_TEST_MODULE conv2d
#include <boost/test/unit_test.hpp>

#include <gan/core/random.hpp>
#include <gan/core/shape.hpp>
#include <gan/core/tensor.hpp>
#include <gan/layers/bias.hpp>
#include <gan/layers/conv2d.hpp>
#include <gan/layers/reshape.hpp>
#include <gan/layers/tanh.hpp>
#include <gan/nn/network.hpp>
#include <gan/nn/sequential.hpp>

#include "support/convolution_checks.hpp"
#include "support/layer_checks.hpp"
#include "support/numeric_checks.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace {

using namespace gan::test_support;
using gan::Bias;
using gan::Conv2d;
using gan::Shape;

/// The settings of a Conv2d type, for the reference below.
template <typename Spec>
struct Settings;
template <std::size_t In, std::size_t Out, std::size_t K, std::size_t S, std::size_t P, Bias B>
struct Settings<Conv2d<In, Out, K, S, P, B>> {
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

/// The convolution from its definition, one output value at a time, in double:
///   out[o, y, x] = b[o] + sum over c, ky, kx of W[o, c, ky, kx] in[c, y S - P + ky, x S - P + kx]
/// with input positions outside the image counting as zero. W[o, c, ky, kx] is read from
/// weights() where its documentation puts it, so this checks that layout too.
template <typename Spec, typename InputShape, typename Bound, typename Scalar>
gan::Matrix<double> direct_convolution(const Bound& conv, const gan::Matrix<Scalar>& input) {
  using Conv = Settings<Spec>;
  using In = Image<InputShape>;
  using OutputShape = typename Spec::template output_shape<InputShape>;
  using Out = Image<OutputShape>;

  gan::Matrix<double> output(OutputShape::size, input.cols());
  for (Eigen::Index n = 0; n < input.cols(); ++n)
    for (Eigen::Index o = 0; o < Conv::out_channels; ++o)
      for (Eigen::Index y = 0; y < Out::height; ++y)
        for (Eigen::Index x = 0; x < Out::width; ++x) {
          double sum = 0;
          if constexpr (Conv::has_bias) sum = conv.layer.bias()(o);
          for (Eigen::Index c = 0; c < Conv::in_channels; ++c)
            for (Eigen::Index ky = 0; ky < Conv::kernel; ++ky)
              for (Eigen::Index kx = 0; kx < Conv::kernel; ++kx) {
                const Eigen::Index in_y = y * Conv::stride - Conv::padding + ky;
                const Eigen::Index in_x = x * Conv::stride - Conv::padding + kx;
                if (in_y < 0 || in_y >= In::height || in_x < 0 || in_x >= In::width) continue;
                const double weight =
                    conv.layer.weights()(o, (ky * Conv::kernel + kx) * Conv::in_channels + c);
                sum += weight * input(channels_last(c, in_y, in_x, In::channels, In::width), n);
              }
          output(channels_last(o, y, x, Out::channels, Out::width), n) = sum;
        }
  return output;
}

/// Checks Spec's forward pass on InputShape against direct_convolution, on batches of 1 and 4.
template <typename Spec, typename InputShape, typename Scalar>
void check_forward_matches_direct_convolution(std::uint64_t seed) {
  // Sums of at most 48 products of values in [-1, 1]: a few roundings of float or double.
  const double tolerance = std::is_same_v<Scalar, float> ? 1e-5 : 1e-13;
  BOOST_TEST_CONTEXT(Spec{}.describe() << " on " << InputShape::describe() << ", seed " << seed) {
    StandaloneLayer<Spec, InputShape, Scalar> conv(seed);
    for (const Eigen::Index batch : {1, 4}) {
      BOOST_TEST_CONTEXT("batch " << batch) {
        const auto input = uniform_matrix<Scalar>(InputShape::size, batch, seed + 100);
        gan::Matrix<Scalar> output;
        conv.layer.forward(input, output);
        check_entries(output, direct_convolution<Spec, InputShape>(conv, input), tolerance);
      }
    }
  }
}

template <typename... Layers>
using DoubleNet = gan::Network<gan::Sequential<Layers...>, double>;

}  // namespace

BOOST_AUTO_TEST_SUITE(conv2d_layer)

BOOST_AUTO_TEST_CASE_TEMPLATE(forward_matches_the_definition_of_convolution, Scalar, scalar_types) {
  // Stride 1 without padding, on a 5 x 7 image (odd, and not square).
  check_forward_matches_direct_convolution<Conv2d<2, 3, 3>, Shape<2, 5, 7>, Scalar>(1);
  // Stride 2 with padding 1.
  check_forward_matches_direct_convolution<Conv2d<2, 3, 3, 2, 1>, Shape<2, 5, 7>, Scalar>(2);
  // DCGAN's discriminator geometry without bias; 7 x 7 leaves the last padded row unused.
  check_forward_matches_direct_convolution<Conv2d<3, 2, 4, 2, 1, Bias::none>, Shape<3, 7, 7>,
                                           Scalar>(3);
  // A stride larger than the kernel skips pixels.
  check_forward_matches_direct_convolution<Conv2d<2, 2, 2, 3, 1>, Shape<2, 5, 4>, Scalar>(4);
  // A 1 x 1 kernel mixes channels only; a kernel as large as the padded input.
  check_forward_matches_direct_convolution<Conv2d<3, 2, 1>, Shape<3, 2, 3>, Scalar>(5);
  check_forward_matches_direct_convolution<Conv2d<1, 2, 5, 1, 1, Bias::none>, Shape<1, 3, 4>,
                                           Scalar>(6);
}

BOOST_AUTO_TEST_CASE(output_shapes_of_the_dcgan_discriminator) {
  using Discriminator =
      gan::Sequential<gan::Input<Shape<1, 28, 28>>, Conv2d<1, 64, 4, 2, 1, Bias::none>,
                      Conv2d<64, 128, 4, 2, 1, Bias::none>, Conv2d<128, 256, 4, 2, 1, Bias::none>,
                      Conv2d<256, 1, 3, 1, 0, Bias::none>>;
  using Shapes = Discriminator::layer_input_shapes;
  static_assert(std::is_same_v<std::tuple_element_t<2, Shapes>, Shape<64, 14, 14>>);
  static_assert(std::is_same_v<std::tuple_element_t<3, Shapes>, Shape<128, 7, 7>>);
  // (7 + 2 - 4) / 2 + 1 = 3: the division rounds down.
  static_assert(std::is_same_v<std::tuple_element_t<4, Shapes>, Shape<256, 3, 3>>);
  static_assert(std::is_same_v<Discriminator::output_shape, Shape<1, 1, 1>>);

  // Parameter counts match PyTorch's for the same layers with bias=False.
  using Net = gan::Network<Discriminator, float>;
  static_assert(Net::parameter_count == 64 * 1 * 16 + 128 * 64 * 16 + 256 * 128 * 16 + 1 * 256 * 9);
  Net net = initialized<Net>(1);
  for (const Eigen::Index batch : {1, 3}) {
    BOOST_TEST_CONTEXT("batch " << batch) {
      const gan::Matrix<float> images = uniform_matrix<float>(784, batch, 2);
      const gan::Matrix<float>& logits = net.forward(images);
      BOOST_TEST(logits.rows() == 1);
      BOOST_TEST(logits.cols() == batch);
    }
  }
}

BOOST_AUTO_TEST_CASE(output_size_rounds_down) {
  static_assert(std::is_same_v<Conv2d<1, 1, 3, 2>::output_shape<Shape<1, 6, 7>>, Shape<1, 2, 3>>);
  static_assert(
      std::is_same_v<Conv2d<2, 5, 2, 3, 1>::output_shape<Shape<2, 5, 4>>, Shape<5, 2, 2>>);
  static_assert(
      std::is_same_v<Conv2d<1, 1, 5, 1, 2>::output_shape<Shape<1, 4, 9>>, Shape<1, 4, 9>>);
}

BOOST_AUTO_TEST_CASE(parameters_are_weights_then_bias_if_learned) {
  static_assert(Conv2d<3, 4, 2>::Layer<double, Shape<3, 5, 5>>::parameter_count ==
                4 * 2 * 2 * 3 + 4);
  static_assert(Conv2d<3, 4, 2, 1, 0, Bias::none>::Layer<double, Shape<3, 5, 5>>::parameter_count ==
                4 * 2 * 2 * 3);
  // The parameter count does not depend on the image size.
  static_assert(Conv2d<3, 4, 2>::Layer<double, Shape<3, 9, 2>>::parameter_count ==
                4 * 2 * 2 * 3 + 4);

  StandaloneLayer<Conv2d<3, 4, 2>, Shape<3, 5, 5>, double> conv(1);
  BOOST_TEST(conv.layer.weights().rows() == 4);
  BOOST_TEST(conv.layer.weights().cols() == 12);
  BOOST_TEST(conv.layer.weights().data() == conv.parameters.data());
  BOOST_TEST(conv.layer.bias().size() == 4);
  BOOST_TEST(conv.layer.bias().data() == conv.parameters.data() + 48);
}

BOOST_AUTO_TEST_CASE(backward_adds_parameter_gradients_and_overwrites_the_input_gradient) {
  StandaloneLayer<Conv2d<2, 3, 3, 2, 1>, Shape<2, 5, 7>, double> conv(1);
  const gan::Matrix<double> input = uniform_matrix<double>(2 * 5 * 7, 3, 2);
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

  // Without accumulation the gradient buffer is left alone; without grad_in, only it changes.
  const gan::Vector<double> twice = conv.gradients;
  conv.layer.backward(input, output, grad_out, &grad_in, false);
  check_entries(conv.gradients, twice, 0.0);
  check_entries(grad_in, first_grad_in, 0.0);
  conv.layer.backward(input, output, grad_out, nullptr, true);
  check_entries(conv.gradients, (3 * once).eval(), 1e-12);
}

BOOST_AUTO_TEST_CASE(backward_matches_finite_differences) {
  // No activations between the layers: convolutions are linear, so nothing can hide at a kink.
  BOOST_TEST_CONTEXT("stride 1, no padding, 5 x 7") {
    check_gradients_match_finite_differences<
        DoubleNet<gan::Input<Shape<2, 5, 7>>, Conv2d<2, 3, 3>>>({1, 2}, 3,
                                                                Kinks::must_not_be_skipped);
  }
  BOOST_TEST_CONTEXT("stride 2, padding 1, 5 x 7") {
    check_gradients_match_finite_differences<
        DoubleNet<gan::Input<Shape<2, 5, 7>>, Conv2d<2, 3, 3, 2, 1>>>({1, 2}, 3,
                                                                      Kinks::must_not_be_skipped);
  }
  BOOST_TEST_CONTEXT("two layers, no bias then bias, with tanh between") {
    check_gradients_match_finite_differences<
        DoubleNet<gan::Input<Shape<3, 7, 6>>, Conv2d<3, 2, 4, 2, 1, Bias::none>, gan::Tanh,
                  Conv2d<2, 2, 3, 1, 1>>>({1, 2}, 3, Kinks::must_not_be_skipped);
  }
  BOOST_TEST_CONTEXT("stride larger than the kernel") {
    check_gradients_match_finite_differences<
        DoubleNet<gan::Input<Shape<2, 5, 4>>, Conv2d<2, 2, 2, 3, 1>>>({1, 2}, 3,
                                                                      Kinks::must_not_be_skipped);
  }
}

BOOST_AUTO_TEST_CASE(default_initialisation_stays_within_one_over_sqrt_fan_in) {
  // fan_in = 4 channels * 3 * 3 = 36: weights and bias uniform on [-1/6, 1/6].
  StandaloneLayer<Conv2d<4, 8, 3>, Shape<4, 5, 5>, double> conv(5);
  const double bound = 1.0 / 6.0;
  BOOST_TEST(conv.parameters.minCoeff() >= -bound);
  BOOST_TEST(conv.parameters.maxCoeff() <= bound);
  // 296 draws: each end is approached within a tenth of the bound (a miss has probability
  // 0.95^296 < 3e-7) and the mean is within about 4 standard errors (0.0056) of 0.
  BOOST_TEST(conv.parameters.minCoeff() < -0.9 * bound);
  BOOST_TEST(conv.parameters.maxCoeff() > 0.9 * bound);
  BOOST_TEST(std::abs(conv.parameters.mean()) <= 0.025);
}

BOOST_AUTO_TEST_CASE(describe_names_every_setting) {
  BOOST_TEST((Conv2d<1, 64, 4, 2, 1, Bias::none>{}.describe()) ==
             "Conv2d(1 -> 64, kernel 4, stride 2, padding 1, no bias)");
  BOOST_TEST((Conv2d<3, 8, 3>{}.describe()) == "Conv2d(3 -> 8, kernel 3, stride 1, padding 0)");
}

BOOST_AUTO_TEST_SUITE_END()
