/*
 * state.c — the ledger state and its transition (see ledger.h). Every
 * transition validates completely, reserves whatever memory it may need, and
 * only then changes anything, so an error leaves the state exactly as it was.
 * Each record also lives in the LtHash state hash: a change removes the old
 * record's bytes and adds the new ones.
 */
#include "ledger.h"
#include "lthash.h"
#include "map.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* A growable array of fixed-size records. */
typedef struct {
    void *items;
    uint32_t count, cap;
} vec;

typedef struct {
    wt_account a;
    bool dirty;        /* changed since the last wt_state_dirty_clear */
    bool stale;        /* changed since the state hash last took it in */
    bool in_hash;      /* `hashed` is part of the state hash */
    wt_account hashed; /* the value the state hash holds for it */
} account_rec;

typedef struct {
    uint8_t key[32]; /* the meter id, zero-padded */
    uint8_t id_len;
    char id[WT_METER_ID_BYTES_MAX + 1];
    uint8_t owner[32];
    uint16_t zone;
    uint8_t gateway[32];
    /* caches, not state (the hash leaves them out): */
    uint64_t readings_after; /* 1 + the latest interval it was read for, 0 never */
    uint32_t owner_account;  /* the owner's account record, UINT32_MAX until it has one */
    uint32_t standing_hint;  /* where the owner's standing in the zone was last seen */
} meter_rec;

typedef struct {
    uint8_t key[32]; /* standing_key: the owner's account record and the zone */
    uint8_t owner[32];
    uint16_t zone;
    uint8_t flags;
    int64_t sell_min_micro_per_kwh, buy_max_micro_per_kwh;
} standing_rec;

typedef struct {
    wt_open_order o;
} order_rec;

typedef struct {
    uint8_t key[32]; /* reading_key: the meter's record and the interval */
    uint8_t meter_key[32];
    uint32_t meter; /* the meter's record (never removed) */
    uint64_t interval;
    int64_t import_mwh, export_mwh;
    uint8_t flags;
} reading_rec;

typedef struct {
    uint8_t txid[32]; /* the payment */
    uint8_t payer[32], merchant[32];
    int64_t amount_micro, refunded_micro;
} payment_rec;

typedef struct {
    uint8_t key[32]; /* tagged hash of merchant || request id */
    uint8_t payment_txid[32];
} request_rec;

/* An account's retail energy in one month, for tiered tariffs. */
typedef struct {
    uint8_t key[32]; /* the account */
    uint32_t month;  /* wt_chain_month_of */
    int64_t used_mwh;
} usage_rec;

typedef struct {
    uint8_t bytes[160];
    size_t len;
} rec_bytes;

typedef struct settle_slot settle_slot;
typedef struct {
    uint64_t stamp;
    uint32_t side;
} settle_mark;
typedef struct {
    int64_t balance;
    uint32_t account; /* its record, or UINT32_MAX when the settlement creates it */
} settle_side;

struct wt_state {
    wt_chain_params params;
    wt_map account_index, meter_index, standing_index, order_index, reading_index, payment_index,
        request_index;
    vec accounts, meters, standings, orders, readings, payments, requests;
    wt_map usage_index; /* kept only when the retail tariff is tiered */
    vec usages;
    vec dirty; /* uint32_t indexes of accounts changed since the last clear */
    vec stale; /* uint32_t indexes of accounts the state hash has not taken in */
    int64_t minted_micro, burned_micro, balances_micro, holds_micro;
    uint64_t txs_applied;
    uint64_t last_settled_interval; /* valid when any_settled */
    bool any_settled;
    /* The state hash. Accounts and the totals record change on nearly every
     * transaction, so they are folded in lazily, once per hash request, from
     * the stale list; the rarer records go in as they change. */
    wt_lthash hash;
    rec_bytes hashed_totals; /* the totals record as the hash holds it */
    bool hashing;            /* false after wt_state_hashing_off */
    /* SETTLE checks' scratch (settle_check_legs), kept between settlements */
    settle_slot *settle_slots; /* keys with no account yet */
    uint32_t settle_cap;
    uint64_t settle_stamp;
    settle_mark *settle_marks; /* per account record */
    uint32_t settle_marks_cap;
    settle_side *settle_sides; /* per account the legs name: running balance */
    uint32_t *settle_ends;     /* per leg: its from's and its to's side */
    uint32_t settle_legs_cap;
    /* READINGS checks' scratch: each entry's meter record, for the apply */
    uint32_t *reading_meters;
    uint32_t reading_meters_cap;
};

/* ------------------------------------------------------------------ vecs */

static wt_err vec_reserve(vec *v, size_t item_size, uint32_t extra)
{
    if ((uint64_t)v->count + extra <= v->cap)
        return WT_OK;
    uint64_t cap = v->cap == 0 ? 16 : v->cap;
    while (cap < (uint64_t)v->count + extra)
        cap *= 2;
    if (cap > UINT32_MAX)
        return WT_ERR_CAPACITY;
    void *items = realloc(v->items, (size_t)cap * item_size);
    if (items == NULL)
        return WT_ERR_NO_MEMORY;
    v->items = items;
    v->cap = (uint32_t)cap;
    return WT_OK;
}

#define VEC_AT(v, type, i) (&((type *)(v).items)[i])

/* ---------------------------------------------------- records for the hash */

/* Each record's canonical bytes, prefixed by its kind, for the state hash. */
enum {
    REC_ACCOUNT = 'A',
    REC_METER = 'M',
    REC_STANDING = 'S',
    REC_ORDER = 'O',
    REC_READING = 'R',
    REC_PAYMENT = 'P',
    REC_REQUEST = 'Q',
    REC_SETTLED = 'I',
    REC_TOTALS = 'T',
    REC_USAGE = 'U'
};

static void rb_u8(rec_bytes *r, uint8_t v)
{
    r->bytes[r->len++] = v;
}
static void rb_mem(rec_bytes *r, const void *p, size_t n)
{
    WT_ASSERT(r->len + n <= sizeof r->bytes);
    memcpy(r->bytes + r->len, p, n);
    r->len += n;
}
static void rb_u16(rec_bytes *r, uint16_t v)
{
    wt_put_be16(r->bytes + r->len, v);
    r->len += 2;
}
static void rb_u64(rec_bytes *r, uint64_t v)
{
    WT_ASSERT(r->len + 8 <= sizeof r->bytes);
    wt_put_be64(r->bytes + r->len, v);
    r->len += 8;
}

static void account_bytes(rec_bytes *r, const wt_account *a)
{
    r->len = 0;
    rb_u8(r, REC_ACCOUNT);
    rb_mem(r, a->key, 32);
    rb_u64(r, (uint64_t)a->balance_micro);
    rb_u64(r, (uint64_t)a->holds_micro);
    rb_u64(r, a->nonce);
    rb_u64(r, a->roles);
}

static void meter_bytes(rec_bytes *r, const meter_rec *m)
{
    r->len = 0;
    rb_u8(r, REC_METER);
    rb_u8(r, m->id_len);
    rb_mem(r, m->id, m->id_len);
    rb_mem(r, m->owner, 32);
    rb_u16(r, m->zone);
    rb_mem(r, m->gateway, 32);
}

static void standing_bytes(rec_bytes *r, const standing_rec *s)
{
    r->len = 0;
    rb_u8(r, REC_STANDING);
    rb_mem(r, s->owner, 32);
    rb_u16(r, s->zone);
    rb_u8(r, s->flags);
    rb_u64(r, (uint64_t)s->sell_min_micro_per_kwh);
    rb_u64(r, (uint64_t)s->buy_max_micro_per_kwh);
}

static void order_bytes(rec_bytes *r, const wt_open_order *o)
{
    r->len = 0;
    rb_u8(r, REC_ORDER);
    rb_mem(r, o->txid, 32);
    rb_mem(r, o->owner, 32);
    rb_u16(r, o->zone);
    rb_u8(r, o->side);
    rb_u64(r, o->interval);
    rb_u64(r, (uint64_t)o->energy_mwh);
    rb_u64(r, (uint64_t)o->price_micro_per_kwh);
    rb_u64(r, (uint64_t)o->hold_micro);
    rb_u64(r, o->seq);
}

