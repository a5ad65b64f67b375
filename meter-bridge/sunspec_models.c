/*
 * sunspec_models.c — the register maps of the SunSpec models wattle decodes,
 * transcribed from the official SunSpec model definitions
 * (https://github.com/sunspec/models, json/model_N.json, Apache-2.0; commit
 * 7abdf8982d5364f8ae916deee18aac86c11be36d): per model its points in register
 * order — name, type, size in registers, the index of its scale-factor point
 * (-1: none), units and the symbols of enums and bitfields. Offsets are not
 * written down: as in the definitions, a point's offset is the sum of the
 * sizes before it (ID at 0, L at 1). The realdata suite checks every table
 * against those JSON files (names, types, sizes, offsets, scale-factor
 * names, units, symbols). Models 101-103 share one map (they differ only in
 * which points are mandatory), as do 202-204; 201 spells PPVphAB where the
 * others write PhVphAB.
 */
#include "meter.h"

#include <stddef.h>

static const wt_sunspec_point_def m1_points[] = {
    {"ID", WT_SUNSPEC_UINT16, 1, -1, NULL, 0, NULL},
    {"L", WT_SUNSPEC_UINT16, 1, -1, NULL, 0, NULL},
    {"Mn", WT_SUNSPEC_STRING, 16, -1, NULL, 0, NULL},
    {"Md", WT_SUNSPEC_STRING, 16, -1, NULL, 0, NULL},
    {"Opt", WT_SUNSPEC_STRING, 8, -1, NULL, 0, NULL},
    {"Vr", WT_SUNSPEC_STRING, 8, -1, NULL, 0, NULL},
    {"SN", WT_SUNSPEC_STRING, 16, -1, NULL, 0, NULL},
    {"DA", WT_SUNSPEC_UINT16, 1, -1, NULL, 0, NULL},
    {"Pad", WT_SUNSPEC_PAD, 1, -1, NULL, 0, NULL},
};

static const wt_sunspec_symbol m11_cfgst[] = {
    {0, "LINK"},      {1, "FULL_DUPLEX"},    {2, "AUTO_NEG1"}, {3, "AUTO_NEG2"},
    {4, "AUTO_NEG3"}, {5, "RESET_REQUIRED"}, {6, "HW_FAULT"}};
static const wt_sunspec_symbol m11_st[] = {
    {0, "UNKNOWN"}, {1, "ENABLED"}, {2, "DISABLED"}, {3, "TESTING"}};
static const wt_sunspec_symbol m11_ctl[] = {{0, "AUTO"}, {1, "FULL_DUPLEX"}};
static const wt_sunspec_point_def m11_points[] = {
    {"ID", WT_SUNSPEC_UINT16, 1, -1, NULL, 0, NULL},
    {"L", WT_SUNSPEC_UINT16, 1, -1, NULL, 0, NULL},
    {"Spd", WT_SUNSPEC_UINT16, 1, -1, "Mbps", 0, NULL},
    {"CfgSt", WT_SUNSPEC_BITFIELD16, 1, -1, NULL, 7, m11_cfgst},
    {"St", WT_SUNSPEC_ENUM16, 1, -1, NULL, 4, m11_st},
    {"MAC", WT_SUNSPEC_EUI48, 4, -1, NULL, 0, NULL},
    {"Nam", WT_SUNSPEC_STRING, 4, -1, NULL, 0, NULL},
    {"Ctl", WT_SUNSPEC_BITFIELD16, 1, -1, NULL, 2, m11_ctl},
    {"FrcSpd", WT_SUNSPEC_UINT16, 1, -1, "Mbps", 0, NULL},
};

static const wt_sunspec_symbol m12_cfgst[] = {
    {0, "NOT_CONFIGURED"}, {1, "VALID_SETTING"}, {2, "VALID_HW"}};
static const wt_sunspec_symbol m12_chgst[] = {{0, "PENDING"}};
static const wt_sunspec_symbol m12_cap[] = {
    {0, "DHCP"},         {1, "BOOTP"},     {2, "ZEROCONF"},   {3, "DNS"},
    {4, "CFG_SETTABLE"}, {5, "HW_CONFIG"}, {6, "NTP_CLIENT"}, {7, "RESET_REQUIRED"}};
static const wt_sunspec_symbol m12_cfg[] = {
    {0, "STATIC"}, {1, "DHCP"}, {2, "BOOTP"}, {3, "ZEROCONF"}};
static const wt_sunspec_symbol m12_ctl[] = {{0, "ENABLE_DNS"}, {1, "ENABLE_NTP"}};
static const wt_sunspec_point_def m12_points[] = {
    {"ID", WT_SUNSPEC_UINT16, 1, -1, NULL, 0, NULL},
    {"L", WT_SUNSPEC_UINT16, 1, -1, NULL, 0, NULL},
    {"Nam", WT_SUNSPEC_STRING, 4, -1, NULL, 0, NULL},
    {"CfgSt", WT_SUNSPEC_ENUM16, 1, -1, NULL, 3, m12_cfgst},
    {"ChgSt", WT_SUNSPEC_BITFIELD16, 1, -1, NULL, 1, m12_chgst},
    {"Cap", WT_SUNSPEC_BITFIELD16, 1, -1, NULL, 8, m12_cap},
    {"Cfg", WT_SUNSPEC_ENUM16, 1, -1, NULL, 4, m12_cfg},
    {"Ctl", WT_SUNSPEC_ENUM16, 1, -1, NULL, 2, m12_ctl},
    {"Addr", WT_SUNSPEC_STRING, 8, -1, NULL, 0, NULL},
    {"Msk", WT_SUNSPEC_STRING, 8, -1, NULL, 0, NULL},
    {"Gw", WT_SUNSPEC_STRING, 8, -1, NULL, 0, NULL},
    {"DNS1", WT_SUNSPEC_STRING, 8, -1, NULL, 0, NULL},
    {"DNS2", WT_SUNSPEC_STRING, 8, -1, NULL, 0, NULL},
    {"NTP1", WT_SUNSPEC_STRING, 12, -1, NULL, 0, NULL},
    {"NTP2", WT_SUNSPEC_STRING, 12, -1, NULL, 0, NULL},
    {"DomNam", WT_SUNSPEC_STRING, 12, -1, NULL, 0, NULL},
    {"HostNam", WT_SUNSPEC_STRING, 12, -1, NULL, 0, NULL},
    {"Pad", WT_SUNSPEC_PAD, 1, -1, NULL, 0, NULL},
};

static const wt_sunspec_symbol m101_st[] = {{1, "OFF"},   {2, "SLEEPING"},  {3, "STARTING"},
                                            {4, "MPPT"},  {5, "THROTTLED"}, {6, "SHUTTING_DOWN"},
                                            {7, "FAULT"}, {8, "STANDBY"}};
