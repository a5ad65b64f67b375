/*
 * matcher.h — the double auction that clears one interval's order book:
 * pay-as-clear (uniform k-double-auction price) or pay-as-bid, over a tree of
 * zones with grid fees, with self-trade prevention; plus the pure parser of
 * the orders CSV that `wattle market clear` reads.
 *
 * Promises:
 *  - Pure functions over caller memory: no I/O, no global state, no
 *    allocation. A clearing works inside one caller-provided arena whose size
 *    comes from wt_book_arena_size(orders_max, zones_max); the same arena
 *    serves any number of clearings of up to that many orders, one at a time
 *    (one arena per thread). Results point into the arena and stay valid until
 *    the arena is used again.
 *  - Deterministic: the same set of orders, in any array order, gives the
 *    same trades in the same order (byte for byte, once order indices are
 *    mapped back to ids).
 *  - Exact: integers only (k is a fixed-point number in millionths); every
 *    trade's money is wt_amount_micro(energy, price), computed once.
 *  - Untrusted input is validated in full before anything is computed and
 *    gets a precise wt_err; a contract broken by the caller (a NULL where one
 *    is not allowed) stops the program through WT_ASSERT.
 *  - Speed: no comparison sort. Each side is ordered by an LSD radix sort on
 *    (price, seq) keys, skipping digits that do not vary; only orders that
 *    tie on both fall back to comparing ids. Clearing is linear after that.
 *
 * Argument order (as everywhere in wattle): context (the arena) first, then
 * outputs, then inputs; a length right after its buffer.
 *
 * ---- The rules (DESIGN.md, "The market") ----
 *
 * Priority. Bids by price descending, asks by price ascending; at equal
 * price the smaller seq (earlier ledger position) first, then the smaller id
 * (memcmp of the 32 bytes).
 *
 * The walk. In each zone the bids are taken in priority order; each bid fills
 * from the asks in priority order, as long as bid price >= ask price. An
 * order may be split across several counterparties. Without owners this is
 * the classic crossing of the two curves and its volume is the largest the
 * curves allow.
 *
 * Self-trade prevention. When a bid and an ask have the same known owner
 * (owner != WT_OWNER_UNKNOWN) they never trade: the bid passes over that ask,
 * which stays first in line for the following bids. Volume then is the
 * greedy walk's, which can be less than the largest matching that avoids
 * self-trades (exact maximisation with owners is a flow problem and would
 * break priority); with no two orders of one owner on opposite sides it is
 * the maximum.
 *
 * Pay-as-clear (default). Every trade of a zone's auction is at one price
 *   p = ask_m + floor(k * (bid_m - ask_m)),   k = k_ppm / 1,000,000 in [0, 1]
 * with bid_m the last (lowest) matched bid and ask_m the highest matched ask.
 * With self-trade prevention a bid passing over an ask may meet a dearer
 * one; the walk then stops at the first bid below the highest ask already
 * matched, so that one price fits every matched order (bid_m >= ask_m).
 *
 * Pay-as-bid. Each trade is at the buyer's bid, as in Grid Singularity's
 * two-sided pay-as-bid market: the seller receives the buyer's effective bid
 * (bid minus the zone's grid fee, below), the buyer pays exactly its bid.
 *
 * Zones and grid fees. Zones form a tree (building < feeder < substation):
 * zones[0] is the root, and every other zone's parent has a smaller index
 * (parents first). An order sits in one zone. Clearing runs bottom-up, one
 * level at a time from the deepest: a zone's auction takes the orders placed
 * in it plus whatever stays unmatched in its subtree. Each zone has a grid
 * fee per kWh, charged on every trade that clears in that zone and paid by
 * the buyer to the utility, on top of the price the seller receives. So a
 * bid of P enters zone z's auction at P - fee(z) and an ask of A at A: a
 * trade at price p costs the buyer p + fee(z) <= P and pays the seller
 * p >= A. Fees are not summed along the path: the fee is that of the zone
 * where the trade clears, so configure fees rising toward the root to make
 * trading nearby cheaper than trading far. Because every bid in one auction
 * is shifted by the same fee, priority inside each auction is the global
 * priority, and the one sort serves every zone.
 *
 * Money. trade.amount_micro = wt_amount_micro(energy, price) goes from the
 * buyer to the seller; trade.fee_micro = wt_amount_micro(energy, fee) from the
 * buyer to the utility. Buyers pay exactly what sellers receive plus fees.
 *
 * The residual. After the root clears, each order's unfilled energy is
 * reported: a buy order's is supplied by the grid at the retail tariff, a sell
 * order's bought at the feed-in tariff (the engine prices these; the matcher
 * only reports them).
 *
 * Ids. An order id is 32 bytes compared with memcmp. The engine uses the
 * 32-byte txid. Text ids (the CSV) map into the same 32 bytes with
 * wt_order_id_from_text: a canonical decimal number up to 2^64-1 becomes 24
 * zero bytes and its 8-byte big-endian value (so numbers order numerically);
 * any other text of 1..32 printable characters is stored as its bytes padded
 * with zeros (its first byte is never zero, so text ids order after numbers,
 * among themselves lexicographically). wt_order_id_format gives the text back.
 */
