/* array_common.c: see array_common.h. */
#include <stdio.h>
#include <string.h>

#include "ops/kernels/array_common.h"

bool md_arr_check_dtype(const Tensorflow__NodeDef *node, enum md_dtype t, struct md_status *st)
{
    const struct md_dtype_info *di = md_dtype_info(t);
    if (!di->supported || di->size == 0 || t == MD_DT_RESOURCE || t == MD_DT_VARIANT)
        return md_kernel_fail(node, st, MD_UNIMPLEMENTED, "dtype %s not supported",
                              md_dtype_name(t));
    return true;
}

bool md_arr_read_ints(struct md_kernel_ctx *k, const struct md_tensor *t, const char *what,
                      bool allow_scalar, int64_t *out, int64_t cap, int64_t *n,
                      struct md_status *st)
{
    if (!md_arr_is_index(t->dtype))
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT, "%s must be int32 or int64, got %s",
                              what, md_dtype_info(t->dtype)->tf_name);
    if (!(t->rank == 1 || (allow_scalar && t->rank == 0))) {
        char s[96];
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT, "%s must be a vector, got shape %s",
                              what, md_arr_shape_str(s, sizeof s, t));
    }
    int64_t cnt = md_tensor_num_elements(t);
    if (cnt > cap)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "%s has %lld elements, at most %lld supported", what,
                              (long long)cnt, (long long)cap);
    for (int64_t i = 0; i < cnt; i++)
        out[i] = md_arr_index_at(t, i);
    *n = cnt;
    return true;
}

bool md_arr_read_scalar(struct md_kernel_ctx *k, const struct md_tensor *t, const char *what,
                        int64_t *out, struct md_status *st)
{
    if (!md_arr_is_index(t->dtype))
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT, "%s must be int32 or int64, got %s",
                              what, md_dtype_info(t->dtype)->tf_name);
    if (md_tensor_num_elements(t) != 1 || t->rank > 1) {
        char s[96];
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT, "%s must be a scalar, got shape %s",
                              what, md_arr_shape_str(s, sizeof s, t));
    }
    *out = md_arr_index_at(t, 0);
    return true;
}

bool md_arr_axis(struct md_kernel_ctx *k, int64_t axis, int rank, const char *what, int *out,
                 struct md_status *st)
{
    if (axis < -rank || axis >= rank)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "Expected %s in the range [%d, %d), but got %lld", what, -rank, rank,
                              (long long)axis);
    *out = (int)(axis < 0 ? axis + rank : axis);
    return true;
}

void md_arr_strides(int rank, const int64_t *dims, int64_t *strides)
{
    int64_t s = 1;
    for (int d = rank - 1; d >= 0; d--) {
        strides[d] = s;
        s *= dims[d];
    }
}

void md_arr_copy_nd(void *dst, const int64_t *dst_strides, const void *src,
                    const int64_t *src_strides, size_t es, int rank, const int64_t *dims)
{
    for (int d = 0; d < rank; d++)
        if (dims[d] <= 0)
            return;
    if (rank == 0) {
        memcpy(dst, src, es);
        return;
    }
    int64_t idx[2 * MD_MAX_RANK] = { 0 };
    int last = rank - 1;
    int64_t n = dims[last];
    bool contiguous = dst_strides[last] == 1 && src_strides[last] == 1;
    char *d = dst;
    const char *s = src;
    int64_t doff = 0, soff = 0; /* in elements */
    for (;;) {
        if (contiguous) {
            memcpy(d + doff * (int64_t)es, s + soff * (int64_t)es, (size_t)n * es);
        } else {
            int64_t di = doff, si = soff;
            for (int64_t i = 0; i < n; i++) {
                memcpy(d + di * (int64_t)es, s + si * (int64_t)es, es);
                di += dst_strides[last];
                si += src_strides[last];
            }
        }
        /* odometer over the outer dims */
        int k = last - 1;
        for (; k >= 0; k--) {
            doff += dst_strides[k];
            soff += src_strides[k];
            if (++idx[k] < dims[k])
                break;
            doff -= dst_strides[k] * dims[k];
            soff -= src_strides[k] * dims[k];
            idx[k] = 0;
        }
        if (k < 0)
            return;
    }
}

