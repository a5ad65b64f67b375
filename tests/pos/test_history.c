/* test_history.c — a merchant's account history (integration): a chain made
 * by `wattle chain init`, `wattled` on free loopback ports, a merchant
 * registered by the operator and a customer paying it 2,500 times (signed
 * here, submitted in batches); then GET /v1/accounts/{a}/txs page by page
 * (complete, newest first, exact amounts, the cursor), its time range at
 * the exact boundaries, its refusals, the same answers after a crash and
 * after a clean restart, the merchant's registered name, and
 * `wattle-pos report` over more than one page and across a day's boundary
 * (--utc-offset). argv[1] = wattled, argv[2] = wattle, argv[3] = wattle-pos. */
#include "node_client.h"
#include "pos.h"
#include "proc.h"
#include "run_cmd.h"
#include "testutil.h"
#include "wallet.h"

#include <inttypes.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CHAIN_ID 4545u
#define SALES    2500 /* more than two pages of the largest (1,000) */
#define BATCH    500
#define DAY_MS   86400000

static char *wattled, *wattle, *wattle_pos;
static char tmp[256], chain[300], shop_key_path[400];
static char shop_addr[WT_ADDRESS_CHARS + 1], cust_addr[WT_ADDRESS_CHARS + 1];
static wt_wattled node;
static wt_node_client client;
static wt_ctx *ctx;
static wt_seckey operator_key, issuer, shop, customer;
static uint64_t operator_nonce, issuer_nonce, customer_nonce;
static json_t *listing; /* the shop's whole history, newest first, once paid */
static int64_t sales_total_micro;

/* ------------------------------------------------------------- helpers */

typedef struct {
    uint8_t raw[512];
    size_t len;
} signed_tx;

static void sign(signed_tx *out, wt_tx *tx, const wt_seckey *key, uint64_t *nonce)
{
    tx->chain_id = CHAIN_ID;
    tx->nonce = ++*nonce;
    memcpy(tx->sender, key->pubkey, 32);
    tx->expiry_ms = wt_now_ms() + 600000;
    uint8_t txid[32];
    const char *field = NULL;
    assert_int_equal(wt_tx_sign(ctx, txid, tx, key), WT_OK);
    assert_int_equal(wt_tx_encode(out->raw, sizeof out->raw, &out->len, &field, tx), WT_OK);
}

/* Submit count signed transactions; every one must commit. */
static void submit(const signed_tx *txs, size_t count)
{
    const uint8_t **raws = calloc(count, sizeof *raws);
    size_t *lens = calloc(count, sizeof *lens);
    wt_node_result *results = calloc(count, sizeof *results);
    assert_true(raws != NULL && lens != NULL && results != NULL);
    for (size_t i = 0; i < count; i++) {
        raws[i] = txs[i].raw;
        lens[i] = txs[i].len;
    }
    wt_node_error err;
    wt_err e = wt_node_submit_txs(&client, &err, results, raws, lens, count);
    if (e != WT_OK)
        fail_msg("submit: %s: %s", err.code, err.message);
    for (size_t i = 0; i < count; i++)
        if (!results[i].committed)
            fail_msg("tx %zu: %s %s (%s)", i, results[i].code, results[i].message,
                     results[i].field);
    free(raws);
    free(lens);
    free(results);
}

static void register_merchant(const char *name)
{
    wt_tx tx;
    wt_tx_init(&tx, WT_TX_REGISTER);
    tx.body.reg.kind = WT_TX_REGISTER_MERCHANT;
    memcpy(tx.body.reg.u.merchant.key, shop.pubkey, 32);
    assert_int_equal(wt_merchant_name_set(&tx.body.reg.u.merchant.name, name), WT_OK);
    signed_tx t;
    sign(&t, &tx, &operator_key, &operator_nonce);
    submit(&t, 1);
}

