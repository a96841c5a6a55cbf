// SPDX-License-Identifier: MIT
// The code of docs/extending.md, compiled and checked, so that the guide stays true.
#define BOOST_TEST_MODULE extending_guide
#include <boost/test/unit_test.hpp>

#include <gan/gan.hpp>
#include <gan/testing/gradient_check.hpp>

#include <cmath>
#include <cstddef>
#include <string>

namespace {

// ---- docs/extending.md: "A custom architecture" ----
using MyGenerator = gan::Sequential<gan::Dense<32, 512>, gan::Relu,
                                    gan::Dense<512, 784>, gan::Tanh>;
using MyDiscriminator = gan::Sequential<gan::Dense<784, 256>, gan::LeakyRelu,
                                        gan::Dense<256, 1>>;

using MyTrainer = gan::AlternatingTrainer<MyGenerator, MyDiscriminator>;

// ---- docs/extending.md: "Spectral normalisation" ----
using SpectralDiscriminator =
    gan::Sequential<gan::SpectralNorm<gan::Dense<784, 256>>, gan::LeakyRelu,
                    gan::SpectralNorm<gan::Dense<256, 1>>>;
using SpectralTrainer = gan::AlternatingTrainer<MyGenerator, SpectralDiscriminator>;
static_assert(SpectralTrainer::latent_size == 32);

// ---- docs/extending.md: "A custom layer" ----
struct Softsign {
  template <typename InputShape>
  using output_shape = InputShape;  // keeps the shape, so no input_shape member

  std::string describe() const { return "Softsign"; }

  template <typename Scalar, typename InputShape>
  class Layer {
   public:
    static constexpr std::size_t parameter_count = 0;

    explicit Layer(const Softsign&) {}
    void bind(Scalar*, Scalar*) {}
    void initialize(gan::Rng&) {}

    void forward(const gan::Matrix<Scalar>& in, gan::Matrix<Scalar>& out) const {
      out = in.array() / (Scalar(1) + in.array().abs());
    }

    // f'(x) = 1 / (1 + |x|)^2
    void backward(const gan::Matrix<Scalar>& in, const gan::Matrix<Scalar>& /*out*/,
                  const gan::Matrix<Scalar>& grad_out, gan::Matrix<Scalar>* grad_in,
                  bool /*accumulate_parameter_gradients*/) const {
      if (grad_in == nullptr) return;
      *grad_in = grad_out.array() / (Scalar(1) + in.array().abs()).square();
    }
  };
};
static_assert(gan::LayerSpec<Softsign, gan::Shape<16>>);

// ---- docs/extending.md: "A custom loss policy" ----
struct SmoothedNonSaturatingLoss {
  static constexpr const char* name = "smoothed-non-saturating";
  static constexpr double kRealLabel = 0.9;

  template <typename Scalar>
  static double discriminator_loss(const gan::Matrix<Scalar>& real_logits,
                                   const gan::Matrix<Scalar>& fake_logits,
                                   gan::Matrix<Scalar>& real_gradient,
                                   gan::Matrix<Scalar>& fake_gradient) {
    using gan::logistic::sigmoid, gan::logistic::softplus;
    real_gradient.resize(1, real_logits.cols());
    fake_gradient.resize(1, fake_logits.cols());
    const double n_real = real_logits.size(), n_fake = fake_logits.size();
    double loss = 0;
    for (Eigen::Index i = 0; i < real_logits.size(); ++i) {
      const double r = real_logits(i);
      loss += (kRealLabel * softplus(-r) + (1 - kRealLabel) * softplus(r)) / n_real;
      real_gradient(i) = static_cast<Scalar>((sigmoid(r) - kRealLabel) / n_real);
    }
    for (Eigen::Index j = 0; j < fake_logits.size(); ++j) {
      const double f = fake_logits(j);
      loss += softplus(f) / n_fake;
      fake_gradient(j) = static_cast<Scalar>(sigmoid(f) / n_fake);
    }
    return loss;
  }

  template <typename Scalar>
  static double generator_loss(const gan::Matrix<Scalar>& fake_logits,
                               gan::Matrix<Scalar>& fake_gradient) {
    return gan::NonSaturatingLoss::generator_loss(fake_logits, fake_gradient);
  }

