/* Shape: the input's dimensions as a vector of out_type (int32 default). */
#include "ops/kernels/array_common.h"

static bool shape_init(struct md_kernel_init *ki, struct md_status *st)
{
    return md_arr_out_type_init(ki, "out_type", MD_DT_INT32, st);
}

static bool shape_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    enum md_dtype t = *(const enum md_dtype *)k->state;
    const struct md_tensor *x = k->inputs[0];
    int64_t r = x->rank;
    if (!md_kernel_output(k, 0, t, 1, &r, st))
        return false;
    for (int d = 0; d < x->rank; d++) {
        if (t == MD_DT_INT32 && x->dims[d] > INT32_MAX)
            return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                                  "Shape output type is 32-bit but dim %d is %lld", d,
                                  (long long)x->dims[d]);
        md_arr_index_set(&k->outputs[0], d, x->dims[d]);
    }
    return true;
}

const struct md_op_def md_op_shape = {
    .tf_name = "Shape",
    .init = shape_init,
    .compute = shape_compute,
};
