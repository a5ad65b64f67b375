/*
 * wallet.h — everything signed in wattle goes through this room: keys and key
 * files, bech32m addresses, BIP340 tagged hashes, BIP340 Schnorr signatures
 * (libsecp256k1's schnorrsig and extrakeys modules), the canonical binary
 * transaction codec, and the chain parameters' codec (genesis.bin). The
 * transaction byte layouts are specified in wallet/FORMAT.md.
 *
 * Conventions (those of common.h):
 *  - Argument order: context first, then outputs, then in/outs, then inputs;
 *    a length right after its buffer.
 *  - Functions that can fail return wt_err and zero their outputs before the
 *    first check, so a failure never leaves half-written results. Bad input
 *    data gets an error code; a broken contract (NULL where the contract says
 *    never, an impossible enum value) is a WT_ASSERT, on in release builds.
 *  - Pure functions over caller memory, no allocation, except where marked:
 *    wt_ctx_create allocates; randomness (getrandom), key files and the
 *    passphrase prompt are the I/O edge of this room.
 *  - An account IS its 32-byte x-only public key (uint8_t[32]).
 *  - Thread safety: a wt_ctx is read-only after wt_ctx_create, so any number
 *    of threads may sign and verify with one context at the same time.
 *  - Secrets (wt_seckey, passphrases) are wiped by wt_seckey_wipe / wt_wipe,
 *    never logged, never printed, never put on a command line.
 *
 * May use: common, libsecp256k1, libsodium.
 */
#ifndef WATTLE_WALLET_H
#define WATTLE_WALLET_H

#include "common.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ------------------------------------------------------------- context */

/* The signing/verifying context: one randomised libsecp256k1 context
 * (blinding seeded from getrandom), created once and shared. */
typedef struct wt_ctx wt_ctx;

/* Allocates. WT_ERR_NO_MEMORY, or WT_ERR_IO when getrandom fails. */
wt_err wt_ctx_create(wt_ctx **ctx);
/* NULL is allowed. */
void wt_ctx_destroy(wt_ctx *ctx);

/* --------------------------------------------------------- randomness */

/* out_len bytes from getrandom(2) (blocking until the kernel pool is
 * seeded; never a weaker source). WT_ERR_IO on failure, out zeroed. */
wt_err wt_random_bytes(uint8_t *out, size_t out_len);
/* Wipe memory that held a secret; the compiler cannot drop it. */
void wt_wipe(void *buf, size_t buf_len);

/* --------------------------------------------------------------- keys */

#define WT_PUBKEY_BYTES    32
#define WT_SECKEY_BYTES    32
#define WT_SIGNATURE_BYTES 64
#define WT_HASH_BYTES      32

/* A 32-byte BIP340 x-only public key: an account. */
typedef uint8_t wt_pubkey[WT_PUBKEY_BYTES];

/*
 * A secret key, with its public key and libsecp256k1's expanded key pair
 * cached so that signing costs one signature, not a key derivation too.
 * Only wt_seckey_* functions fill it. Wipe it with wt_seckey_wipe when done.
 */
typedef struct {
    uint8_t secret[WT_SECKEY_BYTES]; /* the secret scalar, big-endian */
    uint8_t pubkey[WT_PUBKEY_BYTES]; /* its x-only public key */
    uint8_t keypair_[96];            /* private: secp256k1_keypair */
} wt_seckey;

/* A fresh key from getrandom(). WT_ERR_IO if randomness fails. */
wt_err wt_seckey_generate(const wt_ctx *ctx, wt_seckey *key);
/* The key with secret scalar secret32. WT_ERR_BAD_KEY when secret32 is 0 or
 * not below the curve order. */
wt_err wt_seckey_from_bytes(const wt_ctx *ctx, wt_seckey *key, const uint8_t secret32[32]);
void wt_seckey_wipe(wt_seckey *key);

/* true when pubkey32 is the x coordinate of a curve point (a key someone can
 * sign for). Decoding an address or hex never checks this; the ledger may. */
