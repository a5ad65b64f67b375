/*
 * queue.c — the gateway's store-and-forward outbox in SQLite (see meter.h).
 * The only I/O of the library: one file, one owner.
 */
#include "meter.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define QUEUE_SCHEMA_VERSION 1

struct wt_queue {
    sqlite3 *db;
};

static const char schema_sql[] =
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS outbox ("
    " interval INTEGER PRIMARY KEY,"
    " nonce INTEGER NOT NULL,"
    " txid BLOB NOT NULL,"
    " tx BLOB NOT NULL,"
    " state INTEGER NOT NULL DEFAULT 0,"
    " seq INTEGER NOT NULL DEFAULT 0,"
    " height INTEGER NOT NULL DEFAULT 0,"
    " error TEXT NOT NULL DEFAULT '');"
    "CREATE INDEX IF NOT EXISTS outbox_state ON outbox (state, interval);"
    "CREATE TABLE IF NOT EXISTS agg ("
    " meter_id TEXT PRIMARY KEY, have_base INTEGER NOT NULL, cur_has_sample INTEGER NOT NULL,"
    " cur_flags INTEGER NOT NULL, base_t_ms INTEGER NOT NULL, base_import_mwh INTEGER NOT NULL,"
    " base_export_mwh INTEGER NOT NULL, cur_interval INTEGER NOT NULL,"
    " cur_import_mwh INTEGER NOT NULL, cur_export_mwh INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS held ("
    " interval INTEGER NOT NULL, meter_id TEXT NOT NULL, import_mwh INTEGER NOT NULL,"
    " export_mwh INTEGER NOT NULL, flags INTEGER NOT NULL, PRIMARY KEY (interval, meter_id));";

static wt_err exec(wt_queue *q, const char *sql)
{
    return sqlite3_exec(q->db, sql, NULL, NULL, NULL) == SQLITE_OK ? WT_OK : WT_ERR_IO;
}

static wt_err meta_get(wt_queue *q, const char *key, int64_t *value, bool *found)
{
    *value = 0;
    *found = false;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(q->db, "SELECT value FROM meta WHERE key = ?", -1, &st, NULL) !=
        SQLITE_OK)
        return WT_ERR_IO;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *value = sqlite3_column_int64(st, 0);
        *found = true;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? WT_OK : WT_ERR_IO;
}

static wt_err meta_set(wt_queue *q, const char *key, int64_t value)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(q->db, "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", -1, &st,
                           NULL) != SQLITE_OK)
        return WT_ERR_IO;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, value);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? WT_OK : WT_ERR_IO;
}

