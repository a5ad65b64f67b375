/* test_mdb.c — the MDB cashless device of pos.h, driven by a simulated VMC
 * in the test through the adapter framing (each frame encoded to bytes and
 * decoded back, as over the serial line): the bring-up (RESET, SETUP, ID,
 * READER ENABLE), a successful vend, a denied vend, a vend failure (refund
 * event), a session cancelled by the customer, a checksum error, the vend
 * timeout, RET/NAK, another device's address, level-2/3 commands, misuse;
 * and the offline acceptance limits. */
#include "pos.h"
#include "testutil.h"

#include <string.h>

static wt_mdb dev;
static uint16_t out[WT_MDB_FRAME_WORDS_MAX];
static size_t out_n;
static wt_mdb_event ev;

/* Send address|cmd with data bytes (CHK added) at now_ms, through the
 * adapter framing both ways. */
static wt_err vmc_at(int64_t now_ms, uint8_t addr_cmd, const uint8_t *data, size_t len)
{
    uint16_t words[WT_MDB_FRAME_WORDS_MAX];
    uint8_t sum = addr_cmd;
    words[0] = (uint16_t)(WT_MDB_MODE | addr_cmd);
    for (size_t i = 0; i < len; i++) {
        words[1 + i] = data[i];
        sum = (uint8_t)(sum + data[i]);
    }
    words[1 + len] = sum;
    uint8_t bytes[2 * WT_MDB_FRAME_WORDS_MAX];
    size_t nb = wt_mdb_adapter_encode(bytes, sizeof bytes, words, len + 2);
    uint16_t back[WT_MDB_FRAME_WORDS_MAX];
    size_t n;
    assert_int_equal(wt_mdb_adapter_decode(back, WT_MDB_FRAME_WORDS_MAX, &n, bytes, nb), WT_OK);
    assert_int_equal(n, len + 2);
    return wt_mdb_handle(&dev, out, &out_n, &ev, back, n, now_ms);
}

static wt_err vmc(uint8_t addr_cmd, const uint8_t *data, size_t len)
{
    return vmc_at(1000, addr_cmd, data, len);
}

static void expect_ack(void)
{
    assert_int_equal(out_n, 1);
    assert_int_equal(out[0], WT_MDB_MODE | WT_MDB_ACK);
}

/* The reader's data response: bytes, CHK with the mode bit. */
static void expect_data(const uint8_t *want, size_t len)
{
    assert_int_equal(out_n, len + 1);
    uint8_t sum = 0;
    for (size_t i = 0; i < len; i++) {
        assert_int_equal(out[i], want[i]);
        sum = (uint8_t)(sum + want[i]);
    }
    assert_int_equal(out[len], WT_MDB_MODE | sum);
    /* the VMC acknowledges it */
    uint16_t a = WT_MDB_ACK;
    size_t n;
    wt_mdb_event e;
    uint16_t o[WT_MDB_FRAME_WORDS_MAX];
    assert_int_equal(wt_mdb_handle(&dev, o, &n, &e, &a, 1, 1000), WT_OK);
    assert_int_equal(n, 0);
}

#define A 0x60 /* cashless #2 */

static void poll_expect_ack(void)
{
    assert_int_equal(vmc(A | 2, NULL, 0), WT_OK);
    expect_ack();
}

