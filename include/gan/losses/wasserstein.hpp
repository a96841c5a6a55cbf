// SPDX-License-Identifier: MIT
// The Wasserstein GAN loss: a critic instead of a classifier, kept Lipschitz by weight clipping.
#pragma once

#include <gan/core/config.hpp>
#include <gan/core/error.hpp>
#include <gan/core/tensor.hpp>
#include <gan/losses/logit_terms.hpp>

#include <cmath>
#include <cstddef>
#include <stdexcept>

namespace gan {

namespace detail::wasserstein {

/// A real sample's term, -r: the critic raises its output on real data.
struct RealTerm {
  template <typename Scalar>
  GAN_HOST_DEVICE static double loss(Scalar r) {
    return -static_cast<double>(r);
  }
  template <typename Scalar>
  GAN_HOST_DEVICE static Scalar gradient(Scalar) {
    return Scalar(-1);
  }
};
/// A generated sample's term for the critic, f: it lowers its output on G's samples.
struct FakeTerm {
  template <typename Scalar>
  GAN_HOST_DEVICE static double loss(Scalar f) {
    return static_cast<double>(f);
  }
  template <typename Scalar>
  GAN_HOST_DEVICE static Scalar gradient(Scalar) {
    return Scalar(1);
  }
};

}  // namespace detail::wasserstein

/// The Wasserstein critic objective of Arjovsky et al. 2017 (arXiv:1701.07875, equation 3),
/// without the constraint that makes it one: the critic's raw output c (no sigmoid) estimates
/// the Wasserstein-1 distance as mean c(x) - mean c(G(z)), which the critic maximises and the
/// generator minimises:
///   L_D = mean_j f_j - mean_i r_i,   L_G = -mean_j f_j,
/// so G's term is the critic's real term, -f.
/// The estimate is only a distance while the critic is 1-Lipschitz, which WassersteinLoss
/// (weight clipping) and WassersteinGpLoss (gradient penalty, losses/penalties.hpp) enforce;
/// on its own this objective lets the critic's output grow without bound.
struct WassersteinObjective
    : detail::TermwiseLoss<detail::wasserstein::RealTerm, detail::wasserstein::FakeTerm,
                           detail::wasserstein::RealTerm> {
  static constexpr const char* name = "wasserstein";
  /// Both papers train the critic 5 times per generator step (n_critic in their algorithms).
  static constexpr std::size_t default_discriminator_steps = 5;

  /// The critic's raw output: its mean on real minus its mean on fake samples is the
  /// distance estimate, which is what to watch (it falls as G improves).
  template <typename Scalar>
  GAN_HOST_DEVICE static double score(Scalar logit) {
    return static_cast<double>(logit);
  }
};

/// The original Wasserstein GAN (Arjovsky et al. 2017, arXiv:1701.07875, algorithm 1): the
/// critic objective of WassersteinObjective, with every critic parameter clipped to
/// [-weight_clip, weight_clip] after each critic update, which bounds the critic's Lipschitz
/// constant, crudely, as the paper itself points out.
///
/// The paper trains with RMSProp at a learning rate of 5e-5; with Adam, use a small learning
/// rate and beta1 = 0 (gan::Adam's hyperparameters). WassersteinGpLoss usually trains better.
struct WassersteinLoss : WassersteinObjective {
  static constexpr const char* name = "wasserstein-clipped";

  /// The bound c on every critic parameter; 0.01 in the paper. 0 turns clipping off.
  double weight_clip = 0.01;

  /// @throws std::invalid_argument if weight_clip is negative or not finite
  void check() const {
    if (!(weight_clip >= 0 && std::isfinite(weight_clip)))
      throw std::invalid_argument(
          message("WassersteinLoss: expected a weight clip that is finite and at least 0, got ",
                  weight_clip));
  }

  /// Clips the critic's parameters; the trainer calls it after every critic update.
  template <typename Network>
  void after_discriminator_update(Network& critic) const {
    if (weight_clip == 0) return;
    using Scalar = typename Network::scalar_type;
    Network::backend::clamp(critic.parameters(), static_cast<Scalar>(-weight_clip),
                            static_cast<Scalar>(weight_clip));
  }
};

}  // namespace gan
