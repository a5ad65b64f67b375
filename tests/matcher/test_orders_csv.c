/*
 * test_orders_csv.c — the orders CSV and zones file parsers: what they
 * accept (column order, optional columns, spaces, CRLF, BOM, blank lines,
 * implicit and given zones, owners) and every error message they give, with
 * its code, line and column. (Not reached here: the capacity messages, which
 * need more than 2^20 zones or 2^25 orders.)
 */
#include "matcher.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CEILING 1000

static void *scratch_for(const char *text, size_t len, size_t zones, size_t *size)
{
    *size = wt_orders_csv_scratch_size(text, len, zones);
    void *s = malloc(*size);
    assert_non_null(s);
    return s;
}

static wt_err parse(wt_orders_csv *out, wt_csv_error *err, const char *text, size_t len,
                    const wt_zones_csv *zones)
{
    size_t size;
    void *s = scratch_for(text, len, zones != NULL ? zones->zones_count : 0, &size);
    wt_err e = wt_orders_csv_parse(s, size, out, err, text, len, zones, CEILING);
    free(s); /* only the error fields are read after this */
    return e;
}

static void expect_error_n(const char *text, size_t len, const wt_zones_csv *zones, wt_err code,
                           size_t line, size_t column, const char *message)
{
    wt_orders_csv out;
    wt_csv_error err;
    wt_err e = parse(&out, &err, text, len, zones);
    if (e != code || err.err != code || err.line != line || err.column != column ||
        strcmp(err.message, message) != 0)
        fail_msg("input [%.*s]: got %s line %zu column %zu \"%s\"; expected %s line %zu column "
                 "%zu \"%s\"",
                 (int)len, text, wt_errname(err.err), err.line, err.column, err.message,
                 wt_errname(code), line, column, message);
    assert_null(out.orders);
    assert_int_equal(out.orders_count, 0);
}

static void expect_error(const char *text, wt_err code, size_t line, size_t column,
                         const char *message)
{
    expect_error_n(text, strlen(text), NULL, code, line, column, message);
}

#define H     "id,side,energy_mwh,price_micro_per_kwh\n"
#define KNOWN "id,side,energy_mwh,price_micro_per_kwh[,zone][,owner][,seq]"

static void test_header_errors(void **state)
{
    (void)state;
    expect_error("", WT_ERR_BAD_CSV, 1, 0, "the file is empty: expected the header " KNOWN);
    expect_error("\n \n\t\r\n", WT_ERR_BAD_CSV, 1, 0,
                 "the file is empty: expected the header " KNOWN);
    expect_error("id,side,energy,price_micro_per_kwh\n", WT_ERR_BAD_CSV, 1, 3,
                 "column 3: unknown column 'energy' (expected " KNOWN ")");
    expect_error("id,side,,price_micro_per_kwh\n", WT_ERR_BAD_CSV, 1, 3,
                 "column 3: unknown column '' (expected " KNOWN ")");
    expect_error("id,side,id,price_micro_per_kwh\n", WT_ERR_BAD_CSV, 1, 3,
                 "column 3: column 'id' appears twice");
    expect_error("id,side,energy_mwh\n1,buy,5\n", WT_ERR_BAD_CSV, 1, 0,
                 "the header lacks the column 'price_micro_per_kwh'");
    expect_error("side,energy_mwh,price_micro_per_kwh\n", WT_ERR_BAD_CSV, 1, 0,
                 "the header lacks the column 'id'");
    expect_error("id,side,energy_mwh,price_micro_per_kwh,zone,owner,seq,a,b\n", WT_ERR_BAD_CSV, 1,
                 8, "column 8: unknown column 'a' (expected " KNOWN ")");
    expect_error("id,side,energy_mwh,price_micro_per_kwh,zone,owner,seq,seq,id\n", WT_ERR_BAD_CSV,
                 1, 8, "column 8: column 'seq' appears twice");
}

