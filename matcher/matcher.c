/*
 * matcher.c — clearing one book: validation, the duplicate-id check, the
 * radix ordering of each side, the priority walk with self-trade prevention,
 * pay-as-clear / pay-as-bid pricing, and the bottom-up walk over the zone
 * tree. The rules are in matcher.h; this file is about doing them fast and
 * exactly inside one caller-provided arena.
 */
#include "matcher.h"

#include <string.h>

/* One order in a side's priority list: the sort key, the order's index, and
 * its owner (kept here so the walk reads it without another cache miss). */
typedef struct {
    uint64_t key;
    uint32_t idx;
    uint32_t owner;
} elem;
_Static_assert(sizeof(elem) == 16, "elem is two words");
_Static_assert(sizeof(wt_trade) == 48, "a trade has no padding");

#define ARENA_ALIGN      64
#define HIST_BITS_MAX    11 /* digit width for large books: 2048 buckets */
#define HIST_BITS_SMALL  8  /* for books under SMALL_BOOK orders */
#define SMALL_BOOK       4096
#define HIST_PASSES_MAX  8  /* 64-bit keys in 8-bit digits */
#define IDX_BITS         26 /* low bits of a packed duplicate-check value */
#define IDX_MASK         ((UINT64_C(1) << IDX_BITS) - 1)
#define DEDUP_PBITS_MAX  12 /* up to 4096 partitions */
#define DEDUP_SMALL_BOOK 1024
#define DEDUP_EMPTY      UINT64_MAX
#define PREFETCH_AHEAD   16 /* elements ahead in the walk: hides the rem[] misses */

_Static_assert(WT_BOOK_ORDERS_MAX <= IDX_MASK, "an index never fills IDX_BITS with ones");
_Static_assert((uint64_t)WT_BOOK_ORDERS_MAX <= UINT32_MAX, "indices fit uint32");

/* ------------------------------------------------------------ arena layout */

typedef struct {
    size_t trades, rem, zres, elems, tmp, skipped, hist, dcnt;
    size_t zdepth, zup, zsb, zeb, zsa, zea, zone_of;
    size_t total;
} layout;

/* Room of the duplicate check's table: twice the book, rounded up to a power
 * of two for a small book (one partition, load 1/2 at most). */
static size_t dedup_table_cap(size_t n)
{
    if (n >= DEDUP_SMALL_BOOK)
        return 2 * n;
    size_t cap = 4;
    while (cap < 2 * n)
        cap *= 2;
    return cap;
}

/* Partition bits of the duplicate check: about 1024 ids per partition. */
static unsigned dedup_pbits(size_t n)
{
    if (n < DEDUP_SMALL_BOOK)
        return 0;
    unsigned bits = (64u - (unsigned)__builtin_clzll(n)) - 10;
    return bits > DEDUP_PBITS_MAX ? DEDUP_PBITS_MAX : bits;
}

/* Histogram words per side: every pass of the widest digits a book of n
 * orders uses. */
static size_t hist_words(size_t n)
{
    return n < SMALL_BOOK ? HIST_PASSES_MAX << HIST_BITS_SMALL
                          : ((64 + HIST_BITS_MAX - 1) / HIST_BITS_MAX) << HIST_BITS_MAX;
}

