/*
 * fuzz_dsmr.c — libFuzzer target for the DSMR P1 parser: the input is a byte
 * stream, fed whole and then in two pieces (the split point taken from the
 * first byte) as a serial reader would; both must consume every byte, never
 * stall, and every reading must be printable as JSON.
 */
#include "meter.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static wt_meter_reading reading;
static char json[1 << 16];

static void drain(const uint8_t *buf, size_t len, bool at_end, size_t *consumed)
{
    size_t at = 0;
    for (;;) {
        size_t used;
        wt_err err = wt_dsmr_next(&reading, &used, buf + at, len - at, at_end,
                                  len % 2 ? WT_METER_IGNORE_CRC : 0);
        if (used > len - at)
            abort();
        if (err == WT_OK) {
            size_t n;
            if (reading.values_count > WT_METER_VALUES_MAX ||
                wt_meter_reading_json(json, sizeof json, &n, &reading) != WT_OK ||
                strlen(json) != n)
                abort();
        } else if (err != WT_ERR_NOT_FOUND && used == 0) {
            abort(); /* an error must make progress */
        }
        at += used;
        if (err == WT_ERR_NOT_FOUND)
            break;
    }
    *consumed = at;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t consumed;
    drain(data, size, true, &consumed);
    if (consumed != size)
        abort();
    /* In two pieces: what is kept after the first must be re-read with the rest. */
    size_t split = size > 0 ? data[0] % (size + 1) : 0;
    uint8_t *copy = malloc(size + 1);
    if (copy == NULL)
        return 0;
    memcpy(copy, data, size);
    drain(copy, split, false, &consumed);
    drain(copy + consumed, size - consumed, true, &split);
    if (consumed + split != size)
        abort();
    free(copy);
    return 0;
}