static void test_row_errors(void **state)
{
    (void)state;
    expect_error(H "1,buy,5\n", WT_ERR_BAD_CSV, 2, 0, "expected 4 fields, found 3");
    expect_error(H "1,buy,5,5\n2,sell,5,5,\n", WT_ERR_BAD_CSV, 3, 0, "expected 4 fields, found 5");
    expect_error(H "\"1\",buy,5,5\n", WT_ERR_BAD_CSV, 2, 1,
                 "column 1 (id): quoted fields are not supported");
    expect_error(H "1,bu\x01y,5,5\n", WT_ERR_BAD_CSV, 2, 2,
                 "column 2 (side): contains the control byte 0x01");
    static const char nul[] = H "1,buy,5\0,5\n";
    expect_error_n(nul, sizeof nul - 1, NULL, WT_ERR_BAD_CSV, 2, 3,
                   "column 3 (energy_mwh): contains the control byte 0x00");
    expect_error(H "1,buy,5,5\x7f\n", WT_ERR_BAD_CSV, 2, 4,
                 "column 4 (price_micro_per_kwh): contains the control byte 0x7f");
}

static void test_field_errors(void **state)
{
    (void)state;
    expect_error(H ",buy,5,5\n", WT_ERR_BAD_CSV, 2, 1, "column 1 (id): empty id");
    expect_error(H "abcdefghijklmnopqrstuvwxyz0123456,buy,5,5\n", WT_ERR_BAD_CSV, 2, 1,
                 "column 1 (id): id 'abcdefghijklmnopqrstuvwxyz0123456' is longer than 32 "
                 "characters (and not 64 hex digits)");
    expect_error(H "a\xff"
                   "b,buy,5,5\n",
                 WT_ERR_BAD_CSV, 2, 1,
                 "column 1 (id): id 'a?b' may hold only printable ASCII other than space, "
                 "comma and quote");
    expect_error(H "a b,buy,5,5\n", WT_ERR_BAD_CSV, 2, 1,
                 "column 1 (id): id 'a b' may hold only printable ASCII other than space, "
                 "comma and quote");
    expect_error(H "1,BUY,5,5\n", WT_ERR_BAD_SIDE, 2, 2,
                 "column 2 (side): side must be buy or sell, not 'BUY'");
    expect_error(H "1,,5,5\n", WT_ERR_BAD_SIDE, 2, 2,
                 "column 2 (side): side must be buy or sell, not ''");
    expect_error(H "1,buy,,5\n", WT_ERR_BAD_NUMBER, 2, 3, "column 3 (energy_mwh): empty value");
    expect_error(H "1,buy,abc,5\n", WT_ERR_BAD_NUMBER, 2, 3,
                 "column 3 (energy_mwh): 'abc' is not a whole number");
    expect_error(H "1,buy,1.5,5\n", WT_ERR_BAD_NUMBER, 2, 3,
                 "column 3 (energy_mwh): '1.5' is not a whole number");
    expect_error(H "1,buy,0,5\n", WT_ERR_BAD_ENERGY, 2, 3,
                 "column 3 (energy_mwh): 0 is outside [1, 100000000000]");
    expect_error(H "1,buy,-3,5\n", WT_ERR_BAD_ENERGY, 2, 3,
                 "column 3 (energy_mwh): -3 is outside [1, 100000000000]");
    expect_error(H "1,buy,100000000001,5\n", WT_ERR_BAD_ENERGY, 2, 3,
                 "column 3 (energy_mwh): 100000000001 is outside [1, 100000000000]");
    expect_error(H "1,buy,99999999999999999999,5\n", WT_ERR_BAD_ENERGY, 2, 3,
                 "column 3 (energy_mwh): 99999999999999999999 is outside [1, 100000000000]");
    expect_error(H "1,buy,1000000000000000000000000000000000000000000000000000000000000000000,5\n",
                 WT_ERR_BAD_NUMBER, 2, 3,
                 "column 3 (energy_mwh): '1000000000000000000000000000000000000000...' is too "
                 "long");
    expect_error(H "1,buy,5,1001\n", WT_ERR_BAD_PRICE, 2, 4,
                 "column 4 (price_micro_per_kwh): 1001 is outside [0, 1000]");
    expect_error(H "1,buy,5,-1\n", WT_ERR_BAD_PRICE, 2, 4,
                 "column 4 (price_micro_per_kwh): -1 is outside [0, 1000]");
    expect_error(H "1,buy,5,5e2\n", WT_ERR_BAD_NUMBER, 2, 4,
                 "column 4 (price_micro_per_kwh): '5e2' is not a whole number");
    expect_error("id,side,energy_mwh,price_micro_per_kwh,seq\n1,buy,5,5,x\n", WT_ERR_BAD_NUMBER, 2,
                 5, "column 5 (seq): 'x' is not a whole number in [0, 18446744073709551615]");
    expect_error("id,side,energy_mwh,price_micro_per_kwh,seq\n1,buy,5,5,18446744073709551616\n",
                 WT_ERR_BAD_NUMBER, 2, 5,
                 "column 5 (seq): '18446744073709551616' is not a whole number in [0, "
                 "18446744073709551615]");
    expect_error("id,side,energy_mwh,price_micro_per_kwh,seq\n1,buy,5,5,\n", WT_ERR_BAD_NUMBER, 2,
                 5, "column 5 (seq): '' is not a whole number in [0, 18446744073709551615]");
    expect_error("id,side,energy_mwh,price_micro_per_kwh,owner\n1,buy,5,5,"
                 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
                 WT_ERR_BAD_CSV, 2, 5,
                 "column 5 (owner): owner 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...' is longer "
                 "than 64 characters");
    expect_error("id,side,energy_mwh,price_micro_per_kwh,zone\n1,buy,5,5,\n", WT_ERR_UNKNOWN_ZONE,
                 2, 5, "column 5 (zone): empty zone");
    expect_error("id,side,energy_mwh,price_micro_per_kwh,zone\n1,buy,5,5,"
                 "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz\n",
                 WT_ERR_UNKNOWN_ZONE, 2, 5,
                 "column 5 (zone): zone name 'zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz...' is "
                 "longer than 64 characters");
    expect_error(H "5,buy,1,1\n6,sell,1,1\n5,sell,2,2\n", WT_ERR_DUPLICATE_ID, 4, 1,
                 "column 1 (id): duplicate id '5' (first on line 2)");
    /* The same id written as a number and as its 64 hex digits. */
    expect_error(
        H "\n258,buy,1,1\n0000000000000000000000000000000000000000000000000000000000000102,sell,1,"
          "1\n",
        WT_ERR_DUPLICATE_ID, 4, 1,
        "column 1 (id): duplicate id '0000000000000000000000000000000000000000...' (first on "
        "line 3)");
}

