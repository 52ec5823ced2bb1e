#!/usr/bin/python3
"""Golden data for the math kernel family, computed with numpy.

Run from the source tree root with Debian's python3 (numpy):

    /usr/bin/python3 tests/ops/gen/math.py

It rewrites tests/ops/golden/math_{binary,unary,reduce,softmax,cast,select,misc}.h
and the graph fuzzer seeds tests/fuzz/corpus/graph/seed-math-* (GraphDefs of
Const-fed math nodes whose axes, dimensions and shapes are out of range or
do not broadcast, next to valid ones).
Each case records the op, its attrs, the inputs and numpy's answer; the C
tests (tests/ops/kernels/test_*.c of the math family) feed the inputs to our
kernels and compare (tolerance per case, see TOL_*). Inputs are random with a
fixed seed plus hand-picked edge values (nan, inf, -0, INT_MIN, halves for
Round, ties for ArgMax, ...). How each expected value is made:

  - elementwise ops: numpy's ufunc in the input dtype (so integer overflow
    wraps the way our kernels must), or a float64 formula rounded to the
    output dtype for the activations numpy lacks (sigmoid, softplus, selu);
  - reductions: np.sum/np.prod/np.max/... over the normalised axis tuple;
    integer Mean is the wrapped sum divided with truncation toward zero;
  - Softmax/LogSoftmax: float64 exp(x - max) / sum, rounded to the dtype;
  - Cast: ndarray.astype (only values where C defines the conversion);
  - Select: np.where; Cumsum: np.cumsum with flips/shift for reverse and
    exclusive; ClipByValue: np.maximum(np.minimum(x, hi), lo) (TF's order).
"""
import os
import struct
import sys
import warnings

import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..'))
OUT = os.path.join(ROOT, 'tests', 'ops', 'golden')
rng = np.random.default_rng(20240611)

TOL_EXACT = 0.0   # IEEE-exact ops: the same operation in the same precision
TOL_F32 = 1e-6    # libm / summation order differences in float32
TOL_F64 = 1e-12
TOL_SUM32 = 2e-5  # long float32 sums in a different order

DT = {
    np.dtype(np.float32): ('MD_DT_FLOAT', 'float'),
    np.dtype(np.float64): ('MD_DT_DOUBLE', 'double'),
    np.dtype(np.int8): ('MD_DT_INT8', 'int8_t'),
    np.dtype(np.int16): ('MD_DT_INT16', 'int16_t'),
    np.dtype(np.int32): ('MD_DT_INT32', 'int32_t'),
    np.dtype(np.int64): ('MD_DT_INT64', 'int64_t'),
    np.dtype(np.uint8): ('MD_DT_UINT8', 'uint8_t'),
    np.dtype(np.uint16): ('MD_DT_UINT16', 'uint16_t'),
    np.dtype(np.uint32): ('MD_DT_UINT32', 'uint32_t'),
    np.dtype(np.uint64): ('MD_DT_UINT64', 'uint64_t'),
    np.dtype(np.bool_): ('MD_DT_BOOL', 'uint8_t'),
}
DT_NUM = {'MD_DT_FLOAT': 1, 'MD_DT_DOUBLE': 2, 'MD_DT_INT32': 3, 'MD_DT_UINT8': 4,
          'MD_DT_INT16': 5, 'MD_DT_INT8': 6, 'MD_DT_STRING': 7, 'MD_DT_INT64': 9,
          'MD_DT_BOOL': 10, 'MD_DT_UINT16': 17, 'MD_DT_UINT32': 22, 'MD_DT_UINT64': 23}


def lit(v, ctype):
    """One element as a C literal of ctype."""
    if ctype in ('float', 'double'):
        v = float(v)
        if np.isnan(v):
            return 'NAN'
        if np.isinf(v):
            return 'INFINITY' if v > 0 else '-INFINITY'
        # shortest decimal that round-trips in the element's own precision
        s = str(np.float32(v)) if ctype == 'float' else repr(v)
        if 'e' not in s and '.' not in s:
            s += '.0'
        return s + ('f' if ctype == 'float' else '')
    v = int(v)
    if ctype == 'int64_t':
        if v == -2**63:
            return '(-INT64_C(9223372036854775807) - 1)'
        return 'INT64_C(%d)' % v
    if ctype == 'uint64_t':
        return 'UINT64_C(%d)' % v
    if ctype == 'int32_t' and v == -2**31:
        return '(-2147483647 - 1)'
    if ctype == 'uint32_t':
        return '%du' % v
    return str(v)


def cstr(s):
    out = '"'
    for ch in s.encode():
        if ch in (0x22, 0x5c):
            out += '\\' + chr(ch)
        elif 32 <= ch < 127:
            out += chr(ch)
        else:
            out += '\\%03o' % ch
    return out + '"'


class Group:
    """The cases of one golden file."""

    def __init__(self, name):
        self.name = name
        self.arrays = []
        self.seen = {}
        self.cases = []

    def tensor(self, a):
        if isinstance(a, np.ndarray) and a.dtype.kind in 'OUS':
            dt, ctype = 'MD_DT_STRING', 'const char *'
            vals = [cstr(str(v)) for v in a.reshape(-1)]
        else:
            a = np.asarray(a)
            dt, ctype = DT[a.dtype]
            vals = [lit(v, ctype) for v in a.reshape(-1)]
        dims = '{' + ', '.join(str(d) for d in a.shape) + '}' if a.ndim else '{0}'
        if a.size == 0:
            data = 'NULL'
        else:
            body = ''
            line = '   '
            for v in vals:
                if len(line) + len(v) + 2 > 98:
                    body += line + '\n'
                    line = '   '
                line += ' ' + v + ','
            body += line
            key = (ctype, body)
            data = self.seen.get(key)
            if data is None:  # identical inputs are stored once
                data = self.seen[key] = 'mg_%s_%d' % (self.name, len(self.arrays))
                decl = 'const char *const' if ctype == 'const char *' else 'const ' + ctype
                self.arrays.append('static %s %s[] = {\n%s\n};' % (decl, data, body))
        return '{ %s, %d, %s, %s }' % (dt, a.ndim, dims, data)

    def case(self, name, op, inputs, out, attrs=(), tol=TOL_EXACT):
        ins = ', '.join(self.tensor(x) for x in inputs)
        at = []
        for (k, kind, v) in attrs:
            if kind == 't':
                at.append('{ "%s", \'t\', %d, 0 }' % (k, DT_NUM[DT[np.dtype(v)][0]] if not isinstance(v, str) else DT_NUM[v]))
            elif kind == 'f':
                at.append('{ "%s", \'f\', 0, %r }' % (k, float(v)))
            else:
                at.append('{ "%s", \'%s\', %d, 0 }' % (k, kind, int(v)))
        self.cases.append(
            '    { %s, "%s", %d, { %s }, %s, %d, { %s }, %r },' %
            (cstr(name), op, len(inputs), ins, self.tensor(out), len(at), ', '.join(at), tol))

    def write(self):
        path = os.path.join(OUT, 'math_%s.h' % self.name)
        with open(path, 'w') as f:
            f.write('/* Generated by tests/ops/gen/math.py from numpy %s; do not edit. */\n'
                    % np.__version__)
            f.write('#include <math.h>\n#include <stdint.h>\n\n')
            f.write('\n'.join(self.arrays) + '\n\n')
            f.write('static const struct mg_case mg_%s[] = {\n' % self.name)
            f.write('\n'.join(self.cases) + '\n};\n')
            f.write('#define MG_%s_COUNT (sizeof mg_%s / sizeof mg_%s[0])\n'
                    % (self.name.upper(), self.name, self.name))
        print('%s: %d cases' % (path, len(self.cases)))