static const wt_sunspec_symbol m101_evt1[] = {
    {0, "GROUND_FAULT"},       {1, "DC_OVER_VOLT"},    {2, "AC_DISCONNECT"},
    {3, "DC_DISCONNECT"},      {4, "GRID_DISCONNECT"}, {5, "CABINET_OPEN"},
    {6, "MANUAL_SHUTDOWN"},    {7, "OVER_TEMP"},       {8, "OVER_FREQUENCY"},
    {9, "UNDER_FREQUENCY"},    {10, "AC_OVER_VOLT"},   {11, "AC_UNDER_VOLT"},
    {12, "BLOWN_STRING_FUSE"}, {13, "UNDER_TEMP"},     {14, "MEMORY_LOSS"},
    {15, "HW_TEST_FAILURE"}};
static const wt_sunspec_point_def m101_points[] = {
    {"ID", WT_SUNSPEC_UINT16, 1, -1, NULL, 0, NULL},
    {"L", WT_SUNSPEC_UINT16, 1, -1, NULL, 0, NULL},
    {"A", WT_SUNSPEC_UINT16, 1, 6, "A", 0, NULL},
    {"AphA", WT_SUNSPEC_UINT16, 1, 6, "A", 0, NULL},
    {"AphB", WT_SUNSPEC_UINT16, 1, 6, "A", 0, NULL},
    {"AphC", WT_SUNSPEC_UINT16, 1, 6, "A", 0, NULL},
    {"A_SF", WT_SUNSPEC_SUNSSF, 1, -1, NULL, 0, NULL},
    {"PPVphAB", WT_SUNSPEC_UINT16, 1, 13, "V", 0, NULL},
    {"PPVphBC", WT_SUNSPEC_UINT16, 1, 13, "V", 0, NULL},
    {"PPVphCA", WT_SUNSPEC_UINT16, 1, 13, "V", 0, NULL},
    {"PhVphA", WT_SUNSPEC_UINT16, 1, 13, "V", 0, NULL},
    {"PhVphB", WT_SUNSPEC_UINT16, 1, 13, "V", 0, NULL},
    {"PhVphC", WT_SUNSPEC_UINT16, 1, 13, "V", 0, NULL},
    {"V_SF", WT_SUNSPEC_SUNSSF, 1, -1, NULL, 0, NULL},
    {"W", WT_SUNSPEC_INT16, 1, 15, "W", 0, NULL},
    {"W_SF", WT_SUNSPEC_SUNSSF, 1, -1, NULL, 0, NULL},
    {"Hz", WT_SUNSPEC_UINT16, 1, 17, "Hz", 0, NULL},
    {"Hz_SF", WT_SUNSPEC_SUNSSF, 1, -1, NULL, 0, NULL},
    {"VA", WT_SUNSPEC_INT16, 1, 19, "VA", 0, NULL},
    {"VA_SF", WT_SUNSPEC_SUNSSF, 1, -1, NULL, 0, NULL},
    {"VAr", WT_SUNSPEC_INT16, 1, 21, "var", 0, NULL},
    {"VAr_SF", WT_SUNSPEC_SUNSSF, 1, -1, NULL, 0, NULL},
    {"PF", WT_SUNSPEC_INT16, 1, 23, "Pct", 0, NULL},
    {"PF_SF", WT_SUNSPEC_SUNSSF, 1, -1, NULL, 0, NULL},
    {"WH", WT_SUNSPEC_ACC32, 2, 25, "Wh", 0, NULL},
    {"WH_SF", WT_SUNSPEC_SUNSSF, 1, -1, NULL, 0, NULL},
    {"DCA", WT_SUNSPEC_UINT16, 1, 27, "A", 0, NULL},
    {"DCA_SF", WT_SUNSPEC_SUNSSF, 1, -1, NULL, 0, NULL},
    {"DCV", WT_SUNSPEC_UINT16, 1, 29, "V", 0, NULL},
    {"DCV_SF", WT_SUNSPEC_SUNSSF, 1, -1, NULL, 0, NULL},
    {"DCW", WT_SUNSPEC_INT16, 1, 31, "W", 0, NULL},
    {"DCW_SF", WT_SUNSPEC_SUNSSF, 1, -1, NULL, 0, NULL},
    {"TmpCab", WT_SUNSPEC_INT16, 1, 36, "C", 0, NULL},
    {"TmpSnk", WT_SUNSPEC_INT16, 1, 36, "C", 0, NULL},
    {"TmpTrns", WT_SUNSPEC_INT16, 1, 36, "C", 0, NULL},
    {"TmpOt", WT_SUNSPEC_INT16, 1, 36, "C", 0, NULL},
    {"Tmp_SF", WT_SUNSPEC_SUNSSF, 1, -1, NULL, 0, NULL},
    {"St", WT_SUNSPEC_ENUM16, 1, -1, NULL, 8, m101_st},
    {"StVnd", WT_SUNSPEC_ENUM16, 1, -1, NULL, 0, NULL},
    {"Evt1", WT_SUNSPEC_BITFIELD32, 2, -1, NULL, 16, m101_evt1},
    {"Evt2", WT_SUNSPEC_BITFIELD32, 2, -1, NULL, 0, NULL},
    {"EvtVnd1", WT_SUNSPEC_BITFIELD32, 2, -1, NULL, 0, NULL},
    {"EvtVnd2", WT_SUNSPEC_BITFIELD32, 2, -1, NULL, 0, NULL},
    {"EvtVnd3", WT_SUNSPEC_BITFIELD32, 2, -1, NULL, 0, NULL},
    {"EvtVnd4", WT_SUNSPEC_BITFIELD32, 2, -1, NULL, 0, NULL},
};

