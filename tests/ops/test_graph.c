/* The engine on graphs built in C: import, pruning, feeds on non-Placeholder
 * tensors, control dependencies, function inlining (nested calls, ret and
 * control_ret, multi-output args), malformed graphs, the unsupported-op
 * message (through a SavedModel written here), buffer reuse, concurrent
 * runs, the thread pool and TensorProto decoding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attr_value.pb-c.h"
#include "function.pb-c.h"
#include "graph.pb-c.h"
#include "ops/ops_impl.h"
#include "saved_model.pb-c.h"
#include "tests/ops/harness.h"

/* ------------------------------------------------------------ builders */
static void *xcalloc(size_t n)
{
    void *p = calloc(1, n ? n : 1);
    assert_non_null(p);
    return p;
}

/* A node named `name` with inputs (NULL-terminated list). */
static Tensorflow__NodeDef *node(const char *name, const char *op, const char *const *inputs)
{
    Tensorflow__NodeDef *n = th_node(op);
    free(n->name);
    n->name = strdup(name);
    size_t k = 0;
    while (inputs && inputs[k])
        k++;
    n->n_input = k;
    n->input = k ? xcalloc(k * sizeof *n->input) : NULL;
    for (size_t i = 0; i < k; i++)
        n->input[i] = strdup(inputs[i]);
    return n;
}

#define IN(...) ((const char *const[]){ __VA_ARGS__, NULL })

static Tensorflow__NodeDef *placeholder(const char *name, enum md_dtype dt)
{
    Tensorflow__NodeDef *n = node(name, "Placeholder", NULL);
    th_attr_type(n, "dtype", dt);
    return n;
}

static Tensorflow__NodeDef *identity(const char *name, const char *const *inputs)
{
    Tensorflow__NodeDef *n = node(name, "Identity", inputs);
    th_attr_type(n, "T", MD_DT_FLOAT);
    return n;
}

static Tensorflow__NodeDef *const_f32(const char *name, float v)
{
    Tensorflow__NodeDef *n = node(name, "Const", NULL);
    th_attr_type(n, "dtype", MD_DT_FLOAT);
    Tensorflow__TensorProto *p = xcalloc(sizeof *p);
    tensorflow__tensor_proto__init(p);
    p->dtype = TENSORFLOW__DATA_TYPE__DT_FLOAT;
    p->n_float_val = 1;
    p->float_val = xcalloc(sizeof(float));
    p->float_val[0] = v;
    th_attr_tensor(n, "value", p);
    return n;
}

static void attr_func(Tensorflow__NodeDef *n, const char *key, const char *fname)
{
    Tensorflow__NodeDef__AttrEntry *e = xcalloc(sizeof *e);
    tensorflow__node_def__attr_entry__init(e);
    e->key = strdup(key);
    e->value = xcalloc(sizeof *e->value);
    tensorflow__attr_value__init(e->value);
    e->value->value_case = TENSORFLOW__ATTR_VALUE__VALUE_FUNC;
    e->value->func = xcalloc(sizeof *e->value->func);
    tensorflow__name_attr_list__init(e->value->func);
    e->value->func->name = strdup(fname);
    n->attr = realloc(n->attr, (n->n_attr + 1) * sizeof *n->attr);
    n->attr[n->n_attr++] = e;
}

static Tensorflow__NodeDef *call(const char *name, const char *op, const char *fname,
                                 const char *const *inputs)
{
    Tensorflow__NodeDef *n = node(name, op, inputs);
    attr_func(n, "f", fname);
    return n;
}

static Tensorflow__GraphDef *graph(Tensorflow__NodeDef **nodes, size_t n)
{
    Tensorflow__GraphDef *g = xcalloc(sizeof *g);
    tensorflow__graph_def__init(g);
    g->n_node = n;
    g->node = xcalloc(n * sizeof *g->node);
    memcpy(g->node, nodes, n * sizeof *nodes);
    return g;
}

static Tensorflow__OpDef__ArgDef *arg(const char *name)
{
    Tensorflow__OpDef__ArgDef *a = xcalloc(sizeof *a);
    tensorflow__op_def__arg_def__init(a);
    a->name = strdup(name);
    a->type = TENSORFLOW__DATA_TYPE__DT_FLOAT;
    return a;
}

/* A function: args "in0,in1", outputs "out0,...", body, rets (value per
 * output), control rets. */
static Tensorflow__FunctionDef *function(const char *name, const char *const *ins,
                                         const char *const *outs, const char *const *rets,
                                         Tensorflow__NodeDef **body, size_t n_body,
                                         const char *const *cret)
{
    Tensorflow__FunctionDef *f = xcalloc(sizeof *f);
    tensorflow__function_def__init(f);
    f->signature = xcalloc(sizeof *f->signature);
    tensorflow__op_def__init(f->signature);
    f->signature->name = strdup(name);
    size_t ni = 0, no = 0, nc = 0;
    while (ins && ins[ni])
        ni++;
    while (outs && outs[no])
        no++;
    while (cret && cret[nc])
        nc++;
    f->signature->n_input_arg = ni;
    f->signature->input_arg = xcalloc(ni * sizeof(void *));
    for (size_t i = 0; i < ni; i++)
        f->signature->input_arg[i] = arg(ins[i]);
    f->signature->n_output_arg = no;
    f->signature->output_arg = xcalloc(no * sizeof(void *));
    f->n_ret = no;
    f->ret = xcalloc(no * sizeof *f->ret);
    for (size_t i = 0; i < no; i++) {
        f->signature->output_arg[i] = arg(outs[i]);
        f->ret[i] = xcalloc(sizeof *f->ret[i]);
        tensorflow__function_def__ret_entry__init(f->ret[i]);
        f->ret[i]->key = strdup(outs[i]);
        f->ret[i]->value = strdup(rets[i]);
    }
    f->n_control_ret = nc;
    f->control_ret = xcalloc(nc * sizeof *f->control_ret);
    for (size_t i = 0; i < nc; i++) {
        f->control_ret[i] = xcalloc(sizeof *f->control_ret[i]);
        tensorflow__function_def__control_ret_entry__init(f->control_ret[i]);
        f->control_ret[i]->key = strdup(cret[i]);
        f->control_ret[i]->value = strdup(cret[i]);
    }
    f->n_node_def = n_body;
    f->node_def = xcalloc(n_body * sizeof *f->node_def);
    memcpy(f->node_def, body, n_body * sizeof *body);
    return f;
}

