/* nng_idle.c — closes REP connections (nng pipes) that deliver no complete
 * request for idle_timeout_s: a peer that went silent after the SP handshake,
 * or stopped in the middle of a message, would otherwise hold its socket
 * forever (nng itself only times out a handshake that never completes, after
 * 10 s). nng clients (REQ) redial by themselves, so closing an idle one costs
 * it a reconnect at its next request, nothing more.
 *
 * Pipes are tracked from nng's pipe notifications (added, removed) in a small
 * open-addressing table keyed by pipe id; each complete request touches its
 * pipe; a reaper thread looks about four times per timeout and closes the
 * pipes not touched within it. */
#include "daemon.h"

#include <errno.h>
#include <nng/nng.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
    uint32_t id; /* 0: empty */
    int64_t last_ms;
} slot;

struct wt_nng_idle {
    nng_socket sock;
    int64_t timeout_ms;
    _Atomic uint64_t *closed_count;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stopping;
    pthread_t thread;
    bool thread_started;
    slot *slots;
    size_t cap, used; /* cap a power of two; used <= cap / 2 */
};

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static size_t home(const wt_nng_idle *t, uint32_t id)
{
    return (size_t)(id * UINT32_C(2654435761)) & (t->cap - 1);
}

/* The slot of id, or of the empty slot where it would go. */
static size_t find(const wt_nng_idle *t, uint32_t id)
{
    size_t i = home(t, id);
    while (t->slots[i].id != 0 && t->slots[i].id != id)
        i = (i + 1) & (t->cap - 1);
    return i;
}

static bool grow(wt_nng_idle *t)
{
    size_t cap = t->cap * 2;
    slot *bigger = calloc(cap, sizeof *bigger), *old = t->slots;
    if (bigger == NULL)
        return false;
    size_t old_cap = t->cap;
    t->slots = bigger;
    t->cap = cap;
    for (size_t i = 0; i < old_cap; i++)
        if (old[i].id != 0)
            t->slots[find(t, old[i].id)] = old[i];
    free(old);
    return true;
}

static void insert(wt_nng_idle *t, uint32_t id, int64_t now_ms)
{
    if ((t->used + 1) * 2 > t->cap && !grow(t))
        return; /* no memory: this pipe goes unwatched */
    size_t i = find(t, id);
    if (t->slots[i].id == 0)
        t->used++;
    t->slots[i] = (slot){id, now_ms};
}

/* Remove with backward shifting, so lookups need no tombstones. */
static void erase(wt_nng_idle *t, uint32_t id)
{
    size_t i = find(t, id);
    if (t->slots[i].id == 0)
        return;
    t->used--;
    for (size_t j = (i + 1) & (t->cap - 1); t->slots[j].id != 0; j = (j + 1) & (t->cap - 1)) {
        size_t h = home(t, t->slots[j].id);
        /* move j back into the hole at i unless its home lies in (i, j] */
        bool stays = i <= j ? (h > i && h <= j) : (h > i || h <= j);
        if (!stays) {
            t->slots[i] = t->slots[j];
            i = j;
        }
    }
    t->slots[i].id = 0;
}

static void on_pipe(nng_pipe p, nng_pipe_ev ev, void *arg)
{
    wt_nng_idle *t = arg;
    uint32_t id = (uint32_t)nng_pipe_id(p);
    pthread_mutex_lock(&t->lock);
    if (ev == NNG_PIPE_EV_ADD_POST)
        insert(t, id, mono_ms());
    else
        erase(t, id);
    pthread_mutex_unlock(&t->lock);
}

void wt_nng_idle_touch(wt_nng_idle *t, uint32_t pipe_id)
{
    if (t == NULL)
        return;
    pthread_mutex_lock(&t->lock);
    size_t i = find(t, pipe_id);
    if (t->slots[i].id == pipe_id)
        t->slots[i].last_ms = mono_ms();
    pthread_mutex_unlock(&t->lock);
}

#define REAP_BATCH 256

static void *reaper_main(void *arg)
{
    wt_nng_idle *t = arg;
    int64_t period_ms = t->timeout_ms / 4 > 0 ? t->timeout_ms / 4 : 1;
    if (period_ms > 1000)
        period_ms = 1000;
    pthread_mutex_lock(&t->lock);
    while (!t->stopping) {
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_sec += (time_t)(period_ms / 1000);
        until.tv_nsec += (long)(period_ms % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        int rc = 0;
        while (!t->stopping && rc != ETIMEDOUT)
            rc = pthread_cond_timedwait(&t->wake, &t->lock, &until);
        if (t->stopping)
            break;
        uint32_t stale[REAP_BATCH];
        size_t n = 0;
        int64_t now_ms = mono_ms();
        for (size_t i = 0; i < t->cap && n < REAP_BATCH; i++)
            if (t->slots[i].id != 0 && now_ms - t->slots[i].last_ms >= t->timeout_ms) {
                stale[n++] = t->slots[i].id;
                t->slots[i].last_ms = now_ms; /* not again before nng removes it */
            }
        pthread_mutex_unlock(&t->lock);
        for (size_t k = 0; k < n; k++) {
            nng_pipe p = NNG_PIPE_INITIALIZER;
            p.id = stale[k];
            if (nng_pipe_close(p) == 0 && t->closed_count != NULL)
                atomic_fetch_add(t->closed_count, 1);
        }
        if (n > 0)
            wt_log(WT_LOG_INFO, "nng", "closed %zu connection(s) idle for %lld s", n,
                   (long long)(t->timeout_ms / 1000));
        pthread_mutex_lock(&t->lock);
    }
    pthread_mutex_unlock(&t->lock);
    return NULL;
}

wt_err wt_nng_idle_start(wt_nng_idle **out, nng_socket sock, uint32_t timeout_s,
                         _Atomic uint64_t *closed_count)
{
    *out = NULL;
    wt_nng_idle *t = calloc(1, sizeof *t);
    if (t == NULL)
        return WT_ERR_NO_MEMORY;
    t->sock = sock;
    t->timeout_ms = (int64_t)timeout_s * 1000;
    t->closed_count = closed_count;
    t->cap = 64;
    t->slots = calloc(t->cap, sizeof *t->slots);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&t->wake, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&t->lock, NULL);
    *out = t;
    if (t->slots == NULL)
        return WT_ERR_NO_MEMORY;
    if (nng_pipe_notify(sock, NNG_PIPE_EV_ADD_POST, on_pipe, t) != 0 ||
        nng_pipe_notify(sock, NNG_PIPE_EV_REM_POST, on_pipe, t) != 0)
        return WT_ERR_INTERNAL;
    if (pthread_create(&t->thread, NULL, reaper_main, t) != 0)
        return WT_ERR_NO_MEMORY;
    t->thread_started = true;
    return WT_OK;
}

void wt_nng_idle_stop(wt_nng_idle *t)
{
    if (t == NULL || !t->thread_started)
        return;
    pthread_mutex_lock(&t->lock);
    t->stopping = true;
    pthread_cond_signal(&t->wake);
    pthread_mutex_unlock(&t->lock);
    pthread_join(t->thread, NULL);
    t->thread_started = false;
}

void wt_nng_idle_free(wt_nng_idle *t)
{
    if (t == NULL)
        return;
    wt_nng_idle_stop(t);
    pthread_cond_destroy(&t->wake);
    pthread_mutex_destroy(&t->lock);
    free(t->slots);
    free(t);
}
