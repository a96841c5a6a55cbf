// SPDX-License-Identifier: MIT
// IDX files, the format MNIST ships in: reading (raw or gzip) and atomic writing.
#pragma once

#include <gan/core/error.hpp>
#include <gan/io/atomic_write.hpp>

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <limits>
#include <span>
#include <string>
#include <system_error>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

namespace gan::data {

/// An IDX array of unsigned bytes: its sizes, outermost first, and its values in row-major
/// order (the last dimension varies fastest), as stored in the file.
struct IdxArray {
  std::vector<std::uint32_t> dims;   ///< e.g. {60000, 28, 28} for MNIST's training images
  std::vector<std::uint8_t> values;  ///< the product of dims bytes
};

/// The IDX element type code for unsigned bytes, the only one MNIST uses.
inline constexpr std::uint8_t kIdxUnsignedByte = 0x08;

/// Reads an IDX file of unsigned bytes (type 0x08), raw or gzip-compressed.
///
/// The format is a 4-byte magic (0x00 0x00 <type> <ndims>), ndims big-endian u32 sizes, then
/// the values. Compression is recognised by content (the gzip magic 1f 8b), not by the file
/// name, so "train-images-idx3-ubyte" may hold gzip data and "x.gz" raw data.
///
/// The size the header promises is checked against the file before anything that large is
/// allocated (for gzip data, the buffer grows only as decompressed bytes arrive), so a
/// damaged or hostile header cannot make the reader allocate gigabytes.
///
/// @param path the file to read
/// @return the array's sizes and values
/// @throws DataError naming the file, what was expected and what was found, when the file is
///   missing or empty; its magic is wrong (with a hint when it looks like text/HTML, such as
///   an error page saved under the data's name, or like a byte-swapped header); its type is
///   not 0x08; it has no dimensions; its sizes overflow; it holds fewer or more bytes than its
///   header promises; or its gzip stream is truncated or corrupt.
IdxArray read_idx(const std::filesystem::path& path);

/// Writes an uncompressed IDX file of unsigned bytes, atomically: the bytes go to a temporary
/// file beside `path`, are flushed to disk, then renamed over `path`, so a crash leaves either
/// the old file or the complete new one.
///
/// @param path the file to write; its folder must exist
/// @param dims the array's sizes, outermost first; 1 to 255 of them
/// @param values the values in row-major order
/// @pre the product of dims equals values.size()
/// @throws std::invalid_argument when dims is empty, has more than 255 entries, or its
///   product is not values.size()
/// @throws DataError naming the file and the system's reason when writing fails; the
///   temporary file is removed first
void write_idx(const std::filesystem::path& path, const std::vector<std::uint32_t>& dims,
               std::span<const std::uint8_t> values);

// ------------------------------------------------------------------------------------------
// Implementation

namespace detail {

/// Throws DataError in the house form, with the file named last.
[[noreturn]] inline void fail_file(const char* function, const std::filesystem::path& path,
                                   const std::string& expected, const std::string& got) {
  throw DataError(
      message(function, ": expected ", expected, ", got ", got, " (file '", path.string(), "')"));
}

/// The bytes as hex pairs, "00 00 08 03".
inline std::string hex_bytes(std::span<const std::uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string text;
  for (const std::uint8_t byte : bytes) {
    if (!text.empty()) text += ' ';
    text += kDigits[byte >> 4];
    text += kDigits[byte & 0x0f];
  }
  return text;
}

inline constexpr const char* kReadIdx = "data::read_idx";

/// Reads the file's bytes in order, straight or through zlib's inflate, and counts them.
class ByteSource {
 public:
  ByteSource(const std::filesystem::path& path, std::uint64_t file_size);
  ~ByteSource();
  ByteSource(const ByteSource&) = delete;
  ByteSource& operator=(const ByteSource&) = delete;

  /// Reads up to `size` bytes; returns fewer only at the clean end of the data.
  std::size_t read(std::uint8_t* out, std::size_t size);

  bool compressed() const noexcept { return compressed_; }
  /// The bytes handed out so far (decompressed bytes for gzip data).
  std::uint64_t consumed() const noexcept { return consumed_; }
  const std::filesystem::path& path() const noexcept { return path_; }

 private:
  std::size_t read_raw(std::uint8_t* out, std::size_t size);
  std::size_t inflate_into(std::uint8_t* out, std::size_t size);
  bool refill();
  void start_next_member();

