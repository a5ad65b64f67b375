/*
 * tasmota.c — Tasmota MQTT JSON (tele/<device>/SENSOR): the ENERGY object of
 * Tasmota's energy drivers and the objects an SML script publishes, mapped to
 * OBIS codes in wattle's units.
 *
 * Exact numbers: jansson would hand a JSON real over as a double, and 0.1 kWh
 * is not a double. So before jansson parses the payload, a small lexer
 * rewrites every number token into a string that starts with the control
 * character U+0001 — a character JSON text can only spell as the escape
 * \u0001, which the lexer refuses to let through in real strings — so each
 * number reaches wt_meter_decimal_scale as the very text the device sent.
 * jansson still does everything else (syntax, escapes, UTF-8, duplicates).
 */
#include "meter_internal.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define NUMBER_MARK '\x01'

/* ------------------------------------------------------- number lifting */

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Length of the JSON number at s[0..n) (RFC 8259 grammar), 0 if none. */
static size_t json_number_len(const char *s, size_t n)
{
    size_t i = 0;
    if (i < n && s[i] == '-')
        i++;
    if (i < n && s[i] == '0') {
        i++;
    } else if (i < n && s[i] >= '1' && s[i] <= '9') {
        while (i < n && is_digit(s[i]))
            i++;
    } else {
        return 0;
    }
    if (i < n && s[i] == '.') {
        i++;
        size_t d = i;
        while (i < n && is_digit(s[i]))
            i++;
        if (i == d)
            return 0;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        size_t d = i;
        while (i < n && is_digit(s[i]))
            i++;
        if (i == d)
            return 0;
    }
    return i;
}

/* Rewrite numbers as "\u0001<number>" strings into out. A number of k
 * characters grows to k + 8 and is followed by a delimiter (checked), so
 * out_cap = 5 × n + 9 always suffices (asserted). false on a malformed
 * number or a \u0001 in a string. */
static bool lift_numbers(char *out, size_t *out_len, size_t out_cap, const char *s, size_t n)
{
    size_t o = 0, i = 0;
    while (i < n) {
        char c = s[i];
        if (c == '"') {
            size_t j = i + 1;
            while (j < n && s[j] != '"') {
                if (s[j] == '\\') {
                    if (j + 5 < n && s[j + 1] == 'u' && s[j + 2] == '0' && s[j + 3] == '0' &&
                        s[j + 4] == '0' && s[j + 5] == '1')
                        return false; /* would collide with the number mark */
                    j++;
                }
                j++;
            }
            if (j >= n)
                return false;
            WT_ASSERT(o + (j + 1 - i) < out_cap);
            memcpy(out + o, s + i, j + 1 - i);
            o += j + 1 - i;
            i = j + 1;
        } else if (c == '-' || is_digit(c)) {
            size_t len = json_number_len(s + i, n - i);
            if (len == 0)
                return false;
            char after = i + len < n ? s[i + len] : ' ';
            if (after != ' ' && after != '\t' && after != '\r' && after != '\n' && after != ',' &&
                after != ']' && after != '}')
                return false; /* "01", "1x": not a JSON number */
            WT_ASSERT(o + len + 8 < out_cap);
            memcpy(out + o, "\"\\u0001", 7);
            o += 7;
            memcpy(out + o, s + i, len);
            o += len;
            out[o++] = '"';
            i += len;
        } else {
            WT_ASSERT(o + 1 < out_cap);
            out[o++] = c;
            i++;
        }
    }
    WT_ASSERT(o < out_cap);
    out[o] = '\0';
    *out_len = o;
    return true;
}

/* A lifted number: its text without the mark. */
static bool number_text(const json_t *v, const char **text, size_t *len)
{
    *text = NULL;
    *len = 0;
    if (!json_is_string(v))
        return false;
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    if (n < 2 || s[0] != NUMBER_MARK)
        return false;
    *text = s + 1;
    *len = n - 1;
    return true;
}

/* ------------------------------------------------------------- mapping */

