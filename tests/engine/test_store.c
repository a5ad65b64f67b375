/*
 * test_store.c — the SQLite store: opening and migrating (new file, empty v0
 * file, a v1 file written by raw SQL, refusing newer, foreign and non-database
 * files), meta, appends with their seq/height/duplicate checks, lookups,
 * iteration, accounts, blocks, a reader beside a writer, tampered rows and a
 * damaged file.
 */
#include "testutil.h"

#include "store_fixture.h"

#include <sqlite3.h>
#include <sys/stat.h>

static uint64_t salt;

/* ------------------------------------------------------------- helpers */

static wt_store *open_rw(const char *path)
{
    wt_store *s = NULL;
    assert_err(wt_store_open(&s, path, NULL), WT_OK);
    assert_non_null(s);
    return s;
}

static wt_store *open_ro(const char *path)
{
    wt_store *s = NULL;
    wt_store_opts o = {.read_only = true};
    assert_err(wt_store_open(&s, path, &o), WT_OK);
    return s;
}

#define BATCH_MAX 512
static uint8_t raws[BATCH_MAX][FIX_RAW_MAX];
static wt_store_tx batch[BATCH_MAX];

/* Fill batch[0..n) with transactions first .. first + n - 1 at height. */
static void make_batch(uint64_t first, size_t n, uint64_t height)
{
    assert_true(n <= BATCH_MAX);
    for (size_t i = 0; i < n; i++)
        fix_tx(&batch[i], raws[i], salt, first + i, height, (int64_t)(1700000000000 + first + i));
}

static wt_err append_range(wt_store *s, uint64_t first, size_t n, uint64_t height)
{
    make_batch(first, n, height);
    return wt_store_append_batch(s, batch, n, NULL, 0);
}

/* Run SQL on the file directly, as a tamperer or an older program would. */
static int raw_exec(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    int rc = sqlite3_open(path, &db);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
    sqlite3_close(db);
    return rc;
}

