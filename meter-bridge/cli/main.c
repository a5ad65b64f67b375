/* main.c — `wattle-meter`, the meter bridge's program: dispatches to its
 * commands (each in its own cmd_*.c). */
#include "commands.h"

#include <stdio.h>
#include <string.h>

static const wt_meter_command commands[] = {
    {"parse", "decode DSMR P1, SML, Tasmota JSON or SunSpec dumps into JSON lines",
     wt_meter_cmd_parse},
    {"run", "the bridge: meters to signed interval readings, via an outbox, to the engine",
     wt_meter_cmd_run},
    {"probe", "read one telegram from a configured meter and print it", wt_meter_cmd_probe},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: wattle-meter COMMAND [ARGS...]\n\n"
                 "wattle-meter reads smart meters and inverters (DSMR P1, SML, Tasmota,\n"
                 "SunSpec over Modbus TCP) for the wattle\n"
                 "energy market. Run 'wattle-meter COMMAND --help' for a command's options.\n\n"
                 "commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\nexit status: 0 success, 1 some input was rejected, 2 usage or I/O error.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "wattle-meter: unknown command '%s' (see 'wattle-meter --help')\n", argv[1]);
    return 2;
}
