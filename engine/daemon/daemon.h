/*
 * daemon.h — the parts of `wattled` (private to the daemon): its
 * configuration (wattled.ini + flags), the interval clock's arithmetic, the
 * metrics, the nng REP/PUB servers and the HTTP/JSON server. The daemon is a
 * thin shell around the node (engine.h), which does the ledger work.
 *
 * Threads: the main thread runs a libevent loop with the interval clock and
 * the signals; the HTTP server runs its own event loop on its own thread;
 * the nng REP server keeps many REP contexts driven by their aio callbacks
 * and a few worker threads that check and answer requests (nng.c), so many
 * clients are served at once without a thread each. Every submission goes
 * through the node's sequencer, which group-commits and answers only what is
 * durable.
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
    uint32_t rep_contexts;        /* nng REP requests in hand at once */
    uint32_t rep_workers;         /* threads that check and answer the larger ones (more than
                                     four transactions); 0: one per core */
    uint32_t http_body_max;       /* bytes */
    uint32_t http_headers_max;    /* bytes */
    uint32_t http_timeout_s;      /* seconds */
    uint32_t http_threads;        /* HTTP threads accepting on one socket */
    uint32_t nng_idle_timeout_s;  /* a REP connection with no complete request for this
                                     long is closed */
    uint32_t catchup_per_tick;    /* intervals closed per clock tick before yielding */
    uint32_t settle_delay;        /* intervals of grace for readings: interval n is settled
                                     when interval n + settle_delay closes */
    uint32_t audit_every_s;       /* background audit period; 0: only on request */
    uint32_t audit_min_gap_s;     /* a requested audit waits this long after the last */
    uint32_t inflight_per_sender; /* transactions one sender may have in flight; 0: no limit */
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

/* ------------------------------------------------ account history index */

/*
 * Every committed transaction under every account it touches (the sender;
 * a transfer's or mint's receiver; each settle leg's payer and payee; a
 * REGISTER's meter owner and gateway, gateway, merchant or role holder), in
 * ledger (seq) order, with the sequencer's time of each (the stored t_ms),
 * and each merchant's registered name (from its latest REGISTER merchant).
 * Built in memory from the whole store at start (wt_acct_index_fill), so it
 * is complete after any restart, and kept current as transactions commit.
 * About 16 bytes per (account, transaction) pair. Thread-safe.
 */
#define WT_ACCT_RECENT        20   /* transactions listed by GET /v1/accounts/{a} */
#define WT_ACCT_HISTORY_LIMIT 1000 /* the most GET /v1/accounts/{a}/txs lists at once */

typedef struct wt_acct_index wt_acct_index;
typedef struct {
    uint64_t seq;
    int64_t t_ms;
    uint8_t type; /* wt_tx_type */
} wt_acct_tx;

wt_err wt_acct_index_create(wt_acct_index **index);
void wt_acct_index_destroy(wt_acct_index *index);
/* Index a committed tx (seq, applied at t_ms) under every account it
 * touches. Out of memory marks the index incomplete (wt_acct_index_query
 * then says so) instead of silently missing a transaction. */
void wt_acct_index_add_tx(wt_acct_index *index, const wt_tx *tx, uint64_t seq, int64_t t_ms);
/* The account's recent transactions, newest first; returns the count. */
size_t wt_acct_index_recent(wt_acct_index *index, wt_acct_tx out[WT_ACCT_RECENT],
                            const uint8_t key[32]);

/* Which of an account's transactions to list: seq < before_seq (0: no
 * bound), from_ms <= t_ms < to_ms. */
typedef struct {
    uint64_t before_seq;
    int64_t from_ms, to_ms; /* INT64_MIN / INT64_MAX: no bound */
} wt_acct_query;

/* Up to cap (1..WT_ACCT_HISTORY_LIMIT) of the account's transactions that
 * match q, newest first, into out; *count how many, *more whether further
 * (older) ones match. Exact also when the sequencer's clock went backwards
 * (the times of an account's transactions are then not in seq order: such
 * an account is scanned instead of binary searched). WT_ERR_NO_MEMORY when
 * the index is incomplete (it ran out of memory: a restart rebuilds it). */
wt_err wt_acct_index_query(wt_acct_index *index, wt_acct_tx *out, size_t cap, size_t *count,
                           bool *more, const uint8_t key[32], const wt_acct_query *q);

/* The merchant name of the account's latest REGISTER merchant, NUL-terminated,
 * into out (WT_MERCHANT_NAME_BYTES_MAX + 1 bytes): false when it has none. */
bool wt_acct_index_merchant_name(wt_acct_index *index, char out[WT_MERCHANT_NAME_BYTES_MAX + 1],
                                 const uint8_t key[32]);

/* Index every stored transaction (a read-only store handle of its own). */
wt_err wt_acct_index_fill(wt_acct_index *index, const char *store_path);

/* GET /v1/accounts/{a}/txs (history.c): the listing of q (limit 1..
 * WT_ACCT_HISTORY_LIMIT) as its JSON body, from the index and from store
 * (the calling HTTP thread's read-only handle). NULL with *err set
 * (WT_ERR_NO_MEMORY; WT_ERR_STORE_CORRUPT: a listed transaction missing
 * from the store or not decoding) when it cannot be answered. */
