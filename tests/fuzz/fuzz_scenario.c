/*
 * fuzz_scenario.c — libFuzzer target for the simulator's untrusted inputs.
 * The first byte chooses: even, the rest is a scenario file
 * (wt_sim_scenario_parse); odd, a profile file — the long CSV — read back
 * through a memfd as wattle-sim reads a path. Either must parse or name
 * what was wrong (a message, and a line number within the file), never
 * crash or leak; a scenario that parses is a valid chain and has intervals,
 * and a profile that loads has consistent running sums.
 */
#include "sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int count_lines(const uint8_t *data, size_t size)
{
    int lines = 1;
    for (size_t i = 0; i < size; i++)
        lines += data[i] == '\n';
    return lines;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    bool profile = data[0] & 1;
    data++;
    size--;
    wt_sim_error err;
    if (!profile) {
        static wt_sim_scenario sc;
        wt_err e = wt_sim_scenario_parse(&sc, &err, (const char *)data, size, "fuzz.ini");
        if (e == WT_OK) {
            const char *field = NULL;
            if (wt_chain_params_validate(&sc.params, &field) != WT_OK ||
                wt_sim_scenario_intervals(&sc) == 0 ||
                wt_sim_scenario_intervals(&sc) > WT_SIM_INTERVALS_MAX)
                abort();
        } else if (e != WT_ERR_INVALID_ARGUMENT || err.message[0] == '\0' || err.line < 0 ||
                   err.line > count_lines(data, size))
            abort();
        return 0;
    }
    int fd = memfd_create("fuzz-profile", 0);
    if (fd < 0)
        abort();
    if (size > 0 && write(fd, data, size) != (ssize_t)size)
        abort();
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    wt_sim_profiles pr;
    wt_err e = wt_sim_profiles_load(&pr, &err, path, 0);
    close(fd);
    if (e == WT_OK) {
        for (size_t i = 0; i < pr.count; i++) {
            const wt_sim_profile *p = &pr.items[i];
            if (p->count == 0 || p->step_ms <= 0)
                abort();
            for (size_t k = 0; k < p->count; k++)
                if (p->cum_load_uwh[k + 1] < p->cum_load_uwh[k] ||
                    p->cum_pv_uwh[k + 1] < p->cum_pv_uwh[k])
                    abort();
            /* resampling anywhere stays monotone */
            int64_t a = wt_sim_profile_cum_mwh(p, false, p->t0_ms - 12345);
            int64_t b = wt_sim_profile_cum_mwh(p, false, p->t0_ms + 987654);
            if (b < a)
                abort();
        }
        wt_sim_profiles_free(&pr);
    } else if (err.message[0] == '\0' || err.line < 0 || err.line > count_lines(data, size))
        abort();
    return 0;
}
