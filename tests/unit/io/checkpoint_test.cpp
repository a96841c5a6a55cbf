// SPDX-License-Identifier: MIT
// Tests of io/checkpoint.hpp: a round trip of every entry kind, refusal of damaged or foreign
// files with an error that names the file, checked getters, and the atomic commit.
#define BOOST_TEST_MODULE checkpoint
#include <boost/test/unit_test.hpp>

#include <gan/core/error.hpp>
#include <gan/core/tensor.hpp>
#include <gan/io/checkpoint.hpp>

#include "support/bits.hpp"
#include "support/expected_errors.hpp"
#include "support/temporary_files.hpp"

#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <limits>
#include <numbers>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<unsigned char>;
using namespace gan::test_support;

/// Replaces the last four bytes with the CRC-32 of the others, as the writer does.
void reseal(Bytes& bytes) {
  const auto crc = static_cast<std::uint32_t>(
      ::crc32(::crc32(0L, Z_NULL, 0), bytes.data(), static_cast<uInt>(bytes.size() - 4)));
  std::memcpy(bytes.data() + bytes.size() - 4, &crc, 4);
}

/// The message of the CheckpointError thrown by `action`, or "" if it throws nothing.
template <typename Action>
std::string checkpoint_error_of(Action&& action) {
  return message_of<gan::CheckpointError>(std::forward<Action>(action));
}

std::string open_error(const fs::path& path) {
  return checkpoint_error_of([&] { gan::CheckpointReader reader(path); });
}

