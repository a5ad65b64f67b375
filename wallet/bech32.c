/* bech32.c — bech32m (BIP350) text: the generic encoder/decoder and wattle
 * addresses, bech32m with human-readable part "uc" over a 32-byte x-only key.
 * Pure functions, no allocation. */
#include "wallet.h"

#include <string.h>

#define HRP_CHARS_MAX     83
#define CHECKSUM_CHARS    6
#define BECH32_CONST      UINT32_C(1)
#define BECH32M_CONST     UINT32_C(0x2bc830a3)
#define ADDRESS_DATA5_LEN 52 /* ceil(256 / 5) */

static const char charset[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

/* charset_rev[c] = the 5-bit value of lower-case character c, or -1. */
static int charset_value(char c)
{
    const char *p = c != '\0' ? strchr(charset, c) : NULL;
    return p != NULL ? (int)(p - charset) : -1;
}

/* BIP173's BCH checksum over GF(32): one step per 5-bit value. */
static uint32_t polymod_step(uint32_t chk, uint8_t value)
{
    static const uint32_t gen[5] = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3};
    uint32_t top = chk >> 25;
    chk = (chk & 0x1ffffff) << 5 ^ value;
    for (int i = 0; i < 5; i++)
        if ((top >> i) & 1)
            chk ^= gen[i];
    return chk;
}

/* The checksum state after the expanded human-readable part. */
static uint32_t polymod_hrp(const char *hrp, size_t hrp_len)
{
    uint32_t chk = 1;
    for (size_t i = 0; i < hrp_len; i++)
        chk = polymod_step(chk, (uint8_t)((unsigned char)hrp[i] >> 5));
    chk = polymod_step(chk, 0);
    for (size_t i = 0; i < hrp_len; i++)
        chk = polymod_step(chk, (uint8_t)((unsigned char)hrp[i] & 31));
    return chk;
}

wt_err wt_bech32m_encode(char *out, size_t out_cap, const char *hrp, const uint8_t *data5,
                         size_t data5_len)
{
    WT_ASSERT(out != NULL && out_cap > 0 && hrp != NULL && (data5 != NULL || data5_len == 0));
    out[0] = '\0';
    size_t hrp_len = strlen(hrp);
    if (hrp_len == 0 || hrp_len > HRP_CHARS_MAX)
        return WT_ERR_BECH32_HRP;
    for (size_t i = 0; i < hrp_len; i++) {
        unsigned char c = (unsigned char)hrp[i];
        if (c < 33 || c > 126 || (c >= 'A' && c <= 'Z'))
            return WT_ERR_BECH32_HRP;
    }
    size_t total = hrp_len + 1 + data5_len + CHECKSUM_CHARS;
    if (total > WT_BECH32_CHARS_MAX)
        return WT_ERR_BECH32_LENGTH;
    if (out_cap < total + 1)
        return WT_ERR_BUFFER_TOO_SMALL;
    uint32_t chk = polymod_hrp(hrp, hrp_len);
    for (size_t i = 0; i < data5_len; i++) {
        WT_ASSERT(data5[i] < 32);
        chk = polymod_step(chk, data5[i]);
    }
    for (int i = 0; i < CHECKSUM_CHARS; i++)
        chk = polymod_step(chk, 0);
    chk ^= BECH32M_CONST;
    char *p = out;
    memcpy(p, hrp, hrp_len);
    p += hrp_len;
    *p++ = '1';
    for (size_t i = 0; i < data5_len; i++)
        *p++ = charset[data5[i]];
    for (int i = 0; i < CHECKSUM_CHARS; i++)
        *p++ = charset[(chk >> (5 * (5 - i))) & 31];
    *p = '\0';
    return WT_OK;
}

