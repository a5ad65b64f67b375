/*
 * audit.c — re-verify a stored chain from its genesis (see engine.h): what
 * `wattle audit` runs. Transactions are read in ledger order in chunks; each
 * chunk's decoding, txids and signatures are checked on every core, then the
 * chunk is applied in order through the same transition the daemon uses.
 * Each block is checked once all of its transactions are applied.
 */
#include "engine.h"
#include "pool.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK_TXS 4096

typedef struct {
    uint8_t *raw;
    size_t raw_len;
    wt_store_tx meta;
    wt_tx tx;
    uint8_t txid[32];
    wt_err err;
    const char *field;
} item;

typedef struct {
    const wt_ctx *ctx;
    wt_store *store;
    wt_pool *pool;
    wt_audit_report *report;
    const wt_audit_opts *opts;
    wt_state *state;
    wt_chain_params params;

    uint64_t last_block;     /* highest sealed block in the snapshot */
    uint64_t checked_height; /* blocks 0..checked_height are verified */
    uint8_t prev_hash[32];   /* of block checked_height */
    int64_t prev_time_ms;
    uint8_t (*block_txids)[32]; /* txids of the block being filled */
    size_t block_count, block_cap;
    uint64_t expected_seq;
    uint64_t current_height; /* the block being filled by applied transactions */
    uint64_t seen_height;    /* of the last transaction read (buffered or applied) */

    item *items;
    size_t items_count;
    wt_err err;
} audit;

