/*
 * test_sunspec.c — the SunSpec decoder over hand-made register maps
 * (sunspec_map.c): every model wattle decodes for energy (101-103, 201-204)
 * with scale factors below and above zero, "not implemented" sentinels of
 * every type, strings, enums and bitfields, the exact mWh conversion and its
 * overflow, which model carries the energy, registers not read, the common
 * model without its pad, broken chains (no marker, a first model that is
 * not the common model, a wrong length, a length running past the end, no
 * end marker, past address 65535, too many models), the text dump format
 * and its errors, and the JSON line.
 */
#include "meter.h"
#include "sunspec_map.h"
#include "testutil.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static ss_map map;
static wt_sunspec_image image;
static wt_sunspec_device device;
static wt_meter_reading reading;

static wt_err decode_map(void)
{
    wt_sunspec_image_load(&image, map.base, map.regs, map.count);
    return wt_sunspec_decode(&device, &image);
}

static void decode_ok(void)
{
    wt_err err = decode_map();
    if (err != WT_OK)
        fail_msg("decode: %s: %s", wt_errname(err), device.detail);
}

static const wt_sunspec_value *point(uint32_t model, const char *name)
{
    const wt_sunspec_value *v = wt_sunspec_find(&device, model, name);
    if (v == NULL)
        fail_msg("model index %u has no point %s", model, name);
    return v;
}

/* The point as text; "" unless it is a value. */
static const char *text_of(uint32_t model, const char *name)
{
    static char out[512];
    assert_true(wt_sunspec_value_format(out, sizeof out, &device, point(model, name)));
    return out;
}

static int64_t energy(const char *code)
{
    wt_obis o;
    size_t used;
    assert_int_equal(wt_obis_parse(&o, &used, code, strlen(code)), WT_OK);
    const wt_meter_value *v = wt_meter_reading_find(&reading, o);
    if (v == NULL)
        fail_msg("no %s in the reading", code);
    assert_int_equal(v->unit, WT_UNIT_MWH);
    return v->value_int;
}

static bool has_value(const char *code)
{
    wt_obis o;
    size_t used;
    assert_int_equal(wt_obis_parse(&o, &used, code, strlen(code)), WT_OK);
    return wt_meter_reading_find(&reading, o) != NULL;
}

static void inverters(void **state)
{
    (void)state;
    for (uint16_t id = 101; id <= 103; id++) {
        ss_map_begin(&map, 40000);
        ss_map_common(&map, "Wattle", "INV-3000", "SN-77", 0);
        uint32_t at = ss_map_inverter(&map, id, 2970876, 1);
        ss_map_end(&map);
        decode_ok();
        assert_int_equal(device.chain.count, 2);
        assert_int_equal(device.chain.models[1].id, id);
        assert_int_equal(device.chain.models[1].address, 40000 + at);
        /* scale factors -1, 1, -2; sentinels of uint16, int16, sunssf, enum16,
         * bitfield32; the values */
        assert_string_equal(text_of(1, "A"), "4.1");
        assert_string_equal(text_of(1, "PhVphA"), "239.3");
        assert_string_equal(text_of(1, "W"), "970");
        assert_string_equal(text_of(1, "Hz"), "49.99");
        assert_string_equal(text_of(1, "WH"), "29708760");
        assert_string_equal(text_of(1, "TmpCab"), "41");
        assert_string_equal(text_of(1, "St"), "MPPT");
        assert_string_equal(text_of(1, "Evt1"), "");
        assert_int_equal(point(1, "Evt1")->state, WT_SUNSPEC_VALUE);
        assert_int_equal(point(1, "AphB")->state, WT_SUNSPEC_NOT_IMPLEMENTED);  /* uint16 */
        assert_int_equal(point(1, "VA")->state, WT_SUNSPEC_NOT_IMPLEMENTED);    /* int16 */
        assert_int_equal(point(1, "VA_SF")->state, WT_SUNSPEC_NOT_IMPLEMENTED); /* sunssf */
        assert_int_equal(point(1, "StVnd")->state, WT_SUNSPEC_NOT_IMPLEMENTED); /* enum16 */
        assert_int_equal(point(1, "Evt2")->state, WT_SUNSPEC_NOT_IMPLEMENTED);  /* bitfield32 */
        assert_int_equal(point(1, "W")->sf, 1);
        assert_int_equal(point(1, "A")->raw, 41);
        assert_int_equal(point(1, "A")->sf, -1);
        /* the common model's strings */
        assert_string_equal(text_of(0, "Mn"), "Wattle");
        assert_string_equal(text_of(0, "Md"), "INV-3000");
        assert_string_equal(text_of(0, "Opt"), "");
        assert_int_equal(point(0, "DA")->state, WT_SUNSPEC_NOT_IMPLEMENTED);
        assert_int_equal(point(0, "Pad")->raw, 0x8000);
        /* energy: WH x 10^(WH_SF + 3) mWh, export only */
        assert_int_equal(wt_sunspec_reading(&reading, &device, 0, 1), WT_OK);
        assert_int_equal(energy("1-0:2.8.0"), INT64_C(29708760000));
        assert_false(has_value("1-0:1.8.0"));
        assert_string_equal(reading.meter_id, "SN-77");
        assert_int_equal(reading.format, WT_METER_FORMAT_SUNSPEC);
        assert_false(reading.has_time);
        int64_t imp = -1, exp = -1;
        assert_int_equal(wt_agg_registers(&imp, &exp, &reading), WT_OK);
        assert_int_equal(imp, 0);
        assert_int_equal(exp, INT64_C(29708760000));
        assert_int_equal(wt_sunspec_reading(&reading, &device, id, 1), WT_OK);
        assert_int_equal(energy("1-0:2.8.0"), INT64_C(29708760000));
    }
}

