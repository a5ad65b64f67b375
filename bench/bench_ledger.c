/*
 * bench_ledger.c — `wattle-bench ledger`: signed transfers validated,
 * applied and durably committed per second through the node (decode, txid,
 * parallel signature checks, the transition, group commit with
 * synchronous=FULL), at 1, 64 and 1024 transactions per submission, with
 * enough concurrent clients that group commit has something to group.
 * Baselines measured in the same run: the raw libsecp256k1 verify rate on
 * every core over the same signatures (the ceiling the node can reach), and
 * a raw SQLite insert loop of rows of the same size (the store's ceiling).
 * Then `wattle audit`'s rate over a ledger of 1,000,000 transactions.
 */
#include "bench.h"
#include "engine.h"
#include "pool.h"

#include <pthread.h>
#include <secp256k1.h>
#include <secp256k1_extrakeys.h>
#include <secp256k1_schnorrsig.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SENDERS 1024 /* distinct accounts, so clients never share a nonce sequence */

typedef struct {
    uint8_t raw[192];
    size_t len;
    uint8_t txid[32];
} signed_tx;

typedef struct {
    wt_ctx *ctx;
    wt_chain_params params;
    wt_seckey operator_key, issuer_key;
    wt_seckey senders[SENDERS];
    uint64_t nonce[SENDERS];
    uint64_t issuer_nonce;
    char dir[64];
} fixture;

static void key_from_label(const wt_ctx *ctx, wt_seckey *key, const char *label, unsigned i)
{
    uint8_t secret[32];
    char text[64];
    snprintf(text, sizeof text, "%s-%u", label, i);
    wt_tagged_hash(secret, "wattle/bench-key", (const uint8_t *)text, strlen(text));
    if (wt_seckey_from_bytes(ctx, key, secret) != WT_OK)
        abort();
}

static void fixture_init(fixture *f)
{
    memset(f, 0, sizeof *f);
    if (wt_ctx_create(&f->ctx) != WT_OK)
        abort();
    key_from_label(f->ctx, &f->operator_key, "operator", 0);
    key_from_label(f->ctx, &f->issuer_key, "issuer", 0);
    for (unsigned i = 0; i < SENDERS; i++)
        key_from_label(f->ctx, &f->senders[i], "sender", i);
    wt_seckey utility;
    key_from_label(f->ctx, &utility, "utility", 0);
    wt_chain_params *p = &f->params;
    p->chain_id = 7;
    p->genesis_time_ms = wt_now_ms() - 1000;
    p->interval_ms = 5000;
    memcpy(p->operator_key, f->operator_key.pubkey, 32);
    memcpy(p->issuer_key, f->issuer_key.pubkey, 32);
    memcpy(p->utility_key, utility.pubkey, 32);
    p->retail_micro_per_kwh = 150000000;
    p->feed_in_micro_per_kwh = 60000000;
    p->price_ceiling_micro_per_kwh = 1000000000;
    p->zones_count = 1;
    strcpy(p->zones[0].name, "campus");
    p->zones[0].parent = WT_CHAIN_ZONE_NONE;
    strcpy(f->dir, "/tmp/wattle-bench-XXXXXX");
    if (mkdtemp(f->dir) == NULL)
        abort();
}

static void fixture_free(fixture *f)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", f->dir);
    wt_ctx_destroy(f->ctx);
}

/* ---------------------------------------------------------- signing */

typedef struct {
    fixture *f;
    signed_tx *out;
    size_t per_sender; /* txs per sender in this set */
    int kind;          /* 0 transfer, 1 mint */
} sign_job;

