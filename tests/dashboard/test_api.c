/* test_api.c — what wattled serves for the dashboard (integration), against
 * a real daemon with real activity (fixture.h): the page's files (types,
 * Content-Security-Policy, ETag and 304, methods), GET /v1/stats against
 * /v1/chain and the activity, GET /v1/txs (newest first, pages, summaries,
 * errors), GET /v1/accounts/{a}/settlements against the sum of the same
 * account's rows in /v1/settlements, and the background audit on request
 * (202, its result, 429 inside min_gap_s). argv[1] = wattled, argv[2] =
 * wattle. */
#include "fixture.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *wattled_path, *wattle_path;
static dash_fx fx;

static int setup(void **state)
{
    (void)state;
    /* no periodic audit: the test asks for them; requests 2 s apart */
    dash_fx_start(&fx, wattled_path, wattle_path, 1000, 4, "[audit]\nevery_s = 0\nmin_gap_s = 2\n");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    dash_fx_stop(&fx);
    return 0;
}

static void expect_error(const char *method, const char *path, int status, const char *code,
                         const char *field)
{
    json_t *doc = dash_json(&fx, method, path, status);
    json_t *e = json_object_get(doc, "error");
    assert_true(json_is_object(e));
    assert_string_equal(json_string_value(json_object_get(e, "code")), code);
    assert_true(json_is_string(json_object_get(e, "message")));
    if (field != NULL)
        assert_string_equal(json_string_value(json_object_get(e, "field")), field);
    json_decref(doc);
}

static wt_proc_reply get_raw(const char *method, const char *path, const char *headers)
{
    wt_proc_reply r;
    assert_int_equal(
        wt_proc_http(&r, "127.0.0.1", fx.d.http_port, method, path, headers, NULL, 10000), 0);
    return r;
}

static void expect_header(const wt_proc_reply *r, const char *name, const char *needle)
{
    char v[512];
    if (!wt_proc_reply_header(v, sizeof v, r, name))
        fail_msg("no %s header in:\n%s", name, r->head);
    if (strstr(v, needle) == NULL)
        fail_msg("%s: '%s' lacks '%s'", name, v, needle);
}

/* ---------------------------------------------------------------- files */

static void test_page_files(void **state)
{
    (void)state;
    wt_proc_reply r = get_raw("GET", "/", NULL);
    assert_int_equal(r.status, 200);
    expect_header(&r, "Content-Type", "text/html; charset=utf-8");
    expect_header(&r, "Content-Security-Policy", "default-src 'none'");
    expect_header(&r, "Content-Security-Policy", "script-src 'self'");
    expect_header(&r, "Content-Security-Policy", "frame-ancestors 'none'");
    expect_header(&r, "X-Content-Type-Options", "nosniff");
    expect_header(&r, "Cache-Control", "no-cache");
    assert_non_null(strstr(r.body, "<script src=\"/app.js\""));
    char etag[64], cond[128];
    assert_true(wt_proc_reply_header(etag, sizeof etag, &r, "ETag"));
    assert_true(etag[0] == '"' && strlen(etag) == 18);
    wt_proc_reply_free(&r);
    /* revalidation: the same tag gives 304 without a body, another one 200 */
    snprintf(cond, sizeof cond, "If-None-Match: %s\r\n", etag);
    r = get_raw("GET", "/", cond);
    assert_int_equal(r.status, 304);
    assert_int_equal(r.body_len, 0);
    wt_proc_reply_free(&r);
    r = get_raw("GET", "/", "If-None-Match: \"0000000000000000\"\r\n");
    assert_int_equal(r.status, 200);
    wt_proc_reply_free(&r);
    static const struct {
        const char *path, *type, *needle;
    } files[] = {{"/app.js", "text/javascript; charset=utf-8", "WattleExact"},
                 {"/exact.js", "text/javascript; charset=utf-8", "BigInt"},
                 {"/style.css", "text/css; charset=utf-8", "@media"},
                 {"/favicon.svg", "image/svg+xml", "<svg"}};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        r = get_raw("GET", files[i].path, NULL);
        assert_int_equal(r.status, 200);
        expect_header(&r, "Content-Type", files[i].type);
        expect_header(&r, "Content-Security-Policy", "default-src 'none'");
        assert_non_null(strstr(r.body, files[i].needle));
        char other[64];
        assert_true(wt_proc_reply_header(other, sizeof other, &r, "ETag"));
        assert_string_not_equal(other, etag); /* a tag per content */
        wt_proc_reply_free(&r);
    }
    r = get_raw("GET", "/style.css", NULL);
    char css_len[24];
    snprintf(css_len, sizeof css_len, "%zu", r.body_len);
    wt_proc_reply_free(&r);
    r = get_raw("HEAD", "/style.css", NULL);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body_len, 0);
    expect_header(&r, "Content-Length", css_len);
    expect_header(&r, "Content-Type", "text/css");
    wt_proc_reply_free(&r);
    r = get_raw("POST", "/", NULL);
    assert_int_equal(r.status, 405);
    expect_header(&r, "Allow", "GET, HEAD");
    assert_non_null(strstr(r.body, "\"method_not_allowed\""));
    wt_proc_reply_free(&r);
    expect_error("GET", "/missing.js", 404, "not_found", NULL);
    expect_error("GET", "/index.html/", 404, "not_found", NULL);
}

