// SPDX-License-Identifier: MIT
// Temporary device memory for Thrust's reductions, kept from call to call, so that a training
// step allocates nothing once its first call has sized it.
#pragma once

#include <gan/device/error.hpp>

#include <thrust/execution_policy.h>
#include <thrust/memory.h>

#include <cstddef>
#include <new>
#include <vector>

namespace gan::device::detail {

/// An allocator for Thrust's temporary storage (passed as thrust::device(allocator)): a
/// reduction asks it for scratch space, under CUDA for CUB's partial sums, and gives it back
/// when it ends. Blocks given back are kept and handed out again to a later request that fits,
/// so after the first step of a given batch size no request reaches the device's allocator.
/// Thrust's CPU systems ask for nothing; the allocator then holds nothing.
///
/// One per host thread (temporary_memory()), since the blocks are handed out without locks.
/// The blocks are freed when the thread ends. A thread's objects are destroyed before the
/// program's static ones, the CUDA runtime's among them, so the runtime is still there; a free
/// that fails all the same is ignored rather than allowed to end the program.
class TemporaryMemory {
 public:
  using value_type = char;

  TemporaryMemory() = default;
  TemporaryMemory(const TemporaryMemory&) = delete;
  TemporaryMemory& operator=(const TemporaryMemory&) = delete;
  ~TemporaryMemory() {
    for (const Block& block : blocks_) {
      try {
        thrust::free(thrust::device, block.address);
      } catch (...) {  // nothing to do about it at the end of a thread
      }
    }
  }

  /// @throws DeviceError when device memory runs out
  char* allocate(std::ptrdiff_t bytes) {
    const auto size = static_cast<std::size_t>(bytes);
    // The smallest free block that fits.
    Block* best = nullptr;
    for (Block& block : blocks_)
      if (!block.in_use && block.size >= size && (best == nullptr || block.size < best->size))
        best = &block;
    if (best == nullptr) {
      char* address = nullptr;
      try {
        address = thrust::malloc<char>(thrust::device, size).get();
      } catch (const std::bad_alloc& error) {
        require_gpu();
        throw out_of_memory("gan::device::TemporaryMemory::allocate", size, error.what());
      }
      if (address == nullptr)
        throw out_of_memory("gan::device::TemporaryMemory::allocate", size, "no memory");
      blocks_.push_back({address, size, false});
      best = &blocks_.back();
    }
    best->in_use = true;
    return best->address;
  }

  void deallocate(char* address, std::size_t) noexcept {
    for (Block& block : blocks_)
      if (block.address == address) block.in_use = false;
  }

  /// Blocks obtained from the device so far (for tests: it stops growing).
  std::size_t blocks() const noexcept { return blocks_.size(); }

 private:
  struct Block {
    char* address;
    std::size_t size;
    bool in_use;
  };
  std::vector<Block> blocks_;
};

/// The calling thread's TemporaryMemory.
inline TemporaryMemory& temporary_memory() {
  thread_local TemporaryMemory memory;
  return memory;
}

}  // namespace gan::device::detail
