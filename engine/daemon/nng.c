/* nng.c — the REP submission socket and the PUB event socket.
 *
 * REP: `contexts` REP contexts, each driven by its aio's callback, and a few
 * worker threads (one per core). A request goes: received (nng's thread runs
 * the callback) → decoded, its signatures checked and its transactions
 * handed to the node without waiting (wt_daemon_submit_start) → the
 * sequencer's group commit makes them durable → counted, published and
 * answered → the send's callback receives the next request on that context.
 * A small request (at most INLINE_TXS_MAX transactions, what a payment
 * terminal or a household sends) is checked on the nng thread that received
 * it and answered on the sequencer's thread: a hand-off to another thread
 * costs about as much as one signature check, and two of them per request
 * cost a fifth of the single-message rate (measured). A larger one goes to
 * the workers both ways, so that neither nng's threads nor the sequencer
 * spend milliseconds on one client. No thread sleeps through a commit, so
 * one sequencer commit answers many clients. Every context holds at most one
 * request, so `contexts` bounds the memory in hand (with nng's RECVMAXSZ). */
#include "daemon.h"
#include "wire.h"

#include "pool.h"

#include <nng/nng.h>
#include <nng/protocol/pubsub0/pub.h>
#include <nng/protocol/reqrep0/rep.h>
#include <stdlib.h>
#include <string.h>

#define REQUEST_BYTES_MAX (WT_WIRE_TXS_MAX * (size_t)4096)
/* A reply not taken by then is dropped (the client can ask for the
 * transaction's status); it bounds how long a client that stops reading
 * holds a context, and how long a stop waits for it. */
#define REPLY_TIMEOUT_MS 5000
/* Requests of at most this many transactions skip the workers (see above):
 * checking them holds an nng thread for ~150 µs at most. */
#define INLINE_TXS_MAX 4

typedef enum { SLOT_RECEIVING, SLOT_WORKING, SLOT_SENDING } slot_state;

/* One REP context and the request it holds. */
typedef struct slot {
    struct slot *next; /* in a job queue */
    struct wt_nng_server *s;
    nng_ctx ctx;
    bool ctx_open;
    nng_aio *aio;
    slot_state state;
    nng_msg *req;
    bool committed;     /* queued as a reply: the node is done with it */
    size_t count;       /* transactions in req */
    int64_t started_us; /* wt_daemon_submit_start */
    /* grown to the largest request seen on this context */
    size_t cap;
    const uint8_t **txs;
    size_t *lens;
    wt_submit_result *results;
    wt_wire_result *wire;
} slot;

struct wt_nng_server {
    wt_daemon *d;
    nng_socket rep, pub;
    bool rep_open, pub_open;
    pthread_mutex_t pub_lock;     /* guards pub_aio */
    nng_aio *pub_aio;             /* one send at a time: allocating an aio per event cost a
                                     getrandom(2) each */
    _Atomic uint32_t subscribers; /* PUB connections now open */
    wt_nng_idle *idle;            /* closes connections that send no complete request */
    slot *slots;
    uint32_t slots_count;
    /* the workers' jobs: committed requests (answered first) and new ones */
    pthread_mutex_t lock;
    pthread_cond_t work;   /* a job was queued, or the workers should leave */
    pthread_cond_t idle_c; /* in_hand fell to zero */
    slot *replies, *replies_tail, *requests, *requests_tail;
    uint32_t in_hand; /* requests received and not yet answered */
    bool stopping;    /* take no new request */
    bool leaving;     /* workers: leave */
    pthread_t *threads;
    uint32_t threads_count;
};

static void push(slot **head, slot **tail, slot *x)
{
    x->next = NULL;
    if (*tail != NULL)
        (*tail)->next = x;
    else
        *head = x;
    *tail = x;
}

static slot *pop(slot **head, slot **tail)
{
    slot *x = *head;
    if (x != NULL) {
        *head = x->next;
        if (*head == NULL)
            *tail = NULL;
    }
    return x;
}

