/*
 * aggregate.c — cumulative meter registers to per-interval energy (see
 * meter.h "interval aggregation" for the model). Pure: no clock, no I/O.
 */
#include "meter.h"

#include <string.h>

/* Registers above 10^17 mWh (100 TWh) are refused, so every sum of a few
 * deltas stays far below INT64_MAX and no arithmetic here can overflow. */
#define AGG_REGISTER_MAX INT64_C(100000000000000000)

const char *wt_agg_outcome_name(wt_agg_outcome outcome)
{
    switch (outcome) {
    case WT_AGG_ACCEPTED:
        return "accepted";
    case WT_AGG_FIRST:
        return "first";
    case WT_AGG_DUPLICATE:
        return "duplicate";
    case WT_AGG_CONFLICT:
        return "conflict";
    case WT_AGG_OUT_OF_ORDER:
        return "out_of_order";
    case WT_AGG_TOO_LATE:
        return "too_late";
    case WT_AGG_REBOOT:
        return "reboot";
    case WT_AGG_ROLLOVER:
        return "rollover";
    case WT_AGG_RESTART:
        return "restart";
    }
    return "unknown";
}

void wt_agg_meter_init(wt_agg_meter *meter)
{
    WT_ASSERT(meter != NULL);
    memset(meter, 0, sizeof *meter);
}

wt_err wt_agg_config_check(const wt_agg_config *config)
{
    if (config == NULL || config->interval_ms <= 0 || config->max_gap_ms <= 0 ||
        config->register_modulus_mwh < 0 || config->register_modulus_mwh > AGG_REGISTER_MAX)
        return WT_ERR_INVALID_ARGUMENT;
    /* a span of WT_AGG_FILL_INTERVALS_MAX intervals must fit int64 ms */
    if (config->interval_ms > INT64_MAX / (WT_AGG_FILL_INTERVALS_MAX + 2))
        return WT_ERR_INVALID_ARGUMENT;
    return WT_OK;
}

/* The register delta old → now; false when it went backwards (not a rollover). */
static bool register_delta(int64_t *delta, bool *rolled, const wt_agg_config *config,
                           int64_t old_mwh, int64_t now_mwh)
{
    *delta = 0;
    if (now_mwh >= old_mwh) {
        *delta = now_mwh - old_mwh;
        return true;
    }
    int64_t m = config->register_modulus_mwh;
    if (m > 0 && old_mwh < m && old_mwh >= m / 10 * 9 && now_mwh < m / 10) {
        *delta = now_mwh + (m - old_mwh);
        *rolled = true;
        return true;
    }
    return false;
}

/* share of delta for [a, b) within the span [from, from + len): cumulative floor */
static int64_t share(int64_t delta, int64_t from, int64_t len, int64_t a, int64_t b)
{
    if (len <= 0)
        return delta;
    int64_t hi = 0, lo = 0;
    wt_err e1 = wt_muldiv_i64(&hi, delta, b - from, len);
    wt_err e2 = wt_muldiv_i64(&lo, delta, a - from, len);
    WT_ASSERT(e1 == WT_OK && e2 == WT_OK);
    return hi - lo;
}

static void finish_current(wt_agg_meter *m, wt_agg_emit_fn emit, void *arg, uint8_t extra_flags)
{
    uint8_t flags = (uint8_t)(m->cur_flags | extra_flags);
    if (!m->cur_has_sample)
        flags |= WT_READING_ESTIMATED;
    if (emit != NULL)
        emit(arg, m->cur_interval, m->cur_import_mwh, m->cur_export_mwh, flags);
    m->cur_interval++;
    m->cur_import_mwh = 0;
    m->cur_export_mwh = 0;
    m->cur_flags = 0;
    m->cur_has_sample = false;
}

static void set_base(wt_agg_meter *m, int64_t t_ms, int64_t import_mwh, int64_t export_mwh)
{
    m->have_base = true;
    m->base_t_ms = t_ms;
    m->base_import_mwh = import_mwh;
    m->base_export_mwh = export_mwh;
}

