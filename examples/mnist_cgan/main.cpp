// SPDX-License-Identifier: MIT
// mnist_cgan: a class-conditional MLP GAN that draws the handwritten digit it is asked for.
//
// What it shows: how a conditional GAN (Mirza & Osindero 2014) is built from library pieces
// alone, with gan::AlternatingTrainer unchanged: the prior gan::WithClassLabel appends a
// one-hot class to z, the generator's layers sit in gan::KeepLabel so that its samples carry
// the label on to the discriminator, and real batches hold each digit above its own label
// (gan::data::to_labelled_matrix). Everything else is mnist_gan's program.
//
// Run it (after scripts/fetch-mnist):
//   build/examples/mnist_cgan/mnist_cgan --data data/mnist --out runs/mnist_cgan
// and look at runs/mnist_cgan/samples.png: one row per digit, 0 at the top. Then ask the
// trained generator for any digit, and measure how often the independent classifier agrees:
//   mnist_cgan --epochs 0 --resume runs/mnist_cgan/checkpoint.gan --digit 7 --grid-out 7s.png
//   mnist_cgan --epochs 0 --resume runs/mnist_cgan/checkpoint.gan --digit-accuracy 1000
// `mnist_cgan --help` lists every flag; docs/mnist_cgan.md shows a measured run.

#include "../common/conditioning.hpp"
#include "../common/options.hpp"
#include "../common/program.hpp"
#include "architecture.hpp"

#include <gan/gan.hpp>

namespace {

constexpr examples::ProgramDefaults kDefaults{
    .name = "mnist_cgan",
    // As mnist_gan: about 9,400 steps of batch 64 on the 10,000 digits of scripts/fetch-mnist.
    .epochs = 60,
    // About the last 1,000 steps, as mnist_gan: MLP samples are speckled without an average.
    .generator_average_decay = 0.999,
    // As mnist_gan: a measurement every 5 epochs keeps it near 3% of the run.
    .quality_every = 5,
    .classes = mnist_cgan::kClasses,
};

}  // namespace

int main(int argc, char** argv) {
  return examples::run_program<mnist_cgan::Generator, mnist_cgan::Discriminator,
                               examples::ClassConditional<mnist_cgan::kClasses>>(kDefaults, argc,
                                                                                 argv);
}
