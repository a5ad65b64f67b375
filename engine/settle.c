/*
 * settle.c — one interval's settlement (see settle.h): the book from the
 * ledger state, the clearing through the matcher, the residual at the grid's
 * tariffs, the overdraft policy, the SETTLE's legs, the settlement rows, the
 * inputs hash; its recomputation for the auditor; the rows as CSV.
 * Everything is sorted into a canonical order before it is used, so the
 * result never depends on the order of the state's tables.
 */
#include "settle.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY_MS  INT64_C(86400000)
#define HOUR_MS INT64_C(3600000)

/* ------------------------------------------------------------- tariffs */

void wt_tariff_flat(wt_tariff *tariff, int64_t price_micro_per_kwh)
{
    memset(tariff, 0, sizeof *tariff);
    tariff->kind = WT_TARIFF_FLAT;
    tariff->flat_micro_per_kwh = price_micro_per_kwh;
}

wt_err wt_tariff_validate(const wt_tariff *t)
{
    switch (t->kind) {
    case WT_TARIFF_FLAT:
        return t->flat_micro_per_kwh < 0 ? WT_ERR_BAD_PRICE : WT_OK;
    case WT_TARIFF_TIME_OF_USE:
        if (t->utc_offset_ms <= -DAY_MS || t->utc_offset_ms >= DAY_MS)
            return WT_ERR_INVALID_ARGUMENT;
        for (int h = 0; h < 24; h++)
            if (t->hour_micro_per_kwh[h] < 0)
                return WT_ERR_BAD_PRICE;
        return WT_OK;
    case WT_TARIFF_TIERED:
        if (t->tiers_count < 1 || t->tiers_count > WT_TARIFF_TIERS_MAX)
            return WT_ERR_INVALID_ARGUMENT;
        for (int i = 0; i < t->tiers_count; i++) {
            if (t->tier_micro_per_kwh[i] < 0)
                return WT_ERR_BAD_PRICE;
            if (i + 1 < t->tiers_count &&
                (t->tier_up_to_mwh[i] <= (i > 0 ? t->tier_up_to_mwh[i - 1] : 0)))
                return WT_ERR_INVALID_ARGUMENT;
        }
        return WT_OK;
    default:
        return WT_ERR_INVALID_ARGUMENT;
    }
}

wt_err wt_tariff_amount(int64_t *amount_micro, const wt_tariff *t, int64_t start_ms,
                        int64_t month_used_mwh, int64_t energy_mwh)
{
    *amount_micro = 0;
    WT_ASSERT(wt_tariff_validate(t) == WT_OK);
    if (energy_mwh < 0 || month_used_mwh < 0)
        return WT_ERR_INVALID_ARGUMENT;
    switch (t->kind) {
    case WT_TARIFF_FLAT:
        return wt_amount_micro(amount_micro, energy_mwh, t->flat_micro_per_kwh);
    case WT_TARIFF_TIME_OF_USE: {
        int64_t local_ms;
        if (wt_add_i64(&local_ms, start_ms, t->utc_offset_ms) != WT_OK)
            return WT_ERR_OVERFLOW;
        int64_t in_day = local_ms % DAY_MS;
        if (in_day < 0)
            in_day += DAY_MS;
        return wt_amount_micro(amount_micro, energy_mwh, t->hour_micro_per_kwh[in_day / HOUR_MS]);
    }
    case WT_TARIFF_TIERED: {
        int64_t used = month_used_mwh, left = energy_mwh, sum = 0;
        for (int i = 0; i < t->tiers_count && left > 0; i++) {
            bool last = i + 1 == t->tiers_count;
            if (!last && used >= t->tier_up_to_mwh[i])
                continue;
            int64_t take = last ? left : t->tier_up_to_mwh[i] - used;
            if (take > left)
                take = left;
            int64_t piece;
            wt_err err = wt_amount_micro(&piece, take, t->tier_micro_per_kwh[i]);
            if (err == WT_OK)
                err = wt_add_i64(&sum, sum, piece);
            if (err != WT_OK)
                return err;
            if (wt_add_i64(&used, used, take) != WT_OK)
                used = INT64_MAX;
            left -= take;
        }
        *amount_micro = sum;
        return WT_OK;
    }
    default:
        WT_UNREACHABLE("tariff kind validated above");
    }
}

/* ------------------------------------------------------------ the inputs */

typedef struct {
    char id[WT_METER_ID_BYTES_MAX + 1];
    uint8_t id_len;
    uint8_t owner[32];
    uint16_t zone;
    int64_t import_mwh, export_mwh;
    uint8_t flags;
    wt_standing_info standing; /* zeroed when the owner has none in the zone */
    uint32_t account, row;     /* indexes into the job's accounts and rows, once known */
} reading_in;

typedef struct {
    uint64_t interval;
    wt_open_order *orders; /* the explicit orders of the interval */
    size_t orders_count, orders_cap;
    reading_in *readings;
    size_t readings_count, readings_cap;
    bool no_memory;
} inputs;

static bool grow(void **items, size_t *cap, size_t count, size_t item_size)
{
    if (count < *cap)
        return true;
    size_t bigger = *cap == 0 ? 64 : *cap * 2;
    void *p = realloc(*items, bigger * item_size);
    if (p == NULL)
        return false;
    *items = p;
    *cap = bigger;
    return true;
}

