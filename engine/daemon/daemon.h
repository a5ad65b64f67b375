/*
 * daemon.h — the parts of `wattled` (private to the daemon): its
 * configuration (wattled.ini + flags), the interval clock's arithmetic, the
 * metrics, the nng REP/PUB servers and the HTTP/JSON server. The daemon is a
 * thin shell around the node (engine.h), which does the ledger work.
 *
 * Threads: the main thread runs a libevent loop with the interval clock and
 * the signals; the HTTP server runs its own event loop on its own thread;
 * the nng REP server runs a few worker threads, each with its own REP
 * context, so many clients are served at once. Every submission goes through
 * wt_node_submit, which group-commits and returns only what is durable.
 */
#ifndef WATTLE_DAEMON_H
#define WATTLE_DAEMON_H

#include "engine.h"

#include <jansson.h>
#include <nng/nng.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

/* ---------------------------------------------------------------- config */

#define WT_DAEMON_TEXT_MAX 1024

typedef struct {
    char data_dir[WT_DAEMON_TEXT_MAX];
    char genesis[WT_DAEMON_TEXT_MAX];      /* relative to data_dir unless absolute */
    char store[WT_DAEMON_TEXT_MAX];        /* ditto */
    char operator_key[WT_DAEMON_TEXT_MAX]; /* ditto */
    char http_addr[WT_DAEMON_TEXT_MAX];    /* HOST:PORT */
    char listen_url[WT_DAEMON_TEXT_MAX];   /* nng REP */
    char pub_url[WT_DAEMON_TEXT_MAX];      /* nng PUB */
    int64_t interval_ms;                   /* 0: the chain's; else must equal it */
    wt_log_level log_level;
    bool rebuild;
    uint32_t rep_workers;        /* nng REP contexts/threads */
    uint32_t http_body_max;      /* bytes */
    uint32_t http_headers_max;   /* bytes */
    uint32_t http_timeout_s;     /* seconds */
    uint32_t http_threads;       /* HTTP threads accepting on one socket */
    uint32_t nng_idle_timeout_s; /* a REP connection with no complete request for this
                                    long is closed */
    uint32_t catchup_per_tick;   /* intervals closed per clock tick before yielding */
    uint32_t settle_delay;       /* intervals of grace for readings: interval n is settled
                                    when interval n + settle_delay closes */
} wt_daemon_config;

/* The defaults (loopback, the ports of wattled.ini). */
void wt_daemon_config_defaults(wt_daemon_config *cfg);
/* Read an INI file (sections [chain], [listen], [log], [market], [http],
 * [nng]) into cfg. WT_ERR_NOT_FOUND when the file is missing (not an error
 * for the caller: defaults apply), WT_ERR_BAD_REQUEST on a syntax error or an
 * unknown key or a bad value (*line gets its line number, msg the reason). */
wt_err wt_daemon_config_load(wt_daemon_config *cfg, int *line, char *msg, size_t msg_cap,
                             const char *path);
/* Apply the command line (argv[1..]). *help is set for --help. Returns
 * WT_ERR_INVALID_ARGUMENT with msg set on an unknown flag or bad value. Two
 * passes: the caller first finds --data (wt_daemon_args_data_dir), loads the
 * INI from it, then applies the flags so that they override the file. */
wt_err wt_daemon_config_args(wt_daemon_config *cfg, bool *help, char *msg, size_t msg_cap, int argc,
                             char **argv);
/* The value of --data in argv, or NULL. */
const char *wt_daemon_args_data_dir(int argc, char **argv);
/* path resolved against the data directory into out. */
void wt_daemon_path(char *out, size_t out_cap, const wt_daemon_config *cfg, const char *path);

extern const char wt_daemon_usage[];

/* -------------------------------------------------------- interval clock */

/* The interval that holds time now_ms: floor(now_ms / interval_ms). */
uint64_t wt_interval_of(int64_t now_ms, int64_t interval_ms);
/* How many intervals are due to close at now_ms when `next` is the next one
 * to close: every interval n >= next with (n + 1) * interval_ms <= now_ms. */
uint64_t wt_interval_due(int64_t now_ms, int64_t interval_ms, uint64_t next);
/* Milliseconds from now_ms until interval `next` ends (0 when it has). */
int64_t wt_interval_wait_ms(int64_t now_ms, int64_t interval_ms, uint64_t next);
/* The first interval to close after a (re)start, from the last sealed block:
 * at height 0 the genesis block opens its interval, which still needs its
 * close; afterwards the interval after the last sealed one. */
