/* cli_run.c: `modeld-cli run`, TensorFlow's `saved_model_cli run`.
 *
 *   modeld-cli run --dir D --tag_set serve --signature_def K
 *       [--inputs 'x=f.npy;y=g.npz[arr]'] [--input_exprs 'x=[[1.0],[2.0]]']
 *       [--input_examples 'inputs=[{"x":[1.0]}]'] [--outdir DIR [--overwrite]]
 *
 * Inputs are converted to the signature's dtype as TensorFlow's feed does
 * (numbers to numbers; strings only to strings). Each output is printed in
 * alias order as numpy's str() would print it, or saved to DIR/<key>.npy.
 * Exit status: 0 ok, 1 error (message on stderr), 2 usage.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ops/ops.h"
#include "tools/cli.h"
#include "tools/npy.h"

static const char run_usage[] =
    "usage: modeld-cli run --dir DIR --tag_set TAGS --signature_def KEY\n"
    "                      [--inputs 'KEY=FILE.npy;KEY=FILE.npz[ARRAY]']\n"
    "                      [--input_exprs 'KEY=<python literal>;...']\n"
    "                      [--input_examples 'KEY=[{\"feature\":[values]},...]']\n"
    "                      [--outdir DIR [--overwrite]]\n"
    "\n"
    "Runs one signature of a SavedModel on inputs given as numpy files, Python\n"
    "literals or tf.Example dicts, and prints each output as numpy does (or saves\n"
    "it to DIR/<output key>.npy). On a duplicate key, --input_examples wins over\n"
    "--input_exprs, which wins over --inputs.\n";

#define MAX_LIT_DEPTH 64
#define MAX_LIT_ITEMS (1 << 24)

/* ================================================== Python literals */
enum lit_kind { L_NONE, L_BOOL, L_INT, L_FLOAT, L_STR, L_LIST, L_DICT };

struct lit {
    enum lit_kind kind;
    bool b;
    int64_t i;
    double f;
    char *s;            /* L_STR (bytes, may hold NULs) */
    size_t slen;
    size_t n;           /* L_LIST / L_DICT items */
    struct lit *items;
    struct lit *keys;   /* L_DICT */
};

struct parser {
    const char *p, *end;
    const char *err;
    size_t items;
};

static void lit_free(struct lit *l)
{
    if (!l)
        return;
    free(l->s);
    for (size_t i = 0; i < l->n; i++) {
        lit_free(&l->items[i]);
        if (l->keys)
            lit_free(&l->keys[i]);
    }
    free(l->items);
    free(l->keys);
}

static void skip_ws(struct parser *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
        ps->p++;
}

static bool parse_value(struct parser *ps, struct lit *out, int depth);

static bool parse_string(struct parser *ps, struct lit *out)
{
    if (*ps->p == 'b' || *ps->p == 'B' || *ps->p == 'u' || *ps->p == 'U')
        ps->p++;
    char q = *ps->p++;
    size_t cap = 16, n = 0;
    char *s = malloc(cap);
    if (!s)
        return (ps->err = "out of memory"), false;
    while (ps->p < ps->end && *ps->p != q) {
        char c = *ps->p++;
        if (c == '\\' && ps->p < ps->end) {
            char e = *ps->p++;
            switch (e) {
            case 'n': c = '\n'; break;
            case 't': c = '\t'; break;
            case 'r': c = '\r'; break;
            case '0': c = '\0'; break;
            case 'x':
                if (ps->end - ps->p >= 2) {
                    char hx[3] = { ps->p[0], ps->p[1], 0 };
                    char *e2;
                    long v = strtol(hx, &e2, 16);
                    if (*e2) {
                        free(s);
                        return (ps->err = "bad \\x escape in a string"), false;
                    }
                    c = (char)v;
                    ps->p += 2;
                }
                break;
            default: c = e; break; /* \\ \' \" */
            }
        }
        if (n + 1 >= cap) {
            char *ns = realloc(s, cap *= 2);
            if (!ns) {
                free(s);
                return (ps->err = "out of memory"), false;
            }
            s = ns;
        }
        s[n++] = c;
    }
    if (ps->p >= ps->end) {
        free(s);
        return (ps->err = "unterminated string"), false;
    }
    ps->p++;
    s[n] = '\0';
    out->kind = L_STR;
    out->s = s;
    out->slen = n;
    return true;
}