static bool collect_order(void *arg, const wt_open_order *o)
{
    inputs *in = arg;
    if (o->interval != in->interval)
        return true;
    if (!grow((void **)&in->orders, &in->orders_cap, in->orders_count, sizeof *in->orders)) {
        in->no_memory = true;
        return false;
    }
    in->orders[in->orders_count++] = *o;
    return true;
}

static bool collect_reading(void *arg, const wt_meter_info *m, uint64_t interval,
                            const wt_reading_info *r)
{
    inputs *in = arg;
    if (interval != in->interval)
        return true;
    if (!grow((void **)&in->readings, &in->readings_cap, in->readings_count,
              sizeof *in->readings)) {
        in->no_memory = true;
        return false;
    }
    reading_in *g = &in->readings[in->readings_count++];
    memset(g, 0, sizeof *g);
    size_t len = strlen(m->id);
    WT_ASSERT(len >= 1 && len <= WT_METER_ID_BYTES_MAX);
    memcpy(g->id, m->id, len);
    g->id_len = (uint8_t)len;
    memcpy(g->owner, m->owner, 32);
    g->zone = m->zone;
    g->import_mwh = r->import_mwh;
    g->export_mwh = r->export_mwh;
    g->flags = r->flags;
    g->standing = r->standing;
    return true;
}

static int cmp_order_txid(const void *a, const void *b)
{
    return memcmp(((const wt_open_order *)a)->txid, ((const wt_open_order *)b)->txid, 32);
}

/* The READINGS order: bytes compared over the shorter length, then shorter
 * first. */
static int cmp_reading_id(const void *a, const void *b)
{
    const reading_in *x = a, *y = b;
    size_t n = x->id_len < y->id_len ? x->id_len : y->id_len;
    int c = memcmp(x->id, y->id, n);
    if (c != 0)
        return c;
    return (x->id_len > y->id_len) - (x->id_len < y->id_len);
}

/* The inputs hash is fed a few bytes at a time, thousands of times an
 * interval: gathered in a buffer and handed to SHA-256 in large pieces (the
 * digest is the same; a call per field cost a tenth of a simulated year). */
typedef struct {
    wt_tagged_hasher h;
    size_t len;
    uint8_t buf[4096];
} hash_feed;

static void feed(hash_feed *f, const void *data, size_t len)
{
    if (f->len + len > sizeof f->buf) {
        wt_tagged_hash_update(&f->h, f->buf, f->len);
        f->len = 0;
    }
    WT_ASSERT(len <= sizeof f->buf);
    memcpy(f->buf + f->len, data, len);
    f->len += len;
}

static void feed_u64(hash_feed *f, uint64_t v)
{
    uint8_t b[8];
    wt_put_be64(b, v);
    feed(f, b, 8);
}

static void feed_final(uint8_t out[32], hash_feed *f)
{
    wt_tagged_hash_update(&f->h, f->buf, f->len);
    f->len = 0;
    wt_tagged_hash_final(out, &f->h);
}

/* The inputs hash up to the readings; the caller may add the tiered
 * month usages and finishes it. */
static void hash_inputs(hash_feed *f, int64_t retail_micro_per_kwh, int64_t feed_in_micro_per_kwh,
                        const inputs *in)
{
    wt_tagged_hash_init(&f->h, WT_SETTLE_INPUTS_TAG);
    f->len = 0;
    feed_u64(f, in->interval);
    feed_u64(f, (uint64_t)retail_micro_per_kwh);
    feed_u64(f, (uint64_t)feed_in_micro_per_kwh);
    uint8_t b[4];
    wt_put_be32(b, (uint32_t)in->orders_count);
    feed(f, b, 4);
    for (size_t i = 0; i < in->orders_count; i++)
        feed(f, in->orders[i].txid, 32);
    wt_put_be32(b, (uint32_t)in->readings_count);
    feed(f, b, 4);
    for (size_t i = 0; i < in->readings_count; i++) {
        const reading_in *g = &in->readings[i];
        feed(f, &g->id_len, 1);
        feed(f, g->id, g->id_len);
        feed(f, g->owner, 32);
        wt_put_be16(b, g->zone);
        feed(f, b, 2);
        feed_u64(f, (uint64_t)g->import_mwh);
        feed_u64(f, (uint64_t)g->export_mwh);
        feed(f, &g->flags, 1);
        feed(f, &g->standing.flags, 1);
        feed_u64(f, (uint64_t)g->standing.sell_min_micro_per_kwh);
        feed_u64(f, (uint64_t)g->standing.buy_max_micro_per_kwh);
    }
}

/* ----------------------------------------------------- accounts and rows */

typedef struct {
    uint8_t key[32];
    int64_t budget_micro;   /* what is left of the balance for standing bids */
    int64_t funds_micro;    /* running funds while the legs are priced */
    int64_t month_used_mwh; /* tiered retail: the month's consumption so far */
} account_slot;

typedef struct {
    uint32_t account; /* index into the sorted accounts */
    uint16_t zone;
} row_key;

static int cmp_key32(const void *a, const void *b)
{
    return memcmp(a, b, 32);
}

/* ----------------------------------------------------------- the book */

enum { SRC_EXPLICIT = 1, SRC_METER = 2 };

typedef struct {
    uint8_t source;   /* SRC_* */
    uint32_t account; /* index into accounts */
    uint32_t row;     /* index into rows */
} book_meta;

