/* IdentityN: each input to the output of the same index, as views. */
#include "ops/kernel.h"

static bool identity_n_init(struct md_kernel_init *ki, struct md_status *st)
{
    const int *t;
    size_t n;
    if (md_attr_list_type(ki->node, "T", &t, &n) && n != (size_t)ki->n_inputs)
        return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT,
                              "attr T lists %zu types for %d inputs", n, ki->n_inputs);
    ki->n_outputs = ki->n_inputs;
    return true;
}

static bool identity_n_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    (void)st;
    for (int i = 0; i < k->n_inputs && i < k->n_outputs; i++)
        md_kernel_forward(k, i, k->inputs[i]);
    return true;
}

const struct md_op_def md_op_identity_n = {
    .tf_name = "IdentityN",
    .init = identity_n_init,
    .compute = identity_n_compute,
};
