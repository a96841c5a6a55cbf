// SPDX-License-Identifier: MIT
// Benchmark: one training step of the DCGAN of examples/mnist_dcgan (the architecture of
// PyTorch's C++ DCGAN example: transposed convolutions with batch norm in G, strided
// convolutions with batch norm in D, batch 64, Adam), in trained real images per second. See
// gan_step.hpp for the flags and the output.

#include "../examples/mnist_dcgan/architecture.hpp"
#include "gan_step.hpp"

int main(int argc, char** argv) {
  return benchmarks::run_gan_step<mnist_dcgan::Generator, mnist_dcgan::Discriminator>("dcgan_step",
                                                                                      argc, argv);
}