static void reading_bytes(rec_bytes *r, const reading_rec *g)
{
    r->len = 0;
    rb_u8(r, REC_READING);
    rb_mem(r, g->meter_key, 32);
    rb_u64(r, g->interval);
    rb_u64(r, (uint64_t)g->import_mwh);
    rb_u64(r, (uint64_t)g->export_mwh);
    rb_u8(r, g->flags);
}

static void payment_bytes(rec_bytes *r, const payment_rec *p)
{
    r->len = 0;
    rb_u8(r, REC_PAYMENT);
    rb_mem(r, p->txid, 32);
    rb_mem(r, p->payer, 32);
    rb_mem(r, p->merchant, 32);
    rb_u64(r, (uint64_t)p->amount_micro);
    rb_u64(r, (uint64_t)p->refunded_micro);
}

static void request_bytes(rec_bytes *r, const request_rec *q)
{
    r->len = 0;
    rb_u8(r, REC_REQUEST);
    rb_mem(r, q->key, 32);
    rb_mem(r, q->payment_txid, 32);
}

static void usage_bytes(rec_bytes *r, const usage_rec *u)
{
    r->len = 0;
    rb_u8(r, REC_USAGE);
    rb_mem(r, u->key, 32);
    rb_u64(r, u->month);
    rb_u64(r, (uint64_t)u->used_mwh);
}

/* The chain-wide scalars (totals, settled interval, tx count) are one record. */
static void totals_bytes(rec_bytes *r, const wt_state *s)
{
    r->len = 0;
    rb_u8(r, REC_TOTALS);
    rb_u64(r, (uint64_t)s->minted_micro);
    rb_u64(r, (uint64_t)s->burned_micro);
    rb_u64(r, s->txs_applied);
    rb_u8(r, s->any_settled ? 1 : 0);
    rb_u64(r, s->last_settled_interval);
}

static void hash_add(wt_state *s, const rec_bytes *r)
{
    if (s->hashing)
        wt_lthash_add(&s->hash, r->bytes, r->len);
}
static void hash_remove(wt_state *s, const rec_bytes *r)
{
    if (s->hashing)
        wt_lthash_remove(&s->hash, r->bytes, r->len);
}

/* ------------------------------------------------------------- lookups */

static account_rec *account_find(const wt_state *s, const uint8_t key[32])
{
    uint32_t i;
    if (!wt_map_get(&s->account_index, &i, key))
        return NULL;
    return VEC_AT(s->accounts, account_rec, i);
}

/* The map keys of the keyed tables. Each table has its own map, so keys only
 * need to be unique within one. A meter id needs no hash: it is 1..32 visible
 * ASCII bytes (never zero), so zero padding to 32 bytes is unambiguous.
 * Standings and readings are keyed by record indexes packed into the 32
 * bytes (injective, no hash: these are looked up for every meter of every
 * interval, where a SHA-256 per key was a fifth of a simulated year): account
 * and meter records are never removed, so their indexes are stable for the
 * life of the state. A payment request's key (merchant || ref, 64 bytes) is a
 * tagged hash; the tag's midstate is computed once, so it costs one SHA-256
 * compression. The slots are chosen by the map's keyed SipHash either way. */
static wt_tagged_hasher request_tag;
static pthread_once_t key_tags_once = PTHREAD_ONCE_INIT;

static void key_tags_init(void)
{
    wt_tagged_hash_init(&request_tag, "wattle/request-key");
}

static void tagged_key(uint8_t out[32], const wt_tagged_hasher *tag, const uint8_t *data,
                       size_t data_len)
{
    pthread_once(&key_tags_once, key_tags_init);
    wt_tagged_hasher h = *tag;
    wt_tagged_hash_update(&h, data, data_len);
    wt_tagged_hash_final(out, &h);
}

static void meter_key(uint8_t out[32], const char *id, size_t id_len)
{
    WT_ASSERT(id_len >= 1 && id_len <= 32);
    memset(out, 0, 32);
    memcpy(out, id, id_len);
}

/* The meter's record and its index (meter records are never removed). */
static meter_rec *meter_find(uint32_t *index, const wt_state *s, const char *id, size_t id_len)
{
    uint8_t key[32];
    meter_key(key, id, id_len);
    if (!wt_map_get(&s->meter_index, index, key))
        return NULL;
    return VEC_AT(s->meters, meter_rec, *index);
}

static void standing_key_at(uint8_t out[32], uint32_t account, uint16_t zone)
{
    memset(out, 0, 32);
    out[0] = 'S';
    wt_put_be32(out + 1, account);
    wt_put_be16(out + 5, zone);
}

/* False when the owner has no account (then it has no standing either). */
static bool standing_key(uint8_t out[32], const wt_state *s, const uint8_t owner[32], uint16_t zone)
{
    uint32_t account;
    if (!wt_map_get(&s->account_index, &account, owner))
        return false;
    standing_key_at(out, account, zone);
    return true;
}

/* The standing of a meter's owner in the meter's zone, or NULL: by the
 * meter's cached owner record and hint when they still hold (checked by
 * the record's key), else by look-up. */
static const standing_rec *meter_standing(const wt_state *s, const meter_rec *m)
{
    uint8_t key[32];
    if (m->owner_account != UINT32_MAX)
        standing_key_at(key, m->owner_account, m->zone);
    else if (!standing_key(key, s, m->owner, m->zone))
        return NULL;
    if (m->standing_hint < s->standings.count) {
        const standing_rec *r = VEC_AT(s->standings, standing_rec, m->standing_hint);
        if (wt_key32_eq(r->key, key))
            return r;
    }
    uint32_t i;
    if (!wt_map_get(&s->standing_index, &i, key))
        return NULL;
    return VEC_AT(s->standings, standing_rec, i);
}

static void standing_info_of(wt_standing_info *info, const standing_rec *r)
{
    memset(info, 0, sizeof *info);
    if (r == NULL)
        return;
    info->flags = r->flags;
    info->sell_min_micro_per_kwh = r->sell_min_micro_per_kwh;
    info->buy_max_micro_per_kwh = r->buy_max_micro_per_kwh;
}

static void reading_key(uint8_t out[32], uint32_t meter, uint64_t interval)
{
    memset(out, 0, 32);
    out[0] = 'R';
    wt_put_be32(out + 1, meter);
    wt_put_be64(out + 5, interval);
}

static void request_key(uint8_t out[32], const uint8_t merchant[32], const uint8_t ref[32])
{
    uint8_t buf[64];
    memcpy(buf, merchant, 32);
    memcpy(buf + 32, ref, 32);
    tagged_key(out, &request_tag, buf, sizeof buf);
}

/* ------------------------------------------------------ create / destroy */

/* Reserve room for `extra` more records in a table: index and array. */
static wt_err table_reserve(wt_map *index, vec *v, size_t item_size, uint32_t extra)
{
    wt_err err = wt_map_reserve(index, extra);
    if (err == WT_OK)
        err = vec_reserve(v, item_size, extra);
    return err;
}

/* Append an account that does not exist yet (room reserved). */
static account_rec *account_insert(wt_state *s, const uint8_t key[32])
{
    WT_ASSERT(s->accounts.count < s->accounts.cap);
    uint32_t i = s->accounts.count++;
    account_rec *a = VEC_AT(s->accounts, account_rec, i);
    memset(a, 0, sizeof *a);
    memcpy(a->a.key, key, 32);
    wt_map_put(&s->account_index, key, i);
    return a;
}

/* Every change to an account goes through these two, so the running totals,
 * the store's dirty list and the hash's stale list follow. */
