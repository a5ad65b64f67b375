/* bench_meter.c — the meter parsers' throughput: DSMR 5 telegrams and SML
 * frames parsed per second (CRC checked, every value converted), each beside
 * a baseline over the very same bytes in the same run — a plain memchr scan
 * for line ends (DSMR) or for the 1b escape byte (SML), i.e. the least any
 * parser must do to look at each byte once. Then readings_ingest: meter
 * readings per second committed durably by the engine (wt_node_submit: decode,
 * signature, transition, group commit) through gateway batches of 1,000
 * meters, one signature per batch, one interval's batches per submission;
 * its baseline is the same transactions through the in-memory transition
 * alone (decode, signature check, apply; one thread, no store). */
#include "bench.h"
#include "engine.h"
#include "meter.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* ------------------------------------------------------ readings_ingest */

#define INGEST_BATCH 1000
/* a setup step that cannot fail on a sound build: say which, then stop */
#define INGEST_DIE()                                                                               \
    (fprintf(stderr, "bench meter: readings_ingest setup failed at line %d\n", __LINE__), abort())

typedef struct {
    uint8_t *raw;
    size_t len;
} encoded_tx;

static int64_t ingest_now_ms;

static int64_t ingest_clock(void *arg)
{
    (void)arg;
    return ingest_now_ms;
}

static void ingest_key(const wt_ctx *wctx, wt_seckey *key, const char *label)
{
    uint8_t secret[32];
    wt_tagged_hash(secret, "wattle/bench-key", (const uint8_t *)label, strlen(label));
    if (wt_seckey_from_bytes(wctx, key, secret) != WT_OK)
        INGEST_DIE();
}

static encoded_tx sign_tx(const wt_ctx *wctx, wt_tx *tx, const wt_seckey *key)
{
    encoded_tx e;
    if (wt_tx_sign(wctx, NULL, tx, key) != WT_OK)
        INGEST_DIE();
    e.len = wt_tx_encoded_len(tx);
    e.raw = malloc(e.len);
    const char *field = NULL;
    if (e.raw == NULL || wt_tx_encode(e.raw, e.len, &e.len, &field, tx) != WT_OK)
        INGEST_DIE();
    return e;
}

static void submit_or_die(wt_node *node, const encoded_tx *txs, size_t count)
{
    const uint8_t **raws = malloc(count * sizeof *raws);
    size_t *lens = malloc(count * sizeof *lens);
    wt_submit_result *res = malloc(count * sizeof *res);
    if (raws == NULL || lens == NULL || res == NULL)
        INGEST_DIE();
    for (size_t i = 0; i < count; i++) {
        raws[i] = txs[i].raw;
        lens[i] = txs[i].len;
    }
    if (wt_node_submit(node, res, raws, lens, count) != WT_OK)
        INGEST_DIE();
    for (size_t i = 0; i < count; i++)
        if (res[i].err != WT_OK) {
            fprintf(stderr, "bench meter: tx %zu: %s (%s)\n", i, wt_errname(res[i].err),
                    res[i].field ? res[i].field : "?");
            INGEST_DIE();
        }
    free(raws);
    free(lens);
    free(res);
}

static double apply_all(const wt_ctx *wctx, wt_state *state, const encoded_tx *txs, size_t count)
{
    wt_apply_opts opts = {.now_ms = ingest_now_ms};
    double t0 = wt_bench_now_s();
    for (size_t i = 0; i < count; i++) {
        wt_tx tx;
        const char *field = NULL;
        uint8_t txid[32];
        if (wt_tx_decode(&tx, &field, txs[i].raw, txs[i].len) != WT_OK)
            INGEST_DIE();
        wt_tx_id_encoded(txid, txs[i].raw, txs[i].len);
        if (wt_ledger_apply(wctx, state, &field, &tx, txid, &opts) != WT_OK)
            INGEST_DIE();
    }
    return wt_bench_now_s() - t0;
}

