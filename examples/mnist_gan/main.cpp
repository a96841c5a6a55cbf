// SPDX-License-Identifier: MIT
// mnist_gan: a multilayer-perceptron GAN that learns to draw handwritten digits.
//
// What it shows: how a user of gan writes a generator and a discriminator as types, picks a
// loss policy, trains them with gan::AlternatingTrainer on real MNIST digits, watches progress,
// saves and resumes checkpoints, and writes generated images for outside tools.
//
// Run it (after scripts/fetch-mnist, or see README.md for the one command that does all):
//   build/examples/mnist_gan/mnist_gan --data data/mnist --out runs/mnist_gan
// and look at runs/mnist_gan/samples.png. `mnist_gan --help` lists every flag.
//
// The two networks are in architecture.hpp; examples/common/program.hpp is the training
// program itself, written to be read as the tutorial of the training loop.

#include "../common/options.hpp"
#include "../common/program.hpp"
#include "architecture.hpp"

#include <gan/gan.hpp>

#include <cstddef>
#include <cstdint>

namespace {

// Epochs of the default run. On the 10,000 digits of scripts/fetch-mnist, 60 epochs are about
// 9,400 steps of batch 64 and take a few minutes on 2 cores; every digit class is recognisable
// well before the end (see docs/mnist_gan.md for the measured run).
constexpr examples::ProgramDefaults kDefaults{
    .name = "mnist_gan",
    .epochs = 60,
    // About the last 1,000 steps: MLP samples are speckled without an average.
    .generator_average_decay = 0.999,
    // An epoch is about 3 seconds and a measurement about half a second: every 5 epochs keeps
    // it near 3% of the run and still gives 12 points.
    .quality_every = 5,
};

}  // namespace

int main(int argc, char** argv) {
  return examples::run_program<mnist_gan::Generator, mnist_gan::Discriminator>(kDefaults, argc,
                                                                               argv);
}
