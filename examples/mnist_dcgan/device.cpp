// SPDX-License-Identifier: MIT
// mnist_dcgan on the device (--device cuda): the same program and networks, with
// gan::Device<float> as the backend. This file is compiled by nvcc in a CUDA build; main.cpp
// stays plain C++.
#include "../common/device.hpp"
#include "../common/program.hpp"
#include "architecture.hpp"

#include <gan/device/backend.hpp>

namespace examples {

const char* const device_name = gan::device::system_name;

void run_on_device(const Options& options, const std::string& loss) {
  run_with_loss<mnist_dcgan::Generator, mnist_dcgan::Discriminator, gan::Device<float>>(options,
                                                                                        loss);
}

}  // namespace examples
