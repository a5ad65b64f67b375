/*
 * output.c — what a run leaves in --out DIR (see sim.h): kpis.json,
 * timeseries.csv, households.csv, three SVG plots drawn here (no plotting
 * dependency: a few polylines and rectangles), and report.html. Every
 * number is printed from integers; the plots' coordinates are the only
 * floating point, rounded to 0.1 px, so outputs are byte-identical for a
 * seed.
 */
#include "sim.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ----------------------------------------------------------- a buffer */

typedef struct {
    char *data;
    size_t len, cap;
    bool failed;
} sbuf;

static void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(sbuf *b, const char *fmt, ...)
{
    if (b->failed)
        return;
    for (;;) {
        size_t room = b->cap - b->len;
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->data != NULL ? b->data + b->len : NULL, room, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->failed = true;
            return;
        }
        if ((size_t)n < room) {
            b->len += (size_t)n;
            return;
        }
        size_t cap = b->cap < 4096 ? 4096 : b->cap;
        while (cap - b->len <= (size_t)n)
            cap *= 2;
        char *d = realloc(b->data, cap);
        if (d == NULL) {
            b->failed = true;
            return;
        }
        b->data = d;
        b->cap = cap;
    }
}

/* A fixed-point decimal: value / 10^digits, exactly. */
static void sb_fixed(sbuf *b, int64_t value, int digits)
{
    int64_t scale = 1;
    for (int i = 0; i < digits; i++)
        scale *= 10;
    uint64_t mag = value < 0 ? (uint64_t)0 - (uint64_t)value : (uint64_t)value;
    sb_printf(b, "%s%llu.%0*llu", value < 0 ? "-" : "", (unsigned long long)(mag / (uint64_t)scale),
              digits, (unsigned long long)(mag % (uint64_t)scale));
}

static void iso_utc(char out[32], int64_t t_ms)
{
    wt_civil c;
    wt_civil_from_ms(&c, t_ms);
    snprintf(out, 32, "%04d-%02d-%02dT%02d:%02d:%02dZ", c.year, c.month, c.day, c.hour, c.minute,
             c.second);
}

/* -------------------------------------------------------------- KPIs */

