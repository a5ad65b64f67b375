/*
 * meter.h — what the meter bridge promises (issue 7; not built yet): strict
 * parsers for DSMR P1, SML, Tasmota JSON and SunSpec Modbus that report what
 * was wrong without stopping; per-interval import/export in mWh from
 * cumulative registers; one signed READINGS transaction per interval per
 * gateway; a store-and-forward queue that loses nothing.
 * May use: common, wallet.
 */
#ifndef WATTLE_METER_H
#define WATTLE_METER_H

#include "common.h"
#include "wallet.h"

#endif /* WATTLE_METER_H */
