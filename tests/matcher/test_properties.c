/*
 * test_properties.c — the matcher against its rules on many random books
 * (seeded; the seed is printed and WT_TEST_SEED replays it):
 *  - exactly the trades of the naive reference implementation;
 *  - no trade beyond a limit price (fee included), no self-trade;
 *  - under pay-as-clear one price per zone, between the marginal orders;
 *  - money balance: every trade's amount and fee are the amount rule's,
 *    totals add up, buyers pay sellers plus fees;
 *  - every order's filled plus unfilled energy is its energy;
 *  - volume equal to a brute-force max flow on books without owners, and
 *    never above it with owners;
 *  - permutation invariance: any array order, byte-identical trades.
 */
#include "matcher.h"
#include "reference.h"
#include "testutil.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SMALL_BOOKS  12000
#define MEDIUM_BOOKS 10
#define MEDIUM_MAX   6000

static uint64_t g_seed;

typedef struct {
    wt_order orders[REF_ORDERS_MAX];
    size_t n;
    wt_zone zones[REF_ZONES_MAX];
    wt_market market;
    bool owners, zoned;
} book;

static int64_t pick(wt_test_rng *r, int64_t lo, int64_t hi)
{
    return wt_test_rng_range(r, lo, hi);
}

/* A random book; styles vary price scales, ties, seq patterns (rising,
 * shuffled, duplicated, spanning 64 bits), id kinds, owners and zone trees. */
static void make_book(book *b, wt_test_rng *r, size_t n)
{
    memset(b, 0, sizeof *b);
    b->n = n;
    wt_market_default(&b->market);
    b->market.mechanism = pick(r, 0, 1) ? WT_MECHANISM_PAY_AS_BID : WT_MECHANISM_PAY_AS_CLEAR;
    switch (pick(r, 0, 3)) {
    case 0:
        b->market.k_ppm = 0;
        break;
    case 1:
        b->market.k_ppm = WT_K_PPM_ONE;
        break;
    case 2:
        b->market.k_ppm = WT_K_PPM_DEFAULT;
        break;
    default:
        b->market.k_ppm = (uint32_t)pick(r, 0, WT_K_PPM_ONE);
        break;
    }
    int64_t unit = 1, levels = 6;
    switch (pick(r, 0, 3)) {
    case 0:
        unit = 1;
        levels = 6;
        break; /* many ties */
    case 1:
        unit = 1000003;
        levels = 40;
        break; /* odd prices */
    case 2:
        unit = 1;
        levels = 1000000000;
        break; /* few ties */
    default:
        unit = 1000;
        levels = 1000000000;
        break; /* up to the ceiling */
    }
    int64_t energy_max = pick(r, 0, 9) == 0 ? WT_ENERGY_MWH_MAX / 100000 : 10;
    int seq_style = (int)pick(r, 0, 4);
    int id_style = (int)pick(r, 0, 2);
    b->owners = pick(r, 0, 2) != 0;
    int64_t owners_max = pick(r, 1, 4);
    b->zoned = pick(r, 0, 2) == 0;
    size_t zc = 1;
    if (b->zoned) {
        zc = (size_t)pick(r, 1, 6);
        for (size_t z = 0; z < zc; z++) {
            b->zones[z].parent = z == 0 ? WT_ZONE_NONE : (uint32_t)pick(r, 0, (int64_t)z - 1);
            b->zones[z].fee_micro_per_kwh = pick(r, 0, 2) * unit;
        }
        b->market.zones = b->zones;
        b->market.zones_count = zc;
    }
    /* Ids: a shuffled range of numbers, random bytes, or short texts. */
    uint64_t id_base = (uint64_t)pick(r, 0, 1000000);
    for (size_t i = 0; i < n; i++) {
        wt_order *o = &b->orders[i];
        o->side = pick(r, 0, 1) ? WT_SIDE_BUY : WT_SIDE_SELL;
        o->energy_mwh = pick(r, 1, energy_max);
        int64_t level = levels < 1000 ? pick(r, 0, levels - 1) : pick(r, 0, levels);
        o->price_micro_per_kwh = level * unit;
        if (o->price_micro_per_kwh > WT_PRICE_MICRO_PER_KWH_MAX)
            o->price_micro_per_kwh = WT_PRICE_MICRO_PER_KWH_MAX;
        switch (seq_style) {
        case 0:
            o->seq = i;
            break; /* rising */
        case 1:
            o->seq = (uint64_t)pick(r, 0, 3);
            break; /* many equal */
        case 2:
            o->seq = wt_test_rng_next(r);
            break; /* 64-bit spread */
        case 3:
            o->seq = 1000000000000u + (uint64_t)pick(r, 0, 50);
            break;
        default:
            o->seq = (uint64_t)(n - i);
            break; /* falling */
        }
        o->owner = b->owners ? (uint32_t)pick(r, 0, owners_max) : WT_OWNER_UNKNOWN;
        o->zone = (uint32_t)pick(r, 0, (int64_t)zc - 1);
        char text[40];
        switch (id_style) {
        case 0:
            snprintf(text, sizeof text, "%" PRIu64, id_base + i * 7);
            assert_int_equal(wt_order_id_from_text(&o->id, text, strlen(text)), WT_OK);
            break;
        case 1:
            wt_test_rng_bytes(r, o->id.bytes, WT_ORDER_ID_BYTES);
            break;
        default:
            snprintf(text, sizeof text, "o%zx", i * 13 + (size_t)id_base);
            assert_int_equal(wt_order_id_from_text(&o->id, text, strlen(text)), WT_OK);
            break;
        }
    }
    /* Shuffle the numeric ids so id order differs from array order. */
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)pick(r, 0, (int64_t)i - 1);
        wt_order_id t = b->orders[i - 1].id;
        b->orders[i - 1].id = b->orders[j].id;
        b->orders[j].id = t;
    }
}

