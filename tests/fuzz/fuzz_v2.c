/* fuzz_v2.c: KServe v2 infer bodies (server/v2_json.c): JSON with any
 * datatype, nested or flat data, and the binary tensor data extension.
 *
 * The first two bytes (little-endian) give the JSON header's length
 * (Inference-Header-Content-Length), taken modulo the rest's size + 1, so
 * the same input covers plain JSON and JSON + binary tensors. Whatever
 * decodes is encoded back (inputs as outputs, binary where asked). Each
 * body is also decoded without the single-pass data path, which must give
 * the same result. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "server/v2.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The single-pass data decode must agree with the general decoder bit for
 * bit: same verdict, same message, same tensors. */
static void same_as_general(const char *body, size_t len, size_t hl, bool ok,
                            const struct md_v2_request *r, const struct md_status *st)
{
    struct md_status st2 = MD_STATUS_INIT;
    struct md_arena *a = md_arena_new(1 << 16, 64u << 20, &st2);
    if (!a)
        return;
    struct md_v2_request r2;
    md_v2_json_set_single_pass(false);
    bool ok2 = md_v2_json_decode(body, len, hl, a, &r2, &st2);
    md_v2_json_set_single_pass(true);
    if (ok != ok2 || (!ok && (st->code != st2.code || strcmp(st->msg, st2.msg))))
        abort();
    for (size_t i = 0; ok && i < r->n_inputs; i++) {
        const struct md_tensor *x = &r->inputs[i].tensor, *y = &r2.inputs[i].tensor;
        if (r2.n_inputs != r->n_inputs || x->dtype != y->dtype || x->rank != y->rank ||
            memcmp(x->dims, y->dims, (size_t)x->rank * sizeof x->dims[0]))
            abort();
        int64_t n = md_tensor_num_elements(x);
        if (x->dtype == MD_DT_STRING) {
            const struct md_str *p = x->data, *q = y->data;
            for (int64_t k = 0; k < n; k++)
                if (p[k].len != q[k].len || (p[k].len && memcmp(p[k].data, q[k].data, p[k].len)))
                    abort();
        } else if (n > 0 && memcmp(x->data, y->data, (size_t)n * md_dtype_size(x->dtype))) {
            abort();
        }
    }
    md_arena_free(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    size_t hl = (size_t)data[0] | (size_t)data[1] << 8;
    const char *body = (const char *)data + 2;
    size_t len = size - 2;
    hl %= len + 1;
    struct md_status st = MD_STATUS_INIT;
    struct md_arena *a = md_arena_new(1 << 16, 64u << 20, &st);
    if (!a)
        return 0;
    struct md_v2_request r;
    bool ok = md_v2_json_decode(body, len, hl, a, &r, &st);
    same_as_general(body, len, hl, ok, &r, &st);
    if (ok && r.n_inputs) {
        struct md_serve_output *outs = md_arena_alloc(a, r.n_inputs * sizeof *outs, &st);
        for (size_t i = 0; outs && i < r.n_inputs; i++) {
            outs[i].alias = r.inputs[i].name;
            outs[i].tensor = r.inputs[i].tensor;
        }
        struct md_sbuf b = MD_SBUF_INIT;
        size_t jl;
        struct md_status st2 = MD_STATUS_INIT;
        if (outs && md_v2_json_encode(&b, "m", 1, &r, outs, r.n_inputs, &jl, &st2) && jl > b.len)
            abort(); /* our invariant: the JSON part is a prefix */
        md_sbuf_free(&b);
    }
    md_arena_free(a);
    return 0;
}
