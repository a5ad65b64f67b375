/* http.c — HTTP/JSON on evhttp with jansson (exact 64-bit integers: money
 * never passes through a double), on its own thread and event loop. Reads go
 * to the node (accounts, orders, the tip) and to a read-only store handle of
 * this thread (transactions, blocks); POST /v1/txs goes through the node. */
#include "daemon.h"

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/thread.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/queue.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define TXS_PER_POST_MAX 1024
#define BLOCKS_LIMIT_MAX 1000
#define BODY_HARD_FACTOR 4 /* libevent refuses bodies beyond this many times the limit */

struct wt_http_server {
    wt_daemon *d;
    struct event_base *base;
    struct evhttp *http;
    wt_store *store; /* read-only, this thread's */
    wt_http_deadlines *deadlines;
    pthread_t thread;
    bool running;
};

/* ------------------------------------------------------------- replies */

static void send_json(struct evhttp_request *req, int status, json_t *body)
{
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    struct evbuffer *out = evbuffer_new();
    if (text != NULL && out != NULL) {
        evbuffer_add(out, text, strlen(text));
        evbuffer_add(out, "\n", 1);
    }
    evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", "application/json");
    evhttp_send_reply(req, status, NULL, out);
    if (out != NULL)
        evbuffer_free(out);
    free(text);
}

static json_t *error_json(wt_err err, const char *message, const char *field)
{
    json_t *e = json_object();
    json_object_set_new(e, "code", json_string(wt_errname(err)));
    json_object_set_new(e, "message", json_string(message != NULL ? message : wt_strerror(err)));
    if (field != NULL)
        json_object_set_new(e, "field", json_string(field));
    return e;
}

void wt_http_send_error(wt_daemon *d, struct evhttp_request *req, int status, wt_err err,
                        const char *message, const char *field)
{
    atomic_fetch_add(&d->metrics.http_errors, 1);
    json_t *body = json_object();
    json_object_set_new(body, "error", error_json(err, message, field));
    send_json(req, status, body);
}

static void send_error(struct wt_http_server *s, struct evhttp_request *req, int status, wt_err err,
                       const char *message, const char *field)
{
    wt_http_send_error(s->d, req, status, err, message, field);
}

static json_t *hex_json(const uint8_t *data, size_t len)
{
    char hex[129];
    WT_ASSERT(len <= 64);
    wt_hex_encode(hex, data, len);
    return json_string(hex);
}

static json_t *address_json(const uint8_t key[32])
{
    char addr[WT_ADDRESS_CHARS + 1];
    wt_address_encode(addr, key);
    return json_string(addr);
}

static const char *query_get(const struct evkeyvalq *q, const char *key)
{
    return q != NULL ? evhttp_find_header(q, key) : NULL;
}

/* A decimal u64 query value: missing gives def; false on a bad one. */
static bool query_u64(uint64_t *out, const struct evkeyvalq *q, const char *key, uint64_t def)
{
    const char *v = query_get(q, key);
    if (v == NULL) {
        *out = def;
        return true;
    }
    if (v[0] < '0' || v[0] > '9' || strlen(v) > 19)
        return false;
    char *end;
    unsigned long long x = strtoull(v, &end, 10);
    if (*end != '\0')
        return false;
    *out = x;
    return true;
}

/* ------------------------------------------------------------ handlers */

static void get_healthz(struct wt_http_server *s, struct evhttp_request *req)
{
    uint64_t height, interval, seq;
    wt_node_tip(s->d->node, &height, &interval, &seq);
    json_t *o = json_object();
    json_object_set_new(o, "status", json_string("ok"));
    json_object_set_new(o, "height", json_integer((json_int_t)height));
    send_json(req, 200, o);
}

static void get_chain(struct wt_http_server *s, struct evhttp_request *req)
{
    const wt_chain_params *p = wt_node_params(s->d->node);
    uint64_t height, interval, seq;
    wt_node_tip(s->d->node, &height, &interval, &seq);
    json_t *o = json_object();
    json_object_set_new(o, "chain_id", json_integer(p->chain_id));
    json_object_set_new(o, "height", json_integer((json_int_t)height));
    json_object_set_new(o, "interval_ms", json_integer(p->interval_ms));
    json_object_set_new(o, "genesis_time_ms", json_integer(p->genesis_time_ms));
    json_object_set_new(o, "next_interval",
                        json_integer((json_int_t)atomic_load(&s->d->next_interval_seen)));
    json_object_set_new(o, "operator", address_json(p->operator_key));
    json_object_set_new(o, "issuer", address_json(p->issuer_key));
    json_object_set_new(o, "utility", address_json(p->utility_key));
    json_t *t = json_object();
    json_object_set_new(t, "retail_micro_per_kwh", json_integer(p->retail_micro_per_kwh));
    json_object_set_new(t, "feed_in_micro_per_kwh", json_integer(p->feed_in_micro_per_kwh));
    json_object_set_new(o, "tariffs", t);
    json_t *zones = json_array();
    for (uint16_t z = 0; z < p->zones_count; z++) {
        json_t *zo = json_object();
        json_object_set_new(zo, "index", json_integer(z));
        json_object_set_new(zo, "name", json_string(p->zones[z].name));
        json_object_set_new(zo, "parent",
                            p->zones[z].parent == WT_CHAIN_ZONE_NONE
                                ? json_null()
                                : json_integer(p->zones[z].parent));
        json_object_set_new(zo, "fee_micro_per_kwh", json_integer(p->zones[z].fee_micro_per_kwh));
        json_array_append_new(zones, zo);
    }
    json_object_set_new(o, "zones", zones);
    json_object_set_new(o, "price_ceiling_micro_per_kwh",
                        json_integer(p->price_ceiling_micro_per_kwh));
    uint8_t mechanism;
    uint32_t k_ppm;
    wt_chain_market(p, &mechanism, &k_ppm);
    json_object_set_new(o, "market",
                        json_pack("{s:s,s:I}", "mechanism",
                                  mechanism == 1 ? "pay-as-bid" : "pay-as-clear", "k_ppm",
                                  (json_int_t)k_ppm));
    send_json(req, 200, o);
}

