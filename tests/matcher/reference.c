/* reference.c — the naive oracle of reference.h: written for clarity, not
 * speed, and independently of matcher.c (no shared helpers but the amount
 * rule). */
#include "reference.h"

#include <stdlib.h>
#include <string.h>

static const wt_order *g_orders; /* qsort has no context argument */

static int priority_cmp(const void *pa, const void *pb)
{
    const wt_order *a = &g_orders[*(const size_t *)pa], *b = &g_orders[*(const size_t *)pb];
    if (a->price_micro_per_kwh != b->price_micro_per_kwh) {
        bool a_first = a->side == WT_SIDE_BUY ? a->price_micro_per_kwh > b->price_micro_per_kwh
                                              : a->price_micro_per_kwh < b->price_micro_per_kwh;
        return a_first ? -1 : 1;
    }
    if (a->seq != b->seq)
        return a->seq < b->seq ? -1 : 1;
    return memcmp(a->id.bytes, b->id.bytes, WT_ORDER_ID_BYTES);
}

static bool in_subtree(const wt_market *m, uint32_t zone, uint32_t top)
{
    if (m->zones_count == 0)
        return true;
    for (uint32_t z = zone;; z = m->zones[z].parent) {
        if (z == top)
            return true;
        if (z == 0)
            return false;
    }
}

static uint32_t depth_of(const wt_market *m, uint32_t z)
{
    uint32_t d = 0;
    while (m->zones_count > 0 && z != 0) {
        z = m->zones[z].parent;
        d++;
    }
    return d;
}

void ref_clear(ref_result *out, const wt_market *m, const wt_order *orders, size_t n)
{
    memset(out, 0, sizeof *out);
    static size_t bids[REF_ORDERS_MAX], asks[REF_ORDERS_MAX];
    size_t nb = 0, na = 0;
    for (size_t i = 0; i < n; i++) {
        out->unfilled_mwh[i] = orders[i].energy_mwh;
        if (orders[i].side == WT_SIDE_BUY)
            bids[nb++] = i;
        else
            asks[na++] = i;
    }
    g_orders = orders;
    qsort(bids, nb, sizeof bids[0], priority_cmp);
    qsort(asks, na, sizeof asks[0], priority_cmp);

    size_t zc = m->zones_count == 0 ? 1 : m->zones_count;
    /* Zones deepest first, then by index. */
    uint32_t order[REF_ZONES_MAX];
    size_t zn = 0;
    uint32_t maxd = 0;
    for (uint32_t z = 0; z < zc; z++)
        if (depth_of(m, z) > maxd)
            maxd = depth_of(m, z);
    for (uint32_t d = maxd + 1; d-- > 0;)
        for (uint32_t z = 0; z < zc; z++)
            if (depth_of(m, z) == d)
                order[zn++] = z;

    for (size_t zi = 0; zi < zn; zi++) {
        uint32_t z = order[zi];
        int64_t fee = m->zones_count == 0 ? 0 : m->zones[z].fee_micro_per_kwh;
        size_t t0 = out->trades_count;
        int64_t max_ask = -1, last_bid = -1;
        for (size_t bi = 0; bi < nb; bi++) {
            size_t b = bids[bi];
            if (out->unfilled_mwh[b] == 0 || !in_subtree(m, orders[b].zone, z))
                continue;
            int64_t bp = orders[b].price_micro_per_kwh - fee;
            if (m->mechanism == WT_MECHANISM_PAY_AS_CLEAR && bp < max_ask)
                break;
            bool traded = false;
            for (size_t ai = 0; ai < na && out->unfilled_mwh[b] > 0; ai++) {
                size_t a = asks[ai];
                if (out->unfilled_mwh[a] == 0 || !in_subtree(m, orders[a].zone, z))
                    continue;
                if (orders[a].price_micro_per_kwh > bp)
                    break;
                if (orders[b].owner != WT_OWNER_UNKNOWN && orders[b].owner == orders[a].owner)
                    continue;
                int64_t e = out->unfilled_mwh[b] < out->unfilled_mwh[a] ? out->unfilled_mwh[b]
                                                                        : out->unfilled_mwh[a];
                wt_trade *t = &out->trades[out->trades_count++];
                memset(t, 0, sizeof *t);
                t->buy = (uint32_t)b;
                t->sell = (uint32_t)a;
                t->zone = z;
                t->energy_mwh = e;
                t->price_micro_per_kwh = bp;
                out->unfilled_mwh[b] -= e;
                out->unfilled_mwh[a] -= e;
                if (orders[a].price_micro_per_kwh > max_ask)
                    max_ask = orders[a].price_micro_per_kwh;
                traded = true;
            }
            if (traded)
                last_bid = bp;
        }
        int64_t price = 0;
        if (m->mechanism == WT_MECHANISM_PAY_AS_CLEAR && out->trades_count > t0)
            price = max_ask + (last_bid - max_ask) * (int64_t)m->k_ppm / 1000000;
        __int128 value = 0;
        int64_t volume = 0;
        for (size_t t = t0; t < out->trades_count; t++) {
            wt_trade *tr = &out->trades[t];
            if (m->mechanism == WT_MECHANISM_PAY_AS_CLEAR)
                tr->price_micro_per_kwh = price;
            wt_amount_micro(&tr->amount_micro, tr->energy_mwh, tr->price_micro_per_kwh);
            wt_amount_micro(&tr->fee_micro, tr->energy_mwh, fee);
            value += (__int128)tr->energy_mwh * tr->price_micro_per_kwh;
            volume += tr->energy_mwh;
        }
        if (m->mechanism == WT_MECHANISM_PAY_AS_BID && volume > 0)
            price = (int64_t)(value / volume);
        out->zone_price[z] = price;
    }
}

