/* main.c — `wattle`, the user's one command-line tool: keys, transactions,
 * the market, the ledger. Dispatches to the command groups. */
#include "commands.h"
#include "common.h"

#include <stdio.h>
#include <string.h>

/* Each group lives in its own cmd_*.c; add a line here and the file to
 * wallet/cli/meson.build. */
static const wt_cli_command commands[] = {
    {"key", "make key files, show addresses, sign and verify (BIP340)", wt_cli_key},
    {"tx", "decode a transaction to JSON, with its txid and signature check", wt_cli_tx},
    {"market", "clear an orders CSV by double auction (market clear)", wt_cli_market},
    {"chain", "make a new chain directory: keys, genesis, ledger", wt_cli_chain},
    {"audit", "re-verify a ledger from its genesis", wt_cli_audit},
    {NULL, NULL, NULL}, /* placeholder so the table is never empty */
};

static void usage(FILE *out)
{
    fprintf(out, "usage: wattle COMMAND [ARGS...]\n\n"
                 "wattle is the command line of a peer-to-peer energy market and its local\n"
                 "currency, U-Coin. Run 'wattle COMMAND --help' for a command's options.\n\n"
                 "commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (commands[i].name != NULL)
            fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\nexit status: 0 success, 1 a negative answer (e.g. an invalid signature),\n"
                 "2 malformed input or usage.\n");
}

int main(int argc, char **argv)
{
    /* The command line speaks through its own messages; library logs below
     * warnings (a store migration, say) would only be noise here. */
    wt_log_set_level(WT_LOG_WARN);
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (commands[i].name != NULL && strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "wattle: unknown command '%s' (see 'wattle --help')\n", argv[1]);
    return 2;
}
