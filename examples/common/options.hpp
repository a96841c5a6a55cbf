// SPDX-License-Identifier: MIT
// Command-line options of the MNIST GAN examples: parsing, validation and --help.
//
// Outside tools drive these programs, so the flags below are a stable interface; the help
// text is their documentation.
#pragma once

#include "../mnist_classifier/weights_path.hpp"
#include "command_line.hpp"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace examples {

using command_line::exact_text;
using command_line::kMaxThreads;
using command_line::parse_fraction;
using command_line::parse_integer;
using command_line::parse_positive;
using command_line::read_flags;
using command_line::UsageError;

/// The classifier whose features measure sample quality: the committed weights.
inline const std::filesystem::path kDefaultClassifier = mnist_classifier::kCommittedWeights;

/// Everything the command line can set. Values that a checkpoint also records (seed, batch
/// size) are optional, so that a resumed run can tell "not given" from "given".
struct Options {
  bool help = false;
  std::filesystem::path data_dir = "data/mnist";
  std::filesystem::path out_dir;  // set from the program's name before parsing
  std::uint64_t epochs = 0;       // set from the program's default before parsing
  std::optional<std::size_t> batch_size;
  std::optional<std::uint64_t> seed;
  std::optional<std::string> loss;  // default non-saturating, or the checkpoint's on --resume
  std::size_t discriminator_steps = 1;
  double generator_learning_rate = 2e-4;
  double discriminator_learning_rate = 2e-4;
  double generator_average_decay = 0;  // set from the program's default before parsing
  std::optional<std::filesystem::path> resume;
  std::size_t samples = 0;
  std::optional<std::filesystem::path> samples_out;
  int threads = 0;             // 0: OpenMP's default (OMP_NUM_THREADS, else every core)
  std::string device = "cpu";  // or the build's device (program.hpp, check_device())
  std::uint64_t log_every = 50;
  // on, off, or auto: on when standard output is a terminal
  std::string progress_bar = "auto";
  std::size_t quality_samples = 2000;  // 0: no quality measurement
  std::uint64_t quality_every = 1;     // epochs; set from the program's default before parsing
  std::filesystem::path classifier = kDefaultClassifier;
  // A class-conditional program's (ProgramDefaults::classes > 0) sampling choices.
  std::optional<int> digit;                       // the class of every grid and --samples image
  std::size_t digit_accuracy = 0;                 // samples per class to classify; 0: none
  std::optional<std::filesystem::path> grid_out;  // a sample grid PNG to write after training
  /// The flags the command line gave, so that a resumed run knows which settings to take from
  /// its checkpoint (those left out) and which were changed on purpose.
  std::set<std::string, std::less<>> given;
};

/// What differs between the example programs' defaults: how long a default run is, and how
/// much the sample grids average (a short run needs a shorter average, or its samples would
/// still carry the initial weights).
struct ProgramDefaults {
  /// The program's name: in messages, and the default output folder, runs/<name>.
  std::string_view name;
  std::uint64_t epochs = 1;
  double generator_average_decay = 0.999;
  /// Epochs between quality measurements: each costs about as much as a fraction of an
  /// epoch, so a program with short epochs measures less often.
  std::uint64_t quality_every = 1;
  /// Classes of a class-conditional GAN (conditioning.hpp), 0 for an unconditional one: a
  /// program with classes takes --digit, --digit-accuracy and --grid-out.
  std::size_t classes = 0;
};

inline constexpr std::size_t kDefaultBatchSize = 64;
inline constexpr std::uint64_t kDefaultSeed = 1;
// More discriminator steps than this per generator step is a typo, not a training scheme
// (WGAN's critic uses 5); it would run for hours before printing a line.
inline constexpr std::size_t kMaxK = 100;
// Most images --samples writes: 784 MB, held in memory before the file is written.
inline constexpr std::size_t kMaxSamples = 1'000'000;
// Most samples a quality measurement scores: 78 MB of floats, held during the measurement.
inline constexpr std::size_t kMaxQualitySamples = 100'000;
// More epochs between measurements than this is a typo (and would overflow once multiplied
// by the steps of an epoch).
inline constexpr std::uint64_t kMaxQualityEvery = 1'000'000;
// Most samples per class --digit-accuracy classifies: 784 MB of floats at 10 classes.
inline constexpr std::size_t kMaxDigitAccuracy = 100'000;

