/*
 * soak.c — the crash-kill harness (`./run soak`; a short run is the
 * reliability_soak test). A real wattled on free loopback ports takes a
 * bounded load from client processes — three sending batches of signed
 * transfers over nng, one placing (and cancelling) orders over HTTP, a
 * gateway reporting four meters' readings every interval over nng, the
 * issuer minting and burning over HTTP — and is killed with SIGKILL at
 * random moments (seeded; the seed is printed) and restarted, cycle after
 * cycle. A client resends the very same bytes until it gets an answer, so an
 * acknowledgement lost in a crash comes back as "duplicate", never as a
 * second transaction. Each client reports every answer to the harness
 * through a pipe.
 *
 * After every kill, with the daemon down, the harness checks the ledger
 * file: every transaction a client saw acknowledged is stored exactly once
 * at the seq it was told, none it saw rejected is stored, no two stored
 * transfers or mints carry the same client operation (memo), blocks close
 * consecutive intervals and SETTLEs settle consecutive intervals from the
 * genesis on (none lost, none twice), balances + holds = minted - burned
 * (rel_ledger_check), and `wattle audit` passes. At the end the clients
 * finish their last operation, the daemon stops cleanly, and the same checks
 * run once more with one more: every stored client transaction was
 * acknowledged, and the minted and burned amounts the clients were told of
 * are exactly the ledger's.
 *
 *   soak --wattled PATH --wattle PATH [--cycles N] [--seconds S] [--seed X]
 *        [--min-up-ms A] [--max-up-ms B] [--think-ms T]
 *
 * Bounded: at most N cycles and S seconds of cycling (whichever comes
 * first), each cycle up for A..B ms; clients stop by themselves S + 60 s
 * after the start, at the latest. Exit 0 when every check held, else 1.
 */
#include "rel.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define HOMES            4 /* h0..h2 send transfers, h3 trades; each has a meter */
#define TRANSFER_CLIENTS 3
#define INITIAL_MICRO    INT64_C(100000000000) /* 100,000 U per home */
#define FINISH_MS        30000                 /* a stopping client's last operation */

/* ------------------------------------------------------------ options */

