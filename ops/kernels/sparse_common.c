/* sparse_common.c: FarmHash Fingerprint64, Philox4x32-10 and the
 * SparseSegment reductions (see sparse_common.h). */
#include <math.h>
#include <string.h>

#include "ops/kernels/sparse_common.h"

/* ------------------------------------------------------------ farmhash */
/* FarmHash's "na" 64-bit hash, written from its published description
 * (Geoff Pike's farmhash, farmhashna::Hash64 = util::Fingerprint64). Reads
 * are little-endian, rotations are to the right. */
static const uint64_t FH_K0 = 0xc3a5c85c97cb3127ull;
static const uint64_t FH_K1 = 0xb492b66fbe98f273ull;
static const uint64_t FH_K2 = 0x9ae16a3b2f90404full;

static uint64_t fetch64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static uint32_t fetch32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rot64(uint64_t v, int s)
{
    return s == 0 ? v : (v >> s) | (v << (64 - s));
}

static uint64_t shift_mix(uint64_t v)
{
    return v ^ (v >> 47);
}

static uint64_t len16(uint64_t u, uint64_t v, uint64_t mul)
{
    uint64_t a = (u ^ v) * mul;
    a ^= a >> 47;
    uint64_t b = (v ^ a) * mul;
    b ^= b >> 47;
    return b * mul;
}

static uint64_t len0to16(const unsigned char *s, size_t len)
{
    if (len >= 8) {
        uint64_t mul = FH_K2 + len * 2;
        uint64_t a = fetch64(s) + FH_K2;
        uint64_t b = fetch64(s + len - 8);
        uint64_t c = rot64(b, 37) * mul + a;
        uint64_t d = (rot64(a, 25) + b) * mul;
        return len16(c, d, mul);
    }
    if (len >= 4) {
        uint64_t mul = FH_K2 + len * 2;
        uint64_t a = fetch32(s);
        return len16(len + (a << 3), fetch32(s + len - 4), mul);
    }
    if (len > 0) {
        uint32_t a = s[0], b = s[len >> 1], c = s[len - 1];
        uint32_t y = a + (b << 8);
        uint32_t z = (uint32_t)len + (c << 2);
        return shift_mix(y * FH_K2 ^ z * FH_K0) * FH_K2;
    }
    return FH_K2;
}

static uint64_t len17to32(const unsigned char *s, size_t len)
{
    uint64_t mul = FH_K2 + len * 2;
    uint64_t a = fetch64(s) * FH_K1;
    uint64_t b = fetch64(s + 8);
    uint64_t c = fetch64(s + len - 8) * mul;
    uint64_t d = fetch64(s + len - 16) * FH_K2;
    return len16(rot64(a + b, 43) + rot64(c, 30) + d, a + rot64(b + FH_K2, 18) + c, mul);
}

static uint64_t len33to64(const unsigned char *s, size_t len)
{
    uint64_t mul = FH_K2 + len * 2;
    uint64_t a = fetch64(s) * FH_K2;
    uint64_t b = fetch64(s + 8);
    uint64_t c = fetch64(s + len - 8) * mul;
    uint64_t d = fetch64(s + len - 16) * FH_K2;
    uint64_t y = rot64(a + b, 43) + rot64(c, 30) + d;
    uint64_t z = len16(y, a + rot64(b + FH_K2, 18) + c, mul);
    uint64_t e = fetch64(s + 16) * mul;
    uint64_t f = fetch64(s + 24);
    uint64_t g = (y + fetch64(s + len - 32)) * mul;
    uint64_t h = (z + fetch64(s + len - 24)) * mul;
    return len16(rot64(e + f, 43) + rot64(g, 30) + h, e + rot64(f + a, 18) + g, mul);
}

struct pair64 {
    uint64_t first, second;
};

static struct pair64 weak32(const unsigned char *s, uint64_t a, uint64_t b)
{
    uint64_t w = fetch64(s), x = fetch64(s + 8), y = fetch64(s + 16), z = fetch64(s + 24);
    a += w;
    b = rot64(b + a + z, 21);
    uint64_t c = a;
    a += x;
    a += y;
    b += rot64(a, 44);
    return (struct pair64){ a + z, b + c };
}

