/*
 * model.c — weather, sun, PV, load shapes, battery and EV (see model.h).
 */
#include "model.h"

#include <math.h>

#define PI     3.14159265358979323846
#define DAY_MS INT64_C(86400000)
#define PV_PR  0.85 /* performance ratio */

/* ------------------------------------------------------------- random */

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

void wt_sim_rng_seed(wt_sim_rng *rng, uint64_t seed, uint64_t stream)
{
    uint64_t x = seed ^ (stream * UINT64_C(0xd1342543de82ef95));
    for (int i = 0; i < 4; i++)
        rng->s[i] = splitmix64(&x);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t wt_sim_rng_next(wt_sim_rng *rng)
{
    uint64_t *s = rng->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double wt_sim_rng_unit(wt_sim_rng *rng)
{
    return (double)(wt_sim_rng_next(rng) >> 11) * 0x1.0p-53;
}

int64_t wt_sim_rng_range(wt_sim_rng *rng, int64_t lo, int64_t hi)
{
    WT_ASSERT(lo <= hi);
    uint64_t span = (uint64_t)hi - (uint64_t)lo + 1;
    if (span == 0)
        return (int64_t)wt_sim_rng_next(rng);
    return lo + (int64_t)(wt_sim_rng_next(rng) % span);
}

/* ------------------------------------------------------------ weather */

double wt_sim_clear_sky_ghi(int64_t t_ms, double latitude_deg, double longitude_deg)
{
    int64_t day = t_ms >= 0 ? t_ms / DAY_MS : (t_ms - DAY_MS + 1) / DAY_MS;
    double utc_hours = (double)(t_ms - day * DAY_MS) / 3600000.0;
    wt_civil c;
    wt_civil_from_ms(&c, t_ms);
    double n = (double)c.yday + 1.0;
    double g = 2.0 * PI / 365.0 * (n - 1.0 + (utc_hours - 12.0) / 24.0);
    double eot_min = 229.18 * (0.000075 + 0.001868 * cos(g) - 0.032077 * sin(g) -
                               0.014615 * cos(2 * g) - 0.040849 * sin(2 * g));
    double decl = 23.45 * PI / 180.0 * sin(2.0 * PI * (284.0 + n) / 365.0);
    double solar_hours = utc_hours + longitude_deg / 15.0 + eot_min / 60.0;
    double hour_angle = (solar_hours - 12.0) * 15.0 * PI / 180.0;
    double lat = latitude_deg * PI / 180.0;
    double cos_z = sin(lat) * sin(decl) + cos(lat) * cos(decl) * cos(hour_angle);
    if (cos_z <= 0.01)
        return 0.0;
    return 1098.0 * cos_z * exp(-0.057 / cos_z);
}

void wt_sim_sky_init(wt_sim_sky *sky, uint64_t seed, uint32_t clear_days_ppm)
{
    wt_sim_rng_seed(&sky->rng, seed, 0x5c7);
    sky->clear_share = clear_days_ppm / 1e6;
    sky->clear = true;
    sky->day = INT64_MIN;
    sky->day_mean = 1.0;
}

double wt_sim_sky_factor(wt_sim_sky *sky, int64_t day)
{
    while (sky->day < day) {
        /* persistence: tomorrow is like today with probability 0.6, else
         * drawn afresh with the long-run share — the stationary share of
         * clear days stays clear_share */
        double u = wt_sim_rng_unit(&sky->rng);
        if (sky->day == INT64_MIN || u >= 0.6)
            sky->clear = wt_sim_rng_unit(&sky->rng) < sky->clear_share;
        double v = wt_sim_rng_unit(&sky->rng);
        sky->day_mean = sky->clear ? 0.85 + 0.15 * v : 0.10 + 0.50 * v;
        sky->day = sky->day == INT64_MIN ? day : sky->day + 1;
    }
    double flicker = sky->clear ? 0.05 : 0.35;
    double f = sky->day_mean * (1.0 + flicker * (2.0 * wt_sim_rng_unit(&sky->rng) - 1.0));
    return f < 0.0 ? 0.0 : f > 1.0 ? 1.0 : f;
}

double wt_sim_pv_wh(int64_t pv_wp, double ghi_w_per_m2, double sky_factor, int64_t interval_ms)
{
    return (double)pv_wp * ghi_w_per_m2 / 1000.0 * PV_PR * sky_factor *
           ((double)interval_ms / 3600000.0);
}

/* ---------------------------------------------------------------- load */

/* Relative weights per local hour; normalised when first used. */
static const double home_w[24] = {0.6,  0.5, 0.45, 0.45, 0.45, 0.55, 0.9, 1.3, 1.2, 0.9, 0.8,  0.8,
                                  0.85, 0.8, 0.75, 0.8,  0.95, 1.2,  1.6, 1.8, 1.7, 1.5, 1.15, 0.8};
static const double shop_w[24] = {0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 0.3, 0.5, 1.2, 1.6, 1.7, 1.8,
                                  1.8,  1.8,  1.8,  1.8,  1.8,  1.7,  1.6, 1.5, 1.3, 1.0, 0.5, 0.3};
static const double vending_w[24] = {0.85, 0.85, 0.85, 0.85, 0.85, 0.85, 0.9, 0.95,
                                     1.0,  1.05, 1.1,  1.15, 1.2,  1.2,  1.2, 1.15,
                                     1.1,  1.05, 1.0,  1.0,  0.95, 0.9,  0.9, 0.85};

double wt_sim_load_shape_at(wt_sim_kind kind, double minute_of_day)
{
    const double *src = kind == WT_SIM_KIND_SHOP      ? shop_w
                        : kind == WT_SIM_KIND_VENDING ? vending_w
                                                      : home_w;
    double sum = 0;
    for (int h = 0; h < 24; h++)
        sum += src[h];
    double x = minute_of_day / 60.0 - 0.5; /* hour midpoints at h + 0.5 */
    double fl = floor(x);
    int a = ((int)fl % 24 + 24) % 24, b = (a + 1) % 24;
    double f = x - fl;
    return (src[a] * (1.0 - f) + src[b] * f) / sum;
}

/* ------------------------------------------------------------ battery */

void wt_sim_battery_init(wt_sim_battery *b, int64_t capacity_wh, int64_t power_w,
                         uint32_t efficiency_ppm, uint32_t soc_min_ppm, uint32_t soc_max_ppm,
                         int64_t interval_ms)
{
    b->capacity_mwh = capacity_wh > 0 && power_w > 0 ? capacity_wh * 1000 : 0;
    b->max_step_mwh = b->capacity_mwh > 0 ? power_w * interval_ms / 3600 : 0;
    b->efficiency_ppm = efficiency_ppm;
    b->min_mwh = b->capacity_mwh * soc_min_ppm / 1000000;
    b->max_mwh = b->capacity_mwh * soc_max_ppm / 1000000;
    b->stored_mwh = (b->min_mwh + b->max_mwh) / 2;
}

void wt_sim_battery_step(wt_sim_battery *b, int64_t *charge_mwh, int64_t *discharge_mwh,
                         int64_t *loss_mwh, int64_t want_mwh)
{
    *charge_mwh = *discharge_mwh = *loss_mwh = 0;
    if (b->capacity_mwh == 0 || want_mwh == 0)
        return;
    if (want_mwh > 0) {
        int64_t room = b->max_mwh - b->stored_mwh;
        if (room <= 0 || b->efficiency_ppm == 0)
            return;
        /* the most energy taken in whose stored part fits the room */
        int64_t by_room = (int64_t)(((__int128)room * 1000000) / b->efficiency_ppm);
        int64_t c = want_mwh;
        if (c > b->max_step_mwh)
            c = b->max_step_mwh;
        if (c > by_room)
            c = by_room;
        int64_t gain = (int64_t)(((__int128)c * b->efficiency_ppm) / 1000000);
        WT_ASSERT(gain <= room);
        b->stored_mwh += gain;
        *charge_mwh = c;
        *loss_mwh = c - gain;
    } else {
        int64_t d = -want_mwh, avail = b->stored_mwh - b->min_mwh;
        if (avail <= 0)
            return;
        if (d > b->max_step_mwh)
            d = b->max_step_mwh;
        if (d > avail)
            d = avail;
        b->stored_mwh -= d;
        *discharge_mwh = d;
    }
}

/* ----------------------------------------------------------------- EV */

static int64_t overlap(int64_t a0, int64_t a1, int64_t b0, int64_t b1)
{
    int64_t lo = a0 > b0 ? a0 : b0, hi = a1 < b1 ? a1 : b1;
    return hi > lo ? hi - lo : 0;
}

int64_t wt_sim_window_overlap_ms(int32_t arrive_min, int32_t depart_min, int64_t start_ms,
                                 int64_t len_ms)
{
    int64_t a = (int64_t)arrive_min * 60000, d = (int64_t)depart_min * 60000;
    int64_t s = start_ms, e = start_ms + len_ms, total = 0;
    /* the window on the day before, this day and the next, as plain ranges */
    for (int64_t day = -1; day <= 1; day++) {
        int64_t base = day * DAY_MS;
        if (a < d)
            total += overlap(s, e, base + a, base + d);
        else if (a > d) {
            total += overlap(s, e, base + a, base + DAY_MS + d);
        }
    }
    return total;
}

/* --------------------------------------------------------- whole mWh */

int64_t wt_sim_carry_mwh(double *carry_mwh, double wh)
{
    double x = wh * 1000.0 + *carry_mwh;
    double whole = floor(x);
    *carry_mwh = x - whole;
    if (*carry_mwh < 0)
        *carry_mwh = 0;
    return (int64_t)whole;
}
