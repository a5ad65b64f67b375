/*
 * run.c — one simulation run (see sim.h, wt_sim_run): the homes' flows,
 * their strategies, and the very ledger transition and settlement the
 * engine runs, interval by interval, with every balance checked.
 */
#include "model.h"
#include "settle.h"
#include "sim.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DAY_MS      INT64_C(86400000)
#define EXPIRY_MS   INT64_C(60000)
#define MWH_PER_KWH INT64_C(1000000)

typedef struct {
    uint32_t group;
    const wt_sim_group *g;
    const wt_sim_strategy *strategy; /* NULL: none */
    const wt_sim_profile *profile;   /* NULL: synthetic */
    int64_t pv_wp;
    double load_wh_per_day; /* this home's mean (the group's, scaled per home) */
    wt_sim_battery bat;
    int64_t ev_need_mwh; /* still to charge before departure */
    double load_carry, pv_carry, ev_carry;
    double load_noise; /* AR(1) around 1 */
    double pv_factor;  /* orientation and shading: 0.85 .. 1.0 of the ideal */
    wt_sim_rng rng;
    bool has_standing, peak; /* TOD: the limits in force are the peak ones */
    uint64_t nonce;
    uint8_t key[32];
    wt_meter_id meter_id;
    uint32_t baseline_month;
    int64_t baseline_month_used_mwh;
    /* this interval */
    int64_t import_mwh, export_mwh;
} home;

typedef struct {
    uint8_t key[32];
    uint32_t home;
} key_index;

typedef struct {
    const wt_sim_scenario *sc;
    const wt_sim_opts *opts;
    wt_sim_error *err;
    wt_ctx *ctx;
    wt_state *state;
    wt_chain_params params;
    wt_seckey operator_key, issuer_key, utility_key, gateway_key;
    wt_seckey *home_keys; /* signed mode only */
    uint64_t operator_nonce, issuer_nonce, gateway_nonce;
    home *homes;
    size_t homes_count;
    key_index *by_key;
    wt_reading *readings;
    wt_tariff retail, feed_in;
    wt_sim_rng strategy_rng;
    wt_sim_sky sky;
    uint64_t txs;
    int64_t last_price_micro_per_kwh;
    wt_sim_result *res;
    /* this interval's, the same for every home */
    double load_shape[3]; /* wt_sim_load_shape_at per wt_sim_kind */
    uint32_t month;       /* wt_chain_month_of */
} run_ctx;

