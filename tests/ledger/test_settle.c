/* test_settle.c — the settlement of an interval (engine/settle.c): four
 * hand-computed intervals (zone fees over two zones under a root; residual
 * import and export with an explicit order that expires; nobody crossing;
 * a household that cannot pay), the recomputation that catches a changed
 * SETTLE, the auditor naming a SETTLE that differs, the tariffs, the CSV, and
 * a seeded property test over random states. */
#include "engine.h"
#include "ledger_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define U   INT64_C(1000000) /* micro per U-Coin */
#define KWH INT64_C(1000000) /* mWh per kWh */

static int setup(void **state)
{
    fx_chain *fx = calloc(1, sizeof *fx);
    fx_init(fx);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fx_chain *fx = *state;
    fx_free(fx);
    free(fx);
    return 0;
}

/* ------------------------------------------------------------- helpers */

static uint64_t current_interval(const fx_chain *fx)
{
    return (uint64_t)(fx->now_ms / FX_INTERVAL_MS);
}

static void reg_gateway(fx_chain *fx)
{
    wt_tx tx;
    fx_tx(fx, &tx, WT_TX_REGISTER, &fx->operator_key);
    tx.body.reg.kind = WT_TX_REGISTER_GATEWAY;
    memcpy(tx.body.reg.u.gateway.key, fx->gateway_key.pubkey, 32);
    assert_int_equal(fx_apply(fx, &tx, &fx->operator_key), WT_OK);
}

static void reg_meter(fx_chain *fx, const char *id, const uint8_t owner[32], uint16_t zone)
{
    wt_tx tx;
    fx_tx(fx, &tx, WT_TX_REGISTER, &fx->operator_key);
    tx.body.reg.kind = WT_TX_REGISTER_METER;
    assert_int_equal(wt_meter_id_set(&tx.body.reg.u.meter.meter_id, id), WT_OK);
    memcpy(tx.body.reg.u.meter.owner, owner, 32);
    tx.body.reg.u.meter.zone = zone;
    memcpy(tx.body.reg.u.meter.gateway, fx->gateway_key.pubkey, 32);
    assert_int_equal(fx_apply(fx, &tx, &fx->operator_key), WT_OK);
}

/* sell_min / buy_max < 0: that limit is absent */
static void standing(fx_chain *fx, const wt_seckey *key, uint16_t zone, int64_t sell_min,
                     int64_t buy_max)
{
    wt_tx tx;
    fx_tx(fx, &tx, WT_TX_STANDING, key);
    tx.body.standing.zone = zone;
    if (sell_min >= 0) {
        tx.body.standing.flags |= WT_STANDING_HAS_SELL_MIN;
        tx.body.standing.sell_min_micro_per_kwh = sell_min;
    }
    if (buy_max >= 0) {
        tx.body.standing.flags |= WT_STANDING_HAS_BUY_MAX;
        tx.body.standing.buy_max_micro_per_kwh = buy_max;
    }
    assert_int_equal(fx_apply(fx, &tx, key), WT_OK);
}

static wt_err order(fx_chain *fx, const wt_seckey *key, uint16_t zone, uint8_t side,
                    int64_t energy_mwh, int64_t price)
{
    wt_tx tx;
    fx_tx(fx, &tx, WT_TX_ORDER, key);
    tx.body.order.zone = zone;
    tx.body.order.side = side;
    tx.body.order.interval = current_interval(fx);
    tx.body.order.energy_mwh = energy_mwh;
    tx.body.order.price_micro_per_kwh = price;
    return fx_apply(fx, &tx, key);
}

static int cmp_reading(const void *a, const void *b)
{
    const wt_reading *x = a, *y = b;
    size_t n = x->meter_id.len < y->meter_id.len ? x->meter_id.len : y->meter_id.len;
    int c = memcmp(x->meter_id.bytes, y->meter_id.bytes, n);
    return c != 0 ? c : (int)x->meter_id.len - (int)y->meter_id.len;
}

/* Readings of `count` meters for interval n (sorted here). */
static void readings(fx_chain *fx, uint64_t n, wt_reading *e, uint16_t count)
{
    qsort(e, count, sizeof *e, cmp_reading);
    wt_tx tx;
    fx_tx(fx, &tx, WT_TX_READINGS, &fx->gateway_key);
    tx.body.readings.interval = n;
    tx.body.readings.count = count;
    tx.body.readings.entries = e;
    assert_int_equal(fx_apply(fx, &tx, &fx->gateway_key), WT_OK);
}

static void reading(wt_reading *e, const char *id, int64_t import_mwh, int64_t export_mwh)
{
    memset(e, 0, sizeof *e);
    assert_int_equal(wt_meter_id_set(&e->meter_id, id), WT_OK);
    e->import_mwh = import_mwh;
    e->export_mwh = export_mwh;
}

static int64_t funds(fx_chain *fx, const uint8_t key[32])
{
    wt_account a;
    wt_state_account(&a, fx->state, key);
    return a.balance_micro + a.holds_micro;
}

static const wt_settle_row *row_of(const wt_settlement *s, const uint8_t key[32], uint16_t zone)
{
    for (size_t i = 0; i < s->rows_count; i++)
        if (memcmp(s->rows[i].account, key, 32) == 0 && s->rows[i].zone == zone)
            return &s->rows[i];
    return NULL;
}

/* The one leg of this kind between these accounts (asserted unique). */
static const wt_settle_leg *leg_of(const wt_settlement *s, uint8_t kind, const uint8_t from[32],
                                   const uint8_t to[32])
{
    const wt_settle_leg *found = NULL;
    for (uint32_t i = 0; i < s->legs_count; i++) {
        const wt_settle_leg *l = &s->legs[i];
        if (l->kind == kind && memcmp(l->from, from, 32) == 0 && memcmp(l->to, to, 32) == 0) {
            assert_null(found);
            found = l;
        }
    }
    assert_non_null(found);
    return found;
}

static void expect_leg(const wt_settle_leg *l, uint16_t zone, int64_t energy_mwh,
                       int64_t amount_micro)
{
    assert_int_equal(l->zone, zone);
    assert_int_equal(l->energy_mwh, energy_mwh);
    assert_int_equal(l->amount_micro, amount_micro);
}

/* What every settlement must satisfy, whatever the state (the property
 * test's checks, also run on the hand-computed intervals). */
static void check_properties(fx_chain *fx, const wt_settlement *s, uint64_t seed)
{
    int64_t bought = 0, sold = 0, paid = 0, received = 0, fees = 0, retail = 0, feed_in = 0;
    for (size_t i = 0; i < s->rows_count; i++) {
        const wt_settle_row *r = &s->rows[i];
        if (r->import_mwh != r->bought_p2p_mwh + r->retail_mwh ||
            r->export_mwh != r->sold_p2p_mwh + r->feed_in_mwh ||
            r->net_micro != r->received_p2p_micro + r->feed_in_micro - r->paid_p2p_micro -
                                r->grid_fee_micro - r->retail_micro)
            fail_msg("seed %llu: row %zu breaks an identity", (unsigned long long)seed, i);
        if (r->retail_unpaid_micro < 0 || r->feed_in_unpaid_micro < 0 || r->bid_cut_mwh < 0 ||
            r->bid_cut_mwh > r->retail_mwh)
            fail_msg("seed %llu: row %zu policy columns", (unsigned long long)seed, i);
        if (i > 0) {
            int c = memcmp(s->rows[i - 1].account, r->account, 32);
            if (c > 0 || (c == 0 && s->rows[i - 1].zone >= r->zone))
                fail_msg("seed %llu: rows not sorted at %zu", (unsigned long long)seed, i);
        }
        bought += r->bought_p2p_mwh;
        sold += r->sold_p2p_mwh;
        paid += r->paid_p2p_micro;
        received += r->received_p2p_micro;
        fees += r->grid_fee_micro;
        retail += r->retail_micro;
        feed_in += r->feed_in_micro;
    }
    if (bought != sold || paid != received)
        fail_msg("seed %llu: bought %lld sold %lld paid %lld received %lld",
                 (unsigned long long)seed, (long long)bought, (long long)sold, (long long)paid,
                 (long long)received);
    /* the legs carry exactly the rows' money, kind by kind */
    int64_t leg_sum[5] = {0};
    const uint8_t *utility = wt_state_params(fx->state)->utility_key;
    for (uint32_t i = 0; i < s->legs_count; i++) {
        const wt_settle_leg *l = &s->legs[i];
        if (l->kind < WT_LEG_P2P || l->kind > WT_LEG_FEED_IN || l->amount_micro < 0 ||
            l->energy_mwh < 0)
            fail_msg("seed %llu: leg %u malformed", (unsigned long long)seed, i);
        if ((l->kind == WT_LEG_GRID_FEE || l->kind == WT_LEG_RETAIL) &&
            memcmp(l->to, utility, 32) != 0)
            fail_msg("seed %llu: leg %u not paid to the utility", (unsigned long long)seed, i);
        if (l->kind == WT_LEG_FEED_IN && memcmp(l->from, utility, 32) != 0)
            fail_msg("seed %llu: leg %u not paid by the utility", (unsigned long long)seed, i);
        leg_sum[l->kind] += l->amount_micro;
    }
    if (leg_sum[WT_LEG_P2P] != paid || leg_sum[WT_LEG_GRID_FEE] != fees ||
        leg_sum[WT_LEG_RETAIL] != retail || leg_sum[WT_LEG_FEED_IN] != feed_in)
        fail_msg("seed %llu: legs and rows disagree", (unsigned long long)seed);
    assert_int_equal(s->amount_micro, paid);
    assert_int_equal(s->fee_micro, fees);
    assert_int_equal(s->volume_mwh, bought);

    /* deterministic: computing again gives the same bytes */
    wt_settlement *again;
    assert_int_equal(wt_settle_compute(&again, fx->state, s->interval), WT_OK);
    assert_memory_equal(again->inputs_hash, s->inputs_hash, 32);
    assert_int_equal(again->legs_count, s->legs_count);
    if (s->legs_count > 0)
        assert_memory_equal(again->legs, s->legs, s->legs_count * sizeof *s->legs);
    const wt_chain_params *p = wt_state_params(fx->state);
    size_t len1 = wt_settle_rows_csv(NULL, 0, p, s->rows, s->rows_count, true, true);
    size_t len2 = wt_settle_rows_csv(NULL, 0, p, again->rows, again->rows_count, true, true);
    assert_int_equal(len1, len2);
    char *a = malloc(len1 + 1), *b = malloc(len2 + 1);
    wt_settle_rows_csv(a, len1 + 1, p, s->rows, s->rows_count, true, true);
    wt_settle_rows_csv(b, len2 + 1, p, again->rows, again->rows_count, true, true);
    assert_string_equal(a, b);
    free(a);
    free(b);
    wt_settlement_free(again);
}