static void get_account(struct wt_http_server *s, struct evhttp_request *req, const char *text)
{
    uint8_t key[32];
    wt_err err = wt_pubkey_parse_text(key, text);
    if (err != WT_OK) {
        send_error(s, req, 400, err, "the account is not an address or 64 hex digits", "address");
        return;
    }
    wt_account a;
    err = wt_node_account(s->d->node, &a, key);
    if (err != WT_OK && err != WT_ERR_NOT_FOUND) {
        send_error(s, req, 500, err, NULL, NULL);
        return;
    }
    json_t *o = json_object();
    json_object_set_new(o, "address", address_json(key));
    json_object_set_new(o, "balance_micro", json_integer(a.balance_micro));
    json_object_set_new(o, "holds_micro", json_integer(a.holds_micro));
    json_object_set_new(o, "nonce", json_integer((json_int_t)a.nonce));
    json_t *roles = json_array();
    static const struct {
        uint32_t bit;
        const char *name;
    } role_names[] = {{WT_ROLE_ISSUER, "issuer"},
                      {WT_ROLE_UTILITY, "utility"},
                      {WT_ROLE_OPERATOR, "operator"},
                      {WT_ROLE_GATEWAY, "gateway"},
                      {WT_ROLE_MERCHANT, "merchant"}};
    for (size_t i = 0; i < sizeof role_names / sizeof role_names[0]; i++)
        if (a.roles & role_names[i].bit)
            json_array_append_new(roles, json_string(role_names[i].name));
    json_object_set_new(o, "roles", roles);
    char name[WT_MERCHANT_NAME_BYTES_MAX + 1];
    if (wt_acct_index_merchant_name(s->d->accounts, name, key))
        json_object_set_new(o, "merchant_name", json_string(name));
    /* recent transactions: the daemon's index, details from the store */
    wt_acct_tx recent[WT_ACCT_RECENT];
    size_t n = wt_acct_index_recent(s->d->accounts, recent, key);
    json_t *newest_first = json_array();
    /* one read transaction for all of them, not one per row: 2-2.5x the
     * requests per second under load (four A/B runs) */
    bool snapshot = n > 1 && wt_store_snapshot_begin(s->store) == WT_OK;
    for (size_t i = 0; i < n; i++) {
        wt_store_tx_info info;
        wt_err e = wt_store_tx_by_seq(s->store, &info, NULL, 0, recent[i].seq);
        if (e != WT_OK && e != WT_ERR_BUFFER_TOO_SMALL)
            continue;
        json_t *t = json_object();
        json_object_set_new(t, "txid", hex_json(info.txid, 32));
        json_object_set_new(t, "seq", json_integer((json_int_t)info.seq));
        json_object_set_new(t, "height", json_integer((json_int_t)info.height));
        const char *type = wt_tx_type_name(recent[i].type);
        json_object_set_new(t, "type", json_string(type != NULL ? type : "?"));
        json_array_append_new(newest_first, t);
    }
    if (snapshot)
        wt_store_snapshot_end(s->store);
    json_object_set_new(o, "txs", newest_first);
    send_json(req, 200, o);
}

/* GET /v1/accounts/{a}/txs?from_ms&to_ms&limit&before (history.c) */
static void get_account_txs(struct wt_http_server *s, struct evhttp_request *req, const char *text,
                            const struct evkeyvalq *q)
{
    uint8_t key[32];
    wt_err err = wt_pubkey_parse_text(key, text);
    uint64_t from, to, limit, before;
    const char *bad = err != WT_OK ? "address" : NULL, *why = NULL;
    if (bad == NULL && (!query_u64(&from, q, "from_ms", 0) || from > INT64_MAX))
        bad = "from_ms", why = "from_ms is Unix time in ms, 0 .. 2^63-1";
    if (bad == NULL && (!query_u64(&to, q, "to_ms", INT64_MAX) || to > INT64_MAX || to <= from))
        bad = "to_ms", why = "to_ms is Unix time in ms, after from_ms (it is exclusive)";
    if (bad == NULL &&
        (!query_u64(&limit, q, "limit", 100) || limit == 0 || limit > WT_ACCT_HISTORY_LIMIT))
        bad = "limit", why = "limit is 1 .. 1000 (default 100)";
    if (bad == NULL &&
        (!query_u64(&before, q, "before", 0) || (before == 0 && query_get(q, "before") != NULL)))
        bad = "before", why = "before is a seq >= 1 (a page's next_before)";
    if (bad != NULL) {
        send_error(s, req, 400, err != WT_OK ? err : WT_ERR_BAD_NUMBER,
                   why != NULL ? why : "the account is not an address or 64 hex digits", bad);
        return;
    }
    wt_acct_query aq = {.before_seq = before, .from_ms = (int64_t)from, .to_ms = (int64_t)to};
    json_t *body = wt_acct_history_json(s->d->accounts, s->store, &err, key, &aq, (size_t)limit);
    if (body == NULL)
        send_error(s, req, err == WT_ERR_NO_MEMORY ? 503 : 500, err,
                   err == WT_ERR_NO_MEMORY
                       ? "the account history index ran out of memory (a restart rebuilds it)"
                       : NULL,
                   NULL);
    else
        send_json(req, 200, body);
}

static json_t *tx_json(const uint8_t *raw, size_t raw_len, const uint8_t txid[32])
{
    wt_tx tx;
    const char *field;
    if (wt_tx_decode(&tx, &field, raw, raw_len) != WT_OK)
        return json_null();
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (f == NULL)
        return json_null();
    wt_err err = wt_tx_print_json(f, &tx, txid, -1);
    fclose(f);
    json_t *o = err == WT_OK ? json_loadb(buf, len, 0, NULL) : NULL;
    free(buf);
    return o != NULL ? o : json_null();
}