static void sale(signed_tx *out, int64_t amount_micro, const char *memo)
{
    wt_tx tx;
    wt_tx_init(&tx, WT_TX_TRANSFER);
    memcpy(tx.body.transfer.to, shop.pubkey, 32);
    tx.body.transfer.amount_micro = amount_micro;
    assert_int_equal(wt_memo_set(&tx.body.transfer.memo, memo), WT_OK);
    sign(out, &tx, &customer, &customer_nonce);
}

/* GET path: the parsed 2xx body, or NULL with *err filled. */
static json_t *get_json(wt_node_error *err, const char *path)
{
    char *body;
    size_t len;
    if (wt_node_get(&client, err, &body, &len, path) != WT_OK)
        return NULL;
    json_t *doc = json_loadb(body, len, 0, NULL);
    if (doc == NULL)
        fail_msg("GET %s: not JSON: %s", path, body);
    free(body);
    return doc;
}

static json_t *get_ok(const char *path)
{
    wt_node_error err;
    json_t *doc = get_json(&err, path);
    if (doc == NULL)
        fail_msg("GET %s: %d %s: %s", path, err.http_status, err.code, err.message);
    return doc;
}

static int64_t jint(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    if (!json_is_integer(v))
        fail_msg("'%s' is not an integer", key);
    return json_integer_value(v);
}

static const char *jstr(const json_t *o, const char *key)
{
    const char *v = json_string_value(json_object_get(o, key));
    return v != NULL ? v : "";
}

/* Every page of /v1/accounts/ADDR/txs?QUERY&limit=LIMIT, newest first; the
 * cursor and the page sizes are checked on the way. */
static json_t *walk(const char *addr, const char *query, int limit, int *pages)
{
    json_t *all = json_array();
    int64_t before = 0, last_seq = INT64_MAX;
    *pages = 0;
    for (int page = 0; page < 10000; page++) {
        char path[512];
        int n = snprintf(path, sizeof path, "/v1/accounts/%s/txs?%s%slimit=%d", addr, query,
                         query[0] != '\0' ? "&" : "", limit);
        if (before > 0)
            snprintf(path + n, sizeof path - (size_t)n, "&before=%" PRId64, before);
        json_t *doc = get_ok(path);
        ++*pages;
        assert_string_equal(jstr(doc, "address"), addr);
        json_t *txs = json_object_get(doc, "txs");
        assert_true(json_is_array(txs));
        size_t i;
        json_t *t;
        json_array_foreach(txs, i, t)
        {
            int64_t seq = jint(t, "seq");
            assert_true(seq < last_seq); /* newest first, none twice */
            last_seq = seq;
            json_array_append(all, t);
        }
        json_t *next = json_object_get(doc, "next_before");
        if (json_is_null(next)) {
            assert_true(json_array_size(txs) <= (size_t)limit);
            json_decref(doc);
            return all;
        }
        /* a full page, and the cursor is its oldest seq */
        assert_int_equal(json_array_size(txs), limit);
        assert_int_equal(json_integer_value(next), last_seq);
        before = json_integer_value(next);
        json_decref(doc);
    }
    fail_msg("the history of %s never ends", addr);
    return NULL;
}

/* The entries of list with from_ms <= time_ms < to_ms. */
static json_t *filter(const json_t *list, int64_t from_ms, int64_t to_ms)
{
    json_t *out = json_array();
    size_t i;
    json_t *t;
    json_array_foreach(list, i, t)
    {
        int64_t at = jint(t, "time_ms");
        if (at >= from_ms && at < to_ms)
            json_array_append(out, t);
    }
    return out;
}

