/* test_ledger_block.c — the Merkle root, block headers (encoding, hash,
 * signature, tampering) and the chain parameters' codec and validation. */
#include "ledger_fixture.h"

#include <stdlib.h>

static void leaf(uint8_t out[32], const uint8_t txid[32])
{
    wt_tagged_hash(out, "wattle/merkle-leaf", txid, 32);
}

static void node(uint8_t out[32], const uint8_t l[32], const uint8_t r[32])
{
    uint8_t buf[64];
    memcpy(buf, l, 32);
    memcpy(buf + 32, r, 32);
    wt_tagged_hash(out, "wattle/merkle-node", buf, 64);
}

static void test_merkle_shapes(void **state)
{
    (void)state;
    uint8_t ids[5][32], root[32], want[32], l[5][32], n01[32], n23[32], up[32];
    for (int i = 0; i < 5; i++) {
        memset(ids[i], i + 1, 32);
        leaf(l[i], ids[i]);
    }
    wt_merkle_root(root, ids, 0);
    uint8_t zero[32] = {0};
    assert_memory_equal(root, zero, 32);
    wt_merkle_root(root, ids, 1);
    assert_memory_equal(root, l[0], 32);
    /* three: the odd third leaf is carried up, not paired with itself */
    wt_merkle_root(root, ids, 3);
    node(n01, l[0], l[1]);
    node(want, n01, l[2]);
    assert_memory_equal(root, want, 32);
    /* five: ((01)(23))(4) */
    wt_merkle_root(root, ids, 5);
    node(n23, l[2], l[3]);
    node(up, n01, n23);
    node(want, up, l[4]);
    assert_memory_equal(root, want, 32);
}

/* The definition, level by level (pairs hashed, an odd node carried up),
 * written out here independently of the library's one-pass builder. */
static void reference_root(uint8_t out[32], const uint8_t (*ids)[32], size_t count)
{
    if (count == 0) {
        memset(out, 0, 32);
        return;
    }
    uint8_t(*level)[32] = malloc(count * 32);
    assert_non_null(level);
    for (size_t i = 0; i < count; i++)
        leaf(level[i], ids[i]);
    size_t n = count;
    while (n > 1) {
        size_t up = 0;
        for (size_t i = 0; i + 1 < n; i += 2)
            node(level[up++], level[i], level[i + 1]);
        if (n % 2 == 1)
            memmove(level[up++], level[n - 1], 32);
        n = up;
    }
    memcpy(out, level[0], 32);
    free(level);
}

static void test_merkle_builder_matches_levels(void **state)
{
    (void)state;
    enum { MAX = 1100 };
    uint8_t(*ids)[32] = malloc(MAX * 32);
    assert_non_null(ids);
    wt_test_rng rng;
    wt_test_rng_init(&rng, wt_test_seed(0x3e41));
    for (size_t i = 0; i < MAX; i++)
        for (size_t k = 0; k < 32; k += 8) {
            uint64_t v = wt_test_rng_next(&rng);
            memcpy(ids[i] + k, &v, 8);
        }
    /* every count up to MAX, one txid at a time, and each count at once;
     * a copy of a builder goes on from where the original was */
    wt_merkle_builder b, saved;
    wt_merkle_init(&b);
    for (size_t n = 0; n <= MAX; n++) {
        uint8_t want[32], got[32], once[32];
        reference_root(want, (const uint8_t(*)[32])ids, n);
        wt_merkle_final(got, &b);
        assert_memory_equal(got, want, 32);
        if (n % 97 == 0 || n < 40) {
            wt_merkle_root(once, (const uint8_t(*)[32])ids, n);
            assert_memory_equal(once, want, 32);
        }
        if (n == 500)
            saved = b;
        if (n < MAX)
            wt_merkle_add(&b, ids[n]);
    }
    wt_merkle_add(&saved, ids[500]);
    uint8_t a[32], want[32];
    wt_merkle_final(a, &saved);
    reference_root(want, (const uint8_t(*)[32])ids, 501);
    assert_memory_equal(a, want, 32);
    free(ids);
}

static void test_merkle_no_duplicate_ambiguity(void **state)
{
    (void)state;
    /* [a,b,c] and [a,b,c,c] must differ (Bitcoin's CVE-2012-2459 shape) */
    uint8_t ids[4][32], r3[32], r4[32];
    for (int i = 0; i < 3; i++)
        memset(ids[i], 0x10 + i, 32);
    memcpy(ids[3], ids[2], 32);
    wt_merkle_root(r3, ids, 3);
    wt_merkle_root(r4, ids, 4);
    assert_memory_not_equal(r3, r4, 32);
    /* reordering changes the root */
    uint8_t swapped[3][32];
    memcpy(swapped[0], ids[1], 32);
    memcpy(swapped[1], ids[0], 32);
    memcpy(swapped[2], ids[2], 32);
    uint8_t rs[32];
    wt_merkle_root(rs, swapped, 3);
    assert_memory_not_equal(r3, rs, 32);
    /* an inner node presented as a leaf list gives another root */
    uint8_t la[32], lb[32], inner[2][32];
    leaf(la, ids[0]);
    leaf(lb, ids[1]);
    node(inner[0], la, lb);
    memcpy(inner[1], ids[2], 32);
    uint8_t ri[32];
    wt_merkle_root(ri, inner, 2);
    assert_memory_not_equal(r3, ri, 32);
}

