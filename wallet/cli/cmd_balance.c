/* cmd_balance.c — `wattle balance ADDR`: an account's balance, holds and
 * nonce as the node knows them (GET /v1/accounts/{address}). */
#include "client_tx.h"
#include "commands.h"

#include <inttypes.h>
#include <stdio.h>

static const char balance_usage[] =
    "usage: wattle balance [--json] [options] ADDR\n\n"
    "Shows the account ADDR (an uc1... address or 64 hex characters) as the node knows\n"
    "it: balance and holds (funds reserved by open buy orders) in U-Coin, with the exact\n"
    "micro-U-Coin integers, and its nonce. An account never seen has zeros.\n"
    "  --json            print the node's JSON answer as it is\n"
    "options:\n" WT_CLI_NODE_HELP
    "\nexit status: 0 shown, 1 node unreachable or error, 2 malformed input or usage.\n";

/* "1,250.5 U (1250500000 micro)" */
static void print_money(const char *label, json_int_t micro)
{
    char dec[40];
    if (wt_decimal_format(dec, sizeof dec, (int64_t)micro, 6) != WT_OK)
        dec[0] = '\0';
    printf("%-9s %s U (%" PRId64 " micro)\n", label, dec, (int64_t)micro);
}

int wt_cli_balance(int argc, char **argv)
{
    wt_cli_option opts[] = {{"json", true, NULL}, WT_CLI_NODE_OPTIONS};
    const size_t n = sizeof opts / sizeof opts[0];
    wt_cli_session s;
    size_t npos;
    const char *pos[1];
    int status =
        wt_cli_begin(&s, "balance", balance_usage, argc, argv, opts, n, pos, 1, &npos, false);
    if (status >= 0)
        return status;
    uint8_t key[32];
    json_t *account = NULL;
    status = 2;
    if (npos != 1) {
        fprintf(stderr, "wattle balance: give one ADDR (see --help)\n");
        goto done;
    }
    if (wt_cli_pubkey("balance", key, "ADDR", pos[0]) != 0)
        goto done;
    char address[WT_ADDRESS_CHARS + 1], path[128];
    wt_address_encode(address, key);
    snprintf(path, sizeof path, "/v1/accounts/%s", address);
    status = wt_cli_get_json(&s, &account, path);
    if (status != 0)
        goto done;
    json_t *balance = json_object_get(account, "balance_micro");
    json_t *holds = json_object_get(account, "holds_micro");
    json_t *nonce = json_object_get(account, "nonce");
    if (!json_is_integer(balance) || !json_is_integer(holds) || !json_is_integer(nonce)) {
        fprintf(stderr, "wattle balance: bad_json: the node's answer lacks balance_micro, "
                        "holds_micro or nonce\n");
        status = 1;
        goto done;
    }
    if (wt_cli_value(opts, n, "json") != NULL) {
        json_dumpf(account, stdout, JSON_COMPACT);
        putchar('\n');
    } else {
        printf("%-9s %s\n", "address", address);
        print_money("balance", json_integer_value(balance));
        print_money("holds", json_integer_value(holds));
        printf("%-9s %" PRId64 "\n", "nonce", (int64_t)json_integer_value(nonce));
    }
    status = fflush(stdout) == 0 ? 0 : 1;
done:
    json_decref(account);
    wt_cli_session_close(&s);
    return status;
}
