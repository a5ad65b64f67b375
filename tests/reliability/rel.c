/* rel.c — see rel.h. */
#include "rel.h"

#include "run_cmd.h"

#include <jansson.h>
#include <nng/protocol/reqrep0/req.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int rel_chain_make(rel_chain *c, const char *wattle, const char *wattled, const char *prefix,
                   const char *const *args, const char *ini_extra)
{
    memset(c, 0, sizeof *c);
    c->wattle = wattle;
    if (wt_proc_tmpdir(c->tmp, sizeof c->tmp, prefix) != 0)
        return -1;
    snprintf(c->dir, sizeof c->dir, "%s/chain", c->tmp);
    snprintf(c->db, sizeof c->db, "%s/ledger.db", c->dir);
    snprintf(c->ini, sizeof c->ini, "%s/wattled.ini", c->dir);
    const char *argv[48];
    size_t n = 0;
    argv[n++] = "--chain-id";
    argv[n++] = "4242";
    argv[n++] = "--interval-ms";
    argv[n++] = "1000";
    for (size_t i = 0; args != NULL && args[i] != NULL && n < 47; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    if (wt_chain_init(wattle, c->dir, argv) != 0)
        return -1;
    if (ini_extra != NULL && wt_proc_append_file(c->ini, ini_extra) != 0)
        return -1;
    if (wt_ctx_create(&c->ctx) != WT_OK)
        return -1;
    char path[WT_PROC_PATH_MAX + 64];
    const char *names[3] = {"issuer.key", "operator.key", "utility.key"};
    wt_seckey *keys[3] = {&c->issuer, &c->operator_key, &c->utility};
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s", c->dir, names[i]);
        if (wt_keyfile_load(c->ctx, keys[i], path, NULL, 0) != WT_OK) {
            fprintf(stderr, "rel: cannot load %s\n", path);
            return -1;
        }
    }
    if (wt_wattled_init(&c->d, wattled, c->dir) != 0)
        return -1;
    const char *colon = strrchr(c->d.nng_url, ':');
    c->nng_port = colon != NULL ? atoi(colon + 1) : -1;
    return 0;
}

void rel_chain_free(rel_chain *c)
{
    wt_wattled_stop(&c->d, SIGKILL);
    if (c->tmp[0] != '\0')
        wt_proc_rmtree(c->tmp);
    wt_seckey_wipe(&c->issuer);
    wt_seckey_wipe(&c->operator_key);
    wt_seckey_wipe(&c->utility);
    wt_ctx_destroy(c->ctx);
    c->ctx = NULL;
}

void rel_key(const rel_chain *c, wt_seckey *key, const char *label)
{
    uint8_t secret[32];
    wt_tagged_hash(secret, "wattle/test-key", (const uint8_t *)label, strlen(label));
    if (wt_seckey_from_bytes(c->ctx, key, secret) != WT_OK)
        abort(); /* a tagged hash is a valid key but for a 2^-128 chance */
}

int rel_sign(const rel_chain *c, rel_tx *out, wt_tx *tx, const wt_seckey *key)
{
    memcpy(tx->sender, key->pubkey, 32);
    if (tx->chain_id == 0)
        tx->chain_id = REL_CHAIN_ID;
    if (tx->expiry_ms == 0)
        tx->expiry_ms = wt_now_ms() + 3600000;
    const char *field = NULL;
    wt_err err = wt_tx_sign(c->ctx, out->txid, tx, key);
    if (err == WT_OK)
        err = wt_tx_encode(out->raw, sizeof out->raw, &out->len, &field, tx);
    if (err != WT_OK) {
        fprintf(stderr, "rel: cannot sign: %s (%s)\n", wt_errname(err), field ? field : "-");
        return -1;
    }
    wt_hex_encode(out->hex, out->raw, out->len);
    return 0;
}

static const char * or (const char *text, const char *fallback)
{
    return text != NULL ? text : fallback;
}

static void copy_text(char *out, size_t cap, const char *text, size_t len)
{
    if (len >= cap)
        len = cap - 1;
    if (len > 0)
        memcpy(out, text, len);
    out[len] = '\0';
}

