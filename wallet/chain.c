/* chain.c — the chain parameters (the genesis payload, wallet.h): their
 * checks and their canonical bytes. Pure: no I/O. In the wallet room, below
 * every program that reads a chain's genesis.bin; the ledger core (ledger.h)
 * provides them to its users through wallet.h. */
#include "wallet.h"

#include <stdio.h>
#include <string.h>

#define PARAMS_VERSION 1
/* Version 2 = version 1 + the tariff section, written only when a tariff is
 * time of use, so chains with flat tariffs keep their version 1 bytes. */
#define PARAMS_VERSION_TARIFFS 2
/* Version 3 = version 2 + the market section (mechanism u8, k_ppm u32),
 * written only when the market rules are not the default. Its tariff section
 * is always present (flat tariffs as kind 0 with no hours). */
#define PARAMS_VERSION_MARKET 3
#define DAY_MS                INT64_C(86400000)

static bool params_has_tariffs(const wt_chain_params *params)
{
    return params->retail_tariff_kind != WT_CHAIN_TARIFF_FLAT ||
           params->feed_in_tariff_kind != WT_CHAIN_TARIFF_FLAT;
}

void wt_chain_market(const wt_chain_params *params, uint8_t *mechanism, uint32_t *k_ppm)
{
    *mechanism = params->market_custom ? params->market_mechanism : 0;
    *k_ppm = params->market_custom ? params->market_k_ppm : WT_CHAIN_MARKET_K_PPM_DEFAULT;
}

void wt_chain_market_set(wt_chain_params *params, uint8_t mechanism, uint32_t k_ppm)
{
    bool custom = !(mechanism == 0 && k_ppm == WT_CHAIN_MARKET_K_PPM_DEFAULT);
    params->market_custom = custom ? 1 : 0;
    params->market_mechanism = custom ? mechanism : 0;
    params->market_k_ppm = custom ? k_ppm : 0;
}

/* ----------------------------------------------------------- params codec */

size_t wt_chain_params_encode(uint8_t *out, size_t out_cap, const wt_chain_params *params)
{
    size_t n = 1 + 4 + 8 + 8 + 32 * 3 + 8 * 3 + 2;
    for (uint16_t z = 0; z < params->zones_count; z++)
        n += 1 + strlen(params->zones[z].name) + 2 + 8;
    bool market = params->market_custom != 0;
    bool tariffs = params_has_tariffs(params) || market;
    bool tiered = params->retail_tariff_kind == WT_CHAIN_TARIFF_TIERED;
    if (market)
        n += 1 + 4;
    if (tariffs)
        n += 1 + 1 + 8 + (params->retail_tariff_kind == WT_CHAIN_TARIFF_TIME_OF_USE ? 24 * 8 : 0) +
             (params->feed_in_tariff_kind == WT_CHAIN_TARIFF_TIME_OF_USE ? 24 * 8 : 0) +
             (tiered ? 1 + (size_t)params->retail_tiers_count * 16 : 0);
    if (out == NULL || out_cap < n)
        return n;
    uint8_t *p = out;
    *p++ = market ? PARAMS_VERSION_MARKET : tariffs ? PARAMS_VERSION_TARIFFS : PARAMS_VERSION;
    wt_put_be32(p, params->chain_id), p += 4;
    wt_put_be64(p, (uint64_t)params->genesis_time_ms), p += 8;
    wt_put_be64(p, (uint64_t)params->interval_ms), p += 8;
    memcpy(p, params->operator_key, 32), p += 32;
    memcpy(p, params->issuer_key, 32), p += 32;
    memcpy(p, params->utility_key, 32), p += 32;
    wt_put_be64(p, (uint64_t)params->retail_micro_per_kwh), p += 8;
    wt_put_be64(p, (uint64_t)params->feed_in_micro_per_kwh), p += 8;
    wt_put_be64(p, (uint64_t)params->price_ceiling_micro_per_kwh), p += 8;
    wt_put_be16(p, params->zones_count), p += 2;
    for (uint16_t z = 0; z < params->zones_count; z++) {
        const wt_chain_zone *zone = &params->zones[z];
        size_t len = strlen(zone->name);
        *p++ = (uint8_t)len;
        memcpy(p, zone->name, len), p += len;
        wt_put_be16(p, zone->parent), p += 2;
        wt_put_be64(p, (uint64_t)zone->fee_micro_per_kwh), p += 8;
    }
    if (tariffs) {
        *p++ = params->retail_tariff_kind;
        *p++ = params->feed_in_tariff_kind;
        wt_put_be64(p, (uint64_t)params->tariff_utc_offset_ms), p += 8;
        for (int h = 0; h < 24 && params->retail_tariff_kind == WT_CHAIN_TARIFF_TIME_OF_USE; h++)
            wt_put_be64(p, (uint64_t)params->retail_hour_micro_per_kwh[h]), p += 8;
        for (int h = 0; h < 24 && params->feed_in_tariff_kind == WT_CHAIN_TARIFF_TIME_OF_USE; h++)
            wt_put_be64(p, (uint64_t)params->feed_in_hour_micro_per_kwh[h]), p += 8;
        if (tiered) {
            *p++ = params->retail_tiers_count;
            for (int i = 0; i < params->retail_tiers_count; i++) {
                wt_put_be64(p, (uint64_t)params->retail_tier_up_to_mwh[i]), p += 8;
                wt_put_be64(p, (uint64_t)params->retail_tier_micro_per_kwh[i]), p += 8;
            }
        }
    }
    if (market) {
        *p++ = params->market_mechanism;
        wt_put_be32(p, params->market_k_ppm), p += 4;
    }
    WT_ASSERT((size_t)(p - out) == n);
    return n;
}