/* Compute the settlement of interval n (the clock is past it), check it,
 * verify it, apply it as a signed SETTLE and check that every row account's
 * money moved by its rows' net. The caller frees the result. */
static wt_settlement *settle(fx_chain *fx, uint64_t n, uint64_t seed)
{
    wt_settlement *s;
    assert_int_equal(wt_settle_compute(&s, fx->state, n), WT_OK);
    assert_int_equal(s->interval, n);
    check_properties(fx, s, seed);

    wt_tx tx;
    assert_int_equal(wt_settle_build_tx(&tx, fx->state, s, fx->now_ms + 60000), WT_OK);
    assert_int_equal(tx.nonce, *fx_nonce(fx, &fx->operator_key) + 1);
    const char *field = "x";
    size_t leg = 0;
    assert_int_equal(wt_settle_verify(&field, &leg, NULL, fx->state, &tx), WT_OK);
    assert_null(field);
    assert_int_equal(leg, SIZE_MAX);

    /* the money before, per account named in the rows, and the utility's */
    const uint8_t *utility = wt_state_params(fx->state)->utility_key;
    int64_t *before = calloc(s->rows_count + 1, sizeof *before);
    for (size_t i = 0; i < s->rows_count; i++)
        before[i] = funds(fx, s->rows[i].account);
    int64_t utility_before = funds(fx, utility);
    const char *apply_field;
    wt_err err = fx_apply_field(fx, &tx, &fx->operator_key, &apply_field, NULL);
    if (err != WT_OK)
        fail_msg("seed %llu: SETTLE of %llu refused: %s (%s)", (unsigned long long)seed,
                 (unsigned long long)n, wt_errname(err), apply_field ? apply_field : "?");
    fx_check_conservation(fx);

    int64_t utility_delta = 0;
    for (uint32_t i = 0; i < s->legs_count; i++) {
        if (memcmp(s->legs[i].to, utility, 32) == 0)
            utility_delta += s->legs[i].amount_micro;
        if (memcmp(s->legs[i].from, utility, 32) == 0)
            utility_delta -= s->legs[i].amount_micro;
    }
    assert_int_equal(funds(fx, utility) - utility_before, utility_delta);
    for (size_t i = 0; i < s->rows_count; i++) {
        if (memcmp(s->rows[i].account, utility, 32) == 0)
            continue;
        int64_t net = 0;
        bool first = true;
        for (size_t k = 0; k < s->rows_count; k++)
            if (memcmp(s->rows[k].account, s->rows[i].account, 32) == 0) {
                net += s->rows[k].net_micro;
                if (k < i)
                    first = false;
            }
        if (first && funds(fx, s->rows[i].account) - before[i] != net)
            fail_msg("seed %llu: row %zu: money moved %lld, net %lld", (unsigned long long)seed, i,
                     (long long)(funds(fx, s->rows[i].account) - before[i]), (long long)net);
    }
    free(before);
    return s;
}

/* Three homes: M0 (home 0) and M1 (home 1) in north, M2 (home 2) in south. */
static void neighbourhood(fx_chain *fx)
{
    reg_gateway(fx);
    reg_meter(fx, "M0", fx->home[0].pubkey, 1);
    reg_meter(fx, "M1", fx->home[1].pubkey, 1);
    reg_meter(fx, "M2", fx->home[2].pubkey, 2);
    fx_mint(fx, &fx->home[0], 100 * U);
    fx_mint(fx, &fx->home[1], 500 * U);
    fx_mint(fx, &fx->home[2], 500 * U);
    fx_mint(fx, &fx->utility_key, 1000 * U);
}

/* ------------------------------------------------------ worked intervals */

/*
 * Interval A — zone fees (campus 20 U/kWh > north 5, south 5), retail 150,
 * feed-in 60 U/kWh. Home 0 (north) exports 3 kWh, sell min 80 U; home 1
 * (north) imports 1 kWh, buy max 130; home 2 (south) imports 1 kWh, buy max
 * 140.
 *  north auction: home 1 bids 130 - 5 = 125 against 80: 1 kWh at
 *    80 + (125 - 80) / 2 = 102.5 U; fee 5 U.
 *  south auction: no ask.
 *  campus: home 2 bids 140 - 20 = 120 against home 0's 2 kWh left at 80:
 *    1 kWh at 100 U; fee 20 U.
 *  residual: home 0's last kWh at 60 U feed-in.
 */
static void test_interval_zone_fees(void **state)
{
    fx_chain *fx = *state;
    neighbourhood(fx);
    standing(fx, &fx->home[0], 1, 80 * U, -1);
    standing(fx, &fx->home[1], 1, -1, 130 * U);
    standing(fx, &fx->home[2], 2, -1, 140 * U);
    uint64_t n = current_interval(fx);
    fx->now_ms += FX_INTERVAL_MS;
    wt_reading e[3];
    reading(&e[0], "M0", 0, 3 * KWH);
    reading(&e[1], "M1", 1 * KWH, 0);
    reading(&e[2], "M2", 1 * KWH, 0);
    readings(fx, n, e, 3);

    wt_settlement *s = settle(fx, n, 0);
    const uint8_t *h0 = fx->home[0].pubkey, *h1 = fx->home[1].pubkey, *h2 = fx->home[2].pubkey,
                  *ut = fx->utility_key.pubkey;
    assert_int_equal(s->legs_count, 5);
    /* in order: the north trade and its fee, the campus trade and its fee,
     * the feed-in */
    assert_int_equal(s->legs[0].kind, WT_LEG_P2P);
    assert_memory_equal(s->legs[0].from, h1, 32);
    assert_memory_equal(s->legs[0].to, h0, 32);
    expect_leg(&s->legs[0], 1, KWH, 102500000);
    assert_int_equal(s->legs[1].kind, WT_LEG_GRID_FEE);
    assert_memory_equal(s->legs[1].from, h1, 32);
    assert_memory_equal(s->legs[1].to, ut, 32);
    expect_leg(&s->legs[1], 1, KWH, 5 * U);
    assert_int_equal(s->legs[2].kind, WT_LEG_P2P);
    assert_memory_equal(s->legs[2].from, h2, 32);
    assert_memory_equal(s->legs[2].to, h0, 32);
    expect_leg(&s->legs[2], 0, KWH, 100 * U);
    assert_int_equal(s->legs[3].kind, WT_LEG_GRID_FEE);
    expect_leg(&s->legs[3], 0, KWH, 20 * U);
    assert_int_equal(s->legs[4].kind, WT_LEG_FEED_IN);
    assert_memory_equal(s->legs[4].from, ut, 32);
    assert_memory_equal(s->legs[4].to, h0, 32);
    expect_leg(&s->legs[4], 1, KWH, 60 * U);

    assert_int_equal(s->rows_count, 3);
    const wt_settle_row *r0 = row_of(s, h0, 1), *r1 = row_of(s, h1, 1), *r2 = row_of(s, h2, 2);
    assert_non_null(r0);
    assert_non_null(r1);
    assert_non_null(r2);
    assert_int_equal(r0->export_mwh, 3 * KWH);
    assert_int_equal(r0->sold_p2p_mwh, 2 * KWH);
    assert_int_equal(r0->received_p2p_micro, 202500000);
    assert_int_equal(r0->feed_in_mwh, KWH);
    assert_int_equal(r0->feed_in_micro, 60 * U);
    assert_int_equal(r0->net_micro, 262500000);
    assert_int_equal(r1->import_mwh, KWH);
    assert_int_equal(r1->bought_p2p_mwh, KWH);
    assert_int_equal(r1->paid_p2p_micro, 102500000);
    assert_int_equal(r1->grid_fee_micro, 5 * U);
    assert_int_equal(r1->retail_mwh, 0);
    assert_int_equal(r1->net_micro, -107500000);
    assert_int_equal(r2->paid_p2p_micro, 100 * U);
    assert_int_equal(r2->grid_fee_micro, 20 * U);
    assert_int_equal(r2->net_micro, -120 * U);
    /* the zones' results: one trade in north, one at the campus root */
    assert_int_equal(s->zones_count, 3);
    assert_int_equal(s->zones[1].price_micro_per_kwh, 102500000);
    assert_int_equal(s->zones[0].price_micro_per_kwh, 100 * U);
    assert_int_equal(s->zones[2].volume_mwh, 0);
    assert_int_equal(s->volume_mwh, 2 * KWH);
    assert_int_equal(s->metered_orders, 3);
    assert_int_equal(s->explicit_orders, 0);
    assert_int_equal(s->unpaid_micro, 0);
    /* the balances moved */
    assert_int_equal(fx_balance(fx, &fx->home[0]), 100 * U + 262500000);
    assert_int_equal(fx_balance(fx, &fx->home[1]), 500 * U - 107500000);
    assert_int_equal(fx_balance(fx, &fx->utility_key), 1000 * U + 25 * U - 60 * U);
    wt_settlement_free(s);
}

