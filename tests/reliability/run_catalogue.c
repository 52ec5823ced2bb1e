/* run_catalogue: replays tests/reliability/catalogue.txt against the real
 * server/modeld and checks every answer (status code and message
 * fragment), that the daemon survives all of it, and that its RSS after the
 * run is within 10% of its RSS before (measured after a warm-up pass).
 *
 *   MD_SRCDIR=<srcdir> run_catalogue [catalogue] [passes]
 *
 * The catalogue format is described at the top of catalogue.txt. Nothing
 * here is timed except the slow-client cases, whose bounds are generous
 * (a connection must be closed within 20 s when the timeout is 2 s); the
 * durations are printed. Needs only the committed example model
 * (examples/half_plus_two/1), so it never skips in a source checkout. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/server/daemon.h"

#define MAX_BODY ((size_t)64 << 20)

static char srcdir[2048], tmpdir[64];
static struct daemon dm;
static int n_run, n_failed, next_version = 10;

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

static bool write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return false;
    bool ok = fwrite(data, 1, len, f) == len;
    return fclose(f) == 0 && ok;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *p = malloc(cap + 1);
    for (size_t got; p && (got = fread(p + n, 1, cap - n, f)) > 0;) {
        n += got;
        if (n == cap) {
            char *np = realloc(p, cap * 2 + 1);
            if (!np) {
                free(p);
                p = NULL;
                break;
            }
            p = np;
            cap *= 2;
        }
    }
    fclose(f);
    if (p) {
        p[n] = '\0';
        if (len)
            *len = n;
    }
    return p;
}

/* VmRSS of pid in KiB (0 if unknown). */
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

static int cmp_long(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

/* Median of 9 VmRSS samples 100 ms apart: one sample can catch a request's
 * buffers before the worker thread has freed them. */
static long rss_settled_kib(pid_t pid)
{
    long v[9];
    for (int i = 0; i < 9; i++) {
        sleep_ms(100);
        v[i] = rss_kib(pid);
    }
    qsort(v, 9, sizeof v[0], cmp_long);
    return v[4];
}

static bool daemon_alive(void)
{
    int status;
    return dm.pid > 0 && waitpid(dm.pid, &status, WNOHANG) == 0;
}

/* ------------------------------------------------------------ parsing */

/* Decodes the escapes of a catalogue field: \xHH \n \r \t \\ \" and
 * <<N*TEXT>> (TEXT repeated N times); any other backslash stays as it is,
 * so JSON escapes such as \u00e9 pass through. Returns a malloc'd buffer. */
static char *expand(const char *s, size_t *len_out)
{
    size_t cap = 256, n = 0;
    char *out = malloc(cap);
    while (out && *s) {
        const char *piece = s;
        size_t plen = 1, reps = 1;
        char ch;
        if (s[0] == '\\' && s[1]) {
            switch (s[1]) {
            case 'n': ch = '\n'; break;
            case 'r': ch = '\r'; break;
            case 't': ch = '\t'; break;
            case 'x': {
                unsigned v = 0;
                sscanf(s + 2, "%2x", &v);
                ch = (char)v;
                s += 2;
                break;
            }
            case '\\': case '"': ch = s[1]; break;
            default: ch = '\\'; s--; break; /* not an escape: kept (JSON's \u) */
            }
            s += 2;
            piece = &ch;
        } else if (s[0] == '<' && s[1] == '<' && isdigit((unsigned char)s[2]) && strstr(s, ">>")) {
            char *star;
            reps = strtoul(s + 2, &star, 10);
            const char *end = strstr(s, ">>");
            if (*star != '*' || star > end) {
                s++;
            } else {
                piece = star + 1;
                plen = (size_t)(end - piece);
                s = end + 2;
            }
        } else {
            s++;
        }
        if (plen && reps > MAX_BODY / plen) {
            free(out);
            return NULL;
        }
        size_t need = n + plen * reps + 1;
        if (need > cap) {
            while (cap < need)
                cap *= 2;
            char *no = realloc(out, cap);
            if (!no) {
                free(out);
                return NULL;
            }
            out = no;
        }
        for (size_t r = 0; r < reps; r++, n += plen)
            memcpy(out + n, piece, plen);
    }
    if (out)
        out[n] = '\0';
    *len_out = n;
    return out;
}

/* Reads one whitespace-separated word from *p. */
static bool word(char **p, char *out, size_t cap)
{
    char *s = *p;
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = 0;
    while (*s && *s != ' ' && *s != '\t' && n + 1 < cap)
        out[n++] = *s++;
    out[n] = '\0';
    *p = s;
    return n > 0;
}

/* Reads a "quoted" field (backslash escapes kept for expand()). */
static bool quoted(char **p, char *out, size_t cap)
{
    char *s = *p;
    while (*s == ' ' || *s == '\t')
        s++;
    if (*s++ != '"')
        return false;
    size_t n = 0;
    while (*s && *s != '"' && n + 2 < cap) {
        if (*s == '\\' && s[1])
            out[n++] = *s++;
        out[n++] = *s++;
    }
    if (*s != '"')
        return false;
    out[n] = '\0';
    *p = s + 1;
    return true;
}

/* ---------------------------------------------------------- checking */

static void report(bool ok, int lineno, const char *what, const char *fmt, ...)
{
    n_run++;
    if (!ok)
        n_failed++;
    printf("%s %d line %d: %s", ok ? "ok" : "not ok", n_run, lineno, what);
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        printf(" -- ");
        vprintf(fmt, ap);
        va_end(ap);
    }
    printf("\n");
    fflush(stdout);
}