bool wt_pubkey_is_valid(const wt_ctx *ctx, const uint8_t pubkey32[32]);

/* ---------------------------------------------------------- addresses */

/*
 * Address text: bech32m (BIP350) with human-readable part "uc" over the 32
 * key bytes (8-to-5 bit regrouping, zero padding): always 61 characters,
 * "uc1" + 52 data characters + 6 checksum characters, lower case.
 */
#define WT_ADDRESS_HRP      "uc"
#define WT_ADDRESS_CHARS    61
#define WT_BECH32_CHARS_MAX 90 /* BIP173's limit on a whole string */

/* out receives WT_ADDRESS_CHARS characters and a NUL. */
void wt_address_encode(char out[WT_ADDRESS_CHARS + 1], const uint8_t pubkey32[32]);
/* Decode an address (either all lower or all upper case). Errors:
 * WT_ERR_BECH32_MIXED_CASE, _CHAR (a character outside the charset or
 * outside 33..126), _HRP (no '1' separator, an empty part or a part other
 * than "uc"), _LENGTH (not 32 bytes, more than 90 characters, fewer than 6
 * checksum characters), _CHECKSUM, _VARIANT (a valid bech32, not bech32m,
 * checksum), _PADDING (non-zero padding bits). */
wt_err wt_address_decode(uint8_t pubkey32[32], const char *text);
/* A key as users type it: 64 hex characters of either case, or an address.
 * Text of 64 characters is read as hex (WT_ERR_BAD_HEX); other all-hex text
 * is WT_ERR_BAD_LENGTH; anything else is decoded as an address (its errors
 * above). */
wt_err wt_pubkey_parse_text(uint8_t pubkey32[32], const char *text);

/*
 * Generic bech32m (any human-readable part), for the BIP350 test vectors
 * and other wattle texts. data5 holds 5-bit values (0..31).
 * Encode: WT_ERR_BECH32_HRP (empty, > 83 characters, or a character outside
 * 33..126 or upper case), WT_ERR_BECH32_LENGTH (more than 90 characters in
 * all), WT_ERR_BUFFER_TOO_SMALL (out_cap < length + 1).
 */
wt_err wt_bech32m_encode(char *out, size_t out_cap, const char *hrp, const uint8_t *data5,
                         size_t data5_len);
/* Decode: hrp receives the human-readable part in lower case (hrp_cap >= 84
 * always suffices), data5 the data values without the checksum. */
wt_err wt_bech32m_decode(char *hrp, size_t hrp_cap, uint8_t *data5, size_t *data5_len,
                         size_t data5_cap, const char *text);

/* ------------------------------------------------------ tagged hashes */

/*
 * BIP340 tagged hash: SHA256(SHA256(tag) || SHA256(tag) || data). wattle's
 * tags are "wattle/tx", "wattle/block", "wattle/merkle-leaf", ...; a hash
 * (and so a signature) made for one purpose can never pass for another.
 */
void wt_tagged_hash(uint8_t out[32], const char *tag, const uint8_t *data, size_t data_len);

/* The incremental form. A wt_tagged_hasher is a plain value: initialise one
 * per tag once and copy it to reuse the tag's midstate (saves two SHA-256
 * compressions per hash). */
typedef struct {
    union {
        uint64_t align_;
        uint8_t bytes_[128]; /* private: the SHA-256 state (sha256.h) */
    } u_;
} wt_tagged_hasher;

void wt_tagged_hash_init(wt_tagged_hasher *h, const char *tag);
void wt_tagged_hash_update(wt_tagged_hasher *h, const uint8_t *data, size_t data_len);
/* Writes the digest; h must be initialised again before reuse. */
void wt_tagged_hash_final(uint8_t out[32], wt_tagged_hasher *h);

/* Plain SHA-256 (for tests and interop). */
void wt_sha256(uint8_t out[32], const uint8_t *data, size_t data_len);

/* ---------------------------------------------------------- signatures */