static bool parse_number(struct parser *ps, struct lit *out)
{
    char *e;
    errno = 0;
    const char *start = ps->p;
    bool is_float = false;
    for (const char *q = start; q < ps->end && strchr("+-0123456789.eE_", *q); q++)
        if (*q == '.' || *q == 'e' || *q == 'E')
            is_float = true;
    if (is_float) {
        out->kind = L_FLOAT;
        out->f = strtod(start, &e);
    } else {
        out->kind = L_INT;
        out->i = strtoll(start, &e, 10);
        if (errno == ERANGE) {
            out->kind = L_FLOAT;
            out->f = strtod(start, &e);
        }
    }
    if (e == start || e > ps->end)
        return (ps->err = "malformed number"), false;
    ps->p = e;
    return true;
}

static bool parse_seq(struct parser *ps, struct lit *out, char close, bool dict, int depth)
{
    out->kind = dict ? L_DICT : L_LIST;
    size_t cap = 0;
    ps->p++;
    for (;;) {
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == close) {
            ps->p++;
            return true;
        }
        if (out->n == cap) {
            cap = cap ? cap * 2 : 4;
            struct lit *ni = realloc(out->items, cap * sizeof *ni);
            if (ni)
                out->items = ni;
            if (dict) {
                struct lit *nk = realloc(out->keys, cap * sizeof *nk);
                if (nk)
                    out->keys = nk;
                if (!nk)
                    ni = NULL;
            }
            if (!ni)
                return (ps->err = "out of memory"), false;
        }
        if (++ps->items > MAX_LIT_ITEMS)
            return (ps->err = "literal has too many elements"), false;
        memset(&out->items[out->n], 0, sizeof out->items[0]);
        if (dict) {
            memset(&out->keys[out->n], 0, sizeof out->keys[0]);
            bool ok = parse_value(ps, &out->keys[out->n], depth + 1);
            out->n++;
            if (!ok)
                return false;
            out->n--;
            skip_ws(ps);
            if (ps->p >= ps->end || *ps->p != ':')
                return (ps->err = "expected ':' in a dict"), false;
            ps->p++;
        }
        bool ok = parse_value(ps, &out->items[out->n], depth + 1);
        out->n++;
        if (!ok)
            return false;
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            continue;
        }
        if (ps->p < ps->end && *ps->p == close) {
            ps->p++;
            return true;
        }
        return (ps->err = "expected ',' or a closing bracket"), false;
    }
}

static bool parse_value(struct parser *ps, struct lit *out, int depth)
{
    memset(out, 0, sizeof *out);
    if (depth > MAX_LIT_DEPTH)
        return (ps->err = "literal is nested too deeply"), false;
    skip_ws(ps);
    if (ps->p >= ps->end)
        return (ps->err = "unexpected end of literal"), false;
    char c = *ps->p;
    size_t left = (size_t)(ps->end - ps->p);
    if (c == '[')
        return parse_seq(ps, out, ']', false, depth);
    if (c == '(')
        return parse_seq(ps, out, ')', false, depth);
    if (c == '{')
        return parse_seq(ps, out, '}', true, depth);
    if (c == '\'' || c == '"' ||
        ((c == 'b' || c == 'B' || c == 'u' || c == 'U') && left > 1 &&
         (ps->p[1] == '\'' || ps->p[1] == '"')))
        return parse_string(ps, out);
    if (left >= 4 && !strncmp(ps->p, "True", 4)) {
        ps->p += 4;
        out->kind = L_BOOL;
        out->b = true;
        return true;
    }
    if (left >= 5 && !strncmp(ps->p, "False", 5)) {
        ps->p += 5;
        out->kind = L_BOOL;
        return true;
    }
    if (left >= 4 && !strncmp(ps->p, "None", 4)) {
        ps->p += 4;
        out->kind = L_NONE;
        return true;
    }
    if (c == '-' || c == '+' || c == '.' || (c >= '0' && c <= '9'))
        return parse_number(ps, out);
    return (ps->err = "unsupported token (only numbers, strings, True/False, lists, tuples and "
                      "dicts)"),
           false;
}

static bool parse_literal(const char *text, struct lit *out, struct md_status *st, const char *what)
{
    struct parser ps = { text, text + strlen(text), NULL, 0 };
    bool ok = parse_value(&ps, out, 0);
    if (ok) {
        skip_ws(&ps);
        if (ps.p != ps.end) {
            ps.err = "trailing characters after the literal";
            ok = false;
        }
    }
    if (!ok) {
        lit_free(out);
        memset(out, 0, sizeof *out);
        return md_status_set(st, MD_INVALID_ARGUMENT, "%s: cannot parse '%.60s': %s at offset %zu",
                             what, text, ps.err, (size_t)(ps.p - text));
    }
    return true;
}