typedef struct {
    const wt_state *state;
    const wt_chain_params *params;
    inputs in;
    account_slot *accounts;
    size_t accounts_count;
    row_key *row_keys;
    uint32_t *src_account; /* per source (the orders, the readings, the utility): its account */
    uint32_t *src_row;     /* per source but the utility: its row */
    wt_settle_row *rows;
    size_t rows_count;
    wt_order *book;
    book_meta *meta;
    size_t book_count;
    uint32_t utility; /* index of the utility in accounts */
    void *arena;
    wt_settlement *out;
    size_t legs_cap;
    wt_tariff retail, feed_in; /* the chain's tariffs */
    int64_t start_ms;          /* the interval's first millisecond */
} job;

static void job_free(job *j)
{
    free(j->in.orders);
    free(j->in.readings);
    free(j->accounts);
    free(j->row_keys);
    free(j->src_account);
    free(j->src_row);
    free(j->book);
    free(j->meta);
    free(j->arena);
}

void wt_settlement_free(wt_settlement *s)
{
    if (s == NULL)
        return;
    free(s->legs);
    free(s->rows);
    free(s->zones);
    free(s);
}

/* A metered order's id: the meter id's bytes, zero-padded (1..32 printable
 * characters, so never all zero; a txid equal to one would be a SHA-256
 * preimage). Metered orders tied on price and seq go in meter id order. */
static void meter_order_id(wt_order_id *id, const reading_in *g)
{
    memset(id->bytes, 0, sizeof id->bytes);
    memcpy(id->bytes, g->id, g->id_len);
}

static wt_err push_leg(job *j, const uint8_t from[32], const uint8_t to[32], uint8_t kind,
                       uint16_t zone, int64_t energy_mwh, int64_t amount_micro)
{
    wt_settlement *s = j->out;
    if (s->legs_count >= WT_SETTLE_LEGS_MAX)
        return WT_ERR_CAPACITY;
    if (!grow((void **)&s->legs, &j->legs_cap, s->legs_count, sizeof *s->legs))
        return WT_ERR_NO_MEMORY;
    wt_settle_leg *l = &s->legs[s->legs_count++];
    memset(l, 0, sizeof *l);
    memcpy(l->from, from, 32);
    memcpy(l->to, to, 32);
    l->kind = kind;
    l->zone = zone;
    l->energy_mwh = energy_mwh;
    l->amount_micro = amount_micro;
    return WT_OK;
}

#define TRY(expr)                                                                                  \
    do {                                                                                           \
        wt_err try_err_ = (expr);                                                                  \
        if (try_err_ != WT_OK)                                                                     \
            return try_err_;                                                                       \
    } while (0)

void wt_tariff_from_chain(wt_tariff *t, const wt_chain_params *p, bool retail)
{
    uint8_t kind = retail ? p->retail_tariff_kind : p->feed_in_tariff_kind;
    wt_tariff_flat(t, retail ? p->retail_micro_per_kwh : p->feed_in_micro_per_kwh);
    if (kind == WT_CHAIN_TARIFF_TIME_OF_USE) {
        t->kind = WT_TARIFF_TIME_OF_USE;
        t->utc_offset_ms = p->tariff_utc_offset_ms;
        memcpy(t->hour_micro_per_kwh,
               retail ? p->retail_hour_micro_per_kwh : p->feed_in_hour_micro_per_kwh,
               sizeof t->hour_micro_per_kwh);
    } else if (kind == WT_CHAIN_TARIFF_TIERED) {
        _Static_assert(WT_CHAIN_TIERS_MAX <= WT_TARIFF_TIERS_MAX, "the chain's tiers fit");
        t->kind = WT_TARIFF_TIERED;
        t->tiers_count = p->retail_tiers_count;
        memcpy(t->tier_up_to_mwh, p->retail_tier_up_to_mwh, sizeof p->retail_tier_up_to_mwh);
        memcpy(t->tier_micro_per_kwh, p->retail_tier_micro_per_kwh,
               sizeof p->retail_tier_micro_per_kwh);
    }
    WT_ASSERT(wt_tariff_validate(t) == WT_OK); /* the params were validated */
}

/* 1: the inputs, sorted, and their hash. */
static wt_err gather(job *j)
{
    j->in.interval = j->out->interval;
    wt_tariff_from_chain(&j->retail, j->params, true);
    wt_tariff_from_chain(&j->feed_in, j->params, false);
    if (j->out->interval > (uint64_t)INT64_MAX ||
        wt_mul_i64(&j->start_ms, (int64_t)j->out->interval, j->params->interval_ms) != WT_OK)
        return WT_ERR_OVERFLOW; /* no chain runs that long */
    wt_state_orders_each(j->state, collect_order, &j->in);
    if (!j->in.no_memory)
        wt_state_readings_each(j->state, collect_reading, &j->in);
    if (j->in.no_memory)
        return WT_ERR_NO_MEMORY;
    if (j->in.orders_count > 0)
        qsort(j->in.orders, j->in.orders_count, sizeof *j->in.orders, cmp_order_txid);
    /* the state keeps them in arrival order: one gateway's READINGS come sorted */
    bool sorted = true;
    for (size_t i = 1; i < j->in.readings_count && sorted; i++)
        sorted = cmp_reading_id(&j->in.readings[i - 1], &j->in.readings[i]) < 0;
    if (!sorted)
        qsort(j->in.readings, j->in.readings_count, sizeof *j->in.readings, cmp_reading_id);
    return WT_OK;
}

/* The account key of a source: an order's owner, a reading's owner, or
 * (the last) the utility. */
