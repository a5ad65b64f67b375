/*
 * pos.h — what the point of sale promises (issue 8): payment request URIs
 * (a strict, pure parser and formatter) and their QR codes, the merchant
 * report's calendar, the MDB cashless device and offline acceptance.
 *
 * The payment request URI (a second implementation needs only this text):
 *
 *   ucoin:<address>?amount=<U>&req=<request id>&exp=<unix ms>[&memo=<text>][&chain=<id>]
 *
 *  - scheme "ucoin" (compared without regard to case, RFC 3986), then ':'
 *    and the merchant's account as a bech32m address "uc1…" (61 characters,
 *    lower case; hex is NOT accepted here), then '?' and the parameters,
 *    separated by '&', each exactly "name=value". No fragment ('#').
 *  - amount (required): U-Coin as an exact decimal: digits, optionally '.'
 *    and 1..6 digits; no sign, no exponent, no separators, no leading zero
 *    before another digit ("0.5" yes, "00.5" and ".5" no); > 0 and at most
 *    INT64_MAX micro. The payment must be EXACTLY this amount.
 *  - req (required): the request id, 64 lower-case hex characters (32
 *    random bytes chosen by the merchant's terminal). A TRANSFER paying the
 *    request carries ref_kind payment_request and ref = these 32 bytes; the
 *    ledger accepts one payment per (merchant, request id).
 *  - exp (required): the expiry, Unix time in ms UTC, decimal digits without
 *    a leading zero, > 0. Whether it has passed is the caller's business
 *    (the parser is pure and has no clock).
 *  - memo (optional): percent-encoded UTF-8 (RFC 3986): the unreserved
 *    characters A-Z a-z 0-9 - . _ ~ stand for themselves, every other byte is
 *    %XX (either case when read, upper case when written; '+' is NOT a
 *    space). Decoded it must satisfy the transaction memo's rules: at most 64
 *    bytes of UTF-8 without control characters. Omitted when empty.
 *  - chain (optional): the chain id, a decimal uint32 without leading zeros.
 *    A wallet refuses a request for another chain.
 *  - Unknown parameters, a parameter given twice, a missing required one, an
 *    empty value, or a URI longer than WT_POS_URI_CHARS_MAX are refused.
 *  The formatter writes the parameters in the order above; the parser takes
 *  them in any order.
 *  Example:
 *    ucoin:uc1…?amount=1500&req=3f…e1&exp=1795500000000&memo=Caf%C3%A9%20latte&chain=4242
 *
 * Conventions (those of common.h): outputs first, inputs last; outputs zeroed
 * before the first check; bad input gets a precise wt_err (and, where given,
 * the name of the parameter to blame), never an assertion.
 * May use: common, wallet (and libqrencode and libpng for the QR codes).
 */
#ifndef WATTLE_POS_H
#define WATTLE_POS_H

#include "common.h"
#include "wallet.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define WT_POS_URI_SCHEME       "ucoin"
#define WT_POS_REQUEST_ID_BYTES 32
#define WT_POS_URI_CHARS_MAX    512 /* the longest URI accepted or written */
#define WT_POS_AMOUNT_DECIMALS  6

/* One payment request, as carried by a URI. */
typedef struct {
    uint8_t merchant[WT_PUBKEY_BYTES];
    int64_t amount_micro; /* > 0 */
    uint8_t request_id[WT_POS_REQUEST_ID_BYTES];
    int64_t expires_ms; /* > 0, Unix ms UTC */
    wt_memo memo;       /* len 0 when absent */
    bool has_chain_id;
    uint32_t chain_id;
} wt_pos_request;

