/* test_shop.c — a shop purchase end to end (integration): a chain made by
 * `wattle chain init`, `wattled` on free loopback ports, a merchant
 * registered by the operator and a customer with minted U-Coin; then
 * `wattle-pos request` (in the background, waiting on events and polls) →
 * `wattle pay URI` → the terminal's receipt; an expired request; a payment of
 * the wrong amount; replayed payments (same request, same signed bytes);
 * partial and excess refunds; the day's report. argv[1] = wattled,
 * argv[2] = wattle, argv[3] = wattle-pos. */
#include "pos.h"
#include "run_cmd.h"
#include "testutil.h"

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

static char *wattled, *wattle, *wattle_pos;
static char tmp[256], chain[300], issuer_key[400], operator_key[400], shop_key[400], cust_key[400];
static char shop_addr[WT_ADDRESS_CHARS + 1], cust_addr[WT_ADDRESS_CHARS + 1];
static char http_url[64], pub_url[64];
static pid_t daemon_pid;

static void run_argv(run_result *r, char *prog, const char *a0, va_list ap)
{
    char *argv[40];
    int n = 0;
    argv[n++] = prog;
    for (const char *a = a0; a != NULL; a = va_arg(ap, const char *)) {
        assert_true(n < 39);
        argv[n++] = (char *)a;
    }
    argv[n] = NULL;
    run_cmd(r, argv, NULL);
}

static void wattle_run(run_result *r, const char *a0, ...)
{
    va_list ap;
    va_start(ap, a0);
    run_argv(r, wattle, a0, ap);
    va_end(ap);
}

static void pos_run(run_result *r, const char *a0, ...)
{
    va_list ap;
    va_start(ap, a0);
    run_argv(r, wattle_pos, a0, ap);
    va_end(ap);
}

static void expect(const run_result *r, int status, const char *out_needle, const char *err_needle)
{
    if (r->status != status || (out_needle != NULL && strstr(r->out, out_needle) == NULL) ||
        (err_needle != NULL && strstr(r->err, err_needle) == NULL))
        fail_msg("status %d (want %d)\nstdout: %s\nstderr: %s\nwanted out '%s', err '%s'",
                 r->status, status, r->out, r->err, out_needle ? out_needle : "",
                 err_needle ? err_needle : "");
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
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
    wattle_run(&r, "key", "new", "--out", path, NULL);
    expect(&r, 0, NULL, NULL);
    run_result_free(&r);
    wattle_run(&r, "key", "address", path, NULL);
    expect(&r, 0, "uc1", NULL);
    memcpy(address, strstr(r.out, "uc1"), WT_ADDRESS_CHARS);
    address[WT_ADDRESS_CHARS] = '\0';
    run_result_free(&r);
}