static const uint8_t *source_key(const job *j, size_t src)
{
    size_t oc = j->in.orders_count, rc = j->in.readings_count;
    if (src < oc)
        return j->in.orders[src].owner;
    if (src < oc + rc)
        return j->in.readings[src - oc].owner;
    return j->params->utility_key;
}

/* 2: the accounts (sorted keys, the utility among them) and the rows. The
 * keys are radix-sorted by their first 8 bytes, then runs that share those
 * are put in order by the whole key (insertion sort: public keys meet in 64
 * bits by chance once in 2^64 pairs, and a long run of them cannot be
 * ground); each source learns its account as the sorted keys are walked. */
static wt_err index_accounts(job *j)
{
    size_t k = j->in.orders_count + j->in.readings_count + 1;
    j->accounts = calloc(k, sizeof *j->accounts);
    j->row_keys = calloc(k, sizeof *j->row_keys);
    j->src_account = malloc(k * sizeof *j->src_account);
    j->src_row = malloc(k * sizeof *j->src_row);
    wt_key_ref *refs = malloc(2 * k * sizeof *refs);
    if (j->accounts == NULL || j->row_keys == NULL || j->src_account == NULL ||
        j->src_row == NULL || refs == NULL) {
        free(refs);
        return WT_ERR_NO_MEMORY;
    }
    for (size_t i = 0; i < k; i++)
        refs[i] = (wt_key_ref){wt_get_be64(source_key(j, i)), (uint32_t)i};
    wt_key_ref *v = wt_sort_key_refs(refs, refs + k, k);
    for (size_t i = 1; i < k; i++) {
        wt_key_ref e = v[i];
        size_t at = i;
        while (at > 0 && v[at - 1].key == e.key &&
               memcmp(source_key(j, v[at - 1].src), source_key(j, e.src), 32) > 0) {
            v[at] = v[at - 1];
            at--;
        }
        v[at] = e;
    }
    size_t u = 0;
    for (size_t i = 0; i < k; i++) {
        const uint8_t *key = source_key(j, v[i].src);
        if (u == 0 || v[i].key != v[i - 1].key || memcmp(j->accounts[u - 1].key, key, 32) != 0)
            memcpy(j->accounts[u++].key, key, 32);
        j->src_account[v[i].src] = (uint32_t)(u - 1);
    }
    free(refs);
    j->accounts_count = u;
    j->utility = j->src_account[k - 1];

    /* funds: the spendable balance, plus the holds the SETTLE releases (every
     * open order up to the interval) */
    for (size_t i = 0; i < u; i++) {
        wt_account a;
        wt_state_account(&a, j->state, j->accounts[i].key); /* zeroed when new */
        j->accounts[i].budget_micro = a.balance_micro;
        j->accounts[i].funds_micro = a.balance_micro;
        if (j->retail.kind == WT_TARIFF_TIERED)
            j->accounts[i].month_used_mwh = wt_state_month_usage(
                j->state, j->accounts[i].key, wt_chain_month_of(j->params, j->out->interval));
    }
    return WT_OK;
}

static bool add_released_hold(void *arg, const wt_open_order *o)
{
    job *j = arg;
    if (o->interval > j->out->interval || o->hold_micro == 0)
        return true;
    const account_slot *a =
        bsearch(o->owner, j->accounts, j->accounts_count, sizeof *j->accounts, cmp_key32);
    if (a != NULL) {
        account_slot *slot = &j->accounts[a - j->accounts];
        slot->funds_micro += o->hold_micro; /* balance + holds <= minted: no overflow */
    }
    return true;
}

/* The rows: one per (account, zone) of the sources, in that order (the
 * account's index is its key's rank), each source told its row. */
static wt_err index_rows(job *j)
{
    size_t oc = j->in.orders_count, k = oc + j->in.readings_count;
    wt_key_ref *refs = malloc((2 * k + 1) * sizeof *refs);
    if (refs == NULL)
        return WT_ERR_NO_MEMORY;
    for (size_t i = 0; i < k; i++) {
        uint16_t zone = i < oc ? j->in.orders[i].zone : j->in.readings[i - oc].zone;
        refs[i] = (wt_key_ref){(uint64_t)j->src_account[i] << 16 | zone, (uint32_t)i};
    }
    wt_key_ref *v = wt_sort_key_refs(refs, refs + k, k);
    size_t u = 0;
    for (size_t i = 0; i < k; i++) {
        if (u == 0 || v[i].key != v[i - 1].key) {
            j->row_keys[u].account = (uint32_t)(v[i].key >> 16);
            j->row_keys[u++].zone = (uint16_t)v[i].key;
        }
        j->src_row[v[i].src] = (uint32_t)(u - 1);
    }
    free(refs);
    for (size_t i = 0; i < j->in.readings_count; i++) {
        reading_in *g = &j->in.readings[i];
        g->account = j->src_account[oc + i];
        g->row = j->src_row[oc + i];
    }
    j->rows_count = u;
    j->rows = calloc(u > 0 ? u : 1, sizeof *j->rows);
    if (j->rows == NULL)
        return WT_ERR_NO_MEMORY;
    j->out->rows = j->rows;
    for (size_t i = 0; i < u; i++) {
        wt_settle_row *r = &j->rows[i];
        r->interval = j->out->interval;
        memcpy(r->account, j->accounts[j->row_keys[i].account].key, 32);
        r->zone = j->row_keys[i].zone;
    }
    return WT_OK;
}

