/*
 * fuzz_tasmota.c — libFuzzer target for the Tasmota JSON parser: the input is
 * one MQTT payload (the first line may be a topic); a success must give a
 * reading that prints as JSON, a failure an empty reading.
 */
#include "meter.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static wt_meter_reading reading;
static char json[1 << 16];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char topic[64] = "tele/fuzz/SENSOR";
    const char *nl = memchr(data, '\n', size < 60 ? size : 60);
    if (nl != NULL) {
        size_t n = (size_t)(nl - (const char *)data);
        memcpy(topic, data, n);
        topic[n] = '\0';
        data += n + 1;
        size -= n + 1;
    }
    static const wt_tasmota_key map[] = {{"E", {1, 0, 1, 8, 0, 255}, "kWh"}};
    wt_err err = wt_tasmota_parse(&reading, (const char *)data, size, topic, map, 1);
    size_t n;
    if (err == WT_OK) {
        if (reading.values_count == 0 ||
            wt_meter_reading_json(json, sizeof json, &n, &reading) != WT_OK || strlen(json) != n)
            abort();
    } else if (reading.values_count != 0) {
        abort();
    }
    return 0;
}