static const wt_sunspec_symbol m120_dertyp[] = {{4, "PV"}, {82, "PV_STOR"}};
static const wt_sunspec_point_def m120_points[] = {
    {"ID", WT_SUNSPEC_UINT16, 1, -1, NULL, 0, NULL},
    {"L", WT_SUNSPEC_UINT16, 1, -1, NULL, 0, NULL},
    {"DERTyp", WT_SUNSPEC_ENUM16, 1, -1, NULL, 2, m120_dertyp},
    {"WRtg", WT_SUNSPEC_UINT16, 1, 4, "W", 0, NULL},
    {"WRtg_SF", WT_SUNSPEC_SUNSSF, 1, -1, NULL, 0, NULL},
    {"VARtg", WT_SUNSPEC_UINT16, 1, 6, "VA", 0, NULL},
    {"VARtg_SF", WT_SUNSPEC_SUNSSF, 1, -1, NULL, 0, NULL},
    {"VArRtgQ1", WT_SUNSPEC_INT16, 1, 11, "var", 0, NULL},
    {"VArRtgQ2", WT_SUNSPEC_INT16, 1, 11, "var", 0, NULL},
    {"VArRtgQ3", WT_SUNSPEC_INT16, 1, 11, "var", 0, NULL},
    {"VArRtgQ4", WT_SUNSPEC_INT16, 1, 11, "var", 0, NULL},
    {"VArRtg_SF", WT_SUNSPEC_SUNSSF, 1, -1, NULL, 0, NULL},
    {"ARtg", WT_SUNSPEC_UINT16, 1, 13, "A", 0, NULL},
    {"ARtg_SF", WT_SUNSPEC_SUNSSF, 1, -1, NULL, 0, NULL},
    {"PFRtgQ1", WT_SUNSPEC_INT16, 1, 18, "cos()", 0, NULL},
    {"PFRtgQ2", WT_SUNSPEC_INT16, 1, 18, "cos()", 0, NULL},
    {"PFRtgQ3", WT_SUNSPEC_INT16, 1, 18, "cos()", 0, NULL},
    {"PFRtgQ4", WT_SUNSPEC_INT16, 1, 18, "cos()", 0, NULL},
    {"PFRtg_SF", WT_SUNSPEC_SUNSSF, 1, -1, NULL, 0, NULL},
    {"WHRtg", WT_SUNSPEC_UINT16, 1, 20, "Wh", 0, NULL},
    {"WHRtg_SF", WT_SUNSPEC_SUNSSF, 1, -1, NULL, 0, NULL},
    {"AhrRtg", WT_SUNSPEC_UINT16, 1, 22, "AH", 0, NULL},
    {"AhrRtg_SF", WT_SUNSPEC_SUNSSF, 1, -1, NULL, 0, NULL},
    {"MaxChaRte", WT_SUNSPEC_UINT16, 1, 24, "W", 0, NULL},
    {"MaxChaRte_SF", WT_SUNSPEC_SUNSSF, 1, -1, NULL, 0, NULL},
    {"MaxDisChaRte", WT_SUNSPEC_UINT16, 1, 26, "W", 0, NULL},
    {"MaxDisChaRte_SF", WT_SUNSPEC_SUNSSF, 1, -1, NULL, 0, NULL},
    {"Pad", WT_SUNSPEC_PAD, 1, -1, NULL, 0, NULL},
};

static const wt_sunspec_symbol m121_varact[] = {{1, "SWITCH"}, {2, "MAINTAIN"}};
static const wt_sunspec_symbol m121_clctotva[] = {{1, "VECTOR"}, {2, "ARITHMETIC"}};
static const wt_sunspec_symbol m121_connph[] = {{1, "A"}, {2, "B"}, {3, "C"}};
static const wt_sunspec_point_def m121_points[] = {
    {"ID", WT_SUNSPEC_UINT16, 1, -1, NULL, 0, NULL},
    {"L", WT_SUNSPEC_UINT16, 1, -1, NULL, 0, NULL},
    {"WMax", WT_SUNSPEC_UINT16, 1, 22, "W", 0, NULL},
    {"VRef", WT_SUNSPEC_UINT16, 1, 23, "V", 0, NULL},
    {"VRefOfs", WT_SUNSPEC_INT16, 1, 24, "V", 0, NULL},
    {"VMax", WT_SUNSPEC_UINT16, 1, 25, "V", 0, NULL},
    {"VMin", WT_SUNSPEC_UINT16, 1, 25, "V", 0, NULL},
    {"VAMax", WT_SUNSPEC_UINT16, 1, 26, "VA", 0, NULL},
    {"VArMaxQ1", WT_SUNSPEC_INT16, 1, 27, "var", 0, NULL},
    {"VArMaxQ2", WT_SUNSPEC_INT16, 1, 27, "var", 0, NULL},
    {"VArMaxQ3", WT_SUNSPEC_INT16, 1, 27, "var", 0, NULL},
    {"VArMaxQ4", WT_SUNSPEC_INT16, 1, 27, "var", 0, NULL},
    {"WGra", WT_SUNSPEC_UINT16, 1, 28, "% WMax/sec", 0, NULL},
    {"PFMinQ1", WT_SUNSPEC_INT16, 1, 29, "cos()", 0, NULL},
    {"PFMinQ2", WT_SUNSPEC_INT16, 1, 29, "cos()", 0, NULL},
    {"PFMinQ3", WT_SUNSPEC_INT16, 1, 29, "cos()", 0, NULL},
    {"PFMinQ4", WT_SUNSPEC_INT16, 1, 29, "cos()", 0, NULL},
    {"VArAct", WT_SUNSPEC_ENUM16, 1, -1, NULL, 2, m121_varact},
    {"ClcTotVA", WT_SUNSPEC_ENUM16, 1, -1, NULL, 2, m121_clctotva},
    {"MaxRmpRte", WT_SUNSPEC_UINT16, 1, 30, "% WGra", 0, NULL},
    {"ECPNomHz", WT_SUNSPEC_UINT16, 1, 31, "Hz", 0, NULL},
    {"ConnPh", WT_SUNSPEC_ENUM16, 1, -1, NULL, 3, m121_connph},
    {"WMax_SF", WT_SUNSPEC_SUNSSF, 1, -1, NULL, 0, NULL},
    {"VRef_SF", WT_SUNSPEC_SUNSSF, 1, -1, NULL, 0, NULL},
    {"VRefOfs_SF", WT_SUNSPEC_SUNSSF, 1, -1, NULL, 0, NULL},
    {"VMinMax_SF", WT_SUNSPEC_SUNSSF, 1, -1, NULL, 0, NULL},
    {"VAMax_SF", WT_SUNSPEC_SUNSSF, 1, -1, NULL, 0, NULL},
    {"VArMax_SF", WT_SUNSPEC_SUNSSF, 1, -1, NULL, 0, NULL},
    {"WGra_SF", WT_SUNSPEC_SUNSSF, 1, -1, NULL, 0, NULL},
    {"PFMin_SF", WT_SUNSPEC_SUNSSF, 1, -1, NULL, 0, NULL},
    {"MaxRmpRte_SF", WT_SUNSPEC_SUNSSF, 1, -1, NULL, 0, NULL},
    {"ECPNomHz_SF", WT_SUNSPEC_SUNSSF, 1, -1, NULL, 0, NULL},
};

static const wt_sunspec_symbol m122_pvconn[] = {
    {0, "CONNECTED"}, {1, "AVAILABLE"}, {2, "OPERATING"}, {3, "TEST"}};
static const wt_sunspec_symbol m122_ecpconn[] = {{0, "DISCONNECTED"}, {1, "CONNECTED"}};
static const wt_sunspec_symbol m122_stsetlimmsk[] = {
    {0, "WMax"},     {1, "VAMax"},    {2, "VArAval"},  {3, "VArMaxQ1"},
    {4, "VArMaxQ2"}, {5, "VArMaxQ3"}, {6, "VArMaxQ4"}, {7, "PFMinQ1"},
    {8, "PFMinQ2"},  {9, "PFMinQ3"},  {10, "PFMinQ4"}};
static const wt_sunspec_symbol m122_stactctl[] = {{0, "FixedW"},
                                                  {1, "FixedVAR"},
                                                  {2, "FixedPF"},
                                                  {3, "Volt-VAr"},
                                                  {4, "Freq-Watt-Param"},
                                                  {5, "Freq-Watt-Curve"},
                                                  {6, "Dyn-Reactive-Current"},
                                                  {7, "LVRT"},
                                                  {8, "HVRT"},
                                                  {9, "Watt-PF"},
                                                  {10, "Volt-Watt"},
                                                  {12, "Scheduled"},
                                                  {13, "LFRT"},
                                                  {14, "HFRT"}};
