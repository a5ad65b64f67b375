/* test_cli_node.c — the node-client commands of `wattle` as a user runs them:
 * the built binary in a child process against a fake node (fake_node.c, the
 * HTTP/JSON and nng contract of engine-api.md on random loopback ports), an
 * unreachable node, a node that never answers, and offline signing whose
 * output `wattle tx decode` must accept with a valid signature. */
#include "fake_node.h"
#include "run_cmd.h"
#include "testutil.h"
#include "wallet.h"

#include <arpa/inet.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define CHAIN_ID "4242"

static char *wattle;
static char dir[256];
static char issuer_key[300], alice_key[300], bob_key[300];
static char issuer_addr[WT_ADDRESS_CHARS + 1], alice_addr[WT_ADDRESS_CHARS + 1],
    bob_addr[WT_ADDRESS_CHARS + 1];
static fake_node *node;

/* Run wattle with the given arguments (NULL-terminated). */
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
    snprintf(path, cap, "%s/%s.key", dir, name);
    wt_ctx *ctx;
    assert_int_equal(wt_ctx_create(&ctx), WT_OK);
    wt_seckey key;
    assert_int_equal(wt_seckey_generate(ctx, &key), WT_OK);
    assert_int_equal(wt_keyfile_save(ctx, path, &key, NULL, 0), WT_OK);
    wt_address_encode(address, key.pubkey);
    wt_seckey_wipe(&key);
    wt_ctx_destroy(ctx);
}

