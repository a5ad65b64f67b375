/* test_disk_full.c — wattled on a disk that fills up, end to end: while the
 * store cannot write, every submission (HTTP and nng) is answered
 * storage_unavailable and changes nothing, the daemon keeps serving reads
 * and its interval clock retries (falling behind); once space returns the very same
 * transactions commit (not as duplicates: nothing of them was written), the
 * missed intervals are closed, the daemon stops cleanly, the ledger passes
 * the independent checks (rel.h) and `wattle audit`, and it restarts. Two
 * kinds of full disk, both unprivileged:
 *  - a file-size limit: prlimit(2) sets the daemon's RLIMIT_FSIZE to the
 *    size its write-ahead log has (every append fails with EFBIG; the
 *    daemon must ignore SIGXFSZ, whose default action kills it), then lifts
 *    it again;
 *  - a real full filesystem: a 4 MiB tmpfs mounted in a mount namespace of
 *    the test's own (a user namespace too when not root) holds the chain; a
 *    filler file takes every free byte (ENOSPC), then is removed.
 * Each scenario runs in a child process (the namespace stays there) that
 * reports by its exit status. argv[1] = wattled, argv[2] = wattle. */
#include "rel.h"
#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *wattled_path, *wattle_path;

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "disk_full: line %d: ", __LINE__);                                     \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fprintf(stderr, "\n");                                                                 \
            return -1;                                                                             \
        }                                                                                          \
    } while (0)

typedef enum { FAULT_FSIZE, FAULT_TMPFS } fault_kind;

typedef struct {
    fault_kind kind;
    rel_chain c;
    char filler[WT_PROC_PATH_MAX + 32];
    wt_seckey alice, bob;
    uint64_t issuer_nonce, alice_nonce;
} scenario;

