/* test_attacks.c — the bad-input and attack catalogue (docs/attacks.md),
 * row by row, against a real wattled over HTTP (POST /v1/txs): each hostile
 * transaction gets its documented error code and field, and after each one
 * nothing has changed — the ledger's last seq and every balance, hold and
 * nonce are what they were — and the node keeps serving. A replay gets its
 * original result. At the end the ledger passes `wattle audit` and the
 * independent ledger check (money conserved).
 *
 * The chain: 1 s intervals, settlement 30 intervals late (so a reading for
 * the interval just over cannot meet a settlement while the test runs).
 * argv[1] wattled, argv[2] wattle. */
#include "rel.h"
#include "testutil.h"

#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *wattled_path, *wattle_path;

enum { ISSUER, OPERATOR, ALICE, BOB, MALLORY, SHOP, GW1, GW2, ACTORS };
static const char *const actor_names[ACTORS] = {"issuer",  "operator", "alice", "bob",
                                                "mallory", "shop",     "gw1",   "gw2"};

typedef struct {
    rel_chain c;
    wt_seckey key[ACTORS];
    uint64_t nonce[ACTORS]; /* the last one used */
} fx;

typedef struct {
    long seq;
    int64_t balance[ACTORS], holds[ACTORS], nonce[ACTORS];
} snapshot;

static void take_snapshot(fx *f, snapshot *s)
{
    s->seq = rel_metric(&f->c, "wattle_ledger_seq");
    assert_true(s->seq > 0); /* the setup's transactions at least */
    for (int a = 0; a < ACTORS; a++) {
        char addr[WT_ADDRESS_CHARS + 1], path[128], *body = NULL;
        wt_address_encode(addr, f->key[a].pubkey);
        snprintf(path, sizeof path, "/v1/accounts/%s", addr);
        int status =
            wt_proc_http_body(&body, "127.0.0.1", f->c.d.http_port, "GET", path, NULL, 5000);
        json_t *doc = status == 200 ? json_loads(body, 0, NULL) : NULL;
        free(body);
        s->balance[a] = (int64_t)json_integer_value(json_object_get(doc, "balance_micro"));
        s->holds[a] = (int64_t)json_integer_value(json_object_get(doc, "holds_micro"));
        s->nonce[a] = (int64_t)json_integer_value(json_object_get(doc, "nonce"));
        json_decref(doc);
    }
}

static void expect_same(const snapshot *a, const snapshot *b, const char *what)
{
    if (a->seq != b->seq)
        fail_msg("%s: the ledger moved from seq %ld to %ld", what, a->seq, b->seq);
    for (int i = 0; i < ACTORS; i++)
        if (a->balance[i] != b->balance[i] || a->holds[i] != b->holds[i] ||
            a->nonce[i] != b->nonce[i])
            fail_msg("%s: %s's account changed", what, actor_names[i]);
}

/* Sign tx as actor `who` with its next nonce (taken only if it commits). */
static void sign_as(fx *f, rel_tx *t, wt_tx *tx, int who)
{
    if (tx->nonce == 0)
        tx->nonce = f->nonce[who] + 1;
    assert_int_equal(rel_sign(&f->c, t, tx, &f->key[who]), 0);
}

static void submit(fx *f, rel_result *r, const rel_tx *t)
{
    const rel_tx *one[] = {t};
    assert_int_equal(rel_http_submit(f->c.d.http_port, r, one, 1, 10000), 0);
}

static void must_commit(fx *f, wt_tx *tx, int who, rel_tx *out)
{
    rel_tx local;
    rel_tx *t = out != NULL ? out : &local;
    sign_as(f, t, tx, who);
    rel_result r;
    submit(f, &r, t);
    if (!r.committed)
        fail_msg("setup: %s's %s refused: %s (%s)", actor_names[who], wt_tx_type_name(tx->type),
                 r.code, r.field);
    f->nonce[who] = tx->nonce;
}

/* The heart of every row: refused with code (and field, when not NULL),
 * nothing changed, still serving. */
static void expect_refused(fx *f, const rel_tx *t, const char *code, const char *field,
                           const char *what)
{
    snapshot before, after;
    take_snapshot(f, &before);
    rel_result r;
    submit(f, &r, t);
    if (r.committed || strcmp(r.code, code) != 0 || (field != NULL && strcmp(r.field, field) != 0))
        fail_msg("%s: answered %s (%s), want %s (%s)", what, r.committed ? "committed" : r.code,
                 r.field, code, field != NULL ? field : "any");
    take_snapshot(f, &after);
    expect_same(&before, &after, what);
    assert_int_equal(wt_proc_http_status(f->c.d.http_port, "/healthz", 5000), 200);
}

