/* test_flood.c — one account flooding a real wattled ([limits]
 * inflight_per_sender) while the others' payments still go through.
 *  - The ceiling: with inflight_per_sender = 4, one nng batch of six
 *    forged mints (bad signatures: they take no slot) and ten real ones
 *    from the issuer gets four committed and six refused at once with
 *    rate_limited (field "sender"), counted in /metrics, not remembered as
 *    rejected (GET /v1/txs says unknown: nothing was decided about them); a
 *    batch mixing senders is limited per sender; the refused mints commit
 *    when sent again.
 *  - Fairness: two flooder threads send batches of 256 signed transfers
 *    from one account as fast as the node answers (inflight_per_sender =
 *    64: no reply to a flooder's batch admits more than 64 of them), while
 *    twenty alice -> bob payments over HTTP each commit within 2 s.
 * Bounded: the flood stops after the payments, after 20 s, or after 40
 * rounds per thread, whichever comes first. argv[1] wattled, argv[2] wattle. */
#include "rel.h"
#include "testutil.h"

#include <jansson.h>
#include <nng/protocol/reqrep0/req.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FLOOD_THREADS  2
#define FLOOD_BATCHES  8   /* per thread, sent round after round */
#define FLOOD_BATCH    256 /* transactions per nng message */
#define FLOOD_ROUNDS   40
#define FLOOD_LIMIT_MS 20000
#define FLOOD_CEILING  64
#define PAYMENTS       20
#define PAYMENT_MAX_MS 2000
#define FLOOD_TX_MAX   512

static const char *wattled_path, *wattle_path;

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t balance(rel_chain *c, const wt_seckey *key)
{
    char addr[WT_ADDRESS_CHARS + 1], path[128], *body = NULL;
    wt_address_encode(addr, key->pubkey);
    snprintf(path, sizeof path, "/v1/accounts/%s", addr);
    assert_int_equal(wt_proc_http_body(&body, "127.0.0.1", c->d.http_port, "GET", path, NULL, 5000),
                     200);
    json_t *doc = json_loads(body, 0, NULL);
    free(body);
    assert_non_null(doc);
    int64_t b = (int64_t)json_integer_value(json_object_get(doc, "balance_micro"));
    json_decref(doc);
    return b;
}

static const char *tx_status(rel_chain *c, const rel_tx *t)
{
    static char status[32];
    char hex[65], path[96], *body = NULL;
    wt_hex_encode(hex, t->txid, 32);
    snprintf(path, sizeof path, "/v1/txs/%s", hex);
    wt_proc_http_body(&body, "127.0.0.1", c->d.http_port, "GET", path, NULL, 5000);
    json_t *doc = body != NULL ? json_loads(body, 0, NULL) : NULL;
    free(body);
    const char *s = json_string_value(json_object_get(doc, "status"));
    snprintf(status, sizeof status, "%s", s != NULL ? s : "(no answer)");
    json_decref(doc);
    return status;
}

static void sign_mint(rel_chain *c, rel_tx *t, uint64_t nonce, const wt_seckey *to, int64_t amount)
{
    wt_tx tx;
    wt_tx_init(&tx, WT_TX_MINT);
    tx.nonce = nonce;
    memcpy(tx.body.mint.to, to->pubkey, 32);
    tx.body.mint.amount_micro = amount;
    assert_int_equal(rel_sign(c, t, &tx, &c->issuer), 0);
}

static void sign_transfer(rel_chain *c, rel_tx *t, uint64_t nonce, const wt_seckey *from,
                          const wt_seckey *to, int64_t amount)
{
    wt_tx tx;
    wt_tx_init(&tx, WT_TX_TRANSFER);
    tx.nonce = nonce;
    memcpy(tx.body.transfer.to, to->pubkey, 32);
    tx.body.transfer.amount_micro = amount;
    assert_int_equal(rel_sign(c, t, &tx, from), 0);
}

