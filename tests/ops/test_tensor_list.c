/* TensorList ops, alone and in a Keras-style recurrent loop, on graphs
 * built in C as TensorFlow 2 writes them: the RNN layer unstacks its input
 * with TensorListFromTensor ("TensorArrayUnstack/TensorListFromTensor"),
 * reserves the output list with TensorListReserve ("TensorArrayV2"), runs
 * a StatelessWhile whose body reads x_t with TensorListGetItem and writes
 * h_t with TensorListSetItem, and stacks the result with TensorListStack
 * ("TensorArrayV2Stack/TensorListStack"). The cell here is
 * h_t = tanh(0.5 * x_t + h_{t-1}); the expected values come from the same
 * recurrence computed in plain C below (float tanhf, tolerance 1e-6). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>

#include "ops/ops_impl.h"
#include "tests/ops/cf_build.h"

#define I32 MD_DT_INT32
#define VAR MD_DT_VARIANT
#define F32 MD_DT_FLOAT

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

/* Plans and runs; outputs are owned copies (numeric). */
static bool plan_run(Tensorflow__GraphDef *gd, const char *const *feeds, size_t nf,
                     const struct md_tensor *const *in, const char *const *fetches, size_t nfe,
                     struct md_tensor *out, struct md_status *st)
{
    struct engine e;
    bool ok = engine_plan(&e, gd, feeds, nf, fetches, nfe, st);
    struct md_arena *a = md_arena_new(0, 0, st);
    struct md_tensor tmp[8];
    if (ok)
        ok = md_plan_run(e.p, e.g, &e.env, in, tmp, a, st);
    for (size_t j = 0; ok && j < nfe; j++) {
        assert_true(md_tensor_copy(&out[j], &tmp[j], st));
        md_tensor_cleanup(&tmp[j]);
    }
    md_arena_free(a);
    engine_free(&e);
    return ok;
}

static Tensorflow__NodeDef *shape_const(const char *name, int n, const int32_t *dims)
{
    if (n < 0)
        return cf_i32(name, -1, NULL);
    return cf_const(name, I32, 1, (int64_t[]){ n }, dims, NULL);
}

static Tensorflow__NodeDef *list_op(const char *name, const char *op, const char *const *in)
{
    Tensorflow__NodeDef *n = cf_node(name, op, in);
    th_attr_type(n, "element_dtype", F32);
    return n;
}

#define T_STEPS 5
#define BATCH 2
#define FEAT 3

