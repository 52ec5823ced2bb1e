/* Placeholder: must be fed. Running one unfed fails with TensorFlow's
 * message (the signature did not map an input to it). */
#include <string.h>

#include "ops/kernel.h"

static bool placeholder_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    enum md_dtype dt = MD_DT_INVALID;
    int rank = -1;
    int64_t dims[MD_MAX_RANK];
    char shape[200] = "";
    md_attr_type(k->node, "dtype", &dt);
    if (md_attr_shape(k->node, "shape", &rank, dims) && rank >= 0) {
        char s[160];
        strcpy(shape, " and shape ");
        strncat(shape, md_shape_str(s, sizeof s, rank, dims), sizeof shape - strlen(shape) - 1);
    }
    return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                          "You must feed a value for placeholder tensor '%s' with dtype %s%s",
                          k->node->name, md_dtype_info(dt)->tf_name, shape);
}

const struct md_op_def md_op_placeholder = {
    .tf_name = "Placeholder",
    .compute = placeholder_compute,
};