static void sign_refused(fx *f, wt_tx *tx, int who, const char *code, const char *field,
                         const char *what)
{
    rel_tx t;
    sign_as(f, &t, tx, who);
    expect_refused(f, &t, code, field, what);
}

static void transfer(wt_tx *tx, const fx *f, int to, int64_t amount_micro)
{
    wt_tx_init(tx, WT_TX_TRANSFER);
    memcpy(tx->body.transfer.to, f->key[to].pubkey, 32);
    tx->body.transfer.amount_micro = amount_micro;
}

static void mint(wt_tx *tx, const fx *f, int to, int64_t amount_micro)
{
    wt_tx_init(tx, WT_TX_MINT);
    memcpy(tx->body.mint.to, f->key[to].pubkey, 32);
    tx->body.mint.amount_micro = amount_micro;
}

/* The bytes changed after signing: hex and txid follow them. */
static void repatch(rel_tx *t)
{
    wt_hex_encode(t->hex, t->raw, t->len);
    wt_tx_id_encoded(t->txid, t->raw, t->len);
}

static uint64_t interval_now(void)
{
    return (uint64_t)(wt_now_ms() / 1000);
}

static void readings(wt_tx *tx, wt_reading *entry, const char *meter, uint64_t interval)
{
    memset(entry, 0, sizeof *entry);
    assert_int_equal(wt_meter_id_set(&entry->meter_id, meter), WT_OK);
    entry->import_mwh = 1000;
    wt_tx_init(tx, WT_TX_READINGS);
    tx->body.readings.interval = interval;
    tx->body.readings.count = 1;
    tx->body.readings.entries = entry;
}

static void setup_chain(fx *f)
{
    memset(f, 0, sizeof *f);
    assert_int_equal(rel_chain_make(&f->c, wattle_path, wattled_path, "wattle-attacks",
                                    (const char *[]){"--zones", "campus:10", NULL},
                                    "\n[market]\nsettle_delay_intervals = 30\n"),
                     0);
    assert_int_equal(wt_wattled_start(&f->c.d, NULL), 0);
    f->key[ISSUER] = f->c.issuer;
    f->key[OPERATOR] = f->c.operator_key;
    for (int a = ALICE; a < ACTORS; a++)
        rel_key(&f->c, &f->key[a], actor_names[a]);

    wt_tx tx;
    mint(&tx, f, ALICE, 10000000);
    must_commit(f, &tx, ISSUER, NULL);
    mint(&tx, f, MALLORY, 1000000);
    must_commit(f, &tx, ISSUER, NULL);
    mint(&tx, f, SHOP, 5000000);
    must_commit(f, &tx, ISSUER, NULL);
    wt_tx_init(&tx, WT_TX_REGISTER);
    tx.body.reg.kind = WT_TX_REGISTER_MERCHANT;
    memcpy(tx.body.reg.u.merchant.key, f->key[SHOP].pubkey, 32);
    assert_int_equal(wt_merchant_name_set(&tx.body.reg.u.merchant.name, "corner cafe"), WT_OK);
    must_commit(f, &tx, OPERATOR, NULL);
    for (int g = GW1; g <= GW2; g++) {
        wt_tx_init(&tx, WT_TX_REGISTER);
        tx.body.reg.kind = WT_TX_REGISTER_GATEWAY;
        memcpy(tx.body.reg.u.gateway.key, f->key[g].pubkey, 32);
        tx.body.reg.u.gateway.zone = 0;
        must_commit(f, &tx, OPERATOR, NULL);
    }
    wt_tx_init(&tx, WT_TX_REGISTER);
    tx.body.reg.kind = WT_TX_REGISTER_METER;
    assert_int_equal(wt_meter_id_set(&tx.body.reg.u.meter.meter_id, "m-alice"), WT_OK);
    memcpy(tx.body.reg.u.meter.owner, f->key[ALICE].pubkey, 32);
    tx.body.reg.u.meter.zone = 0;
    memcpy(tx.body.reg.u.meter.gateway, f->key[GW1].pubkey, 32);
    must_commit(f, &tx, OPERATOR, NULL);
}

