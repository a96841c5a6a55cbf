// SPDX-License-Identifier: MIT
// The device part of an example program, as the rest of the program sees it. The part itself
// is the example's device.cpp (compiled by nvcc in a CUDA build), or no_device.cpp in a build
// without one, so that the CPU program never needs CUDA to compile.
#pragma once

#include "options.hpp"

#include <string>

namespace examples {

/// The device this program was built for besides the CPU: "cuda" when its device part was
/// compiled by nvcc, the Thrust CPU system's name ("omp", "cpp") in a build that runs the
/// device code on the CPU, or null when it has none.
extern const char* const device_name;

/// Trains (and samples) as the CPU program does, on gan::Device<float>, with the loss policy
/// named `loss`. Called only when --device names device_name.
void run_on_device(const Options& options, const std::string& loss);

}  // namespace examples
