// SPDX-License-Identifier: MIT
// The flags that both sides of the GAN step comparison take, ours (gan_step.hpp) and libtorch's
// (libtorch/gan_step.cpp), with the same ranges and messages (examples/common/command_line.hpp).
#pragma once

#include "../examples/common/command_line.hpp"

#include <string_view>

namespace benchmarks {

// Limits of the flags: more is a typo, or a run of hours.
constexpr double kMaxSeconds = 3600;
constexpr int kMaxRepeats = 1000;

/// How long to measure, and on how many threads.
struct StepSettings {
  int threads = 0;       // 0: the program's default
  double seconds = 2.0;  // measuring time per repeat
  int repeats = 5;
};

/// Sets the field of `settings` that `flag`, one of --threads, --seconds and --repeats, names.
/// @throws command_line::UsageError naming the flag, what it expects and what it got
inline void take_step_flag(StepSettings& settings, std::string_view flag, std::string_view value) {
  using command_line::parse_integer;
  if (flag == "--threads")
    settings.threads = parse_integer<int>(flag, value, 1, command_line::kMaxThreads);
  else if (flag == "--seconds")
    settings.seconds = command_line::parse_positive(flag, value, kMaxSeconds);
  else
    settings.repeats = parse_integer<int>(flag, value, 1, kMaxRepeats);
}

}  // namespace benchmarks
