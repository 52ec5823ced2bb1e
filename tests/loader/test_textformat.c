/* Tests for loader/textformat.c: protobuf text format parser and printer.
 * Expected behaviour for corner cases (duplicates, number syntax, escapes)
 * was checked against protobuf's C++ parser (`protoc --encode`). */
#include <dirent.h>
#include <stdbool.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "attr_value.pb-c.h"
#include "checkpoint_state.pb-c.h"
#include "loader/loader.h"
#include "model_server_config.pb-c.h"
#include "tensor.pb-c.h"

typedef Tensorflow__Serving__ModelServerConfig ServerConfig;
typedef Tensorflow__Serving__ModelConfig ModelConfig;
typedef Tensorflow__Serving__FileSystemStoragePathSourceConfig__ServableVersionPolicy Policy;

static const ProtobufCMessageDescriptor *const SERVER_CONFIG =
    &tensorflow__serving__model_server_config__descriptor;

/* Allocation failure injection: the test binary replaces malloc & co (glibc
 * lets a program interpose them; libprotobuf-c's frees come here too) so a
 * test can fail the Nth allocation and count live blocks. Not with ASan,
 * which owns the allocator. */
#if defined(__SANITIZE_ADDRESS__)
#define NO_MALLOC_HOOK 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NO_MALLOC_HOOK 1
#endif
#endif

#ifndef NO_MALLOC_HOOK
void *__libc_malloc(size_t n);
void *__libc_calloc(size_t n, size_t m);
void *__libc_realloc(void *p, size_t n);
void __libc_free(void *p);

static long fail_after = -1; /* allocations left before one fails; -1: never */
static long live_blocks;

static bool inject(void)
{
    if (fail_after < 0)
        return false;
    return fail_after-- == 0;
}

void *malloc(size_t n)
{
    void *p = inject() ? NULL : __libc_malloc(n);
    live_blocks += p != NULL;
    return p;
}

void *calloc(size_t n, size_t m)
{
    void *p = inject() ? NULL : __libc_calloc(n, m);
    live_blocks += p != NULL;
    return p;
}

void *realloc(void *old, size_t n)
{
    void *p = inject() ? NULL : __libc_realloc(old, n);
    live_blocks += p != NULL && old == NULL;
    return p;
}

void free(void *p)
{
    live_blocks -= p != NULL;
    __libc_free(p);
}
#endif

static char fixtures[4096]; /* $MD_SRCDIR/../shared/fixtures/savedmodels, or "" */

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    for (;;) {
        if (n == cap) {
            cap *= 2;
            buf = realloc(buf, cap + 1);
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        if (got == 0)
            break;
        n += got;
    }
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}

static ProtobufCMessage *parse(const ProtobufCMessageDescriptor *d, const char *text,
                               struct md_status *st)
{
    return md_textformat_parse(d, text, strlen(text), st);
}

static ProtobufCMessage *parse_ok(const ProtobufCMessageDescriptor *d, const char *text)
{
    struct md_status st = MD_STATUS_INIT;
    ProtobufCMessage *m = parse(d, text, &st);
    if (!m)
        fail_msg("parse of <<%s>> failed: %s", text, st.msg);
    return m;
}

/* Parses text, which must fail, and checks the message starts with
 * "line L col C: " and contains `what`. */
static void expect_error(const ProtobufCMessageDescriptor *d, const char *text, int line, int col,
                         const char *what)
{
    struct md_status st = MD_STATUS_INIT;
    ProtobufCMessage *m = parse(d, text, &st);
    if (m) {
        protobuf_c_message_free_unpacked(m, NULL);
        fail_msg("<<%s>> parsed but should fail with '%s'", text, what);
    }
    char prefix[64];
    snprintf(prefix, sizeof prefix, "line %d col %d: ", line, col);
    if (strncmp(st.msg, prefix, strlen(prefix)) != 0 || !strstr(st.msg, what))
        fail_msg("<<%s>>: got '%s', want '%s...%s'", text, st.msg, prefix, what);
    assert_int_not_equal(st.code, MD_OK);
}

/* Packs m into a malloc'd buffer. */
static uint8_t *pack(const ProtobufCMessage *m, size_t *len)
{
    *len = protobuf_c_message_get_packed_size(m);
    uint8_t *b = malloc(*len ? *len : 1);
    assert_non_null(b);
    assert_int_equal(protobuf_c_message_pack(m, b), *len);
    return b;
}

/* Both texts parse to messages with the same binary encoding. */
static void assert_same(const ProtobufCMessageDescriptor *d, const char *a, const char *b)
{
    ProtobufCMessage *ma = parse_ok(d, a), *mb = parse_ok(d, b);
    size_t la, lb;
    uint8_t *pa = pack(ma, &la), *pb = pack(mb, &lb);
    if (la != lb || memcmp(pa, pb, la) != 0)
        fail_msg("<<%s>> and <<%s>> differ", a, b);
    free(pa);
    free(pb);
    protobuf_c_message_free_unpacked(ma, NULL);
    protobuf_c_message_free_unpacked(mb, NULL);
}

/* print(m) parses back to a message with the same encoding and prints the
 * same text again. */
static void assert_roundtrip(const ProtobufCMessage *m)
{
    char *t1 = md_textformat_print(m);
    assert_non_null(t1);
    struct md_status st = MD_STATUS_INIT;
    ProtobufCMessage *m2 = md_textformat_parse(m->descriptor, t1, strlen(t1), &st);
    if (!m2)
        fail_msg("reparse failed: %s", st.msg);
    size_t l1, l2;
    uint8_t *p1 = pack(m, &l1), *p2 = pack(m2, &l2);
    assert_int_equal(l1, l2);
    assert_memory_equal(p1, p2, l1);
    char *t2 = md_textformat_print(m2);
    assert_string_equal(t1, t2);
    free(p1);
    free(p2);
    free(t1);
    free(t2);
    protobuf_c_message_free_unpacked(m2, NULL);
}

/* ------------------------------------------------------------ configs */

