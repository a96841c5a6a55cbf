// SPDX-License-Identifier: MIT
// How work is split between OpenMP threads: ranges of rows, and which thread owns which
// parameters.
#pragma once

#include <Eigen/Core>

#ifdef _OPENMP
#include <omp.h>
#endif

#include <algorithm>
#include <cstddef>
#include <vector>

namespace gan {

/// Rows per unit of work: a 64-byte cache line of floats. Threads split rows at multiples of
/// it, so that in a row-major matrix (a dense layer's weights) no two of them write the same
/// line; in the column-major batches the boundary may still fall inside a line of a column.
inline constexpr Eigen::Index kRowAlignment = 16;

/// The rows [begin, end) of `rows` that thread `thread` of `threads` takes: contiguous,
/// starting at multiples of kRowAlignment, as even as that allows. Every pass that splits the
/// rows of a layer's output, and the optimizer step that updates the matching parameters, use
/// this one rule, so a thread works on the same rows, and the same parameters, throughout a
/// training step: they stay in its own caches. That matters most when the two cores share no
/// cache, which virtual machines do not advertise: a line that moves between them costs
/// several times a line from memory.
struct RowRange {
  Eigen::Index begin;
  Eigen::Index end;

  /// Units of kRowAlignment rows in `rows`, the last one possibly short: the most threads
  /// that can share them.
  static Eigen::Index units(Eigen::Index rows) {
    return (rows + kRowAlignment - 1) / kRowAlignment;
  }

  static RowRange of(Eigen::Index rows, int thread, int threads) {
    const Eigen::Index units = RowRange::units(rows);
    return {std::min(rows, units * thread / threads * kRowAlignment),
            std::min(rows, units * (thread + 1) / threads * kRowAlignment)};
  }
  Eigen::Index size() const { return end - begin; }
};

/// OpenMP's thread count for the next parallel region; 1 without OpenMP.
inline int max_threads() {
#ifdef _OPENMP
  return omp_get_max_threads();
#else
  return 1;
#endif
}

/// Threads worth using on `work` units (multiply-adds, or values for elementwise work) spread
/// over `rows` rows: 1 below `min_work`, where waking the team would cost about as much as the
/// work, and inside a parallel region already; never more than one per unit of rows.
inline int threads_for(Eigen::Index rows, Eigen::Index work, Eigen::Index min_work) {
#ifdef _OPENMP
  if (work < min_work || omp_in_parallel()) return 1;
  return static_cast<int>(std::min<Eigen::Index>(omp_get_max_threads(), RowRange::units(rows)));
#else
  (void)rows;
  (void)work;
  (void)min_work;
  return 1;
#endif
}

/// Runs task(part) for every part in [0, parts), one part per OpenMP thread, or all on the
/// calling thread when `parts` is 1. A team smaller than asked for (inside another parallel
/// region, or under a thread limit) runs the parts it lacks in turn, so none is skipped.
template <typename Task>
void run_parts(int parts, Task&& task) {
#ifdef _OPENMP
  if (parts > 1) {
#pragma omp parallel num_threads(parts)
    {
      const int team = omp_get_num_threads();
      for (int part = omp_get_thread_num(); part < parts; part += team) task(part);
    }
    return;
  }
#endif
  for (int part = 0; part < parts; ++part) task(part);
}

/// Runs task(thread, team) on each thread of a team of up to `threads` OpenMP threads, team
/// being the number it got; on the calling thread alone, as task(0, 1), when `threads` is 1.
/// Unlike run_parts(), every call runs on a thread of its own, so the task may wait for the
/// others at team_barrier().
template <typename Task>
void run_team(int threads, Task&& task) {
#ifdef _OPENMP
  if (threads > 1) {
#pragma omp parallel num_threads(threads)
    task(omp_get_thread_num(), omp_get_num_threads());
    return;
  }
#endif
  (void)threads;
  task(0, 1);
}

/// Waits until every thread of the team running the current run_team() task gets here; pass
/// the task's `team`. A team of one has no one to wait for, and must not wait: its task may
/// run inside a caller's parallel region, whose other threads never come.
inline void team_barrier(int team) {
#ifdef _OPENMP
  if (team > 1) {
#pragma omp barrier
  }
#else
  (void)team;
#endif
}

/// Calls part(first_row, row_count) on each thread of the team threads_for() picks, for that
/// thread's RowRange of `rows`. Products inside `part` run single-threaded (Eigen does not
/// nest inside a parallel region), so the only synchronisation is the team's end.
template <typename Part>
void for_each_row_range(Eigen::Index rows, Eigen::Index work, Eigen::Index min_work,
                        Part&& part) {
  const int threads = threads_for(rows, work, min_work);
  run_parts(threads, [&](int thread) {
    const RowRange range = RowRange::of(rows, thread, threads);
    if (range.size() > 0) part(range.begin, range.size());
  });
}

/// How a layer shares out its output between threads: by rows (features; dense layers) or by
/// samples (columns; convolutions, which give each thread its own images). An activation
/// after the layer splits its work the same way, so that each thread reads what it wrote.
enum class WorkSplit { rows, batch };

/// Calls part(first_column, column_count) on each thread of a team of up to OpenMP's thread
/// count, one per column at most, over contiguous and even ranges of [0, columns); on the
/// calling thread alone below `min_work`.
template <typename Part>
void for_each_column_range(Eigen::Index columns, Eigen::Index work, Eigen::Index min_work,
                           Part&& part) {
  int threads = 1;
#ifdef _OPENMP
  if (work >= min_work && !omp_in_parallel())
    threads = static_cast<int>(std::min<Eigen::Index>(omp_get_max_threads(), columns));
#else
  (void)work;
  (void)min_work;
#endif
  run_parts(threads, [&](int thread) {
    const Eigen::Index begin = columns * thread / threads;
    const Eigen::Index end = columns * (thread + 1) / threads;
    if (begin < end) part(begin, end - begin);
  });
}

/// Which thread updates which parameters of a network's flat buffer: per thread, a list of
/// ranges [begin, begin + count). Layers whose passes split their rows between threads
/// (Dense) give each thread the parameters of its rows; the rest (convolutions, which split
/// the batch instead, and batch norm) are split evenly. The optimizer step, zeroing the
/// gradients and checking them for NaN all follow it, so that for dense layers each thread
/// touches the values its own passes wrote.
class ParameterPartition {
 public:
  struct Range {
    Eigen::Index begin;
    Eigen::Index count;
  };