static int setup(void **state)
{
    (void)state;
    const char *t = getenv("TMPDIR");
    snprintf(tmp, sizeof tmp, "%s/wattle-pos-XXXXXX", t != NULL && *t ? t : "/tmp");
    if (mkdtemp(tmp) == NULL)
        return -1;
    unsetenv("WATTLE_PASSPHRASE");
    unsetenv("WATTLE_NODE");
    unsetenv("WATTLE_EVENTS");
    snprintf(chain, sizeof chain, "%s/chain", tmp);
    run_result r;
    wattle_run(&r, "chain", "init", "--out", chain, "--chain-id", "4343", "--interval-ms", "1000",
               "--zones", "campus:20", NULL);
    expect(&r, 0, NULL, NULL);
    run_result_free(&r);
    snprintf(issuer_key, sizeof issuer_key, "%s/issuer.key", chain);
    snprintf(operator_key, sizeof operator_key, "%s/operator.key", chain);
    new_key(shop_key, sizeof shop_key, shop_addr, "shop");
    new_key(cust_key, sizeof cust_key, cust_addr, "customer");
    int http_port = free_port(), nng_port = free_port(), pub_port = free_port();
    char http_addr[64], nng_url[64], log[400];
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
    bool up = false;
    for (int i = 0; i < 150 && !up; i++) {
        wattle_run(&r, "blocks", "--node", http_url, "--timeout-ms", "1000", NULL);
        up = r.status == 0;
        run_result_free(&r);
        if (!up && waitpid(daemon_pid, NULL, WNOHANG) == daemon_pid) {
            daemon_pid = 0;
            fprintf(stderr, "wattled exited early; see %s\n", log);
            return -1;
        }
        if (!up)
            sleep_ms(100);
    }
    if (!up)
        return -1;
    setenv("WATTLE_NODE", http_url, 1);
    wattle_run(&r, "register", "merchant", "--key", operator_key, "--merchant", shop_addr, "--name",
               "Campus cafe", NULL);
    int ok = r.status == 0;
    run_result_free(&r);
    wattle_run(&r, "mint", "--key", issuer_key, "--to", cust_addr, "--amount", "1000", NULL);
    ok = ok && r.status == 0;
    run_result_free(&r);
    return ok ? 0 : -1;
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

/* ------------------------------------------------ a terminal in the background */

typedef struct {
    pid_t pid;
    char out_path[400], err_path[400];
    char uri[WT_POS_URI_CHARS_MAX + 1];
} terminal;

static char *slurp(const char *path)
{
    size_t len;
    char *text = wt_test_read_file(path, &len);
    return text != NULL ? text : strdup("");
}

/* Start `wattle-pos request ... ARGS` and wait for its URI line. */
static void terminal_start(terminal *t, const char *amount, const char *expires, const char *memo)
{
    static int count;
    memset(t, 0, sizeof *t);
    snprintf(t->out_path, sizeof t->out_path, "%s/terminal-%d.out", tmp, count);
    snprintf(t->err_path, sizeof t->err_path, "%s/terminal-%d.err", tmp, count++);
    t->pid = fork();
    assert_true(t->pid >= 0);
    if (t->pid == 0) {
        int fd = open(t->out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int fe = open(t->err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(fd, 1);
        dup2(fe, 2);
        execl(wattle_pos, wattle_pos, "request", "--key", shop_key, "--amount", amount, "--expires",
              expires, "--memo", memo, "--events", pub_url, "--poll-ms", "300", (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 100; i++) {
        char *out = slurp(t->out_path);
        char *line = strstr(out, "ucoin:");
        char *nl = line != NULL ? strchr(line, '\n') : NULL;
        if (nl != NULL) {
            *nl = '\0';
            snprintf(t->uri, sizeof t->uri, "%s", line);
            free(out);
            return;
        }
        free(out);
        sleep_ms(50);
    }
    char *err = slurp(t->err_path);
    fail_msg("the terminal printed no URI; stderr: %s", err);
}

/* Wait (at most 20 s) for the terminal's exit; its outputs in r. */
static void terminal_wait(terminal *t, run_result *r)
{
    int status = -1;
    for (int i = 0; i < 400; i++) {
        if (waitpid(t->pid, &status, WNOHANG) == t->pid)
            break;
        sleep_ms(50);
        if (i == 399) {
            kill(t->pid, SIGKILL);
            waitpid(t->pid, &status, 0);
        }
    }
    r->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r->out = slurp(t->out_path);
    r->err = slurp(t->err_path);
}

static void txid_of_pay(const run_result *r, char txid[65])
{
    /* `wattle pay` prints the request, then the txid on the last line */
    expect(r, 0, NULL, NULL);
    size_t len = strlen(r->out);
    assert_true(len >= 65);
    memcpy(txid, r->out + len - 65, 64);
    txid[64] = '\0';
    uint8_t bytes[32];
    assert_int_equal(wt_hex_decode(bytes, 32, txid), WT_OK);
}

static char paid_txid[65]; /* the purchase, refunded later */

/* request → pay → receipt; the same request paid again is refused. */
static void test_purchase(void **state)
{
    (void)state;
    terminal t;
    terminal_start(&t, "12.5", "30s", "latte é");
    assert_non_null(strstr(t.uri, "amount=12.5&req="));
    assert_non_null(strstr(t.uri, "memo=latte%20%C3%A9&chain=4343"));
    run_result r;
    wattle_run(&r, "pay", "--key", cust_key, t.uri, NULL);
    expect(&r, 0, "pay       12.5 U (12500000 micro)", NULL);
    expect(&r, 0, shop_addr, NULL);
    expect(&r, 0, "memo      latte é", NULL);
    txid_of_pay(&r, paid_txid);
    run_result_free(&r);
    terminal_wait(&t, &r);
    expect(&r, 0, "receipt", NULL);
    expect(&r, 0, paid_txid, NULL);
    expect(&r, 0, cust_addr, NULL);
    expect(&r, 0, "amount    12.5 U", NULL);
    /* the QR code was printed too */
    expect(&r, 0, "\xe2\x96\x88\xe2\x96\x88", NULL);
    run_result_free(&r);
    /* replay: a second payment of the same request */
    wattle_run(&r, "pay", "--key", cust_key, t.uri, NULL);
    expect(&r, 1, NULL, "request_already_paid");
    run_result_free(&r);
    wattle_run(&r, "balance", cust_addr, NULL);
    expect(&r, 0, "balance   987.5 U", NULL);
    run_result_free(&r);
    wattle_run(&r, "balance", shop_addr, NULL);
    expect(&r, 0, "balance   12.5 U", NULL);
    run_result_free(&r);
}

/* The very same signed payment submitted twice is applied once. */
static void test_replayed_bytes(void **state)
{
    (void)state;
    wt_pos_request req;
    memset(&req, 0, sizeof req);
    assert_int_equal(wt_pubkey_parse_text(req.merchant, shop_addr), WT_OK);
    req.amount_micro = 3 * WT_MICRO_PER_UNIT;
    req.expires_ms = wt_now_ms() + 60000;
    assert_int_equal(wt_pos_request_id_new(req.request_id), WT_OK);
    char uri[WT_POS_URI_CHARS_MAX + 1];
    assert_int_equal(wt_pos_uri_format(uri, sizeof uri, &req), WT_OK);
    run_result r;
    wattle_run(&r, "pay", "--key", cust_key, "--sign-only", uri, NULL);
    expect(&r, 0, NULL, NULL);
    char *hex = strrchr(r.out, '\n');
    assert_non_null(hex);
    *hex = '\0';
    hex = strrchr(r.out, '\n');
    assert_non_null(hex);
    hex = strdup(hex + 1);
    run_result_free(&r);
    wattle_run(&r, "submit", hex, NULL);
    expect(&r, 0, NULL, NULL);
    run_result_free(&r);
    wattle_run(&r, "submit", hex, NULL);
    expect(&r, 0, NULL, "already in the ledger");
    run_result_free(&r);
    free(hex);
    wattle_run(&r, "balance", cust_addr, NULL);
    expect(&r, 0, "balance   984.5 U", NULL);
    run_result_free(&r);
}

/* An unpaid request expires (exit 1); an expired or malformed URI is
 * refused by the wallet, saying which. */
static void test_expired(void **state)
{
    (void)state;
    terminal t;
    terminal_start(&t, "1", "1s", "tissues");
    run_result r;
    terminal_wait(&t, &r);
    expect(&r, 1, NULL, "request_expired");
    run_result_free(&r);
    wattle_run(&r, "pay", "--key", cust_key, t.uri, NULL);
    expect(&r, 1, NULL, "request_expired");
    run_result_free(&r);
    char bad[WT_POS_URI_CHARS_MAX + 16];
    snprintf(bad, sizeof bad, "%s&tip=1", t.uri);
    wattle_run(&r, "pay", "--key", cust_key, bad, NULL);
    expect(&r, 2, NULL, "uri_unknown_param");
    run_result_free(&r);
    wattle_run(&r, "pay", "--key", cust_key, "ucoin:nothing", NULL);
    expect(&r, 2, NULL, "uri_malformed");
    run_result_free(&r);
    /* a request for another chain */
    wt_pos_request req;
    const char *param;
    assert_int_equal(wt_pos_uri_parse(&req, &param, t.uri, strlen(t.uri)), WT_OK);
    req.expires_ms = wt_now_ms() + 60000;
    req.chain_id = 1;
    assert_int_equal(wt_pos_uri_format(bad, sizeof bad, &req), WT_OK);
    wattle_run(&r, "pay", "--key", cust_key, bad, NULL);
    expect(&r, 2, NULL, "wrong_chain");
    run_result_free(&r);
    wattle_run(&r, "balance", cust_addr, NULL);
    expect(&r, 0, "balance   984.5 U", NULL);
    run_result_free(&r);
}

/* A payment that names the request but pays another amount is reported and
 * not accepted. */
static void test_wrong_amount(void **state)
{
    (void)state;
    terminal t;
    terminal_start(&t, "7", "30s", "snack");
    wt_pos_request req;
    const char *param;
    assert_int_equal(wt_pos_uri_parse(&req, &param, t.uri, strlen(t.uri)), WT_OK);
    req.amount_micro = 5 * WT_MICRO_PER_UNIT;
    char uri[WT_POS_URI_CHARS_MAX + 1];
    assert_int_equal(wt_pos_uri_format(uri, sizeof uri, &req), WT_OK);
    run_result r;
    char txid[65];
    wattle_run(&r, "pay", "--key", cust_key, uri, NULL);
    txid_of_pay(&r, txid);
    run_result_free(&r);
    terminal_wait(&t, &r);
    expect(&r, 1, NULL, "wrong_amount");
    expect(&r, 1, NULL, txid);
    if (strstr(r.out, "receipt") != NULL)
        fail_msg("a wrong amount got a receipt: %s", r.out);
    run_result_free(&r);
    /* the merchant pays it back in full */
    pos_run(&r, "refund", "--key", shop_key, txid, NULL);
    expect(&r, 0, NULL, NULL);
    run_result_free(&r);
    wattle_run(&r, "balance", cust_addr, NULL);
    expect(&r, 0, "balance   984.5 U", NULL);
    run_result_free(&r);
}

/* Partial refunds up to the payment; beyond it the engine refuses. */
static void test_refunds(void **state)
{
    (void)state;
    assert_int_equal(strlen(paid_txid), 64);
    run_result r;
    pos_run(&r, "refund", "--key", shop_key, "--amount", "2.5", paid_txid, NULL);
    expect(&r, 0, NULL, NULL);
    assert_int_equal(strlen(r.out), 65);
    run_result_free(&r);
    pos_run(&r, "refund", "--key", shop_key, "--amount", "10.000001", paid_txid, NULL);
    expect(&r, 1, NULL, "refund_exceeds_payment");
    run_result_free(&r);
    pos_run(&r, "refund", "--key", shop_key, paid_txid, NULL); /* all of 12.5: too much now */
    expect(&r, 1, NULL, "refund_exceeds_payment");
    run_result_free(&r);
    pos_run(&r, "refund", "--key", shop_key, "--amount", "10", paid_txid, NULL);
    expect(&r, 0, NULL, NULL);
    run_result_free(&r);
    pos_run(&r, "refund", "--key", shop_key, "--amount", "0.000001", paid_txid, NULL);
    expect(&r, 1, NULL, "refund_exceeds_payment");
    run_result_free(&r);
    /* only the merchant's own payments */
    pos_run(&r, "refund", "--key", cust_key, "--amount", "1", paid_txid, NULL);
    expect(&r, 1, NULL, "unknown_payment");
    run_result_free(&r);
    wattle_run(&r, "balance", cust_addr, NULL);
    expect(&r, 0, "balance   997 U", NULL);
    run_result_free(&r);
    /* the day's report: sales 12.5 + 3 + 5, refunds 2.5 + 10 + 5 */
    char day[11];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(day, sizeof day, "%Y-%m-%d", &tm);
    pos_run(&r, "report", "--key", shop_key, "--day", day, "--csv", NULL);
    expect(&r, 0, "time_utc,txid,kind,amount_micro,counterparty,memo\n", NULL);
    expect(&r, 0, ",,total_sales,20500000,,\n", NULL);
    expect(&r, 0, ",,total_refunds,17500000,,\n", NULL);
    expect(&r, 0, ",,net,3000000,,\n", NULL);
    expect(&r, 0, paid_txid, NULL);
    run_result_free(&r);
    pos_run(&r, "report", "--merchant", shop_addr, "--day", day, NULL);
    expect(&r, 0, "\nnet                      3 U\n", NULL);
    run_result_free(&r);
    pos_run(&r, "report", "--merchant", shop_addr, "--day", "2026-02-30", NULL);
    expect(&r, 2, NULL, "--day");
    run_result_free(&r);
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: %s WATTLED WATTLE WATTLE-POS\n", argv[0]);
        return 2;
    }
    wattled = argv[1];
    wattle = argv[2];
    wattle_pos = argv[3];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_purchase), cmocka_unit_test(test_replayed_bytes),
        cmocka_unit_test(test_expired),  cmocka_unit_test(test_wrong_amount),
        cmocka_unit_test(test_refunds),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
