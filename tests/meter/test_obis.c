/*
 * test_obis.c — what the three meter parsers share: OBIS codes, the unit
 * table, exact decimal scaling (against a 128-bit reference on seeded random
 * inputs), the two CRC-16 variants (catalogue check values), civil time, and
 * the JSON line of `wattle-meter parse`.
 */
#include "meter.h"
#include "testutil.h"

#include "meter_internal.h"

#include <stdio.h>
#include <string.h>

static void obis_forms(void **state)
{
    (void)state;
    wt_obis o;
    size_t used;
    char text[WT_OBIS_TEXT_BYTES];

    assert_int_equal(wt_obis_parse(&o, &used, "1-0:1.8.1(000123.456*kWh)", 25), WT_OK);
    assert_int_equal(used, 9);
    assert_true(wt_obis_equal(o, wt_obis_make(1, 0, 1, 8, 1)));

    /* The DSMR 4.0 specification's typo "1-0:99:97.0", and ".F" / "*F". */
    assert_int_equal(wt_obis_parse(&o, &used, "1-0:99:97.0(2)", 14), WT_OK);
    assert_true(wt_obis_equal(o, wt_obis_make(1, 0, 99, 97, 0)));
    assert_int_equal(wt_obis_parse(&o, &used, "1-0:31.7.0.255(001*A)", 21), WT_OK);
    assert_int_equal(used, 14);
    assert_int_equal(o.f, 255);
    assert_int_equal(wt_obis_parse(&o, &used, "1-0:96.50.1*1", 13), WT_OK);
    assert_int_equal(o.f, 1);
    wt_obis_format(text, o);
    assert_string_equal(text, "1-0:96.50.1*1");
    wt_obis_format(text, wt_obis_make(255, 255, 255, 255, 255));
    assert_string_equal(text, "255-255:255.255.255");

    static const char *const bad[] = {"",          "x",           "1-0:1.8",
                                      "1:1.8.0",   "1-0:256.8.0", "1-0:1.8.0000",
                                      "1-0-1.8.0", "-1-0:1.8.0",  "1-0:.8.0"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        o = wt_obis_make(9, 9, 9, 9, 9);
        used = 99;
        assert_int_equal(wt_obis_parse(&o, &used, bad[i], strlen(bad[i])), WT_ERR_BAD_OBIS);
        assert_int_equal(used, 0); /* outputs zeroed on failure */
        assert_int_equal(o.c, 0);
    }
    /* The length bounds the read: "1-0:1.8.1" cut before E is not a code. */
    assert_int_equal(wt_obis_parse(&o, &used, "1-0:1.8.1", 8), WT_ERR_BAD_OBIS);
}

static void units(void **state)
{
    (void)state;
    wt_meter_unit u;
    int exp10;
    bool joules;
    assert_true(wt_meter_unit_lookup(&u, &exp10, &joules, "kWh", 3));
    assert_int_equal(u, WT_UNIT_MWH);
    assert_int_equal(exp10, 6);
    assert_true(wt_meter_unit_lookup(&u, &exp10, &joules, "kwh", 3)); /* any case */
    assert_int_equal(exp10, 6);
    assert_true(wt_meter_unit_lookup(&u, &exp10, &joules, "Wh", 2));
    assert_int_equal(exp10, 3);
    assert_true(wt_meter_unit_lookup(&u, &exp10, &joules, "kVArh", 5));
    assert_int_equal(u, WT_UNIT_MVARH);
    assert_true(wt_meter_unit_lookup(&u, &exp10, &joules, "m3", 2));
    assert_int_equal(u, WT_UNIT_DM3);
    assert_int_equal(exp10, 3);
    assert_true(wt_meter_unit_lookup(&u, &exp10, &joules, "GJ", 2));
    assert_true(joules);
    assert_int_equal(exp10, 9);
    assert_false(wt_meter_unit_lookup(&u, &exp10, &joules, "kWhx", 4));
    assert_false(wt_meter_unit_lookup(&u, &exp10, &joules, "MWh", 3) && exp10 == 9);
    assert_false(wt_meter_unit_lookup(&u, &exp10, &joules, "degC", 4));
    assert_string_equal(wt_meter_unit_name(WT_UNIT_MWH), "mWh");
    assert_string_equal(wt_meter_unit_name(WT_UNIT_DM3), "dm3");
}

typedef struct {
    const char *text;
    int exp10;
    wt_err err;
    int64_t want;
} scale_case;