static void test_scratch_too_small(void **state)
{
    (void)state;
    const char *text = H "1,buy,5,5\n";
    size_t need = wt_orders_csv_scratch_size(text, strlen(text), 0);
    void *s = malloc(need);
    assert_non_null(s);
    wt_orders_csv out;
    wt_csv_error err;
    assert_int_equal(wt_orders_csv_parse(s, need - 1, &out, &err, text, strlen(text), NULL, 10),
                     WT_ERR_BUFFER_TOO_SMALL);
    assert_string_equal(err.message, "the scratch buffer is too small");
    assert_int_equal(wt_orders_csv_parse(s, need, &out, &err, text, strlen(text), NULL, 10), WT_OK);
    free(s);
    const char *z = "zone,parent,fee_micro_per_kwh\nroot,,0\n";
    need = wt_zones_csv_scratch_size(z, strlen(z));
    s = malloc(need);
    assert_non_null(s);
    wt_zones_csv zones;
    assert_int_equal(wt_zones_csv_parse(s, need - 1, &zones, &err, z, strlen(z), 10),
                     WT_ERR_BUFFER_TOO_SMALL);
    assert_string_equal(err.message, "the scratch buffer is too small");
    free(s);
}

static void test_accepts(void **state)
{
    (void)state;
    /* BOM, columns in another order, spaces, CRLF, blank lines, optional columns. */
    const char *text = "\xEF\xBB\xBF"
                       "price_micro_per_kwh , side,seq, id ,energy_mwh,owner,zone\r\n"
                       "\r\n"
                       " 120 ,buy,7,A, 1_000 ,alice,north\r\n"
                       "80,sell,007,12,500,bob,south\n"
                       "   \n"
                       "90,sell,3,0000000000000000000000000000000000000000000000000000000000000001,"
                       "250,alice,north\n"
                       "100,buy,0,B,1,,north";
    wt_orders_csv out;
    wt_csv_error err;
    size_t size;
    void *s = scratch_for(text, strlen(text), 0, &size);
    assert_int_equal(wt_orders_csv_parse(s, size, &out, &err, text, strlen(text), NULL, CEILING),
                     WT_OK);
    assert_int_equal(err.err, WT_OK);
    assert_int_equal(out.orders_count, 4);
    assert_true(out.has_zone && out.has_owner && out.has_seq);
    const wt_order *o = out.orders;
    char id[WT_ORDER_ID_TEXT_MAX + 1];
    wt_order_id_format(id, &o[0].id);
    assert_string_equal(id, "A");
    assert_int_equal(o[0].side, WT_SIDE_BUY);
    assert_true(o[0].energy_mwh == 1000 && o[0].price_micro_per_kwh == 120 && o[0].seq == 7);
    wt_order_id_format(id, &o[1].id);
    assert_string_equal(id, "12");
    assert_true(o[1].side == WT_SIDE_SELL && o[1].seq == 7 && o[1].energy_mwh == 500);
    wt_order_id_format(id, &o[2].id);
    assert_string_equal(id, "1");
    assert_true(o[3].seq == 0 && o[3].energy_mwh == 1);
    /* Lines: 3, 4, 6, 7. */
    assert_true(out.lines[0] == 3 && out.lines[1] == 4 && out.lines[2] == 6 && out.lines[3] == 7);
    /* Owners: same text, same owner; empty, unknown. */
    assert_true(o[0].owner != 0 && o[0].owner == o[2].owner && o[1].owner != o[0].owner &&
                o[1].owner != 0 && o[3].owner == WT_OWNER_UNKNOWN);
    /* Implicit zones: a root, then each new name under it. */
    assert_int_equal(out.zones_count, 3);
    assert_true(out.zones[0].parent == WT_ZONE_NONE && out.zones[1].parent == 0 &&
                out.zones[2].parent == 0);
    assert_true(o[0].zone == 1 && o[1].zone == 2 && o[2].zone == 1 && o[3].zone == 1);
    assert_true(out.zone_names[1].name_len == 5 && memcmp(out.zone_names[1].name, "north", 5) == 0);
    /* It clears. */
    wt_market m;
    wt_market_default(&m);
    m.zones = out.zones;
    m.zones_count = out.zones_count;
    size_t len = wt_book_arena_size(out.orders_count, out.zones_count);
    void *arena = malloc(len);
    assert_non_null(arena);
    wt_clearing c;
    assert_int_equal(wt_book_clear(arena, len, &c, &m, out.orders, out.orders_count), WT_OK);
    assert_true(c.volume_mwh > 0);
    free(arena);
    free(s);

    /* Without seq the line number is the sequence; without zone, all in 0. */
    const char *plain = H "\n1,buy,5,5\n2,sell,5,5";
    s = scratch_for(plain, strlen(plain), 0, &size);
    assert_int_equal(wt_orders_csv_parse(s, size, &out, &err, plain, strlen(plain), NULL, CEILING),
                     WT_OK);
    assert_int_equal(out.orders_count, 2);
    assert_true(out.orders[0].seq == 3 && out.orders[1].seq == 4);
    assert_true(!out.has_zone && !out.has_owner && !out.has_seq);
    assert_true(out.zones_count == 1 && out.orders[0].zone == 0);
    free(s);

    /* Only a header: an empty book. */
    s = scratch_for(H, strlen(H), 0, &size);
    assert_int_equal(wt_orders_csv_parse(s, size, &out, &err, H, strlen(H), NULL, CEILING), WT_OK);
    assert_int_equal(out.orders_count, 0);
    free(s);
}

