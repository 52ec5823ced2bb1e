/* Slice: size[i] elements from begin[i] in every dimension (size -1: to
 * the end). */
#include "ops/kernels/array_common.h"

static bool slice_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    const struct md_tensor *x = k->inputs[0];
    int64_t begin[MD_MAX_RANK], size[MD_MAX_RANK], stride[MD_MAX_RANK], nb, ns;
    if (!md_arr_read_ints(k, k->inputs[1], "begin", false, begin, MD_MAX_RANK, &nb, st) ||
        !md_arr_read_ints(k, k->inputs[2], "size", false, size, MD_MAX_RANK, &ns, st))
        return false;
    if (nb != x->rank || ns != x->rank)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "Expected begin and size arguments to be 1-D tensors of size %d, "
                              "but got shapes [%lld] and [%lld] instead.",
                              x->rank, (long long)nb, (long long)ns);
    for (int d = 0; d < x->rank; d++) {
        if (size[d] == -1)
            size[d] = x->dims[d] - begin[d];
        if (begin[d] < 0 || begin[d] > x->dims[d])
            return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                                  "Expected begin[%d] in [0, %lld], but got %lld", d,
                                  (long long)x->dims[d], (long long)begin[d]);
        if (size[d] < 0 || size[d] > x->dims[d] - begin[d])
            return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                                  "Expected size[%d] in [0, %lld], but got %lld", d,
                                  (long long)(x->dims[d] - begin[d]), (long long)size[d]);
        stride[d] = 1;
    }
    return md_arr_slice(k, x, begin, stride, size, x->rank, size, st);
}

const struct md_op_def md_op_slice = {
    .tf_name = "Slice",
    .compute = slice_compute,
};