char *wt_sim_kpis_json(const wt_sim_result *result, const wt_sim_scenario *sc)
{
    const wt_sim_kpis *k = &result->kpis;
    sbuf b = {0};
    char start[32];
    iso_utc(start, sc->start_ms);
    sb_printf(&b, "{\n  \"scenario\": \"%s\",\n  \"start\": \"%s\",\n", sc->name, start);
    sb_printf(&b, "  \"interval_ms\": %lld,\n  \"intervals\": %llu,\n  \"households\": %llu,\n",
              (long long)sc->params.interval_ms, (unsigned long long)k->intervals,
              (unsigned long long)k->households);
    sb_printf(&b, "  \"seed\": %llu,\n  \"transactions\": %llu,\n", (unsigned long long)sc->seed,
              (unsigned long long)k->transactions);
#define KV(name, v) sb_printf(&b, "  \"%s\": %lld,\n", name, (long long)(v))
    KV("load_mwh", k->load_mwh);
    KV("ev_mwh", k->ev_mwh);
    KV("pv_mwh", k->pv_mwh);
    KV("p2p_mwh", k->p2p_mwh);
    KV("grid_import_mwh", k->grid_import_mwh);
    KV("grid_export_mwh", k->grid_export_mwh);
    KV("battery_charge_mwh", k->battery_charge_mwh);
    KV("battery_discharge_mwh", k->battery_discharge_mwh);
    KV("battery_loss_mwh", k->battery_loss_mwh);
    KV("battery_stored_start_mwh", k->battery_stored_start_mwh);
    KV("battery_stored_end_mwh", k->battery_stored_end_mwh);
    sb_printf(&b, "  \"self_sufficiency\": ");
    sb_fixed(&b, k->self_sufficiency_ppm, 6);
    sb_printf(&b, ",\n  \"self_consumption\": ");
    sb_fixed(&b, k->self_consumption_ppm, 6);
    sb_printf(&b, ",\n");
    KV("avg_p2p_price_micro_per_kwh", k->avg_p2p_price_micro_per_kwh);
    KV("p2p_amount_micro", k->p2p_amount_micro);
    KV("grid_fee_micro", k->fee_micro);
    KV("utility_revenue_micro", k->utility_revenue_micro);
    KV("peak_grid_import_mw", k->peak_grid_import_mw);
    KV("bill_micro", k->bill_micro);
    KV("baseline_bill_micro", k->baseline_bill_micro);
    KV("unpaid_micro", k->unpaid_micro);
#undef KV
    sb_printf(&b, "  \"per_household\": [\n");
    for (size_t i = 0; i < result->households_count; i++) {
        const wt_sim_household *h = &result->households[i];
        sb_printf(&b,
                  "    {\"name\": \"%s\", \"meter_id\": \"%s\", \"address\": \"%s\", "
                  "\"zone\": \"%s\", \"load_mwh\": %lld, \"pv_mwh\": %lld, \"import_mwh\": %lld, "
                  "\"export_mwh\": %lld, \"bought_p2p_mwh\": %lld, \"sold_p2p_mwh\": %lld, "
                  "\"bill_micro\": %lld, \"baseline_bill_micro\": %lld}%s\n",
                  h->name, h->meter_id, h->address, sc->params.zones[h->zone].name,
                  (long long)h->load_mwh, (long long)h->pv_mwh, (long long)h->import_mwh,
                  (long long)h->export_mwh, (long long)h->bought_p2p_mwh,
                  (long long)h->sold_p2p_mwh, (long long)h->bill_micro,
                  (long long)h->baseline_bill_micro, i + 1 < result->households_count ? "," : "");
    }
    sb_printf(&b, "  ]\n}\n");
    if (b.failed) {
        free(b.data);
        return NULL;
    }
    return b.data;
}

/* --------------------------------------------------------------- CSV */

static void timeseries_csv(sbuf *b, const wt_sim_result *res)
{
    sb_printf(b, "start,load_mwh,ev_mwh,pv_mwh,battery_charge_mwh,battery_discharge_mwh,"
                 "battery_stored_mwh,meters_import_mwh,meters_export_mwh,p2p_mwh,"
                 "p2p_amount_micro,grid_import_mwh,grid_export_mwh,price_micro_per_kwh\n");
    for (size_t i = 0; i < res->steps_count; i++) {
        const wt_sim_step *s = &res->steps[i];
        char t[32];
        iso_utc(t, s->start_ms);
        sb_printf(b, "%s,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld\n", t,
                  (long long)s->load_mwh, (long long)s->ev_mwh, (long long)s->pv_mwh,
                  (long long)s->charge_mwh, (long long)s->discharge_mwh, (long long)s->stored_mwh,
                  (long long)s->import_mwh, (long long)s->export_mwh, (long long)s->p2p_mwh,
                  (long long)s->p2p_amount_micro, (long long)s->grid_import_mwh,
                  (long long)s->grid_export_mwh, (long long)s->price_micro_per_kwh);
    }
}

