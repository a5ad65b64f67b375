/* client_parse.c — pure parsers of the node-client commands (client_parse.h). */
#include "client_parse.h"

#include <stdio.h>
#include <string.h>

/* A decimal with 6 fractional digits, at least `min`. */
static wt_err scaled_parse(int64_t *out, const char *text, int64_t min)
{
    *out = 0;
    int64_t v;
    wt_err err = wt_decimal_parse(&v, text, 6, false);
    if (err != WT_OK)
        return err;
    if (v < min)
        return WT_ERR_BAD_NUMBER;
    *out = v;
    return WT_OK;
}

wt_err wt_cli_amount_parse(int64_t *amount_micro, const char *text)
{
    return scaled_parse(amount_micro, text, 1);
}

wt_err wt_cli_price_parse(int64_t *price_micro_per_kwh, const char *text)
{
    return scaled_parse(price_micro_per_kwh, text, 0);
}

wt_err wt_cli_energy_kwh_parse(int64_t *energy_mwh, const char *text)
{
    _Static_assert(WT_MWH_PER_KWH == 1000000, "6 decimals of kWh are mWh");
    return scaled_parse(energy_mwh, text, 1);
}

wt_err wt_cli_u64_parse(uint64_t *value, const char *text)
{
    *value = 0;
    if (*text == '\0')
        return WT_ERR_BAD_NUMBER;
    uint64_t v = 0;
    for (const char *p = text; *p != '\0'; p++) {
        if (*p < '0' || *p > '9')
            return WT_ERR_BAD_NUMBER;
        unsigned d = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - d) / 10)
            return WT_ERR_OVERFLOW;
        v = v * 10 + d;
    }
    *value = v;
    return WT_OK;
}

wt_err wt_cli_duration_parse(int64_t *duration_ms, const char *text)
{
    *duration_ms = 0;
    char digits[24];
    size_t len = strlen(text);
    int64_t unit_ms = 1000;
    if (len > 0 && (text[len - 1] == 's' || text[len - 1] == 'm' || text[len - 1] == 'h')) {
        unit_ms = text[len - 1] == 's' ? 1000 : text[len - 1] == 'm' ? 60000 : 3600000;
        len--;
    }
    if (len == 0 || len >= sizeof digits)
        return WT_ERR_BAD_NUMBER;
    memcpy(digits, text, len);
    digits[len] = '\0';
    uint64_t n;
    if (wt_cli_u64_parse(&n, digits) != WT_OK || n == 0)
        return WT_ERR_BAD_NUMBER;
    const int64_t max_ms = INT64_C(30) * 24 * 3600 * 1000;
    if (n > (uint64_t)(max_ms / unit_ms))
        return WT_ERR_BAD_NUMBER;
    *duration_ms = (int64_t)n * unit_ms;
    return WT_OK;
}

static int id_cmp(const wt_meter_id *a, const wt_meter_id *b)
{
    int c = memcmp(a->bytes, b->bytes, a->len < b->len ? a->len : b->len);
    if (c != 0)
        return c;
    return a->len < b->len ? -1 : a->len > b->len ? 1 : 0;
}

static wt_err csv_fail(wt_readings_csv_error *err, size_t line, const char *what, const char *col,
                       const char *text)
{
    err->line = line;
    if (col != NULL)
        snprintf(err->message, sizeof err->message, "%s '%.40s' in column %s", what, text, col);
    else
        snprintf(err->message, sizeof err->message, "%s", what);
    return WT_ERR_BAD_CSV;
}

/* A whole number of mWh >= 0 that fits int64. */
static bool energy_field(int64_t *out, const char *text)
{
    uint64_t v;
    if (wt_cli_u64_parse(&v, text) != WT_OK || v > (uint64_t)INT64_MAX)
        return false;
    *out = (int64_t)v;
    return true;
}

wt_err wt_readings_csv_parse(wt_reading *out, size_t out_cap, size_t *count,
                             wt_readings_csv_error *err, const char *text, size_t text_len)
{
    *count = 0;
    memset(err, 0, sizeof *err);
    /* lines[i]: the line of out[i], for the duplicate message. */
    static _Thread_local uint32_t lines[WT_READINGS_MAX];
    size_t cap = out_cap < WT_READINGS_MAX ? out_cap : WT_READINGS_MAX;
    size_t n = 0, at = 0, line = 0;
    bool header_seen = false;
    while (at < text_len) {
        line++;
        const char *start = text + at;
        const char *nl = memchr(start, '\n', text_len - at);
        size_t len = nl != NULL ? (size_t)(nl - start) : text_len - at;
        at += len + (nl != NULL ? 1 : 0);
        if (len > 0 && start[len - 1] == '\r')
            len--;
        if (memchr(start, '\0', len) != NULL)
            return csv_fail(err, line, "a NUL byte in the line", NULL, NULL);
        char buf[256];
        if (len >= sizeof buf)
            return csv_fail(err, line, "line too long (at most 255 characters)", NULL, NULL);
        memcpy(buf, start, len);
        buf[len] = '\0';
        if (!header_seen) {
            if (strcmp(buf, "meter,import_mwh,export_mwh") != 0)
                return csv_fail(err, line, "the header must be meter,import_mwh,export_mwh", NULL,
                                NULL);
            header_seen = true;
            continue;
        }
        if (len == 0)
            return csv_fail(err, line, "empty line", NULL, NULL);
        char *f1 = strchr(buf, ',');
        char *f2 = f1 != NULL ? strchr(f1 + 1, ',') : NULL;
        if (f1 == NULL || f2 == NULL || strchr(f2 + 1, ',') != NULL)
            return csv_fail(err, line, "expected 3 fields: meter,import_mwh,export_mwh", NULL,
                            NULL);
        *f1++ = '\0';
        *f2++ = '\0';
        if (n == cap) {
            err->line = line;
            snprintf(err->message, sizeof err->message, "more than %zu readings", cap);
            return WT_ERR_CAPACITY;
        }
        wt_reading r;
        memset(&r, 0, sizeof r);
        if (wt_meter_id_set(&r.meter_id, buf) != WT_OK)
            return csv_fail(err, line, "bad meter id (1..32 printable characters, no spaces)",
                            "meter", buf);
        if (!energy_field(&r.import_mwh, f1))
            return csv_fail(err, line, "not a whole number of mWh >= 0", "import_mwh", f1);
        if (!energy_field(&r.export_mwh, f2))
            return csv_fail(err, line, "not a whole number of mWh >= 0", "export_mwh", f2);
        /* Insert in order (input usually arrives sorted: then this appends). */
        size_t lo = 0, hi = n;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            int c = id_cmp(&out[mid].meter_id, &r.meter_id);
            if (c == 0) {
                err->line = line;
                snprintf(err->message, sizeof err->message,
                         "meter '%s' is listed twice (first on line %u)", buf, lines[mid]);
                return WT_ERR_BAD_CSV;
            }
            if (c < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        memmove(&out[lo + 1], &out[lo], (n - lo) * sizeof out[0]);
        memmove(&lines[lo + 1], &lines[lo], (n - lo) * sizeof lines[0]);
        out[lo] = r;
        lines[lo] = (uint32_t)line;
        n++;
    }
    if (!header_seen)
        return csv_fail(err, 0, "empty file: the header meter,import_mwh,export_mwh is missing",
                        NULL, NULL);
    if (n == 0)
        return csv_fail(err, 0, "no readings after the header", NULL, NULL);
    *count = n;
    return WT_OK;
}
