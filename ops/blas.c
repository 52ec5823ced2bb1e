/* blas.c: the only file that includes <cblas.h>. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <cblas.h>

#include "base/log.h"
#include "ops/blas.h"

/* OpenBLAS's cblas.h declares its extensions (openblas_set_num_threads, ...)
 * and defines OPENBLAS_VERSION via openblas_config.h; a reference BLAS has
 * neither and needs no thread setting. */
#if defined(OPENBLAS_VERSION)
#define HAVE_OPENBLAS 1
#endif

static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static void init_blas(void)
{
#ifdef HAVE_OPENBLAS
    openblas_set_num_threads(1);
#endif
}

void md_blas_init(void)
{
    pthread_once(&init_once, init_blas);
}

static void fill(float *c, int64_t m, int64_t n, int64_t ldc, float beta)
{
    for (int64_t i = 0; i < m; i++) {
        float *row = c + i * ldc;
        if (beta == 0.0f)
            memset(row, 0, (size_t)n * sizeof *row);
        else
            for (int64_t j = 0; j < n; j++)
                row[j] *= beta;
    }
}

static void fill_d(double *c, int64_t m, int64_t n, int64_t ldc, double beta)
{
    for (int64_t i = 0; i < m; i++) {
        double *row = c + i * ldc;
        if (beta == 0.0)
            memset(row, 0, (size_t)n * sizeof *row);
        else
            for (int64_t j = 0; j < n; j++)
                row[j] *= beta;
    }
}

/* BLAS insists on leading dimensions >= 1 even for degenerate matrices. */
static int ld(int64_t v) { return v < 1 ? 1 : (int)v; }

/* A product with one output row or column is a matrix-vector product, and
 * OpenBLAS 0.3.21 does not notice: it runs M=1 / N=1 GEMMs through its full
 * GEMM, which packs the whole other matrix on every call (all 12.8 MB of a
 * 3136x1024 dense layer at batch 1). GEMV streams the matrix once.
 * C is zeroed first when beta == 0 (it may be uninitialised arena memory,
 * and GEMV's beta == 0 scaling is not guaranteed to discard NaNs), then the
 * product is added with beta 1, which GEMV skips. */
#define GEMV_PATH(T, gemv, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, ta, tb)              \
    do {                                                                                      \
        if ((m) == 1) {                                                                       \
            /* c[0, :] = a-row . op(B); the a-row's stride is lda when A is transposed */       \
            if ((beta) == 0) {                                                                \
                memset((c), 0, (size_t)(n) * sizeof(T));                                      \
                (beta) = 1;                                                                   \
            }                                                                                 \
            int inca_ = (ta) ? ld(lda) : 1;                                                   \
            if (tb) /* B stored [n x k] */                                                    \
                gemv(CblasRowMajor, CblasNoTrans, (int)(n), (int)(k), (alpha), (b), ld(ldb),  \
                     (a), inca_, (beta), (c), 1);                                             \
            else /* B stored [k x n] */                                                       \
                gemv(CblasRowMajor, CblasTrans, (int)(k), (int)(n), (alpha), (b), ld(ldb),    \
                     (a), inca_, (beta), (c), 1);                                             \
            return;                                                                           \
        }                                                                                     \
        if ((n) == 1) {                                                                       \
            /* c[:, 0] = op(A) . b-column; the column's stride is ldb unless B is transposed */ \
            if ((beta) == 0) {                                                                \
                for (int64_t i_ = 0; i_ < (m); i_++)                                          \
                    (c)[i_ * (ldc)] = 0;                                                      \
                (beta) = 1;                                                                   \
            }                                                                                 \
            int incb_ = (tb) ? 1 : ld(ldb);                                                   \
            if (ta) /* A stored [k x m] */                                                    \
                gemv(CblasRowMajor, CblasTrans, (int)(k), (int)(m), (alpha), (a), ld(lda),    \
                     (b), incb_, (beta), (c), ld(ldc));                                       \
            else /* A stored [m x k] */                                                       \
                gemv(CblasRowMajor, CblasNoTrans, (int)(m), (int)(k), (alpha), (a), ld(lda),  \
                     (b), incb_, (beta), (c), ld(ldc));                                       \
            return;                                                                           \
        }                                                                                     \
    } while (0)

void md_blas_sgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                   const float *a, int64_t lda, const float *b, int64_t ldb, float beta, float *c,
                   int64_t ldc)
{
    if (m <= 0 || n <= 0)
        return;
    if (k <= 0) {
        /* beta == 0 must overwrite (C may be uninitialised arena memory). */
        fill(c, m, n, ldc, beta);
        return;
    }
    md_blas_init();
    GEMV_PATH(float, cblas_sgemv, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, trans_a, trans_b);
    cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
                trans_b ? CblasTrans : CblasNoTrans, (int)m, (int)n, (int)k, alpha, a, ld(lda), b,
                ld(ldb), beta, c, ld(ldc));
}

