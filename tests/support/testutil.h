/*
 * testutil.h — what every wattle test shares: cmocka's headers in the order
 * cmocka needs, routing WT_ASSERT to cmocka's mock_assert so that
 * expect_assert_failure() can prove a contract is enforced, a seeded and
 * replayable random generator, the path of the shared real-data folder, and
 * a check of a program's exit status and output (run_cmd.h runs it).
 */
#ifndef WATTLE_TESTUTIL_H
#define WATTLE_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "common.h"
#include "run_cmd.h"

/* Route WT_ASSERT failures to cmocka (call once at the start of main). */
void wt_test_route_asserts(void);

/* The seed for randomized tests: $WT_TEST_SEED if set, else `fallback`.
 * Printed once so that every failure can be replayed. */
uint64_t wt_test_seed(uint64_t fallback);

/* A small, fast, seeded generator (splitmix64). Same seed, same sequence. */
typedef struct {
    uint64_t state;
} wt_test_rng;
void wt_test_rng_init(wt_test_rng *rng, uint64_t seed);
uint64_t wt_test_rng_next(wt_test_rng *rng);
/* Uniform in [lo, hi], both included. */
int64_t wt_test_rng_range(wt_test_rng *rng, int64_t lo, int64_t hi);
void wt_test_rng_bytes(wt_test_rng *rng, uint8_t *out, size_t out_len);

/* The folder of ../shared/testdata, from $WT_TESTDATA (set by meson for the
 * realdata suite). NULL when not set. */
const char *wt_test_data_dir(void);

/* Read a whole file into a malloc'd, NUL-terminated buffer; NULL on error.
 * *len receives its length without the NUL. */
char *wt_test_read_file(const char *path, size_t *len);

/* Fail the test unless r exited with `status` and its standard output and
 * error contain out_needle and err_needle (NULL: anything); the failure shows
 * both outputs. */
void wt_test_expect_run(const run_result *r, int status, const char *out_needle,
                        const char *err_needle);

#endif /* WATTLE_TESTUTIL_H */
