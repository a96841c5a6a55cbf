// SPDX-License-Identifier: MIT
// Which machine the device backend runs on, and the annotation its functions need there.
#pragma once

// The device backend is written against Thrust, whose device system is chosen when the
// program is compiled: CUDA (the default, which needs nvcc), or one of its CPU systems, CPP
// (sequential) and OMP (OpenMP threads), which any C++ compiler builds. The CPU systems run the
// same device code on the CPU; the tests use them where there is no GPU.
#include <thrust/detail/config.h>

#if THRUST_DEVICE_SYSTEM == THRUST_DEVICE_SYSTEM_CUDA
#if !defined(__CUDACC__)
#error \
    "gan/device: Thrust's device system is CUDA, which needs nvcc. To run the device \
backend on the CPU instead, define THRUST_DEVICE_SYSTEM=THRUST_DEVICE_SYSTEM_CPP (or _OMP) \
before including any gan or Thrust header."
#endif
/// 1 where device buffers live in GPU memory and products go through cuBLAS.
#define GAN_DEVICE_CUDA 1
#else
#define GAN_DEVICE_CUDA 0
#endif

#include <gan/core/config.hpp>

namespace gan::device {

/// The name of the device system the program was built for, for messages and logs.
inline constexpr const char* system_name =
#if THRUST_DEVICE_SYSTEM == THRUST_DEVICE_SYSTEM_CUDA
    "cuda";
#elif THRUST_DEVICE_SYSTEM == THRUST_DEVICE_SYSTEM_OMP
    "omp";
#elif THRUST_DEVICE_SYSTEM == THRUST_DEVICE_SYSTEM_TBB
    "tbb";
#else
    "cpp";
#endif

}  // namespace gan::device
