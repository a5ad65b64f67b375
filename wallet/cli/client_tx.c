/* client_tx.c — the shell shared by the node-client commands of `wattle`
 * (client_tx.h): common options, key loading, chain and nonce look-ups,
 * signing and submitting. */
#include "client_tx.h"
#include "client_parse.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXPIRES_IN_MS_DEFAULT (10 * 60 * 1000)

void wt_cli_node_error_print(const char *cmd, const wt_node_error *error)
{
    fprintf(stderr, "wattle %s: %s: %s\n", cmd, error->code, error->message);
}

int wt_cli_pubkey(const char *cmd, uint8_t out[32], const char *what, const char *text)
{
    wt_err err = wt_pubkey_parse_text(out, text);
    if (err != WT_OK) {
        fprintf(stderr, "wattle %s: %s '%s' is not an address or 64 hex characters: %s\n", cmd,
                what, text, wt_strerror(err));
        return 2;
    }
    return 0;
}

static int load_key(wt_cli_session *s, const char *path)
{
    uint8_t pubkey[32];
    bool encrypted;
    wt_err err = wt_keyfile_info(pubkey, &encrypted, path);
    char line[512];
    if (err != WT_OK) {
        wt_keyfile_explain(line, sizeof line, path, err, errno);
        fprintf(stderr, "wattle %s: %s\n", s->cmd, line);
        return 2;
    }
    char pass[WT_PASSPHRASE_BYTES_MAX + 1];
    size_t pass_len = 0;
    if (encrypted) {
        char prompt[600];
        snprintf(prompt, sizeof prompt, "Passphrase for %s: ", path);
        err = wt_passphrase_read(pass, sizeof pass, &pass_len, prompt, false);
        if (err != WT_OK) {
            fprintf(stderr, "wattle %s: %s is encrypted and no passphrase was given\n", s->cmd,
                    path);
            return 2;
        }
    }
    err = wt_keyfile_load(s->ctx, &s->key, path, encrypted ? pass : NULL, pass_len);
    int errnum = errno;
    wt_wipe(pass, sizeof pass);
    if (err != WT_OK) {
        wt_keyfile_explain(line, sizeof line, path, err, errnum);
        fprintf(stderr, "wattle %s: %s\n", s->cmd, line);
        return 2;
    }
    s->have_key = true;
    return 0;
}

/* --genesis FILE: the chain's parameters as the JSON /v1/chain would give
 * (chain_id, interval_ms, zones), so nothing needs the node. */
static int load_genesis(wt_cli_session *s, const char *path)
{
    static uint8_t bytes[1 << 16];
    FILE *f = fopen(path, "rb");
    int errnum = errno;
    size_t len = f != NULL ? fread(bytes, 1, sizeof bytes, f) : 0;
    bool read_ok = f != NULL && !ferror(f) && len < sizeof bytes;
    if (f != NULL)
        fclose(f);
    if (!read_ok) {
        fprintf(stderr, "wattle %s: cannot read %s: %s\n", s->cmd, path,
                f == NULL ? strerror(errnum) : "read error or too large");
        return 2;
    }
    static wt_chain_params p;
    wt_err err = wt_chain_params_decode(&p, bytes, len);
    if (err != WT_OK) {
        fprintf(stderr, "wattle %s: %s is not a chain's genesis.bin: %s\n", s->cmd, path,
                wt_strerror(err));
        return 2;
    }
    json_t *zones = json_array();
    for (uint16_t i = 0; zones != NULL && i < p.zones_count; i++)
        json_array_append_new(
            zones, json_pack("{s:I, s:s}", "index", (json_int_t)i, "name", p.zones[i].name));
    s->chain = json_pack("{s:I, s:I, s:o}", "chain_id", (json_int_t)p.chain_id, "interval_ms",
                         (json_int_t)p.interval_ms, "zones", zones);
    if (s->chain == NULL) {
        fprintf(stderr, "wattle %s: out of memory\n", s->cmd);
        return 2;
    }
    if (s->have_chain_id && s->chain_id != p.chain_id) {
        fprintf(stderr, "wattle %s: --chain-id %u differs from the chain id %u of %s\n", s->cmd,
                (unsigned)s->chain_id, (unsigned)p.chain_id, path);
        return 2;
    }
    s->chain_id = p.chain_id;
    s->have_chain_id = true;
    return 0;
}