typedef struct {
    const char *wattled, *wattle;
    long cycles, seconds, min_up_ms, max_up_ms, think_ms;
    uint64_t seed;
} options;

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint64_t rng_next(uint64_t *state)
{
    uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static int64_t rng_range(uint64_t *state, int64_t lo, int64_t hi)
{
    return lo + (int64_t)(rng_next(state) % (uint64_t)(hi - lo + 1));
}

/* ---------------------------------------------------------------- acks */

enum {
    KIND_SETUP,
    KIND_TRANSFER,
    KIND_ORDER,
    KIND_CANCEL,
    KIND_READINGS,
    KIND_MINT,
    KIND_BURN,
    KIND_COUNT
};
static const char *const kind_names[KIND_COUNT] = {"setup",    "transfer", "order", "cancel",
                                                   "readings", "mint",     "burn"};
enum { ACK_COMMITTED, ACK_DUPLICATE, ACK_REJECTED, ACK_DONE, ACK_FATAL };

/* One answer a client saw: written whole to the pipe (< PIPE_BUF, atomic). */
typedef struct {
    uint8_t client, kind, status, pad;
    char code[28];
    uint8_t txid[32];
    uint64_t seq;
    int64_t amount_micro; /* mints and burns */
} ack;

/* txid -> what was learnt about it */
typedef struct {
    uint8_t txid[32];
    bool used;
    uint8_t kind, status;
    uint64_t seq;
    int64_t amount_micro;
} entry;

typedef struct {
    entry *slots;
    size_t cap, count;
} txmap;

static size_t map_home(const txmap *m, const uint8_t txid[32])
{
    uint64_t h;
    memcpy(&h, txid, 8);
    return (size_t)h & (m->cap - 1);
}

static entry *map_find(const txmap *m, const uint8_t txid[32])
{
    if (m->cap == 0)
        return NULL;
    for (size_t i = map_home(m, txid);; i = (i + 1) & (m->cap - 1)) {
        if (!m->slots[i].used)
            return NULL;
        if (memcmp(m->slots[i].txid, txid, 32) == 0)
            return &m->slots[i];
    }
}

/* The entry of txid, new (zeroed but for the txid) when *fresh. */
static entry *map_put(txmap *m, const uint8_t txid[32], bool *fresh)
{
    if ((m->count + 1) * 2 > m->cap) {
        txmap bigger = {calloc(m->cap == 0 ? 1024 : m->cap * 2, sizeof(entry)),
                        m->cap == 0 ? 1024 : m->cap * 2, 0};
        if (bigger.slots == NULL) {
            fprintf(stderr, "soak: out of memory\n");
            exit(1);
        }
        for (size_t i = 0; i < m->cap; i++)
            if (m->slots[i].used) {
                bool f;
                *map_put(&bigger, m->slots[i].txid, &f) = m->slots[i];
            }
        free(m->slots);
        *m = bigger;
    }
    size_t i = map_home(m, txid);
    while (m->slots[i].used && memcmp(m->slots[i].txid, txid, 32) != 0)
        i = (i + 1) & (m->cap - 1);
    *fresh = !m->slots[i].used;
    if (*fresh) {
        memset(&m->slots[i], 0, sizeof m->slots[i]);
        memcpy(m->slots[i].txid, txid, 32);
        m->slots[i].used = true;
        m->count++;
    }
    return &m->slots[i];
}

/* -------------------------------------------------------------- clients */

typedef struct {
    const options *o;
    rel_chain *c;
    int index; /* 0.. */
    int kind;  /* KIND_TRANSFER, KIND_ORDER, KIND_READINGS, KIND_MINT */
    wt_seckey key;
    uint64_t nonce; /* the last committed */
    wt_seckey homes[HOMES];
    int ack_fd, stop_fd;
    int64_t hard_deadline_ms;
    uint64_t rng;
    bool stopping;
    int64_t stop_deadline_ms;
} client;

static void send_ack(client *cl, int kind, int status, const char *code, const uint8_t txid[32],
                     uint64_t seq, int64_t amount)
{
    ack a;
    memset(&a, 0, sizeof a);
    a.client = (uint8_t)cl->index;
    a.kind = (uint8_t)kind;
    a.status = (uint8_t)status;
    snprintf(a.code, sizeof a.code, "%s", code);
    if (txid != NULL)
        memcpy(a.txid, txid, 32);
    a.seq = seq;
    a.amount_micro = amount;
    while (write(cl->ack_fd, &a, sizeof a) < 0 && errno == EINTR) {
    }
}

/* Has the harness asked us to stop (it closes the pipe)? */
static bool told_to_stop(client *cl)
{
    if (!cl->stopping) {
        struct pollfd p = {cl->stop_fd, POLLIN, 0};
        if (poll(&p, 1, 0) > 0) {
            cl->stopping = true;
            cl->stop_deadline_ms = mono_ms() + FINISH_MS;
        }
    }
    return cl->stopping;
}

/* Past every deadline: give up even on an operation in flight. */
static bool out_of_time(client *cl)
{
    int64_t now = mono_ms();
    return now > cl->hard_deadline_ms || (cl->stopping && now > cl->stop_deadline_ms);
}

/* Submit until the node answers (the same bytes every time: after a crash
 * the answer is then the original result). false when out of time. */
static bool submit_until_answered(client *cl, rel_nng *n, rel_result *results,
                                  const rel_tx *const *txs, size_t count)
{
    for (;;) {
        told_to_stop(cl);
        if (out_of_time(cl))
            return false;
        int rc = n != NULL ? rel_nng_submit(n, results, txs, count)
                           : rel_http_submit(cl->c->d.http_port, results, txs, count, 5000);
        if (rc == 0 && results[0].answered)
            return true;
        /* no answer, or the request refused as a whole (the daemon stopping,
         * or down): the outcome is unknown; try again in a moment */
        wt_proc_sleep_ms(50);
    }
}

static int kind_of_tx(const wt_tx *tx)
{
    switch (tx->type) {
    case WT_TX_TRANSFER:
        return KIND_TRANSFER;
    case WT_TX_ORDER:
        return KIND_ORDER;
    case WT_TX_CANCEL:
        return KIND_CANCEL;
    case WT_TX_READINGS:
        return KIND_READINGS;
    case WT_TX_MINT:
        return KIND_MINT;
    case WT_TX_BURN:
        return KIND_BURN;
    default:
        return KIND_SETUP;
    }
}

/* Report a batch's answers; advance the nonce past what was committed. */
static void settle_answers(client *cl, const rel_result *r, const rel_tx *const *txs,
                           const wt_tx *sent, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        int status = !r[i].committed  ? ACK_REJECTED
                     : r[i].duplicate ? ACK_DUPLICATE
                                      : ACK_COMMITTED;
        int64_t amount = sent[i].type == WT_TX_MINT   ? sent[i].body.mint.amount_micro
                         : sent[i].type == WT_TX_BURN ? sent[i].body.burn.amount_micro
                                                      : 0;
        send_ack(cl, kind_of_tx(&sent[i]), status, r[i].code, txs[i]->txid, r[i].seq, amount);
        if (r[i].committed && sent[i].nonce > cl->nonce)
            cl->nonce = sent[i].nonce;
        if (i == 0 && !r[i].committed && strcmp(r[i].code, "bad_nonce") == 0)
            send_ack(cl, kind_of_tx(&sent[i]), ACK_FATAL, "nonce out of step", txs[i]->txid, 0, 0);
    }
}

