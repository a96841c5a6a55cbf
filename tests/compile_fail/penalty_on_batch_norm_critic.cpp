// SPDX-License-Identifier: MIT
// expect: static assertion failed: gan: an input-gradient penalty \(gradient penalty, R1\) needs a discriminator that treats each sample on its own
// A gradient penalty on a critic with batch norm: a per-sample penalty means nothing when each
// sample's output depends on the rest of its batch, so training such a trainer does not
// compile, and the diagnostic says why and what to use instead.
#include <gan/gan.hpp>

using Generator = gan::Sequential<gan::Dense<4, 8>, gan::Relu, gan::Dense<8, 2>>;
#ifdef GAN_SHOULD_FAIL
using Critic = gan::Sequential<gan::Dense<2, 8>, gan::BatchNorm<8>, gan::LeakyRelu,
                               gan::Dense<8, 1>>;
#else
using Critic = gan::Sequential<gan::Dense<2, 8>, gan::LeakyRelu, gan::Dense<8, 1>>;
#endif

int main() {
  gan::AlternatingTrainer<Generator, Critic, gan::WassersteinGpLoss> trainer({});
  const gan::Matrix<float> batch = gan::Matrix<float>::Zero(2, 4);
  trainer.step([&]() -> const gan::Matrix<float>& { return batch; });
}
