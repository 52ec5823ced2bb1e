/* SparseReshape: re-indexes a SparseTensor (indices [N,R] int64, shape [R])
 * for new_shape [R'] (at most one -1, inferred). Outputs output_indices
 * [N,R'] and output_shape [R']. Indices outside the input shape are refused. */
#include "ops/kernels/sparse_common.h"

static bool sparse_reshape_init(struct md_kernel_init *ki, struct md_status *st)
{
    (void)st;
    ki->n_outputs = 2;
    return true;
}

static bool sparse_reshape_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    if (k->n_inputs != 3)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT, "expects 3 inputs, got %d",
                              k->n_inputs);
    const struct md_tensor *ind = k->inputs[0], *ishape = k->inputs[1], *nshape = k->inputs[2];
    if (!md_sp_check(k, ind, "input_indices", MD_DT_INT64, 2, st) ||
        !md_sp_check(k, ishape, "input_shape", MD_DT_INT64, 1, st) ||
        !md_sp_check(k, nshape, "new_shape", MD_DT_INT64, 1, st))
        return false;
    int64_t n = ind->dims[0], r_in = ind->dims[1], r_out = nshape->dims[0];
    if (ishape->dims[0] != r_in)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "Input shape should be a vector of length %lld, got %lld",
                              (long long)r_in, (long long)ishape->dims[0]);
    if (r_in > 64 || r_out > 64)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT, "rank above 64 is not supported");
    const int64_t *in_dims = ishape->data, *new_dims = nshape->data;
    int64_t dense = 1;
    for (int64_t d = 0; d < r_in; d++) {
        if (in_dims[d] < 0 || __builtin_mul_overflow(dense, in_dims[d], &dense))
            return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                                  "input_shape[%lld] = %lld is invalid or overflows",
                                  (long long)d, (long long)in_dims[d]);
    }
    int64_t out_dims[64];
    int64_t product = 1, unknown = -1;
    for (int64_t d = 0; d < r_out; d++) {
        out_dims[d] = new_dims[d];
        if (new_dims[d] == -1) {
            if (unknown >= 0)
                return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                                      "only one output dimension may be -1, not both %lld and "
                                      "%lld",
                                      (long long)unknown, (long long)d);
            unknown = d;
        } else if (new_dims[d] < 0) {
            return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                                  "size %lld must be non-negative, not %lld", (long long)d,
                                  (long long)new_dims[d]);
        } else if (__builtin_mul_overflow(product, new_dims[d], &product)) {
            return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT, "new_shape overflows");
        }
    }
    if (unknown >= 0) {
        if (product <= 0)
            return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                                  "reshape cannot infer the missing input size for an empty "
                                  "tensor unless all specified input sizes are non-zero");
        out_dims[unknown] = dense / product;
        if (out_dims[unknown] * product != dense)
            return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                                  "Input to reshape is a SparseTensor with %lld dense values, but "
                                  "the requested shape requires a multiple of %lld",
                                  (long long)dense, (long long)product);
    } else if (product != dense) {
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "Input to reshape is a tensor with %lld dense values, but the "
                              "requested shape has %lld",
                              (long long)dense, (long long)product);
    }
    int64_t od[2] = { n, r_out };
    if (!md_kernel_output(k, 0, MD_DT_INT64, 2, od, st) ||
        !md_kernel_output(k, 1, MD_DT_INT64, 1, &r_out, st))
        return false;
    int64_t *os = k->outputs[1].data, *oi = k->outputs[0].data;
    for (int64_t d = 0; d < r_out; d++)
        os[d] = out_dims[d];
    const int64_t *ix = ind->data;
    for (int64_t i = 0; i < n; i++) {
        int64_t lin = 0;
        for (int64_t d = 0; d < r_in; d++) {
            int64_t v = ix[i * r_in + d];
            if (v < 0 || v >= in_dims[d])
                return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                                      "input_indices[%lld, %lld] = %lld is out of bounds [0, %lld)",
                                      (long long)i, (long long)d, (long long)v,
                                      (long long)in_dims[d]);
            lin = lin * in_dims[d] + v;
        }
        for (int64_t d = r_out - 1; d >= 0; d--) {
            oi[i * r_out + d] = out_dims[d] ? lin % out_dims[d] : 0;
            lin = out_dims[d] ? lin / out_dims[d] : 0;
        }
    }
    return true;
}

const struct md_op_def md_op_sparse_reshape = {
    .tf_name = "SparseReshape",
    .init = sparse_reshape_init,
    .compute = sparse_reshape_compute,
};
