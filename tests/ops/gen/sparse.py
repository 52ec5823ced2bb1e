#!/usr/bin/python3
"""Golden data for the sparse/string family kernels (tests/ops/kernels/test_sparse.c).

Run with /usr/bin/python3 (Debian numpy) from the repository root:
    /usr/bin/python3 tests/ops/gen/sparse.py > tests/ops/golden/sparse_golden.h

Every expected output is computed here with numpy (or plain Python for the string
ops), independently of the C kernels, following TensorFlow's documented semantics:
  SparseFillEmptyRows  per-row placement, empty rows get (r, 0...) = default
  SparseReshape        np.ravel_multi_index / np.unravel_index
  SparseSegment*       np.add.at over segment ids; mean / sqrt(count)
  SparseToDense        np.full(default) then assignment
  StringSplit          split on any delimiter byte (re.split), optional skip of empty tokens
  Bucketize            np.digitize(x, boundaries, right=False) == upper_bound
  GatherNd             params[tuple(indices.T)]
  UpperBound/LowerBound np.searchsorted(side='right'/'left') per row
Random inputs use np.random.default_rng(11).
"""
import re
import numpy as np

rng = np.random.default_rng(11)
DT = {np.float32: "MD_DT_FLOAT", np.float64: "MD_DT_DOUBLE", np.int32: "MD_DT_INT32",
      np.int64: "MD_DT_INT64", np.bool_: "MD_DT_BOOL", str: "MD_DT_STRING"}
CT = {np.float32: "float", np.float64: "double", np.int32: "int32_t", np.int64: "int64_t",
      np.bool_: "bool"}
out = []
cases = []
counter = [0]


def cstr(s):
    return '"' + ''.join(c if (c.isalnum() or c in ' _-,.|') else '\\%03o' % ord(c) for c in s) + '"'


def tensor(a, kind=None):
    """Emits a C array for a; returns a struct sp_tensor initializer."""
    counter[0] += 1
    name = "sp_d%d" % counter[0]
    if kind is str:
        a = np.array(a, dtype=object)
        flat = list(a.reshape(-1))
        body = ", ".join(cstr(s) for s in flat) or "NULL"
        out.append("static const char *%s[] = {%s};" % (name, body))
        dt = "MD_DT_STRING"
    else:
        t = a.dtype.type
        flat = a.reshape(-1)
        if t in (np.float32, np.float64):
            body = ", ".join(repr(float(v)) for v in flat)
        elif t is np.bool_:
            body = ", ".join("true" if v else "false" for v in flat)
        else:
            body = ", ".join("%dLL" % int(v) if t is np.int64 else "%d" % int(v) for v in flat)
        out.append("static const %s %s[] = {%s};" % (CT[t], name, body or "0"))
        dt = DT[t]
    dims = ", ".join(str(d) for d in a.shape) or "0"
    return "{%s, %d, {%s}, %s}" % (dt, a.ndim, dims, name)


def case(name, op, ins, outs, attrs=""):
    cases.append("{%s, %s, %s, %d, {%s}, %d, {%s}}" % (
        cstr(name), cstr(op), cstr(attrs), len(ins), ", ".join(ins), len(outs), ", ".join(outs)))


# ---------------------------------------------------------- SparseFillEmptyRows
def fill_empty_rows(ind, vals, shape, default):
    rows = shape[0]
    per = [[] for _ in range(rows)]
    for i, r in enumerate(ind[:, 0]):
        per[r].append(i)
    oi, ov, rev = [], [], np.zeros(len(vals), np.int64)
    for r in range(rows):
        if not per[r]:
            oi.append([r] + [0] * (ind.shape[1] - 1))
            ov.append(default)
        for i in per[r]:
            rev[i] = len(oi)
            oi.append(list(ind[i]))
            ov.append(vals[i])
    empty = np.array([not p for p in per], np.bool_)
    return (np.array(oi, np.int64).reshape(-1, ind.shape[1]), ov, empty, rev)


for nm, ind, vals, shape, default, kind in [
    ("basic", [[0, 1], [0, 3], [2, 0], [3, 1]], [1.5, 2.5, 3.5, 4.5], [5, 6], -1.0, np.float32),
    ("unsorted", [[3, 0], [1, 1], [1, 0], [3, 2]], [10, 11, 12, 13], [4, 3], 7, np.int64),
    ("strings", [[1, 0], [1, 1]], ["ab", "c"], [3, 2], "", str),
    ("all_empty", np.zeros((0, 2), np.int64), [], [3, 4], 0.25, np.float32),
    ("rank3", [[0, 1, 1], [2, 0, 1]], [5, 6], [3, 2, 2], 9, np.int64),
]:
    ind = np.array(ind, np.int64).reshape(-1, len(shape))
    shape = np.array(shape, np.int64)
    oi, ov, empty, rev = fill_empty_rows(ind, vals, shape, default)
    if kind is str:
        vt, ovt, dt = tensor(np.array(vals, dtype=object).reshape(-1), str), \
            tensor(np.array(ov, dtype=object).reshape(-1), str), tensor(np.array(default, dtype=object), str)
    else:
        vt, ovt, dt = tensor(np.array(vals, kind).reshape(-1)), tensor(np.array(ov, kind).reshape(-1)), \
            tensor(np.array(default, kind))
    case("fill_" + nm, "SparseFillEmptyRows", [tensor(ind), vt, tensor(shape), dt],
         [tensor(oi), ovt, tensor(empty), tensor(rev)])