static void test_good_model_config(void **state)
{
    (void)state;
    char path[4200];
    size_t len;
    snprintf(path, sizeof path, "%s/good_model_config.txt", fixtures);
    char *text = read_all(path, &len);
    assert_non_null(text);
    struct md_status st = MD_STATUS_INIT;
    ServerConfig *c = (ServerConfig *)md_textformat_parse(SERVER_CONFIG, text, len, &st);
    if (!c)
        fail_msg("%s", st.msg);
    assert_int_equal(c->config_case, TENSORFLOW__SERVING__MODEL_SERVER_CONFIG__CONFIG_MODEL_CONFIG_LIST);
    assert_int_equal(c->model_config_list->n_config, 2);
    ModelConfig *a = c->model_config_list->config[0], *b = c->model_config_list->config[1];
    assert_string_equal(a->name, "half_plus_two");
    assert_string_equal(a->base_path, "${TEST_HALF_PLUS_TWO_DIR}");
    assert_string_equal(a->model_platform, "tensorflow");
    assert_string_equal(b->name, "half_plus_three");
    assert_string_equal(b->base_path, "${TEST_HALF_PLUS_THREE_DIR}");
    assert_string_equal(b->model_platform, "tensorflow");
    assert_null(a->model_version_policy);
    assert_int_equal(a->n_version_labels, 0);

    char *out = md_textformat_print(&c->base);
    assert_string_equal(out, "model_config_list {\n"
                             "  config {\n"
                             "    name: \"half_plus_two\"\n"
                             "    base_path: \"${TEST_HALF_PLUS_TWO_DIR}\"\n"
                             "    model_platform: \"tensorflow\"\n"
                             "  }\n"
                             "  config {\n"
                             "    name: \"half_plus_three\"\n"
                             "    base_path: \"${TEST_HALF_PLUS_THREE_DIR}\"\n"
                             "    model_platform: \"tensorflow\"\n"
                             "  }\n"
                             "}\n");
    free(out);
    assert_roundtrip(&c->base);
    protobuf_c_message_free_unpacked(&c->base, NULL);
    free(text);
}

static void test_bad_model_config(void **state)
{
    (void)state;
    char path[4200];
    size_t len;
    snprintf(path, sizeof path, "%s/bad_model_config.txt", fixtures);
    char *text = read_all(path, &len);
    assert_non_null(text);
    struct md_status st = MD_STATUS_INIT;
    assert_null(md_textformat_parse(SERVER_CONFIG, text, len, &st));
    assert_int_equal(st.code, MD_INVALID_ARGUMENT);
    assert_string_equal(st.msg, "line 1 col 1: unknown field 'improperly' in message "
                                "tensorflow.serving.ModelServerConfig");
    free(text);
}

static void test_version_policies_and_labels(void **state)
{
    (void)state;
    const char *text = "# TF Serving model config\n"
                       "model_config_list {\n"
                       "  config {\n"
                       "    name: 'a'  base_path: '/m/a'  model_platform: 'tensorflow'\n"
                       "    model_version_policy { specific { versions: 1 versions: [2, 3] } }\n"
                       "    version_labels { key: 'stable' value: 1 }\n"
                       "    version_labels: { key: 'canary' value: 3 };\n"
                       "  }\n"
                       "  config: < name: \"b\" model_version_policy: < latest: < num_versions: 2 > > >,\n"
                       "  config { name: \"c\" model_version_policy { all {} } }\n"
                       "  config { name: \"d\" model_version_policy { latest {} } }\n"
                       "}\n";
    ServerConfig *c = (ServerConfig *)parse_ok(SERVER_CONFIG, text);
    assert_int_equal(c->model_config_list->n_config, 4);
    ModelConfig **cf = c->model_config_list->config;

    Policy *p = cf[0]->model_version_policy;
    assert_int_equal(p->policy_choice_case,
                     TENSORFLOW__SERVING__FILE_SYSTEM_STORAGE_PATH_SOURCE_CONFIG__SERVABLE_VERSION_POLICY__POLICY_CHOICE_SPECIFIC);
    assert_int_equal(p->specific->n_versions, 3);
    assert_int_equal(p->specific->versions[0], 1);
    assert_int_equal(p->specific->versions[2], 3);
    assert_int_equal(cf[0]->n_version_labels, 2);
    assert_string_equal(cf[0]->version_labels[0]->key, "stable");
    assert_int_equal(cf[0]->version_labels[0]->value, 1);
    assert_string_equal(cf[0]->version_labels[1]->key, "canary");
    assert_int_equal(cf[0]->version_labels[1]->value, 3);

    p = cf[1]->model_version_policy;
    assert_int_equal(p->policy_choice_case,
                     TENSORFLOW__SERVING__FILE_SYSTEM_STORAGE_PATH_SOURCE_CONFIG__SERVABLE_VERSION_POLICY__POLICY_CHOICE_LATEST);
    assert_int_equal(p->latest->num_versions, 2);
    p = cf[2]->model_version_policy;
    assert_int_equal(p->policy_choice_case,
                     TENSORFLOW__SERVING__FILE_SYSTEM_STORAGE_PATH_SOURCE_CONFIG__SERVABLE_VERSION_POLICY__POLICY_CHOICE_ALL);
    assert_non_null(p->all);
    /* An empty oneof message member is still set, and printed. */
    p = cf[3]->model_version_policy;
    assert_int_equal(p->policy_choice_case,
                     TENSORFLOW__SERVING__FILE_SYSTEM_STORAGE_PATH_SOURCE_CONFIG__SERVABLE_VERSION_POLICY__POLICY_CHOICE_LATEST);
    assert_int_equal(p->latest->num_versions, 0);

    char *out = md_textformat_print(&c->base);
    assert_non_null(strstr(out, "    name: \"a\"\n"
                                "    base_path: \"/m/a\"\n"
                                "    model_platform: \"tensorflow\"\n"
                                "    model_version_policy {\n"
                                "      specific {\n"
                                "        versions: 1\n"
                                "        versions: 2\n"
                                "        versions: 3\n"
                                "      }\n"
                                "    }\n"
                                "    version_labels {\n"
                                "      key: \"stable\"\n"
                                "      value: 1\n"
                                "    }\n"));
    assert_non_null(strstr(out, "    model_version_policy {\n"
                                "      all {\n"
                                "      }\n"
                                "    }\n"));
    assert_non_null(strstr(out, "    name: \"d\"\n"
                                "    model_version_policy {\n"
                                "      latest {\n"
                                "      }\n"));
    free(out);
    assert_roundtrip(&c->base);
    protobuf_c_message_free_unpacked(&c->base, NULL);
}

