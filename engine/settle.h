/*
 * settle.h — the settlement of one market interval (engine room, private
 * header; part of the pure ledger core library so the simulator can reuse
 * it). Given the ledger state just before a SETTLE and the interval number n,
 * it builds the interval's book, clears it through the matcher over the
 * chain's zone tree, prices the residual at the grid's tariffs, and produces
 * the SETTLE's legs, the per-account settlement rows of DESIGN.md and the
 * hash of the inputs. Pure and deterministic: no clock, no I/O, no globals;
 * the same state gives the same bytes, whatever order the state's tables are
 * in. The daemon calls it at each interval's close, `wattle audit` calls
 * wt_settle_verify for every SETTLE.
 *
 * Conventions: those of common.h (context first, then outputs, then inputs;
 * wt_err results; outputs zeroed before the first check that can fail).
 *
 * ---- The book of interval n ----
 *  - Every explicit ORDER open for interval n (wt_state_orders_each), as
 *    placed: id = its txid, seq = its ledger position. Orders for earlier
 *    intervals still open (never settled) are released by the SETTLE but not
 *    traded. An order of more than WT_ENERGY_MWH_MAX is left out (it expires).
 *  - Every meter with a READINGS entry for n: net = export - import. When the
 *    meter's owner has a STANDING instruction in the meter's zone with the
 *    matching limit, net export becomes an ask at the standing sell minimum
 *    and net import a bid at the standing buy maximum (limits include the
 *    grid fee, as everywhere in the matcher). id = the meter id's
 *    bytes zero-padded to 32, seq = UINT64_MAX (after every explicit order
 *    at the same price; among themselves in meter id order). Without a standing instruction,
 *    or without the matching limit, the meter trades nothing peer to peer:
 *    all of its net energy is residual.
 *  - Owners: every account gets a small integer, so the matcher's self-trade
 *    prevention keeps an account's bid and ask apart.
 *  - Market: the chain's rules (wt_chain_market: pay-as-clear with k = 0.5
 *    unless the genesis says otherwise — pay-as-bid, or another k), the
 *    chain's price ceiling, zones and fees. These are fixed for the chain: an
 *    auditor must be able to recompute every SETTLE from the ledger alone.
 *
 * ---- The legs, in this order ----
 *  1. Per trade, in the matcher's trade order: P2P buyer -> seller (energy,
 *     amount_micro, zone = the zone whose auction made the trade), then,
 *     when the fee is not zero, GRID_FEE buyer -> utility.
 *  2. Per row (account, zone) with residual export, in row order: FEED_IN
 *     utility -> household at the feed-in tariff.
 *  3. Per row with residual import, in row order: RETAIL household ->
 *     utility at the retail tariff.
 *  Residual = metered net energy not traded: an unfilled standing order, the
 *  metered energy of a meter without a standing instruction, and a bid cut
 *  by the overdraft policy. Explicit orders' residuals are NOT priced: an
 *  unfilled explicit order simply expires. The utility is the chain's current
 *  utility key (wt_state_params: REGISTER role updates it).
 *
 * ---- Overdraft policy: never overdrawn, the shortfall is a debt ----
 *  A SETTLE must always apply, so no account may end below zero:
 *  (a) Explicit buy orders are pre-funded: the ledger holds their energy at
 *      the limit price plus path fees, and a trade never costs more than
 *      that; the SETTLE releases the hold.
 *  (b) Standing bids are capped before clearing by the owner's spendable
 *      balance (holds excluded): per account, meters taken in meter id
 *      order, each bid's energy is cut to the most its limit price can buy
 *      with what remains of the balance (worst case: every kWh at the limit,
 *      which includes the fee). The cut energy is residual import (retail).
 *      row.bid_cut_mwh records it.
 *  (c) Feed-in is paid from the utility's funds (its balance, the holds the
 *      SETTLE releases, and what it receives from P2P legs and fees), rows in
 *      order; what it cannot pay is row.feed_in_unpaid_micro.
 *  (d) Retail is paid, rows in order, from the household's funds at that
 *      point (balance + released holds + everything it received in this
 *      SETTLE - everything it paid in it). What it cannot pay is not taken:
 *      the RETAIL leg carries the full energy and only the amount paid, and
 *      the rest is row.retail_unpaid_micro, a debt to the utility. So the
 *      debt is in the signed ledger (anyone can recompute it as
 *      amount(energy, tariff) - leg amount) and in the settlement export;
 *      the utility collects it off-ledger (its billing system reads the
 *      unpaid column). Debts are not carried in the ledger state and are not
 *      collected automatically from later receipts (not done yet).
 *
 * ---- The rows (DESIGN.md, "Settlement export") ----
 *  One row per (account, zone) that traded or was metered in interval n and
 *  moved any energy or money, sorted by account key bytes then zone. import
 *  is the meter's net import plus energy bought through explicit orders;
 *  export likewise. Identities (asserted): import = bought_p2p + retail,
 *  export = sold_p2p + feed_in, net = received_p2p + feed_in - paid_p2p -
 *  grid_fee - retail (money actually moved by the legs: retail_micro is what
 *  was paid; retail_unpaid_micro is beside it). Summed over rows, bought =
 *  sold and paid = received. The utility's receipts as the counterparty are
 *  not a row of their own.
 *
 * ---- inputs_hash ----
 *  Tagged hash ("wattle/settle-inputs") of: interval u64, the tariffs in
 *  force (the retail and the feed-in price of one kWh in this interval: i64
 *  each), the explicit orders' count u32 and txids sorted
 *  ascending, the readings' count u32 and, sorted by meter id (the READINGS
 *  order), each meter id (u8 length + bytes), owner key, zone u16, import
 *  i64, export i64, flags u8, and the standing instruction used (flags u8,
 *  sell_min i64, buy_max i64; zeros when none); with a tiered retail
 *  tariff, then every account of the interval (key order, the utility
 *  included) with its month's consumption so far (i64). Big-endian, as
 *  every wattle wire format.
 *
 * ---- Tariffs ----
 *  wt_tariff prices residual energy. Kinds: FLAT, TIME_OF_USE (a price per
 *  hour of the local day) and TIERED (KEPCO's progressive monthly tiers: the
 *  price of a kWh rises with the month's consumption so far). The settlement
 *  takes the chain's retail and feed-in tariffs from wt_chain_params: flat,
 *  time of use (params version 2: the price of the local hour in which the
 *  interval starts), or, for retail, tiered: the account's consumption so
 *  far this local month comes from the ledger state
 *  (wt_state_month_usage, the sum of its RETAIL legs' energy that month), and
 *  its rows are priced in row order, each climbing the tiers from where the
 *  previous one left. Unpaid retail energy counts as consumed.
 */
