/* test_sort.c — wt_sort_key_refs against qsort: sorted, stable, a
 * permutation of its input, for random, narrow, equal and extreme keys. */
#include "common.h"
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

static int cmp_ref(const void *a, const void *b)
{
    const wt_key_ref *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return (x->src > y->src) - (x->src < y->src); /* stable: origin order among equals */
}

static void check(wt_test_rng *r, size_t n, uint64_t mask)
{
    wt_key_ref *v = calloc(n + 1, sizeof *v), *tmp = calloc(n + 1, sizeof *tmp),
               *want = calloc(n + 1, sizeof *want);
    assert_non_null(v);
    assert_non_null(tmp);
    assert_non_null(want);
    for (size_t i = 0; i < n; i++) {
        v[i].key = wt_test_rng_next(r) & mask;
        if (mask == UINT64_MAX && i % 7 == 0)
            v[i].key = i % 2 ? UINT64_MAX : 0;
        v[i].src = (uint32_t)i;
        want[i] = v[i];
    }
    qsort(want, n, sizeof *want, cmp_ref);
    const wt_key_ref *got = wt_sort_key_refs(v, tmp, n);
    assert_true(got == v || got == tmp);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(got[i].key, want[i].key);
        assert_int_equal(got[i].src, want[i].src);
    }
    free(v);
    free(tmp);
    free(want);
}

static void test_sort_matches_qsort(void **state)
{
    (void)state;
    wt_test_rng r;
    wt_test_rng_init(&r, 7);
    const uint64_t masks[] = {UINT64_MAX, 0xff, 0xff00, 0x3, 0, UINT64_C(0xffff000000000000)};
    const size_t sizes[] = {0, 1, 2, 3, 17, 256, 1000, 4099};
    for (size_t m = 0; m < sizeof masks / sizeof *masks; m++)
        for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++)
            check(&r, sizes[s], masks[m]);
}

int main(void)
{
    wt_test_route_asserts();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sort_matches_qsort),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
