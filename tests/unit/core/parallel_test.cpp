// SPDX-License-Identifier: MIT
// Tests of core/parallel.hpp: how rows and parameters are shared out between threads.
#define BOOST_TEST_MODULE parallel
#include <boost/test/unit_test.hpp>

#include <gan/core/parallel.hpp>

#include <Eigen/Core>

#ifdef _OPENMP
#include <omp.h>
#endif

#include <algorithm>
#include <atomic>
#include <vector>

BOOST_AUTO_TEST_SUITE(row_ranges)

BOOST_AUTO_TEST_CASE(cover_every_row_once_in_whole_units) {
  for (const Eigen::Index rows : {1, 15, 16, 17, 50, 784, 1024}) {
    for (const int threads : {1, 2, 3, 4, 7}) {
      BOOST_TEST_CONTEXT(rows << " rows, " << threads << " threads") {
        Eigen::Index next = 0;
        Eigen::Index smallest = rows;
        Eigen::Index largest = 0;
        for (int thread = 0; thread < threads; ++thread) {
          const gan::RowRange range = gan::RowRange::of(rows, thread, threads);
          BOOST_TEST(range.begin == next);
          BOOST_TEST(range.end >= range.begin);
          BOOST_TEST(range.begin % gan::kRowAlignment == 0);
          next = range.end;
          smallest = std::min(smallest, range.size());
          largest = std::max(largest, range.size());
        }
        BOOST_TEST(next == rows);
        // As even as whole units allow, except that the last unit may be short.
        if (rows >= threads * gan::kRowAlignment)
          BOOST_TEST(largest - smallest <= 2 * gan::kRowAlignment);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(small_work_stays_on_one_thread) {
  BOOST_TEST(gan::threads_for(1024, 100, 1000) == 1);
  // Never more threads than units of rows.
  BOOST_TEST(gan::threads_for(16, 1 << 20, 1) == 1);
  BOOST_TEST(gan::threads_for(1024, 1 << 20, 1) == gan::max_threads());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(parts)

BOOST_AUTO_TEST_CASE(every_part_runs_once_even_in_a_smaller_team) {
  for (const int parts : {1, 2, 3, 5}) {
    BOOST_TEST_CONTEXT(parts << " parts") {
      std::vector<std::atomic<int>> runs(static_cast<std::size_t>(parts));
      gan::run_parts(parts, [&](int part) { ++runs[static_cast<std::size_t>(part)]; });
      for (const auto& count : runs) BOOST_TEST(count.load() == 1);

      // Inside a parallel region a nested team has one thread, which runs every part.
      std::vector<std::atomic<int>> nested(static_cast<std::size_t>(parts));
#ifdef _OPENMP
#pragma omp parallel num_threads(2)
#pragma omp single
#endif
      gan::run_parts(parts, [&](int part) { ++nested[static_cast<std::size_t>(part)]; });
      for (const auto& count : nested) BOOST_TEST(count.load() == 1);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(parameter_partition)

BOOST_AUTO_TEST_CASE(even_split_covers_every_parameter_once_on_its_owner) {
  for (const int threads : {1, 2, 3}) {
    BOOST_TEST_CONTEXT(threads << " threads") {
      gan::ParameterPartition partition(threads);
      partition.add_evenly(0, 10);
      partition.add_evenly(10, 1);  // fewer values than threads: some get none
      partition.add(0, 11, 5);
      std::vector<std::atomic<int>> owner(16);
      std::vector<std::atomic<int>> visits(16);
      for (auto& value : owner) value = -1;
      partition.for_each_range([&](int thread, Eigen::Index begin, Eigen::Index count) {
        for (Eigen::Index i = begin; i < begin + count; ++i) {
          ++visits[static_cast<std::size_t>(i)];
          owner[static_cast<std::size_t>(i)] = thread;
        }
      });
      for (std::size_t i = 0; i < visits.size(); ++i) BOOST_TEST(visits[i].load() == 1);
      BOOST_TEST(owner[0].load() == 0);
      BOOST_TEST(owner[9].load() == threads - 1);
      BOOST_TEST(owner[15].load() == 0);
      for (int thread = 0; thread < threads; ++thread)
        for (const auto& range : partition.ranges(thread)) BOOST_TEST(range.count > 0);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
