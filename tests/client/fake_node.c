/* fake_node.c — a stand-in for wattled following engine-api.md (see
 * fake_node.h). Deliberately simple: a linear account table under a mutex. */
#include "fake_node.h"
#include "testutil.h"
#include "wallet.h"
#include "wire.h"

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/thread.h>
#include <jansson.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>

#include <arpa/inet.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define ACCOUNTS_MAX 64
#define TXS_MAX      1024

typedef struct {
    uint8_t key[32];
    int64_t balance_micro;
    uint64_t nonce;
} account;

typedef struct {
    uint8_t txid[32];
    uint64_t seq;
    uint64_t height;
} stored_tx;

struct fake_node {
    uint32_t chain_id;
    uint8_t issuer[32];
    wt_ctx *ctx;
    pthread_mutex_t lock;
    account accounts[ACCOUNTS_MAX];
    size_t accounts_count;
    stored_tx txs[TXS_MAX];
    size_t txs_count;
    struct event_base *base;
    struct evhttp *http;
    pthread_t http_thread, nng_thread;
    nng_socket rep;
    atomic_bool stop;
    char http_url[64], nng_url[64];
};

static account *account_get(fake_node *n, const uint8_t key[32])
{
    for (size_t i = 0; i < n->accounts_count; i++)
        if (memcmp(n->accounts[i].key, key, 32) == 0)
            return &n->accounts[i];
    assert_true(n->accounts_count < ACCOUNTS_MAX);
    account *a = &n->accounts[n->accounts_count++];
    memset(a, 0, sizeof *a);
    memcpy(a->key, key, 32);
    return a;
}

typedef struct {
    uint8_t txid[32];
    wt_wire_status status;
    uint64_t seq, height;
    wt_err err;
    const char *field;
} apply_result;

/* The toy ledger's state transition, under n->lock. */
static void apply(fake_node *n, apply_result *r, const uint8_t *raw, size_t len)
{
    memset(r, 0, sizeof *r);
    r->status = WT_WIRE_REJECTED;
    wt_tx tx;
    r->err = wt_tx_decode(&tx, &r->field, raw, len);
    if (r->err != WT_OK)
        return;
    wt_tx_id_encoded(r->txid, raw, len);
    for (size_t i = 0; i < n->txs_count; i++)
        if (memcmp(n->txs[i].txid, r->txid, 32) == 0) {
            r->status = WT_WIRE_DUPLICATE;
            r->seq = n->txs[i].seq;
            r->height = n->txs[i].height;
            return;
        }
    if (!wt_tx_verify(n->ctx, &tx, r->txid)) {
        r->err = WT_ERR_BAD_SIGNATURE;
        r->field = "signature";
        return;
    }
    if (tx.chain_id != n->chain_id) {
        r->err = WT_ERR_WRONG_CHAIN;
        r->field = "chain_id";
        return;
    }
    if (tx.expiry_ms < wt_now_ms()) {
        r->err = WT_ERR_EXPIRED;
        r->field = "expiry_ms";
        return;
    }
    account *sender = account_get(n, tx.sender);
    if (tx.nonce != sender->nonce + 1) {
        r->err = WT_ERR_BAD_NONCE;
        r->field = "nonce";
        return;
    }
    bool is_issuer = memcmp(tx.sender, n->issuer, 32) == 0;
    if ((tx.type == WT_TX_MINT || tx.type == WT_TX_BURN) && !is_issuer) {
        r->err = WT_ERR_NOT_ISSUER;
        return;
    }
    int64_t debit = tx.type == WT_TX_TRANSFER ? tx.body.transfer.amount_micro
                    : tx.type == WT_TX_BURN   ? tx.body.burn.amount_micro
                                              : 0;
    if (debit > sender->balance_micro) {
        r->err = WT_ERR_INSUFFICIENT_FUNDS;
        r->field = "amount_micro";
        return;
    }
    assert_true(n->txs_count < TXS_MAX);
    sender->balance_micro -= debit;
    sender->nonce++;
    if (tx.type == WT_TX_TRANSFER)
        account_get(n, tx.body.transfer.to)->balance_micro += tx.body.transfer.amount_micro;
    if (tx.type == WT_TX_MINT)
        account_get(n, tx.body.mint.to)->balance_micro += tx.body.mint.amount_micro;
    stored_tx *s = &n->txs[n->txs_count++];
    memcpy(s->txid, r->txid, 32);
    s->seq = n->txs_count;
    s->height = n->txs_count / 4 + 1;
    r->status = WT_WIRE_COMMITTED;
    r->seq = s->seq;
    r->height = s->height;
}

