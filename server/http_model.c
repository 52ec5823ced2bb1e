/* http_model.c: GET /v1/models[/{m}[/versions/{n}|/labels/{l}][/metadata]]. */
#include <stdlib.h>

#include "server/server_impl.h"

static void spec_of(const struct md_req *req, struct md_model_spec *spec)
{
    spec->name = req->route.name;
    spec->has_version = req->route.has_version;
    spec->version = req->route.version;
    spec->label = req->route.label[0] ? req->route.label : NULL;
}

bool md_http_model_status(struct md_req *req, struct md_resp *resp, struct md_status *st)
{
    struct md_model_spec spec;
    spec_of(req, &spec);
    struct md_version_status *vs;
    size_t n;
    if (!md_manager_model_status(req->mgr, &spec, &vs, &n, st))
        return false;
    bool ok = md_json_model_status(resp->body, vs, n, st);
    free(vs);
    return ok;
}

bool md_http_model_metadata(struct md_req *req, struct md_resp *resp, struct md_status *st)
{
    req->api = "GetModelMetadata";
    struct md_model_spec spec;
    spec_of(req, &spec);
    struct md_servable *sv = md_manager_acquire(req->mgr, &spec, st);
    if (!sv)
        return false;
    req->version = md_servable_version(sv);
    bool ok = md_json_model_metadata(resp->body, md_servable_name(sv), md_servable_version(sv),
                                     md_model_savedmodel(md_servable_model(sv)), st);
    md_servable_release(sv);
    return ok;
}

bool md_http_model_list(struct md_req *req, struct md_resp *resp, struct md_status *st)
{
    return md_json_model_list(resp->body, req->mgr, st);
}
