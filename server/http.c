/* http.c: the REST listener on libmicrohttpd.
 *
 * epoll with an internal thread pool (each connection stays on one pool
 * thread). Per-thread state (request arena, response buffer, a free list of
 * request records) is reused across requests instead of malloc'd each time.
 * Responses are queued after the first access-handler call: queueing one
 * on the headers-only call makes MHD 0.9.75 close the connection.
 * Content-Length is checked on that first call, so an oversized body is
 * refused (413) before it is read. */
#include <arpa/inet.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "server/server_impl.h"
#include "server/v2.h"

/* What a pool thread keeps between requests is capped, so that a stream of
 * requests near --max_request_bytes or --per_request_memory_limit does not
 * leave each thread holding megabytes: body and output buffers above
 * BODY_KEEP_MAX are freed, an arena that handed out more than ARENA_KEEP_MAX
 * is replaced, and then the freed memory goes back to the kernel (see
 * give_back). Ordinary requests stay below all three and malloc nothing. */
#define FREE_REQS_MAX 64
#define BODY_KEEP_MAX (256u << 10) /* body and output buffers larger than this are not kept */
#define ARENA_CHUNK (256u << 10)
#define ARENA_KEEP_MAX (1u << 20) /* arenas that handed out more than this are replaced */

struct conn_req {
    struct md_sbuf body;
    bool too_big;
    bool shed; /* the request grew thread state beyond the caps: give memory back */
    uint64_t content_length;
    int64_t t0_us;
    struct conn_req *next;
};

struct thread_ctx {
    struct md_arena *arena;
    struct md_sbuf out;
    struct conn_req *free_reqs;
    int n_free;
};

/* Slow clients. MHD's connection timeout counts idle time only, so a client
 * that trickles a byte a second holds its connection (and, at scale, all
 * of them) forever. A watchdog thread shuts down every connection whose
 * request is still arriving (headers or body) two timeouts after the
 * connection opened or its previous request ended: one timeout of
 * keep-alive idleness, one to send the request. MHD then closes it. The
 * entry leaves the list in MHD's CLOSED notification, before MHD closes
 * the socket, so the watchdog never touches a reused descriptor. */
struct watch {
    MHD_socket fd;
    int64_t since_us; /* connection start or end of its last request */
    bool busy;        /* request received, being answered */
    bool shut;
    struct watch *prev, *next;
};

struct md_http {
    struct MHD_Daemon *d;
    struct md_manager *mgr;
    struct md_http_options o;
    char *metrics_path;
    int port;
    pthread_key_t key;
    _Atomic long in_flight;
    _Atomic bool draining;
    pthread_mutex_t wlock; /* guards the watch list and the fields below */
    pthread_cond_t wcond;
    struct watch *watches;
    int64_t watch_limit_us;
    bool wd_started, wd_stop;
    pthread_t wd;
};

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void ctx_free(void *p)
{
    struct thread_ctx *t = p;
    if (!t)
        return;
    md_arena_free(t->arena);
    md_sbuf_free(&t->out);
    while (t->free_reqs) {
        struct conn_req *r = t->free_reqs;
        t->free_reqs = r->next;
        md_sbuf_free(&r->body);
        free(r);
    }
    free(t);
}

static struct thread_ctx *ctx_get(struct md_http *h)
{
    struct thread_ctx *t = pthread_getspecific(h->key);
    if (t)
        return t;
    t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    struct md_status st = MD_STATUS_INIT;
    t->arena = md_arena_new(ARENA_CHUNK, h->o.per_request_memory_limit, &st);
    if (!t->arena || pthread_setspecific(h->key, t) != 0) {
        md_arena_free(t->arena);
        free(t);
        return NULL;
    }
    return t;
}

/* After a request that dropped megabytes (body, arena chunks, output),
 * hand the freed pages back to the kernel. Freeing alone does not: those
 * blocks (below the mmap threshold) live in the pool thread's malloc heap,
 * and the few small blocks the thread keeps (its context, request records,
 * a fresh arena) pin the heap's top, so glibc trims nothing and each pool
 * thread ends up holding its peak (16 -> 35 MiB after 60 requests of 2.4 MB
 * refused at the memory limit, 4 threads). malloc_trim also releases the
 * free pages below the top. It runs only after requests that went beyond
 * the caps above, which cost far more than the trim. */