/* 2b: the inputs hash (each reading came with its owner's standing in its
 * zone: the standing of its row). */
static wt_err hash_and_room(job *j)
{
    /* the tariffs in force: the price of one kWh in this interval */
    int64_t retail_price, feed_in_price;
    TRY(wt_tariff_amount(&retail_price, &j->retail, j->start_ms, 0, WT_MWH_PER_KWH));
    TRY(wt_tariff_amount(&feed_in_price, &j->feed_in, j->start_ms, 0, WT_MWH_PER_KWH));
    hash_feed *f = malloc(sizeof *f);
    if (f == NULL)
        return WT_ERR_NO_MEMORY;
    hash_inputs(f, retail_price, feed_in_price, &j->in);
    if (j->retail.kind == WT_TARIFF_TIERED) {
        /* tiers: each account's month so far, accounts in key order */
        for (size_t i = 0; i < j->accounts_count; i++) {
            feed(f, j->accounts[i].key, 32);
            feed_u64(f, (uint64_t)j->accounts[i].month_used_mwh);
        }
    }
    feed_final(j->out->inputs_hash, f);
    free(f);
    /* room for every leg the book can make: a P2P and a fee per trade
     * (trades <= orders), a feed-in and a retail per row */
    size_t legs = 2 * (j->in.orders_count + j->in.readings_count) + 2 * j->rows_count;
    if (legs > WT_SETTLE_LEGS_MAX)
        legs = WT_SETTLE_LEGS_MAX;
    if (legs > 0) {
        j->out->legs = malloc(legs * sizeof *j->out->legs);
        if (j->out->legs == NULL)
            return WT_ERR_NO_MEMORY;
        j->legs_cap = legs;
    }
    return WT_OK;
}

/* 3: the book: explicit orders as placed, metered net energy at the standing
 * limits (bids capped by the owner's balance). */
static wt_err build_book(job *j)
{
    size_t n = j->in.orders_count + j->in.readings_count;
    j->book = calloc(n > 0 ? n : 1, sizeof *j->book);
    j->meta = calloc(n > 0 ? n : 1, sizeof *j->meta);
    if (j->book == NULL || j->meta == NULL)
        return WT_ERR_NO_MEMORY;
    for (size_t i = 0; i < j->in.orders_count; i++) {
        const wt_open_order *o = &j->in.orders[i];
        if (o->energy_mwh <= 0 || o->energy_mwh > WT_ENERGY_MWH_MAX)
            continue; /* cannot trade: it expires */
        uint32_t acct = j->src_account[i];
        wt_order *b = &j->book[j->book_count];
        memcpy(b->id.bytes, o->txid, 32);
        b->seq = o->seq;
        b->energy_mwh = o->energy_mwh;
        b->price_micro_per_kwh = o->price_micro_per_kwh;
        b->owner = acct + 1;
        b->zone = o->zone;
        b->side = o->side == WT_TX_SIDE_BUY ? WT_SIDE_BUY : WT_SIDE_SELL;
        j->meta[j->book_count++] = (book_meta){SRC_EXPLICIT, acct, j->src_row[i]};
        j->out->explicit_orders++;
    }
    for (size_t i = 0; i < j->in.readings_count; i++) {
        const reading_in *g = &j->in.readings[i];
        uint32_t acct = g->account, ri = g->row;
        wt_settle_row *r = &j->rows[ri];
        bool exporting = g->export_mwh > g->import_mwh;
        int64_t net = exporting ? g->export_mwh - g->import_mwh : g->import_mwh - g->export_mwh;
        if (net == 0)
            continue;
        TRY(exporting ? wt_add_i64(&r->export_mwh, r->export_mwh, net)
                      : wt_add_i64(&r->import_mwh, r->import_mwh, net));
        int64_t tradable = net < WT_ENERGY_MWH_MAX ? net : WT_ENERGY_MWH_MAX;
        int64_t price;
        if (exporting && (g->standing.flags & WT_STANDING_HAS_SELL_MIN)) {
            price = g->standing.sell_min_micro_per_kwh;
        } else if (!exporting && (g->standing.flags & WT_STANDING_HAS_BUY_MAX)) {
            price = g->standing.buy_max_micro_per_kwh;
            /* the overdraft policy (b): never bid more than the balance covers */
            account_slot *a = &j->accounts[acct];
            int64_t most;
            if (price > 0 &&
                wt_muldiv_i64(&most, a->budget_micro, WT_MWH_PER_KWH, price) == WT_OK &&
                most < tradable) {
                r->bid_cut_mwh += tradable - most; /* <= net: no overflow */
                tradable = most;
            }
            int64_t cost;
            TRY(wt_amount_micro(&cost, tradable, price)); /* a ceiling beyond the matcher's */
            WT_ASSERT(cost <= a->budget_micro);
            a->budget_micro -= cost;
        } else {
            continue; /* no standing limit: all residual */
        }
        if (tradable == 0)
            continue;
        wt_order *b = &j->book[j->book_count];
        meter_order_id(&b->id, g);
        b->seq = UINT64_MAX;
        b->energy_mwh = tradable;
        b->price_micro_per_kwh = price;
        b->owner = acct + 1;
        b->zone = g->zone;
        b->side = exporting ? WT_SIDE_SELL : WT_SIDE_BUY;
        j->meta[j->book_count++] = (book_meta){SRC_METER, acct, ri};
        j->out->metered_orders++;
    }
    j->out->readings = j->in.readings_count;
    return WT_OK;
}

