/* parse_example_common.c: tf.Example -> tensors for ParseExample and
 * ParseExampleV2 (TensorFlow's example_parsing_ops semantics).
 *
 * Two passes over the batch:
 *   1. walk every Example (in parallel over blocks of examples): find the
 *      configured features (last map entry wins, as protobuf map parsing
 *      does), decode fixed-length dense features straight into their output
 *      rows, fill defaults, count the values of sparse / ragged /
 *      variable-length dense features. Every byte is validated here.
 *   2. allocate the variable-size outputs from the counts and decode those
 *      features into them (cannot fail: pass 1 validated the bytes).
 * String values point into the serialized input until a last serial step
 * copies them into the request arena in one block per output.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "attr_value.pb-c.h"
#include "ops/kernels/parse_example_common.h"

/* Attr lists come from the model; this bounds the state we allocate. */
#define PE_MAX_FEATURES 100000

/* Feature.kind oneof field numbers (example.proto). */
enum { KIND_NONE = 0, KIND_BYTES = 1, KIND_FLOAT = 2, KIND_INT64 = 3 };

enum pe_class { PE_SPARSE, PE_DENSE, PE_RAGGED };

struct pe_dense {
    enum md_dtype dtype;
    int rank;                  /* per-example rank */
    int64_t dims[MD_MAX_RANK]; /* dims[0] == -1 when varlen */
    bool varlen;               /* first dim unknown: rows padded to the longest */
    int64_t stride;            /* elements per example (fixed) or per row (varlen) */
};

struct pe_state {
    int version;
    int n_sparse, n_dense, n_ragged;
    enum md_dtype *sparse_types;
    enum md_dtype *ragged_types;
    enum md_dtype *split_types;
    struct pe_dense *dense;
};

/* ------------------------------------------------------------------ init */

static bool kind_dtype_ok(int t)
{
    return t == MD_DT_FLOAT || t == MD_DT_INT64 || t == MD_DT_STRING;
}

/* Copies a list(type) attr into persistent memory; a missing attr counts as
 * an empty list (old graphs omit empty lists). */
static bool read_types(struct md_kernel_init *ki, const char *name, int want, bool splits,
                       enum md_dtype **out, struct md_status *st)
{
    const int *v = NULL;
    size_t n = 0;
    if (!md_attr_list_type(ki->node, name, &v, &n))
        n = 0;
    if (want >= 0 && n != (size_t)want)
        return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT,
                              "attr '%s' has %zu types, expected %d", name, n, want);
    if (n > PE_MAX_FEATURES)
        return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT, "attr '%s' lists too many types",
                              name);
    *out = md_kernel_init_alloc(ki, (n ? n : 1) * sizeof **out, st);
    if (!*out)
        return false;
    for (size_t i = 0; i < n; i++) {
        int t = md_dtype_base(v[i]);
        bool ok = splits ? (t == MD_DT_INT32 || t == MD_DT_INT64) : kind_dtype_ok(t);
        if (!ok)
            return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT,
                                  "attr '%s'[%zu]: type %s not supported (%s)", name, i,
                                  md_dtype_name(t),
                                  splits ? "int32 or int64" : "float, int64 or string");
        (*out)[i] = (enum md_dtype)t;
    }
    return true;
}

static bool read_dense_shapes(struct md_kernel_init *ki, struct pe_state *s, struct md_status *st)
{
    const Tensorflow__AttrValue *a = md_attr_find(ki->node, "dense_shapes");
    size_t n = 0;
    if (a && a->value_case == TENSORFLOW__ATTR_VALUE__VALUE_LIST && a->list)
        n = a->list->n_shape;
    else if (a || s->n_dense)
        return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT,
                              "attr 'dense_shapes' missing or not a list of shapes");
    if (n != (size_t)s->n_dense)
        return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT,
                              "attr 'dense_shapes' has %zu shapes, expected %d", n, s->n_dense);
    for (size_t d = 0; d < n; d++) {
        const Tensorflow__TensorShapeProto *sh = a->list->shape[d];
        struct pe_dense *pd = &s->dense[d];
        if (!sh || sh->unknown_rank)
            return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT,
                                  "dense_shapes[%zu] has unknown rank", d);
        if (sh->n_dim > MD_MAX_RANK - 1)
            return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT,
                                  "dense_shapes[%zu] has rank %zu, at most %d supported", d,
                                  sh->n_dim, MD_MAX_RANK - 1);
        pd->rank = (int)sh->n_dim;
        pd->stride = 1;
        for (int i = 0; i < pd->rank; i++) {
            int64_t v = sh->dim[i] ? sh->dim[i]->size : -1;
            pd->dims[i] = v;
            if (i == 0 && v == -1) {
                pd->varlen = true;
                continue;
            }
            if (v < 0)
                return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT,
                                      "dense_shapes[%zu]: all dimensions must be known except "
                                      "the first",
                                      d);
            if (v > 0 && pd->stride > (INT64_C(1) << 40) / v)
                return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT,
                                      "dense_shapes[%zu] is too large", d);
            pd->stride *= v;
        }
        if (pd->varlen && pd->stride == 0)
            return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT,
                                  "dense_shapes[%zu]: a variable-length shape needs a "
                                  "non-empty row",
                                  d);
    }
    return true;
}

