/* test_report.c — the merchant report's calendar (pos.h, unit): UTC
 * offsets, a day's span at an offset, times written at it. The expected
 * instants were computed with Python's calendar.timegm and
 * datetime.isoformat. */
#include "pos.h"
#include "testutil.h"

#include <string.h>

static void test_day_range(void **state)
{
    (void)state;
    int64_t a, b;
    assert_int_equal(wt_pos_day_range(&a, &b, "1970-01-01", 0), WT_OK);
    assert_int_equal(a, 0);
    assert_int_equal(b, 86400000);
    assert_int_equal(wt_pos_day_range(&a, &b, "2026-11-24", 0), WT_OK);
    assert_int_equal(a, 1795478400000);
    assert_int_equal(b - a, 86400000);
    /* at +09:00 the day starts 9 hours earlier in UTC, at -03:30 later */
    assert_int_equal(wt_pos_day_range(&a, &b, "2026-11-24", 32400), WT_OK);
    assert_int_equal(a, 1795478400000 - 32400000);
    assert_int_equal(wt_pos_day_range(&a, &b, "2026-11-24", -12600), WT_OK);
    assert_int_equal(a, 1795478400000 + 12600000);
    assert_int_equal(wt_pos_day_range(&a, &b, "2000-03-01", 0), WT_OK);
    assert_int_equal(a, 951868800000);
    assert_int_equal(wt_pos_day_range(&a, &b, "2024-02-29", 0), WT_OK); /* a leap day */
    assert_int_equal(a, 1709164800000);
    assert_int_equal(wt_pos_day_range(&a, &b, "2000-02-29", 0), WT_OK); /* 400-year leap */
    assert_int_equal(wt_pos_day_range(&a, &b, "9999-12-31", 0), WT_OK);
    assert_int_equal(a, 253402214400000);
    const char *bad[] = {"2023-02-29",  "1900-02-29", "2026-02-30", "2026-04-31", "2026-13-01",
                         "2026-00-10",  "2026-01-00", "1969-12-31", "2026-1-01",  "2026/01/01",
                         "2026-01-011", "",           "20260101",   "2026-01-0a", "+026-01-01"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        a = b = 1;
        if (wt_pos_day_range(&a, &b, bad[i], 0) != WT_ERR_INVALID_ARGUMENT)
            fail_msg("day '%s' accepted", bad[i]);
        assert_true(a == 0 && b == 0);
    }
    assert_int_equal(wt_pos_day_range(&a, &b, "2026-11-24", 18 * 3600 + 1),
                     WT_ERR_INVALID_ARGUMENT);
}

static void test_time_format(void **state)
{
    (void)state;
    char out[WT_POS_TIME_CHARS + 1];
    wt_pos_time_format(out, 1795500000123, 0);
    assert_string_equal(out, "2026-11-24T06:00:00.123Z");
    wt_pos_time_format(out, 1795500000123, 32400);
    assert_string_equal(out, "2026-11-24T15:00:00.123+09:00");
    wt_pos_time_format(out, 1795500000123, -12600);
    assert_string_equal(out, "2026-11-24T02:30:00.123-03:30");
    wt_pos_time_format(out, 0, 3723);
    assert_string_equal(out, "1970-01-01T01:02:03.000+01:02:03");
    wt_pos_time_format(out, 0, -64800);
    assert_string_equal(out, "1969-12-31T06:00:00.000-18:00");
    assert_true(strlen(out) <= WT_POS_TIME_CHARS);
}

int main(void)
{
    wt_test_route_asserts();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_day_range),
        cmocka_unit_test(test_time_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
