/* cmd_trade.c — the market's signed inputs: `wattle standing` (a household's
 * standing prices for its metered surplus and deficit), `wattle order` (an
 * explicit bid or ask for one interval) and `wattle cancel` (withdraw one). */
#include "client_parse.h"
#include "client_tx.h"
#include "commands.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static const char standing_usage[] =
    "usage: wattle standing --key FILE --zone Z [--sell-min P] [--buy-max P] [options]\n\n"
    "Sets the account's standing instruction in zone Z (by name), replacing the last one:\n"
    "  --sell-min P   sell my metered surplus at no less than P U-Coin per kWh\n"
    "  --buy-max P    buy my metered deficit at no more than P U-Coin per kWh\n"
    "At least one is needed; a home with PV usually gives both. Prices are exact\n"
    "decimals (at most 6 decimals). Prints the txid once the node acknowledges it.\n\n"
    "options:\n" WT_CLI_SIGN_HELP WT_CLI_NODE_HELP
    "\nexit status: 0 committed (or printed), 1 rejected or node unreachable, 2 malformed\n"
    "input or usage.\n";

static const char order_usage[] =
    "usage: wattle order --key FILE --zone Z --side buy|sell --interval N|next\n"
    "                    --energy-kwh E --price P [options]\n\n"
    "An explicit bid (buy) or ask (sell) of E kWh (exact decimal, at most 6 decimals,\n"
    "i.e. whole mWh) at P U-Coin per kWh, for delivery interval N (interval n covers\n"
    "[n * interval_ms, (n + 1) * interval_ms) in UTC; 'next' is the one after now, by\n"
    "the chain's interval length). A buy order holds E * P of the buyer's funds until it\n"
    "clears or is cancelled. Prints the order's txid (the id to cancel it with).\n\n"
    "options:\n" WT_CLI_SIGN_HELP WT_CLI_NODE_HELP
    "\nexit status: 0 committed (or printed), 1 rejected or node unreachable, 2 malformed\n"
    "input or usage.\n";

static const char cancel_usage[] =
    "usage: wattle cancel --key FILE ORDER_TXID [options]\n\n"
    "Withdraws the open order ORDER_TXID (64 hex characters), releasing its hold.\n"
    "Only the order's owner may cancel it.\n\n"
    "options:\n" WT_CLI_SIGN_HELP WT_CLI_NODE_HELP
    "\nexit status: 0 committed (or printed), 1 rejected or node unreachable, 2 malformed\n"
    "input or usage.\n";

static int price_option(const char *cmd, int64_t *out, const char *name, const char *text)
{
    if (wt_cli_price_parse(out, text) != WT_OK) {
        fprintf(stderr,
                "wattle %s: --%s must be a price in U-Coin per kWh (>= 0, at most 6 "
                "decimals), not '%s'\n",
                cmd, name, text);
        return 2;
    }
    return 0;
}

int wt_cli_standing(int argc, char **argv)
{
    wt_cli_option opts[] = {{"zone", false, NULL},
                            {"sell-min", false, NULL},
                            {"buy-max", false, NULL},
                            WT_CLI_SIGN_OPTIONS,
                            WT_CLI_NODE_OPTIONS};
    const size_t n = sizeof opts / sizeof opts[0];
    wt_cli_session s;
    size_t npos;
    int status =
        wt_cli_begin(&s, "standing", standing_usage, argc, argv, opts, n, NULL, 0, &npos, true);
    if (status >= 0)
        return status;
    const char *zone = wt_cli_value(opts, n, "zone"), *sell = wt_cli_value(opts, n, "sell-min");
    const char *buy = wt_cli_value(opts, n, "buy-max");
    wt_tx tx;
    wt_tx_init(&tx, WT_TX_STANDING);
    wt_tx_standing *st = &tx.body.standing;
    status = 2;
    if (zone == NULL || (sell == NULL && buy == NULL)) {
        fprintf(stderr,
                "wattle standing: --zone and at least one of --sell-min, --buy-max are required\n");
        goto done;
    }
    if (sell != NULL) {
        if (price_option("standing", &st->sell_min_micro_per_kwh, "sell-min", sell) != 0)
            goto done;
        st->flags |= WT_STANDING_HAS_SELL_MIN;
    }
    if (buy != NULL) {
        if (price_option("standing", &st->buy_max_micro_per_kwh, "buy-max", buy) != 0)
            goto done;
        st->flags |= WT_STANDING_HAS_BUY_MAX;
    }
    status = wt_cli_zone_index(&s, &st->zone, zone);
    if (status == 0)
        status = wt_cli_tx_finish(&s, &tx);
done:
    wt_cli_session_close(&s);
    return status;
}

