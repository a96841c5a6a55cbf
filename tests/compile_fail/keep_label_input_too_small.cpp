// SPDX-License-Identifier: MIT
// expect: KeepLabelInputMustHoldMoreThanTheLabel<gan::diagnostics::keep_label_input_size<10>, gan::diagnostics::keep_label_label_rows<10> >
// A KeepLabel whose input is all label: its first inner layer takes 10 values, the 10 label
// rows, and no noise (it should take 100 + 10). The diagnostic names both sizes.
#include <gan/layers/dense.hpp>
#include <gan/layers/keep_label.hpp>
#include <gan/layers/tanh.hpp>
#include <gan/nn/sequential.hpp>

#ifdef GAN_SHOULD_FAIL
using Generator = gan::Sequential<gan::KeepLabel<10, gan::Dense<10, 784>, gan::Tanh>>;
#else
using Generator = gan::Sequential<gan::KeepLabel<10, gan::Dense<110, 784>, gan::Tanh>>;
#endif

static_assert(Generator::output_shape::size == 794);

int main() {}