/* The answer must be the expected status and, for errors, a JSON object
 * {"error": "<single-line message containing frag>"}; for 2xx the raw
 * body must contain frag. */
static bool check_answer(int status, const char *body, const char *ctype, int want,
                         const char *frag, char *why, size_t cap)
{
    if (status != want) {
        snprintf(why, cap, "status %d, want %d; body %.300s", status, want, body);
        return false;
    }
    if (status < 300) {
        if (strstr(body, frag))
            return snprintf(why, cap, "%.120s", body), true;
        snprintf(why, cap, "body lacks '%s': %.300s", frag, body);
        return false;
    }
    json_error_t je;
    json_t *j = json_loads(body, 0, &je);
    const char *msg = json_string_value(json_object_get(j, "error"));
    bool ok = false;
    if (!msg)
        snprintf(why, cap, "error body is not {\"error\": \"...\"}: %.300s", body);
    else if (!*msg || strchr(msg, '\n'))
        snprintf(why, cap, "error message is empty or not one line: %.300s", body);
    else if (!strstr(msg, frag))
        snprintf(why, cap, "message lacks '%s': %.300s", frag, msg);
    else if (!strstr(ctype, "application/json"))
        snprintf(why, cap, "content type '%s'", ctype);
    else
        ok = true;
    if (ok)
        snprintf(why, cap, "%.200s", msg);
    json_decref(j);
    return ok;
}

static void case_http(int lineno, const char *method, const char *path, int want, const char *frag,
                      const char *body, size_t blen, bool has_body)
{
    struct http_resp r;
    char what[300], why[800];
    snprintf(what, sizeof what, "%s %.200s -> %d", method, path, want);
    double t0 = now_s();
    if (!http_do(dm.port, method, path, has_body ? body : NULL, blen, NULL, &r)) {
        report(false, lineno, what, "no answer (%s)", r.headers);
        return;
    }
    bool ok = check_answer(r.status, r.body, r.content_type, want, frag, why, sizeof why);
    report(ok, lineno, what, "%s [%.0f ms]", why, (now_s() - t0) * 1e3);
    http_resp_free(&r);
}

static int connect_daemon(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)dm.port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        fd = -1;
    }
    return fd;
}

/* Reads until the server closes or timeout_s passes. Returns bytes read,
 * -1 on timeout. */
static long read_until_close(int fd, char *buf, size_t cap, double timeout_s)
{
    size_t n = 0;
    double end = now_s() + timeout_s;
    for (;;) {
        int left = (int)((end - now_s()) * 1000);
        if (left <= 0)
            return -1;
        struct pollfd p = {fd, POLLIN, 0};
        int pr = poll(&p, 1, left);
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr <= 0)
            return -1;
        ssize_t got = recv(fd, buf + n, cap - 1 - n, 0);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0 || n + (size_t)got >= cap - 1) {
            if (got > 0)
                n += (size_t)got;
            buf[n] = '\0';
            return (long)n;
        }
        n += (size_t)got;
    }
}

