// SPDX-License-Identifier: MIT
// Finite-difference checks of the analytic gradients of a network and of a loss policy.
#pragma once

#include <gan/core/concepts.hpp>
#include <gan/core/error.hpp>
#include <gan/core/random.hpp>
#include <gan/core/tensor.hpp>
#include <gan/nn/network.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <type_traits>

/// Tools for testing a model's own code: they report, they never assert, so they work under
/// any test framework (or none).
///
/// Method. A network's output is reduced to the scalar L = sum(output .* R) for a fixed random
/// matrix R, so dL/d(output) = R and one backward(R) pass yields the analytic dL/dparameters
/// and dL/dinput. Each entry v (a parameter or an input value) is then moved to v + h and
/// v - h, the network is run forward again, and the central difference
///   (L(v + h) - L(v - h)) / ((v + h) - (v - h))
/// is compared with the analytic value. The denominator is the difference of the two values
/// actually stored, not 2h, so rounding of v +- h costs nothing. L is summed in long double.
///
/// Step. h = relative_step * max(1, |v|). A central difference has truncation error about
/// h^2 |L'''| / 6 and rounding error about eps * S / h, where S = sum |output .* R| and eps
/// is the scalar's machine epsilon. Balancing the two gives h ~ cbrt(eps): 6e-6 for double,
/// 5e-3 for float. For double we take 1e-6: truncation stays negligible even for strongly
/// curved units (tanh near saturation), kinks are straddled less often, and the rounding
/// error, about 2e-10 * S, is still far below the default tolerance. For float, where
/// rounding dominates, we take cbrt(eps) itself (4.9e-3).
///
/// Tolerances. An entry passes when |analytic - numeric| <= absolute_tolerance +
/// relative_tolerance * max(|analytic|, |numeric|). A correct gradient is off by the
/// errors above (about 1e-9 in double for S of order 10); a wrong one (a missing factor, a
/// sign, a transposed matrix, a forgotten term) is off by a sizeable fraction of the gradient
/// itself. The defaults, absolute 1e-7 and relative 1e-6 for double, absolute 1e-3 and
/// relative 1e-2 for float, sit between the two with about two orders of magnitude to spare
/// on each side for small networks. Loosen them in proportion to S (big batches, wide
/// outputs) or to the depth of a float network, or better, check in double.
///
/// Kinks. At a kink of a piecewise-smooth function (ReLU or LeakyReLU at 0) inside
/// [v - h, v + h], the central difference averages the slopes on the two sides, while the
/// analytic gradient is the slope on the side where v lies, so a correct layer could fail by
/// chance. Two measures keep that from happening: random inputs are drawn with magnitudes in
/// [0.1, 1], away from 0; and an entry whose central difference disagrees with the analytic
/// value is counted as skipped at a kink, not as a failure, when it shows a kink's signature:
/// the one-sided differences (L(v + h) - L(v)) / h and (L(v) - L(v - h)) / h differ by at
/// least the error, and the analytic value matches one of them (within tolerance, or within
/// a quarter of their difference, to allow for the curvature of the smooth pieces). For a
/// kink at distance d < h from v the central difference is off by exactly half the jump
/// between the one-sided ones, times (h - d) / h, so every kink that could fail a correct
/// layer is caught. A smooth function's one-sided differences differ by only h |L''|, so a
/// wrong gradient is mistaken for a kink only where its error happens to be about h |L''| / 2.
/// The report counts skipped entries, and a check with more than max_skipped_fraction of its
/// entries skipped does not pass.
namespace gan::testing {

/// The default relative step for Scalar: 1e-6 for double (and long double), cbrt(eps) for
/// float. See the notes at the top of this file.
template <typename Scalar>
constexpr double default_relative_step() {
  return std::is_same_v<Scalar, float> ? 4.9e-3 : 1e-6;
}

/// Settings of a gradient check. The defaults suit Scalar; designated initialisers change one:
///   gan::testing::gradient_check(network, {.seed = 7, .batch_size = 4});
template <typename Scalar>
struct GradientCheckOptions {
  /// Seeds the random input, the random output weights R and, for a loss check, the logits.
  std::uint64_t seed = 1;
  /// Columns of the random input (or logits per batch for a loss check).
  std::size_t batch_size = 3;
  /// h = relative_step * max(1, |v|) for an entry of value v.
  double relative_step = default_relative_step<Scalar>();
  /// Error allowed on every entry, whatever its size.
  double absolute_tolerance = std::is_same_v<Scalar, float> ? 1e-3 : 1e-7;
  /// Error allowed per unit of the entry's magnitude, max(|analytic|, |numeric|).
  double relative_tolerance = std::is_same_v<Scalar, float> ? 1e-2 : 1e-6;
  /// Largest share of entries that may be skipped at kinks before the check fails.
  double max_skipped_fraction = 0.05;
  /// The mode of every forward pass of a network check. Training mode checks batch norm's
  /// gradient through the batch statistics, inference mode the one with running averages.
  Mode mode = Mode::training;
};

/// How one analytic gradient compared with its finite differences.
struct GradientComparison {
  /// Entries compared (skipped ones not included).
  std::size_t compared = 0;
  /// Entries left out because a kink lay within one step of them.
  std::size_t skipped_at_kinks = 0;
  /// Entries outside the tolerance.
  std::size_t failed = 0;
  /// Largest |analytic - numeric|; infinite if a value was not finite.
  double max_absolute_error = 0;
  /// Largest |analytic - numeric| / max(|analytic|, |numeric|), 0 where both are 0. For
  /// gradients near 0 it measures rounding noise; the pass criterion also allows
  /// absolute_tolerance, so an entry may pass with a large relative error.
  double max_relative_error = 0;
  /// Flat (column-major) index of the entry furthest outside, or least inside, its tolerance.
  std::size_t worst_index = 0;
  /// That entry's |analytic - numeric| divided by its allowed error; at most 1 when it passed.
  double worst_ratio = 0;
  /// That entry's analytic and numeric values.
  double worst_analytic = 0;
  double worst_numeric = 0;
  /// Every compared entry within tolerance, and few enough skipped.
  bool passed = true;

