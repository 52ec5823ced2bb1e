/* Reshape: same elements, new shape; one dimension may be -1 (inferred).
 * The output is a view of the input (no copy). */
#include "ops/kernels/array_common.h"

static bool reshape_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    const struct md_tensor *x = k->inputs[0];
    int64_t dims[MD_MAX_RANK], n;
    if (!md_arr_read_ints(k, k->inputs[1], "shape", false, dims, MD_MAX_RANK, &n, st))
        return false;
    int64_t in_n = md_tensor_num_elements(x), product = 1;
    int unknown = -1;
    for (int i = 0; i < (int)n; i++) {
        if (dims[i] == -1) {
            if (unknown >= 0)
                return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                                      "Only one input size may be -1, not both %d and %d",
                                      unknown, i);
            unknown = i;
        } else if (dims[i] < 0) {
            return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                                  "Size %d must be non-negative, not %lld", i, (long long)dims[i]);
        } else {
            if (dims[i] && product > (INT64_C(1) << 62) / dims[i])
                return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                                      "requested shape is too large");
            product *= dims[i];
        }
    }
    if (unknown >= 0) {
        if (product == 0)
            return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                                  "Reshape cannot infer the missing input size for an empty "
                                  "tensor unless all specified input sizes are non-zero");
        if (in_n % product)
            return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                                  "Input to reshape is a tensor with %lld values, but the "
                                  "requested shape requires a multiple of %lld",
                                  (long long)in_n, (long long)product);
        dims[unknown] = in_n / product;
    } else if (product != in_n) {
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "Input to reshape is a tensor with %lld values, but the requested "
                              "shape has %lld",
                              (long long)in_n, (long long)product);
    }
    md_kernel_forward(k, 0, x);
    struct md_tensor *y = &k->outputs[0];
    y->rank = (int)n;
    for (int i = 0; i < MD_MAX_RANK; i++)
        y->dims[i] = i < n ? dims[i] : 0;
    return true;
}

const struct md_op_def md_op_reshape = {
    .tf_name = "Reshape",
    .compute = reshape_compute,
};