bool md_arr_own_strings(struct md_kernel_ctx *k, struct md_tensor *out, struct md_status *st)
{
    if (out->dtype != MD_DT_STRING)
        return true;
    int64_t n = md_tensor_num_elements(out);
    struct md_str *v = out->data;
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

bool md_arr_fix_strings(struct md_kernel_ctx *k, struct md_tensor *out, const struct md_tensor *src,
                        struct md_status *st)
{
    if (out->dtype != MD_DT_STRING || !src->buf)
        return true;
    return md_arr_own_strings(k, out, st);
}

const char *md_arr_shape_str(char *buf, size_t cap, const struct md_tensor *t)
{
    return md_shape_str(buf, cap, t->rank, t->dims);
}

bool md_arr_broadcast_shape(int ra, const int64_t *a, int rb, const int64_t *b, int *out_rank,
                            int64_t *out)
{
    int r = ra > rb ? ra : rb;
    for (int i = 0; i < r; i++) {
        int64_t x = i < r - ra ? 1 : a[i - (r - ra)];
        int64_t y = i < r - rb ? 1 : b[i - (r - rb)];
        if (x == y || y == 1)
            out[i] = x;
        else if (x == 1)
            out[i] = y;
        else
            return false;
    }
    *out_rank = r;
    return true;
}

bool md_arr_out_type_init(struct md_kernel_init *ki, const char *attr, enum md_dtype def,
                          struct md_status *st)
{
    enum md_dtype *t = md_kernel_init_alloc(ki, sizeof *t, st);
    if (!t)
        return false;
    if (!md_attr_type(ki->node, attr, t))
        *t = def;
    if (!md_arr_is_index(*t))
        return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT,
                              "attr '%s' must be int32 or int64, got %s", attr,
                              md_dtype_name(*t));
    ki->state = t;
    return true;
}

bool md_arr_split(struct md_kernel_ctx *k, const struct md_tensor *x, int axis,
                  const int64_t *sizes, int n, bool drop_axis, struct md_status *st)
{
    if (!md_arr_check_dtype(k->node, x->dtype, st))
        return false;
    int64_t outer = 1, inner = 1;
    for (int d = 0; d < axis; d++)
        outer *= x->dims[d];
    for (int d = axis + 1; d < x->rank; d++)
        inner *= x->dims[d];
    size_t es = md_dtype_size(x->dtype);
    int64_t row = x->dims[axis] * inner, at = 0;
    for (int i = 0; i < n; i++) {
        int64_t dims[MD_MAX_RANK];
        int r = 0;
        for (int d = 0; d < x->rank; d++) {
            if (d == axis && drop_axis)
                continue;
            dims[r++] = d == axis ? sizes[i] : x->dims[d];
        }
        if (!md_kernel_output(k, i, x->dtype, r, dims, st))
            return false;
        struct md_tensor *y = &k->outputs[i];
        int64_t len = sizes[i] * inner;
        int64_t cdims[2] = { outer, len }, ds[2] = { len, 1 }, ss[2] = { row, 1 };
        md_arr_copy_nd(y->data, ds, (const char *)x->data + (size_t)at * es, ss, es, 2, cdims);
        at += len;
        if (!md_arr_fix_strings(k, y, x, st))
            return false;
    }
    return true;
}

bool md_arr_slice(struct md_kernel_ctx *k, const struct md_tensor *x, const int64_t *begin,
                  const int64_t *stride, const int64_t *size, int out_rank,
                  const int64_t *out_dims, struct md_status *st)
{
    if (!md_arr_check_dtype(k->node, x->dtype, st) ||
        !md_kernel_output(k, 0, x->dtype, out_rank, out_dims, st))
        return false;
    struct md_tensor *y = &k->outputs[0];
    if (md_tensor_num_elements(y) == 0)
        return true;
    int64_t xs[MD_MAX_RANK], ss[MD_MAX_RANK], ds[MD_MAX_RANK], off = 0;
    md_arr_strides(x->rank, x->dims, xs);
    md_arr_strides(x->rank, size, ds);
    for (int d = 0; d < x->rank; d++) {
        off += begin[d] * xs[d];
        ss[d] = stride[d] * xs[d];
    }
    size_t es = md_dtype_size(x->dtype);
    md_arr_copy_nd(y->data, ds, (const char *)x->data + off * (int64_t)es, ss, es, x->rank, size);
    return md_arr_fix_strings(k, y, x, st);
}

