/* test_node.c — the node over a real SQLite file: submissions are applied,
 * durable and answered; duplicates get their original result; blocks seal;
 * a reopen replays to the same state; the auditor passes a sound ledger and
 * names the first violation in a tampered one (changed bytes, a deleted row,
 * two rows swapped, a changed balance). */
#include "engine.h"
#include "ledger_fixture.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

typedef struct {
    fx_chain fx;
    char dir[64];
    char db[128];
    int64_t clock_ms;
    wt_node *node;
    bool shadow; /* submit() also applies to fx.state, from which settlements are computed */
} node_fx;

static int64_t fake_clock(void *arg)
{
    return __atomic_load_n((int64_t *)arg, __ATOMIC_SEQ_CST);
}

static void node_open(node_fx *n)
{
    wt_node_opts opts = {.db_path = n->db,
                         .params = &n->fx.params,
                         .operator_key = &n->fx.operator_key,
                         .verify_threads = 1,
                         .clock = fake_clock,
                         .clock_arg = &n->clock_ms};
    assert_int_equal(wt_node_open(&n->node, n->fx.ctx, &opts), WT_OK);
}

static int setup(void **state)
{
    node_fx *n = calloc(1, sizeof *n);
    fx_init(&n->fx);
    strcpy(n->dir, "/tmp/wattle-node-XXXXXX");
    assert_non_null(mkdtemp(n->dir));
    snprintf(n->db, sizeof n->db, "%s/ledger.db", n->dir);
    n->clock_ms = n->fx.now_ms;
    node_open(n);
    *state = n;
    return 0;
}

static int teardown(void **state)
{
    node_fx *n = *state;
    wt_node_close(n->node);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", n->dir);
    assert_int_equal(system(cmd), 0);
    fx_free(&n->fx);
    free(n);
    return 0;
}

/* Sign tx with key, submit it alone; return the result. */
static wt_submit_result submit(node_fx *n, wt_tx *tx, const wt_seckey *key, uint8_t *raw_out,
                               size_t *raw_len_out)
{
    uint8_t txid[32];
    assert_int_equal(wt_tx_sign(n->fx.ctx, txid, tx, key), WT_OK);
    static uint8_t raw[65536];
    size_t len;
    assert_int_equal(wt_tx_encode(raw, sizeof raw, &len, NULL, tx), WT_OK);
    const uint8_t *raws[1] = {raw};
    wt_submit_result res;
    assert_int_equal(wt_node_submit(n->node, &res, raws, &len, 1), WT_OK);
    if (n->shadow && res.err == WT_OK && !res.duplicate) {
        wt_apply_opts shadow_opts = {.now_ms = n->clock_ms, .sig_verified = true};
        assert_int_equal(wt_ledger_apply(n->fx.ctx, n->fx.state, NULL, tx, txid, &shadow_opts),
                         WT_OK);
    }
    if (res.err == WT_OK && !res.duplicate)
        (*fx_nonce(&n->fx, key))++;
    if (raw_out != NULL) {
        memcpy(raw_out, raw, len);
        *raw_len_out = len;
    }
    return res;
}

static void mint(node_fx *n, const wt_seckey *to, int64_t amount)
{
    wt_tx tx;
    fx_tx(&n->fx, &tx, WT_TX_MINT, &n->fx.issuer_key);
    memcpy(tx.body.mint.to, to->pubkey, 32);
    tx.body.mint.amount_micro = amount;
    wt_submit_result r = submit(n, &tx, &n->fx.issuer_key, NULL, NULL);
    assert_int_equal(r.err, WT_OK);
}

static void transfer(node_fx *n, int from, int to, int64_t amount)
{
    wt_tx tx;
    fx_tx(&n->fx, &tx, WT_TX_TRANSFER, &n->fx.home[from]);
    memcpy(tx.body.transfer.to, n->fx.home[to].pubkey, 32);
    tx.body.transfer.amount_micro = amount;
    wt_submit_result r = submit(n, &tx, &n->fx.home[from], NULL, NULL);
    assert_int_equal(r.err, WT_OK);
}

static void seal(node_fx *n)
{
    __atomic_add_fetch(&n->clock_ms, FX_INTERVAL_MS, __ATOMIC_SEQ_CST);
    wt_block_header h;
    assert_int_equal(wt_node_seal(n->node, &h), WT_OK);
}

