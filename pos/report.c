/* report.c — the merchant report's calendar (pos.h), pure: a UTC offset,
 * the span of one calendar day at that offset, and times written at it. */
#include "pos.h"

#include <stdio.h>
#include <string.h>

#define DAY_MS 86400000

static bool digits(const char *text, size_t n, int *out)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (text[i] < '0' || text[i] > '9')
            return false;
        v = v * 10 + (text[i] - '0');
    }
    *out = v;
    return true;
}

wt_err wt_pos_day_range(int64_t *start_ms, int64_t *end_ms, const char *day, int32_t offset_s)
{
    *start_ms = 0;
    *end_ms = 0;
    int y, m, d;
    int64_t midnight_ms;
    if (strlen(day) != 10 || day[4] != '-' || day[7] != '-' || !digits(day, 4, &y) ||
        !digits(day + 5, 2, &m) || !digits(day + 8, 2, &d) ||
        !wt_civil_to_ms(&midnight_ms, y, m, d, 0, 0, 0))
        return WT_ERR_INVALID_ARGUMENT;
    if (offset_s < -WT_POS_UTC_OFFSET_MAX_S || offset_s > WT_POS_UTC_OFFSET_MAX_S)
        return WT_ERR_INVALID_ARGUMENT;
    /* local midnight is UTC midnight minus the offset */
    *start_ms = midnight_ms - (int64_t)offset_s * 1000;
    *end_ms = *start_ms + DAY_MS;
    return WT_OK;
}

void wt_pos_time_format(char out[WT_POS_TIME_CHARS + 1], int64_t t_ms, int32_t offset_s)
{
    char utc[25];
    wt_time_format_utc(utc, t_ms + (int64_t)offset_s * 1000);
    if (offset_s == 0) {
        memcpy(out, utc, 25);
        return;
    }
    /* the offset is validated by its callers; bounded here all the same */
    int64_t a = offset_s < 0 ? -(int64_t)offset_s : offset_s;
    int h = (int)(a / 3600 % 100), m = (int)(a / 60 % 60), sec = (int)(a % 60);
    char sign = offset_s < 0 ? '-' : '+';
    if (sec != 0)
        snprintf(out, WT_POS_TIME_CHARS + 1, "%.23s%c%02d:%02d:%02d", utc, sign, h, m, sec);
    else
        snprintf(out, WT_POS_TIME_CHARS + 1, "%.23s%c%02d:%02d", utc, sign, h, m);
}
