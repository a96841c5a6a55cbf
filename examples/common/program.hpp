// SPDX-License-Identifier: MIT
// The training program shared by the MNIST examples: each example supplies a generator and a
// discriminator type, and this file does the rest, in the order a run goes:
//   1. parse the command line (options.hpp)
//   2. make the trainer for the chosen loss, and resume it from a checkpoint if asked
//   3. load the digits and train epoch by epoch, printing progress, logging every step to CSV,
//      writing a sample grid, the training report and a checkpoint after each epoch, and
//      stopping cleanly between two steps on Ctrl-C (interrupt.hpp)
//   4. write generated images as an IDX file if asked
// A class-conditional program (mnist_cgan) passes ClassConditional<10> (conditioning.hpp) as
// the Conditioning of run_program; it changes the prior, the real batches and the classes the
// grids and samples draw, and adds --digit-accuracy and --grid-out.
#pragma once

#include "../mnist_classifier/classifier.hpp"
#include "conditioning.hpp"
#include "device.hpp"
#include "interrupt.hpp"
#include "options.hpp"

#include <gan/data/dataset.hpp>
#include <gan/data/idx.hpp>
#include <gan/data/mnist.hpp>
#include <gan/data/png.hpp>
#include <gan/gan.hpp>

#include <Eigen/Core>

#ifdef _OPENMP
#include <omp.h>
#endif

#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <new>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <vector>

namespace examples {

inline constexpr std::size_t kImageSide = 28;
inline constexpr std::size_t kGridSide = 10;  // sample grids show 10 x 10 digits
// The pixel rows of a sample; a conditional generator's samples have label rows below them.
inline constexpr Eigen::Index kPixels = kImageSide * kImageSide;
// Independent random streams for the sample grid and for --samples, derived from the seed so
// that neither changes the course of training.
inline constexpr std::uint64_t kGridStream = 0x6772696400000000;      // "grid"
inline constexpr std::uint64_t kSamplesStream = 0x73616d7000000000;   // "samp"
inline constexpr std::uint64_t kQualityStream = 0x7175616c00000000;   // "qual"
inline constexpr std::uint64_t kAccuracyStream = 0x6163637500000000;  // "accu"
inline constexpr std::uint64_t kGridOutStream = 0x676f757400000000;   // "gout"

/// Where training stands, saved in every checkpoint: epochs completed and the next batch.
struct Position {
  std::uint64_t epoch = 0;
  std::size_t batch = 0;
};

/// What a run needs beyond the trainer: its position, and the settings a resumed run must
/// take from its checkpoint so that it continues exactly.
struct RunState {
  Position position;
  std::uint64_t seed = kDefaultSeed;
  std::size_t batch_size = kDefaultBatchSize;
  std::uint64_t data_count = 0;  // 0 until known
};

/// Refuses an OMP_NUM_THREADS that --threads would refuse: OpenMP only warns about a
/// malformed or non-positive one and runs with every core. The first count of a list ("2,1"
/// sets nested levels) is the one checked.
inline void check_omp_num_threads() {
  const char* value = std::getenv("OMP_NUM_THREADS");
  if (value == nullptr) return;
  std::string_view first(value);
  first = first.substr(0, first.find(','));
  // OpenMP allows spaces around each count.
  first.remove_prefix(std::min(first.find_first_not_of(" \t"), first.size()));
  first = first.substr(0, first.find_last_not_of(" \t") + 1);
  try {
    parse_integer<int>("OMP_NUM_THREADS", first, 1, kMaxThreads);
  } catch (const UsageError& error) {
    throw UsageError(gan::message(error.what(), " (from OMP_NUM_THREADS='", value,
                                  "'; set it to a count from 1 to ", kMaxThreads,
                                  ", or pass --threads N)"));
  }
}

/// Uses --threads when given; otherwise OpenMP's own count (OMP_NUM_THREADS, else one per
/// core), with OMP_NUM_THREADS checked as the flag is.
inline void set_threads(int threads) {
  if (threads <= 0) {
#ifdef _OPENMP
    check_omp_num_threads();
#endif
    return;
  }
#ifdef _OPENMP
  omp_set_num_threads(threads);
#endif
  Eigen::setNbThreads(threads);
}

/// The error for a value under metadata `key` of a checkpoint that no run of the MNIST
/// examples writes (a damaged or crafted file whose checksum still holds).
inline gan::CheckpointError bad_metadata(const std::filesystem::path& file, std::string_view key,
                                         std::string_view expected, std::string_view found) {
  return gan::CheckpointError(gan::message("checkpoint '", file.string(), "': expected ", expected,
                                           " under metadata '", key, "', got '", found, "'"));
}

/// The whole number under metadata `key`, at least `minimum`.
inline std::uint64_t metadata_number(const std::map<std::string, std::string>& metadata,
                                     const std::string& key, const std::filesystem::path& file,
                                     std::uint64_t minimum = 0) {
  const auto it = metadata.find(key);
  if (it == metadata.end())
    throw gan::CheckpointError(gan::message("checkpoint '", file.string(),
                                            "': expected a number under metadata '", key,
                                            "', found none; it was not written by an MNIST "
                                            "example"));
  const std::string& text = it->second;
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size())
    throw bad_metadata(file, key, "a whole number", text);
  if (value < minimum) throw bad_metadata(file, key, gan::message("at least ", minimum), text);
  return value;
}

/// A value that a resumed run takes from its checkpoint; giving another on the command line
/// would break the exact continuation, so it is refused.
template <typename T>
T resumed_value(const std::optional<T>& given, T saved, std::string_view flag) {
  if (given && *given != saved)
    throw UsageError(gan::message(flag, ": the checkpoint was trained with ", saved, ", got ",
                                  *given, "; leave the flag out to continue with ", saved));
  return saved;
}