/*
 * Parse text (text_len bytes, need not be NUL-terminated) strictly. On
 * failure *req is zeroed and *param (when param is non-NULL) names the part
 * to blame: "scheme", "address", "amount", "req", "exp", "memo", "chain", or
 * "uri" (static storage). Errors: WT_ERR_URI_MALFORMED (structure: scheme,
 * separators, empty or over-long, a '#'), WT_ERR_URI_UNKNOWN_PARAM,
 * WT_ERR_URI_DUPLICATE_PARAM, WT_ERR_URI_MISSING_PARAM, WT_ERR_URI_BAD_ENCODING
 * (a bad %XX or a character that must be escaped), WT_ERR_URI_BAD_VALUE (a
 * value breaking its rule above), or the address errors of wt_address_decode.
 */
wt_err wt_pos_uri_parse(wt_pos_request *req, const char **param, const char *text, size_t text_len);

/* Write req's URI, NUL-terminated, into out (out_cap bytes; at most
 * WT_POS_URI_CHARS_MAX + 1 are ever needed). WT_ERR_URI_BAD_VALUE when req
 * breaks a rule (amount or expiry <= 0, a memo the parser would refuse),
 * WT_ERR_BUFFER_TOO_SMALL; out is "" on failure. Parsing the output gives
 * req back. */
wt_err wt_pos_uri_format(char *out, size_t out_cap, const wt_pos_request *req);

/* A fresh request id from getrandom(). WT_ERR_IO on failure (zeroed). */
wt_err wt_pos_request_id_new(uint8_t id[WT_POS_REQUEST_ID_BYTES]);

/* ------------------------------------------------------------ QR codes */

/* The QR code of text (byte mode, error correction level M) for a
 * terminal: UTF-8 half blocks, two modules per character cell, with a
 * 4-module quiet zone. Light modules are drawn and dark ones left blank, so
 * it scans on the usual light-on-dark terminal. WT_ERR_INVALID_ARGUMENT when
 * text does not fit a QR code, WT_ERR_NO_MEMORY, WT_ERR_IO when writing
 * fails. */
wt_err wt_pos_qr_write_text(FILE *out, const char *text);
/* The same as a standalone SVG document (one path, 4-module quiet zone,
 * 8 user units per module). */
wt_err wt_pos_qr_write_svg(FILE *out, const char *text);
/* The same as a PNG image (libpng): 8-bit greyscale, black modules on
 * white, WT_POS_QR_PNG_PIXELS pixels a module, 4-module quiet zone. */
#define WT_POS_QR_PNG_PIXELS 8
wt_err wt_pos_qr_write_png(FILE *out, const char *text);

/* ----------------------------------------- merchant reports' calendar */

/*
 * `wattle-pos report --day YYYY-MM-DD [--utc-offset ±HH:MM]` sums one
 * calendar day at a fixed offset from UTC (default UTC itself): the day
 * runs from its local midnight, UTC midnight minus the offset, for exactly
 * 24 hours (a fixed offset has no daylight saving). A transaction belongs
 * to the day by the node's time of its commit.
 */
#define WT_POS_UTC_OFFSET_MAX_S                                                                    \
    WT_UTC_OFFSET_MAX_S      /* the offset: common.h's wt_utc_offset_parse                         \
                              */
#define WT_POS_TIME_CHARS 32 /* "2026-11-24T09:15:02.123+09:00:00" */
/* The day "YYYY-MM-DD" (a real Gregorian date, years 1970..9999) at
 * offset_s: [*start_ms, *end_ms) in Unix ms. WT_ERR_INVALID_ARGUMENT
 * (zeroed) for another text or an offset beyond ±18:00. */
wt_err wt_pos_day_range(int64_t *start_ms, int64_t *end_ms, const char *day, int32_t offset_s);
/* t_ms as ISO 8601 local time at offset_s: "2026-11-24T09:15:02.123+09:00"
 * ("…Z" at offset 0, "+HH:MM:SS" when the offset has seconds). */
void wt_pos_time_format(char out[WT_POS_TIME_CHARS + 1], int64_t t_ms, int32_t offset_s);

/* ------------------------------------------- MDB cashless device (pure) */

