/* run_cmd.h — run a program (a built `wattle`, `wattle-pos`, …) as a child
 * process and collect its exit status, standard output and standard error,
 * for the command-line and integration tests of every room. */
#ifndef WATTLE_TESTS_RUN_CMD_H
#define WATTLE_TESTS_RUN_CMD_H

#include <stddef.h>

typedef struct {
    int status; /* exit status; 128 + signal number when killed */
    char *out;  /* NUL-terminated, malloc'd */
    char *err;
} run_result;

/* Run argv[0] (a path) with argv (NULL-terminated), feeding stdin_text (or
 * nothing when NULL). Aborts the test on a system error. */
void run_cmd(run_result *r, char *const argv[], const char *stdin_text);
/* The same with the arguments listed: run_cmdl(r, exe, "key", "new", NULL)
 * runs exe with argv {exe, "key", "new"} and no standard input. At most 63
 * arguments. */
void run_cmdl(run_result *r, const char *exe, ...);
void run_result_free(run_result *r);

#endif /* WATTLE_TESTS_RUN_CMD_H */
