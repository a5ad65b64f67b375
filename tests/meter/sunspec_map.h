/*
 * sunspec_map.h — hand-made SunSpec register maps for the tests (and the
 * SunSpec benchmark): the 'SunS' marker, a common model, inverters (101-103)
 * and meters (201-204) with chosen energy registers, the end marker. The
 * offsets are written here from the SunSpec model definitions, on their
 * own, so that the decoder's tables are checked against them rather than
 * used to build them.
 */
#ifndef WATTLE_TESTS_SUNSPEC_MAP_H
#define WATTLE_TESTS_SUNSPEC_MAP_H

#include <stdint.h>

#define SS_MAP_REGS_MAX 4096

/* Offsets inside a model, from its ID register. */
enum {
    SS_INV_A = 2,
    SS_INV_A_SF = 6,
    SS_INV_W = 14,
    SS_INV_W_SF = 15,
    SS_INV_HZ = 16,
    SS_INV_PF = 22,
    SS_INV_PF_SF = 23,
    SS_INV_WH = 24,
    SS_INV_WH_SF = 26,
    SS_INV_ST = 38,
    SS_INV_EVT1 = 40,
    SS_INV_EVT2 = 42,
    SS_MTR_W = 18,
    SS_MTR_W_SF = 22,
    SS_MTR_TOTWHEXP = 38,
    SS_MTR_TOTWHIMP = 46,
    SS_MTR_TOTWH_SF = 54,
    SS_MTR_EVT = 105,
};

typedef struct {
    uint32_t base;  /* the marker's address */
    uint32_t count; /* registers from base */
    uint16_t regs[SS_MAP_REGS_MAX];
} ss_map;

/* The marker at base. */
void ss_map_begin(ss_map *m, uint32_t base);
/* A header and `length` registers of 0; the offset (from base) of its ID. */
uint32_t ss_map_model(ss_map *m, uint16_t id, uint16_t length);
void ss_map_put(ss_map *m, uint32_t at, uint16_t value);
void ss_map_put32(ss_map *m, uint32_t at, uint32_t value);
/* A string of `regs` registers, NUL-padded. */
void ss_map_string(ss_map *m, uint32_t at, uint32_t regs, const char *text);
/* Model 1, length 66 (65 with short_form: no trailing pad). */
uint32_t ss_map_common(ss_map *m, const char *manufacturer, const char *model, const char *serial,
                       int short_form);
/* An inverter (101-103) at 970 W, 49.99 Hz, state MPPT, with WH / WH_SF;
 * every optional point "not implemented". */
uint32_t ss_map_inverter(ss_map *m, uint16_t id, uint32_t wh, int16_t wh_sf);
/* A meter (201-204) at -1500 W (W_SF 0) with TotWhImp, TotWhExp, TotWh_SF;
 * every other point "not implemented". */
uint32_t ss_map_meter(ss_map *m, uint16_t id, uint32_t import_wh, uint32_t export_wh, int16_t sf);
void ss_map_end(ss_map *m);

#endif /* WATTLE_TESTS_SUNSPEC_MAP_H */
