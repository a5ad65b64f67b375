/*
 * model.h — the simulator's physical models and agents (sim room, private
 * header): a seeded random stream, synthetic weather, PV and load, the
 * battery and the EV. Pure functions of their arguments and the state they
 * are handed; no clock, no I/O. Only the weather, sun and load shapes use
 * floating point; every energy that leaves this file is whole mWh.
 */
#ifndef WATTLE_SIM_MODEL_H
#define WATTLE_SIM_MODEL_H

#include "sim.h"

#include <stdbool.h>
#include <stdint.h>

/* ------------------------------------------------------------- random */

/* xoshiro256** seeded through splitmix64: the same seed, the same stream on
 * every machine. */
typedef struct {
    uint64_t s[4];
} wt_sim_rng;

void wt_sim_rng_seed(wt_sim_rng *rng, uint64_t seed, uint64_t stream);
uint64_t wt_sim_rng_next(wt_sim_rng *rng);
/* Uniform in [0, 1). */
double wt_sim_rng_unit(wt_sim_rng *rng);
/* Uniform in [lo, hi] (integers, lo <= hi). */
int64_t wt_sim_rng_range(wt_sim_rng *rng, int64_t lo, int64_t hi);

/* ------------------------------------------------------------ weather */

/* Clear-sky irradiance on a horizontal surface, W/m², at t_ms (UTC) for a
 * latitude and longitude in degrees: the sun's position from the day of the
 * year (Cooper's declination, Spencer's equation of time) and the Haurwitz
 * clear-sky model, GHI = 1098 cos z exp(-0.057 / cos z). 0 at night. */
double wt_sim_clear_sky_ghi(int64_t t_ms, double latitude_deg, double longitude_deg);

/* The sky of one day: a two-state Markov chain of clear and cloudy days
 * whose long-run share of clear days is clear_share; on a clear day the
 * sun reaches 85..100% of clear sky, on a cloudy one 10..60%, with
 * per-interval flicker drawn by wt_sim_sky_factor. */
typedef struct {
    wt_sim_rng rng;
    double clear_share;
    bool clear;
    int64_t day;     /* the local day the state is for; INT64_MIN before the first */
    double day_mean; /* that day's mean share of clear-sky irradiance */
} wt_sim_sky;

void wt_sim_sky_init(wt_sim_sky *sky, uint64_t seed, uint32_t clear_days_ppm);
/* The share of clear-sky irradiance in the interval of local day `day`
 * (days must not go backwards). */
double wt_sim_sky_factor(wt_sim_sky *sky, int64_t day);

/* PV energy of an interval in Wh (fractional): peak power x irradiance /
 * 1000 W/m² x the performance ratio (0.85: inverter, wiring, heat, soiling)
 * x the interval's length, irradiance taken at the interval's midpoint. */
double wt_sim_pv_wh(int64_t pv_wp, double ghi_w_per_m2, double sky_factor, int64_t interval_ms);

/* ---------------------------------------------------------------- load */

/* Mean power's share at a minute of the local day, linearly interpolated
 * between the hours' midpoints, so shapes have no steps at hour marks;
 * times 24 it averages 1 over the day. */
double wt_sim_load_shape_at(wt_sim_kind kind, double minute_of_day);

/* ------------------------------------------------------------ battery */

typedef struct {
    int64_t capacity_mwh;     /* 0: no battery */
    int64_t max_step_mwh;     /* the power limit over one interval */
    uint32_t efficiency_ppm;  /* round trip, applied on charging */
    int64_t min_mwh, max_mwh; /* the SoC bounds as energy */
    int64_t stored_mwh;
} wt_sim_battery;

/* A battery of capacity_wh and power_w for intervals of interval_ms,
 * starting half-way between its SoC bounds. */
void wt_sim_battery_init(wt_sim_battery *b, int64_t capacity_wh, int64_t power_w,
                         uint32_t efficiency_ppm, uint32_t soc_min_ppm, uint32_t soc_max_ppm,
                         int64_t interval_ms);
/*
 * One interval. want_mwh > 0 asks to charge that much (energy taken in),
 * < 0 to discharge -want_mwh (energy given out); the battery takes what its
 * power limit and SoC bounds allow. Outputs: *charge_mwh and
 * *discharge_mwh (one of them 0) and *loss_mwh; stored grows by
 * charge - loss and shrinks by discharge.
 */
void wt_sim_battery_step(wt_sim_battery *b, int64_t *charge_mwh, int64_t *discharge_mwh,
                         int64_t *loss_mwh, int64_t want_mwh);

/* ----------------------------------------------------------------- EV */

/* The milliseconds of [start, start + len) (start: ms since local
 * midnight, len at most a day) that lie in the daily charging window
 * [arrive, depart) (minutes of the local day; it wraps past midnight when
 * depart < arrive). */
int64_t wt_sim_window_overlap_ms(int32_t arrive_min, int32_t depart_min, int64_t start_ms,
                                 int64_t len_ms);

/* --------------------------------------------------------- whole mWh */

/* Turn a fractional energy in Wh into whole mWh, carrying the remainder
 * (in mWh, [0, 1)) to the next call, so the run's sum is exact to 1 mWh. */
int64_t wt_sim_carry_mwh(double *carry_mwh, double wh);

#endif /* WATTLE_SIM_MODEL_H */
