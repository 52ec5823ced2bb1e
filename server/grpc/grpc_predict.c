/* grpc_predict.c: PredictionService/Predict. Decodes the input TensorProtos,
 * runs md_serve_predict (the same core call as REST's :predict) and returns
 * the outputs as TF Serving does (typed *_val fields by default). */
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "server/grpc/grpc_impl.h"
#include "serving_predict.pb-c.h"

#define DEFAULT_SIGNATURE "serving_default"
/* Beyond this many map entries duplicates are not merged: the request is
 * wrong anyway (signatures have a handful of inputs) and the core says so. */
#define DEDUPE_MAX 1024

static int by_key(const void *a, const void *b)
{
    const Tensorflow__Serving__PredictRequest__InputsEntry *x =
        *(Tensorflow__Serving__PredictRequest__InputsEntry *const *)a;
    const Tensorflow__Serving__PredictRequest__InputsEntry *y =
        *(Tensorflow__Serving__PredictRequest__InputsEntry *const *)b;
    return strcmp(x->key ? x->key : "", y->key ? y->key : "");
}

/* protobuf map semantics: a key sent twice keeps its last value. The
 * entries are then sorted by key, so that messages listing them come out in
 * TF Serving's (sorted) order whatever order the client's map used. Returns
 * the number of entries left at the front of e[]. */
static size_t dedupe(Tensorflow__Serving__PredictRequest__InputsEntry **e, size_t n)
{
    if (n > DEDUPE_MAX)
        return n;
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        const char *k = e[i]->key ? e[i]->key : "";
        size_t j;
        for (j = 0; j < w && strcmp(e[j]->key ? e[j]->key : "", k); j++)
            ;
        if (j < w)
            e[j] = e[i];
        else
            e[w++] = e[i];
    }
    if (w > 1)
        qsort(e, w, sizeof *e, by_key);
    return w;
}

static bool encode(struct md_grpc_ctx *c, const char *name, int64_t version, const char *sigkey,
                   const struct md_serve_output *outs, size_t n, struct md_grpc_reply *out,
                   struct md_status *st)
{
    Tensorflow__Serving__PredictResponse resp;
    tensorflow__serving__predict_response__init(&resp);
    if (!(resp.model_spec = md_grpc_spec_out(c->arena, name, version, sigkey, st)))
        return false;
    Tensorflow__Serving__PredictResponse__OutputsEntry *ent =
        md_arena_alloc(c->arena, (n ? n : 1) * sizeof *ent, st);
    Tensorflow__Serving__PredictResponse__OutputsEntry **ptr =
        md_arena_alloc(c->arena, (n ? n : 1) * sizeof *ptr, st);
    Tensorflow__TensorProto *tp = md_arena_alloc(c->arena, (n ? n : 1) * sizeof *tp, st);
    if (!ent || !ptr || !tp)
        return false;
    for (size_t i = 0; i < n; i++) {
        tensorflow__serving__predict_response__outputs_entry__init(&ent[i]);
        /* Serialized, never written through: the cast only drops const. */
        ent[i].key = (char *)(uintptr_t)outs[i].alias;
        if (!md_grpc_tensor_to_proto(&outs[i].tensor, c->tensor_content, c->arena, &tp[i], st)) {
            md_status_prefix(st, "output '%s'", outs[i].alias);
            return false;
        }
        ent[i].value = &tp[i];
        ptr[i] = &ent[i];
    }
    resp.n_outputs = n;
    resp.outputs = ptr;
    return md_grpc_pack(&resp.base, out, st);
}

bool md_grpc_predict(struct md_grpc_ctx *c, const uint8_t *req, size_t len,
                     struct md_grpc_reply *out, struct md_status *st)
{
    c->api = "predict";
    Tensorflow__Serving__PredictRequest *r = (Tensorflow__Serving__PredictRequest *)md_grpc_unpack(
        &tensorflow__serving__predict_request__descriptor, req, len, c->arena, st);
    if (!r)
        return false;
    struct md_model_spec spec;
    if (!md_grpc_spec_in(r->model_spec, &spec, st))
        return false;
    c->model = spec.name;
    struct md_servable *sv = md_manager_acquire(c->mgr, &spec, st);
    if (!sv)
        return false;
    c->version = md_servable_version(sv);

    bool ok = false;
    size_t n_in = dedupe(r->inputs, r->n_inputs), n_dec = 0, n_outs = 0;
    struct md_tensor *in = NULL;
    struct md_feed *feeds = NULL;
    struct md_serve_output *outs = NULL;
    const char *key = r->model_spec->signature_name && r->model_spec->signature_name[0]
                          ? r->model_spec->signature_name
                          : DEFAULT_SIGNATURE;
    struct md_status sst = MD_STATUS_INIT;
    const struct md_signature *sig = md_serve_signature(sv, key, &sst);
    if (!sig) {
        /* TF Serving's gRPC Predict words this differently from REST. */
        char esc[256];
        md_status_set(st, MD_FAILED_PRECONDITION, "Serving signature key \"%s\" not found",
                      md_escape(esc, sizeof esc, key, strlen(key)));
        goto done;
    }
    snprintf(c->signature, sizeof c->signature, "%s", sig->key);
    in = md_arena_alloc(c->arena, (n_in ? n_in : 1) * sizeof *in, st);
    feeds = md_arena_alloc(c->arena, (n_in ? n_in : 1) * sizeof *feeds, st);
    if (!in || !feeds)
        goto done;
    /* The memory cap covers all inputs together. */
    size_t budget = c->max_tensor_bytes;
    for (size_t i = 0; i < n_in; i++) {
        const char *alias = r->inputs[i]->key ? r->inputs[i]->key : "";
        struct md_tensor init = MD_TENSOR_INIT;
        in[i] = init;
        /* An entry without a value holds an empty TensorProto. */
        static const Tensorflow__TensorProto empty = TENSORFLOW__TENSOR_PROTO__INIT;
        const Tensorflow__TensorProto *tp = r->inputs[i]->value ? r->inputs[i]->value : &empty;
        size_t cap = c->max_tensor_bytes ? (budget ? budget : 1) : 0; /* 0 = no cap */
        if (!md_grpc_tensor_from_proto(tp, cap, &in[i], st)) {
            char esc[128];
            md_status_prefix(st, "input '%s'", md_escape(esc, sizeof esc, alias, strlen(alias)));
            goto done;
        }
        n_dec = i + 1;
        if (c->max_tensor_bytes) {
            size_t used = md_tensor_nbytes(&in[i]);
            budget = used < budget ? budget - used : 0;
        }
        feeds[i].alias = alias;
        feeds[i].tensor = &in[i];
    }
    ok = md_serve_predict(sv, sig, feeds, n_in, (const char *const *)r->output_filter,
                          r->n_output_filter, c->arena, &outs, &n_outs, st) &&
         encode(c, spec.name, c->version, sig->key, outs, n_outs, out, st);
done:
    for (size_t i = 0; i < n_outs; i++)
        md_tensor_cleanup(&outs[i].tensor);
    for (size_t i = 0; i < n_dec; i++)
        md_tensor_cleanup(&in[i]);
    md_servable_release(sv);
    return ok;
}
