/* OnesLike: ones of the input's shape and dtype (numeric and bool). */
#include <string.h>

#include "ops/kernels/array_common.h"

static bool ones_like_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    const struct md_tensor *x = k->inputs[0];
    union {
        float f;
        double d;
        int64_t i64;
        uint64_t u64;
        int32_t i32;
        uint32_t u32;
        int16_t i16;
        uint16_t u16;
        int8_t i8;
        uint8_t u8;
    } one;
    switch (x->dtype) {
    case MD_DT_FLOAT: one.f = 1; break;
    case MD_DT_DOUBLE: one.d = 1; break;
    case MD_DT_INT64: one.i64 = 1; break;
    case MD_DT_UINT64: one.u64 = 1; break;
    case MD_DT_INT32: one.i32 = 1; break;
    case MD_DT_UINT32: one.u32 = 1; break;
    case MD_DT_INT16: one.i16 = 1; break;
    case MD_DT_UINT16: one.u16 = 1; break;
    case MD_DT_HALF: one.u16 = 0x3c00; break;     /* IEEE half 1.0 */
    case MD_DT_BFLOAT16: one.u16 = 0x3f80; break; /* bfloat16 1.0 */
    case MD_DT_INT8: one.i8 = 1; break;
    case MD_DT_UINT8:
    case MD_DT_BOOL: one.u8 = 1; break;
    default:
        return md_kernel_fail(k->node, st, MD_UNIMPLEMENTED, "dtype %s not supported",
                              md_dtype_name(x->dtype));
    }
    if (!md_arr_check_dtype(k->node, x->dtype, st) ||
        !md_kernel_output(k, 0, x->dtype, x->rank, x->dims, st))
        return false;
    size_t es = md_dtype_size(x->dtype);
    int64_t n = md_tensor_num_elements(x);
    char *p = k->outputs[0].data;
    for (int64_t i = 0; i < n; i++)
        memcpy(p + (size_t)i * es, &one, es);
    return true;
}

const struct md_op_def md_op_ones_like = {
    .tf_name = "OnesLike",
    .compute = ones_like_compute,
};