/* ---------------------------------------------------------------- HTTP */

static void reply_json(struct evhttp_request *req, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void reply_json(struct evhttp_request *req, int code, const char *fmt, ...)
{
    struct evbuffer *out = evbuffer_new();
    va_list ap;
    va_start(ap, fmt);
    evbuffer_add_vprintf(out, fmt, ap);
    va_end(ap);
    evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", "application/json");
    evhttp_send_reply(req, code, code == 200 ? "OK" : "Error", out);
    evbuffer_free(out);
}

static void reply_error(struct evhttp_request *req, int code, wt_err err)
{
    reply_json(req, code, "{\"error\":{\"code\":\"%s\",\"message\":\"%s\"}}", wt_errname(err),
               wt_strerror(err));
}

static void post_txs(fake_node *n, struct evhttp_request *req)
{
    struct evbuffer *in = evhttp_request_get_input_buffer(req);
    size_t len = evbuffer_get_length(in);
    char *body = malloc(len + 1);
    assert_non_null(body);
    evbuffer_remove(in, body, len);
    json_t *root = json_loadb(body, len, 0, NULL);
    free(body);
    json_t *txs = json_object_get(root, "txs");
    if (!json_is_array(txs) || json_array_size(txs) == 0 || json_array_size(txs) > 1024) {
        json_decref(root);
        reply_error(req, 400, WT_ERR_BAD_REQUEST);
        return;
    }
    struct evbuffer *out = evbuffer_new();
    evbuffer_add_printf(out, "{\"results\":[");
    for (size_t i = 0; i < json_array_size(txs); i++) {
        const char *hex = json_string_value(json_array_get(txs, i));
        uint8_t raw[4096];
        size_t raw_len = 0;
        apply_result r;
        if (hex == NULL || wt_hex_decode_any(raw, &raw_len, sizeof raw, hex) != WT_OK) {
            memset(&r, 0, sizeof r);
            r.status = WT_WIRE_REJECTED;
            r.err = WT_ERR_BAD_HEX;
        } else {
            pthread_mutex_lock(&n->lock);
            apply(n, &r, raw, raw_len);
            pthread_mutex_unlock(&n->lock);
        }
        char txid[65];
        wt_hex_encode(txid, r.txid, 32);
        evbuffer_add_printf(out,
                            "%s{\"txid\":\"%s\",\"status\":\"%s\",\"duplicate\":%s,\"seq\":%" PRIu64
                            ",\"height\":%" PRIu64,
                            i > 0 ? "," : "", txid,
                            r.status == WT_WIRE_REJECTED ? "rejected" : "committed",
                            r.status == WT_WIRE_DUPLICATE ? "true" : "false", r.seq, r.height);
        if (r.status == WT_WIRE_REJECTED)
            evbuffer_add_printf(out, ",\"error\":{\"code\":\"%s\",\"message\":\"%s\"%s%s%s}",
                                wt_errname(r.err), wt_strerror(r.err),
                                r.field != NULL ? ",\"field\":\"" : "",
                                r.field != NULL ? r.field : "", r.field != NULL ? "\"" : "");
        evbuffer_add_printf(out, "}");
    }
    evbuffer_add_printf(out, "]}");
    json_decref(root);
    evhttp_send_reply(req, 200, "OK", out);
    evbuffer_free(out);
}

static void on_http(struct evhttp_request *req, void *arg)
{
    fake_node *n = arg;
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
    const char *path = evhttp_uri_get_path(uri);
    const char *query = evhttp_uri_get_query(uri);
    enum evhttp_cmd_type method = evhttp_request_get_command(req);
    if (path == NULL)
        path = "/";
    if (strcmp(path, "/v1/txs") == 0) {
        if (method != EVHTTP_REQ_POST)
            reply_error(req, 405, WT_ERR_BAD_REQUEST);
        else
            post_txs(n, req);
        return;
    }
    if (method != EVHTTP_REQ_GET) {
        reply_error(req, 405, WT_ERR_BAD_REQUEST);
        return;
    }
    pthread_mutex_lock(&n->lock);
    uint64_t height = n->txs_count / 4 + 1;
    if (strcmp(path, "/v1/chain") == 0) {
        char issuer[WT_ADDRESS_CHARS + 1];
        wt_address_encode(issuer, n->issuer);
        reply_json(req, 200,
                   "{\"chain_id\":%" PRIu32 ",\"height\":%" PRIu64
                   ",\"interval_ms\":5000,\"genesis_time_ms\":0,\"issuer\":\"%s\","
                   "\"zones\":[{\"index\":0,\"name\":\"campus\",\"parent\":null,"
                   "\"fee_micro_per_kwh\":10000000},{\"index\":1,\"name\":\"north\","
                   "\"parent\":0,\"fee_micro_per_kwh\":5000000}],"
                   "\"price_ceiling_micro_per_kwh\":1000000000}",
                   n->chain_id, height, issuer);
    } else if (strncmp(path, "/v1/accounts/", 13) == 0) {
        uint8_t key[32];
        if (wt_pubkey_parse_text(key, path + 13) != WT_OK) {
            reply_error(req, 400, WT_ERR_BAD_REQUEST);
        } else {
            account *a = account_get(n, key);
            char address[WT_ADDRESS_CHARS + 1];
            wt_address_encode(address, key);
            reply_json(req, 200,
                       "{\"address\":\"%s\",\"balance_micro\":%" PRId64
                       ",\"holds_micro\":0,\"nonce\":%" PRIu64 ",\"roles\":[],\"txs\":[]}",
                       address, a->balance_micro, a->nonce);
        }
    } else if (strncmp(path, "/v1/txs/", 8) == 0) {
        uint8_t txid[32];
        const stored_tx *found = NULL;
        if (wt_hex_decode(txid, 32, path + 8) != WT_OK) {
            reply_error(req, 400, WT_ERR_BAD_HEX);
        } else {
            for (size_t i = 0; i < n->txs_count; i++)
                if (memcmp(n->txs[i].txid, txid, 32) == 0)
                    found = &n->txs[i];
            if (found != NULL)
                reply_json(req, 200,
                           "{\"txid\":\"%s\",\"status\":\"committed\",\"seq\":%" PRIu64
                           ",\"height\":%" PRIu64 ",\"tx\":{}}",
                           path + 8, found->seq, found->height);
            else
                reply_json(req, 200, "{\"txid\":\"%s\",\"status\":\"unknown\"}", path + 8);
        }
    } else if (strcmp(path, "/v1/blocks") == 0) {
        unsigned long long from = 0, limit = 10;
        if (query != NULL)
            sscanf(query, "from=%llu&limit=%llu", &from, &limit);
        struct evbuffer *out = evbuffer_new();
        evbuffer_add_printf(out, "{\"blocks\":[");
        for (uint64_t h = from; h <= height && h < from + limit; h++)
            evbuffer_add_printf(out,
                                "%s{\"height\":%" PRIu64 ",\"hash\":\"%064" PRIx64
                                "\",\"tx_count\":4,\"time_ms\":%" PRIu64 "000,\"interval\":%" PRIu64
                                "}",
                                h > from ? "," : "", h, h, h, h * 2);
        evbuffer_add_printf(out, "]}");
        evhttp_send_reply(req, 200, "OK", out);
        evbuffer_free(out);
    } else if (strcmp(path, "/v1/markets/campus/book") == 0) {
        reply_json(req, 200,
                   "{\"zone\":\"campus\",\"interval\":9,\"bids\":[{\"price_micro_per_kwh\":"
                   "95500000,\"energy_mwh\":1500000}],\"asks\":[{\"price_micro_per_kwh\":"
                   "120000000,\"energy_mwh\":250}]}");
    } else if (strcmp(path, "/v1/markets/campus/clearings") == 0) {
        reply_json(req, 200,
                   "{\"clearings\":[{\"interval\":8,\"price_micro_per_kwh\":101000000,"
                   "\"volume_mwh\":2000,\"trades\":3}]}");
    } else if (strncmp(path, "/v1/markets/", 12) == 0) {
        reply_error(req, 404, WT_ERR_UNKNOWN_ZONE);
    } else {
        reply_error(req, 404, WT_ERR_NOT_FOUND);
    }
    pthread_mutex_unlock(&n->lock);
}

static void *http_main(void *arg)
{
    fake_node *n = arg;
    event_base_dispatch(n->base);
    return NULL;
}

/* ----------------------------------------------------------------- nng */

static void *nng_main(void *arg)
{
    fake_node *n = arg;
    static const uint8_t *txs[WT_WIRE_TXS_MAX];
    static size_t lens[WT_WIRE_TXS_MAX];
    static apply_result results[WT_WIRE_TXS_MAX];
    static wt_wire_result wire[WT_WIRE_TXS_MAX];
    while (!atomic_load(&n->stop)) {
        uint8_t *msg;
        size_t len;
        int rv = nng_recv(n->rep, &msg, &len, NNG_FLAG_ALLOC);
        if (rv == NNG_ETIMEDOUT)
            continue;
        if (rv != 0)
            break;
        size_t count;
        uint8_t out[1 << 16];
        size_t out_len;
        if (wt_wire_request_decode(txs, lens, WT_WIRE_TXS_MAX, &count, msg, len) != WT_OK) {
            wt_wire_error_encode(out, sizeof out, &out_len, "bad_request: malformed request");
        } else {
            pthread_mutex_lock(&n->lock);
            for (size_t i = 0; i < count; i++) {
                apply(n, &results[i], txs[i], lens[i]);
                wt_wire_result *w = &wire[i];
                memset(w, 0, sizeof *w);
                memcpy(w->txid, results[i].txid, 32);
                w->status = (uint8_t)results[i].status;
                w->seq = results[i].seq;
                w->height = results[i].height;
                w->code = wt_errname(results[i].err);
                w->code_len = strlen(w->code);
                w->field = results[i].field;
                w->field_len = w->field != NULL ? strlen(w->field) : 0;
            }
            pthread_mutex_unlock(&n->lock);
            assert_int_equal(wt_wire_reply_encode(out, sizeof out, &out_len, wire, count), WT_OK);
        }
        nng_free(msg, len);
        nng_send(n->rep, out, out_len, 0);
    }
    return NULL;
}

fake_node *fake_node_start(uint32_t chain_id, const uint8_t issuer[32])
{
    fake_node *n = calloc(1, sizeof *n);
    assert_non_null(n);
    n->chain_id = chain_id;
    memcpy(n->issuer, issuer, 32);
    assert_int_equal(wt_ctx_create(&n->ctx), WT_OK);
    pthread_mutex_init(&n->lock, NULL);
    assert_int_equal(evthread_use_pthreads(), 0);
    n->base = event_base_new();
    n->http = evhttp_new(n->base);
    assert_non_null(n->http);
    evhttp_set_allowed_methods(n->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST);
    evhttp_set_gencb(n->http, on_http, n);
    struct evhttp_bound_socket *bound = evhttp_bind_socket_with_handle(n->http, "127.0.0.1", 0);
    assert_non_null(bound);
    struct sockaddr_in sa;
    socklen_t sa_len = sizeof sa;
    assert_int_equal(
        getsockname(evhttp_bound_socket_get_fd(bound), (struct sockaddr *)&sa, &sa_len), 0);
    snprintf(n->http_url, sizeof n->http_url, "http://127.0.0.1:%u", (unsigned)ntohs(sa.sin_port));
    assert_int_equal(nng_rep0_open(&n->rep), 0);
    assert_int_equal(nng_socket_set_ms(n->rep, NNG_OPT_RECVTIMEO, 100), 0);
    nng_listener listener;
    assert_int_equal(nng_listen(n->rep, "tcp://127.0.0.1:0", &listener, 0), 0);
    nng_sockaddr addr;
    assert_int_equal(nng_listener_get_addr(listener, NNG_OPT_LOCADDR, &addr), 0);
    snprintf(n->nng_url, sizeof n->nng_url, "tcp://127.0.0.1:%u",
             (unsigned)ntohs(addr.s_in.sa_port));
    assert_int_equal(pthread_create(&n->http_thread, NULL, http_main, n), 0);
    assert_int_equal(pthread_create(&n->nng_thread, NULL, nng_main, n), 0);
    return n;
}

void fake_node_stop(fake_node *n)
{
    atomic_store(&n->stop, true);
    event_base_loopbreak(n->base);
    pthread_join(n->http_thread, NULL);
    pthread_join(n->nng_thread, NULL);
    nng_close(n->rep);
    evhttp_free(n->http);
    event_base_free(n->base);
    wt_ctx_destroy(n->ctx);
    pthread_mutex_destroy(&n->lock);
    free(n);
}

const char *fake_node_http_url(const fake_node *n)
{
    return n->http_url;
}

const char *fake_node_nng_url(const fake_node *n)
{
    return n->nng_url;
}

uint64_t fake_node_committed(fake_node *n)
{
    pthread_mutex_lock(&n->lock);
    uint64_t c = n->txs_count;
    pthread_mutex_unlock(&n->lock);
    return c;
}