static Tensorflow__GraphDef *rnn_graph(void)
{
    const char *const args[] = { "while_loop_counter", "while_maximum_iterations", "placeholder",
                                 "placeholder_1", "placeholder_2", "tensorarrayunstack" };
    const enum md_dtype *types = TYPES(I32, I32, I32, VAR, F32, VAR);
    Tensorflow__NodeDef *cn[] = {
        cf_i32("Less/y", T_STEPS, NULL),
        cf_typed("Less", "Less", I32, IN("placeholder", "Less/y:output:0")),
        cf_typed("Identity", "Identity", MD_DT_BOOL, IN("Less:z:0")),
    };
    Tensorflow__NodeDef *bn[] = {
        shape_const("TensorArrayV2Read/Const", 2, (int32_t[]){ BATCH, FEAT }),
        list_op("TensorArrayV2Read/TensorListGetItem", "TensorListGetItem",
                IN("tensorarrayunstack", "placeholder", "TensorArrayV2Read/Const:output:0")),
        cf_f32("mul/y", 0.5f, NULL),
        cf_typed("mul", "Mul", F32,
                 IN("TensorArrayV2Read/TensorListGetItem:item:0", "mul/y:output:0")),
        cf_typed("add", "AddV2", F32, IN("mul:z:0", "placeholder_2")),
        cf_typed("Tanh", "Tanh", F32, IN("add:z:0")),
        list_op("TensorArrayV2Write/TensorListSetItem", "TensorListSetItem",
                IN("placeholder_1", "placeholder", "Tanh:y:0")),
        cf_i32("add_1/y", 1, NULL),
        cf_typed("add_1", "AddV2", I32, IN("placeholder", "add_1/y:output:0")),
        cf_typed("add_2", "AddV2", I32, IN("while_loop_counter", "add_1/y:output:0")),
    };
    Tensorflow__FunctionDef *f[] = {
        cf_fdef("while_cond_10", 6, args, types, 1, IN("identity"), TYPES(MD_DT_BOOL),
                IN("Identity:output:0"), cn, 3),
        cf_fdef("while_body_11", 6, args, types, 6, IN("o0", "o1", "o2", "o3", "o4", "o5"), types,
                IN("add_2:z:0", "while_maximum_iterations", "add_1:z:0",
                   "TensorArrayV2Write/TensorListSetItem:output_handle:0", "Tanh:y:0",
                   "tensorarrayunstack"),
                bn, 10),
    };
    Tensorflow__NodeDef *unstack =
        list_op("TensorArrayUnstack/TensorListFromTensor", "TensorListFromTensor",
                IN("x", "TensorArrayUnstack/Const"));
    th_attr_type(unstack, "shape_type", I32);
    Tensorflow__NodeDef *reserve =
        list_op("TensorArrayV2", "TensorListReserve", IN("TensorArrayV2/element_shape",
                                                         "TensorArrayV2/num_elements"));
    th_attr_type(reserve, "shape_type", I32);
    Tensorflow__NodeDef *w = cf_node("while", "StatelessWhile",
                                     IN("while/loop_counter", "while/maximum_iterations", "time",
                                        "TensorArrayV2", "h0",
                                        "TensorArrayUnstack/TensorListFromTensor"));
    th_attr_list_type(w, "T", 6, types);
    cf_attr_func(w, "cond", "while_cond_10");
    cf_attr_func(w, "body", "while_body_11");
    th_attr_int(w, "parallel_iterations", 32);
    Tensorflow__NodeDef *stack = list_op("TensorArrayV2Stack/TensorListStack", "TensorListStack",
                                         IN("while:3", "TensorArrayV2Stack/Const"));
    th_attr_int(stack, "num_elements", T_STEPS);
    static const float zeros[BATCH * FEAT];
    Tensorflow__NodeDef *n[] = {
        cf_placeholder("x", F32),
        shape_const("TensorArrayUnstack/Const", 2, (int32_t[]){ BATCH, FEAT }),
        unstack,
        shape_const("TensorArrayV2/element_shape", 2, (int32_t[]){ BATCH, FEAT }),
        cf_i32("TensorArrayV2/num_elements", T_STEPS, NULL),
        reserve,
        cf_i32("time", 0, NULL),
        cf_i32("while/loop_counter", 0, NULL),
        cf_i32("while/maximum_iterations", T_STEPS, NULL),
        cf_const("h0", F32, 2, (int64_t[]){ BATCH, FEAT }, zeros, NULL),
        w,
        shape_const("TensorArrayV2Stack/Const", 2, (int32_t[]){ BATCH, FEAT }),
        stack,
        cf_node("TensorArrayV2Stack/TensorListLength", "TensorListLength", IN("while:3")),
    };
    return cf_graph(n, sizeof n / sizeof n[0], f, 2);
}

