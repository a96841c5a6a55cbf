// SPDX-License-Identifier: MIT
// expect: TransposedConvolutionOutputIsEmpty<gan::diagnostics::input_height_width<1, 1> >
// A transposed convolution whose padding removes more than its kernel adds to a 1 x 1 input:
// (1 - 1) * 1 - 2 * 2 + 3 = -1 rows. The diagnostic names the input's height and width.
#include <gan/layers/conv_transpose2d.hpp>
#include <gan/layers/reshape.hpp>
#include <gan/nn/sequential.hpp>

#ifdef GAN_SHOULD_FAIL
using Generator =
    gan::Sequential<gan::Input<gan::Shape<16, 1, 1>>, gan::ConvTranspose2d<16, 4, 3, 1, 2>>;
#else
using Generator =
    gan::Sequential<gan::Input<gan::Shape<16, 1, 1>>, gan::ConvTranspose2d<16, 4, 3, 1, 1>>;
#endif

static_assert(Generator::layer_count == 2);

int main() {}