static void readings_ingest(wt_bench_ctx *ctx)
{
    bool quick = wt_bench_quick(ctx);
    unsigned meters = quick ? 2000 : 10000, intervals = quick ? 3 : 20;
    unsigned per_interval = meters / INGEST_BATCH;
    wt_log_set_level(WT_LOG_WARN);
    wt_ctx *wctx;
    if (wt_ctx_create(&wctx) != WT_OK)
        INGEST_DIE();
    static wt_seckey op, issuer, utility, gateway;
    ingest_key(wctx, &op, "ingest-operator");
    ingest_key(wctx, &issuer, "ingest-issuer");
    ingest_key(wctx, &gateway, "ingest-gateway");
    ingest_key(wctx, &utility, "ingest-utility");
    static wt_chain_params p;
    memset(&p, 0, sizeof p);
    p.chain_id = 11;
    p.genesis_time_ms = INT64_C(1800000000000);
    p.interval_ms = 60000;
    memcpy(p.operator_key, op.pubkey, 32);
    memcpy(p.issuer_key, issuer.pubkey, 32);
    memcpy(p.utility_key, utility.pubkey, 32);
    p.retail_tariff_kind = WT_CHAIN_TARIFF_FLAT;
    p.feed_in_tariff_kind = WT_CHAIN_TARIFF_FLAT;
    p.retail_micro_per_kwh = 150000000;
    p.feed_in_micro_per_kwh = 60000000;
    p.price_ceiling_micro_per_kwh = 1000000000;
    p.zones_count = 1;
    strcpy(p.zones[0].name, "campus");
    p.zones[0].parent = WT_CHAIN_ZONE_NONE;
    p.zones[0].fee_micro_per_kwh = 20000000;
    uint64_t first = (uint64_t)(p.genesis_time_ms / p.interval_ms) + 1;
    ingest_now_ms = (int64_t)(first + intervals + 1) * p.interval_ms;

    char dir[] = "/tmp/wattle-bench-meter-XXXXXX";
    if (mkdtemp(dir) == NULL)
        INGEST_DIE();
    char db[128];
    snprintf(db, sizeof db, "%s/ledger.db", dir);
    wt_node_opts opts = {.db_path = db, .params = &p, .operator_key = &op, .clock = ingest_clock};
    wt_node *node;
    wt_err open_err = wt_node_open(&node, wctx, &opts);
    if (open_err != WT_OK) {
        fprintf(stderr, "bench meter: cannot open a node: %s\n", wt_errname(open_err));
        INGEST_DIE();
    }
    wt_state *state;
    if (wt_state_create(&state, &p) != WT_OK)
        INGEST_DIE();

    /* the gateway and its meters (untimed) */
    wt_bench_progress(ctx, "readings_ingest: registering a gateway and %u meters", meters);
    size_t reg_count = 1 + meters;
    encoded_tx *regs = calloc(reg_count, sizeof *regs);
    if (regs == NULL)
        INGEST_DIE();
    uint64_t op_nonce = 0;
    wt_tx tx;
    wt_tx_init(&tx, WT_TX_REGISTER);
    tx.chain_id = p.chain_id;
    memcpy(tx.sender, op.pubkey, 32);
    tx.nonce = ++op_nonce;
    tx.expiry_ms = INT64_MAX;
    tx.body.reg.kind = WT_TX_REGISTER_GATEWAY;
    memcpy(tx.body.reg.u.gateway.key, gateway.pubkey, 32);
    regs[0] = sign_tx(wctx, &tx, &op);
    for (unsigned m = 0; m < meters; m++) {
        char id[16];
        snprintf(id, sizeof id, "M%06u", m);
        wt_tx_init(&tx, WT_TX_REGISTER);
        tx.chain_id = p.chain_id;
        memcpy(tx.sender, op.pubkey, 32);
        tx.nonce = ++op_nonce;
        tx.expiry_ms = INT64_MAX;
        tx.body.reg.kind = WT_TX_REGISTER_METER;
        if (wt_meter_id_set(&tx.body.reg.u.meter.meter_id, id) != WT_OK)
            INGEST_DIE();
        uint8_t owner[32];
        wt_tagged_hash(owner, "wattle/bench-owner", (const uint8_t *)id, strlen(id));
        memcpy(tx.body.reg.u.meter.owner, owner, 32);
        memcpy(tx.body.reg.u.meter.gateway, gateway.pubkey, 32);
        regs[1 + m] = sign_tx(wctx, &tx, &op);
    }
    for (size_t at = 0; at < reg_count; at += 1000)
        submit_or_die(node, regs + at, reg_count - at < 1000 ? reg_count - at : 1000);
    apply_all(wctx, state, regs, reg_count);

    /* one READINGS per 1,000 meters per interval, signed by the gateway (untimed) */
    size_t batches = (size_t)intervals * per_interval;
    encoded_tx *txs = calloc(batches, sizeof *txs);
    wt_reading *entries = calloc(INGEST_BATCH, sizeof *entries);
    if (txs == NULL || entries == NULL)
        INGEST_DIE();
    uint64_t nonce = 0, rng = 0x1ea5e;
    for (unsigned k = 0; k < intervals; k++)
        for (unsigned b = 0; b < per_interval; b++) {
            for (unsigned i = 0; i < INGEST_BATCH; i++) {
                char id[16];
                snprintf(id, sizeof id, "M%06u", b * INGEST_BATCH + i);
                memset(&entries[i], 0, sizeof entries[i]);
                wt_meter_id_set(&entries[i].meter_id, id);
                rng ^= rng << 13;
                rng ^= rng >> 7;
                rng ^= rng << 17;
                entries[i].import_mwh = (int64_t)(rng % 500000);
                entries[i].export_mwh = (int64_t)((rng >> 20) % 200000);
            }
            encoded_tx *e = &txs[(size_t)k * per_interval + b];
            if (wt_readings_tx_build(&e->raw, &e->len, wctx, &gateway, p.chain_id, ++nonce,
                                     INT64_MAX, first + k, entries, INGEST_BATCH) != WT_OK)
                INGEST_DIE();
        }
    wt_bench_progress(ctx, "readings_ingest: %u intervals x %u meters, %u per batch", intervals,
                      meters, INGEST_BATCH);
    double t0 = wt_bench_now_s();
    for (unsigned k = 0; k < intervals; k++)
        submit_or_die(node, txs + (size_t)k * per_interval, per_interval);
    double seconds = wt_bench_now_s() - t0;
    double baseline_s = apply_all(wctx, state, txs, batches);
    double readings = (double)batches * INGEST_BATCH;
    wt_bench_report(ctx, "readings_ingest", readings / seconds, "readings/s", readings / baseline_s,
                    "in_memory_transition_one_thread");

    for (size_t i = 0; i < reg_count; i++)
        free(regs[i].raw);
    for (size_t i = 0; i < batches; i++)
        free(txs[i].raw);
    free(regs);
    free(txs);
    free(entries);
    wt_node_close(node);
    wt_state_destroy(state);
    wt_ctx_destroy(wctx);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "bench meter: could not remove %s\n", dir);
}

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
                    INGEST_DIE();
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
                    INGEST_DIE();
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
    readings_ingest(ctx);
}
