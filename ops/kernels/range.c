/* Range: [start, limit) in steps of delta (int32, int64, float, double).
 * Float values accumulate (v += delta) as TensorFlow's kernel does. */
#include <math.h>

#include "ops/kernels/array_common.h"

static bool scalar_like(const struct md_tensor *t)
{
    return t->rank == 0 || (t->rank == 1 && t->dims[0] == 1);
}

static double as_double(const struct md_tensor *t)
{
    switch (t->dtype) {
    case MD_DT_FLOAT: return (double)*(const float *)t->data;
    case MD_DT_DOUBLE: return *(const double *)t->data;
    case MD_DT_INT32: return *(const int32_t *)t->data;
    default: return (double)*(const int64_t *)t->data;
    }
}

static bool range_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    static const char *const names[3] = { "start", "limit", "delta" };
    enum md_dtype t = k->inputs[0]->dtype;
    for (int i = 0; i < 3; i++) {
        const struct md_tensor *x = k->inputs[i];
        if (!scalar_like(x)) {
            char s[96];
            return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                                  "%s must be a scalar, not shape %s", names[i],
                                  md_arr_shape_str(s, sizeof s, x));
        }
        if (x->dtype != t)
            return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                                  "%s has dtype %s, start has %s", names[i],
                                  md_dtype_info(x->dtype)->tf_name, md_dtype_info(t)->tf_name);
    }
    if (t != MD_DT_INT32 && t != MD_DT_INT64 && t != MD_DT_FLOAT && t != MD_DT_DOUBLE)
        return md_kernel_fail(k->node, st, MD_UNIMPLEMENTED, "dtype %s not supported",
                              md_dtype_name(t));
    int64_t n;
    if (t == MD_DT_INT32 || t == MD_DT_INT64) {
        int64_t s = md_arr_index_at(k->inputs[0], 0), l = md_arr_index_at(k->inputs[1], 0),
                d = md_arr_index_at(k->inputs[2], 0);
        if (d == 0)
            return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT, "Requires delta != 0: %lld",
                                  (long long)d);
        if (d > 0 ? s > l : s < l)
            return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                                  "Requires start %s limit when delta %s 0: %lld/%lld",
                                  d > 0 ? "<=" : ">=", d > 0 ? ">" : "<", (long long)s,
                                  (long long)l);
        /* |l - s| and |d| without overflow: both fit in uint64 */
        uint64_t span = d > 0 ? (uint64_t)l - (uint64_t)s : (uint64_t)s - (uint64_t)l;
        uint64_t step = d > 0 ? (uint64_t)d : 0 - (uint64_t)d;
        uint64_t cnt = span / step + (span % step != 0);
        if (cnt > (UINT64_C(1) << 40))
            return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT, "Range output is too large");
        n = (int64_t)cnt;
        if (!md_kernel_output(k, 0, t, 1, &n, st))
            return false;
        for (int64_t i = 0; i < n; i++)
            md_arr_index_set(&k->outputs[0], i, (int64_t)((uint64_t)s + (uint64_t)i * (uint64_t)d));
        return true;
    }
    double s = as_double(k->inputs[0]), l = as_double(k->inputs[1]), d = as_double(k->inputs[2]);
    if (!isfinite(s) || !isfinite(l) || !isfinite(d))
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "Requires start, limit and delta to be finite");
    if (d == 0)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT, "Requires delta != 0: %g", d);
    if (d > 0 ? s > l : s < l)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "Requires start %s limit when delta %s 0: %g/%g", d > 0 ? "<=" : ">=",
                              d > 0 ? ">" : "<", s, l);
    /* TensorFlow computes the size in T: ceil(|(limit - start) / delta|). */
    double cnt = t == MD_DT_FLOAT ? (double)ceilf(fabsf(((float)l - (float)s) / (float)d))
                                  : ceil(fabs((l - s) / d));
    if (cnt > (double)(INT64_C(1) << 40))
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT, "Range output is too large");
    n = (int64_t)cnt;
    if (!md_kernel_output(k, 0, t, 1, &n, st))
        return false;
    if (t == MD_DT_FLOAT) {
        float v = (float)s, fd = (float)d, *o = k->outputs[0].data;
        for (int64_t i = 0; i < n; i++, v += fd)
            o[i] = v;
    } else {
        double v = s, *o = k->outputs[0].data;
        for (int64_t i = 0; i < n; i++, v += d)
            o[i] = v;
    }
    return true;
}

const struct md_op_def md_op_range = {
    .tf_name = "Range",
    .compute = range_compute,
};