#define BATCH_MAX 4

static void client_main(client *cl)
{
    rel_nng n;
    bool over_nng = cl->kind == KIND_TRANSFER || cl->kind == KIND_READINGS;
    if (over_nng && rel_nng_open(&n, cl->c->d.nng_url, 3000) != 0) {
        send_ack(cl, cl->kind, ACK_FATAL, "cannot open nng", NULL, 0, 0);
        _exit(1);
    }
    static rel_tx txs[BATCH_MAX];
    const rel_tx *ptrs[BATCH_MAX];
    wt_tx sent[BATCH_MAX];
    rel_result results[BATCH_MAX];
    wt_reading entries[HOMES];
    uint64_t op = 0, last_readings = 0;
    uint8_t last_order[32];
    bool have_order = false;
    for (;;) {
        if (told_to_stop(cl) || out_of_time(cl))
            break;
        size_t count = 1;
        int64_t now_ms = wt_now_ms();
        uint64_t interval = (uint64_t)(now_ms / 1000);
        wt_tx *tx = &sent[0];
        if (cl->kind == KIND_TRANSFER) {
            count = (size_t)rng_range(&cl->rng, 1, BATCH_MAX);
            for (size_t i = 0; i < count; i++) {
                wt_tx_init(&sent[i], WT_TX_TRANSFER);
                sent[i].nonce = cl->nonce + 1 + i;
                int to = (cl->index + 1 + (int)rng_range(&cl->rng, 0, HOMES - 2)) % HOMES;
                memcpy(sent[i].body.transfer.to, cl->homes[to].pubkey, 32);
                sent[i].body.transfer.amount_micro = rng_range(&cl->rng, 1, 1000) * 1000;
                char memo[32];
                snprintf(memo, sizeof memo, "c%d-%" PRIu64, cl->index, ++op);
                wt_memo_set(&sent[i].body.transfer.memo, memo);
            }
        } else if (cl->kind == KIND_ORDER) {
            op++;
            if (have_order && op % 5 == 0) {
                wt_tx_init(tx, WT_TX_CANCEL);
                memcpy(tx->body.cancel.order_txid, last_order, 32);
                have_order = false;
            } else {
                wt_tx_init(tx, WT_TX_ORDER);
                tx->body.order.zone = 0;
                tx->body.order.side = op % 2 ? WT_TX_SIDE_BUY : WT_TX_SIDE_SELL;
                tx->body.order.interval = interval + 1;
                tx->body.order.energy_mwh = rng_range(&cl->rng, 10, 500) * 1000;
                tx->body.order.price_micro_per_kwh = rng_range(&cl->rng, 50, 200) * 1000000;
            }
            tx->nonce = cl->nonce + 1;
        } else if (cl->kind == KIND_READINGS) {
            if (interval == 0 || interval - 1 <= last_readings) {
                wt_proc_sleep_ms(50);
                continue;
            }
            uint64_t n_closed = interval - 1;
            memset(entries, 0, sizeof entries);
            for (int m = 0; m < HOMES; m++) {
                char id[8];
                snprintf(id, sizeof id, "m%d", m);
                wt_meter_id_set(&entries[m].meter_id, id);
                /* h0, h2 export; h1, h3 import: P2P trades at every settlement */
                int64_t e = rng_range(&cl->rng, 0, 2000) * 1000;
                if (m % 2 == 0)
                    entries[m].export_mwh = e;
                else
                    entries[m].import_mwh = e;
            }
            wt_tx_init(tx, WT_TX_READINGS);
            tx->body.readings.interval = n_closed;
            tx->body.readings.count = HOMES;
            tx->body.readings.entries = entries;
            tx->nonce = cl->nonce + 1;
            last_readings = n_closed;
        } else { /* KIND_MINT */
            op++;
            char memo[32];
            snprintf(memo, sizeof memo, "mint-%" PRIu64, op);
            wt_tx_init(tx, WT_TX_MINT);
            tx->nonce = cl->nonce + 1;
            bool to_self = op % 4 == 0;
            memcpy(tx->body.mint.to,
                   to_self ? cl->key.pubkey : cl->homes[rng_range(&cl->rng, 0, HOMES - 1)].pubkey,
                   32);
            tx->body.mint.amount_micro = rng_range(&cl->rng, 10, 1000) * 1000000;
            wt_memo_set(&tx->body.mint.memo, memo);
            if (to_self) { /* and burn part of it in the same request */
                count = 2;
                wt_tx_init(&sent[1], WT_TX_BURN);
                sent[1].nonce = cl->nonce + 2;
                sent[1].body.burn.amount_micro = tx->body.mint.amount_micro / 2;
                snprintf(memo, sizeof memo, "burn-%" PRIu64, op);
                wt_memo_set(&sent[1].body.burn.memo, memo);
            }
        }
        for (size_t i = 0; i < count; i++) {
            if (rel_sign(cl->c, &txs[i], &sent[i], &cl->key) != 0) {
                send_ack(cl, cl->kind, ACK_FATAL, "cannot sign", NULL, 0, 0);
                _exit(1);
            }
            ptrs[i] = &txs[i];
        }
        if (!submit_until_answered(cl, over_nng ? &n : NULL, results, ptrs, count))
            break; /* out of time with an outcome unknown: the harness sees it unacknowledged */
        settle_answers(cl, results, ptrs, sent, count);
        if (cl->kind == KIND_ORDER && sent[0].type == WT_TX_ORDER && results[0].committed) {
            memcpy(last_order, txs[0].txid, 32);
            have_order = true;
        }
        if (cl->o->think_ms > 0)
            wt_proc_sleep_ms(cl->o->think_ms);
    }
    if (over_nng)
        rel_nng_close(&n);
    send_ack(cl, cl->kind, ACK_DONE, "", NULL, 0, 0);
    _exit(0);
}