static void finish(fx *f)
{
    assert_true(wt_wattled_stop_clean(&f->c.d));
    assert_int_equal(rel_audit(wattle_path, f->c.db), 0);
    rel_ledger l;
    if (rel_ledger_check(&l, f->c.db, NULL, NULL) != 0)
        fail_msg("ledger check: %s", l.what);
    rel_chain_free(&f->c);
}

/* Replays, nonces, chains, signatures. */
static void test_identity_and_order(void **state)
{
    (void)state;
    static fx f;
    setup_chain(&f);
    wt_tx tx;
    static rel_tx paid;
    transfer(&tx, &f, BOB, 100000);
    must_commit(&f, &tx, ALICE, &paid);

    /* replay: the same signed bytes again get the original result */
    snapshot before, after;
    take_snapshot(&f, &before);
    rel_result r;
    submit(&f, &r, &paid);
    assert_true(r.committed);
    assert_true(r.duplicate);
    take_snapshot(&f, &after);
    expect_same(&before, &after, "replay");

    /* the same nonce with another body */
    transfer(&tx, &f, BOB, 100001);
    tx.nonce = f.nonce[ALICE];
    sign_refused(&f, &tx, ALICE, "bad_nonce", "nonce", "same nonce, another body");
    /* a nonce that skips one */
    transfer(&tx, &f, BOB, 1);
    tx.nonce = f.nonce[ALICE] + 2;
    sign_refused(&f, &tx, ALICE, "bad_nonce", "nonce", "nonce gap");

    /* another chain's transaction */
    transfer(&tx, &f, BOB, 1);
    tx.chain_id = REL_CHAIN_ID + 1;
    sign_refused(&f, &tx, ALICE, "wrong_chain", "chain_id", "wrong chain id");

    /* alice's name, mallory's signature: signed as mallory, then the sender
     * bytes (offset 6) changed to alice's key */
    static rel_tx forged;
    transfer(&tx, &f, MALLORY, 5000000);
    tx.nonce = f.nonce[ALICE] + 1;
    assert_int_equal(rel_sign(&f.c, &forged, &tx, &f.key[MALLORY]), 0);
    memcpy(forged.raw + 6, f.key[ALICE].pubkey, 32);
    repatch(&forged);
    expect_refused(&f, &forged, "bad_signature", "signature", "signature by another key");
    /* one flipped bit of a genuine signature */
    transfer(&tx, &f, MALLORY, 5000000);
    sign_as(&f, &forged, &tx, ALICE);
    forged.raw[forged.len - 10] ^= 0x04;
    repatch(&forged);
    expect_refused(&f, &forged, "bad_signature", "signature", "a flipped signature bit");

    /* expired: a millisecond, then an hour, ago */
    transfer(&tx, &f, BOB, 1);
    tx.expiry_ms = wt_now_ms() - 1;
    sign_refused(&f, &tx, ALICE, "expired", "expiry_ms", "expired a moment ago");
    transfer(&tx, &f, BOB, 1);
    tx.expiry_ms = wt_now_ms() - 3600000;
    sign_refused(&f, &tx, ALICE, "expired", "expiry_ms", "expired an hour ago");
    finish(&f);
}

