/* cmd_reads.c — the read commands that live inside other groups:
 * `wattle tx status TXID` (GET /v1/txs/{txid}) and `wattle market book|
 * clearings ZONE` (GET /v1/markets/{zone}/...). cmd_tx.c and cmd_market.c
 * dispatch here. */
#include "client_parse.h"
#include "client_tx.h"
#include "commands.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static const char status_usage[] =
    "usage: wattle tx status [options] TXID\n\n"
    "Asks the node about transaction TXID (64 hex characters) and prints its answer as\n"
    "one JSON object: \"txid\", \"status\" (pending, committed, rejected or unknown),\n"
    "\"seq\", \"height\" and the transaction itself.\n"
    "options:\n" WT_CLI_NODE_HELP
    "\nexit status: 0 committed or pending, 1 rejected, unknown or node unreachable,\n"
    "2 malformed input or usage.\n";

int wt_cli_tx_status(int argc, char **argv)
{
    wt_cli_option opts[] = {WT_CLI_NODE_OPTIONS};
    const size_t n = sizeof opts / sizeof opts[0];
    wt_cli_session s;
    size_t npos;
    const char *pos[1];
    int status =
        wt_cli_begin(&s, "tx status", status_usage, argc, argv, opts, n, pos, 1, &npos, false);
    if (status >= 0)
        return status;
    json_t *answer = NULL;
    uint8_t txid[32];
    status = 2;
    if (npos != 1 || wt_hex_decode(txid, 32, pos[0]) != WT_OK) {
        fprintf(stderr, "wattle tx status: give one TXID of 64 hex characters (see --help)\n");
        goto done;
    }
    char hex[65], path[96];
    wt_hex_encode(hex, txid, 32);
    snprintf(path, sizeof path, "/v1/txs/%s", hex);
    status = wt_cli_get_json(&s, &answer, path);
    if (status != 0)
        goto done;
    const char *st = json_string_value(json_object_get(answer, "status"));
    json_dumpf(answer, stdout, JSON_COMPACT);
    putchar('\n');
    status = st != NULL && (strcmp(st, "committed") == 0 || strcmp(st, "pending") == 0) ? 0 : 1;
    if (fflush(stdout) != 0)
        status = 1;
done:
    json_decref(answer);
    wt_cli_session_close(&s);
    return status;
}

static const char book_usage[] =
    "usage: wattle market book [--json] [options] ZONE\n\n"
    "The open explicit orders of zone ZONE (by name), aggregated by price level:\n"
    "  side price_U_per_kWh energy_kWh   (bids best first, then asks best first)\n"
    "  --json            print the node's JSON answer as it is\n"
    "options:\n" WT_CLI_NODE_HELP
    "\nexit status: 0 shown, 1 node unreachable or error, 2 malformed input or usage.\n";

static const char clearings_usage[] =
    "usage: wattle market clearings [--limit N] [--json] [options] ZONE\n\n"
    "The last N (default 10) clearings of zone ZONE (by name), one line each:\n"
    "  interval=I price_micro_per_kwh=P volume_mwh=V trades=T\n"
    "  --json            print the node's JSON answer as it is\n"
    "options:\n" WT_CLI_NODE_HELP
    "\nexit status: 0 shown, 1 node unreachable or error, 2 malformed input or usage.\n";

/* Zone names go into the URL: keep them to characters that need no escaping. */
static bool zone_name_ok(const char *name)
{
    if (*name == '\0' || strlen(name) > 32)
        return false;
    for (const char *p = name; *p != '\0'; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_' || *p == '.'))
            return false;
    return true;
}

static void print_levels(const char *side, const json_t *levels)
{
    size_t i;
    json_t *l;
    json_array_foreach(levels, i, l)
    {
        char price[40], energy[40];
        if (wt_decimal_format(
                price, sizeof price,
                (int64_t)json_integer_value(json_object_get(l, "price_micro_per_kwh")), 6) != WT_OK)
            strcpy(price, "?");
        if (wt_decimal_format(energy, sizeof energy,
                              (int64_t)json_integer_value(json_object_get(l, "energy_mwh")),
                              6) != WT_OK)
            strcpy(energy, "?");
        printf("%s %s %s\n", side, price, energy);
    }
}

static int market_read(int argc, char **argv, bool book)
{
    const char *cmd = book ? "market book" : "market clearings";
    wt_cli_option opts[] = {{"json", true, NULL}, {"limit", false, NULL}, WT_CLI_NODE_OPTIONS};
    const size_t n = sizeof opts / sizeof opts[0];
    wt_cli_session s;
    size_t npos;
    const char *pos[1];
    int status = wt_cli_begin(&s, cmd, book ? book_usage : clearings_usage, argc, argv, opts, n,
                              pos, 1, &npos, false);
    if (status >= 0)
        return status;
    json_t *answer = NULL;
    const char *limit = wt_cli_value(opts, n, "limit");
    uint64_t limit_n = 10;
    status = 2;
    if (npos != 1 || !zone_name_ok(pos[0])) {
        fprintf(stderr, "wattle %s: give one ZONE name (letters, digits, - _ .)\n", cmd);
        goto done;
    }
    if (limit != NULL &&
        (book || wt_cli_u64_parse(&limit_n, limit) != WT_OK || limit_n == 0 || limit_n > 1000)) {
        fprintf(stderr, "wattle %s: --limit %s\n", cmd,
                book ? "applies to 'market clearings' only" : "must be in 1..1000");
        goto done;
    }
    char path[128];
    if (book)
        snprintf(path, sizeof path, "/v1/markets/%s/book", pos[0]);
    else
        snprintf(path, sizeof path, "/v1/markets/%s/clearings?limit=%" PRIu64, pos[0], limit_n);
    status = wt_cli_get_json(&s, &answer, path);
    if (status != 0)
        goto done;
    const json_t *list = json_object_get(answer, book ? "bids" : "clearings");
    if (!json_is_array(list) || (book && !json_is_array(json_object_get(answer, "asks")))) {
        fprintf(stderr, "wattle %s: bad_json: the node's answer lacks %s\n", cmd,
                book ? "bids or asks" : "clearings");
        status = 1;
        goto done;
    }
    if (wt_cli_value(opts, n, "json") != NULL) {
        json_dumpf(answer, stdout, JSON_COMPACT);
        putchar('\n');
    } else if (book) {
        printf("side price_U_per_kWh energy_kWh\n");
        print_levels("bid", list);
        print_levels("ask", json_object_get(answer, "asks"));
    } else {
        size_t i;
        json_t *c;
        json_array_foreach(list, i, c)
        {
            printf("interval=%" PRId64 " price_micro_per_kwh=%" PRId64 " volume_mwh=%" PRId64
                   " trades=%" PRId64 "\n",
                   (int64_t)json_integer_value(json_object_get(c, "interval")),
                   (int64_t)json_integer_value(json_object_get(c, "price_micro_per_kwh")),
                   (int64_t)json_integer_value(json_object_get(c, "volume_mwh")),
                   (int64_t)json_integer_value(json_object_get(c, "trades")));
        }
    }
    status = fflush(stdout) == 0 ? 0 : 1;
done:
    json_decref(answer);
    wt_cli_session_close(&s);
    return status;
}

int wt_cli_market_book(int argc, char **argv)
{
    return market_read(argc, argv, true);
}

int wt_cli_market_clearings(int argc, char **argv)
{
    return market_read(argc, argv, false);
}
