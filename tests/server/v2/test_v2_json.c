/* test_v2_json.c: the KServe v2 codec without a daemon: the datatype table,
 * FP16, infer bodies (nested and flat data, every datatype, the binary
 * extension) and every rejected request, and the response encoder. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "server/v2.h"

static struct md_arena *arena;

static int setup(void **state)
{
    (void)state;
    struct md_status st = MD_STATUS_INIT;
    arena = md_arena_new(1 << 16, 64u << 20, &st);
    return arena ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    md_arena_free(arena);
    return 0;
}

static bool decode(const char *body, struct md_v2_request *r, struct md_status *st)
{
    md_arena_reset(arena);
    return md_v2_json_decode(body, strlen(body), strlen(body), arena, r, st);
}

static void test_datatypes(void **state)
{
    (void)state;
    static const struct {
        const char *v2;
        enum md_dtype tf;
    } table[] = {
        {"BOOL", MD_DT_BOOL},     {"UINT8", MD_DT_UINT8},   {"UINT16", MD_DT_UINT16},
        {"UINT32", MD_DT_UINT32}, {"UINT64", MD_DT_UINT64}, {"INT8", MD_DT_INT8},
        {"INT16", MD_DT_INT16},   {"INT32", MD_DT_INT32},   {"INT64", MD_DT_INT64},
        {"FP16", MD_DT_HALF},     {"FP32", MD_DT_FLOAT},    {"FP64", MD_DT_DOUBLE},
        {"BYTES", MD_DT_STRING},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        assert_int_equal(md_v2_datatype_from_name(table[i].v2, strlen(table[i].v2)), table[i].tf);
        assert_string_equal(md_v2_datatype_name(table[i].tf), table[i].v2);
    }
    assert_string_equal(md_v2_datatype_name(MD_DT_FLOAT + MD_DT_REF_OFFSET), "FP32");
    assert_null(md_v2_datatype_name(MD_DT_BFLOAT16));
    assert_null(md_v2_datatype_name(MD_DT_COMPLEX64));
    assert_null(md_v2_datatype_name(999));
    assert_int_equal(md_v2_datatype_from_name("fp32", 4), MD_DT_INVALID);
    assert_int_equal(md_v2_datatype_from_name("FP3", 3), MD_DT_INVALID);
}

static void test_half(void **state)
{
    (void)state;
    const float vals[] = {0.0f, 1.0f, -2.5f, 65504.0f, 0.000061035156f, 5.9604645e-08f, 0.1f};
    const uint16_t bits[] = {0x0000, 0x3c00, 0xc100, 0x7bff, 0x0400, 0x0001, 0x2e66};
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        assert_int_equal(md_v2_half_from_float(vals[i]), bits[i]);
        if (i != 6)
            assert_true(md_v2_half_to_float(bits[i]) == vals[i]);
    }
    assert_int_equal(md_v2_half_from_float(1e6f), 0x7c00);
    assert_int_equal(md_v2_half_from_float(-INFINITY), 0xfc00);
    assert_true(isnan(md_v2_half_to_float(md_v2_half_from_float(NAN))));
    /* Every half survives half -> float -> half. */
    for (unsigned h = 0; h < 0x10000; h++) {
        if ((h & 0x7c00) == 0x7c00 && (h & 0x3ff))
            continue;
        assert_int_equal(md_v2_half_from_float(md_v2_half_to_float((uint16_t)h)), h);
    }
}