uint64_t md_fingerprint64(const char *data, size_t len)
{
    const unsigned char *s = (const unsigned char *)data;
    if (len <= 16)
        return len0to16(s, len);
    if (len <= 32)
        return len17to32(s, len);
    if (len <= 64)
        return len33to64(s, len);
    const uint64_t seed = 81;
    uint64_t x = seed;
    uint64_t y = seed * FH_K1 + 113;
    uint64_t z = shift_mix(y * FH_K2 + 113) * FH_K2;
    struct pair64 v = { 0, 0 }, w = { 0, 0 };
    x = x * FH_K2 + fetch64(s);
    const unsigned char *end = s + ((len - 1) / 64) * 64;
    const unsigned char *last64 = end + ((len - 1) & 63) - 63;
    do {
        x = rot64(x + y + v.first + fetch64(s + 8), 37) * FH_K1;
        y = rot64(y + v.second + fetch64(s + 48), 42) * FH_K1;
        x ^= w.second;
        y += v.first + fetch64(s + 40);
        z = rot64(z + w.first, 33) * FH_K1;
        v = weak32(s, v.second * FH_K1, x + w.first);
        w = weak32(s + 32, z + w.second, y + fetch64(s + 16));
        uint64_t t = z;
        z = x;
        x = t;
        s += 64;
    } while (s != end);
    uint64_t mul = FH_K1 + ((z & 0xff) << 1);
    s = last64;
    w.first += ((len - 1) & 63);
    v.first += w.first;
    w.first += v.first;
    x = rot64(x + y + v.first + fetch64(s + 8), 37) * mul;
    y = rot64(y + v.second + fetch64(s + 48), 42) * mul;
    x ^= w.second * 9;
    y += v.first * 9 + fetch64(s + 40);
    z = rot64(z + w.first, 33) * mul;
    v = weak32(s, v.second * mul, x + w.first);
    w = weak32(s + 32, z + w.second, y + fetch64(s + 16));
    uint64_t t = z;
    z = x;
    x = t;
    return len16(len16(v.first, w.first, mul) + shift_mix(y) * FH_K0 + z,
                 len16(v.second, w.second, mul) + x, mul);
}

/* -------------------------------------------------------------- philox */
struct md_philox md_philox_init(uint64_t seed, uint64_t seed2)
{
    struct md_philox g;
    g.key[0] = (uint32_t)seed;
    g.key[1] = (uint32_t)(seed >> 32);
    g.ctr[0] = 0;
    g.ctr[1] = 0;
    g.ctr[2] = (uint32_t)seed2;
    g.ctr[3] = (uint32_t)(seed2 >> 32);
    return g;
}

void md_philox_block(const struct md_philox *g, uint64_t block, uint32_t out[4])
{
    uint32_t c[4] = { g->ctr[0], g->ctr[1], g->ctr[2], g->ctr[3] };
    uint32_t lo = (uint32_t)block, hi = (uint32_t)(block >> 32);
    c[0] += lo;
    if (c[0] < lo)
        hi++;
    c[1] += hi;
    if (c[1] < hi && ++c[2] == 0)
        c[3]++;
    uint32_t k0 = g->key[0], k1 = g->key[1];
    for (int r = 0; r < 10; r++) {
        uint64_t p0 = (uint64_t)0xD2511F53u * c[0];
        uint64_t p1 = (uint64_t)0xCD9E8D57u * c[2];
        uint32_t n0 = (uint32_t)(p1 >> 32) ^ c[1] ^ k0;
        uint32_t n2 = (uint32_t)(p0 >> 32) ^ c[3] ^ k1;
        c[0] = n0;
        c[1] = (uint32_t)p1;
        c[2] = n2;
        c[3] = (uint32_t)p0;
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
    }
    memcpy(out, c, sizeof c);
}

float md_philox_float(uint32_t x)
{
    uint32_t bits = (127u << 23) | (x & 0x7fffffu);
    float f;
    memcpy(&f, &bits, sizeof f);
    return f - 1.0f;
}

double md_philox_double(uint32_t x0, uint32_t x1)
{
    uint64_t bits = (1023ull << 52) | ((uint64_t)(x0 & 0xfffffu) << 32) | x1;
    double d;
    memcpy(&d, &bits, sizeof d);
    return d - 1.0;
}

/* -------------------------------------------------------------- checks */
bool md_sp_check(struct md_kernel_ctx *k, const struct md_tensor *t, const char *what,
                 enum md_dtype want, int rank, struct md_status *st)
{
    if (want != MD_DT_INVALID && t->dtype != want)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT, "%s must be %s, got %s", what,
                              md_dtype_info(want)->tf_name, md_dtype_info(t->dtype)->tf_name);
    if (rank >= 0 && t->rank != rank) {
        char s[160];
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT, "%s must be rank %d, got shape %s",
                              what, rank, md_shape_str(s, sizeof s, t->rank, t->dims));
    }
    return true;
}