static size_t align_up(size_t x)
{
    return (x + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
}

static size_t take(size_t *off, size_t bytes)
{
    size_t at = *off;
    *off = align_up(at + bytes);
    return at;
}

/* n <= WT_BOOK_ORDERS_MAX and z <= WT_ZONES_MAX, so nothing here overflows. */
static void layout_make(layout *l, size_t n, size_t z)
{
    size_t off = 0;
    /* Before the walk writes trades, their region holds the first pass's
     * staging: packed id hashes, their partitioned copy, the seqs, and the
     * duplicate check's table. */
    size_t staging = (3 * n + dedup_table_cap(n)) * sizeof(uint64_t);
    size_t trades = n * sizeof(wt_trade);
    memset(l, 0, sizeof *l);
    l->trades = take(&off, trades > staging ? trades : staging);
    l->rem = take(&off, n * sizeof(int64_t));
    l->zres = take(&off, z * sizeof(wt_zone_result));
    l->elems = take(&off, n * sizeof(elem));
    l->tmp = take(&off, n * sizeof(elem));
    l->skipped = take(&off, n * sizeof(uint32_t));
    l->hist = take(&off, 2 * hist_words(n) * sizeof(uint32_t));
    l->dcnt = take(&off, ((size_t)1 << dedup_pbits(n)) * sizeof(uint32_t));
    if (z > 1) {
        l->zdepth = take(&off, z * sizeof(uint32_t));
        l->zup = take(&off, z * sizeof(uint32_t));
        l->zsb = take(&off, z * sizeof(uint32_t));
        l->zeb = take(&off, z * sizeof(uint32_t));
        l->zsa = take(&off, z * sizeof(uint32_t));
        l->zea = take(&off, z * sizeof(uint32_t));
        l->zone_of = take(&off, n * sizeof(uint32_t));
    }
    l->total = off + ARENA_ALIGN; /* room to align an arbitrary base */
}

size_t wt_book_arena_size(size_t orders_max, size_t zones_max)
{
    if (orders_max > WT_BOOK_ORDERS_MAX || zones_max > WT_ZONES_MAX)
        return 0;
    layout l;
    layout_make(&l, orders_max, zones_max == 0 ? 1 : zones_max);
    return l.total;
}

void wt_market_default(wt_market *market)
{
    WT_ASSERT(market != NULL);
    memset(market, 0, sizeof *market);
    market->mechanism = WT_MECHANISM_PAY_AS_CLEAR;
    market->k_ppm = WT_K_PPM_DEFAULT;
    market->price_ceiling_micro_per_kwh = WT_PRICE_MICRO_PER_KWH_MAX;
}

/* ------------------------------------------------------------ small helpers */

static unsigned bit_width(uint64_t x)
{
    return x == 0 ? 0 : 64u - (unsigned)__builtin_clzll(x);
}

/* The duplicate check's hash of an id: four independent multiplies (they
 * run in parallel) and a final mix. Collisions cost time, never correctness:
 * equal hashes compare the whole ids. */
static uint64_t id_hash(const wt_order_id *id)
{
    uint64_t w[4];
    memcpy(w, id->bytes, sizeof w);
    uint64_t h = (w[0] * UINT64_C(0x9e3779b97f4a7c15)) ^ (w[1] * UINT64_C(0xbf58476d1ce4e5b9)) ^
                 (w[2] * UINT64_C(0x94d049bb133111eb)) ^ (w[3] * UINT64_C(0xd6e8feb86659fd93));
    h ^= h >> 32;
    h *= UINT64_C(0x9e3779b97f4a7c15);
    return h ^ (h >> 29);
}

static int id_cmp(const wt_order *orders, uint32_t a, uint32_t b)
{
    return memcmp(orders[a].id.bytes, orders[b].id.bytes, WT_ORDER_ID_BYTES);
}

/* Heapsort of packed duplicate-check values (the rare fallback). */
static void u64_sift(uint64_t *v, size_t root, size_t n)
{
    for (;;) {
        size_t child = 2 * root + 1;
        if (child >= n)
            return;
        if (child + 1 < n && v[child + 1] > v[child])
            child++;
        if (v[root] >= v[child])
            return;
        uint64_t t = v[root];
        v[root] = v[child];
        v[child] = t;
        root = child;
    }
}

static void u64_heapsort(uint64_t *v, size_t n)
{
    for (size_t i = n / 2; i-- > 0;)
        u64_sift(v, i, n);
    for (size_t end = n; end > 1; end--) {
        uint64_t t = v[0];
        v[0] = v[end - 1];
        v[end - 1] = t;
        u64_sift(v, 0, end - 1);
    }
}

/* Sort elements that tie on price and seq by id: insertion sort for short
 * runs, heapsort for long ones (only a book full of equal seqs has those). */
static void elem_sift(elem *v, size_t root, size_t n, const wt_order *orders)
{
    for (;;) {
        size_t child = 2 * root + 1;
        if (child >= n)
            return;
        if (child + 1 < n && id_cmp(orders, v[child + 1].idx, v[child].idx) > 0)
            child++;
        if (id_cmp(orders, v[root].idx, v[child].idx) >= 0)
            return;
        elem t = v[root];
        v[root] = v[child];
        v[child] = t;
        root = child;
    }
}

static void elems_sort_by_id(elem *v, size_t n, const wt_order *orders)
{
    if (n <= 16) {
        for (size_t i = 1; i < n; i++) {
            elem e = v[i];
            size_t j = i;
            while (j > 0 && id_cmp(orders, v[j - 1].idx, e.idx) > 0) {
                v[j] = v[j - 1];
                j--;
            }
            v[j] = e;
        }
        return;
    }
    for (size_t i = n / 2; i-- > 0;)
        elem_sift(v, i, n, orders);
    for (size_t end = n; end > 1; end--) {
        elem t = v[0];
        v[0] = v[end - 1];
        v[end - 1] = t;
        elem_sift(v, 0, end - 1, orders);
    }
}

/* ------------------------------------------------------------ validation */

static wt_err market_check(const wt_market *m)
{
    if (m->mechanism != WT_MECHANISM_PAY_AS_CLEAR && m->mechanism != WT_MECHANISM_PAY_AS_BID)
        return WT_ERR_INVALID_ARGUMENT;
    if (m->price_ceiling_micro_per_kwh < 0 ||
        m->price_ceiling_micro_per_kwh > WT_PRICE_MICRO_PER_KWH_MAX)
        return WT_ERR_INVALID_ARGUMENT;
    if (m->k_ppm > WT_K_PPM_ONE)
        return WT_ERR_BAD_K;
    if (m->zones_count > WT_ZONES_MAX || (m->zones == NULL && m->zones_count != 0))
        return WT_ERR_BAD_ZONE_TREE;
    for (size_t z = 0; z < m->zones_count; z++) {
        const wt_zone *zone = &m->zones[z];
        if (z == 0 ? zone->parent != WT_ZONE_NONE : zone->parent >= z)
            return WT_ERR_BAD_ZONE_TREE;
        /* Parents come first, so this walk ends; it stops at the limit. */
        unsigned depth = 0;
        for (size_t up = z; up != 0 && depth <= WT_ZONE_DEPTH_MAX; up = m->zones[up].parent)
            depth++;
        if (depth > WT_ZONE_DEPTH_MAX)
            return WT_ERR_BAD_ZONE_TREE;
        if (zone->fee_micro_per_kwh < 0 || zone->fee_micro_per_kwh > m->price_ceiling_micro_per_kwh)
            return WT_ERR_BAD_FEE;
    }
    return WT_OK;
}

/*
 * Duplicate ids: the packed values (top 38 bits of the id hash, then the
 * order index) are spread into partitions by their top bits (stable, so
 * indices rise inside each), and each partition goes through a small
 * open-addressing table that stays in cache. Equal hashes compare the ids.
 * Reports the duplicate with the smallest index and the first order with
 * its id.
 */
static bool dedup_find(size_t *dup, size_t *first, const wt_order *orders, size_t n,
                       const uint64_t *packed, uint64_t *parted, uint32_t *cnt, unsigned pbits,
                       uint64_t *table, size_t table_cap)
{
    size_t parts = (size_t)1 << pbits;
    uint32_t pos = 0;
    for (size_t p = 0; p < parts; p++) {
        uint32_t c = cnt[p];
        cnt[p] = pos;
        pos += c;
    }
    if (pbits == 0) {
        memcpy(parted, packed, n * sizeof *parted);
        cnt[0] = (uint32_t)n;
    } else {
        for (size_t i = 0; i < n; i++)
            parted[cnt[packed[i] >> (64 - pbits)]++] = packed[i];
    }
    /* cnt[p] is now the end of partition p. */
    size_t best_dup = SIZE_MAX, best_first = SIZE_MAX;
    size_t start = 0;
    for (size_t p = 0; p < parts; p++) {
        size_t end = cnt[p], c = end - start;
        uint64_t *seg = parted + start;
        start = end;
        if (c < 2)
            continue;
        size_t size = 4;
        while (size < 2 * c)
            size *= 2;
        if (size <= table_cap) {
            memset(table, 0xff, size * sizeof *table);
            uint64_t mask = size - 1;
            for (size_t i = 0; i < c; i++) {
                uint64_t v = seg[i], fp = v >> IDX_BITS;
                size_t slot = (size_t)(fp & mask);
                for (;;) {
                    uint64_t t = table[slot];
                    if (t == DEDUP_EMPTY) {
                        table[slot] = v;
                        break;
                    }
                    if ((t >> IDX_BITS) == fp &&
                        id_cmp(orders, (uint32_t)(t & IDX_MASK), (uint32_t)(v & IDX_MASK)) == 0) {
                        if ((v & IDX_MASK) < best_dup) {
                            best_dup = (size_t)(v & IDX_MASK);
                            best_first = (size_t)(t & IDX_MASK);
                        }
                        break;
                    }
                    slot = (slot + 1) & mask;
                }
            }
        } else {
            /* A partition far above its share (crafted ids): sort it instead. */
            u64_heapsort(seg, c);
            for (size_t i = 0; i + 1 < c; i++) {
                uint64_t fp = seg[i] >> IDX_BITS;
                for (size_t j = i + 1; j < c && (seg[j] >> IDX_BITS) == fp; j++) {
                    uint32_t a = (uint32_t)(seg[i] & IDX_MASK), b = (uint32_t)(seg[j] & IDX_MASK);
                    if (id_cmp(orders, a, b) == 0) {
                        size_t hi = a > b ? a : b, lo = a > b ? b : a;
                        if (hi < best_dup || (hi == best_dup && lo < best_first)) {
                            best_dup = hi;
                            best_first = lo;
                        }
                    }
                }
            }
        }
    }
    *dup = best_dup;
    *first = best_first;
    return best_dup != SIZE_MAX;
}

/* ------------------------------------------------------------ radix sort */

typedef struct {
    unsigned passes, width;
} digits;

static digits digits_for(unsigned key_bits, size_t n)
{
    digits d = {0, 0};
    if (key_bits == 0)
        return d;
    unsigned wmax = n < SMALL_BOOK ? HIST_BITS_SMALL : HIST_BITS_MAX;
    d.passes = (key_bits + wmax - 1) / wmax;
    d.width = (key_bits + d.passes - 1) / d.passes;
    return d;
}

static void hist_add(uint32_t *hist, digits d, uint64_t key)
{
    uint64_t mask = ((uint64_t)1 << d.width) - 1;
    for (unsigned p = 0; p < d.passes; p++)
        hist[((size_t)p << d.width) + ((key >> (p * d.width)) & mask)]++;
}

/* Stable LSD sort of src[0..n) by key, with histograms already counted.
 * Digits where every key agrees are skipped. Returns the buffer holding the
 * result: src or dst. */
static elem *radix_sort(elem *src, elem *dst, size_t n, digits d, uint32_t *hist)
{
    if (n < 2)
        return src;
    size_t buckets = (size_t)1 << d.width;
    uint64_t mask = buckets - 1;
    for (unsigned p = 0; p < d.passes; p++) {
        uint32_t *h = hist + ((size_t)p << d.width);
        unsigned shift = p * d.width;
        if (h[(src[0].key >> shift) & mask] == n)
            continue; /* every key has this digit */
        uint32_t sum = 0;
        for (size_t b = 0; b < buckets; b++) {
            uint32_t c = h[b];
            h[b] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++) {
            elem e = src[i];
            dst[h[(e.key >> shift) & mask]++] = e;
        }
        elem *t = src;
        src = dst;
        dst = t;
    }
    return src;
}

/* ------------------------------------------------------------ the book */

typedef struct {
    int64_t *rem;
    wt_trade *trades;
    size_t trades_count, trades_cap;
    __int128 value; /* sum of energy * price over all trades, for the average */
    uint32_t *skipped;
    wt_mechanism mechanism;
    uint32_t k_ppm;
    /* price = base -/+ (key >> shift): bids descend from their highest price,
     * asks ascend from their lowest. */
    int64_t bid_base, ask_base;
    unsigned bid_shift, ask_shift;
} book;

static inline int64_t bid_price(const book *bk, const elem *e)
{
    return bk->bid_base - (int64_t)(e->key >> bk->bid_shift);
}

static inline int64_t ask_price(const book *bk, const elem *e)
{
    return bk->ask_base + (int64_t)(e->key >> bk->ask_shift);
}

static inline void trade_add(book *bk, uint32_t buy, uint32_t sell, uint32_t zone,
                             int64_t energy_mwh, int64_t price)
{
    /* Every trade exhausts its bid or its ask, so there are at most n. */
    WT_ASSERT(bk->trades_count < bk->trades_cap);
    wt_trade *t = &bk->trades[bk->trades_count++];
    t->buy = buy;
    t->sell = sell;
    t->zone = zone;
    t->reserved = 0;
    t->energy_mwh = energy_mwh;
    t->price_micro_per_kwh = price;
    t->amount_micro = 0;
    t->fee_micro = 0;
}

/*
 * One zone's auction over its bids and asks, both in priority order, every
 * one with energy left. The bid loop fills each bid from the asks in order.
 * Asks that a bid passes over because of a common owner go to the "skipped"
 * queue, which keeps priority order and always holds asks of one owner only
 * (a bid of another owner drains it before reaching the frontier), so each
 * ask is looked at a bounded number of times: the walk is linear.
 */
static void zone_walk(book *bk, wt_zone_result *zr, const elem *bids, size_t nb, const elem *asks,
                      size_t na, uint32_t zone, int64_t fee)
{
    int64_t *rem = bk->rem;
    uint32_t *sq = bk->skipped;
    size_t sq_head = 0, sq_tail = 0, f = 0;
    uint32_t sq_owner = WT_OWNER_UNKNOWN;
    int64_t max_ask = -1, last_bid = -1;
    bool pac = bk->mechanism == WT_MECHANISM_PAY_AS_CLEAR;
    size_t t0 = bk->trades_count;

    for (size_t i = 0; i < nb; i++) {
        const elem *b = &bids[i];
        if (i + PREFETCH_AHEAD < nb)
            __builtin_prefetch(&rem[bids[i + PREFETCH_AHEAD].idx], 1);
        int64_t bp = bid_price(bk, b) - fee;
        if (pac && bp < max_ask)
            break; /* one price could no longer fit every matched order */
        int64_t cheapest;
        if (sq_head < sq_tail)
            cheapest = ask_price(bk, &asks[sq[sq_head]]);
        else if (f < na)
            cheapest = ask_price(bk, &asks[f]);
        else
            break;
        if (bp < cheapest)
            break; /* no ask left crosses this bid or any later one */
        uint32_t ob = b->owner;
        int64_t need = rem[b->idx];
        bool traded = false;
        if (sq_head < sq_tail && !(ob != WT_OWNER_UNKNOWN && ob == sq_owner)) {
            while (need > 0 && sq_head < sq_tail) {
                const elem *a = &asks[sq[sq_head]];
                int64_t ap = ask_price(bk, a);
                if (ap > bp)
                    goto bid_done; /* the frontier is dearer still */
                int64_t *ra = &rem[a->idx];
                int64_t e = need < *ra ? need : *ra;
                trade_add(bk, b->idx, a->idx, zone, e, bp);
                need -= e;
                *ra -= e;
                if (*ra == 0)
                    sq_head++;
                if (ap > max_ask)
                    max_ask = ap;
                traded = true;
            }
        }
        while (need > 0 && f < na) {
            const elem *a = &asks[f];
            if (f + PREFETCH_AHEAD < na)
                __builtin_prefetch(&rem[asks[f + PREFETCH_AHEAD].idx], 1);
            int64_t ap = ask_price(bk, a);
            if (ap > bp)
                break;
            if (ob != WT_OWNER_UNKNOWN && a->owner == ob) {
                /* The queue is empty or holds asks of this same owner. */
                sq[sq_tail++] = (uint32_t)f;
                sq_owner = ob;
                f++;
                continue;
            }
            int64_t *ra = &rem[a->idx];
            int64_t e = need < *ra ? need : *ra;
            trade_add(bk, b->idx, a->idx, zone, e, bp);
            need -= e;
            *ra -= e;
            if (*ra == 0)
                f++;
            if (ap > max_ask)
                max_ask = ap;
            traded = true;
        }
    bid_done:
        rem[b->idx] = need;
        if (traded)
            last_bid = bp;
    }

    /* Prices and money of this zone's trades. */
    size_t t1 = bk->trades_count;
    zr->trades_count = t1 - t0;
    if (t1 == t0)
        return;
    int64_t clear_price = 0;
    if (pac) {
        WT_ASSERT(last_bid >= max_ask && max_ask >= 0);
        clear_price = max_ask + (last_bid - max_ask) * (int64_t)bk->k_ppm / (int64_t)WT_K_PPM_ONE;
    }
    __int128 value = 0;
    int64_t volume = 0, amount = 0, fees = 0;
    for (size_t t = t0; t < t1; t++) {
        wt_trade *tr = &bk->trades[t];
        if (pac)
            tr->price_micro_per_kwh = clear_price;
        wt_err e1 = wt_amount_micro(&tr->amount_micro, tr->energy_mwh, tr->price_micro_per_kwh);
        wt_err e2 = fee == 0 ? WT_OK : wt_amount_micro(&tr->fee_micro, tr->energy_mwh, fee);
        WT_ASSERT(e1 == WT_OK && e2 == WT_OK); /* the limits make both fit */
        volume += tr->energy_mwh;
        amount += tr->amount_micro;
        fees += tr->fee_micro;
        value += (__int128)tr->energy_mwh * tr->price_micro_per_kwh;
    }
    zr->volume_mwh = volume;
    zr->amount_micro = amount;
    zr->fee_micro = fees;
    bk->value += value;
    zr->price_micro_per_kwh = pac ? clear_price : (int64_t)(value / volume);
}

/* Clear bottom-up over a zone tree. bids/asks are the sorted sides; tb/ta
 * scratch of the same length. */
static void tree_walk(book *bk, wt_zone_result *zres, const wt_market *m, uint32_t *zone_of,
                      uint32_t *depth, uint32_t *up, uint32_t *sb, uint32_t *eb, uint32_t *sa,
                      uint32_t *ea, elem *bids, size_t nb, elem *tb, elem *asks, size_t na,
                      elem *ta)
{
    size_t zc = m->zones_count;
    uint32_t maxd = 0;
    depth[0] = 0;
    for (size_t z = 1; z < zc; z++) {
        depth[z] = depth[m->zones[z].parent] + 1;
        if (depth[z] > maxd)
            maxd = depth[z];
    }
    for (uint32_t d = maxd + 1; d-- > 0;) {
        /* up[z]: z's ancestor at depth d (itself at d), WT_ZONE_NONE above. */
        for (size_t z = 0; z < zc; z++) {
            if (depth[z] == d)
                up[z] = (uint32_t)z;
            else if (depth[z] > d)
                up[z] = d == maxd ? WT_ZONE_NONE : m->zones[up[z]].parent;
            else
                up[z] = WT_ZONE_NONE;
            sb[z] = eb[z] = sa[z] = ea[z] = 0;
        }
        /* Drop filled orders and count each auction's orders, then place them
         * (stable: priority order holds inside each auction). */
        size_t w = 0;
        for (size_t i = 0; i < nb; i++) {
            if (bk->rem[bids[i].idx] == 0)
                continue;
            bids[w++] = bids[i];
            uint32_t u = up[zone_of[bids[i].idx]];
            if (u != WT_ZONE_NONE)
                eb[u]++;
        }
        nb = w;
        w = 0;
        for (size_t i = 0; i < na; i++) {
            if (bk->rem[asks[i].idx] == 0)
                continue;
            asks[w++] = asks[i];
            uint32_t u = up[zone_of[asks[i].idx]];
            if (u != WT_ZONE_NONE)
                ea[u]++;
        }
        na = w;
        uint32_t pb = 0, pa = 0;
        for (size_t z = 0; z < zc; z++) {
            sb[z] = pb;
            pb += eb[z];
            eb[z] = sb[z];
            sa[z] = pa;
            pa += ea[z];
            ea[z] = sa[z];
        }
        for (size_t i = 0; i < nb; i++) {
            uint32_t u = up[zone_of[bids[i].idx]];
            if (u != WT_ZONE_NONE)
                tb[eb[u]++] = bids[i];
        }
        for (size_t i = 0; i < na; i++) {
            uint32_t u = up[zone_of[asks[i].idx]];
            if (u != WT_ZONE_NONE)
                ta[ea[u]++] = asks[i];
        }
        for (size_t z = 0; z < zc; z++)
            if (depth[z] == d && eb[z] > sb[z] && ea[z] > sa[z])
                zone_walk(bk, &zres[z], tb + sb[z], eb[z] - sb[z], ta + sa[z], ea[z] - sa[z],
                          (uint32_t)z, m->zones[z].fee_micro_per_kwh);
    }
}

/* ------------------------------------------------------------ sorting a side */

typedef struct {
    elem *base;  /* where the elements are built */
    elem *other; /* scratch of the same length */
    size_t count;
    bool desc; /* bids: price descending */
    int64_t pmin, pmax;
    uint32_t *hist;
} side;

/* Orders that tie on price and seq go by id. */
static void fix_ties(elem *v, size_t n, const wt_order *orders, bool key_has_seq)
{
    size_t i = 0;
    while (i + 1 < n) {
        size_t j = i + 1;
        if (key_has_seq) {
            while (j < n && v[j].key == v[i].key)
                j++;
        } else {
            while (j < n && v[j].key == v[i].key && orders[v[j].idx].seq == orders[v[i].idx].seq)
                j++;
        }
        if (j - i > 1)
            elems_sort_by_id(v + i, j - i, orders);
        i = j;
    }
}

/* ------------------------------------------------------------ the clearing */

wt_err wt_book_clear(void *arena, size_t arena_len, wt_clearing *out, const wt_market *market,
                     const wt_order *orders, size_t orders_count)
{
    WT_ASSERT(out != NULL);
    memset(out, 0, sizeof *out);
    out->error_index = out->error_other_index = SIZE_MAX;
    WT_ASSERT(market != NULL);
    WT_ASSERT(orders != NULL || orders_count == 0);
    WT_ASSERT(arena != NULL || arena_len == 0);

    wt_err err = market_check(market);
    if (err != WT_OK)
        return err;
    if (orders_count > WT_BOOK_ORDERS_MAX)
        return WT_ERR_CAPACITY;
    size_t n = orders_count;
    size_t zc = market->zones_count == 0 ? 1 : market->zones_count;
    layout l;
    layout_make(&l, n, zc);
    if (arena_len < l.total)
        return WT_ERR_BUFFER_TOO_SMALL;
    uint8_t *base =
        (uint8_t *)(((uintptr_t)arena + ARENA_ALIGN - 1) & ~(uintptr_t)(ARENA_ALIGN - 1));

    wt_trade *trades = (wt_trade *)(void *)(base + l.trades);
    int64_t *rem = (int64_t *)(void *)(base + l.rem);
    wt_zone_result *zres = (wt_zone_result *)(void *)(base + l.zres);
    elem *elems = (elem *)(void *)(base + l.elems);
    elem *tmp = (elem *)(void *)(base + l.tmp);
    uint32_t *skipped = (uint32_t *)(void *)(base + l.skipped);
    uint32_t *hist = (uint32_t *)(void *)(base + l.hist);
    uint32_t *dcnt = (uint32_t *)(void *)(base + l.dcnt);
    uint32_t *zone_of = zc > 1 ? (uint32_t *)(void *)(base + l.zone_of) : NULL;

    /* Pass 1, the only one over the orders: validate, gather ranges, stage
     * each side (key = raw price for now) in input order, pack id hashes.
     * Bids go to elems[0..nb), asks to tmp[0..na); each sorts into the other
     * region's free part (tmp[na..n), elems[nb..n)). */
    int64_t ceiling = market->price_ceiling_micro_per_kwh;
    unsigned pbits = dedup_pbits(n);
    memset(dcnt, 0, ((size_t)1 << pbits) * sizeof *dcnt);
    uint64_t *packed = (uint64_t *)(void *)trades;
    uint64_t *parted = packed + n;
    uint64_t *seqs = packed + 2 * n;
    uint64_t *table = packed + 3 * n;
    size_t nb = 0, na = 0;
    int64_t bid_min = INT64_MAX, bid_max = INT64_MIN, ask_min = INT64_MAX, ask_max = INT64_MIN;
    int64_t demand = 0, supply = 0;
    uint64_t seq_min = UINT64_MAX, seq_max = 0, seq_prev = 0;
    bool seq_rising = true;
    for (size_t i = 0; i < n; i++) {
        const wt_order *o = &orders[i];
        wt_err bad = WT_OK;
        int64_t p = o->price_micro_per_kwh;
        if (o->side != WT_SIDE_BUY && o->side != WT_SIDE_SELL)
            bad = WT_ERR_BAD_SIDE;
        else if (o->energy_mwh <= 0 || o->energy_mwh > WT_ENERGY_MWH_MAX)
            bad = WT_ERR_BAD_ENERGY;
        else if (p < 0 || p > ceiling)
            bad = WT_ERR_BAD_PRICE;
        else if (o->zone >= zc)
            bad = WT_ERR_UNKNOWN_ZONE;
        if (bad != WT_OK) {
            out->error_index = i;
            return bad;
        }
        elem e = {(uint64_t)p, (uint32_t)i, o->owner};
        if (o->side == WT_SIDE_BUY) {
            elems[nb++] = e;
            demand += o->energy_mwh;
            bid_min = p < bid_min ? p : bid_min;
            bid_max = p > bid_max ? p : bid_max;
        } else {
            tmp[na++] = e;
            supply += o->energy_mwh;
            ask_min = p < ask_min ? p : ask_min;
            ask_max = p > ask_max ? p : ask_max;
        }
        uint64_t s = o->seq;
        seq_min = s < seq_min ? s : seq_min;
        seq_max = s > seq_max ? s : seq_max;
        /* rising: (seq, id) strictly ascending in array order, as a
         * settlement's metered orders come (one seq, in meter id order) */
        if (i > 0 &&
            (s < seq_prev || (s == seq_prev && id_cmp(orders, (uint32_t)i - 1, (uint32_t)i) >= 0)))
            seq_rising = false;
        seq_prev = s;
        seqs[i] = s;
        rem[i] = o->energy_mwh;
        if (zone_of != NULL)
            zone_of[i] = o->zone;
        uint64_t v = (id_hash(&o->id) & ~IDX_MASK) | (uint64_t)i;
        packed[i] = v;
        dcnt[pbits > 0 ? v >> (64 - pbits) : 0]++;
    }
    /* Buyers pay at most their bids, so this bounds every sum of money. */
    int64_t money_max;
    if (wt_muldiv_i64(&money_max, demand < supply ? demand : supply, nb > 0 ? bid_max : 0,
                      WT_MWH_PER_KWH) != WT_OK)
        return WT_ERR_OVERFLOW;
    if (n > 1) {
        size_t dup, first;
        if (dedup_find(&dup, &first, orders, n, packed, parted, dcnt, pbits, table,
                       dedup_table_cap(n))) {
            out->error_index = dup;
            out->error_other_index = first;
            return WT_ERR_DUPLICATE_ID;
        }
    }

    /* Pass 2, over the compact staging: keys. With (seq, id) rising in array
     * order the array order is already the (seq, id) order, so the stable
     * sort needs the price only. Otherwise (price, seq) packed in one key when they fit
     * in 64 bits, else two sorts: by seq, then stably by price. */
    unsigned sbits = bit_width(seq_max - (n > 0 ? seq_min : 0));
    unsigned bbits = nb > 0 ? bit_width((uint64_t)(bid_max - bid_min)) : 0;
    unsigned abits = na > 0 ? bit_width((uint64_t)(ask_max - ask_min)) : 0;
    enum { KEY_PRICE, KEY_PRICE_SEQ, KEY_TWO_SORTS } mode;
    if (seq_rising)
        mode = KEY_PRICE;
    else if (sbits < 64 && bbits + sbits <= 64 && abits + sbits <= 64)
        mode = KEY_PRICE_SEQ;
    else
        mode = KEY_TWO_SORTS;
    unsigned seq_shift = mode == KEY_PRICE_SEQ ? sbits : 0;
    digits bd, ad;
    if (mode == KEY_TWO_SORTS) {
        bd = digits_for(sbits, nb);
        ad = digits_for(sbits, na);
    } else {
        bd = digits_for(bbits + seq_shift, nb);
        ad = digits_for(abits + seq_shift, na);
    }
    uint32_t *bh = hist, *ah = hist + hist_words(n);
    memset(bh, 0, ((size_t)bd.passes << bd.width) * sizeof *bh);
    memset(ah, 0, ((size_t)ad.passes << ad.width) * sizeof *ah);
    elem *bids = elems, *asks = tmp;
    for (size_t j = 0; j < nb; j++) {
        elem *e = &bids[j];
        uint64_t pk = (uint64_t)bid_max - e->key, sk = seqs[e->idx] - seq_min;
        e->key = mode == KEY_TWO_SORTS ? sk : mode == KEY_PRICE ? pk : (pk << seq_shift) | sk;
        hist_add(bh, bd, e->key);
    }
    for (size_t j = 0; j < na; j++) {
        elem *e = &asks[j];
        uint64_t pk = e->key - (uint64_t)ask_min, sk = seqs[e->idx] - seq_min;
        e->key = mode == KEY_TWO_SORTS ? sk : mode == KEY_PRICE ? pk : (pk << seq_shift) | sk;
        hist_add(ah, ad, e->key);
    }
    elem *bids_other = tmp + na, *asks_other = elems + nb;
    elem *bs = radix_sort(bids, bids_other, nb, bd, bh);
    elem *as = radix_sort(asks, asks_other, na, ad, ah);
    if (mode == KEY_TWO_SORTS) {
        /* Now by seq; rekey by price and sort again, stably. */
        bd = digits_for(bbits, nb);
        ad = digits_for(abits, na);
        memset(bh, 0, ((size_t)bd.passes << bd.width) * sizeof *bh);
        memset(ah, 0, ((size_t)ad.passes << ad.width) * sizeof *ah);
        for (size_t i = 0; i < nb; i++) {
            bs[i].key = (uint64_t)(bid_max - orders[bs[i].idx].price_micro_per_kwh);
            hist_add(bh, bd, bs[i].key);
        }
        for (size_t i = 0; i < na; i++) {
            as[i].key = (uint64_t)(orders[as[i].idx].price_micro_per_kwh - ask_min);
            hist_add(ah, ad, as[i].key);
        }
        bs = radix_sort(bs, bs == bids ? bids_other : bids, nb, bd, bh);
        as = radix_sort(as, as == asks ? asks_other : asks, na, ad, ah);
    }
    if (mode != KEY_PRICE) {
        fix_ties(bs, nb, orders, mode == KEY_PRICE_SEQ);
        fix_ties(as, na, orders, mode == KEY_PRICE_SEQ);
    }

    /* Clear. */
    book bk;
    memset(&bk, 0, sizeof bk);
    bk.rem = rem;
    bk.trades = trades;
    bk.trades_cap = n;
    bk.skipped = skipped;
    bk.mechanism = market->mechanism;
    bk.k_ppm = market->k_ppm;
    bk.bid_base = bid_max;
    bk.ask_base = ask_min;
    bk.bid_shift = bk.ask_shift = seq_shift;
    memset(zres, 0, zc * sizeof *zres);
    if (zc == 1) {
        int64_t fee = market->zones_count == 0 ? 0 : market->zones[0].fee_micro_per_kwh;
        zone_walk(&bk, &zres[0], bs, nb, as, na, 0, fee);
    } else {
        tree_walk(&bk, zres, market, zone_of, (uint32_t *)(void *)(base + l.zdepth),
                  (uint32_t *)(void *)(base + l.zup), (uint32_t *)(void *)(base + l.zsb),
                  (uint32_t *)(void *)(base + l.zeb), (uint32_t *)(void *)(base + l.zsa),
                  (uint32_t *)(void *)(base + l.zea), bs, nb, bs == bids ? bids_other : bids, as,
                  na, as == asks ? asks_other : asks);
    }

    /* Totals, from the zones. */
    int64_t volume = 0, amount = 0, fees = 0;
    for (size_t z = 0; z < zc; z++) {
        volume += zres[z].volume_mwh;
        amount += zres[z].amount_micro;
        fees += zres[z].fee_micro;
    }
    __int128 value = bk.value;
    out->trades = trades;
    out->trades_count = bk.trades_count;
    out->unfilled_mwh = rem;
    out->zones = zres;
    out->zones_count = zc;
    out->volume_mwh = volume;
    out->amount_micro = amount;
    out->fee_micro = fees;
    out->price_micro_per_kwh = volume > 0 ? (int64_t)(value / volume) : 0;
    out->retail_mwh = demand - volume;
    out->feed_in_mwh = supply - volume;
    return WT_OK;
}
