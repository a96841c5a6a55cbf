// SPDX-License-Identifier: MIT
// Tests of gan/data/dataset.hpp: batch counts under both policies, shuffling, reproducibility.
#define BOOST_TEST_MODULE data_dataset
#include <boost/test/unit_test.hpp>

#include <gan/data/dataset.hpp>

#include "support/expected_errors.hpp"

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using gan::data::Dataset;
using gan::data::PartialBatch;
using Ids = std::vector<int>;
using namespace gan::test_support;

/// count samples of two features; sample j holds (j, -j), so a batch column names its sample.
gan::Matrix<double> numbered(int count) {
  gan::Matrix<double> samples(2, count);
  for (int j = 0; j < count; ++j) samples.col(j) << j, -j;
  return samples;
}

/// The sample numbers in a batch, in column order, checking the second feature on the way.
Ids ids_of(const gan::Matrix<double>& batch) {
  Ids ids;
  for (Eigen::Index j = 0; j < batch.cols(); ++j) {
    BOOST_TEST(batch(1, j) == -batch(0, j));
    ids.push_back(static_cast<int>(batch(0, j)));
  }
  return ids;
}

/// Every sample number of one epoch, batch after batch.
Ids epoch_ids(Dataset<double>& data, std::uint64_t epoch) {
  Ids ids;
  for (std::size_t i = 0; i < data.batches_per_epoch(); ++i) {
    const Ids batch = ids_of(data.batch(epoch, i));
    ids.insert(ids.end(), batch.begin(), batch.end());
  }
  return ids;
}

Ids iota_ids(int count) {
  Ids ids(static_cast<std::size_t>(count));
  for (int j = 0; j < count; ++j) ids[static_cast<std::size_t>(j)] = j;
  return ids;
}

