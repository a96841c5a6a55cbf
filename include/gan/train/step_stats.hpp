// SPDX-License-Identifier: MIT
// What one training step reports.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>

namespace gan {

/// A measurement of sample quality, taken on a schedule rather than every step (see
/// AlternatingTrainer::evaluate_every). Lower Fréchet distance is better; unlike the losses it
/// trends steadily as the generator improves. The distance depends on how many samples it was
/// computed from (its expected value falls as the counts grow; docs/metrics.md), so the counts
/// always travel with it.
struct Quality {
  /// Fréchet distance between feature statistics of generated and real samples.
  double frechet_distance = std::numeric_limits<double>::quiet_NaN();
  /// Generated samples the distance was computed from.
  std::size_t sample_count = 0;
  /// Real samples the reference statistics were computed from.
  std::size_t reference_count = 0;
  /// Inception-Score analogue from the feature network's class probabilities (higher is
  /// better); NaN when the evaluator gives no class probabilities.
  double inception_score = std::numeric_limits<double>::quiet_NaN();
  /// Entropy of the predicted-class histogram over log(classes), in [0, 1]: near 1 when every
  /// class is drawn equally often, low under mode collapse; NaN without class probabilities.
  double class_entropy = std::numeric_limits<double>::quiet_NaN();
  /// Wall-clock time the evaluation took, in seconds (not counted in StepStats::seconds).
  double seconds = 0;
};

/// The statistics of one generator step and the discriminator steps before it.
///
/// The two losses pull against each other, so their curves bounce by design; real_score and
/// fake_score say more. With the sigmoid-based losses they are probabilities: a discriminator
/// that wins outright drives real_score to 1 and fake_score to 0, and at the game's
/// equilibrium both sit near 1/2.
struct StepStats {
  /// Generator steps completed, this one included (1 after the first step).
  std::uint64_t step = 0;
  /// The discriminator's loss in the last discriminator step, before its update; with a
  /// penalised loss policy (losses/penalties.hpp) it includes the penalty.
  double discriminator_loss = 0;
  /// The penalty part of discriminator_loss (the gradient or R1 penalty); 0 without one.
  double discriminator_penalty = 0;
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
  /// Set on the steps where a quality evaluation ran (AlternatingTrainer::evaluate_every).
  std::optional<Quality> quality;
};

}  // namespace gan