static nng_msg *error_reply(const char *message)
{
    nng_msg *msg;
    uint8_t buf[8 + WT_WIRE_TEXT_MAX];
    size_t n = 0;
    if (wt_wire_error_encode(buf, sizeof buf, &n, message) != WT_OK)
        return NULL;
    if (nng_msg_alloc(&msg, 0) != 0)
        return NULL;
    if (nng_msg_append(msg, buf, n) != 0) {
        nng_msg_free(msg);
        return NULL;
    }
    return msg;
}

static nng_msg *error_reply_err(wt_err err)
{
    char text[128];
    snprintf(text, sizeof text, "%s: %s", wt_errname(err), wt_strerror(err));
    return error_reply(text);
}

static bool slot_grow(slot *x, size_t count)
{
    if (count <= x->cap)
        return true;
    size_t cap = x->cap == 0 ? 1 : x->cap;
    while (cap < count)
        cap *= 2;
    if (cap > WT_WIRE_TXS_MAX)
        cap = WT_WIRE_TXS_MAX;
    const uint8_t **txs = realloc(x->txs, cap * sizeof *txs);
    if (txs != NULL)
        x->txs = txs;
    size_t *lens = realloc(x->lens, cap * sizeof *lens);
    if (lens != NULL)
        x->lens = lens;
    wt_submit_result *results = realloc(x->results, cap * sizeof *results);
    if (results != NULL)
        x->results = results;
    wt_wire_result *wire = realloc(x->wire, cap * sizeof *wire);
    if (wire != NULL)
        x->wire = wire;
    if (txs == NULL || lens == NULL || results == NULL || wire == NULL)
        return false;
    x->cap = cap;
    return true;
}

/* The reply to a committed request (NULL: out of memory). */
static nng_msg *committed_reply(slot *x)
{
    for (size_t i = 0; i < x->count; i++) {
        const wt_submit_result *r = &x->results[i];
        wt_wire_result *o = &x->wire[i];
        memset(o, 0, sizeof *o);
        memcpy(o->txid, r->txid, 32);
        o->status = r->err != WT_OK ? WT_WIRE_REJECTED
                    : r->duplicate  ? WT_WIRE_DUPLICATE
                                    : WT_WIRE_COMMITTED;
        o->seq = r->err == WT_OK ? r->seq : 0;
        o->height = r->err == WT_OK ? r->height : 0;
        o->code = r->err == WT_OK ? "ok" : wt_errname(r->err);
        o->code_len = strlen(o->code);
        o->field = r->err == WT_OK ? NULL : r->field;
        o->field_len = o->field != NULL ? strlen(o->field) : 0;
        if (o->field_len > WT_WIRE_TEXT_MAX)
            o->field_len = WT_WIRE_TEXT_MAX;
    }
    size_t size = wt_wire_reply_size(x->wire, x->count);
    nng_msg *msg;
    if (size == 0 || nng_msg_alloc(&msg, size) != 0)
        return error_reply("no_memory: out of memory");
    size_t n = 0;
    if (wt_wire_reply_encode(nng_msg_body(msg), size, &n, x->wire, x->count) != WT_OK) {
        nng_msg_free(msg);
        return error_reply("internal: cannot encode the reply");
    }
    return msg;
}

static void slot_receive(slot *x)
{
    nng_aio_set_timeout(x->aio, NNG_DURATION_INFINITE); /* a client may wait long between */
    nng_ctx_recv(x->ctx, x->aio);
}

/* The request is answered (or dropped): the context may take the next. */
static void slot_answered(slot *x)
{
    struct wt_nng_server *s = x->s;
    pthread_mutex_lock(&s->lock);
    s->in_hand--;
    bool stopping = s->stopping;
    if (s->in_hand == 0)
        pthread_cond_broadcast(&s->idle_c);
    pthread_mutex_unlock(&s->lock);
    x->state = SLOT_RECEIVING;
    if (!stopping)
        slot_receive(x);
}