/* RESET, JUST RESET, SETUP config + prices, REQUEST ID, READER ENABLE. */
static void bring_up(void)
{
    wt_mdb_init(&dev, WT_MDB_ADDR_CASHLESS2);
    assert_int_equal(vmc(A | 0, NULL, 0), WT_OK);
    expect_ack();
    assert_int_equal(ev, WT_MDB_EV_RESET);
    assert_int_equal(vmc(A | 2, NULL, 0), WT_OK);
    const uint8_t just_reset[1] = {0x00};
    expect_data(just_reset, 1);
    const uint8_t setup[5] = {0x00, 0x03, 0x00, 0x00, 0x00};
    assert_int_equal(vmc(A | 1, setup, 5), WT_OK);
    const uint8_t config[8] = {0x01, 0x01, 0x14, 0x10, 0x01, 0x00, 10, 0x00};
    expect_data(config, 8);
    assert_int_equal(dev.state, WT_MDB_DISABLED);
    const uint8_t prices[5] = {0x01, 0x00, 0xFA, 0x00, 0x01};
    assert_int_equal(vmc(A | 1, prices, 5), WT_OK);
    expect_ack();
    assert_int_equal(dev.max_price_u, 250);
    assert_int_equal(dev.min_price_u, 1);
    uint8_t id[30] = {0x00};
    assert_int_equal(vmc(A | 7, id, 30), WT_OK);
    assert_int_equal(out_n, 31);
    assert_int_equal(out[0], 0x09);
    assert_int_equal(out[1], 'W');
    assert_int_equal(out[2], 'T');
    assert_int_equal(out[3], 'L');
    uint8_t sum = 0;
    for (size_t i = 0; i < 30; i++)
        sum = (uint8_t)(sum + out[i]);
    assert_int_equal(out[30], WT_MDB_MODE | sum);
}

static void enable(void)
{
    const uint8_t en[1] = {0x01};
    assert_int_equal(vmc(A | 4, en, 1), WT_OK);
    expect_ack();
    assert_int_equal(dev.state, WT_MDB_ENABLED);
    poll_expect_ack();
}

/* A session with funds 500 U and a vend request of 150 U for item 7. */
static void session_and_request(void)
{
    bring_up();
    enable();
    assert_int_equal(wt_mdb_begin_session(&dev, 500), WT_OK);
    assert_int_equal(vmc(A | 2, NULL, 0), WT_OK);
    expect_data((const uint8_t[]){0x03, 0x01, 0xF4}, 3);
    assert_int_equal(dev.state, WT_MDB_SESSION_IDLE);
    const uint8_t req[5] = {0x00, 0x00, 150, 0x00, 7};
    assert_int_equal(vmc(A | 3, req, 5), WT_OK);
    expect_ack();
    assert_int_equal(ev, WT_MDB_EV_VEND_REQUEST);
    assert_int_equal(dev.vend_price_u, 150);
    assert_int_equal(dev.vend_item, 7);
    assert_int_equal(dev.state, WT_MDB_VEND);
    poll_expect_ack(); /* the payment is not committed yet */
}

static void complete_session(void)
{
    const uint8_t complete[1] = {0x04};
    assert_int_equal(vmc(A | 3, complete, 1), WT_OK);
    assert_int_equal(ev, WT_MDB_EV_SESSION_END);
    expect_data((const uint8_t[]){0x07}, 1);
    assert_int_equal(dev.state, WT_MDB_ENABLED);
}

static void test_vend_success(void **state)
{
    (void)state;
    session_and_request();
    assert_int_equal(wt_mdb_vend_result(&dev, true), WT_OK);
    assert_int_equal(vmc(A | 2, NULL, 0), WT_OK);
    expect_data((const uint8_t[]){0x05, 0x00, 150}, 3);
    const uint8_t success[3] = {0x02, 0x00, 7};
    assert_int_equal(vmc(A | 3, success, 3), WT_OK);
    expect_ack();
    assert_int_equal(ev, WT_MDB_EV_VEND_SUCCESS);
    complete_session();
}

static void test_vend_denied(void **state)
{
    (void)state;
    session_and_request();
    assert_int_equal(wt_mdb_vend_result(&dev, false), WT_OK); /* insufficient funds */
    assert_int_equal(vmc(A | 2, NULL, 0), WT_OK);
    expect_data((const uint8_t[]){0x06}, 1);
    assert_int_equal(dev.state, WT_MDB_SESSION_IDLE);
    /* a failure report now is no sale: no refund event */
    const uint8_t failure[1] = {0x03};
    assert_int_equal(vmc(A | 3, failure, 1), WT_OK);
    expect_ack();
    assert_int_equal(ev, WT_MDB_EV_NONE);
    complete_session();
}

