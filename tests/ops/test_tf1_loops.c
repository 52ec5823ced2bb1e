/* TF1 while loops on graphs built in C the way tf.while_loop (v1,
 * control_flow_ops.py WhileContext) lays them out: per loop variable an
 * Enter (frame_name "<name>/while_context"), a Merge of the Enter and the
 * NextIteration, a Switch on the LoopCond, an Identity of Switch:1 feeding
 * the body, an Exit of Switch:0; captured tensors through Enter with
 * is_constant=true; constants inside the loop pinned to the frame by a
 * control input from the pivot (^while/Merge in the cond, ^while/Identity in
 * the body). The importer rewrites each frame into a While node with cond
 * and body functions. Expected values are worked out by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>

#include "ops/ops_impl.h"
#include "tests/ops/cf_build.h"

#define I32 MD_DT_INT32

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

static Tensorflow__NodeDef *enter(const char *name, const char *input, const char *frame,
                                  bool is_const)
{
    Tensorflow__NodeDef *n = cf_typed(name, "Enter", I32, IN(input));
    th_attr_str(n, "frame_name", frame);
    th_attr_bool(n, "is_constant", is_const);
    th_attr_int(n, "parallel_iterations", 10);
    return n;
}

static Tensorflow__NodeDef *merge(const char *name, const char *a, const char *b)
{
    Tensorflow__NodeDef *n = cf_typed(name, "Merge", I32, IN(a, b));
    th_attr_int(n, "N", 2);
    return n;
}

/* i, s = tf.while_loop(lambda i, s: i < limit, lambda i, s: (i + 1, s + i),
 * [0, 0]) with limit the captured placeholder n (captured) or, when
 * const_limit, a constant 10 inside the cond. */
static Tensorflow__GraphDef *sum_loop(bool const_limit)
{
    const char *fr = "while/while_context";
    Tensorflow__NodeDef *n[] = {
        cf_placeholder("n", I32),
        cf_i32("Const", 0, NULL),
        cf_i32("Const_1", 0, NULL),
        enter("while/Enter", "Const", fr, false),
        enter("while/Enter_1", "Const_1", fr, false),
        merge("while/Merge", "while/Enter", "while/NextIteration"),
        merge("while/Merge_1", "while/Enter_1", "while/NextIteration_1"),
        const_limit ? cf_i32("while/Less/Enter", 10, IN("^while/Merge"))
                    : enter("while/Less/Enter", "n", fr, true),
        cf_typed("while/Less", "Less", I32, IN("while/Merge", "while/Less/Enter")),
        cf_node("while/LoopCond", "LoopCond", IN("while/Less")),
        cf_typed("while/Switch", "Switch", I32, IN("while/Merge", "while/LoopCond")),
        cf_typed("while/Switch_1", "Switch", I32, IN("while/Merge_1", "while/LoopCond")),
        cf_typed("while/Identity", "Identity", I32, IN("while/Switch:1")),
        cf_typed("while/Identity_1", "Identity", I32, IN("while/Switch_1:1")),
        cf_i32("while/add/y", 1, IN("^while/Identity")),
        cf_typed("while/add", "AddV2", I32, IN("while/Identity", "while/add/y")),
        cf_typed("while/add_1", "AddV2", I32, IN("while/Identity_1", "while/Identity")),
        cf_typed("while/NextIteration", "NextIteration", I32, IN("while/add")),
        cf_typed("while/NextIteration_1", "NextIteration", I32, IN("while/add_1")),
        cf_typed("while/Exit", "Exit", I32, IN("while/Switch")),
        cf_typed("while/Exit_1", "Exit", I32, IN("while/Switch_1")),
        cf_typed("result", "Identity", I32, IN("while/Exit_1")),
    };
    return cf_graph(n, sizeof n / sizeof n[0], NULL, 0);
}

