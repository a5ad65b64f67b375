/* test_bech32.c — bech32m: the BIP350 test vectors (generic strings, valid
 * and invalid), wattle addresses ("uc" + 32-byte key) and key text. */
#include "testutil.h"
#include "wallet.h"

#include <string.h>

/*
 * Source: BIP350, "Test vectors for Bech32m" (bitcoin/bips,
 * bip-0350.mediawiki): the valid strings, and the invalid strings with the
 * reason BIP350 gives and the error wattle reports for it.
 */
static const char *const bip350_valid[] = {
    "A1LQFN3A",
    "a1lqfn3a",
    "an83characterlonghumanreadablepartthatcontainsthetheexcludedcharactersbioandnumber11sg7hg6",
    "abcdef1l7aum6echk45nj3s0wdvt2fg8x9yrzpqzd3ryx",
    "11llllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllludsr8",
    "split1checkupstagehandshakeupstreamerranterredcaperredlc445v",
    "?1v759aa",
};

static const struct {
    const char *text;
    wt_err err;
    const char *reason; /* BIP350's */
} bip350_invalid[] = {
    {"\x20"
     "1xj0phk",
     WT_ERR_BECH32_CHAR, "HRP character out of range"},
    {"\x7f"
     "1g6xzxy",
     WT_ERR_BECH32_CHAR, "HRP character out of range"},
    {"\x80"
     "1vctc34",
     WT_ERR_BECH32_CHAR, "HRP character out of range"},
    {"an84characterslonghumanreadablepartthatcontainsthetheexcludedcharactersbioandnumber11d6pts4",
     WT_ERR_BECH32_LENGTH, "overall max length exceeded"},
    {"qyrz8wqd2c9m", WT_ERR_BECH32_HRP, "No separator character"},
    {"1qyrz8wqd2c9m", WT_ERR_BECH32_HRP, "Empty HRP"},
    {"y1b0jsk6g", WT_ERR_BECH32_CHAR, "Invalid data character"},
    {"lt1igcx5c0", WT_ERR_BECH32_CHAR, "Invalid data character"},
    {"in1muywd", WT_ERR_BECH32_LENGTH, "Too short checksum"},
    {"mm1crxm3i", WT_ERR_BECH32_CHAR, "Invalid character in checksum"},
    {"au1s5cgom", WT_ERR_BECH32_CHAR, "Invalid character in checksum"},
    {"M1VUXWEZ", WT_ERR_BECH32_CHECKSUM, "checksum calculated with uppercase form of HRP"},
    {"16plkw9", WT_ERR_BECH32_HRP, "empty HRP"},
    {"1p2gdwpf", WT_ERR_BECH32_HRP, "empty HRP"},
};

static void test_bip350_valid(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bip350_valid / sizeof bip350_valid[0]; i++) {
        const char *text = bip350_valid[i];
        char hrp[84];
        uint8_t data5[90];
        size_t data5_len = 99;
        wt_err err = wt_bech32m_decode(hrp, sizeof hrp, data5, &data5_len, sizeof data5, text);
        if (err != WT_OK)
            fail_msg("BIP350 valid vector %zu '%s' rejected: %s", i, text, wt_errname(err));
        /* Re-encoding gives the same string, in lower case. */
        char again[91], lower[91];
        assert_int_equal(wt_bech32m_encode(again, sizeof again, hrp, data5, data5_len), WT_OK);
        size_t n = strlen(text);
        assert_true(n < sizeof lower);
        for (size_t k = 0; k <= n; k++)
            lower[k] = (char)(text[k] >= 'A' && text[k] <= 'Z' ? text[k] - 'A' + 'a' : text[k]);
        assert_string_equal(again, lower);
        /* Any one-character change breaks it (bech32m detects every single
         * substitution). */
        char copy[91];
        memcpy(copy, lower, n + 1);
        const char *sep = strrchr(copy, '1');
        size_t at = (size_t)(sep - copy) + 1 + (i % (n - (size_t)(sep - copy) - 1));
        copy[at] = copy[at] == 'q' ? 'p' : 'q';
        assert_int_not_equal(
            wt_bech32m_decode(hrp, sizeof hrp, data5, &data5_len, sizeof data5, copy), WT_OK);
        assert_int_equal(data5_len, 0); /* outputs zeroed on failure */
    }
}

