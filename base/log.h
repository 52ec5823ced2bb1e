/* log.h: one-line log records to stderr ("2026-11-25T23:30:00Z I message").
 * The level threshold is set once at start-up (init-only); logging itself is
 * thread-safe (one fprintf per record). */
#ifndef MD_BASE_LOG_H
#define MD_BASE_LOG_H

#include "base/status.h"

enum md_log_level { MD_LOG_DEBUG, MD_LOG_INFO, MD_LOG_WARN, MD_LOG_ERROR };

void md_log_set_level(enum md_log_level lvl); /* init-only */
void md_log(enum md_log_level lvl, const char *fmt, ...) MD_PRINTF(2, 3);

#define md_log_info(...) md_log(MD_LOG_INFO, __VA_ARGS__)
#define md_log_warn(...) md_log(MD_LOG_WARN, __VA_ARGS__)
#define md_log_error(...) md_log(MD_LOG_ERROR, __VA_ARGS__)
#define md_log_debug(...) md_log(MD_LOG_DEBUG, __VA_ARGS__)

#endif