/* ------------------------------------------------------ sparse segment */
struct seg_args {
    const struct md_tensor *data, *indices, *seg;
    struct md_tensor *out;
    const int64_t *seg_start; /* per output row: first position in indices, -1: empty */
    const int64_t *seg_end;
    int64_t inner;
    enum md_segment_kind kind;
};

static void seg_rows(void *arg, int64_t begin, int64_t end)
{
    const struct seg_args *a = arg;
    int64_t inner = a->inner;
    for (int64_t r = begin; r < end; r++) {
        int64_t s0 = a->seg_start[r], s1 = a->seg_end[r];
        double scale = 1.0;
        if (s0 >= 0 && a->kind == MD_SEGMENT_MEAN)
            scale = 1.0 / (double)(s1 - s0);
        else if (s0 >= 0 && a->kind == MD_SEGMENT_SQRTN)
            scale = 1.0 / sqrt((double)(s1 - s0));
        if (a->data->dtype == MD_DT_FLOAT) {
            float *o = (float *)a->out->data + r * inner;
            const float *d = a->data->data;
            memset(o, 0, (size_t)inner * sizeof *o);
            for (int64_t p = s0; s0 >= 0 && p < s1; p++) {
                const float *row = d + md_sp_int_at(a->indices, p) * inner;
                for (int64_t j = 0; j < inner; j++)
                    o[j] += row[j];
            }
            if (s0 >= 0 && a->kind != MD_SEGMENT_SUM)
                for (int64_t j = 0; j < inner; j++)
                    o[j] = (float)((double)o[j] * scale);
        } else {
            double *o = (double *)a->out->data + r * inner;
            const double *d = a->data->data;
            memset(o, 0, (size_t)inner * sizeof *o);
            for (int64_t p = s0; s0 >= 0 && p < s1; p++) {
                const double *row = d + md_sp_int_at(a->indices, p) * inner;
                for (int64_t j = 0; j < inner; j++)
                    o[j] += row[j];
            }
            if (s0 >= 0 && a->kind != MD_SEGMENT_SUM)
                for (int64_t j = 0; j < inner; j++)
                    o[j] *= scale;
        }
    }
}

bool md_sparse_segment(struct md_kernel_ctx *k, enum md_segment_kind kind, bool with_num_segments,
                       struct md_status *st)
{
    int want = with_num_segments ? 4 : 3;
    if (k->n_inputs != want)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT, "expects %d inputs, got %d", want,
                              k->n_inputs);
    const struct md_tensor *data = k->inputs[0], *idx = k->inputs[1], *seg = k->inputs[2];
    char s1[160], s2[160];
    if (data->dtype != MD_DT_FLOAT && data->dtype != MD_DT_DOUBLE)
        return md_kernel_fail(k->node, st, MD_UNIMPLEMENTED, "dtype %s not supported",
                              md_dtype_name(data->dtype));
    if (data->rank < 1)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT, "data must be at least rank 1");
    if (!md_sp_is_index(idx->dtype) || !md_sp_is_index(seg->dtype))
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "indices and segment_ids must be int32 or int64, got %s and %s",
                              md_dtype_info(idx->dtype)->tf_name,
                              md_dtype_info(seg->dtype)->tf_name);
    if (idx->rank != 1 || seg->rank != 1 || idx->dims[0] != seg->dims[0])
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "indices and segment_ids must be vectors of the same length, got "
                              "%s and %s",
                              md_shape_str(s1, sizeof s1, idx->rank, idx->dims),
                              md_shape_str(s2, sizeof s2, seg->rank, seg->dims));
    int64_t n = idx->dims[0];
    int64_t rows;
    if (with_num_segments) {
        const struct md_tensor *ns = k->inputs[3];
        if (!md_sp_is_index(ns->dtype) || md_tensor_num_elements(ns) != 1)
            return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                                  "num_segments should be an int32 or int64 scalar");
        rows = md_sp_int_at(ns, 0);
        if (rows < 0)
            return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                                  "num_segments must be non-negative, got %lld", (long long)rows);
    } else {
        rows = n > 0 ? md_sp_int_at(seg, n - 1) + 1 : 0;
        if (rows < 0)
            return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                                  "segment ids must be >= 0, got %lld", (long long)(rows - 1));
    }
    int64_t d0 = data->dims[0];
    int64_t inner = 1;
    for (int d = 1; d < data->rank; d++)
        inner *= data->dims[d];
    int64_t prev = -1;
    for (int64_t i = 0; i < n; i++) {
        int64_t sid = md_sp_int_at(seg, i);
        if (sid < prev)
            return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                                  "segment ids are not increasing: segment_ids[%lld] = %lld "
                                  "after %lld",
                                  (long long)i, (long long)sid, (long long)prev);
        if (sid < 0 || (with_num_segments && sid >= rows))
            return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                                  "segment_ids[%lld] = %lld is out of range [0, %lld)",
                                  (long long)i, (long long)sid, (long long)rows);
        prev = sid;
        int64_t x = md_sp_int_at(idx, i);
        if (x < 0 || x >= d0)
            return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                                  "indices[%lld] = %lld is out of range [0, %lld)", (long long)i,
                                  (long long)x, (long long)d0);
    }
    int64_t dims[MD_MAX_RANK];
    dims[0] = rows;
    for (int d = 1; d < data->rank; d++)
        dims[d] = data->dims[d];
    if (!md_kernel_output(k, 0, data->dtype, data->rank, dims, st))
        return false;
    if (rows == 0 || inner == 0)
        return true;
    int64_t *start = md_kernel_scratch(k, (size_t)rows * 2 * sizeof *start, st);
    if (!start)
        return false;
    int64_t *end = start + rows;
    for (int64_t r = 0; r < rows; r++)
        start[r] = end[r] = -1;
    for (int64_t i = 0; i < n; i++) {
        int64_t sid = md_sp_int_at(seg, i);
        if (start[sid] < 0)
            start[sid] = i;
        end[sid] = i + 1;
    }
    struct seg_args a = { data, idx, seg, &k->outputs[0], start, end, inner, kind };
    md_parallel_for(k, rows, inner >= 64 ? 16 : 256, seg_rows, &a);
    return true;
}

