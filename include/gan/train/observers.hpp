// SPDX-License-Identifier: MIT
// Ready-made observers for AlternatingTrainer::add_observer: a progress line and a CSV log.
#pragma once

#include <gan/core/error.hpp>
#include <gan/train/step_stats.hpp>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <utility>

namespace gan {

/// Writes one greppable line every `every` steps to a stream the caller chooses:
///   epoch 3/60  step 1200  d_loss 1.2034  g_loss 0.8817  D(x) 0.571  D(G(z)) 0.402  4100 img/s
/// Losses and scores are those of the step printed; the speed is real images trained per
/// second since the previous line (k discriminator steps use k real batches per step). The
/// optional `context` function supplies the start of the line ("epoch 3/60" above), since only
/// the caller knows how steps map to epochs.
class ProgressPrinter {
 public:
  /// @param out     where lines go (the library itself never writes to std::cout)
  /// @param every   print every this many steps; must be at least 1
  /// @param context called for each line; its text starts the line when not empty
  ProgressPrinter(std::ostream& out, std::uint64_t every, std::function<std::string()> context = {})
      : out_(&out), every_(every), context_(std::move(context)) {
    if (every == 0)
      throw std::invalid_argument(
          "ProgressPrinter: expected a print interval of at least 1, got 0");
  }

  void operator()(const StepStats& stats) {
    images_ += static_cast<double>(stats.batch_size * stats.discriminator_steps);
    seconds_ += stats.seconds;
    if (stats.quality) print_quality(stats);
    if (stats.step % every_ != 0) return;
    char line[256];
    std::snprintf(line, sizeof line,
                  "step %llu  d_loss %.4f  g_loss %.4f  D(x) %.3f  D(G(z)) %.3f  %.0f img/s",
                  static_cast<unsigned long long>(stats.step), stats.discriminator_loss,
                  stats.generator_loss, stats.real_score, stats.fake_score,
                  seconds_ > 0 ? images_ / seconds_ : 0.0);
    if (context_) {
      const std::string prefix = context_();
      if (!prefix.empty()) *out_ << prefix << "  ";
    }
    *out_ << line << '\n' << std::flush;
    images_ = 0;
    seconds_ = 0;
  }

 private:
  // A measured step gets a line of its own, whatever the interval:
  //   epoch 3/60  step 468  quality: FD 41.32 (2000 generated vs 2000 real)  IS 6.41
  //   class entropy 0.981  (0.35 s)
  void print_quality(const StepStats& stats) const {
    const Quality& quality = *stats.quality;
    char line[256];
    int length =
        std::snprintf(line, sizeof line, "step %llu  quality: FD %.4g (%zu generated vs %zu real)",
                      static_cast<unsigned long long>(stats.step), quality.frechet_distance,
                      quality.sample_count, quality.reference_count);
    if (!std::isnan(quality.inception_score) && length > 0 && length < int(sizeof line))
      length += std::snprintf(line + length, sizeof line - std::size_t(length),
                              "  IS %.3f  class entropy %.3f", quality.inception_score,
                              quality.class_entropy);
    if (length > 0 && length < int(sizeof line))
      std::snprintf(line + length, sizeof line - std::size_t(length), "  (%.2f s)",
                    quality.seconds);
    if (context_) {
      const std::string prefix = context_();
      if (!prefix.empty()) *out_ << prefix << "  ";
    }
    *out_ << line << '\n' << std::flush;
  }

  std::ostream* out_;
  std::uint64_t every_;
  std::function<std::string()> context_;
  double images_ = 0;
  double seconds_ = 0;
};

/// Appends every step's statistics to a CSV stream, one row per step, after a header row:
///   step,discriminator_loss,generator_loss,real_score,fake_score,batch_size,seconds,
///   frechet_distance,quality_samples,quality_reference,inception_score,class_entropy
/// The last five columns are filled on the steps that measured quality
/// (AlternatingTrainer::evaluate_every) and empty on the others; a score the evaluation did
/// not give (no class probabilities) is empty too.
class CsvLogger {
 public:
  static constexpr const char* kHeader =
      "step,discriminator_loss,generator_loss,real_score,fake_score,batch_size,seconds,"
      "frechet_distance,quality_samples,quality_reference,inception_score,class_entropy";

  /// @param write_header false when appending to a log that already has its header (a resumed
  ///                     run)
  explicit CsvLogger(std::ostream& out, bool write_header = true) : out_(&out) {
    if (write_header) *out_ << kHeader << '\n';
  }

  void operator()(const StepStats& stats) {
    char row[384];
    int length = std::snprintf(row, sizeof row, "%llu,%.9g,%.9g,%.9g,%.9g,%zu,%.6g,",
                               static_cast<unsigned long long>(stats.step),
                               stats.discriminator_loss, stats.generator_loss, stats.real_score,
                               stats.fake_score, stats.batch_size, stats.seconds);
    if (stats.quality) {
      const Quality& quality = *stats.quality;
      std::snprintf(row + length, sizeof row - std::size_t(length), "%.9g,%zu,%zu,%s,%s",
                    quality.frechet_distance, quality.sample_count, quality.reference_count,
                    optional_number(quality.inception_score).c_str(),
                    optional_number(quality.class_entropy).c_str());
    } else {
      std::snprintf(row + length, sizeof row - std::size_t(length), ",,,,");
    }
    *out_ << row << '\n';
  }

 private:
  // A number, or nothing for NaN (a score that was not computed).
  static std::string optional_number(double value) {
    if (std::isnan(value)) return {};
    char text[32];
    std::snprintf(text, sizeof text, "%.9g", value);
    return text;
  }

  std::ostream* out_;
};

}  // namespace gan
