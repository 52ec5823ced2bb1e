/* Functional control flow and TensorLists on graphs built in C the way
 * TensorFlow 2 lays them out: tf.cond in a tf.function becomes
 * StatelessIf/If with then_branch/else_branch functions (Tcond, Tin, Tout),
 * tf.switch_case a Case with `branches`, tf.while_loop a StatelessWhile
 * whose loop variables start with the loop counter and maximum_iterations
 * and end with the captured tensors, cond/body functions taking all of them
 * ("placeholder", "placeholder_1", ... args, Identity nodes before each
 * ret), and a Keras-style RNN loop reads its input through
 * TensorListFromTensor + TensorListGetItem and writes through
 * TensorListReserve + TensorListSetItem + TensorListStack (op names, attrs
 * and wiring as in tensorflow/python/ops/{cond_v2,while_v2,
 * list_ops,tensor_array_ops}.py). Expected values are worked out by hand
 * (sums, branch arithmetic) or by the same recurrence in plain C (the RNN),
 * documented in each test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>

#include "ops/ops_impl.h"
#include "tests/ops/cf_build.h"

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

static void must_plan(struct engine *e, Tensorflow__GraphDef *gd, const char *const *feeds,
                      size_t nf, const char *const *fetches, size_t nfe)
{
    struct md_status st = MD_STATUS_INIT;
    bool ok = engine_plan(e, gd, feeds, nf, fetches, nfe, &st);
    if (!ok)
        fprintf(stderr, "plan: %s\n", st.msg);
    assert_true(ok);
}

/* Runs with one fresh arena; outputs are owned copies. */
static bool run(struct engine *e, const struct md_tensor *const *in, struct md_tensor *out,
                struct md_status *st)
{
    struct md_arena *a = md_arena_new(0, 0, st);
    struct md_tensor tmp[8];
    bool ok = md_plan_run(e->p, e->g, &e->env, in, tmp, a, st);
    for (int j = 0; ok && j < e->p->n_fetches; j++) {
        out[j] = (struct md_tensor)MD_TENSOR_INIT;
        if (tmp[j].dtype != MD_DT_INVALID)
            assert_true(md_tensor_copy(&out[j], &tmp[j], st));
        md_tensor_cleanup(&tmp[j]);
    }
    md_arena_free(a);
    return ok;
}

static void must_run(struct engine *e, const struct md_tensor *const *in, struct md_tensor *out)
{
    struct md_status st = MD_STATUS_INIT;
    bool ok = run(e, in, out, &st);
    if (!ok)
        fprintf(stderr, "run: %s\n", st.msg);
    assert_true(ok);
}

/* ------------------------------------------------------------------- If */
/* y = tf.cond(x > 0, lambda: x * 2.0, lambda: -x) with `op` If or
 * StatelessIf; `cond_input` is "Greater" (bool pred) or "x" (a float pred,
 * true when non-zero); the else branch reads an unfed Placeholder when
 * `bad_else` (so running it fails: shows the untaken branch never runs). */
