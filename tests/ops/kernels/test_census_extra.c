/* test_census_extra.c: the last census ops, BroadcastGradientArgs and
 * ResourceApplyGradientDescent (kernel level; golden data from
 * tests/ops/gen/census_extra.py), a small training SavedModel using
 * ResourceApplyGradientDescent run through md_model_load, and
 * md_check_model listing ops used inside functions (a While body).
 * The models are written with our own SavedModel writer the way
 * TensorFlow lays such graphs out (no TensorFlow here). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader/loader.h"
#include "ops/check.h"
#include "ops/ops.h"
#include "saved_model.pb-c.h"
#include "tests/ops/golden/census_extra_golden.h"
#include "tests/ops/harness.h"

/* ------------------------------------------------ BroadcastGradientArgs */
static struct md_tensor shape_vec(enum md_dtype dt, int n, const int64_t *v)
{
    int32_t v32[4];
    for (int i = 0; i < n; i++)
        v32[i] = (int32_t)v[i];
    return th_tensor(dt, 1, (int64_t[]){ n }, dt == MD_DT_INT32 ? (const void *)v32 : v);
}

static bool run_bga(enum md_dtype t, const struct md_tensor *s0, const struct md_tensor *s1,
                    struct md_tensor *out, struct md_status *st)
{
    Tensorflow__NodeDef *n = th_node("BroadcastGradientArgs");
    th_attr_type(n, "T", t);
    int n_out = 0;
    bool ok = th_run(n, 2, (const struct md_tensor *[]){ s0, s1 }, &n_out, out, st);
    th_node_free(n);
    if (ok)
        assert_int_equal(n_out, 2);
    return ok;
}

static void check_axes(const struct md_tensor *o, enum md_dtype dt, int n, const int64_t *want)
{
    assert_int_equal(o->dtype, dt);
    assert_int_equal(o->rank, 1);
    assert_int_equal(o->dims[0], n);
    for (int i = 0; i < n; i++)
        assert_int_equal(dt == MD_DT_INT32 ? ((const int32_t *)o->data)[i]
                                           : ((const int64_t *)o->data)[i],
                         want[i]);
}

static void test_bga_golden(void **state)
{
    (void)state;
    const enum md_dtype dts[2] = { MD_DT_INT32, MD_DT_INT64 };
    for (int d = 0; d < 2; d++)
        for (size_t c = 0; c < sizeof bga_good / sizeof *bga_good; c++) {
            const struct bga_case *k = &bga_good[c];
            struct md_tensor s0 = shape_vec(dts[d], k->n0, k->s0);
            struct md_tensor s1 = shape_vec(dts[d], k->n1, k->s1);
            struct md_tensor out[TH_MAX_OUT];
            struct md_status st = MD_STATUS_INIT;
            if (!run_bga(dts[d], &s0, &s1, out, &st))
                fail_msg("case %zu: %s", c, st.msg);
            check_axes(&out[0], dts[d], k->nr0, k->r0);
            check_axes(&out[1], dts[d], k->nr1, k->r1);
            th_free_outputs(out, 2);
            md_tensor_cleanup(&s0);
            md_tensor_cleanup(&s1);
        }
}

