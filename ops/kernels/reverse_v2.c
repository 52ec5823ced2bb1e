/* ReverseV2: the input reversed along the listed axes (negative allowed). */
#include "ops/kernels/array_common.h"

static bool reverse_v2_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    const struct md_tensor *x = k->inputs[0];
    int64_t axes[MD_MAX_RANK], n;
    if (!md_arr_read_ints(k, k->inputs[1], "axis", false, axes, MD_MAX_RANK, &n, st))
        return false;
    bool rev[MD_MAX_RANK] = { false };
    for (int i = 0; i < n; i++) {
        int a;
        if (!md_arr_axis(k, axes[i], x->rank, "axis", &a, st))
            return false;
        if (rev[a])
            return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                                  "axis %d specified more than once.", a);
        rev[a] = true;
    }
    if (!md_arr_check_dtype(k->node, x->dtype, st) ||
        !md_kernel_output(k, 0, x->dtype, x->rank, x->dims, st))
        return false;
    if (md_tensor_num_elements(x) == 0)
        return true;
    int64_t xs[MD_MAX_RANK], ss[MD_MAX_RANK], off = 0;
    md_arr_strides(x->rank, x->dims, xs);
    for (int d = 0; d < x->rank; d++) {
        ss[d] = rev[d] ? -xs[d] : xs[d];
        if (rev[d])
            off += (x->dims[d] - 1) * xs[d];
    }
    size_t es = md_dtype_size(x->dtype);
    md_arr_copy_nd(k->outputs[0].data, xs, (const char *)x->data + off * (int64_t)es, ss, es,
                   x->rank, x->dims);
    return md_arr_fix_strings(k, &k->outputs[0], x, st);
}

const struct md_op_def md_op_reverse_v2 = {
    .tf_name = "ReverseV2",
    .compute = reverse_v2_compute,
};
