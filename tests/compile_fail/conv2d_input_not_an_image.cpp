// SPDX-License-Identifier: MIT
// expect: ConvolutionInputMustBeAnImage<gan::diagnostics::input_shape_of_convolution<784> >
// A convolution straight after a dense layer, whose output is a flat vector rather than an
// image. The diagnostic names the shape received; the fix is a Reshape between the two.
#include <gan/layers/conv2d.hpp>
#include <gan/layers/dense.hpp>
#include <gan/layers/reshape.hpp>
#include <gan/nn/sequential.hpp>

#ifdef GAN_SHOULD_FAIL
using Network = gan::Sequential<gan::Dense<10, 784>, gan::Conv2d<1, 8, 4, 2, 1>>;
#else
using Network = gan::Sequential<gan::Dense<10, 784>, gan::Reshape<gan::Shape<1, 28, 28>>,
                                gan::Conv2d<1, 8, 4, 2, 1>>;
#endif

static_assert(Network::layer_count > 0);

int main() {}
