/* cmd_blocks.c — `wattle blocks`: the chain's block headers from a node
 * (GET /v1/blocks?from=H&limit=N), newest last. */
#include "client_parse.h"
#include "client_tx.h"
#include "commands.h"

#include <inttypes.h>
#include <stdio.h>

static const char blocks_usage[] =
    "usage: wattle blocks [--from H] [--limit N] [--json] [options]\n\n"
    "Lists block headers from height H (default: the last N blocks), N of them\n"
    "(1..1000, default 10), one line each:\n"
    "  HEIGHT HASH tx_count=T interval=I time=ISO-8601\n"
    "  --json            print the node's JSON answer as it is\n"
    "options:\n" WT_CLI_NODE_HELP
    "\nexit status: 0 listed, 1 node unreachable or error, 2 malformed input or usage.\n";

int wt_cli_blocks(int argc, char **argv)
{
    wt_cli_option opts[] = {
        {"from", false, NULL}, {"limit", false, NULL}, {"json", true, NULL}, WT_CLI_NODE_OPTIONS};
    const size_t n = sizeof opts / sizeof opts[0];
    wt_cli_session s;
    size_t npos;
    int status =
        wt_cli_begin(&s, "blocks", blocks_usage, argc, argv, opts, n, NULL, 0, &npos, false);
    if (status >= 0)
        return status;
    const char *from = wt_cli_value(opts, n, "from"), *limit = wt_cli_value(opts, n, "limit");
    uint64_t from_h = 0, limit_n = 10;
    json_t *answer = NULL;
    status = 2;
    if (from != NULL && wt_cli_u64_parse(&from_h, from) != WT_OK) {
        fprintf(stderr, "wattle blocks: --from must be a block height, not '%s'\n", from);
        goto done;
    }
    if (limit != NULL &&
        (wt_cli_u64_parse(&limit_n, limit) != WT_OK || limit_n == 0 || limit_n > 1000)) {
        fprintf(stderr, "wattle blocks: --limit must be in 1..1000, not '%s'\n", limit);
        goto done;
    }
    if (from == NULL) {
        const json_t *chain;
        status = wt_cli_chain_get(&s, &chain);
        if (status != 0)
            goto done;
        json_int_t height = json_integer_value(json_object_get(chain, "height"));
        from_h = height >= 0 && (uint64_t)height + 1 > limit_n ? (uint64_t)height + 1 - limit_n : 0;
    }
    char path[96];
    snprintf(path, sizeof path, "/v1/blocks?from=%" PRIu64 "&limit=%" PRIu64, from_h, limit_n);
    status = wt_cli_get_json(&s, &answer, path);
    if (status != 0)
        goto done;
    json_t *blocks = json_object_get(answer, "blocks");
    if (!json_is_array(blocks)) {
        fprintf(stderr, "wattle blocks: bad_json: the node's answer lacks \"blocks\"\n");
        status = 1;
        goto done;
    }
    if (wt_cli_value(opts, n, "json") != NULL) {
        json_dumpf(answer, stdout, JSON_COMPACT);
        putchar('\n');
    } else {
        size_t i;
        json_t *b;
        json_array_foreach(blocks, i, b)
        {
            const char *hash = json_string_value(json_object_get(b, "hash"));
            char when[25];
            wt_time_format_utc(when, (int64_t)json_integer_value(json_object_get(b, "time_ms")));
            printf("%" PRId64 " %s tx_count=%" PRId64 " interval=%" PRId64 " time=%s\n",
                   (int64_t)json_integer_value(json_object_get(b, "height")),
                   hash != NULL ? hash : "?",
                   (int64_t)json_integer_value(json_object_get(b, "tx_count")),
                   (int64_t)json_integer_value(json_object_get(b, "interval")), when);
        }
    }
    status = fflush(stdout) == 0 ? 0 : 1;
done:
    json_decref(answer);
    wt_cli_session_close(&s);
    return status;
}
