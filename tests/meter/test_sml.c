/*
 * test_sml.c — the SML decoder over hand-made dumps (data/sml-*.bin, written
 * by data/make_sml.py) and frames built here: values with scaler and unit,
 * signed 2/3-byte integers, escape sequences, two GetList responses in one
 * frame, partial frames at the edges, CRC failures; then robustness: every
 * single-byte change caught by the CRC, every prefix handled, absurd lengths
 * and nesting refused, chunked streaming equal to one buffer.
 */
#include "meter.h"
#include "testutil.h"

#include "meter_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *data_dir;
static wt_meter_reading reading;

static uint8_t *load(const char *name, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", data_dir, name);
    uint8_t *buf = (uint8_t *)wt_test_read_file(path, len);
    if (buf == NULL)
        fail_msg("cannot read %s", path);
    return buf;
}

static int64_t int_value(const char *code)
{
    wt_obis o;
    size_t used;
    assert_int_equal(wt_obis_parse(&o, &used, code, strlen(code)), WT_OK);
    const wt_meter_value *v = wt_meter_reading_find(&reading, o);
    if (v == NULL || v->kind != WT_METER_VALUE_INT)
        fail_msg("%s: no integer value", code);
    return v->value_int;
}

static const char *text_value(const char *code)
{
    static char out[256];
    wt_obis o;
    size_t used;
    assert_int_equal(wt_obis_parse(&o, &used, code, strlen(code)), WT_OK);
    const wt_meter_value *v = wt_meter_reading_find(&reading, o);
    if (v == NULL || v->kind != WT_METER_VALUE_TEXT)
        fail_msg("%s: no text value", code);
    snprintf(out, sizeof out, "%.*s", (int)v->text_len, wt_meter_value_text(&reading, v));
    return out;
}

/* ------------------------------------------------------------ a stream */

typedef struct {
    wt_err err;
    int64_t energy_in_mwh; /* 1-0:1.8.0, or -1 */
    uint32_t sec_index;
} result;

static size_t decode_all(result *out, size_t out_cap, const uint8_t *buf, size_t len,
                         wt_test_rng *rng, unsigned flags)
{
    static uint8_t window[WT_SML_FRAME_BYTES_MAX + 4096];
    size_t have = 0, fed = 0, count = 0, list_index = 0;
    for (;;) {
        size_t chunk = rng == NULL ? len - fed : (size_t)wt_test_rng_range(rng, 1, 300);
        if (chunk > len - fed)
            chunk = len - fed;
        if (chunk > sizeof window - have)
            chunk = sizeof window - have;
        memcpy(window + have, buf + fed, chunk);
        have += chunk;
        fed += chunk;
        bool at_end = fed == len;
        for (int guard = 0;; guard++) {
            assert_true(guard < 100000);
            size_t used;
            wt_err err = wt_sml_next(&reading, &used, &list_index, window, have, at_end, flags);
            assert_true(used <= have);
            if (err != WT_ERR_NOT_FOUND) {
                assert_true(count < out_cap);
                out[count].err = err;
                const wt_meter_value *v =
                    wt_meter_reading_find(&reading, wt_obis_make(1, 0, 1, 8, 0));
                out[count].energy_in_mwh =
                    v != NULL && v->kind == WT_METER_VALUE_INT ? v->value_int : -1;
                out[count].sec_index = reading.sec_index;
                count++;
                if (err != WT_OK)
                    assert_true(used > 0);
            }
            memmove(window, window + used, have - used);
            have -= used;
            if (err == WT_ERR_NOT_FOUND && used == 0)
                break;
            if (err == WT_ERR_NOT_FOUND && at_end && have == 0)
                break;
        }
        if (at_end) {
            assert_int_equal(have, 0);
            return count;
        }
    }
}