/// Runs `action`, which must throw std::invalid_argument with a message holding every fragment.
template <typename Action>
void check_invalid(Action action, std::initializer_list<std::string> fragments) {
  check_throws<std::invalid_argument>(action, fragments);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(dataset_batches)

BOOST_AUTO_TEST_CASE(drop_skips_the_partial_last_batch) {
  Dataset<double> data(numbered(10), 4, 1);
  BOOST_TEST(data.batches_per_epoch() == 2u);
  BOOST_TEST(data.batch(0, 0).cols() == 4);
  BOOST_TEST(data.batch(0, 1).cols() == 4);
  Ids seen = epoch_ids(data, 0);
  std::sort(seen.begin(), seen.end());
  BOOST_TEST((std::adjacent_find(seen.begin(), seen.end()) == seen.end()));  // no repeats
  BOOST_TEST(seen.size() == 8u);
}

BOOST_AUTO_TEST_CASE(keep_yields_the_partial_last_batch) {
  Dataset<double> data(numbered(10), 4, 1, PartialBatch::keep);
  BOOST_TEST(data.batches_per_epoch() == 3u);
  BOOST_TEST(data.batch(0, 0).cols() == 4);
  BOOST_TEST(data.batch(0, 1).cols() == 4);
  BOOST_TEST(data.batch(0, 2).cols() == 2);
  BOOST_TEST(data.batch(0, 2).rows() == 2);
}

BOOST_AUTO_TEST_CASE(an_exact_fit_gives_the_same_count_under_both_policies) {
  Dataset<double> drop(numbered(12), 4, 1, PartialBatch::drop);
  Dataset<double> keep(numbered(12), 4, 1, PartialBatch::keep);
  BOOST_TEST(drop.batches_per_epoch() == 3u);
  BOOST_TEST(keep.batches_per_epoch() == 3u);
}

BOOST_AUTO_TEST_CASE(every_sample_appears_exactly_once_per_epoch) {
  for (const std::uint64_t seed : {0ull, 7ull, 0xFFFFFFFFFFFFFFFFull}) {
    Dataset<double> data(numbered(37), 5, seed, PartialBatch::keep);
    for (std::uint64_t epoch = 0; epoch < 4; ++epoch) {
      BOOST_TEST_CONTEXT("seed " << seed << ", epoch " << epoch) {
        Ids seen = epoch_ids(data, epoch);
        std::sort(seen.begin(), seen.end());
        BOOST_TEST(seen == iota_ids(37), boost::test_tools::per_element());
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(the_same_seed_and_epoch_give_the_same_batches) {
  Dataset<double> first(numbered(40), 8, 42);
  Dataset<double> resumed(numbered(40), 8, 42);
  const Ids whole_run = epoch_ids(first, 3);
  // A run resumed mid-epoch, after other epochs were visited, sees the same batches.
  resumed.batch(9, 0);
  const Ids tail = ids_of(resumed.batch(3, 2));
  BOOST_TEST(tail == Ids(whole_run.begin() + 16, whole_run.begin() + 24),
             boost::test_tools::per_element());
  BOOST_TEST(epoch_ids(resumed, 3) == whole_run, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(different_epochs_and_seeds_give_different_orders) {
  Dataset<double> data(numbered(50), 10, 42);
  Dataset<double> other_seed(numbered(50), 10, 43);
  const Ids epoch0 = epoch_ids(data, 0);
  BOOST_TEST(epoch0 != iota_ids(50));  // shuffled at all
  BOOST_TEST(epoch_ids(data, 1) != epoch0);
  BOOST_TEST(epoch_ids(data, 2) != epoch_ids(data, 1));
  BOOST_TEST(epoch_ids(other_seed, 0) != epoch0);
}

BOOST_AUTO_TEST_CASE(all_orders_of_three_samples_are_about_equally_likely) {
  Dataset<double> data(numbered(3), 3, 5);
  std::map<Ids, int> counts;
  constexpr int kEpochs = 6000;
  for (std::uint64_t epoch = 0; epoch < kEpochs; ++epoch) ++counts[ids_of(data.batch(epoch, 0))];
  BOOST_TEST(counts.size() == 6u);
  // Expected 1000 each; the standard deviation is about 29, so 850..1150 is over 5 sigma.
  for (const auto& [order, n] : counts) BOOST_TEST((n > 850 && n < 1150), "count " << n);
}

BOOST_AUTO_TEST_CASE(batches_reuse_their_buffers) {
  Dataset<double> data(numbered(10), 4, 3, PartialBatch::keep);
  const double* full = data.batch(0, 0).data();
  const double* partial = data.batch(0, 2).data();
  for (std::uint64_t epoch = 0; epoch < 3; ++epoch) {
    BOOST_TEST(data.batch(epoch, 1).data() == full);
    BOOST_TEST(data.batch(epoch, 2).data() == partial);
    BOOST_TEST(data.batch(epoch, 0).data() == full);
  }
}

BOOST_AUTO_TEST_CASE(keep_with_a_batch_larger_than_the_data_gives_one_batch) {
  Dataset<double> data(numbered(3), 8, 0, PartialBatch::keep);
  BOOST_TEST(data.batches_per_epoch() == 1u);
  BOOST_TEST(data.batch(0, 0).cols() == 3);
}

BOOST_AUTO_TEST_CASE(float_samples_work_too) {
  gan::Matrix<float> samples = gan::Matrix<float>::Ones(3, 6);
  Dataset<float> data(std::move(samples), 2, 0);
  BOOST_TEST(data.batch(1, 2).sum() == 6.0f);
  BOOST_TEST(data.features() == 3u);
  BOOST_TEST(data.size() == 6u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(dataset_arguments)

BOOST_AUTO_TEST_CASE(a_batch_size_of_zero_is_refused) {
  check_invalid([] { Dataset<double>(numbered(4), 0, 0); }, {"Dataset::Dataset", "got 0"});
}

BOOST_AUTO_TEST_CASE(empty_data_is_refused) {
  check_invalid([] { Dataset<double>(gan::Matrix<double>(2, 0), 1, 0); }, {"got [2, 0]"});
  check_invalid([] { Dataset<double>(gan::Matrix<double>(0, 5), 1, 0); }, {"got [0, 5]"});
}

BOOST_AUTO_TEST_CASE(a_batch_larger_than_the_data_is_refused_under_drop) {
  check_invalid([] { Dataset<double>(numbered(3), 8, 0); },
                {"at most the 3 samples", "PartialBatch::drop", "got 8", "PartialBatch::keep"});
}

BOOST_AUTO_TEST_CASE(an_index_past_the_epoch_is_refused) {
  Dataset<double> data(numbered(10), 4, 0);
  check_invalid([&] { data.batch(5, 2); }, {"below 2", "10 samples", "batch size 4",
                                            "PartialBatch::drop", "got 2", "epoch 5"});
}

BOOST_AUTO_TEST_SUITE_END()
