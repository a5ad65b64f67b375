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
    {"settlements", "any interval's settlement rows as CSV, from the ledger", wt_cli_settlements},
    {"balance", "an account's balance, holds and nonce, from a node", wt_cli_balance},
    {"send", "pay U-Coin to an account (or sign offline with --sign-only)", wt_cli_send},
    {"submit", "submit transactions signed elsewhere, as hex", wt_cli_submit},
    {"mint", "create U-Coin on an account (the issuer)", wt_cli_mint},
    {"burn", "destroy U-Coin from the issuer's balance (the issuer)", wt_cli_burn},
    {"register", "register a meter, gateway or merchant (the operator)", wt_cli_register},
    {"standing", "set standing sell/buy prices for metered energy", wt_cli_standing},
    {"order", "place an explicit bid or ask for an interval", wt_cli_order},
    {"cancel", "cancel an open order", wt_cli_cancel},
    {"readings", "submit one interval's meter readings as a gateway", wt_cli_readings},
    {"blocks", "list block headers from a node", wt_cli_blocks},
    {"pay", "pay a payment request URI (ucoin:...) from a shop or machine", wt_cli_pay},
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
    wt_heap_keep();
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
