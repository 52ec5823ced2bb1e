/* HashTableV2: a handle (DT_RESOURCE scalar) to the model's hash table named
 * by shared_name (else the node name), created empty at load with the
 * key_dtype/value_dtype attrs; an initializer (InitializeTableV2,
 * InitializeTableFromTextFileV2, LookupTableImportV2) fills it. See
 * lookup_common.h. */
#include "ops/kernels/lookup_common.h"

static bool hash_table_init(struct md_kernel_init *ki, struct md_status *st)
{
    enum md_dtype kt, vt;
    if (!md_attr_type(ki->node, "key_dtype", &kt) || !md_attr_type(ki->node, "value_dtype", &vt))
        return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT,
                              "missing key_dtype or value_dtype attr");
    if (!md_lut_key_dtype_ok(kt) || !md_lut_value_dtype_ok(vt))
        return md_kernel_fail(ki->node, st, MD_UNIMPLEMENTED,
                              "tables of %s -> %s are not supported", md_dtype_name(kt),
                              md_dtype_name(vt));
    struct md_var **s = md_kernel_init_alloc(ki, sizeof *s, st);
    if (!s)
        return false;
    if (!(*s = md_lut_create(ki, kt, vt, st)))
        return false;
    ki->state = s;
    return true;
}

static bool hash_table_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    if (!md_kernel_output(k, 0, MD_DT_RESOURCE, 0, NULL, st))
        return false;
    md_var_to_handle(*(struct md_var *const *)k->state, &k->outputs[0]);
    return true;
}

const struct md_op_def md_op_hash_table_v2 = {
    .tf_name = "HashTableV2",
    .init = hash_table_init,
    .compute = hash_table_compute,
    .flags = MD_OP_STATEFUL,
};
