/*
 * test_aggregate.c — cumulative registers to interval energy: steady
 * telegrams, exact boundary splits, gaps filled linearly and flagged, meter
 * reboot and replacement, rollover, duplicates, conflicts, out-of-order and
 * too-late telegrams, deadline closes, clock skew, the registers of a parsed
 * reading, and a seeded property test that every mWh is emitted exactly once.
 */
#include "meter.h"
#include "testutil.h"

#include <string.h>

#define EMITS_MAX 4096

typedef struct {
    size_t count;
    uint64_t interval[EMITS_MAX];
    int64_t import_mwh[EMITS_MAX], export_mwh[EMITS_MAX];
    uint8_t flags[EMITS_MAX];
} emits;

static emits got;

static void collect(void *arg, uint64_t interval, int64_t import_mwh, int64_t export_mwh,
                    uint8_t flags)
{
    emits *e = arg;
    assert_true(e->count < EMITS_MAX);
    if (e->count > 0)
        assert_true(interval == e->interval[e->count - 1] + 1); /* in order, no hole */
    e->interval[e->count] = interval;
    e->import_mwh[e->count] = import_mwh;
    e->export_mwh[e->count] = export_mwh;
    e->flags[e->count] = flags;
    e->count++;
}

static const wt_agg_config cfg = {.interval_ms = 60000, .max_gap_ms = 300000};

static wt_agg_outcome feed(wt_agg_meter *m, const wt_agg_config *c, int64_t t_ms, int64_t imp,
                           int64_t exp)
{
    wt_agg_outcome o;
    assert_int_equal(wt_agg_sample(m, &o, c, t_ms, imp, exp, collect, &got), WT_OK);
    return o;
}

static void reset(wt_agg_meter *m)
{
    memset(&got, 0, sizeof got);
    wt_agg_meter_init(m);
}

/* t0: an interval start far from 0, so interval numbers are realistic */
#define T0 (INT64_C(1764000000000) / 60000 * 60000)
#define K0 ((uint64_t)(T0 / 60000))

static void steady_telegrams(void **state)
{
    (void)state;
    wt_agg_meter m;
    reset(&m);
    /* a telegram every 10 s, 1 Wh import per telegram, 0.5 Wh export */
    int64_t imp = 5000000, exp = 200000;
    assert_int_equal(feed(&m, &cfg, T0 + 5000, imp, exp), WT_AGG_FIRST);
    for (int64_t t = T0 + 15000; t < T0 + 3 * 60000 + 1000; t += 10000) {
        imp += 1000;
        exp += 500;
        assert_int_equal(feed(&m, &cfg, t, imp, exp), WT_AGG_ACCEPTED);
    }
    /* samples at 5,15,...,175 s: interval 0 (first, partial) and 1 done */
    assert_int_equal(got.count, 2);
    assert_int_equal(got.interval[0], K0);
    assert_int_equal(got.flags[0], WT_READING_ESTIMATED); /* first interval: partial */
    /* interval 0 holds 5..60 s: 5 whole telegram spans + half of the 55..65 span */
    assert_int_equal(got.import_mwh[0], 5500);
    assert_int_equal(got.export_mwh[0], 2750);
    assert_int_equal(got.interval[1], K0 + 1);
    assert_int_equal(got.flags[1], 0);
    assert_int_equal(got.import_mwh[1], 6000);
    assert_int_equal(got.export_mwh[1], 3000);
    /* the deadline closes interval 2 with what is known: estimated */
    wt_agg_close(&m, &cfg, K0 + 3, collect, &got);
    assert_int_equal(got.count, 3);
    assert_int_equal(got.import_mwh[2], 5500); /* 60..175 s */
    assert_int_equal(got.flags[2], WT_READING_ESTIMATED);
    /* closing again emits nothing more */
    wt_agg_close(&m, &cfg, K0 + 3, collect, &got);
    assert_int_equal(got.count, 3);
}

