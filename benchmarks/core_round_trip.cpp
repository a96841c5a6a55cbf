// SPDX-License-Identifier: MIT
// Benchmark helper: how long a cache line takes to go from one core to another and back.
//
// Two threads, pinned to the first two CPUs the process may use, pass a counter back and forth
// through one atomic variable; the mean time of a round trip is printed as
//   core_round_trip cpus=0,1 ns=54
// Cores that share a last-level cache answer in tens of nanoseconds; cores that do not, as
// the two vCPUs of a virtual machine may be on a large server chip (and may become, from one
// minute to the next, as the host moves them), in hundreds. Thread teams that pass data
// between cores at every step, like a GAN's on small batches, run at different speeds in the
// two states, so scripts/benchmark prints this beside its figures.

#include "../examples/common/command_line.hpp"

#include <pthread.h>
#include <sched.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <string_view>
#include <thread>

namespace {

constexpr long kRoundTrips = 200000;

// The variable the threads pass back and forth, alone on its cache line.
alignas(64) std::atomic<long> counter{0};

bool pin_to(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return pthread_setaffinity_np(pthread_self(), sizeof set, &set) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    if (command_line::read_flags(argc, argv, {}, [](std::string_view, std::string_view) {})) {
      std::printf("Usage: core_round_trip (it takes no flags)\n");
      return 0;
    }
  } catch (const command_line::UsageError& error) {
    return command_line::report("core_round_trip", error);
  }
  cpu_set_t allowed;
  if (sched_getaffinity(0, sizeof allowed, &allowed) != 0) {
    std::fprintf(stderr, "core_round_trip: cannot read the CPUs this process may use\n");
    return 1;
  }
  int cpus[2] = {-1, -1};
  for (int cpu = 0, found = 0; cpu < CPU_SETSIZE && found < 2; ++cpu)
    if (CPU_ISSET(cpu, &allowed)) cpus[found++] = cpu;
  if (cpus[1] < 0) {
    std::printf("core_round_trip cpus=%d ns=- (one CPU only)\n", cpus[0]);
    return 0;
  }

  // The partner answers every odd value with the next even one.
  std::thread partner([&] {
    pin_to(cpus[1]);
    for (long i = 0; i < kRoundTrips; ++i) {
      while (counter.load(std::memory_order_acquire) != 2 * i + 1) {
      }
      counter.store(2 * i + 2, std::memory_order_release);
    }
  });
  pin_to(cpus[0]);
  const auto start = std::chrono::steady_clock::now();
  for (long i = 0; i < kRoundTrips; ++i) {
    counter.store(2 * i + 1, std::memory_order_release);
    while (counter.load(std::memory_order_acquire) != 2 * i + 2) {
    }
  }
  const auto elapsed = std::chrono::steady_clock::now() - start;
  partner.join();
  std::printf("core_round_trip cpus=%d,%d ns=%.0f\n", cpus[0], cpus[1],
              std::chrono::duration<double, std::nano>(elapsed).count() / kRoundTrips);
  return 0;
}