/*
 * An MDB/ICP cashless device, level 1, as a pure state machine over 9-bit
 * words (bit 8 = the mode bit): no serial port, no clock of its own (the
 * caller passes now_ms). By default at the second cashless address, 0x60,
 * so it can sit beside a card reader at 0x10. Amounts on the bus are whole
 * U-Coin (scale factor 1, no decimals; at most 65,535 U); country code 1410
 * (KRW, ISO 4217 410).
 *
 * Framing, VMC → reader: the address byte (address | command) with the mode
 * bit set, the data bytes, then CHK = the sum of all previous bytes mod 256.
 * Reader → VMC: data bytes, and CHK with the mode bit set; or a lone ACK
 * (0x00 with the mode bit). The VMC answers a data response with ACK (0x00),
 * RET (0xAA: send it again) or NAK (0xFF: keep it for the next POLL). A frame
 * for another address is ignored; a frame with a bad checksum or of the
 * wrong length gets no answer (the VMC times out and repeats it).
 *
 * States: INACTIVE (after RESET) → DISABLED (after SETUP config) → ENABLED
 * (READER ENABLE) → SESSION_IDLE (the app began a session: BEGIN SESSION is
 * sent on the next POLL) → VEND (VEND REQUEST: the app must pay and then
 * call wt_mdb_vend_result; VEND APPROVED only after the engine committed
 * the payment) → SESSION_IDLE (VEND SUCCESS, or VEND FAILURE: the app
 * refunds) → ENABLED (SESSION COMPLETE → END SESSION).
 * Level-2/3 commands are answered as a level-1 reader must: EXPANSION
 * REQUEST ID → PERIPHERAL ID; REVALUE → REVALUE DENIED; others ACK.
 */
#define WT_MDB_ADDR_CASHLESS1  0x10
#define WT_MDB_ADDR_CASHLESS2  0x60
#define WT_MDB_MODE            0x100 /* the 9th bit */
#define WT_MDB_FRAME_WORDS_MAX 40
#define WT_MDB_ACK             0x00
#define WT_MDB_RET             0xAA
#define WT_MDB_NAK             0xFF

typedef enum {
    WT_MDB_INACTIVE = 0,
    WT_MDB_DISABLED,
    WT_MDB_ENABLED,
    WT_MDB_SESSION_IDLE,
    WT_MDB_VEND,
} wt_mdb_state;

/* What the application must do after a command (wt_mdb_handle's *event). */
typedef enum {
    WT_MDB_EV_NONE = 0,
    WT_MDB_EV_VEND_REQUEST, /* pay price_u for item, then wt_mdb_vend_result */
    WT_MDB_EV_VEND_CANCEL,  /* the VMC cancelled the pending vend */
    WT_MDB_EV_VEND_SUCCESS, /* the item dropped: the sale stands */
    WT_MDB_EV_VEND_FAILURE, /* it did not: refund the payment */
    WT_MDB_EV_SESSION_END,  /* END SESSION was sent */
    WT_MDB_EV_RESET,
} wt_mdb_event;

typedef struct {
    uint8_t address;        /* WT_MDB_ADDR_CASHLESS2 by default */
    uint8_t max_response_s; /* announced in SETUP; a vend unanswered this long is denied */
    wt_mdb_state state;
    uint8_t vmc_level; /* from SETUP config */
    uint16_t max_price_u, min_price_u;
    uint16_t vend_price_u, vend_item;
    int64_t vend_since_ms;
    /* the responses waiting for POLL, oldest first */
    uint8_t queue[4][32];
    uint8_t queue_len[4];
    uint8_t queue_count;
    /* the last data response sent, until the VMC ACKs it */
    uint16_t last[WT_MDB_FRAME_WORDS_MAX];
    size_t last_count;
} wt_mdb;

/* A reader at address (WT_MDB_ADDR_CASHLESS1 or _2), INACTIVE with JUST
 * RESET queued. */
void wt_mdb_init(wt_mdb *dev, uint8_t address);

