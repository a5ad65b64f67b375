/* sort.c — a stable radix sort of 64-bit keys with their origins. */
#include "common.h"

#include <string.h>

enum { DIGIT_BITS = 8, BUCKETS = 1 << DIGIT_BITS, PASSES = 64 / DIGIT_BITS };

wt_key_ref *wt_sort_key_refs(wt_key_ref *v, wt_key_ref *tmp, size_t n)
{
    if (n < 2)
        return v;
    WT_ASSERT(n <= UINT32_MAX);
    uint32_t hist[PASSES][BUCKETS];
    memset(hist, 0, sizeof hist);
    for (size_t i = 0; i < n; i++) {
        uint64_t k = v[i].key;
        for (unsigned p = 0; p < PASSES; p++)
            hist[p][(k >> (p * DIGIT_BITS)) & (BUCKETS - 1)]++;
    }
    wt_key_ref *src = v, *dst = tmp;
    for (unsigned p = 0; p < PASSES; p++) {
        unsigned shift = p * DIGIT_BITS;
        uint32_t *h = hist[p];
        if (h[(src[0].key >> shift) & (BUCKETS - 1)] == n)
            continue; /* every key has this digit */
        uint32_t sum = 0;
        for (unsigned b = 0; b < BUCKETS; b++) {
            uint32_t c = h[b];
            h[b] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++)
            dst[h[(src[i].key >> shift) & (BUCKETS - 1)]++] = src[i];
        wt_key_ref *t = src;
        src = dst;
        dst = t;
    }
    return src;
}
