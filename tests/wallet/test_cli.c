/* test_cli.c — `wattle key …` and `wattle tx decode` as a user runs them:
 * the built binary in a child process, checking exit status (0 / 1 / 2),
 * output, the key file on disk and the messages for each mistake. */
#include "run_cmd.h"
#include "testutil.h"
#include "wallet.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef WT_WALLET_TEST_DIR
#error "meson defines WT_WALLET_TEST_DIR"
#endif

static char *wattle; /* path of the binary, argv[1] */
static char dir[256];

static int setup(void **state)
{
    (void)state;
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/wattle-cli-XXXXXX", tmp != NULL && *tmp ? tmp : "/tmp");
    unsetenv("WATTLE_PASSPHRASE");
    return mkdtemp(dir) != NULL ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Run wattle with up to 8 arguments (NULL-terminated list). */
static void wattle_run(run_result *r, const char *stdin_text, const char *a0, ...)
{
    char *argv[16];
    int n = 0;
    argv[n++] = wattle;
    va_list ap;
    va_start(ap, a0);
    for (const char *a = a0; a != NULL && n < 15; a = va_arg(ap, const char *))
        argv[n++] = (char *)a;
    va_end(ap);
    argv[n] = NULL;
    run_cmd(r, argv, stdin_text);
}

static void path_of(char *out, size_t cap, const char *name)
{
    snprintf(out, cap, "%s/%s", dir, name);
}

static void test_help(void **state)
{
    (void)state;
    run_result r;
    wattle_run(&r, NULL, "--help", NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "  key "));
    assert_non_null(strstr(r.out, "  tx "));
    run_result_free(&r);
    static const char *const subs[][2] = {{"key", "new"},    {"key", "address"}, {"key", "show"},
                                          {"key", "sign"},   {"key", "verify"},  {"tx", "decode"},
                                          {"key", "--help"}, {"tx", "--help"}};
    for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++) {
        wattle_run(&r, NULL, subs[i][0], subs[i][1], "--help", NULL);
        assert_int_equal(r.status, 0);
        assert_non_null(strstr(r.out, "usage: wattle "));
        run_result_free(&r);
    }
    wattle_run(&r, NULL, "key", "frobnicate", NULL);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "unknown subcommand"));
    run_result_free(&r);
    wattle_run(&r, NULL, "key", "new", "--bogus", "x", NULL);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "unknown option '--bogus'"));
    run_result_free(&r);
}

/* The address printed by `key new` (from "address: …\n"). */
static void address_from(char out[WT_ADDRESS_CHARS + 1], const char *text)
{
    const char *at = strstr(text, "address: ");
    assert_non_null(at);
    memcpy(out, at + 9, WT_ADDRESS_CHARS);
    out[WT_ADDRESS_CHARS] = '\0';
}

