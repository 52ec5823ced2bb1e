/* OneHot: a new dimension of size depth at `axis` (-1: last) holding on_value
 * where it equals the index and off_value elsewhere; indices outside
 * [0, depth) give a row of off_value. */
#include <string.h>

#include "ops/kernels/array_common.h"

static bool one_hot_init(struct md_kernel_init *ki, struct md_status *st)
{
    int64_t *axis = md_kernel_init_alloc(ki, sizeof *axis, st);
    if (!axis)
        return false;
    if (!md_attr_int(ki->node, "axis", axis))
        *axis = -1;
    if (*axis < -1)
        return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT,
                              "Expected axis to be -1 or between [0, rank), but got %lld",
                              (long long)*axis);
    ki->state = axis;
    return true;
}

static bool one_hot_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    const struct md_tensor *idx = k->inputs[0], *on = k->inputs[2], *off = k->inputs[3];
    int64_t depth, a = *(const int64_t *)k->state;
    if (!md_arr_read_scalar(k, k->inputs[1], "depth", &depth, st))
        return false;
    if (depth < 0)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "depth must be non-negative, got: %lld", (long long)depth);
    if (!(idx->dtype == MD_DT_INT32 || idx->dtype == MD_DT_INT64 || idx->dtype == MD_DT_UINT8))
        return md_kernel_fail(k->node, st, MD_UNIMPLEMENTED, "indices dtype %s not supported",
                              md_dtype_name(idx->dtype));
    if (on->rank != 0 || off->rank != 0 || on->dtype != off->dtype)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "on_value and off_value must be scalars of one dtype");
    if (!md_arr_check_dtype(k->node, on->dtype, st))
        return false;
    int r = idx->rank + 1;
    if (a >= r || r > MD_MAX_RANK)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "Expected axis to be -1 or between [0, %d), but got %lld", r,
                              (long long)a);
    int axis = a < 0 ? r - 1 : (int)a;
    int64_t dims[MD_MAX_RANK], outer = 1, inner = 1;
    for (int d = 0, j = 0; d < r; d++)
        dims[d] = d == axis ? depth : idx->dims[j++];
    for (int d = 0; d < axis; d++)
        outer *= dims[d];
    for (int d = axis + 1; d < r; d++)
        inner *= dims[d];
    if (depth && md_tensor_num_elements(idx) > (INT64_C(1) << 40) / depth)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT, "OneHot output is too large");
    if (!md_kernel_output(k, 0, on->dtype, r, dims, st))
        return false;
    size_t es = md_dtype_size(on->dtype);
    char *p = k->outputs[0].data;
    for (int64_t o = 0; o < outer; o++)
        for (int64_t dpt = 0; dpt < depth; dpt++)
            for (int64_t i = 0; i < inner; i++) {
                int64_t e = o * inner + i;
                int64_t v = idx->dtype == MD_DT_UINT8 ? ((const uint8_t *)idx->data)[e]
                                                      : md_arr_index_at(idx, e);
                memcpy(p, v == dpt ? on->data : off->data, es);
                p += es;
            }
    if (!md_arr_fix_strings(k, &k->outputs[0], on, st))
        return false;
    return on->buf ? true : md_arr_fix_strings(k, &k->outputs[0], off, st);
}

const struct md_op_def md_op_one_hot = {
    .tf_name = "OneHot",
    .init = one_hot_init,
    .compute = one_hot_compute,
};
