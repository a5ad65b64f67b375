/*
 * store.h — the ledger's SQLite store (private to the engine room; engine.h
 * includes it). The store deals in bytes: raw transactions with their 32-byte
 * txids and sequence numbers, raw block headers with their hashes, the
 * derived account rows, and a small key/value table of chain metadata. It
 * never decodes a transaction; the ledger core does that.
 *
 * Durability. The file is an SQLite database in WAL mode with
 * synchronous=FULL: every commit appends its pages to the write-ahead log and
 * fsyncs the log before COMMIT returns. wt_store_append_batch and
 * wt_store_block_append return WT_OK only after that fsync, so a power cut or
 * a kill at any instant loses nothing that was acknowledged; it can lose only
 * a batch whose call had not yet returned, and that batch is then absent as a
 * whole (a commit is one SQLite transaction: all of it or none of it).
 * (synchronous=NORMAL would fsync only at checkpoints and could lose the last
 * acknowledged commits on a power cut, which is why it is not used.)
 * One honest caveat that every database shares: when the final fsync itself
 * fails, the call returns WT_ERR_STORAGE_UNAVAILABLE and this process does
 * not see the batch, yet the log record may already be on the disk, so a
 * later restart can find that batch present — whole, never in part. The
 * sequencer copes because a resubmitted transaction is then a duplicate and
 * gets its original result.
 *
 * Faults. When SQLite cannot write (disk full, I/O error, a read-only store or
 * file, a lock held past the busy timeout) the call returns
 * WT_ERR_STORAGE_UNAVAILABLE, the transaction is rolled back so nothing is
 * half-written, and the store works again once the cause is gone (no reopen
 * needed). The SQLite message is logged (component "store") and kept for
 * wt_store_last_error.
 *
 * Schema (PRAGMA user_version = WT_STORE_SCHEMA_VERSION, application_id =
 * WT_STORE_APPLICATION_ID; older files are migrated on a read-write open by
 * the migration list in store.c, all missing steps in one transaction with
 * the version bump, so a crash mid-migration leaves the old version):
 *   meta(key TEXT PRIMARY KEY, value BLOB)   chain params, genesis hash, ...
 *   blocks(height INTEGER PRIMARY KEY, hash BLOB, header BLOB)
 *   txs(seq INTEGER PRIMARY KEY, height, t_ms, txid_prefix, txid BLOB, raw BLOB)
 *       + index txs_by_seq(seq, txid_prefix)
 *   accounts(key BLOB PRIMARY KEY, balance_micro, holds_micro, nonce, roles)
 *       WITHOUT ROWID: the derived account state, upserted with each batch.
 * txs and blocks are append-only: triggers refuse UPDATE and DELETE, and this
 * API has no call that changes or removes a row. foreign_keys is off: rows
 * never change, and the seq/height order is checked here instead.
 *
 * Finding a txid. txid_prefix is the txid's first 8 bytes as a big-endian
 * integer. No B-tree is keyed by it: every index over random keys (a UNIQUE
 * index on the 32-byte txid: ~26,000 inserts/s here; even an integer index on
 * the prefix: 41,000/s at 100,000 rows falling to 10,000/s at 900,000, with a
 * 256 MiB page cache) makes each insert dirty a random page, so each commit
 * writes and checkpoints hundreds of pages and the store, not signature
 * checks, becomes the ledger's bottleneck. Instead the store keeps the
 * prefix -> seq map in memory (about 32 bytes per transaction), loads it from
 * the narrow txs_by_seq index (appended in order like the table, so it costs
 * an append) on a read-write open or a reader's first txid lookup, and keeps
 * it current on every append; a lookup compares the full 32-byte txid of
 * every row under the prefix, so prefix collisions are harmless. A store of
 * 1,000,000 transactions loads its map in about half a second here.
 * The page cache (cache_size) defaults to 64 MiB: recent rows and the
 * accounts stay in memory.
 *
 * Sequence and order, checked on every append (WT_ERR_BAD_SEQ /
 * WT_ERR_BAD_HEIGHT, nothing written): seq starts at 1 and each batch's seqs
 * continue the stored ones without a gap; a transaction's height never
 * decreases along seq and is above the last stored block (a sealed block
 * takes no more transactions); block heights start at 0 and continue without
 * a gap. A txid already stored gives WT_ERR_DUPLICATE_TX.
 *
 * Readers. A store opened with read_only (the auditor) reads while a daemon
 * writes: WAL gives each statement a consistent snapshot and neither side
 * blocks the other. Iterations read one snapshot from start to end.
 *
 * Conventions (those of common.h): the store comes first, then outputs, then
 * inputs; a length right after its buffer; wt_err results with outputs zeroed
 * before the first check; NULL where a pointer is required is a WT_ASSERT.
 * Rows read back are checked (types, lengths): a malformed row gives
 * WT_ERR_STORE_CORRUPT, never a crash. A wt_store is used by one thread at a
 * time; a reader thread opens its own.
 */
