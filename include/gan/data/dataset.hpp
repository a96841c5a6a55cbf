// SPDX-License-Identifier: MIT
// Shuffled mini-batches over an in-memory dataset, reproducible from (seed, epoch, index).
#pragma once

#include <gan/core/backend.hpp>
#include <gan/core/error.hpp>
#include <gan/core/random.hpp>
#include <gan/core/tensor.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <stdexcept>
#include <utility>
#include <vector>

namespace gan::data {

/// What to do with the last batch of an epoch when the batch size does not divide the
/// number of samples.
enum class PartialBatch {
  /// Skip it: a smaller batch would change the statistics of that GAN step (the loss
  /// averages and the discriminator's view of real data), so every step sees a full batch.
  /// The skipped samples are not lost: each epoch draws a new order, so they land in full
  /// batches in other epochs.
  drop,
  /// Yield it as a smaller batch, so every sample is seen exactly once per epoch.
  keep,
};

/// Mini-batches of samples in a shuffled order that depends only on (seed, epoch).
///
/// Batch `index` of epoch `epoch` holds samples order[index * batch_size ...] of a
/// Fisher-Yates permutation drawn from an Rng seeded with a mix of the seed and the epoch.
/// Nothing else feeds the order, so a run resumed at (epoch, index) from a checkpoint sees
/// exactly the batches an uninterrupted run would, and batches may be asked for in any order
/// (only the latest epoch's order is kept, so going back to an earlier epoch reshuffles, in
/// O(count)).
///
/// Partial batches follow the PartialBatch policy: with `drop` (the default) there are
/// floor(count / batch_size) batches per epoch, all full; with `keep` there are
/// ceil(count / batch_size), the last holding count % batch_size samples when that is not 0.
///
/// On the device backend the samples are copied to the device once, when the Dataset is
/// made, and each batch is gathered there from the epoch's order, which goes to the device once
/// per epoch (8 bytes a sample): a batch copies no data.
///
/// @tparam B the backend the batches are for, or its scalar type (float, double) for the CPU
template <typename B>
class Dataset {
  using Backend = backend_t<B>;
  using Scalar = typename Backend::scalar_type;
  using Batch = typename Backend::matrix_type;

 public:
  /// Takes the samples and the batching settings; the first batch() call draws the order.
  ///
  /// @param samples the data, [features, count], one sample per column; moved in, so pass
  ///   std::move(matrix) to avoid a copy
  /// @param batch_size samples per batch
  /// @param seed selects the sequence of per-epoch orders
  /// @param partial what to do with a last batch smaller than batch_size
  /// @throws std::invalid_argument when batch_size is 0, samples is empty, or (with
  ///   PartialBatch::drop) batch_size exceeds the number of samples, so no batch would remain
  Dataset(Matrix<Scalar> samples, std::size_t batch_size, std::uint64_t seed,
          PartialBatch partial = PartialBatch::drop);

  /// The number of batches in every epoch.
  std::size_t batches_per_epoch() const noexcept { return batches_per_epoch_; }
  /// The number of samples (columns).
  std::size_t size() const noexcept { return static_cast<std::size_t>(samples_.cols()); }
  /// The number of features per sample (rows).
  std::size_t features() const noexcept { return static_cast<std::size_t>(samples_.rows()); }
  /// The size of a full batch.
  std::size_t batch_size() const noexcept { return batch_size_; }
  /// The policy for a last, smaller batch.
  PartialBatch partial_batch() const noexcept { return partial_; }

  /// The samples of one batch, [features, n] with n = batch_size() except for a kept partial
  /// last batch.
  ///
  /// The result refers to a buffer inside the Dataset that the next call overwrites; copy it
  /// to keep it. The buffers are allocated on the first call of each batch size only, and the
  /// epoch's order is computed once, on the first call for that epoch.
  /// @throws std::invalid_argument when index >= batches_per_epoch()
  const Batch& batch(std::uint64_t epoch, std::size_t index);

 private:
  void validate() const;
  static Batch upload(Matrix<Scalar>&& samples) {
    if constexpr (Backend::on_device)
      return Backend::matrix_from_host(samples);
    else
      return std::move(samples);
  }
  void shuffle_for(std::uint64_t epoch);

