// SPDX-License-Identifier: MIT
// Tests of gan/data/mnist.hpp: loading image/label pairs and folders, and the pixel mapping.
#define BOOST_TEST_MODULE data_mnist
#include <boost/test/unit_test.hpp>

#include <gan/data/mnist.hpp>

#include "support/expected_errors.hpp"
#include "support/temporary_files.hpp"

#include <sys/stat.h>
#include <zlib.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using gan::data::LabelledImages;
using Bytes = std::vector<std::uint8_t>;
using namespace gan::test_support;
using scalar_types = std::tuple<float, double>;

Bytes counting(std::size_t size) {
  Bytes values(size);
  std::iota(values.begin(), values.end(), std::uint8_t{0});
  return values;
}

/// Writes an IDX file, then gzips it in place under the same name plus ".gz" when asked.
fs::path write(const fs::path& path, const std::vector<std::uint32_t>& dims, const Bytes& values,
               bool compress = false) {
  gan::data::write_idx(path, dims, values);
  if (!compress) return path;
  std::vector<char> bytes(fs::file_size(path));
  std::FILE* in = std::fopen(path.c_str(), "rb");
  BOOST_REQUIRE(std::fread(bytes.data(), 1, bytes.size(), in) == bytes.size());
  std::fclose(in);
  fs::remove(path);
  const fs::path gz = path.string() + ".gz";
  gzFile out = gzopen(gz.c_str(), "wb");
  BOOST_REQUIRE(gzwrite(out, bytes.data(), static_cast<unsigned>(bytes.size())) ==
                static_cast<int>(bytes.size()));
  gzclose(out);
  return gz;
}

/// Three 2 x 3 images with pixel values 0..17 and labels 7, 0, 9.
struct SmallPair : TemporaryDirectory {
  fs::path images = write(path() / "images", {3, 2, 3}, counting(18));
  fs::path labels = write(path() / "labels", {3}, {7, 0, 9});
};

}  // namespace

BOOST_AUTO_TEST_SUITE(labelled_images)

