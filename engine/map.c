/* map.c — the ledger state's hash map (see map.h). */
#include "map.h"

#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

enum { TAG_EMPTY = 0, TAG_DELETED = 1 };

uint64_t wt_map_sipkey[2];
static pthread_once_t sipkey_once = PTHREAD_ONCE_INIT;

static void sipkey_init(void)
{
    WT_ASSERT(sodium_init() >= 0);
    randombytes_buf(wt_map_sipkey, sizeof wt_map_sipkey);
}

void wt_map_hash_ready(void)
{
    pthread_once(&sipkey_once, sipkey_init);
}

/* The slot's tag for a hash: 2..255, from bits the slot index does not use
 * (the index takes the low bits; a map never has 2^56 slots). */
static uint8_t tag_of(uint64_t h)
{
    return (uint8_t)(2 + (h >> 56) % 254);
}

void wt_map_init(wt_map *map)
{
    memset(map, 0, sizeof *map);
}

void wt_map_free(wt_map *map)
{
    free(map->keys);
    free(map->values);
    free(map->tags);
    wt_map_init(map);
}

void wt_map_clear(wt_map *map)
{
    if (map->cap > 0)
        memset(map->tags, 0, map->cap);
    map->count = 0;
    map->deleted = 0;
}

/* A map with cap > 0 went through wt_map_reserve, so the key is set. */
static bool find_slot(const wt_map *map, uint32_t *slot, const uint8_t key[32])
{
    if (map->cap == 0)
        return false;
    uint64_t h = wt_map_hash(key);
    uint8_t tag = tag_of(h);
    uint32_t mask = map->cap - 1;
    for (uint32_t i = (uint32_t)h & mask;; i = (i + 1) & mask) {
        uint8_t t = map->tags[i];
        if (t == TAG_EMPTY)
            return false;
        if (t == tag && wt_key32_eq(map->keys[i], key)) {
            *slot = i;
            return true;
        }
    }
}

bool wt_map_get(const wt_map *map, uint32_t *value, const uint8_t key[32])
{
    uint32_t slot;
    if (!find_slot(map, &slot, key))
        return false;
    *value = map->values[slot];
    return true;
}

static void put_unchecked(wt_map *map, const uint8_t key[32], uint32_t value)
{
    uint64_t h = wt_map_hash(key);
    uint8_t tag = tag_of(h);
    uint32_t mask = map->cap - 1;
    uint32_t i = (uint32_t)h & mask, first_deleted = UINT32_MAX;
    for (;; i = (i + 1) & mask) {
        uint8_t t = map->tags[i];
        if (t == tag && wt_key32_eq(map->keys[i], key)) {
            map->values[i] = value;
            return;
        }
        if (t == TAG_DELETED && first_deleted == UINT32_MAX)
            first_deleted = i;
        if (t == TAG_EMPTY)
            break;
    }
    WT_ASSERT(((uint64_t)map->count + map->deleted + 1) * 2 <= map->cap);
    if (first_deleted != UINT32_MAX) {
        i = first_deleted;
        map->deleted--;
    }
    memcpy(map->keys[i], key, 32);
    map->values[i] = value;
    map->tags[i] = tag;
    map->count++;
}

wt_err wt_map_reserve(wt_map *map, uint32_t extra)
{
    wt_map_hash_ready();
    uint64_t need = (uint64_t)map->count + map->deleted + extra;
    /* keep the load (live + deleted) at most 1/2 */
    if (map->cap != 0 && need * 2 <= map->cap)
        return WT_OK;
    uint64_t cap = 64;
    while (cap < ((uint64_t)map->count + extra) * 2)
        cap *= 2;
    if (cap > UINT32_MAX / 2 + 1)
        return WT_ERR_CAPACITY;
    wt_map bigger = {
        .keys = malloc(cap * 32),
        .values = malloc(cap * sizeof(uint32_t)),
        .tags = calloc(cap, 1),
        .cap = (uint32_t)cap,
    };
    if (bigger.keys == NULL || bigger.values == NULL || bigger.tags == NULL) {
        wt_map_free(&bigger);
        return WT_ERR_NO_MEMORY;
    }
    for (uint32_t i = 0; i < map->cap; i++)
        if (map->tags[i] > TAG_DELETED)
            put_unchecked(&bigger, map->keys[i], map->values[i]);
    wt_map_free(map);
    *map = bigger;
    return WT_OK;
}

void wt_map_put(wt_map *map, const uint8_t key[32], uint32_t value)
{
    WT_ASSERT(map->cap != 0); /* wt_map_reserve first */
    put_unchecked(map, key, value);
}

bool wt_map_del(wt_map *map, const uint8_t key[32])
{
    uint32_t slot;
    if (!find_slot(map, &slot, key))
        return false;
    map->tags[slot] = TAG_DELETED;
    map->count--;
    map->deleted++;
    return true;
}