static void give_back(void)
{
#if defined(__GLIBC__)
    malloc_trim(0);
#endif
}

static struct conn_req *req_get(struct md_http *h)
{
    struct thread_ctx *t = ctx_get(h);
    struct conn_req *r;
    if (t && t->free_reqs) {
        r = t->free_reqs;
        t->free_reqs = r->next;
        t->n_free--;
        md_sbuf_reset(&r->body);
        r->too_big = false;
        r->shed = false;
        r->content_length = 0;
        r->next = NULL;
    } else {
        r = calloc(1, sizeof *r);
    }
    if (r)
        r->t0_us = now_us();
    return r;
}

static void req_put(struct md_http *h, struct conn_req *r)
{
    struct thread_ctx *t = ctx_get(h);
    bool shed = r->shed || r->body.cap > BODY_KEEP_MAX;
    if (!t || t->n_free >= FREE_REQS_MAX) {
        md_sbuf_free(&r->body);
        free(r);
    } else {
        if (r->body.cap > BODY_KEEP_MAX)
            md_sbuf_free(&r->body);
        r->next = t->free_reqs;
        t->free_reqs = r;
        t->n_free++;
    }
    if (shed)
        give_back();
}

static void add_headers(struct md_http *h, struct MHD_Response *resp, const char *ctype)
{
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
    if (h->o.cors) {
        MHD_add_response_header(resp, "Access-Control-Allow-Origin", "*");
        MHD_add_response_header(resp, "Access-Control-Allow-Methods", "POST, GET");
        MHD_add_response_header(resp, "Access-Control-Allow-Headers", "Content-Type");
    }
    if (atomic_load_explicit(&h->draining, memory_order_relaxed))
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
}

