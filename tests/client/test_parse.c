/* test_parse.c — the pure parsers of wattle's node-client commands
 * (wallet/cli/client_parse.h): exact amounts, prices, energies and
 * durations, and the readings CSV with its line-numbered errors. */
#include "client_parse.h"
#include "node_client.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_amounts_exact(void **state)
{
    (void)state;
    int64_t v;
    assert_int_equal(wt_cli_amount_parse(&v, "1250.5"), WT_OK);
    assert_int_equal(v, INT64_C(1250500000));
    assert_int_equal(wt_cli_amount_parse(&v, "0.000001"), WT_OK);
    assert_int_equal(v, 1);
    assert_int_equal(wt_cli_amount_parse(&v, "1,000"), WT_OK);
    assert_int_equal(v, INT64_C(1000000000));
    /* 0.1 + 0.2 style values stay exact */
    assert_int_equal(wt_cli_amount_parse(&v, "0.3"), WT_OK);
    assert_int_equal(v, 300000);
    assert_int_equal(wt_cli_amount_parse(&v, "9223372036854.775807"), WT_OK);
    assert_int_equal(v, INT64_MAX);
}

static void test_amounts_refused(void **state)
{
    (void)state;
    int64_t v = 5;
    const char *bad[] = {"",      "0",  "0.0", "-1", "1.0000001", "1e3",  "abc",
                         "1.2.3", " 1", "1 ",  ".",  "+1",        "0x10", "nan"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(wt_cli_amount_parse(&v, bad[i]), WT_ERR_BAD_NUMBER);
        assert_int_equal(v, 0);
    }
    assert_int_equal(wt_cli_amount_parse(&v, "9223372036854.775808"), WT_ERR_OVERFLOW);
    assert_int_equal(v, 0);
}

static void test_prices_energies(void **state)
{
    (void)state;
    int64_t v;
    assert_int_equal(wt_cli_price_parse(&v, "0"), WT_OK); /* a free price is a price */
    assert_int_equal(v, 0);
    assert_int_equal(wt_cli_price_parse(&v, "95.25"), WT_OK);
    assert_int_equal(v, 95250000);
    assert_int_equal(wt_cli_price_parse(&v, "-1"), WT_ERR_BAD_NUMBER);
    assert_int_equal(wt_cli_energy_kwh_parse(&v, "3.2"), WT_OK);
    assert_int_equal(v, 3200000); /* mWh */
    assert_int_equal(wt_cli_energy_kwh_parse(&v, "0.000001"), WT_OK);
    assert_int_equal(v, 1);
    assert_int_equal(wt_cli_energy_kwh_parse(&v, "0"), WT_ERR_BAD_NUMBER);
    assert_int_equal(wt_cli_energy_kwh_parse(&v, "0.0000001"), WT_ERR_BAD_NUMBER);
}

static void test_durations(void **state)
{
    (void)state;
    int64_t ms;
    assert_int_equal(wt_cli_duration_parse(&ms, "600"), WT_OK);
    assert_int_equal(ms, 600000);
    assert_int_equal(wt_cli_duration_parse(&ms, "90s"), WT_OK);
    assert_int_equal(ms, 90000);
    assert_int_equal(wt_cli_duration_parse(&ms, "10m"), WT_OK);
    assert_int_equal(ms, 600000);
    assert_int_equal(wt_cli_duration_parse(&ms, "2h"), WT_OK);
    assert_int_equal(ms, 7200000);
    assert_int_equal(wt_cli_duration_parse(&ms, "720h"), WT_OK);
    const char *bad[] = {"", "0", "m", "1.5m", "-5", "10d", "721h", "99999999999999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(wt_cli_duration_parse(&ms, bad[i]), WT_ERR_BAD_NUMBER);
        assert_int_equal(ms, 0);
    }
    uint64_t u;
    assert_int_equal(wt_cli_u64_parse(&u, "18446744073709551615"), WT_OK);
    assert_true(u == UINT64_MAX);
    assert_int_equal(wt_cli_u64_parse(&u, "18446744073709551616"), WT_ERR_OVERFLOW);
    assert_int_equal(wt_cli_u64_parse(&u, "1_000"), WT_ERR_BAD_NUMBER);
}

