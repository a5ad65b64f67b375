/*
 * sim.h — what the simulator promises: scenarios, load/PV/battery/EV models
 * and trading strategies replayed through the very settlement, matcher and
 * ledger state transition the engine runs (engine/settle.h, ledger.h),
 * deterministic for a seed, with KPIs, CSV time series and SVG plots.
 * May use: common, wallet, matcher, the engine's ledger core.
 *
 * Units are the project's (DESIGN.md): energy in mWh, money in micro-U-Coin,
 * prices in micro-U-Coin per kWh, time in Unix ms (UTC). Configuration sizes
 * are integers too: PV in watts peak, batteries in Wh and W, ratios in parts
 * per million. Only the physical models (sun position, cloudiness, load
 * shapes) compute in floating point; each home's energy is turned into whole
 * mWh by carrying the remainder to the next interval, so nothing is lost.
 *
 * ---- The flows of one home in one interval (all mWh, all >= 0) ----
 *   load + ev + charge + export = pv + discharge + import
 * where import/export is what its one net meter reports (never both). The
 * battery stores charge * efficiency (the loss is the rest: efficiency is
 * the round trip, applied on charging) and gives back exactly what it
 * discharges, within [soc_min, soc_max] of its capacity and its power limit.
 * Over a run: charge - discharge = loss + (stored at end - stored at start).
 * The community's balance: sum(load + ev + charge) + grid_export =
 * sum(pv + discharge) + grid_import, grid_import/export being the
 * settlement's residual (retail and feed-in) energy; P2P energy moves
 * between homes. Both are asserted every interval; money is asserted
 * conserved (balances + holds = minted - burned, and the rows' net plus the
 * utility's change is zero). A break stops the run with an error naming the
 * interval.
 */
#ifndef WATTLE_SIM_H
#define WATTLE_SIM_H

#include "common.h"
#include "matcher.h"
#include "wallet.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ------------------------------------------------------------- errors */

/* What was wrong, for the user: the line (1-based; 0 when the error is not
 * about one line) and a message naming the file, the field and the value. */
typedef struct {
    int line;
    char message[512];
} wt_sim_error;

/* ----------------------------------------------------------- scenario */

#define WT_SIM_NAME_MAX       47
#define WT_SIM_GROUPS_MAX     64
#define WT_SIM_STRATEGIES_MAX 16
#define WT_SIM_HOMES_MAX      100000
#define WT_SIM_INTERVALS_MAX  4000000u /* a year of 8 s intervals; 46 days of 1 s */

typedef enum {
    WT_SIM_KIND_HOME = 0,
    WT_SIM_KIND_SHOP = 1,
    WT_SIM_KIND_VENDING = 2,
} wt_sim_kind;

typedef enum {
    WT_SIM_STRATEGY_NONE = 0,      /* no standing instruction: everything at the grid's tariff */
    WT_SIM_STRATEGY_FIXED = 1,     /* one standing sell minimum and buy maximum */
    WT_SIM_STRATEGY_ZIC = 2,       /* zero-intelligence constrained: new random limits
                                      every interval, within [low, high] */
    WT_SIM_STRATEGY_TOD = 3,       /* time of day: peak-hour and off-peak limits */
    WT_SIM_STRATEGY_ARBITRAGE = 4, /* fixed limits; the battery charges from the market
                                      below charge_below and discharges above
                                      discharge_above (the last clearing price) */
} wt_sim_strategy_kind;

typedef struct {
    char name[WT_SIM_NAME_MAX + 1];
    wt_sim_strategy_kind kind;
    int64_t sell_min_micro_per_kwh, buy_max_micro_per_kwh; /* FIXED, ARBITRAGE, TOD off-peak */
    int64_t low_micro_per_kwh, high_micro_per_kwh;         /* ZIC */
    int64_t peak_sell_min_micro_per_kwh, peak_buy_max_micro_per_kwh;   /* TOD */
    uint8_t peak_from_hour, peak_to_hour;                              /* TOD: [from, to) local */
    int64_t charge_below_micro_per_kwh, discharge_above_micro_per_kwh; /* ARBITRAGE */
} wt_sim_strategy;

