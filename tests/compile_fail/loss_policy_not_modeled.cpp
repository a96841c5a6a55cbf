// SPDX-License-Identifier: MIT
// expect: static assertion failed: gan::AlternatingTrainer: Loss must model gan::LossPolicy.*Loss::generator_loss\(logits, gradient\)
// A loss policy with a misspelt member, given to the trainer: it has no generator_loss(), so
// it does not model gan::LossPolicy. The diagnostic names the concept and the missing member.
#include <gan/gan.hpp>

namespace {

struct HalfALoss {
  static constexpr const char* name = "half";

  template <typename Scalar>
  static double discriminator_loss(const gan::Matrix<Scalar>& real_logits,
                                   const gan::Matrix<Scalar>& fake_logits,
                                   gan::Matrix<Scalar>& real_gradient,
                                   gan::Matrix<Scalar>& fake_gradient) {
    return gan::NonSaturatingLoss::discriminator_loss(real_logits, fake_logits, real_gradient,
                                                      fake_gradient);
  }

#ifdef GAN_SHOULD_FAIL
  template <typename Scalar>
  static double generator_los(const gan::Matrix<Scalar>& fake_logits,
                              gan::Matrix<Scalar>& fake_gradient) {
#else
  template <typename Scalar>
  static double generator_loss(const gan::Matrix<Scalar>& fake_logits,
                               gan::Matrix<Scalar>& fake_gradient) {
#endif
    return gan::NonSaturatingLoss::generator_loss(fake_logits, fake_gradient);
  }

  template <typename Scalar>
  static double score(Scalar logit) {
    return gan::NonSaturatingLoss::score(logit);
  }
};

}  // namespace

using Generator = gan::Sequential<gan::Dense<4, 8>, gan::Relu, gan::Dense<8, 2>>;
using Discriminator = gan::Sequential<gan::Dense<2, 8>, gan::LeakyRelu, gan::Dense<8, 1>>;

static_assert(sizeof(gan::AlternatingTrainer<Generator, Discriminator, HalfALoss>) > 0);

int main() {}
