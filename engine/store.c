/*
 * store.c — the ledger's SQLite store: identity and schema migrations,
 * connection pragmas, one prepared statement per query, append-only writes in
 * one SQLite transaction per call, and reads that check every row they
 * return. The contract is in store.h.
 */
#include "store.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------------------ migrations */

/*
 * migrations[v] takes a store from user_version v to v + 1. Append only: a
 * step that has shipped is never edited, because files in the field were
 * made by it. Each open runs the missing steps in one write transaction,
 * together with the new user_version, so a crash mid-migration leaves the
 * old version intact.
 */
static const char *const migrations[] = {
    /* 0 -> 1: the first schema. */
    "CREATE TABLE meta(key TEXT PRIMARY KEY NOT NULL, value BLOB NOT NULL);"
    "CREATE TABLE blocks(height INTEGER PRIMARY KEY, hash BLOB NOT NULL, header BLOB NOT NULL);"
    "CREATE TABLE txs(seq INTEGER PRIMARY KEY, height INTEGER NOT NULL, t_ms INTEGER NOT NULL,"
    " txid_prefix INTEGER NOT NULL, txid BLOB NOT NULL, raw BLOB NOT NULL);"
    /* Appended in seq order like the table, so it costs an append, not a
     * random B-tree insert: the narrow list the txid map is loaded from. */
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
    " BEGIN SELECT RAISE(ABORT, 'blocks are append-only'); END;",
};
_Static_assert(sizeof migrations / sizeof migrations[0] == WT_STORE_SCHEMA_VERSION,
               "one migration per schema version");

/* ------------------------------------------------------------ statements */

#define TX_COLUMNS      "seq, height, t_ms, txid_prefix, txid, raw"
#define ACCOUNT_COLUMNS "key, balance_micro, holds_micro, nonce, roles"

#define STORE_STATEMENTS(X)                                                                        \
    X(ST_BEGIN, "BEGIN IMMEDIATE")                                                                 \
    X(ST_COMMIT, "COMMIT")                                                                         \
    X(ST_ROLLBACK, "ROLLBACK")                                                                     \
    X(ST_SNAPSHOT_BEGIN, "BEGIN")                                                                  \
    X(ST_SCHEMA_VERSION, "PRAGMA schema_version")                                                  \
    X(ST_LAST_TX, "SELECT seq, height FROM txs ORDER BY seq DESC LIMIT 1")                         \
    X(ST_LAST_BLOCK, "SELECT height, hash FROM blocks ORDER BY height DESC LIMIT 1")               \
    X(ST_TXIDS_AFTER, "SELECT seq, txid_prefix FROM txs INDEXED BY txs_by_seq WHERE seq > ?1"      \
                      " ORDER BY seq")                                                             \
    X(ST_TXID_BY_SEQ, "SELECT txid FROM txs WHERE seq = ?1")                                       \
    X(ST_TX_INSERT, "INSERT INTO txs(" TX_COLUMNS ") VALUES(?1, ?2, ?3, ?4, ?5, ?6)")              \
    X(ST_ACCOUNT_UPSERT,                                                                           \
      "INSERT INTO accounts(" ACCOUNT_COLUMNS ") VALUES(?1, ?2, ?3, ?4, ?5)"                       \
      " ON CONFLICT(key) DO UPDATE SET balance_micro = excluded.balance_micro,"                    \
      " holds_micro = excluded.holds_micro, nonce = excluded.nonce, roles = excluded.roles")       \
    X(ST_BLOCK_INSERT, "INSERT INTO blocks(height, hash, header) VALUES(?1, ?2, ?3)")              \
    X(ST_META_PUT, "INSERT INTO meta(key, value) VALUES(?1, ?2)"                                   \
                   " ON CONFLICT(key) DO UPDATE SET value = excluded.value")                       \
    X(ST_META_GET, "SELECT value FROM meta WHERE key = ?1")                                        \
    X(ST_TX_BY_SEQ, "SELECT " TX_COLUMNS " FROM txs WHERE seq = ?1")                               \
    X(ST_TXS_FROM, "SELECT " TX_COLUMNS " FROM txs WHERE seq >= ?1 ORDER BY seq")                  \
    X(ST_BLOCK_GET, "SELECT height, hash, header FROM blocks WHERE height = ?1")                   \
    X(ST_BLOCKS_FROM,                                                                              \
      "SELECT height, hash, header FROM blocks WHERE height >= ?1 ORDER BY height")                \
    X(ST_ACCOUNT_GET, "SELECT " ACCOUNT_COLUMNS " FROM accounts WHERE key = ?1")                   \
    X(ST_ACCOUNTS_ALL, "SELECT " ACCOUNT_COLUMNS " FROM accounts ORDER BY key")

typedef enum {
#define ST_ENUM_(id, sql) id,
    STORE_STATEMENTS(ST_ENUM_)
#undef ST_ENUM_
        ST_COUNT_
} stmt_id;

static const char *const stmt_sql[ST_COUNT_] = {
#define ST_SQL_(id, sql) sql,
    STORE_STATEMENTS(ST_SQL_)
#undef ST_SQL_
};

/*
 * The txid map: txid prefix -> seq, an open-addressing hash table (linear
 * probing, at most half full) in memory. Loaded on first use from the
 * txs_by_seq index, which is about 20 bytes a row, and kept current by every
 * append; a reader catches up with rows committed since (one index seek when
 * there are none). Costs about 32 bytes of memory per stored transaction.
 * Slots are found through a keyed mix of the prefix, the key drawn at open,
 * so nobody can grind txids that pile into one run of slots.
 */
typedef struct {
    uint64_t prefix;
    uint64_t seq; /* 0: an empty slot */
} txid_slot;

typedef struct {
    txid_slot *slots;
    size_t mask; /* capacity - 1; the capacity is a power of two, or 0 */
    size_t count;
    uint64_t key;
    uint64_t synced_seq; /* every stored seq up to this one is in the map */
} txid_map;

/* The background checkpointer (wt_store_opts.background_checkpoint). */
typedef struct {
    sqlite3 *db; /* its own connection to the same file */
    pthread_t thread;
    bool started;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool due, stopping;    /* under lock */
    _Atomic uint64_t runs; /* checkpoints by the thread that copied frames */
} checkpointer;

struct wt_store {
    sqlite3 *db;
    checkpointer *ckpt; /* NULL: SQLite checkpoints inside the commit */
    bool read_only;
    bool iterating; /* an iterator's visit is running */
    sqlite3_stmt *st[ST_COUNT_];
    txid_map txids;
    char last_error[256];
};

/* ---------------------------------------------------------------- errors */

static wt_err map_rc(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_NOMEM:
        return WT_ERR_NO_MEMORY;
    case SQLITE_CORRUPT:
        return WT_ERR_STORE_CORRUPT;
    case SQLITE_NOTADB:
        return WT_ERR_NOT_A_STORE;
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_PROTOCOL:
        return WT_ERR_STORAGE_UNAVAILABLE;
    default:
        return WT_ERR_INTERNAL;
    }
}

