/* test_replay.c — `wattle-sim replay` against a real wattled on loopback:
 * the 12-home street (15-minute intervals) plays at 900 x onto a chain of
 * 1 s intervals for three intervals; every transaction commits, and the
 * node's own settlement of each replayed interval holds exactly the meters'
 * energy the in-process run computes for it (timeseries.csv). Mistakes are
 * refused with what to do: a speed that does not fit the chain, a chain
 * without the scenario's zone, a missing key file.
 * argv[1] the source root, argv[2] wattle-sim, argv[3] wattled, argv[4] wattle. */
#include "proc.h"
#include "run_cmd.h"
#include "testutil.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INTERVALS 3

static const char *root, *wattle_sim, *wattled_path, *wattle_path;

typedef struct {
    char tmp[WT_PROC_PATH_MAX], chain[WT_PROC_PATH_MAX + 16], op_key[WT_PROC_PATH_MAX + 32],
        issuer_key[WT_PROC_PATH_MAX + 32], scenario[WT_PROC_PATH_MAX];
    wt_wattled d;
} fx;

static void chain_up(fx *f, const char *zones)
{
    memset(f, 0, sizeof *f);
    assert_int_equal(wt_proc_tmpdir(f->tmp, sizeof f->tmp, "wattle-replay"), 0);
    snprintf(f->chain, sizeof f->chain, "%s/chain", f->tmp);
    snprintf(f->op_key, sizeof f->op_key, "%s/operator.key", f->chain);
    snprintf(f->issuer_key, sizeof f->issuer_key, "%s/issuer.key", f->chain);
    snprintf(f->scenario, sizeof f->scenario, "%s/examples/street-12.ini", root);
    const char *args[] = {"--interval-ms", "1000", "--zones", zones, "--chain-id", "4243", NULL};
    assert_int_equal(wt_chain_init(wattle_path, f->chain, args), 0);
    assert_int_equal(wt_wattled_init(&f->d, wattled_path, f->chain), 0);
    assert_int_equal(wt_wattled_start(&f->d, NULL), 0);
}

static void chain_down(fx *f)
{
    assert_true(wt_wattled_stop_clean(&f->d));
    char db[WT_PROC_PATH_MAX + 32];
    snprintf(db, sizeof db, "%s/ledger.db", f->chain);
    run_result r;
    run_cmdl(&r, wattle_path, "audit", "--db", db, "--quiet", NULL);
    wt_test_expect_run(&r, 0, NULL, NULL);
    run_result_free(&r);
    wt_proc_rmtree(f->tmp);
}

/* The in-process run's meters' import and export for the first intervals. */
static void sim_meters(fx *f, int64_t import_mwh[INTERVALS], int64_t export_mwh[INTERVALS])
{
    char out[WT_PROC_PATH_MAX + 16], csv[WT_PROC_PATH_MAX + 40];
    snprintf(out, sizeof out, "%s/sim-out", f->tmp);
    run_result r;
    run_cmdl(&r, wattle_sim, "run", f->scenario, "--out", out, "--quiet", NULL);
    wt_test_expect_run(&r, 0, NULL, NULL);
    run_result_free(&r);
    snprintf(csv, sizeof csv, "%s/timeseries.csv", out);
    size_t len;
    char *text = wt_test_read_file(csv, &len);
    assert_non_null(text);
    assert_non_null(strstr(text, ",meters_import_mwh,meters_export_mwh,")); /* columns 8, 9 */
    char *line = strchr(text, '\n');
    for (int k = 0; k < INTERVALS; k++) {
        assert_non_null(line);
        line++;
        long long v[9];
        char stamp[32];
        assert_int_equal(sscanf(line, "%31[^,],%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld", stamp,
                                &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]),
                         9);
        import_mwh[k] = v[6];
        export_mwh[k] = v[7];
        line = strchr(line, '\n');
    }
    free(text);
}

static json_t *settlement(fx *f, unsigned long long n)
{
    char path[64];
    snprintf(path, sizeof path, "/v1/settlements/%llu", n);
    for (int i = 0; i < 100; i++) { /* settled when the next interval closes */
        char *body = NULL;
        int st = wt_proc_http_body(&body, "127.0.0.1", f->d.http_port, "GET", path, NULL, 5000);
        json_t *doc = st == 200 ? json_loads(body, 0, NULL) : NULL;
        free(body);
        if (doc != NULL)
            return doc;
        wt_proc_sleep_ms(100);
    }
    fail_msg("no settlement of interval %llu", n);
    return NULL;
}