def rand(shape, dt, lo=-10, hi=10):
    dt = np.dtype(dt)
    if dt.kind == 'f':
        return rng.uniform(lo, hi, size=shape).astype(dt)
    if dt.kind == 'b':
        return rng.integers(0, 2, size=shape).astype(bool)
    if dt.kind == 'u':
        lo = max(lo, 0)
    return rng.integers(lo, hi + 1, size=shape).astype(dt)


def shp(s):
    return 'x'.join(str(d) for d in s) if s else 'scalar'


def tname(dt):
    return np.dtype(dt).name


# ---------------------------------------------------------------- binary
def gen_binary():
    g = Group('binary')
    F32, F64, I32, I64, U8, B = np.float32, np.float64, np.int32, np.int64, np.uint8, np.bool_
    shapes_full = [((2, 3), (2, 3)), ((), (4,)), ((4,), ()), ((2, 1, 3), (4, 1)),
                   ((3,), (2, 3)), ((2, 3), (1,)), ((), ()), ((0, 3), (3,)), ((2, 1), (1, 0)),
                   ((3, 1, 4, 1), (1, 2, 1, 5)), ((2, 3, 4), (2, 1, 4)), ((6, 17), (17,)),
                   ((5, 1, 7), (5, 6, 1))]
    shapes_small = [((2, 3), (2, 3)), ((2, 1, 3), (4, 1)), ((), (5,)), ((3, 2), ())]

    def wrap(f):
        def h(a, b):
            with np.errstate(all='ignore'):
                return f(a, b)
        return h

    def trunc_div(a, b):
        if a.dtype.kind == 'f':
            return a / b
        q = np.abs(a.astype(np.int64)) // np.abs(b.astype(np.int64))
        return (q * np.sign(a.astype(np.int64)) * np.sign(b.astype(np.int64))).astype(a.dtype)

    def floor_div(a, b):
        return np.floor(a / b).astype(a.dtype) if a.dtype.kind == 'f' else np.floor_divide(a, b)

    ops = [
        ('Add', np.add, [F32, F64, I32, I64, U8], {}),
        ('AddV2', np.add, [F32, I32], {}),
        ('Sub', np.subtract, [F32, F64, I32, I64, U8], {}),
        ('Mul', np.multiply, [F32, F64, I32, I64, U8], {}),
        ('RealDiv', np.divide, [F32, F64], {'nonzero': True}),
        ('Div', trunc_div, [F32, F64, I32, I64, U8], {'nonzero': True}),
        ('FloorDiv', floor_div, [F32, F64, I32, I64, U8], {'nonzero': True}),
        ('FloorMod', np.mod, [F32, F64, I32, I64, U8], {'nonzero': True, 'tol': TOL_F32}),
        ('Maximum', np.maximum, [F32, F64, I32, I64, U8], {}),
        ('Minimum', np.minimum, [F32, F64, I32, I64, U8], {}),
        ('Pow', np.power, [F32, F64, I32, I64], {'pow': True, 'tol': TOL_F32}),
        ('SquaredDifference', lambda a, b: (a - b) * (a - b), [F32, F64, I32, I64], {}),
        ('Less', np.less, [F32, F64, I32, I64, U8], {}),
        ('LessEqual', np.less_equal, [F32, I32, U8], {}),
        ('Greater', np.greater, [F32, F64, I32, I64, U8], {}),
        ('GreaterEqual', np.greater_equal, [F32, I32, I64], {}),
        ('Equal', np.equal, [F32, F64, I32, I64, U8, B], {}),
        ('NotEqual', np.not_equal, [F32, I32, B], {}),
        ('LogicalAnd', np.logical_and, [B], {}),
        ('LogicalOr', np.logical_or, [B], {}),
    ]
    CMP_OPS = ('Less', 'LessEqual', 'Greater', 'GreaterEqual', 'Equal', 'NotEqual')
    inputs = {}
    for op, f, dts, opt in ops:
        f = wrap(f)
        for dt in dts:
            shapes = shapes_full if dt in (F32, B) else shapes_small
            for sa, sb in shapes:
                # ops share inputs (stored once); a fresh draw per kind of constraint
                kind = 'pow' if opt.get('pow') else 'cmp' if op in CMP_OPS else \
                    'nonzero' if opt.get('nonzero') else 'plain'
                key = (np.dtype(dt).name, sa, sb, kind)
                if key not in inputs:
                    inputs[key] = (rand(sa, dt), rand(sb, dt))
                a, b = (v.copy() for v in inputs[key])
                if opt.get('nonzero'):
                    b = np.where(b == 0, np.ones_like(b), b).astype(dt)
                if opt.get('pow'):
                    if np.dtype(dt).kind == 'f':
                        a = np.abs(a).astype(dt)
                        b = rand(sb, dt, -3, 3)
                    else:
                        a = rand(sa, dt, -5, 5)
                        b = rand(sb, dt, 0, 6)
                if op in CMP_OPS and dt != B and a.size and b.size:
                    # make some elements equal so == / <= are exercised
                    bb = np.broadcast_to(b, np.broadcast_shapes(sa, sb))
                    if a.shape == bb.shape:
                        a.reshape(-1)[::3] = bb.reshape(-1)[::3]
                want = f(a, b)
                tol = opt.get('tol', TOL_EXACT) if np.dtype(dt).kind == 'f' else TOL_EXACT
                if np.dtype(dt) == np.float64 and tol:
                    tol = TOL_F64
                g.case('%s %s %s,%s' % (op, tname(dt), shp(sa), shp(sb)), op, [a, b],
                       np.asarray(want), [('T', 't', dt)], tol)
    # special float values
    sp = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -1.0, 3.5], np.float32)
    sq = np.array([1.0, np.nan, 2.0, -0.0, 0.0, np.inf, -np.inf, 3.5], np.float32)
    for op, f in [('Add', np.add), ('Sub', np.subtract), ('Mul', np.multiply),
                  ('RealDiv', np.divide), ('Maximum', np.maximum), ('Minimum', np.minimum),
                  ('Less', np.less), ('Equal', np.equal), ('NotEqual', np.not_equal),
                  ('GreaterEqual', np.greater_equal)]:
        with np.errstate(all='ignore'):
            g.case('%s float specials' % op, op, [sp, sq], f(sp, sq), [('T', 't', F32)])
    # integer edges: wrap-around and signs of division/modulo
    i32min, i32max = -2**31, 2**31 - 1
    a = np.array([i32max, i32min, i32min, -7, 7, -7, 7, 0], np.int32)
    b = np.array([1, -1, 1, 2, -2, -2, 2, -3], np.int32)
    with np.errstate(all='ignore'):
        g.case('Add int32 wraps', 'Add', [a, b], a + b, [('T', 't', I32)])
        g.case('Sub int32 wraps', 'Sub', [a, b], a - b, [('T', 't', I32)])
        g.case('Mul int32 wraps', 'Mul', [a, np.full(8, 3, np.int32)], a * np.int32(3),
               [('T', 't', I32)])
    # INT_MIN / -1 wraps (TF on x86 would trap; we define it)
    g.case('Div int32 signs', 'Div', [a, b], np.array(
        [i32max, i32min, i32min, -3, -3, 3, 3, 0], np.int32), [('T', 't', I32)])
    g.case('FloorDiv int32 signs', 'FloorDiv', [a, b], np.array(
        [i32max, i32min, i32min, -4, -4, 3, 3, 0], np.int32), [('T', 't', I32)])
    g.case('FloorMod int32 signs', 'FloorMod', [a, b], np.array(
        [0, 0, 0, 1, -1, -1, 1, 0], np.int32), [('T', 't', I32)])
    fa = np.array([-7, 7, -7, 7, 5.5, -5.5], np.float32)
    fb = np.array([2, -2, -2, 2, 2, 2], np.float32)
    g.case('FloorMod float signs', 'FloorMod', [fa, fb], np.mod(fa, fb), [('T', 't', F32)])
    g.case('FloorDiv float signs', 'FloorDiv', [fa, fb], np.floor(fa / fb), [('T', 't', F32)])
    g.case('Pow int32 wraps', 'Pow', [np.array([2, 3, -2, 0, 1], np.int32),
                                      np.array([31, 21, 3, 0, 100], np.int32)],
           np.array([2**31 - 2**32, (3**21) % 2**32 - 2**32 if (3**21) % 2**32 >= 2**31
                     else (3**21) % 2**32, -8, 1, 1], np.int32), [('T', 't', I32)])
    # strings
    sa = np.array(['a', 'bc', '', 'héllo', 'x'], dtype=object)
    sb = np.array(['a', 'b', '', 'héllo', 'y'], dtype=object)
    g.case('Equal string', 'Equal', [sa, sb], sa == sb, [('T', 't', 'MD_DT_STRING')])
    g.case('NotEqual string', 'NotEqual', [sa, sb], sa != sb, [('T', 't', 'MD_DT_STRING')])
    sc = np.array('a', dtype=object)
    g.case('Equal string broadcast', 'Equal', [sa, sc], sa == 'a', [('T', 't', 'MD_DT_STRING')])
    return g


