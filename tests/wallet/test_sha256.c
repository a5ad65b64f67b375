/* test_sha256.c — the wallet's SHA-256 (wallet/sha256.h), on the SHA
 * extensions when the CPU has them and in portable C, against FIPS 180-2's
 * example digests and libsodium's SHA-256 on random inputs fed in random
 * pieces. */
#include "sha256.h"
#include "testutil.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

static void digest(uint8_t out[32], const uint8_t *data, size_t len)
{
    wt_sha256_ctx c;
    wt_sha256_init(&c);
    wt_sha256_update(&c, data, len);
    wt_sha256_final(out, &c);
}

static void hex32(char out[65], const uint8_t d[32])
{
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/* FIPS 180-2, appendix B: "abc", the 448-bit message, a million 'a's. */
static void check_vectors(void)
{
    uint8_t d[32];
    char h[65];
    digest(d, (const uint8_t *)"abc", 3);
    hex32(h, d);
    assert_string_equal(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    digest(d, (const uint8_t *)m, strlen(m));
    hex32(h, d);
    assert_string_equal(h, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    uint8_t *a = malloc(1000000);
    assert_non_null(a);
    memset(a, 'a', 1000000);
    digest(d, a, 1000000);
    free(a);
    hex32(h, d);
    assert_string_equal(h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    digest(d, NULL, 0);
    hex32(h, d);
    assert_string_equal(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void check_random(wt_test_rng *r)
{
    static uint8_t msg[5000];
    for (int round = 0; round < 600; round++) {
        size_t len = (size_t)wt_test_rng_range(r, 0, round < 300 ? 300 : (int64_t)sizeof msg);
        wt_test_rng_bytes(r, msg, len);
        uint8_t want[32], got[32];
        crypto_hash_sha256(want, msg, len);
        /* in random pieces, so every buffering path is taken */
        wt_sha256_ctx c;
        wt_sha256_init(&c);
        size_t at = 0;
        while (at < len) {
            size_t piece = (size_t)wt_test_rng_range(r, 0, 150);
            if (piece > len - at)
                piece = len - at;
            wt_sha256_update(&c, msg + at, piece);
            at += piece;
        }
        wt_sha256_final(got, &c);
        assert_memory_equal(got, want, 32);
    }
}

static void test_fast_path(void **state)
{
    (void)state;
    wt_sha256_force_portable(false);
    print_message("SHA extensions: %s\n", wt_sha256_uses_shani() ? "used" : "not on this CPU");
    wt_test_rng r;
    wt_test_rng_init(&r, 1);
    check_vectors();
    check_random(&r);
}

static void test_portable_path(void **state)
{
    (void)state;
    wt_sha256_force_portable(true);
    assert_false(wt_sha256_uses_shani());
    wt_test_rng r;
    wt_test_rng_init(&r, 2);
    check_vectors();
    check_random(&r);
    wt_sha256_force_portable(false);
}

int main(void)
{
    wt_test_route_asserts();
    assert_int_not_equal(sodium_init(), -1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fast_path),
        cmocka_unit_test(test_portable_path),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
