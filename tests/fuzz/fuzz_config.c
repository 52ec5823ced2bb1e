/* fuzz_config.c: modeld's command line and --model_config_file
 * (server/config.c). The first byte picks what the rest is:
 *   even  a command line: NUL-separated arguments (at most 64) through
 *         md_server_options_parse, then, when it parses and names no config
 *         file, md_server_config_from_options (--model_name/--model_base_path)
 *   odd   the text of a --model_config_file through md_server_config_parse:
 *         the text-format parser plus the ModelConfig checks (version
 *         policy, labels, duplicate names)
 * Invariants: a failure carries a code and a message; a parsed config has
 * a name and a base path for every model. Seeds: tests/fuzz/corpus/config/. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "server/serve.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ARGS 64

static void check_config(const struct md_server_config *c)
{
    for (size_t i = 0; i < c->n_models; i++)
        if (!c->models[i].name || !c->models[i].base_path)
            __builtin_trap();
}

static void fuzz_argv(const uint8_t *data, size_t size)
{
    char *buf = malloc(size + 1);
    if (!buf)
        return;
    memcpy(buf, data, size);
    buf[size] = '\0';
    char *argv[MAX_ARGS + 2];
    int argc = 0;
    argv[argc++] = (char *)"modeld";
    for (size_t i = 0; i <= size && argc < MAX_ARGS + 1;) {
        argv[argc++] = buf + i;
        i += strlen(buf + i) + 1;
    }
    argv[argc] = NULL;
    struct md_server_options o;
    md_server_options_init(&o);
    struct md_status st = MD_STATUS_INIT;
    if (!md_server_options_parse(&o, argc, argv, &st)) {
        if (st.code == MD_OK || !st.msg[0])
            __builtin_trap();
    } else if (!o.model_config_file || !o.model_config_file[0]) {
        /* (a config file would be read from a path the input names) */
        struct md_server_config cfg;
        struct md_status cst = MD_STATUS_INIT;
        if (md_server_config_from_options(&o, &cfg, &cst)) {
            check_config(&cfg);
            md_server_config_cleanup(&cfg);
        } else if (cst.code == MD_OK || !cst.msg[0]) {
            __builtin_trap();
        }
    }
    free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool quiet;
    if (!quiet) {
        md_log_set_level(MD_LOG_ERROR); /* ignored TF Serving flags warn */
        quiet = true;
    }
    if (size < 1)
        return 0;
    if (data[0] % 2 == 0) {
        fuzz_argv(data + 1, size - 1);
        return 0;
    }
    struct md_server_config cfg;
    struct md_status st = MD_STATUS_INIT;
    if (md_server_config_parse((const char *)data + 1, size - 1, &cfg, &st)) {
        check_config(&cfg);
        md_server_config_cleanup(&cfg);
    } else if (st.code == MD_OK || !st.msg[0]) {
        __builtin_trap();
    }
    return 0;
}
