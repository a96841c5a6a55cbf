// SPDX-License-Identifier: MIT
// Tests of gan/report/training_report.hpp: the page's content, escaping, bounded size, values
// that are not finite, grid thinning, rebuilding from a CSV log, and atomic writing.
#define BOOST_TEST_MODULE report_training_report
#include <boost/test/unit_test.hpp>

#include <gan/report/training_report.hpp>
#include <gan/train/observers.hpp>

#include "support/expected_errors.hpp"
#include "support/temporary_files.hpp"

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <limits>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using namespace gan::test_support;

gan::StepStats step_stats(std::uint64_t step, double d_loss, double g_loss, double real,
                          double fake) {
  gan::StepStats stats;
  stats.step = step;
  stats.discriminator_loss = d_loss;
  stats.generator_loss = g_loss;
  stats.real_score = real;
  stats.fake_score = fake;
  return stats;
}

/// A healthy-looking step: losses near log 4 and log 2, scores near 1/2.
gan::StepStats ordinary_step(std::uint64_t step) {
  const double wave = std::sin(0.05 * static_cast<double>(step));
  return step_stats(step, 1.38 + 0.1 * wave, 0.69 - 0.1 * wave, 0.5 + 0.05 * wave,
                    0.45 - 0.05 * wave);
}

gan::Quality quality(double distance, std::size_t samples) {
  gan::Quality q;
  q.frechet_distance = distance;
  q.sample_count = samples;
  q.reference_count = 10000;
  q.inception_score = 7.5;
  q.class_entropy = 0.97;
  return q;
}

