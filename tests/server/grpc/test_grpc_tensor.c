/* test_grpc_tensor.c: TensorProto <-> tensor for the gRPC front end.
 *
 * Every dtype a tensor can have goes tensor -> TensorProto (both encodings:
 * typed *_val fields and tensor_content) -> wire bytes -> TensorProto ->
 * tensor and must come back equal; the typed encoding must use the field
 * TensorFlow's Tensor::AsProtoField uses for that dtype. Plus the decoder's
 * size cap and its refusals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "server/grpc/grpc_impl.h"

/* Fills element i of a tensor with a value that exercises the type's range
 * (negative numbers, high bits, NaN-free floats). */
static void fill(struct md_tensor *t, int64_t n)
{
    for (int64_t i = 0; i < n; i++) {
        switch (t->dtype) {
        case MD_DT_FLOAT: ((float *)t->data)[i] = (float)i * -1.5f + 0.25f; break;
        case MD_DT_DOUBLE: ((double *)t->data)[i] = (double)i * 1e300 / 7.0 - 3.0; break;
        case MD_DT_INT32: ((int32_t *)t->data)[i] = (int32_t)(i * 0x10001) - INT32_MAX; break;
        case MD_DT_UINT8: ((uint8_t *)t->data)[i] = (uint8_t)(250 + i); break;
        case MD_DT_INT16: ((int16_t *)t->data)[i] = (int16_t)(-32768 + i * 1000); break;
        case MD_DT_INT8: ((int8_t *)t->data)[i] = (int8_t)(-128 + i * 7); break;
        case MD_DT_INT64: ((int64_t *)t->data)[i] = INT64_MIN + i * 3; break;
        case MD_DT_BOOL: ((uint8_t *)t->data)[i] = (uint8_t)(i % 3 == 0); break;
        case MD_DT_UINT16: ((uint16_t *)t->data)[i] = (uint16_t)(65535 - i); break;
        case MD_DT_HALF: ((uint16_t *)t->data)[i] = (uint16_t)(0x3c00 + i); break; /* 1.0.. */
        case MD_DT_UINT32: ((uint32_t *)t->data)[i] = UINT32_MAX - (uint32_t)i; break;
        case MD_DT_UINT64: ((uint64_t *)t->data)[i] = UINT64_MAX - (uint64_t)i; break;
        default: fail_msg("unexpected dtype %d", t->dtype);
        }
    }
}

/* A [2,3] (or string) tensor of dtype dt, owned. */
static void make(struct md_tensor *t, enum md_dtype dt, int rank, const int64_t *dims)
{
    struct md_status st = MD_STATUS_INIT;
    int64_t n = md_shape_num_elements(rank, dims);
    if (dt == MD_DT_STRING) {
        /* Element i holds i bytes (0, 1, 2, ...) including NULs and 0xff. */
        size_t extra = (size_t)(n * (n - 1) / 2);
        assert_true(md_tensor_alloc(t, dt, rank, dims, extra, &st));
        struct md_str *s = t->data;
        char *b = (char *)t->data + md_tensor_nbytes(t);
        for (int64_t i = 0; i < n; i++) {
            for (int64_t k = 0; k < i; k++)
                b[k] = (char)(k == 0 ? 0 : 0xff - k);
            s[i].data = b;
            s[i].len = (size_t)i;
            b += i;
        }
        return;
    }
    assert_true(md_tensor_alloc(t, dt, rank, dims, 0, &st));
    fill(t, n);
}

/* The typed field TensorFlow's AsProtoField fills for each dtype, and its
 * element count in p. */
