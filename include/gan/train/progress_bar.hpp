// SPDX-License-Identifier: MIT
// A progress bar with an estimate of the time left, for long runs watched in a terminal.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <ostream>
#include <streambuf>
#include <string>
#include <string_view>

namespace gan {

/// "1h 02m", "3m 07s", "42s": a duration for a person, to the second below an hour.
inline std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "--";
  const auto total = static_cast<std::uint64_t>(std::llround(seconds));
  char text[48];
  if (total >= 3600)
    std::snprintf(text, sizeof text, "%lluh %02llum", static_cast<unsigned long long>(total / 3600),
                  static_cast<unsigned long long>(total % 3600 / 60));
  else if (total >= 60)
    std::snprintf(text, sizeof text, "%llum %02llus", static_cast<unsigned long long>(total / 60),
                  static_cast<unsigned long long>(total % 60));
  else
    std::snprintf(text, sizeof text, "%llus", static_cast<unsigned long long>(total));
  return text;
}

/// A one-line bar redrawn in place on a terminal:
///   epoch 12/60 [#########-----------]  46%  1m 02s elapsed  ETA 1m 23s
///
/// The caller reports how far the run is with update(done, total), in any unit (the MNIST
/// examples count batches, so that the estimate holds across epochs and for any k). The time
/// left is the time taken so far per unit done since the bar was made, times the units left:
/// it includes everything the run does between updates (checkpoints, quality evaluations), and
/// a resumed run estimates from its own pace, not from the units done before it started.
///
/// Other output to the same stream while the bar is shown (progress lines, messages) appears
/// above it: the bar puts a filter in front of the stream's buffer that erases the bar before
/// anything else is written, and the next update() draws it again below. The destructor erases
/// the bar and puts the stream's own buffer back, so an error message printed after a failure
/// starts on a clean line.
///
/// Only for a terminal: the bar rewrites its line with a carriage return and the ANSI "erase
/// to end of line" sequence, which in a file or a pipe would be noise. Callers decide (the
/// examples draw it when standard output is a terminal, see isatty(3)).
class ProgressBar {
 public:
  using Clock = std::chrono::steady_clock;

  /// @param terminal       the stream the bar is drawn on; it must outlive the bar
  /// @param redraw_seconds the bar is redrawn at most this often (a redraw costs a write)
  /// @param columns        the terminal's width, or 0 if unknown: a line as wide would wrap,
  ///                       and each redraw would then leave a fragment behind, so the bar
  ///                       gives up the elapsed time, then bar width, then characters to fit
  explicit ProgressBar(std::ostream& terminal, double redraw_seconds = 0.2,
                       std::size_t columns = 0)
      : terminal_(&terminal),
        target_(terminal.rdbuf()),
        filter_(*this),
        redraw_interval_(redraw_seconds),
        columns_(columns) {
    terminal_->rdbuf(&filter_);
  }
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  ~ProgressBar() {
    erase();
    terminal_->rdbuf(target_);
  }

  /// Records that `done` of `total` units are complete, and redraws the bar if it is not
  /// shown or was last drawn more than the redraw interval ago. `label` starts the line.
  void update(std::uint64_t done, std::uint64_t total, std::string_view label = {},
              Clock::time_point now = Clock::now()) {
    if (!started_) {
      started_ = true;
      start_time_ = now;
      start_done_ = done;
    }
    if (drawn_ && now - last_draw_ < redraw_interval_) return;
    draw(line(done, total, label, now));
    last_draw_ = now;
  }

  /// The text of the bar for these values, as update() would draw it (without the carriage
  /// return and erase sequence), narrower than the terminal when its width is known.
  std::string line(std::uint64_t done, std::uint64_t total, std::string_view label,
                   Clock::time_point now) const {
    const double fraction =
        total == 0 ? 1.0 : std::min(1.0, static_cast<double>(done) / static_cast<double>(total));
    const auto compose = [&](std::size_t width, bool with_elapsed) {
      const auto filled = static_cast<std::size_t>(fraction * static_cast<double>(width));
      std::string text(label);
      if (!text.empty()) text += ' ';
      text += '[';
      text.append(filled, '#');
      text.append(width - filled, '-');
      char numbers[96];
      std::snprintf(numbers, sizeof numbers, "] %3d%%", static_cast<int>(fraction * 100));
      text += numbers;
      if (with_elapsed) text += "  " + format_duration(elapsed(now)) + " elapsed";
      text += "  ETA " + format_duration(seconds_left(done, total, now));
      return text;
    };
    constexpr std::size_t kWidth = 20, kNarrowest = 5;
    std::string text = compose(kWidth, true);
    // The last column stays free: writing into it wraps on some terminals.
    if (columns_ == 0 || text.size() < columns_) return text;
    text = compose(kWidth, false);
    if (text.size() >= columns_) {
      const std::size_t excess = text.size() - columns_ + 1;
      text = compose(excess <= kWidth - kNarrowest ? kWidth - excess : kNarrowest, false);
    }
    if (text.size() >= columns_) text.resize(columns_ > 1 ? columns_ - 1 : 0);
    return text;
  }

  /// Seconds until `total`, from the pace since the first update(); infinity until a unit is
  /// done (shown as "--").
  double seconds_left(std::uint64_t done, std::uint64_t total, Clock::time_point now) const {
    if (done >= total) return 0;
    if (!started_ || done <= start_done_) return HUGE_VAL;
    const double per_unit = elapsed(now) / static_cast<double>(done - start_done_);
    return per_unit * static_cast<double>(total - done);
  }

 private:
  // Passes everything on to the stream's own buffer, first erasing the bar if it is shown.
  class EraseFirst : public std::streambuf {
   public:
    explicit EraseFirst(ProgressBar& bar) : bar_(&bar) {}

   protected:
    int_type overflow(int_type c) override {
      if (traits_type::eq_int_type(c, traits_type::eof())) return traits_type::not_eof(c);
      bar_->erase();
      return bar_->target_->sputc(traits_type::to_char_type(c));
    }
    std::streamsize xsputn(const char* text, std::streamsize count) override {
      bar_->erase();
      return bar_->target_->sputn(text, count);
    }
    int sync() override { return bar_->target_->pubsync(); }

   private:
    ProgressBar* bar_;
  };

  double elapsed(Clock::time_point now) const {
    return started_ ? std::chrono::duration<double>(now - start_time_).count() : 0.0;
  }

  void draw(const std::string& text) {
    const std::string out = "\r" + text + "\x1b[K";
    target_->sputn(out.data(), static_cast<std::streamsize>(out.size()));
    target_->pubsync();
    drawn_ = true;
  }

  void erase() {
    if (!drawn_) return;
    static constexpr std::string_view kErase = "\r\x1b[K";
    target_->sputn(kErase.data(), static_cast<std::streamsize>(kErase.size()));
    drawn_ = false;
  }

  std::ostream* terminal_;
  std::streambuf* target_;
  EraseFirst filter_;
  std::chrono::duration<double> redraw_interval_;
  std::size_t columns_;
  bool started_ = false;
  bool drawn_ = false;
  Clock::time_point start_time_{};
  Clock::time_point last_draw_{};
  std::uint64_t start_done_ = 0;
};

}  // namespace gan
