/* cmd_chain.c — `wattle chain init`: make a new chain directory with its
 * keys, its genesis and a store holding block 0. */
#include "commands.h"
#include "engine.h"
#include "options.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char chain_usage[] =
    "usage: wattle chain init --out DIR [options]\n\n"
    "Makes a new chain directory DIR (it must not exist, or be empty):\n"
    "  operator.key, issuer.key, utility.key   the chain's three role keys (mode 0600)\n"
    "  genesis.bin     the chain parameters, canonical bytes (block 0 commits to them)\n"
    "  wattled.ini     a commented sample configuration for the daemon\n"
    "  ledger.db       the ledger store, holding the signed genesis block\n\n"
    "options:\n"
    "  --interval-ms N     market interval, 1000..900000 (default 5000)\n"
    "  --zones SPEC        the zone tree: NAME:FEE[:PARENT],... with FEE the grid fee in\n"
    "                      U-Coin per kWh; the first zone is the root (default campus:10)\n"
    "                      e.g. campus:20,north:5:campus,south:5:campus\n"
    "  --retail U          retail tariff for residual import, U-Coin per kWh (default 150)\n"
    "  --feed-in U         feed-in tariff for residual export, U-Coin per kWh (default 60)\n"
    "  --retail-tou SPEC   a time-of-use retail tariff instead: a price for every local\n"
    "                      hour, FROM-TO:PRICE,... e.g. 0-7:80,7-23:150,23-24:80\n"
    "  --feed-in-tou SPEC  a time-of-use feed-in tariff, likewise\n"
    "  --retail-tiers SPEC progressive monthly retail tiers instead (like KEPCO's):\n"
    "                      UP_TO_KWH:PRICE,...,*:PRICE e.g. 200:120,400:215,*:307\n"
    "  --utc-offset ±HH:MM the local time of those tariffs' hours and months\n"
    "                      (default +00:00; e.g. +09:00 for Korea)\n"
    "  --ceiling U         highest price an order may carry, U-Coin per kWh (default 1000)\n"
    "  --mechanism M       how each interval clears: pay-as-clear (default) or pay-as-bid\n"
    "  --k K               pay-as-clear's k in [0, 1], up to 6 decimals (default 0.5)\n"
    "  --chain-id N        32-bit chain id (default: random), so transactions of one\n"
    "                      chain can never replay on another\n"
    "  --genesis-time MS   genesis time, Unix ms (default: now)\n";

/* "campus:20,north:5:campus" → params->zones. */
static bool parse_zones(wt_chain_params *p, const char *spec)
{
    char buf[2048];
    if (strlen(spec) >= sizeof buf) {
        fprintf(stderr, "wattle chain init: --zones is too long\n");
        return false;
    }
    strcpy(buf, spec);
    p->zones_count = 0;
    char *save = NULL;
    for (char *entry = strtok_r(buf, ",", &save); entry != NULL;
         entry = strtok_r(NULL, ",", &save)) {
        if (p->zones_count == WT_CHAIN_ZONES_MAX) {
            fprintf(stderr, "wattle chain init: at most %d zones\n", WT_CHAIN_ZONES_MAX);
            return false;
        }
        char *name = entry, *fee = strchr(entry, ':'), *parent = NULL;
        if (fee == NULL) {
            fprintf(stderr, "wattle chain init: zone '%s' needs NAME:FEE[:PARENT]\n", entry);
            return false;
        }
        *fee++ = '\0';
        parent = strchr(fee, ':');
        if (parent != NULL)
            *parent++ = '\0';
        wt_chain_zone *z = &p->zones[p->zones_count];
        if (strlen(name) == 0 || strlen(name) > WT_ZONE_NAME_BYTES_MAX) {
            fprintf(stderr, "wattle chain init: zone name '%s' must have 1..%d characters\n", name,
                    WT_ZONE_NAME_BYTES_MAX);
            return false;
        }
        strcpy(z->name, name);
        if (wt_decimal_parse(&z->fee_micro_per_kwh, fee, 6, false) != WT_OK) {
            fprintf(stderr, "wattle chain init: zone '%s': fee '%s' is not a U-Coin amount\n", name,
                    fee);
            return false;
        }
        if (p->zones_count == 0) {
            if (parent != NULL) {
                fprintf(stderr, "wattle chain init: the first zone '%s' is the root: no parent\n",
                        name);
                return false;
            }
            z->parent = WT_CHAIN_ZONE_NONE;
        } else {
            if (parent == NULL) {
                fprintf(stderr, "wattle chain init: zone '%s' needs a parent (NAME:FEE:PARENT)\n",
                        name);
                return false;
            }
            z->parent = wt_chain_zone_find(p, parent);
            if (z->parent == WT_CHAIN_ZONE_NONE) {
                fprintf(stderr,
                        "wattle chain init: zone '%s': parent '%s' is not an earlier zone\n", name,
                        parent);
                return false;
            }
        }
        p->zones_count++;
    }
    if (p->zones_count == 0) {
        fprintf(stderr, "wattle chain init: --zones names no zone\n");
        return false;
    }
    return true;
}