static void add_function(Tensorflow__GraphDef *g, Tensorflow__FunctionDef *f)
{
    if (!g->library) {
        g->library = xcalloc(sizeof *g->library);
        tensorflow__function_def_library__init(g->library);
    }
    g->library->function =
        realloc(g->library->function, (g->library->n_function + 1) * sizeof(void *));
    g->library->function[g->library->n_function++] = f;
}

static void graph_free(Tensorflow__GraphDef *g)
{
    tensorflow__graph_def__free_unpacked(g, NULL);
}

static struct md_tensor scalar(float v)
{
    return th_scalar_f32(v);
}

/* ------------------------------------------------------- run a graph */
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
    e->g = md_graph_import(gd, NULL, st);
    if (!e->g)
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

static bool engine_run(struct engine *e, const struct md_tensor *const *feeds,
                       struct md_tensor *out, struct md_arena *a, struct md_status *st)
{
    return md_plan_run(e->p, e->g, &e->env, feeds, out, a, st);
}

static void engine_free(struct engine *e)
{
    md_plan_free(e->p);
    md_graph_free(e->g);
    md_varstore_free(e->vs);
}

/* --------------------------------------------------------------- tests */
static void test_feed_identity_prunes(void **state)
{
    (void)state;
    Tensorflow__NodeDef *n[] = {
        placeholder("x", MD_DT_FLOAT), identity("ix", IN("x")), identity("y", IN("ix:0")),
        placeholder("u", MD_DT_FLOAT), identity("w", IN("u")),
    };
    Tensorflow__GraphDef *gd = graph(n, 5);
    struct md_status st = MD_STATUS_INIT;
    struct engine e;
    assert_true(engine_plan(&e, gd, IN("ix:0"), 1, IN("y:0"), 1, &st));
    assert_int_equal(e.p->n_steps, 1); /* only y: x and ix are cut off */
    assert_int_equal(e.p->feed_dtype[0], MD_DT_FLOAT);
    struct md_arena *a = md_arena_new(0, 0, &st);
    struct md_tensor x = scalar(7), out = MD_TENSOR_INIT;
    const struct md_tensor *f[1] = { &x };
    assert_true(engine_run(&e, f, &out, a, &st));
    assert_float_equal(*(float *)out.data, 7, 0);
    md_tensor_cleanup(&out);
    engine_free(&e);
    /* Fetching from an unfed placeholder fails with TF's message. */
    assert_true(engine_plan(&e, gd, NULL, 0, IN("w:0"), 1, &st));
    assert_false(engine_run(&e, NULL, &out, a, &st));
    assert_int_equal(st.code, MD_INVALID_ARGUMENT);
    assert_non_null(strstr(st.msg, "You must feed a value for placeholder tensor 'u'"));
    engine_free(&e);
    /* Fetching a fed tensor returns the feed. */
    md_status_reset(&st);
    assert_true(engine_plan(&e, gd, IN("x:0"), 1, IN("x:0"), 1, &st));
    assert_int_equal(e.p->n_steps, 0);
    assert_true(engine_run(&e, f, &out, a, &st));
    assert_float_equal(*(float *)out.data, 7, 0);
    md_tensor_cleanup(&out);
    engine_free(&e);
    md_tensor_cleanup(&x);
    md_arena_free(a);
    graph_free(gd);
}

static Tensorflow__NodeDef *variable(const char *name)
{
    Tensorflow__NodeDef *n = node(name, "VariableV2", NULL);
    th_attr_type(n, "dtype", MD_DT_FLOAT);
    th_attr_shape(n, "shape", 0, NULL);
    return n;
}

static void test_control_deps_and_variables(void **state)
{
    (void)state;
    Tensorflow__NodeDef *asg = node("assign", "Assign", IN("v", "five"));
    th_attr_type(asg, "T", MD_DT_FLOAT);
    Tensorflow__NodeDef *n[] = {
        variable("v"), const_f32("five", 5), asg,
        identity("read_after", IN("v", "^assign")), identity("read", IN("v")),
    };
    Tensorflow__GraphDef *gd = graph(n, 5);
    struct md_status st = MD_STATUS_INIT;
    struct md_arena *a = md_arena_new(0, 0, &st);
    struct md_tensor out = MD_TENSOR_INIT;
    struct engine e;
    /* Without the control dependency the variable is uninitialised. */
    assert_true(engine_plan(&e, gd, NULL, 0, IN("read:0"), 1, &st));
    assert_false(engine_run(&e, NULL, &out, a, &st));
    assert_int_equal(st.code, MD_FAILED_PRECONDITION);
    assert_non_null(strstr(st.msg, "Attempting to use uninitialized value v"));
    engine_free(&e);
    md_status_reset(&st);
    /* ^assign runs first: the read sees 5. */
    assert_true(engine_plan(&e, gd, NULL, 0, IN("read_after:0"), 1, &st));
    assert_true(engine_run(&e, NULL, &out, a, &st));
    assert_float_equal(*(float *)out.data, 5, 0);
    md_tensor_cleanup(&out);
    engine_free(&e);
    md_arena_free(a);
    graph_free(gd);
}

