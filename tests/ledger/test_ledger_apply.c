/* test_ledger_apply.c — the ledger's state transition: every error path of
 * wt_ledger_apply, each checked to change nothing (same state hash, same
 * totals), and the effects of every transaction type. */
#include "ledger_fixture.h"

#include <stdlib.h>

/* Apply tx and expect `want` naming `want_field`; the state must not change. */
static void expect_reject(fx_chain *fx, wt_tx *tx, const wt_seckey *key, wt_err want,
                          const char *want_field)
{
    uint8_t before[32], after[32];
    wt_state_hash(before, fx->state);
    wt_state_totals t0, t1;
    wt_state_totals_get(&t0, fx->state);
    const char *field = NULL;
    wt_err err = fx_apply_field(fx, tx, key, &field, NULL);
    if (err != want)
        fail_msg("got %s, want %s", wt_errname(err), wt_errname(want));
    if (want_field != NULL && (field == NULL || strcmp(field, want_field) != 0))
        fail_msg("field %s, want %s", field ? field : "(null)", want_field);
    wt_state_hash(after, fx->state);
    wt_state_totals_get(&t1, fx->state);
    assert_memory_equal(before, after, 32);
    assert_memory_equal(&t0, &t1, sizeof t0);
}

static int setup(void **state)
{
    fx_chain *fx = malloc(sizeof *fx);
    fx_init(fx);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fx_chain *fx = *state;
    fx_free(fx);
    free(fx);
    return 0;
}

static void register_gateway_and_meter(fx_chain *fx, const char *meter, const wt_seckey *owner,
                                       uint16_t zone)
{
    wt_tx tx;
    wt_account gw;
    if (wt_state_account(&gw, fx->state, fx->gateway_key.pubkey) != WT_OK ||
        (gw.roles & WT_ROLE_GATEWAY) == 0) {
        fx_tx(fx, &tx, WT_TX_REGISTER, &fx->operator_key);
        tx.body.reg.kind = WT_TX_REGISTER_GATEWAY;
        memcpy(tx.body.reg.u.gateway.key, fx->gateway_key.pubkey, 32);
        tx.body.reg.u.gateway.zone = 0;
        assert_int_equal(fx_apply(fx, &tx, &fx->operator_key), WT_OK);
    }
    fx_tx(fx, &tx, WT_TX_REGISTER, &fx->operator_key);
    tx.body.reg.kind = WT_TX_REGISTER_METER;
    assert_int_equal(wt_meter_id_set(&tx.body.reg.u.meter.meter_id, meter), WT_OK);
    memcpy(tx.body.reg.u.meter.owner, owner->pubkey, 32);
    tx.body.reg.u.meter.zone = zone;
    memcpy(tx.body.reg.u.meter.gateway, fx->gateway_key.pubkey, 32);
    assert_int_equal(fx_apply(fx, &tx, &fx->operator_key), WT_OK);
}

/* ------------------------------------------------------------- common */

static void test_genesis_roles(void **state)
{
    fx_chain *fx = *state;
    wt_account a;
    assert_int_equal(wt_state_account(&a, fx->state, fx->issuer_key.pubkey), WT_OK);
    assert_int_equal(a.roles, WT_ROLE_ISSUER);
    assert_int_equal(wt_state_account(&a, fx->state, fx->operator_key.pubkey), WT_OK);
    assert_int_equal(a.roles, WT_ROLE_OPERATOR);
    assert_int_equal(wt_state_account(&a, fx->state, fx->home[0].pubkey), WT_ERR_NOT_FOUND);
    assert_true(a.balance_micro == 0);
}

static void test_wrong_chain(void **state)
{
    fx_chain *fx = *state;
    fx_mint(fx, &fx->home[0], 1000);
    wt_tx tx;
    fx_tx(fx, &tx, WT_TX_TRANSFER, &fx->home[0]);
    tx.chain_id = FX_CHAIN_ID + 1;
    memcpy(tx.body.transfer.to, fx->home[1].pubkey, 32);
    tx.body.transfer.amount_micro = 10;
    expect_reject(fx, &tx, &fx->home[0], WT_ERR_WRONG_CHAIN, "chain_id");
}

static void test_bad_signature(void **state)
{
    fx_chain *fx = *state;
    fx_mint(fx, &fx->home[0], 1000);
    wt_tx tx;
    fx_tx(fx, &tx, WT_TX_TRANSFER, &fx->home[0]);
    memcpy(tx.body.transfer.to, fx->home[1].pubkey, 32);
    tx.body.transfer.amount_micro = 10;
    uint8_t txid[32];
    /* signed by home[1] but claims to be from home[0] */
    memcpy(tx.sender, fx->home[1].pubkey, 32);
    assert_int_equal(wt_tx_sign(fx->ctx, txid, &tx, &fx->home[1]), WT_OK);
    memcpy(tx.sender, fx->home[0].pubkey, 32);
    assert_int_equal(wt_tx_id(txid, NULL, &tx), WT_OK);
    wt_apply_opts opts = {.now_ms = fx->now_ms};
    const char *field;
    uint8_t before[32], after[32];
    wt_state_hash(before, fx->state);
    assert_int_equal(wt_ledger_apply(fx->ctx, fx->state, &field, &tx, txid, &opts),
                     WT_ERR_BAD_SIGNATURE);
    assert_string_equal(field, "signature");
    /* one flipped bit of a genuine signature */
    fx_tx(fx, &tx, WT_TX_TRANSFER, &fx->home[0]);
    memcpy(tx.body.transfer.to, fx->home[1].pubkey, 32);
    tx.body.transfer.amount_micro = 10;
    assert_int_equal(wt_tx_sign(fx->ctx, txid, &tx, &fx->home[0]), WT_OK);
    tx.signature[17] ^= 1;
    assert_int_equal(wt_ledger_apply(fx->ctx, fx->state, &field, &tx, txid, &opts),
                     WT_ERR_BAD_SIGNATURE);
    wt_state_hash(after, fx->state);
    assert_memory_equal(before, after, 32);
    /* sig_verified skips the check: the caller vouches for it */
    tx.signature[17] ^= 1;
    opts.sig_verified = true;
    assert_int_equal(wt_ledger_apply(fx->ctx, fx->state, &field, &tx, txid, &opts), WT_OK);
}

