// SPDX-License-Identifier: MIT
// mnist_score: scores a file of 28 x 28 digit images against the real digits, in the features
// of the MNIST classifier (classifier.hpp), and prints one JSON line:
//
//   {"file":"runs/mnist_gan/samples.png","format":"png grid","count":100,
//    "frechet_distance":41.2,"reference":"data/mnist","reference_count":10000,
//    "inception_score":8.1,"class_entropy":0.97,"classifier":"...","seconds":1.3}
//
// The images come from an IDX3 file of unsigned bytes (what --samples-out of the GAN examples
// writes, and MNIST's own image files, raw or gzip-compressed) or from a PNG grid as the
// examples write it (samples.png, samples/epoch-NNN.png). The format is told by the content.
// The Fréchet distance depends on the sample count (docs/metrics.md), so compare values of
// equal counts only; the count is always in the line.
#include "../common/command_line.hpp"
#include "classifier.hpp"
#include "weights_path.hpp"

#include <gan/data/idx.hpp>
#include <gan/data/mnist.hpp>
#include <gan/data/png_reader.hpp>
#include <gan/gan.hpp>

#include <Eigen/Core>

#ifdef _OPENMP
#include <omp.h>
#endif

#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <new>
#include <optional>
#include <string>
#include <string_view>

namespace {

using command_line::UsageError;

constexpr std::string_view kName = "mnist_score";
constexpr std::size_t kSide = 28;

const std::filesystem::path kDefaultClassifier = mnist_classifier::kCommittedWeights;

constexpr const char* kUsage = R"(Usage: mnist_score --images FILE [options]

Scores 28x28 digit images against real MNIST digits and prints one JSON line: the Frechet
distance between the two sets' features in a digit classifier (lower is better; it depends on
the sample count, which the line gives), the Inception-Score analogue and the entropy of the
predicted-class histogram over log(10) (1: every digit equally often; low: mode collapse).

  --images FILE       the images to score, at least 2: an IDX3 file of unsigned bytes
                      (N x 28 x 28, raw or .gz; what --samples-out writes), or a PNG grid
                      as the examples write it (samples.png: 28x28 tiles with 2-pixel black
                      borders; black tiles that end the last row are empty slots)
  --data DIR          the real digits: an MNIST-format folder (default data/mnist)
  --classifier FILE   the classifier's weights (default CLASSIFIER)
  --threads N         worker threads, 1-1024 (default: OMP_NUM_THREADS, else all cores)
  --help              print this text and exit

Exit status: 0 with the JSON line on standard output; 1 for a file that cannot be read or
used, 2 for a bad command line; the reason goes to standard error.
)";

struct Options {
  bool help = false;
  std::optional<std::filesystem::path> images;
  std::filesystem::path data_dir = "data/mnist";
  std::filesystem::path classifier = kDefaultClassifier;
  int threads = 0;
};

Options parse_options(int argc, const char* const* argv) {
  Options options;
  options.help = command_line::read_flags(
      argc, argv, {"--images", "--data", "--classifier", "--threads"},
      [&](std::string_view flag, std::string_view value) {
        if (flag == "--images" && options.images)
          throw UsageError(gan::message("--images: expected one file, got '",
                                        options.images->string(), "' and '", value, "'"));
        if (flag == "--images")
          options.images = value;
        else if (flag == "--data")
          options.data_dir = value;
        else if (flag == "--classifier")
          options.classifier = value;
        else if (flag == "--threads")
          options.threads =
              command_line::parse_integer<int>(flag, value, 1, command_line::kMaxThreads);
      });
  if (!options.help && !options.images)
    throw UsageError("--images: expected the file to score, got none");
  return options;
}