static bool run_loop(struct engine *e, int32_t n, int32_t *out, size_t n_out, size_t *used,
                     struct md_status *st)
{
    struct md_arena *a = md_arena_new(0, 0, st);
    struct md_tensor nt = th_scalar_i32(n), res[4];
    const struct md_tensor *in[] = { &nt };
    bool ok = md_plan_run(e->p, e->g, &e->env, e->p->n_feeds ? in : NULL, res, a, st);
    for (size_t j = 0; ok && j < n_out; j++) {
        out[j] = *(const int32_t *)res[j].data;
        md_tensor_cleanup(&res[j]);
    }
    if (used)
        *used = md_arena_used(a);
    md_tensor_cleanup(&nt);
    md_arena_free(a);
    return ok;
}

static void test_tf1_while(void **state)
{
    (void)state;
    for (int c = 0; c < 2; c++) {
        Tensorflow__GraphDef *gd = sum_loop(c == 1);
        struct engine e;
        struct md_status st = MD_STATUS_INIT;
        bool ok = engine_plan(&e, gd, IN("n:0"), 1, IN("while/Exit:0", "result:0"), 2, &st);
        if (!ok)
            fprintf(stderr, "%s\n", st.msg);
        assert_true(ok);
        /* The loop became a While node; no Enter survives. */
        assert_true(md_graph_find(e.g, "while/while_context/_md_while") >= 0);
        assert_true(md_graph_find(e.g, "while/Enter") < 0);
        int32_t out[2];
        size_t u10, u1000;
        ok = run_loop(&e, 10, out, 2, &u10, &st);
        if (!ok)
            fprintf(stderr, "%s\n", st.msg);
        assert_true(ok);
        assert_int_equal(out[0], 10);
        assert_int_equal(out[1], 45); /* 0 + 1 + ... + 9 */
        if (c == 0) {
            assert_true(run_loop(&e, 0, out, 2, NULL, &st)); /* zero iterations */
            assert_int_equal(out[0], 0);
            assert_int_equal(out[1], 0);
            assert_true(run_loop(&e, 1000, out, 2, &u1000, &st));
            assert_int_equal(out[0], 1000);
            assert_int_equal(out[1], 499500);
            printf("TF1 loop arena bytes: 10 iterations %zu, 1000: %zu\n", u10, u1000);
            assert_int_equal(u10, u1000);
            e.env.max_loop_iterations = 100;
            assert_false(run_loop(&e, 1000, out, 2, NULL, &st));
            assert_int_equal(st.code, MD_RESOURCE_EXHAUSTED);
            assert_non_null(strstr(st.msg, "within 100 iterations"));
        }
        engine_free(&e);
        tensorflow__graph_def__free_unpacked(gd, NULL);
    }
}

/* for i in range(3): for j in range(4): s += 1, as nested tf.while_loop
 * calls lay it out: the inner frame "while/while/while_context" enters
 * the outer body's tensors. s = 12, i = 3. */
