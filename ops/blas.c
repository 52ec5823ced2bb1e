/* blas.c: the only file that includes <cblas.h>. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <cblas.h>

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
