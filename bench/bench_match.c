/* bench_match.c — `wattle-bench match`: clearing books of 1e3..1e6 orders
 * (pay-as-clear, one zone, shuffled sequence numbers, random txid-like ids,
 * owners so that self-trade prevention is live) beside a plain qsort of the
 * same orders by the same priority in the same run; plus the arena's bytes
 * per order. Reported: clear_1eN in seconds (baseline: the qsort, ratio =
 * clear / qsort, so lower is better) and orders/s.
 *
 * The baseline is the cheapest plain qsort that yields the priority order:
 * 24-byte records (side-and-price key, seq, pointer to the order for the id
 * tie-break), built before the clock starts. Sorting the 72-byte orders
 * themselves is about three times slower and would flatter the ratio. */
#include "bench.h"
#include "matcher.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/* A neighbourhood's interval: prices 30..250 U/kWh at micro resolution,
 * 1..10,000 mWh each, one owner per four orders on average. */
static void make_book(wt_order *orders, size_t n, uint64_t seed)
{
    uint64_t s = seed;
    for (size_t i = 0; i < n; i++) {
        wt_order *o = &orders[i];
        memset(o, 0, sizeof *o);
        for (int w = 0; w < 4; w++) {
            uint64_t r = rng_next(&s);
            memcpy(o->id.bytes + 8 * w, &r, 8);
        }
        o->side = (rng_next(&s) & 1) ? WT_SIDE_BUY : WT_SIDE_SELL;
        o->energy_mwh = 1 + (int64_t)(rng_next(&s) % 10000);
        int64_t lo = o->side == WT_SIDE_BUY ? 50000000 : 30000000;
        o->price_micro_per_kwh = lo + (int64_t)(rng_next(&s) % 200000001);
        o->owner = 1 + (uint32_t)(rng_next(&s) % (n / 4 + 1));
        o->seq = i;
    }
    /* Shuffle so sequence numbers arrive in no particular order. */
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)(rng_next(&s) % i);
        wt_order t = orders[i - 1];
        orders[i - 1] = orders[j];
        orders[j] = t;
    }
}

/* The baseline's records: bids first by price descending, then asks by
 * price ascending, in one signed key; then seq; then id. */
typedef struct {
    int64_t key;
    uint64_t seq;
    const wt_order *order;
} sort_rec;

static int priority_cmp(const void *pa, const void *pb)
{
    const sort_rec *a = pa, *b = pb;
    if (a->key != b->key)
        return a->key < b->key ? -1 : 1;
    if (a->seq != b->seq)
        return a->seq < b->seq ? -1 : 1;
    return memcmp(a->order->id.bytes, b->order->id.bytes, WT_ORDER_ID_BYTES);
}

static void records_make(sort_rec *recs, const wt_order *orders, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const wt_order *o = &orders[i];
        recs[i].key = o->side == WT_SIDE_BUY ? -o->price_micro_per_kwh
                                             : WT_PRICE_MICRO_PER_KWH_MAX + o->price_micro_per_kwh;
        recs[i].seq = o->seq;
        recs[i].order = o;
    }
}

void wt_bench_match(wt_bench_ctx *ctx)
{
    static const size_t sizes[] = {1000, 10000, 100000, 1000000};
    static const char *const names[] = {"1e3", "1e4", "1e5", "1e6"};
    bool quick = wt_bench_quick(ctx);
    size_t count = quick ? 3 : 4;
    size_t n_max = sizes[count - 1];
    wt_order *orders = malloc(n_max * sizeof *orders);
    sort_rec *recs = malloc(n_max * sizeof *recs);
    size_t arena_len = wt_book_arena_size(n_max, 1);
    void *arena = malloc(arena_len);
    if (orders == NULL || recs == NULL || arena == NULL) {
        fprintf(stderr, "match: out of memory\n");
        exit(1);
    }
    memset(arena, 0, arena_len); /* fault the pages in before timing */
    wt_market market;
    wt_market_default(&market);

    for (size_t s = 0; s < count; s++) {
        size_t n = sizes[s];
        make_book(orders, n, 42 + s);
        wt_bench_progress(ctx, "%s orders", names[s]);
        /* Alternating runs, about a quarter second of each, 5 at least; the
         * best single run of each counts, so a neighbour's burst on a shared
         * machine does not decide the figure. Small books are timed in
         * batches (a run of 1e3 orders is tens of microseconds). */
        int batch = n >= 100000 ? 1 : (int)(100000 / n);
        int runs = n >= 1000000 ? 5 : (int)(250000000 / (n * 200 * (size_t)batch)) + 5;
        if (quick)
            runs = 1;
        double best_clear = 1e9, best_sort = 1e9;
        uint64_t check = 0;
        for (int run = 0; run < runs; run++) {
            double t0 = wt_bench_now_s();
            for (int b = 0; b < batch; b++) {
                wt_clearing c;
                if (wt_book_clear(arena, arena_len, &c, &market, orders, n) != WT_OK) {
                    fprintf(stderr, "match: clearing failed\n");
                    exit(1);
                }
                check += (uint64_t)c.volume_mwh + c.trades_count;
            }
            double clear_s = (wt_bench_now_s() - t0) / batch;
            double sort_s = 0;
            for (int b = 0; b < batch; b++) {
                records_make(recs, orders, n);
                double q0 = wt_bench_now_s();
                qsort(recs, n, sizeof *recs, priority_cmp);
                sort_s += wt_bench_now_s() - q0;
                check += recs[0].seq;
            }
            sort_s /= batch;
            if (clear_s < best_clear)
                best_clear = clear_s;
            if (sort_s < best_sort)
                best_sort = sort_s;
        }
        wt_bench_sink_u64(check);
        char metric[64];
        snprintf(metric, sizeof metric, "clear_%s", names[s]);
        wt_bench_report(ctx, metric, best_clear, "s", best_sort, "qsort_same_orders");
        snprintf(metric, sizeof metric, "orders_per_s_%s", names[s]);
        wt_bench_report(ctx, metric, (double)n / best_clear, "orders/s", (double)n / best_sort,
                        "qsort_same_orders");
    }
    /* Memory: the arena for the largest book, per order, beside the order
     * itself (the input the caller already holds). */
    wt_bench_report(ctx, "peak_bytes_per_order", (double)arena_len / (double)n_max, "bytes",
                    (double)sizeof(wt_order), "input_order_bytes");
    free(arena);
    free(recs);
    free(orders);
}
