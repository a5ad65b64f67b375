/*
 * test_store_crash.c — crash safety of the store (suite integration). A child
 * process appends batches in a loop, as the sequencer's group commit does,
 * and writes each acknowledged seq to a pipe the moment append_batch
 * returns. The parent SIGKILLs it at a random instant (seeded), reopens the
 * store as a restarted daemon would, and checks: every acknowledged seq is
 * there with its exact bytes, every batch — the last one included — is
 * all or nothing, the account row moved with its transactions, and SQLite's
 * integrity_check passes. Bounded: ROUNDS rounds of at most KILL_MS_MAX ms.
 */
#include "testutil.h"

#include "store_fixture.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>

#define ROUNDS       8
#define KILL_MS_MIN  10
#define KILL_MS_MAX  150
#define BATCH_MAX    40
#define CHILD_LIFE_S 20 /* a child the parent forgot stops by itself */

static uint64_t salt;

/* The counter account: nonce = the last seq, balance = the last height. */
static void counter_key(uint8_t key[32])
{
    memset(key, 0xa1, 32);
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The writer: never returns. Each batch is one height; t_ms carries the
 * batch's size so the reader can tell a whole batch from part of one. */
static __attribute__((noreturn)) void child_write(const char *path, int fd, uint64_t seed)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    wt_log_set_level(WT_LOG_OFF);
    wt_store *s = NULL;
    if (wt_store_open(&s, path, NULL) != WT_OK)
        _exit(10);
    uint64_t last = 0, height = 0;
    if (wt_store_last_seq(s, &last) != WT_OK)
        _exit(11);
    wt_store_tx_info info;
    if (last > 0 && wt_store_tx_by_seq(s, &info, NULL, 0, last) == WT_OK)
        height = info.height;
    wt_test_rng rng;
    wt_test_rng_init(&rng, seed);
    static uint8_t raws[BATCH_MAX][FIX_RAW_MAX];
    wt_store_tx txs[BATCH_MAX];
    int64_t stop_ms = now_ms() + CHILD_LIFE_S * 1000;
    while (now_ms() < stop_ms) {
        size_t n = (size_t)wt_test_rng_range(&rng, 1, BATCH_MAX);
        height++;
        for (size_t i = 0; i < n; i++)
            fix_tx(&txs[i], raws[i], salt, last + 1 + i, height, (int64_t)n);
        wt_account acct[2] = {
            {.nonce = last + n, .balance_micro = (int64_t)height},
            {.nonce = height, .balance_micro = (int64_t)n},
        };
        counter_key(acct[0].key);
        memset(acct[1].key, (int)(height % 16), 32);
        if (wt_store_append_batch(s, txs, n, acct, 2) != WT_OK)
            _exit(12);
        last += n;
        if (write(fd, &last, sizeof last) != (ssize_t)sizeof last) /* acknowledged */
            _exit(13);
    }
    _exit(0);
}

/* Read whatever acknowledgements are in the pipe; false at end of file. */
static bool drain(int fd, uint64_t *max_ack, size_t *acks)
{
    uint64_t buf[512];
    ssize_t got = read(fd, buf, sizeof buf);
    if (got < 0)
        return errno == EAGAIN || errno == EINTR;
    if (got == 0)
        return false;
    assert_int_equal(got % 8, 0); /* 8-byte writes to a pipe are atomic */
    for (ssize_t i = 0; i < got / 8; i++) {
        assert_true(buf[i] > *max_ack); /* acknowledgements only grow */
        *max_ack = buf[i];
        (*acks)++;
    }
    return true;
}

typedef struct {
    uint64_t next_seq, height, height_count, t_ms;
    bool ok;
    char why[160];
} checker;

static void group_done(checker *c)
{
    if (c->height_count > 0 && (int64_t)c->height_count != (int64_t)c->t_ms && c->ok) {
        c->ok = false;
        snprintf(c->why, sizeof c->why, "batch at height %llu has %llu of its %lld txs",
                 (unsigned long long)c->height, (unsigned long long)c->height_count,
                 (long long)c->t_ms);
    }
}

