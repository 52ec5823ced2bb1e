/* v2_grpc.c: inference.GRPCInferenceService (the Open Inference Protocol
 * over gRPC) on the same manager and core as REST /v2 (server/v2.c).
 * Transport-free like the other method handlers: request bytes in,
 * response bytes out, everything in the call's arena.
 *
 * ModelInfer takes each input from typed contents or, when the request
 * has raw_input_contents, from those (one entry per input, in order). The
 * response uses the same form the request did: raw_output_contents for a
 * raw request (what Triton's clients send), typed contents otherwise (FP16
 * only travels raw). Status codes follow the TF Serving API: NOT_FOUND for
 * unknown models/versions, INVALID_ARGUMENT for bad requests. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "grpc_predict_v2.pb-c.h"
#include "server/grpc/grpc_impl.h"
#include "server/v2.h"

#define UNPACK(type, desc)                                                                         \
    (type *)md_grpc_unpack(&desc, req, len, c->arena, st)

static char *astrdup(struct md_arena *a, const char *s, struct md_status *st)
{
    size_t n = strlen(s);
    char *d = md_arena_alloc(a, n + 1, st);
    if (d)
        memcpy(d, s, n + 1);
    return d;
}

static char *version_str(struct md_arena *a, int64_t v, struct md_status *st)
{
    char b[32];
    snprintf(b, sizeof b, "%lld", (long long)v);
    return astrdup(a, b, st);
}

/* name + version string ("" = latest) -> spec. */
static bool spec_of(const char *name, const char *version, struct md_model_spec *spec,
                    struct md_status *st)
{
    memset(spec, 0, sizeof *spec);
    if (!name || !name[0])
        return md_status_set(st, MD_INVALID_ARGUMENT, "model name is empty");
    spec->name = name;
    if (version && version[0]) {
        int64_t v = 0;
        const char *p = version;
        for (; *p >= '0' && *p <= '9'; p++) {
            if (v > (INT64_MAX - 9) / 10)
                break;
            v = v * 10 + (*p - '0');
        }
        if (*p) {
            char esc[64];
            return md_status_set(st, MD_INVALID_ARGUMENT,
                                 "Failed to convert version: %s to numeric.",
                                 md_escape(esc, sizeof esc, version, strlen(version)));
        }
        spec->has_version = true;
        spec->version = v;
    }
    return true;
}

/* ------------------------------------------------------------ health */
bool md_v2_grpc_server_live(struct md_grpc_ctx *c, const uint8_t *req, size_t len,
                            struct md_grpc_reply *out, struct md_status *st)
{
    if (!UNPACK(Inference__ServerLiveRequest, inference__server_live_request__descriptor))
        return false;
    Inference__ServerLiveResponse r;
    inference__server_live_response__init(&r);
    r.live = 1;
    return md_grpc_pack(&r.base, out, st);
}

bool md_v2_grpc_server_ready(struct md_grpc_ctx *c, const uint8_t *req, size_t len,
                             struct md_grpc_reply *out, struct md_status *st)
{
    if (!UNPACK(Inference__ServerReadyRequest, inference__server_ready_request__descriptor))
        return false;
    Inference__ServerReadyResponse r;
    inference__server_ready_response__init(&r);
    r.ready = md_v2_server_ready(c->mgr, NULL, 0);
    return md_grpc_pack(&r.base, out, st);
}

bool md_v2_grpc_model_ready(struct md_grpc_ctx *c, const uint8_t *req, size_t len,
                            struct md_grpc_reply *out, struct md_status *st)
{
    Inference__ModelReadyRequest *q =
        UNPACK(Inference__ModelReadyRequest, inference__model_ready_request__descriptor);
    struct md_model_spec spec;
    if (!q || !spec_of(q->name, q->version, &spec, st))
        return false;
    /* Unknown model: NOT_FOUND, as REST's 404; known: a plain answer. */
    char **names;
    size_t nn = md_manager_model_names(c->mgr, &names), i;
    for (i = 0; i < nn && strcmp(names[i], spec.name); i++)
        ;
    md_manager_names_free(names, nn);
    if (i == nn) {
        char esc[256];
        return md_status_set(st, MD_NOT_FOUND, "Servable not found for request: Latest(%s)",
                             md_escape(esc, sizeof esc, spec.name, strlen(spec.name)));
    }
    Inference__ModelReadyResponse r;
    inference__model_ready_response__init(&r);
    r.ready = md_v2_model_ready(c->mgr, &spec);
    return md_grpc_pack(&r.base, out, st);
}

