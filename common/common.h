/*
 * common.h — the conventions every wattle component shares: one error
 * enumeration, checked int64 arithmetic for money and energy, the amount
 * rule, an always-on assertion, UTC time, hex text and a small logger.
 *
 * Promises:
 *  - Pure functions except where marked (time, logging, the assertion
 *    handler); no allocation.
 *  - Argument order everywhere in wattle: context first, then outputs, then
 *    in/outs, then inputs; a length right after its buffer.
 *  - Functions that can fail return wt_err (WT_OK == 0) and zero their
 *    outputs before the first check, so a failure never leaves half-written
 *    results.
 *  - Money is int64 micro-U-Coin, energy int64 mWh, prices int64 micro-U-Coin
 *    per kWh, time int64 Unix ms UTC. Nothing here wraps: every overflow is
 *    reported as WT_ERR_OVERFLOW.
 *
 * This room uses libc only, so every other room (matcher included) may use it.
 */
#ifndef WATTLE_COMMON_H
#define WATTLE_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* ---------------------------------------------------------------- errors */

/*
 * The one error enumeration of the project. Each entry: enum constant, stable
 * snake_case name (appears in JSON, metrics and logs), human message.
 * Names are part of the public contract: never rename one, only add.
 * Components append in their own section.
 */
#define WT_ERRORS(X)                                                                               \
    X(WT_OK, "ok", "success")                                                                      \
    /* general */                                                                                  \
    X(WT_ERR_INVALID_ARGUMENT, "invalid_argument", "an argument is invalid")                       \
    X(WT_ERR_OVERFLOW, "overflow", "an amount or energy value is out of the int64 range")          \
    X(WT_ERR_NO_MEMORY, "no_memory", "out of memory")                                              \
    X(WT_ERR_IO, "io_error", "an input/output operation failed")                                   \
    X(WT_ERR_NOT_FOUND, "not_found", "the requested item does not exist")                          \
    X(WT_ERR_INTERNAL, "internal", "an internal error occurred")                                   \
    X(WT_ERR_BUFFER_TOO_SMALL, "buffer_too_small", "the output buffer is too small")               \
    X(WT_ERR_BAD_HEX, "bad_hex", "text is not valid hexadecimal")                                  \
    X(WT_ERR_BAD_LENGTH, "bad_length", "a value has the wrong length")                             \
    X(WT_ERR_BAD_NUMBER, "bad_number", "text is not a valid integer or decimal in range")          \
    X(WT_ERR_STORAGE_UNAVAILABLE, "storage_unavailable", "the ledger store cannot be written")     \
    /* wallet: keys, addresses, signatures, transaction codec */                                   \
    X(WT_ERR_BAD_KEY, "bad_key", "a key is not a valid secp256k1 key")                             \
    X(WT_ERR_BAD_SIGNATURE, "bad_signature", "the signature does not verify")                      \
    X(WT_ERR_KEY_FILE_PERMISSIONS, "key_file_permissions",                                         \
      "the key file is readable by group or others")                                               \
    X(WT_ERR_KEY_FILE_FORMAT, "key_file_format", "the key file is not a wattle key file")          \
    X(WT_ERR_BAD_PASSPHRASE, "bad_passphrase", "the passphrase does not open the key file")        \
    X(WT_ERR_BECH32_CHECKSUM, "bad_checksum", "the address checksum is wrong")                     \
    X(WT_ERR_BECH32_HRP, "wrong_hrp", "the address does not start with the expected part")         \
    X(WT_ERR_BECH32_LENGTH, "wrong_address_length", "the address has the wrong length")            \
    X(WT_ERR_BECH32_MIXED_CASE, "mixed_case", "the address mixes upper and lower case")            \
    X(WT_ERR_BECH32_CHAR, "bad_character", "the address contains a character outside bech32")      \
    X(WT_ERR_BECH32_PADDING, "bad_padding", "the address has non-zero padding bits")               \
    X(WT_ERR_BECH32_VARIANT, "not_bech32m", "the address uses bech32, not bech32m")                \
    X(WT_ERR_TX_TRUNCATED, "tx_truncated", "the transaction ends before a field is complete")      \
    X(WT_ERR_TX_TRAILING_BYTES, "tx_trailing_bytes", "the transaction has bytes after its end")    \
    X(WT_ERR_TX_VERSION, "tx_bad_version", "the transaction version is unknown")                   \
    X(WT_ERR_TX_TYPE, "tx_bad_type", "the transaction type is unknown")                            \
    X(WT_ERR_TX_FIELD, "tx_bad_field", "a transaction field is out of range or not canonical")     \
    X(WT_ERR_FILE_EXISTS, "file_exists", "the file already exists and is never overwritten")       \
    /* matcher */                                                                                  \
    X(WT_ERR_BAD_ENERGY, "bad_energy", "energy must be a positive number of mWh")                  \
    X(WT_ERR_BAD_PRICE, "bad_price", "price is outside [0, ceiling]")                              \
    X(WT_ERR_BAD_SIDE, "bad_side", "side must be buy or sell")                                     \
    X(WT_ERR_DUPLICATE_ID, "duplicate_id", "two orders share an id")                               \
    X(WT_ERR_BAD_K, "bad_k", "k must be in [0, 1]")                                                \
    X(WT_ERR_BAD_CSV, "bad_csv", "the CSV input is malformed")                                     \
    X(WT_ERR_BAD_ZONE_TREE, "bad_zone_tree", "the zone tree is malformed")                         \
    X(WT_ERR_BAD_FEE, "bad_fee", "a grid fee is outside [0, ceiling]")                             \
    /* ledger */                                                                                   \
    X(WT_ERR_BAD_NONCE, "bad_nonce", "the nonce is not the sender's previous nonce + 1")           \
    X(WT_ERR_EXPIRED, "expired", "the transaction has expired")                                    \
    X(WT_ERR_WRONG_CHAIN, "wrong_chain", "the transaction is for another chain")                   \
    X(WT_ERR_INSUFFICIENT_FUNDS, "insufficient_funds", "the balance does not cover the amount")    \
    X(WT_ERR_NOT_ISSUER, "not_issuer", "only the issuer may do this")                              \
    X(WT_ERR_NOT_OPERATOR, "not_operator", "only the operator may do this")                        \
    X(WT_ERR_NOT_GATEWAY, "not_gateway", "the sender is not the meter's registered gateway")       \
    X(WT_ERR_UNKNOWN_METER, "unknown_meter", "the meter is not registered")                        \
    X(WT_ERR_UNKNOWN_ZONE, "unknown_zone", "the zone does not exist")                              \
    X(WT_ERR_UNKNOWN_ACCOUNT, "unknown_account", "the account does not exist")                     \
    X(WT_ERR_ORDER_NOT_FOUND, "order_not_found", "no open order with that id")                     \
    X(WT_ERR_DUPLICATE_TX, "duplicate_tx", "the transaction is already in the ledger")             \
    X(WT_ERR_CAPACITY, "capacity", "a configured capacity limit was reached")                      \
    X(WT_ERR_NOT_OWNER, "not_owner", "the order belongs to another account")                       \
    X(WT_ERR_DUPLICATE_READING, "duplicate_reading", "the meter already reported that interval")   \
    X(WT_ERR_INTERVAL_CLOSED, "interval_closed", "that interval is already closed or settled")     \
    X(WT_ERR_UNKNOWN_PAYMENT, "unknown_payment", "no refundable payment with that txid")           \
    X(WT_ERR_REFUND_EXCEEDS_PAYMENT, "refund_exceeds_payment",                                     \
      "the refunds would exceed the original payment")                                             \
    X(WT_ERR_REQUEST_ALREADY_PAID, "request_already_paid", "that payment request is already paid") \
    /* engine and front ends */                                                                    \
    X(WT_ERR_BAD_REQUEST, "bad_request", "the request is malformed")                               \
    X(WT_ERR_TOO_LARGE, "too_large", "the request is larger than allowed")                         \
    X(WT_ERR_TIMEOUT, "timeout", "the operation timed out")                                        \
    X(WT_ERR_UNAVAILABLE, "unavailable", "the service is not reachable")                           \
    X(WT_ERR_NOT_A_STORE, "not_a_store", "the file is not a wattle ledger store")                  \
    X(WT_ERR_STORE_VERSION, "store_version", "the store's schema version cannot be used here")     \
    X(WT_ERR_STORE_CORRUPT, "store_corrupt", "the ledger store is damaged or holds a bad row")     \
    X(WT_ERR_BAD_SEQ, "bad_seq", "the sequence numbers do not continue the stored ledger")         \
    X(WT_ERR_BAD_HEIGHT, "bad_height", "the block height does not continue the stored chain")      \
    X(WT_ERR_METHOD_NOT_ALLOWED, "method_not_allowed", "the endpoint does not take that method")   \
    X(WT_ERR_SETTLE_MISMATCH, "settle_mismatch",                                                   \
      "the SETTLE differs from the recomputation of its interval")                                 \
    X(WT_ERR_FORBIDDEN, "forbidden", "that endpoint answers only loopback clients")                \
    X(WT_ERR_RATE_LIMITED, "rate_limited",                                                         \
      "the sender has too many transactions awaiting their answer; retry after those")             \
    /* point of sale */                                                                            \
    X(WT_ERR_URI_MALFORMED, "uri_malformed", "the payment request URI is malformed")               \
    X(WT_ERR_URI_UNKNOWN_PARAM, "uri_unknown_param",                                               \
      "the payment request has an unknown parameter")                                              \
    X(WT_ERR_URI_DUPLICATE_PARAM, "uri_duplicate_param",                                           \
      "a payment request parameter is given twice")                                                \
    X(WT_ERR_URI_MISSING_PARAM, "uri_missing_param",                                               \
      "the payment request lacks a required parameter")                                            \
    X(WT_ERR_URI_BAD_ENCODING, "uri_bad_encoding", "the payment request has bad percent-encoding") \
    X(WT_ERR_URI_BAD_VALUE, "uri_bad_value", "a payment request parameter has an invalid value")   \
    X(WT_ERR_REQUEST_EXPIRED, "request_expired", "the payment request has expired")                \
    X(WT_ERR_MDB_CHECKSUM, "mdb_checksum", "the MDB frame's checksum is wrong")                    \
    X(WT_ERR_MDB_FRAME, "mdb_frame", "the MDB frame is malformed")                                 \
    /* meter bridge */                                                                             \
    X(WT_ERR_CRC_MISMATCH, "crc_mismatch", "the telegram's CRC does not match its contents")       \
    X(WT_ERR_TELEGRAM_TRUNCATED, "telegram_truncated", "the telegram ends before it is complete")  \
    X(WT_ERR_TELEGRAM_TOO_LONG, "telegram_too_long", "the telegram is longer than allowed")        \
    X(WT_ERR_LINE_TOO_LONG, "line_too_long", "a telegram line is longer than allowed")             \
    X(WT_ERR_BAD_OBIS, "bad_obis", "an OBIS code is malformed")                                    \
    X(WT_ERR_BAD_TELEGRAM, "bad_telegram", "the telegram does not follow its format")              \
    X(WT_ERR_BAD_METER_VALUE, "bad_meter_value", "a meter value or its unit is malformed")         \
    X(WT_ERR_TOO_MANY_VALUES, "too_many_values", "the telegram has more values than allowed")      \
    X(WT_ERR_SML_BAD_ESCAPE, "sml_bad_escape", "an SML escape sequence is invalid")                \
    X(WT_ERR_BAD_SML, "bad_sml", "the SML message structure is invalid")                           \
    X(WT_ERR_BAD_JSON, "bad_json", "the message is not valid JSON")                                \
    X(WT_ERR_NO_METER_VALUES, "no_meter_values", "the message carries no meter values")            \
    X(WT_ERR_CRC_MISSING, "crc_missing", "the telegram lacks the CRC its version requires")        \
    X(WT_ERR_SUNSPEC_NO_MARKER, "sunspec_no_marker", "no SunSpec 'SunS' marker at the address")    \
    X(WT_ERR_BAD_SUNSPEC, "bad_sunspec", "the SunSpec model chain or a model is malformed")        \
    /* simulator */                                                                                \
    X(WT_ERR_SIM_BALANCE, "balance_broken",                                                        \
      "an energy or money balance of the simulation does not hold")                                \
    X(WT_ERR_CANCELLED, "cancelled", "the run was stopped before its end")

