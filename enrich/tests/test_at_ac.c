/*
 * Tests for at_ac: the classic overlapping-pattern cases, duplicates,
 * binary bytes, misuse, and a randomized comparison with a naive search
 * (every occurrence of every pattern, nothing more), on short texts and
 * on long ones (the two-chain scan), at every split between dense and deep
 * states (from the root alone dense to every state dense), and every
 * allocation of a compile failing in turn.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "at_ac.h"
#include "at_fuzz_alloc.h" /* the allocation gate (enrich/CMakeLists.txt) */

typedef struct {
    size_t end, len;
    uint32_t value;
} hit_t;

typedef struct {
    hit_t h[4096];
    size_t n;
} hits_t;

static void collect(void *arg, size_t end, size_t len, uint32_t value)
{
    hits_t *hs = arg;
    if (hs->n < sizeof hs->h / sizeof *hs->h)
        hs->h[hs->n++] = (hit_t){end, len, value};
}

static int cmp_hit(const void *a, const void *b)
{
    const hit_t *x = a, *y = b;
    if (x->end != y->end)
        return x->end < y->end ? -1 : 1;
    if (x->len != y->len)
        return x->len < y->len ? -1 : 1;
    return x->value < y->value ? -1 : x->value > y->value;
}

static void test_classic(void **state)
{
    (void)state;
    at_ac_t *ac = at_ac_new();
    assert_non_null(ac);
    const char *pats[] = {"he", "she", "his", "hers"};
    for (uint32_t i = 0; i < 4; i++)
        assert_int_equal(at_ac_add(ac, pats[i], strlen(pats[i]), i), 0);
    assert_int_equal(at_ac_compile(ac), 0);
    hits_t hs = {.n = 0};
    const char *text = "ushers";
    assert_int_equal(at_ac_scan(ac, text, strlen(text), collect, &hs), 3);
    qsort(hs.h, hs.n, sizeof *hs.h, cmp_hit);
    /* "she" and "he" end at 4, "hers" ends at 6. */
    assert_int_equal(hs.h[0].end, 4);
    assert_int_equal(hs.h[0].value, 0);
    assert_int_equal(hs.h[1].end, 4);
    assert_int_equal(hs.h[1].value, 1);
    assert_int_equal(hs.h[2].end, 6);
    assert_int_equal(hs.h[2].value, 3);
    /* No fn: still counts. */
    assert_int_equal(at_ac_scan(ac, text, strlen(text), NULL, NULL), 3);
    assert_int_equal(at_ac_pattern_count(ac), 4);
    assert_true(at_ac_state_count(ac) > 1);
    assert_true(at_ac_memory(ac) > 0);
    at_ac_destroy(&ac);
    assert_null(ac);
    at_ac_destroy(&ac);
}

static void test_duplicates_and_bytes(void **state)
{
    (void)state;
    at_ac_t *ac = at_ac_new();
    assert_int_equal(at_ac_add(ac, "niger", 5, 7), 0);
    assert_int_equal(at_ac_add(ac, "niger", 5, 8), 0);
    assert_int_equal(at_ac_add(ac, "\0\xff", 2, 9), 0);
    assert_int_equal(at_ac_compile(ac), 0);
    hits_t hs = {.n = 0};
    const char text[] = "nigeria\0\xff niger";
    assert_int_equal(at_ac_scan(ac, text, sizeof text - 1, collect, &hs), 5);
    at_ac_destroy(&ac);
}

/* Every byte value in some pattern: no byte is left for the "other" class,
 * and byte 0xff's class number wraps to 0, which is then its own class (at
 * every dense depth, the deep states' children lists included). */
static void test_all_byte_values(void **state)
{
    (void)state;
    char text[258];
    for (int b = 0; b < 256; b++)
        text[b] = (char)b;
    text[256] = '\xff';
    text[257] = '\0';
    for (unsigned depth = 0; depth <= 2; depth++) {
        at_ac_t *ac = at_ac_new();
        assert_int_equal(at_ac_set_dense_depth(ac, depth), 0);
        for (int b = 0; b < 256; b++) {
            char c = (char)b;
            assert_int_equal(at_ac_add(ac, &c, 1, (uint32_t)b), 0);
        }
        assert_int_equal(at_ac_add(ac, "\xff\0", 2, 256), 0);
        assert_int_equal(at_ac_add(ac, "\xfe\xff\xff", 3, 257), 0);
        assert_int_equal(at_ac_compile(ac), 0);
        /* 258 single bytes, "\xff\0" at the end, "\xfe\xff\xff" before it. */
        hits_t hs = {.n = 0};
        assert_int_equal(at_ac_scan(ac, text, sizeof text, collect, &hs), 260);
        qsort(hs.h, hs.n, sizeof *hs.h, cmp_hit);
        assert_int_equal(hs.h[hs.n - 1].end, 258);
        assert_int_equal(hs.h[hs.n - 1].len, 2);
        assert_int_equal(hs.h[hs.n - 1].value, 256);
        at_ac_destroy(&ac);
    }
}