static void account_begin(wt_state *s, const account_rec *a)
{
    s->balances_micro -= a->a.balance_micro;
    s->holds_micro -= a->a.holds_micro;
}
static void account_end(wt_state *s, account_rec *a)
{
    if (!a->dirty) {
        /* room reserved by reserve_growth (or wt_state_create) */
        WT_ASSERT(s->dirty.count < s->dirty.cap);
        a->dirty = true;
        ((uint32_t *)s->dirty.items)[s->dirty.count++] =
            (uint32_t)(a - (account_rec *)s->accounts.items);
    }
    if (!a->stale && s->hashing) {
        WT_ASSERT(s->stale.count < s->stale.cap);
        a->stale = true;
        ((uint32_t *)s->stale.items)[s->stale.count++] =
            (uint32_t)(a - (account_rec *)s->accounts.items);
    }
    s->balances_micro += a->a.balance_micro;
    s->holds_micro += a->a.holds_micro;
}

/* Fold the stale accounts and the totals record into the hash. */
static void hash_flush(wt_state *s)
{
    rec_bytes r;
    for (uint32_t i = 0; i < s->stale.count; i++) {
        account_rec *a = VEC_AT(s->accounts, account_rec, ((uint32_t *)s->stale.items)[i]);
        a->stale = false;
        if (a->in_hash) {
            if (memcmp(&a->hashed, &a->a, sizeof a->a) == 0)
                continue;
            account_bytes(&r, &a->hashed);
            hash_remove(s, &r);
        }
        account_bytes(&r, &a->a);
        hash_add(s, &r);
        a->hashed = a->a;
        a->in_hash = true;
    }
    s->stale.count = 0;
    totals_bytes(&r, s);
    if (r.len != s->hashed_totals.len || memcmp(r.bytes, s->hashed_totals.bytes, r.len) != 0) {
        hash_remove(s, &s->hashed_totals);
        hash_add(s, &r);
        s->hashed_totals = r;
    }
}

wt_err wt_state_create(wt_state **out, const wt_chain_params *params)
{
    *out = NULL;
    wt_err err = wt_chain_params_validate(params, NULL);
    if (err != WT_OK)
        return err;
    wt_state *s = calloc(1, sizeof *s);
    if (s == NULL)
        return WT_ERR_NO_MEMORY;
    s->params = *params;
    wt_map *maps[] = {&s->account_index, &s->meter_index,   &s->standing_index, &s->order_index,
                      &s->reading_index, &s->payment_index, &s->request_index};
    for (size_t i = 0; i < sizeof maps / sizeof maps[0]; i++)
        wt_map_init(maps[i]);
    wt_map_init(&s->usage_index);
    wt_lthash_init(&s->hash);
    s->hashing = true;
    totals_bytes(&s->hashed_totals, s);
    hash_add(s, &s->hashed_totals);
    err = table_reserve(&s->account_index, &s->accounts, sizeof(account_rec), 3);
    if (err == WT_OK)
        err = vec_reserve(&s->dirty, sizeof(uint32_t), 3);
    if (err == WT_OK)
        err = vec_reserve(&s->stale, sizeof(uint32_t), 3);
    if (err != WT_OK) {
        wt_state_destroy(s);
        return err;
    }
    const uint8_t *keys[3] = {params->issuer_key, params->utility_key, params->operator_key};
    const uint32_t roles[3] = {WT_ROLE_ISSUER, WT_ROLE_UTILITY, WT_ROLE_OPERATOR};
    for (int i = 0; i < 3; i++) {
        account_rec *a = account_insert(s, keys[i]);
        account_begin(s, a);
        a->a.roles |= roles[i];
        account_end(s, a);
    }
    *out = s;
    return WT_OK;
}

void wt_state_destroy(wt_state *s)
{
    if (s == NULL)
        return;
    wt_map *maps[] = {&s->account_index, &s->meter_index,   &s->standing_index, &s->order_index,
                      &s->reading_index, &s->payment_index, &s->request_index};
    for (size_t i = 0; i < sizeof maps / sizeof maps[0]; i++)
        wt_map_free(maps[i]);
    wt_map_free(&s->usage_index);
    free(s->usages.items);
    vec *vecs[] = {&s->accounts, &s->meters,   &s->standings, &s->orders, &s->readings,
                   &s->payments, &s->requests, &s->dirty,     &s->stale};
    for (size_t i = 0; i < sizeof vecs / sizeof vecs[0]; i++)
        free(vecs[i]->items);
    free(s->settle_slots);
    free(s->settle_marks);
    free(s->settle_sides);
    free(s->settle_ends);
    free(s->reading_meters);
    free(s);
}

const wt_chain_params *wt_state_params(const wt_state *s)
{
    return &s->params;
}

wt_err wt_state_account(wt_account *account, const wt_state *s, const uint8_t key[32])
{
    memset(account, 0, sizeof *account);
    const account_rec *a = account_find(s, key);
    if (a == NULL) {
        memcpy(account->key, key, 32);
        return WT_ERR_NOT_FOUND;
    }
    *account = a->a;
    return WT_OK;
}

void wt_state_totals_get(wt_state_totals *t, const wt_state *s)
{
    memset(t, 0, sizeof *t);
    t->minted_micro = s->minted_micro;
    t->burned_micro = s->burned_micro;
    t->balances_micro = s->balances_micro;
    t->holds_micro = s->holds_micro;
    t->accounts = s->accounts.count;
    t->meters = s->meters.count;
    t->open_orders = s->orders.count;
    t->txs_applied = s->txs_applied;
    t->last_settled_interval = s->last_settled_interval;
    t->any_settled = s->any_settled;
}

void wt_state_dirty_each(const wt_state *s, wt_account_visit_fn visit, void *arg)
{
    for (uint32_t i = 0; i < s->dirty.count; i++) {
        uint32_t index = ((const uint32_t *)s->dirty.items)[i];
        if (!visit(arg, &VEC_AT(s->accounts, account_rec, index)->a))
            return;
    }
}

void wt_state_dirty_clear(wt_state *s)
{
    for (uint32_t i = 0; i < s->dirty.count; i++)
        VEC_AT(s->accounts, account_rec, ((uint32_t *)s->dirty.items)[i])->dirty = false;
    s->dirty.count = 0;
}

void wt_state_hashing_off(wt_state *s)
{
    s->hashing = false;
    s->stale.count = 0;
}

void wt_state_hash(uint8_t out[32], wt_state *s)
{
    WT_ASSERT(s->hashing); /* wt_state_hashing_off: nothing asks for it then */
    hash_flush(s);
    wt_lthash_digest(out, &s->hash);
}

void wt_state_accounts_each(const wt_state *s, wt_account_visit_fn visit, void *arg)
{
    for (uint32_t i = 0; i < s->accounts.count; i++)
        if (!visit(arg, &VEC_AT(s->accounts, account_rec, i)->a))
            return;
}

void wt_state_orders_each(const wt_state *s, wt_order_visit_fn visit, void *arg)
{
    for (uint32_t i = 0; i < s->orders.count; i++)
        if (!visit(arg, &VEC_AT(s->orders, order_rec, i)->o))
            return;
}

wt_err wt_state_meter(wt_meter_info *info, const wt_state *s, const char *id, size_t id_len)
{
    memset(info, 0, sizeof *info);
    if (id_len == 0 || id_len > WT_METER_ID_BYTES_MAX)
        return WT_ERR_NOT_FOUND;
    uint32_t index;
    const meter_rec *m = meter_find(&index, s, id, id_len);
    if (m == NULL)
        return WT_ERR_NOT_FOUND;
    memcpy(info->id, m->id, m->id_len);
    info->id[m->id_len] = '\0';
    memcpy(info->owner, m->owner, 32);
    memcpy(info->gateway, m->gateway, 32);
    info->zone = m->zone;
    return WT_OK;
}

wt_err wt_state_standing(wt_standing_info *info, const wt_state *s, const uint8_t owner[32],
                         uint16_t zone)
{
    memset(info, 0, sizeof *info);
    uint8_t key[32];
    uint32_t i;
    if (!standing_key(key, s, owner, zone) || !wt_map_get(&s->standing_index, &i, key))
        return WT_ERR_NOT_FOUND;
    standing_info_of(info, VEC_AT(s->standings, standing_rec, i));
    return WT_OK;
}

