/* test_json.c: the REST JSON codec (server/json_decode.c, json_encode.c)
 * against TF Serving's shapes and messages, without a model. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "example.pb-c.h"
#include "server/server_impl.h"

static struct md_arena *arena;

static int setup(void **state)
{
    (void)state;
    struct md_status st = MD_STATUS_INIT;
    arena = md_arena_new(1 << 16, 64 << 20, &st);
    return arena ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    md_arena_free(arena);
    return 0;
}

/* A signature with the given (alias, dtype) inputs. */
static struct md_tensor_info infos[4];
static struct md_signature sig;

static const struct md_signature *make_sig(int n, ...)
{
    va_list ap;
    va_start(ap, n);
    memset(infos, 0, sizeof infos);
    for (int i = 0; i < n; i++) {
        infos[i].alias = va_arg(ap, const char *);
        infos[i].dtype = (enum md_dtype)va_arg(ap, int);
        infos[i].dtype_raw = (int)infos[i].dtype;
        infos[i].unknown_rank = true;
    }
    va_end(ap);
    memset(&sig, 0, sizeof sig);
    sig.key = "serving_default";
    sig.method_name = "tensorflow/serving/predict";
    sig.n_inputs = (size_t)n;
    sig.inputs = infos;
    return &sig;
}

struct decoded {
    bool ok;
    struct md_status st;
    struct md_feed *feeds;
    size_t n;
    enum md_json_format fmt;
};

static struct decoded decode(const char *body, const struct md_signature *s)
{
    struct decoded d;
    memset(&d, 0, sizeof d);
    struct md_status init = MD_STATUS_INIT;
    d.st = init;
    md_arena_reset(arena);
    struct md_json_predict jp;
    d.ok = md_json_predict_scan(body, strlen(body), arena, &jp, &d.st) &&
           md_json_predict_decode(body, strlen(body), &jp, s, arena, &d.feeds, &d.n, &d.fmt, &d.st);
    return d;
}

static void expect_error(const char *body, const struct md_signature *s, const char *substr)
{
    struct decoded d = decode(body, s);
    if (d.ok || !strstr(d.st.msg, substr))
        fail_msg("body %s: expected error containing '%s', got ok=%d '%s'", body, substr, d.ok,
                 d.st.msg);
    assert_int_equal(d.st.code, MD_INVALID_ARGUMENT);
}

static void test_row_single_input(void **state)
{
    (void)state;
    const struct md_signature *s = make_sig(1, "x", MD_DT_FLOAT);
    struct decoded d = decode("{\"instances\": [2.0, 3.0, 4.5e0]}", s);
    assert_true(d.ok);
    assert_int_equal(d.fmt, MD_JSON_ROW);
    assert_int_equal(d.n, 1);
    const struct md_tensor *t = d.feeds[0].tensor;
    assert_string_equal(d.feeds[0].alias, "x");
    assert_int_equal(t->dtype, MD_DT_FLOAT);
    assert_int_equal(t->rank, 1);
    assert_int_equal(t->dims[0], 3);
    const float *v = t->data;
    assert_true(v[0] == 2.0f && v[1] == 3.0f && v[2] == 4.5f);

    d = decode("{\"instances\":[[1.0,2.0],[3.0,4.0]],\"signature_name\":\"serving_default\"}", s);
    assert_true(d.ok);
    t = d.feeds[0].tensor;
    assert_int_equal(t->rank, 2);
    assert_int_equal(t->dims[0], 2);
    assert_int_equal(t->dims[1], 2);
    assert_true(((const float *)t->data)[3] == 4.0f);
}

static void test_row_named_inputs(void **state)
{
    (void)state;
    const struct md_signature *s = make_sig(2, "a", MD_DT_INT64, "b", MD_DT_STRING);
    struct decoded d = decode("{\"instances\":[{\"a\":[1,2],\"b\":\"x\"},{\"b\":{\"b64\":\"aGk=\"},"
                              "\"a\":[9007199254740993,-9223372036854775808]}]}",
                              s);
    assert_true(d.ok);
    assert_int_equal(d.n, 2);
    const struct md_tensor *a = d.feeds[0].tensor, *b = d.feeds[1].tensor;
    assert_int_equal(a->rank, 2);
    assert_int_equal(a->dims[0], 2);
    assert_int_equal(a->dims[1], 2);
    const int64_t *av = a->data;
    /* int64 beyond 2^53 survives exactly */
    assert_true(av[2] == 9007199254740993LL);
    assert_true(av[3] == INT64_MIN);
    assert_int_equal(b->rank, 1);
    const struct md_str *bs = b->data;
    assert_int_equal(bs[0].len, 1);
    assert_memory_equal(bs[0].data, "x", 1);
    assert_int_equal(bs[1].len, 2);
    assert_memory_equal(bs[1].data, "hi", 2);

    expect_error("{\"instances\":[{\"a\":1,\"b\":\"x\"},{\"a\":1}]}", s, "keys must be equal to: a,b");
    expect_error("{\"instances\":[{\"a\":1,\"b\":\"x\",\"c\":2}]}", s,
                 "does not have named input: c");
    expect_error("{\"instances\":[{\"a\":[1],\"b\":\"x\"},{\"a\":[1,2],\"b\":\"y\"}]}", s,
                 "Expecting tensor size: 1 but got: 2");
    expect_error("{\"instances\":[1,2]}", s, "instances is a plain list, but expecting list of objects");
    expect_error("{\"instances\":[{\"a\":1,\"b\":\"x\"},[1]]}", s, "Expecting object but got list at item 1");
}

