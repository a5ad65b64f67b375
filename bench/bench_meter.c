/* bench_meter.c — the meter parsers' throughput: DSMR 5 telegrams and SML
 * frames parsed per second (CRC checked, every value converted), each beside
 * a baseline over the very same bytes in the same run — a plain memchr scan
 * for line ends (DSMR) or for the 1b escape byte (SML), i.e. the least any
 * parser must do to look at each byte once. The readings-ingest figure of
 * issue 7 needs the engine and is not measured here. */
#include "bench.h"
#include "meter.h"

#include <stdlib.h>
#include <string.h>

/* A DSMR 5.0.2 telegram as a Dutch meter sends it (values invented). */
static const char *const dsmr_lines[] = {
    "/ISK5\\2M550T-BENCH",
    "",
    "1-3:0.2.8(50)",
    "0-0:1.0.0(230715143210S)",
    "0-0:96.1.1(5754543530303030303530)",
    "1-0:1.8.1(004426.123*kWh)",
    "1-0:1.8.2(002399.456*kWh)",
    "1-0:2.8.1(002444.789*kWh)",
    "1-0:2.8.2(000000.012*kWh)",
    "0-0:96.14.0(0002)",
    "1-0:1.7.0(00.000*kW)",
    "1-0:2.7.0(01.234*kW)",
    "0-0:96.7.21(00013)",
    "0-0:96.7.9(00000)",
    "1-0:99.97.0(1)(0-0:96.7.19)(220301101010W)(0000000300*s)",
    "1-0:32.32.0(00000)",
    "1-0:52.32.0(00000)",
    "1-0:72.32.0(00000)",
    "1-0:32.36.0(00000)",
    "1-0:52.36.0(00000)",
    "1-0:72.36.0(00000)",
    "0-0:96.13.0()",
    "1-0:32.7.0(230.1*V)",
    "1-0:52.7.0(229.8*V)",
    "1-0:72.7.0(231.0*V)",
    "1-0:31.7.0(005*A)",
    "1-0:51.7.0(000*A)",
    "1-0:71.7.0(001*A)",
    "1-0:21.7.0(00.000*kW)",
    "1-0:41.7.0(00.000*kW)",
    "1-0:61.7.0(00.000*kW)",
    "1-0:22.7.0(01.100*kW)",
    "1-0:42.7.0(00.000*kW)",
    "1-0:62.7.0(00.134*kW)",
    "0-1:24.1.0(003)",
    "0-1:96.1.0(4757545435303030303530)",
    "0-1:24.2.1(230715140000S)(00107.001*m3)",
};

/* An SML frame as a German meter sends it: open, GetList (5 values), close
 * (the first frame of tests/meter/data/sml-basic.bin). */
static const char sml_hex[] =
    "1b1b1b1b010101017602016200620072630101760101040001020b0a015754540000012345010163"
    "712a00760202620062007263070177010b0a0157545400000123450172620165000003e875770701"
    "006032010101010101045754540177070100600100ff010101010b0a015754540000012345017707"
    "0100010800ff0101621e52ff6600075bcd150177070100020800ff0101621e52ff66000000002a01"
    "77070100100700ff0101621b52fe538b280101016321ae00760203620062007263020171016335d5"
    "000000001b1b1b1b1a035bbe";

static size_t build_dsmr(char *out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < sizeof dsmr_lines / sizeof dsmr_lines[0]; i++) {
        size_t len = strlen(dsmr_lines[i]);
        if (n + len + 2 >= cap)
            abort();
        memcpy(out + n, dsmr_lines[i], len);
        n += len;
        out[n++] = '\r';
        out[n++] = '\n';
    }
    out[n++] = '!';
    uint16_t crc = 0; /* CRC-16/ARC over '/' .. '!' */
    for (size_t i = 0; i < n; i++) {
        crc ^= (uint8_t)out[i];
        for (int b = 0; b < 8; b++)
            crc = (crc & 1) ? (uint16_t)((crc >> 1) ^ 0xA001) : (uint16_t)(crc >> 1);
    }
    static const char hex[] = "0123456789ABCDEF";
    for (int s = 12; s >= 0; s -= 4)
        out[n++] = hex[(crc >> s) & 15];
    out[n++] = '\r';
    out[n++] = '\n';
    return n;
}