wt_err wt_state_reading(wt_reading_info *info, const wt_state *s, const char *meter_id,
                        size_t meter_id_len, uint64_t interval)
{
    memset(info, 0, sizeof *info);
    if (meter_id_len == 0 || meter_id_len > WT_METER_ID_BYTES_MAX)
        return WT_ERR_NOT_FOUND;
    uint32_t meter, i;
    if (meter_find(&meter, s, meter_id, meter_id_len) == NULL)
        return WT_ERR_NOT_FOUND;
    uint8_t key[32];
    reading_key(key, meter, interval);
    if (!wt_map_get(&s->reading_index, &i, key))
        return WT_ERR_NOT_FOUND;
    const reading_rec *r = VEC_AT(s->readings, reading_rec, i);
    info->import_mwh = r->import_mwh;
    info->export_mwh = r->export_mwh;
    info->flags = r->flags;
    standing_info_of(&info->standing, meter_standing(s, VEC_AT(s->meters, meter_rec, meter)));
    return WT_OK;
}

int64_t wt_state_month_usage(const wt_state *s, const uint8_t account[32], uint32_t month)
{
    uint32_t i;
    if (!wt_map_get(&s->usage_index, &i, account))
        return 0;
    const usage_rec *u = VEC_AT(s->usages, usage_rec, i);
    return u->month == month ? u->used_mwh : 0;
}

void wt_state_readings_each(const wt_state *s, wt_reading_visit_fn visit, void *arg)
{
    for (uint32_t i = 0; i < s->readings.count; i++) {
        const reading_rec *r = VEC_AT(s->readings, reading_rec, i);
        const meter_rec *m = VEC_AT(s->meters, meter_rec, r->meter);
        wt_standing_info standing;
        standing_info_of(&standing, meter_standing(s, m));
        wt_meter_info meter;
        memset(&meter, 0, sizeof meter);
        memcpy(meter.id, m->id, m->id_len);
        memcpy(meter.owner, m->owner, 32);
        memcpy(meter.gateway, m->gateway, 32);
        meter.zone = m->zone;
        wt_reading_info reading = {.import_mwh = r->import_mwh,
                                   .export_mwh = r->export_mwh,
                                   .flags = r->flags,
                                   .standing = standing};
        if (!visit(arg, &meter, r->interval, &reading))
            return;
    }
}

/* ------------------------------------------------- removals (swap-remove) */

/* Remove record i of a table whose records start with their 32-byte key
 * at offset `key_offset`; the last record moves into its place. */
static void table_remove(wt_map *index, vec *v, size_t item_size, size_t key_offset, uint32_t i)
{
    uint8_t *items = v->items;
    uint8_t *victim = items + (size_t)i * item_size;
    WT_ASSERT(wt_map_del(index, victim + key_offset));
    uint32_t last = v->count - 1;
    if (i != last) {
        memcpy(victim, items + (size_t)last * item_size, item_size);
        wt_map_put(index, victim + key_offset, i);
    }
    v->count--;
}

/* --------------------------------------------------------- the transition */

#define FAIL(code, name)                                                                           \
    do {                                                                                           \
        *field = (name);                                                                           \
        return (code);                                                                             \
    } while (0)

/* The worst-case grid fee per kWh a buyer in `zone` can pay: every fee on
 * the path from its zone up to the root. */
static int64_t fee_path_micro_per_kwh(const wt_chain_params *p, uint16_t zone)
{
    int64_t total = 0;
    for (uint16_t z = zone; z != WT_CHAIN_ZONE_NONE; z = p->zones[z].parent)
        total += p->zones[z].fee_micro_per_kwh; /* each <= ceiling, <= 64 zones: no overflow */
    return total;
}

/* The hold an open buy order places: its energy at its limit price plus the
 * worst-case fees. */
static wt_err buy_hold(int64_t *hold, const wt_chain_params *p, uint16_t zone, int64_t energy_mwh,
                       int64_t price_micro_per_kwh)
{
    int64_t price;
    wt_err err = wt_add_i64(&price, price_micro_per_kwh, fee_path_micro_per_kwh(p, zone));
    if (err != WT_OK)
        return err;
    err = wt_amount_micro(hold, energy_mwh, price);
    if (err != WT_OK)
        return err;
    /* The amount rule truncates; round the hold up by one micro so that a
     * settlement at the limit price can always be covered. */
    return wt_add_i64(hold, *hold, 1);
}

static wt_err check_common(const wt_ctx *ctx, const wt_state *s, const char **field,
                           const wt_tx *tx, const uint8_t txid[32], const wt_apply_opts *opts,
                           uint64_t *prev_nonce)
{
    if (tx->chain_id != s->params.chain_id)
        FAIL(WT_ERR_WRONG_CHAIN, "chain_id");
    if (!opts->sig_verified && !wt_tx_verify(ctx, tx, txid))
        FAIL(WT_ERR_BAD_SIGNATURE, "signature");
    if (tx->expiry_ms < opts->now_ms)
        FAIL(WT_ERR_EXPIRED, "expiry_ms");
    const account_rec *sender = account_find(s, tx->sender);
    *prev_nonce = sender != NULL ? sender->a.nonce : 0;
    if (tx->nonce != *prev_nonce + 1)
        FAIL(WT_ERR_BAD_NONCE, "nonce");
    return WT_OK;
}

static bool has_role(const wt_state *s, const uint8_t key[32], uint32_t role)
{
    const account_rec *a = account_find(s, key);
    return a != NULL && (a->a.roles & role) != 0;
}

static uint64_t interval_of(const wt_state *s, int64_t t_ms)
{
    return t_ms <= 0 ? 0 : (uint64_t)(t_ms / s->params.interval_ms);
}

