/*
 * bench_settle.c — `wattle-bench settle`: one interval's settlement
 * (wt_settle_compute: gathering the interval's orders and readings from the
 * ledger state, the standing limits, the overdraft caps, the clearing, the
 * legs, the rows, the inputs hash) per second, for a neighbourhood of 1,000
 * and 10,000 metered homes with a standing instruction each plus explicit
 * orders. Baseline in the same run: wt_book_clear alone over the same book
 * (the matcher's part of the work), so the ratio says what settlement adds
 * around the auction.
 */
#include "bench.h"
#include "engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BENCH_U   INT64_C(1000000)
#define BENCH_KWH INT64_C(1000000)
#define FEEDERS   4

typedef struct {
    wt_ctx *ctx;
    wt_state *state;
    wt_chain_params params;
    uint8_t operator_key[32], issuer_key[32], gateway[32];
    uint64_t operator_nonce, issuer_nonce, gateway_nonce;
    int64_t now_ms;
    wt_order *book; /* the same book, for the baseline */
    size_t book_count;
} fixture;

static void bench_key(uint8_t out[32], const char *label, unsigned i)
{
    char text[64];
    snprintf(text, sizeof text, "%s-%u", label, i);
    wt_tagged_hash(out, "wattle/bench-key", (const uint8_t *)text, strlen(text));
}

static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static int64_t rng_range(uint64_t *s, int64_t lo, int64_t hi)
{
    return lo + (int64_t)(rng_next(s) % (uint64_t)(hi - lo + 1));
}

/* Apply a tx whose signature the bench vouches for (none is checked). */
static void apply(fixture *f, wt_tx *tx, const uint8_t sender[32], uint64_t *nonce)
{
    tx->chain_id = f->params.chain_id;
    memcpy(tx->sender, sender, 32);
    tx->nonce = ++*nonce;
    tx->expiry_ms = f->now_ms + 60000;
    uint8_t txid[32];
    const char *field = NULL;
    if (wt_tx_id(txid, &field, tx) != WT_OK)
        abort();
    wt_apply_opts opts = {.now_ms = f->now_ms, .sig_verified = true};
    wt_err err = wt_ledger_apply(f->ctx, f->state, &field, tx, txid, &opts);
    if (err != WT_OK) {
        fprintf(stderr, "bench settle: apply: %s (%s)\n", wt_errname(err), field ? field : "?");
        abort();
    }
}

static int cmp_reading(const void *a, const void *b)
{
    const wt_reading *x = a, *y = b;
    size_t n = x->meter_id.len < y->meter_id.len ? x->meter_id.len : y->meter_id.len;
    int c = memcmp(x->meter_id.bytes, y->meter_id.bytes, n);
    return c != 0 ? c : (int)x->meter_id.len - (int)y->meter_id.len;
}