/*
 * Interval B — residual both ways, and explicit orders that expire. Home 0
 * has a sell minimum only and imports 2 kWh: retail 300 U. Home 1 has a buy
 * maximum only and exports 1.5 kWh: feed-in 90 U. Home 2 bids 140 for 0.5
 * kWh, nobody sells to it: retail 75 U. Home 0's explicit ask at 200 U and
 * home 1's explicit bid at 10 U do not cross: they expire unpriced (home 1's
 * hold comes back).
 */
static void test_interval_residual(void **state)
{
    fx_chain *fx = *state;
    neighbourhood(fx);
    standing(fx, &fx->home[0], 1, 80 * U, -1);
    standing(fx, &fx->home[1], 1, -1, 130 * U);
    standing(fx, &fx->home[2], 2, -1, 140 * U);
    fx_mint(fx, &fx->home[0], 400 * U);
    assert_int_equal(order(fx, &fx->home[0], 1, WT_TX_SIDE_SELL, KWH, 200 * U), WT_OK);
    assert_int_equal(order(fx, &fx->home[1], 1, WT_TX_SIDE_BUY, KWH, 10 * U), WT_OK);
    assert_true(fx_holds(fx, &fx->home[1]) > 0);
    uint64_t n = current_interval(fx);
    fx->now_ms += FX_INTERVAL_MS;
    wt_reading e[3];
    reading(&e[0], "M0", 2 * KWH, 0);
    reading(&e[1], "M1", 500000, 2 * KWH);
    reading(&e[2], "M2", 700000, 200000);
    readings(fx, n, e, 3);

    wt_settlement *s = settle(fx, n, 0);
    const uint8_t *h0 = fx->home[0].pubkey, *h1 = fx->home[1].pubkey, *h2 = fx->home[2].pubkey,
                  *ut = fx->utility_key.pubkey;
    assert_int_equal(s->explicit_orders, 2);
    assert_int_equal(s->metered_orders, 1); /* only home 2's bid had a limit */
    assert_int_equal(s->volume_mwh, 0);
    assert_int_equal(s->legs_count, 3);
    /* feed-in first, then retail */
    assert_int_equal(s->legs[0].kind, WT_LEG_FEED_IN);
    expect_leg(leg_of(s, WT_LEG_FEED_IN, ut, h1), 1, 1500000, 90 * U);
    expect_leg(leg_of(s, WT_LEG_RETAIL, h0, ut), 1, 2 * KWH, 300 * U);
    expect_leg(leg_of(s, WT_LEG_RETAIL, h2, ut), 2, 500000, 75 * U);
    assert_int_equal(s->rows_count, 3);
    const wt_settle_row *r0 = row_of(s, h0, 1), *r1 = row_of(s, h1, 1), *r2 = row_of(s, h2, 2);
    assert_int_equal(r0->import_mwh, 2 * KWH);
    assert_int_equal(r0->export_mwh, 0); /* the explicit ask expired: not exported */
    assert_int_equal(r0->retail_mwh, 2 * KWH);
    assert_int_equal(r0->retail_micro, 300 * U);
    assert_int_equal(r0->net_micro, -300 * U);
    assert_int_equal(r1->export_mwh, 1500000);
    assert_int_equal(r1->feed_in_micro, 90 * U);
    assert_int_equal(r1->import_mwh, 0); /* the explicit bid expired */
    assert_int_equal(r1->net_micro, 90 * U);
    assert_int_equal(r2->retail_mwh, 500000);
    assert_int_equal(r2->net_micro, -75 * U);
    assert_int_equal(s->retail_micro, 375 * U);
    assert_int_equal(s->feed_in_micro, 90 * U);
    /* applied: holds released, home 1 got 90 U, home 0 paid 300 U */
    assert_int_equal(fx_holds(fx, &fx->home[1]), 0);
    assert_int_equal(fx_balance(fx, &fx->home[1]), 590 * U);
    assert_int_equal(fx_balance(fx, &fx->home[0]), 500 * U - 300 * U);
    assert_int_equal(s->unpaid_micro, 0);
    wt_settlement_free(s);
}

/*
 * Interval C — nobody crosses. Home 0 sells at no less than 120 U, home 1
 * buys at no more than 100: 100 - 5 = 95 in north, 100 - 20 = 80 at the
 * root, both below 120. Home 2's explicit bid at 50 U meets no ask. Home 0's
 * kWh goes to the grid (60 U), home 1's comes from it (150 U); home 2's row
 * moved nothing and is left out.
 */
static void test_interval_nobody_crosses(void **state)
{
    fx_chain *fx = *state;
    neighbourhood(fx);
    standing(fx, &fx->home[0], 1, 120 * U, -1);
    standing(fx, &fx->home[1], 1, -1, 100 * U);
    assert_int_equal(order(fx, &fx->home[2], 2, WT_TX_SIDE_BUY, KWH, 50 * U), WT_OK);
    uint64_t n = current_interval(fx);
    fx->now_ms += FX_INTERVAL_MS;
    wt_reading e[2];
    reading(&e[0], "M0", 0, KWH);
    reading(&e[1], "M1", KWH, 0);
    readings(fx, n, e, 2);

    wt_settlement *s = settle(fx, n, 0);
    const uint8_t *h0 = fx->home[0].pubkey, *h1 = fx->home[1].pubkey, *ut = fx->utility_key.pubkey;
    assert_int_equal(s->volume_mwh, 0);
    assert_int_equal(s->price_micro_per_kwh, 0);
    assert_int_equal(s->legs_count, 2);
    assert_int_equal(s->legs[0].kind, WT_LEG_FEED_IN);
    expect_leg(&s->legs[0], 1, KWH, 60 * U);
    assert_memory_equal(s->legs[0].to, h0, 32);
    assert_int_equal(s->legs[1].kind, WT_LEG_RETAIL);
    expect_leg(&s->legs[1], 1, KWH, 150 * U);
    assert_memory_equal(s->legs[1].from, h1, 32);
    assert_memory_equal(s->legs[1].to, ut, 32);
    assert_int_equal(s->rows_count, 2);
    assert_null(row_of(s, fx->home[2].pubkey, 2));
    assert_int_equal(row_of(s, h0, 1)->net_micro, 60 * U);
    assert_int_equal(row_of(s, h1, 1)->net_micro, -150 * U);
    assert_int_equal(fx_balance(fx, &fx->home[2]), 500 * U);
    assert_int_equal(fx_holds(fx, &fx->home[2]), 0);
    wt_settlement_free(s);
}

/*
 * Interval D — the overdraft policy. Home 1 holds 10 U and bids its 1 kWh at
 * up to 130 U against home 0's ask at 80. Its bid is cut to what 10 U buys
 * at 130: 10e6 * 1e6 / 130e6 = 76,923 mWh. North clears it at 102.5 U:
 * amount floor(76,923 * 102.5) = 7,884,607, fee floor(76,923 * 5) = 384,615.
 * The other 923,077 mWh are retail: 138,461,550 owed, 1,730,778 left to pay
 * it, 136,730,772 unpaid (a debt to the utility). Home 1 ends at exactly 0.
 */