# ---------------------------------------------------------------- unary
def f64(f):
    """Apply f in float64 and round to the input dtype."""
    def h(x):
        with np.errstate(all='ignore'):
            return f(x.astype(np.float64)).astype(x.dtype)
    return h


SELU_A = 1.6732632423543772848170429916717
SELU_S = 1.0507009873554804934193349852946


def gen_unary():
    g = Group('unary')
    F32, F64, I32, I64, U8, B = np.float32, np.float64, np.int32, np.int64, np.uint8, np.bool_

    def np_in(f):
        def h(x):
            with np.errstate(all='ignore'):
                return f(x)
        return h

    ops = [
        ('Neg', np_in(np.negative), [F32, F64, I32, I64], (-10, 10), TOL_EXACT),
        ('Abs', np_in(np.abs), [F32, F64, I32, I64], (-10, 10), TOL_EXACT),
        ('Exp', f64(np.exp), [F32, F64], (-20, 20), TOL_F32),
        ('Log', f64(np.log), [F32, F64], (0.001, 100), TOL_F32),
        ('Sqrt', np_in(np.sqrt), [F32, F64], (0, 100), TOL_EXACT),
        ('Rsqrt', f64(lambda x: 1 / np.sqrt(x)), [F32, F64], (0.01, 100), TOL_F32),
        ('Square', np_in(np.square), [F32, F64, I32, I64, U8], (-10, 10), TOL_EXACT),
        ('Floor', np_in(np.floor), [F32, F64], (-10, 10), TOL_EXACT),
        ('Ceil', np_in(np.ceil), [F32, F64], (-10, 10), TOL_EXACT),
        ('Round', np_in(np.round), [F32, F64, I32, I64], (-10, 10), TOL_EXACT),
        ('Reciprocal', np_in(np.reciprocal), [F32, F64], (-10, 10), TOL_EXACT),
        ('IsNan', np_in(np.isnan), [F32, F64], (-10, 10), TOL_EXACT),
        ('Sign', np_in(np.sign), [F32, F64, I32, I64], (-10, 10), TOL_EXACT),
        ('LogicalNot', np_in(np.logical_not), [B], (0, 1), TOL_EXACT),
        ('Relu', np_in(lambda x: np.maximum(x, np.zeros_like(x))), [F32, F64, I32, I64, U8],
         (-10, 10), TOL_EXACT),
        ('Relu6', np_in(lambda x: np.minimum(np.maximum(x, 0), 6).astype(x.dtype)),
         [F32, F64, I32, I64, U8], (-10, 10), TOL_EXACT),
        ('Elu', f64(lambda x: np.where(x < 0, np.expm1(x), x)), [F32, F64], (-10, 10), TOL_F32),
        ('Selu', f64(lambda x: SELU_S * np.where(x < 0, SELU_A * np.expm1(x), x)), [F32, F64],
         (-10, 10), TOL_F32),
        ('Sigmoid', f64(lambda x: 1 / (1 + np.exp(-x))), [F32, F64], (-20, 20), TOL_F32),
        ('Tanh', f64(np.tanh), [F32, F64], (-5, 5), TOL_F32),
        ('Softplus', f64(lambda x: np.logaddexp(0, x)), [F32, F64], (-30, 30), TOL_F32),
    ]
    for op, f, dts, (lo, hi), tol in ops:
        for dt in dts:
            for s in ([(2, 5), (), (0, 4), (3, 1, 7), (100,)] if dt == F32 else [(2, 5)]):
                x = rand(s, dt, lo, hi)
                t = tol if np.dtype(dt) == np.float32 else (TOL_F64 if tol else TOL_EXACT)
                if np.dtype(dt).kind != 'f':
                    t = TOL_EXACT
                g.case('%s %s %s' % (op, tname(dt), shp(s)), op, [x], np.asarray(f(x)),
                       [('T', 't', dt)], t)
    sp = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-30, -1e-30, 88.0, -100.0, 100.0],
                  np.float32)
    for op, f, tol in [('Exp', f64(np.exp), TOL_F32), ('Log', f64(np.log), TOL_F32),
                       ('Sqrt', np.sqrt, TOL_EXACT), ('Abs', np.abs, TOL_EXACT),
                       ('Neg', np.negative, TOL_EXACT), ('Sign', np.sign, TOL_EXACT),
                       ('IsNan', np.isnan, TOL_EXACT), ('Floor', np.floor, TOL_EXACT),
                       ('Reciprocal', np.reciprocal, TOL_EXACT),
                       ('Sigmoid', f64(lambda x: 1 / (1 + np.exp(-x))), TOL_F32),
                       ('Tanh', f64(np.tanh), TOL_F32),
                       ('Softplus', f64(lambda x: np.logaddexp(0, x)), TOL_F32),
                       ('Elu', f64(lambda x: np.where(x < 0, np.expm1(x), x)), TOL_F32),
                       ('Relu', lambda x: np.where(x < 0, np.float32(0), x), TOL_EXACT),
                       ('Relu6', lambda x: np.where(x < 0, np.float32(0),
                                                    np.where(x > 6, np.float32(6), x)),
                        TOL_EXACT)]:
        with np.errstate(all='ignore'):
            g.case('%s float specials' % op, op, [sp], np.asarray(f(sp)), [('T', 't', F32)], tol)
    halves = np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5, 2.4, 2.6, -2.6, 1e7 + 0.5,
                       -0.0], np.float32)
    g.case('Round halves to even', 'Round', [halves], np.round(halves), [('T', 't', F32)])
    imin = np.array([-2**31, 2**31 - 1, 0, -1], np.int32)
    with np.errstate(all='ignore'):
        g.case('Neg int32 min wraps', 'Neg', [imin], -imin, [('T', 't', I32)])
        g.case('Abs int32 min wraps', 'Abs', [imin], np.abs(imin), [('T', 't', I32)])
        g.case('Square int32 wraps', 'Square', [imin], imin * imin, [('T', 't', I32)])
    x = rand((3, 4), F32)
    for alpha in (None, 0.1, 2.0):
        a = 0.2 if alpha is None else alpha
        want = np.where(x > 0, x, x * np.float32(a)).astype(np.float32)
        attrs = [('T', 't', F32)] + ([('alpha', 'f', alpha)] if alpha is not None else [])
        g.case('LeakyRelu alpha %s' % alpha, 'LeakyRelu', [x], want, attrs, TOL_EXACT)
    xd = rand((2, 3), F64)
    g.case('LeakyRelu double', 'LeakyRelu', [xd],
           np.where(xd > 0, xd, xd * float(np.float32(0.3))), [('T', 't', F64), ('alpha', 'f', 0.3)],
           TOL_F64)
    return g


