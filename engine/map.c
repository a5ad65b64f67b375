/* map.c — the ledger state's hash map (see map.h). */
#include "map.h"

#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

static uint8_t siphash_key[crypto_shorthash_KEYBYTES];
static pthread_once_t siphash_key_once = PTHREAD_ONCE_INIT;

static void siphash_key_init(void)
{
    WT_ASSERT(sodium_init() >= 0);
    randombytes_buf(siphash_key, sizeof siphash_key);
}

static uint64_t slot_hash(const uint8_t key[32])
{
    pthread_once(&siphash_key_once, siphash_key_init);
    uint8_t h[crypto_shorthash_BYTES];
    crypto_shorthash(h, key, 32, siphash_key);
    uint64_t v;
    memcpy(&v, h, sizeof v);
    return v;
}

void wt_map_init(wt_map *map)
{
    memset(map, 0, sizeof *map);
}

void wt_map_free(wt_map *map)
{
    free(map->keys);
    free(map->values);
    free(map->used);
    wt_map_init(map);
}

static bool find_slot(const wt_map *map, uint32_t *slot, const uint8_t key[32])
{
    if (map->cap == 0)
        return false;
    uint32_t mask = map->cap - 1;
    for (uint32_t i = (uint32_t)slot_hash(key) & mask;; i = (i + 1) & mask) {
        if (map->used[i] == 0)
            return false;
        if (map->used[i] == 1 && memcmp(map->keys[i], key, 32) == 0) {
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
    uint32_t mask = map->cap - 1;
    uint32_t i = (uint32_t)slot_hash(key) & mask, first_deleted = UINT32_MAX;
    for (;; i = (i + 1) & mask) {
        if (map->used[i] == 1 && memcmp(map->keys[i], key, 32) == 0) {
            map->values[i] = value;
            return;
        }
        if (map->used[i] == 2 && first_deleted == UINT32_MAX)
            first_deleted = i;
        if (map->used[i] == 0)
            break;
    }
    WT_ASSERT(((uint64_t)map->count + map->deleted + 1) * 2 <= map->cap);
    if (first_deleted != UINT32_MAX) {
        i = first_deleted;
        map->deleted--;
    }
    memcpy(map->keys[i], key, 32);
    map->values[i] = value;
    map->used[i] = 1;
    map->count++;
}

wt_err wt_map_reserve(wt_map *map, uint32_t extra)
{
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
        .used = calloc(cap, 1),
        .cap = (uint32_t)cap,
    };
    if (bigger.keys == NULL || bigger.values == NULL || bigger.used == NULL) {
        wt_map_free(&bigger);
        return WT_ERR_NO_MEMORY;
    }
    for (uint32_t i = 0; i < map->cap; i++)
        if (map->used[i] == 1)
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
    map->used[slot] = 2;
    map->count--;
    map->deleted++;
    return true;
}
