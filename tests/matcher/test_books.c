/*
 * test_books.c — hand-worked books: each with its orders, its rules and the
 * trades worked out on paper (the working is in the comment above each).
 * Prices are micro-U-Coin per kWh (M = 1 U/kWh), energies mWh,
 * amount = energy * price / 1,000,000 truncated.
 */
#include "matcher.h"
#include "testutil.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define M INT64_C(1000000)

typedef struct {
    const char *id;
    char side; /* 'b' or 's' */
    int64_t energy_mwh, price;
    uint64_t seq; /* 0: the row number (1-based) */
    uint32_t owner, zone;
} ob;

typedef struct {
    const char *buy, *sell;
    int64_t energy_mwh, price, amount, fee;
    uint32_t zone;
} tx;

typedef struct {
    const char *name;
    wt_mechanism mechanism;
    uint32_t k_ppm;
    wt_zone zones[4];
    size_t zones_count;
    ob orders[8];
    tx trades[6];
    int64_t price, volume, retail, feed_in;
} book_case;

/* Every field spelled out (clang's -Wmissing-field-initializers). */
#define O(id, side, energy, price, seq, owner, zone)                                               \
    {                                                                                              \
        id, side, energy, price, seq, owner, zone                                                  \
    }
#define T(buy, sell, energy, price, amount, fee, zone)                                             \
    {                                                                                              \
        buy, sell, energy, price, amount, fee, zone                                                \
    }
#define PAC    WT_MECHANISM_PAY_AS_CLEAR
#define PAB    WT_MECHANISM_PAY_AS_BID
#define K_HALF WT_K_PPM_DEFAULT
#define ROOT   WT_ZONE_NONE

