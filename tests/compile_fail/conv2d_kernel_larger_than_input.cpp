// SPDX-License-Identifier: MIT
// expect: ConvolutionKernelLargerThanPaddedInput<gan::diagnostics::kernel_size<7>, gan::diagnostics::padded_input_height_width<6, 8> >
// A 7 x 7 kernel over a 4 x 6 image padded by 1 on every side: the kernel does not fit in
// height. The diagnostic names the kernel and the padded height and width.
#include <gan/layers/conv2d.hpp>
#include <gan/layers/reshape.hpp>
#include <gan/nn/sequential.hpp>

#ifdef GAN_SHOULD_FAIL
using Network = gan::Sequential<gan::Input<gan::Shape<1, 4, 6>>, gan::Conv2d<1, 8, 7, 1, 1>>;
#else
using Network = gan::Sequential<gan::Input<gan::Shape<1, 4, 6>>, gan::Conv2d<1, 8, 5, 1, 1>>;
#endif

static_assert(Network::layer_count == 2);

int main() {}