static void boundary_sample_exact(void **state)
{
    (void)state;
    wt_agg_meter m;
    reset(&m);
    feed(&m, &cfg, T0, 0, 0);
    feed(&m, &cfg, T0 + 30000, 300, 0);
    feed(&m, &cfg, T0 + 60000, 700, 0); /* exactly at the end of interval 0 */
    assert_int_equal(got.count, 1);
    assert_int_equal(got.import_mwh[0], 700);
    feed(&m, &cfg, T0 + 120000, 1000, 0);
    assert_int_equal(got.count, 2);
    assert_int_equal(got.import_mwh[1], 300);
    assert_int_equal(got.flags[1], 0);
}

static void gap_linear_split(void **state)
{
    (void)state;
    wt_agg_meter m;
    reset(&m);
    feed(&m, &cfg, T0 + 40000, 1000, 0);
    feed(&m, &cfg, T0 + 50000, 1100, 0);
    /* silent for 200 s: 50 s .. 250 s, 2000 mWh */
    assert_int_equal(feed(&m, &cfg, T0 + 250000, 3100, 0), WT_AGG_ACCEPTED);
    assert_int_equal(got.count, 4);
    assert_int_equal(got.import_mwh[0], 100 + 100); /* 40..50 + 10 s of the gap */
    assert_int_equal(got.import_mwh[1], 600);
    assert_int_equal(got.import_mwh[2], 600);
    assert_int_equal(got.import_mwh[3], 600);
    for (int i = 1; i < 4; i++)
        assert_int_equal(got.flags[i], WT_READING_ESTIMATED); /* no sample inside */
    /* the rest (100) is in interval 4, which the sample at 250 s lies in */
    assert_int_equal(m.cur_import_mwh, 100);
    assert_int_equal(m.cur_interval, K0 + 4);
    assert_true(m.cur_has_sample);
    /* uneven split: 10 mWh over 3 intervals of a 180 s span adds up exactly */
    feed(&m, &cfg, T0 + 300000, 3100, 0); /* interval 5 starts clean */
    feed(&m, &cfg, T0 + 480000, 3110, 0);
    int64_t sum = 0;
    for (size_t i = 4; i < got.count; i++)
        sum += got.import_mwh[i];
    sum += m.cur_import_mwh;
    assert_int_equal(sum, 100 + 10);
}

static void long_span_is_estimate(void **state)
{
    (void)state;
    wt_agg_meter m;
    reset(&m);
    wt_agg_config c = cfg;
    c.interval_ms = 900000; /* 15 minutes */
    feed(&m, &c, T0 + 1000, 0, 0);
    feed(&m, &c, T0 + 900000 + 1000, 900, 0);    /* completes interval 0 */
    feed(&m, &c, T0 + 900000 + 500000, 1400, 0); /* a 499 s span: estimate */
    feed(&m, &c, T0 + 1800000, 2000, 0);         /* exactly at the boundary */
    assert_int_equal(got.count, 2);
    assert_int_equal(got.flags[1], WT_READING_ESTIMATED);
    feed(&m, &c, T0 + 2100000, 2100, 0); /* 300 s spans are not estimates */
    feed(&m, &c, T0 + 2400000, 2200, 0);
    feed(&m, &c, T0 + 2700000, 3000, 0);
    assert_int_equal(got.count, 3);
    assert_int_equal(got.flags[2], 0);
}

