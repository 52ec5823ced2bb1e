/* TF1 control flow (dead tensors) on graphs built in C the way TensorFlow 1.x
 * lays them out: the node names, ops, attrs and wiring below are those of
 * tf.cond in tensorflow/python/ops/control_flow_ops.py (cond v1: a Switch per
 * captured tensor on pred_id, switch_t / switch_f pivots, branch constants
 * with a control input from their pivot, a Merge of [false, true] results).
 * Expected values are worked out by hand in each test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph.pb-c.h"
#include "ops/ops_impl.h"
#include "tests/ops/harness.h"

static Tensorflow__NodeDef *node(const char *name, const char *op, const char *const *inputs)
{
    Tensorflow__NodeDef *n = th_node(op);
    free(n->name);
    n->name = strdup(name);
    size_t k = 0;
    while (inputs && inputs[k])
        k++;
    n->n_input = k;
    n->input = k ? calloc(k, sizeof *n->input) : NULL;
    for (size_t i = 0; i < k; i++)
        n->input[i] = strdup(inputs[i]);
    return n;
}

#define IN(...) ((const char *const[]){ __VA_ARGS__, NULL })

static Tensorflow__NodeDef *typed(const char *name, const char *op, enum md_dtype t,
                                  const char *const *inputs)
{
    Tensorflow__NodeDef *n = node(name, op, inputs);
    th_attr_type(n, "T", t);
    return n;
}

static Tensorflow__NodeDef *const_f32(const char *name, float v, const char *const *inputs)
{
    Tensorflow__NodeDef *n = node(name, "Const", inputs);
    th_attr_type(n, "dtype", MD_DT_FLOAT);
    Tensorflow__TensorProto *p = calloc(1, sizeof *p);
    tensorflow__tensor_proto__init(p);
    p->dtype = TENSORFLOW__DATA_TYPE__DT_FLOAT;
    p->n_float_val = 1;
    p->float_val = calloc(1, sizeof(float));
    p->float_val[0] = v;
    th_attr_tensor(n, "value", p);
    return n;
}

static Tensorflow__GraphDef *graph(Tensorflow__NodeDef **nodes, size_t n)
{
    Tensorflow__GraphDef *g = calloc(1, sizeof *g);
    tensorflow__graph_def__init(g);
    g->n_node = n;
    g->node = calloc(n, sizeof *g->node);
    memcpy(g->node, nodes, n * sizeof *nodes);
    return g;
}

struct engine {
    struct md_graph *g;
    struct md_plan *p;
    struct md_varstore *vs;
    struct md_exec_env env;
};

static bool engine_plan(struct engine *e, Tensorflow__GraphDef *gd, const char *const *feeds,
                        size_t nf, const char *const *fetches, size_t nfe, struct md_status *st)
{
    memset(e, 0, sizeof *e);
    if (!(e->g = md_graph_import(gd, NULL, st)))
        return false;
    e->vs = md_varstore_new(NULL, st);
    e->env.model = e->vs;
    struct md_plan_spec spec = { feeds, nf, fetches, nfe, true };
    struct md_plan_need need;
    if (!md_plan_need(e->g, &spec, &need, st))
        return false;
    bool ok = md_graph_init_nodes(e->g, need.nodes, &e->env, st) &&
              (e->p = md_plan_build(e->g, &spec, &need, st)) != NULL;
    md_plan_need_cleanup(&need);
    return ok;
}

static void engine_free(struct engine *e)
{
    md_plan_free(e->p);
    md_graph_free(e->g);
    md_varstore_free(e->vs);
}

/* y = tf.cond(x > 0, lambda: x * 2, lambda: -x), then z = y + 1 after a
 * ControlTrigger that waits on both branch pivots. */
static Tensorflow__GraphDef *cond_graph(void)
{
    Tensorflow__NodeDef *n[] = {
        node("x", "Placeholder", NULL),
        const_f32("Greater/y", 0, NULL),
        typed("Greater", "Greater", MD_DT_FLOAT, IN("x", "Greater/y")),
        typed("cond/Switch", "Switch", MD_DT_BOOL, IN("Greater", "Greater")),
        typed("cond/switch_t", "Identity", MD_DT_BOOL, IN("cond/Switch:1")),
        typed("cond/switch_f", "Identity", MD_DT_BOOL, IN("cond/Switch")),
        typed("cond/pred_id", "Identity", MD_DT_BOOL, IN("Greater")),
        typed("cond/mul/Switch", "Switch", MD_DT_FLOAT, IN("x", "cond/pred_id")),
        const_f32("cond/mul/y", 2, IN("^cond/switch_t")),
        typed("cond/mul", "Mul", MD_DT_FLOAT, IN("cond/mul/Switch:1", "cond/mul/y")),
        typed("cond/Neg/Switch", "Switch", MD_DT_FLOAT, IN("x", "cond/pred_id")),
        typed("cond/Neg", "Neg", MD_DT_FLOAT, IN("cond/Neg/Switch")),
        typed("cond/Merge", "Merge", MD_DT_FLOAT, IN("cond/Neg", "cond/mul")),
        node("trigger", "ControlTrigger", IN("^cond/switch_t", "^cond/switch_f")),
        const_f32("one", 1, IN("^trigger")),
        typed("z", "AddV2", MD_DT_FLOAT, IN("cond/Merge", "one")),
    };
    th_attr_type(n[0], "dtype", MD_DT_FLOAT);
    th_attr_int(n[12], "N", 2);
    return graph(n, sizeof n / sizeof n[0]);
}

