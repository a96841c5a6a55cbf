// SPDX-License-Identifier: MIT
// The conditional MLP GAN of the mnist_cgan example.
//
// mnist_gan's networks with the class label beside z and beside the image (Mirza & Osindero
// 2014, arXiv:1411.1784, section 4.1, conditioned on one-hot labels as there). The generator's
// layers sit in a gan::KeepLabel, which appends the label to their output, so G maps
// [z; y] (110) to [image; y] (794), and the discriminator's first layer sees the image with
// the label it should show.
#pragma once

#include <gan/gan.hpp>

#include <cstddef>

namespace mnist_cgan {

constexpr std::size_t kLatentSize = 100;  // z dimension, as in mnist_gan and the paper
constexpr std::size_t kClasses = 10;      // digits 0 to 9, one-hot
constexpr std::size_t kPixels = 784;      // 28 x 28

// [z; y] (110) -> 256 -> 512 -> 1024 -> 784 pixels in [-1, 1], then y appended: 794.
using Generator = gan::Sequential<gan::KeepLabel<
    kClasses, gan::Dense<kLatentSize + kClasses, 256>, gan::LeakyRelu, gan::Dense<256, 512>,
    gan::LeakyRelu, gan::Dense<512, 1024>, gan::LeakyRelu, gan::Dense<1024, kPixels>, gan::Tanh>>;

// [image; y] (794) -> 512 -> 256 -> one logit: "is this a real image of digit y?"
using Discriminator = gan::Sequential<gan::Dense<kPixels + kClasses, 512>, gan::LeakyRelu,
                                      gan::Dense<512, 256>, gan::LeakyRelu, gan::Dense<256, 1>>;

}  // namespace mnist_cgan