static enum MHD_Result send_body(struct md_http *h, struct MHD_Connection *c, int status,
                                 const char *ctype, const char *body, size_t len,
                                 const char *hname, const char *hval)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(len, (void *)(uintptr_t)body, MHD_RESPMEM_MUST_COPY);
    if (!resp)
        return MHD_NO;
    add_headers(h, resp, ctype);
    if (hname && hval)
        MHD_add_response_header(resp, hname, hval);
    enum MHD_Result ret = MHD_queue_response(c, (unsigned)status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static enum MHD_Result send_error(struct md_http *h, struct MHD_Connection *c, int status,
                                  const char *msg)
{
    struct md_sbuf b = MD_SBUF_INIT;
    md_json_write_error(&b, msg);
    enum MHD_Result r = send_body(h, c, status, "application/json", b.data ? b.data : "{}",
                                  b.data ? b.len : 2, NULL, NULL);
    md_sbuf_free(&b);
    return r;
}

static bool origin_ok(const char *origin)
{
    return origin && (!strncmp(origin, "http://", 7) || !strncmp(origin, "https://", 8));
}

static enum MHD_Result process(struct md_http *h, struct MHD_Connection *c, const char *url,
                               const char *method, struct conn_req *cr)
{
    struct thread_ctx *t = ctx_get(h);
    if (!t)
        return send_error(h, c, 500, "out of memory");
    md_arena_reset(t->arena);
    md_sbuf_reset(&t->out);
    if (t->out.cap > BODY_KEEP_MAX)
        md_sbuf_free(&t->out);
    /* TF Serving applies --rest_api_timeout_in_ms to every session run of a
     * REST request (RunOptions.timeout_in_ms): 504 when it runs out. */
    md_serve_set_run_timeout(h->o.timeout_ms, "(--rest_api_timeout_in_ms)");

    struct md_status st = MD_STATUS_INIT;
    struct md_req req;
    memset(&req, 0, sizeof req);
    req.method = method;
    req.body = cr->body.data ? cr->body.data : "";
    req.body_len = cr->body.len;
    req.arena = t->arena;
    req.mgr = h->mgr;
    req.version = -1;
    struct md_resp resp = {200, &t->out, "application/json"};
    const char *allow = NULL;

    md_route_parse(method, url, h->metrics_path, h->o.cors, &req.route, &st);
    bool ok = true;
    switch (req.route.kind) {
    case MD_ROUTE_ERROR:
        resp.status = req.route.http_status;
        if (resp.status == 405)
            allow = "GET, POST";
        ok = false;
        break;
    case MD_ROUTE_METRICS: {
        size_t len = 0;
        char *text = md_metrics_render(&len);
        if (!text)
            return send_error(h, c, 500, "out of memory rendering metrics");
        enum MHD_Result r =
            send_body(h, c, 200, "text/plain; version=0.0.4; charset=utf-8", text, len, NULL, NULL);
        free(text);
        return r;
    }
    case MD_ROUTE_PREFLIGHT:
        if (!origin_ok(MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin"))) {
            md_status_set(&st, MD_INVALID_ARGUMENT, "Origin header is missing in CORS preflight");
            ok = false;
        }
        break;
    case MD_ROUTE_LIST: ok = md_http_model_list(&req, &resp, &st); break;
    case MD_ROUTE_STATUS: ok = md_http_model_status(&req, &resp, &st); break;
    case MD_ROUTE_METADATA: ok = md_http_model_metadata(&req, &resp, &st); break;
    case MD_ROUTE_PREDICT: ok = md_http_predict(&req, &resp, &st); break;
    case MD_ROUTE_CLASSIFY: ok = md_http_classify(&req, &resp, &st); break;
    case MD_ROUTE_REGRESS: ok = md_http_regress(&req, &resp, &st); break;
    case MD_ROUTE_V2: /* KServe v2: server/v2_http.c */
        req.infer_header = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                       "Inference-Header-Content-Length");
        ok = md_v2_http(&req, url, &resp, &st);
        break;
    }
    if (!ok) {
        if (st.code == MD_OK)
            md_status_set(&st, MD_INTERNAL, "request failed without an error message");
        if (req.route.kind != MD_ROUTE_ERROR)
            resp.status = md_http_status_from_code(st.code);
        md_sbuf_reset(resp.body);
        md_json_write_error(resp.body, st.msg);
        md_log_debug("%s %s -> %d: %s", method, url, resp.status, st.msg);
    } else if (resp.body->oom) {
        resp.status = 500;
        md_sbuf_free(resp.body);
        return send_error(h, c, 500, "out of memory writing the response");
    }
    if (req.api)
        md_metrics_request(req.route.name, req.version, req.signature, req.api, "REST",
                           ok ? MD_OK : st.code, (uint64_t)(now_us() - cr->t0_us));
    enum MHD_Result ret = send_body(h, c, resp.status, resp.content_type,
                                    resp.body->data ? resp.body->data : "", resp.body->len,
                                    allow ? "Allow" : resp.header_name,
                                    allow ? allow : resp.header_value);
    /* A batch request can grow the arena (which keeps its largest chunk)
     * and the output buffer to tens of MiB; give that back rather than
     * hold it per thread until the next big request (req_put then trims). */
    if (md_arena_used(t->arena) > ARENA_KEEP_MAX) {
        struct md_status ast = MD_STATUS_INIT;
        struct md_arena *fresh = md_arena_new(ARENA_CHUNK, h->o.per_request_memory_limit, &ast);
        if (fresh) {
            md_arena_free(t->arena);
            t->arena = fresh;
        }
        cr->shed = true;
    }
    if (t->out.cap > BODY_KEEP_MAX) {
        md_sbuf_free(&t->out);
        cr->shed = true;
    }
    return ret;
}

static void watch_mark(struct md_http *h, struct MHD_Connection *c, bool busy)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    struct watch *w = ci ? ci->socket_context : NULL;
    if (!w)
        return;
    pthread_mutex_lock(&h->wlock);
    w->busy = busy;
    if (!busy)
        w->since_us = now_us();
    pthread_mutex_unlock(&h->wlock);
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    struct md_http *h = cls;
    struct watch *w = *socket_context;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
        if (!ci || !(w = calloc(1, sizeof *w)))
            return; /* unwatched: only MHD's idle timeout applies */
        w->fd = ci->connect_fd;
        w->since_us = now_us();
        pthread_mutex_lock(&h->wlock);
        w->next = h->watches;
        if (h->watches)
            h->watches->prev = w;
        h->watches = w;
        pthread_mutex_unlock(&h->wlock);
        *socket_context = w;
    } else if (w) {
        pthread_mutex_lock(&h->wlock);
        if (w->prev)
            w->prev->next = w->next;
        else
            h->watches = w->next;
        if (w->next)
            w->next->prev = w->prev;
        pthread_mutex_unlock(&h->wlock);
        free(w);
        *socket_context = NULL;
    }
}

