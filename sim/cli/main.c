/*
 * wattle-sim — replays a neighbourhood through the real settlement and
 * ledger transition (see sim.h and the README's wattle-sim section).
 */
#include "replay.h"
#include "sim.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char usage_text[] =
    "usage: wattle-sim run SCENARIO [--out DIR] [--profiles PATH] [--signed] [--quiet]\n"
    "       wattle-sim check SCENARIO\n"
    "       wattle-sim replay SCENARIO --node http://HOST:PORT --operator-key FILE\n"
    "                         --issuer-key FILE [--speed N] [--intervals N] [--profiles PATH]\n"
    "\n"
    "  run     simulate the scenario (an INI file, see examples/) interval by interval\n"
    "          through the engine's own matcher, settlement and ledger transition, check\n"
    "          every energy and money balance, print the KPIs and write the outputs\n"
    "  check   parse the scenario and say what it describes, or what is wrong\n"
    "  replay  drive a running wattled with the scenario's homes in real time: the\n"
    "          chain's operator registers the gateway and the meters and its issuer\n"
    "          funds the homes (their key files), the homes send their standing\n"
    "          instructions, the gateway each interval's readings as it ends; the node\n"
    "          settles. Its interval times --speed (default: what fits) must be the\n"
    "          scenario's; --intervals stops after N intervals\n"
    "\n"
    "  --out DIR        where kpis.json, timeseries.csv, households.csv, the SVG plots\n"
    "                   and report.html go (default: sim-out)\n"
    "  --profiles PATH  measured load and PV: a CityLearn directory (with schema.json)\n"
    "                   or a long CSV file home_id,timestamp,load_kwh,pv_kwh\n"
    "  --signed         sign and verify every transaction as wattled would (slower;\n"
    "                   the same outputs)\n"
    "  --quiet          no progress bar and no summary on stderr\n"
    "  --help           this text\n"
    "\n"
    "Exit status: 0 done, 1 the scenario, the profiles or a balance failed, 2 usage.\n";

typedef struct {
    double start_s, last_s;
    bool shown;
} progress_state;

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void progress(void *arg, uint64_t done, uint64_t total)
{
    progress_state *p = arg;
    double now = mono_s();
    /* a bar only for runs longer than a second, redrawn at most 10 times a second */
    if (now - p->start_s < 1.0 || (now - p->last_s < 0.1 && done < total))
        return;
    p->last_s = now;
    p->shown = true;
    int width = 40, fill = (int)((double)width * (double)done / (double)total);
    double eta = done > 0 ? (now - p->start_s) * (double)(total - done) / (double)done : 0;
    fprintf(stderr, "\r[%.*s%*s] %3d%% %llu/%llu intervals, %.0f s left ", fill,
            "########################################", width - fill, "", (int)(100 * done / total),
            (unsigned long long)done, (unsigned long long)total, eta);
    if (done == total)
        fputc('\n', stderr);
}

/* "-12.345": a signed fixed-point figure with `decimals` of `unit_per_one`. */
static void fixed_text(char *out, size_t cap, int64_t value, int64_t unit_per_one, int decimals)
{
    int64_t scale = 1;
    for (int i = 0; i < decimals; i++)
        scale *= 10;
    uint64_t mag = value < 0 ? (uint64_t)0 - (uint64_t)value : (uint64_t)value;
    uint64_t whole = mag / (uint64_t)unit_per_one;
    uint64_t frac = mag % (uint64_t)unit_per_one / ((uint64_t)unit_per_one / (uint64_t)scale);
    snprintf(out, cap, "%s%llu.%0*llu", value < 0 ? "-" : "", (unsigned long long)whole, decimals,
             (unsigned long long)frac);
}

static void print_kwh(const char *label, int64_t mwh)
{
    char text[32];
    fixed_text(text, sizeof text, mwh, 1000000, 3);
    fprintf(stderr, "  %-22s %16s kWh\n", label, text);
}

static void print_u(const char *label, int64_t micro)
{
    char text[32];
    fixed_text(text, sizeof text, micro, 1000000, 2);
    fprintf(stderr, "  %-22s %16s U\n", label, text);
}

static int cmd_check(const char *path)
{
    wt_sim_scenario sc;
    wt_sim_error err;
    if (wt_sim_scenario_load(&sc, &err, path) != WT_OK) {
        fprintf(stderr, "wattle-sim: %s\n", err.message);
        return 1;
    }
    uint64_t homes = 0;
    for (size_t i = 0; i < sc.groups_count; i++)
        homes += sc.groups[i].count;
    printf("%s: %llu intervals of %lld s, %zu zones, %zu strategies, %zu household groups "
           "(%llu households%s)\n",
           sc.name, (unsigned long long)wt_sim_scenario_intervals(&sc),
           (long long)(sc.params.interval_ms / 1000), (size_t)sc.params.zones_count,
           sc.strategies_count, sc.groups_count, (unsigned long long)homes,
           sc.needs_profiles ? " plus profiles" : "");
    return 0;
}

