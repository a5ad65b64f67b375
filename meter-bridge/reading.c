/*
 * reading.c — filling a wt_meter_reading, and writing it (or an error) as the
 * one JSON line of `wattle-meter parse`.
 */
#include "meter_internal.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void wt_meter_reading_reset(wt_meter_reading *reading, wt_meter_format format)
{
    WT_ASSERT(reading != NULL);
    memset(reading, 0, sizeof *reading);
    reading->format = (uint8_t)format;
}

void wt_meter_detail(wt_meter_reading *reading, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reading->detail, sizeof reading->detail, fmt, ap);
    va_end(ap);
}

bool wt_meter_copy_field(char *field, size_t cap, const char *text, size_t text_len)
{
    field[0] = '\0';
    if (text_len + 1 > cap)
        return false;
    memcpy(field, text, text_len);
    field[text_len] = '\0';
    return true;
}

const wt_meter_value *wt_meter_reading_find(const wt_meter_reading *reading, wt_obis obis)
{
    for (uint32_t i = 0; i < reading->values_count; i++)
        if (memcmp(&reading->values[i].obis, &obis, sizeof obis) == 0) /* inlined compare */
            return &reading->values[i];
    return NULL;
}

const char *wt_meter_value_text(const wt_meter_reading *reading, const wt_meter_value *value)
{
    WT_ASSERT(value->kind == WT_METER_VALUE_TEXT);
    WT_ASSERT((size_t)value->text_offset + value->text_len <= reading->text_used);
    return reading->text + value->text_offset;
}

static wt_err add_slot(wt_meter_value **slot, wt_meter_reading *reading, wt_obis obis)
{
    *slot = NULL;
    if (wt_meter_reading_find(reading, obis) != NULL) {
        char code[WT_OBIS_TEXT_BYTES];
        wt_obis_format(code, obis);
        wt_meter_detail(reading, "OBIS code %s appears twice", code);
        return WT_ERR_BAD_TELEGRAM;
    }
    if (reading->values_count == WT_METER_VALUES_MAX) {
        wt_meter_detail(reading, "more than %d values", WT_METER_VALUES_MAX);
        return WT_ERR_TOO_MANY_VALUES;
    }
    *slot = &reading->values[reading->values_count];
    **slot = (wt_meter_value){.obis = obis};
    return WT_OK;
}

wt_err wt_meter_reading_add_int(wt_meter_reading *reading, wt_obis obis, int64_t value,
                                wt_meter_unit unit)
{
    wt_meter_value *v;
    wt_err err = add_slot(&v, reading, obis);
    if (err != WT_OK)
        return err;
    v->kind = WT_METER_VALUE_INT;
    v->unit = (uint8_t)unit;
    v->value_int = value;
    reading->values_count++;
    return WT_OK;
}

wt_err wt_meter_reading_add_text(wt_meter_reading *reading, wt_obis obis, const char *text,
                                 size_t text_len)
{
    wt_meter_value *v;
    wt_err err = add_slot(&v, reading, obis);
    if (err != WT_OK)
        return err;
    if (text_len > WT_METER_TEXT_BYTES_MAX - reading->text_used) {
        wt_meter_detail(reading, "text values longer than %d bytes in all",
                        WT_METER_TEXT_BYTES_MAX);
        return WT_ERR_TOO_MANY_VALUES;
    }
    v->kind = WT_METER_VALUE_TEXT;
    v->text_offset = reading->text_used;
    v->text_len = (uint16_t)text_len;
    if (text_len > 0)
        memcpy(reading->text + reading->text_used, text, text_len);
    reading->text_used += (uint32_t)text_len;
    reading->values_count++;
    return WT_OK;
}

/* ------------------------------------------------------------------ JSON */

void wt_json_raw(wt_json_buf *b, const char *s, size_t n)
{
    if (b->overflow || n >= b->cap - b->len) {
        b->overflow = true;
        return;
    }
    memcpy(b->out + b->len, s, n);
    b->len += n;
    b->out[b->len] = '\0';
}

void wt_json_cstr(wt_json_buf *b, const char *s)
{
    wt_json_raw(b, s, strlen(s));
}

