/* test_acctidx.c — wattled's account history index (unit, acctidx.c):
 * transactions added out of seq order (several threads add after their
 * commits), the same transaction touching an account twice, times that go
 * backwards (the wall clock stepped back) — every query of a seeded random
 * sequence is compared with a plain filter of what was added; the merchant
 * name of the latest REGISTER. */
#include "daemon.h"
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#define ADDS 3000

typedef struct {
    uint64_t seq;
    int64_t t_ms;
    uint8_t type;
} ref_entry;

static int by_seq_desc(const void *a, const void *b)
{
    const ref_entry *x = a, *y = b;
    return (x->seq < y->seq) - (x->seq > y->seq);
}

static void transfer(wt_tx *tx, const uint8_t from[32], const uint8_t to[32])
{
    wt_tx_init(tx, WT_TX_TRANSFER);
    memcpy(tx->sender, from, 32);
    memcpy(tx->body.transfer.to, to, 32);
    tx->body.transfer.amount_micro = 1;
}

/* The reference answer: entries (seq descending) matching q, up to cap. */
static size_t reference(ref_entry *out, size_t cap, bool *more, const ref_entry *all, size_t n,
                        const wt_acct_query *q)
{
    size_t k = 0;
    *more = false;
    for (size_t i = 0; i < n; i++) {
        const ref_entry *e = &all[i];
        if ((q->before_seq != 0 && e->seq >= q->before_seq) || e->t_ms < q->from_ms ||
            e->t_ms >= q->to_ms)
            continue;
        if (k == cap) {
            *more = true;
            break;
        }
        out[k++] = *e;
    }
    return k;
}

static void check_queries(wt_acct_index *x, const uint8_t key[32], ref_entry *all, size_t n,
                          wt_test_rng *rng)
{
    qsort(all, n, sizeof *all, by_seq_desc);
    static wt_acct_tx got[WT_ACCT_HISTORY_LIMIT];
    static ref_entry want[WT_ACCT_HISTORY_LIMIT];
    for (int round = 0; round < 400; round++) {
        wt_acct_query q = {.before_seq = 0, .from_ms = INT64_MIN, .to_ms = INT64_MAX};
        if (wt_test_rng_range(rng, 0, 1))
            q.before_seq = (uint64_t)wt_test_rng_range(rng, 1, (int64_t)n * 2 + 2);
        if (wt_test_rng_range(rng, 0, 1))
            q.from_ms = wt_test_rng_range(rng, 0, 10000);
        if (wt_test_rng_range(rng, 0, 1))
            q.to_ms = wt_test_rng_range(rng, q.from_ms < 0 ? 0 : q.from_ms, 10001);
        size_t cap = (size_t)wt_test_rng_range(rng, 1, round % 5 == 0 ? 1000 : 20);
        size_t count;
        bool more, want_more;
        assert_int_equal(wt_acct_index_query(x, got, cap, &count, &more, key, &q), WT_OK);
        size_t want_n = reference(want, cap, &want_more, all, n, &q);
        assert_int_equal(count, want_n);
        assert_int_equal(more, want_more);
        for (size_t i = 0; i < count; i++) {
            assert_int_equal(got[i].seq, want[i].seq);
            assert_int_equal(got[i].t_ms, want[i].t_ms);
            assert_int_equal(got[i].type, want[i].type);
        }
    }
}

