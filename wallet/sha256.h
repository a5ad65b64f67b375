/*
 * sha256.h — SHA-256 (FIPS 180-4), private to the wallet room: the hash under
 * every txid, block hash, Merkle root and tagged hash.
 *
 * Written here rather than taken from libsodium because libsodium's is
 * portable C only: on x86-64 with the SHA extensions (Intel since Goldmont and
 * Ice Lake, AMD since Zen) the compression runs on sha256rnds2/msg1/msg2, about
 * five times as fast, chosen once at run time by CPUID; elsewhere a plain C
 * compression. The test checks both against libsodium on random inputs.
 */
#ifndef WATTLE_WALLET_SHA256_H
#define WATTLE_WALLET_SHA256_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint32_t h[8];
    uint64_t bytes; /* hashed so far */
    uint8_t buf[64];
    uint32_t buf_len;
} wt_sha256_ctx;

void wt_sha256_init(wt_sha256_ctx *c);
void wt_sha256_update(wt_sha256_ctx *c, const uint8_t *data, size_t len);
void wt_sha256_final(uint8_t out[32], wt_sha256_ctx *c);

/* Whether the SHA extensions are used; wt_sha256_force_portable(true) turns
 * them off (for the test, which checks both). */
bool wt_sha256_uses_shani(void);
void wt_sha256_force_portable(bool portable);

#endif /* WATTLE_WALLET_SHA256_H */