static int setup(void **state)
{
    (void)state;
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/wattle-client-XXXXXX", tmp != NULL && *tmp ? tmp : "/tmp");
    if (mkdtemp(dir) == NULL)
        return -1;
    unsetenv("WATTLE_PASSPHRASE");
    unsetenv("WATTLE_NODE");
    new_key(issuer_key, sizeof issuer_key, issuer_addr, "issuer");
    new_key(alice_key, sizeof alice_key, alice_addr, "alice");
    new_key(bob_key, sizeof bob_key, bob_addr, "bob");
    uint8_t issuer[32];
    assert_int_equal(wt_address_decode(issuer, issuer_addr), WT_OK);
    node = fake_node_start(4242, issuer);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    fake_node_stop(node);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* The txid line printed by a submission: 64 hex characters and a newline. */
static void expect_txid(const run_result *r, char txid[65])
{
    wt_test_expect_run(r, 0, NULL, NULL);
    assert_int_equal(strlen(r->out), 65);
    assert_int_equal(r->out[64], '\n');
    memcpy(txid, r->out, 64);
    txid[64] = '\0';
    uint8_t bytes[32];
    assert_int_equal(wt_hex_decode(bytes, 32, txid), WT_OK);
}

/* Decode hex with `wattle tx decode`; the JSON must hold every needle. */
static void expect_decodes(const char *hex_line, const char *const *needles)
{
    char hex[8192];
    snprintf(hex, sizeof hex, "%s", hex_line);
    hex[strcspn(hex, "\n")] = '\0';
    run_result r;
    wattle_run(&r, NULL, "tx", "decode", hex, NULL);
    wt_test_expect_run(&r, 0, "\"signature_valid\":true", NULL);
    for (const char *const *n = needles; *n != NULL; n++)
        wt_test_expect_run(&r, 0, *n, NULL);
    run_result_free(&r);
}

static void test_help_and_usage(void **state)
{
    (void)state;
    const char *cmds[][2] = {{"balance", NULL},  {"send", NULL},         {"submit", NULL},
                             {"mint", NULL},     {"burn", NULL},         {"register", NULL},
                             {"standing", NULL}, {"order", NULL},        {"cancel", NULL},
                             {"readings", NULL}, {"blocks", NULL},       {"tx", "status"},
                             {"market", "book"}, {"market", "clearings"}};
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        run_result r;
        if (cmds[i][1] != NULL)
            wattle_run(&r, NULL, cmds[i][0], cmds[i][1], "--help", NULL);
        else
            wattle_run(&r, NULL, cmds[i][0], "--help", NULL);
        wt_test_expect_run(&r, 0, "usage: wattle", NULL);
        run_result_free(&r);
    }
    run_result r;
    const char *node_url = fake_node_http_url(node);
    /* malformed amounts are refused before any node is asked */
    const char *bad_amounts[] = {"1.0000001", "1e3", "-5", "0", "1..5", "ten"};
    for (size_t i = 0; i < sizeof bad_amounts / sizeof bad_amounts[0]; i++) {
        wattle_run(&r, NULL, "send", "--key", alice_key, "--to", bob_addr, "--amount",
                   bad_amounts[i], "--node", node_url, NULL);
        wt_test_expect_run(&r, 2, NULL, "--amount must be a positive U-Coin amount");
        run_result_free(&r);
    }
    wattle_run(&r, NULL, "send", "--key", alice_key, "--amount", "1", NULL);
    wt_test_expect_run(&r, 2, NULL, "--to ADDR and --amount U are required");
    run_result_free(&r);
    wattle_run(&r, NULL, "send", "--key", alice_key, "--to", "uc1nope", "--amount", "1", NULL);
    wt_test_expect_run(&r, 2, NULL, "--to 'uc1nope' is not an address");
    run_result_free(&r);
    wattle_run(&r, NULL, "send", "--to", bob_addr, "--amount", "1", NULL);
    wt_test_expect_run(&r, 2, NULL, "--key FILE is required");
    run_result_free(&r);
    wattle_run(&r, NULL, "send", "--key", alice_key, "--to", bob_addr, "--amount", "1", "--bogus",
               NULL);
    wt_test_expect_run(&r, 2, NULL, "unknown option '--bogus'");
    run_result_free(&r);
    wattle_run(&r, NULL, "send", "--key", alice_key, "--to", bob_addr, "--amount", "1", "--node",
               "ftp://x", NULL);
    wt_test_expect_run(&r, 2, NULL, "must start with http://, tcp:// or ipc://");
    run_result_free(&r);
    wattle_run(&r, NULL, "standing", "--key", alice_key, "--zone", "north", NULL);
    wt_test_expect_run(&r, 2, NULL, "at least one of --sell-min, --buy-max");
    run_result_free(&r);
    wattle_run(&r, NULL, "order", "--key", alice_key, "--zone", "north", "--side", "hold",
               "--interval", "5", "--energy-kwh", "1", "--price", "1", NULL);
    wt_test_expect_run(&r, 2, NULL, "--side must be buy or sell");
    run_result_free(&r);
    wattle_run(&r, NULL, "cancel", "--key", alice_key, "abcd", NULL);
    wt_test_expect_run(&r, 2, NULL, "ORDER_TXID must be 64 hex");
    run_result_free(&r);
    wattle_run(&r, NULL, "tx", "status", "xyz", NULL);
    wt_test_expect_run(&r, 2, NULL, "64 hex");
    run_result_free(&r);
    wattle_run(&r, NULL, "submit", "--node", node_url, "00ff", NULL);
    wt_test_expect_run(&r, 2, NULL, "transaction 1: tx_bad_version in field 'version'");
    run_result_free(&r);
}

/* --sign-only with --nonce and --chain-id: no node at all, and the output is
 * a transaction that decodes and verifies, with the exact amount. */
static void test_sign_only_offline(void **state)
{
    (void)state;
    run_result r;
    wattle_run(&r, NULL, "send", "--key", alice_key, "--to", bob_addr, "--amount", "1250.5",
               "--memo", "vending #3", "--sign-only", "--nonce", "7", "--chain-id", CHAIN_ID,
               "--node", "http://127.0.0.1:1", NULL);
    wt_test_expect_run(&r, 0, NULL, NULL);
    char to[128], sender[128];
    snprintf(to, sizeof to, "\"to\":\"%s\"", bob_addr);
    snprintf(sender, sizeof sender, "\"sender\":\"%s\"", alice_addr);
    const char *needles[] = {"\"type\":\"transfer\"",
                             "\"amount_micro\":1250500000",
                             "\"nonce\":7",
                             "\"chain_id\":4242",
                             "\"memo\":\"vending #3\"",
                             to,
                             sender,
                             NULL};
    expect_decodes(r.out, needles);
    /* expiry: now + 10 minutes by default */
    run_result_free(&r);
    /* without --chain-id it needs the node, and says how to sign offline */
    wattle_run(&r, NULL, "send", "--key", alice_key, "--to", bob_addr, "--amount", "1",
               "--sign-only", "--nonce", "1", "--node", "http://127.0.0.1:1", NULL);
    wt_test_expect_run(&r, 1, NULL, "give --nonce N and --chain-id N (or --genesis FILE)");
    run_result_free(&r);
}

