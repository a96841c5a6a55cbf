// SPDX-License-Identifier: MIT
// Test support: temporary files and folders that clean up after themselves, and whole-file I/O.
#pragma once

#include <cstddef>
#include <filesystem>
#include <fstream>
#include <ios>
#include <iterator>
#include <string>
#include <system_error>
#include <vector>

#include <unistd.h>

namespace gan::test_support {

namespace detail {

/// A path under the system's temporary folder, unique to this process and this call.
inline std::filesystem::path fresh_temporary_path(const std::string& kind) {
  static int count = 0;
  return std::filesystem::temp_directory_path() /
         ("gan-test-" + kind + "-" + std::to_string(::getpid()) + "-" + std::to_string(++count));
}

}  // namespace detail

/// A fresh, empty folder under the system's temporary folder, removed with everything in it
/// when the object goes.
class TemporaryDirectory {
 public:
  /// @post path() exists and is empty
  TemporaryDirectory() : path_(detail::fresh_temporary_path("dir")) {
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  TemporaryDirectory(const TemporaryDirectory&) = delete;
  TemporaryDirectory& operator=(const TemporaryDirectory&) = delete;
  ~TemporaryDirectory() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }

  /// The folder.
  const std::filesystem::path& path() const { return path_; }

  /// The names of the folder's entries, in directory order.
  std::vector<std::string> listing() const {
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(path_))
      names.push_back(entry.path().filename().string());
    return names;
  }

 private:
  std::filesystem::path path_;
};

/// A file name under the system's temporary folder, not created here; whatever is at that
/// name is removed when the object goes.
class TemporaryFile {
 public:
  TemporaryFile() : path_(detail::fresh_temporary_path("file")) {}
  TemporaryFile(const TemporaryFile&) = delete;
  TemporaryFile& operator=(const TemporaryFile&) = delete;
  ~TemporaryFile() {
    std::error_code ignored;
    std::filesystem::remove(path_, ignored);
  }

  /// The file name.
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

/// The whole content of the file at `path`; empty if it cannot be read.
/// @tparam Byte a one-byte type: char, unsigned char or std::uint8_t
template <typename Byte = char>
std::vector<Byte> file_bytes(const std::filesystem::path& path) {
  static_assert(sizeof(Byte) == 1, "file_bytes: Byte must be a one-byte type");
  std::ifstream in(path, std::ios::binary);
  return std::vector<Byte>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

/// Writes `bytes` to `path`, replacing what was there.
/// @tparam Byte a one-byte type: char, unsigned char or std::uint8_t
/// @return path
template <typename Byte>
std::filesystem::path write_bytes(const std::filesystem::path& path,
                                  const std::vector<Byte>& bytes) {
  static_assert(sizeof(Byte) == 1, "write_bytes: Byte must be a one-byte type");
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  return path;
}

}  // namespace gan::test_support