static bool zone_name_ok(const char *name)
{
    size_t len = strlen(name);
    if (len == 0 || len > WT_ZONE_NAME_BYTES_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.'))
            return false;
    }
    return true;
}

wt_err wt_chain_params_validate(const wt_chain_params *params, const char **field)
{
    const char *unused;
    if (field == NULL)
        field = &unused;
    *field = NULL;
#define BAD(name)                                                                                  \
    do {                                                                                           \
        *field = name;                                                                             \
        return WT_ERR_INVALID_ARGUMENT;                                                            \
    } while (0)
    if (params->interval_ms < 1000 || params->interval_ms > 900000)
        BAD("interval_ms");
    if (params->genesis_time_ms < 0)
        BAD("genesis_time_ms");
    if (params->price_ceiling_micro_per_kwh <= 0)
        BAD("price_ceiling_micro_per_kwh");
    if (params->retail_micro_per_kwh < 0 ||
        params->retail_micro_per_kwh > params->price_ceiling_micro_per_kwh)
        BAD("retail_micro_per_kwh");
    if (params->feed_in_micro_per_kwh < 0 ||
        params->feed_in_micro_per_kwh > params->price_ceiling_micro_per_kwh)
        BAD("feed_in_micro_per_kwh");
    if (memcmp(params->operator_key, params->issuer_key, 32) == 0 ||
        memcmp(params->operator_key, params->utility_key, 32) == 0 ||
        memcmp(params->issuer_key, params->utility_key, 32) == 0)
        BAD("keys");
    if (params->zones_count == 0 || params->zones_count > WT_CHAIN_ZONES_MAX)
        BAD("zones");
    for (uint16_t z = 0; z < params->zones_count; z++) {
        const wt_chain_zone *zone = &params->zones[z];
        if (!zone_name_ok(zone->name))
            BAD("zone.name");
        if (z == 0 ? zone->parent != WT_CHAIN_ZONE_NONE : zone->parent >= z)
            BAD("zone.parent"); /* the root first; a parent precedes its children */
        if (zone->fee_micro_per_kwh < 0 ||
            zone->fee_micro_per_kwh > params->price_ceiling_micro_per_kwh)
            BAD("zone.fee_micro_per_kwh");
        for (uint16_t o = 0; o < z; o++)
            if (strcmp(params->zones[o].name, zone->name) == 0)
                BAD("zone.name");
    }
    /* tariffs: a flat one has no hourly prices, so each params value has one
     * encoding */
    const uint8_t kinds[2] = {params->retail_tariff_kind, params->feed_in_tariff_kind};
    const int64_t *hours[2] = {params->retail_hour_micro_per_kwh,
                               params->feed_in_hour_micro_per_kwh};
    const char *names[2] = {"retail_hour_micro_per_kwh", "feed_in_hour_micro_per_kwh"};
    for (int t = 0; t < 2; t++) {
        if (kinds[t] != WT_CHAIN_TARIFF_FLAT && kinds[t] != WT_CHAIN_TARIFF_TIME_OF_USE &&
            (t == 1 || kinds[t] != WT_CHAIN_TARIFF_TIERED))
            BAD(t == 0 ? "retail_tariff_kind" : "feed_in_tariff_kind");
        for (int h = 0; h < 24; h++)
            if (hours[t][h] < 0 || hours[t][h] > params->price_ceiling_micro_per_kwh ||
                (kinds[t] != WT_CHAIN_TARIFF_TIME_OF_USE && hours[t][h] != 0))
                BAD(names[t]);
    }
    bool tiered = params->retail_tariff_kind == WT_CHAIN_TARIFF_TIERED;
    if (tiered ? params->retail_tiers_count < 1 || params->retail_tiers_count > WT_CHAIN_TIERS_MAX
               : params->retail_tiers_count != 0)
        BAD("retail_tiers_count");
    for (int i = 0; i < WT_CHAIN_TIERS_MAX; i++) {
        int64_t up_to = params->retail_tier_up_to_mwh[i],
                price = params->retail_tier_micro_per_kwh[i];
        bool used = i < params->retail_tiers_count, last = i + 1 == params->retail_tiers_count;
        if (!used ? up_to != 0 || price != 0
                  : price < 0 || price > params->price_ceiling_micro_per_kwh)
            BAD("retail_tier_micro_per_kwh");
        if (used &&
            (last ? up_to != 0 : up_to <= (i > 0 ? params->retail_tier_up_to_mwh[i - 1] : 0)))
            BAD("retail_tier_up_to_mwh"); /* ascending; the last tier unbounded (0) */
    }
    if (params->tariff_utc_offset_ms <= -DAY_MS || params->tariff_utc_offset_ms >= DAY_MS ||
        (!params_has_tariffs(params) && params->tariff_utc_offset_ms != 0))
        BAD("tariff_utc_offset_ms");
    if (params->market_custom > 1)
        BAD("market_custom");
    if (!params->market_custom ? params->market_mechanism != 0 || params->market_k_ppm != 0
                               : params->market_mechanism > 1 || params->market_k_ppm > 1000000 ||
                                     (params->market_mechanism == 1 && params->market_k_ppm != 0) ||
                                     (params->market_mechanism == 0 &&
                                      params->market_k_ppm == WT_CHAIN_MARKET_K_PPM_DEFAULT))
        BAD("market"); /* one encoding per value: the default rules are not custom */
#undef BAD
    return WT_OK;
}

