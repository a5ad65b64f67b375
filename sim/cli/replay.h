/*
 * replay.h — `wattle-sim replay SCENARIO --node URL --operator-key FILE
 * --issuer-key FILE [--speed N] [--intervals N] [--profiles PATH] [--quiet]`:
 * the scenario's households and gateway driving a running wattled in real
 * time (replay.c says how). The I/O edge of the simulator: the run itself
 * stays in sim.h.
 */
#ifndef WATTLE_SIM_REPLAY_H
#define WATTLE_SIM_REPLAY_H

#include "sim.h"

/* argv[0] is "replay"; usage is printed for --help and mistakes. Returns the
 * exit status: 0 done and every transaction committed, 1 a failure or a
 * refusal, 2 usage. */
int wt_sim_replay_main(int argc, char **argv, const char *usage);

#endif