wt_err wt_queue_open(wt_queue **queue, const char *path)
{
    WT_ASSERT(queue != NULL && path != NULL);
    *queue = NULL;
    wt_queue *q = calloc(1, sizeof *q);
    if (q == NULL)
        return WT_ERR_NO_MEMORY;
    if (sqlite3_open_v2(path, &q->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK) {
        wt_queue_close(q);
        return WT_ERR_IO;
    }
    sqlite3_busy_timeout(q->db, 5000);
    wt_err err = exec(q, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;");
    if (err == WT_OK)
        err = exec(q, "BEGIN IMMEDIATE");
    if (err == WT_OK)
        err = exec(q, schema_sql);
    int64_t version = 0;
    bool found = false;
    if (err == WT_OK)
        err = meta_get(q, "schema_version", &version, &found);
    if (err == WT_OK && !found)
        err = meta_set(q, "schema_version", QUEUE_SCHEMA_VERSION);
    else if (err == WT_OK && version != QUEUE_SCHEMA_VERSION)
        err = WT_ERR_STORE_VERSION;
    if (err == WT_OK)
        err = exec(q, "COMMIT");
    if (err != WT_OK) {
        wt_queue_close(q);
        return err;
    }
    *queue = q;
    return WT_OK;
}

void wt_queue_close(wt_queue *queue)
{
    if (queue == NULL)
        return;
    sqlite3_close(queue->db);
    free(queue);
}

void wt_queue_item_free(wt_queue_item *item)
{
    if (item == NULL)
        return;
    free(item->tx);
    memset(item, 0, sizeof *item);
}

/* A READINGS transaction's nonce and txid; WT_ERR_INVALID_ARGUMENT otherwise. */
static wt_err inspect(uint64_t *nonce, uint8_t txid[32], uint64_t *interval, const uint8_t *tx,
                      size_t tx_len)
{
    wt_tx d;
    const char *field = NULL;
    if (tx == NULL || tx_len < WT_TX_BYTES_MIN || wt_tx_decode(&d, &field, tx, tx_len) != WT_OK ||
        d.type != WT_TX_READINGS)
        return WT_ERR_INVALID_ARGUMENT;
    *nonce = d.nonce;
    *interval = d.body.readings.interval;
    wt_tx_id_encoded(txid, tx, tx_len);
    return WT_OK;
}

wt_err wt_queue_put(wt_queue *queue, uint64_t interval, const uint8_t *tx, size_t tx_len)
{
    WT_ASSERT(queue != NULL);
    uint64_t nonce = 0, tx_interval = 0;
    uint8_t txid[32];
    if (inspect(&nonce, txid, &tx_interval, tx, tx_len) != WT_OK || tx_interval != interval ||
        interval > INT64_MAX || nonce > INT64_MAX || tx_len > INT32_MAX)
        return WT_ERR_INVALID_ARGUMENT;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(queue->db,
                           "INSERT INTO outbox (interval, nonce, txid, tx) VALUES (?, ?, ?, ?)", -1,
                           &st, NULL) != SQLITE_OK)
        return WT_ERR_IO;
    sqlite3_bind_int64(st, 1, (int64_t)interval);
    sqlite3_bind_int64(st, 2, (int64_t)nonce);
    sqlite3_bind_blob(st, 3, txid, 32, SQLITE_STATIC);
    sqlite3_bind_blob(st, 4, tx, (int)tx_len, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc == SQLITE_CONSTRAINT)
        return WT_ERR_DUPLICATE_READING;
    return rc == SQLITE_DONE ? WT_OK : WT_ERR_IO;
}

static wt_err read_item(wt_queue *queue, wt_queue_item *item, const char *where, int64_t arg,
                        bool bind)
{
    memset(item, 0, sizeof *item);
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT interval, nonce, txid, tx, state, seq, height, error FROM outbox %s", where);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(queue->db, sql, -1, &st, NULL) != SQLITE_OK)
        return WT_ERR_IO;
    if (bind)
        sqlite3_bind_int64(st, 1, arg);
    int rc = sqlite3_step(st);
    wt_err err = WT_OK;
    if (rc == SQLITE_DONE) {
        err = WT_ERR_NOT_FOUND;
    } else if (rc != SQLITE_ROW) {
        err = WT_ERR_IO;
    } else {
        const void *txid = sqlite3_column_blob(st, 2);
        int txid_len = sqlite3_column_bytes(st, 2);
        const void *tx = sqlite3_column_blob(st, 3);
        int tx_len = sqlite3_column_bytes(st, 3);
        const unsigned char *error = sqlite3_column_text(st, 7);
        int64_t state = sqlite3_column_int64(st, 4);
        if (txid == NULL || txid_len != 32 || tx == NULL || tx_len <= 0 || state < 0 || state > 2) {
            err = WT_ERR_STORE_CORRUPT;
        } else if ((item->tx = malloc((size_t)tx_len)) == NULL) {
            err = WT_ERR_NO_MEMORY;
        } else {
            item->interval = (uint64_t)sqlite3_column_int64(st, 0);
            item->nonce = (uint64_t)sqlite3_column_int64(st, 1);
            memcpy(item->txid, txid, 32);
            memcpy(item->tx, tx, (size_t)tx_len);
            item->tx_len = (size_t)tx_len;
            item->state = (uint8_t)state;
            item->seq = (uint64_t)sqlite3_column_int64(st, 5);
            item->height = (uint64_t)sqlite3_column_int64(st, 6);
            snprintf(item->error, sizeof item->error, "%s",
                     error != NULL ? (const char *)error : "");
        }
    }
    sqlite3_finalize(st);
    if (err != WT_OK)
        wt_queue_item_free(item);
    return err;
}

wt_err wt_queue_head(wt_queue *queue, wt_queue_item *item)
{
    WT_ASSERT(queue != NULL && item != NULL);
    return read_item(queue, item, "WHERE state = 0 ORDER BY interval LIMIT 1", 0, false);
}

wt_err wt_queue_get(wt_queue *queue, wt_queue_item *item, uint64_t interval)
{
    WT_ASSERT(queue != NULL && item != NULL);
    if (interval > INT64_MAX) {
        memset(item, 0, sizeof *item);
        return WT_ERR_NOT_FOUND;
    }
    return read_item(queue, item, "WHERE interval = ?", (int64_t)interval, true);
}

static wt_err mark(wt_queue *queue, uint64_t interval, int state, uint64_t seq, uint64_t height,
                   const char *error)
{
    if (interval > INT64_MAX || seq > INT64_MAX || height > INT64_MAX)
        return WT_ERR_NOT_FOUND;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(queue->db,
                           "UPDATE outbox SET state = ?, seq = ?, height = ?, error = ? "
                           "WHERE interval = ? AND state = 0",
                           -1, &st, NULL) != SQLITE_OK)
        return WT_ERR_IO;
    sqlite3_bind_int(st, 1, state);
    sqlite3_bind_int64(st, 2, (int64_t)seq);
    sqlite3_bind_int64(st, 3, (int64_t)height);
    sqlite3_bind_text(st, 4, error, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 5, (int64_t)interval);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return WT_ERR_IO;
    return sqlite3_changes(queue->db) == 1 ? WT_OK : WT_ERR_NOT_FOUND;
}

