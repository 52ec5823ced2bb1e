/* Bucketize: for each element, the number of boundaries <= it (int32, same
 * shape), as std::upper_bound over the float boundaries attr. int32/int64
 * inputs compare as float and double boundaries as double, as TensorFlow. */
#include "ops/kernels/sparse_common.h"

struct bucketize_state {
    const float *b;
    size_t n;
};

static bool bucketize_init(struct md_kernel_init *ki, struct md_status *st)
{
    struct bucketize_state *s = md_kernel_init_alloc(ki, sizeof *s, st);
    if (!s)
        return false;
    if (!md_attr_list_float(ki->node, "boundaries", &s->b, &s->n)) {
        s->b = NULL;
        s->n = 0;
    }
    for (size_t i = 1; i < s->n; i++)
        if (!(s->b[i - 1] <= s->b[i]))
            return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT, "Expected sorted boundaries");
    ki->state = s;
    return true;
}

static int32_t upper_f(const struct bucketize_state *s, float v)
{
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (v < s->b[mid])
            hi = mid;
        else
            lo = mid + 1;
    }
    return (int32_t)lo;
}

static int32_t upper_d(const struct bucketize_state *s, double v)
{
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (v < (double)s->b[mid])
            hi = mid;
        else
            lo = mid + 1;
    }
    return (int32_t)lo;
}

static bool bucketize_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    const struct bucketize_state *s = k->state;
    const struct md_tensor *x = k->inputs[0];
    if (x->dtype != MD_DT_FLOAT && x->dtype != MD_DT_DOUBLE && x->dtype != MD_DT_INT32 &&
        x->dtype != MD_DT_INT64)
        return md_kernel_fail(k->node, st, MD_UNIMPLEMENTED, "dtype %s not supported",
                              md_dtype_name(x->dtype));
    if (!md_kernel_output(k, 0, MD_DT_INT32, x->rank, x->dims, st))
        return false;
    int64_t n = md_tensor_num_elements(x);
    int32_t *o = k->outputs[0].data;
    for (int64_t i = 0; i < n; i++) {
        switch (x->dtype) {
        case MD_DT_FLOAT: o[i] = upper_f(s, ((const float *)x->data)[i]); break;
        case MD_DT_DOUBLE: o[i] = upper_d(s, ((const double *)x->data)[i]); break;
        case MD_DT_INT32: o[i] = upper_f(s, (float)((const int32_t *)x->data)[i]); break;
        default: o[i] = upper_f(s, (float)((const int64_t *)x->data)[i]); break;
        }
    }
    return true;
}

const struct md_op_def md_op_bucketize = {
    .tf_name = "Bucketize",
    .init = bucketize_init,
    .compute = bucketize_compute,
};