static void test_bga_rejects(void **state)
{
    (void)state;
    struct md_tensor out[TH_MAX_OUT];
    struct md_status st = MD_STATUS_INIT;
    for (size_t c = 0; c < sizeof bga_bad / sizeof *bga_bad; c++) {
        const struct bga_case *k = &bga_bad[c];
        struct md_tensor s0 = shape_vec(MD_DT_INT32, k->n0, k->s0);
        struct md_tensor s1 = shape_vec(MD_DT_INT32, k->n1, k->s1);
        md_status_reset(&st);
        assert_false(run_bga(MD_DT_INT32, &s0, &s1, out, &st));
        assert_int_equal(st.code, MD_INVALID_ARGUMENT);
        assert_non_null(strstr(st.msg, "Incompatible shapes: ["));
        assert_non_null(strstr(st.msg, "BroadcastGradientArgs"));
        md_tensor_cleanup(&s0);
        md_tensor_cleanup(&s1);
    }
    /* s0 not a vector */
    struct md_tensor m = th_tensor(MD_DT_INT32, 2, (int64_t[]){ 1, 2 }, (int32_t[]){ 2, 3 });
    struct md_tensor v = th_tensor(MD_DT_INT32, 1, (int64_t[]){ 1 }, (int32_t[]){ 3 });
    md_status_reset(&st);
    assert_false(run_bga(MD_DT_INT32, &m, &v, out, &st));
    assert_non_null(strstr(st.msg, "s0 must be a vector"));
    /* s0 and s1 of different dtypes */
    struct md_tensor v64 = th_tensor(MD_DT_INT64, 1, (int64_t[]){ 1 }, (int64_t[]){ 3 });
    md_status_reset(&st);
    assert_false(run_bga(MD_DT_INT32, &v, &v64, out, &st));
    assert_int_equal(st.code, MD_INVALID_ARGUMENT);
    /* float shape vectors */
    struct md_tensor f = th_tensor(MD_DT_FLOAT, 1, (int64_t[]){ 1 }, (float[]){ 3 });
    md_status_reset(&st);
    assert_false(run_bga(MD_DT_INT32, &f, &f, out, &st));
    assert_non_null(strstr(st.msg, "s0 must be int32 or int64"));
    /* wrong dtype attr: UNIMPLEMENTED at init */
    md_status_reset(&st);
    assert_false(run_bga(MD_DT_FLOAT, &f, &f, out, &st));
    assert_int_equal(st.code, MD_UNIMPLEMENTED);
    assert_non_null(strstr(st.msg, "DT_FLOAT"));
    md_tensor_cleanup(&m);
    md_tensor_cleanup(&v);
    md_tensor_cleanup(&v64);
    md_tensor_cleanup(&f);
}

/* ------------------------------------------ ResourceApplyGradientDescent */
static void test_ragd_kernel_rejects(void **state)
{
    (void)state;
    struct md_tensor out[TH_MAX_OUT];
    int n_out;
    struct md_status st = MD_STATUS_INIT;
    struct md_tensor h = th_scalar_i32(0); /* not a resource handle */
    struct md_tensor lr = th_scalar_f32(0.5f);
    struct md_tensor g = th_tensor(MD_DT_FLOAT, 1, (int64_t[]){ 2 }, (float[]){ 1, 2 });
    const struct md_tensor *in[3] = { &h, &lr, &g };

    Tensorflow__NodeDef *n = th_node("ResourceApplyGradientDescent");
    th_attr_type(n, "T", MD_DT_INT32);
    assert_false(th_run(n, 3, in, &n_out, out, &st));
    assert_int_equal(st.code, MD_UNIMPLEMENTED);
    assert_non_null(strstr(st.msg, "DT_INT32"));
    th_node_free(n);

    n = th_node("ResourceApplyGradientDescent");
    th_attr_type(n, "T", MD_DT_FLOAT);
    th_attr_int(n, "use_locking", 1);
    md_status_reset(&st);
    assert_false(th_run(n, 3, in, &n_out, out, &st));
    assert_non_null(strstr(st.msg, "use_locking"));
    th_node_free(n);

    n = th_node("ResourceApplyGradientDescent");
    th_attr_type(n, "T", MD_DT_FLOAT);
    th_attr_bool(n, "use_locking", false);
    md_status_reset(&st);
    assert_false(th_run(n, 3, in, &n_out, out, &st)); /* not a handle */
    assert_non_null(strstr(st.msg, "ResourceApplyGradientDescent"));
    md_status_reset(&st);
    assert_false(th_run(n, 2, in, &n_out, out, &st));
    assert_non_null(strstr(st.msg, "expects 3 inputs"));
    const struct md_tensor *in2[3] = { &h, &g, &g }; /* alpha not a scalar */
    md_status_reset(&st);
    assert_false(th_run(n, 3, in2, &n_out, out, &st));
    assert_non_null(strstr(st.msg, "alpha must be a DT_FLOAT scalar"));
    const struct md_tensor *in3[3] = { &h, &lr, &h }; /* int delta */
    md_status_reset(&st);
    assert_false(th_run(n, 3, in3, &n_out, out, &st));
    assert_non_null(strstr(st.msg, "delta must be float or double"));
    th_node_free(n);
    md_tensor_cleanup(&h);
    md_tensor_cleanup(&lr);
    md_tensor_cleanup(&g);
}

