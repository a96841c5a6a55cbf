// SPDX-License-Identifier: MIT
// PNG input through zlib alone, decoded to 8-bit gray, and image grids split back into tiles.
#pragma once

#include <gan/core/error.hpp>
#include <gan/core/tensor.hpp>
#include <gan/data/idx.hpp>
#include <gan/data/png.hpp>

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <span>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

namespace gan::data {

/// An 8-bit grayscale image, 0 black and 255 white.
struct GrayImage {
  std::size_t width = 0;
  std::size_t height = 0;
  std::vector<std::uint8_t> pixels;  ///< width * height bytes, row by row from the top
  std::filesystem::path source;      ///< the file it was read from, named in errors about it
};

/// The most pixels read_png accepts (2^26, e.g. 8192 x 8192); a header that declares more is
/// refused before anything that large is allocated.
inline constexpr std::uint64_t kMaxPngPixels = std::uint64_t{1} << 26;

/// The largest PNG file read_png reads (1 GiB); the whole file is held in memory.
inline constexpr std::uint64_t kMaxPngFileBytes = std::uint64_t{1} << 30;

/// Reads a PNG file and converts it to 8-bit gray.
///
/// Accepted: bit depth 8 or 16; colour types 0 (gray), 2 (RGB), 4 (gray + alpha) and
/// 6 (RGBA); no interlace; any of the five row filters (none, sub, up, average, Paeth).
/// Conversion to gray:
/// - colour is reduced to ITU-R BT.601 luma, Y = 0.299 R + 0.587 G + 0.114 B, rounded to
///   the nearest integer at the image's own depth, so gray stored as R = G = B comes back
///   unchanged;
/// - alpha is ignored: the colour channels are read as if every pixel were opaque (no
///   compositing on a background, which would make the result depend on an arbitrary choice);
/// - 16-bit gray (or luma, computed at 16 bits) is scaled to 8 bits with rounding,
///   v * 255 / 65535, so k * 257 maps to k.
/// Ancillary chunks (gAMA, tRNS, text, ...) are skipped after their CRC is checked, so no
/// gamma or transparency is applied. A suggested palette (PLTE) in an RGB or RGBA image is
/// ignored; one in a gray image is refused, as the PNG specification forbids it.
///
/// Every check is made before the data it guards is used: the signature; each chunk's length
/// against the file and its CRC-32; IHDR first and 13 bytes long, with sizes 1 to 2^31 - 1
/// whose product is at most kMaxPngPixels; consecutive IDAT chunks, at least one; IEND last
/// and empty, with nothing after it; enough IDAT data to inflate to the image's size at
/// deflate's largest ratio (1032:1), checked before that size is allocated; a zlib stream
/// that decompresses to exactly height * (1 + row bytes) bytes; and filter types 0 to 4.
///
/// @param path the file to read
/// @return the image, its source set to path
/// @throws DataError naming the file, what was expected and what was found, when the file is
///   missing, unreadable, larger than kMaxPngFileBytes, or not a PNG; when a chunk is truncated,
///   has a bad CRC, or a critical chunk is unknown or out of order; when IHDR asks for
///   interlacing, a palette, a bit depth other than 8 or 16, or more than kMaxPngPixels; when
///   IDAT or IEND is missing or bytes follow IEND; and when the zlib data is corrupt,
///   truncated, or decompresses to another size than the header implies.
GrayImage read_png(const std::filesystem::path& path);

/// Splits an image grid written by write_image_grid back into its tiles.
///
/// The grid's layout is inferred from its size: with b = kGridBorder, a grid of c columns and
/// r rows of image_height x image_width tiles is c * (image_width + b) + b pixels wide and
/// r * (image_height + b) + b pixels high. Every border pixel must be black (0).
///
/// Tiles are read left to right, top to bottom. write_image_grid leaves empty slots (black)
/// only at the end of the last row, and only when the grid has two rows or more, since it
/// never uses more columns than images. So in a grid of two rows or more, the all-black tiles
/// that end the last row are dropped as empty slots, except the row's first tile, which is
/// always an image. Every other all-black tile is kept: in an earlier row, in a single-row
/// grid, first in the last row, or followed by a tile that is not all black.
///
/// @note Limitation: all-black images written at the end of the last row, after its first
///   tile, cannot be told from empty slots and are dropped.
///
/// Pixels map back to [-1, 1] as byte / 127.5 - 1, the inverse of to_byte (0 -> -1,
/// 255 -> 1), so to_byte of a value read back gives the byte written.
///
/// @tparam Scalar float or double
/// @param grid an image read by read_png; its source is named in errors
/// @param image_height, image_width the size of one tile in pixels, each at least 1
/// @return [image_height * image_width, n], one row-major tile per column
/// @throws std::invalid_argument when image_height or image_width is 0, or grid.pixels does
///   not hold grid.width * grid.height bytes
/// @throws DataError naming the file (grid.source) when the grid's size does not fit the layout
/// (the message
///   gives the formula and the size found) or a border pixel is not black
template <typename Scalar = float>
Matrix<Scalar> split_image_grid(const GrayImage& grid, std::size_t image_height,
                                std::size_t image_width);

/// read_png(path), then split_image_grid of the image; throws as both.
template <typename Scalar = float>
Matrix<Scalar> split_image_grid(const std::filesystem::path& path, std::size_t image_height,
                                std::size_t image_width);

// ------------------------------------------------------------------------------------------
// Implementation

namespace detail {

inline constexpr const char* kReadPng = "data::read_png";
inline constexpr const char* kSplitGrid = "data::split_image_grid";

/// The most bytes one compressed byte can inflate to: 258 bytes from a 2-bit match.
inline constexpr std::size_t kMaxDeflateRatio = 1032;

inline std::uint32_t read_u32_be(const std::uint8_t* bytes) {
  return (std::uint32_t{bytes[0]} << 24) | (std::uint32_t{bytes[1]} << 16) |
         (std::uint32_t{bytes[2]} << 8) | std::uint32_t{bytes[3]};
}

/// The fields of IHDR that shape the pixel data, already checked.
struct PngHeader {
  std::size_t width = 0;
  std::size_t height = 0;
  unsigned bit_depth = 0;
  unsigned colour_type = 0;
  std::size_t channels = 0;
  std::size_t bytes_per_pixel = 0;  ///< also the distance the sub, average and Paeth filters use
  std::size_t row_bytes = 0;        ///< without the filter byte
};

/// A 32-bit value as 8 hex digits.
inline std::string hex_u32(std::uint32_t value) {
  const std::array<std::uint8_t, 4> bytes{
      static_cast<std::uint8_t>(value >> 24), static_cast<std::uint8_t>(value >> 16),
      static_cast<std::uint8_t>(value >> 8), static_cast<std::uint8_t>(value)};
  std::string text = hex_bytes(bytes);
  std::erase(text, ' ');
  return text;
}

/// A chunk type as text, with bytes that are not letters shown in hex.
inline std::string chunk_type_text(const std::uint8_t* type) {
  const bool letters =
      std::all_of(type, type + 4, [](std::uint8_t c) { return std::isalpha(c) != 0; });
  // Built by appending: GCC 12 warns falsely (-Wrestrict) about "literal" + std::string&&.
  std::string text = letters ? "'" : "bytes ";
  if (letters)
    text.append(type, type + 4).push_back('\'');
  else
    text += hex_bytes({type, 4});
  return text;
}

inline std::vector<std::uint8_t> read_png_file(const std::filesystem::path& path) {
  std::error_code error;
  const auto status = std::filesystem::status(path, error);
  if (!std::filesystem::exists(status)) fail_file(kReadPng, path, "a PNG file", "no such file");
  if (std::filesystem::is_directory(status)) fail_file(kReadPng, path, "a PNG file", "a directory");
  const std::uint64_t size = std::filesystem::file_size(path, error);
  if (error) fail_file(kReadPng, path, "a readable file", error.message());
  if (size > kMaxPngFileBytes)
    fail_file(kReadPng, path, message("a PNG file of at most ", kMaxPngFileBytes, " bytes"),
              message(size, " bytes"));
  std::ifstream in(path, std::ios::binary);
  if (!in) fail_file(kReadPng, path, "a readable file", std::strerror(errno));
  std::vector<std::uint8_t> file(static_cast<std::size_t>(size));
  in.read(reinterpret_cast<char*>(file.data()), static_cast<std::streamsize>(file.size()));
  if (in.bad()) fail_file(kReadPng, path, "a readable file", std::strerror(errno));
  file.resize(static_cast<std::size_t>(in.gcount()));
  return file;
}

inline void check_png_signature(const std::filesystem::path& path,
                                std::span<const std::uint8_t> file) {
  const std::size_t shown = std::min<std::size_t>(file.size(), 8);
  if (file.size() < 8 || !std::equal(kPngSignature.begin(), kPngSignature.end(), file.begin()))
    fail_file(kReadPng, path, "the PNG signature 89 50 4e 47 0d 0a 1a 0a",
              file.empty() ? std::string("an empty file")
                           : message("a file starting ", hex_bytes(file.first(shown)),
                                     file.size() < 8 ? message(" (only ", file.size(), " bytes)")
                                                     : std::string()));
}

/// The colour type's channel count; refuses palettes and undefined types.
inline std::size_t png_channels(const std::filesystem::path& path, unsigned colour_type) {
  switch (colour_type) {
    case 0:
      return 1;
    case 2:
      return 3;
    case 4:
      return 2;
    case 6:
      return 4;
    case 3:
      fail_file(kReadPng, path, "colour type 0 (gray), 2 (RGB), 4 (gray + alpha) or 6 (RGBA)",
                "colour type 3 (palette), which is not supported");
    default:
      fail_file(kReadPng, path, "colour type 0 (gray), 2 (RGB), 4 (gray + alpha) or 6 (RGBA)",
                message("colour type ", colour_type, ", which PNG does not define"));
  }
}

inline PngHeader parse_png_header(const std::filesystem::path& path,
                                  std::span<const std::uint8_t> data) {
  if (data.size() != 13)
    fail_file(kReadPng, path, "an IHDR chunk of 13 bytes", message(data.size(), " bytes"));
  PngHeader header;
  const std::uint32_t width = read_u32_be(&data[0]);
  const std::uint32_t height = read_u32_be(&data[4]);
  if (width == 0 || height == 0 || width > 0x7fffffffu || height > 0x7fffffffu)
    fail_file(kReadPng, path, "width and height in 1 to 2^31 - 1", message(width, " x ", height));
  // Both are below 2^31, so the product cannot overflow 64 bits.
  if (std::uint64_t{width} * height > kMaxPngPixels)
    fail_file(kReadPng, path, message("at most ", kMaxPngPixels, " pixels (kMaxPngPixels)"),
              message(width, " x ", height, " = ", std::uint64_t{width} * height, " pixels"));
  header.width = width;
  header.height = height;
  header.bit_depth = data[8];
  header.colour_type = data[9];
  header.channels = png_channels(path, header.colour_type);
  if (header.bit_depth != 8 && header.bit_depth != 16)
    fail_file(kReadPng, path, "bit depth 8 or 16",
              message("bit depth ", header.bit_depth, " with colour type ", header.colour_type));
  if (data[10] != 0)
    fail_file(kReadPng, path, "compression method 0 (deflate)",
              message("compression method ", unsigned{data[10]}));
  if (data[11] != 0)
    fail_file(kReadPng, path, "filter method 0", message("filter method ", unsigned{data[11]}));
  if (data[12] == 1)
    fail_file(kReadPng, path, "interlace method 0 (none)",
              "interlace method 1 (Adam7), which is not supported");
  if (data[12] != 0)
    fail_file(kReadPng, path, "interlace method 0 (none)",
              message("interlace method ", unsigned{data[12]}));
  header.bytes_per_pixel = header.channels * header.bit_depth / 8;
  header.row_bytes = header.width * header.bytes_per_pixel;
  return header;
}

/// The chunks a reader needs: IHDR's fields and the concatenated IDAT data.
struct PngChunks {
  PngHeader header;
  std::vector<std::uint8_t> image_data;
};

/// Walks the chunks after the signature, checking lengths, CRCs and order.
inline PngChunks read_png_chunks(const std::filesystem::path& path,
                                 std::span<const std::uint8_t> file) {
  PngChunks chunks;
  bool seen_header = false, seen_data = false, data_ended = false;
  for (std::size_t at = 8;;) {
    if (at == file.size())
      fail_file(kReadPng, path, "an IEND chunk at the end",
                message("the file ending after ", at, " bytes without one"));
    if (file.size() - at < 12)
      fail_file(kReadPng, path, message("a chunk of at least 12 bytes at offset ", at),
                message("only ", file.size() - at, " bytes left: the file is truncated"));
    const std::uint32_t length = read_u32_be(&file[at]);
    const std::uint8_t* type = &file[at + 4];
    const std::string type_text = chunk_type_text(type);
    if (length > 0x7fffffffu || length > file.size() - at - 12)
      fail_file(kReadPng, path,
                message("chunk ", type_text, " at offset ", at, " to fit in the file"),
                message("a length of ", length, " with only ", file.size() - at - 12,
                        " bytes left after its header and CRC: the file is truncated"));
    const std::span<const std::uint8_t> data = file.subspan(at + 8, length);
    const auto crc = static_cast<std::uint32_t>(
        ::crc32(::crc32(0L, Z_NULL, 0), type, static_cast<uInt>(4 + length)));
    const std::uint32_t stored = read_u32_be(&file[at + 8 + length]);
    if (crc != stored)
      fail_file(kReadPng, path,
                message("chunk ", type_text, " at offset ", at, " to have CRC-32 ", hex_u32(crc)),
                message("CRC-32 ", hex_u32(stored), ": the chunk is corrupt"));
    const std::string name(type, type + 4);
    if (!seen_header && name != "IHDR")
      fail_file(kReadPng, path, "IHDR as the first chunk", message("chunk ", type_text));
    if (name == "IHDR") {
      if (seen_header) fail_file(kReadPng, path, "one IHDR chunk", "a second one");
      chunks.header = parse_png_header(path, data);
      seen_header = true;
    } else if (name == "IDAT") {
      if (data_ended)
        fail_file(kReadPng, path, "consecutive IDAT chunks",
                  message("another IDAT at offset ", at, " after other chunks"));
      chunks.image_data.insert(chunks.image_data.end(), data.begin(), data.end());
      seen_data = true;
    } else if (name == "IEND") {
      if (!seen_data) fail_file(kReadPng, path, "IDAT chunks before IEND", "none");
      if (length != 0)
        fail_file(kReadPng, path, "an empty IEND chunk", message(length, " bytes of data"));
      const std::size_t end = at + 12;
      if (end != file.size())
        fail_file(kReadPng, path, message("the file to end with IEND, after ", end, " bytes"),
                  message(file.size() - end, " more bytes after IEND"));
      return chunks;
    } else {
      // Bit 5 of the first letter clear marks a critical chunk, which a reader must understand.
      const bool critical = (type[0] & 0x20) == 0;
      if (critical && name != "PLTE")
        fail_file(kReadPng, path, "critical chunks IHDR, PLTE, IDAT and IEND only",
                  message("critical chunk ", type_text, " at offset ", at));
      if (name == "PLTE" && chunks.header.colour_type != 2 && chunks.header.colour_type != 6)
        fail_file(kReadPng, path, "a PLTE chunk only with colour type 2 or 6",
                  message("one with colour type ", chunks.header.colour_type));
    }
    if (seen_data && name != "IDAT") data_ended = true;
    at += 12 + std::size_t{length};
  }
}

/// Inflates the zlib stream into exactly `expected` bytes, refusing any other amount.
inline std::vector<std::uint8_t> inflate_png_data(const std::filesystem::path& path,
                                                  std::span<const std::uint8_t> compressed,
                                                  std::size_t expected) {
  // Deflate codes at most 258 bytes in 2 bits, so a hostile header cannot make a few bytes of
  // IDAT allocate the buffer of a huge image.
  const std::size_t least = (expected - 1) / kMaxDeflateRatio + 1;
  if (compressed.size() < least)
    fail_file(kReadPng, path,
              message("IDAT data of at least ", least, " bytes for an image that inflates to ",
                      expected, " bytes (deflate's ratio is at most ", kMaxDeflateRatio, ":1)"),
              message(compressed.size(), " bytes"));
  std::vector<std::uint8_t> out(expected);
  z_stream stream{};
  if (::inflateInit(&stream) != Z_OK)
    fail_file(kReadPng, path, "zlib to start inflating", "its error (out of memory?)");
  // Both sizes are below 2^32: the file is capped at 1 GiB and the pixels at 2^26 of 8 bytes.
  stream.next_in = const_cast<Bytef*>(compressed.data());
  stream.avail_in = static_cast<uInt>(compressed.size());
  stream.next_out = out.data();
  stream.avail_out = static_cast<uInt>(out.size());
  int status = ::inflate(&stream, Z_FINISH);
  std::uint64_t produced = stream.total_out;
  std::uint8_t probe = 0;
  if ((status == Z_BUF_ERROR || status == Z_OK) && stream.avail_out == 0) {
    // The buffer is full but the stream has not ended: see whether it holds more bytes.
    stream.next_out = &probe;
    stream.avail_out = 1;
    status = ::inflate(&stream, Z_FINISH);
    produced = stream.total_out;
  }
  const std::string reason = stream.msg ? stream.msg : message("error ", status);
  const uInt left_in = stream.avail_in;
  ::inflateEnd(&stream);
  const std::string what = message("IDAT data that inflates to ", expected, " bytes");
  if (status == Z_DATA_ERROR || status == Z_NEED_DICT || status == Z_MEM_ERROR ||
      status == Z_STREAM_ERROR)
    fail_file(kReadPng, path, what, message("a corrupt zlib stream (zlib: ", reason, ")"));
  if (produced > expected) fail_file(kReadPng, path, what, "more decompressed data than that");
  if (status != Z_STREAM_END)
    fail_file(kReadPng, path, what,
              message("a zlib stream that is cut short after ", produced, " bytes"));
  if (produced < expected)
    fail_file(kReadPng, path, what, message("a zlib stream of only ", produced, " bytes"));
  if (left_in > 0)
    fail_file(kReadPng, path, "nothing after the zlib stream in the IDAT data",
              message(left_in, " more bytes"));
  return out;
}

inline std::uint8_t paeth(std::uint8_t left, std::uint8_t up, std::uint8_t up_left) {
  const int estimate = int{left} + int{up} - int{up_left};
  const int to_left = std::abs(estimate - int{left});
  const int to_up = std::abs(estimate - int{up});
  const int to_up_left = std::abs(estimate - int{up_left});
  if (to_left <= to_up && to_left <= to_up_left) return left;
  return to_up <= to_up_left ? up : up_left;
}

/// Undoes the row filters in place; row y's bytes end up at [y * (1 + row_bytes) + 1, ...).
inline void unfilter_png_rows(const std::filesystem::path& path, const PngHeader& header,
                              std::vector<std::uint8_t>& data) {
  const std::size_t stride = header.row_bytes + 1;
  const std::size_t step = header.bytes_per_pixel;
  const std::vector<std::uint8_t> zeros(header.row_bytes, 0);  // the row above the first
  for (std::size_t y = 0; y < header.height; ++y) {
    std::uint8_t* row = &data[y * stride + 1];
    const std::uint8_t* up = y == 0 ? zeros.data() : &data[(y - 1) * stride + 1];
    const unsigned filter = row[-1];
    if (filter > 4)
      fail_file(kReadPng, path, "row filter types 0 to 4",
                message("filter type ", filter, " on row ", y));
    for (std::size_t i = 0; i < header.row_bytes; ++i) {
      const std::uint8_t left = i >= step ? row[i - step] : 0;
      const std::uint8_t up_left = i >= step ? up[i - step] : 0;
      switch (filter) {
        case 0:
          break;
        case 1:
          row[i] = static_cast<std::uint8_t>(row[i] + left);
          break;
        case 2:
          row[i] = static_cast<std::uint8_t>(row[i] + up[i]);
          break;
        case 3:
          row[i] = static_cast<std::uint8_t>(row[i] + (unsigned{left} + up[i]) / 2);
          break;
        default:  // 4, Paeth
          row[i] = static_cast<std::uint8_t>(row[i] + paeth(left, up[i], up_left));
          break;
      }
    }
  }
}

/// Sample c of the pixel at `pixel`, at the image's depth (big-endian when 16-bit).
inline std::uint32_t png_sample(const PngHeader& header, const std::uint8_t* pixel, std::size_t c) {
  if (header.bit_depth == 8) return pixel[c];
  return (std::uint32_t{pixel[2 * c]} << 8) | pixel[2 * c + 1];
}

/// Gray at the image's depth (BT.601 luma for colour, alpha ignored), then scaled to 8 bits.
inline std::vector<std::uint8_t> png_to_gray(const PngHeader& header,
                                             const std::vector<std::uint8_t>& data) {
  std::vector<std::uint8_t> gray(header.width * header.height);
  const bool colour = header.channels >= 3;
  for (std::size_t y = 0; y < header.height; ++y) {
    const std::uint8_t* row = &data[y * (header.row_bytes + 1) + 1];
    for (std::size_t x = 0; x < header.width; ++x) {
      const std::uint8_t* pixel = row + x * header.bytes_per_pixel;
      std::uint32_t value = png_sample(header, pixel, 0);
      if (colour)
        value = (299 * value + 587 * png_sample(header, pixel, 1) +
                 114 * png_sample(header, pixel, 2) + 500) /
                1000;
      if (header.bit_depth == 16) value = (value * 255 + 32767) / 65535;
      gray[y * header.width + x] = static_cast<std::uint8_t>(value);
    }
  }
  return gray;
}

/// Throws DataError about a grid, naming its file when it came from one.
[[noreturn]] inline void fail_grid(const GrayImage& grid, const std::string& expected,
                                   const std::string& got) {
  if (grid.source.empty())
    throw DataError(message(kSplitGrid, ": expected ", expected, ", got ", got,
                            " (an image not read from a file)"));
  fail_file(kSplitGrid, grid.source, expected, got);
}

/// The number of tiles along one side, from total = tiles * (tile + border) + border.
inline std::size_t grid_tiles(const GrayImage& grid, const char* side, std::size_t total,
                              std::size_t tile) {
  const std::size_t pitch = tile + kGridBorder;
  if (total < pitch + kGridBorder || (total - kGridBorder) % pitch != 0)
    fail_grid(grid,
              message("a grid ", side, " of n * (", tile, " + ", kGridBorder, ") + ", kGridBorder,
                      " pixels for some n >= 1 (the layout of write_image_grid)"),
              message(side, " ", total, " (grid ", grid.width, " x ", grid.height, ")"));
  return (total - kGridBorder) / pitch;
}

inline bool is_border(std::size_t at, std::size_t tile) {
  return at % (tile + kGridBorder) < kGridBorder;
}

inline void check_grid_borders(const GrayImage& grid, std::size_t image_height,
                               std::size_t image_width) {
  for (std::size_t y = 0; y < grid.height; ++y)
    for (std::size_t x = 0; x < grid.width; ++x) {
      const std::uint8_t value = grid.pixels[y * grid.width + x];
      if (value != 0 && (is_border(y, image_height) || is_border(x, image_width)))
        fail_grid(grid,
                  message("black (0) borders between and around ", image_height, " x ", image_width,
                          " tiles"),
                  message("border pixel (x ", x, ", y ", y, ") = ", unsigned{value},
                          ": not a grid written by write_image_grid with this tile size"));
    }
}

inline bool tile_is_black(const GrayImage& grid, std::size_t left, std::size_t top,
                          std::size_t image_height, std::size_t image_width) {
  for (std::size_t y = 0; y < image_height; ++y) {
    const auto row =
        grid.pixels.begin() + static_cast<std::ptrdiff_t>((top + y) * grid.width + left);
    if (std::any_of(row, row + static_cast<std::ptrdiff_t>(image_width),
                    [](std::uint8_t v) { return v != 0; }))
      return false;
  }
  return true;
}

}  // namespace detail

inline GrayImage read_png(const std::filesystem::path& path) {
  const std::vector<std::uint8_t> file = detail::read_png_file(path);
  detail::check_png_signature(path, file);
  const detail::PngChunks chunks = detail::read_png_chunks(path, file);
  const detail::PngHeader& header = chunks.header;
  std::vector<std::uint8_t> data =
      detail::inflate_png_data(path, chunks.image_data, header.height * (header.row_bytes + 1));
  detail::unfilter_png_rows(path, header, data);
  return GrayImage{header.width, header.height, detail::png_to_gray(header, data), path};
}

template <typename Scalar>
Matrix<Scalar> split_image_grid(const GrayImage& grid, std::size_t image_height,
                                std::size_t image_width) {
  if (image_height == 0 || image_width == 0)
    throw std::invalid_argument(message(detail::kSplitGrid, ": expected a tile size of at least ",
                                        "1 x 1, got ", image_height, " x ", image_width));
  // Division, not multiplication: a hand-made GrayImage may have sizes whose product overflows.
  const std::size_t pixels = grid.pixels.size();
  if (grid.width == 0 ? pixels != 0
                      : pixels % grid.width != 0 || pixels / grid.width != grid.height)
    throw std::invalid_argument(message(detail::kSplitGrid,
                                        ": expected width * height = ", grid.width, " * ",
                                        grid.height, " pixels, got ", grid.pixels.size()));
  const std::size_t columns = detail::grid_tiles(grid, "width", grid.width, image_width);
  const std::size_t rows = detail::grid_tiles(grid, "height", grid.height, image_height);
  detail::check_grid_borders(grid, image_height, image_width);

  const auto left_of = [&](std::size_t i) {
    return kGridBorder + (i % columns) * (image_width + kGridBorder);
  };
  const auto top_of = [&](std::size_t i) {
    return kGridBorder + (i / columns) * (image_height + kGridBorder);
  };
  std::size_t n = rows * columns;
  // Empty slots: only in a grid of two rows or more, never the first tile of the last row.
  const std::size_t last_row_start = (rows - 1) * columns;
  while (rows >= 2 && n - 1 > last_row_start &&
         detail::tile_is_black(grid, left_of(n - 1), top_of(n - 1), image_height, image_width))
    --n;

  Matrix<Scalar> images(static_cast<Eigen::Index>(image_height * image_width),
                        static_cast<Eigen::Index>(n));
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t y = 0; y < image_height; ++y)
      for (std::size_t x = 0; x < image_width; ++x) {
        const std::uint8_t byte = grid.pixels[(top_of(i) + y) * grid.width + left_of(i) + x];
        images(static_cast<Eigen::Index>(y * image_width + x), static_cast<Eigen::Index>(i)) =
            Scalar(byte) / Scalar(127.5) - Scalar(1);
      }
  return images;
}

template <typename Scalar>
Matrix<Scalar> split_image_grid(const std::filesystem::path& path, std::size_t image_height,
                                std::size_t image_width) {
  return split_image_grid<Scalar>(read_png(path), image_height, image_width);
}

}  // namespace gan::data