static void test_block_header_roundtrip_sign_tamper(void **state)
{
    (void)state;
    fx_chain fx;
    fx_init(&fx);
    wt_block_header h;
    memset(&h, 0, sizeof h);
    h.version = WT_BLOCK_VERSION;
    h.chain_id = FX_CHAIN_ID;
    h.height = 42;
    memset(h.prev_hash, 0xaa, 32);
    h.time_ms = FX_NOW_MS;
    h.interval = 360000000;
    h.tx_count = 3;
    memset(h.merkle_root, 0xbb, 32);
    wt_state_hash(h.state_hash, fx.state);
    memcpy(h.operator_key, fx.operator_key.pubkey, 32);
    assert_int_equal(wt_block_sign(fx.ctx, &h, &fx.operator_key), WT_OK);
    assert_true(wt_block_verify(fx.ctx, &h));
    /* only the operator named in the header can sign it */
    assert_int_equal(wt_block_sign(fx.ctx, &h, &fx.issuer_key), WT_ERR_BAD_KEY);

    uint8_t bytes[WT_BLOCK_HEADER_BYTES];
    wt_block_header_encode(bytes, &h);
    wt_block_header back;
    assert_int_equal(wt_block_header_decode(&back, bytes, sizeof bytes), WT_OK);
    assert_memory_equal(&back, &h, sizeof h);
    assert_int_equal(wt_block_header_decode(&back, bytes, sizeof bytes - 1), WT_ERR_BAD_LENGTH);
    bytes[0] = 2;
    assert_int_equal(wt_block_header_decode(&back, bytes, sizeof bytes), WT_ERR_TX_VERSION);
    bytes[0] = WT_BLOCK_VERSION;

    /* every single-byte change of the signed part breaks the signature */
    for (size_t i = 0; i < WT_BLOCK_HEADER_BYTES - 64; i++) {
        bytes[i] ^= 0x01;
        if (wt_block_header_decode(&back, bytes, sizeof bytes) == WT_OK)
            assert_false(wt_block_verify(fx.ctx, &back));
        bytes[i] ^= 0x01;
    }
    /* and the hash covers the height */
    uint8_t h1[32], h2[32];
    wt_block_hash(h1, &h);
    h.height++;
    wt_block_hash(h2, &h);
    assert_memory_not_equal(h1, h2, 32);
    fx_free(&fx);
}

static void test_params_codec_and_validation(void **state)
{
    (void)state;
    fx_chain fx;
    fx_init(&fx);
    uint8_t buf[4096];
    size_t n = wt_chain_params_encode(buf, sizeof buf, &fx.params);
    assert_true(n > 0 && n == wt_chain_params_encode(NULL, 0, &fx.params));
    wt_chain_params back;
    assert_int_equal(wt_chain_params_decode(&back, buf, n), WT_OK);
    assert_memory_equal(&back, &fx.params, sizeof back);
    assert_int_equal(wt_chain_params_decode(&back, buf, n - 1), WT_ERR_BAD_REQUEST);
    buf[n] = 0;
    assert_int_equal(wt_chain_params_decode(&back, buf, n + 1), WT_ERR_BAD_REQUEST);
    assert_int_equal(wt_chain_zone_find(&fx.params, "south"), 2);
    assert_int_equal(wt_chain_zone_find(&fx.params, "east"), WT_CHAIN_ZONE_NONE);
    uint8_t g1[32], g2[32];
    wt_genesis_params_hash(g1, &fx.params);

    const char *field;
    wt_chain_params p = fx.params;
    p.interval_ms = 999;
    assert_int_equal(wt_chain_params_validate(&p, &field), WT_ERR_INVALID_ARGUMENT);
    assert_string_equal(field, "interval_ms");
    p = fx.params;
    p.interval_ms = 900001;
    assert_int_equal(wt_chain_params_validate(&p, &field), WT_ERR_INVALID_ARGUMENT);
    p = fx.params;
    p.zones[2].parent = 2; /* its own parent */
    assert_int_equal(wt_chain_params_validate(&p, &field), WT_ERR_INVALID_ARGUMENT);
    assert_string_equal(field, "zone.parent");
    p = fx.params;
    strcpy(p.zones[2].name, "north");
    assert_int_equal(wt_chain_params_validate(&p, &field), WT_ERR_INVALID_ARGUMENT);
    assert_string_equal(field, "zone.name");
    p = fx.params;
    strcpy(p.zones[1].name, "no spaces");
    assert_int_equal(wt_chain_params_validate(&p, &field), WT_ERR_INVALID_ARGUMENT);
    p = fx.params;
    memcpy(p.issuer_key, p.operator_key, 32);
    assert_int_equal(wt_chain_params_validate(&p, &field), WT_ERR_INVALID_ARGUMENT);
    assert_string_equal(field, "keys");
    p = fx.params;
    p.feed_in_micro_per_kwh = -1;
    assert_int_equal(wt_chain_params_validate(&p, &field), WT_ERR_INVALID_ARGUMENT);
    assert_string_equal(field, "feed_in_micro_per_kwh");
    wt_state *s = NULL;
    assert_int_equal(wt_state_create(&s, &p), WT_ERR_INVALID_ARGUMENT);
    assert_null(s);
    p = fx.params;
    p.zones[1].fee_micro_per_kwh++;
    wt_genesis_params_hash(g2, &p);
    assert_memory_not_equal(g1, g2, 32);
    fx_free(&fx);
}

int main(void)
{
    wt_test_route_asserts();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_merkle_shapes),
        cmocka_unit_test(test_merkle_no_duplicate_ambiguity),
        cmocka_unit_test(test_merkle_builder_matches_levels),
        cmocka_unit_test(test_block_header_roundtrip_sign_tamper),
        cmocka_unit_test(test_params_codec_and_validation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
