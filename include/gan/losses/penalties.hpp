// SPDX-License-Identifier: MIT
// Penalties on the norm of the discriminator's input gradient (WGAN-GP, R1), and loss
// policies that add one to a base loss.
#pragma once

#include <gan/core/error.hpp>
#include <gan/core/policy_name.hpp>
#include <gan/core/random.hpp>
#include <gan/core/tensor.hpp>
#include <gan/losses/non_saturating.hpp>
#include <gan/losses/wasserstein.hpp>
#include <gan/nn/mode.hpp>
#include <gan/nn/network.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <utility>

namespace gan {

namespace detail {

/// A host matrix as the backend's: the matrix itself on the CPU, whose matrices are host
/// matrices, so that nothing is copied; an upload on the device.
template <typename Backend, typename Scalar>
decltype(auto) host_on_backend(const Matrix<Scalar>& host) {
  if constexpr (Backend::on_device)
    return Backend::matrix_from_host(host);
  else
    return (host);
}

/// A temporary would be gone before the backend's matrix is used on the CPU: name it.
template <typename Backend, typename Scalar>
void host_on_backend(Matrix<Scalar>&& host) = delete;

/// A backend's matrix on the host: itself on the CPU, a download on the device.
template <typename Backend>
decltype(auto) backend_on_host(const typename Backend::matrix_type& values) {
  if constexpr (Backend::on_device)
    return Backend::matrix_to_host(values);
  else
    return (values);
}

/// Adds the gradient of a penalty on input gradients to a critic's parameter gradients, and
/// returns the penalty. With g_i = dD(p_i)/dp_i the critic's input gradient at the i-th of n
/// points, the penalty is
///   P = 1/n sum_i value(|g_i|),
/// and `norm_penalty(|g_i|)` returns {value, coefficient} with coefficient = value'(|g|)/|g|.
///
/// The gradient of P with respect to the parameters theta needs the gradient of an input
/// gradient: dP/dtheta = sum_i v_i . d(g_i)/dtheta with v_i = coefficient_i g_i / n held
/// fixed, which is the parameter gradient of the directional derivative sum_i v_i . g_i. That
/// directional derivative is taken by central differences along v, exactly where it matters:
///   dP/dtheta = [dS(+h)/dtheta - dS(-h)/dtheta] s / (2h),  S(t) = sum_i D(p_i + t v_i / s),
/// with s the largest |v_i|, so every point moves by at most h. Each side is an ordinary
/// forward and backward pass. The result is exact, up to rounding, for a critic that is
/// piecewise linear in its input (Dense, convolutions, ReLU, LeakyReLU) wherever no point's
/// step of h crosses a kink, and off by O(h^2) for smooth activations (tanh, sigmoid); h is
/// the cube root of the scalar's epsilon times the points' scale, the step that balances that
/// error against rounding. The cost is three forward and three backward passes of the critic
/// over the points: one for the input gradients, two for the differences. The test
/// tests/unit/losses/penalties_test.cpp checks the whole gradient against finite differences
/// of P itself.
///
/// The passes run in Mode::inference, so that no layer's running state (spectral norm's
/// power iteration) moves between them; the critic must treat its samples independently,
/// since a penalty per sample means nothing when a sample's output depends on its batch.
/// The per-sample arithmetic (norms, directions) runs on the host, on [input size, n]
/// matrices; the passes run on the critic's backend.
template <typename Network, typename NormPenalty>
double add_input_gradient_penalty(Network& critic,
                                  const Matrix<typename Network::scalar_type>& points,
                                  typename Network::Activations& pass, NormPenalty norm_penalty) {
  static_assert(Network::samples_are_independent,
                "gan: an input-gradient penalty (gradient penalty, R1) needs a discriminator "
                "that treats each sample on its own; batch norm mixes the samples of a batch, "
                "so use no batch norm in it (Gulrajani et al. 2017 recommend layer norm or none)");
  using backend = typename Network::backend;
  using Scalar = typename Network::scalar_type;
  const Eigen::Index count = points.cols();
  const double n = static_cast<double>(count);

  const auto& on_backend = host_on_backend<backend>(points);
  const Matrix<Scalar> ones_host = Matrix<Scalar>::Ones(1, count);
  const auto& ones = host_on_backend<backend>(ones_host);
  critic.forward(on_backend, pass, Mode::inference);
  critic.backward(ones, pass, Backprop::input_only);
  const auto& gradients = backend_on_host<backend>(pass.input_gradient());

  Matrix<double> directions(gradients.rows(), count);
  double penalty = 0, largest = 0;
  for (Eigen::Index i = 0; i < count; ++i) {
    directions.col(i) = gradients.col(i).template cast<double>();
    const auto [value, coefficient] = norm_penalty(directions.col(i).norm());
    penalty += value / n;
    directions.col(i) *= coefficient / n;
    largest = std::max(largest, directions.col(i).norm());
  }
  // A non-finite penalty stops training in the trainer; a zero one has no gradient.
  if (!std::isfinite(penalty) || !std::isfinite(largest) || largest == 0) return penalty;

  const double scale = std::max(1.0, points.template cast<double>().colwise().norm().maxCoeff());
  const double step = std::cbrt(std::numeric_limits<Scalar>::epsilon()) * scale;
  const Matrix<Scalar> offset = (directions * (step / largest)).template cast<Scalar>();
  const auto weight = static_cast<Scalar>(largest / (2 * step));
  // One side at a time, so that one perturbed batch is alive at once.
  for (const Scalar sign : {Scalar(1), Scalar(-1)}) {
    const Matrix<Scalar> shifted = points + sign * offset;
    const auto& shifted_on_backend = host_on_backend<backend>(shifted);
    const Matrix<Scalar> side_weight_host = Matrix<Scalar>::Constant(1, count, sign * weight);
    const auto& side_weight = host_on_backend<backend>(side_weight_host);
    critic.forward(shifted_on_backend, pass, Mode::inference);
    critic.backward(side_weight, pass, Backprop::parameters_only);
  }
  return penalty;
}

/// Throws unless a penalty's weight is finite and at least 0.
inline void check_penalty_weight(const char* penalty, double weight) {
  if (!(weight >= 0 && std::isfinite(weight)))
    throw std::invalid_argument(
        message(penalty, ": expected a weight that is finite and at least 0, got ", weight));
}

}  // namespace detail

/// The gradient penalty of WGAN-GP (Gulrajani et al. 2017, arXiv:1704.00028, equation 3 and
/// algorithm 1): at points x^ = e x + (1 - e) G(z) on the lines between paired real and
/// generated samples, with e ~ U[0, 1] drawn per sample,
///   P = weight * mean_i (|d D(x^_i) / d x^_i| - 1)^2,
/// one norm per sample over all its values. It pulls the critic's gradient norm towards 1,
/// the soft form of the 1-Lipschitz constraint. Where a sample's gradient is exactly 0 the
/// derivative of its norm is undefined and that sample adds no gradient.
struct GradientPenalty {
  static constexpr const char* name = "gradient-penalty";
  /// lambda; 10 in the paper, for every experiment it reports.
  double weight = 10;

