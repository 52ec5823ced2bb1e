/* test_routes.c: TF Serving's REST path grammar and the HTTP status table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "server/server_impl.h"

static struct md_route r;

static enum md_route_kind route(const char *method, const char *path, struct md_status *st)
{
    md_route_parse(method, path, "/monitoring/prometheus/metrics", false, &r, st);
    return r.kind;
}

static void test_ok_routes(void **state)
{
    (void)state;
    struct md_status st = MD_STATUS_INIT;
    assert_int_equal(route("POST", "/v1/models/half:predict", &st), MD_ROUTE_PREDICT);
    assert_string_equal(r.name, "half");
    assert_false(r.has_version);
    assert_int_equal(route("POST", "/V1/Models/half/VERSIONS/00123:Classify", &st),
                     MD_ROUTE_CLASSIFY);
    assert_true(r.has_version);
    assert_int_equal(r.version, 123);
    assert_int_equal(route("POST", "/v1/models/half/labels/stable:regress", &st), MD_ROUTE_REGRESS);
    assert_string_equal(r.label, "stable");
    assert_int_equal(route("GET", "/v1/models/half", &st), MD_ROUTE_STATUS);
    assert_int_equal(route("GET", "/v1/models/half/versions/9223372036854775807", &st),
                     MD_ROUTE_STATUS);
    assert_true(r.version == INT64_MAX);
    assert_int_equal(route("GET", "/v1/models/half/labels/canary/metadata", &st), MD_ROUTE_METADATA);
    assert_string_equal(r.label, "canary");
    assert_int_equal(route("GET", "/v1/models/half/metadata", &st), MD_ROUTE_METADATA);
    assert_int_equal(route("GET", "/v1/models/a%20b%2Fc", &st), MD_ROUTE_STATUS);
    assert_string_equal(r.name, "a b/c");
    assert_int_equal(route("GET", "/v1/models", &st), MD_ROUTE_LIST);
    assert_int_equal(route("HEAD", "/v1/models", &st), MD_ROUTE_LIST);
    assert_int_equal(route("GET", "/monitoring/prometheus/metrics", &st), MD_ROUTE_METRICS);
    assert_int_equal(st.code, MD_OK);
}

static void expect(const char *method, const char *path, int http, const char *msg)
{
    struct md_status st = MD_STATUS_INIT;
    md_route_parse(method, path, NULL, false, &r, &st);
    if (r.kind != MD_ROUTE_ERROR || r.http_status != http || !strstr(st.msg, msg))
        fail_msg("%s %s: kind %d http %d msg '%s'; want %d '%s'", method, path, r.kind,
                 r.http_status, st.msg, http, msg);
}

static void test_bad_routes(void **state)
{
    (void)state;
    expect("POST", "/v1/foo", 400, "Malformed request: POST /v1/foo");
    expect("POST", "/v1/models", 400, "Malformed request: POST /v1/models");
    expect("GET", "/v1/models/half:predict", 400, "Malformed request: GET /v1/models/half:predict");
    expect("POST", "/v1/models/half/version/50:predict", 400, "Malformed request");
    expect("POST", "/v1/models/half/versions/abc:predict", 400, "Malformed request");
    expect("POST", "/v1/models/half/versions/1/labels/x:predict", 400, "Malformed request");
    expect("POST", "/v1/models/half:explain", 400, "Malformed request");
    expect("GET", "/v1/models/half/versions/99999999999999999999", 400,
           "Failed to convert version: 99999999999999999999 to numeric.");
    expect("GET", "/v1/models/", 400, "Malformed request");
    expect("GET", "/v1/models/half/extra", 400, "Malformed request");
    expect("PUT", "/v1/models/half", 405, "Method PUT not allowed");
    expect("DELETE", "/v1/models/half", 405, "not allowed");
    expect("GET", "/", 404, "Not found: /");
    expect("GET", "/monitoring/prometheus/metrics", 404, "Not found");
}

static void test_cors_preflight(void **state)
{
    (void)state;
    struct md_status st = MD_STATUS_INIT;
    md_route_parse("OPTIONS", "/v1/models/half:predict", NULL, true, &r, &st);
    assert_int_equal(r.kind, MD_ROUTE_PREFLIGHT);
    expect("OPTIONS", "/v1/models/half:predict", 405, "not allowed");
}

static void test_http_status(void **state)
{
    (void)state;
    assert_int_equal(md_http_status_from_code(MD_OK), 200);
    assert_int_equal(md_http_status_from_code(MD_CANCELLED), 499);
    assert_int_equal(md_http_status_from_code(MD_INVALID_ARGUMENT), 400);
    assert_int_equal(md_http_status_from_code(MD_FAILED_PRECONDITION), 400);
    assert_int_equal(md_http_status_from_code(MD_OUT_OF_RANGE), 400);
    assert_int_equal(md_http_status_from_code(MD_DEADLINE_EXCEEDED), 504);
    assert_int_equal(md_http_status_from_code(MD_NOT_FOUND), 404);
    assert_int_equal(md_http_status_from_code(MD_ALREADY_EXISTS), 409);
    assert_int_equal(md_http_status_from_code(MD_ABORTED), 409);
    assert_int_equal(md_http_status_from_code(MD_PERMISSION_DENIED), 403);
    assert_int_equal(md_http_status_from_code(MD_RESOURCE_EXHAUSTED), 429);
    assert_int_equal(md_http_status_from_code(MD_UNIMPLEMENTED), 501);
    assert_int_equal(md_http_status_from_code(MD_UNAVAILABLE), 503);
    assert_int_equal(md_http_status_from_code(MD_UNAUTHENTICATED), 401);
    assert_int_equal(md_http_status_from_code(MD_INTERNAL), 500);
    assert_int_equal(md_http_status_from_code(MD_DATA_LOSS), 500);
    assert_int_equal(md_http_status_from_code(MD_UNKNOWN), 500);
    assert_int_equal(md_http_status_from_code((enum md_code)99), 500);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ok_routes),
        cmocka_unit_test(test_bad_routes),
        cmocka_unit_test(test_cors_preflight),
        cmocka_unit_test(test_http_status),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
