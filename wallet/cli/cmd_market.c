/* cmd_market.c — `wattle market clear`: reads an orders CSV (a file or '-'
 * for stdin), clears it with the matcher and prints the clearing price and
 * volume, then the trades as CSV (DESIGN.md, "Entry points"). The shell does
 * the I/O; parsing and clearing are the matcher's pure functions. */
#include "commands.h"
#include "common.h"
#include "matcher.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void market_usage(FILE *out)
{
    fprintf(out,
            "usage: wattle market clear [--mechanism pay-as-clear|pay-as-bid] [--k K]\n"
            "                           [--ceiling P] [--zones ZONES.csv] [--residual FILE]\n"
            "                           ORDERS.csv\n"
            "\n"
            "Clears one interval's order book by double auction and prints\n"
            "  price_micro_per_kwh=P volume_mwh=V\n"
            "then the trades as CSV with the header\n"
            "  buy_id,sell_id,energy_mwh,price_micro_per_kwh,amount_micro\n"
            "(plus zone,fee_micro when the book has zones), ordered by buy priority then\n"
            "sell priority. amount_micro = energy_mwh * price / 1,000,000, truncated.\n"
            "\n"
            "ORDERS.csv ('-' reads stdin) has the header id,side,energy_mwh,price_micro_per_kwh\n"
            "and optionally the columns zone, owner, seq, in any order. side is buy or sell;\n"
            "ids are numbers or up to 32 characters; without seq the line number is the\n"
            "sequence. Priority: better price, then smaller seq, then smaller id. Orders of\n"
            "the same owner never trade with each other.\n"
            "\n"
            "  --mechanism pay-as-clear  one price for all (default): p = ask_m + k*(bid_m -\n"
            "                            ask_m), the last matched bid and ask, rounded down\n"
            "  --mechanism pay-as-bid    each trade at the buyer's bid; P is then the\n"
            "                            volume-weighted average trade price, truncated\n"
            "                            (so it is with zones, each clearing at its own\n"
            "                            price; P is 0 when nothing trades)\n"
            "  --k K                     k in [0, 1], up to 6 decimals (default 0.5)\n"
            "  --ceiling P               highest accepted price, micro-U-Coin per kWh\n"
            "                            (default %" PRId64 ")\n"
            "  --zones ZONES.csv         zone tree with header zone,parent,fee_micro_per_kwh;\n"
            "                            root first, parents before children. Each zone clears\n"
            "                            first, the rest goes up to the parent; a trade in zone\n"
            "                            z costs the buyer price + fee(z). Without this file,\n"
            "                            each zone named in ORDERS.csv is a child of one root,\n"
            "                            all without fee.\n"
            "  --residual FILE           also write id,side,energy_mwh,filled_mwh,unfilled_mwh\n"
            "                            per order: unfilled demand goes to the retail tariff,\n"
            "                            unfilled supply to the feed-in tariff\n"
            "\n"
            "exit status: 0 cleared, 2 malformed input or usage (message names the line and\n"
            "column).\n"
            "\n"
            "Also: wattle market book ZONE, wattle market clearings ZONE (from a node; --help).\n",
            WT_PRICE_MICRO_PER_KWH_MAX);
}

/* Read a whole file ('-': stdin) into a malloc'd buffer. */
static char *read_all(const char *path, size_t *len)
{
    *len = 0;
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    while (buf != NULL) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap) {
            if (ferror(f)) {
                free(buf);
                buf = NULL;
            }
            break;
        }
        char *bigger = cap > SIZE_MAX / 2 ? NULL : realloc(buf, cap * 2);
        if (bigger == NULL) {
            free(buf);
            buf = NULL;
        }
        buf = bigger;
        cap *= 2;
    }
    if (f != stdin)
        fclose(f);
    *len = n;
    return buf;
}

static int csv_fail(const char *path, const wt_csv_error *err)
{
    if (err->line > 0)
        fprintf(stderr, "wattle market clear: %s: line %zu: %s\n", path, err->line, err->message);
    else
        fprintf(stderr, "wattle market clear: %s: %s\n", path, err->message);
    return 2;
}

static void print_name(FILE *out, const wt_zone_name *name)
{
    fwrite(name->name, 1, name->name_len, out);
}