static Tensorflow__GraphDef *if_graph(const char *op, const char *cond_input, bool bad_else)
{
    Tensorflow__NodeDef *tn[] = {
        cf_f32("mul/y", 2, NULL),
        cf_typed("mul", "Mul", MD_DT_FLOAT, IN("mul_x", "mul/y:output:0")),
        cf_typed("Identity", "Identity", MD_DT_FLOAT, IN("mul:z:0")),
    };
    Tensorflow__FunctionDef *then_f =
        cf_fdef("cond_true_5", 1, IN("mul_x"), TYPES(MD_DT_FLOAT), 1, IN("identity"),
                TYPES(MD_DT_FLOAT), IN("Identity:output:0"), tn, 3);
    Tensorflow__FunctionDef *else_f;
    if (bad_else) {
        Tensorflow__NodeDef *en[] = {
            cf_placeholder("unfed", MD_DT_FLOAT),
            cf_typed("Identity", "Identity", MD_DT_FLOAT, IN("unfed:output:0")),
        };
        else_f = cf_fdef("cond_false_6", 1, IN("neg_x"), TYPES(MD_DT_FLOAT), 1, IN("identity"),
                         TYPES(MD_DT_FLOAT), IN("Identity:output:0"), en, 2);
    } else {
        Tensorflow__NodeDef *en[] = {
            cf_typed("Neg", "Neg", MD_DT_FLOAT, IN("neg_x")),
            cf_typed("Identity", "Identity", MD_DT_FLOAT, IN("Neg:y:0")),
        };
        else_f = cf_fdef("cond_false_6", 1, IN("neg_x"), TYPES(MD_DT_FLOAT), 1, IN("identity"),
                         TYPES(MD_DT_FLOAT), IN("Identity:output:0"), en, 2);
    }
    Tensorflow__NodeDef *cond = cf_node("cond", op, IN(cond_input, "x"));
    th_attr_type(cond, "Tcond", strcmp(cond_input, "x") ? MD_DT_BOOL : MD_DT_FLOAT);
    th_attr_list_type(cond, "Tin", 1, TYPES(MD_DT_FLOAT));
    th_attr_list_type(cond, "Tout", 1, TYPES(MD_DT_FLOAT));
    cf_attr_func(cond, "then_branch", "cond_true_5");
    cf_attr_func(cond, "else_branch", "cond_false_6");
    Tensorflow__NodeDef *n[] = {
        cf_placeholder("x", MD_DT_FLOAT),
        cf_f32("Greater/y", 0, NULL),
        cf_typed("Greater", "Greater", MD_DT_FLOAT, IN("x", "Greater/y")),
        cond,
        cf_typed("cond/Identity", "Identity", MD_DT_FLOAT, IN("cond")),
    };
    Tensorflow__FunctionDef *f[] = { then_f, else_f };
    return cf_graph(n, 5, f, 2);
}

static float run_scalar_f32(struct engine *e, float x)
{
    struct md_tensor xt = th_scalar_f32(x), out[1];
    const struct md_tensor *in[] = { &xt };
    must_run(e, in, out);
    float y = *(const float *)out[0].data;
    md_tensor_cleanup(&out[0]);
    md_tensor_cleanup(&xt);
    return y;
}

static void test_if(void **state)
{
    (void)state;
    const char *ops[] = { "StatelessIf", "If" };
    for (int k = 0; k < 2; k++) {
        Tensorflow__GraphDef *gd = if_graph(ops[k], "Greater", false);
        struct engine e;
        must_plan(&e, gd, IN("x:0"), 1, IN("cond/Identity:0"), 1);
        assert_float_equal(run_scalar_f32(&e, 3), 6, 0);   /* then: 3 * 2 */
        assert_float_equal(run_scalar_f32(&e, -2), 2, 0);  /* else: -(-2) */
        assert_float_equal(run_scalar_f32(&e, 0), -0.f, 0); /* 0 > 0 is false */
        engine_free(&e);
        tensorflow__graph_def__free_unpacked(gd, NULL);
    }
}

/* A float predicate (TensorFlow's truth rule: non-zero is true) and an
 * untaken branch that could not run. */
static void test_if_dead_branch(void **state)
{
    (void)state;
    Tensorflow__GraphDef *gd = if_graph("If", "x", true);
    struct engine e;
    must_plan(&e, gd, IN("x:0"), 1, IN("cond/Identity:0"), 1);
    assert_float_equal(run_scalar_f32(&e, 2.5f), 5, 0);
    struct md_status st = MD_STATUS_INIT;
    struct md_tensor xt = th_scalar_f32(0), out[1];
    const struct md_tensor *in[] = { &xt };
    assert_false(run(&e, in, out, &st));
    assert_int_equal(st.code, MD_INVALID_ARGUMENT);
    assert_non_null(strstr(st.msg, "You must feed a value for placeholder"));
    assert_non_null(strstr(st.msg, "cond_false_6"));
    md_tensor_cleanup(&xt);
    engine_free(&e);
    tensorflow__graph_def__free_unpacked(gd, NULL);
}