static const wt_sunspec_symbol m122_rtst[] = {
    {0, "LVRT_ACTIVE"}, {1, "HVRT_ACTIVE"}, {2, "LFRT_ACTIVE"}, {3, "HFRT_ACTIVE"}};
static const wt_sunspec_point_def m122_points[] = {
    {"ID", WT_SUNSPEC_UINT16, 1, -1, NULL, 0, NULL},
    {"L", WT_SUNSPEC_UINT16, 1, -1, NULL, 0, NULL},
    {"PVConn", WT_SUNSPEC_BITFIELD16, 1, -1, NULL, 4, m122_pvconn},
    {"StorConn", WT_SUNSPEC_BITFIELD16, 1, -1, NULL, 4, m122_pvconn},
    {"ECPConn", WT_SUNSPEC_BITFIELD16, 1, -1, NULL, 2, m122_ecpconn},
    {"ActWh", WT_SUNSPEC_ACC64, 4, -1, "Wh", 0, NULL},
    {"ActVAh", WT_SUNSPEC_ACC64, 4, -1, "VAh", 0, NULL},
    {"ActVArhQ1", WT_SUNSPEC_ACC64, 4, -1, "varh", 0, NULL},
    {"ActVArhQ2", WT_SUNSPEC_ACC64, 4, -1, "varh", 0, NULL},
    {"ActVArhQ3", WT_SUNSPEC_ACC64, 4, -1, "varh", 0, NULL},
    {"ActVArhQ4", WT_SUNSPEC_ACC64, 4, -1, "varh", 0, NULL},
    {"VArAval", WT_SUNSPEC_INT16, 1, 12, "var", 0, NULL},
    {"VArAval_SF", WT_SUNSPEC_SUNSSF, 1, -1, NULL, 0, NULL},
    {"WAval", WT_SUNSPEC_UINT16, 1, 14, "var", 0, NULL},
    {"WAval_SF", WT_SUNSPEC_SUNSSF, 1, -1, NULL, 0, NULL},
    {"StSetLimMsk", WT_SUNSPEC_BITFIELD32, 2, -1, NULL, 11, m122_stsetlimmsk},
    {"StActCtl", WT_SUNSPEC_BITFIELD32, 2, -1, NULL, 14, m122_stactctl},
    {"TmSrc", WT_SUNSPEC_STRING, 4, -1, NULL, 0, NULL},
    {"Tms", WT_SUNSPEC_UINT32, 2, -1, "Secs", 0, NULL},
    {"RtSt", WT_SUNSPEC_BITFIELD16, 1, -1, NULL, 4, m122_rtst},
    {"Ris", WT_SUNSPEC_UINT16, 1, 21, "ohms", 0, NULL},
    {"Ris_SF", WT_SUNSPEC_SUNSSF, 1, -1, NULL, 0, NULL},
};

static const wt_sunspec_symbol m123_conn[] = {{0, "DISCONNECT"}, {1, "CONNECT"}};
static const wt_sunspec_symbol m123_wmaxlim_ena[] = {{0, "DISABLED"}, {1, "ENABLED"}};
static const wt_sunspec_symbol m123_varpct_mod[] = {
    {0, "NONE"}, {1, "WMax"}, {2, "VArMax"}, {3, "VArAval"}};
static const wt_sunspec_point_def m123_points[] = {
    {"ID", WT_SUNSPEC_UINT16, 1, -1, NULL, 0, NULL},
    {"L", WT_SUNSPEC_UINT16, 1, -1, NULL, 0, NULL},
    {"Conn_WinTms", WT_SUNSPEC_UINT16, 1, -1, "Secs", 0, NULL},
    {"Conn_RvrtTms", WT_SUNSPEC_UINT16, 1, -1, "Secs", 0, NULL},
    {"Conn", WT_SUNSPEC_ENUM16, 1, -1, NULL, 2, m123_conn},
    {"WMaxLimPct", WT_SUNSPEC_UINT16, 1, 23, "% WMax", 0, NULL},
    {"WMaxLimPct_WinTms", WT_SUNSPEC_UINT16, 1, -1, "Secs", 0, NULL},
    {"WMaxLimPct_RvrtTms", WT_SUNSPEC_UINT16, 1, -1, "Secs", 0, NULL},
    {"WMaxLimPct_RmpTms", WT_SUNSPEC_UINT16, 1, -1, "Secs", 0, NULL},
    {"WMaxLim_Ena", WT_SUNSPEC_ENUM16, 1, -1, NULL, 2, m123_wmaxlim_ena},
    {"OutPFSet", WT_SUNSPEC_INT16, 1, 24, "cos()", 0, NULL},
    {"OutPFSet_WinTms", WT_SUNSPEC_UINT16, 1, -1, "Secs", 0, NULL},
    {"OutPFSet_RvrtTms", WT_SUNSPEC_UINT16, 1, -1, "Secs", 0, NULL},
    {"OutPFSet_RmpTms", WT_SUNSPEC_UINT16, 1, -1, "Secs", 0, NULL},
    {"OutPFSet_Ena", WT_SUNSPEC_ENUM16, 1, -1, NULL, 2, m123_wmaxlim_ena},
    {"VArWMaxPct", WT_SUNSPEC_INT16, 1, 25, "% WMax", 0, NULL},
    {"VArMaxPct", WT_SUNSPEC_INT16, 1, 25, "% VArMax", 0, NULL},
    {"VArAvalPct", WT_SUNSPEC_INT16, 1, 25, "% VArAval", 0, NULL},
    {"VArPct_WinTms", WT_SUNSPEC_UINT16, 1, -1, "Secs", 0, NULL},
    {"VArPct_RvrtTms", WT_SUNSPEC_UINT16, 1, -1, "Secs", 0, NULL},
    {"VArPct_RmpTms", WT_SUNSPEC_UINT16, 1, -1, "Secs", 0, NULL},
    {"VArPct_Mod", WT_SUNSPEC_ENUM16, 1, -1, NULL, 4, m123_varpct_mod},
    {"VArPct_Ena", WT_SUNSPEC_ENUM16, 1, -1, NULL, 2, m123_wmaxlim_ena},
    {"WMaxLimPct_SF", WT_SUNSPEC_SUNSSF, 1, -1, NULL, 0, NULL},
    {"OutPFSet_SF", WT_SUNSPEC_SUNSSF, 1, -1, NULL, 0, NULL},
    {"VArPct_SF", WT_SUNSPEC_SUNSSF, 1, -1, NULL, 0, NULL},
};

static const wt_sunspec_symbol m124_storctl_mod[] = {{0, "CHARGE"}, {1, "DiSCHARGE"}};
static const wt_sunspec_symbol m124_chast[] = {{1, "OFF"},      {2, "EMPTY"}, {3, "DISCHARGING"},
                                               {4, "CHARGING"}, {5, "FULL"},  {6, "HOLDING"},
                                               {7, "TESTING"}};
