#!/usr/bin/python3
"""array.py: golden cases for the array/shape kernel family and ParseExample.

Run from the source root with Debian's python3 (numpy, python3-protobuf):

    /usr/bin/python3 tests/ops/gen/array.py

It writes tests/ops/golden/array_<group>.h, one `static const struct g_case`
table per group (format and runner: tests/ops/golden/array_golden.h).

How expected values are made (independently of the C kernels):
  * shape/slice/join/gather ops: numpy (np.reshape, basic indexing with
    slices / np.newaxis / Ellipsis for StridedSlice, np.concatenate, np.tile,
    np.pad, np.take, np.transpose, np.argsort(kind="stable") for TopKV2, ...);
  * ParseExample/ParseExampleV2: the serialized tf.Example bytes are made (or
    hand-crafted at the wire level: unpacked lists, concatenated messages,
    repeated keys) and parsed back with the protobuf library compiled from
    proto/example.proto; the expected tensors follow TensorFlow's documented
    rules from that parsed message;
  * AsString: Python's % formatting, which follows the printf rules TF's
    kernel uses ("%g"-style default for floats, shortest, scientific, width,
    fill).
Cases are deterministic (fixed seeds), so re-running gives identical files.
"""
import importlib
import math
import os
import subprocess
import sys
import tempfile

import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
OUT = os.path.join(ROOT, "tests", "ops", "golden")

# DataType numbers (tensorflow/core/framework/types.proto).
DT_FLOAT, DT_DOUBLE, DT_INT32, DT_UINT8, DT_INT16, DT_INT8, DT_STRING = 1, 2, 3, 4, 5, 6, 7
DT_INT64, DT_BOOL, DT_UINT16, DT_HALF, DT_UINT32, DT_UINT64 = 9, 10, 17, 19, 22, 23
DT_BFLOAT16 = 14
NP2DT = {
    np.dtype(np.float32): DT_FLOAT, np.dtype(np.float64): DT_DOUBLE,
    np.dtype(np.int32): DT_INT32, np.dtype(np.uint8): DT_UINT8, np.dtype(np.int16): DT_INT16,
    np.dtype(np.int8): DT_INT8, np.dtype(np.int64): DT_INT64, np.dtype(np.bool_): DT_BOOL,
    np.dtype(np.uint16): DT_UINT16, np.dtype(np.float16): DT_HALF,
    np.dtype(np.uint32): DT_UINT32, np.dtype(np.uint64): DT_UINT64,
}
CTYPE = {
    DT_FLOAT: "float", DT_DOUBLE: "double", DT_INT32: "int32_t", DT_UINT8: "uint8_t",
    DT_INT16: "int16_t", DT_INT8: "int8_t", DT_INT64: "int64_t", DT_BOOL: "uint8_t",
    DT_UINT16: "uint16_t", DT_HALF: "uint16_t", DT_UINT32: "uint32_t", DT_UINT64: "uint64_t",
    DT_BFLOAT16: "uint16_t",
}
GA = dict(INT=0, FLOAT=1, BOOL=2, TYPE=3, STR=4, LIST_INT=5, LIST_TYPE=6, SHAPE=7, LIST_SHAPE=8)
INVALID_ARGUMENT, UNIMPLEMENTED = 3, 12


class S:
    """A string tensor: nested lists of bytes/str, or a flat list + shape."""

    def __init__(self, values, shape=None):
        arr = np.array(values, dtype=object)
        if shape is None:
            shape = arr.shape
        flat = [v.encode() if isinstance(v, str) else bytes(v) for v in arr.reshape(-1)]
        self.shape = tuple(int(d) for d in shape)
        self.flat = flat


def tensor(x):
    """(dtype, shape, flat values) from a numpy array or S."""
    if isinstance(x, S):
        return DT_STRING, x.shape, x.flat
    x = np.asarray(x)
    return NP2DT[x.dtype], tuple(int(d) for d in x.shape), x.reshape(-1)


class Case:
    def __init__(self, op, name, inputs, outputs=None, attrs=(), error=None,
                 code=INVALID_ARGUMENT, tol=0.0):
        self.op, self.name = op, name
        self.inputs = [tensor(t) for t in inputs]
        self.outputs = [tensor(t) for t in (outputs or [])]
        self.attrs = list(attrs)
        self.error, self.code, self.tol = error, code, tol


def c_str(b):
    out = []
    for ch in b:
        if 32 <= ch < 127 and ch not in (34, 92, 63):
            out.append(chr(ch))
        else:
            out.append("\\%03o" % ch)
    return '"' + "".join(out) + '"'


def c_num(dt, v):
    if dt in (DT_FLOAT, DT_DOUBLE):
        f = float(v)
        if math.isnan(f):
            return "NAN"
        if math.isinf(f):
            return "INFINITY" if f > 0 else "-INFINITY"
        return f.hex() + ("f" if dt == DT_FLOAT else "")
    if dt == DT_HALF:
        return str(int(np.float16(v).view(np.uint16)))
    if dt == DT_BOOL:
        return "1" if v else "0"
    if dt == DT_INT64:
        if int(v) == -2**63:
            return "INT64_MIN"
        return "INT64_C(%d)" % int(v)
    if dt == DT_UINT64:
        return "UINT64_C(%d)" % int(v)
    return str(int(v))


class Emitter:
    def __init__(self):
        self.lines = []
        self.n = 0

    def sym(self):
        self.n += 1
        return "g%d" % self.n

    def tensor_data(self, dt, flat):
        if len(flat) == 0:
            return "NULL"
        s = self.sym()
        if dt == DT_STRING:
            items = ", ".join("{%s, %d}" % (c_str(b), len(b)) for b in flat)
            self.lines.append("static const struct g_bytes %s[] = {%s};" % (s, items))
        else:
            items = ", ".join(c_num(dt, v) for v in flat)
            self.lines.append("static const %s %s[] = {%s};" % (CTYPE[dt], s, items))
        return s

    def tensors(self, ts):
        if not ts:
            return "NULL"
        parts = []
        for dt, shape, flat in ts:
            d = self.tensor_data(dt, flat)
            dims = ", ".join(str(x) for x in shape) or "0"
            parts.append("{%d, %d, {%s}, %s}" % (dt, len(shape), dims, d))
        s = self.sym()
        self.lines.append("static const struct g_tensor %s[] = {%s};" % (s, ", ".join(parts)))
        return s

    def i64s(self, vals):
        if not vals:
            return "NULL"
        s = self.sym()
        self.lines.append("static const int64_t %s[] = {%s};" %
                          (s, ", ".join(c_num(DT_INT64, v) for v in vals)))
        return s

    def attrs(self, attrs):
        if not attrs:
            return "NULL"
        parts = []
        for name, kind, val in attrs:
            k = GA[kind]
            i, f, s, n, v = 0, 0.0, "NULL", 0, "NULL"
            if kind in ("INT", "TYPE"):
                i = int(val)
            elif kind == "BOOL":
                i = 1 if val else 0
            elif kind == "FLOAT":
                f = float(val)
            elif kind == "STR":
                s = c_str(val.encode() if isinstance(val, str) else val)
            elif kind in ("LIST_INT", "LIST_TYPE"):
                n, v = len(val), self.i64s(list(val))
            elif kind == "SHAPE":
                if val is None:
                    i = -1
                else:
                    i, v = len(val), self.i64s(list(val))
            elif kind == "LIST_SHAPE":
                flat = []
                for sh in val:
                    if sh is None:
                        flat.append(-1)
                    else:
                        flat.append(len(sh))
                        flat.extend(sh)
                n, v = len(val), self.i64s(flat)
            parts.append('{"%s", %d, %d, %r, %s, %d, %s}' % (name, k, i, f, s, n, v))
        sym = self.sym()
        self.lines.append("static const struct g_attr %s[] = {%s};" % (sym, ", ".join(parts)))
        return sym

    def write(self, path, table, cases):
        rows = []
        for c in cases:
            a = self.attrs(c.attrs)
            i = self.tensors(c.inputs)
            o = self.tensors(c.outputs)
            err = c_str(c.error.encode()) if c.error else "NULL"
            rows.append('    {"%s", %s, %d, %s, %d, %s, %d, %s, %s, %d, %r},' %
                        (c.op, c_str(c.name.encode()), len(c.attrs), a, len(c.inputs), i,
                         len(c.outputs), o, err, c.code if c.error else 0, c.tol))
        guard = os.path.basename(path).upper().replace(".", "_")
        with open(path, "w") as fh:
            fh.write("/* %s: generated by tests/ops/gen/array.py; do not edit. */\n"
                     % os.path.relpath(path, ROOT))
            fh.write("#ifndef MD_GOLDEN_%s\n#define MD_GOLDEN_%s\n" % (guard, guard))
            fh.write('#include "tests/ops/golden/array_golden.h"\n\n')
            fh.write("\n".join(self.lines) + "\n\n")
            fh.write("static const struct g_case %s[] = {\n" % table)
            fh.write("\n".join(rows) + "\n};\n#endif\n")


