/* BroadcastGradientArgs(s0, s1) -> (r0, r1): the axes along which the
 * gradient of a broadcasting binary op must be summed to get back to the
 * shapes s0 and s1 (int32 or int64 shape vectors, attr T).
 *
 * TensorFlow semantics (BCast with its default dimension folding):
 *   - identical shapes (same length, same values): r0 = r1 = [];
 *   - otherwise both are right-aligned and padded with 1 on the left to the
 *     longer length R; for output axis a in [0, R): when both dims are 1 the
 *     axis goes to r0 and r1; when only one is 1 it goes to that side's list;
 *     two different dims that are not 1 are INVALID_ARGUMENT "Incompatible
 *     shapes". Lists are ascending. Dims are compared as plain values (0 is
 *     an ordinary size). */
#include <stdio.h>

#include "ops/ops_impl.h"

static bool bga_init(struct md_kernel_init *ki, struct md_status *st)
{
    if (ki->n_inputs != 2)
        return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT, "expects 2 inputs, got %d",
                              ki->n_inputs);
    enum md_dtype t = MD_DT_INT32;
    md_attr_type(ki->node, "T", &t);
    if (t != MD_DT_INT32 && t != MD_DT_INT64)
        return md_kernel_fail(ki->node, st, MD_UNIMPLEMENTED, "dtype %s not supported",
                              md_dtype_name(t));
    ki->n_outputs = 2;
    return true;
}

static int64_t dim_at(const struct md_tensor *t, int64_t i)
{
    return t->dtype == MD_DT_INT32 ? ((const int32_t *)t->data)[i]
                                   : ((const int64_t *)t->data)[i];
}

/* Dim of shape t at output axis a of an R-axis broadcast (1 when padded). */
static int64_t aligned(const struct md_tensor *t, int64_t r, int64_t a)
{
    int64_t n = t->dims[0], i = a - (r - n);
    return i < 0 ? 1 : dim_at(t, i);
}

static void shape_text(char *buf, size_t cap, const struct md_tensor *t)
{
    size_t o = (size_t)snprintf(buf, cap, "[");
    for (int64_t i = 0; i < t->dims[0] && o < cap; i++)
        o += (size_t)snprintf(buf + o, cap - o, "%s%lld", i ? "," : "", (long long)dim_at(t, i));
    if (o < cap)
        snprintf(buf + o, cap - o, "]");
}

static void put(struct md_tensor *o, int64_t i, int64_t v)
{
    if (o->dtype == MD_DT_INT32)
        ((int32_t *)o->data)[i] = (int32_t)v;
    else
        ((int64_t *)o->data)[i] = v;
}

static bool bga_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    const struct md_tensor *s[2] = { k->inputs[0], k->inputs[1] };
    for (int i = 0; i < 2; i++) {
        if (s[i]->dtype != MD_DT_INT32 && s[i]->dtype != MD_DT_INT64)
            return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                                  "s%d must be int32 or int64, got %s", i,
                                  md_dtype_name(s[i]->dtype));
        if (s[i]->rank != 1) {
            char sh[96];
            return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                                  "s%d must be a vector, got shape %s", i,
                                  md_shape_str(sh, sizeof sh, s[i]->rank, s[i]->dims));
        }
    }
    if (s[0]->dtype != s[1]->dtype)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT, "s0 is %s but s1 is %s",
                              md_dtype_name(s[0]->dtype), md_dtype_name(s[1]->dtype));
    enum md_dtype dt = s[0]->dtype;
    int64_t n0 = s[0]->dims[0], n1 = s[1]->dims[0], r = n0 > n1 ? n0 : n1;
    bool same = n0 == n1;
    for (int64_t i = 0; same && i < n0; i++)
        same = dim_at(s[0], i) == dim_at(s[1], i);
    /* Count first (and validate), then fill. */
    int64_t cnt[2] = { 0, 0 };
    for (int64_t a = 0; !same && a < r; a++) {
        int64_t d0 = aligned(s[0], r, a), d1 = aligned(s[1], r, a);
        if (d0 != 1 && d1 != 1 && d0 != d1) {
            char t0[160], t1[160];
            shape_text(t0, sizeof t0, s[0]);
            shape_text(t1, sizeof t1, s[1]);
            return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                                  "Incompatible shapes: %s vs. %s", t0, t1);
        }
        cnt[0] += d0 == 1;
        cnt[1] += d1 == 1;
    }
    for (int i = 0; i < 2; i++)
        if (!md_kernel_output(k, i, dt, 1, &cnt[i], st))
            return false;
    int64_t at[2] = { 0, 0 };
    for (int64_t a = 0; !same && a < r; a++)
        for (int i = 0; i < 2; i++)
            if (aligned(s[i], r, a) == 1)
                put(&k->outputs[i], at[i]++, a);
    return true;
}

const struct md_op_def md_op_broadcast_gradient_args = {
    .tf_name = "BroadcastGradientArgs",
    .init = bga_init,
    .compute = bga_compute,
};