/* BIP340 signature over msg (any length, as BIP340 allows), with 32 fresh
 * bytes of auxiliary randomness from getrandom. WT_ERR_IO if randomness
 * fails (sig64 zeroed). */
wt_err wt_sign(const wt_ctx *ctx, uint8_t sig64[64], const uint8_t *msg, size_t msg_len,
               const wt_seckey *key);
/* The same with the caller's auxiliary randomness (the BIP340 test vectors;
 * deterministic). Never pass constant aux32 in production. */
wt_err wt_sign_aux(const wt_ctx *ctx, uint8_t sig64[64], const uint8_t *msg, size_t msg_len,
                   const wt_seckey *key, const uint8_t aux32[32]);
/* true when sig64 is a valid BIP340 signature of msg by pubkey32. A pubkey
 * that is not on the curve gives false, as BIP340 says. */
bool wt_verify(const wt_ctx *ctx, const uint8_t sig64[64], const uint8_t *msg, size_t msg_len,
               const uint8_t pubkey32[32]);

/* ------------------------------------------------------------ key files */

/*
 * Key files (text, format in wallet/FORMAT.md) hold the secret key, in the
 * clear or sealed with a passphrase (Argon2id + XChaCha20-Poly1305, from
 * libsodium), beside the public key in the clear. They are created with mode
 * 0600, written atomically (temporary file, fsync, rename without replace)
 * and never overwrite an existing file. A key file that group or others may
 * access is refused with WT_ERR_KEY_FILE_PERMISSIONS (fix: chmod 600 FILE).
 */
#define WT_PASSPHRASE_BYTES_MAX 1024

/* Write a new key file. passphrase NULL writes the secret in the clear.
 * WT_ERR_FILE_EXISTS when path exists; WT_ERR_IO on a system error (errno
 * is kept). */
wt_err wt_keyfile_save(const wt_ctx *ctx, const char *path, const wt_seckey *key,
                       const char *passphrase, size_t passphrase_len);
/* The public part, no passphrase needed: the key and whether the secret is
 * sealed. WT_ERR_IO (errno kept), WT_ERR_KEY_FILE_PERMISSIONS,
 * WT_ERR_KEY_FILE_FORMAT. */
wt_err wt_keyfile_info(uint8_t pubkey32[32], bool *encrypted, const char *path);
/* The secret key. passphrase is used only when the file is sealed (NULL
 * then gives WT_ERR_BAD_PASSPHRASE). A secret that does not match the
 * stored public key gives WT_ERR_KEY_FILE_FORMAT. */
wt_err wt_keyfile_load(const wt_ctx *ctx, wt_seckey *key, const char *path, const char *passphrase,
                       size_t passphrase_len);
/* One line for people explaining a key file error err (with errnum, the
 * errno kept by the failed call, for WT_ERR_IO), naming path; for
 * WT_ERR_KEY_FILE_PERMISSIONS it gives the file's mode and the fix
 * ("chmod 600 PATH"). Always NUL-terminated, truncated to out_cap. */
void wt_keyfile_explain(char *out, size_t out_cap, const char *path, wt_err err, int errnum);
/*
 * The passphrase for a key file: $WATTLE_PASSPHRASE when set, else read
 * from /dev/tty with echo off after printing prompt (asked twice when
 * confirm, for a new key). buf is NUL-terminated, *len excludes the NUL.
 * WT_ERR_BAD_PASSPHRASE when empty, too long or the two entries differ;
 * WT_ERR_IO when there is no terminal. Wipe buf with wt_wipe afterwards.
 */
wt_err wt_passphrase_read(char *buf, size_t buf_cap, size_t *len, const char *prompt, bool confirm);

/* --------------------------------------------------------- transactions */

/*
 * The canonical binary transaction (wallet/FORMAT.md has every byte):
 *   version u8 (= 1) | type u8 | chain_id u32 | sender[32] | nonce u64 |
 *   expiry_ms i64 | body | signature[64]
 * Integers are fixed-width big-endian, so every value has one encoding.
 * txid = wt_tagged_hash("wattle/tx", every byte but the signature); the
 * signature is BIP340 by sender over the 32-byte txid.
 */