static void submit_nng(rel_chain *c, rel_result *r, const rel_tx *const *txs, size_t count)
{
    rel_nng n;
    assert_int_equal(rel_nng_open(&n, c->d.nng_url, 10000), 0);
    assert_int_equal(rel_nng_submit(&n, r, txs, count), 0);
    rel_nng_close(&n);
}

static void test_ceiling(void **state)
{
    (void)state;
    rel_chain c;
    assert_int_equal(rel_chain_make(&c, wattle_path, wattled_path, "wattle-ceiling", NULL,
                                    "\n[limits]\ninflight_per_sender = 4\n"),
                     0);
    c.d.log_level = "info";
    assert_int_equal(wt_wattled_start(&c.d, NULL), 0);
    wt_seckey alice, bob;
    rel_key(&c, &alice, "alice");
    rel_key(&c, &bob, "bob");

    /* Six forgeries in the issuer's name first (a signature byte flipped):
     * only signed transactions count against a sender, so they cannot use
     * up the issuer's four slots. Then ten real mints. */
    static rel_tx forged[6], mints[10];
    const rel_tx *batch[16];
    for (int i = 0; i < 6; i++) {
        sign_mint(&c, &forged[i], (uint64_t)i + 1, &bob, 5000000);
        forged[i].raw[forged[i].len - 1] ^= 0x01;
        batch[i] = &forged[i];
    }
    for (int i = 0; i < 10; i++) {
        sign_mint(&c, &mints[i], (uint64_t)i + 1, &alice, 1000000);
        batch[6 + i] = &mints[i];
    }
    rel_result r[16];
    submit_nng(&c, r, batch, 16);
    for (int i = 0; i < 6; i++) {
        assert_false(r[i].committed);
        assert_string_equal(r[i].code, "bad_signature");
    }
    for (int i = 0; i < 10; i++) {
        const rel_result *ri = &r[6 + i];
        assert_true(ri->answered);
        if (i < 4) {
            if (!ri->committed)
                fail_msg("mint %d of 10: %s", i + 1, ri->code);
            continue;
        }
        assert_false(ri->committed);
        assert_string_equal(ri->code, "rate_limited");
        assert_string_equal(ri->field, "sender");
    }
    assert_int_equal(rel_metric(&c, "wattle_txs_rejected_total{reason=\"rate_limited\"}"), 6);
    assert_int_equal(balance(&c, &bob), 0);
    assert_string_equal(tx_status(&c, &mints[4]), "unknown");
    assert_int_equal(balance(&c, &alice), 4000000);

    /* per sender: six more mints and three of alice's transfers in one batch */
    static rel_tx pays[3];
    const rel_tx *mixed[9];
    for (int i = 0; i < 6; i++)
        mixed[i] = &mints[4 + i];
    for (int i = 0; i < 3; i++) {
        sign_transfer(&c, &pays[i], (uint64_t)i + 1, &alice, &bob, 100000);
        mixed[6 + i] = &pays[i];
    }
    rel_result m[9];
    submit_nng(&c, m, mixed, 9);
    for (int i = 0; i < 9; i++) {
        bool refused = i == 4 || i == 5;
        if (refused) {
            assert_string_equal(m[i].code, "rate_limited");
        } else if (!m[i].committed) {
            fail_msg("transaction %d of the mixed batch: %s", i, m[i].code);
        }
    }
    /* the two refused mints, sent again */
    rel_result again[2];
    submit_nng(&c, again, mixed + 4, 2);
    assert_true(again[0].committed && !again[0].duplicate);
    assert_true(again[1].committed && !again[1].duplicate);
    assert_int_equal(balance(&c, &alice), 10000000 - 300000);
    assert_int_equal(balance(&c, &bob), 300000);
    assert_int_equal(rel_metric(&c, "wattle_txs_rejected_total{reason=\"rate_limited\"}"), 8);

    assert_true(wt_wattled_stop_clean(&c.d));
    assert_int_equal(rel_audit(wattle_path, c.db), 0);
    rel_chain_free(&c);
}

/* ----------------------------------------------------------- the flood */