/* inner(a, b) -> (o1 = b, o2 = a) via IdentityN; outer(x, y) -> r = inner(x, y)[1]
 * through a nested PartitionedCall; top: s = StatefulPartitionedCall(p, q). */
static Tensorflow__GraphDef *call_graph(void)
{
    Tensorflow__NodeDef *idn = node("idn", "IdentityN", IN("b", "a"));
    th_attr_list_type(idn, "T", 2, (enum md_dtype[]){ MD_DT_FLOAT, MD_DT_FLOAT });
    Tensorflow__NodeDef *noop = node("side", "NoOp", NULL);
    Tensorflow__NodeDef *ib[] = { idn, noop };
    Tensorflow__FunctionDef *inner =
        function("inner", IN("a", "b"), IN("o1", "o2"), IN("idn:output:0", "idn:output:1"), ib, 2,
                 IN("side"));
    Tensorflow__NodeDef *c = call("call", "PartitionedCall", "inner", IN("x", "y"));
    Tensorflow__NodeDef *r = identity("r", IN("call:output:1", "^call"));
    Tensorflow__NodeDef *ob[] = { c, r };
    Tensorflow__FunctionDef *outer = function("outer", IN("x", "y"), IN("res", "pass"),
                                              IN("r:output:0", "y"), ob, 2, NULL);
    Tensorflow__NodeDef *n[] = {
        placeholder("p", MD_DT_FLOAT), placeholder("q", MD_DT_FLOAT),
        call("s", "StatefulPartitionedCall", "outer", IN("p", "q")),
        identity("out", IN("s")), identity("out1", IN("s:1")),
        /* direct call of a library function by op name */
        node("direct", "inner", IN("p", "q")), identity("d1", IN("direct:1")),
    };
    Tensorflow__GraphDef *gd = graph(n, 7);
    add_function(gd, inner);
    add_function(gd, outer);
    return gd;
}

static void test_function_inlining(void **state)
{
    (void)state;
    Tensorflow__GraphDef *gd = call_graph();
    struct md_status st = MD_STATUS_INIT;
    struct engine e;
    assert_true(engine_plan(&e, gd, IN("p:0", "q:0"), 2, IN("out:0", "out1:0", "s:0", "d1:0"), 4,
                            &st));
    assert_true(md_graph_find(e.g, "s/call/idn") >= 0);
    assert_true(md_graph_find(e.g, "direct/idn") >= 0);
    struct md_arena *a = md_arena_new(0, 0, &st);
    struct md_tensor p = scalar(1), q = scalar(2), out[4];
    const struct md_tensor *f[2] = { &p, &q };
    assert_true(engine_run(&e, f, out, a, &st));
    assert_float_equal(*(float *)out[0].data, 1, 0); /* r = inner(p, q).o2 = p */
    assert_float_equal(*(float *)out[1].data, 2, 0); /* pass-through arg y = q */
    assert_float_equal(*(float *)out[2].data, 1, 0);
    assert_float_equal(*(float *)out[3].data, 1, 0);
    for (int i = 0; i < 4; i++)
        md_tensor_cleanup(&out[i]);
    /* The join node "s" makes "^s" wait for the whole call, control rets too. */
    struct md_edge edge;
    assert_true(md_graph_tensor(e.g, "s:0", &edge, &st));
    assert_string_equal(e.g->nodes[edge.node].name, "s/r");
    const struct md_gnode *join = &e.g->nodes[md_graph_find(e.g, "s")];
    assert_true(join->is_call);
    bool has_side = false;
    int inner_join = md_graph_find(e.g, "s/call");
    const struct md_gnode *ij = &e.g->nodes[inner_join];
    for (int i = 0; i < ij->n_ctrl; i++)
        has_side |= !strcmp(e.g->nodes[ij->ctrl[i]].name, "s/call/side");
    assert_true(has_side);
    engine_free(&e);
    md_tensor_cleanup(&p);
    md_tensor_cleanup(&q);
    md_arena_free(a);
    graph_free(gd);
}

static void test_recursive_function(void **state)
{
    (void)state;
    Tensorflow__NodeDef *b[] = { call("again", "PartitionedCall", "rec", IN("a")) };
    Tensorflow__FunctionDef *rec = function("rec", IN("a"), IN("o"), IN("again:output:0"), b, 1,
                                            NULL);
    Tensorflow__NodeDef *n[] = { placeholder("p", MD_DT_FLOAT),
                                 call("c", "PartitionedCall", "rec", IN("p")) };
    Tensorflow__GraphDef *gd = graph(n, 2);
    add_function(gd, rec);
    struct md_status st = MD_STATUS_INIT;
    assert_null(md_graph_import(gd, NULL, &st));
    assert_int_equal(st.code, MD_INVALID_ARGUMENT);
    assert_non_null(strstr(st.msg, "nested deeper"));
    graph_free(gd);
    /* A call of a function that is not in the library. */
    Tensorflow__NodeDef *m[] = { call("c", "PartitionedCall", "nope", NULL) };
    gd = graph(m, 1);
    md_status_reset(&st);
    assert_null(md_graph_import(gd, NULL, &st));
    assert_non_null(strstr(st.msg, "'nope'"));
    graph_free(gd);
}