#define FAIL_IF(cond, ...)                                                                         \
    do {                                                                                           \
        if (cond) {                                                                                \
            fprintf(stderr, "seed %" PRIu64 ", book %zu: ", g_seed, book_no);                      \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fprintf(stderr, "\n");                                                                 \
            fail();                                                                                \
        }                                                                                          \
    } while (0)

static const wt_order *perm_orders;
static bool perm_by_id;
static uint64_t perm_rank[REF_ORDERS_MAX];

static int cmp_seq_id(const void *x, const void *y)
{
    size_t i = *(const size_t *)x, j = *(const size_t *)y;
    const wt_order *a = &perm_orders[i], *b = &perm_orders[j];
    if (a->seq != b->seq)
        return a->seq < b->seq ? -1 : 1;
    if (perm_by_id)
        return memcmp(a->id.bytes, b->id.bytes, sizeof a->id.bytes);
    if (perm_rank[i] != perm_rank[j])
        return perm_rank[i] < perm_rank[j] ? -1 : 1;
    return (i > j) - (i < j);
}

static void check_book(const book *b, size_t book_no, void *arena, size_t arena_len, void *arena2,
                       wt_test_rng *r)
{
    static ref_result ref;
    static wt_order shuffled[REF_ORDERS_MAX];
    static size_t perm[REF_ORDERS_MAX];
    static int64_t filled[REF_ORDERS_MAX];
    size_t n = b->n;
    wt_clearing c;
    wt_err err = wt_book_clear(arena, arena_len, &c, &b->market, b->orders, n);
    FAIL_IF(err != WT_OK, "clear failed: %s", wt_errname(err));

    /* 1. The reference's trades, exactly. */
    ref_clear(&ref, &b->market, b->orders, n);
    FAIL_IF(c.trades_count != ref.trades_count, "%zu trades, reference %zu", c.trades_count,
            ref.trades_count);
    for (size_t t = 0; t < c.trades_count; t++) {
        const wt_trade *x = &c.trades[t], *y = &ref.trades[t];
        FAIL_IF(memcmp(x, y, sizeof(wt_trade)) != 0,
                "trade %zu differs from the reference: %u>%u z%u %" PRId64 "@%" PRId64 " (%" PRId64
                ", fee %" PRId64 ") vs %u>%u z%u %" PRId64 "@%" PRId64 " (%" PRId64 ", fee %" PRId64
                ")",
                t, x->buy, x->sell, x->zone, x->energy_mwh, x->price_micro_per_kwh, x->amount_micro,
                x->fee_micro, y->buy, y->sell, y->zone, y->energy_mwh, y->price_micro_per_kwh,
                y->amount_micro, y->fee_micro);
    }
    for (size_t i = 0; i < n; i++)
        FAIL_IF(c.unfilled_mwh[i] != ref.unfilled_mwh[i], "order %zu unfilled differs", i);
    for (size_t z = 0; z < c.zones_count; z++)
        FAIL_IF(c.zones[z].price_micro_per_kwh != ref.zone_price[z], "zone %zu price differs", z);

    /* 2. Limits, self-trades, one price per zone, money. */
    memset(filled, 0, n * sizeof filled[0]);
    int64_t volume = 0, amount = 0, fees = 0;
    for (size_t t = 0; t < c.trades_count; t++) {
        const wt_trade *tr = &c.trades[t];
        const wt_order *bo = &b->orders[tr->buy], *so = &b->orders[tr->sell];
        int64_t fee = b->zoned ? b->zones[tr->zone].fee_micro_per_kwh : 0;
        FAIL_IF(bo->side != WT_SIDE_BUY || so->side != WT_SIDE_SELL, "trade %zu sides", t);
        FAIL_IF(tr->energy_mwh <= 0, "trade %zu energy", t);
        FAIL_IF(tr->price_micro_per_kwh + fee > bo->price_micro_per_kwh, "trade %zu above the bid",
                t);
        FAIL_IF(tr->price_micro_per_kwh < so->price_micro_per_kwh, "trade %zu below the ask", t);
        FAIL_IF(bo->owner != WT_OWNER_UNKNOWN && bo->owner == so->owner, "trade %zu self", t);
        int64_t a, f;
        assert_int_equal(wt_amount_micro(&a, tr->energy_mwh, tr->price_micro_per_kwh), WT_OK);
        assert_int_equal(wt_amount_micro(&f, tr->energy_mwh, fee), WT_OK);
        FAIL_IF(a != tr->amount_micro || f != tr->fee_micro, "trade %zu money", t);
        if (b->market.mechanism == WT_MECHANISM_PAY_AS_CLEAR)
            FAIL_IF(tr->price_micro_per_kwh != c.zones[tr->zone].price_micro_per_kwh,
                    "trade %zu not at its zone's price", t);
        else
            FAIL_IF(tr->price_micro_per_kwh != bo->price_micro_per_kwh - fee,
                    "trade %zu not at the bid", t);
        filled[tr->buy] += tr->energy_mwh;
        filled[tr->sell] += tr->energy_mwh;
        volume += tr->energy_mwh;
        amount += tr->amount_micro;
        fees += tr->fee_micro;
    }
    FAIL_IF(volume != c.volume_mwh || amount != c.amount_micro || fees != c.fee_micro, "totals");
    /* Each zone's result adds up its own trades. */
    for (size_t z = 0; z < c.zones_count; z++) {
        int64_t zv = 0, za = 0, zf = 0;
        size_t zt = 0;
        for (size_t t = 0; t < c.trades_count; t++)
            if (c.trades[t].zone == z) {
                zv += c.trades[t].energy_mwh;
                za += c.trades[t].amount_micro;
                zf += c.trades[t].fee_micro;
                zt++;
            }
        FAIL_IF(c.zones[z].volume_mwh != zv || c.zones[z].amount_micro != za ||
                    c.zones[z].fee_micro != zf || c.zones[z].trades_count != zt,
                "zone %zu result", z);
    }
    /* What buyers pay equals what sellers receive plus the utility's fees:
     * summed per side from the trades. */
    int64_t paid = 0, received = 0;
    for (size_t t = 0; t < c.trades_count; t++) {
        paid += c.trades[t].amount_micro + c.trades[t].fee_micro;
        received += c.trades[t].amount_micro;
    }
    FAIL_IF(paid != received + c.fee_micro, "money balance");
    int64_t demand = 0, supply = 0;
    for (size_t i = 0; i < n; i++) {
        const wt_order *o = &b->orders[i];
        FAIL_IF(filled[i] + c.unfilled_mwh[i] != o->energy_mwh || c.unfilled_mwh[i] < 0,
                "order %zu: filled %" PRId64 " + unfilled %" PRId64 " != %" PRId64, i, filled[i],
                c.unfilled_mwh[i], o->energy_mwh);
        if (o->side == WT_SIDE_BUY)
            demand += o->energy_mwh;
        else
            supply += o->energy_mwh;
    }
    FAIL_IF(c.retail_mwh != demand - volume || c.feed_in_mwh != supply - volume, "residual");

    /* 3. Largest volume, one zone: what the crossing curves allow, found by
     * brute force over every uniform price; never more than any matching. */
    if (!b->zoned && n <= FLOW_ORDERS_MAX) {
        int64_t best = ref_max_volume(b->orders, n, true);
        int64_t any = ref_max_volume(b->orders, n, false);
        if (!b->owners)
            FAIL_IF(volume != best, "volume %" PRId64 ", brute-force maximum %" PRId64, volume,
                    best);
        else if (b->market.mechanism == WT_MECHANISM_PAY_AS_CLEAR)
            FAIL_IF(volume > best, "volume above the uniform-price maximum");
        FAIL_IF(volume > any, "volume above the maximum matching");
    }

    /* 4. Permutation invariance: a random order, or every other book the
     * (seq, id) order itself (the matcher's fast path for a presorted book,
     * as a settlement's metered orders come). */
    for (size_t i = 0; i < n; i++)
        perm[i] = i;
    int64_t how = pick(r, 0, 2);
    if (how == 0) {
        for (size_t i = n; i > 1; i--) {
            size_t j = (size_t)pick(r, 0, (int64_t)i - 1);
            size_t t = perm[i - 1];
            perm[i - 1] = perm[j];
            perm[j] = t;
        }
    } else {
        /* 1: by seq, ties in random order (not the fast path); 2: by (seq, id) */
        perm_orders = b->orders;
        perm_by_id = how == 2;
        for (size_t i = 0; i < n; i++)
            perm_rank[i] = (uint64_t)pick(r, 0, INT64_MAX);
        qsort(perm, n, sizeof *perm, cmp_seq_id);
    }
    for (size_t i = 0; i < n; i++)
        shuffled[i] = b->orders[perm[i]];
    wt_clearing c2;
    assert_int_equal(wt_book_clear(arena2, arena_len, &c2, &b->market, shuffled, n), WT_OK);
    FAIL_IF(c2.trades_count != c.trades_count, "permuted: trade count");
    for (size_t t = 0; t < c.trades_count; t++) {
        const wt_trade *x = &c.trades[t], *y = &c2.trades[t];
        FAIL_IF(memcmp(b->orders[x->buy].id.bytes, shuffled[y->buy].id.bytes, 32) != 0 ||
                    memcmp(b->orders[x->sell].id.bytes, shuffled[y->sell].id.bytes, 32) != 0 ||
                    x->zone != y->zone || x->energy_mwh != y->energy_mwh ||
                    x->price_micro_per_kwh != y->price_micro_per_kwh ||
                    x->amount_micro != y->amount_micro || x->fee_micro != y->fee_micro,
                "permuted: trade %zu differs", t);
    }
    for (size_t i = 0; i < n; i++)
        FAIL_IF(c2.unfilled_mwh[i] != c.unfilled_mwh[perm[i]], "permuted: unfilled %zu", i);
}

