/* http_examples.c: POST ...:classify and ...:regress with tf.Example JSON. */
#include <stdio.h>
#include "server/server_impl.h"

static bool run(struct md_req *req, struct md_resp *resp, bool classify, struct md_status *st)
{
    req->api = classify ? "classify" : "regress";
    const char *signame;
    struct md_tensor examples;
    if (!md_json_examples_decode(req->body, req->body_len, req->arena, &signame, &examples, st))
        return false;
    struct md_model_spec spec = {req->route.name, req->route.has_version, req->route.version,
                                 req->route.label[0] ? req->route.label : NULL};
    struct md_servable *sv = md_manager_acquire(req->mgr, &spec, st);
    if (!sv)
        return false;
    req->version = md_servable_version(sv);
    bool ok = false;
    const struct md_signature *sig = md_serve_signature(sv, signame, st);
    if (sig) {
        snprintf(req->signature, sizeof req->signature, "%s", sig->key);
        if (classify) {
            struct md_classify_result r;
            ok = md_serve_classify(sv, sig, &examples, req->arena, &r, st) &&
                 md_json_classify_encode(resp->body, &r, st);
        } else {
            const float *v;
            size_t n;
            ok = md_serve_regress(sv, sig, &examples, req->arena, &v, &n, st) &&
                 md_json_regress_encode(resp->body, v, n, st);
        }
    }
    md_servable_release(sv);
    return ok;
}

bool md_http_classify(struct md_req *req, struct md_resp *resp, struct md_status *st)
{
    return run(req, resp, true, st);
}

bool md_http_regress(struct md_req *req, struct md_resp *resp, struct md_status *st)
{
    return run(req, resp, false, st);
}
