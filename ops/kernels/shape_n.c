/* ShapeN: the shapes of N inputs, one vector of out_type each. */
#include "ops/kernels/array_common.h"

static bool shape_n_init(struct md_kernel_init *ki, struct md_status *st)
{
    if (!md_arr_out_type_init(ki, "out_type", MD_DT_INT32, st))
        return false;
    int64_t n;
    if (md_attr_int(ki->node, "N", &n) && n != ki->n_inputs)
        return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT, "attr N=%lld but %d inputs",
                              (long long)n, ki->n_inputs);
    ki->n_outputs = ki->n_inputs;
    return true;
}

static bool shape_n_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    enum md_dtype t = *(const enum md_dtype *)k->state;
    for (int i = 0; i < k->n_inputs; i++) {
        const struct md_tensor *x = k->inputs[i];
        int64_t r = x->rank;
        if (!md_kernel_output(k, i, t, 1, &r, st))
            return false;
        for (int d = 0; d < x->rank; d++) {
            if (t == MD_DT_INT32 && x->dims[d] > INT32_MAX)
                return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                                      "ShapeN output type is 32-bit but dim %d of input %d is %lld",
                                      d, i, (long long)x->dims[d]);
            md_arr_index_set(&k->outputs[i], d, x->dims[d]);
        }
    }
    return true;
}

const struct md_op_def md_op_shape_n = {
    .tf_name = "ShapeN",
    .init = shape_n_init,
    .compute = shape_n_compute,
};
