#include "base/status.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

bool md_status_set(struct md_status *st, enum md_code code, const char *fmt, ...)
{
    if (!st || st->code != MD_OK)
        return false;
    st->code = code == MD_OK ? MD_UNKNOWN : code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(st->msg, sizeof st->msg, fmt, ap);
    va_end(ap);
    return false;
}

void md_status_prefix(struct md_status *st, const char *fmt, ...)
{
    if (!st || st->code == MD_OK)
        return;
    char ctx[MD_STATUS_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(ctx, sizeof ctx, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    size_t c = strlen(ctx), m = strlen(st->msg);
    if (c + 2 >= sizeof st->msg)
        c = sizeof st->msg - 3;
    if (c + 2 + m >= sizeof st->msg)
        m = sizeof st->msg - 3 - c;
    memmove(st->msg + c + 2, st->msg, m);
    st->msg[c + 2 + m] = '\0';
    memcpy(st->msg, ctx, c);
    st->msg[c] = ':';
    st->msg[c + 1] = ' ';
}

void md_status_reset(struct md_status *st)
{
    st->code = MD_OK;
    st->msg[0] = '\0';
}

static const char *const code_names[MD_CODE_COUNT] = {
    [MD_OK] = "OK",
    [MD_CANCELLED] = "CANCELLED",
    [MD_UNKNOWN] = "UNKNOWN",
    [MD_INVALID_ARGUMENT] = "INVALID_ARGUMENT",
    [MD_DEADLINE_EXCEEDED] = "DEADLINE_EXCEEDED",
    [MD_NOT_FOUND] = "NOT_FOUND",
    [MD_ALREADY_EXISTS] = "ALREADY_EXISTS",
    [MD_PERMISSION_DENIED] = "PERMISSION_DENIED",
    [MD_RESOURCE_EXHAUSTED] = "RESOURCE_EXHAUSTED",
    [MD_FAILED_PRECONDITION] = "FAILED_PRECONDITION",
    [MD_ABORTED] = "ABORTED",
    [MD_OUT_OF_RANGE] = "OUT_OF_RANGE",
    [MD_UNIMPLEMENTED] = "UNIMPLEMENTED",
    [MD_INTERNAL] = "INTERNAL",
    [MD_UNAVAILABLE] = "UNAVAILABLE",
    [MD_DATA_LOSS] = "DATA_LOSS",
    [MD_UNAUTHENTICATED] = "UNAUTHENTICATED",
};

const char *md_code_name(enum md_code code)
{
    if ((unsigned)code >= MD_CODE_COUNT)
        return "UNKNOWN";
    return code_names[code];
}

char *md_escape(char *dst, size_t cap, const char *src, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    if (cap == 0)
        return dst;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)src[i];
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
            if (o + 1 >= cap)
                break;
            dst[o++] = (char)c;
        } else {
            if (o + 4 >= cap)
                break;
            dst[o++] = '\\';
            dst[o++] = 'x';
            dst[o++] = hex[c >> 4];
            dst[o++] = hex[c & 15];
        }
    }
    dst[o] = '\0';
    return dst;
}
