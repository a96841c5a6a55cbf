// SPDX-License-Identifier: MIT
// The hinge GAN loss.
#pragma once

#include <gan/core/config.hpp>
#include <gan/core/tensor.hpp>
#include <gan/losses/logit_terms.hpp>

namespace gan {

namespace detail::hinge {

/// A real sample's term, max(0, 1 - r).
struct RealTerm {
  template <typename Scalar>
  GAN_HOST_DEVICE static double loss(Scalar r) {
    const double margin = 1.0 - static_cast<double>(r);
    return margin > 0 ? margin : 0.0;
  }
  template <typename Scalar>
  GAN_HOST_DEVICE static Scalar gradient(Scalar r) {
    return r < Scalar(1) ? Scalar(-1) : Scalar(0);
  }
};
/// A generated sample's term for D, max(0, 1 + f).
struct FakeTerm {
  template <typename Scalar>
  GAN_HOST_DEVICE static double loss(Scalar f) {
    const double margin = 1.0 + static_cast<double>(f);
    return margin > 0 ? margin : 0.0;
  }
  template <typename Scalar>
  GAN_HOST_DEVICE static Scalar gradient(Scalar f) {
    return f > Scalar(-1) ? Scalar(1) : Scalar(0);
  }
};
/// A generated sample's term for G, -f: not a hinge, so G keeps a gradient however far
/// its samples are past the margin.
struct GeneratorTerm {
  template <typename Scalar>
  GAN_HOST_DEVICE static double loss(Scalar f) {
    return -static_cast<double>(f);
  }
  template <typename Scalar>
  GAN_HOST_DEVICE static Scalar gradient(Scalar) {
    return Scalar(-1);
  }
};

}  // namespace detail::hinge

/// The hinge loss of Lim & Ye 2017 (arXiv:1705.02894, equations 6 and 7), as Miyato et al.
/// 2018 (arXiv:1802.05957, equation 17) train spectrally normalised GANs with: the
/// discriminator's raw output o is pushed above 1 on real and below -1 on generated samples,
/// and stops caring once it is there; the generator raises o on its samples:
///   L_D = mean_i max(0, 1 - r_i) + mean_j max(0, 1 + f_j),   L_G = -mean_j f_j.
/// At the kinks (r = 1, f = -1) the gradient taken is 0, the one-sided limit from inside the
/// margin's satisfied side.
struct HingeLoss : detail::TermwiseLoss<detail::hinge::RealTerm, detail::hinge::FakeTerm,
                                        detail::hinge::GeneratorTerm> {
  static constexpr const char* name = "hinge";

  /// The raw output: above 1 on real and below -1 on fake samples is where D stops learning.
  template <typename Scalar>
  GAN_HOST_DEVICE static double score(Scalar logit) {
    return static_cast<double>(logit);
  }
};

}  // namespace gan