static void test_key_lifecycle(void **state)
{
    (void)state;
    char key[512];
    path_of(key, sizeof key, "alice.key");
    run_result r;
    wattle_run(&r, NULL, "key", "new", "--out", key, NULL);
    assert_int_equal(r.status, 0);
    char address[WT_ADDRESS_CHARS + 1];
    address_from(address, r.out);
    run_result_free(&r);

    struct stat st;
    assert_int_equal(stat(key, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);

    /* never overwritten */
    size_t before_len;
    char *before = wt_test_read_file(key, &before_len);
    wattle_run(&r, NULL, "key", "new", "--out", key, NULL);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "never overwritten"));
    run_result_free(&r);
    size_t after_len;
    char *after = wt_test_read_file(key, &after_len);
    assert_int_equal(before_len, after_len);
    assert_memory_equal(before, after, before_len);
    free(after);

    wattle_run(&r, NULL, "key", "address", key, NULL);
    assert_int_equal(r.status, 0);
    char want[256];
    snprintf(want, sizeof want, "%s\n", address);
    assert_string_equal(r.out, want);
    run_result_free(&r);

    wattle_run(&r, NULL, "key", "show", key, NULL);
    assert_int_equal(r.status, 0);
    uint8_t pub[32];
    assert_int_equal(wt_address_decode(pub, address), WT_OK);
    char pub_hex[65];
    wt_hex_encode(pub_hex, pub, 32);
    snprintf(want, sizeof want, "address: %s\npubkey: %s\nencrypted: no\n", address, pub_hex);
    assert_string_equal(r.out, want);
    /* the secret never appears */
    const char *secret_line = strstr(before, "secret: ");
    assert_non_null(secret_line);
    char secret_hex[65];
    memcpy(secret_hex, secret_line + 8, 64);
    secret_hex[64] = '\0';
    assert_null(strstr(r.out, secret_hex));
    assert_null(strstr(r.err, secret_hex));
    run_result_free(&r);
    free(before);

    /* sign, then verify with the address and with upper-case hex */
    wattle_run(&r, NULL, "key", "sign", "--key", key, "--msg", "68656c6c6f", NULL);
    assert_int_equal(r.status, 0);
    assert_int_equal(strlen(r.out), 129);
    char sig[129];
    memcpy(sig, r.out, 128);
    sig[128] = '\0';
    run_result_free(&r);
    wattle_run(&r, NULL, "key", "verify", "--pubkey", address, "--msg", "68656c6c6f", "--sig", sig,
               NULL);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, "valid\n");
    run_result_free(&r);
    for (char *p = pub_hex; *p; p++)
        if (*p >= 'a' && *p <= 'f')
            *p = (char)(*p - 'a' + 'A');
    wattle_run(&r, NULL, "key", "verify", "--pubkey", pub_hex, "--msg", "68656C6C6F",
               "--sig=", NULL);
    assert_int_equal(r.status, 2); /* an empty --sig= is malformed */
    run_result_free(&r);
    char sig_opt[140];
    snprintf(sig_opt, sizeof sig_opt, "--sig=%s", sig);
    wattle_run(&r, NULL, "key", "verify", "--pubkey", pub_hex, "--msg", "68656C6C6F", sig_opt,
               NULL);
    assert_int_equal(r.status, 0);
    run_result_free(&r);

    /* a different message: invalid, exit 1 */
    wattle_run(&r, NULL, "key", "verify", "--pubkey", address, "--msg", "68656c6c6e", "--sig", sig,
               NULL);
    assert_int_equal(r.status, 1);
    assert_string_equal(r.out, "invalid\n");
    run_result_free(&r);

    /* the empty message signs and verifies */
    wattle_run(&r, NULL, "key", "sign", "--key", key, "--msg", "", NULL);
    assert_int_equal(r.status, 0);
    memcpy(sig, r.out, 128);
    run_result_free(&r);
    wattle_run(&r, NULL, "key", "verify", "--pubkey", address, "--msg", "", "--sig", sig, NULL);
    assert_int_equal(r.status, 0);
    run_result_free(&r);
}

static void test_verify_malformed(void **state)
{
    (void)state;
    char sig[129];
    memset(sig, 'a', 128);
    sig[128] = '\0';
    char pub[65];
    memset(pub, 'b', 64);
    pub[64] = '\0';
    static const struct {
        const char *pubkey, *msg, *sig, *says;
    } cases[] = {
        {"xyz", "00", NULL, "--pubkey"}, {NULL, "0", NULL, "--msg"},
        {NULL, "zz", NULL, "--msg"},     {NULL, "00", "abcd", "--sig"},
        {NULL, "00", "gg", "--sig"},     {"uc1qqqqqq", "00", NULL, "--pubkey"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        run_result r;
        wattle_run(&r, NULL, "key", "verify", "--pubkey", cases[i].pubkey ? cases[i].pubkey : pub,
                   "--msg", cases[i].msg, "--sig", cases[i].sig ? cases[i].sig : sig, NULL);
        if (r.status != 2 || strstr(r.err, cases[i].says) == NULL)
            fail_msg("case %zu: status %d, stderr '%s'", i, r.status, r.err);
        run_result_free(&r);
    }
    run_result r;
    wattle_run(&r, NULL, "key", "verify", "--pubkey", pub, "--msg", "00", NULL);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "required"));
    run_result_free(&r);
}

