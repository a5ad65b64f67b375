/*
 * commands.h — the command groups of `wattle` (private to the program).
 * Each group gets argv starting at its own name (argv[0] = "key", …) and
 * returns the process exit status: 0 success, 1 a negative answer (invalid
 * signature, failed audit), 2 malformed input or usage, with a message on
 * stderr that names what was wrong.
 */
#ifndef WATTLE_CLI_COMMANDS_H
#define WATTLE_CLI_COMMANDS_H

#include <stdio.h>

typedef struct {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv);
} wt_cli_command;

/* The groups (each in its cmd_NAME.c). */
int wt_cli_key(int argc, char **argv);
int wt_cli_tx(int argc, char **argv);
int wt_cli_chain(int argc, char **argv);
int wt_cli_audit(int argc, char **argv);
int wt_cli_settlements(int argc, char **argv);
int wt_cli_market(int argc, char **argv);
/* The node client (client_tx.h): one group each, and the read commands
 * that tx and market dispatch to (cmd_reads.c). */
int wt_cli_balance(int argc, char **argv);
int wt_cli_send(int argc, char **argv);
int wt_cli_submit(int argc, char **argv);
int wt_cli_mint(int argc, char **argv);
int wt_cli_burn(int argc, char **argv);
int wt_cli_register(int argc, char **argv);
int wt_cli_standing(int argc, char **argv);
int wt_cli_order(int argc, char **argv);
int wt_cli_cancel(int argc, char **argv);
int wt_cli_readings(int argc, char **argv);
int wt_cli_blocks(int argc, char **argv);
int wt_cli_tx_status(int argc, char **argv);
int wt_cli_market_book(int argc, char **argv);
int wt_cli_market_clearings(int argc, char **argv);
/* Payment requests of the point of sale (cmd_pay.c). */
int wt_cli_pay(int argc, char **argv);

#endif /* WATTLE_CLI_COMMANDS_H */
