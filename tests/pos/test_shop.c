/* test_shop.c — a shop purchase end to end (integration): a chain made by
 * `wattle chain init`, `wattled` on free loopback ports, a merchant
 * registered by the operator and a customer with minted U-Coin; then
 * `wattle-pos request` (in the background, waiting on events and polls) →
 * `wattle pay URI` → the terminal's receipt; an expired request; a payment of
 * the wrong amount; replayed payments (same request, same signed bytes);
 * partial and excess refunds; the day's report; the QR code as a PNG
 * file; the merchant's registered name in `wattle pay`. argv[1] = wattled,
 * argv[2] = wattle, argv[3] = wattle-pos. */
#include "pos.h"
#include "proc.h"
#include "qr_check.h"
#include "run_cmd.h"
#include "testutil.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char *wattled, *wattle, *wattle_pos;
static char tmp[256], chain[300], issuer_key[400], operator_key[400], shop_key[400], cust_key[400];
static char shop_addr[WT_ADDRESS_CHARS + 1], cust_addr[WT_ADDRESS_CHARS + 1];
static wt_wattled node;

static void new_key(char *path, size_t cap, char *address, const char *name)
{
    snprintf(path, cap, "%s/%s.key", tmp, name);
    run_result r;
    run_cmdl(&r, wattle, "key", "new", "--out", path, NULL);
    wt_test_expect_run(&r, 0, NULL, NULL);
    run_result_free(&r);
    run_cmdl(&r, wattle, "key", "address", path, NULL);
    wt_test_expect_run(&r, 0, "uc1", NULL);
    memcpy(address, strstr(r.out, "uc1"), WT_ADDRESS_CHARS);
    address[WT_ADDRESS_CHARS] = '\0';
    run_result_free(&r);
}

static int setup(void **state)
{
    (void)state;
    if (wt_proc_tmpdir(tmp, sizeof tmp, "wattle-pos") != 0)
        return -1;
    unsetenv("WATTLE_PASSPHRASE");
    unsetenv("WATTLE_NODE");
    unsetenv("WATTLE_EVENTS");
    snprintf(chain, sizeof chain, "%s/chain", tmp);
    const char *init[] = {"--chain-id", "4343", "--interval-ms", "1000", "--zones",
                          "campus:20",  NULL};
    if (wt_chain_init(wattle, chain, init) != 0)
        return -1;
    snprintf(issuer_key, sizeof issuer_key, "%s/issuer.key", chain);
    snprintf(operator_key, sizeof operator_key, "%s/operator.key", chain);
    new_key(shop_key, sizeof shop_key, shop_addr, "shop");
    new_key(cust_key, sizeof cust_key, cust_addr, "customer");
    if (wt_wattled_init(&node, wattled, chain) != 0 || wt_wattled_start(&node, NULL) != 0)
        return -1;
    setenv("WATTLE_NODE", node.http_url, 1);
    run_result r;
    run_cmdl(&r, wattle, "register", "merchant", "--key", operator_key, "--merchant", shop_addr,
             "--name", "Campus cafe", NULL);
    int ok = r.status == 0;
    run_result_free(&r);
    run_cmdl(&r, wattle, "mint", "--key", issuer_key, "--to", cust_addr, "--amount", "1000", NULL);
    ok = ok && r.status == 0;
    run_result_free(&r);
    return ok ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    wt_wattled_stop(&node, SIGTERM);
    return wt_proc_rmtree(tmp);
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
static void terminal_start(terminal *t, const char *amount, const char *expires, const char *memo,
                           const char *qr_out)
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
        if (qr_out != NULL)
            execl(wattle_pos, wattle_pos, "request", "--key", shop_key, "--amount", amount,
                  "--expires", expires, "--memo", memo, "--events", node.pub_url, "--poll-ms",
                  "300", "--qr-out", qr_out, (char *)NULL);
        else
            execl(wattle_pos, wattle_pos, "request", "--key", shop_key, "--amount", amount,
                  "--expires", expires, "--memo", memo, "--events", node.pub_url, "--poll-ms",
                  "300", (char *)NULL);
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
        wt_proc_sleep_ms(50);
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
        wt_proc_sleep_ms(50);
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
    wt_test_expect_run(r, 0, NULL, NULL);
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
    terminal_start(&t, "12.5", "30s", "latte é", NULL);
    assert_non_null(strstr(t.uri, "amount=12.5&req="));
    assert_non_null(strstr(t.uri, "memo=latte%20%C3%A9&chain=4343"));
    run_result r;
    run_cmdl(&r, wattle, "pay", "--key", cust_key, t.uri, NULL);
    wt_test_expect_run(&r, 0, "pay       12.5 U (12500000 micro)", NULL);
    /* to whom: the name registered on the ledger, then the address */
    wt_test_expect_run(&r, 0, "to        Campus cafe (registered merchant)\naddress   uc1", NULL);
    wt_test_expect_run(&r, 0, shop_addr, NULL);
    wt_test_expect_run(&r, 0, "memo      latte é", NULL);
    txid_of_pay(&r, paid_txid);
    run_result_free(&r);
    terminal_wait(&t, &r);
    wt_test_expect_run(&r, 0, "receipt", NULL);
    wt_test_expect_run(&r, 0, paid_txid, NULL);
    wt_test_expect_run(&r, 0, cust_addr, NULL);
    wt_test_expect_run(&r, 0, "amount    12.5 U", NULL);
    /* the QR code was printed too */
    wt_test_expect_run(&r, 0, "\xe2\x96\x88\xe2\x96\x88", NULL);
    run_result_free(&r);
    /* replay: a second payment of the same request */
    run_cmdl(&r, wattle, "pay", "--key", cust_key, t.uri, NULL);
    wt_test_expect_run(&r, 1, NULL, "request_already_paid");
    run_result_free(&r);
    run_cmdl(&r, wattle, "balance", cust_addr, NULL);
    wt_test_expect_run(&r, 0, "balance   987.5 U", NULL);
    run_result_free(&r);
    run_cmdl(&r, wattle, "balance", shop_addr, NULL);
    wt_test_expect_run(&r, 0, "balance   12.5 U", NULL);
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
    run_cmdl(&r, wattle, "pay", "--key", cust_key, "--sign-only", uri, NULL);
    wt_test_expect_run(&r, 0, NULL, NULL);
    char *hex = strrchr(r.out, '\n');
    assert_non_null(hex);
    *hex = '\0';
    hex = strrchr(r.out, '\n');
    assert_non_null(hex);
    hex = strdup(hex + 1);
    run_result_free(&r);
    run_cmdl(&r, wattle, "submit", hex, NULL);
    wt_test_expect_run(&r, 0, NULL, NULL);
    run_result_free(&r);
    run_cmdl(&r, wattle, "submit", hex, NULL);
    wt_test_expect_run(&r, 0, NULL, "already in the ledger");
    run_result_free(&r);
    free(hex);
    run_cmdl(&r, wattle, "balance", cust_addr, NULL);
    wt_test_expect_run(&r, 0, "balance   984.5 U", NULL);
    run_result_free(&r);
}