bool md_parse_example_init(struct md_kernel_init *ki, int version, struct md_status *st)
{
    struct pe_state *s = md_kernel_init_alloc(ki, sizeof *s, st);
    if (!s)
        return false;
    s->version = version;
    int64_t ns = -1, nd = -1;
    enum md_dtype *tdense = NULL;
    if (version == 1) {
        if (!md_attr_int(ki->node, "Nsparse", &ns) || !md_attr_int(ki->node, "Ndense", &nd))
            return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT,
                                  "attrs 'Nsparse' and 'Ndense' are required");
    } else {
        if (!md_attr_int(ki->node, "num_sparse", &ns))
            return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT,
                                  "attr 'num_sparse' is required");
    }
    if (ns < 0 || ns > PE_MAX_FEATURES || nd > PE_MAX_FEATURES)
        return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT, "bad feature counts");
    s->n_sparse = (int)ns;
    if (!read_types(ki, "sparse_types", s->n_sparse, false, &s->sparse_types, st))
        return false;
    if (version == 1 && nd < 0)
        return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT, "attr 'Ndense' is negative");
    if (!read_types(ki, "Tdense", version == 1 ? (int)nd : -1, false, &tdense, st))
        return false;
    {
        const int *v;
        size_t n = 0;
        if (!md_attr_list_type(ki->node, "Tdense", &v, &n))
            n = 0;
        s->n_dense = (int)n;
    }
    if (version == 2) {
        const int *v;
        size_t n = 0;
        if (!md_attr_list_type(ki->node, "ragged_value_types", &v, &n))
            n = 0;
        if (n > PE_MAX_FEATURES)
            return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT, "too many ragged features");
        s->n_ragged = (int)n;
        if (!read_types(ki, "ragged_value_types", s->n_ragged, false, &s->ragged_types, st) ||
            !read_types(ki, "ragged_split_types", s->n_ragged, true, &s->split_types, st))
            return false;
    }
    s->dense = md_kernel_init_alloc(ki, (size_t)(s->n_dense ? s->n_dense : 1) * sizeof *s->dense,
                                    st);
    if (!s->dense)
        return false;
    for (int d = 0; d < s->n_dense; d++)
        s->dense[d].dtype = tdense[d];
    if (!read_dense_shapes(ki, s, st))
        return false;
    int want_in = version == 1 ? 2 + s->n_sparse + 2 * s->n_dense : 5 + s->n_dense;
    if (ki->n_inputs != want_in)
        return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT, "has %d inputs, expected %d",
                              ki->n_inputs, want_in);
    ki->n_outputs = 3 * s->n_sparse + s->n_dense + 2 * s->n_ragged;
    ki->state = s;
    return true;
}

/* ------------------------------------------------------- the wire walker */

/* One protobuf field: number, wire type, and for LEN fields the payload. */
struct pb_field {
    uint32_t num;
    int wt;
    const uint8_t *start; /* first byte of the tag */
    const uint8_t *data;  /* LEN payload / fixed32 bytes */
    size_t len;
    uint64_t varint;
};

static bool rd_varint(const uint8_t **p, const uint8_t *end, uint64_t *out)
{
    uint64_t v = 0;
    const uint8_t *q = *p;
    for (int shift = 0; shift < 64; shift += 7) {
        if (q >= end)
            return false;
        uint8_t b = *q++;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *p = q;
            *out = v;
            return true;
        }
    }
    return false; /* more than 10 bytes */
}

/* Reads the next field at *p; false on malformed bytes (truncated, group,
 * unknown wire type, field number 0). */
static bool rd_field(const uint8_t **p, const uint8_t *end, struct pb_field *f)
{
    uint64_t tag;
    f->start = *p;
    if (!rd_varint(p, end, &tag))
        return false;
    f->num = (uint32_t)(tag >> 3);
    f->wt = (int)(tag & 7);
    if (f->num == 0 || (tag >> 3) > UINT32_MAX)
        return false;
    switch (f->wt) {
    case 0:
        return rd_varint(p, end, &f->varint);
    case 1:
        if (end - *p < 8)
            return false;
        f->data = *p;
        *p += 8;
        return true;
    case 2: {
        uint64_t len;
        if (!rd_varint(p, end, &len) || len > (uint64_t)(end - *p))
            return false;
        f->data = *p;
        f->len = (size_t)len;
        *p += len;
        return true;
    }
    case 5:
        if (end - *p < 4)
            return false;
        f->data = *p;
        *p += 4;
        return true;
    default:
        return false;
    }
}

