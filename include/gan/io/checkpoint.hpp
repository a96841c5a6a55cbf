// SPDX-License-Identifier: MIT
// Checkpoint files: named binary entries, a checksum, and an atomic write.
#pragma once

#include <gan/core/error.hpp>
#include <gan/core/tensor.hpp>
#include <gan/io/atomic_write.hpp>

#include <zlib.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace gan {

/// The on-disk layout, all integers little-endian:
///   "GANCKPT\n"                      8 bytes of magic
///   u32 format version                kCheckpointFormatVersion
///   u32 entry count
///   entries, each: u32 key length, key bytes, u8 kind, u64 payload length, payload
///   u32 CRC-32 of every byte before it
/// The checksum catches truncation and corruption before any value is used.
inline constexpr char kCheckpointMagic[8] = {'G', 'A', 'N', 'C', 'K', 'P', 'T', '\n'};
/// The longest entry name, in bytes, that CheckpointWriter writes and CheckpointReader reads;
/// a file that declares a longer one is damaged or crafted.
inline constexpr std::size_t kMaxCheckpointKeySize = 4096;
/// Raised whenever saved values change meaning, so that an older file is refused by name
/// instead of loading into the wrong places. Version 2: Dense weights are stored row-major.
inline constexpr std::uint32_t kCheckpointFormatVersion = 2;

/// What an entry holds; stored so that a reader can refuse an entry of the wrong kind.
enum class EntryKind : std::uint8_t { f32_array = 1, f64_array = 2, u64 = 3, text = 4 };

namespace detail {

inline const char* entry_kind_name(EntryKind kind) {
  switch (kind) {
    case EntryKind::f32_array:
      return "float32 array";
    case EntryKind::f64_array:
      return "float64 array";
    case EntryKind::u64:
      return "unsigned integer";
    case EntryKind::text:
      return "text";
  }
  return "unknown kind";
}

template <typename Scalar>
constexpr EntryKind array_kind() {
  static_assert(std::is_same_v<Scalar, float> || std::is_same_v<Scalar, double>,
                "gan checkpoints store float and double arrays only");
  return std::is_same_v<Scalar, float> ? EntryKind::f32_array : EntryKind::f64_array;
}

static_assert(std::endian::native == std::endian::little,
              "gan checkpoints are written in the machine's byte order, which must be "
              "little-endian; a big-endian port needs byte swapping in checkpoint.hpp");

inline void append_bytes(std::vector<unsigned char>& out, const void* data, std::size_t size) {
  const auto* bytes = static_cast<const unsigned char*>(data);
  out.insert(out.end(), bytes, bytes + size);
}

template <typename Integer>
void append_integer(std::vector<unsigned char>& out, Integer value) {
  append_bytes(out, &value, sizeof value);
}

inline std::uint32_t crc32_of(const unsigned char* data, std::size_t size) {
  uLong crc = ::crc32(0L, Z_NULL, 0);
  while (size > 0) {
    const auto chunk = static_cast<uInt>(std::min<std::size_t>(size, 1u << 30));
    crc = ::crc32(crc, data, chunk);
    data += chunk;
    size -= chunk;
  }
  return static_cast<std::uint32_t>(crc);
}

}  // namespace detail

/// Collects named entries in memory, then writes them to a file in one atomic step.
class CheckpointWriter {
 public:
  /// Adds an array of floats or doubles (a Vector, or a network's parameter view).
  void put(const std::string& key, ConstVectorRef<float> values) { put_array(key, values); }
  void put(const std::string& key, ConstVectorRef<double> values) { put_array(key, values); }
  void put(const std::string& key, std::uint64_t value) {
    add(key, EntryKind::u64, &value, sizeof value);
  }
  void put(const std::string& key, const std::string& text) {
    add(key, EntryKind::text, text.data(), text.size());
  }

  /// Writes the checkpoint to `path` so that it is either wholly there or not changed at all:
  /// the bytes go to a temporary file beside it, which is flushed to disk and then renamed
  /// over `path`. A crash at any moment leaves the previous file at `path` intact.
  /// @throws CheckpointError naming the path and the system's reason
  void commit(const std::filesystem::path& path) const {
    std::vector<unsigned char> bytes;
    detail::append_bytes(bytes, kCheckpointMagic, sizeof kCheckpointMagic);
    detail::append_integer(bytes, kCheckpointFormatVersion);
    detail::append_integer(bytes, static_cast<std::uint32_t>(entries_.size()));
    for (const auto& [key, entry] : entries_) {
      detail::append_integer(bytes, static_cast<std::uint32_t>(key.size()));
      detail::append_bytes(bytes, key.data(), key.size());
      detail::append_integer(bytes, static_cast<std::uint8_t>(entry.kind));
      detail::append_integer(bytes, static_cast<std::uint64_t>(entry.payload.size()));
      detail::append_bytes(bytes, entry.payload.data(), entry.payload.size());
    }
    detail::append_integer(bytes, detail::crc32_of(bytes.data(), bytes.size()));
    detail::write_atomically<CheckpointError>("CheckpointWriter::commit", path, {bytes});
  }