/* ---------------------------------------------------------------- setup */

typedef struct {
    const options *o;
    rel_chain c;
    wt_seckey homes[HOMES], gateway;
    txmap acks;
    uint64_t acked[KIND_COUNT], rejected[KIND_COUNT], duplicates;
    int64_t acked_minted, acked_burned;
    uint64_t fatal, acked_twice;
    int clients_done;
    struct {
        char code[28];
        uint64_t count;
    } refusals[16]; /* rejected answers by code */
} harness;

static int64_t account_nonce(harness *h, const wt_seckey *key)
{
    char addr[WT_ADDRESS_CHARS + 1], path[128];
    wt_address_encode(addr, key->pubkey);
    snprintf(path, sizeof path, "/v1/accounts/%s", addr);
    char *body = NULL;
    int st = wt_proc_http_body(&body, "127.0.0.1", h->c.d.http_port, "GET", path, NULL, 5000);
    json_t *doc = st == 200 && body != NULL ? json_loads(body, 0, NULL) : NULL;
    free(body);
    int64_t nonce = doc != NULL ? (int64_t)json_integer_value(json_object_get(doc, "nonce")) : -1;
    json_decref(doc);
    return nonce;
}

static void count_refusal(harness *h, const char *code)
{
    for (size_t i = 0; i < sizeof h->refusals / sizeof h->refusals[0]; i++) {
        if (h->refusals[i].count == 0)
            snprintf(h->refusals[i].code, sizeof h->refusals[i].code, "%s", code);
        if (strcmp(h->refusals[i].code, code) == 0) {
            h->refusals[i].count++;
            return;
        }
    }
}

static void record(harness *h, int kind, int status, const char *code, const uint8_t txid[32],
                   uint64_t seq, int64_t amount)
{
    bool fresh;
    entry *e = map_put(&h->acks, txid, &fresh);
    if (!fresh) {
        h->acked_twice++;
        return;
    }
    e->kind = (uint8_t)kind;
    e->status = (uint8_t)status;
    e->seq = seq;
    e->amount_micro = amount;
    if (status == ACK_REJECTED) {
        h->rejected[kind]++;
        count_refusal(h, code);
        return;
    }
    h->acked[kind]++;
    h->duplicates += status == ACK_DUPLICATE;
    if (kind == KIND_MINT)
        h->acked_minted += amount;
    if (kind == KIND_BURN)
        h->acked_burned += amount;
}

/* One setup transaction, with the sender's current nonce, until committed
 * (the operator's nonce also moves with the daemon's SETTLEs: retried). */