uint64_t wt_interval_first(uint64_t tip_height, uint64_t tip_interval);

/* --------------------------------------------------------------- metrics */

#define WT_METRICS_LATENCY_BUCKETS 12
extern const double wt_metrics_latency_bounds_s[WT_METRICS_LATENCY_BUCKETS];

typedef struct {
    _Atomic uint64_t accepted;
    _Atomic uint64_t duplicates;
    _Atomic uint64_t rejected[WT_ERR_COUNT_];
    _Atomic uint64_t commit_buckets[WT_METRICS_LATENCY_BUCKETS + 1]; /* last: +Inf */
    _Atomic uint64_t commit_count;
    _Atomic uint64_t commit_sum_us;
    _Atomic uint64_t seal_buckets[WT_METRICS_LATENCY_BUCKETS + 1];
    _Atomic uint64_t seal_count;
    _Atomic uint64_t seal_sum_us;
    _Atomic uint64_t settle_buckets[WT_METRICS_LATENCY_BUCKETS + 1];
    _Atomic uint64_t settle_count;
    _Atomic uint64_t settle_sum_us;
    _Atomic uint64_t settlements_failed;
    _Atomic uint64_t intervals_closed;
    _Atomic uint64_t intervals_caught_up; /* closed late (more than one due at a tick) */
    _Atomic uint64_t http_requests;
    _Atomic uint64_t http_errors;
    _Atomic uint64_t nng_requests;
    _Atomic uint64_t nng_bad_requests;
    _Atomic uint64_t http_slow_closed; /* connections closed at their request deadline */
    _Atomic uint64_t nng_idle_closed;  /* REP connections closed for idling */
} wt_metrics;

void wt_metrics_observe(_Atomic uint64_t *buckets, _Atomic uint64_t *count,
                        _Atomic uint64_t *sum_us, int64_t elapsed_us);
void wt_metrics_results(wt_metrics *m, const wt_submit_result *results, size_t count);

/* -------------------------------------------------- recent txs per account */

#define WT_ACCT_RECENT   20     /* recent transactions listed per account */
#define WT_ACCT_FILL_TXS 200000 /* how far back the index looks at start */

typedef struct wt_acct_index wt_acct_index;
typedef struct {
    uint64_t seq;
    uint8_t type;
} wt_acct_recent;

wt_err wt_acct_index_create(wt_acct_index **index);
void wt_acct_index_destroy(wt_acct_index *index);
/* Index a committed tx under every account it touches (sender, receiver,
 * settle legs). Thread-safe. */
void wt_acct_index_add_tx(wt_acct_index *index, const wt_tx *tx, uint64_t seq);
/* The account's recent transactions, newest first; returns the count. */
size_t wt_acct_index_recent(wt_acct_index *index, wt_acct_recent out[WT_ACCT_RECENT],
                            const uint8_t key[32]);
/* Index the last `last_txs` stored transactions (a read-only store handle). */
wt_err wt_acct_index_fill(wt_acct_index *index, const char *store_path, uint64_t last_txs);

/* ---------------------------------------------------------------- daemon */

#define WT_REJECTED_RING    4096
#define WT_SETTLEMENTS_KEPT 1024 /* settlements kept in memory for HTTP */

typedef struct {
    uint8_t txid[32];
    wt_err err;
    const char *field;
    bool used;
} wt_rejected_entry;

typedef struct wt_daemon {
    wt_daemon_config cfg;
    wt_ctx *ctx;
    wt_node *node;
    wt_chain_params params;
    wt_clock_fn clock;
    void *clock_arg;
    wt_metrics metrics;
    char store_path[WT_DAEMON_TEXT_MAX];

    /* the interval clock (main thread) */
    uint64_t next_interval; /* the next interval to close */
    _Atomic uint64_t next_interval_seen;

    uint64_t next_settle; /* the next interval to settle */
    wt_acct_index *accounts;

    /* recent settlements, for clearings and settlements over HTTP */
    pthread_mutex_t settlements_lock;
    wt_settlement *settlements[WT_SETTLEMENTS_KEPT]; /* by interval % WT_SETTLEMENTS_KEPT */

    /* recently rejected txids, for GET /v1/txs/{txid} */
    pthread_mutex_t rejected_lock;
    wt_rejected_entry rejected[WT_REJECTED_RING];
    size_t rejected_next;

    /* nng */
    struct wt_nng_server *nng;
    /* http */
    struct wt_http_pool *http;
} wt_daemon;

