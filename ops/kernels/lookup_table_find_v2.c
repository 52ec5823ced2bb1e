/* LookupTableFindV2: values of keys in a table (same shape as keys), or
 * default_value (a scalar, or one default per key) for missing keys.
 * "Table not initialized." (FAILED_PRECONDITION) before an initializer ran.
 * String values are copied into the request (the table may be re-initialised
 * while the response lives). */
#include <string.h>

#include "ops/kernels/array_common.h"
#include "ops/kernels/lookup_common.h"

struct find_args {
    const struct md_lut *t;
    const struct md_tensor *keys, *def;
    struct md_tensor *out;
    bool per_key_default;
};

static void find_rows(void *arg, int64_t begin, int64_t end)
{
    const struct find_args *a = arg;
    size_t vs = md_dtype_size(a->t->value_dtype);
    char *o = a->out->data;
    for (int64_t i = begin; i < end; i++) {
        int64_t e = md_lut_find(a->t, a->keys, i);
        const char *src = e >= 0 ? (const char *)a->t->values + (size_t)e * vs
                                 : (const char *)a->def->data + (a->per_key_default ? (size_t)i * vs : 0);
        memcpy(o + (size_t)i * vs, src, vs);
    }
}

static bool find_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    if (k->n_inputs != 3)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT, "expects 3 inputs, got %d",
                              k->n_inputs);
    const struct md_tensor *keys = k->inputs[1], *def = k->inputs[2];
    struct md_tensor hold = MD_TENSOR_INIT;
    const struct md_lut *t;
    if (!md_lut_read(k, k->inputs[0], &hold, &t, st))
        return false;
    bool ok = false;
    int64_t n = md_tensor_num_elements(keys);
    bool key_ok = keys->dtype == t->key_dtype ||
                  (t->key_dtype != MD_DT_STRING && keys->dtype == MD_DT_INT32);
    if (!t->initialized)
        md_kernel_fail(k->node, st, MD_FAILED_PRECONDITION, "Table not initialized.");
    else if (!key_ok)
        md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT, "Key must be type %s but got %s",
                       md_dtype_info(t->key_dtype)->tf_name, md_dtype_info(keys->dtype)->tf_name);
    else if (def->dtype != t->value_dtype)
        md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                       "default_value must be type %s but got %s",
                       md_dtype_info(t->value_dtype)->tf_name,
                       md_dtype_info(def->dtype)->tf_name);
    else if (md_tensor_num_elements(def) != 1 && md_tensor_num_elements(def) != n)
        md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                       "Expected shape [] or keys shape for default value, got %lld elements for "
                       "%lld keys",
                       (long long)md_tensor_num_elements(def), (long long)n);
    else if (md_kernel_output(k, 0, t->value_dtype, keys->rank, keys->dims, st)) {
        struct find_args a = { t, keys, def, &k->outputs[0],
                               md_tensor_num_elements(def) == n && n != 1 };
        md_parallel_for(k, n, 4096, find_rows, &a);
        ok = t->value_dtype != MD_DT_STRING || md_arr_own_strings(k, &k->outputs[0], st);
    }
    md_tensor_cleanup(&hold);
    return ok;
}

const struct md_op_def md_op_lookup_table_find_v2 = {
    .tf_name = "LookupTableFindV2",
    .compute = find_compute,
};