static void test_columnar(void **state)
{
    (void)state;
    const struct md_signature *s = make_sig(2, "a", MD_DT_INT32, "b", MD_DT_FLOAT);
    struct decoded d = decode("{\"inputs\":{\"b\":[[1.5]],\"a\":7,\"zzz\":1}}", s);
    assert_true(d.ok);
    assert_int_equal(d.fmt, MD_JSON_COLUMNAR);
    assert_int_equal(d.feeds[0].tensor->rank, 0);
    assert_int_equal(*(const int32_t *)d.feeds[0].tensor->data, 7);
    assert_int_equal(d.feeds[1].tensor->rank, 2);
    expect_error("{\"inputs\":{\"b\":[1.5]}}", s, "Missing named input: a in 'inputs' object.");
    expect_error("{\"inputs\":[1]}", s, "inputs is a plain value/list, but expecting an object");

    s = make_sig(1, "x", MD_DT_FLOAT);
    d = decode("{\"inputs\":[NaN, Infinity, -Infinity, -0.0, 1e-3]}", s);
    assert_true(d.ok);
    const float *v = d.feeds[0].tensor->data;
    assert_true(isnan(v[0]) && isinf(v[1]) && v[1] > 0 && isinf(v[2]) && v[2] < 0);
    assert_true(v[3] == 0.0f && signbit(v[3]));
    assert_true(v[4] == 1e-3f);
}

static void test_errors(void **state)
{
    (void)state;
    const struct md_signature *s = make_sig(1, "x", MD_DT_FLOAT);
    expect_error("", s, "JSON Parse error: The document is empty");
    expect_error("   ", s, "JSON Parse error: The document is empty. at offset: 3");
    expect_error("instances = [1, 2]", s, "JSON Parse error: Invalid value. at offset: 0");
    expect_error("{\"instances\":[1,]}", s, "Invalid value. at offset: 16");
    expect_error("{\"instances\":[1} ", s, "Missing a comma or ']' after an array element.");
    expect_error("{\"instances\" [1]}", s, "Missing a colon after a name of object member.");
    expect_error("{\"a\":1} x", s, "The document root must not be followed by other values.");
    expect_error("{\"a\":\"\\q\"}", s, "Invalid escape character in string.");
    expect_error("{\"a\":\"abc", s, "Missing a closing quotation mark in string.");
    expect_error("{\"a\":1.}", s, "Miss fraction part in number.");
    expect_error("{\"a\":1e}", s, "Miss exponent in number.");
    expect_error("{\"a\":\"\\ud800x\"}", s, "The surrogate pair in string is invalid.");
    expect_error("[1]", s, "Is not object");
    expect_error("{\"signature_name\":100}", s,
                 "'signature_name' key must be a string value.");
    expect_error("{\"instances\":[\"x\",\"y\"]}", s, "not of expected type: float");
    expect_error("{\"instances\":[true]}", s, "Type: True is not of expected type: float");
    expect_error("{\"instances\":[[1,2],[3]]}", s, "Encountered list at unexpected size: 1 at level: 1");
    expect_error("{\"instances\":[[1,2],3]}", s, "found at incorrect level");
    expect_error("{\"instances\":[16777217]}", s, "without loss of precision");
    expect_error("{\"instances\":[1e39]}", s, "without loss of precision");
    expect_error("{\"instances\":[1e999]}", s, "Number too big to be stored in double.");
    expect_error("{\"instances\":[]}", s, "No values in 'instances' array");
    expect_error("{\"instances\":1}", s, "Excepting 'instances' to be an list/array");
    expect_error("{\"instances\":[1],\"inputs\":[1]}", s, "expecting only one of 'inputs' or 'instances'");
    expect_error("{\"foo\":1}", s, "Missing 'inputs' or 'instances' key");
    expect_error("{\"instances\":[{\"x\":1}, 2]}", s, "Expecting object but got list at item 1");
    expect_error("{\"instances\":[1, {\"x\":1}]}", s, "Expecting value/list but got object at item 1");
    expect_error("{\"instances\":[[[[[[[[[1]]]]]]]]]}", s, "nested deeper than 8 levels");
    s = make_sig(1, "x", MD_DT_INT32);
    expect_error("{\"instances\":[1.5]}", s, "not of expected type: int32");
    expect_error("{\"instances\":[2147483648]}", s, "not of expected type: int32");
    s = make_sig(1, "x", MD_DT_STRING);
    expect_error("{\"instances\":[{\"b64\":\"!!\"}]}", s, "Unable to base64 decode");
    expect_error("{\"inputs\":[{\"b64\":1}]}", s, "not formatted correctly for base64 data");
    s = make_sig(0);
    expect_error("{\"instances\":[1]}", s, "Failed to get input map for signature: DEFAULT");

    /* deep nesting is refused, not recursed into */
    char deep[2000];
    size_t o = 0;
    o += (size_t)sprintf(deep, "{\"a\":");
    for (int i = 0; i < 300; i++)
        deep[o++] = '[';
    deep[o] = '\0';
    expect_error(deep, make_sig(1, "x", MD_DT_FLOAT), "nesting deeper than 256 levels");
}