static void test_malformed_graphs(void **state)
{
    (void)state;
    struct md_status st = MD_STATUS_INIT;
    Tensorflow__NodeDef *n1[] = { identity("a", IN("missing")) };
    Tensorflow__GraphDef *gd = graph(n1, 1);
    assert_null(md_graph_import(gd, NULL, &st));
    assert_non_null(strstr(st.msg, "node 'a': input 'missing' names no node"));
    graph_free(gd);

    md_status_reset(&st);
    Tensorflow__NodeDef *n2[] = { identity("a", NULL), identity("a", NULL) };
    gd = graph(n2, 2);
    assert_null(md_graph_import(gd, NULL, &st));
    assert_non_null(strstr(st.msg, "two nodes named 'a'"));
    graph_free(gd);

    md_status_reset(&st);
    Tensorflow__NodeDef *n3[] = { identity("a", IN("b")), identity("b", IN("a")) };
    gd = graph(n3, 2);
    struct engine e;
    assert_false(engine_plan(&e, gd, NULL, 0, IN("a:0"), 1, &st));
    assert_non_null(strstr(st.msg, "cycle"));
    engine_free(&e);
    graph_free(gd);

    md_status_reset(&st);
    Tensorflow__NodeDef *n4[] = { const_f32("c", 1), identity("a", IN("c:3")) };
    gd = graph(n4, 2);
    assert_false(engine_plan(&e, gd, NULL, 0, IN("a:0"), 1, &st));
    assert_non_null(strstr(st.msg, "reads output 3 of 'c', which has 1 output"));
    engine_free(&e);
    graph_free(gd);

    md_status_reset(&st);
    Tensorflow__NodeDef *n5[] = { const_f32("c", 1) };
    gd = graph(n5, 1);
    assert_false(engine_plan(&e, gd, NULL, 0, IN("nothere:0"), 1, &st));
    assert_int_equal(st.code, MD_NOT_FOUND);
    engine_free(&e);
    graph_free(gd);
}

/* ----------------------------------------- SavedModel written here */
static Tensorflow__TensorInfo *tinfo(const char *name)
{
    Tensorflow__TensorInfo *t = xcalloc(sizeof *t);
    tensorflow__tensor_info__init(t);
    t->encoding_case = TENSORFLOW__TENSOR_INFO__ENCODING_NAME;
    t->name = strdup(name);
    t->dtype = TENSORFLOW__DATA_TYPE__DT_FLOAT;
    return t;
}

/* A SavedModel (tag serve) with gd and one signature "sig": input "x" is
 * tensor x, outputs aliases[i] are tensors names[i] (aliases sorted). */
static char *write_model_outs(Tensorflow__GraphDef *gd, const char *x, size_t n_out,
                              const char *const *aliases, const char *const *names)
{
    char tmpl[] = "/tmp/md_test_graph_XXXXXX";
    char *base = mkdtemp(tmpl);
    assert_non_null(base);
    char *dir = xcalloc(strlen(base) + 8);
    sprintf(dir, "%s/m", base);
    Tensorflow__SavedModel sm;
    tensorflow__saved_model__init(&sm);
    Tensorflow__MetaGraphDef mg;
    tensorflow__meta_graph_def__init(&mg);
    Tensorflow__MetaGraphDef__MetaInfoDef mi;
    tensorflow__meta_graph_def__meta_info_def__init(&mi);
    char *tags[1] = { (char *)(uintptr_t) "serve" };
    mi.n_tags = 1;
    mi.tags = tags;
    mg.meta_info_def = &mi;
    mg.graph_def = gd;
    Tensorflow__SignatureDef sd;
    tensorflow__signature_def__init(&sd);
    Tensorflow__SignatureDef__InputsEntry ie;
    tensorflow__signature_def__inputs_entry__init(&ie);
    Tensorflow__SignatureDef__OutputsEntry oe[4];
    Tensorflow__SignatureDef__OutputsEntry *oes[4];
    assert_true(n_out <= 4);
    ie.key = (char *)(uintptr_t) "x";
    ie.value = tinfo(x);
    for (size_t i = 0; i < n_out; i++) {
        tensorflow__signature_def__outputs_entry__init(&oe[i]);
        oe[i].key = (char *)(uintptr_t)aliases[i];
        oe[i].value = tinfo(names[i]);
        oes[i] = &oe[i];
    }
    Tensorflow__SignatureDef__InputsEntry *ies[1] = { &ie };
    sd.n_inputs = 1;
    sd.inputs = ies;
    sd.n_outputs = n_out;
    sd.outputs = oes;
    sd.method_name = (char *)(uintptr_t) "tensorflow/serving/predict";
    Tensorflow__MetaGraphDef__SignatureDefEntry se;
    tensorflow__meta_graph_def__signature_def_entry__init(&se);
    se.key = (char *)(uintptr_t) "sig";
    se.value = &sd;
    Tensorflow__MetaGraphDef__SignatureDefEntry *ses[1] = { &se };
    mg.n_signature_def = 1;
    mg.signature_def = ses;
    Tensorflow__MetaGraphDef *mgs[1] = { &mg };
    sm.n_meta_graphs = 1;
    sm.meta_graphs = mgs;
    struct md_status st = MD_STATUS_INIT;
    bool ok = md_savedmodel_write(dir, &sm, NULL, 0, &st);
    if (!ok)
        fprintf(stderr, "write: %s\n", st.msg);
    assert_true(ok);
    protobuf_c_message_free_unpacked(&ie.value->base, NULL);
    for (size_t i = 0; i < n_out; i++)
        protobuf_c_message_free_unpacked(&oe[i].value->base, NULL);
    return dir;
}

