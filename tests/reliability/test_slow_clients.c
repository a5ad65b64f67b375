/* test_slow_clients.c — slow and half-open clients against a real wattled
 * on free loopback ports, with [http] timeout_s and [nng] idle_timeout_s at
 * 2 s: the daemon keeps serving everyone else meanwhile and closes each of
 * them after its timeout.
 *  - HTTP "slowloris": connections that trickle a request's header a byte
 *    every 250 ms (each byte restarts an idle timer, so only a deadline for
 *    the whole request ends them), one of them after a first, complete
 *    request on the same keep-alive connection; a request that is slow but
 *    complete within the deadline is still answered.
 *  - nng: a TCP peer that completes the SP handshake and then sends nothing,
 *    one that stops in the middle of a message; an nng client that idles past
 *    the timeout gets its next request answered (it redials).
 * Bounded: every loop stops after at most 10 s. argv[1] wattled, argv[2] wattle. */
#include "rel.h"
#include "testutil.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define TIMEOUT_S  2
#define LIMIT_MS   10000
#define SLOW_CONNS 5

static const char *wattled_path, *wattle_path;

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int tcp_connect(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    return fd;
}

/* Read what is there without blocking: 1 when the peer has closed (EOF or a
 * reset), 0 otherwise; what was read is appended to buf. */
static int drain(int fd, char *buf, size_t *len, size_t cap)
{
    for (;;) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 0) <= 0)
            return 0;
        char tmp[512];
        ssize_t n = recv(fd, tmp, sizeof tmp, MSG_DONTWAIT);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
            return 1;
        if (n < 0)
            return 0;
        size_t take = (size_t)n < cap - 1 - *len ? (size_t)n : cap - 1 - *len;
        memcpy(buf + *len, tmp, take);
        *len += take;
        buf[*len] = '\0';
    }
}

/* A mint over HTTP must be answered, committed, within 2 s. */
static void served(rel_chain *c, uint64_t *issuer_nonce, const wt_seckey *to)
{
    wt_tx tx;
    wt_tx_init(&tx, WT_TX_MINT);
    tx.nonce = ++*issuer_nonce;
    memcpy(tx.body.mint.to, to->pubkey, 32);
    tx.body.mint.amount_micro = 1000;
    static rel_tx t;
    assert_int_equal(rel_sign(c, &t, &tx, &c->issuer), 0);
    const rel_tx *one[] = {&t};
    rel_result r;
    int64_t t0 = mono_ms();
    assert_int_equal(rel_http_submit(c->d.http_port, &r, one, 1, 2000), 0);
    if (!r.committed)
        fail_msg("a mint beside the slow clients: %d %s", r.http_status, r.code);
    assert_true(mono_ms() - t0 < 2000);
}

