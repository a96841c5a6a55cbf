// SPDX-License-Identifier: MIT
// The MLP GAN of the mnist_gan example and the MLP benchmark.
//
// The architecture most tutorials build after Goodfellow et al. 2014: a 100-dimensional
// normal z through three LeakyReLU layers to 784 tanh pixels, and a discriminator of two
// LeakyReLU layers ending in one logit (no sigmoid: the loss policy applies it in a
// numerically stable way).
#pragma once

#include <gan/gan.hpp>

#include <cstddef>

namespace mnist_gan {

constexpr std::size_t kLatentSize = 100;  // z dimension, as in most MLP GANs since 2014

// Data flows top to bottom: z (100) -> 256 -> 512 -> 1024 -> 784 pixels in [-1, 1].
using Generator = gan::Sequential<gan::Dense<kLatentSize, 256>, gan::LeakyRelu,
                                  gan::Dense<256, 512>, gan::LeakyRelu, gan::Dense<512, 1024>,
                                  gan::LeakyRelu, gan::Dense<1024, 784>, gan::Tanh>;

// 784 pixels -> 512 -> 256 -> one logit: "how real does this image look?"
using Discriminator = gan::Sequential<gan::Dense<784, 512>, gan::LeakyRelu, gan::Dense<512, 256>,
                                      gan::LeakyRelu, gan::Dense<256, 1>>;

}  // namespace mnist_gan