static void test_unreachable_and_timeout(void **state)
{
    (void)state;
    /* a port nobody listens on: find one by binding and closing */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof sa;
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    char url[64], nng_url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%u", (unsigned)ntohs(sa.sin_port));
    snprintf(nng_url, sizeof nng_url, "tcp://127.0.0.1:%u", (unsigned)ntohs(sa.sin_port));
    close(fd);
    run_result r;
    wattle_run(&r, NULL, "balance", "--node", url, alice_addr, NULL);
    wt_test_expect_run(&r, 1, NULL, "unavailable: cannot reach the node at http://127.0.0.1:");
    run_result_free(&r);
    setenv("WATTLE_NODE", nng_url, 1); /* the environment names the node too */
    wattle_run(&r, NULL, "send", "--key", alice_key, "--to", bob_addr, "--amount", "1", "--nonce",
               "1", "--chain-id", CHAIN_ID, NULL);
    unsetenv("WATTLE_NODE");
    wt_test_expect_run(&r, 1, NULL, "unavailable: cannot reach the node at tcp://127.0.0.1:");
    run_result_free(&r);
    /* a node that accepts the connection and never answers */
    fd = socket(AF_INET, SOCK_STREAM, 0);
    sa.sin_port = 0;
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(listen(fd, 4), 0);
    len = sizeof sa;
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    snprintf(url, sizeof url, "http://127.0.0.1:%u", (unsigned)ntohs(sa.sin_port));
    int64_t t0 = wt_monotonic_ns();
    wattle_run(&r, NULL, "balance", "--node", url, "--timeout-ms", "300", alice_addr, NULL);
    int64_t took_ms = (wt_monotonic_ns() - t0) / 1000000;
    close(fd);
    wt_test_expect_run(&r, 1, NULL, "timeout: the node at http://127.0.0.1:");
    assert_true(took_ms >= 250 && took_ms < 5000);
    run_result_free(&r);
    /* an nng REP socket that takes the request and never replies */
    nng_socket rep;
    nng_listener listener;
    nng_sockaddr addr;
    assert_int_equal(nng_rep0_open(&rep), 0);
    assert_int_equal(nng_listen(rep, "tcp://127.0.0.1:0", &listener, 0), 0);
    assert_int_equal(nng_listener_get_addr(listener, NNG_OPT_LOCADDR, &addr), 0);
    snprintf(nng_url, sizeof nng_url, "tcp://127.0.0.1:%u", (unsigned)ntohs(addr.s_in.sa_port));
    t0 = wt_monotonic_ns();
    wattle_run(&r, NULL, "send", "--key", alice_key, "--to", bob_addr, "--amount", "1", "--nonce",
               "1", "--chain-id", CHAIN_ID, "--node", nng_url, "--timeout-ms", "300", NULL);
    took_ms = (wt_monotonic_ns() - t0) / 1000000;
    nng_close(rep);
    wt_test_expect_run(&r, 1, NULL, "timeout: the node at tcp://127.0.0.1:");
    wt_test_expect_run(&r, 1, NULL, "did not answer within 300 ms");
    assert_true(took_ms >= 250 && took_ms < 5000);
    run_result_free(&r);
}

