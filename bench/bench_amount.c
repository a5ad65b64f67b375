/* bench_amount.c — the amount rule (wt_amount_micro: checked 128-bit
 * multiply-divide by 10^6) against a plain unchecked 128-bit multiply-divide of
 * the same inputs in the same run. */
#include "bench.h"
#include "common.h"

#include <stdlib.h>

#define INPUTS 4096

/* The baseline: what the amount rule would be with no checks at all. */
__attribute__((noinline)) static int64_t plain_muldiv(int64_t energy_mwh, int64_t price)
{
    return (int64_t)(((__int128)energy_mwh * price) / 1000000);
}

void wt_bench_amount(wt_bench_ctx *ctx)
{
    static int64_t energy[INPUTS], price[INPUTS];
    uint64_t x = 88172645463325252u;
    for (int i = 0; i < INPUTS; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        energy[i] = (int64_t)(x % 100000000); /* up to 100 kWh */
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        price[i] = (int64_t)(x % 1000000000); /* up to 1,000 U/kWh */
    }
    long rounds = wt_bench_quick(ctx) ? 200 : 5000;
    double best_rule = 1e9, best_plain = 1e9;
    for (int rep = 0; rep < 5; rep++) {
        uint64_t acc = 0;
        double t0 = wt_bench_now_s();
        for (long r = 0; r < rounds; r++)
            for (int i = 0; i < INPUTS; i++) {
                int64_t a;
                if (wt_amount_micro(&a, energy[i], price[i]) != WT_OK)
                    abort();
                acc += (uint64_t)a;
            }
        double t1 = wt_bench_now_s();
        for (long r = 0; r < rounds; r++)
            for (int i = 0; i < INPUTS; i++)
                acc += (uint64_t)plain_muldiv(energy[i], price[i]);
        double t2 = wt_bench_now_s();
        wt_bench_sink_u64(acc);
        if (t1 - t0 < best_rule)
            best_rule = t1 - t0;
        if (t2 - t1 < best_plain)
            best_plain = t2 - t1;
    }
    double ops = (double)rounds * INPUTS;
    wt_bench_report(ctx, "amount_rule", ops / best_rule, "ops/s", ops / best_plain,
                    "plain_int128_muldiv");
}
