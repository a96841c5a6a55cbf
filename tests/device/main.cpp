// SPDX-License-Identifier: MIT
// The test module of the device backend's tests: its main(). Each <name>_test.cpp is one
// suite, device_<name>, of this module; CMakeLists.txt builds them all into one program per
// device system, and CTest runs each suite on its own.
#define BOOST_TEST_MODULE device
#include <boost/test/unit_test.hpp>