/* 4: clear, then the P2P and fee legs. */
static wt_err clear_and_trade(job *j)
{
    const wt_chain_params *p = j->params;
    wt_zone zones[WT_CHAIN_ZONES_MAX];
    for (uint16_t z = 0; z < p->zones_count; z++) {
        zones[z].parent =
            p->zones[z].parent == WT_CHAIN_ZONE_NONE ? WT_ZONE_NONE : p->zones[z].parent;
        zones[z].fee_micro_per_kwh = p->zones[z].fee_micro_per_kwh;
    }
    wt_market market;
    wt_market_default(&market);
    uint8_t mechanism;
    wt_chain_market(p, &mechanism, &market.k_ppm);
    market.mechanism = mechanism == 1 ? WT_MECHANISM_PAY_AS_BID : WT_MECHANISM_PAY_AS_CLEAR;
    market.price_ceiling_micro_per_kwh = p->price_ceiling_micro_per_kwh;
    market.zones = zones;
    market.zones_count = p->zones_count;
    size_t arena_len = wt_book_arena_size(j->book_count, p->zones_count);
    if (arena_len == 0)
        return WT_ERR_CAPACITY;
    j->arena = malloc(arena_len);
    if (j->arena == NULL)
        return WT_ERR_NO_MEMORY;
    wt_clearing c;
    TRY(wt_book_clear(j->arena, arena_len, &c, &market, j->book, j->book_count));

    wt_settlement *s = j->out;
    s->zones = calloc(p->zones_count > 0 ? p->zones_count : 1, sizeof *s->zones);
    if (s->zones == NULL)
        return WT_ERR_NO_MEMORY;
    memcpy(s->zones, c.zones, c.zones_count * sizeof *s->zones);
    s->zones_count = c.zones_count;
    s->price_micro_per_kwh = c.price_micro_per_kwh;
    s->volume_mwh = c.volume_mwh;
    s->amount_micro = c.amount_micro;
    s->fee_micro = c.fee_micro;

    for (size_t t = 0; t < c.trades_count; t++) {
        const wt_trade *tr = &c.trades[t];
        const book_meta *bm = &j->meta[tr->buy], *sm = &j->meta[tr->sell];
        account_slot *buyer = &j->accounts[bm->account], *seller = &j->accounts[sm->account];
        account_slot *utility = &j->accounts[j->utility];
        uint16_t zone = (uint16_t)tr->zone;
        TRY(push_leg(j, buyer->key, seller->key, WT_LEG_P2P, zone, tr->energy_mwh,
                     tr->amount_micro));
        if (tr->fee_micro > 0)
            TRY(push_leg(j, buyer->key, utility->key, WT_LEG_GRID_FEE, zone, tr->energy_mwh,
                         tr->fee_micro));
        wt_settle_row *br = &j->rows[bm->row], *sr = &j->rows[sm->row];
        TRY(wt_add_i64(&br->bought_p2p_mwh, br->bought_p2p_mwh, tr->energy_mwh));
        TRY(wt_add_i64(&br->paid_p2p_micro, br->paid_p2p_micro, tr->amount_micro));
        TRY(wt_add_i64(&br->grid_fee_micro, br->grid_fee_micro, tr->fee_micro));
        TRY(wt_add_i64(&sr->sold_p2p_mwh, sr->sold_p2p_mwh, tr->energy_mwh));
        TRY(wt_add_i64(&sr->received_p2p_micro, sr->received_p2p_micro, tr->amount_micro));
        if (bm->source == SRC_EXPLICIT)
            TRY(wt_add_i64(&br->import_mwh, br->import_mwh, tr->energy_mwh));
        if (sm->source == SRC_EXPLICIT)
            TRY(wt_add_i64(&sr->export_mwh, sr->export_mwh, tr->energy_mwh));
        /* money moves between accounts: every fund stays within the supply */
        buyer->funds_micro -= tr->amount_micro + tr->fee_micro;
        seller->funds_micro += tr->amount_micro;
        utility->funds_micro += tr->fee_micro;
    }
    /* Paired with the overdraft policy (a) and (b): P2P never overdraws. */
    for (size_t i = 0; i < j->accounts_count; i++)
        WT_ASSERT(j->accounts[i].funds_micro >= 0);

    /* the residual of metered orders (explicit orders' simply expires) */
    for (size_t o = 0; o < j->book_count; o++) {
        if (j->meta[o].source != SRC_METER || c.unfilled_mwh[o] == 0)
            continue;
        wt_settle_row *r = &j->rows[j->meta[o].row];
        if (j->book[o].side == WT_SIDE_BUY)
            TRY(wt_add_i64(&r->retail_mwh, r->retail_mwh, c.unfilled_mwh[o]));
        else
            TRY(wt_add_i64(&r->feed_in_mwh, r->feed_in_mwh, c.unfilled_mwh[o]));
    }
    return WT_OK;
}

/* The metered energy that never entered the book is residual too: import =
 * bought + retail and export = sold + feed_in close each row. */
static wt_err close_residual(job *j)
{
    for (size_t i = 0; i < j->rows_count; i++) {
        wt_settle_row *r = &j->rows[i];
        int64_t rest;
        /* retail = import - bought: the unfilled bids counted above, plus
         * the metered import that never entered the book */
        TRY(wt_sub_i64(&rest, r->import_mwh, r->bought_p2p_mwh));
        WT_ASSERT(rest >= r->retail_mwh);
        r->retail_mwh = rest;
        TRY(wt_sub_i64(&rest, r->export_mwh, r->sold_p2p_mwh));
        WT_ASSERT(rest >= r->feed_in_mwh);
        r->feed_in_mwh = rest;
    }
    return WT_OK;
}