int rel_http_submit(int port, rel_result *results, const rel_tx *const *txs, size_t count,
                    int timeout_ms)
{
    memset(results, 0, count * sizeof *results);
    size_t cap = 16;
    for (size_t i = 0; i < count; i++)
        cap += strlen(txs[i]->hex) + 3;
    char *body = malloc(cap);
    if (body == NULL)
        return -1;
    size_t n = (size_t)snprintf(body, cap, "{\"txs\":[");
    for (size_t i = 0; i < count; i++)
        n += (size_t)snprintf(body + n, cap - n, "%s\"%s\"", i > 0 ? "," : "", txs[i]->hex);
    snprintf(body + n, cap - n, "]}");
    char *reply = NULL;
    int status = wt_proc_http_body(&reply, "127.0.0.1", port, "POST", "/v1/txs", body, timeout_ms);
    free(body);
    if (status < 0) {
        free(reply);
        return -1;
    }
    results[0].http_status = status;
    json_t *doc = reply != NULL ? json_loads(reply, 0, NULL) : NULL;
    free(reply);
    json_t *list = json_object_get(doc, "results");
    int rc = 0;
    if (status == 200 && json_array_size(list) == count) {
        for (size_t i = 0; i < count; i++) {
            json_t *o = json_array_get(list, i);
            rel_result *r = &results[i];
            r->http_status = status;
            r->answered = true;
            r->committed =
                strcmp(or (json_string_value(json_object_get(o, "status")), ""), "committed") == 0;
            r->duplicate = json_is_true(json_object_get(o, "duplicate"));
            r->seq = (uint64_t)json_integer_value(json_object_get(o, "seq"));
            json_t *e = json_object_get(o, "error");
            const char *code = r->committed ? "ok" : json_string_value(json_object_get(e, "code"));
            const char *field = json_string_value(json_object_get(e, "field"));
            copy_text(r->code, sizeof r->code, or (code, "?"), strlen(or (code, "?")));
            copy_text(r->field, sizeof r->field, or (field, ""), strlen(or (field, "")));
        }
    } else {
        json_t *e = json_object_get(doc, "error");
        const char *code = json_string_value(json_object_get(e, "code"));
        const char *field = json_string_value(json_object_get(e, "field"));
        copy_text(results[0].code, sizeof results[0].code, or (code, "?"), strlen(or (code, "?")));
        copy_text(results[0].field, sizeof results[0].field, or (field, ""),
                  strlen(or (field, "")));
        rc = status == 200 ? -1 : 0; /* a 200 without its results is malformed */
    }
    json_decref(doc);
    return rc;
}

int rel_nng_open(rel_nng *n, const char *url, int timeout_ms)
{
    memset(n, 0, sizeof *n);
    if (nng_req0_open(&n->sock) != 0)
        return -1;
    n->open = true;
    nng_socket_set_ms(n->sock, NNG_OPT_RECVTIMEO, timeout_ms);
    nng_socket_set_ms(n->sock, NNG_OPT_SENDTIMEO, timeout_ms);
    nng_socket_set_ms(n->sock, NNG_OPT_RECONNMINT, 20);
    nng_socket_set_ms(n->sock, NNG_OPT_RECONNMAXT, 200);
    if (nng_dial(n->sock, url, NULL, NNG_FLAG_NONBLOCK) != 0) {
        rel_nng_close(n);
        return -1;
    }
    return 0;
}

void rel_nng_close(rel_nng *n)
{
    if (n->open)
        nng_close(n->sock);
    n->open = false;
}

