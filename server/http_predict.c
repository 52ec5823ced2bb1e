/* http_predict.c: POST /v1/models/{m}[/versions/{n}|/labels/{l}]:predict. */
#include <stdio.h>
#include "server/server_impl.h"

bool md_http_predict(struct md_req *req, struct md_resp *resp, struct md_status *st)
{
    req->api = "predict";
    struct md_json_predict jp;
    /* Syntax errors first, then the model, as TF Serving orders them. */
    if (!md_json_predict_scan(req->body, req->body_len, req->arena, &jp, st))
        return false;
    struct md_model_spec spec = {req->route.name, req->route.has_version, req->route.version,
                                 req->route.label[0] ? req->route.label : NULL};
    struct md_servable *sv = md_manager_acquire(req->mgr, &spec, st);
    if (!sv)
        return false;
    req->version = md_servable_version(sv);
    bool ok = false;
    struct md_serve_output *outs = NULL;
    size_t n_outs = 0;
    const struct md_signature *sig = md_serve_signature(sv, jp.signature_name, st);
    if (sig) {
        snprintf(req->signature, sizeof req->signature, "%s", sig->key);
        struct md_feed *feeds;
        size_t n_feeds;
        enum md_json_format fmt;
        ok = md_json_predict_decode(req->body, req->body_len, &jp, sig, req->arena, &feeds,
                                    &n_feeds, &fmt, st) &&
             md_serve_predict(sv, sig, feeds, n_feeds, NULL, 0, req->arena, &outs, &n_outs, st) &&
             md_json_predict_encode(resp->body, fmt, outs, n_outs, st);
    }
    for (size_t i = 0; i < n_outs; i++)
        md_tensor_cleanup(&outs[i].tensor);
    md_servable_release(sv);
    return ok;
}
