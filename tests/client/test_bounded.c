/* test_bounded.c — wt_run_within and wt_nng_close_within
 * (wallet/cli/node_client.h): a call that returns in time is waited for; one
 * that does not is given up on at the deadline, still runs to its end on its
 * own copy of the argument, and frees it; a real nng socket is closed. */
#include "node_client.h"
#include "testutil.h"

#include <nng/protocol/reqrep0/req.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

typedef struct {
    sem_t *go;         /* NULL: do not wait */
    _Atomic int *seen; /* set to value once run */
    int value;
} job_arg;

static void job(void *p)
{
    job_arg *a = p;
    if (a->go != NULL)
        sem_wait(a->go);
    atomic_store(a->seen, a->value);
}

/* Wait (at most 5 s) until the job has run; what it saw. */
static int wait_seen(_Atomic int *seen)
{
    for (int i = 0; i < 500 && atomic_load(seen) == 0; i++) {
        struct timespec pause = {.tv_nsec = 10 * 1000000};
        nanosleep(&pause, NULL);
    }
    return atomic_load(seen);
}

static void test_returns_in_time(void **state)
{
    (void)state;
    _Atomic int seen = 0;
    job_arg a = {.go = NULL, .seen = &seen, .value = 7};
    assert_true(wt_run_within(job, &a, sizeof a, 5000));
    assert_int_equal(atomic_load(&seen), 7); /* done before it returned */
}

static void test_gives_up_at_deadline(void **state)
{
    (void)state;
    sem_t go;
    assert_int_equal(sem_init(&go, 0, 0), 0);
    _Atomic int seen = 0;
    job_arg a = {.go = &go, .seen = &seen, .value = 42};
    int64_t t0 = wt_monotonic_ns();
    assert_false(wt_run_within(job, &a, sizeof a, 100));
    int64_t waited = (wt_monotonic_ns() - t0) / 1000000;
    assert_true(waited >= 90 && waited < 5000);
    assert_int_equal(atomic_load(&seen), 0);
    a.value = -1; /* the caller's bytes may change: the call has its own */
    sem_post(&go);
    assert_int_equal(wait_seen(&seen), 42);
    sem_destroy(&go);
}

static void test_zero_wait(void **state)
{
    (void)state;
    sem_t go;
    assert_int_equal(sem_init(&go, 0, 0), 0);
    _Atomic int seen = 0;
    job_arg a = {.go = &go, .seen = &seen, .value = 3};
    assert_false(wt_run_within(job, &a, sizeof a, 0));
    sem_post(&go);
    assert_int_equal(wait_seen(&seen), 3);
    sem_destroy(&go);
}

static void test_nng_close(void **state)
{
    (void)state;
    nng_socket s;
    assert_int_equal(nng_req0_open(&s), 0);
    assert_true(wt_nng_close_within(s, 5000));
    /* closed: the id names no socket any more */
    assert_int_equal(nng_send(s, "x", 1, NNG_FLAG_NONBLOCK), NNG_ECLOSED);
}

int main(void)
{
    wt_test_route_asserts();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_returns_in_time),
        cmocka_unit_test(test_gives_up_at_deadline),
        cmocka_unit_test(test_zero_wait),
        cmocka_unit_test(test_nng_close),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