static void basic_dump(void **state)
{
    (void)state;
    size_t len;
    uint8_t *d = load("sml-basic.bin", &len);
    result r[8];
    assert_int_equal(decode_all(r, 8, d, len, NULL, 0), 2);
    assert_int_equal(r[0].err, WT_OK);
    assert_int_equal(r[0].energy_in_mwh, 12345678900); /* 123456789 × 10^-1 Wh */
    assert_int_equal(r[0].sec_index, 1000);
    assert_int_equal(r[1].err, WT_OK);

    /* The first frame: -29912 as int16 with scaler -2 is -299.12 W (the
     * DZG meters' own encoding, reported as sent). */
    size_t used, list_index = 0;
    assert_int_equal(wt_sml_next(&reading, &used, &list_index, d, len, true, 0), WT_OK);
    assert_int_equal(int_value("1-0:16.7.0"), -299120);
    assert_true(used > 0 && used < len);

    /* The second frame. */
    assert_int_equal(wt_sml_next(&reading, &used, &list_index, d + used, len - used, true, 0),
                     WT_OK);
    assert_int_equal(reading.crc, WT_METER_CRC_OK);
    assert_string_equal(reading.meter_id, "0a015754540000012345");
    assert_string_equal(reading.version, "1");
    assert_false(reading.has_time);
    assert_int_equal(reading.sec_index, 1001);
    assert_int_equal(int_value("1-0:2.8.0"), 4200);
    /* 35624 sent as a signed 3-byte integer with scaler -2: +356.24 W */
    assert_int_equal(int_value("1-0:16.7.0"), 356240);
    assert_string_equal(text_value("1-0:96.50.1*1"), "WTT");
    assert_string_equal(text_value("1-0:96.1.0"), "0a015754540000012345"); /* binary → hex */
    free(d);
}

static void escapes_and_units(void **state)
{
    (void)state;
    size_t len, used, list_index = 0;
    uint8_t *d = load("sml-escape.bin", &len);
    static const uint8_t escaped[8] = {0x1b, 0x1b, 0x1b, 0x1b, 0x1b, 0x1b, 0x1b, 0x1b};
    bool found = false;
    for (size_t i = 8; i + 8 <= len && !found; i++)
        found = memcmp(d + i, escaped, 8) == 0;
    assert_true(found); /* the dump really carries an escaped 1b1b1b1b */
    assert_int_equal(wt_sml_next(&reading, &used, &list_index, d, len, true, 0), WT_OK);
    assert_int_equal(used, len);
    assert_int_equal(int_value("1-0:1.8.0"), INT64_C(0x1b1b1b1b) * 1000);
    assert_int_equal(int_value("1-0:16.7.0"), -1000);  /* ffffff: -1 W in 3 bytes */
    assert_int_equal(int_value("1-0:32.7.0"), 230100); /* 2301 × 0.1 V */
    assert_int_equal(int_value("1-0:31.7.0"), 1530);   /* 153 × 0.01 A */
    assert_int_equal(int_value("1-0:14.7.0"), 50000);  /* 500 × 0.1 Hz */
    assert_int_equal(reading.sec_index, 1002);
    free(d);
}

static void two_lists_in_one_frame(void **state)
{
    (void)state;
    size_t len, used, list_index = 0;
    uint8_t *d = load("sml-two-lists.bin", &len);
    assert_int_equal(wt_sml_next(&reading, &used, &list_index, d, len, true, 0), WT_OK);
    assert_int_equal(used, 0); /* the frame holds another list */
    assert_int_equal(list_index, 1);
    assert_string_equal(reading.meter_id, "0a015754540000012345");
    assert_true(reading.has_time); /* a UTC time stamp, not a seconds index */
    assert_int_equal(reading.t_ms, INT64_C(1700000000000));
    assert_int_equal(int_value("1-0:1.8.0"), 50000); /* 5 × 10^1 Wh */
    assert_int_equal(wt_sml_next(&reading, &used, &list_index, d, len, true, 0), WT_OK);
    assert_int_equal(used, len);
    assert_int_equal(list_index, 0);
    assert_string_equal(reading.meter_id, "0a015754540000067890");
    assert_int_equal(reading.t_ms, INT64_C(1700000001000));
    assert_int_equal(int_value("1-0:2.8.0"), 12345678); /* 12345.6789 Wh, truncated */
    free(d);
}