static size_t build_sml(uint8_t *out, size_t cap)
{
    size_t n;
    if (wt_hex_decode_any(out, &n, cap, sml_hex) != WT_OK)
        abort();
    return n;
}

/* The baseline: count bytes equal to `c` with memchr, the floor of any scan. */
__attribute__((noinline)) static uint64_t memchr_count(const uint8_t *p, size_t len, int c)
{
    uint64_t count = 0;
    const uint8_t *end = p + len;
    while (p < end) {
        const uint8_t *hit = memchr(p, c, (size_t)(end - p));
        if (hit == NULL)
            break;
        count++;
        p = hit + 1;
    }
    return count;
}

static wt_meter_reading reading;

void wt_bench_meter(wt_bench_ctx *ctx)
{
    /* A stream of telegrams back to back, as a serial port delivers them. */
    enum { COPIES = 64 };
    static char one[4096];
    size_t one_len = build_dsmr(one, sizeof one);
    static uint8_t stream[COPIES * 4096];
    for (int i = 0; i < COPIES; i++)
        memcpy(stream + (size_t)i * one_len, one, one_len);
    size_t stream_len = COPIES * one_len;

    long rounds = wt_bench_quick(ctx) ? 20 : 2000;
    double best_parse = 1e9, best_scan = 1e9;
    for (int rep = 0; rep < 5; rep++) {
        uint64_t acc = 0;
        double t0 = wt_bench_now_s();
        for (long r = 0; r < rounds; r++) {
            size_t at = 0;
            while (at < stream_len) {
                size_t used;
                if (wt_dsmr_next(&reading, &used, stream + at, stream_len - at, true, 0) != WT_OK)
                    abort();
                acc += (uint64_t)reading.values[5].value_int;
                at += used;
            }
        }
        double t1 = wt_bench_now_s();
        for (long r = 0; r < rounds; r++)
            acc += memchr_count(stream, stream_len, '\n');
        double t2 = wt_bench_now_s();
        wt_bench_sink_u64(acc);
        if (t1 - t0 < best_parse)
            best_parse = t1 - t0;
        if (t2 - t1 < best_scan)
            best_scan = t2 - t1;
    }
    double telegrams = (double)rounds * COPIES;
    wt_bench_progress(ctx, "DSMR: %d-byte telegrams, %.0f parsed", (int)one_len, telegrams);
    wt_bench_report(ctx, "dsmr_telegrams", telegrams / best_parse, "telegrams/s",
                    telegrams / best_scan, "memchr_line_scan");

    static uint8_t frame[1024];
    size_t frame_len = build_sml(frame, sizeof frame);
    static uint8_t sml_stream[COPIES * 1024];
    for (int i = 0; i < COPIES; i++)
        memcpy(sml_stream + (size_t)i * frame_len, frame, frame_len);
    size_t sml_len = COPIES * frame_len;
    best_parse = best_scan = 1e9;
    for (int rep = 0; rep < 5; rep++) {
        uint64_t acc = 0;
        double t0 = wt_bench_now_s();
        for (long r = 0; r < rounds * 4; r++) {
            size_t at = 0, list_index = 0;
            while (at < sml_len) {
                size_t used;
                if (wt_sml_next(&reading, &used, &list_index, sml_stream + at, sml_len - at, true,
                                0) != WT_OK)
                    abort();
                acc += (uint64_t)reading.values_count;
                at += used;
            }
        }
        double t1 = wt_bench_now_s();
        for (long r = 0; r < rounds * 4; r++)
            acc += memchr_count(sml_stream, sml_len, 0x1b);
        double t2 = wt_bench_now_s();
        wt_bench_sink_u64(acc);
        if (t1 - t0 < best_parse)
            best_parse = t1 - t0;
        if (t2 - t1 < best_scan)
            best_scan = t2 - t1;
    }
    double frames = (double)rounds * 4 * COPIES;
    wt_bench_progress(ctx, "SML: %d-byte frames, %.0f parsed", (int)frame_len, frames);
    wt_bench_report(ctx, "sml_frames", frames / best_parse, "frames/s", frames / best_scan,
                    "memchr_escape_scan");
}
