// SPDX-License-Identifier: MIT
// mnist_classifier: trains the MNIST digit classifier whose features the Fréchet distance of
// the GAN examples is computed from (docs/mnist_classifier.md), and writes its weights.
//
// What it shows: gan::SupervisedTrainer on a convolutional network (classifier.hpp), a
// held-out split, seeded data augmentation, and a weights file that MnistClassifier::load
// reads back and that refuses to load into anything else.
//
// Run it (after scripts/fetch-mnist; scripts/train-classifier does all of it in one command):
//   build/examples/mnist_classifier/mnist_classifier --data data/mnist --out classifier.gan
// The last 2,000 of the 10,000 digits scripts/fetch-mnist writes are held out: training sees
// the first 8,000 only, and each epoch's line gives the accuracy on the 2,000. A data set of
// another size holds out its last 20%. `mnist_classifier --help` lists every flag.

#include "../common/command_line.hpp"
#include "classifier.hpp"

#include <gan/data/mnist.hpp>
#include <gan/gan.hpp>
#include <gan/train/supervised.hpp>

#include <Eigen/Core>
#ifdef _OPENMP
#include <omp.h>
#endif

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <iostream>
#include <map>
#include <numbers>
#include <numeric>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

using command_line::UsageError;
using mnist_classifier::Architecture;
using Trainer = gan::SupervisedTrainer<Architecture, gan::Adam, float>;

constexpr std::string_view kName = "mnist_classifier";
// The digits scripts/fetch-mnist writes; the last kHeldOut of them are never trained on.
constexpr std::size_t kExpectedDigits = 10'000;
constexpr std::size_t kHeldOut = 2'000;
// Samples per step: small batches give more updates per epoch on only 8,000 digits.
constexpr std::size_t kBatchSize = 32;
// Adam with its paper's defaults (Kingma and Ba 2015) rather than the DCGAN settings that
// gan::Adam defaults to; those damp momentum for a two-player game, which a classifier is not.
// The rate falls along a half cosine from kLearningRate in the first epoch towards 0 in the
// last (Loshchilov and Hutter 2017, arXiv:1608.03983, without restarts), so that the last
// epochs settle into a minimum instead of jumping about it.
constexpr double kLearningRate = 1e-3;
constexpr double kBeta1 = 0.9;
// Each training image is shifted by a whole number of pixels from -kMaxShift to kMaxShift,
// down and across, drawn afresh every epoch: MNIST digits are centred by their centre of mass
// only to within a pixel or two, so shifted copies are digits the classifier should know.
constexpr int kMaxShift = 2;
constexpr std::uint64_t kDefaultEpochs = 30;
constexpr std::uint64_t kDefaultSeed = 1;
constexpr const char* kDefaultOut = "mnist_classifier.gan";
// One thread unless --threads says otherwise: at batch 32 each layer's work is too small to
// share. Measured on a 2-core machine with other jobs running, 15 epochs took 26 s on one
// thread and 3 to 5.5 minutes on two, which spend their time waiting for each other.
constexpr int kDefaultThreads = 1;

struct Options {
  bool help = false;
  std::filesystem::path data_dir = "data/mnist";
  std::filesystem::path out = kDefaultOut;
  std::uint64_t epochs = kDefaultEpochs;
  std::uint64_t seed = kDefaultSeed;
  int threads = kDefaultThreads;
};

constexpr const char* kUsage = R"(Usage: mnist_classifier [options]

Trains the MNIST digit classifier whose 64 penultimate-layer features the Fréchet distance
uses, and writes its weights. The last 2,000 of the 10,000 digits of scripts/fetch-mnist are
held out (a data set of another size: its last 20%); each epoch prints the training loss and
the accuracy on the held-out digits.

  --data DIR     folder with train-images-idx3-ubyte and train-labels-idx1-ubyte, raw or .gz
                 (default data/mnist; fetch it with scripts/fetch-mnist)
  --out FILE     the weights file, written atomically at the end (default mnist_classifier.gan)
  --epochs N     passes over the training digits, 1 to 1000 (default 30)
  --seed N       seeds initialisation, shuffling and augmentation (default 1); the same seed
                 and thread count give the same weights, byte for byte
  --threads N    worker threads, 1-1024 (default 1, the fastest for this small network;
                 OMP_NUM_THREADS is not read)
  --help         print this text and exit

