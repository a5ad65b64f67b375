/* cmd_tx.c — `wattle tx …`: look inside transactions. `decode` prints one
 * as JSON with its txid and whether its signature is valid. */
#include "commands.h"
#include "common.h"
#include "wallet.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char tx_usage[] =
    "usage: wattle tx SUBCOMMAND [ARGS]\n\n"
    "subcommands:\n"
    "  decode HEX   print a transaction as JSON, with its txid and signature check\n"
    "  status TXID  ask a node about a transaction (JSON: pending, committed, ...)\n\n"
    "Run 'wattle tx SUBCOMMAND --help' for details.\n";

static const char decode_usage[] =
    "usage: wattle tx decode HEX\n"
    "       wattle tx decode -        (read the hex from standard input)\n\n"
    "Decodes one transaction in wattle's canonical binary encoding (wallet/FORMAT.md),\n"
    "given as hex of either case, strictly: trailing bytes, unknown versions or types,\n"
    "out-of-range or non-canonical fields are refused with the name of the field.\n"
    "Prints one JSON object: \"txid\", \"type\", the header and body fields (keys as\n"
    "uc1... addresses, amounts in micro-U-Coin and energies in mWh as integers),\n"
    "\"signature\" and \"signature_valid\" (true/false).\n\n"
    "exit status: 0 decoded (whatever the signature), 2 malformed input.\n";

/* All of standard input, whitespace dropped, NUL-terminated; NULL on error. */
static char *read_stdin_hex(void)
{
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    int c;
    while (buf != NULL && (c = getchar()) != EOF) {
        if (c == ' ' || c == '\n' || c == '\r' || c == '\t')
            continue;
        if (len + 1 == cap) {
            if (cap > 2 * WT_TX_BYTES_MAX + 2) {
                free(buf);
                return NULL;
            }
            char *bigger = realloc(buf, cap * 2);
            if (bigger == NULL)
                free(buf);
            buf = bigger;
            cap *= 2;
            if (buf == NULL)
                break;
        }
        buf[len++] = (char)c;
    }
    if (buf != NULL)
        buf[len] = '\0';
    return buf;
}

static int tx_decode(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(decode_usage, stdout);
            return 0;
        }
    if (argc != 2) {
        fputs("wattle tx decode: exactly one HEX argument (or '-') is required\n", stderr);
        return 2;
    }
    char *from_stdin = NULL;
    const char *text = argv[1];
    if (strcmp(text, "-") == 0) {
        from_stdin = read_stdin_hex();
        if (from_stdin == NULL) {
            fputs("wattle tx decode: cannot read standard input (or it is too long)\n", stderr);
            return 2;
        }
        text = from_stdin;
    }
    size_t cap = strlen(text) / 2 + 1, len = 0;
    uint8_t *bytes = malloc(cap);
    if (bytes == NULL) {
        free(from_stdin);
        fputs("wattle tx decode: out of memory\n", stderr);
        return 2;
    }
    wt_err err = wt_hex_decode_any(bytes, &len, cap, text);
    free(from_stdin);
    if (err != WT_OK) {
        fprintf(stderr, "wattle tx decode: not hex of whole bytes: %s\n", wt_strerror(err));
        free(bytes);
        return 2;
    }
    wt_tx tx;
    const char *field = NULL;
    err = wt_tx_decode(&tx, &field, bytes, len);
    if (err != WT_OK) {
        fprintf(stderr, "wattle tx decode: %s in field '%s': %s\n", wt_errname(err),
                field != NULL ? field : "?", wt_strerror(err));
        free(bytes);
        return 2;
    }
    wt_ctx *ctx;
    err = wt_ctx_create(&ctx);
    if (err != WT_OK) {
        fprintf(stderr, "wattle tx decode: cannot set up verification: %s\n", wt_strerror(err));
        free(bytes);
        return 2;
    }
    uint8_t txid[32];
    wt_tx_id_encoded(txid, bytes, len);
    bool valid = wt_tx_verify(ctx, &tx, txid);
    err = wt_tx_print_json(stdout, &tx, txid, valid ? 1 : 0);
    putchar('\n');
    wt_ctx_destroy(ctx);
    free(bytes);
    if (err != WT_OK || fflush(stdout) != 0) {
        fputs("wattle tx decode: cannot write the output\n", stderr);
        return 2;
    }
    return 0;
}

int wt_cli_tx(int argc, char **argv)
{
    if (argc < 2) {
        fputs(tx_usage, stderr);
        return 2;
    }
    const char *sub = argv[1];
    if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0 || strcmp(sub, "help") == 0) {
        fputs(tx_usage, stdout);
        return 0;
    }
    if (strcmp(sub, "decode") == 0)
        return tx_decode(argc - 1, argv + 1);
    if (strcmp(sub, "status") == 0)
        return wt_cli_tx_status(argc - 1, argv + 1);
    fprintf(stderr, "wattle tx: unknown subcommand '%s' (see 'wattle tx --help')\n", sub);
    return 2;
}