std::size_t count(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (std::size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

/// Every number in the points/coordinates of the page's SVG, which must all be finite.
void check_svg_numbers_are_finite(const std::string& html) {
  const std::regex attribute(R"re((points|cx|cy|x|y|x1|x2|y1|y2)="([^"]*)")re");
  for (auto it = std::sregex_iterator(html.begin(), html.end(), attribute);
       it != std::sregex_iterator(); ++it) {
    const std::string value = (*it)[2];
    BOOST_TEST(value.find("nan") == std::string::npos, (*it)[0]);
    BOOST_TEST(value.find("inf") == std::string::npos, (*it)[0]);
  }
}

gan::Matrix<float> gray_images(std::size_t n) {
  return gan::Matrix<float>::Constant(4 * 4, static_cast<Eigen::Index>(n), 0.25f);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(step_series)

BOOST_AUTO_TEST_CASE(buckets_merge_in_pairs_and_keep_exact_summaries) {
  gan::StepSeries series(4);
  for (std::uint64_t step = 1; step <= 10; ++step) series.add(step, static_cast<double>(step));
  // 10 steps in at most 4 buckets: width 4 (1-4, 5-8, 9-10).
  BOOST_TEST(series.width() == 4u);
  BOOST_REQUIRE(series.buckets().size() == 3u);
  const auto& first = series.buckets()[0];
  BOOST_TEST(first.count == 4u);
  BOOST_TEST(first.mean() == 2.5);
  BOOST_TEST(first.min == 1.0);
  BOOST_TEST(first.max == 4.0);
  BOOST_TEST(series.buckets()[2].first_step == 9u);
  BOOST_TEST(series.buckets()[2].last_step == 10u);
  BOOST_TEST(series.values() == 10u);
}

BOOST_AUTO_TEST_CASE(values_that_are_not_finite_are_counted_and_skipped) {
  gan::StepSeries series(8);
  series.add(1, 1.0);
  series.add(2, std::numeric_limits<double>::quiet_NaN());
  series.add(3, std::numeric_limits<double>::infinity());
  series.add(4, 3.0);
  BOOST_TEST(series.values() == 2u);
  BOOST_TEST(series.skipped() == 2u);
  BOOST_TEST(series.latest()->second == 3.0);
  for (const auto& bucket : series.buckets())
    if (bucket.count) BOOST_TEST(std::isfinite(bucket.mean()));
}

BOOST_AUTO_TEST_CASE(a_million_steps_stay_within_the_capacity) {
  gan::StepSeries series(100);
  for (std::uint64_t step = 1; step <= 1'000'000; ++step) series.add(step, 1.0);
  BOOST_TEST(series.buckets().size() <= 100u);
  BOOST_TEST(series.values() == 1'000'000u);
  BOOST_TEST(series.buckets().back().last_step == 1'000'000u);
}

BOOST_AUTO_TEST_CASE(a_capacity_below_two_is_refused) {
  check_throws<std::invalid_argument>([] { gan::StepSeries series(1); }, {"got 1"});
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(training_report)

BOOST_AUTO_TEST_CASE(an_empty_report_is_a_whole_page_that_says_so) {
  const gan::TrainingReport report("empty run");
  const std::string html = report.html();
  BOOST_TEST(html.starts_with("<!DOCTYPE html>"));
  BOOST_TEST(html.ends_with("</html>\n"));
  BOOST_TEST(html.find("No steps recorded yet.") != std::string::npos);
  BOOST_TEST(html.find("No sample grids yet.") != std::string::npos);
  BOOST_TEST(count(html, "no values yet") == 3u);  // losses, scores, Fréchet distance
  check_svg_numbers_are_finite(html);
}

BOOST_AUTO_TEST_CASE(the_page_shows_curves_latest_values_and_the_distance_with_its_counts) {
  gan::TrainingReport report("mnist run", "batch 64\nlr 2e-4");
  for (std::uint64_t step = 1; step <= 500; ++step) {
    gan::StepStats stats = ordinary_step(step);
    if (step % 100 == 0) stats.quality = quality(100.0 / static_cast<double>(step), 5000);
    report(stats);
  }
  report.add_samples(500, "epoch 1", gray_images(4), 4, 4, 2);
  const std::string html = report.html();
  BOOST_TEST(html.find("<h1>mnist run</h1>") != std::string::npos);
  BOOST_TEST(html.find("batch 64\nlr 2e-4") != std::string::npos);
  BOOST_TEST(html.find("500 steps recorded") != std::string::npos);
  for (const char* id :
       {"chart-losses", "chart-scores", "chart-frechet", "chart-inception", "chart-entropy"})
    BOOST_TEST(html.find(std::string("id=\"") + id + "\"") != std::string::npos, id);
  BOOST_TEST(count(html, "<polyline class=\"mean\"") == 7u);
  // The latest distance, 0.2 at step 500, always with the counts it came from.
  BOOST_TEST(html.find("<td>0.2</td><td>step 500, from 5000 generated and 10000 real samples") !=
             std::string::npos);
  BOOST_TEST(html.find("No warning signs") != std::string::npos);
  BOOST_TEST(html.find("src=\"data:image/png;base64,iVBORw0KGgo") != std::string::npos);
  BOOST_TEST(html.find("step 500 · epoch 1") != std::string::npos);
  // Self-contained: nothing is fetched from anywhere.
  BOOST_TEST(html.find("http://") == html.find("http://www.w3.org/2000/svg"));
  BOOST_TEST(html.find("https://") == std::string::npos);
  BOOST_TEST(html.find("<script") == std::string::npos);
  check_svg_numbers_are_finite(html);
}

BOOST_AUTO_TEST_CASE(caller_text_is_escaped) {
  gan::TrainingReport report("<script>alert('x')</script>", "a & b \"quoted\" <i>");
  report(ordinary_step(1));
  report.add_samples(1, "<b>label</b>", gray_images(1), 4, 4, 1);
  const std::string html = report.html();
  BOOST_TEST(html.find("<script") == std::string::npos);
  BOOST_TEST(html.find("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;") != std::string::npos);
  BOOST_TEST(html.find("a &amp; b &quot;quoted&quot; &lt;i&gt;") != std::string::npos);
  BOOST_TEST(html.find("<b>label") == std::string::npos);
  BOOST_TEST(html.find("&lt;b&gt;label&lt;/b&gt;") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(nan_and_infinite_values_are_left_out_and_noted) {
  gan::TrainingReport report("diverging");
  report(ordinary_step(1));
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  report(step_stats(2, nan, inf, -inf, nan));
  gan::StepStats evaluated = ordinary_step(3);
  evaluated.quality = quality(nan, 100);
  report(evaluated);
  const std::string html = report.html();
  BOOST_TEST(html.find("4 loss or score values were NaN or infinite") != std::string::npos);
  check_svg_numbers_are_finite(html);
  // Only NaN and infinite values everywhere still make a valid page.
  gan::TrainingReport only_nan("nan");
  only_nan(step_stats(1, nan, nan, nan, inf));
  check_svg_numbers_are_finite(only_nan.html());
  BOOST_TEST(count(only_nan.html(), "no values yet") == 3u);
}

BOOST_AUTO_TEST_CASE(one_step_and_huge_values_make_finite_charts) {
  gan::TrainingReport report("one step");
  report(step_stats(1, 1e308, -1e308, 0.5, 0.5));
  const std::string html = report.html();
  check_svg_numbers_are_finite(html);
  BOOST_TEST(count(html, "<circle") == 4u);
}

BOOST_AUTO_TEST_CASE(the_page_stays_small_however_many_steps) {
  gan::TrainingReport report("long run", "", {.buckets = 100, .grids = 4});
  std::size_t size_at_100k = 0;
  for (std::uint64_t step = 1; step <= 2'000'000; ++step) {
    gan::StepStats stats = ordinary_step(step);
    if (step % 1000 == 0) stats.quality = quality(1e6 / static_cast<double>(step), 5000);
    report(stats);
    if (step == 100'000) size_at_100k = report.html().size();
  }
  const std::string html = report.html();
  BOOST_TEST(report.steps() == 2'000'000u);
  BOOST_TEST(html.size() < 150'000u);
  BOOST_TEST(html.size() < size_at_100k + 2'000u);  // no growth with the steps
  BOOST_TEST(html.find("2000000 steps recorded") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(discriminator_winning_outright_and_a_rising_distance_are_noted) {
  gan::TrainingReport report("collapsing");
  for (std::uint64_t step = 1; step <= 1000; ++step) {
    gan::StepStats stats = step_stats(step, 0.01, 6.0, 0.99, 0.01);
    if (step == 200) stats.quality = quality(40, 5000);
    if (step == 1000) stats.quality = quality(90, 2000);
    report(stats);
  }
  const std::string html = report.html();
  BOOST_TEST(html.find("the discriminator is winning outright") != std::string::npos);
  BOOST_TEST(html.find("The Fréchet distance rose to 90 at step 1000 from its best, 40 at step "
                       "200") != std::string::npos);
  BOOST_TEST(html.find("computed from 2000 to 5000 generated samples") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(grids_are_thinned_to_the_first_the_latest_and_an_even_spread) {
  gan::TrainingReport report("grids", "", {.buckets = 16, .grids = 5});
  for (std::uint64_t epoch = 1; epoch <= 100; ++epoch)
    report.add_samples(epoch * 10, "epoch " + std::to_string(epoch), gray_images(1), 4, 4, 1);
  BOOST_TEST(report.grids() == 5u);
  const std::string html = report.html();
  BOOST_TEST(count(html, "<img ") == 5u);
  BOOST_TEST(html.find("step 10 · epoch 1<") != std::string::npos);
  BOOST_TEST(html.find("step 1000 · epoch 100<") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(bytes_that_are_not_a_png_are_refused) {
  gan::TrainingReport report("bad grid");
  check_throws<std::invalid_argument>(
      [&] {
        report.add_samples(3, "x", std::vector<std::uint8_t>{1, 2, 3});
      },
      {"TrainingReport::add_samples", "got 3 bytes", "step 3"});
}

BOOST_AUTO_TEST_CASE(a_csv_log_rebuilds_the_curves_of_a_resumed_run) {
  std::ostringstream log;
  {
    gan::CsvLogger logger(log);
    for (std::uint64_t step = 1; step <= 300; ++step) logger(ordinary_step(step));
  }
  gan::TrainingReport direct("run"), rebuilt("run");
  for (std::uint64_t step = 1; step <= 300; ++step) direct(ordinary_step(step));
  std::istringstream in(log.str());
  BOOST_TEST(rebuilt.add_csv_log(in) == 300u);
  BOOST_TEST(rebuilt.steps() == 300u);
  // CsvLogger rounds to 9 digits, so compare at the page's 4.
  BOOST_TEST(rebuilt.html() == direct.html());
}

BOOST_AUTO_TEST_CASE(a_csv_log_with_quality_columns_restores_the_distance) {
  // Written by CsvLogger, so that the column names of the two cannot drift apart.
  std::ostringstream log;
  gan::CsvLogger logger(log);
  logger(ordinary_step(1));
  gan::StepStats measured = ordinary_step(2);
  measured.quality = gan::Quality{};
  measured.quality->frechet_distance = 12.5;
  measured.quality->sample_count = 5000;
  measured.quality->reference_count = 10000;
  logger(measured);
  std::istringstream in(log.str());
  gan::TrainingReport report("run");
  BOOST_TEST(report.add_csv_log(in) == 2u);
  BOOST_TEST(report.html().find("<td>12.5</td><td>step 2, from 5000 generated and 10000 real") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_malformed_csv_log_is_refused_with_its_line) {
  gan::TrainingReport report("run");
  std::istringstream no_column("step,discriminator_loss\n1,2\n");
  check_throws<gan::DataError>([&] { report.add_csv_log(no_column); },
                               {"TrainingReport::add_csv_log", "generator_loss"});
  std::istringstream bad_number(
      "step,discriminator_loss,generator_loss,real_score,fake_score\n1,1,1,0.5,0.5\n2,x,1,1,1\n");
  check_throws<gan::DataError>([&] { report.add_csv_log(bad_number); }, {"line 3", "'x'"});
  std::istringstream short_row(
      "step,discriminator_loss,generator_loss,real_score,fake_score\n1,1,1\n");
  check_throws<gan::DataError>([&] { report.add_csv_log(short_row); }, {"line 2"});
}

BOOST_AUTO_TEST_CASE(writing_replaces_the_file_whole_and_leaves_no_temporary) {
  const TemporaryDirectory dir;
  gan::TrainingReport report("written");
  report(ordinary_step(1));
  report.write(dir.path() / "report.html");
  report(ordinary_step(2));
  report.write(dir.path() / "report.html");
  const auto bytes = file_bytes(dir.path() / "report.html");
  BOOST_TEST(std::string(bytes.begin(), bytes.end()) == report.html());
  BOOST_TEST(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()) == 1);
}

BOOST_AUTO_TEST_CASE(a_failed_write_names_the_path_and_leaves_no_partial_file) {
  const TemporaryDirectory dir;
  gan::TrainingReport report("unwritable");
  report(ordinary_step(1));
  const fs::path missing_folder = dir.path() / "missing" / "report.html";
  check_throws<gan::Error>([&] { report.write(missing_folder); },
                           {"TrainingReport::write", missing_folder.string()});
  // A folder in the way: the rename fails after the temporary was written, and it goes.
  fs::create_directories(dir.path() / "taken" / "inside");
  check_throws<gan::Error>([&] { report.write(dir.path() / "taken"); },
                           {"TrainingReport::write", (dir.path() / "taken").string(), "rename"});
  BOOST_TEST(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()) == 1);
}

BOOST_AUTO_TEST_CASE(a_trainer_observer_through_std_ref_records_into_the_report) {
  gan::TrainingReport report("observer");
  const std::function<void(const gan::StepStats&)> observer = std::ref(report);
  observer(ordinary_step(1));
  observer(ordinary_step(2));
  BOOST_TEST(report.steps() == 2u);
}

BOOST_AUTO_TEST_SUITE_END()