int rel_nng_submit(rel_nng *n, rel_result *results, const rel_tx *const *txs, size_t count)
{
    memset(results, 0, count * sizeof *results);
    const uint8_t *raws[64];
    size_t lens[64];
    if (count == 0 || count > 64)
        return -1;
    for (size_t i = 0; i < count; i++) {
        raws[i] = txs[i]->raw;
        lens[i] = txs[i]->len;
    }
    size_t size = wt_wire_request_size(lens, count), len = 0;
    uint8_t *req = malloc(size);
    if (req == NULL || wt_wire_request_encode(req, size, &len, raws, lens, count) != WT_OK) {
        free(req);
        return -1;
    }
    int rv = nng_send(n->sock, req, len, 0);
    free(req);
    if (rv != 0)
        return -1;
    uint8_t *reply = NULL;
    size_t reply_len = 0;
    if (nng_recv(n->sock, &reply, &reply_len, NNG_FLAG_ALLOC) != 0)
        return -1;
    wt_wire_result wire[64];
    size_t got = 0;
    int rc = -1;
    const char *text;
    size_t text_len;
    if (wt_wire_reply_decode(wire, 64, &got, reply, reply_len) == WT_OK && got == count) {
        for (size_t i = 0; i < count; i++) {
            rel_result *r = &results[i];
            r->answered = true;
            r->committed = wire[i].status != WT_WIRE_REJECTED;
            r->duplicate = wire[i].status == WT_WIRE_DUPLICATE;
            r->seq = wire[i].seq;
            copy_text(r->code, sizeof r->code, wire[i].code, wire[i].code_len);
            copy_text(r->field, sizeof r->field, wire[i].field, wire[i].field_len);
        }
        rc = 0;
    } else if (wt_wire_error_decode(&text, &text_len, reply, reply_len) == WT_OK) {
        size_t word = 0;
        while (word < text_len && text[word] != ':' && text[word] != ' ')
            word++;
        copy_text(results[0].code, sizeof results[0].code, text, word);
        rc = 0;
    }
    nng_free(reply, reply_len);
    return rc;
}

/* ------------------------------------------------------ ledger checks */

typedef struct {
    rel_ledger *out;
    rel_tx_visit_fn visit;
    void *arg;
    uint8_t (*txids)[32];
    size_t txids_count, txids_cap;
    bool failed;
} scan;

static void problem(rel_ledger *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void problem(rel_ledger *out, const char *fmt, ...)
{
    if (out->what[0] != '\0')
        return; /* the first one counts */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out->what, sizeof out->what, fmt, ap);
    va_end(ap);
}

static bool scan_tx(void *arg, const wt_store_tx *st)
{
    scan *sc = arg;
    rel_ledger *out = sc->out;
    out->txs++;
    if (st->seq != out->txs)
        problem(out, "seq %llu where %llu was due", (unsigned long long)st->seq,
                (unsigned long long)out->txs);
    if (sc->txids_count == sc->txids_cap) {
        size_t cap = sc->txids_cap == 0 ? 4096 : sc->txids_cap * 2;
        uint8_t(*bigger)[32] = realloc(sc->txids, cap * 32);
        if (bigger == NULL) {
            problem(out, "out of memory");
            return false;
        }
        sc->txids = bigger;
        sc->txids_cap = cap;
    }
    memcpy(sc->txids[sc->txids_count++], st->txid, 32);
    wt_tx tx;
    const char *field = NULL;
    if (wt_tx_decode(&tx, &field, st->raw, st->raw_len) != WT_OK) {
        problem(out, "tx seq %llu does not decode (%s)", (unsigned long long)st->seq,
                field != NULL ? field : "-");
        return true;
    }
    wt_err err = WT_OK;
    if (tx.type == WT_TX_MINT)
        err = wt_add_i64(&out->minted_micro, out->minted_micro, tx.body.mint.amount_micro);
    else if (tx.type == WT_TX_BURN)
        err = wt_add_i64(&out->burned_micro, out->burned_micro, tx.body.burn.amount_micro);
    else if (tx.type == WT_TX_SETTLE) {
        uint64_t want = out->settles == 0 ? out->genesis_interval : out->last_settle_interval + 1;
        if (tx.body.settle.interval != want)
            problem(out, "SETTLE at seq %llu settles interval %llu where %llu was due%s",
                    (unsigned long long)st->seq, (unsigned long long)tx.body.settle.interval,
                    (unsigned long long)want,
                    tx.body.settle.interval < want ? " (settled twice)" : " (one skipped)");
        out->last_settle_interval = tx.body.settle.interval;
        out->settles++;
    }
    if (err != WT_OK)
        problem(out, "minted or burned totals overflow at seq %llu", (unsigned long long)st->seq);
    if (sc->visit != NULL)
        sc->visit(sc->arg, st, &tx);
    return true;
}