#ifndef WATTLE_ENGINE_SETTLE_H
#define WATTLE_ENGINE_SETTLE_H

#include "common.h"
#include "ledger.h"
#include "matcher.h"
#include "wallet.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WT_SETTLE_INPUTS_TAG "wattle/settle-inputs"
/* The CSV header of DESIGN.md, without the trailing newline. */
#define WT_SETTLE_CSV_HEADER                                                                       \
    "interval,account,zone,import_mwh,export_mwh,bought_p2p_mwh,sold_p2p_mwh,paid_p2p_micro,"      \
    "received_p2p_micro,grid_fee_micro,retail_mwh,retail_micro,feed_in_mwh,feed_in_micro,"         \
    "net_micro"

/* ------------------------------------------------------------- tariffs */

typedef enum {
    WT_TARIFF_FLAT = 0,
    WT_TARIFF_TIME_OF_USE = 1,
    WT_TARIFF_TIERED = 2,
} wt_tariff_kind;

#define WT_TARIFF_TIERS_MAX 8

typedef struct {
    wt_tariff_kind kind;
    int64_t flat_micro_per_kwh; /* FLAT */
    /* TIME_OF_USE: the price of the hour of the local day in which the
     * interval starts; local time = UTC + utc_offset_ms (KST: +9 h). */
    int64_t hour_micro_per_kwh[24];
    int64_t utc_offset_ms;
    /* TIERED: tier i applies to the month's consumption in
     * [up_to_mwh[i-1], up_to_mwh[i]); the last tier has no upper bound
     * (its up_to_mwh is ignored). up_to_mwh strictly ascending. */
    uint8_t tiers_count; /* 1 .. WT_TARIFF_TIERS_MAX */
    int64_t tier_up_to_mwh[WT_TARIFF_TIERS_MAX];
    int64_t tier_micro_per_kwh[WT_TARIFF_TIERS_MAX];
} wt_tariff;

/* The chain's tariff for residual import (retail) or export (feed-in) —
 * flat, time of use, or tiered (retail) — exactly as the settlement prices
 * it; params must be valid (asserted). The simulator's no-market baseline
 * bills with it. */
void wt_tariff_from_chain(wt_tariff *tariff, const wt_chain_params *params, bool retail);
/* A flat tariff. */
void wt_tariff_flat(wt_tariff *tariff, int64_t price_micro_per_kwh);
/* WT_ERR_INVALID_ARGUMENT for an unknown kind, a bad tier table or an offset
 * of a day or more; WT_ERR_BAD_PRICE for a negative price. */
wt_err wt_tariff_validate(const wt_tariff *tariff);
/*
 * The money for energy_mwh of residual energy in the interval that starts at
 * start_ms, for an account that has already used month_used_mwh this month
 * (TIERED only; others ignore it). One number per call, each piece (hour
 * price, or tier) through wt_amount_micro and summed: a tiered amount is the
 * sum of its tiers' amounts. WT_ERR_OVERFLOW when it does not fit.
 */