/* Adds in a shuffled order; times in seq order (ordered) or not. */
static void run_case(bool clock_steps_back)
{
    wt_test_rng rng;
    wt_test_rng_init(&rng, wt_test_seed(clock_steps_back ? 77 : 78));
    wt_acct_index *x;
    assert_int_equal(wt_acct_index_create(&x), WT_OK);
    uint8_t shop[32], other[32], third[32];
    memset(shop, 1, 32);
    memset(other, 2, 32);
    memset(third, 3, 32);
    static ref_entry all[ADDS];
    static uint64_t order[ADDS];
    for (size_t i = 0; i < ADDS; i++)
        order[i] = i + 1;
    /* mostly in order, with neighbours swapped as concurrent commits do */
    for (size_t i = 0; i + 1 < ADDS; i++)
        if (wt_test_rng_range(&rng, 0, 3) == 0) {
            uint64_t t = order[i];
            order[i] = order[i + 1];
            order[i + 1] = t;
        }
    size_t n = 0;
    for (size_t i = 0; i < ADDS; i++) {
        uint64_t seq = order[i];
        /* time: rising with seq (several per ms), or with steps back */
        int64_t t = (int64_t)seq * 3;
        if (clock_steps_back && seq % 500 > 400)
            t -= 1300;
        wt_tx tx;
        int kind = (int)(seq % 4);
        if (kind == 0)
            transfer(&tx, shop, shop); /* to itself: listed once */
        else if (kind == 1)
            transfer(&tx, other, shop);
        else if (kind == 2)
            transfer(&tx, shop, other);
        else
            transfer(&tx, other, third); /* not the shop's */
        wt_acct_index_add_tx(x, &tx, seq, t);
        if (kind != 3)
            all[n++] = (ref_entry){seq, t, WT_TX_TRANSFER};
        if (seq % 97 == 0) /* the same transaction indexed again: no change */
            wt_acct_index_add_tx(x, &tx, seq, t);
    }
    check_queries(x, shop, all, n, &rng);
    wt_acct_tx recent[WT_ACCT_RECENT];
    assert_int_equal(wt_acct_index_recent(x, recent, shop), WT_ACCT_RECENT);
    assert_int_equal(recent[0].seq, all[0].seq);
    assert_int_equal(wt_acct_index_recent(x, recent, (const uint8_t[32]){9}), 0);
    wt_acct_index_destroy(x);
}

static void test_ordered_clock(void **state)
{
    (void)state;
    run_case(false);
}

static void test_clock_steps_back(void **state)
{
    (void)state;
    run_case(true);
}

static void register_merchant(wt_acct_index *x, const uint8_t key[32], const char *name,
                              uint64_t seq)
{
    wt_tx tx;
    wt_tx_init(&tx, WT_TX_REGISTER);
    memset(tx.sender, 7, 32);
    tx.body.reg.kind = WT_TX_REGISTER_MERCHANT;
    memcpy(tx.body.reg.u.merchant.key, key, 32);
    assert_int_equal(wt_merchant_name_set(&tx.body.reg.u.merchant.name, name), WT_OK);
    wt_acct_index_add_tx(x, &tx, seq, (int64_t)seq);
}

/* The name of the latest REGISTER by seq, whatever order they are added in. */
static void test_merchant_name(void **state)
{
    (void)state;
    wt_acct_index *x;
    assert_int_equal(wt_acct_index_create(&x), WT_OK);
    uint8_t shop[32], nobody[32];
    memset(shop, 4, 32);
    memset(nobody, 5, 32);
    char name[WT_MERCHANT_NAME_BYTES_MAX + 1];
    assert_false(wt_acct_index_merchant_name(x, name, shop));
    register_merchant(x, shop, "Old name", 10);
    register_merchant(x, shop, "New name", 12);
    register_merchant(x, shop, "Added late", 11); /* committed before seq 12 */
    assert_true(wt_acct_index_merchant_name(x, name, shop));
    assert_string_equal(name, "New name");
    assert_false(wt_acct_index_merchant_name(x, name, nobody));
    assert_string_equal(name, "");
    /* the operator (sender) and the merchant both list the REGISTERs */
    wt_acct_tx recent[WT_ACCT_RECENT];
    assert_int_equal(wt_acct_index_recent(x, recent, shop), 3);
    uint8_t operator_key[32];
    memset(operator_key, 7, 32);
    assert_int_equal(wt_acct_index_recent(x, recent, operator_key), 3);
    assert_int_equal(recent[0].type, WT_TX_REGISTER);
    wt_acct_index_destroy(x);
}

int main(void)
{
    wt_test_route_asserts();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ordered_clock),
        cmocka_unit_test(test_clock_steps_back),
        cmocka_unit_test(test_merchant_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