static void run_cond(struct engine *e, float x, float *z, int32_t *idx)
{
    struct md_status st = MD_STATUS_INIT;
    struct md_arena *a = md_arena_new(0, 0, &st);
    struct md_tensor xt = th_scalar_f32(x), out[2] = { MD_TENSOR_INIT, MD_TENSOR_INIT };
    const struct md_tensor *f[1] = { &xt };
    bool ok = md_plan_run(e->p, e->g, &e->env, f, out, a, &st);
    if (!ok)
        fprintf(stderr, "%s\n", st.msg);
    assert_true(ok);
    *z = *(const float *)out[0].data;
    *idx = *(const int32_t *)out[1].data;
    md_tensor_cleanup(&out[0]);
    md_tensor_cleanup(&out[1]);
    md_tensor_cleanup(&xt);
    md_arena_free(a);
}

static void test_tf1_cond(void **state)
{
    (void)state;
    Tensorflow__GraphDef *gd = cond_graph();
    struct md_status st = MD_STATUS_INIT;
    struct engine e;
    bool ok = engine_plan(&e, gd, IN("x:0"), 1, IN("z:0", "cond/Merge:1"), 2, &st);
    if (!ok)
        fprintf(stderr, "%s\n", st.msg);
    assert_true(ok);
    assert_true(e.p->control_flow);
    float z;
    int32_t idx;
    run_cond(&e, 3, &z, &idx); /* true branch: 3 * 2 + 1 */
    assert_float_equal(z, 7, 0);
    assert_int_equal(idx, 1);
    run_cond(&e, -2, &z, &idx); /* false branch: -(-2) + 1 */
    assert_float_equal(z, 3, 0);
    assert_int_equal(idx, 0);
    engine_free(&e);
    /* Fetching the untaken branch is an error naming the node. */
    assert_true(engine_plan(&e, gd, IN("x:0"), 1, IN("cond/mul:0"), 1, &st));
    struct md_arena *a = md_arena_new(0, 0, &st);
    struct md_tensor xt = th_scalar_f32(-1), out = MD_TENSOR_INIT;
    const struct md_tensor *f[1] = { &xt };
    assert_false(md_plan_run(e.p, e.g, &e.env, f, &out, a, &st));
    assert_int_equal(st.code, MD_INVALID_ARGUMENT);
    assert_non_null(strstr(st.msg, "'cond/mul'"));
    md_status_reset(&st);
    md_tensor_cleanup(&xt);
    xt = th_scalar_f32(1);
    assert_true(md_plan_run(e.p, e.g, &e.env, f, &out, a, &st));
    assert_float_equal(*(const float *)out.data, 2, 0);
    md_tensor_cleanup(&out);
    md_tensor_cleanup(&xt);
    md_arena_free(a);
    engine_free(&e);
    tensorflow__graph_def__free_unpacked(gd, NULL);
}

/* Switch refuses a non-scalar or non-bool pred at run time. */
static void test_switch_bad_pred(void **state)
{
    (void)state;
    Tensorflow__NodeDef *n[] = {
        node("x", "Placeholder", NULL),
        node("p", "Placeholder", NULL),
        typed("s", "Switch", MD_DT_FLOAT, IN("x", "p")),
        typed("y", "Identity", MD_DT_FLOAT, IN("s:1")),
    };
    th_attr_type(n[0], "dtype", MD_DT_FLOAT);
    th_attr_type(n[1], "dtype", MD_DT_FLOAT);
    Tensorflow__GraphDef *gd = graph(n, 4);
    struct md_status st = MD_STATUS_INIT;
    struct engine e;
    assert_true(engine_plan(&e, gd, IN("x:0", "p:0"), 2, IN("y:0"), 1, &st));
    struct md_arena *a = md_arena_new(0, 0, &st);
    struct md_tensor xt = th_scalar_f32(1), pt = th_scalar_f32(1), out = MD_TENSOR_INIT;
    const struct md_tensor *f[2] = { &xt, &pt };
    assert_false(md_plan_run(e.p, e.g, &e.env, f, &out, a, &st));
    assert_non_null(strstr(st.msg, "pred must be a bool scalar"));
    md_tensor_cleanup(&xt);
    md_tensor_cleanup(&pt);
    md_arena_free(a);
    engine_free(&e);
    tensorflow__graph_def__free_unpacked(gd, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tf1_cond),
        cmocka_unit_test(test_switch_bad_pred),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
