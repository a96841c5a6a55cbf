// SPDX-License-Identifier: MIT
// Grayscale PNG encoding through zlib alone, and image grids for looking at generated samples.
#pragma once

#include <gan/core/error.hpp>
#include <gan/core/tensor.hpp>
#include <gan/data/idx.hpp>
#include <gan/data/mnist.hpp>

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace gan::data {

/// The width of the black border drawn between and around the tiles of write_image_grid.
inline constexpr std::size_t kGridBorder = 2;

/// Writes an 8-bit grayscale PNG (colour type 0, no interlace, filter 0 on every row),
/// atomically like write_idx: a temporary file beside `path`, fsync, rename.
///
/// @param path the file to write; its folder must exist
/// @param width, height the image size in pixels, each 1 to 2^31 - 1 (PNG's limit)
/// @param gray width * height bytes, row by row from the top, 0 black and 255 white
/// @throws std::invalid_argument when a size is out of range or gray.size() != width * height
/// @throws DataError naming the file when compressing or writing fails
void write_png(const std::filesystem::path& path, std::size_t width, std::size_t height,
               std::span<const std::uint8_t> gray);

/// The bytes of the PNG that write_png would write, in memory (for a data: URI, say).
///
/// @throws std::invalid_argument as write_png
/// @throws DataError when compressing fails
std::vector<std::uint8_t> encode_png(std::size_t width, std::size_t height,
                                     std::span<const std::uint8_t> gray);

/// Tiles a batch of images into one PNG, `columns` images per row (fewer when there are fewer
/// images), with a kGridBorder-pixel black border between and around the tiles. Empty slots
/// in the last row stay black.
///
/// @tparam Scalar float or double
/// @param images [image_height * image_width, n], one row-major image per column, values in
///   [-1, 1] (mapped to bytes by to_byte, so values outside are clamped)
/// @param columns tiles per row of the grid, at least 1
/// @throws std::invalid_argument when images has no columns, its row count is not
///   image_height * image_width, or a size or columns is 0
/// @throws DataError as write_png
template <typename Scalar>
void write_image_grid(const std::filesystem::path& path, const Matrix<Scalar>& images,
                      std::size_t image_height, std::size_t image_width, std::size_t columns);

/// The bytes of the PNG that write_image_grid would write, in memory.
/// @throws std::invalid_argument, DataError as write_image_grid
template <typename Scalar>
std::vector<std::uint8_t> encode_image_grid(const Matrix<Scalar>& images, std::size_t image_height,
                                            std::size_t image_width, std::size_t columns);

// ------------------------------------------------------------------------------------------
// Implementation

namespace detail {

inline constexpr std::array<std::uint8_t, 8> kPngSignature = {0x89, 'P',  'N',  'G',
                                                              '\r', '\n', 0x1a, '\n'};

inline void append_u32_be(std::vector<std::uint8_t>& out, std::uint32_t value) {
  for (const int shift : {24, 16, 8, 0}) out.push_back(static_cast<std::uint8_t>(value >> shift));
}

/// One chunk: length, type, data, and the CRC-32 of type and data (the length is excluded,
/// as the PNG specification says).
inline void append_chunk(std::vector<std::uint8_t>& out, const char (&type)[5],
                         std::span<const std::uint8_t> data) {
  append_u32_be(out, static_cast<std::uint32_t>(data.size()));
  const std::size_t type_at = out.size();
  out.insert(out.end(), type, type + 4);
  out.insert(out.end(), data.begin(), data.end());
  uLong crc = ::crc32(0L, Z_NULL, 0);
  crc = ::crc32(crc, out.data() + type_at, static_cast<uInt>(4 + data.size()));
  append_u32_be(out, static_cast<std::uint32_t>(crc));
}

/// " for '<path>'", or nothing when the PNG is encoded in memory and has no file.
inline std::string png_target(const std::filesystem::path& path) {
  return path.empty() ? std::string() : " for '" + path.string() + "'";
}

/// The IDAT payload: each row prefixed by filter byte 0 (none), then deflated by zlib.
/// `path` names the file in errors; empty when there is none.
inline std::vector<std::uint8_t> png_image_data(const char* function,
                                                const std::filesystem::path& path,
                                                std::size_t width, std::size_t height,
                                                std::span<const std::uint8_t> gray) {
  std::vector<std::uint8_t> rows;
  rows.reserve(height * (width + 1));
  for (std::size_t y = 0; y < height; ++y) {
    rows.push_back(0);
    rows.insert(rows.end(), gray.begin() + y * width, gray.begin() + (y + 1) * width);
  }
  uLongf size = ::compressBound(rows.size());
  std::vector<std::uint8_t> compressed(size);
  const int status = ::compress2(compressed.data(), &size, rows.data(), rows.size(), 9);
  if (status != Z_OK && path.empty())
    throw DataError(message(function, ": expected zlib's compress2 to succeed, got error ",
                            status));
  if (status != Z_OK)
    fail_file(function, path, "zlib's compress2 to succeed", message("error ", status));
  compressed.resize(size);
  return compressed;
}

inline void check_png_arguments(const char* function, const std::filesystem::path& path,
                                std::size_t width, std::size_t height, std::size_t pixels) {
  constexpr std::size_t kMaxSide = 0x7fffffff;
  if (width == 0 || height == 0 || width > kMaxSide || height > kMaxSide)
    throw std::invalid_argument(message(function, ": expected width and height in 1 to ",
                                        kMaxSide, ", got ", width, " x ", height,
                                        png_target(path)));
  // A chunk's length field is 32 bits, so the whole unfiltered image must fit in one IDAT.
  if (height > (std::size_t{0xffffffff} - 1024) / (width + 1) || pixels != width * height)
    throw std::invalid_argument(message(function, ": expected width * height = ", width, " * ",
                                        height, " pixel bytes (at most 4 GiB), got ", pixels,
                                        png_target(path)));
}

/// The whole PNG file; `path` names the file in errors, empty when there is none.
inline std::vector<std::uint8_t> png_file(const char* function, const std::filesystem::path& path,
                                          std::size_t width, std::size_t height,
                                          std::span<const std::uint8_t> gray) {
  check_png_arguments(function, path, width, height, gray.size());
  std::vector<std::uint8_t> header;
  append_u32_be(header, static_cast<std::uint32_t>(width));
  append_u32_be(header, static_cast<std::uint32_t>(height));
  // Bit depth 8, colour type 0 (grayscale), compression 0, filter method 0, no interlace.
  header.insert(header.end(), {8, 0, 0, 0, 0});

  std::vector<std::uint8_t> file(kPngSignature.begin(), kPngSignature.end());
  append_chunk(file, "IHDR", header);
  append_chunk(file, "IDAT", png_image_data(function, path, width, height, gray));
  append_chunk(file, "IEND", {});
  return file;
}

/// The grid image of write_image_grid as grayscale bytes, with its size.
struct TiledGrid {
  std::size_t width = 0;
  std::size_t height = 0;
  std::vector<std::uint8_t> gray;
};

template <typename Scalar>
TiledGrid tile_grid(const char* function, const std::filesystem::path& path,
                    const Matrix<Scalar>& images, std::size_t image_height,
                    std::size_t image_width, std::size_t columns) {
  const std::size_t n = static_cast<std::size_t>(images.cols());
  if (n == 0 || columns == 0 || image_height == 0 || image_width == 0 ||
      static_cast<std::size_t>(images.rows()) != image_height * image_width)
    throw std::invalid_argument(
        message(function, ": expected images [", image_height, " * ", image_width,
                ", n >= 1] and columns >= 1, got images [", images.rows(), ", ", images.cols(),
                "] and columns ", columns, png_target(path)));
  const std::size_t grid_columns = std::min(columns, n);
  const std::size_t grid_rows = (n + grid_columns - 1) / grid_columns;
  TiledGrid grid;
  grid.width = grid_columns * (image_width + kGridBorder) + kGridBorder;
  grid.height = grid_rows * (image_height + kGridBorder) + kGridBorder;

  const std::vector<std::uint8_t> tiles = to_bytes(images);
  grid.gray.assign(grid.width * grid.height, 0);  // black: the borders
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t left = kGridBorder + (i % grid_columns) * (image_width + kGridBorder);
    const std::size_t top = kGridBorder + (i / grid_columns) * (image_height + kGridBorder);
    const std::uint8_t* tile = tiles.data() + i * image_height * image_width;
    for (std::size_t y = 0; y < image_height; ++y)
      std::copy_n(tile + y * image_width, image_width,
                  grid.gray.begin() + (top + y) * grid.width + left);
  }
  return grid;
}

}  // namespace detail

