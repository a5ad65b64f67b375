/*
 * sml.c — SML (Smart Message Language, German meters): the transport layer
 * (escape sequences, padding, CRC-16/X-25) and the part of the application
 * layer a meter bridge needs: GetList responses and their OBIS entries with
 * scaler and unit. Written from the SML 1.04 specification; no libsml. Every
 * length and nesting depth is bounded, so broken input ends in an error,
 * never a crash or a loop.
 */
#include "meter_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static const uint8_t esc4[4] = {0x1b, 0x1b, 0x1b, 0x1b};
static const uint8_t start_seq[8] = {0x1b, 0x1b, 0x1b, 0x1b, 0x01, 0x01, 0x01, 0x01};

#define SML_DEPTH_MAX 16

/* ------------------------------------------------------------- transport */

/* First index >= from where needle (len) starts in buf, or buf_len. */
static size_t find(const uint8_t *buf, size_t buf_len, size_t from, const uint8_t *needle,
                   size_t needle_len)
{
    while (from + needle_len <= buf_len) {
        const uint8_t *hit = memchr(buf + from, needle[0], buf_len - from - needle_len + 1);
        if (hit == NULL)
            return buf_len;
        size_t at = (size_t)(hit - buf);
        if (memcmp(buf + at, needle, needle_len) == 0)
            return at;
        from = at + 1;
    }
    return buf_len;
}

typedef enum { FRAME_OK, FRAME_MORE, FRAME_ERROR } frame_status;

/*
 * Unescape the frame starting at buf[s] (the start sequence) into payload.
 * FRAME_OK: *payload_len set, *frame_end after the CRC. FRAME_MORE: the
 * frame does not end within buf. FRAME_ERROR: *err and *frame_end (bytes to
 * drop) set.
 */
static frame_status frame_read(wt_meter_reading *r, uint8_t *payload, size_t *payload_len,
                               size_t *frame_end, wt_err *err, const uint8_t *buf, size_t buf_len,
                               size_t s, unsigned flags)
{
    size_t out = 0, i = s + 8;
    *payload_len = 0;
    for (;;) {
        size_t e = find(buf, buf_len, i, esc4, 4);
        size_t data_end = e < buf_len ? e : buf_len;
        if (data_end - s > WT_SML_FRAME_BYTES_MAX) {
            wt_meter_detail(r, "no frame end within %d bytes", WT_SML_FRAME_BYTES_MAX);
            *err = WT_ERR_TELEGRAM_TOO_LONG;
            *frame_end = s + 8;
            return FRAME_ERROR;
        }
        if (e == buf_len || e + 8 > buf_len)
            return FRAME_MORE;
        memcpy(payload + out, buf + i, e - i);
        out += e - i;
        const uint8_t *x = buf + e + 4;
        if (memcmp(x, esc4, 4) == 0) { /* an escaped 1b1b1b1b in the data */
            memcpy(payload + out, esc4, 4);
            out += 4;
            i = e + 8;
            continue;
        }
        if (memcmp(x, start_seq + 4, 4) == 0) {
            wt_meter_detail(r, "a new frame starts before this one ended");
            *err = WT_ERR_TELEGRAM_TRUNCATED;
            *frame_end = e;
            return FRAME_ERROR;
        }
        if (x[0] != 0x1a) {
            wt_meter_detail(r, "escape followed by %02x%02x%02x%02x", x[0], x[1], x[2], x[3]);
            *err = WT_ERR_SML_BAD_ESCAPE;
            *frame_end = e + 4;
            return FRAME_ERROR;
        }
        /* The end: 1b1b1b1b 1a NN crc_lo crc_hi, CRC over everything before it. */
        *frame_end = e + 8;
        uint16_t crc = wt_crc16_x25_update(0xffff, buf + s, e + 6 - s) ^ 0xffff;
        uint16_t given = (uint16_t)(x[2] | (x[3] << 8));
        if (crc != given) {
            wt_meter_detail(r, "the frame says %04x, its bytes give %04x", given, crc);
            if ((flags & WT_METER_IGNORE_CRC) == 0) {
                *err = WT_ERR_CRC_MISMATCH;
                return FRAME_ERROR;
            }
            r->crc = WT_METER_CRC_MISMATCH;
        } else {
            r->crc = WT_METER_CRC_OK;
        }
        size_t padding = x[1];
        if (padding > 3 || padding > out) {
            wt_meter_detail(r, "%zu padding bytes", padding);
            *err = WT_ERR_SML_BAD_ESCAPE;
            return FRAME_ERROR;
        }
        *payload_len = out - padding;
        return FRAME_OK;
    }
}

