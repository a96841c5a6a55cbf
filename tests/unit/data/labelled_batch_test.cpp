// SPDX-License-Identifier: MIT
// Tests of data/labelled_batch.hpp: each image's pixels above the one-hot of its label.
#define BOOST_TEST_MODULE labelled_batch
#include <boost/test/unit_test.hpp>

#include <gan/core/tensor.hpp>
#include <gan/data/labelled_batch.hpp>
#include <gan/data/mnist.hpp>

#include <cstdint>
#include <stdexcept>

namespace {

// Three 2 x 2 images with labels 2, 0, 1.
gan::data::LabelledImages tiny_images() {
  gan::data::LabelledImages images;
  images.count = 3;
  images.rows = 2;
  images.cols = 2;
  images.pixels = {0, 255, 0, 255, 255, 255, 0, 0, 51, 102, 153, 204};
  images.labels = {2, 0, 1};
  return images;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(to_labelled_matrix)

BOOST_AUTO_TEST_CASE(puts_the_one_hot_label_below_the_pixels) {
  const gan::data::LabelledImages images = tiny_images();
  const gan::Matrix<float> batch = gan::data::to_labelled_matrix<float>(images, 3);
  BOOST_TEST_REQUIRE(batch.rows() == 7);
  BOOST_TEST_REQUIRE(batch.cols() == 3);
  BOOST_TEST((batch.topRows(4) == gan::data::to_matrix<float>(images)));
  gan::Matrix<float> labels(3, 3);
  // clang-format off
  labels << 0, 1, 0,
            0, 0, 1,
            1, 0, 0;
  // clang-format on
  BOOST_TEST((batch.bottomRows(3) == labels));
}

BOOST_AUTO_TEST_CASE(labels_past_the_class_count_are_refused) {
  BOOST_CHECK_THROW(gan::data::to_labelled_matrix<float>(tiny_images(), 2), std::invalid_argument);
  gan::data::LabelledImages missing_label = tiny_images();
  missing_label.labels.pop_back();
  BOOST_CHECK_THROW(gan::data::to_labelled_matrix<float>(missing_label, 3), std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()