static void fail(audit *a, wt_err err, uint64_t height, const wt_store_tx *tx, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void fail(audit *a, wt_err err, uint64_t height, const wt_store_tx *tx, const char *fmt, ...)
{
    if (a->err != WT_OK)
        return; /* the first violation is the one reported */
    a->err = err;
    wt_audit_report *r = a->report;
    r->err = err;
    r->bad_height = height;
    char what[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (tx != NULL) {
        r->bad_seq = tx->seq;
        memcpy(r->bad_txid, tx->txid, 32);
        r->has_bad_txid = true;
        char hex[65];
        wt_hex_encode(hex, tx->txid, 32);
        snprintf(r->what, sizeof r->what, "block %" PRIu64 ", tx seq %" PRIu64 " (txid %s): %s",
                 height, tx->seq, hex, what);
    } else {
        snprintf(r->what, sizeof r->what, "block %" PRIu64 ": %s", height, what);
    }
}

static bool push_block_txid(audit *a, const uint8_t txid[32])
{
    if (a->block_count == a->block_cap) {
        size_t cap = a->block_cap == 0 ? 4096 : a->block_cap * 2;
        uint8_t(*bigger)[32] = realloc(a->block_txids, cap * 32);
        if (bigger == NULL)
            return false;
        a->block_txids = bigger;
        a->block_cap = cap;
    }
    memcpy(a->block_txids[a->block_count++], txid, 32);
    return true;
}

/* Check block `height` against the transactions applied for it. */
/* Asked to stop (opts->stop): fail with WT_ERR_UNAVAILABLE and say so. */
static bool stopped(audit *a, uint64_t height)
{
    if (a->opts->stop == NULL || !atomic_load(a->opts->stop))
        return false;
    fail(a, WT_ERR_UNAVAILABLE, height, NULL, "stopped before the end (asked to stop)");
    return true;
}

static void check_block(audit *a, uint64_t height)
{
    if (stopped(a, height))
        return;
    uint8_t bytes[WT_STORE_HEADER_BYTES_MAX], stored_hash[32], hash[32];
    size_t len;
    wt_err err = wt_store_block_get(a->store, stored_hash, bytes, sizeof bytes, &len, height);
    if (err != WT_OK) {
        fail(a, err, height, NULL, "block missing or unreadable: %s (%s)", wt_errname(err),
             wt_store_last_error(a->store));
        return;
    }
    wt_block_header h;
    if (wt_block_header_decode(&h, bytes, len) != WT_OK) {
        fail(a, WT_ERR_STORE_CORRUPT, height, NULL, "block header does not decode");
        return;
    }
    wt_block_hash(hash, &h);
    if (memcmp(hash, stored_hash, 32) != 0)
        fail(a, WT_ERR_STORE_CORRUPT, height, NULL, "stored block hash is not the header's hash");
    else if (h.height != height)
        fail(a, WT_ERR_STORE_CORRUPT, height, NULL, "header says height %" PRIu64, h.height);
    else if (h.chain_id != a->params.chain_id)
        fail(a, WT_ERR_WRONG_CHAIN, height, NULL, "header has another chain id");
    else if (height > 0 && memcmp(h.prev_hash, a->prev_hash, 32) != 0)
        fail(a, WT_ERR_STORE_CORRUPT, height, NULL,
             "previous-block hash does not match block %" PRIu64, height - 1);
    else if (height > 0 && h.time_ms < a->prev_time_ms)
        fail(a, WT_ERR_STORE_CORRUPT, height, NULL, "block time goes backwards");
    else if (h.tx_count != a->block_count)
        fail(a, WT_ERR_STORE_CORRUPT, height, NULL,
             "header counts %" PRIu32 " transactions, the store holds %zu", h.tx_count,
             a->block_count);
    if (a->err != WT_OK)
        return;
    uint8_t root[32];
    if (height == 0) {
        wt_genesis_params_hash(root, &a->params);
        if (memcmp(root, h.merkle_root, 32) != 0) {
            fail(a, WT_ERR_STORE_CORRUPT, 0, NULL, "genesis does not commit to the parameters");
            return;
        }
    } else {
        wt_merkle_root(root, (const uint8_t(*)[32])a->block_txids, a->block_count);
        if (memcmp(root, h.merkle_root, 32) != 0) {
            fail(a, WT_ERR_STORE_CORRUPT, height, NULL,
                 "Merkle root does not match its %zu transactions", a->block_count);
            return;
        }
    }
    uint8_t state_hash[32];
    wt_state_hash(state_hash, a->state);
    if (memcmp(state_hash, h.state_hash, 32) != 0) {
        fail(a, WT_ERR_STORE_CORRUPT, height, NULL,
             "state hash differs from the state its transactions produce");
        return;
    }
    if (memcmp(h.operator_key, wt_state_params(a->state)->operator_key, 32) != 0) {
        fail(a, WT_ERR_NOT_OPERATOR, height, NULL, "signed by a key that is not the operator");
        return;
    }
    if (!wt_block_verify(a->ctx, &h)) {
        fail(a, WT_ERR_BAD_SIGNATURE, height, NULL, "operator signature does not verify");
        return;
    }
    memcpy(a->prev_hash, hash, 32);
    a->prev_time_ms = h.time_ms;
    a->checked_height = height;
    a->block_count = 0;
    a->report->blocks++;
}

static void verify_item(void *arg, size_t i)
{
    audit *a = arg;
    item *it = &a->items[i];
    it->err = wt_tx_decode(&it->tx, &it->field, it->raw, it->raw_len);
    if (it->err != WT_OK)
        return;
    wt_tx_id_encoded(it->txid, it->raw, it->raw_len);
    if (memcmp(it->txid, it->meta.txid, 32) != 0) {
        it->err = WT_ERR_STORE_CORRUPT;
        it->field = "txid";
        return;
    }
    if (!wt_tx_verify(a->ctx, &it->tx, it->txid)) {
        it->err = WT_ERR_BAD_SIGNATURE;
        it->field = "signature";
    }
}

/* Verify the buffered chunk in parallel, then apply it in order. */
static void flush_chunk(audit *a)
{
    wt_pool_run(a->pool, verify_item, a, a->items_count);
    for (size_t i = 0; i < a->items_count && a->err == WT_OK; i++) {
        item *it = &a->items[i];
        const wt_store_tx *m = &it->meta;
        /* blocks that end before this transaction are complete */
        while (a->err == WT_OK && m->height > a->current_height) {
            if (a->current_height <= a->last_block)
                check_block(a, a->current_height);
            a->current_height++;
        }
        if (a->err != WT_OK)
            break;
        if (it->err == WT_ERR_STORE_CORRUPT) {
            fail(a, it->err, m->height, m, "its bytes do not hash to its stored txid");
            break;
        }
        if (it->err != WT_OK) {
            fail(a, it->err, m->height, m, "%s: %s (%s)", wt_errname(it->err), wt_strerror(it->err),
                 it->field ? it->field : "?");
            break;
        }
        const char *field = NULL;
        if (it->tx.type == WT_TX_SETTLE) {
            /* every SETTLE equals its recomputation from the state before it */
            size_t leg = SIZE_MAX;
            wt_settlement *computed = NULL;
            wt_err serr = wt_settle_verify(
                &field, &leg, a->opts->on_settlement != NULL ? &computed : NULL, a->state, &it->tx);
            if (computed != NULL) {
                a->opts->on_settlement(a->opts->settlement_arg, wt_state_params(a->state),
                                       computed);
                wt_settlement_free(computed);
            }
            if (serr != WT_OK) {
                char where[48] = "";
                if (leg != SIZE_MAX)
                    snprintf(where, sizeof where, ", first differing leg %zu", leg);
                fail(a, serr, m->height, m,
                     "SETTLE of interval %" PRIu64 " differs from its recomputation (%s%s)",
                     it->tx.body.settle.interval, field ? field : wt_errname(serr), where);
                break;
            }
        }
        wt_apply_opts opts = {.now_ms = m->t_ms, .sig_verified = true};
        wt_err err = wt_ledger_apply(a->ctx, a->state, &field, &it->tx, it->txid, &opts);
        if (err != WT_OK) {
            fail(a, err, m->height, m, "%s: %s (%s)", wt_errname(err), wt_strerror(err),
                 field ? field : "?");
            break;
        }
        if (!push_block_txid(a, it->txid)) {
            fail(a, WT_ERR_NO_MEMORY, m->height, m, "out of memory");
            break;
        }
        a->report->txs++;
        if (m->height > a->last_block)
            a->report->open_txs++;
    }
    for (size_t i = 0; i < a->items_count; i++)
        free(a->items[i].raw);
    a->items_count = 0;
    if (a->opts->progress != NULL)
        a->opts->progress(a->opts->progress_arg, a->report->txs);
}

static bool visit_tx(void *arg, const wt_store_tx *tx)
{
    audit *a = arg;
    if (stopped(a, tx->height))
        return false;
    if (tx->seq != a->expected_seq) {
        fail(a, WT_ERR_STORE_CORRUPT, tx->height, tx,
             "transaction seq %" PRIu64 " expected: one is missing or out of place",
             a->expected_seq);
        return false;
    }
    if (tx->height < a->seen_height || tx->height == 0 || tx->height > a->last_block + 1) {
        fail(a, WT_ERR_STORE_CORRUPT, tx->height, tx, "transaction is in an impossible block");
        return false;
    }
    a->expected_seq++;
    a->seen_height = tx->height;
    item *it = &a->items[a->items_count];
    memset(it, 0, sizeof *it);
    it->meta = *tx;
    it->raw = malloc(tx->raw_len);
    if (it->raw == NULL) {
        fail(a, WT_ERR_NO_MEMORY, tx->height, tx, "out of memory");
        return false;
    }
    memcpy(it->raw, tx->raw, tx->raw_len);
    it->raw_len = tx->raw_len;
    it->meta.raw = it->raw;
    a->items_count++;
    if (a->items_count == CHUNK_TXS)
        flush_chunk(a);
    return a->err == WT_OK;
}

typedef struct {
    audit *a;
    uint64_t rows;
} account_check;

static bool visit_account(void *arg, const wt_account *row)
{
    account_check *ac = arg;
    ac->rows++;
    wt_account live;
    wt_state_account(&live, ac->a->state, row->key);
    if (memcmp(&live, row, sizeof live) != 0) {
        char hex[65];
        wt_hex_encode(hex, row->key, 32);
        fail(ac->a, WT_ERR_STORE_CORRUPT, ac->a->checked_height, NULL,
             "stored account %s differs from the ledger (stored balance %" PRId64
             ", ledger %" PRId64 ")",
             hex, row->balance_micro, live.balance_micro);
        return false;
    }
    return true;
}

static void finish(audit *a)
{
    if (a->err != WT_OK)
        return;
    flush_chunk(a);
    /* the sealed blocks after the last transaction (empty, or its own) */
    while (a->err == WT_OK && a->current_height <= a->last_block) {
        check_block(a, a->current_height);
        a->current_height++;
    }
    if (a->err != WT_OK)
        return;
    account_check ac = {.a = a};
    wt_err err = wt_store_accounts_each(a->store, visit_account, &ac);
    if (err != WT_OK && a->err == WT_OK)
        fail(a, err, a->checked_height, NULL, "reading the account rows: %s", wt_errname(err));
    wt_state_totals t;
    wt_state_totals_get(&t, a->state);
    if (a->err == WT_OK && ac.rows != t.accounts)
        fail(a, WT_ERR_STORE_CORRUPT, a->checked_height, NULL,
             "the store holds %" PRIu64 " account rows, the ledger %" PRIu64 " accounts", ac.rows,
             t.accounts);
    if (a->err == WT_OK && t.balances_micro + t.holds_micro != t.minted_micro - t.burned_micro)
        fail(a, WT_ERR_INTERNAL, a->checked_height, NULL,
             "balances + holds differ from minted - burned");
    a->report->accounts = ac.rows;
    a->report->minted_micro = t.minted_micro;
    a->report->burned_micro = t.burned_micro;
    a->report->balances_micro = t.balances_micro;
    a->report->holds_micro = t.holds_micro;
}

wt_err wt_audit_run(const wt_ctx *ctx, wt_audit_report *report, const char *db_path,
                    const wt_audit_opts *opts)
{
    memset(report, 0, sizeof *report);
    static const wt_audit_opts no_opts;
    if (opts == NULL)
        opts = &no_opts;
    int64_t start_ns = wt_monotonic_ns();
    audit a = {.ctx = ctx, .report = report, .opts = opts, .expected_seq = 1};
    wt_store_opts sopts = {.read_only = true};
    bool snapshot = false;
    wt_err err = wt_store_open(&a.store, db_path, &sopts);
    if (err != WT_OK) {
        fail(&a, err, 0, NULL, "cannot open the store %s", db_path);
        goto done;
    }
    /* one snapshot for the whole audit: a daemon may keep committing */
    err = wt_store_snapshot_begin(a.store);
    if (err != WT_OK) {
        fail(&a, err, 0, NULL, "cannot read a snapshot of %s", db_path);
        goto done;
    }
    snapshot = true;
    uint8_t bytes[8192];
    size_t n;
    err = wt_store_meta_get(a.store, bytes, sizeof bytes, &n, WT_STORE_META_PARAMS);
    if (err == WT_OK)
        err = wt_chain_params_decode(&a.params, bytes, n);
    if (err != WT_OK) {
        fail(&a, WT_ERR_STORE_CORRUPT, 0, NULL, "the chain parameters are missing or malformed");
        goto done;
    }
    uint8_t last_hash[32];
    if (wt_store_last_block(a.store, &a.last_block, last_hash) != WT_OK) {
        fail(&a, WT_ERR_STORE_CORRUPT, 0, NULL, "the store holds no genesis block");
        goto done;
    }
    err = wt_state_create(&a.state, &a.params);
    unsigned workers = opts->verify_threads != 0 ? opts->verify_threads : wt_pool_cores() - 1;
    if (err == WT_OK)
        err = wt_pool_create(&a.pool, workers);
    a.items = malloc(CHUNK_TXS * sizeof *a.items);
    if (err != WT_OK || a.items == NULL) {
        fail(&a, WT_ERR_NO_MEMORY, 0, NULL, "out of memory");
        goto done;
    }
    check_block(&a, 0); /* the genesis, against the parameters and the empty state */
    a.current_height = 1;
    if (a.err == WT_OK) {
        uint8_t genesis_hash[32];
        if (wt_store_meta_get(a.store, genesis_hash, sizeof genesis_hash, &n,
                              WT_STORE_META_GENESIS_HASH) == WT_OK &&
            (n != 32 || memcmp(genesis_hash, a.prev_hash, 32) != 0))
            fail(&a, WT_ERR_STORE_CORRUPT, 0, NULL, "the recorded genesis hash differs");
    }
    if (a.err == WT_OK) {
        err = wt_store_txs_each(a.store, 1, visit_tx, &a);
        if (err != WT_OK)
            fail(&a, err, a.seen_height, NULL, "reading the transactions: %s (%s)", wt_errname(err),
                 wt_store_last_error(a.store));
    }
    finish(&a);
done:
    for (size_t i = 0; i < a.items_count; i++)
        free(a.items[i].raw);
    free(a.items);
    free(a.block_txids);
    wt_pool_destroy(a.pool);
    wt_state_destroy(a.state);
    if (snapshot)
        wt_store_snapshot_end(a.store);
    wt_store_close(a.store);
    report->seconds = (double)(wt_monotonic_ns() - start_ns) / 1e9;
    report->err = a.err;
    return a.err;
}