static void run_books(size_t count, size_t n_lo, size_t n_hi, uint64_t fallback_seed)
{
    g_seed = wt_test_seed(fallback_seed);
    wt_test_rng r;
    wt_test_rng_init(&r, g_seed);
    static book b;
    size_t arena_len = wt_book_arena_size(n_hi, REF_ZONES_MAX);
    void *arena = malloc(arena_len), *arena2 = malloc(arena_len);
    assert_non_null(arena);
    assert_non_null(arena2);
    for (size_t book_no = 0; book_no < count; book_no++) {
        make_book(&b, &r, (size_t)pick(&r, (int64_t)n_lo, (int64_t)n_hi));
        check_book(&b, book_no, arena, arena_len, arena2, &r);
    }
    free(arena);
    free(arena2);
}

static void test_small_books(void **state)
{
    (void)state;
    run_books(SMALL_BOOKS, 0, 40, 20260101);
}

/* Large enough for the wide radix digits and the partitioned id check. */
static void test_medium_books(void **state)
{
    (void)state;
    run_books(MEDIUM_BOOKS, 1000, MEDIUM_MAX, 20260102);
}

static size_t trades_text(char *out, size_t out_len, const wt_clearing *cl, const wt_order *p)
{
    size_t len = 0;
    out[0] = '\0';
    for (size_t t = 0; t < cl->trades_count; t++)
        len +=
            (size_t)snprintf(out + len, out_len - len, "%u>%u:%" PRId64 "@%" PRId64 ";",
                             p[cl->trades[t].buy].id.bytes[31], p[cl->trades[t].sell].id.bytes[31],
                             cl->trades[t].energy_mwh, cl->trades[t].price_micro_per_kwh);
    return len;
}