/* Validation of each type against the state; nothing changes here. */
static wt_err check_body(const wt_state *s, const char **field, const wt_tx *tx,
                         const uint8_t txid[32], const wt_apply_opts *opts)
{
    const account_rec *sender = account_find(s, tx->sender);
    int64_t balance = sender != NULL ? sender->a.balance_micro : 0;
    switch (tx->type) {
    case WT_TX_TRANSFER: {
        const wt_tx_transfer *t = &tx->body.transfer;
        if (memcmp(t->to, tx->sender, 32) == 0)
            FAIL(WT_ERR_INVALID_ARGUMENT, "to");
        if (t->ref_kind == WT_TX_REF_REFUND_OF) {
            uint32_t i;
            if (!wt_map_get(&s->payment_index, &i, t->ref))
                FAIL(WT_ERR_UNKNOWN_PAYMENT, "ref");
            const payment_rec *p = VEC_AT(s->payments, payment_rec, i);
            /* a refund goes back from the merchant to the payer */
            if (memcmp(p->merchant, tx->sender, 32) != 0 || memcmp(p->payer, t->to, 32) != 0)
                FAIL(WT_ERR_UNKNOWN_PAYMENT, "ref");
            if (t->amount_micro > p->amount_micro - p->refunded_micro)
                FAIL(WT_ERR_REFUND_EXCEEDS_PAYMENT, "amount_micro");
        } else if (t->ref_kind == WT_TX_REF_PAYMENT_REQUEST) {
            if (!has_role(s, t->to, WT_ROLE_MERCHANT))
                FAIL(WT_ERR_INVALID_ARGUMENT, "to");
            uint8_t key[32];
            request_key(key, t->to, t->ref);
            uint32_t i;
            if (wt_map_get(&s->request_index, &i, key))
                FAIL(WT_ERR_REQUEST_ALREADY_PAID, "ref");
        }
        if (balance < t->amount_micro)
            FAIL(WT_ERR_INSUFFICIENT_FUNDS, "amount_micro");
        const account_rec *to = account_find(s, t->to);
        int64_t sum;
        if (to != NULL && wt_add_i64(&sum, to->a.balance_micro, t->amount_micro) != WT_OK)
            FAIL(WT_ERR_OVERFLOW, "amount_micro");
        return WT_OK;
    }
    case WT_TX_MINT: {
        if (!has_role(s, tx->sender, WT_ROLE_ISSUER))
            FAIL(WT_ERR_NOT_ISSUER, "sender");
        const account_rec *to = account_find(s, tx->body.mint.to);
        int64_t sum;
        if (wt_add_i64(&sum, s->minted_micro, tx->body.mint.amount_micro) != WT_OK ||
            wt_add_i64(&sum, s->balances_micro, tx->body.mint.amount_micro) != WT_OK ||
            (to != NULL &&
             wt_add_i64(&sum, to->a.balance_micro, tx->body.mint.amount_micro) != WT_OK))
            FAIL(WT_ERR_OVERFLOW, "amount_micro");
        return WT_OK;
    }
    case WT_TX_BURN: {
        if (!has_role(s, tx->sender, WT_ROLE_ISSUER))
            FAIL(WT_ERR_NOT_ISSUER, "sender");
        if (balance < tx->body.burn.amount_micro)
            FAIL(WT_ERR_INSUFFICIENT_FUNDS, "amount_micro");
        int64_t sum;
        if (wt_add_i64(&sum, s->burned_micro, tx->body.burn.amount_micro) != WT_OK)
            FAIL(WT_ERR_OVERFLOW, "amount_micro");
        return WT_OK;
    }
    case WT_TX_ORDER: {
        const wt_tx_order *o = &tx->body.order;
        if (o->zone >= s->params.zones_count)
            FAIL(WT_ERR_UNKNOWN_ZONE, "zone");
        if (o->price_micro_per_kwh > s->params.price_ceiling_micro_per_kwh)
            FAIL(WT_ERR_BAD_PRICE, "price_micro_per_kwh");
        if (o->interval < interval_of(s, opts->now_ms) ||
            (s->any_settled && o->interval <= s->last_settled_interval))
            FAIL(WT_ERR_INTERVAL_CLOSED, "interval");
        if (o->interval - interval_of(s, opts->now_ms) > WT_ORDER_INTERVALS_AHEAD_MAX)
            FAIL(WT_ERR_INVALID_ARGUMENT, "interval");
        if (o->side == WT_TX_SIDE_BUY) {
            int64_t hold;
            if (buy_hold(&hold, &s->params, o->zone, o->energy_mwh, o->price_micro_per_kwh) !=
                WT_OK)
                FAIL(WT_ERR_OVERFLOW, "energy_mwh");
            if (balance < hold)
                FAIL(WT_ERR_INSUFFICIENT_FUNDS, "energy_mwh");
        }
        (void)txid;
        return WT_OK;
    }
    case WT_TX_STANDING:
        if (tx->body.standing.zone >= s->params.zones_count)
            FAIL(WT_ERR_UNKNOWN_ZONE, "zone");
        if (tx->body.standing.sell_min_micro_per_kwh > s->params.price_ceiling_micro_per_kwh)
            FAIL(WT_ERR_BAD_PRICE, "sell_min_micro_per_kwh");
        if (tx->body.standing.buy_max_micro_per_kwh > s->params.price_ceiling_micro_per_kwh)
            FAIL(WT_ERR_BAD_PRICE, "buy_max_micro_per_kwh");
        return WT_OK;
    case WT_TX_CANCEL: {
        uint32_t i;
        if (!wt_map_get(&s->order_index, &i, tx->body.cancel.order_txid))
            FAIL(WT_ERR_ORDER_NOT_FOUND, "order_txid");
        const wt_open_order *o = &VEC_AT(s->orders, order_rec, i)->o;
        if (memcmp(o->owner, tx->sender, 32) != 0)
            FAIL(WT_ERR_NOT_OWNER, "order_txid");
        return WT_OK;
    }
    case WT_TX_REGISTER: {
        const wt_tx_register *r = &tx->body.reg;
        if (!has_role(s, tx->sender, WT_ROLE_OPERATOR))
            FAIL(WT_ERR_NOT_OPERATOR, "sender");
        if (r->kind == WT_TX_REGISTER_METER) {
            if (r->u.meter.zone >= s->params.zones_count)
                FAIL(WT_ERR_UNKNOWN_ZONE, "zone");
            if (!has_role(s, r->u.meter.gateway, WT_ROLE_GATEWAY))
                FAIL(WT_ERR_NOT_GATEWAY, "gateway");
        } else if (r->kind == WT_TX_REGISTER_GATEWAY) {
            if (r->u.gateway.zone >= s->params.zones_count)
                FAIL(WT_ERR_UNKNOWN_ZONE, "zone");
        } else if (r->kind == WT_TX_REGISTER_ROLE) {
            /* the three chain roles stay on three distinct keys */
            const uint8_t *others[2];
            int n = 0;
            if (r->u.role.role != WT_TX_ROLE_ISSUER)
                others[n++] = s->params.issuer_key;
            if (r->u.role.role != WT_TX_ROLE_UTILITY)
                others[n++] = s->params.utility_key;
            if (r->u.role.role != WT_TX_ROLE_OPERATOR && n < 2)
                others[n++] = s->params.operator_key;
            for (int i = 0; i < n; i++)
                if (memcmp(others[i], r->u.role.key, 32) == 0)
                    FAIL(WT_ERR_INVALID_ARGUMENT, "key");
        }
        return WT_OK;
    }
    case WT_TX_READINGS: {
        const wt_tx_readings *g = &tx->body.readings;
        if (!has_role(s, tx->sender, WT_ROLE_GATEWAY))
            FAIL(WT_ERR_NOT_GATEWAY, "sender");
        if (g->interval >= interval_of(s, opts->now_ms))
            FAIL(WT_ERR_INVALID_ARGUMENT, "interval"); /* not over yet */
        if (s->any_settled && g->interval <= s->last_settled_interval)
            FAIL(WT_ERR_INTERVAL_CLOSED, "interval");
        return WT_OK; /* the entries are checked by readings_check_entries */
    }
    case WT_TX_SETTLE: {
        const wt_tx_settle *st = &tx->body.settle;
        if (!has_role(s, tx->sender, WT_ROLE_OPERATOR))
            FAIL(WT_ERR_NOT_OPERATOR, "sender");
        if (s->any_settled && st->interval <= s->last_settled_interval)
            FAIL(WT_ERR_INTERVAL_CLOSED, "interval");
        if (st->interval >= interval_of(s, opts->now_ms))
            FAIL(WT_ERR_INVALID_ARGUMENT, "interval"); /* not over yet */
        return WT_OK; /* the legs are checked while applying, on a scratch copy */
    }
    default:
        FAIL(WT_ERR_TX_TYPE, "type");
    }
}

/* How many new records of each table a transaction may add at most. */
typedef struct {
    uint32_t accounts, meters, standings, orders, readings, payments, requests, usages;
} growth;

static wt_err reserve_growth(wt_state *s, const growth *g, uint32_t touched_accounts)
{
    wt_err err = table_reserve(&s->account_index, &s->accounts, sizeof(account_rec), g->accounts);
    if (err == WT_OK)
        err = vec_reserve(&s->dirty, sizeof(uint32_t), touched_accounts);
    if (err == WT_OK)
        err = vec_reserve(&s->stale, sizeof(uint32_t), touched_accounts);
    if (err == WT_OK)
        err = table_reserve(&s->meter_index, &s->meters, sizeof(meter_rec), g->meters);
    if (err == WT_OK)
        err = table_reserve(&s->standing_index, &s->standings, sizeof(standing_rec), g->standings);
    if (err == WT_OK)
        err = table_reserve(&s->order_index, &s->orders, sizeof(order_rec), g->orders);
    if (err == WT_OK)
        err = table_reserve(&s->reading_index, &s->readings, sizeof(reading_rec), g->readings);
    if (err == WT_OK)
        err = table_reserve(&s->payment_index, &s->payments, sizeof(payment_rec), g->payments);
    if (err == WT_OK)
        err = table_reserve(&s->request_index, &s->requests, sizeof(request_rec), g->requests);
    if (err == WT_OK)
        err = table_reserve(&s->usage_index, &s->usages, sizeof(usage_rec), g->usages);
    return err;
}

static account_rec *account_get_or_insert(wt_state *s, const uint8_t key[32])
{
    account_rec *a = account_find(s, key);
    return a != NULL ? a : account_insert(s, key);
}

