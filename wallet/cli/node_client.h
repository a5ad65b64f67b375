/*
 * node_client.h — how `wattle` talks to a node (wattled): the URL given by
 * --node or $WATTLE_NODE, either
 *   http://HOST:PORT   HTTP/JSON (libevent's evhttp): submissions with
 *                      POST /v1/txs, reads with the GET endpoints;
 *   tcp://HOST:PORT or ipc://PATH
 *                      nng REQ with the binary format of wallet/wire.h:
 *                      submissions only (reads need an http:// node).
 * Every call has a timeout. Errors come back as text ready to print, so each
 * command prints "wattle CMD: <code>: <message>" the same way.
 * This is the I/O edge of the client; the wire codec itself is pure.
 */
#ifndef WATTLE_CLI_NODE_CLIENT_H
#define WATTLE_CLI_NODE_CLIENT_H

#include "common.h"

#include <nng/nng.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WT_NODE_URL_DEFAULT        "http://127.0.0.1:8080"
#define WT_NODE_TIMEOUT_MS_DEFAULT 10000
#define WT_NODE_BODY_BYTES_MAX     (64u << 20) /* largest response accepted */

typedef enum { WT_NODE_HTTP = 1, WT_NODE_NNG = 2 } wt_node_kind;

typedef struct {
    wt_node_kind kind;
    char url[512];  /* as given */
    char host[256]; /* http: host name or address */
    uint16_t port;  /* http */
    int64_t timeout_ms;
} wt_node_client;

/* What went wrong, ready to print as "<code>: <message>". */
typedef struct {
    char code[64];     /* a wt_errname, e.g. "unavailable", "timeout", "bad_nonce" */
    char message[512]; /* human text; names the URL when the node is unreachable */
    int http_status;   /* 0 when no HTTP answer */
} wt_node_error;

/* Parse url (NULL: $WATTLE_NODE, else WT_NODE_URL_DEFAULT). WT_ERR_INVALID_ARGUMENT
 * with *error filled for a URL of another scheme or without a port. */
wt_err wt_node_client_init(wt_node_client *client, wt_node_error *error, const char *url,
                           int64_t timeout_ms);

/* GET path (e.g. "/v1/chain") from an http:// node. On WT_OK, *body is the
 * malloc'd, NUL-terminated 2xx body (caller frees). An HTTP error answer is
 * returned as WT_ERR_NOT_FOUND (404) or WT_ERR_BAD_REQUEST (other statuses)
 * with *error holding the node's {"error":{code,message}} (or the status
 * line). WT_ERR_UNAVAILABLE: unreachable, or an nng node (reads need
 * http://); WT_ERR_TIMEOUT. */
wt_err wt_node_get(const wt_node_client *client, wt_node_error *error, char **body,
                   size_t *body_len, const char *path);

/* One submitted transaction's fate. */
typedef struct {
    uint8_t txid[32];
    bool committed; /* durable in the ledger (also when duplicate) */
    bool duplicate; /* it was already there: nothing applied now */
    uint64_t seq, height;
    char code[64]; /* "ok" or the wt_errname of the rejection */
    char message[256];
    char field[64]; /* the transaction field to blame, or "" */
} wt_node_result;

/* Submit count encoded transactions (1..4096) through either transport;
 * results[i] gets each one's fate. WT_OK when the node answered for every
 * transaction (look at each result); otherwise *error says why (unreachable,
 * timeout, an HTTP error JSON, a malformed answer). */
wt_err wt_node_submit_txs(const wt_node_client *client, wt_node_error *error,
                          wt_node_result *results, const uint8_t *const *txs, const size_t *tx_lens,
                          size_t count);

/* Run fn on a thread of its own and wait at most timeout_ms for it to
 * return; fn gets a copy of the arg_len bytes at arg, so the caller's may go
 * at once. true: fn returned in time (or ran on this thread, when no thread
 * could be started). false: it is still running; it finishes on its own
 * (detached) and its copy of arg is freed then. */
bool wt_run_within(void (*fn)(void *arg), const void *arg, size_t arg_len, int64_t timeout_ms);

/* nng_close(s), waiting for it at most timeout_ms; false when it did not
 * return in that time (the socket is then left to a thread of its own). With
 * Debian's nng 1.5.2, nng's one reaper thread can get stuck for good on
 * destroying a pipe whose receive is half begun (seen on SUB pipes under a
 * stream of events), and from then on every close in the process waits
 * forever; a command that is finishing anyway should not wait with it. */
bool wt_nng_close_within(nng_socket s, int64_t timeout_ms);

#endif /* WATTLE_CLI_NODE_CLIENT_H */
