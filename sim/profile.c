/*
 * profile.c — measured load and PV series (see sim.h): the long CSV, the
 * CityLearn building format, and the energy-conserving resampling. Every
 * value becomes whole micro-watt-hours at once (a decimal parser, no
 * floating point), and each series is kept as running sums so that any
 * interval's energy is a difference of two sums.
 */
#include "sim.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define UWH_PER_KWH    INT64_C(1000000000)
#define VALUE_KWH_MAX  INT64_C(1000000) /* one step of one home: 1 GWh */
#define FILE_BYTES_MAX (512u << 20)

static void perr(wt_sim_error *err, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void perr(wt_sim_error *err, const char *file, int line, const char *fmt, ...)
{
    err->line = line;
    int n = line > 0 ? snprintf(err->message, sizeof err->message, "%s:%d: ", file, line)
                     : snprintf(err->message, sizeof err->message, "%s: ", file);
    if (n < 0 || (size_t)n >= sizeof err->message)
        n = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message + n, sizeof err->message - (size_t)n, fmt, ap);
    va_end(ap);
}

/*
 * A non-negative decimal ("2.2758", "0.85116667", "1e-05", "3.5E+2") scaled
 * by 10^scale, digits beyond the scale dropped (truncation), at most max
 * after scaling. An empty field is not a number.
 */
static bool parse_decimal_scaled(int64_t *out, const char *s, size_t len, int scale, int64_t max)
{
    size_t i = 0;
    if (i < len && s[i] == '+')
        i++;
    /* the digits, without the point, and where the point was */
    char digits[64];
    size_t nd = 0;
    int point = -1;
    bool any = false;
    for (; i < len; i++) {
        char ch = s[i];
        if (ch >= '0' && ch <= '9') {
            any = true;
            if (nd == 0 && ch == '0' && point < 0)
                continue; /* leading zeros of the whole part */
            if (nd < sizeof digits - 1)
                digits[nd++] = ch;
            else if (point < 0)
                return false; /* too large */
        } else if (ch == '.' && point < 0) {
            point = (int)nd;
        } else
            break;
    }
    if (!any)
        return false;
    if (point < 0)
        point = (int)nd;
    int exponent = 0;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        int sign = 1;
        if (i < len && (s[i] == '+' || s[i] == '-'))
            sign = s[i++] == '-' ? -1 : 1;
        if (i >= len || s[i] < '0' || s[i] > '9')
            return false;
        int e = 0;
        for (; i < len && s[i] >= '0' && s[i] <= '9'; i++)
            if ((e = e * 10 + (s[i] - '0')) > 400)
                return false;
        exponent = sign * e;
    }
    if (i != len)
        return false;
    /* value = 0.digits x 10^point x 10^exponent; keep point + exponent + scale digits */
    int keep = point + exponent + scale;
    __int128 v = 0;
    for (int k = 0; k < keep; k++) {
        int d = k < (int)nd ? digits[k] - '0' : 0;
        v = v * 10 + d;
        if (v > (__int128)max)
            return false;
    }
    *out = (int64_t)v;
    return true;
}

/* ------------------------------------------------------------ reading */

typedef struct {
    char *data;
    size_t len;
} file_text;

static bool read_file(file_text *ft, wt_sim_error *err, const char *path)
{
    ft->data = NULL;
    ft->len = 0;
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        perr(err, path, 0, "cannot be read (%s)", strerror(errno));
        return false;
    }
    size_t cap = 1 << 16;
    char *buf = malloc(cap + 1);
    size_t len = 0;
    while (buf != NULL) {
        len += fread(buf + len, 1, cap - len, f);
        if (len < cap)
            break;
        if (cap >= FILE_BYTES_MAX) {
            free(buf);
            fclose(f);
            perr(err, path, 0, "larger than %u MiB", FILE_BYTES_MAX >> 20);
            return false;
        }
        char *bigger = realloc(buf, cap * 2 + 1);
        if (bigger == NULL)
            free(buf);
        buf = bigger;
        cap *= 2;
    }
    bool bad = ferror(f) != 0;
    fclose(f);
    if (buf == NULL || bad) {
        free(buf);
        perr(err, path, 0, "cannot be read");
        return false;
    }
    buf[len] = '\0';
    ft->data = buf;
    ft->len = len;
    return true;
}

