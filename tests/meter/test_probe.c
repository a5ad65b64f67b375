/*
 * test_probe.c — `wattle-meter probe` through every input of the bridge
 * (integration): a pty pair standing in for the serial port (115200 8N1 and
 * 9600 7E1 settings), a TCP stream served by the test (ser2net style), a
 * file, an MQTT subscription to a real mosquitto broker started on a
 * loopback port (a Tasmota message published to it, retained), a real
 * Modbus TCP server (libmodbus, modbus_server.c) serving SunSpec inverters
 * and meters, with devices that are down or answer garbage; and the
 * configuration errors `run` and `probe` share, each naming what is wrong.
 * argv[1] = wattle-meter, argv[2] = mosquitto (the broker).
 */
#include "proc.h"
#include "modbus_server.h"
#include "run_cmd.h"
#include "testutil.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <mosquitto.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

static char *wattle_meter, *mosquitto_bin;
static char tmp[256], config[400];

static const char telegram[] = "garbage before\r\n"
                               "/KFM5 WATTLE-2.2\r\n\r\n0-0:96.1.1(4D545231)\r\n"
                               "1-0:1.8.1(000123.456*kWh)\r\n1-0:1.8.2(000001.000*kWh)\r\n"
                               "1-0:2.8.1(000000.100*kWh)\r\n1-0:2.8.2(000000.500*kWh)\r\n!\r\n";

static void write_config(const char *meter_lines)
{
    FILE *f = fopen(config, "w");
    assert_non_null(f);
    fprintf(f,
            "[gateway]\nkey = %s/none.key\nnode = tcp://127.0.0.1:1\nchain_id = 5\n"
            "interval_ms = 60000\nqueue = %s/q.db\n\n%s",
            tmp, tmp, meter_lines);
    fclose(f);
}

static void probe(run_result *r, const char *extra)
{
    char *argv[8] = {wattle_meter, "probe", "--config", config, "--timeout-ms", "3000", NULL, NULL};
    if (extra != NULL) {
        argv[6] = "--meter";
        argv[7] = (char *)extra;
    }
    char *full[10];
    memcpy(full, argv, sizeof argv);
    full[8] = NULL;
    run_cmd(r, full, NULL);
}

static void expect_reading(run_result *r)
{
    if (r->status != 0 || strstr(r->out, "\"1-0:1.8.1\":123456000") == NULL ||
        strstr(r->out, "import_mwh=124456000 export_mwh=600000 meter_id=MTR-7") == NULL)
        fail_msg("status %d\nstdout: %s\nstderr: %s", r->status, r->out, r->err);
}

static int setup(void **state)
{
    (void)state;
    snprintf(tmp, sizeof tmp, "/tmp/wattle-probe-XXXXXX");
    if (mkdtemp(tmp) == NULL)
        return -1;
    snprintf(config, sizeof config, "%s/bridge.ini", tmp);
    signal(SIGPIPE, SIG_IGN);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    return system(cmd) == 0 ? 0 : -1;
}

static void serial_pty(void **state)
{
    (void)state;
    const char *bauds[2] = {"115200", "9600"};
    for (int b = 0; b < 2; b++) {
        int master = posix_openpt(O_RDWR | O_NOCTTY);
        assert_true(master >= 0);
        assert_int_equal(grantpt(master), 0);
        assert_int_equal(unlockpt(master), 0);
        const char *slave_name = ptsname(master);
        assert_non_null(slave_name);
        /* the line raw before any byte arrives, as a meter's port would be */
        int slave = open(slave_name, O_RDWR | O_NOCTTY);
        assert_true(slave >= 0);
        struct termios t;
        assert_int_equal(tcgetattr(slave, &t), 0);
        cfmakeraw(&t);
        assert_int_equal(tcsetattr(slave, TCSANOW, &t), 0);
        assert_int_equal(write(master, telegram, sizeof telegram - 1),
                         (ssize_t)sizeof telegram - 1);
        char lines[1024];
        snprintf(lines, sizeof lines,
                 "[p1]\nprotocol = dsmr\ninput = serial\naddress = %s\nbaud = %s\n"
                 "meter_id = MTR-7\n",
                 slave_name, bauds[b]);
        write_config(lines);
        run_result r;
        probe(&r, "p1");
        expect_reading(&r);
        run_result_free(&r);
        /* the bridge set the line as DSMR asks for */
        assert_int_equal(tcgetattr(slave, &t), 0);
        if (b == 0) {
            assert_int_equal(cfgetispeed(&t), B115200);
            assert_int_equal(t.c_cflag & CSIZE, CS8);
            assert_int_equal(t.c_cflag & PARENB, 0);
        } else {
            /* a pty keeps CS8 whatever is asked (Linux forces it), so the
             * 7E1 side shows as the speed and the stripped eighth bit */
            assert_int_equal(cfgetispeed(&t), B9600);
            assert_int_equal(t.c_iflag & ISTRIP, ISTRIP);
        }
        close(slave);
        close(master);
    }
    /* a path that is not a serial line */
    char lines[1024];
    snprintf(lines, sizeof lines,
             "[p1]\nprotocol = dsmr\ninput = serial\naddress = %s\nmeter_id = MTR-7\n", config);
    write_config(lines);
    run_result r;
    probe(&r, NULL);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "not a serial line"));
    run_result_free(&r);
}