/* Shape of a nested list literal; false if ragged or holding dicts. */
static bool lit_shape(const struct lit *l, int depth, int *rank, int64_t *dims, enum lit_kind *kind)
{
    if (l->kind == L_LIST) {
        if (depth >= MD_MAX_RANK)
            return false;
        if (depth == *rank) {
            dims[(*rank)++] = (int64_t)l->n;
        } else if (depth > *rank || dims[depth] != (int64_t)l->n) {
            return false;
        }
        for (size_t i = 0; i < l->n; i++)
            if (!lit_shape(&l->items[i], depth + 1, rank, dims, kind))
                return false;
        if (l->n == 0 && depth + 1 < *rank)
            return false;
        return true;
    }
    if (l->kind == L_DICT || l->kind == L_NONE || depth != *rank)
        return depth == *rank && false;
    if (*kind == L_NONE)
        *kind = l->kind;
    else if (*kind != l->kind) {
        bool numeric = (*kind == L_INT || *kind == L_FLOAT || *kind == L_BOOL) &&
                       (l->kind == L_INT || l->kind == L_FLOAT || l->kind == L_BOOL);
        if (!numeric)
            return false;
        if (l->kind == L_FLOAT || *kind == L_FLOAT)
            *kind = L_FLOAT;
        else if (l->kind == L_INT || *kind == L_INT)
            *kind = L_INT;
    }
    return true;
}

static void lit_flatten(const struct lit *l, const struct lit **out, size_t *n)
{
    if (l->kind == L_LIST) {
        for (size_t i = 0; i < l->n; i++)
            lit_flatten(&l->items[i], out, n);
        return;
    }
    out[(*n)++] = l;
}

static void store_num(void *dst, enum md_dtype dt, double f, int64_t i, bool use_int)
{
    switch (dt) {
    case MD_DT_FLOAT: *(float *)dst = use_int ? (float)i : (float)f; break;
    case MD_DT_DOUBLE: *(double *)dst = use_int ? (double)i : f; break;
    case MD_DT_INT8: *(int8_t *)dst = (int8_t)(use_int ? i : (int64_t)f); break;
    case MD_DT_INT16: *(int16_t *)dst = (int16_t)(use_int ? i : (int64_t)f); break;
    case MD_DT_INT32: *(int32_t *)dst = (int32_t)(use_int ? i : (int64_t)f); break;
    case MD_DT_INT64: *(int64_t *)dst = use_int ? i : (int64_t)f; break;
    case MD_DT_UINT8: *(uint8_t *)dst = (uint8_t)(use_int ? i : (int64_t)f); break;
    case MD_DT_UINT16: *(uint16_t *)dst = (uint16_t)(use_int ? i : (int64_t)f); break;
    case MD_DT_UINT32: *(uint32_t *)dst = (uint32_t)(use_int ? i : (int64_t)f); break;
    case MD_DT_UINT64: *(uint64_t *)dst = (uint64_t)(use_int ? i : (int64_t)f); break;
    case MD_DT_BOOL: *(uint8_t *)dst = use_int ? i != 0 : f != 0; break;
    default: break;
    }
}

static const char *lit_kind_name(enum lit_kind k)
{
    switch (k) {
    case L_BOOL: return "booleans";
    case L_INT: return "integers";
    case L_FLOAT: return "floats";
    case L_STR: return "strings";
    default: return "nothing";
    }
}