static void test_misuse(void **state)
{
    (void)state;
    at_ac_t *ac = at_ac_new();
    char big[AT_AC_MAX_PATTERN + 1];
    memset(big, 'a', sizeof big);
    assert_int_equal(at_ac_add(ac, "", 0, 1), -1);
    assert_int_equal(at_ac_add(ac, big, sizeof big, 1), -1);
    assert_int_equal(at_ac_add(ac, big, sizeof big - 1, 1), 0);
    assert_int_equal(at_ac_compile(ac), 0);
    assert_int_equal(at_ac_compile(ac), -1);
    assert_int_equal(at_ac_add(ac, "x", 1, 1), -1);
    assert_int_equal(at_ac_set_dense_depth(ac, 3), -1);
    /* One chain of 1,025 states: the root and five more have rows. */
    assert_int_equal(at_ac_state_count(ac), AT_AC_MAX_PATTERN + 1);
    assert_int_equal(at_ac_dense_count(ac), AT_AC_DENSE_DEPTH + 1);
    assert_int_equal(at_ac_scan(ac, big, sizeof big, NULL, NULL), 2);
    at_ac_destroy(&ac);
    /* Empty automaton: compiles, finds nothing. */
    ac = at_ac_new();
    assert_int_equal(at_ac_compile(ac), 0);
    assert_int_equal(at_ac_scan(ac, "abc", 3, NULL, NULL), 0);
    at_ac_destroy(&ac);
    assert_int_equal(at_ac_scan(NULL, "abc", 3, NULL, NULL), 0);
}

/* The dense depths the randomized tests run at: only the root, the
 * shallow ones, the default, and every state (patterns have <= 7 bytes). */
static const unsigned depths[] = {0, 1, 2, 3, AT_AC_DENSE_DEPTH, 64};
static unsigned g_depth = AT_AC_DENSE_DEPTH;

/* 1 to 40 random patterns of 1 to 7 bytes over "abc\0\xff" (so they
 * overlap a lot), compiled into ps->ac with dense depth g_depth. */
typedef struct {
    char pats[40][8];
    size_t plen[40];
    size_t np;
    at_ac_t *ac;
} patset_t;

static void random_patterns(patset_t *ps)
{
    ps->np = 1 + (size_t)(rand() % 40);
    ps->ac = at_ac_new();
    assert_int_equal(at_ac_set_dense_depth(ps->ac, g_depth), 0);
    for (size_t p = 0; p < ps->np; p++) {
        ps->plen[p] = 1 + (size_t)(rand() % 7);
        for (size_t i = 0; i < ps->plen[p]; i++)
            ps->pats[p][i] = (char)("abc\0\xff"[rand() % 5]);
        assert_int_equal(at_ac_add(ps->ac, ps->pats[p], ps->plen[p], (uint32_t)p), 0);
    }
    assert_int_equal(at_ac_compile(ps->ac), 0);
}

/* Every occurrence of every pattern in t[0..n), reported to fn as
 * at_ac_scan reports them (in order of end offset); returns the count. */
static size_t naive(const patset_t *ps, const char *t, size_t n, at_ac_fn *fn, void *arg)
{
    size_t found = 0;
    for (size_t e = 1; e <= n; e++)
        for (size_t p = 0; p < ps->np; p++)
            if (ps->plen[p] <= e && memcmp(t + e - ps->plen[p], ps->pats[p], ps->plen[p]) == 0) {
                found++;
                fn(arg, e, ps->plen[p], (uint32_t)p);
            }
    return found;
}

/* The same n hits in a and b, in any order (both are sorted). */
static void assert_same_hits(hit_t *a, hit_t *b, size_t n)
{
    if (n == 0)
        return; /* qsort's base must not be NULL, even for 0 elements */
    qsort(a, n, sizeof *a, cmp_hit);
    qsort(b, n, sizeof *b, cmp_hit);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(a[i].end, b[i].end);
        assert_int_equal(a[i].len, b[i].len);
        assert_int_equal(a[i].value, b[i].value);
    }
}

