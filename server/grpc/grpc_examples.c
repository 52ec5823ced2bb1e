/* grpc_examples.c: PredictionService/Classify, Regress and MultiInference.
 *
 * The request's Input is decoded with the wire-compatible views of
 * serving_internal.proto, so each tf.Example stays as the bytes the client
 * sent; they become the DT_STRING [n] tensor that md_serve_classify /
 * md_serve_regress (REST's core calls) feed to the signature. A context
 * Example is prepended to each example's bytes: parsing the concatenation
 * merges the two, the example's own features winning, as in TF Serving. */
#include <stdio.h>
#include <string.h>

#include "server/grpc/grpc_impl.h"
#include "serving_classification.pb-c.h"
#include "serving_inference.pb-c.h"
#include "serving_internal.pb-c.h"
#include "serving_regression.pb-c.h"

#define DEFAULT_SIGNATURE "serving_default"
#define CLASSIFY_METHOD "tensorflow/serving/classify"
#define REGRESS_METHOD "tensorflow/serving/regress"

static bool examples_tensor(const Tensorflow__Serving__Internal__SerializedInput *in,
                            struct md_arena *a, struct md_tensor *t, struct md_status *st)
{
    size_t n = 0;
    const ProtobufCBinaryData *ex = NULL;
    ProtobufCBinaryData ctx = {0, NULL};
    if (in && in->kind_case ==
                  TENSORFLOW__SERVING__INTERNAL__SERIALIZED_INPUT__KIND_EXAMPLE_LIST &&
        in->example_list) {
        n = in->example_list->n_examples;
        ex = in->example_list->examples;
    } else if (in && in->kind_case == TENSORFLOW__SERVING__INTERNAL__SERIALIZED_INPUT__KIND_EXAMPLE_LIST_WITH_CONTEXT &&
               in->example_list_with_context) {
        n = in->example_list_with_context->n_examples;
        ex = in->example_list_with_context->examples;
        ctx = in->example_list_with_context->context;
    }
    struct md_str *s = md_arena_alloc(a, (n ? n : 1) * sizeof *s, st);
    if (!s)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (!ctx.len) {
            s[i].data = (const char *)ex[i].data;
            s[i].len = ex[i].len;
            continue;
        }
        char *b = md_arena_alloc(a, ctx.len + ex[i].len + 1, st);
        if (!b)
            return false;
        memcpy(b, ctx.data, ctx.len);
        if (ex[i].len)
            memcpy(b + ctx.len, ex[i].data, ex[i].len);
        s[i].data = b;
        s[i].len = ctx.len + ex[i].len;
    }
    struct md_tensor init = MD_TENSOR_INIT;
    *t = init;
    t->dtype = MD_DT_STRING;
    t->rank = 1;
    t->dims[0] = (int64_t)n;
    t->data = s;
    return true;
}

static const char *sig_key(const Tensorflow__Serving__ModelSpec *ms)
{
    return ms && ms->signature_name && ms->signature_name[0] ? ms->signature_name
                                                             : DEFAULT_SIGNATURE;
}

/* md_serve_signature with the classify/regress wording of TF Serving. */
static const struct md_signature *find_sig(struct md_servable *sv, const char *key,
                                           const char *prefix, struct md_status *st)
{
    struct md_status sst = MD_STATUS_INIT;
    const struct md_signature *sig = md_serve_signature(sv, key, &sst);
    if (!sig) {
        char esc[256];
        md_status_set(st, MD_INVALID_ARGUMENT, "%s%s", prefix,
                      md_escape(esc, sizeof esc, key, strlen(key)));
    }
    return sig;
}

static char *arena_str(struct md_arena *a, const char *s, size_t len, struct md_status *st)
{
    char *d = md_arena_alloc(a, len + 1, st);
    if (d) {
        if (len)
            memcpy(d, s, len);
        d[len] = '\0';
    }
    return d;
}

static Tensorflow__Serving__ClassificationResult *
classification_result(struct md_arena *a, const struct md_classify_result *r, struct md_status *st)
{
    size_t ne = r->n_examples, nc = r->n_classes;
    Tensorflow__Serving__ClassificationResult *res = md_arena_alloc(a, sizeof *res, st);
    Tensorflow__Serving__Classifications *cl = md_arena_alloc(a, (ne ? ne : 1) * sizeof *cl, st);
    Tensorflow__Serving__Classifications **clp =
        md_arena_alloc(a, (ne ? ne : 1) * sizeof *clp, st);
    size_t nk = ne * nc;
    nk = nk ? nk : 1;
    Tensorflow__Serving__Class *k = md_arena_alloc(a, nk * sizeof *k, st);
    Tensorflow__Serving__Class **kp = md_arena_alloc(a, nk * sizeof *kp, st);
    if (!res || !cl || !clp || !k || !kp)
        return NULL;
    tensorflow__serving__classification_result__init(res);
    for (size_t e = 0; e < ne; e++) {
        tensorflow__serving__classifications__init(&cl[e]);
        for (size_t j = 0; j < nc; j++) {
            size_t i = e * nc + j;
            tensorflow__serving__class__init(&k[i]);
            if (r->labels && !(k[i].label = arena_str(a, r->labels[i].data, r->labels[i].len, st)))
                return NULL;
            if (r->scores)
                k[i].score = r->scores[i];
            kp[i] = &k[i];
        }
        cl[e].n_classes = nc;
        cl[e].classes = nc ? &kp[e * nc] : NULL;
        clp[e] = &cl[e];
    }
    res->n_classifications = ne;
    res->classifications = ne ? clp : NULL;
    return res;
}

