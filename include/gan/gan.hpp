// SPDX-License-Identifier: MIT
// The whole CPU framework in one include.
#pragma once

#include <gan/core/concepts.hpp>
#include <gan/core/error.hpp>
#include <gan/core/random.hpp>
#include <gan/core/shape.hpp>
#include <gan/core/tensor.hpp>
#include <gan/data/dataset.hpp>
#include <gan/data/idx.hpp>
#include <gan/data/mnist.hpp>
#include <gan/data/png.hpp>
#include <gan/io/checkpoint.hpp>
#include <gan/layers/batch_norm.hpp>
#include <gan/layers/bias.hpp>
#include <gan/layers/conv2d.hpp>
#include <gan/layers/conv_transpose2d.hpp>
#include <gan/layers/dense.hpp>
#include <gan/layers/identity.hpp>
#include <gan/layers/leaky_relu.hpp>
#include <gan/layers/relu.hpp>
#include <gan/layers/reshape.hpp>
#include <gan/layers/sigmoid.hpp>
#include <gan/layers/tanh.hpp>
#include <gan/losses/least_squares.hpp>
#include <gan/losses/minimax.hpp>
#include <gan/losses/non_saturating.hpp>
#include <gan/metrics/frechet.hpp>
#include <gan/nn/mode.hpp>
#include <gan/nn/network.hpp>
#include <gan/nn/sequential.hpp>
#include <gan/noise/priors.hpp>
#include <gan/optim/adam.hpp>
#include <gan/optim/sgd.hpp>
#include <gan/train/alternating_trainer.hpp>
#include <gan/train/observers.hpp>
#include <gan/train/step_stats.hpp>