static void test_monitoring_config(void **state)
{
    (void)state;
    Tensorflow__Serving__MonitoringConfig *m =
        (Tensorflow__Serving__MonitoringConfig *)parse_ok(
            &tensorflow__serving__monitoring_config__descriptor,
            "prometheus_config {\n  enable: true,\n  path: \"/monitoring/prometheus/metrics\"\n}\n");
    assert_true(m->prometheus_config->enable);
    assert_string_equal(m->prometheus_config->path, "/monitoring/prometheus/metrics");
    assert_roundtrip(&m->base);
    protobuf_c_message_free_unpacked(&m->base, NULL);
}

static void test_checkpoint_state(void **state)
{
    (void)state;
    /* A `checkpoint` file as tf.estimator writes it. */
    const char *text = "model_checkpoint_path: \"model.ckpt-1000\"\n"
                       "all_model_checkpoint_paths: \"model.ckpt-600\"\n"
                       "all_model_checkpoint_paths: \"model.ckpt-1000\"\n"
                       "all_model_checkpoint_timestamps: 1690000000.123\n"
                       "all_model_checkpoint_timestamps: 1690000600.456\n"
                       "last_preserved_timestamp: 1689999000.0\n";
    Tensorflow__CheckpointState *c =
        (Tensorflow__CheckpointState *)parse_ok(&tensorflow__checkpoint_state__descriptor, text);
    assert_string_equal(c->model_checkpoint_path, "model.ckpt-1000");
    assert_int_equal(c->n_all_model_checkpoint_paths, 2);
    assert_string_equal(c->all_model_checkpoint_paths[0], "model.ckpt-600");
    assert_string_equal(c->all_model_checkpoint_paths[1], "model.ckpt-1000");
    assert_int_equal(c->n_all_model_checkpoint_timestamps, 2);
    assert_true(c->all_model_checkpoint_timestamps[0] == 1690000000.123);
    assert_true(c->all_model_checkpoint_timestamps[1] == 1690000600.456);
    assert_true(c->last_preserved_timestamp == 1689999000.0);
    char *out = md_textformat_print(&c->base);
    assert_string_equal(out, "model_checkpoint_path: \"model.ckpt-1000\"\n"
                             "all_model_checkpoint_paths: \"model.ckpt-600\"\n"
                             "all_model_checkpoint_paths: \"model.ckpt-1000\"\n"
                             "all_model_checkpoint_timestamps: 1690000000.123\n"
                             "all_model_checkpoint_timestamps: 1690000600.456\n"
                             "last_preserved_timestamp: 1689999000\n");
    free(out);
    assert_roundtrip(&c->base);
    protobuf_c_message_free_unpacked(&c->base, NULL);
}

/* ------------------------------------------------------------ grammar */

static void test_syntax_variants(void **state)
{
    (void)state;
    const ProtobufCMessageDescriptor *tp = &tensorflow__tensor_proto__descriptor;
    /* Separators, comments, message delimiters, optional ':' before messages. */
    assert_same(SERVER_CONFIG,
                "model_config_list { config { name: \"a\" base_path: \"b\" } config { name: \"c\" } }",
                "model_config_list: <config: {name: 'a'; base_path: 'b',}, config <name:\"c\">;> # x\n");
    /* Lists, including an empty one, mixed with repeated occurrences. */
    assert_same(tp, "float_val: 1 float_val: 2 float_val: 3 int_val: []",
                "float_val: [1, 2] float_val: [] float_val: 3");
    /* List syntax for messages. */
    assert_same(SERVER_CONFIG, "model_config_list { config { name: 'a' } config { name: 'b' } }",
                "model_config_list { config [{ name: 'a' }, < name: 'b' >] }");
    /* Enums by name or number; bools in every spelling. */
    assert_same(tp, "dtype: DT_STRING bool_val: [true, false, true, false, true, false]",
                "dtype: 7 bool_val: [t, f, True, False, 1, 0]");
    /* Integers in any radix. */
    assert_same(tp, "int_val: [8, 16, -16, 0, 0]", "int_val: [010, 0x10, -0X10, 00, 0x0]");
    /* Floats: suffix, exponent, leading/trailing dot, whitespace after '-'. */
    assert_same(tp, "float_val: [1.5, 100000, 0.5, 5, -2, 1]",
                "float_val: [1.5f, 1e5, .5, 5., - 2, 1F]");
    /* Strings: quotes, escapes, concatenation. */
    assert_same(tp, "tensor_content: \"ab'c\\\"\\n\\t\\\\\\001\\377\"",
                "tensor_content: 'a' \"b\" '\\'c' \"\\\"\\n\" '\\t\\\\' \"\\x01\\xff\" ''");
}