/* An unpaid request expires (exit 1); an expired or malformed URI is
 * refused by the wallet, saying which. */
static void test_expired(void **state)
{
    (void)state;
    terminal t;
    /* the QR code as a PNG file this time: it decodes to the URI printed */
    char png_path[400];
    snprintf(png_path, sizeof png_path, "%s/request.png", tmp);
    terminal_start(&t, "1", "1s", "tissues", png_path);
    run_result r;
    terminal_wait(&t, &r);
    wt_test_expect_run(&r, 1, NULL, "request_expired");
    if (strstr(r.out, "\xe2\x96\x88") != NULL)
        fail_msg("--qr-out FILE.png also drew the code on the terminal");
    run_result_free(&r);
    size_t png_len;
    char *png = wt_test_read_file(png_path, &png_len);
    assert_non_null(png);
    qr_check_png((const uint8_t *)png, png_len, t.uri);
    free(png);
    /* another extension is refused before anything is asked of the node */
    run_cmdl(&r, wattle_pos, "request", "--key", shop_key, "--amount", "1", "--qr-out", "code.gif",
             NULL);
    wt_test_expect_run(&r, 2, NULL, "FILE.png or FILE.svg");
    run_result_free(&r);
    run_cmdl(&r, wattle, "pay", "--key", cust_key, t.uri, NULL);
    wt_test_expect_run(&r, 1, NULL, "request_expired");
    run_result_free(&r);
    char bad[WT_POS_URI_CHARS_MAX + 16];
    snprintf(bad, sizeof bad, "%s&tip=1", t.uri);
    run_cmdl(&r, wattle, "pay", "--key", cust_key, bad, NULL);
    wt_test_expect_run(&r, 2, NULL, "uri_unknown_param");
    run_result_free(&r);
    run_cmdl(&r, wattle, "pay", "--key", cust_key, "ucoin:nothing", NULL);
    wt_test_expect_run(&r, 2, NULL, "uri_malformed");
    run_result_free(&r);
    /* a request to an address that is not a registered merchant: refused
     * before anything is signed, naming it */
    wt_pos_request fake;
    const char *fake_param;
    assert_int_equal(wt_pos_uri_parse(&fake, &fake_param, t.uri, strlen(t.uri)), WT_OK);
    assert_int_equal(wt_pubkey_parse_text(fake.merchant, cust_addr), WT_OK);
    fake.expires_ms = wt_now_ms() + 60000;
    assert_int_equal(wt_pos_uri_format(bad, sizeof bad, &fake), WT_OK);
    run_cmdl(&r, wattle, "pay", "--key", issuer_key, bad, NULL);
    wt_test_expect_run(&r, 1, NULL, "not_merchant");
    wt_test_expect_run(&r, 1, NULL, cust_addr);
    run_result_free(&r);
    /* a request for another chain */
    wt_pos_request req;
    const char *param;
    assert_int_equal(wt_pos_uri_parse(&req, &param, t.uri, strlen(t.uri)), WT_OK);
    req.expires_ms = wt_now_ms() + 60000;
    req.chain_id = 1;
    assert_int_equal(wt_pos_uri_format(bad, sizeof bad, &req), WT_OK);
    run_cmdl(&r, wattle, "pay", "--key", cust_key, bad, NULL);
    wt_test_expect_run(&r, 2, NULL, "wrong_chain");
    run_result_free(&r);
    run_cmdl(&r, wattle, "balance", cust_addr, NULL);
    wt_test_expect_run(&r, 0, "balance   984.5 U", NULL);
    run_result_free(&r);
}