/* 5: feed-in from the utility's funds, then retail from each household's
 * (overdraft policy (c) and (d)); the legs in row order. */
static wt_err price_residual(job *j)
{
    const wt_tariff *retail = &j->retail, *feed_in = &j->feed_in;
    int64_t start_ms = j->start_ms;
    account_slot *utility = &j->accounts[j->utility];
    for (size_t i = 0; i < j->rows_count; i++) {
        wt_settle_row *r = &j->rows[i];
        if (r->feed_in_mwh == 0)
            continue;
        int64_t owed;
        TRY(wt_tariff_amount(&owed, feed_in, start_ms, 0, r->feed_in_mwh));
        int64_t paid = owed < utility->funds_micro ? owed : utility->funds_micro;
        r->feed_in_micro = paid;
        r->feed_in_unpaid_micro = owed - paid;
        utility->funds_micro -= paid;
        j->accounts[j->row_keys[i].account].funds_micro += paid;
        TRY(push_leg(j, utility->key, r->account, WT_LEG_FEED_IN, r->zone, r->feed_in_mwh, paid));
    }
    for (size_t i = 0; i < j->rows_count; i++) {
        wt_settle_row *r = &j->rows[i];
        if (r->retail_mwh == 0)
            continue;
        account_slot *a = &j->accounts[j->row_keys[i].account];
        int64_t owed; /* tiered: the account's rows in order climb its month */
        TRY(wt_tariff_amount(&owed, retail, start_ms, a->month_used_mwh, r->retail_mwh));
        if (retail->kind == WT_TARIFF_TIERED &&
            wt_add_i64(&a->month_used_mwh, a->month_used_mwh, r->retail_mwh) != WT_OK)
            a->month_used_mwh = INT64_MAX; /* as the ledger keeps it */
        int64_t paid = owed < a->funds_micro ? owed : a->funds_micro;
        r->retail_micro = paid;
        r->retail_unpaid_micro = owed - paid;
        a->funds_micro -= paid;
        utility->funds_micro += paid;
        TRY(push_leg(j, r->account, utility->key, WT_LEG_RETAIL, r->zone, r->retail_mwh, paid));
    }
    for (size_t i = 0; i < j->accounts_count; i++)
        WT_ASSERT(j->accounts[i].funds_micro >= 0);
    return WT_OK;
}

/* 6: net, the identities, the totals; rows that moved nothing are dropped. */
static wt_err finish_rows(job *j)
{
    wt_settlement *s = j->out;
    size_t kept = 0;
    for (size_t i = 0; i < j->rows_count; i++) {
        wt_settle_row *r = &j->rows[i];
        int64_t net = 0;
        TRY(wt_add_i64(&net, r->received_p2p_micro, r->feed_in_micro));
        TRY(wt_sub_i64(&net, net, r->paid_p2p_micro));
        TRY(wt_sub_i64(&net, net, r->grid_fee_micro));
        TRY(wt_sub_i64(&net, net, r->retail_micro));
        r->net_micro = net;
        WT_ASSERT(r->import_mwh == r->bought_p2p_mwh + r->retail_mwh);
        WT_ASSERT(r->export_mwh == r->sold_p2p_mwh + r->feed_in_mwh);
        TRY(wt_add_i64(&s->retail_mwh, s->retail_mwh, r->retail_mwh));
        TRY(wt_add_i64(&s->retail_micro, s->retail_micro, r->retail_micro));
        TRY(wt_add_i64(&s->feed_in_mwh, s->feed_in_mwh, r->feed_in_mwh));
        TRY(wt_add_i64(&s->feed_in_micro, s->feed_in_micro, r->feed_in_micro));
        TRY(wt_add_i64(&s->unpaid_micro, s->unpaid_micro, r->retail_unpaid_micro));
        TRY(wt_add_i64(&s->unpaid_micro, s->unpaid_micro, r->feed_in_unpaid_micro));
        bool moved = r->import_mwh != 0 || r->export_mwh != 0 || r->paid_p2p_micro != 0 ||
                     r->received_p2p_micro != 0 || r->bid_cut_mwh != 0;
        if (moved)
            j->rows[kept++] = *r;
    }
    s->rows_count = kept;
    return WT_OK;
}

wt_err wt_settle_compute(wt_settlement **out, const wt_state *state, uint64_t interval)
{
    *out = NULL;
    WT_ASSERT(state != NULL);
    job j;
    memset(&j, 0, sizeof j);
    j.state = state;
    j.params = wt_state_params(state);
    j.out = calloc(1, sizeof *j.out);
    if (j.out == NULL)
        return WT_ERR_NO_MEMORY;
    j.out->interval = interval;
    wt_err err = gather(&j);
    if (err == WT_OK)
        err = index_accounts(&j);
    if (err == WT_OK) {
        wt_state_orders_each(state, add_released_hold, &j);
        err = index_rows(&j);
    }
    if (err == WT_OK)
        err = hash_and_room(&j);
    if (err == WT_OK)
        err = build_book(&j);
    if (err == WT_OK)
        err = clear_and_trade(&j);
    if (err == WT_OK)
        err = close_residual(&j);
    if (err == WT_OK)
        err = price_residual(&j);
    if (err == WT_OK)
        err = finish_rows(&j);
    job_free(&j);
    if (err != WT_OK) {
        wt_settlement_free(j.out);
        return err;
    }
    *out = j.out;
    return WT_OK;
}

