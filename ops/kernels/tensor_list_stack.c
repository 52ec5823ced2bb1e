/* TensorListStack: the items stacked along a new dim 0 (unset items are
 * zeros; their shape must then be known). num_elements, when not -1, must
 * match the list length. */
#include <string.h>

#include "ops/kernels/control_tlist.h"

struct stack_state {
    enum md_dtype dtype; /* first, for md_tlist_state_dtype */
    int64_t num_elements;
};

static bool stack_init(struct md_kernel_init *ki, struct md_status *st)
{
    if (!md_tlist_init_dtype(ki, 2, 1, st))
        return false;
    struct stack_state *s = md_kernel_init_alloc(ki, sizeof *s, st);
    if (!s)
        return false;
    s->dtype = md_tlist_state_dtype(ki->state);
    s->num_elements = -1;
    md_attr_int(ki->node, "num_elements", &s->num_elements);
    ki->state = s;
    return true;
}

static bool stack_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    const struct stack_state *s = k->state;
    const struct md_tlist *l = md_tlist_of(k->node, k->inputs[0], st);
    int rank = -1;
    int64_t dims[MD_MAX_RANK], arg[MD_MAX_RANK];
    int arg_rank;
    if (!l || !md_tlist_shape_arg(k->node, k->inputs[1], &arg_rank, arg, st))
        return false;
    if (l->dtype != s->dtype)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "the list holds %s, element_dtype is %s", md_dtype_name(l->dtype),
                              md_dtype_name(s->dtype));
    if (s->num_elements != -1 && s->num_elements != l->n)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "num_elements is %lld, the list has %lld items",
                              (long long)s->num_elements, (long long)l->n);
    if (!md_tlist_merge_shape(k->node, &rank, dims, l->rank, l->shape, st) ||
        !md_tlist_merge_shape(k->node, &rank, dims, arg_rank, arg, st))
        return false;
    for (int64_t i = 0; i < l->n; i++)
        if (l->items[i].dtype != MD_DT_INVALID &&
            !md_tlist_merge_shape(k->node, &rank, dims, l->items[i].rank, l->items[i].dims, st))
            return false;
    bool known = rank >= 0 && rank < MD_MAX_RANK;
    for (int d = 0; known && d < rank; d++)
        known = dims[d] >= 0;
    if (!known)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "cannot stack: the element shape is not fully defined");
    int64_t out_dims[MD_MAX_RANK];
    out_dims[0] = l->n;
    for (int d = 0; d < rank; d++)
        out_dims[d + 1] = dims[d];
    if (!md_kernel_output(k, 0, l->dtype, rank + 1, out_dims, st))
        return false;
    size_t esz = md_dtype_size(l->dtype);
    int64_t per = md_shape_num_elements(rank, dims);
    char *o = k->outputs[0].data;
    for (int64_t i = 0; i < l->n; i++, o += (size_t)per * esz) {
        const struct md_tensor *it = &l->items[i];
        if (it->dtype == MD_DT_INVALID) {
            memset(o, 0, (size_t)per * esz);
        } else if (l->dtype == MD_DT_STRING) {
            /* String bytes must outlive the list: copy them into the request. */
            const struct md_str *src = it->data;
            struct md_str *dst = (struct md_str *)o;
            for (int64_t e = 0; e < per; e++)
                if (!md_kernel_str(k, src[e].data, src[e].len, &dst[e], st))
                    return false;
        } else {
            memcpy(o, it->data, (size_t)per * esz);
        }
    }
    return true;
}

const struct md_op_def md_op_tensor_list_stack = {
    .tf_name = "TensorListStack",
    .init = stack_init,
    .compute = stack_compute,
};
