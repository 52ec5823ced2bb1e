/* http_status.c: canonical code -> HTTP status, one table.
 * Keep in sync with tensorflow_serving/util/net_http/.../http_server.cc
 * ToHTTPStatusCode. */
#include "server/serve.h"

static const int code_to_http[MD_CODE_COUNT] = {
    [MD_OK] = 200,
    [MD_CANCELLED] = 499, /* CLIENT_CLOSED_REQUEST */
    [MD_UNKNOWN] = 500,
    [MD_INVALID_ARGUMENT] = 400,
    [MD_DEADLINE_EXCEEDED] = 504,
    [MD_NOT_FOUND] = 404,
    [MD_ALREADY_EXISTS] = 409,
    [MD_PERMISSION_DENIED] = 403,
    [MD_RESOURCE_EXHAUSTED] = 429,
    [MD_FAILED_PRECONDITION] = 400,
    [MD_ABORTED] = 409,
    [MD_OUT_OF_RANGE] = 400,
    [MD_UNIMPLEMENTED] = 501,
    [MD_INTERNAL] = 500,
    [MD_UNAVAILABLE] = 503,
    [MD_DATA_LOSS] = 500,
    [MD_UNAUTHENTICATED] = 401,
};

int md_http_status_from_code(enum md_code code)
{
    if ((int)code < 0 || code >= MD_CODE_COUNT || !code_to_http[code])
        return 500;
    return code_to_http[code];
}