static void meters(void **state)
{
    (void)state;
    for (uint16_t id = 201; id <= 204; id++) {
        ss_map_begin(&map, 40000);
        ss_map_common(&map, "Wattle", "GRID-1", "M-1", 0);
        ss_map_meter(&map, id, 123456, 7890, -1);
        ss_map_end(&map);
        decode_ok();
        assert_int_equal(device.chain.models[1].id, id);
        assert_string_equal(text_of(1, "W"), "-1500");
        assert_string_equal(text_of(1, "TotWhImp"), "12345.6");
        assert_string_equal(text_of(1, "TotWhExp"), "789.0");
        assert_int_equal(point(1, "TotWhImpPhA")->state, WT_SUNSPEC_NOT_IMPLEMENTED); /* acc32 0 */
        assert_int_equal(point(1, "Hz")->state, WT_SUNSPEC_NOT_IMPLEMENTED);
        assert_int_equal(point(1, "TotVAhExp")->state, WT_SUNSPEC_NOT_IMPLEMENTED);
        /* 201 names its line voltages PPVphAB, 202-204 PhVphAB (as in the definitions) */
        assert_non_null(wt_sunspec_find(&device, 1, id == 201 ? "PPVphAB" : "PhVphAB"));
        assert_null(wt_sunspec_find(&device, 1, id == 201 ? "PhVphAB" : "PPVphAB"));
        assert_int_equal(wt_sunspec_reading(&reading, &device, 0, 1), WT_OK);
        assert_int_equal(energy("1-0:1.8.0"), 12345600);
        assert_int_equal(energy("1-0:2.8.0"), 789000);
        assert_string_equal(reading.meter_id, "M-1");
    }
    /* positive and large scale factors; below -3 truncates toward zero */
    static const struct {
        int16_t sf;
        uint32_t wh;
        int64_t mwh;
    } cases[] = {
        {0, 5, 5000},
        {3, 123, INT64_C(123000000)},
        {10, 1, INT64_C(10000000000000)},
        {-3, 987654, 987654},
        {-4, 987654, 98765},
        {-10, 4000000000u, 400}, /* 4e9 x 10^-7 */
        {-6, 4294967294u, 4294967},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ss_map_begin(&map, 40000);
        ss_map_common(&map, "W", "M", "S", 0);
        ss_map_meter(&map, 203, cases[i].wh, cases[i].wh, cases[i].sf);
        ss_map_end(&map);
        decode_ok();
        assert_int_equal(wt_sunspec_reading(&reading, &device, 203, 1), WT_OK);
        assert_int_equal(energy("1-0:1.8.0"), cases[i].mwh);
        assert_int_equal(energy("1-0:2.8.0"), cases[i].mwh);
    }
    /* an accumulator not implemented (0) reads 0 mWh */
    ss_map_begin(&map, 40000);
    ss_map_common(&map, "W", "M", "S", 0);
    ss_map_meter(&map, 201, 0, 42, 0);
    ss_map_end(&map);
    decode_ok();
    assert_int_equal(point(1, "TotWhImp")->state, WT_SUNSPEC_NOT_IMPLEMENTED);
    assert_int_equal(wt_sunspec_reading(&reading, &device, 0, 1), WT_OK);
    assert_int_equal(energy("1-0:1.8.0"), 0);
    assert_int_equal(energy("1-0:2.8.0"), 42000);
}