static void get_tx(struct wt_http_server *s, struct evhttp_request *req, const char *text)
{
    uint8_t txid[32];
    if (strlen(text) != 64 || wt_hex_decode(txid, 32, text) != WT_OK) {
        send_error(s, req, 400, WT_ERR_BAD_HEX, "a txid is 64 hex digits", "txid");
        return;
    }
    json_t *o = json_object();
    json_object_set_new(o, "txid", hex_json(txid, 32));
    wt_store_tx_info info;
    /* learn the length first: a transaction can be large (a SETTLE) */
    wt_err err = wt_store_tx_by_txid(s->store, &info, NULL, 0, txid);
    uint8_t *raw = NULL;
    if (err == WT_ERR_BUFFER_TOO_SMALL || (err == WT_OK && info.raw_len > 0)) {
        raw = malloc(info.raw_len);
        err = raw == NULL ? WT_ERR_NO_MEMORY
                          : wt_store_tx_by_txid(s->store, &info, raw, info.raw_len, txid);
    }
    if (err == WT_OK) {
        json_object_set_new(o, "status", json_string("committed"));
        json_object_set_new(o, "seq", json_integer((json_int_t)info.seq));
        json_object_set_new(o, "height", json_integer((json_int_t)info.height));
        json_object_set_new(o, "tx", tx_json(raw, info.raw_len, txid));
        free(raw);
        send_json(req, 200, o);
        return;
    }
    free(raw);
    if (err != WT_ERR_NOT_FOUND) {
        json_decref(o);
        send_error(s, req, 500, err, NULL, NULL);
        return;
    }
    wt_rejected_entry e;
    if (wt_daemon_rejected_find(s->d, &e, txid)) {
        json_object_set_new(o, "status", json_string("rejected"));
        json_object_set_new(o, "error", error_json(e.err, NULL, e.field));
    } else {
        json_object_set_new(o, "status", json_string("unknown"));
    }
    send_json(req, 200, o);
}

static wt_err block_json(struct wt_http_server *s, json_t **out, uint64_t height)
{
    *out = NULL;
    uint8_t hash[32], bytes[WT_STORE_HEADER_BYTES_MAX];
    size_t len = 0;
    wt_err err = wt_store_block_get(s->store, hash, bytes, sizeof bytes, &len, height);
    wt_block_header h;
    if (err == WT_OK)
        err = wt_block_header_decode(&h, bytes, len);
    if (err == WT_OK)
        *out = wt_json_block(&h);
    return err;
}

static void get_block(struct wt_http_server *s, struct evhttp_request *req, const char *text)
{
    char *end;
    if (text[0] < '0' || text[0] > '9' || strlen(text) > 19) {
        send_error(s, req, 400, WT_ERR_BAD_NUMBER, "a block height is a decimal number", "height");
        return;
    }
    unsigned long long height = strtoull(text, &end, 10);
    if (*end != '\0') {
        send_error(s, req, 400, WT_ERR_BAD_NUMBER, "a block height is a decimal number", "height");
        return;
    }
    json_t *o;
    wt_err err = block_json(s, &o, height);
    if (err == WT_ERR_NOT_FOUND)
        send_error(s, req, 404, err, "no block at that height", NULL);
    else if (err != WT_OK)
        send_error(s, req, 500, err, NULL, NULL);
    else
        send_json(req, 200, o);
}

static void get_blocks(struct wt_http_server *s, struct evhttp_request *req,
                       const struct evkeyvalq *q)
{
    uint64_t from, limit;
    if (!query_u64(&from, q, "from", 0) || !query_u64(&limit, q, "limit", 20) || limit == 0 ||
        limit > BLOCKS_LIMIT_MAX) {
        send_error(s, req, 400, WT_ERR_BAD_NUMBER, "from is a height, limit 1..1000", NULL);
        return;
    }
    json_t *list = json_array();
    for (uint64_t h = from; h - from < limit; h++) {
        json_t *o;
        wt_err err = block_json(s, &o, h);
        if (err != WT_OK)
            break;
        json_array_append_new(list, o);
    }
    json_t *body = json_object();
    json_object_set_new(body, "blocks", list);
    send_json(req, 200, body);
}

#define BOOK_LEVELS_MAX 4096

typedef struct {
    int64_t price, energy;
} level;

typedef struct {
    uint16_t zone;
    uint64_t interval;
    level bids[BOOK_LEVELS_MAX], asks[BOOK_LEVELS_MAX];
    size_t bids_count, asks_count;
    bool overflow;
} book_ctx;

static bool book_visit(void *arg, const wt_open_order *o)
{
    book_ctx *b = arg;
    if (o->zone != b->zone || o->interval != b->interval)
        return true;
    level *levels = o->side == WT_TX_SIDE_BUY ? b->bids : b->asks;
    size_t *count = o->side == WT_TX_SIDE_BUY ? &b->bids_count : &b->asks_count;
    for (size_t i = 0; i < *count; i++)
        if (levels[i].price == o->price_micro_per_kwh) {
            if (wt_add_i64(&levels[i].energy, levels[i].energy, o->energy_mwh) != WT_OK)
                b->overflow = true;
            return true;
        }
    if (*count == BOOK_LEVELS_MAX) {
        b->overflow = true;
        return true;
    }
    levels[(*count)++] = (level){o->price_micro_per_kwh, o->energy_mwh};
    return true;
}

static int by_price_desc(const void *a, const void *b)
{
    int64_t x = ((const level *)a)->price, y = ((const level *)b)->price;
    return (x < y) - (x > y);
}

static int by_price_asc(const void *a, const void *b)
{
    return -by_price_desc(a, b);
}

static json_t *levels_json(const level *levels, size_t count)
{
    json_t *a = json_array();
    for (size_t i = 0; i < count; i++) {
        json_t *o = json_object();
        json_object_set_new(o, "price_micro_per_kwh", json_integer(levels[i].price));
        json_object_set_new(o, "energy_mwh", json_integer(levels[i].energy));
        json_array_append_new(a, o);
    }
    return a;
}