static void reboot_restarts_baseline(void **state)
{
    (void)state;
    wt_agg_meter m;
    reset(&m);
    feed(&m, &cfg, T0 + 1000, 500000, 7000);
    feed(&m, &cfg, T0 + 61000, 501000, 7000);
    /* replaced meter: registers start near zero */
    assert_int_equal(feed(&m, &cfg, T0 + 121000, 20, 0), WT_AGG_REBOOT);
    assert_int_equal(m.reboots, 1);
    feed(&m, &cfg, T0 + 181000, 520, 10);
    feed(&m, &cfg, T0 + 241000, 1020, 10);
    assert_int_equal(got.count, 4);
    /* 1..61 s: 1000 mWh, 59/60 in interval 0; the reboot span 61..121 s counts 0 */
    assert_int_equal(got.import_mwh[0], 983);
    assert_int_equal(got.import_mwh[1], 17);
    assert_int_equal(got.flags[1], WT_READING_ESTIMATED);
    /* interval 2 holds the reboot span's tail: estimated */
    assert_int_equal(got.flags[2], WT_READING_ESTIMATED);
    assert_int_equal(got.flags[3], 0);
    /* after the reboot, counting restarts from the new registers: 1000 mWh */
    assert_int_equal(got.import_mwh[2] + got.import_mwh[3] + m.cur_import_mwh, 1000);
    assert_int_equal(got.import_mwh[3], 9 + 491);
    /* export alone going backwards is a reboot too */
    assert_int_equal(feed(&m, &cfg, T0 + 301000, 1100, 5), WT_AGG_REBOOT);
}

static void rollover(void **state)
{
    (void)state;
    wt_agg_meter m;
    reset(&m);
    wt_agg_config c = cfg;
    c.register_modulus_mwh = INT64_C(1000000000000); /* 999999.999 kWh registers */
    feed(&m, &c, T0 + 1000, INT64_C(999999999000), 0);
    assert_int_equal(feed(&m, &c, T0 + 61000, 500, 0), WT_AGG_ROLLOVER);
    assert_int_equal(m.rollovers, 1);
    feed(&m, &c, T0 + 121000, 1500, 0);
    assert_int_equal(got.count, 2);
    assert_int_equal(got.import_mwh[0] + got.import_mwh[1] + m.cur_import_mwh, 1500 + 1000);
    /* a drop from mid-range is not a rollover but a reboot */
    assert_int_equal(feed(&m, &c, T0 + 181000, 1000, 0), WT_AGG_REBOOT);
    /* without a modulus every drop is a reboot */
    reset(&m);
    feed(&m, &cfg, T0 + 1000, INT64_C(999999999000), 0);
    assert_int_equal(feed(&m, &cfg, T0 + 61000, 500, 0), WT_AGG_REBOOT);
}

static void duplicates_and_order(void **state)
{
    (void)state;
    wt_agg_meter m;
    reset(&m);
    feed(&m, &cfg, T0 + 1000, 100, 0);
    feed(&m, &cfg, T0 + 11000, 200, 0);
    assert_int_equal(feed(&m, &cfg, T0 + 11000, 200, 0), WT_AGG_DUPLICATE);
    assert_int_equal(feed(&m, &cfg, T0 + 11000, 250, 0), WT_AGG_CONFLICT);
    assert_int_equal(feed(&m, &cfg, T0 + 6000, 150, 0), WT_AGG_OUT_OF_ORDER);
    assert_int_equal(m.duplicates, 2);
    assert_int_equal(m.out_of_order, 1);
    assert_int_equal(m.base_import_mwh, 200);
    feed(&m, &cfg, T0 + 61000, 800, 0);
    assert_int_equal(got.count, 1);
    assert_int_equal(got.import_mwh[0], 100 + 588); /* 1..11 s, then 49/50 of 600 */
    /* a telegram of an interval already closed is too late */
    wt_agg_close(&m, &cfg, K0 + 2, collect, &got);
    assert_int_equal(feed(&m, &cfg, T0 + 100000, 900, 0), WT_AGG_TOO_LATE);
    reset(&m);
    feed(&m, &cfg, T0 + 1000, 100, 0);
    wt_agg_close(&m, &cfg, K0 + 2, collect, &got);
    assert_int_equal(feed(&m, &cfg, T0 + 100000, 900, 0), WT_AGG_TOO_LATE);
    assert_int_equal(m.base_import_mwh, 100);
}