static void test_vend_failure_refunds(void **state)
{
    (void)state;
    session_and_request();
    assert_int_equal(wt_mdb_vend_result(&dev, true), WT_OK);
    assert_int_equal(vmc(A | 2, NULL, 0), WT_OK);
    expect_data((const uint8_t[]){0x05, 0x00, 150}, 3);
    const uint8_t failure[1] = {0x03};
    assert_int_equal(vmc(A | 3, failure, 1), WT_OK);
    expect_ack();
    assert_int_equal(ev, WT_MDB_EV_VEND_FAILURE);
    complete_session();
}

static void test_customer_cancels(void **state)
{
    (void)state;
    bring_up();
    enable();
    assert_int_equal(wt_mdb_begin_session(&dev, 20), WT_OK);
    assert_int_equal(vmc(A | 2, NULL, 0), WT_OK);
    expect_data((const uint8_t[]){0x03, 0x00, 20}, 3);
    assert_int_equal(wt_mdb_cancel_session(&dev), WT_OK);
    assert_int_equal(vmc(A | 2, NULL, 0), WT_OK);
    expect_data((const uint8_t[]){0x04}, 1);
    complete_session();
    /* a vend outside a session is denied at once */
    const uint8_t req[5] = {0x00, 0x00, 1, 0x00, 1};
    assert_int_equal(vmc(A | 3, req, 5), WT_OK);
    expect_data((const uint8_t[]){0x06}, 1);
    assert_int_equal(ev, WT_MDB_EV_NONE);
}

static void test_checksum_and_frames(void **state)
{
    (void)state;
    bring_up();
    enable();
    wt_mdb before = dev;
    uint16_t bad[2] = {WT_MDB_MODE | (A | 2), (A | 2) + 1};
    assert_int_equal(wt_mdb_handle(&dev, out, &out_n, &ev, bad, 2, 0), WT_ERR_MDB_CHECKSUM);
    assert_int_equal(out_n, 0);
    assert_memory_equal(&dev, &before, sizeof dev);
    /* no mode bit on the address; a mode bit inside; a word over 9 bits */
    uint16_t nomode[2] = {A | 2, A | 2};
    assert_int_equal(wt_mdb_handle(&dev, out, &out_n, &ev, nomode, 2, 0), WT_ERR_MDB_FRAME);
    uint16_t inner[3] = {WT_MDB_MODE | (A | 4), WT_MDB_MODE | 1, (A | 4) + 1};
    assert_int_equal(wt_mdb_handle(&dev, out, &out_n, &ev, inner, 3, 0), WT_ERR_MDB_FRAME);
    uint16_t big[2] = {0x3FF, 0};
    assert_int_equal(wt_mdb_handle(&dev, out, &out_n, &ev, big, 2, 0), WT_ERR_MDB_FRAME);
    assert_int_equal(wt_mdb_handle(&dev, out, &out_n, &ev, big, 0, 0), WT_ERR_MDB_FRAME);
    /* the wrong length for the command */
    const uint8_t short_req[3] = {0x00, 0x00, 1};
    assert_int_equal(vmc(A | 3, short_req, 3), WT_ERR_MDB_FRAME);
    /* another device's address: not ours, no answer */
    assert_int_equal(vmc(0x10 | 2, NULL, 0), WT_ERR_NOT_FOUND);
    assert_int_equal(out_n, 0);
    /* RET resends the last data response; NAK keeps quiet */
    assert_int_equal(wt_mdb_begin_session(&dev, 9), WT_OK);
    assert_int_equal(vmc(A | 2, NULL, 0), WT_OK);
    assert_int_equal(out_n, 4);
    uint16_t ret = WT_MDB_RET, nak = WT_MDB_NAK, junk = 0x55;
    assert_int_equal(wt_mdb_handle(&dev, out, &out_n, &ev, &ret, 1, 0), WT_OK);
    expect_data((const uint8_t[]){0x03, 0x00, 9}, 3);
    assert_int_equal(wt_mdb_handle(&dev, out, &out_n, &ev, &nak, 1, 0), WT_OK);
    assert_int_equal(out_n, 0);
    assert_int_equal(wt_mdb_handle(&dev, out, &out_n, &ev, &junk, 1, 0), WT_ERR_MDB_FRAME);
    /* level 2/3: REVALUE denied, other EXPANSION subcommands ACKed */
    const uint8_t revalue[3] = {0x00, 0x00, 5};
    assert_int_equal(vmc(A | 5, revalue, 3), WT_OK);
    expect_data((const uint8_t[]){0x0E}, 1);
    const uint8_t feature[5] = {0x04, 0, 0, 0, 0};
    assert_int_equal(vmc(A | 7, feature, 5), WT_OK);
    expect_ack();
    /* adapter framing: odd length, a mode byte other than 0/1 */
    uint16_t w[4];
    size_t n;
    const uint8_t odd[3] = {0, 1, 0};
    assert_int_equal(wt_mdb_adapter_decode(w, 4, &n, odd, 3), WT_ERR_MDB_FRAME);
    const uint8_t mode2[2] = {2, 0};
    assert_int_equal(wt_mdb_adapter_decode(w, 4, &n, mode2, 2), WT_ERR_MDB_FRAME);
    assert_int_equal(n, 0);
}

