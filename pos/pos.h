/*
 * pos.h — what the point of sale promises (issue 8; not built yet): payment
 * request URIs and their QR codes, waiting for a payment's commit, refunds,
 * the MDB cashless-device state machine, and offline acceptance with a
 * bounded risk.
 * May use: common, wallet.
 */
#ifndef WATTLE_POS_H
#define WATTLE_POS_H

#include "common.h"
#include "wallet.h"

#endif /* WATTLE_POS_H */