static void test_zero_input_signature(void **state)
{
    (void)state;
    struct decoded d = decode("{\"signature_name\":\"get\",\"inputs\":{}}", make_sig(0));
    assert_true(d.ok);
    assert_int_equal(d.n, 0);
}

static char *encode(enum md_json_format fmt, struct md_serve_output *o, size_t n, bool *ok,
                    struct md_status *st)
{
    static struct md_sbuf b = MD_SBUF_INIT;
    md_sbuf_reset(&b);
    *ok = md_json_predict_encode(&b, fmt, o, n, st);
    return b.data;
}

static void test_encode(void **state)
{
    (void)state;
    float y[4] = {3.0f, 3.5f, 0.1f, 1e-5f};
    struct md_serve_output o[2];
    memset(o, 0, sizeof o);
    o[0].alias = "y";
    o[0].tensor.dtype = MD_DT_FLOAT;
    o[0].tensor.rank = 2;
    o[0].tensor.dims[0] = 2;
    o[0].tensor.dims[1] = 2;
    o[0].tensor.data = y;
    struct md_status st = MD_STATUS_INIT;
    bool ok;
    char *s = encode(MD_JSON_ROW, o, 1, &ok, &st);
    assert_true(ok);
    assert_string_equal(s, "{\"predictions\":[[3.0,3.5],[0.1,1e-05]]}");
    s = encode(MD_JSON_COLUMNAR, o, 1, &ok, &st);
    assert_string_equal(s, "{\"outputs\":[[3.0,3.5],[0.1,1e-05]]}");

    int64_t big[2] = {9007199254740993LL, -1};
    struct md_str strs[2] = {{"a\"b", 3}, {"\xff\x01", 2}};
    o[0].tensor.dtype = MD_DT_INT64;
    o[0].tensor.rank = 1;
    o[0].tensor.dims[0] = 2;
    o[0].tensor.data = big;
    o[1].alias = "z_bytes";
    o[1].tensor.dtype = MD_DT_STRING;
    o[1].tensor.rank = 1;
    o[1].tensor.dims[0] = 2;
    o[1].tensor.data = strs;
    s = encode(MD_JSON_ROW, o, 2, &ok, &st);
    assert_true(ok);
    assert_string_equal(s, "{\"predictions\":[{\"y\":9007199254740993,\"z_bytes\":{\"b64\": \"YSJi\"}},"
                           "{\"y\":-1,\"z_bytes\":{\"b64\": \"/wE=\"}}]}");
    o[1].alias = "z";
    s = encode(MD_JSON_COLUMNAR, o, 2, &ok, &st);
    assert_string_equal(s, "{\"outputs\":{\"y\":[9007199254740993,-1],\"z\":[\"a\\\"b\",\"\\ufffd\\u0001\"]}}");

    o[1].tensor.dims[0] = 3;
    s = encode(MD_JSON_ROW, o, 2, &ok, &st);
    assert_false(ok);
    assert_non_null(strstr(st.msg, "has inconsistent batch size: 3 expecting: 2"));
    struct md_status st2 = MD_STATUS_INIT;
    o[0].tensor.rank = 0;
    s = encode(MD_JSON_ROW, o, 1, &ok, &st2);
    assert_false(ok);
    assert_non_null(strstr(st2.msg, "has no shape information"));
}