/* zone by name or index */
static bool zone_parse(uint16_t *zone, const wt_chain_params *p, const char *text)
{
    *zone = wt_chain_zone_find(p, text);
    if (*zone != WT_CHAIN_ZONE_NONE)
        return true;
    char *end;
    if (text[0] < '0' || text[0] > '9')
        return false;
    unsigned long v = strtoul(text, &end, 10);
    if (*end != '\0' || v >= p->zones_count)
        return false;
    *zone = (uint16_t)v;
    return true;
}

static void get_book(struct wt_http_server *s, struct evhttp_request *req, const char *zone_text,
                     const struct evkeyvalq *q)
{
    const wt_chain_params *p = wt_node_params(s->d->node);
    book_ctx *b = calloc(1, sizeof *b);
    if (b == NULL) {
        send_error(s, req, 503, WT_ERR_NO_MEMORY, NULL, NULL);
        return;
    }
    if (!zone_parse(&b->zone, p, zone_text)) {
        free(b);
        send_error(s, req, 404, WT_ERR_UNKNOWN_ZONE, NULL, "zone");
        return;
    }
    if (!query_u64(&b->interval, q, "interval", atomic_load(&s->d->next_interval_seen))) {
        free(b);
        send_error(s, req, 400, WT_ERR_BAD_NUMBER, "interval is a decimal number", "interval");
        return;
    }
    wt_node_orders_each(s->d->node, book_visit, b);
    qsort(b->bids, b->bids_count, sizeof b->bids[0], by_price_desc);
    qsort(b->asks, b->asks_count, sizeof b->asks[0], by_price_asc);
    json_t *o = json_object();
    json_object_set_new(o, "zone", json_string(p->zones[b->zone].name));
    json_object_set_new(o, "interval", json_integer((json_int_t)b->interval));
    json_object_set_new(o, "bids", levels_json(b->bids, b->bids_count));
    json_object_set_new(o, "asks", levels_json(b->asks, b->asks_count));
    if (b->overflow)
        json_object_set_new(o, "truncated", json_true());
    free(b);
    send_json(req, 200, o);
}

/* ------------------------------------------------------------ settlements */

/* The kept settlement of interval n, or NULL; call under settlements_lock. */
static const wt_settlement *kept(wt_daemon *d, uint64_t n)
{
    const wt_settlement *st = d->settlements[n % WT_SETTLEMENTS_KEPT];
    return st != NULL && st->interval == n ? st : NULL;
}

static uint64_t newest_kept(wt_daemon *d)
{
    uint64_t newest = 0;
    for (size_t i = 0; i < WT_SETTLEMENTS_KEPT; i++)
        if (d->settlements[i] != NULL && d->settlements[i]->interval > newest)
            newest = d->settlements[i]->interval;
    return newest;
}

static void get_clearings(struct wt_http_server *s, struct evhttp_request *req,
                          const char *zone_text, const struct evkeyvalq *q)
{
    const wt_chain_params *p = wt_node_params(s->d->node);
    uint16_t zone;
    if (!zone_parse(&zone, p, zone_text)) {
        send_error(s, req, 404, WT_ERR_UNKNOWN_ZONE, NULL, "zone");
        return;
    }
    uint64_t limit;
    if (!query_u64(&limit, q, "limit", 20) || limit == 0 || limit > WT_SETTLEMENTS_KEPT) {
        send_error(s, req, 400, WT_ERR_BAD_NUMBER, "limit is 1..1024", "limit");
        return;
    }
    json_t *list = json_array();
    pthread_mutex_lock(&s->d->settlements_lock);
    uint64_t n = newest_kept(s->d);
    for (size_t k = 0; k < WT_SETTLEMENTS_KEPT && json_array_size(list) < limit; k++, n--) {
        const wt_settlement *st = kept(s->d, n);
        if (st != NULL && zone < st->zones_count) {
            json_t *o = json_object();
            json_object_set_new(o, "interval", json_integer((json_int_t)n));
            json_object_set_new(o, "price_micro_per_kwh",
                                json_integer(st->zones[zone].price_micro_per_kwh));
            json_object_set_new(o, "volume_mwh", json_integer(st->zones[zone].volume_mwh));
            json_object_set_new(o, "trades",
                                json_integer((json_int_t)st->zones[zone].trades_count));
            json_array_append_new(list, o);
        }
        if (n == 0)
            break;
    }
    pthread_mutex_unlock(&s->d->settlements_lock);
    json_t *o = json_object();
    json_object_set_new(o, "zone", json_string(p->zones[zone].name));
    json_object_set_new(o, "clearings", list);
    send_json(req, 200, o);
}

json_t *wt_json_settle_row(const wt_chain_params *p, const wt_settle_row *r)
{
    json_t *ro = json_object();
    json_object_set_new(ro, "account", address_json(r->account));
    json_object_set_new(ro, "zone",
                        json_string(r->zone < p->zones_count ? p->zones[r->zone].name : "?"));
#define ROW(f) json_object_set_new(ro, #f, json_integer(r->f))
    ROW(import_mwh);
    ROW(export_mwh);
    ROW(bought_p2p_mwh);
    ROW(sold_p2p_mwh);
    ROW(paid_p2p_micro);
    ROW(received_p2p_micro);
    ROW(grid_fee_micro);
    ROW(retail_mwh);
    ROW(retail_micro);
    ROW(feed_in_mwh);
    ROW(feed_in_micro);
    ROW(net_micro);
    ROW(bid_cut_mwh);
    ROW(retail_unpaid_micro);
    ROW(feed_in_unpaid_micro);
#undef ROW
    return ro;
}