static void close_then_resume_conserves(void **state)
{
    (void)state;
    wt_agg_meter m;
    reset(&m);
    feed(&m, &cfg, T0 + 1000, 1000, 0);
    feed(&m, &cfg, T0 + 31000, 1300, 0);
    /* silent; the deadline for intervals 0..2 passes */
    wt_agg_close(&m, &cfg, K0 + 3, collect, &got);
    assert_int_equal(got.count, 3);
    assert_int_equal(got.import_mwh[0], 300);
    assert_int_equal(got.import_mwh[1], 0);
    assert_int_equal(got.import_mwh[2], 0);
    for (int i = 0; i < 3; i++)
        assert_int_equal(got.flags[i], WT_READING_ESTIMATED);
    /* back at 3 min 30 s: the 900 mWh since 31 s spread over 180..210 s */
    feed(&m, &cfg, T0 + 210000, 2200, 0);
    assert_int_equal(m.cur_import_mwh, 900);
    feed(&m, &cfg, T0 + 240000, 2500, 0);
    assert_int_equal(got.count, 4);
    assert_int_equal(got.import_mwh[3], 1200);
    /* a meter that never spoke emits nothing */
    reset(&m);
    wt_agg_close(&m, &cfg, K0 + 3, collect, &got);
    assert_int_equal(got.count, 0);
}

static void huge_jump_restarts(void **state)
{
    (void)state;
    wt_agg_meter m;
    reset(&m);
    feed(&m, &cfg, T0 + 1000, 1000, 0);
    int64_t far = T0 + (int64_t)(WT_AGG_FILL_INTERVALS_MAX + 5) * 60000;
    assert_int_equal(feed(&m, &cfg, far, 5000, 0), WT_AGG_RESTART);
    assert_int_equal(got.count, 1);
    assert_int_equal(got.flags[0], WT_READING_ESTIMATED);
    assert_int_equal(m.cur_interval, (uint64_t)(far / 60000));
    assert_int_equal(m.base_import_mwh, 5000);
}

static void bad_input_changes_nothing(void **state)
{
    (void)state;
    wt_agg_meter m;
    reset(&m);
    feed(&m, &cfg, T0 + 1000, 1000, 0);
    wt_agg_meter before = m;
    wt_agg_outcome o;
    assert_int_equal(wt_agg_sample(&m, &o, &cfg, T0 + 2000, -1, 0, collect, &got),
                     WT_ERR_INVALID_ARGUMENT);
    assert_int_equal(wt_agg_sample(&m, &o, &cfg, T0 + 2000, 1, -5, collect, &got),
                     WT_ERR_INVALID_ARGUMENT);
    assert_int_equal(wt_agg_sample(&m, &o, &cfg, 0, 1, 0, collect, &got), WT_ERR_INVALID_ARGUMENT);
    assert_int_equal(wt_agg_sample(&m, &o, &cfg, T0 + 2000, INT64_MAX, 0, collect, &got),
                     WT_ERR_INVALID_ARGUMENT);
    wt_agg_config c = cfg;
    c.interval_ms = 0;
    assert_int_equal(wt_agg_sample(&m, &o, &c, T0 + 2000, 1, 0, collect, &got),
                     WT_ERR_INVALID_ARGUMENT);
    c = cfg;
    c.max_gap_ms = 0;
    assert_int_equal(wt_agg_config_check(&c), WT_ERR_INVALID_ARGUMENT);
    c = cfg;
    c.register_modulus_mwh = -1;
    assert_int_equal(wt_agg_config_check(&c), WT_ERR_INVALID_ARGUMENT);
    c.register_modulus_mwh = 0;
    c.interval_ms = INT64_MAX / 2;
    assert_int_equal(wt_agg_config_check(&c), WT_ERR_INVALID_ARGUMENT);
    assert_memory_equal(&before, &m, sizeof m);
    assert_int_equal(got.count, 0);
    assert_string_equal(wt_agg_outcome_name(WT_AGG_REBOOT), "reboot");
    assert_string_equal(wt_agg_outcome_name((wt_agg_outcome)99), "unknown");
}

