// SPDX-License-Identifier: MIT
// Tests of testing/gradient_check.hpp: it passes correct gradients, reports wrong ones with
// the index of the worst entry, and does not fail by chance at a kink.
#define BOOST_TEST_MODULE gradient_check
#include <boost/test/unit_test.hpp>

#include <gan/core/random.hpp>
#include <gan/core/shape.hpp>
#include <gan/core/tensor.hpp>
#include <gan/layers/dense.hpp>
#include <gan/layers/leaky_relu.hpp>
#include <gan/layers/relu.hpp>
#include <gan/layers/tanh.hpp>
#include <gan/losses/non_saturating.hpp>
#include <gan/nn/network.hpp>
#include <gan/nn/sequential.hpp>
#include <gan/testing/gradient_check.hpp>

#include "support/layer_checks.hpp"

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace {

using namespace gan::test_support;

enum class Fault { none, parameter, input };

/// y = a .* x with one parameter per feature. With a Fault, backward reports a wrong
/// gradient: parameter 1's gradient is dropped, or the input gradient has its sign flipped.
template <std::size_t N, Fault kFault>
struct Scale {
  using input_shape = gan::Shape<N>;
  template <typename InputShape>
  using output_shape = gan::Shape<N>;
  std::string describe() const { return "Scale"; }

  template <typename Scalar, typename InputShape>
  class Layer {
   public:
    static constexpr std::size_t parameter_count = N;
    explicit Layer(const Scale&) {}
    void bind(Scalar* parameters, Scalar* gradients) {
      parameters_ = parameters;
      gradients_ = gradients;
    }
    void initialize(gan::Rng& rng) {
      for (std::size_t i = 0; i < N; ++i) parameters_[i] = static_cast<Scalar>(rng.uniform(0.5, 2));
    }
    void forward(const gan::Matrix<Scalar>& in, gan::Matrix<Scalar>& out) const {
      out = in.array().colwise() * scale().array();
    }
    void backward(const gan::Matrix<Scalar>& in, const gan::Matrix<Scalar>&,
                  const gan::Matrix<Scalar>& grad_out, gan::Matrix<Scalar>* grad_in,
                  bool accumulate) {
      if (accumulate) {
        gan::Vector<Scalar> gradient = (grad_out.array() * in.array()).rowwise().sum();
        if (kFault == Fault::parameter) gradient(1) = 0;
        gan::VectorMap<Scalar>(gradients_, N) += gradient;
      }
      if (grad_in != nullptr) {
        *grad_in = grad_out.array().colwise() * scale().array();
        if (kFault == Fault::input) *grad_in = -*grad_in;
      }
    }

   private:
    gan::VectorMap<Scalar> scale() const { return gan::VectorMap<Scalar>(parameters_, N); }
    Scalar* parameters_ = nullptr;
    Scalar* gradients_ = nullptr;
  };
};

template <Fault kFault>
using ScaleNet = gan::Network<gan::Sequential<Scale<3, kFault>, gan::Tanh>, double>;

/// A loss policy whose generator gradient is twice what it should be.
struct DoubledGeneratorGradient : gan::NonSaturatingLoss {
  template <typename Scalar>
  static double generator_loss(const gan::Matrix<Scalar>& fake, gan::Matrix<Scalar>& gradient) {
    const double loss = gan::NonSaturatingLoss::generator_loss(fake, gradient);
    gradient *= Scalar(2);
    return loss;
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(gradient_check)

BOOST_AUTO_TEST_CASE(correct_layer_passes_and_reports_every_entry) {
  const std::uint64_t seed = 11;
  BOOST_TEST_CONTEXT("seed " << seed) {
    const auto net = initialized<ScaleNet<Fault::none>>(seed);
    const auto report = gan::testing::gradient_check(net, {.seed = seed, .batch_size = 4});
    BOOST_TEST(report.passed(), report.describe());
    BOOST_TEST(report.parameters.compared == 3u);
    BOOST_TEST(report.input.compared == 12u);
    BOOST_TEST(report.parameters.skipped_at_kinks == 0u);
    BOOST_TEST(report.parameters.max_relative_error <= 1e-7);
  }
}

BOOST_AUTO_TEST_CASE(dropped_parameter_gradient_fails_at_its_index) {
  const std::uint64_t seed = 12;
  BOOST_TEST_CONTEXT("seed " << seed) {
    const auto net = initialized<ScaleNet<Fault::parameter>>(seed);
    const auto report = gan::testing::gradient_check(net, {.seed = seed});
    BOOST_TEST(!report.parameters.passed, report.describe());
    BOOST_TEST(report.parameters.failed == 1u);
    BOOST_TEST(report.parameters.worst_index == 1u);
    BOOST_TEST(report.parameters.worst_analytic == 0.0);
    BOOST_TEST(report.parameters.worst_ratio > 1.0);
    BOOST_TEST(report.input.passed, report.describe());
  }
}

BOOST_AUTO_TEST_CASE(wrong_input_gradient_fails_the_input_check_only) {
  const std::uint64_t seed = 13;
  BOOST_TEST_CONTEXT("seed " << seed) {
    const auto net = initialized<ScaleNet<Fault::input>>(seed);
    const auto report = gan::testing::gradient_check(net, {.seed = seed});
    BOOST_TEST(report.parameters.passed, report.describe());
    BOOST_TEST(!report.input.passed, report.describe());
    BOOST_TEST(report.input.failed == 9u);
    BOOST_TEST(!report.passed());
  }
}

BOOST_AUTO_TEST_CASE(float_network_passes_with_the_float_defaults) {
  using Net = gan::Network<gan::Sequential<gan::Dense<4, 5>, gan::LeakyRelu, gan::Dense<5, 2>,
                                           gan::Tanh>,
                           float>;
  for (const std::uint64_t seed : {21u, 22u, 23u}) {
    BOOST_TEST_CONTEXT("seed " << seed) {
      const auto report = gan::testing::gradient_check(initialized<Net>(seed), {.seed = seed});
      BOOST_TEST(report.passed(), report.describe());
    }
  }
}

BOOST_AUTO_TEST_CASE(kink_inside_the_step_is_skipped_not_failed) {
  // One ReLU unit whose pre-activation, 0.5 w + b, is 3e-7: closer to the kink than the step
  // of 1e-6, so the central differences average the slopes 0 and 1 on either side while the
  // analytic gradient is the slope on the positive side.
  using Net = gan::Network<gan::Sequential<gan::Dense<1, 1>, gan::Relu>, double>;
  Net net;
  net.parameters() << 1.0, -0.5 + 3e-7;
  gan::Matrix<double> input(1, 1);
  input << 0.5;

  auto options = gan::testing::GradientCheckOptions<double>{};
  const auto strict = gan::testing::gradient_check_at(net, input, options);
  BOOST_TEST(strict.parameters.skipped_at_kinks == 2u, strict.describe());
  BOOST_TEST(strict.parameters.failed == 0u);
  BOOST_TEST(!strict.parameters.passed, "every entry skipped must not count as a pass");

  options.max_skipped_fraction = 1.0;
  const auto lenient = gan::testing::gradient_check_at(net, input, options);
  BOOST_TEST(lenient.passed(), lenient.describe());
  BOOST_TEST(lenient.input.skipped_at_kinks == 1u);
}

BOOST_AUTO_TEST_CASE(checked_network_is_left_unchanged) {
  using Net = gan::Network<gan::Sequential<gan::Dense<3, 2>, gan::Tanh>, double>;
  auto net = initialized<Net>(31);
  net.gradients().setConstant(0.25);
  const gan::Vector<double> parameters = net.parameters();
  const gan::Vector<double> gradients = net.gradients();
  const auto report = gan::testing::gradient_check(net, {.seed = 31});
  BOOST_TEST(report.passed(), report.describe());
  BOOST_TEST(net.parameters() == parameters);
  BOOST_TEST(net.gradients() == gradients);
}

BOOST_AUTO_TEST_CASE(wrong_input_size_is_rejected) {
  using Net = gan::Network<gan::Sequential<gan::Dense<3, 2>>, double>;
  const Net net;
  BOOST_CHECK_THROW(gan::testing::gradient_check_at(net, gan::Matrix<double>(4, 2)),
                    std::invalid_argument);
  BOOST_CHECK_THROW(gan::testing::gradient_check_at(net, gan::Matrix<double>(3, 0)),
                    std::invalid_argument);
  BOOST_CHECK_THROW(gan::testing::gradient_check(net, {.batch_size = 0}), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(loss_check_passes_a_correct_policy_and_fails_a_wrong_one) {
  const std::uint64_t seed = 41;
  BOOST_TEST_CONTEXT("seed " << seed) {
    const gan::testing::GradientCheckOptions<double> options{.seed = seed, .batch_size = 5};
    const auto good = gan::testing::loss_gradient_check<gan::NonSaturatingLoss, double>(options);
    BOOST_TEST(good.passed(), good.describe());
    BOOST_TEST(good.generator.compared == 5u);

    const auto bad = gan::testing::loss_gradient_check<DoubledGeneratorGradient, double>(options);
    BOOST_TEST(bad.discriminator_real.passed, bad.describe());
    BOOST_TEST(bad.discriminator_fake.passed, bad.describe());
    BOOST_TEST(!bad.generator.passed, bad.describe());
    BOOST_TEST(bad.generator.failed == 5u);
  }
}

BOOST_AUTO_TEST_CASE(comparison_of_mismatched_sizes_is_rejected) {
  gan::Vector<double> values = gan::Vector<double>::Ones(3);
  const gan::Vector<double> analytic = gan::Vector<double>::Ones(4);
  BOOST_CHECK_THROW(gan::testing::compare_with_finite_differences(
                        values, analytic, [&] { return values.sum(); }),
                    std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(non_finite_analytic_gradient_fails) {
  gan::Vector<double> values(2);
  values << 0.3, -0.7;
  gan::Vector<double> analytic(2);
  analytic << 1.0, std::numeric_limits<double>::quiet_NaN();
  const auto comparison = gan::testing::compare_with_finite_differences(
      values, analytic, [&] { return values.sum(); });
  BOOST_TEST(!comparison.passed, comparison.describe());
  BOOST_TEST(comparison.failed == 1u);
  BOOST_TEST(comparison.worst_index == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
