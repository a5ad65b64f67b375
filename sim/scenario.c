/*
 * scenario.c — the scenario file (see sim.h and the README's wattle-sim
 * section). INI through Debian's libinih: a small, long-maintained C parser
 * that hands over (section, key, value) and the line of the first error,
 * which is what a planner's hand-written file needs; the engine's JSON
 * library would make people write braces and quotes for a flat list of
 * settings. Sections are found by a first pass over the text (libinih does
 * not report empty sections, and `[zone campus]` alone is a whole root
 * zone) so every section also has its line for messages.
 */
#include "sim.h"

#include <ini.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SECTIONS_MAX 256

typedef enum { SEC_SCENARIO, SEC_MARKET, SEC_TARIFF, SEC_ZONE, SEC_STRATEGY, SEC_GROUP } sec_kind;

typedef struct {
    sec_kind kind;
    int line;
    char header[2 * WT_SIM_NAME_MAX + 16]; /* as libinih passes it: "zone north" */
    int index;                             /* zone, strategy or group index */
    char parent[WT_SIM_NAME_MAX + 1];      /* zones */
    bool has_count, has_zone, has_pv;      /* groups */
} section;

typedef struct {
    wt_sim_scenario *sc;
    wt_sim_error *err;
    const char *file;
    section sections[SECTIONS_MAX];
    size_t sections_count, at; /* at: the section libinih is in */
    bool failed;
    bool has_start, has_duration, has_interval;
    int retail_kind_line, feed_in_kind_line;
} parse_ctx;

static void fail(parse_ctx *c, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void fail(parse_ctx *c, int line, const char *fmt, ...)
{
    if (c->failed)
        return;
    c->failed = true;
    c->err->line = line;
    int n = line > 0 ? snprintf(c->err->message, sizeof c->err->message, "%s:%d: ", c->file, line)
                     : snprintf(c->err->message, sizeof c->err->message, "%s: ", c->file);
    if (n < 0 || (size_t)n >= sizeof c->err->message)
        n = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err->message + n, sizeof c->err->message - (size_t)n, fmt, ap);
    va_end(ap);
}

/* ------------------------------------------------------------- values */

static bool parse_u64(uint64_t *out, const char *v)
{
    if (*v < '0' || *v > '9')
        return false;
    char *end;
    unsigned long long x = strtoull(v, &end, 10);
    if (*end != '\0' || (x == ULLONG_MAX))
        return false;
    *out = x;
    return true;
}

/* A decimal of up to `digits` decimals scaled by 10^digits, within [lo, hi]. */
static bool parse_scaled(int64_t *out, const char *v, unsigned digits, int64_t lo, int64_t hi)
{
    int64_t x;
    if (wt_decimal_parse(&x, v, digits, lo < 0) != WT_OK || x < lo || x > hi)
        return false;
    *out = x;
    return true;
}

/* U-Coin per kWh as micro per kWh. */
static bool parse_price(int64_t *out, const char *v)
{
    return parse_scaled(out, v, 6, 0, INT64_C(1000000000) * WT_MICRO_PER_UNIT);
}

/* A ratio in [0, 1] as ppm. */
static bool parse_ppm(uint32_t *out, const char *v)
{
    int64_t x;
    if (!parse_scaled(&x, v, 6, 0, 1000000))
        return false;
    *out = (uint32_t)x;
    return true;
}

/* "15m", "5s", "1h", "365d", "900000ms" (a bare number is seconds). */
static bool parse_duration_ms(int64_t *out, const char *v)
{
    char *end;
    if (*v < '0' || *v > '9')
        return false;
    unsigned long long n = strtoull(v, &end, 10);
    int64_t unit = 1000;
    if (strcmp(end, "ms") == 0)
        unit = 1;
    else if (strcmp(end, "s") == 0 || *end == '\0')
        unit = 1000;
    else if (strcmp(end, "m") == 0)
        unit = 60000;
    else if (strcmp(end, "h") == 0)
        unit = 3600000;
    else if (strcmp(end, "d") == 0)
        unit = 86400000;
    else
        return false;
    if (n > (unsigned long long)(INT64_MAX / unit))
        return false;
    *out = (int64_t)n * unit;
    return true;
}

/* "HH:MM" -> minutes of the day (24:00 allowed as the day's end). */
static bool parse_clock_min(int32_t *out, const char *v)
{
    unsigned h, m;
    int used = 0;
    if (sscanf(v, "%2u:%2u%n", &h, &m, &used) != 2 || v[used] != '\0' || m > 59 || h > 24 ||
        (h == 24 && m != 0))
        return false;
    *out = (int32_t)(h * 60 + m);
    return true;
}

