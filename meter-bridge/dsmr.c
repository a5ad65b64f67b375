/*
 * dsmr.c — the DSMR P1 telegram parser (Dutch DSMR 2.2 … 5.0.2, Belgian
 * e-MUCS, Luxembourg, and the DSMR-like Hungarian, Irish and EasyMeter
 * variants): framing in a byte stream, the CRC-16/ARC check, the OBIS lines
 * with their value groups, units and timestamps. Pure: it reads the caller's
 * buffer and fills the caller's reading.
 */
#include "meter_internal.h"

#include <string.h>

/* An object: one OBIS code and its value groups, which may continue on the
 * following lines (the gas reading of DSMR 2.2/3 is on the line after). */
#define GROUPS_KEPT 8

typedef struct {
    size_t offset, len;
} span;

typedef struct {
    bool open;
    wt_obis obis;
    size_t line_no;
    uint32_t groups_count; /* all groups, even those beyond GROUPS_KEPT */
    span groups[GROUPS_KEPT];
} object;

static bool is_letter(uint8_t c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static bool is_digit(uint8_t c)
{
    return c >= '0' && c <= '9';
}

static int hex_value(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* A header starts with '/' and three letters (the manufacturer's code). */
typedef enum { HEADER_NO, HEADER_YES, HEADER_MAYBE } header_match;

static header_match header_at(const uint8_t *buf, size_t buf_len, size_t i)
{
    if (buf[i] != '/')
        return HEADER_NO;
    for (size_t k = 1; k <= 3; k++) {
        if (i + k >= buf_len)
            return HEADER_MAYBE;
        if (!is_letter(buf[i + k]))
            return HEADER_NO;
    }
    return HEADER_YES;
}

/* ------------------------------------------------------------- timestamps */

/* Day of the month of the last Sunday of (year, month). */
static int last_sunday(int year, int month, int days_in_month)
{
    int64_t t;
    bool ok = wt_civil_to_ms(&t, year, month, days_in_month, 0, 0, 0);
    WT_ASSERT(ok);
    int64_t days = t / 86400000;
    int weekday = (int)((days + 4) % 7); /* 1970-01-01 was a Thursday; 0 = Sunday */
    return days_in_month - weekday;
}

/* Central European local time → UTC. dst: 'S' summer (UTC+2), 'W' winter
 * (UTC+1), 0 unknown (DSMR 2.2/3 stamps: the EU rule decides). */
static bool cet_to_ms(int64_t *t_ms, int year, int month, int day, int hour, int minute, int second,
                      char dst)
{
    int64_t local;
    if (!wt_civil_to_ms(&local, year, month, day, hour, minute, second))
        return false;
    bool summer = dst == 'S';
    if (dst == 0) {
        int64_t start, end;
        wt_civil_to_ms(&start, year, 3, last_sunday(year, 3, 31), 1, 0, 0);
        wt_civil_to_ms(&end, year, 10, last_sunday(year, 10, 31), 1, 0, 0);
        int64_t winter_utc = local - 3600000;
        summer = winter_utc >= start && winter_utc < end;
    }
    *t_ms = local - (summer ? 7200000 : 3600000);
    return true;
}

/* "YYMMDDhhmmss" plus an optional 'S'/'W': the shape, not the date. */
static bool timestamp_shaped(const uint8_t *s, size_t len)
{
    if (len != 12 && len != 13)
        return false;
    for (size_t i = 0; i < 12; i++)
        if (!is_digit(s[i]))
            return false;
    return len == 12 || s[12] == 'S' || s[12] == 'W' || s[12] == 's' || s[12] == 'w';
}

static int two(const uint8_t *s)
{
    return (s[0] - '0') * 10 + (s[1] - '0');
}

static bool timestamp_to_ms(int64_t *t_ms, const uint8_t *s, size_t len)
{
    *t_ms = 0;
    if (!timestamp_shaped(s, len))
        return false;
    char dst = 0;
    if (len == 13)
        dst = (s[12] == 'S' || s[12] == 's') ? 'S' : 'W';
    return cet_to_ms(t_ms, 2000 + two(s), two(s + 2), two(s + 4), two(s + 6), two(s + 8),
                     two(s + 10), dst);
}

/* ------------------------------------------------------------------ values */

/* Unit-less values that are counts or enumerations (reported as integers);
 * every other unit-less value is text. */
static bool is_counter(wt_obis o)
{
    if (o.c == 96 && o.d == 7 && (o.e == 21 || o.e == 9))
        return true; /* power failures */
    if ((o.c == 32 || o.c == 52 || o.c == 72) && (o.d == 32 || o.d == 36) && o.e == 0)
        return true; /* voltage sags and swells */
    if (o.c == 24 && (o.d == 1 || o.d == 4) && o.e == 0)
        return true; /* M-Bus device type, valve position */
    if (o.c == 96 && o.d == 3 && o.e == 10)
        return true; /* breaker state */
    return false;
}

static bool all_digits(const uint8_t *s, size_t len)
{
    if (len == 0 || len > 18)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!is_digit(s[i]))
            return false;
    return true;
}

/* value "number*unit" (unit may instead come from `unit`, the 2.2/3 gas form). */
static wt_err add_value(wt_meter_reading *r, wt_obis obis, const uint8_t *v, size_t v_len,
                        const uint8_t *unit, size_t unit_len, size_t line_no)
{
    const uint8_t *star = memchr(v, '*', v_len);
    size_t num_len = v_len;
    if (star != NULL) {
        num_len = (size_t)(star - v);
        unit = star + 1;
        unit_len = v_len - num_len - 1;
    }
    if (unit == NULL) {
        if (is_counter(obis) && all_digits(v, v_len)) {
            int64_t n;
            wt_err err = wt_meter_decimal_scale(&n, (const char *)v, v_len, 0);
            WT_ASSERT(err == WT_OK);
            return wt_meter_reading_add_int(r, obis, n, WT_UNIT_NONE);
        }
        return wt_meter_reading_add_text(r, obis, (const char *)v, v_len);
    }
    wt_meter_unit u;
    int exp10;
    bool joules;
    if (!wt_meter_unit_lookup(&u, &exp10, &joules, (const char *)unit, unit_len))
        return wt_meter_reading_add_text(r, obis, (const char *)v, v_len); /* as written */
    int64_t n;
    wt_err err = wt_meter_decimal_scale(&n, (const char *)v, num_len, exp10);
    if (err == WT_OK && joules)
        err = wt_muldiv_i64(&n, n, 10, 36); /* J → mWh: 1 mWh = 3.6 J */
    if (err != WT_OK) {
        wt_meter_detail(r, "line %zu: value '%.*s' is not a number in range", line_no,
                        (int)(v_len > 40 ? 40 : v_len), (const char *)v);
        return WT_ERR_BAD_METER_VALUE;
    }
    return wt_meter_reading_add_int(r, obis, n, u);
}

static wt_err flush_object(wt_meter_reading *r, object *obj, const uint8_t *buf)
{
    if (!obj->open)
        return WT_OK;
    obj->open = false;
    wt_obis o = obj->obis;
    const span *g = obj->groups;
    uint32_t n = obj->groups_count;
    if (n == 0) {
        wt_meter_detail(r, "line %zu: OBIS code without a value", obj->line_no);
        return WT_ERR_BAD_TELEGRAM;
    }
    /* Logs (power failures, Belgian monthly peaks): checked for shape only. */
    if ((o.c == 99 && o.d == 97 && o.e == 0) || (o.c == 98 && o.d == 1 && o.e == 0))
        return WT_OK;
    /* The telegram's time stamp. */
    if (o.a == 0 && o.c == 1 && o.d == 0 && o.e == 0) {
        int64_t t;
        if (n == 1 && timestamp_to_ms(&t, buf + g[0].offset, g[0].len)) {
            r->t_ms = t;
            r->has_time = true;
        }
        return WT_OK; /* a stamp that is not a real date leaves t_ms unknown */
    }
    const span *value = &g[0];
    const uint8_t *unit = NULL;
    size_t unit_len = 0;
    bool first_is_time = timestamp_shaped(buf + g[0].offset, g[0].len);
    if (n == 2 && first_is_time) {
        value = &g[1]; /* (time)(value), e.g. 0-1:24.2.1, 1-0:1.6.0 */
    } else if (n >= 6 && first_is_time) {
        /* DSMR 2.2/3 gas: (time)(status)(period)(count)(obis)(unit) then the
         * value on the next line. */
        if (n != 7) {
            wt_meter_detail(r, "line %zu: %u groups where the 2.2/3 form has 7", obj->line_no, n);
            return WT_ERR_BAD_TELEGRAM;
        }
        value = &g[6];
        unit = buf + g[5].offset;
        unit_len = g[5].len;
    }
    return add_value(r, o, buf + value->offset, value->len, unit, unit_len, obj->line_no);
}

/* ---------------------------------------------------------------- lines */

/* Groups "(…)(…)" from buf[p..end) into obj. */
static wt_err parse_groups(wt_meter_reading *r, object *obj, const uint8_t *buf, size_t p,
                           size_t end, size_t line_no)
{
    while (p < end) {
        if (buf[p] != '(') {
            wt_meter_detail(r, "line %zu: '(' expected at column %zu", line_no, p);
            return WT_ERR_BAD_TELEGRAM;
        }
        size_t close = p + 1;
        while (close < end && buf[close] != ')' && buf[close] != '(')
            close++;
        if (close == end || buf[close] != ')') {
            wt_meter_detail(r, "line %zu: unbalanced parentheses", line_no);
            return WT_ERR_BAD_TELEGRAM;
        }
        if (obj->groups_count < GROUPS_KEPT)
            obj->groups[obj->groups_count] = (span){p + 1, close - p - 1};
        obj->groups_count++;
        p = close + 1;
    }
    return WT_OK;
}

static const wt_obis meter_id_codes[] = {
    {0, 0, 96, 1, 1, 255}, {0, 0, 96, 1, 0, 255},   {0, 0, 42, 0, 0, 255},
    {1, 0, 0, 0, 0, 255},  {0, 0, 96, 1, 255, 255},
};

/* The meter's own id, decoded from hex when that gives printable text. */
static void set_meter_id(wt_meter_reading *r)
{
    for (size_t k = 0; k < sizeof meter_id_codes / sizeof meter_id_codes[0]; k++) {
        const wt_meter_value *v = wt_meter_reading_find(r, meter_id_codes[k]);
        if (v == NULL || v->kind != WT_METER_VALUE_TEXT || v->text_len == 0)
            continue;
        const char *t = wt_meter_value_text(r, v);
        size_t len = v->text_len;
        char decoded[WT_METER_REPORTED_ID_BYTES_MAX + 1];
        bool printable = len % 2 == 0 && len / 2 <= WT_METER_REPORTED_ID_BYTES_MAX;
        for (size_t i = 0; printable && i < len / 2; i++) {
            int hi = hex_value((uint8_t)t[2 * i]), lo = hex_value((uint8_t)t[2 * i + 1]);
            int c = hi * 16 + lo;
            printable = hi >= 0 && lo >= 0 && c >= 0x20 && c < 0x7f;
            decoded[i] = (char)c;
        }
        if (printable)
            r->has_meter_id =
                wt_meter_copy_field(r->meter_id, sizeof r->meter_id, decoded, len / 2);
        else
            r->has_meter_id = wt_meter_copy_field(r->meter_id, sizeof r->meter_id, t, len);
        if (r->has_meter_id)
            return;
    }
}

static void set_version(wt_meter_reading *r)
{
    static const wt_obis codes[] = {{1, 3, 0, 2, 8, 255}, {0, 0, 96, 1, 4, 255}};
    for (size_t k = 0; k < 2; k++) {
        const wt_meter_value *v = wt_meter_reading_find(r, codes[k]);
        if (v == NULL || v->kind != WT_METER_VALUE_TEXT || v->text_len == 0)
            continue;
        r->has_version = wt_meter_copy_field(r->version, sizeof r->version,
                                             wt_meter_value_text(r, v), v->text_len);
        if (r->has_version)
            return;
    }
}

/* Parse the lines of one framed telegram buf[start..bang) ('!' at bang). */
static wt_err parse_body(wt_meter_reading *r, const uint8_t *buf, size_t start, size_t bang)
{
    object obj = {0};
    size_t p = start, line_no = 0;
    while (p < bang) {
        line_no++;
        const uint8_t *nl = memchr(buf + p, '\n', bang - p);
        WT_ASSERT(nl != NULL); /* framing ended every line before '!' */
        size_t end = (size_t)(nl - buf);
        size_t next = end + 1;
        if (end > p && buf[end - 1] == '\r')
            end--;
        /* Data lines are printable ASCII. The header may carry a control
         * character (an Irish Iskra sends 0x02 where others write "\\2"). */
        for (size_t i = p; i < end && line_no > 1; i++) {
            if (buf[i] < 0x20 || buf[i] > 0x7e) {
                wt_meter_detail(r, "line %zu: byte 0x%02x is not printable text", line_no, buf[i]);
                return WT_ERR_BAD_TELEGRAM;
            }
        }
        wt_err err = WT_OK;
        if (line_no == 1) {
            /* the header "/XXX5identification": nothing to report */
        } else if (end == p) {
            /* the blank line after the header (some meters leave it out) */
        } else if (buf[p] == '(') {
            if (!obj.open) {
                wt_meter_detail(r, "line %zu: a value without an OBIS code", line_no);
                return WT_ERR_BAD_TELEGRAM;
            }
            err = parse_groups(r, &obj, buf, p, end, line_no);
        } else {
            err = flush_object(r, &obj, buf);
            if (err != WT_OK)
                return err;
            size_t used;
            err = wt_obis_parse(&obj.obis, &used, (const char *)buf + p, end - p);
            if (err != WT_OK) {
                wt_meter_detail(r, "line %zu: '%.*s' does not start with an OBIS code", line_no,
                                (int)(end - p > 24 ? 24 : end - p), (const char *)buf + p);
                return err;
            }
            obj.open = true;
            obj.line_no = line_no;
            obj.groups_count = 0;
            err = parse_groups(r, &obj, buf, p + used, end, line_no);
        }
        if (err != WT_OK)
            return err;
        p = next;
    }
    wt_err err = flush_object(r, &obj, buf);
    if (err != WT_OK)
        return err;
    set_meter_id(r);
    set_version(r);
    return WT_OK;
}

/* CRC-16/ARC over buf[start..bang] with every bare LF counted as CR LF. */
static uint16_t telegram_crc(const uint8_t *buf, size_t start, size_t bang)
{
    static const uint8_t cr = '\r';
    uint16_t crc = 0;
    size_t run = start;
    for (size_t i = start; i <= bang; i++) {
        if (buf[i] == '\n' && (i == start || buf[i - 1] != '\r')) {
            crc = wt_crc16_arc_update(crc, buf + run, i - run);
            crc = wt_crc16_arc_update(crc, &cr, 1);
            run = i;
        }
    }
    return wt_crc16_arc_update(crc, buf + run, bang + 1 - run);
}

wt_err wt_dsmr_next(wt_meter_reading *reading, size_t *used, const uint8_t *buf, size_t buf_len,
                    bool at_end, unsigned flags)
{
    wt_meter_reading_reset(reading, WT_METER_FORMAT_DSMR);
    *used = 0;
    WT_ASSERT(buf != NULL || buf_len == 0);

    /* 1. The start: skip bytes up to a header. */
    size_t start = 0;
    for (;; start++) {
        if (start == buf_len) {
            *used = buf_len;
            return WT_ERR_NOT_FOUND;
        }
        header_match m = header_at(buf, buf_len, start);
        if (m == HEADER_YES)
            break;
        if (m == HEADER_MAYBE) {
            *used = at_end ? buf_len : start;
            return WT_ERR_NOT_FOUND;
        }
    }

    /* 2. The end: lines up to the one starting with '!'. */
    size_t p = start, bang = 0, end = 0, line_no = 0;
    for (;;) {
        line_no++;
        if (p - start > WT_DSMR_TELEGRAM_BYTES_MAX) {
            wt_meter_detail(reading, "no end after %d bytes", WT_DSMR_TELEGRAM_BYTES_MAX);
            *used = p;
            return WT_ERR_TELEGRAM_TOO_LONG;
        }
        if (p > start && p < buf_len && header_at(buf, buf_len, p) == HEADER_YES) {
            wt_meter_detail(reading, "a new telegram starts at line %zu before this one ended",
                            line_no);
            *used = p;
            return WT_ERR_TELEGRAM_TRUNCATED;
        }
        size_t window = buf_len - p;
        if (window > WT_DSMR_LINE_BYTES_MAX + 2)
            window = WT_DSMR_LINE_BYTES_MAX + 2;
        const uint8_t *nl = window > 0 ? memchr(buf + p, '\n', window) : NULL;
        size_t line_end = nl != NULL ? (size_t)(nl - buf) : p + window;
        size_t content = line_end - p;
        if (content > 0 && buf[line_end - 1] == '\r')
            content--;
        /* A telegram cut off mid-line runs straight into the next header:
         * "…(0001/ISK5\2M550T…". Inside a line only the stricter form with
         * the baud-rate digit counts, so text like "(a/b)" is left alone. */
        if (p > start && content > 1) {
            const uint8_t *slash = memchr(buf + p + 1, '/', content - 1);
            while (slash != NULL) {
                size_t at = (size_t)(slash - buf);
                if (at + 4 < buf_len && header_at(buf, buf_len, at) == HEADER_YES &&
                    is_digit(buf[at + 4])) {
                    wt_meter_detail(reading, "a new telegram starts in line %zu", line_no);
                    *used = at;
                    return WT_ERR_TELEGRAM_TRUNCATED;
                }
                slash = memchr(slash + 1, '/', p + content - at - 1);
            }
        }
        if (content > WT_DSMR_LINE_BYTES_MAX) {
            wt_meter_detail(reading, "line %zu is longer than %d bytes", line_no,
                            WT_DSMR_LINE_BYTES_MAX);
            *used = p + WT_DSMR_LINE_BYTES_MAX;
            return WT_ERR_LINE_TOO_LONG;
        }
        if (nl == NULL && !at_end) {
            *used = start; /* wait for the rest */
            return WT_ERR_NOT_FOUND;
        }
        if (p < buf_len && buf[p] == '!' && p > start) {
            bang = p;
            end = nl != NULL ? line_end + 1 : buf_len;
            break;
        }
        if (nl == NULL) {
            wt_meter_detail(reading, "the input ends at line %zu, before the '!' line", line_no);
            *used = buf_len;
            return WT_ERR_TELEGRAM_TRUNCATED;
        }
        p = line_end + 1;
    }
    *used = end;

    /* 3. The CRC line: '!' and 0–4 hex digits (DSMR 4+ pads to 4; some
     * meters do not). */
    size_t q = bang + 1, crc_end = end;
    while (crc_end > q && (buf[crc_end - 1] == '\n' || buf[crc_end - 1] == '\r'))
        crc_end--;
    if (crc_end - q > 4) {
        wt_meter_detail(reading, "line %zu: the CRC line has %zu characters after '!'", line_no,
                        crc_end - q);
        return WT_ERR_BAD_TELEGRAM;
    }
    unsigned given = 0;
    for (size_t i = q; i < crc_end; i++) {
        int h = hex_value(buf[i]);
        if (h < 0) {
            wt_meter_detail(reading, "line %zu: the CRC is not hexadecimal", line_no);
            return WT_ERR_BAD_TELEGRAM;
        }
        given = given * 16 + (unsigned)h;
    }
    if (crc_end > q) {
        uint16_t computed = telegram_crc(buf, start, bang);
        if (computed != given) {
            wt_meter_detail(reading, "the telegram says %04X, its bytes give %04X", given,
                            computed);
            if ((flags & WT_METER_IGNORE_CRC) == 0)
                return WT_ERR_CRC_MISMATCH;
            reading->crc = WT_METER_CRC_MISMATCH;
        } else {
            reading->crc = WT_METER_CRC_OK;
        }
    }

    /* 4. The lines. */
    uint8_t crc = reading->crc;
    wt_err err = parse_body(reading, buf, start, bang);
    if (err != WT_OK) {
        /* A failed telegram reports only the error: zero the rest. */
        char detail[WT_METER_DETAIL_BYTES];
        memcpy(detail, reading->detail, sizeof detail);
        wt_meter_reading_reset(reading, WT_METER_FORMAT_DSMR);
        memcpy(reading->detail, detail, sizeof detail);
        return err;
    }
    reading->crc = crc;
    if (crc != WT_METER_CRC_MISMATCH)
        reading->detail[0] = '\0';
    /* DSMR 4 and later always send a CRC: a telegram that says it is one
     * and has none lost it (or was never checked by anyone). */
    const wt_meter_value *v = wt_meter_reading_find(reading, wt_obis_make(1, 3, 0, 2, 8));
    int64_t version;
    if (crc == WT_METER_CRC_NONE && (flags & WT_METER_IGNORE_CRC) == 0 && v != NULL &&
        v->kind == WT_METER_VALUE_TEXT &&
        wt_meter_decimal_scale(&version, wt_meter_value_text(reading, v), v->text_len, 0) ==
            WT_OK &&
        version >= 40) {
        wt_meter_reading_reset(reading, WT_METER_FORMAT_DSMR);
        wt_meter_detail(reading, "DSMR version %lld sends a CRC after '!'", (long long)version);
        return WT_ERR_CRC_MISSING;
    }
    return WT_OK;
}