Exit status: 0 on success, 1 on a data or output error, 2 on a bad command line.
)";

Options parse_options(int argc, const char* const* argv) {
  Options options;
  options.help = command_line::read_flags(
      argc, argv, {"--data", "--out", "--epochs", "--seed", "--threads"},
      [&](std::string_view flag, std::string_view value) {
        if (flag == "--data")
          options.data_dir = value;
        else if (flag == "--out")
          options.out = value;
        else if (flag == "--epochs")
          options.epochs = command_line::parse_integer<std::uint64_t>(flag, value, 1, 1000);
        else if (flag == "--seed")
          options.seed = command_line::parse_integer<std::uint64_t>(flag, value, 0);
        else if (flag == "--threads")
          options.threads =
              command_line::parse_integer<int>(flag, value, 1, command_line::kMaxThreads);
      });
  return options;
}

void set_threads(int threads) {
#ifdef _OPENMP
  omp_set_num_threads(threads);
#endif
  Eigen::setNbThreads(threads);
}

/// Refuses an output path that cannot be written, before any training: probed by creating and
/// removing a temporary file beside it, as CheckpointWriter::commit writes.
void check_output(const std::filesystem::path& out) {
  if (std::filesystem::is_directory(out))
    throw UsageError("--out: expected a file name, got '" + out.string() + "', a folder");
  const std::string probe = out.string() + ".probe-" + std::to_string(::getpid());
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    throw UsageError("--out: cannot write '" + out.string() + "': " + std::strerror(errno));
  ::close(fd);
  ::unlink(probe.c_str());
}

/// Images [784, n] in [-1, 1] with their labels.
struct Split {
  gan::Matrix<float> images;
  std::vector<std::uint8_t> labels;
};

struct Data {
  Split train;
  Split held_out;
};

/// Loads the digits and holds out the last kHeldOut of 10,000, or the last 20% of another
/// count.
Data load_data(const std::filesystem::path& dir) {
  const gan::data::LabelledImages digits = gan::data::load_mnist_folder(dir);
  if (digits.rows != 28 || digits.cols != 28 || digits.count < 5)
    throw gan::DataError(
        gan::message("mnist_classifier: expected at least 5 images of 28 x 28 in '", dir.string(),
                     "', got ", digits.count, " of ", digits.rows, " x ", digits.cols));
  const std::size_t held_out =
      digits.count == kExpectedDigits ? kHeldOut : std::max<std::size_t>(1, digits.count / 5);
  const std::size_t train = digits.count - held_out;
  std::cout << "loaded " << digits.count << " digits from " << dir.string() << "; training on the "
            << "first " << train << ", holding out the last " << held_out
            << (digits.count == kExpectedDigits ? "" : " (20%: not the 10,000 of fetch-mnist)")
            << std::endl;
  const gan::Matrix<float> all = gan::data::to_matrix<float>(digits);
  const auto n = static_cast<Eigen::Index>(train);
  return {{all.leftCols(n), {digits.labels.begin(), digits.labels.begin() + n}},
          {all.rightCols(all.cols() - n), {digits.labels.begin() + n, digits.labels.end()}}};
}

/// Copies image `from` of `source` into column `to` of `batch`, shifted by (down, across)
/// pixels; what comes in at the edges is background, -1.
void shifted_copy(const gan::Matrix<float>& source, Eigen::Index from, gan::Matrix<float>& batch,
                  Eigen::Index to, int down, int across) {
  constexpr int kSide = 28;
  auto column = batch.col(to);
  column.setConstant(-1.0f);
  for (int row = std::max(0, down); row < std::min(kSide, kSide + down); ++row)
    for (int col = std::max(0, across); col < std::min(kSide, kSide + across); ++col)
      column(row * kSide + col) = source(((row - down) * kSide) + (col - across), from);
}

