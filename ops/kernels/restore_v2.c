/* RestoreV2: tensors from the model's variables bundle, as zero-copy views
 * of the mapping. Runs at load only (the restore op); the prefix input is
 * not used to open files: the bundle is the one the SavedModel opened. Only
 * whole-tensor reads are supported: a shape_and_slices entry must be empty
 * or cover the full tensor ("4 100 0,4:0,100" or "-" per dim). */
#include <stdlib.h>
#include <string.h>

#include "ops/ops_impl.h"

static bool restore_init(struct md_kernel_init *ki, struct md_status *st)
{
    const int *types;
    size_t n;
    if (!md_attr_list_type(ki->node, "dtypes", &types, &n)) {
        if (!md_attr_find(ki->node, "dtypes"))
            return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT, "missing attr 'dtypes'");
        n = 0;
    }
    if (ki->n_inputs != 3)
        return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT, "expects 3 inputs, got %d",
                              ki->n_inputs);
    ki->n_outputs = (int)n;
    return true;
}

/* Checks that slice spec s (not NUL-terminated) covers all of t. */
static bool full_slice(const struct md_str *s, const struct md_tensor *t)
{
    if (s->len == 0)
        return true;
    char buf[512];
    if (s->len >= sizeof buf)
        return false;
    memcpy(buf, s->data, s->len);
    buf[s->len] = '\0';
    char *p = buf;
    /* full shape: rank numbers separated by spaces, then the slice spec */
    for (int d = 0; d < t->rank; d++) {
        char *end;
        long long v = strtoll(p, &end, 10);
        if (end == p || v != t->dims[d])
            return false;
        p = end;
        while (*p == ' ')
            p++;
    }
    for (int d = 0; d < t->rank; d++) {
        if (*p == '-') {
            p++;
        } else {
            char *end;
            long long start = strtoll(p, &end, 10);
            if (end == p || *end != ',' || start != 0)
                return false;
            p = end + 1;
            long long len = strtoll(p, &end, 10);
            if (end == p || len != t->dims[d])
                return false;
            p = end;
        }
        if (d + 1 < t->rank) {
            if (*p != ':')
                return false;
            p++;
        }
    }
    return *p == '\0';
}

static bool restore_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    const struct md_bundle *b = md_env_bundle(k->env);
    if (!b)
        return md_kernel_fail(k->node, st, MD_FAILED_PRECONDITION,
                              "the model has no variables bundle");
    const struct md_tensor *names = k->inputs[1], *slices = k->inputs[2];
    int64_t n = md_tensor_num_elements(names);
    if (names->dtype != MD_DT_STRING || slices->dtype != MD_DT_STRING ||
        md_tensor_num_elements(slices) != n || n != k->n_outputs)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "expects %d tensor names and as many slice specs", k->n_outputs);
    const int *types = NULL;
    size_t nt = 0;
    md_attr_list_type(k->node, "dtypes", &types, &nt);
    const struct md_str *nm = names->data, *sl = slices->data;
    for (int64_t i = 0; i < n; i++) {
        char key[1024], esc[160];
        if (nm[i].len >= sizeof key || memchr(nm[i].data, 0, nm[i].len))
            return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT, "invalid tensor name %lld",
                                  (long long)i);
        memcpy(key, nm[i].data, nm[i].len);
        key[nm[i].len] = '\0';
        md_escape(esc, sizeof esc, key, nm[i].len);
        struct md_tensor t = MD_TENSOR_INIT;
        if (!md_bundle_read(b, key, &t, st)) {
            md_status_prefix(st, "node '%s': RestoreV2", k->node->name);
            return false;
        }
        if ((size_t)i < nt && md_dtype_base(types[i]) != t.dtype) {
            enum md_dtype got = t.dtype;
            md_tensor_cleanup(&t);
            return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                                  "'%s' is %s in the bundle, the graph expects %s", esc,
                                  md_dtype_info(got)->tf_name,
                                  md_dtype_info(types[i])->tf_name);
        }
        if (!full_slice(&sl[i], &t)) {
            md_tensor_cleanup(&t);
            return md_kernel_fail(k->node, st, MD_UNIMPLEMENTED,
                                  "'%s': partial slice restores are not supported", esc);
        }
        md_tensor_cleanup(&k->outputs[i]);
        k->outputs[i] = t;
    }
    return true;
}

const struct md_op_def md_op_restore_v2 = {
    .tf_name = "RestoreV2",
    .init = restore_init,
    .compute = restore_compute,
    .flags = MD_OP_LOAD_ONLY,
};
