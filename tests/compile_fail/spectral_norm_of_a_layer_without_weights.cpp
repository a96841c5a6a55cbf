// SPDX-License-Identifier: MIT
// expect: static assertion failed: gan::SpectralNorm<Wrapped>: Wrapped must be a gan::Dense
// Spectral normalisation of a layer without a weight matrix: SpectralNorm<LeakyRelu>. The
// diagnostic says which layers it wraps.
#include <gan/layers/dense.hpp>
#include <gan/layers/leaky_relu.hpp>
#include <gan/layers/spectral_norm.hpp>
#include <gan/nn/sequential.hpp>

#ifdef GAN_SHOULD_FAIL
using Discriminator =
    gan::Sequential<gan::Dense<16, 32>, gan::SpectralNorm<gan::LeakyRelu>, gan::Dense<32, 1>>;
#else
using Discriminator =
    gan::Sequential<gan::SpectralNorm<gan::Dense<16, 32>>, gan::LeakyRelu, gan::Dense<32, 1>>;
#endif

static_assert(Discriminator::layer_count == 3);

int main() {}
