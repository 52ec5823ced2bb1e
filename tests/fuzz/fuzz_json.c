/* fuzz_json.c: REST request bodies -> tensors (server/json_decode.c) and
 * back to JSON (json_encode.c), plus the path router.
 *
 * The first byte picks what the rest is: 0-3 a predict body for one of four
 * signatures (one float input; int64 + string; bool + double columns; no
 * input), 4 a classify/regress body, 5 a request path. Whatever decodes is
 * encoded again, so both directions see every accepted shape. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "server/server_impl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct md_tensor_info in_float[] = {{"x", "x:0", MD_DT_FLOAT, MD_DT_FLOAT, true, 0, {0}}};
static struct md_tensor_info in_mixed[] = {
    {"ids", "ids:0", MD_DT_INT64, MD_DT_INT64, true, 0, {0}},
    {"text_bytes", "t:0", MD_DT_STRING, MD_DT_STRING, true, 0, {0}}};
static struct md_tensor_info in_cols[] = {
    {"b", "b:0", MD_DT_BOOL, MD_DT_BOOL, true, 0, {0}},
    {"d", "d:0", MD_DT_DOUBLE, MD_DT_DOUBLE, true, 0, {0}},
    {"u", "u:0", MD_DT_UINT8, MD_DT_UINT8, true, 0, {0}}};

static void encode_back(const struct md_feed *feeds, size_t n, enum md_json_format fmt)
{
    struct md_serve_output outs[3];
    for (size_t i = 0; i < n && i < 3; i++) {
        outs[i].alias = feeds[i].alias;
        outs[i].tensor = *feeds[i].tensor;
    }
    struct md_sbuf b = MD_SBUF_INIT;
    struct md_status st = MD_STATUS_INIT;
    if (n && md_json_predict_encode(&b, fmt, outs, n < 3 ? n : 3, &st)) {
        struct md_status st2 = MD_STATUS_INIT;
        md_sbuf_reset(&b);
        if (!md_json_predict_encode(&b, fmt == MD_JSON_ROW ? MD_JSON_COLUMNAR : MD_JSON_ROW, outs,
                                    n < 3 ? n : 3, &st2))
            b.len = 0; /* ragged batch dims are refused in row form: fine */
    }
    md_sbuf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > (1 << 20))
        return 0;
    unsigned mode = data[0] % 6;
    const char *body = (const char *)data + 1;
    size_t len = size - 1;
    struct md_status st = MD_STATUS_INIT;
    struct md_arena *a = md_arena_new(1 << 16, 64 << 20, &st);
    if (!a)
        return 0;
    if (mode <= 3) {
        struct md_signature sig;
        memset(&sig, 0, sizeof sig);
        sig.key = "serving_default";
        if (mode == 0) {
            sig.inputs = in_float;
            sig.n_inputs = 1;
        } else if (mode == 1) {
            sig.inputs = in_mixed;
            sig.n_inputs = 2;
        } else if (mode == 2) {
            sig.inputs = in_cols;
            sig.n_inputs = 3;
        }
        struct md_json_predict jp;
        struct md_feed *feeds;
        size_t n;
        enum md_json_format fmt;
        if (md_json_predict_scan(body, len, a, &jp, &st) &&
            md_json_predict_decode(body, len, &jp, &sig, a, &feeds, &n, &fmt, &st))
            encode_back(feeds, n, fmt);
    } else if (mode == 4) {
        const char *signame;
        struct md_tensor ex;
        if (md_json_examples_decode(body, len, a, &signame, &ex, &st)) {
            struct md_sbuf b = MD_SBUF_INIT;
            struct md_classify_result r = {(size_t)ex.dims[0], 1, ex.data, NULL};
            if (!md_json_classify_encode(&b, &r, &st))
                abort(); /* a decoded, non-empty list always encodes */
            md_sbuf_free(&b);
        }
    } else {
        char path[2048];
        size_t n = len < sizeof path - 1 ? len : sizeof path - 1;
        memcpy(path, body, n);
        path[n] = '\0';
        struct md_route r;
        md_route_parse(n % 2 ? "GET" : "POST", path, "/metrics", true, &r, &st);
    }
    md_arena_free(a);
    return 0;
}
