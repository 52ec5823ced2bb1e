#!/usr/bin/python3
"""Accuracy of a served Fashion-MNIST classifier over REST on the 10k test
images through the classify API (tf.Example JSON, argmax of the scores). Used to check that what modeld serves
matches modeld-train's own evaluation (the README's train -> serve loop).

    /usr/bin/python3 tests/train/serve_accuracy.py --port 8501 --model fmnist \
        [--data_dir /usr/share/datasets/fashion-mnist]
"""
import argparse
import gzip
import json
import os
import urllib.request

import numpy as np


def idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, np.uint8, offset=4 + 4 * ndim).reshape(dims)


def post(port, path, body):
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path),
                                 data=json.dumps(body).encode(), method="POST")
    with urllib.request.urlopen(req) as r:
        return json.loads(r.read())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=8501)
    ap.add_argument("--model", default="fmnist")
    ap.add_argument("--data_dir", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--batch", type=int, default=100)
    a = ap.parse_args()
    x = idx(os.path.join(a.data_dir, "t10k-images-idx3-ubyte.gz")).reshape(-1, 784) / 255.0
    y = idx(os.path.join(a.data_dir, "t10k-labels-idx1-ubyte.gz"))
    ok = 0
    for s in range(0, len(y), a.batch):
        # Python floats print with a decimal point: JSON integers would make
        # int64 features.
        ex = [{"x": [float(v) for v in row]} for row in x[s:s + a.batch]]
        res = post(a.port, "/v1/models/%s:classify" % a.model, {"examples": ex})["results"]
        pred = [max(r, key=lambda cs: cs[1])[0] for r in res]
        ok += sum(int(p) == int(t) for p, t in zip(pred, y[s:s + a.batch]))
    print("classify accuracy over REST: %.4f (%d images)" % (ok / len(y), len(y)))


if __name__ == "__main__":
    main()
