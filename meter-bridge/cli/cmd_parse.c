/*
 * cmd_parse.c — `wattle-meter parse`: decode a file or a pipe of DSMR P1
 * telegrams, SML frames or Tasmota MQTT messages and print one JSON object per
 * telegram/message on stdout. The same streaming calls the daemon will use:
 * the input is read in chunks, never needed whole in memory.
 */
#include "bridge.h"
#include "commands.h"
#include "meter.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAPS_MAX     32
#define CHUNK_BYTES  4096
#define STREAM_BYTES (WT_DSMR_TELEGRAM_BYTES_MAX + WT_DSMR_LINE_BYTES_MAX + CHUNK_BYTES)
_Static_assert(STREAM_BYTES >= WT_SML_FRAME_BYTES_MAX + 16 + CHUNK_BYTES, "room for an SML frame");
_Static_assert(STREAM_BYTES >= WT_SUNSPEC_DUMP_BYTES_MAX + CHUNK_BYTES, "room for a SunSpec dump");
#define JSON_BYTES 65536

static void usage(FILE *out)
{
    fprintf(
        out,
        "usage: wattle-meter parse --format dsmr|sml|tasmota|sunspec [--ignore-crc]\n"
        "                          [--map KEY=OBIS[/UNIT]]... [--model ID[:N]] FILE|-\n\n"
        "Decodes meter data from FILE (or standard input for '-') and prints one JSON\n"
        "object per line for each telegram (DSMR), GetList response (SML) or message\n"
        "(Tasmota):\n\n"
        "  {\"format\":\"dsmr\",\"version\":\"50\",\"meter_id\":\"K8EG004046395507\",\n"
        "   \"t_ms\":1483381202000,\"crc\":\"ok\",\n"
        "   \"values\":{\"1-0:1.8.1\":4426000,\"1-0:1.7.0\":244000,\"0-0:96.14.0\":\"0002\",…}}\n\n"
        "Keys are full OBIS codes A-B:C.D.E. Values are integers in the smallest unit\n"
        "of their quantity — energy mWh, power mW, reactive mvarh/mvar, apparent\n"
        "mVAh/mVA, voltage mV, current mA, frequency mHz, gas/water volume dm3,\n"
        "durations s, counts as they are — and text for identifiers and values without\n"
        "a known unit. version, meter_id and t_ms (Unix ms, UTC) are null when the\n"
        "input does not carry them; crc is \"ok\", \"none\" (the format has no CRC) or,\n"
        "with --ignore-crc, \"mismatch\".\n\n"
        "A telegram that cannot be used prints instead\n"
        "  {\"error\":{\"code\":\"crc_mismatch\",\"message\":\"…\"}}\n"
        "(codes: crc_mismatch, crc_missing, telegram_truncated, telegram_too_long,\n"
        "line_too_long, bad_obis, bad_telegram, bad_meter_value, too_many_values,\n"
        "sml_bad_escape, bad_sml, bad_json, no_meter_values, sunspec_no_marker,\n"
        "bad_sunspec) and parsing goes on with\n"
        "the next one.\n\n"
        "  --format dsmr     P1 telegrams, DSMR 2.2 to 5.0.2, e-MUCS, Luxembourg; LF or\n"
        "                    CRLF line ends (the CRC is checked as sent: CRLF)\n"
        "  --format sml      binary SML transport frames (German meters)\n"
        "  --format tasmota  one MQTT message per line: a JSON payload, or\n"
        "                    'TOPIC PAYLOAD' as mosquitto_sub -v prints it (only\n"
        "                    .../SENSOR topics are read)\n"
        "  --format sunspec  SunSpec register dumps: 4-hex-digit registers from the\n"
        "                    'SunS' marker on, '----' for one not read, '@N' for the\n"
        "                    address of the next (40000 at first), '#' comments, a\n"
        "                    line 'end' between dumps. Prints the energy registers\n"
        "                    (1-0:1.8.0 import, 1-0:2.8.0 export, mWh) and every model\n"
        "                    with its decoded points (\"models\")\n"
        "  --model ID[:N]    sunspec: the model whose energy is read (101-103, 201-204;\n"
        "                    the Nth of that ID); default the first meter, else the\n"
        "                    first inverter\n"
        "  --ignore-crc      decode telegrams whose CRC does not match (anonymised\n"
        "                    sample telegrams often carry stale CRCs)\n"
        "  --map KEY=OBIS[/UNIT]\n"
        "                    Tasmota: read the value of KEY as OBIS, written in UNIT\n"
        "                    (kWh, Wh, W, kW, V, A, Hz, m3, …; no UNIT = text), e.g.\n"
        "                    --map Zaehler_In=1-0:1.8.0/kWh\n\n"
        "exit status: 0 all input decoded, 1 something was rejected (see the error\n"
        "lines), 2 usage or I/O error.\n");
}