/* Record and log an SQLite failure of `what`; the wt_err it maps to. */
static wt_err store_fail(wt_store *s, int rc, const char *what)
{
    const char *msg = s->db != NULL ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc);
    snprintf(s->last_error, sizeof s->last_error, "%s: %s (sqlite %d)", what, msg, rc);
    wt_log(WT_LOG_ERROR, "store", "%s", s->last_error);
    return map_rc(rc);
}

/* A row that breaks the schema's promises: someone edited the file, or the
 * disk returned garbage SQLite did not notice. */
static wt_err store_corrupt(wt_store *s, const char *table, int64_t key, const char *what)
{
    snprintf(s->last_error, sizeof s->last_error, "%s row %lld: %s", table, (long long)key, what);
    wt_log(WT_LOG_ERROR, "store", "corrupt %s", s->last_error);
    return WT_ERR_STORE_CORRUPT;
}

/* ------------------------------------------------------- small helpers */

static void stmt_release(sqlite3_stmt *st)
{
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
}

/* Run a statement that returns no row. */
static int stmt_run(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    stmt_release(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* The txid's first 8 bytes as a big-endian integer: the indexed column. */
static int64_t txid_prefix(const uint8_t txid[32])
{
    return (int64_t)wt_get_be64(txid);
}

/* -------------------------------------------------------------- txid map */

static size_t txid_home(const txid_map *m, uint64_t prefix)
{
    uint64_t x = prefix ^ m->key;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9u;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebu;
    return (size_t)(x ^ (x >> 31)) & m->mask;
}

/* Insert into a table with room (see txid_map_reserve). */
static void txid_map_put(txid_map *m, uint64_t prefix, uint64_t seq)
{
    WT_ASSERT(seq != 0 && m->slots != NULL && m->count < m->mask);
    size_t i = txid_home(m, prefix);
    while (m->slots[i].seq != 0)
        i = (i + 1) & m->mask;
    m->slots[i] = (txid_slot){.prefix = prefix, .seq = seq};
    m->count++;
}

/* Room for `more` entries at most half full; false when memory runs out
 * (the map is unchanged then). */
static bool txid_map_reserve(txid_map *m, size_t more)
{
    size_t cap = m->slots != NULL ? m->mask + 1 : 0;
    if (more > SIZE_MAX / 4 - m->count)
        return false;
    size_t need = m->count + more;
    if (need <= cap / 2)
        return true;
    size_t new_cap = cap != 0 ? cap : 1024;
    while (new_cap / 2 < need) {
        if (new_cap > SIZE_MAX / 2 / sizeof(txid_slot))
            return false;
        new_cap *= 2;
    }
    txid_slot *slots = calloc(new_cap, sizeof *slots);
    if (slots == NULL)
        return false;
    txid_map old = *m;
    m->slots = slots;
    m->mask = new_cap - 1;
    m->count = 0;
    for (size_t i = 0; old.slots != NULL && i <= old.mask; i++)
        if (old.slots[i].seq != 0)
            txid_map_put(m, old.slots[i].prefix, old.slots[i].seq);
    free(old.slots);
    return true;
}

/* Remove (prefix, seq) if present, shifting later entries of its run back
 * so that no lookup ever stops at the hole (no tombstones). */
static void txid_map_remove(txid_map *m, uint64_t prefix, uint64_t seq)
{
    if (m->slots == NULL)
        return;
    size_t i = txid_home(m, prefix);
    while (m->slots[i].seq != 0 && (m->slots[i].seq != seq || m->slots[i].prefix != prefix))
        i = (i + 1) & m->mask;
    if (m->slots[i].seq == 0)
        return;
    for (size_t j = i;;) {
        m->slots[i].seq = 0;
        for (;;) {
            j = (j + 1) & m->mask;
            if (m->slots[j].seq == 0) {
                m->count--;
                return;
            }
            /* Entry j may move to the hole at i unless its home lies
             * cyclically in (i, j]. */
            size_t k = txid_home(m, m->slots[j].prefix);
            bool stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
            if (!stays)
                break;
        }
        m->slots[i] = m->slots[j];
        i = j;
    }
}

static void txid_map_clear(txid_map *m)
{
    free(m->slots);
    m->slots = NULL;
    m->mask = 0;
    m->count = 0;
    m->synced_seq = 0;
}

/* The next seq stored under prefix from slot *pos on, or 0 when there is
 * none. Start with *pos = SIZE_MAX. */
static uint64_t txid_map_next(const txid_map *m, size_t *pos, uint64_t prefix)
{
    if (m->slots == NULL)
        return 0;
    size_t i = *pos == SIZE_MAX ? txid_home(m, prefix) : (*pos + 1) & m->mask;
    for (; m->slots[i].seq != 0; i = (i + 1) & m->mask)
        if (m->slots[i].prefix == prefix) {
            *pos = i;
            return m->slots[i].seq;
        }
    return 0;
}

static bool column_is_blob(sqlite3_stmt *st, int col, size_t len_min, size_t len_max)
{
    if (sqlite3_column_type(st, col) != SQLITE_BLOB)
        return false;
    size_t len = (size_t)sqlite3_column_bytes(st, col);
    return len >= len_min && len <= len_max;
}

static bool column_is_int(sqlite3_stmt *st, int col)
{
    return sqlite3_column_type(st, col) == SQLITE_INTEGER;
}

/* End a write transaction that failed: roll back whatever is still open.
 * After SQLITE_FULL, IOERR or NOMEM SQLite may have rolled back already
 * (autocommit is then on again). */
static void txn_abort(wt_store *s)
{
    if (sqlite3_get_autocommit(s->db))
        return;
    int rc = stmt_run(s->st[ST_ROLLBACK]);
    if (rc != SQLITE_OK)
        wt_log(WT_LOG_ERROR, "store", "rollback failed: %s (sqlite %d)", sqlite3_errmsg(s->db), rc);
}

static wt_err txn_begin(wt_store *s)
{
    WT_ASSERT(!s->iterating);
    if (s->read_only) {
        snprintf(s->last_error, sizeof s->last_error, "the store was opened read-only");
        return WT_ERR_STORAGE_UNAVAILABLE;
    }
    txn_abort(s); /* a transaction left open by a failure SQLite did not end */
    int rc = stmt_run(s->st[ST_BEGIN]);
    return rc == SQLITE_OK ? WT_OK : store_fail(s, rc, "begin");
}

static wt_err txn_commit(wt_store *s)
{
    int rc = stmt_run(s->st[ST_COMMIT]);
    if (rc != SQLITE_OK) {
        wt_err err = store_fail(s, rc, "commit");
        txn_abort(s);
        return err;
    }
    return WT_OK;
}

/* Load the rows stored after the map's synced_seq (all of them at first):
 * one index seek when there are none. */
static wt_err txid_map_sync(wt_store *s)
{
    txid_map *m = &s->txids;
    if (m->slots == NULL) { /* the first load: size the table once */
        sqlite3_stmt *last = s->st[ST_LAST_TX];
        int rc = sqlite3_step(last);
        int64_t rows = rc == SQLITE_ROW ? sqlite3_column_int64(last, 0) : 0;
        stmt_release(last);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE)
            return store_fail(s, rc, "last tx");
        if (rows > 0 && (uint64_t)rows < SIZE_MAX / 4 && !txid_map_reserve(m, (size_t)rows))
            return WT_ERR_NO_MEMORY;
    }
    sqlite3_stmt *st = s->st[ST_TXIDS_AFTER];
    int rc = sqlite3_bind_int64(st, 1, (int64_t)m->synced_seq);
    wt_err err = rc == SQLITE_OK ? WT_OK : store_fail(s, rc, "txids");
    while (err == WT_OK) {
        rc = sqlite3_step(st);
        if (rc == SQLITE_DONE)
            break;
        if (rc != SQLITE_ROW) {
            err = store_fail(s, rc, "txids");
            break;
        }
        int64_t seq = sqlite3_column_int64(st, 0);
        if (!column_is_int(st, 0) || !column_is_int(st, 1) || seq < 1) {
            err = store_corrupt(s, "txs", seq, "seq or txid_prefix malformed");
        } else if (!txid_map_reserve(m, 1)) {
            err = WT_ERR_NO_MEMORY;
        } else {
            txid_map_put(m, (uint64_t)sqlite3_column_int64(st, 1), (uint64_t)seq);
            m->synced_seq = (uint64_t)seq;
        }
    }
    stmt_release(st);
    return err;
}

/* --------------------------------------------------------------- opening */

static wt_err pragma_int(wt_store *s, int64_t *value, const char *sql)
{
    *value = 0;
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            *value = sqlite3_column_int64(st, 0);
            rc = SQLITE_OK;
        }
    }
    wt_err err = rc == SQLITE_OK ? WT_OK : store_fail(s, rc, sql);
    sqlite3_finalize(st);
    return err;
}