static const wt_sunspec_symbol m124_chagriset[] = {{0, "PV"}, {1, "GRID"}};
static const wt_sunspec_point_def m124_points[] = {
    {"ID", WT_SUNSPEC_UINT16, 1, -1, NULL, 0, NULL},
    {"L", WT_SUNSPEC_UINT16, 1, -1, NULL, 0, NULL},
    {"WChaMax", WT_SUNSPEC_UINT16, 1, 18, "W", 0, NULL},
    {"WChaGra", WT_SUNSPEC_UINT16, 1, 19, "% WChaMax/sec", 0, NULL},
    {"WDisChaGra", WT_SUNSPEC_UINT16, 1, 19, "% WChaMax/sec", 0, NULL},
    {"StorCtl_Mod", WT_SUNSPEC_BITFIELD16, 1, -1, NULL, 2, m124_storctl_mod},
    {"VAChaMax", WT_SUNSPEC_UINT16, 1, 20, "VA", 0, NULL},
    {"MinRsvPct", WT_SUNSPEC_UINT16, 1, 21, "% WChaMax", 0, NULL},
    {"ChaState", WT_SUNSPEC_UINT16, 1, 22, "% AhrRtg", 0, NULL},
    {"StorAval", WT_SUNSPEC_UINT16, 1, 23, "AH", 0, NULL},
    {"InBatV", WT_SUNSPEC_UINT16, 1, 24, "V", 0, NULL},
    {"ChaSt", WT_SUNSPEC_ENUM16, 1, -1, NULL, 7, m124_chast},
    {"OutWRte", WT_SUNSPEC_INT16, 1, 25, "% WDisChaMax", 0, NULL},
    {"InWRte", WT_SUNSPEC_INT16, 1, 25, " % WChaMax", 0, NULL},
    {"InOutWRte_WinTms", WT_SUNSPEC_UINT16, 1, -1, "Secs", 0, NULL},
    {"InOutWRte_RvrtTms", WT_SUNSPEC_UINT16, 1, -1, "Secs", 0, NULL},
    {"InOutWRte_RmpTms", WT_SUNSPEC_UINT16, 1, -1, "Secs", 0, NULL},
    {"ChaGriSet", WT_SUNSPEC_ENUM16, 1, -1, NULL, 2, m124_chagriset},
    {"WChaMax_SF", WT_SUNSPEC_SUNSSF, 1, -1, NULL, 0, NULL},
    {"WChaDisChaGra_SF", WT_SUNSPEC_SUNSSF, 1, -1, NULL, 0, NULL},
    {"VAChaMax_SF", WT_SUNSPEC_SUNSSF, 1, -1, NULL, 0, NULL},
    {"MinRsvPct_SF", WT_SUNSPEC_SUNSSF, 1, -1, NULL, 0, NULL},
    {"ChaState_SF", WT_SUNSPEC_SUNSSF, 1, -1, NULL, 0, NULL},
    {"StorAval_SF", WT_SUNSPEC_SUNSSF, 1, -1, NULL, 0, NULL},
    {"InBatV_SF", WT_SUNSPEC_SUNSSF, 1, -1, NULL, 0, NULL},
    {"InOutWRte_SF", WT_SUNSPEC_SUNSSF, 1, -1, NULL, 0, NULL},
};

static const wt_sunspec_symbol m127_hysena[] = {{0, "ENABLED"}};
static const wt_sunspec_point_def m127_points[] = {
    {"ID", WT_SUNSPEC_UINT16, 1, -1, NULL, 0, NULL},
    {"L", WT_SUNSPEC_UINT16, 1, -1, NULL, 0, NULL},
    {"WGra", WT_SUNSPEC_UINT16, 1, 8, "% PM/Hz", 0, NULL},
    {"HzStr", WT_SUNSPEC_INT16, 1, 9, "Hz", 0, NULL},
    {"HzStop", WT_SUNSPEC_INT16, 1, 9, "Hz", 0, NULL},
    {"HysEna", WT_SUNSPEC_BITFIELD16, 1, -1, NULL, 1, m127_hysena},
    {"ModEna", WT_SUNSPEC_BITFIELD16, 1, -1, NULL, 1, m127_hysena},
    {"HzStopWGra", WT_SUNSPEC_UINT16, 1, 10, "% WMax/min", 0, NULL},
    {"WGra_SF", WT_SUNSPEC_SUNSSF, 1, -1, NULL, 0, NULL},
    {"HzStrStop_SF", WT_SUNSPEC_SUNSSF, 1, -1, NULL, 0, NULL},
    {"RmpIncDec_SF", WT_SUNSPEC_SUNSSF, 1, -1, NULL, 0, NULL},
    {"Pad", WT_SUNSPEC_PAD, 1, -1, NULL, 0, NULL},
};

static const wt_sunspec_symbol m128_argramod[] = {{0, "EDGE"}, {1, "CENTER"}};
static const wt_sunspec_point_def m128_points[] = {
    {"ID", WT_SUNSPEC_UINT16, 1, -1, NULL, 0, NULL},
    {"L", WT_SUNSPEC_UINT16, 1, -1, NULL, 0, NULL},
    {"ArGraMod", WT_SUNSPEC_ENUM16, 1, -1, NULL, 2, m128_argramod},
    {"ArGraSag", WT_SUNSPEC_UINT16, 1, 13, "%ARtg/%dV", 0, NULL},
    {"ArGraSwell", WT_SUNSPEC_UINT16, 1, 13, "%ARtg/%dV", 0, NULL},
    {"ModEna", WT_SUNSPEC_BITFIELD16, 1, -1, NULL, 1, m127_hysena},
    {"FilTms", WT_SUNSPEC_UINT16, 1, -1, "Secs", 0, NULL},
    {"DbVMin", WT_SUNSPEC_UINT16, 1, 14, "% VRef", 0, NULL},
    {"DbVMax", WT_SUNSPEC_UINT16, 1, 14, "% VRef", 0, NULL},
    {"BlkZnV", WT_SUNSPEC_UINT16, 1, 14, "% VRef", 0, NULL},
    {"HysBlkZnV", WT_SUNSPEC_UINT16, 1, 14, "% VRef", 0, NULL},
    {"BlkZnTmms", WT_SUNSPEC_UINT16, 1, -1, "mSecs", 0, NULL},
    {"HoldTmms", WT_SUNSPEC_UINT16, 1, -1, "mSecs", 0, NULL},
    {"ArGra_SF", WT_SUNSPEC_SUNSSF, 1, -1, NULL, 0, NULL},
    {"VRefPct_SF", WT_SUNSPEC_SUNSSF, 1, -1, NULL, 0, NULL},
    {"Pad", WT_SUNSPEC_PAD, 1, -1, NULL, 0, NULL},
};

