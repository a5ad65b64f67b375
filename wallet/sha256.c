/* sha256.c — SHA-256: the padding and buffering, a portable compression and
 * one on the x86 SHA extensions. The round constants and initial values are
 * FIPS 180-4's (section 4.2.2 and 5.3.3). */
#include "sha256.h"

#include "common.h"

#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define WT_SHA256_X86 1
#include <cpuid.h>
#include <immintrin.h>
#endif

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

/* ------------------------------------------------------------ portable */

static inline uint32_t ror(uint32_t x, unsigned n)
{
    return x >> n | x << (32 - n);
}

static void compress_portable(uint32_t h[8], const uint8_t *blocks, size_t n)
{
    for (; n > 0; n--, blocks += 64) {
        uint32_t w[64];
        for (int i = 0; i < 16; i++)
            w[i] = wt_get_be32(blocks + 4 * i);
        for (int i = 16; i < 64; i++) {
            uint32_t s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3);
            uint32_t s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16] + s0 + w[i - 7] + s1;
        }
        uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
        for (int i = 0; i < 64; i++) {
            uint32_t t1 =
                k + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
            uint32_t t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
            k = g;
            g = f;
            f = e;
            e = d + t1;
            d = c;
            c = b;
            b = a;
            a = t1 + t2;
        }
        h[0] += a;
        h[1] += b;
        h[2] += c;
        h[3] += d;
        h[4] += e;
        h[5] += f;
        h[6] += g;
        h[7] += k;
    }
}

/* ------------------------------------------------------ SHA extensions */

#ifdef WT_SHA256_X86
/* The state lives in two registers as the instructions want it: ABEF (A in
 * the top lane) and CDGH. Each sha256rnds2 does two rounds, with the two
 * message words plus constants in the low half of its third operand. */
__attribute__((target("sha,sse4.1"))) static void compress_shani(uint32_t h[8],
                                                                 const uint8_t *blocks, size_t n)
{
    const __m128i bswap = _mm_set_epi8(12, 13, 14, 15, 8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3);
    __m128i dcba = _mm_loadu_si128((const __m128i *)(const void *)&h[0]); /* lanes a b c d */
    __m128i hgfe = _mm_loadu_si128((const __m128i *)(const void *)&h[4]); /* lanes e f g h */
    __m128i badc = _mm_shuffle_epi32(dcba, 0xB1);                         /* b a d c */
    __m128i efgh = _mm_shuffle_epi32(hgfe, 0x1B);                         /* h g f e */
    __m128i abef = _mm_alignr_epi8(badc, efgh, 8);                        /* f e b a */
    __m128i cdgh = _mm_blend_epi16(efgh, badc, 0xF0);                     /* h g d c */
    for (; n > 0; n--, blocks += 64) {
        __m128i abef_in = abef, cdgh_in = cdgh;
        __m128i w[4];
        for (int g = 0; g < 16; g++) {
            __m128i *cur = &w[g & 3];
            if (g < 4) {
                *cur = _mm_shuffle_epi8(
                    _mm_loadu_si128((const __m128i *)(const void *)(blocks + 16 * g)), bswap);
            } else {
                /* W[i..i+3] from W[i-16..i-13] (cur), W[i-12..] , W[i-8..], W[i-4..] */
                __m128i m12 = w[(g + 1) & 3], m8 = w[(g + 2) & 3], m4 = w[(g + 3) & 3];
                __m128i t = _mm_sha256msg1_epu32(*cur, m12);
                t = _mm_add_epi32(t, _mm_alignr_epi8(m4, m8, 4));
                *cur = _mm_sha256msg2_epu32(t, m4);
            }
            __m128i wk =
                _mm_add_epi32(*cur, _mm_loadu_si128((const __m128i *)(const void *)&K[4 * g]));
            /* two rounds: the new ABEF lands in cdgh, and the old ABEF is
             * the new CDGH; two more put them back where they were */
            cdgh = _mm_sha256rnds2_epu32(cdgh, abef, wk);
            wk = _mm_shuffle_epi32(wk, 0x0E);
            abef = _mm_sha256rnds2_epu32(abef, cdgh, wk);
        }
        abef = _mm_add_epi32(abef, abef_in);
        cdgh = _mm_add_epi32(cdgh, cdgh_in);
    }
    __m128i feba = _mm_shuffle_epi32(abef, 0x1B); /* a b e f */
    __m128i dchg = _mm_shuffle_epi32(cdgh, 0xB1); /* g h c d */
    dcba = _mm_blend_epi16(feba, dchg, 0xF0);     /* a b c d */
    hgfe = _mm_alignr_epi8(dchg, feba, 8);        /* e f g h */
    _mm_storeu_si128((__m128i *)(void *)&h[0], dcba);
    _mm_storeu_si128((__m128i *)(void *)&h[4], hgfe);
}

static bool cpu_has_shani(void)
{
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_SSE4_1) || !(c & bit_SSSE3))
        return false;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
        return false;
    return (b & (1u << 29)) != 0; /* CPUID.(EAX=7,ECX=0):EBX.SHA[bit 29] */
}
#endif

/* ------------------------------------------------------------ dispatch */

typedef void (*compress_fn)(uint32_t h[8], const uint8_t *blocks, size_t n);

static _Atomic int mode; /* 0 not chosen yet, 1 portable, 2 SHA extensions */
static _Atomic bool portable_forced;

static compress_fn compressor(void)
{
    int m = mode;
    if (m == 0) {
        m = 1;
#ifdef WT_SHA256_X86
        if (cpu_has_shani())
            m = 2;
#endif
        mode = m;
    }
#ifdef WT_SHA256_X86
    if (m == 2 && !portable_forced)
        return compress_shani;
#endif
    return compress_portable;
}

bool wt_sha256_uses_shani(void)
{
    return compressor() != compress_portable;
}

void wt_sha256_force_portable(bool portable)
{
    portable_forced = portable;
}

/* ------------------------------------------------------------ the hash */

void wt_sha256_init(wt_sha256_ctx *c)
{
    static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    memcpy(c->h, iv, sizeof iv);
    c->bytes = 0;
    c->buf_len = 0;
}

void wt_sha256_update(wt_sha256_ctx *c, const uint8_t *data, size_t len)
{
    if (len == 0)
        return;
    compress_fn f = compressor();
    c->bytes += len;
    if (c->buf_len > 0) {
        size_t take = 64 - c->buf_len < len ? 64 - c->buf_len : len;
        memcpy(c->buf + c->buf_len, data, take);
        c->buf_len += (uint32_t)take;
        data += take;
        len -= take;
        if (c->buf_len < 64)
            return;
        f(c->h, c->buf, 1);
        c->buf_len = 0;
    }
    if (len >= 64) {
        f(c->h, data, len / 64);
        data += len & ~(size_t)63;
        len &= 63;
    }
    memcpy(c->buf, data, len);
    c->buf_len = (uint32_t)len;
}

void wt_sha256_final(uint8_t out[32], wt_sha256_ctx *c)
{
    compress_fn f = compressor();
    uint64_t bits = c->bytes * 8;
    c->buf[c->buf_len++] = 0x80;
    if (c->buf_len > 56) {
        memset(c->buf + c->buf_len, 0, 64 - c->buf_len);
        f(c->h, c->buf, 1);
        c->buf_len = 0;
    }
    memset(c->buf + c->buf_len, 0, 56 - c->buf_len);
    wt_put_be64(c->buf + 56, bits);
    f(c->h, c->buf, 1);
    for (int i = 0; i < 8; i++)
        wt_put_be32(out + 4 * i, c->h[i]);
    memset(c, 0, sizeof *c);
}