static float le_float(const uint8_t *b)
{
    uint32_t u = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

/* Finds the Feature's kind (the last oneof field present, as protobuf's oneof
 * rule says) and where its run starts: an earlier field of another kind was
 * cleared by the switch, earlier fields of the same kind merge with it.
 * Unknown fields are skipped. */
static bool scan_feature(const uint8_t *p, const uint8_t *end, int *kind, const uint8_t **run)
{
    *kind = KIND_NONE;
    *run = end;
    struct pb_field f;
    while (p < end) {
        if (!rd_field(&p, end, &f))
            return false;
        if (f.wt == 2 && f.num >= KIND_BYTES && f.num <= KIND_INT64 && (int)f.num != *kind) {
            *kind = (int)f.num;
            *run = f.start;
        }
    }
    return true;
}

/* Decodes the values of one list message (BytesList / FloatList / Int64List)
 * into out[*n ...] (writing only below cap; out may be NULL to count).
 * Returns false on malformed bytes. */
static bool list_values(const uint8_t *p, const uint8_t *end, int kind, void *out, int64_t cap,
                        int64_t *n)
{
    struct pb_field f;
    while (p < end) {
        if (!rd_field(&p, end, &f))
            return false;
        if (f.num != 1)
            continue;
        if (kind == KIND_BYTES) {
            if (f.wt != 2)
                continue;
            if (out && *n < cap)
                ((struct md_str *)out)[*n] = (struct md_str){ (const char *)f.data, f.len };
            (*n)++;
        } else if (kind == KIND_FLOAT) {
            if (f.wt == 5) {
                if (out && *n < cap)
                    ((float *)out)[*n] = le_float(f.data);
                (*n)++;
            } else if (f.wt == 2) {
                if (f.len % 4)
                    return false;
                int64_t cnt = (int64_t)(f.len / 4);
                if (out && *n < cap) {
                    int64_t take = cnt < cap - *n ? cnt : cap - *n;
                    float *o = (float *)out + *n;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
                    memcpy(o, f.data, (size_t)take * 4);
#else
                    for (int64_t i = 0; i < take; i++)
                        o[i] = le_float(f.data + 4 * i);
#endif
                }
                *n += cnt;
            }
        } else {
            if (f.wt == 0) {
                if (out && *n < cap)
                    ((int64_t *)out)[*n] = (int64_t)f.varint;
                (*n)++;
            } else if (f.wt == 2) {
                const uint8_t *q = f.data, *qe = f.data + f.len;
                while (q < qe) {
                    uint64_t v;
                    if (!rd_varint(&q, qe, &v))
                        return false;
                    if (out && *n < cap)
                        ((int64_t *)out)[*n] = (int64_t)v;
                    (*n)++;
                }
            }
        }
    }
    return true;
}

/* All values of a Feature run (fields of `kind` from run to end, merged). */
static bool feature_values(const uint8_t *run, const uint8_t *end, int kind, void *out,
                           int64_t cap, int64_t *n)
{
    *n = 0;
    struct pb_field f;
    const uint8_t *p = run;
    while (p < end) {
        if (!rd_field(&p, end, &f))
            return false;
        if ((int)f.num == kind && f.wt == 2 &&
            !list_values(f.data, f.data + f.len, kind, out, cap, n))
            return false;
    }
    return true;
}

/* ------------------------------------------------------------- compute */

struct pe_key {
    const char *data;
    size_t len;
    enum pe_class cls;
    int index; /* within its class */
};

/* What was found for one configured feature in one example. */
struct pe_slot {
    const uint8_t *run, *end;
    int kind;   /* KIND_*; KIND_NONE with run == NULL: absent */
    int64_t n;  /* number of values (variable-size features) */
};

struct pe_run {
    const struct pe_state *s;
    struct md_kernel_ctx *k;
    const struct md_tensor *serialized;
    const struct md_tensor *names; /* NULL when empty */
    const struct md_tensor *const *defaults;
    int64_t batch;
    bool scalar;
    int n_keys;
    const struct pe_key *keys;
    const int32_t *table; /* open addressing, key index + 1, 0 = empty */
    uint32_t table_mask;
    /* var features: sparse [0, Ns), varlen dense, ragged; var_of_dense[d] or -1 */
    int n_var;
    const int *var_of_dense;
    struct pe_slot *var_slots; /* [batch * n_var] */
    struct pe_slot *work;      /* [n_blocks * n_keys] */
    int64_t n_blocks, block;
    struct md_status *block_st; /* [n_blocks] */
    /* pass 2 */
    const int64_t *var_offset; /* [batch * n_var]: first value's position */
    const int64_t *var_rows;   /* [n_var]: max rows (varlen) / max count (sparse) */
};

static uint32_t hash_key(const char *p, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (uint8_t)p[i]) * 16777619u;
    return h;
}

