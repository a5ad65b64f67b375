/*
 * inflight.c — transactions in flight per sender, with a ceiling (see
 * inflight.h): a mutex around the engine's SipHash map (keyed per process).
 */
#include "inflight.h"
#include "map.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct wt_inflight {
    pthread_mutex_t lock;
    wt_map counts; /* sender -> transactions in flight (> 0) */
    uint32_t per_sender_max;
};

wt_err wt_inflight_create(wt_inflight **out, uint32_t per_sender_max)
{
    *out = NULL;
    wt_inflight *f = calloc(1, sizeof *f);
    if (f == NULL)
        return WT_ERR_NO_MEMORY;
    pthread_mutex_init(&f->lock, NULL);
    wt_map_init(&f->counts);
    f->per_sender_max = per_sender_max;
    *out = f;
    return WT_OK;
}

void wt_inflight_destroy(wt_inflight *f)
{
    if (f == NULL)
        return;
    wt_map_free(&f->counts);
    pthread_mutex_destroy(&f->lock);
    free(f);
}

wt_err wt_inflight_take(wt_inflight *f, bool *taken, const bool *want, const wt_tx *txs,
                        size_t count)
{
    if (count > UINT32_MAX)
        return WT_ERR_CAPACITY;
    pthread_mutex_lock(&f->lock);
    wt_err err = wt_map_reserve(&f->counts, (uint32_t)count);
    if (err != WT_OK) {
        pthread_mutex_unlock(&f->lock);
        return err;
    }
    for (size_t i = 0; i < count; i++) {
        taken[i] = false;
        if (!want[i])
            continue;
        uint32_t n = 0;
        wt_map_get(&f->counts, &n, txs[i].sender);
        taken[i] = f->per_sender_max == 0 || n < f->per_sender_max;
        if (taken[i])
            wt_map_put(&f->counts, txs[i].sender, n + 1);
    }
    pthread_mutex_unlock(&f->lock);
    return WT_OK;
}

void wt_inflight_give(wt_inflight *f, const bool *taken, const wt_tx *txs, size_t count)
{
    pthread_mutex_lock(&f->lock);
    for (size_t i = 0; i < count; i++) {
        if (!taken[i])
            continue;
        uint32_t n = 0;
        bool found = wt_map_get(&f->counts, &n, txs[i].sender);
        WT_ASSERT(found && n > 0);
        if (n == 1)
            wt_map_del(&f->counts, txs[i].sender);
        else
            wt_map_put(&f->counts, txs[i].sender, n - 1);
    }
    pthread_mutex_unlock(&f->lock);
}

uint32_t wt_inflight_of(wt_inflight *f, const uint8_t sender[32])
{
    pthread_mutex_lock(&f->lock);
    uint32_t n = 0;
    wt_map_get(&f->counts, &n, sender);
    pthread_mutex_unlock(&f->lock);
    return n;
}