# ---------------------------------------------------------------- reductions
def gen_reduce():
    g = Group('reduce')
    F32, F64, I32, I64, U8, B = np.float32, np.float64, np.int32, np.int64, np.uint8, np.bool_

    def norm_axes(ax, r):
        return tuple(sorted({a % r for a in ax})) if r else ()

    def int_mean(x, axes):
        s = np.sum(x, axis=axes, dtype=x.dtype)
        n = x.size // max(s.size, 1) if x.size else 0
        if n == 0:
            return np.zeros_like(s)
        return np.fix(s.astype(np.float64) / n).astype(x.dtype)

    def red(op, x, axes):
        with np.errstate(all='ignore'):
            if op == 'Sum':
                return np.sum(x, axis=axes, dtype=x.dtype)
            if op == 'Prod':
                return np.prod(x, axis=axes, dtype=x.dtype)
            if op == 'Mean':
                if x.dtype.kind == 'f':
                    return np.mean(x.astype(np.float64), axis=axes).astype(x.dtype)
                return int_mean(x, axes)
            if op in ('Max', 'Min'):
                if x.size == 0:
                    shape = tuple(d for i, d in enumerate(x.shape) if i not in axes)
                    if x.dtype.kind == 'f':
                        v = -np.inf if op == 'Max' else np.inf
                    else:
                        info = np.iinfo(x.dtype)
                        v = info.min if op == 'Max' else info.max
                    return np.full(shape, v, x.dtype)
                return (np.max if op == 'Max' else np.min)(x, axis=axes)
            if op == 'All':
                return np.all(x, axis=axes)
            if op == 'Any':
                return np.any(x, axis=axes)

    axes_list = [[], [0], [1], [2], [-1], [0, 2], [1, 2], [0, 1, 2], [2, 0, 2], [-3, 1]]
    ops = [('Sum', [F32, F64, I32, I64, U8]), ('Mean', [F32, F64, I32, I64]),
           ('Prod', [F32, I32, I64]), ('Max', [F32, F64, I32, I64, U8]),
           ('Min', [F32, F64, I32, I64, U8]), ('All', [B]), ('Any', [B])]
    for op, dts in ops:
        for dt in dts:
            x = rand((2, 3, 4), dt, -3 if op == 'Prod' else -10, 3 if op == 'Prod' else 10)
            if dt == B and op == 'All':
                x = rng.random((2, 3, 4)) < 0.8
            if dt == B and op == 'Any':
                x = rng.random((2, 3, 4)) < 0.2
            lst = axes_list if dt in (F32, B) else [[1], [0, 2], [-1]]
            for ax in lst:
                for keep in ((False, True) if ax in ([1], [0, 2]) else (False,)):
                    axes = norm_axes(ax, 3)
                    want = red(op, x, axes)
                    if keep:
                        want = np.expand_dims(want, axes) if axes else want
                    want = np.asarray(want, dtype=x.dtype)
                    tol = TOL_F32 if dt == F32 else (TOL_F64 if dt == F64 else TOL_EXACT)
                    g.case('%s %s axes %s%s' % (op, tname(dt), ax, ' keep' if keep else ''), op,
                           [x, np.array(ax, np.int32)], want,
                           [('T', 't', dt), ('Tidx', 't', I32), ('keep_dims', 'b', keep)], tol)
        # scalar axis given as a rank-0 tensor, int64 indices
        dt = dts[0]
        x = rand((3, 5), dt)
        g.case('%s scalar int64 axis' % op, op, [x, np.array(-1, np.int64)],
               np.asarray(red(op, x, (1,)), x.dtype),
               [('T', 't', dt), ('Tidx', 't', I64)], TOL_F32 if dt == F32 else TOL_EXACT)
        # scalar input, no axes
        xs = rand((), dt)
        g.case('%s scalar input' % op, op, [xs, np.zeros((0,), np.int32)],
               np.asarray(red(op, xs, ()), xs.dtype), [('T', 't', dt)], TOL_EXACT)
        # empty reductions
        for s, ax in (((0, 3), [0]), ((3, 0), [1]), ((0, 3), [1]), ((2, 0, 3), [0, 1])):
            xe = np.zeros(s, dt)
            want = np.asarray(red(op, xe, norm_axes(ax, len(s))), dt)
            g.case('%s empty %s axes %s' % (op, shp(s), ax), op, [xe, np.array(ax, np.int32)],
                   want, [('T', 't', dt)], TOL_EXACT)
    # long float rows / columns (the 8-lane and column paths, parallel splits)
    for s, ax in (((4, 300), [1]), ((300, 4), [0]), ((4, 30, 5), [1]), ((3, 10, 7, 2), [1, 3]),
                  ((3000,), [0])):
        x = rand(s, F32, -1, 1)
        for op in ('Sum', 'Mean', 'Max'):
            axes = norm_axes(ax, len(s))
            want = red(op, x, axes) if op != 'Sum' else np.sum(x.astype(np.float64), axis=axes)
            g.case('%s float %s axes %s' % (op, shp(s), ax), op, [x, np.array(ax, np.int32)],
                   np.asarray(want, np.float32), [('T', 't', F32)], TOL_SUM32)
    # nan propagates through Max/Min
    xn = np.array([[1, np.nan, 3], [4, 5, 6]], np.float32)
    g.case('Max nan', 'Max', [xn, np.array([1], np.int32)], np.max(xn, axis=1), [('T', 't', F32)])
    g.case('Min nan', 'Min', [xn, np.array([0], np.int32)], np.min(xn, axis=0), [('T', 't', F32)])
    # long rows: nan inside the 8-wide vector part and in the scalar tail
    xl = rand((4, 37), F32)
    xl[1, 5] = np.nan
    xl[3, 36] = np.nan
    xl[2, 9] = np.inf
    xl[0, 17] = -np.inf
    for op, f in (('Max', np.max), ('Min', np.min)):
        g.case('%s float long rows with nan' % op, op, [xl, np.array([1], np.int32)],
               f(xl, axis=1), [('T', 't', F32)])
        g.case('%s float columns with nan' % op, op, [xl, np.array([0], np.int32)],
               f(xl, axis=0), [('T', 't', F32)])
    # integer wrap in Sum, truncation in Mean
    xi = np.array([[2**31 - 1, 1, 5], [-7, 2, 0]], np.int32)
    with np.errstate(all='ignore'):
        g.case('Sum int32 wraps', 'Sum', [xi, np.array([1], np.int32)],
               np.sum(xi, axis=1, dtype=np.int32), [('T', 't', I32)])
    xm = np.array([[-7, 0], [7, 0], [-1, -2]], np.int32)
    g.case('Mean int32 truncates', 'Mean', [xm, np.array([1], np.int32)],
           np.array([-3, 3, -1], np.int32), [('T', 't', I32)])

    # ArgMax / ArgMin
    for op, f in (('ArgMax', np.argmax), ('ArgMin', np.argmin)):
        for dt in (F32, F64, I32, I64, U8):
            x = rand((3, 4), dt, 0, 5)  # small range: ties
            for ax in ((0, 1, -1) if dt == F32 else (1,)):
                for ot in ((I64, I32) if dt == F32 and ax == 1 else (I64,)):
                    g.case('%s %s axis %d %s' % (op, tname(dt), ax, tname(ot)), op,
                           [x, np.array(ax, np.int32)], f(x, axis=ax).astype(ot),
                           [('T', 't', dt), ('Tidx', 't', I32), ('output_type', 't', ot)])
        x = rand((2, 3, 4), F32)
        for ax in (0, 1, 2):
            g.case('%s float 2x3x4 axis %d' % (op, ax), op, [x, np.array(ax, np.int64)],
                   f(x, axis=ax).astype(I64), [('T', 't', F32), ('Tidx', 't', I64)])
        xn = np.array([[1, np.nan, 3, np.nan], [4, 5, 6, 6]], np.float32)
        g.case('%s float nan first wins' % op, op, [xn, np.array(1, np.int32)],
               f(xn, axis=1).astype(I64), [('T', 't', F32)])
        xv = rand((7,), F32)
        g.case('%s float vector' % op, op, [xv, np.array(0, np.int32)],
               np.asarray(f(xv, axis=0)).astype(I64), [('T', 't', F32)])
        xz = np.zeros((0, 3), np.float32)
        g.case('%s float empty outer' % op, op, [xz, np.array(1, np.int32)],
               np.zeros((0,), np.int64), [('T', 't', F32)])
        xl = rand((2, 600), F32)
        g.case('%s float long rows' % op, op, [xl, np.array(1, np.int32)],
               f(xl, axis=1).astype(I64), [('T', 't', F32)])
    return g