static void test_permissions(void **state)
{
    (void)state;
    char key[512];
    path_of(key, sizeof key, "bob.key");
    run_result r;
    wattle_run(&r, NULL, "key", "new", "--out", key, NULL);
    assert_int_equal(r.status, 0);
    run_result_free(&r);
    assert_int_equal(chmod(key, 0644), 0);
    char fix[600];
    snprintf(fix, sizeof fix, "chmod 600 %s", key);
    wattle_run(&r, NULL, "key", "sign", "--key", key, "--msg", "00", NULL);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, fix));
    assert_non_null(strstr(r.err, "group or others"));
    assert_string_equal(r.out, "");
    run_result_free(&r);
    wattle_run(&r, NULL, "key", "address", key, NULL);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, fix));
    run_result_free(&r);
    assert_int_equal(chmod(key, 0600), 0);
    wattle_run(&r, NULL, "key", "address", key, NULL);
    assert_int_equal(r.status, 0);
    run_result_free(&r);
}

static void test_encrypted_key(void **state)
{
    (void)state;
    char key[512];
    path_of(key, sizeof key, "sealed.key");
    run_result r;
    /* no terminal and no $WATTLE_PASSPHRASE: refused, nothing written */
    wattle_run(&r, NULL, "key", "new", "--out", key, "--encrypt", NULL);
    if (r.status == 2) {
        assert_non_null(strstr(r.err, "passphrase"));
        assert_int_equal(access(key, F_OK), -1);
    }
    run_result_free(&r);
    unlink(key);

    assert_int_equal(setenv("WATTLE_PASSPHRASE", "open sesame", 1), 0);
    wattle_run(&r, NULL, "key", "new", "--out", key, "--encrypt", NULL);
    assert_int_equal(r.status, 0);
    char address[WT_ADDRESS_CHARS + 1];
    address_from(address, r.out);
    run_result_free(&r);

    unsetenv("WATTLE_PASSPHRASE"); /* showing needs no passphrase */
    wattle_run(&r, NULL, "key", "show", key, NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "encrypted: yes\n"));
    assert_non_null(strstr(r.out, address));
    run_result_free(&r);

    assert_int_equal(setenv("WATTLE_PASSPHRASE", "open sesame", 1), 0);
    wattle_run(&r, NULL, "key", "sign", "--key", key, "--msg", "abcdef", NULL);
    assert_int_equal(r.status, 0);
    char sig[129];
    memcpy(sig, r.out, 128);
    sig[128] = '\0';
    run_result_free(&r);
    wattle_run(&r, NULL, "key", "verify", "--pubkey", address, "--msg", "abcdef", "--sig", sig,
               NULL);
    assert_int_equal(r.status, 0);
    run_result_free(&r);

    assert_int_equal(setenv("WATTLE_PASSPHRASE", "open sesamE", 1), 0);
    wattle_run(&r, NULL, "key", "sign", "--key", key, "--msg", "abcdef", NULL);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "passphrase does not open"));
    assert_string_equal(r.out, "");
    run_result_free(&r);
    unsetenv("WATTLE_PASSPHRASE");
}

/* The frozen encoding named `name` from tx_vectors.txt (malloc'd hex). */
static char *vector_hex(const char *name, char txid_hex[65])
{
    size_t len;
    char *text = wt_test_read_file(WT_WALLET_TEST_DIR "/tx_vectors.txt", &len);
    assert_non_null(text);
    char *hex = NULL, *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char n[64], id[65];
        static char h[4096];
        if (line[0] != '#' && sscanf(line, "%63s %64s %4095s", n, id, h) == 3 &&
            strcmp(n, name) == 0) {
            hex = strdup(h);
            memcpy(txid_hex, id, 65);
        }
    }
    free(text);
    assert_non_null(hex);
    return hex;
}

