// SPDX-License-Identifier: MIT
// Whether a layer adds a learned bias to its output.
#pragma once

namespace gan {

/// Whether a convolution adds a learned bias per output channel.
///
/// The libtorch DCGAN example gives none of its convolutions a bias (`Bias::none`): most are
/// followed by batch normalisation, whose mean subtraction would cancel a bias anyway.
/// Without a bias a layer has no bias parameters at all.
enum class Bias {
  /// One learned value per output channel, added to every pixel of that channel.
  learned,
  /// No bias term and no bias parameters.
  none,
};

}  // namespace gan