static const book_case books[] = {
    {.name = "empty book", .mechanism = PAC, .k_ppm = K_HALF},
    {.name = "one buy order: all of it goes to retail",
     .mechanism = PAC,
     .k_ppm = K_HALF,
     .orders = {O("b1", 'b', 1000, 100 * M, 0, 0, 0)},
     .retail = 1000},
    {.name = "one sell order: all of it goes to feed-in",
     .mechanism = PAC,
     .k_ppm = K_HALF,
     .orders = {O("s1", 's', 1000, 100 * M, 0, 0, 0)},
     .feed_in = 1000},
    /* 90 < 100: the curves never cross. */
    {.name = "no crossing",
     .mechanism = PAC,
     .k_ppm = K_HALF,
     .orders = {O("1", 'b', 1000, 90 * M, 0, 0, 0), O("2", 's', 1000, 100 * M, 0, 0, 0)},
     .retail = 1000,
     .feed_in = 1000},
    /* bid = ask = 100: p = 100 whatever k; 1000 mWh * 100 U/kWh = 0.1 U. */
    {.name = "exact crossing at one price",
     .mechanism = PAC,
     .k_ppm = K_HALF,
     .orders = {O("1", 'b', 1000, 100 * M, 0, 0, 0), O("2", 's', 1000, 100 * M, 0, 0, 0)},
     .trades = {T("1", "2", 1000, 100 * M, 100000, 0, 0)},
     .price = 100 * M,
     .volume = 1000},
    /* p = 80 + 0.5 * (120 - 80) = 100; 2000 * 100 = 200000 micro. */
    {.name = "k = 0.5 takes the midpoint",
     .mechanism = PAC,
     .k_ppm = K_HALF,
     .orders = {O("1", 'b', 2000, 120 * M, 0, 0, 0), O("2", 's', 2000, 80 * M, 0, 0, 0)},
     .trades = {T("1", "2", 2000, 100 * M, 200000, 0, 0)},
     .price = 100 * M,
     .volume = 2000},
    {.name = "k = 0 takes the ask",
     .mechanism = PAC,
     .k_ppm = 0,
     .orders = {O("1", 'b', 2000, 120 * M, 0, 0, 0), O("2", 's', 2000, 80 * M, 0, 0, 0)},
     .trades = {T("1", "2", 2000, 80 * M, 160000, 0, 0)},
     .price = 80 * M,
     .volume = 2000},
    {.name = "k = 1 takes the bid",
     .mechanism = PAC,
     .k_ppm = WT_K_PPM_ONE,
     .orders = {O("1", 'b', 2000, 120 * M, 0, 0, 0), O("2", 's', 2000, 80 * M, 0, 0, 0)},
     .trades = {T("1", "2", 2000, 120 * M, 240000, 0, 0)},
     .price = 120 * M,
     .volume = 2000},
    /* Bid 1 takes 2 (80) and 3 (90), stops at 4 (130 > 120) with 1000 left.
     * ask_m = 90, bid_m = 120: p = 105. */
    {.name = "partial fill of a bid",
     .mechanism = PAC,
     .k_ppm = K_HALF,
     .orders = {O("1", 'b', 3000, 120 * M, 0, 0, 0), O("2", 's', 1000, 80 * M, 0, 0, 0),
                O("3", 's', 1000, 90 * M, 0, 0, 0), O("4", 's', 5000, 130 * M, 0, 0, 0)},
     .trades = {T("1", "2", 1000, 105 * M, 105000, 0, 0), T("1", "3", 1000, 105 * M, 105000, 0, 0)},
     .price = 105 * M,
     .volume = 2000,
     .retail = 1000,
     .feed_in = 5000},
    /* A (150) takes 1500 of X (90); B (140) takes X's last 500, then 500 of Y
     * (120); C (100) is below Y. ask_m = 120, bid_m = 140: p = 130. */
    {.name = "orders split across several counterparties",
     .mechanism = PAC,
     .k_ppm = K_HALF,
     .orders = {O("A", 'b', 1500, 150 * M, 0, 0, 0), O("B", 'b', 1000, 140 * M, 0, 0, 0),
                O("C", 'b', 2000, 100 * M, 0, 0, 0), O("X", 's', 2000, 90 * M, 0, 0, 0),
                O("Y", 's', 1000, 120 * M, 0, 0, 0), O("Z", 's', 500, 145 * M, 0, 0, 0)},
     .trades = {T("A", "X", 1500, 130 * M, 195000, 0, 0), T("B", "X", 500, 130 * M, 65000, 0, 0),
                T("B", "Y", 500, 130 * M, 65000, 0, 0)},
     .price = 130 * M,
     .volume = 2500,
     .retail = 2000,
     .feed_in = 1000},
    /* Equal bids: B (seq 5) before A (seq 10), whatever the array order. */
    {.name = "tie at the margin: the earlier seq first",
     .mechanism = PAC,
     .k_ppm = K_HALF,
     .orders = {O("A", 'b', 1000, 100 * M, 10, 0, 0), O("B", 'b', 1000, 100 * M, 5, 0, 0),
                O("X", 's', 1500, 100 * M, 1, 0, 0)},
     .trades = {T("B", "X", 1000, 100 * M, 100000, 0, 0), T("A", "X", 500, 100 * M, 50000, 0, 0)},
     .price = 100 * M,
     .volume = 1500,
     .retail = 500},
    {.name = "tie on price and seq: the smaller id first",
     .mechanism = PAC,
     .k_ppm = K_HALF,
     .orders = {O("7", 'b', 1000, 100 * M, 3, 0, 0), O("3", 'b', 1000, 100 * M, 3, 0, 0),
                O("9", 's', 1000, 100 * M, 1, 0, 0)},
     .trades = {T("3", "9", 1000, 100 * M, 100000, 0, 0)},
     .price = 100 * M,
     .volume = 1000,
     .retail = 1000},
    {.name = "tie on price and seq: numeric ids before text ids",
     .mechanism = PAC,
     .k_ppm = K_HALF,
     .orders = {O("b", 'b', 1000, 100 * M, 3, 0, 0), O("10", 'b', 1000, 100 * M, 3, 0, 0),
                O("s", 's', 1000, 100 * M, 1, 0, 0)},
     .trades = {T("10", "s", 1000, 100 * M, 100000, 0, 0)},
     .price = 100 * M,
     .volume = 1000,
     .retail = 1000},
    /* Equal asks: Y (seq 2) before X (seq 8). p = 50 + 0.5 * 10 = 55. */
    {.name = "tie among asks: the earlier seq first",
     .mechanism = PAC,
     .k_ppm = K_HALF,
     .orders = {O("X", 's', 1000, 50 * M, 8, 0, 0), O("Y", 's', 1000, 50 * M, 2, 0, 0),
                O("A", 'b', 1500, 60 * M, 1, 0, 0)},
     .trades = {T("A", "Y", 1000, 55 * M, 55000, 0, 0), T("A", "X", 500, 55 * M, 27500, 0, 0)},
     .price = 55 * M,
     .volume = 1500,
     .feed_in = 500},
    {.name = "all orders at one price",
     .mechanism = PAC,
     .k_ppm = K_HALF,
     .orders = {O("1", 'b', 1000, 100 * M, 0, 0, 0), O("2", 'b', 1000, 100 * M, 0, 0, 0),
                O("3", 'b', 1000, 100 * M, 0, 0, 0), O("4", 's', 1000, 100 * M, 0, 0, 0),
                O("5", 's', 500, 100 * M, 0, 0, 0)},
     .trades = {T("1", "4", 1000, 100 * M, 100000, 0, 0), T("2", "5", 500, 100 * M, 50000, 0, 0)},
     .price = 100 * M,
     .volume = 1500,
     .retail = 1500},
    /* A (owner 1) passes over X (owner 1) and takes Y; B (owner 3) then takes
     * X. ask_m = 90, bid_m = 110: p = 100. */
    {.name = "self-trade prevention",
     .mechanism = PAC,
     .k_ppm = K_HALF,
     .orders = {O("A", 'b', 1000, 120 * M, 1, 1, 0), O("X", 's', 1000, 80 * M, 2, 1, 0),
                O("Y", 's', 1000, 90 * M, 3, 2, 0), O("B", 'b', 1000, 110 * M, 4, 3, 0)},
     .trades = {T("A", "Y", 1000, 100 * M, 100000, 0, 0), T("B", "X", 1000, 100 * M, 100000, 0, 0)},
     .price = 100 * M,
     .volume = 2000},
    /* A passes over C (same owner) and meets D at 80; B (50) is below the 80
     * already matched, so one price cannot fit B: the walk stops.
     * p = 80 + 0.5 * (100 - 80) = 90. */
    {.name = "self-trade prevention: pay-as-clear stops below the dearest matched ask",
     .mechanism = PAC,
     .k_ppm = K_HALF,
     .orders = {O("A", 'b', 1000, 100 * M, 1, 1, 0), O("C", 's', 1000, 40 * M, 2, 1, 0),
                O("D", 's', 1000, 80 * M, 3, 2, 0), O("B", 'b', 1000, 50 * M, 4, 3, 0)},
     .trades = {T("A", "D", 1000, 90 * M, 90000, 0, 0)},
     .price = 90 * M,
     .volume = 1000,
     .retail = 1000,
     .feed_in = 1000},
    /* The same book under pay-as-bid: B takes C at its own 50.
     * Average (100 + 50) / 2 = 75. */
    {.name = "self-trade prevention under pay-as-bid",
     .mechanism = PAB,
     .orders = {O("A", 'b', 1000, 100 * M, 1, 1, 0), O("C", 's', 1000, 40 * M, 2, 1, 0),
                O("D", 's', 1000, 80 * M, 3, 2, 0), O("B", 'b', 1000, 50 * M, 4, 3, 0)},
     .trades = {T("A", "D", 1000, 100 * M, 100000, 0, 0), T("B", "C", 1000, 50 * M, 50000, 0, 0)},
     .price = 75 * M,
     .volume = 2000},
    /* (1000 * 150 + 500 * 120 + 500 * 120) / 2000 = 135. */
    {.name = "pay-as-bid: every trade at the buyer's bid",
     .mechanism = PAB,
     .orders = {O("A", 'b', 1000, 150 * M, 0, 0, 0), O("B", 'b', 1000, 120 * M, 0, 0, 0),
                O("X", 's', 1500, 100 * M, 0, 0, 0), O("Y", 's', 1000, 110 * M, 0, 0, 0)},
     .trades = {T("A", "X", 1000, 150 * M, 150000, 0, 0), T("B", "X", 500, 120 * M, 60000, 0, 0),
                T("B", "Y", 500, 120 * M, 60000, 0, 0)},
     .price = 135 * M,
     .volume = 2000,
     .feed_in = 500},
    /* (100000001 + 2 * 100000000) / 3 = 100000000.33 -> 100000000; the first
     * trade's amount 100.000001 -> 100. */
    {.name = "pay-as-bid: the average price is truncated",
     .mechanism = PAB,
     .orders = {O("A", 'b', 1, 100000001, 0, 0, 0), O("B", 'b', 2, 100000000, 0, 0, 0),
                O("X", 's', 3, 0, 0, 0, 0)},
     .trades = {T("A", "X", 1, 100000001, 100, 0, 0), T("B", "X", 2, 100000000, 200, 0, 0)},
     .price = 100000000,
     .volume = 3},
    /* 3 * 1500001 / 1e6 = 4.500003 -> 4. */
    {.name = "amount truncated toward zero",
     .mechanism = PAC,
     .k_ppm = K_HALF,
     .orders = {O("1", 'b', 3, 1500001, 0, 0, 0), O("2", 's', 3, 1500001, 0, 0, 0)},
     .trades = {T("1", "2", 3, 1500001, 4, 0, 0)},
     .price = 1500001,
     .volume = 3},
    /* 100 + 0.5 * 1 = 100.5 -> 100. */
    {.name = "uniform price rounded down to a whole micro",
     .mechanism = PAC,
     .k_ppm = K_HALF,
     .orders = {O("1", 'b', 1000000, 101, 0, 0, 0), O("2", 's', 1000000, 100, 0, 0, 0)},
     .trades = {T("1", "2", 1000000, 100, 100, 0, 0)},
     .price = 100,
     .volume = 1000000},
    /* k = 0.333333: p = 1000000 * 333333 / 1e6 = 333333; 1000 * 333333 / 1e6
     * = 333.333 -> 333. */
    {.name = "k = 1/3 in millionths",
     .mechanism = PAC,
     .k_ppm = 333333,
     .orders = {O("1", 'b', 1000, 1000000, 0, 0, 0), O("2", 's', 1000, 0, 0, 0, 0)},
     .trades = {T("1", "2", 1000, 333333, 333, 0, 0)},
     .price = 333333,
     .volume = 1000},
    {.name = "free energy: price 0",
     .mechanism = PAC,
     .k_ppm = K_HALF,
     .orders = {O("1", 'b', 500, 0, 0, 0, 0), O("2", 's', 500, 0, 0, 0, 0)},
     .trades = {T("1", "2", 500, 0, 0, 0, 0)},
     .price = 0,
     .volume = 500},
    /* Zones: 0 substation (fee 20), 1 building A and 2 building B (fee 5).
     * Building A: a1 enters at 150 - 5 = 145 vs a2 at 100: 1000 at
     *   100 + 0.5 * 45 = 122.5; fee 1000 * 5 = 5000 micro.
     * Building B: b2 at 130 - 5 = 125 vs b1 at 90: 1000 at 107.5.
     * Substation: a1's last 1000 at 150 - 20 = 130 vs b1's 2000 at 90: 1000 at
     *   110, fee 20000. b1 keeps 1000 for feed-in.
     * Average (122.5 + 107.5 + 110) / 3 = 113.333333 -> 113333333. */
    {.name = "two-level zone tree with fees",
     .mechanism = PAC,
     .k_ppm = K_HALF,
     .zones = {{ROOT, 20 * M}, {0, 5 * M}, {0, 5 * M}},
     .zones_count = 3,
     .orders = {O("a1", 'b', 2000, 150 * M, 1, 0, 1), O("a2", 's', 1000, 100 * M, 2, 0, 1),
                O("b1", 's', 3000, 90 * M, 3, 0, 2), O("b2", 'b', 1000, 130 * M, 4, 0, 2)},
     .trades = {T("a1", "a2", 1000, 122500000, 122500, 5000, 1),
                T("b2", "b1", 1000, 107500000, 107500, 5000, 2),
                T("a1", "b1", 1000, 110 * M, 110000, 20000, 0)},
     .price = 113333333,
     .volume = 3000,
     .feed_in = 1000},
    /* 120 - 50 = 70 < 80. */
    {.name = "a grid fee above the spread blocks the cross-zone trade",
     .mechanism = PAC,
     .k_ppm = K_HALF,
     .zones = {{ROOT, 50 * M}, {0, 0}, {0, 0}},
     .zones_count = 3,
     .orders = {O("1", 'b', 1000, 120 * M, 1, 0, 1), O("2", 's', 1000, 80 * M, 2, 0, 2)},
     .retail = 1000,
     .feed_in = 1000},
    /* 120 - 30 = 90 >= 80: p = 85, fee 30000. */
    {.name = "a smaller grid fee lets it through",
     .mechanism = PAC,
     .k_ppm = K_HALF,
     .zones = {{ROOT, 30 * M}, {0, 0}, {0, 0}},
     .zones_count = 3,
     .orders = {O("1", 'b', 1000, 120 * M, 1, 0, 1), O("2", 's', 1000, 80 * M, 2, 0, 2)},
     .trades = {T("1", "2", 1000, 85 * M, 85000, 30000, 0)},
     .price = 85 * M,
     .volume = 1000},
    /* C first clears locally with the dearer T (95): 1000 at 97.5. Its last
     * 500 go up and meet S, placed in the root itself: 100 - 10 = 90 vs 50,
     * 500 at 70, fee 5000. Average (1000 * 97.5 + 500 * 70) / 1500 =
     * 88.333333 -> 88333333. */
    {.name = "local first, then an order placed in the parent zone",
     .mechanism = PAC,
     .k_ppm = K_HALF,
     .zones = {{ROOT, 10 * M}, {0, 0}},
     .zones_count = 2,
     .orders = {O("S", 's', 1000, 50 * M, 1, 0, 0), O("C", 'b', 1500, 100 * M, 2, 0, 1),
                O("T", 's', 1000, 95 * M, 3, 0, 1)},
     .trades = {T("C", "T", 1000, 97500000, 97500, 0, 1), T("C", "S", 500, 70 * M, 35000, 5000, 0)},
     .price = 88333333,
     .volume = 1500,
     .feed_in = 500},
    /* The seller receives the bid minus the root's fee (100 - 10 = 90); the
     * buyer pays 90000 + 10000 = its bid. */
    {.name = "pay-as-bid across zones: the seller gets the bid minus the fee",
     .mechanism = PAB,
     .zones = {{ROOT, 10 * M}, {0, 0}, {0, 0}},
     .zones_count = 3,
     .orders = {O("1", 'b', 1000, 100 * M, 1, 0, 1), O("2", 's', 1000, 50 * M, 2, 0, 2)},
     .trades = {T("1", "2", 1000, 90 * M, 90000, 10000, 0)},
     .price = 90 * M,
     .volume = 1000},
};

