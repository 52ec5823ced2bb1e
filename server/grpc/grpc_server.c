/* grpc_server.c: the gRPC listener on the C core.
 *
 * `threads` workers, each with its own completion queue: a call's events
 * all arrive on the thread that took it, so no event crosses threads (with
 * one queue shared by all workers, each call woke two or three threads;
 * bench/grpc measured up to 2x fewer requests/s at concurrency 1 on two
 * cores). Each method is registered with
 * the core (payload read with the call); every worker keeps one request
 * outstanding per method, plus one generic request that answers unknown
 * methods with UNIMPLEMENTED. A worker that receives a call runs the
 * handler (request arena per worker), starts one batch (initial metadata,
 * message, status, close) and only then re-arms its request for that
 * method: while it is busy, calls of that method go to the other workers
 * or wait in the core's queue for the first worker to free up, instead of
 * queueing behind it. The batch's completion frees the call.
 *
 * Shutdown follows the core's rules: no new request may be started once
 * grpc_server_shutdown_and_notify ran, and nothing may be started on the
 * queue after grpc_completion_queue_shutdown (the core aborts the process),
 * so both are guarded by flags under a rwlock: workers hold it for reading
 * while they start an operation, shutdown takes it for writing to flip the
 * flag. The server's shutdown tag arrives once every call is gone, which is
 * what "in-flight calls complete" means here. Before that, md_grpc_shutdown
 * hands the calls the core is still holding (message arriving, or waiting
 * for a free worker) to workers, because the core's shutdown would cancel
 * them. */
#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/slice.h>
#include <grpc/support/time.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "server/grpc/grpc_impl.h"
#include "server/grpc/grpc_server.h"

#define ARENA_CHUNK (256u << 10)
#define MAX_CHANNEL_ARGS 32
#define DRAIN_SLOTS 16 /* extra requests per method and worker at shutdown */
#define DRAIN_QUIET_MS 100
#define DRAIN_MAX_MS 2000

enum tag_kind { TAG_NEW, TAG_DONE, TAG_SHUTDOWN };

struct call {
    enum tag_kind kind; /* first member: completion tags point here */
    int method;         /* index into md_grpc_methods; -1 = not registered */
    grpc_call *call;
    gpr_timespec deadline;
    grpc_metadata_array md;
    grpc_call_details details; /* unregistered calls: the method path */
    grpc_byte_buffer *payload;
    grpc_byte_buffer *reply;
    grpc_slice status_details;
    int cancelled;
};

struct worker {
    struct md_grpc *g;
    grpc_completion_queue *cq;
    pthread_t th;
};

struct md_grpc {
    grpc_server *srv;
    void *methods[MD_GRPC_METHOD_COUNT];
    struct md_manager *mgr;
    struct md_grpc_options o;
    int port;
    int n_workers, started;
    struct worker *w;  /* w[0]'s queue also gets the shutdown tag */
    pthread_rwlock_t lock;
    bool accepting;        /* false once shutdown began: no new request slots */
    bool cq_closed;        /* true once the queue is shut down: start nothing */
    bool shutdown_begun;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool shutdown_done;    /* the server's shutdown tag came back */
    enum tag_kind shutdown_tag;
    _Atomic long in_flight;
    _Atomic long arrived; /* calls handed to workers, ever */
};

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void call_free(struct call *c)
{
    grpc_metadata_array_destroy(&c->md);
    grpc_call_details_destroy(&c->details);
    if (c->payload)
        grpc_byte_buffer_destroy(c->payload);
    if (c->reply)
        grpc_byte_buffer_destroy(c->reply);
    grpc_slice_unref(c->status_details);
    if (c->call)
        grpc_call_unref(c->call);
    free(c);
}

static bool served(const struct md_grpc *g, int method)
{
    return method != MD_GRPC_HEALTH_CHECK || g->o.health_service;
}

/* Puts one request for `method` (-1: any unregistered method) in flight on
 * worker w's queue. */