  std::filesystem::path path_;
  std::ifstream in_;
  bool compressed_ = false;
  bool finished_ = false;
  std::uint64_t consumed_ = 0;
  z_stream stream_{};
  std::vector<std::uint8_t> input_;
};

inline ByteSource::ByteSource(const std::filesystem::path& path, std::uint64_t file_size)
    : path_(path), in_(path, std::ios::binary) {
  if (!in_) fail_file(kReadIdx, path, "a readable file", std::strerror(errno));
  std::array<char, 2> magic{};
  in_.read(magic.data(), 2);
  in_.clear();
  in_.seekg(0);
  compressed_ = file_size >= 2 && static_cast<std::uint8_t>(magic[0]) == 0x1f &&
                static_cast<std::uint8_t>(magic[1]) == 0x8b;
  if (!compressed_) return;
  input_.resize(1 << 16);
  // 16 + MAX_WBITS: accept the gzip wrapper only, so a stray zlib stream is refused.
  if (::inflateInit2(&stream_, 16 + MAX_WBITS) != Z_OK)
    fail_file(kReadIdx, path, "zlib to start inflating", "its error (out of memory?)");
}

inline ByteSource::~ByteSource() {
  if (compressed_) ::inflateEnd(&stream_);
}

inline std::size_t ByteSource::read(std::uint8_t* out, std::size_t size) {
  const std::size_t got = compressed_ ? inflate_into(out, size) : read_raw(out, size);
  consumed_ += got;
  return got;
}

inline std::size_t ByteSource::read_raw(std::uint8_t* out, std::size_t size) {
  in_.read(reinterpret_cast<char*>(out), static_cast<std::streamsize>(size));
  if (in_.bad()) fail_file(kReadIdx, path_, "a readable file", std::strerror(errno));
  return static_cast<std::size_t>(in_.gcount());
}

inline bool ByteSource::refill() {
  in_.read(reinterpret_cast<char*>(input_.data()), static_cast<std::streamsize>(input_.size()));
  if (in_.bad()) fail_file(kReadIdx, path_, "a readable file", std::strerror(errno));
  stream_.next_in = input_.data();
  stream_.avail_in = static_cast<uInt>(in_.gcount());
  return stream_.avail_in > 0;
}

inline std::size_t ByteSource::inflate_into(std::uint8_t* out, std::size_t size) {
  std::size_t produced = 0;
  while (produced < size && !finished_) {
    if (stream_.avail_in == 0 && !refill())
      fail_file(kReadIdx, path_, "a complete gzip stream",
                message("a truncated one: it ends after ", consumed_ + produced,
                        " decompressed bytes, before its end marker"));
    const auto chunk = static_cast<uInt>(std::min<std::size_t>(size - produced, 1u << 30));
    stream_.next_out = out + produced;
    stream_.avail_out = chunk;
    const int status = ::inflate(&stream_, Z_NO_FLUSH);
    produced += chunk - stream_.avail_out;
    if (status == Z_STREAM_END) {
      start_next_member();
    } else if (status != Z_OK && status != Z_BUF_ERROR) {
      const std::string reason = stream_.msg ? stream_.msg : message("error ", status);
      fail_file(kReadIdx, path_, "a valid gzip stream",
                message("a corrupt one (zlib: ", reason, ") after ", consumed_ + produced,
                        " decompressed bytes"));
    }
  }
  return produced;
}

/// After a gzip member ends, the file may hold another member (gzip allows concatenation)
/// or nothing; anything else is garbage that zlib's gzread would silently skip.
inline void ByteSource::start_next_member() {
  if (stream_.avail_in == 0 && !refill()) {
    finished_ = true;
    return;
  }
  if (stream_.next_in[0] != 0x1f)
    fail_file(kReadIdx, path_, "nothing or another gzip member after the gzip stream's end",
              message("other bytes, starting with ",
                      hex_bytes({stream_.next_in, std::min<std::size_t>(stream_.avail_in, 4)})));
  ::inflateReset(&stream_);
}

/// Reads exactly `size` header bytes, or explains how short the file is.
inline void read_header_bytes(ByteSource& source, std::uint8_t* out, std::size_t size,
                              const std::string& what) {
  const std::uint64_t before = source.consumed();
  const std::size_t got = source.read(out, size);
  if (got != size)
    fail_file(kReadIdx, source.path(), message(before + size, " header bytes (", what, ")"),
              message(source.compressed() ? "a decompressed stream of only " : "a file of only ",
                      before + got, " bytes"));
}

/// Printable text, such as an HTML error page saved under the data file's name.
inline bool looks_like_text(std::span<const std::uint8_t> bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [](std::uint8_t byte) {
    return std::isprint(byte) != 0 || std::isspace(byte) != 0;
  });
}

inline std::string quoted_text(std::span<const std::uint8_t> bytes) {
  std::string text;
  for (const std::uint8_t byte : bytes) text += std::isprint(byte) ? char(byte) : ' ';
  return "\"" + text + "\"";
}

inline const char* idx_type_name(std::uint8_t type) {
  switch (type) {
    case 0x08:
      return "unsigned byte";
    case 0x09:
      return "signed byte";
    case 0x0b:
      return "16-bit integer";
    case 0x0c:
      return "32-bit integer";
    case 0x0d:
      return "32-bit float";
    case 0x0e:
      return "64-bit float";
    default:
      return "no IDX type";
  }
}

/// Says what a file that does not start with 00 00 08 <ndims> looks like instead.
[[noreturn]] inline void fail_magic(const ByteSource& source,
                                    const std::array<std::uint8_t, 4>& magic,
                                    std::span<const std::uint8_t> start) {
  const std::string found = hex_bytes(magic);
  if (looks_like_text(start))
    fail_file(kReadIdx, source.path(), "the IDX magic 00 00 08 <ndims>",
              message("bytes that look like text/HTML, not IDX data (the file starts ",
                      quoted_text(start), "); was a web page saved under the data's name?"));
  if (magic[2] == 0 && magic[3] == 0 && magic[1] == kIdxUnsignedByte)
    fail_file(kReadIdx, source.path(), "the IDX magic 00 00 08 <ndims>, big-endian",
              message(found, ", the magic read little-endian: the header is byte-swapped"));
  fail_file(kReadIdx, source.path(), "the IDX magic 00 00 08 <ndims>", found);
}

/// Checks the magic and returns the number of dimensions.
inline std::size_t check_magic(ByteSource& source) {
  std::array<std::uint8_t, 16> start{};
  read_header_bytes(source, start.data(), 4, "the magic");
  // Up to 12 more bytes only feed the text/HTML hint; a short file is fine here.
  const std::size_t extra = (start[0] != 0 || start[1] != 0) ? source.read(&start[4], 12) : 0;
  const std::array<std::uint8_t, 4> magic{start[0], start[1], start[2], start[3]};
  if (magic[0] != 0 || magic[1] != 0) fail_magic(source, magic, {start.data(), 4 + extra});
  if (magic[2] != kIdxUnsignedByte)
    fail_file(kReadIdx, source.path(),
              "IDX element type 0x08 (unsigned byte), the only one supported",
              message("type byte 0x", hex_bytes({&magic[2], 1}), " (", idx_type_name(magic[2]),
                      ") in magic ", hex_bytes(magic)));
  if (magic[3] == 0)
    fail_file(kReadIdx, source.path(), "at least 1 dimension",
              message("0 dimensions in magic ", hex_bytes(magic)));
  return magic[3];
}

/// Reads the sizes and returns them with their product, refusing a product past 2^63.
inline std::vector<std::uint32_t> read_dims(ByteSource& source, std::size_t rank,
                                            std::uint64_t& total) {
  std::vector<std::uint8_t> raw(rank * 4);
  read_header_bytes(source, raw.data(), raw.size(), message(rank, " sizes of 4 bytes"));
  std::vector<std::uint32_t> dims(rank);
  total = 1;
  for (std::size_t i = 0; i < rank; ++i) {
    const std::uint8_t* b = &raw[4 * i];
    dims[i] = (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) |
              (std::uint32_t{b[2]} << 8) | std::uint32_t{b[3]};
    if (dims[i] != 0 && total > (std::uint64_t{1} << 62) / dims[i])
      fail_file(
          kReadIdx, source.path(), "sizes whose product fits in memory",
          message("size ", dims[i], " at dimension ", i, ", which makes the product overflow"));
    total *= dims[i];
  }
  return dims;
}

inline std::string dims_text(const std::vector<std::uint32_t>& dims) {
  std::string text;
  for (const std::uint32_t dim : dims) text += (text.empty() ? "" : " x ") + std::to_string(dim);
  return text;
}

/// Raw data: the file size is known, so compare before allocating.
inline void read_raw_values(ByteSource& source, std::uint64_t file_size,
                            const std::vector<std::uint32_t>& dims, std::uint64_t total,
                            std::vector<std::uint8_t>& values) {
  const std::uint64_t header = source.consumed();
  if (file_size - header != total)
    fail_file(kReadIdx, source.path(),
              message(header + total, " bytes: ", header, " of header, then the ", total,
                      " values its sizes ", dims_text(dims), " promise"),
              message(file_size, " bytes",
                      file_size - header > total ? ": trailing bytes past the promised data"
                                                 : ": the file is truncated"));
  values.resize(static_cast<std::size_t>(total));
  if (source.read(values.data(), values.size()) != values.size())
    fail_file(kReadIdx, source.path(), message(header + total, " bytes"),
              message("a file that shrank while being read, to ", source.consumed(), " bytes"));
}

/// Gzip data: the decompressed size is unknown until the end, so the buffer grows (doubling)
/// only as bytes arrive. A header that lies about its sizes then costs at most the 64 MiB
/// reserved up front, or twice the data actually there.
inline void read_gzip_values(ByteSource& source, const std::vector<std::uint32_t>& dims,
                             std::uint64_t total, std::vector<std::uint8_t>& values) {
  const std::uint64_t header = source.consumed();
  values.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(total, 1u << 26)));
  constexpr std::size_t kChunk = std::size_t{1} << 20;
  while (values.size() < total) {
    const std::size_t want =
        static_cast<std::size_t>(std::min<std::uint64_t>(kChunk, total - values.size()));
    const std::size_t old_size = values.size();
    values.resize(old_size + want);
    const std::size_t got = source.read(values.data() + old_size, want);
    values.resize(old_size + got);
    if (got < want)
      fail_file(
          kReadIdx, source.path(),
          message(header + total, " decompressed bytes: ", header, " of header, then the ", total,
                  " values its sizes ", dims_text(dims), " promise"),
          message("a gzip stream that holds only ", header + values.size(), " decompressed bytes"));
  }
  std::array<std::uint8_t, 4096> rest{};
  std::uint64_t extra = 0;
  for (std::size_t got; (got = source.read(rest.data(), rest.size())) > 0;) extra += got;
  if (extra > 0)
    fail_file(kReadIdx, source.path(),
              message(header + total, " decompressed bytes: ", header, " of header, then the ",
                      total, " values its sizes ", dims_text(dims), " promise"),
              message(header + total + extra,
                      " decompressed bytes: trailing bytes past the promised data"));
}

}  // namespace detail