typedef enum {
#define WT_ERR_ENUM_(id, name, msg) id,
    WT_ERRORS(WT_ERR_ENUM_)
#undef WT_ERR_ENUM_
        WT_ERR_COUNT_
} wt_err;

/* Stable snake_case name of err, e.g. "insufficient_funds". Never NULL, static
 * storage; an out-of-range value gives "unknown_error". */
const char *wt_errname(wt_err err);
/* Human message for err. Never NULL, static storage. */
const char *wt_strerror(wt_err err);
/* The code whose name is `name`, or WT_ERR_COUNT_ when there is none. */
wt_err wt_err_from_name(const char *name);

/* ------------------------------------------------------------ assertions */

/*
 * WT_ASSERT(cond): an invariant or a contract on the caller. It stays on in
 * release builds. A failure calls the assertion handler, which by default logs
 * the place and aborts. Bad input data must never reach an assertion: it gets
 * an error code instead.
 */
typedef void (*wt_assert_fn)(const char *expr, const char *file, int line);
/* Replace the handler (tests route it to cmocka's mock_assert). NULL restores
 * the default. Returns the previous handler. Not thread-safe: set it once. */
wt_assert_fn wt_assert_set_handler(wt_assert_fn handler);
__attribute__((noreturn)) void wt_assert_fail(const char *expr, const char *file, int line);