/* ---------------------------------------------------- models on disk */
static void tmpdir(char *buf, size_t cap)
{
    snprintf(buf, cap, "/tmp/md_test_census_XXXXXX");
    assert_non_null(mkdtemp(buf));
}

static void rm_all(const char *d)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", d);
    assert_int_equal(system(cmd), 0);
}

static bool write_text_model(const char *dir, const char *text, struct md_status *st)
{
    Tensorflow__SavedModel *sm = (Tensorflow__SavedModel *)md_textformat_parse(
        &tensorflow__saved_model__descriptor, text, strlen(text), st);
    if (!sm)
        return false;
    bool ok = md_savedmodel_write(dir, sm, NULL, 0, st);
    protobuf_c_message_free_unpacked(&sm->base, NULL);
    return ok;
}

#define TYPE(k, t) "attr { key: \"" k "\" value { type: " t " } } "
#define NODE(name, op, ...) "node { name: \"" name "\" op: \"" op "\" " __VA_ARGS__ " } "
#define IN(x) "input: \"" x "\" "
#define FCONST(name, shape, vals)                                                             \
    NODE(name, "Const", TYPE("dtype", "DT_FLOAT")                                            \
         "attr { key: \"value\" value { tensor { dtype: DT_FLOAT tensor_shape { " shape       \
         " } " vals " } } } ")

/* A TF1-style training step on a resource variable: the init op assigns
 * w = [1, 2]; signature "train" feeds the gradient g and runs
 * ResourceApplyGradientDescent(w, 0.5, g), then reads w after it. */
static const char *train_model =
    "meta_graphs { meta_info_def { tags: \"serve\" } graph_def { "
    NODE("w", "VarHandleOp", TYPE("dtype", "DT_FLOAT")
         "attr { key: \"shape\" value { shape { dim { size: 2 } } } } "
         "attr { key: \"shared_name\" value { s: \"w\" } } ")
    FCONST("w/Initializer/initial_value", "dim { size: 2 }", "float_val: 1 float_val: 2")
    NODE("w/Assign", "AssignVariableOp", IN("w") IN("w/Initializer/initial_value")
         TYPE("dtype", "DT_FLOAT"))
    NODE("init", "NoOp", IN("^w/Assign"))
    NODE("g", "Placeholder", TYPE("dtype", "DT_FLOAT")
         "attr { key: \"shape\" value { shape { dim { size: 2 } } } } ")
    FCONST("GradientDescent/learning_rate", "", "float_val: 0.5")
    NODE("GradientDescent/update_w/ResourceApplyGradientDescent", "ResourceApplyGradientDescent",
         IN("w") IN("GradientDescent/learning_rate") IN("g") TYPE("T", "DT_FLOAT")
         "attr { key: \"use_locking\" value { b: false } } ")
    NODE("read", "ReadVariableOp", IN("w")
         IN("^GradientDescent/update_w/ResourceApplyGradientDescent") TYPE("dtype", "DT_FLOAT"))
    "} "
    "collection_def { key: \"legacy_init_op\" value { node_list { value: \"init\" } } } "
    "signature_def { key: \"train\" value { "
    "inputs { key: \"g\" value { name: \"g:0\" dtype: DT_FLOAT } } "
    "outputs { key: \"w\" value { name: \"read:0\" dtype: DT_FLOAT } } } } }";