/* "+09:00", "-08:00", "Z" / "UTC" -> ms. */
/* "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM" (local time) -> local ms (UTC
 * arithmetic; the offset is applied once the whole file is read). */
static bool parse_start_local(int64_t *out, const char *v)
{
    int y, mo, d, h = 0, mi = 0, used = 0;
    if (sscanf(v, "%4d-%2d-%2d%n", &y, &mo, &d, &used) != 3)
        return false;
    if (v[used] == 'T' || v[used] == ' ') {
        int more = 0;
        if (sscanf(v + used + 1, "%2d:%2d%n", &h, &mi, &more) != 2)
            return false;
        used += 1 + more;
    }
    return v[used] == '\0' && wt_civil_to_ms(out, y, mo, d, h, mi, 0);
}

/* ------------------------------------------------------------ sections */

static int find_zone(const wt_chain_params *p, const char *name)
{
    for (uint16_t z = 0; z < p->zones_count; z++)
        if (strcmp(p->zones[z].name, name) == 0)
            return z;
    return -1;
}

static int find_strategy(const wt_sim_scenario *sc, const char *name)
{
    for (size_t i = 0; i < sc->strategies_count; i++)
        if (strcmp(sc->strategies[i].name, name) == 0)
            return (int)i;
    return -1;
}

static bool name_ok(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > WT_SIM_NAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = name[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '-' || ch == '_' || ch == '.'))
            return false;
    }
    return true;
}

static void group_defaults(wt_sim_group *g)
{
    g->kind = WT_SIM_KIND_HOME;
    g->strategy = -1;
    g->pv_wp = 0;
    g->load_wh_per_day = 10000;
    g->battery_efficiency_ppm = 900000;
    g->soc_min_ppm = 100000;
    g->soc_max_ppm = 900000;
    g->ev_arrive_min = 18 * 60;
    g->ev_depart_min = 7 * 60;
}

