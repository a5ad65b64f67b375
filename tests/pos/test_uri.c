/* test_uri.c — the payment request URI of pos.h: valid requests (every
 * parameter, any order, exact decimals, percent-encoded UTF-8 memos), every
 * rejection with its error code and the parameter it names, the formatter's
 * round trip under seeded random requests, and the QR renderers. */
#include "pos.h"
#include "qr_check.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A fixed merchant: the address of the key 0x01..0x20. */
static char addr[WT_ADDRESS_CHARS + 1];
static uint8_t key[32];
static const char id64[] = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

static void setup_addr(void)
{
    for (int i = 0; i < 32; i++)
        key[i] = (uint8_t)(i + 1);
    wt_address_encode(addr, key);
}

/* "ucoin:<addr>?" + rest */
static wt_err parse_with(wt_pos_request *req, const char **param, const char *rest)
{
    char uri[2048];
    snprintf(uri, sizeof uri, "ucoin:%s?%s", addr, rest);
    return wt_pos_uri_parse(req, param, uri, strlen(uri));
}

static void test_valid(void **state)
{
    (void)state;
    wt_pos_request req;
    const char *param = "x";
    char rest[512];
    snprintf(rest, sizeof rest, "amount=1250.5&req=%s&exp=1795500000000", id64);
    assert_int_equal(parse_with(&req, &param, rest), WT_OK);
    assert_null(param);
    assert_memory_equal(req.merchant, key, 32);
    assert_int_equal(req.amount_micro, INT64_C(1250500000));
    assert_int_equal(req.expires_ms, INT64_C(1795500000000));
    assert_int_equal(req.request_id[0], 0x00);
    assert_int_equal(req.request_id[1], 0x11);
    assert_int_equal(req.request_id[31], 0xff);
    assert_int_equal(req.memo.len, 0);
    assert_false(req.has_chain_id);
    /* any order, memo and chain, upper-case scheme */
    char uri[1024];
    snprintf(uri, sizeof uri,
             "UCoin:%s?chain=4242&memo=Caf%%C3%%A9%%20latte~-._&exp=1&req=%s&amount=0.000001", addr,
             id64);
    assert_int_equal(wt_pos_uri_parse(&req, &param, uri, strlen(uri)), WT_OK);
    assert_int_equal(req.amount_micro, 1);
    assert_int_equal(req.expires_ms, 1);
    assert_true(req.has_chain_id);
    assert_int_equal(req.chain_id, 4242);
    assert_int_equal(req.memo.len, strlen("Café latte~-._"));
    assert_memory_equal(req.memo.bytes, "Café latte~-._", req.memo.len);
    /* lower-case %xx, chain 0, trailing fractional zeros, the largest amount */
    snprintf(rest, sizeof rest,
             "amount=9223372036854.775807&req=%s&exp=9223372036854775807"
             "&memo=%%c3%%a9&chain=0",
             id64);
    assert_int_equal(parse_with(&req, &param, rest), WT_OK);
    assert_int_equal(req.amount_micro, INT64_MAX);
    assert_int_equal(req.expires_ms, INT64_MAX);
    assert_true(req.has_chain_id);
    assert_int_equal(req.chain_id, 0);
    snprintf(rest, sizeof rest, "amount=0.50&req=%s&exp=5&chain=4294967295", id64);
    assert_int_equal(parse_with(&req, &param, rest), WT_OK);
    assert_int_equal(req.amount_micro, 500000);
    assert_int_equal(req.chain_id, UINT32_MAX);
    /* the length is taken from text_len, not a NUL */
    snprintf(uri, sizeof uri, "ucoin:%s?amount=1&req=%s&exp=5&chain=77", addr, id64);
    assert_int_equal(wt_pos_uri_parse(&req, &param, uri, strlen(uri) - 1), WT_OK);
    assert_int_equal(req.chain_id, 7);
}

typedef struct {
    const char *rest; /* after "ucoin:<addr>?"; %s is the good request id */
    wt_err err;
    const char *param;
} bad_case;