/* Splits a raw HTTP answer; status 0 when there is none. */
static int parse_raw(char *buf, const char **body, char *ctype, size_t ccap)
{
    int status = 0;
    *body = "";
    ctype[0] = '\0';
    char *sep = strstr(buf, "\r\n\r\n");
    if (!sep || sscanf(buf, "HTTP/1.%*d %d", &status) != 1)
        return 0;
    *sep = '\0';
    char *ct = strcasestr(buf, "\r\nContent-Type: ");
    if (ct)
        snprintf(ctype, ccap, "%.*s", (int)strcspn(ct + 16, "\r"), ct + 16);
    *body = sep + 4;
    return status;
}

/* RAW <status> "frag" <bytes>: bytes as they are; status 0 = the server
 * may close without an answer; html = libmicrohttpd answers itself. */
static void case_raw(int lineno, int want, bool html, const char *frag, const char *bytes,
                     size_t blen)
{
    char what[200], why[800];
    snprintf(what, sizeof what, "RAW %.60s -> %d", bytes, want);
    for (char *c = what; *c; c++)
        if ((unsigned char)*c < 32 || (unsigned char)*c > 126)
            *c = '.';
    int fd = connect_daemon();
    if (fd < 0) {
        report(false, lineno, what, "connect: %s", strerror(errno));
        return;
    }
    (void)!send(fd, bytes, blen, MSG_NOSIGNAL);
    static char buf[1 << 16];
    long n = read_until_close(fd, buf, sizeof buf, 20);
    close(fd);
    if (n < 0) {
        report(false, lineno, what, "no answer and not closed within 20 s");
        return;
    }
    const char *body;
    char ctype[128];
    int status = parse_raw(buf, &body, ctype, sizeof ctype);
    if (want == 0 && status == 0) {
        report(true, lineno, what, "closed without an answer");
        return;
    }
    if (html) { /* libmicrohttpd's own answer to broken framing */
        report(status == want, lineno, what, "status %d", status);
        return;
    }
    bool ok = check_answer(status, body, ctype, want, frag, why, sizeof why);
    report(ok, lineno, what, "%s", why);
}

/* SLOW <mode> <status|closed> "frag": a client that trickles one byte
 * every 200 ms (mode headers or body) or sends nothing (idle). The server
 * must close the connection (answering or not) within 20 s; with
 * --rest_api_timeout_in_ms=2000 it should take a few seconds. */
static void case_slow(int lineno, const char *mode, const char *expect, const char *frag)
{
    char what[200], why[800];
    snprintf(what, sizeof what, "SLOW %s -> %s", mode, expect);
    int fd = connect_daemon();
    if (fd < 0) {
        report(false, lineno, what, "connect: %s", strerror(errno));
        return;
    }
    char head[256];
    const char *trickle;
    if (!strcmp(mode, "headers")) {
        snprintf(head, sizeof head, "POST /v1/models/hpt:predict HTTP/1.1\r\nHost: x\r\n");
        trickle = "X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    } else if (!strcmp(mode, "body")) {
        snprintf(head, sizeof head,
                 "POST /v1/models/hpt:predict HTTP/1.1\r\nHost: x\r\nContent-Length: 400\r\n\r\n");
        trickle = "                                                                                ";
    } else {
        head[0] = '\0';
        trickle = "";
    }
    double t0 = now_s();
    (void)!send(fd, head, strlen(head), MSG_NOSIGNAL);
    static char buf[1 << 16];
    long n = -1;
    size_t i = 0, tl = strlen(trickle);
    while (now_s() - t0 < 20) {
        n = read_until_close(fd, buf, sizeof buf, 0.2);
        if (n >= 0)
            break;
        if (tl && send(fd, trickle + i++ % tl, 1, MSG_NOSIGNAL) != 1) {
            n = read_until_close(fd, buf, sizeof buf, 1);
            if (n < 0)
                n = 0;
            break;
        }
    }
    double took = now_s() - t0;
    close(fd);
    if (n < 0) {
        report(false, lineno, what, "still open after %.1f s", took);
        return;
    }
    const char *body;
    char ctype[128];
    int status = parse_raw(buf, &body, ctype, sizeof ctype);
    if (!strcmp(expect, "closed")) {
        report(status == 0, lineno, what, "closed after %.1f s%s", took,
               status ? " but with an answer" : "");
        return;
    }
    bool ok = check_answer(status, body, ctype, atoi(expect), frag, why, sizeof why);
    report(ok, lineno, what, "after %.1f s: %s", took, why);
}