static Tensorflow__Serving__RegressionResult *
regression_result(struct md_arena *a, const float *v, size_t n, struct md_status *st)
{
    Tensorflow__Serving__RegressionResult *res = md_arena_alloc(a, sizeof *res, st);
    Tensorflow__Serving__Regression *rg = md_arena_alloc(a, (n ? n : 1) * sizeof *rg, st);
    Tensorflow__Serving__Regression **rgp = md_arena_alloc(a, (n ? n : 1) * sizeof *rgp, st);
    if (!res || !rg || !rgp)
        return NULL;
    tensorflow__serving__regression_result__init(res);
    for (size_t i = 0; i < n; i++) {
        tensorflow__serving__regression__init(&rg[i]);
        rg[i].value = v[i];
        rgp[i] = &rg[i];
    }
    res->n_regressions = n;
    res->regressions = n ? rgp : NULL;
    return res;
}

static bool run(struct md_grpc_ctx *c, const uint8_t *req, size_t len, bool classify,
                struct md_grpc_reply *out, struct md_status *st)
{
    c->api = classify ? "classify" : "regress";
    Tensorflow__Serving__Internal__SerializedExamplesRequest *r =
        (Tensorflow__Serving__Internal__SerializedExamplesRequest *)md_grpc_unpack(
            &tensorflow__serving__internal__serialized_examples_request__descriptor, req, len,
            c->arena, st);
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
    struct md_tensor examples;
    const struct md_signature *sig =
        find_sig(sv, sig_key(r->model_spec), "No signature was found with the name: ", st);
    if (!sig || !examples_tensor(r->input, c->arena, &examples, st))
        goto done;
    snprintf(c->signature, sizeof c->signature, "%s", sig->key);
    Tensorflow__Serving__ModelSpec *ms = md_grpc_spec_out(c->arena, spec.name, c->version,
                                                          sig->key, st);
    if (!ms)
        goto done;
    if (classify) {
        struct md_classify_result cr;
        Tensorflow__Serving__ClassificationResponse resp;
        tensorflow__serving__classification_response__init(&resp);
        resp.model_spec = ms;
        ok = md_serve_classify(sv, sig, &examples, c->arena, &cr, st) &&
             (resp.result = classification_result(c->arena, &cr, st)) != NULL &&
             md_grpc_pack(&resp.base, out, st);
    } else {
        const float *v;
        size_t n;
        Tensorflow__Serving__RegressionResponse resp;
        tensorflow__serving__regression_response__init(&resp);
        resp.model_spec = ms;
        ok = md_serve_regress(sv, sig, &examples, c->arena, &v, &n, st) &&
             (resp.result = regression_result(c->arena, v, n, st)) != NULL &&
             md_grpc_pack(&resp.base, out, st);
    }
done:
    md_servable_release(sv);
    return ok;
}

bool md_grpc_classify(struct md_grpc_ctx *c, const uint8_t *req, size_t len,
                      struct md_grpc_reply *out, struct md_status *st)
{
    return run(c, req, len, true, out, st);
}

bool md_grpc_regress(struct md_grpc_ctx *c, const uint8_t *req, size_t len,
                     struct md_grpc_reply *out, struct md_status *st)
{
    return run(c, req, len, false, out, st);
}

/* TF Serving's checks on the task list, in its order and words. sigs[i]
 * gets task i's signature. TF Serving's session-based runner also insists
 * that all signatures read the same input tensor, because it feeds the
 * examples once; each task runs on its own here, so signatures with their
 * own input tensors (every TF2 export) work too, as with TF Serving's TFRT
 * runner. */