/* A SavedModel (tag serve) with gd and one signature "sig": x -> y. */
static char *write_model(Tensorflow__GraphDef *gd, const char *x, const char *y)
{
    return write_model_outs(gd, x, 1, IN("y"), IN(y));
}

static void remove_model(char *dir)
{
    char cmd[4200];
    *strrchr(dir, '/') = '\0'; /* the mkdtemp directory */
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    free(dir);
}

static void test_unsupported_ops_listed(void **state)
{
    (void)state;
    Tensorflow__NodeDef *n[] = {
        placeholder("x", MD_DT_FLOAT), node("foo1", "FooOp", IN("x")),
        node("foo2", "FooOp", IN("foo1")), node("bar", "BarOp", IN("foo2")),
        identity("y", IN("bar")), node("unused", "BazOp", IN("x")),
    };
    Tensorflow__GraphDef *gd = graph(n, 6);
    char *dir = write_model(gd, "x:0", "y:0");
    struct md_status st = MD_STATUS_INIT;
    struct md_model *m = md_model_load(dir, NULL, &st);
    assert_null(m);
    assert_int_equal(st.code, MD_UNIMPLEMENTED);
    assert_non_null(strstr(st.msg, "2 unsupported ops"));
    assert_non_null(strstr(st.msg, "'BarOp' (node bar)"));
    assert_non_null(strstr(st.msg, "'FooOp' (nodes foo1, foo2)"));
    assert_null(strstr(st.msg, "BazOp")); /* not needed by any signature */
    md_status_reset(&st);
    struct md_savedmodel *sm = md_savedmodel_open(dir, "serve", &st);
    assert_non_null(sm);
    struct md_unsupported *u;
    size_t k = md_model_check_ops(sm, &u);
    assert_int_equal(k, 2);
    assert_string_equal(u[0].op, "BarOp");
    assert_string_equal(u[1].op, "FooOp");
    assert_string_equal(u[1].nodes, "foo1, foo2");
    md_unsupported_free(u, k);
    md_savedmodel_free(sm);
    remove_model(dir);
    graph_free(gd);
}

/* Ops that reach files or processes are refused at load, by name. */
static void test_refused_ops(void **state)
{
    (void)state;
    Tensorflow__NodeDef *n[] = {
        placeholder("x", MD_DT_STRING), node("rf", "ReadFile", IN("x")),
        node("pf", "PyFunc", IN("rf")), identity("y", IN("pf")),
    };
    Tensorflow__GraphDef *gd = graph(n, 4);
    char *dir = write_model(gd, "x:0", "y:0");
    struct md_status st = MD_STATUS_INIT;
    assert_null(md_model_load(dir, NULL, &st));
    assert_int_equal(st.code, MD_UNIMPLEMENTED);
    assert_non_null(strstr(st.msg, "'PyFunc' is refused for safety (node pf)"));
    assert_non_null(strstr(st.msg, "'ReadFile' is refused for safety (node rf)"));
    /* An engine without the model's check refuses them at kernel init. */
    md_status_reset(&st);
    struct engine e;
    assert_false(engine_plan(&e, gd, IN("x:0"), 1, IN("y:0"), 1, &st));
    assert_non_null(strstr(st.msg, "refused for safety"));
    engine_free(&e);
    remove_model(dir);
    graph_free(gd);
}

/* output_filter: a subset of outputs runs only what it needs (here the
 * other output needs an unfed placeholder, so running it fails), through a
 * plan built once per subset. */
static void test_output_filter_prunes(void **state)
{
    (void)state;
    if (!md_op_lookup("Neg")) {
        skip();
        return;
    }
    Tensorflow__NodeDef *n[] = {
        placeholder("x", MD_DT_FLOAT), node("a", "Neg", IN("x")),
        placeholder("q", MD_DT_FLOAT), identity("b", IN("q")),
    };
    th_attr_type(n[1], "T", MD_DT_FLOAT);
    Tensorflow__GraphDef *gd = graph(n, 4);
    char *dir = write_model_outs(gd, "x:0", 2, IN("a", "b"), IN("a:0", "b:0"));
    struct md_status st = MD_STATUS_INIT;
    struct md_model *m = md_model_load(dir, NULL, &st);
    assert_non_null(m);
    struct md_arena *a = md_arena_new(0, 0, &st);
    struct md_tensor x = scalar(3), out[2] = { MD_TENSOR_INIT, MD_TENSOR_INIT };
    struct md_feed f = { "x", &x };
    assert_false(md_model_run(m, "sig", &f, 1, NULL, 0, out, a, &st)); /* all: needs q */
    md_status_reset(&st);
    size_t before = md_model_memory_bytes(m);
    for (int i = 0; i < 3; i++) {
        assert_true(md_model_run(m, "sig", &f, 1, IN("a"), 1, out, a, &st));
        assert_float_equal(*(float *)out[0].data, -3, 0);
        md_tensor_cleanup(&out[0]);
        md_arena_reset(a);
    }
    size_t after = md_model_memory_bytes(m);
    assert_true(after > before); /* one cached plan ... */
    assert_true(md_model_run(m, "sig", &f, 1, IN("a"), 1, out, a, &st));
    md_tensor_cleanup(&out[0]);
    assert_int_equal(md_model_memory_bytes(m), after); /* ... reused */
    assert_false(md_model_run(m, "sig", &f, 1, IN("b", "a"), 2, out, a, &st));
    assert_non_null(strstr(st.msg, "'q'"));
    md_tensor_cleanup(&x);
    md_arena_free(a);
    md_model_unref(m);
    remove_model(dir);
    graph_free(gd);
}