static void audit_ok(node_fx *n)
{
    wt_audit_report r;
    wt_err err = wt_audit_run(n->fx.ctx, &r, n->db, NULL);
    if (err != WT_OK)
        fail_msg("audit: %s", r.what);
}

static wt_err audit_fails(node_fx *n, wt_audit_report *r)
{
    wt_err err = wt_audit_run(n->fx.ctx, r, n->db, NULL);
    print_message("audit says: %s\n", r->what);
    assert_int_not_equal(err, WT_OK);
    assert_true(strlen(r->what) > 0);
    return err;
}

/* A small history: mints, transfers, two sealed blocks and an open one. */
static void build_history(node_fx *n)
{
    mint(n, &n->fx.home[0], 5000000);
    mint(n, &n->fx.home[1], 3000000);
    seal(n);
    transfer(n, 0, 1, 1000000);
    transfer(n, 1, 2, 2500000);
    transfer(n, 0, 2, 1);
    seal(n);
    transfer(n, 2, 0, 7);
}

static void test_submit_commit_and_duplicate(void **state)
{
    node_fx *n = *state;
    wt_tx tx;
    fx_tx(&n->fx, &tx, WT_TX_MINT, &n->fx.issuer_key);
    memcpy(tx.body.mint.to, n->fx.home[0].pubkey, 32);
    tx.body.mint.amount_micro = 42;
    uint8_t raw[1024];
    size_t len;
    wt_submit_result r = submit(n, &tx, &n->fx.issuer_key, raw, &len);
    assert_int_equal(r.err, WT_OK);
    assert_false(r.duplicate);
    assert_true(r.seq == 1 && r.height == 1);
    /* the same bytes again: the original result, nothing applied */
    const uint8_t *raws[1] = {raw};
    wt_submit_result again;
    assert_int_equal(wt_node_submit(n->node, &again, raws, &len, 1), WT_OK);
    assert_int_equal(again.err, WT_OK);
    assert_true(again.duplicate);
    assert_true(again.seq == 1 && again.height == 1);
    assert_memory_equal(again.txid, r.txid, 32);
    wt_account a;
    assert_int_equal(wt_node_account(n->node, &a, n->fx.home[0].pubkey), WT_OK);
    assert_true(a.balance_micro == 42);
    /* twice in one batch: the second is a duplicate of the first */
    fx_tx(&n->fx, &tx, WT_TX_MINT, &n->fx.issuer_key);
    memcpy(tx.body.mint.to, n->fx.home[1].pubkey, 32);
    tx.body.mint.amount_micro = 5;
    assert_int_equal(wt_tx_sign(n->fx.ctx, NULL, &tx, &n->fx.issuer_key), WT_OK);
    assert_int_equal(wt_tx_encode(raw, sizeof raw, &len, NULL, &tx), WT_OK);
    const uint8_t *two[2] = {raw, raw};
    size_t lens[2] = {len, len};
    wt_submit_result rs[2];
    assert_int_equal(wt_node_submit(n->node, rs, two, lens, 2), WT_OK);
    assert_int_equal(rs[0].err, WT_OK);
    assert_false(rs[0].duplicate);
    assert_int_equal(rs[1].err, WT_OK);
    assert_true(rs[1].duplicate);
    assert_true(rs[1].seq == rs[0].seq);
    (*fx_nonce(&n->fx, &n->fx.issuer_key))++;
    /* garbage and a bad signature are answered without touching the ledger */
    uint8_t junk[3] = {1, 2, 3};
    const uint8_t *j[1] = {junk};
    size_t jl = sizeof junk;
    wt_submit_result bad;
    assert_int_equal(wt_node_submit(n->node, &bad, j, &jl, 1), WT_OK);
    assert_int_equal(bad.err, WT_ERR_TX_TRUNCATED);
    raw[len - 1] ^= 1;
    assert_int_equal(wt_node_submit(n->node, &bad, raws, &len, 1), WT_OK);
    assert_int_equal(bad.err, WT_ERR_BAD_SIGNATURE);
    wt_state_totals t;
    wt_node_totals(n->node, &t, NULL, NULL);
    assert_int_equal(t.txs_applied, 2);
    audit_ok(n);
}

/* wt_node_submit_async: one thread queues many submissions without waiting
 * (the same sender's nonces in order); each is told once, in order, and all
 * are applied in the order queued; with nothing to submit it is told at once. */
