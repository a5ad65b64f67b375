/*
 * commands.h — the commands of `wattle-meter` (private to the program). Each
 * gets argv starting at its own name and returns the exit status: 0 success,
 * 1 some input was rejected (each rejection printed as an error line),
 * 2 usage or an unreadable file.
 */
#ifndef WATTLE_METER_CLI_COMMANDS_H
#define WATTLE_METER_CLI_COMMANDS_H

typedef struct {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv);
} wt_meter_command;

int wt_meter_cmd_parse(int argc, char **argv);
int wt_meter_cmd_run(int argc, char **argv);
int wt_meter_cmd_probe(int argc, char **argv);

#endif /* WATTLE_METER_CLI_COMMANDS_H */
