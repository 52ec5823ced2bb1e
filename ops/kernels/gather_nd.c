/* GatherNd: out[i...] = params[indices[i..., :]...]: the last dimension K of
 * indices indexes the first K dimensions of params; out shape =
 * indices.shape[:-1] + params.shape[K:]. Every index is bounds-checked
 * (INVALID_ARGUMENT, as TensorFlow on CPU). */
#include <stdio.h>
#include <string.h>

#include "ops/kernels/array_common.h"
#include "ops/kernels/sparse_common.h"

static bool gather_nd_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    if (k->n_inputs != 2)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT, "expects 2 inputs, got %d",
                              k->n_inputs);
    const struct md_tensor *params = k->inputs[0], *ind = k->inputs[1];
    char s1[160];
    if (!md_sp_is_index(ind->dtype))
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "indices must be int32 or int64, got %s",
                              md_dtype_info(ind->dtype)->tf_name);
    if (!md_arr_check_dtype(k->node, params->dtype, st))
        return false;
    if (ind->rank < 1)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "indices must be at least a vector");
    int64_t kdim = ind->dims[ind->rank - 1];
    if (kdim > params->rank)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "index innermost dimension length must be <= params rank; saw: "
                              "%lld vs. %d",
                              (long long)kdim, params->rank);
    int out_rank = ind->rank - 1 + params->rank - (int)kdim;
    if (out_rank > MD_MAX_RANK)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT, "output rank %d exceeds %d",
                              out_rank, MD_MAX_RANK);
    int64_t dims[MD_MAX_RANK];
    int r = 0;
    for (int d = 0; d < ind->rank - 1; d++)
        dims[r++] = ind->dims[d];
    int64_t slice = 1;
    for (int d = (int)kdim; d < params->rank; d++) {
        dims[r++] = params->dims[d];
        slice *= params->dims[d];
    }
    if (!md_kernel_output(k, 0, params->dtype, out_rank, dims, st))
        return false;
    int64_t n = 1; /* index tuples (K = 0: each picks all of params) */
    for (int d = 0; d < ind->rank - 1; d++)
        n *= ind->dims[d];
    int64_t pstrides[MD_MAX_RANK];
    md_arr_strides(params->rank, params->dims, pstrides);
    size_t es = md_dtype_size(params->dtype);
    char *out = k->outputs[0].data;
    for (int64_t i = 0; i < n && slice > 0; i++) {
        int64_t off = 0;
        for (int64_t d = 0; d < kdim; d++) {
            int64_t v = md_sp_int_at(ind, i * kdim + d);
            if (v < 0 || v >= params->dims[d]) {
                char ix[160];
                size_t o = 0;
                for (int64_t e = 0; e < kdim && o < sizeof ix; e++)
                    o += (size_t)snprintf(ix + o, sizeof ix - o, "%s%lld", e ? ", " : "",
                                          (long long)md_sp_int_at(ind, i * kdim + e));
                return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                                      "indices[%lld] = [%s] does not index into param shape %s, "
                                      "node name: %s",
                                      (long long)i, ix,
                                      md_shape_str(s1, sizeof s1, params->rank, params->dims),
                                      k->node->name);
            }
            off += v * pstrides[d];
        }
        memcpy(out + (size_t)(i * slice) * es, (const char *)params->data + (size_t)off * es,
               (size_t)slice * es);
    }
    return md_arr_fix_strings(k, &k->outputs[0], params, st);
}

const struct md_op_def md_op_gather_nd = {
    .tf_name = "GatherNd",
    .compute = gather_nd_compute,
};
