/*
 * client_tx.h — what every node-client command of `wattle` shares (private
 * to the program): the common options (--node, --timeout-ms, and for
 * commands that sign: --key, --nonce, --chain-id, --expires-in,
 * --sign-only), loading the signing key, reading the chain (zones by name,
 * chain id, interval length) and the sender's nonce from the node, and
 * finishing a transaction: header, signature, then either submit it and
 * print its txid once the node acknowledges it as durable, or (--sign-only)
 * print the signed transaction in hex.
 *
 * Every function that can fail prints "wattle CMD: ..." on stderr and
 * returns the exit status to use (1: the node refused or could not be
 * reached; 2: malformed input or usage); 0 means go on.
 */
#ifndef WATTLE_CLI_CLIENT_TX_H
#define WATTLE_CLI_CLIENT_TX_H

#include "node_client.h"
#include "options.h"
#include "wallet.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

/* Option table entries, to put at the end of each command's table. */
// clang-format off
#define WT_CLI_NODE_OPTIONS {"node", false, NULL}, {"timeout-ms", false, NULL}
#define WT_CLI_SIGN_OPTIONS                                                                        \
    {"key", false, NULL}, {"nonce", false, NULL}, {"chain-id", false, NULL},                       \
    {"genesis", false, NULL}, {"expires-in", false, NULL}, {"sign-only", true, NULL}

/* Help text for those options. */
#define WT_CLI_NODE_HELP                                                                           \
    "  --node URL        the node: http://HOST:PORT, tcp://HOST:PORT or ipc://PATH\n"              \
    "                    (default $WATTLE_NODE, else " WT_NODE_URL_DEFAULT ")\n"                   \
    "  --timeout-ms N    give up on the node after N ms (default 10000)\n"
#define WT_CLI_SIGN_HELP                                                                           \
    "  --nonce N         use nonce N instead of the account's next one from the node\n"            \
    "  --chain-id N      the chain id, instead of reading it from the node\n"                      \
    "  --genesis FILE    read the chain id, zones and interval from the chain's genesis.bin\n"     \
    "                    instead of from the node\n"                                               \
    "  --expires-in D    expiry from now: seconds, or 90s, 10m, 2h (default 10m)\n"                \
    "  --sign-only       print the signed transaction in hex instead of submitting it\n"           \
    "                    (with --nonce and --chain-id or --genesis no node is needed:\n"           \
    "                    offline signing)\n"                                                       \
    "Key files sealed with a passphrase read it from $WATTLE_PASSPHRASE or the terminal.\n"
// clang-format on

typedef struct {
    const char *cmd; /* "send", "register meter", ... for messages */
    wt_node_client node;
    bool node_ok;
    wt_ctx *ctx;
    wt_seckey key;
    bool have_key;
    bool sign_only;
    bool have_nonce;
    uint64_t nonce;
    bool have_chain_id;
    uint32_t chain_id;
    int64_t expires_in_ms;
    json_t *chain; /* GET /v1/chain, fetched when first needed (or from --genesis) */
} wt_cli_session;

/* The usual start of a command: --help prints usage (status 0), then the
 * options are parsed and the session opened. Returns -1 to go on, else the
 * exit status (the session is then closed). */
int wt_cli_begin(wt_cli_session *s, const char *cmd, const char *usage, int argc, char **argv,
                 wt_cli_option *opts, size_t opts_count, const char **pos, size_t pos_cap,
                 size_t *pos_count, bool signs);

/* Read the common options from opts (the command's whole table, which must
 * include WT_CLI_NODE_OPTIONS, and WT_CLI_SIGN_OPTIONS when signs). With
 * signs, --key is required and loaded. */
int wt_cli_session_open(wt_cli_session *s, const char *cmd, const wt_cli_option *opts,
                        size_t opts_count, bool signs);
void wt_cli_session_close(wt_cli_session *s);

/* The node's GET path as parsed JSON (caller json_decref's). */
int wt_cli_get_json(wt_cli_session *s, json_t **out, const char *path);
/* GET /v1/chain once. */
int wt_cli_chain_get(wt_cli_session *s, const json_t **chain);
/* The index of the zone called name (listing the chain's zones when none is). */
int wt_cli_zone_index(wt_cli_session *s, uint16_t *zone, const char *name);
/* Parse a public key (address or 64 hex) given for option `what`. */
int wt_cli_pubkey(const char *cmd, uint8_t out[32], const char *what, const char *text);

/* Fill tx's header (chain id, sender, nonce, expiry), sign it, then submit
 * it and print its txid, or print its hex with --sign-only. */
int wt_cli_tx_finish(wt_cli_session *s, wt_tx *tx);
/* Submit already encoded transactions; prints one line per transaction
 * when count > 1 ("TXID committed|duplicate|rejected CODE"), else the txid. */
int wt_cli_submit_raw(wt_cli_session *s, const uint8_t *const *txs, const size_t *tx_lens,
                      size_t count);

/* Print "wattle CMD: <code>: <message>" for a node error. */
void wt_cli_node_error_print(const char *cmd, const wt_node_error *error);

#endif /* WATTLE_CLI_CLIENT_TX_H */