/// The --help section of a class-conditional program's flags; CLASS_MAX is the last class.
inline constexpr const char* kClassUsage =
    R"(Classes (a conditional GAN: the generator draws the class it is given):
  --digit N           draw class N, 0 to CLASS_MAX, in every image of the sample grids and of
                      --samples (default: grids show one class per row, 0 at the top, and
                      --samples draws random classes)
  --digit-accuracy N  after training, generate N samples of each class (only --digit's, when
                      given), have the classifier (--classifier) name each, and print the
                      share named as the class asked for, overall and per class
  --grid-out FILE     after training, write a 10x10 sample grid PNG to FILE, drawn as
                      samples.png is (--digit's class, or one class per row), from its own
                      noise. With --epochs 0 and --resume, --digit-accuracy and --grid-out
                      use the checkpoint without training.
)";

/// The --help text, with the program's name and defaults filled in.
inline std::string usage(const ProgramDefaults& defaults) {
  std::string text = R"(Usage: PROGRAM [options]

Trains a GAN on MNIST-format digits and writes sample grids, a CSV log and checkpoints.

Data and output:
  --data DIR          folder with train-images-idx3-ubyte and train-labels-idx1-ubyte, raw
                      or .gz, the raw file where both are there (default data/mnist; fetch
                      it with scripts/fetch-mnist). The original 60,000-digit MNIST folder
                      and Fashion-MNIST (/usr/share/datasets/fashion-mnist) work too.
  --out DIR           output folder (default runs/PROGRAM), created if missing:
                        samples/epoch-NNN.png  a 10x10 grid from a fixed noise batch, each epoch
                        samples.png            the latest grid
                        log.csv                one row of statistics per step
                        checkpoint.gan         networks, optimizers, random state; every epoch
                        report.html            charts of losses, scores and quality, and the
                                               grids: one self-contained page, every epoch
Training:
  --epochs N          train until N epochs are complete (default EPOCHS; on --resume, the
                      epochs already done count, so N is the total)
  --batch-size N      real images per discriminator step (default 64)
  --seed N            seeds initialisation, noise and shuffling (default 1)
  --loss NAME         non-saturating (default), minimax, or least-squares; on --resume,
                      the checkpoint's loss unless given
  --k N               discriminator steps per generator step, 1 to 100 and at most the
                      batches in one epoch (default 1)
  --g-lr X            generator learning rate, Adam (default 0.0002)
  --d-lr X            discriminator learning rate, Adam (default 0.0002)
  --g-average X       decay of the moving average of the generator's weights that draws the
                      sample grids and --samples (default AVERAGE: about the last STEPS
                      steps; 0 draws from the generator itself)
                      On --resume, --k, --g-lr, --d-lr and --g-average default to the
                      checkpoint's values.
  --threads N         worker threads, 1-1024 (default: OMP_NUM_THREADS, else all cores)
  --device NAME       where to train:
                      DEVICES.
                      A checkpoint written on either device loads on the other.
  --log-every N       print a progress line every N steps (default 50)
  --progress-bar WHEN a bar with the time left, redrawn in place below the progress lines:
                      auto (default: when standard output is a terminal), on or off
  --resume FILE       continue from a checkpoint written by this program; the run goes on
                      exactly as if it had never stopped
Quality (docs/metrics.md):
  --quality-samples N Frechet distance of N generated digits to the real ones, in the
                      features of a digit classifier, printed and logged to log.csv with
                      its sample counts, the Inception-Score analogue and the entropy of the
                      predicted classes; 0 turns it off (default 2000, at most 100000)
  --quality-every N   measure every N epochs' worth of steps, 1 to 1000000 (default
                      QUALITY_EVERY)
                      On --resume, --quality-samples and --quality-every default to the
                      checkpoint's values.
  --classifier FILE   the classifier's weights (default CLASSIFIER, trained by
                      scripts/train-classifier); its features fit digits, not other images