/* A model written here loads and runs end to end through a function call. */
static void test_model_with_calls(void **state)
{
    (void)state;
    Tensorflow__GraphDef *gd = call_graph();
    char *dir = write_model(gd, "p:0", "out:0");
    struct md_status st = MD_STATUS_INIT;
    struct md_model *m = md_model_load(dir, NULL, &st);
    /* q is needed (the call consumes it) but the signature does not feed it */
    assert_non_null(m);
    struct md_arena *a = md_arena_new(0, 0, &st);
    struct md_tensor x = scalar(3), out = MD_TENSOR_INIT;
    struct md_feed f = { "x", &x };
    assert_false(md_model_run(m, "sig", &f, 1, NULL, 0, &out, a, &st));
    assert_non_null(strstr(st.msg, "placeholder tensor 'q'"));
    md_tensor_cleanup(&x);
    md_arena_free(a);
    md_model_unref(m);
    remove_model(dir);
    graph_free(gd);
}

/* Dead values' buffers are recycled: a chain of 12 Neg over 1 MiB needs
 * about 2 MiB of arena, not 12. */
static void test_buffer_reuse(void **state)
{
    (void)state;
    if (!md_op_lookup("Neg")) {
        skip();
        return;
    }
    Tensorflow__NodeDef *n[13];
    n[0] = placeholder("x", MD_DT_FLOAT);
    char names[13][16];
    for (int i = 1; i < 13; i++) {
        snprintf(names[i], sizeof names[i], "n%d", i);
        n[i] = node(names[i], "Neg", IN(i == 1 ? "x" : names[i - 1]));
        th_attr_type(n[i], "T", MD_DT_FLOAT);
    }
    Tensorflow__GraphDef *gd = graph(n, 13);
    struct md_status st = MD_STATUS_INIT;
    struct engine e;
    assert_true(engine_plan(&e, gd, IN("x:0"), 1, IN("n12:0"), 1, &st));
    struct md_arena *a = md_arena_new(0, 0, &st);
    struct md_tensor x = MD_TENSOR_INIT, out = MD_TENSOR_INIT;
    int64_t dims[1] = { 1 << 18 };
    assert_true(md_tensor_alloc(&x, MD_DT_FLOAT, 1, dims, 0, &st));
    ((float *)x.data)[5] = 2;
    const struct md_tensor *f[1] = { &x };
    assert_true(engine_run(&e, f, &out, a, &st));
    assert_float_equal(((float *)out.data)[5], 2, 0);
    size_t peak = md_arena_peak(a);
    fprintf(stderr, "12 x Neg over 1 MiB: arena peak %zu bytes\n", peak);
    assert_true(peak < 3u << 20);
    md_tensor_cleanup(&out);
    md_tensor_cleanup(&x);
    md_arena_free(a);
    engine_free(&e);
    graph_free(gd);
}

/* A negation that forwards its input's buffer when allowed. */
static bool neg_inplace_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    const struct md_tensor *x = k->inputs[0];
    if (!md_kernel_output_reuse(k, 0, 0, x->dtype, x->rank, x->dims, st))
        return false;
    const float *in = x->data;
    float *out = k->outputs[0].data;
    for (int64_t i = 0; i < md_tensor_num_elements(x); i++)
        out[i] = -in[i];
    return true;
}

static const struct md_op_def neg_inplace = { .tf_name = "NegInPlace",
                                              .compute = neg_inplace_compute };

/* With buffer forwarding the chain runs in the one buffer it allocates;
 * a value another node still reads is never overwritten. */
static void test_buffer_forwarding(void **state)
{
    (void)state;
    Tensorflow__NodeDef *n[14];
    n[0] = placeholder("x", MD_DT_FLOAT);
    char names[13][16];
    for (int i = 1; i < 13; i++) {
        snprintf(names[i], sizeof names[i], "n%d", i);
        n[i] = node(names[i], "NegInPlace", IN(i == 1 ? "x" : names[i - 1]));
    }
    n[13] = identity("keep", IN("n6")); /* n6 is read twice: n7 and keep */
    Tensorflow__GraphDef *gd = graph(n, 14);
    struct md_status st = MD_STATUS_INIT;
    struct md_graph *g = md_graph_import(gd, NULL, &st);
    assert_non_null(g);
    for (int i = 0; i < g->n_nodes; i++)
        if (!strcmp(g->nodes[i].def->op, "NegInPlace"))
            g->nodes[i].op = &neg_inplace;
    struct md_plan_spec spec = { IN("x:0"), 1, IN("n12:0", "keep:0"), 2, true };
    struct md_plan_need need;
    assert_true(md_plan_need(g, &spec, &need, &st));
    assert_true(md_graph_init_nodes(g, need.nodes, NULL, &st));
    struct md_plan *p = md_plan_build(g, &spec, &need, &st);
    assert_non_null(p);
    md_plan_need_cleanup(&need);
    struct md_arena *a = md_arena_new(0, 0, &st);
    struct md_tensor x = MD_TENSOR_INIT, out[2] = { MD_TENSOR_INIT, MD_TENSOR_INIT };
    int64_t dims[1] = { 1 << 18 };
    assert_true(md_tensor_alloc(&x, MD_DT_FLOAT, 1, dims, 0, &st));
    ((float *)x.data)[5] = 2;
    const struct md_tensor *f[1] = { &x };
    assert_true(md_plan_run(p, g, NULL, f, out, a, &st));
    assert_float_equal(((float *)out[0].data)[5], 2, 0);   /* 12 negations */
    assert_float_equal(((float *)out[1].data)[5], 2, 0);   /* n6: 6 negations */
    assert_float_equal(((float *)x.data)[5], 2, 0);        /* the feed is untouched */
    size_t peak = md_arena_peak(a);
    fprintf(stderr, "12 x in-place Neg over 1 MiB: arena peak %zu bytes\n", peak);
    assert_true(peak < (2u << 20) + (1u << 18));
    md_tensor_cleanup(&out[0]);
    md_tensor_cleanup(&out[1]);
    md_plan_free(p);
    /* Only n12 fetched: the whole chain runs in one buffer. */
    struct md_plan_spec one = { IN("x:0"), 1, IN("n12:0"), 1, true };
    assert_true(md_plan_need(g, &one, &need, &st));
    p = md_plan_build(g, &one, &need, &st);
    assert_non_null(p);
    md_plan_need_cleanup(&need);
    struct md_arena *a1 = md_arena_new(0, 0, &st);
    assert_true(md_plan_run(p, g, NULL, f, out, a1, &st));
    assert_float_equal(((float *)out[0].data)[5], 2, 0);
    fprintf(stderr, "same, one fetch: arena peak %zu bytes\n", md_arena_peak(a1));
    assert_true(md_arena_peak(a1) < (1u << 20) + (1u << 16));
    md_tensor_cleanup(&out[0]);
    md_arena_free(a1);
    md_tensor_cleanup(&x);
    md_arena_free(a);
    md_plan_free(p);
    md_graph_free(g);
    graph_free(gd);
}

