/*
 * Tests for at_acks: messages are released only when every durable output
 * has finished their events, and strictly in input order.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "at_acks.h"

static int released[4096];
static size_t nreleased;

static void rel(void *arg, void *msg)
{
    (void)arg;
    released[nreleased++] = (int)(intptr_t)msg;
}

static void test_order_and_need(void **state)
{
    (void)state;
    nreleased = 0;
    at_acks_t *a = at_acks_new(2);
    assert_non_null(a);
    /* msg 1 went to output 0 only, msg 2 to output 1 only, msg 3 to both,
     * msg 4 to neither (filtered out or rejected). */
    uint64_t n1[] = {1, 0}, n2[] = {1, 1}, n3[] = {2, 2}, n4[] = {2, 2};
    assert_int_equal(at_acks_push(a, (void *)1, n1), 0);
    assert_int_equal(at_acks_push(a, (void *)2, n2), 0);
    assert_int_equal(at_acks_push(a, (void *)3, n3), 0);
    assert_int_equal(at_acks_push(a, (void *)4, n4), 0);
    uint64_t d0[] = {0, 1}; /* output 1 is ahead: msg 2 must still wait for msg 1 */
    assert_int_equal(at_acks_release(a, d0, rel, NULL), 0);
    uint64_t d1[] = {1, 1};
    assert_int_equal(at_acks_release(a, d1, rel, NULL), 2);
    uint64_t d2[] = {2, 1};
    assert_int_equal(at_acks_release(a, d2, rel, NULL), 0);
    uint64_t d3[] = {2, 2};
    assert_int_equal(at_acks_release(a, d3, rel, NULL), 2);
    assert_int_equal(nreleased, 4);
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(released[i], (int)i + 1);
    assert_int_equal(at_acks_pending(a), 0);
    at_acks_destroy(&a, rel, NULL);
    assert_null(a);
}

static void test_grow_and_destroy(void **state)
{
    (void)state;
    nreleased = 0;
    at_acks_t *a = at_acks_new(1);
    for (uint64_t i = 1; i <= 3000; i++)
        assert_int_equal(at_acks_push(a, (void *)(intptr_t)i, &i), 0);
    uint64_t done = 1000;
    assert_int_equal(at_acks_release(a, &done, rel, NULL), 1000);
    for (uint64_t i = 3001; i <= 4000; i++) /* wraps the ring, then grows */
        assert_int_equal(at_acks_push(a, (void *)(intptr_t)i, &i), 0);
    assert_int_equal(at_acks_pending(a), 3000);
    done = 2500;
    assert_int_equal(at_acks_release(a, &done, rel, NULL), 1500);
    for (size_t i = 0; i < nreleased; i++)
        assert_int_equal(released[i], (int)i + 1);
    nreleased = 0;
    at_acks_destroy(&a, rel, NULL); /* the rest are handed back, not lost */
    assert_int_equal(nreleased, 1500);
    assert_int_equal(released[0], 2501);

    /* No durable outputs: everything is ready at once. */
    at_acks_t *z = at_acks_new(0);
    assert_int_equal(at_acks_push(z, (void *)7, NULL), 0);
    nreleased = 0;
    assert_int_equal(at_acks_release(z, NULL, rel, NULL), 1);
    at_acks_destroy(&z, rel, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_order_and_need),
                                       cmocka_unit_test(test_grow_and_destroy)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
