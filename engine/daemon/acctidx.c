/* acctidx.c — the daemon's account history index (daemon.h): a hash map
 * from account key to every transaction touching it, as (seq, type, t_ms)
 * in seq order, and the account's registered merchant name. Filled from the
 * whole store at start and kept current as transactions commit (callers add
 * them after their commit, from several threads, so an add may arrive a
 * little out of seq order: it is inserted in place). */
#include "daemon.h"

#include <stdlib.h>
#include <string.h>

#define SEQ_BITS 56 /* an entry keeps seq << 8 | type */

typedef struct {
    uint64_t seq_type;
    int64_t t_ms;
} entry;

typedef struct {
    uint8_t key[32];
    entry *items; /* seq ascending */
    size_t count, cap;
    char *merchant_name; /* NUL-terminated, from the REGISTER merchant at merchant_seq */
    uint64_t merchant_seq;
    bool used;
    bool unordered; /* some t_ms is below an earlier (lower seq) one: the clock went back */
} slot;

struct wt_acct_index {
    pthread_mutex_t lock;
    slot *slots;
    size_t cap, count; /* cap a power of two */
    uint64_t mix;      /* keyed hashing: keys are chosen by users */
    bool incomplete;   /* an add failed for want of memory */
};

static uint64_t entry_seq(const entry *e)
{
    return e->seq_type >> 8;
}

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
    for (size_t i = 0; i < x->cap; i++) {
        free(x->slots[i].items);
        free(x->slots[i].merchant_name);
    }
    free(x->slots);
    free(x);
}

