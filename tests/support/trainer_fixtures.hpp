// SPDX-License-Identifier: MIT
// Test support: the small generator and discriminator, options and real batches that the
// AlternatingTrainer tests share.
#pragma once

#include <gan/gan.hpp>

#include <Eigen/Core>

#include <cstddef>
#include <cstdint>

namespace gan::test_support {

/// A 3 -> 8 -> 2 generator of 50 parameters. With the discriminator's 25 the counts differ,
/// so that an optimizer sized for the wrong network shows, and their sum is odd, so that the
/// random stream stops in the middle of a Philox block after initialisation.
using Generator = gan::Sequential<gan::Dense<3, 8>, gan::LeakyRelu, gan::Dense<8, 2>>;

/// A 2 -> 6 -> 1 discriminator of 25 parameters, for samples of Generator.
using Discriminator = gan::Sequential<gan::Dense<2, 6>, gan::LeakyRelu, gan::Dense<6, 1>>;

/// Default options of `Trainer` but for the seed and the discriminator steps per generator step.
/// @tparam Trainer a gan::AlternatingTrainer
template <typename Trainer>
typename Trainer::Options options_with(std::uint64_t seed, std::size_t discriminator_steps = 1) {
  typename Trainer::Options options;
  options.seed = seed;
  options.discriminator_steps = discriminator_steps;
  return options;
}

/// A real batch, [rows, columns], drawn from N(1, 0.5^2) with its own seed: the same batch
/// for the same arguments in every run.
template <typename Scalar>
gan::Matrix<Scalar> real_batch(std::uint64_t seed, Eigen::Index rows, Eigen::Index columns) {
  gan::Rng rng(seed);
  gan::Matrix<Scalar> batch(rows, columns);
  for (Eigen::Index i = 0; i < batch.size(); ++i)
    batch.data()[i] = static_cast<Scalar>(1.0 + 0.5 * rng.normal());
  return batch;
}

}  // namespace gan::test_support
