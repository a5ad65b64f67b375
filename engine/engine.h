/*
 * engine.h — what the engine room promises (issues 5 and 6; not built yet):
 * the pure ledger state transition (state, tx) -> state' | wt_err shared by
 * the daemon, the simulator and the auditor; block sealing with a Merkle root
 * and a state hash; the SQLite store with group commit; settlement of each
 * interval; the HTTP/JSON and nng front ends of `wattled`.
 * May use: common, wallet, matcher.
 */
#ifndef WATTLE_ENGINE_H
#define WATTLE_ENGINE_H

#include "common.h"
#include "matcher.h"
#include "wallet.h"

#endif /* WATTLE_ENGINE_H */
