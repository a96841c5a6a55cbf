// SPDX-License-Identifier: MIT
// expect: ReshapeMustKeepTheNumberOfValues<gan::diagnostics::reshape_from<100>, gan::diagnostics::reshape_to<64, 2, 2> >
// A Reshape to a shape that holds another number of values than its input: 100 values cannot
// be viewed as 64 x 2 x 2 = 256. The diagnostic names both shapes.
#include <gan/layers/dense.hpp>
#include <gan/layers/reshape.hpp>
#include <gan/nn/sequential.hpp>

#ifdef GAN_SHOULD_FAIL
using Generator = gan::Sequential<gan::Dense<10, 100>, gan::Reshape<gan::Shape<64, 2, 2>>>;
#else
using Generator = gan::Sequential<gan::Dense<10, 100>, gan::Reshape<gan::Shape<25, 2, 2>>>;
#endif

static_assert(Generator::layer_count == 2);

int main() {}