/* ------------------------------------------------------- search sorted */
#define SEARCH(T)                                                                              \
    for (int64_t b = 0; b < nb; b++) {                                                         \
        const T *row = (const T *)sorted->data + b * n;                                        \
        const T *v = (const T *)vals->data + b * m;                                            \
        for (int64_t j = 0; j < m; j++) {                                                      \
            int64_t lo = 0, hi = n;                                                            \
            while (lo < hi) {                                                                  \
                int64_t mid = lo + (hi - lo) / 2;                                              \
                bool right = upper ? !(v[j] < row[mid]) : row[mid] < v[j];                     \
                if (right)                                                                     \
                    lo = mid + 1;                                                              \
                else                                                                           \
                    hi = mid;                                                                  \
            }                                                                                  \
            if (out == MD_DT_INT32)                                                            \
                ((int32_t *)k->outputs[0].data)[b * m + j] = (int32_t)lo;                      \
            else                                                                               \
                ((int64_t *)k->outputs[0].data)[b * m + j] = lo;                               \
        }                                                                                      \
    }                                                                                          \
    break;

bool md_search_sorted(struct md_kernel_ctx *k, bool upper, enum md_dtype out, struct md_status *st)
{
    if (k->n_inputs != 2)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT, "expects 2 inputs, got %d",
                              k->n_inputs);
    const struct md_tensor *sorted = k->inputs[0], *vals = k->inputs[1];
    if (!md_sp_check(k, sorted, "sorted_inputs", MD_DT_INVALID, 2, st) ||
        !md_sp_check(k, vals, "values", sorted->dtype, 2, st))
        return false;
    if (sorted->dims[0] != vals->dims[0])
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "Leading dim_size of both tensors must match, got %lld and %lld",
                              (long long)sorted->dims[0], (long long)vals->dims[0]);
    int64_t nb = sorted->dims[0], n = sorted->dims[1], m = vals->dims[1];
    if (out == MD_DT_INT32 && n > INT32_MAX)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT, "too many sorted inputs for int32");
    switch (sorted->dtype) {
    case MD_DT_FLOAT: case MD_DT_DOUBLE: case MD_DT_INT32: case MD_DT_INT64: break;
    default:
        return md_kernel_fail(k->node, st, MD_UNIMPLEMENTED, "dtype %s not supported",
                              md_dtype_name(sorted->dtype));
    }
    if (!md_kernel_output(k, 0, out, 2, vals->dims, st))
        return false;
    switch (sorted->dtype) {
    case MD_DT_FLOAT: SEARCH(float)
    case MD_DT_DOUBLE: SEARCH(double)
    case MD_DT_INT32: SEARCH(int32_t)
    default: SEARCH(int64_t)
    }
    return true;
}
#undef SEARCH
