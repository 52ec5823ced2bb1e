/* Pack (tf.stack): N tensors of one shape stacked along a new dimension
 * `axis` (in [-(rank+1), rank]). */
#include "ops/kernels/array_common.h"

struct pack_state {
    int64_t axis;
};

static bool pack_init(struct md_kernel_init *ki, struct md_status *st)
{
    struct pack_state *s = md_kernel_init_alloc(ki, sizeof *s, st);
    if (!s)
        return false;
    if (!md_attr_int(ki->node, "axis", &s->axis))
        s->axis = 0;
    int64_t n;
    if (md_attr_int(ki->node, "N", &n) && n != ki->n_inputs)
        return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT, "attr N=%lld but %d inputs",
                              (long long)n, ki->n_inputs);
    if (ki->n_inputs < 1)
        return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT, "needs at least one input");
    ki->state = s;
    return true;
}

static bool pack_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    const struct pack_state *s = k->state;
    const struct md_tensor *x0 = k->inputs[0];
    int r = x0->rank + 1;
    if (r > MD_MAX_RANK)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT, "output rank %d exceeds %d", r,
                              MD_MAX_RANK);
    int axis;
    if (!md_arr_axis(k, s->axis, r, "axis", &axis, st) ||
        !md_arr_check_dtype(k->node, x0->dtype, st))
        return false;
    bool fix = false;
    for (int i = 0; i < k->n_inputs; i++) {
        const struct md_tensor *x = k->inputs[i];
        bool same = x->rank == x0->rank && x->dtype == x0->dtype;
        for (int d = 0; same && d < x0->rank; d++)
            same = x->dims[d] == x0->dims[d];
        if (!same) {
            char s0[96], s1[96];
            return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                                  "Shapes of all inputs must match: values[0].shape = %s %s != "
                                  "values[%d].shape = %s %s",
                                  md_arr_shape_str(s0, sizeof s0, x0),
                                  md_dtype_info(x0->dtype)->tf_name, i,
                                  md_arr_shape_str(s1, sizeof s1, x),
                                  md_dtype_info(x->dtype)->tf_name);
        }
        fix |= x->buf != NULL;
    }
    int64_t dims[MD_MAX_RANK];
    for (int d = 0, j = 0; d < r; d++)
        dims[d] = d == axis ? k->n_inputs : x0->dims[j++];
    if (!md_kernel_output(k, 0, x0->dtype, r, dims, st))
        return false;
    struct md_tensor *y = &k->outputs[0];
    int64_t outer = 1, inner = 1;
    for (int d = 0; d < axis; d++)
        outer *= dims[d];
    for (int d = axis + 1; d < r; d++)
        inner *= dims[d];
    size_t es = md_dtype_size(x0->dtype);
    for (int i = 0; i < k->n_inputs; i++) {
        int64_t cdims[2] = { outer, inner }, ds[2] = { k->n_inputs * inner, 1 },
                ss[2] = { inner, 1 };
        md_arr_copy_nd((char *)y->data + (size_t)(i * inner) * es, ds, k->inputs[i]->data, ss,
                       es, 2, cdims);
    }
    return !fix || md_arr_own_strings(k, y, st);
}

const struct md_op_def md_op_pack = {
    .tf_name = "Pack",
    .init = pack_init,
    .compute = pack_compute,
};
