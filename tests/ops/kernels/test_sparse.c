/* test_sparse.c: SparseFillEmptyRows, SparseReshape, SparseSegment*,
 * SparseToDense, StringSplit, Bucketize, GatherNd, UpperBound, LowerBound
 * against golden data from tests/ops/gen/sparse.py (numpy), plus one case per
 * rejected input and wrong dtypes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/ops/harness.h"

struct sp_tensor {
    enum md_dtype dtype;
    int rank;
    int64_t dims[4];
    const void *data;
};

struct sp_case {
    const char *name, *op, *attrs;
    int n_in;
    struct sp_tensor in[4];
    int n_out;
    struct sp_tensor out[4];
};

#include "tests/ops/golden/sparse_golden.h"

static struct md_tensor mk(const struct sp_tensor *t)
{
    return th_tensor(t->dtype, t->rank, t->dims, t->data);
}

/* "key=value" attrs: skip_empty=0|1, out_type=int64, boundaries=a,b,c */
static void set_attrs(Tensorflow__NodeDef *n, const char *attrs)
{
    if (!*attrs)
        return;
    if (!strncmp(attrs, "skip_empty=", 11))
        th_attr_bool(n, "skip_empty", attrs[11] == '1');
    else if (!strcmp(attrs, "out_type=int64"))
        th_attr_type(n, "out_type", MD_DT_INT64);
    else if (!strncmp(attrs, "boundaries=", 11)) {
        /* A float list attr, built by hand (the harness has no helper). */
        Tensorflow__AttrValue__ListValue *l = calloc(1, sizeof *l);
        tensorflow__attr_value__list_value__init(l);
        l->f = calloc(16, sizeof *l->f);
        const char *p = attrs + 11;
        while (*p) {
            char *end;
            l->f[l->n_f++] = strtof(p, &end);
            p = *end ? end + 1 : end;
        }
        Tensorflow__AttrValue *v = calloc(1, sizeof *v);
        tensorflow__attr_value__init(v);
        v->value_case = TENSORFLOW__ATTR_VALUE__VALUE_LIST;
        v->list = l;
        Tensorflow__NodeDef__AttrEntry *e = calloc(1, sizeof *e);
        tensorflow__node_def__attr_entry__init(e);
        e->key = strdup("boundaries");
        e->value = v;
        n->attr = realloc(n->attr, (n->n_attr + 1) * sizeof *n->attr);
        n->attr[n->n_attr++] = e;
    } else
        fail_msg("unknown attrs %s", attrs);
}

static void test_golden(void **state)
{
    (void)state;
    for (size_t c = 0; c < sizeof sp_cases / sizeof sp_cases[0]; c++) {
        const struct sp_case *tc = &sp_cases[c];
        Tensorflow__NodeDef *n = th_node(tc->op);
        set_attrs(n, tc->attrs);
        struct md_tensor in[4];
        const struct md_tensor *ip[4];
        for (int i = 0; i < tc->n_in; i++) {
            in[i] = mk(&tc->in[i]);
            ip[i] = &in[i];
        }
        struct md_status st = MD_STATUS_INIT;
        struct md_tensor out[TH_MAX_OUT];
        int n_out;
        bool ok = th_run(n, tc->n_in, ip, &n_out, out, &st);
        if (!ok)
            fail_msg("%s: %s", tc->name, st.msg);
        assert_int_equal(n_out, tc->n_out);
        for (int o = 0; o < tc->n_out; o++) {
            struct md_tensor want = mk(&tc->out[o]);
            bool same;
            if (want.dtype == MD_DT_FLOAT || want.dtype == MD_DT_DOUBLE)
                same = th_max_rel_err(&out[o], &want) < 1e-5;
            else
                same = md_tensor_equal(&out[o], &want);
            if (!same)
                fail_msg("%s: output %d differs", tc->name, o);
            md_tensor_cleanup(&want);
        }
        th_free_outputs(out, n_out);
        for (int i = 0; i < tc->n_in; i++)
            md_tensor_cleanup(&in[i]);
        th_node_free(n);
    }
}

/* Runs op on inputs and expects failure with code and a message containing
 * `needle`. */
