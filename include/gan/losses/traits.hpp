// SPDX-License-Identifier: MIT
// What the trainer and the backends ask of a loss policy beyond the LossPolicy concept: the
// optional members a policy may declare, each with its default.
#pragma once

#include <cstddef>

namespace gan::detail {

/// A loss made of means of per-logit terms (RealTerm, FakeTerm, GeneratorTerm, each with
/// static loss(x) and gradient(x)), which the device backend computes on the device.
template <typename Loss>
concept PerLogitLoss = requires {
  typename Loss::RealTerm;
  typename Loss::FakeTerm;
  typename Loss::GeneratorTerm;
};

/// A loss whose generator loss reads D's outputs on real data too (the relativistic loss):
/// it declares generator_uses_real_logits = true and
/// generator_loss(real_logits, fake_logits, fake_gradient).
template <typename Loss>
concept GeneratorUsesRealLogits = requires {
  requires Loss::generator_uses_real_logits;
};

/// Discriminator steps per generator step for a loss: its default_discriminator_steps when it
/// declares one (the Wasserstein losses train their critic 5 times), else 1.
template <typename Loss>
constexpr std::size_t default_discriminator_steps() {
  if constexpr (requires { Loss::default_discriminator_steps; })
    return Loss::default_discriminator_steps;
  else
    return 1;
}

}  // namespace gan::detail
