/*
 * bench_pos.c — `wattle-bench pos`: payment confirmation latency at the
 * point of sale, customer submits → the merchant's terminal sees the commit,
 * against the built wattled on a throw-away chain on free loopback ports.
 *  - confirm_latency_p50 / confirm_latency_p99 (ms): a customer submits a
 *    TRANSFER paying a payment request (ref_kind payment_request) over nng
 *    REQ, one at a time; the terminal's nng SUB socket, subscribed to
 *    acct/<merchant> as `wattle-pos request` is, receives the commit event
 *    carrying that txid; the latency is from just before the send to that
 *    event. Measured while background customers pay another merchant
 *    continuously (paced batches from two threads).
 *    An event that nng drops (PUB/SUB drops when a queue is full) is found
 *    by the terminal's poll of the node instead: it counts as POLL_MS, the
 *    poll period of `wattle-pos request`, and the number dropped is shown.
 *  - baseline: the same measurement on the idle daemon (no background), so
 *    the ratio is what the load costs.
 * Loops are bounded by counts.
 */
#include "bench.h"
#include "proc.h"
#include "engine.h"
#include "wire.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <nng/nng.h>
#include <nng/protocol/pubsub0/sub.h>
#include <nng/protocol/reqrep0/req.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BG_THREADS 2
#define BG_BATCH   16
#define TX_BYTES   256
#define POLL_MS    1000 /* the default --poll-ms of wattle-pos request */

typedef struct {
    uint8_t raw[TX_BYTES];
    size_t len;
    uint8_t txid[32];
} ptx;

typedef struct {
    wt_ctx *ctx;
    wt_chain_params params;
    wt_seckey op, issuer, utility, shop, other_shop, customer;
    wt_seckey bg[BG_THREADS];
    uint64_t nonce_customer, nonce_bg[BG_THREADS], nonce_op, nonce_issuer;
    char dir[64], listen_url[64], pub_url[64];
    wt_wattled d;
} pos_bench;

static wt_wattled *running_daemon; /* stopped on the way out, whatever happens */

static void die(const char *what)
{
    fprintf(stderr, "pos: %s\n", what);
    if (running_daemon != NULL)
        wt_wattled_stop(running_daemon, SIGTERM);
    exit(1);
}

static void key_label(pos_bench *f, wt_seckey *key, const char *label, unsigned i)
{
    uint8_t secret[32];
    char text[64];
    snprintf(text, sizeof text, "%s-%u", label, i);
    wt_tagged_hash(secret, "wattle/bench-pos-key", (const uint8_t *)text, strlen(text));
    if (wt_seckey_from_bytes(f->ctx, key, secret) != WT_OK)
        die("key");
}

static void chain_make(pos_bench *f)
{
    snprintf(f->dir, sizeof f->dir, "/tmp/wattle-bpos-XXXXXX");
    if (mkdtemp(f->dir) == NULL)
        die("mkdtemp");
    key_label(f, &f->op, "operator", 0);
    key_label(f, &f->issuer, "issuer", 0);
    key_label(f, &f->utility, "utility", 0);
    key_label(f, &f->shop, "shop", 0);
    key_label(f, &f->other_shop, "shop", 1);
    key_label(f, &f->customer, "customer", 0);
    for (unsigned i = 0; i < BG_THREADS; i++)
        key_label(f, &f->bg[i], "background", i);
    wt_chain_params *p = &f->params;
    memset(p, 0, sizeof *p);
    p->chain_id = 0x905;
    p->genesis_time_ms = wt_now_ms();
    p->interval_ms = 1000;
    memcpy(p->operator_key, f->op.pubkey, 32);
    memcpy(p->issuer_key, f->issuer.pubkey, 32);
    memcpy(p->utility_key, f->utility.pubkey, 32);
    p->retail_micro_per_kwh = 150000000;
    p->feed_in_micro_per_kwh = 60000000;
    p->price_ceiling_micro_per_kwh = 1000000000;
    p->zones_count = 1;
    strcpy(p->zones[0].name, "campus");
    p->zones[0].parent = WT_CHAIN_ZONE_NONE;
    p->zones[0].fee_micro_per_kwh = 10000000;
    char path[128];
    uint8_t genesis[8192];
    size_t n = wt_chain_params_encode(genesis, sizeof genesis, p);
    snprintf(path, sizeof path, "%s/genesis.bin", f->dir);
    FILE *fp = fopen(path, "wb");
    if (fp == NULL || fwrite(genesis, 1, n, fp) != n || fclose(fp) != 0)
        die(path);
    snprintf(path, sizeof path, "%s/operator.key", f->dir);
    if (wt_keyfile_save(f->ctx, path, &f->op, NULL, 0) != WT_OK)
        die("operator.key");
    snprintf(path, sizeof path, "%s/ledger.db", f->dir);
    wt_node_opts o = {.db_path = path, .params = p, .operator_key = &f->op, .verify_threads = 1};
    wt_node *node;
    if (wt_node_open(&node, f->ctx, &o) != WT_OK)
        die("genesis");
    wt_node_close(node);
    snprintf(path, sizeof path, "%s/wattled.ini", f->dir);
    fp = fopen(path, "w");
    if (fp == NULL || fputs("[log]\nlevel = warn\n", fp) < 0 || fclose(fp) != 0)
        die(path);
}

