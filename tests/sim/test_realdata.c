/*
 * test_realdata.c — the simulator on the real year of 17 homes in Fontana
 * (suite `realdata`; ../shared/testdata/profiles, never copied here):
 * examples/fontana-17.ini replays the CityLearn buildings for 365 days at
 * 15 minutes, and each home's annual load and PV equal the source's own
 * totals (citylearn_2022_fontana_summary_computed.csv, kWh to 3 decimals)
 * to within the rounding of that file; the PV and battery sizes are the
 * schema's; Building_15 (almost no PV) and Building_14 (very little) come
 * through as they are; every interval balanced (checked inside the run).
 *
 * argv[1]: the source root.
 */
#include "sim.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *root;

static void fontana_year(void **state)
{
    (void)state;
    const char *data = wt_test_data_dir();
    assert_non_null(data);
    char dir[1024], summary[1024], scenario[1024];
    snprintf(dir, sizeof dir, "%s/profiles/citylearn_2022_fontana_17homes", data);
    snprintf(summary, sizeof summary, "%s/profiles/citylearn_2022_fontana_summary_computed.csv",
             data);
    snprintf(scenario, sizeof scenario, "%s/examples/fontana-17.ini", root);
    wt_sim_scenario sc;
    wt_sim_error err;
    if (wt_sim_scenario_load(&sc, &err, scenario) != WT_OK)
        fail_msg("%s", err.message);
    wt_sim_profiles pr;
    if (wt_sim_profiles_load(&pr, &err, dir, sc.start_ms) != WT_OK)
        fail_msg("%s", err.message);
    assert_int_equal(pr.count, 17);
    for (size_t i = 0; i < pr.count; i++)
        assert_int_equal(pr.items[i].count, 8760);
    wt_sim_opts opts = {.profiles = &pr};
    wt_sim_result *res;
    if (wt_sim_run(&res, &err, &sc, &opts) != WT_OK)
        fail_msg("%s", err.message);
    assert_int_equal(res->households_count, 17);
    assert_int_equal(res->kpis.intervals, 365 * 96);

    size_t len;
    char *csv = wt_test_read_file(summary, &len);
    assert_non_null(csv);
    char *save = NULL;
    char *line = strtok_r(csv, "\n", &save); /* the header */
    assert_non_null(strstr(line, "annual_non_shiftable_load_kwh"));
    size_t checked = 0;
    int64_t total_load = 0, total_pv = 0;
    while ((line = strtok_r(NULL, "\n", &save)) != NULL) {
        char name[32];
        double hours, pv_kw, bat_kwh, bat_kw, load_kwh, dhw, cool, heat, yield, pv_kwh, peak;
        if (sscanf(line, "%31[^,],%lf,%lf,%lf,%lf,%lf,%lf,%lf,%lf,%lf,%lf,%lf", name, &hours,
                   &pv_kw, &bat_kwh, &bat_kw, &load_kwh, &dhw, &cool, &heat, &yield, &pv_kwh,
                   &peak) != 12)
            fail_msg("summary line '%s'", line);
        const wt_sim_household *h = NULL;
        for (size_t i = 0; i < res->households_count; i++)
            if (strcmp(res->households[i].name, name) == 0)
                h = &res->households[i];
        if (h == NULL)
            fail_msg("%s was not simulated", name);
        /* the file rounds to 1 Wh; ours floors to 1 mWh at each interval's edge */
        int64_t want_load = (int64_t)(load_kwh * 1e6 + 0.5),
                want_pv = (int64_t)(pv_kwh * 1e6 + 0.5);
        if (llabs(h->load_mwh - want_load) > 501 || llabs(h->pv_mwh - want_pv) > 501)
            fail_msg("%s: load %lld mWh (source %lld), PV %lld mWh (source %lld)", name,
                     (long long)h->load_mwh, (long long)want_load, (long long)h->pv_mwh,
                     (long long)want_pv);
        assert_int_equal(h->pv_wp, (int64_t)(pv_kw * 1000 + 0.5));
        assert_int_equal(h->battery_wh, (int64_t)(bat_kwh * 1000 + 0.5));
        total_load += h->load_mwh;
        total_pv += h->pv_mwh;
        checked++;
    }
    assert_int_equal(checked, 17);
    assert_int_equal(res->kpis.load_mwh, total_load);
    assert_int_equal(res->kpis.pv_mwh, total_pv);
    /* the homes traded among themselves, and the batteries worked */
    assert_true(res->kpis.p2p_mwh > 0);
    assert_true(res->kpis.battery_discharge_mwh > 0);
    assert_true(res->kpis.bill_micro < res->kpis.baseline_bill_micro);
    free(csv);
    wt_sim_result_free(res);
    wt_sim_profiles_free(&pr);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_realdata SOURCE_ROOT\n");
        return 2;
    }
    root = argv[1];
    wt_test_route_asserts();
    const struct CMUnitTest tests[] = {cmocka_unit_test(fontana_year)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
