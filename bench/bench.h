/*
 * bench.h — the benchmark harness behind `wattle-bench NAME`.
 *
 * Every benchmark measures its figure and, in the same run on the same
 * inputs, a baseline in the same unit (a raw libsecp256k1 loop, a raw SQLite
 * insert loop, a plain qsort …), and reports both through wt_bench_report,
 * which prints one JSON object per line:
 *   {"bench":"amount","metric":"amount_rule","value":…,"unit":"ops/s",
 *    "baseline":…,"baseline_name":"…","ratio":value/baseline}
 * Shared, noisy machines make absolute figures vary; the ratio is the figure
 * that carries from run to run.
 *
 * To add a benchmark: write bench_NAME.c defining `void wt_bench_NAME(wt_bench_ctx *ctx)`,
 * declare it below, add it to the table in main.c and to bench/meson.build.
 */
#ifndef WATTLE_BENCH_H
#define WATTLE_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <nng/nng.h>

typedef struct wt_bench_ctx wt_bench_ctx;

/* Report one result line. baseline > 0; ratio = value / baseline. */
void wt_bench_report(wt_bench_ctx *ctx, const char *metric, double value, const char *unit,
                     double baseline, const char *baseline_name);
/* true under --quick: benchmarks shrink their sizes (a smoke run, not figures). */
bool wt_bench_quick(const wt_bench_ctx *ctx);
/* Seconds on the monotonic clock, for timing a loop. */
double wt_bench_now_s(void);
/* A progress line on stderr ("match: 1e6 orders …"), so long runs show life. */
void wt_bench_progress(wt_bench_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Keep a computed value alive so the optimiser cannot drop the loop. */
void wt_bench_sink_u64(uint64_t value);
/* nng_close(s) through wt_nng_close_within (wallet/cli/node_client.h),
 * waiting at most 10 s: with Debian's nng 1.5.2 the pos benchmark's closes
 * hung for good in five of thirty `--quick pos` runs (nng's reaper stuck on
 * a SUB pipe). Past that a warning goes to stderr and the benchmark goes on. */
void wt_bench_nng_close(nng_socket s);

/* The benchmarks. */
void wt_bench_sign(wt_bench_ctx *ctx);
void wt_bench_verify(wt_bench_ctx *ctx);
void wt_bench_codec(wt_bench_ctx *ctx);
void wt_bench_amount(wt_bench_ctx *ctx);
void wt_bench_meter(wt_bench_ctx *ctx);
void wt_bench_match(wt_bench_ctx *ctx);
void wt_bench_ledger(wt_bench_ctx *ctx);
void wt_bench_store(wt_bench_ctx *ctx);
void wt_bench_settle(wt_bench_ctx *ctx);
void wt_bench_e2e(wt_bench_ctx *ctx);
void wt_bench_pos(wt_bench_ctx *ctx);
void wt_bench_sim(wt_bench_ctx *ctx);

/* `wattle-bench --echo-server URL [--verify]`: the e2e benchmark's bare
 * REQ/REP echo baseline, in a process of its own, until SIGTERM or SIGINT;
 * 0 then. With verify, each request's transactions are decoded and their
 * signatures checked before the answer (rejected when one is bad). */
int wt_bench_echo_serve(const char *url, bool verify);

#endif /* WATTLE_BENCH_H */
