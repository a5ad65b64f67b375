/* testutil.c — shared helpers for the cmocka tests (see testutil.h). */
#include "testutil.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void assert_to_cmocka(const char *expr, const char *file, int line)
{
    mock_assert(0, expr, file, line);
}

void wt_test_route_asserts(void)
{
    wt_assert_set_handler(assert_to_cmocka);
}

uint64_t wt_test_seed(uint64_t fallback)
{
    uint64_t seed = fallback;
    const char *env = getenv("WT_TEST_SEED");
    if (env != NULL && *env != '\0')
        seed = strtoull(env, NULL, 0);
    fprintf(stderr, "test seed: %" PRIu64 " (replay with WT_TEST_SEED=%" PRIu64 ")\n", seed, seed);
    return seed;
}

void wt_test_rng_init(wt_test_rng *rng, uint64_t seed)
{
    rng->state = seed;
}

uint64_t wt_test_rng_next(wt_test_rng *rng)
{
    uint64_t z = (rng->state += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

int64_t wt_test_rng_range(wt_test_rng *rng, int64_t lo, int64_t hi)
{
    uint64_t span = (uint64_t)hi - (uint64_t)lo + 1;
    if (span == 0) /* the whole int64 range */
        return (int64_t)wt_test_rng_next(rng);
    return (int64_t)((uint64_t)lo + wt_test_rng_next(rng) % span);
}

void wt_test_rng_bytes(wt_test_rng *rng, uint8_t *out, size_t out_len)
{
    for (size_t i = 0; i < out_len; i++)
        out[i] = (uint8_t)wt_test_rng_next(rng);
}

const char *wt_test_data_dir(void)
{
    const char *dir = getenv("WT_TESTDATA");
    return dir != NULL && *dir != '\0' ? dir : NULL;
}

char *wt_test_read_file(const char *path, size_t *len)
{
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    while (buf != NULL) {
        n += fread(buf + n, 1, cap - 1 - n, f);
        if (n < cap - 1)
            break;
        cap *= 2;
        char *bigger = realloc(buf, cap);
        if (bigger == NULL) {
            free(buf);
            buf = NULL;
        } else {
            buf = bigger;
        }
    }
    int failed = ferror(f);
    fclose(f);
    if (buf == NULL || failed) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

void wt_test_expect_run(const run_result *r, int status, const char *out_needle,
                        const char *err_needle)
{
    if (r->status != status || (out_needle != NULL && strstr(r->out, out_needle) == NULL) ||
        (err_needle != NULL && strstr(r->err, err_needle) == NULL))
        fail_msg("status %d (want %d)\nstdout: %s\nstderr: %s\nwanted out '%s', err '%s'",
                 r->status, status, r->out, r->err, out_needle ? out_needle : "",
                 err_needle ? err_needle : "");
}
