/* daemon.h: start the real server/modeld on 127.0.0.1 and talk HTTP/1.1 to
 * it, for the end-to-end tests and bench helpers. */
#ifndef MD_TESTS_SERVER_DAEMON_H
#define MD_TESTS_SERVER_DAEMON_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct daemon {
    pid_t pid;
    int port;
    char log[64]; /* the daemon's stderr */
};

/* A port the kernel just handed out on 127.0.0.1 (free at return). */
int free_port(void);
/* Starts modeld with --port=0 --rest_api_bind=127.0.0.1 --rest_api_port=<free>
 * plus args (NULL-terminated) and waits until it answers HTTP. false if it
 * exited or did not answer within 20 s (its log is printed). */
bool daemon_start(struct daemon *d, const char *const *args);
/* Starts it and waits for it to exit (for start-up failures): exit code. */
int daemon_run_to_exit(const char *const *args, char *log_out, size_t cap);
/* Sends SIGTERM and waits; returns the exit code (or 128 + signal). */
int daemon_stop(struct daemon *d);
/* Reads the daemon's log into buf. */
void daemon_log(const struct daemon *d, char *buf, size_t cap);

struct http_resp {
    int status;
    char *body; /* NUL-terminated, malloc'd */
    size_t len;
    char content_type[128];
    char headers[2048];
};

/* One request on its own connection (Connection: close). extra_headers are
 * "Name: value\r\n" lines or NULL. false on a socket error/timeout. */
bool http_do(int port, const char *method, const char *path, const char *body, size_t len,
             const char *extra_headers, struct http_resp *r);
void http_resp_free(struct http_resp *r);

#endif