/* The first pass: every "[...]" line, in order. */
static bool scan_sections(parse_ctx *c, const char *text, size_t len)
{
    wt_sim_scenario *sc = c->sc;
    int line = 0;
    bool seen_scenario = false, seen_market = false, seen_tariff = false;
    int long_line = wt_ini_long_line(text, len);
    if (long_line != 0) {
        fail(c, long_line, "the line is longer than %d characters", WT_INI_LINE_MAX);
        return false;
    }
    for (size_t i = 0; i < len;) {
        size_t end = i, line_start = i;
        while (end < len && text[end] != '\n')
            end++;
        line++;
        size_t a = i, b = end;
        while (a < b && (text[a] == ' ' || text[a] == '\t'))
            a++;
        while (b > a && (text[b - 1] == ' ' || text[b - 1] == '\t' || text[b - 1] == '\r'))
            b--;
        i = end + 1;
        if (a == b || text[a] != '[')
            continue;
        if (a > line_start) { /* libinih would read it as a value's continuation */
            fail(c, line, "a section header must start at the beginning of its line");
            return false;
        }
        const char *close = memchr(text + a, ']', b - a);
        if (close == NULL) {
            fail(c, line, "a section header needs its closing ']'");
            return false;
        }
        char header[2 * WT_SIM_NAME_MAX + 16];
        size_t hl = (size_t)(close - (text + a + 1));
        while (hl > 0 && text[a + 1] == ' ')
            a++, hl--;
        while (hl > 0 && text[a + hl] == ' ')
            hl--;
        if (hl >= sizeof header) {
            fail(c, line, "the section name is too long");
            return false;
        }
        memcpy(header, text + a + 1, hl);
        header[hl] = '\0';
        if (c->sections_count == SECTIONS_MAX) {
            fail(c, line, "more than %d sections", SECTIONS_MAX);
            return false;
        }
        section *s = &c->sections[c->sections_count];
        memset(s, 0, sizeof *s);
        s->line = line;
        memcpy(s->header, header, hl + 1);
        char *space = strchr(header, ' ');
        const char *name = space != NULL ? space + 1 : "";
        if (space != NULL)
            *space = '\0';
        while (*name == ' ')
            name++;
        for (size_t k = 0; k < c->sections_count; k++)
            if (strcmp(c->sections[k].header, s->header) == 0) {
                fail(c, line, "section [%s] is given twice (first on line %d)", s->header,
                     c->sections[k].line);
                return false;
            }
        bool single = true;
        if (strcmp(header, "scenario") == 0)
            s->kind = SEC_SCENARIO, seen_scenario = true;
        else if (strcmp(header, "market") == 0)
            s->kind = SEC_MARKET, seen_market = true;
        else if (strcmp(header, "tariff") == 0)
            s->kind = SEC_TARIFF, seen_tariff = true;
        else {
            single = false;
            if (strcmp(header, "zone") != 0 && strcmp(header, "strategy") != 0 &&
                strcmp(header, "households") != 0) {
                fail(c, line,
                     "unknown section [%s] (expected scenario, market, tariff, zone NAME, "
                     "strategy NAME or households NAME)",
                     s->header);
                return false;
            }
            if (!name_ok(name)) {
                fail(c, line,
                     "[%s] needs a name of 1..%d letters, digits, '-', '_' or '.' after it", header,
                     WT_SIM_NAME_MAX);
                return false;
            }
        }
        if (single && *name != '\0') {
            fail(c, line, "[%s] takes no name", header);
            return false;
        }
        if (strcmp(header, "zone") == 0) {
            wt_chain_params *p = &sc->params;
            if (p->zones_count == WT_CHAIN_ZONES_MAX) {
                fail(c, line, "more than %d zones", WT_CHAIN_ZONES_MAX);
                return false;
            }
            if (strlen(name) > WT_ZONE_NAME_BYTES_MAX) {
                fail(c, line, "zone name '%s' is longer than %d bytes", name,
                     WT_ZONE_NAME_BYTES_MAX);
                return false;
            }
            s->kind = SEC_ZONE;
            s->index = p->zones_count++;
            snprintf(p->zones[s->index].name, sizeof p->zones[s->index].name, "%s", name);
            p->zones[s->index].parent = WT_CHAIN_ZONE_NONE;
        } else if (strcmp(header, "strategy") == 0) {
            if (sc->strategies_count == WT_SIM_STRATEGIES_MAX) {
                fail(c, line, "more than %d strategies", WT_SIM_STRATEGIES_MAX);
                return false;
            }
            s->kind = SEC_STRATEGY;
            s->index = (int)sc->strategies_count++;
            wt_sim_strategy *st = &sc->strategies[s->index];
            snprintf(st->name, sizeof st->name, "%s", name);
            st->kind = WT_SIM_STRATEGY_FIXED;
            st->peak_from_hour = 17;
            st->peak_to_hour = 22;
        } else if (strcmp(header, "households") == 0) {
            if (sc->groups_count == WT_SIM_GROUPS_MAX) {
                fail(c, line, "more than %d households sections", WT_SIM_GROUPS_MAX);
                return false;
            }
            s->kind = SEC_GROUP;
            s->index = (int)sc->groups_count++;
            wt_sim_group *g = &sc->groups[s->index];
            group_defaults(g);
            g->line = line;
            snprintf(g->name, sizeof g->name, "%s", name);
        }
        c->sections_count++;
    }
    (void)seen_market;
    (void)seen_tariff;
    if (!seen_scenario) {
        fail(c, 0, "the [scenario] section is missing");
        return false;
    }
    return true;
}

#define IS(k) (strcmp(key, (k)) == 0)
#define BAD(...)                                                                                   \
    do {                                                                                           \
        snprintf(why, sizeof why, __VA_ARGS__);                                                    \
        goto bad;                                                                                  \
    } while (0)