static wt_err exec_sql(wt_store *s, const char *sql, const char *what)
{
    int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? WT_OK : store_fail(s, rc, what);
}

/*
 * What the file is: *version its user_version, after checking it is ours —
 * a version-0 file must hold no tables at all (a new or empty file), a
 * later one must carry our application_id.
 */
static wt_err store_identify(wt_store *s, int64_t *version)
{
    int64_t app_id = 0, tables = 0;
    wt_err err = pragma_int(s, version, "PRAGMA user_version");
    if (err == WT_OK)
        err = pragma_int(s, &app_id, "PRAGMA application_id");
    if (err == WT_OK)
        err = pragma_int(s, &tables, "SELECT count(*) FROM sqlite_master");
    if (err != WT_OK)
        return err;
    if (*version < 0 || (*version == 0 ? tables != 0 : app_id != WT_STORE_APPLICATION_ID)) {
        snprintf(s->last_error, sizeof s->last_error,
                 "not a wattle store (user_version %lld, application_id %lld, %lld objects)",
                 (long long)*version, (long long)app_id, (long long)tables);
        return WT_ERR_NOT_A_STORE;
    }
    if (*version > WT_STORE_SCHEMA_VERSION) {
        snprintf(s->last_error, sizeof s->last_error,
                 "schema version %lld is newer than this program's %d", (long long)*version,
                 WT_STORE_SCHEMA_VERSION);
        return WT_ERR_STORE_VERSION;
    }
    return WT_OK;
}

static wt_err store_migrate(wt_store *s)
{
    int64_t version = 0;
    wt_err err = store_identify(s, &version);
    if (err != WT_OK || version == WT_STORE_SCHEMA_VERSION)
        return err;
    if (s->read_only) {
        if (version == 0) {
            snprintf(s->last_error, sizeof s->last_error, "empty file, not a wattle store");
            return WT_ERR_NOT_A_STORE;
        }
        snprintf(s->last_error, sizeof s->last_error,
                 "schema version %lld needs a read-write open to migrate", (long long)version);
        return WT_ERR_STORE_VERSION;
    }
    /* WAL mode is a property of the file, set outside any transaction. */
    err = exec_sql(s, "PRAGMA journal_mode=WAL", "journal_mode");
    if (err != WT_OK)
        return err;
    err = exec_sql(s, "BEGIN IMMEDIATE", "migration begin");
    if (err != WT_OK)
        return err;
    /* Another process may have migrated between our look and our lock. */
    err = store_identify(s, &version);
    for (int64_t v = version; err == WT_OK && v < WT_STORE_SCHEMA_VERSION; v++) {
        char what[64];
        snprintf(what, sizeof what, "migration %lld -> %lld", (long long)v, (long long)(v + 1));
        err = exec_sql(s, migrations[v], what);
        if (err == WT_OK)
            wt_log(WT_LOG_INFO, "store", "%s", what);
    }
    if (err == WT_OK) {
        char sql[96];
        snprintf(sql, sizeof sql, "PRAGMA user_version = %d; PRAGMA application_id = %d",
                 WT_STORE_SCHEMA_VERSION, WT_STORE_APPLICATION_ID);
        err = exec_sql(s, sql, "schema version");
    }
    if (err == WT_OK)
        err = exec_sql(s, "COMMIT", "migration commit");
    if (err != WT_OK && !sqlite3_get_autocommit(s->db))
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    return err;
}

static wt_err store_configure(wt_store *s, const wt_store_opts *o)
{
    int rc = sqlite3_extended_result_codes(s->db, 1);
    if (rc == SQLITE_OK)
        rc = sqlite3_busy_timeout(s->db, o->busy_timeout_ms > 0 ? o->busy_timeout_ms
                                                                : WT_STORE_BUSY_TIMEOUT_MS);
    /* No writable_schema tricks: the schema can only change through SQL. */
    if (rc == SQLITE_OK)
        rc = sqlite3_db_config(s->db, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)NULL);
    if (rc != SQLITE_OK)
        return store_fail(s, rc, "configure");
    char sql[256];
    snprintf(sql, sizeof sql,
             "PRAGMA cache_size = -%lld; PRAGMA synchronous = FULL;"
             " PRAGMA foreign_keys = OFF; PRAGMA trusted_schema = OFF;"
             " PRAGMA journal_size_limit = 67108864", /* a log grown behind a long
                                                        reader shrinks back to 64 MiB */
             (long long)(o->cache_kib > 0 ? o->cache_kib : WT_STORE_CACHE_KIB));
    return exec_sql(s, sql, "pragmas");
}

static wt_err store_prepare(wt_store *s)
{
    for (int i = 0; i < ST_COUNT_; i++) {
        int rc =
            sqlite3_prepare_v3(s->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &s->st[i], NULL);
        if (rc != SQLITE_OK)
            return store_fail(s, rc, stmt_sql[i]);
    }
    return WT_OK;
}

/* ---------------------------------------------------------- checkpoints */