/* Roles: who may mint, register, settle and report. */
static void test_roles(void **state)
{
    (void)state;
    static fx f;
    setup_chain(&f);
    wt_tx tx;
    mint(&tx, &f, MALLORY, 1000000000);
    sign_refused(&f, &tx, MALLORY, "not_issuer", NULL, "a mint by a non-issuer");
    wt_tx_init(&tx, WT_TX_BURN);
    tx.body.burn.amount_micro = 1;
    sign_refused(&f, &tx, MALLORY, "not_issuer", NULL, "a burn by a non-issuer");

    wt_tx_init(&tx, WT_TX_REGISTER);
    tx.body.reg.kind = WT_TX_REGISTER_GATEWAY;
    memcpy(tx.body.reg.u.gateway.key, f.key[MALLORY].pubkey, 32);
    sign_refused(&f, &tx, MALLORY, "not_operator", NULL, "a register by a non-operator");
    wt_tx_init(&tx, WT_TX_REGISTER);
    tx.body.reg.kind = WT_TX_REGISTER_ROLE;
    tx.body.reg.u.role.role = WT_TX_ROLE_ISSUER;
    memcpy(tx.body.reg.u.role.key, f.key[MALLORY].pubkey, 32);
    sign_refused(&f, &tx, MALLORY, "not_operator", NULL, "taking the issuer's role");

    wt_settle_leg leg = {.kind = WT_LEG_P2P, .energy_mwh = 1, .amount_micro = 1000000};
    memcpy(leg.from, f.key[ALICE].pubkey, 32);
    memcpy(leg.to, f.key[MALLORY].pubkey, 32);
    wt_tx_init(&tx, WT_TX_SETTLE);
    tx.body.settle.interval = interval_now() - 2;
    tx.body.settle.count = 1;
    tx.body.settle.legs = &leg;
    sign_refused(&f, &tx, MALLORY, "not_operator", "sender", "a settle by a non-operator");

    /* readings: from no gateway, from another gateway, for no meter */
    wt_reading entry;
    readings(&tx, &entry, "m-alice", interval_now() - 1);
    sign_refused(&f, &tx, MALLORY, "not_gateway", "sender", "readings from a non-gateway");
    readings(&tx, &entry, "m-alice", interval_now() - 1);
    sign_refused(&f, &tx, GW2, "not_gateway", "meter_id", "readings from another gateway");
    readings(&tx, &entry, "m-nobody", interval_now() - 1);
    sign_refused(&f, &tx, GW1, "unknown_meter", "meter_id", "readings for an unregistered meter");
    /* the right gateway, for an interval not over yet */
    readings(&tx, &entry, "m-alice", interval_now() + 5);
    sign_refused(&f, &tx, GW1, "invalid_argument", "interval", "readings for the future");
    /* the right one goes through */
    readings(&tx, &entry, "m-alice", interval_now() - 1);
    must_commit(&f, &tx, GW1, NULL);
    finish(&f);
}

