/*
 * store_fixture.h — what the store tests share: a fresh temporary directory
 * per test (removed afterwards, on a real file system so fsync means
 * something), and transactions whose txid and bytes follow from (salt, seq)
 * alone, so a reader can check every stored byte without remembering it.
 */
#ifndef WATTLE_TEST_STORE_FIXTURE_H
#define WATTLE_TEST_STORE_FIXTURE_H

#include "store.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FIX_RAW_MAX 300

/* Fail with both error names, not two numbers. */
#define assert_err(expr, want)                                                                     \
    do {                                                                                           \
        wt_err got_ = (expr);                                                                      \
        if (got_ != (want))                                                                        \
            fail_msg("%s: got %s, want %s", #expr, wt_errname(got_), wt_errname(want));            \
    } while (0)

typedef struct {
    char dir[256];
    char path[300]; /* dir/ledger.db */
} fix_tmp;

/* A new empty directory; aborts when the system cannot make one. */
static inline void fix_tmp_make(fix_tmp *t)
{
    const char *base = getenv("TMPDIR");
    snprintf(t->dir, sizeof t->dir, "%s/wt-store-XXXXXX", base != NULL && *base ? base : "/tmp");
    if (mkdtemp(t->dir) == NULL) {
        perror("mkdtemp");
        abort();
    }
    snprintf(t->path, sizeof t->path, "%s/ledger.db", t->dir);
}

/* Remove the directory and the files in it (the store, its -wal, -shm). */
static inline void fix_tmp_remove(fix_tmp *t)
{
    DIR *d = opendir(t->dir);
    if (d != NULL) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            char p[600];
            snprintf(p, sizeof p, "%s/%s", t->dir, e->d_name);
            unlink(p);
        }
        closedir(d);
    }
    rmdir(t->dir);
}

static inline uint64_t fix_mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15u;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9u;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebu;
    return x ^ (x >> 31);
}

static inline void fix_txid(uint8_t txid[32], uint64_t salt, uint64_t seq)
{
    for (int i = 0; i < 4; i++)
        wt_put_be64(txid + 8 * i, fix_mix(salt * 0x100000001b3u + seq * 4 + (uint64_t)i));
}

/* The bytes of transaction seq: 1 .. FIX_RAW_MAX of them. */
static inline size_t fix_raw(uint8_t raw[FIX_RAW_MAX], uint64_t salt, uint64_t seq)
{
    uint64_t x = fix_mix(salt ^ (seq << 20) ^ 0x5a5a);
    size_t len = 1 + (size_t)(x % FIX_RAW_MAX);
    for (size_t i = 0; i < len; i++) {
        x = fix_mix(x);
        raw[i] = (uint8_t)x;
    }
    return len;
}

/* tx = transaction seq of the salt's ledger, its bytes in raw. */
static inline void fix_tx(wt_store_tx *tx, uint8_t raw[FIX_RAW_MAX], uint64_t salt, uint64_t seq,
                          uint64_t height, int64_t t_ms)
{
    memset(tx, 0, sizeof *tx);
    tx->seq = seq;
    tx->height = height;
    tx->t_ms = t_ms;
    fix_txid(tx->txid, salt, seq);
    tx->raw_len = fix_raw(raw, salt, seq);
    tx->raw = raw;
}

/* true when tx is exactly transaction seq of the salt's ledger. */
static inline bool fix_tx_matches(const wt_store_tx *tx, uint64_t salt)
{
    uint8_t txid[32], raw[FIX_RAW_MAX];
    fix_txid(txid, salt, tx->seq);
    size_t len = fix_raw(raw, salt, tx->seq);
    return memcmp(tx->txid, txid, 32) == 0 && tx->raw_len == len && memcmp(tx->raw, raw, len) == 0;
}

#endif /* WATTLE_TEST_STORE_FIXTURE_H */
