// SPDX-License-Identifier: MIT
// expect: DiscriminatorMustOutputOneLogit<gan::diagnostics::discriminator_output<2> >
// A discriminator that ends in two outputs per sample instead of one logit. The diagnostic
// names the shape it does output.
#include <gan/gan.hpp>

using Generator = gan::Sequential<gan::Dense<4, 8>, gan::Relu, gan::Dense<8, 2>>;
#ifdef GAN_SHOULD_FAIL
using Discriminator = gan::Sequential<gan::Dense<2, 8>, gan::LeakyRelu, gan::Dense<8, 2>>;
#else
using Discriminator = gan::Sequential<gan::Dense<2, 8>, gan::LeakyRelu, gan::Dense<8, 1>>;
#endif

static_assert(sizeof(gan::AlternatingTrainer<Generator, Discriminator>) > 0);

int main() {}