static void test_expired(void **state)
{
    fx_chain *fx = *state;
    fx_mint(fx, &fx->home[0], 1000);
    wt_tx tx;
    fx_tx(fx, &tx, WT_TX_TRANSFER, &fx->home[0]);
    memcpy(tx.body.transfer.to, fx->home[1].pubkey, 32);
    tx.body.transfer.amount_micro = 10;
    tx.expiry_ms = fx->now_ms - 1;
    expect_reject(fx, &tx, &fx->home[0], WT_ERR_EXPIRED, "expiry_ms");
    tx.expiry_ms = fx->now_ms; /* the last millisecond still counts */
    assert_int_equal(fx_apply(fx, &tx, &fx->home[0]), WT_OK);
}

static void test_bad_nonce_and_replay(void **state)
{
    fx_chain *fx = *state;
    fx_mint(fx, &fx->home[0], 1000);
    wt_tx tx;
    fx_tx(fx, &tx, WT_TX_TRANSFER, &fx->home[0]);
    memcpy(tx.body.transfer.to, fx->home[1].pubkey, 32);
    tx.body.transfer.amount_micro = 10;
    tx.nonce = 2; /* skips 1 */
    expect_reject(fx, &tx, &fx->home[0], WT_ERR_BAD_NONCE, "nonce");
    tx.nonce = 1;
    uint8_t txid[32];
    const char *field;
    assert_int_equal(fx_apply_field(fx, &tx, &fx->home[0], &field, txid), WT_OK);
    /* the very same signed transaction again: a replay */
    wt_apply_opts opts = {.now_ms = fx->now_ms};
    assert_int_equal(wt_ledger_apply(fx->ctx, fx->state, &field, &tx, txid, &opts),
                     WT_ERR_BAD_NONCE);
    /* the same nonce with another body */
    tx.body.transfer.amount_micro = 11;
    expect_reject(fx, &tx, &fx->home[0], WT_ERR_BAD_NONCE, "nonce");
    assert_true(fx_balance(fx, &fx->home[0]) == 990);
    assert_true(fx_balance(fx, &fx->home[1]) == 10);
}

/* ------------------------------------------------------- money moves */

static void test_transfer(void **state)
{
    fx_chain *fx = *state;
    fx_mint(fx, &fx->home[0], 5000000);
    wt_tx tx;
    fx_tx(fx, &tx, WT_TX_TRANSFER, &fx->home[0]);
    memcpy(tx.body.transfer.to, fx->home[1].pubkey, 32);
    tx.body.transfer.amount_micro = 5000001;
    expect_reject(fx, &tx, &fx->home[0], WT_ERR_INSUFFICIENT_FUNDS, "amount_micro");
    tx.body.transfer.amount_micro = 5000000;
    memcpy(tx.body.transfer.to, fx->home[0].pubkey, 32);
    expect_reject(fx, &tx, &fx->home[0], WT_ERR_INVALID_ARGUMENT, "to");
    memcpy(tx.body.transfer.to, fx->home[1].pubkey, 32);
    assert_int_equal(fx_apply(fx, &tx, &fx->home[0]), WT_OK);
    assert_true(fx_balance(fx, &fx->home[0]) == 0);
    assert_true(fx_balance(fx, &fx->home[1]) == 5000000);
    fx_check_conservation(fx);
}

static void test_mint_burn_roles_and_overflow(void **state)
{
    fx_chain *fx = *state;
    wt_tx tx;
    fx_tx(fx, &tx, WT_TX_MINT, &fx->home[0]);
    memcpy(tx.body.mint.to, fx->home[0].pubkey, 32);
    tx.body.mint.amount_micro = 1;
    expect_reject(fx, &tx, &fx->home[0], WT_ERR_NOT_ISSUER, "sender");
    fx_tx(fx, &tx, WT_TX_MINT, &fx->operator_key);
    memcpy(tx.body.mint.to, fx->home[0].pubkey, 32);
    tx.body.mint.amount_micro = 1;
    expect_reject(fx, &tx, &fx->operator_key, WT_ERR_NOT_ISSUER, "sender");

    fx_mint(fx, &fx->home[0], INT64_MAX - 10);
    fx_tx(fx, &tx, WT_TX_MINT, &fx->issuer_key);
    memcpy(tx.body.mint.to, fx->home[1].pubkey, 32);
    tx.body.mint.amount_micro = 11; /* minted total would pass INT64_MAX */
    expect_reject(fx, &tx, &fx->issuer_key, WT_ERR_OVERFLOW, "amount_micro");
    tx.body.mint.amount_micro = 10; /* exactly INT64_MAX in all */
    assert_int_equal(fx_apply(fx, &tx, &fx->issuer_key), WT_OK);

    /* burn: only the issuer, from its own balance */
    fx_tx(fx, &tx, WT_TX_BURN, &fx->home[0]);
    tx.body.burn.amount_micro = 1;
    expect_reject(fx, &tx, &fx->home[0], WT_ERR_NOT_ISSUER, "sender");
    fx_tx(fx, &tx, WT_TX_BURN, &fx->issuer_key);
    tx.body.burn.amount_micro = 1;
    expect_reject(fx, &tx, &fx->issuer_key, WT_ERR_INSUFFICIENT_FUNDS, "amount_micro");
    fx_tx(fx, &tx, WT_TX_TRANSFER, &fx->home[1]);
    memcpy(tx.body.transfer.to, fx->issuer_key.pubkey, 32);
    tx.body.transfer.amount_micro = 10; /* redemption: coins back to the office */
    assert_int_equal(fx_apply(fx, &tx, &fx->home[1]), WT_OK);
    fx_tx(fx, &tx, WT_TX_BURN, &fx->issuer_key);
    tx.body.burn.amount_micro = 10;
    assert_int_equal(fx_apply(fx, &tx, &fx->issuer_key), WT_OK);
    wt_state_totals t;
    wt_state_totals_get(&t, fx->state);
    assert_true(t.minted_micro == INT64_MAX);
    assert_true(t.burned_micro == 10);
    fx_check_conservation(fx);
}

/* ------------------------------------------------------------- orders */