static void expect_fail(const char *op, const char *attrs, int n_in, const struct md_tensor *const *in,
                        enum md_code code, const char *needle)
{
    Tensorflow__NodeDef *n = th_node(op);
    set_attrs(n, attrs);
    struct md_status st = MD_STATUS_INIT;
    struct md_tensor out[TH_MAX_OUT];
    int n_out;
    bool ok = th_run(n, n_in, in, &n_out, out, &st);
    if (ok)
        fail_msg("%s: expected failure containing '%s'", op, needle);
    if (st.code != code || !strstr(st.msg, needle))
        fail_msg("%s: got code %d '%s', want %d containing '%s'", op, st.code, st.msg, code,
                 needle);
    assert_non_null(strstr(st.msg, "test_node"));
    th_node_free(n);
}

#define T(dt, r, d, v) th_tensor(dt, r, (int64_t[])d, v)
#define DIMS(...) { __VA_ARGS__ }

static void test_rejects(void **state)
{
    (void)state;
    /* SparseFillEmptyRows: a row outside dense_shape[0], wrong index dtype. */
    struct md_tensor ind = T(MD_DT_INT64, 2, DIMS(1, 2), ((int64_t[]){ 5, 0 }));
    struct md_tensor val = T(MD_DT_FLOAT, 1, DIMS(1), ((float[]){ 1 }));
    struct md_tensor shp = T(MD_DT_INT64, 1, DIMS(2), ((int64_t[]){ 3, 3 }));
    struct md_tensor def = th_scalar_f32(0);
    struct md_tensor ind32 = T(MD_DT_INT32, 2, DIMS(1, 2), ((int32_t[]){ 0, 0 }));
    expect_fail("SparseFillEmptyRows", "", 4, (const struct md_tensor *[]){ &ind, &val, &shp, &def },
                MD_INVALID_ARGUMENT, "indices(0, 0) is invalid");
    expect_fail("SparseFillEmptyRows", "", 4,
                (const struct md_tensor *[]){ &ind32, &val, &shp, &def }, MD_INVALID_ARGUMENT,
                "indices must be int64");
    struct md_tensor def64 = th_scalar_i64(0);
    expect_fail("SparseFillEmptyRows", "", 4,
                (const struct md_tensor *[]){ &ind, &val, &shp, &def64 }, MD_INVALID_ARGUMENT,
                "default_value is int64");
    /* SparseReshape: size mismatch, two -1, index out of bounds. */
    struct md_tensor ind0 = T(MD_DT_INT64, 2, DIMS(1, 2), ((int64_t[]){ 0, 1 }));
    struct md_tensor new_bad = T(MD_DT_INT64, 1, DIMS(2), ((int64_t[]){ 4, 4 }));
    struct md_tensor new_two = T(MD_DT_INT64, 1, DIMS(2), ((int64_t[]){ -1, -1 }));
    struct md_tensor new_mul = T(MD_DT_INT64, 1, DIMS(2), ((int64_t[]){ -1, 2 }));
    struct md_tensor shp33 = T(MD_DT_INT64, 1, DIMS(2), ((int64_t[]){ 3, 3 }));
    expect_fail("SparseReshape", "", 3, (const struct md_tensor *[]){ &ind0, &shp33, &new_bad },
                MD_INVALID_ARGUMENT, "requested shape has 16");
    expect_fail("SparseReshape", "", 3, (const struct md_tensor *[]){ &ind0, &shp33, &new_two },
                MD_INVALID_ARGUMENT, "only one output dimension may be -1");
    expect_fail("SparseReshape", "", 3, (const struct md_tensor *[]){ &ind0, &shp33, &new_mul },
                MD_INVALID_ARGUMENT, "requires a multiple of 2");
    struct md_tensor new9 = T(MD_DT_INT64, 1, DIMS(1), ((int64_t[]){ 9 }));
    expect_fail("SparseReshape", "", 3, (const struct md_tensor *[]){ &ind, &shp33, &new9 },
                MD_INVALID_ARGUMENT, "out of bounds");
    /* SparseSegmentSum: index out of range, unsorted segments, int data. */
    struct md_tensor data = T(MD_DT_FLOAT, 2, DIMS(2, 2), ((float[]){ 1, 2, 3, 4 }));
    struct md_tensor idx_bad = T(MD_DT_INT32, 1, DIMS(2), ((int32_t[]){ 0, 2 }));
    struct md_tensor idx_ok = T(MD_DT_INT32, 1, DIMS(2), ((int32_t[]){ 0, 1 }));
    struct md_tensor seg_ok = T(MD_DT_INT32, 1, DIMS(2), ((int32_t[]){ 0, 1 }));
    struct md_tensor seg_bad = T(MD_DT_INT32, 1, DIMS(2), ((int32_t[]){ 1, 0 }));
    struct md_tensor idata = T(MD_DT_INT32, 2, DIMS(2, 2), ((int32_t[]){ 1, 2, 3, 4 }));
    expect_fail("SparseSegmentSum", "", 3, (const struct md_tensor *[]){ &data, &idx_bad, &seg_ok },
                MD_INVALID_ARGUMENT, "indices[1] = 2 is out of range");
    expect_fail("SparseSegmentMean", "", 3, (const struct md_tensor *[]){ &data, &idx_ok, &seg_bad },
                MD_INVALID_ARGUMENT, "not increasing");
    expect_fail("SparseSegmentSqrtN", "", 3, (const struct md_tensor *[]){ &idata, &idx_ok, &seg_ok },
                MD_UNIMPLEMENTED, "DT_INT32");
    struct md_tensor ns1 = th_scalar_i32(1);
    expect_fail("SparseSegmentSumWithNumSegments", "", 4,
                (const struct md_tensor *[]){ &data, &idx_ok, &seg_ok, &ns1 }, MD_INVALID_ARGUMENT,
                "out of range [0, 1)");
    /* SparseToDense: out of bounds, unsorted, repeated. */
    struct md_tensor sidx = T(MD_DT_INT64, 1, DIMS(2), ((int64_t[]){ 3, 1 }));
    struct md_tensor sidx_rep = T(MD_DT_INT64, 1, DIMS(2), ((int64_t[]){ 1, 1 }));
    struct md_tensor oshape = T(MD_DT_INT64, 1, DIMS(1), ((int64_t[]){ 3 }));
    struct md_tensor oshape4 = T(MD_DT_INT64, 1, DIMS(1), ((int64_t[]){ 4 }));
    struct md_tensor sval = th_scalar_f32(1);
    expect_fail("SparseToDense", "", 4, (const struct md_tensor *[]){ &sidx, &oshape, &sval, &def },
                MD_INVALID_ARGUMENT, "out of bounds");
    expect_fail("SparseToDense", "", 4, (const struct md_tensor *[]){ &sidx, &oshape4, &sval, &def },
                MD_INVALID_ARGUMENT, "out of order");
    expect_fail("SparseToDense", "", 4,
                (const struct md_tensor *[]){ &sidx_rep, &oshape4, &sval, &def },
                MD_INVALID_ARGUMENT, "repeated");
    /* StringSplit: non-string input. */
    const char *delim_s[] = { " " };
    struct md_tensor delim = th_tensor(MD_DT_STRING, 0, NULL, delim_s);
    expect_fail("StringSplit", "", 2, (const struct md_tensor *[]){ &val, &delim },
                MD_INVALID_ARGUMENT, "input must be string");
    /* Bucketize: unsorted boundaries (init), string input. */
    expect_fail("Bucketize", "boundaries=3,1", 1, (const struct md_tensor *[]){ &val },
                MD_INVALID_ARGUMENT, "Expected sorted boundaries");
    expect_fail("Bucketize", "boundaries=1,3", 1, (const struct md_tensor *[]){ &delim },
                MD_UNIMPLEMENTED, "DT_STRING");
    /* GatherNd: index out of range, too long index, float indices. */
    struct md_tensor gidx = T(MD_DT_INT64, 2, DIMS(1, 2), ((int64_t[]){ 1, 2 }));
    struct md_tensor gidx3 = T(MD_DT_INT64, 2, DIMS(1, 3), ((int64_t[]){ 0, 0, 0 }));
    expect_fail("GatherNd", "", 2, (const struct md_tensor *[]){ &data, &gidx }, MD_INVALID_ARGUMENT,
                "does not index into param shape [2,2]");
    expect_fail("GatherNd", "", 2, (const struct md_tensor *[]){ &data, &gidx3 },
                MD_INVALID_ARGUMENT, "must be <= params rank");
    expect_fail("GatherNd", "", 2, (const struct md_tensor *[]){ &data, &data }, MD_INVALID_ARGUMENT,
                "indices must be int32 or int64");
    /* UpperBound: batch mismatch, dtype mismatch. */
    struct md_tensor one_row = T(MD_DT_FLOAT, 2, DIMS(1, 2), ((float[]){ 1, 2 }));
    expect_fail("UpperBound", "", 2, (const struct md_tensor *[]){ &data, &one_row },
                MD_INVALID_ARGUMENT, "Leading dim_size");
    expect_fail("LowerBound", "", 2, (const struct md_tensor *[]){ &data, &idata },
                MD_INVALID_ARGUMENT, "values must be float");
    struct md_tensor *all[] = { &ind, &val, &shp, &def, &ind32, &def64, &ind0, &new_bad, &new_two,
                                &new_mul, &shp33, &new9, &data, &idx_bad, &idx_ok, &seg_ok,
                                &seg_bad, &idata, &ns1, &sidx, &sidx_rep, &oshape, &oshape4, &sval,
                                &delim, &gidx, &gidx3, &one_row };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        md_tensor_cleanup(all[i]);
}