  template <typename Scalar>
  static double score(Scalar logit) {
    return gan::logistic::sigmoid(static_cast<double>(logit));
  }
};
static_assert(gan::LossPolicy<SmoothedNonSaturatingLoss, float>);

using SmoothedTrainer =
    gan::AlternatingTrainer<MyGenerator, MyDiscriminator, SmoothedNonSaturatingLoss>;

// A Softsign whose backward pass forgets the square in f'(x) = 1 / (1 + |x|)^2.
struct WrongSoftsign : Softsign {
  template <typename Scalar, typename InputShape>
  struct Layer : Softsign::Layer<Scalar, InputShape> {
    explicit Layer(const WrongSoftsign& spec) : Softsign::Layer<Scalar, InputShape>(spec) {}
    void backward(const gan::Matrix<Scalar>& in, const gan::Matrix<Scalar>&,
                  const gan::Matrix<Scalar>& grad_out, gan::Matrix<Scalar>* grad_in,
                  bool) const {
      if (grad_in != nullptr) *grad_in = grad_out.array() / (Scalar(1) + in.array().abs());
    }
  };
};

gan::Matrix<float> real_batch(std::size_t columns, std::uint64_t seed) {
  gan::Rng rng(seed);
  gan::Matrix<float> batch(784, static_cast<Eigen::Index>(columns));
  for (Eigen::Index i = 0; i < batch.size(); ++i) batch.data()[i] = float(rng.uniform(-1, 1));
  return batch;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(extending_guide)

BOOST_AUTO_TEST_CASE(custom_architecture_takes_layer_settings_and_trains) {
  MyDiscriminator discriminator{gan::Dense<784, 256>{}, gan::LeakyRelu{0.1},
                                gan::Dense<256, 1>{}};
  MyTrainer trainer(MyTrainer::Options{}, MyGenerator{}, discriminator);
  static_assert(MyTrainer::latent_size == 32);
  BOOST_TEST(trainer.discriminator().describe().find("LeakyReLU(0.1)") != std::string::npos);
  const auto batch = real_batch(8, 1);
  const gan::StepStats stats = trainer.step(batch);
  BOOST_TEST(std::isfinite(stats.discriminator_loss));
  BOOST_TEST(std::isfinite(stats.generator_loss));
}

BOOST_AUTO_TEST_CASE(softsign_layer_passes_the_gradient_check) {
  gan::Network<gan::Sequential<gan::Dense<8, 16>, Softsign, gan::Dense<16, 4>>, double> net;
  gan::Rng rng(3);
  net.initialize(rng);
  const gan::testing::GradientCheckReport report = gan::testing::gradient_check(net);
  BOOST_TEST(report.passed(), report.describe());
}

BOOST_AUTO_TEST_CASE(softsign_layer_with_a_wrong_derivative_fails_the_gradient_check) {
  // The same check must catch a mistake, or passing it above would mean nothing.
  gan::Network<gan::Sequential<gan::Dense<8, 16>, WrongSoftsign, gan::Dense<16, 4>>, double> net;
  gan::Rng rng(3);
  net.initialize(rng);
  BOOST_TEST(!gan::testing::gradient_check(net).passed());
}

BOOST_AUTO_TEST_CASE(smoothed_loss_gradients_match_finite_differences) {
  const auto report = gan::testing::loss_gradient_check<SmoothedNonSaturatingLoss, double>();
  BOOST_TEST(report.passed(), report.describe());
}

BOOST_AUTO_TEST_CASE(smoothed_loss_has_its_closed_form_at_extreme_logits) {
  // One real logit of 110: 0.9 softplus(-110) + 0.1 softplus(110) = 11 (to double precision);
  // one fake logit of -110: softplus(-110) ~ 0.
  gan::Matrix<double> real(1, 1), fake(1, 1), real_gradient, fake_gradient;
  real(0) = 110;
  fake(0) = -110;
  const double loss =
      SmoothedNonSaturatingLoss::discriminator_loss(real, fake, real_gradient, fake_gradient);
  BOOST_TEST(loss == 11.0, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(real_gradient(0) == 0.1, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(std::fabs(fake_gradient(0)) < 1e-40);
}

BOOST_AUTO_TEST_CASE(trainer_with_the_custom_loss_records_its_name_in_checkpoints) {
  SmoothedTrainer trainer(SmoothedTrainer::Options{});
  const auto batch = real_batch(4, 2);
  trainer.step(batch);
  const auto path = std::filesystem::temp_directory_path() / "gan_extending_guide.gan";
  trainer.save_checkpoint(path);
  BOOST_TEST(gan::CheckpointReader(path).get_text("loss") == "smoothed-non-saturating");
  std::filesystem::remove(path);
}

BOOST_AUTO_TEST_SUITE_END()