/* Max flow by shortest augmenting paths (Edmonds-Karp) on the bipartite
 * graph source -> bid -> ask -> sink; capacities are the energies. */
typedef struct {
    int64_t cap[FLOW_ORDERS_MAX + 2][FLOW_ORDERS_MAX + 2];
    size_t nodes;
} flow_graph;

static int64_t augment(flow_graph *g, size_t source, size_t sink)
{
    size_t prev[FLOW_ORDERS_MAX + 2], queue[FLOW_ORDERS_MAX + 2], head = 0, tail = 0;
    for (size_t v = 0; v < g->nodes; v++)
        prev[v] = SIZE_MAX;
    prev[source] = source;
    queue[tail++] = source;
    while (head < tail && prev[sink] == SIZE_MAX) {
        size_t u = queue[head++];
        for (size_t v = 0; v < g->nodes; v++)
            if (prev[v] == SIZE_MAX && g->cap[u][v] > 0) {
                prev[v] = u;
                queue[tail++] = v;
            }
    }
    if (prev[sink] == SIZE_MAX)
        return 0;
    int64_t got = INT64_MAX;
    for (size_t v = sink; v != source; v = prev[v])
        if (g->cap[prev[v]][v] < got)
            got = g->cap[prev[v]][v];
    for (size_t v = sink; v != source; v = prev[v]) {
        g->cap[prev[v]][v] -= got;
        g->cap[v][prev[v]] += got;
    }
    return got;
}

/* Max flow where bids need price >= lo_bid and asks price <= hi_ask (pairs
 * also need bid >= ask). */
static int64_t flow_between(const wt_order *orders, size_t n, int64_t lo_bid, int64_t hi_ask)
{
    static flow_graph g;
    memset(&g, 0, sizeof g);
    size_t source = n, sink = n + 1;
    g.nodes = n + 2;
    for (size_t i = 0; i < n; i++) {
        if (orders[i].side == WT_SIDE_BUY && orders[i].price_micro_per_kwh >= lo_bid)
            g.cap[source][i] = orders[i].energy_mwh;
        else if (orders[i].side == WT_SIDE_SELL && orders[i].price_micro_per_kwh <= hi_ask)
            g.cap[i][sink] = orders[i].energy_mwh;
    }
    for (size_t b = 0; b < n; b++)
        for (size_t a = 0; a < n; a++)
            if (orders[b].side == WT_SIDE_BUY && orders[a].side == WT_SIDE_SELL &&
                orders[b].price_micro_per_kwh >= orders[a].price_micro_per_kwh &&
                (orders[b].owner == WT_OWNER_UNKNOWN || orders[b].owner != orders[a].owner))
                g.cap[b][a] = INT64_MAX / 4;
    int64_t total = 0;
    for (;;) {
        int64_t got = augment(&g, source, sink);
        if (got == 0)
            return total;
        total += got;
    }
}

int64_t ref_max_volume(const wt_order *orders, size_t n, bool uniform_price)
{
    if (!uniform_price)
        return flow_between(orders, n, INT64_MIN, INT64_MAX);
    int64_t best = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t p = orders[i].price_micro_per_kwh;
        int64_t v = flow_between(orders, n, p, p);
        if (v > best)
            best = v;
    }
    return best;
}