static int fault_on(scenario *s)
{
    if (s->kind == FAULT_FSIZE) {
        char wal[WT_PROC_PATH_MAX + 40];
        snprintf(wal, sizeof wal, "%s-wal", s->c.db);
        struct stat st;
        CHECK(stat(wal, &st) == 0, "no write-ahead log at %s", wal);
        /* soft limit only: raising it again needs no privilege */
        struct rlimit lim = {(rlim_t)st.st_size, RLIM_INFINITY};
        CHECK(prlimit(s->c.d.pid, RLIMIT_FSIZE, &lim, NULL) == 0, "prlimit: %s", strerror(errno));
        return 0;
    }
    int fd = open(s->filler, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    CHECK(fd >= 0, "cannot create %s: %s", s->filler, strerror(errno));
    static char chunk[65536];
    memset(chunk, 0x5a, sizeof chunk);
    for (size_t piece = sizeof chunk; piece >= 1; piece /= 16) {
        for (int i = 0; i < 100000; i++) {
            ssize_t w = write(fd, chunk, piece);
            if (w < (ssize_t)piece)
                break;
        }
        if (piece == 1)
            break;
    }
    int full = write(fd, chunk, 1) < 0 && errno == ENOSPC;
    close(fd);
    CHECK(full, "the tmpfs did not fill up");
    return 0;
}

static int fault_off(scenario *s)
{
    if (s->kind == FAULT_FSIZE) {
        struct rlimit lim = {RLIM_INFINITY, RLIM_INFINITY};
        CHECK(prlimit(s->c.d.pid, RLIMIT_FSIZE, &lim, NULL) == 0, "prlimit: %s", strerror(errno));
        return 0;
    }
    CHECK(unlink(s->filler) == 0, "cannot remove the filler: %s", strerror(errno));
    return 0;
}

static int sign_mint(scenario *s, rel_tx *t, const wt_seckey *to, int64_t amount)
{
    wt_tx tx;
    wt_tx_init(&tx, WT_TX_MINT);
    tx.nonce = ++s->issuer_nonce;
    memcpy(tx.body.mint.to, to->pubkey, 32);
    tx.body.mint.amount_micro = amount;
    return rel_sign(&s->c, t, &tx, &s->c.issuer);
}

static int submit(scenario *s, rel_result *r, const rel_tx *t, bool over_nng)
{
    const rel_tx *one[] = {t};
    if (!over_nng)
        return rel_http_submit(s->c.d.http_port, r, one, 1, 10000);
    rel_nng n;
    CHECK(rel_nng_open(&n, s->c.d.nng_url, 10000) == 0, "nng open");
    int rc = rel_nng_submit(&n, r, one, 1);
    rel_nng_close(&n);
    return rc;
}

static json_t *get_json(scenario *s, const char *path)
{
    char *body = NULL;
    int st = wt_proc_http_body(&body, "127.0.0.1", s->c.d.http_port, "GET", path, NULL, 5000);
    json_t *doc = st == 200 && body != NULL ? json_loads(body, 0, NULL) : NULL;
    free(body);
    return doc;
}

static int64_t balance(scenario *s, const wt_seckey *key)
{
    char addr[WT_ADDRESS_CHARS + 1], path[128];
    wt_address_encode(addr, key->pubkey);
    snprintf(path, sizeof path, "/v1/accounts/%s", addr);
    json_t *a = get_json(s, path);
    int64_t b = a != NULL ? (int64_t)json_integer_value(json_object_get(a, "balance_micro")) : -1;
    json_decref(a);
    return b;
}

static const char *tx_status(scenario *s, const rel_tx *t, char *code, size_t code_cap)
{
    char hex[65], path[96];
    static char status[32];
    wt_hex_encode(hex, t->txid, 32);
    snprintf(path, sizeof path, "/v1/txs/%s", hex);
    json_t *doc = get_json(s, path);
    snprintf(status, sizeof status, "%s",
             doc != NULL ? json_string_value(json_object_get(doc, "status")) : "(no answer)");
    const char *c = json_string_value(json_object_get(json_object_get(doc, "error"), "code"));
    snprintf(code, code_cap, "%s", c != NULL ? c : "");
    json_decref(doc);
    return status;
}

static int run(scenario *s)
{
    rel_chain *c = &s->c;
    c->d.log_level = "info";
    CHECK(wt_wattled_start(&c->d, NULL) == 0, "wattled does not start");
    rel_key(c, &s->alice, "alice");
    rel_key(c, &s->bob, "bob");
    static rel_tx m1, m2, m3, t1;
    rel_result r;
    CHECK(sign_mint(s, &m1, &s->alice, 5000000) == 0, "sign");
    CHECK(submit(s, &r, &m1, false) == 0 && r.committed, "a mint before the fault: %s", r.code);
    CHECK(sign_mint(s, &m2, &s->alice, 2000000) == 0, "sign");
    CHECK(submit(s, &r, &m2, true) == 0 && r.committed, "a mint before the fault: %s", r.code);
    json_t *h = get_json(s, "/healthz");
    int64_t height_before = (int64_t)json_integer_value(json_object_get(h, "height"));
    json_decref(h);

    CHECK(fault_on(s) == 0, "fault");
    CHECK(sign_mint(s, &m3, &s->bob, 700000) == 0, "sign");
    wt_tx tx;
    wt_tx_init(&tx, WT_TX_TRANSFER);
    tx.nonce = ++s->alice_nonce;
    memcpy(tx.body.transfer.to, s->bob.pubkey, 32);
    tx.body.transfer.amount_micro = 1500000;
    CHECK(rel_sign(c, &t1, &tx, &s->alice) == 0, "sign");
    CHECK(submit(s, &r, &m3, false) == 0 && r.answered && !r.committed &&
              strcmp(r.code, "storage_unavailable") == 0,
          "HTTP during the fault: answered %d committed %d code %s", r.answered, r.committed,
          r.code);
    long seq_during = rel_metric(&s->c, "wattle_ledger_seq"); /* nothing commits from here on */
    CHECK(submit(s, &r, &t1, true) == 0 && r.answered && !r.committed &&
              strcmp(r.code, "storage_unavailable") == 0,
          "nng during the fault: code %s", r.code);
    wt_proc_sleep_ms(1600); /* an interval ends: its settlement and seal fail and are retried */
    CHECK(submit(s, &r, &m3, false) == 0 && strcmp(r.code, "storage_unavailable") == 0,
          "still full: %s", r.code);
    /* nothing changed, reads still served */
    CHECK(balance(s, &s->alice) == 7000000 && balance(s, &s->bob) == 0,
          "balances moved during the fault: alice %lld bob %lld", (long long)balance(s, &s->alice),
          (long long)balance(s, &s->bob));
    char code[40];
    const char *st = tx_status(s, &m3, code, sizeof code);
    CHECK(strcmp(st, "rejected") == 0 && strcmp(code, "storage_unavailable") == 0,
          "GET /v1/txs of the refused mint: %s %s", st, code);
    CHECK(rel_metric(&s->c, "wattle_txs_rejected_total{reason=\"storage_unavailable\"}") >= 3,
          "rejections not counted");
    CHECK(rel_metric(&s->c, "wattle_interval_lag") >= 1, "an interval closed during the fault");
    CHECK(rel_metric(&s->c, "wattle_ledger_seq") == seq_during, "the ledger grew during the fault");

    CHECK(fault_off(s) == 0, "heal");
    /* the same bytes commit now, as new transactions: none was half-written */
    CHECK(submit(s, &r, &m3, false) == 0 && r.committed && !r.duplicate,
          "after the fault: committed %d duplicate %d %s", r.committed, r.duplicate, r.code);
    CHECK(submit(s, &r, &t1, true) == 0 && r.committed && !r.duplicate, "after the fault: %s",
          r.code);
    CHECK(balance(s, &s->alice) == 5500000 && balance(s, &s->bob) == 2200000, "balances after");
    /* the intervals missed meanwhile are closed */
    long lag = -1;
    for (int i = 0; i < 100 && (lag = rel_metric(&s->c, "wattle_interval_lag")) != 0; i++)
        wt_proc_sleep_ms(100);
    CHECK(lag == 0, "the daemon did not catch up (lag %ld)", lag);
    h = get_json(s, "/healthz");
    int64_t height_after = (int64_t)json_integer_value(json_object_get(h, "height"));
    json_decref(h);
    CHECK(height_after >= height_before + 2, "height %lld -> %lld", (long long)height_before,
          (long long)height_after);
    CHECK(wt_wattled_stop_clean(&c->d), "no clean stop");
    rel_ledger l;
    CHECK(rel_ledger_check(&l, c->db, NULL, NULL) == 0, "ledger: %s", l.what);
    CHECK(l.minted_micro == 7700000 && l.balances_micro + l.holds_micro == 7700000, "minted %lld",
          (long long)l.minted_micro);
    CHECK(rel_audit(c->wattle, c->db) == 0, "audit");
    CHECK(wt_wattled_start(&c->d, NULL) == 0, "no restart");
    st = tx_status(s, &m3, code, sizeof code);
    CHECK(strcmp(st, "committed") == 0, "after the restart: %s", st);
    CHECK(wt_wattled_stop_clean(&c->d), "no clean stop after the restart");
    return 0;
}

static int write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY);
    if (fd < 0)
        return -1;
    ssize_t n = write(fd, text, strlen(text));
    close(fd);
    return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* The tmpfs, in a mount namespace of this (child) process. */