bool mentions(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

/// One entry laid out as the writer lays it out, with every field free to be wrong.
struct RawEntry {
  std::uint32_t key_size;
  std::string key;
  gan::EntryKind kind;
  std::uint64_t payload_size;
  std::string payload;
};

/// A file with the right magic, version and checksum that declares `count` entries and holds
/// `entries`: only what the entries say is wrong, as in a file crafted to pass the checksum.
Bytes crafted_checkpoint(std::uint32_t count, const std::vector<RawEntry>& entries) {
  Bytes bytes(gan::kCheckpointMagic, gan::kCheckpointMagic + 8);
  const auto append = [&](const void* data, std::size_t size) {
    const auto* begin = static_cast<const unsigned char*>(data);
    bytes.insert(bytes.end(), begin, begin + size);
  };
  const std::uint32_t version = gan::kCheckpointFormatVersion;
  append(&version, 4);
  append(&count, 4);
  for (const RawEntry& entry : entries) {
    const auto kind = static_cast<std::uint8_t>(entry.kind);
    append(&entry.key_size, 4);
    append(entry.key.data(), entry.key.size());
    append(&kind, 1);
    append(&entry.payload_size, 8);
    append(entry.payload.data(), entry.payload.size());
  }
  bytes.resize(bytes.size() + 4);
  reseal(bytes);
  return bytes;
}

/// A well-formed entry of one float32 value named `key`.
RawEntry float_entry(const std::string& key) {
  return {static_cast<std::uint32_t>(key.size()), key, gan::EntryKind::f32_array, 4,
          std::string("\0\0\x80\x3f", 4)};
}

/// A small checkpoint of two entries, written to `path`.
void write_small(const fs::path& path) {
  gan::CheckpointWriter writer;
  writer.put("steps", std::uint64_t{12});
  writer.put("name", std::string("abc"));
  writer.commit(path);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(checkpoint)

BOOST_AUTO_TEST_CASE(round_trip_restores_every_entry_kind_bit_for_bit) {
  TemporaryDirectory directory;
  const fs::path path = directory.path() / "all.ckpt";

  gan::Vector<float> floats(4);
  floats << 1.5f, -2.25f, std::numeric_limits<float>::quiet_NaN(),
      std::numeric_limits<float>::infinity();
  gan::Vector<double> doubles(4);
  doubles << std::numbers::pi, -0.0, std::numeric_limits<double>::denorm_min(),
      std::numeric_limits<double>::max();
  const gan::Vector<float> no_floats(0);
  const std::string text_with_nul = std::string("two\nlines and a NUL: ") + '\0' + " end";

  gan::CheckpointWriter writer;
  writer.put("floats", floats);
  writer.put("doubles", doubles);
  writer.put("no_floats", no_floats);
  writer.put("zero", std::uint64_t{0});
  writer.put("largest", std::numeric_limits<std::uint64_t>::max());
  writer.put("text", text_with_nul);
  writer.put("empty_text", std::string());
  writer.put("replaced", std::uint64_t{1});
  writer.put("replaced", std::uint64_t{2});  // a later put under the same key wins
  writer.commit(path);

  const gan::CheckpointReader reader(path);
  BOOST_TEST(reader.path() == path);
  const std::vector<std::string> keys = {"doubles",  "empty_text", "floats", "largest",
                                         "no_floats", "replaced",  "text",   "zero"};
  BOOST_TEST(reader.keys() == keys, boost::test_tools::per_element());
  BOOST_TEST(reader.contains("floats"));
  BOOST_TEST(!reader.contains("missing"));
  BOOST_TEST(bit_identical(reader.get_array<float>("floats", 4), floats));
  BOOST_TEST(bit_identical(reader.get_array<double>("doubles", 4), doubles));
  BOOST_TEST(reader.get_array<float>("no_floats", 0).size() == 0);
  BOOST_TEST(reader.get_u64("zero") == 0u);
  BOOST_TEST(reader.get_u64("largest") == std::numeric_limits<std::uint64_t>::max());
  BOOST_TEST(reader.get_text("text") == text_with_nul);
  BOOST_TEST(reader.get_text("empty_text") == "");
  BOOST_TEST(reader.get_u64("replaced") == 2u);
}

BOOST_AUTO_TEST_CASE(every_truncation_is_refused_naming_the_path) {
  TemporaryDirectory directory;
  const fs::path path = directory.path() / "small.ckpt";
  write_small(path);
  const Bytes whole = file_bytes<unsigned char>(path);
  BOOST_TEST_REQUIRE(whole.size() > 20u);
  for (std::size_t length = 0; length < whole.size(); ++length) {
    BOOST_TEST_CONTEXT("truncated to " << length << " of " << whole.size() << " bytes") {
      write_bytes(path, Bytes(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(length)));
      const std::string error = open_error(path);
      BOOST_TEST(mentions(error, path.string()), "error: '" << error << "'");
    }
  }
}

BOOST_AUTO_TEST_CASE(every_flipped_byte_is_refused_naming_the_path) {
  TemporaryDirectory directory;
  const fs::path path = directory.path() / "small.ckpt";
  write_small(path);
  const Bytes whole = file_bytes<unsigned char>(path);
  for (std::size_t at = 0; at < whole.size(); ++at) {
    BOOST_TEST_CONTEXT("byte " << at << " flipped") {
      Bytes damaged = whole;
      damaged[at] ^= 0x5a;
      write_bytes(path, damaged);
      const std::string error = open_error(path);
      BOOST_TEST(mentions(error, path.string()), "error: '" << error << "'");
    }
  }
}

BOOST_AUTO_TEST_CASE(wrong_magic_is_refused_even_with_a_valid_checksum) {
  TemporaryDirectory directory;
  const fs::path path = directory.path() / "foreign.ckpt";
  write_small(path);
  Bytes bytes = file_bytes<unsigned char>(path);
  bytes[0] = 'X';
  reseal(bytes);
  write_bytes(path, bytes);
  const std::string error = open_error(path);
  BOOST_TEST(mentions(error, path.string()), error);
  BOOST_TEST(mentions(error, "signature"), error);
}

BOOST_AUTO_TEST_CASE(other_format_version_is_refused_even_with_a_valid_checksum) {
  TemporaryDirectory directory;
  const fs::path path = directory.path() / "future.ckpt";
  write_small(path);
  Bytes bytes = file_bytes<unsigned char>(path);
  bytes[8] = gan::kCheckpointFormatVersion + 1;  // the u32 version follows the 8 bytes of magic
  reseal(bytes);
  write_bytes(path, bytes);
  const std::string error = open_error(path);
  BOOST_TEST(mentions(error, path.string()), error);
  BOOST_TEST(mentions(error, "version " + std::to_string(gan::kCheckpointFormatVersion + 1)),
             error);
}

BOOST_AUTO_TEST_CASE(version_1_files_are_refused_since_their_dense_weights_are_transposed) {
  // Version 1 stored Dense weights column-major; loading them now would transpose every layer.
  TemporaryDirectory directory;
  const fs::path path = directory.path() / "old.ckpt";
  write_small(path);
  Bytes bytes = file_bytes<unsigned char>(path);
  bytes[8] = 1;
  reseal(bytes);
  write_bytes(path, bytes);
  const std::string error = open_error(path);
  BOOST_TEST(mentions(error, "version 1"), error);
  BOOST_TEST(mentions(error, "version " + std::to_string(gan::kCheckpointFormatVersion)), error);
}

BOOST_AUTO_TEST_CASE(empty_and_missing_files_are_refused_naming_the_path) {
  TemporaryDirectory directory;
  const fs::path empty = directory.path() / "empty.ckpt";
  write_bytes(empty, Bytes{});
  const std::string empty_error = open_error(empty);
  BOOST_TEST(mentions(empty_error, empty.string()), empty_error);

  const fs::path missing = directory.path() / "missing.ckpt";
  const std::string missing_error = open_error(missing);
  BOOST_TEST(mentions(missing_error, missing.string()), missing_error);
}

BOOST_AUTO_TEST_CASE(entry_of_the_wrong_kind_or_size_is_refused) {
  TemporaryDirectory directory;
  const fs::path path = directory.path() / "kinds.ckpt";
  gan::CheckpointWriter writer;
  writer.put("weights", gan::Vector<double>::Ones(3).eval());
  writer.put("steps", std::uint64_t{4});
  writer.put("name", std::string("g"));
  writer.commit(path);
  const gan::CheckpointReader reader(path);

  const auto check = [&](const std::string& error, const std::string& key) {
    BOOST_TEST(mentions(error, path.string()), error);
    BOOST_TEST(mentions(error, key), error);
  };
  check(checkpoint_error_of([&] { reader.get_array<float>("weights", 3); }), "weights");
  check(checkpoint_error_of([&] { reader.get_array<double>("weights", 4); }), "weights");
  check(checkpoint_error_of([&] { reader.get_array<double>("weights", 2); }), "weights");
  check(checkpoint_error_of([&] { reader.get_u64("name"); }), "name");
  check(checkpoint_error_of([&] { reader.get_text("steps"); }), "steps");
  check(checkpoint_error_of([&] { reader.get_array<double>("steps", 1); }), "steps");
  check(checkpoint_error_of([&] { reader.get_u64("absent"); }), "absent");
  BOOST_TEST(reader.get_array<double>("weights", 3).sum() == 3.0);
}

BOOST_AUTO_TEST_CASE(array_entry_with_a_partial_element_is_refused) {
  // A well-formed file (valid magic, version and checksum) whose float32 entry holds 6 bytes:
  // one float and half of another. It must be refused, not copied whole into one float.
  TemporaryDirectory directory;
  const fs::path path = directory.path() / "partial.ckpt";
  write_bytes(path,
              crafted_checkpoint(1, {{1, "a", gan::EntryKind::f32_array, 6, "\1\2\3\4\5\6"}}));

  const gan::CheckpointReader reader(path);
  const std::string error = checkpoint_error_of([&] { reader.get_array<float>("a", 1); });
  BOOST_TEST(mentions(error, path.string()), "error: '" << error << "'");
}

BOOST_AUTO_TEST_CASE(name_length_past_the_end_is_refused_before_anything_is_allocated) {
  // 0xFFFFFFFF as a name length once made the reader allocate 4 GiB before noticing that the
  // file holds a few bytes.
  TemporaryDirectory directory;
  const fs::path path = directory.path() / "long_name.ckpt";
  write_bytes(path, crafted_checkpoint(
                        1, {{0xFFFFFFFF, "a", gan::EntryKind::u64, 8, std::string(8, '\0')}}));
  check_throws<gan::CheckpointError>([&] { gan::CheckpointReader reader(path); },
                                     {path.string(), "entry 0", "at byte 16", "4294967295"});
}

BOOST_AUTO_TEST_CASE(name_longer_than_the_limit_is_refused_even_when_the_file_holds_it) {
  TemporaryDirectory directory;
  const fs::path path = directory.path() / "huge_name.ckpt";
  const std::string key(gan::kMaxCheckpointKeySize + 1, 'k');
  write_bytes(path, crafted_checkpoint(1, {{static_cast<std::uint32_t>(key.size()), key,
                                            gan::EntryKind::u64, 8, std::string(8, '\0')}}));
  check_throws<gan::CheckpointError>(
      [&] { gan::CheckpointReader reader(path); },
      {path.string(), "entry 0", std::to_string(gan::kMaxCheckpointKeySize + 1),
       "at most " + std::to_string(gan::kMaxCheckpointKeySize)});

  gan::CheckpointWriter writer;
  const std::string write_error = checkpoint_error_of([&] { writer.put(key, std::uint64_t{1}); });
  BOOST_TEST(mentions(write_error, std::to_string(key.size())), write_error);
}

BOOST_AUTO_TEST_CASE(payload_length_past_the_end_is_refused_naming_the_entry) {
  TemporaryDirectory directory;
  const fs::path path = directory.path() / "long_payload.ckpt";
  write_bytes(path, crafted_checkpoint(2, {float_entry("first"),
                                           {6, "second", gan::EntryKind::f32_array,
                                            std::uint64_t{1} << 40, "\1\2\3\4"}}));
  check_throws<gan::CheckpointError>([&] { gan::CheckpointReader reader(path); },
                                     {path.string(), "entry 1", "'second'", "1099511627776"});
}

BOOST_AUTO_TEST_CASE(entry_count_larger_than_the_file_can_hold_is_refused) {
  TemporaryDirectory directory;
  const fs::path path = directory.path() / "many.ckpt";
  write_bytes(path, crafted_checkpoint(4'000'000'000u, {float_entry("only")}));
  check_throws<gan::CheckpointError>([&] { gan::CheckpointReader reader(path); },
                                     {path.string(), "4000000000 entries"});
}

BOOST_AUTO_TEST_CASE(repeated_entry_name_is_refused_naming_it) {
  // Taking the last one would let a crafted file show one value to a tool that stops at the
  // first entry of a name, and load another.
  TemporaryDirectory directory;
  const fs::path path = directory.path() / "repeated.ckpt";
  write_bytes(path, crafted_checkpoint(3, {float_entry("a"), float_entry("b"), float_entry("a")}));
  check_throws<gan::CheckpointError>([&] { gan::CheckpointReader reader(path); },
                                     {path.string(), "entry 2", "repeats the name 'a'"});
}

BOOST_AUTO_TEST_CASE(commit_into_a_missing_directory_throws_and_leaves_no_temporary_file) {
  TemporaryDirectory directory;
  const fs::path path = directory.path() / "absent" / "model.ckpt";
  gan::CheckpointWriter writer;
  writer.put("steps", std::uint64_t{1});
  const std::string error = checkpoint_error_of([&] { writer.commit(path); });
  BOOST_TEST(mentions(error, path.string()), "error: '" << error << "'");
  BOOST_TEST(!fs::exists(directory.path() / "absent"));
  BOOST_TEST(directory.listing().empty());
}

BOOST_AUTO_TEST_CASE(commit_over_an_existing_checkpoint_replaces_it_and_leaves_no_partial_file) {
  TemporaryDirectory directory;
  const fs::path path = directory.path() / "model.ckpt";
  gan::CheckpointWriter first;
  first.put("steps", std::uint64_t{1});
  first.put("only_in_first", std::string("old"));
  first.commit(path);

  gan::CheckpointWriter second;
  second.put("steps", std::uint64_t{2});
  second.commit(path);

  const gan::CheckpointReader reader(path);
  BOOST_TEST(reader.get_u64("steps") == 2u);
  BOOST_TEST(!reader.contains("only_in_first"));
  const std::vector<std::string> expected = {"model.ckpt"};
  BOOST_TEST(directory.listing() == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(commit_removes_the_temporaries_of_killed_writers_of_the_same_file_only) {
  // A writer killed mid-write (SIGKILL, a second Ctrl-C) leaves "<file>.partial-<pid>-<n>";
  // the next commit to that file removes those whose process is gone, and nothing else.
  TemporaryDirectory directory;
  const fs::path path = directory.path() / "model.ckpt";
  const pid_t dead = ::fork();
  BOOST_TEST_REQUIRE(dead >= 0);
  if (dead == 0) ::_exit(0);
  BOOST_TEST_REQUIRE(::waitpid(dead, nullptr, 0) == dead);  // reaped: the pid names nothing
  const std::string dead_pid = std::to_string(dead);
  const std::vector<std::string> stale = {"model.ckpt.partial-" + dead_pid + "-0",
                                          "model.ckpt.partial-" + dead_pid + "-17"};
  const std::vector<std::string> kept = {
      "model.ckpt.partial-" + std::to_string(::getpid()) + "-99",  // this process's own
      "model.ckpt.partial-" + std::to_string(::getppid()) + "-0",  // a running process's
      "other.ckpt.partial-" + dead_pid + "-0",                     // another file's
      "model.ckpt.partial-" + dead_pid,                            // not a name it writes
      "model.ckpt.partial-x" + dead_pid + "-0",
      "model.ckpt.partial-" + dead_pid + "-0.bak"};
  for (const auto& names : {stale, kept})
    for (const std::string& name : names) write_bytes(directory.path() / name, Bytes{1, 2, 3});
  fs::create_directory(directory.path() / ("model.ckpt.partial-" + dead_pid + "-5"));

  write_small(path);

  for (const std::string& name : stale) BOOST_TEST(!fs::exists(directory.path() / name), name);
  for (const std::string& name : kept) BOOST_TEST(fs::exists(directory.path() / name), name);
  BOOST_TEST(fs::is_directory(directory.path() / ("model.ckpt.partial-" + dead_pid + "-5")));
  BOOST_TEST(gan::CheckpointReader(path).get_u64("steps") == 12u);
}

BOOST_AUTO_TEST_SUITE_END()
