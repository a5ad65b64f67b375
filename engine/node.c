/*
 * node.c — the sequencer: one thread applies submitted transactions in
 * arrival order and group-commits them to the store; submitters decode and
 * verify in parallel and wait for durability (see engine.h).
 */
#include "engine.h"
#include "inflight.h"
#include "pool.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define BATCH_MAX_DEFAULT 8192

/* One wt_node_submit call (or a seal) waiting in the queue. */
typedef struct request {
    struct request *next;
    /* a submission */
    size_t count;
    const uint8_t *const *raws;
    const size_t *raw_lens;
    wt_tx *txs;
    uint8_t (*txids)[32];
    wt_submit_result *results;
    bool *ready; /* decoded and signature-checked: goes to apply */
    /* a seal */
    bool is_seal;
    int64_t seal_time_ms; /* 0: the clock's time */
    /* a settlement (is_seal is also set: it takes the queue alone) */
    bool is_settle;
    uint64_t settle_interval;
    wt_settlement *settlement;
    wt_submit_result *settle_result;
    wt_block_header *header;
    wt_err seal_err;
    /* completion: the sequencer calls done(done_arg) once the request is
     * handled, outside the queue's lock; a submission's request is the
     * node's (one allocation with its arrays: `owned`), freed just before */
    wt_node_done_fn done;
    void *done_arg;
    bool owned;
    bool *taken; /* an owned submission's per-sender slots */
} request;

struct wt_node {
    const wt_ctx *ctx;
    wt_chain_params params;
    wt_seckey operator_key;
    bool can_seal;
    wt_clock_fn clock;
    void *clock_arg;
    uint32_t batch_max;
    char *db_path;
    int64_t store_cache_kib;

    wt_store *store;
    wt_state *state;
    wt_pool *pool;
    wt_inflight *inflight;       /* signature-checked transactions per sender, not yet answered */
    uint32_t replay_settlements; /* see wt_node_opts */
    wt_node_settlement_fn on_settlement;
    void *settlement_arg;

    /* the open block */
    uint64_t height;       /* of the open block: last sealed + 1 */
    uint8_t prev_hash[32]; /* hash of the last sealed block */
    int64_t prev_time_ms;
    wt_merkle_builder open_merkle; /* over its txids so far (and their count) */
    uint64_t last_seq;

    /* the queue */
    pthread_mutex_t lock;
    pthread_cond_t work;
    request *head, *tail;
    bool stopping;
    pthread_t sequencer;
    bool sequencer_started;

    /* readers vs. the sequencer */
    pthread_rwlock_t state_lock;
};

static int64_t real_clock(void *arg)
{
    (void)arg;
    return wt_now_ms();
}

static int64_t node_now(const wt_node *node)
{
    return node->clock(node->clock_arg);
}

const wt_chain_params *wt_node_params(const wt_node *node)
{
    return &node->params;
}

/* ---------------------------------------------------------------- genesis */

typedef struct {
    wt_account *items;
    size_t count, cap;
    bool failed;
} account_list;

static bool collect_account(void *arg, const wt_account *account)
{
    account_list *list = arg;
    if (list->count == list->cap) {
        size_t cap = list->cap == 0 ? 256 : list->cap * 2;
        wt_account *bigger = realloc(list->items, cap * sizeof *bigger);
        if (bigger == NULL) {
            list->failed = true;
            return false;
        }
        list->items = bigger;
        list->cap = cap;
    }
    list->items[list->count++] = *account;
    return true;
}

static wt_err create_genesis(wt_node *node)
{
    if (!node->can_seal) {
        wt_log(WT_LOG_ERROR, "node", "a new ledger needs the operator key for its genesis block");
        return WT_ERR_INVALID_ARGUMENT;
    }
    uint8_t params_bytes[8192];
    size_t n = wt_chain_params_encode(params_bytes, sizeof params_bytes, &node->params);
    WT_ASSERT(n <= sizeof params_bytes);
    wt_err err = wt_store_meta_put(node->store, WT_STORE_META_PARAMS, params_bytes, n);
    if (err != WT_OK)
        return err;

    wt_block_header h;
    memset(&h, 0, sizeof h);
    h.version = WT_BLOCK_VERSION;
    h.chain_id = node->params.chain_id;
    h.height = 0;
    h.time_ms = node->params.genesis_time_ms;
    h.interval = (uint64_t)(node->params.genesis_time_ms / node->params.interval_ms);
    wt_genesis_params_hash(h.merkle_root, &node->params);
    wt_state_hash(h.state_hash, node->state);
    memcpy(h.operator_key, node->params.operator_key, 32);
    err = wt_block_sign(node->ctx, &h, &node->operator_key);
    if (err != WT_OK)
        return err;

    /* the genesis accounts (roles), then block 0 */
    account_list list = {0};
    wt_state_dirty_each(node->state, collect_account, &list);
    err = list.failed ? WT_ERR_NO_MEMORY
                      : wt_store_append_batch(node->store, NULL, 0, list.items, list.count);
    free(list.items);
    if (err != WT_OK)
        return err;
    wt_state_dirty_clear(node->state);
    uint8_t header_bytes[WT_BLOCK_HEADER_BYTES], hash[32];
    wt_block_header_encode(header_bytes, &h);
    wt_block_hash(hash, &h);
    err = wt_store_block_append(node->store, 0, hash, header_bytes, sizeof header_bytes);
    if (err != WT_OK)
        return err;
    return wt_store_meta_put(node->store, WT_STORE_META_GENESIS_HASH, hash, 32);
}

