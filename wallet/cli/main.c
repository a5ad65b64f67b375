/* main.c — `wattle`, the user's one command-line tool: dispatches to the
 * command groups. */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0) {
        printf("usage: wattle COMMAND ...\n");
        return argc < 2 ? 2 : 0;
    }
    fprintf(stderr, "wattle: unknown command '%s'\n", argv[1]);
    return 2;
}