Sampling:
  --samples N         after training, write N generated images ...
  --samples-out FILE  ... to FILE as IDX3 (N x 28 x 28 unsigned bytes, 0-255), the MNIST
                      image format, for any outside tool to evaluate. With --epochs 0 and
                      --resume, samples from the checkpoint without training.
CLASSES  --help              print this text and exit

Ctrl-C (SIGINT) or SIGTERM stops the run between two steps, with a checkpoint of every step
so far and the command that continues it; a second Ctrl-C ends it at once.

Exit status: 0 on success, 1 on a data, checkpoint or training error, 2 on a bad command line,
130 when stopped by SIGINT, 143 when stopped by SIGTERM.
)";
  const auto replace_all = [&](std::string_view from, std::string_view to) {
    for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at))
      text.replace(at, from.size(), to), at += to.size();
  };
  replace_all("PROGRAM", defaults.name);
  replace_all("EPOCHS", std::to_string(defaults.epochs));
  replace_all("AVERAGE", exact_text(defaults.generator_average_decay));
  replace_all("QUALITY_EVERY", std::to_string(defaults.quality_every));
  // A conditional program's section goes just before --help.
  replace_all("CLASSES", defaults.classes == 0 ? "" : kClassUsage);
  if (defaults.classes > 0) replace_all("CLASS_MAX", std::to_string(defaults.classes - 1));
  replace_all("CLASSIFIER", kDefaultClassifier.string());
  // An average with decay d weighs the last 1 / (1 - d) steps the most.
  // Built digit by digit: std::string::insert here trips GCC 12's false -Wrestrict at -O3
  // (https://gcc.gnu.org/bugzilla/show_bug.cgi?id=105329) in some programs' inlining.
  const std::string digits =
      std::to_string(std::lround(1 / (1 - defaults.generator_average_decay)));
  std::string steps;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) steps += ',';
    steps += digits[i];
  }
  replace_all("STEPS", steps);
  return text;
}