static void test_scalar_values(void **state)
{
    (void)state;
    Tensorflow__TensorProto *t = (Tensorflow__TensorProto *)parse_ok(
        &tensorflow__tensor_proto__descriptor,
        "dtype: DT_FLOAT version_number: -2147483648\n"
        "float_val: [inf, -inf, nan, -Infinity, NaN, 1e400, -0, 3.4028235e38, 1e-45]\n"
        "double_val: [1e308, 4.9e-324, 0.1, -0.0]\n"
        "int64_val: [-9223372036854775808, 9223372036854775807, 0x7fffffffffffffff]\n"
        "uint64_val: [18446744073709551615, 0xffffffffffffffff, 01777777777777777777777]\n"
        "uint32_val: [4294967295, 0xFFFFFFFF]\n"
        "int_val: [2147483647, -2147483648]\n"
        "half_val: 0x7fffffff\n"
        "string_val: ['', 'x\\0y']\n"
        "tensor_content: '\\u00e9\\U0001F600\\ud83d\\ude00\\a\\b\\f\\v\\r\\?\\101'\n");
    assert_int_equal(t->dtype, TENSORFLOW__DATA_TYPE__DT_FLOAT);
    assert_int_equal(t->version_number, INT32_MIN);
    assert_int_equal(t->n_float_val, 9);
    assert_true(isinf(t->float_val[0]) && t->float_val[0] > 0);
    assert_true(isinf(t->float_val[1]) && t->float_val[1] < 0);
    assert_true(isnan(t->float_val[2]));
    assert_true(isinf(t->float_val[3]) && t->float_val[3] < 0);
    assert_true(isnan(t->float_val[4]));
    assert_true(isinf(t->float_val[5]));
    assert_true(t->float_val[6] == 0.0f && signbit(t->float_val[6]));
    assert_true(t->float_val[7] == 3.4028235e38f);
    assert_true(t->float_val[8] > 0.0f);
    assert_true(t->double_val[1] > 0.0);
    assert_true(signbit(t->double_val[3]));
    assert_int_equal(t->int64_val[0], INT64_MIN);
    assert_int_equal(t->int64_val[1], INT64_MAX);
    assert_int_equal(t->int64_val[2], INT64_MAX);
    assert_true(t->uint64_val[0] == UINT64_MAX && t->uint64_val[1] == UINT64_MAX &&
                t->uint64_val[2] == UINT64_MAX);
    assert_true(t->uint32_val[0] == UINT32_MAX && t->uint32_val[1] == UINT32_MAX);
    assert_int_equal(t->int_val[1], INT32_MIN);
    assert_int_equal(t->string_val[0].len, 0);
    assert_int_equal(t->string_val[1].len, 3);
    assert_memory_equal(t->string_val[1].data, "x\0y", 3);
    static const uint8_t want[] = { 0xc3, 0xa9, 0xf0, 0x9f, 0x98, 0x80, 0xf0, 0x9f, 0x98, 0x80,
                                    '\a', '\b', '\f', '\v', '\r', '?', 'A' };
    assert_int_equal(t->tensor_content.len, sizeof want);
    assert_memory_equal(t->tensor_content.data, want, sizeof want);

    char *out = md_textformat_print(&t->base);
    assert_non_null(strstr(out, "dtype: DT_FLOAT\n"));
    assert_non_null(strstr(out, "float_val: inf\nfloat_val: -inf\nfloat_val: nan\n"));
    assert_non_null(strstr(out, "float_val: -0\nfloat_val: 3.40282347e+38\n"));
    assert_non_null(strstr(out, "double_val: 0.1\n"));
    assert_non_null(strstr(out, "string_val: \"\"\nstring_val: \"x\\000y\"\n"));
    assert_non_null(strstr(out, "tensor_content: \"\\303\\251\\360\\237\\230\\200\\360\\237\\230"
                                "\\200\\007\\010\\014\\013\\r?A\"\n"));
    free(out);
    assert_roundtrip(&t->base);
    protobuf_c_message_free_unpacked(&t->base, NULL);
}

static void test_oneof_and_defaults(void **state)
{
    (void)state;
    const ProtobufCMessageDescriptor *av = &tensorflow__attr_value__descriptor;
    Tensorflow__AttrValue *a = (Tensorflow__AttrValue *)parse_ok(av, "i: 0");
    assert_int_equal(a->value_case, TENSORFLOW__ATTR_VALUE__VALUE_I);
    char *out = md_textformat_print(&a->base);
    assert_string_equal(out, "i: 0\n"); /* a oneof member prints even when zero */
    free(out);
    assert_roundtrip(&a->base);
    protobuf_c_message_free_unpacked(&a->base, NULL);

    a = (Tensorflow__AttrValue *)parse_ok(av, "placeholder: \"\"");
    assert_int_equal(a->value_case, TENSORFLOW__ATTR_VALUE__VALUE_PLACEHOLDER);
    assert_string_equal(a->placeholder, "");
    assert_roundtrip(&a->base);
    protobuf_c_message_free_unpacked(&a->base, NULL);

    a = (Tensorflow__AttrValue *)parse_ok(av, "list { s: ['a', 'b'] type: [DT_FLOAT, 77] }");
    assert_int_equal(a->value_case, TENSORFLOW__ATTR_VALUE__VALUE_LIST);
    assert_int_equal(a->list->n_s, 2);
    assert_int_equal(a->list->type[1], 77); /* proto3 enums are open */
    out = md_textformat_print(&a->base);
    assert_string_equal(out, "list {\n  s: \"a\"\n  s: \"b\"\n  type: DT_FLOAT\n  type: 77\n}\n");
    free(out);
    protobuf_c_message_free_unpacked(&a->base, NULL);

    /* Empty input is the empty message; proto3 zero scalars print nothing. */
    Tensorflow__TensorProto *t =
        (Tensorflow__TensorProto *)parse_ok(&tensorflow__tensor_proto__descriptor, " # nothing\n");
    assert_int_equal(t->dtype, 0);
    assert_int_equal(protobuf_c_message_get_packed_size(&t->base), 0);
    out = md_textformat_print(&t->base);
    assert_string_equal(out, "");
    free(out);
    protobuf_c_message_free_unpacked(&t->base, NULL);

    t = (Tensorflow__TensorProto *)parse_ok(&tensorflow__tensor_proto__descriptor,
                                            "dtype: DT_INVALID version_number: 0 tensor_content: ''");
    assert_int_equal(protobuf_c_message_get_packed_size(&t->base), 0);
    protobuf_c_message_free_unpacked(&t->base, NULL);
}