static void daemon_start(pos_bench *f)
{
    if (wt_wattled_init(&f->d, NULL, f->dir) != 0 || wt_wattled_start(&f->d, NULL) != 0)
        die("wattled did not start");
    running_daemon = &f->d;
    snprintf(f->listen_url, sizeof f->listen_url, "%s", f->d.nng_url);
    snprintf(f->pub_url, sizeof f->pub_url, "%s", f->d.pub_url);
}

static void daemon_stop(pos_bench *f)
{
    wt_wattled_stop(&f->d, SIGTERM);
    running_daemon = NULL;
    if (wt_proc_rmtree(f->dir) != 0)
        fprintf(stderr, "pos: could not remove %s\n", f->dir);
}

static void sign(pos_bench *f, ptx *out, wt_tx *tx, const wt_seckey *key, uint64_t *nonce)
{
    tx->chain_id = f->params.chain_id;
    memcpy(tx->sender, key->pubkey, 32);
    tx->nonce = ++*nonce;
    tx->expiry_ms = wt_now_ms() + 3600000;
    const char *field;
    if (wt_tx_sign(f->ctx, out->txid, tx, key) != WT_OK ||
        wt_tx_encode(out->raw, sizeof out->raw, &out->len, &field, tx) != WT_OK)
        die("sign");
}

/* A payment of a fresh request (ref_kind payment_request) to `to`. */
static void sign_payment(pos_bench *f, ptx *out, const wt_seckey *from, uint64_t *nonce,
                         const uint8_t to[32], uint64_t request)
{
    wt_tx tx;
    wt_tx_init(&tx, WT_TX_TRANSFER);
    memcpy(tx.body.transfer.to, to, 32);
    tx.body.transfer.amount_micro = 1500 * WT_MICRO_PER_UNIT / 1000;
    tx.body.transfer.ref_kind = WT_TX_REF_PAYMENT_REQUEST;
    uint8_t seed[40];
    memcpy(seed, from->pubkey, 32);
    wt_put_be64(seed + 32, request);
    wt_tagged_hash(tx.body.transfer.ref, "wattle/bench-pos-request", seed, sizeof seed);
    sign(f, out, &tx, from, nonce);
}

static nng_socket dial_req(const char *url)
{
    nng_socket s;
    if (nng_req0_open(&s) != 0 || nng_socket_set_ms(s, NNG_OPT_RECVTIMEO, 30000) != 0 ||
        nng_dial(s, url, NULL, 0) != 0)
        die("dial");
    return s;
}

/* Send txs[0..n) in one message; returns how many were committed. */
static size_t submit(nng_socket s, const ptx *txs, size_t n, bool wait_reply)
{
    const uint8_t *raws[BG_BATCH];
    size_t lens[BG_BATCH];
    for (size_t i = 0; i < n; i++) {
        raws[i] = txs[i].raw;
        lens[i] = txs[i].len;
    }
    uint8_t req[BG_BATCH * (TX_BYTES + 4) + 8];
    size_t req_len;
    if (wt_wire_request_encode(req, sizeof req, &req_len, raws, lens, n) != WT_OK)
        die("encode");
    if (nng_send(s, req, req_len, 0) != 0)
        die("send");
    if (!wait_reply)
        return 0;
    uint8_t *rep;
    size_t rep_len;
    if (nng_recv(s, &rep, &rep_len, NNG_FLAG_ALLOC) != 0)
        die("recv");
    wt_wire_result results[BG_BATCH];
    size_t count = 0, ok = 0;
    if (wt_wire_reply_decode(results, BG_BATCH, &count, rep, rep_len) == WT_OK)
        for (size_t i = 0; i < count; i++)
            ok += results[i].status == WT_WIRE_COMMITTED;
    nng_free(rep, rep_len);
    return ok;
}

