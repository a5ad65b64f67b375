/* test_cli_wattled.c — the node-client commands of `wattle` against the real
 * daemon (integration): a chain made by `wattle chain init`, `wattled` on
 * free loopback ports, then mint, balance, send, tx status, burn, offline
 * signing submitted over nng, standing, blocks and market book, all through
 * the built binaries. argv[1] = wattled, argv[2] = wattle. */
#include "run_cmd.h"
#include "testutil.h"
#include "wallet.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char *wattled, *wattle;
static char tmp[256], chain[300], issuer_key[400], alice_key[400], bob_key[400];
static char alice_addr[WT_ADDRESS_CHARS + 1], bob_addr[WT_ADDRESS_CHARS + 1];
static char http_url[64], nng_url[64];
static pid_t daemon_pid;

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

static void expect(const run_result *r, int status, const char *out_needle, const char *err_needle)
{
    if (r->status != status || (out_needle != NULL && strstr(r->out, out_needle) == NULL) ||
        (err_needle != NULL && strstr(r->err, err_needle) == NULL))
        fail_msg("status %d (want %d)\nstdout: %s\nstderr: %s\nwanted out '%s', err '%s'",
                 r->status, status, r->out, r->err, out_needle ? out_needle : "",
                 err_needle ? err_needle : "");
}

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = 0};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    socklen_t len = sizeof sa;
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    close(fd);
    return ntohs(sa.sin_port);
}

static void new_key(char *path, size_t cap, char *address, const char *name)
{
    snprintf(path, cap, "%s/%s.key", tmp, name);
    run_result r;
    wattle_run(&r, NULL, "key", "new", "--out", path, NULL);
    expect(&r, 0, NULL, NULL);
    run_result_free(&r);
    wattle_run(&r, NULL, "key", "address", path, NULL);
    expect(&r, 0, "uc1", NULL);
    memcpy(address, strstr(r.out, "uc1"), WT_ADDRESS_CHARS);
    address[WT_ADDRESS_CHARS] = '\0';
    run_result_free(&r);
}

static int setup(void **state)
{
    (void)state;
    const char *t = getenv("TMPDIR");
    snprintf(tmp, sizeof tmp, "%s/wattle-clientd-XXXXXX", t != NULL && *t ? t : "/tmp");
    if (mkdtemp(tmp) == NULL)
        return -1;
    unsetenv("WATTLE_PASSPHRASE");
    unsetenv("WATTLE_NODE");
    snprintf(chain, sizeof chain, "%s/chain", tmp);
    run_result r;
    wattle_run(&r, NULL, "chain", "init", "--out", chain, "--chain-id", "4242", "--interval-ms",
               "1000", "--zones", "campus:20,north:5:campus", NULL);
    expect(&r, 0, NULL, NULL);
    run_result_free(&r);
    snprintf(issuer_key, sizeof issuer_key, "%s/issuer.key", chain);
    new_key(alice_key, sizeof alice_key, alice_addr, "alice");
    new_key(bob_key, sizeof bob_key, bob_addr, "bob");
    int http_port = free_port(), nng_port = free_port(), pub_port = free_port();
    char http_addr[64], pub_url[64], log[400];
    snprintf(http_addr, sizeof http_addr, "127.0.0.1:%d", http_port);
    snprintf(http_url, sizeof http_url, "http://127.0.0.1:%d", http_port);
    snprintf(nng_url, sizeof nng_url, "tcp://127.0.0.1:%d", nng_port);
    snprintf(pub_url, sizeof pub_url, "tcp://127.0.0.1:%d", pub_port);
    snprintf(log, sizeof log, "%s/wattled.log", tmp);
    daemon_pid = fork();
    if (daemon_pid < 0)
        return -1;
    if (daemon_pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(fd, 1);
        dup2(fd, 2);
        execl(wattled, wattled, "--data", chain, "--http", http_addr, "--listen", nng_url, "--pub",
              pub_url, "--log-level", "warn", (char *)NULL);
        _exit(127);
    }
    /* Ready when it answers over HTTP (at most 15 s). */
    for (int i = 0; i < 150; i++) {
        wattle_run(&r, NULL, "blocks", "--node", http_url, "--timeout-ms", "1000", NULL);
        int status = r.status;
        run_result_free(&r);
        if (status == 0)
            return 0;
        if (waitpid(daemon_pid, NULL, WNOHANG) == daemon_pid) {
            daemon_pid = 0;
            fprintf(stderr, "wattled exited early; see %s\n", log);
            return -1;
        }
        struct timespec ts = {0, 100 * 1000000L};
        nanosleep(&ts, NULL);
    }
    fprintf(stderr, "wattled did not answer on %s\n", http_url);
    return -1;
}