static void test_bip350_invalid(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bip350_invalid / sizeof bip350_invalid[0]; i++) {
        char hrp[84];
        uint8_t data5[90];
        size_t data5_len = 7;
        wt_err err = wt_bech32m_decode(hrp, sizeof hrp, data5, &data5_len, sizeof data5,
                                       bip350_invalid[i].text);
        if (err != bip350_invalid[i].err)
            fail_msg("BIP350 invalid vector %zu (%s): got %s, want %s", i, bip350_invalid[i].reason,
                     wt_errname(err), wt_errname(bip350_invalid[i].err));
        assert_int_equal(data5_len, 0);
        assert_string_equal(hrp, "");
    }
}

/* BIP173's valid bech32 strings (bitcoin/bips, bip-0173.mediawiki) are all
 * invalid bech32m, and must be reported as the other variant. */
static void test_bech32_is_not_bech32m(void **state)
{
    (void)state;
    static const char *const bip173_valid[] = {
        "A12UEL5L",
        "a12uel5l",
        "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw",
        "split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w",
        "?1ezyfcl",
    };
    for (size_t i = 0; i < sizeof bip173_valid / sizeof bip173_valid[0]; i++) {
        char hrp[84];
        uint8_t data5[90];
        size_t data5_len;
        assert_int_equal(
            wt_bech32m_decode(hrp, sizeof hrp, data5, &data5_len, sizeof data5, bip173_valid[i]),
            WT_ERR_BECH32_VARIANT);
    }
}

static void test_encode_limits(void **state)
{
    (void)state;
    char out[100];
    uint8_t data5[90] = {0};
    assert_int_equal(wt_bech32m_encode(out, sizeof out, "", data5, 1), WT_ERR_BECH32_HRP);
    assert_int_equal(wt_bech32m_encode(out, sizeof out, "UC", data5, 1), WT_ERR_BECH32_HRP);
    assert_int_equal(wt_bech32m_encode(out, sizeof out, "u c", data5, 1), WT_ERR_BECH32_HRP);
    assert_int_equal(wt_bech32m_encode(out, sizeof out, "uc", data5, 81), WT_OK);
    assert_int_equal(strlen(out), 90); /* 2 + 1 + 81 + 6: the longest string */
    assert_int_equal(wt_bech32m_encode(out, sizeof out, "uc", data5, 82), WT_ERR_BECH32_LENGTH);
    assert_int_equal(wt_bech32m_encode(out, 20, "uc", data5, 20), WT_ERR_BUFFER_TOO_SMALL);
    assert_string_equal(out, "");
}

static void test_address_round_trip(void **state)
{
    (void)state;
    wt_test_rng rng;
    wt_test_rng_init(&rng, wt_test_seed(350));
    for (int i = 0; i < 2000; i++) {
        uint8_t key[32], back[32];
        wt_test_rng_bytes(&rng, key, sizeof key);
        if (i == 0)
            memset(key, 0, sizeof key);
        if (i == 1)
            memset(key, 0xff, sizeof key);
        char address[WT_ADDRESS_CHARS + 1];
        wt_address_encode(address, key);
        assert_int_equal(strlen(address), WT_ADDRESS_CHARS);
        assert_memory_equal(address, "uc1", 3);
        assert_int_equal(wt_address_decode(back, address), WT_OK);
        assert_memory_equal(back, key, 32);
        /* upper case is the same address */
        for (char *p = address; *p; p++)
            if (*p >= 'a' && *p <= 'z')
                *p = (char)(*p - 'a' + 'A');
        assert_int_equal(wt_address_decode(back, address), WT_OK);
        assert_memory_equal(back, key, 32);
    }
}

/* A fixed key (BIP340 vector 0's), its address frozen, computed by an
 * independent Python bech32m implementation: the format cannot drift. */
static void test_address_frozen(void **state)
{
    (void)state;
    uint8_t key[32];
    assert_int_equal(
        wt_hex_decode(key, 32, "f9308a019258c31049344f85f89d5229b531c845836f99b08601f113bce036f9"),
        WT_OK);
    char address[WT_ADDRESS_CHARS + 1];
    wt_address_encode(address, key);
    assert_string_equal(address, "uc1lycg5qvjtrp3qjf5f7zl382j9x6nrjz9sdhenvyxq8c3808qxmus89k5v7");
}

