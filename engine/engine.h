/*
 * engine.h — what the engine room promises around the pure ledger core
 * (ledger.h): the SQLite store (store.h), the node — one sequencer that
 * applies transactions in arrival order, group-commits them and seals
 * blocks — and the auditor that re-verifies a stored chain.
 *
 * The node. Any number of threads may call wt_node_submit at once. Each call
 * decodes its transactions and verifies their signatures in parallel on
 * every core (the expensive part), then hands them to the one sequencer
 * thread, which applies them in arrival order and writes every submission
 * that arrived meanwhile in one SQLite transaction (group commit). A call
 * returns only when its transactions are durable or rejected: a result of
 * WT_OK means the transaction is on disk and will survive a crash or power
 * cut. Resubmitting a transaction already in the ledger applies nothing and
 * returns its original result (duplicate = true, same seq and height).
 *
 * Blocks. wt_node_seal closes the open block: every transaction committed
 * since the previous block, in ledger order, under a Merkle root, with the
 * state hash after them, signed by the operator. Block 0 (genesis) carries
 * the hash of the chain parameters.
 *
 * Conventions: those of common.h (context first, outputs, inputs; wt_err).
 * May use: common, wallet, matcher, the ledger core, SQLite, libevent, nng.
 */
#ifndef WATTLE_ENGINE_H
#define WATTLE_ENGINE_H

#include "common.h"
#include "ledger.h"
#include "matcher.h"
#include "settle.h"
#include "store.h"
#include "wallet.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ----------------------------------------------------------------- node */

typedef struct wt_node wt_node;

/* The node's clock (the platform edge): Unix ms. Tests pass a fake one. */
typedef int64_t (*wt_clock_fn)(void *arg);

/* Receives a settlement rebuilt while the node replays the store (ownership
 * passes: the callee frees it with wt_settlement_free). */
typedef void (*wt_node_settlement_fn)(void *arg, wt_settlement *settlement);

typedef struct {
    const char *db_path;
    /* For a new store: the chain to create (genesis). For an existing one it
     * may be NULL; when given it must equal the stored parameters. */
    const wt_chain_params *params;
    /* The operator's key: signs blocks. NULL: the node can accept
     * transactions but not seal (nor create a genesis). */
    const wt_seckey *operator_key;
    unsigned verify_threads; /* workers besides the caller; 0: cores - 1 */
    uint32_t batch_max;      /* transactions per group commit; 0: 8192 */
    bool rebuild;            /* account rows that disagree with the replay are rewritten
                                instead of refused */
    wt_clock_fn clock;       /* NULL: the real clock */
    void *clock_arg;
    int64_t store_cache_kib; /* 0: the store's default */
    /* Signature-checked transactions one sender may have in the node at
     * once (submitted, not yet answered); past it a submission's extra ones
     * get WT_ERR_RATE_LIMITED (field "sender") at once. 0: no ceiling. */
    uint32_t inflight_per_sender;
    /* While replaying at open: recompute the settlement of every SETTLE for
     * the last replay_settlements intervals up to the last block's (from the
     * state just before it, as the sequencer did; wt_settle_compute) and
     * hand each to on_settlement, oldest first, so a restarted daemon still
     * serves them. 0 or NULL: none. */
    uint32_t replay_settlements;
    wt_node_settlement_fn on_settlement;
    void *settlement_arg;
} wt_node_opts;

/*
 * Open the ledger at opts->db_path: create it with a genesis block when it
 * is new (params and operator_key needed), else replay every stored
 * transaction to rebuild the state and check it against the stored account
 * rows (WT_ERR_STORE_CORRUPT on a difference, unless opts->rebuild).
 * Starts the sequencer and the verify workers. ctx must outlive the node.
 */
wt_err wt_node_open(wt_node **node, const wt_ctx *ctx, const wt_node_opts *opts);
/* Finish the submissions already queued, stop the threads, close the store.
 * NULL is allowed. */
void wt_node_close(wt_node *node);

typedef struct {
    wt_err err;        /* WT_OK: durable in the ledger */
    const char *field; /* on error, what was wrong (static storage) or NULL */
    uint8_t txid[32];  /* zero when the bytes did not decode */
    uint64_t seq;      /* ledger position, when err == WT_OK */
    uint64_t height;   /* the block that holds (or will hold) it */
    int64_t t_ms;      /* the sequencer's time when it was applied (the stored t_ms) */
    bool duplicate;    /* it was already in the ledger: nothing applied now */
} wt_submit_result;

/* Submit count encoded transactions (raws[i], raw_lens[i]); results[i] gets
 * each one's fate. Blocks until every one is durable or rejected. Returns
 * WT_OK when the call itself worked (look at each result), or
 * WT_ERR_UNAVAILABLE when the node is closing. */
wt_err wt_node_submit(wt_node *node, wt_submit_result *results, const uint8_t *const *raws,
                      const size_t *raw_lens, size_t count);

/* Told that a submission is finished (see wt_node_submit_async). */
typedef void (*wt_node_done_fn)(void *arg);