/* A literal as a tensor of dtype want. */
static bool lit_tensor(const struct lit *l, enum md_dtype want, const char *key,
                       struct md_tensor *out, struct md_status *st)
{
    int rank = 0;
    int64_t dims[MD_MAX_RANK];
    enum lit_kind kind = L_NONE;
    if (!lit_shape(l, 0, &rank, dims, &kind))
        return md_status_set(st, MD_INVALID_ARGUMENT,
                             "input '%s': the literal must be a number, a string or a "
                             "rectangular nested list of them", key);
    bool want_str = want == MD_DT_STRING;
    bool is_str = kind == L_STR;
    if (kind != L_NONE && want_str != is_str)
        return md_status_set(st, MD_INVALID_ARGUMENT, "input '%s' expects %s values, got %s", key,
                             md_dtype_info(want)->tf_name, lit_kind_name(kind));
    if (!md_dtype_info(want)->supported || want == MD_DT_RESOURCE || want == MD_DT_VARIANT ||
        want == MD_DT_HALF)
        return md_status_set(st, MD_UNIMPLEMENTED, "input '%s': dtype %s cannot be given here",
                             key, md_dtype_info(want)->tf_name);
    int64_t n = md_shape_num_elements(rank, dims);
    const struct lit **flat = malloc(((size_t)n + 1) * sizeof *flat);
    if (!flat)
        return md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory");
    size_t k = 0, extra = 0;
    lit_flatten(l, flat, &k);
    for (size_t i = 0; want_str && i < k; i++)
        extra += flat[i]->slen;
    if (!md_tensor_alloc(out, want, rank, dims, extra, st)) {
        free(flat);
        return false;
    }
    char *bytes = (char *)out->data + md_tensor_nbytes(out);
    for (size_t i = 0; i < k; i++) {
        const struct lit *e = flat[i];
        if (want_str) {
            memcpy(bytes, e->s, e->slen);
            ((struct md_str *)out->data)[i] = (struct md_str){ bytes, e->slen };
            bytes += e->slen;
        } else {
            double f = e->kind == L_FLOAT ? e->f : e->kind == L_BOOL ? e->b : (double)e->i;
            int64_t iv = e->kind == L_INT ? e->i : e->kind == L_BOOL ? e->b : 0;
            store_num((char *)out->data + i * md_dtype_size(want), want, f, iv,
                      e->kind != L_FLOAT);
        }
    }
    free(flat);
    return true;
}

/* ============================================ tf.Example encoding */
struct wbuf {
    uint8_t *d;
    size_t n, cap;
    bool oom;
};

static void wb_put(struct wbuf *b, const void *p, size_t len)
{
    if (b->oom)
        return;
    if (b->n + len > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->n + len)
            cap *= 2;
        uint8_t *nd = realloc(b->d, cap);
        if (!nd) {
            b->oom = true;
            return;
        }
        b->d = nd;
        b->cap = cap;
    }
    memcpy(b->d + b->n, p, len);
    b->n += len;
}