static bool key_is(const char *key, const char *name)
{
    for (; *key != '\0' && *name != '\0'; key++, name++) {
        char a = *key, b = *name;
        if (a >= 'A' && a <= 'Z')
            a = (char)(a - 'A' + 'a');
        if (b >= 'A' && b <= 'Z')
            b = (char)(b - 'A' + 'a');
        if (a != b)
            return false;
    }
    return *key == '\0' && *name == '\0';
}

/* Add one number (or text) under obis, written in `unit` ("" = text). */
static wt_err add_number(wt_meter_reading *r, wt_obis obis, const json_t *v, const char *unit,
                         const char *key)
{
    const char *text;
    size_t len;
    if (!number_text(v, &text, &len)) {
        if (json_is_string(v) && unit[0] == '\0')
            return wt_meter_reading_add_text(r, obis, json_string_value(v), json_string_length(v));
        wt_meter_detail(r, "\"%.40s\" is not a number", key);
        return WT_ERR_BAD_METER_VALUE;
    }
    wt_meter_unit u;
    int exp10;
    bool joules;
    if (unit[0] == '\0' || !wt_meter_unit_lookup(&u, &exp10, &joules, unit, strlen(unit)))
        return wt_meter_reading_add_text(r, obis, text, len);
    int64_t n;
    wt_err err = wt_meter_decimal_scale(&n, text, len, exp10);
    if (err == WT_OK && joules)
        err = wt_muldiv_i64(&n, n, 10, 36);
    if (err != WT_OK) {
        wt_meter_detail(r, "\"%.40s\": %.*s is out of range", key, (int)(len > 30 ? 30 : len),
                        text);
        return WT_ERR_BAD_METER_VALUE;
    }
    return wt_meter_reading_add_int(r, obis, n, u);
}

/* ENERGY fields: key, OBIS C and D of the value (E = 0), how an array is
 * read, the C of L1, L2, L3 for per-phase arrays, and the unit. */
typedef enum { SCALAR, PHASES, TARIFFS } energy_shape;

typedef struct {
    const char *key;
    uint8_t c, d, shape, c_l1, c_l2, c_l3;
    const char *unit;
} energy_field;

static const energy_field energy_fields[] = {
    {"Total", 1, 8, SCALAR, 0, 0, 0, "kWh"},
    {"TotalTariff", 1, 8, TARIFFS, 0, 0, 0, "kWh"},
    {"ExportActive", 2, 8, SCALAR, 0, 0, 0, "kWh"},
    {"ExportTariff", 2, 8, TARIFFS, 0, 0, 0, "kWh"},
    {"Power", 16, 7, PHASES, 36, 56, 76, "W"}, /* signed: negative is export */
    {"ApparentPower", 9, 7, PHASES, 29, 49, 69, "VA"},
    {"ReactivePower", 3, 7, PHASES, 23, 43, 63, "var"},
    {"Voltage", 32, 7, PHASES, 32, 52, 72, "V"},
    {"Current", 31, 7, PHASES, 31, 51, 71, "A"},
    {"Frequency", 14, 7, PHASES, 34, 54, 74, "Hz"},
    {"Factor", 13, 7, PHASES, 33, 53, 73, ""},
};

/* Other ENERGY fields (Today, Yesterday, TotalStartTime, Period, …) have no
 * OBIS code and are not reported. */
