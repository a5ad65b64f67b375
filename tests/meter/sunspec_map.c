/* sunspec_map.c — see sunspec_map.h. */
#include "sunspec_map.h"

#include <stdlib.h>
#include <string.h>

#define NI_U16 0xFFFF
#define NI_I16 0x8000

static void need(const ss_map *m, uint32_t at)
{
    if (at >= SS_MAP_REGS_MAX)
        abort(); /* a test built a map larger than it meant to */
    (void)m;
}

void ss_map_put(ss_map *m, uint32_t at, uint16_t value)
{
    need(m, at);
    m->regs[at] = value;
    if (at >= m->count)
        m->count = at + 1;
}

void ss_map_put32(ss_map *m, uint32_t at, uint32_t value)
{
    ss_map_put(m, at, (uint16_t)(value >> 16));
    ss_map_put(m, at + 1, (uint16_t)(value & 0xFFFF));
}

void ss_map_string(ss_map *m, uint32_t at, uint32_t regs, const char *text)
{
    size_t n = strlen(text);
    for (uint32_t i = 0; i < regs; i++) {
        uint8_t hi = 2 * i < n ? (uint8_t)text[2 * i] : 0;
        uint8_t lo = 2 * i + 1 < n ? (uint8_t)text[2 * i + 1] : 0;
        ss_map_put(m, at + i, (uint16_t)(hi << 8 | lo));
    }
}

void ss_map_begin(ss_map *m, uint32_t base)
{
    memset(m, 0, sizeof *m);
    m->base = base;
    ss_map_put(m, 0, 0x5375); /* "Su" */
    ss_map_put(m, 1, 0x6E53); /* "nS" */
}

uint32_t ss_map_model(ss_map *m, uint16_t id, uint16_t length)
{
    uint32_t at = m->count;
    ss_map_put(m, at, id);
    ss_map_put(m, at + 1, length);
    for (uint32_t i = 0; i < length; i++)
        ss_map_put(m, at + 2 + i, 0);
    return at;
}

uint32_t ss_map_common(ss_map *m, const char *manufacturer, const char *model, const char *serial,
                       int short_form)
{
    uint32_t at = ss_map_model(m, 1, short_form ? 65 : 66);
    ss_map_string(m, at + 2, 16, manufacturer); /* Mn */
    ss_map_string(m, at + 18, 16, model);       /* Md */
    ss_map_string(m, at + 34, 8, "");           /* Opt */
    ss_map_string(m, at + 42, 8, "1.0.0");      /* Vr */
    ss_map_string(m, at + 50, 16, serial);      /* SN */
    ss_map_put(m, at + 66, NI_U16);             /* DA */
    if (!short_form)
        ss_map_put(m, at + 67, 0x8000); /* Pad */
    return at;
}

uint32_t ss_map_inverter(ss_map *m, uint16_t id, uint32_t wh, int16_t wh_sf)
{
    uint32_t at = ss_map_model(m, id, 50);
    /* uint16 currents and voltages: 0xFFFF; int16 and scale factors: 0x8000 */
    static const uint8_t u16[] = {2, 3, 4, 5, 7, 8, 9, 10, 11, 12, 16, 27, 29, 38, 39};
    static const uint8_t i16[] = {6,  13, 14, 15, 17, 18, 19, 20, 21, 22,
                                  23, 28, 30, 31, 32, 33, 34, 35, 36, 37};
    for (size_t i = 0; i < sizeof u16; i++)
        ss_map_put(m, at + u16[i], NI_U16);
    for (size_t i = 0; i < sizeof i16; i++)
        ss_map_put(m, at + i16[i], NI_I16);
    ss_map_put(m, at + SS_INV_A, 41);
    ss_map_put(m, at + 3, 41);               /* AphA */
    ss_map_put(m, at + SS_INV_A_SF, 0xFFFF); /* -1 */
    ss_map_put(m, at + 10, 2393);            /* PhVphA */
    ss_map_put(m, at + 13, 0xFFFF);          /* V_SF -1 */
    ss_map_put(m, at + SS_INV_W, 97);
    ss_map_put(m, at + SS_INV_W_SF, 1);
    ss_map_put(m, at + SS_INV_HZ, 4999);
    ss_map_put(m, at + 17, 0xFFFE); /* Hz_SF -2 */
    ss_map_put(m, at + 33, 41);     /* TmpCab */
    ss_map_put(m, at + 37, 0);      /* Tmp_SF */
    ss_map_put32(m, at + SS_INV_WH, wh);
    ss_map_put(m, at + SS_INV_WH_SF, (uint16_t)wh_sf);
    ss_map_put(m, at + SS_INV_ST, 4); /* MPPT */
    ss_map_put32(m, at + SS_INV_EVT1, 0);
    for (uint32_t r = SS_INV_EVT2; r < 52; r++) /* Evt2, EvtVnd1-4 */
        ss_map_put(m, at + r, NI_U16);
    return at;
}

uint32_t ss_map_meter(ss_map *m, uint16_t id, uint32_t import_wh, uint32_t export_wh, int16_t sf)
{
    uint32_t at = ss_map_model(m, id, 105);
    for (uint32_t r = 2; r <= 37; r++) /* int16 values and scale factors */
        ss_map_put(m, at + r, NI_I16);
    /* acc32 energies: "not implemented" is 0, already there; the SFs: */
    ss_map_put(m, at + 71, NI_I16);  /* TotVAh_SF */
    ss_map_put(m, at + 104, NI_I16); /* TotVArh_SF */
    ss_map_put(m, at + SS_MTR_W, (uint16_t)(int16_t)-1500);
    ss_map_put(m, at + SS_MTR_W_SF, 0);
    ss_map_put32(m, at + SS_MTR_TOTWHEXP, export_wh);
    ss_map_put32(m, at + SS_MTR_TOTWHIMP, import_wh);
    ss_map_put(m, at + SS_MTR_TOTWH_SF, (uint16_t)sf);
    ss_map_put32(m, at + SS_MTR_EVT, 0);
    return at;
}

void ss_map_end(ss_map *m)
{
    uint32_t at = m->count;
    ss_map_put(m, at, 0xFFFF);
    ss_map_put(m, at + 1, 0);
}