template <typename Trainer>
RunState resume_if_asked(Trainer& trainer, const Options& options) {
  RunState state;
  if (!options.resume) {
    state.seed = options.seed.value_or(kDefaultSeed);
    state.batch_size = options.batch_size.value_or(kDefaultBatchSize);
    return state;
  }
  const auto metadata = trainer.load_checkpoint(*options.resume);
  const auto number = [&](const char* key, std::uint64_t minimum = 0) {
    return metadata_number(metadata, key, *options.resume, minimum);
  };
  state.position = {number("position.epoch"), static_cast<std::size_t>(number("position.batch"))};
  state.seed = resumed_value(options.seed, number("seed"), "--seed");
  state.batch_size = resumed_value(
      options.batch_size, static_cast<std::size_t>(number("batch_size", 1)), "--batch-size");
  // A count of 0 would switch off the check that the run resumes on the same data.
  state.data_count = number("data.count", 1);
  std::cout << "resumed from " << options.resume->string() << " at epoch " << state.position.epoch
            << ", step " << trainer.steps() << std::endl;
  return state;
}

template <typename Trainer>
void save_checkpoint(const Trainer& trainer, const RunState& state, const Options& options) {
  trainer.save_checkpoint(options.out_dir / "checkpoint.gan",
                          {{"position.epoch", std::to_string(state.position.epoch)},
                           {"position.batch", std::to_string(state.position.batch)},
                           {"seed", std::to_string(state.seed)},
                           {"batch_size", std::to_string(state.batch_size)},
                           {"data.count", std::to_string(state.data_count)},
                           {"k", std::to_string(options.discriminator_steps)},
                           {"g_lr", exact_text(options.generator_learning_rate)},
                           {"d_lr", exact_text(options.discriminator_learning_rate)},
                           {"g_average", exact_text(options.generator_average_decay)},
                           {"quality_samples", std::to_string(options.quality_samples)},
                           {"quality_every", std::to_string(options.quality_every)}});
}

/// The training settings of a resumed run: those the command line leaves out come from the
/// checkpoint, so that the run continues exactly as it would have without stopping; a flag
/// that is given changes its setting on purpose (a resumed run may lower a learning rate),
/// and the change is printed. Seed and batch size are checked in resume_if_asked() instead:
/// they fix the order of the data and cannot change.
inline Options with_checkpoint_settings(const Options& options) {
  if (!options.resume) return options;
  Options settings = options;
  const gan::CheckpointReader reader(*options.resume);
  const auto text = [&](const std::string& key) {
    const std::string name = "metadata." + key;
    if (!reader.contains(name))
      throw gan::CheckpointError(gan::message("'", options.resume->string(),
                                              "': expected the setting '", key,
                                              "', found none; it was not written by an MNIST "
                                              "example of this version"));
    return reader.get_text(name);
  };
  // Each saved setting must be one the flag itself accepts, or the run would fail later
  // (or divide by zero) with the flag blamed for a value the command line never gave.
  const auto take = [&](const char* flag, const char* key, auto& value, auto valid,
                        std::string_view expected) {
    using Value = std::remove_reference_t<decltype(value)>;
    const std::string saved_text = text(key);
    Value saved{};
    const auto [end, error] =
        std::from_chars(saved_text.data(), saved_text.data() + saved_text.size(), saved);
    if (error != std::errc() || end != saved_text.data() + saved_text.size() || !valid(saved))
      throw bad_metadata(*options.resume, key, expected, saved_text);
    if (!options.given.contains(flag))
      value = saved;
    else if (value != saved)
      std::cout << flag << " " << value << " replaces the checkpoint's " << saved << std::endl;
  };
  const auto positive = [](double value) { return std::isfinite(value) && value > 0; };
  take(
      "--k", "k", settings.discriminator_steps, [](std::size_t k) { return k >= 1 && k <= kMaxK; },
      gan::message("a whole number from 1 to ", kMaxK));
  take("--g-lr", "g_lr", settings.generator_learning_rate, positive, "a positive finite number");
  take("--d-lr", "d_lr", settings.discriminator_learning_rate, positive,
       "a positive finite number");
  take(
      "--g-average", "g_average", settings.generator_average_decay,
      [](double decay) { return decay >= 0 && decay < 1; }, "a number in [0, 1)");
  // The quality schedule; checkpoints written before it existed keep the defaults.
  if (reader.contains("metadata.quality_samples"))
    take(
        "--quality-samples", "quality_samples", settings.quality_samples,
        [](std::size_t n) { return n != 1 && n <= kMaxQualitySamples; },
        gan::message("0 or a whole number from 2 to ", kMaxQualitySamples));
  if (reader.contains("metadata.quality_every"))
    take(
        "--quality-every", "quality_every", settings.quality_every,
        [](std::uint64_t n) { return n >= 1 && n <= kMaxQualityEvery; },
        gan::message("a whole number from 1 to ", kMaxQualityEvery));
  return settings;
}

/// Writes the epoch's sample grid to samples/epoch-NNN.png and samples.png.
/// @return the grid's images, for the training report
template <typename Trainer>
gan::Matrix<float> save_grid(Trainer& trainer, const typename Trainer::matrix_type& grid_noise,
                             const Options& options, std::uint64_t epoch) {
  const gan::Matrix<float> images =
      Trainer::backend::matrix_to_host(trainer.generate_averaged(grid_noise)).topRows(kPixels);
  char name[32];
  std::snprintf(name, sizeof name, "epoch-%03llu.png", static_cast<unsigned long long>(epoch));
  gan::data::write_image_grid(options.out_dir / "samples" / name, images, kImageSide, kImageSide,
                              kGridSide);
  gan::data::write_image_grid(options.out_dir / "samples.png", images, kImageSide, kImageSide,
                              kGridSide);
  return images;
}

