#!/usr/bin/python3
"""Runs bench/train (modeld-train's cnn step) and bench/train_torch.py
(PyTorch) in the same session, interleaved, at 1 and 2 threads, and prints
images/s and the ratio modeld / PyTorch (target >= 1.0). Each of --rounds
rounds runs modeld then PyTorch at 1 and 2 threads, so both sides see the
same machine load; the table gives the median over rounds. The environment
(OPENBLAS_CORETYPE, ...) is passed to both sides alike.

    /usr/bin/python3 bench/train_run.py --build build --batch 100 --steps 20 --rounds 5
"""
import argparse
import os
import re
import statistics
import subprocess
import sys


def run(cmd, env):
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout
    m = re.search(r"images_per_s=([0-9.]+)", out)
    return float(m.group(1)), out.strip()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--batch", type=int, default=100)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--optimizer", default="adam")
    ap.add_argument("--rounds", type=int, default=5)
    a = ap.parse_args()
    here = os.path.dirname(os.path.abspath(__file__))
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_WAIT_POLICY="PASSIVE")
    print("cnn training step, batch %d, %s, median of %d steps, median of %d rounds"
          % (a.batch, a.optimizer, a.steps, a.rounds))
    if "OPENBLAS_CORETYPE" in env:
        print("OPENBLAS_CORETYPE=%s (both sides)" % env["OPENBLAS_CORETYPE"])
    res = {1: ([], []), 2: ([], [])}
    for r in range(a.rounds):
        for t in (1, 2):
            common = ["--threads", str(t), "--batch", str(a.batch), "--steps", str(a.steps),
                      "--optimizer", a.optimizer]
            md, _ = run([os.path.join(a.build, "bench", "train")] + common, env)
            pt, _ = run([sys.executable, os.path.join(here, "train_torch.py")] + common, env)
            res[t][0].append(md)
            res[t][1].append(pt)
            print("round %d threads %d: modeld %.1f torch %.1f (%.2fx)"
                  % (r + 1, t, md, pt, md / pt), flush=True)
    print("%-8s %14s %14s %7s %s" % ("threads", "modeld img/s", "torch img/s", "ratio",
                                     "per-round ratios"))
    for t in (1, 2):
        md, pt = statistics.median(res[t][0]), statistics.median(res[t][1])
        ratios = " ".join("%.2f" % (x / y) for x, y in zip(res[t][0], res[t][1]))
        print("%-8d %14.1f %14.1f %6.2fx %s" % (t, md, pt, md / pt, ratios))

if __name__ == "__main__":
    main()