wt_err wt_queue_mark_committed(wt_queue *queue, uint64_t interval, uint64_t seq, uint64_t height)
{
    WT_ASSERT(queue != NULL);
    return mark(queue, interval, WT_QUEUE_COMMITTED, seq, height, "");
}

wt_err wt_queue_mark_rejected(wt_queue *queue, uint64_t interval, const char *error_code)
{
    WT_ASSERT(queue != NULL);
    char code[WT_QUEUE_ERROR_BYTES];
    snprintf(code, sizeof code, "%s",
             error_code != NULL && error_code[0] ? error_code : "rejected");
    return mark(queue, interval, WT_QUEUE_REJECTED, 0, 0, code);
}

wt_err wt_queue_stats(wt_queue *queue, uint64_t counts[3], uint64_t *last_interval, bool *any)
{
    WT_ASSERT(queue != NULL && counts != NULL && last_interval != NULL && any != NULL);
    counts[0] = counts[1] = counts[2] = 0;
    *last_interval = 0;
    *any = false;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(queue->db,
                           "SELECT state, count(*), max(interval) FROM outbox GROUP BY state", -1,
                           &st, NULL) != SQLITE_OK)
        return WT_ERR_IO;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t state = sqlite3_column_int64(st, 0);
        if (state < 0 || state > 2)
            continue;
        counts[state] = (uint64_t)sqlite3_column_int64(st, 1);
        uint64_t last = (uint64_t)sqlite3_column_int64(st, 2);
        if (!*any || last > *last_interval)
            *last_interval = last;
        *any = true;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? WT_OK : WT_ERR_IO;
}

static wt_err max_nonce(wt_queue *queue, uint64_t *nonce, const char *states)
{
    *nonce = 0;
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT coalesce(max(nonce), 0) FROM outbox WHERE state IN (%s)",
             states);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(queue->db, sql, -1, &st, NULL) != SQLITE_OK)
        return WT_ERR_IO;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *nonce = (uint64_t)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW)
        return WT_ERR_IO;
    int64_t base = 0;
    bool found = false;
    wt_err err = meta_get(queue, "nonce_base", &base, &found);
    if (err != WT_OK)
        return err;
    if (found && (uint64_t)base > *nonce)
        *nonce = (uint64_t)base;
    return WT_OK;
}

wt_err wt_queue_next_nonce(wt_queue *queue, uint64_t *nonce)
{
    WT_ASSERT(queue != NULL && nonce != NULL);
    wt_err err = max_nonce(queue, nonce, "0, 1");
    if (err == WT_OK)
        *nonce += 1;
    return err;
}

wt_err wt_queue_set_nonce_base(wt_queue *queue, uint64_t nonce_base)
{
    WT_ASSERT(queue != NULL);
    if (nonce_base > INT64_MAX)
        return WT_ERR_INVALID_ARGUMENT;
    return meta_set(queue, "nonce_base", (int64_t)nonce_base);
}