static wt_reading readings[WT_READINGS_MAX];

static wt_err parse(size_t *count, wt_readings_csv_error *err, const char *text)
{
    return wt_readings_csv_parse(readings, WT_READINGS_MAX, count, err, text, strlen(text));
}

static void test_readings_sorted(void **state)
{
    (void)state;
    size_t n;
    wt_readings_csv_error err;
    const char *csv = "meter,import_mwh,export_mwh\r\n"
                      "m-3,0,2500\r\n"
                      "m-1,1500,0\r\n"
                      "m-10,7,9223372036854775807\r\n"
                      "m-2,0,0"; /* no final newline */
    assert_int_equal(parse(&n, &err, csv), WT_OK);
    assert_int_equal(n, 4);
    const char *order[] = {"m-1", "m-10", "m-2", "m-3"}; /* byte order, shorter first */
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(readings[i].meter_id.len, strlen(order[i]));
        assert_memory_equal(readings[i].meter_id.bytes, order[i], strlen(order[i]));
    }
    assert_int_equal(readings[0].import_mwh, 1500);
    assert_int_equal(readings[1].export_mwh, INT64_MAX);
    assert_int_equal(readings[3].export_mwh, 2500);
    /* the sorted entries are what the codec accepts */
    wt_tx tx;
    wt_tx_init(&tx, WT_TX_READINGS);
    tx.chain_id = 1;
    tx.nonce = 1;
    tx.expiry_ms = 1;
    tx.body.readings.interval = 5;
    tx.body.readings.count = (uint16_t)n;
    tx.body.readings.entries = readings;
    const char *field = NULL;
    assert_int_equal(wt_tx_check(&field, &tx), WT_OK);
}