static void test_floats(void **state)
{
    (void)state;
    struct {
        float v;
        const char *want;
    } cases[] = {{3.0f, "3.0"}, {0.2f, "0.2"}, {1e6f, "1e+06"}, {123456.0f, "123456.0"},
                 {0.1f + 0.2f, "0.3"}, {16777216.0f, "16777216.0"}, {1.0f / 3.0f, "0.333333343"},
                 {NAN, "NaN"}, {-INFINITY, "-Infinity"}, {-2.5f, "-2.5"}};
    struct md_sbuf b = MD_SBUF_INIT;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        md_sbuf_reset(&b);
        md_json_write_float(&b, cases[i].v);
        if (strcmp(b.data, cases[i].want))
            fail_msg("float %g: got %s want %s", (double)cases[i].v, b.data, cases[i].want);
    }
    md_sbuf_free(&b);
}

/* The decoder's fast float path must give exactly (float)strtod(text), as
 * TF Serving (rapidjson GetFloat) does, including near float midpoints. */
static void test_float_parse_exact(void **state)
{
    (void)state;
    const struct md_signature *s = make_sig(1, "x", MD_DT_FLOAT);
    enum { N = 2000 };
    static char body[N * 40 + 64];
    static char nums[N][40];
    uint64_t seed = 88172645463325252ull;
    for (int round = 0; round < 20; round++) {
        size_t o = (size_t)sprintf(body, "{\"instances\":[");
        for (int i = 0; i < N; i++) {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            int kind = (int)(seed % 4);
            if (kind == 0) { /* 17-digit reprs of doubles */
                double v = (double)(seed >> 11) / 9007199254740992.0 * 1000.0;
                sprintf(nums[i], "%.17g", v);
            } else if (kind == 1) { /* exact float midpoints and neighbours */
                float f = (float)((seed >> 40) % 100000) / 7.0f;
                double mid = ((double)f + (double)nextafterf(f, INFINITY)) / 2;
                sprintf(nums[i], "%.17g", mid + (double)((int)(seed >> 20) % 3 - 1) * 1e-12 * mid);
            } else if (kind == 2) { /* short decimals with exponents */
                sprintf(nums[i], "%llu.%llue%d", (unsigned long long)(seed % 1000),
                        (unsigned long long)((seed >> 10) % 100000), (int)((seed >> 30) % 40) - 20);
            } else { /* 19 digits */
                sprintf(nums[i], "0.%019llu", (unsigned long long)(seed % 10000000000000000000ull));
            }
            o += (size_t)sprintf(body + o, "%s%s", i ? "," : "", nums[i]);
        }
        sprintf(body + o, "]}");
        struct decoded d = decode(body, s);
        if (!d.ok)
            fail_msg("%s", d.st.msg);
        const float *v = d.feeds[0].tensor->data;
        for (int i = 0; i < N; i++) {
            float want = (float)strtod(nums[i], NULL);
            if (memcmp(&want, &v[i], sizeof want))
                fail_msg("%s: got %.9g want %.9g", nums[i], (double)v[i], (double)want);
        }
    }
}

static void test_base64(void **state)
{
    (void)state;
    unsigned char out[16];
    assert_int_equal(md_base64_decode("aGk=", 4, out), 2);
    assert_int_equal(md_base64_decode("aGk", 3, out), 2);
    assert_int_equal(md_base64_decode("", 0, out), 0);
    assert_int_equal(md_base64_decode("a", 1, out), -1);
    assert_int_equal(md_base64_decode("a===", 4, out), -1);
    assert_int_equal(md_base64_decode("aG!=", 4, out), -1);
    struct md_sbuf b = MD_SBUF_INIT;
    md_base64_encode(&b, (const unsigned char *)"hello", 5);
    assert_string_equal(b.data, "aGVsbG8=");
    md_sbuf_free(&b);
}

