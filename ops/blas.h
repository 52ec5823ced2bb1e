/* blas.h: the one door to OpenBLAS. Every GEMM in modeld goes through here,
 * so BLAS threading is decided once: OpenBLAS runs single-threaded and the
 * kernels split work over the executor's pool themselves (two 1-thread GEMMs
 * on disjoint rows beat one 2-thread GEMM on this project's machines, see
 * bench/cnn).
 *
 *   md_blas_init();                       // at startup, before any thread
 *   if (!md_blas_fits(m) || ...) return md_kernel_fail(...);
 *   md_blas_sgemm(false, false, m, n, k, 1.0f, a, k, b, n, 0.0f, c, n);
 *
 * Matrices are row-major. C = alpha * op(A) * op(B) + beta * C where op(A) is
 * m x k, op(B) is k x n and C is m x n; lda/ldb/ldc are row strides in
 * elements of the stored (untransposed) matrices.
 */
#ifndef MD_OPS_BLAS_H
#define MD_OPS_BLAS_H

#include <stdbool.h>
#include <stdint.h>

/* Pins OpenBLAS to one thread. Idempotent; the gemm calls below also run it
 * (once) themselves, so forgetting it costs speed, not correctness.
 * thread-safe */
void md_blas_init(void);

/* True if v can be passed as a BLAS dimension or leading dimension (the
 * library takes int). Kernels check their shapes with it before calling. */
static inline bool md_blas_fits(int64_t v) { return v >= 0 && v <= INT32_MAX; }

/* C = alpha*op(A)*op(B) + beta*C (float / double). With k == 0 C becomes
 * beta*C; with m == 0 or n == 0 nothing happens. Dims must satisfy
 * md_blas_fits. thread-safe (reentrant; runs on the calling thread) */
void md_blas_sgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                   const float *a, int64_t lda, const float *b, int64_t ldb, float beta, float *c,
                   int64_t ldc);
void md_blas_dgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, double alpha,
                   const double *a, int64_t lda, const double *b, int64_t ldb, double beta,
                   double *c, int64_t ldc);

/* Picks OpenBLAS's kernel set on CPUs the library does not know. Call first
 * thing in main(), before any thread exists, with main's argv.
 *
 * OpenBLAS (0.3.21 in Debian 12) chooses its kernels when the library loads
 * and falls back to Haswell (AVX2) kernels on CPUs newer than it knows
 * (AMD Zen 4/5), although they run AVX-512. When OPENBLAS_CORETYPE is unset,
 * the CPU and OS support AVX-512F/BW/DQ/VL and the library reports a core
 * without AVX-512, this sets OPENBLAS_CORETYPE=SkylakeX and re-executes the
 * program (execv /proc/self/exe, same argv and pid) once; the variable is
 * only read at load time. The new image carries an environment marker so it
 * never re-executes again. Nothing happens when the library is not a
 * dynamic-arch OpenBLAS, or on other architectures.
 *
 * Opt-out and override: MODELD_OPENBLAS_CORETYPE=keep leaves the library's
 * choice alone; MODELD_OPENBLAS_CORETYPE=<name> (e.g. Cooperlake) asks for
 * that core instead of SkylakeX (on any CPU; the user knows best). An
 * OPENBLAS_CORETYPE set by the user always wins.
 *
 * log: log the outcome at INFO (the daemon's start-up banner); otherwise
 * only failures are logged (WARN). Returns only if it did not re-execute.
 * init-only (not thread-safe) */
void md_blas_select_coretype(char **argv, bool log);

/* The decision behind md_blas_select_coretype, apart for tests: given the
 * library's core name, whether the CPU has AVX-512 (F/BW/DQ/VL, OS-enabled),
 * whether the library is a DYNAMIC_ARCH build and the values of
 * OPENBLAS_CORETYPE and MODELD_OPENBLAS_CORETYPE (NULL when unset), returns
 * the core type to re-execute with, or NULL to keep the library's choice.
 * thread-safe */
const char *md_blas_coretype_choice(const char *core, bool cpu_avx512, bool dynamic_arch,
                                    const char *openblas_env, const char *modeld_env);

/* The OpenBLAS core (kernel set) in use, e.g. "SkylakeX", "Haswell"; for
 * other BLAS libraries "unknown". Never NULL. thread-safe */
const char *md_blas_corename(void);

/* "OpenBLAS 0.3.21 ... Zen" style description of the library, for logs and
 * benchmarks. Never NULL. thread-safe */
const char *md_blas_describe(void);

#endif
