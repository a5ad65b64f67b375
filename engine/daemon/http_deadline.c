/* http_deadline.c — a deadline for each HTTP request, against slow clients.
 *
 * evhttp's timeout is an idle timeout: it restarts with every byte that
 * arrives, so a client that trickles a byte a second ("slowloris") holds a
 * connection for as long as it likes. Here each connection gets a timer:
 * armed when the connection is accepted and again when a reply has been
 * sent, stopped when a request has arrived whole (the router calls
 * wt_http_deadlines_request); when it fires the connection is closed. So a
 * request must arrive complete within timeout_s of the connection's start
 * or of the previous reply.
 *
 * libevent 2.1 has no callback for a new connection, only one that makes its
 * bufferevent (evhttp_set_bevcb). That one creates the guard and activates
 * its event at once: the activation runs right after evhttp has built the
 * connection around the bufferevent and before any I/O on it, and finds the
 * connection as the bufferevent's callback argument; from then on the
 * connection's close callback tells the guard when it goes. Guards are found
 * by the connection's socket (a table indexed by fd, this thread's only).
 */
#include "daemon.h"

#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <stdlib.h>
#include <string.h>

typedef struct guard {
    struct wt_http_deadlines *dl;
    struct bufferevent *bev;
    struct evhttp_connection *evcon; /* NULL until attached */
    struct event *timer;
    int fd;
} guard;

struct wt_http_deadlines {
    struct event_base *base;
    struct timeval timeout;
    _Atomic uint64_t *closed_count; /* the metric to count closes in */
    guard **by_fd;
    size_t by_fd_cap;
};

static void guard_free(guard *g)
{
    wt_http_deadlines *dl = g->dl;
    if (g->fd >= 0 && (size_t)g->fd < dl->by_fd_cap && dl->by_fd[g->fd] == g)
        dl->by_fd[g->fd] = NULL;
    event_free(g->timer);
    free(g);
}

static void on_close(struct evhttp_connection *evcon, void *arg)
{
    (void)evcon;
    guard_free(arg);
}

static bool table_put(wt_http_deadlines *dl, int fd, guard *g)
{
    if ((size_t)fd >= dl->by_fd_cap) {
        size_t cap = dl->by_fd_cap == 0 ? 256 : dl->by_fd_cap;
        while (cap <= (size_t)fd)
            cap *= 2;
        guard **bigger = realloc(dl->by_fd, cap * sizeof *bigger);
        if (bigger == NULL)
            return false;
        memset(bigger + dl->by_fd_cap, 0, (cap - dl->by_fd_cap) * sizeof *bigger);
        dl->by_fd = bigger;
        dl->by_fd_cap = cap;
    }
    if (dl->by_fd[fd] != NULL) {
        /* a connection on this socket went without its close callback: never
         * expected; drop the stale guard rather than act on it */
        wt_log(WT_LOG_ERROR, "http", "internal: a request deadline outlived its connection");
        guard *stale = dl->by_fd[fd];
        stale->fd = -1;
        guard_free(stale);
    }
    dl->by_fd[fd] = g;
    return true;
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    guard *g = arg;
    if (g->evcon != NULL) {
        /* the deadline passed with a request still arriving */
        wt_log(WT_LOG_INFO, "http", "closed a connection whose request took over %ld s",
               (long)g->dl->timeout.tv_sec);
        if (g->dl->closed_count != NULL)
            atomic_fetch_add(g->dl->closed_count, 1);
        evhttp_connection_free(g->evcon); /* its close callback frees g */
        return;
    }
    /* the first run: evhttp has built the connection; nothing read yet */
    void *cbarg = NULL;
    bufferevent_getcb(g->bev, NULL, NULL, NULL, &cbarg);
    g->fd = (int)bufferevent_getfd(g->bev);
    if (cbarg == NULL || g->fd < 0 || !table_put(g->dl, g->fd, g)) {
        g->fd = -1;
        guard_free(g); /* no connection to watch (or no memory: no deadline) */
        return;
    }
    g->evcon = cbarg;
    evhttp_connection_set_closecb(g->evcon, on_close, g);
    evtimer_add(g->timer, &g->dl->timeout);
}

static struct bufferevent *make_bev(struct event_base *base, void *arg)
{
    wt_http_deadlines *dl = arg;
    struct bufferevent *bev = bufferevent_socket_new(base, -1, 0); /* what evhttp makes itself */
    guard *g = bev != NULL ? calloc(1, sizeof *g) : NULL;
    if (g == NULL)
        return bev; /* no memory: this connection goes without a deadline */
    g->dl = dl;
    g->bev = bev;
    g->fd = -1;
    g->timer = evtimer_new(base, on_timer, g);
    if (g->timer == NULL) {
        free(g);
        return bev;
    }
    event_active(g->timer, EV_TIMEOUT, 1);
    return bev;
}

wt_http_deadlines *wt_http_deadlines_install(struct evhttp *http, struct event_base *base,
                                             uint32_t timeout_s, _Atomic uint64_t *closed_count)
{
    wt_http_deadlines *dl = calloc(1, sizeof *dl);
    if (dl == NULL)
        return NULL;
    dl->base = base;
    dl->timeout.tv_sec = (time_t)timeout_s;
    dl->closed_count = closed_count;
    evhttp_set_bevcb(http, make_bev, dl);
    return dl;
}

static void on_reply_sent(struct evhttp_request *req, void *arg)
{
    (void)req;
    guard *g = arg; /* still alive: the reply is sent before a close */
    evtimer_add(g->timer, &g->dl->timeout);
}

void wt_http_deadlines_request(wt_http_deadlines *dl, struct evhttp_request *req)
{
    if (dl == NULL)
        return;
    struct evhttp_connection *evcon = evhttp_request_get_connection(req);
    struct bufferevent *bev = evcon != NULL ? evhttp_connection_get_bufferevent(evcon) : NULL;
    int fd = bev != NULL ? (int)bufferevent_getfd(bev) : -1;
    guard *g = fd >= 0 && (size_t)fd < dl->by_fd_cap ? dl->by_fd[fd] : NULL;
    if (g == NULL || g->evcon != evcon)
        return;
    evtimer_del(g->timer); /* the request is here; the next one gets a new deadline */
    evhttp_request_set_on_complete_cb(req, on_reply_sent, g);
}

void wt_http_deadlines_free(wt_http_deadlines *dl)
{
    if (dl == NULL)
        return;
    /* evhttp_free has closed every connection, and with them their guards */
    free(dl->by_fd);
    free(dl);
}