#define WT_ASSERT(cond)                                                                            \
    do {                                                                                           \
        if (!(cond))                                                                               \
            wt_assert_fail(#cond, __FILE__, __LINE__);                                             \
    } while (0)
/* A place the code can never reach when the contracts hold (after a
 * switch over values validated earlier, say). */
#define WT_UNREACHABLE(why) wt_assert_fail(why, __FILE__, __LINE__)

/* --------------------------------------------------- checked arithmetic */

#define WT_MICRO_PER_UNIT INT64_C(1000000) /* micro-U-Coin per U-Coin */
#define WT_MWH_PER_KWH    INT64_C(1000000) /* mWh per kWh */

/* *out = a + b, or WT_ERR_OVERFLOW (and *out = 0). */
wt_err wt_add_i64(int64_t *out, int64_t a, int64_t b);
/* *out = a - b, or WT_ERR_OVERFLOW (and *out = 0). */
wt_err wt_sub_i64(int64_t *out, int64_t a, int64_t b);
/* *out = a * b, or WT_ERR_OVERFLOW (and *out = 0). */
wt_err wt_mul_i64(int64_t *out, int64_t a, int64_t b);
/* *out = (a * b) / d computed in 128 bits, truncated toward zero.
 * WT_ERR_INVALID_ARGUMENT when d == 0, WT_ERR_OVERFLOW when the quotient does
 * not fit in int64. */
wt_err wt_muldiv_i64(int64_t *out, int64_t a, int64_t b, int64_t d);

/*
 * The amount rule of DESIGN.md, the one place it is computed:
 *   amount_micro = energy_mwh * price_micro_per_kwh / 1,000,000
 * in 128 bits, truncated toward zero. Computed once per trade and moved as
 * that one number, so money is conserved exactly.
 */
wt_err wt_amount_micro(int64_t *amount_micro, int64_t energy_mwh, int64_t price_micro_per_kwh);

/*
 * Parse a decimal quantity with up to `scale_digits` fractional digits into
 * an integer scaled by 10^scale_digits, exactly, without floating point:
 * wt_decimal_parse(&v, "1250.5", 6) gives 1250500000. Accepts an optional
 * leading '-' when allow_negative, digits, at most one '.', and '_' or ','
 * as thousands separators between digits. WT_ERR_BAD_NUMBER for anything
 * else (empty, too many decimals, stray characters), WT_ERR_OVERFLOW when
 * out of range.
 */
wt_err wt_decimal_parse(int64_t *out, const char *text, unsigned scale_digits, bool allow_negative);
/* Format value / 10^scale_digits with trailing fractional zeros removed
 * ("1250.5", "-3", "0.000001"). Writes at most out_len bytes including the
 * NUL; WT_ERR_BUFFER_TOO_SMALL when it does not fit. */
wt_err wt_decimal_format(char *out, size_t out_len, int64_t value, unsigned scale_digits);

/* ------------------------------------------------------------------ hex */

/* Lower-case hex of data; out must hold 2 * data_len + 1 bytes. */
void wt_hex_encode(char *out, const uint8_t *data, size_t data_len);
/* Decode exactly out_len bytes from hex text of either case (no prefix, no
 * spaces). WT_ERR_BAD_LENGTH when strlen(text) != 2 * out_len, WT_ERR_BAD_HEX
 * on a non-hex character. */
wt_err wt_hex_decode(uint8_t *out, size_t out_len, const char *text);
/* Decode hex text of any even length into out (capacity out_cap); *out_len
 * receives the byte count. */
wt_err wt_hex_decode_any(uint8_t *out, size_t *out_len, size_t out_cap, const char *text);

/* ------------------------------------------------------------ big-endian */

/* Fixed-width big-endian integers, the byte order of every wattle wire
 * format (transactions, blocks, chain parameters). */
static inline void wt_put_be16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}
/* As single loads and stores (a byte loop was a few percent of a
 * simulated year: the compiler did not always see through it). */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define WT_BE32(v) __builtin_bswap32(v)
