/* lthash.c — the ledger's homomorphic state hash (see lthash.h). */
#include "lthash.h"
#include "wallet.h"

#include <sodium.h>
#include <string.h>

void wt_lthash_init(wt_lthash *h)
{
    memset(h, 0, sizeof *h);
}

static void expand(uint16_t out[WT_LTHASH_WORDS], const uint8_t *record, size_t record_len)
{
    uint8_t key[32];
    wt_tagged_hash(key, "wattle/state-item", record, record_len);
    static const uint8_t nonce[crypto_stream_chacha20_NONCEBYTES] = {0};
    uint8_t bytes[2 * WT_LTHASH_WORDS];
    crypto_stream_chacha20(bytes, sizeof bytes, nonce, key);
    for (size_t i = 0; i < WT_LTHASH_WORDS; i++)
        out[i] = (uint16_t)(bytes[2 * i] | bytes[2 * i + 1] << 8);
}

void wt_lthash_add(wt_lthash *h, const uint8_t *record, size_t record_len)
{
    uint16_t v[WT_LTHASH_WORDS];
    expand(v, record, record_len);
    for (size_t i = 0; i < WT_LTHASH_WORDS; i++)
        h->sum[i] = (uint16_t)(h->sum[i] + v[i]);
}

void wt_lthash_remove(wt_lthash *h, const uint8_t *record, size_t record_len)
{
    uint16_t v[WT_LTHASH_WORDS];
    expand(v, record, record_len);
    for (size_t i = 0; i < WT_LTHASH_WORDS; i++)
        h->sum[i] = (uint16_t)(h->sum[i] - v[i]);
}

void wt_lthash_digest(uint8_t out[32], const wt_lthash *h)
{
    uint8_t bytes[2 * WT_LTHASH_WORDS];
    for (size_t i = 0; i < WT_LTHASH_WORDS; i++) {
        bytes[2 * i] = (uint8_t)(h->sum[i] & 0xff);
        bytes[2 * i + 1] = (uint8_t)(h->sum[i] >> 8);
    }
    wt_tagged_hash(out, "wattle/state", bytes, sizeof bytes);
}