inline void write_png(const std::filesystem::path& path, std::size_t width, std::size_t height,
                      std::span<const std::uint8_t> gray) {
  const std::vector<std::uint8_t> file =
      detail::png_file("data::write_png", path, width, height, gray);
  gan::detail::write_atomically<DataError>("data::write_png", path, {file});
}

inline std::vector<std::uint8_t> encode_png(std::size_t width, std::size_t height,
                                            std::span<const std::uint8_t> gray) {
  return detail::png_file("data::encode_png", {}, width, height, gray);
}

template <typename Scalar>
void write_image_grid(const std::filesystem::path& path, const Matrix<Scalar>& images,
                      std::size_t image_height, std::size_t image_width, std::size_t columns) {
  const detail::TiledGrid grid =
      detail::tile_grid("data::write_image_grid", path, images, image_height, image_width, columns);
  write_png(path, grid.width, grid.height, grid.gray);
}

template <typename Scalar>
std::vector<std::uint8_t> encode_image_grid(const Matrix<Scalar>& images, std::size_t image_height,
                                            std::size_t image_width, std::size_t columns) {
  const detail::TiledGrid grid = detail::tile_grid("data::encode_image_grid", {}, images,
                                                   image_height, image_width, columns);
  return encode_png(grid.width, grid.height, grid.gray);
}

}  // namespace gan::data