/* SQLite's WAL hook, after every commit of the writer. (Installing it
 * replaces SQLite's auto-checkpoint, which is this same hook checkpointing
 * all of the log in place.) From WT_STORE_CHECKPOINT_FRAMES the checkpointer
 * copies the log into the database beside the writer. But the log restarts
 * from its beginning only at a commit that finds all of it copied, and a
 * busy writer always adds frames while a checkpoint runs; so at twice that
 * the writer copies the few frames left itself, and the next commit
 * restarts the log. That stalls one commit for a fraction of what a whole
 * checkpoint took. */
static int wal_committed(void *arg, sqlite3 *db, const char *name, int frames)
{
    checkpointer *c = arg;
    if (frames >= 2 * WT_STORE_CHECKPOINT_FRAMES) {
        sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    } else if (frames >= WT_STORE_CHECKPOINT_FRAMES) {
        pthread_mutex_lock(&c->lock);
        c->due = true;
        pthread_cond_signal(&c->wake);
        pthread_mutex_unlock(&c->lock);
    }
    return SQLITE_OK;
}

#define CHECKPOINT_GAP_MS 20

static void *checkpointer_main(void *arg)
{
    checkpointer *c = arg;
    pthread_mutex_lock(&c->lock);
    for (;;) {
        while (!c->due && !c->stopping)
            pthread_cond_wait(&c->wake, &c->lock);
        if (c->stopping)
            break;
        c->due = false;
        pthread_mutex_unlock(&c->lock);
        /* PASSIVE: copies what no reader still needs, never waits for the
         * writer; what it leaves is taken the next time */
        int log_frames = 0, done_frames = 0;
        int rc = sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log_frames,
                                           &done_frames);
        if (rc != SQLITE_OK && (rc & 0xff) != SQLITE_BUSY)
            wt_log(WT_LOG_WARN, "store", "background checkpoint: %s", sqlite3_errmsg(c->db));
        if (rc == SQLITE_OK && done_frames > 0)
            atomic_fetch_add(&c->runs, 1);
        /* each run ends with an fsync of the database: not more often than
         * every CHECKPOINT_GAP_MS, however often commits ask */
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += CHECKPOINT_GAP_MS * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_mutex_lock(&c->lock);
        while (!c->stopping && pthread_cond_timedwait(&c->wake, &c->lock, &until) == 0) {
        }
    }
    pthread_mutex_unlock(&c->lock);
    return NULL;
}

static void checkpointer_stop(wt_store *s)
{
    checkpointer *c = s->ckpt;
    if (c == NULL)
        return;
    sqlite3_wal_hook(s->db, NULL, NULL);
    if (c->started) {
        pthread_mutex_lock(&c->lock);
        c->stopping = true;
        pthread_cond_signal(&c->wake);
        pthread_mutex_unlock(&c->lock);
        pthread_join(c->thread, NULL);
    }
    sqlite3_close_v2(c->db);
    pthread_cond_destroy(&c->wake);
    pthread_mutex_destroy(&c->lock);
    free(c);
    s->ckpt = NULL;
}

static wt_err checkpointer_start(wt_store *s, const char *path, const wt_store_opts *o)
{
    checkpointer *c = calloc(1, sizeof *c);
    if (c == NULL)
        return WT_ERR_NO_MEMORY;
    pthread_mutex_init(&c->lock, NULL);
    pthread_cond_init(&c->wake, NULL);
    s->ckpt = c;
    int rc =
        sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, o->vfs_name);
    if (rc == SQLITE_OK)
        rc = sqlite3_busy_timeout(c->db, o->busy_timeout_ms > 0 ? o->busy_timeout_ms
                                                                : WT_STORE_BUSY_TIMEOUT_MS);
    /* a connection that has read nothing does not know the file is in WAL
     * mode, and its checkpoints do nothing (the log size comes back -1) */
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(c->db, "SELECT 1 FROM sqlite_master LIMIT 1", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        snprintf(s->last_error, sizeof s->last_error, "checkpointer: %s (sqlite %d)",
                 c->db != NULL ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc), rc);
        checkpointer_stop(s);
        return map_rc(rc);
    }
    if (pthread_create(&c->thread, NULL, checkpointer_main, c) != 0) {
        checkpointer_stop(s);
        return WT_ERR_NO_MEMORY;
    }
    c->started = true;
    sqlite3_wal_hook(s->db, wal_committed, c);
    return WT_OK;
}

uint64_t wt_store_checkpoints(const wt_store *store)
{
    WT_ASSERT(store != NULL);
    return store->ckpt != NULL ? atomic_load(&store->ckpt->runs) : 0;
}

