/* v2_http.c: the Open Inference Protocol's REST paths.
 *   GET  /v2                                     server metadata
 *   GET  /v2/health/live | /v2/health/ready      status code is the answer
 *   GET  /v2/models/{m}[/versions/{v}]           model metadata
 *   GET  /v2/models/{m}[/versions/{v}]/ready
 *   POST /v2/models/{m}[/versions/{v}]/infer     JSON, or JSON + binary tensors
 * Model names are [^/]+, URL-unescaped after matching; versions are
 * decimal integers (modeld's versions are numbers). Health answers 200 for
 * true and 400 for false (the protocol's "4xx is false"), with a small
 * JSON body either way. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "server/v2.h"

bool md_v2_path(const char *url)
{
    return !strncmp(url, "/v2", 3) && (url[3] == '\0' || url[3] == '/');
}

static int hexv(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static bool unescape(const char *s, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (o + 1 >= cap)
            return false;
        if (s[i] == '%' && i + 2 < n && hexv(s[i + 1]) >= 0 && hexv(s[i + 2]) >= 0) {
            out[o++] = (char)(hexv(s[i + 1]) * 16 + hexv(s[i + 2]));
            i += 2;
        } else {
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
    return true;
}

/* ---------------------------------------------------------------- pages */
static json_t *jstr(const char *s)
{
    json_t *j = json_string(s ? s : "");
    if (!j && s) {
        char esc[1024];
        j = json_string(md_escape(esc, sizeof esc, s, strlen(s)));
    }
    return j;
}

static bool dump(struct md_sbuf *out, json_t *root, struct md_status *st)
{
    char *text = root ? json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(root);
    if (!text)
        return md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory building JSON");
    md_sbuf_puts(out, text);
    free(text);
    return !out->oom || md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory");
}

bool md_v2_json_server_metadata(struct md_sbuf *out, struct md_status *st)
{
    json_t *root = json_object();
    json_t *ext = json_array();
    if (root && ext) {
        json_array_append_new(ext, json_string(MD_V2_EXTENSIONS));
        json_object_set_new(root, "name", json_string(MD_V2_SERVER_NAME));
        json_object_set_new(root, "version", json_string(PACKAGE_VERSION));
        json_object_set_new(root, "extensions", ext);
    } else {
        json_decref(ext);
    }
    return dump(out, root, st);
}

static json_t *tensor_meta(const struct md_tensor_info *ti)
{
    json_t *o = json_object(), *shape = json_array();
    if (!o || !shape) {
        json_decref(o);
        json_decref(shape);
        return NULL;
    }
    const char *dt = md_v2_datatype_name(ti->dtype);
    json_object_set_new(o, "name", jstr(ti->alias));
    json_object_set_new(o, "datatype", json_string(dt ? dt : "INVALID"));
    /* The protocol has no unknown rank; [-1] says "any shape" as well as
     * it can. */
    if (ti->unknown_rank)
        json_array_append_new(shape, json_integer(-1));
    for (int d = 0; !ti->unknown_rank && d < ti->rank; d++)
        json_array_append_new(shape, json_integer(ti->dims[d]));
    json_object_set_new(o, "shape", shape);
    return o;
}

bool md_v2_json_model_metadata(struct md_sbuf *out, struct md_manager *m, struct md_servable *sv,
                               struct md_status *st)
{
    const char *name = md_servable_name(sv);
    struct md_model_spec spec = {name, false, 0, NULL};
    struct md_version_status *vs = NULL;
    size_t nv = 0;
    struct md_status ignore = MD_STATUS_INIT;
    if (!md_manager_model_status(m, &spec, &vs, &nv, &ignore))
        nv = 0;
    json_t *root = json_object(), *versions = json_array(), *ins = json_array(),
           *outs = json_array();
    if (!root || !versions || !ins || !outs) {
        free(vs);
        json_decref(root);
        json_decref(versions);
        json_decref(ins);
        json_decref(outs);
        return md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory building JSON");
    }
    for (size_t i = 0; i < nv; i++)
        if (vs[i].state == MD_VS_AVAILABLE) {
            char b[32];
            snprintf(b, sizeof b, "%lld", (long long)vs[i].version);
            json_array_append_new(versions, json_string(b));
        }
    free(vs);
    struct md_status sst = MD_STATUS_INIT;
    const struct md_signature *sig = md_serve_signature(sv, "", &sst);
    for (size_t i = 0; sig && i < sig->n_inputs; i++)
        json_array_append_new(ins, tensor_meta(&sig->inputs[i]));
    for (size_t i = 0; sig && i < sig->n_outputs; i++)
        json_array_append_new(outs, tensor_meta(&sig->outputs[i]));
    json_object_set_new(root, "name", jstr(name));
    json_object_set_new(root, "versions", versions);
    json_object_set_new(root, "platform", json_string(MD_V2_PLATFORM));
    json_object_set_new(root, "inputs", ins);
    json_object_set_new(root, "outputs", outs);
    return dump(out, root, st);
}