static void test_decode_nested_and_flat(void **state)
{
    (void)state;
    struct md_v2_request r;
    struct md_status st = MD_STATUS_INIT;
    /* Keys in any order: data before datatype and shape. */
    assert_true(decode("{\"inputs\":[{\"data\":[[1,2.5],[3e1,-4]],\"shape\":[2,2],\"name\":\"x\","
                       "\"datatype\":\"FP32\"}], \"id\":\"r\\u00e91\",\"parameters\":"
                       "{\"signature_name\":\"sig\",\"other\":[1,{\"a\":null}]},"
                       "\"outputs\":[{\"name\":\"y\"},{\"name\":\"z\",\"parameters\":"
                       "{\"binary_data\":true}}], \"extra\": {}}",
                       &r, &st));
    assert_string_equal(r.id, "r\xc3\xa9" "1");
    assert_string_equal(r.signature_name, "sig");
    assert_int_equal(r.n_inputs, 1);
    assert_string_equal(r.inputs[0].name, "x");
    const struct md_tensor *t = &r.inputs[0].tensor;
    assert_int_equal(t->dtype, MD_DT_FLOAT);
    assert_int_equal(t->rank, 2);
    const float *f = t->data;
    assert_true(f[0] == 1.0f && f[1] == 2.5f && f[2] == 30.0f && f[3] == -4.0f);
    assert_int_equal(r.n_outputs, 2);
    assert_false(r.outputs[0].binary);
    assert_true(r.outputs[1].binary);

    assert_true(decode("{\"inputs\":[{\"name\":\"a\",\"shape\":[3],\"datatype\":\"INT64\","
                       "\"data\":[-9223372036854775808,0,9223372036854775807]},"
                       "{\"name\":\"b\",\"shape\":[2,1],\"datatype\":\"BYTES\",\"data\":[\"hi\","
                       "\"a\\\"b\\n\"]},{\"name\":\"c\",\"shape\":[2],\"datatype\":\"BOOL\","
                       "\"data\":[true,false]},{\"name\":\"d\",\"shape\":[1],\"datatype\":"
                       "\"UINT64\",\"data\":[18446744073709551615]},{\"name\":\"e\",\"shape\":"
                       "[2],\"datatype\":\"FP16\",\"data\":[1,-2.5]},{\"name\":\"s\",\"shape\":[],"
                       "\"datatype\":\"FP64\",\"data\":0.25},{\"name\":\"z\",\"shape\":[0,3],"
                       "\"datatype\":\"INT8\",\"data\":[]}]}",
                       &r, &st));
    assert_int_equal(r.n_inputs, 7);
    const int64_t *i64 = r.inputs[0].tensor.data;
    assert_true(i64[0] == INT64_MIN && i64[1] == 0 && i64[2] == INT64_MAX);
    const struct md_str *s = r.inputs[1].tensor.data;
    assert_int_equal(s[1].len, 4);
    assert_memory_equal(s[1].data, "a\"b\n", 4);
    const uint8_t *b = r.inputs[2].tensor.data;
    assert_true(b[0] == 1 && b[1] == 0);
    assert_true(*(const uint64_t *)r.inputs[3].tensor.data == UINT64_MAX);
    const uint16_t *h = r.inputs[4].tensor.data;
    assert_true(h[0] == 0x3c00 && h[1] == 0xc100);
    assert_int_equal(r.inputs[5].tensor.rank, 0);
    assert_true(*(const double *)r.inputs[5].tensor.data == 0.25);
    assert_int_equal(md_tensor_num_elements(&r.inputs[6].tensor), 0);
    assert_null(r.id);
    assert_string_equal(r.signature_name, "");
}