/* ----------------------------------------------------- version cases */

/* Applies one mutation step inside the staging directory dir. */
static bool apply_step(const char *dir, char *step)
{
    char *arg = strchr(step, '=');
    if (arg)
        *arg++ = '\0';
    char path[4096];
    if (!strcmp(step, "good"))
        return run("cp -r '%s/examples/half_plus_two/1/.' '%s/'", srcdir, dir) == 0;
    if (!arg)
        return false;
    if (!strcmp(step, "pbtxt")) {
        snprintf(path, sizeof path, "%s/tests/reliability/models/%s", srcdir, arg);
        return run("cp '%s' '%s/saved_model.pbtxt'", path, dir) == 0;
    }
    char *val = strchr(arg, ':');
    if (val)
        *val++ = '\0';
    snprintf(path, sizeof path, "%s/%s", dir, arg);
    if (!strcmp(step, "rm"))
        return run("rm -rf '%s'", path) == 0;
    if (!strcmp(step, "mkdir"))
        return run("mkdir -p '%s'", path) == 0;
    if (!val)
        return false;
    if (!strcmp(step, "write")) {
        size_t len;
        char *text = expand(val, &len);
        bool ok = text && write_file(path, text, len);
        free(text);
        return ok;
    }
    if (!strcmp(step, "symlink"))
        return symlink(val, path) == 0;
    struct stat sb;
    if (stat(path, &sb) != 0)
        return false;
    long long at = !strcmp(val, "half") ? sb.st_size / 2 : atoll(val);
    if (at < 0)
        at += sb.st_size;
    if (!strcmp(step, "truncate"))
        return truncate(path, (off_t)at) == 0;
    if (!strcmp(step, "flip")) {
        if (at < 0 || at >= sb.st_size)
            return false;
        int fd = open(path, O_RDWR);
        unsigned char b;
        bool ok = fd >= 0 && pread(fd, &b, 1, at) == 1;
        b ^= 0x5a;
        ok = ok && pwrite(fd, &b, 1, at) == 1;
        if (fd >= 0)
            close(fd);
        return ok;
    }
    return false;
}

/* state and error message of model mut's version v ("NONE" when absent). */
static void version_state(int v, char *state, size_t scap, char *err, size_t ecap)
{
    char path[128];
    snprintf(path, sizeof path, "/v1/models/mut/versions/%d", v);
    struct http_resp r;
    snprintf(state, scap, "NONE");
    err[0] = '\0';
    if (!http_do(dm.port, "GET", path, NULL, 0, NULL, &r))
        return;
    json_t *j = r.status == 200 ? json_loads(r.body, 0, NULL) : NULL;
    json_t *s = json_array_get(json_object_get(j, "model_version_status"), 0);
    if (s) {
        snprintf(state, scap, "%s", json_string_value(json_object_get(s, "state")));
        const char *m = json_string_value(
            json_object_get(json_object_get(s, "status"), "error_message"));
        snprintf(err, ecap, "%s", m ? m : "");
    }
    json_decref(j);
    http_resp_free(&r);
}

static int good_version = 1; /* the version of mut that must keep serving */

/* The model keeps answering from its good version. */
static bool mut_serves(char *why, size_t cap)
{
    struct http_resp r;
    const char *body = "{\"instances\":[[2.0]]}";
    if (!http_do(dm.port, "POST", "/v1/models/mut:predict", body, strlen(body), NULL, &r)) {
        snprintf(why, cap, "no answer from mut:predict");
        return false;
    }
    bool ok = r.status == 200 && strstr(r.body, "3.0");
    if (!ok)
        snprintf(why, cap, "mut:predict answered %d %.200s", r.status, r.body);
    http_resp_free(&r);
    return ok;
}

/* VERSION <step+step...> <AVAILABLE|END|NONE> "frag": builds a new version
 * of model mut off to the side, renames it into place and waits for the
 * manager to settle on it. A bad version never replaces the good one. */