static wt_err read_energy(wt_meter_reading *r, const json_t *energy)
{
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)energy, key, v)
    {
        const energy_field *f = NULL;
        for (size_t i = 0; i < sizeof energy_fields / sizeof energy_fields[0]; i++)
            if (key_is(key, energy_fields[i].key))
                f = &energy_fields[i];
        if (f == NULL)
            continue;
        bool array = json_is_array(v);
        if ((f->shape == SCALAR && array) || (f->shape == TARIFFS && !array)) {
            wt_meter_detail(r, "ENERGY.%s: %s", key,
                            array ? "per-channel totals (SetOption129) are not supported"
                                  : "an array of tariffs was expected");
            return WT_ERR_BAD_METER_VALUE;
        }
        if (!array) {
            wt_err err = add_number(r, wt_obis_make(1, 0, f->c, f->d, 0), v, f->unit, key);
            if (err != WT_OK)
                return err;
            continue;
        }
        size_t n = json_array_size(v);
        if (n > (f->shape == TARIFFS ? 9u : 3u)) {
            wt_meter_detail(r, "ENERGY.%s has %zu elements", key, n);
            return WT_ERR_BAD_METER_VALUE;
        }
        for (size_t i = 0; i < n; i++) {
            const uint8_t cs[3] = {f->c_l1, f->c_l2, f->c_l3};
            wt_obis o = f->shape == TARIFFS ? wt_obis_make(1, 0, f->c, f->d, (uint8_t)(i + 1))
                                            : wt_obis_make(1, 0, cs[i], f->d, 0);
            wt_err err = add_number(r, o, json_array_get(v, i), f->unit, key);
            if (err != WT_OK)
                return err;
        }
    }
    return WT_OK;
}

/* Names SML scripts commonly give their values (compared case-insensitively). */
static const struct {
    const char *key;
    uint8_t c, d, e;
    const char *unit;
} script_names[] = {
    {"Total_in", 1, 8, 0, "kWh"},  {"E_in", 1, 8, 0, "kWh"},      {"Total_out", 2, 8, 0, "kWh"},
    {"E_out", 2, 8, 0, "kWh"},     {"Power_curr", 16, 7, 0, "W"}, {"Power_cur", 16, 7, 0, "W"},
    {"Power", 16, 7, 0, "W"},      {"Power_L1", 36, 7, 0, "W"},   {"Power_L2", 56, 7, 0, "W"},
    {"Power_L3", 76, 7, 0, "W"},   {"Volt_L1", 32, 7, 0, "V"},    {"Volt_L2", 52, 7, 0, "V"},
    {"Volt_L3", 72, 7, 0, "V"},    {"Voltage_L1", 32, 7, 0, "V"}, {"Voltage_L2", 52, 7, 0, "V"},
    {"Voltage_L3", 72, 7, 0, "V"}, {"Current_L1", 31, 7, 0, "A"}, {"Current_L2", 51, 7, 0, "A"},
    {"Current_L3", 71, 7, 0, "A"}, {"Frequency", 14, 7, 0, "Hz"}, {"Meter_Number", 96, 1, 0, ""},
    {"Meter_id", 96, 1, 0, ""},    {"Server_ID", 96, 1, 0, ""},
};

/* The unit a value written under OBIS-like key C_D_E is in (Tasmota SML
 * scripts divide raw values to kWh / W / V / A / Hz). "" = text. */
static const char *obis_key_unit(uint8_t c, uint8_t d)
{
    if (d == 8) {
        if (c == 1 || c == 2 || c == 15 || c == 16)
            return "kWh";
        if (c >= 3 && c <= 8)
            return "kvarh";
        if (c == 9 || c == 10)
            return "kVAh";
        return "";
    }
    if (d != 7)
        return "";
    switch (c % 20) { /* C and its per-phase twins C+20, C+40, C+60 */
    case 1:
    case 2:
    case 15:
    case 16:
        return "W";
    case 11:
        return "A";
    case 12:
        return "V";
    case 3:
    case 4:
        return "var";
    case 9:
    case 10:
        return "VA";
    case 14:
        return "Hz";
    default:
        return "";
    }
}

/* Key spelt like OBIS: "1_8_0", "1.8.0", or "1-0:1.8.0". */
static bool obis_key(wt_obis *o, const char *key)
{
    size_t used, len = strlen(key);
    if (wt_obis_parse(o, &used, key, len) == WT_OK && used == len)
        return true;
    unsigned g[3] = {0};
    size_t i = 0;
    for (int k = 0; k < 3; k++) {
        size_t digits = 0;
        while (i < len && is_digit(key[i]) && digits < 4) {
            g[k] = g[k] * 10 + (unsigned)(key[i++] - '0');
            digits++;
        }
        if (digits == 0 || g[k] > 255)
            return false;
        if (k < 2) {
            if (i >= len || (key[i] != '_' && key[i] != '.'))
                return false;
            i++;
        }
    }
    if (i != len)
        return false;
    *o = wt_obis_make(1, 0, (uint8_t)g[0], (uint8_t)g[1], (uint8_t)g[2]);
    return true;
}