static void test_examples(void **state)
{
    (void)state;
    md_arena_reset(arena);
    const char *body = "{\"signature_name\":\"classify_x_to_y\",\"context\":{\"c\":\"ctx\"},"
                       "\"examples\":[{\"x\":2.0,\"n\":[1,2,true],\"s\":[\"a\",{\"b64\":\"Yg==\"}]},"
                       "{\"x\":[]}]}";
    struct md_status st = MD_STATUS_INIT;
    const char *signame;
    struct md_tensor t;
    assert_true(md_json_examples_decode(body, strlen(body), arena, &signame, &t, &st));
    assert_string_equal(signame, "classify_x_to_y");
    assert_int_equal(t.dtype, MD_DT_STRING);
    assert_int_equal(t.dims[0], 2);
    const struct md_str *ex = t.data;
    Tensorflow__Example *e = tensorflow__example__unpack(NULL, ex[0].len, (const uint8_t *)ex[0].data);
    assert_non_null(e);
    /* context (1 feature) + 3 features; protobuf merges the map entries */
    assert_int_equal(e->features->n_feature, 4);
    bool saw_x = false, saw_n = false, saw_s = false, saw_c = false;
    for (size_t i = 0; i < e->features->n_feature; i++) {
        const Tensorflow__Features__FeatureEntry *f = e->features->feature[i];
        if (!strcmp(f->key, "x")) {
            saw_x = f->value->kind_case == TENSORFLOW__FEATURE__KIND_FLOAT_LIST &&
                    f->value->float_list->n_value == 1 && f->value->float_list->value[0] == 2.0f;
        } else if (!strcmp(f->key, "n")) {
            saw_n = f->value->kind_case == TENSORFLOW__FEATURE__KIND_INT64_LIST &&
                    f->value->int64_list->n_value == 3 && f->value->int64_list->value[2] == 1;
        } else if (!strcmp(f->key, "s")) {
            saw_s = f->value->kind_case == TENSORFLOW__FEATURE__KIND_BYTES_LIST &&
                    f->value->bytes_list->n_value == 2 && f->value->bytes_list->value[1].len == 1 &&
                    f->value->bytes_list->value[1].data[0] == 'b';
        } else if (!strcmp(f->key, "c")) {
            saw_c = f->value->kind_case == TENSORFLOW__FEATURE__KIND_BYTES_LIST;
        }
    }
    assert_true(saw_x && saw_n && saw_s && saw_c);
    tensorflow__example__free_unpacked(e, NULL);

    struct {
        const char *body, *err;
    } bad[] = {
        {"{\"examples\":[]}", "'examples' value is an empty array"},
        {"{\"examples\":{}}", "Expecting 'examples' value to be an list/array"},
        {"{\"signature_name\":\"a\"}", "key 'examples' is expected and was not found"},
        {"{\"examples\":[1]}", "Example must be JSON object but got JSON Number"},
        {"{\"examples\":[{\"x\":null}]}", "Feature: x has element with unexpected JSON type: Null"},
        {"{\"examples\":[{\"x\":[[1]]}]}", "Feature: x has element with unexpected JSON type: Array"},
        {"{\"examples\":[{\"x\":[1, 2.0]}]}", "Unexpected element type in feature: x expecting type: int64"},
        {"{\"examples\":[{\"x\":18446744073709551615}]}", "has uint64 element. Only int64 is supported."},
        {"{\"examples\":[{\"x\":{\"a\":1}}]}", "unexpected JSON type: Object"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct md_status s2 = MD_STATUS_INIT;
        md_arena_reset(arena);
        bool ok = md_json_examples_decode(bad[i].body, strlen(bad[i].body), arena, &signame, &t, &s2);
        if (ok || !strstr(s2.msg, bad[i].err))
            fail_msg("%s: want '%s', got ok=%d '%s'", bad[i].body, bad[i].err, ok, s2.msg);
    }
}

static void test_results_encode(void **state)
{
    (void)state;
    struct md_sbuf b = MD_SBUF_INIT;
    struct md_status st = MD_STATUS_INIT;
    float scores[2] = {3.0f, 0.25f};
    struct md_classify_result r = {2, 1, NULL, scores};
    assert_true(md_json_classify_encode(&b, &r, &st));
    assert_string_equal(b.data, "{\"results\":[[[\"\",3.0]],[[\"\",0.25]]]}");
    md_sbuf_reset(&b);
    assert_true(md_json_regress_encode(&b, scores, 2, &st));
    assert_string_equal(b.data, "{\"results\":[3.0,0.25]}");
    md_sbuf_reset(&b);
    md_json_write_error(&b, "bad \"thing\"\n");
    assert_string_equal(b.data, "{\"error\":\"bad \\\"thing\\\"\\n\"}");
    md_sbuf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_row_single_input), cmocka_unit_test(test_row_named_inputs),
        cmocka_unit_test(test_columnar),         cmocka_unit_test(test_errors),
        cmocka_unit_test(test_zero_input_signature), cmocka_unit_test(test_encode),
        cmocka_unit_test(test_floats),           cmocka_unit_test(test_base64),
        cmocka_unit_test(test_float_parse_exact),
        cmocka_unit_test(test_examples),         cmocka_unit_test(test_results_encode),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