typedef struct {
    uint8_t raw[FLOOD_TX_MAX];
    size_t len;
} flood_tx;

typedef struct {
    const char *url;
    flood_tx *txs; /* FLOOD_BATCHES x FLOOD_BATCH */
    atomic_bool *stop;
    int64_t deadline_ms;
    /* what came back */
    long replies, admitted_max, refused, failed;
    atomic_long *replied; /* shared: replies so far, over all threads */
} flooder;

static void *flood_main(void *arg)
{
    flooder *f = arg;
    nng_socket sock;
    if (nng_req0_open(&sock) != 0) {
        f->failed++;
        return NULL;
    }
    nng_socket_set_ms(sock, NNG_OPT_RECVTIMEO, 10000);
    nng_socket_set_ms(sock, NNG_OPT_SENDTIMEO, 10000);
    if (nng_dial(sock, f->url, NULL, 0) != 0) {
        f->failed++;
        nng_close(sock);
        return NULL;
    }
    const uint8_t *raws[FLOOD_BATCH];
    size_t lens[FLOOD_BATCH];
    wt_wire_result results[FLOOD_BATCH];
    for (int round = 0; round < FLOOD_ROUNDS && !atomic_load(f->stop) && mono_ms() < f->deadline_ms;
         round++) {
        for (int b = 0; b < FLOOD_BATCHES && !atomic_load(f->stop); b++) {
            for (int i = 0; i < FLOOD_BATCH; i++) {
                raws[i] = f->txs[b * FLOOD_BATCH + i].raw;
                lens[i] = f->txs[b * FLOOD_BATCH + i].len;
            }
            size_t size = wt_wire_request_size(lens, FLOOD_BATCH), len = 0;
            uint8_t *req = malloc(size);
            if (req == NULL ||
                wt_wire_request_encode(req, size, &len, raws, lens, FLOOD_BATCH) != WT_OK ||
                nng_send(sock, req, len, 0) != 0) {
                free(req);
                f->failed++;
                continue;
            }
            free(req);
            uint8_t *reply = NULL;
            size_t reply_len = 0, got = 0;
            if (nng_recv(sock, &reply, &reply_len, NNG_FLAG_ALLOC) != 0) {
                f->failed++;
                continue;
            }
            if (wt_wire_reply_decode(results, FLOOD_BATCH, &got, reply, reply_len) != WT_OK ||
                got != FLOOD_BATCH) {
                f->failed++;
            } else {
                long admitted = 0;
                for (size_t i = 0; i < got; i++) {
                    bool limited = results[i].code_len == strlen("rate_limited") &&
                                   memcmp(results[i].code, "rate_limited", 12) == 0;
                    if (limited)
                        f->refused++;
                    else
                        admitted++;
                }
                if (admitted > f->admitted_max)
                    f->admitted_max = admitted;
                f->replies++;
                atomic_fetch_add(f->replied, 1);
            }
            nng_free(reply, reply_len);
        }
    }
    nng_close(sock);
    return NULL;
}