static void test_orders_holds_and_cancel(void **state)
{
    fx_chain *fx = *state;
    fx_mint(fx, &fx->home[0], 100000000); /* 100 U */
    uint64_t now_interval = (uint64_t)(fx->now_ms / FX_INTERVAL_MS);
    wt_tx tx;
    fx_tx(fx, &tx, WT_TX_ORDER, &fx->home[0]);
    tx.body.order.zone = 7;
    tx.body.order.side = WT_TX_SIDE_BUY;
    tx.body.order.interval = now_interval + 1;
    tx.body.order.energy_mwh = 100000; /* 0.1 kWh */
    tx.body.order.price_micro_per_kwh = 200000000;
    expect_reject(fx, &tx, &fx->home[0], WT_ERR_UNKNOWN_ZONE, "zone");
    tx.body.order.zone = 1;
    tx.body.order.price_micro_per_kwh = 1000000001; /* above the ceiling */
    expect_reject(fx, &tx, &fx->home[0], WT_ERR_BAD_PRICE, "price_micro_per_kwh");
    tx.body.order.price_micro_per_kwh = 200000000;
    tx.body.order.interval = now_interval - 1;
    expect_reject(fx, &tx, &fx->home[0], WT_ERR_INTERVAL_CLOSED, "interval");
    tx.body.order.interval = now_interval + WT_ORDER_INTERVALS_AHEAD_MAX + 1;
    expect_reject(fx, &tx, &fx->home[0], WT_ERR_INVALID_ARGUMENT, "interval");
    tx.body.order.interval = now_interval + 1;
    tx.body.order.energy_mwh = 1000000; /* 1 kWh at 200 + fees 25 = 225 U > 100 U */
    expect_reject(fx, &tx, &fx->home[0], WT_ERR_INSUFFICIENT_FUNDS, "energy_mwh");
    tx.body.order.energy_mwh = 100000;
    uint8_t order_id[32];
    const char *field;
    assert_int_equal(fx_apply_field(fx, &tx, &fx->home[0], &field, order_id), WT_OK);
    /* hold = 0.1 kWh * (200 + 5 + 20) U/kWh = 22.5 U, plus one micro */
    assert_true(fx_holds(fx, &fx->home[0]) == 22500001);
    assert_true(fx_balance(fx, &fx->home[0]) == 100000000 - 22500001);
    fx_check_conservation(fx);
    /* a sell order places no hold */
    fx_tx(fx, &tx, WT_TX_ORDER, &fx->home[1]);
    tx.body.order.zone = 2;
    tx.body.order.side = WT_TX_SIDE_SELL;
    tx.body.order.interval = now_interval + 1;
    tx.body.order.energy_mwh = 500000;
    tx.body.order.price_micro_per_kwh = 50000000;
    assert_int_equal(fx_apply(fx, &tx, &fx->home[1]), WT_OK);
    assert_true(fx_holds(fx, &fx->home[1]) == 0);
    wt_state_totals t;
    wt_state_totals_get(&t, fx->state);
    assert_int_equal(t.open_orders, 2);

    /* cancel: unknown order, someone else's order, then the owner */
    fx_tx(fx, &tx, WT_TX_CANCEL, &fx->home[1]);
    memset(tx.body.cancel.order_txid, 0xab, 32);
    expect_reject(fx, &tx, &fx->home[1], WT_ERR_ORDER_NOT_FOUND, "order_txid");
    memcpy(tx.body.cancel.order_txid, order_id, 32);
    expect_reject(fx, &tx, &fx->home[1], WT_ERR_NOT_OWNER, "order_txid");
    fx_tx(fx, &tx, WT_TX_CANCEL, &fx->home[0]);
    memcpy(tx.body.cancel.order_txid, order_id, 32);
    assert_int_equal(fx_apply(fx, &tx, &fx->home[0]), WT_OK);
    assert_true(fx_holds(fx, &fx->home[0]) == 0);
    assert_true(fx_balance(fx, &fx->home[0]) == 100000000);
    fx_tx(fx, &tx, WT_TX_CANCEL, &fx->home[0]);
    memcpy(tx.body.cancel.order_txid, order_id, 32);
    expect_reject(fx, &tx, &fx->home[0], WT_ERR_ORDER_NOT_FOUND, "order_txid");
    fx_check_conservation(fx);
}

