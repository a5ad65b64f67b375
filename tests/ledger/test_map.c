/* test_map.c — the ledger's private hash map (engine/map.h): its SipHash
 * against libsodium's, and put/get/del with tombstones, growth and many keys
 * checked against a plain array. */
#include "map.h"
#include "testutil.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

/* SipHash-2-4 over 32 bytes is crypto_shorthash (libsodium's siphash24), so
 * the inlined rounds are checked against an independent implementation. */
static void test_siphash_matches_libsodium(void **state)
{
    (void)state;
    assert_int_equal(crypto_shorthash_BYTES, 8);
    assert_int_equal(crypto_shorthash_KEYBYTES, 16);
    for (int i = 0; i < 2000; i++) {
        uint8_t msg[32], key[16], want[8];
        randombytes_buf(msg, sizeof msg);
        randombytes_buf(key, sizeof key);
        crypto_shorthash(want, msg, sizeof msg, key);
        uint64_t got = wt_siphash_32(msg, wt_le64(key), wt_le64(key + 8), 2, 4);
        assert_int_equal(got, wt_le64(want));
    }
    /* the map's own form (1-3) differs from 2-4 and depends on the key */
    uint8_t msg[32] = {1, 2, 3};
    assert_int_not_equal(wt_siphash_32(msg, 1, 2, 1, 3), wt_siphash_32(msg, 1, 2, 2, 4));
    assert_int_not_equal(wt_siphash_32(msg, 1, 2, 1, 3), wt_siphash_32(msg, 1, 3, 1, 3));
}

static void key_of(uint8_t key[32], uint32_t i)
{
    memset(key, 0, 32);
    /* keys alike but for a few bytes, as the ledger's packed record keys are */
    key[0] = 'R';
    key[1] = (uint8_t)(i >> 24);
    key[2] = (uint8_t)(i >> 16);
    key[3] = (uint8_t)(i >> 8);
    key[4] = (uint8_t)i;
}

static void test_put_get_del(void **state)
{
    (void)state;
    wt_map m;
    wt_map_init(&m);
    uint8_t k[32];
    uint32_t v;
    key_of(k, 7);
    assert_false(wt_map_get(&m, &v, k)); /* empty, no table yet */
    assert_false(wt_map_del(&m, k));
    assert_int_equal(wt_map_reserve(&m, 1), WT_OK);
    wt_map_put(&m, k, 70);
    assert_true(wt_map_get(&m, &v, k));
    assert_int_equal(v, 70);
    wt_map_put(&m, k, 71); /* overwrite */
    assert_true(wt_map_get(&m, &v, k));
    assert_int_equal(v, 71);
    assert_int_equal(m.count, 1);
    assert_true(wt_map_del(&m, k));
    assert_false(wt_map_get(&m, &v, k));
    assert_false(wt_map_del(&m, k));
    assert_int_equal(m.count, 0);
    /* a deleted slot is reused */
    assert_int_equal(wt_map_reserve(&m, 1), WT_OK);
    wt_map_put(&m, k, 72);
    assert_true(wt_map_get(&m, &v, k));
    assert_int_equal(v, 72);
    /* clear: nothing left, room kept, usable again */
    uint32_t cap = m.cap;
    wt_map_clear(&m);
    assert_int_equal(m.count, 0);
    assert_int_equal(m.cap, cap);
    assert_false(wt_map_get(&m, &v, k));
    wt_map_put(&m, k, 73);
    assert_true(wt_map_get(&m, &v, k));
    assert_int_equal(v, 73);
    wt_map_free(&m);
}

/* Many keys, put and deleted in rounds (tombstones pile up and the table
 * grows), checked against an array of what should be there. */
static void test_many_keys_against_array(void **state)
{
    (void)state;
    enum { N = 20000 };
    static uint32_t want[N]; /* 0: absent, else value + 1 */
    memset(want, 0, sizeof want);
    wt_map m;
    wt_map_init(&m);
    wt_test_rng r;
    wt_test_rng_init(&r, 42);
    uint8_t k[32];
    for (int round = 0; round < 40; round++) {
        for (int op = 0; op < 4000; op++) {
            uint32_t i = (uint32_t)(wt_test_rng_next(&r) % N);
            key_of(k, i);
            if (wt_test_rng_next(&r) % 3 == 0) {
                assert_int_equal(wt_map_del(&m, k), want[i] != 0);
                want[i] = 0;
            } else {
                assert_int_equal(wt_map_reserve(&m, 1), WT_OK);
                uint32_t value = (uint32_t)(wt_test_rng_next(&r) % 1000000);
                wt_map_put(&m, k, value);
                want[i] = value + 1;
            }
        }
        uint32_t present = 0;
        for (uint32_t i = 0; i < N; i++) {
            uint32_t v = 0;
            key_of(k, i);
            bool got = wt_map_get(&m, &v, k);
            assert_int_equal(got, want[i] != 0);
            if (got) {
                assert_int_equal(v + 1, want[i]);
                present++;
            }
        }
        assert_int_equal(m.count, present);
        assert_true(m.count + m.deleted < m.cap); /* an empty slot always ends a probe */
    }
    wt_map_free(&m);
}

int main(void)
{
    wt_test_route_asserts();
    assert_int_not_equal(sodium_init(), -1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_siphash_matches_libsodium),
        cmocka_unit_test(test_put_get_del),
        cmocka_unit_test(test_many_keys_against_array),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