#define WT_TX_VERSION              1
#define WT_TX_TAG                  "wattle/tx"
#define WT_TX_HEADER_BYTES         54 /* version .. expiry_ms */
#define WT_TX_BYTES_MIN            (WT_TX_HEADER_BYTES + 9 + WT_SIGNATURE_BYTES) /* a BURN */
#define WT_MEMO_BYTES_MAX          64
#define WT_METER_ID_BYTES_MAX      32
#define WT_MERCHANT_NAME_BYTES_MAX 32
#define WT_READINGS_MAX            4096
#define WT_SETTLE_LEGS_MAX         1000000
#define WT_SETTLE_LEG_BYTES        83 /* from, to, kind, zone, energy, amount */
#define WT_READING_BYTES_MAX       (1 + WT_METER_ID_BYTES_MAX + 8 + 8 + 1)
/* The largest encoding: a SETTLE with WT_SETTLE_LEGS_MAX legs (~83 MB). */
#define WT_TX_BYTES_MAX                                                                            \
    ((size_t)WT_TX_HEADER_BYTES + 8 + 32 + 4 + (size_t)WT_SETTLE_LEGS_MAX * WT_SETTLE_LEG_BYTES +  \
     WT_SIGNATURE_BYTES)
_Static_assert(WT_MEMO_BYTES_MAX <= UINT8_MAX, "memo length fits u8");
_Static_assert(WT_METER_ID_BYTES_MAX <= UINT8_MAX, "meter id length fits u8");
_Static_assert(WT_MERCHANT_NAME_BYTES_MAX <= UINT8_MAX, "name length fits u8");
_Static_assert(WT_READINGS_MAX <= UINT16_MAX, "readings count fits u16");
_Static_assert(WT_SETTLE_LEGS_MAX <= UINT32_MAX, "legs count fits u32");

typedef enum {
    WT_TX_TRANSFER = 1,
    WT_TX_MINT = 2,
    WT_TX_BURN = 3,
    WT_TX_ORDER = 4,
    WT_TX_STANDING = 5,
    WT_TX_CANCEL = 6,
    WT_TX_REGISTER = 7,
    WT_TX_READINGS = 8,
    WT_TX_SETTLE = 9,
} wt_tx_type;

/* "transfer", "mint", …; NULL for a value that is not a type. */
const char *wt_tx_type_name(int type);

/* TRANSFER's optional reference. */
typedef enum {
    WT_TX_REF_NONE = 0,
    WT_TX_REF_REFUND_OF = 1,       /* ref = the txid of the payment refunded */
    WT_TX_REF_PAYMENT_REQUEST = 2, /* ref = the payment request id paid */
} wt_tx_ref_kind;

typedef enum { WT_TX_SIDE_BUY = 1, WT_TX_SIDE_SELL = 2 } wt_tx_side;

/* STANDING flags. */
#define WT_STANDING_HAS_SELL_MIN 0x01u
#define WT_STANDING_HAS_BUY_MAX  0x02u

typedef enum {
    WT_TX_REGISTER_METER = 1,
    WT_TX_REGISTER_GATEWAY = 2,
    WT_TX_REGISTER_MERCHANT = 3,
    WT_TX_REGISTER_ROLE = 4,
} wt_tx_register_kind;

typedef enum { WT_TX_ROLE_ISSUER = 1, WT_TX_ROLE_UTILITY = 2, WT_TX_ROLE_OPERATOR = 3 } wt_tx_role;

/* READINGS entry flags. */
#define WT_READING_ESTIMATED 0x01u

typedef enum {
    WT_LEG_P2P = 1,
    WT_LEG_GRID_FEE = 2,
    WT_LEG_RETAIL = 3,
    WT_LEG_FEED_IN = 4,
} wt_leg_kind;

/* Short texts are held inline (no pointers): len bytes, no NUL. */
typedef struct {
    uint8_t len; /* 0 .. WT_MEMO_BYTES_MAX; UTF-8 without control characters */
    uint8_t bytes[WT_MEMO_BYTES_MAX];
} wt_memo;