static char json_line[JSON_BYTES];

static void print_reading(const wt_meter_reading *r)
{
    size_t len;
    if (wt_meter_reading_json(json_line, sizeof json_line, &len, r) == WT_OK)
        printf("%s\n", json_line);
}

static void print_error(wt_err err, const char *detail)
{
    size_t len;
    if (wt_meter_error_json(json_line, sizeof json_line, &len, err, detail) == WT_OK)
        printf("%s\n", json_line);
}

typedef enum { FMT_DSMR, FMT_SML, FMT_TASMOTA, FMT_SUNSPEC } input_format;

/* One SunSpec dump: printed here, with the device's points and its energy
 * registers. A chain without an energy model still prints (no values) unless
 * --model asked for one; other energy errors are errors. */
static wt_err sunspec_next(wt_meter_reading *reading, size_t *used, const uint8_t *buf, size_t len,
                           bool at_end, const bridge_sunspec_model *model)
{
    static wt_sunspec_image image;
    static wt_sunspec_device device;
    wt_err err = wt_sunspec_dump_next(&image, used, buf, len, at_end);
    if (err != WT_OK) {
        snprintf(reading->detail, sizeof reading->detail, "%s", image.detail);
        return err;
    }
    err = wt_sunspec_decode(&device, &image);
    if (err != WT_OK) {
        snprintf(reading->detail, sizeof reading->detail, "%s", device.detail);
        return err;
    }
    err = wt_sunspec_reading(reading, &device, model->id, model->nth);
    if (err == WT_ERR_NOT_FOUND && model->id == 0)
        err = WT_OK;
    size_t n;
    if (err == WT_OK && wt_sunspec_json(json_line, sizeof json_line, &n, &device, reading) == WT_OK)
        printf("%s\n", json_line);
    return err;
}

/* DSMR, SML and SunSpec dumps: chunks into a window, telegrams out of it. */
static int parse_stream(FILE *in, input_format format, unsigned flags,
                        const bridge_sunspec_model *model)
{
    static uint8_t buf[STREAM_BYTES];
    static wt_meter_reading reading;
    size_t len = 0, list_index = 0;
    bool at_end = false, rejected = false;
    while (!at_end) {
        size_t want = CHUNK_BYTES < sizeof buf - len ? CHUNK_BYTES : sizeof buf - len;
        size_t got = fread(buf + len, 1, want, in);
        len += got;
        if (got < want) {
            if (ferror(in)) {
                fprintf(stderr, "wattle-meter: read error: %s\n", strerror(errno));
                return 2;
            }
            at_end = feof(in) != 0;
        }
        for (;;) {
            size_t used = 0;
            wt_err err = format == FMT_DSMR ? wt_dsmr_next(&reading, &used, buf, len, at_end, flags)
                         : format == FMT_SML
                             ? wt_sml_next(&reading, &used, &list_index, buf, len, at_end, flags)
                             : sunspec_next(&reading, &used, buf, len, at_end, model);
            if (err == WT_OK) {
                if (format != FMT_SUNSPEC) /* sunspec_next printed it */
                    print_reading(&reading);
            } else if (err != WT_ERR_NOT_FOUND) {
                print_error(err, reading.detail);
                rejected = true;
            }
            memmove(buf, buf + used, len - used);
            len -= used;
            if (err == WT_ERR_NOT_FOUND || (used == 0 && err != WT_OK))
                break;
        }
        if (len == sizeof buf && !at_end) {
            /* Cannot happen by the parsers' contract; never spin if it did. */
            fprintf(stderr, "wattle-meter: no progress in a full buffer\n");
            return 2;
        }
    }
    fflush(stdout);
    return rejected ? 1 : 0;
}

