/* test_civil.c — civil dates and times to and from Unix ms (common.h). */
#include "testutil.h"

#include <stdio.h>

static void civil_time(void **state)
{
    (void)state;
    int64_t t;
    assert_true(wt_civil_to_ms(&t, 1970, 1, 1, 0, 0, 0));
    assert_int_equal(t, 0);
    assert_true(wt_civil_to_ms(&t, 2024, 2, 29, 23, 59, 59));
    assert_int_equal(t, INT64_C(1709251199000));
    assert_true(wt_civil_to_ms(&t, 2000, 3, 1, 0, 0, 0));
    assert_int_equal(t, INT64_C(951868800000));
    assert_false(wt_civil_to_ms(&t, 2023, 2, 29, 0, 0, 0));
    assert_int_equal(t, 0);
    assert_false(wt_civil_to_ms(&t, 2100, 2, 29, 0, 0, 0)); /* not a leap year */
    assert_false(wt_civil_to_ms(&t, 2023, 13, 1, 0, 0, 0));
    assert_false(wt_civil_to_ms(&t, 2023, 4, 31, 0, 0, 0));
    assert_false(wt_civil_to_ms(&t, 2023, 1, 1, 24, 0, 0));
    assert_false(wt_civil_to_ms(&t, 1969, 12, 31, 0, 0, 0));
}

/* Known days: weekday, day of the year, leap years, times before 1970. */
static void civil_from_ms(void **state)
{
    (void)state;
    wt_civil c;
    wt_civil_from_ms(&c, 0);
    assert_true(c.year == 1970 && c.month == 1 && c.day == 1 && c.hour == 0);
    assert_int_equal(c.weekday, 3); /* a Thursday */
    assert_int_equal(c.yday, 0);
    wt_civil_from_ms(&c, INT64_C(1764892800000) + 45296789); /* 2025-12-05 12:34:56.789 */
    assert_true(c.year == 2025 && c.month == 12 && c.day == 5);
    assert_true(c.hour == 12 && c.minute == 34 && c.second == 56);
    assert_int_equal(c.weekday, 4); /* a Friday */
    assert_int_equal(c.yday, 338);
    int64_t t;
    assert_true(wt_civil_to_ms(&t, 2024, 12, 31, 23, 0, 0));
    wt_civil_from_ms(&c, t);
    assert_int_equal(c.yday, 365); /* 2024 is a leap year */
    wt_civil_from_ms(&c, -1);      /* 1969-12-31 23:59:59.999 */
    assert_true(c.year == 1969 && c.month == 12 && c.day == 31 && c.hour == 23 && c.second == 59);
    assert_int_equal(c.weekday, 2);
}

/* Every second-aligned time of a seeded sample round-trips. */
static void civil_round_trip(void **state)
{
    (void)state;
    wt_test_rng rng;
    uint64_t seed = wt_test_seed(1205);
    wt_test_rng_init(&rng, seed);
    for (int i = 0; i < 100000; i++) {
        int64_t t = wt_test_rng_range(&rng, 0, INT64_C(253402300799)) * 1000; /* ..9999-12-31 */
        wt_civil c;
        wt_civil_from_ms(&c, t);
        int64_t back;
        if (!wt_civil_to_ms(&back, c.year, c.month, c.day, c.hour, c.minute, c.second) || back != t)
            fail_msg("seed %llu: %lld does not round-trip", (unsigned long long)seed, (long long)t);
    }
}

static void utc_offsets(void **state)
{
    (void)state;
    int32_t o;
    const struct {
        const char *text;
        int32_t offset_s;
    } good[] = {{"Z", 0},           {"z", 0},
                {"+00:00", 0},      {"-00:00", 0},
                {"+09:00", 32400},  {"-03:30", -12600},
                {"+05:45", 20700},  {"+18:00", 64800},
                {"-18:00", -64800}, {"+01:02:03", 3723},
                {"-00:00:01", -1}};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        assert_int_equal(wt_utc_offset_parse(&o, good[i].text), WT_OK);
        assert_int_equal(o, good[i].offset_s);
    }
    const char *bad[] = {"",        "+9",        "+09",      "09:00",  "+0900",  "+09:0",
                         "+09:60",  "+18:00:01", "+19:00",   "-24:00", "UTC",    "+09:00Z",
                         " +09:00", "+09:00:60", "+09:00:0", "+0a:00", "++9:00", "+09:00:00:00"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        o = 12345;
        if (wt_utc_offset_parse(&o, bad[i]) != WT_ERR_INVALID_ARGUMENT)
            fail_msg("offset '%s' accepted", bad[i]);
        assert_int_equal(o, 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(civil_time),
        cmocka_unit_test(civil_from_ms),
        cmocka_unit_test(civil_round_trip),
        cmocka_unit_test(utc_offsets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
