/* test_hash.c — BIP340 tagged hashes: the definition, the incremental form,
 * midstate reuse, and known answers computed independently (Python's
 * hashlib; BIP0340/aux of 32 zero bytes is also libsecp256k1's ZERO_MASK). */
#include "testutil.h"
#include "wallet.h"

#include <string.h>

static void hex32(uint8_t out[32], const char *hex)
{
    assert_int_equal(wt_hex_decode(out, 32, hex), WT_OK);
}

static void test_sha256_known(void **state)
{
    (void)state;
    uint8_t got[32], want[32];
    wt_sha256(got, (const uint8_t *)"abc", 3); /* FIPS 180-2 example */
    hex32(want, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert_memory_equal(got, want, 32);
    wt_sha256(got, NULL, 0);
    hex32(want, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    assert_memory_equal(got, want, 32);
}

static void test_tagged_known(void **state)
{
    (void)state;
    static const struct {
        const char *tag;
        size_t len; /* of data: "abc", empty, 32 zeros */
        const char *want;
    } cases[] = {
        {"wattle/tx", 3, "9ad474bdb362c037201e35ae098309fc0fa08317821c15f3f331f0e73924b82d"},
        {"wattle/block", 0, "75f3cef0257d12d15b12fd2939e306f1fd3e8ef384f3d02c28c32086b71dff0f"},
        {"BIP0340/aux", 32, "54f169cfc9e2e5727480441f90ba25c488f461c70b5ea5dcaaf7af69270aa514"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t data[32] = {0}, got[32], want[32];
        if (cases[i].len == 3)
            memcpy(data, "abc", 3);
        wt_tagged_hash(got, cases[i].tag, data, cases[i].len);
        hex32(want, cases[i].want);
        assert_memory_equal(got, want, 32);
    }
}

/* SHA256(SHA256(tag) || SHA256(tag) || data), from the plain hash. */
static void test_tagged_definition(void **state)
{
    (void)state;
    wt_test_rng rng;
    wt_test_rng_init(&rng, wt_test_seed(340));
    static uint8_t data[1000], buf[64 + 1000];
    for (int i = 0; i < 200; i++) {
        size_t len = (size_t)wt_test_rng_range(&rng, 0, sizeof data);
        wt_test_rng_bytes(&rng, data, len);
        const char *tag = i % 2 ? "wattle/tx" : "wattle/merkle-node";
        uint8_t tag_hash[32], want[32], got[32];
        wt_sha256(tag_hash, (const uint8_t *)tag, strlen(tag));
        memcpy(buf, tag_hash, 32);
        memcpy(buf + 32, tag_hash, 32);
        memcpy(buf + 64, data, len);
        wt_sha256(want, buf, 64 + len);
        wt_tagged_hash(got, tag, data, len);
        assert_memory_equal(got, want, 32);

        /* The incremental form, fed in random pieces, agrees. */
        wt_tagged_hasher h;
        wt_tagged_hash_init(&h, tag);
        size_t off = 0;
        while (off < len) {
            size_t n = (size_t)wt_test_rng_range(&rng, 0, (int64_t)(len - off));
            wt_tagged_hash_update(&h, data + off, n);
            off += n;
        }
        wt_tagged_hash_final(got, &h);
        assert_memory_equal(got, want, 32);
    }
}

/* A copied hasher reuses the tag's midstate; different tags differ. */
static void test_midstate_copy(void **state)
{
    (void)state;
    wt_tagged_hasher base, a, b;
    wt_tagged_hash_init(&base, "wattle/tx");
    a = base;
    b = base;
    wt_tagged_hash_update(&a, (const uint8_t *)"one", 3);
    wt_tagged_hash_update(&b, (const uint8_t *)"two", 3);
    uint8_t ha[32], hb[32], want[32];
    wt_tagged_hash_final(ha, &a);
    wt_tagged_hash_final(hb, &b);
    wt_tagged_hash(want, "wattle/tx", (const uint8_t *)"one", 3);
    assert_memory_equal(ha, want, 32);
    wt_tagged_hash(want, "wattle/tx", (const uint8_t *)"two", 3);
    assert_memory_equal(hb, want, 32);
    wt_tagged_hash(want, "wattle/block", (const uint8_t *)"one", 3);
    assert_memory_not_equal(ha, want, 32);
}

int main(void)
{
    wt_test_route_asserts();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha256_known),
        cmocka_unit_test(test_tagged_known),
        cmocka_unit_test(test_tagged_definition),
        cmocka_unit_test(test_midstate_copy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