static bool parse_price(int64_t *out, const char *text, const char *what)
{
    if (wt_decimal_parse(out, text, 6, false) != WT_OK) {
        fprintf(stderr, "wattle chain init: --%s '%s' is not a U-Coin amount per kWh\n", what,
                text);
        return false;
    }
    return true;
}

/* --retail-tou, --feed-in-tou, --retail-tiers and --utc-offset. */
static bool parse_tariffs(wt_chain_params *p, const wt_cli_option *opts, size_t n_opts)
{
    char why[160];
    const char *tou[2] = {wt_cli_value(opts, n_opts, "retail-tou"),
                          wt_cli_value(opts, n_opts, "feed-in-tou")};
    const char *tiers = wt_cli_value(opts, n_opts, "retail-tiers");
    const char *offset = wt_cli_value(opts, n_opts, "utc-offset");
    if (tou[0] != NULL && tiers != NULL) {
        fprintf(stderr, "wattle chain init: --retail-tou and --retail-tiers exclude each other\n");
        return false;
    }
    for (int t = 0; t < 2; t++) {
        if (tou[t] == NULL)
            continue;
        if (!wt_chain_tou_parse(t == 0 ? p->retail_hour_micro_per_kwh
                                       : p->feed_in_hour_micro_per_kwh,
                                tou[t], why, sizeof why)) {
            fprintf(stderr, "wattle chain init: --%s: %s\n", t == 0 ? "retail-tou" : "feed-in-tou",
                    why);
            return false;
        }
        *(t == 0 ? &p->retail_tariff_kind : &p->feed_in_tariff_kind) = WT_CHAIN_TARIFF_TIME_OF_USE;
    }
    if (tiers != NULL) {
        if (!wt_chain_tiers_parse(p, tiers, why, sizeof why)) {
            fprintf(stderr, "wattle chain init: --retail-tiers: %s\n", why);
            return false;
        }
        p->retail_tariff_kind = WT_CHAIN_TARIFF_TIERED;
    }
    if (offset != NULL) {
        int32_t offset_s;
        if (wt_utc_offset_parse(&offset_s, offset) != WT_OK) {
            fprintf(stderr,
                    "wattle chain init: --utc-offset '%s' is not an offset such as +09:00 or "
                    "-08:00\n",
                    offset);
            return false;
        }
        if (tou[0] == NULL && tou[1] == NULL && tiers == NULL && offset_s != 0) {
            fprintf(stderr, "wattle chain init: --utc-offset applies to a time-of-use or tiered "
                            "tariff only\n");
            return false;
        }
        p->tariff_utc_offset_ms = (int64_t)offset_s * 1000;
    }
    return true;
}

/* "0-7:80,7-23:150,23-24:80": the hours as --retail-tou takes them. */
static void print_tou(const char *label, const int64_t hours[24])
{
    printf("  %-10s time of use:", label);
    for (int h = 0; h < 24;) {
        int to = h + 1;
        while (to < 24 && hours[to] == hours[h])
            to++;
        char price[32];
        wt_decimal_format(price, sizeof price, hours[h], 6);
        printf("%s%d-%d:%s", h == 0 ? " " : ",", h, to, price);
        h = to;
    }
    printf(" U/kWh\n");
}

static bool dir_is_new(const char *dir)
{
    struct stat st;
    if (stat(dir, &st) != 0)
        return mkdir(dir, 0700) == 0;
    if (!S_ISDIR(st.st_mode))
        return false;
    char probe[4096];
    const char *names[] = {"operator.key", "issuer.key", "utility.key", "genesis.bin", "ledger.db"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(probe, sizeof probe, "%s/%s", dir, names[i]);
        if (stat(probe, &st) == 0)
            return false;
    }
    return true;
}