/// The run's training report, report.html in --out (gan::TrainingReport): every step's
/// losses and scores, and each epoch's sample grid. A resumed run rebuilds the curves from
/// log.csv, which open_log() has cut to the checkpoint's steps; the grids of the epochs before
/// the resume are not rebuilt (they stay in samples/).
/// @param resumed_log whether log.csv holds the rows of the run so far
inline gan::TrainingReport make_report(const Options& options, bool resumed_log) {
  gan::TrainingReport report(
      gan::message("GAN training: ", options.out_dir.string()),
      gan::message("data ", options.data_dir.string(), "\nloss ",
                   options.loss.value_or(options.resume ? "the checkpoint's" : "non-saturating"),
                   ", epochs ", options.epochs, ", k ", options.discriminator_steps, ", g_lr ",
                   options.generator_learning_rate, ", d_lr ", options.discriminator_learning_rate,
                   ", g_average ", options.generator_average_decay, ", device ", options.device,
                   options.resume ? "\nresumed from " + options.resume->string() : "",
                   options.quality_samples == 0
                       ? std::string("\nquality not measured (--quality-samples 0)")
                       : gan::message("\nquality: ", options.quality_samples,
                                      " samples every ", options.quality_every,
                                      " epochs, features of ", options.classifier.string())));
  if (resumed_log) {
    std::ifstream log(options.out_dir / "log.csv");
    report.add_csv_log(log);
  }
  return report;
}

/// Refuses a --data that exists but is not a folder as a command-line error: the flag names a
/// folder, and fetching the digits into it, the advice for a missing one, would not help.
inline void check_data_folder(const Options& options) {
  const std::string kind = gan::data::file_kind(options.data_dir);
  if (kind != "a folder" && kind != "nothing")
    throw UsageError(gan::message(
        "--data: expected a folder holding ", gan::data::kMnistTrainImages, " and ",
        gan::data::kMnistTrainLabels, ", got '", options.data_dir.string(), "', which is ", kind));
}

/// Loads the digits with their labels, refusing a data set other than the one a resumed run was
/// trained on, and one smaller than a batch.
inline gan::data::LabelledImages load_digits(const Options& options, RunState& state) {
  check_data_folder(options);
  const auto files = gan::data::find_mnist_files(options.data_dir);
  const auto images = gan::data::load_labelled_images(files.images, files.labels);
  if (images.rows != kImageSide || images.cols != kImageSide)
    throw gan::DataError(gan::message("data in '", options.data_dir.string(), "': expected ",
                                      kImageSide, "x", kImageSide, " images, got ", images.rows,
                                      "x", images.cols));
  if (state.data_count != 0 && state.data_count != images.count)
    throw gan::DataError(gan::message("data in '", options.data_dir.string(),
                                      "': the checkpoint "
                                      "was trained on ",
                                      state.data_count, " images, got ", images.count,
                                      "; resume with the same --data"));
  // Too large a --batch-size is the command line's fault; the default batch is not.
  if (state.batch_size > images.count && options.batch_size)
    throw UsageError(gan::message("--batch-size: expected at most the ", images.count,
                                  " images in '", files.images.string(), "', got ",
                                  state.batch_size));
  if (state.batch_size > images.count)
    throw gan::DataError(gan::message(
        "data in '", options.data_dir.string(), "': expected at least one batch of ",
        state.batch_size, options.resume ? " images (the checkpoint's batch size)" : " images",
        ", found ", images.count, " in '", files.images.string(),
        "'; give a smaller --batch-size or more images"));
  // A generator step takes k batches; more than an epoch holds would skip whole epochs in one
  // step, past --epochs and their checkpoints.
  const std::size_t batches_per_epoch = images.count / state.batch_size;
  if (options.discriminator_steps > batches_per_epoch && options.resume &&
      !options.given.contains("--k"))
    throw gan::CheckpointError(
        gan::message("checkpoint '", options.resume->string(), "': expected at most the ",
                     batches_per_epoch, " batches of one epoch (", images.count, " images in '",
                     files.images.string(), "' in batches of ", state.batch_size,
                     ") under metadata 'k', got '", options.discriminator_steps, "'"));
  if (options.discriminator_steps > batches_per_epoch)
    throw UsageError(gan::message("--k: expected at most the ", batches_per_epoch,
                                  " batches of one epoch (", images.count, " images in '",
                                  files.images.string(), "' in batches of ", state.batch_size,
                                  "), got ", options.discriminator_steps));
  if (state.position.batch >= batches_per_epoch)
    throw gan::CheckpointError(gan::message("checkpoint '", options.resume->string(),
                                            "': expected a batch below the ", batches_per_epoch,
                                            " of one epoch under metadata 'position.batch', got '",
                                            state.position.batch, "'"));
  state.data_count = images.count;
  std::cout << "loaded " << images.count << " images from " << files.images.string() << " and "
            << files.labels.string() << std::endl;
  // The raw form is read where both are there; say so, since the two may differ.
  for (const auto& used : {files.images, files.labels})
    if (used.extension() != ".gz" && std::filesystem::exists(used.string() + ".gz"))
      std::cout << "note: " << used.string() << ".gz is there too, and is not read: the raw "
                << "file is preferred" << std::endl;
  return images;
}

