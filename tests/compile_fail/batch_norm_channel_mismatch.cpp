// SPDX-License-Identifier: MIT
// expect: BatchNormChannelsDoNotMatchInput<gan::diagnostics::channels_of_batch_norm<16>,
// gan::diagnostics::channels_of_batch_norm_input<32> > A batch normalisation whose channel count
// differs from its input's: BatchNorm<16> follows a layer that outputs Shape<32>. The diagnostic
// names both channel counts.
#include <gan/layers/batch_norm.hpp>
#include <gan/layers/dense.hpp>
#include <gan/nn/sequential.hpp>

#ifdef GAN_SHOULD_FAIL
using Generator = gan::Sequential<gan::Dense<16, 32>, gan::BatchNorm<16>, gan::Dense<32, 4>>;
#else
using Generator = gan::Sequential<gan::Dense<16, 32>, gan::BatchNorm<32>, gan::Dense<32, 4>>;
#endif

static_assert(Generator::layer_count == 3);

int main() {}