#ifndef WATTLE_MATCHER_H
#define WATTLE_MATCHER_H

#include "common.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---------------------------------------------------------------- limits */

#define WT_ORDER_ID_BYTES 32
/* Text form of an id: up to 32 characters, or 64 hex digits for ids that are
 * neither numbers nor text (txids); plus the NUL. */
#define WT_ORDER_ID_TEXT_MAX 64
#define WT_OWNER_UNKNOWN     UINT32_C(0) /* self-trade prevention off for this order */
#define WT_ZONE_NONE         UINT32_MAX  /* the root's parent */

#define WT_BOOK_ORDERS_MAX         (UINT32_C(1) << 25) /* orders in one clearing */
#define WT_ZONES_MAX               (UINT32_C(1) << 20) /* zones in one tree */
#define WT_ZONE_DEPTH_MAX          16 /* levels below the root: clearing costs a pass each */
#define WT_ENERGY_MWH_MAX          INT64_C(100000000000)  /* 100 MWh in one order */
#define WT_PRICE_MICRO_PER_KWH_MAX INT64_C(1000000000000) /* highest ceiling: 1e6 U/kWh */
#define WT_K_PPM_ONE               UINT32_C(1000000)      /* k = 1 */
#define WT_K_PPM_DEFAULT           UINT32_C(500000)       /* k = 0.5 */
#define WT_ORDERS_CSV_FIELD_MAX    64                     /* characters in one CSV field */

/* Sums of energy over a whole book fit in int64 without checks; amounts of one
 * trade (energy * price / 1e6) fit with a wide margin. */
_Static_assert((int64_t)WT_BOOK_ORDERS_MAX <= INT64_MAX / WT_ENERGY_MWH_MAX,
               "a book's total energy fits int64");
_Static_assert(WT_ENERGY_MWH_MAX <= INT64_MAX / WT_PRICE_MICRO_PER_KWH_MAX * WT_MWH_PER_KWH,
               "one trade's amount fits int64");

/* ---------------------------------------------------------------- orders */

typedef struct {
    uint8_t bytes[WT_ORDER_ID_BYTES];
} wt_order_id;

typedef enum { WT_SIDE_BUY = 1, WT_SIDE_SELL = 2 } wt_side;

typedef struct {
    wt_order_id id;              /* unique in the book; last tie-break */
    uint64_t seq;                /* ledger position (engine) or row number (CSV) */
    int64_t energy_mwh;          /* > 0, <= WT_ENERGY_MWH_MAX */
    int64_t price_micro_per_kwh; /* limit: highest to pay / lowest to accept */
    uint32_t owner;              /* small integer per account; WT_OWNER_UNKNOWN = 0 */
    uint32_t zone;               /* index into the market's zones (0 without a tree) */
    uint8_t side;                /* wt_side */
} wt_order;

typedef struct {
    uint32_t parent;           /* WT_ZONE_NONE for zones[0], else < this zone's index */
    int64_t fee_micro_per_kwh; /* grid fee of trades clearing here, in [0, ceiling] */
} wt_zone;

typedef enum { WT_MECHANISM_PAY_AS_CLEAR = 0, WT_MECHANISM_PAY_AS_BID = 1 } wt_mechanism;

