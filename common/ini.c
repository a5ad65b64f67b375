/* ini.c — the line-length rule every INI reader applies before libinih
 * (see common.h). */
#include "common.h"

/* One character more of a line: *line advanced past a '\n'; true when the
 * line now holds more than WT_INI_LINE_MAX. */
static bool ini_step(int *line, size_t *run, int c)
{
    if (c == '\n') {
        (*line)++;
        *run = 0;
        return false;
    }
    return ++*run > WT_INI_LINE_MAX;
}

int wt_ini_long_line(const char *text, size_t len)
{
    int line = 1;
    size_t run = 0;
    for (size_t i = 0; i < len; i++)
        if (ini_step(&line, &run, (unsigned char)text[i]))
            return line;
    return 0;
}

int wt_ini_file_long_line(FILE *f)
{
    int line = 1, c, found = 0;
    size_t run = 0;
    while (found == 0 && (c = getc(f)) != EOF)
        if (ini_step(&line, &run, c))
            found = line;
    rewind(f);
    return found;
}