static void test_flood_beside_payments(void **state)
{
    (void)state;
    rel_chain c;
    char extra[96];
    snprintf(extra, sizeof extra, "\n[limits]\ninflight_per_sender = %d\n", FLOOD_CEILING);
    assert_int_equal(rel_chain_make(&c, wattle_path, wattled_path, "wattle-flood", NULL, extra), 0);
    c.d.log_level = "info";
    assert_int_equal(wt_wattled_start(&c.d, NULL), 0);
    wt_seckey alice, bob, flood;
    rel_key(&c, &alice, "alice");
    rel_key(&c, &bob, "bob");
    rel_key(&c, &flood, "flood");

    static rel_tx t;
    rel_result r;
    const rel_tx *one[] = {&t};
    sign_mint(&c, &t, 1, &alice, 100000000);
    assert_int_equal(rel_http_submit(c.d.http_port, &r, one, 1, 10000), 0);
    assert_true(r.committed);
    sign_mint(&c, &t, 2, &flood, 100000000);
    assert_int_equal(rel_http_submit(c.d.http_port, &r, one, 1, 10000), 0);
    assert_true(r.committed);

    /* the flood's transfers, signed beforehand: 1 micro each to bob */
    size_t n = (size_t)FLOOD_THREADS * FLOOD_BATCHES * FLOOD_BATCH;
    flood_tx *pool = calloc(n, sizeof *pool);
    assert_non_null(pool);
    for (size_t i = 0; i < n; i++) {
        wt_tx tx;
        wt_tx_init(&tx, WT_TX_TRANSFER);
        tx.nonce = i + 1;
        tx.chain_id = REL_CHAIN_ID;
        tx.expiry_ms = wt_now_ms() + 3600000;
        memcpy(tx.sender, flood.pubkey, 32);
        memcpy(tx.body.transfer.to, bob.pubkey, 32);
        tx.body.transfer.amount_micro = 1;
        uint8_t txid[32];
        const char *field = NULL;
        assert_int_equal(wt_tx_sign(c.ctx, txid, &tx, &flood), WT_OK);
        assert_int_equal(wt_tx_encode(pool[i].raw, FLOOD_TX_MAX, &pool[i].len, &field, &tx), WT_OK);
    }

    atomic_bool stop = false;
    atomic_long replied = 0;
    flooder f[FLOOD_THREADS];
    pthread_t th[FLOOD_THREADS];
    for (int i = 0; i < FLOOD_THREADS; i++) {
        f[i] = (flooder){.url = c.d.nng_url,
                         .txs = pool + (size_t)i * FLOOD_BATCHES * FLOOD_BATCH,
                         .stop = &stop,
                         .deadline_ms = mono_ms() + FLOOD_LIMIT_MS,
                         .replied = &replied};
        assert_int_equal(pthread_create(&th[i], NULL, flood_main, &f[i]), 0);
    }
    /* the flood is on once its first replies are back */
    int64_t t0 = mono_ms();
    while (atomic_load(&replied) < 2 && mono_ms() - t0 < 10000)
        nanosleep(&(struct timespec){0, 5000000}, NULL);
    assert_true(atomic_load(&replied) >= 2);

    int64_t worst_ms = 0;
    for (int i = 0; i < PAYMENTS; i++) {
        sign_transfer(&c, &t, (uint64_t)i + 1, &alice, &bob, 250000);
        int64_t start = mono_ms();
        assert_int_equal(rel_http_submit(c.d.http_port, &r, one, 1, PAYMENT_MAX_MS * 5), 0);
        int64_t took = mono_ms() - start;
        if (!r.committed)
            fail_msg("payment %d beside the flood: %s", i + 1, r.code);
        if (took > worst_ms)
            worst_ms = took;
    }
    long during = atomic_load(&replied);
    atomic_store(&stop, true);
    for (int i = 0; i < FLOOD_THREADS; i++)
        pthread_join(th[i], NULL);
    free(pool);

    long refused = 0;
    for (int i = 0; i < FLOOD_THREADS; i++) {
        assert_int_equal(f[i].failed, 0);
        assert_true(f[i].admitted_max <= FLOOD_CEILING);
        refused += f[i].refused;
    }
    fprintf(stderr,
            "flood: %ld batches of %d answered while %d payments went through (slowest %lld ms); "
            "%ld flood transactions refused rate_limited\n",
            during, FLOOD_BATCH, PAYMENTS, (long long)worst_ms, refused);
    assert_true(refused > 0);
    assert_true(worst_ms <= PAYMENT_MAX_MS);
    assert_int_equal(balance(&c, &alice), 100000000 - PAYMENTS * 250000);
    assert_true(rel_metric(&c, "wattle_txs_rejected_total{reason=\"rate_limited\"}") >= refused);

    assert_true(wt_wattled_stop_clean(&c.d));
    assert_int_equal(rel_audit(wattle_path, c.db), 0);
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
        cmocka_unit_test(test_ceiling),
        cmocka_unit_test(test_flood_beside_payments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