/// Sets `trainer` to measure sample quality every options.quality_every epochs' worth of
/// generator steps (docs/metrics.md): the Fréchet distance between the classifier's features
/// of options.quality_samples generated digits and of all the real ones, with the class
/// scores. The real digits' statistics are computed here, once. Nothing is set up for
/// --quality-samples 0.
/// @throws gan::CheckpointError naming the classifier file if it cannot be used
template <typename Trainer>
void measure_quality(Trainer& trainer, const Options& options, const RunState& state,
                     const gan::Matrix<float>& digits, std::size_t batches_per_epoch) {
  if (options.quality_samples == 0) return;
  std::shared_ptr<mnist_classifier::MnistClassifier> classifier;
  try {
    classifier = std::make_shared<mnist_classifier::MnistClassifier>(
        mnist_classifier::MnistClassifier::load(options.classifier));
  } catch (const gan::CheckpointError& error) {
    throw gan::CheckpointError(gan::message(
        "--classifier: ", error.what(),
        "\n(train it with scripts/train-classifier, or give --quality-samples 0 to train "
        "without measuring quality)"));
  }
  if (digits.cols() < 2)
    throw gan::DataError(gan::message(
        "--data '", options.data_dir.string(), "': expected at least 2 images to measure quality "
        "against, got ", digits.cols(), "; give --quality-samples 0 to train without measuring"));
  const auto start = std::chrono::steady_clock::now();
  auto evaluator = std::make_shared<gan::metrics::QualityEvaluator<float>>(
      [classifier](const gan::Matrix<float>& images) { return classifier->scores(images); },
      digits);
  // A generator step uses k batches, so an epoch is batches / k steps (at least 1).
  const std::uint64_t every =
      options.quality_every *
      std::max<std::uint64_t>(1, batches_per_epoch / options.discriminator_steps);
  trainer.evaluate_every(
      every, options.quality_samples,
      [evaluator](const gan::Matrix<float>& samples) {
        return evaluator->evaluate(gan::Matrix<float>(samples.topRows(kPixels)));
      },
      state.seed ^ kQualityStream);
  std::cout << "quality: Frechet distance of " << options.quality_samples
            << " generated digits to the " << digits.cols() << " real ones every " << every
            << " steps, in the features of " << options.classifier.string() << " (real digits' "
            << "statistics took "
            << gan::format_duration(
                   std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count())
            << ")" << std::endl;
}

/// Whether two paths name the same file, existing or not (after resolving links, "." and "..").
inline bool same_file(const std::filesystem::path& a, const std::filesystem::path& b) {
  std::error_code error;
  const auto canonical_a = std::filesystem::weakly_canonical(std::filesystem::absolute(a), error);
  const auto canonical_b = std::filesystem::weakly_canonical(std::filesystem::absolute(b), error);
  return !error && canonical_a == canonical_b;
}

/// Why a file cannot be written at `file`, or nothing when it can: probed by creating and
/// removing a temporary beside it, as every output is written (gan/io/atomic_write.hpp), so
/// that a run finds out before training instead of after it.
inline std::optional<std::string> why_not_writable(const std::filesystem::path& file) {
  const std::string probe = file.string() + gan::detail::temporary_suffix();
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return std::strerror(errno);
  ::close(fd);
  ::unlink(probe.c_str());
  return std::nullopt;
}

/// Whether the CSV log at `log_path` can be continued by a run resumed at step `steps`: its
/// rows begin at step 1 and go on one step at a time at least to `steps`.
inline bool log_reaches(const std::filesystem::path& log_path, std::uint64_t steps) {
  std::ifstream in(log_path);
  std::string line;
  std::getline(in, line);  // the header
  std::uint64_t expected = 1;
  while (expected <= steps && std::getline(in, line)) {
    std::uint64_t step = 0;
    std::from_chars(line.data(), line.data() + line.size(), step);
    if (step != expected++) return false;
  }
  return expected > steps;
}

/// Refuses, before anything is read or written, to start a new run over a previous one, to
/// resume a run into the folder of another (or of a later checkpoint of the same run), to
/// splice a resumed run's rows onto a log that is not its own, and to train for an epoch
/// before finding that an output file cannot be written.
/// @param resumed_steps the step count of the checkpoint being resumed
inline void check_output_folder(const Options& options, std::uint64_t resumed_steps) {
  const auto checkpoint = options.out_dir / "checkpoint.gan";
  if (std::filesystem::exists(options.out_dir) && !std::filesystem::is_directory(options.out_dir))
    throw UsageError(gan::message("--out: expected a folder, got '", options.out_dir.string(),
                                  "', which is a file"));
  if (!options.resume && std::filesystem::exists(checkpoint))
    throw UsageError(gan::message("--out: expected a folder without a previous run, got '",
                                  options.out_dir.string(), "', which holds ", checkpoint.string(),
                                  "; continue it with --resume ", checkpoint.string(),
                                  ", or choose another --out"));
  if (options.resume && std::filesystem::exists(checkpoint) &&
      !same_file(checkpoint, *options.resume))
    throw UsageError(gan::message(
        "--out: expected the folder of the checkpoint being resumed or a folder without a run, "
        "got '",
        options.out_dir.string(), "', which holds another checkpoint, ", checkpoint.string(),
        ", that this run would replace; resume that one, or choose another --out"));
  for (const char* name : {"checkpoint.gan", "log.csv", "samples.png", "report.html"})
    if (std::filesystem::is_directory(options.out_dir / name))
      throw UsageError(gan::message("--out: expected '", (options.out_dir / name).string(),
                                    "' to be a file or absent, got a folder"));
  // A log left by a run killed before its first checkpoint, or by another run, would get the
  // resumed rows appended to its own: rows 1, 2, 3 then 9, 10, ... Without a log, the
  // resumed run starts a new one at the step after its checkpoint.
  const auto log = options.out_dir / "log.csv";
  if (options.resume && std::filesystem::is_regular_file(log) &&
      !(same_file(checkpoint, *options.resume) && log_reaches(log, resumed_steps)))
    throw UsageError(gan::message("--out: expected a log.csv that the checkpoint being resumed ",
                                  "continues (rows of steps 1 to ", resumed_steps, " beside ",
                                  options.resume->string(), "), got '", log.string(),
                                  "', which belongs to another run or ends before the ",
                                  "checkpoint; move it away to start a new log at step ",
                                  resumed_steps + 1, ", or choose another --out"));
}

