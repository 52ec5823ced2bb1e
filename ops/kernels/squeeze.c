/* Squeeze: drops size-1 dimensions (all of them, or those in squeeze_dims,
 * negative allowed). The output is a view of the input. */
#include "ops/kernels/array_common.h"

struct squeeze_state {
    size_t n;
    const int64_t *dims;
};

static bool squeeze_init(struct md_kernel_init *ki, struct md_status *st)
{
    struct squeeze_state *s = md_kernel_init_alloc(ki, sizeof *s, st);
    if (!s)
        return false;
    /* TF names it squeeze_dims; the Python API calls it axis. */
    if (!md_attr_list_int(ki->node, "squeeze_dims", &s->dims, &s->n) &&
        !md_attr_list_int(ki->node, "axis", &s->dims, &s->n))
        s->n = 0;
    ki->state = s;
    return true;
}

static bool squeeze_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    const struct squeeze_state *s = k->state;
    const struct md_tensor *x = k->inputs[0];
    bool drop[MD_MAX_RANK] = { false };
    for (size_t i = 0; i < s->n; i++) {
        int64_t d = s->dims[i];
        if (d < -x->rank || d >= x->rank)
            return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                                  "Tried to squeeze dim index %lld for tensor with %d dimensions.",
                                  (long long)d, x->rank);
        if (d < 0)
            d += x->rank;
        if (x->dims[d] != 1)
            return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                                  "Can not squeeze dim[%lld], expected a dimension of 1, got %lld",
                                  (long long)d, (long long)x->dims[d]);
        drop[d] = true;
    }
    int64_t dims[MD_MAX_RANK];
    int r = 0;
    for (int d = 0; d < x->rank; d++)
        if (!(s->n ? drop[d] : x->dims[d] == 1))
            dims[r++] = x->dims[d];
    md_kernel_forward(k, 0, x);
    struct md_tensor *y = &k->outputs[0];
    y->rank = r;
    for (int i = 0; i < MD_MAX_RANK; i++)
        y->dims[i] = i < r ? dims[i] : 0;
    return true;
}

const struct md_op_def md_op_squeeze = {
    .tf_name = "Squeeze",
    .init = squeeze_init,
    .compute = squeeze_compute,
};