/* ---------------------------------------------------------- metadata */
bool md_v2_grpc_server_metadata(struct md_grpc_ctx *c, const uint8_t *req, size_t len,
                                struct md_grpc_reply *out, struct md_status *st)
{
    if (!UNPACK(Inference__ServerMetadataRequest, inference__server_metadata_request__descriptor))
        return false;
    Inference__ServerMetadataResponse r;
    inference__server_metadata_response__init(&r);
    static char name[] = MD_V2_SERVER_NAME, version[] = PACKAGE_VERSION,
                ext[] = MD_V2_EXTENSIONS;
    char *exts[1] = {ext};
    r.name = name;
    r.version = version;
    r.n_extensions = 1;
    r.extensions = exts;
    return md_grpc_pack(&r.base, out, st);
}

static Inference__ModelMetadataResponse__TensorMetadata *
tensor_meta(struct md_arena *a, const struct md_tensor_info *ti, struct md_status *st)
{
    Inference__ModelMetadataResponse__TensorMetadata *m = md_arena_alloc(a, sizeof *m, st);
    int64_t *shape = md_arena_alloc(a, (MD_MAX_RANK + 1) * sizeof *shape, st);
    if (!m || !shape)
        return NULL;
    inference__model_metadata_response__tensor_metadata__init(m);
    const char *dt = md_v2_datatype_name(ti->dtype);
    if (!(m->name = astrdup(a, ti->alias, st)) || !(m->datatype = astrdup(a, dt ? dt : "INVALID", st)))
        return NULL;
    m->shape = shape;
    if (ti->unknown_rank) { /* as REST: [-1] for "any shape" */
        shape[0] = -1;
        m->n_shape = 1;
    } else {
        for (int d = 0; d < ti->rank; d++)
            shape[d] = ti->dims[d];
        m->n_shape = (size_t)ti->rank;
    }
    return m;
}

bool md_v2_grpc_model_metadata(struct md_grpc_ctx *c, const uint8_t *req, size_t len,
                               struct md_grpc_reply *out, struct md_status *st)
{
    c->api = "GetModelMetadata";
    Inference__ModelMetadataRequest *q =
        UNPACK(Inference__ModelMetadataRequest, inference__model_metadata_request__descriptor);
    struct md_model_spec spec;
    if (!q || !spec_of(q->name, q->version, &spec, st))
        return false;
    c->model = q->name;
    struct md_servable *sv = md_manager_acquire(c->mgr, &spec, st);
    if (!sv)
        return false;
    c->version = md_servable_version(sv);
    Inference__ModelMetadataResponse r;
    inference__model_metadata_response__init(&r);
    bool ok = false;
    struct md_version_status *vs = NULL;
    size_t nv = 0;
    struct md_status ignore = MD_STATUS_INIT;
    struct md_model_spec all = {spec.name, false, 0, NULL};
    if (!md_manager_model_status(c->mgr, &all, &vs, &nv, &ignore))
        nv = 0;
    static char platform[] = MD_V2_PLATFORM;
    r.platform = platform;
    r.name = astrdup(c->arena, md_servable_name(sv), st);
    r.versions = md_arena_alloc(c->arena, (nv ? nv : 1) * sizeof *r.versions, st);
    if (!r.name || !r.versions)
        goto done;
    for (size_t i = 0; i < nv; i++)
        if (vs[i].state == MD_VS_AVAILABLE &&
            !(r.versions[r.n_versions++] = version_str(c->arena, vs[i].version, st)))
            goto done;
    struct md_status sst = MD_STATUS_INIT;
    const struct md_signature *sig = md_serve_signature(sv, "", &sst);
    if (sig) {
        r.inputs = md_arena_alloc(c->arena, (sig->n_inputs + 1) * sizeof *r.inputs, st);
        r.outputs = md_arena_alloc(c->arena, (sig->n_outputs + 1) * sizeof *r.outputs, st);
        if (!r.inputs || !r.outputs)
            goto done;
        for (size_t i = 0; i < sig->n_inputs; i++)
            if (!(r.inputs[r.n_inputs++] = tensor_meta(c->arena, &sig->inputs[i], st)))
                goto done;
        for (size_t i = 0; i < sig->n_outputs; i++)
            if (!(r.outputs[r.n_outputs++] = tensor_meta(c->arena, &sig->outputs[i], st)))
                goto done;
    }
    ok = md_grpc_pack(&r.base, out, st);
done:
    free(vs);
    md_servable_release(sv);
    return ok;
}

