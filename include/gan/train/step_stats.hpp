// SPDX-License-Identifier: MIT
// What one training step reports.
#pragma once

#include <cstddef>
#include <cstdint>

namespace gan {

/// The statistics of one generator step and the discriminator steps before it.
///
/// The two losses pull against each other, so their curves bounce by design; real_score and
/// fake_score say more. With the sigmoid-based losses they are probabilities: a discriminator
/// that wins outright drives real_score to 1 and fake_score to 0, and at the game's
/// equilibrium both sit near 1/2.
struct StepStats {
  /// Generator steps completed, this one included (1 after the first step).
  std::uint64_t step = 0;
  /// The discriminator's loss in the last discriminator step, before its update.
  double discriminator_loss = 0;
  /// The generator's loss in this step, before its update.
  double generator_loss = 0;
  /// Mean D(x) over the last real batch, as the loss policy's score() reports it.
  double real_score = 0;
  /// Mean D(G(z)) over the last fake batch, measured in the discriminator step.
  double fake_score = 0;
  /// Real samples in each discriminator step's batch.
  std::size_t batch_size = 0;
  /// Discriminator steps taken for this generator step (k).
  std::size_t discriminator_steps = 0;
  /// Wall-clock time of the whole step, in seconds.
  double seconds = 0;
};

}  // namespace gan