/* The case text with "%s" replaced by the good request id and "%%" by "%"
 * (a printf-like template, expanded without a non-literal format). */
static void expand(char *out, size_t out_cap, const char *tmpl)
{
    size_t n = 0;
    for (const char *p = tmpl; *p != '\0'; p++) {
        assert_true(n + 65 < out_cap);
        if (p[0] == '%' && p[1] == 's') {
            memcpy(out + n, id64, 64);
            n += 64;
            p++;
        } else if (p[0] == '%' && p[1] == '%') {
            out[n++] = '%';
            p++;
        } else {
            out[n++] = *p;
        }
    }
    out[n] = '\0';
}

static void test_rejections(void **state)
{
    (void)state;
    static const bad_case cases[] = {
        /* structure and parameters */
        {"", WT_ERR_URI_MALFORMED, "uri"},
        {"amount=1&req=%s&exp=5&", WT_ERR_URI_MALFORMED, "uri"},
        {"amount=1&&req=%s&exp=5", WT_ERR_URI_MALFORMED, "uri"},
        {"amount=1&req=%s&exp", WT_ERR_URI_MALFORMED, "uri"},
        {"=1&amount=1&req=%s&exp=5", WT_ERR_URI_MALFORMED, "uri"},
        {"amount=1&req=%s&exp=5#frag", WT_ERR_URI_MALFORMED, "uri"},
        {"amount=1&req=%s&exp=5&label=x", WT_ERR_URI_UNKNOWN_PARAM, "uri"},
        {"Amount=1&req=%s&exp=5", WT_ERR_URI_UNKNOWN_PARAM, "uri"},
        {"amount=1&req=%s&exp=5&amount=1", WT_ERR_URI_DUPLICATE_PARAM, "amount"},
        {"amount=1&req=%s&exp=5&memo=a&memo=a", WT_ERR_URI_DUPLICATE_PARAM, "memo"},
        {"req=%s&exp=5", WT_ERR_URI_MISSING_PARAM, "amount"},
        {"amount=1&exp=5&memo=%s", WT_ERR_URI_MISSING_PARAM, "req"},
        {"amount=1&req=%s", WT_ERR_URI_MISSING_PARAM, "exp"},
        {"amount=&req=%s&exp=5", WT_ERR_URI_BAD_VALUE, "amount"},
        /* amount: exact decimals only */
        {"amount=0&req=%s&exp=5", WT_ERR_URI_BAD_VALUE, "amount"},
        {"amount=0.000000&req=%s&exp=5", WT_ERR_URI_BAD_VALUE, "amount"},
        {"amount=.5&req=%s&exp=5", WT_ERR_URI_BAD_VALUE, "amount"},
        {"amount=5.&req=%s&exp=5", WT_ERR_URI_BAD_VALUE, "amount"},
        {"amount=00.5&req=%s&exp=5", WT_ERR_URI_BAD_VALUE, "amount"},
        {"amount=01&req=%s&exp=5", WT_ERR_URI_BAD_VALUE, "amount"},
        {"amount=1.1234567&req=%s&exp=5", WT_ERR_URI_BAD_VALUE, "amount"},
        {"amount=-1&req=%s&exp=5", WT_ERR_URI_BAD_VALUE, "amount"},
        {"amount=%%2B1&req=%s&exp=5", WT_ERR_URI_BAD_VALUE, "amount"},
        {"amount=1e3&req=%s&exp=5", WT_ERR_URI_BAD_VALUE, "amount"},
        {"amount=1,000&req=%s&exp=5", WT_ERR_URI_BAD_VALUE, "amount"},
        {"amount=1_000&req=%s&exp=5", WT_ERR_URI_BAD_VALUE, "amount"},
        {"amount=1.2.3&req=%s&exp=5", WT_ERR_URI_BAD_VALUE, "amount"},
        {"amount=9223372036854.775808&req=%s&exp=5", WT_ERR_URI_BAD_VALUE, "amount"},
        {"amount=99999999999999999999&req=%s&exp=5", WT_ERR_URI_BAD_VALUE, "amount"},
        /* request id: 64 lower-case hex */
        {"amount=1&req=0011&exp=5&memo=%s", WT_ERR_URI_BAD_VALUE, "req"},
        {"amount=1&req=%s0&exp=5", WT_ERR_URI_BAD_VALUE, "req"},
        {"amount=1&req=00112233445566778899AABBCCDDEEFF00112233445566778899aabbccddeeff&exp=5"
         "&memo=%s",
         WT_ERR_URI_BAD_VALUE, "req"},
        {"amount=1&req=g0112233445566778899aabbccddeeff00112233445566778899aabbccddeeff&exp=5"
         "&memo=%s",
         WT_ERR_URI_BAD_VALUE, "req"},
        /* expiry */
        {"amount=1&req=%s&exp=0", WT_ERR_URI_BAD_VALUE, "exp"},
        {"amount=1&req=%s&exp=05", WT_ERR_URI_BAD_VALUE, "exp"},
        {"amount=1&req=%s&exp=-5", WT_ERR_URI_BAD_VALUE, "exp"},
        {"amount=1&req=%s&exp=1.5", WT_ERR_URI_BAD_VALUE, "exp"},
        {"amount=1&req=%s&exp=9223372036854775808", WT_ERR_URI_BAD_VALUE, "exp"},
        /* memo: percent-encoding, then the memo rules */
        {"amount=1&req=%s&exp=5&memo=a b", WT_ERR_URI_BAD_ENCODING, "memo"},
        {"amount=1&req=%s&exp=5&memo=a+b", WT_ERR_URI_BAD_ENCODING, "memo"},
        {"amount=1&req=%s&exp=5&memo=a%%", WT_ERR_URI_BAD_ENCODING, "memo"},
        {"amount=1&req=%s&exp=5&memo=a%%4", WT_ERR_URI_BAD_ENCODING, "memo"},
        {"amount=1&req=%s&exp=5&memo=%%zz", WT_ERR_URI_BAD_ENCODING, "memo"},
        {"amount=1&req=%s&exp=5&memo=a/b", WT_ERR_URI_BAD_ENCODING, "memo"},
        {"amount=1&req=%s&exp=5&memo=a?b", WT_ERR_URI_BAD_ENCODING, "memo"},
        {"amount=1&req=%s&exp=5&memo=%%00", WT_ERR_URI_BAD_VALUE, "memo"},
        {"amount=1&req=%s&exp=5&memo=a%%0Ab", WT_ERR_URI_BAD_VALUE, "memo"},
        {"amount=1&req=%s&exp=5&memo=%%C3", WT_ERR_URI_BAD_VALUE, "memo"},
        {"amount=1&req=%s&exp=5&memo=%%FF", WT_ERR_URI_BAD_VALUE, "memo"},
        {"amount=1&req=%s&exp=5&memo="
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
         WT_ERR_URI_BAD_VALUE, "memo"},
        {"amount=1&req=%s&exp=5&memo=", WT_ERR_URI_BAD_VALUE, "memo"},
        /* chain */
        {"amount=1&req=%s&exp=5&chain=4294967296", WT_ERR_URI_BAD_VALUE, "chain"},
        {"amount=1&req=%s&exp=5&chain=07", WT_ERR_URI_BAD_VALUE, "chain"},
        {"amount=1&req=%s&exp=5&chain=-1", WT_ERR_URI_BAD_VALUE, "chain"},
        {"amount=1&req=%s&exp=5&chain=x", WT_ERR_URI_BAD_VALUE, "chain"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char rest[1024];
        expand(rest, sizeof rest, cases[i].rest);
        wt_pos_request req;
        memset(&req, 0xAA, sizeof req);
        const char *param = NULL;
        wt_err err = parse_with(&req, &param, rest);
        if (err != cases[i].err || param == NULL || strcmp(param, cases[i].param) != 0)
            fail_msg("case %zu '%s': got %s (%s), want %s (%s)", i, rest, wt_errname(err),
                     param != NULL ? param : "NULL", wt_errname(cases[i].err), cases[i].param);
        wt_pos_request zero;
        memset(&zero, 0, sizeof zero);
        assert_memory_equal(&req, &zero, sizeof req); /* nothing half-written */
    }
}

static void test_rejections_outside(void **state)
{
    (void)state;
    wt_pos_request req;
    const char *param = NULL;
    char uri[1024];
    const char *good_tail = "?amount=1&req=00112233445566778899aabbccddeeff00112233445566778899"
                            "aabbccddeeff&exp=5";
    /* scheme */
    snprintf(uri, sizeof uri, "bitcoin:%s%s", addr, good_tail);
    assert_int_equal(wt_pos_uri_parse(&req, &param, uri, strlen(uri)), WT_ERR_URI_MALFORMED);
    assert_string_equal(param, "scheme");
    snprintf(uri, sizeof uri, "ucoin//%s%s", addr, good_tail);
    assert_int_equal(wt_pos_uri_parse(&req, &param, uri, strlen(uri)), WT_ERR_URI_MALFORMED);
    assert_string_equal(param, "scheme");
    assert_int_equal(wt_pos_uri_parse(&req, &param, "ucoin", 5), WT_ERR_URI_MALFORMED);
    assert_int_equal(wt_pos_uri_parse(&req, &param, "", 0), WT_ERR_URI_MALFORMED);
    assert_string_equal(param, "uri");
    /* no '?' at all */
    snprintf(uri, sizeof uri, "ucoin:%s", addr);
    assert_int_equal(wt_pos_uri_parse(&req, &param, uri, strlen(uri)), WT_ERR_URI_MALFORMED);
    snprintf(uri, sizeof uri, "ucoin:%s?", addr);
    assert_int_equal(wt_pos_uri_parse(&req, &param, uri, strlen(uri)), WT_ERR_URI_MALFORMED);
    /* address: upper case, hex, wrong checksum, wrong length */
    char up[WT_ADDRESS_CHARS + 1];
    for (size_t i = 0; i <= WT_ADDRESS_CHARS; i++)
        up[i] = (char)(addr[i] >= 'a' && addr[i] <= 'z' ? addr[i] - 32 : addr[i]);
    snprintf(uri, sizeof uri, "ucoin:%s%s", up, good_tail);
    assert_int_equal(wt_pos_uri_parse(&req, &param, uri, strlen(uri)), WT_ERR_BECH32_MIXED_CASE);
    assert_string_equal(param, "address");
    char bad[WT_ADDRESS_CHARS + 1];
    memcpy(bad, addr, sizeof bad);
    bad[20] = bad[20] == 'q' ? 'p' : 'q';
    snprintf(uri, sizeof uri, "ucoin:%s%s", bad, good_tail);
    assert_int_equal(wt_pos_uri_parse(&req, &param, uri, strlen(uri)), WT_ERR_BECH32_CHECKSUM);
    assert_string_equal(param, "address");
    snprintf(uri, sizeof uri, "ucoin:%s%s", id64, good_tail);
    assert_int_equal(wt_pos_uri_parse(&req, &param, uri, strlen(uri)), WT_ERR_BECH32_LENGTH);
    snprintf(uri, sizeof uri, "ucoin:%.60s%s", addr, good_tail);
    assert_int_equal(wt_pos_uri_parse(&req, &param, uri, strlen(uri)), WT_ERR_BECH32_LENGTH);
    /* a NUL inside, and a URI over the limit */
    snprintf(uri, sizeof uri, "ucoin:%s%s", addr, good_tail);
    size_t len = strlen(uri);
    uri[len - 1] = '\0';
    assert_int_equal(wt_pos_uri_parse(&req, &param, uri, len), WT_ERR_URI_MALFORMED);
    char *longer = malloc(WT_POS_URI_CHARS_MAX + 2);
    assert_non_null(longer);
    memset(longer, 'a', WT_POS_URI_CHARS_MAX + 1);
    memcpy(longer, "ucoin:", 6);
    assert_int_equal(wt_pos_uri_parse(&req, &param, longer, WT_POS_URI_CHARS_MAX + 1),
                     WT_ERR_URI_MALFORMED);
    free(longer);
}

static void test_format(void **state)
{
    (void)state;
    wt_pos_request req;
    memset(&req, 0, sizeof req);
    memcpy(req.merchant, key, 32);
    req.amount_micro = INT64_C(1250500000);
    req.expires_ms = INT64_C(1795500000000);
    assert_int_equal(wt_hex_decode(req.request_id, 32, id64), WT_OK);
    assert_int_equal(wt_memo_set(&req.memo, "Café latte"), WT_OK);
    req.has_chain_id = true;
    req.chain_id = 4242;
    char out[WT_POS_URI_CHARS_MAX + 1], want[1024];
    assert_int_equal(wt_pos_uri_format(out, sizeof out, &req), WT_OK);
    snprintf(want, sizeof want,
             "ucoin:%s?amount=1250.5&req=%s&exp=1795500000000&memo=Caf%%C3%%A9%%20latte"
             "&chain=4242",
             addr, id64);
    assert_string_equal(out, want);
    /* too small a buffer, bad amounts and expiries: "" and an error */
    assert_int_equal(wt_pos_uri_format(out, 20, &req), WT_ERR_BUFFER_TOO_SMALL);
    assert_string_equal(out, "");
    req.amount_micro = 0;
    assert_int_equal(wt_pos_uri_format(out, sizeof out, &req), WT_ERR_URI_BAD_VALUE);
    req.amount_micro = 1;
    req.expires_ms = -1;
    assert_int_equal(wt_pos_uri_format(out, sizeof out, &req), WT_ERR_URI_BAD_VALUE);
    req.expires_ms = 1;
    req.memo.len = 1;
    req.memo.bytes[0] = '\n';
    assert_int_equal(wt_pos_uri_format(out, sizeof out, &req), WT_ERR_URI_BAD_VALUE);
    assert_string_equal(out, "");
}

/* Random requests (seeded): format then parse gives the same request. */
static void test_round_trip(void **state)
{
    (void)state;
    uint64_t seed = wt_test_seed(20261124);
    wt_test_rng rng;
    wt_test_rng_init(&rng, seed);
    wt_ctx *ctx;
    assert_int_equal(wt_ctx_create(&ctx), WT_OK);
    for (int i = 0; i < 2000; i++) {
        wt_pos_request req, back;
        memset(&req, 0, sizeof req);
        wt_seckey sk;
        uint8_t secret[32];
        do
            wt_test_rng_bytes(&rng, secret, 32);
        while (wt_seckey_from_bytes(ctx, &sk, secret) != WT_OK);
        memcpy(req.merchant, sk.pubkey, 32);
        req.amount_micro = wt_test_rng_range(&rng, 1, INT64_MAX);
        if (i % 3 == 0)
            req.amount_micro = wt_test_rng_range(&rng, 1, 10000000);
        req.expires_ms = wt_test_rng_range(&rng, 1, INT64_MAX);
        wt_test_rng_bytes(&rng, req.request_id, 32);
        /* a memo of printable ASCII and some two-byte UTF-8 */
        char memo[WT_MEMO_BYTES_MAX + 1];
        size_t n = (size_t)wt_test_rng_range(&rng, 0, 30), m = 0;
        for (size_t k = 0; k < n; k++) {
            if (wt_test_rng_range(&rng, 0, 4) == 0) {
                memo[m++] = (char)0xC3;
                memo[m++] = (char)wt_test_rng_range(&rng, 0x80, 0xBF);
            } else {
                memo[m++] = (char)wt_test_rng_range(&rng, 0x20, 0x7E);
            }
        }
        memo[m] = '\0';
        assert_int_equal(wt_memo_set(&req.memo, memo), WT_OK);
        req.has_chain_id = wt_test_rng_range(&rng, 0, 1) == 1;
        req.chain_id = req.has_chain_id ? (uint32_t)wt_test_rng_range(&rng, 0, UINT32_MAX) : 0;
        char uri[WT_POS_URI_CHARS_MAX + 1];
        assert_int_equal(wt_pos_uri_format(uri, sizeof uri, &req), WT_OK);
        const char *param;
        wt_err err = wt_pos_uri_parse(&back, &param, uri, strlen(uri));
        if (err != WT_OK || memcmp(&req, &back, sizeof req) != 0)
            fail_msg("seed %llu case %d: %s round trip failed (%s)", (unsigned long long)seed, i,
                     uri, wt_errname(err));
    }
    wt_ctx_destroy(ctx);
}

static void test_qr(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    const char *uri = "ucoin:uc1example?amount=1";
    assert_int_equal(wt_pos_qr_write_text(f, uri), WT_OK);
    fclose(f);
    /* version 2 (25 modules) + 2 * 4 quiet = 33 columns, 17 lines of cells;
     * the first line is all quiet zone: full blocks */
    size_t lines = 0;
    for (size_t i = 0; i < len; i++)
        lines += buf[i] == '\n';
    assert_true(lines >= 11);
    const char *nl = strchr(buf, '\n');
    size_t first = (size_t)(nl - buf);
    assert_int_equal(first % 3, 0); /* every cell is a 3-byte UTF-8 block */
    for (size_t i = 0; i < first; i += 3)
        assert_memory_equal(buf + i, "\xe2\x96\x88", 3);
    assert_non_null(strstr(buf, " ")); /* dark modules are blank */
    free(buf);
    f = open_memstream(&buf, &len);
    assert_int_equal(wt_pos_qr_write_svg(f, uri), WT_OK);
    fclose(f);
    assert_non_null(strstr(buf, "<svg"));
    assert_non_null(strstr(buf, "</svg>"));
    assert_non_null(strstr(buf, "h1v1h-1z"));
    free(buf);
    /* PNG: decoded with libpng, module by module as libqrencode's matrix */
    const char *uris[] = {uri, "ucoin:uc1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq"
                               "?amount=123456.789012&req=3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f"
                               "3f3f3f3f3f3f3f3f3f3f3f3f3f&exp=1795500000000&memo=Caf%C3%A9"};
    for (size_t i = 0; i < 2; i++) {
        f = open_memstream(&buf, &len);
        assert_int_equal(wt_pos_qr_write_png(f, uris[i]), WT_OK);
        fclose(f);
        assert_memory_equal(buf, "\x89PNG\r\n\x1a\n", 8);
        qr_check_png((const uint8_t *)buf, len, uris[i]);
        free(buf);
    }
    /* too long for any QR code */
    char *huge = malloc(8000);
    memset(huge, 'x', 7999);
    huge[7999] = '\0';
    f = open_memstream(&buf, &len);
    assert_int_equal(wt_pos_qr_write_text(f, huge), WT_ERR_INVALID_ARGUMENT);
    assert_int_equal(wt_pos_qr_write_png(f, huge), WT_ERR_INVALID_ARGUMENT);
    fclose(f);
    free(buf);
    free(huge);
}

static void test_misuse(void **state)
{
    (void)state;
    char out[8];
    expect_assert_failure(wt_pos_uri_format(out, sizeof out, NULL));
    expect_assert_failure(wt_pos_uri_parse(NULL, NULL, "x", 1));
}

int main(void)
{
    wt_test_route_asserts();
    setup_addr();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_rejections),
        cmocka_unit_test(test_rejections_outside),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_qr),
        cmocka_unit_test(test_misuse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