/* ------------------------------------------------------------- infer */
/* Typed contents -> tensor of dtype dt (count elements). */
static bool typed_input(const Inference__ModelInferRequest__InferInputTensor *in, enum md_dtype dt,
                        int64_t count, struct md_tensor *t, struct md_arena *a,
                        struct md_status *st)
{
    const Inference__InferTensorContents *ct = in->contents;
    char esc[128];
    md_escape(esc, sizeof esc, in->name, strlen(in->name));
    size_t have;
    const char *field;
    switch (dt) {
    case MD_DT_BOOL: have = ct ? ct->n_bool_contents : 0; field = "bool_contents"; break;
    case MD_DT_INT8:
    case MD_DT_INT16:
    case MD_DT_INT32: have = ct ? ct->n_int_contents : 0; field = "int_contents"; break;
    case MD_DT_INT64: have = ct ? ct->n_int64_contents : 0; field = "int64_contents"; break;
    case MD_DT_UINT8:
    case MD_DT_UINT16:
    case MD_DT_UINT32: have = ct ? ct->n_uint_contents : 0; field = "uint_contents"; break;
    case MD_DT_UINT64: have = ct ? ct->n_uint64_contents : 0; field = "uint64_contents"; break;
    case MD_DT_FLOAT: have = ct ? ct->n_fp32_contents : 0; field = "fp32_contents"; break;
    case MD_DT_DOUBLE: have = ct ? ct->n_fp64_contents : 0; field = "fp64_contents"; break;
    case MD_DT_STRING: have = ct ? ct->n_bytes_contents : 0; field = "bytes_contents"; break;
    default:
        return md_status_set(st, MD_INVALID_ARGUMENT,
                             "input '%s': %s has no typed contents; send it in "
                             "raw_input_contents",
                             esc, md_v2_datatype_name(dt));
    }
    if ((int64_t)have != count)
        return md_status_set(st, MD_INVALID_ARGUMENT,
                             "input '%s': shape needs %lld elements, %s has %zu", esc,
                             (long long)count, field, have);
    size_t esz = md_dtype_size(dt);
    t->data = md_arena_alloc(a, count ? (size_t)count * esz : 1, st);
    if (!t->data)
        return false;
    for (int64_t k = 0; k < count; k++) {
        void *slot = (char *)t->data + (size_t)k * esz;
        bool range = true;
        switch (dt) {
        case MD_DT_BOOL: *(uint8_t *)slot = ct->bool_contents[k] != 0; break;
        case MD_DT_INT8:
            range = ct->int_contents[k] >= INT8_MIN && ct->int_contents[k] <= INT8_MAX;
            *(int8_t *)slot = (int8_t)ct->int_contents[k];
            break;
        case MD_DT_INT16:
            range = ct->int_contents[k] >= INT16_MIN && ct->int_contents[k] <= INT16_MAX;
            *(int16_t *)slot = (int16_t)ct->int_contents[k];
            break;
        case MD_DT_INT32: *(int32_t *)slot = ct->int_contents[k]; break;
        case MD_DT_INT64: *(int64_t *)slot = ct->int64_contents[k]; break;
        case MD_DT_UINT8:
            range = ct->uint_contents[k] <= UINT8_MAX;
            *(uint8_t *)slot = (uint8_t)ct->uint_contents[k];
            break;
        case MD_DT_UINT16:
            range = ct->uint_contents[k] <= UINT16_MAX;
            *(uint16_t *)slot = (uint16_t)ct->uint_contents[k];
            break;
        case MD_DT_UINT32: *(uint32_t *)slot = ct->uint_contents[k]; break;
        case MD_DT_UINT64: *(uint64_t *)slot = ct->uint64_contents[k]; break;
        case MD_DT_FLOAT: *(float *)slot = ct->fp32_contents[k]; break;
        case MD_DT_DOUBLE: *(double *)slot = ct->fp64_contents[k]; break;
        default: {
            struct md_str *s = slot;
            s->data = (const char *)ct->bytes_contents[k].data;
            s->len = ct->bytes_contents[k].len;
            break;
        }
        }
        if (!range)
            return md_status_set(st, MD_INVALID_ARGUMENT,
                                 "input '%s': element %lld is out of range for %s", esc,
                                 (long long)k, md_v2_datatype_name(dt));
    }
    return true;
}

