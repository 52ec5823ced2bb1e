/* Const: the node's `value` tensor, decoded once at load into model memory;
 * every run hands out a borrowed view of it. */
#include "ops/ops_impl.h"

struct const_state {
    struct md_tensor t;
};

static bool const_init(struct md_kernel_init *ki, struct md_status *st)
{
    const Tensorflow__TensorProto *p = md_attr_tensor(ki->node, "value");
    if (!p)
        return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT, "missing attr 'value'");
    struct const_state *s = md_kernel_init_alloc(ki, sizeof *s, st);
    if (!s)
        return false;
    if (!md_tensor_decode_proto(p, ki->persist, &s->t, st)) {
        md_status_prefix(st, "node '%s': Const", ki->node->name);
        return false;
    }
    enum md_dtype want;
    if (md_attr_type(ki->node, "dtype", &want) && want != s->t.dtype)
        return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT,
                              "value has dtype %s but attr dtype is %s",
                              md_dtype_name(s->t.dtype), md_dtype_name(want));
    ki->state = s;
    ki->n_outputs = 1;
    return true;
}

static bool const_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    (void)st;
    const struct const_state *s = k->state;
    md_kernel_forward(k, 0, &s->t);
    return true;
}

const struct md_op_def md_op_const = {
    .tf_name = "Const",
    .init = const_init,
    .compute = const_compute,
};
