/*
 * test_sim.c — the simulator (sim.h): scenario files and their errors with
 * line numbers, the profile importers on small hand-written files, the
 * models, the hand-checked street of twelve homes, determinism (same seed:
 * the same bytes; --signed: the same outputs as fast mode), every example
 * balanced, and wattle-sim as a user runs it.
 *
 * argv[1]: the source root (examples/, tests/sim/data/); argv[2]: wattle-sim.
 */
#include "model.h"
#include "sim.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *root, *sim_exe;
static char tmp_dir[256];

static char *path_in(const char *dir, const char *name)
{
    static char buf[8][1024];
    static int k;
    k = (k + 1) % 8;
    char d[512];
    snprintf(d, sizeof d, "%s", dir); /* dir may be an earlier result */
    snprintf(buf[k], sizeof buf[k], "%s/%s", d, name);
    return buf[k];
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
    assert_int_equal(fclose(f), 0);
}

/* ------------------------------------------------------------ scenario */

static const char minimal[] = "[scenario]\n"
                              "start = 2026-06-15\n"
                              "duration = 1d\n"
                              "interval = 15m\n"
                              "[zone street]\n"
                              "[households h]\n"
                              "count = 3\n"
                              "zone = street\n";

static void scenario_defaults(void **state)
{
    (void)state;
    wt_sim_scenario sc;
    wt_sim_error err;
    assert_int_equal(wt_sim_scenario_parse(&sc, &err, minimal, strlen(minimal), "m.ini"), WT_OK);
    assert_int_equal(wt_sim_scenario_intervals(&sc), 96);
    /* local midnight in Seoul (the default offset) */
    assert_int_equal(sc.start_ms, INT64_C(1781449200000));
    assert_int_equal(sc.params.retail_micro_per_kwh, 150 * WT_MICRO_PER_UNIT);
    assert_int_equal(sc.params.feed_in_micro_per_kwh, 60 * WT_MICRO_PER_UNIT);
    assert_int_equal(sc.latitude_udeg, 37566500);
    assert_int_equal(sc.groups_count, 1);
    assert_int_equal(sc.groups[0].count, 3);
    assert_int_equal(sc.groups[0].strategy, -1);
    assert_false(sc.needs_profiles);
    /* spaces inside the brackets are the same section */
    static const char spaced[] = "[ scenario ]\nstart = 2026-06-15\nduration = 1d\n"
                                 "interval = 15m\n[ zone  street ]\nfee = 2\n";
    assert_int_equal(wt_sim_scenario_parse(&sc, &err, spaced, strlen(spaced), "s.ini"), WT_OK);
    assert_int_equal(sc.params.zones[0].fee_micro_per_kwh, 2 * WT_MICRO_PER_UNIT);
}

typedef struct {
    const char *text;
    int line;
    const char *needle;
} bad_case;