static int teardown(void **state)
{
    (void)state;
    if (daemon_pid > 0) {
        kill(daemon_pid, SIGTERM);
        int status;
        waitpid(daemon_pid, &status, 0);
    }
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    return system(cmd) == 0 ? 0 : -1;
}

static void expect_txid(const run_result *r, char txid[65])
{
    expect(r, 0, NULL, NULL);
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
    expect(&r, 0, "\"status\":\"committed\"", NULL);
    expect(&r, 0, "\"type\":\"mint\"", NULL);
    run_result_free(&r);
    wattle_run(&r, NULL, "balance", "--node", http_url, alice_addr, NULL);
    expect(&r, 0, "balance   1000 U (1000000000 micro)", NULL);
    run_result_free(&r);
    wattle_run(&r, NULL, "send", "--key", alice_key, "--to", bob_addr, "--amount", "250.125",
               "--memo", "solar, thanks", "--node", http_url, NULL);
    expect_txid(&r, txid);
    run_result_free(&r);
    wattle_run(&r, NULL, "send", "--key", alice_key, "--to", bob_addr, "--amount", "0.000001",
               "--node", http_url, NULL);
    expect(&r, 0, NULL, NULL);
    run_result_free(&r);
    wattle_run(&r, NULL, "balance", "--node", http_url, "--json", bob_addr, NULL);
    expect(&r, 0, "\"balance_micro\":250125001", NULL);
    run_result_free(&r);
    wattle_run(&r, NULL, "balance", "--node", http_url, alice_addr, NULL);
    expect(&r, 0, "balance   749.874999 U (749874999 micro)", NULL);
    expect(&r, 0, "nonce     2", NULL);
    run_result_free(&r);
    wattle_run(&r, NULL, "tx", "status", "--node", http_url, txid, NULL);
    expect(&r, 0, "\"status\":\"committed\"", NULL);
    run_result_free(&r);
    /* refused by the real ledger, printed as CODE: message, exit 1 */
    wattle_run(&r, NULL, "send", "--key", bob_key, "--to", alice_addr, "--amount", "999999",
               "--node", http_url, NULL);
    expect(&r, 1, NULL, "wattle send: insufficient_funds:");
    run_result_free(&r);
    wattle_run(&r, NULL, "mint", "--key", alice_key, "--to", alice_addr, "--amount", "1", "--node",
               http_url, NULL);
    expect(&r, 1, NULL, "wattle mint: not_issuer:");
    run_result_free(&r);
    wattle_run(&r, NULL, "send", "--key", alice_key, "--to", bob_addr, "--amount", "1",
               "--chain-id", "7", "--node", http_url, NULL);
    expect(&r, 1, NULL, "wattle send: wrong_chain:");
    run_result_free(&r);
    /* burn from the issuer's own balance */
    uint8_t issuer[32];
    bool enc;
    assert_int_equal(wt_keyfile_info(issuer, &enc, issuer_key), WT_OK);
    char issuer_addr[WT_ADDRESS_CHARS + 1];
    wt_address_encode(issuer_addr, issuer);
    wattle_run(&r, NULL, "mint", "--key", issuer_key, "--to", issuer_addr, "--amount", "10",
               "--node", http_url, NULL);
    expect(&r, 0, NULL, NULL);
    run_result_free(&r);
    wattle_run(&r, NULL, "burn", "--key", issuer_key, "--amount", "4.5", "--node", http_url, NULL);
    expect(&r, 0, NULL, NULL);
    run_result_free(&r);
    wattle_run(&r, NULL, "balance", "--node", http_url, issuer_addr, NULL);
    expect(&r, 0, "balance   5.5 U (5500000 micro)", NULL);
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
    expect(&r, 0, NULL, NULL);
    char hex[4096], txid[65];
    snprintf(hex, sizeof hex, "%s", r.out);
    hex[strcspn(hex, "\n")] = '\0';
    run_result_free(&r);
    wattle_run(&r, NULL, "tx", "decode", hex, NULL);
    expect(&r, 0, "\"signature_valid\":true", NULL);
    expect(&r, 0, "\"amount_micro\":500000", NULL);
    run_result_free(&r);
    wattle_run(&r, NULL, "submit", "--node", nng_url, hex, NULL);
    expect_txid(&r, txid);
    run_result_free(&r);
    wattle_run(&r, NULL, "submit", "--node", nng_url, hex, NULL);
    expect(&r, 0, txid, "already in the ledger");
    run_result_free(&r);
    wattle_run(&r, NULL, "tx", "status", "--node", http_url, txid, NULL);
    expect(&r, 0, "\"status\":\"committed\"", NULL);
    run_result_free(&r);
    /* a stale nonce over nng: the daemon's code and field come back */
    wattle_run(&r, NULL, "send", "--key", bob_key, "--to", alice_addr, "--amount", "0.5", "--nonce",
               "1", "--chain-id", "4242", "--node", nng_url, NULL);
    expect(&r, 1, NULL, "wattle send: bad_nonce:");
    run_result_free(&r);
}

