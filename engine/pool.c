/* pool.c — the engine's parallel-for (see pool.h). Work is handed out in
 * small chunks from one atomic counter, so uneven items balance out. */
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

struct wt_pool {
    pthread_mutex_t run_lock; /* one run at a time */
    pthread_mutex_t lock;
    pthread_cond_t wake, done;
    pthread_t *threads;
    unsigned workers;
    bool stopping;
    uint64_t generation; /* bumped for every run */
    /* the current run */
    wt_pool_fn fn;
    void *arg;
    size_t count;
    atomic_size_t next;
    unsigned busy; /* workers still inside the current run */
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

static void work(wt_pool *pool)
{
    for (;;) {
        size_t start = atomic_fetch_add(&pool->next, CHUNK);
        if (start >= pool->count)
            return;
        size_t end = start + CHUNK < pool->count ? start + CHUNK : pool->count;
        for (size_t i = start; i < end; i++)
            pool->fn(pool->arg, i);
    }
}

static void *worker_main(void *p)
{
    wt_pool *pool = p;
    uint64_t seen = 0;
    pthread_mutex_lock(&pool->lock);
    for (;;) {
        while (!pool->stopping && pool->generation == seen)
            pthread_cond_wait(&pool->wake, &pool->lock);
        if (pool->stopping)
            break;
        seen = pool->generation;
        pthread_mutex_unlock(&pool->lock);
        work(pool);
        pthread_mutex_lock(&pool->lock);
        if (--pool->busy == 0)
            pthread_cond_signal(&pool->done);
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
    pthread_mutex_init(&pool->run_lock, NULL);
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
    pthread_mutex_destroy(&pool->run_lock);
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
    pthread_mutex_lock(&pool->run_lock);
    pthread_mutex_lock(&pool->lock);
    pool->fn = fn;
    pool->arg = arg;
    pool->count = count;
    atomic_store(&pool->next, 0);
    pool->busy = pool->workers;
    pool->generation++;
    pthread_cond_broadcast(&pool->wake);
    pthread_mutex_unlock(&pool->lock);
    work(pool);
    pthread_mutex_lock(&pool->lock);
    while (pool->busy > 0)
        pthread_cond_wait(&pool->done, &pool->lock);
    pthread_mutex_unlock(&pool->lock);
    pthread_mutex_unlock(&pool->run_lock);
}