static int64_t raw_int(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int64_t v = -1;
    if (sqlite3_open(path, &db) == SQLITE_OK &&
        sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

static void raw_text(char *out, size_t out_cap, const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    out[0] = '\0';
    if (sqlite3_open(path, &db) == SQLITE_OK &&
        sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        snprintf(out, out_cap, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(db);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* --------------------------------------------------------------- opening */

static void test_create_new(void **state)
{
    (void)state;
    fix_tmp t;
    fix_tmp_make(&t);
    wt_store *s = open_rw(t.path);
    uint64_t seq = 99, height = 99;
    uint8_t hash[32];
    assert_err(wt_store_last_seq(s, &seq), WT_OK);
    assert_int_equal(seq, 0);
    assert_err(wt_store_last_block(s, &height, hash), WT_ERR_NOT_FOUND);
    assert_int_equal(height, 0);
    assert_string_equal(wt_store_last_error(s), "");
    wt_store_close(s);

    assert_int_equal(raw_int(t.path, "PRAGMA user_version"), WT_STORE_SCHEMA_VERSION);
    assert_int_equal(raw_int(t.path, "PRAGMA application_id"), WT_STORE_APPLICATION_ID);
    char mode[16];
    raw_text(mode, sizeof mode, t.path, "PRAGMA journal_mode");
    assert_string_equal(mode, "wal");
    assert_int_equal(raw_int(t.path, "SELECT count(*) FROM sqlite_master WHERE name IN"
                                     " ('meta','blocks','txs','accounts','txs_by_seq')"),
                     5);
    fix_tmp_remove(&t);
}

/* A zero-byte file is schema version 0: it is migrated to version 1. */
static void test_open_empty_v0_file(void **state)
{
    (void)state;
    fix_tmp t;
    fix_tmp_make(&t);
    write_file(t.path, "");
    assert_int_equal(raw_int(t.path, "PRAGMA user_version"), 0);

    wt_store *s = NULL;
    wt_store_opts ro = {.read_only = true};
    assert_err(wt_store_open(&s, t.path, &ro), WT_ERR_NOT_A_STORE); /* cannot migrate */
    assert_null(s);

    s = open_rw(t.path);
    assert_err(append_range(s, 1, 3, 1), WT_OK);
    wt_store_close(s);
    assert_int_equal(raw_int(t.path, "PRAGMA user_version"), 1);
    assert_int_equal(raw_int(t.path, "SELECT count(*) FROM txs"), 3);
    fix_tmp_remove(&t);
}

/* The version-1 schema exactly as the first release wrote it. Kept frozen
 * here: when version 2 arrives, this file must still open (and migrate). */
static const char v1_schema[] =
    "CREATE TABLE meta(key TEXT PRIMARY KEY NOT NULL, value BLOB NOT NULL);"
    "CREATE TABLE blocks(height INTEGER PRIMARY KEY, hash BLOB NOT NULL, header BLOB NOT NULL);"
    "CREATE TABLE txs(seq INTEGER PRIMARY KEY, height INTEGER NOT NULL, t_ms INTEGER NOT NULL,"
    " txid_prefix INTEGER NOT NULL, txid BLOB NOT NULL, raw BLOB NOT NULL);"
    "CREATE INDEX txs_by_seq ON txs(seq, txid_prefix);"
    "CREATE TABLE accounts(key BLOB PRIMARY KEY NOT NULL, balance_micro INTEGER NOT NULL,"
    " holds_micro INTEGER NOT NULL, nonce INTEGER NOT NULL, roles INTEGER NOT NULL)"
    " WITHOUT ROWID;"
    "CREATE TRIGGER txs_append_only_update BEFORE UPDATE ON txs"
    " BEGIN SELECT RAISE(ABORT, 'txs are append-only'); END;"
    "CREATE TRIGGER txs_append_only_delete BEFORE DELETE ON txs"
    " BEGIN SELECT RAISE(ABORT, 'txs are append-only'); END;"
    "CREATE TRIGGER blocks_append_only_update BEFORE UPDATE ON blocks"
    " BEGIN SELECT RAISE(ABORT, 'blocks are append-only'); END;"
    "CREATE TRIGGER blocks_append_only_delete BEFORE DELETE ON blocks"
    " BEGIN SELECT RAISE(ABORT, 'blocks are append-only'); END;"
    "PRAGMA journal_mode=WAL;"
    "PRAGMA user_version=1;"
    "PRAGMA application_id=1465142343;"
    /* txid 0x11 * 32: prefix 0x1111111111111111 */
    "INSERT INTO txs VALUES(1, 1, 1700000000123, 1229782938247303441,"
    " x'1111111111111111111111111111111111111111111111111111111111111111', x'c0ffee');"
    "INSERT INTO blocks VALUES(0, "
    "x'2222222222222222222222222222222222222222222222222222222222222222',"
    " x'01020304');"
    "INSERT INTO accounts "
    "VALUES(x'3333333333333333333333333333333333333333333333333333333333333333',"
    " 5000000, 250, 7, 1);"
    "INSERT INTO meta VALUES('params', x'abcdef');";

static void test_open_v1_file(void **state)
{
    (void)state;
    fix_tmp t;
    fix_tmp_make(&t);
    assert_int_equal(raw_exec(t.path, v1_schema), SQLITE_OK);

    for (int pass = 0; pass < 2; pass++) {
        wt_store *s = pass == 0 ? open_ro(t.path) : open_rw(t.path);
        uint8_t txid[32], raw[8];
        memset(txid, 0x11, 32);
        wt_store_tx_info info;
        assert_err(wt_store_tx_by_txid(s, &info, raw, sizeof raw, txid), WT_OK);
        assert_int_equal(info.seq, 1);
        assert_int_equal(info.height, 1);
        assert_int_equal(info.t_ms, 1700000000123);
        assert_int_equal(info.raw_len, 3);
        assert_memory_equal(raw, "\xc0\xff\xee", 3);

        uint8_t hash[32], header[8], want_hash[32];
        size_t header_len = 0;
        memset(want_hash, 0x22, 32);
        assert_err(wt_store_block_get(s, hash, header, sizeof header, &header_len, 0), WT_OK);
        assert_memory_equal(hash, want_hash, 32);
        assert_int_equal(header_len, 4);

        uint8_t key[32];
        memset(key, 0x33, 32);
        wt_account a;
        assert_err(wt_store_account_get(s, &a, key), WT_OK);
        assert_int_equal(a.balance_micro, 5000000);
        assert_int_equal(a.holds_micro, 250);
        assert_int_equal(a.nonce, 7);
        assert_int_equal(a.roles, 1);

        uint8_t params[8];
        size_t params_len = 0;
        assert_err(wt_store_meta_get(s, params, sizeof params, &params_len, "params"), WT_OK);
        assert_int_equal(params_len, 3);
        if (pass == 1)
            assert_err(append_range(s, 2, 2, 2), WT_OK); /* continues the old file */
        wt_store_close(s);
    }
    assert_int_equal(raw_int(t.path, "PRAGMA user_version"), 1);
    assert_int_equal(raw_int(t.path, "SELECT count(*) FROM txs"), 3);
    fix_tmp_remove(&t);
}

static void test_refuses_newer_version(void **state)
{
    (void)state;
    fix_tmp t;
    fix_tmp_make(&t);
    wt_store_close(open_rw(t.path));
    assert_int_equal(raw_exec(t.path, "PRAGMA user_version = 2"), SQLITE_OK);
    wt_store *s = NULL;
    assert_err(wt_store_open(&s, t.path, NULL), WT_ERR_STORE_VERSION);
    assert_null(s);
    wt_store_opts ro = {.read_only = true};
    assert_err(wt_store_open(&s, t.path, &ro), WT_ERR_STORE_VERSION);
    assert_int_equal(raw_int(t.path, "PRAGMA user_version"), 2); /* untouched */
    fix_tmp_remove(&t);
}

static void test_refuses_foreign_database(void **state)
{
    (void)state;
    fix_tmp t;
    fix_tmp_make(&t);
    /* Someone else's database: left exactly as it was. */
    assert_int_equal(raw_exec(t.path, "CREATE TABLE notes(x); INSERT INTO notes VALUES(1)"),
                     SQLITE_OK);
    wt_store *s = NULL;
    assert_err(wt_store_open(&s, t.path, NULL), WT_ERR_NOT_A_STORE);
    assert_null(s);
    char mode[16];
    raw_text(mode, sizeof mode, t.path, "PRAGMA journal_mode");
    assert_string_equal(mode, "delete");
    assert_int_equal(raw_int(t.path, "SELECT count(*) FROM sqlite_master"), 1);

    /* A versioned database of another program: wrong application_id. */
    assert_int_equal(raw_exec(t.path, "PRAGMA user_version = 1"), SQLITE_OK);
    assert_err(wt_store_open(&s, t.path, NULL), WT_ERR_NOT_A_STORE);
    fix_tmp_remove(&t);
}

static void test_refuses_non_database(void **state)
{
    (void)state;
    fix_tmp t;
    fix_tmp_make(&t);
    write_file(t.path, "interval,account,zone\nthis is a CSV file, not a ledger store at all\n");
    wt_store *s = NULL;
    assert_err(wt_store_open(&s, t.path, NULL), WT_ERR_NOT_A_STORE);
    wt_store_opts ro = {.read_only = true};
    assert_err(wt_store_open(&s, t.path, &ro), WT_ERR_NOT_A_STORE);
    assert_null(s);
    fix_tmp_remove(&t);
}

static void test_open_missing(void **state)
{
    (void)state;
    fix_tmp t;
    fix_tmp_make(&t);
    wt_store *s = NULL;
    wt_store_opts ro = {.read_only = true};
    assert_err(wt_store_open(&s, t.path, &ro), WT_ERR_NOT_FOUND);
    assert_int_equal(access(t.path, F_OK), -1); /* a reader creates nothing */
    char nowhere[400];
    snprintf(nowhere, sizeof nowhere, "%s/no/such/dir/ledger.db", t.dir);
    assert_err(wt_store_open(&s, nowhere, NULL), WT_ERR_STORAGE_UNAVAILABLE);
    wt_store_opts bad = {.cache_kib = -1};
    assert_err(wt_store_open(&s, t.path, &bad), WT_ERR_INVALID_ARGUMENT);
    wt_store_opts no_vfs = {.vfs_name = "no-such-vfs"};
    assert_err(wt_store_open(&s, t.path, &no_vfs), WT_ERR_INVALID_ARGUMENT);
    assert_null(s);
    fix_tmp_remove(&t);
}

/* ------------------------------------------------------------------ meta */

static void test_meta(void **state)
{
    (void)state;
    fix_tmp t;
    fix_tmp_make(&t);
    wt_store *s = open_rw(t.path);
    uint8_t params[200], out[200];
    for (size_t i = 0; i < sizeof params; i++)
        params[i] = (uint8_t)(i * 7);
    size_t len = 99;
    assert_err(wt_store_meta_get(s, out, sizeof out, &len, WT_STORE_META_PARAMS), WT_ERR_NOT_FOUND);
    assert_int_equal(len, 0);
    assert_err(wt_store_meta_put(s, WT_STORE_META_PARAMS, params, sizeof params), WT_OK);
    assert_err(wt_store_meta_get(s, out, sizeof out, &len, WT_STORE_META_PARAMS), WT_OK);
    assert_int_equal(len, sizeof params);
    assert_memory_equal(out, params, sizeof params);
    /* Too small a buffer says how much is needed. */
    assert_err(wt_store_meta_get(s, out, 10, &len, WT_STORE_META_PARAMS), WT_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(len, sizeof params);
    assert_err(wt_store_meta_get(s, NULL, 0, &len, WT_STORE_META_PARAMS), WT_ERR_BUFFER_TOO_SMALL);
    /* Replace, and an empty value. */
    assert_err(wt_store_meta_put(s, WT_STORE_META_PARAMS, params, 5), WT_OK);
    assert_err(wt_store_meta_put(s, "empty", NULL, 0), WT_OK);
    assert_err(wt_store_meta_get(s, NULL, 0, &len, "empty"), WT_OK);
    assert_int_equal(len, 0);
    /* Keys: 1 .. 64 bytes. */
    char long_key[WT_STORE_META_KEY_BYTES_MAX + 2];
    memset(long_key, 'k', sizeof long_key - 1);
    long_key[sizeof long_key - 1] = '\0';
    assert_err(wt_store_meta_put(s, long_key, params, 1), WT_ERR_INVALID_ARGUMENT);
    assert_err(wt_store_meta_put(s, "", params, 1), WT_ERR_INVALID_ARGUMENT);
    long_key[WT_STORE_META_KEY_BYTES_MAX] = '\0';
    assert_err(wt_store_meta_put(s, long_key, params, 1), WT_OK);
    assert_err(wt_store_meta_put(s, "big", params, (size_t)WT_STORE_META_BYTES_MAX + 1),
               WT_ERR_INVALID_ARGUMENT);
    wt_store_close(s);

    s = open_ro(t.path); /* durable, and readable by a reader */
    assert_err(wt_store_meta_get(s, out, sizeof out, &len, WT_STORE_META_PARAMS), WT_OK);
    assert_int_equal(len, 5);
    assert_memory_equal(out, params, 5);
    wt_store_close(s);
    fix_tmp_remove(&t);
}

/* --------------------------------------------------------- transactions */

static void test_append_and_lookup(void **state)
{
    (void)state;
    fix_tmp t;
    fix_tmp_make(&t);
    wt_store *s = open_rw(t.path);
    wt_test_rng rng;
    wt_test_rng_init(&rng, salt);
    uint64_t next = 1, height = 1;
    while (next <= 1500) {
        size_t n = (size_t)wt_test_rng_range(&rng, 1, 200);
        assert_err(append_range(s, next, n, height), WT_OK);
        next += n;
        height += (uint64_t)wt_test_rng_range(&rng, 0, 1);
    }
    uint64_t last = 0;
    assert_err(wt_store_last_seq(s, &last), WT_OK);
    assert_int_equal(last, next - 1);

    for (uint64_t seq = 1; seq < next; seq++) {
        uint8_t txid[32], want[FIX_RAW_MAX], raw[FIX_RAW_MAX];
        fix_txid(txid, salt, seq);
        size_t want_len = fix_raw(want, salt, seq);
        wt_store_tx_info info;
        assert_err(wt_store_tx_by_txid(s, &info, raw, sizeof raw, txid), WT_OK);
        assert_int_equal(info.seq, seq);
        assert_int_equal(info.t_ms, 1700000000000 + (int64_t)seq);
        assert_int_equal(info.raw_len, want_len);
        assert_memory_equal(raw, want, want_len);
        assert_memory_equal(info.txid, txid, 32);
        wt_store_tx_info by_seq;
        assert_err(wt_store_tx_by_seq(s, &by_seq, raw, sizeof raw, seq), WT_OK);
        assert_memory_equal(&by_seq, &info, sizeof info);
        assert_memory_equal(raw, want, want_len);
    }

    /* Info only; a buffer too small still says the length. */
    uint8_t txid[32], small[1];
    fix_txid(txid, salt, 7);
    wt_store_tx_info info;
    assert_err(wt_store_tx_by_txid(s, &info, NULL, 0, txid), WT_OK);
    size_t len7 = info.raw_len;
    if (len7 > 1) {
        assert_err(wt_store_tx_by_txid(s, &info, small, sizeof small, txid),
                   WT_ERR_BUFFER_TOO_SMALL);
        assert_int_equal(info.raw_len, len7);
    }
    /* Same 8-byte prefix, different tail: the exact compare rejects it. */
    txid[31] ^= 1;
    assert_err(wt_store_tx_by_txid(s, &info, NULL, 0, txid), WT_ERR_NOT_FOUND);
    assert_int_equal(info.seq, 0);
    assert_err(wt_store_tx_by_seq(s, &info, NULL, 0, 0), WT_ERR_NOT_FOUND);
    assert_err(wt_store_tx_by_seq(s, &info, NULL, 0, next), WT_ERR_NOT_FOUND);
    assert_err(wt_store_tx_by_seq(s, &info, NULL, 0, UINT64_MAX), WT_ERR_NOT_FOUND);
    wt_store_close(s);
    fix_tmp_remove(&t);
}

static void test_bad_seq(void **state)
{
    (void)state;
    fix_tmp t;
    fix_tmp_make(&t);
    wt_store *s = open_rw(t.path);
    wt_account acct = {.balance_micro = 1};
    memset(acct.key, 0xa1, 32);

    make_batch(2, 3, 1); /* the first seq is 1 */
    assert_err(wt_store_append_batch(s, batch, 3, &acct, 1), WT_ERR_BAD_SEQ);
    make_batch(0, 3, 1);
    assert_err(wt_store_append_batch(s, batch, 3, &acct, 1), WT_ERR_INVALID_ARGUMENT);
    assert_err(append_range(s, 1, 3, 1), WT_OK);

    make_batch(3, 3, 1); /* overlaps */
    assert_err(wt_store_append_batch(s, batch, 3, &acct, 1), WT_ERR_BAD_SEQ);
    make_batch(5, 3, 1); /* leaves a gap */
    assert_err(wt_store_append_batch(s, batch, 3, &acct, 1), WT_ERR_BAD_SEQ);
    make_batch(4, 3, 1);
    batch[2].seq = 7; /* a gap inside the batch */
    assert_err(wt_store_append_batch(s, batch, 3, &acct, 1), WT_ERR_BAD_SEQ);

    uint64_t last = 0;
    assert_err(wt_store_last_seq(s, &last), WT_OK);
    assert_int_equal(last, 3);
    wt_account got;
    assert_err(wt_store_account_get(s, &got, acct.key), WT_ERR_NOT_FOUND);
    wt_store_close(s);
    fix_tmp_remove(&t);
}

static void test_duplicate_txid(void **state)
{
    (void)state;
    fix_tmp t;
    fix_tmp_make(&t);
    wt_store *s = open_rw(t.path);
    assert_err(append_range(s, 1, 3, 1), WT_OK);
    wt_account acct = {.balance_micro = 5};
    memset(acct.key, 0xb2, 32);

    make_batch(4, 3, 1);
    fix_txid(batch[1].txid, salt, 2); /* seq 5 reuses seq 2's txid */
    assert_err(wt_store_append_batch(s, batch, 3, &acct, 1), WT_ERR_DUPLICATE_TX);
    make_batch(4, 3, 1);
    memcpy(batch[2].txid, batch[0].txid, 32); /* twice in one batch */
    assert_err(wt_store_append_batch(s, batch, 3, &acct, 1), WT_ERR_DUPLICATE_TX);

    /* Nothing of either batch was written: not tx 4, not the account. */
    uint64_t last = 0;
    assert_err(wt_store_last_seq(s, &last), WT_OK);
    assert_int_equal(last, 3);
    uint8_t txid4[32];
    fix_txid(txid4, salt, 4);
    wt_store_tx_info info;
    assert_err(wt_store_tx_by_txid(s, &info, NULL, 0, txid4), WT_ERR_NOT_FOUND);
    wt_account got;
    assert_err(wt_store_account_get(s, &got, acct.key), WT_ERR_NOT_FOUND);

    make_batch(4, 3, 1);
    assert_err(wt_store_append_batch(s, batch, 3, &acct, 1), WT_OK);
    assert_err(wt_store_account_get(s, &got, acct.key), WT_OK);
    assert_int_equal(got.balance_micro, 5);
    wt_store_close(s);
    fix_tmp_remove(&t);
}

static void test_heights(void **state)
{
    (void)state;
    fix_tmp t;
    fix_tmp_make(&t);
    wt_store *s = open_rw(t.path);
    uint8_t hash[32] = {1}, header[4] = {9, 9, 9, 9};

    make_batch(1, 3, 0);
    batch[2].height = 5;
    batch[1].height = 4;
    assert_err(wt_store_append_batch(s, batch, 3, NULL, 0), WT_OK); /* 0, 4, 5 */
    make_batch(4, 2, 5);
    batch[1].height = 4; /* goes down inside the batch */
    assert_err(wt_store_append_batch(s, batch, 2, NULL, 0), WT_ERR_BAD_HEIGHT);
    assert_err(append_range(s, 4, 2, 3), WT_ERR_BAD_HEIGHT); /* below the last tx */

    /* Blocks 0 .. 5 sealed: height 5 takes no more transactions. */
    for (uint64_t h = 0; h <= 5; h++)
        assert_err(wt_store_block_append(s, h, hash, header, sizeof header), WT_OK);
    assert_err(append_range(s, 4, 2, 5), WT_ERR_BAD_HEIGHT);
    assert_err(append_range(s, 4, 2, 6), WT_OK);
    wt_store_close(s);
    fix_tmp_remove(&t);
}

static void test_invalid_arguments(void **state)
{
    (void)state;
    fix_tmp t;
    fix_tmp_make(&t);
    wt_store *s = open_rw(t.path);
    make_batch(1, 2, 1);
    batch[1].raw_len = 0;
    assert_err(wt_store_append_batch(s, batch, 2, NULL, 0), WT_ERR_INVALID_ARGUMENT);
    make_batch(1, 2, 1);
    batch[1].raw_len = (size_t)WT_STORE_TX_BYTES_MAX + 1; /* rejected before any read */
    assert_err(wt_store_append_batch(s, batch, 2, NULL, 0), WT_ERR_INVALID_ARGUMENT);
    make_batch(1, 1, 1);
    batch[0].height = (uint64_t)INT64_MAX + 1;
    assert_err(wt_store_append_batch(s, batch, 1, NULL, 0), WT_ERR_INVALID_ARGUMENT);
    make_batch(1, 1, 1);
    batch[0].seq = (uint64_t)INT64_MAX + 1;
    assert_err(wt_store_append_batch(s, batch, 1, NULL, 0), WT_ERR_INVALID_ARGUMENT);
    assert_err(wt_store_append_batch(s, NULL, 0, NULL, 0), WT_OK); /* nothing to do */

    uint8_t hash[32] = {0}, header[1] = {1};
    assert_err(wt_store_block_append(s, 0, hash, header, 0), WT_ERR_INVALID_ARGUMENT);
    assert_err(wt_store_block_append(s, 0, hash, header, WT_STORE_HEADER_BYTES_MAX + 1),
               WT_ERR_INVALID_ARGUMENT);
    assert_err(wt_store_block_append(s, (uint64_t)INT64_MAX + 1, hash, header, 1),
               WT_ERR_INVALID_ARGUMENT);
    uint64_t last = 9;
    assert_err(wt_store_last_seq(s, &last), WT_OK);
    assert_int_equal(last, 0);
    wt_store_close(s);
    fix_tmp_remove(&t);
}

/* Every txid in 1 .. last is found at its seq, and none of the `absent`. */
static void expect_txids(wt_store *s, uint8_t (*ids)[32], uint64_t last, size_t ids_count)
{
    for (uint64_t seq = 1; seq <= ids_count; seq++) {
        wt_store_tx_info info;
        wt_err err = wt_store_tx_by_txid(s, &info, NULL, 0, ids[seq - 1]);
        if (seq <= last ? err != WT_OK || info.seq != seq : err != WT_ERR_NOT_FOUND)
            fail_msg("txid of seq %llu: %s at seq %llu (ledger ends at %llu, seed %llu)",
                     (unsigned long long)seq, wt_errname(err), (unsigned long long)info.seq,
                     (unsigned long long)last, (unsigned long long)salt);
    }
}

/*
 * The in-memory txid map: txids that share their 8-byte prefix (one long
 * probe run), batches that fail on a duplicate after adding their txids
 * (which must leave the map again, from the middle of runs), growth, and a
 * reopen that reloads it. Lookups must stay exact throughout.
 */
static void test_txid_map(void **state)
{
    (void)state;
    enum { TOTAL = 3000, SHARED = 16 };
    static uint8_t ids[TOTAL][32];
    wt_test_rng rng;
    wt_test_rng_init(&rng, salt ^ 0x3a9);
    for (size_t i = 0; i < TOTAL; i++) {
        wt_test_rng_bytes(&rng, ids[i], 32);
        if (i % (TOTAL / SHARED) == 0)
            memset(ids[i], 0xee, 8); /* SHARED txids under one prefix */
    }
    fix_tmp t;
    fix_tmp_make(&t);
    wt_store *s = open_rw(t.path);
    uint64_t last = 0;
    while (last < TOTAL) {
        size_t n = (size_t)wt_test_rng_range(&rng, 1, 90);
        if (n > TOTAL - last)
            n = TOTAL - last;
        make_batch(last + 1, n, 1);
        for (size_t i = 0; i < n; i++)
            memcpy(batch[i].txid, ids[last + i], 32);
        if (last > 0 && wt_test_rng_range(&rng, 0, 2) == 0) {
            /* Fails at its last transaction: a stored txid, or one from
             * earlier in the batch. */
            uint8_t keep[32];
            memcpy(keep, batch[n - 1].txid, 32);
            if (n > 1 && wt_test_rng_range(&rng, 0, 1) == 0)
                memcpy(batch[n - 1].txid, batch[0].txid, 32);
            else
                memcpy(batch[n - 1].txid, ids[wt_test_rng_range(&rng, 0, (int64_t)last - 1)], 32);
            assert_err(wt_store_append_batch(s, batch, n, NULL, 0), WT_ERR_DUPLICATE_TX);
            memcpy(batch[n - 1].txid, keep, 32);
            expect_txids(s, ids, last, last + n);
        }
        assert_err(wt_store_append_batch(s, batch, n, NULL, 0), WT_OK);
        last += n;
    }
    expect_txids(s, ids, last, TOTAL);
    wt_store_close(s);

    s = open_ro(t.path); /* a reader loads the map from the file */
    expect_txids(s, ids, TOTAL, TOTAL);
    uint8_t other[32];
    memset(other, 0xee, 32); /* the crowded prefix, another tail */
    wt_store_tx_info info;
    assert_err(wt_store_tx_by_txid(s, &info, NULL, 0, other), WT_ERR_NOT_FOUND);
    wt_store_close(s);
    fix_tmp_remove(&t);
}

/* ------------------------------------------------------------- iteration */

typedef struct {
    uint64_t next_seq;
    size_t count, stop_after;
    bool all_match;
} tx_walk;

static bool visit_tx(void *arg, const wt_store_tx *tx)
{
    tx_walk *w = arg;
    if (tx->seq != w->next_seq || !fix_tx_matches(tx, salt))
        w->all_match = false;
    w->next_seq = tx->seq + 1;
    w->count++;
    return w->count != w->stop_after;
}

static void test_txs_each(void **state)
{
    (void)state;
    fix_tmp t;
    fix_tmp_make(&t);
    wt_store *s = open_rw(t.path);
    assert_err(append_range(s, 1, 300, 1), WT_OK);
    assert_err(append_range(s, 301, 200, 2), WT_OK);

    tx_walk w = {.next_seq = 1, .all_match = true};
    assert_err(wt_store_txs_each(s, 0, visit_tx, &w), WT_OK);
    assert_int_equal(w.count, 500);
    assert_true(w.all_match);

    w = (tx_walk){.next_seq = 250, .all_match = true};
    assert_err(wt_store_txs_each(s, 250, visit_tx, &w), WT_OK);
    assert_int_equal(w.count, 251);
    assert_true(w.all_match);

    w = (tx_walk){.next_seq = 10, .stop_after = 7, .all_match = true};
    assert_err(wt_store_txs_each(s, 10, visit_tx, &w), WT_OK);
    assert_int_equal(w.count, 7);
    assert_int_equal(w.next_seq, 17);

    w = (tx_walk){.next_seq = 501, .all_match = true};
    assert_err(wt_store_txs_each(s, 501, visit_tx, &w), WT_OK);
    assert_int_equal(w.count, 0);
    assert_err(wt_store_txs_each(s, UINT64_MAX, visit_tx, &w), WT_OK);
    assert_int_equal(w.count, 0);

    /* After an early stop the next lookup works (the statement was reset). */
    wt_store_tx_info info;
    assert_err(wt_store_tx_by_seq(s, &info, NULL, 0, 500), WT_OK);
    wt_store_close(s);
    fix_tmp_remove(&t);
}

/* ------------------------------------------------------------- accounts */

typedef struct {
    wt_account seen[8];
    size_t count, stop_after;
} account_walk;

static bool visit_account(void *arg, const wt_account *a)
{
    account_walk *w = arg;
    if (w->count < 8)
        w->seen[w->count] = *a;
    w->count++;
    return w->count != w->stop_after;
}

static void test_accounts(void **state)
{
    (void)state;
    fix_tmp t;
    fix_tmp_make(&t);
    wt_store *s = open_rw(t.path);
    wt_account a[3] = {
        {.balance_micro = INT64_MAX, .holds_micro = 0, .nonce = UINT64_MAX, .roles = UINT32_MAX},
        {.balance_micro = 0, .holds_micro = INT64_MAX, .nonce = 1, .roles = WT_ROLE_ISSUER},
        {.balance_micro = 12345, .holds_micro = 678, .nonce = 0, .roles = 0},
    };
    memset(a[0].key, 0xcc, 32);
    memset(a[1].key, 0x0a, 32);
    memset(a[2].key, 0x55, 32);
    make_batch(1, 2, 1);
    assert_err(wt_store_append_batch(s, batch, 2, a, 3), WT_OK);
    for (int i = 0; i < 3; i++) {
        wt_account got;
        assert_err(wt_store_account_get(s, &got, a[i].key), WT_OK);
        assert_memory_equal(&got, &a[i], sizeof got);
    }
    /* An upsert without transactions changes only the named account. */
    a[2].balance_micro = 99;
    a[2].nonce = 2;
    assert_err(wt_store_append_batch(s, NULL, 0, &a[2], 1), WT_OK);

    account_walk w = {0};
    assert_err(wt_store_accounts_each(s, visit_account, &w), WT_OK);
    assert_int_equal(w.count, 3);
    /* key order: 0a.., 55.., cc.. */
    assert_memory_equal(&w.seen[0], &a[1], sizeof a[1]);
    assert_memory_equal(&w.seen[1], &a[2], sizeof a[2]);
    assert_memory_equal(&w.seen[2], &a[0], sizeof a[0]);
    w = (account_walk){.stop_after = 1};
    assert_err(wt_store_accounts_each(s, visit_account, &w), WT_OK);
    assert_int_equal(w.count, 1);

    uint8_t nobody[32];
    memset(nobody, 0x77, 32);
    wt_account got;
    memset(&got, 0xff, sizeof got);
    assert_err(wt_store_account_get(s, &got, nobody), WT_ERR_NOT_FOUND);
    assert_int_equal(got.balance_micro, 0);
    assert_int_equal(got.nonce, 0);
    wt_store_close(s);
    fix_tmp_remove(&t);
}

/* --------------------------------------------------------------- blocks */

typedef struct {
    uint64_t heights[8];
    size_t count, stop_after;
} block_walk;

static bool visit_block(void *arg, const wt_store_block *b)
{
    block_walk *w = arg;
    if (w->count < 8)
        w->heights[w->count] = b->height;
    w->count++;
    return w->count != w->stop_after;
}

static void test_blocks(void **state)
{
    (void)state;
    fix_tmp t;
    fix_tmp_make(&t);
    wt_store *s = open_rw(t.path);
    uint8_t hash[4][32], header[4][WT_BLOCK_HEADER_BYTES];
    for (int h = 0; h < 4; h++) {
        memset(hash[h], 0x10 + h, 32);
        memset(header[h], 0x40 + h, sizeof header[h]);
    }
    assert_err(wt_store_block_append(s, 1, hash[1], header[1], sizeof header[1]),
               WT_ERR_BAD_HEIGHT); /* genesis first */
    for (uint64_t h = 0; h < 3; h++)
        assert_err(wt_store_block_append(s, h, hash[h], header[h], sizeof header[h]), WT_OK);
    assert_err(wt_store_block_append(s, 2, hash[3], header[3], sizeof header[3]),
               WT_ERR_BAD_HEIGHT); /* no replacing */
    assert_err(wt_store_block_append(s, 4, hash[3], header[3], sizeof header[3]),
               WT_ERR_BAD_HEIGHT); /* no gap */

    uint64_t last = 0;
    uint8_t got_hash[32], got_header[WT_BLOCK_HEADER_BYTES];
    assert_err(wt_store_last_block(s, &last, got_hash), WT_OK);
    assert_int_equal(last, 2);
    assert_memory_equal(got_hash, hash[2], 32);

    size_t len = 0;
    assert_err(wt_store_block_get(s, got_hash, got_header, sizeof got_header, &len, 1), WT_OK);
    assert_int_equal(len, WT_BLOCK_HEADER_BYTES);
    assert_memory_equal(got_hash, hash[1], 32);
    assert_memory_equal(got_header, header[1], len);
    assert_err(wt_store_block_get(s, got_hash, NULL, 0, &len, 0), WT_OK);
    assert_memory_equal(got_hash, hash[0], 32);
    assert_err(wt_store_block_get(s, got_hash, got_header, 10, &len, 0), WT_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(len, WT_BLOCK_HEADER_BYTES);
    assert_err(wt_store_block_get(s, got_hash, NULL, 0, &len, 3), WT_ERR_NOT_FOUND);
    assert_int_equal(len, 0);

    block_walk w = {0};
    assert_err(wt_store_blocks_each(s, 1, visit_block, &w), WT_OK);
    assert_int_equal(w.count, 2);
    assert_int_equal(w.heights[0], 1);
    assert_int_equal(w.heights[1], 2);
    w = (block_walk){.stop_after = 1};
    assert_err(wt_store_blocks_each(s, 0, visit_block, &w), WT_OK);
    assert_int_equal(w.count, 1);
    wt_store_close(s);
    fix_tmp_remove(&t);
}

/* ---------------------------------------------------- reader and writer */

typedef struct {
    wt_store *writer;
    size_t count;
    uint64_t next;
} snapshot_walk;

/* Each visit commits another batch through the writer: the reader's
 * iteration must not see any of them (one snapshot from start to end). */
static bool visit_and_write(void *arg, const wt_store_tx *tx)
{
    snapshot_walk *w = arg;
    (void)tx;
    w->count++;
    if (w->count <= 3) {
        make_batch(w->next, 5, 9);
        if (wt_store_append_batch(w->writer, batch, 5, NULL, 0) == WT_OK)
            w->next += 5;
    }
    return true;
}

static void test_reader_beside_writer(void **state)
{
    (void)state;
    fix_tmp t;
    fix_tmp_make(&t);
    wt_store *w = open_rw(t.path);
    assert_err(append_range(w, 1, 10, 1), WT_OK);
    wt_store *r = open_ro(t.path);

    uint64_t last = 0;
    assert_err(wt_store_last_seq(r, &last), WT_OK);
    assert_int_equal(last, 10);
    assert_err(append_range(w, 11, 10, 2), WT_OK);
    assert_err(wt_store_last_seq(r, &last), WT_OK);
    assert_int_equal(last, 20); /* each statement sees the latest commit */

    /* A reader's txid lookups see rows committed after its first one. */
    uint8_t txid[32];
    wt_store_tx_info info;
    fix_txid(txid, salt, 20);
    assert_err(wt_store_tx_by_txid(r, &info, NULL, 0, txid), WT_OK);
    fix_txid(txid, salt, 21);
    assert_err(wt_store_tx_by_txid(r, &info, NULL, 0, txid), WT_ERR_NOT_FOUND);
    assert_err(append_range(w, 21, 1, 2), WT_OK);
    assert_err(wt_store_tx_by_txid(r, &info, NULL, 0, txid), WT_OK);
    assert_int_equal(info.seq, 21);

    snapshot_walk sw = {.writer = w, .next = 22};
    assert_err(wt_store_txs_each(r, 1, visit_and_write, &sw), WT_OK);
    assert_int_equal(sw.count, 21);
    assert_int_equal(sw.next, 37); /* the writer was not blocked */
    assert_err(wt_store_last_seq(r, &last), WT_OK);
    assert_int_equal(last, 36);

    /* A snapshot is fixed when it begins, not at its first row: a commit
     * between the begin and the first lookup stays unseen until the end. */
    assert_err(wt_store_snapshot_begin(r), WT_OK);
    assert_err(append_range(w, 37, 1, 9), WT_OK);
    assert_err(wt_store_tx_by_seq(r, &info, NULL, 0, 37), WT_ERR_NOT_FOUND);
    assert_err(wt_store_tx_by_seq(r, &info, NULL, 0, 36), WT_OK);
    assert_err(wt_store_last_seq(r, &last), WT_OK);
    assert_int_equal(last, 36);
    wt_store_snapshot_end(r);
    assert_err(wt_store_tx_by_seq(r, &info, NULL, 0, 37), WT_OK);
    assert_int_equal(info.seq, 37);

    /* The reader cannot write, and says so. */
    uint8_t hash[32] = {0}, header[1] = {1};
    assert_err(append_range(r, 38, 1, 9), WT_ERR_STORAGE_UNAVAILABLE);
    assert_err(wt_store_meta_put(r, "k", header, 1), WT_ERR_STORAGE_UNAVAILABLE);
    assert_err(wt_store_block_append(r, 0, hash, header, 1), WT_ERR_STORAGE_UNAVAILABLE);
    assert_err(wt_store_last_seq(w, &last), WT_OK);
    assert_int_equal(last, 37);
    wt_store_close(r);
    wt_store_close(w);
    fix_tmp_remove(&t);
}

/* Background checkpoints: they run, the log stays bounded while commits go
 * on, and every row is there afterwards. Without the checkpointer (SQLite's
 * auto-checkpoint is replaced by the store's hook) the log would hold every
 * page written. */
static void test_background_checkpoint(void **state)
{
    (void)state;
    fix_tmp t;
    fix_tmp_make(&t);
    wt_store_opts o = {.background_checkpoint = true};
    wt_store *w = NULL;
    assert_err(wt_store_open(&w, t.path, &o), WT_OK);
    wt_store_opts bad = {.read_only = true, .background_checkpoint = true};
    wt_store *r = NULL;
    assert_err(wt_store_open(&r, t.path, &bad), WT_ERR_INVALID_ARGUMENT);
    assert_null(r);

    char wal[320];
    snprintf(wal, sizeof wal, "%s-wal", t.path);
    uint64_t seq = 1;
    off_t wal_max = 0;
    const size_t per_batch = 64, batches = 1000;
    for (size_t b = 0; b < batches; b++) {
        assert_err(append_range(w, seq, per_batch, 1), WT_OK);
        seq += per_batch;
        struct stat st;
        if (stat(wal, &st) == 0 && st.st_size > wal_max)
            wal_max = st.st_size;
        if (b == batches / 2) /* let the first checkpoint finish */
            for (int i = 0; i < 1000 && wt_store_checkpoints(w) == 0; i++)
                usleep(10000);
    }
    assert_true(wt_store_checkpoints(w) >= 1);
    /* the log restarts: it never holds much more than two checkpoints'
     * worth of pages, although ten times that were written (a frame is a
     * 4 KiB page and a 24-byte header) */
    const off_t frame = 4096 + 24, bound = 3 * WT_STORE_CHECKPOINT_FRAMES * frame;
    fprintf(stderr, "log at most %lld bytes\n", (long long)wal_max);
    if (wal_max > bound)
        fail_msg("the log grew to %lld bytes, past %lld", (long long)wal_max, (long long)bound);
    wt_store_close(w);
    struct stat db;
    assert_int_equal(stat(t.path, &db), 0);
    assert_true(db.st_size > 3 * WT_STORE_CHECKPOINT_FRAMES * 4096);
    w = open_rw(t.path);

    r = open_ro(t.path);
    uint64_t last = 0;
    assert_err(wt_store_last_seq(r, &last), WT_OK);
    assert_int_equal(last, seq - 1);
    wt_store_close(r);
    assert_int_equal(wt_store_checkpoints(w), 0); /* not asked for */
    wt_store_close(w);
    fix_tmp_remove(&t);
}

/* ------------------------------------------------------------ tampering */

/* A store with txs 1..20 (heights 1..2), blocks 0..2 and one account. */
static void make_small_store(const char *path)
{
    wt_store *s = open_rw(path);
    assert_err(append_range(s, 1, 10, 1), WT_OK);
    assert_err(append_range(s, 11, 10, 2), WT_OK);
    uint8_t hash[32] = {7}, header[3] = {1, 2, 3};
    for (uint64_t h = 0; h < 3; h++)
        assert_err(wt_store_block_append(s, h, hash, header, 3), WT_OK);
    wt_account a = {.balance_micro = 1, .roles = 1};
    memset(a.key, 0x42, 32);
    assert_err(wt_store_append_batch(s, NULL, 0, &a, 1), WT_OK);
    wt_store_close(s);
}

static const char drop_triggers[] = "DROP TRIGGER txs_append_only_update;"
                                    "DROP TRIGGER txs_append_only_delete;"
                                    "DROP TRIGGER blocks_append_only_update;"
                                    "DROP TRIGGER blocks_append_only_delete;";

static wt_err walk_txs(wt_store *s)
{
    tx_walk w = {.next_seq = 1, .all_match = true};
    return wt_store_txs_each(s, 1, visit_tx, &w);
}

static void test_append_only_triggers(void **state)
{
    (void)state;
    fix_tmp t;
    fix_tmp_make(&t);
    make_small_store(t.path);
    assert_int_not_equal(raw_exec(t.path, "UPDATE txs SET raw = x'00' WHERE seq = 3"), SQLITE_OK);
    assert_int_not_equal(raw_exec(t.path, "DELETE FROM txs WHERE seq = 20"), SQLITE_OK);
    assert_int_not_equal(raw_exec(t.path, "UPDATE blocks SET hash = x'00' WHERE height = 1"),
                         SQLITE_OK);
    assert_int_not_equal(raw_exec(t.path, "DELETE FROM blocks"), SQLITE_OK);
    assert_int_equal(raw_int(t.path, "SELECT count(*) FROM txs"), 20);
    fix_tmp_remove(&t);
}

typedef struct {
    const char *sql;
    int check; /* 0 tx by seq 3, 1 txs_each, 2 blocks_each, 3 account get, 4 last block */
} tamper_case;

static void test_tampered_rows(void **state)
{
    (void)state;
    static const tamper_case cases[] = {
        {"UPDATE txs SET txid = x'00' WHERE seq = 3", 0},
        {"UPDATE txs SET txid_prefix = txid_prefix + 1 WHERE seq = 3", 0},
        {"UPDATE txs SET raw = 'text' WHERE seq = 3", 0},
        {"UPDATE txs SET raw = x'' WHERE seq = 3", 0},
        {"UPDATE txs SET height = -1 WHERE seq = 3", 0},
        {"UPDATE txs SET t_ms = 'noon' WHERE seq = 3", 0},
        {"DELETE FROM txs WHERE seq = 3", 1},
        {"UPDATE txs SET height = 1 WHERE seq = 15", 1}, /* after 11..14 at height 2 */
        {"DELETE FROM blocks WHERE height = 1", 2},
        {"UPDATE blocks SET hash = x'0102' WHERE height = 2", 4},
        {"UPDATE accounts SET roles = -1", 3},
        {"UPDATE accounts SET key = x'42'", 3},
        {"UPDATE accounts SET balance_micro = 1.5", 3},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fix_tmp t;
        fix_tmp_make(&t);
        make_small_store(t.path);
        char sql[256];
        snprintf(sql, sizeof sql, "%s %s", drop_triggers, cases[i].sql);
        assert_int_equal(raw_exec(t.path, sql), SQLITE_OK);
        wt_store *s = open_ro(t.path);
        wt_store_tx_info info;
        uint8_t key[32], hash[32];
        memset(key, 0x42, 32);
        wt_account a;
        block_walk bw = {0};
        uint64_t h;
        wt_err want = WT_ERR_STORE_CORRUPT, got = WT_OK;
        switch (cases[i].check) {
        case 0:
            got = wt_store_tx_by_seq(s, &info, NULL, 0, 3);
            break;
        case 1:
            got = walk_txs(s);
            break;
        case 2:
            got = wt_store_blocks_each(s, 0, visit_block, &bw);
            break;
        case 3:
            got = wt_store_account_get(s, &a, key);
            if (strstr(cases[i].sql, "key =") != NULL)
                want = WT_ERR_NOT_FOUND; /* the row no longer has that key */
            break;
        default:
            got = wt_store_last_block(s, &h, hash);
            break;
        }
        if (got != want)
            fail_msg("case %zu (%s): got %s, want %s", i, cases[i].sql, wt_errname(got),
                     wt_errname(want));
        if (cases[i].check == 3 && want == WT_ERR_NOT_FOUND) {
            account_walk aw = {0};
            assert_err(wt_store_accounts_each(s, visit_account, &aw), WT_ERR_STORE_CORRUPT);
        }
        wt_store_close(s);
        fix_tmp_remove(&t);
    }
}

static void test_damaged_file(void **state)
{
    (void)state;
    fix_tmp t;
    fix_tmp_make(&t);
    wt_store *s = open_rw(t.path);
    for (uint64_t first = 1; first <= 2000; first += 500)
        assert_err(append_range(s, first, 500, 1), WT_OK);
    assert_err(wt_store_check(s), WT_OK);
    wt_store_close(s); /* checkpoints: everything is in the main file now */

    /* Scribble over a page in the middle of the file. */
    FILE *f = fopen(t.path, "r+b");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long size = ftell(f);
    assert_true(size > 40 * 4096);
    assert_int_equal(fseek(f, (size / 4096 / 2) * 4096 + 100, SEEK_SET), 0);
    uint8_t junk[3000];
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (uint8_t)(fix_mix(i) | 0x80);
    assert_int_equal(fwrite(junk, 1, sizeof junk, f), sizeof junk);
    fclose(f);

    wt_store *d = NULL;
    wt_err err = wt_store_open(&d, t.path, NULL);
    if (err == WT_OK) {
        err = wt_store_check(d);
        wt_store_close(d);
    }
    if (err != WT_ERR_STORE_CORRUPT)
        fail_msg("a damaged file gave %s, want store_corrupt", wt_errname(err));
    fix_tmp_remove(&t);
}

/* ------------------------------------------------------------- contracts */

static wt_store *reentry_store;

static bool visit_reenter(void *arg, const wt_store_tx *tx)
{
    (void)tx;
    tx_walk w = {.next_seq = 1};
    (void)arg;
    wt_store_txs_each(reentry_store, 1, visit_tx, &w);
    return true;
}

static void test_contract_asserts(void **state)
{
    (void)state;
    expect_assert_failure(wt_store_append_batch(NULL, NULL, 0, NULL, 0));
    expect_assert_failure(wt_store_open(NULL, "x", NULL));
    fix_tmp t;
    fix_tmp_make(&t);
    wt_store *s = open_rw(t.path);
    expect_assert_failure(wt_store_append_batch(s, NULL, 1, NULL, 0));
    expect_assert_failure(wt_store_tx_by_seq(s, NULL, NULL, 0, 1));
    assert_err(append_range(s, 1, 2, 1), WT_OK);
    reentry_store = s;
    expect_assert_failure(wt_store_txs_each(s, 1, visit_reenter, NULL));
    wt_store_close(s);
    fix_tmp_remove(&t);
}

int main(void)
{
    wt_test_route_asserts();
    salt = wt_test_seed(0x5709e);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_new),
        cmocka_unit_test(test_open_empty_v0_file),
        cmocka_unit_test(test_open_v1_file),
        cmocka_unit_test(test_refuses_newer_version),
        cmocka_unit_test(test_refuses_foreign_database),
        cmocka_unit_test(test_refuses_non_database),
        cmocka_unit_test(test_open_missing),
        cmocka_unit_test(test_meta),
        cmocka_unit_test(test_append_and_lookup),
        cmocka_unit_test(test_bad_seq),
        cmocka_unit_test(test_duplicate_txid),
        cmocka_unit_test(test_heights),
        cmocka_unit_test(test_invalid_arguments),
        cmocka_unit_test(test_txid_map),
        cmocka_unit_test(test_txs_each),
        cmocka_unit_test(test_accounts),
        cmocka_unit_test(test_background_checkpoint),
        cmocka_unit_test(test_blocks),
        cmocka_unit_test(test_reader_beside_writer),
        cmocka_unit_test(test_append_only_triggers),
        cmocka_unit_test(test_tampered_rows),
        cmocka_unit_test(test_damaged_file),
        cmocka_unit_test(test_contract_asserts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