static void stream_edges_and_crc(void **state)
{
    (void)state;
    size_t len;
    uint8_t *d = load("sml-stream.bin", &len);
    result r[16];
    size_t n = decode_all(r, 16, d, len, NULL, 0);
    /* partial | good | bad CRC | good | partial */
    assert_int_equal(n, 4);
    assert_int_equal(r[0].err, WT_OK);
    assert_int_equal(r[0].sec_index, 1000);
    assert_int_equal(r[1].err, WT_ERR_CRC_MISMATCH);
    assert_int_equal(r[2].err, WT_OK);
    assert_int_equal(r[2].sec_index, 1001);
    assert_int_equal(r[3].err, WT_ERR_TELEGRAM_TRUNCATED);
    /* With --ignore-crc the bad frame is read and marked. */
    n = decode_all(r, 16, d, len, NULL, WT_METER_IGNORE_CRC);
    assert_int_equal(n, 4);
    assert_int_equal(r[1].err, WT_OK);
    assert_int_equal(r[1].energy_in_mwh, 12345679100);

    uint64_t seed = wt_test_seed(11);
    wt_test_rng rng;
    wt_test_rng_init(&rng, seed);
    for (int round = 0; round < 200; round++) {
        result again[16];
        size_t m = decode_all(again, 16, d, len, &rng, 0);
        if (m != 4 || again[0].err != WT_OK || again[1].err != WT_ERR_CRC_MISMATCH ||
            again[2].sec_index != 1001 || again[3].err != WT_ERR_TELEGRAM_TRUNCATED)
            fail_msg("seed %llu round %d: chunked decoding differs", (unsigned long long)seed,
                     round);
    }
    free(d);
}

/* ------------------------------------------------------------ robustness */

static void every_byte_change_is_caught(void **state)
{
    (void)state;
    size_t len;
    uint8_t *d = load("sml-escape.bin", &len);
    for (size_t i = 8; i + 8 < len; i++) {
        for (int delta = 1; delta < 256; delta += 37) {
            uint8_t saved = d[i];
            d[i] = (uint8_t)(saved ^ delta);
            result r[8];
            size_t n = decode_all(r, 8, d, len, NULL, 0);
            for (size_t k = 0; k < n; k++)
                if (r[k].err == WT_OK)
                    fail_msg("byte %zu ^ %d decoded", i, delta);
            /* and with the CRC ignored: anything but a crash */
            decode_all(r, 8, d, len, NULL, WT_METER_IGNORE_CRC);
            d[i] = saved;
        }
    }
    free(d);
}

static void every_prefix(void **state)
{
    (void)state;
    size_t len;
    uint8_t *d = load("sml-basic.bin", &len);
    size_t first_end = 0, list_index = 0, used;
    assert_int_equal(wt_sml_next(&reading, &first_end, &list_index, d, len, true, 0), WT_OK);
    for (size_t cut = 0; cut <= len; cut++) {
        list_index = 0;
        wt_err err = wt_sml_next(&reading, &used, &list_index, d, cut, false, 0);
        if (cut < first_end) {
            assert_int_equal(err, WT_ERR_NOT_FOUND);
            assert_int_equal(used, 0); /* keeps the frame's start */
        } else {
            assert_int_equal(err, WT_OK);
        }
        err = wt_sml_next(&reading, &used, &list_index, d, cut, true, 0);
        if (cut < 8)
            assert_int_equal(err, WT_ERR_NOT_FOUND);
        else if (cut < first_end)
            assert_int_equal(err, WT_ERR_TELEGRAM_TRUNCATED);
        assert_true(used == cut || err == WT_OK);
    }
    free(d);
}

/* Wrap a payload into a transport frame with a correct CRC. */
static size_t make_frame(uint8_t *out, const uint8_t *payload, size_t payload_len)
{
    size_t n = 0;
    static const uint8_t start[8] = {0x1b, 0x1b, 0x1b, 0x1b, 1, 1, 1, 1};
    memcpy(out, start, 8);
    n = 8;
    for (size_t i = 0; i < payload_len; i++) {
        out[n++] = payload[i];
        if (n >= 12 && memcmp(out + n - 4, start, 4) == 0) { /* escape 1b1b1b1b */
            memcpy(out + n, start, 4);
            n += 4;
        }
    }
    size_t pad = (4 - payload_len % 4) % 4;
    for (size_t i = 0; i < pad; i++)
        out[n++] = 0;
    memcpy(out + n, start, 4);
    n += 4;
    out[n++] = 0x1a;
    out[n++] = (uint8_t)pad;
    uint16_t crc = wt_crc16_x25_update(0xffff, out, n) ^ 0xffff;
    out[n++] = (uint8_t)(crc & 0xff);
    out[n++] = (uint8_t)(crc >> 8);
    return n;
}