static const Inference__InferParameter *find_param(Inference__ModelInferRequest__ParametersEntry **p,
                                                   size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (p[i]->key && !strcmp(p[i]->key, key))
            return p[i]->value;
    return NULL;
}

static bool build_request(struct md_grpc_ctx *c, const Inference__ModelInferRequest *q,
                          struct md_v2_request *r, struct md_status *st)
{
    memset(r, 0, sizeof *r);
    r->id = q->id && q->id[0] ? q->id : NULL;
    r->signature_name = "";
    const Inference__InferParameter *sp = find_param(q->parameters, q->n_parameters,
                                                     "signature_name");
    if (sp) {
        if (sp->parameter_choice_case != INFERENCE__INFER_PARAMETER__PARAMETER_CHOICE_STRING_PARAM)
            return md_status_set(st, MD_INVALID_ARGUMENT,
                                 "parameters.signature_name must be a string_param");
        r->signature_name = sp->string_param;
    }
    bool raw = q->n_raw_input_contents > 0;
    if (raw && q->n_raw_input_contents != q->n_inputs)
        return md_status_set(st, MD_INVALID_ARGUMENT,
                             "raw_input_contents has %zu entries for %zu inputs",
                             q->n_raw_input_contents, q->n_inputs);
    r->inputs = md_arena_alloc(c->arena, (q->n_inputs + 1) * sizeof *r->inputs, st);
    r->outputs = md_arena_alloc(c->arena, (q->n_outputs + 1) * sizeof *r->outputs, st);
    if (!r->inputs || !r->outputs)
        return false;
    for (size_t i = 0; i < q->n_inputs; i++) {
        const Inference__ModelInferRequest__InferInputTensor *in = q->inputs[i];
        char esc[128];
        md_escape(esc, sizeof esc, in->name, strlen(in->name));
        if (!in->name[0])
            return md_status_set(st, MD_INVALID_ARGUMENT, "inputs[%zu] has no name", i);
        for (size_t k = 0; k < i; k++)
            if (!strcmp(q->inputs[k]->name, in->name))
                return md_status_set(st, MD_INVALID_ARGUMENT, "input '%s' appears twice", esc);
        enum md_dtype dt = md_v2_datatype_from_name(in->datatype, strlen(in->datatype));
        if (dt == MD_DT_INVALID) {
            char edt[64];
            return md_status_set(st, MD_INVALID_ARGUMENT, "input '%s': unknown datatype '%s'",
                                 esc, md_escape(edt, sizeof edt, in->datatype,
                                                strlen(in->datatype)));
        }
        if (in->n_shape > MD_MAX_RANK)
            return md_status_set(st, MD_INVALID_ARGUMENT,
                                 "input '%s': shape has more than %d dims", esc, MD_MAX_RANK);
        for (size_t d = 0; d < in->n_shape; d++)
            if (in->shape[d] < 0)
                return md_status_set(st, MD_INVALID_ARGUMENT,
                                     "input '%s': shape must be non-negative", esc);
        struct md_tensor t = MD_TENSOR_INIT;
        if (raw) {
            if (!md_v2_tensor_from_raw(in->name, dt, (int)in->n_shape, in->shape,
                                       q->raw_input_contents[i].data,
                                       q->raw_input_contents[i].len, c->arena, &t, st))
                return false;
        } else {
            t.dtype = dt;
            t.rank = (int)in->n_shape;
            memcpy(t.dims, in->shape, in->n_shape * sizeof *in->shape);
            int64_t count = md_shape_num_elements(t.rank, t.dims);
            if (count < 0)
                return md_status_set(st, MD_INVALID_ARGUMENT, "input '%s': shape is too large",
                                     esc);
            if (!typed_input(in, dt, count, &t, c->arena, st))
                return false;
        }
        r->inputs[r->n_inputs].name = in->name;
        r->inputs[r->n_inputs].tensor = t;
        r->n_inputs++;
    }
    for (size_t i = 0; i < q->n_outputs; i++) {
        r->outputs[i].name = q->outputs[i]->name;
        r->outputs[i].binary = raw;
    }
    r->n_outputs = q->n_outputs;
    return true;
}