/* mint, balance, send (nonce from the node), tx status, over HTTP. */
static void test_http_flow(void **state)
{
    (void)state;
    const char *url = fake_node_http_url(node);
    run_result r;
    char mint_txid[65], send_txid[65];
    wattle_run(&r, NULL, "mint", "--key", issuer_key, "--to", alice_addr, "--amount", "100",
               "--node", url, NULL);
    expect_txid(&r, mint_txid);
    run_result_free(&r);
    wattle_run(&r, NULL, "balance", "--node", url, alice_addr, NULL);
    wt_test_expect_run(&r, 0, "balance   100 U (100000000 micro)", NULL);
    wt_test_expect_run(&r, 0, "nonce     0", NULL);
    run_result_free(&r);
    wattle_run(&r, NULL, "send", "--key", alice_key, "--to", bob_addr, "--amount", "12.5", "--node",
               url, NULL);
    expect_txid(&r, send_txid);
    run_result_free(&r);
    /* the second send needs nonce 2: read from the node again */
    wattle_run(&r, NULL, "send", "--key", alice_key, "--to", bob_addr, "--amount", "0.000001",
               "--node", url, NULL);
    wt_test_expect_run(&r, 0, NULL, NULL);
    run_result_free(&r);
    wattle_run(&r, NULL, "balance", "--node", url, "--json", bob_addr, NULL);
    wt_test_expect_run(&r, 0, "\"balance_micro\":12500001", NULL);
    run_result_free(&r);
    wattle_run(&r, NULL, "balance", "--node", url, alice_addr, NULL);
    wt_test_expect_run(&r, 0, "balance   87.499999 U (87499999 micro)", "");
    wt_test_expect_run(&r, 0, "nonce     2", NULL);
    run_result_free(&r);
    wattle_run(&r, NULL, "tx", "status", "--node", url, send_txid, NULL);
    wt_test_expect_run(&r, 0, "\"status\":\"committed\"", NULL);
    wt_test_expect_run(&r, 0, send_txid, NULL);
    run_result_free(&r);
    wattle_run(&r, NULL, "tx", "status", "--node", url,
               "00000000000000000000000000000000000000000000000000000000000000ff", NULL);
    wt_test_expect_run(&r, 1, "\"status\":\"unknown\"", NULL);
    run_result_free(&r);
    /* rejections: printed as CODE: message, exit 1, nothing applied */
    uint64_t before = fake_node_committed(node);
    wattle_run(&r, NULL, "send", "--key", bob_addr[0] ? bob_key : NULL, "--to", alice_addr,
               "--amount", "1000", "--node", url, NULL);
    wt_test_expect_run(&r, 1, NULL,
                       "wattle send: insufficient_funds: the balance does not cover the amount");
    run_result_free(&r);
    wattle_run(&r, NULL, "mint", "--key", alice_key, "--to", alice_addr, "--amount", "5", "--node",
               url, NULL);
    wt_test_expect_run(&r, 1, NULL, "wattle mint: not_issuer: only the issuer may do this");
    run_result_free(&r);
    wattle_run(&r, NULL, "send", "--key", alice_key, "--to", bob_addr, "--amount", "1", "--nonce",
               "9", "--node", url, NULL);
    wt_test_expect_run(&r, 1, NULL, "bad_nonce");
    wt_test_expect_run(&r, 1, NULL, "(field nonce)");
    run_result_free(&r);
    wattle_run(&r, NULL, "send", "--key", alice_key, "--to", bob_addr, "--amount", "1",
               "--chain-id", "1", "--node", url, NULL);
    wt_test_expect_run(&r, 1, NULL, "wrong_chain");
    run_result_free(&r);
    assert_int_equal(fake_node_committed(node), before);
    /* burn by the issuer: funds first */
    wattle_run(&r, NULL, "mint", "--key", issuer_key, "--to", issuer_addr, "--amount", "3",
               "--node", url, NULL);
    wt_test_expect_run(&r, 0, NULL, NULL);
    run_result_free(&r);
    wattle_run(&r, NULL, "burn", "--key", issuer_key, "--amount", "2.5", "--node", url, NULL);
    wt_test_expect_run(&r, 0, NULL, NULL);
    run_result_free(&r);
    wattle_run(&r, NULL, "balance", "--node", url, issuer_addr, NULL);
    wt_test_expect_run(&r, 0, "balance   0.5 U (500000 micro)", NULL);
    run_result_free(&r);
}

