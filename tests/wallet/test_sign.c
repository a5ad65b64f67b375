/* test_sign.c — keys and BIP340 signatures through the wallet API: round
 * trips over messages of many lengths, every kind of tampering, the aux
 * randomness contract, key validity at the edges of the scalar range, and
 * one context shared by threads. (The official vectors: test_bip340.c.) */
#include "testutil.h"
#include "wallet.h"

#include <pthread.h>
#include <string.h>

static wt_ctx *ctx;

static int setup(void **state)
{
    (void)state;
    return wt_ctx_create(&ctx) == WT_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    wt_ctx_destroy(ctx);
    return 0;
}

static void hex_to(uint8_t *out, size_t len, const char *hex)
{
    assert_int_equal(wt_hex_decode(out, len, hex), WT_OK);
}

static void test_key_edges(void **state)
{
    (void)state;
    uint8_t secret[32] = {0};
    wt_seckey key;
    memset(&key, 0x55, sizeof key);
    assert_int_equal(wt_seckey_from_bytes(ctx, &key, secret), WT_ERR_BAD_KEY); /* zero */
    uint8_t zero[sizeof key] = {0};
    assert_memory_equal(&key, zero, sizeof key); /* zeroed on failure */

    /* n, the group order, and n - 1 */
    hex_to(secret, 32, "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141");
    assert_int_equal(wt_seckey_from_bytes(ctx, &key, secret), WT_ERR_BAD_KEY);
    memset(secret, 0xff, 32);
    assert_int_equal(wt_seckey_from_bytes(ctx, &key, secret), WT_ERR_BAD_KEY);
    hex_to(secret, 32, "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140");
    assert_int_equal(wt_seckey_from_bytes(ctx, &key, secret), WT_OK);

    /* secret 1: the public key is the generator's x coordinate */
    memset(secret, 0, 32);
    secret[31] = 1;
    assert_int_equal(wt_seckey_from_bytes(ctx, &key, secret), WT_OK);
    uint8_t g_x[32];
    hex_to(g_x, 32, "79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798");
    assert_memory_equal(key.pubkey, g_x, 32);
    assert_memory_equal(key.secret, secret, 32);
    assert_true(wt_pubkey_is_valid(ctx, g_x));

    wt_seckey_wipe(&key);
    assert_memory_equal(&key, zero, sizeof key);

    uint8_t beyond_p[32];
    memset(beyond_p, 0xff, 32); /* x >= p is no point */
    assert_false(wt_pubkey_is_valid(ctx, beyond_p));
}

static void test_generate_distinct(void **state)
{
    (void)state;
    wt_seckey a, b;
    assert_int_equal(wt_seckey_generate(ctx, &a), WT_OK);
    assert_int_equal(wt_seckey_generate(ctx, &b), WT_OK);
    assert_memory_not_equal(a.secret, b.secret, 32);
    assert_memory_not_equal(a.pubkey, b.pubkey, 32);
    assert_true(wt_pubkey_is_valid(ctx, a.pubkey));
    wt_seckey again;
    assert_int_equal(wt_seckey_from_bytes(ctx, &again, a.secret), WT_OK);
    assert_memory_equal(&again, &a, sizeof a);
}

