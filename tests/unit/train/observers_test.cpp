// SPDX-License-Identifier: MIT
// The ready-made observers: CsvLogger's rows, with and without a quality measurement, and
// ProgressPrinter's lines.
#define BOOST_TEST_MODULE train_observers
#include <boost/test/unit_test.hpp>

#include <gan/train/observers.hpp>

#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>

namespace {

gan::StepStats stats_of_step(std::uint64_t step) {
  gan::StepStats stats;
  stats.step = step;
  stats.discriminator_loss = 1.25;
  stats.generator_loss = 0.5;
  stats.real_score = 0.75;
  stats.fake_score = 0.25;
  stats.batch_size = 64;
  stats.discriminator_steps = 1;
  stats.seconds = 0.5;
  return stats;
}

gan::Quality measured(double inception_score) {
  gan::Quality quality;
  quality.frechet_distance = 41.5;
  quality.sample_count = 2000;
  quality.reference_count = 8000;
  quality.inception_score = inception_score;
  quality.class_entropy = inception_score == inception_score ? 0.875 : inception_score;
  quality.seconds = 0.25;
  return quality;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(observers)

BOOST_AUTO_TEST_CASE(the_csv_log_leaves_the_quality_columns_empty_between_measurements) {
  std::ostringstream out;
  gan::CsvLogger log(out);
  log(stats_of_step(1));
  gan::StepStats with_quality = stats_of_step(2);
  with_quality.quality = measured(6.5);
  log(with_quality);
  with_quality.step = 3;
  with_quality.quality = measured(std::numeric_limits<double>::quiet_NaN());
  log(with_quality);
  BOOST_TEST(out.str() == std::string(gan::CsvLogger::kHeader) +
                              "\n1,1.25,0.5,0.75,0.25,64,0.5,,,,,\n"
                              "2,1.25,0.5,0.75,0.25,64,0.5,41.5,2000,8000,6.5,0.875\n"
                              "3,1.25,0.5,0.75,0.25,64,0.5,41.5,2000,8000,,\n");
}

BOOST_AUTO_TEST_CASE(the_csv_log_can_continue_without_a_header) {
  std::ostringstream out;
  gan::CsvLogger log(out, false);
  log(stats_of_step(7));
  BOOST_TEST(out.str() == "7,1.25,0.5,0.75,0.25,64,0.5,,,,,\n");
}

BOOST_AUTO_TEST_CASE(progress_lines_come_at_the_interval_and_quality_lines_when_measured) {
  std::ostringstream out;
  gan::ProgressPrinter printer(out, 2, [] { return std::string("epoch 1/3"); });
  printer(stats_of_step(1));
  gan::StepStats with_quality = stats_of_step(2);
  with_quality.quality = measured(6.5);
  printer(with_quality);
  with_quality.step = 3;
  printer(with_quality);
  BOOST_TEST(out.str() ==
             "epoch 1/3  step 2  quality: FD 41.5 (2000 generated vs 8000 real)  IS 6.500  "
             "class entropy 0.875  (0.25 s)\n"
             "epoch 1/3  step 2  d_loss 1.2500  g_loss 0.5000  D(x) 0.750  D(G(z)) 0.250  "
             "128 img/s\n"
             "epoch 1/3  step 3  quality: FD 41.5 (2000 generated vs 8000 real)  IS 6.500  "
             "class entropy 0.875  (0.25 s)\n");
}

BOOST_AUTO_TEST_CASE(a_print_interval_of_zero_is_refused) {
  std::ostringstream out;
  BOOST_CHECK_THROW(gan::ProgressPrinter(out, 0), std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()