/* One output tensor -> typed contents. */
static bool typed_output(const struct md_tensor *t, Inference__InferTensorContents *ct,
                         struct md_arena *a, struct md_status *st)
{
    int64_t count = md_tensor_num_elements(t);
    size_t n = count > 0 ? (size_t)count : 0;
#define FILL(field, ctype, expr)                                                                   \
    do {                                                                                           \
        ctype *v = md_arena_alloc(a, (n ? n : 1) * sizeof *v, st);                                 \
        if (!v)                                                                                    \
            return false;                                                                          \
        for (size_t k = 0; k < n; k++)                                                             \
            v[k] = (ctype)(expr);                                                                  \
        ct->field = v;                                                                             \
        ct->n_##field = n;                                                                         \
    } while (0)
    switch (t->dtype) {
    case MD_DT_BOOL: FILL(bool_contents, protobuf_c_boolean, ((const uint8_t *)t->data)[k] != 0); break;
    case MD_DT_INT8: FILL(int_contents, int32_t, ((const int8_t *)t->data)[k]); break;
    case MD_DT_INT16: FILL(int_contents, int32_t, ((const int16_t *)t->data)[k]); break;
    case MD_DT_INT32: ct->int_contents = t->data; ct->n_int_contents = n; break;
    case MD_DT_INT64: ct->int64_contents = t->data; ct->n_int64_contents = n; break;
    case MD_DT_UINT8: FILL(uint_contents, uint32_t, ((const uint8_t *)t->data)[k]); break;
    case MD_DT_UINT16: FILL(uint_contents, uint32_t, ((const uint16_t *)t->data)[k]); break;
    case MD_DT_UINT32: ct->uint_contents = t->data; ct->n_uint_contents = n; break;
    case MD_DT_UINT64: ct->uint64_contents = t->data; ct->n_uint64_contents = n; break;
    case MD_DT_FLOAT: ct->fp32_contents = t->data; ct->n_fp32_contents = n; break;
    case MD_DT_DOUBLE: ct->fp64_contents = t->data; ct->n_fp64_contents = n; break;
    case MD_DT_STRING: {
        const struct md_str *s = t->data;
        FILL(bytes_contents, ProtobufCBinaryData,
             ((ProtobufCBinaryData){s[k].len, (uint8_t *)(uintptr_t)s[k].data}));
        break;
    }
    default: break; /* FP16: the caller sends it raw */
    }
#undef FILL
    return true;
}