/// The folders and files a run creates in --out, removed again if the run fails before its
/// first checkpoint, so that a failed run leaves --out as it found it. Nothing that was there
/// before the run is removed, and nothing at all once a checkpoint is written: from then on,
/// the log and the grids belong to a run that can be resumed.
class NewOutputs {
 public:
  /// Creates --out and its samples/ folder where they are missing, and checks that files can
  /// be created in both (the destructor removes what it made, if that fails).
  /// @throws gan::Error naming the folder that could not be created or written to
  explicit NewOutputs(const Options& options) {
    const auto samples = options.out_dir / "samples";
    // The folders that do not exist yet, innermost first; create_directories makes them all.
    std::vector<std::filesystem::path> missing;
    for (auto folder = samples; !folder.empty() && !std::filesystem::exists(folder);
         folder = folder.parent_path()) {
      missing.push_back(folder);
      if (folder == folder.parent_path()) break;
    }
    std::error_code error;
    std::filesystem::create_directories(samples, error);
    if (error)
      throw gan::Error(gan::message("--out: could not create the folder '", samples.string(),
                                    "': ", error.message()));
    created_.assign(missing.rbegin(), missing.rend());
    for (const auto& file : {options.out_dir / "checkpoint.gan", samples / "epoch-001.png"})
      if (const auto reason = why_not_writable(file)) {
        remove_created();
        throw gan::Error(gan::message("--out: expected a folder this run can write to, got '",
                                      file.parent_path().string(),
                                      "', where creating a file failed: ", *reason));
      }
  }
  NewOutputs(const NewOutputs&) = delete;
  NewOutputs& operator=(const NewOutputs&) = delete;

  ~NewOutputs() { remove_created(); }

  /// Notes `file`, about to be written, as this run's if it does not exist yet.
  void note(const std::filesystem::path& file) {
    if (!std::filesystem::exists(file)) created_.push_back(file);
  }

  /// Keeps everything this run created: its first checkpoint is written.
  void keep() noexcept { created_.clear(); }

 private:
  void remove_created() noexcept {
    // Innermost first; a folder is removed only if empty, so nothing else in it is lost.
    std::error_code ignored;
    for (auto it = created_.rbegin(); it != created_.rend(); ++it)
      std::filesystem::remove(*it, ignored);
    created_.clear();
  }

  std::vector<std::filesystem::path> created_;  // outermost first
};

/// Drops the rows of a CSV log past `steps` (written after the checkpoint being resumed was
/// saved), so that the resumed run's rows follow on without repeats.
inline void keep_log_rows_up_to(const std::filesystem::path& log_path, std::uint64_t steps) {
  std::ifstream in(log_path);
  std::string kept, line;
  for (bool header = true; std::getline(in, line); header = false) {
    std::uint64_t step = 0;
    std::from_chars(line.data(), line.data() + line.size(), step);
    if (header || (step >= 1 && step <= steps)) kept += line + '\n';
  }
  const std::span<const std::uint8_t> bytes(reinterpret_cast<const std::uint8_t*>(kept.data()),
                                            kept.size());
  gan::detail::write_atomically<gan::Error>("keep_log_rows_up_to", log_path, {bytes});
}

/// Opens the run's CSV log: a resumed run keeps the rows of its log up to its checkpoint and
/// appends to them (check_output_folder() made sure the log is the checkpoint's); a new run,
/// and a resumed one without a log, starts the log afresh.
/// @return whether the rows are appended (the log then has its header already)
inline bool open_log(std::ofstream& log, const Options& options, std::uint64_t steps,
                     NewOutputs& outputs) {
  const auto path = options.out_dir / "log.csv";
  const bool append = options.resume && std::filesystem::exists(path);
  if (append) keep_log_rows_up_to(path, steps);
  outputs.note(path);
  errno = 0;
  log.open(path, append ? std::ios::app : std::ios::trunc);
  if (!log)
    throw gan::Error(gan::message(
        "--out: expected a log file that can be written, got '", path.string(),
        "', which could not be opened: ", errno ? std::strerror(errno) : "unknown reason"));
  return append;
}

/// Runs `write`, which writes an output once `checkpoint` is saved; a failure says that the
/// checkpoint is kept and how to go on from it, so that a full disk late in a long run does
/// not read as a lost run.
template <typename Write>
void write_after_checkpoint(const std::filesystem::path& checkpoint, Write&& write) {
  try {
    write();
  } catch (const gan::Error& error) {
    throw gan::Error(gan::message(
        error.what(), "\nThe checkpoint ", checkpoint.string(), " holds every step so far and ",
        "was kept: continue with --resume ", checkpoint.string(), ", or sample from it with ",
        "--epochs 0 --resume ", checkpoint.string(), " --samples N --samples-out FILE"));
  }
}

/// The Interrupted that ends a run stopped between two steps; `checkpoint` holds every step.
inline Interrupted interrupted_training(int signal, std::uint64_t step, std::uint64_t epoch,
                                        const Options& options,
                                        const std::optional<std::filesystem::path>& checkpoint) {
  if (!checkpoint)
    return Interrupted(signal,
                       gan::message("interrupted by ", signal_name(signal),
                                    " before the first step; nothing was written"),
                       checkpoint);
  return Interrupted(signal,
                     gan::message("interrupted by ", signal_name(signal), " after step ", step,
                                  ", in epoch ", epoch, "/", options.epochs, "; ",
                                  checkpoint->string(), " holds every step so far"),
                     checkpoint);
}

