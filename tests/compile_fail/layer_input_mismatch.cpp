// SPDX-License-Identifier: MIT
// expect: LayerInputDoesNotMatchPreviousOutput<gan::diagnostics::layer_number<3>, gan::diagnostics::output_of_previous_layer<128>, gan::diagnostics::input_of_next_layer<256> >
// A layer that expects another shape than the layer before it produces: the third layer,
// Dense<256, 1>, follows a layer that outputs Shape<128>. The diagnostic names the layer's
// position and both shapes.
#include <gan/nn/sequential.hpp>
#include <gan/layers/dense.hpp>
#include <gan/layers/relu.hpp>

#ifdef GAN_SHOULD_FAIL
using Discriminator = gan::Sequential<gan::Dense<784, 128>, gan::Relu, gan::Dense<256, 1>>;
#else
using Discriminator = gan::Sequential<gan::Dense<784, 128>, gan::Relu, gan::Dense<128, 1>>;
#endif

static_assert(Discriminator::layer_count == 3);

int main() {}