static void households_csv(sbuf *b, const wt_sim_result *res, const wt_sim_scenario *sc)
{
    sb_printf(b, "name,meter_id,address,zone,pv_wp,battery_wh,load_mwh,ev_mwh,pv_mwh,import_mwh,"
                 "export_mwh,battery_charge_mwh,battery_discharge_mwh,battery_loss_mwh,"
                 "bought_p2p_mwh,sold_p2p_mwh,bill_micro,baseline_bill_micro,savings_micro,"
                 "unpaid_micro\n");
    for (size_t i = 0; i < res->households_count; i++) {
        const wt_sim_household *h = &res->households[i];
        sb_printf(b,
                  "%s,%s,%s,%s,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld,"
                  "%lld,%lld,%lld\n",
                  h->name, h->meter_id, h->address, sc->params.zones[h->zone].name,
                  (long long)h->pv_wp, (long long)h->battery_wh, (long long)h->load_mwh,
                  (long long)h->ev_mwh, (long long)h->pv_mwh, (long long)h->import_mwh,
                  (long long)h->export_mwh, (long long)h->charge_mwh, (long long)h->discharge_mwh,
                  (long long)h->loss_mwh, (long long)h->bought_p2p_mwh, (long long)h->sold_p2p_mwh,
                  (long long)h->bill_micro, (long long)h->baseline_bill_micro,
                  (long long)(h->baseline_bill_micro - h->bill_micro), (long long)h->unpaid_micro);
    }
}

/* --------------------------------------------------------------- SVG */

#define W      800.0
#define H      360.0
#define LEFT   70.0
#define RIGHT  70.0
#define TOP    30.0
#define BOTTOM 40.0

static void svg_open(sbuf *b, const char *title)
{
    sb_printf(b,
              "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
              "viewBox=\"0 0 %.0f %.0f\" font-family=\"sans-serif\" font-size=\"12\">\n"
              "<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>\n"
              "<text x=\"%.0f\" y=\"18\" font-size=\"14\" font-weight=\"bold\">%s</text>\n"
              "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" stroke=\"#333\"/>\n"
              "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" stroke=\"#333\"/>\n",
              W, H, W, H, LEFT, title, LEFT, H - BOTTOM, W - RIGHT, H - BOTTOM, LEFT, TOP, LEFT,
              H - BOTTOM);
}

static double px_x(double f)
{
    return LEFT + f * (W - LEFT - RIGHT);
}

static double px_y(double f)
{
    return H - BOTTOM - f * (H - TOP - BOTTOM);
}

/* A polyline of values v[0..n) scaled by max (>0) into the plot. */
static void svg_line(sbuf *b, const double *v, size_t n, double max, const char *color)
{
    if (n == 0 || max <= 0)
        return;
    sb_printf(b, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" points=\"", color);
    for (size_t i = 0; i < n; i++)
        sb_printf(b, "%.1f,%.1f ", px_x(n > 1 ? (double)i / (double)(n - 1) : 0.5),
                  px_y(v[i] / max));
    sb_printf(b, "\"/>\n");
}

static void svg_legend(sbuf *b, int slot, const char *color, const char *label)
{
    double x = LEFT + 10 + slot * 140.0;
    sb_printf(b,
              "<rect x=\"%.0f\" y=\"%.0f\" width=\"12\" height=\"4\" fill=\"%s\"/>"
              "<text x=\"%.0f\" y=\"%.0f\">%s</text>\n",
              x, H - 14.0, color, x + 16, H - 9.0, label);
}

static double dmax(const double *v, size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++)
        if (v[i] > m)
            m = v[i];
    return m;
}

/* Price and P2P volume over the run, in at most 400 buckets. */
static void price_volume_svg(sbuf *b, const wt_sim_result *res)
{
    size_t n = res->steps_count, buckets = n < 400 ? n : 400;
    double *price = calloc(buckets + 1, sizeof *price), *vol = calloc(buckets + 1, sizeof *vol);
    if (price == NULL || vol == NULL) {
        b->failed = true;
        free(price);
        free(vol);
        return;
    }
    for (size_t k = 0; k < buckets; k++) {
        size_t a = k * n / buckets, z = (k + 1) * n / buckets;
        int64_t e = 0, amt = 0;
        for (size_t i = a; i < z; i++) {
            e += res->steps[i].p2p_mwh;
            amt += res->steps[i].p2p_amount_micro;
        }
        vol[k] = (double)e / 1e6 / (double)(z - a);                   /* kWh per interval */
        price[k] = e > 0 ? (double)amt / ((double)e / 1e6) / 1e6 : 0; /* U per kWh */
    }
    svg_open(b, "P2P price (U-Coin/kWh, left) and volume (kWh per interval, right)");
    double pmax = dmax(price, buckets) * 1.1, vmax = dmax(vol, buckets) * 1.1;
    sb_printf(b,
              "<text x=\"4\" y=\"%.0f\">%.1f U</text><text x=\"%.0f\" y=\"%.0f\">%.2f kWh</text>\n",
              TOP + 10, pmax, W - RIGHT + 4, TOP + 10, vmax);
    svg_line(b, vol, buckets, vmax, "#7aa6d8");
    svg_line(b, price, buckets, pmax, "#c0392b");
    svg_legend(b, 0, "#c0392b", "price");
    svg_legend(b, 1, "#7aa6d8", "volume");
    sb_printf(b, "</svg>\n");
    free(price);
    free(vol);
}