static void bad_scale_factors(void **state)
{
    (void)state;
    static const uint16_t bad[] = {0x8000, 11, (uint16_t)(int16_t)-11, 0x7FFF};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ss_map_begin(&map, 40000);
        ss_map_common(&map, "W", "M", "S", 0);
        uint32_t at = ss_map_inverter(&map, 103, 100, 0);
        ss_map_put(&map, at + SS_INV_WH_SF, bad[i]);
        ss_map_end(&map);
        decode_ok(); /* points never fail the decode */
        assert_int_equal(point(1, "WH")->state, WT_SUNSPEC_INVALID);
        assert_string_equal(text_of(1, "WH"), "");
        assert_int_equal(wt_sunspec_reading(&reading, &device, 0, 1), WT_ERR_BAD_METER_VALUE);
        assert_non_null(strstr(reading.detail, "WH_SF"));
        assert_int_equal(reading.values_count, 0);
        assert_string_equal(reading.meter_id, "S"); /* the header still filled */
    }
    /* 4294967295 Wh x 10^13: beyond int64 mWh */
    ss_map_begin(&map, 40000);
    ss_map_common(&map, "W", "M", "S", 0);
    ss_map_inverter(&map, 101, 0xFFFFFFFFu, 10);
    ss_map_end(&map);
    decode_ok();
    assert_int_equal(wt_sunspec_reading(&reading, &device, 0, 1), WT_ERR_OVERFLOW);
    /* the largest that fits: 922337 x 10^13 */
    ss_map_begin(&map, 40000);
    ss_map_common(&map, "W", "M", "S", 0);
    ss_map_inverter(&map, 101, 922337, 10);
    ss_map_end(&map);
    decode_ok();
    assert_int_equal(wt_sunspec_reading(&reading, &device, 0, 1), WT_OK);
    assert_int_equal(energy("1-0:2.8.0"), INT64_C(9223370000000000000));
}

static void enums_and_bits(void **state)
{
    (void)state;
    ss_map_begin(&map, 40000);
    ss_map_common(&map, "W", "M", "S", 0);
    uint32_t at = ss_map_inverter(&map, 101, 1, 0);
    ss_map_put(&map, at + SS_INV_ST, 99);                                     /* no symbol */
    ss_map_put32(&map, at + SS_INV_EVT1, (1u << 0) | (1u << 7) | (1u << 20)); /* 20: unnamed */
    ss_map_put(&map, at + SS_INV_PF, (uint16_t)(int16_t)-995);
    ss_map_put(&map, at + SS_INV_PF_SF, (uint16_t)(int16_t)-3);
    ss_map_end(&map);
    decode_ok();
    assert_string_equal(text_of(1, "St"), "99");
    assert_string_equal(text_of(1, "Evt1"), "GROUND_FAULT|OVER_TEMP|bit20");
    assert_string_equal(text_of(1, "PF"), "-0.995");
    /* decimals: small, zero, negative with a positive factor */
    ss_map_put(&map, at + SS_INV_PF, 5);
    decode_ok();
    assert_string_equal(text_of(1, "PF"), "0.005");
    ss_map_put(&map, at + SS_INV_PF, 0);
    decode_ok();
    assert_string_equal(text_of(1, "PF"), "0.000");
    ss_map_put(&map, at + SS_INV_PF, (uint16_t)(int16_t)-5);
    ss_map_put(&map, at + SS_INV_PF_SF, 2);
    decode_ok();
    assert_string_equal(text_of(1, "PF"), "-500");
    ss_map_put(&map, at + SS_INV_PF, (uint16_t)(int16_t)-32767);
    ss_map_put(&map, at + SS_INV_PF_SF, (uint16_t)(int16_t)-10);
    decode_ok();
    assert_string_equal(text_of(1, "PF"), "-0.0000032767");
}