static json_t *settlement_json(const wt_chain_params *p, const wt_settlement *st)
{
    json_t *o = json_object();
    json_object_set_new(o, "interval", json_integer((json_int_t)st->interval));
    json_object_set_new(o, "inputs_hash", hex_json(st->inputs_hash, 32));
    json_object_set_new(o, "legs", json_integer(st->legs_count));
    json_object_set_new(o, "price_micro_per_kwh", json_integer(st->price_micro_per_kwh));
    json_object_set_new(o, "volume_mwh", json_integer(st->volume_mwh));
    json_object_set_new(o, "amount_micro", json_integer(st->amount_micro));
    json_object_set_new(o, "fee_micro", json_integer(st->fee_micro));
    json_object_set_new(o, "retail_mwh", json_integer(st->retail_mwh));
    json_object_set_new(o, "retail_micro", json_integer(st->retail_micro));
    json_object_set_new(o, "feed_in_mwh", json_integer(st->feed_in_mwh));
    json_object_set_new(o, "feed_in_micro", json_integer(st->feed_in_micro));
    json_object_set_new(o, "unpaid_micro", json_integer(st->unpaid_micro));
    json_t *rows = json_array();
    for (size_t i = 0; i < st->rows_count; i++)
        json_array_append_new(rows, wt_json_settle_row(p, &st->rows[i]));
    json_object_set_new(o, "rows", rows);
    return o;
}

/* Append st's rows as CSV (with the header when asked). */
static bool settlement_csv(struct evbuffer *out, const wt_chain_params *p, const wt_settlement *st,
                           bool header)
{
    size_t need = wt_settle_rows_csv(NULL, 0, p, st->rows, st->rows_count, header, false);
    char *text = malloc(need + 1);
    if (text == NULL)
        return false;
    wt_settle_rows_csv(text, need + 1, p, st->rows, st->rows_count, header, false);
    evbuffer_add(out, text, need);
    free(text);
    return true;
}

static void get_settlements(struct wt_http_server *s, struct evhttp_request *req,
                            const char *interval_text, const struct evkeyvalq *q)
{
    const wt_chain_params *p = wt_node_params(s->d->node);
    const char *format = query_get(q, "format");
    bool csv = format != NULL && strcmp(format, "csv") == 0;
    if (format != NULL && !csv && strcmp(format, "json") != 0) {
        send_error(s, req, 400, WT_ERR_BAD_REQUEST, "format is json or csv", "format");
        return;
    }
    uint64_t from, to;
    if (interval_text != NULL) {
        char *end;
        if (interval_text[0] < '0' || interval_text[0] > '9' || strlen(interval_text) > 19 ||
            (from = strtoull(interval_text, &end, 10), *end != '\0')) {
            send_error(s, req, 400, WT_ERR_BAD_NUMBER, "an interval is a decimal number",
                       "interval");
            return;
        }
        to = from;
    } else if (!query_u64(&from, q, "from", UINT64_MAX) || !query_u64(&to, q, "to", UINT64_MAX) ||
               from == UINT64_MAX || to == UINT64_MAX || to < from ||
               to - from >= WT_SETTLEMENTS_KEPT) {
        send_error(s, req, 400, WT_ERR_BAD_NUMBER,
                   "from and to are intervals, from <= to, at most 1024 of them", NULL);
        return;
    }
    struct evbuffer *out = evbuffer_new();
    json_t *list = json_array();
    json_t *single = NULL;
    bool ok = out != NULL, header = true;
    size_t found = 0;
    pthread_mutex_lock(&s->d->settlements_lock);
    for (uint64_t n = from; ok; n++) {
        const wt_settlement *st = kept(s->d, n);
        if (st != NULL) {
            found++;
            if (csv) {
                ok = settlement_csv(out, p, st, header);
                header = false;
            } else if (interval_text != NULL) {
                single = settlement_json(p, st);
            } else {
                json_array_append_new(list, settlement_json(p, st));
            }
        }
        if (n == to)
            break;
    }
    pthread_mutex_unlock(&s->d->settlements_lock);
    if (!ok) {
        send_error(s, req, 503, WT_ERR_NO_MEMORY, NULL, NULL);
    } else if (interval_text != NULL && found == 0) {
        send_error(s, req, 404, WT_ERR_NOT_FOUND,
                   "that interval is not settled yet, or its settlement is no longer kept "
                   "(the last 1024 settled since the daemon started are; `wattle settlements "
                   "--db ledger.db --from N --to N` recomputes any from the ledger)",
                   NULL);
    } else if (csv) {
        if (header) /* nothing kept in range: the header alone */
            evbuffer_add(out, WT_SETTLE_CSV_HEADER "\n", strlen(WT_SETTLE_CSV_HEADER) + 1);
        evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
                          "text/csv; charset=utf-8");
        evhttp_send_reply(req, 200, NULL, out);
    } else if (single != NULL) {
        send_json(req, 200, single);
        single = NULL;
    } else {
        json_t *o = json_object();
        json_object_set_new(o, "settlements", list);
        list = NULL;
        send_json(req, 200, o);
    }
    json_decref(list);
    json_decref(single);
    if (out != NULL)
        evbuffer_free(out);
}

/* ------------------------------------------------ shared with dashboard.c */

void wt_http_send_json(struct evhttp_request *req, int status, json_t *body)
{
    send_json(req, status, body);
}

bool wt_http_query_u64(uint64_t *out, const struct evkeyvalq *q, const char *key, uint64_t def)
{
    return query_u64(out, q, key, def);
}

json_t *wt_json_address(const uint8_t key[32])
{
    return address_json(key);
}

json_t *wt_json_hex(const uint8_t *data, size_t len)
{
    return hex_json(data, len);
}

json_t *wt_json_tx(const uint8_t *raw, size_t raw_len, const uint8_t txid[32])
{
    return tx_json(raw, raw_len, txid);
}

const wt_settlement *wt_daemon_settlement_kept(wt_daemon *d, uint64_t interval)
{
    return kept(d, interval);
}

uint64_t wt_daemon_settlement_newest(wt_daemon *d)
{
    return newest_kept(d);
}