static void test_http_slowloris(void **state)
{
    (void)state;
    rel_chain c;
    assert_int_equal(rel_chain_make(&c, wattle_path, wattled_path, "wattle-slow", NULL,
                                    "\n[http]\ntimeout_s = 2\n"),
                     0);
    c.d.log_level = "info";
    assert_int_equal(wt_wattled_start(&c.d, NULL), 0);
    wt_seckey alice;
    rel_key(&c, &alice, "alice");
    uint64_t nonce = 0;

    static const char head[] =
        "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n";
    int fds[SLOW_CONNS];
    int64_t since[SLOW_CONNS], closed_at[SLOW_CONNS];
    size_t sent[SLOW_CONNS];
    char buf[SLOW_CONNS][1024];
    size_t got[SLOW_CONNS];
    for (int i = 0; i < SLOW_CONNS; i++) {
        fds[i] = tcp_connect(c.d.http_port);
        since[i] = mono_ms();
        closed_at[i] = 0;
        sent[i] = 0;
        got[i] = 0;
        buf[i][0] = '\0';
    }
    /* the last one first asks a whole request on its keep-alive connection;
     * its deadline starts again when that reply has come */
    int ka = SLOW_CONNS - 1;
    static const char first[] = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    assert_int_equal(write(fds[ka], first, strlen(first)), (ssize_t)strlen(first));
    int64_t t_start = mono_ms();
    while (strstr(buf[ka], "\r\n\r\n") == NULL || strstr(buf[ka], "\"ok\"") == NULL) {
        assert_int_equal(drain(fds[ka], buf[ka], &got[ka], sizeof buf[ka]), 0);
        assert_true(mono_ms() - t_start < 2000);
        wt_proc_sleep_ms(5);
    }
    since[ka] = mono_ms();

    /* a slow but whole request: four pieces over ~1 s, answered */
    int ok_fd = tcp_connect(c.d.http_port);
    static const char *const pieces[] = {"GET /heal", "thz HTTP/1.0\r\n", "Host: x\r\n", "\r\n"};
    for (int k = 0; k < 4; k++) {
        assert_int_equal(write(ok_fd, pieces[k], strlen(pieces[k])), (ssize_t)strlen(pieces[k]));
        wt_proc_sleep_ms(300);
    }

    int open_count = SLOW_CONNS, served_count = 0;
    int64_t last_tick = 0;
    while (open_count > 0 && mono_ms() - t_start < LIMIT_MS) {
        if (mono_ms() - last_tick >= 250) {
            last_tick = mono_ms();
            for (int i = 0; i < SLOW_CONNS; i++)
                if (closed_at[i] == 0 && sent[i] < sizeof head - 1) {
                    /* one byte: every one restarts libevent's idle timer */
                    if (send(fds[i], head + sent[i], 1, MSG_NOSIGNAL) == 1)
                        sent[i]++;
                }
        }
        for (int i = 0; i < SLOW_CONNS; i++)
            if (closed_at[i] == 0 && drain(fds[i], buf[i], &got[i], sizeof buf[i]) == 1) {
                closed_at[i] = mono_ms();
                open_count--;
            }
        served(&c, &nonce, &alice); /* everyone else is served meanwhile */
        served_count++;
        wt_proc_sleep_ms(20);
    }
    for (int i = 0; i < SLOW_CONNS; i++) {
        if (closed_at[i] == 0)
            fail_msg("slow connection %d still open after %d ms", i, LIMIT_MS);
        int64_t held = closed_at[i] - since[i];
        print_message("slow connection %d: %zu bytes trickled, closed after %lld ms\n", i, sent[i],
                      (long long)held);
        /* closed at the deadline, not by an idle timer (it never idled), and
         * answered nothing for the unfinished request */
        assert_true(held >= TIMEOUT_S * 1000 - 100 && held <= TIMEOUT_S * 1000 + 1500);
        assert_true(sent[i] < sizeof head - 1);
        if (i != ka)
            assert_int_equal(got[i], 0);
        close(fds[i]);
    }
    char okbuf[1024];
    size_t ok_got = 0;
    for (int i = 0; i < 100 && strstr(okbuf, "\"ok\"") == NULL; i++) {
        okbuf[ok_got] = '\0';
        drain(ok_fd, okbuf, &ok_got, sizeof okbuf);
        wt_proc_sleep_ms(20);
    }
    assert_non_null(strstr(okbuf, "HTTP/1.0 200"));
    close(ok_fd);
    assert_true(served_count >= 10);
    assert_true(rel_metric(&c, "wattle_http_slow_closed_total") >= SLOW_CONNS);
    assert_true(wt_wattled_stop_clean(&c.d));
    rel_chain_free(&c);
}