static void selection(void **state)
{
    (void)state;
    ss_map_begin(&map, 40000);
    ss_map_common(&map, "W", "M", "S", 0);
    ss_map_inverter(&map, 103, 1000, 0);
    ss_map_model(&map, 120, 26); /* a nameplate between them */
    ss_map_meter(&map, 203, 10, 20, 0);
    ss_map_meter(&map, 203, 30, 40, 0);
    ss_map_end(&map);
    decode_ok();
    assert_int_equal(device.chain.count, 5);
    /* auto: the first meter */
    assert_int_equal(wt_sunspec_chain_select(&device.chain, 0, 1), 3);
    assert_int_equal(wt_sunspec_reading(&reading, &device, 0, 1), WT_OK);
    assert_int_equal(energy("1-0:1.8.0"), 10000);
    assert_int_equal(wt_sunspec_reading(&reading, &device, 203, 2), WT_OK);
    assert_int_equal(energy("1-0:1.8.0"), 30000);
    assert_int_equal(energy("1-0:2.8.0"), 40000);
    assert_int_equal(wt_sunspec_reading(&reading, &device, 103, 1), WT_OK);
    assert_int_equal(energy("1-0:2.8.0"), 1000000);
    assert_int_equal(wt_sunspec_reading(&reading, &device, 203, 3), WT_ERR_NOT_FOUND);
    assert_int_equal(wt_sunspec_reading(&reading, &device, 201, 1), WT_ERR_NOT_FOUND);
    assert_int_equal(wt_sunspec_reading(&reading, &device, 120, 1), WT_ERR_NOT_FOUND);
    assert_non_null(strstr(reading.detail, "carries no energy"));
    assert_int_equal(wt_sunspec_chain_select(&device.chain, 203, 0), -1);
    /* only a common model: nothing carries energy */
    ss_map_begin(&map, 40000);
    ss_map_common(&map, "W", "M", "S", 0);
    ss_map_end(&map);
    decode_ok();
    assert_int_equal(wt_sunspec_reading(&reading, &device, 0, 1), WT_ERR_NOT_FOUND);
    assert_string_equal(reading.meter_id, "S");
    /* an inverter alone: auto takes it */
    ss_map_begin(&map, 50000);
    ss_map_common(&map, "W", "M", "serial with spaces", 0);
    ss_map_inverter(&map, 102, 7, 0);
    ss_map_end(&map);
    decode_ok();
    assert_int_equal(device.chain.base, 50000);
    assert_int_equal(wt_sunspec_reading(&reading, &device, 0, 1), WT_OK);
    assert_int_equal(energy("1-0:2.8.0"), 7000);
    assert_false(reading.has_meter_id); /* not usable as an id */
}