static void test_tx_decode(void **state)
{
    (void)state;
    char txid[65];
    char *hex = vector_hex("transfer", txid);
    run_result r;
    wattle_run(&r, NULL, "tx", "decode", hex, NULL);
    assert_int_equal(r.status, 0);
    char want[128];
    snprintf(want, sizeof want, "{\"txid\":\"%s\",\"type\":\"transfer\"", txid);
    assert_memory_equal(r.out, want, strlen(want));
    assert_non_null(strstr(r.out, "\"amount_micro\":1250500000,"));
    assert_non_null(strstr(r.out, "\"signature_valid\":true}\n"));
    run_result_free(&r);

    /* upper-case hex, from standard input */
    char *upper = strdup(hex);
    for (char *p = upper; *p; p++)
        if (*p >= 'a' && *p <= 'f')
            *p = (char)(*p - 'a' + 'A');
    char *piped = malloc(strlen(upper) + 3);
    sprintf(piped, "%s\n", upper);
    wattle_run(&r, piped, "tx", "decode", "-", NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "\"signature_valid\":true}"));
    run_result_free(&r);
    free(piped);
    free(upper);

    /* a flipped signature bit: still decodes, says the signature is bad */
    size_t n = strlen(hex);
    hex[n - 1] = hex[n - 1] == '0' ? '1' : '0';
    wattle_run(&r, NULL, "tx", "decode", hex, NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "\"signature_valid\":false}"));
    assert_non_null(strstr(r.out, txid)); /* same txid: the signature is not in it */
    run_result_free(&r);

    /* one byte too many */
    char *longer = malloc(n + 3);
    sprintf(longer, "%s00", hex);
    wattle_run(&r, NULL, "tx", "decode", longer, NULL);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "tx_trailing_bytes"));
    assert_string_equal(r.out, "");
    run_result_free(&r);
    free(longer);

    /* version 2 */
    hex[1] = '2';
    wattle_run(&r, NULL, "tx", "decode", hex, NULL);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "tx_bad_version in field 'version'"));
    run_result_free(&r);

    wattle_run(&r, NULL, "tx", "decode", "0g", NULL);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "not hex"));
    run_result_free(&r);
    wattle_run(&r, NULL, "tx", "decode", NULL);
    assert_int_equal(r.status, 2);
    run_result_free(&r);
    free(hex);

    /* every frozen type decodes through the CLI */
    static const char *const names[] = {"mint",   "burn",           "order_sell",        "standing",
                                        "cancel", "register_meter", "register_merchant", "readings",
                                        "settle"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        hex = vector_hex(names[i], txid);
        wattle_run(&r, NULL, "tx", "decode", hex, NULL);
        assert_int_equal(r.status, 0);
        assert_non_null(strstr(r.out, txid));
        assert_non_null(strstr(r.out, "\"signature_valid\":true}"));
        run_result_free(&r);
        free(hex);
    }
}

/* chain init's market rules: shown in its summary, in genesis.bin (so two
 * rules give two chains), and refused when malformed. */
static void test_chain_init_market(void **state)
{
    (void)state;
    char a[400], b[400], c[400];
    path_of(a, sizeof a, "chain-k025");
    path_of(b, sizeof b, "chain-bid");
    path_of(c, sizeof c, "chain-bad");
    run_result r;
    wattle_run(&r, NULL, "chain", "init", "--out", a, "--k", "0.25", "--genesis-time", "1000",
               "--chain-id", "7", NULL);
    wt_test_expect_run(&r, 0, "  market     pay-as-clear, k = 0.25\n", NULL);
    run_result_free(&r);
    wattle_run(&r, NULL, "chain", "init", "--out", b, "--mechanism", "pay-as-bid", "--genesis-time",
               "1000", "--chain-id", "7", NULL);
    wt_test_expect_run(&r, 0, "  market     pay-as-bid\n", NULL);
    run_result_free(&r);
    char pa[450], pb[450];
    snprintf(pa, sizeof pa, "%s/genesis.bin", a);
    snprintf(pb, sizeof pb, "%s/genesis.bin", b);
    size_t la, lb;
    char *ga = wt_test_read_file(pa, &la), *gb = wt_test_read_file(pb, &lb);
    assert_non_null(ga);
    assert_non_null(gb);
    assert_int_equal(ga[0], 3); /* params version 3: the market section */
    assert_int_equal(gb[0], 3);
    free(ga);
    free(gb);
    wattle_run(&r, NULL, "chain", "init", "--out", c, "--mechanism", "auction", NULL);
    wt_test_expect_run(&r, 2, NULL, "--mechanism must be pay-as-clear or pay-as-bid");
    run_result_free(&r);
    wattle_run(&r, NULL, "chain", "init", "--out", c, "--k", "1.5", NULL);
    wt_test_expect_run(&r, 2, NULL, "--k must be a number in [0, 1]");
    run_result_free(&r);
    wattle_run(&r, NULL, "chain", "init", "--out", c, "--mechanism", "pay-as-bid", "--k", "0.1",
               NULL);
    wt_test_expect_run(&r, 2, NULL, "--k applies to pay-as-clear only");
    run_result_free(&r);
}

/* chain init's tariffs: time of use and KEPCO-like tiers at a local offset,
 * in genesis.bin exactly; malformed ones refused before anything is written. */