/* A neighbourhood of `homes` meters: returns the interval to settle. */
static uint64_t fixture_build(fixture *f, unsigned homes)
{
    memset(f, 0, sizeof *f);
    if (wt_ctx_create(&f->ctx) != WT_OK)
        abort();
    bench_key(f->operator_key, "operator", 0);
    bench_key(f->issuer_key, "issuer", 0);
    bench_key(f->gateway, "gateway", 0);
    wt_chain_params *p = &f->params;
    p->chain_id = 9;
    p->genesis_time_ms = INT64_C(1800000000000);
    p->interval_ms = 5000;
    memcpy(p->operator_key, f->operator_key, 32);
    memcpy(p->issuer_key, f->issuer_key, 32);
    bench_key(p->utility_key, "utility", 0);
    p->retail_micro_per_kwh = 150 * BENCH_U;
    p->feed_in_micro_per_kwh = 60 * BENCH_U;
    p->price_ceiling_micro_per_kwh = 1000 * BENCH_U;
    p->zones_count = 1 + FEEDERS;
    strcpy(p->zones[0].name, "campus");
    p->zones[0].parent = WT_CHAIN_ZONE_NONE;
    p->zones[0].fee_micro_per_kwh = 20 * BENCH_U;
    for (int z = 1; z <= FEEDERS; z++) {
        snprintf(p->zones[z].name, sizeof p->zones[z].name, "feeder-%d", z);
        p->zones[z].parent = 0;
        p->zones[z].fee_micro_per_kwh = 5 * BENCH_U;
    }
    if (wt_state_create(&f->state, p) != WT_OK)
        abort();
    f->now_ms = p->genesis_time_ms + 10 * p->interval_ms;
    uint64_t n = (uint64_t)(f->now_ms / p->interval_ms);
    uint64_t rng = 0x5e771e;
    f->book = calloc(homes + homes / 10 + 1, sizeof *f->book);
    wt_reading *readings = calloc(homes, sizeof *readings);
    uint64_t *nonces = calloc(homes, sizeof *nonces);
    if (f->book == NULL || readings == NULL || nonces == NULL)
        abort();

    wt_tx tx;
    wt_tx_init(&tx, WT_TX_REGISTER);
    tx.body.reg.kind = WT_TX_REGISTER_GATEWAY;
    memcpy(tx.body.reg.u.gateway.key, f->gateway, 32);
    apply(f, &tx, f->operator_key, &f->operator_nonce);
    for (unsigned h = 0; h < homes; h++) {
        uint8_t owner[32];
        bench_key(owner, "home", h);
        uint16_t zone = (uint16_t)(1 + h % FEEDERS);
        char id[24];
        snprintf(id, sizeof id, "M%06u", h);
        wt_tx_init(&tx, WT_TX_REGISTER);
        tx.body.reg.kind = WT_TX_REGISTER_METER;
        if (wt_meter_id_set(&tx.body.reg.u.meter.meter_id, id) != WT_OK)
            abort();
        memcpy(tx.body.reg.u.meter.owner, owner, 32);
        tx.body.reg.u.meter.zone = zone;
        memcpy(tx.body.reg.u.meter.gateway, f->gateway, 32);
        apply(f, &tx, f->operator_key, &f->operator_nonce);
        wt_tx_init(&tx, WT_TX_MINT);
        memcpy(tx.body.mint.to, owner, 32);
        tx.body.mint.amount_micro = 1000 * BENCH_U;
        apply(f, &tx, f->issuer_key, &f->issuer_nonce);
        wt_tx_init(&tx, WT_TX_STANDING);
        tx.body.standing.zone = zone;
        tx.body.standing.flags = WT_STANDING_HAS_SELL_MIN | WT_STANDING_HAS_BUY_MAX;
        tx.body.standing.sell_min_micro_per_kwh = rng_range(&rng, 50, 120) * BENCH_U;
        tx.body.standing.buy_max_micro_per_kwh = rng_range(&rng, 100, 200) * BENCH_U;
        apply(f, &tx, owner, &nonces[h]);
        bool exports = h % 2 == 0;
        int64_t energy = rng_range(&rng, 100000, 3 * BENCH_KWH);
        wt_reading *r = &readings[h];
        if (wt_meter_id_set(&r->meter_id, id) != WT_OK)
            abort();
        r->import_mwh = exports ? 0 : energy;
        r->export_mwh = exports ? energy : 0;
        wt_order *o = &f->book[f->book_count++];
        bench_key(o->id.bytes, "meter-order", h);
        o->seq = UINT64_MAX;
        o->energy_mwh = energy;
        o->price_micro_per_kwh = exports ? tx.body.standing.sell_min_micro_per_kwh
                                         : tx.body.standing.buy_max_micro_per_kwh;
        o->owner = h + 1;
        o->zone = zone;
        o->side = exports ? WT_SIDE_SELL : WT_SIDE_BUY;
        if (h % 10 == 0) { /* an explicit order too */
            wt_tx_init(&tx, WT_TX_ORDER);
            tx.body.order.zone = zone;
            tx.body.order.side = (uint8_t)(h % 20 == 0 ? WT_TX_SIDE_BUY : WT_TX_SIDE_SELL);
            tx.body.order.interval = n;
            tx.body.order.energy_mwh = rng_range(&rng, 100000, BENCH_KWH);
            tx.body.order.price_micro_per_kwh = rng_range(&rng, 60, 160) * BENCH_U;
            apply(f, &tx, owner, &nonces[h]);
            wt_order *e = &f->book[f->book_count++];
            bench_key(e->id.bytes, "explicit-order", h);
            e->seq = f->book_count;
            e->energy_mwh = tx.body.order.energy_mwh;
            e->price_micro_per_kwh = tx.body.order.price_micro_per_kwh;
            e->owner = h + 1;
            e->zone = zone;
            e->side = tx.body.order.side == WT_TX_SIDE_BUY ? WT_SIDE_BUY : WT_SIDE_SELL;
        }
    }
    f->now_ms += p->interval_ms;
    qsort(readings, homes, sizeof *readings, cmp_reading);
    for (unsigned at = 0; at < homes; at += WT_READINGS_MAX) {
        unsigned count = homes - at < WT_READINGS_MAX ? homes - at : WT_READINGS_MAX;
        wt_tx_init(&tx, WT_TX_READINGS);
        tx.body.readings.interval = n;
        tx.body.readings.count = (uint16_t)count;
        tx.body.readings.entries = readings + at;
        apply(f, &tx, f->gateway, &f->gateway_nonce);
    }
    free(readings);
    free(nonces);
    return n;
}

