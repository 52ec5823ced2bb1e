#!/usr/bin/python3
"""Writes the seed corpus of tests/fuzz/fuzz_train.c to tests/fuzz/corpus/train/.
Each seed is a selector byte (0 IDX, 1 event file, 2 checkpoint state,
3 TFRecord of tf.Example) followed by the file(s) as fuzz_train.c splits them.
Files are made here from the formats' definitions (IDX header, TFRecord
framing with masked crc32c, Event / Summary / Example protobuf encodings).

    /usr/bin/python3 tests/fuzz/gen_train_corpus.py
"""
import os
import struct

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "train")


def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def masked(data):
    c = crc32c(data)
    return ((((c >> 15) | (c << 17)) & 0xFFFFFFFF) + 0xA282EAD8) & 0xFFFFFFFF


def record(payload):
    n = struct.pack("<Q", len(payload))
    return n + struct.pack("<I", masked(n)) + payload + struct.pack("<I", masked(payload))


def varint(v):
    out = b""
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out += bytes([b | 0x80])
        else:
            return out + bytes([b])


def field(num, wire, payload):
    key = varint(num << 3 | wire)
    if wire == 2:
        return key + varint(len(payload)) + payload
    return key + payload


def event(step, values=None, file_version=None):
    e = field(1, 1, struct.pack("<d", 1.5e9)) + field(2, 0, varint(step))
    if file_version:
        e += field(3, 2, file_version.encode())
    if values:
        s = b""
        for tag, v in values:
            s += field(1, 2, field(1, 2, tag.encode()) + field(2, 5, struct.pack("<f", v)))
        e += field(5, 2, s)
    return e


def example(x, label):
    fl = field(2, 2, field(1, 2, b"".join(struct.pack("<f", v) for v in x)))
    il = field(3, 2, field(1, 2, varint(label)))
    feats = b""
    for k, f in (("x", fl), ("label", il)):
        feats += field(1, 2, field(1, 2, k.encode()) + field(2, 2, f))
    return field(1, 2, feats)


def idx(n, h, w, labels):
    img = struct.pack(">IIII", 0x803, n, h, w) + bytes((i * 37) % 256 for i in range(n * h * w))
    lab = struct.pack(">II", 0x801, len(labels)) + bytes(labels)
    return bytes([0]) + struct.pack(">I", len(img)) + img + lab


def main():
    os.makedirs(OUT, exist_ok=True)
    seeds = {
        "idx-2x3x3": idx(2, 3, 3, [1, 9]),
        "idx-label-out-of-range": idx(1, 2, 2, [10]),
        "idx-empty": idx(0, 1, 1, []),
        "idx-short-header": bytes([0, 0, 0, 0, 8]) + struct.pack(">II", 0x803, 1),
        "events-two": bytes([1]) + record(event(0, file_version="brain.Event:2"))
        + record(event(10, [("loss", 0.5), ("accuracy", 0.75)])),
        "events-truncated": bytes([1]) + record(event(3, [("loss", 1.0)]))[:-3],
        "events-not-event": bytes([1]) + record(b"\xff\xff\xff"),
        "checkpoint-state": bytes([2]) + b'model_checkpoint_path: "model.ckpt-20"\n'
        b'all_model_checkpoint_paths: "model.ckpt-10"\n'
        b'all_model_checkpoint_paths: "model.ckpt-20"\n'
        b"all_model_checkpoint_timestamps: 1.5e9\nlast_preserved_timestamp: 1.4e9\n",
        "checkpoint-absolute": bytes([2]) + b'model_checkpoint_path: "/abs/model.ckpt-1"\n',
        "checkpoint-bad": bytes([2]) + b'model_checkpoint_path: "unterminated\n',
        "checkpoint-empty": bytes([2]),
        "tfrecord-examples": bytes([3]) + record(example([0.1, 0.2, 0.3, 0.4], 2))
        + record(example([1, 2, 3, 4], 0)),
        "tfrecord-bad-label": bytes([3]) + record(example([0, 0, 0, 0], 7)),
        "tfrecord-short-x": bytes([3]) + record(example([0.5], 1)),
    }
    for name, data in seeds.items():
        with open(os.path.join(OUT, "seed-" + name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
