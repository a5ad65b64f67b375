/* bench_wallet.c — `wattle-bench sign`, `verify`, `codec`.
 *
 * sign / verify: BIP340 signatures per second through the wallet API
 * (wt_sign, wt_verify) on one thread and on every online core, each beside
 * a raw libsecp256k1 loop doing the same work on the same inputs in the same
 * run: for signing, 32 bytes of getrandom() aux randomness then
 * secp256k1_schnorrsig_sign_custom with a prepared keypair; for verifying,
 * secp256k1_xonly_pubkey_parse of the 32 key bytes then
 * secp256k1_schnorrsig_verify. The two alternate call by call on each
 * thread and each call is timed on its own; the rate is threads / the median
 * time of one call, so a burst of other load on this shared machine hits
 * both sides alike and drops out of the median. The ratio is the wrapper's
 * cost (target >= 0.95).
 *
 * codec: transactions encoded and decoded per second over a mix of all nine
 * types (decoding includes every strictness check), beside a memcpy of the
 * same bytes — the floor any decoder must pay to touch them, so the ratio
 * says how far above "just moving the bytes" the checks cost; and txids per
 * second (tagged hash with the precomputed midstate, on wattle's SHA-256,
 * which uses the CPU's SHA extensions when it has them) beside libsodium's
 * portable SHA-256 of the same bytes.
 */
#include "bench.h"
#include "common.h"
#include "wallet.h"

#include <pthread.h>
#include <secp256k1.h>
#include <secp256k1_extrakeys.h>
#include <secp256k1_schnorrsig.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#define KEYS     16
#define MESSAGES 256
#define REPS     5

typedef struct {
    wt_ctx *ctx;
    secp256k1_context *raw;
    wt_seckey keys[KEYS];
    secp256k1_keypair keypairs[KEYS];
    uint8_t msgs[MESSAGES][32];
    uint8_t sigs[MESSAGES][64];
} sig_inputs;

static sig_inputs *inputs_make(void)
{
    sig_inputs *in = calloc(1, sizeof *in);
    if (in == NULL || wt_ctx_create(&in->ctx) != WT_OK)
        abort();
    in->raw = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    uint8_t seed[32];
    if (getrandom(seed, sizeof seed, 0) != sizeof seed ||
        !secp256k1_context_randomize(in->raw, seed))
        abort();
    for (int k = 0; k < KEYS; k++) {
        if (wt_seckey_generate(in->ctx, &in->keys[k]) != WT_OK ||
            !secp256k1_keypair_create(in->raw, &in->keypairs[k], in->keys[k].secret))
            abort();
    }
    for (int m = 0; m < MESSAGES; m++) {
        wt_tagged_hash(in->msgs[m], WT_TX_TAG, (const uint8_t *)&m, sizeof m);
        if (wt_sign(in->ctx, in->sigs[m], in->msgs[m], 32, &in->keys[m % KEYS]) != WT_OK)
            abort();
    }
    return in;
}

static void inputs_free(sig_inputs *in)
{
    for (int k = 0; k < KEYS; k++)
        wt_seckey_wipe(&in->keys[k]);
    secp256k1_context_destroy(in->raw);
    wt_ctx_destroy(in->ctx);
    free(in);
}

typedef enum { OP_SIGN_WT, OP_SIGN_RAW, OP_VERIFY_WT, OP_VERIFY_RAW } op_kind;

/* One operation on message m; returns something the optimiser must keep. */
static uint64_t do_op(sig_inputs *in, op_kind op, int m)
{
    uint8_t sig[64];
    switch (op) {
    case OP_SIGN_WT:
        if (wt_sign(in->ctx, sig, in->msgs[m], 32, &in->keys[m % KEYS]) != WT_OK)
            abort();
        return sig[0];
    case OP_SIGN_RAW: {
        uint8_t aux[32];
        if (getrandom(aux, sizeof aux, 0) != sizeof aux)
            abort();
        secp256k1_schnorrsig_extraparams extra = SECP256K1_SCHNORRSIG_EXTRAPARAMS_INIT;
        extra.ndata = aux;
        if (!secp256k1_schnorrsig_sign_custom(in->raw, sig, in->msgs[m], 32,
                                              &in->keypairs[m % KEYS], &extra))
            abort();
        return sig[0];
    }
    case OP_VERIFY_WT:
        if (!wt_verify(in->ctx, in->sigs[m], in->msgs[m], 32, in->keys[m % KEYS].pubkey))
            abort(); /* every signature must verify */
        return 1;
    default: {
        secp256k1_xonly_pubkey pk;
        if (!secp256k1_xonly_pubkey_parse(in->raw, &pk, in->keys[m % KEYS].pubkey) ||
            !secp256k1_schnorrsig_verify(in->raw, in->sigs[m], in->msgs[m], 32, &pk))
            abort();
        return 1;
    }
    }
}

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

