/*
 * test_bridge.c — `wattle-meter run` against the real engine (integration):
 * a chain made by `wattle chain init` (1 s intervals, 60 intervals of grace
 * for readings), `wattled` on free loopback ports, a gateway and two meters
 * registered with `wattle`, DSMR telegrams written into two FIFOs. The
 * engine is killed (SIGKILL) for several intervals and started again: the
 * outbox keeps the readings and, once the engine is back, every interval
 * arrives exactly once and in order (consecutive intervals, consecutive
 * nonces, increasing sequence numbers, each txid committed in the ledger).
 * Then the bridge is stopped and started again on the same outbox: nothing
 * is lost or sent twice. Then SunSpec: the bridge polls a real Modbus TCP
 * server (an inverter and a meter) and their energy lands in the committed
 * READINGS. argv: wattled, wattle, wattle-meter.
 */
#include "meter.h"
#include "modbus_server.h"
#include "proc.h"
#include "run_cmd.h"
#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char *wattled, *wattle, *wattle_meter;
static char tmp[256], chain[300], http_url[80], nng_url[64];
static char queue_path[400], config_path[400], bridge_log[400];
static pid_t bridge_pid;
static wt_wattled node;
static int fifo_fd[3] = {-1, -1, -1};
static int64_t reg_mwh[3] = {1000000, 5000000, 7000000};

static void expect_ok(run_result *r, const char *what)
{
    if (r->status != 0)
        fail_msg("%s: status %d\nstdout: %s\nstderr: %s", what, r->status, r->out, r->err);
}

static void new_key(char *path, size_t cap, char address[WT_ADDRESS_CHARS + 1], const char *name)
{
    snprintf(path, cap, "%s/%s.key", tmp, name);
    run_result r;
    run_cmdl(&r, wattle, "key", "new", "--out", path, NULL);
    expect_ok(&r, "key new");
    run_result_free(&r);
    run_cmdl(&r, wattle, "key", "address", path, NULL);
    expect_ok(&r, "key address");
    memcpy(address, strstr(r.out, "uc1"), WT_ADDRESS_CHARS);
    address[WT_ADDRESS_CHARS] = '\0';
    run_result_free(&r);
}

static void start_daemon(void)
{
    assert_int_equal(wt_wattled_start(&node, NULL), 0);
}

static void start_bridge(void)
{
    char *argv[] = {wattle_meter, "run", "--config", config_path, NULL};
    bridge_pid = wt_proc_spawn(bridge_log, argv);
    assert_true(bridge_pid > 0);
}

/* One DSMR 2.2 telegram per meter (no CRC in that version), 10 Wh more. */
static void write_telegrams(void)
{
    for (int i = 0; i < 3 && fifo_fd[i] >= 0; i++) {
        reg_mwh[i] += 10000;
        char t[512];
        int n =
            snprintf(t, sizeof t,
                     "/KFM5 WATTLE-2.2\r\n\r\n0-0:96.1.1(4D5452%d)\r\n"
                     "1-0:1.8.1(%06lld.%03lld*kWh)\r\n1-0:1.8.2(000001.000*kWh)\r\n"
                     "1-0:2.8.1(000000.000*kWh)\r\n1-0:2.8.2(000000.500*kWh)\r\n!\r\n",
                     i, (long long)(reg_mwh[i] / 1000000), (long long)(reg_mwh[i] / 1000 % 1000));
        assert_int_equal(write(fifo_fd[i], t, (size_t)n), n);
    }
}

static void write_for(long ms)
{
    for (long t = 0; t < ms; t += 100) {
        write_telegrams();
        wt_proc_sleep_ms(100);
    }
}

static int setup(void **state)
{
    (void)state;
    if (wt_proc_tmpdir(tmp, sizeof tmp, "wattle-bridge") != 0)
        return -1;
    unsetenv("WATTLE_PASSPHRASE");
    unsetenv("WATTLE_NODE");
    snprintf(chain, sizeof chain, "%s/chain", tmp);
    const char *init[] = {"--chain-id", "77", "--interval-ms", "1000", "--zones",
                          "campus:20",  NULL};
    if (wt_chain_init(wattle, chain, init) != 0)
        return -1;
    char ini[400];
    snprintf(ini, sizeof ini, "%s/wattled.ini", chain);
    if (wt_proc_append_file(ini, "\n[market]\nsettle_delay_intervals = 60\n") != 0 ||
        wt_wattled_init(&node, wattled, chain) != 0)
        return -1;
    snprintf(http_url, sizeof http_url, "%s", node.http_url);
    snprintf(nng_url, sizeof nng_url, "%s", node.nng_url);
    snprintf(queue_path, sizeof queue_path, "%s/outbox.db", tmp);
    snprintf(config_path, sizeof config_path, "%s/bridge.ini", tmp);
    snprintf(bridge_log, sizeof bridge_log, "%s/bridge.log", tmp);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    wt_proc_stop(&bridge_pid, SIGKILL);
    wt_wattled_stop(&node, SIGTERM);
    return wt_proc_rmtree(tmp);
}