static void test_random_against_naive(void **state)
{
    (void)state;
    srand(12345);
    for (int round = 0; round < 600; round++) {
        g_depth = depths[round % (sizeof depths / sizeof *depths)];
        patset_t ps;
        random_patterns(&ps);
        char text[200];
        size_t n = (size_t)(rand() % 200);
        for (size_t i = 0; i < n; i++)
            text[i] = (char)("abcd\0\xff"[rand() % 6]);
        static hits_t a, b;
        a.n = b.n = 0;
        size_t fa = at_ac_scan(ps.ac, text, n, collect, &a);
        size_t fb = naive(&ps, text, n, collect, &b);
        assert_int_equal(fa, fb);
        if (a.n == fa) /* compare only when nothing was cut off */
            assert_same_hits(a.h, b.h, a.n);
        at_ac_destroy(&ps.ac);
    }
}

/* Long texts take the two-chain scan (at_ac.c): every occurrence, across
 * the middle too, in order of end offset, also when the second half's
 * held-back reports overflow their buffer (a text of one letter). */
typedef struct {
    hit_t *h;
    size_t n, cap;
    int ordered;
} many_t;

static void collect_many(void *arg, size_t end, size_t len, uint32_t value)
{
    many_t *m = arg;
    if (m->n && m->h[m->n - 1].end > end)
        m->ordered = 0;
    if (m->n == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 1024;
        m->h = realloc(m->h, m->cap * sizeof *m->h);
        assert_non_null(m->h);
    }
    m->h[m->n++] = (hit_t){end, len, value};
}

static void test_long_texts(void **state)
{
    (void)state;
    srand(54321);
    static char text[20000];
    for (int round = 0; round < 120; round++) {
        g_depth = depths[(round / 2) % (sizeof depths / sizeof *depths)];
        patset_t ps;
        random_patterns(&ps);
        size_t n = 200 + (size_t)(rand() % 19800);
        int uniform = round % 10 == 0; /* every byte the same: the buffer overflows */
        for (size_t i = 0; i < n; i++)
            text[i] = uniform ? ps.pats[0][0] : (char)("abcd\0\xff"[rand() % 6]);
        many_t a = {NULL, 0, 0, 1}, b = {NULL, 0, 0, 1};
        size_t fa = at_ac_scan(ps.ac, text, n, collect_many, &a);
        size_t fb = naive(&ps, text, n, collect_many, &b);
        assert_int_equal(fa, fb);
        assert_int_equal(a.n, fa);
        assert_true(a.ordered);
        assert_same_hits(a.h, b.h, a.n);
        free(a.h);
        free(b.h);
        at_ac_destroy(&ps.ac);
    }
}

/* Every allocation of a compile fails in turn, alone and with every later
 * one: the compile returns -1 and keeps the patterns, a second compile
 * then succeeds and finds what a compile without failures finds (the
 * sanitizer build checks that nothing leaks). */
static void test_compile_oom(void **state)
{
    (void)state;
    static const char *pats[] = {"he", "she", "his", "hers", "niger", "nigeria", "ushers"};
    const char text[] = "ushers in nigeria, his hers";
    size_t want = 0;
    for (int persist = 0; persist <= 1; persist++) {
        for (long k = 0;; k++) {
            at_ac_t *ac = at_ac_new();
            assert_non_null(ac);
            assert_int_equal(at_ac_set_dense_depth(ac, 2), 0); /* dense and deep */
            for (uint32_t i = 0; i < sizeof pats / sizeof *pats; i++)
                assert_int_equal(at_ac_add(ac, pats[i], strlen(pats[i]), i), 0);
            at_fuzz_alloc_arm(k, persist);
            int rc = at_ac_compile(ac);
            long used = at_fuzz_alloc_calls();
            at_fuzz_alloc_disarm();
            if (rc == 0) {
                /* k is past the compile's last allocation: all were tried. */
                assert_true(used <= k);
                size_t got = at_ac_scan(ac, text, sizeof text - 1, NULL, NULL);
                if (want == 0)
                    want = got;
                assert_int_equal(got, want);
                at_ac_destroy(&ac);
                assert_true(k > 5);
                break;
            }
            assert_int_equal(at_ac_scan(ac, text, sizeof text - 1, NULL, NULL), 0);
            assert_int_equal(at_ac_compile(ac), 0);
            size_t got = at_ac_scan(ac, text, sizeof text - 1, NULL, NULL);
            if (want == 0)
                want = got;
            assert_int_equal(got, want);
            at_ac_destroy(&ac);
        }
    }
    assert_int_equal(want, 9); /* ushers: she he hers ushers; niger nigeria; his; he hers */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_classic),         cmocka_unit_test(test_duplicates_and_bytes),
        cmocka_unit_test(test_misuse),          cmocka_unit_test(test_random_against_naive),
        cmocka_unit_test(test_long_texts),      cmocka_unit_test(test_compile_oom),
        cmocka_unit_test(test_all_byte_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