static void case_version(int lineno, const char *steps, const char *want, const char *frag)
{
    char what[300], why[1200], stage[256], dest[256];
    int v = next_version++;
    snprintf(what, sizeof what, "VERSION %d %.200s -> %s", v, steps, want);
    snprintf(stage, sizeof stage, "%s/stage-%d", tmpdir, v);
    snprintf(dest, sizeof dest, "%s/models/mut/%d", tmpdir, v);
    mkdir(stage, 0755);
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", steps);
    for (char *save, *s = strtok_r(buf, "+", &save); s; s = strtok_r(NULL, "+", &save))
        if (!apply_step(stage, s)) {
            report(false, lineno, what, "mutation step '%s' failed", s);
            return;
        }
    if (rename(stage, dest) != 0) {
        report(false, lineno, what, "rename: %s", strerror(errno));
        return;
    }
    char state[32], err[1024];
    double t0 = now_s();
    if (!strcmp(want, "NONE")) {
        sleep_ms(1500); /* several poll periods of 0.2 s */
        version_state(v, state, sizeof state, err, sizeof err);
    } else {
        do {
            sleep_ms(100);
            version_state(v, state, sizeof state, err, sizeof err);
        } while ((!strcmp(state, "NONE") || !strcmp(state, "START") || !strcmp(state, "LOADING")) &&
                 now_s() - t0 < 30);
    }
    bool ok = !strcmp(state, want);
    if (!ok)
        snprintf(why, sizeof why, "state %s (%s)", state, err);
    else if (frag[0] && !strstr(err, frag)) {
        ok = false;
        snprintf(why, sizeof why, "error message lacks '%s': %s", frag, err);
    } else if (!strcmp(want, "AVAILABLE")) {
        good_version = v;
        snprintf(why, sizeof why, "loaded in %.1f s", now_s() - t0);
    } else {
        snprintf(why, sizeof why, "%s", err[0] ? err : "not loaded");
    }
    if (ok && !strcmp(want, "AVAILABLE")) {
        /* the previous good version is retired once this one serves */
        sleep_ms(500);
    }
    if (ok && !mut_serves(why, sizeof why))
        ok = false;
    report(ok, lineno, what, "%s", why);
}

/* ------------------------------------------------------------- driver */

static bool setup_models(void)
{
    const char *hp = "examples/half_plus_two/1";
    if (run("mkdir -p '%s/models/hpt' '%s/models/mut' '%s/models/fill/1'", tmpdir, tmpdir,
            tmpdir) ||
        run("cp -r '%s/%s' '%s/models/hpt/1' && cp -r '%s/%s' '%s/models/hpt/2'", srcdir, hp,
            tmpdir, srcdir, hp, tmpdir) ||
        run("cp -r '%s/%s' '%s/models/mut/1'", srcdir, hp, tmpdir) ||
        run("cp '%s/tests/reliability/models/fill.pbtxt' '%s/models/fill/1/saved_model.pbtxt'",
            srcdir, tmpdir) ||
        run("mkdir -p '%s/models/bigfill/1' && cp '%s/tests/reliability/models/fill_const.pbtxt' "
            "'%s/models/bigfill/1/saved_model.pbtxt'",
            tmpdir, srcdir, tmpdir))
        return false;
    char cfg[8192], path[256];
    snprintf(cfg, sizeof cfg,
             "model_config_list {\n"
             "  config { name: \"hpt\" base_path: \"%s/models/hpt\" model_platform: \"tensorflow\"\n"
             "    model_version_policy { all { } }\n"
             "    version_labels { key: \"stable\" value: 1 }\n"
             "    version_labels { key: \"canary\" value: 2 } }\n"
             "  config { name: \"mut\" base_path: \"%s/models/mut\" model_platform: \"tensorflow\" }\n"
             "  config { name: \"fill\" base_path: \"%s/models/fill\" model_platform: \"tensorflow\" }\n"
             "  config { name: \"bigfill\" base_path: \"%s/models/bigfill\" "
             "model_platform: \"tensorflow\" }\n"
             "}\n",
             tmpdir, tmpdir, tmpdir, tmpdir);
    snprintf(path, sizeof path, "%s/models.config", tmpdir);
    return write_file(path, cfg, strlen(cfg));
}

/* Runs every case of the catalogue; version and slow cases only when
 * `all` (they change state or take seconds). */
