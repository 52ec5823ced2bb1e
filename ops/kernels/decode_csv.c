/* DecodeCSV: parses each CSV record into one output per column (same shape
 * as records) of the OUT_TYPE dtypes (float, double, int32, int64, string).
 * record_defaults[i] is a one-element tensor used for empty (or na_value)
 * fields, or empty when the column is required. use_quote_delim: RFC 4180
 * quoting ("" is a quote inside a quoted field). select_cols keeps only
 * those (increasing) column indices. String fields point into the record's
 * bytes unless they had to be unescaped. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops/kernels/array_common.h"

#define CSV_MAX_COLS 1024

struct csv_state {
    int n;                  /* output columns */
    enum md_dtype *types;
    char delim;
    bool quote;
    struct md_str na;
    const int64_t *select;  /* NULL: all columns */
    size_t n_select;
};

static bool csv_init(struct md_kernel_init *ki, struct md_status *st)
{
    struct csv_state *s = md_kernel_init_alloc(ki, sizeof *s, st);
    if (!s)
        return false;
    const int *types;
    size_t n;
    if (!md_attr_list_type(ki->node, "OUT_TYPE", &types, &n) || n == 0 || n > CSV_MAX_COLS)
        return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT,
                              "OUT_TYPE must list 1 to %d types", CSV_MAX_COLS);
    s->n = (int)n;
    s->types = md_kernel_init_alloc(ki, n * sizeof *s->types, st);
    if (!s->types)
        return false;
    for (size_t i = 0; i < n; i++) {
        s->types[i] = (enum md_dtype)types[i];
        if (types[i] != MD_DT_FLOAT && types[i] != MD_DT_DOUBLE && types[i] != MD_DT_INT32 &&
            types[i] != MD_DT_INT64 && types[i] != MD_DT_STRING)
            return md_kernel_fail(ki->node, st, MD_UNIMPLEMENTED, "column type %s not supported",
                                  md_dtype_name(types[i]));
    }
    struct md_str d = { ",", 1 };
    md_attr_str(ki->node, "field_delim", &d);
    if (d.len != 1)
        return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT,
                              "field_delim should be only 1 char");
    s->delim = d.data[0];
    if (!md_attr_bool(ki->node, "use_quote_delim", &s->quote))
        s->quote = true;
    s->na = (struct md_str){ "", 0 };
    md_attr_str(ki->node, "na_value", &s->na);
    s->select = NULL;
    s->n_select = 0;
    if (md_attr_list_int(ki->node, "select_cols", &s->select, &s->n_select) && s->n_select) {
        if (s->n_select != n)
            return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT,
                                  "select_cols has %zu entries but OUT_TYPE %zu", s->n_select, n);
        for (size_t i = 0; i < s->n_select; i++)
            if (s->select[i] < 0 || (i && s->select[i] <= s->select[i - 1]))
                return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT,
                                      "select_cols is not strictly increasing and non-negative");
    } else {
        s->select = NULL;
    }
    ki->state = s;
    ki->n_outputs = (int)n;
    return true;
}

/* Stores field f (column c of record r) into output c at i. */
static bool put_field(struct md_kernel_ctx *k, const struct csv_state *s, int c, int64_t i,
                      int64_t r, struct md_str f, bool quoted, struct md_status *st)
{
    struct md_tensor *o = &k->outputs[c];
    const struct md_tensor *def = k->inputs[1 + c];
    bool empty = f.len == 0 || (s->na.len && f.len == s->na.len && !memcmp(f.data, s->na.data, f.len));
    size_t es = md_dtype_size(s->types[c]);
    if (empty && !quoted) {
        if (md_tensor_num_elements(def) == 0)
            return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                                  "Field %d is required but missing in record %lld!", c,
                                  (long long)r);
        memcpy((char *)o->data + (size_t)i * es, def->data, es);
        return true;
    }
    if (s->types[c] == MD_DT_STRING) {
        ((struct md_str *)o->data)[i] = f;
        return true;
    }
    char buf[128], esc[160];
    md_escape(esc, sizeof esc, f.data, f.len);
    if (f.len >= sizeof buf)
        goto bad;
    memcpy(buf, f.data, f.len);
    buf[f.len] = '\0';
    char *end;
    errno = 0;
    switch (s->types[c]) {
    case MD_DT_INT32: {
        long long v = strtoll(buf, &end, 10);
        if (*end || errno || v < INT32_MIN || v > INT32_MAX)
            goto bad;
        ((int32_t *)o->data)[i] = (int32_t)v;
        return true;
    }
    case MD_DT_INT64: {
        long long v = strtoll(buf, &end, 10);
        if (*end || errno)
            goto bad;
        ((int64_t *)o->data)[i] = v;
        return true;
    }
    case MD_DT_FLOAT: {
        float v = strtof(buf, &end);
        if (*end)
            goto bad;
        ((float *)o->data)[i] = v;
        return true;
    }
    default: {
        double v = strtod(buf, &end);
        if (*end)
            goto bad;
        ((double *)o->data)[i] = v;
        return true;
    }
    }
