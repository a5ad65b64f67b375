/*
 * ledger_fixture.h — a small chain for ledger tests: keys for the operator,
 * issuer, utility, a gateway, a merchant and three households; a zone tree
 * campus > {north, south}; helpers that build, sign and apply transactions.
 */
#ifndef WATTLE_TEST_LEDGER_FIXTURE_H
#define WATTLE_TEST_LEDGER_FIXTURE_H

#include "ledger.h"
#include "testutil.h"

#include <string.h>

#define FX_CHAIN_ID    0x77617474u
#define FX_INTERVAL_MS 5000
#define FX_NOW_MS      INT64_C(1800000000000) /* a fixed "now" for the transitions */
#define FX_HOUSEHOLDS  3

typedef struct {
    wt_ctx *ctx;
    wt_chain_params params;
    wt_state *state;
    wt_seckey operator_key, issuer_key, utility_key, gateway_key, merchant_key;
    wt_seckey home[FX_HOUSEHOLDS];
    uint64_t nonce[16]; /* next nonce per key slot, see fx_slot */
    int64_t now_ms;
} fx_chain;

/* Deterministic keys: secret = tagged hash of a label, so runs repeat. */
static inline void fx_key(const wt_ctx *ctx, wt_seckey *key, const char *label)
{
    uint8_t secret[32];
    wt_tagged_hash(secret, "wattle/test-key", (const uint8_t *)label, strlen(label));
    assert_int_equal(wt_seckey_from_bytes(ctx, key, secret), WT_OK);
}

static inline void fx_params(fx_chain *fx)
{
    wt_chain_params *p = &fx->params;
    memset(p, 0, sizeof *p);
    p->chain_id = FX_CHAIN_ID;
    p->genesis_time_ms = FX_NOW_MS - 3600000;
    p->interval_ms = FX_INTERVAL_MS;
    memcpy(p->operator_key, fx->operator_key.pubkey, 32);
    memcpy(p->issuer_key, fx->issuer_key.pubkey, 32);
    memcpy(p->utility_key, fx->utility_key.pubkey, 32);
    p->retail_micro_per_kwh = 150000000; /* 150 U/kWh */
    p->feed_in_micro_per_kwh = 60000000; /* 60 U/kWh */
    p->price_ceiling_micro_per_kwh = 1000000000;
    p->zones_count = 3;
    strcpy(p->zones[0].name, "campus");
    p->zones[0].parent = WT_CHAIN_ZONE_NONE;
    p->zones[0].fee_micro_per_kwh = 20000000;
    strcpy(p->zones[1].name, "north");
    p->zones[1].parent = 0;
    p->zones[1].fee_micro_per_kwh = 5000000;
    strcpy(p->zones[2].name, "south");
    p->zones[2].parent = 0;
    p->zones[2].fee_micro_per_kwh = 5000000;
}

static inline void fx_init(fx_chain *fx)
{
    memset(fx, 0, sizeof *fx);
    assert_int_equal(wt_ctx_create(&fx->ctx), WT_OK);
    fx_key(fx->ctx, &fx->operator_key, "operator");
    fx_key(fx->ctx, &fx->issuer_key, "issuer");
    fx_key(fx->ctx, &fx->utility_key, "utility");
    fx_key(fx->ctx, &fx->gateway_key, "gateway");
    fx_key(fx->ctx, &fx->merchant_key, "merchant");
    for (int i = 0; i < FX_HOUSEHOLDS; i++) {
        char label[16] = "home-0";
        label[5] = (char)('0' + i);
        fx_key(fx->ctx, &fx->home[i], label);
    }
    fx_params(fx);
    assert_int_equal(wt_state_create(&fx->state, &fx->params), WT_OK);
    fx->now_ms = FX_NOW_MS;
}

static inline void fx_free(fx_chain *fx)
{
    wt_state_destroy(fx->state);
    wt_ctx_destroy(fx->ctx);
}

/* A per-key nonce counter, found by the key's first byte (distinct here). */
static inline uint64_t *fx_nonce(fx_chain *fx, const wt_seckey *key)
{
    const wt_seckey *all[] = {&fx->operator_key, &fx->issuer_key,   &fx->utility_key,
                              &fx->gateway_key,  &fx->merchant_key, &fx->home[0],
                              &fx->home[1],      &fx->home[2]};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (all[i] == key)
            return &fx->nonce[i];
    fail_msg("unknown fixture key");
    return NULL;
}

/* Start a tx of `type` from `key` with the next nonce. */
static inline void fx_tx(fx_chain *fx, wt_tx *tx, wt_tx_type type, const wt_seckey *key)
{
    wt_tx_init(tx, type);
    tx->chain_id = FX_CHAIN_ID;
    memcpy(tx->sender, key->pubkey, 32);
    tx->nonce = *fx_nonce(fx, key) + 1;
    tx->expiry_ms = fx->now_ms + 60000;
}

/* Sign and apply; on success the key's nonce advances. Returns the error
 * and, through field, what apply named. */
static inline wt_err fx_apply_field(fx_chain *fx, wt_tx *tx, const wt_seckey *key,
                                    const char **field, uint8_t txid_out[32])
{
    uint8_t txid[32];
    assert_int_equal(wt_tx_sign(fx->ctx, txid, tx, key), WT_OK);
    wt_apply_opts opts = {.now_ms = fx->now_ms, .sig_verified = false};
    wt_err err = wt_ledger_apply(fx->ctx, fx->state, field, tx, txid, &opts);
    if (err == WT_OK)
        (*fx_nonce(fx, key))++;
    if (txid_out != NULL)
        memcpy(txid_out, txid, 32);
    return err;
}

static inline wt_err fx_apply(fx_chain *fx, wt_tx *tx, const wt_seckey *key)
{
    const char *field;
    return fx_apply_field(fx, tx, key, &field, NULL);
}

static inline int64_t fx_balance(fx_chain *fx, const wt_seckey *key)
{
    wt_account a;
    wt_state_account(&a, fx->state, key->pubkey);
    return a.balance_micro;
}

static inline int64_t fx_holds(fx_chain *fx, const wt_seckey *key)
{
    wt_account a;
    wt_state_account(&a, fx->state, key->pubkey);
    return a.holds_micro;
}

static inline void fx_mint(fx_chain *fx, const wt_seckey *to, int64_t amount_micro)
{
    wt_tx tx;
    fx_tx(fx, &tx, WT_TX_MINT, &fx->issuer_key);
    memcpy(tx.body.mint.to, to->pubkey, 32);
    tx.body.mint.amount_micro = amount_micro;
    assert_int_equal(fx_apply(fx, &tx, &fx->issuer_key), WT_OK);
}

static inline void fx_check_conservation(fx_chain *fx)
{
    wt_state_totals t;
    wt_state_totals_get(&t, fx->state);
    assert_true(t.balances_micro + t.holds_micro == t.minted_micro - t.burned_micro);
}

#endif /* WATTLE_TEST_LEDGER_FIXTURE_H */
