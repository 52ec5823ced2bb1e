/* fuzz_v2.c: KServe v2 infer bodies (server/v2_json.c): JSON with any
 * datatype, nested or flat data, and the binary tensor data extension.
 *
 * The first two bytes (little-endian) give the JSON header's length
 * (Inference-Header-Content-Length), taken modulo the rest's size + 1, so
 * the same input covers plain JSON and JSON + binary tensors. Whatever
 * decodes is encoded back (inputs as outputs, binary where asked). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "server/v2.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
    if (md_v2_json_decode(body, len, hl, a, &r, &st) && r.n_inputs) {
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
