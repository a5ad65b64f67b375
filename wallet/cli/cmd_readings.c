/* cmd_readings.c — `wattle readings submit`: one gateway signature over one
 * interval's readings of many meters, from a CSV file. */
#include "client_parse.h"
#include "client_tx.h"
#include "commands.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char readings_usage[] =
    "usage: wattle readings submit --key GATEWAY.key --interval N [options] FILE.csv\n\n"
    "Signs, as the meters' registered gateway, the readings of interval N from\n"
    "FILE.csv ('-' reads standard input), with the header\n"
    "  meter,import_mwh,export_mwh\n"
    "and one line per meter: its id, then the energy imported from and exported to the\n"
    "grid in the interval, in whole mWh >= 0 (e.g. m-0042,1500,0). Up to 4096 meters,\n"
    "each once; they are sent sorted by meter id, as the transaction format requires.\n"
    "Every line is checked first; an error names the line and column.\n\n"
    "options:\n" WT_CLI_SIGN_HELP WT_CLI_NODE_HELP
    "\nexit status: 0 committed (or printed), 1 rejected or node unreachable, 2 malformed\n"
    "input or usage.\n";

/* The whole file ('-': stdin), at most max bytes; NULL on error. */
static char *read_file(const char *path, size_t *len, size_t max)
{
    *len = 0;
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (f == NULL)
        return NULL;
    char *buf = malloc(max + 1);
    size_t n = buf != NULL ? fread(buf, 1, max + 1, f) : 0;
    bool bad = buf == NULL || ferror(f) || n > max;
    if (f != stdin)
        fclose(f);
    if (bad) {
        if (buf != NULL && n > max)
            errno = EFBIG;
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

int wt_cli_readings(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(readings_usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "submit") != 0) {
        fprintf(stderr, "wattle readings: unknown subcommand '%s' (try 'readings submit')\n",
                argv[1]);
        return 2;
    }
    wt_cli_option opts[] = {{"interval", false, NULL}, WT_CLI_SIGN_OPTIONS, WT_CLI_NODE_OPTIONS};
    const size_t n = sizeof opts / sizeof opts[0];
    wt_cli_session s;
    size_t npos;
    const char *pos[1];
    int status = wt_cli_begin(&s, "readings submit", readings_usage, argc - 1, argv + 1, opts, n,
                              pos, 1, &npos, true);
    if (status >= 0)
        return status;
    static wt_reading entries[WT_READINGS_MAX];
    char *text = NULL;
    wt_tx tx;
    wt_tx_init(&tx, WT_TX_READINGS);
    const char *interval = wt_cli_value(opts, n, "interval");
    status = 2;
    if (interval == NULL || npos != 1) {
        fprintf(stderr, "wattle readings submit: --interval N and FILE.csv are required\n");
        goto done;
    }
    if (wt_cli_u64_parse(&tx.body.readings.interval, interval) != WT_OK) {
        fprintf(stderr, "wattle readings submit: --interval must be an interval number, not '%s'\n",
                interval);
        goto done;
    }
    size_t len, count;
    /* 4096 lines of at most 255 characters. */
    text = read_file(pos[0], &len, (size_t)WT_READINGS_MAX * 256 + 256);
    if (text == NULL) {
        fprintf(stderr, "wattle readings submit: cannot read %s: %s\n", pos[0], strerror(errno));
        goto done;
    }
    wt_readings_csv_error err;
    wt_err e = wt_readings_csv_parse(entries, WT_READINGS_MAX, &count, &err, text, len);
    if (e != WT_OK) {
        if (err.line > 0)
            fprintf(stderr, "wattle readings submit: %s: line %zu: %s\n", pos[0], err.line,
                    err.message);
        else
            fprintf(stderr, "wattle readings submit: %s: %s\n", pos[0], err.message);
        goto done;
    }
    tx.body.readings.count = (uint16_t)count;
    tx.body.readings.entries = entries;
    status = wt_cli_tx_finish(&s, &tx);
done:
    free(text);
    wt_cli_session_close(&s);
    return status;
}
