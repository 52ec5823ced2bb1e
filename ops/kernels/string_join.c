/* StringJoin: element-wise concatenation of N string tensors with a
 * separator; scalars are broadcast, other inputs must share one shape. */
#include <string.h>

#include "ops/kernels/array_common.h"

struct string_join_state {
    struct md_str sep;
};

static bool string_join_init(struct md_kernel_init *ki, struct md_status *st)
{
    struct string_join_state *s = md_kernel_init_alloc(ki, sizeof *s, st);
    if (!s)
        return false;
    if (!md_attr_str(ki->node, "separator", &s->sep))
        s->sep = (struct md_str){ "", 0 };
    ki->state = s;
    return true;
}

static bool string_join_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    const struct string_join_state *s = k->state;
    const struct md_tensor *shape = NULL;
    for (int i = 0; i < k->n_inputs; i++) {
        const struct md_tensor *x = k->inputs[i];
        if (x->dtype != MD_DT_STRING)
            return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                                  "input %d must be string, got %s", i,
                                  md_dtype_info(x->dtype)->tf_name);
        if (x->rank == 0)
            continue;
        if (!shape) {
            shape = x;
            continue;
        }
        bool same = x->rank == shape->rank;
        for (int d = 0; same && d < x->rank; d++)
            same = x->dims[d] == shape->dims[d];
        if (!same) {
            char a[96], b[96];
            return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                                  "Inputs must all have the same shape or be scalars: %s vs %s",
                                  md_arr_shape_str(a, sizeof a, shape),
                                  md_arr_shape_str(b, sizeof b, x));
        }
    }
    int rank = shape ? shape->rank : 0;
    if (!md_kernel_output(k, 0, MD_DT_STRING, rank, shape ? shape->dims : NULL, st))
        return false;
    int64_t n = md_tensor_num_elements(&k->outputs[0]);
    struct md_str *out = k->outputs[0].data;
    struct md_arr_sbuf sb = { NULL, 0, 4096 };
    for (int64_t e = 0; e < n; e++) {
        size_t len = 0;
        for (int i = 0; i < k->n_inputs; i++) {
            const struct md_tensor *x = k->inputs[i];
            len += ((const struct md_str *)x->data)[x->rank ? e : 0].len + (i ? s->sep.len : 0);
        }
        char *p = md_arr_sbuf_put(k, &sb, NULL, len, st);
        if (!p)
            return false;
        out[e] = (struct md_str){ p, len };
        for (int i = 0; i < k->n_inputs; i++) {
            const struct md_tensor *x = k->inputs[i];
            const struct md_str *v = &((const struct md_str *)x->data)[x->rank ? e : 0];
            if (i && s->sep.len) {
                memcpy(p, s->sep.data, s->sep.len);
                p += s->sep.len;
            }
            if (v->len)
                memcpy(p, v->data, v->len);
            p += v->len;
        }
    }
    return true;
}

const struct md_op_def md_op_string_join = {
    .tf_name = "StringJoin",
    .init = string_join_init,
    .compute = string_join_compute,
};