static void test_duplicates(void **state)
{
    (void)state;
    /* As protobuf's C++ Parse: a field that already has a value cannot be
     * given again; a proto3 scalar still at zero/empty can. */
    expect_error(SERVER_CONFIG, "model_config_list { config { name: \"a\" name: \"b\" } }", 1, 40,
                 "non-repeated field 'name' is specified multiple times in message "
                 "tensorflow.serving.ModelConfig");
    expect_error(SERVER_CONFIG, "model_config_list {}\nmodel_config_list {}", 2, 1,
                 "non-repeated field 'model_config_list' is specified multiple times");
    expect_error(SERVER_CONFIG,
                 "model_config_list { config { model_version_policy { latest {} all {} } } }", 1,
                 63, "field 'all' is specified along with field 'latest', another member of the "
                     "same oneof");
    expect_error(SERVER_CONFIG, "model_config_list { config { model_type: 1 model_type: 3 } }", 1,
                 44, "'model_type' is specified multiple times");
    expect_error(&tensorflow__attr_value__descriptor, "i: 0 i: 1", 1, 6,
                 "'i' is specified multiple times");
    ServerConfig *c = (ServerConfig *)parse_ok(
        SERVER_CONFIG, "model_config_list { config { name: \"\" name: \"b\" model_type: 0 model_type: 3 } }");
    assert_string_equal(c->model_config_list->config[0]->name, "b");
    assert_int_equal(c->model_config_list->config[0]->model_type, 3);
    protobuf_c_message_free_unpacked(&c->base, NULL);
    /* Map keys may repeat: every entry is kept, as protobuf's parser does. */
    c = (ServerConfig *)parse_ok(SERVER_CONFIG, "model_config_list { config { "
                                                "version_labels { key: 'a' value: 1 } "
                                                "version_labels { key: 'a' value: 2 } } }");
    assert_int_equal(c->model_config_list->config[0]->n_version_labels, 2);
    protobuf_c_message_free_unpacked(&c->base, NULL);
}

static void test_errors(void **state)
{
    (void)state;
    const ProtobufCMessageDescriptor *tp = &tensorflow__tensor_proto__descriptor;
    /* Strings. */
    expect_error(tp, "tensor_content: \"abc", 1, 17, "unterminated string literal");
    expect_error(tp, "tensor_content: 'abc\\", 1, 17, "unterminated string literal");
    expect_error(tp, "tensor_content: \"ab\ncd\"", 1, 17, "not terminated before the end of the line");
    expect_error(tp, "tensor_content: \"a\\qb\"", 1, 19, "invalid escape sequence '\\q'");
    expect_error(tp, "tensor_content: '\\8'", 1, 18, "invalid escape sequence '\\8'");
    expect_error(tp, "tensor_content: '\\xg'", 1, 18, "\\x must be followed by hex digits");
    expect_error(tp, "tensor_content: '\\u12'", 1, 18, "\\u must be followed by 4 hex digits");
    expect_error(tp, "tensor_content: '\\ud800'", 1, 18, "is not a Unicode code point");
    expect_error(tp, "tensor_content: '\\400'", 1, 18, "above \\377");
    expect_error(&tensorflow__checkpoint_state__descriptor, "model_checkpoint_path: 'a\\0b'", 1, 24,
                 "string field 'model_checkpoint_path' contains a NUL byte");
    expect_error(tp, "tensor_content: 5", 1, 17, "expected a quoted string for field 'tensor_content'");
    /* Integers. */
    expect_error(tp, "int_val: 2147483648", 1, 10, "integer 2147483648 out of range for field 'int_val'");
    expect_error(tp, "int_val: -2147483649", 1, 10, "integer -2147483649 out of range");
    expect_error(tp, "uint32_val: 4294967296", 1, 13, "out of range");
    expect_error(tp, "uint32_val: -1", 1, 13, "expected a non-negative integer for field 'uint32_val'");
    expect_error(tp, "int64_val: 9223372036854775808", 1, 12, "out of range");
    expect_error(tp, "int64_val: -9223372036854775809", 1, 12, "out of range");
    expect_error(tp, "uint64_val: 18446744073709551616", 1, 13, "out of range");
    expect_error(tp, "uint64_val: 0x10000000000000000", 1, 13, "out of range");
    expect_error(tp, "int_val: 1.0", 1, 10, "expected an integer for field 'int_val', got '1.0'");
    expect_error(tp, "int_val: 1e5", 1, 10, "expected an integer");
    expect_error(tp, "int_val: 09", 1, 10, "number '09' starts with 0 but is not octal");
    expect_error(tp, "int_val: 1abc", 1, 10, "invalid number '1abc'");
    expect_error(tp, "int_val: 0x", 1, 10, "invalid hex number '0x'");
    expect_error(tp, "bool_val: 2", 1, 11, "out of range");
    expect_error(tp, "bool_val: yes", 1, 11, "expected true or false for field 'bool_val'");
    /* Floats. */
    expect_error(tp, "float_val: 0x10", 1, 12, "expected a decimal number for field 'float_val'");
    expect_error(tp, "float_val: 010", 1, 12, "expected a decimal number");
    expect_error(tp, "float_val: 1.2.3", 1, 12, "invalid number '1.2.3'");
    expect_error(tp, "float_val: 3e", 1, 12, "invalid number '3e'");
    expect_error(tp, "float_val: infinite", 1, 12, "expected a decimal number");
    /* Enums. */
    expect_error(tp, "dtype: DT_NOPE", 1, 8,
                 "unknown enum value 'DT_NOPE' for field 'dtype' (enum tensorflow.DataType)");
    expect_error(tp, "dtype: 2147483648", 1, 8, "out of range");
    expect_error(tp, "dtype: 'DT_FLOAT'", 1, 8, "expected an enum name or number");
    /* Structure. */
    expect_error(SERVER_CONFIG, "model_config_list { config { name: 'a' }", 1, 41,
                 "unexpected end of input: missing '}' for the '{' at line 1 col 19");
    expect_error(SERVER_CONFIG, "model_config_list { config { name: 'a' > }", 1, 40,
                 "unexpected '>' (mismatched closing bracket)");
    expect_error(SERVER_CONFIG, "model_config_list { } }", 1, 23, "unexpected '}'");
    expect_error(SERVER_CONFIG, "model_config_list { config { name 'a' } }", 1, 35,
                 "expected ':' after field 'name', got ''a''");
    expect_error(SERVER_CONFIG, "model_config_list { config: 'a' }", 1, 29,
                 "expected '{' or '<' to open message field 'config'");
    expect_error(SERVER_CONFIG, "model_config_list { config { name: ['a'] } }", 1, 36,
                 "list syntax '[...]' used for non-repeated field 'name'");
    expect_error(tp, "float_val: [1, 2", 1, 17, "expected ',' or ']' in the list for field 'float_val'");
    expect_error(tp, "float_val: [1, 2,]", 1, 18, "expected a decimal number");
    expect_error(tp, "\n\n  nope: 1", 3, 3, "unknown field 'nope' in message tensorflow.TensorProto");
    expect_error(tp, "[type.googleapis.com/x] {}", 1, 1, "extension and Any syntax");
    expect_error(tp, "42: 1", 1, 1, "expected a field name in message tensorflow.TensorProto, got '42'");
    expect_error(tp, "dtype: DT_FLOAT\n\t@", 2, 2, "expected a field name");
    /* Bytes that are not text are escaped in messages. */
    struct md_status st = MD_STATUS_INIT;
    assert_null(md_textformat_parse(tp, "\xff\x01: 1", 5, &st));
    assert_string_equal(st.msg, "line 1 col 1: expected a field name in message "
                                "tensorflow.TensorProto, got '\\xff'");
    /* Input with an embedded NUL and no terminator. */
    md_status_reset(&st);
    assert_null(md_textformat_parse(tp, "dtype: 1\0", 9, &st));
    assert_non_null(strstr(st.msg, "line 1 col 9: expected a field name"));
    md_status_reset(&st);
    Tensorflow__TensorProto *t =
        (Tensorflow__TensorProto *)md_textformat_parse(tp, "float_val: 12345", 13, &st);
    assert_non_null(t);
    assert_true(t->float_val[0] == 12.0f);
    protobuf_c_message_free_unpacked(&t->base, NULL);
    /* Bad arguments. */
    md_status_reset(&st);
    assert_null(md_textformat_parse(NULL, "", 0, &st));
    assert_int_equal(st.code, MD_INVALID_ARGUMENT);
}