/* The fast decimal path gives strtof's / strtod's bits. */
static void test_decode_numbers(void **state)
{
    (void)state;
    enum { K = 4000 };
    static char body[K * 40 + 200];
    static float want_f[K];
    static double want_d[K];
    static const int NFMT = 7;
    for (int pass = 0; pass < 2; pass++) {
        for (int fi = 0; fi < NFMT; fi++) {
            size_t n = (size_t)snprintf(body, sizeof body,
                                        "{\"inputs\":[{\"name\":\"x\",\"shape\":[%d],"
                                        "\"datatype\":\"%s\",\"data\":[",
                                        K, pass ? "FP64" : "FP32");
            uint32_t seed = 99 + (uint32_t)fi;
            for (int k = 0; k < K; k++) {
                seed = seed * 1664525u + 1013904223u;
                double v = ((double)seed / 4294967296.0 - 0.5) * (k % 3 ? 2.0 : 2000.0);
                char tok[64];
                switch (fi) { /* literal formats for -Wformat-nonliteral */
                case 0: snprintf(tok, sizeof tok, "%.6g", v); break;
                case 1: snprintf(tok, sizeof tok, "%.3f", v); break;
                case 2: snprintf(tok, sizeof tok, "%.9g", v); break;
                case 3: snprintf(tok, sizeof tok, "%.1f", v); break;
                case 4: snprintf(tok, sizeof tok, "%.17g", v); break;
                case 5: snprintf(tok, sizeof tok, "%.0f", v); break;
                default: snprintf(tok, sizeof tok, "%.10f", v); break;
                }
                want_f[k] = strtof(tok, NULL);
                want_d[k] = strtod(tok, NULL);
                n += (size_t)snprintf(body + n, sizeof body - n, "%s%s", k ? "," : "", tok);
            }
            snprintf(body + n, sizeof body - n, "]}]}");
            struct md_v2_request r;
            struct md_status st = MD_STATUS_INIT;
            assert_true(decode(body, &r, &st));
            for (int k = 0; k < K; k++) {
                if (pass) {
                    double got = ((const double *)r.inputs[0].tensor.data)[k];
                    assert_memory_equal(&got, &want_d[k], sizeof got);
                } else {
                    float got = ((const float *)r.inputs[0].tensor.data)[k];
                    assert_memory_equal(&got, &want_f[k], sizeof got);
                }
            }
        }
    }
}

/* The single-pass decode of "data" (shape and datatype first) and the
 * general decoder agree on values and on errors, whichever path a body
 * takes: nested as the shape, flat, ragged, "data" first, a shape given
 * twice, and bodies that fail. */
static void test_single_pass_same(void **state)
{
    (void)state;
    static const char *const bodies[] = {
        "{\"inputs\":[{\"name\":\"x\",\"shape\":[2,3],\"datatype\":\"FP32\","
        "\"data\":[[1,2.5,-3e-2],[4,5,0.1]]}]}",
        "{\"inputs\":[{\"name\":\"x\",\"shape\":[2,3],\"datatype\":\"INT64\","
        "\"data\":[1,2,3,4,5,-9223372036854775808]}]}",
        "{\"inputs\":[{\"name\":\"x\",\"shape\":[2,3],\"datatype\":\"FP64\","
        "\"data\":[[1,2],[3,4,5],[6]]}]}",
        "{\"inputs\":[{\"name\":\"x\",\"data\":[[1,2],[3,4]],\"shape\":[2,2],"
        "\"datatype\":\"UINT8\"}]}",
        "{\"inputs\":[{\"name\":\"x\",\"shape\":[4],\"datatype\":\"FP16\",\"data\":[1,2,3,4],"
        "\"shape\":[2,2]}]}",
        "{\"inputs\":[{\"name\":\"x\",\"shape\":[2,1],\"datatype\":\"BYTES\","
        "\"data\":[[\"a\"],[\"\\u00e9\"]]}]}",
        "{\"inputs\":[{\"name\":\"x\",\"shape\":[3],\"datatype\":\"FP32\",\"data\":[1,2]}]}",
        "{\"inputs\":[{\"name\":\"x\",\"shape\":[2],\"datatype\":\"INT8\",\"data\":[1,300]}]}",
        "{\"inputs\":[{\"name\":\"x\",\"shape\":[2],\"datatype\":\"FP32\",\"data\":[1,\"a\"]}]}",
        "{\"inputs\":[{\"name\":\"x\",\"shape\":[2],\"datatype\":\"BOOL\",\"data\":[true,1]}]}",
        "{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"FP32\",\"data\":[1,]}]}",
        "{\"inputs\":[{\"name\":\"x\",\"shape\":[2],\"datatype\":\"FP32\",\"data\":[1,2]},"
        "{\"shape\":[1]}]}",
    };
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        struct md_v2_request r1, r2;
        struct md_status s1 = MD_STATUS_INIT, s2 = MD_STATUS_INIT;
        bool ok1 = decode(bodies[i], &r1, &s1);
        struct md_arena *a2 = md_arena_new(1 << 16, 1 << 24, &s2);
        assert_non_null(a2);
        md_v2_json_set_single_pass(false);
        bool ok2 = md_v2_json_decode(bodies[i], strlen(bodies[i]), strlen(bodies[i]), a2, &r2,
                                     &s2);
        md_v2_json_set_single_pass(true);
        assert_int_equal(ok1, ok2);
        assert_string_equal(s1.msg, s2.msg);
        if (!ok1) {
            md_arena_free(a2);
            continue;
        }
        assert_int_equal(r1.n_inputs, r2.n_inputs);
        const struct md_tensor *a = &r1.inputs[0].tensor, *b = &r2.inputs[0].tensor;
        assert_int_equal(a->rank, b->rank);
        assert_memory_equal(a->dims, b->dims, sizeof a->dims);
        int64_t n = md_tensor_num_elements(a);
        if (a->dtype == MD_DT_STRING) {
            const struct md_str *p = a->data, *q = b->data;
            for (int64_t k = 0; k < n; k++) {
                assert_int_equal(p[k].len, q[k].len);
                assert_memory_equal(p[k].data, q[k].data, p[k].len);
            }
        } else {
            assert_memory_equal(a->data, b->data, (size_t)n * md_dtype_size(a->dtype));
        }
        md_arena_free(a2);
    }
}