#ifndef WATTLE_STORE_H
#define WATTLE_STORE_H

#include "common.h"
#include "ledger.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WT_STORE_SCHEMA_VERSION     1
#define WT_STORE_APPLICATION_ID     0x57544c47 /* "WTLG" */
#define WT_STORE_CACHE_KIB          (64 * 1024)
#define WT_STORE_BUSY_TIMEOUT_MS    5000
#define WT_STORE_TX_BYTES_MAX       WT_TX_BYTES_MAX /* the largest transaction encoding */
#define WT_STORE_HEADER_BYTES_MAX   4096
#define WT_STORE_META_KEY_BYTES_MAX 64
#define WT_STORE_META_BYTES_MAX     (16 * 1024 * 1024)

/* Meta keys the engine uses. */
#define WT_STORE_META_PARAMS       "params"       /* wt_chain_params_encode bytes */
#define WT_STORE_META_GENESIS_HASH "genesis_hash" /* hash of block 0, 32 bytes */

typedef struct wt_store wt_store;

typedef struct {
    bool read_only;          /* open an existing store for reading only (the auditor) */
    int64_t cache_kib;       /* page cache; 0 means WT_STORE_CACHE_KIB */
    int32_t busy_timeout_ms; /* wait for a lock this long; 0 means the default */
    const char *vfs_name;    /* an SQLite VFS by name; NULL for the default
                                (tests register a fault-injecting one) */
    /* Checkpoint the write-ahead log on a thread of the store's own (with
     * its own connection) instead of inside the commit that crosses
     * WT_STORE_CHECKPOINT_FRAMES: that commit copied the log's pages into
     * the database and fsynced it, stalling every submission queued behind
     * it for milliseconds. Commits go on appending to the log meanwhile; the
     * log restarts from its beginning at the first commit after a complete
     * checkpoint. Read-write stores only (the node's). */
    bool background_checkpoint;
} wt_store_opts;

/* Log frames (pages) after which a checkpoint is due: SQLite's default. */
#define WT_STORE_CHECKPOINT_FRAMES 1000

/*
 * Open the store at path (NULL opts: defaults, read-write). Read-write
 * creates the file when missing and migrates an older schema; read-only
 * needs an existing store at the current version. Errors:
 * WT_ERR_INVALID_ARGUMENT (a negative option, an unknown vfs_name),
 * WT_ERR_NOT_FOUND (read-only and no file), WT_ERR_NOT_A_STORE (a database
 * with other tables, or not a database), WT_ERR_STORE_VERSION (a newer
 * schema, or an older one opened read-only), WT_ERR_STORAGE_UNAVAILABLE,
 * WT_ERR_NO_MEMORY.
 * On success *store is the caller's, to release with wt_store_close.
 */
wt_err wt_store_open(wt_store **store, const char *path, const wt_store_opts *opts);
/* Finalize and close (a background checkpointer is stopped first); NULL is
 * allowed. */
void wt_store_close(wt_store *store);
/* Background checkpoints so far that copied pages into the database (0
 * without background_checkpoint). */
uint64_t wt_store_checkpoints(const wt_store *store);
/* The last SQLite error message seen by this store ("" if none). Static
 * storage until the next call on store. */
const char *wt_store_last_error(const wt_store *store);

/* ------------------------------------------------------------------ meta */

/* Set key (1 .. WT_STORE_META_KEY_BYTES_MAX bytes of text) to value,
 * replacing any older value; durable on return. */
wt_err wt_store_meta_put(wt_store *store, const char *key, const uint8_t *value, size_t value_len);
/* Read key's value into value (value_cap bytes); *value_len its length.
 * WT_ERR_NOT_FOUND when absent, WT_ERR_BUFFER_TOO_SMALL when value_cap is
 * short (*value_len still says how much is needed). */
wt_err wt_store_meta_get(wt_store *store, uint8_t *value, size_t value_cap, size_t *value_len,
                         const char *key);

/* --------------------------------------------------------- transactions */

/* One stored transaction. raw is borrowed: the caller's on append, valid only
 * during the visit on iteration. */
typedef struct {
    uint64_t seq;    /* ledger position, 1, 2, 3, ... */
    uint64_t height; /* the block that holds (or will hold) it */
    int64_t t_ms;    /* the sequencer's time when it was applied */
    uint8_t txid[32];
    const uint8_t *raw;
    size_t raw_len; /* 1 .. WT_STORE_TX_BYTES_MAX */
} wt_store_tx;