static void test_interval_overdraft(void **state)
{
    fx_chain *fx = *state;
    neighbourhood(fx);
    wt_tx tx;
    fx_tx(fx, &tx, WT_TX_TRANSFER, &fx->home[1]);
    memcpy(tx.body.transfer.to, fx->merchant_key.pubkey, 32);
    tx.body.transfer.amount_micro = 490 * U;
    assert_int_equal(fx_apply(fx, &tx, &fx->home[1]), WT_OK);
    standing(fx, &fx->home[0], 1, 80 * U, -1);
    standing(fx, &fx->home[1], 1, -1, 130 * U);
    uint64_t n = current_interval(fx);
    fx->now_ms += FX_INTERVAL_MS;
    wt_reading e[2];
    reading(&e[0], "M0", 0, KWH);
    reading(&e[1], "M1", KWH, 0);
    readings(fx, n, e, 2);

    wt_settlement *s = settle(fx, n, 0);
    const uint8_t *h0 = fx->home[0].pubkey, *h1 = fx->home[1].pubkey, *ut = fx->utility_key.pubkey;
    expect_leg(leg_of(s, WT_LEG_P2P, h1, h0), 1, 76923, 7884607);
    expect_leg(leg_of(s, WT_LEG_GRID_FEE, h1, ut), 1, 76923, 384615);
    expect_leg(leg_of(s, WT_LEG_FEED_IN, ut, h0), 1, 923077, 55384620);
    expect_leg(leg_of(s, WT_LEG_RETAIL, h1, ut), 1, 923077, 1730778);
    const wt_settle_row *r1 = row_of(s, h1, 1);
    assert_int_equal(r1->import_mwh, KWH);
    assert_int_equal(r1->bought_p2p_mwh, 76923);
    assert_int_equal(r1->bid_cut_mwh, 923077);
    assert_int_equal(r1->retail_mwh, 923077);
    assert_int_equal(r1->retail_micro, 1730778);
    assert_int_equal(r1->retail_unpaid_micro, 136730772);
    assert_int_equal(r1->net_micro, -10 * U);
    assert_int_equal(s->unpaid_micro, 136730772);
    assert_int_equal(fx_balance(fx, &fx->home[1]), 0);

    /* the policy columns appear in the CSV only on request */
    const wt_chain_params *p = wt_state_params(fx->state);
    char csv[2048];
    wt_settle_rows_csv(csv, sizeof csv, p, r1, 1, true, false);
    assert_null(strstr(csv, "unpaid"));
    wt_settle_rows_csv(csv, sizeof csv, p, r1, 1, true, true);
    assert_non_null(strstr(csv, ",923077,136730772,0\n"));
    wt_settlement_free(s);
}

/* A utility without money pays feed-in only from what it receives. */
static void test_utility_short_of_money(void **state)
{
    fx_chain *fx = *state;
    reg_gateway(fx);
    reg_meter(fx, "M0", fx->home[0].pubkey, 1);
    reg_meter(fx, "M1", fx->home[1].pubkey, 2);
    fx_mint(fx, &fx->home[1], 100 * U);
    uint64_t n = current_interval(fx);
    fx->now_ms += FX_INTERVAL_MS;
    wt_reading e[2];
    reading(&e[0], "M0", 0, KWH);    /* 60 U feed-in owed */
    reading(&e[1], "M1", 100000, 0); /* 15 U retail paid, after the feed-in */
    readings(fx, n, e, 2);
    wt_settlement *s = settle(fx, n, 0);
    const wt_settle_row *r0 = row_of(s, fx->home[0].pubkey, 1);
    assert_int_equal(r0->feed_in_micro, 0);
    assert_int_equal(r0->feed_in_unpaid_micro, 60 * U);
    assert_int_equal(row_of(s, fx->home[1].pubkey, 2)->retail_micro, 15 * U);
    assert_int_equal(fx_balance(fx, &fx->utility_key), 15 * U);
    wt_settlement_free(s);
}

/* ------------------------------------------------------ verify and audit */

static void test_verify_catches_changes(void **state)
{
    fx_chain *fx = *state;
    neighbourhood(fx);
    standing(fx, &fx->home[0], 1, 80 * U, -1);
    standing(fx, &fx->home[1], 1, -1, 130 * U);
    uint64_t n = current_interval(fx);
    fx->now_ms += FX_INTERVAL_MS;
    wt_reading e[2];
    reading(&e[0], "M0", 0, 2 * KWH);
    reading(&e[1], "M1", KWH, 0);
    readings(fx, n, e, 2);
    wt_settlement *s;
    assert_int_equal(wt_settle_compute(&s, fx->state, n), WT_OK);
    wt_tx tx;
    assert_int_equal(wt_settle_build_tx(&tx, fx->state, s, fx->now_ms + 60000), WT_OK);
    assert_true(s->legs_count >= 3);
    wt_settle_leg *legs = malloc(s->legs_count * sizeof *legs);
    memcpy(legs, s->legs, s->legs_count * sizeof *legs);
    tx.body.settle.legs = legs;
    const char *field;
    size_t leg;
    assert_int_equal(wt_settle_verify(&field, &leg, NULL, fx->state, &tx), WT_OK);
    /* one micro more to the seller */
    legs[0].amount_micro++;
    assert_int_equal(wt_settle_verify(&field, &leg, NULL, fx->state, &tx), WT_ERR_SETTLE_MISMATCH);
    assert_string_equal(field, "legs");
    assert_int_equal(leg, 0);
    legs[0].amount_micro--;
    /* another zone on the last leg */
    legs[s->legs_count - 1].zone = 2;
    assert_int_equal(wt_settle_verify(&field, &leg, NULL, fx->state, &tx), WT_ERR_SETTLE_MISMATCH);
    assert_int_equal(leg, s->legs_count - 1);
    legs[s->legs_count - 1].zone = s->legs[s->legs_count - 1].zone;
    /* a leg missing */
    tx.body.settle.count--;
    assert_int_equal(wt_settle_verify(&field, &leg, NULL, fx->state, &tx), WT_ERR_SETTLE_MISMATCH);
    assert_string_equal(field, "legs.count");
    tx.body.settle.count++;
    /* other inputs */
    tx.body.settle.inputs_hash[7] ^= 1;
    assert_int_equal(wt_settle_verify(&field, &leg, NULL, fx->state, &tx), WT_ERR_SETTLE_MISMATCH);
    assert_string_equal(field, "inputs_hash");
    tx.body.settle.inputs_hash[7] ^= 1;
    /* another interval: other inputs */
    tx.body.settle.interval = n - 1;
    assert_int_equal(wt_settle_verify(&field, &leg, NULL, fx->state, &tx), WT_ERR_SETTLE_MISMATCH);
    tx.body.settle.interval = n;
    /* not a SETTLE */
    wt_tx other;
    wt_tx_init(&other, WT_TX_TRANSFER);
    assert_int_equal(wt_settle_verify(&field, &leg, NULL, fx->state, &other),
                     WT_ERR_INVALID_ARGUMENT);
    /* the clock is no input: later, the same settlement */
    fx->now_ms += 7 * FX_INTERVAL_MS;
    wt_settlement *same;
    assert_int_equal(wt_settle_compute(&same, fx->state, n), WT_OK);
    assert_memory_equal(same->inputs_hash, s->inputs_hash, 32);
    assert_int_equal(same->legs_count, s->legs_count);
    assert_memory_equal(same->legs, s->legs, s->legs_count * sizeof *s->legs);
    wt_settlement_free(same);
    free(legs);
    wt_settlement_free(s);
}

static int64_t fake_clock(void *arg)
{
    return __atomic_load_n((int64_t *)arg, __ATOMIC_SEQ_CST);
}

/* Submit tx to the node and apply it to the fixture's copy of the state. */
static void submit_both(wt_node *node, fx_chain *fx, wt_tx *tx, const wt_seckey *key)
{
    uint8_t txid[32];
    assert_int_equal(wt_tx_sign(fx->ctx, txid, tx, key), WT_OK);
    static uint8_t raw[65536];
    size_t len;
    assert_int_equal(wt_tx_encode(raw, sizeof raw, &len, NULL, tx), WT_OK);
    const uint8_t *raws[1] = {raw};
    wt_submit_result res;
    assert_int_equal(wt_node_submit(node, &res, raws, &len, 1), WT_OK);
    assert_int_equal(res.err, WT_OK);
    wt_apply_opts opts = {.now_ms = fx->now_ms, .sig_verified = true};
    assert_int_equal(wt_ledger_apply(fx->ctx, fx->state, NULL, tx, txid, &opts), WT_OK);
    (*fx_nonce(fx, key))++;
}

