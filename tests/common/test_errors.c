/* test_errors.c — every error code has a distinct name and message, names are
 * snake_case, and the assertion macro is enforced (routed to cmocka here). */
#include "testutil.h"

#include <ctype.h>
#include <string.h>

static void test_names_and_messages_distinct(void **state)
{
    (void)state;
    for (int i = 0; i < (int)WT_ERR_COUNT_; i++) {
        const char *name = wt_errname((wt_err)i), *msg = wt_strerror((wt_err)i);
        assert_non_null(name);
        assert_non_null(msg);
        assert_true(strlen(name) > 0 && strlen(msg) > 0);
        for (const char *p = name; *p; p++)
            assert_true(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '_');
        assert_int_equal(wt_err_from_name(name), i);
        for (int j = i + 1; j < (int)WT_ERR_COUNT_; j++) {
            assert_string_not_equal(name, wt_errname((wt_err)j));
            assert_string_not_equal(msg, wt_strerror((wt_err)j));
        }
    }
}

static void test_known_names(void **state)
{
    (void)state;
    assert_string_equal(wt_errname(WT_OK), "ok");
    assert_string_equal(wt_errname(WT_ERR_OVERFLOW), "overflow");
    assert_string_equal(wt_errname(WT_ERR_INSUFFICIENT_FUNDS), "insufficient_funds");
    assert_string_equal(wt_errname(WT_ERR_BAD_SIGNATURE), "bad_signature");
    assert_string_equal(wt_errname(WT_ERR_STORAGE_UNAVAILABLE), "storage_unavailable");
    assert_int_equal(wt_err_from_name("no_such_code"), WT_ERR_COUNT_);
}

static void test_out_of_range_code(void **state)
{
    (void)state;
    assert_string_equal(wt_errname(WT_ERR_COUNT_), "unknown_error");
    assert_string_equal(wt_errname((wt_err)-1), "unknown_error");
    assert_string_equal(wt_strerror((wt_err)100000), "unknown error");
}

static void broken_invariant(int x)
{
    WT_ASSERT(x > 0);
}

static void test_assert_is_enforced(void **state)
{
    (void)state;
    broken_invariant(1);
    expect_assert_failure(broken_invariant(0));
}

int main(void)
{
    wt_test_route_asserts();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_and_messages_distinct),
        cmocka_unit_test(test_known_names),
        cmocka_unit_test(test_out_of_range_code),
        cmocka_unit_test(test_assert_is_enforced),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