static void not_read(void **state)
{
    (void)state;
    ss_map_begin(&map, 40000);
    ss_map_common(&map, "W", "M", "S", 0);
    uint32_t at = ss_map_inverter(&map, 101, 100, 0);
    ss_map_end(&map);
    wt_sunspec_image_load(&image, map.base, map.regs, map.count);
    /* forget WH's second register: WH not read, the rest decodes */
    image.read[(40000 + at + SS_INV_WH + 1) / 64] &=
        ~(UINT64_C(1) << ((40000 + at + SS_INV_WH + 1) % 64));
    assert_false(wt_sunspec_image_has(&image, 40000 + at + SS_INV_WH + 1));
    assert_int_equal(wt_sunspec_decode(&device, &image), WT_OK);
    assert_int_equal(point(1, "WH")->state, WT_SUNSPEC_NOT_READ);
    assert_int_equal(point(1, "W")->state, WT_SUNSPEC_VALUE);
    assert_int_equal(wt_sunspec_reading(&reading, &device, 0, 1), WT_ERR_TELEGRAM_TRUNCATED);
    assert_non_null(strstr(reading.detail, "WH was not read"));
    /* its scale factor not read: the point is not read either */
    wt_sunspec_image_load(&image, map.base, map.regs, map.count);
    uint32_t sf = 40000 + at + SS_INV_W_SF;
    image.read[sf / 64] &= ~(UINT64_C(1) << (sf % 64));
    assert_int_equal(wt_sunspec_decode(&device, &image), WT_OK);
    assert_int_equal(point(1, "W")->state, WT_SUNSPEC_NOT_READ);
    /* the common model of 65 registers (no pad) */
    ss_map_begin(&map, 0);
    ss_map_common(&map, "W", "M", "S", 1);
    ss_map_meter(&map, 201, 1, 2, 0);
    ss_map_end(&map);
    decode_ok();
    assert_int_equal(device.chain.models[0].length, 65);
    assert_null(wt_sunspec_find(&device, 0, "Pad"));
    assert_non_null(wt_sunspec_find(&device, 0, "DA"));
    assert_int_equal(wt_sunspec_reading(&reading, &device, 0, 1), WT_OK);
}

static void expect_decode(wt_err want, const char *detail_part)
{
    wt_err err = decode_map();
    if (err != want || strstr(device.detail, detail_part) == NULL)
        fail_msg("decode: %s (%s), wanted %s with '%s'", wt_errname(err), device.detail,
                 wt_errname(want), detail_part);
}

static void broken_chains(void **state)
{
    (void)state;
    /* no marker */
    ss_map_begin(&map, 40000);
    ss_map_put(&map, 1, 0x6E54);
    ss_map_common(&map, "W", "M", "S", 0);
    ss_map_end(&map);
    expect_decode(WT_ERR_SUNSPEC_NO_MARKER, "not 5375 6E53");
    /* the marker not read */
    wt_sunspec_image_clear(&image, 40000);
    assert_int_equal(wt_sunspec_decode(&device, &image), WT_ERR_SUNSPEC_NO_MARKER);
    /* the first model is not the common model */
    ss_map_begin(&map, 40000);
    ss_map_inverter(&map, 101, 1, 0);
    ss_map_end(&map);
    expect_decode(WT_ERR_BAD_SUNSPEC, "not the common model");
    /* the end right after the marker */
    ss_map_begin(&map, 40000);
    ss_map_end(&map);
    expect_decode(WT_ERR_BAD_SUNSPEC, "before the common model");
    /* a decoded model with another length than its definition */
    ss_map_begin(&map, 40000);
    ss_map_common(&map, "W", "M", "S", 0);
    ss_map_model(&map, 103, 40);
    ss_map_end(&map);
    expect_decode(WT_ERR_BAD_SUNSPEC, "model 103 at 40070 has length 40; its definition has 50");
    /* a length running past the end of the registers */
    ss_map_begin(&map, 40000);
    ss_map_common(&map, "W", "M", "S", 0);
    uint32_t at = ss_map_model(&map, 64001, 10);
    ss_map_put(&map, at + 1, 500); /* the block holds 10 */
    ss_map_end(&map);
    expect_decode(WT_ERR_TELEGRAM_TRUNCATED, "model 64001 at 40070 has length 500");
    /* no end marker: the block stops after the last model */
    ss_map_begin(&map, 40000);
    ss_map_common(&map, "W", "M", "S", 0);
    ss_map_inverter(&map, 101, 1, 0);
    expect_decode(WT_ERR_TELEGRAM_TRUNCATED, "no end marker");
    /* no header at all after the marker */
    ss_map_begin(&map, 40000);
    expect_decode(WT_ERR_TELEGRAM_TRUNCATED, "no model header");
    /* a model running past address 65535 */
    ss_map_begin(&map, 65000);
    ss_map_common(&map, "W", "M", "S", 0);
    at = ss_map_model(&map, 64002, 0);
    ss_map_put(&map, at + 1, 600);
    expect_decode(WT_ERR_TELEGRAM_TRUNCATED, "runs past address 65535");
    /* more models than the chain holds (unknown ones of length 0) */
    ss_map_begin(&map, 0);
    ss_map_common(&map, "W", "M", "S", 0);
    for (int i = 0; i < WT_SUNSPEC_MODELS_MAX; i++)
        ss_map_model(&map, 64003, 0);
    ss_map_end(&map);
    expect_decode(WT_ERR_TOO_MANY_VALUES, "more than 256 models");
    /* vendor models are walked past, their headers reported */
    ss_map_begin(&map, 40000);
    ss_map_common(&map, "W", "M", "S", 0);
    ss_map_model(&map, 64100, 7);
    ss_map_meter(&map, 204, 1, 1, 0);
    ss_map_end(&map);
    decode_ok();
    assert_int_equal(device.chain.count, 3);
    assert_int_equal(device.chain.models[1].id, 64100);
    assert_int_equal(device.values_of[1], 0);
    assert_int_equal(device.chain.models[2].address, 40000 + 2 + 68 + 9);
    /* the chain itself: nothing after its end */
    wt_sunspec_chain chain;
    wt_sunspec_chain_init(&chain, 40000);
    assert_int_equal(wt_sunspec_chain_add(&chain, 1, 66), WT_OK);
    assert_int_equal(chain.next, 40070);
    assert_int_equal(wt_sunspec_chain_add(&chain, 0xFFFF, 0), WT_OK);
    assert_true(chain.complete);
    assert_int_equal(chain.end_address, 40070);
    assert_int_equal(wt_sunspec_chain_add(&chain, 101, 50), WT_ERR_INVALID_ARGUMENT);
}

