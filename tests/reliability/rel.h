/*
 * rel.h — what the reliability tests and the soak share (no cmocka, so the
 * soak can link it as a plain program): a chain made with the built `wattle
 * chain init` in a temporary folder and its wattled (proc.h) on free
 * loopback ports, keys from labels, signed transactions as bytes and hex,
 * and one submission over HTTP (POST /v1/txs) or nng (REQ, the WTX1 wire).
 * Functions that can fail return 0 on success, -1 with a message on stderr.
 */
#ifndef WATTLE_TESTS_REL_H
#define WATTLE_TESTS_REL_H

#include "engine.h"
#include "proc.h"
#include "wallet.h"
#include "wire.h"

#include <nng/nng.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define REL_CHAIN_ID 4242u
#define REL_TX_MAX   16384 /* the largest transaction these tests sign */

typedef struct {
    char tmp[WT_PROC_PATH_MAX];      /* the temporary folder (removed by rel_chain_free) */
    char dir[WT_PROC_PATH_MAX + 16]; /* the chain directory in it */
    char db[WT_PROC_PATH_MAX + 32];  /* its ledger.db */
    char ini[WT_PROC_PATH_MAX + 32]; /* its wattled.ini */
    const char *wattle;              /* the wattle binary */
    wt_wattled d;                    /* the daemon (not started) */
    int nng_port;
    wt_ctx *ctx;
    wt_seckey issuer, operator_key, utility;
} rel_chain;

/* `wattle chain init` (chain id REL_CHAIN_ID, 1 s intervals, plus args, NULL
 * terminated or NULL) into a new temporary folder, ini_extra (or NULL)
 * appended to its wattled.ini, the keys loaded and the daemon prepared on
 * free ports. */
int rel_chain_make(rel_chain *c, const char *wattle, const char *wattled, const char *prefix,
                   const char *const *args, const char *ini_extra);
/* Kill the daemon if it runs, remove the folder, free the context. */
void rel_chain_free(rel_chain *c);

/* The key whose secret is the tagged hash of label (same label, same key). */
void rel_key(const rel_chain *c, wt_seckey *key, const char *label);

typedef struct {
    uint8_t raw[REL_TX_MAX];
    size_t len;
    uint8_t txid[32];
    char hex[2 * REL_TX_MAX + 1];
} rel_tx;

/* Sign tx as key (sender set; chain_id REL_CHAIN_ID and an expiry 1 hour
 * ahead unless already set) and encode it into out. */
int rel_sign(const rel_chain *c, rel_tx *out, wt_tx *tx, const wt_seckey *key);

/* One transaction's fate as a client sees it. */
typedef struct {
    int http_status; /* HTTP only: the status (200 when the request was taken) */
    bool answered;   /* the node gave this transaction a result */
    bool committed;  /* committed now or earlier */
    bool duplicate;  /* it was already in the ledger */
    uint64_t seq;    /* when committed */
    char code[40];   /* "ok", a wt_errname, or the request's error code */
    char field[40];  /* the field named, if any */
} rel_result;

/* POST /v1/txs with these count transactions; results[i] each one's fate
 * (answered false for all when the request itself was refused: then
 * results[0].code holds the error's code and http_status the status).
 * Returns -1 when nothing answered within timeout_ms. */
int rel_http_submit(int port, rel_result *results, const rel_tx *const *txs, size_t count,
                    int timeout_ms);

/* An nng REQ client of the daemon's submission socket. */
typedef struct {
    nng_socket sock;
    bool open;
} rel_nng;
/* Open and dial url without waiting (nng redials by itself). */
int rel_nng_open(rel_nng *n, const char *url, int timeout_ms);
void rel_nng_close(rel_nng *n);
/* One WTX1 request with count transactions; -1 when no reply came within the
 * timeout (the outcome is then unknown) or the reply is malformed; an error
 * reply (WTE1) fills results[0].code with its text's first word. */
int rel_nng_submit(rel_nng *n, rel_result *results, const rel_tx *const *txs, size_t count);

/* ------------------------------------------------------ ledger checks */

/* What rel_ledger_check found in a stored ledger. */
typedef struct {
    uint64_t txs, blocks, settles;
    uint64_t genesis_interval, last_block_interval, last_settle_interval;
    int64_t minted_micro, burned_micro, balances_micro, holds_micro;
    char what[512]; /* the first problem, "" when none */
} rel_ledger;

/* Called for every stored transaction, decoded (tx points into the stored
 * bytes, valid during the call). */
typedef void (*rel_tx_visit_fn)(void *arg, const wt_store_tx *stored, const wt_tx *tx);

/* Read the ledger at db (read-only, one snapshot; the daemon may be running
 * or not) and check, independently of the auditor: SQLite's integrity check;
 * every transaction decodes and no txid is stored twice; blocks 1, 2, ...
 * close consecutive intervals from the genesis interval on; SETTLE
 * transactions settle consecutive intervals from the genesis interval on,
 * none twice, none skipped; and balances + holds over the stored accounts
 * equal minted - burned summed from the MINT and BURN transactions.
 * Returns 0 when all holds, else -1 with out->what naming the first problem.
 * visit (or NULL) sees every transaction. */
int rel_ledger_check(rel_ledger *out, const char *db, rel_tx_visit_fn visit, void *arg);

/* The value of the /metrics line `name value` (name with its labels, e.g.
 * wattle_txs_rejected_total{reason="rate_limited"}); 0 when there is no such
 * line, -1 when /metrics does not answer 200. */
long rel_metric(const rel_chain *c, const char *name);

/* `wattle audit --db db --quiet`: 0 when it passes, else -1 (its output
 * printed). */
int rel_audit(const char *wattle, const char *db);

#endif /* WATTLE_TESTS_REL_H */