/* ------------------------------------------------------- TL-field reader */

enum { TL_OCTETS = 0, TL_BOOL = 4, TL_INT = 5, TL_UINT = 6, TL_LIST = 7 };

typedef struct {
    const uint8_t *p;
    size_t n, at;
} reader;

typedef struct {
    uint8_t type;
    size_t len; /* data bytes, or the element count of a list */
    const uint8_t *data;
    bool absent; /* 0x01: an optional field left out */
} tl;

static bool tl_read(reader *rd, tl *out)
{
    *out = (tl){0};
    if (rd->at >= rd->n)
        return false;
    uint8_t b = rd->p[rd->at];
    uint8_t type = (uint8_t)((b >> 4) & 7);
    size_t len = b & 0x0fu, tl_bytes = 1;
    while (b & 0x80) {
        if (rd->at + tl_bytes >= rd->n || tl_bytes == 4)
            return false;
        b = rd->p[rd->at + tl_bytes];
        if ((b & 0x70) != 0)
            return false;
        len = (len << 4) | (b & 0x0fu);
        tl_bytes++;
    }
    out->type = type;
    if (type == TL_LIST) {
        rd->at += tl_bytes;
        if (len > rd->n - rd->at) /* every element takes at least one byte */
            return false;
        out->len = len;
        return true;
    }
    if (type != TL_OCTETS && type != TL_BOOL && type != TL_INT && type != TL_UINT)
        return false;
    if (len < tl_bytes || len - tl_bytes > rd->n - rd->at - tl_bytes)
        return false;
    out->data = rd->p + rd->at + tl_bytes;
    out->len = len - tl_bytes;
    out->absent = type == TL_OCTETS && len == 1 && tl_bytes == 1;
    rd->at += len;
    return true;
}

static bool skip_element(reader *rd, int depth)
{
    if (depth > SML_DEPTH_MAX)
        return false;
    tl t;
    if (!tl_read(rd, &t))
        return false;
    if (t.type == TL_LIST)
        for (size_t i = 0; i < t.len; i++)
            if (!skip_element(rd, depth + 1))
                return false;
    return true;
}

/* An unsigned or signed integer element of 1..8 bytes. */
static bool tl_int(const tl *t, int64_t *value, bool *fits)
{
    *value = 0;
    *fits = true;
    if ((t->type != TL_INT && t->type != TL_UINT) || t->len == 0 || t->len > 8)
        return false;
    uint64_t u = 0;
    for (size_t i = 0; i < t->len; i++)
        u = (u << 8) | t->data[i];
    if (t->type == TL_INT) {
        if (t->len < 8 && (t->data[0] & 0x80)) /* sign-extend */
            u |= ~UINT64_C(0) << (8 * t->len);
        *value = (int64_t)u;
    } else {
        *fits = u <= (uint64_t)INT64_MAX;
        *value = (int64_t)(u & (uint64_t)INT64_MAX);
    }
    return true;
}

static bool read_uint(reader *rd, uint64_t *value)
{
    *value = 0;
    tl t;
    if (!tl_read(rd, &t) || t.type != TL_UINT || t.len == 0 || t.len > 8)
        return false;
    for (size_t i = 0; i < t.len; i++)
        *value = (*value << 8) | t.data[i];
    return true;
}

