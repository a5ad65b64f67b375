/*
 * test_clear_errors.c — wt_book_clear's contract: every error it returns
 * (with the index of the offending order), outputs zeroed on failure,
 * assertions on broken calls, arena sizing and reuse, and the id text
 * mapping.
 */
#include "matcher.h"
#include "testutil.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void order_set(wt_order *o, uint64_t id, wt_side side, int64_t energy, int64_t price)
{
    memset(o, 0, sizeof *o);
    for (int i = 0; i < 8; i++)
        o->id.bytes[31 - i] = (uint8_t)(id >> (8 * i));
    o->side = (uint8_t)side;
    o->energy_mwh = energy;
    o->price_micro_per_kwh = price;
    o->seq = id;
}

static uint8_t arena[1 << 20];

static wt_err clear4(wt_clearing *c, const wt_market *m, wt_order *o, size_t n)
{
    return wt_book_clear(arena, sizeof arena, c, m, o, n);
}

static void expect_order_error(wt_order *o, size_t n, const wt_market *m, wt_err want, size_t index)
{
    wt_clearing c;
    memset(&c, 0x5a, sizeof c);
    assert_int_equal(clear4(&c, m, o, n), want);
    assert_int_equal(c.error_index, index);
    assert_null(c.trades);
    assert_int_equal(c.trades_count, 0);
    assert_true(c.volume_mwh == 0 && c.price_micro_per_kwh == 0);
}

static void test_order_errors(void **state)
{
    (void)state;
    wt_market m;
    wt_market_default(&m);
    m.price_ceiling_micro_per_kwh = 1000;
    wt_order o[3];
    order_set(&o[0], 1, WT_SIDE_BUY, 10, 500);
    order_set(&o[1], 2, WT_SIDE_SELL, 10, 400);
    order_set(&o[2], 3, WT_SIDE_SELL, 10, 400);
    wt_clearing c;
    assert_int_equal(clear4(&c, &m, o, 3), WT_OK);

    o[1].side = 0;
    expect_order_error(o, 3, &m, WT_ERR_BAD_SIDE, 1);
    o[1].side = 3;
    expect_order_error(o, 3, &m, WT_ERR_BAD_SIDE, 1);
    o[1].side = WT_SIDE_SELL;

    o[2].energy_mwh = 0;
    expect_order_error(o, 3, &m, WT_ERR_BAD_ENERGY, 2);
    o[2].energy_mwh = -5;
    expect_order_error(o, 3, &m, WT_ERR_BAD_ENERGY, 2);
    o[2].energy_mwh = WT_ENERGY_MWH_MAX + 1;
    expect_order_error(o, 3, &m, WT_ERR_BAD_ENERGY, 2);
    o[2].energy_mwh = WT_ENERGY_MWH_MAX;
    assert_int_equal(clear4(&c, &m, o, 3), WT_OK);
    o[2].energy_mwh = 10;

    o[0].price_micro_per_kwh = -1;
    expect_order_error(o, 3, &m, WT_ERR_BAD_PRICE, 0);
    o[0].price_micro_per_kwh = 1001; /* above the ceiling */
    expect_order_error(o, 3, &m, WT_ERR_BAD_PRICE, 0);
    o[0].price_micro_per_kwh = 1000; /* at it */
    assert_int_equal(clear4(&c, &m, o, 3), WT_OK);

    o[1].zone = 1; /* no tree: only zone 0 */
    expect_order_error(o, 3, &m, WT_ERR_UNKNOWN_ZONE, 1);
    wt_zone zones[2] = {{WT_ZONE_NONE, 0}, {0, 0}};
    m.zones = zones;
    m.zones_count = 2;
    assert_int_equal(clear4(&c, &m, o, 3), WT_OK);
    o[1].zone = 2;
    expect_order_error(o, 3, &m, WT_ERR_UNKNOWN_ZONE, 1);
    o[1].zone = 0;
    m.zones = NULL;
    m.zones_count = 0;

    /* The first bad order is named. */
    o[0].side = 9;
    o[2].side = 9;
    expect_order_error(o, 3, &m, WT_ERR_BAD_SIDE, 0);
    o[0].side = WT_SIDE_BUY;
    o[2].side = WT_SIDE_SELL;

    /* Duplicate ids: the later order, and the first with that id. */
    o[2].id = o[0].id;
    memset(&c, 0, sizeof c);
    assert_int_equal(clear4(&c, &m, o, 3), WT_ERR_DUPLICATE_ID);
    assert_int_equal(c.error_index, 2);
    assert_int_equal(c.error_other_index, 0);
}