/* A vend the engine does not answer in time is denied before the VMC's
 * own timeout (max response time 10 s). */
static void test_vend_timeout(void **state)
{
    (void)state;
    session_and_request(); /* the request was made at t = 1000 ms */
    assert_int_equal(vmc_at(9999, A | 2, NULL, 0), WT_OK);
    expect_ack();
    assert_int_equal(vmc_at(10000, A | 2, NULL, 0), WT_OK);
    expect_data((const uint8_t[]){0x06}, 1);
    assert_int_equal(dev.state, WT_MDB_SESSION_IDLE);
    /* the late result is refused: the app must not charge */
    assert_int_equal(wt_mdb_vend_result(&dev, true), WT_ERR_INVALID_ARGUMENT);
}

static void test_misuse(void **state)
{
    (void)state;
    wt_mdb_init(&dev, WT_MDB_ADDR_CASHLESS2);
    assert_int_equal(wt_mdb_begin_session(&dev, 1), WT_ERR_INVALID_ARGUMENT); /* not enabled */
    assert_int_equal(wt_mdb_cancel_session(&dev), WT_ERR_INVALID_ARGUMENT);
    assert_int_equal(wt_mdb_vend_result(&dev, true), WT_ERR_INVALID_ARGUMENT);
    expect_assert_failure(wt_mdb_init(&dev, 0x30));
    uint16_t w = 0;
    expect_assert_failure(wt_mdb_handle(&dev, NULL, &out_n, &ev, &w, 1, 0));
}

/* The offline limits (pos.h): per wallet and per machine, boundaries
 * included, overflow and bad arguments refused. */
