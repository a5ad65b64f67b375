/*
 * options.h — the one option parser of the `wattle` command groups:
 * "--name VALUE", "--name=VALUE", flags "--name", positional arguments, and
 * "--help"/"-h" anywhere.
 */
#ifndef WATTLE_CLI_OPTIONS_H
#define WATTLE_CLI_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    const char *name;  /* without the dashes */
    bool flag;         /* takes no value */
    const char *value; /* set when given; "" for a given flag; NULL otherwise */
} wt_cli_option;

/* Parse argv[first..argc); positional arguments go to pos[] (up to pos_cap).
 * Returns false after printing "wattle CMD: ..." on an unknown option, a
 * missing value or too many positional arguments. */
bool wt_cli_parse(const char *cmd, int argc, char **argv, int first, wt_cli_option *opts,
                  size_t opts_count, const char **pos, size_t pos_cap, size_t *pos_count);
/* true when "--help" or "-h" is among argv[1..argc). */
bool wt_cli_wants_help(int argc, char **argv);
/* The option called name (which must be in opts; asserted). */
const char *wt_cli_value(const wt_cli_option *opts, size_t opts_count, const char *name);

#endif /* WATTLE_CLI_OPTIONS_H */