static bool scan_block(void *arg, const wt_store_block *b)
{
    scan *sc = arg;
    rel_ledger *out = sc->out;
    wt_block_header h;
    if (wt_block_header_decode(&h, b->header, b->header_len) != WT_OK) {
        problem(out, "block %llu does not decode", (unsigned long long)b->height);
        return true;
    }
    if (b->height != out->blocks)
        problem(out, "block height %llu where %llu was due", (unsigned long long)b->height,
                (unsigned long long)out->blocks);
    if (b->height == 0) {
        out->genesis_interval = h.interval;
    } else {
        /* block 1 closes the genesis block's own interval, then one each */
        uint64_t want = b->height == 1 ? out->genesis_interval : out->last_block_interval + 1;
        if (h.interval != want)
            problem(out, "block %llu closes interval %llu where %llu was due",
                    (unsigned long long)b->height, (unsigned long long)h.interval,
                    (unsigned long long)want);
    }
    out->last_block_interval = h.interval;
    out->blocks++;
    return true;
}

static bool sum_account(void *arg, const wt_account *a)
{
    rel_ledger *out = arg;
    if (wt_add_i64(&out->balances_micro, out->balances_micro, a->balance_micro) != WT_OK ||
        wt_add_i64(&out->holds_micro, out->holds_micro, a->holds_micro) != WT_OK)
        problem(out, "the sum of balances or holds overflows");
    return true;
}

static int cmp_txid(const void *a, const void *b)
{
    return memcmp(a, b, 32);
}

int rel_ledger_check(rel_ledger *out, const char *db, rel_tx_visit_fn visit, void *arg)
{
    memset(out, 0, sizeof *out);
    wt_store *store = NULL;
    wt_store_opts so = {.read_only = true};
    wt_err err = wt_store_open(&store, db, &so);
    if (err != WT_OK) {
        problem(out, "cannot open %s: %s", db, wt_errname(err));
        return -1;
    }
    scan sc = {.out = out, .visit = visit, .arg = arg};
    err = wt_store_snapshot_begin(store);
    if (err == WT_OK && (err = wt_store_check(store)) != WT_OK)
        problem(out, "SQLite's integrity check: %s", wt_errname(err));
    if (err == WT_OK)
        err = wt_store_blocks_each(store, 0, scan_block, &sc);
    if (err == WT_OK)
        err = wt_store_txs_each(store, 1, scan_tx, &sc);
    if (err == WT_OK)
        err = wt_store_accounts_each(store, sum_account, out);
    wt_store_snapshot_end(store);
    wt_store_close(store);
    if (err != WT_OK)
        problem(out, "reading %s: %s", db, wt_errname(err));
    qsort(sc.txids, sc.txids_count, 32, cmp_txid);
    for (size_t i = 1; i < sc.txids_count; i++)
        if (memcmp(sc.txids[i - 1], sc.txids[i], 32) == 0) {
            char hex[65];
            wt_hex_encode(hex, sc.txids[i], 32);
            problem(out, "txid %s is stored twice", hex);
            break;
        }
    free(sc.txids);
    int64_t held = 0, issued = 0;
    if (wt_add_i64(&held, out->balances_micro, out->holds_micro) != WT_OK ||
        wt_sub_i64(&issued, out->minted_micro, out->burned_micro) != WT_OK || held != issued)
        problem(out,
                "money is not conserved: balances %lld + holds %lld != minted %lld - burned %lld",
                (long long)out->balances_micro, (long long)out->holds_micro,
                (long long)out->minted_micro, (long long)out->burned_micro);
    return out->what[0] == '\0' ? 0 : -1;
}

int rel_audit(const char *wattle, const char *db)
{
    run_result r;
    run_cmdl(&r, wattle, "audit", "--db", db, "--quiet", NULL);
    int ok = r.status == 0;
    if (!ok)
        fprintf(stderr, "rel: wattle audit --db %s: status %d\n%s%s", db, r.status, r.out, r.err);
    run_result_free(&r);
    return ok ? 0 : -1;
}

long rel_metric(const rel_chain *c, const char *name)
{
    char *body = NULL;
    if (wt_proc_http_body(&body, "127.0.0.1", c->d.http_port, "GET", "/metrics", NULL, 5000) !=
        200) {
        free(body);
        return -1;
    }
    char needle[256];
    snprintf(needle, sizeof needle, "\n%s ", name);
    const char *at = body != NULL ? strstr(body, needle) : NULL;
    long v = at != NULL ? strtol(at + strlen(needle), NULL, 10) : 0;
    free(body);
    return v;
}