/* Lines: *pos advances past the line end (LF or CRLF); false at the end. */
static bool next_line(const char **line, size_t *line_len, const file_text *ft, size_t *pos)
{
    if (*pos >= ft->len)
        return false;
    const char *start = ft->data + *pos;
    const char *nl = memchr(start, '\n', ft->len - *pos);
    size_t n = nl != NULL ? (size_t)(nl - start) : ft->len - *pos;
    *pos += n + (nl != NULL ? 1 : 0);
    if (n > 0 && start[n - 1] == '\r')
        n--;
    *line = start;
    *line_len = n;
    return true;
}

/* Split a CSV line (no quoting: these formats have none) into at most max
 * fields; returns the field count. */
static size_t split_fields(const char **starts, size_t *lens, size_t max, const char *line,
                           size_t len)
{
    size_t n = 0, a = 0;
    for (size_t i = 0; i <= len; i++)
        if (i == len || line[i] == ',') {
            if (n < max) {
                starts[n] = line + a;
                lens[n] = i - a;
            }
            n++;
            a = i + 1;
        }
    return n;
}

static bool field_is(const char *s, size_t len, const char *name)
{
    return strlen(name) == len && memcmp(s, name, len) == 0;
}

/* --------------------------------------------------------- the series */

typedef struct {
    int64_t *load, *pv; /* cum, count + 1 entries */
    size_t count, cap;
} series;

static bool series_push(series *s, int64_t load_uwh, int64_t pv_uwh)
{
    if (s->count + 2 > s->cap) {
        size_t cap = s->cap < 64 ? 64 : s->cap * 2;
        int64_t *l = realloc(s->load, cap * sizeof *l);
        if (l == NULL)
            return false;
        s->load = l;
        int64_t *p = realloc(s->pv, cap * sizeof *p);
        if (p == NULL)
            return false;
        s->pv = p;
        s->cap = cap;
    }
    if (s->count == 0)
        s->load[0] = s->pv[0] = 0;
    s->load[s->count + 1] = s->load[s->count] + load_uwh;
    s->pv[s->count + 1] = s->pv[s->count] + pv_uwh;
    s->count++;
    return true;
}

static bool profiles_add(wt_sim_profiles *out, wt_sim_profile **added)
{
    wt_sim_profile *items = realloc(out->items, (out->count + 1) * sizeof *items);
    if (items == NULL)
        return false;
    out->items = items;
    *added = &items[out->count++];
    memset(*added, 0, sizeof **added);
    (*added)->pv_wp = (*added)->battery_wh = (*added)->battery_w = -1;
    return true;
}

/* ------------------------------------------------------------ long CSV */

/* Unix seconds, or ISO 8601 (see sim.h), as UTC ms. */
static bool parse_timestamp(int64_t *t_ms, const char *s, size_t len)
{
    char buf[40];
    if (len == 0 || len >= sizeof buf)
        return false;
    memcpy(buf, s, len);
    buf[len] = '\0';
    bool digits = true;
    for (size_t i = 0; i < len; i++)
        digits = digits && buf[i] >= '0' && buf[i] <= '9';
    if (digits) {
        if (len > 12)
            return false;
        *t_ms = (int64_t)strtoll(buf, NULL, 10) * 1000;
        return true;
    }
    int y, mo, d, h, mi, sec = 0, used = 0;
    if (sscanf(buf, "%4d-%2d-%2d%*1[T ]%2d:%2d%n", &y, &mo, &d, &h, &mi, &used) != 5 || used != 16)
        return false;
    const char *p = buf + used;
    if (*p == ':') {
        int more = 0;
        if (sscanf(p + 1, "%2d%n", &sec, &more) != 1 || more != 2)
            return false;
        p += 3;
    }
    int64_t offset_ms = 0;
    if (*p == 'Z')
        p++;
    else if (*p == '+' || *p == '-') {
        int oh, om, more = 0;
        if (sscanf(p + 1, "%2d:%2d%n", &oh, &om, &more) != 2 || more != 5 || oh > 14 || om > 59)
            return false;
        offset_ms = (*p == '-' ? -1 : 1) * (int64_t)(oh * 60 + om) * 60000;
        p += 6;
    }
    if (*p != '\0' || !wt_civil_to_ms(t_ms, y, mo, d, h, mi, sec))
        return false;
    *t_ms -= offset_ms;
    return true;
}

