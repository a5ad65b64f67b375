/* test_text.c — hex, exact decimal parsing/formatting, UTC time text, the
 * INI line-length rule. */
#include "testutil.h"

#include <string.h>

static void test_hex_roundtrip_and_case(void **state)
{
    (void)state;
    const uint8_t data[4] = {0x00, 0xab, 0xCD, 0xff};
    char text[9];
    wt_hex_encode(text, data, 4);
    assert_string_equal(text, "00abcdff");
    uint8_t out[4];
    assert_int_equal(wt_hex_decode(out, 4, "00ABcdFF"), WT_OK);
    assert_memory_equal(out, data, 4);
    assert_int_equal(wt_hex_decode(out, 4, "00abcd"), WT_ERR_BAD_LENGTH);
    assert_int_equal(wt_hex_decode(out, 4, "00abcdfg"), WT_ERR_BAD_HEX);
    for (int i = 0; i < 4; i++)
        assert_int_equal(out[i], 0); /* zeroed on failure */
    size_t n = 99;
    uint8_t any[8];
    assert_int_equal(wt_hex_decode_any(any, &n, sizeof any, ""), WT_OK);
    assert_int_equal(n, 0);
    assert_int_equal(wt_hex_decode_any(any, &n, sizeof any, "abc"), WT_ERR_BAD_LENGTH);
    assert_int_equal(wt_hex_decode_any(any, &n, 2, "aabbcc"), WT_ERR_TOO_LARGE);
    assert_int_equal(wt_hex_decode_any(any, &n, sizeof any, "0x00"), WT_ERR_BAD_HEX);
    assert_int_equal(wt_hex_decode_any(any, &n, sizeof any, "a0B1"), WT_OK);
    assert_int_equal(n, 2);
    assert_int_equal(any[1], 0xb1);
}

static void check_parse(const char *text, unsigned scale, bool neg, wt_err want_err, int64_t want)
{
    int64_t v = 12345;
    wt_err err = wt_decimal_parse(&v, text, scale, neg);
    if (err != want_err)
        fail_msg("parse \"%s\": got %s, want %s", text, wt_errname(err), wt_errname(want_err));
    assert_true(v == (want_err == WT_OK ? want : 0));
}

static void test_decimal_parse(void **state)
{
    (void)state;
    check_parse("1250.5", 6, false, WT_OK, 1250500000);
    check_parse("0.000001", 6, false, WT_OK, 1);
    check_parse("1,000", 6, false, WT_OK, 1000000000);
    check_parse("1_000.25", 6, false, WT_OK, 1000250000);
    check_parse("42", 0, false, WT_OK, 42);
    check_parse("-3.5", 6, true, WT_OK, -3500000);
    check_parse("-3.5", 6, false, WT_ERR_BAD_NUMBER, 0);
    check_parse("0.0000001", 6, false, WT_ERR_BAD_NUMBER, 0); /* below one micro */
    check_parse("", 6, false, WT_ERR_BAD_NUMBER, 0);
    check_parse(".5", 6, false, WT_ERR_BAD_NUMBER, 0);
    check_parse("5.", 6, false, WT_ERR_BAD_NUMBER, 0);
    check_parse("1.2.3", 6, false, WT_ERR_BAD_NUMBER, 0);
    check_parse("1e6", 6, false, WT_ERR_BAD_NUMBER, 0);
    check_parse(" 1", 6, false, WT_ERR_BAD_NUMBER, 0);
    check_parse("1,", 6, false, WT_ERR_BAD_NUMBER, 0);
    check_parse("1,,0", 6, false, WT_ERR_BAD_NUMBER, 0);
    check_parse("9223372036854.775807", 6, false, WT_OK, INT64_MAX);
    check_parse("9223372036854.775808", 6, false, WT_ERR_OVERFLOW, 0);
    check_parse("-9223372036854.775808", 6, true, WT_OK, INT64_MIN);
    check_parse("9223372036855", 6, false, WT_ERR_OVERFLOW, 0);
    check_parse("9223372036854775807", 0, false, WT_OK, INT64_MAX);
}

static void check_format(int64_t v, unsigned scale, const char *want)
{
    char out[32];
    assert_int_equal(wt_decimal_format(out, sizeof out, v, scale), WT_OK);
    assert_string_equal(out, want);
}

static void test_decimal_format(void **state)
{
    (void)state;
    check_format(1250500000, 6, "1250.5");
    check_format(1, 6, "0.000001");
    check_format(-3000000, 6, "-3");
    check_format(0, 6, "0");
    check_format(INT64_MIN, 6, "-9223372036854.775808");
    check_format(INT64_MAX, 0, "9223372036854775807");
    char small[4];
    assert_int_equal(wt_decimal_format(small, sizeof small, 12345, 0), WT_ERR_BUFFER_TOO_SMALL);
    /* round trip */
    int64_t back;
    char out[32];
    for (int64_t v = -2000003; v <= 2000003; v += 999983) {
        assert_int_equal(wt_decimal_format(out, sizeof out, v, 6), WT_OK);
        assert_int_equal(wt_decimal_parse(&back, out, 6, true), WT_OK);
        assert_true(back == v);
    }
}

static void test_time_format(void **state)
{
    (void)state;
    char t[25];
    wt_time_format_utc(t, 0);
    assert_string_equal(t, "1970-01-01T00:00:00.000Z");
    wt_time_format_utc(t, INT64_C(1795507150123));
    assert_string_equal(t, "2026-11-24T07:59:10.123Z");
    wt_time_format_utc(t, -1);
    assert_string_equal(t, "1969-12-31T23:59:59.999Z");
}

/* libinih splits lines longer than WT_INI_LINE_MAX: every reader refuses
 * them by number, from text or from a stream (which is rewound). */
static void test_ini_long_line(void **state)
{
    (void)state;
    char text[1024];
    memset(text, 'x', sizeof text);
    text[0] = '[';
    text[1] = ']';
    text[2] = '\n';
    /* line 2 of exactly the limit, then '\r\n' (the '\r' counts) */
    size_t at = 3 + WT_INI_LINE_MAX;
    text[at] = '\n';
    assert_int_equal(wt_ini_long_line(text, at + 1), 0);
    assert_int_equal(wt_ini_long_line(text, at), 0); /* no final '\n' */
    text[at] = '\r';
    text[at + 1] = '\n';
    assert_int_equal(wt_ini_long_line(text, at + 2), 2);
    assert_int_equal(wt_ini_long_line(text, 3), 0);
    assert_int_equal(wt_ini_long_line("", 0), 0);
    assert_int_equal(wt_ini_long_line(text + 3, sizeof text - 3), 1);
    FILE *f = tmpfile();
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, at + 2, f), at + 2);
    rewind(f);
    assert_int_equal(wt_ini_file_long_line(f), 2);
    assert_int_equal(ftell(f), 0);
    assert_int_equal(getc(f), '[');
    fclose(f);
    f = tmpfile();
    assert_non_null(f);
    fputs("[a]\nk = v\n", f);
    rewind(f);
    assert_int_equal(wt_ini_file_long_line(f), 0);
    assert_int_equal(getc(f), '[');
    fclose(f);
}

int main(void)
{
    wt_test_route_asserts();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hex_roundtrip_and_case), cmocka_unit_test(test_decimal_parse),
        cmocka_unit_test(test_decimal_format),         cmocka_unit_test(test_time_format),
        cmocka_unit_test(test_ini_long_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