/* tx i: sender i % SENDERS, its (i / SENDERS)-th transaction in this set. */
static void sign_one(void *arg, size_t i)
{
    sign_job *job = arg;
    fixture *f = job->f;
    wt_tx tx;
    size_t s = i % SENDERS;
    if (job->kind == 1) {
        wt_tx_init(&tx, WT_TX_MINT);
        memcpy(tx.sender, f->issuer_key.pubkey, 32);
        tx.nonce = f->issuer_nonce + 1 + i;
        memcpy(tx.body.mint.to, f->senders[s].pubkey, 32);
        tx.body.mint.amount_micro = 1000000000000;
    } else {
        wt_tx_init(&tx, WT_TX_TRANSFER);
        memcpy(tx.sender, f->senders[s].pubkey, 32);
        tx.nonce = f->nonce[s] + 1 + i / SENDERS;
        memcpy(tx.body.transfer.to, f->senders[(s + 1) % SENDERS].pubkey, 32);
        tx.body.transfer.amount_micro = 1 + (int64_t)(i % 1000);
        wt_memo_set(&tx.body.transfer.memo, "bench");
    }
    tx.chain_id = f->params.chain_id;
    tx.expiry_ms = INT64_MAX;
    const wt_seckey *key = job->kind == 1 ? &f->issuer_key : &f->senders[s];
    if (wt_tx_sign(f->ctx, job->out[i].txid, &tx, key) != WT_OK ||
        wt_tx_encode(job->out[i].raw, sizeof job->out[i].raw, &job->out[i].len, NULL, &tx) != WT_OK)
        abort();
}

/* Sign count transfers (count a multiple of SENDERS) continuing each
 * sender's nonce, on every core. */
static signed_tx *sign_set(fixture *f, wt_pool *pool, size_t count, int kind)
{
    signed_tx *txs = malloc(count * sizeof *txs);
    if (txs == NULL)
        abort();
    sign_job job = {.f = f, .out = txs, .kind = kind};
    wt_pool_run(pool, sign_one, &job, count);
    if (kind == 1)
        f->issuer_nonce += count;
    else
        for (size_t s = 0; s < SENDERS; s++)
            f->nonce[s] += count / SENDERS;
    return txs;
}

/* ------------------------------------------------------ submitting */

typedef struct {
    wt_node *node;
    signed_tx *txs;
    size_t count;   /* all txs */
    size_t batch;   /* per submission */
    size_t clients; /* threads */
    size_t client;  /* this thread */
    size_t failed;
} client_arg;

/* Client c takes senders c, c + clients, ... so each sender's transactions
 * go through one thread, in nonce order. */
static void *client_main(void *p)
{
    client_arg *a = p;
    size_t cap = a->batch;
    const uint8_t **raws = malloc(cap * sizeof *raws);
    size_t *lens = malloc(cap * sizeof *lens);
    wt_submit_result *res = malloc(cap * sizeof *res);
    size_t n = 0;
    for (size_t i = 0; i <= a->count; i++) {
        bool mine = i < a->count && (i % SENDERS) % a->clients == a->client;
        if (mine) {
            raws[n] = a->txs[i].raw;
            lens[n] = a->txs[i].len;
            n++;
        }
        if (n == cap || (i == a->count && n > 0)) {
            if (wt_node_submit(a->node, res, raws, lens, n) != WT_OK)
                abort();
            for (size_t k = 0; k < n; k++)
                if (res[k].err != WT_OK)
                    a->failed++;
            n = 0;
        }
    }
    free(raws);
    free(lens);
    free(res);
    return NULL;
}

static double submit_all(wt_node *node, signed_tx *txs, size_t count, size_t batch, size_t clients)
{
    pthread_t threads[256];
    client_arg args[256];
    double t0 = wt_bench_now_s();
    for (size_t c = 0; c < clients; c++) {
        args[c] = (client_arg){.node = node,
                               .txs = txs,
                               .count = count,
                               .batch = batch,
                               .clients = clients,
                               .client = c};
        if (pthread_create(&threads[c], NULL, client_main, &args[c]) != 0)
            abort();
    }
    size_t failed = 0;
    for (size_t c = 0; c < clients; c++) {
        pthread_join(threads[c], NULL);
        failed += args[c].failed;
    }
    double seconds = wt_bench_now_s() - t0;
    if (failed > 0) {
        fprintf(stderr, "ledger bench: %zu transactions rejected\n", failed);
        abort();
    }
    return seconds;
}

