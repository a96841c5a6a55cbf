// SPDX-License-Identifier: MIT
// Benchmark: the machine's measured single-precision matrix-product (SGEMM) peak, the
// yardstick scripts/benchmark divides both frameworks' arithmetic rates by.
//
// Usage: sgemm_peak [--threads N]   (or libtorch_sgemm_peak, the same built against libtorch)
// Times C = A B on large square float matrices with Eigen (our backend) and, in
// libtorch_sgemm_peak, with at::mm too (the BLAS call behind libtorch's Linear layers). Prints
// one line each and a final line with the best, which is the peak used for shares:
//   sgemm_peak eigen threads=2 n=2048 gflops=151.2
//   sgemm_peak libtorch threads=2 n=2048 gflops=160.3
//   sgemm_peak threads=2 gflops=160.3 (best: libtorch)
// A product of two n x n matrices is 2 n^3 FLOP, a multiply-add counted as two. For libtorch,
// the number of threads its BLAS may use is the BLAS's own setting (OPENBLAS_NUM_THREADS).

#include "../examples/common/command_line.hpp"

#include <Eigen/Core>

#ifdef _OPENMP
#include <omp.h>
#endif

#ifdef GAN_SGEMM_PEAK_WITH_LIBTORCH
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#endif

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string_view>

namespace {

// Sizes large enough that packing and thread start-up are a small part of a product; the
// best of them is kept, since the best blocking differs between libraries and caches.
constexpr int kSizes[] = {1024, 2048};
constexpr int kRuns = 5;                   // best of this many timings per size
constexpr double kSecondsPerTiming = 0.3;  // each timing repeats the product at least this long

struct Measurement {
  int size = 0;
  double gflops = 0;
};

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Best rate over kRuns timings of `multiply`, which computes one n x n product. A library
// whose first product already takes longer than a timing is far from any peak worth using
// (a reference BLAS, say); it gets one timing instead of kRuns, to keep the run short.
template <typename Multiply>
double best_gflops(int n, Multiply&& multiply) {
  const auto first = std::chrono::steady_clock::now();
  multiply();  // first touch of the output, thread pool start-up
  const int runs = seconds_since(first) > kSecondsPerTiming ? 1 : kRuns;
  const double flop_per_product = 2.0 * n * n * n;
  double best = 0;
  for (int run = 0; run < runs; ++run) {
    const auto start = std::chrono::steady_clock::now();
    long products = 0;
    double elapsed = 0;
    while (elapsed < kSecondsPerTiming) {
      multiply();
      ++products;
      elapsed = seconds_since(start);
    }
    best = std::max(best, flop_per_product * double(products) / elapsed / 1e9);
  }
  return best;
}

// The best over kSizes of `multiply_of(n)`, a product of n x n matrices. The next size has 8
// times the FLOP; it is skipped when one product of it would take more than a second.
template <typename MultiplyOf>
Measurement best_over_sizes(MultiplyOf&& multiply_of) {
  Measurement best;
  double next_product_seconds = 0;
  for (const int n : kSizes) {
    if (next_product_seconds > 1) break;
    const double gflops = best_gflops(n, multiply_of(n));
    if (gflops > best.gflops) best = {n, gflops};
    next_product_seconds = 2.0 * 8 * n * n * n / (gflops * 1e9);
  }
  return best;
}

Measurement measure_eigen() {
  Eigen::MatrixXf a, b, c;
  return best_over_sizes([&](int n) {
    a = Eigen::MatrixXf::Random(n, n);
    b = Eigen::MatrixXf::Random(n, n);
    c.resize(n, n);
    return [&] { c.noalias() = a * b; };
  });
}

#ifdef GAN_SGEMM_PEAK_WITH_LIBTORCH
Measurement measure_libtorch() {
  at::Tensor a, b, c;
  return best_over_sizes([&](int n) {
    a = at::rand({n, n});
    b = at::rand({n, n});
    c = at::empty({n, n});
    return [&] { at::mm_out(c, a, b); };
  });
}
#endif

#ifdef GAN_SGEMM_PEAK_WITH_LIBTORCH
constexpr const char* kProgram = "libtorch_sgemm_peak";
#else
constexpr const char* kProgram = "sgemm_peak";
#endif

}  // namespace

int main(int argc, char** argv) {
  int threads = 1;
  try {
    const bool help = command_line::read_flags(
        argc, argv, {"--threads"}, [&](std::string_view flag, std::string_view value) {
          threads = command_line::parse_integer<int>(flag, value, 1, command_line::kMaxThreads);
        });
    if (help) {
      std::printf("Usage: %s [--threads 1-1024]\n", kProgram);
      return 0;
    }
  } catch (const command_line::UsageError& error) {
    return command_line::report(kProgram, error);
  }
#ifdef _OPENMP
  omp_set_num_threads(threads);
#endif
  Eigen::setNbThreads(threads);

  const Measurement eigen = measure_eigen();
  std::printf("sgemm_peak eigen threads=%d n=%d gflops=%.1f\n", threads, eigen.size, eigen.gflops);
  Measurement best = eigen;
  const char* best_name = "eigen";

#ifdef GAN_SGEMM_PEAK_WITH_LIBTORCH
  at::set_num_interop_threads(1);
  at::set_num_threads(threads);
  const Measurement libtorch = measure_libtorch();
  std::printf("sgemm_peak libtorch threads=%d n=%d gflops=%.1f\n", threads, libtorch.size,
              libtorch.gflops);
  if (libtorch.gflops > best.gflops) {
    best = libtorch;
    best_name = "libtorch";
  }
#endif

  std::printf("sgemm_peak threads=%d gflops=%.1f (best: %s)\n", threads, best.gflops, best_name);
  return 0;
}