/* A group of households sharing one description. */
typedef struct {
    char name[WT_SIM_NAME_MAX + 1];
    int line; /* its section's line, for messages */
    wt_sim_kind kind;
    uint32_t count;                /* homes; with profile "*": 0 = one per profile */
    uint16_t zone;                 /* index into the chain's zones */
    int strategy;                  /* index into strategies, -1: none */
    int64_t pv_wp;                 /* PV peak power, W; -1: from the profile's metadata */
    int64_t load_wh_per_day;       /* synthetic load's mean daily energy */
    int64_t battery_wh, battery_w; /* -1: from the profile's metadata; 0: none */
    uint32_t battery_efficiency_ppm, soc_min_ppm, soc_max_ppm;
    int64_t ev_wh_per_day, ev_w;
    int32_t ev_arrive_min, ev_depart_min; /* minutes of the local day */
    /* "" or "synthetic": generated; "*": every profile of --profiles, one
     * home each; else one profile id (every home of the group replays it). */
    char profile[WT_SIM_NAME_MAX + 1];
} wt_sim_group;

typedef struct {
    char name[WT_SIM_NAME_MAX + 1];
    int64_t start_ms;    /* local midnight (or the given time) of the start date, UTC ms */
    int64_t duration_ms; /* a whole number of intervals */
    uint64_t seed;
    int64_t latitude_udeg, longitude_udeg; /* micro-degrees; Seoul by default */
    int64_t utc_offset_ms;                 /* the local time of the day shapes and tariffs */
    uint32_t clear_days_ppm;               /* share of clear days in the weather chain */
    int64_t balance_micro;                 /* minted to every household at the start */
    /* The chain: zones, tariffs, market rules, interval (its keys are the
     * simulator's, derived from the seed). */
    wt_chain_params params;
    wt_sim_strategy strategies[WT_SIM_STRATEGIES_MAX];
    size_t strategies_count;
    wt_sim_group groups[WT_SIM_GROUPS_MAX];
    size_t groups_count;
    bool needs_profiles; /* some group replays a profile */
} wt_sim_scenario;

/*
 * Parse a scenario file's text (INI, see examples/ and the README for every
 * section and key). name is used in messages. On error *err names the line
 * and what was wrong and *sc is left zeroed. WT_ERR_INVALID_ARGUMENT for
 * every mistake in the file (unknown section or key, a bad value, a missing
 * required key, a reference to an undefined zone or strategy); the chain
 * parameters are checked with wt_chain_params_validate as `wattle chain init`
 * does.
 */
wt_err wt_sim_scenario_parse(wt_sim_scenario *sc, wt_sim_error *err, const char *text,
                             size_t text_len, const char *name);
/* Read and parse a file (WT_ERR_IO when it cannot be read). */
wt_err wt_sim_scenario_load(wt_sim_scenario *sc, wt_sim_error *err, const char *path);
/* The number of intervals of the run. */
uint64_t wt_sim_scenario_intervals(const wt_sim_scenario *sc);

/* ----------------------------------------------------------- profiles */

/* One home's measured series: energy per step of step_ms from t0_ms, in
 * micro-watt-hours (µWh), load and PV. cum_* are the running sums
 * (count + 1 entries, cum[0] = 0). Metadata (PV peak, battery) when the
 * source gives it, else -1. */
typedef struct {
    char id[WT_SIM_NAME_MAX + 1];
    int64_t t0_ms, step_ms;
    size_t count;
    int64_t *cum_load_uwh, *cum_pv_uwh;
    int64_t pv_wp, battery_wh, battery_w;
    uint32_t battery_efficiency_ppm; /* 0 when not given */
} wt_sim_profile;

typedef struct {
    wt_sim_profile *items;
    size_t count;
} wt_sim_profiles;

