// SPDX-License-Identifier: MIT
// Annotations shared by the CPU and device code.
#pragma once

/// Marks a function that runs on the host and, compiled by nvcc, in device code too (the
/// random number generator, the functors of elementwise operations). Empty for other
/// compilers, where there is only the host.
#if defined(__CUDACC__)
#define GAN_HOST_DEVICE __host__ __device__
#else
#define GAN_HOST_DEVICE
#endif