/// Whether to draw a progress bar: --progress-bar on, or auto with standard output a terminal
/// that understands the bar's erase sequence.
inline bool shows_progress_bar(const Options& options) {
  if (options.progress_bar != "auto") return options.progress_bar == "on";
  const char* term = std::getenv("TERM");
  return ::isatty(STDOUT_FILENO) == 1 && !(term != nullptr && std::string_view(term) == "dumb");
}

/// The width of the terminal on standard output, or 0 when unknown: from the terminal itself,
/// else from COLUMNS.
inline std::size_t terminal_columns() {
  winsize size{};
  if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
  const char* columns = std::getenv("COLUMNS");
  std::size_t value = 0;
  if (columns != nullptr) std::from_chars(columns, columns + std::strlen(columns), value);
  return value;
}

/// Trains until options.epochs epochs are complete, or until SIGINT or SIGTERM stops the run
/// between two steps (see interrupt.hpp). Status lines end with std::endl, so that a log file
/// or a pipe sees each one as it happens.
/// @throws Interrupted when a signal stopped the run, once every step so far is saved
template <typename Conditioning, typename Trainer>
void train(Trainer& trainer, const Options& options, RunState& state) {
  const gan::data::LabelledImages images = load_digits(options, state);
  // The quality measurement's reference: pixels only, [784, count] in [-1, 1].
  const gan::Matrix<float> digits = gan::data::to_matrix<float>(images);
  // On the device backend the digits go to the device here, once.
  gan::data::Dataset<typename Trainer::backend> data(Conditioning::training_data(images),
                                                     state.batch_size, state.seed,
                                                     gan::data::PartialBatch::drop);
  measure_quality(trainer, options, state, digits, data.batches_per_epoch());
  if (const int signal = InterruptFlag::received())
    throw Interrupted(signal,
                      gan::message("interrupted by ", signal_name(signal),
                                   " while loading the data and the real digits' statistics; "
                                   "nothing was written"),
                      options.resume);
  // Every input is checked by now: only now does --out get anything.
  NewOutputs outputs(options);
  std::ofstream log;
  const bool append = open_log(log, options, trainer.steps(), outputs);

  gan::Rng grid_rng(state.seed ^ kGridStream);
  const auto grid_noise = Conditioning::template grid_noise<Trainer>(kGridSide * kGridSide,
                                                                     kGridSide, options, grid_rng);
  Position& at = state.position;
  std::uint64_t epoch_of_last_batch = at.epoch;  // 0-based; `at` may already be past it
  trainer.add_observer(gan::CsvLogger(log, !append));
  gan::TrainingReport report = make_report(options, append);
  trainer.add_observer(std::ref(report));
  trainer.add_observer(gan::ProgressPrinter(std::cout, options.log_every, [&] {
    return gan::message("epoch ", epoch_of_last_batch + 1, "/", options.epochs);
  }));

  // The checkpoint that holds every step so far, and its step count.
  std::optional<std::filesystem::path> checkpoint = options.resume;
  std::uint64_t checkpoint_steps = trainer.steps();
  // The log holds every row up to the checkpoint before the checkpoint exists, so that a
  // resumed run continues the log without gaps.
  const auto save = [&] {
    errno = 0;
    log.flush();
    if (!log)
      throw gan::Error(gan::message(
          "--out: expected the log '", (options.out_dir / "log.csv").string(),
          "' to take its rows, got a failed write: ",
          errno ? std::strerror(errno) : "unknown reason", "; the checkpoint was not updated"));
    save_checkpoint(trainer, state, options);
    outputs.keep();
    checkpoint = options.out_dir / "checkpoint.gan";
    checkpoint_steps = trainer.steps();
  };
  // Each call hands the trainer the next batch and moves the position on, across epochs.
  const auto next_batch = [&]() -> const typename Trainer::matrix_type& {
    const auto& batch = data.batch(at.epoch, at.batch);
    epoch_of_last_batch = at.epoch;
    if (++at.batch == data.batches_per_epoch()) at = {at.epoch + 1, 0};
    return batch;
  };
  // Drawn below the progress lines, counting batches so that k and resuming do not matter.
  std::optional<gan::ProgressBar> bar;
  if (shows_progress_bar(options)) bar.emplace(std::cout, 0.2, terminal_columns());
  const auto batches_done = [&] { return at.epoch * data.batches_per_epoch() + at.batch; };
  const std::uint64_t batches_in_run = options.epochs * data.batches_per_epoch();
  while (at.epoch < options.epochs) {
    if (bar)
      bar->update(batches_done(), batches_in_run,
                  gan::message("epoch ", at.epoch + 1, "/", options.epochs));
    if (const int signal = InterruptFlag::received()) {
      if (trainer.steps() != checkpoint_steps) {
        save();  // mid-epoch: the position is saved
        // The report follows, so that it shows the steps the checkpoint holds; it is only a
        // view of the log, so failing to write it does not hide the interruption.
        try {
          report.write(options.out_dir / "report.html");
        } catch (const gan::Error& error) {
          std::cerr << "note: " << error.what() << '\n';
        }
      }
      throw interrupted_training(signal, trainer.steps(), epoch_of_last_batch + 1, options,
                                 checkpoint);
    }
    const std::uint64_t epoch_before = at.epoch;
    trainer.step(next_batch);
    if (at.epoch == epoch_before) continue;
    save();
    // The grid follows a checkpoint that worked.
    write_after_checkpoint(*checkpoint, [&] {
      report.add_samples(trainer.steps(), gan::message("epoch ", at.epoch),
                         save_grid(trainer, grid_noise, options, at.epoch), kImageSide, kImageSide,
                         kGridSide);
      report.write(options.out_dir / "report.html");
    });
    std::cout << "epoch " << at.epoch << "/" << options.epochs << " done at step "
              << trainer.steps() << ": " << (options.out_dir / "samples.png").string() << ", "
              << (options.out_dir / "checkpoint.gan").string() << std::endl;
  }
}

