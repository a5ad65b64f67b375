/*
 * test_queue.c — the store-and-forward outbox: READINGS batches built and
 * signed in meter-id order, rows kept across reopening (a bridge restart),
 * oldest pending first, committed and rejected rows never handed out again,
 * a rejected row's nonce reused by re-signing the rows behind it, duplicate
 * intervals and foreign bytes refused, a file of another schema refused.
 */
#include "meter.h"
#include "testutil.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static wt_ctx *ctx;
static wt_seckey key;
static char path[256];

static int setup(void **state)
{
    (void)state;
    assert_int_equal(wt_ctx_create(&ctx), WT_OK);
    assert_int_equal(wt_seckey_generate(ctx, &key), WT_OK);
    snprintf(path, sizeof path, "/tmp/wattle-test-queue-%ld.db", (long)getpid());
    unlink(path);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char p[300];
    unlink(path);
    snprintf(p, sizeof p, "%s-wal", path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", path);
    unlink(p);
    wt_ctx_destroy(ctx);
    return 0;
}

static void build(uint8_t **tx, size_t *len, uint64_t nonce, uint64_t interval)
{
    wt_reading r[3];
    memset(r, 0, sizeof r);
    const char *ids[3] = {"zeta-9", "alpha-1", "alpha"};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(wt_meter_id_set(&r[i].meter_id, ids[i]), WT_OK);
        r[i].import_mwh = 1000 * (i + 1);
        r[i].export_mwh = (int64_t)interval;
    }
    r[1].flags = WT_READING_ESTIMATED;
    assert_int_equal(
        wt_readings_tx_build(tx, len, ctx, &key, 7, nonce, INT64_C(1) << 50, interval, r, 3),
        WT_OK);
}

static void batch_built_sorted_and_signed(void **state)
{
    (void)state;
    uint8_t *tx = NULL;
    size_t len = 0;
    build(&tx, &len, 3, 1234);
    wt_tx d;
    const char *field = NULL;
    assert_int_equal(wt_tx_decode(&d, &field, tx, len), WT_OK);
    assert_int_equal(d.type, WT_TX_READINGS);
    assert_int_equal(d.nonce, 3);
    assert_int_equal(d.chain_id, 7);
    assert_int_equal(d.body.readings.interval, 1234);
    uint8_t txid[32];
    wt_tx_id_encoded(txid, tx, len);
    assert_true(wt_tx_verify(ctx, &d, txid));
    wt_reading e;
    size_t pos = 0;
    const char *want[3] = {"alpha", "alpha-1", "zeta-9"};
    for (int i = 0; i < 3; i++) {
        assert_true(wt_readings_next(&e, &pos, &d.body.readings));
        assert_int_equal(e.meter_id.len, strlen(want[i]));
        assert_memory_equal(e.meter_id.bytes, want[i], e.meter_id.len);
    }
    assert_false(wt_readings_next(&e, &pos, &d.body.readings));
    free(tx);
    /* two entries of one meter, none, too many */
    wt_reading r[2];
    memset(r, 0, sizeof r);
    wt_meter_id_set(&r[0].meter_id, "m");
    wt_meter_id_set(&r[1].meter_id, "m");
    assert_int_equal(wt_readings_tx_build(&tx, &len, ctx, &key, 7, 1, 1, 1, r, 2),
                     WT_ERR_INVALID_ARGUMENT);
    assert_null(tx);
    assert_int_equal(wt_readings_tx_build(&tx, &len, ctx, &key, 7, 1, 1, 1, r, 0),
                     WT_ERR_INVALID_ARGUMENT);
    assert_int_equal(wt_readings_tx_build(&tx, &len, ctx, &key, 7, 1, 1, 1, r, WT_READINGS_MAX + 1),
                     WT_ERR_INVALID_ARGUMENT);
    r[1].import_mwh = -1;
    wt_meter_id_set(&r[1].meter_id, "n");
    assert_int_not_equal(wt_readings_tx_build(&tx, &len, ctx, &key, 7, 1, 1, 1, r, 2), WT_OK);
    assert_null(tx);
}

