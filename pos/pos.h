/*
 * pos.h — what the point of sale promises (issue 8): payment request URIs
 * (a strict, pure parser and formatter) and their QR codes.
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
 * May use: common, wallet (and libqrencode for the QR codes).
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

#endif /* WATTLE_POS_H */