static void append_histogram(struct evbuffer *out, const char *name, const char *help,
                             _Atomic uint64_t *buckets, _Atomic uint64_t *count,
                             _Atomic uint64_t *sum_us)
{
    static const char *const le[WT_METRICS_LATENCY_BUCKETS] = {"0.0005", "0.001", "0.002", "0.005",
                                                               "0.01",   "0.025", "0.05",  "0.1",
                                                               "0.25",   "0.5",   "1",     "2.5"};
    evbuffer_add_printf(out, "# HELP %s %s\n# TYPE %s histogram\n", name, help, name);
    uint64_t cum = 0;
    for (size_t i = 0; i < WT_METRICS_LATENCY_BUCKETS; i++) {
        cum += atomic_load(&buckets[i]);
        evbuffer_add_printf(out, "%s_bucket{le=\"%s\"} %llu\n", name, le[i],
                            (unsigned long long)cum);
    }
    cum += atomic_load(&buckets[WT_METRICS_LATENCY_BUCKETS]);
    uint64_t us = atomic_load(sum_us);
    evbuffer_add_printf(out, "%s_bucket{le=\"+Inf\"} %llu\n%s_sum %llu.%06llu\n%s_count %llu\n",
                        name, (unsigned long long)cum, name, (unsigned long long)(us / 1000000),
                        (unsigned long long)(us % 1000000), name,
                        (unsigned long long)atomic_load(count));
}

static void get_metrics(struct wt_http_server *s, struct evhttp_request *req)
{
    wt_metrics *m = &s->d->metrics;
    struct evbuffer *out = evbuffer_new();
    if (out == NULL) {
        send_error(s, req, 503, WT_ERR_NO_MEMORY, NULL, NULL);
        return;
    }
    evbuffer_add_printf(out,
                        "# HELP wattle_txs_accepted_total Transactions committed.\n"
                        "# TYPE wattle_txs_accepted_total counter\n"
                        "wattle_txs_accepted_total %llu\n"
                        "# HELP wattle_txs_duplicate_total Resubmissions of committed "
                        "transactions.\n"
                        "# TYPE wattle_txs_duplicate_total counter\n"
                        "wattle_txs_duplicate_total %llu\n"
                        "# HELP wattle_txs_rejected_total Transactions rejected, by reason.\n"
                        "# TYPE wattle_txs_rejected_total counter\n",
                        (unsigned long long)atomic_load(&m->accepted),
                        (unsigned long long)atomic_load(&m->duplicates));
    for (int e = 0; e < WT_ERR_COUNT_; e++) {
        uint64_t n = atomic_load(&m->rejected[e]);
        if (n > 0)
            evbuffer_add_printf(out, "wattle_txs_rejected_total{reason=\"%s\"} %llu\n",
                                wt_errname((wt_err)e), (unsigned long long)n);
    }
    append_histogram(out, "wattle_commit_latency_seconds",
                     "Time from submission to durable result.", m->commit_buckets, &m->commit_count,
                     &m->commit_sum_us);
    append_histogram(out, "wattle_clearing_latency_seconds",
                     "Time to settle an interval (book, clearing, SETTLE commit).",
                     m->settle_buckets, &m->settle_count, &m->settle_sum_us);
    append_histogram(out, "wattle_seal_latency_seconds", "Time to close an interval's block.",
                     m->seal_buckets, &m->seal_count, &m->seal_sum_us);
    uint64_t height, interval, seq;
    wt_node_tip(s->d->node, &height, &interval, &seq);
    uint64_t next = atomic_load(&s->d->next_interval_seen);
    uint64_t lag = wt_interval_due(s->d->clock(s->d->clock_arg),
                                   wt_node_params(s->d->node)->interval_ms, next);
    evbuffer_add_printf(
        out,
        "# HELP wattle_height Height of the last sealed block.\n# TYPE wattle_height gauge\n"
        "wattle_height %llu\n"
        "# HELP wattle_ledger_seq Transactions in the ledger.\n# TYPE wattle_ledger_seq gauge\n"
        "wattle_ledger_seq %llu\n"
        "# HELP wattle_interval_lag Intervals that have ended but are not yet closed.\n"
        "# TYPE wattle_interval_lag gauge\nwattle_interval_lag %llu\n"
        "# HELP wattle_intervals_closed_total Intervals closed.\n"
        "# TYPE wattle_intervals_closed_total counter\nwattle_intervals_closed_total %llu\n"
        "# HELP wattle_intervals_late_total Intervals closed late, catching up.\n"
        "# TYPE wattle_intervals_late_total counter\nwattle_intervals_late_total %llu\n"
        "# HELP wattle_settlements_failed_total Settlement attempts that failed (retried).\n"
        "# TYPE wattle_settlements_failed_total counter\nwattle_settlements_failed_total %llu\n"
        "# TYPE wattle_http_requests_total counter\nwattle_http_requests_total %llu\n"
        "# TYPE wattle_http_errors_total counter\nwattle_http_errors_total %llu\n"
        "# TYPE wattle_nng_requests_total counter\nwattle_nng_requests_total %llu\n"
        "# TYPE wattle_nng_bad_requests_total counter\nwattle_nng_bad_requests_total %llu\n",
        (unsigned long long)height, (unsigned long long)seq, (unsigned long long)lag,
        (unsigned long long)atomic_load(&m->intervals_closed),
        (unsigned long long)atomic_load(&m->intervals_caught_up),
        (unsigned long long)atomic_load(&m->settlements_failed),
        (unsigned long long)atomic_load(&m->http_requests),
        (unsigned long long)atomic_load(&m->http_errors),
        (unsigned long long)atomic_load(&m->nng_requests),
        (unsigned long long)atomic_load(&m->nng_bad_requests));
    evbuffer_add_printf(out,
                        "# HELP wattle_http_slow_closed_total Connections closed because their "
                        "request did not arrive whole within the timeout.\n"
                        "# TYPE wattle_http_slow_closed_total counter\n"
                        "wattle_http_slow_closed_total %llu\n"
                        "# HELP wattle_nng_idle_closed_total nng connections closed after "
                        "delivering no complete request for [nng] idle_timeout_s.\n"
                        "# TYPE wattle_nng_idle_closed_total counter\n"
                        "wattle_nng_idle_closed_total %llu\n",
                        (unsigned long long)atomic_load(&m->http_slow_closed),
                        (unsigned long long)atomic_load(&m->nng_idle_closed));
    evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
                      "text/plain; version=0.0.4");
    evhttp_send_reply(req, 200, NULL, out);
    evbuffer_free(out);
}

