/* test_config.c — wattled's settings (defaults, wattled.ini through libinih,
 * flags that override it) and the interval clock's arithmetic, driven by
 * explicit times instead of a clock. */
#include "daemon.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void write_ini(char *path, size_t cap, const char *text)
{
    snprintf(path, cap, "/tmp/wattled-ini-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
}

static void test_interval_arithmetic(void **state)
{
    (void)state;
    assert_int_equal(wt_interval_of(0, 5000), 0);
    assert_int_equal(wt_interval_of(4999, 5000), 0);
    assert_int_equal(wt_interval_of(5000, 5000), 1);
    assert_int_equal(wt_interval_of(-1, 5000), 0);
    /* next = 10: it ends at 55,000 */
    assert_int_equal(wt_interval_due(54999, 5000, 10), 0);
    assert_int_equal(wt_interval_due(55000, 5000, 10), 1);
    assert_int_equal(wt_interval_due(69999, 5000, 10), 3); /* behind: 10, 11, 12 */
    assert_int_equal(wt_interval_due(1000, 5000, 10), 0);  /* clock behind the chain */
    assert_int_equal(wt_interval_wait_ms(50000, 5000, 10), 5000);
    assert_int_equal(wt_interval_wait_ms(54999, 5000, 10), 1);
    assert_int_equal(wt_interval_wait_ms(60000, 5000, 10), 0);
    assert_int_equal(wt_interval_wait_ms(0, 5000, UINT64_MAX), INT64_MAX);
    /* restart: genesis opens its interval; later, the one after the tip */
    assert_int_equal(wt_interval_first(0, 77), 77);
    assert_int_equal(wt_interval_first(5, 77), 78);
}

/* A fake clock walking forward irregularly: closing every due interval at
 * each tick closes each interval exactly once, in order, none skipped. */
static void test_interval_walk(void **state)
{
    (void)state;
    wt_test_rng rng;
    wt_test_rng_init(&rng, wt_test_seed(7));
    int64_t now = 1800000000000;
    const int64_t ims = 1000;
    uint64_t next = wt_interval_of(now, ims), first = next, closed = 0;
    for (int step = 0; step < 10000; step++) {
        now += wt_test_rng_range(&rng, 0, 3500); /* sometimes several intervals late */
        uint64_t due = wt_interval_due(now, ims, next);
        for (uint64_t k = 0; k < due; k++) {
            /* interval `next` has ended: its end is <= now */
            assert_true(((int64_t)next + 1) * ims <= now);
            next++;
            closed++;
        }
        assert_true(((int64_t)next + 1) * ims > now); /* the open one has not ended */
    }
    assert_int_equal(closed, next - first);
}

static void test_ini_and_flags(void **state)
{
    (void)state;
    wt_daemon_config cfg;
    wt_daemon_config_defaults(&cfg);
    assert_string_equal(cfg.http_addr, "127.0.0.1:8080");
    assert_string_equal(cfg.listen_url, "tcp://127.0.0.1:5555");
    assert_int_equal(cfg.inflight_per_sender, 4096);
    assert_int_equal(cfg.rep_contexts, 64);
    assert_int_equal(cfg.rep_workers, 0); /* one per core */
    char path[64], msg[256];
    int line;
    write_ini(path, sizeof path,
              "; comment\n[chain]\nstore = other.db\n[listen]\nhttp = 127.0.0.1:9090\n"
              "nng = ipc:///tmp/x\n[log]\nlevel = warn\n[market]\ninterval_ms = 2000\n"
              "[http]\nbody_max = 4096\n[audit]\nevery_s = 0\nmin_gap_s = 5\n"
              "[limits]\ninflight_per_sender = 16\n[nng]\ncontexts = 512\nworkers = 3\n");
    assert_int_equal(wt_daemon_config_load(&cfg, &line, msg, sizeof msg, path), WT_OK);
    unlink(path);
    assert_string_equal(cfg.store, "other.db");
    assert_string_equal(cfg.http_addr, "127.0.0.1:9090");
    assert_string_equal(cfg.listen_url, "ipc:///tmp/x");
    assert_int_equal(cfg.log_level, WT_LOG_WARN);
    assert_int_equal(cfg.interval_ms, 2000);
    assert_int_equal(cfg.http_body_max, 4096);
    assert_int_equal(cfg.audit_every_s, 0);
    assert_int_equal(cfg.audit_min_gap_s, 5);
    assert_int_equal(cfg.inflight_per_sender, 16);
    assert_int_equal(cfg.rep_contexts, 512);
    assert_int_equal(cfg.rep_workers, 3);
    /* flags override the file */
    char *argv[] = {"wattled",     "--data", "/d",        "--http=127.0.0.1:1",
                    "--log-level", "debug",  "--rebuild", NULL};
    bool help;
    assert_int_equal(wt_daemon_config_args(&cfg, &help, msg, sizeof msg, 7, argv), WT_OK);
    assert_false(help);
    assert_string_equal(cfg.http_addr, "127.0.0.1:1");
    assert_int_equal(cfg.log_level, WT_LOG_DEBUG);
    assert_true(cfg.rebuild);
    assert_string_equal(cfg.data_dir, "/d");
    assert_string_equal(wt_daemon_args_data_dir(7, argv), "/d");
    char resolved[256];
    wt_daemon_path(resolved, sizeof resolved, &cfg, cfg.store);
    assert_string_equal(resolved, "/d/other.db");
    wt_daemon_path(resolved, sizeof resolved, &cfg, "/abs.db");
    assert_string_equal(resolved, "/abs.db");
}

static void test_bad_settings(void **state)
{
    (void)state;
    wt_daemon_config cfg;
    wt_daemon_config_defaults(&cfg);
    char path[64], msg[256];
    int line;
    assert_int_equal(wt_daemon_config_load(&cfg, &line, msg, sizeof msg, "/nonexistent/x.ini"),
                     WT_ERR_NOT_FOUND);
    static const char *const bad[] = {
        "[listen]\nhttpx = 1\n",
        "[market]\ninterval_ms = 999\n",
        "[market]\ninterval_ms = 5s\n",
        "[log]\nlevel = loud\n",
        "[http]\nbody_max = -1\n",
        "[nng]\nworkers = 0\n",
        "[nng]\ncontexts = 0\n",
        "[nng]\ncontexts = 4097\n",
        "[nng]\nidle_timeout_s = 0\n",
        "no section = 1\n",
        "[chain]\nstore =\n",
        "[audit]\nevery_s = -5\n",
        "[audit]\nevery_s = 604801\n",
        "[audit]\nmin_gap_s = 1h\n",
        "[limits]\ninflight_per_sender = -1\n",
        "[limits]\ninflight_per_sender = 1048577\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        write_ini(path, sizeof path, bad[i]);
        assert_int_equal(wt_daemon_config_load(&cfg, &line, msg, sizeof msg, path),
                         WT_ERR_BAD_REQUEST);
        assert_true(line >= 1);
        assert_true(msg[0] != '\0');
        unlink(path);
    }
    /* a value past libinih's line buffer: refused by its line number (it was
     * split, and the error named line 3 of 2) */
    char long_ini[512];
    snprintf(long_ini, sizeof long_ini, "[chain]\ngenesis = /tmp/%0230d/genesis.bin\n", 0);
    write_ini(path, sizeof path, long_ini);
    assert_int_equal(wt_daemon_config_load(&cfg, &line, msg, sizeof msg, path), WT_ERR_BAD_REQUEST);
    assert_int_equal(line, 2);
    assert_string_equal(msg, "the line is longer than 198 characters");
    unlink(path);
    bool help;
    char *unknown[] = {"wattled", "--data", "/d", "--port", "1", NULL};
    assert_int_equal(wt_daemon_config_args(&cfg, &help, msg, sizeof msg, 5, unknown),
                     WT_ERR_INVALID_ARGUMENT);
    char *missing[] = {"wattled", "--data", "/d", "--http", NULL};
    assert_int_equal(wt_daemon_config_args(&cfg, &help, msg, sizeof msg, 4, missing),
                     WT_ERR_INVALID_ARGUMENT);
    wt_daemon_config fresh;
    wt_daemon_config_defaults(&fresh);
    char *nodata[] = {"wattled", "--http", "127.0.0.1:1", NULL};
    assert_int_equal(wt_daemon_config_args(&fresh, &help, msg, sizeof msg, 3, nodata),
                     WT_ERR_INVALID_ARGUMENT);
    char *h[] = {"wattled", "--help", NULL};
    assert_int_equal(wt_daemon_config_args(&fresh, &help, msg, sizeof msg, 2, h), WT_OK);
    assert_true(help);
}

int main(void)
{
    wt_test_route_asserts();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_interval_arithmetic),
        cmocka_unit_test(test_interval_walk),
        cmocka_unit_test(test_ini_and_flags),
        cmocka_unit_test(test_bad_settings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