static wt_err read_script_object(wt_meter_reading *r, const json_t *obj, const wt_tasmota_key *map,
                                 size_t map_len)
{
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)obj, key, v)
    {
        if (json_is_object(v) || json_is_array(v))
            continue;
        const wt_tasmota_key *custom = NULL;
        for (size_t i = 0; i < map_len; i++)
            if (key_is(key, map[i].key))
                custom = &map[i];
        wt_err err = WT_OK;
        if (custom != NULL) {
            err = add_number(r, custom->obis, v, custom->unit != NULL ? custom->unit : "", key);
        } else {
            size_t k = 0, count = sizeof script_names / sizeof script_names[0];
            while (k < count && !key_is(key, script_names[k].key))
                k++;
            wt_obis o;
            if (k < count) {
                err = add_number(
                    r, wt_obis_make(1, 0, script_names[k].c, script_names[k].d, script_names[k].e),
                    v, script_names[k].unit, key);
            } else if (obis_key(&o, key)) {
                err = add_number(r, o, v, obis_key_unit(o.c, o.d), key);
            }
            /* any other key: not a meter value */
        }
        if (err != WT_OK)
            return err;
    }
    return WT_OK;
}

/* ------------------------------------------------------------------ time */

static bool digits_at(int *out, const char *s, size_t n, size_t at, size_t count)
{
    *out = 0;
    if (at + count > n)
        return false;
    for (size_t i = at; i < at + count; i++) {
        if (!is_digit(s[i]))
            return false;
        *out = *out * 10 + (s[i] - '0');
    }
    return true;
}

/* "2024-05-01T12:00:00[.fff](Z|±hh:mm|±hhmm)"; false without a zone. */
static bool iso_time_ms(int64_t *t_ms, const char *s, size_t n)
{
    *t_ms = 0;
    int y, mo, d, h, mi, sec;
    if (!digits_at(&y, s, n, 0, 4) || n < 19 || s[4] != '-' || !digits_at(&mo, s, n, 5, 2) ||
        s[7] != '-' || !digits_at(&d, s, n, 8, 2) || s[10] != 'T' || !digits_at(&h, s, n, 11, 2) ||
        s[13] != ':' || !digits_at(&mi, s, n, 14, 2) || s[16] != ':' ||
        !digits_at(&sec, s, n, 17, 2))
        return false;
    size_t i = 19;
    int64_t frac_ms = 0;
    if (i < n && s[i] == '.') {
        i++;
        int scale = 100;
        size_t start = i;
        while (i < n && is_digit(s[i])) {
            frac_ms += (s[i] - '0') * scale;
            scale /= 10;
            i++;
        }
        if (i == start)
            return false;
    }
    int64_t offset_min;
    if (i + 1 == n && (s[i] == 'Z' || s[i] == 'z')) {
        offset_min = 0;
    } else if (i < n && (s[i] == '+' || s[i] == '-')) {
        int oh, om;
        size_t m = i + 3 < n && s[i + 3] == ':' ? i + 4 : i + 3;
        if (!digits_at(&oh, s, n, i + 1, 2) || !digits_at(&om, s, n, m, 2) || m + 2 != n ||
            oh > 23 || om > 59)
            return false;
        offset_min = (oh * 60 + om) * (s[i] == '-' ? -1 : 1);
    } else {
        return false;
    }
    int64_t t;
    if (!wt_civil_to_ms(&t, y, mo, d, h, mi, sec))
        return false;
    *t_ms = t + frac_ms - offset_min * 60000;
    return true;
}

