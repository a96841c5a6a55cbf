// SPDX-License-Identifier: MIT
// expect: static assertion failed: gan::Sequential: an architecture needs at least one layer
// An architecture with no layers at all.
#include <gan/nn/sequential.hpp>
#include <gan/layers/dense.hpp>

#ifdef GAN_SHOULD_FAIL
using Network = gan::Sequential<>;
#else
using Network = gan::Sequential<gan::Dense<4, 1>>;
#endif

static_assert(sizeof(Network) > 0);

int main() {}