wt_err wt_tariff_amount(int64_t *amount_micro, const wt_tariff *tariff, int64_t start_ms,
                        int64_t month_used_mwh, int64_t energy_mwh);

/* ----------------------------------------------------------- settlement */

/* One row of the settlement export (DESIGN.md's columns), plus the overdraft
 * policy's columns, which the CSV writer adds only on request. */
typedef struct {
    uint64_t interval;
    uint8_t account[32];
    uint16_t zone;
    int64_t import_mwh, export_mwh;
    int64_t bought_p2p_mwh, sold_p2p_mwh;
    int64_t paid_p2p_micro, received_p2p_micro, grid_fee_micro;
    int64_t retail_mwh, retail_micro;
    int64_t feed_in_mwh, feed_in_micro;
    int64_t net_micro;
    /* overdraft policy (see the top comment) */
    int64_t bid_cut_mwh;          /* standing bid energy cut for lack of funds */
    int64_t retail_unpaid_micro;  /* retail owed but not paid: a debt to the utility */
    int64_t feed_in_unpaid_micro; /* feed-in the utility could not pay */
} wt_settle_row;

typedef struct {
    uint64_t interval;
    uint8_t inputs_hash[32];
    wt_settle_leg *legs; /* owned; the SETTLE's legs in order */
    uint32_t legs_count;
    wt_settle_row *rows; /* owned; sorted by account, then zone */
    size_t rows_count;
    wt_zone_result *zones; /* owned; per chain zone, the matcher's result */
    size_t zones_count;
    /* the book */
    size_t explicit_orders, metered_orders, readings;
    /* totals of the clearing and of the residual */
    int64_t price_micro_per_kwh; /* volume-weighted average P2P price, truncated */
    int64_t volume_mwh, amount_micro, fee_micro;
    int64_t retail_mwh, retail_micro, feed_in_mwh, feed_in_micro;
    int64_t unpaid_micro; /* retail + feed-in owed but not paid */
} wt_settlement;

/*
 * Compute the settlement of interval n from state (the state just before
 * the SETTLE). On success *out is a new settlement the caller frees with
 * wt_settlement_free; on failure *out is NULL. Errors: no_memory; overflow
 * (readings or amounts beyond int64; a sane chain never gets there); the
 * matcher's errors for a book it refuses (asserted impossible for what the
 * ledger admits, but reported rather than trusted).
 */
wt_err wt_settle_compute(wt_settlement **out, const wt_state *state, uint64_t interval);
void wt_settlement_free(wt_settlement *settlement); /* NULL is allowed */

/*
 * A SETTLE transaction ready to sign: sender = the chain's operator (current
 * key), nonce = the operator's nonce in state + 1, the given expiry, and the
 * settlement's interval, inputs_hash and legs. Ownership: tx->body.settle.legs
 * points into settlement, which must outlive tx. WT_ERR_CAPACITY when the
 * legs exceed WT_SETTLE_LEGS_MAX.
 */
wt_err wt_settle_build_tx(wt_tx *tx, const wt_state *state, const wt_settlement *settlement,
                          int64_t expiry_ms);

/*
 * Recompute the settlement of settle_tx's interval from state_before (the
 * state just before it) and compare it with settle_tx byte for byte:
 * inputs_hash, leg count, every leg. WT_OK when equal; WT_ERR_SETTLE_MISMATCH
 * with *field ("inputs_hash", "legs.count", "legs") and *leg_index (the
 * first differing leg, or SIZE_MAX) when not; WT_ERR_INVALID_ARGUMENT when
 * settle_tx is not a SETTLE; wt_settle_compute's errors otherwise. field,
 * leg_index and computed may be NULL; with computed, a settlement that
 * verified is handed over there (the caller frees it), else *computed is NULL.
 */
wt_err wt_settle_verify(const char **field, size_t *leg_index, wt_settlement **computed,
                        const wt_state *state_before, const wt_tx *settle_tx);

/*
 * The rows as CSV into out (out_cap bytes, NUL-terminated when it fits):
 * DESIGN.md's header line (when header), then one line per row; accounts as
 * bech32m addresses, zones by name (params gives the names). With
 * with_policy, three more columns: bid_cut_mwh, retail_unpaid_micro,
 * feed_in_unpaid_micro. Returns the length the whole text needs (without
 * the NUL), as snprintf does: call with out_cap 0 to size a buffer.
 */
size_t wt_settle_rows_csv(char *out, size_t out_cap, const wt_chain_params *params,
                          const wt_settle_row *rows, size_t rows_count, bool header,
                          bool with_policy);

#endif /* WATTLE_ENGINE_SETTLE_H */
