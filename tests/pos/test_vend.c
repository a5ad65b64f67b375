/* test_vend.c — `wattle-pos vend` against a simulated vending machine
 * controller (VMC) in the test, speaking MDB frames in the adapter framing
 * over a pty pair, and a real wattled on free loopback ports (integration):
 * bring-up, a successful vend (with change refunded), a vend denied for
 * insufficient funds, a vend failure with automatic refund, a session
 * cancelled by the customer, a checksum error the reader does not answer
 * (the VMC times out and repeats), and offline acceptance with the engine
 * stopped and restarted. argv[1] = wattled, argv[2] =
 * wattle, argv[3] = wattle-pos. */
#include "pos.h"
#include "proc.h"
#include "run_cmd.h"
#include "testutil.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static char *wattled, *wattle, *wattle_pos;
static char tmp[256], chain[300], machine_key[400], rich_key[400], poor_key[400];
static char machine_addr[WT_ADDRESS_CHARS + 1], rich_addr[WT_ADDRESS_CHARS + 1],
    poor_addr[WT_ADDRESS_CHARS + 1];
static pid_t vend_pid;
static wt_wattled node;
static int master_fd = -1, slave_fd = -1, taps_fd = -1;
static char vend_out[400], queue_path[400];

static int new_key(char *path, size_t cap, char *address, const char *name)
{
    snprintf(path, cap, "%s/%s.key", tmp, name);
    run_result r;
    run_cmdl(&r, wattle, "key", "new", "--out", path, NULL);
    int ok = r.status == 0;
    run_result_free(&r);
    run_cmdl(&r, wattle, "key", "address", path, NULL);
    char *a = strstr(r.out, "uc1");
    ok = ok && a != NULL;
    if (a != NULL) {
        memcpy(address, a, WT_ADDRESS_CHARS);
        address[WT_ADDRESS_CHARS] = '\0';
    }
    run_result_free(&r);
    return ok ? 0 : -1;
}

