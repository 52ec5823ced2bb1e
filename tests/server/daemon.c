/* daemon.c: see daemon.h. */
#include "tests/server/daemon.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef MD_TEST_BUILDDIR
#define MD_TEST_BUILDDIR "."
#endif

int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    int port = -1;
    if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    if (fd >= 0)
        close(fd);
    return port;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

/* Daemons still running when the test program exits (a failed assertion
 * longjmps past daemon_stop) are killed, so no test leaves one behind. */
static pid_t started[64];
static char started_log[64][64];
static int n_started;

static void kill_leftovers(void)
{
    for (int i = 0; i < n_started; i++) {
        if (started[i] > 0 && waitpid(started[i], NULL, WNOHANG) == 0) {
            kill(started[i], SIGKILL);
            waitpid(started[i], NULL, 0);
        }
        unlink(started_log[i]); /* already gone for the stopped ones */
    }
}

static pid_t spawn(const char *const *args, int port, char *log, size_t logcap)
{
    snprintf(log, logcap, "/tmp/md_e2e_log_XXXXXX");
    int lfd = mkstemp(log);
    if (lfd < 0)
        return -1;
    const char *argv[64];
    int n = 0;
    static char bin[4096], portarg[64];
    snprintf(bin, sizeof bin, "%s/server/modeld", MD_TEST_BUILDDIR);
    snprintf(portarg, sizeof portarg, "--rest_api_port=%d", port);
    /* MD_TEST_DAEMON_WRAPPER="valgrind --error-exitcode=99 ..." runs the
     * daemon under a tool (make check-valgrind); words split on spaces. */
    static char wrap[1024];
    const char *w = getenv("MD_TEST_DAEMON_WRAPPER");
    snprintf(wrap, sizeof wrap, "%s", w ? w : "");
    for (char *save, *t = strtok_r(wrap, " ", &save); t && n < 40; t = strtok_r(NULL, " ", &save))
        argv[n++] = t;
    const char *exe = n ? argv[0] : bin;
    argv[n++] = bin;
    argv[n++] = "--port=0";
    argv[n++] = "--rest_api_bind=127.0.0.1";
    argv[n++] = portarg;
    if (w && *w) /* under a wrapper (valgrind) requests run ~50x slower;
                  * the test's own flags below still win */
        argv[n++] = "--rest_api_timeout_in_ms=600000";
    for (int i = 0; args && args[i] && n < 62; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(lfd, 1);
        dup2(lfd, 2);
        close(lfd);
        execvp(exe, (char *const *)(uintptr_t)argv);
        _exit(127);
    }
    close(lfd);
    if (pid > 0 && n_started < 64) {
        if (n_started == 0)
            atexit(kill_leftovers);
        snprintf(started_log[n_started], sizeof started_log[n_started], "%s", log);
        started[n_started++] = pid;
    }
    return pid;
}

void daemon_log(const struct daemon *d, char *buf, size_t cap)
{
    buf[0] = '\0';
    FILE *f = fopen(d->log, "r");
    if (!f)
        return;
    size_t n = fread(buf, 1, cap - 1, f);
    buf[n] = '\0';
    fclose(f);
}

bool daemon_start(struct daemon *d, const char *const *args)
{
    for (int attempt = 0; attempt < 3; attempt++) {
        d->port = free_port();
        d->pid = spawn(args, d->port, d->log, sizeof d->log);
        if (d->pid < 0)
            return false;
        int tries = getenv("MD_TEST_DAEMON_WRAPPER") ? 4000 : 400;
        for (int i = 0; i < tries; i++) {
            int status;
            if (waitpid(d->pid, &status, WNOHANG) == d->pid) {
                d->pid = -1;
                break;
            }
            struct http_resp r;
            if (http_do(d->port, "GET", "/v1/models", NULL, 0, NULL, &r)) {
                http_resp_free(&r);
                return true;
            }
            sleep_ms(50);
        }
        char buf[8192];
        daemon_log(d, buf, sizeof buf);
        bool port_clash = strstr(buf, "cannot listen") != NULL;
        if (d->pid > 0) {
            kill(d->pid, SIGKILL);
            waitpid(d->pid, NULL, 0);
        }
        if (!port_clash) {
            fprintf(stderr, "modeld did not start; its log:\n%s\n", buf);
            return false;
        }
    }
    return false;
}