/* ---------------------------------------------------------------- stats */

static void test_stats(void **state)
{
    (void)state;
    json_t *chain = dash_json(&fx, "GET", "/v1/chain", 200);
    json_t *s = dash_json(&fx, "GET", "/v1/stats", 200);
    int64_t h0 = dash_int(chain, "height"), h = dash_int(s, "height");
    assert_true(h >= h0 && h <= h0 + 1); /* a block may close in between */
    assert_int_equal(dash_int(s, "interval_ms"), 1000);
    assert_true(dash_int(s, "next_interval") > (int64_t)fx.last_reading);
    assert_true(dash_int(s, "interval_lag") <= 1);
    assert_true(dash_int(s, "intervals_closed_total") >= 6);
    json_t *t = json_object_get(s, "txs");
    /* registrations, mints, standings, readings and payments all committed */
    assert_true(dash_int(t, "accepted_total") >= 2 + 3 * DASH_HOMES + 1 + 4 + 2);
    assert_true(dash_int(s, "ledger_seq") >= dash_int(t, "accepted_total"));
    json_t *why = json_object_get(t, "rejected_by_reason");
    assert_int_equal(dash_int(why, "insufficient_funds"), 1);
    assert_int_equal(dash_int(t, "rejected_total"), 1);
    json_t *rate = json_object_get(t, "rate_60s");
    assert_true(json_is_object(rate));
    assert_true(dash_int(rate, "ms") > 500 && dash_int(rate, "ms") <= 60000);
    assert_true(dash_int(rate, "txs") >= 0);
    assert_true(json_is_object(json_object_get(s, "audit")));
    json_decref(chain);
    json_decref(s);
    expect_error("POST", "/v1/stats", 405, "method_not_allowed", NULL);
}

/* ------------------------------------------------------------------ txs */

static void test_latest_txs(void **state)
{
    (void)state;
    json_t *page = dash_json(&fx, "GET", "/v1/txs?limit=5", 200);
    json_t *txs = json_object_get(page, "txs");
    assert_int_equal(json_array_size(txs), 5);
    int64_t last = dash_int(page, "last_seq");
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(dash_int(json_array_get(txs, i), "seq"), last - (int64_t)i);
    int64_t next = dash_int(page, "next_before_seq");
    assert_int_equal(next, last - 4);
    char path[96];
    snprintf(path, sizeof path, "/v1/txs?limit=100&before_seq=%lld", (long long)next);
    json_t *older = dash_json(&fx, "GET", path, 200);
    json_t *otxs = json_object_get(older, "txs");
    assert_true(json_array_size(otxs) > 10);
    assert_int_equal(dash_int(json_array_get(otxs, 0), "seq"), next - 1);
    /* every type summarised; arrays of READINGS and SETTLE left out */
    bool saw_latte = false, saw_readings = false, saw_settle = false;
    for (json_t *list = txs; list != NULL; list = list == txs ? otxs : NULL)
        for (size_t i = 0; i < json_array_size(list); i++) {
            json_t *e = json_array_get(list, i);
            assert_true(dash_int(e, "height") >= 1);
            json_t *tx = json_object_get(e, "tx");
            const char *type = json_string_value(json_object_get(tx, "type"));
            assert_non_null(type);
            assert_int_equal(strlen(json_string_value(json_object_get(tx, "txid"))), 64);
            if (strcmp(type, "readings") == 0 || strcmp(type, "settle") == 0) {
                assert_null(json_object_get(tx, "readings"));
                assert_null(json_object_get(tx, "legs"));
                assert_true(dash_int(tx, "interval") > 0);
                saw_readings |=
                    strcmp(type, "readings") == 0 && dash_int(tx, "count") == DASH_HOMES;
                saw_settle |= strcmp(type, "settle") == 0 && dash_int(tx, "count") > 0;
            }
            const char *memo = json_string_value(json_object_get(tx, "memo"));
            if (memo != NULL && strcmp(memo, "latte") == 0) {
                assert_int_equal(dash_int(tx, "amount_micro"), 3500000);
                assert_string_equal(json_string_value(json_object_get(tx, "to")), fx.cafe);
                saw_latte = true;
            }
        }
    assert_true(saw_latte && saw_readings && saw_settle);
    json_decref(page);
    json_decref(older);
    /* the first page ends at seq 1 */
    json_t *first = dash_json(&fx, "GET", "/v1/txs?limit=3&before_seq=3", 200);
    assert_int_equal(json_array_size(json_object_get(first, "txs")), 2);
    assert_true(json_is_null(json_object_get(first, "next_before_seq")));
    json_decref(first);
    expect_error("GET", "/v1/txs?limit=0", 400, "bad_number", "limit");
    expect_error("GET", "/v1/txs?limit=101", 400, "bad_number", "limit");
    expect_error("GET", "/v1/txs?limit=ten", 400, "bad_number", "limit");
    expect_error("GET", "/v1/txs?before_seq=-1", 400, "bad_number", "before_seq");
    wt_proc_reply r = get_raw("PUT", "/v1/txs", NULL);
    assert_int_equal(r.status, 405);
    expect_header(&r, "Allow", "GET, HEAD, POST");
    wt_proc_reply_free(&r);
    /* POST /v1/txs still takes submissions */
    expect_error("POST", "/v1/txs", 400, "bad_json", NULL);
}