static wt_err load_long_csv(wt_sim_profiles *out, wt_sim_error *err, const char *path)
{
    file_text ft;
    if (!read_file(&ft, err, path))
        return WT_ERR_IO;
    wt_err result = WT_ERR_INVALID_ARGUMENT;
    size_t pos = 0, len;
    const char *line;
    int lineno = 1;
    series cur = {0};
    wt_sim_profile *p = NULL;
    int64_t last_ms = 0, step_ms = 0;
    if (!next_line(&line, &len, &ft, &pos)) {
        perr(err, path, 1, "empty file (expected the header home_id,timestamp,load_kwh,pv_kwh)");
        goto done;
    }
    {
        const char *f[5];
        size_t fl[5];
        size_t n = split_fields(f, fl, 5, line, len);
        if (n != 4 || !field_is(f[0], fl[0], "home_id") || !field_is(f[1], fl[1], "timestamp") ||
            !field_is(f[2], fl[2], "load_kwh") || !field_is(f[3], fl[3], "pv_kwh")) {
            perr(err, path, 1, "the header must be home_id,timestamp,load_kwh,pv_kwh");
            goto done;
        }
    }
    while (next_line(&line, &len, &ft, &pos)) {
        lineno++;
        if (len == 0)
            continue;
        const char *f[5];
        size_t fl[5];
        size_t n = split_fields(f, fl, 5, line, len);
        if (n != 4) {
            perr(err, path, lineno,
                 "expected 4 fields (home_id,timestamp,load_kwh,pv_kwh), got %zu", n);
            goto done;
        }
        char id[WT_SIM_NAME_MAX + 1];
        bool id_ok = fl[0] > 0 && fl[0] <= WT_SIM_NAME_MAX;
        for (size_t i = 0; id_ok && i < fl[0]; i++) {
            char ch = f[0][i];
            id_ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                    (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.';
        }
        if (!id_ok) {
            perr(err, path, lineno, "home_id '%.*s' must be 1..%d letters, digits, '-', '_' or '.'",
                 (int)(fl[0] > 64 ? 64 : fl[0]), f[0], WT_SIM_NAME_MAX);
            goto done;
        }
        memcpy(id, f[0], fl[0]);
        id[fl[0]] = '\0';
        int64_t t_ms, load_uwh, pv_uwh;
        if (!parse_timestamp(&t_ms, f[1], fl[1])) {
            perr(err, path, lineno,
                 "timestamp '%.*s' is neither ISO 8601 (2017-01-31T13:15[:00][Z|+09:00]) nor "
                 "Unix seconds",
                 (int)(fl[1] > 40 ? 40 : fl[1]), f[1]);
            goto done;
        }
        if (!parse_decimal_scaled(&load_uwh, f[2], fl[2], 9, VALUE_KWH_MAX * UWH_PER_KWH)) {
            perr(err, path, lineno, "load_kwh '%.*s' is not a decimal from 0 to %lld kWh",
                 (int)(fl[2] > 40 ? 40 : fl[2]), f[2], (long long)VALUE_KWH_MAX);
            goto done;
        }
        if (!parse_decimal_scaled(&pv_uwh, f[3], fl[3], 9, VALUE_KWH_MAX * UWH_PER_KWH)) {
            perr(err, path, lineno, "pv_kwh '%.*s' is not a decimal from 0 to %lld kWh",
                 (int)(fl[3] > 40 ? 40 : fl[3]), f[3], (long long)VALUE_KWH_MAX);
            goto done;
        }
        if (p == NULL || strcmp(p->id, id) != 0) {
            if (p != NULL) {
                p->count = cur.count;
                p->cum_load_uwh = cur.load;
                p->cum_pv_uwh = cur.pv;
                memset(&cur, 0, sizeof cur);
            }
            if (wt_sim_profiles_find(out, id) != NULL) {
                perr(err, path, lineno, "home '%s' appears again: a home's rows must be together",
                     id);
                goto done;
            }
            if (!profiles_add(out, &p)) {
                perr(err, path, lineno, "out of memory");
                result = WT_ERR_NO_MEMORY;
                goto done;
            }
            snprintf(p->id, sizeof p->id, "%s", id);
            p->t0_ms = t_ms;
        } else {
            int64_t d = t_ms - last_ms;
            if (step_ms == 0) {
                if (d <= 0) {
                    perr(err, path, lineno, "timestamps of home '%s' must ascend", id);
                    goto done;
                }
                step_ms = d;
            } else if (d != step_ms) {
                perr(err, path, lineno,
                     "home '%s': a step of %lld s where the file's resolution is %lld s (rows "
                     "must be consecutive, one per step, none missing)",
                     id, (long long)(d / 1000), (long long)(step_ms / 1000));
                goto done;
            }
        }
        last_ms = t_ms;
        if (!series_push(&cur, load_uwh, pv_uwh)) {
            perr(err, path, lineno, "out of memory");
            result = WT_ERR_NO_MEMORY;
            goto done;
        }
    }
    if (p == NULL) {
        perr(err, path, lineno, "no rows after the header");
        goto done;
    }
    p->count = cur.count;
    p->cum_load_uwh = cur.load;
    p->cum_pv_uwh = cur.pv;
    memset(&cur, 0, sizeof cur);
    if (step_ms == 0) {
        perr(err, path, lineno, "every home has a single row: the resolution is unknown");
        goto done;
    }
    for (size_t i = 0; i < out->count; i++)
        out->items[i].step_ms = step_ms;
    result = WT_OK;
done:
    free(cur.load);
    free(cur.pv);
    free(ft.data);
    return result;
}

/* ----------------------------------------------------------- CityLearn */

static int building_number(const char *name)
{
    const char *u = strrchr(name, '_');
    return u != NULL ? atoi(u + 1) : 0;
}

typedef struct {
    char name[WT_SIM_NAME_MAX + 1];
    char csv[256];
    double pv_kw, battery_kwh, battery_kw, efficiency;
    bool has_battery;
} building_meta;

static int cmp_building(const void *a, const void *b)
{
    const building_meta *x = a, *y = b;
    int nx = building_number(x->name), ny = building_number(y->name);
    if (nx != ny)
        return nx < ny ? -1 : 1;
    return strcmp(x->name, y->name);
}

static double json_num(const json_t *obj, const char *a, const char *b, bool *ok)
{
    const json_t *v = json_object_get(json_object_get(obj, a), b);
    if (!json_is_number(v)) {
        *ok = false;
        return 0;
    }
    return json_number_value(v);
}

static wt_err load_building_csv(wt_sim_profile *p, wt_sim_error *err, const char *path,
                                int64_t pv_wp)
{
    file_text ft;
    if (!read_file(&ft, err, path))
        return WT_ERR_IO;
    wt_err result = WT_ERR_INVALID_ARGUMENT;
    series cur = {0};
    size_t pos = 0, len;
    const char *line;
    int lineno = 1;
    enum { FIELDS_MAX = 64 };
    const char *f[FIELDS_MAX];
    size_t fl[FIELDS_MAX];
    size_t load_col = SIZE_MAX, pv_col = SIZE_MAX, ncols = 0;
    if (!next_line(&line, &len, &ft, &pos)) {
        perr(err, path, 1, "empty file");
        goto done;
    }
    ncols = split_fields(f, fl, FIELDS_MAX, line, len);
    for (size_t i = 0; i < ncols && i < FIELDS_MAX; i++) {
        if (field_is(f[i], fl[i], "non_shiftable_load"))
            load_col = i;
        if (field_is(f[i], fl[i], "solar_generation"))
            pv_col = i;
    }
    if (load_col == SIZE_MAX || pv_col == SIZE_MAX) {
        perr(err, path, 1, "the header lacks %s",
             load_col == SIZE_MAX ? "non_shiftable_load" : "solar_generation");
        goto done;
    }
    while (next_line(&line, &len, &ft, &pos)) {
        lineno++;
        if (len == 0)
            continue;
        size_t n = split_fields(f, fl, FIELDS_MAX, line, len);
        if (n != ncols) {
            perr(err, path, lineno, "%zu fields where the header has %zu", n, ncols);
            goto done;
        }
        int64_t load_uwh, pv_w_per_kw_uw; /* solar_generation in W per kW, x 10^6 */
        if (!parse_decimal_scaled(&load_uwh, f[load_col], fl[load_col], 9,
                                  VALUE_KWH_MAX * UWH_PER_KWH)) {
            perr(err, path, lineno, "non_shiftable_load '%.*s' is not a decimal from 0 kWh",
                 (int)(fl[load_col] > 40 ? 40 : fl[load_col]), f[load_col]);
            goto done;
        }
        if (!parse_decimal_scaled(&pv_w_per_kw_uw, f[pv_col], fl[pv_col], 6,
                                  INT64_C(10000) * 1000000)) {
            perr(err, path, lineno,
                 "solar_generation '%.*s' is not a decimal from 0 to 10000 W per kW",
                 (int)(fl[pv_col] > 40 ? 40 : fl[pv_col]), f[pv_col]);
            goto done;
        }
        /* one hour: W/kW x kWp -> Wh = x pv_wp / 1000; in µWh: x 10^6;
         * pv_w_per_kw_uw carries 10^6 already, so µWh = uw x pv_wp / 1000 */
        int64_t pv_uwh = (int64_t)((__int128)pv_w_per_kw_uw * pv_wp / 1000);
        if (!series_push(&cur, load_uwh, pv_uwh)) {
            perr(err, path, lineno, "out of memory");
            result = WT_ERR_NO_MEMORY;
            goto done;
        }
    }
    if (cur.count == 0) {
        perr(err, path, lineno, "no rows after the header");
        goto done;
    }
    p->count = cur.count;
    p->cum_load_uwh = cur.load;
    p->cum_pv_uwh = cur.pv;
    memset(&cur, 0, sizeof cur);
    result = WT_OK;
done:
    free(cur.load);
    free(cur.pv);
    free(ft.data);
    return result;
}

static wt_err load_citylearn(wt_sim_profiles *out, wt_sim_error *err, const char *dir,
                             int64_t t0_ms)
{
    char schema_path[4096];
    snprintf(schema_path, sizeof schema_path, "%s/schema.json", dir);
    json_error_t je;
    json_t *root = json_load_file(schema_path, 0, &je);
    if (root == NULL) {
        perr(err, schema_path, je.line > 0 ? je.line : 0, "not JSON: %s", je.text);
        return WT_ERR_INVALID_ARGUMENT;
    }
    wt_err result = WT_ERR_INVALID_ARGUMENT;
    building_meta *meta = NULL;
    size_t count = 0;
    json_t *buildings = json_object_get(root, "buildings");
    int64_t step_ms = 3600000;
    json_t *sps = json_object_get(root, "seconds_per_time_step");
    if (sps != NULL) {
        if (!json_is_integer(sps) || json_integer_value(sps) <= 0 ||
            json_integer_value(sps) > 86400) {
            perr(err, schema_path, 0, "seconds_per_time_step must be 1 .. 86400");
            goto done;
        }
        step_ms = json_integer_value(sps) * 1000;
    }
    if (!json_is_object(buildings) || json_object_size(buildings) == 0) {
        perr(err, schema_path, 0, "no \"buildings\" object");
        goto done;
    }
    meta = calloc(json_object_size(buildings), sizeof *meta);
    if (meta == NULL) {
        result = WT_ERR_NO_MEMORY;
        perr(err, schema_path, 0, "out of memory");
        goto done;
    }
    const char *name;
    json_t *b;
    json_object_foreach(buildings, name, b)
    {
        json_t *inc = json_object_get(b, "include");
        if (inc != NULL && json_is_false(inc))
            continue;
        const char *csv = json_string_value(json_object_get(b, "energy_simulation"));
        if (strlen(name) > WT_SIM_NAME_MAX || csv == NULL || strchr(csv, '/') != NULL ||
            strlen(csv) >= sizeof meta[count].csv) {
            perr(err, schema_path, 0,
                 "building '%s' needs a short name and an \"energy_simulation\" file name", name);
            goto done;
        }
        building_meta *m = &meta[count++];
        snprintf(m->name, sizeof m->name, "%s", name);
        snprintf(m->csv, sizeof m->csv, "%s", csv);
        bool ok = true;
        json_t *pv = json_object_get(b, "pv");
        m->pv_kw = pv != NULL ? json_num(pv, "attributes", "nominal_power", &ok) : 0;
        json_t *st = json_object_get(b, "electrical_storage");
        if (ok && st != NULL) {
            m->has_battery = true;
            m->battery_kwh = json_num(st, "attributes", "capacity", &ok);
            m->battery_kw = json_num(st, "attributes", "nominal_power", &ok);
            m->efficiency = json_num(st, "attributes", "efficiency", &ok);
        }
        if (!ok || m->pv_kw < 0 || m->pv_kw > 1e5 || m->battery_kwh < 0 || m->battery_kwh > 1e6 ||
            m->battery_kw < 0 || m->battery_kw > 1e6 || m->efficiency < 0 || m->efficiency > 1) {
            perr(err, schema_path, 0,
                 "building '%s': pv nominal_power and electrical_storage capacity, "
                 "nominal_power and efficiency must be numbers in range",
                 name);
            goto done;
        }
    }
    if (count == 0) {
        perr(err, schema_path, 0, "no building is included");
        goto done;
    }
    qsort(meta, count, sizeof *meta, cmp_building);
    for (size_t i = 0; i < count; i++) {
        building_meta *m = &meta[i];
        wt_sim_profile *p;
        if (!profiles_add(out, &p)) {
            result = WT_ERR_NO_MEMORY;
            perr(err, schema_path, 0, "out of memory");
            goto done;
        }
        snprintf(p->id, sizeof p->id, "%s", m->name);
        p->t0_ms = t0_ms;
        p->step_ms = step_ms;
        p->pv_wp = (int64_t)(m->pv_kw * 1000 + 0.5);
        if (m->has_battery) {
            p->battery_wh = (int64_t)(m->battery_kwh * 1000 + 0.5);
            p->battery_w = (int64_t)(m->battery_kw * 1000 + 0.5);
            p->battery_efficiency_ppm = (uint32_t)(m->efficiency * 1e6 + 0.5);
        } else
            p->battery_wh = p->battery_w = 0;
        char csv_path[4096 + 300];
        snprintf(csv_path, sizeof csv_path, "%s/%s", dir, m->csv);
        /* solar_generation is per kW; the step is an hour in this format */
        if (step_ms != 3600000) {
            perr(err, schema_path, 0, "only hourly CityLearn data is supported (3600 s steps)");
            goto done;
        }
        wt_err e = load_building_csv(p, err, csv_path, p->pv_wp);
        if (e != WT_OK) {
            result = e;
            goto done;
        }
    }
    result = WT_OK;
done:
    free(meta);
    json_decref(root);
    return result;
}

/* --------------------------------------------------------------- API */

wt_err wt_sim_profiles_load(wt_sim_profiles *out, wt_sim_error *err, const char *path,
                            int64_t t0_ms)
{
    memset(out, 0, sizeof *out);
    memset(err, 0, sizeof *err);
    char schema[4096];
    snprintf(schema, sizeof schema, "%s/schema.json", path);
    DIR *d = opendir(path);
    wt_err e;
    if (d != NULL) {
        closedir(d);
        FILE *f = fopen(schema, "rb");
        if (f == NULL) {
            perr(err, path, 0,
                 "a directory of profiles must hold a CityLearn schema.json (or give the long "
                 "CSV file itself)");
            return WT_ERR_INVALID_ARGUMENT;
        }
        fclose(f);
        e = load_citylearn(out, err, path, t0_ms);
    } else
        e = load_long_csv(out, err, path);
    if (e != WT_OK)
        wt_sim_profiles_free(out);
    return e;
}

void wt_sim_profiles_free(wt_sim_profiles *profiles)
{
    if (profiles == NULL)
        return;
    for (size_t i = 0; i < profiles->count; i++) {
        free(profiles->items[i].cum_load_uwh);
        free(profiles->items[i].cum_pv_uwh);
    }
    free(profiles->items);
    memset(profiles, 0, sizeof *profiles);
}

const wt_sim_profile *wt_sim_profiles_find(const wt_sim_profiles *profiles, const char *id)
{
    for (size_t i = 0; i < profiles->count; i++)
        if (strcmp(profiles->items[i].id, id) == 0)
            return &profiles->items[i];
    return NULL;
}

static int64_t floor_div(__int128 a, int64_t b)
{
    __int128 q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        q--;
    return (int64_t)q;
}

int64_t wt_sim_profile_cum_mwh(const wt_sim_profile *profile, bool pv, int64_t t_ms)
{
    const int64_t *cum = pv ? profile->cum_pv_uwh : profile->cum_load_uwh;
    WT_ASSERT(profile->count > 0 && profile->step_ms > 0);
    int64_t period_ms = (int64_t)profile->count * profile->step_ms;
    int64_t d = t_ms - profile->t0_ms;
    int64_t q = floor_div(d, period_ms);
    int64_t r = d - q * period_ms;
    size_t idx = (size_t)(r / profile->step_ms);
    int64_t frac = r % profile->step_ms;
    __int128 uwh = (__int128)q * cum[profile->count] + cum[idx] +
                   (__int128)(cum[idx + 1] - cum[idx]) * frac / profile->step_ms;
    return floor_div(uwh, 1000);
}
