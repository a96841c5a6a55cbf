// SPDX-License-Identifier: MIT
// Tests of gan/data/png.hpp: the PNG is parsed back here, chunk by chunk, and its pixels compared.
#define BOOST_TEST_MODULE data_png
#include <boost/test/unit_test.hpp>

#include <gan/data/png.hpp>

#include "support/expected_errors.hpp"
#include "support/temporary_files.hpp"

#include <zlib.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<std::uint8_t>;
using namespace gan::test_support;

/// A decoded 8-bit grayscale PNG.
struct Decoded {
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  Bytes pixels;
};

std::uint32_t u32_be(const Bytes& bytes, std::size_t at) {
  return (std::uint32_t{bytes[at]} << 24) | (std::uint32_t{bytes[at + 1]} << 16) |
         (std::uint32_t{bytes[at + 2]} << 8) | std::uint32_t{bytes[at + 3]};
}

/// Walks the chunks, checking each CRC and the chunk order, and returns (IHDR, all IDAT data).
std::pair<Bytes, Bytes> read_chunks(const Bytes& file) {
  const Bytes signature{0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  BOOST_REQUIRE(file.size() >= 8);
  BOOST_REQUIRE(Bytes(file.begin(), file.begin() + 8) == signature);
  std::vector<std::string> types;
  Bytes header, data;
  for (std::size_t at = 8; at < file.size();) {
    BOOST_REQUIRE(at + 12 <= file.size());
    const std::uint32_t length = u32_be(file, at);
    BOOST_REQUIRE(at + 12 + length <= file.size());
    const std::string type(file.begin() + at + 4, file.begin() + at + 8);
    const auto crc = ::crc32(::crc32(0, Z_NULL, 0), &file[at + 4], length + 4);
    BOOST_TEST(u32_be(file, at + 8 + length) == crc, "CRC of chunk " << type);
    Bytes& into = type == "IHDR" ? header : data;
    if (type == "IHDR" || type == "IDAT")
      into.insert(into.end(), file.begin() + at + 8, file.begin() + at + 8 + length);
    types.push_back(type);
    at += 12 + length;
  }
  BOOST_TEST(types.front() == "IHDR");
  BOOST_TEST(types.back() == "IEND");
  return {header, data};
}

/// Decodes a PNG written by write_png: 8-bit grayscale, no interlace, filter 0 on each row.
Decoded decode(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  const Bytes file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto [header, data] = read_chunks(file);
  BOOST_REQUIRE(header.size() == 13u);
  Decoded image{u32_be(header, 0), u32_be(header, 4), {}};
  BOOST_TEST((Bytes(header.begin() + 8, header.end()) == Bytes{8, 0, 0, 0, 0}));
  Bytes rows(std::size_t{image.height} * (image.width + 1));
  uLongf size = rows.size();
  BOOST_REQUIRE(::uncompress(rows.data(), &size, data.data(), data.size()) == Z_OK);
  BOOST_REQUIRE(size == rows.size());
  for (std::uint32_t y = 0; y < image.height; ++y) {
    const auto row = rows.begin() + y * (image.width + 1);
    BOOST_TEST(*row == 0, "filter byte of row " << y);
    image.pixels.insert(image.pixels.end(), row + 1, row + 1 + image.width);
  }
  return image;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(png_writing)

BOOST_AUTO_TEST_CASE(a_written_png_decodes_to_the_same_pixels) {
  const TemporaryDirectory dir;
  Bytes gray(37 * 19);
  for (std::size_t i = 0; i < gray.size(); ++i) gray[i] = static_cast<std::uint8_t>(i * 7 % 256);
  gan::data::write_png(dir.path() / "a.png", 37, 19, gray);
  const Decoded image = decode(dir.path() / "a.png");
  BOOST_TEST(image.width == 37u);
  BOOST_TEST(image.height == 19u);
  BOOST_TEST(image.pixels == gray, boost::test_tools::per_element());
  BOOST_TEST(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()) == 1);
}

BOOST_AUTO_TEST_CASE(bad_sizes_are_refused) {
  const TemporaryDirectory dir;
  const Bytes gray(12);
  check_throws<std::invalid_argument>(
      [&] { gan::data::write_png(dir.path() / "a.png", 0, 12, gray); },
      {"data::write_png", "got 0 x 12", "a.png"});
  check_throws<std::invalid_argument>(
      [&] { gan::data::write_png(dir.path() / "a.png", 5, 2, gray); }, {"5 * 2", "got 12"});
  BOOST_TEST(!fs::exists(dir.path() / "a.png"));
}

BOOST_AUTO_TEST_CASE(a_failed_write_is_a_data_error_naming_the_file) {
  const TemporaryDirectory dir;
  const fs::path target = dir.path() / "occupied.png";
  fs::create_directory(target);
  check_throws<gan::DataError>([&] { gan::data::write_png(target, 1, 1, Bytes{9}); },
                               {"data::write_png", target.string()});
  BOOST_TEST(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()) == 1);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(image_grid)

BOOST_AUTO_TEST_CASE(images_are_tiled_with_black_borders) {
  const TemporaryDirectory dir;
  // Three 2 x 3 images; image k's pixel (y, x) is the byte 10 * (k + 1) + 3 * y + x.
  gan::Matrix<float> images(6, 3);
  for (int k = 0; k < 3; ++k)
    for (int p = 0; p < 6; ++p)
      images(p, k) = float(10 * (k + 1) + 3 * (p / 3) + p % 3) / 127.5f - 1;
  gan::data::write_image_grid(dir.path() / "grid.png", images, 2, 3, 2);

  const Decoded grid = decode(dir.path() / "grid.png");
  BOOST_REQUIRE(grid.width == 2 * (3 + 2) + 2u);
  BOOST_REQUIRE(grid.height == 2 * (2 + 2) + 2u);
  for (std::uint32_t y = 0; y < grid.height; ++y)
    for (std::uint32_t x = 0; x < grid.width; ++x) {
      // Tiles start at 2 and 7 across, 2 and 6 down; the fourth slot stays empty.
      const int tile_x = x >= 2 && x < 5 ? 0 : x >= 7 && x < 10 ? 1 : -1;
      const int tile_y = y >= 2 && y < 4 ? 0 : y >= 6 && y < 8 ? 1 : -1;
      const int k = tile_x < 0 || tile_y < 0 ? -1 : tile_y * 2 + tile_x;
      const int expected =
          k < 0 || k > 2 ? 0
                         : 10 * (k + 1) + 3 * int(y - (tile_y ? 6 : 2)) + int(x - (tile_x ? 7 : 2));
      BOOST_TEST(int{grid.pixels[y * grid.width + x]} == expected, "pixel " << x << ", " << y);
    }
}

BOOST_AUTO_TEST_CASE(fewer_images_than_columns_make_one_short_row) {
  const TemporaryDirectory dir;
  const gan::Matrix<double> images = gan::Matrix<double>::Ones(4, 2);
  gan::data::write_image_grid(dir.path() / "row.png", images, 2, 2, 8);
  const Decoded grid = decode(dir.path() / "row.png");
  BOOST_TEST(grid.width == 2 * (2 + 2) + 2u);
  BOOST_TEST(grid.height == 2 + 2 + 2u);
}

BOOST_AUTO_TEST_CASE(a_batch_of_the_wrong_shape_is_refused) {
  const TemporaryDirectory dir;
  const gan::Matrix<float> images = gan::Matrix<float>::Zero(5, 2);
  check_throws<std::invalid_argument>(
      [&] { gan::data::write_image_grid(dir.path() / "g.png", images, 2, 3, 2); },
      {"data::write_image_grid", "got images [5, 2]", "g.png"});
  check_throws<std::invalid_argument>(
      [&] { gan::data::write_image_grid(dir.path() / "g.png", gan::Matrix<float>(6, 2), 2, 3, 0); },
      {"columns 0"});
}

BOOST_AUTO_TEST_CASE(encoding_in_memory_gives_the_bytes_write_png_writes) {
  const TemporaryDirectory dir;
  Bytes gray(13 * 4);
  for (std::size_t i = 0; i < gray.size(); ++i) gray[i] = static_cast<std::uint8_t>(i * 5);
  gan::data::write_png(dir.path() / "a.png", 13, 4, gray);
  std::ifstream in(dir.path() / "a.png", std::ios::binary);
  const Bytes written{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  BOOST_TEST(gan::data::encode_png(13, 4, gray) == written, boost::test_tools::per_element());

  const gan::Matrix<float> images = gan::Matrix<float>::Random(6, 3);
  gan::data::write_image_grid(dir.path() / "grid.png", images, 2, 3, 2);
  std::ifstream grid_in(dir.path() / "grid.png", std::ios::binary);
  const Bytes grid{std::istreambuf_iterator<char>(grid_in), std::istreambuf_iterator<char>()};
  BOOST_TEST(gan::data::encode_image_grid(images, 2, 3, 2) == grid,
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(encoding_in_memory_refuses_bad_sizes_without_naming_a_file) {
  check_throws<std::invalid_argument>([] { gan::data::encode_png(0, 3, Bytes{}); },
                                      {"data::encode_png", "got 0 x 3"});
  check_throws<std::invalid_argument>(
      [] { gan::data::encode_image_grid(gan::Matrix<float>(5, 1), 2, 3, 1); },
      {"data::encode_image_grid", "got images [5, 1]"});
}

BOOST_AUTO_TEST_SUITE_END()