static void test_rnn_loop(void **state)
{
    (void)state;
    float x[T_STEPS * BATCH * FEAT], want[T_STEPS * BATCH * FEAT], h[BATCH * FEAT] = { 0 };
    for (int i = 0; i < T_STEPS * BATCH * FEAT; i++)
        x[i] = (float)((i * 7) % 11) / 5.0f - 1.0f;
    for (int t = 0; t < T_STEPS; t++)
        for (int e = 0; e < BATCH * FEAT; e++) {
            h[e] = tanhf(x[t * BATCH * FEAT + e] * 0.5f + h[e]);
            want[t * BATCH * FEAT + e] = h[e];
        }
    Tensorflow__GraphDef *gd = rnn_graph();
    struct md_status st = MD_STATUS_INIT;
    struct md_tensor xt = th_tensor(F32, 3, (int64_t[]){ T_STEPS, BATCH, FEAT }, x), out[3];
    const struct md_tensor *in[] = { &xt };
    bool ok = plan_run(gd, IN("x:0"), 1, in,
                       IN("TensorArrayV2Stack/TensorListStack:0", "while:4",
                          "TensorArrayV2Stack/TensorListLength:0"),
                       3, out, &st);
    if (!ok)
        fprintf(stderr, "%s\n", st.msg);
    assert_true(ok);
    assert_int_equal(out[0].rank, 3);
    assert_int_equal(out[0].dims[0], T_STEPS);
    assert_int_equal(out[0].dims[1], BATCH);
    assert_int_equal(out[0].dims[2], FEAT);
    const float *y = out[0].data, *hf = out[1].data;
    for (int i = 0; i < T_STEPS * BATCH * FEAT; i++)
        assert_float_equal(y[i], want[i], 1e-6);
    for (int e = 0; e < BATCH * FEAT; e++)
        assert_float_equal(hf[e], h[e], 1e-6);
    assert_int_equal(*(const int32_t *)out[2].data, T_STEPS);
    for (int j = 0; j < 3; j++)
        md_tensor_cleanup(&out[j]);
    md_tensor_cleanup(&xt);
    tensorflow__graph_def__free_unpacked(gd, NULL);
}

/* EmptyTensorList -> PushBack a, PushBack b -> Length 2, PopBack gives b,
 * Stack gives [a; b]; a reserved list of unknown batch reports
 * ElementShape [-1, 2] and reads an unset item of known shape as zeros. */
static void test_list_ops(void **state)
{
    (void)state;
    Tensorflow__NodeDef *pop = list_op("pop", "TensorListPopBack", IN("push2", "shape_any"));
    Tensorflow__NodeDef *reserve = list_op("reserve", "TensorListReserve", IN("partial", "three"));
    Tensorflow__NodeDef *es = cf_node("es", "TensorListElementShape", IN("reserve"));
    th_attr_type(es, "shape_type", I32);
    Tensorflow__NodeDef *stack = list_op("stack", "TensorListStack", IN("push2", "shape_any"));
    Tensorflow__NodeDef *n[] = {
        shape_const("shape_any", -1, NULL),
        cf_i32("minus1", -1, NULL),
        cf_const("a", F32, 1, (int64_t[]){ 2 }, (float[]){ 1, 2 }, NULL),
        cf_const("b", F32, 1, (int64_t[]){ 2 }, (float[]){ 3, 4 }, NULL),
        list_op("empty", "EmptyTensorList", IN("shape_any", "minus1")),
        list_op("push1", "TensorListPushBack", IN("empty", "a")),
        list_op("push2", "TensorListPushBack", IN("push1", "b")),
        cf_node("len", "TensorListLength", IN("push2")),
        pop,
        cf_node("len_pop", "TensorListLength", IN("pop")),
        stack,
        shape_const("partial", 2, (int32_t[]){ -1, 2 }),
        shape_const("full", 2, (int32_t[]){ 1, 2 }),
        cf_i32("three", 3, NULL),
        cf_i32("idx", 1, NULL),
        reserve,
        es,
        list_op("unset", "TensorListGetItem", IN("reserve", "idx", "full")),
    };
    Tensorflow__GraphDef *gd = cf_graph(n, sizeof n / sizeof n[0], NULL, 0);
    struct md_status st = MD_STATUS_INIT;
    struct md_tensor out[6];
    bool ok = plan_run(gd, NULL, 0, NULL,
                       IN("len:0", "pop:1", "len_pop:0", "stack:0", "es:0", "unset:0"), 6, out,
                       &st);
    if (!ok)
        fprintf(stderr, "%s\n", st.msg);
    assert_true(ok);
    assert_int_equal(*(const int32_t *)out[0].data, 2);
    assert_float_equal(((const float *)out[1].data)[1], 4, 0);
    assert_int_equal(*(const int32_t *)out[2].data, 1);
    assert_int_equal(out[3].rank, 2);
    const float *s = out[3].data;
    assert_true(s[0] == 1 && s[1] == 2 && s[2] == 3 && s[3] == 4);
    const int32_t *shape = out[4].data;
    assert_int_equal(out[4].dims[0], 2);
    assert_true(shape[0] == -1 && shape[1] == 2);
    assert_int_equal(out[5].dims[0], 1);
    assert_true(((const float *)out[5].data)[0] == 0 && ((const float *)out[5].data)[1] == 0);
    for (int j = 0; j < 6; j++)
        md_tensor_cleanup(&out[j]);
    tensorflow__graph_def__free_unpacked(gd, NULL);
}

