/* test_cli_wattled.c — the node-client commands of `wattle` against the real
 * daemon (integration): a chain made by `wattle chain init`, `wattled` on
 * free loopback ports, then mint, balance, send, tx status, burn, offline
 * signing submitted over nng, standing, blocks and market book, all through
 * the built binaries. argv[1] = wattled, argv[2] = wattle. */
#include "proc.h"
#include "run_cmd.h"
#include "testutil.h"
#include "wallet.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char *wattled, *wattle;
static char tmp[256], chain[300], issuer_key[400], alice_key[400], bob_key[400];
static char alice_addr[WT_ADDRESS_CHARS + 1], bob_addr[WT_ADDRESS_CHARS + 1];
static char http_url[64], nng_url[64];
static wt_wattled node;

static void wattle_run(run_result *r, const char *stdin_text, const char *a0, ...)
{
    char *argv[40];
    int n = 0;
    argv[n++] = wattle;
    va_list ap;
    va_start(ap, a0);
    for (const char *a = a0; a != NULL; a = va_arg(ap, const char *)) {
        assert_true(n < 39);
        argv[n++] = (char *)a;
    }
    va_end(ap);
    argv[n] = NULL;
    run_cmd(r, argv, stdin_text);
}

static void new_key(char *path, size_t cap, char *address, const char *name)
{
    snprintf(path, cap, "%s/%s.key", tmp, name);
    run_result r;
    wattle_run(&r, NULL, "key", "new", "--out", path, NULL);
    wt_test_expect_run(&r, 0, NULL, NULL);
    run_result_free(&r);
    wattle_run(&r, NULL, "key", "address", path, NULL);
    wt_test_expect_run(&r, 0, "uc1", NULL);
    memcpy(address, strstr(r.out, "uc1"), WT_ADDRESS_CHARS);
    address[WT_ADDRESS_CHARS] = '\0';
    run_result_free(&r);
}

static int setup(void **state)
{
    (void)state;
    if (wt_proc_tmpdir(tmp, sizeof tmp, "wattle-clientd") != 0)
        return -1;
    unsetenv("WATTLE_PASSPHRASE");
    unsetenv("WATTLE_NODE");
    snprintf(chain, sizeof chain, "%s/chain", tmp);
    const char *init[] = {
        "--chain-id", "4242", "--interval-ms", "1000", "--zones", "campus:20,north:5:campus", NULL};
    if (wt_chain_init(wattle, chain, init) != 0)
        return -1;
    snprintf(issuer_key, sizeof issuer_key, "%s/issuer.key", chain);
    new_key(alice_key, sizeof alice_key, alice_addr, "alice");
    new_key(bob_key, sizeof bob_key, bob_addr, "bob");
    if (wt_wattled_init(&node, wattled, chain) != 0 || wt_wattled_start(&node, NULL) != 0)
        return -1;
    snprintf(http_url, sizeof http_url, "%s", node.http_url);
    snprintf(nng_url, sizeof nng_url, "%s", node.nng_url);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    wt_wattled_stop(&node, SIGTERM);
    return wt_proc_rmtree(tmp);
}

static void expect_txid(const run_result *r, char txid[65])
{
    wt_test_expect_run(r, 0, NULL, NULL);
    assert_int_equal(strlen(r->out), 65);
    memcpy(txid, r->out, 64);
    txid[64] = '\0';
}