static void test_standing(void **state)
{
    fx_chain *fx = *state;
    wt_tx tx;
    fx_tx(fx, &tx, WT_TX_STANDING, &fx->home[0]);
    tx.body.standing.zone = 3;
    tx.body.standing.flags = WT_STANDING_HAS_SELL_MIN;
    tx.body.standing.sell_min_micro_per_kwh = 80000000;
    expect_reject(fx, &tx, &fx->home[0], WT_ERR_UNKNOWN_ZONE, "zone");
    tx.body.standing.zone = 1;
    tx.body.standing.sell_min_micro_per_kwh = 1000000001;
    expect_reject(fx, &tx, &fx->home[0], WT_ERR_BAD_PRICE, "sell_min_micro_per_kwh");
    tx.body.standing.sell_min_micro_per_kwh = 80000000;
    assert_int_equal(fx_apply(fx, &tx, &fx->home[0]), WT_OK);
    wt_standing_info info;
    assert_int_equal(wt_state_standing(&info, fx->state, fx->home[0].pubkey, 1), WT_OK);
    assert_int_equal(info.flags, WT_STANDING_HAS_SELL_MIN);
    assert_true(info.sell_min_micro_per_kwh == 80000000);
    /* replaced by a later instruction with both limits */
    fx_tx(fx, &tx, WT_TX_STANDING, &fx->home[0]);
    tx.body.standing.zone = 1;
    tx.body.standing.flags = WT_STANDING_HAS_SELL_MIN | WT_STANDING_HAS_BUY_MAX;
    tx.body.standing.sell_min_micro_per_kwh = 70000000;
    tx.body.standing.buy_max_micro_per_kwh = 140000000;
    tx.body.standing.buy_max_micro_per_kwh = 1000000001;
    expect_reject(fx, &tx, &fx->home[0], WT_ERR_BAD_PRICE, "buy_max_micro_per_kwh");
    tx.body.standing.buy_max_micro_per_kwh = 140000000;
    assert_int_equal(fx_apply(fx, &tx, &fx->home[0]), WT_OK);
    assert_int_equal(wt_state_standing(&info, fx->state, fx->home[0].pubkey, 1), WT_OK);
    assert_true(info.sell_min_micro_per_kwh == 70000000);
    assert_true(info.buy_max_micro_per_kwh == 140000000);
    assert_int_equal(wt_state_standing(&info, fx->state, fx->home[0].pubkey, 2), WT_ERR_NOT_FOUND);
    /* the same owner in another zone, and another owner in the same zone, are
     * separate standings; a key that has no account has none */
    fx_tx(fx, &tx, WT_TX_STANDING, &fx->home[0]);
    tx.body.standing.zone = 2;
    tx.body.standing.flags = WT_STANDING_HAS_BUY_MAX;
    tx.body.standing.buy_max_micro_per_kwh = 120000000;
    assert_int_equal(fx_apply(fx, &tx, &fx->home[0]), WT_OK);
    fx_tx(fx, &tx, WT_TX_STANDING, &fx->home[1]);
    tx.body.standing.zone = 1;
    tx.body.standing.flags = WT_STANDING_HAS_SELL_MIN;
    tx.body.standing.sell_min_micro_per_kwh = 90000000;
    assert_int_equal(fx_apply(fx, &tx, &fx->home[1]), WT_OK);
    assert_int_equal(wt_state_standing(&info, fx->state, fx->home[0].pubkey, 1), WT_OK);
    assert_true(info.sell_min_micro_per_kwh == 70000000 && info.buy_max_micro_per_kwh == 140000000);
    assert_int_equal(wt_state_standing(&info, fx->state, fx->home[0].pubkey, 2), WT_OK);
    assert_true(info.flags == WT_STANDING_HAS_BUY_MAX && info.buy_max_micro_per_kwh == 120000000);
    assert_int_equal(wt_state_standing(&info, fx->state, fx->home[1].pubkey, 1), WT_OK);
    assert_true(info.flags == WT_STANDING_HAS_SELL_MIN && info.sell_min_micro_per_kwh == 90000000);
    uint8_t stranger[32];
    memset(stranger, 0x5a, sizeof stranger);
    assert_int_equal(wt_state_standing(&info, fx->state, stranger, 1), WT_ERR_NOT_FOUND);
}

/* ----------------------------------------------------------- register */

static void test_register(void **state)
{
    fx_chain *fx = *state;
    wt_tx tx;
    fx_tx(fx, &tx, WT_TX_REGISTER, &fx->home[0]);
    tx.body.reg.kind = WT_TX_REGISTER_GATEWAY;
    memcpy(tx.body.reg.u.gateway.key, fx->gateway_key.pubkey, 32);
    expect_reject(fx, &tx, &fx->home[0], WT_ERR_NOT_OPERATOR, "sender");
    fx_tx(fx, &tx, WT_TX_REGISTER, &fx->issuer_key);
    tx.body.reg.kind = WT_TX_REGISTER_GATEWAY;
    memcpy(tx.body.reg.u.gateway.key, fx->gateway_key.pubkey, 32);
    expect_reject(fx, &tx, &fx->issuer_key, WT_ERR_NOT_OPERATOR, "sender");
    fx_tx(fx, &tx, WT_TX_REGISTER, &fx->operator_key);
    tx.body.reg.kind = WT_TX_REGISTER_GATEWAY;
    memcpy(tx.body.reg.u.gateway.key, fx->gateway_key.pubkey, 32);
    tx.body.reg.u.gateway.zone = 9;
    expect_reject(fx, &tx, &fx->operator_key, WT_ERR_UNKNOWN_ZONE, "zone");

    /* a meter whose gateway is not a registered gateway */
    fx_tx(fx, &tx, WT_TX_REGISTER, &fx->operator_key);
    tx.body.reg.kind = WT_TX_REGISTER_METER;
    assert_int_equal(wt_meter_id_set(&tx.body.reg.u.meter.meter_id, "E0001"), WT_OK);
    memcpy(tx.body.reg.u.meter.owner, fx->home[0].pubkey, 32);
    tx.body.reg.u.meter.zone = 1;
    memcpy(tx.body.reg.u.meter.gateway, fx->gateway_key.pubkey, 32);
    expect_reject(fx, &tx, &fx->operator_key, WT_ERR_NOT_GATEWAY, "gateway");
    tx.body.reg.u.meter.zone = 5;
    register_gateway_and_meter(fx, "E0000", &fx->home[1], 2); /* makes the gateway */
    fx_tx(fx, &tx, WT_TX_REGISTER, &fx->operator_key);
    tx.body.reg.kind = WT_TX_REGISTER_METER;
    assert_int_equal(wt_meter_id_set(&tx.body.reg.u.meter.meter_id, "E0001"), WT_OK);
    memcpy(tx.body.reg.u.meter.owner, fx->home[0].pubkey, 32);
    memcpy(tx.body.reg.u.meter.gateway, fx->gateway_key.pubkey, 32);
    tx.body.reg.u.meter.zone = 5;
    expect_reject(fx, &tx, &fx->operator_key, WT_ERR_UNKNOWN_ZONE, "zone");
    tx.body.reg.u.meter.zone = 1;
    assert_int_equal(fx_apply(fx, &tx, &fx->operator_key), WT_OK);
    wt_meter_info m;
    assert_int_equal(wt_state_meter(&m, fx->state, "E0001", 5), WT_OK);
    assert_memory_equal(m.owner, fx->home[0].pubkey, 32);
    assert_int_equal(m.zone, 1);
    assert_int_equal(wt_state_meter(&m, fx->state, "E0002", 5), WT_ERR_NOT_FOUND);

    /* merchant */
    fx_tx(fx, &tx, WT_TX_REGISTER, &fx->operator_key);
    tx.body.reg.kind = WT_TX_REGISTER_MERCHANT;
    memcpy(tx.body.reg.u.merchant.key, fx->merchant_key.pubkey, 32);
    assert_int_equal(wt_merchant_name_set(&tx.body.reg.u.merchant.name, "Cafe"), WT_OK);
    assert_int_equal(fx_apply(fx, &tx, &fx->operator_key), WT_OK);
    wt_account a;
    assert_int_equal(wt_state_account(&a, fx->state, fx->merchant_key.pubkey), WT_OK);
    assert_int_equal(a.roles, WT_ROLE_MERCHANT);

    /* role: the issuer role moves to home[2]; the three roles stay distinct */
    fx_tx(fx, &tx, WT_TX_REGISTER, &fx->operator_key);
    tx.body.reg.kind = WT_TX_REGISTER_ROLE;
    tx.body.reg.u.role.role = WT_TX_ROLE_ISSUER;
    memcpy(tx.body.reg.u.role.key, fx->utility_key.pubkey, 32);
    expect_reject(fx, &tx, &fx->operator_key, WT_ERR_INVALID_ARGUMENT, "key");
    memcpy(tx.body.reg.u.role.key, fx->home[2].pubkey, 32);
    assert_int_equal(fx_apply(fx, &tx, &fx->operator_key), WT_OK);
    assert_int_equal(wt_state_account(&a, fx->state, fx->issuer_key.pubkey), WT_OK);
    assert_int_equal(a.roles, 0);
    assert_int_equal(wt_state_account(&a, fx->state, fx->home[2].pubkey), WT_OK);
    assert_int_equal(a.roles, WT_ROLE_ISSUER);
    fx_tx(fx, &tx, WT_TX_MINT, &fx->issuer_key);
    memcpy(tx.body.mint.to, fx->home[0].pubkey, 32);
    tx.body.mint.amount_micro = 1;
    expect_reject(fx, &tx, &fx->issuer_key, WT_ERR_NOT_ISSUER, "sender");
}