# ---------------------------------------------------------------- softmax
def gen_softmax():
    g = Group('softmax')

    def sm(x, log):
        if x.size == 0:
            return x.copy()
        x64 = x.astype(np.float64)
        m = np.max(x64, axis=-1, keepdims=True)
        e = np.exp(x64 - m)
        s = np.sum(e, axis=-1, keepdims=True)
        return ((x64 - m - np.log(s)) if log else e / s).astype(x.dtype)

    for op, log in (('Softmax', False), ('LogSoftmax', True)):
        for dt in (np.float32, np.float64):
            tol = TOL_F32 if dt == np.float32 else TOL_F64
            for s in ((2, 5), (3, 1), (7,), (2, 3, 4), (1, 300), (0, 3), (2, 0)):
                if dt == np.float64 and s not in ((2, 5), (2, 3, 4)):
                    continue
                x = rand(s, dt, -5, 5)
                g.case('%s %s %s' % (op, tname(dt), shp(s)), op, [x], sm(x, log),
                       [('T', 't', dt)], tol)
        big = np.array([[1000, 999, -1000, 0], [-1000, -1001, -1002, -2000],
                        [3.4e38, 3.4e38, 0, -3.4e38]], np.float32)
        g.case('%s float large logits' % op, op, [big], sm(big, log), [('T', 't', np.float32)],
               TOL_F32)
        same = np.full((2, 6), 7.25, np.float32)
        g.case('%s float equal logits' % op, op, [same], sm(same, log),
               [('T', 't', np.float32)], TOL_F32)
    return g