/* ----------------------------------------------------------------- replay */

typedef struct {
    wt_node *node;
    wt_err err;
    uint64_t expected_seq;
    uint64_t last_block;
    /* settlements rebuilt for SETTLEs of intervals >= settle_from */
    bool rebuild_settlements;
    uint64_t settle_from;
} replay_ctx;

static bool replay_tx(void *arg, const wt_store_tx *stored)
{
    replay_ctx *rc = arg;
    wt_node *node = rc->node;
    wt_tx tx;
    const char *field = NULL;
    rc->err = WT_ERR_STORE_CORRUPT;
    if (stored->seq != rc->expected_seq) {
        wt_log(WT_LOG_ERROR, "node", "stored transactions skip from seq %llu to %llu",
               (unsigned long long)rc->expected_seq, (unsigned long long)stored->seq);
        return false;
    }
    if (wt_tx_decode(&tx, &field, stored->raw, stored->raw_len) != WT_OK) {
        wt_log(WT_LOG_ERROR, "node", "stored transaction seq %llu does not decode (%s)",
               (unsigned long long)stored->seq, field ? field : "?");
        return false;
    }
    wt_settlement *settlement = NULL;
    if (rc->rebuild_settlements && tx.type == WT_TX_SETTLE &&
        tx.body.settle.interval >= rc->settle_from) {
        /* the state just before the SETTLE is the one it was computed from */
        wt_err serr = wt_settle_compute(&settlement, node->state, tx.body.settle.interval);
        if (serr != WT_OK)
            wt_log(WT_LOG_WARN, "node", "cannot rebuild the settlement of interval %llu: %s",
                   (unsigned long long)tx.body.settle.interval, wt_errname(serr));
    }
    wt_apply_opts opts = {.now_ms = stored->t_ms, .sig_verified = true};
    wt_err err = wt_ledger_apply(node->ctx, node->state, &field, &tx, stored->txid, &opts);
    if (err != WT_OK) {
        wt_settlement_free(settlement);
        wt_log(WT_LOG_ERROR, "node", "stored transaction seq %llu no longer applies: %s (%s)",
               (unsigned long long)stored->seq, wt_errname(err), field ? field : "?");
        rc->err = err == WT_ERR_NO_MEMORY ? err : WT_ERR_STORE_CORRUPT;
        return false;
    }
    if (settlement != NULL)
        node->on_settlement(node->settlement_arg, settlement);
    if (stored->height > rc->last_block)
        wt_merkle_add(&node->open_merkle, stored->txid);
    rc->expected_seq++;
    rc->err = WT_OK;
    return true;
}

typedef struct {
    wt_node *node;
    uint64_t rows, mismatches;
    account_list fixes;
} compare_ctx;

static bool compare_account(void *arg, const wt_account *row)
{
    compare_ctx *cc = arg;
    cc->rows++;
    wt_account live;
    wt_state_account(&live, cc->node->state, row->key);
    if (memcmp(&live, row, sizeof live) != 0) {
        cc->mismatches++;
        char hex[65];
        wt_hex_encode(hex, row->key, 32);
        wt_log(WT_LOG_WARN, "node", "stored account %s differs from the replayed state", hex);
        collect_account(&cc->fixes, &live);
    }
    return true;
}