/* ----------------------------------------------------------- readings */

static void readings_tx(fx_chain *fx, wt_tx *tx, const wt_seckey *gw, uint64_t interval,
                        wt_reading *entries, uint16_t count)
{
    fx_tx(fx, tx, WT_TX_READINGS, gw);
    tx->body.readings.interval = interval;
    tx->body.readings.count = count;
    tx->body.readings.entries = entries;
}

static void test_readings(void **state)
{
    fx_chain *fx = *state;
    register_gateway_and_meter(fx, "M-A", &fx->home[0], 1);
    register_gateway_and_meter(fx, "M-B", &fx->home[1], 2);
    uint64_t closed = (uint64_t)(fx->now_ms / FX_INTERVAL_MS) - 1;
    wt_reading e[2];
    memset(e, 0, sizeof e);
    assert_int_equal(wt_meter_id_set(&e[0].meter_id, "M-A"), WT_OK);
    e[0].import_mwh = 10;
    e[0].export_mwh = 250;
    assert_int_equal(wt_meter_id_set(&e[1].meter_id, "M-B"), WT_OK);
    e[1].import_mwh = 400;
    wt_tx tx;

    /* not a gateway at all */
    readings_tx(fx, &tx, &fx->home[0], closed, e, 2);
    expect_reject(fx, &tx, &fx->home[0], WT_ERR_NOT_GATEWAY, "sender");
    /* a second gateway that does not report these meters */
    fx_tx(fx, &tx, WT_TX_REGISTER, &fx->operator_key);
    tx.body.reg.kind = WT_TX_REGISTER_GATEWAY;
    memcpy(tx.body.reg.u.gateway.key, fx->home[2].pubkey, 32);
    assert_int_equal(fx_apply(fx, &tx, &fx->operator_key), WT_OK);
    readings_tx(fx, &tx, &fx->home[2], closed, e, 2);
    expect_reject(fx, &tx, &fx->home[2], WT_ERR_NOT_GATEWAY, "meter_id");
    /* an unregistered meter */
    wt_reading unknown[1];
    memset(unknown, 0, sizeof unknown);
    assert_int_equal(wt_meter_id_set(&unknown[0].meter_id, "M-Z"), WT_OK);
    readings_tx(fx, &tx, &fx->gateway_key, closed, unknown, 1);
    expect_reject(fx, &tx, &fx->gateway_key, WT_ERR_UNKNOWN_METER, "meter_id");
    /* an interval that has not ended */
    readings_tx(fx, &tx, &fx->gateway_key, closed + 1, e, 2);
    expect_reject(fx, &tx, &fx->gateway_key, WT_ERR_INVALID_ARGUMENT, "interval");
    /* accepted, then the same meter and interval again */
    readings_tx(fx, &tx, &fx->gateway_key, closed, e, 2);
    assert_int_equal(fx_apply(fx, &tx, &fx->gateway_key), WT_OK);
    wt_reading_info r;
    assert_int_equal(wt_state_reading(&r, fx->state, "M-A", 3, closed), WT_OK);
    assert_true(r.export_mwh == 250 && r.import_mwh == 10);
    readings_tx(fx, &tx, &fx->gateway_key, closed, e + 1, 1);
    expect_reject(fx, &tx, &fx->gateway_key, WT_ERR_DUPLICATE_READING, "meter_id");
    /* each meter and interval is its own reading: M-B's, M-A's earlier one */
    assert_int_equal(wt_state_reading(&r, fx->state, "M-B", 3, closed), WT_OK);
    assert_true(r.import_mwh == 400 && r.export_mwh == 0);
    assert_int_equal(wt_state_reading(&r, fx->state, "M-A", 3, closed - 1), WT_ERR_NOT_FOUND);
    e[0].import_mwh = 7;
    e[0].export_mwh = 0;
    readings_tx(fx, &tx, &fx->gateway_key, closed - 1, e, 1);
    assert_int_equal(fx_apply(fx, &tx, &fx->gateway_key), WT_OK);
    assert_int_equal(wt_state_reading(&r, fx->state, "M-A", 3, closed - 1), WT_OK);
    assert_true(r.import_mwh == 7);
    assert_int_equal(wt_state_reading(&r, fx->state, "M-A", 3, closed), WT_OK);
    assert_true(r.import_mwh == 10 && r.export_mwh == 250);
    assert_int_equal(wt_state_reading(&r, fx->state, "M-Z", 3, closed), WT_ERR_NOT_FOUND);
    /* the earlier interval again: a duplicate too (the meter was read for a
     * later one since) */
    readings_tx(fx, &tx, &fx->gateway_key, closed - 1, e, 1);
    expect_reject(fx, &tx, &fx->gateway_key, WT_ERR_DUPLICATE_READING, "meter_id");

    /* a reading carries its owner's standing in the meter's zone as it is
     * now: none, then one set after the reading, then that one changed */
    assert_int_equal(wt_state_reading(&r, fx->state, "M-A", 3, closed), WT_OK);
    assert_int_equal(r.standing.flags, 0);
    fx_tx(fx, &tx, WT_TX_STANDING, &fx->home[0]);
    tx.body.standing.zone = 1;
    tx.body.standing.flags = WT_STANDING_HAS_SELL_MIN;
    tx.body.standing.sell_min_micro_per_kwh = 80000000;
    assert_int_equal(fx_apply(fx, &tx, &fx->home[0]), WT_OK);
    assert_int_equal(wt_state_reading(&r, fx->state, "M-A", 3, closed), WT_OK);
    assert_int_equal(r.standing.flags, WT_STANDING_HAS_SELL_MIN);
    assert_true(r.standing.sell_min_micro_per_kwh == 80000000);
    fx_tx(fx, &tx, WT_TX_STANDING, &fx->home[0]);
    tx.body.standing.zone = 1;
    tx.body.standing.flags = WT_STANDING_HAS_BUY_MAX;
    tx.body.standing.buy_max_micro_per_kwh = 150000000;
    assert_int_equal(fx_apply(fx, &tx, &fx->home[0]), WT_OK);
    assert_int_equal(wt_state_reading(&r, fx->state, "M-A", 3, closed), WT_OK);
    assert_int_equal(r.standing.flags, WT_STANDING_HAS_BUY_MAX);
    assert_true(r.standing.buy_max_micro_per_kwh == 150000000);
    /* M-B's owner (home[1], zone 2) has a standing in zone 1 only: none */
    fx_tx(fx, &tx, WT_TX_STANDING, &fx->home[1]);
    tx.body.standing.zone = 1;
    tx.body.standing.flags = WT_STANDING_HAS_SELL_MIN;
    tx.body.standing.sell_min_micro_per_kwh = 90000000;
    assert_int_equal(fx_apply(fx, &tx, &fx->home[1]), WT_OK);
    assert_int_equal(wt_state_reading(&r, fx->state, "M-B", 3, closed), WT_OK);
    assert_int_equal(r.standing.flags, 0);
    /* a new reading of M-A (the meter caches where its owner's standing is),
     * then M-A passes to home[1] and moves to zone 1: home[1]'s standing */
    e[0].import_mwh = 1;
    readings_tx(fx, &tx, &fx->gateway_key, closed - 2, e, 1);
    assert_int_equal(fx_apply(fx, &tx, &fx->gateway_key), WT_OK);
    assert_int_equal(wt_state_reading(&r, fx->state, "M-A", 3, closed - 2), WT_OK);
    assert_int_equal(r.standing.flags, WT_STANDING_HAS_BUY_MAX);
    register_gateway_and_meter(fx, "M-A", &fx->home[1], 1);
    assert_int_equal(wt_state_reading(&r, fx->state, "M-A", 3, closed - 2), WT_OK);
    assert_int_equal(r.standing.flags, WT_STANDING_HAS_SELL_MIN);
    assert_true(r.standing.sell_min_micro_per_kwh == 90000000);
}

