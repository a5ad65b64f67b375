/*
 * test_tasmota.c — Tasmota MQTT JSON: the ENERGY object, SML-script objects
 * (built-in names, OBIS-like keys, a caller's map), exact decimal conversion
 * (seeded random decimals must give exactly the integer of their digits),
 * time stamps, the device from the topic, and malformed messages.
 */
#include "meter.h"
#include "testutil.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static wt_meter_reading reading;

static wt_err parse(const char *payload, const char *topic)
{
    return wt_tasmota_parse(&reading, payload, strlen(payload), topic, NULL, 0);
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

static bool has(const char *code)
{
    wt_obis o;
    size_t used;
    assert_int_equal(wt_obis_parse(&o, &used, code, strlen(code)), WT_OK);
    return wt_meter_reading_find(&reading, o) != NULL;
}

static void energy_object(void **state)
{
    (void)state;
    const char *msg = "{\"Time\":\"2024-05-01T12:00:00+02:00\",\"ENERGY\":{\"TotalStartTime\":"
                      "\"2023-01-01T00:00:00\",\"Total\":1234.567,\"Yesterday\":3.21,\"Today\":1.5,"
                      "\"Period\":12,\"Power\":-250,\"ApparentPower\":260,\"ReactivePower\":70,"
                      "\"Factor\":0.96,\"Voltage\":231,\"Current\":1.125,\"Frequency\":50.01,"
                      "\"TotalTariff\":[1000.001,234.566],\"ExportActive\":0.1}}";
    assert_int_equal(parse(msg, "tele/kitchen-plug/SENSOR"), WT_OK);
    assert_int_equal(reading.format, WT_METER_FORMAT_TASMOTA);
    assert_int_equal(reading.crc, WT_METER_CRC_NONE);
    assert_false(reading.has_version);
    assert_string_equal(reading.meter_id, "kitchen-plug");
    assert_true(reading.has_time);
    assert_int_equal(reading.t_ms, INT64_C(1714557600000)); /* 10:00 UTC */
    assert_int_equal(int_value("1-0:1.8.0"), 1234567000);   /* exact, not via a double */
    assert_int_equal(int_value("1-0:1.8.1"), 1000001000);
    assert_int_equal(int_value("1-0:1.8.2"), 234566000);
    assert_int_equal(int_value("1-0:2.8.0"), 100000); /* 0.1 kWh */
    assert_int_equal(int_value("1-0:16.7.0"), -250000);
    assert_int_equal(int_value("1-0:9.7.0"), 260000);
    assert_int_equal(int_value("1-0:3.7.0"), 70000);
    assert_int_equal(int_value("1-0:32.7.0"), 231000);
    assert_int_equal(int_value("1-0:31.7.0"), 1125);
    assert_int_equal(int_value("1-0:14.7.0"), 50010);
    assert_int_equal(reading.values_count, 11); /* Today & co. have no OBIS code */
}

static void three_phases(void **state)
{
    (void)state;
    const char *msg = "{\"ENERGY\":{\"Total\":5,\"Power\":[100,200,-300],"
                      "\"Voltage\":[230,231,232.5],\"Current\":[0.5,1,1.5]}}";
    assert_int_equal(parse(msg, NULL), WT_OK);
    assert_false(reading.has_meter_id);
    assert_false(reading.has_time);
    assert_int_equal(int_value("1-0:36.7.0"), 100000);
    assert_int_equal(int_value("1-0:56.7.0"), 200000);
    assert_int_equal(int_value("1-0:76.7.0"), -300000);
    assert_int_equal(int_value("1-0:72.7.0"), 232500);
    assert_int_equal(int_value("1-0:71.7.0"), 1500);
    assert_false(has("1-0:16.7.0"));
}

static void sml_script_objects(void **state)
{
    (void)state;
    const char *msg = "{\"Time\":\"2024-01-01T00:00:05Z\",\"SML\":{\"Total_in\":12345.6789,"
                      "\"Total_out\":0.0001,\"Power_curr\":-1.5e2,\"Meter_Number\":\"1ISK0012345\","
                      "\"Custom\":42}}";
    assert_int_equal(parse(msg, "tele/hausanschluss/SENSOR"), WT_OK);
    assert_int_equal(reading.t_ms, INT64_C(1704067205000));
    assert_int_equal(int_value("1-0:1.8.0"), 12345678900);
    assert_int_equal(int_value("1-0:2.8.0"), 100);
    assert_int_equal(int_value("1-0:16.7.0"), -150000);
    assert_string_equal(reading.meter_id, "1ISK0012345"); /* the meter's own number wins */
    assert_int_equal(reading.values_count, 4);            /* "Custom" is not a meter value */

    /* Keys spelt like OBIS codes, as many scripts name them. */
    const char *obis = "{\"MT631\":{\"1_8_0\":100.5,\"2.8.0\":0,\"16_7_0\":345,"
                       "\"32_7_0\":230.4,\"1-0:31.7.0\":2.5,\"0_0_0\":\"abc\"}}";
    assert_int_equal(parse(obis, "tele/mt631/SENSOR"), WT_OK);
    assert_int_equal(int_value("1-0:1.8.0"), 100500000);
    assert_int_equal(int_value("1-0:2.8.0"), 0);
    assert_int_equal(int_value("1-0:16.7.0"), 345000);
    assert_int_equal(int_value("1-0:32.7.0"), 230400);
    assert_int_equal(int_value("1-0:31.7.0"), 2500);
    assert_true(has("1-0:0.0.0")); /* text */

    /* A caller's map for names no rule knows. */
    wt_tasmota_key map[] = {
        {"Zaehler_In", wt_obis_make(1, 0, 1, 8, 0), "Wh"},
        {"Gas", wt_obis_make(7, 0, 3, 0, 0), "m3"},
    };
    const char *custom = "{\"Keller\":{\"zaehler_in\":1500.5,\"Gas\":1.25,\"Power\":10}}";
    assert_int_equal(wt_tasmota_parse(&reading, custom, strlen(custom), NULL, map, 2), WT_OK);
    assert_int_equal(int_value("1-0:1.8.0"), 1500500);
    assert_int_equal(int_value("7-0:3.0.0"), 1250);
    assert_int_equal(int_value("1-0:16.7.0"), 10000);
}

static void exact_decimals(void **state)
{
    (void)state;
    uint64_t seed = wt_test_seed(424242);
    wt_test_rng rng;
    wt_test_rng_init(&rng, seed);
    for (int round = 0; round < 3000; round++) {
        int64_t whole = wt_test_rng_range(&rng, 0, 9999999);
        int64_t frac = wt_test_rng_range(&rng, 0, 999999);
        int frac_digits = (int)wt_test_rng_range(&rng, 1, 6);
        int64_t div = 1;
        for (int k = frac_digits; k < 6; k++)
            div *= 10;
        frac /= div; /* frac has frac_digits digits */
        char msg[160];
        snprintf(msg, sizeof msg, "{\"ENERGY\":{\"Total\":%" PRId64 ".%0*" PRId64 "}}", whole,
                 frac_digits, frac);
        int64_t want = whole * 1000000 + frac * div;
        if (parse(msg, NULL) != WT_OK || int_value("1-0:1.8.0") != want)
            fail_msg("seed %llu: %s gave %lld, want %lld", (unsigned long long)seed, msg,
                     (long long)int_value("1-0:1.8.0"), (long long)want);
    }
}

static void malformed(void **state)
{
    (void)state;
    static const struct {
        const char *msg;
        wt_err err;
    } cases[] = {
        {"", WT_ERR_BAD_JSON},
        {"{", WT_ERR_BAD_JSON},
        {"[1,2]", WT_ERR_BAD_JSON},
        {"42", WT_ERR_BAD_JSON},
        {"{\"ENERGY\":{\"Total\":01}}", WT_ERR_BAD_JSON}, /* leading zero */
        {"{\"ENERGY\":{\"Total\":1.}}", WT_ERR_BAD_JSON},
        {"{\"ENERGY\":{\"Total\":-}}", WT_ERR_BAD_JSON},
        {"{\"ENERGY\":{\"Total\":NaN}}", WT_ERR_BAD_JSON},
        {"{\"a\":\"\\u0001\",\"ENERGY\":{\"Total\":1}}", WT_ERR_BAD_JSON}, /* the mark */
        {"{\"ENERGY\":{\"Total\":1},\"ENERGY\":{\"Total\":2}}", WT_ERR_BAD_JSON},
        {"{\"ENERGY\":{\"Total\":\"12\"}}", WT_ERR_BAD_METER_VALUE},
        {"{\"ENERGY\":{\"Total\":[1,2]}}", WT_ERR_BAD_METER_VALUE},
        {"{\"ENERGY\":{\"TotalTariff\":3}}", WT_ERR_BAD_METER_VALUE},
        {"{\"ENERGY\":{\"Power\":[1,2,3,4]}}", WT_ERR_BAD_METER_VALUE},
        {"{\"ENERGY\":{\"Total\":1e30}}", WT_ERR_BAD_METER_VALUE},
        {"{\"Time\":\"2024-01-01T00:00:00\",\"Uptime\":\"1T00:00:00\"}", WT_ERR_NO_METER_VALUES},
        {"{\"ENERGY\":{}}", WT_ERR_NO_METER_VALUES},
        {"{\"ENERGY\":{\"Total\":1,\"Total\":2}}", WT_ERR_BAD_JSON},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        wt_err err = parse(cases[i].msg, "tele/x/SENSOR");
        if (err != cases[i].err)
            fail_msg("case %zu %s: %s, want %s", i, cases[i].msg, wt_errname(err),
                     wt_errname(cases[i].err));
        assert_int_equal(reading.values_count, 0);
        assert_false(reading.has_meter_id);
    }
    /* Too large. */
    static char big[WT_TASMOTA_PAYLOAD_BYTES_MAX + 2];
    memset(big, ' ', sizeof big - 1);
    assert_int_equal(wt_tasmota_parse(&reading, big, sizeof big - 1, NULL, NULL, 0),
                     WT_ERR_TELEGRAM_TOO_LONG);
    /* An embedded NUL is not JSON. */
    assert_int_equal(wt_tasmota_parse(&reading, "{\"ENERGY\":{\"Total\":1}}\0x", 24, NULL, NULL, 0),
                     WT_ERR_BAD_JSON);
}

static void times_and_topics(void **state)
{
    (void)state;
    assert_int_equal(
        parse("{\"Time\":\"2024-05-01T12:00:00\",\"ENERGY\":{\"Total\":1}}", "tele/a/SENSOR"),
        WT_OK);
    assert_false(reading.has_time); /* local time without an offset: unknown */
    assert_int_equal(parse("{\"Time\":\"2024-05-01T12:00:00.250-0130\",\"ENERGY\":{\"Total\":1}}",
                           "x/tele/SENSOR"),
                     WT_OK);
    assert_int_equal(reading.t_ms, INT64_C(1714570200250));
    assert_string_equal(reading.meter_id, "x"); /* %topic%/%prefix%/ FullTopic */
    assert_int_equal(parse("{\"Time\":\"2024-02-30T12:00:00Z\",\"ENERGY\":{\"Total\":1}}",
                           "home/garage/plug/SENSOR"),
                     WT_OK);
    assert_false(reading.has_time);
    assert_string_equal(reading.meter_id, "plug");
}

int main(void)
{
    wt_test_route_asserts();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(energy_object),      cmocka_unit_test(three_phases),
        cmocka_unit_test(sml_script_objects), cmocka_unit_test(exact_decimals),
        cmocka_unit_test(malformed),          cmocka_unit_test(times_and_topics),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