/* Rebuild the state from the store: genesis state, then every transaction. */
static wt_err replay(wt_node *node, bool rebuild)
{
    wt_state_destroy(node->state);
    node->state = NULL;
    wt_merkle_init(&node->open_merkle);
    wt_err err = wt_state_create(&node->state, &node->params);
    if (err != WT_OK)
        return err;
    uint64_t last_block;
    err = wt_store_last_block(node->store, &last_block, node->prev_hash);
    if (err != WT_OK)
        return err == WT_ERR_NOT_FOUND ? WT_ERR_STORE_CORRUPT : err;
    uint8_t header_bytes[WT_BLOCK_HEADER_BYTES];
    size_t header_len;
    uint8_t hash[32];
    err = wt_store_block_get(node->store, hash, header_bytes, sizeof header_bytes, &header_len,
                             last_block);
    wt_block_header last;
    if (err == WT_OK)
        err = wt_block_header_decode(&last, header_bytes, header_len);
    if (err != WT_OK)
        return WT_ERR_STORE_CORRUPT;
    node->height = last_block + 1;
    node->prev_time_ms = last.time_ms;

    replay_ctx rc = {.node = node, .err = WT_OK, .expected_seq = 1, .last_block = last_block};
    if (node->on_settlement != NULL && node->replay_settlements > 0) {
        rc.rebuild_settlements = true;
        rc.settle_from = last.interval >= node->replay_settlements
                             ? last.interval - node->replay_settlements + 1
                             : 0;
    }
    err = wt_store_txs_each(node->store, 1, replay_tx, &rc);
    if (err == WT_OK)
        err = rc.err;
    if (err != WT_OK)
        return err;
    node->last_seq = rc.expected_seq - 1;

    compare_ctx cc = {.node = node};
    err = wt_store_accounts_each(node->store, compare_account, &cc);
    wt_state_totals totals;
    wt_state_totals_get(&totals, node->state);
    if (err == WT_OK && cc.rows != totals.accounts) {
        wt_log(WT_LOG_WARN, "node", "the store holds %llu account rows, the replay %llu accounts",
               (unsigned long long)cc.rows, (unsigned long long)totals.accounts);
        cc.mismatches++;
    }
    if (err == WT_OK && cc.mismatches > 0) {
        if (!rebuild) {
            wt_log(WT_LOG_ERROR, "node",
                   "stored account state differs from the ledger; rebuild it with --rebuild");
            err = WT_ERR_STORE_CORRUPT;
        } else {
            /* rewrite every account from the replay */
            account_list all = {0};
            wt_state_accounts_each(node->state, collect_account, &all);
            err = all.failed ? WT_ERR_NO_MEMORY
                             : wt_store_append_batch(node->store, NULL, 0, all.items, all.count);
            free(all.items);
            wt_log(WT_LOG_INFO, "node", "rebuilt the account state from %llu transactions",
                   (unsigned long long)node->last_seq);
        }
    }
    free(cc.fixes.items);
    wt_state_dirty_clear(node->state);
    return err;
}

/* -------------------------------------------------------------- sequencer */

/* An earlier committed copy of txid: its stored result. */
static bool find_committed(wt_node *node, wt_submit_result *result, const uint8_t txid[32])
{
    wt_store_tx_info info;
    if (wt_store_tx_by_txid(node->store, &info, NULL, 0, txid) != WT_OK)
        return false;
    result->err = WT_OK;
    result->field = NULL;
    result->seq = info.seq;
    result->height = info.height;
    result->t_ms = info.t_ms;
    result->duplicate = true;
    return true;
}

typedef struct {
    wt_store_tx *txs;
    size_t count, cap;
} batch;

static wt_err batch_push(batch *b, const wt_store_tx *tx)
{
    if (b->count == b->cap) {
        size_t cap = b->cap == 0 ? 1024 : b->cap * 2;
        wt_store_tx *bigger = realloc(b->txs, cap * sizeof *bigger);
        if (bigger == NULL)
            return WT_ERR_NO_MEMORY;
        b->txs = bigger;
        b->cap = cap;
    }
    b->txs[b->count++] = *tx;
    return WT_OK;
}