static void wb_varint(struct wbuf *b, uint64_t v)
{
    uint8_t t[10];
    size_t n = 0;
    while (v >= 0x80) {
        t[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    t[n++] = (uint8_t)v;
    wb_put(b, t, n);
}

static void wb_field(struct wbuf *b, int field, const struct wbuf *msg)
{
    wb_varint(b, (uint64_t)field << 3 | 2);
    wb_varint(b, msg->n);
    wb_put(b, msg->d, msg->n);
}

/* One dict {"feature": [values]} -> serialized tf.Example (as saved_model_cli:
 * the type of the first value picks float_list, int64_list or bytes_list). */
static bool encode_example(const struct lit *d, struct wbuf *out, struct md_status *st)
{
    struct wbuf features = { 0 };
    bool ok = true;
    for (size_t i = 0; ok && i < d->n; i++) {
        const struct lit *k = &d->keys[i], *v = &d->items[i];
        if (k->kind != L_STR) {
            ok = md_status_set(st, MD_INVALID_ARGUMENT, "tf.Example feature names must be strings");
            break;
        }
        if (v->kind != L_LIST) {
            ok = md_status_set(st, MD_INVALID_ARGUMENT,
                               "feature value must be a list, but %s is not", k->s);
            break;
        }
        struct wbuf list = { 0 }, packed = { 0 }, feature = { 0 }, entry = { 0 }, key = { 0 };
        int kind = 2;
        enum lit_kind first = v->n ? v->items[0].kind : L_FLOAT;
        if (first == L_FLOAT)
            kind = 2;
        else if (first == L_STR)
            kind = 1;
        else if (first == L_INT || first == L_BOOL)
            kind = 3;
        else
            ok = md_status_set(st, MD_INVALID_ARGUMENT,
                               "type of feature %s's values is not supported for tf.train.Feature",
                               k->s);
        for (size_t j = 0; ok && j < v->n; j++) {
            const struct lit *e = &v->items[j];
            if (kind == 2 && (e->kind == L_FLOAT || e->kind == L_INT)) {
                float f = e->kind == L_FLOAT ? (float)e->f : (float)e->i;
                wb_put(&packed, &f, 4);
            } else if (kind == 3 && (e->kind == L_INT || e->kind == L_BOOL)) {
                wb_varint(&packed, (uint64_t)(e->kind == L_INT ? e->i : e->b));
            } else if (kind == 1 && e->kind == L_STR) {
                struct wbuf s = { .d = (uint8_t *)e->s, .n = e->slen };
                wb_field(&list, 1, &s);
            } else {
                ok = md_status_set(st, MD_INVALID_ARGUMENT,
                                   "feature %s mixes value types (all must be like the first)",
                                   k->s);
            }
        }
        if (ok && kind != 1)
            wb_field(&list, 1, &packed);
        wb_field(&feature, kind, &list);
        struct wbuf kb = { .d = (uint8_t *)k->s, .n = k->slen };
        wb_field(&entry, 1, &kb);
        wb_field(&entry, 2, &feature);
        wb_field(&features, 1, &entry);
        if (list.oom || packed.oom || feature.oom || entry.oom || features.oom)
            ok = md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory");
        free(list.d);
        free(packed.d);
        free(feature.d);
        free(entry.d);
        free(key.d);
    }
    if (ok)
        wb_field(out, 1, &features);
    free(features.d);
    if (ok && out->oom)
        ok = md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory");
    return ok;
}

static bool examples_tensor(const struct lit *l, const char *key, struct md_tensor *out,
                            struct md_status *st)
{
    if (l->kind != L_LIST)
        return md_status_set(st, MD_INVALID_ARGUMENT,
                             "input '%s': --input_examples wants a list of dicts", key);
    struct wbuf *enc = calloc(l->n + 1, sizeof *enc);
    if (!enc)
        return md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory");
    size_t total = 0;
    bool ok = true;
    for (size_t i = 0; ok && i < l->n; i++) {
        if (l->items[i].kind != L_DICT)
            ok = md_status_set(st, MD_INVALID_ARGUMENT,
                               "input '%s': --input_examples wants a list of dicts", key);
        else
            ok = encode_example(&l->items[i], &enc[i], st);
        total += enc[i].n;
    }
    int64_t dims[1] = { (int64_t)l->n };
    if (ok && (ok = md_tensor_alloc(out, MD_DT_STRING, 1, dims, total, st))) {
        char *p = (char *)out->data + l->n * sizeof(struct md_str);
        for (size_t i = 0; i < l->n; i++) {
            if (enc[i].n)
                memcpy(p, enc[i].d, enc[i].n);
            ((struct md_str *)out->data)[i] = (struct md_str){ p, enc[i].n };
            p += enc[i].n;
        }
    }
    for (size_t i = 0; i < l->n; i++)
        free(enc[i].d);
    free(enc);
    if (!ok)
        md_status_prefix(st, "input '%s'", key);
    return ok;
}

/* Numeric tensor -> dtype want (as numpy's astype), strings only to strings. */
static bool convert(struct md_tensor *t, enum md_dtype want, const char *key, struct md_status *st)
{
    if (t->dtype == want)
        return true;
    bool from_str = t->dtype == MD_DT_STRING, to_str = want == MD_DT_STRING;
    if (from_str || to_str || want == MD_DT_HALF || t->dtype == MD_DT_HALF ||
        !md_dtype_info(want)->supported || want == MD_DT_RESOURCE || want == MD_DT_VARIANT)
        return md_status_set(st, MD_INVALID_ARGUMENT, "input '%s' expects %s values, got %s", key,
                             md_dtype_info(want)->tf_name, md_dtype_info(t->dtype)->tf_name);
    struct md_tensor o = MD_TENSOR_INIT;
    if (!md_tensor_alloc(&o, want, t->rank, t->dims, 0, st))
        return false;
    int64_t n = md_tensor_num_elements(t);
    size_t is = md_dtype_size(t->dtype), os = md_dtype_size(want);
    for (int64_t i = 0; i < n; i++) {
        const void *s = (const char *)t->data + (size_t)i * is;
        double f = 0;
        int64_t iv = 0;
        bool use_int = true;
        switch (t->dtype) {
        case MD_DT_FLOAT: f = *(const float *)s; use_int = false; break;
        case MD_DT_DOUBLE: f = *(const double *)s; use_int = false; break;
        case MD_DT_INT8: iv = *(const int8_t *)s; break;
        case MD_DT_INT16: iv = *(const int16_t *)s; break;
        case MD_DT_INT32: iv = *(const int32_t *)s; break;
        case MD_DT_INT64: iv = *(const int64_t *)s; break;
        case MD_DT_UINT8: iv = *(const uint8_t *)s; break;
        case MD_DT_UINT16: iv = *(const uint16_t *)s; break;
        case MD_DT_UINT32: iv = *(const uint32_t *)s; break;
        case MD_DT_UINT64: iv = (int64_t) * (const uint64_t *)s; break;
        case MD_DT_BOOL: iv = *(const uint8_t *)s != 0; break;
        default: break;
        }
        store_num((char *)o.data + (size_t)i * os, want, f, iv, use_int);
    }
    md_tensor_cleanup(t);
    *t = o;
    return true;
}

/* ===================================================== the command */
struct named {
    char *key;
    struct md_tensor t;
    int source; /* 0 inputs, 1 exprs, 2 examples */
};

struct run_opts {
    const char *dir, *tag_set, *signature_def, *inputs, *input_exprs, *input_examples, *outdir;
    bool overwrite;
};

static int parse_args(int argc, char **argv, struct run_opts *o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(run_usage, stdout);
            return 0;
        }
        if (!strcmp(a, "--overwrite")) {
            o->overwrite = true;
            continue;
        }
        static const char *const names[] = { "--dir", "--tag_set", "--signature_def", "--inputs",
                                             "--input_exprs", "--input_examples", "--outdir" };
        const char **slots[] = { &o->dir, &o->tag_set, &o->signature_def, &o->inputs,
                                 &o->input_exprs, &o->input_examples, &o->outdir };
        bool known = false;
        for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
            size_t l = strlen(names[k]);
            if (strncmp(a, names[k], l))
                continue;
            if (a[l] == '=') {
                *slots[k] = a + l + 1;
            } else if (a[l] == '\0') {
                if (i + 1 >= argc) {
                    fprintf(stderr, "modeld-cli run: %s needs a value\n", names[k]);
                    return 2;
                }
                *slots[k] = argv[++i];
            } else {
                continue;
            }
            known = true;
            break;
        }
        if (!known) {
            fprintf(stderr, "modeld-cli run: unknown argument '%s'\n\n%s", a, run_usage);
            return 2;
        }
    }
    if (!o->dir || !o->tag_set || !o->signature_def) {
        fprintf(stderr, "modeld-cli run: --dir, --tag_set and --signature_def are required\n\n%s",
                run_usage);
        return 2;
    }
    if (!o->inputs && !o->input_exprs && !o->input_examples) {
        /* saved_model_cli needs at least one input flag; a signature without
         * inputs (e.g. a counter's) is run with none. */
    }
    return -1;
}

