/* Unpack (tf.unstack): splits `value` along `axis` into `num` tensors of one
 * rank less. */
#include "ops/kernels/array_common.h"

struct unpack_state {
    int64_t num, axis;
};

static bool unpack_init(struct md_kernel_init *ki, struct md_status *st)
{
    struct unpack_state *s = md_kernel_init_alloc(ki, sizeof *s, st);
    if (!s)
        return false;
    if (!md_attr_int(ki->node, "num", &s->num) || s->num < 0 || s->num > 4096)
        return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT,
                              "attr 'num' missing or out of range");
    if (!md_attr_int(ki->node, "axis", &s->axis))
        s->axis = 0;
    ki->n_outputs = (int)s->num;
    ki->state = s;
    return true;
}

static bool unpack_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    const struct unpack_state *s = k->state;
    const struct md_tensor *x = k->inputs[0];
    int axis;
    if (!md_arr_axis(k, s->axis, x->rank, "axis", &axis, st))
        return false;
    if (x->dims[axis] != s->num) {
        char sh[96];
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "Input shape axis %d must equal %lld, got shape %s", axis,
                              (long long)s->num, md_arr_shape_str(sh, sizeof sh, x));
    }
    int64_t ones[4096];
    for (int64_t i = 0; i < s->num; i++)
        ones[i] = 1;
    return md_arr_split(k, x, axis, ones, (int)s->num, true, st);
}

const struct md_op_def md_op_unpack = {
    .tf_name = "Unpack",
    .init = unpack_init,
    .compute = unpack_compute,
};