static int on_key(void *user, const char *header, const char *key, const char *value)
{
    parse_ctx *c = user;
    if (c->failed)
        return 0;
    /* the scan keeps headers trimmed inside their brackets; libinih does not */
    char trimmed[2 * WT_SIM_NAME_MAX + 16];
    while (*header == ' ')
        header++;
    size_t hl = strlen(header);
    while (hl > 0 && header[hl - 1] == ' ')
        hl--;
    if (hl >= sizeof trimmed) {
        fail(c, 0, "a section name is too long");
        return 0;
    }
    memcpy(trimmed, header, hl);
    trimmed[hl] = '\0';
    header = trimmed;
    while (c->at < c->sections_count && strcmp(c->sections[c->at].header, header) != 0)
        c->at++;
    if (c->at == c->sections_count) { /* not a header the scan saw: refuse, never guess */
        fail(c, 0, "section [%s] is not written as '[kind name]' on a line of its own", header);
        return 0;
    }
    section *s = &c->sections[c->at];
    wt_sim_scenario *sc = c->sc;
    wt_chain_params *p = &sc->params;
    char why[320] = "";
    int64_t x;
    uint64_t u;
    switch (s->kind) {
    case SEC_SCENARIO:
        if (IS("name")) {
            if (!name_ok(value))
                BAD("a name of 1..%d letters, digits, '-', '_' or '.'", WT_SIM_NAME_MAX);
            snprintf(sc->name, sizeof sc->name, "%s", value);
        } else if (IS("start")) {
            if (!parse_start_local(&sc->start_ms, value))
                BAD("a local date YYYY-MM-DD or YYYY-MM-DDTHH:MM");
            c->has_start = true;
        } else if (IS("duration")) {
            if (!parse_duration_ms(&sc->duration_ms, value) || sc->duration_ms <= 0 ||
                sc->duration_ms > INT64_C(400) * 86400000)
                BAD("a duration such as 1d, 12h, 365d (at most 400d)");
            c->has_duration = true;
        } else if (IS("interval")) {
            if (!parse_duration_ms(&p->interval_ms, value) || p->interval_ms < 1000 ||
                p->interval_ms > 900000)
                BAD("an interval from 1s to 15m, such as 5s, 5m, 15m");
            c->has_interval = true;
        } else if (IS("seed")) {
            if (!parse_u64(&sc->seed, value))
                BAD("a whole number");
        } else if (IS("latitude")) {
            if (!parse_scaled(&sc->latitude_udeg, value, 6, -90000000, 90000000))
                BAD("degrees north, -90..90");
        } else if (IS("longitude")) {
            if (!parse_scaled(&sc->longitude_udeg, value, 6, -180000000, 180000000))
                BAD("degrees east, -180..180");
        } else if (IS("utc_offset")) {
            int32_t offset_s;
            if (wt_utc_offset_parse(&offset_s, value) != WT_OK)
                BAD("an offset such as +09:00 or -08:00");
            sc->utc_offset_ms = (int64_t)offset_s * 1000;
        } else if (IS("clear_days")) {
            if (!parse_ppm(&sc->clear_days_ppm, value))
                BAD("a share of days from 0 to 1");
        } else if (IS("balance")) {
            if (!parse_scaled(&sc->balance_micro, value, 6, 0, INT64_C(1000000000000) * 1000))
                BAD("U-Coin, 0 .. 10^15");
        } else
            BAD("unknown key '%s' in [scenario] (name, start, duration, interval, seed, "
                "latitude, longitude, utc_offset, clear_days, balance)",
                key);
        break;
    case SEC_MARKET:
        if (IS("mechanism")) {
            uint8_t mech;
            uint32_t k;
            wt_chain_market(p, &mech, &k);
            if (strcmp(value, "pay-as-clear") == 0)
                wt_chain_market_set(
                    p, WT_MECHANISM_PAY_AS_CLEAR,
                    mech == WT_MECHANISM_PAY_AS_CLEAR ? k : WT_CHAIN_MARKET_K_PPM_DEFAULT);
            else if (strcmp(value, "pay-as-bid") == 0)
                wt_chain_market_set(p, WT_MECHANISM_PAY_AS_BID, 0);
            else
                BAD("pay-as-clear or pay-as-bid");
        } else if (IS("k")) {
            uint32_t k;
            uint8_t mech;
            if (!parse_ppm(&k, value))
                BAD("a number from 0 to 1 (0: the buyer's price, 1: the seller's)");
            wt_chain_market(p, &mech, &(uint32_t){0});
            if (mech != WT_MECHANISM_PAY_AS_CLEAR)
                BAD("k applies to pay-as-clear only");
            wt_chain_market_set(p, WT_MECHANISM_PAY_AS_CLEAR, k);
        } else if (IS("price_ceiling")) {
            if (!parse_price(&p->price_ceiling_micro_per_kwh, value) ||
                p->price_ceiling_micro_per_kwh == 0)
                BAD("a price above 0 in U-Coin per kWh");
        } else
            BAD("unknown key '%s' in [market] (mechanism, k, price_ceiling)", key);
        break;
    case SEC_TARIFF:
        if (IS("retail") || IS("feed_in")) {
            if (!parse_price(IS("retail") ? &p->retail_micro_per_kwh : &p->feed_in_micro_per_kwh,
                             value))
                BAD("a price in U-Coin per kWh");
        } else if (IS("retail_tou") || IS("feed_in_tou")) {
            bool retail = IS("retail_tou");
            uint8_t *kind = retail ? &p->retail_tariff_kind : &p->feed_in_tariff_kind;
            if (*kind != WT_CHAIN_TARIFF_FLAT)
                BAD("the %s tariff already has a kind", retail ? "retail" : "feed-in");
            if (!wt_chain_tou_parse(retail ? p->retail_hour_micro_per_kwh
                                           : p->feed_in_hour_micro_per_kwh,
                                    value, why, sizeof why))
                goto bad;
            *kind = WT_CHAIN_TARIFF_TIME_OF_USE;
        } else if (IS("retail_tiers")) {
            if (p->retail_tariff_kind != WT_CHAIN_TARIFF_FLAT)
                BAD("the retail tariff already has a kind");
            if (!wt_chain_tiers_parse(p, value, why, sizeof why))
                goto bad;
            p->retail_tariff_kind = WT_CHAIN_TARIFF_TIERED;
        } else
            BAD("unknown key '%s' in [tariff] (retail, retail_tou, retail_tiers, feed_in, "
                "feed_in_tou)",
                key);
        break;
    case SEC_ZONE:
        if (IS("fee")) {
            if (!parse_price(&p->zones[s->index].fee_micro_per_kwh, value))
                BAD("a grid fee in U-Coin per kWh");
        } else if (IS("parent")) {
            int parent = find_zone(p, value);
            if (parent < 0 || parent >= s->index)
                BAD("zone '%s' is not defined above this one", value);
            p->zones[s->index].parent = (uint16_t)parent;
            snprintf(s->parent, sizeof s->parent, "%s", value);
        } else
            BAD("unknown key '%s' in a zone (parent, fee)", key);
        break;
    case SEC_STRATEGY: {
        wt_sim_strategy *st = &sc->strategies[s->index];
        if (IS("kind")) {
            if (strcmp(value, "fixed") == 0)
                st->kind = WT_SIM_STRATEGY_FIXED;
            else if (strcmp(value, "zic") == 0)
                st->kind = WT_SIM_STRATEGY_ZIC;
            else if (strcmp(value, "time-of-day") == 0)
                st->kind = WT_SIM_STRATEGY_TOD;
            else if (strcmp(value, "arbitrage") == 0)
                st->kind = WT_SIM_STRATEGY_ARBITRAGE;
            else if (strcmp(value, "none") == 0)
                st->kind = WT_SIM_STRATEGY_NONE;
            else
                BAD("fixed, zic, time-of-day, arbitrage or none");
        } else if (IS("sell_min") || IS("buy_max") || IS("low") || IS("high") ||
                   IS("peak_sell_min") || IS("peak_buy_max") || IS("charge_below") ||
                   IS("discharge_above")) {
            int64_t *field = IS("sell_min")        ? &st->sell_min_micro_per_kwh
                             : IS("buy_max")       ? &st->buy_max_micro_per_kwh
                             : IS("low")           ? &st->low_micro_per_kwh
                             : IS("high")          ? &st->high_micro_per_kwh
                             : IS("peak_sell_min") ? &st->peak_sell_min_micro_per_kwh
                             : IS("peak_buy_max")  ? &st->peak_buy_max_micro_per_kwh
                             : IS("charge_below")  ? &st->charge_below_micro_per_kwh
                                                   : &st->discharge_above_micro_per_kwh;
            if (!parse_price(field, value))
                BAD("a price in U-Coin per kWh");
        } else if (IS("peak_hours")) {
            unsigned from, to;
            int used = 0;
            if (sscanf(value, "%2u-%2u%n", &from, &to, &used) != 2 || value[used] != '\0' ||
                from >= to || to > 24)
                BAD("hours FROM-TO of the local day, such as 17-22");
            st->peak_from_hour = (uint8_t)from;
            st->peak_to_hour = (uint8_t)to;
        } else
            BAD("unknown key '%s' in a strategy (kind, sell_min, buy_max, low, high, "
                "peak_hours, peak_sell_min, peak_buy_max, charge_below, discharge_above)",
                key);
        break;
    }
    case SEC_GROUP: {
        wt_sim_group *g = &sc->groups[s->index];
        if (IS("count")) {
            if (!parse_u64(&u, value) || u > WT_SIM_HOMES_MAX)
                BAD("a number of households, 0 .. %d", WT_SIM_HOMES_MAX);
            g->count = (uint32_t)u;
            s->has_count = true;
        } else if (IS("kind")) {
            if (strcmp(value, "home") == 0)
                g->kind = WT_SIM_KIND_HOME;
            else if (strcmp(value, "shop") == 0)
                g->kind = WT_SIM_KIND_SHOP;
            else if (strcmp(value, "vending") == 0)
                g->kind = WT_SIM_KIND_VENDING;
            else
                BAD("home, shop or vending");
        } else if (IS("zone")) {
            int z = find_zone(p, value);
            if (z < 0)
                BAD("zone '%s' is not defined above", value);
            g->zone = (uint16_t)z;
            s->has_zone = true;
        } else if (IS("strategy")) {
            g->strategy = find_strategy(sc, value);
            if (g->strategy < 0)
                BAD("strategy '%s' is not defined above", value);
        } else if (IS("pv_kwp")) {
            s->has_pv = true;
            if (strcmp(value, "profile") == 0)
                g->pv_wp = -1;
            else if (!parse_scaled(&g->pv_wp, value, 3, 0, INT64_C(100000000)))
                BAD("kW peak, 0 .. 100000, or 'profile'");
        } else if (IS("load_kwh_per_day")) {
            if (!parse_scaled(&g->load_wh_per_day, value, 3, 0, INT64_C(1000000000)))
                BAD("kWh a day, 0 .. 1000000");
        } else if (IS("battery_kwh") || IS("battery_kw")) {
            int64_t *field = IS("battery_kwh") ? &g->battery_wh : &g->battery_w;
            if (strcmp(value, "profile") == 0)
                *field = -1;
            else if (!parse_scaled(field, value, 3, 0, INT64_C(1000000000)))
                BAD("%s, 0 .. 1000000, or 'profile'", IS("battery_kwh") ? "kWh" : "kW");
        } else if (IS("battery_efficiency")) {
            if (!parse_ppm(&g->battery_efficiency_ppm, value) || g->battery_efficiency_ppm == 0)
                BAD("a round-trip efficiency above 0, at most 1");
        } else if (IS("soc_min") || IS("soc_max")) {
            if (!parse_ppm(IS("soc_min") ? &g->soc_min_ppm : &g->soc_max_ppm, value))
                BAD("a share of the capacity, 0 .. 1");
        } else if (IS("ev_kwh_per_day")) {
            if (!parse_scaled(&g->ev_wh_per_day, value, 3, 0, INT64_C(10000000)))
                BAD("kWh a day, 0 .. 10000");
        } else if (IS("ev_kw")) {
            if (!parse_scaled(&g->ev_w, value, 3, 0, INT64_C(10000000)))
                BAD("kW, 0 .. 10000");
        } else if (IS("ev_arrive") || IS("ev_depart")) {
            if (!parse_clock_min(IS("ev_arrive") ? &g->ev_arrive_min : &g->ev_depart_min, value))
                BAD("a local time HH:MM");
        } else if (IS("profile")) {
            if (strcmp(value, "synthetic") != 0 && strcmp(value, "*") != 0 && !name_ok(value))
                BAD("synthetic, * (every profile) or a profile id");
            snprintf(g->profile, sizeof g->profile, "%s", value);
            if (strcmp(value, "synthetic") == 0)
                g->profile[0] = '\0';
        } else
            BAD("unknown key '%s' in households (count, kind, zone, strategy, pv_kwp, "
                "load_kwh_per_day, battery_kwh, battery_kw, battery_efficiency, soc_min, "
                "soc_max, ev_kwh_per_day, ev_kw, ev_arrive, ev_depart, profile)",
                key);
        break;
    }
    }
    (void)x;
    return 1;
bad:
    c->failed = true;
    c->err->line = -1; /* libinih's return value gives the line */
    snprintf(c->err->message, sizeof c->err->message, "[%s] %s = %s: %s", header, key, value, why);
    return 0;
}

