// SPDX-License-Identifier: MIT
// TrainingReport: one self-contained HTML page with a run's curves and sample grids.
#pragma once

#include <gan/core/error.hpp>
#include <gan/core/tensor.hpp>
#include <gan/data/png.hpp>
#include <gan/io/atomic_write.hpp>
#include <gan/train/step_stats.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <istream>
#include <limits>
#include <map>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gan {

/// The bounds that keep a TrainingReport's memory and file size fixed however long the run.
struct TrainingReportLimits {
  /// Points per curve, at least 2. Each point summarises a span of steps by its mean, minimum
  /// and maximum, and spans double in width as the run grows (see StepSeries).
  std::size_t buckets = 200;
  /// Sample grids kept, at least 2: the first, the latest, and the rest spread over the run.
  std::size_t grids = 12;
};

/// One quantity over the steps of a run, summarised in at most `capacity` buckets of equal
/// width, so that memory stays fixed for any number of steps.
///
/// Bucket i holds the steps origin + i * width to origin + (i + 1) * width - 1, where origin is
/// the first step added. When a step falls past the last bucket, neighbouring buckets are
/// merged in pairs and the width doubles, as often as needed; a merged bucket's mean, minimum
/// and maximum are exact, since it keeps sums rather than means. Values that are not finite
/// are counted and otherwise ignored. Steps are expected in increasing order; one before the
/// origin counts towards the first bucket.
class StepSeries {
 public:
  struct Bucket {
    std::uint64_t first_step = 0;  ///< the earliest step with a value in this bucket
    std::uint64_t last_step = 0;   ///< the latest step with a value in this bucket
    std::uint64_t count = 0;       ///< values in this bucket; 0 for an empty one
    double sum = 0;
    double min = std::numeric_limits<double>::infinity();
    double max = -std::numeric_limits<double>::infinity();

    double mean() const { return sum / static_cast<double>(count); }
  };

  /// @param capacity the most buckets kept, at least 2
  /// @throws std::invalid_argument when capacity < 2
  explicit StepSeries(std::size_t capacity);

  /// Records `value` at `step`; a NaN or infinite value is only counted (skipped()).
  void add(std::uint64_t step, double value);

  /// The buckets from the first step on; some may be empty (count 0).
  const std::vector<Bucket>& buckets() const { return buckets_; }
  /// Steps per bucket: 1 until the run outgrows the capacity, then a power of 2.
  std::uint64_t width() const { return width_; }
  /// Finite values recorded.
  std::uint64_t values() const { return values_; }
  /// Values skipped because they were NaN or infinite.
  std::uint64_t skipped() const { return skipped_; }
  /// The step and value of the latest finite value, if any.
  std::optional<std::pair<std::uint64_t, double>> latest() const { return latest_; }
  /// The mean of the last `fraction` of the non-empty buckets (at least one), weighted by
  /// their counts: the recent level of a noisy curve. Empty without values.
  std::optional<double> recent_mean(double fraction) const;

 private:
  void merge_pairs();

  std::size_t capacity_;
  std::uint64_t width_ = 1;
  std::optional<std::uint64_t> origin_;
  std::vector<Bucket> buckets_;
  std::uint64_t values_ = 0;
  std::uint64_t skipped_ = 0;
  std::optional<std::pair<std::uint64_t, double>> latest_;
};

/// A training report: one HTML file with no external resources that shows, for a person to
/// judge at a glance whether a run is healthy, both losses, D(x) and D(G(z)), the quality
/// metrics when the trainer measured them, the latest values, warning notes, and sample grids
/// over time. Charts are inline SVG (drawn without scripts) and grids are PNG data: URIs.
///
/// Use it as an AlternatingTrainer observer through std::ref, since the trainer keeps a copy
/// of each observer, add the caller's grids with add_samples(), and call write() whenever the
/// file should be refreshed (once per epoch, say):
/// @code
///   gan::TrainingReport report("mnist_gan", "batch 64, lr 2e-4");
///   trainer.add_observer(std::ref(report));
///   ...
///   report.add_samples(trainer.steps(), "epoch 3", images, 28, 28, 10);
///   report.write(out / "report.html");
/// @endcode
///
/// Memory and file size are bounded by TrainingReportLimits, not by the run's length: curves
/// are bucketed as they grow (StepSeries) and grids are thinned to the first, the latest and
/// an even spread between.
///
/// A resumed run starts with an empty report. Feeding it the rows of the run's CSV log
/// (add_csv_log()) restores the curves up to the checkpoint; grids are the caller's to add
/// again, from the image files it wrote.
class TrainingReport {
 public:
  /// @param title    the run's name, shown as the page's heading (escaped)
  /// @param settings free text such as the command line or hyperparameters, shown verbatim in
  ///                 a preformatted block (escaped)
  /// @throws std::invalid_argument when a limit is below 2
  explicit TrainingReport(std::string title, std::string settings = {},
                          TrainingReportLimits limits = {});

