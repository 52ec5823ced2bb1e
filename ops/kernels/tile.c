/* Tile: the input repeated multiples[d] times along each dimension d. */
#include "ops/kernels/array_common.h"

static bool tile_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    const struct md_tensor *x = k->inputs[0];
    int64_t mult[MD_MAX_RANK], n;
    if (!md_arr_read_ints(k, k->inputs[1], "multiples", false, mult, MD_MAX_RANK, &n, st))
        return false;
    if (n != x->rank)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "Expected multiples argument to be a vector of length %d but got "
                              "length %lld",
                              x->rank, (long long)n);
    if (!md_arr_check_dtype(k->node, x->dtype, st))
        return false;
    int64_t dims[MD_MAX_RANK];
    for (int d = 0; d < x->rank; d++) {
        if (mult[d] < 0)
            return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                                  "Expected multiples[%d] >= 0, but got %lld", d,
                                  (long long)mult[d]);
        if (x->dims[d] && mult[d] > (INT64_C(1) << 40) / x->dims[d])
            return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT, "Tile output is too large");
        dims[d] = x->dims[d] * mult[d];
    }
    if (!md_kernel_output(k, 0, x->dtype, x->rank, dims, st))
        return false;
    struct md_tensor *y = &k->outputs[0];
    /* View the output as [m0, d0, m1, d1, ...]: repeat index j_d has input
     * stride 0, position k_d walks the input. */
    int64_t xs[MD_MAX_RANK], ys[MD_MAX_RANK];
    md_arr_strides(x->rank, x->dims, xs);
    md_arr_strides(x->rank, dims, ys);
    int64_t vdims[2 * MD_MAX_RANK], vds[2 * MD_MAX_RANK], vss[2 * MD_MAX_RANK];
    for (int d = 0; d < x->rank; d++) {
        vdims[2 * d] = mult[d];
        vds[2 * d] = x->dims[d] * ys[d];
        vss[2 * d] = 0;
        vdims[2 * d + 1] = x->dims[d];
        vds[2 * d + 1] = ys[d];
        vss[2 * d + 1] = xs[d];
    }
    md_arr_copy_nd(y->data, vds, x->data, vss, md_dtype_size(x->dtype), 2 * x->rank, vdims);
    return md_arr_fix_strings(k, y, x, st);
}

const struct md_op_def md_op_tile = {
    .tf_name = "Tile",
    .compute = tile_compute,
};