typedef struct {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    int told[33];
    int order[33]; /* 32 submissions and an empty one */
    int count;
} async_log;

typedef struct {
    async_log *log;
    int index;
} async_ticket;

static void async_done(void *arg)
{
    async_ticket *t = arg;
    pthread_mutex_lock(&t->log->lock);
    t->log->told[t->index]++;
    t->log->order[t->log->count++] = t->index;
    pthread_cond_signal(&t->log->changed);
    pthread_mutex_unlock(&t->log->lock);
}

static void test_submit_async(void **state)
{
    node_fx *n = *state;
    enum { N = 32 };
    static uint8_t raw[N][512];
    size_t lens[N];
    const uint8_t *raws[N];
    wt_submit_result res[N];
    async_ticket tickets[N + 1];
    async_log log = {.count = 0};
    pthread_mutex_init(&log.lock, NULL);
    pthread_cond_init(&log.changed, NULL);
    for (int i = 0; i < N; i++) {
        wt_tx tx;
        fx_tx(&n->fx, &tx, WT_TX_MINT, &n->fx.issuer_key);
        memcpy(tx.body.mint.to, n->fx.home[i % FX_HOUSEHOLDS].pubkey, 32);
        tx.body.mint.amount_micro = 1000 + i;
        assert_int_equal(wt_tx_sign(n->fx.ctx, NULL, &tx, &n->fx.issuer_key), WT_OK);
        assert_int_equal(wt_tx_encode(raw[i], sizeof raw[i], &lens[i], NULL, &tx), WT_OK);
        raws[i] = raw[i];
        (*fx_nonce(&n->fx, &n->fx.issuer_key))++;
    }
    for (int i = 0; i < N; i++) {
        tickets[i] = (async_ticket){.log = &log, .index = i};
        assert_int_equal(
            wt_node_submit_async(n->node, &res[i], &raws[i], &lens[i], 1, async_done, &tickets[i]),
            WT_OK);
    }
    pthread_mutex_lock(&log.lock);
    for (int waited = 0; log.count < N && waited < 1000; waited++) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += 10 * 1000 * 1000;
        if (until.tv_nsec >= 1000000000) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&log.changed, &log.lock, &until);
    }
    pthread_mutex_unlock(&log.lock);
    assert_int_equal(log.count, N);
    for (int i = 0; i < N; i++) {
        assert_int_equal(log.told[i], 1);
        assert_int_equal(log.order[i], i);
        assert_int_equal(res[i].err, WT_OK);
        assert_int_equal(res[i].seq, (uint64_t)i + 1);
    }
    int64_t total = 0;
    for (int h = 0; h < FX_HOUSEHOLDS; h++) {
        wt_account a;
        assert_int_equal(wt_node_account(n->node, &a, n->fx.home[h].pubkey), WT_OK);
        total += a.balance_micro;
    }
    assert_true(total == N * 1000 + N * (N - 1) / 2);
    /* nothing to submit: told before the call returns */
    tickets[N] = (async_ticket){.log = &log, .index = 0};
    assert_int_equal(wt_node_submit_async(n->node, res, raws, lens, 0, async_done, &tickets[N]),
                     WT_OK);
    assert_int_equal(log.count, N + 1);
    pthread_cond_destroy(&log.changed);
    pthread_mutex_destroy(&log.lock);
    audit_ok(n);
}

static void test_reopen_replays_same_state(void **state)
{
    node_fx *n = *state;
    build_history(n);
    uint8_t before[32], after[32];
    uint64_t height_before, height_after;
    wt_state_totals t;
    wt_node_totals(n->node, &t, &height_before, before);
    wt_node_close(n->node);
    node_open(n);
    wt_node_totals(n->node, &t, &height_after, after);
    assert_memory_equal(before, after, 32);
    assert_true(height_before == 2 && height_after == 2);
    /* it goes on where it stopped: the next tx lands in block 3, seq 7 */
    wt_tx tx;
    fx_tx(&n->fx, &tx, WT_TX_TRANSFER, &n->fx.home[1]);
    memcpy(tx.body.transfer.to, n->fx.home[0].pubkey, 32);
    tx.body.transfer.amount_micro = 1;
    wt_submit_result r = submit(n, &tx, &n->fx.home[1], NULL, NULL);
    assert_int_equal(r.err, WT_OK);
    assert_true(r.seq == 7 && r.height == 3);
    seal(n);
    audit_ok(n);
}