static void run_case(const book_case *bc, bool reversed)
{
    wt_order orders[8];
    size_t n = 0;
    while (n < 8 && bc->orders[n].id != NULL)
        n++;
    for (size_t i = 0; i < n; i++) {
        const ob *s = &bc->orders[reversed ? n - 1 - i : i];
        size_t row = reversed ? n - i : i + 1;
        wt_order *o = &orders[i];
        memset(o, 0, sizeof *o);
        assert_int_equal(wt_order_id_from_text(&o->id, s->id, strlen(s->id)), WT_OK);
        o->side = s->side == 'b' ? WT_SIDE_BUY : WT_SIDE_SELL;
        o->energy_mwh = s->energy_mwh;
        o->price_micro_per_kwh = s->price;
        o->seq = s->seq != 0 ? s->seq : row;
        o->owner = s->owner;
        o->zone = s->zone;
    }
    wt_market m;
    wt_market_default(&m);
    m.mechanism = bc->mechanism;
    m.k_ppm = bc->k_ppm;
    if (bc->zones_count > 0) {
        m.zones = bc->zones;
        m.zones_count = bc->zones_count;
    }
    static uint8_t arena[1 << 16];
    assert_true(wt_book_arena_size(n, m.zones_count) <= sizeof arena);
    wt_clearing c;
    wt_err err = wt_book_clear(arena, sizeof arena, &c, &m, orders, n);
    if (err != WT_OK)
        fail_msg("%s: %s", bc->name, wt_errname(err));
    size_t expected = 0;
    while (expected < 6 && bc->trades[expected].buy != NULL)
        expected++;
    if (c.trades_count != expected)
        fail_msg("%s%s: %zu trades, expected %zu", bc->name, reversed ? " (reversed)" : "",
                 c.trades_count, expected);
    for (size_t t = 0; t < expected; t++) {
        const tx *want = &bc->trades[t];
        const wt_trade *got = &c.trades[t];
        char buy[WT_ORDER_ID_TEXT_MAX + 1], sell[WT_ORDER_ID_TEXT_MAX + 1];
        wt_order_id_format(buy, &orders[got->buy].id);
        wt_order_id_format(sell, &orders[got->sell].id);
        if (strcmp(buy, want->buy) != 0 || strcmp(sell, want->sell) != 0 ||
            got->energy_mwh != want->energy_mwh || got->price_micro_per_kwh != want->price ||
            got->amount_micro != want->amount || got->fee_micro != want->fee ||
            got->zone != want->zone)
            fail_msg("%s: trade %zu is %s,%s,%" PRId64 ",%" PRId64 ",%" PRId64 ",fee %" PRId64
                     ",zone %u; expected %s,%s,%" PRId64 ",%" PRId64 ",%" PRId64 ",fee %" PRId64
                     ",zone %u",
                     bc->name, t, buy, sell, got->energy_mwh, got->price_micro_per_kwh,
                     got->amount_micro, got->fee_micro, got->zone, want->buy, want->sell,
                     want->energy_mwh, want->price, want->amount, want->fee, want->zone);
    }
    if (c.price_micro_per_kwh != bc->price || c.volume_mwh != bc->volume ||
        c.retail_mwh != bc->retail || c.feed_in_mwh != bc->feed_in)
        fail_msg("%s: price %" PRId64 " volume %" PRId64 " retail %" PRId64 " feed-in %" PRId64
                 "; expected %" PRId64 " %" PRId64 " %" PRId64 " %" PRId64,
                 bc->name, c.price_micro_per_kwh, c.volume_mwh, c.retail_mwh, c.feed_in_mwh,
                 bc->price, bc->volume, bc->retail, bc->feed_in);
}