/* The mean day: per time-of-day slot, load + EV, PV, P2P, grid import and
 * export in kW. */
static void typical_day_svg(sbuf *b, const wt_sim_result *res, const wt_sim_scenario *sc)
{
    int64_t dt = sc->params.interval_ms;
    size_t slots = (size_t)(86400000 / dt);
    if (slots == 0)
        slots = 1;
    if (slots > 288) /* at most 5-minute resolution in the plot */
        slots = 288;
    double *acc = calloc(5 * slots, sizeof *acc);
    size_t *cnt = calloc(slots, sizeof *cnt);
    if (acc == NULL || cnt == NULL) {
        b->failed = true;
        free(acc);
        free(cnt);
        return;
    }
    for (size_t i = 0; i < res->steps_count; i++) {
        const wt_sim_step *s = &res->steps[i];
        int64_t local = s->start_ms + sc->utc_offset_ms;
        int64_t in_day = ((local % 86400000) + 86400000) % 86400000;
        size_t k = (size_t)(in_day * (int64_t)slots / 86400000);
        double to_kw = 3600000.0 / (double)dt / 1e6; /* mWh per interval -> kW */
        acc[0 * slots + k] += (double)(s->load_mwh + s->ev_mwh) * to_kw;
        acc[1 * slots + k] += (double)s->pv_mwh * to_kw;
        acc[2 * slots + k] += (double)s->p2p_mwh * to_kw;
        acc[3 * slots + k] += (double)s->grid_import_mwh * to_kw;
        acc[4 * slots + k] += (double)s->grid_export_mwh * to_kw;
        cnt[k]++;
    }
    for (size_t c = 0; c < 5; c++)
        for (size_t k = 0; k < slots; k++)
            acc[c * slots + k] = cnt[k] > 0 ? acc[c * slots + k] / (double)cnt[k] : 0;
    double max = dmax(acc, 5 * slots) * 1.1;
    svg_open(b, "A typical day: mean power of the community (kW), local time 00:00 to 24:00");
    sb_printf(b, "<text x=\"4\" y=\"%.0f\">%.1f kW</text>\n", TOP + 10, max);
    const char *colors[5] = {"#34495e", "#f1c40f", "#27ae60", "#c0392b", "#8e44ad"};
    const char *labels[5] = {"load + EV", "PV", "P2P", "grid import", "grid export"};
    for (size_t c = 0; c < 5; c++) {
        svg_line(b, acc + c * slots, slots, max, colors[c]);
        svg_legend(b, (int)c, colors[c], labels[c]);
    }
    for (int h = 0; h <= 24; h += 6)
        sb_printf(b, "<text x=\"%.1f\" y=\"%.0f\" text-anchor=\"middle\">%02d:00</text>\n",
                  px_x(h / 24.0), H - BOTTOM + 14, h);
    sb_printf(b, "</svg>\n");
    free(acc);
    free(cnt);
}