/*
 * Load profiles from path:
 *  - a directory holding schema.json: the CityLearn building format, one
 *    Building_N.csv per building listed in the schema (hourly
 *    non_shiftable_load in kWh and solar_generation in W per kW of PV; PV
 *    energy = solar_generation x the schema's pv nominal_power), the
 *    schema's PV and battery sizes as metadata; t0 = t0_ms (the files carry
 *    no dates);
 *  - a file: the long CSV `home_id,timestamp,load_kwh,pv_kwh`, one row per
 *    home and step at any fixed resolution (every home the same), timestamps
 *    ISO 8601 (YYYY-MM-DDTHH:MM[:SS] with Z or ±HH:MM, or a space for T;
 *    UTC when no zone is given) or Unix seconds; rows of a home consecutive
 *    in time.
 * kWh values are decimals (an exponent is accepted), at most 10^9 kWh,
 * not negative; digits beyond the ninth decimal (1 µWh) are dropped. Every
 * error names the file and the line.
 */
wt_err wt_sim_profiles_load(wt_sim_profiles *out, wt_sim_error *err, const char *path,
                            int64_t t0_ms);
void wt_sim_profiles_free(wt_sim_profiles *profiles);
const wt_sim_profile *wt_sim_profiles_find(const wt_sim_profiles *profiles, const char *id);

/*
 * Energy-conserving resampling: the cumulative energy up to t_ms in whole
 * mWh (floor), the series repeated before t0 and after its end, energy
 * spread evenly within each step. The energy of [a, b) is
 * cum(b) - cum(a), so the intervals of a run sum to the source's energy over
 * the run to within 1 mWh, whatever the interval.
 */
int64_t wt_sim_profile_cum_mwh(const wt_sim_profile *profile, bool pv, int64_t t_ms);

/* --------------------------------------------------------------- run */

typedef void (*wt_sim_progress_fn)(void *arg, uint64_t done, uint64_t total);

/* What a transaction of the run is for (and so who signs it). */
typedef enum {
    WT_SIM_TX_GATEWAY = 0,  /* the operator registers the simulator's gateway */
    WT_SIM_TX_METER,        /* the operator registers a home's meter */
    WT_SIM_TX_MINT,         /* the issuer mints a home's starting balance */
    WT_SIM_TX_UTILITY_MINT, /* the issuer mints the utility's float */
    WT_SIM_TX_STANDING,     /* a home sets its standing instruction */
    WT_SIM_TX_READINGS,     /* the gateway reports an interval that is over */
    WT_SIM_TX_SETTLE,       /* the operator settles an interval */
} wt_sim_tx_kind;

/* Sees every transaction the run applies, once the state has taken it, in
 * order: what it is for, the transaction (its interval numbers and times
 * are the scenario's), the key that signs it in the simulation (a home's
 * own key for STANDING; with signed_mode every key is real, without it a
 * home's holds its public key only) and the scenario's time. Returning false
 * stops the run: wt_sim_run then returns WT_ERR_CANCELLED. */
typedef bool (*wt_sim_tx_fn)(void *arg, wt_sim_tx_kind kind, const wt_tx *tx, const wt_seckey *key,
                             int64_t now_ms);

typedef struct {
    bool signed_mode;                /* sign and verify every transaction as the daemon would */
    const wt_sim_profiles *profiles; /* NULL: none given */
    wt_sim_progress_fn progress;     /* NULL: none; called about every 1% */
    void *progress_arg;
    wt_sim_tx_fn on_tx; /* NULL: none (wattle-sim replay forwards them to a node) */
    void *tx_arg;
} wt_sim_opts;

/* One interval of the community. */
typedef struct {
    int64_t start_ms;
    int64_t load_mwh, pv_mwh, ev_mwh;
    int64_t charge_mwh, discharge_mwh, stored_mwh; /* stored: at the end */
    int64_t import_mwh, export_mwh;                /* the meters' sums */
    int64_t p2p_mwh, p2p_amount_micro;
    int64_t grid_import_mwh, grid_export_mwh; /* residual: retail, feed-in */
    int64_t price_micro_per_kwh;              /* the volume-weighted P2P price; 0 without trades */
} wt_sim_step;