/* -------------------------------------------------------------- routing */
enum v2_kind { V2_SERVER_META, V2_LIVE, V2_READY, V2_MODEL_META, V2_MODEL_READY, V2_INFER };

static bool method_error(struct md_req *req, struct md_resp *resp, const char *allow,
                         const char *path, struct md_status *st)
{
    /* http.c keeps resp->status for MD_ROUTE_ERROR instead of mapping st. */
    req->route.kind = MD_ROUTE_ERROR;
    resp->status = 405;
    resp->header_name = "Allow";
    snprintf(resp->header_value, sizeof resp->header_value, "%s", allow);
    char em[32], ep[256];
    md_escape(em, sizeof em, req->method, strlen(req->method));
    return md_status_set(st, MD_INVALID_ARGUMENT, "Method %s not allowed on %s (use %s)", em,
                         md_escape(ep, sizeof ep, path, strlen(path)), allow);
}

static bool not_found(struct md_req *req, struct md_resp *resp, const char *path,
                      struct md_status *st)
{
    req->route.kind = MD_ROUTE_ERROR;
    resp->status = 404;
    char ep[256];
    return md_status_set(st, MD_NOT_FOUND, "Not found: %s",
                         md_escape(ep, sizeof ep, path, strlen(path)));
}

static void health_body(struct md_resp *resp, const char *key, bool v, const char *why)
{
    resp->status = v ? 200 : 400;
    md_sbuf_puts(resp->body, "{\"");
    md_sbuf_puts(resp->body, key);
    md_sbuf_puts(resp->body, v ? "\":true" : "\":false");
    if (why && why[0]) {
        md_sbuf_puts(resp->body, ",\"reason\":");
        md_json_write_string(resp->body, why, strlen(why));
    }
    md_sbuf_putc(resp->body, '}');
}

static bool parse_header_len(const char *h, size_t body_len, size_t *out, struct md_status *st)
{
    char esc[64];
    size_t v = 0;
    const char *p = h;
    while (*p == ' ')
        p++;
    if (!*p)
        goto bad;
    for (; *p >= '0' && *p <= '9'; p++) {
        if (v > (SIZE_MAX - 9) / 10)
            goto bad;
        v = v * 10 + (size_t)(*p - '0');
    }
    while (*p == ' ')
        p++;
    if (*p)
        goto bad;
    if (v > body_len)
        return md_status_set(st, MD_INVALID_ARGUMENT,
                             "Inference-Header-Content-Length %zu exceeds the body's %zu bytes", v,
                             body_len);
    *out = v;
    return true;
bad:
    return md_status_set(st, MD_INVALID_ARGUMENT,
                         "Inference-Header-Content-Length '%s' is not a byte count",
                         md_escape(esc, sizeof esc, h, strlen(h)));
}

static bool infer(struct md_req *req, struct md_resp *resp, const struct md_model_spec *spec,
                  struct md_status *st)
{
    req->api = "predict";
    size_t json_len = req->body_len;
    if (req->infer_header && !parse_header_len(req->infer_header, req->body_len, &json_len, st))
        return false;
    struct md_v2_request r;
    /* Syntax errors first, then the model, as the TF Serving API orders them. */
    if (!md_v2_json_decode(req->body, req->body_len, json_len, req->arena, &r, st))
        return false;
    struct md_servable *sv = md_manager_acquire(req->mgr, spec, st);
    if (!sv)
        return false;
    req->version = md_servable_version(sv);
    struct md_serve_output *outs = NULL;
    size_t n = 0, hdr = 0;
    const struct md_signature *sig = NULL;
    bool ok = md_v2_infer(sv, &r, req->arena, &sig, &outs, &n, st);
    if (sig)
        snprintf(req->signature, sizeof req->signature, "%s", sig->key);
    ok = ok && md_v2_json_encode(resp->body, md_servable_name(sv), md_servable_version(sv), &r,
                                 outs, n, &hdr, st);
    for (size_t i = 0; i < n; i++)
        md_tensor_cleanup(&outs[i].tensor);
    md_servable_release(sv);
    if (ok && hdr < resp->body->len) {
        resp->content_type = "application/octet-stream";
        resp->header_name = "Inference-Header-Content-Length";
        snprintf(resp->header_value, sizeof resp->header_value, "%zu", hdr);
    }
    return ok;
}