# ---------------------------------------------------------------- cast
def gen_cast():
    g = Group('cast')
    types = [np.float32, np.float64, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16,
             np.uint32, np.uint64, np.bool_]
    for src in types:
        for dst in types:
            if src == dst:
                continue
            sk, dk = np.dtype(src).kind, np.dtype(dst).kind
            if sk == 'f':
                if dk == 'u':
                    x = np.array([0, 0.5, 1.9, 2.5, 100.75, 127, 0], src)
                elif dk == 'i':
                    x = np.array([-100.75, -2.5, -1.9, -0.5, 0, 0.5, 1.9, 2.5, 100.75, 127], src)
                else:
                    x = np.array([-3.25, -0.0, 0, 1e-30, 0.1, 2.5, 1e30 if src == np.float64
                                  else 3e38, np.nan], src)
                    if dk == 'f':
                        x = np.array([-3.25, -0.0, 0.1, 1.0 / 3, 2.5, 1e30, np.inf, np.nan], src)
            elif sk == 'b':
                x = np.array([True, False, True, True], bool)
            else:
                info = np.iinfo(src)
                vals = [0, 1, 2, 100, 127, info.max, info.min, 300 % (int(info.max) + 1)]
                if sk == 'i':
                    vals += [-1, -2, -129]
                x = np.array([v for v in vals if info.min <= v <= info.max], src)
            with np.errstate(all='ignore'):
                want = x.astype(dst)
            g.case('Cast %s to %s' % (tname(src), tname(dst)), 'Cast', [x], want,
                   [('SrcT', 't', src), ('DstT', 't', dst)])
    x = rand((2, 3, 4), np.float32)
    g.case('Cast float to int32 3-d', 'Cast', [x], x.astype(np.int32),
           [('SrcT', 't', np.float32), ('DstT', 't', np.int32), ('Truncate', 'b', False)])
    x = rand((500,), np.int32, -1000, 1000)
    g.case('Cast int32 to float long', 'Cast', [x], x.astype(np.float32),
           [('SrcT', 't', np.int32), ('DstT', 't', np.float32)])
    g.case('Cast float to float (forward)', 'Cast', [x.astype(np.float32)], x.astype(np.float32),
           [('SrcT', 't', np.float32), ('DstT', 't', np.float32)])
    g.case('Cast empty', 'Cast', [np.zeros((0, 2), np.float32)], np.zeros((0, 2), np.int64),
           [('SrcT', 't', np.float32), ('DstT', 't', np.int64)])
    return g