static int setup_tx(harness *h, wt_tx *tx, const wt_seckey *key)
{
    for (int attempt = 0; attempt < 50; attempt++) {
        int64_t nonce = account_nonce(h, key);
        if (nonce < 0)
            return -1;
        tx->nonce = (uint64_t)nonce + 1;
        static rel_tx t;
        if (rel_sign(&h->c, &t, tx, key) != 0)
            return -1;
        const rel_tx *one[] = {&t};
        rel_result r;
        if (rel_http_submit(h->c.d.http_port, &r, one, 1, 5000) != 0)
            return -1;
        if (r.committed) {
            int64_t amount = tx->type == WT_TX_MINT ? tx->body.mint.amount_micro : 0;
            record(h, tx->type == WT_TX_MINT ? KIND_MINT : KIND_SETUP, ACK_COMMITTED, "ok", t.txid,
                   r.seq, amount);
            return 0;
        }
        if (strcmp(r.code, "bad_nonce") != 0) {
            fprintf(stderr, "soak: setup transaction refused: %s (%s)\n", r.code, r.field);
            return -1;
        }
    }
    return -1;
}

static int setup(harness *h)
{
    rel_chain *c = &h->c;
    wt_tx tx;
    wt_tx_init(&tx, WT_TX_REGISTER);
    tx.body.reg.kind = WT_TX_REGISTER_GATEWAY;
    memcpy(tx.body.reg.u.gateway.key, h->gateway.pubkey, 32);
    if (setup_tx(h, &tx, &c->operator_key) != 0)
        return -1;
    for (int i = 0; i < HOMES; i++) {
        char id[8];
        snprintf(id, sizeof id, "m%d", i);
        wt_tx_init(&tx, WT_TX_REGISTER);
        tx.body.reg.kind = WT_TX_REGISTER_METER;
        wt_meter_id_set(&tx.body.reg.u.meter.meter_id, id);
        memcpy(tx.body.reg.u.meter.owner, h->homes[i].pubkey, 32);
        memcpy(tx.body.reg.u.meter.gateway, h->gateway.pubkey, 32);
        if (setup_tx(h, &tx, &c->operator_key) != 0)
            return -1;
        wt_tx_init(&tx, WT_TX_MINT);
        memcpy(tx.body.mint.to, h->homes[i].pubkey, 32);
        tx.body.mint.amount_micro = INITIAL_MICRO;
        if (setup_tx(h, &tx, &c->issuer) != 0)
            return -1;
        wt_tx_init(&tx, WT_TX_STANDING);
        tx.body.standing.flags = WT_STANDING_HAS_SELL_MIN | WT_STANDING_HAS_BUY_MAX;
        tx.body.standing.sell_min_micro_per_kwh = (60 + 10 * i) * 1000000;
        tx.body.standing.buy_max_micro_per_kwh = (120 + 10 * i) * 1000000;
        if (setup_tx(h, &tx, &h->homes[i]) != 0)
            return -1;
    }
    return 0;
}

/* -------------------------------------------------------------- checking */

static int ack_fd_read = -1;

static void drain_acks(harness *h)
{
    static uint8_t buf[64 * sizeof(ack)];
    static size_t have;
    for (;;) {
        ssize_t n = read(ack_fd_read, buf + have, sizeof buf - have);
        if (n <= 0)
            break;
        have += (size_t)n;
        size_t whole = have / sizeof(ack);
        for (size_t i = 0; i < whole; i++) {
            ack a;
            memcpy(&a, buf + i * sizeof a, sizeof a);
            if (a.status == ACK_DONE) {
                h->clients_done++;
            } else if (a.status == ACK_FATAL) {
                h->fatal++;
                fprintf(stderr, "soak: client %u: %.*s\n", a.client, (int)sizeof a.code, a.code);
            } else {
                char code[sizeof a.code + 1];
                snprintf(code, sizeof code, "%.*s", (int)sizeof a.code, a.code);
                record(h, a.kind, a.status, code, a.txid, a.seq, a.amount_micro);
            }
        }
        memmove(buf, buf + whole * sizeof(ack), have - whole * sizeof(ack));
        have -= whole * sizeof(ack);
    }
}

typedef struct {
    txmap stored;     /* txid -> seq, kind */
    txmap memos;      /* hash of a client memo -> seen */
    uint64_t doubled; /* client operations stored twice */
} ledger_view;

static void view_tx(void *arg, const wt_store_tx *st, const wt_tx *tx)
{
    ledger_view *v = arg;
    bool fresh;
    entry *e = map_put(&v->stored, st->txid, &fresh);
    e->seq = st->seq;
    e->kind = (uint8_t)kind_of_tx(tx);
    const wt_memo *memo = tx->type == WT_TX_TRANSFER ? &tx->body.transfer.memo
                          : tx->type == WT_TX_MINT   ? &tx->body.mint.memo
                          : tx->type == WT_TX_BURN   ? &tx->body.burn.memo
                                                     : NULL;
    if (memo == NULL || memo->len == 0)
        return;
    uint8_t key[32];
    wt_sha256(key, memo->bytes, memo->len);
    map_put(&v->memos, key, &fresh);
    if (!fresh)
        v->doubled++; /* the same client operation twice, under two txids */
}