static wt_err zones_parse(void **scratch, wt_zones_csv *z, wt_csv_error *err, const char *text)
{
    size_t need = wt_zones_csv_scratch_size(text, strlen(text));
    *scratch = malloc(need);
    assert_non_null(*scratch);
    return wt_zones_csv_parse(*scratch, need, z, err, text, strlen(text), CEILING);
}

static void expect_zones_error(const char *text, wt_err code, size_t line, size_t column,
                               const char *message)
{
    void *s;
    wt_zones_csv z;
    wt_csv_error err;
    wt_err e = zones_parse(&s, &z, &err, text);
    if (e != code || err.line != line || err.column != column || strcmp(err.message, message))
        fail_msg("zones [%s]: got %s line %zu column %zu \"%s\"", text, wt_errname(e), err.line,
                 err.column, err.message);
    assert_null(z.zones);
    assert_int_equal(z.zones_count, 0);
    free(s);
}

#define ZH     "zone,parent,fee_micro_per_kwh\n"
#define ZKNOWN "zone,parent,fee_micro_per_kwh"

static void test_zones(void **state)
{
    (void)state;
    void *s;
    wt_zones_csv z;
    wt_csv_error err;
    const char *text = "fee_micro_per_kwh,zone,parent\n20,city,\n5,north,city\n5,south,city\n"
                       "1,house 1,north\n";
    assert_int_equal(zones_parse(&s, &z, &err, text), WT_OK);
    assert_int_equal(z.zones_count, 4);
    assert_true(z.zones[0].parent == WT_ZONE_NONE && z.zones[0].fee_micro_per_kwh == 20);
    assert_true(z.zones[1].parent == 0 && z.zones[2].parent == 0 && z.zones[3].parent == 1);
    assert_true(z.names[3].name_len == 7 && memcmp(z.names[3].name, "house 1", 7) == 0);
    /* Orders refer to the given zones by name; unknown names are errors. */
    const char *orders = "id,side,energy_mwh,price_micro_per_kwh,zone\n1,buy,5,500,house 1\n"
                         "2,sell,5,100,south\n";
    wt_orders_csv out;
    size_t size;
    void *os = scratch_for(orders, strlen(orders), z.zones_count, &size);
    assert_int_equal(wt_orders_csv_parse(os, size, &out, &err, orders, strlen(orders), &z, CEILING),
                     WT_OK);
    assert_true(out.orders[0].zone == 3 && out.orders[1].zone == 2 && out.zones_count == 4);
    assert_true(out.zones[3].fee_micro_per_kwh == 1);
    wt_market m;
    wt_market_default(&m);
    m.zones = out.zones;
    m.zones_count = out.zones_count;
    static uint8_t arena[1 << 16];
    wt_clearing c;
    assert_int_equal(wt_book_clear(arena, sizeof arena, &c, &m, out.orders, 2), WT_OK);
    assert_int_equal(c.trades_count, 1);
    assert_int_equal(c.trades[0].zone, 0);      /* they meet at the root */
    assert_int_equal(c.trades[0].fee_micro, 0); /* 5 mWh * 20 micro/kWh < 1 micro */
    free(os);
    const char *west = "id,side,energy_mwh,price_micro_per_kwh,zone\n1,buy,5,5,west\n";
    expect_error_n(west, strlen(west), &z, WT_ERR_UNKNOWN_ZONE, 2, 5,
                   "column 5 (zone): unknown zone 'west'");
    free(s);

    expect_zones_error("", WT_ERR_BAD_CSV, 1, 0, "the file is empty: expected the header " ZKNOWN);
    expect_zones_error("zone,parents,fee_micro_per_kwh\n", WT_ERR_BAD_CSV, 1, 2,
                       "column 2: unknown column 'parents' (expected " ZKNOWN ")");
    expect_zones_error("zone,zone,fee_micro_per_kwh\n", WT_ERR_BAD_CSV, 1, 2,
                       "column 2: column 'zone' appears twice");
    expect_zones_error("zone,parent\n", WT_ERR_BAD_CSV, 1, 0,
                       "the header lacks the column 'fee_micro_per_kwh'");
    expect_zones_error("zone,parent,fee_micro_per_kwh,a,b,c,d,e,f\n", WT_ERR_BAD_CSV, 1, 4,
                       "column 4: unknown column 'a' (expected " ZKNOWN ")");
    expect_zones_error("zone,parent,fee_micro_per_kwh,,,,,,,\n", WT_ERR_BAD_CSV, 1, 4,
                       "column 4: unknown column '' (expected " ZKNOWN ")");
    expect_zones_error(ZH, WT_ERR_BAD_ZONE_TREE, 2, 0, "no zones: the file has only a header");
    expect_zones_error(ZH "root,,0,1\n", WT_ERR_BAD_CSV, 2, 0, "expected 3 fields, found 4");
    expect_zones_error(ZH "\"root\",,0\n", WT_ERR_BAD_CSV, 2, 1,
                       "column 1 (zone): quoted fields are not supported");
    expect_zones_error(ZH ",,0\n", WT_ERR_BAD_CSV, 2, 1, "column 1 (zone): empty zone name");
    expect_zones_error(
        ZH "rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr,,0\n", WT_ERR_BAD_CSV,
        2, 1,
        "column 1 (zone): zone name 'rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr...' is "
        "longer than 64 characters");
    expect_zones_error(ZH "root,,0\na,root,0\na,root,0\n", WT_ERR_BAD_ZONE_TREE, 4, 1,
                       "column 1 (zone): zone 'a' is defined twice");
    expect_zones_error(ZH "root,x,0\n", WT_ERR_BAD_ZONE_TREE, 2, 2,
                       "column 2 (parent): the first zone is the root: its parent must be empty");
    expect_zones_error(ZH "root,,0\nother,,0\n", WT_ERR_BAD_ZONE_TREE, 3, 2,
                       "column 2 (parent): only the first zone (the root) has no parent");
    expect_zones_error(ZH "root,,0\nb,a,0\na,root,0\n", WT_ERR_BAD_ZONE_TREE, 3, 2,
                       "column 2 (parent): unknown parent 'a' (a parent must come before its "
                       "children)");
    expect_zones_error(ZH "root,,0\na,a,0\n", WT_ERR_BAD_ZONE_TREE, 3, 2,
                       "column 2 (parent): unknown parent 'a' (a parent must come before its "
                       "children)");
    /* Sixteen levels below the root are fine, the seventeenth is not. */
    char deep[1024] = ZH "z0,,0\n";
    for (int i = 1; i <= WT_ZONE_DEPTH_MAX; i++)
        snprintf(deep + strlen(deep), sizeof deep - strlen(deep), "z%d,z%d,0\n", i, i - 1);
    assert_int_equal(zones_parse(&s, &z, &err, deep), WT_OK);
    assert_int_equal(z.zones_count, WT_ZONE_DEPTH_MAX + 1);
    free(s);
    snprintf(deep + strlen(deep), sizeof deep - strlen(deep), "z%d,z%d,0\n", WT_ZONE_DEPTH_MAX + 1,
             WT_ZONE_DEPTH_MAX);
    expect_zones_error(deep, WT_ERR_BAD_ZONE_TREE, WT_ZONE_DEPTH_MAX + 3, 2,
                       "column 2 (parent): the tree is deeper than 16 levels below the root");
    expect_zones_error(ZH "root,,x\n", WT_ERR_BAD_NUMBER, 2, 3,
                       "column 3 (fee_micro_per_kwh): 'x' is not a whole number");
    expect_zones_error(ZH "root,,\n", WT_ERR_BAD_NUMBER, 2, 3,
                       "column 3 (fee_micro_per_kwh): empty value");
    expect_zones_error(ZH "root,,1001\n", WT_ERR_BAD_FEE, 2, 3,
                       "column 3 (fee_micro_per_kwh): 1001 is outside [0, 1000]");
}

static void test_contract_asserts(void **state)
{
    (void)state;
    wt_orders_csv out;
    wt_csv_error err;
    char s[16];
    expect_assert_failure(wt_orders_csv_parse(s, sizeof s, NULL, &err, "", 0, NULL, 1));
    expect_assert_failure(wt_orders_csv_parse(s, sizeof s, &out, NULL, "", 0, NULL, 1));
    expect_assert_failure(wt_orders_csv_parse(s, sizeof s, &out, &err, NULL, 5, NULL, 1));
    expect_assert_failure(wt_order_id_from_text(NULL, "1", 1));
    assert_int_equal(wt_orders_csv_scratch_size("", 0, (size_t)WT_ZONES_MAX + 1), SIZE_MAX);
}

int main(void)
{
    wt_test_route_asserts();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_errors),    cmocka_unit_test(test_row_errors),
        cmocka_unit_test(test_field_errors),     cmocka_unit_test(test_scratch_too_small),
        cmocka_unit_test(test_accepts),          cmocka_unit_test(test_zones),
        cmocka_unit_test(test_contract_asserts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
