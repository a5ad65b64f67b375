/*
 * test_dsmr.c — the DSMR P1 parser over hand-made telegrams of every version
 * (data/dsmr-*.txt, written by data/make_dsmr.py), LF and CRLF input, the CRC
 * and its 3-digit corner case, every framing error with the next telegram
 * still parsed, chunked streaming giving the same results as one buffer, and
 * a single-byte-change sweep that the CRC must catch.
 */
#include "meter.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *data_dir;
static wt_meter_reading reading;

static char *load(const char *name, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", data_dir, name);
    char *buf = wt_test_read_file(path, len);
    if (buf == NULL)
        fail_msg("cannot read %s", path);
    return buf;
}

/* Parse exactly one telegram that fills buf. */
static wt_err parse_one(const char *buf, size_t len, unsigned flags)
{
    size_t used;
    wt_err err = wt_dsmr_next(&reading, &used, (const uint8_t *)buf, len, true, flags);
    if (err == WT_OK || err == WT_ERR_CRC_MISMATCH)
        assert_int_equal(used, len);
    return err;
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

static void assert_text(const char *code, const char *want)
{
    wt_obis o;
    size_t used;
    assert_int_equal(wt_obis_parse(&o, &used, code, strlen(code)), WT_OK);
    const wt_meter_value *v = wt_meter_reading_find(&reading, o);
    if (v == NULL || v->kind != WT_METER_VALUE_TEXT)
        fail_msg("%s: no text value", code);
    assert_int_equal(v->text_len, strlen(want));
    assert_memory_equal(wt_meter_value_text(&reading, v), want, strlen(want));
}

static bool has(const char *code)
{
    wt_obis o;
    size_t used;
    assert_int_equal(wt_obis_parse(&o, &used, code, strlen(code)), WT_OK);
    return wt_meter_reading_find(&reading, o) != NULL;
}

/* ------------------------------------------------------------- versions */

static void version_2_2(void **state)
{
    (void)state;
    size_t len;
    char *t = load("dsmr-2.2.txt", &len);
    assert_int_equal(parse_one(t, len, 0), WT_OK);
    assert_int_equal(reading.crc, WT_METER_CRC_NONE);
    assert_false(reading.has_version);
    assert_false(reading.has_time);
    assert_string_equal(reading.meter_id, "WTT22000001"); /* decoded from hex */
    assert_int_equal(int_value("1-0:1.8.1"), 123456000);
    assert_int_equal(int_value("1-0:1.8.2"), 78900000);
    assert_int_equal(int_value("1-0:2.8.1"), 1234000);
    assert_int_equal(int_value("1-0:2.8.2"), 567000);
    assert_int_equal(int_value("1-0:1.7.0"), 750000);
    /* the gas reading on the line after its header, unit from the (m3) group */
    assert_int_equal(int_value("0-1:24.3.0"), 456789);
    assert_int_equal(int_value("0-1:24.1.0"), 3);
    assert_text("0-0:96.14.0", "0002");
    assert_text("0-0:96.13.0", "");
    free(t);
}

static void version_3(void **state)
{
    (void)state;
    size_t len;
    char *t = load("dsmr-3.txt", &len);
    assert_int_equal(parse_one(t, len, 0), WT_OK);
    assert_int_equal(reading.crc, WT_METER_CRC_NONE);
    assert_int_equal(int_value("1-0:1.8.1"), 4321001000);
    assert_int_equal(int_value("0-0:17.0.0"), 16000); /* 016*A → mA */
    assert_int_equal(int_value("0-1:24.3.0"), 1234500);
    assert_text("0-0:96.13.0", "48656C6C6F");
    free(t);
}

static void version_4_2(void **state)
{
    (void)state;
    size_t len;
    char *t = load("dsmr-4.2.txt", &len);
    assert_int_equal(parse_one(t, len, 0), WT_OK);
    assert_int_equal(reading.crc, WT_METER_CRC_OK);
    assert_string_equal(reading.version, "42");
    assert_true(reading.has_time);
    /* 230115123456W: 12:34:56 CET = 11:34:56 UTC */
    assert_int_equal(reading.t_ms, INT64_C(1673782496000));
    assert_false(has("0-0:1.0.0"));   /* it is t_ms, not a value */
    assert_false(has("1-0:99.97.0")); /* logs are not values */
    assert_int_equal(int_value("0-0:96.7.21"), 4);
    assert_int_equal(int_value("1-0:32.32.0"), 1);
    assert_int_equal(int_value("1-0:31.7.0"), 2000);
    assert_int_equal(int_value("0-1:24.2.1"), 321123); /* (time)(value*m3) */
    free(t);
}

static void version_5_0_2(void **state)
{
    (void)state;
    size_t len;
    char *t = load("dsmr-5.0.2.txt", &len);
    assert_int_equal(parse_one(t, len, 0), WT_OK);
    assert_int_equal(reading.crc, WT_METER_CRC_OK);
    assert_string_equal(reading.version, "50");
    assert_string_equal(reading.meter_id, "WTT50000050");
    /* 230715143210S: 14:32:10 CEST = 12:32:10 UTC */
    assert_int_equal(reading.t_ms, INT64_C(1689424330000));
    assert_int_equal(int_value("1-0:2.7.0"), 1234000);
    assert_int_equal(int_value("1-0:32.7.0"), 230100);
    assert_int_equal(int_value("1-0:52.7.0"), 229800);
    assert_int_equal(int_value("1-0:22.7.0"), 1100000);
    assert_int_equal(int_value("0-1:24.2.1"), 107001);
    assert_int_equal(reading.values_count, 33);
    free(t);
}

static void lf_input_checks_crlf_crc(void **state)
{
    (void)state;
    size_t len, len_lf;
    char *crlf = load("dsmr-5.0.2.txt", &len);
    char *lf = load("dsmr-5.0.2-lf.txt", &len_lf);
    assert_true(len_lf < len);
    assert_null(memchr(lf, '\r', len_lf));
    assert_int_equal(parse_one(lf, len_lf, 0), WT_OK);
    assert_int_equal(reading.crc, WT_METER_CRC_OK);
    char json_lf[8192], json_crlf[8192];
    size_t n;
    assert_int_equal(wt_meter_reading_json(json_lf, sizeof json_lf, &n, &reading), WT_OK);
    assert_int_equal(parse_one(crlf, len, 0), WT_OK);
    assert_int_equal(wt_meter_reading_json(json_crlf, sizeof json_crlf, &n, &reading), WT_OK);
    assert_string_equal(json_lf, json_crlf);
    free(crlf);
    free(lf);
}

static void belgian_emucs(void **state)
{
    (void)state;
    size_t len;
    char *t = load("dsmr-emucs.txt", &len);
    assert_int_equal(parse_one(t, len, 0), WT_OK);
    assert_int_equal(reading.crc, WT_METER_CRC_OK);
    assert_string_equal(reading.version, "50217"); /* 0-0:96.1.4 */
    assert_string_equal(reading.meter_id, "1SAG1234567");
    assert_int_equal(int_value("1-0:1.4.0"), 1500000);
    assert_int_equal(int_value("1-0:1.6.0"), 3250000); /* (time)(peak*kW) */
    assert_false(has("0-0:98.1.0"));                   /* the monthly-peak history */
    assert_int_equal(int_value("0-1:24.2.3"), 512256);
    assert_int_equal(int_value("1-0:31.7.0"), 1400);
    /* 231029011500W: 01:15 CET on the night DST ends = 00:15 UTC */
    assert_int_equal(reading.t_ms, INT64_C(1698538500000));
    free(t);
}

static void luxembourg(void **state)
{
    (void)state;
    size_t len;
    char *t = load("dsmr-lux.txt", &len);
    assert_int_equal(parse_one(t, len, 0), WT_OK);
    assert_string_equal(reading.meter_id, "SAG1000001"); /* 0-0:42.0.0 */
    assert_int_equal(int_value("1-0:1.8.0"), 1234567000);
    assert_int_equal(int_value("1-0:3.8.0"), 12345000); /* kvarh → mvarh */
    assert_int_equal(int_value("1-0:3.7.0"), 10000);
    assert_int_equal(int_value("0-0:17.0.0"), 69000000); /* kVA → mVA */
    assert_int_equal(int_value("1-1:31.4.0"), 40000);    /* the first of two limits */
    assert_int_equal(int_value("0-1:24.2.1"), 42042);
    assert_text("0-2:24.2.1", "00000.000"); /* no unit: text as written */
    assert_int_equal(reading.t_ms, INT64_C(1711845000000));
    free(t);
}

static void unpadded_crc(void **state)
{
    (void)state;
    size_t len;
    char *t = load("dsmr-unpadded-crc.txt", &len);
    const char *bang = strrchr(t, '!');
    assert_non_null(bang);
    assert_int_equal(strlen(bang), 1 + 3 + 2); /* "!XYZ\r\n" */
    assert_int_equal(parse_one(t, len, 0), WT_OK);
    assert_int_equal(reading.crc, WT_METER_CRC_OK);
    assert_int_equal(int_value("1-0:1.7.0"), 450000);
    free(t);
}

/* ------------------------------------------------------------------ CRC */

static void crc_catches_every_byte_change(void **state)
{
    (void)state;
    size_t len;
    char *t = load("dsmr-4.2.txt", &len);
    char *bang = strrchr(t, '!');
    size_t covered = (size_t)(bang - t); /* '/' .. before '!' */
    for (size_t i = 1; i < covered; i++) {
        if (t[i] == '\r' || t[i] == '\n')
            continue;
        for (int delta = 1; delta <= 2; delta++) {
            char saved = t[i];
            t[i] = (char)(saved ^ delta);
            size_t used;
            wt_err err = wt_dsmr_next(&reading, &used, (const uint8_t *)t, len, true, 0);
            if (err == WT_OK)
                fail_msg("byte %zu ^ %d passed the CRC", i, delta);
            t[i] = saved;
        }
    }
    free(t);
}

static void crc_mismatch_and_ignore(void **state)
{
    (void)state;
    size_t len;
    char *t = load("dsmr-5.0.2.txt", &len);
    char *p = strstr(t, "000004.426");
    p[7] = '5'; /* 4.526 kWh: a changed reading under the old CRC */
    assert_int_equal(parse_one(t, len, 0), WT_ERR_CRC_MISMATCH);
    assert_int_equal(reading.values_count, 0); /* nothing reported on failure */
    assert_non_null(strstr(reading.detail, "its bytes give"));
    assert_int_equal(parse_one(t, len, WT_METER_IGNORE_CRC), WT_OK);
    assert_int_equal(reading.crc, WT_METER_CRC_MISMATCH);
    assert_int_equal(int_value("1-0:1.8.1"), 4526000);
    free(t);
}

/* ------------------------------------------------------ stream and errors */

typedef struct {
    wt_err err;
    char meter_id[WT_METER_REPORTED_ID_BYTES_MAX + 1];
} outcome;

/* Feed buf in chunks of random size (0 = all at once) as a serial reader would. */
static size_t run_stream(outcome *out, size_t out_cap, const char *buf, size_t len,
                         wt_test_rng *rng)
{
    static uint8_t window[WT_DSMR_TELEGRAM_BYTES_MAX + WT_DSMR_LINE_BYTES_MAX + 64];
    size_t have = 0, fed = 0, count = 0;
    for (;;) {
        size_t chunk = rng == NULL ? len - fed : (size_t)wt_test_rng_range(rng, 1, 700);
        if (chunk > len - fed)
            chunk = len - fed;
        if (chunk > sizeof window - have)
            chunk = sizeof window - have;
        memcpy(window + have, buf + fed, chunk);
        have += chunk;
        fed += chunk;
        bool at_end = fed == len;
        for (;;) {
            size_t used;
            wt_err err = wt_dsmr_next(&reading, &used, window, have, at_end, 0);
            assert_true(used <= have);
            if (err != WT_ERR_NOT_FOUND) {
                assert_true(used > 0);
                assert_true(count < out_cap);
                out[count].err = err;
                strcpy(out[count].meter_id, reading.meter_id);
                count++;
            }
            memmove(window, window + used, have - used);
            have -= used;
            if (err == WT_ERR_NOT_FOUND)
                break;
        }
        if (at_end) {
            assert_int_equal(have, 0);
            return count;
        }
        assert_true(have < sizeof window);
    }
}

static void stream_with_every_error(void **state)
{
    (void)state;
    size_t len;
    char *t = load("dsmr-stream.txt", &len);
    outcome got[16];
    size_t n = run_stream(got, 16, t, len, NULL);
    /* garbage | 4.2 | garbage | bad CRC | cut-off 5.0.2 | 5.0.2 | long line | e-MUCS | junk */
    static const wt_err want[] = {WT_OK, WT_ERR_CRC_MISMATCH,  WT_ERR_TELEGRAM_TRUNCATED,
                                  WT_OK, WT_ERR_LINE_TOO_LONG, WT_OK};
    assert_int_equal(n, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < n; i++)
        if (got[i].err != want[i])
            fail_msg("telegram %zu: %s, want %s", i, wt_errname(got[i].err), wt_errname(want[i]));
    assert_string_equal(got[0].meter_id, "WTT42000042");
    assert_string_equal(got[3].meter_id, "WTT50000050");
    assert_string_equal(got[5].meter_id, "1SAG1234567");

    /* Any chunking of the same bytes gives the same results. */
    uint64_t seed = wt_test_seed(7);
    wt_test_rng rng;
    wt_test_rng_init(&rng, seed);
    for (int round = 0; round < 200; round++) {
        outcome again[16];
        size_t m = run_stream(again, 16, t, len, &rng);
        if (m != n)
            fail_msg("seed %llu round %d: %zu results, want %zu", (unsigned long long)seed, round,
                     m, n);
        for (size_t i = 0; i < n; i++)
            if (again[i].err != got[i].err || strcmp(again[i].meter_id, got[i].meter_id) != 0)
                fail_msg("seed %llu round %d: result %zu differs", (unsigned long long)seed, round,
                         i);
    }
    free(t);
}

static void waiting_for_more(void **state)
{
    (void)state;
    size_t len, used;
    char *t = load("dsmr-4.2.txt", &len);
    size_t bang = (size_t)(strrchr(t, '!') - t);
    /* Every prefix: not at the end → wait (nothing lost); at the end → truncated. */
    for (size_t cut = 0; cut < len; cut++) {
        wt_err err = wt_dsmr_next(&reading, &used, (const uint8_t *)t, cut, false, 0);
        assert_int_equal(err, WT_ERR_NOT_FOUND);
        assert_int_equal(used, 0);
        err = wt_dsmr_next(&reading, &used, (const uint8_t *)t, cut, true, 0);
        if (cut < 4)
            assert_int_equal(err, WT_ERR_NOT_FOUND); /* "/KF" is not yet a header */
        else if (cut <= bang)
            assert_int_equal(err, WT_ERR_TELEGRAM_TRUNCATED);
        else if (cut == bang + 1)
            assert_int_equal(err, WT_ERR_CRC_MISSING); /* "…!" alone: 4.2 needs its CRC */
        else if (cut >= bang + 5)
            assert_int_equal(err, WT_OK); /* the whole CRC ends it */
        else
            assert_int_equal(err, WT_ERR_CRC_MISMATCH); /* a CRC cut short */
        assert_int_equal(used, cut);
    }
    /* Garbage only: all of it may go, except a possible header start. */
    assert_int_equal(wt_dsmr_next(&reading, &used, (const uint8_t *)"abc\r\n!12/K", 10, false, 0),
                     WT_ERR_NOT_FOUND);
    assert_int_equal(used, 8);
    assert_int_equal(wt_dsmr_next(&reading, &used, (const uint8_t *)"abc/1AB", 7, false, 0),
                     WT_ERR_NOT_FOUND);
    assert_int_equal(used, 7);
    free(t);
}

/* A small telegram without CRC around the given body lines. */
static wt_err parse_body(const char *body)
{
    char t[8192];
    int n = snprintf(t, sizeof t, "/WTT5 TEST\r\n\r\n%s!\r\n", body);
    assert_true(n > 0 && (size_t)n < sizeof t);
    return parse_one(t, (size_t)n, 0);
}

static void malformed_lines(void **state)
{
    (void)state;
    static const struct {
        const char *body;
        wt_err err;
    } cases[] = {
        {"1-0:1.8.1\r\n", WT_ERR_BAD_TELEGRAM},           /* no value */
        {"1-0:1.8.1(1*kWh\r\n", WT_ERR_BAD_TELEGRAM},     /* unbalanced */
        {"1-0:1.8.1(1(2)*kWh)\r\n", WT_ERR_BAD_TELEGRAM}, /* nested */
        {"1-0:1.8.1(1*kWh)x\r\n", WT_ERR_BAD_TELEGRAM},   /* trailing text */
        {"1-0:1.8(1*kWh)\r\n", WT_ERR_BAD_OBIS},
        {"hello\r\n", WT_ERR_BAD_OBIS},
        {"(1)\r\n", WT_ERR_BAD_TELEGRAM},                                  /* value without code */
        {"1-0:1.8.1(1*kWh)\r\n1-0:1.8.1(2*kWh)\r\n", WT_ERR_BAD_TELEGRAM}, /* twice */
        {"1-0:1.8.1(1\x01*kWh)\r\n", WT_ERR_BAD_TELEGRAM},                 /* control byte */
        {"1-0:1.8.1(1\xff*kWh)\r\n", WT_ERR_BAD_TELEGRAM},
        {"1-0:1.8.1(abc*kWh)\r\n", WT_ERR_BAD_METER_VALUE},
        {"1-0:1.8.1(99999999999999999*kWh)\r\n", WT_ERR_BAD_METER_VALUE}, /* overflow */
        {"0-1:24.3.0(230101000000)(00)(60)(1)(0-1:24.2.1)(m3)\r\n", WT_ERR_BAD_TELEGRAM},
        {"1-0:1.8.1(1*kWh)\r\n", WT_OK},
        {"1-0:1.8.1(12*furlong)\r\n", WT_OK}, /* unknown unit: text as written */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        wt_err err = parse_body(cases[i].body);
        if (err != cases[i].err)
            fail_msg("case %zu: %s, want %s (%s)", i, wt_errname(err), wt_errname(cases[i].err),
                     reading.detail);
        if (err != WT_OK) {
            assert_int_equal(reading.values_count, 0);
            assert_true(reading.detail[0] != '\0');
        }
    }
    assert_int_equal(parse_body("1-0:1.8.1(12*furlong)\r\n"), WT_OK);
    assert_text("1-0:1.8.1", "12*furlong");
}

static void crc_line_forms(void **state)
{
    (void)state;
    const char *cases[] = {"/WTT5 X\r\n\r\n1-0:1.8.1(1*kWh)\r\n!12345\r\n",
                           "/WTT5 X\r\n\r\n1-0:1.8.1(1*kWh)\r\n!12G4\r\n",
                           "/WTT5 X\r\n\r\n1-0:1.8.1(1*kWh)\r\n! 1234\r\n"};
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(parse_one(cases[i], strlen(cases[i]), 0), WT_ERR_BAD_TELEGRAM);
    /* A DSMR 4+ telegram must carry its CRC, unless the caller ignores CRCs. */
    const char *v5_no_crc = "/WTT5 X\r\n\r\n1-3:0.2.8(50)\r\n1-0:1.8.1(1*kWh)\r\n!\r\n";
    assert_int_equal(parse_one(v5_no_crc, strlen(v5_no_crc), 0), WT_ERR_CRC_MISSING);
    assert_int_equal(reading.values_count, 0);
    assert_int_equal(parse_one(v5_no_crc, strlen(v5_no_crc), WT_METER_IGNORE_CRC), WT_OK);
    assert_int_equal(reading.crc, WT_METER_CRC_NONE);
    /* "!" at the very end of the input without a line end is a complete telegram. */
    const char *no_eol = "/WTT5 X\r\n\r\n1-0:1.8.1(1*kWh)\r\n!";
    assert_int_equal(parse_one(no_eol, strlen(no_eol), 0), WT_OK);
}

static void limits(void **state)
{
    (void)state;
    static char body[3 * WT_DSMR_TELEGRAM_BYTES_MAX];
    /* More values than a reading holds. */
    size_t n = 0;
    for (int i = 0; i <= WT_METER_VALUES_MAX; i++)
        n += (size_t)snprintf(body + n, sizeof body - n, "1-0:1.8.%d(1*kWh)\r\n", i);
    assert_int_equal(parse_body(body), WT_ERR_TOO_MANY_VALUES);
    /* A line of exactly the limit is fine; one more byte is not. */
    for (size_t extra = 0; extra <= 1; extra++) {
        n = (size_t)snprintf(body, sizeof body, "0-0:96.13.0(");
        size_t fill = WT_DSMR_LINE_BYTES_MAX - n - 1 + extra;
        memset(body + n, 'A', fill);
        strcpy(body + n + fill, ")\r\n");
        assert_int_equal(strlen(body), WT_DSMR_LINE_BYTES_MAX + extra + 2);
        assert_int_equal(parse_body(body), extra == 0 ? WT_OK : WT_ERR_LINE_TOO_LONG);
    }
    /* A telegram that never ends. */
    n = (size_t)snprintf(body, sizeof body, "/WTT5 X\r\n\r\n");
    while (n + 40 < sizeof body)
        n += (size_t)snprintf(body + n, sizeof body - n, "0-0:96.13.0(%020zu)\r\n", n);
    size_t used;
    assert_int_equal(wt_dsmr_next(&reading, &used, (const uint8_t *)body, n, false, 0),
                     WT_ERR_TELEGRAM_TOO_LONG);
    assert_true(used > 0 && used <= n);
}

static void timestamps(void **state)
{
    (void)state;
    /* The hour that happens twice when DST ends: the S/W flag tells them apart. */
    assert_int_equal(parse_body("0-0:1.0.0(231029023000S)\r\n1-0:1.8.1(1*kWh)\r\n"), WT_OK);
    assert_int_equal(reading.t_ms, INT64_C(1698539400000)); /* 00:30 UTC */
    assert_int_equal(parse_body("0-0:1.0.0(231029023000W)\r\n1-0:1.8.1(1*kWh)\r\n"), WT_OK);
    assert_int_equal(reading.t_ms, INT64_C(1698543000000)); /* 01:30 UTC */
    /* Without a flag the EU rule decides: July is summer, January winter. */
    assert_int_equal(parse_body("0-0:1.0.0(230715120000)\r\n1-0:1.8.1(1*kWh)\r\n"), WT_OK);
    assert_int_equal(reading.t_ms, INT64_C(1689415200000));
    assert_int_equal(parse_body("0-0:1.0.0(230115120000)\r\n1-0:1.8.1(1*kWh)\r\n"), WT_OK);
    assert_int_equal(reading.t_ms, INT64_C(1673780400000));
    /* Not a date (month 25, day 0): no time, the values still count. */
    assert_int_equal(parse_body("0-0:1.0.0(632525252525S)\r\n1-0:1.8.1(1*kWh)\r\n"), WT_OK);
    assert_false(reading.has_time);
    assert_int_equal(parse_body("0-0:1.0.0(250000000000W)\r\n1-0:1.8.1(1*kWh)\r\n"), WT_OK);
    assert_false(reading.has_time);
    assert_int_equal(int_value("1-0:1.8.1"), 1000000);
}

static void units_and_forms(void **state)
{
    (void)state;
    assert_int_equal(parse_body("1-0:1.8.0*255(00032549.5061662*kWh)\r\n"
                                "1-0:21.7.0*255(000557.29*W)\r\n"
                                "1-0:1.8.1(001234*Wh)\r\n"
                                "1-0:32.7.0(230.1*v)\r\n"
                                "1-0:14.7.0(50.00*Hz)\r\n"
                                "0-1:24.2.1(260215200523W)(240.860*GJ)\r\n"
                                "1-0:13.7.0(0.998)\r\n"
                                "1-0:72:32.0(00003)\r\n"
                                "1-0:31.7.0.255(001*A)\r\n"),
                     WT_OK);
    assert_int_equal(int_value("1-0:1.8.0"), 32549506166); /* 7 decimals truncated */
    assert_int_equal(int_value("1-0:21.7.0"), 557290);
    assert_int_equal(int_value("1-0:1.8.1"), 1234000);
    assert_int_equal(int_value("1-0:32.7.0"), 230100);
    assert_int_equal(int_value("1-0:14.7.0"), 50000);
    assert_int_equal(int_value("0-1:24.2.1"), 66905555555); /* 240.860 GJ in mWh */
    assert_text("1-0:13.7.0", "0.998");
    assert_int_equal(int_value("1-0:72.32.0"), 3);
    assert_int_equal(int_value("1-0:31.7.0"), 1000);
}

int main(int argc, char **argv)
{
    wt_test_route_asserts();
    data_dir = argc > 1 ? argv[1] : "tests/meter/data";
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(version_2_2),
        cmocka_unit_test(version_3),
        cmocka_unit_test(version_4_2),
        cmocka_unit_test(version_5_0_2),
        cmocka_unit_test(lf_input_checks_crlf_crc),
        cmocka_unit_test(belgian_emucs),
        cmocka_unit_test(luxembourg),
        cmocka_unit_test(unpadded_crc),
        cmocka_unit_test(crc_catches_every_byte_change),
        cmocka_unit_test(crc_mismatch_and_ignore),
        cmocka_unit_test(stream_with_every_error),
        cmocka_unit_test(waiting_for_more),
        cmocka_unit_test(malformed_lines),
        cmocka_unit_test(crc_line_forms),
        cmocka_unit_test(limits),
        cmocka_unit_test(timestamps),
        cmocka_unit_test(units_and_forms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
