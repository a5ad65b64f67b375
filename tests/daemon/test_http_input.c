/* test_http_input.c — the pure HTTP input of wattled (engine/daemon/
 * http_input.c): every answer POST /v1/txs can give before anything reaches
 * the node, and which peers count as loopback for the admin paths. */
#include "daemon.h"
#include "testutil.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

static void expect_refused(const char *body, size_t max, int status, wt_err err, const char *field)
{
    wt_http_txs t;
    assert_int_equal(wt_http_txs_parse(&t, body, strlen(body), max), err);
    if (t.status != status || t.err != err || strcmp(t.field, field) != 0)
        fail_msg("%s: status %d %s field '%s'", body, t.status, wt_errname(t.err), t.field);
    assert_true(t.message[0] != '\0');
    assert_null(t.raws);
    assert_int_equal(t.count, 0);
    wt_http_txs_free(&t);
}

static void test_txs_refusals(void **state)
{
    (void)state;
    expect_refused("", 8, 400, WT_ERR_BAD_JSON, "");
    expect_refused("{\"txs\": [", 8, 400, WT_ERR_BAD_JSON, "");
    expect_refused("{\"txs\":[\"00\"],\"txs\":[\"01\"]}", 8, 400, WT_ERR_BAD_JSON, "");
    expect_refused("[1,2]", 8, 400, WT_ERR_BAD_REQUEST, "txs");
    expect_refused("{\"tx\":[\"00\"]}", 8, 400, WT_ERR_BAD_REQUEST, "txs");
    expect_refused("{\"txs\":\"00\"}", 8, 400, WT_ERR_BAD_REQUEST, "txs");
    expect_refused("{\"txs\":[]}", 8, 400, WT_ERR_BAD_REQUEST, "txs");
    expect_refused("{\"txs\":[\"00\",\"01\",\"02\"]}", 2, 413, WT_ERR_TOO_LARGE, "txs");
    expect_refused("{\"txs\":[\"00\",42]}", 8, 400, WT_ERR_BAD_REQUEST, "txs[1]");
    expect_refused("{\"txs\":[\"00\",\"zz\"]}", 8, 400, WT_ERR_BAD_HEX, "txs[1]");
    expect_refused("{\"txs\":[\"abc\"]}", 8, 400, WT_ERR_BAD_LENGTH, "txs[0]");
    expect_refused("{\"txs\":[\"\"]}", 8, 400, WT_ERR_BAD_LENGTH, "txs[0]");
    /* jansson refuses \u0000 in strings: a NUL cannot cut an entry short */
    expect_refused("{\"txs\":[\"ab\\u0000cd\"]}", 8, 400, WT_ERR_BAD_JSON, "");
}

static void test_txs_accepted(void **state)
{
    (void)state;
    const char *body = "{\"txs\":[\"00ff\",\"ABcd01\"],\"other\":1}";
    wt_http_txs t;
    assert_int_equal(wt_http_txs_parse(&t, body, strlen(body), 2), WT_OK);
    assert_int_equal(t.status, 200);
    assert_int_equal(t.count, 2);
    assert_int_equal(t.lens[0], 2);
    assert_memory_equal(t.raws[0], "\x00\xff", 2);
    assert_int_equal(t.lens[1], 3);
    assert_memory_equal(t.raws[1], "\xab\xcd\x01", 3);
    wt_http_txs_free(&t);
    assert_null(t.raws);
}

static bool v4(const char *text)
{
    struct sockaddr_in sa = {.sin_family = AF_INET};
    assert_int_equal(inet_pton(AF_INET, text, &sa.sin_addr), 1);
    return wt_http_addr_is_loopback((struct sockaddr *)&sa);
}

static bool v6(const char *text)
{
    struct sockaddr_in6 sa = {.sin6_family = AF_INET6};
    assert_int_equal(inet_pton(AF_INET6, text, &sa.sin6_addr), 1);
    return wt_http_addr_is_loopback((struct sockaddr *)&sa);
}

static void test_loopback_and_admin(void **state)
{
    (void)state;
    assert_true(v4("127.0.0.1"));
    assert_true(v4("127.255.0.9"));
    assert_false(v4("128.0.0.1"));
    assert_false(v4("10.0.0.1"));
    assert_false(v4("0.0.0.0"));
    assert_false(v4("126.255.255.255"));
    assert_true(v6("::1"));
    assert_true(v6("::ffff:127.0.0.1"));
    assert_false(v6("::ffff:10.0.0.1"));
    assert_false(v6("::2"));
    assert_false(v6("fe80::1"));
    struct sockaddr_un un = {.sun_family = AF_UNIX};
    assert_false(wt_http_addr_is_loopback((struct sockaddr *)&un));
    assert_false(wt_http_addr_is_loopback(NULL));
    assert_true(wt_http_path_is_admin("/metrics", true));
    assert_true(wt_http_path_is_admin("/metrics", false));
    assert_false(wt_http_path_is_admin("/metrics/", true));
    assert_false(wt_http_path_is_admin("/healthz", true));
    assert_false(wt_http_path_is_admin("/v1/chain", true));
    assert_false(wt_http_path_is_admin("/v1/txs", false)); /* submitting is public */
    assert_true(wt_http_path_is_admin("/v1/audit", false));
    assert_false(wt_http_path_is_admin("/v1/audit", true));
    assert_false(wt_http_path_is_admin("/v1/audit/", false));
}

int main(void)
{
    wt_test_route_asserts();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_txs_refusals),
        cmocka_unit_test(test_txs_accepted),
        cmocka_unit_test(test_loopback_and_admin),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