/* Apply and commit the submissions in `list` (a chain of requests). */
static void commit_requests(wt_node *node, request *list, batch *b)
{
    pthread_rwlock_wrlock(&node->state_lock);
    int64_t now_ms = node_now(node);
    b->count = 0;
    uint64_t seq_before = node->last_seq;
    wt_err err = WT_OK;
    for (request *r = list; r != NULL; r = r->next) {
        for (size_t i = 0; i < r->count; i++) {
            if (!r->ready[i])
                continue;
            wt_submit_result *res = &r->results[i];
            const char *field = NULL;
            wt_apply_opts opts = {.now_ms = now_ms, .sig_verified = true};
            wt_err e =
                wt_ledger_apply(node->ctx, node->state, &field, &r->txs[i], r->txids[i], &opts);
            if (e == WT_ERR_BAD_NONCE) {
                /* a replay? then answer with the original result */
                bool found = find_committed(node, res, r->txids[i]);
                for (size_t k = 0; !found && k < b->count; k++)
                    if (memcmp(b->txs[k].txid, r->txids[i], 32) == 0) {
                        res->err = WT_OK;
                        res->seq = b->txs[k].seq;
                        res->height = b->txs[k].height;
                        res->t_ms = b->txs[k].t_ms;
                        res->duplicate = true;
                        found = true;
                    }
                if (found)
                    continue;
            }
            if (e != WT_OK) {
                res->err = e;
                res->field = field;
                continue;
            }
            wt_store_tx st = {.seq = node->last_seq + 1,
                              .height = node->height,
                              .t_ms = now_ms,
                              .raw = r->raws[i],
                              .raw_len = r->raw_lens[i]};
            memcpy(st.txid, r->txids[i], 32);
            if (err == WT_OK)
                err = batch_push(b, &st);
            wt_merkle_add(&node->open_merkle, st.txid);
            node->last_seq++;
            res->err = WT_OK;
            res->seq = st.seq;
            res->height = st.height;
            res->t_ms = st.t_ms;
        }
    }
    account_list accounts = {0};
    if (err == WT_OK) {
        wt_state_dirty_each(node->state, collect_account, &accounts);
        if (accounts.failed)
            err = WT_ERR_NO_MEMORY;
    }
    if (err == WT_OK && (b->count > 0 || accounts.count > 0))
        err = wt_store_append_batch(node->store, b->txs, b->count, accounts.items, accounts.count);
    free(accounts.items);
    if (err == WT_OK) {
        wt_state_dirty_clear(node->state);
    } else {
        /* Nothing of this batch is durable: tell every applied submission,
         * and rebuild the state from the store, which still holds the truth. */
        wt_log(WT_LOG_ERROR, "node", "group commit of %zu transactions failed: %s", b->count,
               wt_errname(err));
        for (request *r = list; r != NULL; r = r->next)
            for (size_t i = 0; i < r->count; i++)
                if (r->ready[i] && r->results[i].err == WT_OK && r->results[i].seq > seq_before) {
                    /* applied now, or a duplicate of one applied now */
                    r->results[i].duplicate = false;
                    r->results[i].err = err == WT_ERR_NO_MEMORY ? err : WT_ERR_STORAGE_UNAVAILABLE;
                    r->results[i].seq = 0;
                    r->results[i].height = 0;
                    r->results[i].t_ms = 0;
                }
        node->last_seq = seq_before;
        wt_err again = replay(node, false); /* the open block too, from the store */
        if (again != WT_OK)
            wt_log(WT_LOG_ERROR, "node", "rebuilding the state after a failed commit: %s",
                   wt_errname(again));
    }
    pthread_rwlock_unlock(&node->state_lock);
}

static wt_err seal_block(wt_node *node, wt_block_header *out, int64_t at_ms)
{
    memset(out, 0, sizeof *out);
    if (!node->can_seal)
        return WT_ERR_NOT_OPERATOR;
    pthread_rwlock_wrlock(&node->state_lock);
    wt_block_header h;
    memset(&h, 0, sizeof h);
    h.version = WT_BLOCK_VERSION;
    h.chain_id = node->params.chain_id;
    h.height = node->height;
    memcpy(h.prev_hash, node->prev_hash, 32);
    int64_t now_ms = at_ms > 0 ? at_ms : node_now(node);
    h.time_ms = now_ms > node->prev_time_ms ? now_ms : node->prev_time_ms; /* never backwards */
    h.interval = (uint64_t)(h.time_ms / node->params.interval_ms);
    h.tx_count = (uint32_t)node->open_merkle.count;
    wt_merkle_final(h.merkle_root, &node->open_merkle);
    wt_state_hash(h.state_hash, node->state);
    /* the operator as of now: a REGISTER may have moved the role */
    memcpy(h.operator_key, wt_state_params(node->state)->operator_key, 32);
    /* a key that no longer holds the role signs nothing */
    wt_err err = memcmp(h.operator_key, node->operator_key.pubkey, 32) != 0
                     ? WT_ERR_NOT_OPERATOR
                     : wt_block_sign(node->ctx, &h, &node->operator_key);
    uint8_t bytes[WT_BLOCK_HEADER_BYTES], hash[32];
    if (err == WT_OK) {
        wt_block_header_encode(bytes, &h);
        wt_block_hash(hash, &h);
        err = wt_store_block_append(node->store, h.height, hash, bytes, sizeof bytes);
    }
    if (err == WT_OK) {
        node->height++;
        memcpy(node->prev_hash, hash, 32);
        node->prev_time_ms = h.time_ms;
        wt_merkle_init(&node->open_merkle);
        *out = h;
    }
    pthread_rwlock_unlock(&node->state_lock);
    return err;
}