/* Send reply (NULL: none could be made; the client's REQ will retry). */
static void slot_send(slot *x, nng_msg *reply)
{
    if (x->req != NULL) {
        nng_msg_free(x->req);
        x->req = NULL;
    }
    if (reply == NULL) {
        slot_answered(x);
        return;
    }
    x->state = SLOT_SENDING;
    nng_aio_set_msg(x->aio, reply);
    nng_aio_set_timeout(x->aio, REPLY_TIMEOUT_MS);
    nng_ctx_send(x->ctx, x->aio);
}

static void take_request(slot *x);
static void answer(slot *x);

/* The context's aio finished (on one of nng's threads). */
static void slot_aio_done(void *arg)
{
    slot *x = arg;
    struct wt_nng_server *s = x->s;
    int rv = nng_aio_result(x->aio);
    if (x->state == SLOT_SENDING) {
        if (rv != 0)
            nng_msg_free(nng_aio_get_msg(x->aio)); /* the client has gone */
        slot_answered(x);
        return;
    }
    if (rv == NNG_ECLOSED || rv == NNG_ECANCELED)
        return; /* closing */
    if (rv != 0) {
        slot_receive(x);
        return;
    }
    nng_msg *req = nng_aio_get_msg(x->aio);
    pthread_mutex_lock(&s->lock);
    if (s->stopping) {
        pthread_mutex_unlock(&s->lock);
        nng_msg_free(req); /* not taken: nothing was applied */
        return;
    }
    s->in_hand++;
    x->req = req;
    x->committed = false;
    x->state = SLOT_WORKING;
    if (wt_wire_request_capacity(nng_msg_body(req), nng_msg_len(req)) <= INLINE_TXS_MAX) {
        pthread_mutex_unlock(&s->lock);
        take_request(x);
        return;
    }
    push(&s->requests, &s->requests_tail, x);
    pthread_cond_signal(&s->work);
    pthread_mutex_unlock(&s->lock);
}

/* The node is done with the slot's transactions (on the sequencer's thread). */
static void slot_committed(void *arg)
{
    slot *x = arg;
    struct wt_nng_server *s = x->s;
    if (x->count <= INLINE_TXS_MAX) {
        answer(x); /* quick and never calls into the node, as done must */
        return;
    }
    pthread_mutex_lock(&s->lock);
    x->committed = true;
    push(&s->replies, &s->replies_tail, x);
    pthread_cond_signal(&s->work);
    pthread_mutex_unlock(&s->lock);
}

/* A new request: decode it and hand it to the node. */
static void take_request(slot *x)
{
    wt_daemon *d = x->s->d;
    wt_nng_idle_touch(x->s->idle, (uint32_t)nng_pipe_id(nng_msg_get_pipe(x->req)));
    atomic_fetch_add(&d->metrics.nng_requests, 1);
    const uint8_t *body = nng_msg_body(x->req);
    size_t len = nng_msg_len(x->req);
    size_t count = 0;
    wt_err err = slot_grow(x, wt_wire_request_capacity(body, len)) ? WT_OK : WT_ERR_NO_MEMORY;
    if (err == WT_OK)
        err = wt_wire_request_decode(x->txs, x->lens, x->cap, &count, body, len);
    if (err == WT_ERR_BUFFER_TOO_SMALL)
        err = WT_ERR_BAD_REQUEST; /* the room fits all it can hold: it announces more */
    if (err != WT_OK) {
        if (err != WT_ERR_NO_MEMORY)
            atomic_fetch_add(&d->metrics.nng_bad_requests, 1);
        slot_send(x, error_reply_err(err));
        return;
    }
    x->count = count;
    /* slot_committed may run (and a worker answer) before this returns */
    err = wt_daemon_submit_start(d, &x->started_us, x->results, (const uint8_t *const *)x->txs,
                                 x->lens, count, slot_committed, x);
    if (err != WT_OK)
        slot_send(x, error_reply_err(err));
}

/* A committed request: count, publish and answer. */
static void answer(slot *x)
{
    wt_daemon_submit_finish(x->s->d, x->started_us, x->results, (const uint8_t *const *)x->txs,
                            x->lens, x->count);
    slot_send(x, committed_reply(x));
}

