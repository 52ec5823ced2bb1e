#!/usr/bin/python3
"""Runs bench/cnn (modeld's kernels) and bench/cnn_torch.py (PyTorch)
interleaved, several rounds, and prints medians and ratios.

    cd <build dir> && /usr/bin/python3 ../bench/cnn_run.py [--rounds 5] [--seconds 1]

Each round runs, for 1 and then 2 threads: modeld's direct kernel chain
(batch 100 and 1, plus the GEMM floor: `cnn --no-engine`), modeld's engine on
the same network saved as a SavedModel (`cnn --engine-only`: md_model_load +
md_model_run), then PyTorch in each of its configurations for that thread
budget. Each modeld figure comes from its own process, so peak RSS (VmHWM
after the batch-100 pass) is that path's alone. PyTorch's figure per cell is its best configuration (the baseline to
beat, see the project's perf-baselines notes):
  1T: torch.set_num_threads(1), OPENBLAS_NUM_THREADS=1, OMP_NUM_THREADS=1;
      NCHW and NHWC (channels_last)
  2T: torch.set_num_threads(2), OPENBLAS_NUM_THREADS=1; NCHW and NHWC; and
      OPENBLAS_NUM_THREADS=2 + OMP_WAIT_POLICY=PASSIVE, NHWC (best at batch 1)
Ratios: modeld images/s over PyTorch's (throughput) and modeld latency over
PyTorch's (batch 1; lower is better).

OpenBLAS kernel set: both sides inherit the same environment, so with
OPENBLAS_CORETYPE set (some environments force Haswell) both run that core,
and with it unset both run what OpenBLAS detects (Cooperlake/SkylakeX AVX-512
kernels on Zen 4/5 with 0.3.21), modeld possibly upgraded by its own choice
(ops/blas.h md_blas_select_coretype). The report prints the core each side
used; compare like with like, e.g. `env -u OPENBLAS_CORETYPE ... cnn_run.py`.
"""
import argparse
import os
import re
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PY = "/usr/bin/python3"


EXTRA = {}
CORES = {}   # "modeld" / "torch" -> set of OpenBLAS core names seen


def run(cmd, env_extra, who):
    env = dict(os.environ)
    env.update(EXTRA)
    env.update(env_extra)
    out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout
    rows = []
    for line in out.splitlines():
        if "batch=" not in line:
            continue
        rows.append({k: float(v) for k, v in re.findall(r"(\w+)=([-0-9.]+)(?:\s|$)", line)})
        core = re.search(r"blas_core=(\S+)", line)
        CORES.setdefault(who, set()).add(core.group(1) if core else "?")
    return rows


def torch_variants(t):
    base = {"OMP_NUM_THREADS": str(t)} if t == 1 else {}
    v = [("nchw", dict(base, OPENBLAS_NUM_THREADS="1")),
         ("nhwc", dict(base, OPENBLAS_NUM_THREADS="1"))]
    if t == 2:
        v.append(("nhwc", {"OPENBLAS_NUM_THREADS": "2", "OMP_WAIT_POLICY": "PASSIVE"}))
    return v


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--seconds", type=float, default=1.0)
    ap.add_argument("--cnn", default=os.path.join(".", "bench", "cnn"))
    ap.add_argument("--env", action="append", default=[], metavar="KEY=VALUE",
                    help="extra environment for every process, e.g. OPENBLAS_CORETYPE=SkylakeX "
                         "(both modeld and torch get it; modeld's own choice, ops/blas.h "
                         "md_blas_select_coretype, applies only when it is unset)")
    a = ap.parse_args()
    EXTRA.update(kv.split("=", 1) for kv in a.env)
    if not os.access(a.cnn, os.X_OK):
        sys.exit("cnn_run: %s not found (run from the build directory, after make bench/cnn)"
                 % a.cnn)
    md = {}   # (t, batch) -> list of rows
    th = {}   # (t, batch, variant) -> list of ms
    for r in range(a.rounds):
        for t in (1, 2):
            for mode in ("--no-engine", "--engine-only"):
                for row in run([a.cnn, "--threads", str(t), "--seconds", str(a.seconds), mode],
                               {"OPENBLAS_NUM_THREADS": "1"}, "modeld"):
                    md.setdefault((t, int(row["batch"]), mode), []).append(row)
            for i, (layout, env) in enumerate(torch_variants(t)):
                for row in run([PY, os.path.join(HERE, "cnn_torch.py"), "--threads", str(t),
                                "--layout", layout, "--seconds", str(a.seconds),
                                "--batch", "100", "--batch", "1"], env, "torch"):
                    th.setdefault((t, int(row["batch"]), i), []).append(row["ms"])
        print("round %d/%d done" % (r + 1, a.rounds), file=sys.stderr, flush=True)

    med = statistics.median
    print("MNIST CNN (27.8 MFLOP/image), medians of %d interleaved rounds%s" % (
        a.rounds, "; env " + " ".join(a.env) if a.env else ""))
    print("OpenBLAS core: modeld %s, torch %s (OPENBLAS_CORETYPE=%s in the environment)" % (
        "/".join(sorted(CORES.get("modeld", ()))), "/".join(sorted(CORES.get("torch", ()))),
        EXTRA.get("OPENBLAS_CORETYPE", os.environ.get("OPENBLAS_CORETYPE", "unset"))))
    print("%-3s %-5s %9s %9s %9s %-22s %8s %9s %9s %8s %8s  %s" % (
        "thr", "batch", "engine ms", "chain ms", "torch ms", "engine vs torch", "img/s",
        "GEMM ms", "wall/GEMM", "RSS eng", "RSS chn", "torch best config"))
    for t in (1, 2):
        for b in (100, 1):
            chain = md[(t, b, "--no-engine")]
            eng = md[(t, b, "--engine-only")]
            c_ms = med([x["model_ms"] for x in chain])
            e_ms = med([x["engine_ms"] for x in eng])
            g_ms = med([x["gemm_ms"] for x in chain])
            variants = [med(th[(t, b, i)]) for i in range(len(torch_variants(t)))]
            best = min(variants)
            layout, env = torch_variants(t)[variants.index(best)]
            if b == 100:   # throughput ratio: higher = modeld faster
                ratio = "%.2fx throughput" % (best / e_ms)
            else:          # latency ratio: lower = modeld faster
                ratio = "%.2fx latency" % (e_ms / best)
            # VmHWM is per process: only the batch-100 pass (run first, and
            # before the GEMM floor's buffers) gives a meaningful peak.
            if b == 100:
                rss = "%8.1f %8.1f" % (max(x["vmhwm_mib"] for x in eng),
                                       max(x["vmhwm_mib"] for x in chain))
            else:
                rss = "%8s %8s" % ("-", "-")
            print("%-3d %-5d %9.3f %9.3f %9.3f %-22s %8.0f %9.3f %9.3f %s  %s %s" % (
                t, b, e_ms, c_ms, best, ratio, b * 1e3 / e_ms, g_ms, e_ms / g_ms, rss, layout,
                " ".join("%s=%s" % kv for kv in env.items())))
    print("wall/GEMM = engine time over the GEMM floor (the same GEMMs alone, same split); "
          "RSS in MiB (peak, batch-100 process)")
    print("targets: b100 throughput >= 1.2x torch at 2T, >= 1.1x at 1T; b1 latency <= 0.8x "
          "torch; wall <= 1.25x GEMM sum; peak RSS at b100 <= 70 MiB")


if __name__ == "__main__":
    main()
