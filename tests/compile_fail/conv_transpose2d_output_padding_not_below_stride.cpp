// SPDX-License-Identifier: MIT
// expect: static assertion failed: gan::ConvTranspose2d: OutputPadding must be smaller than Stride
// A transposed convolution with output padding 2 at stride 2, which PyTorch refuses too: output
// padding only picks one of the Stride sizes that a convolution maps back to the input size.
#include <gan/layers/conv_transpose2d.hpp>
#include <gan/layers/reshape.hpp>
#include <gan/nn/sequential.hpp>

#ifdef GAN_SHOULD_FAIL
using Generator =
    gan::Sequential<gan::Input<gan::Shape<8, 7, 7>>, gan::ConvTranspose2d<8, 4, 3, 2, 1, 2>>;
#else
using Generator =
    gan::Sequential<gan::Input<gan::Shape<8, 7, 7>>, gan::ConvTranspose2d<8, 4, 3, 2, 1, 1>>;
#endif

static_assert(Generator::layer_count == 2);

int main() {}