static void test_audit_passes_sound_ledger(void **state)
{
    node_fx *n = *state;
    build_history(n);
    wt_audit_report r;
    assert_int_equal(wt_audit_run(n->fx.ctx, &r, n->db, NULL), WT_OK);
    assert_int_equal(r.blocks, 3); /* genesis + 2 */
    assert_int_equal(r.txs, 6);
    assert_int_equal(r.open_txs, 1);
    assert_true(r.minted_micro == 8000000);
    assert_true(r.balances_micro + r.holds_micro == 8000000);
}

/* A stop flag ends the audit early with `unavailable`, never with a verdict
 * on the ledger; without it the same ledger passes. */
static void test_audit_stops_when_asked(void **state)
{
    node_fx *n = *state;
    build_history(n);
    _Atomic bool stop = true;
    wt_audit_opts opts = {.verify_threads = 1, .stop = &stop};
    wt_audit_report r;
    assert_int_equal(wt_audit_run(n->fx.ctx, &r, n->db, &opts), WT_ERR_UNAVAILABLE);
    assert_non_null(strstr(r.what, "stopped"));
    assert_true(r.txs < 6);
    atomic_store(&stop, false);
    assert_int_equal(wt_audit_run(n->fx.ctx, &r, n->db, &opts), WT_OK);
    assert_int_equal(r.txs, 6);
}

/* Tampering goes around the node: straight SQL on the file, after dropping
 * the store's append-only triggers, as an attacker with the file could. */
static void tamper(node_fx *n, const char *sql)
{
    wt_node_close(n->node);
    n->node = NULL;
    sqlite3 *db;
    assert_int_equal(sqlite3_open(n->db, &db), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT name FROM sqlite_master WHERE type='trigger'",
                                        -1, &st, NULL),
                     SQLITE_OK);
    char names[16][64];
    int count = 0;
    while (sqlite3_step(st) == SQLITE_ROW && count < 16)
        snprintf(names[count++], 64, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    for (int i = 0; i < count; i++) {
        char drop[128];
        snprintf(drop, sizeof drop, "DROP TRIGGER \"%.63s\"", names[i]);
        assert_int_equal(sqlite3_exec(db, drop, NULL, NULL, NULL), SQLITE_OK);
    }
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("tamper SQL failed: %s", msg);
    assert_true(sqlite3_changes(db) > 0);
    sqlite3_close(db);
}

static void test_audit_catches_changed_tx_byte(void **state)
{
    node_fx *n = *state;
    build_history(n);
    /* one byte of the amount of seq 3 */
    tamper(n, "UPDATE txs SET raw = CAST(substr(raw, 1, 87) || x'7f' || substr(raw, 89) AS BLOB) "
              "WHERE seq = 3");
    wt_audit_report r;
    audit_fails(n, &r);
    assert_true(r.has_bad_txid);
    assert_int_equal(r.bad_seq, 3);
    assert_int_equal(r.bad_height, 2);
}

static void test_audit_catches_changed_header_byte(void **state)
{
    node_fx *n = *state;
    build_history(n);
    /* the time field of block 1's header, and its stored hash kept as it was */
    tamper(n, "UPDATE blocks SET header = CAST(substr(header, 1, 50) || x'00' || substr(header, "
              "52) AS BLOB) "
              "WHERE height = 1");
    wt_audit_report r;
    audit_fails(n, &r);
    assert_int_equal(r.bad_height, 1);
    assert_false(r.has_bad_txid);
}

static void test_audit_catches_changed_balance(void **state)
{
    node_fx *n = *state;
    build_history(n);
    tamper(n, "UPDATE accounts SET balance_micro = balance_micro + 1000000 "
              "WHERE key = (SELECT key FROM accounts WHERE balance_micro > 0 LIMIT 1)");
    wt_audit_report r;
    assert_int_equal(audit_fails(n, &r), WT_ERR_STORE_CORRUPT);
    assert_non_null(strstr(r.what, "differs from the ledger"));
}