/* Submission over nng REQ/REP with the binary format; reads need http://. */
static void test_nng_flow(void **state)
{
    (void)state;
    const char *url = fake_node_nng_url(node), *http = fake_node_http_url(node);
    run_result r;
    wattle_run(&r, NULL, "mint", "--key", issuer_key, "--to", bob_addr, "--amount", "1", "--node",
               url, NULL);
    wt_test_expect_run(&r, 2, NULL, "takes submissions only: give --nonce N and --chain-id N");
    run_result_free(&r);
    wattle_run(&r, NULL, "balance", "--node", url, bob_addr, NULL);
    wt_test_expect_run(&r, 1, NULL, "needs an http:// node");
    run_result_free(&r);
    /* sign offline, submit over nng, see it over HTTP */
    wattle_run(&r, NULL, "send", "--key", bob_key, "--to", alice_addr, "--amount", "2",
               "--sign-only", "--node", http, NULL);
    wt_test_expect_run(&r, 0, NULL, NULL);
    char hex[4096];
    snprintf(hex, sizeof hex, "%s", r.out);
    hex[strcspn(hex, "\n")] = '\0';
    run_result_free(&r);
    char txid[65];
    wattle_run(&r, NULL, "submit", "--node", url, hex, NULL);
    expect_txid(&r, txid);
    run_result_free(&r);
    /* the same again: a duplicate, still exit 0, nothing applied twice */
    wattle_run(&r, NULL, "submit", "--node", url, hex, NULL);
    wt_test_expect_run(&r, 0, txid, "already in the ledger");
    run_result_free(&r);
    wattle_run(&r, NULL, "tx", "status", "--node", http, txid, NULL);
    wt_test_expect_run(&r, 0, "\"status\":\"committed\"", NULL);
    run_result_free(&r);
    /* a rejected one over nng: code and field from the binary reply */
    wattle_run(&r, NULL, "send", "--key", bob_key, "--to", alice_addr, "--amount", "1", "--nonce",
               "5", "--chain-id", CHAIN_ID, "--node", url, NULL);
    wt_test_expect_run(&r, 1, NULL,
                       "wattle send: bad_nonce: the nonce is not the sender's previous nonce + 1 "
                       "(field nonce)");
    run_result_free(&r);
    /* a batch from stdin over HTTP: one line per transaction */
    char batch[8192];
    snprintf(batch, sizeof batch, "%s\n00\n", hex);
    wattle_run(&r, batch, "submit", "--node", http, "-", NULL);
    wt_test_expect_run(&r, 2, NULL, "transaction 2");
    run_result_free(&r);
}

/* The market and registration commands: zones by name through /v1/chain,
 * checked by decoding the signed output. */
static void test_market_commands(void **state)
{
    (void)state;
    const char *url = fake_node_http_url(node);
    run_result r;
    wattle_run(&r, NULL, "standing", "--key", alice_key, "--zone", "north", "--sell-min", "95.5",
               "--buy-max", "140", "--sign-only", "--node", url, NULL);
    wt_test_expect_run(&r, 0, NULL, NULL);
    const char *standing[] = {"\"zone\":1", "95500000", "140000000", "\"chain_id\":4242", NULL};
    expect_decodes(r.out, standing);
    run_result_free(&r);
    wattle_run(&r, NULL, "standing", "--key", alice_key, "--zone", "south", "--sell-min", "1",
               "--node", url, NULL);
    wt_test_expect_run(&r, 2, NULL,
                       "unknown_zone: no zone 'south' on this chain (zones: campus north)");
    run_result_free(&r);
    wattle_run(&r, NULL, "order", "--key", alice_key, "--zone", "campus", "--side", "sell",
               "--interval", "123456", "--energy-kwh", "3.2", "--price", "101.000001",
               "--sign-only", "--node", url, NULL);
    wt_test_expect_run(&r, 0, NULL, NULL);
    const char *order[] = {"\"zone\":0",          "\"side\":\"sell\"",
                           "\"interval\":123456", "\"energy_mwh\":3200000",
                           "101000001",           NULL};
    expect_decodes(r.out, order);
    run_result_free(&r);
    wattle_run(&r, NULL, "cancel", "--key", alice_key, "--sign-only", "--nonce", "3", "--chain-id",
               CHAIN_ID, "ab00000000000000000000000000000000000000000000000000000000000000", NULL);
    wt_test_expect_run(&r, 0, NULL, NULL);
    const char *cancel[] = {"\"type\":\"cancel\"", "ab000000", NULL};
    expect_decodes(r.out, cancel);
    run_result_free(&r);
    wattle_run(&r, NULL, "register", "meter", "--key", issuer_key, "--meter", "KFM-0042", "--owner",
               alice_addr, "--zone", "north", "--gateway", bob_addr, "--sign-only", "--node", url,
               NULL);
    wt_test_expect_run(&r, 0, NULL, NULL);
    const char *meter[] = {"\"type\":\"register\"", "KFM-0042", "\"zone\":1", alice_addr, NULL};
    expect_decodes(r.out, meter);
    run_result_free(&r);
    wattle_run(&r, NULL, "register", "merchant", "--key", issuer_key, "--merchant", bob_addr,
               "--name", "Campus cafe", "--sign-only", "--nonce", "1", "--chain-id", CHAIN_ID,
               NULL);
    wt_test_expect_run(&r, 0, NULL, NULL);
    const char *merchant[] = {"Campus cafe", bob_addr, NULL};
    expect_decodes(r.out, merchant);
    run_result_free(&r);
    wattle_run(&r, NULL, "market", "book", "--node", url, "campus", NULL);
    wt_test_expect_run(&r, 0, "bid 95.5 1.5\nask 120 0.00025\n", NULL);
    run_result_free(&r);
    wattle_run(&r, NULL, "market", "clearings", "--node", url, "campus", NULL);
    wt_test_expect_run(&r, 0, "interval=8 price_micro_per_kwh=101000000 volume_mwh=2000 trades=3",
                       NULL);
    run_result_free(&r);
    /* an HTTP error answer is printed as CODE: message */
    wattle_run(&r, NULL, "market", "book", "--node", url, "nowhere", NULL);
    wt_test_expect_run(&r, 1, NULL, "wattle market book: unknown_zone: the zone does not exist");
    run_result_free(&r);
    wattle_run(&r, NULL, "blocks", "--node", url, "--from", "1", "--limit", "2", NULL);
    wt_test_expect_run(
        &r, 0, "1 0000000000000000000000000000000000000000000000000000000000000001 tx_count=4",
        NULL);
    run_result_free(&r);
}