/* Zones by name through /v1/chain, blocks and the book. */
static void test_market_reads(void **state)
{
    (void)state;
    run_result r;
    wattle_run(&r, NULL, "standing", "--key", alice_key, "--zone", "north", "--sell-min", "95.5",
               "--buy-max", "140", "--node", http_url, NULL);
    expect(&r, 0, NULL, NULL);
    run_result_free(&r);
    wattle_run(&r, NULL, "standing", "--key", alice_key, "--zone", "south", "--sell-min", "1",
               "--node", http_url, NULL);
    expect(&r, 2, NULL, "no zone 'south' on this chain (zones: campus north)");
    run_result_free(&r);
    wattle_run(&r, NULL, "blocks", "--node", http_url, "--from", "0", "--limit", "1", NULL);
    expect(&r, 0, "0 ", NULL);
    run_result_free(&r);
    wattle_run(&r, NULL, "market", "book", "--node", http_url, "campus", NULL);
    expect(&r, 0, "side price_U_per_kWh energy_kWh\n", NULL);
    run_result_free(&r);
    /* clearings appear once an interval is settled (1 s intervals here) */
    bool seen = false;
    for (int i = 0; i < 100 && !seen; i++) {
        wattle_run(&r, NULL, "market", "clearings", "--node", http_url, "--limit", "3", "campus",
                   NULL);
        expect(&r, 0, NULL, NULL);
        seen = strncmp(r.out, "interval=", 9) == 0 && strstr(r.out, " price_micro_per_kwh=");
        run_result_free(&r);
        if (!seen) {
            struct timespec ts = {0, 100 * 1000000L};
            nanosleep(&ts, NULL);
        }
    }
    assert_true(seen);
    wattle_run(&r, NULL, "market", "clearings", "--node", http_url, "nowhere", NULL);
    expect(&r, 1, NULL, "wattle market clearings: ");
    run_result_free(&r);
    wattle_run(&r, NULL, "tx", "status", "--node", http_url,
               "00000000000000000000000000000000000000000000000000000000000000ff", NULL);
    expect(&r, 1, NULL, NULL);
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
    expect(&r, 0, NULL, NULL);
    char hex[4096];
    snprintf(hex, sizeof hex, "%s", r.out);
    hex[strcspn(hex, "\n")] = '\0';
    run_result_free(&r);
    int64_t next = wt_now_ms() / 1000 + 1; /* the chain's interval is 1 s */
    wattle_run(&r, NULL, "tx", "decode", hex, NULL);
    expect(&r, 0, "\"signature_valid\":true", NULL);
    expect(&r, 0, "\"chain_id\":4242", NULL);
    expect(&r, 0, "\"zone\":1", NULL);
    expect(&r, 0, "\"energy_mwh\":1500000", NULL);
    const char *at = strstr(r.out, "\"interval\":");
    assert_non_null(at);
    long long interval = atoll(at + 11);
    assert_true(interval >= next - 1 && interval <= next + 1);
    run_result_free(&r);
    wattle_run(&r, NULL, "send", "--key", alice_key, "--to", bob_addr, "--amount", "1",
               "--sign-only", "--nonce", "1", "--genesis", alice_key, NULL);
    expect(&r, 2, NULL, "is not a chain's genesis.bin");
    run_result_free(&r);
    wattle_run(&r, NULL, "send", "--key", alice_key, "--to", bob_addr, "--amount", "1",
               "--sign-only", "--nonce", "1", "--genesis", genesis, "--chain-id", "5", NULL);
    expect(&r, 2, NULL, "--chain-id 5 differs from the chain id 4242");
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