wt_err wt_queue_resign(wt_queue *queue, size_t *resigned, const wt_ctx *ctx, const wt_seckey *key,
                       int64_t expiry_ms)
{
    WT_ASSERT(queue != NULL && resigned != NULL && ctx != NULL && key != NULL);
    *resigned = 0;
    wt_err err = exec(queue, "BEGIN IMMEDIATE");
    if (err != WT_OK)
        return err;
    uint64_t nonce = 0;
    err = max_nonce(queue, &nonce, "1");
    uint64_t after = 0;
    size_t changed = 0;
    bool first = true;
    while (err == WT_OK) {
        wt_queue_item item;
        err = first ? read_item(queue, &item, "WHERE state = 0 ORDER BY interval LIMIT 1", 0, false)
                    : read_item(queue, &item,
                                "WHERE state = 0 AND interval > ? ORDER BY interval LIMIT 1",
                                (int64_t)after, true);
        first = false;
        if (err == WT_ERR_NOT_FOUND) {
            err = WT_OK;
            break;
        }
        if (err != WT_OK)
            break;
        after = item.interval;
        nonce++;
        wt_tx tx;
        const char *field = NULL;
        err =
            wt_tx_decode(&tx, &field, item.tx, item.tx_len) == WT_OK ? WT_OK : WT_ERR_STORE_CORRUPT;
        if (err == WT_OK && memcmp(tx.sender, key->pubkey, 32) != 0)
            err = WT_ERR_BAD_KEY;
        bool change =
            err == WT_OK && (tx.nonce != nonce || (expiry_ms > 0 && tx.expiry_ms != expiry_ms));
        uint8_t *out = NULL;
        size_t out_len = 0;
        uint8_t txid[32];
        if (change) {
            tx.nonce = nonce;
            if (expiry_ms > 0)
                tx.expiry_ms = expiry_ms;
            /* the decoded entries point into item.tx, which stays alive */
            size_t cap = wt_tx_encoded_len(&tx);
            out = malloc(cap);
            err = out == NULL ? WT_ERR_NO_MEMORY : WT_OK;
            if (err == WT_OK)
                err = wt_tx_sign(ctx, txid, &tx, key);
            if (err == WT_OK)
                err = wt_tx_encode(out, cap, &out_len, &field, &tx);
        }
        if (change && err == WT_OK) {
            sqlite3_stmt *st = NULL;
            if (sqlite3_prepare_v2(
                    queue->db, "UPDATE outbox SET nonce = ?, txid = ?, tx = ? WHERE interval = ?",
                    -1, &st, NULL) != SQLITE_OK) {
                err = WT_ERR_IO;
            } else {
                sqlite3_bind_int64(st, 1, (int64_t)nonce);
                sqlite3_bind_blob(st, 2, txid, 32, SQLITE_STATIC);
                sqlite3_bind_blob(st, 3, out, (int)out_len, SQLITE_STATIC);
                sqlite3_bind_int64(st, 4, (int64_t)item.interval);
                if (sqlite3_step(st) != SQLITE_DONE)
                    err = WT_ERR_IO;
                sqlite3_finalize(st);
            }
            if (err == WT_OK)
                changed++;
        }
        free(out);
        wt_queue_item_free(&item);
    }
    if (err == WT_OK)
        err = exec(queue, "COMMIT");
    if (err != WT_OK) {
        exec(queue, "ROLLBACK");
        return err;
    }
    *resigned = changed;
    return WT_OK;
}

static int reading_cmp(const void *a, const void *b)
{
    const wt_reading *x = a, *y = b;
    size_t n = x->meter_id.len < y->meter_id.len ? x->meter_id.len : y->meter_id.len;
    int c = memcmp(x->meter_id.bytes, y->meter_id.bytes, n);
    if (c != 0)
        return c;
    return (int)x->meter_id.len - (int)y->meter_id.len;
}