/* ------------------------------------------------------------- settle */

static void settle_tx(fx_chain *fx, wt_tx *tx, const wt_seckey *key, uint64_t interval,
                      wt_settle_leg *legs, uint32_t count)
{
    fx_tx(fx, tx, WT_TX_SETTLE, key);
    tx->body.settle.interval = interval;
    tx->body.settle.count = count;
    tx->body.settle.legs = legs;
}

static void test_settle(void **state)
{
    fx_chain *fx = *state;
    uint64_t now_interval = (uint64_t)(fx->now_ms / FX_INTERVAL_MS);
    fx_mint(fx, &fx->home[0], 30000000);
    /* home[0] places a buy order for the current interval: hold 22.5 U + 1 */
    wt_tx tx;
    fx_tx(fx, &tx, WT_TX_ORDER, &fx->home[0]);
    tx.body.order.zone = 1;
    tx.body.order.side = WT_TX_SIDE_BUY;
    tx.body.order.interval = now_interval;
    tx.body.order.energy_mwh = 100000;
    tx.body.order.price_micro_per_kwh = 200000000;
    assert_int_equal(fx_apply(fx, &tx, &fx->home[0]), WT_OK);
    assert_true(fx_balance(fx, &fx->home[0]) == 30000000 - 22500001);

    wt_settle_leg legs[2];
    memset(legs, 0, sizeof legs);
    memcpy(legs[0].from, fx->home[0].pubkey, 32);
    memcpy(legs[0].to, fx->home[1].pubkey, 32);
    legs[0].kind = WT_LEG_P2P;
    legs[0].zone = 1;
    legs[0].energy_mwh = 100000;
    legs[0].amount_micro = 15000000; /* 0.1 kWh at 150 U/kWh */
    memcpy(legs[1].from, fx->home[0].pubkey, 32);
    memcpy(legs[1].to, fx->utility_key.pubkey, 32);
    legs[1].kind = WT_LEG_GRID_FEE;
    legs[1].zone = 1;
    legs[1].energy_mwh = 100000;
    legs[1].amount_micro = 500000;

    /* time passes: the interval is over */
    fx->now_ms += FX_INTERVAL_MS;
    settle_tx(fx, &tx, &fx->home[0], now_interval, legs, 2);
    expect_reject(fx, &tx, &fx->home[0], WT_ERR_NOT_OPERATOR, "sender");
    settle_tx(fx, &tx, &fx->operator_key, now_interval + 1, legs, 2);
    expect_reject(fx, &tx, &fx->operator_key, WT_ERR_INVALID_ARGUMENT, "interval");
    /* more than home[0] has, even with its hold released */
    legs[0].amount_micro = 29600000;
    settle_tx(fx, &tx, &fx->operator_key, now_interval, legs, 2);
    expect_reject(fx, &tx, &fx->operator_key, WT_ERR_INSUFFICIENT_FUNDS, "legs.amount_micro");
    legs[0].zone = 9;
    settle_tx(fx, &tx, &fx->operator_key, now_interval, legs, 2);
    expect_reject(fx, &tx, &fx->operator_key, WT_ERR_UNKNOWN_ZONE, "legs.zone");
    legs[0].zone = 1;
    legs[0].amount_micro = 15000000;
    settle_tx(fx, &tx, &fx->operator_key, now_interval, legs, 2);
    assert_int_equal(fx_apply(fx, &tx, &fx->operator_key), WT_OK);
    /* the hold is released, the legs moved */
    assert_true(fx_holds(fx, &fx->home[0]) == 0);
    assert_true(fx_balance(fx, &fx->home[0]) == 30000000 - 15000000 - 500000);
    assert_true(fx_balance(fx, &fx->home[1]) == 15000000);
    assert_true(fx_balance(fx, &fx->utility_key) == 500000);
    wt_state_totals t;
    wt_state_totals_get(&t, fx->state);
    assert_int_equal(t.open_orders, 0);
    assert_true(t.any_settled && t.last_settled_interval == now_interval);
    fx_check_conservation(fx);
    /* never twice */
    settle_tx(fx, &tx, &fx->operator_key, now_interval, NULL, 0);
    expect_reject(fx, &tx, &fx->operator_key, WT_ERR_INTERVAL_CLOSED, "interval");
    /* and no readings or orders for a settled interval any more */
    register_gateway_and_meter(fx, "M-A", &fx->home[0], 1);
    wt_reading e[1];
    memset(e, 0, sizeof e);
    assert_int_equal(wt_meter_id_set(&e[0].meter_id, "M-A"), WT_OK);
    readings_tx(fx, &tx, &fx->gateway_key, now_interval, e, 1);
    expect_reject(fx, &tx, &fx->gateway_key, WT_ERR_INTERVAL_CLOSED, "interval");
}