static void test_nng_half_open(void **state)
{
    (void)state;
    rel_chain c;
    assert_int_equal(rel_chain_make(&c, wattle_path, wattled_path, "wattle-halfopen", NULL,
                                    "\n[nng]\nidle_timeout_s = 2\n"),
                     0);
    c.d.log_level = "info";
    assert_int_equal(wt_wattled_start(&c.d, NULL), 0);
    wt_seckey alice;
    rel_key(&c, &alice, "alice");

    /* an nng client that will idle past the timeout, connected first */
    rel_nng idler;
    assert_int_equal(rel_nng_open(&idler, c.d.nng_url, 3000), 0);
    wt_tx tx;
    rel_tx t;
    const rel_tx *one[] = {&t};
    rel_result r;
    uint64_t nonce = 0;
    wt_tx_init(&tx, WT_TX_MINT);
    tx.nonce = ++nonce;
    memcpy(tx.body.mint.to, alice.pubkey, 32);
    tx.body.mint.amount_micro = 5;
    assert_int_equal(rel_sign(&c, &t, &tx, &c.issuer), 0);
    assert_int_equal(rel_nng_submit(&idler, &r, one, 1), 0);
    assert_true(r.committed);

    /* silent after the handshake; and stopped in the middle of a message */
    static const uint8_t sp_req[8] = {0, 'S', 'P', 0, 0, 0x30, 0, 0}; /* SP header, REQ (48) */
    static const uint8_t partial[12] = {0, 0, 0, 0, 0, 0, 0, 100, 'W', 'T', 'X', '1'};
    int silent = tcp_connect(c.nng_port), stalled = tcp_connect(c.nng_port);
    int64_t t0 = mono_ms();
    assert_int_equal(write(silent, sp_req, 8), 8);
    assert_int_equal(write(stalled, sp_req, 8), 8);
    assert_int_equal(write(stalled, partial, sizeof partial), (ssize_t)sizeof partial);
    char b0[64], b1[64];
    size_t g0 = 0, g1 = 0;
    int64_t closed0 = 0, closed1 = 0;
    rel_nng busy;
    assert_int_equal(rel_nng_open(&busy, c.d.nng_url, 3000), 0);
    int submitted = 0;
    while ((closed0 == 0 || closed1 == 0) && mono_ms() - t0 < LIMIT_MS) {
        if (closed0 == 0 && drain(silent, b0, &g0, sizeof b0) == 1)
            closed0 = mono_ms();
        if (closed1 == 0 && drain(stalled, b1, &g1, sizeof b1) == 1)
            closed1 = mono_ms();
        /* others keep being served: a mint every 100 ms over nng */
        wt_tx_init(&tx, WT_TX_MINT);
        tx.nonce = ++nonce;
        memcpy(tx.body.mint.to, alice.pubkey, 32);
        tx.body.mint.amount_micro = 7;
        assert_int_equal(rel_sign(&c, &t, &tx, &c.issuer), 0);
        int64_t s0 = mono_ms();
        assert_int_equal(rel_nng_submit(&busy, &r, one, 1), 0);
        assert_true(r.committed && !r.duplicate);
        assert_true(mono_ms() - s0 < 2000);
        submitted++;
        wt_proc_sleep_ms(100);
    }
    if (closed0 == 0 || closed1 == 0)
        fail_msg("half-open peers still open after %d ms (silent %lld, stalled %lld)", LIMIT_MS,
                 (long long)closed0, (long long)closed1);
    print_message("silent peer closed after %lld ms, stalled peer after %lld ms, %d mints "
                  "served meanwhile\n",
                  (long long)(closed0 - t0), (long long)(closed1 - t0), submitted);
    assert_true(closed0 - t0 >= TIMEOUT_S * 1000 - 100 && closed0 - t0 <= TIMEOUT_S * 1000 + 1500);
    assert_true(closed1 - t0 >= TIMEOUT_S * 1000 - 100 && closed1 - t0 <= TIMEOUT_S * 1000 + 1500);
    assert_true(submitted >= 10);
    close(silent);
    close(stalled);
    /* the idler's pipe was closed meanwhile too; its next request works */
    for (int i = 0; i < 40 && rel_metric(&c, "wattle_nng_idle_closed_total") < 3; i++)
        wt_proc_sleep_ms(100);
    assert_true(rel_metric(&c, "wattle_nng_idle_closed_total") >= 3);
    wt_tx_init(&tx, WT_TX_MINT);
    tx.nonce = ++nonce;
    memcpy(tx.body.mint.to, alice.pubkey, 32);
    tx.body.mint.amount_micro = 9;
    assert_int_equal(rel_sign(&c, &t, &tx, &c.issuer), 0);
    assert_int_equal(rel_nng_submit(&idler, &r, one, 1), 0);
    assert_true(r.committed && !r.duplicate);
    rel_nng_close(&idler);
    rel_nng_close(&busy);
    assert_true(wt_wattled_stop_clean(&c.d));
    rel_chain_free(&c);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s WATTLED WATTLE\n", argv[0]);
        return 2;
    }
    wattled_path = argv[1];
    wattle_path = argv[2];
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_http_slowloris),
        cmocka_unit_test(test_nng_half_open),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
