/* StringSplit: splits each string of a vector on any byte of delimiter
 * (empty delimiter: into single bytes) into a SparseTensor: indices [M,2]
 * int64, values [M] string, shape [2] = [N, max tokens]. skip_empty (default
 * true) drops empty tokens. Values point into the input's bytes (copied only
 * when the input owns a buffer). */
#include <string.h>

#include "ops/kernels/array_common.h"
#include "ops/kernels/sparse_common.h"

static bool string_split_init(struct md_kernel_init *ki, struct md_status *st)
{
    bool *skip = md_kernel_init_alloc(ki, sizeof *skip, st);
    if (!skip)
        return false;
    if (!md_attr_bool(ki->node, "skip_empty", skip))
        *skip = true;
    ki->state = skip;
    ki->n_outputs = 3;
    return true;
}

/* Calls emit(token) for each token of s; returns the count. */
static int64_t split_one(const struct md_str *s, const unsigned char *set, bool by_byte, bool skip,
                         struct md_str *emit)
{
    int64_t n = 0;
    if (by_byte) {
        for (size_t i = 0; i < s->len; i++, n++)
            if (emit)
                emit[n] = (struct md_str){ s->data + i, 1 };
        return n;
    }
    size_t start = 0;
    for (size_t i = 0; i <= s->len; i++) {
        if (i < s->len && !(set[(unsigned char)s->data[i] >> 3] & (1u << (s->data[i] & 7))))
            continue;
        if (!skip || i > start) {
            if (emit)
                emit[n] = (struct md_str){ s->data + start, i - start };
            n++;
        }
        start = i + 1;
    }
    return n;
}

static bool string_split_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    if (k->n_inputs != 2)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT, "expects 2 inputs, got %d",
                              k->n_inputs);
    bool skip = *(const bool *)k->state;
    const struct md_tensor *in = k->inputs[0], *delim = k->inputs[1];
    if (!md_sp_check(k, in, "input", MD_DT_STRING, 1, st) ||
        !md_sp_check(k, delim, "delimiter", MD_DT_STRING, 0, st))
        return false;
    const struct md_str *d = delim->data;
    unsigned char set[32] = { 0 };
    for (size_t i = 0; i < d->len; i++)
        set[(unsigned char)d->data[i] >> 3] |= (unsigned char)(1u << (d->data[i] & 7));
    bool by_byte = d->len == 0;
    const struct md_str *s = in->data;
    int64_t n = in->dims[0], m = 0, widest = 0;
    for (int64_t i = 0; i < n; i++) {
        int64_t c = (by_byte && s[i].len == 0) ? 0 : split_one(&s[i], set, by_byte, skip, NULL);
        m += c;
        if (c > widest)
            widest = c;
    }
    int64_t od[2] = { m, 2 }, two = 2;
    if (!md_kernel_output(k, 0, MD_DT_INT64, 2, od, st) ||
        !md_kernel_output(k, 1, MD_DT_STRING, 1, &m, st) ||
        !md_kernel_output(k, 2, MD_DT_INT64, 1, &two, st))
        return false;
    int64_t *oi = k->outputs[0].data, *os = k->outputs[2].data;
    struct md_str *ov = k->outputs[1].data;
    os[0] = n;
    os[1] = widest;
    int64_t p = 0;
    for (int64_t i = 0; i < n; i++) {
        int64_t c = (by_byte && s[i].len == 0) ? 0 : split_one(&s[i], set, by_byte, skip, ov + p);
        for (int64_t j = 0; j < c; j++) {
            oi[(p + j) * 2] = i;
            oi[(p + j) * 2 + 1] = j;
        }
        p += c;
    }
    return md_arr_fix_strings(k, &k->outputs[1], in, st);
}

const struct md_op_def md_op_string_split = {
    .tf_name = "StringSplit",
    .init = string_split_init,
    .compute = string_split_compute,
};
