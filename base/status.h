/* status.h: how every fallible function in modeld reports what went wrong.
 *
 *   struct md_status st = MD_STATUS_INIT;
 *   if (!md_bundle_open(dir, &b, &st)) {
 *       md_status_prefix(&st, "model '%s'", name);
 *       log_error("%s: %s", md_code_name(st.code), st.msg);
 *   }
 *
 * A status lives on the caller's stack: no heap, so it works when out of
 * memory. The first error wins (later md_status_set calls are ignored), and
 * callers add context on the way up with md_status_prefix.
 */
#ifndef MD_BASE_STATUS_H
#define MD_BASE_STATUS_H

#include <stdbool.h>
#include <stddef.h>

#if defined(__GNUC__)
#define MD_MUST_CHECK __attribute__((warn_unused_result))
#define MD_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define MD_MUST_CHECK
#define MD_PRINTF(a, b)
#endif

/* Canonical gRPC status codes; keep in sync with grpc/status.h and
 * tensorflow/base/protobuf/error_codes.proto. Never renumber. */
enum md_code {
    MD_OK = 0,
    MD_CANCELLED = 1,
    MD_UNKNOWN = 2,
    MD_INVALID_ARGUMENT = 3,
    MD_DEADLINE_EXCEEDED = 4,
    MD_NOT_FOUND = 5,
    MD_ALREADY_EXISTS = 6,
    MD_PERMISSION_DENIED = 7,
    MD_RESOURCE_EXHAUSTED = 8,
    MD_FAILED_PRECONDITION = 9,
    MD_ABORTED = 10,
    MD_OUT_OF_RANGE = 11,
    MD_UNIMPLEMENTED = 12,
    MD_INTERNAL = 13,
    MD_UNAVAILABLE = 14,
    MD_DATA_LOSS = 15,
    MD_UNAUTHENTICATED = 16,
    MD_CODE_COUNT
};

#define MD_STATUS_MSG_MAX 512

struct md_status {
    enum md_code code;
    char msg[MD_STATUS_MSG_MAX];
};

#define MD_STATUS_INIT { MD_OK, "" }

/* Records an error unless one is already recorded. Always returns false so
 * that `return md_status_set(st, ...)` reads naturally. st may be NULL. */
bool md_status_set(struct md_status *st, enum md_code code, const char *fmt, ...) MD_PRINTF(3, 4);

/* Prepends "<context>: " to an existing error message. No-op when st is OK. */
void md_status_prefix(struct md_status *st, const char *fmt, ...) MD_PRINTF(2, 3);

static inline bool md_status_ok(const struct md_status *st) { return st->code == MD_OK; }
void md_status_reset(struct md_status *st);

/* "INVALID_ARGUMENT", ... ; "UNKNOWN" for out-of-range values. Never NULL. */
const char *md_code_name(enum md_code code);

/* Copies src into dst (capacity cap, always NUL-terminated) escaping bytes a
 * single-line ASCII message must not carry: control bytes, quotes, non-ASCII
 * become \xNN. For names and keys that come from a model or a request.
 * Returns dst. */
char *md_escape(char *dst, size_t cap, const char *src, size_t len);

#endif