static void run_catalogue(const char *text, bool all)
{
    char *copy = strdup(text);
    int lineno = 0;
    for (char *save, *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        /* strtok_r skips empty lines: count them from the text */
        lineno = 1;
        for (const char *c = copy; c < line; c++)
            if (*c == '\0' || *c == '\n')
                lineno++;
        while (*line == ' ')
            line++;
        if (!*line || *line == '#')
            continue;
        char *p = line, kind[16], a[256], frag[1024];
        if (!word(&p, kind, sizeof kind)) {
            report(false, lineno, "parse", "no kind");
            continue;
        }
        size_t flen;
        if (!strcmp(kind, "VERSION") || !strcmp(kind, "SLOW")) {
            char b[32], q[1024];
            if (!word(&p, a, sizeof a) || !word(&p, b, sizeof b) || !quoted(&p, q, sizeof q)) {
                report(false, lineno, "parse", "bad %s line", kind);
                continue;
            }
            if (!all)
                continue;
            char *f = expand(q, &flen);
            if (kind[0] == 'V')
                case_version(lineno, a, b, f ? f : "");
            else
                case_slow(lineno, a, b, f ? f : "");
            free(f);
        } else {
            bool raw = !strcmp(kind, "RAW");
            char path[2048] = "", st[16];
            if ((!raw && !word(&p, path, sizeof path)) || !word(&p, st, sizeof st) ||
                !quoted(&p, frag, sizeof frag)) {
                report(false, lineno, "parse", "want KIND [PATH] STATUS \"FRAGMENT\" [BODY]");
                continue;
            }
            while (*p == ' ' || *p == '\t')
                p++;
            size_t blen = 0;
            char *f = expand(frag, &flen), *body = expand(p, &blen), *xpath = expand(path, &flen);
            if (!f || !body || !xpath)
                report(false, lineno, "parse", "cannot expand the body");
            else if (raw)
                case_raw(lineno, atoi(st), st[0] && st[strlen(st) - 1] == 'h', f, body, blen);
            else
                case_http(lineno, kind, xpath, atoi(st), f, body, blen, *p != '\0');
            free(f);
            free(body);
            free(xpath);
        }
        if (!daemon_alive()) {
            report(false, lineno, "daemon alive", "modeld died after this case");
            break;
        }
    }
    free(copy);
}

static bool wait_available(const char *model)
{
    char path[128];
    snprintf(path, sizeof path, "/v1/models/%s", model);
    for (int i = 0; i < 300; i++) {
        struct http_resp r;
        if (http_do(dm.port, "GET", path, NULL, 0, NULL, &r)) {
            bool ok = r.status == 200 && strstr(r.body, "AVAILABLE");
            http_resp_free(&r);
            if (ok)
                return true;
        }
        sleep_ms(100);
    }
    return false;
}