static bool request_slot(struct worker *w, int method)
{
    struct md_grpc *g = w->g;
    struct call *c = calloc(1, sizeof *c);
    if (!c)
        return false;
    c->kind = TAG_NEW;
    c->method = method;
    c->status_details = grpc_empty_slice();
    grpc_metadata_array_init(&c->md);
    grpc_call_details_init(&c->details);
    grpc_call_error e = GRPC_CALL_ERROR;
    pthread_rwlock_rdlock(&g->lock);
    if (g->accepting) {
        if (method >= 0)
            e = grpc_server_request_registered_call(g->srv, g->methods[method], &c->call,
                                                    &c->deadline, &c->md, &c->payload, w->cq,
                                                    w->cq, c);
        else
            e = grpc_server_request_call(g->srv, &c->call, &c->details, &c->md, w->cq, w->cq, c);
    }
    pthread_rwlock_unlock(&g->lock);
    if (e != GRPC_CALL_OK) {
        call_free(c);
        return false;
    }
    return true;
}

/* The request message as one contiguous slice (empty when absent). */
static grpc_slice read_payload(grpc_byte_buffer *bb, bool *ok)
{
    *ok = true;
    if (!bb)
        return grpc_empty_slice();
    grpc_byte_buffer_reader r;
    if (!grpc_byte_buffer_reader_init(&r, bb)) {
        *ok = false;
        return grpc_empty_slice();
    }
    grpc_slice s = grpc_byte_buffer_reader_readall(&r);
    grpc_byte_buffer_reader_destroy(&r);
    return s;
}

static void reply_free(void *p)
{
    free(p);
}

