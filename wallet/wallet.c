/* wallet.c — the signing core of the wallet room: the shared randomised
 * libsecp256k1 context, randomness, secret keys, BIP340 tagged hashes and
 * Schnorr signatures (see wallet.h for the contracts). */
#include "wallet.h"

#include "sha256.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <secp256k1.h>
#include <secp256k1_extrakeys.h>
#include <secp256k1_schnorrsig.h>
#include <sodium.h>

_Static_assert(sizeof(secp256k1_keypair) == sizeof(((wt_seckey *)0)->keypair_),
               "wt_seckey holds a secp256k1_keypair");
_Static_assert(sizeof(wt_sha256_ctx) <= sizeof(((wt_tagged_hasher *)0)->u_.bytes_),
               "wt_tagged_hasher holds a SHA-256 state");

struct wt_ctx {
    secp256k1_context *secp;
};

/* ---------------------------------------------------------- randomness */

wt_err wt_random_bytes(uint8_t *out, size_t out_len)
{
    WT_ASSERT(out != NULL || out_len == 0);
    size_t done = 0;
    while (done < out_len) {
        ssize_t n = getrandom(out + done, out_len - done, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            wt_wipe(out, out_len);
            return WT_ERR_IO;
        }
        done += (size_t)n;
    }
    return WT_OK;
}

void wt_wipe(void *buf, size_t buf_len)
{
    if (buf != NULL && buf_len > 0)
        sodium_memzero(buf, buf_len);
}

/* ------------------------------------------------------------- context */

wt_err wt_ctx_create(wt_ctx **ctx)
{
    WT_ASSERT(ctx != NULL);
    *ctx = NULL;
    /* libsodium picks its fastest implementations (Argon2 among them) here;
     * idempotent and thread-safe. */
    if (sodium_init() < 0)
        return WT_ERR_INTERNAL;
    wt_ctx *c = calloc(1, sizeof *c);
    if (c == NULL)
        return WT_ERR_NO_MEMORY;
    c->secp = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    if (c->secp == NULL) {
        free(c);
        return WT_ERR_NO_MEMORY;
    }
    /* Blinding of the signing computations against side channels. */
    uint8_t seed[32];
    wt_err err = wt_random_bytes(seed, sizeof seed);
    if (err == WT_OK && !secp256k1_context_randomize(c->secp, seed))
        err = WT_ERR_INTERNAL;
    wt_wipe(seed, sizeof seed);
    if (err != WT_OK) {
        secp256k1_context_destroy(c->secp);
        free(c);
        return err;
    }
    *ctx = c;
    return WT_OK;
}

void wt_ctx_destroy(wt_ctx *ctx)
{
    if (ctx == NULL)
        return;
    secp256k1_context_destroy(ctx->secp);
    free(ctx);
}

/* ---------------------------------------------------------------- keys */

wt_err wt_seckey_from_bytes(const wt_ctx *ctx, wt_seckey *key, const uint8_t secret32[32])
{
    WT_ASSERT(ctx != NULL && key != NULL && secret32 != NULL);
    memset(key, 0, sizeof *key);
    secp256k1_keypair kp;
    secp256k1_xonly_pubkey xpk;
    if (!secp256k1_keypair_create(ctx->secp, &kp, secret32) ||
        !secp256k1_keypair_xonly_pub(ctx->secp, &xpk, NULL, &kp)) {
        wt_wipe(&kp, sizeof kp);
        return WT_ERR_BAD_KEY;
    }
    int ok = secp256k1_xonly_pubkey_serialize(ctx->secp, key->pubkey, &xpk);
    WT_ASSERT(ok);
    memcpy(key->secret, secret32, WT_SECKEY_BYTES);
    memcpy(key->keypair_, &kp, sizeof kp);
    wt_wipe(&kp, sizeof kp);
    return WT_OK;
}

wt_err wt_seckey_generate(const wt_ctx *ctx, wt_seckey *key)
{
    WT_ASSERT(ctx != NULL && key != NULL);
    memset(key, 0, sizeof *key);
    uint8_t secret[32];
    wt_err err;
    /* A draw outside [1, n) has probability < 2^-127; draw again. */
    do {
        err = wt_random_bytes(secret, sizeof secret);
        if (err == WT_OK)
            err = wt_seckey_from_bytes(ctx, key, secret);
    } while (err == WT_ERR_BAD_KEY);
    wt_wipe(secret, sizeof secret);
    return err;
}

void wt_seckey_wipe(wt_seckey *key)
{
    wt_wipe(key, sizeof *key);
}