/* The rules of one market. The zones array is read during the call only. */
typedef struct {
    wt_mechanism mechanism;
    uint32_t k_ppm;                      /* pay-as-clear k in millionths, [0, 1e6] */
    int64_t price_ceiling_micro_per_kwh; /* [0, WT_PRICE_MICRO_PER_KWH_MAX] */
    const wt_zone *zones;                /* NULL with zones_count 0: one zone, no fee */
    size_t zones_count;
} wt_market;

/* Pay-as-clear, k = 0.5, the highest ceiling, one zone without fee. */
void wt_market_default(wt_market *market);

/* ---------------------------------------------------------------- results */

typedef struct {
    uint32_t buy;                /* index of the buy order in the input array */
    uint32_t sell;               /* index of the sell order */
    uint32_t zone;               /* zone whose auction made the trade */
    uint32_t reserved;           /* always 0: no padding, so trades compare and hash as bytes */
    int64_t energy_mwh;          /* > 0 */
    int64_t price_micro_per_kwh; /* what the seller receives per kWh */
    int64_t amount_micro;        /* wt_amount_micro(energy, price): buyer to seller */
    int64_t fee_micro;           /* wt_amount_micro(energy, zone fee): buyer to utility */
} wt_trade;

typedef struct {
    int64_t price_micro_per_kwh; /* pay-as-clear: the zone's one price; pay-as-bid: the
                                    volume-weighted average, truncated; 0 without trades */
    int64_t volume_mwh;
    int64_t amount_micro; /* sum of its trades' amounts */
    int64_t fee_micro;    /* sum of its trades' fees */
    size_t trades_count;
} wt_zone_result;

typedef struct {
    /* Point into the arena: valid until the arena is used again. */
    const wt_trade *trades;      /* by zone (deepest level first, then zone index),
                                    then buy priority, then sell priority */
    size_t trades_count;         /* <= orders_count */
    const int64_t *unfilled_mwh; /* per input order: energy left for retail / feed-in */
    const wt_zone_result *zones; /* per zone */
    size_t zones_count;
    /* Totals. */
    int64_t price_micro_per_kwh; /* volume-weighted average trade price, truncated
                                    (one zone under pay-as-clear: the clearing price) */
    int64_t volume_mwh;          /* energy traded peer to peer */
    int64_t amount_micro;        /* sum of trade amounts */
    int64_t fee_micro;           /* sum of trade fees */
    int64_t retail_mwh;          /* unmatched demand, supplied by the grid */
    int64_t feed_in_mwh;         /* unmatched supply, bought by the utility */
    /* On an error about one order: its index, and for duplicate_id the index of
     * the first order with that id; SIZE_MAX otherwise. */
    size_t error_index;
    size_t error_other_index;
} wt_clearing;

/* ---------------------------------------------------------------- clearing */

/* Bytes of arena that a clearing of up to orders_max orders over up to
 * zones_max zones needs (about 100 bytes per order). 0 when orders_max >
 * WT_BOOK_ORDERS_MAX or zones_max > WT_ZONES_MAX. */
size_t wt_book_arena_size(size_t orders_max, size_t zones_max);

/*
 * Clear one book. arena: at least wt_book_arena_size(orders_count,
 * market->zones_count) bytes, any alignment, contents irrelevant on entry and
 * owned by the result afterwards. out is zeroed first (error indices
 * SIZE_MAX). Errors, checked before any clearing:
 *   invalid_argument  mechanism unknown, or ceiling outside [0, max]
 *   bad_k             k_ppm > 1,000,000
 *   bad_zone_tree     zones[0] not a root, a parent not before its child,
 *                     a zone deeper than WT_ZONE_DEPTH_MAX,
 *                     zones_count > WT_ZONES_MAX, zones NULL with a count
 *   bad_fee           a zone fee outside [0, ceiling]
 *   capacity          orders_count > WT_BOOK_ORDERS_MAX
 *   overflow          the money the book could move (smaller side's energy
 *                     times the highest bid) does not fit int64
 *   buffer_too_small  the arena is too small
 *   bad_side, bad_energy, bad_price, unknown_zone, duplicate_id
 *                     about one order: out->error_index names it
 */
