/*
 * Tests for at_dedup: duplicates detected, distinct ids kept, capacity
 * bound enforced by clearing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include <cmocka.h>

#include "at_dedup.h"

static void test_seen(void **state)
{
    (void)state;
    at_dedup_t *d = at_dedup_new(1000);
    assert_non_null(d);
    assert_false(at_dedup_seen(d, "a", NULL));
    assert_false(at_dedup_seen(d, "b", NULL));
    assert_true(at_dedup_seen(d, "a", NULL));
    assert_false(at_dedup_seen(d, "", NULL));
    assert_true(at_dedup_seen(d, "", NULL));
    assert_int_equal(at_dedup_size(d), 3);
    at_dedup_destroy(&d);
    assert_null(d);
    at_dedup_destroy(&d);
    assert_null(at_dedup_new(0));
}

static void test_many(void **state)
{
    (void)state;
    at_dedup_t *d = at_dedup_new(100000);
    char id[32];
    for (int i = 0; i < 100000; i++) {
        snprintf(id, sizeof id, "id-%d", i);
        assert_false(at_dedup_seen(d, id, NULL));
    }
    for (int i = 0; i < 100000; i++) {
        snprintf(id, sizeof id, "id-%d", i);
        assert_true(at_dedup_seen(d, id, NULL));
    }
    at_dedup_destroy(&d);
}

static void test_capacity(void **state)
{
    (void)state;
    at_dedup_t *d = at_dedup_new(3);
    bool cleared = false;
    assert_false(at_dedup_seen(d, "1", &cleared));
    assert_false(at_dedup_seen(d, "2", &cleared));
    assert_false(at_dedup_seen(d, "3", &cleared));
    assert_false(cleared);
    assert_false(at_dedup_seen(d, "4", &cleared));
    assert_true(cleared);
    assert_int_equal(at_dedup_size(d), 1);
    assert_false(at_dedup_seen(d, "1", NULL)); /* forgotten by the clear */
    at_dedup_destroy(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_seen), cmocka_unit_test(test_many),
                                       cmocka_unit_test(test_capacity)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
