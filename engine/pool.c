/* pool.c — the engine's parallel-for (see pool.h). Each run hands out its
 * items in small chunks from its own atomic counter, so uneven items
 * balance out; the workers take chunks of the oldest run that has some. */
#include "pool.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>

/* Items taken at a time. Small, because a run ends when its last chunk does:
 * with 16 signature checks (~0.6 ms) per chunk, the caller of a 64-item run
 * often sat idle waiting for the other thread's last chunk, and a core stood
 * idle 13% of the time under batched submissions; with 4 the tail is
 * ~0.15 ms (nng_submit_batched_saturation 0.63 -> 0.68 of the verify
 * ceiling, five runs each). */
#define CHUNK 4
/* Runs this small stay on the caller: waking a worker costs more. */
#define INLINE_MAX 16

/* One wt_pool_run call, on its caller's stack while it lasts. */
typedef struct run {
    struct run *next; /* in the pool's list of runs with items to hand out */
    wt_pool_fn fn;
    void *arg;
    size_t count;
    atomic_size_t claimed; /* items handed out, in chunks; may pass count */
    unsigned helpers;      /* workers inside this run (under the pool's lock) */
} run;

struct wt_pool {
    pthread_mutex_t lock;
    pthread_cond_t wake; /* a run was listed, or the workers should leave */
    pthread_cond_t done; /* a run's last helper left it */
    pthread_t *threads;
    unsigned workers;
    bool stopping;
    run *runs; /* listed runs, oldest first; a caller unlists its own */
};

unsigned wt_pool_cores(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) {
        int n = CPU_COUNT(&set);
        if (n > 0)
            return (unsigned)n;
    }
    return 1;
}

/* Do chunks of r until none is left to claim. */
static void work(run *r)
{
    for (;;) {
        size_t start = atomic_fetch_add(&r->claimed, CHUNK);
        if (start >= r->count)
            return;
        size_t end = start + CHUNK < r->count ? start + CHUNK : r->count;
        for (size_t i = start; i < end; i++)
            r->fn(r->arg, i);
    }
}

/* The oldest listed run with items left to claim (under the lock). */
static run *open_run(const wt_pool *pool)
{
    for (run *r = pool->runs; r != NULL; r = r->next)
        if (atomic_load(&r->claimed) < r->count)
            return r;
    return NULL;
}

static void *worker_main(void *p)
{
    wt_pool *pool = p;
    pthread_mutex_lock(&pool->lock);
    for (;;) {
        run *r;
        while (!pool->stopping && (r = open_run(pool)) == NULL)
            pthread_cond_wait(&pool->wake, &pool->lock);
        if (pool->stopping)
            break;
        r->helpers++;
        pthread_mutex_unlock(&pool->lock);
        work(r);
        pthread_mutex_lock(&pool->lock);
        if (--r->helpers == 0)
            pthread_cond_broadcast(&pool->done);
    }
    pthread_mutex_unlock(&pool->lock);
    return NULL;
}

wt_err wt_pool_create(wt_pool **out, unsigned workers)
{
    *out = NULL;
    wt_pool *pool = calloc(1, sizeof *pool);
    if (pool == NULL)
        return WT_ERR_NO_MEMORY;
    pthread_mutex_init(&pool->lock, NULL);
    pthread_cond_init(&pool->wake, NULL);
    pthread_cond_init(&pool->done, NULL);
    pool->threads = calloc(workers > 0 ? workers : 1, sizeof *pool->threads);
    if (pool->threads == NULL) {
        wt_pool_destroy(pool);
        return WT_ERR_NO_MEMORY;
    }
    for (unsigned i = 0; i < workers; i++) {
        if (pthread_create(&pool->threads[i], NULL, worker_main, pool) != 0) {
            wt_pool_destroy(pool);
            return WT_ERR_NO_MEMORY;
        }
        pool->workers++;
    }
    *out = pool;
    return WT_OK;
}

void wt_pool_destroy(wt_pool *pool)
{
    if (pool == NULL)
        return;
    pthread_mutex_lock(&pool->lock);
    pool->stopping = true;
    pthread_cond_broadcast(&pool->wake);
    pthread_mutex_unlock(&pool->lock);
    for (unsigned i = 0; i < pool->workers; i++)
        pthread_join(pool->threads[i], NULL);
    free(pool->threads);
    pthread_cond_destroy(&pool->wake);
    pthread_cond_destroy(&pool->done);
    pthread_mutex_destroy(&pool->lock);
    free(pool);
}

void wt_pool_run(wt_pool *pool, wt_pool_fn fn, void *arg, size_t count)
{
    if (count == 0)
        return;
    if (pool->workers == 0 || count <= INLINE_MAX) {
        for (size_t i = 0; i < count; i++)
            fn(arg, i);
        return;
    }
    run r = {.fn = fn, .arg = arg, .count = count};
    atomic_init(&r.claimed, 0);
    pthread_mutex_lock(&pool->lock);
    run **at = &pool->runs;
    while (*at != NULL)
        at = &(*at)->next;
    *at = &r;
    pthread_cond_broadcast(&pool->wake);
    pthread_mutex_unlock(&pool->lock);
    work(&r);
    /* every item is claimed: unlist the run, so no worker joins it, and wait
     * for the workers still finishing their chunks of it */
    pthread_mutex_lock(&pool->lock);
    for (at = &pool->runs; *at != &r; at = &(*at)->next) {
    }
    *at = r.next;
    while (r.helpers > 0)
        pthread_cond_wait(&pool->done, &pool->lock);
    pthread_mutex_unlock(&pool->lock);
}
