/* Fill: a tensor of shape `dims` with every element equal to the scalar `value`. */
#include <string.h>

#include "ops/kernels/array_common.h"

static bool fill_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    const struct md_tensor *v = k->inputs[1];
    int64_t dims[MD_MAX_RANK], r;
    if (!md_arr_read_ints(k, k->inputs[0], "dims", false, dims, MD_MAX_RANK, &r, st))
        return false;
    if (v->rank != 0) {
        char s[96];
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "value must be a scalar, got shape %s",
                              md_arr_shape_str(s, sizeof s, v));
    }
    if (!md_arr_check_dtype(k->node, v->dtype, st))
        return false;
    for (int i = 0; i < r; i++)
        if (dims[i] < 0)
            return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                                  "dims[%d] must be non-negative, got %lld", i, (long long)dims[i]);
    if (!md_kernel_output(k, 0, v->dtype, (int)r, dims, st))
        return false;
    struct md_tensor *y = &k->outputs[0];
    int64_t n = md_tensor_num_elements(y);
    size_t es = md_dtype_size(v->dtype);
    char *p = y->data;
    for (int64_t i = 0; i < n; i++)
        memcpy(p + (size_t)i * es, v->data, es);
    return md_arr_fix_strings(k, y, v, st);
}

const struct md_op_def md_op_fill = {
    .tf_name = "Fill",
    .compute = fill_compute,
};