/* SML_Time: absent, a bare uint (old meters), or list(2) {choice, value}.
 * *kind: 0 none, 1 seconds index, 2 UTC timestamp (s). */
static bool read_time(reader *rd, int *kind, uint64_t *value)
{
    *kind = 0;
    *value = 0;
    size_t mark = rd->at;
    tl t;
    if (!tl_read(rd, &t))
        return false;
    if (t.absent)
        return true;
    if (t.type == TL_UINT) {
        rd->at = mark;
        *kind = 1;
        return read_uint(rd, value);
    }
    if (t.type != TL_LIST || t.len != 2)
        return false;
    uint64_t choice;
    if (!read_uint(rd, &choice))
        return false;
    if (choice == 3) { /* localTimestamp {timestamp, localOffset, seasonTimeOffset} */
        tl l;
        if (!tl_read(rd, &l) || l.type != TL_LIST || l.len != 3 || !read_uint(rd, value))
            return false;
        *kind = 2;
        return skip_element(rd, 1) && skip_element(rd, 1);
    }
    if (!read_uint(rd, value))
        return false;
    *kind = choice == 2 ? 2 : choice == 1 ? 1 : 0;
    return true;
}

/* ---------------------------------------------------------- list entries */

/* DLMS unit codes (IEC 62056-62) → wattle unit and the power of ten of the
 * base unit: Wh → mWh is 10^3. */
typedef struct {
    uint8_t code, unit;
    int8_t exp10;
} dlms_unit_def;

static const dlms_unit_def dlms_units[] = {
    {30, WT_UNIT_MWH, 3},   /* Wh */
    {27, WT_UNIT_MW, 3},    /* W */
    {32, WT_UNIT_MVARH, 3}, /* varh */
    {29, WT_UNIT_MVAR, 3},  /* var */
    {31, WT_UNIT_MVAH, 3},  /* VAh */
    {28, WT_UNIT_MVA, 3},   /* VA */
    {35, WT_UNIT_MV, 3},    /* V */
    {33, WT_UNIT_MA, 3},    /* A */
    {44, WT_UNIT_MHZ, 3},   /* Hz */
    {13, WT_UNIT_DM3, 3},   /* m³ */
    {7, WT_UNIT_S, 0},      /* s */
    {255, WT_UNIT_NONE, 0}, /* a count */
};

static bool dlms_unit(wt_meter_unit *unit, int *exp10, int64_t code)
{
    *unit = WT_UNIT_NONE;
    *exp10 = 0;
    for (size_t i = 0; i < sizeof dlms_units / sizeof dlms_units[0]; i++) {
        if (dlms_units[i].code == code) {
            *unit = (wt_meter_unit)dlms_units[i].unit;
            *exp10 = dlms_units[i].exp10;
            return true;
        }
    }
    return false;
}

/* raw × 10^scaler as exact decimal text, for values outside the unit table. */
static wt_err add_decimal_text(wt_meter_reading *r, wt_obis obis, int64_t raw, bool fits,
                               uint64_t raw_u, int scaler)
{
    char text[64];
    int64_t scaled;
    if (!fits) {
        snprintf(text, sizeof text, "%" PRIu64, raw_u);
    } else if (scaler <= 0 && scaler >= -18) {
        wt_err err = wt_decimal_format(text, sizeof text, raw, (unsigned)-scaler);
        WT_ASSERT(err == WT_OK);
    } else if (scaler > 0 && wt_meter_scale_i64(&scaled, raw, scaler) == WT_OK) {
        snprintf(text, sizeof text, "%" PRId64, scaled);
    } else {
        snprintf(text, sizeof text, "%" PRId64 "e%d", raw, scaler);
    }
    return wt_meter_reading_add_text(r, obis, text, strlen(text));
}

static bool printable(const uint8_t *d, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (d[i] < 0x20 || d[i] > 0x7e)
            return false;
    return true;
}

