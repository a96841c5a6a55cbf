// SPDX-License-Identifier: MIT
// Reading "--flag value" command lines: the checks and messages shared by every program in this
// repository (the MNIST examples and the benchmarks), so that a bad flag is treated the same
// everywhere: a UsageError naming the flag, what it expects and what it got, and exit status 2.
#pragma once

#include <charconv>
#include <cmath>
#include <initializer_list>
#include <iostream>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>

namespace command_line {

/// A bad command line; programs print it with a pointer to --help and exit with 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Most threads a --threads flag (or OMP_NUM_THREADS) may ask for: more is a typo. OpenMP
/// itself fails to start teams somewhere above a few thousand threads, and crashes further up.
inline constexpr int kMaxThreads = 1024;

/// Prints `error` the way every program here does, with a pointer to --help.
/// @return the exit status for a bad command line, 2
inline int report(std::string_view program, const UsageError& error) {
  std::cerr << program << ": " << error.what() << "\nTry '" << program << " --help'.\n";
  return 2;
}

/// A double in the shortest text that reads back to the same value.
inline std::string exact_text(double value) {
  char digits[32];
  const auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
  return std::string(digits, end);
}

/// Reads argv as "--flag value" pairs in order and calls `take(flag, value)` for each;
/// "--help" and "-h" take no value.
/// @param flags every flag that takes a value
/// @return whether --help or -h was given
/// @throws UsageError for a flag not in `flags`, an argument that is not a flag, or a flag
///   whose value is missing or empty
template <typename Take>
bool read_flags(int argc, const char* const* argv, std::initializer_list<std::string_view> flags,
                Take&& take) {
  bool help = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      help = true;
      continue;
    }
    bool known = false;
    for (const std::string_view name : flags) known = known || flag == name;
    if (!known) {
      if (flag.starts_with("-")) throw UsageError("unknown option '" + std::string(flag) + "'");
      throw UsageError("unexpected argument '" + std::string(flag) + "'");
    }
    if (i + 1 >= argc) throw UsageError(std::string(flag) + ": expected a value, got none");
    const std::string_view value = argv[++i];
    if (value.empty()) throw UsageError(std::string(flag) + ": expected a value, got ''");
    take(flag, value);
  }
  return help;
}

/// The whole of `text` as a whole number in [minimum, maximum].
/// @throws UsageError naming the flag: "expected a whole number" for text that is not one,
///   "out of range" with the allowed range for one outside it (also one too large for Integer)
template <typename Integer>
Integer parse_integer(std::string_view flag, std::string_view text, Integer minimum,
                      Integer maximum = std::numeric_limits<Integer>::max()) {
  // Digits with an optional minus: a number, even where Integer cannot hold it (from_chars
  // reads no minus into an unsigned type, and overflows past its largest value).
  const std::string_view digits = text.starts_with('-') ? text.substr(1) : text;
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string_view::npos)
    throw UsageError(std::string(flag) + ": expected a whole number, got '" + std::string(text) +
                     "'");
  Integer value{};
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < minimum ||
      value > maximum)
    throw UsageError(std::string(flag) + ": out of range: expected a whole number from " +
                     std::to_string(minimum) + " to " + std::to_string(maximum) + ", got " +
                     std::string(text));
  return value;
}

/// The whole of `text` as a number; nan and inf parse, so callers check the range.
/// @throws UsageError naming the flag when `text` is not a number, or is one too large for a
///   double (out of range)
inline double parse_number(std::string_view flag, std::string_view text) {
  double value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error == std::errc::result_out_of_range && end == text.data() + text.size())
    throw UsageError(std::string(flag) + ": out of range: expected a number a double holds, got " +
                     std::string(text));
  if (error != std::errc() || end != text.data() + text.size() || text.empty())
    throw UsageError(std::string(flag) + ": expected a number, got '" + std::string(text) + "'");
  return value;
}

/// The whole of `text` as a finite number above 0 and at most `maximum`.
inline double parse_positive(std::string_view flag, std::string_view text,
                             double maximum = std::numeric_limits<double>::max()) {
  const double value = parse_number(flag, text);
  if (!(std::isfinite(value) && value > 0))
    throw UsageError(std::string(flag) + ": expected a positive finite number, got " +
                     std::string(text));
  if (value > maximum)
    throw UsageError(std::string(flag) + ": out of range: expected a positive number of at most " +
                     std::to_string(maximum) + ", got " + std::string(text));
  return value;
}

/// The whole of `text` as a number in [0, 1).
inline double parse_fraction(std::string_view flag, std::string_view text) {
  const double value = parse_number(flag, text);
  if (!(value >= 0 && value < 1))
    throw UsageError(std::string(flag) + ": expected a number in [0, 1), got " + std::string(text));
  return value;
}

}  // namespace command_line