static void tcp_stream(void **state)
{
    (void)state;
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(lfd >= 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = 0};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(listen(lfd, 4), 0);
    socklen_t len = sizeof sa;
    assert_int_equal(getsockname(lfd, (struct sockaddr *)&sa, &len), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int c = accept(lfd, NULL, NULL);
        /* sent in two pieces, as a serial-to-network server would */
        size_t half = sizeof telegram / 2;
        if (c < 0 || write(c, telegram, half) != (ssize_t)half)
            _exit(1);
        usleep(100000);
        if (write(c, telegram + half, sizeof telegram - 1 - half) < 0)
            _exit(1);
        usleep(300000);
        _exit(0);
    }
    close(lfd);
    char lines[512];
    snprintf(lines, sizeof lines,
             "[other]\nprotocol = sml\ninput = file\naddress = /nonexistent\nmeter_id = X\n\n"
             "[net]\nprotocol = dsmr\ninput = tcp\naddress = 127.0.0.1:%d\nmeter_id = MTR-7\n",
             ntohs(sa.sin_port));
    write_config(lines);
    run_result r;
    probe(&r, "net");
    expect_reading(&r);
    run_result_free(&r);
    waitpid(pid, NULL, 0);
    /* nobody listening any more */
    probe(&r, "net");
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "[net] cannot open its input"));
    run_result_free(&r);
}

static bool port_open(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool ok = fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
    if (fd >= 0)
        close(fd);
    return ok;
}

static void mqtt_broker(void **state)
{
    (void)state;
    int port = wt_proc_free_port();
    assert_true(port > 0);
    char conf[400], log[400];
    snprintf(conf, sizeof conf, "%s/mosquitto.conf", tmp);
    snprintf(log, sizeof log, "%s/mosquitto.log", tmp);
    FILE *f = fopen(conf, "w");
    assert_non_null(f);
    fprintf(f, "listener %d 127.0.0.1\nallow_anonymous true\npersistence false\n", port);
    fclose(f);
    char *argv[] = {mosquitto_bin, "-c", conf, NULL};
    pid_t broker = wt_proc_spawn(log, argv);
    assert_true(broker > 0);
    bool up = false;
    for (int i = 0; i < 100 && !up; i++) {
        up = port_open(port);
        if (!up)
            usleep(50000);
    }
    if (!up) {
        wt_proc_stop(&broker, SIGKILL);
        fail_msg("mosquitto did not listen on %d (see %s)", port, log);
    }
    /* a Tasmota device's SENSOR message, retained so the probe gets it on
     * subscribing; a STATE message on another topic is not subscribed */
    static const char payload[] =
        "{\"Time\":\"2026-11-24T10:00:00\",\"ENERGY\":{\"TotalStartTime\":\"2024-01-01T00:00:00\","
        "\"Total\":124.456,\"Yesterday\":1.5,\"Today\":0.5,\"ExportActive\":0.6,\"Power\":230,"
        "\"Voltage\":231,\"Current\":1.002}}";
    mosquitto_lib_init();
    struct mosquitto *pub = mosquitto_new(NULL, true, NULL);
    assert_non_null(pub);
    assert_int_equal(mosquitto_connect(pub, "127.0.0.1", port, 10), MOSQ_ERR_SUCCESS);
    int mid = 0;
    assert_int_equal(
        mosquitto_publish(pub, &mid, "tele/kitchen/SENSOR", (int)strlen(payload), payload, 1, true),
        MOSQ_ERR_SUCCESS);
    assert_int_equal(mosquitto_publish(pub, NULL, "tele/kitchen/STATE", 2, "{}", 1, true),
                     MOSQ_ERR_SUCCESS);
    for (int i = 0; i < 20; i++)
        mosquitto_loop(pub, 50, 1);
    mosquitto_disconnect(pub);
    mosquitto_destroy(pub);
    mosquitto_lib_cleanup();

    char lines[512];
    snprintf(lines, sizeof lines,
             "[t]\nprotocol = tasmota\ninput = mqtt\naddress = 127.0.0.1:%d/tele/+/SENSOR\n"
             "meter_id = MTR-7\n",
             port);
    write_config(lines);
    run_result r;
    probe(&r, "t");
    if (r.status != 0 || strstr(r.out, "\"1-0:1.8.0\":124456000") == NULL ||
        strstr(r.out, "\"meter_id\":\"kitchen\"") == NULL ||
        strstr(r.out, "import_mwh=124456000 export_mwh=600000 meter_id=MTR-7") == NULL)
        fail_msg("status %d\nstdout: %s\nstderr: %s", r.status, r.out, r.err);
    run_result_free(&r);
    /* MQTT carries Tasmota only; a malformed address */
    snprintf(lines, sizeof lines,
             "[t]\nprotocol = dsmr\ninput = mqtt\naddress = 127.0.0.1:%d/x\nmeter_id = M\n", port);
    write_config(lines);
    probe(&r, NULL);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "input mqtt carries Tasmota messages only"));
    run_result_free(&r);
    write_config("[t]\nprotocol = tasmota\ninput = mqtt\naddress = 127.0.0.1/x\nmeter_id = M\n");
    probe(&r, NULL);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "is not HOST:PORT/TOPIC"));
    run_result_free(&r);
    wt_proc_stop(&broker, SIGTERM);
}

