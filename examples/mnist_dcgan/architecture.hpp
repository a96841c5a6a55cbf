// SPDX-License-Identifier: MIT
// The deep convolutional GAN (DCGAN, Radford et al. 2015) of the mnist_dcgan example and the
// DCGAN benchmark.
//
// The architecture of PyTorch's well-known C++ DCGAN example, so that the two can be compared
// step for step (benchmarks/): transposed convolutions with batch norm and ReLU grow a
// 100-dimensional z into a 28 x 28 image; strided convolutions with LeakyReLU(0.2) and batch
// norm shrink an image to one logit. No layer has a bias: each is followed by batch norm,
// whose shift does the same job, or is the last one.
#pragma once

#include <gan/gan.hpp>

#include <cstddef>

namespace mnist_dcgan {

constexpr std::size_t kLatentSize = 100;  // z dimension, as in the DCGAN paper

template <std::size_t In, std::size_t Out, std::size_t Kernel, std::size_t Stride,
          std::size_t Padding>
using UpConv = gan::ConvTranspose2d<In, Out, Kernel, Stride, Padding, 0, gan::Bias::none>;
template <std::size_t In, std::size_t Out, std::size_t Kernel, std::size_t Stride,
          std::size_t Padding>
using DownConv = gan::Conv2d<In, Out, Kernel, Stride, Padding, gan::Bias::none>;

// z as a 1 x 1 image of 100 channels -> 4 x 4 x 256 -> 7 x 7 x 128 -> 14 x 14 x 64 -> 28 x 28
// pixels in [-1, 1].
using Generator =
    gan::Sequential<gan::Input<gan::Shape<kLatentSize, 1, 1>>, UpConv<kLatentSize, 256, 4, 1, 0>,
                    gan::BatchNorm<256>, gan::Relu, UpConv<256, 128, 3, 2, 1>, gan::BatchNorm<128>,
                    gan::Relu, UpConv<128, 64, 4, 2, 1>, gan::BatchNorm<64>, gan::Relu,
                    UpConv<64, 1, 4, 2, 1>, gan::Tanh>;

// 28 x 28 pixels -> 14 x 14 x 64 -> 7 x 7 x 128 -> 3 x 3 x 256 -> one logit.
using Discriminator =
    gan::Sequential<gan::Input<gan::Shape<1, 28, 28>>, DownConv<1, 64, 4, 2, 1>, gan::LeakyRelu,
                    DownConv<64, 128, 4, 2, 1>, gan::BatchNorm<128>, gan::LeakyRelu,
                    DownConv<128, 256, 4, 2, 1>, gan::BatchNorm<256>, gan::LeakyRelu,
                    DownConv<256, 1, 3, 1, 0>, gan::Flatten>;

}  // namespace mnist_dcgan