typedef struct {
    uint64_t lost, doubled, phantom, misplaced, rejected_stored;
    rel_ledger l;
} verdict;

/* Check the ledger against every answer seen so far. final: the clients
 * have finished, so every stored client transaction must have been
 * acknowledged and the minted/burned totals must match exactly. */
static int check(harness *h, verdict *v, bool final)
{
    memset(v, 0, sizeof *v);
    ledger_view view = {0};
    int rc = rel_ledger_check(&v->l, h->c.db, view_tx, &view);
    if (rc != 0)
        fprintf(stderr, "soak: ledger check: %s\n", v->l.what);
    v->doubled = view.doubled;
    for (size_t i = 0; i < h->acks.cap; i++) {
        entry *a = &h->acks.slots[i];
        if (!a->used)
            continue;
        entry *s = map_find(&view.stored, a->txid);
        if (a->status == ACK_REJECTED) {
            /* a refusal changes nothing (storage faults excepted: the soak has none) */
            v->rejected_stored += s != NULL;
        } else if (s == NULL) {
            v->lost++;
        } else if (s->seq != a->seq) {
            v->misplaced++;
        }
    }
    if (final) {
        for (size_t i = 0; i < view.stored.cap; i++) {
            entry *s = &view.stored.slots[i];
            if (!s->used || s->kind == KIND_SETUP)
                continue; /* the operator's own SETTLEs and the registrations */
            entry *a = map_find(&h->acks, s->txid);
            if (a == NULL || a->status == ACK_REJECTED)
                v->phantom++;
        }
        if (h->acked_minted != v->l.minted_micro || h->acked_burned != v->l.burned_micro) {
            fprintf(stderr,
                    "soak: clients were told of %lld minted and %lld burned; the ledger has "
                    "%lld and %lld\n",
                    (long long)h->acked_minted, (long long)h->acked_burned,
                    (long long)v->l.minted_micro, (long long)v->l.burned_micro);
            rc = -1;
        }
    }
    free(view.stored.slots);
    free(view.memos.slots);
    if (v->lost || v->doubled || v->phantom || v->misplaced || v->rejected_stored) {
        fprintf(stderr,
                "soak: lost %llu, doubled %llu, never acknowledged %llu, at another seq %llu, "
                "rejected yet stored %llu\n",
                (unsigned long long)v->lost, (unsigned long long)v->doubled,
                (unsigned long long)v->phantom, (unsigned long long)v->misplaced,
                (unsigned long long)v->rejected_stored);
        rc = -1;
    }
    if (rel_audit(h->o->wattle, h->c.db) != 0)
        rc = -1;
    return rc;
}

/* ----------------------------------------------------------------- main */

static int usage(void)
{
    fprintf(stderr, "usage: soak --wattled PATH --wattle PATH [--cycles N] [--seconds S] "
                    "[--seed X] [--min-up-ms A] [--max-up-ms B] [--think-ms T]\n");
    return 2;
}

static bool parse(options *o, int argc, char **argv)
{
    *o =
        (options){.cycles = 50, .seconds = 900, .min_up_ms = 300, .max_up_ms = 3000, .think_ms = 2};
    bool seeded = false;
    for (int i = 1; i < argc; i += 2) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (v == NULL)
            return false;
        char *end = NULL;
        long n = strtol(v, &end, 10);
        bool num = end != v && *end == '\0' && n >= 0;
        if (strcmp(a, "--wattled") == 0)
            o->wattled = v;
        else if (strcmp(a, "--wattle") == 0)
            o->wattle = v;
        else if (strcmp(a, "--cycles") == 0 && num && n >= 1)
            o->cycles = n;
        else if (strcmp(a, "--seconds") == 0 && num && n >= 1)
            o->seconds = n;
        else if (strcmp(a, "--min-up-ms") == 0 && num)
            o->min_up_ms = n;
        else if (strcmp(a, "--max-up-ms") == 0 && num)
            o->max_up_ms = n;
        else if (strcmp(a, "--think-ms") == 0 && num)
            o->think_ms = n;
        else if (strcmp(a, "--seed") == 0 && end != v && *end == '\0') {
            o->seed = strtoull(v, NULL, 10);
            seeded = true;
        } else
            return false;
    }
    if (!seeded) {
        const char *env = getenv("WT_TEST_SEED");
        o->seed = env != NULL ? strtoull(env, NULL, 10) : (uint64_t)time(NULL);
    }
    return o->wattled != NULL && o->wattle != NULL && o->min_up_ms <= o->max_up_ms;
}

