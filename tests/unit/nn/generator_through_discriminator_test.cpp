// SPDX-License-Identifier: MIT
// The generator's gradient through a frozen discriminator, computed the way
// AlternatingTrainer does it, against finite differences of the generator loss, for each
// loss policy.
#define BOOST_TEST_MODULE generator_through_discriminator
#include <boost/test/unit_test.hpp>

#include <gan/core/random.hpp>
#include <gan/core/tensor.hpp>
#include <gan/layers/dense.hpp>
#include <gan/layers/leaky_relu.hpp>
#include <gan/layers/tanh.hpp>
#include <gan/losses/least_squares.hpp>
#include <gan/losses/minimax.hpp>
#include <gan/losses/non_saturating.hpp>
#include <gan/nn/network.hpp>
#include <gan/nn/sequential.hpp>
#include <gan/testing/gradient_check.hpp>

#include "support/bits.hpp"

#include <boost/mpl/list.hpp>

#include <cstdint>

namespace {

using namespace gan::test_support;

using loss_policies =
    boost::mpl::list<gan::NonSaturatingLoss, gan::MinimaxLoss, gan::LeastSquaresLoss>;

using Generator = gan::Network<gan::Sequential<gan::Dense<2, 4>, gan::Tanh, gan::Dense<4, 3>>,
                               double>;
using Discriminator =
    gan::Network<gan::Sequential<gan::Dense<3, 4>, gan::LeakyRelu, gan::Dense<4, 1>>, double>;

}  // namespace

BOOST_AUTO_TEST_SUITE(generator_through_discriminator)

BOOST_AUTO_TEST_CASE_TEMPLATE(generator_gradient_matches_finite_differences_of_its_loss, Loss,
                              loss_policies) {
  for (const std::uint64_t seed : {1u, 2u, 3u}) {
    BOOST_TEST_CONTEXT("loss " << Loss::name << ", seed " << seed) {
      gan::Rng rng(seed);
      Generator generator;
      Discriminator discriminator;
      generator.initialize(rng);
      discriminator.initialize(rng);
      const gan::Matrix<double> noise = gan::testing::random_input<double>(2, 5, rng);
      discriminator.gradients().setConstant(0.5);  // stale contents, which must survive
      const gan::Vector<double> discriminator_parameters = discriminator.parameters();
      const gan::Vector<double> discriminator_gradients = discriminator.gradients();

      // The trainer's generator step: D on G(z), the policy's generator gradient, D backward
      // to its input only, then G backward from that input gradient.
      Generator::Activations generator_pass;
      Discriminator::Activations discriminator_pass;
      const gan::Matrix<double>& fake = generator.forward(noise, generator_pass);
      const gan::Matrix<double>& logits = discriminator.forward(fake, discriminator_pass);
      gan::Matrix<double> logit_gradient;
      Loss::generator_loss(logits, logit_gradient);
      discriminator.backward(logit_gradient, discriminator_pass, gan::Backprop::input_only);
      generator.zero_gradients();
      generator.backward(discriminator_pass.input_gradient(), generator_pass,
                         gan::Backprop::parameters_only);
      const gan::Vector<double> analytic = generator.gradients();
      BOOST_TEST(analytic.norm() > 1e-6, "a vanishing gradient would make the check vacuous");

      // D stays frozen: neither its parameters nor its gradient buffer change.
      BOOST_TEST(bit_identical(discriminator.gradients(), discriminator_gradients));
      BOOST_TEST(bit_identical(discriminator.parameters(), discriminator_parameters));

      // The generator loss as a function of G's parameters alone.
      Generator::Activations g_probe;
      Discriminator::Activations d_probe;
      gan::Matrix<double> scratch;
      const auto generator_loss = [&] {
        const gan::Matrix<double>& probe_fake = generator.forward(noise, g_probe);
        return Loss::generator_loss(discriminator.forward(probe_fake, d_probe), scratch);
      };
      const auto comparison = gan::testing::compare_with_finite_differences(
          generator.parameters(), analytic, generator_loss);
      BOOST_TEST(comparison.passed, comparison.describe());
      BOOST_TEST(comparison.compared == Generator::parameter_count, comparison.describe());
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