/* Runs one call and starts its reply batch (or frees it). */
static void handle(struct md_grpc *g, struct md_arena *arena, struct call *c)
{
    int64_t t0 = now_us();
    atomic_fetch_add(&g->in_flight, 1);
    struct md_status st = MD_STATUS_INIT;
    struct md_grpc_reply reply = {NULL, 0};
    struct md_grpc_ctx ctx = {g->mgr, arena, g->o.tensor_content, g->o.per_request_memory_limit,
                              NULL, NULL, -1, ""};
    bool ok = false;
    if (arena)
        md_arena_reset(arena);
    if (c->method < 0) {
        char esc[256];
        const char *m = (const char *)GRPC_SLICE_START_PTR(c->details.method);
        md_status_set(&st, MD_UNIMPLEMENTED,
                      "method %s is not served by modeld (tensorflow.serving.PredictionService "
                      "and ModelService are)",
                      md_escape(esc, sizeof esc, m, GRPC_SLICE_LENGTH(c->details.method)));
    } else if (!arena) {
        md_status_set(&st, MD_RESOURCE_EXHAUSTED, "out of memory for the request arena");
    } else {
        bool read_ok;
        grpc_slice req = read_payload(c->payload, &read_ok);
        if (!read_ok)
            md_status_set(&st, MD_INTERNAL, "cannot read the request message");
        else
            ok = md_grpc_methods[c->method].handler(&ctx, GRPC_SLICE_START_PTR(req),
                                                    GRPC_SLICE_LENGTH(req), &reply, &st);
        grpc_slice_unref(req);
    }
    if (!ok && st.code == MD_OK)
        md_status_set(&st, MD_INTERNAL, "request failed without an error message");
    if (ctx.api)
        md_metrics_request(ctx.model ? ctx.model : "", ctx.version, ctx.signature, ctx.api,
                           "GRPC", ok ? MD_OK : st.code, (uint64_t)(now_us() - t0));
    if (!ok)
        md_log_debug("gRPC %s -> %s: %s",
                     c->method >= 0 ? md_grpc_methods[c->method].path : "(unknown method)",
                     md_code_name(st.code), st.msg);

    grpc_op ops[4];
    memset(ops, 0, sizeof ops);
    size_t n = 0;
    ops[n++].op = GRPC_OP_SEND_INITIAL_METADATA;
    if (ok) {
        grpc_slice s = grpc_slice_new(reply.data, reply.len, reply_free);
        c->reply = grpc_raw_byte_buffer_create(&s, 1);
        grpc_slice_unref(s);
        ops[n].op = GRPC_OP_SEND_MESSAGE;
        ops[n++].data.send_message.send_message = c->reply;
    } else {
        c->status_details = grpc_slice_from_copied_string(st.msg);
    }
    ops[n].op = GRPC_OP_SEND_STATUS_FROM_SERVER;
    ops[n].data.send_status_from_server.status = ok ? GRPC_STATUS_OK : (grpc_status_code)st.code;
    ops[n++].data.send_status_from_server.status_details = ok ? NULL : &c->status_details;
    ops[n].op = GRPC_OP_RECV_CLOSE_ON_SERVER;
    ops[n++].data.recv_close_on_server.cancelled = &c->cancelled;
    c->kind = TAG_DONE;
    grpc_call_error e = GRPC_CALL_ERROR;
    pthread_rwlock_rdlock(&g->lock);
    if (!g->cq_closed)
        e = grpc_call_start_batch(c->call, ops, n, c, NULL);
    pthread_rwlock_unlock(&g->lock);
    if (e != GRPC_CALL_OK) {
        md_log_warn("gRPC: cannot send a reply (call error %d)", (int)e);
        atomic_fetch_sub(&g->in_flight, 1);
        call_free(c);
    }
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct md_grpc *g = w->g;
    struct md_status st = MD_STATUS_INIT;
    struct md_arena *arena = md_arena_new(ARENA_CHUNK, g->o.per_request_memory_limit, &st);
    if (!arena)
        md_log_error("gRPC worker: %s", st.msg);
    for (;;) {
        grpc_event ev = grpc_completion_queue_next(w->cq, gpr_inf_future(GPR_CLOCK_MONOTONIC),
                                                   NULL);
        if (ev.type == GRPC_QUEUE_SHUTDOWN)
            break;
        if (ev.type != GRPC_OP_COMPLETE)
            continue;
        enum tag_kind *kind = ev.tag;
        if (*kind == TAG_SHUTDOWN) {
            pthread_mutex_lock(&g->mu);
            g->shutdown_done = true;
            pthread_cond_broadcast(&g->cv);
            pthread_mutex_unlock(&g->mu);
            continue;
        }
        struct call *c = (struct call *)kind;
        if (c->kind == TAG_DONE) {
            atomic_fetch_sub(&g->in_flight, 1);
            call_free(c);
            continue;
        }
        if (!ev.success) {
            /* A request the server failed (shutdown): nothing to answer. */
            call_free(c);
            continue;
        }
        atomic_fetch_add(&g->arrived, 1);
        int method = c->method; /* c may be gone once its reply is sent */
        handle(g, arena, c);
        if (!request_slot(w, method)) {
            pthread_rwlock_rdlock(&g->lock);
            bool accepting = g->accepting;
            pthread_rwlock_unlock(&g->lock);
            if (accepting)
                md_log_warn("gRPC: cannot re-arm a request slot");
        }
    }
    md_arena_free(arena);
    return NULL;
}

/* --------------------------------------------------------- channel args */

struct chan_args {
    grpc_arg a[MAX_CHANNEL_ARGS];
    size_t n;
    char *storage; /* the copied "k=v,k=v" string the keys/values point into */
};

static bool has_arg(const struct chan_args *ca, const char *key)
{
    for (size_t i = 0; i < ca->n; i++)
        if (!strcmp(ca->a[i].key, key))
            return true;
    return false;
}

/* TF Serving's --grpc_channel_arguments: "k=v,k=v"; a value that parses as
 * an integer is passed as one, anything else as a string. */