/* What needs the whole file: required keys, cross-checks, the chain. */
#define FAIL(...)                                                                                  \
    do {                                                                                           \
        fail(__VA_ARGS__);                                                                         \
        return;                                                                                    \
    } while (0)

static void finish(parse_ctx *c)
{
    wt_sim_scenario *sc = c->sc;
    wt_chain_params *p = &sc->params;
    int scen_line = c->sections[0].line;
    for (size_t i = 0; i < c->sections_count; i++)
        if (c->sections[i].kind == SEC_SCENARIO)
            scen_line = c->sections[i].line;
    if (!c->has_start)
        FAIL(c, scen_line, "[scenario] needs start = YYYY-MM-DD");
    if (!c->has_duration)
        FAIL(c, scen_line, "[scenario] needs duration (such as 1d or 365d)");
    if (!c->has_interval)
        FAIL(c, scen_line, "[scenario] needs interval (such as 15m)");
    sc->start_ms -= sc->utc_offset_ms;
    if (sc->start_ms < 0 || sc->start_ms % p->interval_ms != 0)
        FAIL(c, scen_line, "[scenario] start (UTC %lld ms) must be a multiple of the interval",
             (long long)sc->start_ms);
    if (sc->duration_ms % p->interval_ms != 0)
        FAIL(c, scen_line, "[scenario] duration must be a whole number of intervals");
    if ((uint64_t)(sc->duration_ms / p->interval_ms) > WT_SIM_INTERVALS_MAX)
        FAIL(c, scen_line, "[scenario] has more than %u intervals", (unsigned)WT_SIM_INTERVALS_MAX);
    if (p->zones_count == 0)
        FAIL(c, 0, "at least one [zone NAME] section is needed");
    for (uint16_t z = 1; z < p->zones_count; z++)
        if (p->zones[z].parent == WT_CHAIN_ZONE_NONE)
            for (size_t i = 0; i < c->sections_count; i++)
                if (c->sections[i].kind == SEC_ZONE && c->sections[i].index == z)
                    FAIL(c, c->sections[i].line,
                         "zone '%s' needs a parent: only the first zone is the root",
                         p->zones[z].name);
    uint64_t homes = 0;
    for (size_t i = 0; i < c->sections_count; i++) {
        section *s = &c->sections[i];
        if (s->kind == SEC_STRATEGY) {
            wt_sim_strategy *st = &sc->strategies[s->index];
            if (st->kind == WT_SIM_STRATEGY_ZIC && st->low_micro_per_kwh > st->high_micro_per_kwh)
                FAIL(c, s->line, "strategy '%s': low is above high", st->name);
            if (st->kind == WT_SIM_STRATEGY_ARBITRAGE &&
                st->charge_below_micro_per_kwh > st->discharge_above_micro_per_kwh)
                FAIL(c, s->line, "strategy '%s': charge_below is above discharge_above", st->name);
            if (st->kind == WT_SIM_STRATEGY_TOD &&
                (st->peak_sell_min_micro_per_kwh == 0 || st->peak_buy_max_micro_per_kwh == 0))
                FAIL(c, s->line, "strategy '%s' needs peak_sell_min and peak_buy_max", st->name);
            int64_t lim[] = {st->sell_min_micro_per_kwh, st->buy_max_micro_per_kwh,
                             st->high_micro_per_kwh, st->peak_sell_min_micro_per_kwh,
                             st->peak_buy_max_micro_per_kwh};
            for (size_t k = 0; k < sizeof lim / sizeof lim[0]; k++)
                if (lim[k] > p->price_ceiling_micro_per_kwh)
                    FAIL(c, s->line, "strategy '%s' has a price above the ceiling", st->name);
        }
        if (s->kind == SEC_GROUP) {
            wt_sim_group *g = &sc->groups[s->index];
            bool all_profiles = strcmp(g->profile, "*") == 0;
            if (!s->has_count && !all_profiles)
                FAIL(c, s->line, "households '%s' needs count", g->name);
            if (!s->has_zone)
                FAIL(c, s->line, "households '%s' needs zone", g->name);
            if (g->soc_min_ppm > g->soc_max_ppm)
                FAIL(c, s->line, "households '%s': soc_min is above soc_max", g->name);
            if (g->profile[0] == '\0' && (g->pv_wp < 0 || g->battery_wh < 0 || g->battery_w < 0))
                FAIL(c, s->line,
                     "households '%s': sizes 'profile' need a profile to take them from", g->name);
            if ((g->battery_wh > 0) != (g->battery_w > 0) && g->battery_wh >= 0 &&
                g->battery_w >= 0)
                FAIL(c, s->line, "households '%s': a battery needs both battery_kwh and battery_kw",
                     g->name);
            if (g->ev_wh_per_day > 0 && (g->ev_w == 0 || g->ev_arrive_min == g->ev_depart_min))
                FAIL(c, s->line,
                     "households '%s': an EV needs ev_kw and different arrive and "
                     "depart times",
                     g->name);
            if (g->profile[0] != '\0') {
                sc->needs_profiles = true;
                if (!s->has_pv)
                    g->pv_wp = -1; /* a profile's PV as measured */
            }
            homes += g->count;
        }
    }
    if (homes > WT_SIM_HOMES_MAX)
        FAIL(c, 0, "more than %d households in all", WT_SIM_HOMES_MAX);
    /* the chain's keys and identity are the simulator's (derived from the
     * seed when the run starts); placeholders keep validation meaningful */
    p->chain_id = 0x5117;
    p->genesis_time_ms = sc->start_ms;
    p->operator_key[0] = 1;
    p->issuer_key[0] = 2;
    p->utility_key[0] = 3;
    if (p->retail_tariff_kind == WT_CHAIN_TARIFF_TIME_OF_USE ||
        p->feed_in_tariff_kind == WT_CHAIN_TARIFF_TIME_OF_USE ||
        p->retail_tariff_kind == WT_CHAIN_TARIFF_TIERED)
        p->tariff_utc_offset_ms = sc->utc_offset_ms;
    const char *field = NULL;
    if (wt_chain_params_validate(p, &field) != WT_OK)
        FAIL(c, 0, "the market does not make a valid chain: %s is out of range", field);
}