static bool check_tasks(struct md_servable *sv,
                        const Tensorflow__Serving__Internal__SerializedMultiInferenceRequest *r,
                        const struct md_signature **sigs, bool *classify, struct md_status *st)
{
    char esc[256];
    const char *model = r->tasks[0]->model_spec->name;
    for (size_t i = 0; i < r->n_tasks; i++) {
        const Tensorflow__Serving__InferenceTask *t = r->tasks[i];
        const char *name = t->model_spec && t->model_spec->name ? t->model_spec->name : "";
        if (!name[0])
            return md_status_set(st, MD_INVALID_ARGUMENT,
                                 "Found ModelSpec with an empty model name");
        if (strcmp(name, model))
            return md_status_set(st, MD_INVALID_ARGUMENT,
                                 "All ModelSpecs in a MultiInferenceRequest must access the same "
                                 "model name");
        const char *key = sig_key(t->model_spec);
        for (size_t k = 0; k < i; k++)
            if (!strcmp(sig_key(r->tasks[k]->model_spec), key))
                return md_status_set(st, MD_INVALID_ARGUMENT,
                                     "Duplicate evaluation of signature: %s",
                                     md_escape(esc, sizeof esc, key, strlen(key)));
        if (!(sigs[i] = find_sig(sv, key, "Requested signature not found in model graph: ", st)))
            return false;
        const char *method = t->method_name ? t->method_name : "";
        if (!strcmp(method, CLASSIFY_METHOD))
            classify[i] = true;
        else if (!strcmp(method, REGRESS_METHOD))
            classify[i] = false;
        else
            return md_status_set(st, MD_UNIMPLEMENTED, "Unsupported signature method_name: %s",
                                 md_escape(esc, sizeof esc, method, strlen(method)));
    }
    return true;
}

bool md_grpc_multi_inference(struct md_grpc_ctx *c, const uint8_t *req, size_t len,
                             struct md_grpc_reply *out, struct md_status *st)
{
    c->api = "multi_inference";
    Tensorflow__Serving__Internal__SerializedMultiInferenceRequest *r =
        (Tensorflow__Serving__Internal__SerializedMultiInferenceRequest *)md_grpc_unpack(
            &tensorflow__serving__internal__serialized_multi_inference_request__descriptor, req,
            len, c->arena, st);
    if (!r)
        return false;
    if (r->n_tasks == 0)
        return md_status_set(st, MD_INVALID_ARGUMENT,
                             "MultiInferenceRequest has no tasks: add at least one InferenceTask");
    /* The servable is the one the first task names (TF Serving does the same). */
    struct md_model_spec spec;
    if (!md_grpc_spec_in(r->tasks[0]->model_spec, &spec, st))
        return false;
    c->model = spec.name;
    struct md_servable *sv = md_manager_acquire(c->mgr, &spec, st);
    if (!sv)
        return false;
    c->version = md_servable_version(sv);
    bool ok = false;
    size_t n = r->n_tasks;
    const struct md_signature **sigs = md_arena_alloc(c->arena, n * sizeof *sigs, st);
    bool *classify = md_arena_alloc(c->arena, n * sizeof *classify, st);
    Tensorflow__Serving__InferenceResult *res = md_arena_alloc(c->arena, n * sizeof *res, st);
    Tensorflow__Serving__InferenceResult **resp_p = md_arena_alloc(c->arena, n * sizeof *resp_p, st);
    struct md_tensor examples;
    if (!sigs || !classify || !res || !resp_p || !check_tasks(sv, r, sigs, classify, st) ||
        !examples_tensor(r->input, c->arena, &examples, st))
        goto done;
    for (size_t i = 0; i < n; i++) {
        Tensorflow__Serving__InferenceResult *ir = &res[i];
        tensorflow__serving__inference_result__init(ir);
        if (!(ir->model_spec = md_grpc_spec_out(c->arena, spec.name, c->version, sigs[i]->key,
                                                st)))
            goto done;
        if (classify[i]) {
            struct md_classify_result cr;
            if (!md_serve_classify(sv, sigs[i], &examples, c->arena, &cr, st) ||
                !(ir->classification_result = classification_result(c->arena, &cr, st)))
                goto done;
            ir->result_case = TENSORFLOW__SERVING__INFERENCE_RESULT__RESULT_CLASSIFICATION_RESULT;
        } else {
            const float *v;
            size_t nv;
            if (!md_serve_regress(sv, sigs[i], &examples, c->arena, &v, &nv, st) ||
                !(ir->regression_result = regression_result(c->arena, v, nv, st)))
                goto done;
            ir->result_case = TENSORFLOW__SERVING__INFERENCE_RESULT__RESULT_REGRESSION_RESULT;
        }
        resp_p[i] = ir;
    }
    Tensorflow__Serving__MultiInferenceResponse resp;
    tensorflow__serving__multi_inference_response__init(&resp);
    resp.n_results = n;
    resp.results = resp_p;
    ok = md_grpc_pack(&resp.base, out, st);
done:
    md_servable_release(sv);
    return ok;
}