int wt_cli_session_open(wt_cli_session *s, const char *cmd, const wt_cli_option *opts,
                        size_t opts_count, bool signs)
{
    memset(s, 0, sizeof *s);
    s->cmd = cmd;
    s->expires_in_ms = EXPIRES_IN_MS_DEFAULT;
    const char *timeout = wt_cli_value(opts, opts_count, "timeout-ms");
    uint64_t timeout_ms = 0;
    if (timeout != NULL && (wt_cli_u64_parse(&timeout_ms, timeout) != WT_OK || timeout_ms == 0 ||
                            timeout_ms > 3600000)) {
        fprintf(stderr, "wattle %s: --timeout-ms must be a whole number in 1..3600000, not '%s'\n",
                cmd, timeout);
        return 2;
    }
    wt_node_error nerr;
    if (wt_node_client_init(&s->node, &nerr, wt_cli_value(opts, opts_count, "node"),
                            (int64_t)timeout_ms) != WT_OK) {
        fprintf(stderr, "wattle %s: %s\n", cmd, nerr.message);
        return 2;
    }
    s->node_ok = true;
    if (!signs)
        return 0;
    const char *v = wt_cli_value(opts, opts_count, "nonce");
    if (v != NULL) {
        if (wt_cli_u64_parse(&s->nonce, v) != WT_OK || s->nonce == 0) {
            fprintf(stderr, "wattle %s: --nonce must be a whole number >= 1, not '%s'\n", cmd, v);
            return 2;
        }
        s->have_nonce = true;
    }
    v = wt_cli_value(opts, opts_count, "chain-id");
    if (v != NULL) {
        uint64_t id;
        if (wt_cli_u64_parse(&id, v) != WT_OK || id > UINT32_MAX) {
            fprintf(stderr, "wattle %s: --chain-id must be a 32-bit whole number, not '%s'\n", cmd,
                    v);
            return 2;
        }
        s->chain_id = (uint32_t)id;
        s->have_chain_id = true;
    }
    v = wt_cli_value(opts, opts_count, "expires-in");
    if (v != NULL && wt_cli_duration_parse(&s->expires_in_ms, v) != WT_OK) {
        fprintf(stderr,
                "wattle %s: --expires-in must be seconds or a duration like 90s, 10m, 2h (at "
                "most 30 days), not '%s'\n",
                cmd, v);
        return 2;
    }
    v = wt_cli_value(opts, opts_count, "genesis");
    if (v != NULL) {
        int status = load_genesis(s, v);
        if (status != 0)
            return status;
    }
    s->sign_only = wt_cli_value(opts, opts_count, "sign-only") != NULL;
    const char *key = wt_cli_value(opts, opts_count, "key");
    if (key == NULL || *key == '\0') {
        fprintf(stderr, "wattle %s: --key FILE is required (see --help)\n", cmd);
        return 2;
    }
    wt_err err = wt_ctx_create(&s->ctx);
    if (err != WT_OK) {
        fprintf(stderr, "wattle %s: cannot set up signing: %s\n", cmd, wt_strerror(err));
        return 2;
    }
    return load_key(s, key);
}

int wt_cli_begin(wt_cli_session *s, const char *cmd, const char *usage, int argc, char **argv,
                 wt_cli_option *opts, size_t opts_count, const char **pos, size_t pos_cap,
                 size_t *pos_count, bool signs)
{
    memset(s, 0, sizeof *s);
    *pos_count = 0;
    if (wt_cli_wants_help(argc, argv)) {
        fputs(usage, stdout);
        return 0;
    }
    if (!wt_cli_parse(cmd, argc, argv, 1, opts, opts_count, pos, pos_cap, pos_count))
        return 2;
    int status = wt_cli_session_open(s, cmd, opts, opts_count, signs);
    if (status != 0) {
        wt_cli_session_close(s);
        return status;
    }
    return -1;
}