static void fixture_free(fixture *f)
{
    wt_state_destroy(f->state);
    wt_ctx_destroy(f->ctx);
    free(f->book);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void run_size(wt_bench_ctx *ctx, unsigned homes, int rounds)
{
    fixture f;
    uint64_t n = fixture_build(&f, homes);
    wt_market market;
    wt_market_default(&market);
    wt_zone zones[1 + FEEDERS];
    for (int z = 0; z <= FEEDERS; z++) {
        zones[z].parent = z == 0 ? WT_ZONE_NONE : 0;
        zones[z].fee_micro_per_kwh = f.params.zones[z].fee_micro_per_kwh;
    }
    market.zones = zones;
    market.zones_count = 1 + FEEDERS;
    market.price_ceiling_micro_per_kwh = f.params.price_ceiling_micro_per_kwh;
    size_t arena_len = wt_book_arena_size(f.book_count, market.zones_count);
    void *arena = malloc(arena_len);
    if (arena == NULL)
        abort();
    double settle_s[16], clear_s[16];
    if (rounds > 16)
        rounds = 16;
    uint64_t legs = 0;
    for (int r = 0; r < rounds; r++) {
        /* alternate, so load from other processes hits both alike */
        double t0 = wt_bench_now_s();
        wt_settlement *s;
        if (wt_settle_compute(&s, f.state, n) != WT_OK)
            abort();
        double t1 = wt_bench_now_s();
        legs = s->legs_count;
        wt_bench_sink_u64(s->legs_count + (uint64_t)s->volume_mwh);
        wt_settlement_free(s);
        wt_clearing c;
        double t2 = wt_bench_now_s();
        if (wt_book_clear(arena, arena_len, &c, &market, f.book, f.book_count) != WT_OK)
            abort();
        double t3 = wt_bench_now_s();
        wt_bench_sink_u64(c.trades_count);
        settle_s[r] = t1 - t0;
        clear_s[r] = t3 - t2;
    }
    qsort(settle_s, (size_t)rounds, sizeof(double), cmp_double);
    qsort(clear_s, (size_t)rounds, sizeof(double), cmp_double);
    double settle_med = settle_s[rounds / 2], clear_med = clear_s[rounds / 2];
    wt_bench_progress(ctx, "%u homes, %zu orders, %llu legs: settle %.3f ms, clear %.3f ms", homes,
                      f.book_count, (unsigned long long)legs, settle_med * 1e3, clear_med * 1e3);
    char metric[64];
    snprintf(metric, sizeof metric, "settle_%u_homes", homes);
    wt_bench_report(ctx, metric, 1.0 / settle_med, "settlements/s", 1.0 / clear_med,
                    "wt_book_clear of the same book");
    free(arena);
    fixture_free(&f);
}

void wt_bench_settle(wt_bench_ctx *ctx)
{
    bool quick = wt_bench_quick(ctx);
    run_size(ctx, quick ? 200 : 1000, quick ? 3 : 15);
    if (!quick)
        run_size(ctx, 10000, 9);
}