#define SETTLE_EXPIRY_MS 600000 /* a SETTLE is applied at once; this only bounds it */

/* Compute interval r->settle_interval's settlement from the live state, sign
 * its SETTLE with the operator key and commit it like a submission. Only the
 * sequencer changes the state, so the state the settlement was computed from
 * is the state the SETTLE applies to. */
static wt_err settle_run(wt_node *node, request *r, batch *b)
{
    if (!node->can_seal)
        return WT_ERR_NOT_OPERATOR;
    wt_settlement *st = NULL;
    wt_tx tx;
    pthread_rwlock_rdlock(&node->state_lock);
    wt_err err = wt_settle_compute(&st, node->state, r->settle_interval);
    if (err == WT_OK)
        err = wt_settle_build_tx(&tx, node->state, st, node_now(node) + SETTLE_EXPIRY_MS);
    pthread_rwlock_unlock(&node->state_lock);
    uint8_t txid[32];
    if (err == WT_OK && memcmp(tx.sender, node->operator_key.pubkey, 32) != 0)
        err = WT_ERR_NOT_OPERATOR; /* a REGISTER moved the role to another key */
    if (err == WT_OK)
        err = wt_tx_sign(node->ctx, txid, &tx, &node->operator_key);
    size_t len = err == WT_OK ? wt_tx_encoded_len(&tx) : 0;
    uint8_t *raw = err == WT_OK ? malloc(len) : NULL;
    if (err == WT_OK && raw == NULL)
        err = WT_ERR_NO_MEMORY;
    const char *field = NULL;
    if (err == WT_OK)
        err = wt_tx_encode(raw, len, &len, &field, &tx);
    if (err == WT_OK) {
        /* the decoded form, as a submission carries it */
        wt_tx decoded;
        err = wt_tx_decode(&decoded, &field, raw, len);
        bool ready = true;
        const uint8_t *raws[1] = {raw};
        size_t lens[1] = {len};
        request sub;
        memset(&sub, 0, sizeof sub);
        sub.count = 1;
        sub.raws = raws;
        sub.raw_lens = lens;
        sub.txs = &decoded;
        sub.txids = &txid;
        sub.results = r->settle_result;
        sub.ready = &ready;
        memset(r->settle_result, 0, sizeof *r->settle_result);
        memcpy(r->settle_result->txid, txid, 32);
        if (err == WT_OK) {
            commit_requests(node, &sub, b);
            err = r->settle_result->err;
        }
    }
    free(raw);
    if (err != WT_OK) {
        wt_settlement_free(st);
        st = NULL;
    }
    r->settlement = st;
    return err;
}

/* The sequencer is done with r: tell its submitter. An owned submission
 * gives its per-sender slots back and is freed first. */
static void request_finish(wt_node *node, request *r)
{
    wt_node_done_fn done = r->done;
    void *arg = r->done_arg;
    if (r->owned) {
        wt_inflight_give(node->inflight, r->taken, r->txs, r->count);
        free(r);
    }
    done(arg);
}

static void *sequencer_main(void *arg)
{
    wt_node *node = arg;
    batch b = {0};
    pthread_mutex_lock(&node->lock);
    for (;;) {
        while (node->head == NULL && !node->stopping)
            pthread_cond_wait(&node->work, &node->lock);
        if (node->head == NULL && node->stopping)
            break;
        /* take a run of submissions up to batch_max transactions, or one seal */
        request *list = node->head, *last = list;
        if (list->is_seal) {
            node->head = list->next;
        } else {
            size_t total = list->count;
            while (last->next != NULL && !last->next->is_seal &&
                   total + last->next->count <= node->batch_max) {
                last = last->next;
                total += last->count;
            }
            node->head = last->next;
        }
        if (node->head == NULL)
            node->tail = NULL;
        last->next = NULL;
        pthread_mutex_unlock(&node->lock);

        if (list->is_settle)
            list->seal_err = settle_run(node, list, &b);
        else if (list->is_seal)
            list->seal_err = seal_block(node, list->header, list->seal_time_ms);
        else
            commit_requests(node, list, &b);

        for (request *r = list, *next; r != NULL; r = next) {
            next = r->next; /* r is gone once its submitter hears */
            request_finish(node, r);
        }
        pthread_mutex_lock(&node->lock);
    }
    pthread_mutex_unlock(&node->lock);
    free(b.txs);
    return NULL;
}

