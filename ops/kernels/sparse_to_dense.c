/* SparseToDense: a dense tensor of output_shape filled with default_value,
 * with sparse_values (scalar or [N]) written at sparse_indices (scalar, [N]
 * or [N,R], int32/int64). Every index is bounds-checked; validate_indices
 * (default true) also refuses unsorted or repeated indices, as TensorFlow. */
#include <stdio.h>
#include <string.h>

#include "ops/kernels/array_common.h"
#include "ops/kernels/sparse_common.h"

static bool sparse_to_dense_init(struct md_kernel_init *ki, struct md_status *st)
{
    bool *validate = md_kernel_init_alloc(ki, sizeof *validate, st);
    if (!validate)
        return false;
    if (!md_attr_bool(ki->node, "validate_indices", validate))
        *validate = true;
    ki->state = validate;
    return true;
}

static bool sparse_to_dense_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    if (k->n_inputs != 4)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT, "expects 4 inputs, got %d",
                              k->n_inputs);
    bool validate = *(const bool *)k->state;
    const struct md_tensor *ind = k->inputs[0], *oshape = k->inputs[1], *val = k->inputs[2],
                           *def = k->inputs[3];
    char s[160];
    if (!md_sp_is_index(ind->dtype) || ind->rank > 2)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "sparse_indices should be a scalar, vector, or matrix of int32/int64, "
                              "got %s %s",
                              md_dtype_info(ind->dtype)->tf_name,
                              md_shape_str(s, sizeof s, ind->rank, ind->dims));
    if (!md_sp_is_index(oshape->dtype) || oshape->rank > 1)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "output_shape should be a scalar or vector of int32/int64");
    int64_t n = ind->rank > 0 ? ind->dims[0] : 1;
    int64_t r = ind->rank > 1 ? ind->dims[1] : 1;
    int64_t out_rank = md_tensor_num_elements(oshape);
    if (out_rank > MD_MAX_RANK)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT, "output rank %lld exceeds %d",
                              (long long)out_rank, MD_MAX_RANK);
    if (r != out_rank)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "sparse_indices has %lld columns but output_shape has %lld "
                              "elements",
                              (long long)r, (long long)out_rank);
    if (val->rank > 1 || (val->rank == 1 && val->dims[0] != n))
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "sparse_values has incorrect shape %s, should be [] or [%lld]",
                              md_shape_str(s, sizeof s, val->rank, val->dims), (long long)n);
    if (md_tensor_num_elements(def) != 1 || def->rank != 0)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT, "default_value should be a scalar");
    if (def->dtype != val->dtype)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "default_value is %s but sparse_values are %s",
                              md_dtype_info(def->dtype)->tf_name,
                              md_dtype_info(val->dtype)->tf_name);
    if (!md_arr_check_dtype(k->node, val->dtype, st))
        return false;
    int64_t dims[MD_MAX_RANK], strides[MD_MAX_RANK];
    for (int64_t d = 0; d < out_rank; d++) {
        dims[d] = md_sp_int_at(oshape, d);
        if (dims[d] < 0)
            return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                                  "output_shape[%lld] = %lld is negative", (long long)d,
                                  (long long)dims[d]);
    }
    if (!md_kernel_output(k, 0, val->dtype, (int)out_rank, dims, st))
        return false;
    md_arr_strides((int)out_rank, dims, strides);
    size_t es = md_dtype_size(val->dtype);
    char *out = k->outputs[0].data;
    int64_t total = md_tensor_num_elements(&k->outputs[0]);
    for (int64_t e = 0; e < total; e++)
        memcpy(out + (size_t)e * es, def->data, es);
    int64_t prev = -1;
    for (int64_t i = 0; i < n; i++) {
        int64_t lin = 0;
        bool ok = true;
        for (int64_t d = 0; d < r; d++) {
            int64_t v = md_sp_int_at(ind, i * r + d);
            ok &= v >= 0 && v < dims[d];
            lin += (ok ? v : 0) * strides[d];
        }
        if (!ok || (validate && lin <= prev)) {
            char ix[160];
            size_t o = 0;
            for (int64_t d = 0; d < r && o < sizeof ix; d++)
                o += (size_t)snprintf(ix + o, sizeof ix - o, "%s%lld", d ? "," : "",
                                      (long long)md_sp_int_at(ind, i * r + d));
            if (!ok)
                return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                                      "indices[%lld] = [%s] is out of bounds: need 0 <= index < "
                                      "%s",
                                      (long long)i, ix,
                                      md_shape_str(s, sizeof s, (int)out_rank, dims));
            return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                                  "indices[%lld] = [%s] is %s", (long long)i, ix,
                                  lin == prev ? "repeated"
                                              : "out of order. Many sparse ops require sorted "
                                                "indices. Use `tf.sparse.reorder` to create a "
                                                "correctly ordered copy.");
        }
        prev = lin;
        memcpy(out + (size_t)lin * es, (const char *)val->data + (val->rank ? (size_t)i * es : 0),
               es);
    }
    if (val->dtype == MD_DT_STRING && (val->buf || def->buf))
        return md_arr_own_strings(k, &k->outputs[0], st);
    return true;
}

const struct md_op_def md_op_sparse_to_dense = {
    .tf_name = "SparseToDense",
    .init = sparse_to_dense_init,
    .compute = sparse_to_dense_compute,
};