int daemon_run_to_exit(const char *const *args, char *log_out, size_t cap)
{
    char log[64];
    pid_t pid = spawn(args, free_port(), log, sizeof log);
    if (pid < 0)
        return -1;
    int status = 0, rc = -1;
    for (int i = 0; i < 400; i++) {
        if (waitpid(pid, &status, WNOHANG) == pid) {
            rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            break;
        }
        sleep_ms(50);
    }
    if (rc < 0) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
    }
    struct daemon d = {pid, 0, ""};
    memcpy(d.log, log, sizeof log);
    daemon_log(&d, log_out, cap);
    unlink(log);
    return rc;
}

int daemon_stop(struct daemon *d)
{
    if (d->pid <= 0)
        return -1;
    kill(d->pid, SIGTERM);
    int status = 0;
    int tries = getenv("MD_TEST_DAEMON_WRAPPER") ? 6000 : 600; /* valgrind's leak check takes a while */
    for (int i = 0; i < tries; i++) {
        if (waitpid(d->pid, &status, WNOHANG) == d->pid) {
            d->pid = -1;
            unlink(d->log);
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        }
        sleep_ms(50);
    }
    kill(d->pid, SIGKILL);
    waitpid(d->pid, &status, 0);
    d->pid = -1;
    return 128 + SIGKILL;
}

void http_resp_free(struct http_resp *r)
{
    free(r->body);
    r->body = NULL;
}

static bool send_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

bool http_do(int port, const char *method, const char *path, const char *body, size_t len,
             const char *extra_headers, struct http_resp *r)
{
    memset(r, 0, sizeof *r);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return false;
    struct timeval tv = {60, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int rc = connect(fd, (struct sockaddr *)&a, sizeof a);
    if (rc != 0 && errno == EINTR) {
        /* A signal (SIGCHLD from the test's system() calls) interrupted a
         * connect that carries on in the background: wait for it. */
        struct pollfd pfd = {fd, POLLOUT, 0};
        int err = 0;
        socklen_t el = sizeof err;
        while ((rc = poll(&pfd, 1, 60000)) < 0 && errno == EINTR)
            ;
        rc = (rc == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) == 0 && err == 0) ? 0 : -1;
        if (err)
            errno = err;
    }
    if (rc != 0) {
        snprintf(r->headers, sizeof r->headers, "connect: %s", strerror(errno));
        close(fd);
        return false;
    }
    char head[4096];
    bool has_len_hdr = extra_headers && strcasestr(extra_headers, "Transfer-Encoding");
    int hn = snprintf(head, sizeof head, "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n",
                      method, path, port);
    if (body && !has_len_hdr)
        hn += snprintf(head + hn, sizeof head - (size_t)hn, "Content-Length: %zu\r\n", len);
    hn += snprintf(head + hn, sizeof head - (size_t)hn, "%s\r\n", extra_headers ? extra_headers : "");
    bool ok = send_all(fd, head, (size_t)hn) && (!body || send_all(fd, body, len));
    /* A server may answer (413) and close before the body is sent. */
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    for (;;) {
        if (!buf)
            break;
        if (n == cap) {
            char *nb = realloc(buf, cap * 2 + 1);
            if (!nb)
                break;
            buf = nb;
            cap *= 2;
        }
        ssize_t got = recv(fd, buf + n, cap - n, 0);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            snprintf(r->headers, sizeof r->headers, "recv after %zu bytes: %s (send %s)", n,
                     strerror(errno), ok ? "ok" : "failed");
        if (got <= 0)
            break;
        n += (size_t)got;
    }
    close(fd);
    (void)ok;
    if (!buf || n == 0) {
        if (!r->headers[0])
            snprintf(r->headers, sizeof r->headers, "connection closed without a response (send %s)",
                     ok ? "ok" : "failed");
        free(buf);
        return false;
    }
    buf[n] = '\0';
    char *sep = strstr(buf, "\r\n\r\n");
    if (!sep || sscanf(buf, "HTTP/1.%*d %d", &r->status) != 1) {
        free(buf);
        return false;
    }
    size_t hlen = (size_t)(sep - buf);
    snprintf(r->headers, sizeof r->headers, "%.*s", (int)(hlen < 2000 ? hlen : 2000), buf);
    char *ct = strcasestr(r->headers, "\r\nContent-Type: ");
    if (ct)
        sscanf(ct + 16, "%127[^\r]", r->content_type);
    r->len = n - hlen - 4;
    r->body = malloc(r->len + 1);
    if (r->body) {
        memcpy(r->body, sep + 4, r->len);
        r->body[r->len] = '\0';
    }
    free(buf);
    return r->body != NULL;
}
