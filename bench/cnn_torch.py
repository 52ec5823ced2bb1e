#!/usr/bin/python3
"""PyTorch baseline for bench/cnn: the same MNIST CNN (random weights), eval
mode under torch.inference_mode(), fp32.

    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/cnn_torch.py --threads 2 \
        --batch 100 --layout nhwc --seconds 1

Thread settings are the caller's job for the environment (OPENBLAS_NUM_THREADS,
OMP_WAIT_POLICY: see bench/cnn_run.py); this script calls
torch.set_num_threads(--threads). --layout nhwc runs the convolutions
channels_last (oneDNN's faster layout for batches). Prints one line
"batch=B ms=<median per batch> iters=N".
"""
import argparse
import ctypes
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
        x = F.relu(self.fc1(x))
        return F.softmax(self.fc2(x), dim=1)


def blas_core():
    """OpenBLAS's kernel set in this process (torch runs nn.Linear on it)."""
    try:
        lib = ctypes.CDLL("libopenblas.so.0")
        lib.openblas_get_corename.restype = ctypes.c_char_p
        return lib.openblas_get_corename().decode()
    except (OSError, AttributeError):
        return "unknown"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--batch", type=int, action="append")
    ap.add_argument("--layout", choices=("nchw", "nhwc"), default="nhwc")
    ap.add_argument("--seconds", type=float, default=1.0)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    net = Net().eval()
    fmt = torch.channels_last if a.layout == "nhwc" else torch.contiguous_format
    net = net.to(memory_format=fmt)
    for batch in a.batch or [100, 1]:
        x = torch.rand(batch, 1, 28, 28).to(memory_format=fmt)
        with torch.inference_mode():
            for _ in range(3):
                net(x)
            times = []
            start = time.perf_counter()
            while len(times) < 5 or time.perf_counter() - start < a.seconds:
                t0 = time.perf_counter()
                net(x)
                times.append((time.perf_counter() - t0) * 1e3)
        print("batch=%d ms=%.4f iters=%d blas_core=%s" % (batch, statistics.median(times),
                                                         len(times), blas_core()), flush=True)


if __name__ == "__main__":
    main()