static void test_audit_catches_deleted_tx(void **state)
{
    node_fx *n = *state;
    build_history(n);
    tamper(n, "DELETE FROM txs WHERE seq = 4");
    wt_audit_report r;
    assert_int_equal(audit_fails(n, &r), WT_ERR_STORE_CORRUPT);
    assert_non_null(strstr(r.what, "txs row 5: seq gap")); /* seq 4 expected, 5 found */
    assert_int_equal(r.bad_height, 2);
}

static void test_audit_catches_swapped_txs(void **state)
{
    node_fx *n = *state;
    build_history(n);
    /* swap the contents of seq 3 and seq 4 (same block) */
    tamper(n, "UPDATE txs SET seq = -3 WHERE seq = 3; UPDATE txs SET seq = 3 WHERE seq = 4; "
              "UPDATE txs SET seq = 4 WHERE seq = -3");
    wt_audit_report r;
    audit_fails(n, &r);
    assert_int_equal(r.bad_height, 2);
}

static void test_node_refuses_changed_balance_unless_rebuild(void **state)
{
    node_fx *n = *state;
    build_history(n);
    tamper(n, "UPDATE accounts SET balance_micro = 1 "
              "WHERE key = (SELECT key FROM accounts WHERE balance_micro > 1 LIMIT 1)");
    wt_node_opts opts = {.db_path = n->db,
                         .operator_key = &n->fx.operator_key,
                         .verify_threads = 1,
                         .clock = fake_clock,
                         .clock_arg = &n->clock_ms};
    assert_int_equal(wt_node_open(&n->node, n->fx.ctx, &opts), WT_ERR_STORE_CORRUPT);
    assert_null(n->node);
    opts.rebuild = true;
    assert_int_equal(wt_node_open(&n->node, n->fx.ctx, &opts), WT_OK);
    audit_ok(n); /* the rows were rewritten from the ledger */
}

static void test_wrong_genesis_refused(void **state)
{
    node_fx *n = *state;
    wt_node_close(n->node);
    n->node = NULL;
    wt_chain_params other = n->fx.params;
    other.chain_id++;
    wt_node_opts opts = {.db_path = n->db, .params = &other, .operator_key = &n->fx.operator_key};
    assert_int_equal(wt_node_open(&n->node, n->fx.ctx, &opts), WT_ERR_WRONG_CHAIN);
    assert_null(n->node);
    node_open(n);
}

/* Thousands of mixed transactions over many intervals — orders, cancels,
 * standing instructions, meters, readings, settlements, merchant payments and
 * refunds — then a reopen: the replay must equal the stored account rows (the
 * node refuses to open otherwise) and the state hash, and the audit passes. */