bool md_v2_http(struct md_req *req, const char *path, struct md_resp *resp, struct md_status *st)
{
    bool get = !strcmp(req->method, "GET") || !strcmp(req->method, "HEAD");
    bool post = !strcmp(req->method, "POST");
    const char *p = path + 3;
    enum v2_kind kind;
    struct md_model_spec spec = {req->route.name, false, 0, NULL};
    if (!strcmp(p, "") || !strcmp(p, "/")) {
        kind = V2_SERVER_META;
    } else if (!strcmp(p, "/health/live")) {
        kind = V2_LIVE;
    } else if (!strcmp(p, "/health/ready")) {
        kind = V2_READY;
    } else if (!strncmp(p, "/models/", 8)) {
        p += 8;
        size_t nl = strcspn(p, "/");
        if (nl == 0)
            return not_found(req, resp, path, st);
        if (!unescape(p, nl, req->route.name, sizeof req->route.name)) {
            return md_status_set(st, MD_INVALID_ARGUMENT, "model name in the path is too long");
        }
        p += nl;
        if (!strncmp(p, "/versions/", 10)) {
            p += 10;
            size_t vl = strspn(p, "0123456789");
            int64_t v = 0;
            for (size_t i = 0; i < vl; i++) {
                if (v > (INT64_MAX - 9) / 10) {
                    vl = 0;
                    break;
                }
                v = v * 10 + (p[i] - '0');
            }
            if (vl == 0 || (p[vl] && p[vl] != '/')) {
                size_t bl = strcspn(p, "/");
                char ev[64];
                return md_status_set(st, MD_INVALID_ARGUMENT,
                                     "Failed to convert version: %s to numeric.",
                                     md_escape(ev, sizeof ev, p, bl));
            }
            p += vl;
            spec.has_version = req->route.has_version = true;
            spec.version = req->route.version = v;
        }
        if (*p == '\0')
            kind = V2_MODEL_META;
        else if (!strcmp(p, "/ready"))
            kind = V2_MODEL_READY;
        else if (!strcmp(p, "/infer"))
            kind = V2_INFER;
        else
            return not_found(req, resp, path, st);
    } else {
        return not_found(req, resp, path, st);
    }
    if (kind == V2_INFER ? !post : !get)
        return method_error(req, resp, kind == V2_INFER ? "POST" : "GET", path, st);

    switch (kind) {
    case V2_SERVER_META: return md_v2_json_server_metadata(resp->body, st);
    case V2_LIVE: health_body(resp, "live", true, NULL); return true;
    case V2_READY: {
        char why[256];
        bool r = md_v2_server_ready(req->mgr, why, sizeof why);
        health_body(resp, "ready", r, why);
        return true;
    }
    case V2_MODEL_READY: {
        /* An unknown model is an error (404), a known one that cannot
         * serve is a plain "false". */
        char **names;
        size_t nn = md_manager_model_names(req->mgr, &names), i;
        for (i = 0; i < nn && strcmp(names[i], spec.name); i++)
            ;
        md_manager_names_free(names, nn);
        if (i == nn) {
            char esc[256];
            md_escape(esc, sizeof esc, spec.name, strlen(spec.name));
            if (spec.has_version)
                return md_status_set(st, MD_NOT_FOUND,
                                     "Servable not found for request: Specific(%s, %lld)", esc,
                                     (long long)spec.version);
            return md_status_set(st, MD_NOT_FOUND, "Servable not found for request: Latest(%s)",
                                 esc);
        }
        bool r = md_v2_model_ready(req->mgr, &spec);
        health_body(resp, "ready", r, NULL);
        return true;
    }
    case V2_MODEL_META: {
        req->api = "GetModelMetadata";
        struct md_servable *sv = md_manager_acquire(req->mgr, &spec, st);
        if (!sv)
            return false;
        req->version = md_servable_version(sv);
        bool ok = md_v2_json_model_metadata(resp->body, req->mgr, sv, st);
        md_servable_release(sv);
        return ok;
    }
    case V2_INFER: return infer(req, resp, &spec, st);
    }
    return false;
}