wt_err wt_bech32m_decode(char *hrp, size_t hrp_cap, uint8_t *data5, size_t *data5_len,
                         size_t data5_cap, const char *text)
{
    WT_ASSERT(hrp != NULL && hrp_cap > 0 && data5 != NULL && data5_len != NULL && text != NULL);
    hrp[0] = '\0';
    *data5_len = 0;
    size_t len = strlen(text);
    bool lower = false, upper = false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c < 33 || c > 126)
            return WT_ERR_BECH32_CHAR;
        lower = lower || (c >= 'a' && c <= 'z');
        upper = upper || (c >= 'A' && c <= 'Z');
    }
    if (lower && upper)
        return WT_ERR_BECH32_MIXED_CASE;
    if (len > WT_BECH32_CHARS_MAX)
        return WT_ERR_BECH32_LENGTH;
    const char *sep = strrchr(text, '1');
    if (sep == NULL || sep == text)
        return WT_ERR_BECH32_HRP; /* no separator, or an empty part */
    size_t hrp_len = (size_t)(sep - text);
    size_t data_chars = len - hrp_len - 1;
    if (data_chars < CHECKSUM_CHARS)
        return WT_ERR_BECH32_LENGTH;
    if (hrp_len + 1 > hrp_cap || data_chars - CHECKSUM_CHARS > data5_cap)
        return WT_ERR_BUFFER_TOO_SMALL;

    char lower_hrp[HRP_CHARS_MAX + 1];
    WT_ASSERT(hrp_len <= HRP_CHARS_MAX); /* follows from the length checks */
    for (size_t i = 0; i < hrp_len; i++) {
        char c = text[i];
        lower_hrp[i] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    }
    lower_hrp[hrp_len] = '\0';
    uint32_t chk = polymod_hrp(lower_hrp, hrp_len);
    for (size_t i = 0; i < data_chars; i++) {
        char c = sep[1 + i];
        int v = charset_value((char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c));
        if (v < 0) {
            *data5_len = 0;
            return WT_ERR_BECH32_CHAR;
        }
        chk = polymod_step(chk, (uint8_t)v);
        if (i < data_chars - CHECKSUM_CHARS)
            data5[i] = (uint8_t)v;
    }
    if (chk != BECH32M_CONST) {
        memset(data5, 0, data_chars - CHECKSUM_CHARS);
        return chk == BECH32_CONST ? WT_ERR_BECH32_VARIANT : WT_ERR_BECH32_CHECKSUM;
    }
    memcpy(hrp, lower_hrp, hrp_len + 1);
    *data5_len = data_chars - CHECKSUM_CHARS;
    return WT_OK;
}

void wt_address_encode(char out[WT_ADDRESS_CHARS + 1], const uint8_t pubkey32[32])
{
    WT_ASSERT(out != NULL && pubkey32 != NULL);
    uint8_t data5[ADDRESS_DATA5_LEN];
    uint32_t acc = 0;
    unsigned bits = 0;
    size_t n = 0;
    for (size_t i = 0; i < 32; i++) {
        acc = acc << 8 | pubkey32[i];
        bits += 8;
        while (bits >= 5) {
            bits -= 5;
            data5[n++] = (uint8_t)((acc >> bits) & 31);
        }
    }
    data5[n++] = (uint8_t)((acc << (5 - bits)) & 31); /* 4 bits left, zero-padded */
    WT_ASSERT(n == ADDRESS_DATA5_LEN);
    wt_err err = wt_bech32m_encode(out, WT_ADDRESS_CHARS + 1, WT_ADDRESS_HRP, data5, n);
    WT_ASSERT(err == WT_OK);
}

wt_err wt_address_decode(uint8_t pubkey32[32], const char *text)
{
    WT_ASSERT(pubkey32 != NULL && text != NULL);
    memset(pubkey32, 0, 32);
    char hrp[HRP_CHARS_MAX + 1];
    uint8_t data5[WT_BECH32_CHARS_MAX];
    size_t data5_len;
    wt_err err = wt_bech32m_decode(hrp, sizeof hrp, data5, &data5_len, sizeof data5, text);
    if (err != WT_OK)
        return err;
    if (strcmp(hrp, WT_ADDRESS_HRP) != 0)
        return WT_ERR_BECH32_HRP;
    if (data5_len != ADDRESS_DATA5_LEN)
        return WT_ERR_BECH32_LENGTH;
    uint8_t key[32];
    uint32_t acc = 0;
    unsigned bits = 0;
    size_t n = 0;
    for (size_t i = 0; i < data5_len; i++) {
        acc = acc << 5 | data5[i];
        bits += 5;
        if (bits >= 8) {
            bits -= 8;
            key[n++] = (uint8_t)(acc >> bits);
        }
    }
    WT_ASSERT(n == 32 && bits == 4);
    if ((acc & 0xf) != 0)
        return WT_ERR_BECH32_PADDING;
    memcpy(pubkey32, key, 32);
    return WT_OK;
}

static bool all_hex(const char *text)
{
    for (; *text != '\0'; text++) {
        char c = *text;
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
            return false;
    }
    return true;
}

wt_err wt_pubkey_parse_text(uint8_t pubkey32[32], const char *text)
{
    WT_ASSERT(pubkey32 != NULL && text != NULL);
    memset(pubkey32, 0, 32);
    size_t len = strlen(text);
    if (len == 2 * WT_PUBKEY_BYTES)
        return wt_hex_decode(pubkey32, WT_PUBKEY_BYTES, text);
    if (len > 0 && all_hex(text))
        return WT_ERR_BAD_LENGTH;
    return wt_address_decode(pubkey32, text);
}
