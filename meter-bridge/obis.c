/*
 * obis.c — what every meter protocol shares: OBIS codes, the unit table that
 * turns "kWh" or a DLMS unit into wattle's smallest units, exact decimal
 * scaling, the two CRC-16 variants, and civil time → Unix ms.
 */
#include "meter_internal.h"

#include <stdio.h>
#include <string.h>

/* ------------------------------------------------------------------ OBIS */

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* One decimal group 0..255 at text[*at]; advances *at. */
static bool obis_group(uint8_t *out, size_t *at, const char *text, size_t text_len)
{
    size_t i = *at;
    unsigned v = 0;
    size_t digits = 0;
    while (i < text_len && is_digit(text[i])) {
        v = v * 10 + (unsigned)(text[i] - '0');
        if (v > 255 || ++digits > 3)
            return false;
        i++;
    }
    if (digits == 0)
        return false;
    *out = (uint8_t)v;
    *at = i;
    return true;
}

wt_err wt_obis_parse(wt_obis *obis, size_t *used, const char *text, size_t text_len)
{
    *obis = (wt_obis){0};
    *used = 0;
    wt_obis o = {.f = 255};
    size_t at = 0;
    if (!obis_group(&o.a, &at, text, text_len) || at >= text_len || text[at] != '-')
        return WT_ERR_BAD_OBIS;
    at++;
    if (!obis_group(&o.b, &at, text, text_len) || at >= text_len || text[at] != ':')
        return WT_ERR_BAD_OBIS;
    at++;
    if (!obis_group(&o.c, &at, text, text_len) || at >= text_len ||
        (text[at] != '.' && text[at] != ':'))
        return WT_ERR_BAD_OBIS;
    at++;
    if (!obis_group(&o.d, &at, text, text_len) || at >= text_len ||
        (text[at] != '.' && text[at] != ':'))
        return WT_ERR_BAD_OBIS;
    at++;
    if (!obis_group(&o.e, &at, text, text_len))
        return WT_ERR_BAD_OBIS;
    if (at + 1 < text_len && (text[at] == '*' || text[at] == '.') && is_digit(text[at + 1])) {
        at++;
        if (!obis_group(&o.f, &at, text, text_len))
            return WT_ERR_BAD_OBIS;
    }
    *obis = o;
    *used = at;
    return WT_OK;
}

void wt_obis_format(char out[WT_OBIS_TEXT_BYTES], wt_obis o)
{
    if (o.f == 255)
        snprintf(out, WT_OBIS_TEXT_BYTES, "%u-%u:%u.%u.%u", o.a, o.b, o.c, o.d, o.e);
    else
        snprintf(out, WT_OBIS_TEXT_BYTES, "%u-%u:%u.%u.%u*%u", o.a, o.b, o.c, o.d, o.e, o.f);
}

wt_obis wt_obis_make(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint8_t e)
{
    return (wt_obis){.a = a, .b = b, .c = c, .d = d, .e = e, .f = 255};
}

bool wt_obis_equal(wt_obis x, wt_obis y)
{
    return x.a == y.a && x.b == y.b && x.c == y.c && x.d == y.d && x.e == y.e && x.f == y.f;
}

/* ----------------------------------------------------------------- names */

const char *wt_meter_format_name(wt_meter_format format)
{
    switch (format) {
    case WT_METER_FORMAT_DSMR:
        return "dsmr";
    case WT_METER_FORMAT_SML:
        return "sml";
    case WT_METER_FORMAT_TASMOTA:
        return "tasmota";
    }
    return "unknown";
}

const char *wt_meter_unit_name(wt_meter_unit unit)
{
    static const char *const names[WT_UNIT_COUNT_] = {
        [WT_UNIT_NONE] = "",       [WT_UNIT_MWH] = "mWh",   [WT_UNIT_MW] = "mW",
        [WT_UNIT_MVARH] = "mvarh", [WT_UNIT_MVAR] = "mvar", [WT_UNIT_MVAH] = "mVAh",
        [WT_UNIT_MVA] = "mVA",     [WT_UNIT_MV] = "mV",     [WT_UNIT_MA] = "mA",
        [WT_UNIT_MHZ] = "mHz",     [WT_UNIT_DM3] = "dm3",   [WT_UNIT_S] = "s",
    };
    return (unsigned)unit < WT_UNIT_COUNT_ ? names[unit] : "";
}