/* ----------------------------------------------------------------- Case */
static Tensorflow__GraphDef *case_graph(void)
{
    Tensorflow__NodeDef *b0[] = {
        cf_f32("add/y", 1, NULL),
        cf_typed("add", "AddV2", MD_DT_FLOAT, IN("add_x", "add/y:output:0")),
        cf_typed("Identity", "Identity", MD_DT_FLOAT, IN("add:z:0")),
    };
    Tensorflow__NodeDef *b1[] = {
        cf_f32("mul/y", 2, NULL),
        cf_typed("mul", "Mul", MD_DT_FLOAT, IN("mul_x", "mul/y:output:0")),
        cf_typed("Identity", "Identity", MD_DT_FLOAT, IN("mul:z:0")),
    };
    Tensorflow__NodeDef *b2[] = {
        cf_typed("Neg", "Neg", MD_DT_FLOAT, IN("neg_x")),
        cf_typed("Identity", "Identity", MD_DT_FLOAT, IN("Neg:y:0")),
    };
    Tensorflow__FunctionDef *f[] = {
        cf_fdef("switch_case_branch0_1", 1, IN("add_x"), TYPES(MD_DT_FLOAT), 1, IN("identity"),
                TYPES(MD_DT_FLOAT), IN("Identity:output:0"), b0, 3),
        cf_fdef("switch_case_branch1_2", 1, IN("mul_x"), TYPES(MD_DT_FLOAT), 1, IN("identity"),
                TYPES(MD_DT_FLOAT), IN("Identity:output:0"), b1, 3),
        cf_fdef("switch_case_branch2_3", 1, IN("neg_x"), TYPES(MD_DT_FLOAT), 1, IN("identity"),
                TYPES(MD_DT_FLOAT), IN("Identity:output:0"), b2, 2),
    };
    Tensorflow__NodeDef *c = cf_node("switch_case/indexed_case", "Case", IN("bi", "x"));
    th_attr_list_type(c, "Tin", 1, TYPES(MD_DT_FLOAT));
    th_attr_list_type(c, "Tout", 1, TYPES(MD_DT_FLOAT));
    cf_attr_funcs(c, "branches",
                  IN("switch_case_branch0_1", "switch_case_branch1_2", "switch_case_branch2_3"));
    Tensorflow__NodeDef *n[] = {
        cf_placeholder("bi", MD_DT_INT32),
        cf_placeholder("x", MD_DT_FLOAT),
        c,
        cf_typed("switch_case/indexed_case/Identity", "Identity", MD_DT_FLOAT,
                 IN("switch_case/indexed_case")),
    };
    return cf_graph(n, 4, f, 3);
}

static void test_case(void **state)
{
    (void)state;
    Tensorflow__GraphDef *gd = case_graph();
    struct engine e;
    must_plan(&e, gd, IN("bi:0", "x:0"), 2, IN("switch_case/indexed_case/Identity:0"), 1);
    /* x = 3: branch 0 -> 4, 1 -> 6, 2 -> -3; out of range -> the last. */
    const int32_t idx[] = { 0, 1, 2, 7, -1 };
    const float want[] = { 4, 6, -3, -3, -3 };
    for (int i = 0; i < 5; i++) {
        struct md_tensor bt = th_scalar_i32(idx[i]), xt = th_scalar_f32(3), out[1];
        const struct md_tensor *in[] = { &bt, &xt };
        must_run(&e, in, out);
        assert_float_equal(*(const float *)out[0].data, want[i], 0);
        md_tensor_cleanup(&out[0]);
        md_tensor_cleanup(&bt);
        md_tensor_cleanup(&xt);
    }
    /* branch_index must be an int32 scalar. */
    struct md_status st = MD_STATUS_INIT;
    int32_t two[2] = { 0, 1 };
    struct md_tensor bt = th_tensor(MD_DT_INT32, 1, (int64_t[]){ 2 }, two);
    struct md_tensor xt = th_scalar_f32(3), out[1];
    const struct md_tensor *in[] = { &bt, &xt };
    assert_false(run(&e, in, out, &st));
    assert_non_null(strstr(st.msg, "branch_index must be an int32 scalar"));
    md_tensor_cleanup(&bt);
    md_tensor_cleanup(&xt);
    engine_free(&e);
    tensorflow__graph_def__free_unpacked(gd, NULL);
}

