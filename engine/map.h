/*
 * map.h — a private open-addressing hash map from 32-byte keys to uint32
 * values (indexes into a record array), for the ledger state.
 *
 * Keys come from outside (public keys, txids, hashes of meter ids), so an
 * attacker could grind keys that collide in a plain hash of their bytes and
 * slow the sequencer down (hash flooding). Slots are therefore chosen by a
 * keyed SipHash under a random per-process key: the layout differs from run
 * to run, which changes nothing observable — iteration order is documented
 * as unspecified and the state hash is order-independent.
 *
 * The hash is SipHash-1-3 (one compression round per word, three at the
 * end: the variant Rust's and Python's hash tables use), written out for
 * exactly four 64-bit words, so a look-up costs a few nanoseconds instead of
 * a library call. wt_siphash_32 takes the round counts as arguments so the
 * test can check the SipHash-2-4 form against libsodium's crypto_shorthash.
 * Each slot keeps 8 bits of the hash beside its state, so a probe touches a
 * key's 32 bytes only when those bits match.
 */
#ifndef WATTLE_ENGINE_MAP_H
#define WATTLE_ENGINE_MAP_H

#include "common.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

typedef struct {
    uint8_t (*keys)[32];
    uint32_t *values;
    uint8_t *tags; /* 0 empty, 1 deleted, 2..255 used (bits of the key's hash) */
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
/* Remove every key (the room stays): O(cap). */
void wt_map_clear(wt_map *map);

/* The process's random SipHash key; set once by the first wt_map_reserve
 * or wt_map_hash_ready. */
extern uint64_t wt_map_sipkey[2];
/* Sets the key if it is not set yet (thread-safe); for hash tables of the
 * ledger's own that are not wt_maps (settlement checks). */
void wt_map_hash_ready(void);

static inline uint64_t wt_rotl64(uint64_t x, int b)
{
    return (x << b) | (x >> (64 - b));
}

/* A little-endian 64-bit word (one load on little-endian machines). */
static inline uint64_t wt_le64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}

#define WT_SIPROUND(v0, v1, v2, v3)                                                                \
    do {                                                                                           \
        v0 += v1;                                                                                  \
        v1 = wt_rotl64(v1, 13);                                                                    \
        v1 ^= v0;                                                                                  \
        v0 = wt_rotl64(v0, 32);                                                                    \
        v2 += v3;                                                                                  \
        v3 = wt_rotl64(v3, 16);                                                                    \
        v3 ^= v2;                                                                                  \
        v0 += v3;                                                                                  \
        v3 = wt_rotl64(v3, 21);                                                                    \
        v3 ^= v0;                                                                                  \
        v2 += v1;                                                                                  \
        v1 = wt_rotl64(v1, 17);                                                                    \
        v1 ^= v2;                                                                                  \
        v2 = wt_rotl64(v2, 32);                                                                    \
    } while (0)

/* SipHash-c-d (Aumasson and Bernstein, 2012) of a 32-byte message under the
 * key k0 || k1 (little-endian words, as the paper reads them). */
static inline uint64_t wt_siphash_32(const uint8_t msg[32], uint64_t k0, uint64_t k1, int c, int d)
{
    uint64_t v0 = k0 ^ UINT64_C(0x736f6d6570736575), v1 = k1 ^ UINT64_C(0x646f72616e646f6d);
    uint64_t v2 = k0 ^ UINT64_C(0x6c7967656e657261), v3 = k1 ^ UINT64_C(0x7465646279746573);
    for (int w = 0; w <= 4; w++) {
        uint64_t m = UINT64_C(32) << 56; /* the last block: only the length */
        if (w < 4)
            m = wt_le64(msg + 8 * w);
        v3 ^= m;
        for (int i = 0; i < c; i++)
            WT_SIPROUND(v0, v1, v2, v3);
        v0 ^= m;
    }
    v2 ^= 0xff;
    for (int i = 0; i < d; i++)
        WT_SIPROUND(v0, v1, v2, v3);
    return v0 ^ v1 ^ v2 ^ v3;
}

/* The slot hash of a key: SipHash-1-3 under the process's key. */
static inline uint64_t wt_map_hash(const uint8_t key[32])
{
    return wt_siphash_32(key, wt_map_sipkey[0], wt_map_sipkey[1], 1, 3);
}

static inline bool wt_key32_eq(const uint8_t a[32], const uint8_t b[32])
{
    return memcmp(a, b, 32) == 0; /* a constant size: the compiler inlines it */
}

#endif /* WATTLE_ENGINE_MAP_H */
