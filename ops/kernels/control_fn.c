/* control_fn.c: If, Case and While over library functions (see
 * control_fn.h). Loops run sequentially (parallel_iterations is a hint
 * TensorFlow may ignore too) and stop at md_exec_loop_cap iterations. */
#include <string.h>

#include "attr_value.pb-c.h"
#include "ops/kernels/control_fn.h"
#include "ops/ops_impl.h"

bool md_control_to_bool(const Tensorflow__NodeDef *node, const struct md_tensor *t, bool *out,
                        struct md_status *st)
{
    int64_t n = md_tensor_num_elements(t);
    if (t->rank != 0) {
        *out = n > 0;
        return true;
    }
    if (!t->data)
        return md_kernel_fail(node, st, MD_INVALID_ARGUMENT, "predicate has no value");
    switch (t->dtype) {
    case MD_DT_BOOL: *out = *(const uint8_t *)t->data != 0; return true;
    case MD_DT_FLOAT: *out = *(const float *)t->data != 0; return true;
    case MD_DT_DOUBLE: *out = *(const double *)t->data != 0; return true;
    case MD_DT_INT32: *out = *(const int32_t *)t->data != 0; return true;
    case MD_DT_INT64: *out = *(const int64_t *)t->data != 0; return true;
    case MD_DT_UINT8: *out = *(const uint8_t *)t->data != 0; return true;
    case MD_DT_INT8: *out = *(const int8_t *)t->data != 0; return true;
    case MD_DT_INT16: *out = *(const int16_t *)t->data != 0; return true;
    case MD_DT_UINT16: *out = *(const uint16_t *)t->data != 0; return true;
    case MD_DT_UINT32: *out = *(const uint32_t *)t->data != 0; return true;
    case MD_DT_UINT64: *out = *(const uint64_t *)t->data != 0; return true;
    case MD_DT_STRING: *out = ((const struct md_str *)t->data)->len != 0; return true;
    default:
        return md_kernel_fail(node, st, MD_INVALID_ARGUMENT,
                              "a %s scalar cannot be a predicate", md_dtype_name(t->dtype));
    }
}

/* The function named by func attr `name` (NULL + status). */
static const struct md_fn *fn_attr(struct md_kernel_init *ki, const char *name,
                                   struct md_status *st)
{
    const Tensorflow__AttrValue *v = md_attr_find(ki->node, name);
    if (!v || v->value_case != TENSORFLOW__ATTR_VALUE__VALUE_FUNC || !v->func || !v->func->name ||
        !*v->func->name)
        return (void)md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT,
                                    "attr '%s' must name a function", name),
               NULL;
    return md_fn_get(ki->env, ki->node, v->func->name, st);
}

/* Checks a called function's arity against the node. */
static bool check_arity(struct md_kernel_init *ki, const struct md_fn *fn, const char *what,
                        int n_in, int n_out, struct md_status *st)
{
    if (fn->n_in != n_in)
        return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT,
                              "%s function '%s' takes %d arguments, the node passes %d", what,
                              fn->name, fn->n_in, n_in);
    if (n_out >= 0 && fn->n_out != n_out)
        return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT,
                              "%s function '%s' returns %d values, expected %d", what, fn->name,
                              fn->n_out, n_out);
    return true;
}

/* Output count from a type-list attr (Tout / T) when present, else -1. */
static int list_count(const Tensorflow__NodeDef *n, const char *name)
{
    const int *t;
    size_t c;
    if (md_attr_list_type(n, name, &t, &c))
        return (int)c;
    return md_attr_find(n, name) ? 0 : -1;
}

/* ------------------------------------------------------------------- If */
struct if_state {
    const struct md_fn *branch[2]; /* else, then */
};

bool md_control_if_init(struct md_kernel_init *ki, struct md_status *st)
{
    if (ki->n_inputs < 1)
        return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT, "expects a cond input");
    struct if_state *s = md_kernel_init_alloc(ki, sizeof *s, st);
    if (!s || !(s->branch[1] = fn_attr(ki, "then_branch", st)) ||
        !(s->branch[0] = fn_attr(ki, "else_branch", st)))
        return false;
    int n_out = list_count(ki->node, "Tout");
    if (n_out < 0)
        n_out = s->branch[1]->n_out;
    if (!check_arity(ki, s->branch[1], "then", ki->n_inputs - 1, n_out, st) ||
        !check_arity(ki, s->branch[0], "else", ki->n_inputs - 1, n_out, st))
        return false;
    ki->state = s;
    ki->n_outputs = n_out;
    return true;
}

bool md_control_if_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    const struct if_state *s = k->state;
    bool pred;
    if (!md_control_to_bool(k->node, k->inputs[0], &pred, st))
        return false;
    return md_exec_call(k, s->branch[pred], k->inputs + 1, k->outputs, st);
}

/* ----------------------------------------------------------------- Case */
struct case_state {
    int n;
    const struct md_fn **branch;
};