static int find_key(const struct pe_run *r, const char *p, size_t n)
{
    for (uint32_t i = hash_key(p, n) & r->table_mask;; i = (i + 1) & r->table_mask) {
        int32_t e = r->table[i];
        if (!e)
            return -1;
        const struct pe_key *k = &r->keys[e - 1];
        if (k->len == n && (n == 0 || !memcmp(k->data, p, n)))
            return e - 1;
    }
}

static const char *type_str(enum md_dtype t) { return md_dtype_info(t)->tf_name; }

static int kind_of(enum md_dtype t)
{
    return t == MD_DT_STRING ? KIND_BYTES : t == MD_DT_FLOAT ? KIND_FLOAT : KIND_INT64;
}

static enum md_dtype dtype_of_kind(int kind)
{
    return kind == KIND_BYTES ? MD_DT_STRING : kind == KIND_FLOAT ? MD_DT_FLOAT : MD_DT_INT64;
}

/* "Name: <n>" part of TensorFlow's messages. */
static const char *ex_name(const struct pe_run *r, int64_t e, char *buf, size_t cap)
{
    if (!r->names)
        return "<unknown>";
    const struct md_str *s = &((const struct md_str *)r->names->data)[e];
    return md_escape(buf, cap, s->data, s->len);
}

static bool ex_fail(const struct pe_run *r, int64_t e, const struct pe_key *key,
                    struct md_status *st, const char *fmt, ...) MD_PRINTF(5, 6);

static bool ex_fail(const struct pe_run *r, int64_t e, const struct pe_key *key,
                    struct md_status *st, const char *fmt, ...)
{
    char msg[300], name[96], kb[96];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return md_kernel_fail(r->k->node, st, MD_INVALID_ARGUMENT,
                          "Name: %s, Key: %s, Index: %lld.  %s", ex_name(r, e, name, sizeof name),
                          md_escape(kb, sizeof kb, key->data, key->len), (long long)e, msg);
}

static size_t dense_row_bytes(const struct pe_dense *pd)
{
    return (size_t)pd->stride * md_dtype_size(pd->dtype);
}

