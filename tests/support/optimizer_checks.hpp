// SPDX-License-Identifier: MIT
// Test support: an optimizer's state saved to a checkpoint file and read back, and its
// threaded step compared with its plain one.
#pragma once

#include <gan/core/parallel.hpp>
#include <gan/core/random.hpp>
#include <gan/core/tensor.hpp>
#include <gan/io/checkpoint.hpp>

#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <string>

namespace gan::test_support {

/// Saves `optimizer` under `name` in a checkpoint committed to `path`, and returns a reader of
/// that file, for restoring from it.
/// @tparam Optimizer a gan::Optimizer with save(CheckpointWriter&, const std::string&)
/// @throws gan::CheckpointError when the file cannot be written or read back
template <typename Optimizer>
gan::CheckpointReader saved_and_read_back(const Optimizer& optimizer, const std::string& name,
                                          const std::filesystem::path& path) {
  gan::CheckpointWriter writer;
  optimizer.save(writer, name);
  writer.commit(path);
  return gan::CheckpointReader(path);
}

/// Three steps on 5,000 parameters with step(parameters, gradients, partition), for
/// partitions of 1 to 3 threads into uneven ranges, must leave the parameters bit-identical
/// to plain step(parameters, gradients): each parameter is updated on its own.
template <typename Optimizer>
void check_partitioned_steps_match_plain_ones(const typename Optimizer::Hyperparameters& settings) {
  constexpr Eigen::Index count = 5000;
  gan::Rng rng(17);
  const auto random_vector = [&] {
    gan::Vector<double> values(count);
    for (Eigen::Index i = 0; i < count; ++i) values(i) = rng.uniform(-1.0, 1.0);
    return values;
  };
  const gan::Vector<double> start = random_vector();
  const gan::Vector<double> gradients[] = {random_vector(), random_vector(), random_vector()};

  Optimizer plain(settings, count);
  gan::Vector<double> expected = start;
  for (const auto& gradient : gradients) plain.step(expected, gradient);

  for (const int threads : {1, 2, 3}) {
    BOOST_TEST_CONTEXT(threads << " threads") {
      // Ranges of odd sizes, not in order, as dense layers' rows give them.
      gan::ParameterPartition partition(threads);
      partition.add_evenly(3000, count - 3000);
      partition.add(0, 0, 1);
      partition.add_evenly(1, 2999);
      Optimizer partitioned(settings, count);
      gan::Vector<double> found = start;
      for (const auto& gradient : gradients) partitioned.step(found, gradient, partition);
      BOOST_TEST((found.array() == expected.array()).all());
    }
  }
}

}  // namespace gan::test_support