static void test_readings_submit(void **state)
{
    (void)state;
    char csv[300];
    snprintf(csv, sizeof csv, "%s/readings.csv", dir);
    FILE *f = fopen(csv, "w");
    assert_non_null(f);
    fputs("meter,import_mwh,export_mwh\nm-2,0,2500\nm-1,1500,0\n", f);
    fclose(f);
    run_result r;
    wattle_run(&r, NULL, "readings", "submit", "--key", bob_key, "--interval", "99", "--sign-only",
               "--nonce", "1", "--chain-id", CHAIN_ID, csv, NULL);
    wt_test_expect_run(&r, 0, NULL, NULL);
    const char *readings[] = {"\"type\":\"readings\"", "\"interval\":99", NULL};
    expect_decodes(r.out, readings);
    /* sorted as the codec requires: m-1 before m-2 in the decoded JSON */
    run_result d;
    char hex[4096];
    snprintf(hex, sizeof hex, "%s", r.out);
    hex[strcspn(hex, "\n")] = '\0';
    wattle_run(&d, NULL, "tx", "decode", hex, NULL);
    char *m1 = strstr(d.out, "m-1"), *m2 = strstr(d.out, "m-2");
    assert_non_null(m1);
    assert_non_null(m2);
    assert_true(m1 < m2);
    run_result_free(&d);
    run_result_free(&r);
    f = fopen(csv, "w");
    assert_non_null(f);
    fputs("meter,import_mwh,export_mwh\nm-1,1500,0\nm-2,12.5,0\n", f);
    fclose(f);
    wattle_run(&r, NULL, "readings", "submit", "--key", bob_key, "--interval", "99", "--sign-only",
               "--nonce", "1", "--chain-id", CHAIN_ID, csv, NULL);
    wt_test_expect_run(&r, 2, NULL,
                       "line 3: not a whole number of mWh >= 0 '12.5' in column import_mwh");
    run_result_free(&r);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s PATH-TO-wattle\n", argv[0]);
        return 2;
    }
    wattle = argv[1];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_help_and_usage),
        cmocka_unit_test(test_sign_only_offline),
        cmocka_unit_test(test_unreachable_and_timeout),
        cmocka_unit_test(test_http_flow),
        cmocka_unit_test(test_nng_flow),
        cmocka_unit_test(test_market_commands),
        cmocka_unit_test(test_readings_submit),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