BOOST_AUTO_TEST_CASE(a_pair_of_files_loads_with_its_sizes) {
  const SmallPair files;
  const LabelledImages set = gan::data::load_labelled_images(files.images, files.labels);
  BOOST_TEST(set.count == 3u);
  BOOST_TEST(set.rows == 2u);
  BOOST_TEST(set.cols == 3u);
  BOOST_TEST(set.pixels == counting(18), boost::test_tools::per_element());
  BOOST_TEST(set.labels == (Bytes{7, 0, 9}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(images_that_are_not_3d_are_refused_naming_both_files) {
  const SmallPair files;
  const fs::path flat = write(files.path() / "flat", {3, 6}, counting(18));
  check_throws<gan::DataError>(
      [&] { gan::data::load_labelled_images(flat, files.labels); },
      {"3-D images", "got 2-D images [3 x 6]", flat.string(), files.labels.string()});
}

BOOST_AUTO_TEST_CASE(labels_that_are_not_1d_are_refused_naming_both_files) {
  const SmallPair files;
  const fs::path square = write(files.path() / "square", {3, 1}, {1, 2, 3});
  check_throws<gan::DataError>(
      [&] { gan::data::load_labelled_images(files.images, square); },
      {"1-D labels", "got 2-D labels [3 x 1]", files.images.string(), square.string()});
}

BOOST_AUTO_TEST_CASE(counts_that_differ_are_refused_naming_both_files) {
  const SmallPair files;
  const fs::path two = write(files.path() / "two", {2}, {1, 2});
  check_throws<gan::DataError>(
      [&] { gan::data::load_labelled_images(files.images, two); },
      {"as many labels as images", "3 images and 2 labels", files.images.string(), two.string()});
}

BOOST_AUTO_TEST_CASE(a_label_of_ten_or_more_is_refused_with_its_index) {
  const SmallPair files;
  const fs::path bad = write(files.path() / "bad", {3}, {1, 10, 2});
  check_throws<gan::DataError>(
      [&] { gan::data::load_labelled_images(files.images, bad); },
      {"labels 0 to 9", "label 10 at index 1", files.images.string(), bad.string()});
}

BOOST_AUTO_TEST_CASE(an_unreadable_file_is_named) {
  const SmallPair files;
  check_throws<gan::DataError>(
      [&] { gan::data::load_labelled_images(files.images, files.path() / "nope"); },
      {"no such file", (files.path() / "nope").string()});
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(mnist_folder)

BOOST_AUTO_TEST_CASE(raw_and_gzip_names_are_both_found) {
  for (const bool compress : {false, true}) {
    BOOST_TEST_CONTEXT("compressed: " << compress) {
      const TemporaryDirectory dir;
      write(dir.path() / "train-images-idx3-ubyte", {3, 2, 3}, counting(18), compress);
      write(dir.path() / "train-labels-idx1-ubyte", {3}, {7, 0, 9}, compress);
      const LabelledImages set = gan::data::load_mnist_folder(dir.path());
      BOOST_TEST(set.count == 3u);
      BOOST_TEST(set.pixels == counting(18), boost::test_tools::per_element());
      BOOST_TEST(set.labels == (Bytes{7, 0, 9}), boost::test_tools::per_element());
    }
  }
}

BOOST_AUTO_TEST_CASE(a_missing_folder_says_what_to_fetch_and_how) {
  const TemporaryDirectory dir;
  const fs::path missing = dir.path() / "mnist";
  check_throws<gan::DataError>([&] { gan::data::load_mnist_folder(missing); },
                               {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", ".gz",
                                "no such folder", missing.string(), "scripts/fetch-mnist"});
}

BOOST_AUTO_TEST_CASE(a_missing_packaged_data_set_is_not_answered_with_fetch_mnist) {
  // Fetching MNIST into Fashion-MNIST's folder, once the advice, would pass digits off as it.
  const fs::path fashion = "/usr/share/datasets/fashion-mnist/not-installed-gan-test";
  check_throws<gan::DataError>([&] { gan::data::load_mnist_folder(fashion); },
                               {fashion.string(), "install Debian's dataset-fashion-mnist"});
  const fs::path other = "/usr/share/datasets/not-installed-gan-test";
  for (const fs::path& missing : {fashion, other}) {
    const std::string error =
        message_of<gan::DataError>([&] { gan::data::load_mnist_folder(missing); });
    BOOST_TEST(error.find("fetch-mnist " + missing.string()) == std::string::npos, error);
  }
}

BOOST_AUTO_TEST_CASE(a_file_given_as_the_folder_is_called_a_file) {
  const TemporaryDirectory dir;
  const fs::path file = dir.path() / "mnist";
  std::ofstream(file) << "not a folder";
  check_throws<gan::DataError>([&] { gan::data::load_mnist_folder(file); },
                               {"which is a regular file, not a folder", file.string()});
  // Fetching the digits "into" a file would not help.
  const std::string error = message_of<gan::DataError>([&] { gan::data::load_mnist_folder(file); });
  BOOST_TEST(error.find("fetch-mnist") == std::string::npos, error);
}

BOOST_AUTO_TEST_CASE(a_training_file_that_is_not_a_regular_file_is_called_what_it_is) {
  // Passing over such a name once gave "got no train-images-idx3-ubyte[.gz]".
  const TemporaryDirectory dir;
  fs::create_directory(dir.path() / "train-images-idx3-ubyte");
  write(dir.path() / "train-labels-idx1-ubyte", {3}, {7, 0, 9});
  check_throws<gan::DataError>(
      [&] { gan::data::load_mnist_folder(dir.path()); },
      {(dir.path() / "train-images-idx3-ubyte").string(), "regular file", "a folder"});

  fs::remove(dir.path() / "train-images-idx3-ubyte");
  write(dir.path() / "train-images-idx3-ubyte", {3, 2, 3}, counting(18));
  fs::remove(dir.path() / "train-labels-idx1-ubyte");
  BOOST_TEST_REQUIRE(::mkfifo((dir.path() / "train-labels-idx1-ubyte").c_str(), 0600) == 0);
  check_throws<gan::DataError>(
      [&] { gan::data::load_mnist_folder(dir.path()); },
      {(dir.path() / "train-labels-idx1-ubyte").string(), "regular file", "a FIFO"});
}

BOOST_AUTO_TEST_CASE(the_raw_file_is_picked_where_both_forms_exist) {
  const TemporaryDirectory dir;
  write(dir.path() / "train-images-idx3-ubyte", {3, 2, 3}, counting(18), true);
  write(dir.path() / "train-images-idx3-ubyte", {3, 2, 3}, counting(18));
  write(dir.path() / "train-labels-idx1-ubyte", {3}, {7, 0, 9}, true);
  const gan::data::MnistFiles files = gan::data::find_mnist_files(dir.path());
  BOOST_TEST(files.images == dir.path() / "train-images-idx3-ubyte");
  BOOST_TEST(files.labels == dir.path() / "train-labels-idx1-ubyte.gz");
}

BOOST_AUTO_TEST_CASE(a_missing_file_is_named_with_both_forms) {
  const TemporaryDirectory dir;
  write(dir.path() / "train-images-idx3-ubyte", {3, 2, 3}, counting(18), true);
  check_throws<gan::DataError>(
      [&] { gan::data::load_mnist_folder(dir.path()); },
      {"got no train-labels-idx1-ubyte[.gz]", dir.path().string(), "scripts/fetch-mnist"});
}

BOOST_AUTO_TEST_CASE(debian_fashion_mnist_loads_when_installed) {
  const fs::path folder = "/usr/share/datasets/fashion-mnist";
  if (!fs::exists(folder / "train-images-idx3-ubyte.gz")) return;  // optional system package
  const LabelledImages set = gan::data::load_mnist_folder(folder);
  BOOST_TEST(set.count == 60000u);
  BOOST_TEST(set.rows == 28u);
  BOOST_TEST(set.cols == 28u);
  std::array<std::size_t, 10> per_class{};
  for (const std::uint8_t label : set.labels) ++per_class[label];
  for (const std::size_t n : per_class) BOOST_TEST(n == 6000u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(pixel_mapping)

BOOST_AUTO_TEST_CASE_TEMPLATE(to_matrix_puts_one_image_per_column_in_minus_one_to_one, Scalar,
                              scalar_types) {
  LabelledImages set{2, 1, 2, {0, 255, 51, 204}, {0, 1}};
  const gan::Matrix<Scalar> batch = gan::data::to_matrix<Scalar>(set);
  BOOST_TEST(batch.rows() == 2);
  BOOST_TEST(batch.cols() == 2);
  BOOST_TEST(batch(0, 0) == Scalar(-1));
  BOOST_TEST(batch(1, 0) == Scalar(1));
  BOOST_TEST(batch(0, 1) == Scalar(-0.6), boost::test_tools::tolerance(Scalar(1e-6)));
  BOOST_TEST(batch(1, 1) == Scalar(0.6), boost::test_tools::tolerance(Scalar(1e-6)));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(every_byte_survives_the_round_trip, Scalar, scalar_types) {
  LabelledImages set{256, 1, 1, counting(256), Bytes(256, 0)};
  const Bytes back = gan::data::to_bytes(gan::data::to_matrix<Scalar>(set));
  BOOST_TEST(back == counting(256), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE_TEMPLATE(to_bytes_clamps_rounds_and_maps_nan_to_zero, Scalar, scalar_types) {
  const Scalar inf = std::numeric_limits<Scalar>::infinity();
  gan::Matrix<Scalar> values(4, 2);
  values << Scalar(-3), Scalar(2), -inf, inf, std::numeric_limits<Scalar>::quiet_NaN(), Scalar(0),
      Scalar(-1 + 0.4 / 127.5), Scalar(-1 + 0.6 / 127.5);
  const Bytes bytes = gan::data::to_bytes(values);
  // Column by column: (-3, -inf, NaN, ~0.4/127.5 - 1), then (2, inf, 0, ~0.6/127.5 - 1).
  BOOST_TEST(bytes == (Bytes{0, 0, 0, 0, 255, 255, 128, 1}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(to_matrix_refuses_a_pixel_count_that_does_not_match) {
  LabelledImages set{2, 2, 2, counting(7), {0, 0}};
  check_throws<std::invalid_argument>([&] { gan::data::to_matrix<float>(set); },
                                      {"data::to_matrix", "2 * 2 * 2", "got 7"});
}

BOOST_AUTO_TEST_SUITE_END()