static int setup(void **state)
{
    (void)state;
    if (wt_proc_tmpdir(tmp, sizeof tmp, "wattle-vend") != 0)
        return -1;
    unsetenv("WATTLE_PASSPHRASE");
    snprintf(chain, sizeof chain, "%s/chain", tmp);
    const char *init[] = {"--chain-id", "4444", "--interval-ms", "1000", "--zones",
                          "campus:20",  NULL};
    if (wt_chain_init(wattle, chain, init) != 0 ||
        new_key(machine_key, sizeof machine_key, machine_addr, "machine") != 0 ||
        new_key(rich_key, sizeof rich_key, rich_addr, "rich") != 0 ||
        new_key(poor_key, sizeof poor_key, poor_addr, "poor") != 0)
        return -1;
    if (wt_wattled_init(&node, wattled, chain) != 0 || wt_wattled_start(&node, NULL) != 0)
        return -1;
    setenv("WATTLE_NODE", node.http_url, 1);
    char operator_key[400], issuer_key[400];
    snprintf(operator_key, sizeof operator_key, "%s/operator.key", chain);
    snprintf(issuer_key, sizeof issuer_key, "%s/issuer.key", chain);
    run_result r;
    run_cmdl(&r, wattle, "register", "merchant", "--key", operator_key, "--merchant", machine_addr,
             "--name", "vending 3F", NULL);
    int ok = r.status == 0;
    run_result_free(&r);
    run_cmdl(&r, wattle, "mint", "--key", issuer_key, "--to", rich_addr, "--amount", "1000", NULL);
    ok = ok && r.status == 0;
    run_result_free(&r);
    if (!ok)
        return -1;
    /* the pty pair: the VMC on the master, the reader on the slave (raw) */
    master_fd = posix_openpt(O_RDWR | O_NOCTTY);
    if (master_fd < 0 || grantpt(master_fd) != 0 || unlockpt(master_fd) != 0)
        return -1;
    const char *slave = ptsname(master_fd);
    slave_fd = open(slave, O_RDWR | O_NOCTTY);
    struct termios tio;
    if (slave_fd < 0 || tcgetattr(slave_fd, &tio) != 0)
        return -1;
    cfmakeraw(&tio);
    tcsetattr(slave_fd, TCSANOW, &tio);
    int pipefd[2];
    if (pipe(pipefd) != 0)
        return -1;
    snprintf(vend_out, sizeof vend_out, "%s/vend.out", tmp);
    snprintf(queue_path, sizeof queue_path, "%s/offline.queue", tmp);
    char slave_path[128];
    snprintf(slave_path, sizeof slave_path, "%s", slave);
    vend_pid = fork();
    if (vend_pid == 0) {
        int fd = open(vend_out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(pipefd[0], 0);
        dup2(fd, 1);
        dup2(fd, 2);
        close(pipefd[1]);
        execl(wattle_pos, wattle_pos, "vend", "--device", slave_path, "--key", machine_key,
              "--offline-queue", queue_path, "--offline-wallet-limit", "100",
              "--offline-total-limit", "150", (char *)NULL);
        _exit(127);
    }
    close(pipefd[0]);
    taps_fd = pipefd[1];
    wt_proc_sleep_ms(300);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    if (taps_fd >= 0)
        close(taps_fd);
    if (vend_pid > 0) {
        kill(vend_pid, SIGTERM);
        waitpid(vend_pid, NULL, 0);
    }
    wt_wattled_stop(&node, SIGTERM);
    if (master_fd >= 0)
        close(master_fd);
    if (slave_fd >= 0)
        close(slave_fd);
    return wt_proc_rmtree(tmp);
}

/* ---------------------------------------------------------- the VMC */

#define A 0x60

static void vmc_write_words(const uint16_t *w, size_t n)
{
    uint8_t bytes[2 * WT_MDB_FRAME_WORDS_MAX];
    size_t len = wt_mdb_adapter_encode(bytes, sizeof bytes, w, n);
    assert_int_equal(write(master_fd, bytes, len), (ssize_t)len);
}

/* A frame: address|cmd with the mode bit, data, CHK; bad_chk spoils CHK. */
static void vmc_send(uint8_t addr_cmd, const uint8_t *data, size_t len, bool bad_chk)
{
    uint16_t w[WT_MDB_FRAME_WORDS_MAX];
    uint8_t sum = addr_cmd;
    w[0] = (uint16_t)(WT_MDB_MODE | addr_cmd);
    for (size_t i = 0; i < len; i++) {
        w[1 + i] = data[i];
        sum = (uint8_t)(sum + data[i]);
    }
    w[1 + len] = (uint8_t)(sum + (bad_chk ? 1 : 0));
    vmc_write_words(w, len + 2);
}

/* The reader's answer within timeout_ms (a response ends with a mode-bit
 * word); 0 words when none came: the VMC's response timeout. */
static size_t vmc_read(uint16_t *w, int timeout_ms)
{
    uint8_t bytes[2 * WT_MDB_FRAME_WORDS_MAX];
    size_t have = 0;
    int64_t until = wt_monotonic_ns() / 1000000 + timeout_ms;
    while (wt_monotonic_ns() / 1000000 < until) {
        struct pollfd p = {master_fd, POLLIN, 0};
        if (poll(&p, 1, 5) > 0) {
            ssize_t r = read(master_fd, bytes + have, sizeof bytes - have);
            if (r > 0)
                have += (size_t)r;
        }
        if (have >= 2 && have % 2 == 0 && bytes[have - 2] == 1)
            break; /* the mode-bit word ends the response */
    }
    size_t n = 0;
    if (have == 0)
        return 0;
    assert_int_equal(wt_mdb_adapter_decode(w, WT_MDB_FRAME_WORDS_MAX, &n, bytes, have), WT_OK);
    if (n > 1) { /* a data response: the VMC acknowledges it */
        const uint16_t ack = 0x000;
        vmc_write_words(&ack, 1);
        wt_proc_sleep_ms(10);
    }
    return n;
}

static void expect_ack(void)
{
    uint16_t w[WT_MDB_FRAME_WORDS_MAX];
    size_t n = vmc_read(w, 2000);
    if (n != 1 || w[0] != (WT_MDB_MODE | 0x00)) {
        char *log = wt_test_read_file(vend_out, &(size_t){0});
        fail_msg("wanted ACK, got %zu words (first 0x%03x); reader log:\n%s", n, n > 0 ? w[0] : 0,
                 log != NULL ? log : "");
    }
}

/* POLL until the reader answers with response `code` (at most 5 s); the
 * answer's words in w. */
static size_t poll_until(uint16_t *w, uint8_t code)
{
    for (int i = 0; i < 100; i++) {
        vmc_send(A | 2, NULL, 0, false);
        size_t n = vmc_read(w, 1000);
        if (n > 1 && w[0] == code)
            return n;
        if (n > 1)
            fail_msg("POLL answered 0x%02x, waiting for 0x%02x", w[0], code);
        wt_proc_sleep_ms(50);
    }
    char *log = wt_test_read_file(vend_out, &(size_t){0});
    fail_msg("no response 0x%02x; reader log:\n%s", code, log != NULL ? log : "");
    return 0;
}

static void tap(const char *key, const char *amount)
{
    run_result r;
    run_cmdl(&r, wattle, "send", "--key", key, "--to", machine_addr, "--amount", amount,
             "--sign-only", NULL);
    assert_int_equal(r.status, 0);
    assert_int_equal(write(taps_fd, r.out, strlen(r.out)), (ssize_t)strlen(r.out));
    run_result_free(&r);
}

/* Offline: the wallet signs with its own nonce and the chain id. */
static void tap_offline(const char *key, const char *amount, const char *nonce)
{
    run_result r;
    run_cmdl(&r, wattle, "send", "--key", key, "--to", machine_addr, "--amount", amount,
             "--sign-only", "--nonce", nonce, "--chain-id", "4444", NULL);
    assert_int_equal(r.status, 0);
    assert_int_equal(write(taps_fd, r.out, strlen(r.out)), (ssize_t)strlen(r.out));
    run_result_free(&r);
}

static void expect_balance(const char *addr, const char *needle)
{
    run_result r;
    for (int i = 0; i < 50; i++) { /* a refund may still be on its way */
        run_cmdl(&r, wattle, "balance", addr, NULL);
        bool ok = strstr(r.out, needle) != NULL;
        if (ok || i == 49) {
            if (!ok)
                fail_msg("balance of %s: %s (want '%s')", addr, r.out, needle);
            run_result_free(&r);
            return;
        }
        run_result_free(&r);
        wt_proc_sleep_ms(100);
    }
}

static void vend_request(uint16_t price_u, uint16_t item)
{
    const uint8_t req[5] = {0x00, (uint8_t)(price_u >> 8), (uint8_t)price_u, (uint8_t)(item >> 8),
                            (uint8_t)item};
    vmc_send(A | 3, req, 5, false);
    expect_ack();
}

static void session_complete(void)
{
    uint16_t w[WT_MDB_FRAME_WORDS_MAX];
    const uint8_t complete[1] = {0x04};
    vmc_send(A | 3, complete, 1, false);
    size_t n = vmc_read(w, 2000);
    assert_int_equal(n, 2);
    assert_int_equal(w[0], 0x07); /* END SESSION */
}

static void test_bring_up(void **state)
{
    (void)state;
    uint16_t w[WT_MDB_FRAME_WORDS_MAX];
    vmc_send(A | 0, NULL, 0, false); /* RESET */
    expect_ack();
    size_t n = poll_until(w, 0x00); /* JUST RESET */
    assert_int_equal(n, 2);
    const uint8_t setup_cfg[5] = {0x00, 0x01, 0x00, 0x00, 0x00};
    vmc_send(A | 1, setup_cfg, 5, false);
    n = vmc_read(w, 2000);
    assert_int_equal(n, 9);
    assert_int_equal(w[0], 0x01); /* READER CONFIG DATA */
    assert_int_equal(w[2], 0x14);
    assert_int_equal(w[3], 0x10);
    const uint8_t prices[5] = {0x01, 0x03, 0xE8, 0x00, 0x01};
    vmc_send(A | 1, prices, 5, false);
    expect_ack();
    const uint8_t enable[1] = {0x01};
    vmc_send(A | 4, enable, 1, false);
    expect_ack();
    /* the other cashless address is not ours: no answer */
    vmc_send(0x10 | 2, NULL, 0, false);
    assert_int_equal(vmc_read(w, 100), 0);
}

/* 200 U tapped, a 150 U item: approved after the commit, 50 U change. */
static void test_vend_success(void **state)
{
    (void)state;
    uint16_t w[WT_MDB_FRAME_WORDS_MAX];
    tap(rich_key, "200");
    size_t n = poll_until(w, 0x03); /* BEGIN SESSION, funds 200 */
    assert_int_equal(n, 4);
    assert_int_equal(w[2], 200);
    vend_request(150, 12);
    n = poll_until(w, 0x05); /* VEND APPROVED 150 */
    assert_int_equal(w[2], 150);
    const uint8_t success[3] = {0x02, 0x00, 12};
    vmc_send(A | 3, success, 3, false);
    expect_ack();
    session_complete();
    expect_balance(machine_addr, "balance   150 U");
    expect_balance(rich_addr, "balance   850 U");
}

static void test_vend_denied_insufficient_funds(void **state)
{
    (void)state;
    uint16_t w[WT_MDB_FRAME_WORDS_MAX];
    tap(poor_key, "100");
    poll_until(w, 0x03);
    vend_request(100, 3);
    poll_until(w, 0x06); /* VEND DENIED: the node refused the payment */
    session_complete();
    expect_balance(machine_addr, "balance   150 U");
    char *log = wt_test_read_file(vend_out, &(size_t){0});
    assert_non_null(strstr(log, "insufficient_funds"));
    free(log);
}

static void test_vend_failure_refunds(void **state)
{
    (void)state;
    uint16_t w[WT_MDB_FRAME_WORDS_MAX];
    tap(rich_key, "50");
    poll_until(w, 0x03);
    vend_request(50, 7);
    poll_until(w, 0x05);
    const uint8_t failure[1] = {0x03};
    vmc_send(A | 3, failure, 1, false);
    expect_ack();
    session_complete();
    expect_balance(rich_addr, "balance   850 U"); /* refunded in full */
    expect_balance(machine_addr, "balance   150 U");
}

static void test_customer_cancels(void **state)
{
    (void)state;
    uint16_t w[WT_MDB_FRAME_WORDS_MAX];
    /* the tap and the cancel arrive in one write */
    run_result r;
    run_cmdl(&r, wattle, "send", "--key", rich_key, "--to", machine_addr, "--amount", "30",
             "--sign-only", NULL);
    assert_int_equal(r.status, 0);
    char both[2048];
    snprintf(both, sizeof both, "%scancel\n", r.out);
    run_result_free(&r);
    assert_int_equal(write(taps_fd, both, strlen(both)), (ssize_t)strlen(both));
    poll_until(w, 0x03);
    poll_until(w, 0x04); /* SESSION CANCEL REQUEST */
    session_complete();
    expect_balance(rich_addr, "balance   850 U"); /* never charged */
}

/* A frame with a bad checksum gets no answer: the VMC times out, repeats
 * it, and gets the answer. */
static void test_checksum_error_timeout(void **state)
{
    (void)state;
    uint16_t w[WT_MDB_FRAME_WORDS_MAX];
    vmc_send(A | 2, NULL, 0, true);
    assert_int_equal(vmc_read(w, 200), 0);
    vmc_send(A | 2, NULL, 0, false);
    expect_ack();
    /* a VMC ACK, another device's POLL and our POLL back to back in one
     * write: split by their structure, only ours answered */
    const uint16_t burst[5] = {0x000, WT_MDB_MODE | 0x12, 0x12, WT_MDB_MODE | (A | 2), A | 2};
    vmc_write_words(burst, 5);
    expect_ack();
}

static bool log_has(const char *needle)
{
    size_t len;
    char *log = wt_test_read_file(vend_out, &len);
    bool has = log != NULL && strstr(log, needle) != NULL;
    free(log);
    return has;
}

/* One offline vend: BEGIN SESSION, VEND REQUEST, the expected answer. */
static void offline_vend(uint16_t price_u, uint8_t answer)
{
    uint16_t w[WT_MDB_FRAME_WORDS_MAX];
    poll_until(w, 0x03);
    vend_request(price_u, 9);
    poll_until(w, answer);
    if (answer == 0x05) {
        const uint8_t success[3] = {0x02, 0x00, 9};
        vmc_send(A | 3, success, 3, false);
        expect_ack();
    }
    session_complete();
}

/* Engine stopped: payments within the limits approved and queued, one above
 * the wallet limit denied; engine back: the queue drained, balances right,
 * the double spend (a wallet without the money) reported with its address. */
static void test_offline(void **state)
{
    (void)state;
    run_result r;
    run_cmdl(&r, wattle, "balance", rich_addr, NULL);
    char *nl = strstr(r.out, "nonce");
    assert_non_null(nl);
    unsigned long nonce = strtoul(nl + 5, NULL, 10);
    run_result_free(&r);
    char n1[32], n2[32];
    snprintf(n1, sizeof n1, "%lu", nonce + 1);
    snprintf(n2, sizeof n2, "%lu", nonce + 2);
    wt_wattled_stop(&node, SIGTERM);
    tap_offline(rich_key, "40", n1);
    offline_vend(40, 0x05); /* approved offline */
    tap_offline(poor_key, "60", "1");
    offline_vend(60, 0x05); /* approved: 60 <= 100 per wallet, 100 <= 150 in all */
    tap_offline(rich_key, "70", n2);
    offline_vend(70, 0x06); /* denied: rich would owe 110 > 100 */
    assert_true(log_has("approved offline (queued)"));
    size_t len;
    char *queue = wt_test_read_file(queue_path, &len);
    assert_non_null(queue);
    size_t lines = 0;
    for (size_t i = 0; i < len; i++)
        lines += queue[i] == '\n';
    assert_int_equal(lines, 2); /* durable: both on disk */
    free(queue);
    assert_int_equal(wt_wattled_start(&node, NULL), 0);
    for (int i = 0; i < 100 && !log_has("DOUBLE SPEND"); i++)
        wt_proc_sleep_ms(100);
    assert_true(log_has("offline payment committed"));
    char needle[200];
    snprintf(needle, sizeof needle, "DOUBLE SPEND: customer %s did not pay 60 U", poor_addr);
    if (!log_has(needle)) {
        char *log = wt_test_read_file(vend_out, &len);
        fail_msg("no '%s' in the reader log:\n%s", needle, log);
    }
    assert_true(log_has("insufficient_funds"));
    expect_balance(machine_addr, "balance   190 U");
    expect_balance(rich_addr, "balance   810 U");
    queue = wt_test_read_file(queue_path, &len);
    assert_int_equal(len, 0); /* drained */
    free(queue);
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
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bring_up),
        cmocka_unit_test(test_vend_success),
        cmocka_unit_test(test_vend_denied_insufficient_funds),
        cmocka_unit_test(test_vend_failure_refunds),
        cmocka_unit_test(test_customer_cancels),
        cmocka_unit_test(test_checksum_error_timeout),
        cmocka_unit_test(test_offline),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
