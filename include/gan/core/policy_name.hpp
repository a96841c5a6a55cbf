// SPDX-License-Identifier: MIT
// Names of composed policies (a loss with a penalty, an optimizer with clipping), built at
// compile time from the names of their parts.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>

namespace gan::detail {

/// The length of a null-terminated string, at compile time.
constexpr std::size_t name_length(const char* text) { return std::char_traits<char>::length(text); }

/// A policy's name stored in the policy itself, so that `name` can stay a const char* that
/// checkpoints compare: Length characters and a terminating null.
template <std::size_t Length>
struct PolicyName {
  std::array<char, Length + 1> text{};
  constexpr const char* c_str() const { return text.data(); }
};

/// The parts one after the other; Length must be the sum of their lengths.
template <std::size_t Length>
constexpr PolicyName<Length> join_name(std::initializer_list<const char*> parts) {
  PolicyName<Length> name;
  std::size_t at = 0;
  for (const char* part : parts)
    for (std::size_t i = 0; part[i] != '\0' && at < Length; ++i) name.text[at++] = part[i];
  name.text[at] = '\0';
  return name;
}

/// The decimal digits of a number from 0 up, at compile time.
template <std::intmax_t Value>
constexpr auto decimal_name() {
  static_assert(Value >= 0, "decimal_name: expected a number from 0 up");
  constexpr std::size_t digits = [] {
    std::size_t count = 1;
    for (std::intmax_t rest = Value / 10; rest > 0; rest /= 10) ++count;
    return count;
  }();
  PolicyName<digits> name;
  std::intmax_t rest = Value;
  for (std::size_t i = digits; i > 0; --i, rest /= 10)
    name.text[i - 1] = static_cast<char>('0' + rest % 10);
  name.text[digits] = '\0';
  return name;
}

}  // namespace gan::detail