/* DecodeCSV: expected values follow Python's csv module on the same records
 * (RFC 4180 quoting), with TensorFlow's defaults for empty fields. */
static void run_csv(const char *const *recs, int n, struct md_tensor *out, int *n_out,
                    struct md_status *st)
{
    Tensorflow__NodeDef *nd = th_node("DecodeCSV");
    th_attr_list_type(nd, "OUT_TYPE", 3,
                      (const enum md_dtype[]){ MD_DT_INT32, MD_DT_FLOAT, MD_DT_STRING });
    struct md_tensor r = th_tensor(MD_DT_STRING, 1, (int64_t[]){ n }, recs);
    struct md_tensor d0 = th_tensor(MD_DT_INT32, 1, (int64_t[]){ 1 }, (int32_t[]){ -1 });
    struct md_tensor d1 = th_tensor(MD_DT_FLOAT, 1, (int64_t[]){ 1 }, (float[]){ 0.5f });
    struct md_tensor d2 = th_tensor(MD_DT_STRING, 1, (int64_t[]){ 0 }, NULL);
    th_run(nd, 4, (const struct md_tensor *[]){ &r, &d0, &d1, &d2 }, n_out, out, st);
    md_tensor_cleanup(&r);
    md_tensor_cleanup(&d0);
    md_tensor_cleanup(&d1);
    md_tensor_cleanup(&d2);
    th_node_free(nd);
}

