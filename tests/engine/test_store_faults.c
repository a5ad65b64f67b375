/*
 * test_store_faults.c — the store on a failing disk, through the "wt-fault"
 * VFS (faultvfs.h): a full disk, a write error at every point of a commit,
 * and a failing fsync. Each time the call says storage_unavailable, nothing
 * is half-written (in this process, in another connection, after a reopen),
 * and the store works again once the disk does.
 */
#include "testutil.h"

#include "faultvfs.h"
#include "store_fixture.h"

#include <sqlite3.h>
#include <sys/wait.h>

static uint64_t salt;

#define BATCH_MAX 256
static uint8_t raws[BATCH_MAX][FIX_RAW_MAX];
static wt_store_tx batch[BATCH_MAX];

static void make_batch(uint64_t first, size_t n, uint64_t height)
{
    assert_true(n <= BATCH_MAX);
    for (size_t i = 0; i < n; i++)
        fix_tx(&batch[i], raws[i], salt, first + i, height, (int64_t)n);
}

static wt_store *open_faulty(const char *path)
{
    wt_store *s = NULL;
    wt_store_opts o = {.vfs_name = WT_FAULTVFS_NAME};
    assert_err(wt_store_open(&s, path, &o), WT_OK);
    return s;
}

/* The account every batch updates: its nonce is the batch's last seq, so it
 * and the transactions must move together. */
static wt_account counter(uint64_t last_seq)
{
    wt_account a = {.balance_micro = (int64_t)last_seq * 10, .nonce = last_seq};
    memset(a.key, 0xa1, 32);
    return a;
}

static wt_err append(wt_store *s, uint64_t first, size_t n)
{
    make_batch(first, n, 1);
    wt_account a = counter(first + n - 1);
    return wt_store_append_batch(s, batch, n, &a, 1);
}

/* The store holds exactly transactions 1 .. last, each intact, and the
 * counter account agrees. */
static void expect_ledger(wt_store *s, uint64_t last)
{
    uint64_t got = 0;
    assert_err(wt_store_last_seq(s, &got), WT_OK);
    if (got != last)
        fail_msg("last seq %llu, want %llu", (unsigned long long)got, (unsigned long long)last);
    for (uint64_t seq = 1; seq <= last + 1; seq++) {
        uint8_t txid[32];
        fix_txid(txid, salt, seq);
        wt_store_tx_info info;
        assert_err(wt_store_tx_by_txid(s, &info, NULL, 0, txid),
                   seq <= last ? WT_OK : WT_ERR_NOT_FOUND);
    }
    wt_account a, want = counter(last);
    assert_err(wt_store_account_get(s, &a, want.key), last > 0 ? WT_OK : WT_ERR_NOT_FOUND);
    if (last > 0)
        assert_memory_equal(&a, &want, sizeof a);
}

/* The same check from a second, independent connection (default VFS). */
static void expect_ledger_elsewhere(const char *path, uint64_t last)
{
    wt_store *r = NULL;
    wt_store_opts o = {.read_only = true};
    assert_err(wt_store_open(&r, path, &o), WT_OK);
    expect_ledger(r, last);
    wt_store_close(r);
}

static void test_disk_full_then_space_returns(void **state)
{
    (void)state;
    fix_tmp t;
    fix_tmp_make(&t);
    wt_store *s = open_faulty(t.path);
    assert_err(append(s, 1, 100), WT_OK);

    wt_faultvfs_fail_writes(0, SQLITE_FULL);
    assert_err(append(s, 101, 200), WT_ERR_STORAGE_UNAVAILABLE);
    assert_true(wt_faultvfs_failures() > 0);
    assert_non_null(strstr(wt_store_last_error(s), "full"));
    /* Reads go on while the disk is full; writes of every kind say why not. */
    expect_ledger(s, 100);
    uint8_t hash[32] = {0}, header[8] = {1};
    assert_err(wt_store_block_append(s, 0, hash, header, sizeof header),
               WT_ERR_STORAGE_UNAVAILABLE);
    assert_err(wt_store_meta_put(s, "k", header, sizeof header), WT_ERR_STORAGE_UNAVAILABLE);
    assert_err(append(s, 101, 200), WT_ERR_STORAGE_UNAVAILABLE);
    expect_ledger_elsewhere(t.path, 100);

    wt_faultvfs_heal(); /* space returns: no reopen needed */
    assert_err(append(s, 101, 200), WT_OK);
    assert_err(wt_store_block_append(s, 0, hash, header, sizeof header), WT_OK);
    expect_ledger(s, 300);
    wt_store_close(s);

    wt_store *again = NULL;
    assert_err(wt_store_open(&again, t.path, NULL), WT_OK);
    expect_ledger(again, 300);
    assert_err(wt_store_check(again), WT_OK);
    wt_store_close(again);
    fix_tmp_remove(&t);
}

