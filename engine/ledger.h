/*
 * ledger.h — the ledger core of the engine room: chain parameters (from
 * wallet.h) and genesis, the state and its transition, blocks with a Merkle root and an
 * incremental state hash. Pure and deterministic: no sockets, no clocks, no
 * files. The daemon, the simulator and `wattle audit` run this same code and
 * get the same bytes.
 *
 * Conventions (as everywhere in wattle): context first, then outputs, then
 * in/outs, then inputs; wt_err results; outputs zeroed before the first check.
 *
 * The transition. wt_ledger_apply(state, tx) either applies tx completely and
 * returns WT_OK, or returns a precise error and leaves the state exactly as
 * it was (every check runs before the first change). It is a pure function
 * of (state, tx, now_ms): the caller passes the time, the ledger never reads a
 * clock. Signature checks are the expensive part, so the caller may verify
 * signatures in parallel beforehand and say so (sig_verified); the auditor
 * and the simulator's --signed mode let apply verify.
 *
 * Memory: a wt_state grows its tables as accounts, meters and orders appear
 * (the ledger is not a hot path for allocation the way the matcher is);
 * WT_ERR_NO_MEMORY is returned, with nothing changed, if that fails.
 */
#ifndef WATTLE_LEDGER_H
#define WATTLE_LEDGER_H

#include "common.h"
#include "wallet.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ------------------------------------------------------- chain params */

/* The chain parameters (wt_chain_params, WT_CHAIN_*, their validate/encode/
 * decode, wt_chain_zone_find, wt_chain_month_of, wt_chain_market) live in
 * the wallet room (wallet.h, wallet/chain.c), so that programs which only
 * read a chain's genesis.bin need not link this core; they are part of what
 * ledger.h provides, through the include above. */

/* --------------------------------------------------------------- state */

typedef struct wt_state wt_state;

typedef enum {
    WT_ROLE_NONE = 0,
    WT_ROLE_ISSUER = 1 << 0,
    WT_ROLE_UTILITY = 1 << 1,
    WT_ROLE_OPERATOR = 1 << 2,
    WT_ROLE_GATEWAY = 1 << 3,
    WT_ROLE_MERCHANT = 1 << 4,
} wt_role;

typedef struct {
    uint8_t key[32];
    int64_t balance_micro; /* spendable */
    int64_t holds_micro;   /* reserved for open buy orders */
    uint64_t nonce;        /* the last nonce used; the next tx carries nonce + 1 */
    uint32_t roles;        /* wt_role bits */
} wt_account;

/* A new state at genesis: roles from params, every balance zero. */
wt_err wt_state_create(wt_state **state, const wt_chain_params *params);
void wt_state_destroy(wt_state *state);
const wt_chain_params *wt_state_params(const wt_state *state);

/* Read one account; WT_ERR_NOT_FOUND (and a zeroed *account) if it never
 * appeared. */
wt_err wt_state_account(wt_account *account, const wt_state *state, const uint8_t key[32]);
/* Totals for the conservation invariant: balances + holds == minted - burned. */
typedef struct {
    int64_t minted_micro, burned_micro;
    int64_t balances_micro, holds_micro;
    uint64_t accounts, meters, open_orders, txs_applied;
    uint64_t last_settled_interval; /* meaningful when any_settled */
    bool any_settled;
} wt_state_totals;
void wt_state_totals_get(wt_state_totals *totals, const wt_state *state);

/* The 32-byte state hash: a homomorphic multiset hash (LtHash) over every
 * account, meter, standing instruction, open order, pending reading and
 * payment record, updated in time proportional to the records that change
 * (accounts are folded in when the hash is asked for, each changed account
 * once). Two states with the same records have the same hash, whatever
 * order built them. Not const: it folds the pending account changes in. */
void wt_state_hash(uint8_t out[32], wt_state *state);
/* Stop maintaining the state hash for good: the transition stays the same
 * but skips the LtHash updates, which cost more than the rest of a metered
 * interval. For the simulator's fast mode, which never seals a block;
 * wt_state_hash must not be called afterwards (asserted). */
void wt_state_hashing_off(wt_state *state);

/* Every account, in no particular order (for the store and the auditor).
 * The visit returns false to stop. */
typedef bool (*wt_account_visit_fn)(void *arg, const wt_account *account);
void wt_state_accounts_each(const wt_state *state, wt_account_visit_fn visit, void *arg);

/* The accounts changed since the last wt_state_dirty_clear (each once), so
 * the store can write just those rows after a batch. A new state starts with
 * the genesis accounts dirty. */
void wt_state_dirty_each(const wt_state *state, wt_account_visit_fn visit, void *arg);
void wt_state_dirty_clear(wt_state *state);

/* An explicit order waiting for its interval's clearing. */
typedef struct {
    uint8_t txid[32]; /* the order's id */
    uint8_t owner[32];
    uint16_t zone;
    uint8_t side; /* WT_TX_SIDE_BUY or WT_TX_SIDE_SELL */
    uint64_t interval;
    int64_t energy_mwh;
    int64_t price_micro_per_kwh;
    int64_t hold_micro; /* funds reserved by a buy order */
    uint64_t seq;       /* ledger position: priority at the margin */
} wt_open_order;
typedef bool (*wt_order_visit_fn)(void *arg, const wt_open_order *order);
void wt_state_orders_each(const wt_state *state, wt_order_visit_fn visit, void *arg);

#define WT_ORDER_INTERVALS_AHEAD_MAX 100000 /* how far ahead an order may be placed */

