#!/usr/bin/python3
"""PyTorch baseline for bench/train: the same cnn (conv 5x5x32, pool,
conv 5x5x64, pool, dense 1024 + dropout 0.4, dense 10), softmax
cross-entropy, Adam (lr 1e-3) or SGD, one training step per iteration on a
fixed random batch, fp32, NHWC (channels_last) by default.

    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/train_torch.py --threads 2 \
        --batch 100 --steps 20
prints "threads=T batch=B ms=<median per step> images_per_s=<...>".
"""
import argparse
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 5, padding=2)
        self.conv2 = nn.Conv2d(32, 64, 5, padding=2)
        self.fc1 = nn.Linear(7 * 7 * 64, 1024)
        self.fc2 = nn.Linear(1024, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        x = F.dropout(F.relu(self.fc1(x)), 0.4, self.training)
        return self.fc2(x)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--batch", type=int, default=100)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--optimizer", choices=("adam", "sgd"), default="adam")
    ap.add_argument("--layout", choices=("nchw", "nhwc"), default="nhwc")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    net = Net().train()
    fmt = torch.channels_last if a.layout == "nhwc" else torch.contiguous_format
    net = net.to(memory_format=fmt)
    opt = (torch.optim.Adam(net.parameters(), lr=1e-3) if a.optimizer == "adam"
           else torch.optim.SGD(net.parameters(), lr=0.05))
    x = torch.rand(a.batch, 1, 28, 28).to(memory_format=fmt)
    y = torch.arange(a.batch) % 10
    times = []
    loss = None
    for i in range(a.steps + 2):
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(net(x), y)
        loss.backward()
        opt.step()
        if i >= 2:
            times.append((time.perf_counter() - t0) * 1e3)
    ms = statistics.median(times)
    print("threads=%d batch=%d ms=%.2f images_per_s=%.1f loss=%.4f"
          % (a.threads, a.batch, ms, a.batch * 1e3 / ms, loss.item()))


if __name__ == "__main__":
    main()