static void pending_and_committed(uint64_t counts[3])
{
    wt_queue *q = NULL;
    uint64_t last = 0;
    bool any = false;
    assert_int_equal(wt_queue_open(&q, queue_path), WT_OK);
    assert_int_equal(wt_queue_stats(q, counts, &last, &any), WT_OK);
    wt_queue_close(q);
}

static void wait_drained(uint64_t at_least)
{
    uint64_t counts[3] = {0, 0, 0};
    for (int i = 0; i < 150; i++) {
        pending_and_committed(counts);
        if (counts[WT_QUEUE_PENDING] == 0 && counts[WT_QUEUE_COMMITTED] >= at_least)
            return;
        wt_proc_sleep_ms(100);
    }
    fail_msg("outbox not drained: %llu pending, %llu committed, %llu rejected (see %s)",
             (unsigned long long)counts[0], (unsigned long long)counts[1],
             (unsigned long long)counts[2], bridge_log);
}

/* Every interval in the outbox: committed, consecutive, nonces 1.., seq
 * increasing, two entries; each txid committed in the engine. */
static uint64_t check_outbox(bool ask_engine)
{
    wt_queue *q = NULL;
    assert_int_equal(wt_queue_open(&q, queue_path), WT_OK);
    uint64_t counts[3], last = 0;
    bool any = false;
    assert_int_equal(wt_queue_stats(q, counts, &last, &any), WT_OK);
    assert_true(any);
    assert_int_equal(counts[WT_QUEUE_REJECTED], 0);
    assert_int_equal(counts[WT_QUEUE_PENDING], 0);
    uint64_t rows = counts[WT_QUEUE_COMMITTED];
    uint64_t first = last + 1 - rows, prev_seq = 0;
    for (uint64_t k = first; k <= last; k++) {
        wt_queue_item it;
        if (wt_queue_get(q, &it, k) != WT_OK || it.nonce != k - first + 2) {
            size_t n = 0;
            char *log = wt_test_read_file(bridge_log, &n);
            fail_msg("interval %llu missing from the outbox or out of order:\n%s",
                     (unsigned long long)k, log != NULL ? log : "");
        }
        assert_int_equal(it.state, WT_QUEUE_COMMITTED);
        assert_int_equal(it.nonce, k - first + 1 + 1); /* nonce 1: wattle readings submit */
        assert_true(it.seq > prev_seq);
        prev_seq = it.seq;
        wt_tx d;
        const char *field = NULL;
        assert_int_equal(wt_tx_decode(&d, &field, it.tx, it.tx_len), WT_OK);
        assert_int_equal(d.body.readings.count, 2);
        assert_int_equal(d.chain_id, 77);
        if (ask_engine) {
            char hex[65];
            wt_hex_encode(hex, it.txid, 32);
            run_result r;
            run_cmdl(&r, wattle, "tx", "status", "--node", http_url, hex, NULL);
            expect_ok(&r, "tx status");
            if (strstr(r.out, "\"status\":\"committed\"") == NULL)
                fail_msg("interval %llu: %s", (unsigned long long)k, r.out);
            run_result_free(&r);
        }
        wt_queue_item_free(&it);
    }
    wt_queue_close(q);
    return rows;
}