/// Parses and validates the command line.
/// @throws UsageError naming the flag, what it expects and what it got
inline Options parse_options(int argc, const char* const* argv, const ProgramDefaults& defaults) {
  Options options;
  options.out_dir = std::filesystem::path("runs") / defaults.name;
  options.epochs = defaults.epochs;
  options.generator_average_decay = defaults.generator_average_decay;
  options.quality_every = defaults.quality_every;
  options.help = read_flags(
      argc, argv,
      // One flag a line would make this list 23 lines long.
      // clang-format off
      {"--data", "--out", "--epochs", "--batch-size", "--seed", "--loss", "--k", "--g-lr", "--d-lr",
       "--g-average", "--threads", "--device", "--log-every", "--progress-bar",
       "--quality-samples", "--quality-every", "--classifier", "--resume", "--samples",
       "--samples-out", "--digit", "--digit-accuracy", "--grid-out"},
      // clang-format on
      [&](std::string_view flag, std::string_view value) {
        const bool class_flag =
            flag == "--digit" || flag == "--digit-accuracy" || flag == "--grid-out";
        if (class_flag && defaults.classes == 0)
          throw UsageError("unknown option '" + std::string(flag) + "'");
        options.given.emplace(flag);
        if (flag == "--data")
          options.data_dir = value;
        else if (flag == "--out")
          options.out_dir = value;
        else if (flag == "--epochs")
          options.epochs = parse_integer<std::uint64_t>(flag, value, 0);
        else if (flag == "--batch-size")
          options.batch_size = parse_integer<std::size_t>(flag, value, 1);
        else if (flag == "--seed")
          options.seed = parse_integer<std::uint64_t>(flag, value, 0);
        else if (flag == "--loss")
          options.loss = value;
        else if (flag == "--k")
          options.discriminator_steps = parse_integer<std::size_t>(flag, value, 1, kMaxK);
        else if (flag == "--g-lr")
          options.generator_learning_rate = parse_positive(flag, value);
        else if (flag == "--d-lr")
          options.discriminator_learning_rate = parse_positive(flag, value);
        else if (flag == "--g-average")
          options.generator_average_decay = parse_fraction(flag, value);
        else if (flag == "--threads")
          options.threads = parse_integer<int>(flag, value, 1, kMaxThreads);
        else if (flag == "--device")
          options.device = value;
        else if (flag == "--log-every")
          options.log_every = parse_integer<std::uint64_t>(flag, value, 1);
        else if (flag == "--quality-samples")
          options.quality_samples = parse_integer<std::size_t>(flag, value, 0, kMaxQualitySamples);
        else if (flag == "--quality-every")
          options.quality_every = parse_integer<std::uint64_t>(flag, value, 1, kMaxQualityEvery);
        else if (flag == "--classifier")
          options.classifier = value;
        else if (flag == "--progress-bar")
          options.progress_bar = value;
        else if (flag == "--resume")
          options.resume = value;
        else if (flag == "--samples")
          // An IDX3 file counts its images in 32 bits; a million images is 784 MB of bytes.
          options.samples = parse_integer<std::size_t>(flag, value, 1, kMaxSamples);
        else if (flag == "--samples-out")
          options.samples_out = value;
        else if (flag == "--digit")
          options.digit =
              parse_integer<int>(flag, value, 0, static_cast<int>(defaults.classes) - 1);
        else if (flag == "--digit-accuracy")
          options.digit_accuracy = parse_integer<std::size_t>(flag, value, 1, kMaxDigitAccuracy);
        else if (flag == "--grid-out")
          options.grid_out = value;
      });
  if (options.help) return options;
  if (options.loss && *options.loss != "non-saturating" && *options.loss != "minimax" &&
      *options.loss != "least-squares")
    throw UsageError("--loss: expected non-saturating, minimax or least-squares, got '" +
                     *options.loss + "'");
  if (options.progress_bar != "auto" && options.progress_bar != "on" &&
      options.progress_bar != "off")
    throw UsageError("--progress-bar: expected auto, on or off, got '" + options.progress_bar +
                     "'");
  if (options.quality_samples == 1)
    throw UsageError("--quality-samples: expected 0 (off) or at least 2 samples, got 1");
  if ((options.samples > 0) != options.samples_out.has_value())
    throw UsageError("--samples and --samples-out: expected both or neither, got only " +
                     std::string(options.samples > 0 ? "--samples" : "--samples-out"));
  const bool samples_something =
      options.samples > 0 || options.digit_accuracy > 0 || options.grid_out.has_value();
  if (options.epochs == 0 && options.resume && !samples_something && defaults.classes > 0)
    throw UsageError(
        "--epochs 0 with --resume: expected --samples N --samples-out FILE, --digit-accuracy N "
        "or --grid-out FILE as well (sampling from the checkpoint without training), got none "
        "of them; alone, the two do nothing");
  if (options.epochs == 0 && !options.resume && defaults.classes > 0)
    throw UsageError(
        "--epochs 0: expected --resume FILE with --samples N --samples-out FILE, "
        "--digit-accuracy N or --grid-out FILE (sampling from a checkpoint), got no --resume");
  if (options.epochs == 0 && options.resume && !samples_something)
    throw UsageError(
        "--epochs 0 with --resume: expected --samples N --samples-out FILE as well (sampling "
        "from the checkpoint without training), got neither; alone, the two do nothing");
  if (options.epochs == 0 && !options.resume && options.samples == 0)
    throw UsageError(
        "--epochs 0: expected --resume FILE with --samples N --samples-out FILE "
        "(sampling from a checkpoint), got nothing to do");
  return options;
}

}  // namespace examples
