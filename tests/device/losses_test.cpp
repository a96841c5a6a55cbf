// SPDX-License-Identifier: MIT
// Tests of device/losses.hpp: every loss policy gives on the device the CPU's losses,
// gradients and scores, from the same per-logit terms.
#include <boost/test/unit_test.hpp>

#include <gan/device/losses.hpp>
#include <gan/losses/hinge.hpp>
#include <gan/losses/label_smoothing.hpp>
#include <gan/losses/least_squares.hpp>
#include <gan/losses/minimax.hpp>
#include <gan/losses/non_saturating.hpp>
#include <gan/losses/wasserstein.hpp>

#include "support/convolution_checks.hpp"

#include <boost/mpl/list.hpp>

BOOST_AUTO_TEST_SUITE(device_losses)

namespace {

using namespace gan::test_support;

using Policies = boost::mpl::list<gan::NonSaturatingLoss, gan::MinimaxLoss, gan::LeastSquaresLoss,
                                  gan::WassersteinLoss, gan::HingeLoss,
                                  gan::OneSidedLabelSmoothing<gan::NonSaturatingLoss>>;

}  // namespace

// Logits from -40 to 40, where softplus and sigmoid take their stable branches.
BOOST_AUTO_TEST_CASE_TEMPLATE(a_loss_on_the_device_is_the_cpus, Policy, Policies) {
  const gan::Matrix<float> real = 40.0f * uniform_matrix<float>(1, 37, 41);
  const gan::Matrix<float> fake = 40.0f * uniform_matrix<float>(1, 29, 42);
  gan::Matrix<float> real_gradient;
  gan::Matrix<float> fake_gradient;
  gan::Matrix<float> generator_gradient;
  const double d_loss = Policy::discriminator_loss(real, fake, real_gradient, fake_gradient);
  const double g_loss = Policy::generator_loss(fake, generator_gradient);
  double score = 0;
  for (Eigen::Index i = 0; i < real.size(); ++i) score += Policy::score(real(i));
  score /= static_cast<double>(real.size());

  const auto device_real = gan::device::to_device(real);
  const auto device_fake = gan::device::to_device(fake);
  gan::device::Matrix<float> device_real_gradient;
  gan::device::Matrix<float> device_fake_gradient;
  gan::device::Matrix<float> device_generator_gradient;
  const double device_d_loss = gan::device::discriminator_loss<Policy>(
      device_real, device_fake, device_real_gradient, device_fake_gradient);
  const double device_g_loss =
      gan::device::generator_loss<Policy>(device_fake, device_generator_gradient);

  // The same terms in another order of addition: equal up to double rounding.
  BOOST_TEST(device_d_loss == d_loss, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(device_g_loss == g_loss, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(gan::device::mean_score<Policy>(device_real) == score,
             boost::test_tools::tolerance(1e-12));
  // Each gradient is one term of one logit: the same bits.
  BOOST_TEST((gan::device::to_host(device_real_gradient) == real_gradient));
  BOOST_TEST((gan::device::to_host(device_fake_gradient) == fake_gradient));
  BOOST_TEST((gan::device::to_host(device_generator_gradient) == generator_gradient));
}

BOOST_AUTO_TEST_SUITE_END()