static int market_clear(int argc, char **argv)
{
    wt_market market;
    wt_market_default(&market);
    const char *orders_path = NULL, *zones_path = NULL, *residual_path = NULL;
    bool k_given = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            market_usage(stdout);
            return 0;
        }
        bool takes_value = strcmp(a, "--mechanism") == 0 || strcmp(a, "--k") == 0 ||
                           strcmp(a, "--ceiling") == 0 || strcmp(a, "--zones") == 0 ||
                           strcmp(a, "--residual") == 0;
        if (takes_value && i + 1 >= argc) {
            fprintf(stderr, "wattle market clear: %s needs a value\n", a);
            return 2;
        }
        if (strcmp(a, "--mechanism") == 0) {
            const char *v = argv[++i];
            if (strcmp(v, "pay-as-clear") == 0)
                market.mechanism = WT_MECHANISM_PAY_AS_CLEAR;
            else if (strcmp(v, "pay-as-bid") == 0)
                market.mechanism = WT_MECHANISM_PAY_AS_BID;
            else {
                fprintf(stderr,
                        "wattle market clear: --mechanism must be pay-as-clear or pay-as-bid, "
                        "not '%s'\n",
                        v);
                return 2;
            }
        } else if (strcmp(a, "--k") == 0) {
            int64_t k;
            const char *v = argv[++i];
            if (wt_decimal_parse(&k, v, 6, false) != WT_OK || k > (int64_t)WT_K_PPM_ONE) {
                fprintf(stderr,
                        "wattle market clear: --k must be a number in [0, 1] with at most 6 "
                        "decimals, not '%s'\n",
                        v);
                return 2;
            }
            market.k_ppm = (uint32_t)k;
            k_given = true;
        } else if (strcmp(a, "--ceiling") == 0) {
            int64_t c;
            const char *v = argv[++i];
            if (wt_decimal_parse(&c, v, 0, false) != WT_OK || c > WT_PRICE_MICRO_PER_KWH_MAX) {
                fprintf(stderr,
                        "wattle market clear: --ceiling must be a whole number of micro-U-Coin "
                        "per kWh in [0, %" PRId64 "], not '%s'\n",
                        WT_PRICE_MICRO_PER_KWH_MAX, v);
                return 2;
            }
            market.price_ceiling_micro_per_kwh = c;
        } else if (strcmp(a, "--zones") == 0) {
            zones_path = argv[++i];
        } else if (strcmp(a, "--residual") == 0) {
            residual_path = argv[++i];
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "wattle market clear: unknown option '%s' (see --help)\n", a);
            return 2;
        } else if (orders_path != NULL) {
            fprintf(stderr, "wattle market clear: one ORDERS.csv only (got '%s' and '%s')\n",
                    orders_path, a);
            return 2;
        } else {
            orders_path = a;
        }
    }
    if (orders_path == NULL) {
        fprintf(stderr, "wattle market clear: missing ORDERS.csv (see --help)\n");
        return 2;
    }
    if (k_given && market.mechanism == WT_MECHANISM_PAY_AS_BID) {
        fprintf(stderr, "wattle market clear: --k applies to pay-as-clear only\n");
        return 2;
    }

    int status = 2;
    char *zones_text = NULL, *orders_text = NULL;
    void *zones_scratch = NULL, *orders_scratch = NULL, *arena = NULL;
    FILE *residual = NULL;
    wt_csv_error err;
    wt_zones_csv zones;
    bool have_zones = false;
    size_t len;
    if (zones_path != NULL) {
        zones_text = read_all(zones_path, &len);
        if (zones_text == NULL) {
            fprintf(stderr, "wattle market clear: cannot read %s: %s\n", zones_path,
                    strerror(errno));
            goto done;
        }
        size_t need = wt_zones_csv_scratch_size(zones_text, len);
        zones_scratch = malloc(need);
        if (zones_scratch == NULL) {
            fprintf(stderr, "wattle market clear: out of memory\n");
            goto done;
        }
        if (wt_zones_csv_parse(zones_scratch, need, &zones, &err, zones_text, len,
                               market.price_ceiling_micro_per_kwh) != WT_OK) {
            status = csv_fail(zones_path, &err);
            goto done;
        }
        have_zones = true;
    }
    orders_text = read_all(orders_path, &len);
    if (orders_text == NULL) {
        fprintf(stderr, "wattle market clear: cannot read %s: %s\n", orders_path, strerror(errno));
        goto done;
    }
    size_t need = wt_orders_csv_scratch_size(orders_text, len, have_zones ? zones.zones_count : 0);
    orders_scratch = need == SIZE_MAX ? NULL : malloc(need);
    if (orders_scratch == NULL) {
        fprintf(stderr, "wattle market clear: out of memory\n");
        goto done;
    }
    wt_orders_csv book;
    if (wt_orders_csv_parse(orders_scratch, need, &book, &err, orders_text, len,
                            have_zones ? &zones : NULL,
                            market.price_ceiling_micro_per_kwh) != WT_OK) {
        status = csv_fail(orders_path, &err);
        goto done;
    }
    bool zoned = have_zones || book.has_zone;
    market.zones = book.zones;
    market.zones_count = book.zones_count;
    size_t arena_len = wt_book_arena_size(book.orders_count, book.zones_count);
    arena = malloc(arena_len);
    if (arena == NULL) {
        fprintf(stderr, "wattle market clear: out of memory\n");
        goto done;
    }
    wt_clearing c;
    wt_err e = wt_book_clear(arena, arena_len, &c, &market, book.orders, book.orders_count);
    if (e != WT_OK) {
        if (c.error_index != SIZE_MAX)
            fprintf(stderr, "wattle market clear: %s: line %u: %s (%s)\n", orders_path,
                    (unsigned)book.lines[c.error_index], wt_strerror(e), wt_errname(e));
        else
            fprintf(stderr, "wattle market clear: %s: %s (%s)\n", orders_path, wt_strerror(e),
                    wt_errname(e));
        goto done;
    }

    static char outbuf[1 << 16];
    setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
    printf("price_micro_per_kwh=%" PRId64 " volume_mwh=%" PRId64 "\n", c.price_micro_per_kwh,
           c.volume_mwh);
    printf("buy_id,sell_id,energy_mwh,price_micro_per_kwh,amount_micro%s\n",
           zoned ? ",zone,fee_micro" : "");
    char buy_id[WT_ORDER_ID_TEXT_MAX + 1], sell_id[WT_ORDER_ID_TEXT_MAX + 1];
    for (size_t t = 0; t < c.trades_count; t++) {
        const wt_trade *tr = &c.trades[t];
        wt_order_id_format(buy_id, &book.orders[tr->buy].id);
        wt_order_id_format(sell_id, &book.orders[tr->sell].id);
        printf("%s,%s,%" PRId64 ",%" PRId64 ",%" PRId64, buy_id, sell_id, tr->energy_mwh,
               tr->price_micro_per_kwh, tr->amount_micro);
        if (zoned) {
            putchar(',');
            print_name(stdout, &book.zone_names[tr->zone]);
            printf(",%" PRId64, tr->fee_micro);
        }
        putchar('\n');
    }
    if (fflush(stdout) != 0) {
        fprintf(stderr, "wattle market clear: cannot write the output: %s\n", strerror(errno));
        goto done;
    }
    if (residual_path != NULL) {
        residual = fopen(residual_path, "w");
        if (residual == NULL) {
            fprintf(stderr, "wattle market clear: cannot write %s: %s\n", residual_path,
                    strerror(errno));
            goto done;
        }
        fprintf(residual, "id,side,energy_mwh,filled_mwh,unfilled_mwh\n");
        for (size_t i = 0; i < book.orders_count; i++) {
            const wt_order *o = &book.orders[i];
            wt_order_id_format(buy_id, &o->id);
            fprintf(residual, "%s,%s,%" PRId64 ",%" PRId64 ",%" PRId64 "\n", buy_id,
                    o->side == WT_SIDE_BUY ? "buy" : "sell", o->energy_mwh,
                    o->energy_mwh - c.unfilled_mwh[i], c.unfilled_mwh[i]);
        }
        if (fclose(residual) != 0) {
            residual = NULL;
            fprintf(stderr, "wattle market clear: cannot write %s\n", residual_path);
            goto done;
        }
        residual = NULL;
    }
    status = 0;
done:
    if (residual != NULL)
        fclose(residual);
    free(arena);
    free(orders_scratch);
    free(orders_text);
    free(zones_scratch);
    free(zones_text);
    return status;
}

int wt_cli_market(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        market_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "clear") == 0)
        return market_clear(argc - 1, argv + 1);
    if (strcmp(argv[1], "book") == 0)
        return wt_cli_market_book(argc - 1, argv + 1);
    if (strcmp(argv[1], "clearings") == 0)
        return wt_cli_market_clearings(argc - 1, argv + 1);
    fprintf(stderr, "wattle market: unknown subcommand '%s' (try 'wattle market clear --help')\n",
            argv[1]);
    return 2;
}
