/* cmd_send.c — `wattle send` (a signed U-Coin transfer, submitted to a node
 * or printed for offline signing) and `wattle submit` (send transactions
 * signed elsewhere, e.g. by `send --sign-only`). */
#include "client_parse.h"
#include "client_tx.h"
#include "commands.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char send_usage[] =
    "usage: wattle send --key FILE --to ADDR --amount U [--memo TEXT] [options]\n\n"
    "Pays U U-Coin (a decimal with at most 6 decimals, e.g. 1250.5; read exactly,\n"
    "never as floating point) from the key's account to ADDR (an uc1... address or\n"
    "64 hex characters), with an optional memo (at most 64 bytes of UTF-8). Prints\n"
    "the txid once the node acknowledges the transfer as durable in its ledger.\n\n"
    "options:\n" WT_CLI_SIGN_HELP WT_CLI_NODE_HELP
    "\nexit status: 0 committed (or printed), 1 rejected by the node or node unreachable,\n"
    "2 malformed input or usage.\n";

int wt_cli_send(int argc, char **argv)
{
    wt_cli_option opts[] = {{"to", false, NULL},
                            {"amount", false, NULL},
                            {"memo", false, NULL},
                            WT_CLI_SIGN_OPTIONS,
                            WT_CLI_NODE_OPTIONS};
    const size_t n = sizeof opts / sizeof opts[0];
    wt_cli_session s;
    size_t npos;
    int status = wt_cli_begin(&s, "send", send_usage, argc, argv, opts, n, NULL, 0, &npos, true);
    if (status >= 0)
        return status;
    wt_tx tx;
    wt_tx_init(&tx, WT_TX_TRANSFER);
    const char *to = wt_cli_value(opts, n, "to"), *amount = wt_cli_value(opts, n, "amount");
    const char *memo = wt_cli_value(opts, n, "memo");
    status = 2;
    if (to == NULL || amount == NULL) {
        fprintf(stderr, "wattle send: --to ADDR and --amount U are required (see --help)\n");
        goto done;
    }
    if (wt_cli_pubkey("send", tx.body.transfer.to, "--to", to) != 0)
        goto done;
    if (wt_cli_amount_parse(&tx.body.transfer.amount_micro, amount) != WT_OK) {
        fprintf(stderr,
                "wattle send: --amount must be a positive U-Coin amount with at most 6 "
                "decimals, not '%s'\n",
                amount);
        goto done;
    }
    if (memo != NULL && wt_memo_set(&tx.body.transfer.memo, memo) != WT_OK) {
        fprintf(stderr,
                "wattle send: --memo must be at most %d bytes of UTF-8 without control "
                "characters\n",
                WT_MEMO_BYTES_MAX);
        goto done;
    }
    status = wt_cli_tx_finish(&s, &tx);
done:
    wt_cli_session_close(&s);
    return status;
}

static const char submit_usage[] =
    "usage: wattle submit [options] HEX [HEX...]\n"
    "       wattle submit [options] -          (one HEX per line on standard input)\n\n"
    "Submits transactions signed elsewhere (e.g. by 'wattle send --sign-only'), in one\n"
    "batch. Each is checked locally first (a malformed one stops everything). With one\n"
    "transaction prints its txid once it is durable; with several, one line each:\n"
    "  TXID committed|duplicate|rejected CODE\n\n"
    "options:\n" WT_CLI_NODE_HELP
    "\nexit status: 0 all committed, 1 any rejected or node unreachable, 2 malformed input.\n";

#define SUBMIT_MAX 4096

/* Read up to SUBMIT_MAX whitespace-separated words from stdin into words[]
 * (malloc'd). Returns the count, or SIZE_MAX on error. */
static size_t read_stdin_words(char **words)
{
    size_t count = 0, len = 0, cap = 0;
    char *cur = NULL;
    int c;
    for (;;) {
        c = getchar();
        bool space = c == EOF || c == ' ' || c == '\n' || c == '\r' || c == '\t';
        if (space) {
            if (len > 0) {
                if (count == SUBMIT_MAX) {
                    free(cur);
                    return SIZE_MAX;
                }
                cur[len] = '\0';
                words[count++] = cur;
                cur = NULL;
                len = cap = 0;
            }
            if (c == EOF)
                return count;
            continue;
        }
        if (len + 1 >= cap) {
            if (cap > 2 * WT_TX_BYTES_MAX) {
                free(cur);
                return SIZE_MAX;
            }
            size_t ncap = cap == 0 ? 512 : cap * 2;
            char *bigger = realloc(cur, ncap);
            if (bigger == NULL) {
                free(cur);
                return SIZE_MAX;
            }
            cur = bigger;
            cap = ncap;
        }
        cur[len++] = (char)c;
    }
}

int wt_cli_submit(int argc, char **argv)
{
    wt_cli_option opts[] = {WT_CLI_NODE_OPTIONS};
    const size_t n = sizeof opts / sizeof opts[0];
    static const char *pos[SUBMIT_MAX];
    static char *words[SUBMIT_MAX];
    static uint8_t *raws[SUBMIT_MAX];
    static size_t lens[SUBMIT_MAX];
    wt_cli_session s;
    size_t npos, count = 0, nwords = 0;
    int status = wt_cli_begin(&s, "submit", submit_usage, argc, argv, opts, n, pos, SUBMIT_MAX,
                              &npos, false);
    if (status >= 0)
        return status;
    status = 2;
    if (npos == 0) {
        fprintf(stderr, "wattle submit: give at least one HEX transaction (see --help)\n");
        goto done;
    }
    if (npos == 1 && strcmp(pos[0], "-") == 0) {
        nwords = read_stdin_words(words);
        if (nwords == SIZE_MAX || nwords == 0) {
            nwords = 0;
            fprintf(stderr, "wattle submit: cannot read transactions from standard input (none, "
                            "too many or too long)\n");
            goto done;
        }
        for (size_t i = 0; i < nwords; i++)
            pos[i] = words[i];
        npos = nwords;
    }
    for (size_t i = 0; i < npos; i++) {
        size_t cap = strlen(pos[i]) / 2 + 1;
        raws[i] = malloc(cap);
        count = i + 1;
        if (raws[i] == NULL) {
            fprintf(stderr, "wattle submit: out of memory\n");
            goto done;
        }
        wt_err err = wt_hex_decode_any(raws[i], &lens[i], cap, pos[i]);
        if (err != WT_OK) {
            fprintf(stderr, "wattle submit: transaction %zu is not hex of whole bytes: %s\n", i + 1,
                    wt_strerror(err));
            goto done;
        }
        wt_tx tx;
        const char *field = NULL;
        err = wt_tx_decode(&tx, &field, raws[i], lens[i]);
        if (err != WT_OK) {
            fprintf(stderr, "wattle submit: transaction %zu: %s in field '%s': %s\n", i + 1,
                    wt_errname(err), field != NULL ? field : "?", wt_strerror(err));
            goto done;
        }
    }
    status = wt_cli_submit_raw(&s, (const uint8_t *const *)raws, lens, npos);
done:
    for (size_t i = 0; i < count; i++)
        free(raws[i]);
    for (size_t i = 0; i < nwords; i++)
        free(words[i]);
    wt_cli_session_close(&s);
    return status;
}