/* AttrValue -> func (NameAttrList) -> attr (map entry) -> value (AttrValue)
 * is the recursion a GraphDef allows. */
static char *nested_attr(int levels)
{
    static const char *const names[] = { "func", "attr", "value" };
    size_t cap = (size_t)levels * 12 + 1;
    char *s = malloc(cap), *w = s;
    for (int i = 0; i < levels; i++)
        w += sprintf(w, "%s{", names[i % 3]);
    for (int i = 0; i < levels; i++)
        *w++ = '}';
    *w = '\0';
    return s;
}

static void test_nesting_limit(void **state)
{
    (void)state;
    const ProtobufCMessageDescriptor *av = &tensorflow__attr_value__descriptor;
    char *ok = nested_attr(100);
    ProtobufCMessage *m = parse_ok(av, ok);
    assert_roundtrip(m);
    protobuf_c_message_free_unpacked(m, NULL);
    free(ok);
    char *deep = nested_attr(101);
    /* The 101st '{' follows 100 "name{" openings of 4 or 5 bytes. */
    const char *brace = deep;
    for (int i = 0; i < 101; i++)
        brace = strchr(brace, '{') + 1;
    expect_error(av, deep, 1, (int)(brace - deep), "messages nested deeper than 100 levels");
    free(deep);
    char *huge = nested_attr(100000);
    struct md_status st = MD_STATUS_INIT;
    assert_null(parse(av, huge, &st));
    assert_non_null(strstr(st.msg, "nested deeper"));
    free(huge);
}

static void test_allocation_failures(void **state)
{
    (void)state;
#ifdef NO_MALLOC_HOOK
    skip();
#else
    const char *texts[] = {
        "model_config_list { config { name: 'a' base_path: 'b' version_labels { key: 'x' value: 1 }"
        " model_version_policy { specific { versions: [1, 2, 3, 4, 5, 6] } } } config {} }",
        "meta_graphs { graph_def { node { name: 'n' attr { key: 'v' value { tensor { "
        "tensor_content: '\\001\\002' string_val: ['a', 'b'] float_val: [1, 2, 3, 4, 5] } } } } } }",
    };
    const ProtobufCMessageDescriptor *descs[] = { SERVER_CONFIG, &tensorflow__saved_model__descriptor };
    for (int k = 0; k < 2; k++) {
        int failures = 0;
        for (long n = 0;; n++) {
            struct md_status st = MD_STATUS_INIT;
            long before = live_blocks;
            fail_after = n;
            ProtobufCMessage *m = parse(descs[k], texts[k], &st);
            char *out = m ? md_textformat_print(m) : NULL;
            fail_after = -1;
            if (m && out) {
                free(out);
                protobuf_c_message_free_unpacked(m, NULL);
                assert_int_equal(live_blocks, before);
                break;
            }
            if (!m) {
                assert_int_equal(st.code, MD_RESOURCE_EXHAUSTED);
                assert_non_null(strstr(st.msg, "out of memory"));
            }
            protobuf_c_message_free_unpacked(m, NULL);
            assert_int_equal(live_blocks, before);
            failures++;
        }
        printf("  input %d: %d injected allocation failures, no leak\n", k, failures);
        assert_true(failures > 10);
    }
#endif
}

/* ------------------------------------------------------- fixture round trips */

/* Drops the unknown fields protobuf-c keeps for fields our minimal protos
 * leave out (text format cannot carry them); returns how many. */