typedef struct {
    sig_inputs *in;
    op_kind wt_op, raw_op;
    long pairs;
    int offset; /* threads start at different messages */
    int64_t *wt_ns, *raw_ns;
    uint64_t acc;
} worker;

/* Wrapper and raw call alternate op by op (which goes first alternating
 * too), each timed on its own, so both see the same machine at the same
 * moment: on a shared, noisy machine this is what keeps the ratio honest. */
static void *run_pairs(void *p)
{
    worker *w = p;
    uint64_t acc = 0;
    for (long i = 0; i < w->pairs; i++) {
        int m = (int)((i + w->offset) % MESSAGES);
        op_kind first = (i & 1) ? w->raw_op : w->wt_op, second = (i & 1) ? w->wt_op : w->raw_op;
        int64_t t0 = now_ns();
        acc += do_op(w->in, first, m);
        int64_t t1 = now_ns();
        acc += do_op(w->in, second, m);
        int64_t t2 = now_ns();
        w->wt_ns[i] = (i & 1) ? t2 - t1 : t1 - t0;
        w->raw_ns[i] = (i & 1) ? t1 - t0 : t2 - t1;
    }
    w->acc = acc;
    return NULL;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static int cores(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 64 ? 64 : (int)n;
}

/* `threads` threads each run `pairs` alternating pairs; throughput is
 * threads / median time of one operation, for the wrapper and the raw loop. */
static void compare(wt_bench_ctx *bctx, sig_inputs *in, op_kind wt_op, op_kind raw_op, int threads,
                    long pairs, const char *metric, const char *baseline)
{
    pthread_t th[64];
    worker w[64];
    size_t n = (size_t)pairs * (size_t)threads;
    int64_t *wt_ns = malloc(n * sizeof *wt_ns), *raw_ns = malloc(n * sizeof *raw_ns);
    if (wt_ns == NULL || raw_ns == NULL)
        abort();
    for (int t = 0; t < threads; t++) {
        w[t] = (worker){
            in, wt_op, raw_op, pairs, t * 97, wt_ns + (size_t)t * pairs, raw_ns + (size_t)t * pairs,
            0};
        if (pthread_create(&th[t], NULL, run_pairs, &w[t]) != 0)
            abort();
    }
    for (int t = 0; t < threads; t++) {
        pthread_join(th[t], NULL);
        wt_bench_sink_u64(w[t].acc);
    }
    qsort(wt_ns, n, sizeof *wt_ns, cmp_i64);
    qsort(raw_ns, n, sizeof *raw_ns, cmp_i64);
    double wt_rate = threads * 1e9 / (double)wt_ns[n / 2];
    double raw_rate = threads * 1e9 / (double)raw_ns[n / 2];
    wt_bench_report(bctx, metric, wt_rate, "ops/s", raw_rate, baseline);
    free(wt_ns);
    free(raw_ns);
}

static void sig_bench(wt_bench_ctx *bctx, bool sign)
{
    sig_inputs *in = inputs_make();
    long ops = wt_bench_quick(bctx) ? 200 : 4000;
    int n = cores();
    wt_bench_progress(bctx, "%s: %ld wrapper/raw pairs per thread, 1 and %d threads",
                      sign ? "sign" : "verify", ops, n);
    char metric[64];
    if (sign) {
        compare(bctx, in, OP_SIGN_WT, OP_SIGN_RAW, 1, ops, "schnorr_sign",
                "raw_secp256k1_sign_custom+getrandom");
        snprintf(metric, sizeof metric, "schnorr_sign_%d_threads", n);
        compare(bctx, in, OP_SIGN_WT, OP_SIGN_RAW, n, ops, metric,
                "raw_secp256k1_sign_custom+getrandom");
    } else {
        compare(bctx, in, OP_VERIFY_WT, OP_VERIFY_RAW, 1, ops, "schnorr_verify",
                "raw_secp256k1_xonly_parse+verify");
        snprintf(metric, sizeof metric, "schnorr_verify_%d_threads", n);
        compare(bctx, in, OP_VERIFY_WT, OP_VERIFY_RAW, n, ops, metric,
                "raw_secp256k1_xonly_parse+verify");
    }
    inputs_free(in);
}

void wt_bench_sign(wt_bench_ctx *ctx)
{
    sig_bench(ctx, true);
}

void wt_bench_verify(wt_bench_ctx *ctx)
{
    sig_bench(ctx, false);
}

/* ---------------------------------------------------------------- codec */

#define CORPUS 512

typedef struct {
    wt_tx txs[CORPUS];
    uint8_t *bytes[CORPUS];
    size_t lens[CORPUS];
    size_t total_bytes;
    wt_reading readings[8];
    wt_settle_leg legs[8];
} codec_inputs;

/* A mix of every type, weighted toward the common ones (transfers, orders). */
static void codec_make(codec_inputs *in)
{
    for (int i = 0; i < 8; i++) {
        char id[16];
        snprintf(id, sizeof id, "E00%02d", i);
        wt_meter_id_set(&in->readings[i].meter_id, id);
        in->readings[i].import_mwh = 1000 * i;
        in->readings[i].export_mwh = 500 * i;
        memset(&in->legs[i], 0, sizeof in->legs[i]);
        in->legs[i].from[0] = (uint8_t)i;
        in->legs[i].to[0] = (uint8_t)(i + 1);
        in->legs[i].kind = (uint8_t)(1 + i % 4);
        in->legs[i].energy_mwh = 2500 * i;
        in->legs[i].amount_micro = 300000 * i;
    }
    static const wt_tx_type mix[16] = {
        WT_TX_TRANSFER, WT_TX_TRANSFER, WT_TX_TRANSFER, WT_TX_TRANSFER,
        WT_TX_TRANSFER, WT_TX_TRANSFER, WT_TX_ORDER,    WT_TX_ORDER,
        WT_TX_ORDER,    WT_TX_STANDING, WT_TX_CANCEL,   WT_TX_MINT,
        WT_TX_BURN,     WT_TX_REGISTER, WT_TX_READINGS, WT_TX_SETTLE};
    in->total_bytes = 0;
    for (int i = 0; i < CORPUS; i++) {
        wt_tx *tx = &in->txs[i];
        wt_tx_init(tx, mix[i % 16]);
        tx->chain_id = 1;
        memset(tx->sender, i + 1, 32);
        tx->nonce = (uint64_t)i + 1;
        tx->expiry_ms = 1767225600000 + i;
        switch (tx->type) {
        case WT_TX_TRANSFER:
            memset(tx->body.transfer.to, 7, 32);
            tx->body.transfer.amount_micro = 1500000 + i;
            wt_memo_set(&tx->body.transfer.memo, i % 2 ? "vending machine 3F" : "");
            break;
        case WT_TX_ORDER:
            tx->body.order.side = (uint8_t)(1 + i % 2);
            tx->body.order.interval = 353260800;
            tx->body.order.energy_mwh = 2500 + i;
            tx->body.order.price_micro_per_kwh = 150000000;
            break;
        case WT_TX_STANDING:
            tx->body.standing.flags = 3;
            tx->body.standing.sell_min_micro_per_kwh = 120000000;
            tx->body.standing.buy_max_micro_per_kwh = 180000000;
            break;
        case WT_TX_MINT:
            memset(tx->body.mint.to, 9, 32);
            tx->body.mint.amount_micro = 10000000000;
            break;
        case WT_TX_BURN:
            tx->body.burn.amount_micro = 5000000;
            break;
        case WT_TX_REGISTER:
            tx->body.reg.kind = WT_TX_REGISTER_METER;
            wt_meter_id_set(&tx->body.reg.u.meter.meter_id, "E0043007052870318");
            break;
        case WT_TX_READINGS:
            tx->body.readings.count = 8;
            tx->body.readings.entries = in->readings;
            break;
        case WT_TX_SETTLE:
            tx->body.settle.count = 8;
            tx->body.settle.legs = in->legs;
            break;
        default:
            break;
        }
        size_t len = wt_tx_encoded_len(tx);
        in->bytes[i] = malloc(len);
        if (in->bytes[i] == NULL ||
            wt_tx_encode(in->bytes[i], len, &in->lens[i], NULL, tx) != WT_OK)
            abort();
        in->total_bytes += len;
    }
}

void wt_bench_codec(wt_bench_ctx *ctx)
{
    static codec_inputs in;
    codec_make(&in);
    long rounds = wt_bench_quick(ctx) ? 20 : 400;
    wt_bench_progress(ctx, "%d transactions (%zu bytes) x %ld rounds x %d reps", CORPUS,
                      in.total_bytes, rounds, REPS);
    static uint8_t out[4096];
    double best_enc = 1e9, best_dec = 1e9, best_copy = 1e9, best_id = 1e9, best_sha = 1e9;
    for (int rep = 0; rep < REPS; rep++) {
        uint64_t acc = 0;
        double t0 = wt_bench_now_s();
        for (long r = 0; r < rounds; r++)
            for (int i = 0; i < CORPUS; i++) {
                size_t len;
                if (wt_tx_encode(out, sizeof out, &len, NULL, &in.txs[i]) != WT_OK)
                    abort();
                acc += out[len - 65];
            }
        double t1 = wt_bench_now_s();
        for (long r = 0; r < rounds; r++)
            for (int i = 0; i < CORPUS; i++) {
                wt_tx tx;
                if (wt_tx_decode(&tx, NULL, in.bytes[i], in.lens[i]) != WT_OK)
                    abort();
                acc += tx.nonce;
            }
        double t2 = wt_bench_now_s();
        for (long r = 0; r < rounds; r++)
            for (int i = 0; i < CORPUS; i++) {
                memcpy(out, in.bytes[i], in.lens[i]);
                __asm__ volatile("" : : "r"(out) : "memory"); /* keep the copy */
                acc += out[in.lens[i] - 65];
            }
        double t3 = wt_bench_now_s();
        for (long r = 0; r < rounds; r++)
            for (int i = 0; i < CORPUS; i++) {
                uint8_t id[32];
                wt_tx_id_encoded(id, in.bytes[i], in.lens[i]);
                acc += id[0];
            }
        double t4 = wt_bench_now_s();
        for (long r = 0; r < rounds; r++)
            for (int i = 0; i < CORPUS; i++) {
                uint8_t h[32];
                crypto_hash_sha256(h, in.bytes[i], in.lens[i] - 64);
                acc += h[0];
            }
        double t5 = wt_bench_now_s();
        wt_bench_sink_u64(acc);
        best_enc = t1 - t0 < best_enc ? t1 - t0 : best_enc;
        best_dec = t2 - t1 < best_dec ? t2 - t1 : best_dec;
        best_copy = t3 - t2 < best_copy ? t3 - t2 : best_copy;
        best_id = t4 - t3 < best_id ? t4 - t3 : best_id;
        best_sha = t5 - t4 < best_sha ? t5 - t4 : best_sha;
    }
    double ops = (double)rounds * CORPUS;
    wt_bench_report(ctx, "tx_encode", ops / best_enc, "ops/s", ops / best_copy,
                    "memcpy_same_bytes");
    wt_bench_report(ctx, "tx_decode", ops / best_dec, "ops/s", ops / best_copy,
                    "memcpy_same_bytes");
    wt_bench_report(ctx, "tx_id", ops / best_id, "ops/s", ops / best_sha,
                    "libsodium_sha256_same_bytes");
    for (int i = 0; i < CORPUS; i++)
        free(in.bytes[i]);
}