 private:
  struct Entry {
    EntryKind kind;
    std::vector<unsigned char> payload;
  };

  template <typename Scalar>
  void put_array(const std::string& key, const ConstVectorRef<Scalar>& values) {
    add(key, detail::array_kind<Scalar>(), values.data(),
        static_cast<std::size_t>(values.size()) * sizeof(Scalar));
  }

  void add(const std::string& key, EntryKind kind, const void* data, std::size_t size) {
    if (key.size() > kMaxCheckpointKeySize)
      throw CheckpointError(message("CheckpointWriter::put: expected an entry name of at most ",
                                    kMaxCheckpointKeySize, " bytes, got one of ", key.size(),
                                    " bytes starting '", key.substr(0, 40), "'"));
    Entry entry{kind, {}};
    detail::append_bytes(entry.payload, data, size);
    entries_[key] = std::move(entry);
  }

  std::map<std::string, Entry> entries_;
};

/// Reads a whole checkpoint, verifies it, and hands out its entries by name.
///
/// Opening checks the magic, version and checksum before anything else, so a truncated or
/// damaged file is refused as a whole. Every length in the file is bounded by the bytes left
/// (and a name by kMaxCheckpointKeySize) before it is used, and a name may appear only once,
/// so a crafted file is refused too, naming the entry and its offset. Every getter checks the
/// entry's kind and size.
class CheckpointReader {
 public:
  /// @throws CheckpointError naming the path and what is wrong with the file
  explicit CheckpointReader(const std::filesystem::path& path) : path_(path) {
    std::error_code error;
    if (std::filesystem::is_directory(path, error))
      fail("it is a folder", "expected a checkpoint file");
    std::ifstream in(path, std::ios::binary);
    if (!in) fail("could not open it", std::strerror(errno));
    // Check the signature before reading the rest, so that a wrong file of any size is
    // refused without being loaded into memory.
    char magic[sizeof kCheckpointMagic] = {};
    in.read(magic, sizeof magic);
    if (in.gcount() == sizeof magic && std::memcmp(magic, kCheckpointMagic, sizeof magic) != 0)
      fail("it does not start with the gan checkpoint signature 'GANCKPT'",
           "expected a file written by gan's CheckpointWriter");
    std::vector<unsigned char> bytes(magic, magic + in.gcount());
    bytes.insert(bytes.end(), std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    if (in.bad()) fail("could not read it", std::strerror(errno));
    parse(bytes);
  }

  const std::filesystem::path& path() const noexcept { return path_; }

  bool contains(const std::string& key) const { return entries_.count(key) != 0; }

  /// Every entry's name, sorted.
  std::vector<std::string> keys() const {
    std::vector<std::string> names;
    for (const auto& entry : entries_) names.push_back(entry.first);
    return names;
  }

  /// The array under `key`, which must hold exactly `expected_size` values of type Scalar.
  template <typename Scalar>
  Vector<Scalar> get_array(const std::string& key, std::size_t expected_size) const {
    const Entry& entry = find(key, detail::array_kind<Scalar>());
    if (entry.payload.size() % sizeof(Scalar) != 0)
      fail(message("entry '", key, "' is ", entry.payload.size(), " bytes long"),
           message("a whole number of ", sizeof(Scalar), "-byte values was expected"));
    const std::size_t count = entry.payload.size() / sizeof(Scalar);
    if (count != expected_size)
      fail(message("entry '", key, "' holds ", count, " values"),
           message(expected_size, " were expected"));
    Vector<Scalar> values(static_cast<Eigen::Index>(count));
    if (count > 0) std::memcpy(values.data(), entry.payload.data(), entry.payload.size());
    return values;
  }

  /// As get_array, and every value must be finite. For model parameters, running statistics
  /// and optimizer state: training stops before any of them turns NaN or infinite, so such a
  /// value means a damaged or crafted file, which would otherwise give garbage samples.
  template <typename Scalar>
  Vector<Scalar> get_finite_array(const std::string& key, std::size_t expected_size) const {
    Vector<Scalar> values = get_array<Scalar>(key, expected_size);
    for (Eigen::Index i = 0; i < values.size(); ++i)
      if (!std::isfinite(values[i]))
        fail(message("entry '", key, "' holds ", values[i], " at index ", i, " of ", values.size()),
             "expected finite numbers only, as training leaves them");
    return values;
  }

  std::uint64_t get_u64(const std::string& key) const {
    const Entry& entry = find(key, EntryKind::u64);
    std::uint64_t value = 0;
    std::memcpy(&value, entry.payload.data(), sizeof value);
    return value;
  }

  std::string get_text(const std::string& key) const {
    const Entry& entry = find(key, EntryKind::text);
    return std::string(entry.payload.begin(), entry.payload.end());
  }

  /// Throws a CheckpointError about this file; for checks made by the caller (a mismatched
  /// architecture, say), so that every message names the file the same way.
  [[noreturn]] void fail(const std::string& what, const std::string& expected) const {
    throw CheckpointError(message("checkpoint '", path_.string(), "': ", what, "; ", expected));
  }

 private:
  struct Entry {
    EntryKind kind;
    std::vector<unsigned char> payload;
  };

  const Entry& find(const std::string& key, EntryKind kind) const {
    const auto it = entries_.find(key);
    if (it == entries_.end())
      fail(message("has no entry '", key, "'"), "it is not a checkpoint of this kind of model");
    if (it->second.kind != kind)
      fail(message("entry '", key, "' is a ", detail::entry_kind_name(it->second.kind)),
           message("a ", detail::entry_kind_name(kind), " was expected"));
    if (kind == EntryKind::u64 && it->second.payload.size() != sizeof(std::uint64_t))
      fail(message("entry '", key, "' is ", it->second.payload.size(), " bytes long"),
           "8 were expected");
    return it->second;
  }

  void parse(const std::vector<unsigned char>& bytes) {
    constexpr std::size_t kHeader = sizeof kCheckpointMagic + 4 + 4;
    if (bytes.size() < kHeader + 4)
      fail(message("the file is ", bytes.size(), " bytes long"),
           message("a checkpoint is at least ", kHeader + 4, " bytes"));
    if (std::memcmp(bytes.data(), kCheckpointMagic, sizeof kCheckpointMagic) != 0)
      fail("it does not start with the gan checkpoint signature 'GANCKPT'",
           "expected a file written by gan's CheckpointWriter");
    std::uint32_t stored_crc = 0;
    std::memcpy(&stored_crc, bytes.data() + bytes.size() - 4, 4);
    const std::uint32_t actual_crc = detail::crc32_of(bytes.data(), bytes.size() - 4);
    if (stored_crc != actual_crc)
      fail(message("its checksum does not match (stored ", stored_crc, ", computed ", actual_crc,
                   ")"),
           "the file is truncated or damaged");

    // A valid checksum proves only that the file was not damaged after it was written, not
    // that a writer made it: every count and length below is checked against the bytes left
    // before anything of that size is allocated, so a crafted field cannot make the reader
    // allocate more than the file holds.
    std::size_t at = sizeof kCheckpointMagic;
    const std::size_t end = bytes.size() - 4;
    const auto take = [&](void* out, std::size_t size) {
      std::memcpy(out, bytes.data() + at, size);
      at += size;
    };
    std::uint32_t version = 0;
    std::uint32_t count = 0;
    take(&version, 4);
    if (version != kCheckpointFormatVersion)
      fail(message("it has format version ", version),
           message("this build reads version ", kCheckpointFormatVersion));
    take(&count, 4);
    if (count > (end - at) / kSmallestEntry)
      fail(message("it declares ", count, " entries in the ", end - at,
                   " bytes before its checksum"),
           message("expected at most ", (end - at) / kSmallestEntry, " (an entry takes at least ",
                   kSmallestEntry, " bytes); the file is damaged"));
    for (std::uint32_t index = 0; index < count; ++index) {
      const std::size_t entry_at = at;
      const auto where = [&] { return message("entry ", index, " (at byte ", entry_at, ")"); };
      if (end - at < kSmallestEntry)
        fail(message(where(), " is cut off: ", end - at, " bytes are left before the checksum"),
             message("an entry takes at least ", kSmallestEntry, " bytes; the file is damaged"));
      std::uint32_t key_size = 0;
      take(&key_size, 4);
      if (key_size > kMaxCheckpointKeySize || key_size > end - at - (kSmallestEntry - 4))
        fail(message(where(), " has a name length of ", key_size, " bytes"),
             message("expected at most ", kMaxCheckpointKeySize, " and at most the ",
                     end - at - (kSmallestEntry - 4), " bytes left for it; the file is damaged"));
      std::string key(key_size, '\0');
      take(key.data(), key_size);
      std::uint8_t kind = 0;
      std::uint64_t payload_size = 0;
      take(&kind, 1);
      take(&payload_size, 8);
      if (payload_size > end - at)
        fail(message(where(), " '", key, "' has a payload of ", payload_size, " bytes"),
             message("expected at most the ", end - at,
                     " bytes left before the checksum; the file is damaged"));
      if (kind < static_cast<std::uint8_t>(EntryKind::f32_array) ||
          kind > static_cast<std::uint8_t>(EntryKind::text))
        fail(message(where(), " '", key, "' has unknown kind ", int{kind}), "the file is damaged");
      if (entries_.count(key) != 0)
        fail(message(where(), " repeats the name '", key, "' of an earlier entry"),
             "expected every name once, as CheckpointWriter writes them; the file is damaged");
      Entry entry{static_cast<EntryKind>(kind), {}};
      entry.payload.assign(bytes.begin() + static_cast<std::ptrdiff_t>(at),
                           bytes.begin() + static_cast<std::ptrdiff_t>(at + payload_size));
      at += payload_size;
      entries_.emplace(std::move(key), std::move(entry));
    }
    if (at != end)
      fail(message("it has ", end - at, " bytes after its ", count, " entries"),
           "the file is damaged");
  }

  // The fixed fields of an entry: u32 name length, u8 kind, u64 payload length.
  static constexpr std::size_t kSmallestEntry = 4 + 1 + 8;

  std::filesystem::path path_;
  std::map<std::string, Entry> entries_;
};

}  // namespace gan
