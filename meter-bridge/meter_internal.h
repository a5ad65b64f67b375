/*
 * meter_internal.h — helpers the meter-bridge parsers share and nobody else
 * sees: filling a wt_meter_reading, the two CRC-16 variants, civil time,
 * the JSON writer.
 */
#ifndef WATTLE_METER_INTERNAL_H
#define WATTLE_METER_INTERNAL_H

#include "meter.h"

/* Zero *reading and set its format. */
void wt_meter_reading_reset(wt_meter_reading *reading, wt_meter_format format);

/* Append a value; WT_ERR_TOO_MANY_VALUES, WT_ERR_BAD_TELEGRAM (a repeated
 * OBIS code) or WT_ERR_TOO_LARGE (text space) on failure, with the detail set. */
wt_err wt_meter_reading_add_int(wt_meter_reading *reading, wt_obis obis, int64_t value,
                                wt_meter_unit unit);
wt_err wt_meter_reading_add_text(wt_meter_reading *reading, wt_obis obis, const char *text,
                                 size_t text_len);

/* printf into reading->detail (truncated to fit). */
void wt_meter_detail(wt_meter_reading *reading, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Copy text into a fixed field of cap bytes (including the NUL); false when
 * it does not fit (the field is then left empty). */
bool wt_meter_copy_field(char *field, size_t cap, const char *text, size_t text_len);

/* CRC-16/ARC (poly 0x8005 reflected = 0xA001, init 0): the DSMR P1 CRC. */
uint16_t wt_crc16_arc_update(uint16_t crc, const uint8_t *data, size_t data_len);
/* CRC-16/X-25 (poly 0x1021 reflected = 0x8408, init 0xFFFF, final xor 0xFFFF):
 * SML. Call with crc = 0xFFFF first and xor the final value with 0xFFFF. */
uint16_t wt_crc16_x25_update(uint16_t crc, const uint8_t *data, size_t data_len);

/* Scale an integer mantissa by 10^exp10 (truncating toward zero for a
 * negative exp10); WT_ERR_OVERFLOW out of int64. */
wt_err wt_meter_scale_i64(int64_t *out, int64_t mantissa, int exp10);

/* A JSON writer into caller memory: every put is dropped once the buffer
 * is full, and wt_json_finish then says WT_ERR_BUFFER_TOO_SMALL. */
typedef struct {
    char *out;
    size_t cap, len;
    bool overflow;
} wt_json_buf;
void wt_json_raw(wt_json_buf *b, const char *s, size_t n);
void wt_json_cstr(wt_json_buf *b, const char *s);
/* A JSON string of s[0..n): quotes, escapes, and \u00XX for every byte
 * outside printable ASCII. */
void wt_json_string(wt_json_buf *b, const char *s, size_t n);
void wt_json_i64(wt_json_buf *b, int64_t v);
/* *out_len on success; the output emptied on overflow. */
wt_err wt_json_finish(wt_json_buf *b, size_t *out_len);

#endif /* WATTLE_METER_INTERNAL_H */
