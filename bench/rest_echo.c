/* bench/rest_echo: the ceiling for bench/rest.sh. A bare libmicrohttpd +
 * jansson server in the daemon's mode (epoll, internal thread pool, the
 * response queued after the first callback) that answers
 * POST /v1/models/<m>:predict {"instances": [...]} the way half_plus_two
 * does: every number x becomes 0.5x + 2, nesting kept, in
 * {"predictions": ...}; for a URL naming "mnist" it answers what the CNN
 * does (10 probabilities per instance) after parsing the body. No model, no
 * manager, no metrics: what HTTP + JSON alone cost on this machine.
 *
 * usage: rest_echo <port> [threads]     (binds 127.0.0.1; SIGTERM stops) */
#include <arpa/inet.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct body {
    char *data;
    size_t len, cap;
};

static json_t *half_plus_two(const json_t *v)
{
    if (json_is_array(v)) {
        json_t *out = json_array();
        size_t i;
        const json_t *e;
        json_array_foreach(v, i, e) json_array_append_new(out, half_plus_two(e));
        return out;
    }
    return json_real(0.5 * json_number_value(v) + 2.0);
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, char *text)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    (void)cls;
    (void)version;
    struct body *b = *con_cls;
    if (!b) {
        *con_cls = calloc(1, sizeof *b);
        return *con_cls ? MHD_YES : MHD_NO;
    }
    if (*upload_data_size) {
        if (b->len + *upload_data_size + 1 > b->cap) {
            size_t cap = (b->len + *upload_data_size + 1) * 2;
            char *nd = realloc(b->data, cap);
            if (!nd)
                return MHD_NO;
            b->data = nd;
            b->cap = cap;
        }
        memcpy(b->data + b->len, upload_data, *upload_data_size);
        b->len += *upload_data_size;
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (strcmp(method, "POST") != 0)
        return reply(c, 400, strdup("{\"error\":\"POST only\"}"));
    json_error_t err;
    json_t *doc = json_loadb(b->data ? b->data : "", b->len, 0, &err);
    json_t *inst = doc ? json_object_get(doc, "instances") : NULL;
    if (!json_is_array(inst)) {
        json_decref(doc);
        return reply(c, 400, strdup("{\"error\":\"bad request\"}"));
    }
    json_t *pred;
    if (strstr(url, "mnist")) {
        /* the CNN's answer: 10 probabilities per instance */
        pred = json_array();
        for (size_t i = 0; i < json_array_size(inst); i++) {
            json_t *row = json_array();
            for (int k = 0; k < 10; k++)
                json_array_append_new(row, json_real(0.1));
            json_array_append_new(pred, row);
        }
    } else {
        pred = half_plus_two(inst);
    }
    json_t *out = json_pack("{s:o}", "predictions", pred);
    char *text = json_dumps(out, JSON_COMPACT);
    json_decref(out);
    json_decref(doc);
    return reply(c, 200, text);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    struct body *b = *con_cls;
    if (b) {
        free(b->data);
        free(b);
        *con_cls = NULL;
    }
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s <port> [threads]\n", argv[0]);
        return 2;
    }
    int port = atoi(argv[1]);
    unsigned threads = argc > 2 ? (unsigned)atoi(argv[2]) : 2;
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_TURBO, (uint16_t)port, NULL, NULL, on_request,
        NULL, MHD_OPTION_SOCK_ADDR, &sa, MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
        MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "rest_echo: cannot listen on 127.0.0.1:%d\n", port);
        return 1;
    }
    fprintf(stderr, "rest_echo: listening on 127.0.0.1:%d with %u threads\n", port, threads);
    int sig;
    sigwait(&sigs, &sig);
    MHD_stop_daemon(d);
    return 0;
}