static bool visit_check(void *arg, const wt_store_tx *tx)
{
    checker *c = arg;
    if (tx->seq != c->next_seq || !fix_tx_matches(tx, salt)) {
        snprintf(c->why, sizeof c->why, "seq %llu wrong or damaged", (unsigned long long)tx->seq);
        c->ok = false;
        return false;
    }
    if (tx->height != c->height) {
        group_done(c);
        c->height = tx->height;
        c->height_count = 0;
        c->t_ms = (uint64_t)tx->t_ms;
    }
    c->height_count++;
    c->next_seq++;
    return c->ok;
}

/* After a kill: what a restarted daemon finds. Returns the last seq. */
static uint64_t check_after_crash(const char *path, uint64_t max_ack, uint64_t prev_last, int round)
{
    wt_store *s = NULL;
    assert_err(wt_store_open(&s, path, NULL), WT_OK);
    assert_err(wt_store_check(s), WT_OK);
    uint64_t last = 0;
    assert_err(wt_store_last_seq(s, &last), WT_OK);
    if (last < max_ack || last < prev_last)
        fail_msg("round %d: last seq %llu, but %llu was acknowledged (seed %llu)", round,
                 (unsigned long long)last, (unsigned long long)max_ack, (unsigned long long)salt);
    checker c = {.next_seq = 1, .ok = true};
    assert_err(wt_store_txs_each(s, 1, visit_check, &c), WT_OK);
    group_done(&c); /* the last batch too */
    if (!c.ok)
        fail_msg("round %d: %s (seed %llu)", round, c.why, (unsigned long long)salt);
    assert_int_equal(c.next_seq, last + 1);
    wt_account a;
    uint8_t key[32];
    counter_key(key);
    if (last > 0) {
        assert_err(wt_store_account_get(s, &a, key), WT_OK);
        if (a.nonce != last || (uint64_t)a.balance_micro != c.height)
            fail_msg("round %d: account at seq %llu height %lld, ledger at %llu height %llu", round,
                     (unsigned long long)a.nonce, (long long)a.balance_micro,
                     (unsigned long long)last, (unsigned long long)c.height);
    }
    wt_store_close(s);
    return last;
}

static void test_kill_during_appends(void **state)
{
    (void)state;
    fix_tmp t;
    fix_tmp_make(&t);
    wt_test_rng rng;
    wt_test_rng_init(&rng, salt);
    uint64_t last = 0;
    size_t total_acks = 0;
    int killed_mid_run = 0;
    for (int round = 0; round < ROUNDS; round++) {
        int fds[2];
        assert_int_equal(pipe(fds), 0);
        uint64_t child_seed = wt_test_rng_next(&rng);
        int64_t kill_ms = wt_test_rng_range(&rng, KILL_MS_MIN, KILL_MS_MAX);
        fflush(NULL);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            close(fds[0]);
            child_write(t.path, fds[1], child_seed);
        }
        close(fds[1]);
        int flags = fcntl(fds[0], F_GETFL);
        assert_int_equal(fcntl(fds[0], F_SETFL, flags | O_NONBLOCK), 0);

        uint64_t max_ack = 0;
        size_t acks = 0;
        int64_t deadline = now_ms() + kill_ms;
        bool open_end = true;
        for (int64_t left = kill_ms; left > 0 && open_end; left = deadline - now_ms()) {
            struct pollfd p = {.fd = fds[0], .events = POLLIN};
            if (poll(&p, 1, (int)left) > 0)
                open_end = drain(fds[0], &max_ack, &acks);
        }
        kill(pid, SIGKILL);
        int status = 0;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_int_equal(fcntl(fds[0], F_SETFL, flags), 0);
        while (drain(fds[0], &max_ack, &acks)) {
        }
        close(fds[0]);
        if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
            fail_msg("round %d: the writer ended by itself (status %d)", round, status);
        killed_mid_run++;
        total_acks += acks;
        last = check_after_crash(t.path, max_ack, last, round);
        print_message("round %d: killed after %lld ms, %zu batches acknowledged up to seq %llu,"
                      " ledger at seq %llu\n",
                      round, (long long)kill_ms, acks, (unsigned long long)max_ack,
                      (unsigned long long)last);
    }
    assert_int_equal(killed_mid_run, ROUNDS);
    assert_true(total_acks > 0); /* the writer did write: the checks had something to check */
    fix_tmp_remove(&t);
}

int main(void)
{
    wt_test_route_asserts();
    salt = wt_test_seed(0xc7a54);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kill_during_appends),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
