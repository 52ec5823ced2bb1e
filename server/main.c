/* main.c: the modeld daemon. Flags as tensorflow_model_server takes them;
 * signals are handled by this thread with sigwait (SIGTERM/SIGINT drain and
 * exit 0, SIGHUP re-reads the config file). */
#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <sys/syscall.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "ops/blas.h"
#include "config.h"
#include "server/serve.h"
#ifdef HAVE_GRPC
#include "server/grpc/grpc_server.h"
#endif

/* Threads that libraries start before main (OpenBLAS's pool) do not have
 * the signals blocked; a SIGTERM/SIGHUP the kernel hands to one of them
 * while this thread is not in sigwait would take the default action and
 * kill the daemon (a burst of SIGHUPs did). This handler passes such a
 * signal on to the main thread, where it stays pending for sigwait. */
static pid_t main_tid;

static void forward_signal(int sig)
{
    int saved = errno;
    syscall(SYS_tgkill, getpid(), main_tid, sig);
    errno = saved;
}

static int fail(const char *msg)
{
    fprintf(stderr, "Failed to start server. Error: %s\n", msg);
    md_log_error("Failed to start server. Error: %s", msg);
    return 1;
}

int main(int argc, char **argv)
{
    struct md_server_options o;
    md_server_options_init(&o);
    struct md_status st = MD_STATUS_INIT;
    if (!md_server_options_parse(&o, argc, argv, &st)) {
        fprintf(stderr, "modeld: %s\n", st.msg);
        return 1;
    }
    if (o.help) {
        md_server_options_usage(stdout);
        return 0;
    }
    if (o.version) {
        printf("TensorFlow ModelServer: modeld-%s\nTensorFlow Library: none (modeld's own "
               "interpreter)\n",
               PACKAGE_VERSION);
        return 0;
    }
    md_log_set_level(o.log_level <= 0   ? MD_LOG_DEBUG
                     : o.log_level == 1 ? MD_LOG_INFO
                     : o.log_level == 2 ? MD_LOG_WARN
                                        : MD_LOG_ERROR);
    /* May re-execute this program once with a better OpenBLAS kernel set
     * (ops/blas.h); must run before any thread starts. */
    md_blas_select_coretype(argv, true);

#if defined(__GLIBC__)
    /* Request arenas grow to tens of MiB for batch requests. A fixed mmap
     * threshold (glibc otherwise raises it after the first big free) makes
     * such blocks mmapped, so they go back to the kernel when the arena is
     * reset instead of keeping the daemon's RSS at its peak. */
    mallopt(M_MMAP_THRESHOLD, 1 << 20);
#endif
    /* Every thread inherits this mask; only sigwait below sees the signals. */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);
    main_tid = (pid_t)syscall(SYS_gettid);
    struct sigaction fwd;
    memset(&fwd, 0, sizeof fwd);
    fwd.sa_handler = forward_signal;
    sigfillset(&fwd.sa_mask);
    fwd.sa_flags = SA_RESTART;
    sigaction(SIGTERM, &fwd, NULL);
    sigaction(SIGINT, &fwd, NULL);
    sigaction(SIGHUP, &fwd, NULL);

    if (o.rest_api_port != 0 && o.rest_api_port == o.port)
        return fail("--port and --rest_api_port must differ (pass --port=0 to turn gRPC off)");

    struct md_server_config cfg;
    if (!md_server_config_from_options(&o, &cfg, &st))
        return fail(st.msg);
    char *metrics_path = NULL;
    if (o.monitoring_config_file[0] &&
        !md_monitoring_config_load(o.monitoring_config_file, &metrics_path, &st)) {
        md_server_config_cleanup(&cfg);
        return fail(st.msg);
    }

    struct md_manager_options mo = MD_MANAGER_OPTIONS_INIT;
    mo.tags = o.saved_model_tags;
    mo.intra_op_threads = o.tensorflow_intra_op_parallelism;
    mo.fs_poll_seconds = o.file_system_poll_wait_seconds;
    mo.config_poll_seconds = o.model_config_file_poll_wait_seconds;
    mo.config_file = o.model_config_file[0] ? o.model_config_file : NULL;
    mo.max_load_retries = o.max_num_load_retries;
    mo.retry_interval_us = o.load_retry_interval_micros;
    mo.allow_labels_for_unavailable = o.allow_version_labels_for_unavailable_models;
    mo.enable_warmup = o.enable_model_warmup;
    mo.warmup_iterations = o.num_request_iterations_for_warmup;
    /* The kernel thread pool is decided once, before any model loads (and
     * before the listeners' threads start). */
    if (!md_ops_init(o.tensorflow_intra_op_parallelism, &st)) {
        md_server_config_cleanup(&cfg);
        free(metrics_path);
        return fail(st.msg);
    }
    md_log_info("kernel thread pool: %d threads (--tensorflow_intra_op_parallelism=%d)",
                md_ops_threads(), o.tensorflow_intra_op_parallelism);
    struct md_manager *mgr = md_manager_new(&mo, &st);
    bool ok = mgr && md_manager_set_config(mgr, &cfg, &st);
    md_server_config_cleanup(&cfg);
    if (!ok) {
        md_manager_free(mgr);
        free(metrics_path);
        return fail(st.msg);
    }
    /* First load in the foreground, as TF Serving does before it listens. */
    md_manager_poll(mgr);
    if (!md_manager_start(mgr, &st)) {
        md_manager_free(mgr);
        free(metrics_path);
        return fail(st.msg);
    }

