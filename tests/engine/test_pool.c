/* test_pool.c — the engine's parallel-for: every index exactly once, for
 * counts around the chunk and inline sizes, with and without workers, and
 * callers from several threads at once (none lost), and a run that starts
 * while another is still busy is not held up behind it. */
#include "testutil.h"

#include "pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#define SEEN_MAX 5000

typedef struct {
    _Atomic unsigned seen[SEEN_MAX];
    _Atomic size_t calls;
} visit;

static void visit_one(void *arg, size_t i)
{
    visit *v = arg;
    atomic_fetch_add(&v->seen[i], 1);
    atomic_fetch_add(&v->calls, 1);
}

static void check_counts(wt_pool *pool)
{
    static const size_t counts[] = {0, 1, 3, 4, 5, 15, 16, 17, 63, 64, 65, 1000, SEEN_MAX};
    for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
        static visit v;
        memset(&v, 0, sizeof v);
        wt_pool_run(pool, visit_one, &v, counts[c]);
        assert_int_equal(atomic_load(&v.calls), counts[c]);
        for (size_t i = 0; i < SEEN_MAX; i++)
            if (atomic_load(&v.seen[i]) != (i < counts[c] ? 1u : 0u))
                fail_msg("count %zu: index %zu seen %u times", counts[c], i,
                         atomic_load(&v.seen[i]));
    }
}

static void test_every_index_once(void **state)
{
    (void)state;
    for (unsigned workers = 0; workers <= 3; workers++) {
        wt_pool *pool;
        assert_int_equal(wt_pool_create(&pool, workers), WT_OK);
        check_counts(pool);
        wt_pool_destroy(pool);
    }
    assert_true(wt_pool_cores() >= 1);
}

typedef struct {
    wt_pool *pool;
    visit v;
} caller;

static void *caller_main(void *arg)
{
    caller *c = arg;
    for (int round = 0; round < 50; round++)
        wt_pool_run(c->pool, visit_one, &c->v, 1000);
    return NULL;
}

static void test_callers_from_several_threads(void **state)
{
    (void)state;
    wt_pool *pool;
    assert_int_equal(wt_pool_create(&pool, 2), WT_OK);
    static caller callers[4];
    pthread_t th[4];
    for (int i = 0; i < 4; i++) {
        memset(&callers[i], 0, sizeof callers[i]);
        callers[i].pool = pool;
        assert_int_equal(pthread_create(&th[i], NULL, caller_main, &callers[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(atomic_load(&callers[i].v.calls), 50 * 1000);
        for (size_t k = 0; k < 1000; k++)
            assert_int_equal(atomic_load(&callers[i].v.seen[k]), 50);
    }
    wt_pool_destroy(pool);
}

/* Run A's first item waits for run B, started after A, to end: with runs
 * taken one at a time, B waited for A and A gave up after 5 s. */
typedef struct {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    bool a_waiting, b_done, a_gave_up;
    visit v;
} overlap;

static void overlap_item(void *arg, size_t i)
{
    overlap *o = arg;
    atomic_fetch_add(&o->v.seen[i], 1);
    if (i != 0)
        return;
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 5;
    pthread_mutex_lock(&o->lock);
    o->a_waiting = true;
    pthread_cond_broadcast(&o->changed);
    while (!o->b_done && !o->a_gave_up)
        o->a_gave_up = pthread_cond_timedwait(&o->changed, &o->lock, &until) != 0;
    pthread_mutex_unlock(&o->lock);
}

typedef struct {
    wt_pool *pool;
    overlap *o;
} overlap_arg;

static void *overlap_a(void *arg)
{
    overlap_arg *a = arg;
    wt_pool_run(a->pool, overlap_item, a->o, 64);
    return NULL;
}

static void test_runs_overlap(void **state)
{
    (void)state;
    wt_pool *pool;
    assert_int_equal(wt_pool_create(&pool, 1), WT_OK);
    static overlap o;
    memset(&o, 0, sizeof o);
    pthread_mutex_init(&o.lock, NULL);
    pthread_cond_init(&o.changed, NULL);
    overlap_arg a = {.pool = pool, .o = &o};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, overlap_a, &a), 0);
    pthread_mutex_lock(&o.lock);
    while (!o.a_waiting)
        pthread_cond_wait(&o.changed, &o.lock);
    pthread_mutex_unlock(&o.lock);

    static visit b;
    memset(&b, 0, sizeof b);
    wt_pool_run(pool, visit_one, &b, 64);
    pthread_mutex_lock(&o.lock);
    o.b_done = true;
    pthread_cond_broadcast(&o.changed);
    pthread_mutex_unlock(&o.lock);
    pthread_join(th, NULL);

    assert_false(o.a_gave_up);
    assert_int_equal(atomic_load(&b.calls), 64);
    for (size_t i = 0; i < 64; i++)
        assert_int_equal(atomic_load(&o.v.seen[i]), 1);
    pthread_cond_destroy(&o.changed);
    pthread_mutex_destroy(&o.lock);
    wt_pool_destroy(pool);
}

int main(void)
{
    wt_test_route_asserts();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_index_once),
        cmocka_unit_test(test_callers_from_several_threads),
        cmocka_unit_test(test_runs_overlap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