typedef struct {
    uint8_t len; /* 1 .. WT_METER_ID_BYTES_MAX; ASCII 0x21..0x7e (no spaces) */
    uint8_t bytes[WT_METER_ID_BYTES_MAX];
} wt_meter_id;

typedef struct {
    uint8_t len; /* 1 .. WT_MERCHANT_NAME_BYTES_MAX; UTF-8 without control characters */
    uint8_t bytes[WT_MERCHANT_NAME_BYTES_MAX];
} wt_merchant_name;

/* Set from a NUL-terminated C string, checking its rules. WT_ERR_TX_FIELD
 * when it breaks them (too long, bad UTF-8, a control character, ...). */
wt_err wt_memo_set(wt_memo *memo, const char *text);
wt_err wt_meter_id_set(wt_meter_id *id, const char *text);
wt_err wt_merchant_name_set(wt_merchant_name *name, const char *text);

typedef struct {
    uint8_t to[32];
    int64_t amount_micro; /* > 0 */
    wt_memo memo;
    uint8_t ref_kind; /* wt_tx_ref_kind */
    uint8_t ref[32];  /* all zero when ref_kind == WT_TX_REF_NONE */
} wt_tx_transfer;

typedef struct {
    uint8_t to[32];
    int64_t amount_micro; /* > 0 */
    wt_memo memo;
} wt_tx_mint;

typedef struct {
    int64_t amount_micro; /* > 0, from the issuer's own balance */
    wt_memo memo;
} wt_tx_burn;

typedef struct {
    uint16_t zone;
    uint8_t side;                /* wt_tx_side */
    uint64_t interval;           /* the delivery interval number */
    int64_t energy_mwh;          /* > 0 */
    int64_t price_micro_per_kwh; /* >= 0 */
} wt_tx_order;

typedef struct {
    uint16_t zone;
    uint8_t flags;                  /* WT_STANDING_*, at least one */
    int64_t sell_min_micro_per_kwh; /* >= 0; 0 when its flag is clear */
    int64_t buy_max_micro_per_kwh;  /* >= 0; 0 when its flag is clear */
} wt_tx_standing;

typedef struct {
    uint8_t order_txid[32];
} wt_tx_cancel;

typedef struct {
    uint8_t kind; /* wt_tx_register_kind; only that member of u is used */
    union {
        struct {
            wt_meter_id meter_id;
            uint8_t owner[32];
            uint16_t zone;
            uint8_t gateway[32];
        } meter;
        struct {
            uint8_t key[32];
            uint16_t zone;
        } gateway;
        struct {
            uint8_t key[32];
            wt_merchant_name name;
        } merchant;
        struct {
            uint8_t role; /* wt_tx_role */
            uint8_t key[32];
        } role;
    } u;
} wt_tx_register;

/* One meter's energy in one interval. */
typedef struct {
    wt_meter_id meter_id;
    int64_t import_mwh; /* >= 0 */
    int64_t export_mwh; /* >= 0 */
    uint8_t flags;      /* WT_READING_ESTIMATED */
} wt_reading;

/* One transfer produced by clearing an interval. */
typedef struct {
    uint8_t from[32];
    uint8_t to[32];
    uint8_t kind; /* wt_leg_kind */
    uint16_t zone;
    int64_t energy_mwh;   /* >= 0 */
    int64_t amount_micro; /* >= 0 */
} wt_settle_leg;

/*
 * READINGS and SETTLE carry arrays that are never copied into the wt_tx.
 * Exactly one of two sources is set:
 *  - to encode, point `entries`/`legs` at the caller's array of `count`
 *    structs (the caller keeps it alive while the tx is used);
 *  - wt_tx_decode sets `wire`/`wire_len` to the encoded array inside the
 *    decoded buffer (which must outlive the tx) and leaves entries/legs NULL.
 * Read them through wt_readings_next / wt_settle_leg_get, which handle both.
 */