static void *watchdog(void *arg)
{
    struct md_http *h = arg;
    pthread_mutex_lock(&h->wlock);
    while (!h->wd_stop) {
        int64_t now = now_us();
        for (struct watch *w = h->watches; w; w = w->next)
            if (!w->busy && !w->shut && now - w->since_us > h->watch_limit_us) {
                shutdown(w->fd, SHUT_RDWR);
                w->shut = true;
                md_log_debug("REST: closed a connection that took more than %lld ms to send "
                             "its request",
                             (long long)(h->watch_limit_us / 1000));
            }
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 250000000;
        if (ts.tv_nsec >= 1000000000) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&h->wcond, &h->wlock, &ts);
    }
    pthread_mutex_unlock(&h->wlock);
    return NULL;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    (void)version;
    struct md_http *h = cls;
    struct conn_req *r = *con_cls;
    if (!r) {
        r = req_get(h);
        if (!r)
            return MHD_NO;
        *con_cls = r;
        atomic_fetch_add(&h->in_flight, 1);
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                     MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl) {
            char *end;
            unsigned long long n = strtoull(cl, &end, 10);
            r->content_length = n;
            if (n > h->o.max_request_bytes) {
                /* Answer now, without reading the body; MHD closes the
                 * connection after this response, which is what we want. */
                r->too_big = true;
                char msg[200];
                snprintf(msg, sizeof msg,
                         "Request body of %llu bytes exceeds the limit of %zu bytes "
                         "(--max_request_bytes)",
                         n, h->o.max_request_bytes);
                return send_error(h, c, 413, msg);
            }
            /* One allocation for the whole body rather than a doubling
             * series whose freed steps stay in the thread's heap; not
             * fatal if it fails (the body then grows as it arrives). */
            if (n > 0 && n > r->body.cap && !md_sbuf_reserve(&r->body, (size_t)n))
                r->body.oom = false;
        }
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (!r->too_big) {
            if (r->body.len + *upload_data_size > h->o.max_request_bytes)
                r->too_big = true;
            else {
                md_sbuf_put(&r->body, upload_data, *upload_data_size);
                if (r->body.oom)
                    r->too_big = true;
            }
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (r->too_big) {
        char msg[160];
        snprintf(msg, sizeof msg,
                 "Request body exceeds the limit of %zu bytes (--max_request_bytes)",
                 h->o.max_request_bytes);
        return send_error(h, c, 413, msg);
    }
    watch_mark(h, c, true);
    return process(h, c, url, method, r);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)c;
    (void)toe;
    struct md_http *h = cls;
    struct conn_req *r = *con_cls;
    watch_mark(h, c, false);
    if (!r)
        return;
    *con_cls = NULL;
    req_put(h, r);
    atomic_fetch_sub(&h->in_flight, 1);
}

/* Keep the path as sent: routes.c unescapes the model name and label
 * itself after matching, as TF Serving does. */
static size_t keep_escaped(void *cls, struct MHD_Connection *c, char *s)
{
    (void)cls;
    (void)c;
    return strlen(s);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char line[512];
    vsnprintf(line, sizeof line, fmt, ap);
    size_t n = strlen(line);
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        line[--n] = '\0';
    md_log_debug("libmicrohttpd: %s", line);
}