static size_t strip_unknown(ProtobufCMessage *m)
{
    const ProtobufCMessageDescriptor *d = m->descriptor;
    size_t n = m->n_unknown_fields;
    for (unsigned i = 0; i < m->n_unknown_fields; i++)
        free(m->unknown_fields[i].data);
    free(m->unknown_fields);
    m->unknown_fields = NULL;
    m->n_unknown_fields = 0;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        if (f->type != PROTOBUF_C_TYPE_MESSAGE)
            continue;
        char *base = (char *)m;
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t count = *(size_t *)(base + f->quantifier_offset);
            ProtobufCMessage **arr = *(ProtobufCMessage ***)(base + f->offset);
            for (size_t j = 0; j < count; j++)
                n += strip_unknown(arr[j]);
        } else if (!(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) ||
                   *(uint32_t *)(base + f->quantifier_offset) == f->id) {
            ProtobufCMessage *sub = *(ProtobufCMessage **)(base + f->offset);
            if (sub)
                n += strip_unknown(sub);
        }
    }
    return n;
}

static int cmp_entry_keys(const void *a, const void *b)
{
    /* Map entries: field 0 is the string key (protobuf-c sorts fields by number). */
    const ProtobufCMessage *ma = *(const ProtobufCMessage *const *)a;
    const ProtobufCMessage *mb = *(const ProtobufCMessage *const *)b;
    unsigned off = ma->descriptor->fields[0].offset;
    return strcmp(*(const char *const *)((const char *)ma + off),
                  *(const char *const *)((const char *)mb + off));
}

/* Sorts every string-keyed map by key, as protobuf's printer orders them. */
static void sort_maps(ProtobufCMessage *m)
{
    const ProtobufCMessageDescriptor *d = m->descriptor;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        if (f->type != PROTOBUF_C_TYPE_MESSAGE)
            continue;
        char *base = (char *)m;
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t count = *(size_t *)(base + f->quantifier_offset);
            ProtobufCMessage **arr = *(ProtobufCMessage ***)(base + f->offset);
            const ProtobufCMessageDescriptor *ed = f->descriptor;
            for (size_t j = 0; j < count; j++)
                sort_maps(arr[j]);
            if (ed->n_fields == 2 && strcmp(ed->fields[0].name, "key") == 0 &&
                ed->fields[0].type == PROTOBUF_C_TYPE_STRING &&
                strcmp(ed->fields[1].name, "value") == 0 && count > 1)
                qsort(arr, count, sizeof *arr, cmp_entry_keys);
        } else if (!(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) ||
                   *(uint32_t *)(base + f->quantifier_offset) == f->id) {
            ProtobufCMessage *sub = *(ProtobufCMessage **)(base + f->offset);
            if (sub)
                sort_maps(sub);
        }
    }
}

static int roundtrip_file(const char *path)
{
    size_t len;
    char *data = read_all(path, &len);
    assert_non_null(data);
    ProtobufCMessage *m =
        protobuf_c_message_unpack(&tensorflow__saved_model__descriptor, NULL, len, (uint8_t *)data);
    assert_non_null(m);
    size_t unknown = strip_unknown(m);
    char *text = md_textformat_print(m);
    assert_non_null(text);
    assert_null(strstr(text, "# unknown field"));
    struct md_status st = MD_STATUS_INIT;
    ProtobufCMessage *m2 =
        md_textformat_parse(&tensorflow__saved_model__descriptor, text, strlen(text), &st);
    if (!m2)
        fail_msg("%s: reparse failed: %s", path, st.msg);
    size_t l1, l2;
    uint8_t *p1 = pack(m, &l1), *p2 = pack(m2, &l2);
    if (l1 != l2 || memcmp(p1, p2, l1) != 0)
        fail_msg("%s: print/parse changed the message (%zu vs %zu bytes)", path, l1, l2);
    char *text2 = md_textformat_print(m2);
    assert_string_equal(text, text2);
    printf("  %s: %zu bytes binary (%zu unknown fields dropped), %zu bytes text: "
           "identical after print/parse\n",
           strstr(path, "savedmodels/") ? strstr(path, "savedmodels/") + 12 : path, len, unknown,
           strlen(text));
    free(text2);
    free(p1);
    free(p2);
    free(text);
    protobuf_c_message_free_unpacked(m, NULL);
    protobuf_c_message_free_unpacked(m2, NULL);
    free(data);
    return 1;
}

static void test_saved_model_roundtrip(void **state)
{
    (void)state;
    int files = 0;
    DIR *top = opendir(fixtures);
    assert_non_null(top);
    struct dirent *e;
    while ((e = readdir(top))) {
        if (e->d_name[0] == '.')
            continue;
        char dir[4400];
        snprintf(dir, sizeof dir, "%s/%s", fixtures, e->d_name);
        DIR *sub = opendir(dir);
        if (!sub)
            continue;
        struct dirent *v;
        while ((v = readdir(sub))) {
            char path[4800];
            struct stat sb;
            snprintf(path, sizeof path, "%s/%s/saved_model.pb", dir, v->d_name);
            if (v->d_name[0] != '.' && stat(path, &sb) == 0)
                files += roundtrip_file(path);
        }
        closedir(sub);
    }
    closedir(top);
    assert_true(files >= 9);
}

/* The corpus holds `protoc --decode` renderings of a fixture: text printed
 * by protobuf's own C++ printer must parse to the same message (its printer
 * sorts map entries by key, so the reference is sorted too). */