/* ---------------------------------------------------------------- While */
#define I32 MD_DT_INT32
/* i, s = tf.while_loop(lambda i, s: i < n, lambda i, s: (i + 1, s + i), (0, 0))
 * as while_v2 writes it: loop vars (loop_counter, maximum_iterations, i, s,
 * n captured last). names[] lets a test nest loops. */
static void while_sum_fns(const char *cond_name, const char *body_name,
                          Tensorflow__FunctionDef **cond, Tensorflow__FunctionDef **body)
{
    const char *const args[] = { "while_loop_counter", "while_maximum_iterations", "placeholder",
                                 "placeholder_1", "less_n" };
    Tensorflow__NodeDef *cn[] = {
        cf_typed("Less", "Less", I32, IN("placeholder", "less_n")),
        cf_typed("Identity", "Identity", MD_DT_BOOL, IN("Less:z:0")),
    };
    *cond = cf_fdef(cond_name, 5, args, TYPES(I32, I32, I32, I32, I32), 1, IN("identity"),
                    TYPES(MD_DT_BOOL), IN("Identity:output:0"), cn, 2);
    Tensorflow__NodeDef *bn[] = {
        cf_i32("add/y", 1, NULL),
        cf_typed("add", "AddV2", I32, IN("while_loop_counter", "add/y:output:0")),
        cf_typed("add_1", "AddV2", I32, IN("placeholder", "add/y:output:0")),
        cf_typed("add_2", "AddV2", I32, IN("placeholder_1", "placeholder")),
        cf_typed("Identity", "Identity", I32, IN("add:z:0")),
        cf_typed("Identity_1", "Identity", I32, IN("while_maximum_iterations")),
        cf_typed("Identity_2", "Identity", I32, IN("add_1:z:0")),
        cf_typed("Identity_3", "Identity", I32, IN("add_2:z:0")),
        cf_typed("Identity_4", "Identity", I32, IN("less_n")),
    };
    *body = cf_fdef(body_name, 5, args, TYPES(I32, I32, I32, I32, I32), 5,
                    IN("identity", "identity_1", "identity_2", "identity_3", "identity_4"),
                    TYPES(I32, I32, I32, I32, I32),
                    IN("Identity:output:0", "Identity_1:output:0", "Identity_2:output:0",
                       "Identity_3:output:0", "Identity_4:output:0"),
                    bn, 9);
}

static Tensorflow__NodeDef *while_node(const char *name, const char *op, const char *const *in,
                                       size_t n, const enum md_dtype *types, const char *cond,
                                       const char *body)
{
    Tensorflow__NodeDef *w = cf_node(name, op, in);
    th_attr_list_type(w, "T", n, types);
    cf_attr_func(w, "cond", cond);
    cf_attr_func(w, "body", body);
    th_attr_int(w, "parallel_iterations", 10);
    return w;
}

static Tensorflow__GraphDef *while_sum_graph(void)
{
    Tensorflow__FunctionDef *f[2];
    while_sum_fns("while_cond_1", "while_body_2", &f[0], &f[1]);
    Tensorflow__NodeDef *n[] = {
        cf_placeholder("n", I32),
        cf_i32("Const", 0, NULL),
        cf_i32("Const_1", 0, NULL),
        cf_i32("while/loop_counter", 0, NULL),
        cf_i32("while/maximum_iterations", -1, NULL),
        while_node("while", "StatelessWhile",
                   IN("while/loop_counter", "while/maximum_iterations", "Const", "Const_1", "n"),
                   5, TYPES(I32, I32, I32, I32, I32), "while_cond_1", "while_body_2"),
    };
    return cf_graph(n, 6, f, 2);
}

static void run_sum(struct engine *e, int32_t n, int32_t *i, int32_t *s, struct md_status *st,
                    bool expect_ok)
{
    struct md_tensor nt = th_scalar_i32(n), out[2];
    const struct md_tensor *in[] = { &nt };
    bool ok = run(e, in, out, st);
    if (!ok && expect_ok)
        fprintf(stderr, "%s\n", st->msg);
    assert_int_equal(ok, expect_ok);
    if (ok) {
        *i = *(const int32_t *)out[0].data;
        *s = *(const int32_t *)out[1].data;
        md_tensor_cleanup(&out[0]);
        md_tensor_cleanup(&out[1]);
    }
    md_tensor_cleanup(&nt);
}

