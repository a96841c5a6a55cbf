// SPDX-License-Identifier: MIT
// The device training loop of docs/backends.md ("A training loop on the device"), as a test:
// if this stops compiling or running, the page is wrong.
#include <boost/test/unit_test.hpp>

#include <gan/device/backend.hpp>
#include <gan/gan.hpp>

#include <cmath>
#include <cstddef>
#include <cstdint>

BOOST_AUTO_TEST_SUITE(device_tour)

namespace {

using Generator = gan::Sequential<gan::Dense<8, 32>, gan::LeakyRelu, gan::Dense<32, 16>, gan::Tanh>;
using Discriminator = gan::Sequential<gan::Dense<16, 32>, gan::LeakyRelu, gan::Dense<32, 1>>;

// Stand-in for images: 200 samples of 16 values in [-1, 1].
gan::Matrix<float> samples() {
  gan::Rng rng(3);
  gan::Matrix<float> values(16, 200);
  for (Eigen::Index i = 0; i < values.size(); ++i)
    values.data()[i] = static_cast<float>(std::tanh(rng.normal()));
  return values;
}

}  // namespace

BOOST_AUTO_TEST_CASE(the_device_loop_of_the_docs_trains_and_samples) {
  // --- as in docs/backends.md ---
  using Device = gan::Device<float>;
  using Trainer = gan::AlternatingTrainer<Generator, Discriminator, gan::NonSaturatingLoss,
                                          gan::Adam, gan::StandardNormal, Device>;

  Trainer trainer(Trainer::Options{});
  // The samples go to the device once; each batch is gathered there.
  gan::data::Dataset<Device> data(samples(), 64, /*seed=*/1);
  for (std::uint64_t epoch = 0; epoch < 5; ++epoch)
    for (std::size_t batch = 0; batch < data.batches_per_epoch(); ++batch)
      trainer.step(data.batch(epoch, batch));  // a gan::device::Matrix<float>

  gan::Rng rng(7);
  const auto noise = Trainer::draw_noise(10, rng);  // on the device
  const gan::Matrix<float> images = Trainer::backend::matrix_to_host(trainer.generate(noise));
  // --- end ---

  BOOST_TEST(trainer.steps() == 15u);
  BOOST_TEST(images.rows() == 16);
  BOOST_TEST(images.cols() == 10);
  BOOST_TEST(images.allFinite());
  BOOST_TEST(images.cwiseAbs().maxCoeff() <= 1.0f);  // the generator ends in tanh
}

BOOST_AUTO_TEST_SUITE_END()