static void test_books(void **state)
{
    (void)state;
    size_t count = sizeof books / sizeof books[0];
    assert_true(count >= 20);
    for (size_t i = 0; i < count; i++) {
        run_case(&books[i], false);
        run_case(&books[i], true); /* array order must not matter */
    }
}

/* The per-zone results of the zone-tree book. */
static void test_zone_results(void **state)
{
    (void)state;
    const book_case *bc = NULL;
    for (size_t i = 0; i < sizeof books / sizeof books[0]; i++)
        if (strcmp(books[i].name, "two-level zone tree with fees") == 0)
            bc = &books[i];
    assert_non_null(bc);
    wt_order orders[4];
    memset(orders, 0, sizeof orders);
    for (size_t i = 0; i < 4; i++) {
        const ob *s = &bc->orders[i];
        assert_int_equal(wt_order_id_from_text(&orders[i].id, s->id, strlen(s->id)), WT_OK);
        orders[i].side = s->side == 'b' ? WT_SIDE_BUY : WT_SIDE_SELL;
        orders[i].energy_mwh = s->energy_mwh;
        orders[i].price_micro_per_kwh = s->price;
        orders[i].seq = s->seq;
        orders[i].zone = s->zone;
    }
    wt_market m;
    wt_market_default(&m);
    m.zones = bc->zones;
    m.zones_count = bc->zones_count;
    static uint8_t arena[1 << 16];
    wt_clearing c;
    assert_int_equal(wt_book_clear(arena, sizeof arena, &c, &m, orders, 4), WT_OK);
    assert_int_equal(c.zones_count, 3);
    assert_true(c.zones[0].price_micro_per_kwh == 110 * M && c.zones[0].volume_mwh == 1000);
    assert_true(c.zones[1].price_micro_per_kwh == 122500000 && c.zones[1].volume_mwh == 1000);
    assert_true(c.zones[2].price_micro_per_kwh == 107500000 && c.zones[2].volume_mwh == 1000);
    assert_int_equal(c.zones[0].trades_count, 1);
    assert_true(c.zones[0].amount_micro == 110000 && c.zones[0].fee_micro == 20000);
    assert_true(c.zones[1].amount_micro == 122500 && c.zones[1].fee_micro == 5000);
    /* Per order: a1 filled, a2 filled, b1 1000 left, b2 filled. */
    assert_true(c.unfilled_mwh[0] == 0 && c.unfilled_mwh[1] == 0 && c.unfilled_mwh[2] == 1000 &&
                c.unfilled_mwh[3] == 0);
    assert_true(c.fee_micro == 30000 && c.amount_micro == 122500 + 107500 + 110000);
}

int main(void)
{
    wt_test_route_asserts();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_books),
        cmocka_unit_test(test_zone_results),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