static void order_durability_and_states(void **state)
{
    (void)state;
    wt_queue *q = NULL;
    assert_int_equal(wt_queue_open(&q, path), WT_OK);
    uint64_t nonce = 0;
    assert_int_equal(wt_queue_next_nonce(q, &nonce), WT_OK);
    assert_int_equal(nonce, 1);
    assert_int_equal(wt_queue_set_nonce_base(q, 4), WT_OK);
    assert_int_equal(wt_queue_next_nonce(q, &nonce), WT_OK);
    assert_int_equal(nonce, 5);
    wt_queue_item it;
    assert_int_equal(wt_queue_head(q, &it), WT_ERR_NOT_FOUND);
    /* three intervals, put out of order */
    uint8_t *tx[3];
    size_t len[3];
    build(&tx[0], &len[0], 5, 100);
    build(&tx[1], &len[1], 6, 101);
    build(&tx[2], &len[2], 7, 102);
    assert_int_equal(wt_queue_put(q, 101, tx[1], len[1]), WT_OK);
    assert_int_equal(wt_queue_put(q, 100, tx[0], len[0]), WT_OK);
    assert_int_equal(wt_queue_put(q, 100, tx[0], len[0]), WT_ERR_DUPLICATE_READING);
    assert_int_equal(wt_queue_put(q, 103, tx[2], len[2]),
                     WT_ERR_INVALID_ARGUMENT); /* wrong interval */
    uint8_t junk[200];
    memset(junk, 1, sizeof junk);
    assert_int_equal(wt_queue_put(q, 102, junk, sizeof junk), WT_ERR_INVALID_ARGUMENT);
    assert_int_equal(wt_queue_put(q, 102, tx[2], 10), WT_ERR_INVALID_ARGUMENT);
    assert_int_equal(wt_queue_next_nonce(q, &nonce), WT_OK);
    assert_int_equal(nonce, 7);
    /* the bridge stops here and starts again: nothing lost */
    wt_queue_close(q);
    assert_int_equal(wt_queue_open(&q, path), WT_OK);
    assert_int_equal(wt_queue_put(q, 102, tx[2], len[2]), WT_OK);
    assert_int_equal(wt_queue_head(q, &it), WT_OK);
    assert_int_equal(it.interval, 100);
    assert_int_equal(it.nonce, 5);
    assert_int_equal(it.state, WT_QUEUE_PENDING);
    assert_int_equal(it.tx_len, len[0]);
    assert_memory_equal(it.tx, tx[0], len[0]);
    uint8_t txid[32];
    wt_tx_id_encoded(txid, tx[0], len[0]);
    assert_memory_equal(it.txid, txid, 32);
    wt_queue_item_free(&it);
    /* committed: the next one is the head; marking again is refused */
    assert_int_equal(wt_queue_mark_committed(q, 100, 42, 9), WT_OK);
    assert_int_equal(wt_queue_mark_committed(q, 100, 42, 9), WT_ERR_NOT_FOUND);
    assert_int_equal(wt_queue_mark_rejected(q, 999, "x"), WT_ERR_NOT_FOUND);
    assert_int_equal(wt_queue_head(q, &it), WT_OK);
    assert_int_equal(it.interval, 101);
    wt_queue_item_free(&it);
    assert_int_equal(wt_queue_get(q, &it, 100), WT_OK);
    assert_int_equal(it.state, WT_QUEUE_COMMITTED);
    assert_int_equal(it.seq, 42);
    assert_int_equal(it.height, 9);
    wt_queue_item_free(&it);
    /* 101 rejected by the engine: its nonce 6 was not used, so 102 (signed
     * with 7) is re-signed with 6 */
    assert_int_equal(wt_queue_mark_rejected(q, 101, "interval_closed"), WT_OK);
    size_t resigned = 99;
    assert_int_equal(wt_queue_resign(q, &resigned, ctx, &key, 0), WT_OK);
    assert_int_equal(resigned, 1);
    assert_int_equal(wt_queue_head(q, &it), WT_OK);
    assert_int_equal(it.interval, 102);
    assert_int_equal(it.nonce, 6);
    wt_tx d;
    const char *field = NULL;
    assert_int_equal(wt_tx_decode(&d, &field, it.tx, it.tx_len), WT_OK);
    assert_int_equal(d.nonce, 6);
    assert_int_equal(d.body.readings.count, 3);
    wt_tx_id_encoded(txid, it.tx, it.tx_len);
    assert_memory_equal(it.txid, txid, 32);
    assert_true(wt_tx_verify(ctx, &d, txid));
    wt_queue_item_free(&it);
    /* resigning again changes nothing; a new expiry changes every pending row */
    assert_int_equal(wt_queue_resign(q, &resigned, ctx, &key, 0), WT_OK);
    assert_int_equal(resigned, 0);
    assert_int_equal(wt_queue_resign(q, &resigned, ctx, &key, INT64_C(1) << 51), WT_OK);
    assert_int_equal(resigned, 1);
    /* another key cannot re-sign the gateway's rows */
    wt_seckey other;
    assert_int_equal(wt_seckey_generate(ctx, &other), WT_OK);
    assert_int_equal(wt_queue_resign(q, &resigned, ctx, &other, INT64_C(1) << 52), WT_ERR_BAD_KEY);
    assert_int_equal(wt_queue_get(q, &it, 101), WT_OK);
    assert_int_equal(it.state, WT_QUEUE_REJECTED);
    assert_string_equal(it.error, "interval_closed");
    wt_queue_item_free(&it);
    assert_int_equal(wt_queue_next_nonce(q, &nonce), WT_OK);
    assert_int_equal(nonce, 7);
    uint64_t counts[3], last = 0;
    bool any = false;
    assert_int_equal(wt_queue_stats(q, counts, &last, &any), WT_OK);
    assert_true(any);
    assert_int_equal(last, 102);
    assert_int_equal(counts[WT_QUEUE_PENDING], 1);
    assert_int_equal(counts[WT_QUEUE_COMMITTED], 1);
    assert_int_equal(counts[WT_QUEUE_REJECTED], 1);
    assert_int_equal(wt_queue_get(q, &it, 555), WT_ERR_NOT_FOUND);
    wt_queue_close(q);
    for (int i = 0; i < 3; i++)
        free(tx[i]);
}