void wt_cli_session_close(wt_cli_session *s)
{
    if (s->have_key)
        wt_seckey_wipe(&s->key);
    wt_ctx_destroy(s->ctx);
    json_decref(s->chain);
    memset(s, 0, sizeof *s);
}

int wt_cli_get_json(wt_cli_session *s, json_t **out, const char *path)
{
    *out = NULL;
    wt_node_error nerr;
    char *body;
    size_t len;
    if (wt_node_get(&s->node, &nerr, &body, &len, path) != WT_OK) {
        wt_cli_node_error_print(s->cmd, &nerr);
        return 1;
    }
    json_error_t jerr;
    *out = json_loadb(body, len, 0, &jerr);
    free(body);
    if (*out == NULL) {
        fprintf(stderr, "wattle %s: bad_json: the node's answer to %s is not JSON: %s\n", s->cmd,
                path, jerr.text);
        return 1;
    }
    return 0;
}

int wt_cli_chain_get(wt_cli_session *s, const json_t **chain)
{
    *chain = NULL;
    if (s->chain == NULL) {
        int status = wt_cli_get_json(s, &s->chain, "/v1/chain");
        if (status != 0)
            return status;
        if (!json_is_integer(json_object_get(s->chain, "chain_id")) ||
            !json_is_array(json_object_get(s->chain, "zones"))) {
            fprintf(stderr, "wattle %s: bad_json: /v1/chain lacks chain_id or zones\n", s->cmd);
            return 1;
        }
    }
    *chain = s->chain;
    return 0;
}

int wt_cli_zone_index(wt_cli_session *s, uint16_t *zone, const char *name)
{
    *zone = 0;
    const json_t *chain;
    int status = wt_cli_chain_get(s, &chain);
    if (status != 0)
        return status;
    const json_t *zones = json_object_get(chain, "zones");
    size_t i;
    json_t *z;
    json_array_foreach(zones, i, z)
    {
        const char *zname = json_string_value(json_object_get(z, "name"));
        json_int_t index = json_integer_value(json_object_get(z, "index"));
        if (zname != NULL && strcmp(zname, name) == 0 && index >= 0 && index <= UINT16_MAX) {
            *zone = (uint16_t)index;
            return 0;
        }
    }
    fprintf(stderr, "wattle %s: unknown_zone: no zone '%s' on this chain (zones:", s->cmd, name);
    json_array_foreach(zones, i, z)
    {
        const char *zname = json_string_value(json_object_get(z, "name"));
        fprintf(stderr, " %s", zname != NULL ? zname : "?");
    }
    fprintf(stderr, ")\n");
    return 2;
}

/* The sender's next nonce: the node's "nonce" + 1. */
static int next_nonce(wt_cli_session *s, uint64_t *nonce)
{
    *nonce = 0;
    char address[WT_ADDRESS_CHARS + 1], path[128];
    wt_address_encode(address, s->key.pubkey);
    snprintf(path, sizeof path, "/v1/accounts/%s", address);
    json_t *account;
    int status = wt_cli_get_json(s, &account, path);
    if (status != 0)
        return status;
    json_t *n = json_object_get(account, "nonce");
    bool ok = json_is_integer(n);
    json_int_t v = json_integer_value(n);
    json_decref(account);
    if (!ok || v < 0 || v == INT64_MAX) {
        fprintf(stderr, "wattle %s: bad_json: the node gave no valid nonce for %s\n", s->cmd,
                address);
        return 1;
    }
    *nonce = (uint64_t)v + 1;
    return 0;
}