/* mint → balance → send (nonce from the node) → balance → tx status → burn. */
static void test_money_over_http(void **state)
{
    (void)state;
    run_result r;
    char txid[65];
    wattle_run(&r, NULL, "mint", "--key", issuer_key, "--to", alice_addr, "--amount", "1000",
               "--node", http_url, NULL);
    expect_txid(&r, txid);
    run_result_free(&r);
    wattle_run(&r, NULL, "tx", "status", "--node", http_url, txid, NULL);
    wt_test_expect_run(&r, 0, "\"status\":\"committed\"", NULL);
    wt_test_expect_run(&r, 0, "\"type\":\"mint\"", NULL);
    run_result_free(&r);
    wattle_run(&r, NULL, "balance", "--node", http_url, alice_addr, NULL);
    wt_test_expect_run(&r, 0, "balance   1000 U (1000000000 micro)", NULL);
    run_result_free(&r);
    wattle_run(&r, NULL, "send", "--key", alice_key, "--to", bob_addr, "--amount", "250.125",
               "--memo", "solar, thanks", "--node", http_url, NULL);
    expect_txid(&r, txid);
    run_result_free(&r);
    wattle_run(&r, NULL, "send", "--key", alice_key, "--to", bob_addr, "--amount", "0.000001",
               "--node", http_url, NULL);
    wt_test_expect_run(&r, 0, NULL, NULL);
    run_result_free(&r);
    wattle_run(&r, NULL, "balance", "--node", http_url, "--json", bob_addr, NULL);
    wt_test_expect_run(&r, 0, "\"balance_micro\":250125001", NULL);
    run_result_free(&r);
    wattle_run(&r, NULL, "balance", "--node", http_url, alice_addr, NULL);
    wt_test_expect_run(&r, 0, "balance   749.874999 U (749874999 micro)", NULL);
    wt_test_expect_run(&r, 0, "nonce     2", NULL);
    run_result_free(&r);
    wattle_run(&r, NULL, "tx", "status", "--node", http_url, txid, NULL);
    wt_test_expect_run(&r, 0, "\"status\":\"committed\"", NULL);
    run_result_free(&r);
    /* refused by the real ledger, printed as CODE: message, exit 1 */
    wattle_run(&r, NULL, "send", "--key", bob_key, "--to", alice_addr, "--amount", "999999",
               "--node", http_url, NULL);
    wt_test_expect_run(&r, 1, NULL, "wattle send: insufficient_funds:");
    run_result_free(&r);
    wattle_run(&r, NULL, "mint", "--key", alice_key, "--to", alice_addr, "--amount", "1", "--node",
               http_url, NULL);
    wt_test_expect_run(&r, 1, NULL, "wattle mint: not_issuer:");
    run_result_free(&r);
    wattle_run(&r, NULL, "send", "--key", alice_key, "--to", bob_addr, "--amount", "1",
               "--chain-id", "7", "--node", http_url, NULL);
    wt_test_expect_run(&r, 1, NULL, "wattle send: wrong_chain:");
    run_result_free(&r);
    /* burn from the issuer's own balance */
    uint8_t issuer[32];
    bool enc;
    assert_int_equal(wt_keyfile_info(issuer, &enc, issuer_key), WT_OK);
    char issuer_addr[WT_ADDRESS_CHARS + 1];
    wt_address_encode(issuer_addr, issuer);
    wattle_run(&r, NULL, "mint", "--key", issuer_key, "--to", issuer_addr, "--amount", "10",
               "--node", http_url, NULL);
    wt_test_expect_run(&r, 0, NULL, NULL);
    run_result_free(&r);
    wattle_run(&r, NULL, "burn", "--key", issuer_key, "--amount", "4.5", "--node", http_url, NULL);
    wt_test_expect_run(&r, 0, NULL, NULL);
    run_result_free(&r);
    wattle_run(&r, NULL, "balance", "--node", http_url, issuer_addr, NULL);
    wt_test_expect_run(&r, 0, "balance   5.5 U (5500000 micro)", NULL);
    run_result_free(&r);
}

/* Signed with the node's nonce but not sent, then submitted over nng: the
 * real REP socket's binary reply, and its duplicate answer the second time. */
static void test_sign_then_submit_over_nng(void **state)
{
    (void)state;
    run_result r;
    wattle_run(&r, NULL, "send", "--key", bob_key, "--to", alice_addr, "--amount", "0.5",
               "--sign-only", "--node", http_url, NULL);
    wt_test_expect_run(&r, 0, NULL, NULL);
    char hex[4096], txid[65];
    snprintf(hex, sizeof hex, "%s", r.out);
    hex[strcspn(hex, "\n")] = '\0';
    run_result_free(&r);
    wattle_run(&r, NULL, "tx", "decode", hex, NULL);
    wt_test_expect_run(&r, 0, "\"signature_valid\":true", NULL);
    wt_test_expect_run(&r, 0, "\"amount_micro\":500000", NULL);
    run_result_free(&r);
    wattle_run(&r, NULL, "submit", "--node", nng_url, hex, NULL);
    expect_txid(&r, txid);
    run_result_free(&r);
    wattle_run(&r, NULL, "submit", "--node", nng_url, hex, NULL);
    wt_test_expect_run(&r, 0, txid, "already in the ledger");
    run_result_free(&r);
    wattle_run(&r, NULL, "tx", "status", "--node", http_url, txid, NULL);
    wt_test_expect_run(&r, 0, "\"status\":\"committed\"", NULL);
    run_result_free(&r);
    /* a stale nonce over nng: the daemon's code and field come back */
    wattle_run(&r, NULL, "send", "--key", bob_key, "--to", alice_addr, "--amount", "0.5", "--nonce",
               "1", "--chain-id", "4242", "--node", nng_url, NULL);
    wt_test_expect_run(&r, 1, NULL, "wattle send: bad_nonce:");
    run_result_free(&r);
}

