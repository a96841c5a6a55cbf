// SPDX-License-Identifier: MIT
// The relativistic average GAN loss.
#pragma once

#include <gan/core/error.hpp>
#include <gan/core/tensor.hpp>
#include <gan/losses/logistic.hpp>

#include <stdexcept>

namespace gan {

/// The relativistic average standard GAN, RaSGAN (Jolicoeur-Martineau 2018,
/// arXiv:1807.00734, its relativistic average GAN with the standard loss): D no longer judges a
/// sample on its own but says how much more real it looks than the other batch does on average.
/// With raw outputs r (real) and f (generated), and their batch means r̄ and f̄:
///   L_D = mean_i softplus(f̄ - r_i) + mean_j softplus(f_j - r̄)
///       = -mean log sigmoid(r_i - f̄) - mean log(1 - sigmoid(f_j - r̄)),
///   L_G = mean_j softplus(r̄ - f_j) + mean_i softplus(r_i - f̄),
/// the same loss with the roles of real and generated swapped. G's loss depends on the real
/// batch's outputs too, so the trainer runs D on the real batch in the generator step; the
/// gradient reaches G through f only (r does not depend on G).
///
/// Each term depends on the other batch's mean, so the loss is not a mean of per-logit terms;
/// the device backend computes it on the host, from the [1, batch] logits.
struct RelativisticAverageLoss {
  static constexpr const char* name = "relativistic-average";
  /// L_G needs D's outputs on the real batch as well as on the generated one.
  static constexpr bool generator_uses_real_logits = true;

  template <typename Scalar>
  static double discriminator_loss(const Matrix<Scalar>& real_logits,
                                   const Matrix<Scalar>& fake_logits, Matrix<Scalar>& real_gradient,
                                   Matrix<Scalar>& fake_gradient) {
    return paired_loss(real_logits, fake_logits, &real_gradient, &fake_gradient);
  }

  /// L_G and dL_G/df; real_logits are D's outputs on a real batch, in the same state of D.
  template <typename Scalar>
  static double generator_loss(const Matrix<Scalar>& real_logits, const Matrix<Scalar>& fake_logits,
                               Matrix<Scalar>& fake_gradient) {
    // L_G is L_D with the batches swapped; its gradient for the real side is not needed.
    return paired_loss<Scalar>(fake_logits, real_logits, &fake_gradient, nullptr);
  }

  /// The raw output. D's probability that a real sample is more real than the average
  /// generated one is sigmoid(r - mean f), so the gap between the two scores is what to watch.
  template <typename Scalar>
  static double score(Scalar logit) {
    return static_cast<double>(logit);
  }

 private:
  /// mean_i softplus(b̄ - a_i) + mean_j softplus(b_j - ā) and its gradients: a is the batch
  /// pushed up relative to b. A gradient pointer may be null when it is not wanted.
  template <typename Scalar>
  static double paired_loss(const Matrix<Scalar>& a, const Matrix<Scalar>& b,
                            Matrix<Scalar>* a_gradient, Matrix<Scalar>* b_gradient) {
    if (a.size() == 0 || b.size() == 0)
      throw std::invalid_argument(
          message("RelativisticAverageLoss: expected logits in both "
                  "batches, got ",
                  a.size(), " and ", b.size()));
    const double na = static_cast<double>(a.size());
    const double nb = static_cast<double>(b.size());
    const double a_mean = a.template cast<double>().mean();
    const double b_mean = b.template cast<double>().mean();
    // d softplus(b̄ - a_i) / d a_i = -sigmoid(b̄ - a_i), and it reaches every b_j through b̄
    // with weight 1 / nb; likewise for the second sum.
    double loss = 0, a_pull = 0, b_pull = 0;
    for (Eigen::Index i = 0; i < a.size(); ++i) {
      const double x = b_mean - static_cast<double>(a(i));
      loss += logistic::softplus(x) / na;
      a_pull += logistic::sigmoid(x) / na;
    }
    for (Eigen::Index j = 0; j < b.size(); ++j) {
      const double x = static_cast<double>(b(j)) - a_mean;
      loss += logistic::softplus(x) / nb;
      b_pull += logistic::sigmoid(x) / nb;
    }
    if (a_gradient) {
      a_gradient->resize(a.rows(), a.cols());
      for (Eigen::Index i = 0; i < a.size(); ++i)
        (*a_gradient)(i) = static_cast<Scalar>(
            -(logistic::sigmoid(b_mean - static_cast<double>(a(i))) + b_pull) / na);
    }
    if (b_gradient) {
      b_gradient->resize(b.rows(), b.cols());
      for (Eigen::Index j = 0; j < b.size(); ++j)
        (*b_gradient)(j) = static_cast<Scalar>(
            (logistic::sigmoid(static_cast<double>(b(j)) - a_mean) + a_pull) / nb);
    }
    return loss;
  }
};

}  // namespace gan