wt_err wt_chain_params_decode(wt_chain_params *params, const uint8_t *data, size_t data_len)
{
    memset(params, 0, sizeof *params);
    const uint8_t *p = data, *end = data + data_len;
#define NEED(n)                                                                                    \
    do {                                                                                           \
        if ((size_t)(end - p) < (size_t)(n))                                                       \
            goto bad;                                                                              \
    } while (0)
    NEED(1 + 4 + 8 + 8 + 32 * 3 + 8 * 3 + 2);
    uint8_t version = *p++;
    if (version != PARAMS_VERSION && version != PARAMS_VERSION_TARIFFS &&
        version != PARAMS_VERSION_MARKET)
        goto bad;
    params->chain_id = wt_get_be32(p), p += 4;
    params->genesis_time_ms = (int64_t)wt_get_be64(p), p += 8;
    params->interval_ms = (int64_t)wt_get_be64(p), p += 8;
    memcpy(params->operator_key, p, 32), p += 32;
    memcpy(params->issuer_key, p, 32), p += 32;
    memcpy(params->utility_key, p, 32), p += 32;
    params->retail_micro_per_kwh = (int64_t)wt_get_be64(p), p += 8;
    params->feed_in_micro_per_kwh = (int64_t)wt_get_be64(p), p += 8;
    params->price_ceiling_micro_per_kwh = (int64_t)wt_get_be64(p), p += 8;
    params->zones_count = wt_get_be16(p), p += 2;
    if (params->zones_count == 0 || params->zones_count > WT_CHAIN_ZONES_MAX)
        goto bad;
    for (uint16_t z = 0; z < params->zones_count; z++) {
        wt_chain_zone *zone = &params->zones[z];
        NEED(1);
        size_t len = *p++;
        if (len == 0 || len > WT_ZONE_NAME_BYTES_MAX)
            goto bad;
        NEED(len + 2 + 8);
        memcpy(zone->name, p, len), p += len;
        zone->name[len] = '\0';
        zone->parent = wt_get_be16(p), p += 2;
        zone->fee_micro_per_kwh = (int64_t)wt_get_be64(p), p += 8;
    }
    if (version >= PARAMS_VERSION_TARIFFS) {
        NEED(1 + 1 + 8);
        params->retail_tariff_kind = *p++;
        params->feed_in_tariff_kind = *p++;
        params->tariff_utc_offset_ms = (int64_t)wt_get_be64(p), p += 8;
        /* version 2 without a time-of-use tariff is not canonical */
        if ((version == PARAMS_VERSION_TARIFFS && !params_has_tariffs(params)) ||
            params->retail_tariff_kind > WT_CHAIN_TARIFF_TIERED ||
            params->feed_in_tariff_kind > WT_CHAIN_TARIFF_TIME_OF_USE)
            goto bad;
        for (int h = 0; h < 24 && params->retail_tariff_kind == WT_CHAIN_TARIFF_TIME_OF_USE; h++) {
            NEED(8);
            params->retail_hour_micro_per_kwh[h] = (int64_t)wt_get_be64(p), p += 8;
        }
        for (int h = 0; h < 24 && params->feed_in_tariff_kind == WT_CHAIN_TARIFF_TIME_OF_USE; h++) {
            NEED(8);
            params->feed_in_hour_micro_per_kwh[h] = (int64_t)wt_get_be64(p), p += 8;
        }
        if (params->retail_tariff_kind == WT_CHAIN_TARIFF_TIERED) {
            NEED(1);
            params->retail_tiers_count = *p++;
            if (params->retail_tiers_count < 1 || params->retail_tiers_count > WT_CHAIN_TIERS_MAX)
                goto bad;
            for (int i = 0; i < params->retail_tiers_count; i++) {
                NEED(16);
                params->retail_tier_up_to_mwh[i] = (int64_t)wt_get_be64(p), p += 8;
                params->retail_tier_micro_per_kwh[i] = (int64_t)wt_get_be64(p), p += 8;
            }
        }
    }
    if (version == PARAMS_VERSION_MARKET) {
        NEED(1 + 4);
        params->market_custom = 1;
        params->market_mechanism = *p++;
        params->market_k_ppm = wt_get_be32(p), p += 4;
    }
#undef NEED
    if (p != end || wt_chain_params_validate(params, NULL) != WT_OK)
        goto bad;
    return WT_OK;
bad:
    memset(params, 0, sizeof *params);
    return WT_ERR_BAD_REQUEST;
}