  void check() const { detail::check_penalty_weight("GradientPenalty", weight); }

  /// Adds dP/dtheta to the critic's gradients and returns P; `pass` is scratch space.
  /// @throws std::invalid_argument if the batches differ in shape
  template <typename Network>
  double operator()(Network& critic, const typename Network::matrix_type& real,
                    const typename Network::matrix_type& fake, Rng& rng,
                    typename Network::Activations& pass) const {
    using backend = typename Network::backend;
    using Scalar = typename Network::scalar_type;
    if (real.rows() != fake.rows() || real.cols() != fake.cols())
      throw std::invalid_argument(
          message("GradientPenalty: expected real and generated batches "
                  "of one shape, got ",
                  real.rows(), "x", real.cols(), " and ", fake.rows(), "x", fake.cols()));
    const auto& real_host = detail::backend_on_host<backend>(real);
    const auto& fake_host = detail::backend_on_host<backend>(fake);
    Matrix<Scalar> points(real_host.rows(), real_host.cols());
    for (Eigen::Index i = 0; i < points.cols(); ++i) {
      const auto e = static_cast<Scalar>(rng.uniform());
      points.col(i) = e * real_host.col(i) + (Scalar(1) - e) * fake_host.col(i);
    }
    const double lambda = weight;
    return detail::add_input_gradient_penalty(critic, points, pass, [lambda](double norm) {
      const double gap = norm - 1;
      return std::pair{lambda * gap * gap, norm > 0 ? 2 * lambda * gap / norm : 0.0};
    });
  }
};

/// The R1 penalty (Mescheder et al. 2018, arXiv:1801.04406, equation 9) on real data only:
///   P = weight / 2 * mean_i |d D(x_i) / d x_i|^2,
/// the squared norm of the discriminator's input gradient (of its logit) on real samples. It
/// keeps D flat on the data, which makes the game converge locally where the unregularised one
/// can circle. Nothing random is drawn.
struct R1Penalty {
  static constexpr const char* name = "r1-penalty";
  /// gamma; the paper uses 10 for most of its experiments (and values from 0.1 up).
  double weight = 10;

