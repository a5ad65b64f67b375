/* acctidx.c — the daemon's index of each account's recent transactions
 * (GET /v1/accounts/{a} "txs"): a hash map from account key to its last
 * WT_ACCT_RECENT (seq, type) pairs, filled from the store's latest
 * transactions at start and kept current as transactions commit. */
#include "daemon.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    uint8_t key[32];
    uint64_t seqs[WT_ACCT_RECENT];
    uint8_t types[WT_ACCT_RECENT];
    uint8_t count, next;
    bool used;
} slot;

struct wt_acct_index {
    pthread_mutex_t lock;
    slot *slots;
    size_t cap, count; /* cap a power of two */
    uint64_t mix;      /* keyed hashing: keys are chosen by users */
};

static size_t home(const wt_acct_index *x, const uint8_t key[32])
{
    uint64_t h;
    memcpy(&h, key, 8);
    h ^= x->mix;
    h *= 0x9e3779b97f4a7c15u;
    return (size_t)(h >> 17) & (x->cap - 1);
}

static slot *find(wt_acct_index *x, const uint8_t key[32], bool insert)
{
    size_t i = home(x, key);
    while (x->slots[i].used) {
        if (memcmp(x->slots[i].key, key, 32) == 0)
            return &x->slots[i];
        i = (i + 1) & (x->cap - 1);
    }
    if (!insert)
        return NULL;
    x->slots[i].used = true;
    memcpy(x->slots[i].key, key, 32);
    x->count++;
    return &x->slots[i];
}

static bool grow(wt_acct_index *x)
{
    slot *old = x->slots;
    size_t old_cap = x->cap;
    slot *fresh = calloc(old_cap * 2, sizeof *fresh);
    if (fresh == NULL)
        return false;
    x->slots = fresh;
    x->cap = old_cap * 2;
    x->count = 0;
    for (size_t i = 0; i < old_cap; i++)
        if (old[i].used)
            *find(x, old[i].key, true) = old[i];
    free(old);
    return true;
}

wt_err wt_acct_index_create(wt_acct_index **out)
{
    *out = NULL;
    wt_acct_index *x = calloc(1, sizeof *x);
    if (x == NULL)
        return WT_ERR_NO_MEMORY;
    x->cap = 1024;
    x->slots = calloc(x->cap, sizeof *x->slots);
    if (x->slots == NULL || wt_random_bytes((uint8_t *)&x->mix, sizeof x->mix) != WT_OK) {
        free(x->slots);
        free(x);
        return WT_ERR_NO_MEMORY;
    }
    pthread_mutex_init(&x->lock, NULL);
    *out = x;
    return WT_OK;
}

void wt_acct_index_destroy(wt_acct_index *x)
{
    if (x == NULL)
        return;
    pthread_mutex_destroy(&x->lock);
    free(x->slots);
    free(x);
}

/* Under the lock. */
static void add_locked(wt_acct_index *x, const uint8_t key[32], uint64_t seq, uint8_t type)
{
    if (x->count * 10 >= x->cap * 7 && !grow(x))
        return; /* out of memory: the listing misses this one, nothing else */
    slot *s = find(x, key, true);
    for (uint8_t i = 0; i < s->count; i++)
        if (s->seqs[i] == seq)
            return; /* the same tx touches this account twice (settle legs) */
    s->seqs[s->next] = seq;
    s->types[s->next] = type;
    s->next = (uint8_t)((s->next + 1) % WT_ACCT_RECENT);
    if (s->count < WT_ACCT_RECENT)
        s->count++;
}

void wt_acct_index_add_tx(wt_acct_index *x, const wt_tx *tx, uint64_t seq)
{
    pthread_mutex_lock(&x->lock);
    add_locked(x, tx->sender, seq, tx->type);
    if (tx->type == WT_TX_TRANSFER)
        add_locked(x, tx->body.transfer.to, seq, tx->type);
    else if (tx->type == WT_TX_MINT)
        add_locked(x, tx->body.mint.to, seq, tx->type);
    else if (tx->type == WT_TX_SETTLE)
        for (uint32_t l = 0; l < tx->body.settle.count; l++) {
            wt_settle_leg leg;
            wt_settle_leg_get(&leg, &tx->body.settle, l);
            add_locked(x, leg.from, seq, tx->type);
            add_locked(x, leg.to, seq, tx->type);
        }
    pthread_mutex_unlock(&x->lock);
}

static int by_seq_desc(const void *a, const void *b)
{
    const wt_acct_recent *x = a, *y = b;
    return (x->seq < y->seq) - (x->seq > y->seq);
}

size_t wt_acct_index_recent(wt_acct_index *x, wt_acct_recent out[WT_ACCT_RECENT],
                            const uint8_t key[32])
{
    size_t n = 0;
    pthread_mutex_lock(&x->lock);
    slot *s = find(x, key, false);
    if (s != NULL)
        for (uint8_t i = 0; i < s->count; i++)
            out[n++] = (wt_acct_recent){.seq = s->seqs[i], .type = s->types[i]};
    pthread_mutex_unlock(&x->lock);
    qsort(out, n, sizeof *out, by_seq_desc);
    return n;
}

typedef struct {
    wt_acct_index *x;
} fill_ctx;

static bool fill_visit(void *arg, const wt_store_tx *stx)
{
    fill_ctx *fc = arg;
    wt_tx tx;
    const char *field;
    if (wt_tx_decode(&tx, &field, stx->raw, stx->raw_len) == WT_OK)
        wt_acct_index_add_tx(fc->x, &tx, stx->seq);
    return true;
}

wt_err wt_acct_index_fill(wt_acct_index *x, const char *store_path, uint64_t last_txs)
{
    wt_store *store;
    wt_store_opts so = {.read_only = true};
    wt_err err = wt_store_open(&store, store_path, &so);
    if (err != WT_OK)
        return err;
    uint64_t last = 0;
    err = wt_store_last_seq(store, &last);
    if (err == WT_OK && last > 0) {
        fill_ctx fc = {.x = x};
        uint64_t from = last > last_txs ? last - last_txs + 1 : 1;
        err = wt_store_txs_each(store, from, fill_visit, &fc);
    }
    wt_store_close(store);
    return err;
}
