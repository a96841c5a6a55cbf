// SPDX-License-Identifier: MIT
// Tests of the optional layer members a Network detects (nn/mode.hpp): a forward and backward
// mode, and running state outside the parameters. A toy layer stands in for batch norm, so
// that the mechanism is tested apart from any real layer's arithmetic.
#define BOOST_TEST_MODULE network_state
#include <boost/test/unit_test.hpp>

#include <gan/gan.hpp>

#include "support/layer_checks.hpp"
#include "support/temporary_files.hpp"
#include "support/trainer_fixtures.hpp"

#include <cstddef>
#include <string>

namespace {

using namespace gan::test_support;

/// Subtracts a per-feature mean: the batch's in training mode, which also moves a running
/// mean halfway towards it; the running mean in inference mode. Its running mean starts at
/// `Start` for every feature, so that two such layers are told apart by their state.
template <int Start>
struct CenterOnMean {
  template <typename InputShape>
  using output_shape = InputShape;

  std::string describe() const { return "CenterOnMean"; }

  template <typename Scalar, typename InputShape>
  class Layer {
   public:
    static constexpr std::size_t parameter_count = 0;
    static constexpr std::size_t state_count = InputShape::size;

    explicit Layer(const CenterOnMean&) {}
    void bind(Scalar*, Scalar*) {}
    void bind_state(Scalar* state) { running_mean_ = state; }
    void initialize(gan::Rng&) {
      for (std::size_t i = 0; i < state_count; ++i) running_mean_[i] = Scalar(Start);
    }

    void forward(const gan::Matrix<Scalar>& in, gan::Matrix<Scalar>& out, gan::Mode mode) const {
      gan::VectorMap<Scalar> running(running_mean_, state_count);
      if (mode == gan::Mode::training) {
        const gan::Vector<Scalar> mean = in.rowwise().mean();
        out = in.colwise() - mean;
        running = Scalar(0.5) * running + Scalar(0.5) * mean;
      } else {
        out = in.colwise() - gan::Vector<Scalar>(running);
      }
    }

    void backward(const gan::Matrix<Scalar>&, const gan::Matrix<Scalar>&,
                  const gan::Matrix<Scalar>& grad_out, gan::Matrix<Scalar>* grad_in, bool,
                  gan::Mode mode) {
      if (grad_in == nullptr) return;
      if (mode == gan::Mode::training)
        *grad_in = grad_out.colwise() - gan::Vector<Scalar>(grad_out.rowwise().mean());
      else
        *grad_in = grad_out;
    }

