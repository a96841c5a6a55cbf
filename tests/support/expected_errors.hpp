// SPDX-License-Identifier: MIT
// Test support: checks that an action throws a given exception, and what its message says.
#pragma once

#include <boost/core/demangle.hpp>
#include <boost/test/unit_test.hpp>

#include <initializer_list>
#include <string>
#include <typeinfo>

namespace gan::test_support {

/// Runs `action`, which must throw `Exception` with a message holding every one of
/// `fragments`; a missing exception or fragment is a test error naming what was expected.
/// Exceptions of other types pass through and fail the test case.
/// @tparam Exception the type that must be thrown, e.g. std::invalid_argument
template <typename Exception, typename Action>
void check_throws(Action action, std::initializer_list<std::string> fragments) {
  try {
    action();
    BOOST_ERROR("expected " << boost::core::demangle(typeid(Exception).name())
                            << ", got no exception");
  } catch (const Exception& error) {
    const std::string text = error.what();
    for (const std::string& fragment : fragments)
      BOOST_TEST(text.find(fragment) != std::string::npos,
                 "message \"" << text << "\" lacks \"" << fragment << "\"");
  }
}

/// The message of the `Exception` thrown by `action`, or "" if it throws nothing.
/// Exceptions of other types pass through.
/// @tparam Exception the type to catch, e.g. std::invalid_argument
template <typename Exception, typename Action>
std::string message_of(Action&& action) {
  try {
    action();
  } catch (const Exception& error) {
    return error.what();
  }
  return "";
}

}  // namespace gan::test_support
