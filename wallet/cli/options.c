/* options.c — the option parser of the `wattle` command groups (options.h). */
#include "options.h"
#include "common.h"

#include <stdio.h>
#include <string.h>

bool wt_cli_wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return true;
    return false;
}

bool wt_cli_parse(const char *cmd, int argc, char **argv, int first, wt_cli_option *opts,
                  size_t opts_count, const char **pos, size_t pos_cap, size_t *pos_count)
{
    *pos_count = 0;
    for (int i = first; i < argc; i++) {
        const char *arg = argv[i];
        if (strncmp(arg, "--", 2) != 0 || arg[2] == '\0') {
            if (*pos_count == pos_cap) {
                fprintf(stderr, "wattle %s: unexpected argument '%s'\n", cmd, arg);
                return false;
            }
            pos[(*pos_count)++] = arg;
            continue;
        }
        const char *eq = strchr(arg, '=');
        size_t name_len = eq != NULL ? (size_t)(eq - arg - 2) : strlen(arg + 2);
        wt_cli_option *o = NULL;
        for (size_t k = 0; k < opts_count; k++)
            if (strlen(opts[k].name) == name_len && strncmp(opts[k].name, arg + 2, name_len) == 0)
                o = &opts[k];
        if (o == NULL) {
            fprintf(stderr, "wattle %s: unknown option '%s' (see --help)\n", cmd, arg);
            return false;
        }
        if (o->flag) {
            if (eq != NULL) {
                fprintf(stderr, "wattle %s: --%s takes no value\n", cmd, o->name);
                return false;
            }
            o->value = "";
        } else if (eq != NULL) {
            o->value = eq + 1;
        } else if (i + 1 < argc) {
            o->value = argv[++i];
        } else {
            fprintf(stderr, "wattle %s: --%s needs a value\n", cmd, o->name);
            return false;
        }
    }
    return true;
}

const char *wt_cli_value(const wt_cli_option *opts, size_t opts_count, const char *name)
{
    for (size_t k = 0; k < opts_count; k++)
        if (strcmp(opts[k].name, name) == 0)
            return opts[k].value;
    WT_UNREACHABLE("option names come from the same table");
    return NULL;
}
