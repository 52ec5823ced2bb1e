/* bundle_load.c: how long does loading a ~100 MB variables bundle take, and
 * how much memory does it cost?
 *
 *   bench/bundle_load [MB]         (default 100)
 *
 * Writes a bundle shaped like a real model (a few big matrices, many small
 * biases and scalars) into a temporary directory with md_bundle_writer, then
 * measures md_bundle_open + md_bundle_read of every tensor (crc32c checked)
 * in fresh child processes, so each peak RSS (getrusage ru_maxrss) covers
 * only that load:
 *   view    - zero-copy: tensors are views of the read-only mapping
 *   copy    - every view is deep-copied into owned memory and kept (what a
 *             loader that must own its weights would do)
 *   packed  - the bundle is written without alignment padding, so most
 *             tensors are misaligned and md_bundle_read copies them itself
 * File pages come from the page cache (warm: the bundle was just written).
 * RssFile/RssAnon come from /proc/self/status at the end of each load.
 * It also prints crc32c throughput of the hardware and table paths.
 */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "loader/bundle_impl.h"
#include "loader/loader.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static long status_kb(const char *field)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long v = -1;
    size_t n = strlen(field);
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, field, n) && line[n] == ':')
            v = strtol(line + n + 1, NULL, 10);
    if (f)
        fclose(f);
    return v;
}

static bool add_random(struct md_bundle_writer *w, const char *key, enum md_dtype dt, int rank,
                       const int64_t *dims, uint32_t seed, struct md_status *st)
{
    struct md_tensor t = MD_TENSOR_INIT;
    if (!md_tensor_alloc(&t, dt, rank, dims, 0, st))
        return false;
    int64_t n = md_tensor_num_elements(&t);
    for (int64_t i = 0; i < n; i++) {
        seed = seed * 1664525u + 1013904223u;
        if (dt == MD_DT_FLOAT)
            ((float *)t.data)[i] = (float)(seed >> 8) * (1.0f / 16777216.0f) - 0.5f;
        else
            ((uint8_t *)t.data)[i] = (uint8_t)(seed >> 24);
    }
    bool ok = md_bundle_writer_add(w, key, &t, st);
    md_tensor_cleanup(&t);
    return ok;
}

/* ~mb MB of variables: per layer a float 1024 x 1024 kernel (4 MiB), its
 * bias and a 3-byte uint8 tensor (which misaligns what follows when the
 * bundle is written without padding). */
static bool write_bundle(const char *prefix, int mb, size_t alignment, struct md_status *st)
{
    struct md_bundle_writer *w = md_bundle_writer_new(prefix, st);
    if (!w)
        return false;
    md_bundle_writer_set_alignment(w, alignment);
    bool ok = true;
    int layers = mb / 4 > 0 ? mb / 4 : 1;
    for (int l = 0; ok && l < layers; l++) {
        char k[64];
        const int64_t kd[2] = { 1024, 1024 }, bd[1] = { 1024 }, sd[1] = { 3 };
        snprintf(k, sizeof k, "model/dense_%03d/bias", l);
        ok = add_random(w, k, MD_DT_FLOAT, 1, bd, (uint32_t)l, st);
        snprintf(k, sizeof k, "model/dense_%03d/kernel", l);
        ok = ok && add_random(w, k, MD_DT_FLOAT, 2, kd, (uint32_t)l + 1000, st);
        snprintf(k, sizeof k, "model/dense_%03d/flags", l);
        ok = ok && add_random(w, k, MD_DT_UINT8, 1, sd, (uint32_t)l + 2000, st);
    }
    ok = ok && md_bundle_writer_finish(w, st);
    md_bundle_writer_free(w);
    return ok;
}