/* Zones by name through /v1/chain, blocks and the book. */
static void test_market_reads(void **state)
{
    (void)state;
    run_result r;
    wattle_run(&r, NULL, "standing", "--key", alice_key, "--zone", "north", "--sell-min", "95.5",
               "--buy-max", "140", "--node", http_url, NULL);
    wt_test_expect_run(&r, 0, NULL, NULL);
    run_result_free(&r);
    wattle_run(&r, NULL, "standing", "--key", alice_key, "--zone", "south", "--sell-min", "1",
               "--node", http_url, NULL);
    wt_test_expect_run(&r, 2, NULL, "no zone 'south' on this chain (zones: campus north)");
    run_result_free(&r);
    wattle_run(&r, NULL, "blocks", "--node", http_url, "--from", "0", "--limit", "1", NULL);
    wt_test_expect_run(&r, 0, "0 ", NULL);
    run_result_free(&r);
    wattle_run(&r, NULL, "market", "book", "--node", http_url, "campus", NULL);
    wt_test_expect_run(&r, 0, "side price_U_per_kWh energy_kWh\n", NULL);
    run_result_free(&r);
    /* clearings appear once an interval is settled (1 s intervals here) */
    bool seen = false;
    for (int i = 0; i < 100 && !seen; i++) {
        wattle_run(&r, NULL, "market", "clearings", "--node", http_url, "--limit", "3", "campus",
                   NULL);
        wt_test_expect_run(&r, 0, NULL, NULL);
        seen = strncmp(r.out, "interval=", 9) == 0 && strstr(r.out, " price_micro_per_kwh=");
        run_result_free(&r);
        if (!seen) {
            struct timespec ts = {0, 100 * 1000000L};
            nanosleep(&ts, NULL);
        }
    }
    assert_true(seen);
    wattle_run(&r, NULL, "market", "clearings", "--node", http_url, "nowhere", NULL);
    wt_test_expect_run(&r, 1, NULL, "wattle market clearings: ");
    run_result_free(&r);
    wattle_run(&r, NULL, "tx", "status", "--node", http_url,
               "00000000000000000000000000000000000000000000000000000000000000ff", NULL);
    wt_test_expect_run(&r, 1, NULL, NULL);
    run_result_free(&r);
}

/* --genesis: chain id, zones and interval from genesis.bin, no node at all. */
static void test_offline_with_genesis(void **state)
{
    (void)state;
    char genesis[400];
    snprintf(genesis, sizeof genesis, "%s/genesis.bin", chain);
    run_result r;
    wattle_run(&r, NULL, "order", "--key", alice_key, "--zone", "north", "--side", "buy",
               "--interval", "next", "--energy-kwh", "1.5", "--price", "120", "--sign-only",
               "--nonce", "9", "--genesis", genesis, "--node", "http://127.0.0.1:1", NULL);
    wt_test_expect_run(&r, 0, NULL, NULL);
    char hex[4096];
    snprintf(hex, sizeof hex, "%s", r.out);
    hex[strcspn(hex, "\n")] = '\0';
    run_result_free(&r);
    int64_t next = wt_now_ms() / 1000 + 1; /* the chain's interval is 1 s */
    wattle_run(&r, NULL, "tx", "decode", hex, NULL);
    wt_test_expect_run(&r, 0, "\"signature_valid\":true", NULL);
    wt_test_expect_run(&r, 0, "\"chain_id\":4242", NULL);
    wt_test_expect_run(&r, 0, "\"zone\":1", NULL);
    wt_test_expect_run(&r, 0, "\"energy_mwh\":1500000", NULL);
    const char *at = strstr(r.out, "\"interval\":");
    assert_non_null(at);
    long long interval = atoll(at + 11);
    assert_true(interval >= next - 1 && interval <= next + 1);
    run_result_free(&r);
    wattle_run(&r, NULL, "send", "--key", alice_key, "--to", bob_addr, "--amount", "1",
               "--sign-only", "--nonce", "1", "--genesis", alice_key, NULL);
    wt_test_expect_run(&r, 2, NULL, "is not a chain's genesis.bin");
    run_result_free(&r);
    wattle_run(&r, NULL, "send", "--key", alice_key, "--to", bob_addr, "--amount", "1",
               "--sign-only", "--nonce", "1", "--genesis", genesis, "--chain-id", "5", NULL);
    wt_test_expect_run(&r, 2, NULL, "--chain-id 5 differs from the chain id 4242");
    run_result_free(&r);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s PATH-TO-wattled PATH-TO-wattle\n", argv[0]);
        return 2;
    }
    wattled = argv[1];
    wattle = argv[2];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_money_over_http),
        cmocka_unit_test(test_sign_then_submit_over_nng),
        cmocka_unit_test(test_market_reads),
        cmocka_unit_test(test_offline_with_genesis),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