/* Pass 1 for example e. */
static bool parse_one(struct pe_run *r, int64_t e, struct pe_slot *slots, struct md_status *st)
{
    const struct pe_state *s = r->s;
    const struct md_str *ser = &((const struct md_str *)r->serialized->data)[e];
    const uint8_t *p = (const uint8_t *)ser->data, *end = p + ser->len;
    for (int i = 0; i < r->n_keys; i++)
        slots[i] = (struct pe_slot){ NULL, NULL, KIND_NONE, 0 };

    /* Example { Features features = 1 }  Features { map<string, Feature> feature = 1 } */
    struct pb_field f, g, h;
    bool ok = true;
    while (ok && p < end) {
        if (!(ok = rd_field(&p, end, &f)))
            break;
        if (f.num != 1 || f.wt != 2)
            continue;
        const uint8_t *q = f.data, *qe = f.data + f.len;
        while (ok && q < qe) {
            if (!(ok = rd_field(&q, qe, &g)))
                break;
            if (g.num != 1 || g.wt != 2)
                continue;
            /* map entry { string key = 1; Feature value = 2; } */
            const uint8_t *m = g.data, *me = g.data + g.len;
            const uint8_t *key = NULL, *val = NULL;
            size_t klen = 0, vlen = 0;
            while (ok && m < me) {
                if (!(ok = rd_field(&m, me, &h)))
                    break;
                if (h.wt != 2)
                    continue;
                if (h.num == 1) {
                    key = h.data;
                    klen = h.len;
                } else if (h.num == 2) {
                    val = h.data;
                    vlen = h.len;
                }
            }
            if (!ok)
                break;
            int ki = find_key(r, key ? (const char *)key : "", klen);
            if (ki < 0)
                continue;
            struct pe_slot sl = { NULL, NULL, KIND_NONE, 0 };
            const uint8_t *ve = val ? val + vlen : NULL;
            if (val && !scan_feature(val, ve, &sl.kind, &sl.run))
                return ex_fail(r, e, &r->keys[ki], st, "Can't parse serialized Example.");
            if (sl.kind == KIND_NONE) {
                /* A Feature with no kind: TensorFlow skips it for dense
                 * features and records an empty list for sparse ones. */
                if (r->keys[ki].cls == PE_DENSE)
                    continue;
                sl.run = sl.end = (const uint8_t *)"";
            } else {
                sl.end = ve;
            }
            slots[ki] = sl;
        }
    }
    if (!ok) {
        char name[96], v[80];
        return md_kernel_fail(r->k->node, st, MD_INVALID_ARGUMENT,
                              "Name: %s, Index: %lld.  Could not parse example input, value: '%s'",
                              ex_name(r, e, name, sizeof name), (long long)e,
                              md_escape(v, sizeof v, ser->data, ser->len));
    }

    for (int ki = 0; ki < r->n_keys; ki++) {
        const struct pe_key *key = &r->keys[ki];
        struct pe_slot *sl = &slots[ki];
        if (key->cls == PE_DENSE) {
            const struct pe_dense *pd = &s->dense[key->index];
            int var = r->var_of_dense[key->index];
            if (sl->run && sl->kind != kind_of(pd->dtype))
                return ex_fail(r, e, key, st,
                               "Data types don't match. Data type: %s but expected type: %s",
                               type_str(dtype_of_kind(sl->kind)), type_str(pd->dtype));
            if (var >= 0) {
                int64_t n = 0;
                if (sl->run && !feature_values(sl->run, sl->end, sl->kind, NULL, 0, &n))
                    return ex_fail(r, e, key, st, "Can't parse serialized Example.");
                if (n % pd->stride) {
                    char sh[96];
                    return ex_fail(r, e, key, st,
                                   "Number of %s values is not a multiple of stride length. Saw "
                                   "%lld values but output shape is: %s",
                                   pd->dtype == MD_DT_STRING ? "bytes" : type_str(pd->dtype),
                                   (long long)n, md_shape_str(sh, sizeof sh, pd->rank, pd->dims));
                }
                sl->n = n;
                r->var_slots[e * r->n_var + var] = *sl;
                continue;
            }
            struct md_tensor *out = &r->k->outputs[3 * s->n_sparse + key->index];
            size_t rb = dense_row_bytes(pd);
            char *row = (char *)out->data + (size_t)e * rb;
            if (!sl->run) {
                const struct md_tensor *def = r->defaults[key->index];
                if (md_tensor_num_elements(def) == 0) {
                    char name[96], kb[96];
                    return md_kernel_fail(r->k->node, st, MD_INVALID_ARGUMENT,
                                          "Name: %s, Feature: %s (data type: %s) is required but "
                                          "could not be found.",
                                          ex_name(r, e, name, sizeof name),
                                          md_escape(kb, sizeof kb, key->data, key->len),
                                          type_str(pd->dtype));
                }
                if (rb)
                    memcpy(row, def->data, rb);
                continue;
            }
            int64_t n = 0;
            if (!feature_values(sl->run, sl->end, sl->kind, row, pd->stride, &n))
                return ex_fail(r, e, key, st, "Can't parse serialized Example.");
            if (n != pd->stride) {
                char sh[96];
                return ex_fail(r, e, key, st,
                               "Number of %s values != expected.  Values size: %lld but output "
                               "shape: %s",
                               pd->dtype == MD_DT_STRING ? "bytes" : type_str(pd->dtype),
                               (long long)n, md_shape_str(sh, sizeof sh, pd->rank, pd->dims));
            }
        } else {
            enum md_dtype t = key->cls == PE_SPARSE ? s->sparse_types[key->index]
                                                    : s->ragged_types[key->index];
            if (sl->run && sl->kind != KIND_NONE && sl->kind != kind_of(t))
                return ex_fail(r, e, key, st,
                               "Data types don't match. Expected type: %s, Actual type: %s",
                               type_str(t), type_str(dtype_of_kind(sl->kind)));
            int64_t n = 0;
            if (sl->run && sl->kind != KIND_NONE &&
                !feature_values(sl->run, sl->end, sl->kind, NULL, 0, &n))
                return ex_fail(r, e, key, st, "Can't parse serialized Example.");
            sl->n = n;
            int var = key->cls == PE_SPARSE ? key->index : r->n_var - s->n_ragged + key->index;
            r->var_slots[e * r->n_var + var] = *sl;
        }
    }
    return true;
}

static void pass1_block(void *arg, int64_t b0, int64_t b1)
{
    struct pe_run *r = arg;
    for (int64_t b = b0; b < b1; b++) {
        int64_t e0 = b * r->block, e1 = e0 + r->block < r->batch ? e0 + r->block : r->batch;
        struct pe_slot *slots = r->work + b * r->n_keys;
        for (int64_t e = e0; e < e1; e++)
            if (!parse_one(r, e, slots, &r->block_st[b]))
                break;
    }
}

/* The output index of var feature v's values, and its dtype. */
static int var_values_output(const struct pe_state *s, int n_var, int v, int n_varlen_dense,
                             const int *dense_of_var)
{
    if (v < s->n_sparse)
        return s->n_sparse + v;
    if (v < s->n_sparse + n_varlen_dense)
        return 3 * s->n_sparse + dense_of_var[v];
    return 3 * s->n_sparse + s->n_dense + (v - (n_var - s->n_ragged));
}

struct pe_pass2 {
    struct pe_run *r;
    int n_varlen_dense;
    const int *dense_of_var;
};