/* Money: refunds, holds, the int64 edges, malformed amounts and memos. */
static void test_money(void **state)
{
    (void)state;
    static fx f;
    setup_chain(&f);
    wt_tx tx;
    static rel_tx payment;
    transfer(&tx, &f, SHOP, 2000000);
    must_commit(&f, &tx, ALICE, &payment);

    /* a refund larger than its payment; one by someone who was not paid */
    transfer(&tx, &f, ALICE, 2000001);
    tx.body.transfer.ref_kind = WT_TX_REF_REFUND_OF;
    memcpy(tx.body.transfer.ref, payment.txid, 32);
    sign_refused(&f, &tx, SHOP, "refund_exceeds_payment", "amount_micro",
                 "a refund larger than its payment");
    transfer(&tx, &f, ALICE, 1);
    tx.body.transfer.ref_kind = WT_TX_REF_REFUND_OF;
    memcpy(tx.body.transfer.ref, payment.txid, 32);
    sign_refused(&f, &tx, MALLORY, "unknown_payment", NULL, "a refund of someone else's payment");
    transfer(&tx, &f, ALICE, 2000000);
    tx.body.transfer.ref_kind = WT_TX_REF_REFUND_OF;
    memcpy(tx.body.transfer.ref, payment.txid, 32);
    must_commit(&f, &tx, SHOP, NULL);
    transfer(&tx, &f, ALICE, 1);
    tx.body.transfer.ref_kind = WT_TX_REF_REFUND_OF;
    memcpy(tx.body.transfer.ref, payment.txid, 32);
    sign_refused(&f, &tx, SHOP, "refund_exceeds_payment", "amount_micro",
                 "a second refund of a refunded payment");

    /* a buy order beyond the balance: 1,000 kWh at 1 U/kWh with 1 U */
    wt_tx_init(&tx, WT_TX_ORDER);
    tx.body.order.zone = 0;
    tx.body.order.side = WT_TX_SIDE_BUY;
    tx.body.order.interval = interval_now() + 60;
    tx.body.order.energy_mwh = 1000000000;
    tx.body.order.price_micro_per_kwh = 1000000;
    sign_refused(&f, &tx, MALLORY, "insufficient_funds", NULL, "a buy order beyond the balance");
    /* a price above the chain's ceiling */
    wt_tx_init(&tx, WT_TX_ORDER);
    tx.body.order.side = WT_TX_SIDE_BUY;
    tx.body.order.interval = interval_now() + 60;
    tx.body.order.energy_mwh = 1000;
    tx.body.order.price_micro_per_kwh = INT64_MAX;
    sign_refused(&f, &tx, MALLORY, "bad_price", "price_micro_per_kwh", "a price above the ceiling");
    /* INT64_MAX mWh: a hold that does not fit in int64 */
    wt_tx_init(&tx, WT_TX_ORDER);
    tx.body.order.side = WT_TX_SIDE_BUY;
    tx.body.order.interval = interval_now() + 60;
    tx.body.order.energy_mwh = INT64_MAX;
    tx.body.order.price_micro_per_kwh = 1000000;
    sign_refused(&f, &tx, MALLORY, "overflow", "energy_mwh", "an order of INT64_MAX mWh");

    /* a transfer beyond the balance, and of INT64_MAX */
    transfer(&tx, &f, BOB, 1000001);
    sign_refused(&f, &tx, MALLORY, "insufficient_funds", "amount_micro", "a transfer overdrawing");
    transfer(&tx, &f, BOB, INT64_MAX);
    sign_refused(&f, &tx, MALLORY, "insufficient_funds", "amount_micro", "a transfer of INT64_MAX");
    /* minting to INT64_MAX in all: up to it, and one beyond */
    snapshot s;
    take_snapshot(&f, &s);
    int64_t minted = s.balance[ALICE] + s.balance[BOB] + s.balance[MALLORY] + s.balance[SHOP] +
                     s.balance[ISSUER] + s.holds[ALICE] + s.holds[MALLORY];
    mint(&tx, &f, BOB, INT64_MAX - minted + 1);
    sign_refused(&f, &tx, ISSUER, "overflow", "amount_micro", "minting past INT64_MAX");
    mint(&tx, &f, BOB, INT64_MAX - minted);
    must_commit(&f, &tx, ISSUER, NULL);
    mint(&tx, &f, BOB, 1);
    sign_refused(&f, &tx, ISSUER, "overflow", "amount_micro", "one more micro-U-Coin");

    rel_tx t;
    /* malformed bytes the encoder would never write: a negative amount (the
     * amount's sign bit, offset 54 + 32), a zero one, a 65-byte memo */
    transfer(&tx, &f, BOB, 1);
    sign_as(&f, &t, &tx, ALICE);
    t.raw[86] |= 0x80;
    repatch(&t);
    expect_refused(&f, &t, "tx_bad_field", "amount_micro", "a negative amount");
    transfer(&tx, &f, BOB, 1);
    sign_as(&f, &t, &tx, ALICE);
    t.raw[93] = 0;
    repatch(&t);
    expect_refused(&f, &t, "tx_bad_field", "amount_micro", "a zero amount");
    transfer(&tx, &f, BOB, 1);
    char memo[WT_MEMO_BYTES_MAX + 1];
    memset(memo, 'm', WT_MEMO_BYTES_MAX);
    memo[WT_MEMO_BYTES_MAX] = '\0';
    assert_int_equal(wt_memo_set(&tx.body.transfer.memo, memo), WT_OK);
    sign_as(&f, &t, &tx, ALICE);
    assert_int_equal(t.raw[94], WT_MEMO_BYTES_MAX);
    t.raw[94] = WT_MEMO_BYTES_MAX + 1; /* one more byte of memo, inserted */
    memmove(t.raw + 95 + WT_MEMO_BYTES_MAX + 1, t.raw + 95 + WT_MEMO_BYTES_MAX,
            t.len - (95 + WT_MEMO_BYTES_MAX));
    t.raw[95 + WT_MEMO_BYTES_MAX] = 'm';
    t.len++;
    repatch(&t);
    expect_refused(&f, &t, "tx_bad_field", "memo", "a 65-byte memo");
    /* a memo with a control character (the encoder refuses it; patched in) */
    transfer(&tx, &f, BOB, 1);
    assert_int_equal(wt_memo_set(&tx.body.transfer.memo, "tab"), WT_OK);
    sign_as(&f, &t, &tx, ALICE);
    t.raw[96] = '\t';
    repatch(&t);
    expect_refused(&f, &t, "tx_bad_field", "memo", "a memo with a control character");
    finish(&f);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s WATTLED WATTLE\n", argv[0]);
        return 2;
    }
    wattled_path = argv[1];
    wattle_path = argv[2];
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_identity_and_order),
        cmocka_unit_test(test_roles),
        cmocka_unit_test(test_money),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
