/* routes.c: TF Serving's REST path grammar, case-insensitive like its
 * regular expressions:
 *   POST /v1/models/{m}[/versions/{n}|/labels/{l}]:(predict|classify|regress)
 *   GET  /v1/models/{m}[/versions/{n}|/labels/{l}][/metadata]
 *   GET  /v1/models                      (ours: every model; TF answers 400)
 *   GET  <prometheus path>
 * Model names and labels are [^/:]+, URL-unescaped after matching. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "server/server_impl.h"

static bool eat(const char **p, const char *lit)
{
    size_t n = strlen(lit);
    if (strncasecmp(*p, lit, n) != 0)
        return false;
    *p += n;
    return true;
}

static size_t seg_len(const char *p)
{
    size_t n = 0;
    while (p[n] && p[n] != '/' && p[n] != ':')
        n++;
    return n;
}

static int hexv(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)tolower((unsigned char)c);
    return (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
}

/* %XX-decodes [s, s+n) into out (cap bytes). Invalid escapes stay as they are. */
static bool unescape(const char *s, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (o + 1 >= cap)
            return false;
        if (s[i] == '%' && i + 2 < n && hexv(s[i + 1]) >= 0 && hexv(s[i + 2]) >= 0 &&
            (s[i + 1] != '0' || s[i + 2] != '0')) { /* %00 would cut the name short */
            out[o++] = (char)(hexv(s[i + 1]) * 16 + hexv(s[i + 2]));
            i += 2;
        } else {
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
    return true;
}

static void route_error(struct md_route *r, int http, struct md_status *st, enum md_code code,
                        const char *fmt, ...) MD_PRINTF(5, 6);

static void route_error(struct md_route *r, int http, struct md_status *st, enum md_code code,
                        const char *fmt, ...)
{
    r->kind = MD_ROUTE_ERROR;
    r->http_status = http;
    char msg[MD_STATUS_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    md_status_set(st, code, "%s", msg);
}

void md_route_parse(const char *method, const char *path, const char *metrics_path, bool cors,
                    struct md_route *r, struct md_status *st)
{
    memset(r, 0, sizeof *r);
    char epath[300];
    md_escape(epath, sizeof epath, path, strlen(path));
    bool get = !strcmp(method, "GET") || !strcmp(method, "HEAD");
    bool post = !strcmp(method, "POST");
    bool options = !strcmp(method, "OPTIONS");

    if (metrics_path && !strcmp(path, metrics_path)) {
        if (get) {
            r->kind = MD_ROUTE_METRICS;
            return;
        }
        route_error(r, 405, st, MD_INVALID_ARGUMENT, "Method %s not allowed on %s", method, epath);
        return;
    }
    if (!strncmp(path, "/v2", 3) && (path[3] == '\0' || path[3] == '/')) {
        r->kind = MD_ROUTE_V2; /* KServe v2 (server/v2_http.c) */
        return;
    }
    if (strncasecmp(path, "/v1/", 4) != 0) {
        route_error(r, 404, st, MD_NOT_FOUND, "Not found: %s", epath);
        return;
    }
    if (options && cors) {
        r->kind = MD_ROUTE_PREFLIGHT;
        return;
    }
    if (!get && !post) {
        char em[32];
        md_escape(em, sizeof em, method, strlen(method));
        route_error(r, 405, st, MD_INVALID_ARGUMENT,
                    "Method %s not allowed on %s (use GET or POST)", em, epath);
        return;
    }
    const char *p = path;
    char emethod[16];
    snprintf(emethod, sizeof emethod, "%s", post ? "POST" : "GET");
    if (!eat(&p, "/v1/models"))
        goto malformed;
    if (get && *p == '\0') {
        r->kind = MD_ROUTE_LIST;
        return;
    }
    if (*p != '/')
        goto malformed;
    p++;
    size_t nl = seg_len(p);
    if (nl == 0)
        goto malformed;
    const char *name = p;
    p += nl;
    const char *label = NULL, *ver = NULL;
    size_t ll = 0, vl = 0;
    if (eat(&p, "/versions/")) {
        ver = p;
        while (*p >= '0' && *p <= '9')
            p++;
        vl = (size_t)(p - ver);
        if (vl == 0)
            goto malformed;
    } else if (eat(&p, "/labels/")) {
        label = p;
        ll = seg_len(p);
        if (ll == 0)
            goto malformed;
        p += ll;
    }
    if (post) {
        if (*p != ':')
            goto malformed;
        p++;
        if (!strcasecmp(p, "predict"))
            r->kind = MD_ROUTE_PREDICT;
        else if (!strcasecmp(p, "classify"))
            r->kind = MD_ROUTE_CLASSIFY;
        else if (!strcasecmp(p, "regress"))
            r->kind = MD_ROUTE_REGRESS;
        else
            goto malformed;
    } else {
        if (*p == '\0')
            r->kind = MD_ROUTE_STATUS;
        else if (!strcasecmp(p, "/metadata"))
            r->kind = MD_ROUTE_METADATA;
        else
            goto malformed;
    }
    if (!unescape(name, nl, r->name, sizeof r->name)) {
        route_error(r, 400, st, MD_INVALID_ARGUMENT, "model name in %s is too long", epath);
        return;
    }
    if (label && !unescape(label, ll, r->label, sizeof r->label)) {
        route_error(r, 400, st, MD_INVALID_ARGUMENT, "version label in %s is too long", epath);
        return;
    }
    if (ver) {
        char digits[32];
        int64_t v = 0;
        bool ok = vl < sizeof digits;
        for (size_t i = 0; ok && i < vl; i++) {
            int d = ver[i] - '0';
            if (v > (INT64_MAX - d) / 10)
                ok = false;
            else
                v = v * 10 + d;
        }
        if (!ok) {
            char ev[64];
            md_escape(ev, sizeof ev, ver, vl);
            route_error(r, 400, st, MD_INVALID_ARGUMENT, "Failed to convert version: %s to numeric.",
                        ev);
            return;
        }
        r->has_version = true;
        r->version = v;
    }
    return;
malformed:
    route_error(r, 400, st, MD_INVALID_ARGUMENT, "Malformed request: %s %s", emethod, epath);
}