char *md_arr_sbuf_put(struct md_kernel_ctx *k, struct md_arr_sbuf *sb, const char *data,
                      size_t len, struct md_status *st)
{
    if (sb->left < len) {
        size_t want = sb->next_chunk > len ? sb->next_chunk : len;
        sb->p = md_kernel_scratch(k, want, st);
        if (!sb->p)
            return NULL;
        sb->left = want;
        if (sb->next_chunk < (1u << 20))
            sb->next_chunk *= 2;
    }
    char *p = sb->p;
    if (len && data)
        memcpy(p, data, len);
    sb->p += len;
    sb->left -= len;
    return p;
}

static void index_str(char *buf, size_t cap, int64_t flat, int rank, const int64_t *dims)
{
    /* "i,j,k" of a flat index */
    int64_t idx[MD_MAX_RANK];
    for (int d = rank - 1; d >= 0; d--) {
        idx[d] = dims[d] ? flat % dims[d] : 0;
        flat = dims[d] ? flat / dims[d] : 0;
    }
    size_t at = 0;
    buf[0] = 0;
    for (int d = 0; d < rank && at < cap; d++)
        at += (size_t)snprintf(buf + at, cap - at, d ? ",%lld" : "%lld", (long long)idx[d]);
}

bool md_arr_gather(struct md_kernel_ctx *k, const struct md_tensor *params,
                   const struct md_tensor *indices, int64_t axis_in, int64_t batch_dims_in,
                   struct md_status *st)
{
    if (!md_arr_is_index(indices->dtype))
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "indices must be int32 or int64, got %s",
                              md_dtype_info(indices->dtype)->tf_name);
    if (!md_arr_check_dtype(k->node, params->dtype, st))
        return false;
    int64_t bd = batch_dims_in < 0 ? batch_dims_in + indices->rank : batch_dims_in;
    if (bd < 0 || bd > indices->rank)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "Expected batch_dims in the range [%d, %d], but got %lld",
                              -indices->rank, indices->rank, (long long)batch_dims_in);
    int64_t axis = axis_in < 0 ? axis_in + params->rank : axis_in;
    if (axis < 0 || axis >= params->rank)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "Expected axis in the range [%d, %d), but got %lld", -params->rank,
                              params->rank, (long long)axis_in);
    if (bd > axis)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "batch_dims (%lld) must be less than or equal to axis (%lld)",
                              (long long)bd, (long long)axis);
    for (int d = 0; d < bd; d++)
        if (params->dims[d] != indices->dims[d])
            return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                                  "params.shape[%d]: %lld should be equal to indices.shape[%d]: "
                                  "%lld",
                                  d, (long long)params->dims[d], d, (long long)indices->dims[d]);
    int64_t dims[MD_MAX_RANK];
    int r = 0;
    int out_rank = params->rank - 1 + indices->rank - (int)bd;
    if (out_rank > MD_MAX_RANK)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT, "output rank %d exceeds %d",
                              out_rank, MD_MAX_RANK);
    for (int d = 0; d < axis; d++)
        dims[r++] = params->dims[d];
    for (int d = (int)bd; d < indices->rank; d++)
        dims[r++] = indices->dims[d];
    for (int d = (int)axis + 1; d < params->rank; d++)
        dims[r++] = params->dims[d];
    int64_t batch = 1, outer = 1, inner = 1, n_idx = 1, limit = params->dims[axis];
    for (int d = 0; d < bd; d++)
        batch *= params->dims[d];
    for (int d = (int)bd; d < axis; d++)
        outer *= params->dims[d];
    for (int d = (int)axis + 1; d < params->rank; d++)
        inner *= params->dims[d];
    for (int d = (int)bd; d < indices->rank; d++)
        n_idx *= indices->dims[d];
    /* check every index before writing anything */
    int64_t total_idx = md_tensor_num_elements(indices);
    for (int64_t i = 0; i < total_idx; i++) {
        int64_t v = md_arr_index_at(indices, i);
        if (v < 0 || v >= limit) {
            char where[160];
            index_str(where, sizeof where, i, indices->rank, indices->dims);
            return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                                  "indices[%s] = %lld is not in [0, %lld)", where, (long long)v,
                                  (long long)limit);
        }
    }
    if (!md_kernel_output(k, 0, params->dtype, out_rank, dims, st))
        return false;
    struct md_tensor *y = &k->outputs[0];
    size_t es = md_dtype_size(params->dtype), row = (size_t)inner * es;
    char *out = y->data;
    const char *src = params->data;
    for (int64_t b = 0; b < batch; b++)
        for (int64_t o = 0; o < outer; o++)
            for (int64_t i = 0; i < n_idx; i++) {
                int64_t v = md_arr_index_at(indices, b * n_idx + i);
                const char *from = src + (size_t)(((b * outer + o) * limit + v) * inner) * es;
                if (row)
                    memcpy(out, from, row);
                out += row;
            }
    return md_arr_fix_strings(k, y, params, st);
}