/* The distribution of savings (baseline - bill), U-Coin, 20 bins. */
static void savings_svg(sbuf *b, const wt_sim_result *res)
{
    size_t n = res->households_count;
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    for (size_t i = 0; i < n; i++) {
        int64_t s = res->households[i].baseline_bill_micro - res->households[i].bill_micro;
        lo = s < lo ? s : lo;
        hi = s > hi ? s : hi;
    }
    enum { BINS = 20 };
    size_t bins[BINS] = {0}, most = 0;
    int64_t span = hi > lo ? hi - lo : 1;
    for (size_t i = 0; i < n; i++) {
        int64_t s = res->households[i].baseline_bill_micro - res->households[i].bill_micro;
        size_t k = (size_t)((__int128)(s - lo) * BINS / (span + 1));
        bins[k]++;
        most = bins[k] > most ? bins[k] : most;
    }
    svg_open(b, "Bill savings with the P2P market (U-Coin per household over the run)");
    double bw = (W - LEFT - RIGHT) / BINS;
    for (int k = 0; k < BINS; k++) {
        double h = most > 0 ? (double)bins[k] / (double)most : 0;
        sb_printf(b,
                  "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#27ae60\"/>\n",
                  LEFT + k * bw + 1, px_y(h), bw - 2, (H - BOTTOM) - px_y(h));
    }
    sb_printf(b, "<text x=\"4\" y=\"%.0f\">%zu homes</text>\n", TOP + 10, most);
    sb_printf(b, "<text x=\"%.0f\" y=\"%.0f\">", LEFT, H - BOTTOM + 14);
    sb_fixed(b, lo, 6);
    sb_printf(b, " U</text><text x=\"%.0f\" y=\"%.0f\" text-anchor=\"end\">", W - RIGHT,
              H - BOTTOM + 14);
    sb_fixed(b, hi, 6);
    sb_printf(b, " U</text>\n</svg>\n");
}

/* -------------------------------------------------------------- HTML */

static void report_html(sbuf *b, const wt_sim_result *res, const wt_sim_scenario *sc)
{
    const wt_sim_kpis *k = &res->kpis;
    char start[32];
    iso_utc(start, sc->start_ms);
    sb_printf(b,
              "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
              "<title>wattle-sim: %s</title>\n<style>body{font-family:sans-serif;max-width:"
              "860px;margin:2em auto;color:#222}table{border-collapse:collapse}td{padding:"
              "2px 12px;border-bottom:1px solid #ddd}td.n{text-align:right;font-variant-numeric:"
              "tabular-nums}</style></head><body>\n<h1>%s</h1>\n<p>%llu households, %llu "
              "intervals of %lld s from %s, seed %llu, %llu transactions.</p>\n<table>\n",
              sc->name, sc->name, (unsigned long long)k->households,
              (unsigned long long)k->intervals, (long long)(sc->params.interval_ms / 1000), start,
              (unsigned long long)sc->seed, (unsigned long long)k->transactions);
#define ROW_KWH(label, v)                                                                          \
    do {                                                                                           \
        sb_printf(b, "<tr><td>%s</td><td class=\"n\">", label);                                    \
        sb_fixed(b, v, 6);                                                                         \
        sb_printf(b, " kWh</td></tr>\n");                                                          \
    } while (0)
#define ROW_U(label, v)                                                                            \
    do {                                                                                           \
        sb_printf(b, "<tr><td>%s</td><td class=\"n\">", label);                                    \
        sb_fixed(b, v, 6);                                                                         \
        sb_printf(b, " U</td></tr>\n");                                                            \
    } while (0)
    ROW_KWH("household load", k->load_mwh);
    ROW_KWH("EV charging", k->ev_mwh);
    ROW_KWH("PV generation", k->pv_mwh);
    ROW_KWH("traded peer to peer", k->p2p_mwh);
    ROW_KWH("grid import", k->grid_import_mwh);
    ROW_KWH("grid export", k->grid_export_mwh);
    ROW_KWH("battery charge", k->battery_charge_mwh);
    ROW_KWH("battery discharge", k->battery_discharge_mwh);
    ROW_KWH("battery loss", k->battery_loss_mwh);
    sb_printf(b, "<tr><td>self-sufficiency</td><td class=\"n\">");
    sb_fixed(b, k->self_sufficiency_ppm / 100, 2);
    sb_printf(b, " %%</td></tr>\n<tr><td>self-consumption</td><td class=\"n\">");
    sb_fixed(b, k->self_consumption_ppm / 100, 2);
    sb_printf(b, " %%</td></tr>\n");
    ROW_U("average P2P price per kWh", k->avg_p2p_price_micro_per_kwh);
    ROW_U("households' bills", k->bill_micro);
    ROW_U("the same without the market", k->baseline_bill_micro);
    ROW_U("utility revenue", k->utility_revenue_micro);
    sb_printf(b, "<tr><td>peak grid import</td><td class=\"n\">");
    sb_fixed(b, k->peak_grid_import_mw, 6);
    sb_printf(b, " kW</td></tr>\n</table>\n");
#undef ROW_KWH
#undef ROW_U
    sb_printf(b,
              "<h2>Price and volume</h2><img src=\"price_volume.svg\" alt=\"price and volume\">\n"
              "<h2>A typical day</h2><img src=\"typical_day.svg\" alt=\"typical day\">\n"
              "<h2>Savings</h2><img src=\"savings.svg\" alt=\"savings\">\n"
              "<p>Data: <a href=\"kpis.json\">kpis.json</a>, <a href=\"timeseries.csv\">"
              "timeseries.csv</a>, <a href=\"households.csv\">households.csv</a>.</p>\n"
              "</body></html>\n");
}

