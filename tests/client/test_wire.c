/* test_wire.c — the nng submission codec (wallet/wire.h): round trips of
 * requests, replies and error replies (seeded random ones too), and one test
 * per rejection: bad magic, truncation, trailing bytes, limits, statuses. */
#include "testutil.h"
#include "wire.h"

#include <stdlib.h>
#include <string.h>

static void test_request_round_trip(void **state)
{
    (void)state;
    const uint8_t a[] = {1, 2, 3}, b[] = {0xff};
    const uint8_t *txs[] = {a, b};
    size_t lens[] = {sizeof a, sizeof b};
    uint8_t buf[64];
    size_t n;
    assert_int_equal(wt_wire_request_size(lens, 2), 4 + 4 + 4 + 3 + 4 + 1);
    assert_int_equal(wt_wire_request_encode(buf, sizeof buf, &n, txs, lens, 2), WT_OK);
    const uint8_t expect[] = {'W', 'T', 'X', '1', 0, 0, 0, 2, 0, 0,
                              0,   3,   1,   2,   3, 0, 0, 0, 1, 0xff};
    assert_int_equal(n, sizeof expect);
    assert_memory_equal(buf, expect, sizeof expect);
    const uint8_t *out[4];
    size_t out_lens[4], count;
    assert_int_equal(wt_wire_request_decode(out, out_lens, 4, &count, buf, n), WT_OK);
    assert_int_equal(count, 2);
    assert_ptr_equal(out[0], buf + 12);
    assert_int_equal(out_lens[0], 3);
    assert_int_equal(out_lens[1], 1);
    assert_int_equal(out[1][0], 0xff);
}

