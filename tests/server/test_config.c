/* test_config.c: flags (TF Serving's names and defaults) and text-format
 * ModelServerConfig / MonitoringConfig parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "server/serve.h"

static bool parse(struct md_server_options *o, struct md_status *st, int argc, ...)
{
    char *argv[32] = {"modeld"};
    va_list ap;
    va_start(ap, argc);
    for (int i = 0; i < argc && i < 30; i++)
        argv[i + 1] = va_arg(ap, char *);
    va_end(ap);
    md_server_options_init(o);
    return md_server_options_parse(o, argc + 1, argv, st);
}

static void test_defaults(void **state)
{
    (void)state;
    struct md_server_options o;
    struct md_status st = MD_STATUS_INIT;
    assert_true(parse(&o, &st, 0));
    assert_int_equal(o.port, 8500);
    assert_int_equal(o.rest_api_port, 8501);
    assert_string_equal(o.model_name, "default");
    assert_true(o.file_system_poll_wait_seconds == 1.0);
    assert_int_equal(o.rest_api_timeout_in_ms, 30000);
    assert_true(o.enable_model_warmup);
    assert_int_equal(o.max_num_load_retries, 5);
    assert_string_equal(o.rest_api_bind, "0.0.0.0");
}

static void test_flag_forms(void **state)
{
    (void)state;
    struct md_server_options o;
    struct md_status st = MD_STATUS_INIT;
    assert_true(parse(&o, &st, 10, "--port=0", "--rest_api_port", "9000", "--model_name=m",
                      "--rest_api_enable_cors_support", "--enable_model_warmup", "false",
                      "-model_base_path=/x", "--max_request_bytes=2M", "--enable_batching=true"));
    assert_int_equal(o.port, 0);
    assert_int_equal(o.rest_api_port, 9000);
    assert_string_equal(o.model_name, "m");
    assert_true(o.rest_api_enable_cors_support);
    assert_false(o.enable_model_warmup);
    assert_string_equal(o.model_base_path, "/x");
    assert_int_equal(o.max_request_bytes, 2 << 20);
    assert_true(parse(&o, &st, 1, "--file_system_poll_wait_seconds=0.25"));
    assert_true(o.file_system_poll_wait_seconds == 0.25);

    struct {
        const char *arg, *msg;
    } bad[] = {{"--nope=1", "unknown flag --nope"},
               {"--port=abc", "invalid value for --port"},
               {"--port=70000", "out of range"},
               {"--enable_model_warmup=maybe", "invalid value"},
               {"--rest_api_port", "needs a value"},
               {"stray", "unexpected argument"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct md_status s2 = MD_STATUS_INIT;
        assert_false(parse(&o, &s2, 1, bad[i].arg));
        if (!strstr(s2.msg, bad[i].msg))
            fail_msg("%s: got '%s'", bad[i].arg, s2.msg);
    }
}

static void test_model_config(void **state)
{
    (void)state;
    const char *text = "model_config_list {\n"
                       "  config { name: 'a' base_path: '/m/a' model_platform: 'tensorflow'\n"
                       "    model_version_policy { specific { versions: 42 versions: 43 } }\n"
                       "    version_labels { key: 'stable' value: 42 }\n"
                       "    version_labels { key: 'canary' value: 43 } }\n"
                       "  config { name: 'b' base_path: '/m/b'\n"
                       "    model_version_policy { latest { num_versions: 2 } } }\n"
                       "  config { name: 'c' base_path: '/m/c' model_version_policy { all {} } }\n"
                       "}\n";
    struct md_server_config c;
    struct md_status st = MD_STATUS_INIT;
    assert_true(md_server_config_parse(text, strlen(text), &c, &st));
    assert_int_equal(c.n_models, 3);
    assert_string_equal(c.models[0].name, "a");
    assert_int_equal(c.models[0].policy, MD_POLICY_SPECIFIC);
    assert_int_equal(c.models[0].n_versions, 2);
    assert_int_equal(c.models[0].versions[1], 43);
    assert_int_equal(c.models[0].n_labels, 2);
    assert_string_equal(c.models[0].labels[1].label, "canary");
    assert_int_equal(c.models[1].policy, MD_POLICY_LATEST);
    assert_int_equal(c.models[1].num_latest, 2);
    assert_int_equal(c.models[2].policy, MD_POLICY_ALL);
    md_server_config_cleanup(&c);

    struct {
        const char *text, *msg;
    } bad[] = {
        {"improperly formatted file", "Error parsing text-format tensorflow.serving.ModelServerConfig"},
        {"model_config_list { config { name: 'a' } }", "has no base_path"},
        {"model_config_list { config { base_path: '/x' } }", "has no name"},
        {"model_config_list { config { name: 'a' base_path: '/x' } config { name: 'a' base_path: '/y' } }",
         "appears twice"},
        {"model_config_list { config { name: 'a' base_path: '/x' model_platform: 'pytorch' } }",
         "not supported"},
        {"model_config_list { config { name: 'a/b' base_path: '/x' } }", "must not contain"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct md_status s2 = MD_STATUS_INIT;
        assert_false(md_server_config_parse(bad[i].text, strlen(bad[i].text), &c, &s2));
        if (!strstr(s2.msg, bad[i].msg) ||
            !strstr(s2.msg, "Error parsing text-format tensorflow.serving.ModelServerConfig"))
            fail_msg("%s: got '%s'", bad[i].text, s2.msg);
    }
}

static void test_fixture_files(void **state)
{
    (void)state;
    const char *src = getenv("MD_SRCDIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/../shared/fixtures/savedmodels/bad_model_config.txt",
             src ? src : ".");
    if (access(path, R_OK) != 0)
        skip();
    struct md_server_config c;
    struct md_status st = MD_STATUS_INIT;
    assert_false(md_server_config_load(path, &c, &st));
    assert_non_null(strstr(st.msg, "Error parsing text-format tensorflow.serving.ModelServerConfig"));
    snprintf(path, sizeof path, "%s/../shared/fixtures/savedmodels/good_model_config.txt", src);
    struct md_status st2 = MD_STATUS_INIT;
    assert_true(md_server_config_load(path, &c, &st2));
    assert_int_equal(c.n_models, 2);
    assert_string_equal(c.models[1].name, "half_plus_three");
    md_server_config_cleanup(&c);

    struct md_server_options o;
    md_server_options_init(&o);
    struct md_status st3 = MD_STATUS_INIT;
    assert_false(md_server_config_from_options(&o, &c, &st3));
    assert_non_null(strstr(st3.msg, "model_base_path"));
}

static void test_monitoring_config(void **state)
{
    (void)state;
    char path[] = "/tmp/md_test_monitoringXXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *text = "prometheus_config { enable: true path: \"/metrics\" }\n";
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    char *mp = NULL;
    struct md_status st = MD_STATUS_INIT;
    assert_true(md_monitoring_config_load(path, &mp, &st));
    assert_string_equal(mp, "/metrics");
    free(mp);
    FILE *f = fopen(path, "w");
    fputs("prometheus_config { enable: true }", f);
    fclose(f);
    assert_true(md_monitoring_config_load(path, &mp, &st));
    assert_string_equal(mp, "/monitoring/prometheus/metrics");
    free(mp);
    f = fopen(path, "w");
    fputs("prometheus_config { enable: tru }", f);
    fclose(f);
    assert_false(md_monitoring_config_load(path, &mp, &st));
    assert_non_null(strstr(st.msg, "MonitoringConfig"));
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),     cmocka_unit_test(test_flag_forms),
        cmocka_unit_test(test_model_config), cmocka_unit_test(test_fixture_files),
        cmocka_unit_test(test_monitoring_config),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