static void scenario_errors(void **state)
{
    (void)state;
    static const bad_case cases[] = {
        {"[scenario]\nstart = 2026-02-30\n", 2, "local date"},
        {"[scenario]\nstart = 2026-06-15\nduration = 1d\ninterval = 7m\n[zone a]\n", 1,
         "must be a multiple of the interval"}, /* 7 minutes: Seoul midnight is a multiple, duration
                                                   is not */
        {"[scenario]\nstart = 2026-06-15\nduration = 1d\ninterval = 0s\n", 4, "interval"},
        {"[scenario]\nbogus = 1\n", 2, "unknown key 'bogus'"},
        {"[scenario]\n[weather]\n", 2, "unknown section [weather]"},
        {"[scenario]\n[zone]\n", 2, "needs a name"},
        {"[scenario]\n[zone a b]\n", 2, "needs a name"},
        {"[scenario]\n[market\n", 2, "closing ']'"},
        {"[scenario]\nstart 2026\n", 2, "key = value"},
        {"[scenario]\n[scenario]\n", 2, "given twice (first on line 1)"},
        {"[scenario]\nseed = -4\n", 2, "whole number"},
        {"[scenario]\nlatitude = 91\n", 2, "-90..90"},
        {"[scenario]\nutc_offset = +9\n", 2, "+09:00"},
        {"[scenario]\nclear_days = 1.5\n", 2, "0 to 1"},
        {"[market]\nmechanism = dutch\n[scenario]\n", 2, "pay-as-clear or pay-as-bid"},
        {"[market]\nmechanism = pay-as-bid\nk = 0.3\n[scenario]\n", 3, "pay-as-clear only"},
        {"[tariff]\nretail = cheap\n[scenario]\n", 2, "price in U-Coin"},
        {"[tariff]\nretail_tou = 0-8:90,8-23:150\n[scenario]\n", 2, "hour 23 has no price"},
        {"[tariff]\nretail_tou = 0-8:90,7-24:150\n[scenario]\n", 2, "hour 7 is given twice"},
        {"[tariff]\nretail_tiers = 200:120,100:215,*:307\n[scenario]\n", 2, "ascend"},
        {"[tariff]\nretail_tiers = 200:120,400:215\n[scenario]\n", 2, "'*:PRICE'"},
        {"[tariff]\nretail_tou = 0-24:90\nretail_tiers = 200:1,*:2\n[scenario]\n", 3,
         "already has a kind"},
        {"[scenario]\n[zone a]\n[zone b]\nparent = c\n", 4, "not defined above"},
        {"[scenario]\n[zone a]\nfee = -1\n", 3, "grid fee"},
        {"[scenario]\n[strategy s]\nkind = clever\n", 3, "fixed, zic"},
        {"[scenario]\n[strategy s]\npeak_hours = 22-17\n", 3, "FROM-TO"},
        {"[scenario]\n[households h]\nzone = nowhere\n", 3, "zone 'nowhere' is not defined"},
        {"[scenario]\n[zone a]\n[households h]\nstrategy = x\n", 4, "strategy 'x'"},
        {"[scenario]\n[households h]\ncount = 100001\n", 3, "number of households"},
        {"[scenario]\n[households h]\nkind = factory\n", 3, "home, shop or vending"},
        {"[scenario]\n[households h]\nbattery_efficiency = 0\n", 3, "above 0"},
        {"[scenario]\n[households h]\nev_arrive = 25:00\n", 3, "HH:MM"},
        {"[scenario]\n[households h]\nprofile = a/b\n", 3, "profile id"},
        {"[scenario]\nstart = 2026-06-15\ninterval = 15m\n", 1, "needs duration"},
        {"[scenario]\nstart = 2026-06-15\nduration = 1d\ninterval = 15m\n", 0, "[zone NAME]"},
        {"[scenario]\nstart = 2026-06-15\nduration = 1d\ninterval = 15m\n[zone a]\n[zone b]\n", 6,
         "needs a parent"},
        {"[scenario]\nstart = 2026-06-15\nduration = 1d\ninterval = 15m\n[zone a]\n"
         "[households h]\nzone = a\n",
         6, "needs count"},
        {"[scenario]\nstart = 2026-06-15\nduration = 1d\ninterval = 15m\n[zone a]\n"
         "[households h]\ncount = 1\n",
         6, "needs zone"},
        {"[scenario]\nstart = 2026-06-15\nduration = 1d\ninterval = 15m\n[zone a]\n"
         "[households h]\ncount = 1\nzone = a\nbattery_kwh = 5\n",
         6, "needs both battery_kwh and battery_kw"},
        {"[scenario]\nstart = 2026-06-15\nduration = 1d\ninterval = 15m\n[zone a]\n"
         "[households h]\ncount = 1\nzone = a\nsoc_min = 0.9\nsoc_max = 0.2\n",
         6, "soc_min is above soc_max"},
        {"[scenario]\nstart = 2026-06-15\nduration = 1d\ninterval = 15m\n[zone a]\n"
         "[households h]\ncount = 1\nzone = a\nev_kwh_per_day = 5\n",
         6, "an EV needs ev_kw"},
        {"[scenario]\nstart = 2026-06-15\nduration = 1d\ninterval = 15m\n[zone a]\n"
         "[households h]\ncount = 1\nzone = a\npv_kwp = profile\n",
         6, "need a profile"},
        {"[scenario]\nstart = 2026-06-15\nduration = 1d\ninterval = 15m\n[zone a]\n"
         "[strategy z]\nkind = zic\nlow = 150\nhigh = 60\n",
         6, "low is above high"},
        {"[scenario]\nstart = 2026-06-15\nduration = 1d\ninterval = 15m\n[zone a]\n"
         "[strategy s]\nsell_min = 5000\n",
         6, "above the ceiling"},
        /* found by fuzz_scenario: headers libinih and the first pass read differently */
        {"[scenario]\nname = a\n  [zone a]\n", 3, "beginning of its line"},
        {"[scenario]\nname = "
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa[zone b]\n",
         2, "longer than 198"},
        {"[scenario]\nname = x\0y\n", 0, "NUL"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        wt_sim_scenario sc;
        wt_sim_error err;
        const char *text = cases[i].text;
        size_t len = strlen(text);
        if (strstr(cases[i].needle, "NUL") != NULL)
            len = sizeof "[scenario]\nname = x\0y\n" - 1;
        wt_err e = wt_sim_scenario_parse(&sc, &err, text, len, "bad.ini");
        if (e != WT_ERR_INVALID_ARGUMENT || err.line != cases[i].line ||
            strstr(err.message, cases[i].needle) == NULL)
            fail_msg("case %zu: got %s, line %d, '%s'; want line %d and '%s'", i, wt_errname(e),
                     err.line, err.message, cases[i].line, cases[i].needle);
        /* the message names the file and, when there is one, the line */
        char prefix[32];
        snprintf(prefix, sizeof prefix,
                 cases[i].line > 0 ? "bad.ini:%d: " : "bad.ini: ", cases[i].line);
        assert_memory_equal(err.message, prefix, strlen(prefix));
        assert_int_equal(sc.groups_count, 0); /* nothing half-parsed */
    }
    wt_sim_scenario sc;
    wt_sim_error err;
    /* found by fuzz_scenario: a line of 199 characters and its '\n' passed the
     * length check, libinih split it, and the error named line 6 of 5 */
    char text[512];
    for (int len = 198; len <= 199; len++) {
        char comment[256];
        memset(comment, 'c', (size_t)len - 1); /* a ';' and this make len characters */
        comment[len - 1] = '\0';
        int n = snprintf(text, sizeof text, ";%s\n[scenario]\nname = x\nstart", comment);
        assert_int_equal(wt_sim_scenario_parse(&sc, &err, text, (size_t)n, "long.ini"),
                         WT_ERR_INVALID_ARGUMENT);
        if (len == 198) /* fits: the error is the bare key on line 4 */
            assert_non_null(strstr(err.message, "long.ini:4: not a 'key = value' line"));
        else
            assert_non_null(strstr(err.message, "long.ini:1: the line is longer than 198"));
    }
    assert_int_equal(wt_sim_scenario_load(&sc, &err, "/nonexistent/s.ini"), WT_ERR_IO);
    assert_non_null(strstr(err.message, "/nonexistent/s.ini"));
}

/* ------------------------------------------------------------ profiles */

static void profiles_long_csv(void **state)
{
    (void)state;
    char *p = path_in(tmp_dir, "long.csv");
    write_text(p, "home_id,timestamp,load_kwh,pv_kwh\r\n"
                  "a,2026-06-15T00:00:00Z,1.5,0\r\n"
                  "a,2026-06-15T01:00:00Z,0.25,2.000000001\r\n"
                  "b,1781481600,3,1e-3\n"
                  "b,1781485200,0,0.5E+1\n");
    wt_sim_profiles pr;
    wt_sim_error err;
    assert_int_equal(wt_sim_profiles_load(&pr, &err, p, 0), WT_OK);
    assert_int_equal(pr.count, 2);
    const wt_sim_profile *a = wt_sim_profiles_find(&pr, "a"), *b = wt_sim_profiles_find(&pr, "b");
    assert_non_null(a);
    assert_non_null(b);
    assert_null(wt_sim_profiles_find(&pr, "c"));
    assert_int_equal(a->step_ms, 3600000);
    assert_int_equal(a->t0_ms, INT64_C(1781481600000));
    assert_int_equal(b->t0_ms, INT64_C(1781481600000));
    assert_int_equal(a->count, 2);
    assert_int_equal(a->cum_load_uwh[2], INT64_C(1750000000));
    assert_int_equal(a->cum_pv_uwh[2], INT64_C(2000000001)); /* 1 µWh kept */
    assert_int_equal(b->cum_pv_uwh[2], INT64_C(5001000000));
    assert_int_equal(a->pv_wp, -1);
    /* resampling: 15-minute intervals of the first hour carry a quarter each */
    int64_t t0 = a->t0_ms, q = 900000;
    for (int k = 0; k < 4; k++)
        assert_int_equal(wt_sim_profile_cum_mwh(a, false, t0 + (k + 1) * q) -
                             wt_sim_profile_cum_mwh(a, false, t0 + k * q),
                         375000);
    /* any interval: the run's sum is the source's, repeated after its end */
    int64_t sum = 0;
    for (int64_t t = t0; t < t0 + 4 * 3600000; t += 7 * 60000)
        sum +=
            wt_sim_profile_cum_mwh(a, false, t + 7 * 60000) - wt_sim_profile_cum_mwh(a, false, t);
    assert_int_equal(wt_sim_profile_cum_mwh(a, false, t0 + 2 * 3600000), 1750000);
    assert_int_equal(wt_sim_profile_cum_mwh(a, false, t0 + 4 * 3600000), 3500000);
    assert_int_equal(wt_sim_profile_cum_mwh(a, false, t0 - 2 * 3600000), -1750000);
    /* 35 intervals of 7 minutes: 245 minutes, the series twice (3.5 kWh) and 5
     * minutes of its first hour again (1.5 kWh x 5/60) */
    assert_int_equal(sum, 3625000);
    wt_sim_profiles_free(&pr);

    static const struct {
        const char *text;
        int line;
        const char *needle;
    } bad[] = {
        {"", 1, "empty"},
        {"id,ts,load,pv\n", 1, "header"},
        {"home_id,timestamp,load_kwh,pv_kwh\n", 1, "no rows"},
        {"home_id,timestamp,load_kwh,pv_kwh\na,2026-06-15T00:00Z,1,0\n", 2, "single row"},
        {"home_id,timestamp,load_kwh,pv_kwh\na,2026-06-15T00:00Z,1\n", 2, "4 fields"},
        {"home_id,timestamp,load_kwh,pv_kwh\na,yesterday,1,0\n", 2, "timestamp 'yesterday'"},
        {"home_id,timestamp,load_kwh,pv_kwh\na,2026-06-15T00:00Z,-1,0\n", 2, "load_kwh '-1'"},
        {"home_id,timestamp,load_kwh,pv_kwh\na,2026-06-15T00:00Z,1,x\n", 2, "pv_kwh 'x'"},
        {"home_id,timestamp,load_kwh,pv_kwh\na,2026-06-15T00:00Z,1,2000000\n", 2, "pv_kwh"},
        {"home_id,timestamp,load_kwh,pv_kwh\na b,2026-06-15T00:00Z,1,0\n", 2, "home_id 'a b'"},
        {"home_id,timestamp,load_kwh,pv_kwh\na,2026-06-15T00:00Z,1,0\na,2026-06-15T01:00Z,1,0\n"
         "a,2026-06-15T03:00Z,1,0\n",
         4, "a step of 7200 s"},
        {"home_id,timestamp,load_kwh,pv_kwh\na,2026-06-15T01:00Z,1,0\na,2026-06-15T00:00Z,1,0\n", 3,
         "ascend"},
        {"home_id,timestamp,load_kwh,pv_kwh\na,2026-06-15T00:00Z,1,0\na,2026-06-15T01:00Z,1,0\n"
         "b,2026-06-15T00:00Z,1,0\na,2026-06-15T02:00Z,1,0\n",
         5, "appears again"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        write_text(p, bad[i].text);
        wt_err e = wt_sim_profiles_load(&pr, &err, p, 0);
        if (e != WT_ERR_INVALID_ARGUMENT || err.line != bad[i].line ||
            strstr(err.message, bad[i].needle) == NULL || strstr(err.message, "long.csv") == NULL)
            fail_msg("case %zu: %s line %d '%s'", i, wt_errname(e), err.line, err.message);
        assert_int_equal(pr.count, 0);
    }
    assert_int_equal(wt_sim_profiles_load(&pr, &err, path_in(tmp_dir, "missing.csv"), 0),
                     WT_ERR_IO);
}

static void profiles_citylearn(void **state)
{
    (void)state;
    char *dir = path_in(tmp_dir, "citylearn");
    mkdir(dir, 0777);
    write_text(path_in(dir, "schema.json"),
               "{\"seconds_per_time_step\": 3600, \"buildings\": {"
               "\"Building_10\": {\"include\": true, \"energy_simulation\": \"b10.csv\","
               " \"pv\": {\"attributes\": {\"nominal_power\": 2.5}}},"
               "\"Building_2\": {\"include\": true, \"energy_simulation\": \"b2.csv\","
               " \"pv\": {\"attributes\": {\"nominal_power\": 4.0}},"
               " \"electrical_storage\": {\"attributes\": {\"capacity\": 6.4,"
               " \"nominal_power\": 5.0, \"efficiency\": 0.9}}},"
               "\"Building_3\": {\"include\": false, \"energy_simulation\": \"none.csv\"}}}");
    write_text(path_in(dir, "b2.csv"), "month,hour,non_shiftable_load,solar_generation\n"
                                       "7,24,2.2758,0.0\n8,1,0.85116667,250.5\n");
    write_text(path_in(dir, "b10.csv"), "month,hour,non_shiftable_load,solar_generation\n"
                                        "7,24,1,100\n8,1,1,,\n");
    wt_sim_profiles pr;
    wt_sim_error err;
    /* b10.csv's second row has one field too many */
    assert_int_equal(wt_sim_profiles_load(&pr, &err, dir, 1000), WT_ERR_INVALID_ARGUMENT);
    assert_int_equal(err.line, 3);
    assert_non_null(strstr(err.message, "b10.csv:3:"));
    write_text(path_in(dir, "b10.csv"), "month,hour,non_shiftable_load,solar_generation\n"
                                        "7,24,1,100\n8,1,1,\n");
    assert_int_equal(wt_sim_profiles_load(&pr, &err, dir, 1000), WT_ERR_INVALID_ARGUMENT);
    assert_non_null(strstr(err.message, "solar_generation ''"));
    write_text(path_in(dir, "b10.csv"), "month,hour,non_shiftable_load,solar_generation\n"
                                        "7,24,1,100\n8,1,1,0\n");
    assert_int_equal(wt_sim_profiles_load(&pr, &err, dir, 1000), WT_OK);
    assert_int_equal(pr.count, 2);
    /* sorted by the building's number, not as text */
    assert_string_equal(pr.items[0].id, "Building_2");
    assert_string_equal(pr.items[1].id, "Building_10");
    const wt_sim_profile *b2 = &pr.items[0];
    assert_int_equal(b2->t0_ms, 1000);
    assert_int_equal(b2->pv_wp, 4000);
    assert_int_equal(b2->battery_wh, 6400);
    assert_int_equal(b2->battery_w, 5000);
    assert_int_equal(b2->battery_efficiency_ppm, 900000);
    assert_int_equal(b2->cum_load_uwh[2], INT64_C(3126966670));
    /* 250.5 W per kW x 4 kW for an hour = 1002 Wh */
    assert_int_equal(b2->cum_pv_uwh[2], INT64_C(1002000000));
    assert_int_equal(pr.items[1].battery_wh, 0);
    assert_int_equal(pr.items[1].cum_pv_uwh[1], INT64_C(250000000));
    wt_sim_profiles_free(&pr);
    write_text(path_in(dir, "schema.json"), "{\"buildings\": [1, 2]}");
    assert_int_equal(wt_sim_profiles_load(&pr, &err, dir, 0), WT_ERR_INVALID_ARGUMENT);
    assert_non_null(strstr(err.message, "buildings"));
    write_text(path_in(dir, "schema.json"), "{\"buildings\": {");
    assert_int_equal(wt_sim_profiles_load(&pr, &err, dir, 0), WT_ERR_INVALID_ARGUMENT);
    assert_non_null(strstr(err.message, "not JSON"));
}

/* -------------------------------------------------------------- models */

static void models(void **state)
{
    (void)state;
    wt_sim_battery b;
    /* 10 kWh, 4 kW, 15 minutes: at most 1 kWh a step; 90%; SoC 10..90% */
    wt_sim_battery_init(&b, 10000, 4000, 900000, 100000, 900000, 900000);
    assert_int_equal(b.max_step_mwh, 1000000);
    assert_int_equal(b.stored_mwh, 5000000);
    int64_t c, d, loss, stored0 = b.stored_mwh, sum_c = 0, sum_d = 0, sum_loss = 0;
    wt_sim_battery_step(&b, &c, &d, &loss, 3000000);
    assert_int_equal(c, 1000000);
    assert_int_equal(d, 0);
    assert_int_equal(loss, 100000);
    assert_int_equal(b.stored_mwh, 5900000);
    sum_c += c, sum_loss += loss;
    for (int k = 0; k < 10; k++) { /* fills to 9 kWh and stops there */
        wt_sim_battery_step(&b, &c, &d, &loss, 777777);
        sum_c += c, sum_loss += loss;
        assert_true(b.stored_mwh <= 9000000);
    }
    assert_true(b.stored_mwh > 9000000 - 10);
    for (int k = 0; k < 12; k++) { /* empties to 1 kWh */
        wt_sim_battery_step(&b, &c, &d, &loss, -5000000);
        assert_true(d <= 1000000);
        sum_d += d;
    }
    assert_int_equal(b.stored_mwh, 1000000);
    assert_int_equal(sum_c - sum_d, sum_loss + b.stored_mwh - stored0);
    wt_sim_battery none;
    wt_sim_battery_init(&none, 0, 0, 900000, 0, 1000000, 900000);
    wt_sim_battery_step(&none, &c, &d, &loss, 5000);
    assert_int_equal(c + d + loss, 0);

    /* EV window 18:00 -> 07:00 */
    int64_t h = 3600000;
    assert_int_equal(wt_sim_window_overlap_ms(18 * 60, 7 * 60, 17 * h, h), 0);
    assert_int_equal(wt_sim_window_overlap_ms(18 * 60, 7 * 60, 18 * h, h), h);
    assert_int_equal(wt_sim_window_overlap_ms(18 * 60, 7 * 60, 6 * h + h / 2, h), h / 2);
    assert_int_equal(wt_sim_window_overlap_ms(18 * 60, 7 * 60, 23 * h, h), h);
    assert_int_equal(wt_sim_window_overlap_ms(9 * 60, 17 * 60, 0, 24 * h), 8 * h);

    /* carry: 1000 x 0.3337 Wh = 333.7 Wh, to the mWh */
    double carry = 0;
    int64_t total = 0;
    for (int k = 0; k < 1000; k++)
        total += wt_sim_carry_mwh(&carry, 0.3337);
    assert_true(total == 333700 || total == 333699);

    /* the sun: none at Seoul midnight, most near local noon in June */
    assert_true(wt_sim_clear_sky_ghi(INT64_C(1781449200000), 37.5665, 126.978) == 0.0);
    double noon =
        wt_sim_clear_sky_ghi(INT64_C(1781449200000) + 12 * h + 30 * 60000, 37.5665, 126.978);
    assert_true(noon > 850 && noon < 1050);
    /* the random stream is the same for a seed */
    wt_sim_rng r1, r2;
    wt_sim_rng_seed(&r1, 7, 1);
    wt_sim_rng_seed(&r2, 7, 1);
    for (int k = 0; k < 100; k++)
        assert_int_equal(wt_sim_rng_next(&r1), wt_sim_rng_next(&r2));
    wt_sim_rng_seed(&r2, 7, 2);
    assert_int_not_equal(wt_sim_rng_next(&r1), wt_sim_rng_next(&r2));
}

/* ---------------------------------------------------------------- runs */

static wt_sim_result *run_file(const char *scenario, const char *profiles, bool signed_mode,
                               wt_sim_scenario *sc, int64_t max_duration_ms)
{
    wt_sim_error err;
    if (wt_sim_scenario_load(sc, &err, scenario) != WT_OK)
        fail_msg("%s", err.message);
    if (max_duration_ms > 0 && sc->duration_ms > max_duration_ms)
        sc->duration_ms = max_duration_ms;
    wt_sim_profiles pr = {0};
    if (profiles != NULL && wt_sim_profiles_load(&pr, &err, profiles, sc->start_ms) != WT_OK)
        fail_msg("%s", err.message);
    wt_sim_opts opts = {.signed_mode = signed_mode, .profiles = profiles != NULL ? &pr : NULL};
    wt_sim_result *res = NULL;
    wt_err e = wt_sim_run(&res, &err, sc, &opts);
    wt_sim_profiles_free(&pr);
    if (e != WT_OK)
        fail_msg("%s: %s (%s)", scenario, err.message, wt_errname(e));
    return res;
}

/*
 * The street worked out by hand: twelve homes use 1 kWh every hour; h01..h03
 * make 3 kWh of PV in each of the hours 10..14. Every home stands at sell
 * >= 80, buy <= 140: pay-as-clear with k = 0.5 clears at 110. In each sunny
 * hour 3 x 2 kWh are offered and 9 x 1 kWh wanted: 6 kWh trade, 3 come from
 * the grid. Over the day: load 288 kWh, PV 45, P2P 5 x 6 = 30 kWh for 3,300
 * U; meters import 3 x 19 + 9 x 24 = 273 kWh, so the grid 273 - 30 = 243
 * kWh (36,450 U at 150) and exports nothing. Without the market: 273 x 150
 * - 30 x 60 = 39,150 U. A sunny home pays 19 x 150 - 10 x 110 = 1,750 U
 * (2,250 without the market). Peak import: 12 homes x 1 kW = 12 kW.
 */
static void street_hand_checked(void **state)
{
    (void)state;
    wt_sim_scenario sc;
    wt_sim_result *res =
        run_file(path_in(root, "tests/sim/data/street-12-hand.ini"),
                 path_in(root, "tests/sim/data/street-12-hand.csv"), false, &sc, 0);
    const wt_sim_kpis *k = &res->kpis;
    const int64_t kwh = 1000000, u = WT_MICRO_PER_UNIT;
    assert_int_equal(k->households, 12);
    assert_int_equal(k->intervals, 96);
    assert_int_equal(k->load_mwh, 288 * kwh);
    assert_int_equal(k->pv_mwh, 45 * kwh);
    assert_int_equal(k->p2p_mwh, 30 * kwh);
    assert_int_equal(k->p2p_amount_micro, 3300 * u);
    assert_int_equal(k->avg_p2p_price_micro_per_kwh, 110 * u);
    assert_int_equal(k->grid_import_mwh, 243 * kwh);
    assert_int_equal(k->grid_export_mwh, 0);
    assert_int_equal(k->bill_micro, 36450 * u);
    assert_int_equal(k->baseline_bill_micro, 39150 * u);
    assert_int_equal(k->utility_revenue_micro, 36450 * u);
    assert_int_equal(k->self_sufficiency_ppm, 156250); /* 1 - 243/288 */
    assert_int_equal(k->self_consumption_ppm, 1000000);
    assert_int_equal(k->peak_grid_import_mw, 12000 * 1000);
    assert_int_equal(k->unpaid_micro, 0);
    assert_int_equal(res->households_count, 12);
    for (size_t i = 0; i < 3; i++) {
        const wt_sim_household *h = &res->households[i];
        assert_int_equal(h->sold_p2p_mwh, 10 * kwh);
        assert_int_equal(h->bill_micro, 1750 * u);
        assert_int_equal(h->baseline_bill_micro, 2250 * u);
    }
    int64_t bought = 0;
    for (size_t i = 3; i < 12; i++) {
        assert_int_equal(res->households[i].baseline_bill_micro, 3600 * u);
        bought += res->households[i].bought_p2p_mwh;
    }
    assert_int_equal(bought, 30 * kwh);
    /* a sunny 15-minute interval: 1.5 kWh traded of 2.25 wanted */
    const wt_sim_step *s = &res->steps[10 * 4];
    assert_int_equal(s->p2p_mwh, 1500000);
    assert_int_equal(s->grid_import_mwh, 750000);
    assert_int_equal(s->price_micro_per_kwh, 110 * u);
    wt_sim_result_free(res);
}

static char *slurp(const char *path)
{
    size_t len;
    char *t = wt_test_read_file(path, &len);
    if (t == NULL)
        fail_msg("cannot read %s", path);
    return t;
}

/* Same seed, same bytes; --signed, the same outputs; another seed differs. */
static void determinism(void **state)
{
    (void)state;
    const char *files[] = {"kpis.json",        "timeseries.csv",  "households.csv",
                           "price_volume.svg", "typical_day.svg", "savings.svg",
                           "report.html"};
    char dirs[3][512];
    for (int run = 0; run < 3; run++) {
        wt_sim_scenario sc;
        wt_sim_result *res =
            run_file(path_in(root, "examples/street-12.ini"), NULL, run == 2, &sc, 0);
        snprintf(dirs[run], sizeof dirs[run], "%s/det-%d", tmp_dir, run);
        wt_sim_error err;
        assert_int_equal(wt_sim_write_outputs(&err, res, &sc, dirs[run]), WT_OK);
        if (run == 0) {
            assert_true(res->kpis.p2p_mwh > 0);
            assert_true(res->kpis.battery_charge_mwh > 0);
            assert_true(res->kpis.bill_micro < res->kpis.baseline_bill_micro);
        }
        wt_sim_result_free(res);
    }
    for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
        char *a = slurp(path_in(dirs[0], files[f]));
        char *b = slurp(path_in(dirs[1], files[f]));
        char *c = slurp(path_in(dirs[2], files[f]));
        if (strcmp(a, b) != 0)
            fail_msg("%s differs between two runs of the same seed", files[f]);
        if (strcmp(a, c) != 0)
            fail_msg("%s differs between fast and --signed", files[f]);
        free(a);
        free(b);
        free(c);
    }
    /* another seed: other weather and loads */
    wt_sim_scenario sc;
    wt_sim_error err;
    assert_int_equal(wt_sim_scenario_load(&sc, &err, path_in(root, "examples/street-12.ini")),
                     WT_OK);
    sc.seed++;
    wt_sim_opts opts = {0};
    wt_sim_result *res;
    assert_int_equal(wt_sim_run(&res, &err, &sc, &opts), WT_OK);
    char *json = wt_sim_kpis_json(res, &sc);
    char *first = slurp(path_in(dirs[0], "kpis.json"));
    assert_string_not_equal(json, first);
    free(json);
    free(first);
    wt_sim_result_free(res);
}

/* The kpis.json keys the issue names are all there. */
static void kpi_keys(void **state)
{
    (void)state;
    wt_sim_scenario sc;
    wt_sim_result *res = run_file(path_in(root, "examples/street-12.ini"), NULL, false, &sc, 0);
    char *json = wt_sim_kpis_json(res, &sc);
    static const char *keys[] = {
        "\"load_mwh\": ",
        "\"pv_mwh\": ",
        "\"p2p_mwh\": ",
        "\"grid_import_mwh\": ",
        "\"grid_export_mwh\": ",
        "\"battery_charge_mwh\": ",
        "\"battery_discharge_mwh\": ",
        "\"battery_loss_mwh\": ",
        "\"self_sufficiency\": 0.",
        "\"self_consumption\": 0.",
        "\"avg_p2p_price_micro_per_kwh\": ",
        "\"utility_revenue_micro\": ",
        "\"peak_grid_import_mw\": ",
        "\"bill_micro\": ",
        "\"baseline_bill_micro\": ",
        "\"per_household\": [",
    };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (strstr(json, keys[i]) == NULL)
            fail_msg("kpis.json lacks %s", keys[i]);
    /* twelve households, each with both bills */
    size_t n = 0;
    for (const char *p = json; (p = strstr(p, "\"baseline_bill_micro\": ")) != NULL; p++)
        n++;
    assert_int_equal(n, 1 + 12);
    free(json);
    wt_sim_result_free(res);
}

/* Every synthetic example runs balanced (three days of each, the checks of
 * every interval inside wt_sim_run); the battery identity over the run. */
static void examples_balance(void **state)
{
    (void)state;
    const char *examples[] = {"street-12.ini", "neighbourhood-300.ini", "campus.ini"};
    for (size_t i = 0; i < sizeof examples / sizeof examples[0]; i++) {
        char rel[128];
        snprintf(rel, sizeof rel, "examples/%s", examples[i]);
        wt_sim_scenario sc;
        wt_sim_result *res = run_file(path_in(root, rel), NULL, false, &sc, 3 * INT64_C(86400000));
        const wt_sim_kpis *k = &res->kpis;
        assert_int_equal(k->battery_charge_mwh - k->battery_discharge_mwh,
                         k->battery_loss_mwh + k->battery_stored_end_mwh -
                             k->battery_stored_start_mwh);
        assert_int_equal(k->load_mwh + k->ev_mwh + k->battery_charge_mwh + k->grid_export_mwh,
                         k->pv_mwh + k->battery_discharge_mwh + k->grid_import_mwh);
        assert_true(k->p2p_mwh > 0);
        int64_t bills = 0;
        for (size_t h = 0; h < res->households_count; h++)
            bills += res->households[h].bill_micro - res->households[h].unpaid_micro;
        /* money: what the households paid net is what the utility got */
        assert_int_equal(bills, k->utility_revenue_micro);
        wt_sim_result_free(res);
    }
}

static void run_errors(void **state)
{
    (void)state;
    wt_sim_scenario sc;
    wt_sim_error err;
    assert_int_equal(
        wt_sim_scenario_load(&sc, &err, path_in(root, "tests/sim/data/street-12-hand.ini")), WT_OK);
    wt_sim_opts opts = {0};
    wt_sim_result *res = (wt_sim_result *)&opts;
    assert_int_equal(wt_sim_run(&res, &err, &sc, &opts), WT_ERR_INVALID_ARGUMENT);
    assert_null(res);
    assert_non_null(strstr(err.message, "--profiles"));
    /* a profile id that is not among those given */
    snprintf(sc.groups[0].profile, sizeof sc.groups[0].profile, "h99");
    sc.groups[0].count = 1;
    wt_sim_profiles pr;
    assert_int_equal(
        wt_sim_profiles_load(&pr, &err, path_in(root, "tests/sim/data/street-12-hand.csv"), 0),
        WT_OK);
    opts.profiles = &pr;
    assert_int_equal(wt_sim_run(&res, &err, &sc, &opts), WT_ERR_INVALID_ARGUMENT);
    assert_non_null(strstr(err.message, "'h99'"));
    /* a PV size to scale a profile that has none */
    snprintf(sc.groups[0].profile, sizeof sc.groups[0].profile, "h01");
    sc.groups[0].pv_wp = 5000;
    assert_int_equal(wt_sim_run(&res, &err, &sc, &opts), WT_ERR_INVALID_ARGUMENT);
    assert_non_null(strstr(err.message, "no PV size"));
    sc.groups[0].pv_wp = 0; /* none at all: fine, and no PV */
    assert_int_equal(wt_sim_run(&res, &err, &sc, &opts), WT_OK);
    assert_int_equal(res->kpis.pv_mwh, 0);
    assert_int_equal(res->kpis.load_mwh, 24000000);
    wt_sim_result_free(res);
    wt_sim_profiles_free(&pr);
    /* outputs into a place that cannot be written */
    assert_int_equal(wt_sim_scenario_load(&sc, &err, path_in(root, "examples/street-12.ini")),
                     WT_OK);
    assert_int_equal(wt_sim_run(&res, &err, &sc, &(wt_sim_opts){0}), WT_OK);
    write_text(path_in(tmp_dir, "a-file"), "x");
    assert_int_equal(wt_sim_write_outputs(&err, res, &sc, path_in(tmp_dir, "a-file")), WT_ERR_IO);
    assert_non_null(strstr(err.message, "a-file"));
    wt_sim_result_free(res);
}

/* -------------------------------------------------------------- the CLI */

static void cli(void **state)
{
    (void)state;
    run_result r;
    run_cmdl(&r, sim_exe, "--help", NULL);
    wt_test_expect_run(&r, 0, "wattle-sim run SCENARIO", NULL);
    run_result_free(&r);
    run_cmdl(&r, sim_exe, "fly", NULL);
    wt_test_expect_run(&r, 2, NULL, "unknown command 'fly'");
    run_result_free(&r);
    char *out = path_in(tmp_dir, "cli-out");
    run_cmdl(&r, sim_exe, "run", path_in(root, "examples/street-12.ini"), "--out", out, NULL);
    wt_test_expect_run(&r, 0, NULL, "energy and money balanced in every interval");
    /* the street earns more than it pays: the sign sits against the figure */
    const char *bills = strstr(r.err, "\n  bills ");
    assert_non_null(bills);
    bills += strspn(bills + 8, " ") + 8;
    assert_true(bills[0] == '-' && bills[1] >= '0' && bills[1] <= '9');
    assert_non_null(strstr(bills, " U\n"));
    run_result_free(&r);
    struct stat st;
    assert_int_equal(stat(path_in(out, "report.html"), &st), 0);
    run_cmdl(&r, sim_exe, "run", path_in(root, "examples/street-12.ini"), "--out", out, "--quiet",
             NULL);
    wt_test_expect_run(&r, 0, NULL, NULL);
    assert_string_equal(r.err, "");
    run_result_free(&r);
    char *bad = path_in(tmp_dir, "bad.ini");
    write_text(bad, "[scenario]\nstart = 2026-06-15\nduration = 1d\ninterval = 15m\n[zone a]\n"
                    "[households h]\ncount = 2\nzone = b\n");
    run_cmdl(&r, sim_exe, "run", bad, "--out", out, NULL);
    wt_test_expect_run(&r, 1, NULL, "bad.ini:8: [households h] zone = b: zone 'b' is not defined");
    run_result_free(&r);
    run_cmdl(&r, sim_exe, "run", path_in(root, "examples/fontana-17.ini"), NULL);
    wt_test_expect_run(&r, 1, NULL, "--profiles");
    run_result_free(&r);
    run_cmdl(&r, sim_exe, "check", path_in(root, "examples/campus.ini"), NULL);
    wt_test_expect_run(&r, 0, "campus: 2016 intervals of 300 s", NULL);
    run_result_free(&r);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: test_sim SOURCE_ROOT WATTLE_SIM\n");
        return 2;
    }
    root = argv[1];
    sim_exe = argv[2];
    snprintf(tmp_dir, sizeof tmp_dir, "/tmp/wattle-test-sim-XXXXXX");
    if (mkdtemp(tmp_dir) == NULL)
        return 1;
    wt_test_route_asserts();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(scenario_defaults),
        cmocka_unit_test(scenario_errors),
        cmocka_unit_test(profiles_long_csv),
        cmocka_unit_test(profiles_citylearn),
        cmocka_unit_test(models),
        cmocka_unit_test(street_hand_checked),
        cmocka_unit_test(determinism),
        cmocka_unit_test(kpi_keys),
        cmocka_unit_test(examples_balance),
        cmocka_unit_test(run_errors),
        cmocka_unit_test(cli),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp_dir);
    if (failed == 0 && system(cmd) != 0)
        return 1;
    return failed;
}