static void post_txs(struct wt_http_server *s, struct evhttp_request *req)
{
    struct evbuffer *in = evhttp_request_get_input_buffer(req);
    size_t len = evbuffer_get_length(in);
    if (len > s->d->cfg.http_body_max) {
        send_error(s, req, 413, WT_ERR_TOO_LARGE, "the body is larger than allowed", NULL);
        return;
    }
    const char *body = len > 0 ? (const char *)evbuffer_pullup(in, (ssize_t)len) : "";
    wt_http_txs t;
    if (wt_http_txs_parse(&t, body, len, TXS_PER_POST_MAX) != WT_OK) {
        send_error(s, req, t.status, t.err, t.message, t.field[0] != '\0' ? t.field : NULL);
        return;
    }
    size_t count = t.count;
    wt_submit_result *results = calloc(count, sizeof *results);
    wt_err err =
        results == NULL ? WT_ERR_NO_MEMORY : wt_daemon_submit(s->d, results, t.raws, t.lens, count);
    if (err != WT_OK) {
        send_error(s, req, 503, err, NULL, NULL); /* no memory, or stopping */
    } else {
        json_t *list = json_array();
        for (size_t i = 0; i < count; i++) {
            const wt_submit_result *r = &results[i];
            json_t *o = json_object();
            json_object_set_new(o, "txid", hex_json(r->txid, 32));
            json_object_set_new(o, "status",
                                json_string(r->err == WT_OK ? "committed" : "rejected"));
            json_object_set_new(o, "duplicate", json_boolean(r->duplicate));
            json_object_set_new(o, "seq", json_integer((json_int_t)r->seq));
            json_object_set_new(o, "height", json_integer((json_int_t)r->height));
            if (r->err != WT_OK)
                json_object_set_new(o, "error", error_json(r->err, NULL, r->field));
            json_array_append_new(list, o);
        }
        json_t *out = json_object();
        json_object_set_new(out, "results", list);
        send_json(req, 200, out);
    }
    wt_http_txs_free(&t);
    free(results);
}

/* ---------------------------------------------------------------- router */

/* path = prefix + one segment (no further '/'): the segment, else NULL */
static const char *segment_after(const char *path, const char *prefix)
{
    size_t n = strlen(prefix);
    if (strncmp(path, prefix, n) != 0 || path[n] == '\0' || strchr(path + n, '/') != NULL)
        return NULL;
    return path + n;
}

static void route(struct evhttp_request *req, void *arg)
{
    struct wt_http_server *s = arg;
    wt_http_deadlines_request(s->deadlines, req);
    atomic_fetch_add(&s->d->metrics.http_requests, 1);
    enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
    const char *raw_path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
    char *path = raw_path != NULL ? evhttp_uridecode(raw_path, 0, NULL) : NULL;
    if (path == NULL) {
        send_error(s, req, 400, WT_ERR_BAD_REQUEST, "the request URI is malformed", NULL);
        return;
    }
    if (wt_http_path_is_admin(path, cmd == EVHTTP_REQ_GET || cmd == EVHTTP_REQ_HEAD) &&
        !wt_http_addr_is_loopback(evhttp_connection_get_addr(evhttp_request_get_connection(req)))) {
        free(path); /* a listener beyond loopback serves the public paths only */
        send_error(s, req, 403, WT_ERR_FORBIDDEN, NULL, NULL);
        return;
    }
    const char *query = evhttp_uri_get_query(uri);
    struct evkeyvalq q;
    TAILQ_INIT(&q);
    if (query != NULL && evhttp_parse_query_str(query, &q) != 0) {
        free(path);
        send_error(s, req, 400, WT_ERR_BAD_REQUEST, "the query string is malformed", NULL);
        return;
    }
    bool get = cmd == EVHTTP_REQ_GET || cmd == EVHTTP_REQ_HEAD;
    const char *seg;
    char zone[WT_ZONE_NAME_BYTES_MAX + 8];
    char account[80]; /* an address (61) or 64 hex digits */
    bool known = true, allowed = get;
    if (strcmp(path, "/v1/txs") == 0) {
        allowed = cmd == EVHTTP_REQ_POST || get;
        if (cmd == EVHTTP_REQ_POST)
            post_txs(s, req);
        else if (get)
            wt_dash_get_txs(s->d, s->store, req, &q);
    } else if (strcmp(path, "/healthz") == 0) {
        if (get)
            get_healthz(s, req);
    } else if (strcmp(path, "/metrics") == 0) {
        if (get)
            get_metrics(s, req);
    } else if (strcmp(path, "/v1/chain") == 0) {
        if (get)
            get_chain(s, req);
    } else if ((seg = segment_after(path, "/v1/accounts/")) != NULL) {
        if (get)
            get_account(s, req, seg);
    } else if (strncmp(path, "/v1/accounts/", 13) == 0 && (seg = strchr(path + 13, '/')) &&
               strcmp(seg, "/txs") == 0) {
        /* longer than any address: cut, so it is refused as one */
        snprintf(account, sizeof account, "%.*s", (int)(seg - (path + 13)), path + 13);
        if (get)
            get_account_txs(s, req, account, &q);
    } else if ((seg = segment_after(path, "/v1/txs/")) != NULL) {
        if (get)
            get_tx(s, req, seg);
    } else if (strcmp(path, "/v1/blocks") == 0) {
        if (get)
            get_blocks(s, req, &q);
    } else if ((seg = segment_after(path, "/v1/blocks/")) != NULL) {
        if (get)
            get_block(s, req, seg);
    } else if (strncmp(path, "/v1/markets/", 12) == 0 && strchr(path + 12, '/') != NULL &&
               (size_t)(strchr(path + 12, '/') - (path + 12)) < sizeof zone) {
        const char *slash = strchr(path + 12, '/');
        memcpy(zone, path + 12, (size_t)(slash - (path + 12)));
        zone[slash - (path + 12)] = '\0';
        if (strcmp(slash, "/book") == 0) {
            if (get)
                get_book(s, req, zone, &q);
        } else if (strcmp(slash, "/clearings") == 0) {
            if (get)
                get_clearings(s, req, zone, &q);
        } else {
            known = false;
        }
    } else if (strcmp(path, "/v1/settlements") == 0) {
        if (get)
            get_settlements(s, req, NULL, &q);
    } else if ((seg = segment_after(path, "/v1/settlements/")) != NULL) {
        if (get)
            get_settlements(s, req, seg, &q);
    } else if (wt_dash_route(s->d, req, path, &q)) {
        allowed = true; /* dashboard.c answered, a 405 included */
    } else {
        known = false;
    }
    if (!known)
        send_error(s, req, 404, WT_ERR_NOT_FOUND, "no such endpoint", NULL);
    else if (!allowed) {
        evhttp_add_header(evhttp_request_get_output_headers(req), "Allow",
                          strcmp(path, "/v1/txs") == 0 ? "GET, HEAD, POST" : "GET, HEAD");
        send_error(s, req, 405, WT_ERR_METHOD_NOT_ALLOWED, NULL, NULL);
    }
    evhttp_clear_headers(&q);
    free(path);
}