/* Submit through the node, count metrics, remember rejections and publish
 * acct/ events for what was committed. */
wt_err wt_daemon_submit(wt_daemon *d, wt_submit_result *results, const uint8_t *const *raws,
                        const size_t *raw_lens, size_t count);
/* A recent rejection of txid: true and *entry filled. */
bool wt_daemon_rejected_find(wt_daemon *d, wt_rejected_entry *entry, const uint8_t txid[32]);

/* JSON of a block header (new reference). */
json_t *wt_json_block(const wt_block_header *h);

/* nng: REP workers and the PUB socket. */
wt_err wt_nng_start(wt_daemon *d);
void wt_nng_stop_rep(wt_daemon *d); /* stop taking requests; in-flight ones finish */
void wt_nng_close(wt_daemon *d);    /* close PUB too */
/* Idle REP connections (nng_idle.c): close every pipe of sock that delivers
 * no complete request for timeout_s (counted in *closed_count). Start after
 * the socket is open; stop and free only after it is closed. */
typedef struct wt_nng_idle wt_nng_idle;
wt_err wt_nng_idle_start(wt_nng_idle **idle, nng_socket sock, uint32_t timeout_s,
                         _Atomic uint64_t *closed_count);
/* A complete request arrived on the pipe with this id. Thread-safe. */
void wt_nng_idle_touch(wt_nng_idle *idle, uint32_t pipe_id);
void wt_nng_idle_stop(wt_nng_idle *idle);
void wt_nng_idle_free(wt_nng_idle *idle); /* NULL is allowed */
/* Publish "<topic>\n<json>" (no-op without a PUB socket). */
void wt_nng_publish(wt_daemon *d, const char *topic, json_t *body);

/* ------------------------------------------------------------ HTTP input */

/* The parsed body of POST /v1/txs, {"txs":["<hex>",...]}: count decoded
 * transactions raws[i] (lens[i] bytes, at least 1) in memory it owns; on
 * failure the HTTP status (400, 413, 503), the error, a message and the
 * field ("txs" or "txs[i]"; "" when none) to answer with. */
typedef struct {
    size_t count;
    const uint8_t **raws;
    size_t *lens;
    uint8_t *mem;
    int status;
    wt_err err;
    char message[256];
    char field[32];
} wt_http_txs;

/* Parse body (body_len bytes, any content) allowing at most txs_max
 * transactions. Pure: no I/O. Release with wt_http_txs_free. */
wt_err wt_http_txs_parse(wt_http_txs *txs, const char *body, size_t body_len, size_t txs_max);
void wt_http_txs_free(wt_http_txs *txs);

struct sockaddr;
/* True for 127.0.0.0/8, ::1 and ::ffff:127.0.0.0/104; false for NULL. */
bool wt_http_addr_is_loopback(const struct sockaddr *sa);
/* The admin paths (/metrics): answered only to loopback peers, 403 otherwise. */
bool wt_http_path_is_admin(const char *path);

/* A deadline per request against slow clients (http_deadline.c): a request
 * must arrive whole within timeout_s of its connection's start or of the
 * previous reply, else the connection is closed (and *closed_count counted).
 * One per HTTP thread; install before serving, free after evhttp_free. */
typedef struct wt_http_deadlines wt_http_deadlines;
struct evhttp;
struct evhttp_request;
struct event_base;
wt_http_deadlines *wt_http_deadlines_install(struct evhttp *http, struct event_base *base,
                                             uint32_t timeout_s, _Atomic uint64_t *closed_count);
/* The router got req whole: stop its connection's timer until the reply is sent. */
void wt_http_deadlines_request(wt_http_deadlines *deadlines, struct evhttp_request *req);
void wt_http_deadlines_free(wt_http_deadlines *deadlines);

/* HTTP: its own thread and event loop. */
wt_err wt_http_start(wt_daemon *d);
void wt_http_stop(wt_daemon *d);

#endif /* WATTLE_DAEMON_H */