typedef struct {
    uint64_t interval;
    uint16_t count;            /* 1 .. WT_READINGS_MAX */
    const wt_reading *entries; /* sorted strictly ascending by meter id bytes */
    const uint8_t *wire;
    size_t wire_len;
} wt_tx_readings;

typedef struct {
    uint64_t interval;
    uint8_t inputs_hash[32]; /* hash of the signed inputs the legs were computed from */
    uint32_t count;          /* 0 .. WT_SETTLE_LEGS_MAX */
    const wt_settle_leg *legs;
    const uint8_t *wire;
    size_t wire_len;
} wt_tx_settle;

typedef struct {
    uint8_t version; /* WT_TX_VERSION */
    uint8_t type;    /* wt_tx_type */
    uint32_t chain_id;
    uint8_t sender[32];
    uint64_t nonce;    /* >= 1: the sender's previous nonce + 1 */
    int64_t expiry_ms; /* > 0 */
    union {
        wt_tx_transfer transfer;
        wt_tx_mint mint;
        wt_tx_burn burn;
        wt_tx_order order;
        wt_tx_standing standing;
        wt_tx_cancel cancel;
        wt_tx_register reg;
        wt_tx_readings readings;
        wt_tx_settle settle;
    } body;
    uint8_t signature[64];
} wt_tx;

/* A zeroed tx of `type` with version WT_TX_VERSION. */
void wt_tx_init(wt_tx *tx, wt_tx_type type);

/*
 * Check tx against every rule the decoder enforces. On failure *field (when
 * field is non-NULL) names the offending field, e.g. "amount_micro",
 * "memo", "readings.order"; static storage. Errors: WT_ERR_TX_VERSION,
 * WT_ERR_TX_TYPE, WT_ERR_TX_FIELD.
 */
wt_err wt_tx_check(const char **field, const wt_tx *tx);
/* The size of tx's encoding, signature included. tx must pass
 * wt_tx_check (asserted for the parts the size depends on). */
size_t wt_tx_encoded_len(const wt_tx *tx);
/* Encode tx into out (out_cap bytes); *out_len receives the byte count.
 * Checks tx first (errors as wt_tx_check); WT_ERR_BUFFER_TOO_SMALL when
 * out_cap < wt_tx_encoded_len(tx). */
wt_err wt_tx_encode(uint8_t *out, size_t out_cap, size_t *out_len, const char **field,
                    const wt_tx *tx);
/*
 * Decode data (data_len bytes), strictly: exactly one canonical encoding is
 * accepted. Errors: WT_ERR_TX_TRUNCATED (ends inside a field),
 * WT_ERR_TX_TRAILING_BYTES, WT_ERR_TX_VERSION, WT_ERR_TX_TYPE, WT_ERR_TX_FIELD
 * (out of range, not canonical, bad UTF-8, unsorted readings...); *field
 * names the field (static storage). The signature is NOT verified here.
 * Ownership: for READINGS and SETTLE, tx->body.*.wire points into data,
 * which must outlive tx. No allocation.
 */
wt_err wt_tx_decode(wt_tx *tx, const char **field, const uint8_t *data, size_t data_len);

/* txid of a tx struct (streams its encoding into the hash, no buffer).
 * Errors as wt_tx_check (txid zeroed). */
wt_err wt_tx_id(uint8_t txid[32], const char **field, const wt_tx *tx);
/* txid of an encoding that wt_tx_decode accepted: the tagged hash of all
 * but its last 64 bytes. data_len >= WT_TX_BYTES_MIN is asserted. */
void wt_tx_id_encoded(uint8_t txid[32], const uint8_t *data, size_t data_len);
/* Sign tx with key: checks tx, computes its txid (written to txid when
 * non-NULL) and sets tx->signature. WT_ERR_BAD_KEY when tx->sender is not
 * key's public key; errors of wt_tx_check; WT_ERR_IO if randomness fails. */