/// Writes options.samples generated images to options.samples_out as IDX3 bytes.
/// @param checkpoint the checkpoint the samples come from, for the message if interrupted
/// @throws Interrupted when SIGINT or SIGTERM came; nothing is written then
template <typename Conditioning, typename Trainer>
void write_samples(Trainer& trainer, const Options& options, const RunState& state,
                   const std::optional<std::filesystem::path>& checkpoint) {
  constexpr std::size_t kChunk = 500;  // bounds memory for large N
  gan::Rng rng(state.seed ^ kSamplesStream);
  std::vector<std::uint8_t> bytes;
  bytes.reserve(options.samples * kImageSide * kImageSide);
  for (std::size_t done = 0; done < options.samples; done += kChunk) {
    if (const int signal = InterruptFlag::received())
      throw Interrupted(
          signal,
          gan::message("interrupted by ", signal_name(signal), " while generating samples; ",
                       options.samples_out->string(), " was not written"),
          checkpoint);
    const std::size_t count = std::min(kChunk, options.samples - done);
    const auto noise = Conditioning::template sample_noise<Trainer>(count, options, rng);
    const gan::Matrix<float> images =
        Trainer::backend::matrix_to_host(trainer.generate_averaged(noise)).topRows(kPixels);
    const auto chunk = gan::data::to_bytes(images);
    bytes.insert(bytes.end(), chunk.begin(), chunk.end());
  }
  const auto n = static_cast<std::uint32_t>(options.samples);
  gan::data::write_idx(*options.samples_out, {n, kImageSide, kImageSide}, bytes);
  std::cout << "wrote " << options.samples << " samples to " << options.samples_out->string()
            << std::endl;
}

/// Fails before any training if the file of an output flag (--samples-out, --grid-out) could
/// not be written later (its folder must exist), or if writing it would replace a file the
/// run reads or writes.
inline void check_output_file(const char* flag, const std::filesystem::path& file,
                              const Options& options) {
  const auto folder = file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
  if (std::filesystem::is_directory(file))
    throw UsageError(gan::message(flag, ": expected a file, got '", file.string(),
                                  "', which is a folder"));
  if (!std::filesystem::is_directory(folder))
    throw UsageError(
        gan::message(flag, ": expected a file in an existing folder, got '", file.string(),
                     "', whose folder '", folder.string(), "' ",
                     std::filesystem::exists(folder) ? "is a file" : "does not exist"));
  if (const auto reason = why_not_writable(file))
    throw UsageError(gan::message(flag, ": expected a file that can be written, got '",
                                  file.string(),
                                  "', beside which creating a file failed: ", *reason));
  std::vector<std::filesystem::path> taken = {
      options.out_dir / "checkpoint.gan", options.out_dir / "log.csv",
      options.out_dir / "samples.png", options.out_dir / "report.html"};
  if (options.resume) taken.push_back(*options.resume);
  for (const char* name : {"train-images-idx3-ubyte", "train-labels-idx1-ubyte"}) {
    taken.push_back(options.data_dir / name);
    taken.push_back(options.data_dir / (std::string(name) + ".gz"));
  }
  for (const auto& other : taken)
    if (same_file(file, other))
      throw UsageError(gan::message(flag, ": expected a file of its own, got '",
                                    file.string(), "', which is ", other.string(),
                                    ", a file this run reads or writes"));
}

template <typename Trainer>
typename Trainer::Options trainer_options(const Options& options) {
  typename Trainer::Options result;
  result.generator_optimizer.learning_rate = options.generator_learning_rate;
  result.discriminator_optimizer.learning_rate = options.discriminator_learning_rate;
  result.discriminator_steps = options.discriminator_steps;
  result.seed = options.seed.value_or(kDefaultSeed);
  result.generator_average_decay = options.generator_average_decay;
  return result;
}

/// A class-conditional program's outputs after training (or from a checkpoint): the grid of
/// --grid-out and the classifier's verdict of --digit-accuracy.
template <typename Conditioning, typename Trainer>
void write_class_outputs(Trainer& trainer, const Options& options, const RunState& state) {
  if (options.grid_out) {
    gan::Rng rng(state.seed ^ kGridOutStream);
    const auto noise =
        Conditioning::template grid_noise<Trainer>(kGridSide * kGridSide, kGridSide, options, rng);
    const gan::Matrix<float> images =
        Trainer::backend::matrix_to_host(trainer.generate_averaged(noise)).topRows(kPixels);
    gan::data::write_image_grid(*options.grid_out, images, kImageSide, kImageSide, kGridSide);
    std::cout << "wrote a sample grid to " << options.grid_out->string() << std::endl;
  }
  if (options.digit_accuracy > 0) {
    mnist_classifier::MnistClassifier classifier = [&] {
      try {
        return mnist_classifier::MnistClassifier::load(options.classifier);
      } catch (const gan::CheckpointError& error) {
        throw gan::CheckpointError(gan::message("--classifier: ", error.what()));
      }
    }();
    const DigitAccuracy accuracy = measure_digit_accuracy<Conditioning>(
        trainer, classifier, options, options.digit_accuracy, state.seed ^ kAccuracyStream);
    std::cout << describe(accuracy, options.classifier) << std::flush;
  }
}