static const wt_sunspec_symbol m201_evt[] = {
    {2, "Power_Failure"}, {3, "Under_Voltage"},  {4, "Low_PF"}, {5, "Over_Current"},
    {6, "Over_Voltage"},  {7, "Missing_Sensor"}, {16, "OEM01"}, {17, "OEM02"},
    {18, "OEM03"},        {19, "OEM04"},         {20, "OEM05"}, {21, "OEM06"},
    {22, "OEM07"},        {23, "OEM08"},         {24, "OEM09"}, {25, "OEM10"},
    {26, "OEM11"},        {27, "OEM12"},         {28, "OEM13"}, {29, "OEM14"},
    {30, "OEM15"}};
static const wt_sunspec_point_def m201_points[] = {
    {"ID", WT_SUNSPEC_UINT16, 1, -1, NULL, 0, NULL},
    {"L", WT_SUNSPEC_UINT16, 1, -1, NULL, 0, NULL},
    {"A", WT_SUNSPEC_INT16, 1, 6, "A", 0, NULL},
    {"AphA", WT_SUNSPEC_INT16, 1, 6, "A", 0, NULL},
    {"AphB", WT_SUNSPEC_INT16, 1, 6, "A", 0, NULL},
    {"AphC", WT_SUNSPEC_INT16, 1, 6, "A", 0, NULL},
    {"A_SF", WT_SUNSPEC_SUNSSF, 1, -1, NULL, 0, NULL},
    {"PhV", WT_SUNSPEC_INT16, 1, 15, "V", 0, NULL},
    {"PhVphA", WT_SUNSPEC_INT16, 1, 15, "V", 0, NULL},
    {"PhVphB", WT_SUNSPEC_INT16, 1, 15, "V", 0, NULL},
    {"PhVphC", WT_SUNSPEC_INT16, 1, 15, "V", 0, NULL},
    {"PPV", WT_SUNSPEC_INT16, 1, 15, "V", 0, NULL},
    {"PPVphAB", WT_SUNSPEC_INT16, 1, 15, "V", 0, NULL},
    {"PPVphBC", WT_SUNSPEC_INT16, 1, 15, "V", 0, NULL},
    {"PPVphCA", WT_SUNSPEC_INT16, 1, 15, "V", 0, NULL},
    {"V_SF", WT_SUNSPEC_SUNSSF, 1, -1, NULL, 0, NULL},
    {"Hz", WT_SUNSPEC_INT16, 1, 17, "Hz", 0, NULL},
    {"Hz_SF", WT_SUNSPEC_SUNSSF, 1, -1, NULL, 0, NULL},
    {"W", WT_SUNSPEC_INT16, 1, 22, "W", 0, NULL},
    {"WphA", WT_SUNSPEC_INT16, 1, 22, "W", 0, NULL},
    {"WphB", WT_SUNSPEC_INT16, 1, 22, "W", 0, NULL},
    {"WphC", WT_SUNSPEC_INT16, 1, 22, "W", 0, NULL},
    {"W_SF", WT_SUNSPEC_SUNSSF, 1, -1, NULL, 0, NULL},
    {"VA", WT_SUNSPEC_INT16, 1, 27, "VA", 0, NULL},
    {"VAphA", WT_SUNSPEC_INT16, 1, 27, "VA", 0, NULL},
    {"VAphB", WT_SUNSPEC_INT16, 1, 27, "VA", 0, NULL},
    {"VAphC", WT_SUNSPEC_INT16, 1, 27, "VA", 0, NULL},
    {"VA_SF", WT_SUNSPEC_SUNSSF, 1, -1, NULL, 0, NULL},
    {"VAR", WT_SUNSPEC_INT16, 1, 32, "var", 0, NULL},
    {"VARphA", WT_SUNSPEC_INT16, 1, 32, "var", 0, NULL},
    {"VARphB", WT_SUNSPEC_INT16, 1, 32, "var", 0, NULL},
    {"VARphC", WT_SUNSPEC_INT16, 1, 32, "var", 0, NULL},
    {"VAR_SF", WT_SUNSPEC_SUNSSF, 1, -1, NULL, 0, NULL},
    {"PF", WT_SUNSPEC_INT16, 1, 37, "Pct", 0, NULL},
    {"PFphA", WT_SUNSPEC_INT16, 1, 37, "Pct", 0, NULL},
    {"PFphB", WT_SUNSPEC_INT16, 1, 37, "Pct", 0, NULL},
    {"PFphC", WT_SUNSPEC_INT16, 1, 37, "Pct", 0, NULL},
    {"PF_SF", WT_SUNSPEC_SUNSSF, 1, -1, NULL, 0, NULL},
    {"TotWhExp", WT_SUNSPEC_ACC32, 2, 46, "Wh", 0, NULL},
    {"TotWhExpPhA", WT_SUNSPEC_ACC32, 2, 46, "Wh", 0, NULL},
    {"TotWhExpPhB", WT_SUNSPEC_ACC32, 2, 46, "Wh", 0, NULL},
    {"TotWhExpPhC", WT_SUNSPEC_ACC32, 2, 46, "Wh", 0, NULL},
    {"TotWhImp", WT_SUNSPEC_ACC32, 2, 46, "Wh", 0, NULL},
    {"TotWhImpPhA", WT_SUNSPEC_ACC32, 2, 46, "Wh", 0, NULL},
    {"TotWhImpPhB", WT_SUNSPEC_ACC32, 2, 46, "Wh", 0, NULL},
    {"TotWhImpPhC", WT_SUNSPEC_ACC32, 2, 46, "Wh", 0, NULL},
    {"TotWh_SF", WT_SUNSPEC_SUNSSF, 1, -1, NULL, 0, NULL},
    {"TotVAhExp", WT_SUNSPEC_ACC32, 2, 55, "VAh", 0, NULL},
    {"TotVAhExpPhA", WT_SUNSPEC_ACC32, 2, 55, "VAh", 0, NULL},
    {"TotVAhExpPhB", WT_SUNSPEC_ACC32, 2, 55, "VAh", 0, NULL},
    {"TotVAhExpPhC", WT_SUNSPEC_ACC32, 2, 55, "VAh", 0, NULL},
    {"TotVAhImp", WT_SUNSPEC_ACC32, 2, 55, "VAh", 0, NULL},
    {"TotVAhImpPhA", WT_SUNSPEC_ACC32, 2, 55, "VAh", 0, NULL},
    {"TotVAhImpPhB", WT_SUNSPEC_ACC32, 2, 55, "VAh", 0, NULL},
    {"TotVAhImpPhC", WT_SUNSPEC_ACC32, 2, 55, "VAh", 0, NULL},
    {"TotVAh_SF", WT_SUNSPEC_SUNSSF, 1, -1, NULL, 0, NULL},
    {"TotVArhImpQ1", WT_SUNSPEC_ACC32, 2, 72, "varh", 0, NULL},
    {"TotVArhImpQ1PhA", WT_SUNSPEC_ACC32, 2, 72, "varh", 0, NULL},
    {"TotVArhImpQ1PhB", WT_SUNSPEC_ACC32, 2, 72, "varh", 0, NULL},
    {"TotVArhImpQ1PhC", WT_SUNSPEC_ACC32, 2, 72, "varh", 0, NULL},
    {"TotVArhImpQ2", WT_SUNSPEC_ACC32, 2, 72, "varh", 0, NULL},
    {"TotVArhImpQ2PhA", WT_SUNSPEC_ACC32, 2, 72, "varh", 0, NULL},
    {"TotVArhImpQ2PhB", WT_SUNSPEC_ACC32, 2, 72, "varh", 0, NULL},
    {"TotVArhImpQ2PhC", WT_SUNSPEC_ACC32, 2, 72, "varh", 0, NULL},
    {"TotVArhExpQ3", WT_SUNSPEC_ACC32, 2, 72, "varh", 0, NULL},
    {"TotVArhExpQ3PhA", WT_SUNSPEC_ACC32, 2, 72, "varh", 0, NULL},
    {"TotVArhExpQ3PhB", WT_SUNSPEC_ACC32, 2, 72, "varh", 0, NULL},
    {"TotVArhExpQ3PhC", WT_SUNSPEC_ACC32, 2, 72, "varh", 0, NULL},
    {"TotVArhExpQ4", WT_SUNSPEC_ACC32, 2, 72, "varh", 0, NULL},
    {"TotVArhExpQ4PhA", WT_SUNSPEC_ACC32, 2, 72, "varh", 0, NULL},
    {"TotVArhExpQ4PhB", WT_SUNSPEC_ACC32, 2, 72, "varh", 0, NULL},
    {"TotVArhExpQ4PhC", WT_SUNSPEC_ACC32, 2, 72, "varh", 0, NULL},
    {"TotVArh_SF", WT_SUNSPEC_SUNSSF, 1, -1, NULL, 0, NULL},
    {"Evt", WT_SUNSPEC_BITFIELD32, 2, -1, NULL, 21, m201_evt},
};

