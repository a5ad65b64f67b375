/* ini.c — the line-length rule every INI reader applies before libinih
 * (see common.h). */
#include "common.h"

int wt_ini_long_line(const char *text, size_t len)
{
    int line = 1;
    size_t run = 0;
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '\n') {
            line++;
            run = 0;
        } else if (++run > WT_INI_LINE_MAX) {
            return line;
        }
    }
    return 0;
}

int wt_ini_file_long_line(FILE *f)
{
    int line = 1, c, found = 0;
    size_t run = 0;
    while (found == 0 && (c = getc(f)) != EOF) {
        if (c == '\n') {
            line++;
            run = 0;
        } else if (++run > WT_INI_LINE_MAX) {
            found = line;
        }
    }
    rewind(f);
    return found;
}