/* probe with its own timeout (a failing Modbus device is retried until it) */
static void probe_within(run_result *r, const char *meter, const char *timeout_ms)
{
    char *argv[] = {wattle_meter,  "probe",        "--config",         config, "--meter",
                    (char *)meter, "--timeout-ms", (char *)timeout_ms, NULL};
    run_cmd(r, argv, NULL);
}

static void expect_probe(const char *meter, const char *timeout_ms, int status, const char *out,
                         const char *err)
{
    run_result r;
    probe_within(&r, meter, timeout_ms);
    if (r.status != status || (out != NULL && strstr(r.out, out) == NULL) ||
        (err != NULL && strstr(r.err, err) == NULL))
        fail_msg("[%s]: status %d (wanted %d)\nstdout: %s\nstderr: %s", meter, r.status, status,
                 r.out, r.err);
    run_result_free(&r);
}

/* A real Modbus TCP server (libmodbus, in this process) serving SunSpec maps
 * per unit id: an inverter, a meter, both in one chain, a map at 50000; and
 * devices that answer garbage or nothing. */
static void modbus_sunspec(void **state)
{
    (void)state;
    int port = 0, junk_port = 0;
    ss_server *server = ss_server_start(&port);
    assert_non_null(server);
    ss_garbage *junk = ss_garbage_start(&junk_port);
    assert_non_null(junk);
    int down_port = wt_proc_free_port(); /* nothing listens there */
    static ss_map map;
    ss_map_begin(&map, 40000); /* unit 1: a three-phase inverter */
    ss_map_common(&map, "Wattle", "INV-3000", "INV-SN-1", 0);
    ss_map_inverter(&map, 103, 2970876, 1);
    ss_map_end(&map);
    ss_server_set(server, 1, &map);
    ss_map_begin(&map, 40000); /* unit 2: a grid meter, TotWh_SF -1 */
    ss_map_common(&map, "Wattle", "GRID-3", "GRID-SN-2", 1);
    ss_map_meter(&map, 203, 123456, 7890, -1);
    ss_map_end(&map);
    ss_server_set(server, 2, &map);
    ss_map_begin(&map, 50000); /* unit 3: both in one chain, at 50000 */
    ss_map_common(&map, "Wattle", "HYBRID", "H-3", 0);
    ss_map_inverter(&map, 101, 1000, 0);
    ss_map_meter(&map, 201, 20, 30, 3);
    ss_map_end(&map);
    ss_server_set(server, 3, &map);
    ss_map_begin(&map, 40000); /* unit 5: registers, but no 'SunS' */
    ss_map_put(&map, 1, 0x6E54);
    ss_map_common(&map, "W", "M", "S", 0);
    ss_map_end(&map);
    ss_server_set(server, 5, &map);
    ss_map_begin(&map, 40000); /* unit 6: an inverter model of the wrong length */
    ss_map_common(&map, "W", "M", "S", 0);
    ss_map_model(&map, 101, 40);
    ss_map_end(&map);
    ss_server_set(server, 6, &map);
    ss_map_begin(&map, 40000); /* unit 7: no model that carries energy */
    ss_map_common(&map, "W", "M", "S", 0);
    ss_map_model(&map, 120, 26);
    ss_map_end(&map);
    ss_server_set(server, 7, &map);
    char lines[4096];
    int n = 0;
    static const struct {
        const char *name;
        int unit;
        const char *model;
    } sections[] = {{"inv", 1, "auto"},      {"grid", 2, "auto"},   {"hyb-inv", 3, "101"},
                    {"hyb", 3, "auto"},      {"nomark", 5, "auto"}, {"badlen", 6, "auto"},
                    {"noenergy", 7, "auto"}, {"nounit", 9, "auto"}};
    for (size_t i = 0; i < sizeof sections / sizeof sections[0]; i++)
        n += snprintf(lines + n, sizeof lines - (size_t)n,
                      "[%s]\nprotocol = sunspec\ninput = modbus-tcp\naddress = 127.0.0.1:%d\n"
                      "unit_id = %d\nsunspec_model = %s\npoll_interval_ms = 200\n"
                      "response_timeout_ms = 500\nmeter_id = M-%zu\n\n",
                      sections[i].name, port, sections[i].unit, sections[i].model, i);
    n += snprintf(lines + n, sizeof lines - (size_t)n,
                  "[down]\nprotocol = sunspec\ninput = modbus-tcp\naddress = 127.0.0.1:%d\n"
                  "poll_interval_ms = 200\nmeter_id = M-down\n\n"
                  "[junk]\nprotocol = sunspec\ninput = modbus-tcp\naddress = localhost:%d\n"
                  "poll_interval_ms = 200\nresponse_timeout_ms = 300\nmeter_id = M-junk\n",
                  down_port, junk_port);
    write_config(lines);
    /* WH 2970876 x 10^1 Wh, the model's points with it */
    expect_probe("inv", "5000", 0, "import_mwh=0 export_mwh=29708760000 meter_id=M-0", NULL);
    expect_probe("inv", "5000", 0, "\"meter_id\":\"INV-SN-1\"", NULL);
    expect_probe("inv", "5000", 0, "\"name\":\"inverter_three_phase\"", NULL);
    expect_probe("inv", "5000", 0, "\"W\":970,", NULL);
    expect_probe("inv", "5000", 0, "\"St\":\"MPPT\"", NULL);
    /* 123456 x 10^-1 Wh imported, 7890 x 10^-1 exported; a common model of 65 */
    expect_probe("grid", "5000", 0, "import_mwh=12345600 export_mwh=789000 meter_id=M-1", NULL);
    expect_probe("grid", "5000", 0, "\"1-0:1.8.0\":12345600,\"1-0:2.8.0\":789000", NULL);
    /* one chain, two models: chosen by sunspec_model, else the meter */
    expect_probe("hyb-inv", "5000", 0, "import_mwh=0 export_mwh=1000000 meter_id=M-2", NULL);
    expect_probe("hyb", "5000", 0, "import_mwh=20000000 export_mwh=30000000 meter_id=M-3", NULL);
    /* garbage: reported (what is wrong), retried, and in the end nothing read */
    expect_probe("nomark", "1200", 1, NULL, "no SunSpec 'SunS' marker at 40000, 50000, 0");
    expect_probe("badlen", "1200", 1, NULL, "model 101 at 40070 has length 40");
    expect_probe("noenergy", "1200", 1, NULL,
                 "no meter (201-204) or inverter (101-103) in the chain: 1 120");
    expect_probe("nounit", "1200", 1, NULL, "no SunSpec 'SunS' marker");
    expect_probe("down", "1200", 1, NULL, "Connection refused; trying again every 200 ms");
    expect_probe("junk", "1500", 1, NULL, "[junk] reading the marker at 40000");
    /* the device comes back: the next probe reads it */
    ss_map_begin(&map, 40000);
    ss_map_common(&map, "W", "M", "S", 0);
    ss_map_meter(&map, 202, 1, 2, 0);
    ss_map_end(&map);
    ss_server_set(server, 5, &map);
    expect_probe("nomark", "5000", 0, "import_mwh=1000 export_mwh=2000", NULL);
    assert_true(ss_server_requests(server, -1) > 20);
    ss_garbage_stop(junk);
    ss_server_stop(server);
    /* configuration errors of the SunSpec keys */
    static const struct {
        const char *lines, *err;
    } bad[] = {
        {"[m]\nprotocol = dsmr\ninput = modbus-tcp\naddress = h:1\nmeter_id = M\n",
         "modbus-tcp carries sunspec only"},
        {"[m]\nprotocol = sunspec\ninput = serial\naddress = /dev/x\nmeter_id = M\n",
         "protocol sunspec reads input modbus-tcp"},
        {"[m]\nsunspec_model = 120\n", "bad value for [m] sunspec_model: '120'"},
        {"[m]\nsunspec_model = 203:0\n", "bad value for [m] sunspec_model"},
        {"[m]\nunit_id = 256\n", "bad value for [m] unit_id"},
        {"[m]\npoll_interval_ms = 10\n", "bad value for [m] poll_interval_ms"},
        {"[m]\nprotocol = sunspec\ninput = modbus-tcp\naddress = nohost\nmeter_id = M\n",
         "modbus-tcp address 'nohost' is not HOST:PORT"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        write_config(bad[i].lines);
        run_result r;
        probe(&r, NULL);
        if (r.status != 2 || strstr(r.err, bad[i].err) == NULL)
            fail_msg("case %zu: status %d, stderr: %s", i, r.status, r.err);
        run_result_free(&r);
    }
}

static void file_and_config_errors(void **state)
{
    (void)state;
    char path[400], lines[1024];
    snprintf(path, sizeof path, "%s/p1.txt", tmp);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(telegram, f);
    fclose(f);
    snprintf(lines, sizeof lines,
             "[p1]\nprotocol = dsmr\ninput = file\naddress = %s\nmeter_id = MTR-7\n", path);
    write_config(lines);
    run_result r;
    probe(&r, NULL);
    expect_reading(&r);
    run_result_free(&r);
    probe(&r, "nope");
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "no meter section [nope]"));
    run_result_free(&r);
    /* a file with no telegram: status 1 */
    snprintf(path, sizeof path, "%s/empty.txt", tmp);
    f = fopen(path, "w");
    fclose(f);
    snprintf(lines, sizeof lines,
             "[p1]\nprotocol = dsmr\ninput = file\naddress = %s\nmeter_id = MTR-7\n", path);
    write_config(lines);
    probe(&r, NULL);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "no readable telegram"));
    run_result_free(&r);
    static const struct {
        const char *lines, *err;
    } bad[] = {
        {"[m]\nprotocol = modbus\n", "bad value for [m] protocol"},
        {"[m]\ninput = usb\n", "bad value for [m] input"},
        {"[m]\nmeter_id = has space\n", "bad value for [m] meter_id"},
        {"[m]\nbaud = 19200\n", "bad value for [m] baud"},
        {"[m]\ncolour = red\n", "unknown key [m] colour"},
        {"[m]\nprotocol = dsmr\n", "[m] needs protocol, input, address and meter_id"},
        {"", "missing a meter section"},
        {"[a]\nprotocol = dsmr\ninput = file\naddress = x\nmeter_id = M\n"
         "[b]\nprotocol = dsmr\ninput = file\naddress = y\nmeter_id = M\n",
         "meter_id M appears twice"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        write_config(bad[i].lines);
        probe(&r, NULL);
        if (r.status != 2 || strstr(r.err, bad[i].err) == NULL)
            fail_msg("case %zu: status %d, stderr: %s", i, r.status, r.err);
        run_result_free(&r);
    }
    /* the gateway section's own rules */
    f = fopen(config, "w");
    fprintf(f, "[gateway]\nnode = tcp://x:1\ninterval_ms = 5\n");
    fclose(f);
    probe(&r, NULL);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "line 3: bad value for [gateway] interval_ms"));
    run_result_free(&r);
    f = fopen(config, "w");
    fprintf(f, "[gateway]\nnode = tcp://x:1\n[m]\nprotocol = dsmr\n");
    fclose(f);
    probe(&r, NULL);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "missing [gateway] key"));
    run_result_free(&r);
    /* a path past libinih's line buffer: refused by its own line */
    f = fopen(config, "w");
    fprintf(f, "[gateway]\nnode = tcp://x:1\nqueue = /tmp/%0200d/q.db\n", 0);
    fclose(f);
    probe(&r, NULL);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "line 3: the line is longer than 198 characters"));
    run_result_free(&r);
    char *argv[] = {wattle_meter, "run", NULL};
    run_cmd(&r, argv, NULL);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "usage: wattle-meter run --config FILE"));
    run_result_free(&r);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s WATTLE-METER MOSQUITTO\n", argv[0]);
        return 2;
    }
    wattle_meter = argv[1];
    mosquitto_bin = argv[2];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(serial_pty),
        cmocka_unit_test(tcp_stream),
        cmocka_unit_test(mqtt_broker),
        cmocka_unit_test(modbus_sunspec),
        cmocka_unit_test(file_and_config_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
