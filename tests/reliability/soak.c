/* soak: predict at high concurrency on the real server/modeld while model
 * versions are added, corrupted and removed every few seconds.
 *
 *   MD_SRCDIR=<srcdir> soak [seconds] [clients]     (default 25 s, 16 clients)
 *
 * Loopback only, bounded by the time given. Each client keeps one HTTP/1.1
 * keep-alive connection (reconnecting when the server closes it) and sends
 * predict requests; one in ten is deliberately malformed and must get 400.
 * Every other answer must be 200 with the right value: a version swap,
 * a corrupt version or a removed directory must never show to clients.
 * Prints requests sent, unexpected answers, crashes and the daemon's RSS
 * once a second. Fails on any unexpected answer, a crash, or RSS at the end
 * above 1.2 x the RSS after warm-up + 4 MiB (generous: loads and unloads
 * move a few hundred KiB back and forth). No timing is asserted. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/server/daemon.h"

#define MAX_CLIENTS 256
#define MAX_SAMPLES 100000

static char srcdir[2048], tmpdir[64];
static struct daemon dm;
static atomic_bool stop;
static atomic_long n_sent, n_ok, n_expected_err, n_unexpected, n_reconnects;
static pthread_mutex_t first_lock = PTHREAD_MUTEX_INITIALIZER;
static char first_unexpected[600];

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

static int run(const char *fmt, ...)
{
    char cmd[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    int rc = system(cmd);
    if (rc != 0)
        fprintf(stderr, "command failed (%d): %s\n", rc, cmd);
    return rc;
}

static long rss_kib(pid_t pid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    long kb = 0;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
            break;
    if (f)
        fclose(f);
    return kb;
}

static void unexpected(const char *fmt, ...)
{
    atomic_fetch_add(&n_unexpected, 1);
    pthread_mutex_lock(&first_lock);
    if (!first_unexpected[0]) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(first_unexpected, sizeof first_unexpected, fmt, ap);
        va_end(ap);
    }
    pthread_mutex_unlock(&first_lock);
}

/* ------------------------------------------------ keep-alive client */

