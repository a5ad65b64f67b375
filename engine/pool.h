/*
 * pool.h — a parallel-for over a fixed set of worker threads (private to the
 * engine room). Signature checks dominate the cost of accepting and auditing
 * transactions, so both spread them over every core with this pool. The
 * calling thread works too, so a pool of N threads uses N + 1 cores' worth of
 * callers at most; create it with (cores - 1) workers.
 */
#ifndef WATTLE_ENGINE_POOL_H
#define WATTLE_ENGINE_POOL_H

#include "common.h"

#include <stddef.h>

typedef struct wt_pool wt_pool;

/* workers == 0 gives a pool that runs everything in the caller. */
wt_err wt_pool_create(wt_pool **pool, unsigned workers);
void wt_pool_destroy(wt_pool *pool);
/* The number of cores this process may use (sched_getaffinity), >= 1. */
unsigned wt_pool_cores(void);

/* Run fn(arg, i) for every i in [0, count), spread over the workers and the
 * caller; returns when all are done. Callers on several threads run at
 * once: each works on its own items, and the workers help the oldest run
 * that still has items to hand out, so a core never waits for another
 * caller's run to end before starting on the next. */
typedef void (*wt_pool_fn)(void *arg, size_t i);
void wt_pool_run(wt_pool *pool, wt_pool_fn fn, void *arg, size_t count);

#endif /* WATTLE_ENGINE_POOL_H */