static bool make_key(const wt_ctx *ctx, wt_seckey *key, const char *dir, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    wt_err err = wt_seckey_generate(ctx, key);
    if (err == WT_OK)
        err = wt_keyfile_save(ctx, path, key, NULL, 0);
    if (err != WT_OK) {
        fprintf(stderr, "wattle chain init: cannot write %s: %s\n", path, wt_strerror(err));
        return false;
    }
    return true;
}

static bool write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wbx");
    if (f == NULL) {
        fprintf(stderr, "wattle chain init: cannot create %s: %s\n", path, strerror(errno));
        return false;
    }
    bool ok = fwrite(data, 1, len, f) == len;
    ok = fclose(f) == 0 && ok;
    if (!ok)
        fprintf(stderr, "wattle chain init: cannot write %s\n", path);
    return ok;
}

static int chain_init(int argc, char **argv)
{
    wt_cli_option opts[] = {{"out", false, NULL},          {"interval-ms", false, NULL},
                            {"zones", false, NULL},        {"retail", false, NULL},
                            {"feed-in", false, NULL},      {"ceiling", false, NULL},
                            {"chain-id", false, NULL},     {"genesis-time", false, NULL},
                            {"mechanism", false, NULL},    {"k", false, NULL},
                            {"retail-tou", false, NULL},   {"feed-in-tou", false, NULL},
                            {"retail-tiers", false, NULL}, {"utc-offset", false, NULL}};
    const size_t n_opts = sizeof opts / sizeof opts[0];
    const char *pos[1];
    size_t n_pos;
    if (!wt_cli_parse("chain init", argc, argv, 2, opts, n_opts, pos, 0, &n_pos))
        return 2;
    const char *dir = wt_cli_value(opts, n_opts, "out");
    if (dir == NULL) {
        fprintf(stderr, "wattle chain init: --out DIR is required\n\n%s", chain_usage);
        return 2;
    }
    wt_chain_params p;
    memset(&p, 0, sizeof p);
    p.interval_ms = 5000;
    p.retail_micro_per_kwh = 150000000;
    p.feed_in_micro_per_kwh = 60000000;
    p.price_ceiling_micro_per_kwh = 1000000000;
    p.genesis_time_ms = wt_now_ms();
    const char *v;
    if ((v = wt_cli_value(opts, n_opts, "interval-ms")) != NULL &&
        wt_decimal_parse(&p.interval_ms, v, 0, false) != WT_OK) {
        fprintf(stderr, "wattle chain init: --interval-ms '%s' is not a number\n", v);
        return 2;
    }
    if ((v = wt_cli_value(opts, n_opts, "genesis-time")) != NULL &&
        wt_decimal_parse(&p.genesis_time_ms, v, 0, false) != WT_OK) {
        fprintf(stderr, "wattle chain init: --genesis-time '%s' is not Unix ms\n", v);
        return 2;
    }
    if (!parse_zones(&p, (v = wt_cli_value(opts, n_opts, "zones")) != NULL ? v : "campus:10"))
        return 2;
    if ((v = wt_cli_value(opts, n_opts, "retail")) != NULL &&
        !parse_price(&p.retail_micro_per_kwh, v, "retail"))
        return 2;
    if ((v = wt_cli_value(opts, n_opts, "feed-in")) != NULL &&
        !parse_price(&p.feed_in_micro_per_kwh, v, "feed-in"))
        return 2;
    if ((v = wt_cli_value(opts, n_opts, "ceiling")) != NULL &&
        !parse_price(&p.price_ceiling_micro_per_kwh, v, "ceiling"))
        return 2;
    if (!parse_tariffs(&p, opts, n_opts))
        return 2;
    uint8_t mechanism = 0;
    int64_t k_ppm = WT_CHAIN_MARKET_K_PPM_DEFAULT;
    if ((v = wt_cli_value(opts, n_opts, "mechanism")) != NULL) {
        if (strcmp(v, "pay-as-bid") == 0) {
            mechanism = 1;
            k_ppm = 0;
        } else if (strcmp(v, "pay-as-clear") != 0) {
            fprintf(stderr,
                    "wattle chain init: --mechanism must be pay-as-clear or pay-as-bid, not '%s'\n",
                    v);
            return 2;
        }
    }
    if ((v = wt_cli_value(opts, n_opts, "k")) != NULL) {
        if (mechanism == 1) {
            fprintf(stderr, "wattle chain init: --k applies to pay-as-clear only\n");
            return 2;
        }
        if (wt_decimal_parse(&k_ppm, v, 6, false) != WT_OK || k_ppm > 1000000) {
            fprintf(stderr,
                    "wattle chain init: --k must be a number in [0, 1] with at most 6 decimals, "
                    "not '%s'\n",
                    v);
            return 2;
        }
    }
    wt_chain_market_set(&p, mechanism, (uint32_t)k_ppm);
    if ((v = wt_cli_value(opts, n_opts, "chain-id")) != NULL) {
        int64_t id;
        if (wt_decimal_parse(&id, v, 0, false) != WT_OK || id > UINT32_MAX) {
            fprintf(stderr, "wattle chain init: --chain-id '%s' is not a 32-bit number\n", v);
            return 2;
        }
        p.chain_id = (uint32_t)id;
    } else {
        uint8_t r[4];
        if (wt_random_bytes(r, sizeof r) != WT_OK)
            return 2;
        p.chain_id = wt_get_be32(r);
    }
    /* every check but the keys' before anything is written (stand-in keys) */
    wt_chain_params trial = p;
    for (int i = 0; i < 32; i++) {
        trial.operator_key[i] = 1;
        trial.issuer_key[i] = 2;
        trial.utility_key[i] = 3;
    }
    const char *bad = NULL;
    if (wt_chain_params_validate(&trial, &bad) != WT_OK) {
        fprintf(stderr,
                "wattle chain init: the chain parameters are invalid: %s (prices and fees must "
                "lie within 0 .. --ceiling; see wattle chain init --help)\n",
                bad != NULL ? bad : "?");
        return 2;
    }
    if (!dir_is_new(dir)) {
        fprintf(stderr, "wattle chain init: %s exists and is not an empty chain directory\n", dir);
        return 2;
    }

    wt_ctx *ctx = NULL;
    if (wt_ctx_create(&ctx) != WT_OK) {
        fprintf(stderr, "wattle chain init: cannot set up signing\n");
        return 2;
    }
    int rc = 2;
    wt_seckey op, issuer, utility;
    memset(&op, 0, sizeof op);
    memset(&issuer, 0, sizeof issuer);
    memset(&utility, 0, sizeof utility);
    if (!make_key(ctx, &op, dir, "operator.key") || !make_key(ctx, &issuer, dir, "issuer.key") ||
        !make_key(ctx, &utility, dir, "utility.key"))
        goto out;
    memcpy(p.operator_key, op.pubkey, 32);
    memcpy(p.issuer_key, issuer.pubkey, 32);
    memcpy(p.utility_key, utility.pubkey, 32);
    const char *field = NULL;
    wt_err err = wt_chain_params_validate(&p, &field);
    if (err != WT_OK) {
        fprintf(stderr, "wattle chain init: the chain parameters are invalid: %s\n",
                field ? field : "?");
        goto out;
    }
    uint8_t genesis[8192];
    size_t genesis_len = wt_chain_params_encode(genesis, sizeof genesis, &p);
    char path[4096];
    snprintf(path, sizeof path, "%s/genesis.bin", dir);
    if (!write_file(path, genesis, genesis_len))
        goto out;

    char addr[WT_ADDRESS_CHARS + 1];
    char ini[4096];
    int len =
        snprintf(ini, sizeof ini,
                 "; wattled.ini — configuration of the wattled daemon for this chain.\n"
                 "; Lines starting with ';' are comments. Flags on the command line\n"
                 "; override these values.\n\n"
                 "[chain]\n"
                 "; the chain is fixed by genesis.bin: id %" PRIu32 ", interval %" PRId64 " ms\n"
                 "genesis = genesis.bin\n"
                 "store = ledger.db\n"
                 "operator_key = operator.key\n\n"
                 "[listen]\n"
                 "; servers listen on loopback unless told otherwise\n"
                 "http = 127.0.0.1:8080\n"
                 "nng = tcp://127.0.0.1:5555\n"
                 "pub = tcp://127.0.0.1:5556\n\n"
                 "[log]\n"
                 "; debug, info, warn or error\n"
                 "level = info\n",
                 p.chain_id, p.interval_ms);
    snprintf(path, sizeof path, "%s/wattled.ini", dir);
    if (len < 0 || (size_t)len >= sizeof ini || !write_file(path, ini, (size_t)len))
        goto out;

    /* the store, with the signed genesis block */
    snprintf(path, sizeof path, "%s/ledger.db", dir);
    wt_node_opts nopts = {.db_path = path, .params = &p, .operator_key = &op, .verify_threads = 1};
    wt_node *node = NULL;
    err = wt_node_open(&node, ctx, &nopts);
    if (err != WT_OK) {
        fprintf(stderr, "wattle chain init: cannot create the ledger %s: %s\n", path,
                wt_strerror(err));
        goto out;
    }
    wt_node_close(node);

    printf("chain %" PRIu32 " created in %s\n", p.chain_id, dir);
    printf("  interval   %" PRId64 " ms\n", p.interval_ms);
    char price[32];
    if (p.retail_tariff_kind == WT_CHAIN_TARIFF_TIME_OF_USE) {
        print_tou("retail", p.retail_hour_micro_per_kwh);
    } else if (p.retail_tariff_kind == WT_CHAIN_TARIFF_TIERED) {
        printf("  retail     monthly tiers:");
        for (int i = 0; i < p.retail_tiers_count; i++) {
            char up_to[32];
            wt_decimal_format(up_to, sizeof up_to, p.retail_tier_up_to_mwh[i], 6);
            wt_decimal_format(price, sizeof price, p.retail_tier_micro_per_kwh[i], 6);
            printf("%s%s:%s", i == 0 ? " " : ",", i + 1 == p.retail_tiers_count ? "*" : up_to,
                   price);
        }
        printf(" (kWh:U/kWh)\n");
    } else {
        wt_decimal_format(price, sizeof price, p.retail_micro_per_kwh, 6);
        printf("  retail     %s U/kWh\n", price);
    }
    if (p.feed_in_tariff_kind == WT_CHAIN_TARIFF_TIME_OF_USE) {
        print_tou("feed-in", p.feed_in_hour_micro_per_kwh);
    } else {
        wt_decimal_format(price, sizeof price, p.feed_in_micro_per_kwh, 6);
        printf("  feed-in    %s U/kWh\n", price);
    }
    if (p.tariff_utc_offset_ms != 0) {
        int64_t east =
            p.tariff_utc_offset_ms < 0 ? -p.tariff_utc_offset_ms : p.tariff_utc_offset_ms;
        printf("  local time UTC%c%02d:%02d for the tariffs\n",
               p.tariff_utc_offset_ms < 0 ? '-' : '+', (int)(east / 3600000),
               (int)(east / 60000 % 60));
    }
    if (mechanism == 1) {
        printf("  market     pay-as-bid\n");
    } else {
        char k_text[32];
        wt_decimal_format(k_text, sizeof k_text, k_ppm, 6);
        printf("  market     pay-as-clear, k = %s\n", k_text);
    }
    for (uint16_t z = 0; z < p.zones_count; z++) {
        wt_decimal_format(price, sizeof price, p.zones[z].fee_micro_per_kwh, 6);
        printf("  zone       %s (grid fee %s U/kWh%s%s)\n", p.zones[z].name, price,
               z == 0 ? ", root" : ", in ", z == 0 ? "" : p.zones[p.zones[z].parent].name);
    }
    wt_address_encode(addr, op.pubkey);
    printf("  operator   %s\n", addr);
    wt_address_encode(addr, issuer.pubkey);
    printf("  issuer     %s\n", addr);
    wt_address_encode(addr, utility.pubkey);
    printf("  utility    %s\n", addr);
    rc = 0;
out:
    wt_seckey_wipe(&op);
    wt_seckey_wipe(&issuer);
    wt_seckey_wipe(&utility);
    wt_ctx_destroy(ctx);
    return rc;
}

int wt_cli_chain(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(chain_usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "init") == 0) {
        if (wt_cli_wants_help(argc, argv)) {
            fputs(chain_usage, stdout);
            return 0;
        }
        return chain_init(argc, argv);
    }
    fprintf(stderr, "wattle chain: unknown command '%s' (see 'wattle chain --help')\n", argv[1]);
    return 2;
}