uint32_t wt_chain_month_of(const wt_chain_params *params, uint64_t interval)
{
    /* a chain's intervals start at >= 0 ms and < 2^63 ms by construction */
    int64_t start_ms = 0;
    if (interval <= (uint64_t)INT64_MAX &&
        wt_mul_i64(&start_ms, (int64_t)interval, params->interval_ms) != WT_OK)
        start_ms = INT64_MAX - DAY_MS;
    wt_civil c;
    wt_civil_from_ms(&c, start_ms + params->tariff_utc_offset_ms); /* |offset| < 1 day */
    return (uint32_t)(c.year * 12 + c.month - 1);
}

uint16_t wt_chain_zone_find(const wt_chain_params *params, const char *name)
{
    for (uint16_t z = 0; z < params->zones_count; z++)
        if (strcmp(params->zones[z].name, name) == 0)
            return z;
    return WT_CHAIN_ZONE_NONE;
}

/* ------------------------------------------------- tariffs from text */

/* U-Coin per kWh, up to 6 decimals, as micro per kWh (0 .. 10^9 U). */
static bool price_parse(int64_t *out, const char *v)
{
    return wt_decimal_parse(out, v, 6, false) == WT_OK && *out >= 0 &&
           *out <= INT64_C(1000000000) * WT_MICRO_PER_UNIT;
}