static void test_while_sum(void **state)
{
    (void)state;
    Tensorflow__GraphDef *gd = while_sum_graph();
    struct engine e;
    must_plan(&e, gd, IN("n:0"), 1, IN("while:2", "while:3"), 2);
    struct md_status st = MD_STATUS_INIT;
    int32_t i, s;
    run_sum(&e, 10, &i, &s, &st, true); /* 0 + 1 + ... + 9 */
    assert_int_equal(i, 10);
    assert_int_equal(s, 45);
    run_sum(&e, 0, &i, &s, &st, true); /* zero iterations: the inputs */
    assert_int_equal(i, 0);
    assert_int_equal(s, 0);
    /* The iteration cap: 5 iterations are allowed, a 6th is refused. */
    e.env.max_loop_iterations = 5;
    run_sum(&e, 5, &i, &s, &st, true);
    assert_int_equal(s, 10);
    run_sum(&e, 10, &i, &s, &st, false);
    assert_int_equal(st.code, MD_RESOURCE_EXHAUSTED);
    assert_non_null(strstr(st.msg, "node 'while'"));
    assert_non_null(strstr(st.msg, "within 5 iterations"));
    engine_free(&e);
    tensorflow__graph_def__free_unpacked(gd, NULL);
}

/* for i in range(3): for j in range(4): s += 1 -> 12, the inner loop a
 * StatelessWhile inside the outer body. */
static void test_while_nested(void **state)
{
    (void)state;
    Tensorflow__FunctionDef *f[4];
    while_sum_fns("inner_cond", "inner_body_unused", &f[0], &f[1]);
    /* inner body: (c, m, j, s, n) -> (c + 1, m, j + 1, s + 1, n) */
    const char *const args[] = { "c", "m", "j", "s", "n" };
    Tensorflow__NodeDef *ib[] = {
        cf_i32("one", 1, NULL),
        cf_typed("c1", "AddV2", I32, IN("c", "one:output:0")),
        cf_typed("j1", "AddV2", I32, IN("j", "one:output:0")),
        cf_typed("s1", "AddV2", I32, IN("s", "one:output:0")),
    };
    tensorflow__function_def__free_unpacked(f[1], NULL);
    f[1] = cf_fdef("inner_body", 5, args, TYPES(I32, I32, I32, I32, I32), 5,
                   IN("o0", "o1", "o2", "o3", "o4"), TYPES(I32, I32, I32, I32, I32),
                   IN("c1:z:0", "m", "j1:z:0", "s1:z:0", "n"), ib, 4);
    Tensorflow__NodeDef *oc[] = {
        cf_i32("three", 3, NULL),
        cf_typed("Less", "Less", I32, IN("i", "three:output:0")),
    };
    f[2] = cf_fdef("outer_cond", 4, IN("c", "m", "i", "s"), TYPES(I32, I32, I32, I32), 1,
                   IN("r"), TYPES(MD_DT_BOOL), IN("Less:z:0"), oc, 2);
    Tensorflow__NodeDef *ob[] = {
        cf_i32("zero", 0, NULL),
        cf_i32("four", 4, NULL),
        cf_i32("one", 1, NULL),
        while_node("inner", "StatelessWhile",
                   IN("zero:output:0", "zero:output:0", "zero:output:0", "s", "four:output:0"), 5,
                   TYPES(I32, I32, I32, I32, I32), "inner_cond", "inner_body"),
        cf_typed("c1", "AddV2", I32, IN("c", "one:output:0")),
        cf_typed("i1", "AddV2", I32, IN("i", "one:output:0")),
    };
    f[3] = cf_fdef("outer_body", 4, IN("c", "m", "i", "s"), TYPES(I32, I32, I32, I32), 4,
                   IN("o0", "o1", "o2", "o3"), TYPES(I32, I32, I32, I32),
                   IN("c1:z:0", "m", "i1:z:0", "inner:output:3"), ob, 6);
    Tensorflow__NodeDef *n[] = {
        cf_i32("zero", 0, NULL),
        while_node("while", "While", IN("zero", "zero", "zero", "zero"), 4,
                   TYPES(I32, I32, I32, I32), "outer_cond", "outer_body"),
    };
    Tensorflow__GraphDef *gd = cf_graph(n, 2, f, 4);
    struct engine e;
    must_plan(&e, gd, NULL, 0, IN("while:2", "while:3"), 2);
    struct md_tensor out[2];
    must_run(&e, NULL, out);
    assert_int_equal(*(const int32_t *)out[0].data, 3);
    assert_int_equal(*(const int32_t *)out[1].data, 12);
    md_tensor_cleanup(&out[0]);
    md_tensor_cleanup(&out[1]);
    engine_free(&e);
    tensorflow__graph_def__free_unpacked(gd, NULL);
}