def write(group, cases):
    e = Emitter()
    path = os.path.join(OUT, "array_%s.h" % group)
    e.write(path, "%s_cases" % group, cases)
    print("wrote %s (%d cases)" % (os.path.relpath(path, ROOT), len(cases)))


# --------------------------------------------------------------- ParseExample

def example_pb2():
    d = tempfile.mkdtemp()
    subprocess.check_call(["protoc", "--proto_path=" + os.path.join(ROOT, "proto"),
                           "--python_out=" + d, "example.proto"])
    sys.path.insert(0, d)
    return importlib.import_module("example_pb2")


def varint(n):
    n &= (1 << 64) - 1
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def ld(field, payload):
    return varint(field << 3 | 2) + varint(len(payload)) + payload


def unpacked_floats(vals):
    import struct
    return b"".join(varint(1 << 3 | 5) + struct.pack("<f", v) for v in vals)


def unpacked_ints(vals):
    return b"".join(varint(1 << 3 | 0) + varint(v) for v in vals)


def raw_example(entries):
    """entries: list of (key bytes, Feature bytes) -> Example bytes (one Features)."""
    feats = b"".join(ld(1, ld(1, k) + ld(2, v)) for k, v in entries)
    return ld(1, feats)


class Spec:
    """A ParseExample config: sparse (key, dtype), dense (key, dtype, shape, default), ragged."""

    def __init__(self, sparse=(), dense=(), ragged=()):
        self.sparse, self.dense, self.ragged = list(sparse), list(dense), list(ragged)


NPT = {DT_FLOAT: np.float32, DT_INT64: np.int64, DT_INT32: np.int32}


def feature_values(pb, feat, dt):
    """Values of a parsed Feature as a python list, or None if its kind differs / unset."""
    kind = feat.WhichOneof("kind")
    want = {DT_STRING: "bytes_list", DT_FLOAT: "float_list", DT_INT64: "int64_list"}[dt]
    if kind is None:
        return "unset"
    if kind != want:
        return None
    return list(getattr(feat, kind).value)


def arr(dt, flat, shape):
    if dt == DT_STRING:
        return S(list(flat), shape)
    return np.array(flat, dtype=NPT[dt]).reshape(shape)