/* "0-7:80,7-23:150,23-24:80": a price for every hour of the day, once. */
bool wt_chain_tou_parse(int64_t hours[24], const char *v, char *why, size_t why_cap)
{
    bool set[24] = {false};
    const char *p = v;
    while (*p != '\0') {
        unsigned from, to;
        int used = 0;
        if (sscanf(p, "%2u-%2u:%n", &from, &to, &used) != 2 || used == 0 || from >= to || to > 24) {
            snprintf(why, why_cap, "expected FROM-TO:PRICE with hours 0..24, got '%s'", p);
            return false;
        }
        p += used;
        const char *comma = strchr(p, ',');
        size_t len = comma != NULL ? (size_t)(comma - p) : strlen(p);
        char price[64];
        int64_t micro;
        if (len == 0 || len >= sizeof price) {
            snprintf(why, why_cap, "a price is missing after %u-%u", from, to);
            return false;
        }
        memcpy(price, p, len);
        price[len] = '\0';
        if (!price_parse(&micro, price)) {
            snprintf(why, why_cap, "'%s' is not a price in U-Coin per kWh", price);
            return false;
        }
        for (unsigned h = from; h < to; h++) {
            if (set[h]) {
                snprintf(why, why_cap, "hour %u is given twice", h);
                return false;
            }
            set[h] = true;
            hours[h] = micro;
        }
        p += len;
        if (*p == ',')
            p++;
    }
    for (unsigned h = 0; h < 24; h++)
        if (!set[h]) {
            snprintf(why, why_cap, "hour %u has no price (every hour 0..23 needs one)", h);
            return false;
        }
    return true;
}

/* "200:120,400:215,*:307": up to N kWh in the month at P U/kWh, the last
 * tier unbounded ("*"). */
bool wt_chain_tiers_parse(wt_chain_params *p, const char *v, char *why, size_t why_cap)
{
    uint8_t n = 0;
    const char *s = v;
    while (*s != '\0') {
        if (n == WT_CHAIN_TIERS_MAX) {
            snprintf(why, why_cap, "more than %d tiers", WT_CHAIN_TIERS_MAX);
            return false;
        }
        const char *colon = strchr(s, ':');
        const char *comma = strchr(s, ',');
        if (colon == NULL || (comma != NULL && comma < colon)) {
            snprintf(why, why_cap, "expected UP_TO_KWH:PRICE or *:PRICE, got '%s'", s);
            return false;
        }
        char a[64], b[64];
        size_t la = (size_t)(colon - s),
               lb = comma != NULL ? (size_t)(comma - colon - 1) : strlen(colon + 1);
        if (la == 0 || la >= sizeof a || lb == 0 || lb >= sizeof b) {
            snprintf(why, why_cap, "expected UP_TO_KWH:PRICE or *:PRICE, got '%s'", s);
            return false;
        }
        memcpy(a, s, la);
        a[la] = '\0';
        memcpy(b, colon + 1, lb);
        b[lb] = '\0';
        bool last = comma == NULL;
        int64_t up_to = 0, price;
        if (last ? strcmp(a, "*") != 0
                 : wt_decimal_parse(&up_to, a, 6, false) != WT_OK || up_to < 1 ||
                       up_to > INT64_C(1000000000000)) {
            snprintf(why, why_cap,
                     last ? "the last tier must be '*:PRICE' (unbounded), got '%s'"
                          : "'%s' is not a tier's upper bound in kWh",
                     a);
            return false;
        }
        if (!price_parse(&price, b)) {
            snprintf(why, why_cap, "'%s' is not a price in U-Coin per kWh", b);
            return false;
        }
        if (!last && n > 0 && up_to <= p->retail_tier_up_to_mwh[n - 1]) {
            snprintf(why, why_cap, "tier bounds must ascend ('%s' kWh)", a);
            return false;
        }
        p->retail_tier_up_to_mwh[n] = up_to;
        p->retail_tier_micro_per_kwh[n] = price;
        n++;
        s += la + 1 + lb;
        if (*s == ',')
            s++;
    }
    p->retail_tiers_count = n;
    return true;
}