int wt_cli_submit_raw(wt_cli_session *s, const uint8_t *const *txs, const size_t *tx_lens,
                      size_t count)
{
    wt_node_result *results = calloc(count, sizeof *results);
    if (results == NULL) {
        fprintf(stderr, "wattle %s: out of memory\n", s->cmd);
        return 1;
    }
    wt_node_error nerr;
    if (wt_node_submit_txs(&s->node, &nerr, results, txs, tx_lens, count) != WT_OK) {
        wt_cli_node_error_print(s->cmd, &nerr);
        free(results);
        return 1;
    }
    int status = 0;
    for (size_t i = 0; i < count; i++) {
        const wt_node_result *r = &results[i];
        char txid[65];
        wt_hex_encode(txid, r->txid, 32);
        if (count > 1)
            printf("%s %s %s\n", txid,
                   !r->committed  ? "rejected"
                   : r->duplicate ? "duplicate"
                                  : "committed",
                   r->code);
        else if (r->committed)
            printf("%s\n", txid);
        if (!r->committed) {
            status = 1;
            if (r->field[0] != '\0')
                fprintf(stderr, "wattle %s: %s: %s (field %s)\n", s->cmd, r->code, r->message,
                        r->field);
            else
                fprintf(stderr, "wattle %s: %s: %s\n", s->cmd, r->code, r->message);
        } else if (r->duplicate && count == 1) {
            fprintf(stderr,
                    "wattle %s: already in the ledger (seq %" PRIu64 ", block %" PRIu64
                    "): nothing applied again\n",
                    s->cmd, r->seq, r->height);
        }
    }
    free(results);
    if (fflush(stdout) != 0) {
        fprintf(stderr, "wattle %s: cannot write the output\n", s->cmd);
        return 1;
    }
    return status;
}

int wt_cli_tx_finish(wt_cli_session *s, wt_tx *tx)
{
    WT_ASSERT(s->have_key);
    memcpy(tx->sender, s->key.pubkey, 32);
    if (s->node.kind == WT_NODE_NNG && (!s->have_chain_id || !s->have_nonce)) {
        fprintf(stderr,
                "wattle %s: an nng node (%s) takes submissions only: give --nonce N and "
                "--chain-id N, or use an http:// node\n",
                s->cmd, s->node.url);
        return 2;
    }
    if (!s->have_chain_id) {
        const json_t *chain;
        int status = wt_cli_chain_get(s, &chain);
        if (status != 0) {
            if (s->sign_only)
                fprintf(stderr,
                        "wattle %s: to sign offline give --nonce N and --chain-id N (or --genesis "
                        "FILE)\n",
                        s->cmd);
            return status;
        }
        json_int_t id = json_integer_value(json_object_get(chain, "chain_id"));
        if (id < 0 || id > UINT32_MAX) {
            fprintf(stderr, "wattle %s: bad_json: the node's chain_id is out of range\n", s->cmd);
            return 1;
        }
        s->chain_id = (uint32_t)id;
        s->have_chain_id = true;
    }
    tx->chain_id = s->chain_id;
    if (!s->have_nonce) {
        int status = next_nonce(s, &s->nonce);
        if (status != 0)
            return status;
        s->have_nonce = true;
    }
    tx->nonce = s->nonce;
    tx->expiry_ms = wt_now_ms() + s->expires_in_ms;
    const char *field = NULL;
    wt_err err = wt_tx_check(&field, tx);
    if (err != WT_OK) {
        fprintf(stderr, "wattle %s: %s: %s (field %s)\n", s->cmd, wt_errname(err), wt_strerror(err),
                field != NULL ? field : "?");
        return 2;
    }
    uint8_t txid[32];
    err = wt_tx_sign(s->ctx, txid, tx, &s->key);
    if (err != WT_OK) {
        fprintf(stderr, "wattle %s: cannot sign: %s\n", s->cmd, wt_strerror(err));
        return 2;
    }
    size_t len = wt_tx_encoded_len(tx), out_len;
    uint8_t *raw = malloc(len);
    char *hex = raw != NULL ? malloc(2 * len + 1) : NULL;
    if (hex == NULL) {
        free(raw);
        fprintf(stderr, "wattle %s: out of memory\n", s->cmd);
        return 2;
    }
    err = wt_tx_encode(raw, len, &out_len, &field, tx);
    WT_ASSERT(err == WT_OK && out_len == len);
    int status = 0;
    if (s->sign_only) {
        wt_hex_encode(hex, raw, len);
        printf("%s\n", hex);
        if (fflush(stdout) != 0) {
            fprintf(stderr, "wattle %s: cannot write the output\n", s->cmd);
            status = 2;
        }
    } else {
        const uint8_t *txs[1] = {raw};
        status = wt_cli_submit_raw(s, txs, &len, 1);
    }
    free(hex);
    free(raw);
    return status;
}
