/*
 * client_parse.h — the pure parsers of the node-client commands of `wattle`
 * (send, mint, standing, order, readings submit...): exact decimal amounts,
 * prices and energies (never floating point), durations, and the readings
 * CSV. No I/O: text in, integers out, a precise error (with the line for
 * CSV) on anything malformed; outputs zeroed before the first check.
 */
#ifndef WATTLE_CLI_CLIENT_PARSE_H
#define WATTLE_CLI_CLIENT_PARSE_H

#include "common.h"
#include "wallet.h"

#include <stddef.h>
#include <stdint.h>

/* "1250.5" U-Coin → 1250500000 micro, > 0, at most 6 decimals.
 * WT_ERR_BAD_NUMBER (not a decimal, too many decimals, zero or negative),
 * WT_ERR_OVERFLOW. */
wt_err wt_cli_amount_parse(int64_t *amount_micro, const char *text);
/* A price in U-Coin per kWh → micro-U-Coin per kWh, >= 0, at most 6
 * decimals. Errors as wt_cli_amount_parse. */
wt_err wt_cli_price_parse(int64_t *price_micro_per_kwh, const char *text);
/* Energy in kWh → mWh (1 kWh = 1,000,000 mWh), > 0, at most 6 decimals. */
wt_err wt_cli_energy_kwh_parse(int64_t *energy_mwh, const char *text);
/* A duration: whole seconds "600", or with a unit "90s", "10m", "2h";
 * > 0 and at most 30 days. WT_ERR_BAD_NUMBER otherwise. */
wt_err wt_cli_duration_parse(int64_t *duration_ms, const char *text);
/* A non-negative integer of decimal digits only (no sign, no separators)
 * that fits uint64. WT_ERR_BAD_NUMBER / WT_ERR_OVERFLOW. */
wt_err wt_cli_u64_parse(uint64_t *value, const char *text);

/* Where a readings CSV went wrong: line 0 means the file as a whole. */
typedef struct {
    size_t line;
    char message[160];
} wt_readings_csv_error;

/*
 * Parse a readings CSV: the header line "meter,import_mwh,export_mwh" then
 * one line per meter, e.g. "m-0042,1500,0" (energies integer mWh >= 0,
 * meter ids as wt_meter_id_set accepts: 1..32 printable ASCII, no spaces).
 * "\r\n" line ends and a final line without "\n" are accepted; empty lines
 * are not. The entries are written to out (capacity out_cap, at most
 * WT_READINGS_MAX are ever accepted) sorted by meter id bytes, as the
 * READINGS codec requires; a meter listed twice is an error naming both
 * lines. WT_ERR_BAD_CSV with *err filled for every malformed input;
 * WT_ERR_CAPACITY when there are more lines than out_cap or WT_READINGS_MAX.
 */
wt_err wt_readings_csv_parse(wt_reading *out, size_t out_cap, size_t *count,
                             wt_readings_csv_error *err, const char *text, size_t text_len);

#endif /* WATTLE_CLI_CLIENT_PARSE_H */
