/* fixture.h — a small live neighbourhood for the dashboard's tests: a chain
 * made by the built `wattle chain init` (zones campus, north and south),
 * a real `wattled` on free loopback ports, and real activity through the
 * built `wattle`: a gateway, a café, six households with meters and standing
 * prices, mints, meter readings over a few intervals (so that they clear at
 * a price and settle), two payments, one rejected transfer and a very large
 * mint (above 2^53 micro-U, to catch any display that goes through a
 * double). Every step goes through the daemon's public interfaces. */
#ifndef WATTLE_TESTS_DASHBOARD_FIXTURE_H
#define WATTLE_TESTS_DASHBOARD_FIXTURE_H

#include "proc.h"
#include "run_cmd.h"
#include "wallet.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define DASH_HOMES 6
/* 2^53 + 1 micro-U: the smallest amount a double cannot hold */
#define DASH_WHALE_MICRO 9007199254740993LL

typedef struct {
    char tmp[256]; /* short enough for every path made in it */
    char chain[WT_PROC_PATH_MAX];
    const char *wattle;
    wt_wattled d;
    int64_t interval_ms;
    char home_key[DASH_HOMES][WT_PROC_PATH_MAX];
    char home[DASH_HOMES][WT_ADDRESS_CHARS + 1]; /* home01 .. home06 */
    char gateway_key[WT_PROC_PATH_MAX], cafe[WT_ADDRESS_CHARS + 1], whale[WT_ADDRESS_CHARS + 1];
    uint64_t first_reading, last_reading; /* intervals whose readings went in */
} dash_fx;

/* Make the chain (extra_ini appended to its wattled.ini, or NULL), start
 * wattled and run `intervals` intervals of readings, then wait until the
 * last of them is settled. Fails the test (cmocka) on any error. */
void dash_fx_start(dash_fx *f, const char *wattled, const char *wattle, int64_t interval_ms,
                   int intervals, const char *extra_ini);
/* Run the built `wattle` with the listed arguments (NULL-terminated) against
 * the daemon; fails the test unless it exits 0. Its standard output goes to
 * out (out_cap bytes) unless out is NULL. */
#define dash_wattle(f, out, out_cap, ...)                                                          \
    do {                                                                                           \
        run_result dash_r_;                                                                        \
        run_cmdl(&dash_r_, (f)->wattle, __VA_ARGS__);                                              \
        dash_expect_ok(&dash_r_, out, out_cap);                                                    \
    } while (0)
void dash_expect_ok(run_result *r, char *out, size_t out_cap);
/* Keep the market running: a child process that submits each interval's
 * readings as it ends, for `intervals` intervals (errors ignored: a late
 * one is refused and counted, which is fine for a live page). Returns its
 * pid; stop it with wt_proc_stop. */
pid_t dash_fx_feed(dash_fx *f, int intervals);
/* Stop wattled cleanly and remove the folder. */
void dash_fx_stop(dash_fx *f);

/* GET/POST path: the parsed JSON body (new reference) when the status is
 * `status`, else the test fails showing the body. */
json_t *dash_json(dash_fx *f, const char *method, const char *path, int status);
/* The integer at key of o (fails the test when it is not one). */
int64_t dash_int(const json_t *o, const char *key);

#endif /* WATTLE_TESTS_DASHBOARD_FIXTURE_H */
