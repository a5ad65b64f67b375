/* test_browser.c — the dashboard in headless Chromium (integration): a live
 * neighbourhood (fixture.h) on 2-second intervals like the demo, explicit
 * orders for an interval a few seconds ahead, readings that keep coming
 * every interval (the page is live while it is checked), then browser.js (node +
 * playwright-core + Debian's chromium) opens the page and checks that the
 * height, each zone's latest clearing price, the audited height, the order
 * book's best bid and ask and two balances (one above 2^53 micro-U) shown
 * equal what the HTTP API returns, and saves screenshots into the build
 * folder. argv: wattled wattle node browser.js chromium out-dir. */
#include "fixture.h"
#include "testutil.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define INTERVAL_MS    2000
#define INTERVALS      6
#define NODE_TIMEOUT_S 180
#define ORDERS_AHEAD   7 /* intervals: the browser checks come first */

static char **args;

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void test_dashboard_in_chromium(void **state)
{
    (void)state;
    const char *node = args[3], *script = args[4], *chromium = args[5], *out_dir = args[6];
    /* playwright-core is installed by ./run (npm ci beside browser.js) */
    char modules[1024];
    snprintf(modules, sizeof modules, "%.*s/node_modules/playwright-core/package.json",
             (int)(strrchr(script, '/') - script), script);
    if (access(modules, R_OK) != 0)
        fail_msg("%s is missing: run ./run build (it runs npm ci in tests/dashboard)", modules);
    if (access(chromium, X_OK) != 0)
        fail_msg("%s is missing: ./run installs Debian's chromium", chromium);

    dash_fx fx;
    dash_fx_start(&fx, args[1], args[2], INTERVAL_MS, INTERVALS,
                  "[audit]\nevery_s = 0\nmin_gap_s = 0\n");
    /* explicit orders in north for an interval that opens while the page is
     * checked: the book has depth then */
    uint64_t book = (uint64_t)(now_ms() / INTERVAL_MS) + ORDERS_AHEAD;
    char interval[24];
    snprintf(interval, sizeof interval, "%llu", (unsigned long long)book);
    static const struct {
        int home;
        const char *side, *kwh, *price;
    } orders[] = {{1, "buy", "1.5", "141"},
                  {1, "buy", "0.75", "138.5"},
                  {5, "buy", "0.4", "141"},
                  {0, "sell", "0.8", "126"},
                  {2, "sell", "1.1", "131.25"}};
    for (size_t i = 0; i < sizeof orders / sizeof orders[0]; i++)
        dash_wattle(&fx, NULL, 0, "order", "--key", fx.home_key[orders[i].home], "--zone",
                    orders[i].home < DASH_HOMES / 2 ? "north" : "south", "--side", orders[i].side,
                    "--interval", interval, "--energy-kwh", orders[i].kwh, "--price",
                    orders[i].price, NULL);

    /* the market goes on while the page is looked at */
    pid_t feeder = dash_fx_feed(&fx, 60);

    char log_path[WT_PROC_PATH_MAX + 16];
    snprintf(log_path, sizeof log_path, "%s/browser.log", fx.tmp);
    char *const argv[] = {
        (char *)node,     (char *)script, "--url",           fx.d.http_url, "--household",
        fx.home[0],       "--whale",      fx.whale,          "--zones",     "north,south,campus",
        "--book-zone",    "north",        "--book-interval", interval,      "--chromium",
        (char *)chromium, "--out-dir",    (char *)out_dir,   NULL};
    pid_t pid = wt_proc_spawn(log_path, argv);
    assert_true(pid > 0);
    int status = -1;
    for (int waited_ms = 0; waited_ms < NODE_TIMEOUT_S * 1000; waited_ms += 100) {
        if (waitpid(pid, &status, WNOHANG) == pid) {
            pid = 0;
            break;
        }
        wt_proc_sleep_ms(100);
    }
    if (pid > 0) {
        wt_proc_stop(&pid, SIGKILL);
        wt_proc_stop(&feeder, SIGTERM);
        wt_proc_print_file(log_path);
        fail_msg("browser.js did not finish in %d s", NODE_TIMEOUT_S);
    }
    wt_proc_stop(&feeder, SIGTERM);
    wt_proc_print_file(log_path);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        wt_proc_print_file(fx.d.log_path);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    dash_fx_stop(&fx);
}

int main(int argc, char **argv)
{
    if (argc < 7) {
        fprintf(stderr, "usage: %s WATTLED WATTLE NODE BROWSER.JS CHROMIUM OUT-DIR\n", argv[0]);
        return 2;
    }
    args = argv;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dashboard_in_chromium),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