static void pass2_block(void *arg, int64_t b0, int64_t b1)
{
    struct pe_pass2 *p2 = arg;
    struct pe_run *r = p2->r;
    const struct pe_state *s = r->s;
    struct md_tensor *outs = r->k->outputs;
    for (int64_t b = b0; b < b1; b++) {
        int64_t e0 = b * r->block, e1 = e0 + r->block < r->batch ? e0 + r->block : r->batch;
        for (int64_t e = e0; e < e1; e++) {
            for (int v = 0; v < r->n_var; v++) {
                const struct pe_slot *sl = &r->var_slots[e * r->n_var + v];
                int64_t off = r->var_offset[e * r->n_var + v];
                int oi = var_values_output(s, r->n_var, v, p2->n_varlen_dense, p2->dense_of_var);
                struct md_tensor *vals = &outs[oi];
                size_t es = md_dtype_size(vals->dtype);
                int64_t n = 0;
                if (sl->run && sl->kind != KIND_NONE)
                    (void)feature_values(sl->run, sl->end, sl->kind,
                                         (char *)vals->data + (size_t)off * es, sl->n, &n);
                if (v < s->n_sparse) {
                    int64_t *ix = outs[v].data;
                    int cols = r->scalar ? 1 : 2;
                    for (int64_t i = 0; i < sl->n; i++) {
                        int64_t *row = ix + (off + i) * cols;
                        if (!r->scalar)
                            *row++ = e;
                        *row = i;
                    }
                } else if (v < s->n_sparse + p2->n_varlen_dense) {
                    /* pad this example's rows up to the longest with the default */
                    int d = p2->dense_of_var[v];
                    const struct pe_dense *pd = &s->dense[d];
                    const char *def = r->defaults[d]->data;
                    int64_t per_ex = r->var_rows[v] * pd->stride;
                    char *base = (char *)vals->data + (size_t)(e * per_ex) * es;
                    for (int64_t i = sl->n; i < per_ex; i++)
                        memcpy(base + (size_t)i * es, def, es);
                }
            }
        }
    }
}

/* Copies the bytes of every string in t into one arena block. */
static bool own_strings(struct md_kernel_ctx *k, struct md_tensor *t, struct md_status *st)
{
    int64_t n = md_tensor_num_elements(t);
    struct md_str *v = t->data;
    size_t total = 0;
    for (int64_t i = 0; i < n; i++)
        total += v[i].len;
    char *p = md_kernel_scratch(k, total, st);
    if (!p)
        return false;
    for (int64_t i = 0; i < n; i++) {
        if (v[i].len)
            memcpy(p, v[i].data, v[i].len);
        v[i].data = p;
        p += v[i].len;
    }
    return true;
}

static bool check_keys_tensor(struct md_kernel_ctx *k, const struct md_tensor *t, const char *what,
                              int want, struct md_status *st)
{
    if (t->dtype != MD_DT_STRING)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT, "%s must be string, got %s", what,
                              md_dtype_info(t->dtype)->tf_name);
    if (md_tensor_num_elements(t) != want)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "Expected len(%s) == %d but got: %lld", what, want,
                              (long long)md_tensor_num_elements(t));
    return true;
}

