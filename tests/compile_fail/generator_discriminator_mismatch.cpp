// SPDX-License-Identifier: MIT
// expect: GeneratorOutputDoesNotMatchDiscriminatorInput<gan::diagnostics::generator_output<2>, gan::diagnostics::discriminator_input<3> >
// A trainer whose generator produces samples of another shape than its discriminator takes:
// G outputs Shape<2>, D expects Shape<3>. The diagnostic names both shapes.
#include <gan/gan.hpp>

using Generator = gan::Sequential<gan::Dense<4, 8>, gan::Relu, gan::Dense<8, 2>>;
#ifdef GAN_SHOULD_FAIL
using Discriminator = gan::Sequential<gan::Dense<3, 8>, gan::LeakyRelu, gan::Dense<8, 1>>;
#else
using Discriminator = gan::Sequential<gan::Dense<2, 8>, gan::LeakyRelu, gan::Dense<8, 1>>;
#endif

static_assert(sizeof(gan::AlternatingTrainer<Generator, Discriminator>) > 0);

int main() {}