/* ---------------------------------------------------- merchants, refunds */

static void test_payments_refunds_requests(void **state)
{
    fx_chain *fx = *state;
    wt_tx tx;
    fx_tx(fx, &tx, WT_TX_REGISTER, &fx->operator_key);
    tx.body.reg.kind = WT_TX_REGISTER_MERCHANT;
    memcpy(tx.body.reg.u.merchant.key, fx->merchant_key.pubkey, 32);
    assert_int_equal(wt_merchant_name_set(&tx.body.reg.u.merchant.name, "Snacks"), WT_OK);
    assert_int_equal(fx_apply(fx, &tx, &fx->operator_key), WT_OK);
    fx_mint(fx, &fx->home[0], 10000000);

    /* pay a request */
    uint8_t req[32];
    memset(req, 0x42, sizeof req);
    fx_tx(fx, &tx, WT_TX_TRANSFER, &fx->home[0]);
    memcpy(tx.body.transfer.to, fx->merchant_key.pubkey, 32);
    tx.body.transfer.amount_micro = 2500000;
    tx.body.transfer.ref_kind = WT_TX_REF_PAYMENT_REQUEST;
    memcpy(tx.body.transfer.ref, req, 32);
    uint8_t payment[32];
    const char *field;
    assert_int_equal(fx_apply_field(fx, &tx, &fx->home[0], &field, payment), WT_OK);
    /* the same request cannot be paid twice, even by another body */
    fx_tx(fx, &tx, WT_TX_TRANSFER, &fx->home[0]);
    memcpy(tx.body.transfer.to, fx->merchant_key.pubkey, 32);
    tx.body.transfer.amount_micro = 2500000;
    tx.body.transfer.ref_kind = WT_TX_REF_PAYMENT_REQUEST;
    memcpy(tx.body.transfer.ref, req, 32);
    expect_reject(fx, &tx, &fx->home[0], WT_ERR_REQUEST_ALREADY_PAID, "ref");
    /* a request to someone who is not a merchant */
    memcpy(tx.body.transfer.to, fx->home[1].pubkey, 32);
    expect_reject(fx, &tx, &fx->home[0], WT_ERR_INVALID_ARGUMENT, "to");

    /* refunds: unknown, wrong direction, partial, then too much */
    fx_tx(fx, &tx, WT_TX_TRANSFER, &fx->merchant_key);
    memcpy(tx.body.transfer.to, fx->home[0].pubkey, 32);
    tx.body.transfer.amount_micro = 1000000;
    tx.body.transfer.ref_kind = WT_TX_REF_REFUND_OF;
    memset(tx.body.transfer.ref, 0x11, 32);
    expect_reject(fx, &tx, &fx->merchant_key, WT_ERR_UNKNOWN_PAYMENT, "ref");
    memcpy(tx.body.transfer.ref, payment, 32);
    memcpy(tx.body.transfer.to, fx->home[1].pubkey, 32); /* not the payer */
    expect_reject(fx, &tx, &fx->merchant_key, WT_ERR_UNKNOWN_PAYMENT, "ref");
    memcpy(tx.body.transfer.to, fx->home[0].pubkey, 32);
    assert_int_equal(fx_apply(fx, &tx, &fx->merchant_key), WT_OK);
    fx_tx(fx, &tx, WT_TX_TRANSFER, &fx->merchant_key);
    memcpy(tx.body.transfer.to, fx->home[0].pubkey, 32);
    tx.body.transfer.ref_kind = WT_TX_REF_REFUND_OF;
    memcpy(tx.body.transfer.ref, payment, 32);
    tx.body.transfer.amount_micro = 1500001; /* 1.0 refunded of 2.5: 1.5 left */
    expect_reject(fx, &tx, &fx->merchant_key, WT_ERR_REFUND_EXCEEDS_PAYMENT, "amount_micro");
    tx.body.transfer.amount_micro = 1500000;
    assert_int_equal(fx_apply(fx, &tx, &fx->merchant_key), WT_OK);
    assert_true(fx_balance(fx, &fx->home[0]) == 10000000);
    assert_true(fx_balance(fx, &fx->merchant_key) == 0);
    fx_check_conservation(fx);
}

/* ---------------------------------------------------------- state hash */