/* A ledger on disk with a sound SETTLE, then one that pays a seller one
 * micro too much (it applies, money is conserved): the audit names its
 * height and txid. */
static void test_audit_recomputes_settle(void **state)
{
    fx_chain *fx = *state;
    char dir[64] = "/tmp/wattle-settle-XXXXXX", db[128];
    assert_non_null(mkdtemp(dir));
    snprintf(db, sizeof db, "%s/ledger.db", dir);
    wt_node_opts opts = {.db_path = db,
                         .params = &fx->params,
                         .operator_key = &fx->operator_key,
                         .verify_threads = 1,
                         .clock = fake_clock,
                         .clock_arg = &fx->now_ms};
    wt_node *node;
    assert_int_equal(wt_node_open(&node, fx->ctx, &opts), WT_OK);
    wt_tx tx;
    fx_tx(fx, &tx, WT_TX_REGISTER, &fx->operator_key);
    tx.body.reg.kind = WT_TX_REGISTER_GATEWAY;
    memcpy(tx.body.reg.u.gateway.key, fx->gateway_key.pubkey, 32);
    submit_both(node, fx, &tx, &fx->operator_key);
    const char *ids[2] = {"M0", "M1"};
    for (int h = 0; h < 2; h++) {
        fx_tx(fx, &tx, WT_TX_REGISTER, &fx->operator_key);
        tx.body.reg.kind = WT_TX_REGISTER_METER;
        assert_int_equal(wt_meter_id_set(&tx.body.reg.u.meter.meter_id, ids[h]), WT_OK);
        memcpy(tx.body.reg.u.meter.owner, fx->home[h].pubkey, 32);
        tx.body.reg.u.meter.zone = 1;
        memcpy(tx.body.reg.u.meter.gateway, fx->gateway_key.pubkey, 32);
        submit_both(node, fx, &tx, &fx->operator_key);
        fx_tx(fx, &tx, WT_TX_MINT, &fx->issuer_key);
        memcpy(tx.body.mint.to, fx->home[h].pubkey, 32);
        tx.body.mint.amount_micro = 500 * U;
        submit_both(node, fx, &tx, &fx->issuer_key);
        fx_tx(fx, &tx, WT_TX_STANDING, &fx->home[h]);
        tx.body.standing.zone = 1;
        tx.body.standing.flags = WT_STANDING_HAS_SELL_MIN | WT_STANDING_HAS_BUY_MAX;
        tx.body.standing.sell_min_micro_per_kwh = 80 * U;
        tx.body.standing.buy_max_micro_per_kwh = 130 * U;
        submit_both(node, fx, &tx, &fx->home[h]);
    }
    wt_block_header header;
    uint8_t bad_txid[32];
    for (int round = 0; round < 2; round++) {
        uint64_t n = current_interval(fx);
        fx->now_ms += FX_INTERVAL_MS;
        wt_reading e[2];
        reading(&e[0], "M0", 0, 2 * KWH);
        reading(&e[1], "M1", KWH, 0);
        fx_tx(fx, &tx, WT_TX_READINGS, &fx->gateway_key);
        tx.body.readings.interval = n;
        tx.body.readings.count = 2;
        tx.body.readings.entries = e;
        submit_both(node, fx, &tx, &fx->gateway_key);
        wt_settlement *s;
        assert_int_equal(wt_settle_compute(&s, fx->state, n), WT_OK);
        assert_int_equal(wt_settle_build_tx(&tx, fx->state, s, fx->now_ms + 60000), WT_OK);
        if (round == 1) {
            assert_int_equal(s->legs[0].kind, WT_LEG_P2P);
            s->legs[0].amount_micro++; /* the seller gets one micro more */
            assert_int_equal(wt_tx_id(bad_txid, NULL, &tx), WT_OK);
        }
        submit_both(node, fx, &tx, &fx->operator_key);
        wt_settlement_free(s);
        assert_int_equal(wt_node_seal(node, &header), WT_OK);
        if (round == 0) {
            wt_audit_report r;
            if (wt_audit_run(fx->ctx, &r, db, NULL) != WT_OK)
                fail_msg("audit of a sound ledger: %s", r.what);
        }
    }
    wt_node_close(node);
    wt_audit_report r;
    assert_int_equal(wt_audit_run(fx->ctx, &r, db, NULL), WT_ERR_SETTLE_MISMATCH);
    print_message("audit says: %s\n", r.what);
    assert_int_equal(r.bad_height, header.height);
    assert_true(r.has_bad_txid);
    assert_memory_equal(r.bad_txid, bad_txid, 32);
    assert_non_null(strstr(r.what, "SETTLE"));
    assert_non_null(strstr(r.what, "first differing leg 0"));
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

/* ------------------------------------------------------------- tariffs */

static void test_tariffs(void **state)
{
    (void)state;
    wt_tariff t;
    int64_t a;
    wt_tariff_flat(&t, 150 * U);
    assert_int_equal(wt_tariff_validate(&t), WT_OK);
    assert_int_equal(wt_tariff_amount(&a, &t, 0, 0, 1500000), WT_OK);
    assert_int_equal(a, 225 * U);
    assert_int_equal(wt_tariff_amount(&a, &t, 0, 0, 1), WT_OK);
    assert_int_equal(a, 150); /* 1 mWh at 150 U/kWh: 150 micro */
    wt_tariff_flat(&t, -1);
    assert_int_equal(wt_tariff_validate(&t), WT_ERR_BAD_PRICE);

    /* time of use in KST: 100 U at night, 200 U from 09:00 to 21:00 */
    memset(&t, 0, sizeof t);
    t.kind = WT_TARIFF_TIME_OF_USE;
    t.utc_offset_ms = 9 * INT64_C(3600000);
    for (int h = 0; h < 24; h++)
        t.hour_micro_per_kwh[h] = h >= 9 && h < 21 ? 200 * U : 100 * U;
    assert_int_equal(wt_tariff_validate(&t), WT_OK);
    int64_t midnight_utc = INT64_C(1800057600000); /* a multiple of a day */
    assert_int_equal(midnight_utc % INT64_C(86400000), 0);
    assert_int_equal(wt_tariff_amount(&a, &t, midnight_utc, 0, KWH), WT_OK); /* 09:00 KST */
    assert_int_equal(a, 200 * U);
    assert_int_equal(wt_tariff_amount(&a, &t, midnight_utc - 1, 0, KWH), WT_OK); /* 08:59 */
    assert_int_equal(a, 100 * U);
    assert_int_equal(wt_tariff_amount(&a, &t, midnight_utc + 12 * INT64_C(3600000), 0, KWH),
                     WT_OK); /* 21:00 KST */
    assert_int_equal(a, 100 * U);
    t.utc_offset_ms = INT64_C(86400000);
    assert_int_equal(wt_tariff_validate(&t), WT_ERR_INVALID_ARGUMENT);

    /* progressive monthly tiers (KEPCO-like): 120 U up to 200 kWh, 214.6 U
     * up to 400 kWh, 307.3 U beyond */
    memset(&t, 0, sizeof t);
    t.kind = WT_TARIFF_TIERED;
    t.tiers_count = 3;
    t.tier_up_to_mwh[0] = 200 * KWH;
    t.tier_up_to_mwh[1] = 400 * KWH;
    t.tier_micro_per_kwh[0] = 120 * U;
    t.tier_micro_per_kwh[1] = 214600000;
    t.tier_micro_per_kwh[2] = 307300000;
    assert_int_equal(wt_tariff_validate(&t), WT_OK);
    assert_int_equal(wt_tariff_amount(&a, &t, 0, 150 * KWH, 100 * KWH), WT_OK);
    assert_int_equal(a, 50 * 120 * U + 50 * INT64_C(214600000));
    assert_int_equal(wt_tariff_amount(&a, &t, 0, 0, 500 * KWH), WT_OK);
    assert_int_equal(a, 200 * 120 * U + 200 * INT64_C(214600000) + 100 * INT64_C(307300000));
    assert_int_equal(wt_tariff_amount(&a, &t, 0, 450 * KWH, 1 * KWH), WT_OK);
    assert_int_equal(a, 307300000);
    assert_int_equal(wt_tariff_amount(&a, &t, 0, 0, -1), WT_ERR_INVALID_ARGUMENT);
    /* splitting a month's energy never changes what it costs in sum */
    int64_t whole, first, second;
    assert_int_equal(wt_tariff_amount(&whole, &t, 0, 0, 300 * KWH), WT_OK);
    assert_int_equal(wt_tariff_amount(&first, &t, 0, 0, 180 * KWH), WT_OK);
    assert_int_equal(wt_tariff_amount(&second, &t, 0, 180 * KWH, 120 * KWH), WT_OK);
    assert_int_equal(whole, first + second);
    t.tier_up_to_mwh[1] = 200 * KWH; /* not ascending */
    assert_int_equal(wt_tariff_validate(&t), WT_ERR_INVALID_ARGUMENT);
    t.tiers_count = 0;
    assert_int_equal(wt_tariff_validate(&t), WT_ERR_INVALID_ARGUMENT);
}

/* ----------------------------------------------------------------- CSV */

static void test_csv(void **state)
{
    fx_chain *fx = *state;
    wt_settle_row r;
    memset(&r, 0, sizeof r);
    r.interval = 42;
    memcpy(r.account, fx->home[0].pubkey, 32);
    r.zone = 2;
    r.import_mwh = 1000;
    r.bought_p2p_mwh = 400;
    r.retail_mwh = 600;
    r.paid_p2p_micro = 50;
    r.grid_fee_micro = 2;
    r.retail_micro = 90;
    r.net_micro = -142;
    char addr[WT_ADDRESS_CHARS + 1];
    wt_address_encode(addr, r.account);
    char expect[512];
    snprintf(expect, sizeof expect, "%s\n42,%s,south,1000,0,400,0,50,0,2,600,90,0,0,-142\n",
             WT_SETTLE_CSV_HEADER, addr);
    const wt_chain_params *p = wt_state_params(fx->state);
    size_t need = wt_settle_rows_csv(NULL, 0, p, &r, 1, true, false);
    assert_int_equal(need, strlen(expect));
    char out[512];
    assert_int_equal(wt_settle_rows_csv(out, sizeof out, p, &r, 1, true, false), need);
    assert_string_equal(out, expect);
    assert_string_equal(WT_SETTLE_CSV_HEADER,
                        "interval,account,zone,import_mwh,export_mwh,bought_p2p_mwh,"
                        "sold_p2p_mwh,paid_p2p_micro,received_p2p_micro,grid_fee_micro,"
                        "retail_mwh,retail_micro,feed_in_mwh,feed_in_micro,net_micro");
    /* too small: truncated, NUL-terminated, same length reported */
    char small[16];
    assert_int_equal(wt_settle_rows_csv(small, sizeof small, p, &r, 1, true, false), need);
    assert_int_equal(strlen(small), sizeof small - 1);
    /* no header */
    assert_int_equal(wt_settle_rows_csv(out, sizeof out, p, &r, 1, false, false),
                     need - strlen(WT_SETTLE_CSV_HEADER) - 1);
}

/* ------------------------------------------------ tariffs in the params */

/* Time-of-use retail in KST: the price of hour h is 100 + h U/kWh. */
static void tou_params(wt_chain_params *p)
{
    p->retail_tariff_kind = WT_CHAIN_TARIFF_TIME_OF_USE;
    p->tariff_utc_offset_ms = 9 * INT64_C(3600000);
    for (int h = 0; h < 24; h++)
        p->retail_hour_micro_per_kwh[h] = (100 + h) * U;
}

static void test_params_tariffs_codec(void **state)
{
    fx_chain *fx = *state;
    uint8_t buf[8192], again[8192];
    /* flat tariffs keep the version 1 bytes */
    size_t n1 = wt_chain_params_encode(buf, sizeof buf, &fx->params);
    assert_int_equal(buf[0], 1);
    wt_chain_params back;
    assert_int_equal(wt_chain_params_decode(&back, buf, n1), WT_OK);
    assert_int_equal(back.retail_tariff_kind, WT_CHAIN_TARIFF_FLAT);
    /* time of use: version 2, 2 + 8 + 24 * 8 bytes more, round trip */
    wt_chain_params p = fx->params;
    tou_params(&p);
    assert_int_equal(wt_chain_params_validate(&p, NULL), WT_OK);
    size_t n2 = wt_chain_params_encode(buf, sizeof buf, &p);
    assert_int_equal(buf[0], 2);
    assert_int_equal(n2, n1 + 2 + 8 + 24 * 8);
    assert_int_equal(wt_chain_params_decode(&back, buf, n2), WT_OK);
    assert_int_equal(wt_chain_params_encode(again, sizeof again, &back), n2);
    assert_memory_equal(buf, again, n2);
    assert_int_equal(back.retail_hour_micro_per_kwh[23], 123 * U);
    assert_int_equal(back.tariff_utc_offset_ms, 9 * INT64_C(3600000));
    /* both time of use */
    p.feed_in_tariff_kind = WT_CHAIN_TARIFF_TIME_OF_USE;
    for (int h = 0; h < 24; h++)
        p.feed_in_hour_micro_per_kwh[h] = 50 * U;
    size_t n3 = wt_chain_params_encode(buf, sizeof buf, &p);
    assert_int_equal(n3, n2 + 24 * 8);
    assert_int_equal(wt_chain_params_decode(&back, buf, n3), WT_OK);
    assert_int_equal(back.feed_in_hour_micro_per_kwh[0], 50 * U);
    /* truncated or trailing bytes */
    assert_int_not_equal(wt_chain_params_decode(&back, buf, n3 - 1), WT_OK);
    buf[n3] = 0;
    assert_int_not_equal(wt_chain_params_decode(&back, buf, n3 + 1), WT_OK);
    /* version 2 without a time-of-use tariff is not canonical */
    n2 = wt_chain_params_encode(buf, sizeof buf, &fx->params);
    memcpy(again, buf, n2);
    again[0] = 2;
    memset(again + n2, 0, 10);
    assert_int_not_equal(wt_chain_params_decode(&back, again, n2 + 10), WT_OK);
    /* validation */
    const char *field;
    wt_chain_params bad = p;
    bad.retail_tariff_kind = 7;
    assert_int_equal(wt_chain_params_validate(&bad, &field), WT_ERR_INVALID_ARGUMENT);
    assert_string_equal(field, "retail_tariff_kind");
    bad = p;
    bad.retail_hour_micro_per_kwh[5] = bad.price_ceiling_micro_per_kwh + 1;
    assert_int_equal(wt_chain_params_validate(&bad, &field), WT_ERR_INVALID_ARGUMENT);
    assert_string_equal(field, "retail_hour_micro_per_kwh");
    bad = p;
    bad.tariff_utc_offset_ms = 24 * INT64_C(3600000);
    assert_int_equal(wt_chain_params_validate(&bad, &field), WT_ERR_INVALID_ARGUMENT);
    assert_string_equal(field, "tariff_utc_offset_ms");
    bad = fx->params; /* flat, yet hourly prices or an offset */
    bad.feed_in_hour_micro_per_kwh[3] = 1;
    assert_int_equal(wt_chain_params_validate(&bad, &field), WT_ERR_INVALID_ARGUMENT);
    assert_string_equal(field, "feed_in_hour_micro_per_kwh");
    bad = fx->params;
    bad.tariff_utc_offset_ms = 1;
    assert_int_equal(wt_chain_params_validate(&bad, &field), WT_ERR_INVALID_ARGUMENT);
}

/* The market rules in the params: the default keeps the old bytes; custom
 * rules are version 3, round trip, and have one encoding per value. */
static void test_params_market_codec(void **state)
{
    fx_chain *fx = *state;
    uint8_t buf[8192], again[8192];
    wt_chain_params p = fx->params, back;
    size_t n1 = wt_chain_params_encode(buf, sizeof buf, &p);
    uint8_t mech;
    uint32_t k;
    wt_chain_market(&p, &mech, &k);
    assert_int_equal(mech, 0);
    assert_int_equal(k, WT_CHAIN_MARKET_K_PPM_DEFAULT);
    /* setting the default rules changes nothing */
    wt_chain_market_set(&p, 0, WT_CHAIN_MARKET_K_PPM_DEFAULT);
    assert_int_equal(p.market_custom, 0);
    assert_int_equal(wt_chain_params_encode(again, sizeof again, &p), n1);
    assert_memory_equal(buf, again, n1);
    /* k = 0.25: version 3 = the tariff section (flat: 10 bytes) + 5 */
    wt_chain_market_set(&p, 0, 250000);
    assert_int_equal(wt_chain_params_validate(&p, NULL), WT_OK);
    size_t n3 = wt_chain_params_encode(buf, sizeof buf, &p);
    assert_int_equal(buf[0], 3);
    assert_int_equal(n3, n1 + 10 + 5);
    assert_int_equal(wt_chain_params_decode(&back, buf, n3), WT_OK);
    wt_chain_market(&back, &mech, &k);
    assert_int_equal(mech, 0);
    assert_int_equal(k, 250000);
    assert_int_equal(wt_chain_params_encode(again, sizeof again, &back), n3);
    assert_memory_equal(buf, again, n3);
    /* pay-as-bid with time-of-use tariffs beside it */
    tou_params(&p);
    wt_chain_market_set(&p, 1, 0);
    n3 = wt_chain_params_encode(buf, sizeof buf, &p);
    assert_int_equal(wt_chain_params_decode(&back, buf, n3), WT_OK);
    assert_int_equal(back.market_mechanism, 1);
    assert_int_equal(back.retail_hour_micro_per_kwh[23], 123 * U);
    assert_int_not_equal(wt_chain_params_decode(&back, buf, n3 - 1), WT_OK);
    /* not canonical: the default rules written as custom, k with pay-as-bid,
     * k beyond 1, an unknown mechanism */
    const char *field;
    wt_chain_params bad = fx->params;
    bad.market_custom = 1;
    bad.market_k_ppm = WT_CHAIN_MARKET_K_PPM_DEFAULT;
    assert_int_equal(wt_chain_params_validate(&bad, &field), WT_ERR_INVALID_ARGUMENT);
    assert_string_equal(field, "market");
    size_t nb = wt_chain_params_encode(buf, sizeof buf, &bad);
    assert_int_not_equal(wt_chain_params_decode(&back, buf, nb), WT_OK);
    bad.market_mechanism = 1;
    bad.market_k_ppm = 5;
    assert_int_equal(wt_chain_params_validate(&bad, &field), WT_ERR_INVALID_ARGUMENT);
    bad.market_mechanism = 0;
    bad.market_k_ppm = 1000001;
    assert_int_equal(wt_chain_params_validate(&bad, &field), WT_ERR_INVALID_ARGUMENT);
    bad.market_mechanism = 2;
    bad.market_k_ppm = 0;
    assert_int_equal(wt_chain_params_validate(&bad, &field), WT_ERR_INVALID_ARGUMENT);
    bad = fx->params;
    bad.market_k_ppm = 7; /* rules without the custom flag */
    assert_int_equal(wt_chain_params_validate(&bad, &field), WT_ERR_INVALID_ARGUMENT);
}

/* The settlement clears with the chain's rules. Home 0 asks 80 U, home 1
 * bids 130 U for 1 kWh in north (fee 5): the bid enters at 125. With k = 0
 * the price is the ask, 80 U; pay-as-bid, the buyer pays its bid less the
 * fee to the seller, 125 U, and the fee on top. */
static void test_market_rules_settlement(void **state)
{
    fx_chain *fx = *state;
    const struct {
        uint8_t mechanism;
        uint32_t k_ppm;
        int64_t p2p_micro;
    } cases[] = {{0, 0, 80 * U}, {1, 0, 125 * U}, {0, 1000000, 125 * U}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        if (c > 0) { /* a fresh fixture: nonces start again */
            teardown(state);
            setup(state);
            fx = *state;
        }
        wt_state_destroy(fx->state);
        wt_chain_market_set(&fx->params, cases[c].mechanism, cases[c].k_ppm);
        assert_int_equal(wt_state_create(&fx->state, &fx->params), WT_OK);
        neighbourhood(fx);
        standing(fx, &fx->home[0], 1, 80 * U, -1);
        standing(fx, &fx->home[1], 1, -1, 130 * U);
        uint64_t n = current_interval(fx);
        fx->now_ms += FX_INTERVAL_MS;
        wt_reading e[2];
        reading(&e[0], "M0", 0, KWH);
        reading(&e[1], "M1", KWH, 0);
        readings(fx, n, e, 2);
        wt_settlement *s = settle(fx, n, c);
        expect_leg(leg_of(s, WT_LEG_P2P, fx->home[1].pubkey, fx->home[0].pubkey), 1, KWH,
                   cases[c].p2p_micro);
        expect_leg(leg_of(s, WT_LEG_GRID_FEE, fx->home[1].pubkey, fx->utility_key.pubkey), 1, KWH,
                   5 * U);
        wt_settlement_free(s);
    }
}

/* A chain with time-of-use retail: residual import is priced at the hour of
 * the interval's start, in local time. FX_NOW_MS is 08:00 UTC = 17:00 KST. */
static void test_time_of_use_settlement(void **state)
{
    fx_chain *fx = *state;
    wt_state_destroy(fx->state);
    tou_params(&fx->params);
    assert_int_equal(wt_state_create(&fx->state, &fx->params), WT_OK);
    reg_gateway(fx);
    reg_meter(fx, "M0", fx->home[0].pubkey, 1);
    reg_meter(fx, "M1", fx->home[1].pubkey, 1);
    fx_mint(fx, &fx->home[0], 1000 * U);
    fx_mint(fx, &fx->utility_key, 1000 * U);
    assert_int_equal(fx->now_ms % INT64_C(86400000), 8 * INT64_C(3600000));
    for (int hour = 17; hour <= 18; hour++) {
        uint64_t n = current_interval(fx);
        fx->now_ms += FX_INTERVAL_MS;
        wt_reading e[2];
        reading(&e[0], "M0", 2 * KWH, 0);
        reading(&e[1], "M1", 0, KWH);
        readings(fx, n, e, 2);
        wt_settlement *s = settle(fx, n, 0);
        expect_leg(leg_of(s, WT_LEG_RETAIL, fx->home[0].pubkey, fx->utility_key.pubkey), 1, 2 * KWH,
                   2 * (100 + hour) * U);
        /* feed-in stays flat */
        expect_leg(leg_of(s, WT_LEG_FEED_IN, fx->utility_key.pubkey, fx->home[1].pubkey), 1, KWH,
                   60 * U);
        wt_settlement_free(s);
        fx->now_ms += INT64_C(3600000) - FX_INTERVAL_MS; /* the same minute, an hour later */
    }
}

/* Tiered retail in KST: 120 U/kWh for the month's first kWh, 200 U beyond. */
static void tiered_params(wt_chain_params *p)
{
    p->retail_tariff_kind = WT_CHAIN_TARIFF_TIERED;
    p->tariff_utc_offset_ms = 9 * INT64_C(3600000);
    p->retail_tiers_count = 2;
    p->retail_tier_up_to_mwh[0] = KWH;
    p->retail_tier_micro_per_kwh[0] = 120 * U;
    p->retail_tier_micro_per_kwh[1] = 200 * U;
}

static void test_params_tiers_codec(void **state)
{
    fx_chain *fx = *state;
    uint8_t buf[8192], again[8192];
    size_t n1 = wt_chain_params_encode(buf, sizeof buf, &fx->params);
    wt_chain_params p = fx->params, back;
    tiered_params(&p);
    assert_int_equal(wt_chain_params_validate(&p, NULL), WT_OK);
    size_t n = wt_chain_params_encode(buf, sizeof buf, &p);
    assert_int_equal(buf[0], 2);
    assert_int_equal(n, n1 + 2 + 8 + 1 + 2 * 16);
    assert_int_equal(wt_chain_params_decode(&back, buf, n), WT_OK);
    assert_int_equal(wt_chain_params_encode(again, sizeof again, &back), n);
    assert_memory_equal(buf, again, n);
    assert_int_equal(back.retail_tier_micro_per_kwh[1], 200 * U);
    assert_int_not_equal(wt_chain_params_decode(&back, buf, n - 1), WT_OK);
    /* with a time-of-use feed-in beside it */
    p.feed_in_tariff_kind = WT_CHAIN_TARIFF_TIME_OF_USE;
    for (int h = 0; h < 24; h++)
        p.feed_in_hour_micro_per_kwh[h] = 40 * U;
    n = wt_chain_params_encode(buf, sizeof buf, &p);
    assert_int_equal(wt_chain_params_decode(&back, buf, n), WT_OK);
    assert_int_equal(back.feed_in_hour_micro_per_kwh[7], 40 * U);
    assert_int_equal(back.retail_tiers_count, 2);
    /* rules */
    const char *field;
    wt_chain_params bad = p;
    bad.feed_in_tariff_kind = WT_CHAIN_TARIFF_TIERED; /* retail only */
    assert_int_equal(wt_chain_params_validate(&bad, &field), WT_ERR_INVALID_ARGUMENT);
    assert_string_equal(field, "feed_in_tariff_kind");
    bad = p;
    bad.retail_tier_up_to_mwh[1] = 5 * KWH; /* the last tier has no bound */
    assert_int_equal(wt_chain_params_validate(&bad, &field), WT_ERR_INVALID_ARGUMENT);
    assert_string_equal(field, "retail_tier_up_to_mwh");
    bad = p;
    bad.retail_tiers_count = 3;
    bad.retail_tier_up_to_mwh[1] = KWH; /* not ascending */
    assert_int_equal(wt_chain_params_validate(&bad, &field), WT_ERR_INVALID_ARGUMENT);
    assert_string_equal(field, "retail_tier_up_to_mwh");
    bad = p;
    bad.retail_tiers_count = 0;
    assert_int_equal(wt_chain_params_validate(&bad, &field), WT_ERR_INVALID_ARGUMENT);
    assert_string_equal(field, "retail_tiers_count");
    bad = p;
    bad.retail_tier_micro_per_kwh[5] = 1; /* beyond the count */
    assert_int_equal(wt_chain_params_validate(&bad, &field), WT_ERR_INVALID_ARGUMENT);
    bad = fx->params;
    bad.retail_tiers_count = 1; /* tiers on a flat tariff */
    assert_int_equal(wt_chain_params_validate(&bad, &field), WT_ERR_INVALID_ARGUMENT);
    assert_string_equal(field, "retail_tiers_count");
}

/* Settle interval n with the given retail imports (kWh * 10) of M0 (north)
 * and M0b (south), both home 0's; return the settlement. */
static wt_settlement *tiered_interval(fx_chain *fx, int64_t m0_mwh, int64_t m0b_mwh)
{
    uint64_t n = current_interval(fx);
    fx->now_ms += FX_INTERVAL_MS;
    wt_reading e[2];
    reading(&e[0], "M0", m0_mwh, 0);
    reading(&e[1], "M0b", m0b_mwh, 0);
    readings(fx, n, e, 2);
    return settle(fx, n, 0);
}

/* Tiered retail: the price climbs with the month's consumption, across the
 * rows of one settlement and across intervals, and starts again with the
 * local month (KST). FX_NOW_MS is 2027-01-15 17:00 KST. */
static void test_tiered_settlement(void **state)
{
    fx_chain *fx = *state;
    wt_state_destroy(fx->state);
    tiered_params(&fx->params);
    assert_int_equal(wt_state_create(&fx->state, &fx->params), WT_OK);
    const uint32_t jan = 2027 * 12 + 0, feb = jan + 1;
    assert_int_equal(wt_chain_month_of(&fx->params, current_interval(fx)), jan);
    const int64_t feb_kst_ms = INT64_C(1800000000000) + 16 * INT64_C(86400000) +
                               7 * INT64_C(3600000); /* 2027-01-31 15:00 UTC */
    assert_int_equal(wt_chain_month_of(&fx->params, (uint64_t)(feb_kst_ms / FX_INTERVAL_MS)), feb);
    assert_int_equal(wt_chain_month_of(&fx->params, (uint64_t)(feb_kst_ms / FX_INTERVAL_MS) - 1),
                     jan);
    reg_gateway(fx);
    reg_meter(fx, "M0", fx->home[0].pubkey, 1);
    reg_meter(fx, "M0b", fx->home[0].pubkey, 2);
    fx_mint(fx, &fx->home[0], 1000 * U);
    const uint8_t *h0 = fx->home[0].pubkey;

    /* 0.6 kWh in north at 120; 0.6 kWh in south: 0.4 at 120, 0.2 at 200 */
    wt_settlement *s = tiered_interval(fx, 600000, 600000);
    assert_int_equal(row_of(s, h0, 1)->retail_micro, 72 * U);
    assert_int_equal(row_of(s, h0, 2)->retail_micro, 88 * U);
    wt_settlement_free(s);
    assert_int_equal(wt_state_month_usage(fx->state, h0, jan), 1200000);
    assert_int_equal(wt_state_month_usage(fx->state, h0, feb), 0);
    /* the month goes on: all at 200 */
    s = tiered_interval(fx, 500000, 0);
    assert_int_equal(row_of(s, h0, 1)->retail_micro, 100 * U);
    wt_settlement_free(s);
    assert_int_equal(wt_state_month_usage(fx->state, h0, jan), 1700000);
    /* the last interval of January, then the first of February */
    fx->now_ms = feb_kst_ms - FX_INTERVAL_MS;
    s = tiered_interval(fx, 100000, 0);
    assert_int_equal(row_of(s, h0, 1)->retail_micro, 20 * U);
    wt_settlement_free(s);
    s = tiered_interval(fx, 500000, 0);
    assert_int_equal(row_of(s, h0, 1)->retail_micro, 60 * U);
    wt_settlement_free(s);
    assert_int_equal(wt_state_month_usage(fx->state, h0, feb), 500000);
    assert_int_equal(wt_state_month_usage(fx->state, h0, jan), 0); /* that month is over */
}

/* ------------------------------------------------------------ property */

/*
 * Random neighbourhoods over many intervals, seeded: meters of four owners
 * (three homes, the merchant) in random zones, random standing limits
 * (either, both, none), random explicit orders, random readings, balances
 * from generous to nearly nothing, a utility that is sometimes broke. Every
 * settlement must satisfy check_properties, verify, and apply; money moves
 * exactly by the rows' nets.
 */
static void test_property_random_states(void **state)
{
    fx_chain *fx = *state;
    uint64_t seed = wt_test_seed(20261124);
    wt_test_rng rng;
    wt_test_rng_init(&rng, seed);
    const wt_seckey *owners[4] = {&fx->home[0], &fx->home[1], &fx->home[2], &fx->merchant_key};
    enum { METERS = 9 };
    char ids[METERS][8];
    reg_gateway(fx);
    for (int m = 0; m < METERS; m++) {
        snprintf(ids[m], sizeof ids[m], "E%d", m);
        reg_meter(fx, ids[m], owners[m % 4]->pubkey, (uint16_t)wt_test_rng_range(&rng, 0, 2));
    }
    size_t trades = 0, unpaid = 0, cut = 0;
    for (int round = 0; round < 150; round++) {
        for (int o = 0; o < 4; o++) {
            if (wt_test_rng_range(&rng, 0, 3) == 0)
                fx_mint(fx, owners[o], wt_test_rng_range(&rng, 1, 400 * U));
            if (wt_test_rng_range(&rng, 0, 2) == 0) {
                int64_t sell = wt_test_rng_range(&rng, 0, 3) == 0
                                   ? -1
                                   : wt_test_rng_range(&rng, 30 * U, 150 * U);
                int64_t buy =
                    wt_test_rng_range(&rng, 0, 3) == 0 ? -1 : wt_test_rng_range(&rng, 0, 200 * U);
                if (sell < 0 && buy < 0)
                    sell = 90 * U;
                standing(fx, owners[o], (uint16_t)wt_test_rng_range(&rng, 0, 2), sell, buy);
            }
            int orders = (int)wt_test_rng_range(&rng, 0, 2);
            for (int k = 0; k < orders; k++) /* a buy may be refused for lack of funds */
                (void)order(fx, owners[o], (uint16_t)wt_test_rng_range(&rng, 0, 2),
                            (uint8_t)wt_test_rng_range(&rng, 1, 2),
                            wt_test_rng_range(&rng, 1, 3 * KWH),
                            wt_test_rng_range(&rng, 0, 250 * U));
        }
        if (wt_test_rng_range(&rng, 0, 4) == 0)
            fx_mint(fx, &fx->utility_key, wt_test_rng_range(&rng, 1, 200 * U));
        uint64_t n = current_interval(fx);
        fx->now_ms += FX_INTERVAL_MS;
        wt_reading e[METERS];
        uint16_t count = 0;
        for (int m = 0; m < METERS; m++) {
            if (wt_test_rng_range(&rng, 0, 4) == 0)
                continue; /* this meter did not report */
            reading(&e[count++], ids[m], wt_test_rng_range(&rng, 0, 2 * KWH),
                    wt_test_rng_range(&rng, 0, 2 * KWH));
        }
        if (count > 0)
            readings(fx, n, e, count);
        wt_settlement *s = settle(fx, n, seed);
        for (uint32_t l = 0; l < s->legs_count; l++)
            trades += s->legs[l].kind == WT_LEG_P2P;
        unpaid += s->unpaid_micro > 0;
        for (size_t r = 0; r < s->rows_count; r++)
            cut += s->rows[r].bid_cut_mwh > 0;
        wt_settlement_free(s);
    }
    /* the random states reached the interesting cases */
    print_message("seed %llu: %zu trades, %zu intervals with debts, %zu cut bids\n",
                  (unsigned long long)seed, trades, unpaid, cut);
    assert_true(trades > 50);
    assert_true(unpaid > 0);
    assert_true(cut > 0);
}

int main(void)
{
    wt_test_route_asserts();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_interval_zone_fees, setup, teardown),
        cmocka_unit_test_setup_teardown(test_interval_residual, setup, teardown),
        cmocka_unit_test_setup_teardown(test_interval_nobody_crosses, setup, teardown),
        cmocka_unit_test_setup_teardown(test_interval_overdraft, setup, teardown),
        cmocka_unit_test_setup_teardown(test_utility_short_of_money, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verify_catches_changes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_audit_recomputes_settle, setup, teardown),
        cmocka_unit_test(test_tariffs),
        cmocka_unit_test_setup_teardown(test_params_tariffs_codec, setup, teardown),
        cmocka_unit_test_setup_teardown(test_params_market_codec, setup, teardown),
        cmocka_unit_test_setup_teardown(test_market_rules_settlement, setup, teardown),
        cmocka_unit_test_setup_teardown(test_time_of_use_settlement, setup, teardown),
        cmocka_unit_test_setup_teardown(test_params_tiers_codec, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tiered_settlement, setup, teardown),
        cmocka_unit_test_setup_teardown(test_csv, setup, teardown),
        cmocka_unit_test_setup_teardown(test_property_random_states, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