/* One graph per rejected input. */
static void expect_run_error(Tensorflow__NodeDef **nodes, size_t n, const char *fetch,
                             const char *needle)
{
    Tensorflow__GraphDef *gd = cf_graph(nodes, n, NULL, 0);
    struct md_status st = MD_STATUS_INIT;
    struct md_tensor out[1];
    assert_false(plan_run(gd, NULL, 0, NULL, IN(fetch), 1, out, &st));
    if (!strstr(st.msg, needle))
        fprintf(stderr, "got: %s\n", st.msg);
    assert_non_null(strstr(st.msg, needle));
    tensorflow__graph_def__free_unpacked(gd, NULL);
}

static void test_list_errors(void **state)
{
    (void)state;
    /* Index out of range. */
    Tensorflow__NodeDef *n1[] = {
        shape_const("s", 1, (int32_t[]){ 2 }),
        cf_i32("two", 2, NULL),
        cf_i32("nine", 9, NULL),
        list_op("r", "TensorListReserve", IN("s", "two")),
        list_op("g", "TensorListGetItem", IN("r", "nine", "s")),
    };
    expect_run_error(n1, 5, "g:0", "index 9 is out of range for a list of 2 items");
    /* PopBack of an empty list. */
    Tensorflow__NodeDef *n2[] = {
        shape_const("s", -1, NULL),
        list_op("e", "EmptyTensorList", IN("s", "s")),
        list_op("p", "TensorListPopBack", IN("e", "s")),
    };
    expect_run_error(n2, 3, "p:1", "the list is empty");
    /* Reading an item whose shape is unknown. */
    Tensorflow__NodeDef *n3[] = {
        shape_const("s", -1, NULL),
        cf_i32("one", 1, NULL),
        cf_i32("zero", 0, NULL),
        list_op("r", "TensorListReserve", IN("s", "one")),
        list_op("g", "TensorListGetItem", IN("r", "zero", "s")),
    };
    expect_run_error(n3, 5, "g:0", "needs a fully defined element shape");
    /* Wrong element dtype: a float list read as int32. */
    Tensorflow__NodeDef *g4 = cf_node("g", "TensorListGetItem", IN("r", "zero", "s"));
    th_attr_type(g4, "element_dtype", I32);
    Tensorflow__NodeDef *n4[] = {
        shape_const("s", 1, (int32_t[]){ 2 }),
        cf_i32("one", 1, NULL),
        cf_i32("zero", 0, NULL),
        list_op("r", "TensorListReserve", IN("s", "one")),
        g4,
    };
    expect_run_error(n4, 5, "g:0", "the list holds DT_FLOAT, element_dtype is DT_INT32");
    /* An item that does not fit the element shape. */
    Tensorflow__NodeDef *n5[] = {
        shape_const("s", 1, (int32_t[]){ 2 }),
        cf_i32("one", 1, NULL),
        cf_i32("zero", 0, NULL),
        cf_const("v", F32, 1, (int64_t[]){ 3 }, (float[]){ 1, 2, 3 }, NULL),
        list_op("r", "TensorListReserve", IN("s", "one")),
        list_op("w", "TensorListSetItem", IN("r", "zero", "v")),
    };
    expect_run_error(n5, 6, "w:0", "item shape [3] does not fit the list's element shape [2]");
    /* A plain tensor where a list is expected. */
    Tensorflow__NodeDef *n6[] = {
        cf_i32("zero", 0, NULL),
        cf_node("len", "TensorListLength", IN("zero")),
    };
    expect_run_error(n6, 2, "len:0", "input is not a TensorList");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rnn_loop),
        cmocka_unit_test(test_list_ops),
        cmocka_unit_test(test_list_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