static void test_chain_init_tariffs(void **state)
{
    (void)state;
    char a[400], bad[400], path[450];
    path_of(a, sizeof a, "chain-tariffs");
    path_of(bad, sizeof bad, "chain-bad-tariff");
    run_result r;
    wattle_run(&r, NULL, "chain", "init", "--out", a, "--retail-tiers", "200:120,400:214.6,*:307.3",
               "--feed-in-tou", "0-9:40,9-17:80.5,17-24:40", "--utc-offset", "+09:00", "--chain-id",
               "9", NULL);
    wt_test_expect_run(&r, 0, "  retail     monthly tiers: 200:120,400:214.6,*:307.3", NULL);
    assert_non_null(strstr(r.out, "  feed-in    time of use: 0-9:40,9-17:80.5,17-24:40 U/kWh\n"));
    assert_non_null(strstr(r.out, "  local time UTC+09:00 for the tariffs\n"));
    run_result_free(&r);
    snprintf(path, sizeof path, "%s/genesis.bin", a);
    size_t len;
    char *g = wt_test_read_file(path, &len);
    assert_non_null(g);
    wt_chain_params p;
    assert_int_equal(wt_chain_params_decode(&p, (const uint8_t *)g, len), WT_OK);
    free(g);
    assert_int_equal(p.retail_tariff_kind, WT_CHAIN_TARIFF_TIERED);
    assert_int_equal(p.retail_tiers_count, 3);
    assert_true(p.retail_tier_up_to_mwh[0] == 200000000 &&
                p.retail_tier_up_to_mwh[1] == 400000000 && p.retail_tier_up_to_mwh[2] == 0);
    assert_true(p.retail_tier_micro_per_kwh[0] == 120000000 &&
                p.retail_tier_micro_per_kwh[1] == 214600000 &&
                p.retail_tier_micro_per_kwh[2] == 307300000);
    assert_int_equal(p.feed_in_tariff_kind, WT_CHAIN_TARIFF_TIME_OF_USE);
    for (int h = 0; h < 24; h++)
        assert_true(p.feed_in_hour_micro_per_kwh[h] == (h >= 9 && h < 17 ? 80500000 : 40000000));
    assert_true(p.tariff_utc_offset_ms == 9 * 3600000);

    static const struct {
        const char *flag, *value, *flag2, *value2, *says;
    } refused[] = {
        {"--retail-tou", "0-7:80,7-23:150", NULL, NULL, "hour 23 has no price"},
        {"--retail-tou", "0-24:80,5-6:1", NULL, NULL, "given twice"},
        {"--retail-tou", "0-24:2000", NULL, NULL, "retail_hour_micro_per_kwh"},
        {"--retail-tiers", "200:120,100:215,*:307", NULL, NULL, "ascend"},
        {"--retail-tiers", "200:120,400:215", NULL, NULL, "'*:PRICE'"},
        {"--retail-tiers", "*:120", "--retail-tou", "0-24:1", "exclude each other"},
        {"--utc-offset", "+09:00", NULL, NULL, "applies to a time-of-use or tiered tariff only"},
        {"--utc-offset", "+9", "--retail-tou", "0-24:1", "not an offset"},
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        if (refused[i].flag2 != NULL)
            wattle_run(&r, NULL, "chain", "init", "--out", bad, refused[i].flag, refused[i].value,
                       refused[i].flag2, refused[i].value2, NULL);
        else
            wattle_run(&r, NULL, "chain", "init", "--out", bad, refused[i].flag, refused[i].value,
                       NULL);
        wt_test_expect_run(&r, 2, NULL, refused[i].says);
        run_result_free(&r);
        struct stat st;
        if (stat(bad, &st) == 0)
            fail_msg("%s %s left %s behind", refused[i].flag, refused[i].value, bad);
    }
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s PATH-TO-WATTLE\n", argv[0]);
        return 2;
    }
    wattle = argv[1];
    wt_test_route_asserts();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_help),
        cmocka_unit_test(test_key_lifecycle),
        cmocka_unit_test(test_verify_malformed),
        cmocka_unit_test(test_permissions),
        cmocka_unit_test(test_encrypted_key),
        cmocka_unit_test(test_tx_decode),
        cmocka_unit_test(test_chain_init_market),
        cmocka_unit_test(test_chain_init_tariffs),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
