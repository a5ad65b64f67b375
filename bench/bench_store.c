/* bench_store.c — `wattle-bench store`: wt_store_append_batch, durable
 * (WAL, synchronous=FULL, one fsync per batch), at batch sizes 1, 64 and 1024
 * with 200-byte raw transactions and 2 account upserts per transaction,
 * beside a raw SQLite loop that writes the same rows in the same batches in
 * the same run and directory (same journal mode and sync, the same account
 * upserts, but no txid map or index, no seq/height/duplicate checks, no
 * row checks): the ratio is what the store itself costs. A last pair at
 * batch 1024 leaves the accounts out of both, to show the transaction path
 * alone. Runs in a fresh temporary directory, removed afterwards. */
#include "bench.h"
#include "store.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RAW_BYTES    200
#define BATCH_MAX    1024
#define ACCOUNT_POOL 10000
#define RUN_S        2.0
#define RUN_S_QUICK  0.2
#define ROWS_MAX     400000

static uint64_t rng_state = 0x243f6a8885a308d3u;

static uint64_t rng_next(void)
{
    uint64_t x = (rng_state += 0x9e3779b97f4a7c15u);
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9u;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebu;
    return x ^ (x >> 31);
}

static void rng_fill(uint8_t *out, size_t len)
{
    for (size_t i = 0; i < len; i += 8) {
        uint64_t x = rng_next();
        size_t n = len - i < 8 ? len - i : 8;
        memcpy(out + i, &x, n);
    }
}

typedef struct {
    uint8_t raw[BATCH_MAX][RAW_BYTES];
    wt_store_tx txs[BATCH_MAX];
    wt_account accounts[2 * BATCH_MAX];
    uint8_t pool[ACCOUNT_POOL][32];
} bench_rows;

/* The next batch: seqs from next_seq, fresh random txids and bytes, two
 * accounts from the pool per transaction. */
static void fill_batch(bench_rows *r, size_t batch, uint64_t next_seq, uint64_t height)
{
    for (size_t i = 0; i < batch; i++) {
        wt_store_tx *tx = &r->txs[i];
        tx->seq = next_seq + i;
        tx->height = height;
        tx->t_ms = 1700000000000 + (int64_t)tx->seq;
        rng_fill(tx->txid, 32);
        rng_fill(r->raw[i], RAW_BYTES);
        tx->raw = r->raw[i];
        tx->raw_len = RAW_BYTES;
        for (int k = 0; k < 2; k++) {
            wt_account *a = &r->accounts[2 * i + (size_t)k];
            memcpy(a->key, r->pool[rng_next() % ACCOUNT_POOL], 32);
            a->balance_micro = (int64_t)(rng_next() >> 20);
            a->holds_micro = 0;
            a->nonce = tx->seq;
            a->roles = 0;
        }
    }
}

/* Rows per second through the store. */
static double run_store(bench_rows *r, const char *path, size_t batch, bool accounts, double run_s)
{
    wt_store *s = NULL;
    if (wt_store_open(&s, path, NULL) != WT_OK)
        abort();
    uint64_t next = 1, height = 1;
    double busy_s = 0;
    double t_end = wt_bench_now_s() + run_s;
    while (wt_bench_now_s() < t_end && next <= ROWS_MAX) {
        fill_batch(r, batch, next, height);
        double t0 = wt_bench_now_s();
        wt_err err = wt_store_append_batch(s, r->txs, batch, r->accounts, accounts ? 2 * batch : 0);
        busy_s += wt_bench_now_s() - t0;
        if (err != WT_OK) {
            fprintf(stderr, "store: append failed: %s (%s)\n", wt_errname(err),
                    wt_store_last_error(s));
            abort();
        }
        next += batch;
        height += next % 4096 < batch; /* a new block now and then */
    }
    wt_store_close(s);
    return (double)(next - 1) / busy_s;
}

static void check_rc(sqlite3 *db, int rc, const char *what)
{
    if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
        fprintf(stderr, "store: baseline %s: %s\n", what, sqlite3_errmsg(db));
        abort();
    }
}

/* The ceiling: the same rows in the same batches, straight into plain
 * tables. */