bool md_arr_pad(struct md_kernel_ctx *k, const struct md_tensor *x,
                const struct md_tensor *paddings, const void *value, enum md_arr_pad_mode mode,
                struct md_status *st)
{
    if (!md_arr_is_index(paddings->dtype))
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "paddings must be int32 or int64, got %s",
                              md_dtype_info(paddings->dtype)->tf_name);
    if (paddings->rank != 2 || paddings->dims[0] != x->rank || paddings->dims[1] != 2) {
        char a[96], b[96];
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "The first dimension of paddings must be the rank of inputs[%d,2], "
                              "got paddings %s for input %s",
                              x->rank, md_arr_shape_str(a, sizeof a, paddings),
                              md_arr_shape_str(b, sizeof b, x));
    }
    if (!md_arr_check_dtype(k->node, x->dtype, st))
        return false;
    int64_t before[MD_MAX_RANK], dims[MD_MAX_RANK];
    for (int d = 0; d < x->rank; d++) {
        int64_t b = md_arr_index_at(paddings, 2 * d), a = md_arr_index_at(paddings, 2 * d + 1);
        if (b < 0 || a < 0)
            return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                                  "Paddings must be non-negative: %lld %lld", (long long)b,
                                  (long long)a);
        int64_t lim = mode == MD_PAD_REFLECT ? x->dims[d] - 1 : x->dims[d];
        if (mode != MD_PAD_CONSTANT && (b > lim || a > lim))
            return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                                  "paddings must be no greater than the dimension size: %lld, "
                                  "%lld greater than %lld",
                                  (long long)b, (long long)a, (long long)lim);
        if (b > (INT64_C(1) << 40) || a > (INT64_C(1) << 40))
            return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT, "paddings too large");
        before[d] = b;
        dims[d] = x->dims[d] + b + a;
    }
    if (!md_kernel_output(k, 0, x->dtype, x->rank, dims, st))
        return false;
    struct md_tensor *y = &k->outputs[0];
    size_t es = md_dtype_size(x->dtype);
    int64_t n = md_tensor_num_elements(y);
    int64_t ys[MD_MAX_RANK], xs[MD_MAX_RANK];
    md_arr_strides(x->rank, dims, ys);
    md_arr_strides(x->rank, x->dims, xs);
    if (mode == MD_PAD_CONSTANT) {
        char *p = y->data;
        if (value)
            for (int64_t i = 0; i < n; i++)
                memcpy(p + (size_t)i * es, value, es);
        else if (n)
            memset(p, 0, (size_t)n * es);
        int64_t off = 0;
        for (int d = 0; d < x->rank; d++)
            off += before[d] * ys[d];
        if (md_tensor_num_elements(x) > 0)
            md_arr_copy_nd(p + off * (int64_t)es, ys, x->data, xs, es, x->rank, x->dims);
        return md_arr_fix_strings(k, y, x, st);
    }
    /* mirror: each output index maps to one input index per dimension */
    char *p = y->data;
    const char *src = x->data;
    for (int64_t i = 0; i < n; i++) {
        int64_t rem = i, off = 0;
        for (int d = 0; d < x->rank; d++) {
            int64_t o = rem / ys[d], j = o - before[d];
            rem %= ys[d];
            if (j < 0)
                j = mode == MD_PAD_REFLECT ? -j : -j - 1;
            else if (j >= x->dims[d])
                j = mode == MD_PAD_REFLECT ? 2 * x->dims[d] - 2 - j : 2 * x->dims[d] - 1 - j;
            off += j * xs[d];
        }
        memcpy(p + (size_t)i * es, src + (size_t)off * es, es);
    }
    return md_arr_fix_strings(k, y, x, st);
}
