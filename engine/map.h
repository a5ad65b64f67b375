/*
 * map.h — a private open-addressing hash map from 32-byte keys to uint32
 * values (indexes into a record array), for the ledger state.
 *
 * Keys come from outside (public keys, txids, hashes of meter ids), so an
 * attacker could grind keys that collide in a plain hash of their bytes and
 * slow the sequencer down (hash flooding). Slots are therefore chosen by
 * SipHash-2-4 under a random per-process key: the layout differs from run to
 * run, which changes nothing observable — iteration order is documented as
 * unspecified and the state hash is order-independent.
 */
#ifndef WATTLE_ENGINE_MAP_H
#define WATTLE_ENGINE_MAP_H

#include "common.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct {
    uint8_t (*keys)[32];
    uint32_t *values;
    uint8_t *used; /* 0 empty, 1 used, 2 deleted */
    uint32_t cap;  /* a power of two, or 0 */
    uint32_t count;
    uint32_t deleted;
} wt_map;

void wt_map_init(wt_map *map);
void wt_map_free(wt_map *map);
/* The value stored for key, or false. */
bool wt_map_get(const wt_map *map, uint32_t *value, const uint8_t key[32]);
/* Make room so that `extra` more inserts cannot fail; WT_ERR_NO_MEMORY with
 * the map unchanged. Call it before a transition's first change. */
wt_err wt_map_reserve(wt_map *map, uint32_t extra);
/* Insert or overwrite. The caller reserved room first (asserted). */
void wt_map_put(wt_map *map, const uint8_t key[32], uint32_t value);
/* Remove key; false if it was not there. */
bool wt_map_del(wt_map *map, const uint8_t key[32]);

#endif /* WATTLE_ENGINE_MAP_H */