static void test_state_hash_is_order_independent(void **state)
{
    (void)state;
    /* Two chains get the same independent transactions in opposite orders. */
    fx_chain a, b;
    fx_init(&a);
    fx_init(&b);
    uint8_t ha[32], hb[32];
    wt_state_hash(ha, a.state);
    wt_state_hash(hb, b.state);
    assert_memory_equal(ha, hb, 32);

    fx_mint(&a, &a.home[0], 100);
    fx_mint(&a, &a.home[1], 200);
    wt_tx tx;
    fx_tx(&a, &tx, WT_TX_STANDING, &a.home[2]);
    tx.body.standing.zone = 2;
    tx.body.standing.flags = WT_STANDING_HAS_BUY_MAX;
    tx.body.standing.buy_max_micro_per_kwh = 5;
    assert_int_equal(fx_apply(&a, &tx, &a.home[2]), WT_OK);

    fx_tx(&b, &tx, WT_TX_STANDING, &b.home[2]);
    tx.body.standing.zone = 2;
    tx.body.standing.flags = WT_STANDING_HAS_BUY_MAX;
    tx.body.standing.buy_max_micro_per_kwh = 5;
    assert_int_equal(fx_apply(&b, &tx, &b.home[2]), WT_OK);
    fx_mint(&b, &b.home[0], 100); /* the issuer's nonces differ in order... */
    fx_mint(&b, &b.home[1], 200); /* ...but end the same */
    wt_state_hash(ha, a.state);
    wt_state_hash(hb, b.state);
    assert_memory_equal(ha, hb, 32);
    /* one more micro anywhere changes it */
    fx_mint(&b, &b.home[1], 1);
    wt_state_hash(hb, b.state);
    assert_memory_not_equal(ha, hb, 32);
    fx_free(&a);
    fx_free(&b);
}

/* Random transfers, mints, burns and orders: conservation after each, and the
 * incrementally kept hash equals a state rebuilt from the same transactions;
 * a third state with its hash switched off (the simulator's fast mode) ends
 * with the very same accounts and totals, and refuses to give a hash. */
static void test_random_sequences_conserve(void **state)
{
    (void)state;
    wt_test_rng rng;
    wt_test_rng_init(&rng, wt_test_seed(20261124));
    fx_chain fx;
    fx_init(&fx);
    fx_chain replay, unhashed;
    fx_init(&replay);
    fx_init(&unhashed);
    wt_state_hashing_off(unhashed.state);
    uint64_t now_interval = (uint64_t)(fx.now_ms / FX_INTERVAL_MS);
    int applied = 0;
    for (int i = 0; i < 400; i++) {
        wt_tx tx;
        int from = (int)wt_test_rng_range(&rng, 0, FX_HOUSEHOLDS - 1);
        int to = (int)wt_test_rng_range(&rng, 0, FX_HOUSEHOLDS - 1);
        if (to == from)
            to = (from + 1) % FX_HOUSEHOLDS;
        int kind = (int)wt_test_rng_range(&rng, 0, 3);
        const wt_seckey *key = &fx.home[from];
        if (kind == 0) {
            key = &fx.issuer_key;
            fx_tx(&fx, &tx, WT_TX_MINT, key);
            memcpy(tx.body.mint.to, fx.home[to].pubkey, 32);
            tx.body.mint.amount_micro = wt_test_rng_range(&rng, 1, 5000000);
        } else if (kind == 1) {
            fx_tx(&fx, &tx, WT_TX_TRANSFER, key);
            memcpy(tx.body.transfer.to, fx.home[to].pubkey, 32);
            tx.body.transfer.amount_micro = wt_test_rng_range(&rng, 1, 3000000);
        } else if (kind == 2) {
            fx_tx(&fx, &tx, WT_TX_ORDER, key);
            tx.body.order.zone = (uint16_t)wt_test_rng_range(&rng, 0, 2);
            tx.body.order.side = (uint8_t)wt_test_rng_range(&rng, 1, 2);
            tx.body.order.interval = now_interval + (uint64_t)wt_test_rng_range(&rng, 0, 3);
            tx.body.order.energy_mwh = wt_test_rng_range(&rng, 1, 20000);
            tx.body.order.price_micro_per_kwh = wt_test_rng_range(&rng, 0, 300000000);
        } else {
            key = &fx.issuer_key;
            fx_tx(&fx, &tx, WT_TX_BURN, key);
            tx.body.burn.amount_micro = wt_test_rng_range(&rng, 1, 100);
        }
        uint8_t txid[32];
        const char *field;
        wt_err err = fx_apply_field(&fx, &tx, key, &field, txid);
        fx_check_conservation(&fx);
        if (err == WT_OK) {
            applied++;
            wt_apply_opts opts = {.now_ms = replay.now_ms, .sig_verified = true};
            assert_int_equal(wt_ledger_apply(replay.ctx, replay.state, &field, &tx, txid, &opts),
                             WT_OK);
            assert_int_equal(
                wt_ledger_apply(unhashed.ctx, unhashed.state, &field, &tx, txid, &opts), WT_OK);
        } else {
            assert_true(err == WT_ERR_INSUFFICIENT_FUNDS);
        }
    }
    assert_true(applied > 100);
    uint8_t h1[32], h2[32];
    wt_state_hash(h1, fx.state);
    wt_state_hash(h2, replay.state);
    assert_memory_equal(h1, h2, 32);
    wt_state_totals ta, tb;
    wt_state_totals_get(&ta, fx.state);
    wt_state_totals_get(&tb, unhashed.state);
    assert_memory_equal(&ta, &tb, sizeof ta);
    for (int h = 0; h < FX_HOUSEHOLDS; h++) {
        wt_account a, b;
        assert_int_equal(wt_state_account(&a, fx.state, fx.home[h].pubkey),
                         wt_state_account(&b, unhashed.state, fx.home[h].pubkey));
        assert_memory_equal(&a, &b, sizeof a);
    }
    expect_assert_failure(wt_state_hash(h2, unhashed.state));
    fx_free(&fx);
    fx_free(&replay);
    fx_free(&unhashed);
}

int main(void)
{
    wt_test_route_asserts();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_genesis_roles, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_chain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_signature, setup, teardown),
        cmocka_unit_test_setup_teardown(test_expired, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_nonce_and_replay, setup, teardown),
        cmocka_unit_test_setup_teardown(test_transfer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mint_burn_roles_and_overflow, setup, teardown),
        cmocka_unit_test_setup_teardown(test_orders_holds_and_cancel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_standing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_register, setup, teardown),
        cmocka_unit_test_setup_teardown(test_readings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_settle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_payments_refunds_requests, setup, teardown),
        cmocka_unit_test(test_state_hash_is_order_independent),
        cmocka_unit_test(test_random_sequences_conserve),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