static void outage_then_back(void **state)
{
    (void)state;
    start_daemon();
    char gw_key[400], owner_key[400], gw_addr[WT_ADDRESS_CHARS + 1],
        owner_addr[WT_ADDRESS_CHARS + 1], op_key[400];
    new_key(gw_key, sizeof gw_key, gw_addr, "gateway");
    new_key(owner_key, sizeof owner_key, owner_addr, "owner");
    snprintf(op_key, sizeof op_key, "%s/operator.key", chain);
    run_result r;
    run_cmdl(&r, wattle, "register", "gateway", "--key", op_key, "--gateway", gw_addr, "--zone",
             "campus", "--node", http_url, NULL);
    expect_ok(&r, "register gateway");
    run_result_free(&r);
    const char *ids[2] = {"MTR-A", "MTR-B"};
    for (int i = 0; i < 2; i++) {
        run_cmdl(&r, wattle, "register", "meter", "--key", op_key, "--meter", ids[i], "--owner",
                 owner_addr, "--zone", "campus", "--gateway", gw_addr, "--node", http_url, NULL);
        expect_ok(&r, "register meter");
        run_result_free(&r);
    }
    /* the gateway already signed once, by hand: the bridge is told (nonce_base) */
    char csv[400], interval_text[32];
    snprintf(csv, sizeof csv, "%s/by-hand.csv", tmp);
    FILE *c = fopen(csv, "w");
    assert_non_null(c);
    fprintf(c, "meter,import_mwh,export_mwh\nMTR-A,1000,0\n");
    fclose(c);
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    snprintf(interval_text, sizeof interval_text, "%lld", (long long)now.tv_sec - 3);
    run_cmdl(&r, wattle, "readings", "submit", "--key", gw_key, "--interval", interval_text, csv,
             "--node", http_url, NULL);
    expect_ok(&r, "readings submit");
    run_result_free(&r);
    char fifo[2][400];
    for (int i = 0; i < 2; i++) {
        snprintf(fifo[i], sizeof fifo[i], "%s/meter%d.fifo", tmp, i);
        assert_int_equal(mkfifo(fifo[i], 0600), 0);
        fifo_fd[i] = open(fifo[i], O_RDWR);
        assert_true(fifo_fd[i] >= 0);
    }
    FILE *f = fopen(config_path, "w");
    assert_non_null(f);
    fprintf(f,
            "[gateway]\nkey = %s\nnode = %s\ngenesis = %s/genesis.bin\nqueue = %s\n"
            "flush_delay_ms = 300\ntimeout_ms = 300\nretry_ms = 300\nnonce_base = 1\n\n"
            "[kitchen]\nprotocol = dsmr\ninput = pipe\naddress = %s\nmeter_id = MTR-B\n\n"
            "[garage]\nprotocol = dsmr\ninput = pipe\naddress = %s\nmeter_id = MTR-A\n",
            gw_key, nng_url, chain, queue_path, fifo[1], fifo[0]);
    fclose(f);

    start_bridge();
    write_for(2500);
    /* the engine goes away for about four intervals */
    wt_wattled_stop(&node, SIGKILL);
    write_for(4000);
    uint64_t counts[3];
    pending_and_committed(counts);
    assert_true(counts[WT_QUEUE_PENDING] >= 2); /* kept while the engine was gone */
    start_daemon();
    write_for(2500);
    wait_drained(6);
    uint64_t rows = check_outbox(true);
    assert_true(rows >= 6);

    /* the bridge restarts on the same outbox: continues with the next nonce */
    wt_proc_stop(&bridge_pid, SIGTERM);
    start_bridge();
    write_for(2500);
    wait_drained(rows + 1);
    wt_proc_stop(&bridge_pid, SIGTERM);
    uint64_t rows2 = check_outbox(true);
    assert_true(rows2 > rows);

    /* a meter the chain does not know: the engine rejects those intervals
     * (unknown_meter); they are marked with the error and never resent, and
     * the nonces they did not use go to the rows behind them */
    char fifo_x[400];
    snprintf(fifo_x, sizeof fifo_x, "%s/meterx.fifo", tmp);
    assert_int_equal(mkfifo(fifo_x, 0600), 0);
    fifo_fd[2] = open(fifo_x, O_RDWR);
    assert_true(fifo_fd[2] >= 0);
    f = fopen(config_path, "a");
    assert_non_null(f);
    fprintf(f, "\n[shed]\nprotocol = dsmr\ninput = pipe\naddress = %s\nmeter_id = MTR-X\n", fifo_x);
    fclose(f);
    start_bridge();
    write_for(3000);
    wt_proc_stop(&bridge_pid, SIGTERM);
    wt_queue *q = NULL;
    uint64_t c3[3], last3 = 0;
    bool any3 = false;
    assert_int_equal(wt_queue_open(&q, queue_path), WT_OK);
    assert_int_equal(wt_queue_stats(q, c3, &last3, &any3), WT_OK);
    assert_true(c3[WT_QUEUE_REJECTED] >= 1);
    assert_true(c3[WT_QUEUE_COMMITTED] >= rows2); /* intervals closed before MTR-X spoke */
    wt_queue_item it;
    assert_int_equal(wt_queue_get(q, &it, last3), WT_OK);
    assert_int_equal(it.state, WT_QUEUE_REJECTED);
    assert_string_equal(it.error, "unknown_meter");
    wt_queue_item_free(&it);
    uint64_t next = 0;
    assert_int_equal(wt_queue_next_nonce(q, &next), WT_OK);
    assert_int_equal(next, 1 + c3[WT_QUEUE_COMMITTED] + 1 + c3[WT_QUEUE_PENDING]);
    wt_queue_close(q);
    /* the installer fixes the configuration: the bridge goes on */
    f = fopen(config_path, "w");
    fprintf(f,
            "[gateway]\nkey = %s\nnode = %s\ngenesis = %s/genesis.bin\nqueue = %s\n"
            "flush_delay_ms = 300\ntimeout_ms = 300\nretry_ms = 300\nnonce_base = 1\n\n"
            "[garage]\nprotocol = dsmr\ninput = pipe\naddress = %s\nmeter_id = MTR-A\n",
            gw_key, nng_url, chain, queue_path, fifo[0]);
    fclose(f);
    start_bridge();
    write_for(2500);
    wait_drained(rows2 + 1);
    wt_proc_stop(&bridge_pid, SIGTERM);
    assert_int_equal(wt_queue_open(&q, queue_path), WT_OK);
    assert_int_equal(wt_queue_stats(q, c3, &last3, &any3), WT_OK);
    assert_int_equal(wt_queue_get(q, &it, last3), WT_OK);
    assert_int_equal(it.state, WT_QUEUE_COMMITTED);
    assert_int_equal(it.nonce, 1 + c3[WT_QUEUE_COMMITTED]); /* no nonce lost to rejections */
    wt_queue_item_free(&it);
    wt_queue_close(q);
    size_t log_len = 0;
    char *log = wt_test_read_file(bridge_log, &log_len);
    assert_non_null(log);
    if (strstr(log, "kept in the outbox") == NULL)
        fail_msg("no outage in the bridge log:\n%s", log);
    free(log);
    for (int i = 0; i < 3; i++)
        close(fifo_fd[i]);
}