  void check() const { detail::check_penalty_weight("R1Penalty", weight); }

  /// Adds dP/dtheta to the critic's gradients and returns P; `pass` is scratch space.
  template <typename Network>
  double operator()(Network& critic, const typename Network::matrix_type& real,
                    const typename Network::matrix_type&, Rng&,
                    typename Network::Activations& pass) const {
    const double gamma = weight;
    return detail::add_input_gradient_penalty(
        critic, detail::backend_on_host<typename Network::backend>(real), pass,
        [gamma](double norm) {
          return std::pair{gamma / 2 * norm * norm, gamma};
        });
  }
};

/// A loss policy Base with a penalty on the discriminator added to its discriminator loss:
///   L_D = Base's L_D + P,
/// where Penalty (GradientPenalty, R1Penalty, or any type with the same members) computes P
/// and adds its gradient to the discriminator's. The trainer calls penalize() in every
/// discriminator step, after the base loss's backward pass and before the update, and reports
/// P as StepStats::discriminator_penalty (it is also part of discriminator_loss). G's loss is
/// Base's.
template <typename Base, typename Penalty>
struct Penalized : Base {
  static constexpr auto name_text =
      detail::join_name<detail::name_length(Base::name) + 3 + detail::name_length(Penalty::name)>(
          {Base::name, " + ", Penalty::name});
  /// "<base> + <penalty>", the name checkpoints store.
  static constexpr const char* name = name_text.c_str();

  /// The penalty and its settings (weight).
  Penalty penalty{};

  /// @throws std::invalid_argument if the base's or the penalty's settings are invalid
  void check() const {
    if constexpr (requires(const Base& base) { base.check(); }) Base::check();
    penalty.check();
  }

  /// Adds dP/dtheta to the discriminator's gradients and returns P.
  template <typename Network>
  double penalize(Network& discriminator, const typename Network::matrix_type& real,
                  const typename Network::matrix_type& fake, Rng& rng,
                  typename Network::Activations& scratch) const {
    return penalty(discriminator, real, fake, rng, scratch);
  }
};

/// WGAN-GP (Gulrajani et al. 2017, arXiv:1704.00028): the Wasserstein critic objective with
/// the gradient penalty (weight 10) instead of weight clipping, 5 critic steps per generator
/// step. The paper trains with Adam at a learning rate of 1e-4, beta1 = 0 and beta2 = 0.9.
using WassersteinGpLoss = Penalized<WassersteinObjective, GradientPenalty>;

/// The non-saturating loss with the R1 penalty on real data (weight 10), the combination of
/// Mescheder et al. 2018 (arXiv:1801.04406).
using NonSaturatingR1Loss = Penalized<NonSaturatingLoss, R1Penalty>;

}  // namespace gan
