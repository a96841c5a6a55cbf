// SPDX-License-Identifier: MIT
// expect: static assertion failed: gan::Sequential: the first layer must state its input shape
// An architecture that starts with a layer that fits any shape (an activation), so the
// network's input shape is unknown.
#include <gan/nn/sequential.hpp>
#include <gan/layers/dense.hpp>
#include <gan/layers/relu.hpp>

#ifdef GAN_SHOULD_FAIL
using Network = gan::Sequential<gan::Relu, gan::Dense<4, 1>>;
#else
using Network = gan::Sequential<gan::Dense<4, 4>, gan::Relu, gan::Dense<4, 1>>;
#endif

static_assert(sizeof(Network) > 0);

int main() {}