typedef struct {
    char id[WT_METER_ID_BYTES_MAX + 1];
    uint8_t owner[32];
    uint8_t gateway[32];
    uint16_t zone;
} wt_meter_info;
wt_err wt_state_meter(wt_meter_info *info, const wt_state *state, const char *id, size_t id_len);

typedef struct {
    uint8_t flags; /* WT_STANDING_HAS_SELL_MIN | WT_STANDING_HAS_BUY_MAX */
    int64_t sell_min_micro_per_kwh, buy_max_micro_per_kwh;
} wt_standing_info;
wt_err wt_state_standing(wt_standing_info *info, const wt_state *state, const uint8_t owner[32],
                         uint16_t zone);

/* A reading reported for an interval not yet settled, with the standing
 * its meter's owner has now in the meter's zone (zeroed when none). */
typedef struct {
    int64_t import_mwh, export_mwh;
    uint8_t flags;
    wt_standing_info standing;
} wt_reading_info;
wt_err wt_state_reading(wt_reading_info *info, const wt_state *state, const char *meter_id,
                        size_t meter_id_len, uint64_t interval);
/* The retail energy `account` was settled for in `month` (wt_chain_month_of)
 * so far: the sum of its SETTLE RETAIL legs of that month. Kept only when
 * the chain's retail tariff is tiered (0 otherwise, and for another month). */
int64_t wt_state_month_usage(const wt_state *state, const uint8_t account[32], uint32_t month);

/* Every pending reading with its meter, in no particular order (for the
 * settlement, which sorts what it uses). The visit returns false to stop. */
typedef bool (*wt_reading_visit_fn)(void *arg, const wt_meter_info *meter, uint64_t interval,
                                    const wt_reading_info *reading);
void wt_state_readings_each(const wt_state *state, wt_reading_visit_fn visit, void *arg);

/* ----------------------------------------------------------- transition */

typedef struct {
    int64_t now_ms;    /* the sequencer's time: expiry is checked against it */
    bool sig_verified; /* the caller already verified the signature */
} wt_apply_opts;

/* Apply one decoded, signed transaction (see the header comment). raw/raw_len
 * are its canonical bytes, needed when apply verifies the signature.
 * On failure *field (when non-NULL) names what was wrong, e.g. "nonce". */
wt_err wt_ledger_apply(const wt_ctx *ctx, wt_state *state, const char **field, const wt_tx *tx,
                       const uint8_t txid[32], const wt_apply_opts *opts);

/* --------------------------------------------------------------- blocks */

#define WT_BLOCK_VERSION      1
#define WT_BLOCK_HEADER_BYTES (1 + 4 + 8 + 32 + 8 + 8 + 4 + 32 + 32 + 32 + 64)

typedef struct {
    uint8_t version;
    uint32_t chain_id;
    uint64_t height;
    uint8_t prev_hash[32];
    int64_t time_ms;
    uint64_t interval;
    uint32_t tx_count;
    uint8_t merkle_root[32]; /* of the txids; at height 0, the hash of the params */
    uint8_t state_hash[32];  /* after the block's transactions */
    uint8_t operator_key[32];
    uint8_t signature[64];
} wt_block_header;

/* Fixed-size big-endian encoding, WT_BLOCK_HEADER_BYTES long. */
void wt_block_header_encode(uint8_t out[WT_BLOCK_HEADER_BYTES], const wt_block_header *header);
wt_err wt_block_header_decode(wt_block_header *header, const uint8_t *data, size_t data_len);
/* Tagged hash ("wattle/block") of the header without its signature. */
void wt_block_hash(uint8_t out[32], const wt_block_header *header);
wt_err wt_block_sign(const wt_ctx *ctx, wt_block_header *header, const wt_seckey *operator_key);
bool wt_block_verify(const wt_ctx *ctx, const wt_block_header *header);

/* Merkle root of txids. A leaf is the tagged hash ("wattle/merkle-leaf") of a
 * txid; an inner node the tagged hash ("wattle/merkle-node") of left || right;
 * an odd node is carried up to the next level unchanged, never paired with
 * itself, so no two different lists share a root (Bitcoin's duplicated last
 * leaf allowed that: CVE-2012-2459), and the distinct leaf and node tags stop
 * an inner node from passing as a leaf. The root of no txids is 32 zero bytes.
 * Computed in one pass with O(log count) memory (the builder below). */
void wt_merkle_root(uint8_t out[32], const uint8_t (*txids)[32], size_t count);

/* The same root built as txids arrive (the open block's, so that sealing a
 * block of n transactions costs O(log n) hashes, not n): the roots of the
 * complete subtrees of 2^k leaves that the count's binary digits call for,
 * which the level-by-level pairing above also forms, folded right to left at
 * the end. A plain value: copy it to keep a state to go back to. */
typedef struct {
    uint8_t subtree[64][32]; /* subtree[k]: set when bit k of count is */
    uint64_t count;
    wt_tagged_hasher leaf_tag, node_tag; /* the tags' midstates */
} wt_merkle_builder;

void wt_merkle_init(wt_merkle_builder *b);
void wt_merkle_add(wt_merkle_builder *b, const uint8_t txid[32]);
/* The root of the txids added so far (b is unchanged). */
void wt_merkle_final(uint8_t out[32], const wt_merkle_builder *b);

/* The hash committed at height 0: tagged hash ("wattle/genesis") of the
 * canonical params encoding. */
void wt_genesis_params_hash(uint8_t out[32], const wt_chain_params *params);

#endif /* WATTLE_LEDGER_H */