inline IdxArray read_idx(const std::filesystem::path& path) {
  std::error_code error;
  const auto status = std::filesystem::status(path, error);
  if (!std::filesystem::exists(status))
    detail::fail_file(detail::kReadIdx, path, "an IDX file", "no such file");
  if (std::filesystem::is_directory(status))
    detail::fail_file(detail::kReadIdx, path, "an IDX file", "a directory");
  const std::uint64_t file_size = std::filesystem::file_size(path, error);
  if (error) detail::fail_file(detail::kReadIdx, path, "a readable file", error.message());
  if (file_size == 0) detail::fail_file(detail::kReadIdx, path, "an IDX file", "an empty file");

  detail::ByteSource source(path, file_size);
  const std::size_t rank = detail::check_magic(source);
  IdxArray array;
  std::uint64_t total = 0;
  array.dims = detail::read_dims(source, rank, total);
  if (source.compressed())
    detail::read_gzip_values(source, array.dims, total, array.values);
  else
    detail::read_raw_values(source, file_size, array.dims, total, array.values);
  return array;
}

inline void write_idx(const std::filesystem::path& path, const std::vector<std::uint32_t>& dims,
                      std::span<const std::uint8_t> values) {
  if (dims.empty() || dims.size() > 255)
    throw std::invalid_argument(message("data::write_idx: expected 1 to 255 dimensions, got ",
                                        dims.size(), " for '", path.string(), "'"));
  std::uint64_t total = 1;
  bool overflow = false;
  for (const std::uint32_t dim : dims) {
    overflow = overflow || (dim != 0 && total > std::numeric_limits<std::uint64_t>::max() / dim);
    total *= dim;
  }
  if (overflow || total != values.size())
    throw std::invalid_argument(
        message("data::write_idx: expected sizes whose product is the number of values, ",
                values.size(), ", got sizes ", detail::dims_text(dims), " (product ",
                overflow ? "past 2^64" : std::to_string(total), ") for '", path.string(), "'"));
  std::vector<std::uint8_t> header{0, 0, kIdxUnsignedByte, static_cast<std::uint8_t>(dims.size())};
  for (const std::uint32_t dim : dims)
    for (const int shift : {24, 16, 8, 0})
      header.push_back(static_cast<std::uint8_t>(dim >> shift));
  gan::detail::write_atomically<DataError>("data::write_idx", path, {header, values});
}

}  // namespace gan::data