static const wt_sunspec_symbol m202_evt[] = {
    {2, "M_EVENT_Power_Failure"}, {3, "M_EVENT_Under_Voltage"}, {4, "M_EVENT_Low_PF"},
    {5, "M_EVENT_Over_Current"},  {6, "M_EVENT_Over_Voltage"},  {7, "M_EVENT_Missing_Sensor"},
    {8, "M_EVENT_Reserved1"},     {9, "M_EVENT_Reserved2"},     {10, "M_EVENT_Reserved3"},
    {11, "M_EVENT_Reserved4"},    {12, "M_EVENT_Reserved5"},    {13, "M_EVENT_Reserved6"},
    {14, "M_EVENT_Reserved7"},    {15, "M_EVENT_Reserved8"},    {16, "M_EVENT_OEM01"},
    {17, "M_EVENT_OEM02"},        {18, "M_EVENT_OEM03"},        {19, "M_EVENT_OEM04"},
    {20, "M_EVENT_OEM05"},        {21, "M_EVENT_OEM06"},        {22, "M_EVENT_OEM07"},
    {23, "M_EVENT_OEM08"},        {24, "M_EVENT_OEM09"},        {25, "M_EVENT_OEM10"},
    {26, "M_EVENT_OEM11"},        {27, "M_EVENT_OEM12"},        {28, "M_EVENT_OEM13"},
    {29, "M_EVENT_OEM14"},        {30, "M_EVENT_OEM15"}};