bool md_control_case_init(struct md_kernel_init *ki, struct md_status *st)
{
    if (ki->n_inputs < 1)
        return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT, "expects a branch_index input");
    const Tensorflow__AttrValue *v = md_attr_find(ki->node, "branches");
    if (!v || v->value_case != TENSORFLOW__ATTR_VALUE__VALUE_LIST || !v->list ||
        v->list->n_func < 1)
        return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT,
                              "attr 'branches' must list at least one function");
    struct case_state *s = md_kernel_init_alloc(ki, sizeof *s, st);
    if (!s)
        return false;
    s->n = (int)v->list->n_func;
    s->branch = md_kernel_init_alloc(ki, (size_t)s->n * sizeof *s->branch, st);
    if (!s->branch)
        return false;
    int n_out = list_count(ki->node, "Tout");
    for (int i = 0; i < s->n; i++) {
        const Tensorflow__NameAttrList *f = v->list->func[i];
        if (!f || !f->name || !*f->name)
            return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT,
                                  "branch %d names no function", i);
        if (!(s->branch[i] = md_fn_get(ki->env, ki->node, f->name, st)))
            return false;
        if (n_out < 0)
            n_out = s->branch[i]->n_out;
        if (!check_arity(ki, s->branch[i], "branch", ki->n_inputs - 1, n_out, st))
            return false;
    }
    ki->state = s;
    ki->n_outputs = n_out;
    return true;
}

bool md_control_case_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    const struct case_state *s = k->state;
    const struct md_tensor *bi = k->inputs[0];
    if (bi->dtype != MD_DT_INT32 || bi->rank != 0 || !bi->data) {
        char sh[96];
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "branch_index must be an int32 scalar, got %s %s",
                              md_dtype_name(bi->dtype), md_shape_str(sh, sizeof sh, bi->rank, bi->dims));
    }
    int32_t i = *(const int32_t *)bi->data;
    /* TensorFlow runs the last branch for an out-of-range index. */
    if (i < 0 || i >= s->n)
        i = s->n - 1;
    return md_exec_call(k, s->branch[i], k->inputs + 1, k->outputs, st);
}

/* ---------------------------------------------------------------- While */
struct while_state {
    const struct md_fn *cond, *body;
};

bool md_control_while_init(struct md_kernel_init *ki, struct md_status *st)
{
    struct while_state *s = md_kernel_init_alloc(ki, sizeof *s, st);
    if (!s || !(s->cond = fn_attr(ki, "cond", st)) || !(s->body = fn_attr(ki, "body", st)))
        return false;
    int n = list_count(ki->node, "T");
    if (n >= 0 && n != ki->n_inputs)
        return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT,
                              "attr T lists %d types for %d inputs", n, ki->n_inputs);
    if (!check_arity(ki, s->cond, "cond", ki->n_inputs, -1, st) ||
        !check_arity(ki, s->body, "body", ki->n_inputs, ki->n_inputs, st))
        return false;
    if (s->cond->n_out < 1)
        return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT,
                              "cond function '%s' returns nothing", s->cond->name);
    ki->state = s;
    ki->n_outputs = ki->n_inputs;
    return true;
}

bool md_control_while_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    const struct while_state *s = k->state;
    int n = k->n_inputs;
    int64_t cap = md_exec_loop_cap(k->env);
    const struct md_tensor **vars = md_kernel_scratch(k, ((size_t)n + 1) * sizeof *vars, st);
    struct md_tensor *body_out = md_kernel_scratch(k, ((size_t)n + 1) * sizeof *body_out, st);
    struct md_tensor *pred_out =
        md_kernel_scratch(k, ((size_t)s->cond->n_out + 1) * sizeof *pred_out, st);
    if (!vars || !body_out || !pred_out)
        return false;
    for (int i = 0; i < n; i++) {
        vars[i] = k->inputs[i];
        body_out[i] = (struct md_tensor)MD_TENSOR_INIT;
    }
    for (int i = 0; i < s->cond->n_out; i++)
        pred_out[i] = (struct md_tensor)MD_TENSOR_INIT;
    struct md_exec_frame *cf = md_exec_frame_new(k, s->cond, st);
    struct md_exec_frame *bf = cf ? md_exec_frame_new(k, s->body, st) : NULL;
    bool ok = bf != NULL;
    for (int64_t it = 0; ok; it++) {
        bool go;
        ok = md_exec_frame_call(cf, vars, pred_out, st) &&
             md_control_to_bool(k->node, &pred_out[0], &go, st);
        if (!ok || !go)
            break;
        if (it >= cap) {
            ok = md_kernel_fail(k->node, st, MD_RESOURCE_EXHAUSTED,
                                "loop did not finish within %lld iterations (the "
                                "max_loop_iterations limit)",
                                (long long)cap);
            break;
        }
        if (!(ok = md_exec_frame_call(bf, vars, body_out, st)))
            break;
        for (int i = 0; i < n; i++) {
            if (body_out[i].dtype != vars[i]->dtype) {
                ok = md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                                    "body output %d is %s, the loop variable is %s", i,
                                    md_dtype_name(body_out[i].dtype),
                                    md_dtype_name(vars[i]->dtype));
                break;
            }
            vars[i] = &body_out[i];
        }
    }
    for (int i = 0; ok && i < n; i++)
        md_kernel_forward(k, i, vars[i]);
    for (int i = 0; i < s->cond->n_out; i++)
        md_tensor_cleanup(&pred_out[i]);
    for (int i = 0; i < n; i++)
        md_tensor_cleanup(&body_out[i]);
    md_exec_frame_free(cf);
    md_exec_frame_free(bf);
    return ok;
}