/*
 * Append txs_count transactions and upsert accounts_count account rows in one
 * SQLite transaction, and return only once it is durable (see the top
 * comment). txs[0].seq must be the last stored seq + 1 and the rest follow
 * one by one. Either count may be 0. Errors, with nothing written:
 * WT_ERR_INVALID_ARGUMENT (an empty or oversized raw, a value beyond int64),
 * WT_ERR_BAD_SEQ, WT_ERR_BAD_HEIGHT, WT_ERR_DUPLICATE_TX,
 * WT_ERR_STORAGE_UNAVAILABLE, WT_ERR_NO_MEMORY.
 */
wt_err wt_store_append_batch(wt_store *store, const wt_store_tx *txs, size_t txs_count,
                             const wt_account *accounts, size_t accounts_count);

/* The highest stored seq, 0 when there is none. */
wt_err wt_store_last_seq(wt_store *store, uint64_t *seq);

/* What a lookup returns besides the raw bytes. */
typedef struct {
    uint64_t seq;
    uint64_t height;
    int64_t t_ms;
    uint8_t txid[32];
    size_t raw_len;
} wt_store_tx_info;

/*
 * Look a transaction up by txid or by seq. raw may be NULL (raw_cap 0) to
 * learn only the info. WT_ERR_NOT_FOUND (info zeroed); WT_ERR_BUFFER_TOO_SMALL
 * when raw_cap < the length (info is filled, so info->raw_len says what to
 * allocate).
 */
wt_err wt_store_tx_by_txid(wt_store *store, wt_store_tx_info *info, uint8_t *raw, size_t raw_cap,
                           const uint8_t txid[32]);
wt_err wt_store_tx_by_seq(wt_store *store, wt_store_tx_info *info, uint8_t *raw, size_t raw_cap,
                          uint64_t seq);

/* Visit transactions in seq order from seq from_seq on; the visit returns
 * false to stop early (still WT_OK). The visit may call lookups but not an
 * iterator or a writer on the same store (asserted). */
typedef bool (*wt_store_tx_visit_fn)(void *arg, const wt_store_tx *tx);
wt_err wt_store_txs_each(wt_store *store, uint64_t from_seq, wt_store_tx_visit_fn visit, void *arg);

/* --------------------------------------------------------------- blocks */

/* One stored block; header is borrowed as for wt_store_tx. */
typedef struct {
    uint64_t height;
    uint8_t hash[32];
    const uint8_t *header;
    size_t header_len; /* 1 .. WT_STORE_HEADER_BYTES_MAX */
} wt_store_block;

/* Append the block at height (0 first, then the last + 1), durable on
 * return. Errors as wt_store_append_batch (WT_ERR_BAD_HEIGHT for a gap). */
wt_err wt_store_block_append(wt_store *store, uint64_t height, const uint8_t hash[32],
                             const uint8_t *header, size_t header_len);
/* The highest stored block: WT_ERR_NOT_FOUND when there is none. */
wt_err wt_store_last_block(wt_store *store, uint64_t *height, uint8_t hash[32]);
/* The block at height; header (header_cap bytes) may be NULL to get only the
 * hash and *header_len. Errors as wt_store_tx_by_seq. */
wt_err wt_store_block_get(wt_store *store, uint8_t hash[32], uint8_t *header, size_t header_cap,
                          size_t *header_len, uint64_t height);
/* Visit blocks in height order from from_height on (rules of txs_each). */
typedef bool (*wt_store_block_visit_fn)(void *arg, const wt_store_block *block);
wt_err wt_store_blocks_each(wt_store *store, uint64_t from_height, wt_store_block_visit_fn visit,
                            void *arg);

/* ------------------------------------------------------------- accounts */

/* The stored row of account key: WT_ERR_NOT_FOUND (zeroed) when absent. */
wt_err wt_store_account_get(wt_store *store, wt_account *account, const uint8_t key[32]);
/* Visit every stored account in key order (rules of txs_each). */
wt_err wt_store_accounts_each(wt_store *store, wt_account_visit_fn visit, void *arg);

/* ------------------------------------------------------------- snapshots */

/* Hold one snapshot across many calls: from wt_store_snapshot_begin to
 * wt_store_snapshot_end every read on this store sees the file as it was at
 * the begin, whatever a writer (the daemon) commits meanwhile. The auditor
 * reads a whole chain this way; an HTTP request reading many rows does too
 * (one read transaction instead of one per row, and one consistent view).
 * Cheap: one cached page. Not for a store that is writing. */
wt_err wt_store_snapshot_begin(wt_store *store);
void wt_store_snapshot_end(wt_store *store);

/* ---------------------------------------------------------------- checks */

/* SQLite's full PRAGMA integrity_check (reads the whole file): WT_OK, or
 * WT_ERR_STORE_CORRUPT with the first problem logged. */
wt_err wt_store_check(wt_store *store);

#endif /* WATTLE_STORE_H */