  explicit ParameterPartition(int threads = 1)
      : ranges_(static_cast<std::size_t>(std::max(threads, 1))) {}

  int threads() const noexcept { return static_cast<int>(ranges_.size()); }

  /// Gives [begin, begin + count) to `thread`; empty ranges are dropped.
  void add(int thread, Eigen::Index begin, Eigen::Index count) {
    if (count <= 0) return;
    ranges_[static_cast<std::size_t>(thread)].push_back({begin, count});
    end_ = std::max(end_, begin + count);
  }

  /// One past the highest index of any range: at most the size of the buffer it partitions.
  Eigen::Index end() const noexcept { return end_; }

  /// Splits [begin, begin + count) into one contiguous piece per thread.
  void add_evenly(Eigen::Index begin, Eigen::Index count) {
    const int parts = threads();
    for (int thread = 0; thread < parts; ++thread) {
      const Eigen::Index first = count * thread / parts;
      add(thread, begin + first, count * (thread + 1) / parts - first);
    }
  }

  const std::vector<Range>& ranges(int thread) const {
    return ranges_[static_cast<std::size_t>(thread)];
  }

  /// Calls f(thread, begin, count) for every range, each on the thread that owns it.
  template <typename F>
  void for_each_range(F&& f) const {
    run_parts(threads(), [&](int thread) {
      for (const Range& range : ranges(thread)) f(thread, range.begin, range.count);
    });
  }

 private:
  std::vector<std::vector<Range>> ranges_;
  Eigen::Index end_ = 0;
};

}  // namespace gan
