// SPDX-License-Identifier: MIT
// gan::ProgressBar: what it draws, its estimate of the time left, and how other output to the
// same stream gets past it.
#define BOOST_TEST_MODULE train_progress_bar
#include <boost/test/unit_test.hpp>

#include <gan/train/progress_bar.hpp>

#include <chrono>
#include <cmath>
#include <sstream>
#include <string>

namespace {

using Clock = gan::ProgressBar::Clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

const Clock::time_point t0 = Clock::now();

}  // namespace

BOOST_AUTO_TEST_SUITE(progress_bar)

BOOST_AUTO_TEST_CASE(durations_read_as_a_person_would_say_them) {
  BOOST_TEST(gan::format_duration(0) == "0s");
  BOOST_TEST(gan::format_duration(42.4) == "42s");
  BOOST_TEST(gan::format_duration(187) == "3m 07s");
  BOOST_TEST(gan::format_duration(3725) == "1h 02m");
  BOOST_TEST(gan::format_duration(HUGE_VAL) == "--");
  BOOST_TEST(gan::format_duration(-1) == "--");
  BOOST_TEST(gan::format_duration(std::nan("")) == "--");
}

BOOST_AUTO_TEST_CASE(the_time_left_follows_the_pace_since_the_first_update) {
  std::ostringstream out;
  gan::ProgressBar bar(out);
  // A resumed run: 100 of 1000 units were done before it started; they do not count.
  bar.update(100, 1000, "", t0);
  BOOST_TEST(std::isinf(bar.seconds_left(100, 1000, t0 + seconds(5))));
  // 50 units in 10 s: 850 left take 170 s.
  BOOST_TEST(bar.seconds_left(150, 1000, t0 + seconds(10)) == 170.0);
  BOOST_TEST(bar.seconds_left(1000, 1000, t0 + seconds(99)) == 0.0);
  BOOST_TEST(bar.line(150, 1000, "epoch 2/10", t0 + seconds(10)) ==
             "epoch 2/10 [###-----------------]  15%  10s elapsed  ETA 2m 50s");
  BOOST_TEST(bar.line(1000, 1000, "", t0 + seconds(75)) ==
             "[####################] 100%  1m 15s elapsed  ETA 0s");
}

BOOST_AUTO_TEST_CASE(a_narrow_terminal_gets_a_line_that_does_not_wrap) {
  std::ostringstream out;
  const auto at = t0 + seconds(10);
  // 80 columns: everything fits.
  gan::ProgressBar wide(out, 0.2, 80);
  wide.update(100, 1000, "", t0);
  BOOST_TEST(wide.line(150, 1000, "epoch 2/10", at) ==
             "epoch 2/10 [###-----------------]  15%  10s elapsed  ETA 2m 50s");
  // 51: the elapsed time goes first (the line then takes 50, leaving the last column free).
  gan::ProgressBar medium(out, 0.2, 51);
  medium.update(100, 1000, "", t0);
  BOOST_TEST(medium.line(150, 1000, "epoch 2/10", at) ==
             "epoch 2/10 [###-----------------]  15%  ETA 2m 50s");
  // 40: then bar width.
  gan::ProgressBar narrow(out, 0.2, 40);
  narrow.update(100, 1000, "", t0);
  const std::string line = narrow.line(150, 1000, "epoch 2/10", at);
  BOOST_TEST(line == "epoch 2/10 [#--------]  15%  ETA 2m 50s");
  BOOST_TEST(line.size() < 40u);
  // 20: then characters.
  gan::ProgressBar tiny(out, 0.2, 20);
  BOOST_TEST(tiny.line(150, 1000, "epoch 2/10", at).size() == 19u);
}

BOOST_AUTO_TEST_CASE(the_bar_is_redrawn_in_place_at_most_once_per_interval) {
  std::ostringstream out;
  {
    gan::ProgressBar bar(out, 1.0);
    bar.update(0, 10, "run", t0);
    bar.update(1, 10, "run", t0 + milliseconds(500));  // too soon: not drawn
    bar.update(2, 10, "run", t0 + milliseconds(1500));
    BOOST_TEST(out.str() == "\r" + bar.line(0, 10, "run", t0) + "\x1b[K" + "\r" +
                                bar.line(2, 10, "run", t0 + milliseconds(1500)) + "\x1b[K");
  }
  // Gone with the bar, so that what follows starts on a clean line.
  BOOST_TEST(out.str().ends_with("\r\x1b[K"));
}

BOOST_AUTO_TEST_CASE(other_output_appears_above_the_bar_which_comes_back_below_it) {
  std::ostringstream out;
  std::streambuf* own = out.rdbuf();
  {
    gan::ProgressBar bar(out, 60.0);
    bar.update(1, 4, "", t0);
    const std::size_t drawn = out.str().size();
    out << "epoch 1 done" << std::endl;
    BOOST_TEST(out.str().substr(drawn) == "\r\x1b[Kepoch 1 done\n");
    // Not shown now, so drawn at once despite the interval.
    bar.update(2, 4, "", t0 + seconds(1));
    BOOST_TEST(out.str().ends_with(bar.line(2, 4, "", t0 + seconds(1)) + "\x1b[K"));
    out << 'x';
    BOOST_TEST(out.str().ends_with("\r\x1b[Kx"));
  }
  BOOST_TEST(out.rdbuf() == own);
  out << "after";
  BOOST_TEST(out.str().ends_with("xafter"));
}

BOOST_AUTO_TEST_SUITE_END()