/* The interval after the current one, from the chain's interval_ms. */
static int next_interval(wt_cli_session *s, uint64_t *interval)
{
    *interval = 0;
    const json_t *chain;
    int status = wt_cli_chain_get(s, &chain);
    if (status != 0)
        return status;
    json_int_t interval_ms = json_integer_value(json_object_get(chain, "interval_ms"));
    if (interval_ms <= 0) {
        fprintf(stderr, "wattle %s: bad_json: /v1/chain lacks a valid interval_ms\n", s->cmd);
        return 1;
    }
    *interval = (uint64_t)(wt_now_ms() / interval_ms) + 1;
    return 0;
}

int wt_cli_order(int argc, char **argv)
{
    wt_cli_option opts[] = {{"zone", false, NULL},     {"side", false, NULL},
                            {"interval", false, NULL}, {"energy-kwh", false, NULL},
                            {"price", false, NULL},    WT_CLI_SIGN_OPTIONS,
                            WT_CLI_NODE_OPTIONS};
    const size_t n = sizeof opts / sizeof opts[0];
    wt_cli_session s;
    size_t npos;
    int status = wt_cli_begin(&s, "order", order_usage, argc, argv, opts, n, NULL, 0, &npos, true);
    if (status >= 0)
        return status;
    const char *zone = wt_cli_value(opts, n, "zone"), *side = wt_cli_value(opts, n, "side");
    const char *interval = wt_cli_value(opts, n, "interval");
    const char *energy = wt_cli_value(opts, n, "energy-kwh"),
               *price = wt_cli_value(opts, n, "price");
    wt_tx tx;
    wt_tx_init(&tx, WT_TX_ORDER);
    wt_tx_order *o = &tx.body.order;
    status = 2;
    if (zone == NULL || side == NULL || interval == NULL || energy == NULL || price == NULL) {
        fprintf(stderr, "wattle order: --zone, --side, --interval, --energy-kwh and --price are "
                        "required (see --help)\n");
        goto done;
    }
    if (strcmp(side, "buy") == 0)
        o->side = WT_TX_SIDE_BUY;
    else if (strcmp(side, "sell") == 0)
        o->side = WT_TX_SIDE_SELL;
    else {
        fprintf(stderr, "wattle order: --side must be buy or sell, not '%s'\n", side);
        goto done;
    }
    if (strcmp(interval, "next") != 0 && wt_cli_u64_parse(&o->interval, interval) != WT_OK) {
        fprintf(stderr, "wattle order: --interval must be an interval number or 'next', not '%s'\n",
                interval);
        goto done;
    }
    if (wt_cli_energy_kwh_parse(&o->energy_mwh, energy) != WT_OK) {
        fprintf(stderr,
                "wattle order: --energy-kwh must be a positive number of kWh with at most 6 "
                "decimals, not '%s'\n",
                energy);
        goto done;
    }
    if (price_option("order", &o->price_micro_per_kwh, "price", price) != 0)
        goto done;
    status = wt_cli_zone_index(&s, &o->zone, zone);
    if (status == 0 && strcmp(interval, "next") == 0)
        status = next_interval(&s, &o->interval);
    if (status == 0)
        status = wt_cli_tx_finish(&s, &tx);
done:
    wt_cli_session_close(&s);
    return status;
}

int wt_cli_cancel(int argc, char **argv)
{
    wt_cli_option opts[] = {WT_CLI_SIGN_OPTIONS, WT_CLI_NODE_OPTIONS};
    const size_t n = sizeof opts / sizeof opts[0];
    wt_cli_session s;
    size_t npos;
    const char *pos[1];
    int status = wt_cli_begin(&s, "cancel", cancel_usage, argc, argv, opts, n, pos, 1, &npos, true);
    if (status >= 0)
        return status;
    wt_tx tx;
    wt_tx_init(&tx, WT_TX_CANCEL);
    status = 2;
    if (npos != 1) {
        fprintf(stderr, "wattle cancel: give the ORDER_TXID to cancel (see --help)\n");
        goto done;
    }
    if (wt_hex_decode(tx.body.cancel.order_txid, 32, pos[0]) != WT_OK) {
        fprintf(stderr, "wattle cancel: ORDER_TXID must be 64 hex characters, not '%s'\n", pos[0]);
        goto done;
    }
    status = wt_cli_tx_finish(&s, &tx);
done:
    wt_cli_session_close(&s);
    return status;
}