static void test_market_errors(void **state)
{
    (void)state;
    wt_order o[2];
    order_set(&o[0], 1, WT_SIDE_BUY, 10, 500);
    order_set(&o[1], 2, WT_SIDE_SELL, 10, 400);
    wt_market m;
    wt_clearing c;

    wt_market_default(&m);
    m.mechanism = (wt_mechanism)7;
    assert_int_equal(clear4(&c, &m, o, 2), WT_ERR_INVALID_ARGUMENT);
    assert_int_equal(c.error_index, SIZE_MAX);
    wt_market_default(&m);
    m.price_ceiling_micro_per_kwh = -1;
    assert_int_equal(clear4(&c, &m, o, 2), WT_ERR_INVALID_ARGUMENT);
    m.price_ceiling_micro_per_kwh = WT_PRICE_MICRO_PER_KWH_MAX + 1;
    assert_int_equal(clear4(&c, &m, o, 2), WT_ERR_INVALID_ARGUMENT);
    wt_market_default(&m);
    m.k_ppm = WT_K_PPM_ONE + 1;
    assert_int_equal(clear4(&c, &m, o, 2), WT_ERR_BAD_K);
    m.k_ppm = WT_K_PPM_ONE;
    assert_int_equal(clear4(&c, &m, o, 2), WT_OK);

    wt_zone z[3] = {{WT_ZONE_NONE, 5}, {0, 1}, {1, 1}};
    wt_market_default(&m);
    m.zones = z;
    m.zones_count = 3;
    assert_int_equal(clear4(&c, &m, o, 2), WT_OK);
    m.zones = NULL;
    assert_int_equal(clear4(&c, &m, o, 2), WT_ERR_BAD_ZONE_TREE);
    m.zones = z;
    z[0].parent = 0; /* the root must have no parent */
    assert_int_equal(clear4(&c, &m, o, 2), WT_ERR_BAD_ZONE_TREE);
    z[0].parent = WT_ZONE_NONE;
    z[2].parent = 2; /* itself */
    assert_int_equal(clear4(&c, &m, o, 2), WT_ERR_BAD_ZONE_TREE);
    z[2].parent = 5; /* later or absent */
    assert_int_equal(clear4(&c, &m, o, 2), WT_ERR_BAD_ZONE_TREE);
    z[2].parent = 1;
    /* A chain: the deepest zone allowed, then one level too deep. */
    wt_zone chain[WT_ZONE_DEPTH_MAX + 2];
    chain[0].parent = WT_ZONE_NONE;
    chain[0].fee_micro_per_kwh = 0;
    for (uint32_t i = 1; i < WT_ZONE_DEPTH_MAX + 2; i++) {
        chain[i].parent = i - 1;
        chain[i].fee_micro_per_kwh = 0;
    }
    m.zones = chain;
    m.zones_count = WT_ZONE_DEPTH_MAX + 1;
    o[0].zone = WT_ZONE_DEPTH_MAX;
    assert_int_equal(clear4(&c, &m, o, 2), WT_OK);
    assert_int_equal(c.trades_count, 1);
    assert_int_equal(c.trades[0].zone, 0); /* only the root holds both */
    m.zones_count = WT_ZONE_DEPTH_MAX + 2;
    assert_int_equal(clear4(&c, &m, o, 2), WT_ERR_BAD_ZONE_TREE);
    o[0].zone = 0;
    m.zones = z;
    m.zones_count = (size_t)WT_ZONES_MAX + 1;
    assert_int_equal(clear4(&c, &m, o, 2), WT_ERR_BAD_ZONE_TREE);
    m.zones_count = 3;
    z[1].fee_micro_per_kwh = -1;
    assert_int_equal(clear4(&c, &m, o, 2), WT_ERR_BAD_FEE);
    z[1].fee_micro_per_kwh = 1001;
    m.price_ceiling_micro_per_kwh = 1000;
    assert_int_equal(clear4(&c, &m, o, 2), WT_ERR_BAD_FEE);
    z[1].fee_micro_per_kwh = 1000;
    assert_int_equal(clear4(&c, &m, o, 2), WT_OK);

    wt_market_default(&m);
    assert_int_equal(wt_book_clear(arena, sizeof arena, &c, &m, o, (size_t)WT_BOOK_ORDERS_MAX + 1),
                     WT_ERR_CAPACITY);
    size_t need = wt_book_arena_size(2, 0);
    assert_int_equal(wt_book_clear(arena, need - 1, &c, &m, o, 2), WT_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(wt_book_clear(arena, need, &c, &m, o, 2), WT_OK);
}

/* Totals that could not be held in int64 are refused before clearing. */
static void test_money_overflow(void **state)
{
    (void)state;
    enum { N = 200 };
    static wt_order o[N];
    for (size_t i = 0; i < N; i++)
        order_set(&o[i], i + 1, i % 2 ? WT_SIDE_BUY : WT_SIDE_SELL, WT_ENERGY_MWH_MAX,
                  WT_PRICE_MICRO_PER_KWH_MAX);
    wt_market m;
    wt_market_default(&m);
    wt_clearing c;
    size_t len = wt_book_arena_size(N, 0);
    void *a = malloc(len);
    assert_non_null(a);
    /* 100 * 1e11 mWh * 1e12 / 1e6 = 1e19 > INT64_MAX. */
    assert_int_equal(wt_book_clear(a, len, &c, &m, o, N), WT_ERR_OVERFLOW);
    /* 90 of each side fit: 9e18. */
    assert_int_equal(wt_book_clear(a, len, &c, &m, o, 180), WT_OK);
    assert_true(c.amount_micro == INT64_C(9000000000000000000));
    free(a);
}

static void test_contract_asserts(void **state)
{
    (void)state;
    wt_order o[1];
    order_set(&o[0], 1, WT_SIDE_BUY, 10, 500);
    wt_market m;
    wt_market_default(&m);
    wt_clearing c;
    expect_assert_failure(wt_book_clear(arena, sizeof arena, NULL, &m, o, 1));
    expect_assert_failure(wt_book_clear(arena, sizeof arena, &c, NULL, o, 1));
    expect_assert_failure(wt_book_clear(arena, sizeof arena, &c, &m, NULL, 1));
    expect_assert_failure(wt_book_clear(NULL, 100, &c, &m, o, 1));
    expect_assert_failure(wt_market_default(NULL));
    /* An empty book needs no orders array. */
    assert_int_equal(wt_book_clear(arena, sizeof arena, &c, &m, NULL, 0), WT_OK);
    assert_int_equal(c.trades_count, 0);
}

static void test_arena(void **state)
{
    (void)state;
    assert_int_equal(wt_book_arena_size((size_t)WT_BOOK_ORDERS_MAX + 1, 1), 0);
    assert_int_equal(wt_book_arena_size(10, (size_t)WT_ZONES_MAX + 1), 0);
    assert_true(wt_book_arena_size(0, 0) > 0);
    /* Monotone, so an arena sized for a maximum serves every smaller book. */
    for (size_t n = 1; n < 9000; n++)
        assert_true(wt_book_arena_size(n, 3) >= wt_book_arena_size(n - 1, 3));
    assert_true(wt_book_arena_size(1000, 8) >= wt_book_arena_size(1000, 1));

    /* One arena, reused for a big book then a small one, at an odd address:
     * the small book's result equals a fresh clearing's. */
    enum { BIG = 3000 };
    static wt_order big[BIG];
    wt_test_rng r;
    wt_test_rng_init(&r, wt_test_seed(77));
    for (size_t i = 0; i < BIG; i++)
        order_set(&big[i], i + 1, wt_test_rng_range(&r, 0, 1) ? WT_SIDE_BUY : WT_SIDE_SELL,
                  wt_test_rng_range(&r, 1, 100), wt_test_rng_range(&r, 0, 1000));
    size_t len = wt_book_arena_size(BIG, 1);
    uint8_t *mem = malloc(len + 1);
    assert_non_null(mem);
    wt_market m;
    wt_market_default(&m);
    wt_clearing c, fresh;
    assert_int_equal(wt_book_clear(mem + 1, len, &c, &m, big, BIG), WT_OK);
    assert_true(c.trades_count > 0);
    assert_int_equal(wt_book_clear(mem + 1, len, &c, &m, big + 10, 50), WT_OK);
    assert_int_equal(wt_book_clear(arena, sizeof arena, &fresh, &m, big + 10, 50), WT_OK);
    assert_int_equal(c.trades_count, fresh.trades_count);
    assert_memory_equal(c.trades, fresh.trades, c.trades_count * sizeof(wt_trade));
    assert_memory_equal(c.unfilled_mwh, fresh.unfilled_mwh, 50 * sizeof(int64_t));
    free(mem);
}

/* A copy of matcher.c's id hash, only to build ids that crowd one partition
 * of the duplicate check and force its sorting fallback. If the hash
 * changes, this test still passes but stops reaching the fallback. */
static uint64_t id_hash_copy(const wt_order_id *id)
{
    uint64_t w[4];
    memcpy(w, id->bytes, sizeof w);
    uint64_t h = (w[0] * UINT64_C(0x9e3779b97f4a7c15)) ^ (w[1] * UINT64_C(0xbf58476d1ce4e5b9)) ^
                 (w[2] * UINT64_C(0x94d049bb133111eb)) ^ (w[3] * UINT64_C(0xd6e8feb86659fd93));
    h ^= h >> 32;
    h *= UINT64_C(0x9e3779b97f4a7c15);
    return h ^ (h >> 29);
}

static void test_duplicates_large(void **state)
{
    (void)state;
    enum { N = 1500 }; /* two partitions by the top hash bit */
    static wt_order o[N];
    wt_market m;
    wt_market_default(&m);
    size_t len = wt_book_arena_size(N, 0);
    void *a = malloc(len);
    assert_non_null(a);
    wt_clearing c;
    for (int crowd = 0; crowd < 2; crowd++) {
        uint64_t next = 1;
        for (size_t i = 0; i < N; i++) {
            do
                order_set(&o[i], next++, i % 2 ? WT_SIDE_BUY : WT_SIDE_SELL, 5, (int64_t)i % 7);
            while (crowd && (id_hash_copy(&o[i].id) >> 63) != 0);
        }
        assert_int_equal(wt_book_clear(a, len, &c, &m, o, N), WT_OK);
        /* Two duplicate pairs: the one with the smaller later index wins. */
        o[1400].id = o[17].id;
        o[900].id = o[1200].id;
        assert_int_equal(wt_book_clear(a, len, &c, &m, o, N), WT_ERR_DUPLICATE_ID);
        assert_int_equal(c.error_index, 1200);
        assert_int_equal(c.error_other_index, 900);
    }
    free(a);
}

static void test_id_text(void **state)
{
    (void)state;
    wt_order_id id, id2;
    char text[WT_ORDER_ID_TEXT_MAX + 1];
    /* Numbers: 24 zero bytes then big-endian. */
    assert_int_equal(wt_order_id_from_text(&id, "258", 3), WT_OK);
    for (int i = 0; i < 30; i++)
        assert_int_equal(id.bytes[i], 0);
    assert_int_equal(id.bytes[30], 1);
    assert_int_equal(id.bytes[31], 2);
    assert_int_equal(wt_order_id_format(text, &id), 3);
    assert_string_equal(text, "258");
    assert_int_equal(wt_order_id_from_text(&id, "18446744073709551615", 20), WT_OK);
    wt_order_id_format(text, &id);
    assert_string_equal(text, "18446744073709551615");
    assert_int_equal(wt_order_id_from_text(&id, "0", 1), WT_OK);
    wt_order_id_format(text, &id);
    assert_string_equal(text, "0");
    /* Numbers order numerically, before texts. */
    assert_int_equal(wt_order_id_from_text(&id, "9", 1), WT_OK);
    assert_int_equal(wt_order_id_from_text(&id2, "10", 2), WT_OK);
    assert_true(memcmp(id.bytes, id2.bytes, 32) < 0);
    assert_int_equal(wt_order_id_from_text(&id, "a", 1), WT_OK);
    assert_true(memcmp(id2.bytes, id.bytes, 32) < 0);
    /* Leading zeros and numbers past 2^64-1 are texts. */
    assert_int_equal(wt_order_id_from_text(&id, "007", 3), WT_OK);
    assert_int_equal(id.bytes[0], '0');
    wt_order_id_format(text, &id);
    assert_string_equal(text, "007");
    assert_int_equal(wt_order_id_from_text(&id, "18446744073709551616", 20), WT_OK);
    wt_order_id_format(text, &id);
    assert_string_equal(text, "18446744073709551616");
    /* Texts up to 32 characters. */
    const char *t32 = "abcdefghijklmnopqrstuvwxyz012345";
    assert_int_equal(wt_order_id_from_text(&id, t32, 32), WT_OK);
    wt_order_id_format(text, &id);
    assert_string_equal(text, t32);
    assert_int_equal(wt_order_id_from_text(&id, "abcdefghijklmnopqrstuvwxyz0123456", 33),
                     WT_ERR_BAD_LENGTH);
    assert_int_equal(wt_order_id_from_text(&id, "", 0), WT_ERR_BAD_LENGTH);
    assert_int_equal(wt_order_id_from_text(&id, "a b", 3), WT_ERR_INVALID_ARGUMENT);
    assert_int_equal(wt_order_id_from_text(&id, "a,b", 3), WT_ERR_INVALID_ARGUMENT);
    assert_int_equal(wt_order_id_from_text(&id, "a\"b", 3), WT_ERR_INVALID_ARGUMENT);
    assert_int_equal(wt_order_id_from_text(&id, "\x80", 1), WT_ERR_INVALID_ARGUMENT);
    for (int i = 0; i < 32; i++)
        assert_int_equal(id.bytes[i], 0); /* zeroed on failure */
    /* 64 hex digits: 32 raw bytes (a txid); formatted back as hex. */
    const char *hex = "00ff00000000000000000000000000000000000000000000000000000000abcd";
    assert_int_equal(wt_order_id_from_text(&id, hex, 64), WT_OK);
    assert_int_equal(id.bytes[1], 0xff);
    assert_int_equal(wt_order_id_format(text, &id), 64);
    assert_string_equal(text, hex);
    const char *nothex = "zz00000000000000000000000000000000000000000000000000000000000000";
    assert_int_equal(wt_order_id_from_text(&id, nothex, 64), WT_ERR_BAD_LENGTH);
    /* The hex form of a number's bytes is that number. */
    assert_int_equal(
        wt_order_id_from_text(
            &id, "0000000000000000000000000000000000000000000000000000000000000102", 64),
        WT_OK);
    wt_order_id_format(text, &id);
    assert_string_equal(text, "258");
    /* Bytes that look like a number's text are shown as hex, so they can be
     * read back. */
    memset(&id, 0, sizeof id);
    memcpy(id.bytes, "12", 2);
    assert_int_equal(wt_order_id_format(text, &id), 64);
    assert_int_equal(wt_order_id_from_text(&id2, text, 64), WT_OK);
    assert_memory_equal(id.bytes, id2.bytes, 32);
}

int main(void)
{
    wt_test_route_asserts();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order_errors),   cmocka_unit_test(test_market_errors),
        cmocka_unit_test(test_money_overflow), cmocka_unit_test(test_contract_asserts),
        cmocka_unit_test(test_arena),          cmocka_unit_test(test_duplicates_large),
        cmocka_unit_test(test_id_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