  /// Records one step: both losses, D(x), D(G(z)) and, when set, the quality evaluation.
  void operator()(const StepStats& stats);

  /// Adds a sample grid taken at `step`, as PNG bytes (any colour type; the size is read from
  /// the IHDR chunk). Beyond TrainingReportLimits::grids, the grid whose removal leaves the
  /// most even spacing in steps goes (never the first or the latest).
  /// @param label a caption such as "epoch 3" (escaped); may be empty
  /// @throws std::invalid_argument when `png` does not start like a PNG file
  void add_samples(std::uint64_t step, std::string label, std::vector<std::uint8_t> png);

  /// Adds a grid of images as data::encode_image_grid tiles them.
  /// @throws std::invalid_argument as data::encode_image_grid
  template <typename Scalar>
  void add_samples(std::uint64_t step, std::string label, const Matrix<Scalar>& images,
                   std::size_t image_height, std::size_t image_width, std::size_t columns);

  /// Records the rows of a CSV log as CsvLogger writes it (a header row, then one row per
  /// step), as if each had come through operator(). Columns are found by their header names,
  /// so extra columns are fine; quality columns (frechet_distance, quality_samples,
  /// quality_reference, inception_score, class_entropy), when the log has them, are read too.
  /// @return the rows read
  /// @throws DataError naming the line when the header lacks a column CsvLogger writes or a
  ///   row has too few fields or a field that is not a number
  std::uint64_t add_csv_log(std::istream& csv);

  /// The whole page.
  std::string html() const;

  /// Writes html() to `path` atomically (a temporary beside it, fsync, rename), so that a
  /// browser or a crash never sees half a page.
  /// @throws Error naming `path` and the system's reason when the file cannot be written
  void write(const std::filesystem::path& path) const;

  /// Steps recorded through operator() and add_csv_log().
  std::uint64_t steps() const { return steps_; }
  /// Grids held now (at most TrainingReportLimits::grids).
  std::size_t grids() const { return grids_.size(); }

 private:
  struct Grid {
    std::uint64_t step;
    std::string label;
    std::vector<std::uint8_t> png;
    std::uint32_t width;
    std::uint32_t height;
  };
  struct Evaluation {
    std::uint64_t step = 0;
    Quality quality;
  };

  std::vector<std::string> notes() const;
  std::string latest_table() const;
  std::string grids_html() const;

  std::string title_;
  std::string settings_;
  TrainingReportLimits limits_;
  StepSeries discriminator_loss_, generator_loss_, real_score_, fake_score_;
  StepSeries frechet_, inception_, entropy_;
  std::optional<Evaluation> latest_evaluation_;
  std::optional<Evaluation> best_evaluation_;  // the lowest finite Fréchet distance
  std::size_t fewest_samples_ = std::numeric_limits<std::size_t>::max();
  std::size_t most_samples_ = 0;
  std::uint64_t steps_ = 0;
  std::uint64_t last_step_ = 0;
  std::vector<Grid> grids_;  // in step order
};

// ------------------------------------------------------------------------------------------
// Implementation

inline StepSeries::StepSeries(std::size_t capacity) : capacity_(capacity) {
  if (capacity < 2)
    throw std::invalid_argument(
        message("StepSeries: expected a capacity of at least 2 buckets, got ", capacity));
  buckets_.reserve(capacity);
}

inline void StepSeries::merge_pairs() {
  std::vector<Bucket> merged((buckets_.size() + 1) / 2);
  for (std::size_t i = 0; i < buckets_.size(); ++i) {
    Bucket& into = merged[i / 2];
    const Bucket& from = buckets_[i];
    if (from.count == 0) continue;
    if (into.count == 0) into.first_step = from.first_step;
    into.last_step = from.last_step;
    into.count += from.count;
    into.sum += from.sum;
    into.min = std::min(into.min, from.min);
    into.max = std::max(into.max, from.max);
  }
  buckets_ = std::move(merged);
  width_ *= 2;
}