#define WT_BE64(v) __builtin_bswap64(v)
#else
#define WT_BE32(v) (v)
#define WT_BE64(v) (v)
#endif
static inline void wt_put_be32(uint8_t *p, uint32_t v)
{
    v = WT_BE32(v);
    memcpy(p, &v, 4);
}
static inline void wt_put_be64(uint8_t *p, uint64_t v)
{
    v = WT_BE64(v);
    memcpy(p, &v, 8);
}
static inline uint16_t wt_get_be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}
static inline uint32_t wt_get_be32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return WT_BE32(v);
}
static inline uint64_t wt_get_be64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return WT_BE64(v);
}

/* ---------------------------------------------------------- civil time */

/* A UTC date and time of the proleptic Gregorian calendar. */
typedef struct {
    int year, month, day;     /* month 1..12, day 1..31 */
    int hour, minute, second; /* 0..23, 0..59, 0..59 */
    int weekday;              /* 0 Monday .. 6 Sunday */
    int yday;                 /* day of the year, 0 = 1 January */
} wt_civil;

/* Unix ms of a UTC date and time (years 1970..9999); false, and *t_ms 0,
 * for a date or time that does not exist (30 February, hour 24, ...). */
bool wt_civil_to_ms(int64_t *t_ms, int year, int month, int day, int hour, int minute, int second);
/* The UTC date and time of t_ms (milliseconds dropped). */
void wt_civil_from_ms(wt_civil *civil, int64_t t_ms);

