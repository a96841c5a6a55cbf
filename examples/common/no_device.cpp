// SPDX-License-Identifier: MIT
// The device part of an example program built without one (no GAN_ENABLE_CUDA): --device
// accepts only cpu, which check_device() (program.hpp) enforces before anything runs.
#include "device.hpp"

#include <stdexcept>

namespace examples {

const char* const device_name = nullptr;

void run_on_device(const Options&, const std::string&) {
  throw std::logic_error("examples::run_on_device: this program has no device part");
}

}  // namespace examples