/*
 * Handle one frame from the VMC (words[0..n), 9-bit words) at now_ms: write
 * the reader's answer to out (up to WT_MDB_FRAME_WORDS_MAX words; *out_count
 * 0 means no answer) and what the application must do to *event.
 * Errors (no answer, nothing changed): WT_ERR_MDB_CHECKSUM,
 * WT_ERR_MDB_FRAME (no mode bit on the first word, a word above 9 bits, the
 * wrong length for the command), WT_ERR_NOT_FOUND (another device's
 * address: not an error on the bus, just not ours).
 */
wt_err wt_mdb_handle(wt_mdb *dev, uint16_t *out, size_t *out_count, wt_mdb_event *event,
                     const uint16_t *words, size_t n, int64_t now_ms);

/* How many words at the start of words[0..n) form the VMC's next frame: a
 * lone word without the mode bit (the VMC's ACK/RET/NAK) is 1; a command to
 * this device is as long as that command is; any other frame runs to the
 * next word with the mode bit (the VMC sets it on address bytes only).
 * 0 when more words are needed to tell (the caller then waits for a pause
 * on the line). Lets a reader that fell behind split frames that arrived
 * back to back. */
size_t wt_mdb_frame_split(const wt_mdb *dev, const uint16_t *words, size_t n);

/* The customer presented a payment able to spend funds_u (ENABLED only):
 * BEGIN SESSION goes out on the next POLL. WT_ERR_INVALID_ARGUMENT in any
 * other state. */
wt_err wt_mdb_begin_session(wt_mdb *dev, uint16_t funds_u);
/* The customer cancelled (SESSION_IDLE only): SESSION CANCEL REQUEST. */
wt_err wt_mdb_cancel_session(wt_mdb *dev);
/* The payment for the pending vend: approved (VEND APPROVED with the
 * price) only after the engine committed it; denied otherwise. VEND only. */
wt_err wt_mdb_vend_result(wt_mdb *dev, bool approved);
/* The clock: a vend left unanswered for max_response_s - 1 s is denied, so
 * the VMC never times out on us. */
void wt_mdb_tick(wt_mdb *dev, int64_t now_ms);

/* The serial framing used by `wattle-pos vend` (and the tests' pty): each
 * 9-bit word travels as two bytes, the mode bit (0 or 1) then the data byte,
 * as MDB-to-USB/serial adapters do. Decode: WT_ERR_MDB_FRAME on a mode byte
 * other than 0 or 1, or an odd length. */
size_t wt_mdb_adapter_encode(uint8_t *out, size_t out_cap, const uint16_t *words, size_t n);
wt_err wt_mdb_adapter_decode(uint16_t *words, size_t words_cap, size_t *n, const uint8_t *bytes,
                             size_t bytes_len);

/* --------------------------------------------------- offline acceptance */

/*
 * When the engine cannot be reached, a vending machine may approve a signed
 * payment itself, queue it durably and submit it later. The risk is bounded
 * by two configured limits: the queued payments of one wallet never exceed
 * wallet_limit_micro, and all queued payments together never exceed
 * total_limit_micro. Each queued payment may turn out to be a double spend
 * (the wallet spent the money elsewhere first), so the worst-case loss of
 * one machine is total_limit_micro, and of one customer's fraud at it
 * wallet_limit_micro.
 */
typedef struct {
    uint8_t payer[WT_PUBKEY_BYTES];
    int64_t amount_micro;
} wt_pos_offline_entry;

/* WT_OK when a payment of amount_micro (> 0) by payer may be approved
 * offline beside the n queued entries; WT_ERR_CAPACITY when it would pass
 * either limit; WT_ERR_OVERFLOW; WT_ERR_INVALID_ARGUMENT for a non-positive
 * amount or a negative limit. */
wt_err wt_pos_offline_admit(const wt_pos_offline_entry *queued, size_t n,
                            const uint8_t payer[WT_PUBKEY_BYTES], int64_t amount_micro,
                            int64_t wallet_limit_micro, int64_t total_limit_micro);

#endif /* WATTLE_POS_H */
