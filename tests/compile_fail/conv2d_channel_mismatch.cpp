// SPDX-License-Identifier: MIT
// expect: ConvolutionInputChannelsDoNotMatchLayer<gan::diagnostics::channels_of_input<3>, gan::diagnostics::in_channels_of_layer<1> >
// A convolution that expects one input channel after an input of three (an RGB image given to
// an MNIST discriminator). The diagnostic names both channel counts.
#include <gan/layers/conv2d.hpp>
#include <gan/layers/reshape.hpp>
#include <gan/nn/sequential.hpp>

#ifdef GAN_SHOULD_FAIL
using Discriminator = gan::Sequential<gan::Input<gan::Shape<3, 28, 28>>,
                                      gan::Conv2d<1, 64, 4, 2, 1>, gan::Conv2d<64, 1, 14>>;
#else
using Discriminator = gan::Sequential<gan::Input<gan::Shape<3, 28, 28>>,
                                      gan::Conv2d<3, 64, 4, 2, 1>, gan::Conv2d<64, 1, 14>>;
#endif

static_assert(Discriminator::layer_count == 3);

int main() {}