/* The first index in s->items whose seq is >= seq. */
static size_t lower_seq(const slot *s, uint64_t seq)
{
    size_t lo = 0, hi = s->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (entry_seq(&s->items[mid]) < seq)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The first index whose t_ms is >= t_ms (times in order: !s->unordered). */
static size_t lower_time(const slot *s, int64_t t_ms)
{
    size_t lo = 0, hi = s->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->items[mid].t_ms < t_ms)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Under the lock: the slot of key with (seq, type, t_ms) in it, or NULL
 * when memory ran out (the index is then incomplete). */
static slot *add_locked(wt_acct_index *x, const uint8_t key[32], uint64_t seq, uint8_t type,
                        int64_t t_ms)
{
    if (x->count * 10 >= x->cap * 7 && !grow(x)) {
        x->incomplete = true;
        return NULL;
    }
    slot *s = find(x, key, true);
    size_t pos = s->count;
    if (pos > 0 && entry_seq(&s->items[pos - 1]) >= seq) {
        pos = lower_seq(s, seq);
        if (pos < s->count && entry_seq(&s->items[pos]) == seq)
            return s; /* the same tx touches this account twice (settle legs, to self) */
    }
    if (s->count == s->cap) {
        size_t cap = s->cap == 0 ? 4 : s->cap * 2;
        entry *bigger = realloc(s->items, cap * sizeof *bigger);
        if (bigger == NULL) {
            x->incomplete = true;
            return NULL;
        }
        s->items = bigger;
        s->cap = cap;
    }
    memmove(&s->items[pos + 1], &s->items[pos], (s->count - pos) * sizeof *s->items);
    s->items[pos] = (entry){.seq_type = seq << 8 | type, .t_ms = t_ms};
    s->count++;
    if ((pos > 0 && s->items[pos - 1].t_ms > t_ms) ||
        (pos + 1 < s->count && s->items[pos + 1].t_ms < t_ms))
        s->unordered = true;
    return s;
}

static void merchant_name_set(wt_acct_index *x, slot *s, const wt_merchant_name *name, uint64_t seq)
{
    if (s == NULL || seq < s->merchant_seq)
        return; /* a later REGISTER already named it */
    char *copy = malloc((size_t)name->len + 1);
    if (copy == NULL) {
        x->incomplete = true;
        return;
    }
    memcpy(copy, name->bytes, name->len);
    copy[name->len] = '\0';
    free(s->merchant_name);
    s->merchant_name = copy;
    s->merchant_seq = seq;
}

void wt_acct_index_add_tx(wt_acct_index *x, const wt_tx *tx, uint64_t seq, int64_t t_ms)
{
    WT_ASSERT(seq > 0 && seq < (uint64_t)1 << SEQ_BITS);
    uint8_t type = tx->type;
    pthread_mutex_lock(&x->lock);
    add_locked(x, tx->sender, seq, type, t_ms);
    switch (tx->type) {
    case WT_TX_TRANSFER:
        add_locked(x, tx->body.transfer.to, seq, type, t_ms);
        break;
    case WT_TX_MINT:
        add_locked(x, tx->body.mint.to, seq, type, t_ms);
        break;
    case WT_TX_SETTLE:
        for (uint32_t l = 0; l < tx->body.settle.count; l++) {
            wt_settle_leg leg;
            wt_settle_leg_get(&leg, &tx->body.settle, l);
            add_locked(x, leg.from, seq, type, t_ms);
            add_locked(x, leg.to, seq, type, t_ms);
        }
        break;
    case WT_TX_REGISTER: {
        const wt_tx_register *r = &tx->body.reg;
        if (r->kind == WT_TX_REGISTER_METER) {
            add_locked(x, r->u.meter.owner, seq, type, t_ms);
            add_locked(x, r->u.meter.gateway, seq, type, t_ms);
        } else if (r->kind == WT_TX_REGISTER_GATEWAY) {
            add_locked(x, r->u.gateway.key, seq, type, t_ms);
        } else if (r->kind == WT_TX_REGISTER_MERCHANT) {
            slot *s = add_locked(x, r->u.merchant.key, seq, type, t_ms);
            merchant_name_set(x, s, &r->u.merchant.name, seq);
        } else if (r->kind == WT_TX_REGISTER_ROLE) {
            add_locked(x, r->u.role.key, seq, type, t_ms);
        }
        break;
    }
    default:
        break; /* the others touch only their sender */
    }
    pthread_mutex_unlock(&x->lock);
}

static void entry_out(wt_acct_tx *out, const entry *e)
{
    *out = (wt_acct_tx){.seq = entry_seq(e), .t_ms = e->t_ms, .type = (uint8_t)e->seq_type};
}

wt_err wt_acct_index_query(wt_acct_index *x, wt_acct_tx *out, size_t cap, size_t *count, bool *more,
                           const uint8_t key[32], const wt_acct_query *q)
{
    *count = 0;
    *more = false;
    WT_ASSERT(cap > 0);
    pthread_mutex_lock(&x->lock);
    if (x->incomplete) {
        pthread_mutex_unlock(&x->lock);
        return WT_ERR_NO_MEMORY;
    }
    const slot *s = find(x, key, false);
    size_t n = 0;
    if (s != NULL) {
        size_t top = q->before_seq != 0 ? lower_seq(s, q->before_seq) : s->count;
        if (!s->unordered) {
            /* times in seq order: [lo, top) is exactly the range */
            size_t below_to = q->to_ms != INT64_MAX ? lower_time(s, q->to_ms) : s->count;
            size_t lo = q->from_ms != INT64_MIN ? lower_time(s, q->from_ms) : 0;
            if (below_to < top)
                top = below_to;
            for (size_t i = top; i > lo && n < cap; i--)
                entry_out(&out[n++], &s->items[i - 1]);
            *more = top > lo && top - lo > n;
        } else {
            for (size_t i = top; i > 0; i--) {
                const entry *e = &s->items[i - 1];
                if (e->t_ms < q->from_ms || e->t_ms >= q->to_ms)
                    continue;
                if (n == cap) {
                    *more = true;
                    break;
                }
                entry_out(&out[n++], e);
            }
        }
    }
    pthread_mutex_unlock(&x->lock);
    *count = n;
    return WT_OK;
}

size_t wt_acct_index_recent(wt_acct_index *x, wt_acct_tx out[WT_ACCT_RECENT], const uint8_t key[32])
{
    wt_acct_query all = {.before_seq = 0, .from_ms = INT64_MIN, .to_ms = INT64_MAX};
    size_t n;
    bool more;
    if (wt_acct_index_query(x, out, WT_ACCT_RECENT, &n, &more, key, &all) != WT_OK)
        return 0;
    return n;
}

bool wt_acct_index_merchant_name(wt_acct_index *x, char out[WT_MERCHANT_NAME_BYTES_MAX + 1],
                                 const uint8_t key[32])
{
    out[0] = '\0';
    pthread_mutex_lock(&x->lock);
    const slot *s = find(x, key, false);
    bool found = s != NULL && s->merchant_name != NULL;
    if (found)
        snprintf(out, WT_MERCHANT_NAME_BYTES_MAX + 1, "%s", s->merchant_name);
    pthread_mutex_unlock(&x->lock);
    return found;
}

typedef struct {
    wt_acct_index *x;
    uint64_t count;
    wt_err err;
} fill_ctx;

static bool fill_visit(void *arg, const wt_store_tx *stx)
{
    fill_ctx *fc = arg;
    wt_tx tx;
    const char *field;
    if (wt_tx_decode(&tx, &field, stx->raw, stx->raw_len) != WT_OK) {
        /* the node replayed this very store before us, so this is not
         * expected; an index that skipped it would be wrong, not short */
        wt_log(WT_LOG_ERROR, "wattled", "stored transaction seq %llu does not decode (%s)",
               (unsigned long long)stx->seq, field != NULL ? field : "?");
        fc->err = WT_ERR_STORE_CORRUPT;
        return false;
    }
    wt_acct_index_add_tx(fc->x, &tx, stx->seq, stx->t_ms);
    fc->count++;
    return true;
}

wt_err wt_acct_index_fill(wt_acct_index *x, const char *store_path)
{
    wt_store *store;
    wt_store_opts so = {.read_only = true};
    wt_err err = wt_store_open(&store, store_path, &so);
    if (err != WT_OK)
        return err;
    fill_ctx fc = {.x = x, .err = WT_OK};
    err = wt_store_txs_each(store, 1, fill_visit, &fc);
    wt_store_close(store);
    if (err == WT_OK)
        err = fc.err;
    if (err == WT_OK && x->incomplete)
        err = WT_ERR_NO_MEMORY;
    if (err == WT_OK)
        wt_log(WT_LOG_INFO, "wattled", "account history: %llu transactions over %zu accounts",
               (unsigned long long)fc.count, x->count);
    return err;
}
