/* Size: the input's number of elements as a scalar of out_type. */
#include "ops/kernels/array_common.h"

static bool size_init(struct md_kernel_init *ki, struct md_status *st)
{
    return md_arr_out_type_init(ki, "out_type", MD_DT_INT32, st);
}

static bool size_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    enum md_dtype t = *(const enum md_dtype *)k->state;
    int64_t n = md_tensor_num_elements(k->inputs[0]);
    if (t == MD_DT_INT32 && n > INT32_MAX)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "Number of elements was larger than representable by 32-bit output "
                              "type");
    if (!md_kernel_output(k, 0, t, 0, NULL, st))
        return false;
    md_arr_index_set(&k->outputs[0], 0, n);
    return true;
}

const struct md_op_def md_op_size = {
    .tf_name = "Size",
    .init = size_init,
    .compute = size_compute,
};