static void check_ordering(void *arena, size_t len, const wt_market *m, const wt_order *base,
                           const int idx[6], const char *expect)
{
    wt_order p[6];
    for (int k = 0; k < 6; k++)
        p[k] = base[idx[k]];
    wt_clearing cl;
    assert_int_equal(wt_book_clear(arena, len, &cl, m, p, 6), WT_OK);
    char got[512];
    trades_text(got, sizeof got, &cl, p);
    assert_string_equal(got, expect);
}

/* Exhaustive over a small domain: every ordering of six orders (three bids,
 * three asks, two owners, three price levels, equal seqs so ids decide) gives
 * the same trades. */
static void test_all_orderings(void **state)
{
    (void)state;
    static const int64_t prices[6] = {3, 2, 2, 1, 2, 3};
    static const uint8_t sides[6] = {1, 1, 1, 2, 2, 2};
    static const uint32_t owners[6] = {1, 2, 1, 2, 1, 0};
    wt_order base[6];
    memset(base, 0, sizeof base);
    for (int i = 0; i < 6; i++) {
        base[i].id.bytes[31] = (uint8_t)(10 - i);
        base[i].side = sides[i];
        base[i].energy_mwh = 2 + i % 3;
        base[i].price_micro_per_kwh = prices[i];
        base[i].owner = owners[i];
        base[i].seq = 5;
    }
    size_t len = wt_book_arena_size(6, 0);
    void *arena = malloc(len);
    assert_non_null(arena);
    for (int mech = 0; mech < 2; mech++) {
        wt_market m;
        wt_market_default(&m);
        m.mechanism = (wt_mechanism)mech;
        wt_clearing first;
        assert_int_equal(wt_book_clear(arena, len, &first, &m, base, 6), WT_OK);
        char expect[512];
        trades_text(expect, sizeof expect, &first, base);
        assert_true(first.trades_count > 0);
        /* Heap's algorithm over all 720 orderings. */
        int idx[6] = {0, 1, 2, 3, 4, 5}, c[6] = {0};
        int perms = 0;
        check_ordering(arena, len, &m, base, idx, expect);
        perms++;
        for (int i = 1; i < 6;) {
            if (c[i] < i) {
                int j = i % 2 == 0 ? 0 : c[i];
                int t = idx[j];
                idx[j] = idx[i];
                idx[i] = t;
                check_ordering(arena, len, &m, base, idx, expect);
                perms++;
                c[i]++;
                i = 1;
            } else {
                c[i] = 0;
                i++;
            }
        }
        assert_true(perms >= 720);
    }
    free(arena);
}

int main(void)
{
    wt_test_route_asserts();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_small_books),
        cmocka_unit_test(test_medium_books),
        cmocka_unit_test(test_all_orderings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