static void test_offline_admit(void **state)
{
    (void)state;
    const int64_t U = WT_MICRO_PER_UNIT;
    uint8_t a[32] = {1}, b[32] = {2};
    wt_pos_offline_entry q[3];
    memset(q, 0, sizeof q);
    memcpy(q[0].payer, a, 32);
    q[0].amount_micro = 40 * U;
    memcpy(q[1].payer, b, 32);
    q[1].amount_micro = 60 * U;
    assert_int_equal(wt_pos_offline_admit(NULL, 0, a, 100 * U, 100 * U, 150 * U), WT_OK);
    assert_int_equal(wt_pos_offline_admit(NULL, 0, a, 100 * U + 1, 100 * U, 150 * U),
                     WT_ERR_CAPACITY);
    assert_int_equal(wt_pos_offline_admit(q, 2, a, 50 * U, 100 * U, 150 * U), WT_OK); /* 90, 150 */
    assert_int_equal(wt_pos_offline_admit(q, 2, a, 60 * U + 1, 100 * U, 200 * U),
                     WT_ERR_CAPACITY); /* wallet a: 100 U + 1 micro */
    assert_int_equal(wt_pos_offline_admit(q, 2, b, 40 * U, 100 * U, 150 * U), WT_OK);
    assert_int_equal(wt_pos_offline_admit(q, 2, b, 40 * U + 1, 100 * U, 1000 * U), WT_ERR_CAPACITY);
    assert_int_equal(wt_pos_offline_admit(q, 2, a, 51 * U, 100 * U, 150 * U),
                     WT_ERR_CAPACITY); /* total 151 */
    assert_int_equal(wt_pos_offline_admit(q, 2, a, 1, 0, 150 * U), WT_ERR_CAPACITY);
    assert_int_equal(wt_pos_offline_admit(q, 2, a, 0, 100 * U, 150 * U), WT_ERR_INVALID_ARGUMENT);
    assert_int_equal(wt_pos_offline_admit(q, 2, a, 1, -1, 150 * U), WT_ERR_INVALID_ARGUMENT);
    q[2] = q[0];
    q[2].amount_micro = INT64_MAX;
    assert_int_equal(wt_pos_offline_admit(q, 3, a, 1, INT64_MAX, INT64_MAX), WT_ERR_OVERFLOW);
    expect_assert_failure(wt_pos_offline_admit(NULL, 1, a, 1, 1, 1));
}

/* Frames that arrived back to back are split by their structure. */
static void test_frame_split(void **state)
{
    (void)state;
    wt_mdb_init(&dev, WT_MDB_ADDR_CASHLESS2);
    const uint16_t ack_poll[3] = {0x000, WT_MDB_MODE | 0x62, 0x62};
    assert_int_equal(wt_mdb_frame_split(&dev, ack_poll, 3), 1);
    assert_int_equal(wt_mdb_frame_split(&dev, ack_poll + 1, 2), 2);
    assert_int_equal(wt_mdb_frame_split(&dev, ack_poll + 1, 1), 0); /* CHK still to come */
    const uint16_t vend[8] = {WT_MDB_MODE | 0x63, 0, 0, 150, 0, 7, 0xD0, WT_MDB_MODE | 0x62};
    assert_int_equal(wt_mdb_frame_split(&dev, vend, 8), 7);
    assert_int_equal(wt_mdb_frame_split(&dev, vend, 6), 0);
    assert_int_equal(wt_mdb_frame_split(&dev, vend, 1), 0); /* no subcommand yet */
    /* another device's frame runs to the next address byte */
    const uint16_t other[4] = {WT_MDB_MODE | 0x12, 0x12, WT_MDB_MODE | 0x62, 0x62};
    assert_int_equal(wt_mdb_frame_split(&dev, other, 4), 2);
    assert_int_equal(wt_mdb_frame_split(&dev, other, 2), 0);
    assert_int_equal(wt_mdb_frame_split(&dev, other, 0), 0);
}

int main(void)
{
    wt_test_route_asserts();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vend_success),
        cmocka_unit_test(test_vend_denied),
        cmocka_unit_test(test_vend_failure_refunds),
        cmocka_unit_test(test_customer_cancels),
        cmocka_unit_test(test_checksum_and_frames),
        cmocka_unit_test(test_vend_timeout),
        cmocka_unit_test(test_misuse),
        cmocka_unit_test(test_offline_admit),
        cmocka_unit_test(test_frame_split),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
