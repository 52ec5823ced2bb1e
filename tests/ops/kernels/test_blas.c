/* ops/blas.c: the GEMV shortcut for one-row / one-column products (every
 * transpose combination, padded leading dimensions, garbage in C with
 * beta 0, beta != 0) against a naive double-precision product, and the
 * OpenBLAS core-type decision of md_blas_select_coretype. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ops/blas.h"

static void fill(float *p, int64_t n, uint32_t seed)
{
    for (int64_t i = 0; i < n; i++) {
        seed = seed * 1664525u + 1013904223u;
        p[i] = (float)((double)(seed >> 8) / 8388608.0 - 1.0);
    }
}

/* C = alpha * op(A) * op(B) + beta * C with A, B stored with a padding of
 * 3 elements per row; C's rows are padded too and its padding must stay. */
static void check(int64_t m, int64_t n, int64_t k, bool ta, bool tb, float alpha, float beta,
                  bool dbl)
{
    const int64_t pad = 3;
    int64_t ar = ta ? k : m, ac = ta ? m : k, br = tb ? n : k, bc = tb ? k : n;
    int64_t lda = ac + pad, ldb = bc + pad, ldc = n + pad;
    float *a = malloc((size_t)(ar * lda) * sizeof *a), *b = malloc((size_t)(br * ldb) * sizeof *b);
    float *c = malloc((size_t)(m * ldc) * sizeof *c), *c0 = malloc((size_t)(m * ldc) * sizeof *c);
    fill(a, ar * lda, 5);
    fill(b, br * ldb, 9);
    fill(c0, m * ldc, 13);
    if (beta == 0.0f) /* must be overwritten, NaN or not */
        for (int64_t i = 0; i < m; i++)
            for (int64_t j = 0; j < n; j++)
                c0[i * ldc + j] = NAN;
    memcpy(c, c0, (size_t)(m * ldc) * sizeof *c);
    double *ad = NULL, *bd = NULL, *cd = NULL;
    if (dbl) {
        ad = malloc((size_t)(ar * lda) * sizeof *ad);
        bd = malloc((size_t)(br * ldb) * sizeof *bd);
        cd = malloc((size_t)(m * ldc) * sizeof *cd);
        for (int64_t i = 0; i < ar * lda; i++)
            ad[i] = a[i];
        for (int64_t i = 0; i < br * ldb; i++)
            bd[i] = b[i];
        for (int64_t i = 0; i < m * ldc; i++)
            cd[i] = c0[i];
        md_blas_dgemm(ta, tb, m, n, k, alpha, ad, lda, bd, ldb, beta, cd, ldc);
    } else {
        md_blas_sgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }
    for (int64_t i = 0; i < m; i++) {
        for (int64_t j = 0; j < ldc; j++) {
            double got = dbl ? cd[i * ldc + j] : (double)c[i * ldc + j];
            if (j >= n) { /* padding untouched */
                assert_true(got == (double)c0[i * ldc + j]);
                continue;
            }
            double s = 0;
            for (int64_t q = 0; q < k; q++) {
                double x = a[ta ? q * lda + i : i * lda + q];
                double y = b[tb ? j * ldb + q : q * ldb + j];
                s += x * y;
            }
            double want = (double)alpha * s + (beta == 0.0f ? 0.0 : (double)beta * (double)c0[i * ldc + j]);
            if (!(fabs(got - want) <= 1e-4 * (1.0 + fabs(want))))
                fail_msg("m=%lld n=%lld k=%lld ta=%d tb=%d alpha=%g beta=%g %s: C[%lld,%lld] = %g, "
                         "want %g",
                         (long long)m, (long long)n, (long long)k, ta, tb, (double)alpha,
                         (double)beta, dbl ? "double" : "float", (long long)i, (long long)j, got,
                         want);
        }
    }
    free(a);
    free(b);
    free(c);
    free(c0);
    free(ad);
    free(bd);
    free(cd);
}

static void test_gemv_shapes(void **state)
{
    (void)state;
    static const int64_t shapes[][3] = {
        { 1, 37, 53 }, { 1, 1024, 300 }, { 53, 1, 37 }, { 300, 1, 129 }, { 1, 1, 17 },
        { 1, 5, 1 },   { 7, 5, 3 },      { 2, 40, 33 },
    };
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
        for (int t = 0; t < 4; t++)
            for (int d = 0; d < 2; d++) {
                check(shapes[s][0], shapes[s][1], shapes[s][2], t & 1, t & 2, 1.0f, 0.0f, d);
                check(shapes[s][0], shapes[s][1], shapes[s][2], t & 1, t & 2, 0.5f, -2.0f, d);
            }
}

static void test_coretype_choice(void **state)
{
    (void)state;
    /* An AVX-512 CPU the library maps to AVX2 kernels: switch. */
    assert_string_equal(md_blas_coretype_choice("Haswell", true, true, NULL, NULL), "SkylakeX");
    assert_string_equal(md_blas_coretype_choice("Zen", true, true, "", NULL), "SkylakeX");
    /* Already AVX-512 kernels, or no AVX-512: keep. */
    assert_null(md_blas_coretype_choice("Cooperlake", true, true, NULL, NULL));
    assert_null(md_blas_coretype_choice("SkylakeX", true, true, NULL, NULL));
    assert_null(md_blas_coretype_choice("Zen", false, true, NULL, NULL));
    /* The user's OPENBLAS_CORETYPE wins; a static build ignores it anyway. */
    assert_null(md_blas_coretype_choice("Haswell", true, true, "Haswell", NULL));
    assert_null(md_blas_coretype_choice("Haswell", true, false, NULL, NULL));
    /* MODELD_OPENBLAS_CORETYPE: keep opts out, a name is asked for as is. */
    assert_null(md_blas_coretype_choice("Haswell", true, true, NULL, "keep"));
    assert_null(md_blas_coretype_choice("Haswell", true, true, NULL, "KEEP"));
    assert_string_equal(md_blas_coretype_choice("Haswell", false, true, NULL, "Cooperlake"),
                        "Cooperlake");
    assert_null(md_blas_coretype_choice("Cooperlake", true, true, NULL, "cooperlake"));
    assert_null(md_blas_coretype_choice("Haswell", true, true, NULL,
                                        "AnAbsurdlyLongCoreTypeNameThatIsNotReal"));
    assert_non_null(md_blas_corename());
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gemv_shapes),
        cmocka_unit_test(test_coretype_choice),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