static void test_replay_street(void **state)
{
    (void)state;
    static fx f;
    chain_up(&f, "street:0");
    run_result r;
    run_cmdl(&r, wattle_sim, "replay", f.scenario, "--node", f.d.http_url, "--operator-key",
             f.op_key, "--issuer-key", f.issuer_key, "--intervals", "3", "--quiet", NULL);
    wt_test_expect_run(&r, 0, "replayed 3 intervals of street-12", NULL);
    assert_non_null(strstr(r.out, " committed, 0 refused"));
    unsigned long long first = 0, last = 0;
    const char *at = strstr(r.out, "the node settles intervals ");
    assert_non_null(at);
    assert_int_equal(sscanf(at, "the node settles intervals %llu..%llu", &first, &last), 2);
    assert_true(last == first + INTERVALS - 1);
    run_result_free(&r);

    int64_t import_mwh[INTERVALS], export_mwh[INTERVALS];
    sim_meters(&f, import_mwh, export_mwh);
    for (int k = 0; k < INTERVALS; k++) {
        json_t *s = settlement(&f, first + (unsigned long long)k);
        json_t *rows = json_object_get(s, "rows");
        assert_true(json_array_size(rows) > 0);
        int64_t imp = 0, exp = 0;
        size_t i;
        json_t *row;
        json_array_foreach(rows, i, row)
        {
            imp += json_integer_value(json_object_get(row, "import_mwh"));
            exp += json_integer_value(json_object_get(row, "export_mwh"));
        }
        if (imp != import_mwh[k] || exp != export_mwh[k])
            fail_msg("interval %d: the node settled import %lld / export %lld mWh, the "
                     "simulator's meters read %lld / %lld",
                     k, (long long)imp, (long long)exp, (long long)import_mwh[k],
                     (long long)export_mwh[k]);
        json_decref(s);
    }

    /* mistakes, each refused with what to do */
    run_cmdl(&r, wattle_sim, "replay", f.scenario, "--node", f.d.http_url, "--operator-key",
             f.op_key, "--issuer-key", f.issuer_key, "--speed", "10", "--quiet", NULL);
    wt_test_expect_run(&r, 1, NULL, "make the chain with --interval-ms 90000 for --speed 10");
    run_result_free(&r);
    run_cmdl(&r, wattle_sim, "replay", f.scenario, "--node", f.d.http_url, "--operator-key",
             "/nonexistent/operator.key", "--issuer-key", f.issuer_key, "--quiet", NULL);
    wt_test_expect_run(&r, 1, NULL, "cannot load");
    run_result_free(&r);
    run_cmdl(&r, wattle_sim, "replay", f.scenario, "--node", "tcp://127.0.0.1:1", "--operator-key",
             f.op_key, "--issuer-key", f.issuer_key, NULL);
    wt_test_expect_run(&r, 2, NULL, "--node must be http://");
    run_result_free(&r);
    run_cmdl(&r, wattle_sim, "replay", f.scenario, "--node", f.d.http_url, NULL);
    wt_test_expect_run(&r, 2, NULL, "--operator-key FILE");
    run_result_free(&r);
    chain_down(&f);
}

static void test_replay_zone_missing(void **state)
{
    (void)state;
    static fx f;
    chain_up(&f, "campus:10");
    run_result r;
    run_cmdl(&r, wattle_sim, "replay", f.scenario, "--node", f.d.http_url, "--operator-key",
             f.op_key, "--issuer-key", f.issuer_key, "--quiet", NULL);
    wt_test_expect_run(&r, 1, NULL, "the node's chain has no zone 'street'");
    run_result_free(&r);
    chain_down(&f);
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: %s SOURCE_ROOT WATTLE_SIM WATTLED WATTLE\n", argv[0]);
        return 2;
    }
    root = argv[1];
    wattle_sim = argv[2];
    wattled_path = argv[3];
    wattle_path = argv[4];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_replay_street),
        cmocka_unit_test(test_replay_zone_missing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
