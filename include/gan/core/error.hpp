// SPDX-License-Identifier: MIT
// Error types and the message helper that every component uses to report bad input.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>

namespace gan {

/// Base of every error the framework throws on bad input or a failed operation.
///
/// Messages follow one form, "<Component>::<function>: expected <what>, got <actual>", and
/// always carry the offending values, file names or flags.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A data file (IDX, image, JSON) that is missing, truncated or not what its name promises.
class DataError : public Error {
 public:
  using Error::Error;
};

/// A checkpoint that cannot be written, is corrupt, or holds a different architecture.
class CheckpointError : public Error {
 public:
  using Error::Error;
};

/// Training produced a loss that is not finite; carries the step at which it happened.
class DivergenceError : public Error {
 public:
  DivergenceError(const std::string& what, long long step) : Error(what), step_(step) {}

  /// The 1-based training step whose loss was not finite.
  long long step() const noexcept { return step_; }

 private:
  long long step_;
};

/// Concatenates any streamable values into one string: message("got ", n, " images").
template <typename... Parts>
std::string message(const Parts&... parts) {
  std::ostringstream out;
  (out << ... << parts);
  return out.str();
}

}  // namespace gan

/// Checks an internal invariant in debug builds; define GAN_ASSERT before including any gan
/// header to route failures elsewhere (the tests do, to check that an assertion fires).
#ifndef GAN_ASSERT
#ifdef NDEBUG
#define GAN_ASSERT(condition, what) \
  do {                              \
  } while (0)
#else
#define GAN_ASSERT(condition, what)                                                          \
  do {                                                                                       \
    if (!(condition))                                                                        \
      throw ::std::logic_error(::gan::message(__FILE__, ":", __LINE__, ": internal check '", \
                                              #condition, "' failed: ", what));              \
  } while (0)
#endif
#endif