/* ------------------------------------------------------------ writing */

static wt_err write_file(wt_sim_error *err, const char *dir, const char *name, sbuf *b)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (b->failed) {
        free(b->data);
        snprintf(err->message, sizeof err->message, "%.400s: out of memory", path);
        return WT_ERR_NO_MEMORY;
    }
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "wb");
    bool ok = f != NULL && fwrite(b->data, 1, b->len, f) == b->len;
    if (f != NULL && fclose(f) != 0)
        ok = false;
    free(b->data);
    memset(b, 0, sizeof *b);
    if (!ok || rename(tmp, path) != 0) {
        snprintf(err->message, sizeof err->message, "%.400s: cannot be written (%s)", path,
                 strerror(errno));
        remove(tmp);
        return WT_ERR_IO;
    }
    return WT_OK;
}

wt_err wt_sim_write_outputs(wt_sim_error *err, const wt_sim_result *result,
                            const wt_sim_scenario *sc, const char *dir)
{
    memset(err, 0, sizeof *err);
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        snprintf(err->message, sizeof err->message, "%.400s: cannot be created (%s)", dir,
                 strerror(errno));
        return WT_ERR_IO;
    }
    wt_err e;
    sbuf b = {0};
    char *json = wt_sim_kpis_json(result, sc);
    if (json == NULL) {
        snprintf(err->message, sizeof err->message, "kpis.json: out of memory");
        return WT_ERR_NO_MEMORY;
    }
    b.data = json;
    b.len = strlen(json);
    b.cap = b.len + 1;
    if ((e = write_file(err, dir, "kpis.json", &b)) != WT_OK)
        return e;
    timeseries_csv(&b, result);
    if ((e = write_file(err, dir, "timeseries.csv", &b)) != WT_OK)
        return e;
    households_csv(&b, result, sc);
    if ((e = write_file(err, dir, "households.csv", &b)) != WT_OK)
        return e;
    price_volume_svg(&b, result);
    if ((e = write_file(err, dir, "price_volume.svg", &b)) != WT_OK)
        return e;
    typical_day_svg(&b, result, sc);
    if ((e = write_file(err, dir, "typical_day.svg", &b)) != WT_OK)
        return e;
    savings_svg(&b, result);
    if ((e = write_file(err, dir, "savings.svg", &b)) != WT_OK)
        return e;
    report_html(&b, result, sc);
    return write_file(err, dir, "report.html", &b);
}