/* Fail the k-th write of a 64-transaction commit, for every k until the
 * commit needs fewer writes than that: every cut leaves the old ledger. */
static void test_write_error_at_every_point(void **state)
{
    (void)state;
    fix_tmp t;
    fix_tmp_make(&t);
    wt_store *s = open_faulty(t.path);
    assert_err(append(s, 1, 50), WT_OK);
    uint64_t last = 50;
    long k = 0;
    wt_log_level level = wt_log_get_level();
    wt_log_set_level(WT_LOG_OFF); /* one error line per cut otherwise */
    for (;; k++) {
        wt_faultvfs_fail_writes(k, SQLITE_IOERR_WRITE);
        wt_err err = append(s, last + 1, 64);
        long failures = wt_faultvfs_failures();
        wt_faultvfs_heal();
        if (err == WT_OK) {
            assert_int_equal(failures, 0);
            last += 64;
            break;
        }
        if (err != WT_ERR_STORAGE_UNAVAILABLE)
            fail_msg("cut at write %ld: %s", k, wt_errname(err));
        expect_ledger(s, last);
        expect_ledger_elsewhere(t.path, last);
        assert_true(k < 1000);
    }
    wt_log_set_level(level);
    assert_true(k >= 3); /* the commit took several writes: cuts inside it were tested */
    expect_ledger(s, last);
    wt_store_close(s);

    wt_store *again = NULL;
    assert_err(wt_store_open(&again, t.path, NULL), WT_OK);
    expect_ledger(again, last);
    assert_err(wt_store_check(again), WT_OK);
    wt_store_close(again);
    fix_tmp_remove(&t);
}

/* A failing fsync: the call fails, this process does not see the batch,
 * and the store goes on once fsync works again. */
static void test_fsync_error(void **state)
{
    (void)state;
    fix_tmp t;
    fix_tmp_make(&t);
    wt_store *s = open_faulty(t.path);
    assert_err(append(s, 1, 10), WT_OK);
    wt_faultvfs_fail_syncs();
    assert_err(append(s, 11, 10), WT_ERR_STORAGE_UNAVAILABLE);
    assert_true(wt_faultvfs_failures() > 0);
    wt_faultvfs_heal();
    expect_ledger(s, 10);
    expect_ledger_elsewhere(t.path, 10);
    assert_err(append(s, 11, 10), WT_OK);
    expect_ledger(s, 20);
    wt_store_close(s);
    fix_tmp_remove(&t);
}

/* The caveat of store.h: a process that dies right after a failed fsync
 * may leave the batch's log record behind, so a restart can find the batch
 * — but whole, never in part. */
static void test_fsync_error_then_crash(void **state)
{
    (void)state;
    fix_tmp t;
    fix_tmp_make(&t);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        wt_store *s = NULL;
        wt_store_opts o = {.vfs_name = WT_FAULTVFS_NAME};
        if (wt_store_open(&s, t.path, &o) != WT_OK || append(s, 1, 10) != WT_OK)
            _exit(2);
        wt_faultvfs_fail_syncs();
        _exit(append(s, 11, 10) == WT_ERR_STORAGE_UNAVAILABLE ? 0 : 3); /* no close */
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);

    wt_store *s = NULL;
    assert_err(wt_store_open(&s, t.path, NULL), WT_OK);
    uint64_t last = 0;
    assert_err(wt_store_last_seq(s, &last), WT_OK);
    if (last != 10 && last != 20)
        fail_msg("after a failed fsync and a crash: last seq %llu, want 10 or 20",
                 (unsigned long long)last);
    expect_ledger(s, last);
    assert_err(wt_store_check(s), WT_OK);
    assert_err(append(s, last + 1, 5), WT_OK); /* and the ledger goes on */
    wt_store_close(s);
    fix_tmp_remove(&t);
}

int main(void)
{
    wt_test_route_asserts();
    salt = wt_test_seed(0xfa17);
    wt_faultvfs_register();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_disk_full_then_space_returns),
        cmocka_unit_test(test_write_error_at_every_point),
        cmocka_unit_test(test_fsync_error),
        cmocka_unit_test(test_fsync_error_then_crash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