static size_t typed_count(const Tensorflow__TensorProto *p, enum md_dtype dt)
{
    switch (dt) {
    case MD_DT_FLOAT: return p->n_float_val;
    case MD_DT_DOUBLE: return p->n_double_val;
    case MD_DT_INT32:
    case MD_DT_UINT8:
    case MD_DT_INT16:
    case MD_DT_INT8:
    case MD_DT_UINT16: return p->n_int_val;
    case MD_DT_INT64: return p->n_int64_val;
    case MD_DT_BOOL: return p->n_bool_val;
    case MD_DT_HALF: return p->n_half_val;
    case MD_DT_UINT32: return p->n_uint32_val;
    case MD_DT_UINT64: return p->n_uint64_val;
    case MD_DT_STRING: return p->n_string_val;
    default: return (size_t)-1;
    }
}

/* Sum of all typed field counts: exactly one field may be used. */
static size_t all_counts(const Tensorflow__TensorProto *p)
{
    return p->n_float_val + p->n_double_val + p->n_int_val + p->n_int64_val + p->n_bool_val +
           p->n_half_val + p->n_uint32_val + p->n_uint64_val + p->n_string_val;
}

static void roundtrip(enum md_dtype dt, bool as_content, int rank, const int64_t *dims)
{
    struct md_status st = MD_STATUS_INIT;
    struct md_arena *a = md_arena_new(0, 0, &st);
    assert_non_null(a);
    struct md_tensor t = MD_TENSOR_INIT, back = MD_TENSOR_INIT;
    make(&t, dt, rank, dims);
    size_t n = (size_t)md_tensor_num_elements(&t);

    Tensorflow__TensorProto p;
    assert_true(md_grpc_tensor_to_proto(&t, as_content, a, &p, &st));
    assert_int_equal(p.dtype, dt);
    assert_non_null(p.tensor_shape);
    assert_int_equal(p.tensor_shape->n_dim, rank);
    for (int i = 0; i < rank; i++)
        assert_int_equal(p.tensor_shape->dim[i]->size, dims[i]);
    if (as_content) {
        assert_int_equal(all_counts(&p), 0);
        if (dt != MD_DT_STRING)
            assert_int_equal(p.tensor_content.len, md_tensor_nbytes(&t));
    } else {
        assert_int_equal(p.tensor_content.len, 0);
        assert_int_equal(typed_count(&p, dt), n);
        assert_int_equal(all_counts(&p), n);
    }

    /* Through the wire format, as a client would receive it. */
    size_t len = tensorflow__tensor_proto__get_packed_size(&p);
    uint8_t *wire = malloc(len ? len : 1);
    assert_non_null(wire);
    assert_int_equal(tensorflow__tensor_proto__pack(&p, wire), len);
    Tensorflow__TensorProto *q = tensorflow__tensor_proto__unpack(NULL, len, wire);
    free(wire);
    assert_non_null(q);
    if (!md_grpc_tensor_from_proto(q, 0, &back, &st))
        fail_msg("%s %s: %s", md_dtype_name(dt), as_content ? "content" : "typed", st.msg);
    if (!md_tensor_equal(&t, &back))
        fail_msg("%s %s: round trip changed the tensor", md_dtype_name(dt),
                 as_content ? "content" : "typed");
    tensorflow__tensor_proto__free_unpacked(q, NULL);
    md_tensor_cleanup(&back);
    md_tensor_cleanup(&t);
    md_arena_free(a);
}

static const enum md_dtype all_dtypes[] = {
    MD_DT_FLOAT, MD_DT_DOUBLE, MD_DT_INT32, MD_DT_UINT8, MD_DT_INT16, MD_DT_INT8, MD_DT_STRING,
    MD_DT_INT64, MD_DT_BOOL, MD_DT_UINT16, MD_DT_HALF, MD_DT_UINT32, MD_DT_UINT64,
};

static void test_every_dtype_typed_fields(void **state)
{
    (void)state;
    const int64_t d23[2] = {2, 3};
    for (size_t i = 0; i < sizeof all_dtypes / sizeof all_dtypes[0]; i++)
        roundtrip(all_dtypes[i], false, 2, d23);
}