  Batch samples_;
  std::size_t batch_size_;
  std::uint64_t seed_;
  PartialBatch partial_;
  std::size_t batches_per_epoch_ = 0;

  std::vector<std::uint64_t> order_;              // the permutation of the cached epoch
  typename Backend::index_buffer backend_order_;  // the same, where the samples are
  std::uint64_t order_epoch_ = 0;
  bool order_valid_ = false;
  Batch full_batch_;  // two buffers, so alternating sizes never reallocate
  Batch partial_batch_;
};

// ------------------------------------------------------------------------------------------
// Implementation

namespace detail {

/// SplitMix64's finaliser (Steele et al. 2014): spreads every input bit over the output.
constexpr std::uint64_t mix64(std::uint64_t x) noexcept {
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

/// The Rng seed of one epoch's order. The epoch is mixed before it meets the seed, so
/// nearby (seed, epoch) pairs give unrelated orders rather than related Philox keys.
constexpr std::uint64_t epoch_seed(std::uint64_t seed, std::uint64_t epoch) noexcept {
  return mix64(seed ^ mix64(epoch + 0x9E3779B97F4A7C15ull));
}

inline const char* partial_batch_name(PartialBatch partial) {
  return partial == PartialBatch::drop ? "PartialBatch::drop" : "PartialBatch::keep";
}

}  // namespace detail

template <typename B>
Dataset<B>::Dataset(Matrix<Scalar> samples, std::size_t batch_size, std::uint64_t seed,
                    PartialBatch partial)
    : samples_(upload(std::move(samples))),
      batch_size_(batch_size),
      seed_(seed),
      partial_(partial) {
  validate();
  const std::size_t count = size();
  batches_per_epoch_ = count / batch_size_;
  if (partial_ == PartialBatch::keep && count % batch_size_ != 0) ++batches_per_epoch_;
}

template <typename B>
void Dataset<B>::validate() const {
  if (batch_size_ == 0)
    throw std::invalid_argument("Dataset::Dataset: expected a batch size of at least 1, got 0");
  if (samples_.size() == 0)
    throw std::invalid_argument(message("Dataset::Dataset: expected samples [features, count] ",
                                        "with both at least 1, got [", samples_.rows(), ", ",
                                        samples_.cols(), "]"));
  if (partial_ == PartialBatch::drop && batch_size_ > size())
    throw std::invalid_argument(
        message("Dataset::Dataset: expected a batch size of at most the ", size(),
                " samples with PartialBatch::drop, got ", batch_size_,
                ", which leaves no full batch (use PartialBatch::keep or a smaller batch)"));
}

template <typename B>
void Dataset<B>::shuffle_for(std::uint64_t epoch) {
  order_.resize(size());
  std::iota(order_.begin(), order_.end(), std::uint64_t{0});
  Rng rng(detail::epoch_seed(seed_, epoch));
  // Fisher-Yates, from the back: each of the n! orders is equally likely.
  for (std::size_t i = order_.size() - 1; i > 0; --i)
    std::swap(order_[i], order_[static_cast<std::size_t>(rng.below(i + 1))]);
  Backend::indices_from_host(order_, backend_order_);
  order_epoch_ = epoch;
  order_valid_ = true;
}

template <typename B>
auto Dataset<B>::batch(std::uint64_t epoch, std::size_t index) -> const Batch& {
  if (index >= batches_per_epoch_)
    throw std::invalid_argument(message("Dataset::batch: expected a batch index below ",
                                        batches_per_epoch_, " (", size(), " samples, batch size ",
                                        batch_size_, ", ", detail::partial_batch_name(partial_),
                                        "), got ", index, " in epoch ", epoch));
  if (!order_valid_ || order_epoch_ != epoch) shuffle_for(epoch);

  const std::size_t first = index * batch_size_;
  const std::size_t n = std::min(batch_size_, size() - first);
  Batch& out = n == batch_size_ ? full_batch_ : partial_batch_;
  // Resizing keeps the storage when the size is unchanged, so only a first call allocates.
  Backend::gather_columns(samples_, backend_order_, first, n, out);
  return out;
}

}  // namespace gan::data