static int cmd_run(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"out", required_argument, NULL, 'o'}, {"profiles", required_argument, NULL, 'p'},
        {"signed", no_argument, NULL, 's'},    {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},      {NULL, 0, NULL, 0},
    };
    const char *out_dir = "sim-out", *profiles_path = NULL;
    bool signed_mode = false, quiet = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:p:sqh", longopts, NULL)) != -1) {
        switch (c) {
        case 'o':
            out_dir = optarg;
            break;
        case 'p':
            profiles_path = optarg;
            break;
        case 's':
            signed_mode = true;
            break;
        case 'q':
            quiet = true;
            break;
        case 'h':
            fputs(usage_text, stdout);
            return 0;
        default:
            fputs(usage_text, stderr);
            return 2;
        }
    }
    if (optind + 1 != argc) {
        fprintf(stderr, "wattle-sim run: give exactly one SCENARIO file\n%s", usage_text);
        return 2;
    }
    wt_sim_scenario sc;
    wt_sim_error err;
    if (wt_sim_scenario_load(&sc, &err, argv[optind]) != WT_OK) {
        fprintf(stderr, "wattle-sim: %s\n", err.message);
        return 1;
    }
    wt_sim_profiles profiles = {0};
    if (profiles_path != NULL) {
        if (!quiet)
            fprintf(stderr, "wattle-sim: reading profiles from %s\n", profiles_path);
        if (wt_sim_profiles_load(&profiles, &err, profiles_path, sc.start_ms) != WT_OK) {
            fprintf(stderr, "wattle-sim: %s\n", err.message);
            return 1;
        }
    } else if (sc.needs_profiles) {
        fprintf(stderr,
                "wattle-sim: %s replays measured profiles: give them with --profiles PATH\n",
                argv[optind]);
        return 1;
    }
    progress_state ps = {.start_s = mono_s()};
    wt_sim_opts opts = {
        .signed_mode = signed_mode,
        .profiles = profiles_path != NULL ? &profiles : NULL,
        .progress = !quiet && isatty(STDERR_FILENO) ? progress : NULL,
        .progress_arg = &ps,
    };
    wt_sim_result *res = NULL;
    wt_err e = wt_sim_run(&res, &err, &sc, &opts);
    if (ps.shown && e != WT_OK)
        fputc('\n', stderr);
    if (e != WT_OK) {
        fprintf(stderr, "wattle-sim: %s (%s)\n", err.message, wt_errname(e));
        wt_sim_profiles_free(&profiles);
        return 1;
    }
    e = wt_sim_write_outputs(&err, res, &sc, out_dir);
    if (e != WT_OK) {
        fprintf(stderr, "wattle-sim: %s\n", err.message);
        wt_sim_result_free(res);
        wt_sim_profiles_free(&profiles);
        return 1;
    }
    if (!quiet) {
        const wt_sim_kpis *k = &res->kpis;
        fprintf(stderr,
                "wattle-sim: %s: %llu households, %llu intervals, %llu transactions in "
                "%.2f s (settlement %.2f s)%s\n",
                sc.name, (unsigned long long)k->households, (unsigned long long)k->intervals,
                (unsigned long long)k->transactions, res->seconds, res->match_seconds,
                signed_mode ? ", every one signed and verified" : "");
        print_kwh("load", k->load_mwh + k->ev_mwh);
        print_kwh("PV", k->pv_mwh);
        print_kwh("peer to peer", k->p2p_mwh);
        print_kwh("grid import", k->grid_import_mwh);
        print_kwh("grid export", k->grid_export_mwh);
        char percent[32];
        fixed_text(percent, sizeof percent, k->self_sufficiency_ppm, 10000, 2);
        fprintf(stderr, "  %-22s %16s %%\n", "self-sufficiency", percent);
        print_u("bills", k->bill_micro);
        print_u("bills without P2P", k->baseline_bill_micro);
        fprintf(stderr,
                "  energy and money balanced in every interval; outputs in %s/ "
                "(open report.html)\n",
                out_dir);
    }
    wt_sim_result_free(res);
    wt_sim_profiles_free(&profiles);
    return 0;
}

int main(int argc, char **argv)
{
    wt_heap_keep();
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        fputs(usage_text, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "run") == 0)
        return cmd_run(argc - 1, argv + 1);
    if (strcmp(argv[1], "replay") == 0)
        return wt_sim_replay_main(argc - 1, argv + 1, usage_text);
    if (strcmp(argv[1], "check") == 0) {
        if (argc != 3) {
            fprintf(stderr, "wattle-sim check: give one SCENARIO file\n");
            return 2;
        }
        return cmd_check(argv[2]);
    }
    fprintf(stderr, "wattle-sim: unknown command '%s'\n%s", argv[1], usage_text);
    return 2;
}
