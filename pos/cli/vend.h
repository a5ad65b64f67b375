/* vend.h — `wattle-pos vend` (vend.c), private to the program. */
#ifndef WATTLE_POS_CLI_VEND_H
#define WATTLE_POS_CLI_VEND_H

/* argv[0] = "vend"; returns the exit status. */
int wt_pos_vend(int argc, char **argv);

#endif /* WATTLE_POS_CLI_VEND_H */