/* ------------------------------------------------------------ the SETTLE */

wt_err wt_settle_build_tx(wt_tx *tx, const wt_state *state, const wt_settlement *s,
                          int64_t expiry_ms)
{
    wt_tx_init(tx, WT_TX_SETTLE);
    if (s->legs_count > WT_SETTLE_LEGS_MAX)
        return WT_ERR_CAPACITY;
    const wt_chain_params *p = wt_state_params(state);
    wt_account op;
    wt_state_account(&op, state, p->operator_key); /* zeroed when it never signed */
    tx->chain_id = p->chain_id;
    memcpy(tx->sender, p->operator_key, 32);
    tx->nonce = op.nonce + 1;
    tx->expiry_ms = expiry_ms;
    tx->body.settle.interval = s->interval;
    memcpy(tx->body.settle.inputs_hash, s->inputs_hash, 32);
    tx->body.settle.count = s->legs_count;
    tx->body.settle.legs = s->legs_count > 0 ? s->legs : NULL;
    return WT_OK;
}

static bool leg_equal(const wt_settle_leg *a, const wt_settle_leg *b)
{
    return memcmp(a->from, b->from, 32) == 0 && memcmp(a->to, b->to, 32) == 0 &&
           a->kind == b->kind && a->zone == b->zone && a->energy_mwh == b->energy_mwh &&
           a->amount_micro == b->amount_micro;
}

wt_err wt_settle_verify(const char **field, size_t *leg_index, wt_settlement **computed,
                        const wt_state *state_before, const wt_tx *settle_tx)
{
    const char *unused_field;
    size_t unused_index;
    if (computed != NULL)
        *computed = NULL;
    if (field == NULL)
        field = &unused_field;
    if (leg_index == NULL)
        leg_index = &unused_index;
    *field = NULL;
    *leg_index = SIZE_MAX;
    if (settle_tx->type != WT_TX_SETTLE) {
        *field = "type";
        return WT_ERR_INVALID_ARGUMENT;
    }
    const wt_tx_settle *st = &settle_tx->body.settle;
    wt_settlement *s;
    wt_err err = wt_settle_compute(&s, state_before, st->interval);
    if (err != WT_OK)
        return err;
    if (memcmp(s->inputs_hash, st->inputs_hash, 32) != 0) {
        *field = "inputs_hash";
        err = WT_ERR_SETTLE_MISMATCH;
    }
    for (uint32_t i = 0; err == WT_OK && i < st->count && i < s->legs_count; i++) {
        wt_settle_leg leg;
        wt_settle_leg_get(&leg, st, i);
        if (!leg_equal(&leg, &s->legs[i])) {
            *field = "legs";
            *leg_index = i;
            err = WT_ERR_SETTLE_MISMATCH;
        }
    }
    if (err == WT_OK && st->count != s->legs_count) {
        *field = "legs.count";
        *leg_index = st->count < s->legs_count ? st->count : s->legs_count;
        err = WT_ERR_SETTLE_MISMATCH;
    }
    if (err == WT_OK && computed != NULL)
        *computed = s;
    else
        wt_settlement_free(s);
    return err;
}

/* ---------------------------------------------------------------- CSV */

typedef struct {
    char *out;
    size_t cap, len;
} text;

static void put(text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(text *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n;
    if (t->len < t->cap)
        n = vsnprintf(t->out + t->len, t->cap - t->len, fmt, ap);
    else
        n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    WT_ASSERT(n >= 0);
    t->len += (size_t)n;
}

size_t wt_settle_rows_csv(char *out, size_t out_cap, const wt_chain_params *params,
                          const wt_settle_row *rows, size_t rows_count, bool header,
                          bool with_policy)
{
    text t = {.out = out, .cap = out_cap, .len = 0};
    if (out_cap > 0)
        out[0] = '\0';
    if (header)
        put(&t, "%s%s\n", WT_SETTLE_CSV_HEADER,
            with_policy ? ",bid_cut_mwh,retail_unpaid_micro,feed_in_unpaid_micro" : "");
    for (size_t i = 0; i < rows_count; i++) {
        const wt_settle_row *r = &rows[i];
        char addr[WT_ADDRESS_CHARS + 1];
        wt_address_encode(addr, r->account);
        const char *zone = r->zone < params->zones_count ? params->zones[r->zone].name : "?";
        put(&t, "%llu,%s,%s,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld",
            (unsigned long long)r->interval, addr, zone, (long long)r->import_mwh,
            (long long)r->export_mwh, (long long)r->bought_p2p_mwh, (long long)r->sold_p2p_mwh,
            (long long)r->paid_p2p_micro, (long long)r->received_p2p_micro,
            (long long)r->grid_fee_micro, (long long)r->retail_mwh, (long long)r->retail_micro,
            (long long)r->feed_in_mwh, (long long)r->feed_in_micro, (long long)r->net_micro);
        if (with_policy)
            put(&t, ",%lld,%lld,%lld", (long long)r->bid_cut_mwh, (long long)r->retail_unpaid_micro,
                (long long)r->feed_in_unpaid_micro);
        put(&t, "\n");
    }
    return t.len;
}