template <typename G, typename D, typename Loss, typename B, typename Conditioning>
void run(const Options& options) {
  using Trainer = gan::AlternatingTrainer<G, D, Loss, gan::Adam, typename Conditioning::Prior, B>;
  Trainer trainer(trainer_options<Trainer>(options));
  RunState state = resume_if_asked(trainer, options);
  if (options.samples_out) check_output_file("--samples-out", *options.samples_out, options);
  if (options.grid_out) check_output_file("--grid-out", *options.grid_out, options);
  std::optional<std::filesystem::path> checkpoint = options.resume;
  const bool trains = state.position.epoch < options.epochs;
  if (trains) {
    check_output_folder(options, trainer.steps());
    train<Conditioning>(trainer, options, state);
    checkpoint = options.out_dir / "checkpoint.gan";
  } else if (options.epochs > 0) {
    std::cout << "nothing to train: the checkpoint has " << state.position.epoch
              << " epochs done and --epochs is " << options.epochs
              << "; give a larger --epochs to continue" << std::endl;
  }
  if (options.samples > 0 && trains)
    write_after_checkpoint(
        *checkpoint, [&] { write_samples<Conditioning>(trainer, options, state, checkpoint); });
  else if (options.samples > 0)
    write_samples<Conditioning>(trainer, options, state, checkpoint);
  if constexpr (Conditioning::classes > 0) {
    if (trains)
      write_after_checkpoint(*checkpoint,
                             [&] { write_class_outputs<Conditioning>(trainer, options, state); });
    else
      write_class_outputs<Conditioning>(trainer, options, state);
  }
}

/// The loss named by --loss; on --resume, the one the checkpoint was trained with (a trainer
/// refuses a checkpoint of another loss, so this picks the one that fits).
/// Another --loss than the checkpoint's is refused as another --seed or --batch-size is.
inline std::string chosen_loss(const Options& options) {
  if (options.resume)
    return resumed_value(options.loss, gan::CheckpointReader(*options.resume).get_text("loss"),
                         "--loss");
  return options.loss.value_or(gan::NonSaturatingLoss::name);
}

/// run() with the loss policy named `loss`.
template <typename G, typename D, typename B, typename Conditioning = Unconditional>
void run_with_loss(const Options& options, const std::string& loss) {
  if (loss == "minimax")
    run<G, D, gan::MinimaxLoss, B, Conditioning>(options);
  else if (loss == "least-squares")
    run<G, D, gan::LeastSquaresLoss, B, Conditioning>(options);
  else
    run<G, D, gan::NonSaturatingLoss, B, Conditioning>(options);
}

/// The --help text with the devices of this build in place of DEVICES.
inline std::string with_devices(std::string text) {
  const std::string devices =
      device_name == nullptr
          ? "cpu only: this build has no GPU part (build with -DGAN_ENABLE_CUDA=ON for cuda)"
      : std::string_view(device_name) == "cuda"
          ? "cpu (default), or cuda to train on the GPU"
          : gan::message("cpu (default), or ", device_name,
                         " to run the device code on the CPU (a test build)");
  const auto at = text.find("DEVICES");
  if (at != std::string::npos) text.replace(at, 7, devices);
  return text;
}

/// Refuses a --device this build cannot run, naming what it can.
inline void check_device(const std::string& device) {
  if (device == "cpu" || (device_name != nullptr && device == device_name)) return;
  if (device_name != nullptr && device == "cuda")
    throw UsageError(gan::message("--device cuda: expected cpu or ", device_name,
                                  ", got cuda: this build runs its device "
                                  "code on the CPU (",
                                  device_name, "); a build with -DGAN_ENABLE_CUDA=ON has cuda"));
  if (device_name != nullptr)
    throw UsageError(
        gan::message("--device: expected cpu or ", device_name, ", got '", device, "'"));
  if (device == "cuda")
    throw UsageError(
        "--device cuda: this program was built without CUDA, so it runs on the cpu only; "
        "build it where nvcc is found with -DGAN_ENABLE_CUDA=ON (scripts/gpu-check does)");
  throw UsageError(
      gan::message("--device: expected cpu (this build has no GPU part), got '", device, "'"));
}

/// The whole program: parses argv, runs, and turns every failure into a message and an exit
/// status (2 for a bad command line, 128 + the signal for a run that SIGINT or SIGTERM
/// stopped, 1 for anything else).
/// @tparam Conditioning Unconditional, or ClassConditional<Classes> for a class-conditional G
///   and D, whose ProgramDefaults then give the same `classes`
template <typename G, typename D, typename Conditioning = Unconditional>
int run_program(const ProgramDefaults& defaults, int argc, char** argv) {
  const std::string_view name = defaults.name;
  try {
    const InterruptFlag interrupt_flag;
    const Options options = parse_options(argc, argv, defaults);
    if (options.help) {
      std::cout << with_devices(usage(defaults));
      return 0;
    }
    check_device(options.device);
    set_threads(options.threads);
    const std::string loss = chosen_loss(options);
    const Options settings = with_checkpoint_settings(options);
    if (options.device == "cpu")
      run_with_loss<G, D, float, Conditioning>(settings, loss);
    else
      run_on_device(settings, loss);
    return 0;
  } catch (const Interrupted& interrupted) {
    std::cerr << name << ": " << interrupted.what()
              << "\nTo continue: " << continue_command(argc, argv, interrupted.checkpoint())
              << '\n';
    return interrupted.exit_status();
  } catch (const UsageError& error) {
    return command_line::report(name, error);
  } catch (const std::bad_alloc&) {
    std::cerr << name << ": error: out of memory; a smaller --batch-size or --samples needs less\n";
    return 1;
  } catch (const gan::DivergenceError& error) {
    std::cerr << name << ": training stopped: " << error.what()
              << "\nThe last good checkpoint, if one was written, is unchanged on disk.\n";
    return 1;
  } catch (const std::exception& error) {
    std::cerr << name << ": error: " << error.what() << '\n';
    return 1;
  }
}

}  // namespace examples