   private:
    Scalar* running_mean_ = nullptr;
  };
};

using Stateful = gan::Sequential<gan::Dense<2, 3>, CenterOnMean<1>, gan::Tanh, gan::Dense<3, 2>,
                                 CenterOnMean<2>>;
using Net = gan::Network<Stateful, double>;

gan::Matrix<double> batch(double shift) {
  gan::Matrix<double> input(2, 3);
  input << 0.1, 0.5, -0.3, 0.7, -0.2, 0.4;
  return input.array() + shift;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(network_state)

BOOST_AUTO_TEST_CASE(state_is_laid_out_in_layer_order_and_initialised) {
  static_assert(Net::state_count == 3 + 2);
  static_assert(gan::Network<Discriminator, double>::state_count == 0);
  const Net net = initialized<Net>(1);
  const gan::Vector<double> expected = (gan::Vector<double>(5) << 1, 1, 1, 2, 2).finished();
  BOOST_TEST(gan::Vector<double>(net.state()) == expected);
}

BOOST_AUTO_TEST_CASE(training_passes_update_the_state_and_inference_passes_do_not) {
  Net net = initialized<Net>(2);
  const gan::Vector<double> initial = net.state();
  const gan::Matrix<double> input = batch(0);
  Net::Activations pass;

  const gan::Matrix<double> inferred = net.forward(input, pass, gan::Mode::inference);
  BOOST_TEST((pass.mode() == gan::Mode::inference));
  BOOST_TEST(gan::Vector<double>(net.state()) == initial);

  const gan::Matrix<double> trained = net.forward(input, pass);
  BOOST_TEST((pass.mode() == gan::Mode::training));
  BOOST_TEST(gan::Vector<double>(net.state()) != initial);
  // Training mode centres the output on the batch mean.
  BOOST_TEST(trained.rowwise().mean().norm() < 1e-12);
  BOOST_TEST(!inferred.isApprox(trained));
  // The first layer's running mean moved halfway towards the input's mean of its features.
  const gan::Vector<double> first_input_mean = (net.layer<0>().weights() * input).rowwise().mean() +
                                               gan::Vector<double>(net.layer<0>().bias());
  for (Eigen::Index i = 0; i < 3; ++i)
    BOOST_TEST(net.state()(i) == 0.5 * 1 + 0.5 * first_input_mean(i),
               boost::test_tools::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(backward_runs_in_the_mode_of_its_forward_pass) {
  Net net = initialized<Net>(3);
  const gan::Matrix<double> input = batch(0.2);
  const gan::Matrix<double> upstream = gan::Matrix<double>::Ones(2, 3);
  Net::Activations pass;
  // A constant output gradient is removed entirely by the training-mode centring of the last
  // layer, and passes unchanged through its inference mode.
  net.forward(input, pass, gan::Mode::training);
  net.backward(upstream, pass, gan::Backprop::input_only);
  BOOST_TEST(pass.input_gradient().norm() < 1e-12);
  net.forward(input, pass, gan::Mode::inference);
  net.backward(upstream, pass, gan::Backprop::input_only);
  BOOST_TEST(pass.input_gradient().norm() > 1e-3);
}

BOOST_AUTO_TEST_CASE(copies_own_their_state) {
  Net original = initialized<Net>(4);
  Net copy = original;
  const gan::Matrix<double> input = batch(1);
  copy.forward(input);
  BOOST_TEST(gan::Vector<double>(copy.state()) != gan::Vector<double>(original.state()));
  // The copy's layers write to the copy's state: assignment rebinds them too.
  Net assigned = initialized<Net>(5);
  assigned = original;
  assigned.forward(input);
  BOOST_TEST(gan::Vector<double>(assigned.state()) == gan::Vector<double>(copy.state()));
}

BOOST_AUTO_TEST_CASE(gradients_match_finite_differences_in_both_modes) {
  for (const gan::Mode mode : {gan::Mode::training, gan::Mode::inference}) {
    BOOST_TEST_CONTEXT(gan::to_string(mode)) {
      const Net net = initialized<Net>(6);
      const auto report =
          gan::testing::gradient_check(net, {.seed = 6, .batch_size = 4, .mode = mode});
      BOOST_TEST(report.passed(), report.describe());
    }
  }
}

BOOST_AUTO_TEST_CASE(trainer_samples_in_inference_mode_and_checkpoints_the_state) {
  using G = gan::Sequential<gan::Dense<3, 4>, CenterOnMean<1>, gan::Dense<4, 2>>;
  using D = gan::Sequential<gan::Dense<2, 4>, CenterOnMean<3>, gan::LeakyRelu, gan::Dense<4, 1>>;
  using Trainer =
      gan::AlternatingTrainer<G, D, gan::NonSaturatingLoss, gan::Adam, gan::StandardNormal, double>;
  auto options = options_with<Trainer>(7);
  options.generator_average_decay = 0.5;
  Trainer trainer(options);
  for (std::uint64_t step = 0; step < 3; ++step) trainer.step(real_batch<double>(step, 2, 5));

  // Sampling leaves every state alone.
  const gan::Vector<double> generator_state = trainer.generator().state();
  const gan::Vector<double> discriminator_state = trainer.discriminator().state();
  gan::Rng rng(1);
  const gan::Matrix<double> noise = Trainer::draw_noise(4, rng);
  trainer.generate(noise);
  trainer.generate_averaged(noise);
  trainer.discriminate(real_batch<double>(9, 2, 4));
  BOOST_TEST(gan::Vector<double>(trainer.generator().state()) == generator_state);
  BOOST_TEST(gan::Vector<double>(trainer.discriminator().state()) == discriminator_state);
  // The average's state follows the generator's.
  BOOST_TEST(gan::Vector<double>(trainer.averaged_generator().state()) != generator_state);

  TemporaryDirectory dir;
  trainer.save_checkpoint(dir.path() / "a.ckpt");
  auto other_seed = options;
  other_seed.seed = 8;
  Trainer loaded(other_seed);
  loaded.load_checkpoint(dir.path() / "a.ckpt");
  BOOST_TEST(gan::Vector<double>(loaded.generator().state()) == generator_state);
  BOOST_TEST(gan::Vector<double>(loaded.discriminator().state()) == discriminator_state);
  // Training on continues identically, state included.
  for (std::uint64_t step = 3; step < 5; ++step) {
    const gan::Matrix<double> real = real_batch<double>(step, 2, 5);
    const gan::StepStats expected = trainer.step(real);
    const gan::StepStats found = loaded.step(real);
    BOOST_TEST(found.discriminator_loss == expected.discriminator_loss);
    BOOST_TEST(found.generator_loss == expected.generator_loss);
  }
  BOOST_TEST(gan::Vector<double>(loaded.discriminator().state()) ==
             gan::Vector<double>(trainer.discriminator().state()));
  BOOST_TEST(gan::Vector<double>(loaded.averaged_generator().state()) ==
             gan::Vector<double>(trainer.averaged_generator().state()));
}

BOOST_AUTO_TEST_SUITE_END()
