// SPDX-License-Identifier: MIT
// Real batches for a class-conditional GAN: each image with its one-hot label below it.
#pragma once

#include <gan/core/error.hpp>
#include <gan/core/tensor.hpp>
#include <gan/data/mnist.hpp>
#include <gan/noise/class_label.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>

namespace gan::data {

/// The images as a batch [rows * cols + classes, count] for a conditional GAN: column i is
/// image i as to_matrix() maps it (pixels in [-1, 1]) with the one-hot of labels[i] in the
/// last `classes` rows, the layout of a generator that ends in gan::KeepLabel<classes, ...>
/// and draws from gan::WithClassLabel<..., classes>.
///
/// @tparam Scalar float or double
/// @param images  images with one label each
/// @param classes the number of label rows (10 for MNIST digits)
/// @throws std::invalid_argument when pixels.size() is not count * rows * cols, there are not
///   `count` labels, or a label is `classes` or more
template <typename Scalar>
Matrix<Scalar> to_labelled_matrix(const LabelledImages& images, std::size_t classes) {
  if (images.labels.size() != images.count)
    throw std::invalid_argument(message("data::to_labelled_matrix: expected ", images.count,
                                        " labels, one per image, got ", images.labels.size()));
  const Matrix<Scalar> pixels = to_matrix<Scalar>(images);
  Matrix<Scalar> batch(pixels.rows() + static_cast<Eigen::Index>(classes), pixels.cols());
  batch.topRows(pixels.rows()) = pixels;
  write_one_hot(batch, pixels.rows(), classes, std::span<const std::uint8_t>(images.labels));
  return batch;
}

}  // namespace gan::data