/* Runs in a fresh process: one load, one line of figures. */
static int measure(const char *prefix, const char *mode)
{
    struct md_status st = MD_STATUS_INIT;
    bool copy = !strcmp(mode, "copy");
    double t0 = now();
    struct md_bundle *b = md_bundle_open(prefix, &st);
    if (!b) {
        fprintf(stderr, "open: %s\n", st.msg);
        return 1;
    }
    double t1 = now();
    size_t n = md_bundle_count(b), views = 0, bytes = 0;
    struct md_tensor *keep = calloc(n, sizeof *keep);
    for (size_t i = 0; i < n; i++) {
        struct md_tensor t = MD_TENSOR_INIT;
        if (!md_bundle_read(b, md_bundle_entry_at(b, i)->key, &t, &st)) {
            fprintf(stderr, "read: %s\n", st.msg);
            return 1;
        }
        bytes += md_tensor_nbytes(&t);
        if (t.buf && t.buf->size == md_bundle_mapped_bytes(b))
            views++;
        if (copy) {
            if (!md_tensor_copy(&keep[i], &t, &st)) {
                fprintf(stderr, "copy: %s\n", st.msg);
                return 1;
            }
            md_tensor_cleanup(&t);
        } else {
            keep[i] = t;
        }
    }
    double t2 = now();
    long rss_file = status_kb("RssFile"), rss_anon = status_kb("RssAnon");
    for (size_t i = 0; i < n; i++)
        md_tensor_cleanup(&keep[i]);
    free(keep);
    md_bundle_free(b);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("%-7s %8.1f %9.1f %9.1f %7zu/%-5zu %10.1f %10ld %10ld %10.0f\n", mode,
           (t1 - t0) * 1e3, (t2 - t1) * 1e3, (t2 - t0) * 1e3, views, n,
           (double)ru.ru_maxrss / 1024.0, rss_file / 1024, rss_anon / 1024,
           (double)bytes / (1 << 20) / (t2 - t0));
    return 0;
}

static int run_child(const char *self, const char *prefix, const char *mode)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        execl(self, self, "--measure", prefix, mode, (char *)NULL);
        _exit(127);
    }
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) < 0)
        return 1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void crc_speed(void)
{
    size_t n = (size_t)64 << 20;
    unsigned char *buf = malloc(n);
    if (!buf)
        return;
    memset(buf, 0x5a, n);
    double t0 = now();
    volatile uint32_t c = md_crc32c_extend_sw(0, buf, n);
    double t1 = now();
    printf("crc32c table:    %7.0f MB/s\n", (double)n / (1 << 20) / (t1 - t0));
    if (md_crc32c_hw_available()) {
        t0 = now();
        c = md_crc32c_extend_hw(0, buf, n);
        t1 = now();
        printf("crc32c hardware: %7.0f MB/s\n", (double)n / (1 << 20) / (t1 - t0));
    }
    (void)c;
    free(buf);
}

int main(int argc, char **argv)
{
    if (argc == 4 && !strcmp(argv[1], "--measure"))
        return measure(argv[2], argv[3]);
    int mb = argc > 1 ? atoi(argv[1]) : 100;
    if (mb <= 0) {
        fprintf(stderr, "usage: %s [MB]\n", argv[0]);
        return 2;
    }
    const char *tmp = getenv("TMPDIR");
    char dir[4096], aligned[4200], packed[4200];
    snprintf(dir, sizeof dir, "%s/md_bundle_bench_XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(aligned, sizeof aligned, "%s/aligned/variables", dir);
    snprintf(packed, sizeof packed, "%s/packed/variables", dir);
    struct md_status st = MD_STATUS_INIT;
    double t0 = now();
    bool ok = write_bundle(aligned, mb, 64, &st);
    double t1 = now();
    ok = ok && write_bundle(packed, mb, 1, &st);
    if (!ok) {
        fprintf(stderr, "write: %s\n", st.msg);
        nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
        return 1;
    }
    struct md_bundle *b = md_bundle_open(aligned, &st);
    size_t mapped = b ? md_bundle_mapped_bytes(b) : 0, count = b ? md_bundle_count(b) : 0;
    md_bundle_free(b);
    printf("bundle: %zu tensors, %.1f MB of data; writer took %.0f ms (incl. fsync)\n", count,
           (double)mapped / (1 << 20), (t1 - t0) * 1e3);
    crc_speed();
    printf("%-7s %8s %9s %9s %13s %10s %10s %10s %10s\n", "mode", "open_ms", "read_ms",
           "total_ms", "views/n", "maxrss_MB", "file_MB", "anon_MB", "MB/s");
    const char *self = "/proc/self/exe";
    int rc = 0;
    for (int rep = 0; rep < 2; rep++) {
        rc |= run_child(self, aligned, "view");
        rc |= run_child(self, aligned, "copy");
        rc |= run_child(self, packed, "packed");
    }
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return rc;
}