/* Queue r for the sequencer; WT_ERR_UNAVAILABLE when the node is closing
 * (then r is not queued and its done is not called). */
static wt_err enqueue(wt_node *node, request *r)
{
    pthread_mutex_lock(&node->lock);
    if (node->stopping) {
        pthread_mutex_unlock(&node->lock);
        return WT_ERR_UNAVAILABLE;
    }
    r->next = NULL;
    if (node->tail != NULL)
        node->tail->next = r;
    else
        node->head = r;
    node->tail = r;
    pthread_cond_signal(&node->work);
    pthread_mutex_unlock(&node->lock);
    return WT_OK;
}

/* A caller waiting for one request: its own condition, so a commit wakes
 * only the submitters it answered. */
typedef struct {
    pthread_mutex_t lock;
    pthread_cond_t finished;
    bool done;
} waiter;

static void waiter_init(waiter *w)
{
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->finished, NULL);
    w->done = false;
}

static void waiter_wake(void *arg)
{
    waiter *w = arg;
    pthread_mutex_lock(&w->lock);
    w->done = true;
    pthread_cond_signal(&w->finished);
    pthread_mutex_unlock(&w->lock);
}

/* Wait until woken (at once when done is already set), then release w. */
static void waiter_wait(waiter *w)
{
    pthread_mutex_lock(&w->lock);
    while (!w->done)
        pthread_cond_wait(&w->finished, &w->lock);
    pthread_mutex_unlock(&w->lock);
    pthread_cond_destroy(&w->finished);
    pthread_mutex_destroy(&w->lock);
}

/* Queue r and wait until the sequencer has handled it. */
static wt_err enqueue_and_wait(wt_node *node, request *r)
{
    waiter w;
    waiter_init(&w);
    r->done = waiter_wake;
    r->done_arg = &w;
    wt_err err = enqueue(node, r);
    if (err != WT_OK)
        w.done = true; /* nothing to wait for */
    waiter_wait(&w);
    return err;
}

/* ------------------------------------------------------------- submission */

static void prepare_one(void *arg, size_t i)
{
    request *r = arg;
    wt_submit_result *res = &r->results[i];
    memset(res, 0, sizeof *res);
    r->ready[i] = false;
    const char *field = NULL;
    wt_err err = wt_tx_decode(&r->txs[i], &field, r->raws[i], r->raw_lens[i]);
    if (err != WT_OK) {
        res->err = err;
        res->field = field;
        return;
    }
    wt_tx_id_encoded(r->txids[i], r->raws[i], r->raw_lens[i]);
    memcpy(res->txid, r->txids[i], 32);
}

typedef struct {
    request *r;
    const wt_ctx *ctx;
} prepare_ctx;

static void prepare_and_verify(void *arg, size_t i)
{
    prepare_ctx *pc = arg;
    request *r = pc->r;
    prepare_one(r, i);
    if (r->results[i].err != WT_OK)
        return;
    if (!wt_tx_verify(pc->ctx, &r->txs[i], r->txids[i])) {
        r->results[i].err = WT_ERR_BAD_SIGNATURE;
        r->results[i].field = "signature";
        return;
    }
    r->ready[i] = true;
}

wt_err wt_node_submit_async(wt_node *node, wt_submit_result *results, const uint8_t *const *raws,
                            const size_t *raw_lens, size_t count, wt_node_done_fn done,
                            void *done_arg)
{
    if (count == 0) {
        done(done_arg);
        return WT_OK;
    }
    if (count > SIZE_MAX / 2 / (sizeof(wt_tx) + 32 + 2 * sizeof(bool)))
        return WT_ERR_NO_MEMORY;
    /* the request and its arrays in one allocation, freed by the sequencer */
    size_t txs_at = (sizeof(request) + _Alignof(wt_tx) - 1) / _Alignof(wt_tx) * _Alignof(wt_tx);
    size_t txids_at = txs_at + count * sizeof(wt_tx);
    size_t ready_at = txids_at + count * 32;
    size_t taken_at = ready_at + count * sizeof(bool);
    size_t size = taken_at + count * sizeof(bool);
    unsigned char *mem = malloc(size);
    if (mem == NULL)
        return WT_ERR_NO_MEMORY;
    request *r = (request *)(void *)mem;
    memset(r, 0, sizeof *r);
    r->count = count;
    r->raws = raws;
    r->raw_lens = raw_lens;
    r->results = results;
    r->txs = (wt_tx *)(void *)(mem + txs_at);
    r->txids = (uint8_t(*)[32])(void *)(mem + txids_at);
    r->ready = (bool *)(void *)(mem + ready_at);
    r->taken = (bool *)(void *)(mem + taken_at);
    r->owned = true;
    r->done = done;
    r->done_arg = done_arg;
    prepare_ctx pc = {.r = r, .ctx = node->ctx};
    wt_pool_run(node->pool, prepare_and_verify, &pc, count);
    /* The per-sender ceiling, on signed transactions only: a forger cannot
     * spend someone else's slots. Past it, refused now, nothing applied. */
    wt_err err = wt_inflight_take(node->inflight, r->taken, r->ready, r->txs, count);
    if (err != WT_OK) {
        free(mem);
        return err;
    }
    for (size_t i = 0; i < count; i++) {
        if (r->ready[i] && !r->taken[i]) {
            r->ready[i] = false;
            results[i].err = WT_ERR_RATE_LIMITED;
            results[i].field = "sender";
        }
    }
    err = enqueue(node, r);
    if (err != WT_OK) {
        wt_inflight_give(node->inflight, r->taken, r->txs, count);
        free(mem);
    }
    return err;
}