wt_err wt_tx_sign(const wt_ctx *ctx, uint8_t txid[32], wt_tx *tx, const wt_seckey *key);
/* Sign an encoding in place (its last 64 bytes), e.g. one built elsewhere.
 * data must be an encoding wt_tx_decode accepts (checked: its errors). */
wt_err wt_tx_sign_encoded(const wt_ctx *ctx, uint8_t *data, size_t data_len, const wt_seckey *key);
/* true when tx->signature is sender's BIP340 signature of txid (the txid of
 * this same tx, from wt_tx_id or wt_tx_id_encoded). */
bool wt_tx_verify(const wt_ctx *ctx, const wt_tx *tx, const uint8_t txid[32]);

/* Walk READINGS entries of either source: start with *pos = 0; each call
 * fills *entry and advances; false after the last. */
bool wt_readings_next(wt_reading *entry, size_t *pos, const wt_tx_readings *readings);
/* Leg i (< count) of a SETTLE of either source. */
void wt_settle_leg_get(wt_settle_leg *leg, const wt_tx_settle *settle, uint32_t i);

/*
 * Print tx as one JSON object (no newline) to out: "txid", "type",
 * "version", "chain_id", "sender" (address), "nonce", "expiry_ms", the body's
 * fields (keys as addresses, hashes as hex, amounts and energies as JSON
 * integers, texts as JSON strings), "signature" (hex) and, when
 * signature_valid is 0 or 1, "signature_valid": false/true (-1 leaves it
 * out). Returns WT_ERR_IO when writing fails.
 */
wt_err wt_tx_print_json(FILE *out, const wt_tx *tx, const uint8_t txid[32], int signature_valid);

/* ------------------------------------------------------- chain params */

/* A chain's parameters: the genesis block's payload (genesis.bin), with their
 * checks and their canonical bytes (wallet/chain.c, pure). Here, below every
 * program that reads a chain's genesis.bin; the ledger core (ledger.h)
 * provides them too. */

#define WT_CHAIN_ZONES_MAX     64
#define WT_ZONE_NAME_BYTES_MAX 32
#define WT_CHAIN_ZONE_NONE     UINT16_MAX /* the root zone's parent */
#define WT_CHAIN_TIERS_MAX     8          /* retail tiers of a tiered tariff */
_Static_assert(WT_CHAIN_ZONES_MAX < WT_CHAIN_ZONE_NONE, "zone indexes fit u16 with a sentinel");

typedef struct {
    char name[WT_ZONE_NAME_BYTES_MAX + 1]; /* "campus", "north", NUL-terminated */
    uint16_t parent;                       /* index of the parent zone, or WT_CHAIN_ZONE_NONE */
    int64_t fee_micro_per_kwh;             /* grid fee for trades cleared in this zone */
} wt_chain_zone;

