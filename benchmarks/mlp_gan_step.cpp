// SPDX-License-Identifier: MIT
// Benchmark: one training step of the MLP GAN of examples/mnist_gan (G 100-256-512-1024-784,
// D 784-512-256-1, LeakyReLU 0.2, batch 64, Adam), in trained real images per second. See
// gan_step.hpp for the flags and the output.

#include "../examples/mnist_gan/architecture.hpp"
#include "gan_step.hpp"

int main(int argc, char** argv) {
  return benchmarks::run_gan_step<mnist_gan::Generator, mnist_gan::Discriminator>("mlp_gan_step",
                                                                                  argc, argv);
}