static void *worker_main(void *arg)
{
    struct wt_nng_server *s = arg;
    pthread_mutex_lock(&s->lock);
    for (;;) {
        slot *x = pop(&s->replies, &s->replies_tail);
        if (x == NULL)
            x = pop(&s->requests, &s->requests_tail);
        if (x == NULL) {
            if (s->leaving)
                break;
            pthread_cond_wait(&s->work, &s->lock);
            continue;
        }
        pthread_mutex_unlock(&s->lock);
        if (x->committed)
            answer(x);
        else
            take_request(x);
        pthread_mutex_lock(&s->lock);
    }
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

static void on_pub_pipe(nng_pipe pipe, nng_pipe_ev ev, void *arg)
{
    (void)pipe;
    struct wt_nng_server *s = arg;
    if (ev == NNG_PIPE_EV_ADD_POST)
        atomic_fetch_add(&s->subscribers, 1);
    else if (ev == NNG_PIPE_EV_REM_POST)
        atomic_fetch_sub(&s->subscribers, 1);
}

wt_err wt_nng_start(wt_daemon *d)
{
    struct wt_nng_server *s = calloc(1, sizeof *s);
    if (s == NULL)
        return WT_ERR_NO_MEMORY;
    s->d = d;
    d->nng = s;
    pthread_mutex_init(&s->pub_lock, NULL);
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->work, NULL);
    pthread_cond_init(&s->idle_c, NULL);
    int rv = nng_pub0_open(&s->pub);
    if (rv == 0) {
        s->pub_open = true;
        /* PUB drops what a subscriber's queue cannot take; the default 16
         * messages per subscriber lost acct/ events at a few thousand payments
         * per second (a shop terminal then waits for its poll). nng's maximum. */
        rv = nng_socket_set_int(s->pub, NNG_OPT_SENDBUF, 8192);
    }
    if (rv == 0)
        rv = nng_aio_alloc(&s->pub_aio, NULL, NULL);
    if (rv == 0)
        rv = nng_pipe_notify(s->pub, NNG_PIPE_EV_ADD_POST, on_pub_pipe, s);
    if (rv == 0)
        rv = nng_pipe_notify(s->pub, NNG_PIPE_EV_REM_POST, on_pub_pipe, s);
    if (rv == 0) {
        rv = nng_listen(s->pub, d->cfg.pub_url, NULL, 0);
        if (rv != 0)
            wt_log(WT_LOG_ERROR, "nng", "cannot listen on %s: %s", d->cfg.pub_url,
                   nng_strerror(rv));
    }
    if (rv == 0) {
        rv = nng_rep0_open(&s->rep);
        s->rep_open = rv == 0;
    }
    if (rv == 0)
        rv = nng_socket_set_size(s->rep, NNG_OPT_RECVMAXSZ, REQUEST_BYTES_MAX);
    if (rv == 0 && wt_nng_idle_start(&s->idle, s->rep, d->cfg.nng_idle_timeout_s,
                                     &d->metrics.nng_idle_closed) != WT_OK)
        return WT_ERR_NO_MEMORY;
    if (rv == 0) {
        rv = nng_listen(s->rep, d->cfg.listen_url, NULL, 0);
        if (rv != 0)
            wt_log(WT_LOG_ERROR, "nng", "cannot listen on %s: %s", d->cfg.listen_url,
                   nng_strerror(rv));
    }
    if (rv != 0)
        return WT_ERR_UNAVAILABLE;
    uint32_t workers = d->cfg.rep_workers != 0 ? d->cfg.rep_workers : wt_pool_cores();
    s->threads = calloc(workers, sizeof *s->threads);
    s->slots = calloc(d->cfg.rep_contexts, sizeof *s->slots);
    if (s->threads == NULL || s->slots == NULL)
        return WT_ERR_NO_MEMORY;
    for (uint32_t i = 0; i < workers; i++) {
        if (pthread_create(&s->threads[i], NULL, worker_main, s) != 0)
            return WT_ERR_NO_MEMORY;
        s->threads_count++;
    }
    for (uint32_t i = 0; i < d->cfg.rep_contexts; i++) {
        slot *x = &s->slots[i];
        x->s = s;
        if (nng_aio_alloc(&x->aio, slot_aio_done, x) != 0)
            return WT_ERR_NO_MEMORY;
        s->slots_count++;
        if (nng_ctx_open(&x->ctx, s->rep) != 0)
            return WT_ERR_NO_MEMORY;
        x->ctx_open = true;
        x->state = SLOT_RECEIVING;
        slot_receive(x);
    }
    return WT_OK;
}

