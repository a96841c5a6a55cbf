// SPDX-License-Identifier: MIT
// Stopping a run cleanly on Ctrl-C (SIGINT) or SIGTERM.
//
// Killed outright, a run could die in the middle of writing its checkpoint, leaving a
// temporary file behind and the steps since the last epoch lost. Instead, the signal handler
// only records the signal; the training loop reads it between two steps, saves a checkpoint of
// every step so far, and ends the run with the signal's exit status and the command that
// continues it. The handler gives the signal its default action back, so that a second Ctrl-C
// ends the program at once.
#pragma once

#include <csignal>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include <signal.h>

namespace examples {

namespace detail {

// Written by the handler, read by the loop: a volatile sig_atomic_t is what a handler may
// write and the rest of the program read.
inline volatile std::sig_atomic_t received_signal = 0;

extern "C" inline void record_signal(int signal) { received_signal = signal; }

}  // namespace detail

/// Catches SIGINT and SIGTERM for as long as it lives, and gives the previous actions back
/// when it goes. A signal ignored when the program started (under nohup, or as a background
/// job of a script) stays ignored, as whoever started the program meant.
class InterruptFlag {
 public:
  InterruptFlag() {
    struct sigaction action {};
    action.sa_handler = detail::record_signal;
    sigemptyset(&action.sa_mask);
    // SA_RESETHAND: the next such signal has its default action, ending the program.
    // SA_RESTART: a read or write under way goes on instead of failing with EINTR.
    action.sa_flags = SA_RESETHAND | SA_RESTART;
    for (int i = 0; i < kCount; ++i) {
      if (::sigaction(kSignals[i], nullptr, &previous_[i]) != 0) continue;
      if (previous_[i].sa_handler == SIG_IGN) continue;
      installed_[i] = ::sigaction(kSignals[i], &action, nullptr) == 0;
    }
  }
  InterruptFlag(const InterruptFlag&) = delete;
  InterruptFlag& operator=(const InterruptFlag&) = delete;
  ~InterruptFlag() {
    for (int i = 0; i < kCount; ++i)
      if (installed_[i]) ::sigaction(kSignals[i], &previous_[i], nullptr);
  }

  /// The signal received, SIGINT or SIGTERM, or 0 while none has come.
  static int received() noexcept { return detail::received_signal; }

 private:
  static constexpr int kCount = 2;
  static constexpr int kSignals[kCount] = {SIGINT, SIGTERM};
  struct sigaction previous_[kCount] {};
  bool installed_[kCount] = {};
};

/// "SIGINT" or "SIGTERM".
inline std::string signal_name(int signal) {
  if (signal == SIGINT) return "SIGINT";
  if (signal == SIGTERM) return "SIGTERM";
  return "signal " + std::to_string(signal);
}

/// Thrown where a run stops for a signal, once what it did is saved.
class Interrupted : public std::runtime_error {
 public:
  /// @param what where the run stopped and what it saved, for the message
  /// @param checkpoint the checkpoint that holds the run so far, if there is one
  Interrupted(int signal, const std::string& what, std::optional<std::filesystem::path> checkpoint)
      : std::runtime_error(what), signal_(signal), checkpoint_(std::move(checkpoint)) {}

  /// 128 + the signal (130 for SIGINT, 143 for SIGTERM): the status a shell reports for a
  /// program the signal ended, which is what the user asked for.
  int exit_status() const noexcept { return 128 + signal_; }

  const std::optional<std::filesystem::path>& checkpoint() const noexcept { return checkpoint_; }

 private:
  int signal_;
  std::optional<std::filesystem::path> checkpoint_;
};

/// `argument` as a POSIX shell reads it back: as it is where it holds only characters that
/// are safe unquoted, else in single quotes.
inline std::string shell_quoted(std::string_view argument) {
  constexpr std::string_view kSafe =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-+=.,/:@%";
  if (!argument.empty() && argument.find_first_not_of(kSafe) == std::string_view::npos)
    return std::string(argument);
  std::string quoted = "'";
  for (const char c : argument) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

/// The command that continues an interrupted run: the program's own command line, with
/// `--resume checkpoint` in place of any --resume it had; the command line as it was where
/// there is no checkpoint yet.
inline std::string continue_command(int argc, const char* const* argv,
                                    const std::optional<std::filesystem::path>& checkpoint) {
  std::string command = shell_quoted(argv[0]);
  for (int i = 1; i < argc; ++i) {
    if (checkpoint && std::string_view(argv[i]) == "--resume" && i + 1 < argc) {
      ++i;
      continue;
    }
    // Appended piecewise: GCC 12 warns falsely (-Wrestrict) about "literal" + std::string&&.
    command.append(" ").append(shell_quoted(argv[i]));
  }
  if (checkpoint) command.append(" --resume ").append(shell_quoted(checkpoint->string()));
  return command;
}

}  // namespace examples