static void test_decode_binary(void **state)
{
    (void)state;
    const char *hdr = "{\"inputs\":[{\"name\":\"x\",\"shape\":[2],\"datatype\":\"FP32\","
                      "\"parameters\":{\"binary_data_size\":8}},{\"name\":\"s\",\"shape\":[2],"
                      "\"datatype\":\"BYTES\",\"parameters\":{\"binary_data_size\":11}},"
                      "{\"name\":\"j\",\"shape\":[1],\"datatype\":\"INT32\",\"data\":[7]}],"
                      "\"parameters\":{\"binary_data_output\":true}}";
    unsigned char body[1024];
    size_t hl = strlen(hdr), n = hl;
    memcpy(body, hdr, hl);
    float f[2] = {1.5f, -2.0f};
    memcpy(body + n, f, 8);
    n += 8;
    memcpy(body + n, "\x02\0\0\0hi\x01\0\0\0z", 11);
    n += 11;
    struct md_v2_request r;
    struct md_status st = MD_STATUS_INIT;
    md_arena_reset(arena);
    assert_true(md_v2_json_decode((const char *)body, n, hl, arena, &r, &st));
    assert_true(r.binary_output);
    assert_int_equal(r.n_inputs, 3);
    assert_true(((const float *)r.inputs[0].tensor.data)[1] == -2.0f);
    const struct md_str *s = r.inputs[1].tensor.data;
    assert_true(s[0].len == 2 && !memcmp(s[0].data, "hi", 2) && s[1].len == 1);
    assert_int_equal(*(const int32_t *)r.inputs[2].tensor.data, 7);

    /* One byte too few, one byte too many, header past the body. */
    st = (struct md_status)MD_STATUS_INIT;
    assert_false(md_v2_json_decode((const char *)body, n - 1, hl, arena, &r, &st));
    assert_non_null(strstr(st.msg, "input 's'"));
    body[n] = 0;
    st = (struct md_status)MD_STATUS_INIT;
    assert_false(md_v2_json_decode((const char *)body, n + 1, hl, arena, &r, &st));
    assert_non_null(strstr(st.msg, "not claimed"));
    st = (struct md_status)MD_STATUS_INIT;
    assert_false(md_v2_json_decode((const char *)body, n, n + 1, arena, &r, &st));
    assert_non_null(strstr(st.msg, "Inference-Header-Content-Length"));
    /* A BYTES element claiming more than there is. */
    memcpy(body + hl + 8, "\xff\0\0\0", 4);
    st = (struct md_status)MD_STATUS_INIT;
    assert_false(md_v2_json_decode((const char *)body, n, hl, arena, &r, &st));
    assert_non_null(strstr(st.msg, "runs past"));
}