static void test_rebuild_equals_stored_state_mixed(void **state)
{
    node_fx *n = *state;
    fx_chain *fx = &n->fx;
    wt_test_rng rng;
    wt_test_rng_init(&rng, wt_test_seed(5150));
    n->shadow = true; /* the SETTLEs are computed from a copy of the state */
    wt_tx tx;
    /* a gateway with one meter per home, a merchant, money for everyone */
    fx_tx(fx, &tx, WT_TX_REGISTER, &fx->operator_key);
    tx.body.reg.kind = WT_TX_REGISTER_GATEWAY;
    memcpy(tx.body.reg.u.gateway.key, fx->gateway_key.pubkey, 32);
    assert_int_equal(submit(n, &tx, &fx->operator_key, NULL, NULL).err, WT_OK);
    for (int h = 0; h < FX_HOUSEHOLDS; h++) {
        fx_tx(fx, &tx, WT_TX_REGISTER, &fx->operator_key);
        tx.body.reg.kind = WT_TX_REGISTER_METER;
        char id[8] = "M-0";
        id[2] = (char)('0' + h);
        assert_int_equal(wt_meter_id_set(&tx.body.reg.u.meter.meter_id, id), WT_OK);
        memcpy(tx.body.reg.u.meter.owner, fx->home[h].pubkey, 32);
        tx.body.reg.u.meter.zone = (uint16_t)(1 + h % 2);
        memcpy(tx.body.reg.u.meter.gateway, fx->gateway_key.pubkey, 32);
        assert_int_equal(submit(n, &tx, &fx->operator_key, NULL, NULL).err, WT_OK);
        mint(n, &fx->home[h], 500000000);
    }
    fx_tx(fx, &tx, WT_TX_REGISTER, &fx->operator_key);
    tx.body.reg.kind = WT_TX_REGISTER_MERCHANT;
    memcpy(tx.body.reg.u.merchant.key, fx->merchant_key.pubkey, 32);
    assert_int_equal(wt_merchant_name_set(&tx.body.reg.u.merchant.name, "Shop"), WT_OK);
    assert_int_equal(submit(n, &tx, &fx->operator_key, NULL, NULL).err, WT_OK);

    uint64_t applied = 0;
    uint8_t last_order[FX_HOUSEHOLDS][32];
    uint8_t last_payment[32];
    for (int round = 0; round < 300; round++) {
        fx->now_ms = n->clock_ms;
        uint64_t interval = (uint64_t)(n->clock_ms / FX_INTERVAL_MS);
        for (int h = 0; h < FX_HOUSEHOLDS; h++) {
            /* an order for the next interval */
            fx_tx(fx, &tx, WT_TX_ORDER, &fx->home[h]);
            tx.body.order.zone = (uint16_t)(1 + h % 2);
            tx.body.order.side = (uint8_t)wt_test_rng_range(&rng, 1, 2);
            tx.body.order.interval = interval + 1;
            tx.body.order.energy_mwh = wt_test_rng_range(&rng, 1, 50000);
            tx.body.order.price_micro_per_kwh = wt_test_rng_range(&rng, 50000000, 200000000);
            wt_submit_result r = submit(n, &tx, &fx->home[h], NULL, NULL);
            assert_int_equal(r.err, WT_OK);
            memcpy(last_order[h], r.txid, 32);
            applied++;
            /* sometimes cancel it again */
            if (wt_test_rng_range(&rng, 0, 3) == 0) {
                fx_tx(fx, &tx, WT_TX_CANCEL, &fx->home[h]);
                memcpy(tx.body.cancel.order_txid, last_order[h], 32);
                assert_int_equal(submit(n, &tx, &fx->home[h], NULL, NULL).err, WT_OK);
                applied++;
            }
            /* a standing instruction now and then */
            if (wt_test_rng_range(&rng, 0, 4) == 0) {
                fx_tx(fx, &tx, WT_TX_STANDING, &fx->home[h]);
                tx.body.standing.zone = (uint16_t)(1 + h % 2);
                tx.body.standing.flags = WT_STANDING_HAS_SELL_MIN | WT_STANDING_HAS_BUY_MAX;
                tx.body.standing.sell_min_micro_per_kwh = wt_test_rng_range(&rng, 0, 90000000);
                tx.body.standing.buy_max_micro_per_kwh = wt_test_rng_range(&rng, 0, 200000000);
                assert_int_equal(submit(n, &tx, &fx->home[h], NULL, NULL).err, WT_OK);
                applied++;
            }
        }
        /* a purchase at the shop, sometimes refunded in part */
        int buyer = (int)wt_test_rng_range(&rng, 0, FX_HOUSEHOLDS - 1);
        fx_tx(fx, &tx, WT_TX_TRANSFER, &fx->home[buyer]);
        memcpy(tx.body.transfer.to, fx->merchant_key.pubkey, 32);
        tx.body.transfer.amount_micro = wt_test_rng_range(&rng, 1000, 3000000);
        int64_t paid = tx.body.transfer.amount_micro;
        wt_submit_result pr = submit(n, &tx, &fx->home[buyer], NULL, NULL);
        assert_int_equal(pr.err, WT_OK);
        memcpy(last_payment, pr.txid, 32);
        applied++;
        if (wt_test_rng_range(&rng, 0, 2) == 0) {
            fx_tx(fx, &tx, WT_TX_TRANSFER, &fx->merchant_key);
            memcpy(tx.body.transfer.to, fx->home[buyer].pubkey, 32);
            tx.body.transfer.amount_micro = paid / 2 + 1;
            tx.body.transfer.ref_kind = WT_TX_REF_REFUND_OF;
            memcpy(tx.body.transfer.ref, last_payment, 32);
            assert_int_equal(submit(n, &tx, &fx->merchant_key, NULL, NULL).err, WT_OK);
            applied++;
        }
        /* readings for the interval that just ended, then its settlement */
        if (round > 0) {
            wt_reading e[FX_HOUSEHOLDS];
            memset(e, 0, sizeof e);
            for (int h = 0; h < FX_HOUSEHOLDS; h++) {
                char id[8] = "M-0";
                id[2] = (char)('0' + h);
                assert_int_equal(wt_meter_id_set(&e[h].meter_id, id), WT_OK);
                e[h].import_mwh = wt_test_rng_range(&rng, 0, 900);
                e[h].export_mwh = wt_test_rng_range(&rng, 0, 900);
            }
            fx_tx(fx, &tx, WT_TX_READINGS, &fx->gateway_key);
            tx.body.readings.interval = interval - 1;
            tx.body.readings.count = FX_HOUSEHOLDS;
            tx.body.readings.entries = e;
            assert_int_equal(submit(n, &tx, &fx->gateway_key, NULL, NULL).err, WT_OK);
            wt_settlement *st;
            assert_int_equal(wt_settle_compute(&st, fx->state, interval - 1), WT_OK);
            assert_int_equal(wt_settle_build_tx(&tx, fx->state, st, fx->now_ms + 60000), WT_OK);
            assert_int_equal(submit(n, &tx, &fx->operator_key, NULL, NULL).err, WT_OK);
            wt_settlement_free(st);
            applied += 2;
        }
        seal(n); /* advances the clock one interval */
    }
    assert_true(applied > 2000);
    uint8_t before[32], after[32];
    wt_state_totals t0, t1;
    wt_node_totals(n->node, &t0, NULL, before);
    wt_node_close(n->node);
    n->node = NULL;
    node_open(n); /* replays and compares with the stored rows */
    wt_node_totals(n->node, &t1, NULL, after);
    assert_memory_equal(before, after, 32);
    assert_memory_equal(&t0, &t1, sizeof t0);
    assert_true(t1.txs_applied > 2000);
    audit_ok(n);
}