/* ------------------------------------------------------------ baselines */

typedef struct {
    const secp256k1_context *secp;
    const signed_tx *txs;
    size_t bad;
} verify_job;

/* What verification costs with libsecp256k1 alone: parse the key, verify the
 * 64-byte signature over the 32-byte txid. */
static void raw_verify_one(void *arg, size_t i)
{
    verify_job *job = arg;
    const signed_tx *t = &job->txs[i];
    secp256k1_xonly_pubkey pk;
    if (!secp256k1_xonly_pubkey_parse(job->secp, &pk, t->raw + 6) ||
        !secp256k1_schnorrsig_verify(job->secp, t->raw + t->len - 64, t->txid, 32, &pk))
        __atomic_add_fetch(&job->bad, 1, __ATOMIC_RELAXED);
}

static double verify_ceiling(wt_pool *pool, const signed_tx *txs, size_t count)
{
    secp256k1_context *secp = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    verify_job job = {.secp = secp, .txs = txs};
    double t0 = wt_bench_now_s();
    wt_pool_run(pool, raw_verify_one, &job, count);
    double seconds = wt_bench_now_s() - t0;
    secp256k1_context_destroy(secp);
    if (job.bad != 0)
        abort();
    return (double)count / seconds;
}

/* A raw SQLite insert loop: rows shaped like the store's txs rows, WAL,
 * synchronous=FULL, one transaction per `batch` rows. */
static double sqlite_ceiling(const char *dir, const signed_tx *txs, size_t count, size_t batch)
{
    char path[128];
    snprintf(path, sizeof path, "%s/raw-%zu.db", dir, batch);
    sqlite3 *db;
    if (sqlite3_open(path, &db) != SQLITE_OK)
        abort();
    sqlite3_exec(db,
                 "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA cache_size=-65536;"
                 "CREATE TABLE t(seq INTEGER PRIMARY KEY, height INTEGER, t_ms INTEGER,"
                 " txid_prefix INTEGER, txid BLOB, raw BLOB);"
                 "CREATE INDEX t_prefix ON t(txid_prefix);",
                 NULL, NULL, NULL);
    sqlite3_stmt *st;
    sqlite3_prepare_v2(db, "INSERT INTO t VALUES(?,?,?,?,?,?)", -1, &st, NULL);
    double t0 = wt_bench_now_s();
    for (size_t i = 0; i < count; i++) {
        if (i % batch == 0)
            sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
        sqlite3_bind_int64(st, 1, (sqlite3_int64)i + 1);
        sqlite3_bind_int64(st, 2, 1);
        sqlite3_bind_int64(st, 3, 1800000000000);
        sqlite3_bind_int64(st, 4, (sqlite3_int64)wt_get_be64(txs[i].txid));
        sqlite3_bind_blob(st, 5, txs[i].txid, 32, SQLITE_STATIC);
        sqlite3_bind_blob(st, 6, txs[i].raw, (int)txs[i].len, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE)
            abort();
        sqlite3_reset(st);
        if (i % batch == batch - 1 || i == count - 1)
            sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    }
    double seconds = wt_bench_now_s() - t0;
    sqlite3_finalize(st);
    sqlite3_close(db);
    return (double)count / seconds;
}

/* ------------------------------------------------------------------ run */