/* The <device> of tele/<device>/SENSOR (or of %topic%/tele/… FullTopics). */
static void set_device(wt_meter_reading *r, const char *topic)
{
    const char *parts[8];
    size_t lens[8], count = 0;
    const char *p = topic;
    while (count < 8) {
        const char *slash = strchr(p, '/');
        parts[count] = p;
        lens[count] = slash != NULL ? (size_t)(slash - p) : strlen(p);
        count++;
        if (slash == NULL)
            break;
        p = slash + 1;
    }
    size_t pick = count;
    if (count >= 3 && lens[0] == 4 && memcmp(parts[0], "tele", 4) == 0)
        pick = 1;
    else if (count >= 3 && lens[1] == 4 && memcmp(parts[1], "tele", 4) == 0)
        pick = 0;
    else if (count >= 2)
        pick = count - 2;
    if (pick < count && lens[pick] > 0)
        r->has_meter_id =
            wt_meter_copy_field(r->meter_id, sizeof r->meter_id, parts[pick], lens[pick]);
}

/* ------------------------------------------------------------------ parse */

wt_err wt_tasmota_parse(wt_meter_reading *reading, const char *payload, size_t payload_len,
                        const char *topic, const wt_tasmota_key *map, size_t map_len)
{
    wt_meter_reading_reset(reading, WT_METER_FORMAT_TASMOTA);
    WT_ASSERT(payload != NULL || payload_len == 0);
    WT_ASSERT(map != NULL || map_len == 0);
    if (payload_len > WT_TASMOTA_PAYLOAD_BYTES_MAX) {
        wt_meter_detail(reading, "%zu bytes, more than %d", payload_len,
                        WT_TASMOTA_PAYLOAD_BYTES_MAX);
        return WT_ERR_TELEGRAM_TOO_LONG;
    }
    size_t lifted_cap = 5 * payload_len + 9;
    char *lifted = malloc(lifted_cap);
    if (lifted == NULL)
        return WT_ERR_NO_MEMORY;
    size_t lifted_len;
    if (!lift_numbers(lifted, &lifted_len, lifted_cap, payload, payload_len)) {
        free(lifted);
        wt_meter_detail(reading, "a malformed number or string");
        return WT_ERR_BAD_JSON;
    }
    json_error_t jerr;
    json_t *root = json_loadb(lifted, lifted_len, JSON_REJECT_DUPLICATES, &jerr);
    free(lifted);
    if (root == NULL || !json_is_object(root)) {
        if (root == NULL)
            wt_meter_detail(reading, "%s", jerr.text);
        else
            wt_meter_detail(reading, "the message is not a JSON object");
        json_decref(root);
        return WT_ERR_BAD_JSON;
    }

    wt_err err = WT_OK;
    const char *key;
    json_t *v;
    json_object_foreach(root, key, v)
    {
        if (key_is(key, "Time")) {
            int64_t t;
            if (json_is_string(v) && iso_time_ms(&t, json_string_value(v), json_string_length(v))) {
                reading->t_ms = t;
                reading->has_time = true;
            }
        } else if (key_is(key, "ENERGY") && json_is_object(v)) {
            err = read_energy(reading, v);
        } else if (json_is_object(v)) {
            err = read_script_object(reading, v, map, map_len);
        }
        if (err != WT_OK)
            break;
    }
    json_decref(root);
    if (err == WT_OK && reading->values_count == 0) {
        wt_meter_detail(reading, "no ENERGY object and no known script values");
        err = WT_ERR_NO_METER_VALUES;
    }
    if (err != WT_OK) {
        char detail[WT_METER_DETAIL_BYTES];
        memcpy(detail, reading->detail, sizeof detail);
        wt_meter_reading_reset(reading, WT_METER_FORMAT_TASMOTA);
        memcpy(reading->detail, detail, sizeof detail);
        return err;
    }
    /* The meter's own number when the script publishes one, else the device. */
    const wt_meter_value *id = wt_meter_reading_find(reading, wt_obis_make(1, 0, 96, 1, 0));
    if (id != NULL && id->kind == WT_METER_VALUE_TEXT && id->text_len > 0)
        reading->has_meter_id = wt_meter_copy_field(reading->meter_id, sizeof reading->meter_id,
                                                    wt_meter_value_text(reading, id), id->text_len);
    if (!reading->has_meter_id && topic != NULL)
        set_device(reading, topic);
    return WT_OK;
}
