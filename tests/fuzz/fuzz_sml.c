/*
 * fuzz_sml.c — libFuzzer target for the SML decoder: the input is a raw byte
 * stream from an optical head; every byte must be consumed, no call may stall,
 * and every reading must be printable as JSON.
 */
#include "meter.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static wt_meter_reading reading;
static char json[1 << 16];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t at = 0, list_index = 0;
    unsigned flags = size % 2 ? WT_METER_IGNORE_CRC : 0;
    for (int rounds = 0;; rounds++) {
        if (rounds > 1000000)
            abort(); /* a stall */
        size_t used;
        wt_err err = wt_sml_next(&reading, &used, &list_index, data + at, size - at, true, flags);
        if (used > size - at)
            abort();
        if (err == WT_OK) {
            size_t n;
            if (wt_meter_reading_json(json, sizeof json, &n, &reading) != WT_OK ||
                strlen(json) != n)
                abort();
        } else if (err != WT_ERR_NOT_FOUND && used == 0) {
            abort();
        }
        at += used;
        if (err == WT_ERR_NOT_FOUND && at == size)
            break;
        if (err == WT_ERR_NOT_FOUND && used == 0)
            abort(); /* at the end, everything must go */
    }
    return 0;
}