static void test_round_trip_lengths(void **state)
{
    (void)state;
    wt_test_rng rng;
    wt_test_rng_init(&rng, wt_test_seed(1));
    static const size_t lengths[] = {0, 1, 17, 31, 32, 33, 64, 100, 1000, 65536};
    static uint8_t msg[65536];
    wt_seckey key, other;
    assert_int_equal(wt_seckey_generate(ctx, &key), WT_OK);
    assert_int_equal(wt_seckey_generate(ctx, &other), WT_OK);
    for (size_t i = 0; i < sizeof lengths / sizeof lengths[0]; i++) {
        size_t len = lengths[i];
        wt_test_rng_bytes(&rng, msg, len);
        uint8_t sig[64];
        assert_int_equal(wt_sign(ctx, sig, len ? msg : NULL, len, &key), WT_OK);
        assert_true(wt_verify(ctx, sig, len ? msg : NULL, len, key.pubkey));
        assert_false(wt_verify(ctx, sig, msg, len, other.pubkey)); /* another key */
        if (len > 0) {
            msg[len / 2] ^= 0x01; /* one message bit */
            assert_false(wt_verify(ctx, sig, msg, len, key.pubkey));
            msg[len / 2] ^= 0x01;
            assert_false(wt_verify(ctx, sig, msg, len - 1, key.pubkey)); /* shorter */
        }
        if (len < sizeof msg) {
            msg[len] = 0;
            assert_false(wt_verify(ctx, sig, msg, len + 1, key.pubkey)); /* longer */
        }
        for (int bit = 0; bit < 512; bit += 37) { /* bits of r and of s */
            sig[bit / 8] ^= (uint8_t)(1u << (bit % 8));
            assert_false(wt_verify(ctx, sig, msg, len, key.pubkey));
            sig[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        }
    }
}

static void test_aux(void **state)
{
    (void)state;
    wt_seckey key;
    assert_int_equal(wt_seckey_generate(ctx, &key), WT_OK);
    const uint8_t msg[5] = "hello";
    uint8_t aux1[32] = {1}, aux2[32] = {2}, s1[64], s2[64], s3[64];
    assert_int_equal(wt_sign_aux(ctx, s1, msg, sizeof msg, &key, aux1), WT_OK);
    assert_int_equal(wt_sign_aux(ctx, s2, msg, sizeof msg, &key, aux1), WT_OK);
    assert_memory_equal(s1, s2, 64); /* deterministic given aux */
    assert_int_equal(wt_sign_aux(ctx, s3, msg, sizeof msg, &key, aux2), WT_OK);
    assert_memory_not_equal(s1, s3, 64); /* aux changes the nonce */
    assert_true(wt_verify(ctx, s3, msg, sizeof msg, key.pubkey));
    /* wt_sign draws fresh aux every time */
    assert_int_equal(wt_sign(ctx, s1, msg, sizeof msg, &key), WT_OK);
    assert_int_equal(wt_sign(ctx, s2, msg, sizeof msg, &key), WT_OK);
    assert_memory_not_equal(s1, s2, 64);
    assert_true(wt_verify(ctx, s1, msg, sizeof msg, key.pubkey));
    assert_true(wt_verify(ctx, s2, msg, sizeof msg, key.pubkey));
}

typedef struct {
    wt_seckey key;
    int failures;
} worker_arg;

static void *worker(void *p)
{
    worker_arg *arg = p;
    for (int i = 0; i < 200; i++) {
        uint8_t msg[8], sig[64];
        memcpy(msg, &i, sizeof i);
        memcpy(msg + 4, arg->key.pubkey, 4);
        if (wt_sign(ctx, sig, msg, sizeof msg, &arg->key) != WT_OK ||
            !wt_verify(ctx, sig, msg, sizeof msg, arg->key.pubkey))
            arg->failures++;
    }
    return NULL;
}

/* One context, several threads signing and verifying at once. */
static void test_threads_share_ctx(void **state)
{
    (void)state;
    enum { THREADS = 4 };
    pthread_t th[THREADS];
    worker_arg args[THREADS];
    for (int i = 0; i < THREADS; i++) {
        args[i].failures = 0;
        assert_int_equal(wt_seckey_generate(ctx, &args[i].key), WT_OK);
        assert_int_equal(pthread_create(&th[i], NULL, worker, &args[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        assert_int_equal(args[i].failures, 0);
    }
}

static void test_misuse_asserts(void **state)
{
    (void)state;
    uint8_t sig[64] = {0}, msg[1] = {0}, pub[32] = {0};
    expect_assert_failure(wt_sign(ctx, sig, msg, 1, NULL));
    expect_assert_failure(wt_sign(ctx, sig, NULL, 5, NULL));
    expect_assert_failure(wt_verify(ctx, sig, NULL, 3, pub));
}

int main(void)
{
    wt_test_route_asserts();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_edges),          cmocka_unit_test(test_generate_distinct),
        cmocka_unit_test(test_round_trip_lengths), cmocka_unit_test(test_aux),
        cmocka_unit_test(test_threads_share_ctx),  cmocka_unit_test(test_misuse_asserts),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
