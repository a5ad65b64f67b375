/*
 * sim.h — what the simulator promises (issue 9; not built yet): scenarios,
 * load/PV/battery/EV models and trading agents replayed through the very
 * matcher and ledger code the engine runs, deterministic for a seed, with
 * KPIs, CSV time series and SVG plots.
 * May use: common, wallet, matcher, the engine's ledger core.
 */
#ifndef WATTLE_SIM_H
#define WATTLE_SIM_H

#include "common.h"
#include "matcher.h"
#include "wallet.h"

#endif /* WATTLE_SIM_H */