wt_err wt_node_submit(wt_node *node, wt_submit_result *results, const uint8_t *const *raws,
                      const size_t *raw_lens, size_t count)
{
    waiter w;
    waiter_init(&w);
    wt_err err = wt_node_submit_async(node, results, raws, raw_lens, count, waiter_wake, &w);
    if (err != WT_OK)
        w.done = true; /* nothing to wait for */
    waiter_wait(&w);
    return err;
}

wt_err wt_node_seal(wt_node *node, wt_block_header *header)
{
    request r;
    memset(&r, 0, sizeof r);
    r.is_seal = true;
    r.header = header;
    wt_err err = enqueue_and_wait(node, &r);
    return err != WT_OK ? err : r.seal_err;
}

wt_err wt_node_seal_interval(wt_node *node, wt_block_header *header, uint64_t interval)
{
    memset(header, 0, sizeof *header);
    int64_t end_ms;
    if (interval >= (uint64_t)INT64_MAX ||
        wt_mul_i64(&end_ms, (int64_t)interval + 1, node->params.interval_ms) != WT_OK)
        return WT_ERR_OVERFLOW;
    request r;
    memset(&r, 0, sizeof r);
    r.is_seal = true;
    r.seal_time_ms = end_ms - 1;
    r.header = header;
    wt_err err = enqueue_and_wait(node, &r);
    return err != WT_OK ? err : r.seal_err;
}

wt_err wt_node_settle(wt_node *node, wt_settlement **settlement, wt_submit_result *result,
                      uint64_t interval)
{
    *settlement = NULL;
    memset(result, 0, sizeof *result);
    request r;
    memset(&r, 0, sizeof r);
    r.is_seal = true;
    r.is_settle = true;
    r.settle_interval = interval;
    r.settle_result = result;
    wt_err err = enqueue_and_wait(node, &r);
    if (err != WT_OK)
        return err;
    *settlement = r.settlement;
    return r.seal_err;
}

void wt_node_tip(wt_node *node, uint64_t *height, uint64_t *interval, uint64_t *last_seq)
{
    pthread_rwlock_rdlock(&node->state_lock);
    *height = node->height - 1;
    *interval = (uint64_t)(node->prev_time_ms / node->params.interval_ms);
    *last_seq = node->last_seq;
    pthread_rwlock_unlock(&node->state_lock);
}

void wt_node_orders_each(wt_node *node, wt_order_visit_fn visit, void *arg)
{
    pthread_rwlock_rdlock(&node->state_lock);
    wt_state_orders_each(node->state, visit, arg);
    pthread_rwlock_unlock(&node->state_lock);
}

wt_err wt_node_account(wt_node *node, wt_account *account, const uint8_t key[32])
{
    pthread_rwlock_rdlock(&node->state_lock);
    wt_err err = wt_state_account(account, node->state, key);
    pthread_rwlock_unlock(&node->state_lock);
    return err;
}

void wt_node_totals(wt_node *node, wt_state_totals *totals, uint64_t *height,
                    uint8_t state_hash[32])
{
    /* the hash folds pending changes in: that writes */
    if (state_hash != NULL)
        pthread_rwlock_wrlock(&node->state_lock);
    else
        pthread_rwlock_rdlock(&node->state_lock);
    wt_state_totals_get(totals, node->state);
    if (height != NULL)
        *height = node->height - 1; /* the last sealed block */
    if (state_hash != NULL)
        wt_state_hash(state_hash, node->state);
    pthread_rwlock_unlock(&node->state_lock);
}