/* ---------------------------------------------------- account settlements */

static void test_account_settlements(void **state)
{
    (void)state;
    /* the rows of home01 (PV, north) summed from the settlements endpoint */
    static const char *const cols[] = {
        "import_mwh",     "export_mwh",          "bought_p2p_mwh",      "sold_p2p_mwh",
        "paid_p2p_micro", "received_p2p_micro",  "grid_fee_micro",      "retail_mwh",
        "retail_micro",   "feed_in_mwh",         "feed_in_micro",       "net_micro",
        "bid_cut_mwh",    "retail_unpaid_micro", "feed_in_unpaid_micro"};
    enum { COLS = sizeof cols / sizeof cols[0] };
    for (int who = 0; who < 2; who++) {
        const char *addr = fx.home[who];
        char path[160];
        snprintf(path, sizeof path, "/v1/accounts/%s/settlements?limit=100", addr);
        json_t *a = dash_json(&fx, "GET", path, 200);
        assert_string_equal(json_string_value(json_object_get(a, "address")), addr);
        int64_t from = dash_int(a, "from_interval"), to = dash_int(a, "to_interval");
        snprintf(path, sizeof path, "/v1/settlements?from=%lld&to=%lld", (long long)from,
                 (long long)to);
        json_t *all = dash_json(&fx, "GET", path, 200);
        int64_t sum[COLS] = {0}, rows = 0, intervals = 0;
        json_t *sts = json_object_get(all, "settlements");
        assert_int_equal(json_array_size(sts), dash_int(a, "intervals_kept"));
        for (size_t i = 0; i < json_array_size(sts); i++) {
            json_t *st = json_array_get(sts, i), *rr = json_object_get(st, "rows");
            bool any = false;
            for (size_t j = 0; j < json_array_size(rr); j++) {
                json_t *row = json_array_get(rr, j);
                if (strcmp(json_string_value(json_object_get(row, "account")), addr) != 0)
                    continue;
                any = true;
                rows++;
                for (size_t c = 0; c < COLS; c++)
                    sum[c] += dash_int(row, cols[c]);
            }
            intervals += any;
        }
        json_t *totals = json_object_get(a, "totals");
        for (size_t c = 0; c < COLS; c++)
            if (dash_int(totals, cols[c]) != sum[c])
                fail_msg("%s: %s total %lld, rows sum to %lld", addr, cols[c],
                         (long long)dash_int(totals, cols[c]), (long long)sum[c]);
        assert_int_equal(dash_int(a, "intervals_with_rows"), intervals);
        assert_int_equal(json_array_size(json_object_get(a, "rows")), rows);
        assert_true(rows >= 3);
        /* home01 sells to neighbours, home02 buys from them */
        assert_true(dash_int(totals, who == 0 ? "sold_p2p_mwh" : "bought_p2p_mwh") > 0);
        /* newest first, without the account column */
        json_t *rr = json_object_get(a, "rows");
        for (size_t j = 0; j + 1 < json_array_size(rr); j++)
            assert_true(dash_int(json_array_get(rr, j), "interval") >=
                        dash_int(json_array_get(rr, j + 1), "interval"));
        assert_null(json_object_get(json_array_get(rr, 0), "account"));
        assert_string_equal(json_string_value(json_object_get(json_array_get(rr, 0), "zone")),
                            "north");
        json_decref(a);
        json_decref(all);
    }
    /* limit 0: the totals alone; an account nobody used: zeros */
    char path[160];
    snprintf(path, sizeof path, "/v1/accounts/%s/settlements?limit=0", fx.home[0]);
    json_t *a = dash_json(&fx, "GET", path, 200);
    assert_int_equal(json_array_size(json_object_get(a, "rows")), 0);
    assert_true(dash_int(json_object_get(a, "totals"), "sold_p2p_mwh") > 0);
    json_decref(a);
    snprintf(path, sizeof path, "/v1/accounts/%s/settlements", fx.whale);
    a = dash_json(&fx, "GET", path, 200);
    assert_int_equal(dash_int(a, "intervals_with_rows"), 0);
    assert_int_equal(dash_int(json_object_get(a, "totals"), "net_micro"), 0);
    json_decref(a);
    expect_error("GET", "/v1/accounts/uc1nope/settlements", 400, "wrong_address_length", "address");
    snprintf(path, sizeof path, "/v1/accounts/%s/settlements?limit=101", fx.home[0]);
    expect_error("GET", path, 400, "bad_number", "limit");
    snprintf(path, sizeof path, "/v1/accounts/%s/settlements", fx.home[0]);
    expect_error("DELETE", path, 405, "method_not_allowed", NULL);
    expect_error("GET", "/v1/accounts//settlements", 404, "not_found", NULL);
}