static void clock_skew(void **state)
{
    (void)state;
    bool skewed = true;
    assert_int_equal(wt_agg_sample_time(&skewed, true, 1000500, 1000000, 2000), 1000500);
    assert_false(skewed);
    assert_int_equal(wt_agg_sample_time(&skewed, true, 999000, 1000000, 2000), 999000);
    assert_int_equal(wt_agg_sample_time(&skewed, true, 1003001, 1000000, 2000), 1000000);
    assert_true(skewed);
    assert_int_equal(wt_agg_sample_time(&skewed, true, 900000, 1000000, 2000), 1000000);
    assert_true(skewed);
    assert_int_equal(wt_agg_sample_time(&skewed, false, 5, 1000000, 2000), 1000000);
    assert_false(skewed);
    assert_int_equal(wt_agg_sample_time(&skewed, true, INT64_MIN, INT64_MAX, 2000), INT64_MAX);
    assert_true(skewed);
}

static void add_value(wt_meter_reading *r, wt_obis o, uint8_t unit, int64_t v)
{
    wt_meter_value *x = &r->values[r->values_count++];
    memset(x, 0, sizeof *x);
    x->obis = o;
    x->kind = WT_METER_VALUE_INT;
    x->unit = unit;
    x->value_int = v;
}

static void registers_of_reading(void **state)
{
    (void)state;
    static wt_meter_reading r;
    int64_t imp = -1, exp = -1;
    memset(&r, 0, sizeof r);
    assert_int_equal(wt_agg_registers(&imp, &exp, &r), WT_ERR_NOT_FOUND);
    assert_int_equal(imp, 0);
    /* DSMR: two tariffs each way, plus power that must not count */
    add_value(&r, wt_obis_make(1, 0, 1, 8, 1), WT_UNIT_MWH, 4426000);
    add_value(&r, wt_obis_make(1, 0, 1, 8, 2), WT_UNIT_MWH, 2000000);
    add_value(&r, wt_obis_make(1, 0, 2, 8, 1), WT_UNIT_MWH, 10);
    add_value(&r, wt_obis_make(1, 0, 2, 8, 2), WT_UNIT_MWH, 20);
    add_value(&r, wt_obis_make(1, 0, 1, 7, 0), WT_UNIT_MW, 999);
    add_value(&r, wt_obis_make(0, 1, 24, 2, 1), WT_UNIT_DM3, 999);
    assert_int_equal(wt_agg_registers(&imp, &exp, &r), WT_OK);
    assert_int_equal(imp, 6426000);
    assert_int_equal(exp, 30);
    /* a total register wins over the tariffs (SML 1.8.0 next to 1.8.1) */
    add_value(&r, wt_obis_make(1, 0, 1, 8, 0), WT_UNIT_MWH, 7000000);
    assert_int_equal(wt_agg_registers(&imp, &exp, &r), WT_OK);
    assert_int_equal(imp, 7000000);
    assert_int_equal(exp, 30);
    /* import only: export 0 */
    memset(&r, 0, sizeof r);
    add_value(&r, wt_obis_make(1, 0, 1, 8, 0), WT_UNIT_MWH, 5);
    assert_int_equal(wt_agg_registers(&imp, &exp, &r), WT_OK);
    assert_int_equal(exp, 0);
    /* export only (an inverter): import 0 */
    memset(&r, 0, sizeof r);
    add_value(&r, wt_obis_make(1, 0, 2, 8, 0), WT_UNIT_MWH, 29708760000);
    assert_int_equal(wt_agg_registers(&imp, &exp, &r), WT_OK);
    assert_int_equal(imp, 0);
    assert_int_equal(exp, 29708760000);
    /* power alone is no register */
    memset(&r, 0, sizeof r);
    add_value(&r, wt_obis_make(1, 0, 2, 7, 0), WT_UNIT_MW, 5);
    assert_int_equal(wt_agg_registers(&imp, &exp, &r), WT_ERR_NOT_FOUND);
    memset(&r, 0, sizeof r);
    add_value(&r, wt_obis_make(1, 0, 1, 8, 0), WT_UNIT_MWH, 5);
    /* a negative register is bad */
    add_value(&r, wt_obis_make(1, 0, 2, 8, 0), WT_UNIT_MWH, -5);
    assert_int_equal(wt_agg_registers(&imp, &exp, &r), WT_ERR_BAD_METER_VALUE);
    /* tariffs that overflow */
    memset(&r, 0, sizeof r);
    add_value(&r, wt_obis_make(1, 0, 1, 8, 1), WT_UNIT_MWH, INT64_MAX);
    add_value(&r, wt_obis_make(1, 0, 1, 8, 2), WT_UNIT_MWH, 1);
    assert_int_equal(wt_agg_registers(&imp, &exp, &r), WT_ERR_OVERFLOW);
}

