// SPDX-License-Identifier: MIT
// mnist_dcgan: a convolutional GAN (DCGAN) that learns to draw handwritten digits.
//
// The same program as mnist_gan, with the same flags, around other networks: transposed
// convolutions with batch norm in the generator, strided convolutions in the discriminator
// (architecture.hpp). Batch norm normalises with the statistics of each batch while training,
// so the discriminator sees real and generated batches in separate passes (a mixed batch
// would normalise each kind with the other's statistics); samples are drawn in inference mode,
// with the running averages, so that each digit depends on its own noise only.
//
// Run it (after scripts/fetch-mnist, or see README.md for the one command that does all):
//   build/examples/mnist_dcgan/mnist_dcgan --data data/mnist --out runs/mnist_dcgan
// and look at runs/mnist_dcgan/samples.png. `mnist_dcgan --help` lists every flag.

#include "../common/options.hpp"
#include "../common/program.hpp"
#include "architecture.hpp"

#include <gan/gan.hpp>

#include <cstdint>

namespace {

// The default run: 10 epochs over the 10,000 digits of scripts/fetch-mnist are about 1,560
// steps of batch 64 (docs/mnist_dcgan.md shows the measured run). The sample grids average
// the generator over about the last 100 steps: convolutional samples are clean without a
// long average, and a run this short would keep the initial weights in a 1,000-step one.
constexpr examples::ProgramDefaults kDefaults{
    .name = "mnist_dcgan",
    .epochs = 10,
    .generator_average_decay = 0.99,
    // Epochs are long beside a measurement: every epoch.
    .quality_every = 1,
};

}  // namespace

int main(int argc, char** argv) {
  return examples::run_program<mnist_dcgan::Generator, mnist_dcgan::Discriminator>(kDefaults, argc,
                                                                                   argv);
}