def expected_parse(pb, spec, sers, scalar=False):
    """TensorFlow's ParseExample outputs for the serialized batch, from protobuf parsing."""
    exs = []
    for s in sers:
        m = pb.Example()
        m.ParseFromString(s)
        exs.append(m.features.feature)
    B = len(sers)
    outs_idx, outs_val, outs_shape = [], [], []
    for key, dt in spec.sparse:
        idx, vals, most = [], [], 0
        for e, fm in enumerate(exs):
            v = feature_values(pb, fm[key], dt) if key in fm else []
            v = [] if v == "unset" else v
            assert v is not None
            for i, x in enumerate(v):
                idx.extend([i] if scalar else [e, i])
                vals.append(x)
            most = max(most, len(v))
        outs_idx.append(np.array(idx, np.int64).reshape(-1, 1 if scalar else 2))
        outs_val.append(arr(dt, vals, (len(vals),)))
        outs_shape.append(np.array([most] if scalar else [B, most], np.int64))
    dense = []
    for key, dt, shape, default in spec.dense:
        if shape and shape[0] == -1:
            stride = int(np.prod(shape[1:]))
            rows = []
            for fm in exs:
                v = feature_values(pb, fm[key], dt) if key in fm else []
                v = [] if v == "unset" else v
                rows.append(v)
            most = max([len(r) // stride for r in rows] + [0])
            flat = []
            for r in rows:
                flat.extend(r + [default[0]] * (most * stride - len(r)))
            out_shape = ([] if scalar else [B]) + [most] + list(shape[1:])
            dense.append(arr(dt, flat, out_shape))
            continue
        flat = []
        for fm in exs:
            v = feature_values(pb, fm[key], dt) if key in fm else "unset"
            if v == "unset":
                v = list(default)
            flat.extend(v)
        dense.append(arr(dt, flat, ([] if scalar else [B]) + list(shape)))
    rvals, rsplits = [], []
    for key, dt, st in spec.ragged:
        vals, splits = [], [0]
        for fm in exs:
            v = feature_values(pb, fm[key], dt) if key in fm else []
            v = [] if v == "unset" else v
            vals.extend(v)
            splits.append(len(vals))
        rvals.append(arr(dt, vals, (len(vals),)))
        rsplits.append(np.array(splits, np.int32 if st == DT_INT32 else np.int64))
    return outs_idx + outs_val + outs_shape + dense + rvals + rsplits


def pe_case(pb, name, spec, sers, version=1, scalar=False, names=None, error=None, outputs=None,
            defaults_override=None):
    ser = S(sers[0]) if scalar else S(list(sers), (len(sers),))
    if scalar:
        ser = S([sers[0]], ())
    nm = S(names, (len(names),)) if names else S([], (0,))
    defaults = []
    for key, dt, shape, default in spec.dense:
        if default is None:
            defaults.append(arr(dt, [], (0,)))
        elif shape and shape[0] == -1:
            defaults.append(arr(dt, default, ()))
        else:
            defaults.append(arr(dt, default, shape))
    if defaults_override:
        for i, t in defaults_override.items():
            defaults[i] = t
    shapes = [list(sh) for _, _, sh, _ in spec.dense]
    if version == 1:
        inputs = [ser, nm] + [S(k, ()) for k, _ in spec.sparse] + \
                 [S(k, ()) for k, _, _, _ in spec.dense] + defaults
        attrs = [("Nsparse", "INT", len(spec.sparse)), ("Ndense", "INT", len(spec.dense)),
                 ("sparse_types", "LIST_TYPE", [t for _, t in spec.sparse]),
                 ("Tdense", "LIST_TYPE", [t for _, t, _, _ in spec.dense]),
                 ("dense_shapes", "LIST_SHAPE", shapes)]
        op = "ParseExample"
    else:
        inputs = [ser, nm, S([k for k, _ in spec.sparse], (len(spec.sparse),)),
                  S([k for k, _, _, _ in spec.dense], (len(spec.dense),)),
                  S([k for k, _, _ in spec.ragged], (len(spec.ragged),))] + defaults
        attrs = [("num_sparse", "INT", len(spec.sparse)),
                 ("sparse_types", "LIST_TYPE", [t for _, t in spec.sparse]),
                 ("Tdense", "LIST_TYPE", [t for _, t, _, _ in spec.dense]),
                 ("dense_shapes", "LIST_SHAPE", shapes),
                 ("ragged_value_types", "LIST_TYPE", [t for _, t, _ in spec.ragged]),
                 ("ragged_split_types", "LIST_TYPE", [s for _, _, s in spec.ragged])]
        op = "ParseExampleV2"
    if error is None and outputs is None:
        outputs = expected_parse(pb, spec, sers, scalar)
    return Case(op, name, inputs, outputs, attrs, error=error)


def make_example(pb, feats):
    m = pb.Example()
    for k, v in feats.items():
        f = m.features.feature[k]
        if isinstance(v, tuple) and v[0] == "unset":
            f.SetInParent()
            continue
        if not isinstance(v, list):
            v = [v]
        if v and isinstance(v[0], (bytes, str)):
            f.bytes_list.value.extend([x.encode() if isinstance(x, str) else x for x in v])
        elif v and isinstance(v[0], float):
            f.float_list.value.extend(v)
        elif v and isinstance(v[0], int):
            f.int64_list.value.extend(v)
        else:
            f.float_list.SetInParent()
    return m.SerializeToString(deterministic=True)  # map entries sorted by key


def parse_example_cases():
    pb = example_pb2()
    ex = lambda **kw: make_example(pb, kw)
    cases = []
    hp2 = Spec(dense=[("x", DT_FLOAT, [1], None), ("x2", DT_FLOAT, [1], [0.0])])
    batch = [ex(x=2.0), ex(x=3.0, x2=5.0),
             ex(x=80.0, locale="pt_BR", age=19.0)]
    cases.append(pe_case(pb, "half_plus_two", hp2, batch))
    cases.append(pe_case(pb, "half_plus_two_v2", hp2, batch, version=2))
    iris = Spec(dense=[(k, DT_FLOAT, [1], None)
                       for k in ("SepalLength", "SepalWidth", "PetalLength", "PetalWidth")])
    rng = np.random.RandomState(7)
    rows = [ex(SepalLength=float(np.float32(rng.uniform(4, 8))),
               SepalWidth=float(np.float32(rng.uniform(2, 4.5))),
               PetalLength=float(np.float32(rng.uniform(1, 7))),
               PetalWidth=float(np.float32(rng.uniform(0.1, 2.5)))) for _ in range(40)]
    cases.append(pe_case(pb, "iris_batch40", iris, rows))
    cases.append(pe_case(pb, "empty_batch", hp2, []))

    mixed = Spec(sparse=[("ids", DT_INT64), ("tags", DT_STRING), ("w", DT_FLOAT)],
                 dense=[("pair", DT_INT64, [2], [7, 8]), ("label", DT_STRING, [], [b"none"]),
                        ("seq", DT_FLOAT, [-1, 2], [-1.0]), ("m", DT_FLOAT, [2, 2], [0.5] * 4)])
    mb = [ex(ids=[1, -5, 1 << 40], tags=["a", "bc"], pair=[1, 2], label="cat",
             seq=[1.0, 2.0, 3.0, 4.0], m=[1.0, 2.0, 3.0, 4.0], w=[0.25]),
          ex(),
          ex(ids=[3], seq=[9.0, 8.0], label=b"\x00\xffbin"),
          ex(tags=["x", "y", "z", ""], pair=[-1, -(1 << 62)], w=("unset",))]
    cases.append(pe_case(pb, "mixed", mixed, mb))
    cases.append(pe_case(pb, "mixed_v2", mixed, mb, version=2))
    cases.append(pe_case(pb, "mixed_v2_scalar", mixed, [mb[0]], version=2, scalar=True))
    rag = Spec(sparse=[("ids", DT_INT64)], dense=[("label", DT_STRING, [], [b"?"])],
               ragged=[("r", DT_FLOAT, DT_INT64), ("s", DT_STRING, DT_INT32)])
    rb = [ex(r=[1.0, 2.0], s=["p"]), ex(ids=[4]), ex(r=[3.0], s=["q", "rr"], label="L")]
    cases.append(pe_case(pb, "ragged_v2", rag, rb, version=2))

    # Wire-level variants, checked against protobuf's own parsing.
    fl = lambda vals: ld(2, unpacked_floats(vals))        # Feature{float_list (unpacked)}
    il = lambda vals: ld(3, unpacked_ints(vals))          # Feature{int64_list (unpacked)}
    wire = Spec(sparse=[("i", DT_INT64)], dense=[("f", DT_FLOAT, [3], None)])
    w1 = raw_example([(b"f", fl([1.5, 2.5, 3.5])), (b"i", il([5, 6]))])
    # repeated key: the last map entry wins; an earlier entry may be malformed-free garbage
    w2 = raw_example([(b"f", fl([9.0, 9.0, 9.0])), (b"i", il([1])), (b"f", fl([4.0, 5.0, 6.0]))])
    # two concatenated Examples merge; unknown fields (field 7 varint, field 9 LEN) are skipped
    w3 = raw_example([(b"f", fl([7.0, 8.0, 9.0]))]) + varint(7 << 3) + varint(300) + \
        ld(9, b"junk") + raw_example([(b"i", il([-3]))])
    # value list split over two float_list fields of one Feature (protobuf merges them);
    # packed + unpacked mixed in one list; value before key inside the map entry
    f_split = ld(2, unpacked_floats([1.0])) + ld(2, ld(1, np.array([2.0, 3.0], "<f4").tobytes()))
    w4 = ld(1, ld(1, ld(2, f_split) + ld(1, b"f")) + ld(1, ld(1, b"i") + ld(2, il([]))))
    # kind switch inside a Feature: an int64_list then a float_list -> float_list wins
    w5 = raw_example([(b"f", ld(3, unpacked_ints([1, 2, 3])) + fl([0.5, 0.25, 0.125]))])
    cases.append(pe_case(pb, "wire_variants", wire, [w1, w2, w3, w4, w5]))

    # Errors (TensorFlow's wording).
    cases.append(pe_case(pb, "missing_required", hp2, [ex(x=1.0), ex(x2=1.0)],
                         names=["first", "second"],
                         error="Name: second, Feature: x (data type: float) is required but "
                               "could not be found."))
    cases.append(pe_case(pb, "missing_required_v2", hp2, [ex(x2=1.0)], version=2,
                         error="Feature: x (data type: float) is required but could not be found."))
    cases.append(pe_case(pb, "wrong_type", hp2, [ex(x=[3])],
                         error="Key: x, Index: 0.  Data types don't match. Data type: int64 but "
                               "expected type: float"))
    cases.append(pe_case(pb, "wrong_count", hp2, [ex(x=1.0), ex(x=[1.0, 2.0])],
                         error="Key: x, Index: 1.  Number of float values != expected.  "
                               "Values size: 2 but output shape: [1]"))
    cases.append(pe_case(pb, "sparse_wrong_type", mixed, [ex(ids=["a"], seq=[1.0, 2.0])],
                         error="Data types don't match. Expected type: int64, Actual type: string"))
    cases.append(pe_case(pb, "varlen_not_multiple", mixed, [ex(seq=[1.0, 2.0, 3.0])],
                         error="Number of float values is not a multiple of stride length. "
                               "Saw 3 values"))
    for nm, bad in [("truncated", ex(x=2.0)[:-2]), ("bad_varint", b"\x0a\xff\xff\xff\xff\xff"
                                                                   b"\xff\xff\xff\xff\xff\x01"),
                    ("group_wire_type", b"\x0b\x0c"), ("len_past_end", b"\x0a\x7f\x0a")]:
        cases.append(pe_case(pb, nm, hp2, [bad], error="Could not parse example input"))
    bad_floats = raw_example([(b"x", ld(2, ld(1, b"\x00\x00\x80")))])  # packed, 3 bytes
    cases.append(pe_case(pb, "packed_float_bad_length", hp2, [bad_floats],
                         error="Key: x, Index: 0.  Can't parse serialized Example."))
    cases.append(pe_case(pb, "default_wrong_shape", hp2, [ex(x=1.0)],
                         defaults_override={1: np.zeros(3, np.float32)},
                         error="def_value[1].shape() == [3] is not compatible"))
    cases.append(pe_case(pb, "default_wrong_dtype", hp2, [ex(x=1.0)],
                         defaults_override={1: np.zeros(1, np.float64)},
                         error="dense_defaults[1].dtype() == double != dense_types_[1] == float"))
    c = pe_case(pb, "serialized_matrix", hp2, [ex(x=1.0)])
    c.inputs[0] = tensor(S([[ex(x=1.0)]], (1, 1)))
    c.outputs, c.error = [], "Expected serialized to be a vector, got shape: [1,1]"
    cases.append(c)
    c = pe_case(pb, "serialized_not_string", hp2, [ex(x=1.0)])
    c.inputs[0] = tensor(np.zeros(1, np.float32))
    c.outputs, c.error = [], "serialized must be string, got float"
    cases.append(c)
    c = pe_case(pb, "names_shape", hp2, [ex(x=1.0)], names=["a", "b"])
    c.outputs, c.error = [], "Expected names have the same shape as serialized"
    cases.append(c)
    c = pe_case(pb, "bad_tdense", Spec(dense=[("x", DT_INT32, [1], None)]), [ex(x=1.0)],
                error="type DT_INT32 not supported")
    c.inputs[-1] = tensor(np.zeros(0, np.int32))
    cases.append(c)
    c = pe_case(pb, "v2_key_count", hp2, [ex(x=1.0)], version=2,
                error="Expected len(dense_keys) == 2 but got: 1")
    c.inputs[3] = tensor(S(["x"], (1,)))
    cases.append(c)
    return cases


# ------------------------------------------------------------- shape group

def i32(x):
    return np.array(x, np.int32)


def i64(x):
    return np.array(x, np.int64)


def f32(x):
    return np.array(x, np.float32)


def rnd(shape, dt=np.float32, seed=0):
    r = np.random.RandomState(seed)
    if dt == "string":
        flat = [("s%d" % r.randint(0, 1000)).encode() for _ in range(int(np.prod(shape)))]
        return S(flat, shape)
    if np.dtype(dt) == np.bool_:
        return r.rand(*shape) > 0.5
    if np.issubdtype(np.dtype(dt), np.integer):
        return r.randint(-100, 100, size=shape).astype(dt)
    return r.uniform(-10, 10, size=shape).astype(dt)


def reshape_s(x, shape):
    if isinstance(x, S):
        return S(x.flat, shape)
    return np.asarray(x).reshape(shape)


def shape_cases():
    c = []
    x = rnd((2, 3, 4))
    for shp in ([4, 6], [-1], [2, -1, 2], [24, 1], [1, 2, 1, 12]):
        c.append(Case("Reshape", "f32_%s" % shp, [x, i32(shp)], [x.reshape(shp)]))
    c.append(Case("Reshape", "i64_shape", [x, i64([3, 8])], [x.reshape(3, 8)]))
    c.append(Case("Reshape", "to_scalar", [f32([5]), i32(np.zeros(0))], [f32(5)]))
    c.append(Case("Reshape", "empty", [np.zeros((0, 3), np.float32), i32([3, 0])],
                  [np.zeros((3, 0), np.float32)]))
    sx = rnd((2, 3), "string", 1)
    c.append(Case("Reshape", "string", [sx, i32([3, 2])], [reshape_s(sx, (3, 2))]))
    c.append(Case("Reshape", "bool", [rnd((4,), np.bool_, 2), i32([2, 2])],
                  [rnd((4,), np.bool_, 2).reshape(2, 2)]))
    c.append(Case("Reshape", "bad_size", [x, i32([5, 5])],
                  error="Input to reshape is a tensor with 24 values, but the requested shape "
                        "has 25"))
    c.append(Case("Reshape", "bad_multiple", [x, i32([-1, 5])],
                  error="requested shape requires a multiple of 5"))
    c.append(Case("Reshape", "two_unknown", [x, i32([-1, -1])],
                  error="Only one input size may be -1, not both 0 and 1"))
    c.append(Case("Reshape", "negative", [x, i32([-2, 12])],
                  error="Size 0 must be non-negative, not -2"))
    c.append(Case("Reshape", "empty_infer", [np.zeros((0, 3), np.float32), i32([0, -1])],
                  error="Reshape cannot infer the missing input size for an empty tensor"))
    c.append(Case("Reshape", "shape_float", [x, f32([24])],
                  error="shape must be int32 or int64, got float"))
    c.append(Case("Reshape", "shape_matrix", [x, i32([[24]])],
                  error="shape must be a vector, got shape [1,1]"))

    y = rnd((1, 3, 1, 2))
    for dims in ([], [0], [-2], [0, 2]):
        c.append(Case("Squeeze", "dims_%s" % dims, [y], [np.squeeze(y, tuple(dims) or None)],
                      attrs=[("squeeze_dims", "LIST_INT", dims)]))
    c.append(Case("Squeeze", "scalar", [f32(1)], [f32(1)]))
    c.append(Case("Squeeze", "string", [S([b"a", b"b"], (2, 1))], [S([b"a", b"b"], (2,))]))
    c.append(Case("Squeeze", "not_one", [y], attrs=[("squeeze_dims", "LIST_INT", [1])],
                  error="Can not squeeze dim[1], expected a dimension of 1, got 3"))
    c.append(Case("Squeeze", "out_of_range", [y], attrs=[("squeeze_dims", "LIST_INT", [4])],
                  error="Tried to squeeze dim index 4 for tensor with 4 dimensions."))

    z = rnd((2, 3))
    for d in (0, 1, 2, -1, -3):
        c.append(Case("ExpandDims", "dim_%d" % d, [z, i32(d)], [np.expand_dims(z, d)]))
    c.append(Case("ExpandDims", "dim_i64_vec1", [z, i64([1])], [np.expand_dims(z, 1)]))
    c.append(Case("ExpandDims", "scalar", [f32(3), i32(0)], [f32([3])]))
    c.append(Case("ExpandDims", "string", [S([b"x", b"yz", b""], (3,)), i32(-1)],
                  [S([b"x", b"yz", b""], (3, 1))]))
    c.append(Case("ExpandDims", "out_of_range", [z, i32(3)],
                  error="Tried to expand dim index 3 for tensor with 2 dimensions."))
    c.append(Case("ExpandDims", "out_of_range_neg", [z, i32(-4)],
                  error="Tried to expand dim index -4 for tensor with 2 dimensions."))
    c.append(Case("ExpandDims", "dim_not_scalar", [z, i32([0, 1])], error="must be a scalar"))

    for t, name in ((np.int32, "int32"), (np.int64, "int64")):
        dt = NP2DT[np.dtype(t)]
        c.append(Case("Shape", name, [x], [np.array(x.shape, t)],
                      attrs=[("out_type", "TYPE", dt)]))
        c.append(Case("Size", name, [x], [np.array(x.size, t)],
                      attrs=[("out_type", "TYPE", dt)]))
        c.append(Case("ShapeN", name, [x, f32(1), np.zeros((0, 5), np.int8)],
                      [np.array(x.shape, t), np.zeros(0, t), np.array([0, 5], t)],
                      attrs=[("N", "INT", 3), ("out_type", "TYPE", dt)]))
    c.append(Case("Shape", "default_int32_scalar", [f32(1)], [np.zeros(0, np.int32)]))
    c.append(Case("Shape", "string_input", [sx], [i32([2, 3])]))
    c.append(Case("Shape", "bad_out_type", [x], attrs=[("out_type", "TYPE", DT_FLOAT)],
                  error="attr 'out_type' must be int32 or int64"))
    c.append(Case("Size", "empty", [np.zeros((3, 0))], [i32(0)]))
    c.append(Case("Rank", "rank3", [x], [i32(3)]))
    c.append(Case("Rank", "scalar", [S([b"s"], ())], [i32(0)]))

    c.append(Case("Fill", "f32", [i32([2, 3]), f32(1.5)], [np.full((2, 3), 1.5, np.float32)]))
    c.append(Case("Fill", "i64_dims_i64", [i64([4]), i64(-7)], [np.full((4,), -7, np.int64)]))
    c.append(Case("Fill", "scalar_out", [i32(np.zeros(0)), i32(9)], [i32(9)]))
    c.append(Case("Fill", "empty", [i32([0, 2]), f32(1)], [np.zeros((0, 2), np.float32)]))
    c.append(Case("Fill", "string", [i32([2]), S([b"ab"], ())], [S([b"ab", b"ab"], (2,))]))
    c.append(Case("Fill", "bool", [i32([3]), np.array(True)], [np.ones(3, np.bool_)]))
    c.append(Case("Fill", "value_not_scalar", [i32([2]), f32([1, 2])],
                  error="value must be a scalar"))
    c.append(Case("Fill", "negative_dim", [i32([2, -1]), f32(1)],
                  error="dims[1] must be non-negative"))

    for dt in (np.float32, np.float64, np.int32, np.int64, np.int8, np.uint8, np.bool_,
               np.float16, np.int16, np.uint16):
        v = rnd((2, 2), dt, 3)
        c.append(Case("ZerosLike", np.dtype(dt).name, [v], [np.zeros_like(v)]))
        c.append(Case("OnesLike", np.dtype(dt).name, [v], [np.ones_like(v)]))
    c.append(Case("ZerosLike", "string", [sx], [S([b""] * 6, (2, 3))]))
    c.append(Case("ZerosLike", "empty", [np.zeros((0,), np.float32)], [np.zeros((0,), np.float32)]))
    c.append(Case("OnesLike", "string", [sx], error="dtype DT_STRING not supported",
                  code=UNIMPLEMENTED))

    for args, dt in (((0, 5, 1), np.int32), ((3, 18, 4), np.int32), ((10, 1, -3), np.int64),
                     ((-5, 5, 2), np.int64), ((4, 4, 1), np.int32), ((0, 1, 3), np.int32),
                     ((2**40, 2**40 + 3, 1), np.int64)):
        c.append(Case("Range", "%s_%d_%d_%d" % ((np.dtype(dt).name,) + args),
                      [np.array(a, dt) for a in args], [np.arange(*args, dtype=dt)]))
    for args, dt in (((0.0, 1.0, 0.1), np.float32), ((1.5, -2.0, -0.5), np.float32),
                     ((0.0, 1.0, 0.1), np.float64), ((-1.0, 2.0, 0.3), np.float64)):
        st_, li, de = (dt(a) for a in args)
        n = int(np.ceil(np.abs((li - st_) / de)))
        vals, v = [], st_
        for _ in range(n):  # TensorFlow accumulates: v += delta
            vals.append(v)
            v = dt(v + de)
        c.append(Case("Range", "%s_%g_%g_%g" % ((np.dtype(dt).name,) + args),
                      [np.array(a, dt) for a in args], [np.array(vals, dt)]))
    c.append(Case("Range", "vec1_inputs", [i32([1]), i32([4]), i32([1])], [i32([1, 2, 3])]))
    c.append(Case("Range", "zero_delta", [i32(0), i32(5), i32(0)],
                  error="Requires delta != 0: 0"))
    c.append(Case("Range", "wrong_direction", [i32(5), i32(1), i32(1)],
                  error="Requires start <= limit when delta > 0: 5/1"))
    c.append(Case("Range", "wrong_direction_neg", [f32(1), f32(5), f32(-1)],
                  error="Requires start >= limit when delta < 0: 1/5"))
    c.append(Case("Range", "not_scalar", [i32([0, 1]), i32(5), i32(1)],
                  error="start must be a scalar"))
    c.append(Case("Range", "string", [S([b"a"], ()), S([b"b"], ()), S([b"c"], ())],
                  error="dtype DT_STRING not supported", code=UNIMPLEMENTED))
    return c


# ------------------------------------------------------------- slice group

def strided_slice_ref(x, begin, end, strides, bm, em, elm, nam, sam):
    """numpy basic indexing built from TensorFlow's StridedSlice spec."""
    idx = []
    for i in range(len(begin)):
        if elm >> i & 1:
            idx.append(Ellipsis)
        elif nam >> i & 1:
            idx.append(np.newaxis)
        elif sam >> i & 1:
            idx.append(int(begin[i]))
        else:
            idx.append(slice(None if bm >> i & 1 else int(begin[i]),
                             None if em >> i & 1 else int(end[i]), int(strides[i])))
    return x[tuple(idx)]


def ss_case(name, x, begin, end, strides, bm=0, em=0, elm=0, nam=0, sam=0, dt=np.int32,
            error=None):
    attrs = [("begin_mask", "INT", bm), ("end_mask", "INT", em), ("ellipsis_mask", "INT", elm),
             ("new_axis_mask", "INT", nam), ("shrink_axis_mask", "INT", sam),
             ("Index", "TYPE", NP2DT[np.dtype(dt)])]
    ins = [x, np.array(begin, dt), np.array(end, dt), np.array(strides, dt)]
    if error:
        return Case("StridedSlice", name, ins, attrs=attrs, error=error)
    if isinstance(x, S):
        arr_ = np.array(x.flat, dtype=object).reshape(x.shape)
        y = strided_slice_ref(arr_, begin, end, strides, bm, em, elm, nam, sam)
        out = S(list(np.asarray(y, dtype=object).reshape(-1)), np.shape(y))
    else:
        out = np.array(strided_slice_ref(x, begin, end, strides, bm, em, elm, nam, sam))
    return Case("StridedSlice", name, ins, [out], attrs=attrs)


def slice_cases():
    c = []
    x = rnd((4, 5, 6), np.float32, 11)
    for b, sz in (([0, 0, 0], [4, 5, 6]), ([1, 2, 3], [2, 2, 2]), ([3, 0, 5], [1, -1, 1]),
                  ([0, 4, 0], [-1, 1, -1]), ([2, 2, 2], [0, 3, 1]), ([4, 5, 6], [0, 0, 0])):
        end = [x.shape[i] if sz[i] == -1 else b[i] + sz[i] for i in range(3)]
        y = x[b[0]:end[0], b[1]:end[1], b[2]:end[2]]
        c.append(Case("Slice", "f32_%s_%s" % (b, sz), [x, i32(b), i32(sz)], [y]))
    c.append(Case("Slice", "i64_index", [x, i64([1, 1, 1]), i64([1, 1, 1])], [x[1:2, 1:2, 1:2]]))
    sx = rnd((3, 4), "string", 12)
    sarr = np.array(sx.flat, dtype=object).reshape(3, 4)
    c.append(Case("Slice", "string", [sx, i32([1, 1]), i32([2, 2])],
                  [S(list(sarr[1:3, 1:3].reshape(-1)), (2, 2))]))
    c.append(Case("Slice", "scalar", [f32(2), i32(np.zeros(0)), i32(np.zeros(0))], [f32(2)]))
    c.append(Case("Slice", "begin_out_of_range", [x, i32([5, 0, 0]), i32([1, 1, 1])],
                  error="Expected begin[0] in [0, 4], but got 5"))
    c.append(Case("Slice", "size_out_of_range", [x, i32([1, 0, 0]), i32([4, 1, 1])],
                  error="Expected size[0] in [0, 3], but got 4"))
    c.append(Case("Slice", "negative_begin", [x, i32([0, -1, 0]), i32([1, 1, 1])],
                  error="Expected begin[1] in [0, 5], but got -1"))
    c.append(Case("Slice", "rank_mismatch", [x, i32([0, 0]), i32([1, 1])],
                  error="Expected begin and size arguments to be 1-D tensors of size 3"))

    # StridedSlice: hand-picked cases, then random specs checked against numpy.
    v = np.arange(10, dtype=np.int32)
    c.append(ss_case("rev_all", v, [0], [0], [-1], bm=1, em=1))
    c.append(ss_case("rev_part", v, [7], [2], [-2]))
    c.append(ss_case("neg_index", v, [-3], [-1], [1]))
    c.append(ss_case("clamp", v, [-100], [100], [3]))
    c.append(ss_case("clamp_rev", v, [100], [-100], [-3]))
    c.append(ss_case("empty_range", v, [5], [2], [1]))
    c.append(ss_case("shrink_last", v, [-1], [0], [1], sam=1))
    c.append(ss_case("shrink_with_begin_mask", v, [4], [0], [1], bm=1, sam=1))
    sh = np.array([6, 1], np.int32)
    c.append(ss_case("estimator_shape0", sh, [0], [1], [1], sam=1))
    m = rnd((3, 4, 5), np.float32, 13)
    c.append(ss_case("ellipsis_last", m, [0, 1], [0, 3], [1, 1], elm=1))
    c.append(ss_case("ellipsis_mid_newaxis", m, [1, 0, 0, 2], [2, 0, 0, 4], [1, 1, 1, 1],
                     elm=2, nam=4))
    c.append(ss_case("newaxis_first", m, [0, 0], [0, 2], [1, 1], nam=1))
    c.append(ss_case("all_newaxis", v, [0, 0, 0], [0, 0, 0], [1, 1, 1], nam=5, bm=2, em=2))
    c.append(ss_case("shrink_all", m, [2, -1, 0], [0, 0, 0], [1, 1, 1], sam=7))
    c.append(ss_case("int64_index", m, [0, 3], [3, 0], [2, -1], dt=np.int64))
    c.append(ss_case("string", S([b"a", b"bb", b"", b"dddd", b"e"], (5,)), [1], [5], [2]))
    c.append(ss_case("bool_rev", np.array([True, False, False]), [0], [0], [-1], bm=1, em=1))
    c.append(ss_case("zero_dim_input", np.zeros((0, 3), np.float32), [0, 1], [0, 3], [1, 1],
                     bm=1, em=1))
    c.append(ss_case("zero_stride", v, [0], [5], [0], error="strides[0] must be non-zero"))
    c.append(ss_case("shrink_out_of_range", v, [10], [11], [1], sam=1,
                     error="slice index 10 of dimension 0 out of bounds."))
    c.append(ss_case("shrink_neg_stride", v, [1], [0], [-1], sam=1,
                     error="only stride 1 allowed on non-range indexing."))
    c.append(ss_case("two_ellipses", m, [0, 0], [0, 0], [1, 1], elm=3,
                     error="Multiple ellipses in slice spec not allowed"))
    c.append(ss_case("too_many_dims", v, [0, 0], [1, 1], [1, 1],
                     error="Index out of range using input dim 1; input has only 1 dims"))
    c.append(ss_case("length_mismatch", v, [0, 0], [1], [1],
                     error="Expected begin, end, and strides to be 1D equal size tensors"))

    rng = np.random.RandomState(2024)
    n_random = 0
    while n_random < 120:
        rank = rng.randint(1, 5)
        shape = tuple(rng.randint(0 if rng.rand() < 0.1 else 1, 6) for _ in range(rank))
        x = np.arange(int(np.prod(shape)), dtype=np.int32).reshape(shape)
        n = rng.randint(1, rank + 3)
        begin = rng.randint(-7, 8, size=n)
        end = rng.randint(-7, 8, size=n)
        strides = rng.choice([-3, -2, -1, 1, 1, 2, 3], size=n)
        bm, em, nam, sam = (int(rng.randint(0, 1 << n)) for _ in range(4))
        elm = (1 << int(rng.randint(0, n))) if rng.rand() < 0.4 else 0
        sam &= ~(nam | elm)
        nam &= ~elm
        # shrink needs an in-range index and a positive stride (else an error case)
        try:
            y = strided_slice_ref(x, begin, end, strides, bm, em, elm, nam, sam)
        except IndexError:
            continue
        if y.ndim > 8:  # MD_MAX_RANK
            continue
        bad = False
        for i in range(n):
            if sam >> i & 1 and strides[i] <= 0:
                bad = True
        if bad:
            continue
        c.append(ss_case("random_%d" % n_random, x, list(begin), list(end), list(strides),
                         bm, em, elm, nam, sam, dt=np.int64 if n_random % 3 == 0 else np.int32))
        n_random += 1
    return c


# -------------------------------------------------------------- join group

def sarr(x):
    """S -> numpy object array (for numpy reference ops on strings)."""
    return np.array(x.flat, dtype=object).reshape(x.shape)


def s_of(a):
    a = np.asarray(a, dtype=object)
    return S(list(a.reshape(-1)), a.shape)


def join_cases():
    c = []
    a, b, d = rnd((2, 3), np.float32, 21), rnd((2, 3), np.float32, 22), rnd((2, 3), np.float32, 23)
    for axis in (0, 1, 2, -1, -3):
        c.append(Case("Pack", "axis_%d" % axis, [a, b, d], [np.stack([a, b, d], axis)],
                      attrs=[("N", "INT", 3), ("axis", "INT", axis)]))
    c.append(Case("Pack", "scalars_int32", [i32(4), i32(3)], [i32([4, 3])],
                  attrs=[("N", "INT", 2), ("axis", "INT", 0)]))
    sa, sb = rnd((2,), "string", 24), rnd((2,), "string", 25)
    c.append(Case("Pack", "string", [sa, sb], [s_of(np.stack([sarr(sa), sarr(sb)], 1))],
                  attrs=[("N", "INT", 2), ("axis", "INT", 1)]))
    c.append(Case("Pack", "empty", [np.zeros((0, 2), np.float32)] * 2,
                  [np.zeros((2, 0, 2), np.float32)], attrs=[("N", "INT", 2)]))
    c.append(Case("Pack", "shape_mismatch", [a, rnd((3, 2))], attrs=[("N", "INT", 2)],
                  error="Shapes of all inputs must match"))
    c.append(Case("Pack", "axis_out_of_range", [a, b], attrs=[("N", "INT", 2), ("axis", "INT", 3)],
                  error="Expected axis in the range [-3, 3), but got 3"))

    x = rnd((3, 4, 2), np.float32, 26)
    for axis in (0, 1, -1):
        outs = [np.take(x, i, axis) for i in range(x.shape[axis])]
        c.append(Case("Unpack", "axis_%d" % axis, [x], outs,
                      attrs=[("num", "INT", x.shape[axis]), ("axis", "INT", axis)]))
    c.append(Case("Unpack", "string", [sa], [s_of(sarr(sa)[0:1].reshape(())),
                                             s_of(sarr(sa)[1:2].reshape(()))],
                  attrs=[("num", "INT", 2)]))
    c.append(Case("Unpack", "wrong_num", [x], attrs=[("num", "INT", 4)],
                  error="Input shape axis 0 must equal 4"))

    p_, q = rnd((2, 3), np.int32, 27), rnd((2, 5), np.int32, 28)
    c.append(Case("ConcatV2", "axis1", [p_, q, i32(1)], [np.concatenate([p_, q], 1)],
                  attrs=[("N", "INT", 2)]))
    c.append(Case("ConcatV2", "axis_neg1_i64", [p_, q, i64(-1)], [np.concatenate([p_, q], 1)],
                  attrs=[("N", "INT", 2)]))
    c.append(Case("ConcatV2", "axis0_three", [a, b, d, i32(0)], [np.concatenate([a, b, d], 0)],
                  attrs=[("N", "INT", 3)]))
    c.append(Case("ConcatV2", "one_input", [a, i32(0)], [a], attrs=[("N", "INT", 1)]))
    c.append(Case("ConcatV2", "with_empty", [np.zeros((2, 0), np.float32), a, i32(1)], [a],
                  attrs=[("N", "INT", 2)]))
    c.append(Case("ConcatV2", "string", [sa, sb, i32(0)],
                  [s_of(np.concatenate([sarr(sa), sarr(sb)]))], attrs=[("N", "INT", 2)]))
    c.append(Case("ConcatV2", "mismatch", [p_, q, i32(0)], attrs=[("N", "INT", 2)],
                  error="ConcatOp : Dimension 1 in both shapes must be equal: shape[0] = [2,3] "
                        "vs. shape[1] = [2,5]"))
    c.append(Case("ConcatV2", "rank_mismatch", [p_, i32([1, 2]), i32(0)],
                  attrs=[("N", "INT", 2)], error="Ranks of all input tensors should match"))
    c.append(Case("ConcatV2", "scalars", [i32(1), i32(2), i32(0)], attrs=[("N", "INT", 2)],
                  error="Can't concatenate scalars (use tf.stack instead)"))
    c.append(Case("ConcatV2", "axis_out_of_range", [p_, p_, i32(2)], attrs=[("N", "INT", 2)],
                  error="Expected concat dimension in the range [-2, 2), but got 2"))
    c.append(Case("ConcatV2", "dtype_mismatch", [p_, a, i32(0)], attrs=[("N", "INT", 2)],
                  error="input 1 has dtype float, input 0 has int32"))

    y = rnd((4, 6), np.float32, 29)
    c.append(Case("Split", "axis1_3", [i32(1), y], np.split(y, 3, 1),
                  attrs=[("num_split", "INT", 3)]))
    c.append(Case("Split", "axis_neg2_2", [i32(-2), y], np.split(y, 2, 0),
                  attrs=[("num_split", "INT", 2)]))
    c.append(Case("Split", "uneven", [i32(1), y], attrs=[("num_split", "INT", 4)],
                  error="Number of ways to split should evenly divide the split dimension, but "
                        "got split_dim 1 (size = 6) and num_split 4"))
    c.append(Case("SplitV", "sizes", [y, i32([1, 2, 3]), i32(1)], np.split(y, [1, 3], 1),
                  attrs=[("num_split", "INT", 3)]))
    c.append(Case("SplitV", "minus_one_i64", [y, i64([-1, 1]), i32(0)], np.split(y, [3], 0),
                  attrs=[("num_split", "INT", 2)]))
    c.append(Case("SplitV", "zero_part", [y, i32([0, 6]), i32(1)],
                  [np.zeros((4, 0), np.float32), y], attrs=[("num_split", "INT", 2)]))
    c.append(Case("SplitV", "bad_sum", [y, i32([1, 2]), i32(1)], attrs=[("num_split", "INT", 2)],
                  error="Determined shape must either match input shape along split_dim exactly"))
    c.append(Case("SplitV", "two_unknown", [y, i32([-1, -1]), i32(1)],
                  attrs=[("num_split", "INT", 2)], error="There can only be one -1 in the input."))

    t = rnd((2, 3), np.float32, 30)
    for m in ([1, 1], [2, 3], [3, 1], [1, 0]):
        c.append(Case("Tile", "f32_%s" % m, [t, i32(m)], [np.tile(t, m)]))
    t3 = rnd((2, 1, 3), np.int64, 31)
    c.append(Case("Tile", "i64_rank3", [t3, i64([2, 4, 2])], [np.tile(t3, [2, 4, 2])]))
    iris = S([b"0", b"1", b"2"], (1, 3))
    c.append(Case("Tile", "estimator_classes", [iris, i32([4, 1])], [s_of(np.tile(sarr(iris), [4, 1]))]))
    c.append(Case("Tile", "scalar", [f32(2), i32(np.zeros(0))], [f32(2)]))
    c.append(Case("Tile", "wrong_len", [t, i32([2])],
                  error="Expected multiples argument to be a vector of length 2 but got length 1"))
    c.append(Case("Tile", "negative", [t, i32([1, -1])],
                  error="Expected multiples[1] >= 0, but got -1"))

    u = rnd((2, 3, 4), np.float32, 32)
    for perm in ([0, 1, 2], [2, 0, 1], [1, 0, 2], [2, 1, 0]):
        c.append(Case("Transpose", "perm_%s" % perm, [u, i32(perm)], [np.transpose(u, perm)]))
    c.append(Case("Transpose", "string_2d", [rnd((2, 3), "string", 33), i64([1, 0])],
                  [s_of(sarr(rnd((2, 3), "string", 33)).T)]))
    c.append(Case("Transpose", "not_perm", [u, i32([0, 0, 1])], error="not a permutation"))
    c.append(Case("Transpose", "wrong_len", [u, i32([1, 0])],
                  error="transpose expects a vector of size 3"))

    for axes in ([], [0], [1], [-1], [0, 2]):
        c.append(Case("ReverseV2", "axes_%s" % axes, [u, i32(axes)],
                      [np.flip(u, axes) if axes else u]))
    c.append(Case("ReverseV2", "string", [sa, i64([0])], [s_of(sarr(sa)[::-1])]))
    c.append(Case("ReverseV2", "dup", [u, i32([0, -3])], error="axis 0 specified more than once."))
    return c


# ------------------------------------------------------------ string group

def as_string_ref(x, precision=-1, scientific=False, shortest=False, width=-1, fill=""):
    fmt = "%"
    if width > -1:
        fmt += fill + str(width)
    if precision > -1:
        fmt += "." + str(precision)
    x = np.asarray(x)
    if x.dtype == np.bool_:
        vals = [b"true" if v else b"false" for v in x.reshape(-1)]
    elif np.issubdtype(x.dtype, np.integer):
        vals = [((fmt + "d") % int(v)).encode() for v in x.reshape(-1)]
    else:
        conv = "g" if shortest else "e" if scientific else "f"
        vals = [((fmt + conv) % float(v)).encode() for v in x.reshape(-1)]
    return S(vals, x.shape)


def as_string_case(name, x, **kw):
    attrs = [("precision", "INT", kw.get("precision", -1)),
             ("scientific", "BOOL", kw.get("scientific", False)),
             ("shortest", "BOOL", kw.get("shortest", False)),
             ("width", "INT", kw.get("width", -1)), ("fill", "STR", kw.get("fill", "")),
             ("T", "TYPE", NP2DT[np.asarray(x).dtype])]
    return Case("AsString", name, [x], [as_string_ref(x, **kw)], attrs=attrs)


def string_cases():
    c = []
    fl = f32([0.5, 1, -2.25, 3.14159265, 1e10, 1e-7, 0, -0.0])
    c.append(as_string_case("float_default", fl))
    c.append(as_string_case("float_precision2", fl, precision=2))
    c.append(as_string_case("float_scientific", fl, scientific=True))
    c.append(as_string_case("float_shortest", fl, shortest=True))
    c.append(as_string_case("float_shortest_p3_w10", fl, shortest=True, precision=3, width=10))
    c.append(as_string_case("float_width_zero_fill", fl, width=12, fill="0", precision=3))
    c.append(as_string_case("float_width_left", fl, width=12, fill="-"))
    c.append(as_string_case("float_plus", fl, width=3, fill="+"))
    c.append(as_string_case("double", np.array([0.1, 2.5e300, -7.0]), precision=4))
    c.append(as_string_case("int32", i32([0, 1, -1, 2**31 - 1, -2**31])))
    c.append(as_string_case("int64", i64([0, 2**62, -2**63])))
    c.append(as_string_case("int64_width", i64([5, -5, 123456]), width=4, fill="0"))
    c.append(as_string_case("int8", np.array([-128, 127], np.int8), width=5, fill=" "))
    c.append(as_string_case("estimator_classes", i32([0, 1, 2])))
    c.append(as_string_case("bool", np.array([True, False])))
    c.append(as_string_case("empty", np.zeros((0, 3), np.float32)))
    c.append(as_string_case("matrix", i64([[1, 2], [3, 4]])))
    c.append(Case("AsString", "precision_int", [i32([1])],
                  attrs=[("precision", "INT", 2), ("T", "TYPE", DT_INT32)],
                  error="precision not supported for datatype int32"))
    c.append(Case("AsString", "both_notations", [f32([1])],
                  attrs=[("scientific", "BOOL", True), ("shortest", "BOOL", True),
                         ("T", "TYPE", DT_FLOAT)],
                  error="Cannot select both scientific and shortest notation"))
    c.append(Case("AsString", "long_fill", [f32([1])],
                  attrs=[("fill", "STR", "ab"), ("width", "INT", 4), ("T", "TYPE", DT_FLOAT)],
                  error="Fill string must be one or fewer characters"))
    c.append(Case("AsString", "bad_fill", [f32([1])],
                  attrs=[("fill", "STR", "x"), ("width", "INT", 4), ("T", "TYPE", DT_FLOAT)],
                  error="Fill argument not supported"))
    c.append(Case("AsString", "uint16", [np.zeros(2, np.float16).view(np.uint16)
                                              .astype(np.uint16)],
                  [as_string_ref(np.zeros(2, np.uint16))], attrs=[("T", "TYPE", DT_UINT16)]))

    yes, no = np.array(True), np.array(False)
    c.append(Case("Assert", "true", [yes, i32([1, 2])], [], attrs=[("summarize", "INT", 3)]))
    c.append(Case("Assert", "estimator_shape", [no, i32([5, 3])],
                  attrs=[("summarize", "INT", 3)], error="assertion failed: [5 3]"))
    c.append(Case("Assert", "message_and_values",
                  [no, S([b"Condition x == y did not hold element-wise:"], ()),
                   S([b"x (dnn/head/labels:0) = "], ()), i64([1, 2, 3, 4, 5])],
                  attrs=[("summarize", "INT", 3)],
                  error="assertion failed: [Condition x == y did not hold element-wise:] "
                        "[x (dnn/head/labels:0) = ] [1 2 3...]"))
    c.append(Case("Assert", "matrix_summarize", [no, i32([[1, 2], [3, 4]])],
                  attrs=[("summarize", "INT", 3)], error="assertion failed: [[1 2][3...]...]"))
    c.append(Case("Assert", "floats", [no, f32([0.1, 2.5, 1e-8])],
                  attrs=[("summarize", "INT", 10)], error="assertion failed: [0.1 2.5 1e-08]"))
    c.append(Case("Assert", "not_scalar", [np.array([True]), i32([1])],
                  error="In[0] should be a scalar bool"))
    c.append(Case("Assert", "float_condition", [f32(1), i32([1])],
                  error="In[0] should be a scalar bool: float []"))

    s1, s2 = S([b"a", b"b"], (2,)), S([b"x", b"y"], (2,))
    c.append(Case("StringJoin", "pair", [s1, s2], [S([b"ax", b"by"], (2,))],
                  attrs=[("N", "INT", 2), ("separator", "STR", "")]))
    c.append(Case("StringJoin", "scalar_broadcast_sep", [S([b"model"], ()), s1, s2],
                  [S([b"model/a/x", b"model/b/y"], (2,))],
                  attrs=[("N", "INT", 3), ("separator", "STR", "/")]))
    c.append(Case("StringJoin", "scalars", [S([b"save"], ()), S([b"_temp"], ())],
                  [S([b"save_temp"], ())], attrs=[("N", "INT", 2)]))
    c.append(Case("StringJoin", "shape_mismatch", [s1, S([b"q"], (1,))],
                  attrs=[("N", "INT", 2)], error="Inputs must all have the same shape"))
    c.append(Case("StringJoin", "not_string", [s1, f32([1, 2])], attrs=[("N", "INT", 2)],
                  error="input 1 must be string, got float"))
    return c


# ------------------------------------------------------------ gather group

def gather_ref(params, indices, axis, batch_dims):
    """tf.gather semantics with batch_dims, built from np.take."""
    if batch_dims == 0:
        return np.take(params, indices, axis)
    return np.stack([gather_ref(p, i, axis - 1, batch_dims - 1)
                     for p, i in zip(params, indices)])


def topk_ref(x, k):
    # stable sort on -x: equal values keep the lower index first
    order = np.argsort(-x, axis=-1, kind="stable")[..., :k]
    return np.take_along_axis(x, order, -1), order.astype(np.int32)


def unique_ref(x):
    y, first, inv = [], {}, []
    for v in x.tolist():
        key = v
        if key not in first:
            first[key] = len(y)
            y.append(v)
        inv.append(first[key])
    return y, inv


def gather_cases():
    c = []
    p_ = rnd((5, 3, 2), np.float32, 41)
    for idx, axis in (([4, 0, 2, 2], 0), ([[0, 1], [2, 0]], 1), ([1], -1), (3, 0), ([], 0)):
        ind = i32(idx) if np.ndim(idx) else i32(idx)
        c.append(Case("GatherV2", "axis%d_%s" % (axis, np.shape(idx)), [p_, ind, i32(axis)],
                      [np.take(p_, ind, axis)], attrs=[("batch_dims", "INT", 0)]))
    c.append(Case("GatherV2", "i64_indices_axis_i64", [p_, i64([[1, 4]]), i64(0)],
                  [np.take(p_, [[1, 4]], 0)]))
    b = rnd((2, 4, 3), np.int32, 42)
    bi = i32([[3, 0], [1, 1]])
    c.append(Case("GatherV2", "batch_dims1", [b, bi, i32(1)], [gather_ref(b, bi, 1, 1)],
                  attrs=[("batch_dims", "INT", 1)]))
    c.append(Case("GatherV2", "batch_dims1_axis2", [b, i32([[2], [0]]), i32(2)],
                  [gather_ref(b, i32([[2], [0]]), 2, 1)], attrs=[("batch_dims", "INT", 1)]))
    vocab = S([b"a", b"b", b"c"], (3,))
    c.append(Case("GatherV2", "string", [vocab, i64([2, 0, 2]), i32(0)],
                  [S([b"c", b"a", b"c"], (3,))]))
    c.append(Case("GatherV2", "out_of_range", [p_, i32([[0, 1], [5, 0]]), i32(0)],
                  error="indices[1,0] = 5 is not in [0, 5)"))
    c.append(Case("GatherV2", "negative_index", [p_, i32([-1]), i32(0)],
                  error="indices[0] = -1 is not in [0, 5)"))
    c.append(Case("GatherV2", "bad_axis", [p_, i32([0]), i32(3)],
                  error="Expected axis in the range [-3, 3), but got 3"))
    c.append(Case("GatherV2", "float_indices", [p_, f32([0]), i32(0)],
                  error="indices must be int32 or int64, got float"))
    c.append(Case("Gather", "rows", [p_, i32([3, 3, 1])], [p_[[3, 3, 1]]]))
    c.append(Case("Gather", "out_of_range", [p_, i64([7])], error="indices[0] = 7 is not in [0, 5)"))

    for ind, depth, axis in (([0, 2, 1, 5, -1], 4, -1), ([[0, 1], [2, 3]], 3, 0),
                             ([[0, 1], [2, 3]], 3, 1), ([1, 0], 2, -1)):
        ind = i64(ind)
        eye = (np.arange(depth) == ind[..., None]).astype(np.float32)  # out-of-range -> zeros
        ref = np.where(eye > 0, np.float32(5), np.float32(-1))
        ref = np.moveaxis(ref, -1, axis if axis >= 0 else ref.ndim - 1)
        c.append(Case("OneHot", "d%d_axis%d_%s" % (depth, axis, ind.shape),
                      [ind, i32(depth), f32(5), f32(-1)], [ref], attrs=[("axis", "INT", axis)]))
    c.append(Case("OneHot", "int32_values", [i32([1, 0]), i32(3), i32(1), i32(0)],
                  [i32([[0, 1, 0], [1, 0, 0]])]))
    c.append(Case("OneHot", "negative_depth", [i32([1]), i32(-1), f32(1), f32(0)],
                  error="depth must be non-negative, got: -1"))
    c.append(Case("OneHot", "bad_axis", [i32([1]), i32(2), f32(1), f32(0)],
                  attrs=[("axis", "INT", 2)], error="Expected axis to be -1 or between [0, 2)"))

    x = f32([[1, 5, 3, 5, 2], [0, -1, 7, 7, 7]])
    for k in (1, 3, 5, 0):
        v, i = topk_ref(x, k)
        c.append(Case("TopKV2", "k%d" % k, [x, i32(k)], [v, i], attrs=[("sorted", "BOOL", True)]))
    xi = rnd((3, 2, 6), np.int64, 43)
    v, i = topk_ref(xi, 4)
    c.append(Case("TopKV2", "int64_rank3", [xi, i32(4)], [v, i]))
    xd = np.array([0.5, -0.0, 0.0, 2.0])
    v, i = topk_ref(xd, 4)
    c.append(Case("TopKV2", "double_ties", [xd, i32(4)], [v, i]))
    c.append(Case("TopKV2", "k_too_big", [x, i32(6)],
                  error="input must have at least k columns. Had 5, needed 6"))
    c.append(Case("TopKV2", "negative_k", [x, i32(-1)], error="Need k >= 0, got -1"))
    c.append(Case("TopKV2", "string", [S([b"a"], (1,)), i32(1)],
                  error="dtype DT_STRING not supported", code=UNIMPLEMENTED))

    for name, cond in (("bool_2d", np.array([[True, False], [False, True], [True, True]])),
                       ("float_3d", f32([[[0, 1.5], [-0.0, 0]], [[2, 0], [0, np.nan]]])),
                       ("int32_1d", i32([0, 3, 0, -1])), ("none", np.zeros((2, 2), np.bool_)),
                       ("scalar_true", np.array(True))):
        c.append(Case("Where", name, [cond],
                      [np.argwhere(cond).astype(np.int64)]))
    c.append(Case("Where", "string", [S([b"a"], (1,))], error="dtype DT_STRING not supported",
                  code=UNIMPLEMENTED))

    for name, x in (("int32", i32([1, 1, 2, 4, 4, 4, 7, 8, 8])), ("int64", i64([5, -3, 5, 0])),
                    ("float_zeros", f32([0.0, -0.0, 1.5, 0.0, 1.5])), ("empty", i32([])),
                    ("string", S([b"b", b"a", b"b", b"", b"a", b""], (6,)))):
        if isinstance(x, S):
            y, inv = unique_ref(np.array(x.flat, dtype=object))
            out_y = S(y, (len(y),))
        else:
            y, inv = unique_ref(x)
            out_y = np.array(y, x.dtype)
        c.append(Case("Unique", name, [x], [out_y, i32(inv)]))
    c.append(Case("Unique", "idx_int64", [i32([3, 3])], [i32([3]), i64([0, 0])],
                  attrs=[("out_idx", "TYPE", DT_INT64)]))
    c.append(Case("Unique", "matrix", [i32([[1]])], error="unique expects a 1D vector"))
    return c


# --------------------------------------------------------------- pad group

def pad_cases():
    c = []
    x = rnd((2, 3), np.float32, 51)
    for pads in ([[0, 0], [0, 0]], [[1, 0], [2, 3]], [[2, 2], [0, 1]]):
        c.append(Case("Pad", "f32_%s" % pads, [x, i32(pads)], [np.pad(x, pads)]))
    c.append(Case("Pad", "i64_paddings_int32", [i32([1, 2]), i64([[1, 1]])],
                  [i32([0, 1, 2, 0])]))
    c.append(Case("Pad", "scalar", [f32(3), i32(np.zeros((0, 2)))], [f32(3)]))
    c.append(Case("Pad", "negative", [x, i32([[0, -1], [0, 0]])],
                  error="Paddings must be non-negative: 0 -1"))
    c.append(Case("Pad", "wrong_shape", [x, i32([[1, 1]])],
                  error="The first dimension of paddings must be the rank of inputs"))
    c.append(Case("PadV2", "const", [x, i32([[1, 1], [1, 0]]), f32(-2.5)],
                  [np.pad(x, [[1, 1], [1, 0]], constant_values=-2.5)]))
    c.append(Case("PadV2", "string", [S([b"a", b"b"], (2,)), i32([[1, 2]]), S([b"pad"], ())],
                  [S([b"pad", b"a", b"b", b"pad", b"pad"], (5,))]))
    c.append(Case("PadV2", "value_dtype", [x, i32([[1, 1], [1, 0]]), i64(0)],
                  error="constant_values must be a scalar of the input's dtype float"))
    m = rnd((3, 4), np.int32, 52)
    for mode in ("REFLECT", "SYMMETRIC"):
        for pads in ([[1, 2], [2, 0]], [[0, 0], [3, 1]] if mode == "REFLECT" else [[3, 3], [4, 4]]):
            c.append(Case("MirrorPad", "%s_%s" % (mode.lower(), pads), [m, i32(pads)],
                          [np.pad(m, pads, mode="reflect" if mode == "REFLECT" else "symmetric")],
                          attrs=[("mode", "STR", mode)]))
    c.append(Case("MirrorPad", "reflect_too_big", [m, i32([[3, 0], [0, 0]])],
                  attrs=[("mode", "STR", "REFLECT")],
                  error="paddings must be no greater than the dimension size"))
    c.append(Case("MirrorPad", "bad_mode", [m, i32([[0, 0], [0, 0]])],
                  attrs=[("mode", "STR", "WRAP")], error="mode must be REFLECT or SYMMETRIC"))

    y = rnd((3, 1), np.float32, 53)
    for shp in ([3, 4], [2, 3, 4], [3, 1]):
        c.append(Case("BroadcastTo", "to_%s" % shp, [y, i32(shp)],
                      [np.broadcast_to(y, shp).copy()]))
    c.append(Case("BroadcastTo", "scalar_string", [S([b"s"], ()), i64([2, 2])],
                  [S([b"s"] * 4, (2, 2))]))
    c.append(Case("BroadcastTo", "incompatible", [y, i32([2, 4])],
                  error="Incompatible shapes: [3,1] vs. [2,4]"))
    c.append(Case("BroadcastArgs", "basic", [i32([3, 1]), i32([2, 1, 4])], [i32([2, 3, 4])]))
    c.append(Case("BroadcastArgs", "int64_empty", [i64([]), i64([5])], [i64([5])]))
    c.append(Case("BroadcastArgs", "incompatible", [i32([3]), i32([4])],
                  error="Incompatible shapes: [3] vs. [4]"))
    return c


def fuzz_seeds():
    """Seed corpus of tests/fuzz/fuzz_example.c (keys "a".."i", see there)."""
    pb = example_pb2()
    ex = lambda **kw: make_example(pb, kw)
    seeds = {
        "empty": b"",
        "all_kinds": ex(a=[1, -2, 1 << 50], b=[0.5, 1.5], c=["x", "yy"], d=[3.0, 4.0],
                        e=[5, 6, 7], f="str", g=[1.0, 2.0, 3.0, 4.0], h=[9, 8], i=["r"]),
        "v1_required": ex(a=[42], b=[1.0, 2.0, 3.0], c=["s"]),
        "wrong_types": ex(a=[1.0], d=[1, 2], f=[3]),
        "unpacked": raw_example([(b"b", ld(2, unpacked_floats([1.0, 2.0]))),
                                 (b"a", ld(3, unpacked_ints([1, 2, 3]))),
                                 (b"e", ld(3, unpacked_ints([-1])))]),
        "repeated_keys": raw_example([(b"d", ld(2, unpacked_floats([1.0, 2.0]))),
                                      (b"d", ld(2, unpacked_floats([3.0, 4.0])))]),
        "merged": ex(a=[1]) + ex(c=["q"]) + varint(5 << 3 | 5) + b"\0\0\0\0",
        "empty_feature": raw_example([(b"c", b""), (b"d", b""), (b"h", ld(3, b""))]),
    }
    d = os.path.join(ROOT, "tests", "fuzz", "corpus", "example")
    os.makedirs(d, exist_ok=True)
    for name, data in seeds.items():
        with open(os.path.join(d, "seed-" + name), "wb") as fh:
            fh.write(data)
    print("wrote %d seeds to %s" % (len(seeds), os.path.relpath(d, ROOT)))


def main():
    os.makedirs(OUT, exist_ok=True)
    groups = {"parse_example": parse_example_cases, "shape": shape_cases, "slice": slice_cases,
              "join": join_cases, "string": string_cases,
              "gather": gather_cases, "pad": pad_cases}
    only = sys.argv[1:]
    for g, fn in groups.items():
        if not only or g in only:
            write(g, fn())
    if not only or "fuzz" in only:
        fuzz_seeds()


if __name__ == "__main__":
    main()