wt_err wt_sim_scenario_parse(wt_sim_scenario *sc, wt_sim_error *err, const char *text,
                             size_t text_len, const char *name)
{
    memset(sc, 0, sizeof *sc);
    memset(err, 0, sizeof *err);
    parse_ctx *c = calloc(1, sizeof *c);
    char *copy = malloc(text_len + 1);
    if (c == NULL || copy == NULL) {
        free(c);
        free(copy);
        snprintf(err->message, sizeof err->message, "%s: out of memory", name);
        return WT_ERR_NO_MEMORY;
    }
    memcpy(copy, text, text_len);
    copy[text_len] = '\0';
    c->sc = sc;
    c->err = err;
    c->file = name;
    snprintf(sc->name, sizeof sc->name, "scenario");
    sc->seed = 1;
    sc->latitude_udeg = 37566500; /* Seoul City Hall */
    sc->longitude_udeg = 126978000;
    sc->utc_offset_ms = 9 * 3600000;
    sc->clear_days_ppm = 550000;
    sc->balance_micro = INT64_C(10000000) * WT_MICRO_PER_UNIT;
    sc->params.price_ceiling_micro_per_kwh = 1000 * WT_MICRO_PER_UNIT;
    sc->params.retail_micro_per_kwh = 150 * WT_MICRO_PER_UNIT;
    sc->params.feed_in_micro_per_kwh = 60 * WT_MICRO_PER_UNIT;
    if (memchr(copy, '\0', text_len) != NULL)
        fail(c, 0, "the file contains a NUL byte");
    else if (scan_sections(c, copy, text_len)) {
        int line = ini_parse_string(copy, on_key, c);
        if (line != 0 && !c->failed)
            fail(c, line, "not a 'key = value' line or a section header");
        else if (line != 0 && c->err->line == -1) {
            char msg[sizeof err->message];
            snprintf(msg, sizeof msg, "%s", err->message);
            err->line = line;
            snprintf(err->message, sizeof err->message, "%.200s:%d: %.280s", name, line, msg);
        } else if (line < 0)
            fail(c, 0, "out of memory");
        if (!c->failed)
            finish(c);
    }
    bool failed = c->failed;
    free(c);
    free(copy);
    if (failed) {
        memset(sc, 0, sizeof *sc);
        return WT_ERR_INVALID_ARGUMENT;
    }
    return WT_OK;
}