static int mount_tmpfs(const char *dir)
{
    uid_t uid = getuid();
    gid_t gid = getgid();
    if (unshare(CLONE_NEWNS) != 0) {
        CHECK(errno == EPERM, "unshare(CLONE_NEWNS): %s", strerror(errno));
        CHECK(unshare(CLONE_NEWUSER | CLONE_NEWNS) == 0,
              "neither root nor an unprivileged user namespace: %s", strerror(errno));
        char map[64];
        snprintf(map, sizeof map, "0 %u 1", (unsigned)uid);
        CHECK(write_file("/proc/self/setgroups", "deny") == 0 &&
                  write_file("/proc/self/uid_map", map) == 0,
              "uid_map");
        snprintf(map, sizeof map, "0 %u 1", (unsigned)gid);
        CHECK(write_file("/proc/self/gid_map", map) == 0, "gid_map");
    }
    /* nothing of ours propagates back to the machine's mounts */
    CHECK(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0, "private: %s", strerror(errno));
    CHECK(mount("wattle-test", dir, "tmpfs", MS_NOSUID | MS_NODEV, "size=4m,mode=0700") == 0,
          "mount tmpfs: %s", strerror(errno));
    return 0;
}

static int child(fault_kind kind, const char *outer)
{
    static scenario s;
    memset(&s, 0, sizeof s);
    s.kind = kind;
    char mnt[WT_PROC_PATH_MAX];
    if (kind == FAULT_TMPFS) {
        snprintf(mnt, sizeof mnt, "%s/mnt", outer);
        CHECK(mkdir(mnt, 0700) == 0, "mkdir %s", mnt);
        if (mount_tmpfs(mnt) != 0)
            return 1;
        setenv("TMPDIR", mnt, 1); /* the chain goes onto the tmpfs */
    }
    if (rel_chain_make(&s.c, wattle_path, wattled_path, "wattle-diskfull", NULL, NULL) != 0)
        return 1;
    /* the daemon's log stays off the full disk */
    snprintf(s.c.d.log_path, sizeof s.c.d.log_path, "%s/wattled-%d.log", outer, (int)kind);
    snprintf(s.filler, sizeof s.filler, "%s/filler", s.c.tmp);
    int rc = run(&s);
    if (rc != 0)
        wt_proc_print_file(s.c.d.log_path);
    rel_chain_free(&s.c);
    return rc == 0 ? 0 : 1;
}

static void run_child(fault_kind kind)
{
    char outer[WT_PROC_PATH_MAX / 2];
    assert_int_equal(wt_proc_tmpdir(outer, sizeof outer, "wattle-diskfull-outer"), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        _exit(child(kind, outer));
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_int_equal(wt_proc_rmtree(outer), 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail_msg("the disk-full scenario failed (wait status %d): see above", status);
}

static void test_file_size_limit(void **state)
{
    (void)state;
    run_child(FAULT_FSIZE);
}

static void test_full_tmpfs(void **state)
{
    (void)state;
    run_child(FAULT_TMPFS);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s WATTLED WATTLE\n", argv[0]);
        return 2;
    }
    wattled_path = argv[1];
    wattle_path = argv[2];
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_file_size_limit),
        cmocka_unit_test(test_full_tmpfs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