static void test_decode_csv(void **state)
{
    (void)state;
    const char *recs[] = { "1,2.5,\"a,b\"", ",,\"x\"\"y\"", "7,,z" };
    struct md_tensor out[TH_MAX_OUT];
    int n_out;
    struct md_status st = MD_STATUS_INIT;
    run_csv(recs, 3, out, &n_out, &st);
    if (st.code != MD_OK)
        fail_msg("%s", st.msg);
    assert_int_equal(n_out, 3);
    const int32_t c0[] = { 1, -1, 7 };
    const float c1[] = { 2.5f, 0.5f, 0.5f };
    assert_memory_equal(out[0].data, c0, sizeof c0);
    assert_memory_equal(out[1].data, c1, sizeof c1);
    const char *c2[] = { "a,b", "x\"y", "z" };
    for (int i = 0; i < 3; i++) {
        const struct md_str *sv = &((const struct md_str *)out[2].data)[i];
        assert_int_equal(sv->len, strlen(c2[i]));
        assert_memory_equal(sv->data, c2[i], sv->len);
    }
    th_free_outputs(out, n_out);
    static const struct {
        const char *rec, *needle;
    } bad[] = {
        { "7,8", "Expect 3 fields but have 2" },
        { "1,2,", "Field 2 is required but missing in record 0" },
        { "x,1,a", "Field 0 in record 0 is not a valid int32: x" },
        { "1,2,\"open", "Quoted field has to end" },
        { "1,2,a\"b", "Unquoted fields cannot have quotes" },
        { "1,2,3,4", "Expect 3 fields but have more" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        st = (struct md_status)MD_STATUS_INIT;
        run_csv(&bad[i].rec, 1, out, &n_out, &st);
        if (st.code != MD_INVALID_ARGUMENT || !strstr(st.msg, bad[i].needle))
            fail_msg("'%s': got '%s', want '%s'", bad[i].rec, st.msg, bad[i].needle);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden),
        cmocka_unit_test(test_rejects),
        cmocka_unit_test(test_decode_csv),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