static void test_every_dtype_tensor_content(void **state)
{
    (void)state;
    const int64_t d23[2] = {2, 3};
    for (size_t i = 0; i < sizeof all_dtypes / sizeof all_dtypes[0]; i++)
        roundtrip(all_dtypes[i], true, 2, d23);
}

/* Every supported dtype is covered above: nothing is left out silently. */
static void test_dtype_list_is_complete(void **state)
{
    (void)state;
    size_t covered = 0;
    for (int dt = 1; dt < (int)MD_DT_COUNT; dt++) {
        if (!md_dtype_info(dt)->supported || dt == MD_DT_RESOURCE || dt == MD_DT_VARIANT)
            continue;
        bool found = false;
        for (size_t i = 0; i < sizeof all_dtypes / sizeof all_dtypes[0]; i++)
            found |= (int)all_dtypes[i] == dt;
        if (!found)
            fail_msg("dtype %s has no round-trip case", md_dtype_name(dt));
        covered++;
    }
    assert_int_equal(covered, sizeof all_dtypes / sizeof all_dtypes[0]);
}

static void test_scalar_and_empty(void **state)
{
    (void)state;
    const int64_t d0[1] = {0};
    const int64_t d40[2] = {4, 0};
    for (size_t i = 0; i < sizeof all_dtypes / sizeof all_dtypes[0]; i++) {
        roundtrip(all_dtypes[i], false, 0, NULL);
        roundtrip(all_dtypes[i], true, 0, NULL);
        roundtrip(all_dtypes[i], false, 1, d0);
        roundtrip(all_dtypes[i], true, 2, d40);
    }
}

/* Values as TensorFlow puts them: int8 widened (sign kept), uint16 and half
 * as their 16 bits, bool as 0/1. */
static void test_typed_field_values(void **state)
{
    (void)state;
    struct md_status st = MD_STATUS_INIT;
    struct md_arena *a = md_arena_new(0, 0, &st);
    const int64_t d3[1] = {3};
    struct md_tensor t = MD_TENSOR_INIT;
    Tensorflow__TensorProto p;

    assert_true(md_tensor_alloc(&t, MD_DT_INT8, 1, d3, 0, &st));
    ((int8_t *)t.data)[0] = -128;
    ((int8_t *)t.data)[1] = -1;
    ((int8_t *)t.data)[2] = 127;
    assert_true(md_grpc_tensor_to_proto(&t, false, a, &p, &st));
    assert_int_equal(p.int_val[0], -128);
    assert_int_equal(p.int_val[1], -1);
    assert_int_equal(p.int_val[2], 127);
    md_tensor_cleanup(&t);

    assert_true(md_tensor_alloc(&t, MD_DT_HALF, 1, d3, 0, &st));
    ((uint16_t *)t.data)[0] = 0xfbff; /* -65504 */
    assert_true(md_grpc_tensor_to_proto(&t, false, a, &p, &st));
    assert_int_equal(p.half_val[0], 0xfbff);
    md_tensor_cleanup(&t);

    assert_true(md_tensor_alloc(&t, MD_DT_BOOL, 1, d3, 0, &st));
    ((uint8_t *)t.data)[1] = 1;
    assert_true(md_grpc_tensor_to_proto(&t, false, a, &p, &st));
    assert_int_equal(p.bool_val[0], 0);
    assert_int_equal(p.bool_val[1], 1);
    md_tensor_cleanup(&t);
    md_arena_free(a);
}

