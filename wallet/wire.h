/*
 * wire.h — the binary submission format of wattled's nng REQ/REP socket
 * (engine/daemon/README.md), as pure functions shared by the daemon (decode
 * requests, encode replies) and its clients — `wattle`, `wattle-meter`,
 * `wattle-pos` (encode requests, decode replies) — so it lives in the wallet
 * room, below all of them. No sockets, no allocation: the caller passes
 * the memory, decoders point into the message they were given.
 *
 *   request = "WTX1" | u32 count (1..WT_WIRE_TXS_MAX) |
 *             count x (u32 len | len bytes of one encoded transaction)
 *   reply   = "WTR1" | u32 count |
 *             count x (txid[32] | u8 status | u64 seq | u64 height |
 *                      u8 code_len | code | u8 field_len | field)
 *   error   = "WTE1" | u8 len | message      (the reply to a malformed request)
 * All integers big-endian. status: 0 committed, 1 duplicate (already in the
 * ledger, nothing applied), 2 rejected. code is a wt_errname ("ok" when
 * committed); field names the offending transaction field, or is empty.
 *
 * Conventions: those of common.h (outputs first, a length after its buffer,
 * outputs zeroed before the first check). Every decoder rejects a message
 * that is truncated, has trailing bytes or breaks a limit, with
 * WT_ERR_BAD_REQUEST; a count above WT_WIRE_TXS_MAX is WT_ERR_TOO_LARGE.
 * May use: common only.
 */
#ifndef WATTLE_WALLET_WIRE_H
#define WATTLE_WALLET_WIRE_H

#include "common.h"

#include <stddef.h>
#include <stdint.h>

#define WT_WIRE_REQUEST_MAGIC "WTX1"
#define WT_WIRE_REPLY_MAGIC   "WTR1"
#define WT_WIRE_ERROR_MAGIC   "WTE1"
#define WT_WIRE_MAGIC_BYTES   4
#define WT_WIRE_TXS_MAX       4096
#define WT_WIRE_TEXT_MAX      255 /* code, field and error message lengths fit a u8 */
/* Fixed bytes of one reply entry, without its two texts. */
#define WT_WIRE_RESULT_FIXED_BYTES (32 + 1 + 8 + 8 + 1 + 1)
_Static_assert(WT_WIRE_TEXT_MAX <= UINT8_MAX, "wire text length fits u8");
_Static_assert(WT_WIRE_TXS_MAX <= UINT32_MAX, "wire count fits u32");

typedef enum {
    WT_WIRE_COMMITTED = 0,
    WT_WIRE_DUPLICATE = 1,
    WT_WIRE_REJECTED = 2,
} wt_wire_status;

/* One transaction's fate. Texts are not NUL-terminated: len bytes at the
 * pointer (NULL allowed when len is 0). Decoded results point into the
 * reply message, which must outlive them. */
typedef struct {
    uint8_t txid[32];
    uint8_t status; /* wt_wire_status */
    uint64_t seq;
    uint64_t height;
    const char *code; /* wt_errname text, "ok" when committed */
    size_t code_len;  /* <= WT_WIRE_TEXT_MAX */
    const char *field;
    size_t field_len; /* <= WT_WIRE_TEXT_MAX */
} wt_wire_result;

/* Size of the request holding count transactions of lengths tx_lens[];
 * 0 when count is 0 or above WT_WIRE_TXS_MAX, or a length exceeds UINT32_MAX. */
size_t wt_wire_request_size(const size_t *tx_lens, size_t count);
/* Encode a request. Errors: WT_ERR_INVALID_ARGUMENT (count 0 or a length
 * above UINT32_MAX), WT_ERR_TOO_LARGE (count > WT_WIRE_TXS_MAX),
 * WT_ERR_BUFFER_TOO_SMALL. */
wt_err wt_wire_request_encode(uint8_t *out, size_t out_cap, size_t *out_len,
                              const uint8_t *const *txs, const size_t *tx_lens, size_t count);
/* Decode a request: txs[i]/tx_lens[i] point into msg (no copy). *count
 * receives the number of transactions; txs_cap must be at least the count
 * the message announces (WT_WIRE_TXS_MAX always suffices), else
 * WT_ERR_BUFFER_TOO_SMALL. A zero-length transaction is WT_ERR_BAD_REQUEST. */
wt_err wt_wire_request_decode(const uint8_t **txs, size_t *tx_lens, size_t txs_cap, size_t *count,
                              const uint8_t *msg, size_t msg_len);

/* How many transactions a request may hold, to size the arrays for
 * wt_wire_request_decode before decoding it: the count it announces, capped
 * at WT_WIRE_TXS_MAX and at what its length can hold (each transaction takes
 * at least 5 bytes); 0 when msg is too short to announce one. Decoding still
 * checks everything. */
size_t wt_wire_request_capacity(const uint8_t *msg, size_t msg_len);

/* Size of the reply holding results[0..count). */
size_t wt_wire_reply_size(const wt_wire_result *results, size_t count);
/* Encode a reply. WT_ERR_INVALID_ARGUMENT for a status that is not a
 * wt_wire_status or a text longer than WT_WIRE_TEXT_MAX; WT_ERR_TOO_LARGE,
 * WT_ERR_BUFFER_TOO_SMALL as for requests. */
wt_err wt_wire_reply_encode(uint8_t *out, size_t out_cap, size_t *out_len,
                            const wt_wire_result *results, size_t count);
/* Decode a reply into results (capacity results_cap, else
 * WT_ERR_BUFFER_TOO_SMALL); texts point into msg. An unknown status is
 * WT_ERR_BAD_REQUEST. */
wt_err wt_wire_reply_decode(wt_wire_result *results, size_t results_cap, size_t *count,
                            const uint8_t *msg, size_t msg_len);

/* Encode the error reply "WTE1" | len | message (message truncated to
 * WT_WIRE_TEXT_MAX bytes). out_cap must be >= 5 + the (truncated) length,
 * else WT_ERR_BUFFER_TOO_SMALL. */
wt_err wt_wire_error_encode(uint8_t *out, size_t out_cap, size_t *out_len, const char *message);
/* Decode an error reply: *message points into msg (*message_len bytes).
 * WT_ERR_BAD_REQUEST when msg is not one. */
wt_err wt_wire_error_decode(const char **message, size_t *message_len, const uint8_t *msg,
                            size_t msg_len);

#endif /* WATTLE_WALLET_WIRE_H */