static void test_address_errors(void **state)
{
    (void)state;
    uint8_t key[32] = {1, 2, 3}, back[32];
    char address[WT_ADDRESS_CHARS + 1], bad[WT_ADDRESS_CHARS + 8];
    wt_address_encode(address, key);

    memcpy(bad, address, sizeof address);
    bad[10] = 'Q'; /* one upper-case character */
    assert_int_equal(wt_address_decode(back, bad), WT_ERR_BECH32_MIXED_CASE);
    assert_true(back[0] == 0 && back[1] == 0 && back[2] == 0); /* zeroed */

    memcpy(bad, address, sizeof address);
    bad[20] = bad[20] == 'q' ? 'p' : 'q';
    assert_int_equal(wt_address_decode(back, bad), WT_ERR_BECH32_CHECKSUM);

    memcpy(bad, address, sizeof address);
    bad[20] = 'b'; /* not in the charset */
    assert_int_equal(wt_address_decode(back, bad), WT_ERR_BECH32_CHAR);

    /* The same data under another part, and a shorter payload. */
    char other[100];
    uint8_t data5[60] = {0};
    assert_int_equal(wt_bech32m_encode(other, sizeof other, "bc", data5, 52), WT_OK);
    assert_int_equal(wt_address_decode(back, other), WT_ERR_BECH32_HRP);
    assert_int_equal(wt_bech32m_encode(other, sizeof other, "uc", data5, 51), WT_OK);
    assert_int_equal(wt_address_decode(back, other), WT_ERR_BECH32_LENGTH);
    assert_int_equal(wt_bech32m_encode(other, sizeof other, "uc", data5, 53), WT_OK);
    assert_int_equal(wt_address_decode(back, other), WT_ERR_BECH32_LENGTH);
    /* Non-zero padding bits: the last of 52 values carries 4 padding bits. */
    data5[51] = 1;
    assert_int_equal(wt_bech32m_encode(other, sizeof other, "uc", data5, 52), WT_OK);
    assert_int_equal(wt_address_decode(back, other), WT_ERR_BECH32_PADDING);
    data5[51] = 16; /* the one data bit: fine */
    assert_int_equal(wt_bech32m_encode(other, sizeof other, "uc", data5, 52), WT_OK);
    assert_int_equal(wt_address_decode(back, other), WT_OK);
    assert_int_equal(back[31], 1);

    assert_int_equal(wt_address_decode(back, "uc1"), WT_ERR_BECH32_LENGTH);
    assert_int_equal(wt_address_decode(back, ""), WT_ERR_BECH32_HRP);
}

static void test_pubkey_text(void **state)
{
    (void)state;
    uint8_t key[32], back[32];
    for (int i = 0; i < 32; i++)
        key[i] = (uint8_t)(0xa0 + i);
    char address[WT_ADDRESS_CHARS + 1], hex[65];
    wt_address_encode(address, key);
    wt_hex_encode(hex, key, 32);
    assert_int_equal(wt_pubkey_parse_text(back, address), WT_OK);
    assert_memory_equal(back, key, 32);
    assert_int_equal(wt_pubkey_parse_text(back, hex), WT_OK);
    assert_memory_equal(back, key, 32);
    for (char *p = hex; *p; p++)
        if (*p >= 'a' && *p <= 'f')
            *p = (char)(*p - 'a' + 'A');
    assert_int_equal(wt_pubkey_parse_text(back, hex), WT_OK); /* upper-case hex */
    assert_memory_equal(back, key, 32);
    hex[63] = 'g';
    assert_int_equal(wt_pubkey_parse_text(back, hex), WT_ERR_BAD_HEX);
    assert_int_equal(wt_pubkey_parse_text(back, "abcd"), WT_ERR_BAD_LENGTH);
    assert_int_equal(wt_pubkey_parse_text(back, "not a key"), WT_ERR_BECH32_CHAR);
    assert_int_equal(wt_pubkey_parse_text(back, "nonsense"), WT_ERR_BECH32_HRP);
    address[5] = address[5] == 'q' ? 'p' : 'q';
    assert_int_equal(wt_pubkey_parse_text(back, address), WT_ERR_BECH32_CHECKSUM);
}

int main(void)
{
    wt_test_route_asserts();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bip350_valid),          cmocka_unit_test(test_bip350_invalid),
        cmocka_unit_test(test_bech32_is_not_bech32m), cmocka_unit_test(test_encode_limits),
        cmocka_unit_test(test_address_round_trip),    cmocka_unit_test(test_address_frozen),
        cmocka_unit_test(test_address_errors),        cmocka_unit_test(test_pubkey_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