void wt_nng_stop_rep(wt_daemon *d)
{
    struct wt_nng_server *s = d->nng;
    if (s == NULL || !s->rep_open)
        return;
    /* take nothing new; every request in hand finishes (the node answers
     * with its durable result and the reply is sent) */
    pthread_mutex_lock(&s->lock);
    s->stopping = true;
    while (s->in_hand > 0)
        pthread_cond_wait(&s->idle_c, &s->lock);
    pthread_mutex_unlock(&s->lock);
    for (uint32_t i = 0; i < s->slots_count; i++) {
        if (s->slots[i].ctx_open)
            nng_ctx_close(s->slots[i].ctx); /* its pending receive ends: ECLOSED */
        nng_aio_stop(s->slots[i].aio);      /* and its callback has returned */
        s->slots[i].ctx_open = false;
    }
    pthread_mutex_lock(&s->lock);
    s->leaving = true;
    pthread_cond_broadcast(&s->work);
    pthread_mutex_unlock(&s->lock);
    for (uint32_t i = 0; i < s->threads_count; i++)
        pthread_join(s->threads[i], NULL);
    s->threads_count = 0;
    wt_nng_idle_stop(s->idle);
    nng_close(s->rep); /* returns once nng's pipe callbacks are done */
    s->rep_open = false;
}

void wt_nng_close(wt_daemon *d)
{
    struct wt_nng_server *s = d->nng;
    if (s == NULL)
        return;
    wt_nng_stop_rep(d);
    if (s->pub_open)
        nng_close(s->pub);
    if (s->pub_aio != NULL)
        nng_aio_free(s->pub_aio);
    pthread_mutex_destroy(&s->pub_lock);
    wt_nng_idle_free(s->idle);
    for (uint32_t i = 0; i < s->slots_count; i++) {
        slot *x = &s->slots[i];
        nng_aio_free(x->aio);
        if (x->req != NULL)
            nng_msg_free(x->req);
        free(x->txs);
        free(x->lens);
        free(x->results);
        free(x->wire);
    }
    free(s->slots);
    pthread_cond_destroy(&s->idle_c);
    pthread_cond_destroy(&s->work);
    pthread_mutex_destroy(&s->lock);
    free(s->threads);
    free(s);
    d->nng = NULL;
}

bool wt_nng_has_subscribers(wt_daemon *d)
{
    struct wt_nng_server *s = d->nng;
    return s != NULL && s->pub_open && atomic_load(&s->subscribers) > 0;
}

void wt_nng_publish(wt_daemon *d, const char *topic, json_t *body)
{
    struct wt_nng_server *s = d->nng;
    if (!wt_nng_has_subscribers(d))
        return; /* nobody would get it */
    char *text = json_dumps(body, JSON_COMPACT);
    if (text == NULL)
        return;
    size_t tl = strlen(topic), bl = strlen(text);
    nng_msg *msg;
    if (nng_msg_alloc(&msg, tl + 1 + bl) == 0) {
        uint8_t *out = nng_msg_body(msg);
        memcpy(out, topic, tl);
        out[tl] = '\n';
        memcpy(out + tl + 1, text, bl);
        /* PUB never waits for a subscriber: it queues or drops, so the send
         * completes at once */
        pthread_mutex_lock(&s->pub_lock);
        nng_aio_set_msg(s->pub_aio, msg);
        nng_send_aio(s->pub, s->pub_aio);
        nng_aio_wait(s->pub_aio);
        if (nng_aio_result(s->pub_aio) != 0)
            nng_msg_free(msg);
        pthread_mutex_unlock(&s->pub_lock);
    }
    free(text);
}