static const struct md_tensor_info *sig_input(const struct md_signature *sig, const char *key)
{
    for (size_t i = 0; i < sig->n_inputs; i++)
        if (!strcmp(sig->inputs[i].alias, key))
            return &sig->inputs[i];
    return NULL;
}

static bool add_named(struct named **list, size_t *n, char *key, struct md_tensor *t, int source)
{
    for (size_t i = 0; i < *n; i++) {
        if (strcmp((*list)[i].key, key))
            continue;
        static const char *const src[] = { "--inputs", "--input_exprs", "--input_examples" };
        fprintf(stderr,
                "modeld-cli run: warning: input key '%s' is given by both %s and %s; using %s\n",
                key, src[(*list)[i].source], src[source],
                src[source > (*list)[i].source ? source : (*list)[i].source]);
        if (source > (*list)[i].source) {
            md_tensor_cleanup(&(*list)[i].t);
            (*list)[i].t = *t;
            (*list)[i].source = source;
        } else {
            md_tensor_cleanup(t);
        }
        free(key);
        return true;
    }
    struct named *nl = realloc(*list, (*n + 1) * sizeof *nl);
    if (!nl)
        return false;
    *list = nl;
    nl[*n] = (struct named){ key, *t, source };
    (*n)++;
    return true;
}

static char *trim_dup(const char *s, size_t n)
{
    while (n && (*s == ' ' || *s == '\t')) {
        s++;
        n--;
    }
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    char *r = malloc(n + 1);
    if (r) {
        memcpy(r, s, n);
        r[n] = '\0';
    }
    return r;
}