/* -------------------------------------------------------------- open/close */

static wt_err load_params(wt_node *node, const wt_chain_params *given, bool *is_new)
{
    uint8_t bytes[8192];
    size_t n;
    wt_err err = wt_store_meta_get(node->store, bytes, sizeof bytes, &n, WT_STORE_META_PARAMS);
    if (err == WT_ERR_NOT_FOUND) {
        if (given == NULL) {
            wt_log(WT_LOG_ERROR, "node", "%s holds no chain: create it with its genesis first",
                   node->db_path);
            return WT_ERR_NOT_FOUND;
        }
        node->params = *given;
        *is_new = true;
        return wt_chain_params_validate(given, NULL);
    }
    if (err != WT_OK)
        return err;
    err = wt_chain_params_decode(&node->params, bytes, n);
    if (err != WT_OK)
        return WT_ERR_STORE_CORRUPT;
    if (given != NULL) {
        uint8_t a[32], b[32];
        wt_genesis_params_hash(a, given);
        wt_genesis_params_hash(b, &node->params);
        if (memcmp(a, b, 32) != 0) {
            wt_log(WT_LOG_ERROR, "node", "%s holds another chain than the genesis given",
                   node->db_path);
            return WT_ERR_WRONG_CHAIN;
        }
    }
    /* a genesis interrupted before its block 0 is finished now */
    uint64_t h;
    uint8_t hash[32];
    *is_new = wt_store_last_block(node->store, &h, hash) == WT_ERR_NOT_FOUND;
    return WT_OK;
}

wt_err wt_node_open(wt_node **out, const wt_ctx *ctx, const wt_node_opts *opts)
{
    *out = NULL;
    wt_node *node = calloc(1, sizeof *node);
    if (node == NULL)
        return WT_ERR_NO_MEMORY;
    wt_merkle_init(&node->open_merkle);
    node->ctx = ctx;
    node->clock = opts->clock != NULL ? opts->clock : real_clock;
    node->clock_arg = opts->clock_arg;
    node->batch_max = opts->batch_max != 0 ? opts->batch_max : BATCH_MAX_DEFAULT;
    node->db_path = strdup(opts->db_path);
    node->replay_settlements = opts->replay_settlements;
    node->on_settlement = opts->on_settlement;
    node->settlement_arg = opts->settlement_arg;
    if (opts->operator_key != NULL) {
        node->operator_key = *opts->operator_key;
        node->can_seal = true;
    }
    pthread_mutex_init(&node->lock, NULL);
    pthread_cond_init(&node->work, NULL);
    pthread_rwlock_init(&node->state_lock, NULL);

    wt_store_opts sopts = {.cache_kib = opts->store_cache_kib, .background_checkpoint = true};
    wt_err err = node->db_path == NULL ? WT_ERR_NO_MEMORY
                                       : wt_store_open(&node->store, opts->db_path, &sopts);
    bool is_new = false;
    if (err == WT_OK)
        err = load_params(node, opts->params, &is_new);
    if (err == WT_OK && is_new) {
        err = wt_state_create(&node->state, &node->params);
        if (err == WT_OK)
            err = create_genesis(node);
    }
    if (err == WT_OK)
        err = replay(node, opts->rebuild);
    unsigned workers = opts->verify_threads != 0 ? opts->verify_threads : wt_pool_cores() - 1;
    if (err == WT_OK)
        err = wt_pool_create(&node->pool, workers);
    if (err == WT_OK)
        err = wt_inflight_create(&node->inflight, opts->inflight_per_sender);
    if (err == WT_OK) {
        if (pthread_create(&node->sequencer, NULL, sequencer_main, node) != 0)
            err = WT_ERR_NO_MEMORY;
        else
            node->sequencer_started = true;
    }
    if (err != WT_OK) {
        wt_node_close(node);
        return err;
    }
    *out = node;
    return WT_OK;
}

void wt_node_close(wt_node *node)
{
    if (node == NULL)
        return;
    if (node->sequencer_started) {
        pthread_mutex_lock(&node->lock);
        node->stopping = true;
        pthread_cond_signal(&node->work);
        pthread_mutex_unlock(&node->lock);
        pthread_join(node->sequencer, NULL);
    }
    wt_pool_destroy(node->pool);
    wt_inflight_destroy(node->inflight);
    wt_store_close(node->store);
    wt_state_destroy(node->state);
    wt_seckey_wipe(&node->operator_key);
    free(node->db_path);
    pthread_rwlock_destroy(&node->state_lock);
    pthread_cond_destroy(&node->work);
    pthread_mutex_destroy(&node->lock);
    free(node);
}