/* ------------------------------------------------------------ text dumps */

static wt_err dump(const char *text, size_t *used, bool at_end)
{
    return wt_sunspec_dump_next(&image, used, (const uint8_t *)text, strlen(text), at_end);
}

static void dump_text(void **state)
{
    (void)state;
    /* a map as text: comments, CRLF, lower case, "----", "@N", "end" */
    char text[8192];
    size_t n = 0;
    ss_map_begin(&map, 40000);
    ss_map_common(&map, "W", "M", "S", 0);
    ss_map_inverter(&map, 101, 0x123456, -1);
    ss_map_end(&map);
    n += (size_t)snprintf(text + n, sizeof text - n, "# a comment\r\n\r\n");
    for (uint32_t i = 0; i < map.count; i++)
        n += (size_t)snprintf(text + n, sizeof text - n, "%04x%s", map.regs[i],
                              i % 10 == 9 ? "  # ten\r\n" : " ");
    n += (size_t)snprintf(text + n, sizeof text - n, "\nend\n");
    size_t used = 0;
    assert_int_equal(dump(text, &used, false), WT_OK);
    assert_int_equal(used, strlen(text));
    assert_int_equal(image.base, 40000);
    assert_int_equal(wt_sunspec_decode(&device, &image), WT_OK);
    assert_int_equal(wt_sunspec_reading(&reading, &device, 0, 1), WT_OK);
    assert_int_equal(energy("1-0:2.8.0"), 0x123456 * 100);
    /* incomplete without "end" unless at the end; then the rest is the dump */
    char part[8192];
    snprintf(part, sizeof part, "%.*s", (int)(strlen(text) - 4), text);
    assert_int_equal(dump(part, &used, false), WT_ERR_NOT_FOUND);
    assert_int_equal(used, 0);
    assert_int_equal(dump(part, &used, true), WT_OK);
    assert_int_equal(used, strlen(part));
    /* sparse: only some registers, placed by @N; the gaps not read */
    assert_int_equal(dump("@40000\n5375 6E53 0001 0042\n@40070 FFFF 0000\nend\n", &used, false),
                     WT_OK);
    assert_true(wt_sunspec_image_has(&image, 40003));
    assert_false(wt_sunspec_image_has(&image, 40004));
    assert_true(wt_sunspec_image_has(&image, 40071));
    assert_int_equal(wt_sunspec_decode(&device, &image), WT_OK);
    assert_int_equal(point(0, "Mn")->state, WT_SUNSPEC_NOT_READ);
    assert_int_equal(dump("@7 ---- 1234\nend\n", &used, false), WT_OK);
    assert_int_equal(image.base, 7);
    assert_false(wt_sunspec_image_has(&image, 7));
    assert_int_equal(image.regs[8], 0x1234);
    /* two dumps, and empty ones between them */
    static const char two[] = "end\n# nothing\nend\n@1 0001\nend\nend\n@2 0002\nend\n";
    size_t at = 0, len = sizeof two - 1;
    assert_int_equal(wt_sunspec_dump_next(&image, &used, (const uint8_t *)two, len, true), WT_OK);
    assert_int_equal(image.base, 1);
    at += used;
    assert_int_equal(wt_sunspec_dump_next(&image, &used, (const uint8_t *)two + at, len - at, true),
                     WT_OK);
    assert_int_equal(image.base, 2);
    at += used;
    assert_int_equal(at, len);
    assert_int_equal(wt_sunspec_dump_next(&image, &used, (const uint8_t *)two + at, 0, true),
                     WT_ERR_NOT_FOUND);
    assert_int_equal(used, 0);
    /* only blanks and comments: consumed, nothing found */
    assert_int_equal(dump("# x\n\n  \n", &used, false), WT_ERR_NOT_FOUND);
    assert_int_equal(used, 8);
    /* errors name the line; the dump is dropped up to its "end" */
    static const struct {
        const char *text, *detail;
    } bad[] = {
        {"5375 6E53\n0001 004G\nend\n5375\n", "line 2: '004G' is not a register"},
        {"5375 12345\nend\n", "'12345' is not a register"},
        {"@40000 5375\n@40000 5375\nend\n", "register 40000 given twice"},
        {"@65536 0001\nend\n", "'@65536' is not an address"},
        {"@65535 0001 0002\nend\n", "past address 65535"},
        {"@x 1\nend\n", "'@x' is not an address"},
        {"endx\nend\n", "'endx' is not a register"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        wt_err err = dump(bad[i].text, &used, false);
        if (err != WT_ERR_BAD_TELEGRAM || strstr(image.detail, bad[i].detail) == NULL)
            fail_msg("'%s': %s (%s)", bad[i].text, wt_errname(err), image.detail);
        assert_string_equal(bad[i].text + used, i == 0 ? "5375\n" : "");
    }
    /* no "end" within the limit */
    size_t big = WT_SUNSPEC_DUMP_BYTES_MAX + 100;
    char *huge = malloc(big + 1);
    assert_non_null(huge);
    for (size_t i = 0; i < big; i += 5)
        memcpy(huge + i, "0000\n", 5);
    huge[big] = '\0';
    assert_int_equal(wt_sunspec_dump_next(&image, &used, (const uint8_t *)huge, big, false),
                     WT_ERR_TELEGRAM_TOO_LONG);
    assert_int_equal(used, big);
    assert_int_equal(wt_sunspec_dump_next(&image, &used, (const uint8_t *)huge, big, true),
                     WT_ERR_TELEGRAM_TOO_LONG);
    free(huge);
}

static void json_line(void **state)
{
    (void)state;
    ss_map_begin(&map, 40000);
    ss_map_common(&map, "Wat\"tle", "M", "S-1", 0);
    ss_map_model(&map, 64200, 3);
    ss_map_meter(&map, 203, 5, 6, 0);
    ss_map_end(&map);
    decode_ok();
    assert_int_equal(wt_sunspec_reading(&reading, &device, 0, 1), WT_OK);
    static char out[65536];
    size_t len = 0;
    assert_int_equal(wt_sunspec_json(out, sizeof out, &len, &device, &reading), WT_OK);
    assert_int_equal(strlen(out), len);
    json_error_t jerr;
    json_t *root = json_loads(out, 0, &jerr);
    if (root == NULL)
        fail_msg("not JSON (%s): %s", jerr.text, out);
    assert_string_equal(json_string_value(json_object_get(root, "format")), "sunspec");
    assert_string_equal(json_string_value(json_object_get(root, "meter_id")), "S-1");
    json_t *values = json_object_get(root, "values");
    assert_int_equal(json_integer_value(json_object_get(values, "1-0:1.8.0")), 5000);
    assert_int_equal(json_integer_value(json_object_get(values, "1-0:2.8.0")), 6000);
    json_t *models = json_object_get(root, "models");
    assert_int_equal(json_array_size(models), 3);
    json_t *common = json_object_get(json_array_get(models, 0), "points");
    assert_string_equal(json_string_value(json_object_get(common, "Mn")), "Wat\"tle");
    assert_true(json_is_null(json_object_get(common, "DA")));
    json_t *vendor = json_array_get(models, 1);
    assert_int_equal(json_integer_value(json_object_get(vendor, "id")), 64200);
    assert_null(json_object_get(vendor, "points"));
    json_t *meter = json_object_get(json_array_get(models, 2), "points");
    assert_int_equal(json_integer_value(json_object_get(meter, "W")), -1500);
    assert_true(json_is_array(json_object_get(meter, "Evt")));
    assert_string_equal(json_string_value(json_object_get(json_array_get(models, 2), "name")),
                        "ac_meter_abcn");
    json_decref(root);
    /* too small a buffer: an error, never a cut line */
    assert_int_equal(wt_sunspec_json(out, 300, &len, &device, &reading), WT_ERR_BUFFER_TOO_SMALL);
    assert_string_equal(out, "");
}

/* Random registers behind a valid start: every decode ends with a known
 * result, and every success prints as JSON. */
static void random_maps(void **state)
{
    (void)state;
    wt_test_rng rng;
    wt_test_rng_init(&rng, wt_test_seed(11));
    static const uint16_t ids[] = {1, 101, 102, 103, 201, 202, 203, 204, 120, 11, 64000, 0xFFFF};
    static char out[1 << 17];
    size_t ok = 0;
    for (int round = 0; round < 3000; round++) {
        ss_map_begin(&map, 40000);
        if (round % 3 != 0)
            ss_map_common(&map, "W", "M", "S", 0);
        size_t models = (size_t)wt_test_rng_range(&rng, 0, 6);
        for (size_t k = 0; k < models; k++) {
            uint16_t id = ids[wt_test_rng_range(&rng, 0, sizeof ids / sizeof ids[0] - 1)];
            const wt_sunspec_model_def *def = wt_sunspec_model_def_find(id);
            uint16_t len = def != NULL && wt_test_rng_range(&rng, 0, 9) > 0
                               ? def->length
                               : (uint16_t)wt_test_rng_range(&rng, 0, 120);
            uint32_t at = ss_map_model(&map, id, len);
            for (uint32_t r = 0; r < len; r++)
                ss_map_put(&map, at + 2 + r, (uint16_t)wt_test_rng_next(&rng));
        }
        if (wt_test_rng_range(&rng, 0, 4) > 0)
            ss_map_end(&map);
        wt_err err = decode_map();
        if (err != WT_OK)
            continue;
        ok++;
        wt_err r = wt_sunspec_reading(&reading, &device, 0, 1);
        assert_true(r == WT_OK || r == WT_ERR_NOT_FOUND || r == WT_ERR_BAD_METER_VALUE ||
                    r == WT_ERR_OVERFLOW);
        size_t len = 0;
        assert_int_equal(wt_sunspec_json(out, sizeof out, &len, &device, &reading), WT_OK);
        json_t *root = json_loads(out, 0, NULL);
        if (root == NULL)
            fail_msg("round %d: not JSON: %s", round, out);
        json_decref(root);
    }
    assert_true(ok > 100);
}

int main(void)
{
    wt_test_route_asserts();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(inverters),         cmocka_unit_test(meters),
        cmocka_unit_test(bad_scale_factors), cmocka_unit_test(enums_and_bits),
        cmocka_unit_test(selection),         cmocka_unit_test(not_read),
        cmocka_unit_test(broken_chains),     cmocka_unit_test(dump_text),
        cmocka_unit_test(json_line),         cmocka_unit_test(random_maps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
