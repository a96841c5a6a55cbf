// SPDX-License-Identifier: MIT
// MNIST-style labelled images: loading IDX image/label pairs, and mapping pixels to [-1, 1].
#pragma once

#include <gan/core/error.hpp>
#include <gan/core/tensor.hpp>
#include <gan/data/idx.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace gan::data {

/// Grayscale images with one class label each, as MNIST and Fashion-MNIST ship them.
struct LabelledImages {
  std::size_t count = 0;  ///< number of images
  std::size_t rows = 0;   ///< image height in pixels
  std::size_t cols = 0;   ///< image width in pixels
  /// count * rows * cols bytes; image i starts at i * rows * cols and is row-major.
  std::vector<std::uint8_t> pixels;
  std::vector<std::uint8_t> labels;  ///< count labels, each 0 to 9
};

/// The number of classes every loader accepts labels for (digits, or Fashion-MNIST's items).
inline constexpr std::uint8_t kMnistClasses = 10;

/// The training files a folder must hold, each either raw or with a ".gz" suffix.
inline constexpr const char* kMnistTrainImages = "train-images-idx3-ubyte";
inline constexpr const char* kMnistTrainLabels = "train-labels-idx1-ubyte";

/// Loads a pair of IDX files: images [count, rows, cols] and labels [count].
///
/// @param images_path a 3-D IDX file of unsigned bytes, raw or gzip
/// @param labels_path a 1-D IDX file of unsigned bytes, raw or gzip
/// @return the images and their labels
/// @throws DataError naming both files when either cannot be read (see read_idx), the images
///   are not 3-D, the labels not 1-D, their counts differ, or a label is 10 or more
LabelledImages load_labelled_images(const std::filesystem::path& images_path,
                                    const std::filesystem::path& labels_path);

/// The two training files of an MNIST-style folder.
struct MnistFiles {
  std::filesystem::path images;  ///< train-images-idx3-ubyte, raw or .gz
  std::filesystem::path labels;  ///< train-labels-idx1-ubyte, raw or .gz
};

/// Finds the training files of an MNIST-style folder: train-images-idx3-ubyte and
/// train-labels-idx1-ubyte, each raw or gzip with a ".gz" suffix; where both forms exist, the
/// raw one (a folder may hold the download next to its unpacked form).
///
/// @param dir the folder
/// @throws DataError naming the path: when `dir` does not exist (with the names looked for and
///   how to fetch the data: scripts/fetch-mnist, or for a folder under /usr/share/datasets
///   the Debian package) or is not a folder; when a file is missing in
///   both forms (likewise); or when the name found is not a regular file (a folder, a FIFO)
MnistFiles find_mnist_files(const std::filesystem::path& dir);

/// Loads the training set of an MNIST-style folder, the files find_mnist_files() picks. This
/// covers the original MNIST download, Debian's Fashion-MNIST in
/// /usr/share/datasets/fashion-mnist/, and what scripts/fetch-mnist writes.
///
/// @param dir the folder
/// @throws DataError as find_mnist_files or load_labelled_images
LabelledImages load_mnist_folder(const std::filesystem::path& dir);

/// What is at `path`, in words for a message: "a regular file", "a folder", "a FIFO", "a
/// socket", "a block device", "a character device", "a link to nothing", or "nothing".
std::string file_kind(const std::filesystem::path& path);

/// The images as a batch [rows * cols, count], one image per column, each pixel byte p mapped
/// to p / 127.5 - 1 in [-1, 1], the range of a generator that ends in tanh.
///
/// @tparam Scalar float or double
/// @throws std::invalid_argument when pixels.size() is not count * rows * cols
template <typename Scalar>
Matrix<Scalar> to_matrix(const LabelledImages& images);

/// One value in [-1, 1] back to a pixel byte: the inverse of to_matrix's map, clamped to
/// [0, 255] and rounded to nearest; NaN maps to 0.
template <typename Scalar>
std::uint8_t to_byte(Scalar value);