/* x = tf.zeros([1024]); i = 0; while i < n: x = x + 1; i += 1. The request
 * arena must not grow with n: the body's memory is recycled. */
#define FLAT_LEN 1024
static Tensorflow__GraphDef *while_vec_graph(void)
{
    const char *const args[] = { "i", "x", "n" };
    Tensorflow__NodeDef *cn[] = { cf_typed("Less", "Less", I32, IN("i", "n")) };
    Tensorflow__NodeDef *bn[] = {
        cf_i32("one", 1, NULL),
        cf_f32("onef", 1, NULL),
        cf_typed("i1", "AddV2", I32, IN("i", "one:output:0")),
        cf_typed("x1", "AddV2", MD_DT_FLOAT, IN("x", "onef:output:0")),
    };
    Tensorflow__FunctionDef *f[] = {
        cf_fdef("vec_cond", 3, args, TYPES(I32, MD_DT_FLOAT, I32), 1, IN("r"), TYPES(MD_DT_BOOL),
                IN("Less:z:0"), cn, 1),
        cf_fdef("vec_body", 3, args, TYPES(I32, MD_DT_FLOAT, I32), 3, IN("o0", "o1", "o2"),
                TYPES(I32, MD_DT_FLOAT, I32), IN("i1:z:0", "x1:z:0", "n"), bn, 4),
    };
    static float zeros[FLAT_LEN];
    Tensorflow__NodeDef *n[] = {
        cf_placeholder("n", I32),
        cf_i32("i0", 0, NULL),
        cf_const("x0", MD_DT_FLOAT, 1, (int64_t[]){ FLAT_LEN }, zeros, NULL),
        while_node("while", "StatelessWhile", IN("i0", "x0", "n"), 3,
                   TYPES(I32, MD_DT_FLOAT, I32), "vec_cond", "vec_body"),
    };
    return cf_graph(n, 4, f, 2);
}

static size_t run_vec(struct engine *e, int32_t n)
{
    struct md_status st = MD_STATUS_INIT;
    struct md_arena *a = md_arena_new(0, 0, &st);
    struct md_tensor nt = th_scalar_i32(n), out[1];
    const struct md_tensor *in[] = { &nt };
    bool ok = md_plan_run(e->p, e->g, &e->env, in, out, a, &st);
    if (!ok)
        fprintf(stderr, "%s\n", st.msg);
    assert_true(ok);
    const float *x = out[0].data;
    assert_int_equal(out[0].dims[0], FLAT_LEN);
    assert_float_equal(x[0], (float)n, 0);
    assert_float_equal(x[FLAT_LEN - 1], (float)n, 0);
    size_t used = md_arena_used(a);
    md_tensor_cleanup(&out[0]);
    md_tensor_cleanup(&nt);
    md_arena_free(a);
    return used;
}

static void test_while_arena_flat(void **state)
{
    (void)state;
    Tensorflow__GraphDef *gd = while_vec_graph();
    struct engine e;
    must_plan(&e, gd, IN("n:0"), 1, IN("while:1"), 1);
    size_t u1 = run_vec(&e, 1), u10 = run_vec(&e, 10), u1000 = run_vec(&e, 1000);
    printf("arena bytes after a 4 KiB loop: 1 iteration %zu, 10: %zu, 1000: %zu\n", u1, u10,
           u1000);
    assert_int_equal(u10, u1000);
    engine_free(&e);
    tensorflow__graph_def__free_unpacked(gd, NULL);
}