/* ------------------------------------------------------------ lifecycle */

/* Several threads, each with its own event loop, evhttp and read-only store
 * handle, accept on one listening socket: a POST waits for its durable
 * result on its thread while the others keep serving, and concurrent POSTs
 * meet in one group commit. */
struct wt_http_pool {
    evutil_socket_t fd;
    struct wt_http_server *servers;
    uint32_t count;
};

static void *http_main(void *arg)
{
    struct wt_http_server *s = arg;
    event_base_dispatch(s->base);
    return NULL;
}

static wt_err server_init(struct wt_http_server *s, wt_daemon *d, evutil_socket_t fd)
{
    s->d = d;
    wt_store_opts so = {.read_only = true, .cache_kib = 8 * 1024};
    wt_err err = wt_store_open(&s->store, d->store_path, &so);
    if (err != WT_OK)
        return err;
    s->base = event_base_new();
    s->http = s->base != NULL ? evhttp_new(s->base) : NULL;
    if (s->http == NULL)
        return WT_ERR_NO_MEMORY;
    evhttp_set_max_body_size(s->http, (ev_ssize_t)d->cfg.http_body_max * BODY_HARD_FACTOR);
    evhttp_set_max_headers_size(s->http, (ev_ssize_t)d->cfg.http_headers_max);
    evhttp_set_timeout(s->http, (int)d->cfg.http_timeout_s);
    evhttp_set_allowed_methods(s->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST |
                                            EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE | EVHTTP_REQ_PATCH |
                                            EVHTTP_REQ_OPTIONS);
    evhttp_set_gencb(s->http, route, s);
    s->deadlines = wt_http_deadlines_install(s->http, s->base, d->cfg.http_timeout_s,
                                             &d->metrics.http_slow_closed);
    if (s->deadlines == NULL)
        return WT_ERR_NO_MEMORY;
    if (evhttp_accept_socket(s->http, fd) != 0)
        return WT_ERR_UNAVAILABLE;
    if (pthread_create(&s->thread, NULL, http_main, s) != 0)
        return WT_ERR_NO_MEMORY;
    s->running = true;
    return WT_OK;
}

wt_err wt_http_start(wt_daemon *d)
{
    struct wt_http_pool *pool = calloc(1, sizeof *pool);
    if (pool == NULL)
        return WT_ERR_NO_MEMORY;
    pool->fd = -1;
    d->http = pool;
    if (evthread_use_pthreads() != 0)
        return WT_ERR_INTERNAL;
    /* HOST:PORT or [V6]:PORT */
    struct sockaddr_storage ss;
    int ss_len = (int)sizeof ss;
    if (evutil_parse_sockaddr_port(d->cfg.http_addr, (struct sockaddr *)&ss, &ss_len) != 0 ||
        (ss.ss_family == AF_INET && ((struct sockaddr_in *)&ss)->sin_port == 0 &&
         strstr(d->cfg.http_addr, ":0") == NULL)) {
        wt_log(WT_LOG_ERROR, "http", "--http '%s' is not HOST:PORT", d->cfg.http_addr);
        return WT_ERR_INVALID_ARGUMENT;
    }
    pool->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    if (pool->fd < 0 || setsockopt(pool->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(pool->fd, (struct sockaddr *)&ss, (socklen_t)ss_len) != 0 ||
        listen(pool->fd, 512) != 0 || evutil_make_socket_nonblocking(pool->fd) != 0) {
        wt_log(WT_LOG_ERROR, "http", "cannot listen on %s: %s", d->cfg.http_addr, strerror(errno));
        return WT_ERR_UNAVAILABLE;
    }
    pool->servers = calloc(d->cfg.http_threads, sizeof *pool->servers);
    if (pool->servers == NULL)
        return WT_ERR_NO_MEMORY;
    for (uint32_t i = 0; i < d->cfg.http_threads; i++) {
        pool->count++;
        wt_err err = server_init(&pool->servers[i], d, pool->fd);
        if (err != WT_OK)
            return err;
    }
    return WT_OK;
}

void wt_http_stop(wt_daemon *d)
{
    struct wt_http_pool *pool = d->http;
    if (pool == NULL)
        return;
    /* a POST in progress finishes (its thread is inside wt_node_submit and
     * sees the break only afterwards) */
    for (uint32_t i = 0; i < pool->count; i++)
        if (pool->servers[i].running)
            event_base_loopbreak(pool->servers[i].base);
    for (uint32_t i = 0; i < pool->count; i++) {
        struct wt_http_server *s = &pool->servers[i];
        if (s->running)
            pthread_join(s->thread, NULL);
        if (s->http != NULL)
            evhttp_free(s->http);
        wt_http_deadlines_free(s->deadlines);
        if (s->base != NULL)
            event_base_free(s->base);
        wt_store_close(s->store);
    }
    if (pool->fd >= 0)
        close(pool->fd);
    free(pool->servers);
    free(pool);
    d->http = NULL;
}