/// The inverse of to_matrix: every entry mapped by to_byte, column by column, so image j of
/// a [rows * cols, n] batch becomes bytes [j * rows * cols, (j + 1) * rows * cols).
template <typename Scalar>
std::vector<std::uint8_t> to_bytes(const Matrix<Scalar>& images);

// ------------------------------------------------------------------------------------------
// Implementation

namespace detail {

inline constexpr const char* kLoadLabelled = "data::load_labelled_images";

[[noreturn]] inline void fail_pair(const std::filesystem::path& images_path,
                                   const std::filesystem::path& labels_path,
                                   const std::string& expected, const std::string& got) {
  throw DataError(message(kLoadLabelled, ": expected ", expected, ", got ", got, " (images file '",
                          images_path.string(), "', labels file '", labels_path.string(), "')"));
}

inline void check_labels(const std::vector<std::uint8_t>& labels,
                         const std::filesystem::path& images_path,
                         const std::filesystem::path& labels_path) {
  for (std::size_t i = 0; i < labels.size(); ++i)
    if (labels[i] >= kMnistClasses)
      fail_pair(images_path, labels_path, message("labels 0 to ", kMnistClasses - 1),
                message("label ", int{labels[i]}, " at index ", i));
}

/// What to do about a folder without the training files. scripts/fetch-mnist writes MNIST
/// digits, which belong in a folder of the user's own: under /usr/share/datasets, where
/// Debian's data set packages install (Fashion-MNIST: dataset-fashion-mnist), they would
/// stand in for another data set.
inline std::string folder_advice(const std::filesystem::path& dir) {
  std::error_code error;
  std::string path = std::filesystem::absolute(dir, error).lexically_normal().string();
  std::transform(path.begin(), path.end(), path.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (!path.starts_with("/usr/share/datasets/"))
    return message("run scripts/fetch-mnist ", dir.string(), " to fetch the MNIST digits there");
  if (path.find("fashion") != std::string::npos)
    return "install Debian's dataset-fashion-mnist package (apt-get install "
           "dataset-fashion-mnist), which puts Fashion-MNIST in /usr/share/datasets/fashion-mnist";
  return "that folder is for data sets installed as packages; for MNIST digits, run "
         "scripts/fetch-mnist DIR with a folder of your own and give that folder";
}

[[noreturn]] inline void fail_folder(const std::filesystem::path& dir, const std::string& got) {
  throw DataError(message("data::find_mnist_files: expected a folder holding ", kMnistTrainImages,
                          " and ", kMnistTrainLabels, " (each raw or with a .gz suffix), got ", got,
                          " (folder '", dir.string(), "'); ", folder_advice(dir)));
}

/// dir/name if it exists, else dir/name.gz if that does, else an empty path. A name that
/// exists as something other than a regular file is refused rather than passed over, so that
/// the message names what is there instead of saying that nothing is.
inline std::filesystem::path find_raw_or_gz(const std::filesystem::path& dir, const char* name) {
  for (const std::filesystem::path& candidate : {dir / name, dir / (std::string(name) + ".gz")}) {
    const std::string kind = file_kind(candidate);
    if (kind == "a regular file") return candidate;
    if (kind != "nothing")
      throw DataError(message("data::find_mnist_files: expected '", candidate.string(),
                              "' to be a regular file, got ", kind));
  }
  return {};
}

}  // namespace detail

inline LabelledImages load_labelled_images(const std::filesystem::path& images_path,
                                           const std::filesystem::path& labels_path) {
  IdxArray images = read_idx(images_path);
  IdxArray labels = read_idx(labels_path);
  if (images.dims.size() != 3)
    detail::fail_pair(
        images_path, labels_path, "3-D images [count, rows, cols]",
        message(images.dims.size(), "-D images [", detail::dims_text(images.dims), "]"));
  if (labels.dims.size() != 1)
    detail::fail_pair(
        images_path, labels_path, "1-D labels [count]",
        message(labels.dims.size(), "-D labels [", detail::dims_text(labels.dims), "]"));
  if (images.dims[0] != labels.dims[0])
    detail::fail_pair(images_path, labels_path, "as many labels as images",
                      message(images.dims[0], " images and ", labels.dims[0], " labels"));
  detail::check_labels(labels.values, images_path, labels_path);
  return LabelledImages{images.dims[0], images.dims[1], images.dims[2], std::move(images.values),
                        std::move(labels.values)};
}

inline std::string file_kind(const std::filesystem::path& path) {
  std::error_code error;
  const std::filesystem::file_status status = std::filesystem::status(path, error);
  switch (status.type()) {
    case std::filesystem::file_type::regular:
      return "a regular file";
    case std::filesystem::file_type::directory:
      return "a folder";
    case std::filesystem::file_type::fifo:
      return "a FIFO";
    case std::filesystem::file_type::socket:
      return "a socket";
    case std::filesystem::file_type::block:
      return "a block device";
    case std::filesystem::file_type::character:
      return "a character device";
    case std::filesystem::file_type::not_found:
      return std::filesystem::is_symlink(path, error) ? "a link to nothing" : "nothing";
    default:
      return message("something that cannot be inspected (", error.message(), ")");
  }
}

inline MnistFiles find_mnist_files(const std::filesystem::path& dir) {
  const std::string kind = file_kind(dir);
  if (kind == "nothing") detail::fail_folder(dir, "no such folder");
  if (kind != "a folder")
    throw DataError(message("data::find_mnist_files: expected a folder holding ", kMnistTrainImages,
                            " and ", kMnistTrainLabels, ", got '", dir.string(), "', which is ",
                            kind, ", not a folder"));
  const MnistFiles files{detail::find_raw_or_gz(dir, kMnistTrainImages),
                         detail::find_raw_or_gz(dir, kMnistTrainLabels)};
  std::string missing;
  for (const auto& [found, name] :
       {std::pair{files.images, kMnistTrainImages}, std::pair{files.labels, kMnistTrainLabels}})
    if (found.empty()) missing += message(missing.empty() ? "no " : " and no ", name, "[.gz]");
  if (!missing.empty()) detail::fail_folder(dir, missing);
  return files;
}

inline LabelledImages load_mnist_folder(const std::filesystem::path& dir) {
  const MnistFiles files = find_mnist_files(dir);
  return load_labelled_images(files.images, files.labels);
}

template <typename Scalar>
Matrix<Scalar> to_matrix(const LabelledImages& images) {
  const std::size_t pixels_per_image = images.rows * images.cols;
  if (images.pixels.size() != images.count * pixels_per_image)
    throw std::invalid_argument(
        message("data::to_matrix: expected count * rows * cols = ", images.count, " * ",
                images.rows, " * ", images.cols, " pixel bytes, got ", images.pixels.size()));
  // [rows * cols, count]: image i's row-major bytes become column i, in the same order.
  Matrix<Scalar> batch(static_cast<Eigen::Index>(pixels_per_image),
                       static_cast<Eigen::Index>(images.count));
  for (std::size_t i = 0; i < images.pixels.size(); ++i)
    batch.data()[i] = static_cast<Scalar>(images.pixels[i]) / Scalar(127.5) - Scalar(1);
  return batch;
}

template <typename Scalar>
std::uint8_t to_byte(Scalar value) {
  const Scalar scaled = (value + Scalar(1)) * Scalar(127.5);
  // The negated comparisons send NaN to 0 as well as everything below.
  if (!(scaled > Scalar(0))) return 0;
  if (!(scaled < Scalar(255))) return 255;
  return static_cast<std::uint8_t>(std::lround(scaled));
}

template <typename Scalar>
std::vector<std::uint8_t> to_bytes(const Matrix<Scalar>& images) {
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(images.size()));
  for (Eigen::Index j = 0; j < images.cols(); ++j)
    for (Eigen::Index i = 0; i < images.rows(); ++i)
      bytes[static_cast<std::size_t>(j * images.rows() + i)] = to_byte(images(i, j));
  return bytes;
}

}  // namespace gan::data
