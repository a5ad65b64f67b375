/* civil.c — civil (proleptic Gregorian) dates and times in UTC to and from
 * Unix ms: the well-known days-from-civil and civil-from-days conversions
 * over 400-year eras. Pure. */
#include "common.h"

#include <string.h>

#define DAY_MS INT64_C(86400000)

static bool is_leap(int year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

bool wt_civil_to_ms(int64_t *t_ms, int year, int month, int day, int hour, int minute, int second)
{
    *t_ms = 0;
    static const int8_t month_days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (year < 1970 || year > 9999 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 ||
        minute < 0 || minute > 59 || second < 0 || second > 59)
        return false;
    int dim = month_days[month - 1] + (month == 2 && is_leap(year) ? 1 : 0);
    if (day > dim)
        return false;
    int y = month <= 2 ? year - 1 : year;
    int era = y / 400;
    int yoe = y - era * 400;
    int mp = (month + 9) % 12;
    int doy = (153 * mp + 2) / 5 + day - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    int64_t days = (int64_t)era * 146097 + doe - 719468;
    *t_ms = ((days * 24 + hour) * 60 + minute) * INT64_C(60000) + (int64_t)second * 1000;
    return true;
}

void wt_civil_from_ms(wt_civil *c, int64_t t_ms)
{
    int64_t days = t_ms >= 0 ? t_ms / DAY_MS : (t_ms - DAY_MS + 1) / DAY_MS;
    int64_t ms = t_ms - days * DAY_MS; /* [0, DAY_MS) */
    c->hour = (int)(ms / 3600000);
    c->minute = (int)(ms / 60000 % 60);
    c->second = (int)(ms / 1000 % 60);
    c->weekday = (int)(((days % 7) + 7 + 3) % 7); /* 1970-01-01 was a Thursday */
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;                                      /* [0, 146096] */
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);               /* [0, 365] */
    int64_t mp = (5 * doy + 2) / 153;                                    /* [0, 11] */
    c->day = (int)(doy - (153 * mp + 2) / 5 + 1);
    c->month = (int)(mp < 10 ? mp + 3 : mp - 9);
    c->year = (int)(yoe + era * 400 + (c->month <= 2 ? 1 : 0));
    /* day of the year from 1 January */
    static const int16_t before[12] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
    c->yday = before[c->month - 1] + c->day - 1 + (c->month > 2 && is_leap(c->year) ? 1 : 0);
}

static bool two_digits(const char *text, int *out)
{
    if (text[0] < '0' || text[0] > '9' || text[1] < '0' || text[1] > '9')
        return false;
    *out = (text[0] - '0') * 10 + (text[1] - '0');
    return true;
}

wt_err wt_utc_offset_parse(int32_t *offset_s, const char *text)
{
    *offset_s = 0;
    size_t len = strlen(text);
    if (len == 1 && (text[0] == 'Z' || text[0] == 'z'))
        return WT_OK;
    int h, m, s = 0;
    if ((len != 6 && len != 9) || (text[0] != '+' && text[0] != '-') || text[3] != ':' ||
        !two_digits(text + 1, &h) || !two_digits(text + 4, &m) ||
        (len == 9 && (text[6] != ':' || !two_digits(text + 7, &s))))
        return WT_ERR_INVALID_ARGUMENT;
    int32_t total = h * 3600 + m * 60 + s;
    if (m > 59 || s > 59 || total > WT_UTC_OFFSET_MAX_S)
        return WT_ERR_INVALID_ARGUMENT;
    *offset_s = text[0] == '-' ? -total : total;
    return WT_OK;
}