/* wt_node_submit without the wait: decodes and verifies on the calling
 * thread, queues for the sequencer and returns. Once every results[i] is
 * final (durable or rejected) the sequencer calls done(done_arg) on its own
 * thread, so done must be quick and must not call into the node; raws,
 * raw_lens and results stay the caller's and must live until then. With
 * count 0, done is called before it returns. Returns WT_OK (done will be
 * called once), or WT_ERR_NO_MEMORY / WT_ERR_UNAVAILABLE (closing), when done
 * is not called and nothing was applied. A server answers many clients from
 * a few threads this way: none of them sleeps through a group commit. */
wt_err wt_node_submit_async(wt_node *node, wt_submit_result *results, const uint8_t *const *raws,
                            const size_t *raw_lens, size_t count, wt_node_done_fn done,
                            void *done_arg);

/* Seal the open block (see the top comment); *header receives it. Needs the
 * operator key. */
wt_err wt_node_seal(wt_node *node, wt_block_header *header);

/* Seal the open block as the close of market interval `interval`: the
 * header's time is the interval's last millisecond (interval + 1) *
 * interval_ms - 1, so header.interval == interval (unless the previous block
 * is later: block time never goes backwards). The daemon's interval clock
 * uses it, also to catch up on intervals it closes late. */
wt_err wt_node_seal_interval(wt_node *node, wt_block_header *header, uint64_t interval);
/* Settle market interval `interval`: compute its settlement from the state
 * as it stands in the sequencer (settle.h), sign the SETTLE with the
 * operator key and commit it (durable on return), atomically with respect
 * to every other submission. *settlement gets the computed settlement (the
 * caller frees it with wt_settlement_free) and *result the SETTLE's fate.
 * Errors: the SETTLE's rejection (e.g. WT_ERR_INTERVAL_CLOSED when it is
 * already settled), WT_ERR_NOT_OPERATOR (no operator key, or the role moved),
 * wt_settle_compute's errors, WT_ERR_UNAVAILABLE when closing. */
wt_err wt_node_settle(wt_node *node, wt_settlement **settlement, wt_submit_result *result,
                      uint64_t interval);
/* The last sealed block's height and interval, and the last stored seq. */
void wt_node_tip(wt_node *node, uint64_t *height, uint64_t *interval, uint64_t *last_seq);
/* Visit the open explicit orders under the node's read lock (the visit must
 * not call back into the node). */
void wt_node_orders_each(wt_node *node, wt_order_visit_fn visit, void *arg);

/* Read access for front ends: a consistent copy under the node's lock. */
wt_err wt_node_account(wt_node *node, wt_account *account, const uint8_t key[32]);
void wt_node_totals(wt_node *node, wt_state_totals *totals, uint64_t *height,
                    uint8_t state_hash[32]);
/* The chain parameters (fixed for the node's life). */
const wt_chain_params *wt_node_params(const wt_node *node);

/* ---------------------------------------------------------------- audit */

typedef struct {
    uint64_t blocks;   /* sealed blocks verified, genesis included */
    uint64_t txs;      /* transactions verified */
    uint64_t open_txs; /* of which in the open (not yet sealed) block */
    uint64_t accounts; /* account rows compared */
    double seconds;    /* wall time */
    int64_t minted_micro, burned_micro, balances_micro, holds_micro;
    /* the first violation, when the audit failed */
    wt_err err;
    uint64_t bad_height; /* the block where it was found */
    uint64_t bad_seq;    /* the transaction, when one is to blame (0 otherwise) */
    uint8_t bad_txid[32];
    bool has_bad_txid;
    char what[400]; /* a sentence naming what is wrong */
} wt_audit_report;

typedef struct {
    unsigned verify_threads;                        /* 0: cores - 1 */
    void (*progress)(void *arg, uint64_t txs_done); /* NULL: quiet */
    void *progress_arg;
    /* NULL, or a flag another thread may set: the audit then stops at the
     * next transaction with WT_ERR_UNAVAILABLE ("stopped"), so a daemon can
     * end without waiting for a long audit */
    const _Atomic bool *stop;
    /* NULL, or called for every SETTLE once it verified, in ledger order,
     * with its recomputed settlement (rows, legs, totals: valid during the
     * call) — so the settlements of any interval can be had from the ledger
     * alone (`wattle settlements`) */
    void (*on_settlement)(void *arg, const wt_chain_params *params, const wt_settlement *s);
    void *settlement_arg;
} wt_audit_opts;

/*
 * Re-verify the ledger at db_path from its genesis, opened read-only (a
 * running daemon may keep writing; the audit reads one snapshot): every
 * transaction's txid, signature and nonce (through the ledger transition),
 * every block's Merkle root, state hash, signature, height, time and link to
 * its predecessor, the genesis against the stored parameters, the stored
 * account rows against the replayed state, and "balances + holds = minted -
 * burned". Returns WT_OK when all holds; otherwise the first violation's code,
 * with report->what naming the height, the txid and what is wrong.
 */
wt_err wt_audit_run(const wt_ctx *ctx, wt_audit_report *report, const char *db_path,
                    const wt_audit_opts *opts);

#endif /* WATTLE_ENGINE_H */