static void test_request_rejections(void **state)
{
    (void)state;
    const uint8_t a[] = {9, 9};
    const uint8_t *txs[] = {a};
    size_t lens[] = {2};
    uint8_t buf[64], bad[64];
    size_t n, count = 99;
    const uint8_t *out[2];
    size_t out_lens[2];
    assert_int_equal(wt_wire_request_encode(buf, sizeof buf, &n, txs, lens, 1), WT_OK);
    /* too small an output buffer */
    assert_int_equal(wt_wire_request_encode(buf, n - 1, &n, txs, lens, 1), WT_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(n, 0);
    assert_int_equal(wt_wire_request_encode(buf, sizeof buf, &n, txs, lens, 0),
                     WT_ERR_INVALID_ARGUMENT);
    assert_int_equal(wt_wire_request_encode(buf, sizeof buf, &n, txs, lens, WT_WIRE_TXS_MAX + 1),
                     WT_ERR_TOO_LARGE);
    assert_int_equal(wt_wire_request_encode(buf, sizeof buf, &n, txs, lens, 1), WT_OK);
    /* every truncation */
    for (size_t cut = 0; cut < n; cut++) {
        assert_int_equal(wt_wire_request_decode(out, out_lens, 2, &count, buf, cut),
                         WT_ERR_BAD_REQUEST);
        assert_int_equal(count, 0);
    }
    /* trailing byte */
    memcpy(bad, buf, n);
    bad[n] = 0;
    assert_int_equal(wt_wire_request_decode(out, out_lens, 2, &count, bad, n + 1),
                     WT_ERR_BAD_REQUEST);
    /* wrong magic: a reply is not a request */
    memcpy(bad, buf, n);
    bad[2] = 'R';
    assert_int_equal(wt_wire_request_decode(out, out_lens, 2, &count, bad, n), WT_ERR_BAD_REQUEST);
    /* count 0 */
    const uint8_t zero[] = {'W', 'T', 'X', '1', 0, 0, 0, 0};
    assert_int_equal(wt_wire_request_decode(out, out_lens, 2, &count, zero, sizeof zero),
                     WT_ERR_BAD_REQUEST);
    /* a count above the limit, whatever follows */
    const uint8_t huge[] = {'W', 'T', 'X', '1', 0, 0, 0x10, 0x01};
    assert_int_equal(wt_wire_request_decode(out, out_lens, 2, &count, huge, sizeof huge),
                     WT_ERR_TOO_LARGE);
    /* more transactions than the caller's room */
    const uint8_t three[] = {'W', 'T', 'X', '1', 0, 0, 0, 3};
    assert_int_equal(wt_wire_request_decode(out, out_lens, 2, &count, three, sizeof three),
                     WT_ERR_BUFFER_TOO_SMALL);
    /* a zero-length transaction */
    const uint8_t empty_tx[] = {'W', 'T', 'X', '1', 0, 0, 0, 1, 0, 0, 0, 0};
    assert_int_equal(wt_wire_request_decode(out, out_lens, 2, &count, empty_tx, sizeof empty_tx),
                     WT_ERR_BAD_REQUEST);
    /* a length that runs past the end (and would wrap a 32-bit offset) */
    const uint8_t long_tx[] = {'W', 'T', 'X', '1', 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff, 1};
    assert_int_equal(wt_wire_request_decode(out, out_lens, 2, &count, long_tx, sizeof long_tx),
                     WT_ERR_BAD_REQUEST);
}

static wt_wire_result make_result(uint8_t seed, uint8_t status, const char *code, const char *field)
{
    wt_wire_result r;
    memset(&r, 0, sizeof r);
    memset(r.txid, seed, 32);
    r.status = status;
    r.seq = UINT64_C(0x0102030405060708) + seed;
    r.height = 77;
    r.code = code;
    r.code_len = strlen(code);
    r.field = field;
    r.field_len = field != NULL ? strlen(field) : 0;
    return r;
}

static void test_reply_round_trip(void **state)
{
    (void)state;
    wt_wire_result in[3] = {make_result(1, WT_WIRE_COMMITTED, "ok", NULL),
                            make_result(2, WT_WIRE_DUPLICATE, "ok", NULL),
                            make_result(3, WT_WIRE_REJECTED, "bad_nonce", "nonce")};
    uint8_t buf[512];
    size_t n;
    assert_int_equal(wt_wire_reply_size(in, 3), 8 + 3 * WT_WIRE_RESULT_FIXED_BYTES + 2 + 2 + 9 + 5);
    assert_int_equal(wt_wire_reply_encode(buf, sizeof buf, &n, in, 3), WT_OK);
    assert_int_equal(n, wt_wire_reply_size(in, 3));
    assert_memory_equal(buf, "WTR1\0\0\0\3", 8);
    /* the first entry byte by byte: txid, status, seq, height, texts */
    assert_int_equal(buf[8 + 32], 0);
    const uint8_t seq_be[8] = {1, 2, 3, 4, 5, 6, 7, 9};
    assert_memory_equal(buf + 8 + 33, seq_be, 8);
    assert_int_equal(buf[8 + 49], 2);
    assert_memory_equal(buf + 8 + 50, "ok", 2);
    assert_int_equal(buf[8 + 52], 0);
    wt_wire_result out[3];
    size_t count;
    assert_int_equal(wt_wire_reply_decode(out, 3, &count, buf, n), WT_OK);
    assert_int_equal(count, 3);
    for (int i = 0; i < 3; i++) {
        assert_memory_equal(out[i].txid, in[i].txid, 32);
        assert_int_equal(out[i].status, in[i].status);
        assert_int_equal(out[i].seq, in[i].seq);
        assert_int_equal(out[i].height, 77);
        assert_int_equal(out[i].code_len, in[i].code_len);
        assert_memory_equal(out[i].code, in[i].code, in[i].code_len);
        assert_int_equal(out[i].field_len, in[i].field_len);
    }
    assert_memory_equal(out[2].field, "nonce", 5);
    assert_null(out[0].field);
}

static void test_reply_rejections(void **state)
{
    (void)state;
    wt_wire_result in[1] = {make_result(5, WT_WIRE_REJECTED, "expired", "expiry_ms")};
    uint8_t buf[256], bad[256];
    size_t n, count;
    wt_wire_result out[1];
    assert_int_equal(wt_wire_reply_encode(buf, sizeof buf, &n, in, 1), WT_OK);
    for (size_t cut = 0; cut < n; cut++)
        assert_int_equal(wt_wire_reply_decode(out, 1, &count, buf, cut), WT_ERR_BAD_REQUEST);
    memcpy(bad, buf, n);
    bad[n] = 'x';
    assert_int_equal(wt_wire_reply_decode(out, 1, &count, bad, n + 1), WT_ERR_BAD_REQUEST);
    memcpy(bad, buf, n);
    bad[8 + 32] = 3; /* status beyond rejected */
    assert_int_equal(wt_wire_reply_decode(out, 1, &count, bad, n), WT_ERR_BAD_REQUEST);
    assert_int_equal(count, 0);
    assert_int_equal(wt_wire_reply_decode(out, 0, &count, buf, n), WT_ERR_BUFFER_TOO_SMALL);
    /* encoder refuses what it cannot represent */
    wt_wire_result r = make_result(1, 7, "ok", NULL);
    assert_int_equal(wt_wire_reply_encode(buf, sizeof buf, &n, &r, 1), WT_ERR_INVALID_ARGUMENT);
    char long_text[300];
    memset(long_text, 'a', sizeof long_text - 1);
    long_text[sizeof long_text - 1] = '\0';
    r = make_result(1, WT_WIRE_REJECTED, long_text, NULL);
    assert_int_equal(wt_wire_reply_encode(buf, sizeof buf, &n, &r, 1), WT_ERR_INVALID_ARGUMENT);
    r = make_result(1, WT_WIRE_REJECTED, "x", NULL);
    assert_int_equal(wt_wire_reply_encode(buf, 10, &n, &r, 1), WT_ERR_BUFFER_TOO_SMALL);
    /* an empty reply (count 0) is well formed */
    assert_int_equal(wt_wire_reply_encode(buf, sizeof buf, &n, NULL, 0), WT_OK);
    assert_int_equal(n, 8);
    assert_int_equal(wt_wire_reply_decode(out, 1, &count, buf, n), WT_OK);
    assert_int_equal(count, 0);
}

static void test_error_reply(void **state)
{
    (void)state;
    uint8_t buf[300];
    size_t n;
    const char *msg;
    size_t msg_len;
    assert_int_equal(wt_wire_error_encode(buf, sizeof buf, &n, "bad_request: no"), WT_OK);
    assert_int_equal(n, 5 + 15);
    assert_memory_equal(buf, "WTE1\x0f", 5);
    assert_int_equal(wt_wire_error_decode(&msg, &msg_len, buf, n), WT_OK);
    assert_int_equal(msg_len, 15);
    assert_memory_equal(msg, "bad_request: no", 15);
    assert_int_equal(wt_wire_error_decode(&msg, &msg_len, buf, n - 1), WT_ERR_BAD_REQUEST);
    assert_null(msg);
    buf[n] = 0;
    assert_int_equal(wt_wire_error_decode(&msg, &msg_len, buf, n + 1), WT_ERR_BAD_REQUEST);
    /* a reply is not an error */
    assert_int_equal(wt_wire_error_decode(&msg, &msg_len, (const uint8_t *)"WTR1\0\0\0\0", 8),
                     WT_ERR_BAD_REQUEST);
    /* long messages are cut at 255 bytes */
    char long_text[400];
    memset(long_text, 'z', sizeof long_text - 1);
    long_text[sizeof long_text - 1] = '\0';
    assert_int_equal(wt_wire_error_encode(buf, sizeof buf, &n, long_text), WT_OK);
    assert_int_equal(n, 5 + 255);
    assert_int_equal(wt_wire_error_encode(buf, 100, &n, long_text), WT_ERR_BUFFER_TOO_SMALL);
}

/* The capacity to decode with: what the header announces, never more than
 * the length can hold nor WT_WIRE_TXS_MAX. */
static void test_request_capacity(void **state)
{
    (void)state;
    uint8_t msg[8 + 5 * 3] = {'W', 'T', 'X', '1', 0xff, 0xff, 0xff, 0xff};
    assert_int_equal(wt_wire_request_capacity(msg, 7), 0); /* no count yet */
    assert_int_equal(wt_wire_request_capacity(msg, 8), 0);
    assert_int_equal(wt_wire_request_capacity(msg, 8 + 4), 0); /* not one whole tx */
    assert_int_equal(wt_wire_request_capacity(msg, 8 + 5), 1); /* a lie, capped by length */
    assert_int_equal(wt_wire_request_capacity(msg, sizeof msg), 3);
    msg[4] = msg[5] = msg[6] = 0;
    msg[7] = 2;
    assert_int_equal(wt_wire_request_capacity(msg, sizeof msg), 2);
    static uint8_t big[8 + 5 * (WT_WIRE_TXS_MAX + 10)] = {'W', 'T', 'X', '1', 0, 0, 0x20, 0};
    assert_int_equal(wt_wire_request_capacity(big, sizeof big), WT_WIRE_TXS_MAX);
}

/* Random batches: encode, decode, same bytes back. */
static void test_random_round_trips(void **state)
{
    (void)state;
    uint64_t seed = wt_test_seed(20261124);
    wt_test_rng rng;
    wt_test_rng_init(&rng, seed);
    static uint8_t pool[64 * 300];
    wt_test_rng_bytes(&rng, pool, sizeof pool);
    for (int round = 0; round < 200; round++) {
        size_t count = (size_t)wt_test_rng_range(&rng, 1, 64);
        const uint8_t *txs[64];
        size_t lens[64];
        for (size_t i = 0; i < count; i++) {
            lens[i] = (size_t)wt_test_rng_range(&rng, 1, 300);
            txs[i] = pool + i * 300;
        }
        size_t need = wt_wire_request_size(lens, count), n, got;
        uint8_t *buf = malloc(need);
        assert_non_null(buf);
        assert_int_equal(wt_wire_request_encode(buf, need, &n, txs, lens, count), WT_OK);
        const uint8_t *out[64];
        size_t out_lens[64];
        /* the capacity it asks for is exactly enough */
        assert_int_equal(wt_wire_request_capacity(buf, n), count);
        assert_int_equal(wt_wire_request_decode(out, out_lens, count, &got, buf, n), WT_OK);
        assert_int_equal(got, count);
        for (size_t i = 0; i < count; i++) {
            assert_int_equal(out_lens[i], lens[i]);
            assert_memory_equal(out[i], txs[i], lens[i]);
        }
        /* flipping the declared count always breaks the framing */
        buf[7] ^= 1;
        assert_int_not_equal(wt_wire_request_decode(out, out_lens, 64, &got, buf, n), WT_OK);
        free(buf);
    }
}

int main(void)
{
    wt_test_route_asserts();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_request_round_trip), cmocka_unit_test(test_request_rejections),
        cmocka_unit_test(test_reply_round_trip),   cmocka_unit_test(test_reply_rejections),
        cmocka_unit_test(test_error_reply),        cmocka_unit_test(test_random_round_trips),
        cmocka_unit_test(test_request_capacity),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