typedef struct {
    uint32_t chain_id;
    int64_t genesis_time_ms;
    int64_t interval_ms; /* market interval, 1,000 .. 900,000 */
    uint8_t operator_key[32];
    uint8_t issuer_key[32];
    uint8_t utility_key[32];
    int64_t retail_micro_per_kwh;  /* the grid's price for residual import */
    int64_t feed_in_micro_per_kwh; /* the grid's price for residual export */
    int64_t price_ceiling_micro_per_kwh;
    uint16_t zones_count;
    wt_chain_zone
        zones[WT_CHAIN_ZONES_MAX]; /* zones[0] is the root; a parent precedes its children */
    /* Params version 2 (encoded only when a tariff is time of use; all zero
     * otherwise, and the flat prices above apply): a time-of-use tariff
     * prices an interval's residual energy at the price of the local hour
     * (UTC + tariff_utc_offset_ms) in which the interval starts. */
    uint8_t retail_tariff_kind;            /* WT_CHAIN_TARIFF_FLAT or WT_CHAIN_TARIFF_TIME_OF_USE */
    uint8_t feed_in_tariff_kind;           /* likewise */
    int64_t tariff_utc_offset_ms;          /* (-1 day, 1 day); KST is +32,400,000 */
    int64_t retail_hour_micro_per_kwh[24]; /* 0 .. ceiling; all 0 when flat */
    int64_t feed_in_hour_micro_per_kwh[24]; /* likewise */
    /* Progressive monthly tiers (retail only, kind WT_CHAIN_TARIFF_TIERED),
     * like KEPCO's residential tariff: tier i prices the month's retail
     * consumption in [up_to[i-1], up_to[i]) (the last tier unbounded, its
     * up_to 0); the month is the local calendar month of the interval's
     * start. All zero for other kinds. */
    uint8_t retail_tiers_count; /* 1 .. WT_CHAIN_TIERS_MAX */
    int64_t retail_tier_up_to_mwh[WT_CHAIN_TIERS_MAX];
    int64_t retail_tier_micro_per_kwh[WT_CHAIN_TIERS_MAX];
    /* Params version 3 (encoded only when market_custom is set): the market
     * rules the settlement clears with. Without it (all zero) a chain clears
     * pay-as-clear with k = 0.5 (WT_CHAIN_MARKET_K_PPM_DEFAULT), as every
     * version 1 and 2 chain does. With it, market_mechanism (0 pay-as-clear,
     * 1 pay-as-bid, the matcher's wt_mechanism values) and market_k_ppm
     * (pay-as-clear's k in millionths, 0 .. 1,000,000; 0 for pay-as-bid)
     * apply; the default rules themselves are not custom (one encoding per
     * value). Read them through wt_chain_market. */
    uint8_t market_custom; /* 0 or 1 */
    uint8_t market_mechanism;
    uint32_t market_k_ppm;
} wt_chain_params;

#define WT_CHAIN_MARKET_K_PPM_DEFAULT 500000u

/* The market rules in force: mechanism (wt_mechanism's values) and k_ppm. */
void wt_chain_market(const wt_chain_params *params, uint8_t *mechanism, uint32_t *k_ppm);
/* Set the rules, custom only when they are not the default. */
void wt_chain_market_set(wt_chain_params *params, uint8_t mechanism, uint32_t k_ppm);

#define WT_CHAIN_TARIFF_FLAT        0
#define WT_CHAIN_TARIFF_TIME_OF_USE 1
#define WT_CHAIN_TARIFF_TIERED      2 /* retail only */

/* The local calendar month (year * 12 + month - 1) in which interval n
 * starts, local time being UTC + params->tariff_utc_offset_ms. */
uint32_t wt_chain_month_of(const wt_chain_params *params, uint64_t interval);

/* Tariffs written as text (the simulator's scenario keys and `wattle chain
 * init`'s flags), prices in U-Coin per kWh with up to 6 decimals. False with
 * the reason in why (what was wrong, quoting it) otherwise.
 * "0-7:80,7-23:150,23-24:80": a price for every hour 0..23 of the day, once
 * (the hours of a time-of-use tariff; the kind is the caller's to set). */
bool wt_chain_tou_parse(int64_t hours[24], const char *text, char *why, size_t why_cap);
/* "200:120,400:215,*:307": up to N kWh of the month at P U/kWh, ascending,
 * the last tier unbounded ("*"); sets retail_tier_* and retail_tiers_count
 * (the kind is the caller's to set). */
bool wt_chain_tiers_parse(wt_chain_params *params, const char *text, char *why, size_t why_cap);

/* Check params for internal consistency (zone tree, ranges, distinct keys). */
wt_err wt_chain_params_validate(const wt_chain_params *params, const char **field);
/* Canonical binary form of params (the genesis block's payload); returns the
 * byte count, writing nothing when out is NULL. */
size_t wt_chain_params_encode(uint8_t *out, size_t out_cap, const wt_chain_params *params);
wt_err wt_chain_params_decode(wt_chain_params *params, const uint8_t *data, size_t data_len);
/* The zone index of `name`, or WT_CHAIN_ZONE_NONE. */
uint16_t wt_chain_zone_find(const wt_chain_params *params, const char *name);

#endif /* WATTLE_WALLET_H */