wt_err wt_agg_sample(wt_agg_meter *meter, wt_agg_outcome *outcome, const wt_agg_config *config,
                     int64_t t_ms, int64_t import_mwh, int64_t export_mwh, wt_agg_emit_fn emit,
                     void *arg)
{
    if (outcome != NULL)
        *outcome = WT_AGG_ACCEPTED;
    if (meter == NULL || outcome == NULL || wt_agg_config_check(config) != WT_OK || t_ms <= 0 ||
        import_mwh < 0 || export_mwh < 0 || import_mwh > AGG_REGISTER_MAX ||
        export_mwh > AGG_REGISTER_MAX)
        return WT_ERR_INVALID_ARGUMENT;
    const int64_t iv = config->interval_ms;
    const uint64_t k_t = (uint64_t)(t_ms / iv);

    if (!meter->have_base) {
        set_base(meter, t_ms, import_mwh, export_mwh);
        meter->cur_interval = k_t;
        meter->cur_import_mwh = meter->cur_export_mwh = 0;
        meter->cur_flags = WT_READING_ESTIMATED; /* energy before the first sample is unknown */
        meter->cur_has_sample = true;
        *outcome = WT_AGG_FIRST;
        return WT_OK;
    }
    if (t_ms < meter->base_t_ms) {
        meter->out_of_order++;
        *outcome = WT_AGG_OUT_OF_ORDER;
        return WT_OK;
    }
    if (t_ms == meter->base_t_ms) {
        meter->duplicates++;
        *outcome = (import_mwh == meter->base_import_mwh && export_mwh == meter->base_export_mwh)
                       ? WT_AGG_DUPLICATE
                       : WT_AGG_CONFLICT;
        return WT_OK;
    }
    if (k_t < meter->cur_interval) {
        meter->out_of_order++;
        *outcome = WT_AGG_TOO_LATE;
        return WT_OK;
    }

    int64_t d_imp = 0, d_exp = 0;
    bool rolled = false;
    bool reboot = !register_delta(&d_imp, &rolled, config, meter->base_import_mwh, import_mwh) ||
                  !register_delta(&d_exp, &rolled, config, meter->base_export_mwh, export_mwh);
    if (reboot) {
        d_imp = d_exp = 0;
        meter->reboots++;
        *outcome = WT_AGG_REBOOT;
    } else if (rolled) {
        meter->rollovers++;
        *outcome = WT_AGG_ROLLOVER;
    }

    if (k_t - meter->cur_interval > WT_AGG_FILL_INTERVALS_MAX) {
        /* a jump too long to fill (a clock set years ahead, a meter off for
         * months): close what is open and start again at the sample */
        finish_current(meter, emit, arg, WT_READING_ESTIMATED);
        meter->cur_interval = k_t;
        meter->cur_flags = WT_READING_ESTIMATED;
        meter->cur_has_sample = true;
        set_base(meter, t_ms, import_mwh, export_mwh);
        *outcome = WT_AGG_RESTART;
        return WT_OK;
    }

    const int64_t cur_start = (int64_t)meter->cur_interval * iv;
    const int64_t from = meter->base_t_ms > cur_start ? meter->base_t_ms : cur_start;
    const int64_t len = t_ms - from;
    const bool long_span = t_ms - meter->base_t_ms > config->max_gap_ms;
    const uint8_t span_flags = (long_span || reboot) ? WT_READING_ESTIMATED : 0;

    while (meter->cur_interval <= k_t) {
        int64_t a = (int64_t)meter->cur_interval * iv;
        int64_t b = a + iv;
        if (a < from)
            a = from;
        if (b > t_ms)
            b = t_ms;
        meter->cur_import_mwh += share(d_imp, from, len, a, b);
        meter->cur_export_mwh += share(d_exp, from, len, a, b);
        if (b > a)
            meter->cur_flags |= span_flags;
        if (meter->cur_interval == k_t)
            break;
        finish_current(meter, emit, arg, 0);
    }
    meter->cur_has_sample = true;
    set_base(meter, t_ms, import_mwh, export_mwh);
    return WT_OK;
}

void wt_agg_close(wt_agg_meter *meter, const wt_agg_config *config, uint64_t before,
                  wt_agg_emit_fn emit, void *arg)
{
    WT_ASSERT(meter != NULL && config != NULL);
    if (!meter->have_base)
        return;
    while (meter->cur_interval < before)
        finish_current(meter, emit, arg, WT_READING_ESTIMATED);
}

int64_t wt_agg_sample_time(bool *skewed, bool has_meter_time, int64_t meter_t_ms,
                           int64_t received_t_ms, int64_t max_skew_ms)
{
    if (skewed != NULL)
        *skewed = false;
    if (!has_meter_time)
        return received_t_ms;
    int64_t diff = 0;
    if (wt_sub_i64(&diff, meter_t_ms, received_t_ms) == WT_OK && diff <= max_skew_ms &&
        diff >= -max_skew_ms)
        return meter_t_ms;
    if (skewed != NULL)
        *skewed = true;
    return received_t_ms;
}

wt_err wt_agg_registers(int64_t *import_mwh, int64_t *export_mwh, const wt_meter_reading *reading)
{
    WT_ASSERT(import_mwh != NULL && export_mwh != NULL && reading != NULL);
    *import_mwh = 0;
    *export_mwh = 0;
    int64_t total[2] = {0, 0}, tariffs[2] = {0, 0};
    bool has_total[2] = {false, false}, has_tariffs[2] = {false, false};
    for (uint32_t i = 0; i < reading->values_count; i++) {
        const wt_meter_value *v = &reading->values[i];
        if (v->kind != WT_METER_VALUE_INT || v->unit != WT_UNIT_MWH)
            continue;
        if (v->obis.a != 1 || v->obis.b != 0 || (v->obis.c != 1 && v->obis.c != 2) ||
            v->obis.d != 8 || v->obis.e > 9)
            continue;
        if (v->value_int < 0)
            return WT_ERR_BAD_METER_VALUE;
        int side = v->obis.c == 1 ? 0 : 1;
        if (v->obis.e == 0) {
            total[side] = v->value_int;
            has_total[side] = true;
        } else {
            wt_err err = wt_add_i64(&tariffs[side], tariffs[side], v->value_int);
            if (err != WT_OK)
                return err;
            has_tariffs[side] = true;
        }
    }
    if (!has_total[0] && !has_tariffs[0] && !has_total[1] && !has_tariffs[1])
        return WT_ERR_NOT_FOUND;
    *import_mwh = has_total[0] ? total[0] : (has_tariffs[0] ? tariffs[0] : 0);
    *export_mwh = has_total[1] ? total[1] : (has_tariffs[1] ? tariffs[1] : 0);
    return WT_OK;
}