# ---------------------------------------------------------------- select
def gen_select():
    g = Group('select')
    F32, I32, B = np.float32, np.int32, np.bool_
    for dt in (F32, np.float64, I32, np.int64, np.uint8, B):
        t = rand((3, 2), dt)
        e = rand((3, 2), dt)
        c = rng.random((3, 2)) < 0.5
        g.case('Select %s same shape' % tname(dt), 'Select', [c, t, e], np.where(c, t, e),
               [('T', 't', dt)])
    t = rand((3, 2, 2), F32)
    e = rand((3, 2, 2), F32)
    cv = np.array([True, False, True])
    g.case('Select vector cond', 'Select', [cv, t, e], np.where(cv[:, None, None], t, e),
           [('T', 't', F32)])
    g.case('Select scalar cond true', 'Select', [np.array(True), t, e], t, [('T', 't', F32)])
    g.case('Select scalar cond false', 'Select', [np.array(False), t, e], e, [('T', 't', F32)])
    tv = rand((4,), F32)
    ev = rand((4,), F32)
    cvv = np.array([True, False, False, True])
    g.case('Select vectors', 'Select', [cvv, tv, ev], np.where(cvv, tv, ev), [('T', 't', F32)])
    g.case('Select empty', 'Select', [np.zeros((0, 2), bool), np.zeros((0, 2), np.float32),
                                      np.zeros((0, 2), np.float32)], np.zeros((0, 2), np.float32),
           [('T', 't', F32)])
    st = np.array(['yes', 'oui', 'ja'], dtype=object)
    se = np.array(['no', 'non', 'nein'], dtype=object)
    cs = np.array([True, False, True])
    g.case('Select string', 'Select', [cs, st, se], np.where(cs, st, se).astype(object),
           [('T', 't', 'MD_DT_STRING')])
    for cs_, ts, es in (((2, 1), (1, 3), ()), ((), (2, 3), (2, 3)), ((3,), (2, 3), (1,)),
                        ((2, 3), (2, 3), (2, 3)), ((4, 1, 1), (1, 5, 1), (1, 1, 6)),
                        ((0, 3), (1, 3), ())):
        c = rng.random(cs_) < 0.5
        t = rand(ts, F32)
        e = rand(es, F32)
        g.case('SelectV2 %s,%s,%s' % (shp(cs_), shp(ts), shp(es)), 'SelectV2', [c, t, e],
               np.where(c, t, e).astype(F32), [('T', 't', F32)])
    c = np.array([[True], [False]])
    g.case('SelectV2 string broadcast', 'SelectV2', [c, st, np.array('-', dtype=object)],
           np.where(c, st, '-').astype(object), [('T', 't', 'MD_DT_STRING')])
    t = rand((2, 3), I32)
    c = rng.random((2, 3)) < 0.5
    g.case('SelectV2 int32 scalar else', 'SelectV2', [c, t, np.array(-1, np.int32)],
           np.where(c, t, np.int32(-1)).astype(np.int32), [('T', 't', I32)])
    return g


# ---------------------------------------------------------------- misc
def gen_misc():
    g = Group('misc')
    F32, I32 = np.float32, np.int32
    for dt in (F32, np.float64, I32, np.int64, np.uint8):
        for n in ((1, 2, 3, 5) if dt == F32 else (3,)):
            xs = [rand((2, 3), dt) for _ in range(n)]
            with np.errstate(all='ignore'):
                want = xs[0].copy()
                for x in xs[1:]:
                    want = (want + x).astype(dt)
            g.case('AddN %s n=%d' % (tname(dt), n), 'AddN', xs, want,
                   [('T', 't', dt), ('N', 'i', n)], TOL_F32 if np.dtype(dt).kind == 'f' else 0)
    xs = [rand((500,), F32) for _ in range(3)]
    g.case('AddN float long', 'AddN', xs, (xs[0] + xs[1]) + xs[2], [('T', 't', F32), ('N', 'i', 3)])
    g.case('AddN empty', 'AddN', [np.zeros((0,), F32)] * 2, np.zeros((0,), F32),
           [('T', 't', F32), ('N', 'i', 2)])

    def clip(x, lo, hi):
        return np.maximum(np.minimum(x, hi), lo).astype(x.dtype)
    for dt in (F32, np.float64, I32, np.int64, np.uint8):
        x = rand((3, 4), dt)
        lo, hi = np.array(2, dt), np.array(7, dt)
        g.case('ClipByValue %s scalars' % tname(dt), 'ClipByValue', [x, lo, hi], clip(x, lo, hi),
               [('T', 't', dt)])
    x = rand((3, 4), F32)
    lo = rand((3, 4), F32, -5, 0)
    hi = rand((3, 4), F32, 0, 5)
    g.case('ClipByValue float tensors', 'ClipByValue', [x, lo, hi], clip(x, lo, hi), [('T', 't', F32)])
    g.case('ClipByValue float tensor lo scalar hi', 'ClipByValue', [x, lo, np.array(1, F32)],
           clip(x, lo, np.float32(1)), [('T', 't', F32)])
    g.case('ClipByValue float min above max', 'ClipByValue', [x, np.array(3, F32), np.array(-3, F32)],
           clip(x, np.float32(3), np.float32(-3)), [('T', 't', F32)])
    xs = np.array([np.nan, np.inf, -np.inf, 1], F32)
    g.case('ClipByValue float specials', 'ClipByValue', [xs, np.array(-4, F32), np.array(4, F32)],
           np.array([np.nan, 4, -4, 1], F32), [('T', 't', F32)])
    g.case('ClipByValue scalar input', 'ClipByValue', [np.array(9, F32), np.array(0, F32),
                                                       np.array(5, F32)], np.array(5, F32),
           [('T', 't', F32)])

    def cumsum(x, ax, excl, rev):
        y = np.flip(x, ax) if rev else x
        with np.errstate(all='ignore'):
            c = np.cumsum(y, axis=ax, dtype=x.dtype)
        if excl:
            c = np.concatenate([np.zeros_like(np.take(c, [0], axis=ax)),
                                np.delete(c, -1, axis=ax)], axis=ax) if c.shape[ax] else c
        return np.flip(c, ax) if rev else c
    for dt in (F32, np.float64, I32, np.int64, np.uint8):
        x = rand((2, 3, 4), dt)
        combos = [(a, e, r) for a in (0, 1, 2, -1) for e in (False, True) for r in (False, True)] \
            if dt == F32 else [(1, False, False), (2, True, True)]
        for ax, excl, rev in combos:
            g.case('Cumsum %s axis %d%s%s' % (tname(dt), ax, ' exclusive' if excl else '',
                                              ' reverse' if rev else ''), 'Cumsum',
                   [x, np.array(ax, np.int32)], cumsum(x, ax, excl, rev),
                   [('T', 't', dt), ('Tidx', 't', I32), ('exclusive', 'b', excl),
                    ('reverse', 'b', rev)], TOL_F32 if dt == F32 else (TOL_F64 if dt == np.float64 else 0))
    xv = rand((6,), F32)
    g.case('Cumsum float vector int64 axis', 'Cumsum', [xv, np.array(0, np.int64)],
           cumsum(xv, 0, False, False), [('T', 't', F32), ('Tidx', 't', np.int64)], TOL_F32)
    g.case('Cumsum empty', 'Cumsum', [np.zeros((2, 0), F32), np.array(1, I32)],
           np.zeros((2, 0), F32), [('T', 't', F32)])
    return g