wt_err wt_store_open(wt_store **store, const char *path, const wt_store_opts *opts)
{
    WT_ASSERT(store != NULL);
    WT_ASSERT(path != NULL);
    *store = NULL;
    wt_store_opts o = opts != NULL ? *opts : (wt_store_opts){0};
    if (o.cache_kib < 0 || o.busy_timeout_ms < 0 || (o.read_only && o.background_checkpoint) ||
        (o.vfs_name != NULL && sqlite3_vfs_find(o.vfs_name) == NULL))
        return WT_ERR_INVALID_ARGUMENT;

    wt_store *s = calloc(1, sizeof *s);
    if (s == NULL)
        return WT_ERR_NO_MEMORY;
    s->read_only = o.read_only;
    int flags = (o.read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
                SQLITE_OPEN_NOMUTEX;
    wt_err err;
    int rc = sqlite3_open_v2(path, &s->db, flags, o.vfs_name);
    if (rc != SQLITE_OK) {
        err = store_fail(s, rc, path);
        if ((rc & 0xff) == SQLITE_CANTOPEN && o.read_only && access(path, F_OK) != 0)
            err = WT_ERR_NOT_FOUND;
    } else {
        err = store_configure(s, &o);
        if (err == WT_OK)
            err = store_migrate(s);
        if (err == WT_OK)
            err = store_prepare(s);
        if (err == WT_OK &&
            getrandom(&s->txids.key, sizeof s->txids.key, 0) != (ssize_t)sizeof s->txids.key)
            s->txids.key = (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)s ^ (uint64_t)getpid();
        if (err == WT_OK && !o.read_only)
            err = txid_map_sync(s); /* a reader loads it on its first txid lookup */
        if (err == WT_OK && !o.read_only && o.background_checkpoint)
            err = checkpointer_start(s, path, &o);
    }
    if (err != WT_OK) {
        if (s->last_error[0] != '\0')
            wt_log(WT_LOG_ERROR, "store", "cannot open %s: %s", path, s->last_error);
        wt_store_close(s);
        return err;
    }
    *store = s;
    return WT_OK;
}

void wt_store_close(wt_store *store)
{
    if (store == NULL)
        return;
    checkpointer_stop(store);
    for (int i = 0; i < ST_COUNT_; i++)
        sqlite3_finalize(store->st[i]);
    sqlite3_close_v2(store->db);
    txid_map_clear(&store->txids);
    free(store);
}

const char *wt_store_last_error(const wt_store *store)
{
    WT_ASSERT(store != NULL);
    return store->last_error;
}

/* ------------------------------------------------------------------ meta */

static bool meta_key_ok(const char *key)
{
    size_t len = strnlen(key, WT_STORE_META_KEY_BYTES_MAX + 1);
    return len >= 1 && len <= WT_STORE_META_KEY_BYTES_MAX;
}

wt_err wt_store_meta_put(wt_store *store, const char *key, const uint8_t *value, size_t value_len)
{
    WT_ASSERT(store != NULL && key != NULL);
    WT_ASSERT(value != NULL || value_len == 0);
    if (!meta_key_ok(key) || value_len > WT_STORE_META_BYTES_MAX)
        return WT_ERR_INVALID_ARGUMENT;
    wt_err err = txn_begin(store);
    if (err != WT_OK)
        return err;
    sqlite3_stmt *st = store->st[ST_META_PUT];
    int rc = sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = value_len == 0 ? sqlite3_bind_zeroblob(st, 2, 0)
                            : sqlite3_bind_blob64(st, 2, value, value_len, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = stmt_run(st);
    else
        stmt_release(st);
    if (rc != SQLITE_OK) {
        err = store_fail(store, rc, "meta put");
        txn_abort(store);
        return err;
    }
    return txn_commit(store);
}

wt_err wt_store_meta_get(wt_store *store, uint8_t *value, size_t value_cap, size_t *value_len,
                         const char *key)
{
    WT_ASSERT(store != NULL && value_len != NULL && key != NULL);
    WT_ASSERT(value != NULL || value_cap == 0);
    *value_len = 0;
    if (!meta_key_ok(key))
        return WT_ERR_INVALID_ARGUMENT;
    sqlite3_stmt *st = store->st[ST_META_GET];
    int rc = sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    wt_err err = WT_OK;
    if (rc == SQLITE_DONE) {
        err = WT_ERR_NOT_FOUND;
    } else if (rc != SQLITE_ROW) {
        err = store_fail(store, rc, "meta get");
    } else if (!column_is_blob(st, 0, 0, WT_STORE_META_BYTES_MAX)) {
        err = store_corrupt(store, "meta", 0, key);
    } else {
        const void *blob = sqlite3_column_blob(st, 0);
        size_t len = (size_t)sqlite3_column_bytes(st, 0);
        *value_len = len;
        if (len > value_cap)
            err = WT_ERR_BUFFER_TOO_SMALL;
        else if (len > 0)
            memcpy(value, blob, len);
    }
    stmt_release(st);
    return err;
}

/* --------------------------------------------------------- transactions */

/* Columns TX_COLUMNS of the current row into *tx (raw points into st). */
static wt_err tx_from_row(wt_store *s, wt_store_tx *tx, sqlite3_stmt *st)
{
    memset(tx, 0, sizeof *tx);
    int64_t seq = sqlite3_column_int64(st, 0);
    if (!column_is_int(st, 0) || !column_is_int(st, 1) || !column_is_int(st, 2) ||
        !column_is_int(st, 3))
        return store_corrupt(s, "txs", seq, "a column is not an integer");
    int64_t height = sqlite3_column_int64(st, 1);
    if (seq < 1 || height < 0)
        return store_corrupt(s, "txs", seq, "seq or height out of range");
    if (!column_is_blob(st, 4, 32, 32))
        return store_corrupt(s, "txs", seq, "txid is not 32 bytes");
    if (!column_is_blob(st, 5, 1, WT_STORE_TX_BYTES_MAX))
        return store_corrupt(s, "txs", seq, "raw is empty or too long");
    const uint8_t *txid = sqlite3_column_blob(st, 4);
    if (sqlite3_column_int64(st, 3) != txid_prefix(txid))
        return store_corrupt(s, "txs", seq, "txid_prefix does not match txid");
    tx->seq = (uint64_t)seq;
    tx->height = (uint64_t)height;
    tx->t_ms = sqlite3_column_int64(st, 2);
    memcpy(tx->txid, txid, 32);
    tx->raw = sqlite3_column_blob(st, 5);
    tx->raw_len = (size_t)sqlite3_column_bytes(st, 5);
    return WT_OK;
}

/* Check one batch before touching the database. */
static wt_err batch_check(const wt_store_tx *txs, size_t txs_count)
{
    for (size_t i = 0; i < txs_count; i++) {
        const wt_store_tx *tx = &txs[i];
        WT_ASSERT(tx->raw != NULL || tx->raw_len == 0);
        if (tx->raw_len == 0 || tx->raw_len > WT_STORE_TX_BYTES_MAX)
            return WT_ERR_INVALID_ARGUMENT;
        if (tx->seq < 1 || tx->seq > INT64_MAX || tx->height > INT64_MAX)
            return WT_ERR_INVALID_ARGUMENT;
        if (i > 0 && tx->seq != txs[i - 1].seq + 1)
            return WT_ERR_BAD_SEQ;
        if (i > 0 && tx->height < txs[i - 1].height)
            return WT_ERR_BAD_HEIGHT;
    }
    return WT_OK;
}

/* Inside the write transaction: does txs[0] continue the stored ledger? */
static wt_err batch_continues(wt_store *s, const wt_store_tx *first)
{
    sqlite3_stmt *st = s->st[ST_LAST_TX];
    int rc = sqlite3_step(st);
    uint64_t last_seq = 0, last_height = 0;
    if (rc == SQLITE_ROW) {
        last_seq = (uint64_t)sqlite3_column_int64(st, 0);
        last_height = (uint64_t)sqlite3_column_int64(st, 1);
    }
    stmt_release(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return store_fail(s, rc, "last tx");
    /* The map follows the stored rows; a store that lost rows (restored
     * from a backup, edited) gets a fresh map. */
    if (last_seq < s->txids.synced_seq)
        txid_map_clear(&s->txids);
    if (last_seq > s->txids.synced_seq) {
        wt_err err = txid_map_sync(s);
        if (err != WT_OK)
            return err;
    }
    if (first->seq != last_seq + 1) {
        snprintf(s->last_error, sizeof s->last_error, "batch starts at seq %llu, expected %llu",
                 (unsigned long long)first->seq, (unsigned long long)(last_seq + 1));
        return WT_ERR_BAD_SEQ;
    }
    if (first->height < last_height) {
        snprintf(s->last_error, sizeof s->last_error, "height %llu is below the last tx's %llu",
                 (unsigned long long)first->height, (unsigned long long)last_height);
        return WT_ERR_BAD_HEIGHT;
    }
    st = s->st[ST_LAST_BLOCK];
    rc = sqlite3_step(st);
    uint64_t block_height = rc == SQLITE_ROW ? (uint64_t)sqlite3_column_int64(st, 0) : 0;
    stmt_release(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return store_fail(s, rc, "last block");
    if (rc == SQLITE_ROW && first->height <= block_height) {
        snprintf(s->last_error, sizeof s->last_error,
                 "height %llu is already sealed (last block %llu)",
                 (unsigned long long)first->height, (unsigned long long)block_height);
        return WT_ERR_BAD_HEIGHT;
    }
    return WT_OK;
}

/* Is txid stored already, or earlier in this batch (batch[0 .. done))?
 * Full compare for every entry under its prefix. */
static wt_err tx_check_new(wt_store *s, const uint8_t txid[32], const wt_store_tx *batch,
                           size_t done)
{
    size_t pos = SIZE_MAX;
    uint64_t prefix = (uint64_t)txid_prefix(txid), seq;
    while ((seq = txid_map_next(&s->txids, &pos, prefix)) != 0) {
        bool same = false;
        if (seq >= batch[0].seq) {
            WT_ASSERT(seq - batch[0].seq < done);
            same = memcmp(batch[seq - batch[0].seq].txid, txid, 32) == 0;
        } else {
            sqlite3_stmt *st = s->st[ST_TXID_BY_SEQ];
            int rc = sqlite3_bind_int64(st, 1, (int64_t)seq);
            if (rc == SQLITE_OK)
                rc = sqlite3_step(st);
            if (rc == SQLITE_ROW)
                same = column_is_blob(st, 0, 32, 32) &&
                       memcmp(sqlite3_column_blob(st, 0), txid, 32) == 0;
            stmt_release(st);
            if (rc != SQLITE_ROW && rc != SQLITE_DONE)
                return store_fail(s, rc, "txid lookup");
        }
        if (same) {
            char hex[65];
            wt_hex_encode(hex, txid, 32);
            snprintf(s->last_error, sizeof s->last_error, "txid %s is already stored at seq %llu",
                     hex, (unsigned long long)seq);
            return WT_ERR_DUPLICATE_TX;
        }
    }
    return WT_OK;
}

static wt_err tx_insert(wt_store *s, const wt_store_tx *tx)
{
    int64_t prefix = txid_prefix(tx->txid);
    sqlite3_stmt *st = s->st[ST_TX_INSERT];
    int rc;
    rc = sqlite3_bind_int64(st, 1, (int64_t)tx->seq);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(st, 2, (int64_t)tx->height);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(st, 3, tx->t_ms);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(st, 4, prefix);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_blob(st, 5, tx->txid, 32, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_blob64(st, 6, tx->raw, tx->raw_len, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = stmt_run(st);
    else
        stmt_release(st);
    return rc == SQLITE_OK ? WT_OK : store_fail(s, rc, "tx insert");
}

static wt_err account_upsert(wt_store *s, const wt_account *a)
{
    sqlite3_stmt *st = s->st[ST_ACCOUNT_UPSERT];
    int rc = sqlite3_bind_blob(st, 1, a->key, 32, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(st, 2, a->balance_micro);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(st, 3, a->holds_micro);
    /* A nonce above INT64_MAX is stored as its two's complement bit pattern
     * and read back unchanged. */
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(st, 4, (int64_t)a->nonce);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(st, 5, (int64_t)a->roles);
    if (rc == SQLITE_OK)
        rc = stmt_run(st);
    else
        stmt_release(st);
    return rc == SQLITE_OK ? WT_OK : store_fail(s, rc, "account upsert");
}

wt_err wt_store_append_batch(wt_store *store, const wt_store_tx *txs, size_t txs_count,
                             const wt_account *accounts, size_t accounts_count)
{
    WT_ASSERT(store != NULL);
    WT_ASSERT(txs != NULL || txs_count == 0);
    WT_ASSERT(accounts != NULL || accounts_count == 0);
    wt_err err = batch_check(txs, txs_count);
    if (err != WT_OK || (txs_count == 0 && accounts_count == 0))
        return err;
    err = txn_begin(store);
    if (err != WT_OK)
        return err;
    txid_map *m = &store->txids;
    if (txs_count > 0)
        err = batch_continues(store, &txs[0]);
    if (err == WT_OK && !txid_map_reserve(m, txs_count))
        err = WT_ERR_NO_MEMORY;
    /* The batch's txids join the map as they are inserted, so a txid twice
     * in one batch is caught too; they leave it again if the batch fails. */
    size_t mapped = 0;
    for (size_t i = 0; err == WT_OK && i < txs_count; i++) {
        err = tx_check_new(store, txs[i].txid, txs, i);
        if (err == WT_OK) {
            txid_map_put(m, (uint64_t)txid_prefix(txs[i].txid), txs[i].seq);
            mapped++;
            err = tx_insert(store, &txs[i]);
        }
    }
    for (size_t i = 0; err == WT_OK && i < accounts_count; i++)
        err = account_upsert(store, &accounts[i]);
    if (err == WT_OK)
        err = txn_commit(store);
    else
        txn_abort(store);
    if (err != WT_OK) {
        for (size_t i = 0; i < mapped; i++)
            txid_map_remove(m, (uint64_t)txid_prefix(txs[i].txid), txs[i].seq);
        return err;
    }
    if (txs_count > 0)
        m->synced_seq = txs[txs_count - 1].seq;
    return WT_OK;
}

wt_err wt_store_last_seq(wt_store *store, uint64_t *seq)
{
    WT_ASSERT(store != NULL && seq != NULL);
    *seq = 0;
    sqlite3_stmt *st = store->st[ST_LAST_TX];
    int rc = sqlite3_step(st);
    wt_err err = WT_OK;
    if (rc == SQLITE_ROW) {
        int64_t v = sqlite3_column_int64(st, 0);
        if (v < 1)
            err = store_corrupt(store, "txs", v, "seq out of range");
        else
            *seq = (uint64_t)v;
    } else if (rc != SQLITE_DONE) {
        err = store_fail(store, rc, "last seq");
    }
    stmt_release(st);
    return err;
}

/* Step a single-row lookup and copy it out; a row whose txid is not
 * want_txid (when given) counts as not found. */
static wt_err tx_lookup(wt_store *s, sqlite3_stmt *st, int rc, wt_store_tx_info *info, uint8_t *raw,
                        size_t raw_cap, const uint8_t *want_txid)
{
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    wt_err err = WT_OK;
    wt_store_tx tx;
    if (rc == SQLITE_DONE)
        err = WT_ERR_NOT_FOUND;
    else if (rc != SQLITE_ROW)
        err = store_fail(s, rc, "tx lookup");
    else
        err = tx_from_row(s, &tx, st);
    if (err == WT_OK && want_txid != NULL && memcmp(tx.txid, want_txid, 32) != 0)
        err = WT_ERR_NOT_FOUND;
    if (err == WT_OK) {
        info->seq = tx.seq;
        info->height = tx.height;
        info->t_ms = tx.t_ms;
        memcpy(info->txid, tx.txid, 32);
        info->raw_len = tx.raw_len;
        if (raw != NULL) {
            if (raw_cap < tx.raw_len)
                err = WT_ERR_BUFFER_TOO_SMALL;
            else
                memcpy(raw, tx.raw, tx.raw_len);
        }
    }
    stmt_release(st);
    return err;
}

wt_err wt_store_tx_by_txid(wt_store *store, wt_store_tx_info *info, uint8_t *raw, size_t raw_cap,
                           const uint8_t txid[32])
{
    WT_ASSERT(store != NULL && info != NULL && txid != NULL);
    WT_ASSERT(raw != NULL || raw_cap == 0);
    memset(info, 0, sizeof *info);
    /* A reader first loads the rows the writer committed since its last
     * look. A writer's map already holds every row it can see: what it had
     * at open and what it appended since (a second writer's rows, which
     * SQLite's locking would allow, are loaded by the next append, which
     * refuses their duplicates). */
    wt_err err = store->read_only ? txid_map_sync(store) : WT_OK;
    if (err != WT_OK)
        return err;
    size_t pos = SIZE_MAX;
    uint64_t seq;
    while ((seq = txid_map_next(&store->txids, &pos, (uint64_t)txid_prefix(txid))) != 0) {
        sqlite3_stmt *st = store->st[ST_TX_BY_SEQ];
        err =
            tx_lookup(store, st, sqlite3_bind_int64(st, 1, (int64_t)seq), info, raw, raw_cap, txid);
        if (err != WT_ERR_NOT_FOUND)
            return err;
        memset(info, 0, sizeof *info);
    }
    return WT_ERR_NOT_FOUND;
}

wt_err wt_store_tx_by_seq(wt_store *store, wt_store_tx_info *info, uint8_t *raw, size_t raw_cap,
                          uint64_t seq)
{
    WT_ASSERT(store != NULL && info != NULL);
    WT_ASSERT(raw != NULL || raw_cap == 0);
    memset(info, 0, sizeof *info);
    if (seq < 1 || seq > INT64_MAX)
        return WT_ERR_NOT_FOUND;
    sqlite3_stmt *st = store->st[ST_TX_BY_SEQ];
    int rc = sqlite3_bind_int64(st, 1, (int64_t)seq);
    return tx_lookup(store, st, rc, info, raw, raw_cap, NULL);
}

wt_err wt_store_txs_each(wt_store *store, uint64_t from_seq, wt_store_tx_visit_fn visit, void *arg)
{
    WT_ASSERT(store != NULL && visit != NULL);
    WT_ASSERT(!store->iterating);
    if (from_seq < 1)
        from_seq = 1;
    if (from_seq > INT64_MAX)
        return WT_OK;
    sqlite3_stmt *st = store->st[ST_TXS_FROM];
    int rc = sqlite3_bind_int64(st, 1, (int64_t)from_seq);
    wt_err err = rc == SQLITE_OK ? WT_OK : store_fail(store, rc, "txs from");
    store->iterating = true;
    uint64_t expect_seq = from_seq, last_height = 0;
    while (err == WT_OK) {
        rc = sqlite3_step(st);
        if (rc == SQLITE_DONE)
            break;
        if (rc != SQLITE_ROW) {
            err = store_fail(store, rc, "txs from");
            break;
        }
        wt_store_tx tx;
        err = tx_from_row(store, &tx, st);
        /* Paired with the checks on append: seqs have no gap, heights never
         * go down. A deleted or moved row shows up here. */
        if (err == WT_OK && tx.seq != expect_seq)
            err = store_corrupt(store, "txs", (int64_t)tx.seq, "seq gap");
        if (err == WT_OK && tx.height < last_height)
            err = store_corrupt(store, "txs", (int64_t)tx.seq, "height goes down");
        if (err != WT_OK || !visit(arg, &tx))
            break;
        expect_seq = tx.seq + 1;
        last_height = tx.height;
    }
    store->iterating = false;
    stmt_release(st);
    return err;
}

/* --------------------------------------------------------------- blocks */

static wt_err block_from_row(wt_store *s, wt_store_block *block, sqlite3_stmt *st)
{
    memset(block, 0, sizeof *block);
    int64_t height = sqlite3_column_int64(st, 0);
    if (!column_is_int(st, 0) || height < 0)
        return store_corrupt(s, "blocks", height, "height out of range");
    if (!column_is_blob(st, 1, 32, 32))
        return store_corrupt(s, "blocks", height, "hash is not 32 bytes");
    if (!column_is_blob(st, 2, 1, WT_STORE_HEADER_BYTES_MAX))
        return store_corrupt(s, "blocks", height, "header is empty or too long");
    block->height = (uint64_t)height;
    memcpy(block->hash, sqlite3_column_blob(st, 1), 32);
    block->header = sqlite3_column_blob(st, 2);
    block->header_len = (size_t)sqlite3_column_bytes(st, 2);
    return WT_OK;
}

wt_err wt_store_block_append(wt_store *store, uint64_t height, const uint8_t hash[32],
                             const uint8_t *header, size_t header_len)
{
    WT_ASSERT(store != NULL && hash != NULL);
    WT_ASSERT(header != NULL || header_len == 0);
    if (height > INT64_MAX || header_len == 0 || header_len > WT_STORE_HEADER_BYTES_MAX)
        return WT_ERR_INVALID_ARGUMENT;
    wt_err err = txn_begin(store);
    if (err != WT_OK)
        return err;
    sqlite3_stmt *st = store->st[ST_LAST_BLOCK];
    int rc = sqlite3_step(st);
    bool any = rc == SQLITE_ROW;
    uint64_t last = any ? (uint64_t)sqlite3_column_int64(st, 0) : 0;
    stmt_release(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        err = store_fail(store, rc, "last block");
    } else if (any ? height != last + 1 : height != 0) {
        snprintf(store->last_error, sizeof store->last_error,
                 "block height %llu does not follow %s%llu", (unsigned long long)height,
                 any ? "" : "nothing, expected ", any ? (unsigned long long)last : 0ULL);
        err = WT_ERR_BAD_HEIGHT;
    } else {
        st = store->st[ST_BLOCK_INSERT];
        rc = sqlite3_bind_int64(st, 1, (int64_t)height);
        if (rc == SQLITE_OK)
            rc = sqlite3_bind_blob(st, 2, hash, 32, SQLITE_STATIC);
        if (rc == SQLITE_OK)
            rc = sqlite3_bind_blob64(st, 3, header, header_len, SQLITE_STATIC);
        if (rc == SQLITE_OK)
            rc = stmt_run(st);
        else
            stmt_release(st);
        if (rc != SQLITE_OK)
            err = store_fail(store, rc, "block insert");
    }
    if (err != WT_OK) {
        txn_abort(store);
        return err;
    }
    return txn_commit(store);
}

wt_err wt_store_last_block(wt_store *store, uint64_t *height, uint8_t hash[32])
{
    WT_ASSERT(store != NULL && height != NULL && hash != NULL);
    *height = 0;
    memset(hash, 0, 32);
    sqlite3_stmt *st = store->st[ST_LAST_BLOCK];
    int rc = sqlite3_step(st);
    wt_err err = WT_OK;
    if (rc == SQLITE_DONE) {
        err = WT_ERR_NOT_FOUND;
    } else if (rc != SQLITE_ROW) {
        err = store_fail(store, rc, "last block");
    } else {
        int64_t h = sqlite3_column_int64(st, 0);
        if (!column_is_int(st, 0) || h < 0 || !column_is_blob(st, 1, 32, 32)) {
            err = store_corrupt(store, "blocks", h, "height or hash malformed");
        } else {
            *height = (uint64_t)h;
            memcpy(hash, sqlite3_column_blob(st, 1), 32);
        }
    }
    stmt_release(st);
    return err;
}

wt_err wt_store_block_get(wt_store *store, uint8_t hash[32], uint8_t *header, size_t header_cap,
                          size_t *header_len, uint64_t height)
{
    WT_ASSERT(store != NULL && hash != NULL && header_len != NULL);
    WT_ASSERT(header != NULL || header_cap == 0);
    memset(hash, 0, 32);
    *header_len = 0;
    if (height > INT64_MAX)
        return WT_ERR_NOT_FOUND;
    sqlite3_stmt *st = store->st[ST_BLOCK_GET];
    int rc = sqlite3_bind_int64(st, 1, (int64_t)height);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    wt_err err = WT_OK;
    wt_store_block block;
    if (rc == SQLITE_DONE)
        err = WT_ERR_NOT_FOUND;
    else if (rc != SQLITE_ROW)
        err = store_fail(store, rc, "block get");
    else
        err = block_from_row(store, &block, st);
    if (err == WT_OK) {
        memcpy(hash, block.hash, 32);
        *header_len = block.header_len;
        if (header != NULL) {
            if (header_cap < block.header_len)
                err = WT_ERR_BUFFER_TOO_SMALL;
            else
                memcpy(header, block.header, block.header_len);
        }
    }
    stmt_release(st);
    return err;
}

wt_err wt_store_blocks_each(wt_store *store, uint64_t from_height, wt_store_block_visit_fn visit,
                            void *arg)
{
    WT_ASSERT(store != NULL && visit != NULL);
    WT_ASSERT(!store->iterating);
    if (from_height > INT64_MAX)
        return WT_OK;
    sqlite3_stmt *st = store->st[ST_BLOCKS_FROM];
    int rc = sqlite3_bind_int64(st, 1, (int64_t)from_height);
    wt_err err = rc == SQLITE_OK ? WT_OK : store_fail(store, rc, "blocks from");
    store->iterating = true;
    uint64_t expect = from_height;
    while (err == WT_OK) {
        rc = sqlite3_step(st);
        if (rc == SQLITE_DONE)
            break;
        if (rc != SQLITE_ROW) {
            err = store_fail(store, rc, "blocks from");
            break;
        }
        wt_store_block block;
        err = block_from_row(store, &block, st);
        if (err == WT_OK && block.height != expect)
            err = store_corrupt(store, "blocks", (int64_t)block.height, "height gap");
        if (err != WT_OK || !visit(arg, &block))
            break;
        expect = block.height + 1;
    }
    store->iterating = false;
    stmt_release(st);
    return err;
}

/* ------------------------------------------------------------- accounts */

static wt_err account_from_row(wt_store *s, wt_account *a, sqlite3_stmt *st)
{
    memset(a, 0, sizeof *a);
    if (!column_is_blob(st, 0, 32, 32))
        return store_corrupt(s, "accounts", 0, "key is not 32 bytes");
    for (int col = 1; col <= 4; col++)
        if (!column_is_int(st, col))
            return store_corrupt(s, "accounts", 0, "a column is not an integer");
    int64_t roles = sqlite3_column_int64(st, 4);
    if (roles < 0 || roles > UINT32_MAX)
        return store_corrupt(s, "accounts", 0, "roles out of range");
    memcpy(a->key, sqlite3_column_blob(st, 0), 32);
    a->balance_micro = sqlite3_column_int64(st, 1);
    a->holds_micro = sqlite3_column_int64(st, 2);
    a->nonce = (uint64_t)sqlite3_column_int64(st, 3);
    a->roles = (uint32_t)roles;
    return WT_OK;
}

wt_err wt_store_account_get(wt_store *store, wt_account *account, const uint8_t key[32])
{
    WT_ASSERT(store != NULL && account != NULL && key != NULL);
    memset(account, 0, sizeof *account);
    sqlite3_stmt *st = store->st[ST_ACCOUNT_GET];
    int rc = sqlite3_bind_blob(st, 1, key, 32, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    wt_err err;
    if (rc == SQLITE_DONE)
        err = WT_ERR_NOT_FOUND;
    else if (rc != SQLITE_ROW)
        err = store_fail(store, rc, "account get");
    else
        err = account_from_row(store, account, st);
    stmt_release(st);
    return err;
}

wt_err wt_store_accounts_each(wt_store *store, wt_account_visit_fn visit, void *arg)
{
    WT_ASSERT(store != NULL && visit != NULL);
    WT_ASSERT(!store->iterating);
    sqlite3_stmt *st = store->st[ST_ACCOUNTS_ALL];
    wt_err err = WT_OK;
    store->iterating = true;
    for (;;) {
        int rc = sqlite3_step(st);
        if (rc == SQLITE_DONE)
            break;
        if (rc != SQLITE_ROW) {
            err = store_fail(store, rc, "accounts");
            break;
        }
        wt_account a;
        err = account_from_row(store, &a, st);
        if (err != WT_OK || !visit(arg, &a))
            break;
    }
    store->iterating = false;
    stmt_release(st);
    return err;
}

/* ---------------------------------------------------------------- checks */

wt_err wt_store_check(wt_store *store)
{
    WT_ASSERT(store != NULL);
    WT_ASSERT(!store->iterating);
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(store->db, "PRAGMA integrity_check", -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    wt_err err = WT_OK;
    if (rc != SQLITE_ROW) {
        err = store_fail(store, rc, "integrity_check");
    } else {
        const unsigned char *first = sqlite3_column_text(st, 0);
        if (first == NULL || strcmp((const char *)first, "ok") != 0) {
            snprintf(store->last_error, sizeof store->last_error, "integrity_check: %s",
                     first != NULL ? (const char *)first : "(null)");
            wt_log(WT_LOG_ERROR, "store", "%s", store->last_error);
            err = WT_ERR_STORE_CORRUPT;
        }
    }
    sqlite3_finalize(st);
    return err;
}

/* ---------------------------------------------------------- snapshots */

wt_err wt_store_snapshot_begin(wt_store *store)
{
    WT_ASSERT(store != NULL);
    WT_ASSERT(!store->iterating);
    /* A deferred transaction: the first read fixes the snapshot, which every
     * later read on this connection shares until the end. Reading the
     * header's schema cookie at once makes that moment now, at the cost of
     * one page already in the cache (this runs once per HTTP request that
     * reads several rows). */
    int rc = stmt_run(store->st[ST_SNAPSHOT_BEGIN]);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(store->st[ST_SCHEMA_VERSION]);
        stmt_release(store->st[ST_SCHEMA_VERSION]);
        rc = rc == SQLITE_ROW ? SQLITE_OK : rc;
    }
    if (rc != SQLITE_OK) {
        wt_err err = store_fail(store, rc, "snapshot begin");
        txn_abort(store);
        return err;
    }
    return WT_OK;
}

void wt_store_snapshot_end(wt_store *store)
{
    WT_ASSERT(store != NULL);
    if (stmt_run(store->st[ST_COMMIT]) != SQLITE_OK)
        txn_abort(store); /* a read-only transaction: nothing to lose */
}