/* ------------------------------------------------------- background load */

typedef struct {
    const char *url;
    const ptx *txs;
    size_t count;
    atomic_bool *stop;
    size_t committed;
} bg_arg;

static void *bg_main(void *arg)
{
    bg_arg *b = arg;
    nng_socket s = dial_req(b->url);
    for (size_t i = 0; i + BG_BATCH <= b->count && !atomic_load(b->stop); i += BG_BATCH) {
        b->committed += submit(s, b->txs + i, BG_BATCH, true);
        wt_proc_sleep_ms(4); /* paced: a steady load, not saturation */
    }
    wt_bench_nng_close(s);
    return NULL;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double percentile(double *v, size_t n, unsigned pct)
{
    qsort(v, n, sizeof *v, cmp_double);
    size_t i = (n * pct + 99) / 100;
    return v[i == 0 ? 0 : i - 1];
}

/* One customer payment after another; lat_ms[i] = send → the terminal's
 * event for that txid, or, when the event is dropped, the terminal's next
 * poll of the node (POLL_MS later; counted in *missed). */
static void measure(pos_bench *f, double *lat_ms, size_t *missed, size_t count, uint64_t *request)
{
    nng_socket sub;
    char topic[8 + WT_ADDRESS_CHARS + 1], addr[WT_ADDRESS_CHARS + 1];
    wt_address_encode(addr, f->shop.pubkey);
    snprintf(topic, sizeof topic, "acct/%s", addr);
    if (nng_sub0_open(&sub) != 0 ||
        nng_socket_set(sub, NNG_OPT_SUB_SUBSCRIBE, topic, strlen(topic)) != 0 ||
        nng_socket_set_ms(sub, NNG_OPT_RECVTIMEO, POLL_MS) != 0 ||
        nng_socket_set_int(sub, NNG_OPT_RECVBUF, 8192) != 0 ||
        nng_dial(sub, f->pub_url, NULL, 0) != 0)
        die("subscribe");
    wt_proc_sleep_ms(200); /* let the subscription reach the publisher */
    nng_socket req = dial_req(f->listen_url);
    for (size_t i = 0; i < count; i++) {
        ptx p;
        sign_payment(f, &p, &f->customer, &f->nonce_customer, f->shop.pubkey, (*request)++);
        char want[65];
        wt_hex_encode(want, p.txid, 32);
        double t0 = wt_bench_now_s();
        submit(req, &p, 1, false);
        for (;;) {
            char *msg;
            size_t len;
            if (nng_recv(sub, &msg, &len, NNG_FLAG_ALLOC) != 0) {
                /* The event was dropped (PUB/SUB drops when a queue is
                 * full): the terminal finds the payment on its next poll of
                 * the node, POLL_MS after it began waiting. */
                (*missed)++;
                break;
            }
            bool match = memmem(msg, len, want, 64) != NULL;
            nng_free(msg, len);
            if (match)
                break;
        }
        lat_ms[i] = (wt_bench_now_s() - t0) * 1e3;
        uint8_t *rep;
        size_t rep_len;
        if (nng_recv(req, &rep, &rep_len, NNG_FLAG_ALLOC) != 0)
            die("no reply");
        nng_free(rep, rep_len);
    }
    wt_bench_nng_close(req);
    wt_bench_nng_close(sub);
}

void wt_bench_pos(wt_bench_ctx *ctx)
{
    bool quick = wt_bench_quick(ctx);
    static pos_bench f;
    memset(&f, 0, sizeof f);
    if (wt_ctx_create(&f.ctx) != WT_OK)
        die("ctx");
    signal(SIGPIPE, SIG_IGN);
    chain_make(&f);
    daemon_start(&f);
    /* register both merchants, fund the customers */
    ptx setup[2 + 1 + BG_THREADS];
    size_t n = 0;
    const wt_seckey *shops[2] = {&f.shop, &f.other_shop};
    for (int i = 0; i < 2; i++) {
        wt_tx tx;
        wt_tx_init(&tx, WT_TX_REGISTER);
        tx.body.reg.kind = WT_TX_REGISTER_MERCHANT;
        memcpy(tx.body.reg.u.merchant.key, shops[i]->pubkey, 32);
        if (wt_merchant_name_set(&tx.body.reg.u.merchant.name, i == 0 ? "cafe" : "kiosk") != WT_OK)
            die("name");
        sign(&f, &setup[n++], &tx, &f.op, &f.nonce_op);
    }
    const wt_seckey *payers[1 + BG_THREADS];
    payers[0] = &f.customer;
    for (unsigned i = 0; i < BG_THREADS; i++)
        payers[1 + i] = &f.bg[i];
    for (unsigned i = 0; i < 1 + BG_THREADS; i++) {
        wt_tx tx;
        wt_tx_init(&tx, WT_TX_MINT);
        memcpy(tx.body.mint.to, payers[i]->pubkey, 32);
        tx.body.mint.amount_micro = 1000000 * WT_MICRO_PER_UNIT;
        sign(&f, &setup[n++], &tx, &f.issuer, &f.nonce_issuer);
    }
    nng_socket s = dial_req(f.listen_url);
    if (submit(s, setup, n, true) != n)
        die("setup was refused");
    wt_bench_nng_close(s);

    size_t count = quick ? 50 : 400;
    uint64_t request = 0;
    double *idle = calloc(count, sizeof *idle), *loaded = calloc(count, sizeof *loaded);
    if (idle == NULL || loaded == NULL)
        die("memory");
    wt_bench_progress(ctx, "idle: %zu payments", count);
    size_t idle_missed = 0, loaded_missed = 0;
    measure(&f, idle, &idle_missed, count, &request);

    size_t bg_count = quick ? 2000 : 20000;
    wt_bench_progress(ctx, "signing %u x %zu background payments", BG_THREADS, bg_count);
    ptx *bg_txs[BG_THREADS];
    for (unsigned t = 0; t < BG_THREADS; t++) {
        bg_txs[t] = malloc(bg_count * sizeof(ptx));
        if (bg_txs[t] == NULL)
            die("memory");
        for (size_t i = 0; i < bg_count; i++)
            sign_payment(&f, &bg_txs[t][i], &f.bg[t], &f.nonce_bg[t], f.other_shop.pubkey,
                         request++);
    }
    atomic_bool stop = false;
    pthread_t th[BG_THREADS];
    bg_arg args[BG_THREADS];
    double t0 = wt_bench_now_s();
    for (unsigned t = 0; t < BG_THREADS; t++) {
        args[t] = (bg_arg){f.listen_url, bg_txs[t], bg_count, &stop, 0};
        pthread_create(&th[t], NULL, bg_main, &args[t]);
    }
    wt_proc_sleep_ms(200);
    wt_bench_progress(ctx, "under background load: %zu payments", count);
    measure(&f, loaded, &loaded_missed, count, &request);
    atomic_store(&stop, true);
    size_t bg_committed = 0;
    for (unsigned t = 0; t < BG_THREADS; t++) {
        pthread_join(th[t], NULL);
        bg_committed += args[t].committed;
        free(bg_txs[t]);
    }
    double bg_rate = (double)bg_committed / (wt_bench_now_s() - t0);
    wt_bench_progress(ctx,
                      "background: %zu payments committed, %.0f tx/s; commit events dropped: %zu "
                      "of %zu idle, %zu of %zu under load (found by the poll instead)",
                      bg_committed, bg_rate, idle_missed, count, loaded_missed, count);
    double idle_p50 = percentile(idle, count, 50), idle_p99 = percentile(idle, count, 99);
    double p50 = percentile(loaded, count, 50), p99 = percentile(loaded, count, 99);
    wt_bench_report(ctx, "confirm_latency_p50", p50, "ms", idle_p50,
                    "idle daemon p50 (no background payments)");
    wt_bench_report(ctx, "confirm_latency_p99", p99, "ms", idle_p99,
                    "idle daemon p99 (no background payments)");
    free(idle);
    free(loaded);
    daemon_stop(&f);
    wt_ctx_destroy(f.ctx);
}