#define WT_UTC_OFFSET_MAX_S (18 * 3600) /* ±18:00, as ISO 8601 offsets in use */
/* A fixed offset from UTC: "+HH:MM", "-HH:MM", "+HH:MM:SS" (seconds, as
 * POSIX TZ offsets allow) or "Z", at most ±18:00, into seconds east of UTC.
 * WT_ERR_INVALID_ARGUMENT (and *offset_s 0) otherwise. */
wt_err wt_utc_offset_parse(int32_t *offset_s, const char *text);

/* ------------------------------------------------------- time (platform) */

/* Unix time in ms, UTC. Reads the real clock: not for the pure core. */
int64_t wt_now_ms(void);
/* Monotonic time in ns, for measuring durations. */
int64_t wt_monotonic_ns(void);
/* Write t_ms as "2026-11-24T07:59:10.123Z"; out must hold 25 bytes. */
void wt_time_format_utc(char out[25], int64_t t_ms);
/* For programs that settle an interval after another (the node, the
 * simulator, the benchmarks): keep freed memory in the heap instead of
 * handing blocks of a few hundred KiB back to the kernel and faulting them in
 * again next interval (glibc: fixed mmap and trim thresholds of 32 and
 * 256 MiB; that page traffic was over half of a simulated year). Call it
 * first in main. */
void wt_heap_keep(void);

/* ------------------------------------------------------------ INI lines */

/* Every INI file wattle reads goes through Debian's libinih, which reads a
 * line into INI_MAX_LINE (200) bytes with its '\n' and a NUL and splits a
 * longer one: the tail is read as a line of its own, so a long value was cut
 * short, or an error named a line the file does not have. The readers refuse
 * such lines first, by number. */
#define WT_INI_LINE_MAX 198
/* The 1-based number of the first line of text[0..len) longer than
 * WT_INI_LINE_MAX characters ('\r' counts, '\n' does not), or 0. Pure. */
int wt_ini_long_line(const char *text, size_t len);
/* The same for f from its current position to its end; f is then rewound
 * (for libinih's ini_parse_file). */
int wt_ini_file_long_line(FILE *f);

/* --------------------------------------------------------------- sorting */

/* A sort key and where it came from. */
typedef struct {
    uint64_t key;
    uint32_t src;
} wt_key_ref;

/* Stable sort of v[0..n) by key (LSD radix, 8-bit digits; digits where every
 * key agrees are skipped), using tmp[0..n) as scratch. Returns the buffer
 * holding the result: v or tmp. O(n) for any keys: no input is a worst case. */
wt_key_ref *wt_sort_key_refs(wt_key_ref *v, wt_key_ref *tmp, size_t n);

/* -------------------------------------------------------------- logging */

typedef enum { WT_LOG_DEBUG = 0, WT_LOG_INFO, WT_LOG_WARN, WT_LOG_ERROR, WT_LOG_OFF } wt_log_level;

/* Messages below `level` are dropped. Default WT_LOG_INFO. */
void wt_log_set_level(wt_log_level level);
wt_log_level wt_log_get_level(void);
/* "debug"/"info"/"warn"/"error"/"off" → level; false on an unknown name. */
bool wt_log_level_parse(wt_log_level *level, const char *name);
/* One line to stderr: "2026-11-24T07:59:10.123Z info  engine: message". */
void wt_log(wt_log_level level, const char *component, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif /* WATTLE_COMMON_H */