static void test_ragd_model(void **state)
{
    (void)state;
    char base[64], dir[128];
    tmpdir(base, sizeof base);
    snprintf(dir, sizeof dir, "%s/1", base);
    struct md_status st = MD_STATUS_INIT;
    if (!write_text_model(dir, train_model, &st))
        fail_msg("write: %s", st.msg);
    struct md_model *m = md_model_load(dir, NULL, &st);
    if (!m)
        fail_msg("load: %s", st.msg);
    struct md_arena *a = md_arena_new(0, 0, &st);
    assert_non_null(a);
    struct md_tensor g = th_tensor(MD_DT_FLOAT, 1, (int64_t[]){ 2 }, (float[]){ 0.25f, -4.0f });
    struct md_feed feed = { "g", &g };
    const char *want[1] = { "w" };
    /* Two steps: w = [1,2] - 0.5*g, twice. */
    const float expect[2][2] = { { 1 - 0.5f * 0.25f, 2 + 0.5f * 4 },
                                 { 1 - 2 * 0.5f * 0.25f, 2 + 2 * 0.5f * 4 } };
    for (int step = 0; step < 2; step++) {
        struct md_tensor out[1] = { MD_TENSOR_INIT };
        if (!md_model_run(m, "train", &feed, 1, want, 1, out, a, &st))
            fail_msg("run: %s", st.msg);
        assert_int_equal(out[0].dtype, MD_DT_FLOAT);
        assert_int_equal(out[0].rank, 1);
        assert_int_equal(out[0].dims[0], 2);
        for (int i = 0; i < 2; i++)
            assert_float_equal(((const float *)out[0].data)[i], expect[step][i], 1e-6);
        md_tensor_cleanup(&out[0]);
        md_arena_reset(a);
    }
    /* A gradient of the wrong shape is refused naming the variable. */
    struct md_tensor g3 = th_tensor(MD_DT_FLOAT, 1, (int64_t[]){ 3 }, (float[]){ 1, 2, 3 });
    struct md_feed feed3 = { "g", &g3 };
    struct md_tensor out[1] = { MD_TENSOR_INIT };
    md_status_reset(&st);
    assert_false(md_model_run(m, "train", &feed3, 1, want, 1, out, a, &st));
    assert_non_null(strstr(st.msg, "'w'"));
    md_arena_reset(a);
    md_tensor_cleanup(&g);
    md_tensor_cleanup(&g3);
    md_arena_free(a);
    md_model_unref(m);
    rm_all(base);
}

/* ------------------------------------- md_check_model inside functions */
#define FN_NODE(name, op, ...) "node_def { name: \"" name "\" op: \"" op "\" " __VA_ARGS__ " } "
#define FN_FCONST(name, vals)                                                                 \
    FN_NODE(name, "Const", TYPE("dtype", "DT_FLOAT")                                         \
            "attr { key: \"value\" value { tensor { dtype: DT_FLOAT tensor_shape { } " vals   \
            " } } } ")

/* tf.while_loop as TF2 writes it: a StatelessWhile node whose cond and body
 * are library functions; the body adds 1 and passes the counter through
 * BODY_OP (from the body, an If whose then branch runs it too when
 * NESTED). */
