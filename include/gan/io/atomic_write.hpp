// SPDX-License-Identifier: MIT
// Writing a file so that it is either wholly there or not changed at all.
#pragma once

#include <gan/core/error.hpp>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <climits>
#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <system_error>

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

namespace gan::detail {

/// ".partial-<pid>-<n>", with n counting up across the whole program.
inline std::string temporary_suffix() {
  static std::atomic<unsigned long> counter{0};
  return ".partial-" + std::to_string(::getpid()) + "-" + std::to_string(counter.fetch_add(1));
}

/// The process id in a temporary's name: `name` is `prefix` then "<pid>-<n>", both whole
/// numbers; 0 when it is not.
inline pid_t writer_of_temporary(std::string_view name, std::string_view prefix) {
  if (!name.starts_with(prefix)) return 0;
  const std::string_view rest = name.substr(prefix.size());
  long long pid = 0;
  unsigned long counter = 0;
  const char* const end = rest.data() + rest.size();
  const auto [pid_end, pid_error] = std::from_chars(rest.data(), end, pid);
  if (pid_error != std::errc() || pid <= 0 || pid > INT_MAX || pid_end == end || *pid_end != '-')
    return 0;
  const auto [counter_end, counter_error] = std::from_chars(pid_end + 1, end, counter);
  if (counter_error != std::errc() || counter_end != end) return 0;
  return static_cast<pid_t>(pid);
}

/// Removes the temporaries of `path` that writers killed mid-write left behind (SIGKILL, a
/// crash, a second Ctrl-C): files named "<name>.partial-<pid>-<n>" whose process no longer
/// exists. Those of a running process, this one included, stay, and so does anything else:
/// other files' temporaries, names that do not parse, folders and links. Best effort, since
/// the write itself does not depend on it. A writer in another PID namespace sharing the
/// folder (another container) looks dead from here; such setups should not share an output
/// folder anyway, as both would write the same files.
inline void remove_stale_temporaries(const std::filesystem::path& path) {
  const std::string prefix = path.filename().string() + ".partial-";
  const std::filesystem::path folder = path.has_parent_path() ? path.parent_path() : ".";
  std::error_code error;
  for (std::filesystem::directory_iterator entry(folder, error), end; !error && entry != end;
       entry.increment(error)) {
    const pid_t writer = writer_of_temporary(entry->path().filename().string(), prefix);
    if (writer == 0 || writer == ::getpid()) continue;
    std::error_code ignored;
    if (!entry->is_regular_file(ignored) || entry->is_symlink(ignored)) continue;
    // EPERM means the process exists under another user: only ESRCH proves it is gone.
    if (::kill(writer, 0) == 0 || errno != ESRCH) continue;
    std::filesystem::remove(entry->path(), ignored);
  }
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
/// (threads or processes) never share one, and so that the temporaries of `path` left by
/// writers that were killed mid-write can be told apart and removed first.
template <typename ErrorType>
void write_atomically(const char* function, const std::filesystem::path& path,
                      std::initializer_list<std::span<const std::uint8_t>> parts) {
  remove_stale_temporaries(path);
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