static void print_summary(const harness *h, long cycles, const verdict *v, int64_t elapsed_ms)
{
    uint64_t acked = 0, rejected = 0;
    for (int k = 0; k < KIND_COUNT; k++) {
        acked += h->acked[k];
        rejected += h->rejected[k];
    }
    printf("soak: seed %" PRIu64 ", %ld cycles (SIGKILL at random moments), %.0f s\n", h->o->seed,
           cycles, (double)elapsed_ms / 1000.0);
    printf("  acknowledged %" PRIu64 " transactions:", acked);
    for (int k = 0; k < KIND_COUNT; k++)
        printf(" %s %" PRIu64 "%s", kind_names[k], h->acked[k], k + 1 < KIND_COUNT ? "," : "\n");
    printf("  of which answered as duplicates (acknowledgement lost in a crash, resent): %" PRIu64
           "\n",
           h->duplicates);
    printf("  rejected answers %" PRIu64, rejected);
    for (size_t i = 0; i < sizeof h->refusals / sizeof h->refusals[0]; i++)
        if (h->refusals[i].count > 0)
            printf("%s %s %" PRIu64, i == 0 ? " (" : ",", h->refusals[i].code,
                   h->refusals[i].count);
    printf("%s, none stored\n", rejected > 0 ? ")" : "");
    printf("  ledger: %" PRIu64 " transactions, %" PRIu64 " blocks, %" PRIu64
           " intervals settled consecutively, none twice\n",
           v->l.txs, v->l.blocks, v->l.settles);
    printf("  money: balances %lld + holds %lld = minted %lld - burned %lld (micro-U)\n",
           (long long)v->l.balances_micro, (long long)v->l.holds_micro,
           (long long)v->l.minted_micro, (long long)v->l.burned_micro);
    printf("  lost %" PRIu64 ", doubled %" PRIu64 ", never acknowledged %" PRIu64
           "; wattle audit passed after every cycle\n",
           v->lost, v->doubled, v->phantom);
}