#define LOOP_MODEL(BODY_OP)                                                                   \
    "meta_graphs { meta_info_def { tags: \"serve\" } graph_def { "                            \
    NODE("x", "Placeholder", TYPE("dtype", "DT_FLOAT"))                                       \
    NODE("while", "StatelessWhile", IN("x")                                                   \
         "attr { key: \"T\" value { list { type: DT_FLOAT } } } "                             \
         "attr { key: \"cond\" value { func { name: \"while_cond_7\" } } } "                  \
         "attr { key: \"body\" value { func { name: \"while_body_8\" } } } "                  \
         "attr { key: \"parallel_iterations\" value { i: 10 } } ")                            \
    NODE("y", "Identity", IN("while") TYPE("T", "DT_FLOAT"))                                  \
    "library { "                                                                              \
    "function { signature { name: \"while_cond_7\" input_arg { name: \"v\" type: DT_FLOAT } " \
    "output_arg { name: \"identity\" type: DT_BOOL } } "                                      \
    FN_FCONST("Less/y", "float_val: 10")                                                      \
    FN_NODE("Less", "Less", IN("v") IN("Less/y:output:0") TYPE("T", "DT_FLOAT"))              \
    "ret { key: \"identity\" value: \"Less:z:0\" } } "                                        \
    "function { signature { name: \"while_body_8\" input_arg { name: \"v\" type: DT_FLOAT } " \
    "output_arg { name: \"identity\" type: DT_FLOAT } } "                                     \
    FN_FCONST("add/y", "float_val: 1")                                                        \
    FN_NODE("add", "AddV2", IN("v") IN("add/y:output:0") TYPE("T", "DT_FLOAT"))               \
    FN_NODE("foo", BODY_OP, IN("add:z:0") TYPE("T", "DT_FLOAT"))                              \
    FN_NODE("call", "StatefulPartitionedCall", IN("foo:output:0")                             \
            "attr { key: \"Tin\" value { list { type: DT_FLOAT } } } "                        \
            "attr { key: \"Tout\" value { list { type: DT_FLOAT } } } "                       \
            "attr { key: \"f\" value { func { name: \"inner_3\" } } } ")                      \
    "ret { key: \"identity\" value: \"call:output:0\" } } "                                   \
    "function { signature { name: \"inner_3\" input_arg { name: \"a\" type: DT_FLOAT } "      \
    "output_arg { name: \"identity\" type: DT_FLOAT } is_stateful: true } "                   \
    FN_NODE("bar", BODY_OP, IN("a") TYPE("T", "DT_FLOAT"))                                    \
    FN_NODE("again", "StatefulPartitionedCall", IN("bar:output:0")                            \
            "attr { key: \"Tin\" value { list { type: DT_FLOAT } } } "                        \
            "attr { key: \"Tout\" value { list { type: DT_FLOAT } } } "                       \
            "attr { key: \"f\" value { func { name: \"while_body_8\" } } } ")                 \
    "ret { key: \"identity\" value: \"bar:output:0\" } } "                                    \
    "} } "                                                                                    \
    "signature_def { key: \"serving_default\" value { "                                       \
    "inputs { key: \"x\" value { name: \"x:0\" dtype: DT_FLOAT } } "                          \
    "outputs { key: \"y\" value { name: \"y:0\" dtype: DT_FLOAT } } } } }"

static void check_text(const char *text, struct md_check_report *r)
{
    char base[64], dir[128];
    tmpdir(base, sizeof base);
    snprintf(dir, sizeof dir, "%s/1", base);
    struct md_status st = MD_STATUS_INIT;
    if (!write_text_model(dir, text, &st))
        fail_msg("write: %s", st.msg);
    struct md_savedmodel *sm = md_savedmodel_open(dir, "serve", &st);
    if (!sm)
        fail_msg("open: %s", st.msg);
    if (!md_check_model(sm, r, &st))
        fail_msg("check: %s", st.msg);
    md_savedmodel_free(sm);
    rm_all(base);
}

/* The body calls inner_3, which calls the body again (a cycle the walk
 * must survive; the model itself is never loaded). */
static void test_check_while_body(void **state)
{
    (void)state;
    struct md_check_report r;
    check_text(LOOP_MODEL("NoSuchOp"), &r);
    assert_int_equal(r.n_missing, 1);
    assert_string_equal(r.missing[0].op, "NoSuchOp");
    assert_false(r.missing[0].refused);
    assert_string_equal(r.missing[0].nodes, "while_body_8/foo, while_body_8/inner_3/bar");
    assert_string_equal(r.missing[0].needed_by, "serving_default");
    assert_int_equal(r.n_sigs, 1);
    assert_false(r.sigs[0].servable);
    assert_non_null(strstr(r.sigs[0].problem, "needs 'NoSuchOp'"));
    md_check_report_cleanup(&r);

    check_text(LOOP_MODEL("ReadFile"), &r); /* refused ops too */
    assert_int_equal(r.n_missing, 1);
    assert_string_equal(r.missing[0].op, "ReadFile");
    assert_true(r.missing[0].refused);
    md_check_report_cleanup(&r);

    check_text(LOOP_MODEL("Identity"), &r);
    assert_int_equal(r.n_missing, 0);
    assert_true(r.sigs[0].servable);
    md_check_report_cleanup(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bga_golden),
        cmocka_unit_test(test_bga_rejects),
        cmocka_unit_test(test_ragd_kernel_rejects),
        cmocka_unit_test(test_ragd_model),
        cmocka_unit_test(test_check_while_body),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