static void expect_error(const char *body, const char *substr)
{
    struct md_v2_request r;
    struct md_status st = MD_STATUS_INIT;
    if (decode(body, &r, &st))
        fail_msg("accepted: %s", body);
    assert_int_equal(st.code, MD_INVALID_ARGUMENT);
    if (!strstr(st.msg, substr))
        fail_msg("body %s: message '%s' lacks '%s'", body, st.msg, substr);
}

static void test_decode_errors(void **state)
{
    (void)state;
    expect_error("", "JSON parse error");
    expect_error("[]", "must be a JSON object");
    expect_error("{\"inputs\":[]", "expected");
    expect_error("{\"inputs\":[]} x", "trailing");
    expect_error("{}", "missing 'inputs'");
    expect_error("{\"inputs\":{}}", "'inputs' must be an array");
    expect_error("{\"inputs\":[1]}", "inputs[0] must be an object");
    expect_error("{\"inputs\":[{\"shape\":[1],\"datatype\":\"FP32\",\"data\":[1]}]}",
                 "inputs[0]: missing 'name'");
    expect_error("{\"inputs\":[{\"name\":\"x\",\"datatype\":\"FP32\",\"data\":[1]}]}",
                 "input 'x': missing 'shape'");
    expect_error("{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"data\":[1]}]}",
                 "input 'x': missing 'datatype'");
    expect_error("{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"FP32\"}]}",
                 "input 'x': missing 'data'");
    expect_error("{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"FLOAT\",\"data\":[1]}]}",
                 "unknown datatype 'FLOAT'");
    expect_error("{\"inputs\":[{\"name\":\"x\",\"shape\":[-1],\"datatype\":\"FP32\",\"data\":[1]}]}",
                 "non-negative integers");
    expect_error("{\"inputs\":[{\"name\":\"x\",\"shape\":[1,1,1,1,1,1,1,1,1],\"datatype\":\"FP32\","
                 "\"data\":[1]}]}",
                 "more than 8 dims");
    expect_error("{\"inputs\":[{\"name\":\"x\",\"shape\":[3],\"datatype\":\"FP32\",\"data\":[1,2]}]}",
                 "needs 3 elements, data has 2");
    expect_error("{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"FP32\",\"data\":[1,2]}]}",
                 "more than the 1 elements");
    expect_error("{\"inputs\":[{\"name\":\"x\",\"shape\":[1000000000000],\"datatype\":\"FP32\","
                 "\"data\":[1]}]}",
                 "data has fewer");
    expect_error("{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"FP32\","
                 "\"data\":[\"a\"]}]}",
                 "FP32 data must be numbers");
    expect_error("{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"INT32\",\"data\":[1.5]}]}",
                 "must be integers");
    expect_error("{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"INT8\",\"data\":[128]}]}",
                 "out of range for INT8");
    expect_error("{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"UINT8\",\"data\":[-1]}]}",
                 "out of range for UINT8");
    expect_error("{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"INT64\","
                 "\"data\":[9223372036854775808]}]}",
                 "out of range");
    expect_error("{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"BOOL\",\"data\":[1]}]}",
                 "true or false");
    expect_error("{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"BYTES\",\"data\":[1]}]}",
                 "must be strings");
    expect_error("{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"FP32\",\"data\":[1]},"
                 "{\"name\":\"x\",\"shape\":[1],\"datatype\":\"FP32\",\"data\":[1]}]}",
                 "input 'x' appears twice");
    expect_error("{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"FP32\",\"data\":[1],"
                 "\"data\":[2]}]}",
                 "'data' appears twice");
    expect_error("{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"FP32\",\"data\":[1],"
                 "\"parameters\":{\"binary_data_size\":4}}]}",
                 "both 'data' and binary_data_size");
    expect_error("{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"FP32\","
                 "\"parameters\":{\"binary_data_size\":4}}]}",
                 "runs past");
    expect_error("{\"inputs\":[],\"outputs\":[{}]}", "outputs[0]: missing 'name'");
    expect_error("{\"inputs\":[],\"outputs\":[{\"name\":\"y\",\"parameters\":{\"binary_data\":1}}]}",
                 "binary_data must be true or false");
    expect_error("{\"inputs\":[],\"id\":3}", "'id' must be a string");
    expect_error("{\"inputs\":[],\"parameters\":{\"signature_name\":1}}",
                 "signature_name must be a string");
    expect_error("{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"FP32\",\"data\":[01]}]}",
                 "JSON parse error");
    expect_error("{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"BYTES\","
                 "\"data\":[\"\\ud800\"]}]}",
                 "surrogate");
    expect_error("{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"BYTES\","
                 "\"data\":[\"a\nb\"]}]}",
                 "control character");
    char deep[400];
    size_t k = (size_t)snprintf(deep, sizeof deep, "{\"inputs\":[],\"x\":");
    for (int i = 0; i < 100; i++)
        deep[k++] = '[';
    deep[k] = '\0';
    expect_error(deep, "nesting deeper");
}