/* Move money between accounts (both already checked to have room). */
static void credit(wt_state *s, const uint8_t key[32], int64_t amount_micro)
{
    account_rec *a = account_get_or_insert(s, key);
    account_begin(s, a);
    a->a.balance_micro += amount_micro;
    account_end(s, a);
}

/* Tiered tariffs: add a RETAIL leg's energy to the account's month (room
 * reserved). A new month starts from zero; the sum saturates rather than
 * wraps (no account consumes 2^63 mWh). */
static void add_usage(wt_state *s, const uint8_t key[32], uint32_t month, int64_t energy_mwh)
{
    uint32_t i;
    usage_rec *u;
    rec_bytes r;
    if (wt_map_get(&s->usage_index, &i, key)) {
        u = VEC_AT(s->usages, usage_rec, i);
        usage_bytes(&r, u);
        hash_remove(s, &r);
    } else {
        WT_ASSERT(s->usages.count < s->usages.cap);
        i = s->usages.count++;
        u = VEC_AT(s->usages, usage_rec, i);
        memset(u, 0, sizeof *u);
        memcpy(u->key, key, 32);
        u->month = month;
        wt_map_put(&s->usage_index, key, i);
    }
    if (u->month != month) {
        u->month = month;
        u->used_mwh = 0;
    }
    if (wt_add_i64(&u->used_mwh, u->used_mwh, energy_mwh) != WT_OK)
        u->used_mwh = INT64_MAX;
    usage_bytes(&r, u);
    hash_add(s, &r);
}

static void release_order(wt_state *s, uint32_t i)
{
    const wt_open_order *o = &VEC_AT(s->orders, order_rec, i)->o;
    rec_bytes r;
    order_bytes(&r, o);
    hash_remove(s, &r);
    if (o->hold_micro > 0) {
        account_rec *owner = account_find(s, o->owner);
        WT_ASSERT(owner != NULL && owner->a.holds_micro >= o->hold_micro);
        account_begin(s, owner);
        owner->a.holds_micro -= o->hold_micro;
        owner->a.balance_micro += o->hold_micro;
        account_end(s, owner);
    }
    table_remove(&s->order_index, &s->orders, sizeof(order_rec), offsetof(wt_open_order, txid), i);
}

/* READINGS: every entry names a known meter of the sending gateway, not
 * read yet for the interval. Each entry's meter record goes to the scratch
 * for the apply. A meter read only for earlier intervals (the rule: one
 * interval after another) needs no look-up to rule out a duplicate; the
 * decoder has ruled out one meter twice in a transaction. */
static wt_err readings_check_entries(wt_state *s, const char **field, const wt_tx *tx)
{
    const wt_tx_readings *g = &tx->body.readings;
    if (g->count > s->reading_meters_cap) {
        uint32_t *bigger = malloc((size_t)g->count * sizeof *bigger);
        if (bigger == NULL)
            return WT_ERR_NO_MEMORY;
        free(s->reading_meters);
        s->reading_meters = bigger;
        s->reading_meters_cap = g->count;
    }
    wt_reading entry;
    uint32_t n = 0;
    for (size_t pos = 0; wt_readings_next(&entry, &pos, g); n++) {
        uint32_t meter;
        const meter_rec *m =
            meter_find(&meter, s, (const char *)entry.meter_id.bytes, entry.meter_id.len);
        if (m == NULL)
            FAIL(WT_ERR_UNKNOWN_METER, "meter_id");
        if (memcmp(m->gateway, tx->sender, 32) != 0)
            FAIL(WT_ERR_NOT_GATEWAY, "meter_id");
        if (g->interval < m->readings_after) {
            uint8_t key[32];
            reading_key(key, meter, g->interval);
            uint32_t i;
            if (wt_map_get(&s->reading_index, &i, key))
                FAIL(WT_ERR_DUPLICATE_READING, "meter_id");
        }
        WT_ASSERT(n < s->reading_meters_cap);
        s->reading_meters[n] = meter;
    }
    return WT_OK;
}

/* SETTLE: release the interval's holds, then move every leg. The legs are
 * checked first against running balances kept on the side (the holds the
 * settlement releases count as balance), so a failing leg changes nothing.
 * Cost: O(legs + open orders), one account look-up per leg end: each end
 * is given its side entry, which the apply then uses for the account's
 * record. The scratch is the state's, kept between settlements (allocating
 * and clearing it every interval was a fifth of a simulated year, mostly page
 * faults); a mark or slot is in use when its stamp is this check's. Keys
 * with no account yet go through a table whose slots are chosen by the
 * maps' keyed hash, so legs naming ground keys cannot make it quadratic. */
struct settle_slot {
    uint8_t key[32];
    uint32_t side;
    uint64_t stamp;
};

static settle_slot *settle_slot_find(settle_slot *slots, uint32_t cap, uint64_t stamp,
                                     const uint8_t key[32])
{
    uint32_t h = (uint32_t)wt_map_hash(key) & (cap - 1);
    while (slots[h].stamp == stamp && !wt_key32_eq(slots[h].key, key))
        h = (h + 1) & (cap - 1);
    return &slots[h];
}

static wt_err settle_scratch(wt_state *s, uint32_t legs)
{
    /* at most 2 * legs new keys: a load of at most 1/2 */
    uint64_t cap = 64;
    while (cap < 4 * (uint64_t)legs + 2)
        cap *= 2;
    if (cap > s->settle_cap) {
        settle_slot *bigger = calloc(cap, sizeof *bigger); /* stamps 0: never in use */
        if (bigger == NULL)
            return WT_ERR_NO_MEMORY;
        free(s->settle_slots);
        s->settle_slots = bigger;
        s->settle_cap = (uint32_t)cap;
    }
    if (s->accounts.count > s->settle_marks_cap) {
        uint32_t n = s->accounts.cap; /* >= count; grows with the table */
        settle_mark *marks = calloc(n, sizeof *marks);
        if (marks == NULL)
            return WT_ERR_NO_MEMORY;
        free(s->settle_marks);
        s->settle_marks = marks;
        s->settle_marks_cap = n;
    }
    if (legs > s->settle_legs_cap) {
        settle_side *sides = malloc((2 * (size_t)legs) * sizeof *sides);
        uint32_t *ends = malloc((2 * (size_t)legs) * sizeof *ends);
        if (sides == NULL || ends == NULL) {
            free(sides);
            free(ends);
            return WT_ERR_NO_MEMORY;
        }
        free(s->settle_sides);
        free(s->settle_ends);
        s->settle_sides = sides;
        s->settle_ends = ends;
        s->settle_legs_cap = legs;
    }
    return WT_OK;
}

