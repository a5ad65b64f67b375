/*
 * fuzz_sunspec.c — libFuzzer target for the SunSpec decoder. The first byte
 * chooses the input: even, a stream of text dumps (wattle-meter parse
 * --format sunspec, and what the Modbus poller hands on), each decoded; odd,
 * raw big-endian registers as a Modbus read returns them, at the base the
 * second byte picks. Every call must consume or report, never stall; every
 * decoded device must give a reading or a known error, and print as JSON.
 */
#include "meter.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static wt_sunspec_image image;
static wt_sunspec_device device;
static wt_meter_reading reading;
static char json[1 << 17];
static uint16_t regs[WT_SUNSPEC_ADDRESSES];

static void use_device(uint8_t pick)
{
    static const uint16_t models[] = {0, 101, 102, 103, 201, 202, 203, 204};
    wt_err err = wt_sunspec_reading(&reading, &device, models[pick % 8], 1 + pick / 8 % 3);
    if (err != WT_OK && err != WT_ERR_NOT_FOUND && err != WT_ERR_BAD_METER_VALUE &&
        err != WT_ERR_TELEGRAM_TRUNCATED && err != WT_ERR_OVERFLOW)
        abort();
    if (err != WT_OK && reading.values_count != 0)
        abort();
    size_t n = 0;
    if (wt_sunspec_json(json, sizeof json, &n, &device, &reading) != WT_OK || strlen(json) != n)
        abort();
    for (uint32_t i = 0; i < device.values_count; i++) {
        char text[1024];
        if (!wt_sunspec_value_format(text, sizeof text, &device, &device.values[i]))
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    uint8_t mode = data[0], pick = data[1];
    data += 2;
    size -= 2;
    if (mode % 2 == 1) {
        static const uint32_t bases[] = {40000, 50000, 0, 65530};
        uint32_t base = bases[mode / 2 % 4];
        size_t count = size / 2;
        if (count > WT_SUNSPEC_ADDRESSES - base)
            count = WT_SUNSPEC_ADDRESSES - base;
        for (size_t i = 0; i < count; i++)
            regs[i] = (uint16_t)(data[2 * i] << 8 | data[2 * i + 1]);
        wt_sunspec_image_load(&image, base, regs, count);
        if (wt_sunspec_decode(&device, &image) == WT_OK)
            use_device(pick);
        return 0;
    }
    size_t at = 0;
    for (int rounds = 0;; rounds++) {
        if (rounds > 100000)
            abort(); /* a stall */
        size_t used = 0;
        wt_err err = wt_sunspec_dump_next(&image, &used, data + at, size - at, true);
        if (used > size - at)
            abort();
        if (err == WT_OK && wt_sunspec_decode(&device, &image) == WT_OK)
            use_device(pick);
        else if (err != WT_OK && err != WT_ERR_NOT_FOUND && used == 0)
            abort();
        at += used;
        if (err == WT_ERR_NOT_FOUND) {
            if (at != size)
                abort(); /* at the end, everything must go */
            break;
        }
    }
    return 0;
}