# ---------------------------------------------------------------- fuzz seeds
# A minimal protobuf encoder for GraphDef (field numbers of TensorFlow's
# graph.proto, node_def.proto, attr_value.proto, tensor.proto).
def _varint(n):
    n &= (1 << 64) - 1
    out = b''
    while True:
        b = n & 0x7f
        n >>= 7
        if n:
            out += bytes([b | 0x80])
        else:
            return out + bytes([b])


def _ld(field, payload):
    return _varint(field << 3 | 2) + _varint(len(payload)) + payload


def _vi(field, n):
    return _varint(field << 3) + _varint(n)


def _tensor(dt, dims, ints=None, floats=None, strings=None, bools=None):
    t = _vi(1, DT_NUM[dt]) + _ld(2, b''.join(_ld(2, _vi(1, d)) for d in dims))
    if floats is not None:
        t += _ld(5, b''.join(struct.pack('<f', v) for v in floats))
    if ints is not None:
        t += _ld(10 if dt == 'MD_DT_INT64' else 7, b''.join(_varint(v) for v in ints))
    if strings is not None:
        t += b''.join(_ld(8, v.encode()) for v in strings)
    if bools is not None:
        t += _ld(11, b''.join(_varint(int(v)) for v in bools))
    return t


def _node(name, op, inputs=(), **attrs):
    n = _ld(1, name.encode()) + _ld(2, op.encode())
    for i in inputs:
        n += _ld(3, i.encode())
    for k, (kind, v) in attrs.items():
        if kind == 't':
            val = _vi(6, DT_NUM[v])
        elif kind == 'b':
            val = _vi(5, int(v))
        elif kind == 'i':
            val = _vi(3, v)
        elif kind == 'f':
            val = _varint(4 << 3 | 5) + struct.pack('<f', v)
        else:  # tensor
            val = _ld(8, v)
        n += _ld(5, _ld(1, k.encode()) + _ld(2, val))
    return _ld(1, n)


def _const(name, dt, dims, **vals):
    return _node(name, 'Const', dtype=('t', dt), value=('x', _tensor(dt, dims, **vals)))


def gen_fuzz_seeds():
    d = os.path.join(ROOT, 'tests', 'fuzz', 'corpus', 'graph')
    F, I, I64, B, S = 'MD_DT_FLOAT', 'MD_DT_INT32', 'MD_DT_INT64', 'MD_DT_BOOL', 'MD_DT_STRING'
    reduce_seed = b''.join([
        _const('x', F, [2, 3], floats=[1, -2, 3, 4, 5, -6]),
        _const('ax_bad', I, [2], ints=[5, -1]),
        _const('ax_neg', I, [1], ints=[-3]),
        _const('ax_ok', I, [2], ints=[-1, 0]),
        _const('dim_bad', I, [], ints=[7]),
        _const('dim_ok', I64, [], ints=[-1]),
        _const('empty', F, [2, 0]),
        _node('sum_bad', 'Sum', ['x', 'ax_bad'], T=('t', F), keep_dims=('b', True)),
        _node('mean_neg', 'Mean', ['x', 'ax_neg'], T=('t', F)),
        _node('max_ok', 'Max', ['x', 'ax_ok'], T=('t', F)),
        _node('prod_empty', 'Prod', ['empty', 'ax_ok'], T=('t', F)),
        _node('argmax_bad', 'ArgMax', ['x', 'dim_bad'], T=('t', F)),
        _node('argmin_ok', 'ArgMin', ['x', 'dim_ok'], T=('t', F), output_type=('t', I)),
        _node('argmax_empty', 'ArgMax', ['empty', 'dim_ok'], T=('t', F)),
        _node('cumsum_bad', 'Cumsum', ['x', 'dim_bad'], T=('t', F)),
        _node('cumsum_ok', 'Cumsum', ['x', 'dim_ok'], T=('t', F), exclusive=('b', True),
              reverse=('b', True)),
        _node('all_wrong_dtype', 'All', ['x', 'ax_ok']),
    ])
    shape_seed = b''.join([
        _const('a', F, [2, 3], floats=[1, 2, 3, 4, 5, 6]),
        _const('b', F, [4], floats=[1, 2, 3, 4]),
        _const('c', F, [3], floats=[0, 1, -1]),
        _const('i', I, [3], ints=[4, 0, -2]),
        _const('cond', B, [2], bools=[True, False]),
        _const('cond3', B, [3], bools=[True, False, True]),
        _const('s', S, [2], strings=['x', 'yz']),
        _node('add_bad', 'Add', ['a', 'b'], T=('t', F)),
        _node('mul_ok', 'Mul', ['a', 'c'], T=('t', F)),
        _node('div_zero', 'Div', ['i', 'i'], T=('t', I)),
        _node('pow_neg', 'Pow', ['i', 'i'], T=('t', I)),
        _node('sel_bad', 'Select', ['cond3', 'a', 'a'], T=('t', F)),
        _node('sel_ok', 'Select', ['cond', 'a', 'a'], T=('t', F)),
        _node('selv2_bad', 'SelectV2', ['cond', 'a', 'b'], T=('t', F)),
        _node('eq_str', 'Equal', ['s', 's'], T=('t', S)),
        _node('eq_loose', 'Equal', ['a', 'b'], T=('t', F), incompatible_shape_error=('b', False)),
        _node('cast', 'Cast', ['a'], SrcT=('t', F), DstT=('t', I)),
        _node('cast_str', 'Cast', ['s'], SrcT=('t', S), DstT=('t', F)),
        _node('softmax', 'Softmax', ['a'], T=('t', F)),
        _node('clip_bad', 'ClipByValue', ['a', 'b', 'c'], T=('t', F)),
        _node('addn_bad', 'AddN', ['a', 'c'], T=('t', F), N=('i', 2)),
    ])
    for name, data in (('seed-math-reduce', reduce_seed), ('seed-math-shapes', shape_seed)):
        path = os.path.join(d, name)
        with open(path, 'wb') as f:
            f.write(data)
        print('%s: %d bytes' % (path, len(data)))


def main():
    warnings.simplefilter('ignore', RuntimeWarning)  # mean of empty, overflow: intended
    os.makedirs(OUT, exist_ok=True)
    for gen in (gen_binary, gen_unary, gen_reduce, gen_softmax, gen_cast, gen_select, gen_misc):
        gen().write()
    gen_fuzz_seeds()
    return 0


if __name__ == '__main__':
    sys.exit(main())