void wt_json_string(wt_json_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    wt_json_raw(b, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            char esc[2] = {'\\', (char)c};
            wt_json_raw(b, esc, 2);
        } else if (c < 0x20 || c == 0x7f) {
            char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            wt_json_raw(b, esc, 6);
        } else if (c >= 0x80) {
            /* Parsers only store ASCII text; anything else is shown as \u00XX
             * so the line stays valid UTF-8 whatever the input was. */
            char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            wt_json_raw(b, esc, 6);
        } else {
            wt_json_raw(b, (const char *)&s[i], 1);
        }
    }
    wt_json_raw(b, "\"", 1);
}

void wt_json_i64(wt_json_buf *b, int64_t v)
{
    char num[24];
    int n = snprintf(num, sizeof num, "%" PRId64, v);
    wt_json_raw(b, num, (size_t)n);
}

wt_err wt_json_finish(wt_json_buf *b, size_t *out_len)
{
    if (b->overflow) {
        if (b->cap > 0)
            b->out[0] = '\0';
        return WT_ERR_BUFFER_TOO_SMALL;
    }
    *out_len = b->len;
    return WT_OK;
}

wt_err wt_meter_reading_json(char *out, size_t out_cap, size_t *out_len, const wt_meter_reading *r)
{
    *out_len = 0;
    wt_json_buf b = {.out = out, .cap = out_cap, .overflow = out_cap == 0};
    if (out_cap > 0)
        out[0] = '\0';
    wt_json_cstr(&b, "{\"format\":");
    const char *format = wt_meter_format_name((wt_meter_format)r->format);
    wt_json_string(&b, format, strlen(format));
    wt_json_cstr(&b, ",\"version\":");
    if (r->has_version)
        wt_json_string(&b, r->version, strlen(r->version));
    else
        wt_json_cstr(&b, "null");
    wt_json_cstr(&b, ",\"meter_id\":");
    if (r->has_meter_id)
        wt_json_string(&b, r->meter_id, strlen(r->meter_id));
    else
        wt_json_cstr(&b, "null");
    wt_json_cstr(&b, ",\"t_ms\":");
    if (r->has_time)
        wt_json_i64(&b, r->t_ms);
    else
        wt_json_cstr(&b, "null");
    wt_json_cstr(&b, ",\"crc\":\"");
    wt_json_cstr(&b, wt_meter_crc_name((wt_meter_crc)r->crc));
    wt_json_cstr(&b, "\",\"values\":{");
    for (uint32_t i = 0; i < r->values_count; i++) {
        const wt_meter_value *v = &r->values[i];
        char code[WT_OBIS_TEXT_BYTES];
        wt_obis_format(code, v->obis);
        if (i > 0)
            wt_json_raw(&b, ",", 1);
        wt_json_string(&b, code, strlen(code));
        wt_json_raw(&b, ":", 1);
        if (v->kind == WT_METER_VALUE_INT)
            wt_json_i64(&b, v->value_int);
        else
            wt_json_string(&b, wt_meter_value_text(r, v), v->text_len);
    }
    wt_json_cstr(&b, "}}");
    return wt_json_finish(&b, out_len);
}

wt_err wt_meter_error_json(char *out, size_t out_cap, size_t *out_len, wt_err err,
                           const char *detail)
{
    *out_len = 0;
    wt_json_buf b = {.out = out, .cap = out_cap, .overflow = out_cap == 0};
    if (out_cap > 0)
        out[0] = '\0';
    const char *name = wt_errname(err);
    const char *msg = wt_strerror(err);
    wt_json_cstr(&b, "{\"error\":{\"code\":");
    wt_json_string(&b, name, strlen(name));
    wt_json_cstr(&b, ",\"message\":");
    char text[256];
    if (detail != NULL && detail[0] != '\0')
        snprintf(text, sizeof text, "%s: %s", msg, detail);
    else
        snprintf(text, sizeof text, "%s", msg);
    wt_json_string(&b, text, strlen(text));
    wt_json_cstr(&b, "}}");
    return wt_json_finish(&b, out_len);
}