static wt_err add_octets(wt_meter_reading *r, wt_obis obis, const uint8_t *d, size_t len)
{
    if (printable(d, len))
        return wt_meter_reading_add_text(r, obis, (const char *)d, len);
    char hex[2 * 128 + 1];
    if (len > 128) {
        wt_meter_detail(r, "an octet string of %zu bytes", len);
        return WT_ERR_BAD_SML;
    }
    wt_hex_encode(hex, d, len);
    return wt_meter_reading_add_text(r, obis, hex, 2 * len);
}

/* SML_ListEntry {objName, status, valTime, unit, scaler, value, valueSignature} */
static wt_err read_entry(wt_meter_reading *r, reader *rd)
{
    tl t;
    size_t at = rd->at;
    if (!tl_read(rd, &t) || t.type != TL_LIST || t.len != 7) {
        wt_meter_detail(r, "frame byte %zu: a list entry is not a list of 7", at);
        return WT_ERR_BAD_SML;
    }
    tl name;
    if (!tl_read(rd, &name) || name.type != TL_OCTETS || name.len != 6) {
        wt_meter_detail(r, "frame byte %zu: an entry's OBIS code is not 6 bytes", at);
        return WT_ERR_BAD_SML;
    }
    wt_obis obis = {name.data[0], name.data[1], name.data[2],
                    name.data[3], name.data[4], name.data[5]};
    int time_kind;
    uint64_t time_value;
    if (!skip_element(rd, 2) || !read_time(rd, &time_kind, &time_value)) {
        wt_meter_detail(r, "frame byte %zu: an entry's status or time is malformed", at);
        return WT_ERR_BAD_SML;
    }
    if (time_kind == 1 && !r->has_sec_index && time_value <= UINT32_MAX) {
        r->sec_index = (uint32_t)time_value;
        r->has_sec_index = true;
    }
    tl unit_tl, scaler_tl, value_tl;
    if (!tl_read(rd, &unit_tl) || !tl_read(rd, &scaler_tl)) {
        wt_meter_detail(r, "frame byte %zu: an entry's unit or scaler is malformed", at);
        return WT_ERR_BAD_SML;
    }
    size_t value_at = rd->at;
    if (!tl_read(rd, &value_tl)) {
        wt_meter_detail(r, "frame byte %zu: an entry's value is malformed", at);
        return WT_ERR_BAD_SML;
    }
    if (value_tl.type == TL_LIST) { /* a list-valued entry: not a meter reading */
        rd->at = value_at;
        if (!skip_element(rd, 2) || !skip_element(rd, 2)) {
            wt_meter_detail(r, "frame byte %zu: an entry's value is malformed", at);
            return WT_ERR_BAD_SML;
        }
        return WT_OK;
    }
    if (!skip_element(rd, 2)) { /* valueSignature */
        wt_meter_detail(r, "frame byte %zu: an entry's signature is malformed", at);
        return WT_ERR_BAD_SML;
    }
    int64_t unit_code = 255, scaler = 0;
    bool fits;
    if (!unit_tl.absent && (!tl_int(&unit_tl, &unit_code, &fits) || unit_tl.type != TL_UINT)) {
        wt_meter_detail(r, "frame byte %zu: the unit is not an unsigned integer", at);
        return WT_ERR_BAD_SML;
    }
    if (!scaler_tl.absent &&
        (!tl_int(&scaler_tl, &scaler, &fits) || scaler < -128 || scaler > 127)) {
        wt_meter_detail(r, "frame byte %zu: the scaler is not an integer", at);
        return WT_ERR_BAD_SML;
    }
    if (value_tl.absent)
        return WT_OK; /* no value */
    if (value_tl.type == TL_OCTETS)
        return add_octets(r, obis, value_tl.data, value_tl.len);
    if (value_tl.type == TL_BOOL) {
        if (value_tl.len != 1) {
            wt_meter_detail(r, "frame byte %zu: a boolean of %zu bytes", at, value_tl.len);
            return WT_ERR_BAD_SML;
        }
        return wt_meter_reading_add_int(r, obis, value_tl.data[0] != 0, WT_UNIT_NONE);
    }
    int64_t raw;
    if (!tl_int(&value_tl, &raw, &fits)) {
        wt_meter_detail(r, "frame byte %zu: an integer of %zu bytes", at, value_tl.len);
        return WT_ERR_BAD_SML;
    }
    uint64_t raw_u = 0;
    for (size_t i = 0; i < value_tl.len; i++)
        raw_u = (raw_u << 8) | value_tl.data[i];
    wt_meter_unit unit;
    int exp10;
    if (fits && dlms_unit(&unit, &exp10, unit_code) && (unit != WT_UNIT_NONE || scaler == 0)) {
        int64_t v;
        if (wt_meter_scale_i64(&v, raw, exp10 + (int)scaler) == WT_OK)
            return wt_meter_reading_add_int(r, obis, v, unit);
    }
    return add_decimal_text(r, obis, raw, fits, raw_u, (int)scaler);
}

