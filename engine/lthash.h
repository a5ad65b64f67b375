/*
 * lthash.h — a homomorphic multiset hash (LtHash16, after Bellare–Micciancio
 * and Facebook's LtHash) for the ledger's state hash. Each record is hashed
 * to a 1,024-element vector of uint16 (ChaCha20 keystream under the record's
 * SHA-256 tagged hash); the state's vector is the element-wise sum mod 2^16
 * of its records' vectors. Adding or removing one record costs one
 * expansion, whatever the state's size, and the result does not depend on
 * the order records came in. Unlike a 256-bit additive hash, a 16,384-bit
 * lattice sum is not open to Wagner's generalised-birthday attack.
 */
#ifndef WATTLE_ENGINE_LTHASH_H
#define WATTLE_ENGINE_LTHASH_H

#include <stddef.h>
#include <stdint.h>

#define WT_LTHASH_WORDS 1024

typedef struct {
    uint16_t sum[WT_LTHASH_WORDS];
} wt_lthash;

void wt_lthash_init(wt_lthash *h);
void wt_lthash_add(wt_lthash *h, const uint8_t *record, size_t record_len);
void wt_lthash_remove(wt_lthash *h, const uint8_t *record, size_t record_len);
/* The 32-byte digest: tagged hash ("wattle/state") of the sum, little-endian. */
void wt_lthash_digest(uint8_t out[32], const wt_lthash *h);

#endif /* WATTLE_ENGINE_LTHASH_H */