bad:
    return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                          "Field %d in record %lld is not a valid %s: %s", c, (long long)r,
                          md_dtype_info(s->types[c])->tf_name, esc);
}

static bool csv_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    const struct csv_state *s = k->state;
    if (k->n_inputs != 1 + s->n)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT, "expects %d inputs, got %d",
                              1 + s->n, k->n_inputs);
    const struct md_tensor *rec = k->inputs[0];
    if (rec->dtype != MD_DT_STRING)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT, "records must be string, got %s",
                              md_dtype_info(rec->dtype)->tf_name);
    for (int c = 0; c < s->n; c++) {
        const struct md_tensor *d = k->inputs[1 + c];
        if (d->dtype != s->types[c] || d->rank > 1 || md_tensor_num_elements(d) > 1)
            return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                                  "record_defaults[%d] must be a %s tensor with one or zero "
                                  "elements",
                                  c, md_dtype_info(s->types[c])->tf_name);
        if (!md_kernel_output(k, c, s->types[c], rec->rank, rec->dims, st))
            return false;
    }
    int64_t n = md_tensor_num_elements(rec);
    const struct md_str *rs = rec->data;
    for (int64_t r = 0; r < n; r++) {
        const char *p = rs[r].data;
        size_t len = rs[r].len, pos = 0;
        int64_t col = 0; /* input field index */
        int out = 0;     /* next output column */
        for (;;) {
            struct md_str f;
            bool quoted = s->quote && pos < len && p[pos] == '"';
            size_t next;
            if (quoted) {
                size_t q = pos + 1, n_esc = 0;
                for (;;) {
                    if (q >= len)
                        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                                              "Quoted field has to end with quote followed by "
                                              "delim or end in record %lld",
                                              (long long)r);
                    if (p[q] == '"') {
                        if (q + 1 < len && p[q + 1] == '"') {
                            n_esc++;
                            q += 2;
                            continue;
                        }
                        break;
                    }
                    q++;
                }
                if (q + 1 < len && p[q + 1] != s->delim)
                    return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                                          "Quoted field has to end with quote followed by delim "
                                          "or end in record %lld",
                                          (long long)r);
                f = (struct md_str){ p + pos + 1, q - pos - 1 };
                if (n_esc) { /* unescape into the request arena (never recycled) */
                    struct md_str u;
                    if (!md_kernel_str(k, f.data, f.len, &u, st))
                        return false;
                    char *w = (char *)(uintptr_t)u.data;
                    size_t o = 0;
                    for (size_t x = 0; x < f.len; x++) {
                        w[o++] = f.data[x];
                        if (f.data[x] == '"')
                            x++;
                    }
                    f = (struct md_str){ u.data, o };
                }
                next = q + 1;
            } else {
                const char *d = memchr(p + pos, s->delim, len - pos);
                next = d ? (size_t)(d - p) : len;
                f = (struct md_str){ p + pos, next - pos };
                if (s->quote && memchr(f.data, '"', f.len))
                    return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                                          "Unquoted fields cannot have quotes inside in record "
                                          "%lld",
                                          (long long)r);
            }
            bool want = s->select ? (out < s->n && s->select[out] == col) : true;
            if (want) {
                if (out >= s->n)
                    return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                                          "Expect %d fields but have more in record %lld", s->n,
                                          (long long)r);
                if (!put_field(k, s, out, r, r, f, quoted, st))
                    return false;
                out++;
            }
            col++;
            if (next >= len)
                break;
            pos = next + 1;
            if (pos == len) { /* a trailing delimiter: one more empty field */
                bool w2 = s->select ? (out < s->n && s->select[out] == col) : true;
                if (w2) {
                    if (out >= s->n)
                        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                                              "Expect %d fields but have more in record %lld",
                                              s->n, (long long)r);
                    if (!put_field(k, s, out, r, r, (struct md_str){ p + pos, 0 }, false, st))
                        return false;
                    out++;
                }
                break;
            }
        }
        if (out != s->n)
            return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                                  "Expect %d fields but have %d in record %lld", s->n, out,
                                  (long long)r);
    }
    for (int c = 0; c < s->n; c++) {
        bool owned = rec->buf != NULL || k->inputs[1 + c]->buf != NULL;
        if (s->types[c] == MD_DT_STRING && owned && !md_arr_own_strings(k, &k->outputs[c], st))
            return false;
    }
    return true;
}

const struct md_op_def md_op_decode_csv = {
    .tf_name = "DecodeCSV",
    .init = csv_init,
    .compute = csv_compute,
};