struct thr {
    struct engine *e;
    int id, failures;
};

static void *run_thread(void *p)
{
    struct thr *t = p;
    struct md_status st = MD_STATUS_INIT;
    struct md_arena *a = md_arena_new(0, 0, &st);
    for (int i = 0; i < 500; i++) {
        struct md_tensor pv = scalar((float)(t->id * 1000 + i)), qv = scalar(-1), out[4];
        const struct md_tensor *f[2] = { &pv, &qv };
        if (!engine_run(t->e, f, out, a, &st) || *(float *)out[0].data != t->id * 1000 + i)
            t->failures++;
        else
            for (int k = 0; k < 4; k++)
                md_tensor_cleanup(&out[k]);
        md_tensor_cleanup(&pv);
        md_tensor_cleanup(&qv);
        md_arena_reset(a);
    }
    md_arena_free(a);
    return NULL;
}

static void test_concurrent_runs(void **state)
{
    (void)state;
    Tensorflow__GraphDef *gd = call_graph();
    struct md_status st = MD_STATUS_INIT;
    struct engine e;
    assert_true(engine_plan(&e, gd, IN("p:0", "q:0"), 2, IN("out:0", "out1:0", "s:0", "d1:0"), 4,
                            &st));
    pthread_t th[6];
    struct thr t[6];
    for (int i = 0; i < 6; i++) {
        t[i] = (struct thr){ &e, i, 0 };
        assert_int_equal(pthread_create(&th[i], NULL, run_thread, &t[i]), 0);
    }
    for (int i = 0; i < 6; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(t[i].failures, 0);
    }
    engine_free(&e);
    graph_free(gd);
}

/* ------------------------------------------------------- thread pool */
struct sum_job {
    struct md_threadpool *p;
    _Atomic int64_t sum;
};

static void add_range(void *arg, int64_t b, int64_t e)
{
    struct sum_job *j = arg;
    int64_t s = 0;
    for (int64_t i = b; i < e; i++)
        s += i;
    atomic_fetch_add(&j->sum, s);
}

static void nested_range(void *arg, int64_t b, int64_t e)
{
    struct sum_job *j = arg;
    for (int64_t i = b; i < e; i++)
        md_threadpool_for(j->p, 1000, 10, add_range, j);
}

static void *pool_user(void *arg)
{
    struct sum_job *j = arg;
    for (int i = 0; i < 200; i++)
        md_threadpool_for(j->p, 10000, 1, add_range, j);
    return NULL;
}

static void test_threadpool(void **state)
{
    (void)state;
    struct md_status st = MD_STATUS_INIT;
    struct md_threadpool *p = md_threadpool_new(3, &st);
    assert_non_null(p);
    assert_int_equal(md_threadpool_size(p), 3);
    struct sum_job j = { .p = p };
    atomic_init(&j.sum, 0);
    md_threadpool_for(p, 100000, 1, add_range, &j);
    assert_int_equal(atomic_load(&j.sum), (int64_t)100000 * 99999 / 2);
    atomic_store(&j.sum, 0);
    md_threadpool_for(p, 8, 1, nested_range, &j); /* nested loops do not deadlock */
    assert_int_equal(atomic_load(&j.sum), (int64_t)8 * 1000 * 999 / 2);
    atomic_store(&j.sum, 0);
    pthread_t th[4];
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&th[i], NULL, pool_user, &j), 0);
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    assert_int_equal(atomic_load(&j.sum), (int64_t)4 * 200 * 10000 * 9999 / 2);
    md_threadpool_free(p);
    md_threadpool_for(NULL, 10, 1, add_range, &j); /* no pool: serial */
}

/* Every model shares the one process-wide kernel pool; its size is decided
 * once. Concurrent users with nested loops all finish. */