bool wt_pubkey_is_valid(const wt_ctx *ctx, const uint8_t pubkey32[32])
{
    WT_ASSERT(ctx != NULL && pubkey32 != NULL);
    secp256k1_xonly_pubkey xpk;
    return secp256k1_xonly_pubkey_parse(ctx->secp, &xpk, pubkey32) == 1;
}

/* ------------------------------------------------------- tagged hashes */

static wt_sha256_ctx *hasher_state(wt_tagged_hasher *h)
{
    return (wt_sha256_ctx *)(void *)h->u_.bytes_;
}

void wt_tagged_hash_init(wt_tagged_hasher *h, const char *tag)
{
    WT_ASSERT(h != NULL && tag != NULL);
    uint8_t tag_hash[32];
    wt_sha256(tag_hash, (const uint8_t *)tag, strlen(tag));
    memset(h, 0, sizeof *h);
    wt_sha256_init(hasher_state(h));
    wt_sha256_update(hasher_state(h), tag_hash, sizeof tag_hash);
    wt_sha256_update(hasher_state(h), tag_hash, sizeof tag_hash);
}

void wt_tagged_hash_update(wt_tagged_hasher *h, const uint8_t *data, size_t data_len)
{
    WT_ASSERT(h != NULL && (data != NULL || data_len == 0));
    if (data_len > 0)
        wt_sha256_update(hasher_state(h), data, data_len);
}

void wt_tagged_hash_final(uint8_t out[32], wt_tagged_hasher *h)
{
    WT_ASSERT(out != NULL && h != NULL);
    wt_sha256_final(out, hasher_state(h));
}

void wt_tagged_hash(uint8_t out[32], const char *tag, const uint8_t *data, size_t data_len)
{
    wt_tagged_hasher h;
    wt_tagged_hash_init(&h, tag);
    wt_tagged_hash_update(&h, data, data_len);
    wt_tagged_hash_final(out, &h);
}

void wt_sha256(uint8_t out[32], const uint8_t *data, size_t data_len)
{
    WT_ASSERT(out != NULL && (data != NULL || data_len == 0));
    wt_sha256_ctx c;
    wt_sha256_init(&c);
    wt_sha256_update(&c, data, data_len);
    wt_sha256_final(out, &c);
}

/* ---------------------------------------------------------- signatures */

wt_err wt_sign_aux(const wt_ctx *ctx, uint8_t sig64[64], const uint8_t *msg, size_t msg_len,
                   const wt_seckey *key, const uint8_t aux32[32])
{
    WT_ASSERT(ctx != NULL && sig64 != NULL && key != NULL && aux32 != NULL);
    WT_ASSERT(msg != NULL || msg_len == 0);
    memset(sig64, 0, WT_SIGNATURE_BYTES);
    secp256k1_keypair kp;
    memcpy(&kp, key->keypair_, sizeof kp);
    secp256k1_schnorrsig_extraparams extra = SECP256K1_SCHNORRSIG_EXTRAPARAMS_INIT;
    extra.ndata = (void *)(uintptr_t)aux32; /* read only: BIP340 auxiliary randomness */
    int ok = secp256k1_schnorrsig_sign_custom(ctx->secp, sig64, msg, msg_len, &kp, &extra);
    wt_wipe(&kp, sizeof kp);
    /* Fails only for a keypair no wt_seckey_* function can produce. */
    WT_ASSERT(ok);
    return WT_OK;
}

wt_err wt_sign(const wt_ctx *ctx, uint8_t sig64[64], const uint8_t *msg, size_t msg_len,
               const wt_seckey *key)
{
    WT_ASSERT(sig64 != NULL);
    memset(sig64, 0, WT_SIGNATURE_BYTES);
    uint8_t aux[32];
    wt_err err = wt_random_bytes(aux, sizeof aux);
    if (err == WT_OK)
        err = wt_sign_aux(ctx, sig64, msg, msg_len, key, aux);
    wt_wipe(aux, sizeof aux);
    return err;
}

bool wt_verify(const wt_ctx *ctx, const uint8_t sig64[64], const uint8_t *msg, size_t msg_len,
               const uint8_t pubkey32[32])
{
    WT_ASSERT(ctx != NULL && sig64 != NULL && pubkey32 != NULL);
    WT_ASSERT(msg != NULL || msg_len == 0);
    secp256k1_xonly_pubkey xpk;
    if (!secp256k1_xonly_pubkey_parse(ctx->secp, &xpk, pubkey32))
        return false;
    return secp256k1_schnorrsig_verify(ctx->secp, sig64, msg, msg_len, &xpk) == 1;
}
