/* main.c — `wattle-bench [--table] [--quick] [NAME …]`: runs the named
 * benchmarks (all when none is named) and prints one JSON object per result. */
#include "bench.h"
#include "common.h"
#include "node_client.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
    const char *name;
    const char *summary;
    void (*run)(wt_bench_ctx *ctx);
} bench_def;

static const bench_def benches[] = {
    {"sign", "BIP340 signs/s, 1 thread and all cores, vs a raw libsecp256k1 loop", wt_bench_sign},
    {"verify", "BIP340 verifies/s, 1 thread and all cores, vs a raw libsecp256k1 loop",
     wt_bench_verify},
    {"codec", "transactions encoded/decoded/hashed per second vs memcpy/SHA-256", wt_bench_codec},
    {"amount", "the amount rule (checked 128-bit multiply-divide) vs a plain 128-bit multiply",
     wt_bench_amount},
    {"meter",
     "DSMR telegrams and SML frames parsed per second vs a memchr scan of the same bytes; "
     "readings ingested by the engine in gateway batches of 1,000 vs the in-memory transition",
     wt_bench_meter},
    {"match", "clearing 1e3..1e6-order books vs a plain qsort of the same orders", wt_bench_match},
    {"ledger", "signed transfers committed per second through the node, and the audit rate",
     wt_bench_ledger},
    {"store", "durable append_batch at batch 1/64/1024 vs a raw SQLite insert loop",
     wt_bench_store},
    {"settle", "one interval's settlement (1e3 and 1e4 metered homes) vs wt_book_clear alone",
     wt_bench_settle},
    {"e2e", "wattled over loopback: nng batched/single submission, p99 ack, HTTP account reads",
     wt_bench_e2e},
    {"pos", "payment confirmation latency (submit → terminal event) under background payments",
     wt_bench_pos},
    {"sim",
     "wattle-sim: a year of 1,000 homes at 15 minutes (fast), a week signed, vs a qsort per "
     "interval",
     wt_bench_sim},
};
#define BENCH_COUNT (sizeof benches / sizeof benches[0])

#define RESULTS_MAX 256

typedef struct {
    char bench[32];
    char metric[64];
    char unit[32];
    char baseline_name[64];
    double value, baseline, ratio;
} result;

struct wt_bench_ctx {
    const char *bench;
    bool quick;
    result results[RESULTS_MAX];
    size_t results_count;
};

static volatile uint64_t sink;
void wt_bench_sink_u64(uint64_t value)
{
    sink ^= value;
}

#define CLOSE_WAIT_MS 10000

void wt_bench_nng_close(nng_socket s)
{
    if (!wt_nng_close_within(s, CLOSE_WAIT_MS))
        fprintf(stderr,
                "wattle-bench: nng_close did not return within %d s (nng 1.5.2's stuck reaper,"
                " see README Limits); going on without it\n",
                CLOSE_WAIT_MS / 1000);
}

double wt_bench_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

bool wt_bench_quick(const wt_bench_ctx *ctx)
{
    return ctx->quick;
}

void wt_bench_progress(wt_bench_ctx *ctx, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", ctx->bench);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

void wt_bench_report(wt_bench_ctx *ctx, const char *metric, double value, const char *unit,
                     double baseline, const char *baseline_name)
{
    double ratio = baseline > 0 ? value / baseline : 0;
    printf("{\"bench\":\"%s\",\"metric\":\"%s\",\"value\":%.6g,\"unit\":\"%s\","
           "\"baseline\":%.6g,\"baseline_name\":\"%s\",\"ratio\":%.4f}\n",
           ctx->bench, metric, value, unit, baseline, baseline_name, ratio);
    fflush(stdout);
    if (ctx->results_count < RESULTS_MAX) {
        result *r = &ctx->results[ctx->results_count++];
        snprintf(r->bench, sizeof r->bench, "%s", ctx->bench);
        snprintf(r->metric, sizeof r->metric, "%s", metric);
        snprintf(r->unit, sizeof r->unit, "%s", unit);
        snprintf(r->baseline_name, sizeof r->baseline_name, "%s", baseline_name);
        r->value = value;
        r->baseline = baseline;
        r->ratio = ratio;
    }
}

static void print_table(const wt_bench_ctx *ctx)
{
    fprintf(stderr, "\n| bench | metric | value | unit | baseline (same run) | ratio |\n"
                    "| --- | --- | ---: | --- | --- | ---: |\n");
    for (size_t i = 0; i < ctx->results_count; i++) {
        const result *r = &ctx->results[i];
        fprintf(stderr, "| %s | %s | %.4g | %s | %.4g (%s) | %.3f |\n", r->bench, r->metric,
                r->value, r->unit, r->baseline, r->baseline_name, r->ratio);
    }
}

static void usage(FILE *out)
{
    fprintf(out, "usage: wattle-bench [--table] [--quick] [NAME ...]\n\n"
                 "Runs the named benchmarks (all when none is named) and prints one JSON\n"
                 "object per result line on stdout. Each result carries an in-run baseline\n"
                 "in the same unit and ratio = value / baseline.\n\n"
                 "  --table   also print a Markdown table of all results on stderr\n"
                 "  --quick   small sizes: checks the benchmarks run, figures mean little\n"
                 "  --list    list the benchmarks\n"
                 "  --echo-server URL [--verify]\n"
                 "            serve the e2e benchmark's bare nng echo baseline on URL until\n"
                 "            SIGTERM (e2e starts it itself, as a process of its own); with\n"
                 "            --verify, check each request's signatures before answering\n\n"
                 "benchmarks:\n");
    for (size_t i = 0; i < BENCH_COUNT; i++)
        fprintf(out, "  %-10s %s\n", benches[i].name, benches[i].summary);
}

int main(int argc, char **argv)
{
    wt_heap_keep();
    static wt_bench_ctx ctx;
    bool table = false;
    const char *names[BENCH_COUNT + 1];
    size_t names_count = 0;
    if (argc >= 2 && strcmp(argv[1], "--echo-server") == 0) {
        if (argc == 3 || (argc == 4 && strcmp(argv[3], "--verify") == 0))
            return wt_bench_echo_serve(argv[2], argc == 4);
        fprintf(stderr, "wattle-bench: --echo-server takes a URL and then only --verify\n");
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "--list") == 0) {
            for (size_t b = 0; b < BENCH_COUNT; b++)
                printf("%s\n", benches[b].name);
            return 0;
        } else if (strcmp(argv[i], "--table") == 0) {
            table = true;
        } else if (strcmp(argv[i], "--quick") == 0) {
            ctx.quick = true;
        } else if (argv[i][0] == '-') {
            fprintf(stderr, "wattle-bench: unknown option '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        } else {
            size_t b = 0;
            while (b < BENCH_COUNT && strcmp(benches[b].name, argv[i]) != 0)
                b++;
            if (b == BENCH_COUNT) {
                fprintf(stderr, "wattle-bench: no benchmark named '%s'\n", argv[i]);
                usage(stderr);
                return 2;
            }
            if (names_count < BENCH_COUNT)
                names[names_count++] = benches[b].name;
        }
    }
    for (size_t b = 0; b < BENCH_COUNT; b++) {
        bool selected = names_count == 0;
        for (size_t n = 0; n < names_count; n++)
            selected = selected || strcmp(names[n], benches[b].name) == 0;
        if (!selected)
            continue;
        ctx.bench = benches[b].name;
        benches[b].run(&ctx);
    }
    if (table)
        print_table(&ctx);
    return 0;
}