static wt_err decode_payload(const uint8_t *payload, size_t payload_len)
{
    static uint8_t frame[WT_SML_FRAME_BYTES_MAX + 64];
    size_t n = make_frame(frame, payload, payload_len);
    size_t used, list_index = 0;
    wt_err err = wt_sml_next(&reading, &used, &list_index, frame, n, true, 0);
    if (err != WT_ERR_NOT_FOUND)
        assert_int_equal(used, n);
    return err;
}

static void hostile_structures(void **state)
{
    (void)state;
    /* A message that is a list nested 200 deep: refused, no deep recursion. */
    uint8_t deep[400];
    size_t n = 0;
    deep[n++] = 0x76; /* message: list of 6 */
    for (int i = 0; i < 3; i++)
        deep[n++] = 0x01;
    deep[n++] = 0x72; /* body: list of 2 */
    deep[n++] = 0x63;
    deep[n++] = 0x01;
    deep[n++] = 0x01; /* an open response: skipped, so the walk must bound its depth */
    for (int i = 0; i < 200; i++)
        deep[n++] = 0x71;
    deep[n++] = 0x01;
    assert_int_equal(decode_payload(deep, n), WT_ERR_BAD_SML);

    /* Lengths that claim more than there is. */
    static const uint8_t claims[][8] = {
        {0x7f, 0x01},                         /* a list of 15 with nothing in it */
        {0x8f, 0x8f, 0x8f, 0x0f, 0x00},       /* a 4-byte TL length */
        {0x8f, 0x8f, 0x8f, 0x8f, 0x0f},       /* 5 TL bytes */
        {0x76, 0x0f, 0x01},                   /* an octet string of 15 */
        {0x76, 0x81, 0x00},                   /* a 2-byte TL of length 16 */
        {0x76, 0x01, 0x01, 0x01, 0x72, 0x01}, /* tag absent */
    };
    for (size_t i = 0; i < sizeof claims / sizeof claims[0]; i++) {
        size_t len = 1;
        while (len < 8 && claims[i][len] != 0)
            len++;
        assert_int_equal(decode_payload(claims[i], len), WT_ERR_BAD_SML);
    }
    /* Only fill bytes: a frame without readings. */
    static const uint8_t zeros[4] = {0};
    assert_int_equal(decode_payload(zeros, 4), WT_ERR_NOT_FOUND);

    /* An invalid escape, and too much padding. */
    uint8_t frame[64] = {0x1b, 0x1b, 0x1b, 0x1b, 1,    1,    1, 1, 0x00, 0x00,
                         0x00, 0x00, 0x1b, 0x1b, 0x1b, 0x1b, 2, 2, 2,    2};
    size_t used, list_index = 0;
    assert_int_equal(wt_sml_next(&reading, &used, &list_index, frame, 20, true, 0),
                     WT_ERR_SML_BAD_ESCAPE);
    assert_int_equal(used, 16);
    uint8_t padded[24] = {0x1b, 0x1b, 0x1b, 0x1b, 1,    1,    1,    1,    0,
                          0,    0,    0,    0x1b, 0x1b, 0x1b, 0x1b, 0x1a, 7};
    uint16_t crc = wt_crc16_x25_update(0xffff, padded, 18) ^ 0xffff;
    padded[18] = (uint8_t)crc;
    padded[19] = (uint8_t)(crc >> 8);
    assert_int_equal(wt_sml_next(&reading, &used, &list_index, padded, 20, true, 0),
                     WT_ERR_SML_BAD_ESCAPE);
}

/* One GetList response with one entry whose value is `value` (TL included). */
static wt_err decode_entry(const uint8_t *value, size_t value_len, uint8_t unit, int8_t scaler)
{
    uint8_t p[256];
    size_t n = 0;
    static const uint8_t head[] = {0x76, 0x01, 0x01, 0x01, 0x72, 0x63, 0x07, 0x01, 0x77,
                                   0x01, 0x03, 0xab, 0xcd, 0x01, 0x01, 0x71, 0x77, 0x07,
                                   1,    0,    1,    8,    0,    0xff, 0x01, 0x01};
    memcpy(p, head, sizeof head);
    n = sizeof head;
    p[n++] = 0x62;
    p[n++] = unit;
    p[n++] = 0x52;
    p[n++] = (uint8_t)scaler;
    memcpy(p + n, value, value_len);
    n += value_len;
    p[n++] = 0x01; /* valueSignature */
    p[n++] = 0x01; /* listSignature */
    p[n++] = 0x01; /* actGatewayTime */
    p[n++] = 0x01; /* crc16 of the message (not checked) */
    p[n++] = 0x00;
    return decode_payload(p, n);
}