/// One epoch over the training digits in a shuffled order, each image shifted at random;
/// the order and the shifts come from the seed and the epoch alone.
/// @return the mean training loss
double train_epoch(Trainer& trainer, const Split& train, std::uint64_t seed, std::uint64_t epoch) {
  // A stream of its own for each epoch (Philox keyed by a number that the seed and the epoch
  // give), apart from the initialisation's, which is keyed by the seed itself.
  gan::Rng rng(seed + 0x9E3779B97F4A7C15ull * (epoch + 1));
  std::vector<Eigen::Index> order(static_cast<std::size_t>(train.images.cols()));
  std::iota(order.begin(), order.end(), Eigen::Index{0});
  for (std::size_t i = order.size() - 1; i > 0; --i) std::swap(order[i], order[rng.below(i + 1)]);

  gan::Matrix<float> batch;
  std::vector<std::uint8_t> labels;
  double loss_sum = 0;
  for (std::size_t first = 0; first < order.size(); first += kBatchSize) {
    const std::size_t size = std::min(kBatchSize, order.size() - first);
    batch.resize(train.images.rows(), static_cast<Eigen::Index>(size));
    labels.resize(size);
    for (std::size_t j = 0; j < size; ++j) {
      const auto down = static_cast<int>(rng.below(2 * kMaxShift + 1)) - kMaxShift;
      const auto across = static_cast<int>(rng.below(2 * kMaxShift + 1)) - kMaxShift;
      shifted_copy(train.images, order[first + j], batch, static_cast<Eigen::Index>(j), down,
                   across);
      labels[j] = train.labels[static_cast<std::size_t>(order[first + j])];
    }
    loss_sum += trainer.step(batch, labels).loss * static_cast<double>(size);
  }
  return loss_sum / static_cast<double>(order.size());
}

/// The learning rate of epoch `epoch` (from 0) of `epochs`.
double learning_rate(std::uint64_t epoch, std::uint64_t epochs) {
  const double progress = static_cast<double>(epoch) / static_cast<double>(epochs);
  return kLearningRate * 0.5 * (1 + std::cos(std::numbers::pi * progress));
}

/// Trains for options.epochs epochs, printing a line for each, and writes the weights.
void train(const Options& options, const Data& data) {
  Trainer trainer(
      {.optimizer = {.learning_rate = kLearningRate, .beta1 = kBeta1}, .seed = options.seed});
  std::cout << "classifier: " << trainer.network().describe() << " ("
            << Trainer::Classifier::parameter_count << " parameters)" << std::endl;
  const auto start = std::chrono::steady_clock::now();
  double accuracy = 0;
  for (std::uint64_t epoch = 0; epoch < options.epochs; ++epoch) {
    trainer.set_learning_rate(learning_rate(epoch, options.epochs));
    const double loss = train_epoch(trainer, data.train, options.seed, epoch);
    accuracy = trainer.evaluate(data.held_out.images, data.held_out.labels).accuracy();
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("epoch %3llu/%llu  train loss %.4f  held-out accuracy %.2f%%  %.1f s\n",
                static_cast<unsigned long long>(epoch + 1),
                static_cast<unsigned long long>(options.epochs), loss, 100 * accuracy, seconds);
    std::fflush(stdout);
  }
  mnist_classifier::save_weights(trainer.network(), options.out,
                                 {{"seed", std::to_string(options.seed)},
                                  {"epochs", std::to_string(options.epochs)},
                                  {"training_digits", std::to_string(data.train.images.cols())},
                                  {"held_out_digits", std::to_string(data.held_out.images.cols())},
                                  {"held_out_accuracy", gan::message(accuracy)}});
  std::cout << "wrote " << options.out.string() << std::endl;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Options options = parse_options(argc, argv);
    if (options.help) {
      std::cout << kUsage;
      return 0;
    }
    set_threads(options.threads);
    check_output(options.out);
    train(options, load_data(options.data_dir));
    return 0;
  } catch (const UsageError& error) {
    return command_line::report(kName, error);
  } catch (const std::exception& error) {
    std::cerr << kName << ": error: " << error.what() << '\n';
    return 1;
  }
}