int main(int argc, char **argv)
{
    const char *s = getenv("MD_SRCDIR");
    snprintf(srcdir, sizeof srcdir, "%s", s && *s ? s : ".");
    char cat[4096];
    snprintf(cat, sizeof cat, "%s/tests/reliability/catalogue.txt", srcdir);
    const char *catalogue = argc > 1 ? argv[1] : cat;
    int passes = argc > 2 ? atoi(argv[2]) : 3;
    char *text = read_file(catalogue, NULL);
    if (!text) {
        fprintf(stderr, "cannot read %s (set MD_SRCDIR to the source tree)\n", catalogue);
        return 77;
    }
    char probe[2200];
    struct stat sb;
    snprintf(probe, sizeof probe, "%s/examples/half_plus_two/1/saved_model.pb", srcdir);
    if (stat(probe, &sb) != 0) {
        fprintf(stderr, "no %s: set MD_SRCDIR to the source tree\n", probe);
        free(text);
        return 77;
    }
    snprintf(tmpdir, sizeof tmpdir, "/tmp/md_rel_XXXXXX");
    if (!mkdtemp(tmpdir) || !setup_models()) {
        fprintf(stderr, "cannot set up the model directories\n");
        return 1;
    }
    char cfgarg[256];
    snprintf(cfgarg, sizeof cfgarg, "--model_config_file=%s/models.config", tmpdir);
    const char *args[] = {cfgarg,
                          "--file_system_poll_wait_seconds=0.2",
                          "--max_num_load_retries=0",
                          "--max_request_bytes=4M",
                          "--per_request_memory_limit=2M",
                          "--rest_api_timeout_in_ms=2000",
                          "--rest_api_num_threads=4",
                          NULL};
    /* The 4 TB constant of models/bigconst.pbtxt: malloc returns NULL in
     * a plain build; ASan's allocator would abort instead unless told to
     * behave like malloc. */
    const char *asan = getenv("ASAN_OPTIONS");
    char asan_opts[1024];
    snprintf(asan_opts, sizeof asan_opts, "%s%sallocator_may_return_null=1", asan ? asan : "",
             asan && *asan ? ":" : "");
    setenv("ASAN_OPTIONS", asan_opts, 1);
    if (!daemon_start(&dm, args)) {
        run("rm -rf '%s'", tmpdir);
        return 1;
    }
    int rc = 1;
    if (!wait_available("hpt") || !wait_available("mut") || !wait_available("fill") ||
        !wait_available("bigfill")) {
        fprintf(stderr, "the catalogue's models did not become AVAILABLE\n");
        goto out;
    }
    /* One good request per model before measuring: lazily built state
     * (thread contexts, arenas) is not a leak. */
    for (int i = 0; i < 8; i++) {
        struct http_resp r;
        if (http_do(dm.port, "POST", "/v1/models/hpt:predict", "{\"instances\":[[1.0]]}", 21, NULL, &r))
            http_resp_free(&r);
    }
    /* RSS before the run is taken after the first (warm-up) pass: it
     * loads and unloads model versions, creates every pool thread's
     * context and touches code and data pages once; none of that is a
     * leak. The remaining passes replay every request case, the near-limit
     * ones included, and RSS after them must be within 10% of before. */
    long rss_cold = rss_kib(dm.pid);
    double t0 = now_s();
    run_catalogue(text, true);
    long rss0 = rss_settled_kib(dm.pid);
    printf("# RSS before the warm-up pass %ld KiB, after it %ld KiB\n", rss_cold, rss0);
    for (int i = 1; i < passes && daemon_alive(); i++) {
        run_catalogue(text, false);
        printf("# RSS after pass %d: %ld KiB\n", i + 1, rss_kib(dm.pid));
    }
    long rss2 = rss_settled_kib(dm.pid);
    /* A burst of SIGHUPs (config re-reads) must not kill the daemon: one
     * delivered to a library's thread used to take the default action. */
    for (int i = 0; i < 200 && daemon_alive(); i++)
        kill(dm.pid, SIGHUP);
    sleep_ms(1000);
    report(daemon_alive(), 0, "200 x SIGHUP", "daemon %s", daemon_alive() ? "alive" : "killed");
    bool alive = daemon_alive();
    printf("# %d checks, %d failed, %d passes in %.1f s\n", n_run, n_failed, passes, now_s() - t0);
    printf("# RSS (median of 9 samples) after the warm-up pass %ld KiB, after %d more passes %ld "
           "KiB (%+.1f%%; %+.1f%% vs before the warm-up pass)\n",
           rss0, passes - 1, rss2, 100.0 * (double)(rss2 - rss0) / (double)rss0,
           100.0 * (double)(rss2 - rss_cold) / (double)rss_cold);
    bool rss_ok = rss2 <= rss0 + rss0 / 10;
    bool rss_checked = passes > 1;
#if defined(__SANITIZE_ADDRESS__)
    rss_checked = false; /* ASan holds freed memory in its quarantine: RSS means nothing */
#endif
    if (getenv("MD_TEST_DAEMON_WRAPPER"))
        rss_checked = false; /* valgrind: likewise, and it checks leaks itself */
    if (!rss_checked)
        printf("# RSS not checked (sanitizers, valgrind or a single pass)\n");
    else if (!rss_ok)
        printf("not ok: RSS after the run is more than 10%% above RSS before\n");
    else
        printf("ok: RSS after the run is within 10%% of before\n");
    if (!rss_checked)
        rss_ok = true;
    if (!alive)
        printf("not ok: modeld is not running any more\n");
    char log[16384];
    daemon_log(&dm, log, sizeof log);
    int stop = daemon_stop(&dm);
    if (stop != 0)
        printf("not ok: modeld exited with %d on SIGTERM; log tail:\n%s\n", stop,
               strlen(log) > 4000 ? log + strlen(log) - 4000 : log);
    rc = (n_failed == 0 && rss_ok && alive && stop == 0) ? 0 : 1;
out:
    if (dm.pid > 0)
        daemon_stop(&dm);
    run("rm -rf '%s'", tmpdir);
    free(text);
    return rc;
}
