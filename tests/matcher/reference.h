/*
 * reference.h — a deliberately naive second implementation of the rules in
 * matcher.h (qsort for priority, quadratic scans for the walk, an explicit
 * ancestor test for zones), used by the tests as an oracle: on small books
 * the matcher must produce exactly its trades. Plus a brute-force maximum
 * flow for the largest volume any matching could reach.
 */
#ifndef WATTLE_TEST_MATCHER_REFERENCE_H
#define WATTLE_TEST_MATCHER_REFERENCE_H

#include "matcher.h"

#define REF_ORDERS_MAX  8192 /* books the reference clears */
#define FLOW_ORDERS_MAX 48   /* books the max-flow oracle handles */
#define REF_ZONES_MAX   16

typedef struct {
    wt_trade trades[REF_ORDERS_MAX];
    size_t trades_count;
    int64_t unfilled_mwh[REF_ORDERS_MAX];
    int64_t zone_price[REF_ZONES_MAX];
} ref_result;

/* Clear orders[0..n) (n <= REF_ORDERS_MAX, at most REF_ZONES_MAX zones,
 * valid input) by the rules. */
void ref_clear(ref_result *out, const wt_market *market, const wt_order *orders, size_t n);

/* The largest total energy of any matching of orders[0..n) (one zone, no
 * fee, n <= FLOW_ORDERS_MAX) where a bid and an ask of different (or
 * unknown) owners may trade, by brute force: a max flow. uniform_price: only
 * matchings that one price fits (every matched bid >= p >= every matched
 * ask), trying each order's price as p ("the largest volume the crossing
 * curves allow"); otherwise any bid >= ask pairs (an upper bound). */
int64_t ref_max_volume(const wt_order *orders, size_t n, bool uniform_price);

#endif /* WATTLE_TEST_MATCHER_REFERENCE_H */
