// SPDX-License-Identifier: MIT
// Errors of the device backend, and the checks that turn every failed CUDA runtime and cuBLAS
// call into one.
#pragma once

#include <gan/core/error.hpp>
#include <gan/device/config.hpp>

#include <cstddef>
#include <new>
#include <string>

#if GAN_DEVICE_CUDA
#include <cublas_v2.h>
#include <cuda_runtime.h>
#endif

namespace gan {

/// A failed device operation: a CUDA runtime or cuBLAS call that returned an error, device
/// memory that ran out, or a GPU asked for where there is none. The message names the call,
/// the source file and line that made it, and the system's own text for the error.
class DeviceError : public Error {
 public:
  using Error::Error;
};

namespace device {

/// Throws DeviceError, saying so plainly, unless the program can use a GPU: under CUDA, one
/// must be visible to the CUDA runtime, with a driver recent enough for it. Nothing to check
/// under Thrust's CPU systems, which run on the CPU.
inline void require_gpu() {
#if GAN_DEVICE_CUDA
  int count = 0;
  const cudaError_t status = cudaGetDeviceCount(&count);
  if (status != cudaSuccess)
    throw DeviceError(message(
        "gan::device: expected a CUDA GPU, got none that the CUDA runtime can "
        "use (cudaGetDeviceCount: ",
        cudaGetErrorName(status), ", ", cudaGetErrorString(status), "); train on the CPU instead"));
  if (count == 0)
    throw DeviceError(
        "gan::device: expected a CUDA GPU, got none (cudaGetDeviceCount found 0); "
        "train on the CPU instead");
#endif
}

namespace detail {

/// "<what>: allocating N bytes failed (...)" for a failed allocation of device memory.
inline DeviceError out_of_memory(const char* what, std::size_t bytes, const char* reason) {
  return DeviceError(message(what, ": expected to allocate ", bytes, " bytes of ", system_name,
                             " device memory, got an allocation failure (", reason,
                             "); use a smaller batch or free the device"));
}

#if GAN_DEVICE_CUDA
[[noreturn]] inline void throw_cuda_error(cudaError_t status, const char* call, const char* file,
                                          int line) {
  throw DeviceError(message(call, " failed at ", file, ":", line, ": ", cudaGetErrorName(status),
                            " (", cudaGetErrorString(status), ")"));
}

[[noreturn]] inline void throw_cublas_error(cublasStatus_t status, const char* call,
                                            const char* file, int line) {
  throw DeviceError(message(call, " failed at ", file, ":", line, ": ", cublasGetStatusName(status),
                            " (", cublasGetStatusString(status), ")"));
}
#endif

}  // namespace detail
}  // namespace device
}  // namespace gan

#if GAN_DEVICE_CUDA
/// Runs a CUDA runtime call and throws gan::DeviceError, naming the call, if it fails.
#define GAN_CUDA_CHECK(call)                                                               \
  do {                                                                                     \
    const cudaError_t gan_cuda_status = (call);                                            \
    if (gan_cuda_status != cudaSuccess)                                                    \
      ::gan::device::detail::throw_cuda_error(gan_cuda_status, #call, __FILE__, __LINE__); \
  } while (0)

/// Runs a cuBLAS call and throws gan::DeviceError, naming the call, if it fails.
#define GAN_CUBLAS_CHECK(call)                                                                 \
  do {                                                                                         \
    const cublasStatus_t gan_cublas_status = (call);                                           \
    if (gan_cublas_status != CUBLAS_STATUS_SUCCESS)                                            \
      ::gan::device::detail::throw_cublas_error(gan_cublas_status, #call, __FILE__, __LINE__); \
  } while (0)
#endif