  /// One line for a test failure message.
  std::string describe() const {
    return message(compared, " compared, ", skipped_at_kinks, " skipped at kinks, ", failed,
                   " failed; max absolute error ", max_absolute_error, ", max relative error ",
                   max_relative_error, "; worst entry ", worst_index, " (analytic ", worst_analytic,
                   ", numeric ", worst_numeric, ", ", worst_ratio, " of its tolerance); ",
                   passed ? "passed" : "FAILED");
  }
};

/// The result of gradient_check(): the parameter gradient and the input gradient, each
/// compared with central finite differences of L = sum(output .* R).
struct GradientCheckReport {
  GradientComparison parameters;
  GradientComparison input;
  /// The seed that drew the input and R, to reproduce a failure.
  std::uint64_t seed = 0;

  bool passed() const noexcept { return parameters.passed && input.passed; }

  std::string describe() const {
    return message("gradient check (seed ", seed, "): parameters: ", parameters.describe(),
                   " | input: ", input.describe());
  }
};

/// The result of loss_gradient_check(): each gradient a loss policy returns, compared with
/// central finite differences of the loss value it returns.
struct LossGradientCheckReport {
  /// dL_D/d(real logits).
  GradientComparison discriminator_real;
  /// dL_D/d(fake logits).
  GradientComparison discriminator_fake;
  /// dL_G/d(fake logits).
  GradientComparison generator;

  bool passed() const noexcept {
    return discriminator_real.passed && discriminator_fake.passed && generator.passed;
  }