// The first bytes of `path`, to tell its format; fewer when the file is shorter.
std::string first_bytes(const std::filesystem::path& path, std::size_t count) {
  std::ifstream in(path, std::ios::binary);
  std::string bytes(count, '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(count));
  bytes.resize(static_cast<std::size_t>(in.gcount()));
  return bytes;
}

struct Images {
  gan::Matrix<float> values;  // [784, n] in [-1, 1]
  std::string format;
};

// Reads the images of an IDX3 file (N x 28 x 28 bytes) or of a PNG grid, by content.
Images read_images(const std::filesystem::path& path) {
  const std::string kind = gan::data::file_kind(path);
  if (kind != "a regular file")
    throw gan::DataError(gan::message("--images: expected a file of images, got '", path.string(),
                                      "', which is ", kind));
  if (first_bytes(path, 8) == "\x89PNG\r\n\x1a\n")
    return {gan::data::split_image_grid<float>(path, kSide, kSide), "png grid"};
  const gan::data::IdxArray array = gan::data::read_idx(path);
  if (array.dims.size() != 3 || array.dims[1] != kSide || array.dims[2] != kSide)
    throw gan::DataError(gan::message("'", path.string(), "': expected IDX images of N x ", kSide,
                                      " x ", kSide, " bytes, got dimensions ",
                                      gan::data::detail::dims_text(array.dims)));
  gan::data::LabelledImages images;
  images.count = array.dims[0];
  images.rows = kSide;
  images.cols = kSide;
  images.pixels = array.values;
  return {gan::data::to_matrix<float>(images), "idx"};
}

// `text` as a JSON string, quotes included.
std::string json_string(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned>(c));
      out += escaped;
    } else {
      out += c;
    }
  }
  return out + '"';
}

// A number as JSON: the shortest text that reads back exactly; JSON has no NaN, so null.
std::string json_number(double value) {
  return std::isfinite(value) ? command_line::exact_text(value) : "null";
}

int score(const Options& options) {
  const auto start = std::chrono::steady_clock::now();
  if (options.threads > 0) {
#ifdef _OPENMP
    omp_set_num_threads(options.threads);
#endif
    Eigen::setNbThreads(options.threads);
  }
  const Images images = read_images(*options.images);
  if (images.values.cols() < 2)
    throw gan::DataError(gan::message("'", options.images->string(),
                                      "': expected at least 2 images to score, got ",
                                      images.values.cols()));
  std::optional<mnist_classifier::MnistClassifier> classifier;
  try {
    classifier.emplace(mnist_classifier::MnistClassifier::load(options.classifier));
  } catch (const gan::CheckpointError& error) {
    throw gan::CheckpointError(gan::message("--classifier: ", error.what()));
  }
  const gan::data::LabelledImages real = gan::data::load_mnist_folder(options.data_dir);
  if (real.count < 2)
    throw gan::DataError(gan::message("--data '", options.data_dir.string(),
                                      "': expected at least 2 real images, got ", real.count));
  if (real.rows != kSide || real.cols != kSide)
    throw gan::DataError(gan::message("--data '", options.data_dir.string(), "': expected ", kSide,
                                      "x", kSide, " images, got ", real.rows, "x", real.cols));
  const gan::metrics::QualityEvaluator<float> evaluator(
      [&](const gan::Matrix<float>& batch) { return classifier->scores(batch); },
      gan::data::to_matrix<float>(real));
  const gan::Quality quality = evaluator.evaluate(images.values);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << "{\"file\":" << json_string(options.images->string())
            << ",\"format\":" << json_string(images.format) << ",\"count\":" << quality.sample_count
            << ",\"frechet_distance\":" << json_number(quality.frechet_distance)
            << ",\"reference\":" << json_string(options.data_dir.string())
            << ",\"reference_count\":" << quality.reference_count
            << ",\"inception_score\":" << json_number(quality.inception_score)
            << ",\"class_entropy\":" << json_number(quality.class_entropy)
            << ",\"classifier\":" << json_string(options.classifier.string())
            << ",\"seconds\":" << json_number(std::round(seconds * 1000) / 1000) << "}"
            << std::endl;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Options options = parse_options(argc, argv);
    if (options.help) {
      std::string text = kUsage;
      text.replace(text.find("CLASSIFIER"), 10, kDefaultClassifier.string());
      std::cout << text;
      return 0;
    }
    return score(options);
  } catch (const UsageError& error) {
    return command_line::report(kName, error);
  } catch (const std::bad_alloc&) {
    std::cerr << kName << ": error: out of memory\n";
    return 1;
  } catch (const std::exception& error) {
    std::cerr << kName << ": error: " << error.what() << '\n';
    return 1;
  }
}
