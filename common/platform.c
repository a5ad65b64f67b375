/* platform.c — the platform edge of the common room: clocks, the assertion
 * handler and the stderr logger. Everything impure in common lives here. */
#include "common.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

void wt_heap_keep(void)
{
#ifdef __GLIBC__
    mallopt(M_MMAP_THRESHOLD, 32 << 20); /* glibc's largest on 64-bit */
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
#endif
}

int64_t wt_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t wt_monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Write value as exactly `width` decimal digits (value fits by contract). */
static char *put_digits(char *p, long value, int width)
{
    for (int i = width - 1; i >= 0; i--) {
        p[i] = (char)('0' + value % 10);
        value /= 10;
    }
    return p + width;
}

void wt_time_format_utc(char out[25], int64_t t_ms)
{
    int64_t ms = t_ms % 1000;
    time_t secs = (time_t)(t_ms / 1000);
    if (ms < 0) {
        ms += 1000;
        secs -= 1;
    }
    struct tm tm;
    if (gmtime_r(&secs, &tm) == NULL || tm.tm_year + 1900 < 0 || tm.tm_year + 1900 > 9999) {
        memcpy(out, "0000-00-00T00:00:00.000Z", 25);
        return;
    }
    char *p = out;
    p = put_digits(p, tm.tm_year + 1900, 4);
    *p++ = '-';
    p = put_digits(p, tm.tm_mon + 1, 2);
    *p++ = '-';
    p = put_digits(p, tm.tm_mday, 2);
    *p++ = 'T';
    p = put_digits(p, tm.tm_hour, 2);
    *p++ = ':';
    p = put_digits(p, tm.tm_min, 2);
    *p++ = ':';
    p = put_digits(p, tm.tm_sec, 2);
    *p++ = '.';
    p = put_digits(p, (long)ms, 3);
    *p++ = 'Z';
    *p = '\0';
}

/* ------------------------------------------------------------ assertions */

static void default_assert_handler(const char *expr, const char *file, int line)
{
    fprintf(stderr, "wattle: assertion failed: %s (%s:%d)\n", expr, file, line);
    fflush(stderr);
    abort();
}

static wt_assert_fn assert_handler = default_assert_handler;

wt_assert_fn wt_assert_set_handler(wt_assert_fn handler)
{
    wt_assert_fn previous = assert_handler;
    assert_handler = handler != NULL ? handler : default_assert_handler;
    return previous;
}

void wt_assert_fail(const char *expr, const char *file, int line)
{
    assert_handler(expr, file, line);
    /* A handler that returns (cmocka's mock_assert longjmps instead) must not
     * let the caller continue past a broken invariant. */
    abort();
}

/* -------------------------------------------------------------- logging */

static wt_log_level log_level = WT_LOG_INFO;
static const char *const level_names[] = {"debug", "info", "warn", "error", "off"};

void wt_log_set_level(wt_log_level level)
{
    log_level = level;
}

wt_log_level wt_log_get_level(void)
{
    return log_level;
}

bool wt_log_level_parse(wt_log_level *level, const char *name)
{
    for (int i = 0; i <= (int)WT_LOG_OFF; i++) {
        if (strcmp(name, level_names[i]) == 0) {
            *level = (wt_log_level)i;
            return true;
        }
    }
    return false;
}

void wt_log(wt_log_level level, const char *component, const char *fmt, ...)
{
    if (level < log_level || level >= WT_LOG_OFF)
        return;
    char when[25];
    wt_time_format_utc(when, wt_now_ms());
    char message[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    /* One fprintf per line so concurrent threads do not interleave mid-line. */
    fprintf(stderr, "%s %-5s %s: %s\n", when, level_names[level], component, message);
}
