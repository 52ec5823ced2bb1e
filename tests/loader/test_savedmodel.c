/* Tests for loader/savedmodel.c: reading TensorFlow's own exports (the
 * fixtures), tag-set choice, signatures, the writer round trip, assets, and
 * corrupt input. Models that are not fixtures are built here in C. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "attr_value.pb-c.h"
#include "graph.pb-c.h"
#include "loader/loader.h"
#include "node_def.pb-c.h"
#include "tensor.pb-c.h"

/* ------------------------------------------------------------- helpers */

static char fixtures[4096];

static bool find_fixtures(void)
{
    const char *src = getenv("MD_SRCDIR");
    if (!src)
        src = MD_TEST_SRCDIR;
    snprintf(fixtures, sizeof fixtures, "%s/../shared/fixtures/savedmodels", src);
    struct stat sb;
    return stat(fixtures, &sb) == 0 && S_ISDIR(sb.st_mode);
}

static char *fixture(const char *rel)
{
    static char buf[8192];
    snprintf(buf, sizeof buf, "%s/%s", fixtures, rel);
    return buf;
}

static char *make_tmpdir(void)
{
    const char *t = getenv("TMPDIR");
    char tmpl[4096];
    snprintf(tmpl, sizeof tmpl, "%s/md_test_sm_XXXXXX", t && *t ? t : "/tmp");
    char *d = mkdtemp(tmpl);
    assert_non_null(d);
    return strdup(d);
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

static void rm_rf(char *dir)
{
    if (dir)
        nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    free(dir);
}

static char *join(const char *a, const char *b)
{
    char *p = malloc(strlen(a) + strlen(b) + 2);
    assert_non_null(p);
    sprintf(p, "%s/%s", a, b);
    return p;
}

static void write_bytes(const char *dir, const char *name, const void *data, size_t len)
{
    char *p = join(dir, name);
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    free(p);
}

static uint8_t *read_bytes(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc((size_t)n + 1);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return b;
}

#define assert_contains(hay, needle)                                                               \
    do {                                                                                           \
        if (!strstr((hay), (needle)))                                                              \
            fail_msg("'%s' does not contain '%s'", (hay), (needle));                               \
    } while (0)

/* ------------------------------------------------------ building models */

static void *xcalloc(size_t n)
{
    void *p = calloc(1, n);
    assert_non_null(p);
    return p;
}

static char *xs(const char *s)
{
    char *d = strdup(s);
    assert_non_null(d);
    return d;
}

#define APPEND(arr, n, v)                                                                          \
    do {                                                                                           \
        void *np_ = realloc((arr), ((n) + 1) * sizeof *(arr));                                     \
        assert_non_null(np_);                                                                      \
        (arr) = np_;                                                                               \
        (arr)[(n)++] = (v);                                                                        \
    } while (0)

/* rank -1: unknown rank; shape NULL and rank -2: no tensor_shape at all. */
static Tensorflow__TensorInfo *mk_ti(const char *name, int dtype, int rank, const int64_t *dims)
{
    Tensorflow__TensorInfo *ti = xcalloc(sizeof *ti);
    tensorflow__tensor_info__init(ti);
    if (name) {
        ti->encoding_case = TENSORFLOW__TENSOR_INFO__ENCODING_NAME;
        ti->name = xs(name);
    }
    ti->dtype = (Tensorflow__DataType)dtype;
    if (rank == -2)
        return ti;
    ti->tensor_shape = xcalloc(sizeof *ti->tensor_shape);
    tensorflow__tensor_shape_proto__init(ti->tensor_shape);
    if (rank < 0) {
        ti->tensor_shape->unknown_rank = 1;
        return ti;
    }
    for (int i = 0; i < rank; i++) {
        Tensorflow__TensorShapeProto__Dim *d = xcalloc(sizeof *d);
        tensorflow__tensor_shape_proto__dim__init(d);
        d->size = dims[i];
        APPEND(ti->tensor_shape->dim, ti->tensor_shape->n_dim, d);
    }
    return ti;
}

static Tensorflow__SignatureDef *mk_sig(const char *method)
{
    Tensorflow__SignatureDef *s = xcalloc(sizeof *s);
    tensorflow__signature_def__init(s);
    s->method_name = xs(method);
    return s;
}

static void sig_in(Tensorflow__SignatureDef *s, const char *alias, Tensorflow__TensorInfo *ti)
{
    Tensorflow__SignatureDef__InputsEntry *e = xcalloc(sizeof *e);
    tensorflow__signature_def__inputs_entry__init(e);
    e->key = xs(alias);
    e->value = ti;
    APPEND(s->inputs, s->n_inputs, e);
}

static void sig_out(Tensorflow__SignatureDef *s, const char *alias, Tensorflow__TensorInfo *ti)
{
    Tensorflow__SignatureDef__OutputsEntry *e = xcalloc(sizeof *e);
    tensorflow__signature_def__outputs_entry__init(e);
    e->key = xs(alias);
    e->value = ti;
    APPEND(s->outputs, s->n_outputs, e);
}

/* tags: comma-separated */
static Tensorflow__MetaGraphDef *mk_meta(const char *tags)
{
    Tensorflow__MetaGraphDef *m = xcalloc(sizeof *m);
    tensorflow__meta_graph_def__init(m);
    m->meta_info_def = xcalloc(sizeof *m->meta_info_def);
    tensorflow__meta_graph_def__meta_info_def__init(m->meta_info_def);
    char *t = xs(tags);
    for (char *save = NULL, *tok = strtok_r(t, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
        APPEND(m->meta_info_def->tags, m->meta_info_def->n_tags, xs(tok));
    free(t);
    return m;
}

static void meta_sig(Tensorflow__MetaGraphDef *m, const char *key, Tensorflow__SignatureDef *s)
{
    Tensorflow__MetaGraphDef__SignatureDefEntry *e = xcalloc(sizeof *e);
    tensorflow__meta_graph_def__signature_def_entry__init(e);
    e->key = xs(key);
    e->value = s;
    APPEND(m->signature_def, m->n_signature_def, e);
}

static Tensorflow__SavedModel *mk_model(void)
{
    Tensorflow__SavedModel *sm = xcalloc(sizeof *sm);
    tensorflow__saved_model__init(sm);
    sm->saved_model_schema_version = 1;
    return sm;
}

static void model_meta(Tensorflow__SavedModel *sm, Tensorflow__MetaGraphDef *m)
{
    APPEND(sm->meta_graphs, sm->n_meta_graphs, m);
}

static void node_attr(Tensorflow__NodeDef *n, const char *key, Tensorflow__AttrValue *v)
{
    Tensorflow__NodeDef__AttrEntry *e = xcalloc(sizeof *e);
    tensorflow__node_def__attr_entry__init(e);
    e->key = xs(key);
    e->value = v;
    APPEND(n->attr, n->n_attr, e);
}

static Tensorflow__AttrValue *attr_type(int dtype)
{
    Tensorflow__AttrValue *v = xcalloc(sizeof *v);
    tensorflow__attr_value__init(v);
    v->value_case = TENSORFLOW__ATTR_VALUE__VALUE_TYPE;
    v->type = (Tensorflow__DataType)dtype;
    return v;
}

static Tensorflow__NodeDef *mk_node(const char *name, const char *op)
{
    Tensorflow__NodeDef *n = xcalloc(sizeof *n);
    tensorflow__node_def__init(n);
    n->name = xs(name);
    n->op = xs(op);
    return n;
}

/* y = v * x + c with v a VariableV2 [2,2], c a Const float [2]. */
static Tensorflow__GraphDef *mk_graph(void)
{
    Tensorflow__GraphDef *g = xcalloc(sizeof *g);
    tensorflow__graph_def__init(g);
    Tensorflow__NodeDef *c = mk_node("c", "Const");
    node_attr(c, "dtype", attr_type(MD_DT_FLOAT));
    Tensorflow__AttrValue *val = xcalloc(sizeof *val);
    tensorflow__attr_value__init(val);
    val->value_case = TENSORFLOW__ATTR_VALUE__VALUE_TENSOR;
    val->tensor = xcalloc(sizeof *val->tensor);
    tensorflow__tensor_proto__init(val->tensor);
    val->tensor->dtype = TENSORFLOW__DATA_TYPE__DT_FLOAT;
    val->tensor->n_float_val = 2;
    val->tensor->float_val = xcalloc(2 * sizeof(float));
    val->tensor->float_val[0] = 1.5f;
    val->tensor->float_val[1] = -2.0f;
    node_attr(c, "value", val);
    APPEND(g->node, g->n_node, c);
    Tensorflow__NodeDef *v = mk_node("v", "VariableV2");
    node_attr(v, "dtype", attr_type(MD_DT_FLOAT));
    APPEND(g->node, g->n_node, v);
    Tensorflow__NodeDef *x = mk_node("x", "Placeholder");
    node_attr(x, "dtype", attr_type(MD_DT_FLOAT));
    APPEND(g->node, g->n_node, x);
    Tensorflow__NodeDef *mul = mk_node("mul", "MatMul");
    APPEND(mul->input, mul->n_input, xs("v"));
    APPEND(mul->input, mul->n_input, xs("x"));
    APPEND(g->node, g->n_node, mul);
    Tensorflow__NodeDef *y = mk_node("y", "Add");
    APPEND(y->input, y->n_input, xs("mul"));
    APPEND(y->input, y->n_input, xs("c"));
    APPEND(g->node, g->n_node, y);
    return g;
}

static const int64_t dims_m1_1[] = { -1, 1 };
static const int64_t dims_2[] = { 2 };

/* The model of the round-trip test: serve with two signatures, one of them
 * with a repeated input alias (the last one must win). */
static Tensorflow__SavedModel *mk_roundtrip_model(void)
{
    Tensorflow__SavedModel *sm = mk_model();
    Tensorflow__MetaGraphDef *m = mk_meta("serve");
    m->graph_def = mk_graph();
    Tensorflow__SignatureDef *s = mk_sig("tensorflow/serving/predict");
    sig_in(s, "x", mk_ti("x:0", MD_DT_FLOAT, 2, dims_m1_1));
    sig_out(s, "y", mk_ti("y:0", MD_DT_FLOAT, -1, NULL));
    meta_sig(m, "serving_default", s);
    Tensorflow__SignatureDef *s2 = mk_sig("tensorflow/serving/regress");
    sig_in(s2, "b", mk_ti("x:0", MD_DT_FLOAT, 1, dims_2));
    sig_in(s2, "a", mk_ti("old:0", MD_DT_INT32, 0, NULL));
    sig_in(s2, "a", mk_ti("new:0", MD_DT_FLOAT + MD_DT_REF_OFFSET, -2, NULL));
    sig_out(s2, "z", mk_ti("c:0", MD_DT_FLOAT, 1, dims_2));
    meta_sig(m, "a_regress", s2);
    model_meta(sm, m);
    return sm;
}

static void check_roundtrip_signatures(const struct md_savedmodel *sm)
{
    assert_int_equal(sm->n_signatures, 2);
    assert_string_equal(sm->signatures[0].key, "a_regress");
    assert_string_equal(sm->signatures[1].key, "serving_default");
    const struct md_signature *s = md_savedmodel_signature(sm, "a_regress");
    assert_ptr_equal(s, &sm->signatures[0]);
    assert_null(md_savedmodel_signature(sm, "nope"));
    assert_string_equal(s->method_name, "tensorflow/serving/regress");
    assert_int_equal(s->n_inputs, 2);
    assert_string_equal(s->inputs[0].alias, "a");
    assert_string_equal(s->inputs[0].name, "new:0"); /* last duplicate wins */
    assert_int_equal(s->inputs[0].dtype_raw, 101);
    assert_int_equal(s->inputs[0].dtype, MD_DT_FLOAT);
    assert_false(s->inputs[0].unknown_rank);
    assert_int_equal(s->inputs[0].rank, 0);
    assert_string_equal(s->inputs[1].alias, "b");
    assert_int_equal(s->inputs[1].rank, 1);
    assert_int_equal(s->inputs[1].dims[0], 2);
    assert_int_equal(s->n_outputs, 1);
    assert_string_equal(s->outputs[0].name, "c:0");
    s = md_savedmodel_signature(sm, "serving_default");
    assert_non_null(s);
    assert_int_equal(s->inputs[0].rank, 2);
    assert_int_equal(s->inputs[0].dims[0], -1);
    assert_int_equal(s->inputs[0].dims[1], 1);
    assert_true(s->outputs[0].unknown_rank);
    assert_ptr_equal(s->proto, sm->meta->signature_def[0]->value);
}

/* ------------------------------------------------- self-contained tests */

static void test_missing_dir(void **state)
{
    (void)state;
    struct md_status st = MD_STATUS_INIT;
    assert_null(md_savedmodel_open("no/such/model/dir", "serve", &st));
    assert_int_equal(st.code, MD_NOT_FOUND);
    assert_contains(st.msg, "no/such/model/dir");
    md_status_reset(&st);
    assert_null(md_savedmodel_read_proto("no/such/model/dir", &st));
    assert_int_equal(st.code, MD_NOT_FOUND);
}

static void test_empty_dir(void **state)
{
    (void)state;
    char *d = make_tmpdir();
    struct md_status st = MD_STATUS_INIT;
    assert_null(md_savedmodel_open(d, "serve", &st));
    assert_int_equal(st.code, MD_NOT_FOUND);
    assert_contains(st.msg, "Could not find SavedModel .pb or .pbtxt at supplied export directory");

    /* a directory where the file should be */
    char *p = join(d, "saved_model.pb");
    assert_int_equal(mkdir(p, 0755), 0);
    md_status_reset(&st);
    assert_null(md_savedmodel_open(d, "serve", &st));
    assert_int_equal(st.code, MD_NOT_FOUND);
    rmdir(p);
    free(p);

    /* a file where the directory should be */
    write_bytes(d, "plain", "x", 1);
    p = join(d, "plain");
    md_status_reset(&st);
    assert_null(md_savedmodel_open(p, "serve", &st));
    assert_int_equal(st.code, MD_FAILED_PRECONDITION);
    assert_contains(st.msg, "is not a directory");
    free(p);

    /* over the 2 GiB cap: refused before reading (a sparse file costs no disk) */
    p = join(d, "saved_model.pb");
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    assert_int_equal(ftruncate(fileno(f), (off_t)((2LL << 30) + 1)), 0);
    fclose(f);
    md_status_reset(&st);
    assert_null(md_savedmodel_open(d, "serve", &st));
    assert_int_equal(st.code, MD_RESOURCE_EXHAUSTED);
    assert_contains(st.msg, "exceeds the 2 GiB limit");
    unlink(p);

    /* a FIFO is not a model file (and must not block) */
    assert_int_equal(mkfifo(p, 0600), 0);
    md_status_reset(&st);
    assert_null(md_savedmodel_open(d, "serve", &st));
    assert_int_equal(st.code, MD_NOT_FOUND);
    unlink(p);
    free(p);

    /* an empty saved_model.pb is an empty SavedModel: no MetaGraphDef */
    write_bytes(d, "saved_model.pb", "", 0);
    md_status_reset(&st);
    assert_null(md_savedmodel_open(d, "serve", &st));
    assert_int_equal(st.code, MD_NOT_FOUND);
    assert_contains(st.msg, "no MetaGraphDef");
    rm_rf(d);
}

static void test_corrupt_bytes(void **state)
{
    (void)state;
    char *d = make_tmpdir();
    static const uint8_t junk[] = "\x12\xff\xff\xff\x0f garbage that is not a protobuf";
    write_bytes(d, "saved_model.pb", junk, sizeof junk - 1);
    struct md_status st = MD_STATUS_INIT;
    assert_null(md_savedmodel_open(d, "serve", &st));
    assert_int_equal(st.code, MD_DATA_LOSS);
    assert_contains(st.msg, "saved_model.pb");
    assert_contains(st.msg, "byte 0");

    /* wire type 7 does not exist */
    md_status_reset(&st);
    assert_null(md_savedmodel_parse("\x0f", 1, "x.pb", &st));
    assert_int_equal(st.code, MD_DATA_LOSS);
    assert_contains(st.msg, "x.pb");
    assert_contains(st.msg, "invalid wire type 7");

    /* meta_graphs (field 2, a message) sent as a varint */
    md_status_reset(&st);
    assert_null(md_savedmodel_parse("\x10\x01", 2, "x.pb", &st));
    assert_int_equal(st.code, MD_DATA_LOSS);
    assert_contains(st.msg, "meta_graphs");

    /* a group */
    md_status_reset(&st);
    assert_null(md_savedmodel_parse("\x1b\x1c", 2, NULL, &st));
    assert_int_equal(st.code, MD_DATA_LOSS);

    /* unknown fields are kept, as protobuf does */
    md_status_reset(&st);
    Tensorflow__SavedModel *p = md_savedmodel_parse("\x08\x01\xf8\x01\x05", 5, "x.pb", &st);
    assert_non_null(p);
    assert_int_equal(p->saved_model_schema_version, 1);
    tensorflow__saved_model__free_unpacked(p, NULL);
    rm_rf(d);
}

static void test_truncated(void **state)
{
    (void)state;
    Tensorflow__SavedModel *m = mk_roundtrip_model();
    size_t len = protobuf_c_message_get_packed_size(&m->base);
    uint8_t *buf = malloc(len);
    assert_non_null(buf);
    protobuf_c_message_pack(&m->base, buf);
    tensorflow__saved_model__free_unpacked(m, NULL);
    /* Field 1 (2 bytes) then field 2 holding everything else: every cut
     * after the start of field 2 lands inside it. */
    for (size_t n = 3; n < len; n++) {
        struct md_status st = MD_STATUS_INIT;
        Tensorflow__SavedModel *p = md_savedmodel_parse(buf, n, "cut.pb", &st);
        if (p)
            fail_msg("a cut at %zu of %zu bytes parsed", n, len);
        assert_int_equal(st.code, MD_DATA_LOSS);
        assert_contains(st.msg, "cut.pb: corrupt or truncated SavedModel protobuf");
    }
    struct md_status st = MD_STATUS_INIT;
    Tensorflow__SavedModel *p = md_savedmodel_parse(buf, len, "whole.pb", &st);
    assert_non_null(p);
    tensorflow__saved_model__free_unpacked(p, NULL);
    free(buf);
}

/* Wraps payload into field `num` (length-delimited). */
static uint8_t *wrap(uint8_t *payload, size_t *len, unsigned num)
{
    uint8_t hdr[16];
    size_t h = 0;
    hdr[h++] = (uint8_t)(num << 3 | 2);
    size_t v = *len;
    do {
        hdr[h++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
        v >>= 7;
    } while (v);
    uint8_t *out = malloc(h + *len);
    assert_non_null(out);
    memcpy(out, hdr, h);
    memcpy(out + h, payload, *len);
    free(payload);
    *len += h;
    return out;
}

static void test_nesting_bomb(void **state)
{
    (void)state;
    /* AttrValue.func(10) -> NameAttrList.attr(2) -> entry.value(2) -> AttrValue ...
     * inside NodeDef.attr(5) -> GraphDef.node(1) -> MetaGraphDef.graph_def(2)
     * -> SavedModel.meta_graphs(2): 3 levels per round. */
    for (int rounds = 30; rounds <= 60; rounds += 30) {
        size_t len = 0;
        uint8_t *b = malloc(1);
        for (int i = 0; i < rounds; i++) {
            b = wrap(b, &len, 10); /* AttrValue.func */
            b = wrap(b, &len, 2);  /* AttrEntry.value */
            b = wrap(b, &len, 2);  /* NameAttrList.attr */
        }
        b = wrap(b, &len, 10);
        b = wrap(b, &len, 2); /* NodeDef.AttrEntry.value */
        b = wrap(b, &len, 5); /* NodeDef.attr */
        b = wrap(b, &len, 1); /* GraphDef.node */
        b = wrap(b, &len, 2); /* MetaGraphDef.graph_def */
        b = wrap(b, &len, 2); /* SavedModel.meta_graphs */
        struct md_status st = MD_STATUS_INIT;
        Tensorflow__SavedModel *p = md_savedmodel_parse(b, len, "deep.pb", &st);
        if (rounds * 3 + 6 <= 100) {
            assert_non_null(p);
            tensorflow__saved_model__free_unpacked(p, NULL);
        } else {
            assert_null(p);
            assert_int_equal(st.code, MD_DATA_LOSS);
            assert_contains(st.msg, "nested deeper than 100");
        }
        free(b);
    }
}

static void test_bad_packed(void **state)
{
    (void)state;
    static const struct {
        unsigned field;
        const char *payload;
        size_t len;
        const char *msg;
    } cases[] = {
        { 3, "\x80", 1, "packed ListValue.i: truncated varint" },
        { 4, "\x00\x00\x80", 3, "packed ListValue.f: 3 bytes is not a multiple of 4" },
        { 3, "\x01\x02\x03", 3, NULL },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t len = cases[i].len;
        uint8_t *b = malloc(len);
        memcpy(b, cases[i].payload, len);
        b = wrap(b, &len, cases[i].field); /* ListValue.i / .f */
        b = wrap(b, &len, 1);              /* AttrValue.list */
        b = wrap(b, &len, 2);              /* AttrEntry.value */
        b = wrap(b, &len, 5);              /* NodeDef.attr */
        b = wrap(b, &len, 1);              /* GraphDef.node */
        b = wrap(b, &len, 2);              /* MetaGraphDef.graph_def */
        b = wrap(b, &len, 2);              /* SavedModel.meta_graphs */
        struct md_status st = MD_STATUS_INIT;
        Tensorflow__SavedModel *p = md_savedmodel_parse(b, len, "packed.pb", &st);
        if (cases[i].msg) {
            assert_null(p);
            assert_int_equal(st.code, MD_DATA_LOSS);
            assert_contains(st.msg, cases[i].msg);
        } else {
            if (!p)
                fail_msg("%s", st.msg);
            const Tensorflow__AttrValue *v = p->meta_graphs[0]->graph_def->node[0]->attr[0]->value;
            assert_int_equal(v->list->n_i, 3);
            assert_int_equal(v->list->i[2], 3);
            tensorflow__saved_model__free_unpacked(p, NULL);
        }
        free(b);
    }
}

static void test_non_utf8(void **state)
{
    (void)state;
    char *d = make_tmpdir();
    char *out = join(d, "m");
    Tensorflow__SavedModel *m = mk_model();
    Tensorflow__MetaGraphDef *meta = mk_meta("serve");
    Tensorflow__SignatureDef *s = mk_sig("tensorflow/serving/predict");
    sig_in(s, "x\xff\xfe", mk_ti("x:0", MD_DT_FLOAT, 0, NULL));
    meta_sig(meta, "serving_default", s);
    model_meta(m, meta);
    struct md_status st = MD_STATUS_INIT;
    assert_true(md_savedmodel_write(out, m, NULL, 0, &st));
    md_status_reset(&st);
    assert_null(md_savedmodel_open(out, "serve", &st));
    assert_int_equal(st.code, MD_DATA_LOSS);
    assert_contains(st.msg, "invalid UTF-8");
    assert_contains(st.msg, "saved_model.pb");
    /* the same proto handed over directly: the signature check catches it */
    md_status_reset(&st);
    struct md_signature *sigs;
    size_t n;
    assert_false(md_savedmodel_signatures_build(meta, &sigs, &n, &st));
    assert_int_equal(st.code, MD_INVALID_ARGUMENT);
    assert_contains(st.msg, "x\\xff\\xfe");
    /* control bytes are valid UTF-8 and are kept; messages escape them */
    free(s->inputs[0]->key);
    s->inputs[0]->key = xs("x\n\"y");
    md_status_reset(&st);
    s->inputs[0]->value->dtype = 57;
    assert_false(md_savedmodel_signatures_build(meta, &sigs, &n, &st));
    assert_contains(st.msg, "input 'x\\x0a\\x22y' has unknown dtype 57");
    tensorflow__saved_model__free_unpacked(m, NULL);
    free(out);
    rm_rf(d);
}

static void test_bad_shapes(void **state)
{
    (void)state;
    static const int64_t nine[9] = { 1, 1, 1, 1, 1, 1, 1, 1, 1 };
    static const int64_t bad[2] = { 3, -7 };
    Tensorflow__MetaGraphDef *meta = mk_meta("serve");
    Tensorflow__SignatureDef *s = mk_sig("p");
    sig_out(s, "deep", mk_ti("d:0", MD_DT_FLOAT, 9, nine));
    meta_sig(meta, "k", s);
    struct md_status st = MD_STATUS_INIT;
    struct md_signature *sigs = NULL;
    size_t n = 0;
    assert_false(md_savedmodel_signatures_build(meta, &sigs, &n, &st));
    assert_int_equal(st.code, MD_INVALID_ARGUMENT);
    assert_string_equal(st.msg, "signature 'k': output 'deep' has rank 9, more than the 8 supported");
    assert_null(sigs);
    tensorflow__meta_graph_def__free_unpacked(meta, NULL);

    meta = mk_meta("serve");
    s = mk_sig("p");
    sig_in(s, "x", mk_ti("x:0", MD_DT_FLOAT, 2, bad));
    meta_sig(meta, "good", mk_sig("p"));
    meta_sig(meta, "k", s);
    md_status_reset(&st);
    assert_false(md_savedmodel_signatures_build(meta, &sigs, &n, &st));
    assert_string_equal(st.msg, "signature 'k': input 'x' dim 1 has size -7");
    tensorflow__meta_graph_def__free_unpacked(meta, NULL);

    /* entries without values are empty messages; no shape means a scalar */
    meta = mk_meta("serve");
    meta_sig(meta, "empty", NULL);
    s = mk_sig("p");
    sig_in(s, "novalue", NULL);
    sig_in(s, "noshape", mk_ti(NULL, MD_DT_INVALID, -2, NULL));
    meta_sig(meta, "k", s);
    md_status_reset(&st);
    assert_true(md_savedmodel_signatures_build(meta, &sigs, &n, &st));
    assert_int_equal(n, 2);
    assert_string_equal(sigs[0].key, "empty");
    assert_string_equal(sigs[0].method_name, "");
    assert_int_equal(sigs[0].n_inputs, 0);
    assert_int_equal(sigs[1].n_inputs, 2);
    assert_null(sigs[1].inputs[0].name);
    assert_int_equal(sigs[1].inputs[1].rank, 0);
    assert_false(sigs[1].inputs[1].unknown_rank);
    md_savedmodel_signatures_free(sigs, n);
    tensorflow__meta_graph_def__free_unpacked(meta, NULL);
}

static void test_tag_sets(void **state)
{
    (void)state;
    char *d = make_tmpdir();
    char *out = join(d, "tags");
    Tensorflow__SavedModel *m = mk_model();
    const char *sets[] = { "serve", "train,serve", "serve,gpu" };
    for (int i = 0; i < 3; i++) {
        Tensorflow__MetaGraphDef *meta = mk_meta(sets[i]);
        meta_sig(meta, sets[i], mk_sig("p"));
        model_meta(m, meta);
    }
    struct md_status st = MD_STATUS_INIT;
    assert_true(md_savedmodel_write(out, m, NULL, 0, &st));
    tensorflow__saved_model__free_unpacked(m, NULL);

    static const struct {
        const char *ask, *got;
    } cases[] = {
        { "serve", "serve" },           { "serve,train", "train,serve" },
        { "train,serve", "train,serve" }, { "gpu,serve", "serve,gpu" },
        { "serve,serve", "serve" },     { ",serve,", "serve" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        md_status_reset(&st);
        struct md_savedmodel *sm = md_savedmodel_open(out, cases[i].ask, &st);
        if (!sm)
            fail_msg("%s: %s", cases[i].ask, st.msg);
        assert_int_equal(sm->n_signatures, 1);
        assert_string_equal(sm->signatures[0].key, cases[i].got);
        assert_null(sm->vars);
        md_savedmodel_free(sm);
    }
    static const char *absent[] = { "train", "gpu", "serve,train,gpu", "", "Serve" };
    for (size_t i = 0; i < sizeof absent / sizeof absent[0]; i++) {
        md_status_reset(&st);
        assert_null(md_savedmodel_open(out, absent[i], &st));
        assert_int_equal(st.code, MD_NOT_FOUND);
        assert_contains(st.msg, "could not be found in SavedModel; available tag sets: "
                                "['serve', 'train,serve', 'serve,gpu']");
    }
    md_status_reset(&st);
    assert_null(md_savedmodel_open(out, "gpu", &st));
    assert_contains(st.msg, "MetaGraphDef associated with tags 'gpu' could not be found");
    free(out);
    rm_rf(d);
}

static void test_roundtrip(void **state)
{
    (void)state;
    char *d = make_tmpdir();
    char *out = join(d, "export/1"); /* parents are created */
    Tensorflow__SavedModel *m = mk_roundtrip_model();

    struct md_status st = MD_STATUS_INIT;
    struct md_tensor v = MD_TENSOR_INIT, w = MD_TENSOR_INIT;
    int64_t dims[2] = { 2, 2 };
    assert_true(md_tensor_alloc(&v, MD_DT_FLOAT, 2, dims, 0, &st));
    for (int i = 0; i < 4; i++)
        ((float *)v.data)[i] = 0.25f * (float)i - 1.0f;
    assert_true(md_tensor_alloc(&w, MD_DT_INT64, 0, NULL, 0, &st));
    *(int64_t *)w.data = -1234567890123LL;
    struct md_named_tensor vars[] = { { "v", &v }, { "global_step", &w } };
    if (!md_savedmodel_write(out, m, vars, 2, &st))
        fail_msg("%s", st.msg);

    /* TensorFlow's layout */
    struct stat sb;
    char *p = join(out, "variables/variables.index");
    assert_int_equal(stat(p, &sb), 0);
    free(p);
    p = join(out, "variables/variables.data-00000-of-00001");
    assert_int_equal(stat(p, &sb), 0);
    free(p);

    /* writing over an existing export is refused */
    md_status_reset(&st);
    assert_false(md_savedmodel_write(out, m, vars, 2, &st));
    assert_int_equal(st.code, MD_ALREADY_EXISTS);

    md_status_reset(&st);
    struct md_savedmodel *sm = md_savedmodel_open(out, "serve", &st);
    if (!sm)
        fail_msg("%s", st.msg);
    assert_true(sm->dir[0] == '/');
    assert_true(sm->file_bytes == protobuf_c_message_get_packed_size(&m->base));
    check_roundtrip_signatures(sm);

    /* the graph came back as written */
    const Tensorflow__GraphDef *g = sm->meta->graph_def;
    assert_non_null(g);
    assert_int_equal(g->n_node, 5);
    assert_string_equal(g->node[0]->op, "Const");
    assert_string_equal(g->node[1]->op, "VariableV2");
    const Tensorflow__AttrValue *val = g->node[0]->attr[1]->value;
    assert_int_equal(val->value_case, TENSORFLOW__ATTR_VALUE__VALUE_TENSOR);
    assert_int_equal(val->tensor->n_float_val, 2);
    assert_true(val->tensor->float_val[0] == 1.5f && val->tensor->float_val[1] == -2.0f);

    /* variables */
    assert_non_null(sm->vars);
    assert_int_equal(md_bundle_count(sm->vars), 2);
    struct md_tensor r = MD_TENSOR_INIT;
    assert_true(md_bundle_read(sm->vars, "v", &r, &st));
    assert_true(md_tensor_equal(&r, &v));
    md_tensor_cleanup(&r);
    assert_true(md_bundle_read(sm->vars, "global_step", &r, &st));
    assert_true(md_tensor_equal(&r, &w));
    md_tensor_cleanup(&r);

    /* assets */
    char *a = md_savedmodel_asset_path(sm, "vocab.txt", &st);
    assert_non_null(a);
    char *want = join(sm->dir, "assets/vocab.txt");
    assert_string_equal(a, want);
    free(want);
    free(a);
    a = md_savedmodel_asset_path(sm, "sub/..x/y..", &st);
    assert_non_null(a);
    free(a);
    static const struct {
        const char *name;
        enum md_code code;
        const char *msg;
    } bad[] = {
        { "/etc/passwd", MD_INVALID_ARGUMENT, "is absolute" },
        { "..", MD_PERMISSION_DENIED, "'..' component" },
        { "../../etc/passwd", MD_PERMISSION_DENIED, "'..' component" },
        { "a/../../b", MD_PERMISSION_DENIED, "'..' component" },
        { "a/..", MD_PERMISSION_DENIED, "'..' component" },
        { "", MD_INVALID_ARGUMENT, "empty asset filename" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct md_status s2 = MD_STATUS_INIT;
        assert_null(md_savedmodel_asset_path(sm, bad[i].name, &s2));
        assert_int_equal(s2.code, bad[i].code);
        assert_contains(s2.msg, bad[i].msg);
    }
    md_savedmodel_free(sm);

    /* no variables: no variables/ directory, vars NULL */
    char *out2 = join(d, "novars");
    md_status_reset(&st);
    assert_true(md_savedmodel_write(out2, m, NULL, 0, &st));
    p = join(out2, "variables");
    assert_int_not_equal(stat(p, &sb), 0);
    free(p);
    sm = md_savedmodel_open(out2, "serve", &st);
    assert_non_null(sm);
    assert_null(sm->vars);
    check_roundtrip_signatures(sm);
    md_savedmodel_free(sm);

    /* a failed write leaves nothing behind */
    char *out3 = join(d, "dup");
    struct md_named_tensor dup[] = { { "v", &v }, { "v", &w } };
    md_status_reset(&st);
    assert_false(md_savedmodel_write(out3, m, dup, 2, &st));
    assert_contains(st.msg, "writing SavedModel");
    assert_int_not_equal(stat(out3, &sb), 0);

    md_tensor_cleanup(&v);
    md_tensor_cleanup(&w);
    tensorflow__saved_model__free_unpacked(m, NULL);
    free(out);
    free(out2);
    free(out3);
    rm_rf(d);
}

static void test_pbtxt(void **state)
{
    (void)state;
    static const char text[] =
        "saved_model_schema_version: 1\n"
        "meta_graphs {\n"
        "  meta_info_def { tags: \"serve\" }\n"
        "  signature_def {\n"
        "    key: \"serving_default\"\n"
        "    value {\n"
        "      inputs { key: \"x\" value { name: \"x:0\" dtype: DT_FLOAT\n"
        "        tensor_shape { dim { size: -1 } dim { size: 3 } } } }\n"
        "      outputs { key: \"y\" value { name: \"y:0\" dtype: DT_DOUBLE\n"
        "        tensor_shape { unknown_rank: true } } }\n"
        "      method_name: \"tensorflow/serving/predict\"\n"
        "    }\n"
        "  }\n"
        "}\n";
    char *d = make_tmpdir();
    write_bytes(d, "saved_model.pbtxt", text, sizeof text - 1);
    struct md_status st = MD_STATUS_INIT;
    struct md_savedmodel *sm = md_savedmodel_open(d, "serve", &st);
    if (!sm)
        fail_msg("%s", st.msg);
    assert_int_equal(sm->file_bytes, sizeof text - 1);
    assert_int_equal(sm->n_signatures, 1);
    const struct md_signature *s = &sm->signatures[0];
    assert_string_equal(s->inputs[0].name, "x:0");
    assert_int_equal(s->inputs[0].rank, 2);
    assert_int_equal(s->inputs[0].dims[1], 3);
    assert_int_equal(s->outputs[0].dtype, MD_DT_DOUBLE);
    assert_true(s->outputs[0].unknown_rank);
    md_savedmodel_free(sm);

    /* .pb wins over .pbtxt, as in TensorFlow's loader */
    write_bytes(d, "saved_model.pb", "", 0);
    md_status_reset(&st);
    assert_null(md_savedmodel_open(d, "serve", &st));
    assert_contains(st.msg, "no MetaGraphDef");
    char *p = join(d, "saved_model.pb");
    unlink(p);
    free(p);

    /* a bad text file names itself and the line */
    write_bytes(d, "saved_model.pbtxt", "meta_graphs { bogus: }\n", 23);
    md_status_reset(&st);
    assert_null(md_savedmodel_open(d, "serve", &st));
    assert_int_not_equal(st.code, MD_OK);
    assert_contains(st.msg, "saved_model.pbtxt");
    assert_contains(st.msg, "line 1 col");

    /* fields our minimal protos lack are skipped, as in binary files */
    static const char unknown[] = "meta_graphs { meta_info_def { tags: \"serve\" any_info { "
                                  "[type.googleapis.com/a.B] { x: 1 } } } bogus: [1, 2] }\n";
    write_bytes(d, "saved_model.pbtxt", unknown, sizeof unknown - 1);
    md_status_reset(&st);
    sm = md_savedmodel_open(d, "serve", &st);
    assert_non_null(sm);
    assert_int_equal(sm->n_signatures, 0);
    md_savedmodel_free(sm);
    rm_rf(d);
}

/* ------------------------------------------------------ fixture tests */

struct want_ti {
    const char *alias, *name;
    int dtype_raw;
    const char *shape; /* "[-1,1]", "[]" or "?" */
};

struct want_sig {
    const char *key, *method;
    struct want_ti in[2], out[2];
};

static void shape_of(const struct md_tensor_info *t, char *buf, size_t cap)
{
    if (t->unknown_rank)
        snprintf(buf, cap, "?");
    else
        md_shape_str(buf, cap, t->rank, t->dims);
}

static void check_ti(const char *key, const struct md_tensor_info *got, const struct want_ti *w)
{
    char shape[128];
    shape_of(got, shape, sizeof shape);
    if (strcmp(got->alias, w->alias) || strcmp(got->name ? got->name : "(null)", w->name) ||
        got->dtype_raw != w->dtype_raw || strcmp(shape, w->shape))
        fail_msg("%s: got %s %s %s %s, want %s %s %s %s", key, got->alias, got->name,
                 md_dtype_name(got->dtype_raw), shape, w->alias, w->name,
                 md_dtype_name(w->dtype_raw), w->shape);
    assert_int_equal(got->dtype, md_dtype_base(w->dtype_raw));
}

static void check_model(const char *rel, const struct want_sig *want, size_t n)
{
    struct md_status st = MD_STATUS_INIT;
    struct md_savedmodel *sm = md_savedmodel_open(fixture(rel), "serve", &st);
    if (!sm)
        fail_msg("%s: %s", rel, st.msg);
    if (sm->n_signatures != n) {
        for (size_t i = 0; i < sm->n_signatures; i++)
            print_message("  %s\n", sm->signatures[i].key);
        fail_msg("%s: %zu signatures, want %zu", rel, sm->n_signatures, n);
    }
    for (size_t i = 0; i < n; i++) {
        const struct md_signature *s = &sm->signatures[i];
        assert_string_equal(s->key, want[i].key);
        assert_string_equal(s->method_name, want[i].method);
        size_t ni = 0, no = 0;
        while (ni < 2 && want[i].in[ni].alias)
            ni++;
        while (no < 2 && want[i].out[no].alias)
            no++;
        if (s->n_inputs != ni || s->n_outputs != no)
            fail_msg("%s %s: %zu/%zu inputs/outputs, want %zu/%zu", rel, s->key, s->n_inputs,
                     s->n_outputs, ni, no);
        for (size_t k = 0; k < ni; k++)
            check_ti(s->key, &s->inputs[k], &want[i].in[k]);
        for (size_t k = 0; k < no; k++)
            check_ti(s->key, &s->outputs[k], &want[i].out[k]);
    }
    md_savedmodel_free(sm);
}

#define F MD_DT_FLOAT
#define S MD_DT_STRING
#define PREDICT "tensorflow/serving/predict"
#define CLASSIFY "tensorflow/serving/classify"
#define REGRESS "tensorflow/serving/regress"

static const struct want_sig half_plus_two[] = {
    { "classify_x2_to_y3", CLASSIFY, { { "inputs", "x2:0", F, "[-1,1]" } },
      { { "scores", "y3:0", F, "[-1,1]" } } },
    { "classify_x_to_y", CLASSIFY, { { "inputs", "tf_example:0", S, "?" } },
      { { "scores", "y:0", F, "[-1,1]" } } },
    { "regress_x2_to_y3", REGRESS, { { "inputs", "x2:0", F, "[-1,1]" } },
      { { "outputs", "y3:0", F, "[-1,1]" } } },
    { "regress_x_to_y", REGRESS, { { "inputs", "tf_example:0", S, "?" } },
      { { "outputs", "y:0", F, "[-1,1]" } } },
    { "regress_x_to_y2", REGRESS, { { "inputs", "tf_example:0", S, "?" } },
      { { "outputs", "y2:0", F, "[-1,1]" } } },
    { "serving_default", PREDICT, { { "x", "x:0", F, "[-1,1]" } }, { { "y", "y:0", F, "[-1,1]" } } },
};

static void test_fixture_half_plus_two(void **state)
{
    (void)state;
    /* half_plus_two_cpu lacks classify_x2_to_y3; 2_versions has all six. */
    check_model("saved_model_half_plus_two_cpu/00000123", half_plus_two + 1, 5);
    check_model("saved_model_half_plus_two_2_versions/00000123", half_plus_two, 6);
    check_model("saved_model_half_plus_two_2_versions/00000124", half_plus_two, 6);

    struct md_status st = MD_STATUS_INIT;
    struct md_savedmodel *sm = md_savedmodel_open(fixture("saved_model_half_plus_two_cpu/00000123"),
                                                  "serve", &st);
    assert_non_null(sm);
    assert_non_null(sm->vars);
    static const struct {
        const char *name;
        float value;
    } vars[] = { { "a", 0.5f }, { "b", 2.0f }, { "c", 3.0f }, { "a2", 0.5f }, { "c2", 3.0f } };
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        struct md_tensor t = MD_TENSOR_INIT;
        if (!md_bundle_read(sm->vars, vars[i].name, &t, &st))
            fail_msg("%s: %s", vars[i].name, st.msg);
        assert_int_equal(t.dtype, MD_DT_FLOAT);
        assert_int_equal(t.rank, 0);
        assert_true(*(const float *)t.data == vars[i].value);
        md_tensor_cleanup(&t);
    }
    char *a = md_savedmodel_asset_path(sm, "foo.txt", &st);
    assert_non_null(a);
    size_t len;
    uint8_t *b = read_bytes(a, &len);
    assert_int_equal(len, 19);
    assert_memory_equal(b, "asset-file-contents", 19);
    free(b);
    free(a);
    assert_int_equal(sm->file_bytes, 12107);
    md_savedmodel_free(sm);

    md_status_reset(&st);
    assert_null(md_savedmodel_open(fixture("saved_model_half_plus_two_cpu/00000123"), "gpu", &st));
    assert_int_equal(st.code, MD_NOT_FOUND);
    assert_contains(st.msg, "MetaGraphDef associated with tags 'gpu' could not be found in "
                            "SavedModel; available tag sets: ['serve']");
}

static void test_fixture_half_plus_three(void **state)
{
    (void)state;
    static const struct want_sig want[] = {
        { "serving_default", PREDICT, { { "x", "x:0", F, "[]" } }, { { "y", "y:0", F, "[]" } } },
        { "tensorflow/serving/regress", REGRESS, { { "inputs", "tf_example:0", F, "[]" } }, /* no tensor_shape */
          { { "outputs", "Identity:0", F, "[]" } } },
    };
    check_model("saved_model_half_plus_three/00000123", want, 2);
    struct md_status st = MD_STATUS_INIT;
    struct md_savedmodel *sm =
        md_savedmodel_open(fixture("saved_model_half_plus_three/00000123"), "serve", &st);
    assert_non_null(sm);
    struct md_tensor t = MD_TENSOR_INIT;
    assert_true(md_bundle_read(sm->vars, "b", &t, &st));
    assert_true(*(const float *)t.data == 3.0f);
    md_tensor_cleanup(&t);
    md_savedmodel_free(sm);
}

static void test_fixture_counter(void **state)
{
    (void)state;
    const int FR = MD_DT_FLOAT + MD_DT_REF_OFFSET;
    const struct want_sig want[] = {
        { "get_counter", PREDICT, { { 0 } }, { { "output", "counter:0", FR, "[]" } } },
        { "incr_counter", PREDICT, { { 0 } },
          { { "output", "incr_counter_op/AssignAdd:0", FR, "[]" } } },
        { "incr_counter_by", PREDICT, { { "delta", "delta:0", F, "?" } },
          { { "output", "incr_counter_by_op/AssignAdd:0", FR, "[]" } } },
        { "reset_counter", PREDICT, { { 0 } },
          { { "output", "reset_counter_op/Assign:0", FR, "[]" } } },
    };
    check_model("saved_model_counter/00000123", want, 4);
}

static void test_fixture_tf2(void **state)
{
    (void)state;
    static const struct want_sig want[] = {
        { "__saved_model_init_op", "", { { 0 } },
          { { "__saved_model_init_op", "NoOp", MD_DT_INVALID, "?" } } },
        { "classify_x2_to_y3", PREDICT, { { "inputs", "classify_x2_to_y3_inputs:0", F, "[1]" } },
          { { "scores", "StatefulPartitionedCall:0", F, "[1]" } } },
        { "classify_x_to_y", PREDICT, { { "inputs", "classify_x_to_y_inputs:0", S, "[-1]" } },
          { { "scores", "StatefulPartitionedCall_1:0", F, "[-1,1]" } } },
        { "regress_x2_to_y3", PREDICT, { { "inputs", "regress_x2_to_y3_inputs:0", F, "[1]" } },
          { { "outputs", "StatefulPartitionedCall_2:0", F, "[1]" } } },
        { "regress_x_to_y", PREDICT, { { "inputs", "regress_x_to_y_inputs:0", S, "[-1]" } },
          { { "outputs", "StatefulPartitionedCall_3:0", F, "[-1,1]" } } },
        { "regress_x_to_y2", PREDICT, { { "inputs", "regress_x_to_y2_inputs:0", S, "[-1]" } },
          { { "outputs", "StatefulPartitionedCall_4:0", F, "[-1,1]" } } },
        { "serving_default", PREDICT, { { "x", "serving_default_x:0", F, "[1]" } },
          { { "y", "StatefulPartitionedCall_5:0", F, "[1]" } } },
    };
    check_model("saved_model_half_plus_two_tf2_cpu/00000123", want, 7);
    struct md_status st = MD_STATUS_INIT;
    struct md_savedmodel *sm =
        md_savedmodel_open(fixture("saved_model_half_plus_two_tf2_cpu/00000123"), "serve", &st);
    assert_non_null(sm);
    struct md_tensor t = MD_TENSOR_INIT;
    assert_true(md_bundle_read(sm->vars, "a/.ATTRIBUTES/VARIABLE_VALUE", &t, &st));
    assert_true(*(const float *)t.data == 0.5f);
    md_tensor_cleanup(&t);
    md_savedmodel_free(sm);
}

static void test_fixture_matrix(void **state)
{
    (void)state;
    static const struct want_sig want[] = {
        { "serving_default", PREDICT, { { "x", "x:0", F, "[-1,3,3]" } },
          { { "y", "y:0", F, "[-1,3,3]" } } },
    };
    check_model("matrix_half_plus_two/1", want, 1);
    struct md_status st = MD_STATUS_INIT;
    struct md_savedmodel *sm = md_savedmodel_open(fixture("matrix_half_plus_two/1"), "serve", &st);
    assert_non_null(sm);
    assert_null(sm->vars);
    assert_int_equal(sm->meta->graph_def->n_node, 6);
    md_savedmodel_free(sm);
}

static void test_fixture_iris(void **state)
{
    (void)state;
    static const struct want_sig want[] = {
        { "None", CLASSIFY, { { "inputs", "input_example_tensor:0", S, "[-1]" } },
          { { "classes", "dnn/head/Tile:0", S, "[-1,3]" },
            { "scores", "dnn/head/predictions/probabilities:0", F, "[-1,3]" } } },
        { "serving_default", CLASSIFY, { { "inputs", "input_example_tensor:0", S, "[-1]" } },
          { { "classes", "dnn/head/Tile:0", S, "[-1,3]" },
            { "scores", "dnn/head/predictions/probabilities:0", F, "[-1,3]" } } },
    };
    check_model("estimator_iris_dnn/1506648517", want, 2);
}

static void test_fixture_init_ops(void **state)
{
    (void)state;
    /* TF1 legacy_init_op collection, TF2 __saved_model_init_op signature, none. */
    static const struct { const char *rel, *want; } cases[] = {
        { "saved_model_half_plus_three/00000123", "group_deps" },
        { "estimator_iris_dnn/1506648517", "group_deps" },
        { "saved_model_half_plus_two_tf2_cpu/00000123", "NoOp" },
        { "saved_model_counter/00000123", NULL },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct md_status st = MD_STATUS_INIT;
        struct md_savedmodel *sm = md_savedmodel_open(fixture(cases[i].rel), "serve", &st);
        if (!sm)
            fail_msg("%s: %s", cases[i].rel, st.msg);
        const char *op = md_savedmodel_init_op(sm);
        if (cases[i].want)
            assert_string_equal(op, cases[i].want);
        else
            assert_null(op);
        md_savedmodel_free(sm);
    }
}

static void test_fixture_keras(void **state)
{
    (void)state;
    static const struct want_sig want[] = {
        { "__saved_model_init_op", "", { { 0 } },
          { { "__saved_model_init_op", "NoOp", MD_DT_INVALID, "?" } } },
        { "serving_default", PREDICT,
          { { "conv2d_input", "serving_default_conv2d_input:0", F, "[-1,28,28,1]" } },
          { { "dense_1", "StatefulPartitionedCall:0", F, "[-1,10]" } } },
    };
    check_model("keras_mnist_cnn/1", want, 2);
}

/* Every directory under the fixtures that holds a saved_model.pb opens. */
static void test_fixture_all_open(void **state)
{
    (void)state;
    static const char *dirs[] = {
        "estimator_iris_dnn/1506648517", "keras_mnist_cnn/1", "matrix_half_plus_two/1",
        "saved_model_counter/00000123", "saved_model_half_plus_three/00000123",
        "saved_model_half_plus_two_2_versions/00000123",
        "saved_model_half_plus_two_2_versions/00000124", "saved_model_half_plus_two_cpu/00000123",
        "saved_model_half_plus_two_tf2_cpu/00000123",
    };
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        struct md_status st = MD_STATUS_INIT;
        struct md_savedmodel *sm = md_savedmodel_open(fixture(dirs[i]), "serve", &st);
        if (!sm)
            fail_msg("%s: %s", dirs[i], st.msg);
        assert_true(sm->file_bytes > 0);
        assert_true(sm->n_signatures > 0);
        md_savedmodel_free(sm);
    }
}

/* Every cut of a real saved_model.pb fails cleanly, never crashes. */
static void test_fixture_truncated(void **state)
{
    (void)state;
    size_t len;
    uint8_t *b = read_bytes(fixture("saved_model_counter/00000123/saved_model.pb"), &len);
    char *d = make_tmpdir();
    write_bytes(d, "saved_model.pb", b, len / 2);
    struct md_status st = MD_STATUS_INIT;
    assert_null(md_savedmodel_open(d, "serve", &st));
    assert_int_equal(st.code, MD_DATA_LOSS);
    assert_contains(st.msg, "saved_model.pb: corrupt or truncated SavedModel protobuf");
    size_t fails = 0;
    for (size_t n = 0; n < len; n += 7) {
        md_status_reset(&st);
        Tensorflow__SavedModel *p = md_savedmodel_parse(b, n, "cut", &st);
        if (p)
            tensorflow__saved_model__free_unpacked(p, NULL);
        else
            fails++, assert_int_equal(st.code, MD_DATA_LOSS);
    }
    assert_true(fails > len / 7 / 2);
    /* flipped bytes: parse or fail, never crash */
    for (size_t i = 0; i < len; i += 13) {
        uint8_t keep = b[i];
        b[i] ^= 0xa5;
        md_status_reset(&st);
        Tensorflow__SavedModel *p = md_savedmodel_parse(b, len, "flip", &st);
        if (p) {
            const Tensorflow__MetaGraphDef *m = md_savedmodel_find_meta_graph(p, "serve", &st);
            struct md_signature *sigs;
            size_t n;
            if (m && md_savedmodel_signatures_build(m, &sigs, &n, &st))
                md_savedmodel_signatures_free(sigs, n);
            tensorflow__saved_model__free_unpacked(p, NULL);
        }
        b[i] = keep;
    }
    free(b);
    rm_rf(d);
}

int main(void)
{
    const struct CMUnitTest local[] = {
        cmocka_unit_test(test_missing_dir),  cmocka_unit_test(test_empty_dir),
        cmocka_unit_test(test_corrupt_bytes), cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_nesting_bomb), cmocka_unit_test(test_bad_packed),
        cmocka_unit_test(test_non_utf8),
        cmocka_unit_test(test_bad_shapes),   cmocka_unit_test(test_tag_sets),
        cmocka_unit_test(test_roundtrip),    cmocka_unit_test(test_pbtxt),
    };
    const struct CMUnitTest with_fixtures[] = {
        cmocka_unit_test(test_fixture_all_open),      cmocka_unit_test(test_fixture_half_plus_two),
        cmocka_unit_test(test_fixture_half_plus_three), cmocka_unit_test(test_fixture_counter),
        cmocka_unit_test(test_fixture_tf2),           cmocka_unit_test(test_fixture_matrix),
        cmocka_unit_test(test_fixture_iris),          cmocka_unit_test(test_fixture_keras),
        cmocka_unit_test(test_fixture_init_ops),
        cmocka_unit_test(test_fixture_truncated),
    };
    int rc = cmocka_run_group_tests_name("savedmodel", local, NULL, NULL);
    if (rc)
        return rc;
    if (!find_fixtures()) {
        fprintf(stderr, "test_savedmodel: fixtures not found at %s; skipping the fixture tests\n",
                fixtures);
        return 77;
    }
    return cmocka_run_group_tests_name("savedmodel fixtures", with_fixtures, NULL, NULL);
}