static void test_tf1_nested(void **state)
{
    (void)state;
    const char *fo = "while/while_context", *fi = "while/while/while_context";
    Tensorflow__NodeDef *n[] = {
        cf_i32("Const", 0, NULL),
        cf_i32("Const_1", 0, NULL),
        enter("while/Enter", "Const", fo, false),
        enter("while/Enter_1", "Const_1", fo, false),
        merge("while/Merge", "while/Enter", "while/NextIteration"),
        merge("while/Merge_1", "while/Enter_1", "while/NextIteration_1"),
        cf_i32("while/Less/y", 3, IN("^while/Merge")),
        cf_typed("while/Less", "Less", I32, IN("while/Merge", "while/Less/y")),
        cf_node("while/LoopCond", "LoopCond", IN("while/Less")),
        cf_typed("while/Switch", "Switch", I32, IN("while/Merge", "while/LoopCond")),
        cf_typed("while/Switch_1", "Switch", I32, IN("while/Merge_1", "while/LoopCond")),
        cf_typed("while/Identity", "Identity", I32, IN("while/Switch:1")),
        cf_typed("while/Identity_1", "Identity", I32, IN("while/Switch_1:1")),
        cf_i32("while/Const", 0, IN("^while/Identity")),
        enter("while/while/Enter", "while/Const", fi, false),
        enter("while/while/Enter_1", "while/Identity_1", fi, false),
        merge("while/while/Merge", "while/while/Enter", "while/while/NextIteration"),
        merge("while/while/Merge_1", "while/while/Enter_1", "while/while/NextIteration_1"),
        cf_i32("while/while/Less/y", 4, IN("^while/while/Merge")),
        cf_typed("while/while/Less", "Less", I32, IN("while/while/Merge", "while/while/Less/y")),
        cf_node("while/while/LoopCond", "LoopCond", IN("while/while/Less")),
        cf_typed("while/while/Switch", "Switch", I32,
                 IN("while/while/Merge", "while/while/LoopCond")),
        cf_typed("while/while/Switch_1", "Switch", I32,
                 IN("while/while/Merge_1", "while/while/LoopCond")),
        cf_typed("while/while/Identity", "Identity", I32, IN("while/while/Switch:1")),
        cf_typed("while/while/Identity_1", "Identity", I32, IN("while/while/Switch_1:1")),
        cf_i32("while/while/add/y", 1, IN("^while/while/Identity")),
        cf_typed("while/while/add", "AddV2", I32, IN("while/while/Identity", "while/while/add/y")),
        cf_typed("while/while/add_1", "AddV2", I32,
                 IN("while/while/Identity_1", "while/while/add/y")),
        cf_typed("while/while/NextIteration", "NextIteration", I32, IN("while/while/add")),
        cf_typed("while/while/NextIteration_1", "NextIteration", I32, IN("while/while/add_1")),
        cf_typed("while/while/Exit", "Exit", I32, IN("while/while/Switch")),
        cf_typed("while/while/Exit_1", "Exit", I32, IN("while/while/Switch_1")),
        cf_i32("while/add/y", 1, IN("^while/Identity")),
        cf_typed("while/add", "AddV2", I32, IN("while/Identity", "while/add/y")),
        cf_typed("while/NextIteration", "NextIteration", I32, IN("while/add")),
        cf_typed("while/NextIteration_1", "NextIteration", I32, IN("while/while/Exit_1")),
        cf_typed("while/Exit", "Exit", I32, IN("while/Switch")),
        cf_typed("while/Exit_1", "Exit", I32, IN("while/Switch_1")),
        cf_typed("result", "Identity", I32, IN("while/Exit_1")),
    };
    Tensorflow__GraphDef *gd = cf_graph(n, sizeof n / sizeof n[0], NULL, 0);
    struct engine e;
    struct md_status st = MD_STATUS_INIT;
    bool ok = engine_plan(&e, gd, NULL, 0, IN("while/Exit:0", "result:0"), 2, &st);
    if (!ok)
        fprintf(stderr, "%s\n", st.msg);
    assert_true(ok);
    int32_t out[2];
    ok = run_loop(&e, 0, out, 2, NULL, &st);
    if (!ok)
        fprintf(stderr, "%s\n", st.msg);
    assert_true(ok);
    assert_int_equal(out[0], 3);
    assert_int_equal(out[1], 12);
    engine_free(&e);
    tensorflow__graph_def__free_unpacked(gd, NULL);
}

/* A loop without its LoopCond is refused at import, naming the frame. */
static void test_tf1_malformed(void **state)
{
    (void)state;
    const char *fr = "broken/while_context";
    Tensorflow__NodeDef *n[] = {
        cf_i32("Const", 0, NULL),
        enter("broken/Enter", "Const", fr, false),
        merge("broken/Merge", "broken/Enter", "broken/NextIteration"),
        cf_typed("broken/NextIteration", "NextIteration", I32, IN("broken/Merge")),
    };
    Tensorflow__GraphDef *gd = cf_graph(n, 4, NULL, 0);
    struct md_status st = MD_STATUS_INIT;
    struct md_graph *g = md_graph_import(gd, NULL, &st);
    assert_null(g);
    assert_int_equal(st.code, MD_INVALID_ARGUMENT);
    assert_non_null(strstr(st.msg, "while loop 'broken/while_context' has no LoopCond"));
    tensorflow__graph_def__free_unpacked(gd, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tf1_while),
        cmocka_unit_test(test_tf1_nested),
        cmocka_unit_test(test_tf1_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