#ifdef HAVE_GRPC
    struct md_grpc *grpc = NULL;
    if (o.port != 0 || o.grpc_socket_path[0]) {
        /* gRPC listens on the REST bind address; --max_request_bytes caps
         * its messages too (overridable with --grpc_channel_arguments). */
        struct md_grpc_options go = MD_GRPC_OPTIONS_INIT;
        go.bind = o.rest_api_bind;
        go.port = o.port != 0 ? o.port : -1;
        go.socket_path = o.grpc_socket_path;
        go.threads = o.grpc_max_threads;
        go.channel_arguments = o.grpc_channel_arguments;
        go.max_receive_bytes = o.max_request_bytes;
        go.per_request_memory_limit = o.per_request_memory_limit;
        go.tensor_content = o.enable_serialization_as_tensor_content;
        go.health_service = o.enable_grpc_healthcheck_service;
        grpc = md_grpc_start(&go, mgr, &st);
        if (!grpc) {
            md_manager_free(mgr);
            free(metrics_path);
            return fail(st.msg);
        }
        if (o.port != 0)
            md_log_info("Running gRPC ModelServer at %s:%d ...", o.rest_api_bind,
                        md_grpc_port(grpc));
        if (o.grpc_socket_path[0])
            md_log_info("Running gRPC ModelServer at unix:%s ...", o.grpc_socket_path);
    }
#else
    if (o.port != 0)
        md_log_warn("gRPC API is not part of this build: --port=%d ignored (pass --port=0)",
                    o.port);
#endif

    struct md_http *http = NULL;
    if (o.rest_api_port != 0) {
        long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
        struct md_http_options ho = {
            .bind = o.rest_api_bind,
            .port = o.rest_api_port,
            .threads = o.rest_api_num_threads > 0 ? o.rest_api_num_threads
                                                  : (int)(4 * (ncpu > 0 ? ncpu : 1)),
            .timeout_ms = o.rest_api_timeout_in_ms,
            .cors = o.rest_api_enable_cors_support,
            .max_request_bytes = o.max_request_bytes,
            .per_request_memory_limit = o.per_request_memory_limit,
            .metrics_path = metrics_path,
        };
        http = md_http_start(&ho, mgr, &st);
        if (!http) {
#ifdef HAVE_GRPC
            md_grpc_stop(grpc, 0);
#endif
            md_manager_free(mgr);
            free(metrics_path);
            return fail(st.msg);
        }
        md_log_info("Exporting HTTP/REST API at:localhost:%d ...", md_http_port(http));
        if (metrics_path)
            md_log_info("Prometheus metrics at http://localhost:%d%s", md_http_port(http),
                        metrics_path);
    }
#ifdef HAVE_GRPC
    if (!http && !grpc)
#else
    if (!http)
#endif
        md_log_warn("no listener enabled (--rest_api_port=0 and no gRPC): only loading models");

    for (;;) {
        int sig = 0;
        if (sigwait(&sigs, &sig) != 0)
            continue;
        if (sig == SIGHUP) {
            if (mo.config_file) {
                md_log_info("SIGHUP: re-reading %s", mo.config_file);
                md_manager_request_reload(mgr);
            } else {
                md_log_info("SIGHUP: no --model_config_file; re-scanning model directories");
                md_manager_request_reload(mgr);
            }
            continue;
        }
        /* Readiness turns false first (KServe v2 /v2/health/ready, gRPC
         * ServerReady), then the optional grace period, then draining. */
        md_manager_set_draining(mgr);
        if (o.shutdown_grace_seconds > 0) {
            md_log_info("%s received: not ready; serving %.1f s more before draining",
                        sig == SIGTERM ? "SIGTERM" : "SIGINT", o.shutdown_grace_seconds);
            struct timespec ts = {(time_t)o.shutdown_grace_seconds,
                                  (long)((o.shutdown_grace_seconds -
                                          (double)(time_t)o.shutdown_grace_seconds) * 1e9)};
            while (nanosleep(&ts, &ts) != 0)
                ;
        }
        md_log_info("%s received: draining in-flight requests", sig == SIGTERM ? "SIGTERM" : "SIGINT");
        break;
    }
#ifdef HAVE_GRPC
    md_grpc_shutdown(grpc); /* both listeners stop accepting, then both drain */
#endif
    md_http_stop(http, o.rest_api_timeout_in_ms > 0 ? o.rest_api_timeout_in_ms : 30000);
#ifdef HAVE_GRPC
    md_grpc_stop(grpc, o.rest_api_timeout_in_ms > 0 ? o.rest_api_timeout_in_ms : 30000);
#endif
    md_manager_free(mgr);
    md_ops_shutdown(); /* listeners and models are gone: nothing runs a kernel */
    free(metrics_path);
    md_log_info("modeld stopped");
    return 0;
}