/* ------------------------------------------------ SunSpec over Modbus TCP */

typedef struct {
    int64_t import_mwh, export_mwh;
    size_t intervals;
} meter_sum;

static void sum_readings(const char *queue, meter_sum *inv, meter_sum *grid, uint64_t *rows)
{
    wt_queue *q = NULL;
    uint64_t counts[3], last = 0;
    bool any = false;
    assert_int_equal(wt_queue_open(&q, queue), WT_OK);
    assert_int_equal(wt_queue_stats(q, counts, &last, &any), WT_OK);
    assert_true(any);
    assert_int_equal(counts[WT_QUEUE_REJECTED], 0);
    assert_int_equal(counts[WT_QUEUE_PENDING], 0);
    *rows = counts[WT_QUEUE_COMMITTED];
    for (uint64_t k = last + 1 - *rows; k <= last; k++) {
        wt_queue_item it;
        assert_int_equal(wt_queue_get(q, &it, k), WT_OK);
        assert_int_equal(it.state, WT_QUEUE_COMMITTED);
        wt_tx d;
        const char *field = NULL;
        assert_int_equal(wt_tx_decode(&d, &field, it.tx, it.tx_len), WT_OK);
        wt_reading e;
        size_t pos = 0;
        while (wt_readings_next(&e, &pos, &d.body.readings)) {
            meter_sum *m = e.meter_id.len == 5 && memcmp(e.meter_id.bytes, "INV-1", 5) == 0 ? inv
                           : e.meter_id.len == 6 && memcmp(e.meter_id.bytes, "GRID-1", 6) == 0
                               ? grid
                               : NULL;
            assert_non_null(m); /* the device that is down never reports */
            m->import_mwh += e.import_mwh;
            m->export_mwh += e.export_mwh;
            m->intervals++;
        }
        char hex[65];
        wt_hex_encode(hex, it.txid, 32);
        run_result r;
        run_cmdl(&r, wattle, "tx", "status", "--node", http_url, hex, NULL);
        expect_ok(&r, "tx status");
        if (strstr(r.out, "\"status\":\"committed\"") == NULL)
            fail_msg("interval %llu: %s", (unsigned long long)k, r.out);
        run_result_free(&r);
        wt_queue_item_free(&it);
    }
    wt_queue_close(q);
}