static void quote_keys(const struct md_signature *sig, char *buf, size_t cap)
{
    size_t o = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < sig->n_inputs && o < cap; i++)
        o += (size_t)snprintf(buf + o, cap - o, "%s\"%s\"", i ? ", " : "", sig->inputs[i].alias);
}

/* Splits "k=v;k2=v2" (';' inside brackets or quotes does not split) and
 * builds a tensor for each. */
static bool parse_group(const char *text, int source, const struct md_signature *sig,
                        struct named **list, size_t *n, struct md_status *st)
{
    const char *p = text;
    while (*p) {
        const char *q = p;
        int depth = 0;
        char quote = 0;
        for (; *q; q++) {
            if (quote) {
                if (*q == '\\' && q[1])
                    q++;
                else if (*q == quote)
                    quote = 0;
            } else if (*q == '\'' || *q == '"') {
                quote = *q;
            } else if (*q == '[' || *q == '(' || *q == '{') {
                depth++;
            } else if (*q == ']' || *q == ')' || *q == '}') {
                depth--;
            } else if (*q == ';' && depth <= 0) {
                break;
            }
        }
        const char *eq = memchr(p, '=', (size_t)(q - p));
        if (q == p || !eq) {
            if (q > p)
                return md_status_set(st, MD_INVALID_ARGUMENT,
                                     "expected KEY=VALUE, got '%.*s'", (int)(q - p), p);
            p = *q ? q + 1 : q;
            continue;
        }
        char *key = trim_dup(p, (size_t)(eq - p));
        char *val = trim_dup(eq + 1, (size_t)(q - eq - 1));
        if (!key || !val) {
            free(key);
            free(val);
            return md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory");
        }
        const struct md_tensor_info *ti = sig_input(sig, key);
        if (!ti) {
            char keys[1024];
            quote_keys(sig, keys, sizeof keys);
            md_status_set(st, MD_INVALID_ARGUMENT,
                          "\"%s\" is not a valid input key. Please choose from %s, or use --show "
                          "option.", key, keys);
            free(key);
            free(val);
            return false;
        }
        struct md_tensor t = MD_TENSOR_INIT;
        bool ok;
        if (source == 0) {
            char *lb = strrchr(val, '[');
            char *member = NULL;
            if (lb && val[strlen(val) - 1] == ']') {
                *lb = '\0';
                member = lb + 1;
                member[strlen(member) - 1] = '\0';
            }
            ok = md_npy_load(val, member, &t, st) && convert(&t, ti->dtype, key, st);
        } else {
            struct lit l;
            ok = parse_literal(val, &l, st, key);
            if (ok) {
                ok = source == 1 ? lit_tensor(&l, ti->dtype, key, &t, st)
                                 : examples_tensor(&l, key, &t, st);
                lit_free(&l);
            }
        }
        free(val);
        if (!ok || !add_named(list, n, key, &t, source)) {
            if (ok)
                md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory");
            md_tensor_cleanup(&t);
            free(key);
            return false;
        }
        p = *q ? q + 1 : q;
    }
    return true;
}

/* TF's session checks a feed against the tensor's static shape. */
static bool check_shape(const struct md_tensor_info *ti, const struct md_tensor *t,
                        struct md_status *st)
{
    if (ti->unknown_rank)
        return true;
    bool ok = ti->rank == t->rank;
    for (int d = 0; ok && d < t->rank; d++)
        ok = ti->dims[d] < 0 || ti->dims[d] == t->dims[d];
    if (ok)
        return true;
    char want[160], got[160];
    md_shape_str(want, sizeof want, ti->rank, ti->dims);
    md_shape_str(got, sizeof got, t->rank, t->dims);
    return md_status_set(st, MD_INVALID_ARGUMENT,
                         "Cannot feed value of shape %s for input '%s' (tensor %s), which has "
                         "shape %s", got, ti->alias, ti->name ? ti->name : "?", want);
}