struct md_http *md_http_start(const struct md_http_options *o, struct md_manager *m,
                              struct md_status *st)
{
    struct md_http *h = calloc(1, sizeof *h);
    if (!h) {
        md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory");
        return NULL;
    }
    h->o = *o;
    h->mgr = m;
    pthread_mutex_init(&h->wlock, NULL);
    pthread_cond_init(&h->wcond, NULL);
    if (o->metrics_path && !(h->metrics_path = strdup(o->metrics_path))) {
        free(h);
        md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory");
        return NULL;
    }
    h->o.metrics_path = h->metrics_path;
    if (pthread_key_create(&h->key, ctx_free) != 0) {
        free(h->metrics_path);
        free(h);
        md_status_set(st, MD_RESOURCE_EXHAUSTED, "cannot create a thread key");
        return NULL;
    }
    const char *bind = o->bind && o->bind[0] ? o->bind : "0.0.0.0";
    struct sockaddr_in sa4;
    struct sockaddr_in6 sa6;
    struct sockaddr *sa;
    unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_TURBO |
                     MHD_USE_ERROR_LOG;
    memset(&sa4, 0, sizeof sa4);
    memset(&sa6, 0, sizeof sa6);
    if (inet_pton(AF_INET, bind, &sa4.sin_addr) == 1) {
        sa4.sin_family = AF_INET;
        sa4.sin_port = htons((uint16_t)o->port);
        sa = (struct sockaddr *)&sa4;
    } else if (inet_pton(AF_INET6, bind, &sa6.sin6_addr) == 1) {
        sa6.sin6_family = AF_INET6;
        sa6.sin6_port = htons((uint16_t)o->port);
        sa = (struct sockaddr *)&sa6;
        flags |= MHD_USE_IPv6;
    } else {
        pthread_key_delete(h->key);
        free(h->metrics_path);
        free(h);
        md_status_set(st, MD_INVALID_ARGUMENT, "--rest_api_bind '%s' is not an IP address", bind);
        return NULL;
    }
    unsigned threads = o->threads > 0 ? (unsigned)o->threads : 1;
    unsigned timeout_s = o->timeout_ms > 0 ? (unsigned)((o->timeout_ms + 999) / 1000) : 30;
    struct MHD_OptionItem opts[] = {
        {MHD_OPTION_SOCK_ADDR, 0, sa},
        {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, h},
        {MHD_OPTION_UNESCAPE_CALLBACK, (intptr_t)keep_escaped, NULL},
        {MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)mhd_log, NULL},
        {MHD_OPTION_CONNECTION_TIMEOUT, (intptr_t)timeout_s, NULL},
        {MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)on_connection, h},
        {threads > 1 ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_END, (intptr_t)threads, NULL},
        {MHD_OPTION_END, 0, NULL},
    };
    h->d = MHD_start_daemon(flags, (uint16_t)o->port, NULL, NULL, on_request, h,
                            MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
    if (!h->d) {
        pthread_key_delete(h->key);
        free(h->metrics_path);
        free(h);
        md_status_set(st, MD_UNAVAILABLE, "cannot listen on %s:%d (port in use?)", bind, o->port);
        return NULL;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
    h->port = info ? info->port : o->port;
    h->watch_limit_us = 2 * (int64_t)timeout_s * 1000000;
    h->wd_started = pthread_create(&h->wd, NULL, watchdog, h) == 0;
    if (!h->wd_started)
        md_log_warn("REST: cannot start the slow-client watchdog; only idle connections time out");
    return h;
}

int md_http_port(const struct md_http *h) { return h->port; }

void md_http_stop(struct md_http *h, int timeout_ms)
{
    if (!h)
        return;
    atomic_store(&h->draining, true);
    MHD_socket fd = MHD_quiesce_daemon(h->d);
    if (fd != MHD_INVALID_SOCKET)
        close(fd);
    int64_t deadline = now_us() + (int64_t)timeout_ms * 1000;
    while (atomic_load(&h->in_flight) > 0 && now_us() < deadline) {
        struct timespec ts = {0, 2000000};
        nanosleep(&ts, NULL);
    }
    if (atomic_load(&h->in_flight) > 0)
        md_log_warn("REST: %ld requests still in flight at shutdown",
                    (long)atomic_load(&h->in_flight));
    MHD_stop_daemon(h->d);
    if (h->wd_started) {
        pthread_mutex_lock(&h->wlock);
        h->wd_stop = true;
        pthread_cond_signal(&h->wcond);
        pthread_mutex_unlock(&h->wlock);
        pthread_join(h->wd, NULL);
    }
    pthread_mutex_destroy(&h->wlock);
    pthread_cond_destroy(&h->wcond);
    /* The calling thread may have run completion callbacks too. */
    ctx_free(pthread_getspecific(h->key));
    pthread_setspecific(h->key, NULL);
    pthread_key_delete(h->key);
    free(h->metrics_path);
    free(h);
}