inline void StepSeries::add(std::uint64_t step, double value) {
  if (!std::isfinite(value)) {
    ++skipped_;
    return;
  }
  if (!origin_) origin_ = step;
  const std::uint64_t offset = step > *origin_ ? step - *origin_ : 0;
  while (offset / width_ >= capacity_) merge_pairs();
  const std::size_t index = static_cast<std::size_t>(offset / width_);
  if (index >= buckets_.size()) buckets_.resize(index + 1);
  Bucket& bucket = buckets_[index];
  if (bucket.count == 0) bucket.first_step = step;
  bucket.first_step = std::min(bucket.first_step, step);
  bucket.last_step = std::max(bucket.last_step, step);
  ++bucket.count;
  bucket.sum += value;
  bucket.min = std::min(bucket.min, value);
  bucket.max = std::max(bucket.max, value);
  ++values_;
  latest_ = {step, value};
}

inline std::optional<double> StepSeries::recent_mean(double fraction) const {
  const auto filled = static_cast<std::size_t>(
      std::count_if(buckets_.begin(), buckets_.end(), [](const Bucket& b) { return b.count; }));
  if (filled == 0) return std::nullopt;
  const std::size_t wanted =
      std::max<std::size_t>(1, static_cast<std::size_t>(std::ceil(fraction * filled)));
  double sum = 0;
  std::uint64_t count = 0;
  std::size_t taken = 0;
  for (auto it = buckets_.rbegin(); it != buckets_.rend() && taken < wanted; ++it) {
    if (it->count == 0) continue;
    sum += it->sum;
    count += it->count;
    ++taken;
  }
  return sum / static_cast<double>(count);
}