/* ---------------------------------------------------------------- audit */

static json_t *wait_audit_runs(int64_t runs)
{
    for (int i = 0; i < 600; i++) { /* at most 60 s */
        json_t *a = dash_json(&fx, "GET", "/v1/audit", 200);
        if (dash_int(a, "runs") >= runs &&
            strcmp(json_string_value(json_object_get(a, "state")), "idle") == 0)
            return a;
        json_decref(a);
        wt_proc_sleep_ms(100);
    }
    fail_msg("the audit did not finish in 60 s");
    return NULL;
}

static void test_audit_on_request(void **state)
{
    (void)state;
    json_t *a = dash_json(&fx, "GET", "/v1/audit", 200);
    assert_string_equal(json_string_value(json_object_get(a, "state")), "idle");
    assert_int_equal(dash_int(a, "runs"), 0); /* every_s = 0: none by itself */
    assert_true(json_is_null(json_object_get(a, "last")));
    assert_true(json_is_null(json_object_get(a, "next_ms")));
    json_decref(a);
    json_t *chain = dash_json(&fx, "GET", "/v1/chain", 200);
    int64_t height = dash_int(chain, "height");
    json_decref(chain);
    a = dash_json(&fx, "POST", "/v1/audit", 202);
    const char *st = json_string_value(json_object_get(a, "state"));
    assert_true(strcmp(st, "requested") == 0 || strcmp(st, "running") == 0);
    json_decref(a);
    a = wait_audit_runs(1);
    json_t *last = json_object_get(a, "last");
    assert_string_equal(json_string_value(json_object_get(last, "result")), "ok");
    assert_string_equal(json_string_value(json_object_get(last, "code")), "ok");
    assert_true(dash_int(last, "height") >= height);
    assert_int_equal(dash_int(last, "blocks"), dash_int(last, "height") + 1);
    assert_true(dash_int(last, "txs") > 20);
    assert_true(dash_int(last, "finished_ms") >= dash_int(last, "started_ms"));
    assert_true(dash_int(last, "minted_micro") >= DASH_WHALE_MICRO);
    assert_true(dash_int(last, "balances_micro") + dash_int(last, "holds_micro") ==
                dash_int(last, "minted_micro") - dash_int(last, "burned_micro"));
    json_decref(a);
    /* inside min_gap_s (2 s) another request is refused, after it taken */
    expect_error("POST", "/v1/audit", 429, "capacity", NULL);
    wt_proc_sleep_ms(2100);
    json_decref(dash_json(&fx, "POST", "/v1/audit", 202));
    json_decref(wait_audit_runs(2));
    expect_error("PUT", "/v1/audit", 405, "method_not_allowed", NULL);
    /* /v1/stats carries the same status */
    json_t *s = dash_json(&fx, "GET", "/v1/stats", 200);
    assert_int_equal(dash_int(json_object_get(s, "audit"), "runs"), 2);
    json_decref(s);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s WATTLED WATTLE\n", argv[0]);
        return 2;
    }
    wattled_path = argv[1];
    wattle_path = argv[2];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_page_files),       cmocka_unit_test(test_stats),
        cmocka_unit_test(test_latest_txs),       cmocka_unit_test(test_account_settlements),
        cmocka_unit_test(test_audit_on_request),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