/* SML_GetList.Res {clientId, serverId, listName, actSensorTime, valList,
 * listSignature, actGatewayTime} */
static wt_err read_get_list(wt_meter_reading *r, reader *rd)
{
    tl t, server;
    size_t at = rd->at;
    if (!tl_read(rd, &t) || t.type != TL_LIST || t.len != 7 || !skip_element(rd, 1) ||
        !tl_read(rd, &server) || server.type != TL_OCTETS || !skip_element(rd, 1)) {
        wt_meter_detail(r, "frame byte %zu: a GetList response is malformed", at);
        return WT_ERR_BAD_SML;
    }
    if (!server.absent && server.len > 0 && 2 * server.len <= WT_METER_REPORTED_ID_BYTES_MAX) {
        wt_hex_encode(r->meter_id, server.data, server.len);
        r->has_meter_id = true;
    }
    int time_kind;
    uint64_t time_value;
    if (!read_time(rd, &time_kind, &time_value)) {
        wt_meter_detail(r, "frame byte %zu: the list's time is malformed", rd->at);
        return WT_ERR_BAD_SML;
    }
    if (time_kind == 1 && time_value <= UINT32_MAX) {
        r->sec_index = (uint32_t)time_value;
        r->has_sec_index = true;
    } else if (time_kind == 2 && time_value <= (uint64_t)INT64_MAX / 1000) {
        r->t_ms = (int64_t)time_value * 1000;
        r->has_time = true;
    }
    tl list;
    if (!tl_read(rd, &list) || list.type != TL_LIST) {
        wt_meter_detail(r, "frame byte %zu: the value list is not a list", rd->at);
        return WT_ERR_BAD_SML;
    }
    for (size_t i = 0; i < list.len; i++) {
        wt_err err = read_entry(r, rd);
        if (err != WT_OK)
            return err;
    }
    if (!skip_element(rd, 1) || !skip_element(rd, 1)) {
        wt_meter_detail(r, "frame byte %zu: the list's signature or gateway time is malformed",
                        rd->at);
        return WT_ERR_BAD_SML;
    }
    return WT_OK;
}

#define SML_GET_LIST_RES 0x0701u

/*
 * Walk the messages of a payload; read the GetList response number `want`
 * (0-based). *found: whether it exists; *more: whether another follows.
 */