namespace detail {

/// `text` with the five characters that HTML and SVG give a meaning replaced by references.
inline std::string escape_html(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

inline std::string base64(std::span<const std::uint8_t> bytes) {
  static constexpr char kDigits[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    const std::size_t n = std::min<std::size_t>(3, bytes.size() - i);
    std::uint32_t group = std::uint32_t{bytes[i]} << 16;
    if (n > 1) group |= std::uint32_t{bytes[i + 1]} << 8;
    if (n > 2) group |= bytes[i + 2];
    for (std::size_t k = 0; k < 4; ++k) out += k <= n ? kDigits[(group >> (18 - 6 * k)) & 63] : '=';
  }
  return out;
}

/// A value for people: 4 significant digits, or "n/a" when it is not finite.
inline std::string format_value(double value) {
  if (!std::isfinite(value)) return "n/a";
  char text[32];
  std::snprintf(text, sizeof text, "%.4g", value);
  return text;
}

/// A coordinate for SVG, always finite (callers check their inputs).
inline std::string format_coordinate(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", value);
  return text;
}

/// One curve of a chart.
struct ChartLine {
  const char* name;
  const char* colour;
  const StepSeries* series;
};

/// The value range a chart shows: the buckets' means, widened to their min-max bands unless
/// a spike would squash the means into a flat line (bands are clipped to the plot then).
inline std::pair<double, double> chart_range(const std::vector<ChartLine>& lines) {
  double mean_low = INFINITY, mean_high = -INFINITY, band_low = INFINITY, band_high = -INFINITY;
  for (const ChartLine& line : lines)
    for (const StepSeries::Bucket& b : line.series->buckets()) {
      if (b.count == 0) continue;
      mean_low = std::min(mean_low, b.mean());
      mean_high = std::max(mean_high, b.mean());
      band_low = std::min(band_low, b.min);
      band_high = std::max(band_high, b.max);
    }
  double low = band_low, high = band_high;
  if (band_high - band_low > 4 * (mean_high - mean_low)) {
    const double pad = 0.25 * (mean_high - mean_low);
    low = std::max(band_low, mean_low - pad);
    high = std::min(band_high, mean_high + pad);
  }
  if (!(high - low > 1e-12 * std::max(1.0, std::abs(high)))) {
    const double pad = std::max(0.5, 0.1 * std::abs(high));
    low -= pad;
    high += pad;
  }
  // An overflowing range (values near the largest double) falls back to one around zero.
  if (!std::isfinite(high - low)) return {-1, 1};
  return {low, high};
}

/// An SVG line chart of `lines`: each bucket's mean as a line, its min-max as a shaded band.
/// `id` names the chart in the page and keeps its clip path's id unique.
inline std::string svg_chart(const std::string& id, const std::string& title,
                             const std::vector<ChartLine>& lines) {
  constexpr double kWidth = 760, kHeight = 250, kLeft = 64, kRight = 16, kTop = 30, kBottom = 34;
  constexpr double kPlotWidth = kWidth - kLeft - kRight, kPlotHeight = kHeight - kTop - kBottom;
  std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" id=\"" + id +
                    "\" viewBox=\"0 0 760 250\" width=\"760\" height=\"250\" role=\"img\" "
                    "aria-label=\"" +
                    escape_html(title) + "\">\n";
  svg += "<rect x=\"0\" y=\"0\" width=\"760\" height=\"250\" fill=\"#ffffff\"/>\n";
  svg += "<text x=\"" + format_coordinate(kLeft) + "\" y=\"18\" class=\"title\">" +
         escape_html(title) + "</text>\n";
  // A legend only where there are lines to tell apart; a lone line is named by the title.
  double legend_x = kWidth - kRight;
  for (auto it = lines.rbegin(); lines.size() > 1 && it != lines.rend(); ++it) {
    legend_x -= 14 + 7.0 * static_cast<double>(std::string_view(it->name).size()) + 18;
    svg += "<rect x=\"" + format_coordinate(legend_x) + "\" y=\"9\" width=\"12\" height=\"12\" " +
           "fill=\"" + it->colour + "\"/><text x=\"" + format_coordinate(legend_x + 16) +
           "\" y=\"19\">" + escape_html(it->name) + "</text>\n";
  }

  std::uint64_t first = std::numeric_limits<std::uint64_t>::max(), last = 0;
  for (const ChartLine& line : lines)
    for (const StepSeries::Bucket& b : line.series->buckets())
      if (b.count) {
        first = std::min(first, b.first_step);
        last = std::max(last, b.last_step);
      }
  svg +=
      "<rect x=\"64\" y=\"30\" width=\"680\" height=\"186\" fill=\"none\" stroke=\"#bbbbbb\"/>\n";
  if (first == std::numeric_limits<std::uint64_t>::max()) {
    svg +=
        "<text x=\"404\" y=\"128\" text-anchor=\"middle\" class=\"empty\">no values yet</text>\n";
    return svg + "</svg>\n";
  }

  const auto [low, high] = chart_range(lines);
  const double x_low = static_cast<double>(first) - (first == last ? 0.5 : 0.0);
  const double x_high = static_cast<double>(last) + (first == last ? 0.5 : 0.0);
  const auto x_of = [&](double step) {
    return kLeft + (step - x_low) / (x_high - x_low) * kPlotWidth;
  };
  const auto y_of = [&](double value) {
    return kTop + (high - std::clamp(value, low, high)) / (high - low) * kPlotHeight;
  };
  for (int tick = 0; tick <= 4; ++tick) {
    const double value = low + (high - low) * tick / 4;
    const std::string y = format_coordinate(y_of(value));
    svg += "<line x1=\"64\" x2=\"744\" y1=\"" + y + "\" y2=\"" + y +
           "\" stroke=\"#eeeeee\"/><text x=\"58\" y=\"" + y + "\" dy=\"4\" text-anchor=\"end\">" +
           format_value(value) + "</text>\n";
    const double step = x_low + (x_high - x_low) * tick / 4;
    svg += "<text x=\"" + format_coordinate(x_of(step)) + "\" y=\"232\" text-anchor=\"middle\">" +
           format_value(std::round(step)) + "</text>\n";
  }
  svg += "<text x=\"404\" y=\"247\" text-anchor=\"middle\" class=\"axis\">step</text>\n";
  svg += "<clipPath id=\"" + id + "-plot\"><rect x=\"64\" y=\"30\" width=\"680\" " +
         "height=\"186\"/></clipPath>\n<g clip-path=\"url(#" + id + "-plot)\">\n";
  for (const ChartLine& line : lines) {
    std::vector<const StepSeries::Bucket*> filled;
    for (const StepSeries::Bucket& b : line.series->buckets())
      if (b.count) filled.push_back(&b);
    if (filled.empty()) continue;
    const auto x_at = [&](const StepSeries::Bucket* b) {
      return format_coordinate(
          x_of(0.5 * (static_cast<double>(b->first_step) + static_cast<double>(b->last_step))));
    };
    std::string band, mean;
    for (const auto* b : filled) band += x_at(b) + "," + format_coordinate(y_of(b->max)) + " ";
    for (auto it = filled.rbegin(); it != filled.rend(); ++it)
      band += x_at(*it) + "," + format_coordinate(y_of((*it)->min)) + " ";
    for (const auto* b : filled) mean += x_at(b) + "," + format_coordinate(y_of(b->mean())) + " ";
    band.pop_back();
    mean.pop_back();
    const std::string colour = line.colour;
    svg += "<polygon class=\"band\" points=\"" + band + "\" fill=\"" + colour +
           "\" fill-opacity=\"0.18\" stroke=\"none\"/>\n";
    svg += "<polyline class=\"mean\" points=\"" + mean + "\" fill=\"none\" stroke=\"" + colour +
           "\" stroke-width=\"2\" stroke-linejoin=\"round\"/>\n";
    // Sparse curves (the quality metrics) get a marker at each point, so that one
    // evaluation still shows.
    if (filled.size() <= 60)
      for (const auto* b : filled)
        svg += "<circle cx=\"" + x_at(b) + "\" cy=\"" + format_coordinate(y_of(b->mean())) +
               "\" r=\"3\" fill=\"" + colour + "\"/>\n";
  }
  return svg + "</g>\n</svg>\n";
}

/// The width and height from a PNG's IHDR chunk; nullopt when `png` does not start like one.
inline std::optional<std::pair<std::uint32_t, std::uint32_t>> png_size(
    std::span<const std::uint8_t> png) {
  if (png.size() < 24 || !std::equal(data::detail::kPngSignature.begin(),
                                     data::detail::kPngSignature.end(), png.begin()))
    return std::nullopt;
  if (std::string_view(reinterpret_cast<const char*>(png.data()) + 12, 4) != "IHDR")
    return std::nullopt;
  const auto u32 = [&](std::size_t at) {
    return (std::uint32_t{png[at]} << 24) | (std::uint32_t{png[at + 1]} << 16) |
           (std::uint32_t{png[at + 2]} << 8) | std::uint32_t{png[at + 3]};
  };
  return std::pair{u32(16), u32(20)};
}

/// The fields of one CSV line (no quoting: CsvLogger writes none).
inline std::vector<std::string_view> csv_fields(std::string_view line) {
  std::vector<std::string_view> fields;
  for (std::size_t start = 0;;) {
    const std::size_t comma = line.find(',', start);
    fields.push_back(line.substr(start, comma - start));
    if (comma == std::string_view::npos) return fields;
    start = comma + 1;
  }
}

}  // namespace detail

inline TrainingReport::TrainingReport(std::string title, std::string settings,
                                      TrainingReportLimits limits)
    : title_(std::move(title)),
      settings_(std::move(settings)),
      limits_(limits),
      discriminator_loss_(limits.buckets),
      generator_loss_(limits.buckets),
      real_score_(limits.buckets),
      fake_score_(limits.buckets),
      frechet_(limits.buckets),
      inception_(limits.buckets),
      entropy_(limits.buckets) {
  if (limits.grids < 2)
    throw std::invalid_argument(
        message("TrainingReport: expected room for at least 2 grids, got ", limits.grids));
}

inline void TrainingReport::operator()(const StepStats& stats) {
  ++steps_;
  last_step_ = std::max(last_step_, stats.step);
  discriminator_loss_.add(stats.step, stats.discriminator_loss);
  generator_loss_.add(stats.step, stats.generator_loss);
  real_score_.add(stats.step, stats.real_score);
  fake_score_.add(stats.step, stats.fake_score);
  if (!stats.quality) return;
  const Quality& quality = *stats.quality;
  frechet_.add(stats.step, quality.frechet_distance);
  inception_.add(stats.step, quality.inception_score);
  entropy_.add(stats.step, quality.class_entropy);
  latest_evaluation_ = Evaluation{stats.step, quality};
  if (!std::isfinite(quality.frechet_distance)) return;
  fewest_samples_ = std::min(fewest_samples_, quality.sample_count);
  most_samples_ = std::max(most_samples_, quality.sample_count);
  if (!best_evaluation_ || quality.frechet_distance < best_evaluation_->quality.frechet_distance)
    best_evaluation_ = Evaluation{stats.step, quality};
}

inline void TrainingReport::add_samples(std::uint64_t step, std::string label,
                                        std::vector<std::uint8_t> png) {
  const auto size = detail::png_size(png);
  if (!size)
    throw std::invalid_argument(message("TrainingReport::add_samples: expected PNG bytes (the ",
                                        "PNG signature and an IHDR chunk), got ", png.size(),
                                        " bytes that are not, for step ", step));
  const auto at = std::upper_bound(grids_.begin(), grids_.end(), step,
                                   [](std::uint64_t s, const Grid& g) { return s < g.step; });
  grids_.insert(at, Grid{step, std::move(label), std::move(png), size->first, size->second});
  while (grids_.size() > limits_.grids) {
    // Drop the inner grid whose neighbours are closest together: what remains stays evenly
    // spread, and the first and the latest always stay.
    std::size_t drop = 1;
    for (std::size_t i = 2; i + 1 < grids_.size(); ++i)
      if (grids_[i + 1].step - grids_[i - 1].step < grids_[drop + 1].step - grids_[drop - 1].step)
        drop = i;
    grids_.erase(grids_.begin() + static_cast<std::ptrdiff_t>(drop));
  }
}

template <typename Scalar>
void TrainingReport::add_samples(std::uint64_t step, std::string label,
                                 const Matrix<Scalar>& images, std::size_t image_height,
                                 std::size_t image_width, std::size_t columns) {
  add_samples(step, std::move(label),
              data::encode_image_grid(images, image_height, image_width, columns));
}

inline std::uint64_t TrainingReport::add_csv_log(std::istream& csv) {
  std::string line;
  if (!std::getline(csv, line))
    throw DataError("TrainingReport::add_csv_log: expected a header row, got an empty log");
  std::map<std::string, std::size_t, std::less<>> column;
  const auto names = detail::csv_fields(line);
  for (std::size_t i = 0; i < names.size(); ++i) column.emplace(std::string(names[i]), i);
  for (const char* required :
       {"step", "discriminator_loss", "generator_loss", "real_score", "fake_score"})
    if (!column.count(required))
      throw DataError(message("TrainingReport::add_csv_log: expected a header with the column '",
                              required, "', got '", line, "'"));
  std::uint64_t rows = 0;
  for (std::uint64_t number = 2; std::getline(csv, line); ++number) {
    if (line.empty()) continue;
    const auto fields = detail::csv_fields(line);
    const auto value = [&](const char* name) -> std::optional<double> {
      const auto found = column.find(name);
      if (found == column.end()) return std::nullopt;
      if (found->second >= fields.size())
        throw DataError(message("TrainingReport::add_csv_log: expected ", names.size(),
                                " fields in line ", number, ", got '", line, "'"));
      const std::string text(fields[found->second]);
      if (text.empty()) return std::numeric_limits<double>::quiet_NaN();
      char* end = nullptr;
      const double parsed = std::strtod(text.c_str(), &end);
      if (*end != '\0')
        throw DataError(message("TrainingReport::add_csv_log: expected a number for ", name,
                                " in line ", number, ", got '", text, "'"));
      return parsed;
    };
    StepStats stats;
    stats.step = static_cast<std::uint64_t>(std::max(0.0, *value("step")));
    stats.discriminator_loss = *value("discriminator_loss");
    stats.generator_loss = *value("generator_loss");
    stats.real_score = *value("real_score");
    stats.fake_score = *value("fake_score");
    const double distance = value("frechet_distance").value_or(NAN);
    const double inception = value("inception_score").value_or(NAN);
    if (std::isfinite(distance) || std::isfinite(inception)) {
      Quality quality;
      quality.frechet_distance = distance;
      quality.sample_count = static_cast<std::size_t>(value("quality_samples").value_or(0));
      quality.reference_count = static_cast<std::size_t>(value("quality_reference").value_or(0));
      quality.inception_score = inception;
      quality.class_entropy = value("class_entropy").value_or(NAN);
      stats.quality = quality;
    }
    (*this)(stats);
    ++rows;
  }
  return rows;
}

inline std::vector<std::string> TrainingReport::notes() const {
  std::vector<std::string> notes;
  if (steps_ == 0) return {"No steps recorded yet."};
  const std::uint64_t skipped = discriminator_loss_.skipped() + generator_loss_.skipped() +
                                real_score_.skipped() + fake_score_.skipped();
  if (skipped)
    notes.push_back(message(skipped, " loss or score values were NaN or infinite and are left ",
                            "out of the charts: the run may have diverged."));
  // The last tenth of the run, so that one noisy step does not raise or hide a note.
  const auto real = real_score_.recent_mean(0.1), fake = fake_score_.recent_mean(0.1);
  if (real && fake && *real > 0.9 && *fake < 0.1)
    notes.push_back(message("D(x) is ", detail::format_value(*real), " and D(G(z)) ",
                            detail::format_value(*fake), " over the last tenth of the run: the ",
                            "discriminator is winning outright, and the generator may get ",
                            "little gradient (with the sigmoid-based losses, where scores are ",
                            "probabilities)."));
  if (real && fake && *fake > 0.9 && *real < 0.1)
    notes.push_back(
        "D(G(z)) is near 1 and D(x) near 0 over the last tenth of the run: the "
        "discriminator is rating fakes above real images.");
  if (latest_evaluation_ && best_evaluation_ &&
      latest_evaluation_->quality.frechet_distance >
          1.2 * best_evaluation_->quality.frechet_distance)
    notes.push_back(message("The Fréchet distance rose to ",
                            detail::format_value(latest_evaluation_->quality.frechet_distance),
                            " at step ", latest_evaluation_->step, " from its best, ",
                            detail::format_value(best_evaluation_->quality.frechet_distance),
                            " at step ", best_evaluation_->step,
                            ": samples are getting worse (or training has destabilised)."));
  if (latest_evaluation_ && latest_evaluation_->quality.class_entropy < 0.5)
    notes.push_back(message("The class entropy is ",
                            detail::format_value(latest_evaluation_->quality.class_entropy),
                            ": the samples cover few classes, a sign of mode collapse."));
  if (most_samples_ > 0 && fewest_samples_ != most_samples_)
    notes.push_back(message("The Fréchet distances were computed from ", fewest_samples_, " to ",
                            most_samples_, " generated samples; the distance falls as the count ",
                            "grows, so compare only values with equal counts."));
  if (notes.empty()) notes.push_back("No warning signs in the values recorded so far.");
  return notes;
}

inline std::string TrainingReport::latest_table() const {
  std::string rows;
  const auto row = [&](const std::string& name, const StepSeries& series) {
    const auto latest = series.latest();
    rows += "<tr><th>" + detail::escape_html(name) + "</th><td>" +
            (latest ? detail::format_value(latest->second) : std::string("n/a")) + "</td><td>" +
            (latest ? message("step ", latest->first) : std::string()) + "</td></tr>\n";
  };
  row("discriminator loss", discriminator_loss_);
  row("generator loss", generator_loss_);
  row("D(x)", real_score_);
  row("D(G(z))", fake_score_);
  if (latest_evaluation_) {
    const Quality& q = latest_evaluation_->quality;
    rows += message("<tr><th>Fréchet distance</th><td>", detail::format_value(q.frechet_distance),
                    "</td><td>step ", latest_evaluation_->step, ", from ", q.sample_count,
                    " generated and ", q.reference_count, " real samples</td></tr>\n");
    if (best_evaluation_)
      rows += message("<tr><th>best Fréchet distance</th><td>",
                      detail::format_value(best_evaluation_->quality.frechet_distance),
                      "</td><td>step ", best_evaluation_->step, ", from ",
                      best_evaluation_->quality.sample_count, " generated and ",
                      best_evaluation_->quality.reference_count, " real samples</td></tr>\n");
    rows += message("<tr><th>inception score</th><td>", detail::format_value(q.inception_score),
                    "</td><td>step ", latest_evaluation_->step, "</td></tr>\n");
    rows += message("<tr><th>class entropy</th><td>", detail::format_value(q.class_entropy),
                    "</td><td>step ", latest_evaluation_->step, "</td></tr>\n");
  } else {
    rows += "<tr><th>Fréchet distance</th><td>n/a</td><td>no evaluation yet</td></tr>\n";
  }
  return "<table class=\"latest\">\n" + rows + "</table>\n";
}

inline std::string TrainingReport::grids_html() const {
  if (grids_.empty()) return "<p class=\"empty\">No sample grids yet.</p>\n";
  std::string html = "<div class=\"grids\">\n";
  for (auto it = grids_.rbegin(); it != grids_.rend(); ++it) {
    const std::string caption =
        message("step ", it->step, it->label.empty() ? "" : " · ", detail::escape_html(it->label));
    html += message("<figure><img src=\"data:image/png;base64,", detail::base64(it->png),
                    "\" width=\"", it->width, "\" height=\"", it->height, "\" alt=\"samples at ",
                    caption, "\"><figcaption>", caption, "</figcaption></figure>\n");
  }
  return html + "</div>\n";
}

inline std::string TrainingReport::html() const {
  static constexpr const char* kStyle =
      "body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;background:#fafafa}"
      "h1{font-size:22px;margin:0 0 8px}h2{font-size:17px;margin:24px 0 8px}"
      "pre{background:#f0f0f0;padding:8px;white-space:pre-wrap}"
      "table.latest th{text-align:left;font-weight:normal;padding-right:16px}"
      "table.latest td{padding-right:16px}"
      "ul.notes li{margin:4px 0}svg.chart{display:block;margin:8px 0;max-width:100%;height:auto}"
      "svg.chart text{font:12px sans-serif;fill:#444}svg.chart text.title{font-size:14px;"
      "fill:#222}.grids{display:flex;flex-wrap:wrap;gap:12px}figure{margin:0}"
      "figure img{image-rendering:pixelated;background:#000}figcaption{font-size:12px}"
      ".empty{color:#888}";
  const std::string title = detail::escape_html(title_);
  std::string page =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      // No network, no scripts: the page is whole in itself, and says so to the browser.
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
      "img-src data:; style-src 'unsafe-inline'\">\n<title>" +
      title + " · training report</title>\n<style>" + kStyle + "</style>\n</head>\n<body>\n";
  page += "<h1>" + title + "</h1>\n";
  page += message("<p class=\"progress\">", steps_, " steps recorded, up to step ", last_step_,
                  ". Each chart point summarises ", discriminator_loss_.width(),
                  discriminator_loss_.width() == 1 ? " step" : " steps",
                  ": the line is their mean, the shaded band their minimum to maximum.</p>\n");
  if (!settings_.empty())
    page += "<pre class=\"settings\">" + detail::escape_html(settings_) + "</pre>\n";
  page += "<h2>Health</h2>\n<ul class=\"notes\">\n";
  for (const std::string& note : notes()) page += "<li>" + detail::escape_html(note) + "</li>\n";
  page += "</ul>\n<h2>Latest values</h2>\n" + latest_table();
  page += "<h2>Curves</h2>\n";
  page += detail::svg_chart("chart-losses", "Losses",
                            {{"discriminator", "#d62728", &discriminator_loss_},
                             {"generator", "#1f77b4", &generator_loss_}});
  page +=
      detail::svg_chart("chart-scores", "Discriminator scores",
                        {{"D(x)", "#2ca02c", &real_score_}, {"D(G(z))", "#ff7f0e", &fake_score_}});
  const std::string counts =
      latest_evaluation_
          ? message(" (latest from ", latest_evaluation_->quality.sample_count, " generated and ",
                    latest_evaluation_->quality.reference_count, " real samples; lower is better)")
          : std::string(" (lower is better)");
  page += detail::svg_chart("chart-frechet", "Fréchet distance" + counts,
                            {{"Fréchet distance", "#9467bd", &frechet_}});
  if (inception_.values())
    page += detail::svg_chart("chart-inception", "Inception score (higher is better)",
                              {{"inception score", "#8c564b", &inception_}});
  if (entropy_.values())
    page += detail::svg_chart("chart-entropy", "Class entropy (1: all classes equally often)",
                              {{"class entropy", "#e377c2", &entropy_}});
  page += "<h2>Samples, newest first</h2>\n" + grids_html();
  return page + "</body>\n</html>\n";
}

inline void TrainingReport::write(const std::filesystem::path& path) const {
  const std::string page = html();
  const std::span<const std::uint8_t> bytes(reinterpret_cast<const std::uint8_t*>(page.data()),
                                            page.size());
  gan::detail::write_atomically<Error>("TrainingReport::write", path, {bytes});
}

}  // namespace gan