static void decimal_scale_cases(void **state)
{
    (void)state;
    static const scale_case cases[] = {
        {"000123.456", 6, WT_OK, 123456000},
        {"1234.567", 6, WT_OK, 1234567000},
        {"0.1", 6, WT_OK, 100000},                   /* not a double: exactly 0.1 kWh */
        {"00032549.5061662", 6, WT_OK, 32549506166}, /* 7 decimals: truncated */
        {"-5632.1916", 3, WT_OK, -5632191},          /* toward zero, not down */
        {"-0", 3, WT_OK, 0},
        {"1.5e3", 3, WT_OK, 1500000},
        {"15E-1", 3, WT_OK, 1500},
        {"1e-9999999", 3, WT_OK, 0},
        {"0e99999999", 3, WT_OK, 0},
        {"9223372036854775807", 0, WT_OK, INT64_MAX},
        {"9223372036854775808", 0, WT_ERR_OVERFLOW, 0},
        {"9223372036854775.808", 3, WT_ERR_OVERFLOW, 0},
        {"1e99999999", 3, WT_ERR_OVERFLOW, 0},
        {"99999999999999999999", -10, WT_OK, 9999999999},
        {"", 3, WT_ERR_BAD_NUMBER, 0},
        {"-", 3, WT_ERR_BAD_NUMBER, 0},
        {"1.", 3, WT_ERR_BAD_NUMBER, 0},
        {".5", 3, WT_ERR_BAD_NUMBER, 0},
        {"1.2.3", 3, WT_ERR_BAD_NUMBER, 0},
        {"12a", 3, WT_ERR_BAD_NUMBER, 0},
        {"1e", 3, WT_ERR_BAD_NUMBER, 0},
        {"+1", 3, WT_ERR_BAD_NUMBER, 0},
        {" 1", 3, WT_ERR_BAD_NUMBER, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t v = 77;
        wt_err err =
            wt_meter_decimal_scale(&v, cases[i].text, strlen(cases[i].text), cases[i].exp10);
        if (err != cases[i].err || v != cases[i].want)
            fail_msg("'%s' e%d: got %s %lld", cases[i].text, cases[i].exp10, wt_errname(err),
                     (long long)v);
    }
}

/* Random decimals against a 128-bit reference: value = digits / 10^frac,
 * scaled by 10^exp10 and truncated toward zero. */
static void decimal_scale_random(void **state)
{
    (void)state;
    uint64_t seed = wt_test_seed(20260101);
    wt_test_rng rng;
    wt_test_rng_init(&rng, seed);
    for (int round = 0; round < 20000; round++) {
        int int_digits = (int)wt_test_rng_range(&rng, 1, 12);
        int frac_digits = (int)wt_test_rng_range(&rng, 0, 9);
        int exp10 = (int)wt_test_rng_range(&rng, 0, 9);
        bool negative = wt_test_rng_range(&rng, 0, 1) == 1;
        char text[40];
        size_t n = 0;
        __int128 digits = 0;
        if (negative)
            text[n++] = '-';
        for (int i = 0; i < int_digits + frac_digits; i++) {
            if (i == int_digits)
                text[n++] = '.';
            int d = (int)wt_test_rng_range(&rng, 0, 9);
            text[n++] = (char)('0' + d);
            digits = digits * 10 + d;
        }
        text[n] = '\0';
        __int128 want = digits;
        for (int k = 0; k < exp10; k++)
            want *= 10;
        for (int k = 0; k < frac_digits; k++)
            want /= 10;
        if (negative)
            want = -want;
        int64_t got;
        wt_err err = wt_meter_decimal_scale(&got, text, n, exp10);
        if (want > INT64_MAX || want < -INT64_MAX) {
            if (err != WT_ERR_OVERFLOW)
                fail_msg("seed %llu: '%s' e%d should overflow", (unsigned long long)seed, text,
                         exp10);
        } else if (err != WT_OK || got != (int64_t)want) {
            fail_msg("seed %llu: '%s' e%d gave %s %lld, want %lld", (unsigned long long)seed, text,
                     exp10, wt_errname(err), (long long)got, (long long)want);
        }
    }
}

static void crc_check_values(void **state)
{
    (void)state;
    /* The catalogue check values of CRC-16/ARC and CRC-16/X-25 for "123456789". */
    const uint8_t check[] = "123456789";
    assert_int_equal(wt_crc16_arc_update(0, check, 9), 0xBB3D);
    assert_int_equal(wt_crc16_x25_update(0xffff, check, 9) ^ 0xffff, 0x906E);
    /* Incremental use gives the same as one call. */
    uint16_t crc = wt_crc16_arc_update(0, check, 4);
    assert_int_equal(wt_crc16_arc_update(crc, check + 4, 5), 0xBB3D);
}

static wt_meter_reading reading;

static void json_line(void **state)
{
    (void)state;
    wt_meter_reading_reset(&reading, WT_METER_FORMAT_DSMR);
    reading.crc = WT_METER_CRC_OK;
    reading.has_version = true;
    strcpy(reading.version, "50");
    reading.has_time = true;
    reading.t_ms = 1483381202000;
    assert_int_equal(
        wt_meter_reading_add_int(&reading, wt_obis_make(1, 0, 1, 8, 1), 4426000, WT_UNIT_MWH),
        WT_OK);
    assert_int_equal(
        wt_meter_reading_add_text(&reading, wt_obis_make(0, 0, 96, 13, 0), "a\"b\\c\x01", 6),
        WT_OK);
    assert_int_equal(
        wt_meter_reading_add_int(&reading, wt_obis_make(1, 0, 16, 7, 0), -299120, WT_UNIT_MW),
        WT_OK);
    char out[512];
    size_t len;
    assert_int_equal(wt_meter_reading_json(out, sizeof out, &len, &reading), WT_OK);
    const char *want = "{\"format\":\"dsmr\",\"version\":\"50\",\"meter_id\":null,"
                       "\"t_ms\":1483381202000,\"crc\":\"ok\",\"values\":{\"1-0:1.8.1\":4426000,"
                       "\"0-0:96.13.0\":\"a\\\"b\\\\c\\u0001\",\"1-0:16.7.0\":-299120}}";
    assert_string_equal(out, want);
    assert_int_equal(len, strlen(want));
    /* Too small: an error and an empty string, never a cut line. */
    assert_int_equal(wt_meter_reading_json(out, 40, &len, &reading), WT_ERR_BUFFER_TOO_SMALL);
    assert_string_equal(out, "");
    assert_int_equal(len, 0);

    /* A repeated code is refused (JSON objects must not repeat keys). */
    assert_int_equal(
        wt_meter_reading_add_int(&reading, wt_obis_make(1, 0, 1, 8, 1), 1, WT_UNIT_MWH),
        WT_ERR_BAD_TELEGRAM);
    assert_int_equal(reading.values_count, 3);

    assert_int_equal(
        wt_meter_error_json(out, sizeof out, &len, WT_ERR_CRC_MISMATCH, "says 1234, gives 5678"),
        WT_OK);
    assert_string_equal(out, "{\"error\":{\"code\":\"crc_mismatch\",\"message\":\"the telegram's "
                             "CRC does not match its contents: says 1234, gives 5678\"}}");
}

static void reading_limits(void **state)
{
    (void)state;
    wt_meter_reading_reset(&reading, WT_METER_FORMAT_SML);
    for (int i = 0; i < WT_METER_VALUES_MAX; i++)
        assert_int_equal(wt_meter_reading_add_int(&reading, wt_obis_make(1, 0, 1, 8, (uint8_t)i), i,
                                                  WT_UNIT_MWH),
                         WT_OK);
    assert_int_equal(
        wt_meter_reading_add_int(&reading, wt_obis_make(1, 1, 1, 8, 0), 1, WT_UNIT_MWH),
        WT_ERR_TOO_MANY_VALUES);
    wt_meter_reading_reset(&reading, WT_METER_FORMAT_SML);
    static char big[WT_METER_TEXT_BYTES_MAX];
    memset(big, 'x', sizeof big);
    assert_int_equal(
        wt_meter_reading_add_text(&reading, wt_obis_make(0, 0, 96, 13, 0), big, sizeof big - 1),
        WT_OK);
    assert_int_equal(wt_meter_reading_add_text(&reading, wt_obis_make(0, 0, 96, 13, 1), big, 2),
                     WT_ERR_TOO_MANY_VALUES);
    assert_int_equal(reading.values_count, 1);
}

static void contract_asserts(void **state)
{
    (void)state;
    wt_meter_value v = {.kind = WT_METER_VALUE_INT};
    expect_assert_failure(wt_meter_value_text(&reading, &v));
    size_t used;
    expect_assert_failure(wt_dsmr_next(&reading, &used, NULL, 5, true, 0));
}

int main(void)
{
    wt_test_route_asserts();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(obis_forms),          cmocka_unit_test(units),
        cmocka_unit_test(decimal_scale_cases), cmocka_unit_test(decimal_scale_random),
        cmocka_unit_test(crc_check_values),    cmocka_unit_test(json_line),
        cmocka_unit_test(reading_limits),      cmocka_unit_test(contract_asserts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