/* `wattle-meter run` polling a real Modbus TCP server (libmodbus, in this
 * process) that serves a SunSpec inverter (unit 1, model 103, WH_SF 1) and
 * a grid meter (unit 2, model 203, TotWh_SF 0) whose registers grow while
 * the bridge runs; a third device is down the whole time, and the inverter
 * answers without its 'SunS' marker for a while. The energy lands in the
 * committed READINGS: the inverter's as export only, the meter's both ways,
 * never more than the registers grew. */
static void sunspec_modbus_run(void **state)
{
    (void)state;
    if (node.pid <= 0)
        start_daemon();
    char gw_key[400], owner_key[400], gw_addr[WT_ADDRESS_CHARS + 1],
        owner_addr[WT_ADDRESS_CHARS + 1], op_key[400];
    new_key(gw_key, sizeof gw_key, gw_addr, "ss-gateway");
    new_key(owner_key, sizeof owner_key, owner_addr, "ss-owner");
    snprintf(op_key, sizeof op_key, "%s/operator.key", chain);
    run_result r;
    run_cmdl(&r, wattle, "register", "gateway", "--key", op_key, "--gateway", gw_addr, "--zone",
             "campus", "--node", http_url, NULL);
    expect_ok(&r, "register gateway");
    run_result_free(&r);
    const char *ids[2] = {"INV-1", "GRID-1"};
    for (int i = 0; i < 2; i++) {
        run_cmdl(&r, wattle, "register", "meter", "--key", op_key, "--meter", ids[i], "--owner",
                 owner_addr, "--zone", "campus", "--gateway", gw_addr, "--node", http_url, NULL);
        expect_ok(&r, "register meter");
        run_result_free(&r);
    }
    int port = 0;
    ss_server *server = ss_server_start(&port);
    assert_non_null(server);
    static ss_map inv, grid, nomark;
    const uint32_t wh0 = 100000, imp0 = 5000000, exp0 = 2000000;
    ss_map_begin(&inv, 40000);
    ss_map_common(&inv, "Wattle", "INV", "INV-SN", 0);
    uint32_t inv_at = ss_map_inverter(&inv, 103, wh0, 1);
    ss_map_end(&inv);
    ss_map_begin(&grid, 40000);
    ss_map_common(&grid, "Wattle", "GRID", "GRID-SN", 1);
    uint32_t grid_at = ss_map_meter(&grid, 203, imp0, exp0, 0);
    ss_map_end(&grid);
    ss_map_begin(&nomark, 40000);
    ss_map_put(&nomark, 0, 0x1234);
    ss_map_common(&nomark, "W", "M", "S", 0);
    ss_map_end(&nomark);
    ss_server_set(server, 1, &inv);
    ss_server_set(server, 2, &grid);
    int down_port = wt_proc_free_port();
    char queue_ss[400], config_ss[400], log_ss[400];
    snprintf(queue_ss, sizeof queue_ss, "%s/outbox-sunspec.db", tmp);
    snprintf(config_ss, sizeof config_ss, "%s/bridge-sunspec.ini", tmp);
    snprintf(log_ss, sizeof log_ss, "%s/bridge-sunspec.log", tmp);
    FILE *f = fopen(config_ss, "w");
    assert_non_null(f);
    fprintf(f,
            "[gateway]\nkey = %s\nnode = %s\ngenesis = %s/genesis.bin\nqueue = %s\n"
            "flush_delay_ms = 300\ntimeout_ms = 300\nretry_ms = 300\n\n"
            "[inverter]\nprotocol = sunspec\ninput = modbus-tcp\naddress = 127.0.0.1:%d\n"
            "unit_id = 1\npoll_interval_ms = 150\nresponse_timeout_ms = 500\nmeter_id = INV-1\n\n"
            "[grid]\nprotocol = sunspec\ninput = modbus-tcp\naddress = 127.0.0.1:%d\n"
            "unit_id = 2\nsunspec_model = 203\npoll_interval_ms = 150\nmeter_id = GRID-1\n\n"
            "[down]\nprotocol = sunspec\ninput = modbus-tcp\naddress = 127.0.0.1:%d\n"
            "poll_interval_ms = 150\nmeter_id = DOWN-1\n",
            gw_key, nng_url, chain, queue_ss, port, port, down_port);
    fclose(f);
    char *argv[] = {wattle_meter, "run", "--config", config_ss, NULL};
    bridge_pid = wt_proc_spawn(log_ss, argv);
    assert_true(bridge_pid > 0);
    /* every 100 ms: 10 Wh produced (WH += 1 at WH_SF 1), 3 Wh imported, 1 Wh exported */
    uint32_t wh = wh0, imp = imp0, exp = exp0;
    for (int t = 0; t < 70; t++) {
        if (t == 25)
            ss_server_set(server, 1, &nomark); /* garbage for a second */
        if (t == 35) {
            ss_map_put32(&inv, inv_at + SS_INV_WH, wh);
            ss_server_set(server, 1, &inv);
        }
        if (t < 25 || t >= 35) {
            wh = ss_server_add32(server, 1, inv_at + SS_INV_WH, 1);
        } else { /* it goes on producing while it answers garbage */
            wh++;
            ss_map_put32(&inv, inv_at + SS_INV_WH, wh);
        }
        imp = ss_server_add32(server, 2, grid_at + SS_MTR_TOTWHIMP, 3);
        exp = ss_server_add32(server, 2, grid_at + SS_MTR_TOTWHEXP, 1);
        wt_proc_sleep_ms(100);
    }
    /* the last interval closes a flush delay after it ends */
    uint64_t counts[3] = {0, 0, 0};
    for (int i = 0; i < 50; i++) {
        wt_proc_sleep_ms(100);
        wt_queue *q = NULL;
        uint64_t last = 0;
        bool any = false;
        if (wt_queue_open(&q, queue_ss) == WT_OK) {
            wt_queue_stats(q, counts, &last, &any);
            wt_queue_close(q);
        }
        if (counts[WT_QUEUE_COMMITTED] >= 5 && counts[WT_QUEUE_PENDING] == 0)
            break;
    }
    wt_proc_stop(&bridge_pid, SIGTERM);
    ss_server_stop(server);
    size_t log_len = 0;
    char *log = wt_test_read_file(log_ss, &log_len);
    assert_non_null(log);
    char down_msg[128];
    snprintf(down_msg, sizeof down_msg, "[down] modbus 127.0.0.1:%d: Connection refused",
             down_port);
    if (strstr(log, down_msg) == NULL ||
        strstr(log, "[inverter] no SunSpec 'SunS' marker at 40000, 50000, 0") == NULL ||
        strstr(log, "[inverter] reading again") == NULL)
        fail_msg("the bridge log does not report the failures:\n%s", log);
    meter_sum s_inv = {0, 0, 0}, s_grid = {0, 0, 0};
    uint64_t rows = 0;
    sum_readings(queue_ss, &s_inv, &s_grid, &rows);
    if (rows < 5)
        fail_msg("%llu intervals committed:\n%s", (unsigned long long)rows, log);
    free(log);
    assert_int_equal(s_inv.intervals, rows);
    assert_int_equal(s_grid.intervals, rows);
    /* the inverter only exports; everything counted came from the registers */
    assert_int_equal(s_inv.import_mwh, 0);
    assert_true(s_inv.export_mwh > 0);
    assert_true(s_inv.export_mwh <= (int64_t)(wh - wh0) * 10000);
    assert_true(s_grid.import_mwh > 0 && s_grid.import_mwh <= (int64_t)(imp - imp0) * 1000);
    assert_true(s_grid.export_mwh > 0 && s_grid.export_mwh <= (int64_t)(exp - exp0) * 1000);
    /* the registers grow 3:1, and so does what the bridge saw of them */
    assert_true(s_grid.import_mwh >= 2 * s_grid.export_mwh);
    printf("sunspec run: %llu intervals, inverter %lld mWh out, meter %lld in / %lld out\n",
           (unsigned long long)rows, (long long)s_inv.export_mwh, (long long)s_grid.import_mwh,
           (long long)s_grid.export_mwh);
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s WATTLED WATTLE WATTLE-METER\n", argv[0]);
        return 2;
    }
    wattled = argv[1];
    wattle = argv[2];
    wattle_meter = argv[3];
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(outage_then_back),
        cmocka_unit_test(sunspec_modbus_run),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