static void test_encode(void **state)
{
    (void)state;
    md_arena_reset(arena);
    struct md_status st = MD_STATUS_INIT;
    float y[3] = {2.5f, 3.0f, 4.5f};
    struct md_str strs[2] = {{"ab", 2}, {"c", 1}};
    struct md_serve_output outs[2] = {
        {"y", {MD_DT_FLOAT, 2, {3, 1}, y, NULL}},
        {"s", {MD_DT_STRING, 1, {2}, strs, NULL}},
    };
    struct md_v2_output_req want[1] = {{"s", true}};
    struct md_v2_request req = {"id1", "", false, NULL, 0, want, 1};
    struct md_sbuf out = MD_SBUF_INIT;
    size_t hl = 0;
    assert_true(md_v2_json_encode(&out, "m", 7, &req, outs, 2, &hl, &st));
    const char *json = "{\"model_name\":\"m\",\"model_version\":\"7\",\"id\":\"id1\",\"outputs\":["
                       "{\"name\":\"y\",\"datatype\":\"FP32\",\"shape\":[3,1],\"data\":[2.5,3.0,"
                       "4.5]},{\"name\":\"s\",\"datatype\":\"BYTES\",\"shape\":[2],\"parameters\":"
                       "{\"binary_data_size\":11}}]}";
    assert_int_equal(hl, strlen(json));
    assert_memory_equal(out.data, json, hl);
    assert_int_equal(out.len, hl + 11);
    assert_memory_equal(out.data + hl, "\x02\0\0\0ab\x01\0\0\0c", 11);

    /* A dtype the protocol has no name for. */
    md_sbuf_reset(&out);
    struct md_serve_output bad = {"q", {MD_DT_BFLOAT16, 1, {1}, y, NULL}};
    st = (struct md_status)MD_STATUS_INIT;
    assert_false(md_v2_json_encode(&out, "m", 7, &req, &bad, 1, &hl, &st));
    assert_int_equal(st.code, MD_UNIMPLEMENTED);
    md_sbuf_free(&out);
}

static void test_server_metadata(void **state)
{
    (void)state;
    struct md_sbuf out = MD_SBUF_INIT;
    struct md_status st = MD_STATUS_INIT;
    assert_true(md_v2_json_server_metadata(&out, &st));
    md_sbuf_putc(&out, '\0');
    assert_non_null(strstr(out.data, "\"name\":\"modeld\""));
    assert_non_null(strstr(out.data, "\"extensions\":[\"binary_tensor_data\"]"));
    md_sbuf_free(&out);
}

static void test_paths(void **state)
{
    (void)state;
    assert_true(md_v2_path("/v2"));
    assert_true(md_v2_path("/v2/"));
    assert_true(md_v2_path("/v2/health/live"));
    assert_false(md_v2_path("/v2x"));
    assert_false(md_v2_path("/v1/models/x"));
    assert_false(md_v2_path("/V2"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_datatypes),       cmocka_unit_test(test_half),
        cmocka_unit_test(test_decode_nested_and_flat), cmocka_unit_test(test_decode_binary),
        cmocka_unit_test(test_decode_numbers),  cmocka_unit_test(test_single_pass_same),
        cmocka_unit_test(test_decode_errors),   cmocka_unit_test(test_encode),
        cmocka_unit_test(test_server_metadata), cmocka_unit_test(test_paths),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