void md_blas_dgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, double alpha,
                   const double *a, int64_t lda, const double *b, int64_t ldb, double beta,
                   double *c, int64_t ldc)
{
    if (m <= 0 || n <= 0)
        return;
    if (k <= 0) {
        fill_d(c, m, n, ldc, beta);
        return;
    }
    md_blas_init();
    GEMV_PATH(double, cblas_dgemv, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, trans_a,
              trans_b);
    cblas_dgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
                trans_b ? CblasTrans : CblasNoTrans, (int)m, (int)n, (int)k, alpha, a, ld(lda), b,
                ld(ldb), beta, c, ld(ldc));
}

const char *md_blas_describe(void)
{
#ifdef HAVE_OPENBLAS
    const char *cfg = openblas_get_config();
    return cfg ? cfg : "OpenBLAS";
#else
    return "reference BLAS";
#endif
}

const char *md_blas_corename(void)
{
#ifdef HAVE_OPENBLAS
    const char *n = openblas_get_corename();
    return n && *n ? n : "unknown";
#else
    return "unknown";
#endif
}

/* Set in the re-executed image: the core type that was asked for. */
#define REEXEC_MARK "MODELD_OPENBLAS_REEXEC"

/* AVX-512 foundation, byte/word, dword/qword and vector-length extensions,
 * with the OS saving the ZMM state (GCC's check includes XGETBV): what
 * OpenBLAS's SkylakeX kernels need. */
#ifdef HAVE_OPENBLAS
static bool cpu_has_avx512(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
#else
    return false;
#endif
}
#endif

/* OpenBLAS 0.3.21's x86 cores with AVX-512 kernels. */
static bool core_has_avx512(const char *core)
{
    static const char *const names[] = { "SkylakeX", "Cooperlake", "SapphireRapids" };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcasecmp(core, names[i]))
            return true;
    return false;
}

#define MAX_CORENAME 32

const char *md_blas_coretype_choice(const char *core, bool cpu_avx512, bool dynamic_arch,
                                    const char *openblas_env, const char *modeld_env)
{
    /* The user's OPENBLAS_CORETYPE wins; the variable means something only
     * to a DYNAMIC_ARCH build. */
    if (!dynamic_arch || (openblas_env && *openblas_env))
        return NULL;
    if (modeld_env && *modeld_env) {
        if (!strcasecmp(modeld_env, "keep") || strlen(modeld_env) >= MAX_CORENAME ||
            !strcasecmp(modeld_env, core))
            return NULL;
        return modeld_env;
    }
    return cpu_avx512 && !core_has_avx512(core) ? "SkylakeX" : NULL;
}

void md_blas_select_coretype(char **argv, bool log)
{
#ifdef HAVE_OPENBLAS
    const char *core = md_blas_corename();
    const char *mark = getenv(REEXEC_MARK);
    const char *pref = getenv("MODELD_OPENBLAS_CORETYPE");
    const char *user = getenv("OPENBLAS_CORETYPE");
    if (mark) {
        /* Second image: report, and let our own children start afresh. */
        char want[MAX_CORENAME];
        snprintf(want, sizeof want, "%s", mark);
        unsetenv(REEXEC_MARK);
        if (strcasecmp(core, want))
            md_log_warn("OpenBLAS: asked for core type %s, the library chose %s", want, core);
        else if (log && pref)
            md_log_info("OpenBLAS: core type %s (MODELD_OPENBLAS_CORETYPE)", core);
        else if (log)
            md_log_info("OpenBLAS: core type %s, chosen by modeld (this CPU has AVX-512 "
                        "but" OPENBLAS_VERSION "does not know it; MODELD_OPENBLAS_CORETYPE=keep "
                        "opts out)",
                        core);
        return;
    }
    const char *cfg = openblas_get_config();
    const char *want = md_blas_coretype_choice(core, cpu_has_avx512(),
                                               cfg && strstr(cfg, "DYNAMIC_ARCH"), user, pref);
    if (!want || !argv || !argv[0]) {
        if (log)
            md_log_info("OpenBLAS: core type %s%s%s%s", core,
                        user && *user ? " (OPENBLAS_CORETYPE=" : "",
                        user && *user ? user : "", user && *user ? ")" : "");
        return;
    }
    if (setenv("OPENBLAS_CORETYPE", want, 1) || setenv(REEXEC_MARK, want, 1)) {
        md_log_warn("OpenBLAS: cannot set OPENBLAS_CORETYPE (%s); keeping core type %s",
                    strerror(errno), core);
        unsetenv("OPENBLAS_CORETYPE");
        unsetenv(REEXEC_MARK);
        return;
    }
    fflush(NULL);
    execv("/proc/self/exe", argv);
    int err = errno;
    unsetenv("OPENBLAS_CORETYPE");
    unsetenv(REEXEC_MARK);
    md_log_warn("OpenBLAS: could not re-execute with OPENBLAS_CORETYPE=%s (%s); keeping core "
                "type %s",
                want, strerror(err), core);
#else
    (void)argv;
    if (log)
        md_log_info("BLAS: %s", md_blas_describe());
#endif
}