const char *wt_meter_crc_name(wt_meter_crc crc)
{
    switch (crc) {
    case WT_METER_CRC_NONE:
        return "none";
    case WT_METER_CRC_OK:
        return "ok";
    case WT_METER_CRC_MISMATCH:
        return "mismatch";
    }
    return "none";
}

/* ----------------------------------------------------------------- units */

typedef struct {
    const char *name; /* compared case-insensitively */
    int8_t exp10;
    uint8_t unit;
    bool joules;
} unit_def;

/* Units as telegrams and Tasmota write them. "MWh" is left out on purpose:
 * compared case-insensitively it would be "mWh", a factor 10^9 apart. */
static const unit_def unit_table[] = {
    {"kWh", 6, WT_UNIT_MWH, false},     {"Wh", 3, WT_UNIT_MWH, false},
    {"kW", 6, WT_UNIT_MW, false},       {"W", 3, WT_UNIT_MW, false},
    {"kvarh", 6, WT_UNIT_MVARH, false}, {"varh", 3, WT_UNIT_MVARH, false},
    {"kvar", 6, WT_UNIT_MVAR, false},   {"var", 3, WT_UNIT_MVAR, false},
    {"kVAh", 6, WT_UNIT_MVAH, false},   {"VAh", 3, WT_UNIT_MVAH, false},
    {"kVA", 6, WT_UNIT_MVA, false},     {"VA", 3, WT_UNIT_MVA, false},
    {"V", 3, WT_UNIT_MV, false},        {"A", 3, WT_UNIT_MA, false},
    {"Hz", 3, WT_UNIT_MHZ, false},      {"m3", 3, WT_UNIT_DM3, false},
    {"s", 0, WT_UNIT_S, false},         {"GJ", 9, WT_UNIT_MWH, true},
    {"MJ", 6, WT_UNIT_MWH, true},
};