int md_cli_run(int argc, char **argv)
{
    struct run_opts o = { 0 };
    int rc = parse_args(argc, argv, &o);
    if (rc >= 0)
        return rc;
    struct md_status st = MD_STATUS_INIT;
    struct md_model_options mo = MD_MODEL_OPTIONS_INIT;
    mo.tags = o.tag_set;
    struct md_model *m = md_model_load(o.dir, &mo, &st);
    if (!m) {
        fprintf(stderr, "modeld-cli run: %s: %s\n", md_code_name(st.code), st.msg);
        return 1;
    }
    const struct md_signature *sig = md_savedmodel_signature(md_model_savedmodel(m),
                                                             o.signature_def);
    struct named *in = NULL;
    size_t n_in = 0;
    struct md_feed *feeds = NULL;
    struct md_tensor *outs = NULL;
    struct md_arena *arena = NULL;
    rc = 1;
    if (!sig) {
        fprintf(stderr, "modeld-cli run: the MetaGraphDef with tag-set '%s' has no SignatureDef "
                        "'%s'\n", o.tag_set, o.signature_def);
        goto done;
    }
    if ((o.inputs && !parse_group(o.inputs, 0, sig, &in, &n_in, &st)) ||
        (o.input_exprs && !parse_group(o.input_exprs, 1, sig, &in, &n_in, &st)) ||
        (o.input_examples && !parse_group(o.input_examples, 2, sig, &in, &n_in, &st))) {
        fprintf(stderr, "modeld-cli run: %s\n", st.msg);
        goto done;
    }
    for (size_t i = 0; i < sig->n_inputs; i++) {
        const struct md_tensor_info *ti = &sig->inputs[i];
        size_t k;
        for (k = 0; k < n_in && strcmp(in[k].key, ti->alias); k++)
            ;
        if (k == n_in) {
            char shape[160] = "unknown rank";
            if (!ti->unknown_rank)
                md_shape_str(shape, sizeof shape, ti->rank, ti->dims);
            fprintf(stderr,
                    "modeld-cli run: missing input '%s': signature '%s' expects %s of shape %s "
                    "(tensor %s)\n",
                    ti->alias, sig->key, md_dtype_info(ti->dtype)->tf_name, shape,
                    ti->name ? ti->name : "?");
            goto done;
        }
        if (!check_shape(ti, &in[k].t, &st)) {
            fprintf(stderr, "modeld-cli run: %s\n", st.msg);
            goto done;
        }
    }
    feeds = calloc(n_in + 1, sizeof *feeds);
    outs = calloc(sig->n_outputs + 1, sizeof *outs);
    arena = md_arena_new(1 << 20, 0, &st);
    if (!feeds || !outs || !arena) {
        fprintf(stderr, "modeld-cli run: out of memory\n");
        goto done;
    }
    for (size_t i = 0; i < n_in; i++)
        feeds[i] = (struct md_feed){ in[i].key, &in[i].t };
    if (!md_model_run(m, sig->key, feeds, n_in, NULL, 0, outs, arena, &st)) {
        fprintf(stderr, "modeld-cli run: %s: %s\n", md_code_name(st.code), st.msg);
        goto done;
    }
    if (o.outdir && mkdir(o.outdir, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "modeld-cli run: cannot create '%s': %s\n", o.outdir, strerror(errno));
        goto done;
    }
    rc = 0;
    for (size_t j = 0; j < sig->n_outputs && rc == 0; j++) {
        const char *key = sig->outputs[j].alias;
        if (o.outdir) {
            size_t l = strlen(o.outdir) + strlen(key) + 8;
            char *path = malloc(l);
            if (!path) {
                rc = 1;
                break;
            }
            snprintf(path, l, "%s/%s.npy", o.outdir, key);
            if (!o.overwrite && access(path, F_OK) == 0) {
                fprintf(stderr,
                        "modeld-cli run: Output file %s already exists. Add \"--overwrite\" to "
                        "overwrite the existing output files.\n", path);
                rc = 1;
            } else if (!md_npy_save(path, &outs[j], &st)) {
                fprintf(stderr, "modeld-cli run: %s\n", st.msg);
                rc = 1;
            } else {
                printf("Output %s is saved to %s\n", key, path);
            }
            free(path);
        } else {
            char *s = md_numpy_str(&outs[j]);
            if (!s) {
                fprintf(stderr, "modeld-cli run: out of memory\n");
                rc = 1;
                break;
            }
            printf("Result for output key %s:\n%s\n", key, s);
            free(s);
        }
    }
    if (fflush(stdout) != 0)
        rc = 1;
done:
    for (size_t j = 0; outs && sig && j < sig->n_outputs; j++)
        md_tensor_cleanup(&outs[j]);
    for (size_t i = 0; i < n_in; i++) {
        free(in[i].key);
        md_tensor_cleanup(&in[i].t);
    }
    free(in);
    free(feeds);
    free(outs);
    md_arena_free(arena);
    md_model_unref(m);
    return rc;
}