# ---------------------------------------------------------------- SparseReshape
for nm, shape, new in [("2d_to_1d", [4, 5], [-1]), ("2d_to_3d", [6, 4], [2, -1, 4]),
                       ("3d_to_2d", [2, 3, 4], [6, 4]), ("empty", [0, 3], [-1, 3])]:
    shape = np.array(shape, np.int64)
    total = int(np.prod(shape))
    nnz = min(total, 7)
    lin = np.sort(rng.choice(total, nnz, replace=False)) if total else np.zeros(0, np.int64)
    ind = np.stack(np.unravel_index(lin, shape), 1).astype(np.int64).reshape(-1, len(shape))
    newa = np.array(new, np.int64)
    known = int(np.prod([d for d in new if d != -1])) if len(new) else 1
    out_shape = np.array([d if d != -1 else (total // known) for d in new], np.int64)
    oind = np.stack(np.unravel_index(lin, out_shape), 1).astype(np.int64).reshape(-1, len(new))
    case("reshape_" + nm, "SparseReshape", [tensor(ind), tensor(shape), tensor(newa)],
         [tensor(oind), tensor(out_shape)])

# --------------------------------------------------------------- SparseSegment*
for kind in ["Sum", "Mean", "SqrtN"]:
    for nm, rows, cols, idx, seg, nseg, dt in [
        ("basic", 5, 3, [0, 2, 2, 4, 1], [0, 0, 1, 3, 3], None, np.float32),
        ("gap_i64", 4, 2, [3, 1, 0], [1, 1, 4], None, np.float64),
        ("numseg", 3, 4, [2, 0], [0, 2], 5, np.float32),
        ("empty", 3, 2, [], [], None, np.float32),
    ]:
        data = rng.standard_normal((rows, cols)).astype(dt)
        idx = np.array(idx, np.int32 if nm != "gap_i64" else np.int64)
        seg = np.array(seg, np.int32 if nm != "gap_i64" else np.int64)
        n_out = nseg if nseg is not None else (int(seg[-1]) + 1 if len(seg) else 0)
        acc = np.zeros((n_out, cols), np.float64)
        cnt = np.zeros(n_out)
        np.add.at(acc, seg, data[idx].astype(np.float64))
        np.add.at(cnt, seg, 1)
        if kind == "Mean":
            acc = np.where(cnt[:, None] > 0, acc / np.maximum(cnt, 1)[:, None], 0)
        if kind == "SqrtN":
            acc = np.where(cnt[:, None] > 0, acc / np.sqrt(np.maximum(cnt, 1))[:, None], 0)
        ins = [tensor(data), tensor(idx), tensor(seg)]
        op = "SparseSegment" + kind
        if nseg is not None:
            op += "WithNumSegments"
            ins.append(tensor(np.array(nseg, np.int32)))
        case("segment_%s_%s" % (kind.lower(), nm), op, ins, [tensor(acc.astype(dt))])

# ---------------------------------------------------------------- SparseToDense
for nm, ind, shape, vals, default, dt in [
    ("2d", [[0, 1], [1, 0], [2, 3]], [3, 4], [1.0, 2.0, 3.0], 0.5, np.float32),
    ("1d_scalar_value", [1, 3, 4], [6], 7, -1, np.int64),
    ("scalar_index", 2, [4], 5, 0, np.int32),
    ("strings", [[0], [2]], [3], ["x", "yz"], "?", str),
]:
    inda = np.array(ind, np.int64)
    shp = np.array(shape, np.int64)
    if dt is str:
        dense = np.full(shape, default, dtype=object)
    else:
        dense = np.full(shape, default, dt)
    coords = inda.reshape(-1, len(shape)) if inda.ndim else inda.reshape(1, 1)
    vv = np.array(vals, dtype=object if dt is str else dt)
    for i, c in enumerate(coords):
        dense[tuple(c)] = vv[i] if vv.ndim else vv
    if dt is str:
        ins = [tensor(inda), tensor(shp), tensor(vv, str), tensor(np.array(default, dtype=object), str)]
        o = tensor(dense, str)
    else:
        ins = [tensor(inda), tensor(shp), tensor(vv), tensor(np.array(default, dt))]
        o = tensor(dense)
    case("to_dense_" + nm, "SparseToDense", ins, [o])

# ------------------------------------------------------------------ StringSplit
def string_split(strs, delim, skip):
    toks = []
    for s in strs:
        if delim == "":
            t = list(s)
        else:
            t = re.split("[" + re.escape(delim) + "]", s)
            if skip:
                t = [x for x in t if x]
        toks.append(t)
    ind = [[i, j] for i, t in enumerate(toks) for j in range(len(t))]
    vals = [x for t in toks for x in t]
    width = max([len(t) for t in toks] + [0])
    return np.array(ind, np.int64).reshape(-1, 2), vals, np.array([len(strs), width], np.int64)


for nm, strs, delim, skip in [
    ("space", ["hello world", "a  b", "", "single"], " ", True),
    ("keep_empty", ["a,,b", "", ",x"], ",", False),
    ("multi_delim", ["a b|c", "|d e|"], " |", True),
    ("chars", ["abc", "", "de"], "", True),
]:
    ind, vals, shp = string_split(strs, delim, skip)
    case("split_" + nm, "StringSplit",
         [tensor(np.array(strs, dtype=object), str), tensor(np.array(delim, dtype=object), str)],
         [tensor(ind), tensor(np.array(vals, dtype=object), str), tensor(shp)],
         "skip_empty=%d" % int(skip))

# -------------------------------------------------------------------- Bucketize
bounds = [-1.0, 0.0, 2.5, 10.0]
for nm, x in [("float", np.array([[-3.0, -1.0, 0.5], [2.5, 9.99, 100.0]], np.float32)),
              ("int32", np.array([-2, -1, 0, 1, 2, 3, 10, 11], np.int32)),
              ("double", np.array([2.4999999, 2.5, -1.0000001], np.float64)),
              ("empty", np.zeros((0, 3), np.float32))]:
    expect = np.digitize(x.astype(np.float64) if x.dtype == np.float64 else x.astype(np.float32),
                         np.array(bounds, x.dtype if x.dtype == np.float64 else np.float32),
                         right=False).astype(np.int32)
    case("bucketize_" + nm, "Bucketize", [tensor(x)], [tensor(expect)],
         "boundaries=" + ",".join(repr(b) for b in bounds))

# --------------------------------------------------------------------- GatherNd
params = rng.standard_normal((3, 4, 2)).astype(np.float32)
for nm, idx in [("full", [[0, 1, 1], [2, 3, 0]]), ("rows", [[[1], [0]], [[2], [2]]]),
                ("slices", [[2, 1], [0, 3], [1, 0]]), ("empty", np.zeros((0, 2), np.int64))]:
    ia = np.array(idx, np.int32 if nm == "rows" else np.int64)
    res = params[tuple(np.moveaxis(ia, -1, 0))] if ia.size else \
        np.zeros((0,) + params.shape[ia.shape[-1]:], np.float32)
    case("gather_nd_" + nm, "GatherNd", [tensor(params), tensor(ia)], [tensor(res.astype(np.float32))])
sp = np.array([["a", "b"], ["c", "d"]], dtype=object)
case("gather_nd_strings", "GatherNd", [tensor(sp, str), tensor(np.array([[1, 0], [0, 1]], np.int64))],
     [tensor(np.array(["c", "b"], dtype=object), str)])

# --------------------------------------------------------- UpperBound/LowerBound
srt = np.sort(rng.integers(0, 10, (2, 6)), axis=1).astype(np.float32)
vals = rng.integers(-1, 11, (2, 5)).astype(np.float32)
for op, side in [("UpperBound", "right"), ("LowerBound", "left")]:
    res = np.stack([np.searchsorted(srt[b], vals[b], side=side) for b in range(2)]).astype(np.int32)
    case("%s_float" % op.lower(), op, [tensor(srt), tensor(vals)], [tensor(res)])
    si = srt.astype(np.int64)
    res64 = np.stack([np.searchsorted(si[b], vals[b].astype(np.int64), side=side) for b in range(2)])
    case("%s_int64" % op.lower(), op, [tensor(si), tensor(vals.astype(np.int64))],
         [tensor(res64.astype(np.int64))], "out_type=int64")

print("/* sparse_golden.h: generated by tests/ops/gen/sparse.py (numpy %s); do not edit. */" % np.__version__)
print("#include <stdbool.h>\n#include <stddef.h>\n#include <stdint.h>\n")
print("\n".join(out))
print("\nstatic const struct sp_case sp_cases[] = {\n    " + ",\n    ".join(cases) + ",\n};")