static int dial(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* One request on fd; the answer's status and body into the caller's
 * buffer. -1 when the connection failed (the caller reconnects). */
static int exchange(int fd, const char *req, size_t rlen, char *buf, size_t cap, char **body,
                    bool *server_closes)
{
    for (size_t off = 0; off < rlen;) {
        ssize_t w = send(fd, req + off, rlen - off, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        off += (size_t)w;
    }
    size_t n = 0;
    char *sep = NULL;
    long clen = -1;
    for (;;) {
        struct pollfd p = {fd, POLLIN, 0};
        int pr = poll(&p, 1, 60000);
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr <= 0)
            return -1;
        ssize_t got = recv(fd, buf + n, cap - 1 - n, 0);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return -1;
        n += (size_t)got;
        buf[n] = '\0';
        if (!sep && (sep = strstr(buf, "\r\n\r\n"))) {
            char *cl = strcasestr(buf, "\r\nContent-Length:");
            if (!cl || cl > sep)
                return -1;
            clen = atol(cl + 17);
            *server_closes = strcasestr(buf, "\r\nConnection: close") != NULL;
        }
        if (sep && (size_t)(sep + 4 - buf) + (size_t)clen <= n)
            break;
        if (n + 1 >= cap)
            return -1;
    }
    int status = 0;
    if (sscanf(buf, "HTTP/1.%*d %d", &status) != 1)
        return -1;
    *body = sep + 4;
    (*body)[clen] = '\0';
    return status;
}

static void *client(void *arg)
{
    unsigned seed = (unsigned)(uintptr_t)arg * 2654435761u;
    int fd = -1;
    static const char good_body[] = "{\"instances\":[[2.0],[4.0]]}";
    static const char bad_body[] = "{\"instances\":[[2.0],[4.0,}";
    char good[512], bad[512], buf[8192];
    int gl = snprintf(good, sizeof good,
                      "POST /v1/models/soak:predict HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                      "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
                      strlen(good_body), good_body);
    int bl = snprintf(bad, sizeof bad,
                      "POST /v1/models/soak:predict HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                      "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
                      strlen(bad_body), bad_body);
    while (!atomic_load(&stop)) {
        if (fd < 0) {
            fd = dial(dm.port);
            if (fd < 0) {
                unexpected("connect: %s", strerror(errno));
                sleep_ms(100);
                continue;
            }
        }
        bool is_bad = rand_r(&seed) % 10 == 0, closes = false;
        char *body = NULL;
        int status = exchange(fd, is_bad ? bad : good, (size_t)(is_bad ? bl : gl), buf, sizeof buf,
                              &body, &closes);
        if (status < 0) {
            /* The server may close an idle keep-alive connection; retry
             * once on a fresh one before counting a failure. */
            close(fd);
            fd = -1;
            atomic_fetch_add(&n_reconnects, 1);
            continue;
        }
        atomic_fetch_add(&n_sent, 1);
        if (is_bad) {
            if (status == 400 && strstr(body, "JSON Parse error"))
                atomic_fetch_add(&n_expected_err, 1);
            else
                unexpected("bad body answered %d %.300s", status, body);
        } else if (status == 200 && strstr(body, "[[3.0], [4.0]]")) {
            atomic_fetch_add(&n_ok, 1);
        } else if (status == 200 && strstr(body, "[[3.0],[4.0]]")) {
            atomic_fetch_add(&n_ok, 1);
        } else {
            unexpected("predict answered %d %.300s", status, body);
        }
        if (closes) {
            close(fd);
            fd = -1;
        }
    }
    if (fd >= 0)
        close(fd);
    return NULL;
}

/* -------------------------------------------------- version churn */

static int version_no = 1;
static int churn_good, churn_bad, churn_partial, churn_removed;

/* Writes a version off to the side and renames it into place. */
static void add_version(int v, const char *damage)
{
    char stage[256], dest[256];
    snprintf(stage, sizeof stage, "%s/stage-%d", tmpdir, v);
    snprintf(dest, sizeof dest, "%s/soak/%d", tmpdir, v);
    if (run("cp -r '%s/examples/half_plus_two/1' '%s'", srcdir, stage) != 0)
        return;
    if (damage)
        run("cd '%s' && %s", stage, damage);
    if (rename(stage, dest) != 0)
        fprintf(stderr, "rename %s: %s\n", dest, strerror(errno));
}

static void remove_version(int v)
{
    char dest[256];
    snprintf(dest, sizeof dest, "%s/soak/%d", tmpdir, v);
    struct stat sb;
    if (stat(dest, &sb) == 0 && run("rm -rf '%s'", dest) == 0)
        churn_removed++;
}

/* One step of the churn, every 2 s: a good version, then a corrupt one
 * above it, then a partial one; versions older than the last good one
 * are removed. Damage is applied before the rename, so the manager only
 * ever sees finished directories (or partial ones it must skip). */
static void churn(int step, int *last_good)
{
    int v = ++version_no;
    switch (step % 4) {
    case 0:
        add_version(v, NULL);
        churn_good++;
        for (int old = 1; old < *last_good; old++)
            remove_version(old);
        *last_good = v;
        break;
    case 1:
        add_version(v, "head -c 300 saved_model.pb > t && mv t saved_model.pb");
        churn_bad++;
        break;
    case 2:
        add_version(v, "printf 'garbage' > variables/variables.data-00000-of-00001");
        churn_bad++;
        break;
    default:
        add_version(v, "rm variables/variables.index");
        churn_partial++;
        break;
    }
}

int main(int argc, char **argv)
{
    const char *s = getenv("MD_SRCDIR");
    snprintf(srcdir, sizeof srcdir, "%s", s && *s ? s : ".");
    int seconds = argc > 1 ? atoi(argv[1]) : 25;
    int clients = argc > 2 ? atoi(argv[2]) : 16;
    if (seconds < 5)
        seconds = 5;
    if (clients < 1 || clients > MAX_CLIENTS)
        clients = 16;
    char probe[2100];
    snprintf(probe, sizeof probe, "%s/examples/half_plus_two/1/saved_model.pb", srcdir);
    struct stat sb;
    if (stat(probe, &sb) != 0) {
        fprintf(stderr, "no %s: set MD_SRCDIR to the source tree\n", probe);
        return 77;
    }
    snprintf(tmpdir, sizeof tmpdir, "/tmp/md_soak_XXXXXX");
    if (!mkdtemp(tmpdir) || run("mkdir '%s/soak'", tmpdir) != 0)
        return 1;
    add_version(1, NULL);
    char base[256];
    snprintf(base, sizeof base, "--model_base_path=%s/soak", tmpdir);
    const char *args[] = {base, "--model_name=soak", "--file_system_poll_wait_seconds=0.5",
                          "--max_num_load_retries=0", "--rest_api_num_threads=4", NULL};
    if (!daemon_start(&dm, args)) {
        run("rm -rf '%s'", tmpdir);
        return 1;
    }
    pthread_t th[MAX_CLIENTS];
    for (int i = 0; i < clients; i++)
        pthread_create(&th[i], NULL, client, (void *)(uintptr_t)(i + 1));
    printf("# soak: %d s, %d keep-alive clients, versions churned every 2 s\n", seconds, clients);
    printf("# t(s)   requests   unexpected   RSS(KiB)\n");
    double t0 = now_s(), next_churn = t0 + 2;
    long rss_warm = 0, rss_max = 0, rss_last = 0;
    int step = 0, last_good = 1, tick = 0;
    bool crashed = false;
    while (now_s() - t0 < seconds) {
        sleep_ms(1000);
        tick++;
        int status;
        if (waitpid(dm.pid, &status, WNOHANG) == dm.pid) {
            crashed = true;
            dm.pid = -1;
            printf("# modeld died: %s %d\n", WIFSIGNALED(status) ? "signal" : "exit",
                   WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
            char dlog[16384];
            daemon_log(&dm, dlog, sizeof dlog);
            printf("# modeld log tail:\n%s\n",
                   strlen(dlog) > 6000 ? dlog + strlen(dlog) - 6000 : dlog);
            break;
        }
        rss_last = rss_kib(dm.pid);
        if (tick == 3)
            rss_warm = rss_last;
        if (rss_last > rss_max)
            rss_max = rss_last;
        /* Every second for short runs, every 10 s for long ones. */
        if (seconds <= 60 || tick % 10 == 0)
            printf("%6d %10ld %12ld %10ld\n", tick, atomic_load(&n_sent),
                   atomic_load(&n_unexpected), rss_last);
        fflush(stdout);
        if (now_s() >= next_churn) {
            churn(step++, &last_good);
            next_churn += 2;
        }
    }
    atomic_store(&stop, true);
    for (int i = 0; i < clients; i++)
        pthread_join(th[i], NULL);
    double took = now_s() - t0;
    long sent = atomic_load(&n_sent);
    printf("# %ld requests in %.1f s (%.0f/s): %ld ok, %ld expected 400, %ld unexpected, "
           "%ld reconnects\n",
           sent, took, (double)sent / took, atomic_load(&n_ok), atomic_load(&n_expected_err),
           atomic_load(&n_unexpected), atomic_load(&n_reconnects));
    printf("# versions: %d good, %d corrupt, %d partial added, %d removed\n", churn_good, churn_bad,
           churn_partial, churn_removed);
    printf("# crashes: %d\n", crashed ? 1 : 0);
    printf("# RSS after warm-up %ld KiB, max %ld KiB, at the end %ld KiB (%+.1f%%)\n", rss_warm,
           rss_max, rss_last, rss_warm ? 100.0 * (double)(rss_last - rss_warm) / (double)rss_warm : 0.0);
    if (first_unexpected[0])
        printf("# first unexpected answer: %s\n", first_unexpected);
    bool rss_ok = rss_warm == 0 || rss_last <= rss_warm + rss_warm / 5 + 4096;
#if defined(__SANITIZE_ADDRESS__)
    rss_ok = true; /* ASan holds freed memory in its quarantine: RSS means nothing */
#endif
    if (getenv("MD_TEST_DAEMON_WRAPPER"))
        rss_ok = true;
    if (!rss_ok)
        printf("not ok: RSS grew from %ld to %ld KiB\n", rss_warm, rss_last);
    int rc = 0;
    bool swapped = true;
    if (!crashed) {
        /* The churn did reach the daemon: the newest good version serves. */
        char path[128], want[64];
        snprintf(path, sizeof path, "/v1/models/soak/versions/%d", last_good);
        snprintf(want, sizeof want, "\"version\": \"%d\"", last_good);
        struct http_resp r;
        swapped = http_do(dm.port, "GET", path, NULL, 0, NULL, &r) && r.status == 200 &&
                  strstr(r.body, "AVAILABLE") && strstr(r.body, want);
        printf("# newest good version %d %s\n", last_good, swapped ? "is AVAILABLE" : "is NOT serving");
        if (r.body)
            http_resp_free(&r);
    }
    if (!crashed) {
        char log[16384];
        daemon_log(&dm, log, sizeof log);
        rc = daemon_stop(&dm);
        if (rc != 0)
            printf("not ok: modeld exited with %d on SIGTERM; log tail:\n%s\n", rc,
                   strlen(log) > 4000 ? log + strlen(log) - 4000 : log);
    }
    run("rm -rf '%s'", tmpdir);
    bool ok = !crashed && rc == 0 && atomic_load(&n_unexpected) == 0 && rss_ok && sent > 0 && swapped;
    printf("%s\n", ok ? "# soak passed" : "# soak FAILED");
    return ok ? 0 : 1;
}