wt_err wt_sim_scenario_load(wt_sim_scenario *sc, wt_sim_error *err, const char *path)
{
    memset(err, 0, sizeof *err);
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        memset(sc, 0, sizeof *sc);
        snprintf(err->message, sizeof err->message, "%s: cannot be read", path);
        return WT_ERR_IO;
    }
    size_t cap = 1 << 16, len = 0;
    char *text = malloc(cap);
    while (text != NULL) {
        size_t got = fread(text + len, 1, cap - len, f);
        len += got;
        if (len < cap)
            break;
        if (cap >= (64u << 20)) {
            free(text);
            fclose(f);
            memset(sc, 0, sizeof *sc);
            snprintf(err->message, sizeof err->message, "%s: larger than 64 MiB", path);
            return WT_ERR_INVALID_ARGUMENT;
        }
        char *bigger = realloc(text, cap * 2);
        if (bigger == NULL)
            free(text);
        text = bigger;
        cap *= 2;
    }
    bool bad = ferror(f) != 0;
    fclose(f);
    if (text == NULL || bad) {
        free(text);
        memset(sc, 0, sizeof *sc);
        snprintf(err->message, sizeof err->message, "%s: cannot be read", path);
        return WT_ERR_IO;
    }
    wt_err e = wt_sim_scenario_parse(sc, err, text, len, path);
    free(text);
    return e;
}

uint64_t wt_sim_scenario_intervals(const wt_sim_scenario *sc)
{
    return sc->params.interval_ms > 0 ? (uint64_t)(sc->duration_ms / sc->params.interval_ms) : 0;
}
