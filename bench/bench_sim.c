/*
 * bench_sim.c — `wattle-bench sim`: the simulator's home-intervals per second
 * for 1,000 homes (400 with PV, 200 with PV and a battery, 400 without, on
 * four feeders under a substation, fixed standing prices) over a year at 15
 * minutes — 35 million home-intervals — in fast mode, and a week of the
 * same in --signed mode; the matcher's and settlement's share of the time.
 * Metric "year_1000_homes_fast" is the year's wall time in seconds.
 * Baseline in the same run: a plain qsort of 1,000 prices per interval,
 * for as many intervals (the least any market clearing must do).
 */
#include "bench.h"
#include "sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char scenario_fmt[] =
    "[scenario]\nname = bench-%u\nstart = 2026-01-01\nduration = %ud\ninterval = 15m\n"
    "seed = 1000\nbalance = 10000000\n"
    "[zone substation]\nfee = 10\n"
    "[zone f1]\nparent = substation\nfee = 5\n[zone f2]\nparent = substation\nfee = 5\n"
    "[zone f3]\nparent = substation\nfee = 5\n[zone f4]\nparent = substation\nfee = 5\n"
    "[strategy standing]\nsell_min = 80\nbuy_max = 140\n"
    "[households solar-1]\ncount = %u\nzone = f1\nstrategy = standing\npv_kwp = 4\n"
    "[households solar-2]\ncount = %u\nzone = f2\nstrategy = standing\npv_kwp = 4\n"
    "[households battery]\ncount = %u\nzone = f3\nstrategy = standing\npv_kwp = 6\n"
    "battery_kwh = 10\nbattery_kw = 5\n"
    "[households plain]\ncount = %u\nzone = f4\nstrategy = standing\n";

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static double run_once(wt_bench_ctx *ctx, unsigned homes, unsigned days, bool signed_mode,
                       double *match_s, uint64_t *home_intervals)
{
    char text[2048];
    snprintf(text, sizeof text, scenario_fmt, homes, days, homes * 2 / 10, homes * 2 / 10,
             homes * 2 / 10, homes - 3 * (homes * 2 / 10));
    wt_sim_scenario sc;
    wt_sim_error err;
    if (wt_sim_scenario_parse(&sc, &err, text, strlen(text), "bench") != WT_OK) {
        fprintf(stderr, "bench sim: %s\n", err.message);
        abort();
    }
    wt_sim_opts opts = {.signed_mode = signed_mode};
    wt_sim_result *res;
    double t0 = wt_bench_now_s();
    if (wt_sim_run(&res, &err, &sc, &opts) != WT_OK) {
        fprintf(stderr, "bench sim: %s\n", err.message);
        abort();
    }
    double s = wt_bench_now_s() - t0;
    *match_s = res->match_seconds;
    *home_intervals = res->kpis.households * res->kpis.intervals;
    wt_bench_progress(ctx,
                      "%u homes, %u days%s: %.2f s, settlement %.2f s (%.0f%%), %llu txs, "
                      "P2P %lld kWh",
                      homes, days, signed_mode ? ", signed" : "", s, res->match_seconds,
                      100.0 * res->match_seconds / s, (unsigned long long)res->kpis.transactions,
                      (long long)(res->kpis.p2p_mwh / 1000000));
    wt_bench_sink_u64((uint64_t)res->kpis.p2p_mwh);
    wt_sim_result_free(res);
    return s;
}

/* qsort of `homes` prices, `intervals` times: seconds. */
static double baseline_s(unsigned homes, uint64_t intervals)
{
    int64_t *v = malloc(homes * sizeof *v);
    if (v == NULL)
        abort();
    uint64_t x = 88172645463325252u;
    double t0 = wt_bench_now_s();
    for (uint64_t i = 0; i < intervals; i++) {
        for (unsigned k = 0; k < homes; k++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            v[k] = (int64_t)(x % 200000000);
        }
        qsort(v, homes, sizeof *v, cmp_i64);
        wt_bench_sink_u64((uint64_t)v[homes / 2]);
    }
    double s = wt_bench_now_s() - t0;
    free(v);
    return s;
}

void wt_bench_sim(wt_bench_ctx *ctx)
{
    bool quick = wt_bench_quick(ctx);
    unsigned homes = quick ? 100 : 1000, days = quick ? 7 : 365, signed_days = quick ? 2 : 7;
    double match_s;
    uint64_t hi;
    double year_s = run_once(ctx, homes, days, false, &match_s, &hi);
    double base_s = baseline_s(homes, (uint64_t)days * 96);
    wt_bench_report(ctx, quick ? "year_100_homes_fast_quick" : "year_1000_homes_fast", year_s, "s",
                    base_s, "a qsort of every interval's prices");
    wt_bench_report(ctx, "home_intervals_fast", (double)hi / year_s, "home-intervals/s",
                    (double)hi / base_s, "a qsort of every interval's prices");
    wt_bench_report(ctx, "settlement_share_fast", match_s / year_s, "fraction", 1.0,
                    "the whole run");
    double signed_match_s;
    uint64_t signed_hi;
    double signed_s = run_once(ctx, homes, signed_days, true, &signed_match_s, &signed_hi);
    double fast_week_s = run_once(ctx, homes, signed_days, false, &match_s, &hi);
    wt_bench_report(ctx, "home_intervals_signed", (double)signed_hi / signed_s, "home-intervals/s",
                    (double)hi / fast_week_s, "fast mode, the same week");
}