static void value_encodings(void **state)
{
    (void)state;
    const uint8_t u64_max[] = {0x69, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    assert_int_equal(decode_entry(u64_max, sizeof u64_max, 30, 0), WT_OK);
    assert_string_equal(text_value("1-0:1.8.0"), "18446744073709551615"); /* as text */
    assert_string_equal(reading.meter_id, "abcd");
    const uint8_t big[] = {0x59, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    assert_int_equal(decode_entry(big, sizeof big, 30, 0), WT_OK);
    assert_string_equal(text_value("1-0:1.8.0"), "9223372036854775807"); /* ×1000 overflows */
    const uint8_t neg3[] = {0x54, 0xff, 0xff, 0xfe};
    assert_int_equal(decode_entry(neg3, sizeof neg3, 27, -1), WT_OK);
    assert_int_equal(int_value("1-0:1.8.0"), -200); /* -2 × 0.1 W */
    const uint8_t small[] = {0x62, 0x07};
    assert_int_equal(decode_entry(small, sizeof small, 30, -4), WT_OK);
    assert_int_equal(int_value("1-0:1.8.0"), 0); /* 0.0007 Wh = 0.7 mWh → 0 */
    assert_int_equal(decode_entry(small, sizeof small, 99, -2), WT_OK);
    assert_string_equal(text_value("1-0:1.8.0"), "0.07"); /* unknown unit: exact text */
    assert_int_equal(decode_entry(small, sizeof small, 255, 3), WT_OK);
    assert_string_equal(text_value("1-0:1.8.0"), "7000");
    const uint8_t boolean[] = {0x42, 0x01};
    assert_int_equal(decode_entry(boolean, sizeof boolean, 255, 0), WT_OK);
    assert_int_equal(int_value("1-0:1.8.0"), 1);
    const uint8_t nine[] = {0x6a, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    assert_int_equal(decode_entry(nine, sizeof nine, 30, 0), WT_ERR_BAD_SML);
    const uint8_t empty_int[] = {0x61};
    assert_int_equal(decode_entry(empty_int, sizeof empty_int, 30, 0), WT_ERR_BAD_SML);
}

static void garbage_only(void **state)
{
    (void)state;
    uint64_t seed = wt_test_seed(99);
    wt_test_rng rng;
    wt_test_rng_init(&rng, seed);
    static uint8_t noise[20000];
    for (int round = 0; round < 20; round++) {
        size_t len = (size_t)wt_test_rng_range(&rng, 0, sizeof noise);
        wt_test_rng_bytes(&rng, noise, len);
        /* sprinkle escape sequences so frames start and end */
        for (size_t k = 0; k + 8 < len; k += (size_t)wt_test_rng_range(&rng, 8, 400))
            memcpy(noise + k, "\x1b\x1b\x1b\x1b\x01\x01\x01\x01", 8);
        result r[4096];
        size_t n = decode_all(r, 4096, noise, len, &rng, 0);
        for (size_t k = 0; k < n; k++)
            if (r[k].err == WT_OK)
                fail_msg("seed %llu: noise decoded", (unsigned long long)seed);
    }
}

int main(int argc, char **argv)
{
    wt_test_route_asserts();
    data_dir = argc > 1 ? argv[1] : "tests/meter/data";
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(basic_dump),
        cmocka_unit_test(escapes_and_units),
        cmocka_unit_test(two_lists_in_one_frame),
        cmocka_unit_test(stream_edges_and_crc),
        cmocka_unit_test(every_byte_change_is_caught),
        cmocka_unit_test(every_prefix),
        cmocka_unit_test(hostile_structures),
        cmocka_unit_test(value_encodings),
        cmocka_unit_test(garbage_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
