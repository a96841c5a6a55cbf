#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The PyTorch side of the GPU benchmark: the MNIST examples' MLP GAN or DCGAN trained in
PyTorch eager mode on a CUDA GPU, in trained real images per second, doing the work of
gan::AlternatingTrainer's step operation for operation (as benchmarks/libtorch/gan_step.cpp
does on the CPU): G(z) computed once and detached for the discriminator step; real and fake
side by side in one discriminator pass for the MLP, in two for the DCGAN (batch norm); D frozen
in the generator step; BCE with logits; Adam with gan::Adam's defaults.

Usage: gan_step.py [--model mlp|dcgan] [--batch N] [--seconds S] [--repeats R]
Prints PyTorch's and CUDA's versions, one line per repeat and a final line with the median:
  pytorch_gan_step model=dcgan batch=64 images_per_second=31234.5 (median of 5)
"""
import argparse
import sys
import time

import torch
from torch import nn

LATENT = 100


def mlp():
    g = nn.Sequential(nn.Linear(LATENT, 256), nn.LeakyReLU(0.2), nn.Linear(256, 512),
                      nn.LeakyReLU(0.2), nn.Linear(512, 1024), nn.LeakyReLU(0.2),
                      nn.Linear(1024, 784), nn.Tanh())
    d = nn.Sequential(nn.Linear(784, 512), nn.LeakyReLU(0.2), nn.Linear(512, 256),
                      nn.LeakyReLU(0.2), nn.Linear(256, 1))
    return g, d, (LATENT,), (784,), False


def dcgan():
    def up(i, o, k, s, p):
        return nn.ConvTranspose2d(i, o, k, s, p, bias=False)

    def down(i, o, k, s, p):
        return nn.Conv2d(i, o, k, s, p, bias=False)

    g = nn.Sequential(up(LATENT, 256, 4, 1, 0), nn.BatchNorm2d(256), nn.ReLU(),
                      up(256, 128, 3, 2, 1), nn.BatchNorm2d(128), nn.ReLU(),
                      up(128, 64, 4, 2, 1), nn.BatchNorm2d(64), nn.ReLU(),
                      up(64, 1, 4, 2, 1), nn.Tanh())
    d = nn.Sequential(down(1, 64, 4, 2, 1), nn.LeakyReLU(0.2),
                      down(64, 128, 4, 2, 1), nn.BatchNorm2d(128), nn.LeakyReLU(0.2),
                      down(128, 256, 4, 2, 1), nn.BatchNorm2d(256), nn.LeakyReLU(0.2),
                      down(256, 1, 3, 1, 0), nn.Flatten())
    return g, d, (LATENT, 1, 1), (1, 28, 28), True


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=["mlp", "dcgan"], default="mlp")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    if args.batch < 1 or args.seconds <= 0 or args.repeats < 1:
        parser.error("--batch and --repeats must be at least 1, --seconds positive")
    if not torch.cuda.is_available():
        sys.exit("gan_step.py: expected a CUDA GPU for PyTorch, got none")
    device = torch.device("cuda")
    print(f"pytorch {torch.__version__} cuda {torch.version.cuda} "
          f"gpu {torch.cuda.get_device_name(0)}")

    g, d, noise_shape, sample_shape, separate_passes = (mlp if args.model == "mlp" else dcgan)()
    g, d = g.to(device), d.to(device)
    adam = dict(lr=2e-4, betas=(0.5, 0.999), eps=1e-8)
    g_opt = torch.optim.Adam(g.parameters(), **adam)
    d_opt = torch.optim.Adam(d.parameters(), **adam)
    bce = nn.BCEWithLogitsLoss()
    real = torch.randn((args.batch,) + sample_shape, device=device)
    ones = torch.ones(args.batch, 1, device=device)
    zeros = torch.zeros(args.batch, 1, device=device)

    def step():
        z = torch.randn((args.batch,) + noise_shape, device=device)
        fake = g(z)
        d_opt.zero_grad(set_to_none=True)
        if separate_passes:
            d_loss = bce(d(real), ones) + bce(d(fake.detach()), zeros)
        else:
            logits = d(torch.cat([real, fake.detach()]))
            d_loss = bce(logits[:args.batch], ones) + bce(logits[args.batch:], zeros)
        d_loss.backward()
        d_opt.step()
        for p in d.parameters():
            p.requires_grad_(False)
        g_opt.zero_grad(set_to_none=True)
        g_loss = bce(d(fake), ones)
        g_loss.backward()
        g_opt.step()
        for p in d.parameters():
            p.requires_grad_(True)
        # The statistics gan's trainer reports come back to the host every step; so here.
        return d_loss.item(), g_loss.item()

    for _ in range(10):
        step()
    rates = []
    for _ in range(args.repeats):
        torch.cuda.synchronize()
        start = time.perf_counter()
        steps = 0
        while True:
            step()
            steps += 1
            torch.cuda.synchronize()
            elapsed = time.perf_counter() - start
            if elapsed >= args.seconds:
                break
        rates.append(steps * args.batch / elapsed)
        print(f"pytorch_gan_step model={args.model} batch={args.batch} "
              f"images_per_second={rates[-1]:.1f}")
    rates.sort()
    print(f"pytorch_gan_step model={args.model} batch={args.batch} "
          f"images_per_second={rates[len(rates) // 2]:.1f} (median of {len(rates)})")


if __name__ == "__main__":
    main()
