/* test_arith.c — checked int64 arithmetic at its edges and the amount rule. */
#include "testutil.h"

#include <limits.h>

static void test_add_edges(void **state)
{
    (void)state;
    int64_t r = 42;
    assert_int_equal(wt_add_i64(&r, INT64_MAX, 0), WT_OK);
    assert_true(r == INT64_MAX);
    assert_int_equal(wt_add_i64(&r, INT64_MAX, 1), WT_ERR_OVERFLOW);
    assert_true(r == 0); /* outputs zeroed on failure */
    assert_int_equal(wt_add_i64(&r, INT64_MIN, -1), WT_ERR_OVERFLOW);
    assert_int_equal(wt_add_i64(&r, INT64_MIN, INT64_MAX), WT_OK);
    assert_true(r == -1);
    assert_int_equal(wt_add_i64(&r, -5, 3), WT_OK);
    assert_true(r == -2);
    assert_int_equal(wt_add_i64(&r, 0, 0), WT_OK);
    assert_true(r == 0);
}

static void test_sub_edges(void **state)
{
    (void)state;
    int64_t r = 7;
    assert_int_equal(wt_sub_i64(&r, INT64_MIN, 1), WT_ERR_OVERFLOW);
    assert_true(r == 0);
    assert_int_equal(wt_sub_i64(&r, 0, INT64_MIN), WT_ERR_OVERFLOW);
    assert_int_equal(wt_sub_i64(&r, -1, INT64_MIN), WT_OK);
    assert_true(r == INT64_MAX);
    assert_int_equal(wt_sub_i64(&r, INT64_MAX, INT64_MAX), WT_OK);
    assert_true(r == 0);
    assert_int_equal(wt_sub_i64(&r, 3, 5), WT_OK);
    assert_true(r == -2);
}

static void test_mul_edges(void **state)
{
    (void)state;
    int64_t r = 1;
    assert_int_equal(wt_mul_i64(&r, INT64_MAX, 2), WT_ERR_OVERFLOW);
    assert_true(r == 0);
    assert_int_equal(wt_mul_i64(&r, INT64_MIN, -1), WT_ERR_OVERFLOW);
    assert_int_equal(wt_mul_i64(&r, INT64_MAX, -1), WT_OK);
    assert_true(r == -INT64_MAX);
    assert_int_equal(wt_mul_i64(&r, 0, INT64_MIN), WT_OK);
    assert_true(r == 0);
    /* 2^31 * 2^32 = 2^63, one past INT64_MAX */
    assert_int_equal(wt_mul_i64(&r, (int64_t)1 << 31, (int64_t)1 << 32), WT_ERR_OVERFLOW);
    /* -2^31 * 2^32 = -2^63 = INT64_MIN fits */
    assert_int_equal(wt_mul_i64(&r, -((int64_t)1 << 31), (int64_t)1 << 32), WT_OK);
    assert_true(r == INT64_MIN);
    assert_int_equal(wt_mul_i64(&r, -3, 4), WT_OK);
    assert_true(r == -12);
}

static void test_muldiv(void **state)
{
    (void)state;
    int64_t r = 9;
    /* the intermediate product exceeds int64 but the quotient fits */
    assert_int_equal(wt_muldiv_i64(&r, INT64_MAX, INT64_MAX, INT64_MAX), WT_OK);
    assert_true(r == INT64_MAX);
    assert_int_equal(wt_muldiv_i64(&r, INT64_MIN, INT64_MIN, INT64_MIN), WT_OK);
    assert_true(r == INT64_MIN);
    assert_int_equal(wt_muldiv_i64(&r, INT64_MAX, 2, 1), WT_ERR_OVERFLOW);
    assert_true(r == 0);
    assert_int_equal(wt_muldiv_i64(&r, INT64_MIN, -1, 1), WT_ERR_OVERFLOW);
    assert_int_equal(wt_muldiv_i64(&r, 5, 5, 0), WT_ERR_INVALID_ARGUMENT);
    /* truncation toward zero, both signs */
    assert_int_equal(wt_muldiv_i64(&r, 7, 1, 2), WT_OK);
    assert_true(r == 3);
    assert_int_equal(wt_muldiv_i64(&r, -7, 1, 2), WT_OK);
    assert_true(r == -3);
    assert_int_equal(wt_muldiv_i64(&r, 7, -1, 2), WT_OK);
    assert_true(r == -3);
    assert_int_equal(wt_muldiv_i64(&r, 0, INT64_MAX, 3), WT_OK);
    assert_true(r == 0);
}

static void test_amount_rule_worked_examples(void **state)
{
    (void)state;
    int64_t a = -1;
    /* 1 kWh at 150 U/kWh = 150 U */
    assert_int_equal(wt_amount_micro(&a, 1000000, 150000000), WT_OK);
    assert_true(a == 150000000);
    /* 3.2 kWh at 120.5 U/kWh = 385.6 U */
    assert_int_equal(wt_amount_micro(&a, 3200000, 120500000), WT_OK);
    assert_true(a == 385600000);
    /* 1 mWh at 999,999 micro/kWh = 0.999999 micro: truncated to 0 */
    assert_int_equal(wt_amount_micro(&a, 1, 999999), WT_OK);
    assert_true(a == 0);
    /* 1 mWh at 1,999,999 micro/kWh = 1.999999 micro → 1 */
    assert_int_equal(wt_amount_micro(&a, 1, 1999999), WT_OK);
    assert_true(a == 1);
    /* 333 mWh at 100 U/kWh = 33,300 micro exactly */
    assert_int_equal(wt_amount_micro(&a, 333, 100000000), WT_OK);
    assert_true(a == 33300);
    /* 12,345 mWh at 87.654321 U/kWh = 1,082.092592745 U → truncated */
    assert_int_equal(wt_amount_micro(&a, 12345, 87654321), WT_OK);
    assert_true(a == 1082092);
    /* negative energy (a refund direction) truncates toward zero, not down */
    assert_int_equal(wt_amount_micro(&a, -1, 1999999), WT_OK);
    assert_true(a == -1);
    /* zero price or energy */
    assert_int_equal(wt_amount_micro(&a, 0, INT64_MAX), WT_OK);
    assert_true(a == 0);
    assert_int_equal(wt_amount_micro(&a, INT64_MAX, 0), WT_OK);
    assert_true(a == 0);
    /* the largest inputs: product needs 126 bits, quotient overflows */
    assert_int_equal(wt_amount_micro(&a, INT64_MAX, INT64_MAX), WT_ERR_OVERFLOW);
    assert_true(a == 0);
    /* just fits: INT64_MAX mWh at 1,000,000 micro/kWh = INT64_MAX micro */
    assert_int_equal(wt_amount_micro(&a, INT64_MAX, 1000000), WT_OK);
    assert_true(a == INT64_MAX);
}

int main(void)
{
    wt_test_route_asserts();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add_edges),
        cmocka_unit_test(test_sub_edges),
        cmocka_unit_test(test_mul_edges),
        cmocka_unit_test(test_muldiv),
        cmocka_unit_test(test_amount_rule_worked_examples),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
