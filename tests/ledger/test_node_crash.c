/* test_node_crash.c — crash safety of the node: a child process submits
 * batches of signed transactions and reports each acknowledgement to the
 * parent through a pipe; the parent kills it with SIGKILL at a random moment
 * (seeded), reopens the ledger, and checks that every acknowledged
 * transaction is there exactly once and that the audit passes. Bounded:
 * ROUNDS rounds of at most ROUND_MS each. */
#include "engine.h"
#include "ledger_fixture.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#define ROUNDS   6
#define ROUND_MS 400

static void child_run(fx_chain *fx, const char *db, int out_fd)
{
    wt_node_opts opts = {.db_path = db,
                         .params = &fx->params,
                         .operator_key = &fx->operator_key,
                         .verify_threads = 1};
    wt_node *node;
    if (wt_node_open(&node, fx->ctx, &opts) != WT_OK)
        _exit(3);
    wt_account issuer;
    wt_node_account(node, &issuer, fx->issuer_key.pubkey);
    uint64_t nonce = issuer.nonce;
    static uint8_t raw[64][256];
    const uint8_t *raws[64];
    size_t lens[64];
    wt_submit_result results[64];
    for (uint64_t round = 0; round < 100000; round++) {
        size_t n = 1 + round % 64;
        for (size_t i = 0; i < n; i++) {
            wt_tx tx;
            wt_tx_init(&tx, WT_TX_MINT);
            tx.chain_id = FX_CHAIN_ID;
            memcpy(tx.sender, fx->issuer_key.pubkey, 32);
            tx.nonce = nonce + 1 + i;
            tx.expiry_ms = INT64_MAX;
            memcpy(tx.body.mint.to, fx->home[i % FX_HOUSEHOLDS].pubkey, 32);
            tx.body.mint.amount_micro = (int64_t)(1 + i);
            if (wt_tx_sign(fx->ctx, NULL, &tx, &fx->issuer_key) != WT_OK ||
                wt_tx_encode(raw[i], sizeof raw[i], &lens[i], NULL, &tx) != WT_OK)
                _exit(4);
            raws[i] = raw[i];
        }
        if (wt_node_submit(node, results, raws, lens, n) != WT_OK)
            _exit(5);
        for (size_t i = 0; i < n; i++) {
            if (results[i].err != WT_OK)
                _exit(6);
            /* acknowledged: tell the parent */
            if (write(out_fd, results[i].txid, 32) != 32)
                _exit(7);
        }
        nonce += n;
        if (round % 7 == 6) {
            wt_block_header h;
            if (wt_node_seal(node, &h) != WT_OK)
                _exit(8);
        }
    }
    _exit(0);
}

static void test_kill_during_group_commit(void **state)
{
    (void)state;
    wt_test_rng rng;
    wt_test_rng_init(&rng, wt_test_seed(77));
    fx_chain fx;
    fx_init(&fx);
    char dir[] = "/tmp/wattle-crash-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char db[128];
    snprintf(db, sizeof db, "%s/ledger.db", dir);
    size_t acked_cap = 1 << 16, acked = 0;
    uint8_t(*acked_txids)[32] = malloc(acked_cap * 32);
    assert_non_null(acked_txids);

    /* the genesis first, so that every round has a chain to audit */
    wt_node_opts opts = {
        .db_path = db, .params = &fx.params, .operator_key = &fx.operator_key, .verify_threads = 1};
    wt_node *node;
    assert_int_equal(wt_node_open(&node, fx.ctx, &opts), WT_OK);
    wt_node_close(node);

    for (int round = 0; round < ROUNDS; round++) {
        int fds[2];
        assert_int_equal(pipe(fds), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            close(fds[0]);
            child_run(&fx, db, fds[1]);
        }
        close(fds[1]);
        usleep((useconds_t)(1000 * wt_test_rng_range(&rng, 50, ROUND_MS)));
        kill(pid, SIGKILL);
        int status;
        waitpid(pid, &status, 0);
        assert_true(WIFSIGNALED(status)); /* it did not fail on its own */
        uint8_t txid[32];
        ssize_t got;
        while ((got = read(fds[0], txid, 32)) == 32) {
            if (acked == acked_cap) {
                acked_cap *= 2;
                acked_txids = realloc(acked_txids, acked_cap * 32);
                assert_non_null(acked_txids);
            }
            memcpy(acked_txids[acked++], txid, 32);
        }
        close(fds[0]);

        /* every acknowledged transaction is in the store, once */
        wt_store *store;
        wt_store_opts so = {.read_only = true};
        assert_int_equal(wt_store_open(&store, db, &so), WT_OK);
        uint64_t last_seq;
        assert_int_equal(wt_store_last_seq(store, &last_seq), WT_OK);
        assert_true(last_seq >= acked);
        for (size_t i = 0; i < acked; i++) {
            wt_store_tx_info info;
            if (wt_store_tx_by_txid(store, &info, NULL, 0, acked_txids[i]) != WT_OK)
                fail_msg("round %d: acknowledged tx %zu is missing", round, i);
        }
        wt_store_close(store);
        /* and the whole ledger is sound (no half batch: nonces would break) */
        wt_audit_report r;
        if (wt_audit_run(fx.ctx, &r, db, NULL) != WT_OK)
            fail_msg("round %d: audit: %s", round, r.what);
        assert_int_equal(r.txs, last_seq);
    }
    print_message("%d kills, %zu transactions acknowledged, none lost\n", ROUNDS, acked);
    assert_true(acked > 0);
    free(acked_txids);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    fx_free(&fx);
}

int main(void)
{
    wt_test_route_asserts();
    wt_log_set_level(WT_LOG_OFF);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kill_during_group_commit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