wt_err wt_readings_tx_build(uint8_t **out, size_t *out_len, const wt_ctx *ctx, const wt_seckey *key,
                            uint32_t chain_id, uint64_t nonce, int64_t expiry_ms, uint64_t interval,
                            wt_reading *entries, size_t count)
{
    WT_ASSERT(out != NULL && out_len != NULL && ctx != NULL && key != NULL);
    *out = NULL;
    *out_len = 0;
    if (entries == NULL || count == 0 || count > WT_READINGS_MAX)
        return WT_ERR_INVALID_ARGUMENT;
    qsort(entries, count, sizeof *entries, reading_cmp);
    for (size_t i = 1; i < count; i++)
        if (reading_cmp(&entries[i - 1], &entries[i]) == 0)
            return WT_ERR_INVALID_ARGUMENT;
    wt_tx tx;
    wt_tx_init(&tx, WT_TX_READINGS);
    tx.chain_id = chain_id;
    memcpy(tx.sender, key->pubkey, 32);
    tx.nonce = nonce;
    tx.expiry_ms = expiry_ms;
    tx.body.readings.interval = interval;
    tx.body.readings.count = (uint16_t)count;
    tx.body.readings.entries = entries;
    wt_err err = wt_tx_sign(ctx, NULL, &tx, key);
    if (err != WT_OK)
        return err;
    size_t cap = wt_tx_encoded_len(&tx);
    uint8_t *buf = malloc(cap);
    if (buf == NULL)
        return WT_ERR_NO_MEMORY;
    const char *field = NULL;
    err = wt_tx_encode(buf, cap, out_len, &field, &tx);
    if (err != WT_OK) {
        free(buf);
        *out_len = 0;
        return err;
    }
    *out = buf;
    return WT_OK;
}

wt_err wt_queue_begin(wt_queue *queue)
{
    WT_ASSERT(queue != NULL);
    return exec(queue, "BEGIN IMMEDIATE");
}

wt_err wt_queue_commit(wt_queue *queue)
{
    WT_ASSERT(queue != NULL);
    return exec(queue, "COMMIT");
}

void wt_queue_rollback(wt_queue *queue)
{
    WT_ASSERT(queue != NULL);
    exec(queue, "ROLLBACK");
}

wt_err wt_queue_meter_save(wt_queue *queue, const char *meter_id, const wt_agg_meter *meter)
{
    WT_ASSERT(queue != NULL && meter_id != NULL && meter != NULL);
    if (meter->cur_interval > INT64_MAX)
        return WT_ERR_INVALID_ARGUMENT;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(queue->db,
                           "INSERT OR REPLACE INTO agg VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", -1,
                           &st, NULL) != SQLITE_OK)
        return WT_ERR_IO;
    sqlite3_bind_text(st, 1, meter_id, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, meter->have_base);
    sqlite3_bind_int(st, 3, meter->cur_has_sample);
    sqlite3_bind_int(st, 4, meter->cur_flags);
    sqlite3_bind_int64(st, 5, meter->base_t_ms);
    sqlite3_bind_int64(st, 6, meter->base_import_mwh);
    sqlite3_bind_int64(st, 7, meter->base_export_mwh);
    sqlite3_bind_int64(st, 8, (int64_t)meter->cur_interval);
    sqlite3_bind_int64(st, 9, meter->cur_import_mwh);
    sqlite3_bind_int64(st, 10, meter->cur_export_mwh);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? WT_OK : WT_ERR_IO;
}

wt_err wt_queue_meter_load(wt_queue *queue, wt_agg_meter *meter, bool *found, const char *meter_id)
{
    WT_ASSERT(queue != NULL && meter_id != NULL && meter != NULL && found != NULL);
    memset(meter, 0, sizeof *meter);
    *found = false;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(queue->db,
                           "SELECT have_base, cur_has_sample, cur_flags, base_t_ms, "
                           "base_import_mwh, base_export_mwh, cur_interval, cur_import_mwh, "
                           "cur_export_mwh FROM agg WHERE meter_id = ?",
                           -1, &st, NULL) != SQLITE_OK)
        return WT_ERR_IO;
    sqlite3_bind_text(st, 1, meter_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    wt_err err = rc == SQLITE_ROW || rc == SQLITE_DONE ? WT_OK : WT_ERR_IO;
    if (rc == SQLITE_ROW) {
        meter->have_base = sqlite3_column_int(st, 0) != 0;
        meter->cur_has_sample = sqlite3_column_int(st, 1) != 0;
        meter->cur_flags = (uint8_t)(sqlite3_column_int(st, 2) & WT_READING_ESTIMATED);
        meter->base_t_ms = sqlite3_column_int64(st, 3);
        meter->base_import_mwh = sqlite3_column_int64(st, 4);
        meter->base_export_mwh = sqlite3_column_int64(st, 5);
        int64_t cur = sqlite3_column_int64(st, 6);
        meter->cur_import_mwh = sqlite3_column_int64(st, 7);
        meter->cur_export_mwh = sqlite3_column_int64(st, 8);
        if (cur < 0 || meter->base_t_ms < 0 || meter->base_import_mwh < 0 ||
            meter->base_export_mwh < 0 || meter->cur_import_mwh < 0 || meter->cur_export_mwh < 0) {
            memset(meter, 0, sizeof *meter);
            err = WT_ERR_STORE_CORRUPT;
        } else {
            meter->cur_interval = (uint64_t)cur;
            *found = true;
        }
    }
    sqlite3_finalize(st);
    return err;
}

