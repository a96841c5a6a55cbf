// SPDX-License-Identifier: MIT
// expect: KeepLabelInnerLayersMustBeStateless<gan::Sequential<gan::Dense<12, 8>, gan::BatchNorm<8>
// A KeepLabel around a batch norm, whose running state and training/inference mode it cannot
// carry yet (docs/limitations.md). The diagnostic names the inner layers.
#include <gan/layers/batch_norm.hpp>
#include <gan/layers/dense.hpp>
#include <gan/layers/keep_label.hpp>
#include <gan/layers/relu.hpp>
#include <gan/nn/network.hpp>
#include <gan/nn/sequential.hpp>

#ifdef GAN_SHOULD_FAIL
using Generator = gan::Sequential<gan::KeepLabel<2, gan::Dense<12, 8>, gan::BatchNorm<8>>>;
#else
using Generator = gan::Sequential<gan::KeepLabel<2, gan::Dense<12, 8>, gan::Relu>>;
#endif

int main() {
  gan::Network<Generator, float> generator;
  return static_cast<int>(generator.parameter_count == 0);
}