void wt_bench_ledger(wt_bench_ctx *ctx)
{
    bool quick = wt_bench_quick(ctx);
    wt_log_set_level(WT_LOG_WARN);
    fixture *f = calloc(1, sizeof *f);
    fixture_init(f);
    wt_pool *pool;
    if (wt_pool_create(&pool, wt_pool_cores() - 1) != WT_OK)
        abort();
    char db[128];
    snprintf(db, sizeof db, "%s/ledger.db", f->dir);
    wt_node_opts opts = {.db_path = db, .params = &f->params, .operator_key = &f->operator_key};
    wt_node *node;
    if (wt_node_open(&node, f->ctx, &opts) != WT_OK)
        abort();

    /* fund every sender (untimed) */
    signed_tx *mints = sign_set(f, pool, SENDERS, 1);
    submit_all(node, mints, SENDERS, 256, 1);
    free(mints);

    static const size_t batches[] = {1, 64, 1024};
    for (size_t b = 0; b < 3; b++) {
        size_t batch = batches[b];
        size_t clients = batch >= 1024 ? 4 : batch >= 64 ? 32 : 256;
        size_t count = (quick ? 2 : batch == 1 ? 8 : 48) * SENDERS;
        wt_bench_progress(ctx, "signing %zu transfers for batch %zu", count, batch);
        signed_tx *txs = sign_set(f, pool, count, 0);
        /* the ceiling is measured just before and just after, and averaged, so a
         * burst of load from elsewhere weighs on both sides of the ratio alike */
        double before = verify_ceiling(pool, txs, count);
        wt_bench_progress(ctx, "submitting %zu transfers, %zu per message, %zu clients", count,
                          batch, clients);
        double seconds = submit_all(node, txs, count, batch, clients);
        double ceiling = (before + verify_ceiling(pool, txs, count)) / 2;
        double rate = (double)count / seconds;
        char metric[64];
        snprintf(metric, sizeof metric, "commit_batch_%zu", batch);
        wt_bench_report(ctx, metric, rate, "tx/s", ceiling, "raw_secp256k1_verify_all_cores");
        double sql = sqlite_ceiling(f->dir, txs, count, batch);
        snprintf(metric, sizeof metric, "commit_batch_%zu_vs_sqlite", batch);
        wt_bench_report(ctx, metric, rate, "tx/s", sql, "raw_sqlite_insert_same_rows");
        free(txs);
    }
    wt_node_close(node);

    /* the auditor over a large ledger: 1,000,000 transactions */
    size_t audit_txs = quick ? 20 * SENDERS : 977 * SENDERS; /* ~1e6 */
    wt_node_opts o2 = {.db_path = db, .operator_key = &f->operator_key};
    if (wt_node_open(&node, f->ctx, &o2) != WT_OK)
        abort();
    wt_state_totals totals;
    wt_node_totals(node, &totals, NULL, NULL);
    size_t have = totals.txs_applied;
    size_t chunk = 64 * SENDERS;
    while (have < audit_txs) {
        wt_bench_progress(ctx, "building the audit ledger: %zu of %zu transactions", have,
                          audit_txs);
        signed_tx *txs = sign_set(f, pool, chunk, 0);
        submit_all(node, txs, chunk, 1024, 4);
        free(txs);
        have += chunk;
        wt_block_header h;
        wt_node_seal(node, &h);
    }
    wt_node_close(node);
    wt_bench_progress(ctx, "auditing %zu transactions", have);
    signed_tx *sample = sign_set(f, pool, 16 * SENDERS, 0);
    double before = verify_ceiling(pool, sample, 16 * SENDERS);
    wt_audit_report report;
    if (wt_audit_run(f->ctx, &report, db, NULL) != WT_OK) {
        fprintf(stderr, "audit failed: %s\n", report.what);
        abort();
    }
    double ceiling = (before + verify_ceiling(pool, sample, 16 * SENDERS)) / 2;
    free(sample);
    wt_bench_report(ctx, "audit_txs_per_s", (double)report.txs / report.seconds, "tx/s", ceiling,
                    "raw_secp256k1_verify_all_cores");
    wt_pool_destroy(pool);
    fixture_free(f);
    free(f);
}