/* Tasmota: one message per line. */
static int parse_lines(FILE *in, const wt_tasmota_key *map, size_t map_len)
{
    static wt_meter_reading reading;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    bool rejected = false;
    while ((n = getline(&line, &cap, in)) > 0) {
        size_t len = (size_t)n;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r' || line[len - 1] == ' '))
            len--;
        line[len] = '\0';
        size_t at = 0;
        while (at < len && (line[at] == ' ' || line[at] == '\t'))
            at++;
        if (at == len || line[at] == '#')
            continue;
        const char *topic = NULL;
        if (line[at] != '{') {
            char *space = strchr(line + at, ' ');
            if (space == NULL) {
                print_error(WT_ERR_BAD_JSON, "a line with a topic but no payload");
                rejected = true;
                continue;
            }
            *space = '\0';
            topic = line + at;
            at = (size_t)(space - line) + 1;
            const char *last = strrchr(topic, '/');
            if (strcmp(last != NULL ? last + 1 : topic, "SENSOR") != 0)
                continue; /* STATE, LWT, RESULT …: not meter readings */
        }
        wt_err err = wt_tasmota_parse(&reading, line + at, len - at, topic, map, map_len);
        if (err == WT_OK) {
            print_reading(&reading);
        } else {
            print_error(err, reading.detail);
            rejected = true;
        }
    }
    bool failed = ferror(in) != 0;
    free(line);
    if (failed) {
        fprintf(stderr, "wattle-meter: read error: %s\n", strerror(errno));
        return 2;
    }
    fflush(stdout);
    return rejected ? 1 : 0;
}

/* KEY=A-B:C.D.E[/UNIT] */
static bool parse_map(wt_tasmota_key *k, char *spec)
{
    char *eq = strchr(spec, '=');
    if (eq == NULL || eq == spec)
        return false;
    *eq = '\0';
    char *code = eq + 1, *slash = strchr(code, '/');
    if (slash != NULL)
        *slash = '\0';
    size_t used;
    if (wt_obis_parse(&k->obis, &used, code, strlen(code)) != WT_OK || used != strlen(code))
        return false;
    wt_meter_unit unit;
    int exp10;
    bool joules;
    const char *u = slash != NULL ? slash + 1 : "";
    if (u[0] != '\0' && !wt_meter_unit_lookup(&unit, &exp10, &joules, u, strlen(u)))
        return false;
    k->key = spec;
    k->unit = u;
    return true;
}

int wt_meter_cmd_parse(int argc, char **argv)
{
    const char *format_name = NULL, *path = NULL;
    bridge_sunspec_model model = {0, 1};
    unsigned flags = 0;
    wt_tasmota_key map[MAPS_MAX];
    size_t map_len = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "--format") == 0 && i + 1 < argc) {
            format_name = argv[++i];
        } else if (strcmp(argv[i], "--model") == 0 && i + 1 < argc) {
            if (!bridge_sunspec_model_parse(&model, argv[++i])) {
                fprintf(stderr,
                        "wattle-meter parse: --model wants ID[:N] with ID 101-103 or "
                        "201-204 and N >= 1, not '%s'\n",
                        argv[i]);
                return 2;
            }
        } else if (strcmp(argv[i], "--ignore-crc") == 0) {
            flags |= WT_METER_IGNORE_CRC;
        } else if (strcmp(argv[i], "--map") == 0 && i + 1 < argc) {
            if (map_len == MAPS_MAX || !parse_map(&map[map_len], argv[++i])) {
                fprintf(stderr,
                        "wattle-meter parse: --map wants KEY=A-B:C.D.E[/UNIT] with a "
                        "known unit (at most %d)\n",
                        MAPS_MAX);
                return 2;
            }
            map_len++;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            fprintf(stderr, "wattle-meter parse: unknown option '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        } else if (path == NULL) {
            path = argv[i];
        } else {
            fprintf(stderr, "wattle-meter parse: one input only ('%s' and '%s')\n", path, argv[i]);
            return 2;
        }
    }
    input_format format;
    if (format_name == NULL || path == NULL) {
        usage(stderr);
        return 2;
    } else if (strcmp(format_name, "dsmr") == 0) {
        format = FMT_DSMR;
    } else if (strcmp(format_name, "sml") == 0) {
        format = FMT_SML;
    } else if (strcmp(format_name, "tasmota") == 0) {
        format = FMT_TASMOTA;
    } else if (strcmp(format_name, "sunspec") == 0) {
        format = FMT_SUNSPEC;
    } else {
        fprintf(stderr,
                "wattle-meter parse: --format must be dsmr, sml, tasmota or sunspec, not '%s'\n",
                format_name);
        return 2;
    }
    FILE *in = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (in == NULL) {
        fprintf(stderr, "wattle-meter parse: cannot open '%s': %s\n", path, strerror(errno));
        return 2;
    }
    int status = format == FMT_TASMOTA ? parse_lines(in, map, map_len)
                                       : parse_stream(in, format, flags, &model);
    if (in != stdin)
        fclose(in);
    return status;
}