wt_err wt_book_clear(void *arena, size_t arena_len, wt_clearing *out, const wt_market *market,
                     const wt_order *orders, size_t orders_count);

/* ---------------------------------------------------------------- ids */

/* Map id text (not NUL-terminated) into 32 bytes as described above.
 * WT_ERR_BAD_LENGTH for empty or longer than 32 characters (numbers never
 * are), WT_ERR_BAD_CSV for a character outside printable ASCII or a comma or
 * double quote. */
wt_err wt_order_id_from_text(wt_order_id *id, const char *text, size_t text_len);
/* The text of an id: the number, the text, or 64 lower-case hex digits for
 * any other id. Returns the length written (without the NUL). */
size_t wt_order_id_format(char out[WT_ORDER_ID_TEXT_MAX + 1], const wt_order_id *id);

/* ---------------------------------------------------------------- CSV */

/*
 * The orders CSV of `wattle market clear` and its zones file, parsed from
 * memory into caller memory. Parsers are pure; they keep pointers into the
 * text they were given, which must outlive the result.
 *
 * Orders: a header line naming the columns, in any order: id, side,
 * energy_mwh, price_micro_per_kwh (required) and zone, owner, seq (optional);
 * then one order per line. Fields are unquoted, separated by commas,
 * surrounding spaces and tabs are ignored, lines end in LF or CRLF, blank
 * lines are skipped, a UTF-8 byte-order mark is skipped. side is buy or sell;
 * energy and price are whole numbers ('_' may group digits); seq is a whole
 * number up to 2^64-1 and defaults to the line number; owner is any text
 * (equal text, same owner; empty, unknown); zone names a zone of the zones
 * file, or, without one, any name: each distinct name becomes a zone under
 * one implicit root with no fee.
 *
 * Zones: header zone,parent,fee_micro_per_kwh; the first zone is the root
 * (empty parent), every parent must appear on an earlier line, at most
 * WT_ZONE_DEPTH_MAX levels below the root.
 */

typedef struct {
    wt_err err;        /* WT_OK or what went wrong */
    size_t line;       /* 1-based line, 0 when not about one line */
    size_t column;     /* 1-based column (field), 0 when about the whole line */
    char message[192]; /* "column 3 (energy_mwh): ..." — names the column and the value */
} wt_csv_error;

typedef struct {
    const char *name; /* points into the zones text (or the orders text for implicit zones) */
    size_t name_len;
} wt_zone_name;

typedef struct {
    wt_zone *zones; /* parsed tree, zones[0] the root */
    wt_zone_name *names;
    size_t zones_count;
} wt_zones_csv;

typedef struct {
    wt_order *orders;
    size_t orders_count;
    uint32_t *lines; /* 1-based source line of each order */
    wt_zone *zones;  /* the tree the orders refer to (copied or implicit) */
    wt_zone_name *zone_names;
    size_t zones_count;
    bool has_zone, has_owner, has_seq;
} wt_orders_csv;

/* Scratch bytes wt_orders_csv_parse needs for this text, given a zones file of
 * zones_count zones (0 without one). SIZE_MAX when it would not fit. */
size_t wt_orders_csv_scratch_size(const char *text, size_t text_len, size_t zones_count);
/* Scratch bytes wt_zones_csv_parse needs for this text. */
size_t wt_zones_csv_scratch_size(const char *text, size_t text_len);

/* Parse a zones file. Fees are checked against the ceiling. On failure out is
 * zeroed and err says where and why; err->err is also returned. */
wt_err wt_zones_csv_parse(void *scratch, size_t scratch_len, wt_zones_csv *out, wt_csv_error *err,
                          const char *text, size_t text_len, int64_t price_ceiling_micro_per_kwh);

/* Parse an orders CSV. zones: a parsed zones file, or NULL for implicit zones.
 * Prices are checked against the ceiling, ids for uniqueness, so a parsed book
 * passes wt_book_clear's validation. On failure out is zeroed and err says
 * where and why (err->err is also returned). */
wt_err wt_orders_csv_parse(void *scratch, size_t scratch_len, wt_orders_csv *out, wt_csv_error *err,
                           const char *text, size_t text_len, const wt_zones_csv *zones,
                           int64_t price_ceiling_micro_per_kwh);

#endif /* WATTLE_MATCHER_H */
