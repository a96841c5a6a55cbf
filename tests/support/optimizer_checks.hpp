// SPDX-License-Identifier: MIT
// Test support: an optimizer's state saved to a checkpoint file and read back.
#pragma once

#include <gan/io/checkpoint.hpp>

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

}  // namespace gan::test_support
