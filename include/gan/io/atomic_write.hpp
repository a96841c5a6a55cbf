// SPDX-License-Identifier: MIT
// Writing a file so that it is either wholly there or not changed at all.
#pragma once

#include <gan/core/error.hpp>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <span>
#include <string>
#include <system_error>

#include <fcntl.h>
#include <unistd.h>

namespace gan::detail {

/// ".partial-<pid>-<n>", with n counting up across the whole program.
inline std::string temporary_suffix() {
  static std::atomic<unsigned long> counter{0};
  return ".partial-" + std::to_string(::getpid()) + "-" + std::to_string(counter.fetch_add(1));
}

inline void write_all(int fd, std::span<const std::uint8_t> bytes) {
  std::size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw std::system_error(errno, std::generic_category(), "write");
    written += static_cast<std::size_t>(n);
  }
}

inline void write_and_sync(const std::filesystem::path& temporary,
                           std::initializer_list<std::span<const std::uint8_t>> parts) {
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "create");
  try {
    for (const auto part : parts) write_all(fd, part);
    if (::fsync(fd) != 0) throw std::system_error(errno, std::generic_category(), "fsync");
  } catch (...) {
    ::close(fd);
    throw;
  }
  if (::close(fd) != 0) throw std::system_error(errno, std::generic_category(), "close");
}

/// Writes `parts` one after another to `path` through a temporary file beside it, fsync and
/// rename, so that a crash at any moment leaves either the old file or the new one. Failures
/// throw ErrorType, naming `function`, the file and the system's reason, and remove the
/// temporary. The temporary's name carries the process id and a counter, so concurrent writers
/// (threads or processes) never share one.
template <typename ErrorType>
void write_atomically(const char* function, const std::filesystem::path& path,
                      std::initializer_list<std::span<const std::uint8_t>> parts) {
  const std::filesystem::path temporary = path.string() + temporary_suffix();
  try {
    write_and_sync(temporary, parts);
    if (::rename(temporary.c_str(), path.c_str()) != 0)
      throw std::system_error(errno, std::generic_category(), "rename");
  } catch (const std::system_error& error) {
    std::error_code ignored;
    std::filesystem::remove(temporary, ignored);
    throw ErrorType(message(function, ": expected a writable file (through the temporary '",
                            temporary.string(), "'), got a failed ", error.what(), " (file '",
                            path.string(), "')"));
  }
  // Make the rename itself durable by flushing the folder entry too; best effort, since the
  // data is already complete under its final name.
  const std::filesystem::path parent = path.has_parent_path() ? path.parent_path() : ".";
  const int dir = ::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
}

}  // namespace gan::detail