  std::string describe() const {
    return message("loss gradient check: discriminator real: ", discriminator_real.describe(),
                   " | discriminator fake: ", discriminator_fake.describe(),
                   " | generator: ", generator.describe());
  }
};

/// A [rows, cols] matrix of values with magnitude uniform in [0.1, 1] and a random sign: a
/// test input kept away from the kinks at 0.
template <typename Scalar>
Matrix<Scalar> random_input(Eigen::Index rows, Eigen::Index cols, Rng& rng);

/// Compares an analytic gradient with central finite differences of a scalar function.
///
/// Each entry of `values` is moved by +-h in turn, `loss()` (which must read `values` and
/// return a number) is evaluated, and the entry is restored exactly. This is the building
/// block of the two checks below; use it directly for gradients they do not cover, such as
/// a generator's gradient through a frozen discriminator.
/// @param values   a writable Eigen vector or matrix of Scalar, or a view of one (such as
///                 Network::parameters()), perturbed in place and restored
/// @param analytic dloss/dvalues, laid out like `values`
/// @param loss     callable returning loss at the current `values`, convertible to long double
/// @throws std::invalid_argument if the sizes differ or the options are invalid
template <typename Values, typename Analytic, typename LossFunction>
GradientComparison compare_with_finite_differences(
    Values&& values, const Analytic& analytic, LossFunction&& loss,
    const GradientCheckOptions<typename std::remove_cvref_t<Values>::Scalar>& options = {});

/// Checks the parameter and input gradients of `network` at its current parameters, on a
/// random input of options.batch_size columns drawn from options.seed.
///
/// The network is copied; `network` itself, its parameters and its gradients are not changed.
/// Initialise it first: at all-zero parameters most gradients are zero and the check says
/// little.
/// @tparam Architecture a Sequential
/// @tparam Scalar       float or double; see the notes above for float tolerances
/// @return the comparison of both gradients; a mismatch is reported, never thrown
/// @throws std::invalid_argument for a batch size of 0, a step that is not positive and
///         finite, or a negative tolerance
template <typename Architecture, typename Scalar>
GradientCheckReport gradient_check(const Network<Architecture, Scalar>& network,
                                   const GradientCheckOptions<Scalar>& options = {});

/// gradient_check() at a given input, [input_size, batch]: for layers that need inputs of
/// their own (images in [-1, 1], say). Keep its entries away from any kink of the first
/// layer; options.batch_size is not used.
/// @throws std::invalid_argument if the input has the wrong number of rows or no columns
template <typename Architecture, typename Scalar>
GradientCheckReport gradient_check_at(const Network<Architecture, Scalar>& network,
                                      const Matrix<Scalar>& input,
                                      const GradientCheckOptions<Scalar>& options = {});

/// Checks the three gradients a loss policy returns (discriminator loss with respect to the
/// real and the fake logits, generator loss with respect to the fake logits) against central
/// finite differences of the loss values it returns, at the given logits, [1, batch] each.
/// The logits are perturbed in Scalar; the loss is the policy's double.
template <typename Loss, typename Scalar>
LossGradientCheckReport loss_gradient_check(
    const Matrix<Scalar>& real_logits, const Matrix<Scalar>& fake_logits,
    const GradientCheckOptions<Scalar>& options = {}) requires LossPolicy<Loss, Scalar>;

/// loss_gradient_check() at options.batch_size real and fake logits drawn uniformly from
/// [-4, 4] with options.seed.
template <typename Loss, typename Scalar>
LossGradientCheckReport loss_gradient_check(
    const GradientCheckOptions<Scalar>& options = {}) requires LossPolicy<Loss, Scalar>;

// ------------------------------------------------------------------------------------------
// Implementation

namespace detail {

/// The analytic value of one entry and the finite differences around it.
struct EntryDifferences {
  double analytic;
  double central;
  double forward;
  double backward;
};

template <typename Scalar>
void check_tolerances(const GradientCheckOptions<Scalar>& options) {
  if (!(options.relative_step > 0 && std::isfinite(options.relative_step)))
    throw std::invalid_argument(
        message("gradient_check: expected a positive relative step, got ", options.relative_step));
  if (!(options.absolute_tolerance >= 0 && options.relative_tolerance >= 0))
    throw std::invalid_argument(
        message("gradient_check: expected tolerances of at least 0, got absolute ",
                options.absolute_tolerance, " and relative ", options.relative_tolerance));
}

/// Adds one entry to `comparison`, or counts it as skipped at a kink (see the file notes).
inline void record(GradientComparison& comparison, std::size_t index, const EntryDifferences& entry,
                   double absolute_tolerance, double relative_tolerance) {
  const auto allowed = [&](double numeric) {
    return absolute_tolerance +
           relative_tolerance * std::max(std::fabs(entry.analytic), std::fabs(numeric));
  };
  double error = std::fabs(entry.analytic - entry.central);
  if (!std::isfinite(error)) error = std::numeric_limits<double>::infinity();
  const bool within = error <= allowed(entry.central);
  if (!within && std::isfinite(error)) {
    // A kink's signature: the one-sided slopes differ by at least the error, and the analytic
    // value sits on one of them (within tolerance, or within a quarter of their difference,
    // which leaves room for the curvature of the smooth pieces).
    const double jump = std::fabs(entry.forward - entry.backward);
    const double to_forward = std::fabs(entry.analytic - entry.forward);
    const double to_backward = std::fabs(entry.analytic - entry.backward);
    const bool on_forward = to_forward <= std::max(allowed(entry.forward), 0.25 * jump);
    const bool on_backward = to_backward <= std::max(allowed(entry.backward), 0.25 * jump);
    if (jump >= error && (on_forward || on_backward)) {
      ++comparison.skipped_at_kinks;
      return;
    }
  }

  ++comparison.compared;
  if (!within) ++comparison.failed;
  const double scale = std::max(std::fabs(entry.analytic), std::fabs(entry.central));
  const double infinity = std::numeric_limits<double>::infinity();
  const double relative = error == 0 ? 0.0 : (scale > 0 ? error / scale : infinity);
  const double ratio =
      error == 0 ? 0.0 : (std::isfinite(error) ? error / allowed(entry.central) : infinity);
  comparison.max_absolute_error = std::max(comparison.max_absolute_error, error);
  comparison.max_relative_error = std::max(comparison.max_relative_error, relative);
  if (comparison.compared == 1 || ratio > comparison.worst_ratio) {
    comparison.worst_index = index;
    comparison.worst_ratio = ratio;
    comparison.worst_analytic = entry.analytic;
    comparison.worst_numeric = entry.central;
  }
}

template <typename Scalar>
void finish(GradientComparison& comparison, const GradientCheckOptions<Scalar>& options) {
  const double total = static_cast<double>(comparison.compared + comparison.skipped_at_kinks);
  const bool few_skipped =
      static_cast<double>(comparison.skipped_at_kinks) <= options.max_skipped_fraction * total;
  comparison.passed = comparison.failed == 0 && few_skipped;
}

/// Finite differences of `loss` (a function of the current value of `value`) around `value`,
/// which is restored afterwards. `at_value` is loss() at the unperturbed value.
template <typename Scalar, typename LossFunction>
EntryDifferences differences(Scalar& value, double analytic, long double at_value,
                             double relative_step, LossFunction&& loss) {
  const Scalar original = value;
  const auto step =
      static_cast<Scalar>(relative_step * std::max(1.0, std::fabs(static_cast<double>(original))));
  value = original + step;
  const Scalar plus = value;
  const long double at_plus = loss();
  value = original - step;
  const Scalar minus = value;
  const long double at_minus = loss();
  value = original;

  // The differences of the stored values, exact in long double, are the true step lengths.
  const long double wide = static_cast<long double>(plus) - static_cast<long double>(minus);
  const long double up = static_cast<long double>(plus) - static_cast<long double>(original);
  const long double down = static_cast<long double>(original) - static_cast<long double>(minus);
  return {analytic, static_cast<double>((at_plus - at_minus) / wide),
          static_cast<double>((at_plus - at_value) / up),
          static_cast<double>((at_value - at_minus) / down)};
}

}  // namespace detail

template <typename Scalar>
Matrix<Scalar> random_input(Eigen::Index rows, Eigen::Index cols, Rng& rng) {
  Matrix<Scalar> input(rows, cols);
  for (Eigen::Index i = 0; i < input.size(); ++i) {
    const double magnitude = rng.uniform(0.1, 1.0);
    input(i) = static_cast<Scalar>(rng.uniform() < 0.5 ? -magnitude : magnitude);
  }
  return input;
}

template <typename Values, typename Analytic, typename LossFunction>
GradientComparison compare_with_finite_differences(
    Values&& values, const Analytic& analytic, LossFunction&& loss,
    const GradientCheckOptions<typename std::remove_cvref_t<Values>::Scalar>& options) {
  detail::check_tolerances(options);
  if (values.rows() != analytic.rows() || values.cols() != analytic.cols())
    throw std::invalid_argument(
        message("compare_with_finite_differences: expected an analytic gradient of ", values.rows(),
                "x", values.cols(), ", got ", analytic.rows(), "x", analytic.cols()));
  const auto at_start = static_cast<long double>(loss());
  GradientComparison comparison;
  for (Eigen::Index k = 0; k < values.size(); ++k) {
    // Column-major flat indexing, the layout of every gan buffer.
    auto& value = values(k % values.rows(), k / values.rows());
    const auto entry = detail::differences(
        value, static_cast<double>(analytic(k % values.rows(), k / values.rows())), at_start,
        options.relative_step, loss);
    detail::record(comparison, static_cast<std::size_t>(k), entry, options.absolute_tolerance,
                   options.relative_tolerance);
  }
  detail::finish(comparison, options);
  return comparison;
}

template <typename Architecture, typename Scalar>
GradientCheckReport gradient_check(const Network<Architecture, Scalar>& network,
                                   const GradientCheckOptions<Scalar>& options) {
  using Net = Network<Architecture, Scalar>;
  if (options.batch_size == 0)
    throw std::invalid_argument("gradient_check: expected a batch size of at least 1, got 0");
  Rng rng(options.seed);
  const Matrix<Scalar> input =
      random_input<Scalar>(static_cast<Eigen::Index>(Net::input_size),
                           static_cast<Eigen::Index>(options.batch_size), rng);
  return gradient_check_at(network, input, options);
}

template <typename Architecture, typename Scalar>
GradientCheckReport gradient_check_at(const Network<Architecture, Scalar>& network,
                                      const Matrix<Scalar>& input,
                                      const GradientCheckOptions<Scalar>& options) {
  using Net = Network<Architecture, Scalar>;
  if (input.rows() != static_cast<Eigen::Index>(Net::input_size) || input.cols() == 0)
    throw std::invalid_argument(message("gradient_check_at: expected an input of ", Net::input_size,
                                        " rows and at least one column, got ", input.rows(), "x",
                                        input.cols()));

  // R comes from its own stream (seed + 1), so it is the same whether the input was drawn
  // or given.
  Rng rng(options.seed + 1);
  Matrix<Scalar> weights(static_cast<Eigen::Index>(Net::output_size), input.cols());
  for (Eigen::Index i = 0; i < weights.size(); ++i)
    weights(i) = static_cast<Scalar>(rng.uniform(-1.0, 1.0));

  Net net = network;  // the caller's network, parameters and gradients stay as they were
  typename Net::Activations pass;
  Matrix<Scalar> probe = input;
  const auto loss = [&]() {
    const Matrix<Scalar>& output = net.forward(probe, pass, options.mode);
    long double sum = 0;
    for (Eigen::Index i = 0; i < output.size(); ++i)
      sum += static_cast<long double>(output(i)) * static_cast<long double>(weights(i));
    return sum;
  };

  // dL/d(output) = R, so one backward pass gives both analytic gradients.
  net.zero_gradients();
  net.forward(probe, pass, options.mode);
  net.backward(weights, pass, Backprop::parameters_and_input);
  const Vector<Scalar> parameter_gradient = net.gradients();
  const Matrix<Scalar> input_gradient = pass.input_gradient();

  GradientCheckReport report;
  report.seed = options.seed;
  report.parameters =
      compare_with_finite_differences(net.parameters(), parameter_gradient, loss, options);
  report.input = compare_with_finite_differences(probe, input_gradient, loss, options);
  return report;
}

template <typename Loss, typename Scalar>
LossGradientCheckReport loss_gradient_check(
    const Matrix<Scalar>& real_logits, const Matrix<Scalar>& fake_logits,
    const GradientCheckOptions<Scalar>& options) requires LossPolicy<Loss, Scalar> {
  Matrix<Scalar> real = real_logits;
  Matrix<Scalar> fake = fake_logits;
  Matrix<Scalar> real_gradient;
  Matrix<Scalar> fake_gradient;
  Matrix<Scalar> generator_gradient;
  // A loss whose G side reads D's outputs on real data (the relativistic one) gets them.
  const auto generator_loss_into = [&](Matrix<Scalar>& gradient) {
    if constexpr (gan::detail::GeneratorUsesRealLogits<Loss>)
      return Loss::generator_loss(real, fake, gradient);
    else
      return Loss::generator_loss(fake, gradient);
  };
  Loss::discriminator_loss(real, fake, real_gradient, fake_gradient);
  generator_loss_into(generator_gradient);

  // The loss functions below write their gradients into scratch matrices, never into the
  // analytic ones being checked.
  Matrix<Scalar> scratch_real;
  Matrix<Scalar> scratch_fake;
  const auto discriminator_loss = [&] {
    return Loss::discriminator_loss(real, fake, scratch_real, scratch_fake);
  };
  const auto generator_loss = [&] { return generator_loss_into(scratch_fake); };

  LossGradientCheckReport report;
  report.discriminator_real =
      compare_with_finite_differences(real, real_gradient, discriminator_loss, options);
  report.discriminator_fake =
      compare_with_finite_differences(fake, fake_gradient, discriminator_loss, options);
  report.generator =
      compare_with_finite_differences(fake, generator_gradient, generator_loss, options);
  return report;
}

template <typename Loss, typename Scalar>
LossGradientCheckReport loss_gradient_check(const GradientCheckOptions<Scalar>& options) requires
    LossPolicy<Loss, Scalar> {
  if (options.batch_size == 0)
    throw std::invalid_argument("loss_gradient_check: expected a batch size of at least 1, got 0");
  Rng rng(options.seed);
  const auto batch = static_cast<Eigen::Index>(options.batch_size);
  Matrix<Scalar> real(1, batch);
  Matrix<Scalar> fake(1, batch);
  for (Eigen::Index i = 0; i < batch; ++i) real(i) = static_cast<Scalar>(rng.uniform(-4.0, 4.0));
  for (Eigen::Index j = 0; j < batch; ++j) fake(j) = static_cast<Scalar>(rng.uniform(-4.0, 4.0));
  return loss_gradient_check<Loss, Scalar>(real, fake, options);
}

}  // namespace gan::testing
