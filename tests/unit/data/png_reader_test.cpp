// SPDX-License-Identifier: MIT
// Tests of gan/data/png_reader.hpp: PNGs are built here by hand (zlib, CRC, a chosen row
// filter), then read back; every damaged file must give a DataError naming it.
#define BOOST_TEST_MODULE data_png_reader
#include <boost/test/unit_test.hpp>

#include <gan/data/png.hpp>
#include <gan/data/png_reader.hpp>

#include "support/expected_errors.hpp"
#include "support/temporary_files.hpp"

#include <zlib.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<std::uint8_t>;
using gan::DataError;
using gan::data::GrayImage;
using gan::data::read_png;
using namespace gan::test_support;

void put_u32(Bytes& out, std::uint32_t value) {
  for (const int shift : {24, 16, 8, 0}) out.push_back(static_cast<std::uint8_t>(value >> shift));
}

Bytes chunk(const std::string& type, const Bytes& data) {
  Bytes out;
  put_u32(out, static_cast<std::uint32_t>(data.size()));
  out.insert(out.end(), type.begin(), type.end());
  out.insert(out.end(), data.begin(), data.end());
  const auto crc = ::crc32(::crc32(0L, Z_NULL, 0), out.data() + 4, 4 + data.size());
  put_u32(out, static_cast<std::uint32_t>(crc));
  return out;
}

Bytes ihdr(std::uint32_t width, std::uint32_t height, std::uint8_t depth, std::uint8_t colour,
           std::uint8_t interlace = 0) {
  Bytes data;
  put_u32(data, width);
  put_u32(data, height);
  data.insert(data.end(), {depth, colour, 0, 0, interlace});
  return chunk("IHDR", data);
}

Bytes deflate(const Bytes& raw) {
  uLongf size = ::compressBound(raw.size());
  Bytes out(size);
  BOOST_REQUIRE(::compress2(out.data(), &size, raw.data(), raw.size(), 6) == Z_OK);
  out.resize(size);
  return out;
}

std::uint8_t paeth(int left, int up, int up_left) {
  const int p = left + up - up_left;
  const int a = std::abs(p - left), b = std::abs(p - up), c = std::abs(p - up_left);
  return static_cast<std::uint8_t>(a <= b && a <= c ? left : b <= c ? up : up_left);
}

/// Filters each row of `raw` (rows of row_bytes) with filter type `filter`, or with type
/// y % 5 on row y when filter is -1, as a PNG encoder would.
Bytes filter_rows(const Bytes& raw, std::size_t row_bytes, std::size_t step, int filter) {
  Bytes out;
  const std::size_t height = raw.size() / row_bytes;
  for (std::size_t y = 0; y < height; ++y) {
    const int type = filter < 0 ? int(y % 5) : filter;
    out.push_back(static_cast<std::uint8_t>(type));
    for (std::size_t i = 0; i < row_bytes; ++i) {
      const int value = raw[y * row_bytes + i];
      const int left = i >= step ? raw[y * row_bytes + i - step] : 0;
      const int up = y > 0 ? raw[(y - 1) * row_bytes + i] : 0;
      const int up_left = y > 0 && i >= step ? raw[(y - 1) * row_bytes + i - step] : 0;
      const int predicted = type == 0   ? 0
                            : type == 1 ? left
                            : type == 2 ? up
                            : type == 3 ? (left + up) / 2
                                        : paeth(left, up, up_left);
      out.push_back(static_cast<std::uint8_t>(value - predicted));
    }
  }
  return out;
}