static void rerr(wt_sim_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void rerr(wt_sim_error *err, const char *fmt, ...)
{
    err->line = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ------------------------------------------------------------- keys */

/* The simulator's keys: secret = tagged hash of (seed, label, index); a
 * hash that is not a valid scalar (odds 2^-128) is hashed again. */
static wt_err derive_key(const wt_ctx *ctx, wt_seckey *key, uint64_t seed, const char *label,
                         uint32_t index)
{
    uint8_t buf[64];
    size_t len = 0;
    for (int i = 7; i >= 0; i--)
        buf[len++] = (uint8_t)(seed >> (8 * i));
    for (int i = 3; i >= 0; i--)
        buf[len++] = (uint8_t)(index >> (8 * i));
    size_t ll = strlen(label);
    WT_ASSERT(ll <= sizeof buf - len);
    memcpy(buf + len, label, ll);
    len += ll;
    uint8_t secret[32];
    wt_tagged_hash(secret, "wattle/sim-key", buf, len);
    for (int tries = 0; tries < 8; tries++) {
        wt_err e = wt_seckey_from_bytes(ctx, key, secret);
        if (e == WT_OK)
            return WT_OK;
        if (e != WT_ERR_BAD_KEY)
            return e;
        wt_tagged_hash(secret, "wattle/sim-key", secret, 32);
    }
    return WT_ERR_BAD_KEY;
}

static int cmp_key_index(const void *a, const void *b)
{
    return memcmp(((const key_index *)a)->key, ((const key_index *)b)->key, 32);
}

static const key_index *find_key(const run_ctx *r, const uint8_t key[32])
{
    size_t lo = 0, hi = r->homes_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = memcmp(r->by_key[mid].key, key, 32);
        if (c == 0)
            return &r->by_key[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* ------------------------------------------------------------ apply */

/* Fill in the envelope, sign (signed mode) or give a unique stand-in txid
 * (fast mode: nothing reads it but the ledger's own records), apply. */
static const char *const tx_kind_names[] = {
    [WT_SIM_TX_GATEWAY] = "the gateway's REGISTER",
    [WT_SIM_TX_METER] = "a meter's REGISTER",
    [WT_SIM_TX_MINT] = "a MINT",
    [WT_SIM_TX_UTILITY_MINT] = "the utility's MINT",
    [WT_SIM_TX_STANDING] = "a STANDING",
    [WT_SIM_TX_READINGS] = "a READINGS",
    [WT_SIM_TX_SETTLE] = "the SETTLE",
};

static wt_err apply(run_ctx *r, wt_tx *tx, const wt_seckey *key, uint64_t *nonce, int64_t now_ms,
                    wt_sim_tx_kind kind)
{
    const char *what = tx_kind_names[kind];
    tx->chain_id = r->params.chain_id;
    memcpy(tx->sender, key->pubkey, 32);
    tx->nonce = *nonce + 1;
    tx->expiry_ms = now_ms + EXPIRY_MS;
    uint8_t txid[32];
    const char *field = NULL;
    wt_err e;
    wt_apply_opts ao = {.now_ms = now_ms, .sig_verified = !r->opts->signed_mode};
    if (r->opts->signed_mode) {
        e = wt_tx_sign(r->ctx, txid, tx, key);
        if (e != WT_OK) {
            rerr(r->err, "signing %s: %s", what, wt_errname(e));
            return e;
        }
    } else {
        memset(txid, 0, sizeof txid);
        uint64_t n = r->txs + 1;
        memcpy(txid, "wattle-sim", 10);
        for (int i = 0; i < 8; i++)
            txid[24 + i] = (uint8_t)(n >> (8 * (7 - i)));
    }
    e = wt_ledger_apply(r->ctx, r->state, &field, tx, txid, &ao);
    if (e != WT_OK) {
        rerr(r->err, "the ledger refused %s: %s (%s)", what, wt_errname(e),
             field != NULL ? field : "?");
        return e;
    }
    *nonce += 1;
    r->txs++;
    if (r->opts->on_tx != NULL && !r->opts->on_tx(r->opts->tx_arg, kind, tx, key, now_ms)) {
        rerr(r->err, "stopped after %s", what);
        return WT_ERR_CANCELLED;
    }
    return WT_OK;
}

/* ------------------------------------------------------------ setup */

/* The standing limits a strategy wants now. */
static void strategy_limits(run_ctx *r, home *h, int64_t t_ms, int64_t *sell_min, int64_t *buy_max,
                            bool *peak)
{
    const wt_sim_strategy *st = h->strategy;
    *peak = false;
    switch (st->kind) {
    case WT_SIM_STRATEGY_ZIC: {
        *sell_min =
            wt_sim_rng_range(&r->strategy_rng, st->low_micro_per_kwh, st->high_micro_per_kwh);
        *buy_max =
            wt_sim_rng_range(&r->strategy_rng, st->low_micro_per_kwh, st->high_micro_per_kwh);
        return;
    }
    case WT_SIM_STRATEGY_TOD: {
        int64_t local = t_ms + r->sc->utc_offset_ms;
        int64_t hour = ((local % DAY_MS) + DAY_MS) % DAY_MS / 3600000;
        *peak = hour >= st->peak_from_hour && hour < st->peak_to_hour;
        *sell_min = *peak ? st->peak_sell_min_micro_per_kwh : st->sell_min_micro_per_kwh;
        *buy_max = *peak ? st->peak_buy_max_micro_per_kwh : st->buy_max_micro_per_kwh;
        return;
    }
    default:
        *sell_min = st->sell_min_micro_per_kwh;
        *buy_max = st->buy_max_micro_per_kwh;
        return;
    }
}

static wt_err send_standing(run_ctx *r, size_t i, int64_t t_ms)
{
    home *h = &r->homes[i];
    int64_t sell, buy;
    bool peak;
    strategy_limits(r, h, t_ms, &sell, &buy, &peak);
    h->peak = peak;
    wt_tx tx;
    wt_tx_init(&tx, WT_TX_STANDING);
    tx.body.standing.zone = h->g->zone;
    tx.body.standing.flags = WT_STANDING_HAS_SELL_MIN | WT_STANDING_HAS_BUY_MAX;
    tx.body.standing.sell_min_micro_per_kwh = sell;
    tx.body.standing.buy_max_micro_per_kwh = buy;
    wt_seckey stand_in;
    const wt_seckey *key = r->home_keys != NULL ? &r->home_keys[i] : &stand_in;
    if (r->home_keys == NULL)
        memcpy(stand_in.pubkey, h->key, 32); /* fast mode signs nothing */
    h->has_standing = true;
    return apply(r, &tx, key, &h->nonce, t_ms, WT_SIM_TX_STANDING);
}

static wt_err build_homes(run_ctx *r)
{
    const wt_sim_scenario *sc = r->sc;
    const wt_sim_profiles *profiles = r->opts->profiles;
    size_t total = 0;
    for (size_t gi = 0; gi < sc->groups_count; gi++) {
        const wt_sim_group *g = &sc->groups[gi];
        if (g->profile[0] != '\0' && (profiles == NULL || profiles->count == 0)) {
            rerr(r->err, "households '%s' replay profiles: give them with --profiles DIR", g->name);
            return WT_ERR_INVALID_ARGUMENT;
        }
        if (strcmp(g->profile, "*") == 0)
            total += g->count > 0 ? g->count : profiles->count;
        else
            total += g->count;
        if (g->profile[0] != '\0' && strcmp(g->profile, "*") != 0 &&
            wt_sim_profiles_find(profiles, g->profile) == NULL) {
            rerr(r->err, "households '%s': profile '%s' is not among the %zu given", g->name,
                 g->profile, profiles->count);
            return WT_ERR_INVALID_ARGUMENT;
        }
    }
    if (total == 0) {
        rerr(r->err, "the scenario has no households");
        return WT_ERR_INVALID_ARGUMENT;
    }
    if (total > WT_SIM_HOMES_MAX) {
        rerr(r->err, "more than %d households", WT_SIM_HOMES_MAX);
        return WT_ERR_INVALID_ARGUMENT;
    }
    r->homes = calloc(total, sizeof *r->homes);
    r->by_key = calloc(total, sizeof *r->by_key);
    r->readings = calloc(total, sizeof *r->readings);
    r->res->households = calloc(total, sizeof *r->res->households);
    if (r->opts->signed_mode)
        r->home_keys = calloc(total, sizeof *r->home_keys);
    if (r->homes == NULL || r->by_key == NULL || r->readings == NULL ||
        r->res->households == NULL || (r->opts->signed_mode && r->home_keys == NULL)) {
        rerr(r->err, "out of memory for %zu households", total);
        return WT_ERR_NO_MEMORY;
    }
    r->homes_count = total;
    r->res->households_count = total;
    size_t i = 0;
    for (size_t gi = 0; gi < sc->groups_count; gi++) {
        const wt_sim_group *g = &sc->groups[gi];
        bool all = strcmp(g->profile, "*") == 0;
        size_t n = all && g->count == 0 ? profiles->count : g->count;
        for (size_t k = 0; k < n; k++, i++) {
            home *h = &r->homes[i];
            wt_sim_household *out = &r->res->households[i];
            h->group = (uint32_t)gi;
            h->g = g;
            h->strategy = g->strategy >= 0 ? &sc->strategies[g->strategy] : NULL;
            if (h->strategy != NULL && h->strategy->kind == WT_SIM_STRATEGY_NONE)
                h->strategy = NULL;
            if (all)
                h->profile = &profiles->items[k % profiles->count];
            else if (g->profile[0] != '\0')
                h->profile = wt_sim_profiles_find(profiles, g->profile);
            wt_sim_rng_seed(&h->rng, sc->seed, 0x10000 + i);
            /* homes differ: 0.6 .. 1.4 of the group's mean load */
            h->load_wh_per_day =
                (double)g->load_wh_per_day * (0.6 + 0.8 * wt_sim_rng_unit(&h->rng));
            h->load_noise = 1.0;
            h->pv_factor = 0.85 + 0.15 * wt_sim_rng_unit(&h->rng);
            int64_t bat_wh = g->battery_wh, bat_w = g->battery_w;
            uint32_t eff = g->battery_efficiency_ppm;
            h->pv_wp = g->pv_wp;
            if (h->profile != NULL) {
                if (g->pv_wp < 0)
                    h->pv_wp = h->profile->pv_wp; /* -1: as measured, size unknown */
                else if (g->pv_wp > 0 && h->profile->pv_wp <= 0) {
                    rerr(r->err,
                         "households '%s': profile '%s' gives no PV size to scale to pv_kwp "
                         "(leave pv_kwp out to replay its PV as measured, or 0 for none)",
                         g->name, h->profile->id);
                    return WT_ERR_INVALID_ARGUMENT;
                }
                if (bat_wh < 0)
                    bat_wh = h->profile->battery_wh;
                if (bat_w < 0)
                    bat_w = h->profile->battery_w;
                if ((g->battery_wh < 0 || g->battery_w < 0) &&
                    h->profile->battery_efficiency_ppm > 0)
                    eff = h->profile->battery_efficiency_ppm;
                if (bat_wh < 0 || bat_w < 0) {
                    rerr(r->err, "households '%s': profile '%s' gives no battery size", g->name,
                         h->profile->id);
                    return WT_ERR_INVALID_ARGUMENT;
                }
            }
            wt_sim_battery_init(&h->bat, bat_wh, bat_w, eff, g->soc_min_ppm, g->soc_max_ppm,
                                sc->params.interval_ms);
            char id[16];
            snprintf(id, sizeof id, "m%06u", (unsigned)i % 1000000u);
            WT_ASSERT(wt_meter_id_set(&h->meter_id, id) == WT_OK);
            snprintf(out->meter_id, sizeof out->meter_id, "%s", id);
            if (all)
                snprintf(out->name, sizeof out->name, "%s", h->profile->id);
            else
                snprintf(out->name, sizeof out->name, "%s-%zu", g->name, k + 1);
            out->group = (uint32_t)gi;
            out->zone = g->zone;
            out->pv_wp = h->pv_wp;
            out->battery_wh = h->bat.capacity_mwh / 1000;
            wt_seckey key;
            wt_err e = derive_key(r->ctx, &key, sc->seed, "home", (uint32_t)i);
            if (e != WT_OK) {
                rerr(r->err, "deriving a household key: %s", wt_errname(e));
                return e;
            }
            memcpy(h->key, key.pubkey, 32);
            if (r->home_keys != NULL)
                r->home_keys[i] = key;
            wt_seckey_wipe(&key);
            memcpy(r->by_key[i].key, h->key, 32);
            r->by_key[i].home = (uint32_t)i;
            wt_address_encode(out->address, h->key);
        }
    }
    qsort(r->by_key, total, sizeof *r->by_key, cmp_key_index);
    return WT_OK;
}

static wt_err setup_chain(run_ctx *r)
{
    const wt_sim_scenario *sc = r->sc;
    wt_err e;
    if ((e = derive_key(r->ctx, &r->operator_key, sc->seed, "operator", 0)) != WT_OK ||
        (e = derive_key(r->ctx, &r->issuer_key, sc->seed, "issuer", 0)) != WT_OK ||
        (e = derive_key(r->ctx, &r->utility_key, sc->seed, "utility", 0)) != WT_OK ||
        (e = derive_key(r->ctx, &r->gateway_key, sc->seed, "gateway", 0)) != WT_OK) {
        rerr(r->err, "deriving the chain's keys: %s", wt_errname(e));
        return e;
    }
    r->params = sc->params;
    memcpy(r->params.operator_key, r->operator_key.pubkey, 32);
    memcpy(r->params.issuer_key, r->issuer_key.pubkey, 32);
    memcpy(r->params.utility_key, r->utility_key.pubkey, 32);
    r->params.genesis_time_ms = sc->start_ms;
    const char *field = NULL;
    if ((e = wt_chain_params_validate(&r->params, &field)) != WT_OK) {
        rerr(r->err, "the scenario's chain is not valid: %s", field != NULL ? field : "?");
        return e;
    }
    if ((e = wt_state_create(&r->state, &r->params)) != WT_OK) {
        rerr(r->err, "creating the ledger state: %s", wt_errname(e));
        return e;
    }
    if (!r->opts->signed_mode)
        wt_state_hashing_off(r->state);
    wt_tariff_from_chain(&r->retail, &r->params, true);
    wt_tariff_from_chain(&r->feed_in, &r->params, false);
    int64_t now = sc->start_ms;
    wt_tx tx;
    wt_tx_init(&tx, WT_TX_REGISTER);
    tx.body.reg.kind = WT_TX_REGISTER_GATEWAY;
    memcpy(tx.body.reg.u.gateway.key, r->gateway_key.pubkey, 32);
    if ((e = apply(r, &tx, &r->operator_key, &r->operator_nonce, now, WT_SIM_TX_GATEWAY)))
        return e;
    for (size_t i = 0; i < r->homes_count; i++) {
        home *h = &r->homes[i];
        wt_tx_init(&tx, WT_TX_REGISTER);
        tx.body.reg.kind = WT_TX_REGISTER_METER;
        tx.body.reg.u.meter.meter_id = h->meter_id;
        memcpy(tx.body.reg.u.meter.owner, h->key, 32);
        tx.body.reg.u.meter.zone = h->g->zone;
        memcpy(tx.body.reg.u.meter.gateway, r->gateway_key.pubkey, 32);
        if ((e = apply(r, &tx, &r->operator_key, &r->operator_nonce, now, WT_SIM_TX_METER)))
            return e;
        if (sc->balance_micro > 0) {
            wt_tx_init(&tx, WT_TX_MINT);
            memcpy(tx.body.mint.to, h->key, 32);
            tx.body.mint.amount_micro = sc->balance_micro;
            if ((e = apply(r, &tx, &r->issuer_key, &r->issuer_nonce, now, WT_SIM_TX_MINT)))
                return e;
        }
        if (h->strategy != NULL && (e = send_standing(r, i, now)) != WT_OK)
            return e;
    }
    /* the utility's float, from which it pays feed-in before retail comes in */
    int64_t reserve =
        sc->balance_micro > 0 ? sc->balance_micro : INT64_C(1000000) * WT_MICRO_PER_UNIT;
    wt_tx_init(&tx, WT_TX_MINT);
    memcpy(tx.body.mint.to, r->utility_key.pubkey, 32);
    tx.body.mint.amount_micro = reserve;
    if ((e = apply(r, &tx, &r->issuer_key, &r->issuer_nonce, now, WT_SIM_TX_UTILITY_MINT)))
        return e;
    return WT_OK;
}

/* ------------------------------------------------------------ flows */

typedef struct {
    int64_t load, pv, ev, charge, discharge, loss;
} flows;

static void home_flows(run_ctx *r, home *h, flows *f, int64_t t_ms, double ghi, double sky)
{
    const wt_sim_scenario *sc = r->sc;
    int64_t dt = sc->params.interval_ms;
    memset(f, 0, sizeof *f);
    if (h->profile != NULL) {
        f->load = wt_sim_profile_cum_mwh(h->profile, false, t_ms + dt) -
                  wt_sim_profile_cum_mwh(h->profile, false, t_ms);
        int64_t pv = wt_sim_profile_cum_mwh(h->profile, true, t_ms + dt) -
                     wt_sim_profile_cum_mwh(h->profile, true, t_ms);
        /* the profile's PV is for its own size; another pv_kwp scales it */
        if (h->pv_wp == 0)
            pv = 0;
        else if (h->pv_wp > 0 && h->profile->pv_wp > 0 && h->pv_wp != h->profile->pv_wp)
            pv = (int64_t)((__int128)pv * h->pv_wp / h->profile->pv_wp);
        f->pv = pv;
    } else {
        /* noise: an AR(1) factor around 1, so a home's load wanders */
        double u = wt_sim_rng_unit(&h->rng) - 0.5;
        h->load_noise = 1.0 + 0.9 * (h->load_noise - 1.0) + 0.25 * u;
        if (h->load_noise < 0.2)
            h->load_noise = 0.2;
        double wh = h->load_wh_per_day * r->load_shape[h->g->kind] * 24.0 * ((double)dt / DAY_MS) *
                    h->load_noise;
        f->load = wt_sim_carry_mwh(&h->load_carry, wh);
        f->pv = wt_sim_carry_mwh(&h->pv_carry, wt_sim_pv_wh(h->pv_wp, ghi, sky * h->pv_factor, dt));
    }
    const wt_sim_group *g = h->g;
    if (g->ev_wh_per_day > 0) {
        int64_t local = t_ms + sc->utc_offset_ms;
        int64_t in_day = ((local % DAY_MS) + DAY_MS) % DAY_MS;
        int64_t arrive_ms = (int64_t)g->ev_arrive_min * 60000;
        if (in_day <= arrive_ms && arrive_ms < in_day + dt) /* it arrives: a new need */
            h->ev_need_mwh =
                (int64_t)((double)g->ev_wh_per_day * 1000.0 * (0.5 + wt_sim_rng_unit(&h->rng)));
        int64_t plugged = wt_sim_window_overlap_ms(g->ev_arrive_min, g->ev_depart_min, in_day, dt);
        if (plugged > 0 && h->ev_need_mwh > 0) {
            int64_t e = g->ev_w * plugged / 3600; /* W x ms -> mWh */
            if (e > h->ev_need_mwh)
                e = h->ev_need_mwh;
            f->ev = e;
            h->ev_need_mwh -= e;
        }
        int64_t depart_ms = (int64_t)g->ev_depart_min * 60000;
        if (in_day <= depart_ms && depart_ms < in_day + dt)
            h->ev_need_mwh = 0; /* it leaves with what it got */
    }
    /* the battery: self-consumption, or arbitrage against the last price */
    int64_t net = f->pv - f->load - f->ev;
    int64_t want = net;
    const wt_sim_strategy *st = h->strategy;
    if (st != NULL && st->kind == WT_SIM_STRATEGY_ARBITRAGE && r->last_price_micro_per_kwh > 0) {
        if (r->last_price_micro_per_kwh < st->charge_below_micro_per_kwh)
            want = h->bat.max_step_mwh;
        else if (r->last_price_micro_per_kwh > st->discharge_above_micro_per_kwh)
            want = -h->bat.max_step_mwh;
    }
    wt_sim_battery_step(&h->bat, &f->charge, &f->discharge, &f->loss, want);
    int64_t residual = net - f->charge + f->discharge;
    h->import_mwh = residual < 0 ? -residual : 0;
    h->export_mwh = residual > 0 ? residual : 0;
}

/* ------------------------------------------------------------ checks */

#define BALANCE(cond, ...)                                                                         \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            rerr(r->err, __VA_ARGS__);                                                             \
            return WT_ERR_SIM_BALANCE;                                                             \
        }                                                                                          \
    } while (0)

static wt_err baseline_bill(run_ctx *r, home *h, int64_t t_ms, int64_t *bill)
{
    *bill = 0;
    int64_t a = 0, b = 0;
    if (r->month != h->baseline_month) {
        h->baseline_month = r->month;
        h->baseline_month_used_mwh = 0;
    }
    wt_err e;
    if (h->import_mwh > 0 &&
        (e = wt_tariff_amount(&a, &r->retail, t_ms, h->baseline_month_used_mwh, h->import_mwh)))
        return e;
    if (h->export_mwh > 0 && (e = wt_tariff_amount(&b, &r->feed_in, t_ms, 0, h->export_mwh)))
        return e;
    h->baseline_month_used_mwh += h->import_mwh;
    *bill = a - b;
    return WT_OK;
}

/* ------------------------------------------------------------- loop */

static wt_err run_interval(run_ctx *r, uint64_t i)
{
    const wt_sim_scenario *sc = r->sc;
    int64_t dt = sc->params.interval_ms;
    int64_t t = sc->start_ms + (int64_t)i * dt;
    uint64_t n = (uint64_t)(t / dt);
    wt_sim_step *step = &r->res->steps[i];
    step->start_ms = t;
    wt_err e;
    /* 1. the strategies that change their limits do so during the interval */
    for (size_t k = 0; k < r->homes_count; k++) {
        home *h = &r->homes[k];
        if (h->strategy == NULL)
            continue;
        if (h->strategy->kind == WT_SIM_STRATEGY_ZIC) {
            if ((e = send_standing(r, k, t)) != WT_OK)
                return e;
        } else if (h->strategy->kind == WT_SIM_STRATEGY_TOD) {
            int64_t s, b;
            bool peak;
            strategy_limits(r, h, t, &s, &b, &peak);
            if (peak != h->peak && (e = send_standing(r, k, t)) != WT_OK)
                return e;
        }
    }
    /* 2. the homes' flows */
    double ghi = 0, sky = 0;
    bool synthetic = false;
    for (size_t k = 0; k < r->homes_count && !synthetic; k++)
        synthetic = r->homes[k].profile == NULL;
    int64_t local = t + sc->utc_offset_ms;
    if (synthetic) {
        ghi = wt_sim_clear_sky_ghi(t + dt / 2, (double)sc->latitude_udeg / 1e6,
                                   (double)sc->longitude_udeg / 1e6);
        int64_t day = local >= 0 ? local / DAY_MS : (local - DAY_MS + 1) / DAY_MS;
        sky = wt_sim_sky_factor(&r->sky, day);
        /* the synthetic load shapes at the interval's midpoint, once for all homes */
        double minute =
            (double)(((local % DAY_MS) + DAY_MS) % DAY_MS) / 60000.0 + (double)dt / 120000.0;
        for (int kind = 0; kind < 3; kind++)
            r->load_shape[kind] = wt_sim_load_shape_at((wt_sim_kind)kind, minute);
    }
    r->month = wt_chain_month_of(&r->params, n);
    size_t nread = 0;
    for (size_t k = 0; k < r->homes_count; k++) {
        home *h = &r->homes[k];
        wt_sim_household *out = &r->res->households[k];
        flows f;
        home_flows(r, h, &f, t, ghi, sky);
        BALANCE(f.load + f.ev + f.charge + h->export_mwh == f.pv + f.discharge + h->import_mwh,
                "interval %llu (%lld ms): household %s's energy does not balance",
                (unsigned long long)i, (long long)t, out->name);
        out->load_mwh += f.load;
        out->pv_mwh += f.pv;
        out->ev_mwh += f.ev;
        out->charge_mwh += f.charge;
        out->discharge_mwh += f.discharge;
        out->loss_mwh += f.loss;
        out->import_mwh += h->import_mwh;
        out->export_mwh += h->export_mwh;
        step->load_mwh += f.load;
        step->pv_mwh += f.pv;
        step->ev_mwh += f.ev;
        step->charge_mwh += f.charge;
        step->discharge_mwh += f.discharge;
        step->stored_mwh += h->bat.stored_mwh;
        step->import_mwh += h->import_mwh;
        step->export_mwh += h->export_mwh;
        r->res->kpis.battery_loss_mwh += f.loss;
        int64_t base;
        if ((e = baseline_bill(r, h, t, &base)) != WT_OK) {
            rerr(r->err, "interval %llu: the baseline bill of %s overflows", (unsigned long long)i,
                 out->name);
            return e;
        }
        out->baseline_bill_micro += base;
        if (h->import_mwh > 0 || h->export_mwh > 0) {
            wt_reading *rd = &r->readings[nread++];
            rd->meter_id = h->meter_id;
            rd->import_mwh = h->import_mwh;
            rd->export_mwh = h->export_mwh;
            rd->flags = 0;
        }
    }
    /* 3. the interval is over: the gateway's READINGS, then the SETTLE */
    int64_t now = t + dt;
    for (size_t at = 0; at < nread; at += WT_READINGS_MAX) {
        size_t count = nread - at < WT_READINGS_MAX ? nread - at : WT_READINGS_MAX;
        wt_tx tx;
        wt_tx_init(&tx, WT_TX_READINGS);
        tx.body.readings.interval = n;
        tx.body.readings.count = (uint16_t)count;
        tx.body.readings.entries = r->readings + at;
        if ((e = apply(r, &tx, &r->gateway_key, &r->gateway_nonce, now, WT_SIM_TX_READINGS)))
            return e;
    }
    wt_account util_before;
    wt_state_account(&util_before, r->state, r->utility_key.pubkey);
    double m0 = now_s();
    wt_settlement *s = NULL;
    e = wt_settle_compute(&s, r->state, n);
    r->res->match_seconds += now_s() - m0;
    if (e != WT_OK) {
        rerr(r->err, "interval %llu: the settlement failed: %s", (unsigned long long)i,
             wt_errname(e));
        return e;
    }
    wt_tx tx;
    if ((e = wt_settle_build_tx(&tx, r->state, s, now + EXPIRY_MS)) == WT_OK) {
        /* build_tx set sender and nonce; apply sets them again, the same */
        e = apply(r, &tx, &r->operator_key, &r->operator_nonce, now, WT_SIM_TX_SETTLE);
    } else
        rerr(r->err, "interval %llu: building the SETTLE: %s", (unsigned long long)i,
             wt_errname(e));
    if (e != WT_OK) {
        wt_settlement_free(s);
        return e;
    }
    /* 4. the rows into the households, and the balances */
    int64_t bought = 0, sold = 0, retail = 0, feed_in = 0, net = 0, rows_import = 0,
            rows_export = 0;
    for (size_t k = 0; k < s->rows_count; k++) {
        const wt_settle_row *row = &s->rows[k];
        const key_index *ki = find_key(r, row->account);
        BALANCE(ki != NULL, "interval %llu: a settlement row for an account that is no household",
                (unsigned long long)i);
        wt_sim_household *out = &r->res->households[ki->home];
        out->bought_p2p_mwh += row->bought_p2p_mwh;
        out->sold_p2p_mwh += row->sold_p2p_mwh;
        out->bill_micro += row->retail_unpaid_micro - row->net_micro;
        out->unpaid_micro += row->retail_unpaid_micro;
        bought += row->bought_p2p_mwh;
        sold += row->sold_p2p_mwh;
        retail += row->retail_mwh;
        feed_in += row->feed_in_mwh;
        net += row->net_micro;
        rows_import += row->import_mwh;
        rows_export += row->export_mwh;
        r->res->kpis.fee_micro += row->grid_fee_micro;
        r->res->kpis.unpaid_micro += row->retail_unpaid_micro;
    }
    BALANCE(bought == sold, "interval %llu: P2P energy bought %lld != sold %lld mWh",
            (unsigned long long)i, (long long)bought, (long long)sold);
    BALANCE(rows_import == step->import_mwh && rows_export == step->export_mwh,
            "interval %llu: the settlement's energy (import %lld, export %lld mWh) is not the "
            "meters' (import %lld, export %lld mWh)",
            (unsigned long long)i, (long long)rows_import, (long long)rows_export,
            (long long)step->import_mwh, (long long)step->export_mwh);
    BALANCE(step->import_mwh == bought + retail && step->export_mwh == sold + feed_in,
            "interval %llu: import != P2P + grid import or export != P2P + grid export",
            (unsigned long long)i);
    BALANCE(step->load_mwh + step->ev_mwh + step->charge_mwh + feed_in ==
                step->pv_mwh + step->discharge_mwh + retail,
            "interval %llu: the community's energy does not balance (load + EV + charge + grid "
            "export != PV + discharge + grid import)",
            (unsigned long long)i);
    wt_account util_after;
    wt_state_account(&util_after, r->state, r->utility_key.pubkey);
    BALANCE(util_after.balance_micro - util_before.balance_micro + net == 0,
            "interval %llu: money is not conserved: the households' net %lld and the utility's "
            "change %lld do not cancel",
            (unsigned long long)i, (long long)net,
            (long long)(util_after.balance_micro - util_before.balance_micro));
    wt_state_totals tot;
    wt_state_totals_get(&tot, r->state);
    BALANCE(tot.balances_micro + tot.holds_micro == tot.minted_micro - tot.burned_micro,
            "interval %llu: balances + holds != minted - burned", (unsigned long long)i);
    step->p2p_mwh = bought;
    step->p2p_amount_micro = s->amount_micro;
    step->grid_import_mwh = retail;
    step->grid_export_mwh = feed_in;
    step->price_micro_per_kwh = s->price_micro_per_kwh;
    if (bought > 0)
        r->last_price_micro_per_kwh = s->price_micro_per_kwh;
    wt_settlement_free(s);
    return WT_OK;
}

static int64_t ratio_ppm(int64_t part, int64_t whole)
{
    if (whole <= 0)
        return 0;
    return (int64_t)((__int128)part * 1000000 / whole);
}

static void finish_kpis(run_ctx *r, int64_t stored_start, int64_t util_start)
{
    wt_sim_result *res = r->res;
    wt_sim_kpis *k = &res->kpis;
    int64_t dt = r->sc->params.interval_ms;
    for (size_t i = 0; i < res->steps_count; i++) {
        const wt_sim_step *s = &res->steps[i];
        k->load_mwh += s->load_mwh;
        k->pv_mwh += s->pv_mwh;
        k->ev_mwh += s->ev_mwh;
        k->p2p_mwh += s->p2p_mwh;
        k->p2p_amount_micro += s->p2p_amount_micro;
        k->grid_import_mwh += s->grid_import_mwh;
        k->grid_export_mwh += s->grid_export_mwh;
        k->battery_charge_mwh += s->charge_mwh;
        k->battery_discharge_mwh += s->discharge_mwh;
        int64_t mw = (int64_t)((__int128)s->grid_import_mwh * 3600000 / dt);
        if (mw > k->peak_grid_import_mw)
            k->peak_grid_import_mw = mw;
    }
    k->battery_stored_start_mwh = stored_start;
    k->battery_stored_end_mwh = 0;
    for (size_t i = 0; i < r->homes_count; i++) {
        k->battery_stored_end_mwh += r->homes[i].bat.stored_mwh;
        k->bill_micro += res->households[i].bill_micro;
        k->baseline_bill_micro += res->households[i].baseline_bill_micro;
    }
    int64_t demand = k->load_mwh + k->ev_mwh;
    k->self_sufficiency_ppm = demand > 0 ? 1000000 - ratio_ppm(k->grid_import_mwh, demand) : 0;
    k->self_consumption_ppm =
        k->pv_mwh > 0 ? 1000000 - ratio_ppm(k->grid_export_mwh, k->pv_mwh) : 0;
    k->avg_p2p_price_micro_per_kwh =
        k->p2p_mwh > 0 ? (int64_t)((__int128)k->p2p_amount_micro * MWH_PER_KWH / k->p2p_mwh) : 0;
    wt_account util;
    wt_state_account(&util, r->state, r->utility_key.pubkey);
    k->utility_revenue_micro = util.balance_micro - util_start;
    k->intervals = res->steps_count;
    k->households = r->homes_count;
    k->transactions = r->txs;
}

wt_err wt_sim_run(wt_sim_result **out, wt_sim_error *err, const wt_sim_scenario *sc,
                  const wt_sim_opts *opts)
{
    *out = NULL;
    memset(err, 0, sizeof *err);
    double t0 = now_s();
    run_ctx r;
    memset(&r, 0, sizeof r);
    r.sc = sc;
    r.opts = opts;
    r.err = err;
    wt_err e = WT_ERR_NO_MEMORY;
    uint64_t intervals = wt_sim_scenario_intervals(sc);
    r.res = calloc(1, sizeof *r.res);
    if (r.res == NULL || intervals == 0 || intervals > WT_SIM_INTERVALS_MAX) {
        e = r.res == NULL ? WT_ERR_NO_MEMORY : WT_ERR_INVALID_ARGUMENT;
        rerr(err, r.res == NULL ? "out of memory" : "the scenario has no intervals to run");
        goto fail;
    }
    r.res->steps = calloc(intervals, sizeof *r.res->steps);
    if (r.res->steps == NULL) {
        rerr(err, "out of memory for %llu intervals", (unsigned long long)intervals);
        goto fail;
    }
    r.res->steps_count = intervals;
    if ((e = wt_ctx_create(&r.ctx)) != WT_OK) {
        rerr(err, "libsecp256k1: %s", wt_errname(e));
        goto fail;
    }
    wt_sim_rng_seed(&r.strategy_rng, sc->seed, 0x57a7);
    wt_sim_sky_init(&r.sky, sc->seed, sc->clear_days_ppm);
    if ((e = build_homes(&r)) != WT_OK || (e = setup_chain(&r)) != WT_OK)
        goto fail;
    int64_t stored_start = 0;
    for (size_t i = 0; i < r.homes_count; i++)
        stored_start += r.homes[i].bat.stored_mwh;
    wt_account util;
    wt_state_account(&util, r.state, r.utility_key.pubkey);
    uint64_t every = intervals / 100 > 0 ? intervals / 100 : 1;
    for (uint64_t i = 0; i < intervals; i++) {
        if ((e = run_interval(&r, i)) != WT_OK)
            goto fail;
        if (opts->progress != NULL && ((i + 1) % every == 0 || i + 1 == intervals))
            opts->progress(opts->progress_arg, i + 1, intervals);
    }
    finish_kpis(&r, stored_start, util.balance_micro);
    {
        wt_sim_kpis *k = &r.res->kpis;
        int64_t change = k->battery_stored_end_mwh - k->battery_stored_start_mwh;
        if (k->battery_charge_mwh - k->battery_discharge_mwh != k->battery_loss_mwh + change) {
            rerr(err,
                 "over the run: battery charge - discharge (%lld mWh) != loss + change of stored "
                 "energy (%lld mWh)",
                 (long long)(k->battery_charge_mwh - k->battery_discharge_mwh),
                 (long long)(k->battery_loss_mwh + change));
            e = WT_ERR_SIM_BALANCE;
            goto fail;
        }
    }
    r.res->seconds = now_s() - t0;
    *out = r.res;
    r.res = NULL;
    e = WT_OK;
fail:
    wt_sim_result_free(r.res);
    if (r.home_keys != NULL) {
        for (size_t i = 0; i < r.homes_count; i++)
            wt_seckey_wipe(&r.home_keys[i]);
        free(r.home_keys);
    }
    wt_seckey_wipe(&r.operator_key);
    wt_seckey_wipe(&r.issuer_key);
    wt_seckey_wipe(&r.utility_key);
    wt_seckey_wipe(&r.gateway_key);
    wt_state_destroy(r.state);
    wt_ctx_destroy(r.ctx);
    free(r.homes);
    free(r.by_key);
    free(r.readings);
    return e;
}

void wt_sim_result_free(wt_sim_result *result)
{
    if (result == NULL)
        return;
    free(result->households);
    free(result->steps);
    free(result);
}