static bool parse_channel_args(const char *spec, struct chan_args *ca, struct md_status *st)
{
    if (!spec || !spec[0])
        return true;
    if (!(ca->storage = strdup(spec)))
        return md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory");
    char *save = NULL;
    for (char *kv = strtok_r(ca->storage, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
        char esc[128];
        char *eq = strchr(kv, '=');
        if (!eq || eq == kv)
            return md_status_set(st, MD_INVALID_ARGUMENT,
                                 "--grpc_channel_arguments: '%s' is not key=value",
                                 md_escape(esc, sizeof esc, kv, strlen(kv)));
        if (ca->n == MAX_CHANNEL_ARGS)
            return md_status_set(st, MD_INVALID_ARGUMENT,
                                 "--grpc_channel_arguments: more than %d arguments",
                                 MAX_CHANNEL_ARGS);
        *eq = '\0';
        grpc_arg *a = &ca->a[ca->n++];
        a->key = kv;
        char *end;
        errno = 0;
        long v = strtol(eq + 1, &end, 10);
        if (eq[1] && !*end && errno == 0 && v >= INT_MIN && v <= INT_MAX) {
            a->type = GRPC_ARG_INTEGER;
            a->value.integer = (int)v;
        } else {
            a->type = GRPC_ARG_STRING;
            a->value.string = eq + 1;
        }
    }
    return true;
}

static void add_int_arg(struct chan_args *ca, const char *key, int v)
{
    if (has_arg(ca, key) || ca->n == MAX_CHANNEL_ARGS)
        return; /* the user's value wins */
    grpc_arg *a = &ca->a[ca->n++];
    a->type = GRPC_ARG_INTEGER;
    a->key = (char *)(uintptr_t)key; /* read only by the core */
    a->value.integer = v;
}

/* ------------------------------------------------------------ lifecycle */

static void wait_shutdown_tag(struct md_grpc *g, int timeout_ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t ns = ts.tv_nsec + (int64_t)(timeout_ms % 1000) * 1000000;
    ts.tv_sec += timeout_ms / 1000 + (time_t)(ns / 1000000000);
    ts.tv_nsec = (long)(ns % 1000000000);
    pthread_mutex_lock(&g->mu);
    while (!g->shutdown_done) {
        if (timeout_ms < 0)
            pthread_cond_wait(&g->cv, &g->mu);
        else if (pthread_cond_timedwait(&g->cv, &g->mu, &ts) == ETIMEDOUT)
            break;
    }
    pthread_mutex_unlock(&g->mu);
}

/* Stops everything that was started and frees g. */
static void teardown(struct md_grpc *g, int timeout_ms)
{
    if (g->srv) {
        md_grpc_shutdown(g);
        if (g->started) {
            wait_shutdown_tag(g, timeout_ms);
            if (!g->shutdown_done) {
                md_log_warn("gRPC: %ld calls still running after %d ms: cancelling them",
                            (long)atomic_load(&g->in_flight), timeout_ms);
                grpc_server_cancel_all_calls(g->srv);
                wait_shutdown_tag(g, -1);
            }
        } else {
            /* No worker to see the tag: drain it here. */
            for (;;) {
                grpc_event ev = grpc_completion_queue_next(
                    g->w[0].cq, gpr_inf_future(GPR_CLOCK_MONOTONIC), NULL);
                if (ev.type == GRPC_OP_COMPLETE && ev.tag == &g->shutdown_tag)
                    break;
                if (ev.type == GRPC_OP_COMPLETE && *(enum tag_kind *)ev.tag == TAG_NEW)
                    call_free(ev.tag);
                if (ev.type == GRPC_QUEUE_SHUTDOWN)
                    break;
            }
        }
    }
    pthread_rwlock_wrlock(&g->lock);
    g->cq_closed = true;
    pthread_rwlock_unlock(&g->lock);
    for (int i = 0; i < g->n_workers; i++)
        if (g->w[i].cq)
            grpc_completion_queue_shutdown(g->w[i].cq);
    for (int i = 0; i < g->started; i++)
        pthread_join(g->w[i].th, NULL);
    for (int i = g->started; i < g->n_workers; i++)
        if (g->w[i].cq)
            while (grpc_completion_queue_next(g->w[i].cq, gpr_inf_future(GPR_CLOCK_MONOTONIC),
                                              NULL)
                       .type != GRPC_QUEUE_SHUTDOWN)
                ;
    if (g->srv)
        grpc_server_destroy(g->srv);
    for (int i = 0; i < g->n_workers; i++)
        if (g->w[i].cq)
            grpc_completion_queue_destroy(g->w[i].cq);
    grpc_shutdown();
    pthread_rwlock_destroy(&g->lock);
    pthread_mutex_destroy(&g->mu);
    pthread_cond_destroy(&g->cv);
    free(g->w);
    free(g);
}

static bool add_port(struct md_grpc *g, const char *addr, grpc_server_credentials *creds,
                     int *bound, struct md_status *st)
{
    char esc[300];
    *bound = grpc_server_add_http2_port(g->srv, addr, creds);
    if (*bound == 0)
        return md_status_set(st, MD_UNAVAILABLE, "cannot listen for gRPC on %s (address in use?)",
                             md_escape(esc, sizeof esc, addr, strlen(addr)));
    return true;
}

struct md_grpc *md_grpc_start(const struct md_grpc_options *o, struct md_manager *m,
                              struct md_status *st)
{
    struct md_grpc *g = calloc(1, sizeof *g);
    if (!g) {
        md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory");
        return NULL;
    }
    g->o = *o;
    g->mgr = m;
    g->shutdown_tag = TAG_SHUTDOWN;
    pthread_rwlock_init(&g->lock, NULL);
    pthread_mutex_init(&g->mu, NULL);
    pthread_cond_init(&g->cv, NULL);
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    g->n_workers = o->threads > 0 ? o->threads : (int)(4 * (ncpu > 0 ? ncpu : 1));
    grpc_init();
    if (!(g->w = calloc((size_t)g->n_workers, sizeof *g->w))) {
        md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory");
        g->n_workers = 0;
        teardown(g, 0);
        return NULL;
    }

    struct chan_args ca;
    memset(&ca, 0, sizeof ca);
    if (!parse_channel_args(o->channel_arguments, &ca, st)) {
        free(ca.storage);
        teardown(g, 0);
        return NULL;
    }
    size_t max_recv = o->max_receive_bytes ? o->max_receive_bytes : (size_t)INT_MAX;
    add_int_arg(&ca, GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH,
                max_recv > (size_t)INT_MAX ? INT_MAX : (int)max_recv);
    add_int_arg(&ca, GRPC_ARG_MAX_SEND_MESSAGE_LENGTH, INT_MAX);
    grpc_channel_args args = {ca.n, ca.a};
    g->srv = grpc_server_create(&args, NULL);
    free(ca.storage);
    bool created = g->srv != NULL;
    for (int i = 0; i < g->n_workers; i++) {
        g->w[i].g = g;
        g->w[i].cq = grpc_completion_queue_create_for_next(NULL);
        created = created && g->w[i].cq;
    }
    if (!created) {
        md_status_set(st, MD_INTERNAL, "cannot create the gRPC server");
        teardown(g, 0);
        return NULL;
    }
    for (int i = 0; i < g->n_workers; i++)
        grpc_server_register_completion_queue(g->srv, g->w[i].cq, NULL);
    for (int i = 0; i < MD_GRPC_METHOD_COUNT; i++)
        if (served(g, i))
            g->methods[i] = grpc_server_register_method(
                g->srv, md_grpc_methods[i].path, NULL, GRPC_SRM_PAYLOAD_READ_INITIAL_BYTE_BUFFER, 0);

    grpc_server_credentials *creds = grpc_insecure_server_credentials_create();
    bool ok = true;
    if (o->port >= 0) {
        const char *bind = o->bind && o->bind[0] ? o->bind : "0.0.0.0";
        char addr[320];
        snprintf(addr, sizeof addr, strchr(bind, ':') ? "[%s]:%d" : "%s:%d", bind, o->port);
        ok = add_port(g, addr, creds, &g->port, st);
    }
    if (ok && o->socket_path && o->socket_path[0]) {
        char addr[4200];
        int unused;
        snprintf(addr, sizeof addr, "unix:%s", o->socket_path);
        ok = add_port(g, addr, creds, &unused, st);
    }
    if (ok && o->port < 0 && !(o->socket_path && o->socket_path[0]))
        ok = md_status_set(st, MD_INVALID_ARGUMENT, "gRPC needs a port or a socket path");
    grpc_server_credentials_release(creds);
    if (!ok) {
        /* Never started: the core still wants a shutdown before destroy. */
        g->accepting = false;
        teardown(g, 0);
        return NULL;
    }
    grpc_server_start(g->srv);
    g->accepting = true;

    for (int i = 0; i < g->n_workers; i++) {
        if (pthread_create(&g->w[i].th, NULL, worker_main, &g->w[i]) != 0) {
            md_status_set(st, MD_RESOURCE_EXHAUSTED, "cannot start gRPC worker thread %d", i);
            teardown(g, 0);
            return NULL;
        }
        g->started = i + 1;
    }
    /* One request per method per worker, and one for unknown methods. */
    for (int k = 0; k < g->n_workers; k++)
        for (int i = -1; i < MD_GRPC_METHOD_COUNT; i++)
            if ((i < 0 || served(g, i)) && !request_slot(&g->w[k], i)) {
                md_status_set(st, MD_INTERNAL, "cannot request gRPC calls");
                teardown(g, 0);
                return NULL;
            }
    return g;
}

int md_grpc_port(const struct md_grpc *g)
{
    return g ? g->port : 0;
}

void md_grpc_shutdown(struct md_grpc *g)
{
    if (!g)
        return;
    /* The core drops calls it has not handed to a worker yet when the
     * server shuts down (their clients see CANCELLED): those whose message
     * is still arriving and those waiting for a free worker. So first put
     * extra requests in flight, which hands the waiting calls out, and let
     * calls that are arriving land: shut down once no call has arrived for
     * DRAIN_QUIET_MS (at most DRAIN_MAX_MS). */
    pthread_rwlock_rdlock(&g->lock);
    bool drain = !g->shutdown_begun && g->srv && g->accepting;
    pthread_rwlock_unlock(&g->lock);
    for (int k = 0; drain && k < g->started; k++)
        for (int i = 0; i < MD_GRPC_METHOD_COUNT; i++)
            for (int j = 0; served(g, i) && j < DRAIN_SLOTS; j++)
                request_slot(&g->w[k], i);
    if (drain) {
        int64_t t0 = now_us(), quiet_since = t0;
        long seen = atomic_load(&g->arrived);
        while (now_us() - quiet_since < DRAIN_QUIET_MS * 1000 &&
               now_us() - t0 < DRAIN_MAX_MS * 1000) {
            struct timespec ts = {0, 5000000};
            nanosleep(&ts, NULL);
            long now = atomic_load(&g->arrived);
            if (now != seen) {
                seen = now;
                quiet_since = now_us();
            }
        }
    }
    pthread_rwlock_wrlock(&g->lock);
    if (!g->shutdown_begun && g->srv) {
        g->shutdown_begun = true;
        g->accepting = false;
        grpc_server_shutdown_and_notify(g->srv, g->w[0].cq, &g->shutdown_tag);
    }
    pthread_rwlock_unlock(&g->lock);
}

void md_grpc_stop(struct md_grpc *g, int timeout_ms)
{
    if (!g)
        return;
    teardown(g, timeout_ms);
}