/* TF's rule for inputs: a single typed value fills the whole shape. */
static void test_broadcast_single_value(void **state)
{
    (void)state;
    struct md_status st = MD_STATUS_INIT;
    Tensorflow__TensorProto p;
    tensorflow__tensor_proto__init(&p);
    Tensorflow__TensorShapeProto sp;
    tensorflow__tensor_shape_proto__init(&sp);
    Tensorflow__TensorShapeProto__Dim dim;
    tensorflow__tensor_shape_proto__dim__init(&dim);
    Tensorflow__TensorShapeProto__Dim *dp = &dim;
    float one = 7.0f;
    dim.size = 4;
    sp.n_dim = 1;
    sp.dim = &dp;
    p.dtype = TENSORFLOW__DATA_TYPE__DT_FLOAT;
    p.tensor_shape = &sp;
    p.n_float_val = 1;
    p.float_val = &one;
    struct md_tensor t = MD_TENSOR_INIT;
    assert_true(md_grpc_tensor_from_proto(&p, 0, &t, &st));
    assert_int_equal(t.dims[0], 4);
    for (int i = 0; i < 4; i++)
        assert_true(((float *)t.data)[i] == 7.0f);
    md_tensor_cleanup(&t);
}

static void test_decode_refusals(void **state)
{
    (void)state;
    struct md_status st = MD_STATUS_INIT;
    struct md_tensor t = MD_TENSOR_INIT;
    Tensorflow__TensorProto p;
    tensorflow__tensor_proto__init(&p);
    Tensorflow__TensorShapeProto sp;
    tensorflow__tensor_shape_proto__init(&sp);
    Tensorflow__TensorShapeProto__Dim dim;
    tensorflow__tensor_shape_proto__dim__init(&dim);
    Tensorflow__TensorShapeProto__Dim *dp = &dim;
    sp.n_dim = 1;
    sp.dim = &dp;
    p.tensor_shape = &sp;

    /* No dtype. */
    dim.size = 1;
    assert_false(md_grpc_tensor_from_proto(&p, 0, &t, &st));
    assert_int_equal(st.code, MD_INVALID_ARGUMENT);
    assert_non_null(strstr(st.msg, "no dtype"));

    /* A tiny message asking for 2^36 floats: refused before allocating. */
    md_status_reset(&st);
    p.dtype = TENSORFLOW__DATA_TYPE__DT_FLOAT;
    dim.size = (int64_t)1 << 36;
    assert_false(md_grpc_tensor_from_proto(&p, 1 << 20, &t, &st));
    assert_int_equal(st.code, MD_RESOURCE_EXHAUSTED);
    assert_non_null(strstr(st.msg, "--per_request_memory_limit"));

    /* Padding a string list counts too. */
    md_status_reset(&st);
    static uint8_t kb[1024];
    ProtobufCBinaryData s = {sizeof kb, kb};
    p.dtype = TENSORFLOW__DATA_TYPE__DT_STRING;
    p.n_string_val = 1;
    p.string_val = &s;
    dim.size = 4096; /* 4 MiB of repeated strings */
    assert_false(md_grpc_tensor_from_proto(&p, 1 << 20, &t, &st));
    assert_int_equal(st.code, MD_RESOURCE_EXHAUSTED);

    /* Wrong tensor_content length. */
    md_status_reset(&st);
    p.n_string_val = 0;
    p.dtype = TENSORFLOW__DATA_TYPE__DT_INT32;
    dim.size = 2;
    p.tensor_content.data = kb;
    p.tensor_content.len = 7;
    assert_false(md_grpc_tensor_from_proto(&p, 0, &t, &st));
    assert_int_equal(st.code, MD_INVALID_ARGUMENT);

    /* A dtype modeld cannot hold. */
    md_status_reset(&st);
    p.tensor_content.len = 0;
    p.dtype = TENSORFLOW__DATA_TYPE__DT_COMPLEX64;
    assert_false(md_grpc_tensor_from_proto(&p, 0, &t, &st));
    assert_true(st.code != MD_OK && st.msg[0]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_dtype_typed_fields),
        cmocka_unit_test(test_every_dtype_tensor_content),
        cmocka_unit_test(test_dtype_list_is_complete),
        cmocka_unit_test(test_scalar_and_empty),
        cmocka_unit_test(test_typed_field_values),
        cmocka_unit_test(test_broadcast_single_value),
        cmocka_unit_test(test_decode_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