int main(int argc, char **argv)
{
    static harness h;
    options o;
    if (!parse(&o, argc, argv))
        return usage();
    h.o = &o;
    signal(SIGPIPE, SIG_IGN);
    int64_t t0 = mono_ms();
    printf("soak: seed %" PRIu64 " (replay with --seed %" PRIu64 "), up to %ld cycles or %ld s\n",
           o.seed, o.seed, o.cycles, o.seconds);
    fflush(stdout);
    if (rel_chain_make(&h.c, o.wattle, o.wattled, "wattle-soak",
                       (const char *[]){"--zones", "campus:10", NULL}, NULL) != 0)
        return 1;
    if (wt_wattled_start(&h.c.d, NULL) != 0) {
        rel_chain_free(&h.c);
        return 1;
    }
    for (int i = 0; i < HOMES; i++) {
        char label[16];
        snprintf(label, sizeof label, "soak-home-%d", i);
        rel_key(&h.c, &h.homes[i], label);
    }
    rel_key(&h.c, &h.gateway, "soak-gateway");
    if (setup(&h) != 0) {
        fprintf(stderr, "soak: setup failed\n");
        wt_proc_print_file(h.c.d.log_path);
        rel_chain_free(&h.c);
        return 1;
    }

    /* the clients */
    int ack_pipe[2], stop_pipe[2];
    /* close-on-exec: a restarted wattled must not hold the stop pipe open */
    if (pipe2(ack_pipe, O_CLOEXEC) != 0 || pipe2(stop_pipe, O_CLOEXEC) != 0)
        return 1;
    fcntl(ack_pipe[0], F_SETPIPE_SZ, 1 << 20);
    fcntl(ack_pipe[0], F_SETFL, O_NONBLOCK);
    ack_fd_read = ack_pipe[0];
    enum { CLIENTS = TRANSFER_CLIENTS + 3 };
    pid_t pids[CLIENTS];
    fflush(NULL);
    for (int i = 0; i < CLIENTS; i++) {
        static client cl;
        memset(&cl, 0, sizeof cl);
        cl.o = &o;
        cl.c = &h.c;
        cl.index = i;
        cl.kind = i < TRANSFER_CLIENTS        ? KIND_TRANSFER
                  : i == TRANSFER_CLIENTS     ? KIND_ORDER
                  : i == TRANSFER_CLIENTS + 1 ? KIND_READINGS
                                              : KIND_MINT;
        cl.key = cl.kind == KIND_TRANSFER   ? h.homes[i]
                 : cl.kind == KIND_ORDER    ? h.homes[3]
                 : cl.kind == KIND_READINGS ? h.gateway
                                            : h.c.issuer;
        int64_t nonce = account_nonce(&h, &cl.key);
        if (nonce < 0)
            return 1;
        cl.nonce = (uint64_t)nonce;
        memcpy(cl.homes, h.homes, sizeof cl.homes);
        cl.ack_fd = ack_pipe[1];
        cl.stop_fd = stop_pipe[0];
        cl.hard_deadline_ms = mono_ms() + (o.seconds + 60) * 1000;
        cl.rng = o.seed * 1000003 + (uint64_t)i;
        pids[i] = fork();
        if (pids[i] < 0)
            return 1;
        if (pids[i] == 0) {
            close(ack_pipe[0]);
            close(stop_pipe[1]);
            client_main(&cl);
        }
    }
    close(ack_pipe[1]);
    close(stop_pipe[0]);

    uint64_t rng = o.seed;
    int failures = 0;
    long cycle = 0;
    verdict v;
    memset(&v, 0, sizeof v);
    for (cycle = 1; cycle <= o.cycles; cycle++) {
        if (mono_ms() - t0 > o.seconds * 1000) {
            printf("soak: time limit (%ld s) reached after %ld cycles\n", o.seconds, cycle - 1);
            cycle--;
            break;
        }
        int64_t up_ms = rng_range(&rng, o.min_up_ms, o.max_up_ms);
        for (int64_t until = mono_ms() + up_ms; mono_ms() < until;) {
            drain_acks(&h);
            wt_proc_sleep_ms(10);
        }
        int status = wt_wattled_stop(&h.c.d, SIGKILL);
        drain_acks(&h);
        bool killed = status != -1 && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
        int rc = killed ? check(&h, &v, false) : -1;
        uint64_t acked = 0;
        for (int k = 0; k < KIND_COUNT; k++)
            acked += h.acked[k];
        printf("cycle %ld: up %lld ms, killed%s; %" PRIu64 " acknowledged so far; ledger %" PRIu64
               " txs, %" PRIu64 " blocks, %" PRIu64 " settled; %s\n",
               cycle, (long long)up_ms, killed ? "" : " (it had died by itself)", acked, v.l.txs,
               v.l.blocks, v.l.settles, rc == 0 ? "all checks hold" : "CHECK FAILED");
        fflush(stdout);
        if (rc != 0 || h.fatal > 0 || h.acked_twice > 0) {
            failures++;
            wt_proc_print_file(h.c.d.log_path);
            break;
        }
        if (wt_wattled_start(&h.c.d, NULL) != 0) {
            failures++;
            break;
        }
    }
    if (cycle > o.cycles)
        cycle = o.cycles;
    /* the end: the clients finish what they have in flight, then a clean stop */
    if (h.c.d.pid == 0 && wt_wattled_start(&h.c.d, NULL) != 0)
        failures++;
    close(stop_pipe[1]);
    int waiting = CLIENTS;
    for (int64_t until = mono_ms() + FINISH_MS + 10000; waiting > 0;) {
        for (int i = 0; i < CLIENTS; i++)
            if (pids[i] > 0 && waitpid(pids[i], NULL, WNOHANG) == pids[i]) {
                pids[i] = 0;
                waiting--;
            }
        drain_acks(&h);
        if (waiting > 0 && mono_ms() > until) {
            fprintf(stderr, "soak: %d clients did not finish; killed\n", waiting);
            for (int i = 0; i < CLIENTS; i++)
                if (pids[i] > 0) {
                    kill(pids[i], SIGKILL);
                    waitpid(pids[i], NULL, 0);
                }
            failures++;
            break;
        }
        wt_proc_sleep_ms(10);
    }
    drain_acks(&h);
    if (!wt_wattled_stop_clean(&h.c.d))
        failures++;
    if (h.clients_done != CLIENTS || h.fatal > 0 || h.acked_twice > 0) {
        fprintf(stderr,
                "soak: %d of %d clients finished, %" PRIu64 " fatal, %" PRIu64
                " acknowledged twice\n",
                h.clients_done, CLIENTS, h.fatal, h.acked_twice);
        failures++;
    }
    if (check(&h, &v, true) != 0)
        failures++;
    print_summary(&h, cycle, &v, mono_ms() - t0);
    printf("soak: %s\n", failures == 0 ? "PASSED" : "FAILED");
    if (failures != 0)
        fprintf(stderr, "soak: the chain is kept in %s for a look\n", h.c.tmp);
    else
        rel_chain_free(&h.c);
    free(h.acks.slots);
    return failures == 0 ? 0 : 1;
}