static const wt_sunspec_point_def m202_points[] = {
    {"ID", WT_SUNSPEC_UINT16, 1, -1, NULL, 0, NULL},
    {"L", WT_SUNSPEC_UINT16, 1, -1, NULL, 0, NULL},
    {"A", WT_SUNSPEC_INT16, 1, 6, "A", 0, NULL},
    {"AphA", WT_SUNSPEC_INT16, 1, 6, "A", 0, NULL},
    {"AphB", WT_SUNSPEC_INT16, 1, 6, "A", 0, NULL},
    {"AphC", WT_SUNSPEC_INT16, 1, 6, "A", 0, NULL},
    {"A_SF", WT_SUNSPEC_SUNSSF, 1, -1, NULL, 0, NULL},
    {"PhV", WT_SUNSPEC_INT16, 1, 15, "V", 0, NULL},
    {"PhVphA", WT_SUNSPEC_INT16, 1, 15, "V", 0, NULL},
    {"PhVphB", WT_SUNSPEC_INT16, 1, 15, "V", 0, NULL},
    {"PhVphC", WT_SUNSPEC_INT16, 1, 15, "V", 0, NULL},
    {"PPV", WT_SUNSPEC_INT16, 1, 15, "V", 0, NULL},
    {"PhVphAB", WT_SUNSPEC_INT16, 1, 15, "V", 0, NULL},
    {"PhVphBC", WT_SUNSPEC_INT16, 1, 15, "V", 0, NULL},
    {"PhVphCA", WT_SUNSPEC_INT16, 1, 15, "V", 0, NULL},
    {"V_SF", WT_SUNSPEC_SUNSSF, 1, -1, NULL, 0, NULL},
    {"Hz", WT_SUNSPEC_INT16, 1, 17, "Hz", 0, NULL},
    {"Hz_SF", WT_SUNSPEC_SUNSSF, 1, -1, NULL, 0, NULL},
    {"W", WT_SUNSPEC_INT16, 1, 22, "W", 0, NULL},
    {"WphA", WT_SUNSPEC_INT16, 1, 22, "W", 0, NULL},
    {"WphB", WT_SUNSPEC_INT16, 1, 22, "W", 0, NULL},
    {"WphC", WT_SUNSPEC_INT16, 1, 22, "W", 0, NULL},
    {"W_SF", WT_SUNSPEC_SUNSSF, 1, -1, NULL, 0, NULL},
    {"VA", WT_SUNSPEC_INT16, 1, 27, "VA", 0, NULL},
    {"VAphA", WT_SUNSPEC_INT16, 1, 27, "VA", 0, NULL},
    {"VAphB", WT_SUNSPEC_INT16, 1, 27, "VA", 0, NULL},
    {"VAphC", WT_SUNSPEC_INT16, 1, 27, "VA", 0, NULL},
    {"VA_SF", WT_SUNSPEC_SUNSSF, 1, -1, NULL, 0, NULL},
    {"VAR", WT_SUNSPEC_INT16, 1, 32, "var", 0, NULL},
    {"VARphA", WT_SUNSPEC_INT16, 1, 32, "var", 0, NULL},
    {"VARphB", WT_SUNSPEC_INT16, 1, 32, "var", 0, NULL},
    {"VARphC", WT_SUNSPEC_INT16, 1, 32, "var", 0, NULL},
    {"VAR_SF", WT_SUNSPEC_SUNSSF, 1, -1, NULL, 0, NULL},
    {"PF", WT_SUNSPEC_INT16, 1, 37, "Pct", 0, NULL},
    {"PFphA", WT_SUNSPEC_INT16, 1, 37, "Pct", 0, NULL},
    {"PFphB", WT_SUNSPEC_INT16, 1, 37, "Pct", 0, NULL},
    {"PFphC", WT_SUNSPEC_INT16, 1, 37, "Pct", 0, NULL},
    {"PF_SF", WT_SUNSPEC_SUNSSF, 1, -1, NULL, 0, NULL},
    {"TotWhExp", WT_SUNSPEC_ACC32, 2, 46, "Wh", 0, NULL},
    {"TotWhExpPhA", WT_SUNSPEC_ACC32, 2, 46, "Wh", 0, NULL},
    {"TotWhExpPhB", WT_SUNSPEC_ACC32, 2, 46, "Wh", 0, NULL},
    {"TotWhExpPhC", WT_SUNSPEC_ACC32, 2, 46, "Wh", 0, NULL},
    {"TotWhImp", WT_SUNSPEC_ACC32, 2, 46, "Wh", 0, NULL},
    {"TotWhImpPhA", WT_SUNSPEC_ACC32, 2, 46, "Wh", 0, NULL},
    {"TotWhImpPhB", WT_SUNSPEC_ACC32, 2, 46, "Wh", 0, NULL},
    {"TotWhImpPhC", WT_SUNSPEC_ACC32, 2, 46, "Wh", 0, NULL},
    {"TotWh_SF", WT_SUNSPEC_SUNSSF, 1, -1, NULL, 0, NULL},
    {"TotVAhExp", WT_SUNSPEC_ACC32, 2, 55, "VAh", 0, NULL},
    {"TotVAhExpPhA", WT_SUNSPEC_ACC32, 2, 55, "VAh", 0, NULL},
    {"TotVAhExpPhB", WT_SUNSPEC_ACC32, 2, 55, "VAh", 0, NULL},
    {"TotVAhExpPhC", WT_SUNSPEC_ACC32, 2, 55, "VAh", 0, NULL},
    {"TotVAhImp", WT_SUNSPEC_ACC32, 2, 55, "VAh", 0, NULL},
    {"TotVAhImpPhA", WT_SUNSPEC_ACC32, 2, 55, "VAh", 0, NULL},
    {"TotVAhImpPhB", WT_SUNSPEC_ACC32, 2, 55, "VAh", 0, NULL},
    {"TotVAhImpPhC", WT_SUNSPEC_ACC32, 2, 55, "VAh", 0, NULL},
    {"TotVAh_SF", WT_SUNSPEC_SUNSSF, 1, -1, NULL, 0, NULL},
    {"TotVArhImpQ1", WT_SUNSPEC_ACC32, 2, 72, "varh", 0, NULL},
    {"TotVArhImpQ1PhA", WT_SUNSPEC_ACC32, 2, 72, "varh", 0, NULL},
    {"TotVArhImpQ1PhB", WT_SUNSPEC_ACC32, 2, 72, "varh", 0, NULL},
    {"TotVArhImpQ1PhC", WT_SUNSPEC_ACC32, 2, 72, "varh", 0, NULL},
    {"TotVArhImpQ2", WT_SUNSPEC_ACC32, 2, 72, "varh", 0, NULL},
    {"TotVArhImpQ2PhA", WT_SUNSPEC_ACC32, 2, 72, "varh", 0, NULL},
    {"TotVArhImpQ2PhB", WT_SUNSPEC_ACC32, 2, 72, "varh", 0, NULL},
    {"TotVArhImpQ2PhC", WT_SUNSPEC_ACC32, 2, 72, "varh", 0, NULL},
    {"TotVArhExpQ3", WT_SUNSPEC_ACC32, 2, 72, "varh", 0, NULL},
    {"TotVArhExpQ3PhA", WT_SUNSPEC_ACC32, 2, 72, "varh", 0, NULL},
    {"TotVArhExpQ3PhB", WT_SUNSPEC_ACC32, 2, 72, "varh", 0, NULL},
    {"TotVArhExpQ3PhC", WT_SUNSPEC_ACC32, 2, 72, "varh", 0, NULL},
    {"TotVArhExpQ4", WT_SUNSPEC_ACC32, 2, 72, "varh", 0, NULL},
    {"TotVArhExpQ4PhA", WT_SUNSPEC_ACC32, 2, 72, "varh", 0, NULL},
    {"TotVArhExpQ4PhB", WT_SUNSPEC_ACC32, 2, 72, "varh", 0, NULL},
    {"TotVArhExpQ4PhC", WT_SUNSPEC_ACC32, 2, 72, "varh", 0, NULL},
    {"TotVArh_SF", WT_SUNSPEC_SUNSSF, 1, -1, NULL, 0, NULL},
    {"Evt", WT_SUNSPEC_BITFIELD32, 2, -1, NULL, 29, m202_evt},
};

static const wt_sunspec_model_def model_defs[] = {
    {1, "common", 66, 9, m1_points},
    {11, "model_11", 13, 9, m11_points},
    {12, "model_12", 98, 18, m12_points},
    {101, "inverter_single_phase", 50, 45, m101_points},
    {102, "inverter_split_phase", 50, 45, m101_points},
    {103, "inverter_three_phase", 50, 45, m101_points},
    {120, "nameplate", 26, 28, m120_points},
    {121, "settings", 30, 32, m121_points},
    {122, "status", 44, 22, m122_points},
    {123, "controls", 24, 26, m123_points},
    {124, "storage_basic", 24, 26, m124_points},
    {127, "freq_watt_param", 10, 12, m127_points},
    {128, "reactive_current", 14, 16, m128_points},
    {201, "ac_meter_an_or_ab", 105, 74, m201_points},
    {202, "ac_meter_abn", 105, 74, m202_points},
    {203, "ac_meter_abcn", 105, 74, m202_points},
    {204, "ac_meter_abc", 105, 74, m202_points},
};

const wt_sunspec_model_def *wt_sunspec_model_def_at(size_t i)
{
    return i < sizeof model_defs / sizeof model_defs[0] ? &model_defs[i] : NULL;
}

const wt_sunspec_model_def *wt_sunspec_model_def_find(uint16_t id)
{
    for (size_t i = 0; i < sizeof model_defs / sizeof model_defs[0]; i++)
        if (model_defs[i].id == id)
            return &model_defs[i];
    return NULL;
}

const char *wt_sunspec_type_name(wt_sunspec_type type)
{
    switch (type) {
    case WT_SUNSPEC_UINT16:
        return "uint16";
    case WT_SUNSPEC_INT16:
        return "int16";
    case WT_SUNSPEC_UINT32:
        return "uint32";
    case WT_SUNSPEC_ACC32:
        return "acc32";
    case WT_SUNSPEC_ACC64:
        return "acc64";
    case WT_SUNSPEC_SUNSSF:
        return "sunssf";
    case WT_SUNSPEC_ENUM16:
        return "enum16";
    case WT_SUNSPEC_BITFIELD16:
        return "bitfield16";
    case WT_SUNSPEC_BITFIELD32:
        return "bitfield32";
    case WT_SUNSPEC_STRING:
        return "string";
    case WT_SUNSPEC_PAD:
        return "pad";
    case WT_SUNSPEC_EUI48:
        return "eui48";
    }
    return "unknown";
}