static bool same_ci(const char *a, const char *b, size_t b_len)
{
    size_t i = 0;
    for (; i < b_len; i++) {
        char x = a[i], y = b[i];
        if (x == '\0')
            return false;
        if (x >= 'A' && x <= 'Z')
            x = (char)(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z')
            y = (char)(y - 'A' + 'a');
        if (x != y)
            return false;
    }
    return a[i] == '\0';
}

bool wt_meter_unit_lookup(wt_meter_unit *out_unit, int *exp10, bool *joules, const char *unit,
                          size_t unit_len)
{
    *out_unit = WT_UNIT_NONE;
    *exp10 = 0;
    *joules = false;
    for (size_t i = 0; i < sizeof unit_table / sizeof unit_table[0]; i++) {
        if (same_ci(unit_table[i].name, unit, unit_len)) {
            *out_unit = (wt_meter_unit)unit_table[i].unit;
            *exp10 = unit_table[i].exp10;
            *joules = unit_table[i].joules;
            return true;
        }
    }
    return false;
}

/* ------------------------------------------------------ decimal scaling */

wt_err wt_meter_scale_i64(int64_t *out, int64_t mantissa, int exp10)
{
    *out = 0;
    int64_t v = mantissa;
    for (; exp10 > 0; exp10--) {
        if (v == 0)
            break;
        if (__builtin_mul_overflow(v, 10, &v))
            return WT_ERR_OVERFLOW;
    }
    for (; exp10 < 0 && v != 0; exp10++)
        v /= 10; /* C division truncates toward zero */
    *out = v;
    return WT_OK;
}

wt_err wt_meter_decimal_scale(int64_t *out, const char *text, size_t text_len, int exp10)
{
    *out = 0;
    size_t i = 0;
    bool negative = false;
    if (i < text_len && text[i] == '-') {
        negative = true;
        i++;
    }
    size_t int_start = i;
    while (i < text_len && is_digit(text[i]))
        i++;
    size_t int_end = i;
    if (int_end == int_start)
        return WT_ERR_BAD_NUMBER;
    size_t frac_start = i, frac_end = i;
    if (i < text_len && text[i] == '.') {
        i++;
        frac_start = i;
        while (i < text_len && is_digit(text[i]))
            i++;
        frac_end = i;
        if (frac_end == frac_start)
            return WT_ERR_BAD_NUMBER;
    }
    long exponent = 0;
    if (i < text_len && (text[i] == 'e' || text[i] == 'E')) {
        i++;
        bool exp_negative = false;
        if (i < text_len && (text[i] == '+' || text[i] == '-')) {
            exp_negative = text[i] == '-';
            i++;
        }
        size_t exp_start = i;
        while (i < text_len && is_digit(text[i])) {
            if (exponent < 100000) /* saturate: anything this large is 0 or overflow */
                exponent = exponent * 10 + (text[i] - '0');
            i++;
        }
        if (i == exp_start)
            return WT_ERR_BAD_NUMBER;
        if (exp_negative)
            exponent = -exponent;
    }
    if (i != text_len)
        return WT_ERR_BAD_NUMBER;

    /* The value is digits(int ‖ frac) × 10^shift; keep the digits whose place
     * is ≥ 10^0 after shifting, i.e. drop the last -shift digits. */
    size_t frac_len = frac_end - frac_start;
    long shift = (long)exp10 + exponent - (long)frac_len;
    size_t total = (int_end - int_start) + frac_len;
    size_t keep = total;
    if (shift < 0)
        keep = (size_t)-shift >= total ? 0 : total - (size_t)-shift;
    uint64_t mag = 0;
    for (size_t k = 0; k < keep; k++) {
        size_t pos =
            k < int_end - int_start ? int_start + k : frac_start + (k - (int_end - int_start));
        unsigned d = (unsigned)(text[pos] - '0');
        if (mag > (UINT64_MAX - d) / 10)
            return WT_ERR_OVERFLOW;
        mag = mag * 10 + d;
        if (mag > (uint64_t)INT64_MAX)
            return WT_ERR_OVERFLOW;
    }
    for (long s = shift; s > 0 && mag != 0; s--) {
        if (mag > (uint64_t)INT64_MAX / 10)
            return WT_ERR_OVERFLOW;
        mag *= 10;
    }
    int64_t v = (int64_t)mag;
    *out = negative ? -v : v;
    return WT_OK;
}

/* ------------------------------------------------------------------- CRC */

uint16_t wt_crc16_arc_update(uint16_t crc, const uint8_t *data, size_t data_len)
{
    for (size_t i = 0; i < data_len; i++) {
        crc ^= data[i];
        for (int bit = 0; bit < 8; bit++)
            crc = (crc & 1u) ? (uint16_t)((crc >> 1) ^ 0xA001u) : (uint16_t)(crc >> 1);
    }
    return crc;
}

uint16_t wt_crc16_x25_update(uint16_t crc, const uint8_t *data, size_t data_len)
{
    for (size_t i = 0; i < data_len; i++) {
        crc ^= data[i];
        for (int bit = 0; bit < 8; bit++)
            crc = (crc & 1u) ? (uint16_t)((crc >> 1) ^ 0x8408u) : (uint16_t)(crc >> 1);
    }
    return crc;
}

/* ------------------------------------------------------------ civil time */

static bool is_leap(int year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

bool wt_meter_civil_to_ms(int64_t *t_ms, int year, int month, int day, int hour, int minute,
                          int second)
{
    *t_ms = 0;
    static const int8_t month_days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (year < 1970 || year > 9999 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 ||
        minute < 0 || minute > 59 || second < 0 || second > 59)
        return false;
    int dim = month_days[month - 1] + (month == 2 && is_leap(year) ? 1 : 0);
    if (day > dim)
        return false;
    /* Days from civil (proleptic Gregorian), counted from 1970-01-01. */
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
