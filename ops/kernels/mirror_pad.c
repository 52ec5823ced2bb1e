/* MirrorPad: padding mirrored from the input, mode REFLECT (edge not
 * repeated, paddings <= dim-1) or SYMMETRIC (edge repeated, <= dim). */
#include <string.h>

#include "ops/kernels/array_common.h"

static bool mirror_pad_init(struct md_kernel_init *ki, struct md_status *st)
{
    enum md_arr_pad_mode *m = md_kernel_init_alloc(ki, sizeof *m, st);
    if (!m)
        return false;
    struct md_str mode;
    if (!md_attr_str(ki->node, "mode", &mode))
        return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT, "attr 'mode' is required");
    if (mode.len == 7 && !memcmp(mode.data, "REFLECT", 7))
        *m = MD_PAD_REFLECT;
    else if (mode.len == 9 && !memcmp(mode.data, "SYMMETRIC", 9))
        *m = MD_PAD_SYMMETRIC;
    else
        return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT,
                              "mode must be REFLECT or SYMMETRIC");
    ki->state = m;
    return true;
}

static bool mirror_pad_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    return md_arr_pad(k, k->inputs[0], k->inputs[1], NULL,
                      *(const enum md_arr_pad_mode *)k->state, st);
}

const struct md_op_def md_op_mirror_pad = {
    .tf_name = "MirrorPad",
    .init = mirror_pad_init,
    .compute = mirror_pad_compute,
};
