/*
 * inflight.h — how many transactions each sender has in flight in the node
 * (signature checked, not yet answered), with a ceiling per sender
 * (wt_node_opts.inflight_per_sender). Internal to the engine; thread-safe.
 *
 * The node counts a transaction only once its signature is good, so a
 * forger naming someone else's key cannot use up that key's slots. The
 * table holds only senders with something in flight — at most the number
 * of transactions in flight at once — under the engine's SipHash map.
 */
#ifndef WATTLE_INFLIGHT_H
#define WATTLE_INFLIGHT_H

#include "common.h"
#include "wallet.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct wt_inflight wt_inflight;

/* per_sender_max 0: counted, never refused. */
wt_err wt_inflight_create(wt_inflight **f, uint32_t per_sender_max);
void wt_inflight_destroy(wt_inflight *f); /* NULL is allowed */
/* For each i with want[i]: taken[i] is whether txs[i]'s sender got a slot
 * (false: it has per_sender_max in flight already, counting the earlier ones
 * of this same call). taken[i] is false where want[i] is false. */
wt_err wt_inflight_take(wt_inflight *f, bool *taken, const bool *want, const wt_tx *txs,
                        size_t count);
/* Give back the slots taken (the same arrays). */
void wt_inflight_give(wt_inflight *f, const bool *taken, const wt_tx *txs, size_t count);
/* The sender's transactions in flight now. */
uint32_t wt_inflight_of(wt_inflight *f, const uint8_t sender[32]);

#endif