typedef struct {
    char name[WT_SIM_NAME_MAX + 16]; /* group name + number */
    uint32_t group;
    char meter_id[16];
    char address[WT_ADDRESS_CHARS + 1];
    uint16_t zone;
    int64_t pv_wp, battery_wh;
    int64_t load_mwh, pv_mwh, ev_mwh, import_mwh, export_mwh;
    int64_t charge_mwh, discharge_mwh, loss_mwh;
    int64_t bought_p2p_mwh, sold_p2p_mwh;
    int64_t bill_micro;          /* what it paid, net: P2P + fees + retail (paid and owed)
                                    - P2P receipts - feed-in */
    int64_t baseline_bill_micro; /* the same flows with no P2P market */
    int64_t unpaid_micro;        /* retail owed but not paid (part of bill_micro) */
} wt_sim_household;

typedef struct {
    int64_t load_mwh, pv_mwh, ev_mwh, p2p_mwh;
    int64_t grid_import_mwh, grid_export_mwh;
    int64_t battery_charge_mwh, battery_discharge_mwh, battery_loss_mwh;
    int64_t battery_stored_start_mwh, battery_stored_end_mwh;
    int64_t self_sufficiency_ppm; /* 1 - grid_import / (load + ev) */
    int64_t self_consumption_ppm; /* 1 - grid_export / pv */
    int64_t avg_p2p_price_micro_per_kwh;
    int64_t p2p_amount_micro, fee_micro;
    int64_t utility_revenue_micro; /* the utility's balance change over the run */
    int64_t peak_grid_import_mw;   /* milliwatts: the largest interval's mean import power */
    int64_t bill_micro, baseline_bill_micro, unpaid_micro;
    uint64_t intervals, households, transactions;
} wt_sim_kpis;

typedef struct {
    wt_sim_kpis kpis;
    wt_sim_household *households;
    size_t households_count;
    wt_sim_step *steps; /* one per interval */
    size_t steps_count;
    double seconds;       /* wall time of the run (not part of any output file) */
    double match_seconds; /* of which in wt_settle_compute */
} wt_sim_result;

/*
 * Run the scenario in-process: a fresh ledger state from the scenario's
 * chain, the homes registered as meters of the simulator's gateways with
 * their standing instructions and balances, then for every interval the
 * homes' flows, their READINGS, the settlement (wt_settle_compute and its
 * SETTLE transaction applied to the state, exactly as wattled does), the
 * balance checks and the KPIs. Without signed_mode the transactions carry
 * no signature and the state keeps no hash (nothing is sealed); with it
 * each one is signed with its real key, verified and applied as the daemon
 * would. Same scenario and seed: byte-identical outputs.
 * Errors: WT_ERR_INVALID_ARGUMENT with *err (a group needs profiles that are
 * missing or unknown, a home outgrows a limit); WT_ERR_SIM_BALANCE when an
 * energy or money balance breaks (err names the interval and the quantity);
 * the ledger's and the settlement's errors otherwise.
 */
wt_err wt_sim_run(wt_sim_result **out, wt_sim_error *err, const wt_sim_scenario *sc,
                  const wt_sim_opts *opts);
void wt_sim_result_free(wt_sim_result *result);

/* ------------------------------------------------------------ outputs */

/* kpis.json (the KPIs and every household's bills), the text form used by
 * wattle-sim and the tests. Returns a malloc'd NUL-terminated string. */
char *wt_sim_kpis_json(const wt_sim_result *result, const wt_sim_scenario *sc);
/*
 * Write into dir (created when missing): kpis.json, timeseries.csv (one row
 * per interval), households.csv, price_volume.svg, typical_day.svg,
 * savings.svg and report.html linking them. WT_ERR_IO with *err naming the
 * file.
 */
wt_err wt_sim_write_outputs(wt_sim_error *err, const wt_sim_result *result,
                            const wt_sim_scenario *sc, const char *dir);

#endif /* WATTLE_SIM_H */
