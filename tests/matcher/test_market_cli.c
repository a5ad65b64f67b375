/*
 * test_market_cli.c — `wattle market clear` as a user runs it (argv[1] is the
 * wattle program): the exact output for DESIGN.md's format under both
 * mechanisms and several k, stdin, zones, the residual file, --help, and the
 * messages and exit status of usage and input errors.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *g_wattle;
static char g_dir[64];

static void write_file(const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", g_dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static char *read_back(const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", g_dir, name);
    size_t len;
    char *text = wt_test_read_file(path, &len);
    assert_non_null(text);
    return text;
}

/* Run "wattle ARGS" in the scratch folder; stdout and stderr to files. */
static int run(const char *args)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "cd %s && '%s' %s >out.txt 2>err.txt", g_dir, g_wattle, args);
    int status = system(cmd);
    assert_true(WIFEXITED(status));
    return WEXITSTATUS(status);
}

static void expect_run(const char *args, int code, const char *out, const char *err_part)
{
    int got = run(args);
    char *o = read_back("out.txt"), *e = read_back("err.txt");
    if (got != code || (out != NULL && strcmp(o, out) != 0) ||
        (err_part != NULL && strstr(e, err_part) == NULL))
        fail_msg("wattle %s: exit %d (want %d)\nstdout:\n%s\nstderr:\n%s\nwanted stdout:\n%s\n"
                 "wanted in stderr: %s",
                 args, got, code, o, e, out != NULL ? out : "(any)",
                 err_part != NULL ? err_part : "(any)");
    free(o);
    free(e);
}

#define ORDERS                                                                                     \
    "id,side,energy_mwh,price_micro_per_kwh\n"                                                     \
    "1,buy,2000,120000000\n"                                                                       \
    "2,sell,1500,80000000\n"                                                                       \
    "3,sell,1000,100000000\n"
#define TRADES_HEADER "buy_id,sell_id,energy_mwh,price_micro_per_kwh,amount_micro\n"

/* Bid 1 takes 1500 of 2 (80) and 500 of 3 (100): ask_m 100, bid_m 120. */
static void test_clear_outputs(void **state)
{
    (void)state;
    write_file("orders.csv", ORDERS);
    expect_run("market clear orders.csv", 0,
               "price_micro_per_kwh=110000000 volume_mwh=2000\n" TRADES_HEADER
               "1,2,1500,110000000,165000\n"
               "1,3,500,110000000,55000\n",
               "");
    expect_run("market clear --mechanism pay-as-clear --k 0 orders.csv", 0,
               "price_micro_per_kwh=100000000 volume_mwh=2000\n" TRADES_HEADER
               "1,2,1500,100000000,150000\n"
               "1,3,500,100000000,50000\n",
               "");
    expect_run("market clear --k 1 orders.csv", 0,
               "price_micro_per_kwh=120000000 volume_mwh=2000\n" TRADES_HEADER
               "1,2,1500,120000000,180000\n"
               "1,3,500,120000000,60000\n",
               "");
    expect_run("market clear --k 0.25 orders.csv", 0,
               "price_micro_per_kwh=105000000 volume_mwh=2000\n" TRADES_HEADER
               "1,2,1500,105000000,157500\n"
               "1,3,500,105000000,52500\n",
               "");
    expect_run("market clear --mechanism pay-as-bid orders.csv", 0,
               "price_micro_per_kwh=120000000 volume_mwh=2000\n" TRADES_HEADER
               "1,2,1500,120000000,180000\n"
               "1,3,500,120000000,60000\n",
               "");
    expect_run("market clear - <orders.csv", 0,
               "price_micro_per_kwh=110000000 volume_mwh=2000\n" TRADES_HEADER
               "1,2,1500,110000000,165000\n"
               "1,3,500,110000000,55000\n",
               "");
    write_file("empty.csv", "id,side,energy_mwh,price_micro_per_kwh\n");
    expect_run("market clear empty.csv", 0, "price_micro_per_kwh=0 volume_mwh=0\n" TRADES_HEADER,
               "");
}

static void test_zones_and_residual(void **state)
{
    (void)state;
    write_file("zones.csv", "zone,parent,fee_micro_per_kwh\n"
                            "substation,,20000000\n"
                            "house-a,substation,5000000\n"
                            "house-b,substation,5000000\n");
    write_file("zoned.csv", "id,side,energy_mwh,price_micro_per_kwh,zone,owner\n"
                            "a1,buy,2000,150000000,house-a,ann\n"
                            "a2,sell,1000,100000000,house-a,al\n"
                            "b1,sell,3000,90000000,house-b,bo\n"
                            "b2,buy,1000,130000000,house-b,bea\n");
    expect_run("market clear --zones zones.csv --residual residual.csv zoned.csv", 0,
               "price_micro_per_kwh=113333333 volume_mwh=3000\n"
               "buy_id,sell_id,energy_mwh,price_micro_per_kwh,amount_micro,zone,fee_micro\n"
               "a1,a2,1000,122500000,122500,house-a,5000\n"
               "b2,b1,1000,107500000,107500,house-b,5000\n"
               "a1,b1,1000,110000000,110000,substation,20000\n",
               "");
    char *res = read_back("residual.csv");
    assert_string_equal(res, "id,side,energy_mwh,filled_mwh,unfilled_mwh\n"
                             "a1,buy,2000,2000,0\n"
                             "a2,sell,1000,1000,0\n"
                             "b1,sell,3000,2000,1000\n"
                             "b2,buy,1000,1000,0\n");
    free(res);
    /* Without a zones file each named zone sits under one root, no fees:
     * house-a and house-b clear locally (at 125 and 110), b1's rest meets
     * a1's at the root: 90 + (150 - 90) / 2 = 120. */
    expect_run("market clear zoned.csv", 0,
               "price_micro_per_kwh=118333333 volume_mwh=3000\n"
               "buy_id,sell_id,energy_mwh,price_micro_per_kwh,amount_micro,zone,fee_micro\n"
               "a1,a2,1000,125000000,125000,house-a,0\n"
               "b2,b1,1000,110000000,110000,house-b,0\n"
               "a1,b1,1000,120000000,120000,root,0\n",
               "");
    /* Self-trade prevention through the owner column. */
    write_file("self.csv", "id,side,energy_mwh,price_micro_per_kwh,owner\n"
                           "1,buy,1000,120000000,x\n"
                           "2,sell,1000,80000000,x\n");
    expect_run("market clear self.csv", 0, "price_micro_per_kwh=0 volume_mwh=0\n" TRADES_HEADER,
               "");
}