static double run_raw(bench_rows *r, const char *path, size_t batch, bool accounts, double run_s)
{
    sqlite3 *db = NULL;
    check_rc(db, sqlite3_open(path, &db), "open");
    check_rc(db,
             sqlite3_exec(db,
                          "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                          "CREATE TABLE txs(seq INTEGER PRIMARY KEY, height INTEGER, t_ms INTEGER,"
                          " txid BLOB, raw BLOB);"
                          "CREATE TABLE accounts(key BLOB PRIMARY KEY, balance_micro INTEGER,"
                          " holds_micro INTEGER, nonce INTEGER, roles INTEGER) WITHOUT ROWID",
                          NULL, NULL, NULL),
             "schema");
    sqlite3_stmt *ins = NULL, *upsert = NULL, *begin = NULL, *commit = NULL;
    check_rc(db,
             sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO accounts VALUES(?1, ?2, ?3, ?4, ?5)",
                                -1, &upsert, NULL),
             "prepare");
    check_rc(db,
             sqlite3_prepare_v2(db, "INSERT INTO txs VALUES(?1, ?2, ?3, ?4, ?5)", -1, &ins, NULL),
             "prepare");
    check_rc(db, sqlite3_prepare_v2(db, "BEGIN", -1, &begin, NULL), "prepare");
    check_rc(db, sqlite3_prepare_v2(db, "COMMIT", -1, &commit, NULL), "prepare");
    uint64_t next = 1;
    double busy_s = 0;
    double t_end = wt_bench_now_s() + run_s;
    while (wt_bench_now_s() < t_end && next <= ROWS_MAX) {
        fill_batch(r, batch, next, 1);
        double t0 = wt_bench_now_s();
        check_rc(db, sqlite3_step(begin), "begin");
        sqlite3_reset(begin);
        for (size_t i = 0; i < batch; i++) {
            const wt_store_tx *tx = &r->txs[i];
            sqlite3_bind_int64(ins, 1, (int64_t)tx->seq);
            sqlite3_bind_int64(ins, 2, (int64_t)tx->height);
            sqlite3_bind_int64(ins, 3, tx->t_ms);
            sqlite3_bind_blob(ins, 4, tx->txid, 32, SQLITE_STATIC);
            sqlite3_bind_blob(ins, 5, tx->raw, (int)tx->raw_len, SQLITE_STATIC);
            check_rc(db, sqlite3_step(ins), "insert");
            sqlite3_reset(ins);
        }
        for (size_t i = 0; accounts && i < 2 * batch; i++) {
            const wt_account *a = &r->accounts[i];
            sqlite3_bind_blob(upsert, 1, a->key, 32, SQLITE_STATIC);
            sqlite3_bind_int64(upsert, 2, a->balance_micro);
            sqlite3_bind_int64(upsert, 3, a->holds_micro);
            sqlite3_bind_int64(upsert, 4, (int64_t)a->nonce);
            sqlite3_bind_int64(upsert, 5, (int64_t)a->roles);
            check_rc(db, sqlite3_step(upsert), "upsert");
            sqlite3_reset(upsert);
        }
        check_rc(db, sqlite3_step(commit), "commit");
        sqlite3_reset(commit);
        busy_s += wt_bench_now_s() - t0;
        next += batch;
    }
    sqlite3_finalize(ins);
    sqlite3_finalize(upsert);
    sqlite3_finalize(begin);
    sqlite3_finalize(commit);
    sqlite3_close(db);
    return (double)(next - 1) / busy_s;
}

static void remove_db(const char *path)
{
    char p[600];
    const char *suffix[] = {"", "-wal", "-shm"};
    for (int i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s%s", path, suffix[i]);
        unlink(p);
    }
}

void wt_bench_store(wt_bench_ctx *ctx)
{
    bench_rows *r = calloc(1, sizeof *r);
    if (r == NULL)
        abort();
    for (size_t i = 0; i < ACCOUNT_POOL; i++)
        rng_fill(r->pool[i], 32);
    const char *base = getenv("TMPDIR");
    char dir[512];
    snprintf(dir, sizeof dir, "%s/wattle-bench-store-XXXXXX",
             base != NULL && *base ? base : "/tmp");
    if (mkdtemp(dir) == NULL) {
        perror("wattle-bench store: mkdtemp");
        abort();
    }
    wt_log_set_level(WT_LOG_WARN);
    double run_s = wt_bench_quick(ctx) ? RUN_S_QUICK : RUN_S;
    static const struct {
        size_t batch;
        bool accounts;
    } runs[] = {{1, true}, {64, true}, {1024, true}, {1024, false}};
    for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++) {
        size_t batch = runs[i].batch;
        bool accounts = runs[i].accounts;
        char store_path[600], raw_path[600], metric[48];
        snprintf(store_path, sizeof store_path, "%s/store-%zu.db", dir, i);
        snprintf(raw_path, sizeof raw_path, "%s/raw-%zu.db", dir, i);
        wt_bench_progress(ctx, "batch %zu%s: store, then raw SQLite, %.1f s each", batch,
                          accounts ? "" : " without accounts", run_s);
        double store_rate = run_store(r, store_path, batch, accounts, run_s);
        double raw_rate = run_raw(r, raw_path, batch, accounts, run_s);
        remove_db(store_path);
        remove_db(raw_path);
        snprintf(metric, sizeof metric, "append_batch_%zu%s", batch, accounts ? "" : "_txs_only");
        wt_bench_report(ctx, metric, store_rate, "txs/s", raw_rate, "raw_sqlite_same_rows");
    }
    rmdir(dir);
    free(r);
}