static wt_err read_messages(wt_meter_reading *r, bool *found, bool *more, const uint8_t *payload,
                            size_t payload_len, size_t want)
{
    *found = *more = false;
    reader rd = {.p = payload, .n = payload_len};
    size_t seen = 0;
    while (rd.at < rd.n) {
        if (rd.p[rd.at] == 0x00) { /* fill between messages */
            rd.at++;
            continue;
        }
        size_t at = rd.at;
        tl msg, body;
        uint64_t tag;
        if (!tl_read(&rd, &msg) || msg.type != TL_LIST || msg.len != 6 || !skip_element(&rd, 1) ||
            !skip_element(&rd, 1) || !skip_element(&rd, 1) || !tl_read(&rd, &body) ||
            body.type != TL_LIST || body.len != 2 || !read_uint(&rd, &tag)) {
            wt_meter_detail(r, "frame byte %zu: not an SML message", at);
            return WT_ERR_BAD_SML;
        }
        if (tag == SML_GET_LIST_RES) {
            if (seen == want) {
                wt_err err = read_get_list(r, &rd);
                if (err != WT_OK)
                    return err;
                *found = true;
            } else if (seen > want) {
                *more = true;
                return WT_OK;
            } else if (!skip_element(&rd, 1)) {
                wt_meter_detail(r, "frame byte %zu: a message body is malformed", at);
                return WT_ERR_BAD_SML;
            }
            seen++;
        } else if (!skip_element(&rd, 1)) {
            wt_meter_detail(r, "frame byte %zu: a message body is malformed", at);
            return WT_ERR_BAD_SML;
        }
        /* crc16 (not checked: the frame's CRC covers it) and endOfSmlMsg. */
        if (!skip_element(&rd, 1) || rd.at >= rd.n || rd.p[rd.at] != 0x00) {
            wt_meter_detail(r, "frame byte %zu: a message does not end properly", at);
            return WT_ERR_BAD_SML;
        }
        rd.at++;
    }
    return WT_OK;
}

wt_err wt_sml_next(wt_meter_reading *reading, size_t *used, size_t *list_index, const uint8_t *buf,
                   size_t buf_len, bool at_end, unsigned flags)
{
    wt_meter_reading_reset(reading, WT_METER_FORMAT_SML);
    *used = 0;
    WT_ASSERT(buf != NULL || buf_len == 0);
    size_t want = *list_index;
    *list_index = 0;

    size_t s = find(buf, buf_len, 0, start_seq, sizeof start_seq);
    if (s == buf_len) {
        /* Keep a tail that may be the beginning of a start sequence. */
        if (at_end)
            *used = buf_len;
        else
            *used = buf_len > 7 ? buf_len - 7 : 0;
        return WT_ERR_NOT_FOUND;
    }
    uint8_t payload[WT_SML_FRAME_BYTES_MAX]; /* the unescaped frame */
    size_t payload_len, frame_end = 0;
    wt_err err = WT_OK;
    frame_status st =
        frame_read(reading, payload, &payload_len, &frame_end, &err, buf, buf_len, s, flags);
    if (st == FRAME_MORE) {
        if (!at_end) {
            *used = s;
            return WT_ERR_NOT_FOUND;
        }
        wt_meter_detail(reading, "the input ends inside a frame");
        *used = buf_len;
        return WT_ERR_TELEGRAM_TRUNCATED;
    }
    *used = frame_end;
    if (st == FRAME_ERROR)
        return err;

    uint8_t crc = reading->crc;
    bool found, more;
    err = read_messages(reading, &found, &more, payload, payload_len, want);
    if (err == WT_OK && !found) {
        wt_meter_reading_reset(reading, WT_METER_FORMAT_SML);
        return WT_ERR_NOT_FOUND; /* a frame without readings (open/close only, profiles) */
    }
    if (err != WT_OK) {
        char detail[WT_METER_DETAIL_BYTES];
        memcpy(detail, reading->detail, sizeof detail);
        wt_meter_reading_reset(reading, WT_METER_FORMAT_SML);
        memcpy(reading->detail, detail, sizeof detail);
        return err;
    }
    reading->crc = crc;
    reading->has_version = true;
    reading->version[0] = '1'; /* the transport's version: 01010101 */
    if (more) {
        *used = 0; /* the same frame holds the next one */
        *list_index = want + 1;
    }
    return WT_OK;
}