/* The UTC day of t_ms as YYYY-MM-DD, shifted by days. */
static void day_of(char out[11], int64_t t_ms, int days)
{
    time_t secs = (time_t)(t_ms / 1000) + (time_t)days * 86400;
    struct tm tm;
    gmtime_r(&secs, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

/* --------------------------------------------------------------- setup */

static void key_of(wt_seckey *key, const char *label)
{
    uint8_t secret[32];
    wt_tagged_hash(secret, "wattle/test-history", (const uint8_t *)label, strlen(label));
    assert_int_equal(wt_seckey_from_bytes(ctx, key, secret), WT_OK);
}

static int setup(void **state)
{
    (void)state;
    if (wt_proc_tmpdir(tmp, sizeof tmp, "wattle-history") != 0)
        return -1;
    unsetenv("WATTLE_PASSPHRASE");
    unsetenv("WATTLE_NODE");
    snprintf(chain, sizeof chain, "%s/chain", tmp);
    const char *init[] = {"--chain-id", "4545", "--interval-ms", "1000", "--zones",
                          "campus:20",  NULL};
    if (wt_chain_init(wattle, chain, init) != 0 || wt_ctx_create(&ctx) != WT_OK)
        return -1;
    char path[400];
    snprintf(path, sizeof path, "%s/operator.key", chain);
    if (wt_keyfile_load(ctx, &operator_key, path, NULL, 0) != WT_OK)
        return -1;
    snprintf(path, sizeof path, "%s/issuer.key", chain);
    if (wt_keyfile_load(ctx, &issuer, path, NULL, 0) != WT_OK)
        return -1;
    key_of(&shop, "shop");
    key_of(&customer, "customer");
    snprintf(shop_key_path, sizeof shop_key_path, "%s/shop.key", tmp);
    if (wt_keyfile_save(ctx, shop_key_path, &shop, NULL, 0) != WT_OK)
        return -1;
    wt_address_encode(shop_addr, shop.pubkey);
    wt_address_encode(cust_addr, customer.pubkey);
    if (wt_wattled_init(&node, wattled, chain) != 0 || wt_wattled_start(&node, NULL) != 0)
        return -1;
    setenv("WATTLE_NODE", node.http_url, 1);
    wt_node_error err;
    if (wt_node_client_init(&client, &err, node.http_url, 20000) != WT_OK)
        return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    wt_wattled_stop(&node, SIGTERM);
    json_decref(listing);
    wt_ctx_destroy(ctx);
    return wt_proc_rmtree(tmp);
}

/* --------------------------------------------------------------- tests */

/* The registered name is the account's merchant_name; a later REGISTER
 * renames it; an account that is no merchant has none. */
static void test_merchant_name(void **state)
{
    (void)state;
    register_merchant("Corner shop");
    char path[128];
    snprintf(path, sizeof path, "/v1/accounts/%s", shop_addr);
    json_t *a = get_ok(path);
    assert_string_equal(jstr(a, "merchant_name"), "Corner shop");
    json_decref(a);
    register_merchant("Corner shop & café");
    a = get_ok(path);
    assert_string_equal(jstr(a, "merchant_name"), "Corner shop & café");
    /* the REGISTERs are in the merchant's own history (it is their subject) */
    json_t *recent = json_object_get(a, "txs");
    assert_int_equal(json_array_size(recent), 2);
    assert_string_equal(jstr(json_array_get(recent, 0), "type"), "register");
    json_decref(a);
    snprintf(path, sizeof path, "/v1/accounts/%s", cust_addr);
    a = get_ok(path);
    assert_null(json_object_get(a, "merchant_name"));
    json_decref(a);
}

/* 2,500 sales and two refunds: the history lists every one, newest first,
 * page by page, whatever the page size. */
static void test_pages(void **state)
{
    (void)state;
    /* the customer's money */
    wt_tx mint;
    wt_tx_init(&mint, WT_TX_MINT);
    memcpy(mint.body.mint.to, customer.pubkey, 32);
    mint.body.mint.amount_micro = 1000000 * WT_MICRO_PER_UNIT;
    signed_tx t;
    sign(&t, &mint, &issuer, &issuer_nonce);
    submit(&t, 1);
    signed_tx *batch = calloc(BATCH, sizeof *batch);
    assert_non_null(batch);
    for (int done = 0; done < SALES; done += BATCH) {
        for (int i = 0; i < BATCH; i++) {
            int64_t amount = 1000000 + done + i; /* 1.000000 U + i micro: every sale differs */
            char memo[32];
            snprintf(memo, sizeof memo, "sale %d", done + i);
            sale(&batch[i], amount, memo);
            sales_total_micro += amount;
        }
        submit(batch, BATCH);
    }
    free(batch);
    /* two refunds by the merchant's terminal, of the first sale */
    int pages;
    json_t *first = walk(shop_addr, "", 1000, &pages);
    const json_t *oldest_sale = json_array_get(first, json_array_size(first) - 3);
    assert_string_equal(jstr(oldest_sale, "memo"), "sale 0");
    char txid[65];
    snprintf(txid, sizeof txid, "%s", jstr(oldest_sale, "txid"));
    json_decref(first);
    run_result r;
    run_cmdl(&r, wattle_pos, "refund", "--key", shop_key_path, "--amount", "0.25", txid, NULL);
    wt_test_expect_run(&r, 0, NULL, NULL);
    run_result_free(&r);
    run_cmdl(&r, wattle_pos, "refund", "--key", shop_key_path, "--amount", "0.5", txid, NULL);
    wt_test_expect_run(&r, 0, NULL, NULL);
    run_result_free(&r);

    listing = walk(shop_addr, "", 1000, &pages);
    assert_int_equal(pages, 3);
    assert_int_equal(json_array_size(listing), SALES + 2 + 2); /* + 2 REGISTERs */
    int64_t in = 0, out = 0;
    int sales = 0;
    size_t i;
    json_t *e;
    json_array_foreach(listing, i, e)
    {
        assert_int_equal(strlen(jstr(e, "txid")), 64);
        assert_true(jint(e, "height") >= 0 && jint(e, "time_ms") > 0);
        if (strcmp(jstr(e, "type"), "transfer") != 0) {
            assert_string_equal(jstr(e, "type"), "register");
            assert_int_equal(jint(e, "amount_micro"), 0);
            continue;
        }
        int64_t amount = jint(e, "amount_micro");
        if (amount > 0) {
            sales++;
            in += amount;
            assert_string_equal(jstr(e, "from"), cust_addr);
            assert_string_equal(jstr(e, "to"), shop_addr);
            assert_string_equal(jstr(e, "counterparty"), cust_addr);
            assert_string_equal(jstr(e, "ref_kind"), "none");
            assert_true(json_is_null(json_object_get(e, "ref")));
        } else {
            out -= amount;
            assert_string_equal(jstr(e, "from"), shop_addr);
            assert_string_equal(jstr(e, "counterparty"), cust_addr);
            assert_string_equal(jstr(e, "ref_kind"), "refund_of");
            assert_string_equal(jstr(e, "ref"), txid);
        }
    }
    assert_int_equal(sales, SALES);
    assert_int_equal(in, sales_total_micro);
    assert_int_equal(out, 750000);
    /* the newest: the second refund */
    assert_int_equal(jint(json_array_get(listing, 0), "amount_micro"), -500000);
    /* the customer's side of the same sales: negative */
    json_t *cust = walk(cust_addr, "", 1000, &pages);
    assert_int_equal(json_array_size(cust), SALES + 2 + 1); /* + refunds + the mint */
    assert_string_equal(jstr(json_array_get(cust, SALES + 2), "type"), "mint");
    assert_int_equal(jint(json_array_get(cust, SALES + 2), "amount_micro"),
                     1000000 * WT_MICRO_PER_UNIT);
    assert_int_equal(jint(json_array_get(cust, 2), "amount_micro"), -(1000000 + SALES - 1));
    json_decref(cust);
    /* other page sizes give the same list */
    int sizes[] = {7, 999};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        json_t *again = walk(shop_addr, "", sizes[k], &pages);
        assert_true(json_equal(again, listing));
        json_decref(again);
    }
}

/* from_ms is inclusive, to_ms exclusive, exactly at a transaction's time. */
static void test_time_range(void **state)
{
    (void)state;
    assert_non_null(listing);
    size_t n = json_array_size(listing);
    size_t picks[] = {0, 1, 2, n / 3, n / 2, n - 3, n - 1};
    for (size_t a = 0; a < sizeof picks / sizeof picks[0]; a++) {
        int64_t t = jint(json_array_get(listing, picks[a]), "time_ms");
        int64_t bounds[][2] = {{t, INT64_MAX}, {0, t}, {t, t + 1}, {t - 1, t}, {t + 1, t + 5000}};
        for (size_t b = 0; b < sizeof bounds / sizeof bounds[0]; b++) {
            char query[128];
            if (bounds[b][1] == INT64_MAX)
                snprintf(query, sizeof query, "from_ms=%" PRId64, bounds[b][0]);
            else
                snprintf(query, sizeof query, "from_ms=%" PRId64 "&to_ms=%" PRId64, bounds[b][0],
                         bounds[b][1]);
            int pages;
            json_t *got = walk(shop_addr, query, 1000, &pages);
            json_t *want = filter(listing, bounds[b][0], bounds[b][1]);
            if (!json_equal(got, want))
                fail_msg("%s: %zu listed, %zu expected", query, json_array_size(got),
                         json_array_size(want));
            /* the transaction at t: in [t, …), not in […, t) */
            bool has_t = false;
            size_t i;
            json_t *e;
            json_array_foreach(got, i, e) has_t = has_t || jint(e, "time_ms") == t;
            assert_true(has_t == (bounds[b][0] <= t && t < bounds[b][1]));
            json_decref(got);
            json_decref(want);
        }
    }
    /* a range with nothing in it, and one before the chain */
    int pages;
    json_t *none = walk(shop_addr, "from_ms=1&to_ms=2", 10, &pages);
    assert_int_equal(json_array_size(none), 0);
    assert_int_equal(pages, 1);
    json_decref(none);
}

static void expect_refusal(const char *path, int status, const char *code, const char *field)
{
    wt_node_error err;
    json_t *doc = get_json(&err, path);
    if (doc != NULL)
        fail_msg("GET %s was answered", path);
    assert_int_equal(err.http_status, status);
    if (code != NULL)
        assert_string_equal(err.code, code);
    if (field != NULL) {
        char want[64];
        snprintf(want, sizeof want, "(field %s)", field);
        if (strstr(err.message, want) == NULL)
            fail_msg("GET %s: '%s' does not name %s", path, err.message, field);
    }
}

static void test_refusals(void **state)
{
    (void)state;
    char path[512];
    const struct {
        const char *query, *field;
    } bad[] = {
        {"limit=0", "limit"},
        {"limit=1001", "limit"},
        {"limit=ten", "limit"},
        {"limit=-5", "limit"},
        {"limit=", "limit"},
        {"from_ms=-1", "from_ms"},
        {"from_ms=9223372036854775808", "from_ms"},
        {"from_ms=1e3", "from_ms"},
        {"to_ms=0", "to_ms"},
        {"from_ms=5000&to_ms=5000", "to_ms"},
        {"from_ms=5000&to_ms=4000", "to_ms"},
        {"before=0", "before"},
        {"before=abc", "before"},
        {"before=99999999999999999999", "before"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(path, sizeof path, "/v1/accounts/%s/txs?%s", shop_addr, bad[i].query);
        expect_refusal(path, 400, "bad_number", bad[i].field);
    }
    /* an address error of its own kind (bad_character here), naming the address */
    expect_refusal("/v1/accounts/uc1nothing/txs", 400, NULL, "address");
    char long_addr[200];
    memset(long_addr, 'a', sizeof long_addr - 1);
    long_addr[sizeof long_addr - 1] = '\0';
    snprintf(path, sizeof path, "/v1/accounts/%s/txs", long_addr);
    wt_node_error err;
    assert_null(get_json(&err, path));
    assert_int_equal(err.http_status, 400);
    snprintf(path, sizeof path, "/v1/accounts/%s/orders", shop_addr);
    expect_refusal(path, 404, "not_found", NULL);
    /* a refused query changed nothing: the history is as it was */
    int pages;
    json_t *again = walk(shop_addr, "", 1000, &pages);
    assert_true(json_equal(again, listing));
    json_decref(again);
    /* an account nobody used: an empty history, not an error */
    wt_seckey nobody;
    key_of(&nobody, "nobody");
    char addr[WT_ADDRESS_CHARS + 1];
    wt_address_encode(addr, nobody.pubkey);
    json_t *empty = walk(addr, "", 100, &pages);
    assert_int_equal(json_array_size(empty), 0);
    json_decref(empty);
}

/* A crash (SIGKILL) and a clean stop: after each restart the history and
 * the merchant's name are what they were. */
static void test_restart(void **state)
{
    (void)state;
    int sigs[] = {SIGKILL, SIGTERM};
    for (size_t k = 0; k < 2; k++) {
        wt_wattled_stop(&node, sigs[k]);
        assert_int_equal(wt_wattled_start(&node, NULL), 0);
        int pages;
        json_t *again = walk(shop_addr, "", 1000, &pages);
        if (!json_equal(again, listing))
            fail_msg("after %s: %zu listed, %zu before", sigs[k] == SIGKILL ? "a crash" : "a stop",
                     json_array_size(again), json_array_size(listing));
        json_decref(again);
        char path[128];
        snprintf(path, sizeof path, "/v1/accounts/%s", shop_addr);
        json_t *a = get_ok(path);
        assert_string_equal(jstr(a, "merchant_name"), "Corner shop & café");
        json_decref(a);
    }
}

/* `wattle-pos report` over a day of more than a thousand sales (several
 * pages): every sale counted, the totals exact. */
static void test_report_pages(void **state)
{
    (void)state;
    assert_non_null(listing);
    /* the day of the newest sale; should the sales straddle midnight, the
     * expected totals are those of that day only */
    int64_t newest = jint(json_array_get(listing, 0), "time_ms");
    char day[11];
    day_of(day, newest, 0);
    int64_t start = newest - newest % DAY_MS;
    json_t *today = filter(listing, start, start + DAY_MS);
    int64_t sales = 0, refunds = 0, sales_n = 0;
    size_t i;
    json_t *e;
    json_array_foreach(today, i, e)
    {
        int64_t amount = jint(e, "amount_micro");
        if (amount > 0) {
            sales += amount;
            sales_n++;
        } else {
            refunds -= amount;
        }
    }
    json_decref(today);
    assert_true(sales_n > 1000);
    run_result r;
    run_cmdl(&r, wattle_pos, "report", "--merchant", shop_addr, "--day", day, "--csv", NULL);
    char want[128];
    snprintf(want, sizeof want, ",,total_sales,%" PRId64 ",,\n,,total_refunds,%" PRId64 ",,\n",
             sales, refunds);
    wt_test_expect_run(&r, 0, want, NULL);
    int64_t lines = 0;
    for (const char *p = r.out; (p = strstr(p, ",sale,")) != NULL; p++)
        lines++;
    assert_int_equal(lines, sales_n);
    /* oldest first: "sale 0" comes before "sale 2499" */
    char *first = strstr(r.out, "\"sale 0\""), *last = strstr(r.out, "\"sale 2499\"");
    assert_true(first != NULL && last != NULL && first < last);
    run_result_free(&r);
    run_cmdl(&r, wattle_pos, "report", "--key", shop_key_path, "--day", day, NULL);
    wt_test_expect_run(&r, 0, "(2500)", NULL);
    run_result_free(&r);
}

/* Two sales more than a second apart, and a --utc-offset that puts the
 * day's boundary between them: the first is the day before's, the second
 * the day's. */
static void test_report_day_boundary(void **state)
{
    (void)state;
    signed_tx t;
    sale(&t, 7000000, "before midnight");
    submit(&t, 1);
    wt_proc_sleep_ms(1200);
    sale(&t, 9000000, "after midnight");
    submit(&t, 1);
    int pages;
    json_t *two = walk(shop_addr, "", 2, &pages);
    const json_t *a = json_array_get(two, 1), *b = json_array_get(two, 0);
    assert_string_equal(jstr(a, "memo"), "before midnight");
    int64_t ta = jint(a, "time_ms"), tb = jint(b, "time_ms");
    /* the boundary: the first whole second after the first sale */
    int64_t boundary = (ta / 1000 + 1) * 1000;
    assert_true(ta < boundary && boundary <= tb);
    /* local midnight of day D at offset o is D's UTC midnight - o */
    int64_t tod = boundary % DAY_MS;
    int days = tod >= DAY_MS / 2 ? 1 : 0;
    int64_t offset_s = (days == 1 ? DAY_MS - tod : -tod) / 1000;
    char offset[16], day[11], day_before[11];
    int64_t abs_s = offset_s < 0 ? -offset_s : offset_s;
    snprintf(offset, sizeof offset, "%c%02d:%02d:%02d", offset_s < 0 ? '-' : '+',
             (int)(abs_s / 3600), (int)(abs_s / 60 % 60), (int)(abs_s % 60));
    day_of(day, boundary, days);
    day_of(day_before, boundary, days - 1);
    run_result r;
    run_cmdl(&r, wattle_pos, "report", "--merchant", shop_addr, "--day", day, "--utc-offset",
             offset, "--csv", NULL);
    wt_test_expect_run(&r, 0, jstr(b, "txid"), NULL);
    wt_test_expect_run(&r, 0, ",,total_sales,9000000,,\n", NULL);
    if (strstr(r.out, jstr(a, "txid")) != NULL)
        fail_msg("day %s at %s lists the sale before its start: %s", day, offset, r.out);
    run_result_free(&r);
    run_cmdl(&r, wattle_pos, "report", "--merchant", shop_addr, "--day", day_before, "--utc-offset",
             offset, NULL);
    wt_test_expect_run(&r, 0, "before midnight", NULL);
    if (strstr(r.out, "after midnight") != NULL)
        fail_msg("day %s at %s lists the sale after its end: %s", day_before, offset, r.out);
    /* the table shows times at the offset */
    char local[WT_POS_TIME_CHARS + 1];
    wt_pos_time_format(local, ta, (int32_t)offset_s);
    wt_test_expect_run(&r, 0, local, NULL);
    run_result_free(&r);
    /* refused offsets and days */
    const char *bad_offsets[] = {"+9", "09:00", "+19:00", "+09:60", "UTC", ""};
    for (size_t i = 0; i < sizeof bad_offsets / sizeof bad_offsets[0]; i++) {
        run_cmdl(&r, wattle_pos, "report", "--merchant", shop_addr, "--day", day, "--utc-offset",
                 bad_offsets[i], NULL);
        wt_test_expect_run(&r, 2, NULL, "--utc-offset");
        run_result_free(&r);
    }
    json_decref(two);
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: %s WATTLED WATTLE WATTLE-POS\n", argv[0]);
        return 2;
    }
    wattled = argv[1];
    wattle = argv[2];
    wattle_pos = argv[3];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_merchant_name),
        cmocka_unit_test(test_pages),
        cmocka_unit_test(test_time_range),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_restart),
        cmocka_unit_test(test_report_pages),
        cmocka_unit_test(test_report_day_boundary),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