json_t *wt_acct_history_json(wt_acct_index *index, wt_store *store, wt_err *err,
                             const uint8_t key[32], const wt_acct_query *q, size_t limit);

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
    uint64_t settlements_replayed;                   /* rebuilt from the ledger at start */

    /* recently rejected txids, for GET /v1/txs/{txid} */
    pthread_mutex_t rejected_lock;
    wt_rejected_entry rejected[WT_REJECTED_RING];
    size_t rejected_next;

    /* nng */
    struct wt_nng_server *nng;
    /* http */
    struct wt_http_pool *http;
    /* the dashboard's sampler and background auditor (dashboard.c) */
    struct wt_dash *dash;
} wt_daemon;

/* Submit through the node, count metrics, remember rejections and publish
 * acct/ events for what was committed. A sender with
 * cfg.inflight_per_sender signed transactions in the node already has the
 * rest refused at once with WT_ERR_RATE_LIMITED (field "sender"; see
 * wt_node_opts), which is counted but not remembered as a rejection. */
wt_err wt_daemon_submit(wt_daemon *d, wt_submit_result *results, const uint8_t *const *raws,
                        const size_t *raw_lens, size_t count);
/* wt_daemon_submit in two halves, for a server that answers from a few
 * threads (nng.c): start queues the submission (wt_node_submit_async; done
 * is called on the sequencer's thread) and notes when it began; once done
 * has been called, finish does the rest (metrics, rejections, events) with
 * the same arrays, on the caller's thread. */
wt_err wt_daemon_submit_start(wt_daemon *d, int64_t *started_us, wt_submit_result *results,
                              const uint8_t *const *raws, const size_t *raw_lens, size_t count,
                              wt_node_done_fn done, void *done_arg);
void wt_daemon_submit_finish(wt_daemon *d, int64_t started_us, const wt_submit_result *results,
                             const uint8_t *const *raws, const size_t *raw_lens, size_t count);
/* A recent rejection of txid: true and *entry filled. */
bool wt_daemon_rejected_find(wt_daemon *d, wt_rejected_entry *entry, const uint8_t txid[32]);

/* JSON of a block header (new reference). */
json_t *wt_json_block(const wt_block_header *h);

/* nng: the REP server and the PUB socket. */
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
/* Whether any subscriber is connected to PUB (events are built only then). */
bool wt_nng_has_subscribers(wt_daemon *d);

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
/* The admin requests, answered only to loopback peers (403 forbidden
 * otherwise): /metrics, and POST /v1/audit (asking for an audit) — reads_only
 * is false for a method other than GET and HEAD. */
bool wt_http_path_is_admin(const char *path, bool reads_only);

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

/* What http.c shares with the handlers in other files (dashboard.c): replies
 * (an error counts in the metrics), a decimal query value (missing gives def;
 * false on a bad one), JSON of keys, bytes, a raw transaction (null when it
 * does not decode) and a settlement row, and the kept settlements (call
 * under settlements_lock: the one of interval n or NULL; the newest kept
 * interval, 0 when none). */
struct evhttp_request;
struct evkeyvalq;
void wt_http_send_json(struct evhttp_request *req, int status, json_t *body); /* takes body */
void wt_http_send_error(wt_daemon *d, struct evhttp_request *req, int status, wt_err err,
                        const char *message, const char *field);
bool wt_http_query_u64(uint64_t *out, const struct evkeyvalq *q, const char *key, uint64_t def);
json_t *wt_json_address(const uint8_t key[32]);
json_t *wt_json_hex(const uint8_t *data, size_t len);
json_t *wt_json_tx(const uint8_t *raw, size_t raw_len, const uint8_t txid[32]);
json_t *wt_json_settle_row(const wt_chain_params *p, const wt_settle_row *row);
const wt_settlement *wt_daemon_settlement_kept(wt_daemon *d, uint64_t interval);
uint64_t wt_daemon_settlement_newest(wt_daemon *d);

/* ------------------------------------------------------------- dashboard */

/* The dashboard's files (engine/daemon/web/), compiled in by web/embed.py. */
typedef struct {
    const char *path;         /* "/" for index.html, else "/" + the file name */
    const char *content_type; /* with charset for text */
    const unsigned char *data;
    size_t len;
    const char *etag; /* quoted, from the content's SHA-256 */
} wt_web_asset;
extern const wt_web_asset wt_web_assets[];
extern const size_t wt_web_assets_count;

/* Start the sampler (counters once a second, for rates) and the background
 * auditor (wt_audit_run at low priority: 10 s after the start, then every
 * cfg.audit_every_s — unless that is 0 — and on request); stop them (a
 * running audit is told to stop and joined). Stop with d->dash NULL is a
 * no-op. */
wt_err wt_dash_start(wt_daemon *d);
void wt_dash_stop(wt_daemon *d);
/* Answer a request when path is one of dashboard.c's (the page's files,
 * /v1/stats, /v1/audit, /v1/accounts/{address}/settlements): true when it
 * answered (a 405 too), false when the path is not its. */
bool wt_dash_route(wt_daemon *d, struct evhttp_request *req, const char *path,
                   const struct evkeyvalq *q);
/* GET /v1/txs: the latest committed transactions, newest first; store is
 * the calling HTTP thread's read-only handle. */
void wt_dash_get_txs(wt_daemon *d, wt_store *store, struct evhttp_request *req,
                     const struct evkeyvalq *q);

#endif /* WATTLE_DAEMON_H */