static wt_err settle_check_legs(wt_state *s, const char **field, const wt_tx_settle *st)
{
    wt_err err = settle_scratch(s, st->count);
    if (err != WT_OK)
        return err;
    wt_map_hash_ready();
    settle_slot *slots = s->settle_slots;
    uint32_t scap = s->settle_cap;
    settle_mark *marks = s->settle_marks;
    settle_side *sides = s->settle_sides;
    uint32_t *ends = s->settle_ends;
    uint32_t nsides = 0;
    uint64_t stamp = ++s->settle_stamp;
    /* 1: every account the legs name, at its current balance */
    for (uint32_t l = 0; l < st->count && err == WT_OK; l++) {
        wt_settle_leg leg;
        wt_settle_leg_get(&leg, st, l);
        if (leg.zone >= s->params.zones_count) {
            *field = "legs.zone";
            err = WT_ERR_UNKNOWN_ZONE;
        }
        const uint8_t *keys[2] = {leg.from, leg.to};
        for (uint32_t k = 0; k < 2; k++) {
            uint32_t ai;
            if (wt_map_get(&s->account_index, &ai, keys[k])) {
                settle_mark *m = &marks[ai];
                if (m->stamp != stamp) {
                    m->stamp = stamp;
                    m->side = nsides++;
                    sides[m->side] =
                        (settle_side){VEC_AT(s->accounts, account_rec, ai)->a.balance_micro, ai};
                }
                ends[2 * l + k] = m->side;
            } else {
                settle_slot *slot = settle_slot_find(slots, scap, stamp, keys[k]);
                if (slot->stamp != stamp) {
                    slot->stamp = stamp;
                    memcpy(slot->key, keys[k], 32);
                    slot->side = nsides++;
                    sides[slot->side] = (settle_side){0, UINT32_MAX};
                }
                ends[2 * l + k] = slot->side;
            }
        }
    }
    /* 2: plus the holds this settlement releases */
    for (uint32_t i = 0; i < s->orders.count && err == WT_OK; i++) {
        const wt_open_order *o = &VEC_AT(s->orders, order_rec, i)->o;
        if (o->interval > st->interval || o->hold_micro == 0)
            continue;
        uint32_t ai;
        if (wt_map_get(&s->account_index, &ai, o->owner) && marks[ai].stamp == stamp)
            sides[marks[ai].side].balance += o->hold_micro; /* <= minted: no overflow */
    }
    /* 3: every leg moves money */
    for (uint32_t l = 0; l < st->count && err == WT_OK; l++) {
        wt_settle_leg leg;
        wt_settle_leg_get(&leg, st, l);
        settle_side *from = &sides[ends[2 * l]], *to = &sides[ends[2 * l + 1]];
        if (wt_sub_i64(&from->balance, from->balance, leg.amount_micro) != WT_OK ||
            wt_add_i64(&to->balance, to->balance, leg.amount_micro) != WT_OK) {
            *field = "legs.amount_micro";
            err = WT_ERR_OVERFLOW;
        }
    }
    /* 4: nobody may end below zero */
    for (uint32_t i = 0; i < nsides && err == WT_OK; i++)
        if (sides[i].balance < 0) {
            *field = "legs.amount_micro";
            err = WT_ERR_INSUFFICIENT_FUNDS;
        }
    return err;
}

/* Move a checked leg's money for one of its ends (side: its entry from the
 * check). An account the settlement creates is found by its key. */
static void settle_credit(wt_state *s, uint32_t side, const uint8_t key[32], int64_t amount_micro)
{
    uint32_t ai = s->settle_sides[side].account;
    if (ai == UINT32_MAX) {
        credit(s, key, amount_micro);
        return;
    }
    account_rec *a = VEC_AT(s->accounts, account_rec, ai);
    WT_ASSERT(wt_key32_eq(a->a.key, key));
    account_begin(s, a);
    a->a.balance_micro += amount_micro;
    account_end(s, a);
}

