#include "base/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

static enum md_log_level threshold = MD_LOG_INFO;

void md_log_set_level(enum md_log_level lvl) { threshold = lvl; }

void md_log(enum md_log_level lvl, const char *fmt, ...)
{
    static const char tag[] = "DIWE";
    if (lvl < threshold)
        return;
    char line[1024];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    int n = (int)strftime(line, sizeof line, "%Y-%m-%dT%H:%M:%SZ ", &tm);
    n += snprintf(line + n, sizeof line - (size_t)n, "%c ", tag[lvl]);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s\n", line);
}