bool md_parse_example_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    const struct pe_state *s = k->state;
    struct pe_run r = { .s = s, .k = k };
    const struct md_tensor *ser = k->inputs[0], *names = k->inputs[1];
    if (ser->dtype != MD_DT_STRING)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT, "serialized must be string, got %s",
                              md_dtype_info(ser->dtype)->tf_name);
    if (!(ser->rank == 1 || (ser->rank == 0 && s->version == 2))) {
        char sh[96];
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "Expected serialized to be a %s, got shape: %s",
                              s->version == 2 ? "scalar or vector" : "vector",
                              md_shape_str(sh, sizeof sh, ser->rank, ser->dims));
    }
    r.serialized = ser;
    r.scalar = ser->rank == 0;
    r.batch = md_tensor_num_elements(ser);
    if (names->dtype != MD_DT_STRING)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT, "names must be string, got %s",
                              md_dtype_info(names->dtype)->tf_name);
    if (md_tensor_num_elements(names) > 0) {
        bool same = names->rank == ser->rank;
        for (int i = 0; same && i < ser->rank; i++)
            same = names->dims[i] == ser->dims[i];
        if (!same) {
            char a[96], b[96];
            return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                                  "Expected names have the same shape as serialized: "
                                  "name.shape=%s, serialized.shape=%s",
                                  md_shape_str(a, sizeof a, names->rank, names->dims),
                                  md_shape_str(b, sizeof b, ser->rank, ser->dims));
        }
        r.names = names;
    }

    /* Keys, in slot order: sparse, dense, ragged. */
    r.n_keys = s->n_sparse + s->n_dense + s->n_ragged;
    size_t n_keys1 = (size_t)(r.n_keys ? r.n_keys : 1);
    struct pe_key *keys = md_kernel_scratch(k, n_keys1 * sizeof *keys, st);
    if (!keys)
        return false;
    const struct md_tensor *const *defaults;
    if (s->version == 1) {
        for (int i = 0; i < s->n_sparse + s->n_dense; i++) {
            const struct md_tensor *t = k->inputs[2 + i];
            if (t->dtype != MD_DT_STRING || t->rank != 0)
                return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                                      "%s_keys[%d] must be a string scalar",
                                      i < s->n_sparse ? "sparse" : "dense",
                                      i < s->n_sparse ? i : i - s->n_sparse);
            const struct md_str *v = t->data;
            keys[i] = (struct pe_key){ v->data, v->len, i < s->n_sparse ? PE_SPARSE : PE_DENSE,
                                       i < s->n_sparse ? i : i - s->n_sparse };
        }
        defaults = k->inputs + 2 + s->n_sparse + s->n_dense;
    } else {
        static const char *const what[3] = { "sparse_keys", "dense_keys", "ragged_keys" };
        const int counts[3] = { s->n_sparse, s->n_dense, s->n_ragged };
        const enum pe_class cls[3] = { PE_SPARSE, PE_DENSE, PE_RAGGED };
        int at = 0;
        for (int c = 0; c < 3; c++) {
            const struct md_tensor *t = k->inputs[2 + c];
            if (!check_keys_tensor(k, t, what[c], counts[c], st))
                return false;
            const struct md_str *v = t->data;
            for (int i = 0; i < counts[c]; i++)
                keys[at++] = (struct pe_key){ v[i].data, v[i].len, cls[c], i };
        }
        defaults = k->inputs + 5;
    }
    r.keys = keys;
    r.defaults = defaults;
    for (int d = 0; d < s->n_dense; d++) {
        const struct pe_dense *pd = &s->dense[d];
        const struct md_tensor *def = defaults[d];
        int64_t n = md_tensor_num_elements(def);
        if (def->dtype != pd->dtype)
            return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                                  "dense_defaults[%d].dtype() == %s != dense_types_[%d] == %s", d,
                                  type_str(def->dtype), d, type_str(pd->dtype));
        if (pd->varlen ? n != 1 : (n != 0 && n != pd->stride)) {
            char a[96], b[96];
            return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                                  pd->varlen ? "dense_shape[%d] is a variable length shape: %s, "
                                               "therefore def_value[%d] must contain a single "
                                               "element (the padding element).  But its shape "
                                               "is: %s"
                                             : "dense_shape[%d] == %s: def_value[%d].shape() == "
                                               "%s is not compatible",
                                  d, md_shape_str(a, sizeof a, pd->rank, pd->dims), d,
                                  md_shape_str(b, sizeof b, def->rank, def->dims));
        }
    }

    /* Hash table of the keys. */
    uint32_t cap = 4;
    while (cap < 2u * (uint32_t)r.n_keys)
        cap <<= 1;
    int32_t *table = md_kernel_scratch(k, cap * sizeof *table, st);
    if (!table)
        return false;
    memset(table, 0, cap * sizeof *table);
    r.table = table;
    r.table_mask = cap - 1;
    for (int i = 0; i < r.n_keys; i++) {
        if (find_key(&r, keys[i].data, keys[i].len) >= 0) {
            char kb[96];
            return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                                  "feature key '%s' is configured twice",
                                  md_escape(kb, sizeof kb, keys[i].data, keys[i].len));
        }
        uint32_t h = hash_key(keys[i].data, keys[i].len) & r.table_mask;
        while (table[h])
            h = (h + 1) & r.table_mask;
        table[h] = i + 1;
    }

    /* Variable-size features: sparse, varlen dense, ragged. */
    int n_varlen_dense = 0;
    int *var_of_dense = md_kernel_scratch(k, (size_t)(s->n_dense + 1) * sizeof *var_of_dense, st);
    int *dense_of_var = md_kernel_scratch(
        k, (size_t)(s->n_sparse + s->n_dense + s->n_ragged + 1) * sizeof *dense_of_var, st);
    if (!var_of_dense || !dense_of_var)
        return false;
    for (int d = 0; d < s->n_dense; d++) {
        var_of_dense[d] = -1;
        if (s->dense[d].varlen) {
            var_of_dense[d] = s->n_sparse + n_varlen_dense;
            dense_of_var[s->n_sparse + n_varlen_dense] = d;
            n_varlen_dense++;
        }
    }
    r.n_var = s->n_sparse + n_varlen_dense + s->n_ragged;
    r.var_of_dense = var_of_dense;
    size_t nvs = (size_t)r.batch * (size_t)r.n_var;
    r.var_slots = md_kernel_scratch(k, (nvs ? nvs : 1) * sizeof *r.var_slots, st);
    if (!r.var_slots)
        return false;

    /* Fixed-size dense outputs can be allocated now. */
    for (int d = 0; d < s->n_dense; d++) {
        const struct pe_dense *pd = &s->dense[d];
        if (pd->varlen)
            continue;
        int64_t dims[MD_MAX_RANK];
        int rank = 0;
        if (!r.scalar)
            dims[rank++] = r.batch;
        for (int i = 0; i < pd->rank; i++)
            dims[rank++] = pd->dims[i];
        if (!md_kernel_output(k, 3 * s->n_sparse + d, pd->dtype, rank, dims, st))
            return false;
    }

    /* Pass 1, in blocks of examples. */
    r.block = r.batch >= 256 ? (r.batch + 63) / 64 : 64;
    if (r.block < 16)
        r.block = 16;
    r.n_blocks = r.batch ? (r.batch + r.block - 1) / r.block : 0;
    size_t n_blocks1 = (size_t)(r.n_blocks ? r.n_blocks : 1);
    r.work = md_kernel_scratch(k, n_blocks1 * n_keys1 * sizeof *r.work, st);
    r.block_st = md_kernel_scratch(k, n_blocks1 * sizeof *r.block_st, st);
    if (!r.work || !r.block_st)
        return false;
    for (int64_t b = 0; b < r.n_blocks; b++)
        r.block_st[b] = (struct md_status)MD_STATUS_INIT;
    md_parallel_for(k, r.n_blocks, 1, pass1_block, &r);
    for (int64_t b = 0; b < r.n_blocks; b++)
        if (!md_status_ok(&r.block_st[b])) {
            md_status_set(st, r.block_st[b].code, "%s", r.block_st[b].msg);
            return false;
        }

    /* Offsets and sizes of the variable-size outputs. */
    int64_t *offset = md_kernel_scratch(k, (nvs ? nvs : 1) * sizeof *offset, st);
    int64_t *rows = md_kernel_scratch(k, (size_t)(r.n_var + 1) * sizeof *rows, st);
    if (!offset || !rows)
        return false;
    for (int v = 0; v < r.n_var; v++) {
        bool varlen = v >= s->n_sparse && v < s->n_sparse + n_varlen_dense;
        int64_t stride = varlen ? s->dense[dense_of_var[v]].stride : 1;
        int64_t total = 0, most = 0;
        for (int64_t e = 0; e < r.batch; e++) {
            int64_t n = r.var_slots[e * r.n_var + v].n;
            if (n / stride > most)
                most = n / stride;
            if (!varlen) {
                offset[e * r.n_var + v] = total;
                total += n;
            }
        }
        rows[v] = most;
        if (varlen) {
            if (most > 0 && stride > (INT64_C(1) << 40) / most)
                return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT, "output too large");
            for (int64_t e = 0; e < r.batch; e++)
                offset[e * r.n_var + v] = e * most * stride;
        }
        int oi = var_values_output(s, r.n_var, v, n_varlen_dense, dense_of_var);
        if (v < s->n_sparse) {
            int64_t idims[2] = { total, r.scalar ? 1 : 2 };
            if (!md_kernel_output(k, v, MD_DT_INT64, 2, idims, st) ||
                !md_kernel_output(k, oi, s->sparse_types[v], 1, &total, st))
                return false;
            int64_t sdim = r.scalar ? 1 : 2;
            if (!md_kernel_output(k, 2 * s->n_sparse + v, MD_DT_INT64, 1, &sdim, st))
                return false;
            int64_t *shape = k->outputs[2 * s->n_sparse + v].data;
            if (!r.scalar)
                *shape++ = r.batch;
            *shape = most;
        } else if (varlen) {
            const struct pe_dense *pd = &s->dense[dense_of_var[v]];
            int64_t dims[MD_MAX_RANK];
            int rank = 0;
            if (!r.scalar)
                dims[rank++] = r.batch;
            dims[rank++] = most;
            for (int i = 1; i < pd->rank; i++)
                dims[rank++] = pd->dims[i];
            if (!md_kernel_output(k, oi, pd->dtype, rank, dims, st))
                return false;
        } else {
            int rv = v - (r.n_var - s->n_ragged);
            if (!md_kernel_output(k, oi, s->ragged_types[rv], 1, &total, st))
                return false;
            int64_t nsplit = (r.scalar ? 1 : r.batch) + 1;
            int si = 3 * s->n_sparse + s->n_dense + s->n_ragged + rv;
            if (!md_kernel_output(k, si, s->split_types[rv], 1, &nsplit, st))
                return false;
            int64_t acc = 0;
            for (int64_t e = 0; e < nsplit; e++) {
                if (s->split_types[rv] == MD_DT_INT32)
                    ((int32_t *)k->outputs[si].data)[e] = (int32_t)acc;
                else
                    ((int64_t *)k->outputs[si].data)[e] = acc;
                if (e < r.batch)
                    acc += r.var_slots[e * r.n_var + v].n;
            }
            if (acc > INT32_MAX && s->split_types[rv] == MD_DT_INT32)
                return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                                      "ragged feature has too many values for int32 row splits");
        }
    }
    r.var_offset = offset;
    r.var_rows = rows;
    struct pe_pass2 p2 = { &r, n_varlen_dense, dense_of_var };
    if (r.n_var)
        md_parallel_for(k, r.n_blocks, 1, pass2_block, &p2);

    /* Strings still point into the request or the defaults: copy them. */
    for (int i = 0; i < k->n_outputs; i++)
        if (k->outputs[i].dtype == MD_DT_STRING && !own_strings(k, &k->outputs[i], st))
            return false;
    return true;
}