wt_err wt_ledger_apply(const wt_ctx *ctx, wt_state *s, const char **field, const wt_tx *tx,
                       const uint8_t txid[32], const wt_apply_opts *opts)
{
    const char *unused;
    if (field == NULL)
        field = &unused;
    *field = NULL;
    uint64_t prev_nonce;
    wt_err err = check_common(ctx, s, field, tx, txid, opts, &prev_nonce);
    if (err == WT_OK)
        err = check_body(s, field, tx, txid, opts);
    if (err == WT_OK && tx->type == WT_TX_SETTLE)
        err = settle_check_legs(s, field, &tx->body.settle);
    if (err == WT_OK && tx->type == WT_TX_READINGS)
        err = readings_check_entries(s, field, tx);
    if (err != WT_OK)
        return err;

    /* Reserve every record this transaction may add: after this, nothing
     * can fail. */
    growth grow = {.accounts = 1};
    switch (tx->type) {
    case WT_TX_TRANSFER:
        grow.accounts = 2;
        if (has_role(s, tx->body.transfer.to, WT_ROLE_MERCHANT)) {
            grow.payments = 1;
            grow.requests = tx->body.transfer.ref_kind == WT_TX_REF_PAYMENT_REQUEST ? 1 : 0;
        }
        break;
    case WT_TX_MINT:
        grow.accounts = 2;
        break;
    case WT_TX_ORDER:
        grow.orders = 1;
        break;
    case WT_TX_STANDING:
        grow.standings = 1;
        break;
    case WT_TX_REGISTER:
        grow.accounts = 3;
        grow.meters = 1;
        break;
    case WT_TX_READINGS:
        grow.readings = tx->body.readings.count;
        break;
    case WT_TX_SETTLE:
        grow.accounts = 1 + 2 * tx->body.settle.count;
        if (s->params.retail_tariff_kind == WT_CHAIN_TARIFF_TIERED)
            grow.usages = tx->body.settle.count;
        break;
    default:
        break;
    }
    /* every account this transaction may change: the new ones, plus the
     * owners of orders a SETTLE releases */
    uint32_t touched = grow.accounts + (tx->type == WT_TX_SETTLE ? s->orders.count : 0) + 2;
    err = reserve_growth(s, &grow, touched);
    if (err != WT_OK) {
        *field = "state";
        return err;
    }

    /* ---- from here on, changes only ---- */
    account_rec *sender = account_get_or_insert(s, tx->sender);
    account_begin(s, sender);
    sender->a.nonce = prev_nonce + 1;
    account_end(s, sender);
    uint64_t seq = s->txs_applied++;

    switch (tx->type) {
    case WT_TX_TRANSFER: {
        const wt_tx_transfer *t = &tx->body.transfer;
        credit(s, tx->sender, -t->amount_micro);
        credit(s, t->to, t->amount_micro);
        if (t->ref_kind == WT_TX_REF_REFUND_OF) {
            uint32_t i;
            WT_ASSERT(wt_map_get(&s->payment_index, &i, t->ref));
            payment_rec *p = VEC_AT(s->payments, payment_rec, i);
            rec_bytes r;
            payment_bytes(&r, p);
            hash_remove(s, &r);
            p->refunded_micro += t->amount_micro;
            payment_bytes(&r, p);
            hash_add(s, &r);
        } else if (has_role(s, t->to, WT_ROLE_MERCHANT)) {
            /* a payment to a merchant is remembered, so it can be refunded */
            uint32_t i = s->payments.count++;
            payment_rec *p = VEC_AT(s->payments, payment_rec, i);
            memset(p, 0, sizeof *p);
            memcpy(p->txid, txid, 32);
            memcpy(p->payer, tx->sender, 32);
            memcpy(p->merchant, t->to, 32);
            p->amount_micro = t->amount_micro;
            wt_map_put(&s->payment_index, p->txid, i);
            rec_bytes r;
            payment_bytes(&r, p);
            hash_add(s, &r);
            if (t->ref_kind == WT_TX_REF_PAYMENT_REQUEST) {
                uint32_t q = s->requests.count++;
                request_rec *rq = VEC_AT(s->requests, request_rec, q);
                request_key(rq->key, t->to, t->ref);
                memcpy(rq->payment_txid, txid, 32);
                wt_map_put(&s->request_index, rq->key, q);
                request_bytes(&r, rq);
                hash_add(s, &r);
            }
        }
        break;
    }
    case WT_TX_MINT:
        credit(s, tx->body.mint.to, tx->body.mint.amount_micro);
        s->minted_micro += tx->body.mint.amount_micro;
        break;
    case WT_TX_BURN:
        credit(s, tx->sender, -tx->body.burn.amount_micro);
        s->burned_micro += tx->body.burn.amount_micro;
        break;
    case WT_TX_ORDER: {
        const wt_tx_order *o = &tx->body.order;
        uint32_t i = s->orders.count++;
        wt_open_order *rec = &VEC_AT(s->orders, order_rec, i)->o;
        memset(rec, 0, sizeof *rec);
        memcpy(rec->txid, txid, 32);
        memcpy(rec->owner, tx->sender, 32);
        rec->zone = o->zone;
        rec->side = o->side;
        rec->interval = o->interval;
        rec->energy_mwh = o->energy_mwh;
        rec->price_micro_per_kwh = o->price_micro_per_kwh;
        rec->seq = seq;
        if (o->side == WT_TX_SIDE_BUY) {
            WT_ASSERT(buy_hold(&rec->hold_micro, &s->params, o->zone, o->energy_mwh,
                               o->price_micro_per_kwh) == WT_OK);
            account_begin(s, sender);
            sender->a.balance_micro -= rec->hold_micro;
            sender->a.holds_micro += rec->hold_micro;
            account_end(s, sender);
        }
        wt_map_put(&s->order_index, rec->txid, i);
        rec_bytes r;
        order_bytes(&r, rec);
        hash_add(s, &r);
        break;
    }
    case WT_TX_STANDING: {
        const wt_tx_standing *st = &tx->body.standing;
        uint8_t key[32];
        bool sender_known = standing_key(key, s, tx->sender, st->zone);
        WT_ASSERT(sender_known); /* the sender's account was made above */
        uint32_t i;
        standing_rec *rec;
        rec_bytes r;
        if (wt_map_get(&s->standing_index, &i, key)) {
            rec = VEC_AT(s->standings, standing_rec, i);
            standing_bytes(&r, rec);
            hash_remove(s, &r);
        } else {
            i = s->standings.count++;
            rec = VEC_AT(s->standings, standing_rec, i);
            memset(rec, 0, sizeof *rec);
            memcpy(rec->key, key, 32);
            memcpy(rec->owner, tx->sender, 32);
            rec->zone = st->zone;
            wt_map_put(&s->standing_index, key, i);
        }
        rec->flags = st->flags;
        rec->sell_min_micro_per_kwh = st->sell_min_micro_per_kwh;
        rec->buy_max_micro_per_kwh = st->buy_max_micro_per_kwh;
        standing_bytes(&r, rec);
        hash_add(s, &r);
        break;
    }
    case WT_TX_CANCEL: {
        uint32_t i;
        WT_ASSERT(wt_map_get(&s->order_index, &i, tx->body.cancel.order_txid));
        release_order(s, i);
        break;
    }
    case WT_TX_REGISTER: {
        const wt_tx_register *r = &tx->body.reg;
        switch (r->kind) {
        case WT_TX_REGISTER_METER: {
            const wt_meter_id *id = &r->u.meter.meter_id;
            uint32_t index;
            meter_rec *m = meter_find(&index, s, (const char *)id->bytes, id->len);
            rec_bytes b;
            if (m != NULL) {
                meter_bytes(&b, m);
                hash_remove(s, &b);
            } else {
                uint32_t i = s->meters.count++;
                m = VEC_AT(s->meters, meter_rec, i);
                memset(m, 0, sizeof *m);
                meter_key(m->key, (const char *)id->bytes, id->len);
                memcpy(m->id, id->bytes, id->len);
                m->id_len = id->len;
                wt_map_put(&s->meter_index, m->key, i);
            }
            memcpy(m->owner, r->u.meter.owner, 32);
            memcpy(m->gateway, r->u.meter.gateway, 32);
            m->zone = r->u.meter.zone;
            m->owner_account = UINT32_MAX; /* the owner may have changed */
            m->standing_hint = UINT32_MAX;
            meter_bytes(&b, m);
            hash_add(s, &b);
            break;
        }
        case WT_TX_REGISTER_GATEWAY:
        case WT_TX_REGISTER_MERCHANT: {
            const uint8_t *key =
                r->kind == WT_TX_REGISTER_GATEWAY ? r->u.gateway.key : r->u.merchant.key;
            account_rec *a = account_get_or_insert(s, key);
            account_begin(s, a);
            a->a.roles |= r->kind == WT_TX_REGISTER_GATEWAY ? WT_ROLE_GATEWAY : WT_ROLE_MERCHANT;
            account_end(s, a);
            break;
        }
        case WT_TX_REGISTER_ROLE: {
            uint8_t role = r->u.role.role;
            uint8_t *slot = role == WT_TX_ROLE_ISSUER    ? s->params.issuer_key
                            : role == WT_TX_ROLE_UTILITY ? s->params.utility_key
                                                         : s->params.operator_key;
            uint32_t bit = role == WT_TX_ROLE_ISSUER    ? WT_ROLE_ISSUER
                           : role == WT_TX_ROLE_UTILITY ? WT_ROLE_UTILITY
                                                        : WT_ROLE_OPERATOR;
            account_rec *old = account_find(s, slot);
            if (old != NULL) {
                account_begin(s, old);
                old->a.roles &= ~bit;
                account_end(s, old);
            }
            account_rec *a = account_get_or_insert(s, r->u.role.key);
            account_begin(s, a);
            a->a.roles |= bit;
            account_end(s, a);
            memcpy(slot, r->u.role.key, 32);
            break;
        }
        default:
            WT_UNREACHABLE("register kind validated by the decoder");
        }
        break;
    }
    case WT_TX_READINGS: {
        const wt_tx_readings *g = &tx->body.readings;
        wt_reading entry;
        uint32_t n = 0;
        for (size_t pos = 0; wt_readings_next(&entry, &pos, g); n++) {
            uint32_t meter = s->reading_meters[n]; /* from the check */
            meter_rec *m = VEC_AT(s->meters, meter_rec, meter);
            if (g->interval >= m->readings_after)
                m->readings_after = g->interval + 1;
            /* the caches the settlement reads the standing by */
            if (m->owner_account == UINT32_MAX) {
                uint32_t ai;
                if (wt_map_get(&s->account_index, &ai, m->owner))
                    m->owner_account = ai;
            }
            const standing_rec *sr = meter_standing(s, m);
            if (sr != NULL)
                m->standing_hint = (uint32_t)(sr - (const standing_rec *)s->standings.items);
            uint32_t i = s->readings.count++;
            reading_rec *rec = VEC_AT(s->readings, reading_rec, i);
            memset(rec, 0, sizeof *rec);
            reading_key(rec->key, meter, g->interval);
            memcpy(rec->meter_key, m->key, 32);
            rec->meter = meter;
            rec->interval = g->interval;
            rec->import_mwh = entry.import_mwh;
            rec->export_mwh = entry.export_mwh;
            rec->flags = entry.flags;
            wt_map_put(&s->reading_index, rec->key, i);
            if (s->hashing) {
                rec_bytes r;
                reading_bytes(&r, rec);
                hash_add(s, &r);
            }
        }
        break;
    }
    case WT_TX_SETTLE: {
        const wt_tx_settle *st = &tx->body.settle;
        /* the interval's orders (and any older ones left) close */
        for (uint32_t i = s->orders.count; i-- > 0;)
            if (VEC_AT(s->orders, order_rec, i)->o.interval <= st->interval)
                release_order(s, i);
        for (uint32_t l = 0; l < st->count; l++) {
            wt_settle_leg leg;
            wt_settle_leg_get(&leg, st, l);
            settle_credit(s, s->settle_ends[2 * l], leg.from, -leg.amount_micro);
            settle_credit(s, s->settle_ends[2 * l + 1], leg.to, leg.amount_micro);
            if (leg.kind == WT_LEG_RETAIL && s->params.retail_tariff_kind == WT_CHAIN_TARIFF_TIERED)
                add_usage(s, leg.from, wt_chain_month_of(&s->params, st->interval), leg.energy_mwh);
        }
        /* readings up to the interval are consumed: all of them, as a rule
         * (then the table is cleared at once), else one by one */
        bool all = true;
        for (uint32_t i = 0; i < s->readings.count && all; i++)
            all = VEC_AT(s->readings, reading_rec, i)->interval <= st->interval;
        for (uint32_t i = s->readings.count; i-- > 0;) {
            const reading_rec *rec = VEC_AT(s->readings, reading_rec, i);
            if (rec->interval <= st->interval) {
                if (s->hashing) {
                    rec_bytes r;
                    reading_bytes(&r, rec);
                    hash_remove(s, &r);
                }
                if (!all)
                    table_remove(&s->reading_index, &s->readings, sizeof(reading_rec),
                                 offsetof(reading_rec, key), i);
            }
        }
        if (all) {
            wt_map_clear(&s->reading_index);
            s->readings.count = 0;
        }
        s->any_settled = true;
        s->last_settled_interval = st->interval;
        break;
    }
    default:
        WT_UNREACHABLE("type validated above");
    }
    /* Paired assertion: conservation holds after every transition. */
    WT_ASSERT(s->balances_micro + s->holds_micro == s->minted_micro - s->burned_micro);
    return WT_OK;
}