/* A payment that names the request but pays another amount is reported and
 * not accepted. */
static void test_wrong_amount(void **state)
{
    (void)state;
    terminal t;
    terminal_start(&t, "7", "30s", "snack", NULL);
    wt_pos_request req;
    const char *param;
    assert_int_equal(wt_pos_uri_parse(&req, &param, t.uri, strlen(t.uri)), WT_OK);
    req.amount_micro = 5 * WT_MICRO_PER_UNIT;
    char uri[WT_POS_URI_CHARS_MAX + 1];
    assert_int_equal(wt_pos_uri_format(uri, sizeof uri, &req), WT_OK);
    run_result r;
    char txid[65];
    run_cmdl(&r, wattle, "pay", "--key", cust_key, uri, NULL);
    txid_of_pay(&r, txid);
    run_result_free(&r);
    terminal_wait(&t, &r);
    wt_test_expect_run(&r, 1, NULL, "wrong_amount");
    wt_test_expect_run(&r, 1, NULL, txid);
    if (strstr(r.out, "receipt") != NULL)
        fail_msg("a wrong amount got a receipt: %s", r.out);
    run_result_free(&r);
    /* the merchant pays it back in full */
    run_cmdl(&r, wattle_pos, "refund", "--key", shop_key, txid, NULL);
    wt_test_expect_run(&r, 0, NULL, NULL);
    run_result_free(&r);
    run_cmdl(&r, wattle, "balance", cust_addr, NULL);
    wt_test_expect_run(&r, 0, "balance   984.5 U", NULL);
    run_result_free(&r);
}

/* Partial refunds up to the payment; beyond it the engine refuses. */
static void test_refunds(void **state)
{
    (void)state;
    assert_int_equal(strlen(paid_txid), 64);
    run_result r;
    run_cmdl(&r, wattle_pos, "refund", "--key", shop_key, "--amount", "2.5", paid_txid, NULL);
    wt_test_expect_run(&r, 0, NULL, NULL);
    assert_int_equal(strlen(r.out), 65);
    run_result_free(&r);
    run_cmdl(&r, wattle_pos, "refund", "--key", shop_key, "--amount", "10.000001", paid_txid, NULL);
    wt_test_expect_run(&r, 1, NULL, "refund_exceeds_payment");
    run_result_free(&r);
    run_cmdl(&r, wattle_pos, "refund", "--key", shop_key, paid_txid,
             NULL); /* all of 12.5: too much now */
    wt_test_expect_run(&r, 1, NULL, "refund_exceeds_payment");
    run_result_free(&r);
    run_cmdl(&r, wattle_pos, "refund", "--key", shop_key, "--amount", "10", paid_txid, NULL);
    wt_test_expect_run(&r, 0, NULL, NULL);
    run_result_free(&r);
    run_cmdl(&r, wattle_pos, "refund", "--key", shop_key, "--amount", "0.000001", paid_txid, NULL);
    wt_test_expect_run(&r, 1, NULL, "refund_exceeds_payment");
    run_result_free(&r);
    /* only the merchant's own payments */
    run_cmdl(&r, wattle_pos, "refund", "--key", cust_key, "--amount", "1", paid_txid, NULL);
    wt_test_expect_run(&r, 1, NULL, "unknown_payment");
    run_result_free(&r);
    run_cmdl(&r, wattle, "balance", cust_addr, NULL);
    wt_test_expect_run(&r, 0, "balance   997 U", NULL);
    run_result_free(&r);
    /* the day's report: sales 12.5 + 3 + 5, refunds 2.5 + 10 + 5 */
    char day[11];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(day, sizeof day, "%Y-%m-%d", &tm);
    run_cmdl(&r, wattle_pos, "report", "--key", shop_key, "--day", day, "--csv", NULL);
    wt_test_expect_run(&r, 0, "time_utc,txid,kind,amount_micro,counterparty,memo\n", NULL);
    wt_test_expect_run(&r, 0, ",,total_sales,20500000,,\n", NULL);
    wt_test_expect_run(&r, 0, ",,total_refunds,17500000,,\n", NULL);
    wt_test_expect_run(&r, 0, ",,net,3000000,,\n", NULL);
    wt_test_expect_run(&r, 0, paid_txid, NULL);
    run_result_free(&r);
    run_cmdl(&r, wattle_pos, "report", "--merchant", shop_addr, "--day", day, NULL);
    wt_test_expect_run(&r, 0, "\nnet                      3 U\n", NULL);
    run_result_free(&r);
    run_cmdl(&r, wattle_pos, "report", "--merchant", shop_addr, "--day", "2026-02-30", NULL);
    wt_test_expect_run(&r, 2, NULL, "--day");
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