wt_err wt_queue_held_replace(wt_queue *queue, const wt_queue_held *held, size_t count)
{
    WT_ASSERT(queue != NULL && (held != NULL || count == 0));
    wt_err err = exec(queue, "DELETE FROM held");
    sqlite3_stmt *st = NULL;
    if (err == WT_OK && sqlite3_prepare_v2(queue->db, "INSERT INTO held VALUES (?, ?, ?, ?, ?)", -1,
                                           &st, NULL) != SQLITE_OK)
        err = WT_ERR_IO;
    for (size_t i = 0; err == WT_OK && i < count; i++) {
        const wt_queue_held *h = &held[i];
        if (h->interval > INT64_MAX) {
            err = WT_ERR_INVALID_ARGUMENT;
            break;
        }
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, (int64_t)h->interval);
        sqlite3_bind_text(st, 2, (const char *)h->reading.meter_id.bytes, h->reading.meter_id.len,
                          SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, h->reading.import_mwh);
        sqlite3_bind_int64(st, 4, h->reading.export_mwh);
        sqlite3_bind_int(st, 5, h->reading.flags);
        int rc = sqlite3_step(st);
        if (rc == SQLITE_CONSTRAINT)
            err = WT_ERR_DUPLICATE_READING;
        else if (rc != SQLITE_DONE)
            err = WT_ERR_IO;
    }
    sqlite3_finalize(st);
    return err;
}

wt_err wt_queue_held_load(wt_queue *queue, wt_queue_held **held, size_t *count)
{
    WT_ASSERT(queue != NULL && held != NULL && count != NULL);
    *held = NULL;
    *count = 0;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(queue->db,
                           "SELECT interval, meter_id, import_mwh, export_mwh, flags FROM held "
                           "ORDER BY interval, meter_id",
                           -1, &st, NULL) != SQLITE_OK)
        return WT_ERR_IO;
    wt_queue_held *out = NULL;
    size_t n = 0, cap = 0;
    wt_err err = WT_OK;
    int rc;
    while (err == WT_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            wt_queue_held *grown = realloc(out, cap * sizeof *grown);
            if (grown == NULL) {
                err = WT_ERR_NO_MEMORY;
                break;
            }
            out = grown;
        }
        wt_queue_held *h = &out[n];
        memset(h, 0, sizeof *h);
        int64_t interval = sqlite3_column_int64(st, 0);
        const unsigned char *id = sqlite3_column_text(st, 1);
        h->reading.import_mwh = sqlite3_column_int64(st, 2);
        h->reading.export_mwh = sqlite3_column_int64(st, 3);
        h->reading.flags = (uint8_t)(sqlite3_column_int(st, 4) & WT_READING_ESTIMATED);
        if (interval < 0 || id == NULL ||
            wt_meter_id_set(&h->reading.meter_id, (const char *)id) != WT_OK ||
            h->reading.import_mwh < 0 || h->reading.export_mwh < 0) {
            err = WT_ERR_STORE_CORRUPT;
            break;
        }
        h->interval = (uint64_t)interval;
        n++;
    }
    if (err == WT_OK && rc != SQLITE_DONE)
        err = WT_ERR_IO;
    sqlite3_finalize(st);
    if (err != WT_OK) {
        free(out);
        return err;
    }
    *held = out;
    *count = n;
    return WT_OK;
}