/* Random telegram streams (jitter, gaps, duplicates, out-of-order, closes):
 * the emitted energy plus the open interval always equals the register
 * growth since the first sample, intervals come in order, each once. */
static void property_conservation(void **state)
{
    (void)state;
    wt_test_rng rng;
    wt_test_rng_init(&rng, wt_test_seed(0x7a11e7));
    for (int round = 0; round < 200; round++) {
        wt_agg_meter m;
        reset(&m);
        wt_agg_config c = cfg;
        c.interval_ms = wt_test_rng_range(&rng, 1, 4) * 30000;
        int64_t t = T0 + wt_test_rng_range(&rng, 0, 100000);
        int64_t imp = wt_test_rng_range(&rng, 0, 1000000000), exp = 0;
        int64_t imp0 = imp, exp0 = exp;
        feed(&m, &c, t, imp, exp);
        int64_t prev_t = t, prev_imp = imp, prev_exp = exp;
        for (int i = 0; i < 100; i++) {
            int64_t r = wt_test_rng_range(&rng, 0, 99);
            if (r < 5) { /* a duplicate */
                assert_int_equal(feed(&m, &c, prev_t, prev_imp, prev_exp), WT_AGG_DUPLICATE);
                continue;
            }
            if (r < 10) { /* an old telegram */
                wt_agg_outcome o = feed(&m, &c, prev_t - 1, prev_imp / 2, 0);
                assert_true(o == WT_AGG_OUT_OF_ORDER || o == WT_AGG_TOO_LATE);
                continue;
            }
            if (r < 15) { /* a deadline */
                wt_agg_close(&m, &c, (uint64_t)(prev_t / c.interval_ms), collect, &got);
                continue;
            }
            t = prev_t + (r < 25 ? wt_test_rng_range(&rng, 60000, 600000)
                                 : wt_test_rng_range(&rng, 1, 20000));
            imp = prev_imp + wt_test_rng_range(&rng, 0, 5000);
            exp = prev_exp + wt_test_rng_range(&rng, 0, 3000);
            wt_agg_outcome o = feed(&m, &c, t, imp, exp);
            assert_true(o == WT_AGG_ACCEPTED);
            prev_t = t;
            prev_imp = imp;
            prev_exp = exp;
        }
        int64_t s_imp = m.cur_import_mwh, s_exp = m.cur_export_mwh;
        for (size_t i = 0; i < got.count; i++) {
            assert_true(got.import_mwh[i] >= 0 && got.export_mwh[i] >= 0);
            s_imp += got.import_mwh[i];
            s_exp += got.export_mwh[i];
        }
        assert_int_equal(s_imp, prev_imp - imp0);
        assert_int_equal(s_exp, prev_exp - exp0);
        if (got.count > 0)
            assert_int_equal(got.interval[got.count - 1] + 1, m.cur_interval);
    }
}

int main(void)
{
    wt_test_route_asserts();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(steady_telegrams),
        cmocka_unit_test(boundary_sample_exact),
        cmocka_unit_test(gap_linear_split),
        cmocka_unit_test(long_span_is_estimate),
        cmocka_unit_test(reboot_restarts_baseline),
        cmocka_unit_test(rollover),
        cmocka_unit_test(duplicates_and_order),
        cmocka_unit_test(close_then_resume_conserves),
        cmocka_unit_test(huge_jump_restarts),
        cmocka_unit_test(bad_input_changes_nothing),
        cmocka_unit_test(clock_skew),
        cmocka_unit_test(registers_of_reading),
        cmocka_unit_test(property_conservation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