static void test_shared_pool(void **state)
{
    (void)state;
    struct md_status st = MD_STATUS_INIT;
    assert_true(md_ops_init(3, &st));
    int n = md_ops_threads();
    assert_true(n >= 1);
    assert_true(md_ops_init(n + 5, &st)); /* ignored: already decided */
    assert_int_equal(md_ops_threads(), n);
    struct md_threadpool *p1, *p2;
    assert_true(md_threadpool_shared(1, &p1, &st));
    assert_true(md_threadpool_shared(16, &p2, &st));
    assert_ptr_equal(p1, p2);
    assert_int_equal(md_threadpool_size(p1), n - 1);
    if (!p1)
        return;
    struct sum_job j = { .p = p1 };
    atomic_init(&j.sum, 0);
    pthread_t th[6];
    for (int i = 0; i < 6; i++)
        assert_int_equal(pthread_create(&th[i], NULL, pool_user, &j), 0);
    md_threadpool_for(p1, 8, 1, nested_range, &j);
    for (int i = 0; i < 6; i++)
        pthread_join(th[i], NULL);
    assert_int_equal(atomic_load(&j.sum),
                     (int64_t)6 * 200 * 10000 * 9999 / 2 + (int64_t)8 * 1000 * 999 / 2);
}

/* ----------------------------------------------------- tensor protos */
static void test_tensor_proto(void **state)
{
    (void)state;
    struct md_status st = MD_STATUS_INIT;
    /* float_val shorter than the shape: padded with the last value */
    Tensorflow__TensorProto p;
    tensorflow__tensor_proto__init(&p);
    Tensorflow__TensorShapeProto sh;
    tensorflow__tensor_shape_proto__init(&sh);
    Tensorflow__TensorShapeProto__Dim d0;
    tensorflow__tensor_shape_proto__dim__init(&d0);
    Tensorflow__TensorShapeProto__Dim *dims[1] = { &d0 };
    d0.size = 4;
    sh.n_dim = 1;
    sh.dim = dims;
    p.tensor_shape = &sh;
    p.dtype = TENSORFLOW__DATA_TYPE__DT_FLOAT;
    float fv[2] = { 1, 2 };
    p.n_float_val = 2;
    p.float_val = fv;
    struct md_tensor t = MD_TENSOR_INIT;
    assert_true(md_tensor_from_proto(&p, &t, &st));
    assert_int_equal(t.rank, 1);
    float *v = t.data;
    assert_true(v[0] == 1 && v[1] == 2 && v[2] == 2 && v[3] == 2);
    /* round trip through tensor_content */
    Tensorflow__TensorProto q;
    assert_true(md_tensor_to_proto(&t, &q, &st));
    struct md_tensor t2 = MD_TENSOR_INIT;
    assert_true(md_tensor_from_proto(&q, &t2, &st));
    assert_true(md_tensor_equal(&t, &t2));
    md_tensor_proto_cleanup(&q);
    md_tensor_cleanup(&t2);
    md_tensor_cleanup(&t);
    /* too many values */
    float many[5] = { 0 };
    p.n_float_val = 5;
    p.float_val = many;
    assert_false(md_tensor_from_proto(&p, &t, &st));
    assert_non_null(strstr(st.msg, "5 values but its shape holds 4"));
    md_status_reset(&st);
    /* wrong tensor_content size */
    p.n_float_val = 0;
    p.float_val = NULL;
    uint8_t raw[7] = { 0 };
    p.tensor_content.data = raw;
    p.tensor_content.len = 7;
    assert_false(md_tensor_from_proto(&p, &t, &st));
    md_status_reset(&st);
    /* strings: string_val, and TF's tensor_content encoding (lengths, then bytes) */
    p.dtype = TENSORFLOW__DATA_TYPE__DT_STRING;
    d0.size = 2;
    uint8_t enc[] = { 2, 3, 'h', 'i', 'y', 'o', 'u' };
    p.tensor_content.data = enc;
    p.tensor_content.len = sizeof enc;
    assert_true(md_tensor_from_proto(&p, &t, &st));
    const struct md_str *s = t.data;
    assert_int_equal(s[0].len, 2);
    assert_memory_equal(s[0].data, "hi", 2);
    assert_int_equal(s[1].len, 3);
    assert_memory_equal(s[1].data, "you", 3);
    assert_true(md_tensor_to_proto(&t, &q, &st));
    assert_int_equal(q.n_string_val, 2);
    assert_true(md_tensor_from_proto(&q, &t2, &st));
    assert_true(md_tensor_equal(&t, &t2));
    md_tensor_proto_cleanup(&q);
    md_tensor_cleanup(&t2);
    md_tensor_cleanup(&t);
    enc[0] = 9; /* lengths no longer match the bytes */
    assert_false(md_tensor_from_proto(&p, &t, &st));
    md_status_reset(&st);
    /* int8 via int_val, empty list = zeros, unknown rank refused */
    p.tensor_content.len = 0;
    p.dtype = TENSORFLOW__DATA_TYPE__DT_INT8;
    assert_true(md_tensor_from_proto(&p, &t, &st));
    assert_int_equal(((int8_t *)t.data)[1], 0);
    md_tensor_cleanup(&t);
    sh.unknown_rank = 1;
    assert_false(md_tensor_from_proto(&p, &t, &st));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_feed_identity_prunes),
        cmocka_unit_test(test_control_deps_and_variables),
        cmocka_unit_test(test_function_inlining),
        cmocka_unit_test(test_recursive_function),
        cmocka_unit_test(test_malformed_graphs),
        cmocka_unit_test(test_unsupported_ops_listed),
        cmocka_unit_test(test_model_with_calls),
        cmocka_unit_test(test_buffer_reuse),
        cmocka_unit_test(test_buffer_forwarding),
        cmocka_unit_test(test_concurrent_runs),
        cmocka_unit_test(test_threadpool),
        cmocka_unit_test(test_tensor_proto),
        cmocka_unit_test(test_refused_ops),
        cmocka_unit_test(test_output_filter_prunes),
        cmocka_unit_test(test_shared_pool),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
