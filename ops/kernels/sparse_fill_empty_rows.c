/* SparseFillEmptyRows: a 2-D+ SparseTensor (indices [N,R] int64, values [N],
 * dense_shape [R]) with every empty row r given one entry (r, 0, ..., 0) =
 * default_value. Outputs: output_indices [M,R], output_values [M],
 * empty_row_indicator bool [dense_shape[0]], reverse_index_map int64 [N]
 * (where input entry i went). Entries of one row keep their input order, so
 * unsorted input works as in TensorFlow 2. String values are not copied
 * unless the input owns its buffer. */
#include <string.h>

#include "ops/kernels/array_common.h"
#include "ops/kernels/sparse_common.h"

static bool fill_empty_rows_init(struct md_kernel_init *ki, struct md_status *st)
{
    (void)st;
    ki->n_outputs = 4;
    return true;
}

static bool fill_empty_rows_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    if (k->n_inputs != 4)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT, "expects 4 inputs, got %d",
                              k->n_inputs);
    const struct md_tensor *ind = k->inputs[0], *val = k->inputs[1], *shape = k->inputs[2],
                           *def = k->inputs[3];
    if (!md_sp_check(k, ind, "indices", MD_DT_INT64, 2, st) ||
        !md_sp_check(k, val, "values", MD_DT_INVALID, 1, st) ||
        !md_sp_check(k, shape, "dense_shape", MD_DT_INT64, 1, st))
        return false;
    if (def->rank != 0)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT, "default_value must be a scalar");
    if (def->dtype != val->dtype)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "default_value is %s but values are %s",
                              md_dtype_info(def->dtype)->tf_name,
                              md_dtype_info(val->dtype)->tf_name);
    if (!md_arr_check_dtype(k->node, val->dtype, st))
        return false;
    int64_t n = ind->dims[0], rank = ind->dims[1];
    if (val->dims[0] != n)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "indices and values disagree on the number of entries: %lld vs %lld",
                              (long long)n, (long long)val->dims[0]);
    if (shape->dims[0] != rank || rank < 1)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "dense_shape has %lld dimensions but indices have %lld",
                              (long long)shape->dims[0], (long long)rank);
    const int64_t *ix = ind->data;
    int64_t rows = ((const int64_t *)shape->data)[0];
    if (rows < 0)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT, "dense_shape[0] = %lld is negative",
                              (long long)rows);
    if (rows == 0 && n > 0)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "Received SparseTensor with dense_shape[0] = 0 but indices.shape[0] "
                              "= %lld",
                              (long long)n);
    if (rows > ((int64_t)1 << 40))
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT, "dense_shape[0] = %lld is too large",
                              (long long)rows);
    int64_t *count = md_kernel_scratch(k, (size_t)(rows + 1) * 2 * sizeof *count, st);
    if (!count)
        return false;
    int64_t *offset = count + rows + 1;
    memset(count, 0, (size_t)(rows + 1) * sizeof *count);
    for (int64_t i = 0; i < n; i++) {
        int64_t r = ix[i * rank];
        if (r < 0 || r >= rows)
            return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                                  "indices(%lld, 0) is invalid: %lld >= %lld", (long long)i,
                                  (long long)r, (long long)rows);
        count[r]++;
    }
    int64_t m = 0;
    for (int64_t r = 0; r < rows; r++) {
        offset[r] = m;
        m += count[r] ? count[r] : 1;
    }
    int64_t od[2] = { m, rank };
    if (!md_kernel_output(k, 0, MD_DT_INT64, 2, od, st) ||
        !md_kernel_output(k, 1, val->dtype, 1, &m, st) ||
        !md_kernel_output(k, 2, MD_DT_BOOL, 1, &rows, st) ||
        !md_kernel_output(k, 3, MD_DT_INT64, 1, &n, st))
        return false;
    int64_t *oi = k->outputs[0].data, *rev = k->outputs[3].data;
    char *ov = k->outputs[1].data;
    bool *empty = k->outputs[2].data;
    size_t es = md_dtype_size(val->dtype);
    for (int64_t r = 0; r < rows; r++) {
        empty[r] = count[r] == 0;
        if (count[r] == 0) {
            int64_t p = offset[r];
            oi[p * rank] = r;
            for (int64_t d = 1; d < rank; d++)
                oi[p * rank + d] = 0;
            memcpy(ov + (size_t)p * es, def->data, es);
        }
        count[r] = 0; /* reused: entries placed so far */
    }
    for (int64_t i = 0; i < n; i++) {
        int64_t r = ix[i * rank];
        int64_t p = offset[r] + count[r]++;
        memcpy(oi + p * rank, ix + i * rank, (size_t)rank * sizeof *oi);
        memcpy(ov + (size_t)p * es, (const char *)val->data + (size_t)i * es, es);
        rev[i] = p;
    }
    if (val->dtype == MD_DT_STRING && (val->buf || def->buf))
        return md_arr_own_strings(k, &k->outputs[1], st);
    return true;
}

const struct md_op_def md_op_sparse_fill_empty_rows = {
    .tf_name = "SparseFillEmptyRows",
    .init = fill_empty_rows_init,
    .compute = fill_empty_rows_compute,
};
