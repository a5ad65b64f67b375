/* cmd_issue.c — `wattle mint` and `wattle burn`: the issuer creates U-Coin
 * against won deposited at the campus office, or destroys it on redemption. */
#include "client_parse.h"
#include "client_tx.h"
#include "commands.h"

#include <stdio.h>

static const char mint_usage[] =
    "usage: wattle mint --key ISSUER.key --to ADDR --amount U [--memo TEXT] [options]\n\n"
    "Creates U U-Coin (exact decimal, at most 6 decimals) on ADDR's account. Only the\n"
    "chain's issuer may mint. Prints the txid once the node acknowledges it as durable.\n\n"
    "options:\n" WT_CLI_SIGN_HELP WT_CLI_NODE_HELP
    "\nexit status: 0 committed (or printed), 1 rejected or node unreachable, 2 malformed\n"
    "input or usage.\n";

static const char burn_usage[] =
    "usage: wattle burn --key ISSUER.key --amount U [--memo TEXT] [options]\n\n"
    "Destroys U U-Coin from the issuer's own balance (redemption for won). Prints the\n"
    "txid once the node acknowledges it as durable.\n\n"
    "options:\n" WT_CLI_SIGN_HELP WT_CLI_NODE_HELP
    "\nexit status: 0 committed (or printed), 1 rejected or node unreachable, 2 malformed\n"
    "input or usage.\n";

static int issue(int argc, char **argv, bool mint)
{
    const char *cmd = mint ? "mint" : "burn";
    wt_cli_option opts[] = {{"to", false, NULL},
                            {"amount", false, NULL},
                            {"memo", false, NULL},
                            WT_CLI_SIGN_OPTIONS,
                            WT_CLI_NODE_OPTIONS};
    const size_t n = sizeof opts / sizeof opts[0];
    wt_cli_session s;
    size_t npos;
    int status = wt_cli_begin(&s, cmd, mint ? mint_usage : burn_usage, argc, argv, opts, n, NULL, 0,
                              &npos, true);
    if (status >= 0)
        return status;
    wt_tx tx;
    wt_tx_init(&tx, mint ? WT_TX_MINT : WT_TX_BURN);
    const char *to = wt_cli_value(opts, n, "to"), *amount = wt_cli_value(opts, n, "amount");
    const char *memo = wt_cli_value(opts, n, "memo");
    int64_t *amount_micro = mint ? &tx.body.mint.amount_micro : &tx.body.burn.amount_micro;
    wt_memo *memo_field = mint ? &tx.body.mint.memo : &tx.body.burn.memo;
    status = 2;
    if (amount == NULL || (mint && to == NULL)) {
        fprintf(stderr, "wattle %s: %s are required (see --help)\n", cmd,
                mint ? "--to ADDR and --amount U" : "--amount U");
        goto done;
    }
    if (!mint && to != NULL) {
        fprintf(stderr, "wattle burn: --to does not apply: burn takes from the issuer itself\n");
        goto done;
    }
    if (mint && wt_cli_pubkey(cmd, tx.body.mint.to, "--to", to) != 0)
        goto done;
    if (wt_cli_amount_parse(amount_micro, amount) != WT_OK) {
        fprintf(stderr,
                "wattle %s: --amount must be a positive U-Coin amount with at most 6 decimals, "
                "not '%s'\n",
                cmd, amount);
        goto done;
    }
    if (memo != NULL && wt_memo_set(memo_field, memo) != WT_OK) {
        fprintf(stderr,
                "wattle %s: --memo must be at most %d bytes of UTF-8 without control "
                "characters\n",
                cmd, WT_MEMO_BYTES_MAX);
        goto done;
    }
    status = wt_cli_tx_finish(&s, &tx);
done:
    wt_cli_session_close(&s);
    return status;
}

int wt_cli_mint(int argc, char **argv)
{
    return issue(argc, argv, true);
}

int wt_cli_burn(int argc, char **argv)
{
    return issue(argc, argv, false);
}
