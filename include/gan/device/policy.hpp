// SPDX-License-Identifier: MIT
// The execution policy of the device backend's own algorithms.
#pragma once

#include <gan/device/config.hpp>

#include <thrust/execution_policy.h>

namespace gan::device::detail {

/// The policy every Thrust algorithm of a training step runs under. Under CUDA it is
/// par_nosync: Thrust would otherwise wait for the GPU after every algorithm, and at a batch of
/// 64 a step is dozens of short kernels whose launches then cannot overlap. Everything runs on
/// the default stream, cuBLAS's products included, so each kernel still starts after the one
/// before it; the host waits only where a value comes back (a reduction, a copy to the host).
/// Under Thrust's CPU systems it is their ordinary policy.
inline auto step_policy() {
#if GAN_DEVICE_CUDA
  return thrust::cuda::par_nosync;
#else
  return thrust::device;
#endif
}

}  // namespace gan::device::detail