static void test_protobuf_printed_text(void **state)
{
    (void)state;
    const char *src = getenv("MD_SRCDIR");
    char path[4200], pb[4400];
    snprintf(path, sizeof path, "%s/tests/fuzz/corpus/textformat/matrix_half_plus_two_protoc.pbtxt",
             src ? src : MD_TEST_SRCDIR);
    snprintf(pb, sizeof pb, "%s/matrix_half_plus_two/1/saved_model.pb", fixtures);
    size_t tl, bl;
    char *text = read_all(path, &tl), *bin = read_all(pb, &bl);
    assert_non_null(text);
    assert_non_null(bin);
    struct md_status st = MD_STATUS_INIT;
    ProtobufCMessage *m = md_textformat_parse(&tensorflow__saved_model__descriptor, text, tl, &st);
    if (!m)
        fail_msg("%s", st.msg);
    ProtobufCMessage *ref =
        protobuf_c_message_unpack(&tensorflow__saved_model__descriptor, NULL, bl, (uint8_t *)bin);
    assert_non_null(ref);
    assert_int_equal(strip_unknown(ref), 0);
    sort_maps(ref);
    size_t l1, l2;
    uint8_t *p1 = pack(ref, &l1), *p2 = pack(m, &l2);
    assert_int_equal(l1, l2);
    assert_memory_equal(p1, p2, l1);
    free(p1);
    free(p2);
    protobuf_c_message_free_unpacked(m, NULL);
    protobuf_c_message_free_unpacked(ref, NULL);
    free(text);
    free(bin);
}

/* Lenient mode (saved_model.pbtxt): fields our minimal protos lack are skipped
 * whole — scalars, negative numbers, concatenated strings, blocks, lists and
 * Any expansions — while known fields around them are still parsed; malformed
 * unknown fields are still errors. */
static void test_lenient_unknown_fields(void **state)
{
    (void)state;
    static const char text[] =
        "saved_model_schema_version: 1\n"
        "meta_graphs {\n"
        "  meta_info_def {\n"
        "    tags: \"serve\"\n"
        "    any_info { [type.googleapis.com/foo.Bar] { x: -1.5e3 y: \"a\" \"b\" } }\n"
        "    unknown_scalar: -inf\n"
        "    unknown_list: [1, 2, 3]\n"
        "    unknown_blocks: [{ a: 1 }, < b: [x, y] >]\n"
        "    unknown_enum: SOME_NAME;\n"
        "    tensorflow_version: \"2.14.0\"\n"
        "  }\n"
        "  object_graph_def { nodes { children { node_id: 1 local_name: \"v\" } "
        "user_object { identifier: \"_generic_user_object\" metadata: \"{}\" } } }\n"
        "}\n";
    struct md_status st = MD_STATUS_INIT;
    const ProtobufCMessageDescriptor *d = &tensorflow__saved_model__descriptor;
    assert_null(md_textformat_parse(d, text, sizeof text - 1, &st));
    assert_non_null(strstr(st.msg, "unknown field 'any_info'"));
    md_status_reset(&st);
    Tensorflow__SavedModel *sm =
        (Tensorflow__SavedModel *)md_textformat_parse_lenient(d, text, sizeof text - 1, &st);
    assert_non_null(sm);
    assert_int_equal(sm->saved_model_schema_version, 1);
    assert_int_equal(sm->n_meta_graphs, 1);
    assert_int_equal(sm->meta_graphs[0]->meta_info_def->n_tags, 1);
    assert_string_equal(sm->meta_graphs[0]->meta_info_def->tags[0], "serve");
    assert_string_equal(sm->meta_graphs[0]->meta_info_def->tensorflow_version, "2.14.0");
    assert_int_equal(sm->meta_graphs[0]->object_graph_def->n_nodes, 1);
    assert_string_equal(
        sm->meta_graphs[0]->object_graph_def->nodes[0]->user_object->identifier,
        "_generic_user_object");
    protobuf_c_message_free_unpacked(&sm->base, NULL);

    static const char *const bad[] = {
        "meta_graphs { unknown { a: 1 }",      /* unterminated block */
        "meta_graphs { unknown: }",            /* no value */
        "meta_graphs { unknown [1, 2] }",      /* list without ':' */
        "meta_graphs { unknown: [1, 2 }",      /* unterminated list */
        "meta_graphs { [a.b/c { x: 1 } }",     /* unterminated bracket name */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        md_status_reset(&st);
        assert_null(md_textformat_parse_lenient(d, bad[i], strlen(bad[i]), &st));
        assert_int_not_equal(st.code, MD_OK);
        assert_non_null(strstr(st.msg, "line 1 col"));
    }
    /* Depth stays bounded while skipping. */
    char deep[4096];
    size_t o = 0;
    o += (size_t)snprintf(deep + o, sizeof deep - o, "meta_graphs { ");
    for (int i = 0; i < 300; i++)
        o += (size_t)snprintf(deep + o, sizeof deep - o, "u { ");
    md_status_reset(&st);
    assert_null(md_textformat_parse_lenient(d, deep, o, &st));
    assert_non_null(strstr(st.msg, "nesting"));
}

int main(void)
{
    const struct CMUnitTest always[] = {
        cmocka_unit_test(test_version_policies_and_labels),
        cmocka_unit_test(test_monitoring_config),
        cmocka_unit_test(test_checkpoint_state),
        cmocka_unit_test(test_syntax_variants),
        cmocka_unit_test(test_scalar_values),
        cmocka_unit_test(test_oneof_and_defaults),
        cmocka_unit_test(test_duplicates),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_nesting_limit),
        cmocka_unit_test(test_lenient_unknown_fields),
        cmocka_unit_test(test_allocation_failures),
    };
    const struct CMUnitTest with_fixtures[] = {
        cmocka_unit_test(test_good_model_config),
        cmocka_unit_test(test_bad_model_config),
        cmocka_unit_test(test_saved_model_roundtrip),
        cmocka_unit_test(test_protobuf_printed_text),
    };
    int failed = cmocka_run_group_tests_name("textformat", always, NULL, NULL);
    const char *src = getenv("MD_SRCDIR");
    struct stat sb;
    snprintf(fixtures, sizeof fixtures, "%s/../shared/fixtures/savedmodels",
             src ? src : MD_TEST_SRCDIR);
    if (stat(fixtures, &sb) != 0) {
        printf("test_textformat: fixtures not found at %s; fixture tests skipped\n", fixtures);
        return failed ? 1 : 77;
    }
    failed += cmocka_run_group_tests_name("textformat fixtures", with_fixtures, NULL, NULL);
    return failed ? 1 : 0;
}