/* ------------------------------------------------------------ load errors */
static void expect_load_error(Tensorflow__GraphDef *gd, const char *fetch, enum md_code code,
                              const char *needle)
{
    struct engine e;
    struct md_status st = MD_STATUS_INIT;
    assert_false(engine_plan(&e, gd, NULL, 0, IN(fetch), 1, &st));
    if (!strstr(st.msg, needle))
        fprintf(stderr, "got: %s\n", st.msg);
    assert_int_equal(st.code, code);
    assert_non_null(strstr(st.msg, needle));
    engine_free(&e);
    tensorflow__graph_def__free_unpacked(gd, NULL);
}

static void test_function_errors(void **state)
{
    (void)state;
    /* A branch that is not in the library. */
    Tensorflow__NodeDef *c = cf_node("cond", "StatelessIf", IN("p", "x"));
    th_attr_list_type(c, "Tout", 1, TYPES(MD_DT_FLOAT));
    cf_attr_func(c, "then_branch", "nowhere");
    cf_attr_func(c, "else_branch", "nowhere");
    Tensorflow__NodeDef *n1[] = { cf_placeholder("p", MD_DT_BOOL), cf_placeholder("x", MD_DT_FLOAT),
                                  c };
    expect_load_error(cf_graph(n1, 3, NULL, 0), "cond:0", MD_INVALID_ARGUMENT,
                      "function 'nowhere' is not in the graph's library");
    /* A body that runs the loop itself. */
    Tensorflow__FunctionDef *f[2];
    const char *const args[] = { "i" };
    Tensorflow__NodeDef *cn[] = { cf_typed("Identity", "Identity", MD_DT_BOOL, IN("i")) };
    f[0] = cf_fdef("rc", 1, args, TYPES(MD_DT_BOOL), 1, IN("r"), TYPES(MD_DT_BOOL),
                   IN("Identity:output:0"), cn, 1);
    Tensorflow__NodeDef *bn[] = { while_node("again", "While", IN("i"), 1, TYPES(MD_DT_BOOL), "rc",
                                             "rb") };
    f[1] = cf_fdef("rb", 1, args, TYPES(MD_DT_BOOL), 1, IN("r"), TYPES(MD_DT_BOOL),
                   IN("again:output:0"), bn, 1);
    Tensorflow__NodeDef *n2[] = { cf_placeholder("p", MD_DT_BOOL),
                                  while_node("w", "While", IN("p"), 1, TYPES(MD_DT_BOOL), "rc",
                                             "rb") };
    expect_load_error(cf_graph(n2, 2, f, 2), "w:0", MD_INVALID_ARGUMENT,
                      "function 'rb' calls itself");
    /* Arity: a cond taking 2 arguments for 1 loop variable. */
    Tensorflow__NodeDef *cn2[] = { cf_typed("Identity", "Identity", MD_DT_BOOL, IN("a")) };
    f[0] = cf_fdef("c2", 2, IN("a", "b"), TYPES(MD_DT_BOOL, MD_DT_BOOL), 1, IN("r"),
                   TYPES(MD_DT_BOOL), IN("Identity:output:0"), cn2, 1);
    Tensorflow__NodeDef *bn2[] = { cf_typed("Identity", "Identity", MD_DT_BOOL, IN("i")) };
    f[1] = cf_fdef("b1", 1, args, TYPES(MD_DT_BOOL), 1, IN("r"), TYPES(MD_DT_BOOL),
                   IN("Identity:output:0"), bn2, 1);
    Tensorflow__NodeDef *n3[] = { cf_placeholder("p", MD_DT_BOOL),
                                  while_node("w", "While", IN("p"), 1, TYPES(MD_DT_BOOL), "c2",
                                             "b1") };
    expect_load_error(cf_graph(n3, 2, f, 2), "w:0", MD_INVALID_ARGUMENT,
                      "cond function 'c2' takes 2 arguments, the node passes 1");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_if),
        cmocka_unit_test(test_if_dead_branch),
        cmocka_unit_test(test_case),
        cmocka_unit_test(test_while_sum),
        cmocka_unit_test(test_while_nested),
        cmocka_unit_test(test_while_arena_flat),
        cmocka_unit_test(test_function_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