bool md_v2_grpc_model_infer(struct md_grpc_ctx *c, const uint8_t *req, size_t len,
                            struct md_grpc_reply *out, struct md_status *st)
{
    c->api = "predict";
    Inference__ModelInferRequest *q =
        UNPACK(Inference__ModelInferRequest, inference__model_infer_request__descriptor);
    struct md_model_spec spec;
    if (!q || !spec_of(q->model_name, q->model_version, &spec, st))
        return false;
    c->model = q->model_name;
    struct md_v2_request r;
    if (!build_request(c, q, &r, st))
        return false;
    struct md_servable *sv = md_manager_acquire(c->mgr, &spec, st);
    if (!sv)
        return false;
    c->version = md_servable_version(sv);
    struct md_serve_output *outs = NULL;
    size_t n = 0;
    const struct md_signature *sig = NULL;
    bool ok = md_v2_infer(sv, &r, c->arena, &sig, &outs, &n, st);
    if (sig)
        snprintf(c->signature, sizeof c->signature, "%s", sig->key);
    bool raw = q->n_raw_input_contents > 0;
    Inference__ModelInferResponse resp;
    inference__model_infer_response__init(&resp);
    Inference__ModelInferResponse__InferOutputTensor *ot =
        ok ? md_arena_alloc(c->arena, (n + 1) * sizeof *ot, st) : NULL;
    Inference__ModelInferResponse__InferOutputTensor **otp =
        ok ? md_arena_alloc(c->arena, (n + 1) * sizeof *otp, st) : NULL;
    Inference__InferTensorContents *cts = ok ? md_arena_alloc(c->arena, (n + 1) * sizeof *cts, st)
                                             : NULL;
    ProtobufCBinaryData *raws = ok ? md_arena_alloc(c->arena, (n + 1) * sizeof *raws, st) : NULL;
    ok = ok && ot && otp && cts && raws;
    if (ok) {
        resp.model_name = astrdup(c->arena, md_servable_name(sv), st);
        resp.model_version = version_str(c->arena, md_servable_version(sv), st);
        if (r.id)
            resp.id = (char *)(uintptr_t)r.id;
        ok = resp.model_name && resp.model_version;
    }
    for (size_t i = 0; ok && i < n; i++) {
        const struct md_tensor *t = &outs[i].tensor;
        const char *dt = md_v2_datatype_name(t->dtype);
        if (!dt) {
            ok = md_status_set(st, MD_UNIMPLEMENTED,
                               "output '%s' has dtype %s, which the v2 protocol cannot carry",
                               outs[i].alias, md_dtype_name(t->dtype));
            break;
        }
        inference__model_infer_response__infer_output_tensor__init(&ot[i]);
        inference__infer_tensor_contents__init(&cts[i]);
        ot[i].name = (char *)(uintptr_t)outs[i].alias;
        ot[i].datatype = (char *)(uintptr_t)dt;
        ot[i].n_shape = (size_t)t->rank;
        ot[i].shape = (int64_t *)(uintptr_t)t->dims;
        if (raw) {
            raws[i].len = md_v2_raw_size(t);
            raws[i].data = md_arena_alloc(c->arena, raws[i].len ? raws[i].len : 1, st);
            if (!raws[i].data) {
                ok = false;
                break;
            }
            md_v2_raw_write(t, raws[i].data);
        } else if (t->dtype == MD_DT_HALF) {
            ok = md_status_set(st, MD_INVALID_ARGUMENT,
                               "output '%s' is FP16, which only travels raw: send the inputs in "
                               "raw_input_contents",
                               outs[i].alias);
            break;
        } else {
            if (!(ok = typed_output(t, &cts[i], c->arena, st)))
                break;
            ot[i].contents = &cts[i];
        }
        otp[i] = &ot[i];
    }
    if (ok) {
        resp.n_outputs = n;
        resp.outputs = otp;
        if (raw) {
            resp.n_raw_output_contents = n;
            resp.raw_output_contents = raws;
        }
        ok = md_grpc_pack(&resp.base, out, st);
    }
    for (size_t i = 0; i < n; i++)
        md_tensor_cleanup(&outs[i].tensor);
    md_servable_release(sv);
    return ok;
}