static void bridge_state_survives_restart(void **state)
{
    (void)state;
    wt_queue *q = NULL;
    assert_int_equal(wt_queue_open(&q, path), WT_OK);
    wt_agg_meter m, back;
    bool found = true;
    assert_int_equal(wt_queue_meter_load(q, &back, &found, "MTR-1"), WT_OK);
    assert_false(found);
    wt_agg_meter_init(&m);
    m.have_base = true;
    m.cur_has_sample = true;
    m.cur_flags = WT_READING_ESTIMATED;
    m.base_t_ms = 1764000001234;
    m.base_import_mwh = 123456789;
    m.base_export_mwh = 42;
    m.cur_interval = 29400000;
    m.cur_import_mwh = 777;
    m.cur_export_mwh = 3;
    wt_queue_held held[2];
    memset(held, 0, sizeof held);
    held[0].interval = 29400001;
    wt_meter_id_set(&held[0].reading.meter_id, "MTR-2");
    held[0].reading.import_mwh = 5;
    held[1].interval = 29400000;
    wt_meter_id_set(&held[1].reading.meter_id, "MTR-1");
    held[1].reading.export_mwh = 9;
    held[1].reading.flags = WT_READING_ESTIMATED;
    /* a rolled-back transaction leaves nothing */
    assert_int_equal(wt_queue_begin(q), WT_OK);
    assert_int_equal(wt_queue_meter_save(q, "MTR-1", &m), WT_OK);
    wt_queue_rollback(q);
    assert_int_equal(wt_queue_meter_load(q, &back, &found, "MTR-1"), WT_OK);
    assert_false(found);
    assert_int_equal(wt_queue_begin(q), WT_OK);
    assert_int_equal(wt_queue_meter_save(q, "MTR-1", &m), WT_OK);
    assert_int_equal(wt_queue_held_replace(q, held, 2), WT_OK);
    assert_int_equal(wt_queue_commit(q), WT_OK);
    wt_queue_close(q);
    assert_int_equal(wt_queue_open(&q, path), WT_OK);
    assert_int_equal(wt_queue_meter_load(q, &back, &found, "MTR-1"), WT_OK);
    assert_true(found);
    assert_true(back.have_base && back.cur_has_sample);
    assert_int_equal(back.cur_flags, m.cur_flags);
    assert_int_equal(back.base_t_ms, m.base_t_ms);
    assert_int_equal(back.base_import_mwh, m.base_import_mwh);
    assert_int_equal(back.base_export_mwh, m.base_export_mwh);
    assert_int_equal(back.cur_interval, m.cur_interval);
    assert_int_equal(back.cur_import_mwh, m.cur_import_mwh);
    assert_int_equal(back.cur_export_mwh, m.cur_export_mwh);
    wt_queue_held *got = NULL;
    size_t n = 0;
    assert_int_equal(wt_queue_held_load(q, &got, &n), WT_OK);
    assert_int_equal(n, 2);
    assert_int_equal(got[0].interval, 29400000); /* by interval */
    assert_memory_equal(got[0].reading.meter_id.bytes, "MTR-1", 5);
    assert_int_equal(got[0].reading.export_mwh, 9);
    assert_int_equal(got[0].reading.flags, WT_READING_ESTIMATED);
    assert_int_equal(got[1].reading.import_mwh, 5);
    free(got);
    /* replacing drops the old; the same meter twice in one interval is refused */
    held[1] = held[0];
    assert_int_equal(wt_queue_held_replace(q, held, 2), WT_ERR_DUPLICATE_READING);
    assert_int_equal(wt_queue_held_replace(q, held, 1), WT_OK);
    assert_int_equal(wt_queue_held_load(q, &got, &n), WT_OK);
    assert_int_equal(n, 1);
    free(got);
    assert_int_equal(wt_queue_held_replace(q, NULL, 0), WT_OK);
    assert_int_equal(wt_queue_held_load(q, &got, &n), WT_OK);
    assert_int_equal(n, 0);
    free(got);
    wt_queue_close(q);
}

static void foreign_file_refused(void **state)
{
    (void)state;
    char p[300];
    snprintf(p, sizeof p, "%s.other", path);
    unlink(p);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(p, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER);"
                                  "INSERT INTO meta VALUES ('schema_version', 99);",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    wt_queue *q = (wt_queue *)1;
    assert_int_equal(wt_queue_open(&q, p), WT_ERR_STORE_VERSION);
    assert_null(q);
    unlink(p);
    assert_int_equal(wt_queue_open(&q, "/nonexistent-dir/q.db"), WT_ERR_IO);
    assert_null(q);
}

int main(void)
{
    wt_test_route_asserts();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(batch_built_sorted_and_signed),
        cmocka_unit_test(order_durability_and_states),
        cmocka_unit_test(bridge_state_survives_restart),
        cmocka_unit_test(foreign_file_refused),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