/* Each malformed input: the error names the right line. */
static void test_readings_errors(void **state)
{
    (void)state;
    struct {
        const char *csv;
        size_t line;
        const char *needle;
    } cases[] = {
        {"", 0, "header"},
        {"meter,import_mwh,export_mwh\n", 0, "no readings"},
        {"meter,import,export\nm,1,1\n", 1, "header"},
        {"meter,import_mwh,export_mwh\nm-1,1,1\n\nm-2,1,1\n", 3, "empty line"},
        {"meter,import_mwh,export_mwh\nm-1,1,1\nm-2,1\n", 3, "3 fields"},
        {"meter,import_mwh,export_mwh\nm-1,1,1,1\n", 2, "3 fields"},
        {"meter,import_mwh,export_mwh\nm 1,1,1\n", 2, "meter id"},
        {"meter,import_mwh,export_mwh\n,1,1\n", 2, "meter id"},
        {"meter,import_mwh,export_mwh\nabcdefghijabcdefghijabcdefghijabc,1,1\n", 2, "meter id"},
        {"meter,import_mwh,export_mwh\nm-1,-5,0\n", 2, "import_mwh"},
        {"meter,import_mwh,export_mwh\nm-1,1.5,0\n", 2, "import_mwh"},
        {"meter,import_mwh,export_mwh\nm-1,0,\n", 2, "export_mwh"},
        {"meter,import_mwh,export_mwh\nm-1,0,9223372036854775808\n", 2, "export_mwh"},
        {"meter,import_mwh,export_mwh\nm-2,0,1\nm-1,0,1\nm-2,5,5\n", 4, "first on line 2"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n = 99;
        wt_readings_csv_error err;
        wt_err e = parse(&n, &err, cases[i].csv);
        if (e != WT_ERR_BAD_CSV || err.line != cases[i].line ||
            strstr(err.message, cases[i].needle) == NULL)
            fail_msg("case %zu: got %s line %zu '%s'", i, wt_errname(e), err.line, err.message);
        assert_int_equal(n, 0);
    }
}

static void test_readings_capacity(void **state)
{
    (void)state;
    static char csv[WT_READINGS_MAX * 24 + 64];
    size_t at = (size_t)snprintf(csv, sizeof csv, "meter,import_mwh,export_mwh\n");
    for (int i = WT_READINGS_MAX; i >= 0; i--) /* one more than allowed, in reverse order */
        at += (size_t)snprintf(csv + at, sizeof csv - at, "m%05d,%d,0\n", i, i);
    size_t n;
    wt_readings_csv_error err;
    assert_int_equal(parse(&n, &err, csv), WT_ERR_CAPACITY);
    assert_int_equal(err.line, WT_READINGS_MAX + 2);
    /* exactly the maximum, reversed: sorted on the way in */
    char *last = strrchr(csv, 'm');
    *last = '\0';
    assert_int_equal(parse(&n, &err, csv), WT_OK);
    assert_int_equal(n, WT_READINGS_MAX);
    for (size_t i = 1; i < n; i++)
        assert_true(memcmp(readings[i - 1].meter_id.bytes, readings[i].meter_id.bytes, 6) < 0);
    /* a smaller caller capacity is honoured */
    assert_int_equal(wt_readings_csv_parse(readings, 3, &n, &err, csv, strlen(csv)),
                     WT_ERR_CAPACITY);
    assert_int_equal(err.line, 5);
}

/* --node URLs: what is accepted, what each part becomes, what is refused. */
static void test_node_urls(void **state)
{
    (void)state;
    wt_node_client c;
    wt_node_error e;
    assert_int_equal(wt_node_client_init(&c, &e, "http://node.campus:8080", 0), WT_OK);
    assert_int_equal(c.kind, WT_NODE_HTTP);
    assert_string_equal(c.host, "node.campus");
    assert_int_equal(c.port, 8080);
    assert_int_equal(c.timeout_ms, WT_NODE_TIMEOUT_MS_DEFAULT);
    assert_int_equal(wt_node_client_init(&c, &e, "http://[::1]:9/", 250), WT_OK);
    assert_string_equal(c.host, "::1");
    assert_int_equal(c.port, 9);
    assert_int_equal(c.timeout_ms, 250);
    assert_int_equal(wt_node_client_init(&c, &e, "http://10.0.0.7", 0), WT_OK);
    assert_int_equal(c.port, 80);
    assert_int_equal(wt_node_client_init(&c, &e, "tcp://127.0.0.1:5555", 0), WT_OK);
    assert_int_equal(c.kind, WT_NODE_NNG);
    assert_int_equal(wt_node_client_init(&c, &e, "ipc:///run/wattled.sock", 0), WT_OK);
    assert_int_equal(c.kind, WT_NODE_NNG);
    const char *bad[] = {"ftp://x:1",      "http://",        "http://:80",     "http://h:0",
                         "http://h:65536", "http://h:8a",    "http://h:80/v1", "tcp://",
                         "HTTP://h:1",     "http://[::1:80", "127.0.0.1:8080"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (wt_node_client_init(&c, &e, bad[i], 0) != WT_ERR_INVALID_ARGUMENT)
            fail_msg("'%s' was accepted", bad[i]);
        assert_int_equal(c.kind, 0);
        assert_true(strlen(e.message) > 0);
    }
    /* no URL: $WATTLE_NODE, else the default */
    setenv("WATTLE_NODE", "tcp://10.1.1.1:7", 1);
    assert_int_equal(wt_node_client_init(&c, &e, NULL, 0), WT_OK);
    assert_string_equal(c.url, "tcp://10.1.1.1:7");
    unsetenv("WATTLE_NODE");
    assert_int_equal(wt_node_client_init(&c, &e, NULL, 0), WT_OK);
    assert_string_equal(c.url, WT_NODE_URL_DEFAULT);
    /* reads need HTTP: an nng node says so without any I/O */
    assert_int_equal(wt_node_client_init(&c, &e, "tcp://127.0.0.1:1", 0), WT_OK);
    char *body;
    size_t len;
    assert_int_equal(wt_node_get(&c, &e, &body, &len, "/v1/chain"), WT_ERR_UNAVAILABLE);
    assert_null(body);
    assert_string_equal(e.code, "unavailable");
    assert_non_null(strstr(e.message, "needs an http:// node"));
}

int main(void)
{
    wt_test_route_asserts();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_amounts_exact),     cmocka_unit_test(test_amounts_refused),
        cmocka_unit_test(test_prices_energies),   cmocka_unit_test(test_durations),
        cmocka_unit_test(test_readings_sorted),   cmocka_unit_test(test_readings_errors),
        cmocka_unit_test(test_readings_capacity), cmocka_unit_test(test_node_urls),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
