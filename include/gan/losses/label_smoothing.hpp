// SPDX-License-Identifier: MIT
// One-sided label smoothing for the sigmoid cross-entropy losses.
#pragma once

#include <gan/core/config.hpp>
#include <gan/core/tensor.hpp>
#include <gan/losses/logistic.hpp>
#include <gan/losses/logit_terms.hpp>
#include <gan/core/policy_name.hpp>
#include <gan/losses/sigmoid_cross_entropy.hpp>

#include <ratio>
#include <type_traits>

namespace gan {

/// One-sided label smoothing (Salimans et al. 2016, arXiv:1606.03498, section 3.4): the
/// discriminator's target for real samples becomes alpha < 1 instead of 1, while generated
/// samples keep the target 0. A discriminator that may no longer be arbitrarily sure of real
/// data gives the generator smoother gradients; smoothing the fake side too would reward G's
/// samples where there is no data, which is why only one side is smoothed. A real term is the
/// cross-entropy with target alpha:
///   -alpha log D(x) - (1 - alpha) log(1 - D(x)) = alpha softplus(-r) + (1 - alpha) softplus(r),
/// with gradient sigmoid(r) - alpha; everything else is Base's.
///
/// @tparam Base   a loss whose discriminator side is the sigmoid cross-entropy
///                (NonSaturatingLoss or MinimaxLoss)
/// @tparam Target alpha as a std::ratio in (0, 1]; 9/10 as in the paper. A compile-time value,
///                so that the name checkpoints store says which target a run trained with.
template <typename Base, typename Target = std::ratio<9, 10>>
struct OneSidedLabelSmoothing : Base {
  static_assert(std::is_base_of_v<detail::SigmoidCrossEntropyDiscriminator, Base>,
                "gan::OneSidedLabelSmoothing: Base must be a loss with the sigmoid cross-entropy "
                "discriminator (gan::NonSaturatingLoss or gan::MinimaxLoss); the other losses "
                "have no probability target to smooth");
  static_assert(Target::num > 0 && Target::num <= Target::den,
                "gan::OneSidedLabelSmoothing: the real target must be in (0, 1], such as "
                "std::ratio<9, 10>");

  static constexpr auto numerator_text = detail::decimal_name<Target::num>();
  static constexpr auto denominator_text = detail::decimal_name<Target::den>();
  static constexpr auto name_text =
      detail::join_name<detail::name_length(Base::name) + 29 +
                        detail::name_length(numerator_text.c_str()) +
                        detail::name_length(denominator_text.c_str()) + 2>(
          {Base::name, " + one-sided-label-smoothing(", numerator_text.c_str(), "/",
           denominator_text.c_str(), ")"});
  static constexpr const char* name = name_text.c_str();

  /// The target for real samples, alpha.
  static constexpr double real_target =
      static_cast<double>(Target::num) / static_cast<double>(Target::den);

  /// A real sample's term: alpha softplus(-r) + (1 - alpha) softplus(r).
  struct RealTerm {
    template <typename Scalar>
    GAN_HOST_DEVICE static double loss(Scalar r) {
      return real_target * logistic::softplus(static_cast<double>(-r)) +
             (1 - real_target) * logistic::softplus(static_cast<double>(r));
    }
    template <typename Scalar>
    GAN_HOST_DEVICE static Scalar gradient(Scalar r) {
      return logistic::sigmoid(r) - static_cast<Scalar>(real_target);
    }
  };
  using typename Base::FakeTerm;
  using typename Base::GeneratorTerm;

  template <typename Scalar>
  static double discriminator_loss(const Matrix<Scalar>& real_logits,
                                   const Matrix<Scalar>& fake_logits, Matrix<Scalar>& real_gradient,
                                   Matrix<Scalar>& fake_gradient) {
    return detail::mean_over_logits<RealTerm>(real_logits, real_gradient) +
           detail::mean_over_logits<FakeTerm>(fake_logits, fake_gradient);
  }
};

}  // namespace gan