Bytes signature() { return {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'}; }

Bytes join(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& part : parts) out.insert(out.end(), part.begin(), part.end());
  return out;
}

/// A whole PNG: signature, IHDR, one IDAT of the filtered rows, IEND.
Bytes png(std::uint32_t width, std::uint32_t height, std::uint8_t depth, std::uint8_t colour,
          const Bytes& raw, int filter = 0) {
  const std::size_t row_bytes = raw.size() / height;
  const std::size_t channels = colour == 0 ? 1 : colour == 2 ? 3 : colour == 4 ? 2 : 4;
  const Bytes rows = filter_rows(raw, row_bytes, channels * depth / 8, filter);
  return join({signature(), ihdr(width, height, depth, colour), chunk("IDAT", deflate(rows)),
               chunk("IEND", {})});
}

/// Reads bytes written to a file, or checks they give a DataError naming it and `fragments`.
struct Files {
  TemporaryDirectory dir;
  int count = 0;

  fs::path write(const Bytes& bytes) {
    return write_bytes(dir.path() / ("image-" + std::to_string(++count) + ".png"), bytes);
  }

  void check_refused(const Bytes& bytes, std::initializer_list<std::string> fragments) {
    const fs::path path = write(bytes);
    BOOST_TEST_CONTEXT("file " << path.filename()) {
      check_throws<DataError>([&] { read_png(path); }, {"data::read_png", path.string()});
      check_throws<DataError>([&] { read_png(path); }, fragments);
    }
  }
};

/// 8-bit gray bytes with every filter's prediction mattering: a ramp plus a pattern.
Bytes varied(std::size_t count) {
  Bytes out(count);
  for (std::size_t i = 0; i < count; ++i)
    out[i] = static_cast<std::uint8_t>((i * 37 + (i / 7) * 11 + (i % 3) * 90) % 256);
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(png_reading)

BOOST_AUTO_TEST_CASE(a_png_from_write_png_reads_back_byte_for_byte) {
  const TemporaryDirectory dir;
  const Bytes gray = varied(37 * 19);
  gan::data::write_png(dir.path() / "a.png", 37, 19, gray);
  const GrayImage image = read_png(dir.path() / "a.png");
  BOOST_TEST(image.width == 37u);
  BOOST_TEST(image.height == 19u);
  BOOST_TEST(image.pixels == gray, boost::test_tools::per_element());
  BOOST_TEST(image.source == dir.path() / "a.png");
}

BOOST_AUTO_TEST_CASE(each_filter_type_decodes_to_the_same_pixels) {
  Files files;
  const Bytes gray = varied(13 * 11);
  for (const int filter : {0, 1, 2, 3, 4, -1}) {
    BOOST_TEST_CONTEXT("filter " << filter << " (-1: type y % 5 on row y)") {
      const GrayImage image = read_png(files.write(png(13, 11, 8, 0, gray, filter)));
      BOOST_TEST(image.pixels == gray, boost::test_tools::per_element());
    }
  }
}

BOOST_AUTO_TEST_CASE(filters_step_back_by_whole_pixels_of_several_bytes) {
  Files files;
  // RGBA at 16 bits: 8 bytes a pixel, every channel k * 257 so that gray comes back as k.
  const Bytes gray = varied(9 * 7);
  Bytes raw;
  for (const std::uint8_t k : gray)
    for (int channel = 0; channel < 4; ++channel) raw.insert(raw.end(), {k, k});
  // Alpha varies too, so a filter stepping back by the wrong distance would show.
  for (std::size_t i = 0; i < gray.size(); ++i) raw[8 * i + 6] = static_cast<std::uint8_t>(i * 5);
  for (const int filter : {0, 1, 2, 3, 4, -1}) {
    BOOST_TEST_CONTEXT("filter " << filter) {
      const GrayImage image = read_png(files.write(png(9, 7, 16, 6, raw, filter)));
      BOOST_TEST(image.pixels == gray, boost::test_tools::per_element());
    }
  }
}

BOOST_AUTO_TEST_CASE(colour_becomes_bt601_luma_and_alpha_is_ignored) {
  Files files;
  // RGB: red, green, blue, white, black, and a gray stored as R = G = B.
  const Bytes rgb{255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255, 0, 0, 0, 77, 77, 77};
  BOOST_TEST(
      read_png(files.write(png(6, 1, 8, 2, rgb, 4))).pixels == (Bytes{76, 150, 29, 255, 0, 77}),
      boost::test_tools::per_element());
  // RGBA: the same colours, each with a different alpha, even fully transparent.
  const Bytes rgba{255, 0, 0, 0, 0, 255, 0, 128, 0, 0, 255, 255, 255, 255, 255, 0};
  BOOST_TEST(read_png(files.write(png(4, 1, 8, 6, rgba, 1))).pixels == (Bytes{76, 150, 29, 255}),
             boost::test_tools::per_element());
  // Gray + alpha.
  const Bytes gray_alpha{100, 0, 200, 255, 7, 30};
  BOOST_TEST(read_png(files.write(png(3, 1, 8, 4, gray_alpha, 3))).pixels == (Bytes{100, 200, 7}),
             boost::test_tools::per_element());
  // 16-bit RGB red: 0.299 * 65535 rounds to 19595, which scales to 76.
  const Bytes rgb16{0xff, 0xff, 0, 0, 0, 0};
  BOOST_TEST(read_png(files.write(png(1, 1, 16, 2, rgb16))).pixels == Bytes{76},
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(sixteen_bit_gray_scales_to_eight_bits_with_rounding) {
  Files files;
  // k * 257 is exactly k; 0x0080 is 0.498 and rounds down, 0x0081 is 0.502 and rounds up.
  const Bytes raw{0x00, 0x00, 0xff, 0xff, 0x80, 0x80, 0x12, 0x12, 0x00, 0x80, 0x00, 0x81};
  BOOST_TEST(
      read_png(files.write(png(6, 1, 16, 0, raw, 2))).pixels == (Bytes{0, 255, 128, 18, 0, 1}),
      boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(idat_split_over_chunks_and_ancillary_chunks_are_read) {
  Files files;
  const Bytes gray = varied(5 * 4);
  const Bytes data = deflate(filter_rows(gray, 5, 1, -1));
  const Bytes first(data.begin(), data.begin() + 3), rest(data.begin() + 3, data.end());
  const Bytes file = join({signature(), ihdr(5, 4, 8, 0), chunk("gAMA", {0, 0, 0xb1, 0x8f}),
                           chunk("IDAT", first), chunk("IDAT", {}), chunk("IDAT", rest),
                           chunk("tEXt", {'a', 0, 'b'}), chunk("IEND", {})});
  BOOST_TEST(read_png(files.write(file)).pixels == gray, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(png_refusals)

BOOST_AUTO_TEST_CASE(missing_empty_and_foreign_files_are_refused) {
  Files files;
  check_throws<DataError>([&] { read_png(files.dir.path() / "none.png"); },
                          {"data::read_png", "no such file", "none.png"});
  check_throws<DataError>([&] { read_png(files.dir.path()); },
                          {"data::read_png", "a directory", files.dir.path().string()});
  files.check_refused({}, {"PNG signature", "an empty file"});
  files.check_refused({'<', 'h', 't', 'm', 'l', '>', ' ', ' ', ' '},
                      {"PNG signature", "3c 68 74 6d 6c 3e 20 20"});
  files.check_refused({0x89, 'P', 'N'}, {"PNG signature", "only 3 bytes"});
}

BOOST_AUTO_TEST_CASE(truncated_and_corrupt_chunks_are_refused) {
  Files files;
  const Bytes good = png(4, 3, 8, 0, varied(12));
  for (const std::size_t cut : {std::size_t{12}, std::size_t{30}, good.size() - 13}) {
    BOOST_TEST_CONTEXT("cut to " << cut << " bytes") {
      files.check_refused(Bytes(good.begin(), good.begin() + cut), {"truncated"});
    }
  }
  Bytes bad_crc = good;
  bad_crc[8 + 8 + 2] ^= 1;  // a byte of IHDR's width
  files.check_refused(bad_crc, {"'IHDR'", "CRC-32", "corrupt"});
  // A length past the file's end, and a length past 2^31 - 1.
  Bytes long_chunk = good;
  long_chunk[8 + 25 + 3] = 0xff;  // the IDAT length's low byte
  files.check_refused(long_chunk, {"'IDAT'", "truncated"});
  Bytes huge_length = good;
  huge_length[8 + 25] = 0xff;
  files.check_refused(huge_length, {"truncated"});
}

BOOST_AUTO_TEST_CASE(iend_must_end_the_file) {
  Files files;
  const Bytes good = png(4, 3, 8, 0, varied(12));
  files.check_refused(Bytes(good.begin(), good.end() - 12), {"IEND", "without one"});
  Bytes trailing = good;
  trailing.insert(trailing.end(), {'j', 'u', 'n', 'k'});
  files.check_refused(trailing, {"end with IEND", "4 more bytes after IEND"});
  files.check_refused(join({good, chunk("IEND", {})}), {"12 more bytes after IEND"});
  files.check_refused(join({signature(), ihdr(4, 3, 8, 0), chunk("IEND", {})}),
                      {"IDAT chunks before IEND", "none"});
  const Bytes rows = deflate(filter_rows(varied(12), 4, 1, 0));
  files.check_refused(
      join({signature(), ihdr(4, 3, 8, 0), chunk("IDAT", rows), chunk("IEND", {1})}),
      {"an empty IEND chunk", "1 bytes"});
}

BOOST_AUTO_TEST_CASE(chunk_order_is_checked) {
  Files files;
  const Bytes rows = deflate(filter_rows(varied(12), 4, 1, 0));
  const Bytes half(rows.begin(), rows.begin() + 4), rest(rows.begin() + 4, rows.end());
  files.check_refused(join({signature(), chunk("IDAT", rows), ihdr(4, 3, 8, 0)}),
                      {"IHDR as the first chunk", "'IDAT'"});
  files.check_refused(join({signature(), ihdr(4, 3, 8, 0), ihdr(4, 3, 8, 0)}),
                      {"one IHDR chunk", "a second one"});
  files.check_refused(join({signature(), ihdr(4, 3, 8, 0), chunk("IDAT", half),
                            chunk("tEXt", {'a', 0}), chunk("IDAT", rest), chunk("IEND", {})}),
                      {"consecutive IDAT chunks"});
  files.check_refused(join({signature(), ihdr(4, 3, 8, 0), chunk("ABCD", {}), chunk("IDAT", rows),
                            chunk("IEND", {})}),
                      {"critical chunk 'ABCD'"});
  files.check_refused(join({signature(), ihdr(4, 3, 8, 0), chunk("PLTE", {0, 0, 0}),
                            chunk("IDAT", rows), chunk("IEND", {})}),
                      {"PLTE", "colour type 0"});
}

BOOST_AUTO_TEST_CASE(unsupported_and_invalid_headers_are_refused) {
  Files files;
  const auto with_header = [](const Bytes& header) {
    return join({signature(), header, chunk("IDAT", deflate({0, 0})), chunk("IEND", {})});
  };
  files.check_refused(with_header(ihdr(1, 1, 8, 0, 1)), {"interlace method 0", "Adam7"});
  files.check_refused(with_header(ihdr(1, 1, 8, 0, 2)), {"interlace method 2"});
  files.check_refused(with_header(ihdr(1, 1, 8, 3)), {"colour type 3 (palette)"});
  files.check_refused(with_header(ihdr(1, 1, 8, 5)), {"colour type 5"});
  files.check_refused(with_header(ihdr(1, 1, 4, 0)), {"bit depth 8 or 16", "bit depth 4"});
  files.check_refused(with_header(ihdr(1, 1, 1, 0)), {"bit depth 1"});
  files.check_refused(with_header(ihdr(0, 1, 8, 0)), {"width and height", "0 x 1"});
  files.check_refused(with_header(ihdr(0x80000000u, 1, 8, 0)), {"2147483648 x 1"});
  Bytes header_data;
  put_u32(header_data, 1);
  put_u32(header_data, 1);
  header_data.insert(header_data.end(), {8, 0, 1, 0, 0});
  files.check_refused(with_header(chunk("IHDR", header_data)), {"compression method 1"});
  header_data[10] = 0;
  header_data[11] = 1;
  files.check_refused(with_header(chunk("IHDR", header_data)), {"filter method 1"});
  files.check_refused(with_header(chunk("IHDR", Bytes(12, 1))),
                      {"IHDR chunk of 13 bytes", "12 bytes"});
}

BOOST_AUTO_TEST_CASE(a_huge_declared_size_is_refused_before_allocating) {
  Files files;
  // 2^31 - 1 squared would be 2^62 pixels; the IDAT holds almost nothing.
  const Bytes file = join({signature(), ihdr(0x7fffffffu, 0x7fffffffu, 16, 6),
                           chunk("IDAT", deflate({0})), chunk("IEND", {})});
  files.check_refused(file, {"at most 67108864 pixels", "2147483647 x 2147483647"});
  // One row past the cap.
  files.check_refused(
      join({signature(), ihdr(8192, 8193, 8, 0), chunk("IDAT", deflate({0})), chunk("IEND", {})}),
      {"8192 x 8193 = 67117056 pixels"});
  // Under the cap, but 64 MB of pixels cannot come from 11 bytes of deflate data.
  files.check_refused(
      join(
          {signature(), ihdr(8000, 8000, 8, 0), chunk("IDAT", deflate({0, 0})), chunk("IEND", {})}),
      {"IDAT data of at least 62024 bytes", "inflates to 64008000", "got 10 bytes"});
}

BOOST_AUTO_TEST_CASE(bad_image_data_is_refused) {
  Files files;
  const Bytes gray = varied(4 * 3);
  const auto with_data = [](const Bytes& data) {
    return join({signature(), ihdr(4, 3, 8, 0), chunk("IDAT", data), chunk("IEND", {})});
  };
  const Bytes rows = filter_rows(gray, 4, 1, 0);
  // Decompressed size: one row short, one byte long.
  files.check_refused(with_data(deflate(Bytes(rows.begin(), rows.end() - 5))),
                      {"inflates to 15 bytes", "only 10 bytes"});
  Bytes longer = rows;
  longer.push_back(0);
  files.check_refused(with_data(deflate(longer)), {"inflates to 15 bytes", "more decompressed"});
  // A stream cut short, one not zlib at all, one with a damaged checksum, one with junk after.
  const Bytes stream = deflate(rows);
  files.check_refused(with_data(Bytes(stream.begin(), stream.end() - 6)), {"cut short"});
  files.check_refused(with_data({1, 2, 3, 4, 5, 6}), {"corrupt zlib stream", "zlib:"});
  Bytes bad_adler = stream;
  bad_adler.back() ^= 0xff;
  files.check_refused(with_data(bad_adler), {"corrupt zlib stream", "incorrect data check"});
  Bytes junk_after = stream;
  junk_after.insert(junk_after.end(), {1, 2});
  files.check_refused(with_data(junk_after), {"nothing after the zlib stream", "2 more bytes"});
  // Filter type 5 on the second row.
  Bytes bad_filter = rows;
  bad_filter[5] = 5;
  files.check_refused(with_data(deflate(bad_filter)), {"filter types 0 to 4", "type 5 on row 1"});
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(image_grid_splitting)

namespace {

/// n images of h x w whose pixels cover [-1, 1], none all black.
gan::Matrix<float> sample_images(int pixels, int n) {
  gan::Matrix<float> images(pixels, n);
  for (int j = 0; j < n; ++j)
    for (int i = 0; i < pixels; ++i) images(i, j) = std::sin(0.37f * float(i + 1) * float(j + 2));
  return images;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_grid_splits_back_into_its_images) {
  const TemporaryDirectory dir;
  const gan::Matrix<float> images = sample_images(3 * 5, 7);
  for (const std::size_t columns : {1u, 3u, 4u, 7u, 9u}) {
    BOOST_TEST_CONTEXT(columns << " columns") {
      gan::data::write_image_grid(dir.path() / "g.png", images, 3, 5, columns);
      const gan::Matrix<float> back = gan::data::split_image_grid(dir.path() / "g.png", 3, 5);
      BOOST_REQUIRE(back.rows() == images.rows());
      BOOST_REQUIRE(back.cols() == images.cols());
      for (int j = 0; j < images.cols(); ++j)
        for (int i = 0; i < images.rows(); ++i) {
          // Within half a quantisation step, and the same byte when written again.
          BOOST_TEST(std::abs(back(i, j) - images(i, j)) <= 1 / 255.0f + 1e-6f);
          BOOST_TEST(gan::data::to_byte(back(i, j)) == gan::data::to_byte(images(i, j)));
        }
    }
  }
}

BOOST_AUTO_TEST_CASE(bytes_map_back_by_the_inverse_of_to_byte) {
  const TemporaryDirectory dir;
  gan::Matrix<double> images(1, 3);
  images << -1, 1, 0;
  gan::data::write_image_grid(dir.path() / "g.png", images, 1, 1, 3);
  const gan::Matrix<double> back = gan::data::split_image_grid<double>(dir.path() / "g.png", 1, 1);
  BOOST_TEST(back.cols() == 3);
  BOOST_TEST(back(0, 1) == 1.0);
  BOOST_TEST(back(0, 2) == 128 / 127.5 - 1);
}

BOOST_AUTO_TEST_CASE(only_trailing_black_tiles_of_the_last_row_are_dropped) {
  const TemporaryDirectory dir;
  const fs::path file = dir.path() / "g.png";
  gan::Matrix<float> images = sample_images(4, 5);
  images.col(1).setConstant(-1);  // black, in the first row: kept
  gan::data::write_image_grid(file, images, 2, 2, 3);
  BOOST_TEST(gan::data::split_image_grid(file, 2, 2).cols() == 5);  // one empty slot dropped

  images.col(3).setConstant(-1);  // black, first in the last row: kept
  gan::data::write_image_grid(file, images, 2, 2, 3);
  const gan::Matrix<float> back = gan::data::split_image_grid(file, 2, 2);
  BOOST_TEST(back.cols() == 5);
  BOOST_TEST(back.col(3).maxCoeff() == -1.0f);

  images.col(4).setConstant(-1);  // black, last in the last row: taken for an empty slot
  gan::data::write_image_grid(file, images, 2, 2, 3);
  BOOST_TEST(gan::data::split_image_grid(file, 2, 2).cols() == 4);

  // A single-row grid has no empty slots, so black tiles at its end are images.
  gan::data::write_image_grid(file, images, 2, 2, 8);
  BOOST_TEST(gan::data::split_image_grid(file, 2, 2).cols() == 5);
}

BOOST_AUTO_TEST_CASE(sizes_that_do_not_fit_the_layout_are_refused) {
  const TemporaryDirectory dir;
  const fs::path file = dir.path() / "g.png";
  gan::data::write_image_grid(file, sample_images(3 * 5, 4), 3, 5, 2);  // 16 x 12
  check_throws<DataError>([&] { gan::data::split_image_grid(file, 5, 3); },
                          {"data::split_image_grid", "n * (3 + 2) + 2", "width 16", file.string()});
  check_throws<DataError>([&] { gan::data::split_image_grid(file, 4, 5); },
                          {"n * (4 + 2) + 2", "height 12"});
  check_throws<std::invalid_argument>([&] { gan::data::split_image_grid(file, 0, 5); },
                                      {"data::split_image_grid", "0 x 5"});
  check_throws<std::invalid_argument>(
      [&] {
        gan::data::split_image_grid(GrayImage{3, 3, Bytes(8, 0), {}}, 1, 1);
      },
      {"width * height = 3 * 3", "got 8"});
  const GrayImage tiny{2, 2, Bytes(4, 0), {}};
  check_throws<DataError>([&] { gan::data::split_image_grid(tiny, 1, 1); },
                          {"width 2", "not read from a file"});
}

BOOST_AUTO_TEST_CASE(a_border_that_is_not_black_is_refused) {
  const TemporaryDirectory dir;
  gan::data::write_image_grid(dir.path() / "g.png", sample_images(4, 2), 2, 2, 2);
  GrayImage image = read_png(dir.path() / "g.png");
  BOOST_REQUIRE(image.width == 10u);
  BOOST_TEST(gan::data::split_image_grid(image, 2, 2).cols() == 2);
  image.pixels[3 * image.width + 5] = 1;  // the border between the two tiles
  check_throws<DataError>([&] { gan::data::split_image_grid(image, 2, 2); },
                          {"black (0) borders", "(x 5, y 3) = 1",
                           "not a grid written by write_image_grid", image.source.string()});
  // A 12 x 12 picture of a 2 x 2 grid of 4 x 4 tiles read as 1 x 1 tiles: the size fits
  // (4 * 3 = 12) but the borders land on image pixels.
  const gan::Matrix<float> white = gan::Matrix<float>::Ones(16, 4);
  gan::data::write_image_grid(dir.path() / "h.png", white, 4, 4, 2);
  check_throws<DataError>([&] { gan::data::split_image_grid(dir.path() / "h.png", 1, 1); },
                          {"not a grid written by write_image_grid"});
}

BOOST_AUTO_TEST_SUITE_END()
