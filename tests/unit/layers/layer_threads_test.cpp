// SPDX-License-Identifier: MIT
// Layers split their work over OpenMP threads: convolutions split the batch, and into chunks
// that bound their column matrix (detail::for_each_batch_chunk); dense layers split their
// output rows, and add per-thread partial sums for the input gradient; activations split
// rows. Whatever the split, the results must be one thread's up to rounding, and the same
// thread count must give the same bits every time.
#define BOOST_TEST_MODULE layer_threads
#include <boost/test/unit_test.hpp>

#include <gan/layers/conv2d.hpp>
#include <gan/layers/conv_transpose2d.hpp>
#include <gan/layers/dense.hpp>
#include <gan/layers/leaky_relu.hpp>
#include <gan/layers/tanh.hpp>

#include "support/convolution_checks.hpp"

#include <Eigen/Core>

#ifdef _OPENMP
#include <omp.h>
#endif

#include <boost/mpl/list.hpp>

namespace {

using namespace gan::test_support;

/// A layer's forward output, input gradient and weight gradient on one batch.
struct Results {
  gan::Matrix<double> output;
  gan::Matrix<double> input_gradient;
  gan::Vector<double> parameter_gradient;
};

void set_threads(int threads) {
#ifdef _OPENMP
  omp_set_num_threads(threads);
#else
  (void)threads;
#endif
}

/// Equal to within 1e-12 of the largest magnitude of `expected`.
template <typename Values>
bool close(const Values& found, const Values& expected) {
  if (expected.size() == 0) return found.size() == 0;  // a layer without parameters
  const double scale = expected.cwiseAbs().maxCoeff();
  return (found - expected).cwiseAbs().maxCoeff() <= 1e-12 * scale;
}

template <typename Spec, typename InputShape>
Results run(int threads, Eigen::Index batch, gan::WorkSplit split = gan::WorkSplit::rows) {
  set_threads(threads);
  StandaloneLayer<Spec, InputShape, double> conv(5);
  if constexpr (requires { conv.layer.follow(split); }) conv.layer.follow(split);
  const gan::Matrix<double> input = uniform_matrix<double>(InputShape::size, batch, 6);
  Results results;
  conv.layer.forward(input, results.output);
  const gan::Matrix<double> upstream =
      uniform_matrix<double>(results.output.rows(), results.output.cols(), 7);
  conv.layer.backward(input, results.output, upstream, &results.input_gradient, true);
  results.parameter_gradient = conv.gradients;
  return results;
}

// A DCGAN-sized convolution (several chunks per thread at batch 37) and small odd ones; dense
// layers large enough to use threads at batch 37 (with output rows that are not a multiple of
// the 16-row unit threads take, down to two units, the second of one row), and activations
// over 1,000 features.
using Cases =
    boost::mpl::list<std::pair<gan::Conv2d<64, 128, 4, 2, 1>, gan::Shape<64, 14, 14>>,
                     std::pair<gan::Conv2d<2, 3, 3, 2, 1>, gan::Shape<2, 5, 7>>,
                     std::pair<gan::ConvTranspose2d<128, 64, 4, 2, 1>, gan::Shape<128, 7, 7>>,
                     std::pair<gan::ConvTranspose2d<3, 2, 3, 2, 1, 1>, gan::Shape<3, 4, 5>>,
                     std::pair<gan::Dense<81, 50>, gan::Shape<81>>,
                     std::pair<gan::Dense<300, 784>, gan::Shape<300>>,
                     std::pair<gan::Dense<4000, 17>, gan::Shape<4000>>,
                     std::pair<gan::LeakyRelu, gan::Shape<1000>>,
                     std::pair<gan::Tanh, gan::Shape<10, 10, 10>>>;

}  // namespace

BOOST_AUTO_TEST_CASE_TEMPLATE(any_thread_count_gives_one_threads_results, Case, Cases) {
  using Spec = typename Case::first_type;
  using InputShape = typename Case::second_type;
  for (const Eigen::Index batch : {1, 2, 37}) {
    BOOST_TEST_CONTEXT("batch " << batch) {
      const Results one = run<Spec, InputShape>(1, batch);
      for (const int threads : {2, 3}) {
        BOOST_TEST_CONTEXT(threads << " threads") {
          const Results many = run<Spec, InputShape>(threads, batch);
          // The split and the products' blocking change only the rounding.
          BOOST_TEST(close(many.output, one.output));
          BOOST_TEST(close(many.input_gradient, one.input_gradient));
          BOOST_TEST(close(many.parameter_gradient, one.parameter_gradient));
          // And the same thread count gives the same bits again.
          const Results again = run<Spec, InputShape>(threads, batch);
          BOOST_TEST((again.output == many.output));
          BOOST_TEST((again.input_gradient == many.input_gradient));
          BOOST_TEST((again.parameter_gradient == many.parameter_gradient));
        }
      }
    }
  }
}

// Activations split rows after a dense layer and samples after a convolution; each value is
// computed on its own, so every split gives one thread's bits exactly.
BOOST_AUTO_TEST_CASE(activations_give_one_threads_bits_whichever_way_they_split) {
  for (const gan::WorkSplit split : {gan::WorkSplit::rows, gan::WorkSplit::batch}) {
    for (const Eigen::Index batch : {1, 3, 37}) {
      const char* by = split == gan::WorkSplit::rows ? "rows" : "batch";
      BOOST_TEST_CONTEXT(by << ", batch " << batch) {
        const Results one = run<gan::LeakyRelu, gan::Shape<1000>>(1, batch, split);
        for (const int threads : {2, 3}) {
          const Results many = run<gan::LeakyRelu, gan::Shape<1000>>(threads, batch, split);
          BOOST_TEST((many.output == one.output));
          BOOST_TEST((many.input_gradient == one.input_gradient));
        }
      }
    }
  }
}
