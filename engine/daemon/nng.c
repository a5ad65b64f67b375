/* nng.c — the REP submission socket (worker threads, one REP context each,
 * so many clients are served at once and their submissions meet in one group
 * commit) and the PUB event socket. */
#include "daemon.h"
#include "wire.h"

#include <nng/nng.h>
#include <nng/protocol/pubsub0/pub.h>
#include <nng/protocol/reqrep0/rep.h>
#include <stdlib.h>
#include <string.h>

#define REQUEST_BYTES_MAX (WT_WIRE_TXS_MAX * (size_t)4096)

struct wt_nng_server {
    wt_daemon *d;
    nng_socket rep, pub;
    bool rep_open, pub_open;
    pthread_mutex_t pub_lock;     /* guards pub_aio */
    nng_aio *pub_aio;             /* one send at a time: allocating an aio per event cost a
                                     getrandom(2) each */
    _Atomic uint32_t subscribers; /* PUB connections now open */
    pthread_t *threads;
    uint32_t threads_count;
    wt_nng_idle *idle;     /* closes connections that send no complete request */
    _Atomic bool stopping; /* workers leave at their next receive timeout */
};

#define WORKER_POLL_MS 100 /* how often an idle worker looks at `stopping` */

typedef struct {
    struct wt_nng_server *s;
    const uint8_t **txs;
    size_t *lens;
    wt_submit_result *results;
    wt_wire_result *wire;
} worker_mem;

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

/* Handle one request message; returns the reply (NULL: out of memory). */
static nng_msg *handle(worker_mem *w, const uint8_t *body, size_t len)
{
    wt_daemon *d = w->s->d;
    atomic_fetch_add(&d->metrics.nng_requests, 1);
    size_t count = 0;
    wt_err err = wt_wire_request_decode(w->txs, w->lens, WT_WIRE_TXS_MAX, &count, body, len);
    if (err != WT_OK) {
        atomic_fetch_add(&d->metrics.nng_bad_requests, 1);
        char text[128];
        snprintf(text, sizeof text, "%s: %s", wt_errname(err), wt_strerror(err));
        return error_reply(text);
    }
    err = wt_daemon_submit(d, w->results, (const uint8_t *const *)w->txs, w->lens, count);
    if (err != WT_OK) {
        char text[128];
        snprintf(text, sizeof text, "%s: %s", wt_errname(err), wt_strerror(err));
        return error_reply(text);
    }
    for (size_t i = 0; i < count; i++) {
        const wt_submit_result *r = &w->results[i];
        wt_wire_result *o = &w->wire[i];
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
    size_t size = wt_wire_reply_size(w->wire, count);
    nng_msg *msg;
    if (size == 0 || nng_msg_alloc(&msg, size) != 0)
        return error_reply("no_memory: out of memory");
    size_t n = 0;
    err = wt_wire_reply_encode(nng_msg_body(msg), size, &n, w->wire, count);
    if (err != WT_OK) {
        nng_msg_free(msg);
        return error_reply("internal: cannot encode the reply");
    }
    return msg;
}

static void *worker_main(void *arg)
{
    struct wt_nng_server *s = arg;
    worker_mem w = {.s = s};
    w.txs = calloc(WT_WIRE_TXS_MAX, sizeof *w.txs);
    w.lens = calloc(WT_WIRE_TXS_MAX, sizeof *w.lens);
    w.results = calloc(WT_WIRE_TXS_MAX, sizeof *w.results);
    w.wire = calloc(WT_WIRE_TXS_MAX, sizeof *w.wire);
    nng_ctx ctx;
    nng_aio *aio = NULL;
    if (w.txs == NULL || w.lens == NULL || w.results == NULL || w.wire == NULL ||
        nng_ctx_open(&ctx, s->rep) != 0) {
        wt_log(WT_LOG_ERROR, "nng", "a REP worker cannot start");
        goto out;
    }
    if (nng_aio_alloc(&aio, NULL, NULL) != 0) {
        nng_ctx_close(ctx);
        goto out;
    }
    /* a receive times out now and then so the worker sees `stopping`; the
     * socket is closed only after every worker has closed its context */
    nng_aio_set_timeout(aio, WORKER_POLL_MS);
    while (!atomic_load(&s->stopping)) {
        nng_ctx_recv(ctx, aio);
        nng_aio_wait(aio);
        int rv = nng_aio_result(aio);
        if (rv == NNG_ECLOSED)
            break;
        if (rv != 0)
            continue; /* NNG_ETIMEDOUT: look at `stopping` */
        nng_msg *req = nng_aio_get_msg(aio);
        wt_nng_idle_touch(s->idle, (uint32_t)nng_pipe_id(nng_msg_get_pipe(req)));
        nng_msg *rep = handle(&w, nng_msg_body(req), nng_msg_len(req));
        nng_msg_free(req);
        if (rep == NULL)
            continue; /* the client's REQ will retry */
        nng_aio_set_msg(aio, rep);
        nng_ctx_send(ctx, aio);
        nng_aio_wait(aio);
        if (nng_aio_result(aio) != 0)
            nng_msg_free(rep);
    }
    nng_aio_free(aio);
    nng_ctx_close(ctx);
out:
    free(w.txs);
    free(w.lens);
    free(w.results);
    free(w.wire);
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
    s->threads = calloc(d->cfg.rep_workers, sizeof *s->threads);
    if (s->threads == NULL)
        return WT_ERR_NO_MEMORY;
    for (uint32_t i = 0; i < d->cfg.rep_workers; i++) {
        if (pthread_create(&s->threads[i], NULL, worker_main, s) != 0)
            return WT_ERR_NO_MEMORY;
        s->threads_count++;
    }
    return WT_OK;
}

void wt_nng_stop_rep(wt_daemon *d)
{
    struct wt_nng_server *s = d->nng;
    if (s == NULL || !s->rep_open)
        return;
    /* each worker finishes the request in hand (wt_node_submit returns its
     * durable result and the reply is sent), then leaves at its next receive
     * timeout and closes its context; then the socket closes */
    atomic_store(&s->stopping, true);
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
