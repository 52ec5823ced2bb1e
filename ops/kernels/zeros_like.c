/* ZerosLike: zeros (false, "" for strings) of the input's shape and dtype. */
#include <string.h>

#include "ops/kernels/array_common.h"

static bool zeros_like_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    const struct md_tensor *x = k->inputs[0];
    if (!md_arr_check_dtype(k->node, x->dtype, st) ||
        !md_kernel_output(k, 0, x->dtype, x->rank, x->dims, st))
        return false;
    /* All-zero bytes are 0 / 0.0 / false / {NULL, 0} for every dtype we move. */
    size_t nb = md_tensor_nbytes(&k->outputs[0]);
    if (nb)
        memset(k->outputs[0].data, 0, nb);
    return true;
}

const struct md_op_def md_op_zeros_like = {
    .tf_name = "ZerosLike",
    .compute = zeros_like_compute,
};
