// SPDX-License-Identifier: MIT
// Tests of layers/batch_norm.hpp: batch and running statistics, dense and channels-last image
// layouts, gradients in both modes, a batch of one, settings, threads, and passes that
// allocate nothing.
#include <stdexcept>

// Eigen checks every allocation against set_is_malloc_allowed() through eigen_assert; routing
// that to an exception makes the check work in release builds too (see the last test).
#define EIGEN_RUNTIME_NO_MALLOC
#define eigen_assert(condition)                                                      \
  do {                                                                               \
    if (!(condition)) throw std::logic_error("Eigen assertion failed: " #condition); \
  } while (false)

#define BOOST_TEST_MODULE batch_norm
#include <boost/test/unit_test.hpp>

#include <gan/core/concepts.hpp>
#include <gan/core/error.hpp>
#include <gan/core/random.hpp>
#include <gan/core/shape.hpp>
#include <gan/core/tensor.hpp>
#include <gan/layers/batch_norm.hpp>
#include <gan/layers/dense.hpp>
#include <gan/layers/leaky_relu.hpp>
#include <gan/layers/relu.hpp>
#include <gan/layers/reshape.hpp>
#include <gan/layers/tanh.hpp>
#include <gan/losses/non_saturating.hpp>
#include <gan/nn/mode.hpp>
#include <gan/nn/network.hpp>
#include <gan/nn/sequential.hpp>
#include <gan/noise/priors.hpp>
#include <gan/optim/adam.hpp>
#include <gan/testing/gradient_check.hpp>
#include <gan/train/alternating_trainer.hpp>

#include "support/expected_errors.hpp"
#include "support/layer_checks.hpp"
#include "support/numeric_checks.hpp"
#include "support/temporary_files.hpp"
#include "support/trainer_fixtures.hpp"

#ifdef _OPENMP
#include <omp.h>
#endif

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace {

using namespace gan::test_support;
using gan::Mode;

static_assert(gan::LayerSpec<gan::BatchNorm<4>, gan::Shape<4>>);
static_assert(gan::LayerSpec<gan::BatchNorm<4>, gan::Shape<4, 3, 5>, double>);

// A pass walks a batch in blocks of whole columns of the [Channels, positions * batch] view:
// the fewest that divide a sample's positions and give 16 values, else all the positions.
static_assert(gan::detail::batch_norm_block_columns(28 * 28, 1) == 16);
static_assert(gan::detail::batch_norm_block_columns(4 * 6, 2) == 8);
static_assert(gan::detail::batch_norm_block_columns(3 * 5, 2) == 15);
static_assert(gan::detail::batch_norm_block_columns(7 * 7, 1) == 49);
static_assert(gan::detail::batch_norm_block_columns(1, 4) == 1);
static_assert(gan::detail::batch_norm_block_columns(4 * 4, 1024) == 1);

/// Random gamma (magnitude in [0.5, 1.5], either sign), beta, running mean and running
/// variance (in [0.5, 2]) for a bound BatchNorm layer, so that no term of a gradient vanishes
/// by accident.
template <typename Layer>
void randomise(const Layer& layer, gan::Rng& rng) {
  for (Eigen::Index c = 0; c < layer.gamma().size(); ++c) {
    const double magnitude = rng.uniform(0.5, 1.5);
    layer.gamma()(c) = rng.uniform() < 0.5 ? -magnitude : magnitude;
    layer.beta()(c) = rng.uniform(-1.0, 1.0);
    layer.running_mean()(c) = rng.uniform(-0.5, 0.5);
    layer.running_variance()(c) = rng.uniform(0.5, 2.0);
  }
}

/// BatchNorm<Channels> bound to InputShape, with parameter, gradient and state arrays of its
/// own; initialised (gamma 1, beta 0, running mean 0, running variance 1).
template <typename Scalar, std::size_t Channels, typename InputShape>
struct BoundBatchNorm {
  using Layer = typename gan::BatchNorm<Channels>::template Layer<Scalar, InputShape>;
  static constexpr Eigen::Index kFeatures = static_cast<Eigen::Index>(InputShape::size);

  std::array<Scalar, Layer::parameter_count> parameters{};
  std::array<Scalar, Layer::parameter_count> gradients{};
  std::array<Scalar, Layer::state_count> state{};
  Layer layer;

  explicit BoundBatchNorm(const gan::BatchNorm<Channels>& spec = {}) : layer(spec) {
    layer.bind(parameters.data(), gradients.data());
    layer.bind_state(state.data());
    gan::Rng rng(1);
    layer.initialize(rng);
  }
  // The layer points into this object's arrays.
  BoundBatchNorm(const BoundBatchNorm&) = delete;
  BoundBatchNorm& operator=(const BoundBatchNorm&) = delete;

  void randomise(gan::Rng& rng) { ::randomise(layer, rng); }
};

/// Tolerance of a comparison with a closed form computed in long double: a few roundings of
/// values of order 10.
template <typename Scalar>
constexpr double closed_form_tolerance() {
  return std::is_same_v<Scalar, float> ? 1e-5 : 1e-13;
}

constexpr long double kDefaultEpsilon = 1e-5L;

/// gamma * (x - mean) / sqrt(variance + epsilon) + beta.
long double normalised(long double x, long double mean, long double variance, long double gamma,
                       long double beta, long double epsilon = kDefaultEpsilon) {
  return gamma * (x - mean) / std::sqrt(variance + epsilon) + beta;
}

/// Four samples of two features. Feature 0: 1, 2, 3, 6 (mean 3, biased variance
/// (4 + 1 + 0 + 9) / 4 = 3.5); feature 1: -1, -1, 3, 3 (mean 1, biased variance 4).
template <typename Scalar>
gan::Matrix<Scalar> dense_batch() {
  gan::Matrix<Scalar> input(2, 4);
  // One row per feature, as the matrix reads.
  // clang-format off
  input << 1, 2, 3, 6,
          -1, -1, 3, 3;
  // clang-format on
  return input;
}
constexpr std::array<long double, 2> kDenseMean = {3, 1};
constexpr std::array<long double, 2> kDenseVariance = {3.5L, 4};

/// Two [2, 1, 3] images, channels-last: row (w * 2 + c). Channel 0 holds 1, 2, 3 and 4, 5, 9
/// (mean 4, squared deviations 9 + 4 + 1 + 0 + 1 + 25 = 40, biased variance 40 / 6); channel 1
/// holds 0, 0, 0 and 2, 2, 2 (mean 1, biased variance 1).
template <typename Scalar>
gan::Matrix<Scalar> image_batch() {
  gan::Matrix<Scalar> input(6, 2);
  // One row per feature, as the matrix reads.
  // clang-format off
  input << 1, 4,
           0, 2,
           2, 5,
           0, 2,
           3, 9,
           0, 2;
  // clang-format on
  return input;
}
constexpr std::array<long double, 2> kImageMean = {4, 1};
constexpr std::array<long double, 2> kImageVariance = {40.0L / 6, 1};

/// L = sum(output .* weights) of a bound layer run in `mode` on `input`; dL/dparameters and
/// dL/dinput from backward() compared with central finite differences, as
/// gan::testing::gradient_check does for a network.
template <typename Bound>
gan::testing::GradientCheckReport check_bound_gradients(Bound& bound, gan::Matrix<double> input,
                                                        Mode mode, std::uint64_t seed) {
  gan::Rng rng(seed);
  gan::Matrix<double> weights(input.rows(), input.cols());
  for (Eigen::Index i = 0; i < weights.size(); ++i) weights(i) = rng.uniform(-1.0, 1.0);

  gan::Matrix<double> output;
  const auto loss = [&] {
    bound.layer.forward(input, output, mode);
    long double sum = 0;
    for (Eigen::Index i = 0; i < output.size(); ++i)
      sum += static_cast<long double>(output(i)) * weights(i);
    return sum;
  };

  bound.gradients.fill(0);
  bound.layer.forward(input, output, mode);
  gan::Matrix<double> grad_in;
  bound.layer.backward(input, output, weights, &grad_in, true, mode);
  const gan::Vector<double> grad_parameters =
      gan::VectorMap<double>(bound.gradients.data(), Bound::Layer::parameter_count);

  gan::testing::GradientCheckReport report;
  report.seed = seed;
  report.parameters = gan::testing::compare_with_finite_differences(
      gan::VectorMap<double>(bound.parameters.data(), Bound::Layer::parameter_count),
      grad_parameters, loss);
  report.input = gan::testing::compare_with_finite_differences(input, grad_in, loss);
  return report;
}

/// Checks the gradients of BatchNorm<Channels> on InputShape in `mode`, for random parameters,
/// running statistics and inputs of `batch` samples drawn from each seed.
template <std::size_t Channels, typename InputShape>
void check_gradients_in(Mode mode, Eigen::Index batch) {
  for (const std::uint64_t seed : {1u, 2u, 3u}) {
    BOOST_TEST_CONTEXT("seed " << seed << ", " << gan::to_string(mode) << " mode, batch "
                               << batch) {
      BoundBatchNorm<double, Channels, InputShape> bound;
      gan::Rng rng(seed);
      bound.randomise(rng);
      const gan::Matrix<double> input =
          gan::testing::random_input<double>(bound.kFeatures, batch, rng);
      const auto report = check_bound_gradients(bound, input, mode, seed + 100);
      BOOST_TEST(report.passed(), report.describe());
      BOOST_TEST(report.parameters.skipped_at_kinks == 0u, report.describe());
      BOOST_TEST(report.input.skipped_at_kinks == 0u, report.describe());
    }
  }
}

/// gan::testing::gradient_check in `mode` of a Net initialised from each seed, with the
/// BatchNorm at position BatchNormIndex randomised (see randomise()).
template <typename Net, std::size_t BatchNormIndex>
void check_network_gradients(Mode mode, std::size_t batch) {
  for (const std::uint64_t seed : {1u, 2u, 3u}) {
    BOOST_TEST_CONTEXT("seed " << seed << ", " << gan::to_string(mode) << " mode, batch "
                               << batch) {
      Net net = initialized<Net>(seed);
      gan::Rng rng(seed + 50);
      randomise(net.template layer<BatchNormIndex>(), rng);
      const auto report =
          gan::testing::gradient_check(net, {.seed = seed, .batch_size = batch, .mode = mode});
      BOOST_TEST(report.passed(), report.describe());
      BOOST_TEST(report.parameters.skipped_at_kinks == 0u, report.describe());
    }
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(batch_norm_layer)

BOOST_AUTO_TEST_CASE_TEMPLATE(training_forward_normalises_each_feature_with_the_batch_statistics,
                              Scalar, scalar_types) {
  BoundBatchNorm<Scalar, 2, gan::Shape<2>> bound;
  bound.parameters = {2, 0.5, 1, -1};  // gamma, then beta
  gan::Matrix<Scalar> output;
  bound.layer.forward(dense_batch<Scalar>(), output, Mode::training);

  const gan::Matrix<Scalar> input = dense_batch<Scalar>();
  gan::Matrix<long double> expected(2, 4);
  for (Eigen::Index f = 0; f < 2; ++f)
    for (Eigen::Index j = 0; j < 4; ++j)
      expected(f, j) = normalised(input(f, j), kDenseMean[f], kDenseVariance[f],
                                  bound.parameters[f], bound.parameters[2 + f]);
  check_entries(output, expected, closed_form_tolerance<Scalar>());
}

BOOST_AUTO_TEST_CASE_TEMPLATE(training_forward_pools_an_image_channel_over_positions_and_samples,
                              Scalar, scalar_types) {
  BoundBatchNorm<Scalar, 2, gan::Shape<2, 1, 3>> bound;
  bound.parameters = {1.5, -1, 0, 0.25};
  gan::Matrix<Scalar> output;
  bound.layer.forward(image_batch<Scalar>(), output, Mode::training);

  // Channels-last: row r holds channel r % 2.
  const gan::Matrix<Scalar> input = image_batch<Scalar>();
  gan::Matrix<long double> expected(6, 2);
  for (Eigen::Index r = 0; r < 6; ++r)
    for (Eigen::Index j = 0; j < 2; ++j)
      expected(r, j) = normalised(input(r, j), kImageMean[r % 2], kImageVariance[r % 2],
                                  bound.parameters[r % 2], bound.parameters[2 + r % 2]);
  check_entries(output, expected, closed_form_tolerance<Scalar>());
}

BOOST_AUTO_TEST_CASE_TEMPLATE(training_updates_running_averages_with_the_unbiased_variance, Scalar,
                              scalar_types) {
  BoundBatchNorm<Scalar, 2, gan::Shape<2>> bound;
  gan::Matrix<Scalar> output;
  const gan::Matrix<Scalar> input = dense_batch<Scalar>();

  // Momentum 0.1 from mean 0, variance 1; unbiased variances 3.5 * 4/3 and 4 * 4/3.
  bound.layer.forward(input, output, Mode::training);
  const long double mean_0 = 0.1L * 3;
  const long double mean_1 = 0.1L * 1;
  const long double variance_0 = 0.9L + 0.1L * 3.5L * 4 / 3;
  const long double variance_1 = 0.9L + 0.1L * 4 * 4 / 3;
  const gan::Vector<Scalar> after_one = gan::VectorMap<Scalar>(bound.state.data(), 4);
  check_entries_close<Scalar, 4>(after_one, {mean_0, mean_1, variance_0, variance_1});

  bound.layer.forward(input, output, Mode::training);
  const gan::Vector<Scalar> after_two = gan::VectorMap<Scalar>(bound.state.data(), 4);
  check_entries_close<Scalar, 4>(
      after_two, {0.9L * mean_0 + 0.1L * 3, 0.9L * mean_1 + 0.1L * 1,
                  0.9L * variance_0 + 0.1L * 3.5L * 4 / 3, 0.9L * variance_1 + 0.1L * 4 * 4 / 3});
}

BOOST_AUTO_TEST_CASE_TEMPLATE(momentum_one_keeps_only_the_last_batch_of_an_image, Scalar,
                              scalar_types) {
  BoundBatchNorm<Scalar, 2, gan::Shape<2, 1, 3>> bound(gan::BatchNorm<2>({.momentum = 1}));
  gan::Matrix<Scalar> output;
  bound.layer.forward(image_batch<Scalar>(), output, Mode::training);
  // Six values per channel: unbiased variances 40 / 5 and 6 / 5.
  const gan::Vector<Scalar> state = gan::VectorMap<Scalar>(bound.state.data(), 4);
  check_entries_close<Scalar, 4>(state, {4, 1, 8, 1.2L});
}

BOOST_AUTO_TEST_CASE_TEMPLATE(inference_normalises_with_the_running_averages_and_keeps_them, Scalar,
                              scalar_types) {
  BoundBatchNorm<Scalar, 2, gan::Shape<2>> bound;
  bound.parameters = {2, 0.5, 1, -1};
  bound.state = {1, -2, 3, 0.25};  // running means, then running variances
  const auto state_before = bound.state;
  gan::Matrix<Scalar> output;
  const gan::Matrix<Scalar> input = dense_batch<Scalar>();
  bound.layer.forward(input, output, Mode::inference);

  gan::Matrix<long double> expected(2, 4);
  for (Eigen::Index f = 0; f < 2; ++f)
    for (Eigen::Index j = 0; j < 4; ++j)
      expected(f, j) = normalised(input(f, j), bound.state[f], bound.state[2 + f],
                                  bound.parameters[f], bound.parameters[2 + f]);
  check_entries(output, expected, closed_form_tolerance<Scalar>());
  BOOST_TEST(bound.state == state_before, boost::test_tools::per_element());
}

/// Runs a bound BatchNorm<Channels> on InputShape over one sample placed first among two
/// others and last among four others of another scale, in both modes; returns whether the
/// sample's two output columns are bitwise equal in inference mode and whether they differ by
/// more than rounding in training mode.
template <std::size_t Channels, typename InputShape>
std::pair<bool, bool> same_sample_in_two_batches() {
  BoundBatchNorm<float, Channels, InputShape> bound;
  gan::Rng rng(7);
  bound.randomise(rng);
  const Eigen::Index rows = bound.kFeatures;
  const gan::Matrix<float> sample = gan::testing::random_input<float>(rows, 1, rng);
  gan::Matrix<float> first(rows, 3);
  first << sample, gan::testing::random_input<float>(rows, 2, rng);
  gan::Matrix<float> last(rows, 5);
  last << (4.0f * gan::testing::random_input<float>(rows, 4, rng).array() + 3.0f).matrix(), sample;

  gan::Matrix<float> output_first;
  gan::Matrix<float> output_last;
  bound.layer.forward(first, output_first, Mode::inference);
  bound.layer.forward(last, output_last, Mode::inference);
  const bool same_in_inference = output_first.col(0) == output_last.col(4);
  bound.layer.forward(first, output_first, Mode::training);
  bound.layer.forward(last, output_last, Mode::training);
  const bool differs_in_training = !output_first.col(0).isApprox(output_last.col(4), 1e-3f);
  return {same_in_inference, differs_in_training};
}

BOOST_AUTO_TEST_CASE(inference_output_of_a_sample_does_not_depend_on_its_batch) {
  // One block per sample ([3, 3, 5]), several ([1, 8, 8]: four blocks of 16), dense.
  // In training mode the sample comes out differently: the comparison could tell.
  const auto [same_image, differs_image] = same_sample_in_two_batches<3, gan::Shape<3, 3, 5>>();
  BOOST_TEST(same_image);
  BOOST_TEST(differs_image);
  const auto [same_blocks, differs_blocks] = same_sample_in_two_batches<1, gan::Shape<1, 8, 8>>();
  BOOST_TEST(same_blocks);
  BOOST_TEST(differs_blocks);
  const auto [same_dense, differs_dense] = same_sample_in_two_batches<5, gan::Shape<5>>();
  BOOST_TEST(same_dense);
  BOOST_TEST(differs_dense);
}

BOOST_AUTO_TEST_CASE(inference_output_is_the_same_in_a_batch_of_one) {
  // Sampling one image at a time gives the images of a batch.
  BoundBatchNorm<float, 3, gan::Shape<3, 3, 5>> bound;
  gan::Rng rng(9);
  bound.randomise(rng);
  const gan::Matrix<float> batch = gan::testing::random_input<float>(45, 4, rng);
  gan::Matrix<float> output_batch;
  bound.layer.forward(batch, output_batch, Mode::inference);
  for (Eigen::Index j = 0; j < 4; ++j) {
    const gan::Matrix<float> sample = batch.col(j);
    gan::Matrix<float> output_sample;
    bound.layer.forward(sample, output_sample, Mode::inference);
    BOOST_TEST((output_sample.col(0) == output_batch.col(j)), "sample " << j);
  }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(a_batch_of_one_gives_beta_and_keeps_the_running_variance, Scalar,
                              scalar_types) {
  BoundBatchNorm<Scalar, 3, gan::Shape<3>> bound;
  bound.parameters = {2, 3, 4, 0.125, -0.25, 0.5};
  gan::Matrix<Scalar> input(3, 1);
  input << 0.5, -2, 7;
  gan::Matrix<Scalar> output;
  bound.layer.forward(input, output, Mode::training);

  // Each feature has one value: variance 0, normalised value exactly 0, output beta.
  gan::Matrix<Scalar> expected(3, 1);
  expected << 0.125, -0.25, 0.5;
  check_entries(output, expected, 0.0);
  // The running mean moves a tenth of the way to the sample; the variance, undefined for one
  // value, stays 1.
  const gan::Vector<Scalar> state = gan::VectorMap<Scalar>(bound.state.data(), 6);
  check_entries_close<Scalar, 6>(state, {0.05L, -0.2L, 0.7L, 1, 1, 1});

  // The output does not depend on the input or gamma: both gradients are 0, beta's is g.
  gan::Matrix<Scalar> grad_out(3, 1);
  grad_out << 1, -2, 0.5;
  gan::Matrix<Scalar> grad_in;
  bound.layer.backward(input, output, grad_out, &grad_in, true, Mode::training);
  check_entries(grad_in, gan::Matrix<Scalar>::Zero(3, 1), 0.0);
  const std::array<Scalar, 6> expected_gradients = {0, 0, 0, 1, -2, 0.5};
  BOOST_TEST(bound.gradients == expected_gradients, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(dense_gradients_match_finite_differences_in_training_mode) {
  check_gradients_in<3, gan::Shape<3>>(Mode::training, 4);
}

BOOST_AUTO_TEST_CASE(dense_gradients_match_finite_differences_in_inference_mode) {
  check_gradients_in<3, gan::Shape<3>>(Mode::inference, 4);
}

BOOST_AUTO_TEST_CASE(image_gradients_match_finite_differences_in_training_mode) {
  // Odd height and width, so that no position pairs up with another by symmetry.
  check_gradients_in<2, gan::Shape<2, 3, 5>>(Mode::training, 2);
  check_gradients_in<2, gan::Shape<2, 3, 5>>(Mode::training, 1);
}

BOOST_AUTO_TEST_CASE(image_gradients_match_finite_differences_in_inference_mode) {
  check_gradients_in<2, gan::Shape<2, 3, 5>>(Mode::inference, 2);
}

BOOST_AUTO_TEST_CASE(gradients_match_finite_differences_with_several_blocks_per_sample) {
  // [2, 4, 6]: blocks of 8 positions, three per sample (see batch_norm_block_columns).
  for (const Mode mode : {Mode::training, Mode::inference})
    check_gradients_in<2, gan::Shape<2, 4, 6>>(mode, 2);
}

BOOST_AUTO_TEST_CASE(gradients_match_finite_differences_for_a_wide_dense_input) {
  // 600 features: too many sums for the stack, so they go to the layer's scratch space.
  for (const Mode mode : {Mode::training, Mode::inference})
    check_gradients_in<600, gan::Shape<600>>(mode, 3);
}

BOOST_AUTO_TEST_CASE(gradients_of_a_batch_of_one_match_finite_differences) {
  // Zero gradients to the input and gamma, on both sides of the comparison.
  check_gradients_in<3, gan::Shape<3>>(Mode::training, 1);
}

BOOST_AUTO_TEST_CASE(network_gradients_match_finite_differences_in_both_modes) {
  using DenseInput =
      gan::Network<gan::Sequential<gan::Input<gan::Shape<5>>, gan::BatchNorm<5>>, double>;
  using ImageInput =
      gan::Network<gan::Sequential<gan::Input<gan::Shape<2, 3, 5>>, gan::BatchNorm<2>>, double>;
  // Between two dense layers, so that the input gradient reaches the first one's parameters.
  using Between = gan::Network<
      gan::Sequential<gan::Dense<4, 6>, gan::BatchNorm<6>, gan::Tanh, gan::Dense<6, 3>>, double>;
  for (const Mode mode : {Mode::training, Mode::inference}) {
    check_network_gradients<DenseInput, 1>(mode, 4);
    check_network_gradients<ImageInput, 1>(mode, 3);
    check_network_gradients<Between, 1>(mode, 5);
  }
  check_network_gradients<DenseInput, 1>(Mode::training, 1);
}

BOOST_AUTO_TEST_CASE(a_network_keeps_the_running_averages_in_its_state) {
  using Net = gan::Network<gan::Sequential<gan::Input<gan::Shape<2>>, gan::BatchNorm<2>>, double>;
  static_assert(Net::parameter_count == 4);
  static_assert(Net::state_count == 4);
  Net net = initialized<Net>(1);
  check_entries(net.state(), vector_of<double>({0, 0, 1, 1}), 0.0);

  const gan::Matrix<double> input = dense_batch<double>();
  net.forward(input, Mode::inference);
  check_entries(net.state(), vector_of<double>({0, 0, 1, 1}), 0.0);
  net.forward(input, Mode::training);
  check_entries(net.state(),
                vector_of<double>({0.3, 0.1, 0.9 + 0.1 * 3.5 * 4 / 3, 0.9 + 0.1 * 4 * 4 / 3}),
                1e-15);

  // Inference through the network: a sample's output does not depend on its batch.
  gan::Matrix<double> pair(2, 2);
  // One row per feature, as the matrix reads.
  // clang-format off
  pair << 1, 50,
         -1, -70;
  // clang-format on
  const gan::Matrix<double> alone = pair.col(0);
  const gan::Matrix<double> output_pair = net.forward(pair, Mode::inference);
  const gan::Matrix<double> output_alone = net.forward(alone, Mode::inference);
  BOOST_TEST((output_pair.col(0) == output_alone.col(0)));
}

BOOST_AUTO_TEST_CASE(checkpoints_keep_the_running_averages_and_the_settings) {
  using G = gan::Sequential<gan::Dense<3, 4>, gan::BatchNorm<4>, gan::Relu, gan::Dense<4, 2>>;
  using D = gan::Sequential<gan::Dense<2, 4>, gan::BatchNorm<4>, gan::LeakyRelu, gan::Dense<4, 1>>;
  using Trainer =
      gan::AlternatingTrainer<G, D, gan::NonSaturatingLoss, gan::Adam, gan::StandardNormal, double>;
  const auto options = options_with<Trainer>(7);
  Trainer trainer(options);
  for (std::uint64_t step = 0; step < 3; ++step) trainer.step(real_batch<double>(step, 2, 5));
  const gan::Vector<double> generator_state = trainer.generator().state();
  const gan::Vector<double> discriminator_state = trainer.discriminator().state();
  BOOST_TEST(generator_state != vector_of<double>({0, 0, 0, 0, 1, 1, 1, 1}));

  TemporaryDirectory dir;
  trainer.save_checkpoint(dir.path() / "a.ckpt");
  auto other_seed = options;
  other_seed.seed = 8;
  Trainer loaded(other_seed);
  loaded.load_checkpoint(dir.path() / "a.ckpt");
  BOOST_TEST(gan::Vector<double>(loaded.generator().state()) == generator_state);
  BOOST_TEST(gan::Vector<double>(loaded.discriminator().state()) == discriminator_state);
  for (std::uint64_t step = 3; step < 5; ++step) {
    const gan::Matrix<double> real = real_batch<double>(step, 2, 5);
    BOOST_TEST(loaded.step(real).generator_loss == trainer.step(real).generator_loss);
  }

  // Another momentum is another architecture: the checkpoint is refused.
  const G slower{gan::Dense<3, 4>{}, gan::BatchNorm<4>({.momentum = 0.01}), gan::Relu{},
                 gan::Dense<4, 2>{}};
  Trainer other_settings(options, slower);
  check_throws<gan::CheckpointError>([&] { other_settings.load_checkpoint(dir.path() / "a.ckpt"); },
                                     {"momentum 0.01"});
}

BOOST_AUTO_TEST_CASE(backward_adds_parameter_gradients_only_when_asked) {
  BoundBatchNorm<double, 2, gan::Shape<2>> bound;
  bound.parameters = {2, 0.5, 1, -1};
  const gan::Matrix<double> input = dense_batch<double>();
  gan::Matrix<double> output;
  bound.layer.forward(input, output, Mode::training);
  gan::Matrix<double> grad_out(2, 4);
  // One row per feature, as the matrix reads.
  // clang-format off
  grad_out << 1, -1, 0.5, 2,
              0, 3, -2, 1;
  // clang-format on

  gan::Matrix<double> grad_in;
  bound.layer.backward(input, output, grad_out, &grad_in, true, Mode::training);
  const auto once = bound.gradients;
  BOOST_TEST(once[2] == 2.5);  // dL/dbeta: the sum of each row of grad_out
  BOOST_TEST(once[3] == 2.0);

  gan::Matrix<double> grad_in_again;
  bound.layer.backward(input, output, grad_out, &grad_in_again, false, Mode::training);
  BOOST_TEST(bound.gradients == once, boost::test_tools::per_element());
  check_entries(grad_in_again, grad_in, 0.0);

  bound.layer.backward(input, output, grad_out, nullptr, true, Mode::training);
  for (std::size_t i = 0; i < once.size(); ++i) BOOST_TEST(bound.gradients[i] == 2 * once[i]);
}

BOOST_AUTO_TEST_CASE(backward_needs_nothing_kept_from_its_forward_pass) {
  // Two passes alive at once, as the discriminator's real and fake passes are.
  BoundBatchNorm<double, 3, gan::Shape<3, 3, 5>> bound;
  gan::Rng rng(3);
  bound.randomise(rng);
  const gan::Matrix<double> real = gan::testing::random_input<double>(45, 4, rng);
  const gan::Matrix<double> fake = gan::testing::random_input<double>(45, 4, rng);
  const gan::Matrix<double> grad_out = gan::testing::random_input<double>(45, 4, rng);

  gan::Matrix<double> real_output;
  gan::Matrix<double> alone;
  bound.layer.forward(real, real_output, Mode::training);
  bound.layer.backward(real, real_output, grad_out, &alone, false, Mode::training);

  gan::Matrix<double> fake_output;
  gan::Matrix<double> interleaved;
  bound.layer.forward(real, real_output, Mode::training);
  bound.layer.forward(fake, fake_output, Mode::training);
  bound.layer.backward(real, real_output, grad_out, &interleaved, false, Mode::training);
  check_entries(interleaved, alone, 0.0);
}

BOOST_AUTO_TEST_CASE(a_channel_far_from_zero_keeps_its_spread) {
  // Values 1e8 - 1, 1e8, 1e8 + 1, 1e8 + 2 (exact in double): the textbook one-pass variance,
  // E[x^2] - E[x]^2, would lose it entirely to cancellation (E[x^2] is about 1e16, where a
  // double's spacing is 2); mean 1e8 + 0.5, biased variance 1.25.
  BoundBatchNorm<double, 1, gan::Shape<1>> bound;
  gan::Matrix<double> input(1, 4);
  input << 1e8 - 1, 1e8, 1e8 + 1, 1e8 + 2;
  gan::Matrix<double> output;
  bound.layer.forward(input, output, Mode::training);
  gan::Matrix<long double> expected(1, 4);
  for (Eigen::Index j = 0; j < 4; ++j)
    expected(0, j) = normalised(static_cast<long double>(j) - 1.5L, 0, 1.25L, 1, 0);
  check_entries(output, expected, 1e-12);
}

BOOST_AUTO_TEST_CASE(output_has_the_shape_of_the_input) {
  static_assert(std::is_same_v<gan::BatchNorm<4>::output_shape<gan::Shape<4>>, gan::Shape<4>>);
  static_assert(
      std::is_same_v<gan::BatchNorm<4>::output_shape<gan::Shape<4, 3, 5>>, gan::Shape<4, 3, 5>>);
  using Layer = gan::BatchNorm<4>::Layer<double, gan::Shape<4, 3, 5>>;
  static_assert(Layer::parameter_count == 2 * 4);
  static_assert(Layer::state_count == 2 * 4);

  BoundBatchNorm<double, 4, gan::Shape<4, 3, 5>> bound;
  for (const Mode mode : {Mode::training, Mode::inference})
    for (const Eigen::Index batch : {1, 7}) {
      BOOST_TEST_CONTEXT(gan::to_string(mode) << " mode, batch " << batch) {
        gan::Rng rng(static_cast<std::uint64_t>(batch));
        const gan::Matrix<double> input = gan::testing::random_input<double>(60, batch, rng);
        gan::Matrix<double> output;
        bound.layer.forward(input, output, mode);
        BOOST_TEST(output.rows() == 60);
        BOOST_TEST(output.cols() == batch);
        BOOST_TEST(output.allFinite());
        gan::Matrix<double> grad_in;
        bound.layer.backward(input, output, input, &grad_in, true, mode);
        BOOST_TEST(grad_in.rows() == 60);
        BOOST_TEST(grad_in.cols() == batch);
        BOOST_TEST(grad_in.allFinite());
      }
    }
}

BOOST_AUTO_TEST_CASE(initialisation_gives_the_identity_on_a_normalised_batch) {
  BoundBatchNorm<float, 2, gan::Shape<2>> bound;
  bound.parameters = {5, 5, 5, 5};
  bound.state = {5, 5, 5, 5};
  gan::Rng rng(1);
  bound.layer.initialize(rng);
  const std::array<float, 4> parameters = {1, 1, 0, 0};
  const std::array<float, 4> state = {0, 0, 1, 1};
  BOOST_TEST(bound.parameters == parameters, boost::test_tools::per_element());
  BOOST_TEST(bound.state == state, boost::test_tools::per_element());
  BOOST_TEST(bound.layer.gamma()(1) == 1.0f);
  BOOST_TEST(bound.layer.beta()(1) == 0.0f);
  BOOST_TEST(bound.layer.running_mean()(1) == 0.0f);
  BOOST_TEST(bound.layer.running_variance()(1) == 1.0f);
}

BOOST_AUTO_TEST_CASE(settings_out_of_range_are_refused_with_their_value) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double infinity = std::numeric_limits<double>::infinity();
  for (const double momentum : {0.0, -0.5, 1.5, nan}) {
    BOOST_TEST_CONTEXT("momentum " << momentum) {
      check_throws<std::invalid_argument>([&] { return gan::BatchNorm<4>({.momentum = momentum}); },
                                          {"BatchNorm::BatchNorm", "momentum in (0, 1]", "got"});
    }
  }
  check_throws<std::invalid_argument>([] { return gan::BatchNorm<4>({.momentum = 1.5}); },
                                      {"got 1.5"});
  for (const double epsilon : {0.0, -1e-5, infinity, nan}) {
    BOOST_TEST_CONTEXT("epsilon " << epsilon) {
      check_throws<std::invalid_argument>(
          [&] { return gan::BatchNorm<4>({.epsilon = epsilon}); },
          {"BatchNorm::BatchNorm", "positive, finite epsilon", "got"});
    }
  }
  check_throws<std::invalid_argument>([] { return gan::BatchNorm<4>({.epsilon = -2}); },
                                      {"got -2"});

  const gan::BatchNorm<4> edge({.epsilon = 1e-300, .momentum = 1});
  BOOST_TEST(edge.momentum() == 1.0);
  BOOST_TEST(edge.epsilon() == 1e-300);
}

BOOST_AUTO_TEST_CASE(describe_names_channels_epsilon_and_momentum) {
  BOOST_TEST(gan::BatchNorm<128>{}.describe() == "BatchNorm(128, epsilon 1e-05, momentum 0.1)");
  const gan::BatchNorm<16> custom({.epsilon = 1e-3, .momentum = 0.01});
  BOOST_TEST(custom.describe() == "BatchNorm(16, epsilon 0.001, momentum 0.01)");
  // Settings that differ in the last digit describe themselves differently.
  const gan::BatchNorm<16> close({.momentum = std::nextafter(0.1, 1.0)});
  BOOST_TEST(close.describe() != gan::BatchNorm<16>{}.describe());
}

/// Every output of one training step and one inference pass of a BatchNorm layer on a batch.
struct PassResults {
  gan::Matrix<double> training_output;
  gan::Matrix<double> training_input_gradient;
  gan::Matrix<double> inference_output;
  gan::Matrix<double> inference_input_gradient;
  std::vector<double> parameter_gradients;
  std::vector<double> running_averages;
};

template <std::size_t Channels, typename InputShape>
PassResults passes_on_threads(int threads, Eigen::Index batch) {
#ifdef _OPENMP
  omp_set_num_threads(threads);
#else
  (void)threads;
#endif
  BoundBatchNorm<double, Channels, InputShape> bound;
  gan::Rng rng(12);
  bound.randomise(rng);
  const gan::Matrix<double> input =
      gan::testing::random_input<double>(InputShape::size, batch, rng);
  const gan::Matrix<double> upstream =
      gan::testing::random_input<double>(InputShape::size, batch, rng);
  PassResults results;
  bound.layer.forward(input, results.training_output, Mode::training);
  bound.layer.backward(input, results.training_output, upstream, &results.training_input_gradient,
                       true, Mode::training);
  bound.layer.forward(input, results.inference_output, Mode::inference);
  bound.layer.backward(input, results.inference_output, upstream, &results.inference_input_gradient,
                       true, Mode::inference);
  results.parameter_gradients.assign(bound.gradients.begin(), bound.gradients.end());
  results.running_averages.assign(bound.state.begin(), bound.state.end());
  return results;
}

// Threads split a pass by samples, and the statistics are summed per chunk of samples and then
// chunk after chunk, whatever the thread count: every thread count gives one thread's bits.
// In double, where the order of the sums changes their rounding (float values summed in double
// are often exact in any order).
// Batches large enough for threads: DCGAN-sized images (one sample per chunk), a batch whose
// last chunk is short for dense features (16 samples per chunk), and one that splits unevenly.
BOOST_AUTO_TEST_CASE(any_thread_count_gives_one_threads_bits) {
#ifdef _OPENMP
  // The cases after this one run with the thread count they started with.
  struct RestoreThreads {
    int threads = omp_get_max_threads();
    ~RestoreThreads() { omp_set_num_threads(threads); }
  } restore;
#endif
  const auto check = [](auto run, Eigen::Index batch) {
    const PassResults one = run(1, batch);
    for (const int threads : {2, 3}) {
      BOOST_TEST_CONTEXT("batch " << batch << ", " << threads << " threads") {
        const PassResults many = run(threads, batch);
        BOOST_TEST((many.training_output == one.training_output));
        BOOST_TEST((many.training_input_gradient == one.training_input_gradient));
        BOOST_TEST((many.inference_output == one.inference_output));
        BOOST_TEST((many.inference_input_gradient == one.inference_input_gradient));
        BOOST_TEST(many.parameter_gradients == one.parameter_gradients);
        BOOST_TEST(many.running_averages == one.running_averages);
      }
    }
  };
  check(passes_on_threads<64, gan::Shape<64, 14, 14>>, 37);
  check(passes_on_threads<256, gan::Shape<256>>, 100);
  check(passes_on_threads<3, gan::Shape<3, 28, 28>>, 13);
}

BOOST_AUTO_TEST_CASE(passes_allocate_nothing_once_their_buffers_are_sized) {
  BoundBatchNorm<float, 8, gan::Shape<8, 5, 3>> bound;
  gan::Rng rng(11);
  bound.randomise(rng);
  const gan::Matrix<float> input = gan::testing::random_input<float>(120, 6, rng);
  gan::Matrix<float> output;
  gan::Matrix<float> grad_in;
  const auto all_passes = [&] {
    for (const Mode mode : {Mode::training, Mode::inference}) {
      bound.layer.forward(input, output, mode);
      bound.layer.backward(input, output, input, &grad_in, true, mode);
      bound.layer.backward(input, output, input, nullptr, true, mode);
    }
  };
  all_passes();  // sizes output and grad_in

  Eigen::internal::set_is_malloc_allowed(false);
  bool threw = false;
  try {
    all_passes();
  } catch (const std::logic_error& error) {
    threw = true;
    BOOST_ERROR("a pass allocated: " << error.what());
  }
  Eigen::internal::set_is_malloc_allowed(true);
  BOOST_TEST(!threw);
}

BOOST_AUTO_TEST_SUITE_END()