/* The auditor reads one snapshot while the node keeps committing and
 * sealing: it passes, and it never disturbs the writer. */
typedef struct {
    node_fx *n;
    bool stop; /* read and written with __atomic */
    int submitted;
} writer_arg;

static void *writer_main(void *p)
{
    writer_arg *w = p;
    while (!__atomic_load_n(&w->stop, __ATOMIC_SEQ_CST) && w->submitted < 3000) {
        w->n->fx.now_ms = w->n->clock_ms; /* expiries follow the sealed intervals */
        transfer(w->n, w->submitted % 2, 2, 1);
        if (++w->submitted % 5 == 0)
            seal(w->n);
    }
    return NULL;
}

static void test_audit_while_writing(void **state)
{
    node_fx *n = *state;
    mint(n, &n->fx.home[0], 100000000);
    mint(n, &n->fx.home[1], 100000000);
    seal(n);
    writer_arg w = {.n = n};
    pthread_t thread;
    assert_int_equal(pthread_create(&thread, NULL, writer_main, &w), 0);
    for (int i = 0; i < 4; i++) {
        usleep(30000);
        wt_audit_report r;
        wt_err err = wt_audit_run(n->fx.ctx, &r, n->db, NULL);
        if (err != WT_OK) {
            __atomic_store_n(&w.stop, true, __ATOMIC_SEQ_CST);
            pthread_join(thread, NULL);
            fail_msg("audit during writes: %s", r.what);
        }
    }
    __atomic_store_n(&w.stop, true, __ATOMIC_SEQ_CST);
    pthread_join(thread, NULL);
    assert_true(w.submitted > 0);
    audit_ok(n);
}

int main(void)
{
    wt_test_route_asserts();
    wt_log_set_level(WT_LOG_OFF);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_submit_commit_and_duplicate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_submit_async, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reopen_replays_same_state, setup, teardown),
        cmocka_unit_test_setup_teardown(test_audit_passes_sound_ledger, setup, teardown),
        cmocka_unit_test_setup_teardown(test_audit_stops_when_asked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_audit_catches_changed_tx_byte, setup, teardown),
        cmocka_unit_test_setup_teardown(test_audit_catches_changed_header_byte, setup, teardown),
        cmocka_unit_test_setup_teardown(test_audit_catches_changed_balance, setup, teardown),
        cmocka_unit_test_setup_teardown(test_audit_catches_deleted_tx, setup, teardown),
        cmocka_unit_test_setup_teardown(test_audit_catches_swapped_txs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_node_refuses_changed_balance_unless_rebuild, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_wrong_genesis_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rebuild_equals_stored_state_mixed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_audit_while_writing, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
