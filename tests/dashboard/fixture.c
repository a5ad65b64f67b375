/* fixture.c — see fixture.h. */
#include "fixture.h"

#include "run_cmd.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define HTTP_TIMEOUT_MS 10000

void dash_expect_ok(run_result *r, char *out, size_t out_cap)
{
    wt_test_expect_run(r, 0, NULL, NULL);
    if (out != NULL)
        snprintf(out, out_cap, "%s", r->out);
    run_result_free(r);
}

static void new_key(dash_fx *f, char *path, char *address, const char *name)
{
    snprintf(path, WT_PROC_PATH_MAX, "%s/%s.key", f->tmp, name);
    dash_wattle(f, NULL, 0, "key", "new", "--out", path, NULL);
    char out[256];
    dash_wattle(f, out, sizeof out, "key", "address", path, NULL);
    const char *a = strstr(out, "uc1");
    assert_non_null(a);
    memcpy(address, a, WT_ADDRESS_CHARS);
    address[WT_ADDRESS_CHARS] = '\0';
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Sleep until interval n has begun (plus a little). */
static void wait_interval_start(const dash_fx *f, uint64_t n)
{
    int64_t at = (int64_t)n * f->interval_ms + 50;
    for (int64_t t = now_ms(); t < at; t = now_ms())
        wt_proc_sleep_ms(at - t < 100 ? at - t : 100);
}

static bool is_north(int i)
{
    return i < DASH_HOMES / 2;
}

/* Odd households (home01, home03, ...) have PV and export; even ones import.
 * No cmocka here: the feeder (a child process) writes them too. */
static bool write_readings(const char *path, int k)
{
    FILE *out = fopen(path, "w");
    if (out == NULL)
        return false;
    fprintf(out, "meter,import_mwh,export_mwh\n");
    for (int i = 0; i < DASH_HOMES; i++) {
        int home = i + 1;
        if (home % 2 == 1)
            fprintf(out, "M%02d,0,%d\n", home, 120000 + 25000 * home + 15000 * k);
        else
            fprintf(out, "M%02d,%d,0\n", home, 150000 + (home * 37000 + k * 11000) % 90000);
    }
    return fclose(out) == 0;
}

void dash_fx_start(dash_fx *f, const char *wattled, const char *wattle, int64_t interval_ms,
                   int intervals, const char *extra_ini)
{
    memset(f, 0, sizeof *f);
    f->wattle = wattle;
    f->interval_ms = interval_ms;
    assert_int_equal(wt_proc_tmpdir(f->tmp, sizeof f->tmp, "wattle-dash"), 0);
    snprintf(f->chain, sizeof f->chain, "%s/chain", f->tmp);
    char ivl[24];
    snprintf(ivl, sizeof ivl, "%lld", (long long)interval_ms);
    const char *init[] = {"--interval-ms",
                          ivl,
                          "--zones",
                          "campus:8,north:3:campus,south:3:campus",
                          "--retail",
                          "150",
                          "--feed-in",
                          "60",
                          NULL};
    assert_int_equal(wt_chain_init(wattle, f->chain, init), 0);
    if (extra_ini != NULL) {
        char ini[WT_PROC_PATH_MAX + 16];
        snprintf(ini, sizeof ini, "%s/wattled.ini", f->chain);
        assert_int_equal(wt_proc_append_file(ini, extra_ini), 0);
    }
    assert_int_equal(wt_wattled_init(&f->d, wattled, f->chain), 0);
    assert_int_equal(wt_wattled_start(&f->d, NULL), 0);
    setenv("WATTLE_NODE", f->d.http_url, 1);
    unsetenv("WATTLE_PASSPHRASE");

    char op[WT_PROC_PATH_MAX + 16], issuer[WT_PROC_PATH_MAX + 16];
    snprintf(op, sizeof op, "%s/operator.key", f->chain);
    snprintf(issuer, sizeof issuer, "%s/issuer.key", f->chain);
    char gateway[WT_ADDRESS_CHARS + 1], cafe_key[WT_PROC_PATH_MAX], whale_key[WT_PROC_PATH_MAX];
    new_key(f, f->gateway_key, gateway, "gateway");
    new_key(f, cafe_key, f->cafe, "cafe");
    new_key(f, whale_key, f->whale, "whale");
    dash_wattle(f, NULL, 0, "register", "gateway", "--key", op, "--gateway", gateway, NULL);
    dash_wattle(f, NULL, 0, "register", "merchant", "--key", op, "--merchant", f->cafe, "--name",
                "Campus Cafe", NULL);
    for (int i = 0; i < DASH_HOMES; i++) {
        char name[16], meter[8], sell[16], buy[16];
        snprintf(name, sizeof name, "home%02d", i + 1);
        snprintf(meter, sizeof meter, "M%02d", i + 1);
        new_key(f, f->home_key[i], f->home[i], name);
        const char *zone = is_north(i) ? "north" : "south";
        dash_wattle(f, NULL, 0, "register", "meter", "--key", op, "--meter", meter, "--owner",
                    f->home[i], "--zone", zone, "--gateway", gateway, NULL);
        dash_wattle(f, NULL, 0, "mint", "--key", issuer, "--to", f->home[i], "--amount", "20000",
                    NULL);
        snprintf(buy, sizeof buy, "%d", 140 + 5 * i);
        if ((i + 1) % 2 == 1) {
            snprintf(sell, sizeof sell, "%d", 80 + 10 * i);
            dash_wattle(f, NULL, 0, "standing", "--key", f->home_key[i], "--zone", zone,
                        "--sell-min", sell, "--buy-max", buy, NULL);
        } else {
            dash_wattle(f, NULL, 0, "standing", "--key", f->home_key[i], "--zone", zone,
                        "--buy-max", buy, NULL);
        }
    }
    /* 2^53 + 1 micro-U: shown rounded by anything that parses JSON numbers
     * into doubles */
    dash_wattle(f, NULL, 0, "mint", "--key", issuer, "--to", f->whale, "--amount",
                "9007199254.740993", NULL);

    /* readings: each interval's, as soon as it has ended (it is settled when
     * the next one closes) */
    uint64_t n = (uint64_t)(now_ms() / interval_ms) + 1;
    for (int k = 0; k < intervals; k++, n++) {
        wait_interval_start(f, n + 1);
        char csv[WT_PROC_PATH_MAX + 32], interval[24];
        snprintf(csv, sizeof csv, "%s/readings-%d.csv", f->tmp, k);
        snprintf(interval, sizeof interval, "%llu", (unsigned long long)n);
        assert_true(write_readings(csv, k));
        dash_wattle(f, NULL, 0, "readings", "submit", "--key", f->gateway_key, "--interval",
                    interval, csv, NULL);
        if (k == 0)
            f->first_reading = n;
        f->last_reading = n;
        if (k == 1)
            dash_wattle(f, NULL, 0, "send", "--key", f->home_key[2], "--to", f->cafe, "--amount",
                        "3.5", "--memo", "latte", NULL);
        if (k == 2)
            dash_wattle(f, NULL, 0, "send", "--key", f->home_key[1], "--to", f->home[0], "--amount",
                        "1.25", "--memo", "thanks for the cake", NULL);
    }
    /* a transfer the ledger refuses (insufficient_funds): a rejection to count */
    run_result r;
    run_cmdl(&r, wattle, "send", "--key", f->home_key[3], "--to", f->cafe, "--amount", "1000000",
             NULL);
    wt_test_expect_run(&r, 1, NULL, "insufficient_funds");
    run_result_free(&r);
    /* the last readings' interval is settled when the one after it closes */
    wait_interval_start(f, f->last_reading + 2);
    for (int tries = 0; tries < 100; tries++) {
        char path[64];
        snprintf(path, sizeof path, "/v1/settlements/%llu", (unsigned long long)f->last_reading);
        wt_proc_reply rep;
        if (wt_proc_http(&rep, "127.0.0.1", f->d.http_port, "GET", path, NULL, NULL,
                         HTTP_TIMEOUT_MS) == 0) {
            wt_proc_reply_free(&rep);
            if (rep.status == 200)
                return;
        }
        wt_proc_sleep_ms(100);
    }
    fail_msg("interval %llu was not settled in time", (unsigned long long)f->last_reading);
}

pid_t dash_fx_feed(dash_fx *f, int intervals)
{
    uint64_t n = (uint64_t)(now_ms() / f->interval_ms); /* the open interval */
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid > 0)
        return pid;
    for (int k = 0; k < intervals; k++, n++) {
        wait_interval_start(f, n + 1);
        char csv[WT_PROC_PATH_MAX + 32], interval[24];
        snprintf(csv, sizeof csv, "%s/feed-%d.csv", f->tmp, k);
        snprintf(interval, sizeof interval, "%llu", (unsigned long long)n);
        if (!write_readings(csv, 6 + k))
            _exit(1);
        run_result r;
        run_cmdl(&r, f->wattle, "readings", "submit", "--key", f->gateway_key, "--interval",
                 interval, csv, NULL);
        run_result_free(&r);
    }
    _exit(0);
}

void dash_fx_stop(dash_fx *f)
{
    if (f->d.pid > 0)
        assert_true(wt_wattled_stop_clean(&f->d));
    wt_proc_rmtree(f->tmp);
}

json_t *dash_json(dash_fx *f, const char *method, const char *path, int status)
{
    wt_proc_reply r;
    assert_int_equal(
        wt_proc_http(&r, "127.0.0.1", f->d.http_port, method, path, NULL, NULL, HTTP_TIMEOUT_MS),
        0);
    if (r.status != status)
        fail_msg("%s %s: status %d, expected %d: %s", method, path, r.status, status, r.body);
    json_error_t e;
    json_t *doc = json_loads(r.body, 0, &e);
    if (doc == NULL)
        fail_msg("%s %s: not JSON (%s): %s", method, path, e.text, r.body);
    wt_proc_reply_free(&r);
    return doc;
}

int64_t dash_int(const json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_integer(v))
        fail_msg("'%s' is not an integer", key);
    return (int64_t)json_integer_value(v);
}