static void test_usage_errors(void **state)
{
    (void)state;
    write_file("orders.csv", ORDERS);
    expect_run("market clear --help", 0, NULL, NULL);
    char *out = read_back("out.txt");
    assert_non_null(strstr(out, "usage: wattle market clear"));
    assert_non_null(strstr(out, "pay-as-bid"));
    free(out);
    expect_run("market --help", 0, NULL, NULL);
    expect_run("market", 2, "", "usage: wattle market clear");
    expect_run("market frob", 2, "", "wattle market: unknown subcommand 'frob'");
    expect_run("market clear", 2, "", "wattle market clear: missing ORDERS.csv (see --help)");
    expect_run("market clear --frob orders.csv", 2, "",
               "wattle market clear: unknown option '--frob' (see --help)");
    expect_run("market clear orders.csv other.csv", 2, "",
               "wattle market clear: one ORDERS.csv only (got 'orders.csv' and 'other.csv')");
    expect_run("market clear orders.csv --k", 2, "", "wattle market clear: --k needs a value");
    expect_run("market clear --mechanism uniform orders.csv", 2, "",
               "wattle market clear: --mechanism must be pay-as-clear or pay-as-bid, not "
               "'uniform'");
    expect_run("market clear --k 1.5 orders.csv", 2, "",
               "wattle market clear: --k must be a number in [0, 1] with at most 6 decimals, not "
               "'1.5'");
    expect_run("market clear --k 0.1234567 orders.csv", 2, "", "not '0.1234567'");
    expect_run("market clear --k -0.5 orders.csv", 2, "", "not '-0.5'");
    expect_run("market clear --mechanism pay-as-bid --k 0.5 orders.csv", 2, "",
               "wattle market clear: --k applies to pay-as-clear only");
    expect_run("market clear --ceiling lots orders.csv", 2, "",
               "wattle market clear: --ceiling must be a whole number of micro-U-Coin per kWh in "
               "[0, 1000000000000], not 'lots'");
    expect_run("market clear missing.csv", 2, "",
               "wattle market clear: cannot read missing.csv: No such file or directory");
    expect_run("market clear --zones missing.csv orders.csv", 2, "",
               "wattle market clear: cannot read missing.csv: No such file or directory");
}

static void test_input_errors(void **state)
{
    (void)state;
    write_file("bad.csv", "id,side,energy_mwh,price_micro_per_kwh\n1,buy,2000,120000000\n"
                          "2,sell,abc,80000000\n");
    expect_run("market clear bad.csv", 2, "",
               "wattle market clear: bad.csv: line 3: column 3 (energy_mwh): 'abc' is not a "
               "whole number\n");
    write_file("orders.csv", ORDERS);
    expect_run("market clear --ceiling 100000000 orders.csv", 2, "",
               "wattle market clear: orders.csv: line 2: column 4 (price_micro_per_kwh): "
               "120000000 is outside [0, 100000000]\n");
    write_file("dup.csv", "id,side,energy_mwh,price_micro_per_kwh\n1,buy,1,1\n1,sell,1,1\n");
    expect_run("market clear dup.csv", 2, "",
               "wattle market clear: dup.csv: line 3: column 1 (id): duplicate id '1' (first on "
               "line 2)\n");
    write_file("header.csv", "id;side;energy_mwh;price_micro_per_kwh\n");
    expect_run("market clear header.csv", 2, "",
               "wattle market clear: header.csv: line 1: column 1: unknown column "
               "'id;side;energy_mwh;price_micro_per_kwh'");
    write_file("zones.csv", "zone,parent,fee_micro_per_kwh\nroot,,0\nleaf,nowhere,0\n");
    expect_run("market clear --zones zones.csv orders.csv", 2, "",
               "wattle market clear: zones.csv: line 3: column 2 (parent): unknown parent "
               "'nowhere' (a parent must come before its children)\n");
    write_file("zones.csv", "zone,parent,fee_micro_per_kwh\nroot,,0\n");
    write_file("zoned.csv", "id,side,energy_mwh,price_micro_per_kwh,zone\n1,buy,1,1,elsewhere\n");
    expect_run("market clear --zones zones.csv zoned.csv", 2, "",
               "wattle market clear: zoned.csv: line 2: column 5 (zone): unknown zone "
               "'elsewhere'\n");
}

static int setup(void **state)
{
    (void)state;
    snprintf(g_dir, sizeof g_dir, "/tmp/wattle-market-XXXXXX");
    return mkdtemp(g_dir) == NULL ? -1 : 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s PATH-TO-WATTLE\n", argv[0]);
        return 2;
    }
    g_wattle = argv[1];
    wt_test_route_asserts();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clear_outputs),
        cmocka_unit_test(test_zones_and_residual),
        cmocka_unit_test(test_usage_errors),
        cmocka_unit_test(test_input_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
