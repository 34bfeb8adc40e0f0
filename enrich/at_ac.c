/*
 * at_ac: Aho–Corasick compiled to a DFA over byte classes (see at_ac.h).
 *
 * Build: the patterns' bytes define the classes; a trie is grown in a
 * dense states × classes table (-1 = no child); a breadth-first pass sets
 * each state's failure link and fills every missing transition from the
 * failure state's row, which turns the trie into the DFA. Each state keeps
 * its own outputs (patterns ending exactly there) and a "dictionary link"
 * to the nearest failure-chain state that has outputs, so a scan visits
 * only states that really report something.
 *
 * Scan speed (docs/enrich-bench.md): the states are then renumbered so that
 * every state that reports something comes after every state that does not,
 * and the table holds each target's row offset (state × classes) rather
 * than its number. The scan loop is then one load per byte and one compare
 * against the first reporting row: no multiply and no second table lookup
 * on the dependency chain from one byte to the next. The renumbering
 * rewrites the trie's table in place rather than into a second one, so a
 * compile's peak memory is one table, not two (docs/enrich-bench.md,
 * session 8).
 *
 * That chain (one load whose address depends on the previous load) is
 * what bounds a scan, not memory bandwidth. So a long text is scanned as
 * two halves at once, two independent chains whose loads overlap: the
 * first half from its start, the second from maxlen - 1 bytes before the
 * middle (so every occurrence that ends in the second half is seen whole),
 * reporting only occurrences that end there. The second half's reports
 * are held back (the reporting state and position, a small fixed buffer)
 * until the first half is done, so occurrences still come in order of
 * their end offset.
 */
#include "at_ac.h"

#include <stdlib.h>
#include <string.h>

struct at_ac {
    /* patterns, as added */
    char *arena;
    size_t arena_len, arena_cap;
    size_t *off;
    uint32_t *len, *val;
    size_t npat, pat_cap;
    /* the automaton */
    int compiled;
    uint8_t cls[256];
    uint32_t ncls;
    uint32_t *delta; /* nstates * ncls: row offset of the target state */
    uint32_t nstates;
    uint32_t report; /* row offset of the first state with outputs */
    uint32_t maxlen; /* longest pattern */
    int32_t *own;    /* per state: first pattern ending here, -1 */
    int32_t *next;   /* per pattern: next pattern with the same end state */
    int32_t *dict;   /* per state: nearest suffix state with outputs, -1 */
};

at_ac_t *at_ac_new(void)
{
    return calloc(1, sizeof(at_ac_t));
}

void at_ac_destroy(at_ac_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    at_ac_t *self = *self_p;
    free(self->arena);
    free(self->off);
    free(self->len);
    free(self->val);
    free(self->delta);
    free(self->own);
    free(self->next);
    free(self->dict);
    free(self);
    *self_p = NULL;
}

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return 0;
    size_t n = *cap ? *cap : 64;
    while (n < need)
        n *= 2;
    void *q = realloc(*p, n * size);
    if (!q)
        return -1;
    *p = q;
    *cap = n;
    return 0;
}

int at_ac_add(at_ac_t *self, const char *pattern, size_t len, uint32_t value)
{
    if (!self || self->compiled || len == 0 || len > AT_AC_MAX_PATTERN)
        return -1;
    size_t acap = self->arena_cap;
    if (grow((void **)&self->arena, &acap, self->arena_len + len, 1) < 0)
        return -1;
    self->arena_cap = acap;
    if (self->npat == self->pat_cap) {
        size_t n = self->pat_cap ? self->pat_cap * 2 : 64;
        size_t *off = realloc(self->off, n * sizeof *off);
        if (!off)
            return -1;
        self->off = off;
        uint32_t *l = realloc(self->len, n * sizeof *l);
        if (!l)
            return -1;
        self->len = l;
        uint32_t *v = realloc(self->val, n * sizeof *v);
        if (!v)
            return -1;
        self->val = v;
        self->pat_cap = n;
    }
    memcpy(self->arena + self->arena_len, pattern, len);
    self->off[self->npat] = self->arena_len;
    self->len[self->npat] = (uint32_t)len;
    self->val[self->npat] = value;
    self->arena_len += len;
    self->npat++;
    return 0;
}

int at_ac_compile(at_ac_t *self)
{
    if (!self || self->compiled)
        return -1;
    /* Byte classes: 0 for bytes in no pattern, 1..k for the others. */
    memset(self->cls, 0, sizeof self->cls);
    uint8_t used[256] = {0};
    for (size_t i = 0; i < self->arena_len; i++)
        used[(unsigned char)self->arena[i]] = 1;
    uint32_t k = 0;
    for (int b = 0; b < 256; b++)
        if (used[b])
            self->cls[b] = (uint8_t)++k;
    self->ncls = k + 1;

    size_t max_states = 1 + self->arena_len;
    size_t ncls = self->ncls;
    int32_t *delta = malloc(max_states * ncls * sizeof *delta);
    int32_t *own = malloc(max_states * sizeof *own);
    int32_t *fail = malloc(max_states * sizeof *fail);
    int32_t *queue = malloc(max_states * sizeof *queue);
    int32_t *next = malloc((self->npat ? self->npat : 1) * sizeof *next);
    if (!delta || !own || !fail || !queue || !next)
        goto oom;
    memset(delta, 0xff, ncls * sizeof *delta); /* root: no children yet */
    own[0] = -1;
    uint32_t nstates = 1;

    /* The trie. */
    for (size_t p = 0; p < self->npat; p++) {
        const unsigned char *s = (const unsigned char *)self->arena + self->off[p];
        int32_t st = 0;
        for (uint32_t i = 0; i < self->len[p]; i++) {
            int32_t *slot = &delta[(size_t)st * ncls + self->cls[s[i]]];
            if (*slot < 0) {
                memset(&delta[(size_t)nstates * ncls], 0xff, ncls * sizeof *delta);
                own[nstates] = -1;
                *slot = (int32_t)nstates++;
            }
            st = *slot;
        }
        next[p] = own[st];
        own[st] = (int32_t)p;
    }

    int32_t *dict = malloc(nstates * sizeof *dict);
    if (!dict)
        goto oom;
    /* Breadth first: failure links, dictionary links, full transitions. */
    size_t head = 0, tail = 0;
    fail[0] = 0;
    dict[0] = -1;
    for (size_t c = 0; c < ncls; c++) {
        int32_t t = delta[c];
        if (t < 0) {
            delta[c] = 0;
        } else {
            fail[t] = 0;
            queue[tail++] = t;
        }
    }
    while (head < tail) {
        int32_t s = queue[head++];
        int32_t f = fail[s];
        dict[s] = own[f] >= 0 ? f : dict[f];
        int32_t *row = &delta[(size_t)s * ncls];
        const int32_t *frow = &delta[(size_t)f * ncls];
        for (size_t c = 0; c < ncls; c++) {
            if (row[c] < 0) {
                row[c] = frow[c];
            } else {
                fail[row[c]] = frow[c];
                queue[tail++] = row[c];
            }
        }
    }
    free(fail);
    fail = NULL;

    /* Renumber: states without outputs first (the root stays 0), then the
     * reporting ones, each group in breadth-first order so that the
     * shallow states, where a scan spends most of its bytes, share few
     * cache lines; store row offsets. */
    int32_t *newid = malloc(nstates * sizeof *newid);
    int32_t *own2 = malloc(nstates * sizeof *own2);
    int32_t *dict2 = malloc(nstates * sizeof *dict2);
    uint32_t *spare = malloc(ncls * sizeof *spare);
    uint8_t *placed = calloc(nstates, 1);
    if (!newid || !own2 || !dict2 || !spare || !placed || (uint64_t)nstates * ncls > UINT32_MAX) {
        free(queue);
        queue = NULL;
        free(newid);
        free(own2);
        free(dict2);
        free(spare);
        free(placed);
        free(dict);
        goto oom;
    }
    /* queue[0..tail) holds every state but the root, breadth first. */
    uint32_t quiet = 1;
    newid[0] = 0;
    for (size_t q = 0; q < tail; q++)
        if (own[queue[q]] < 0 && dict[queue[q]] < 0)
            newid[queue[q]] = (int32_t)quiet++;
    uint32_t loud = quiet;
    for (size_t q = 0; q < tail; q++)
        if (own[queue[q]] >= 0 || dict[queue[q]] >= 0)
            newid[queue[q]] = (int32_t)loud++;
    free(queue);
    queue = NULL;
    for (uint32_t st = 0; st < nstates; st++) {
        own2[newid[st]] = own[st];
        dict2[newid[st]] = dict[st] < 0 ? -1 : newid[dict[st]];
    }
    /* The scan table is delta rewritten in place (a second table would
     * double the peak memory of a compile, attache's largest allocation):
     * each target becomes its new row offset, then each row moves to its
     * new place, following the renumbering's cycles with one spare row. */
    uint32_t *table = (uint32_t *)delta;
    size_t cells = (size_t)nstates * ncls;
    for (size_t i = 0; i < cells; i++)
        table[i] = (uint32_t)newid[delta[i]] * (uint32_t)ncls;
    for (uint32_t st = 0; st < nstates; st++) {
        if (placed[st])
            continue;
        memcpy(spare, &table[(size_t)st * ncls], ncls * sizeof *spare);
        uint32_t cur = st;
        do {
            /* spare holds the old row `cur`: put it at its new place and
             * pick up the row it displaces. */
            uint32_t dst = (uint32_t)newid[cur];
            uint32_t *row = &table[(size_t)dst * ncls];
            for (size_t c = 0; c < ncls; c++) {
                uint32_t t = row[c];
                row[c] = spare[c];
                spare[c] = t;
            }
            placed[cur] = 1;
            cur = dst;
        } while (cur != st);
    }
    free(spare);
    free(placed);
    free(newid);
    free(own);
    free(dict);
    self->delta = table;
    self->own = own2;
    self->dict = dict2;
    self->next = next;
    self->nstates = nstates;
    self->report = quiet * (uint32_t)ncls;
    self->maxlen = 0;
    for (size_t p = 0; p < self->npat; p++)
        if (self->len[p] > self->maxlen)
            self->maxlen = self->len[p];
    self->compiled = 1;
    return 0;
oom:
    free(delta);
    free(own);
    free(fail);
    free(queue);
    free(next);
    return -1;
}

/* The outputs of the reporting state at row offset `row`, after byte i. */
static size_t report(const at_ac_t *self, uint32_t row, size_t i, at_ac_fn *fn, void *arg)
{
    size_t found = 0;
    int32_t st = (int32_t)(row / self->ncls);
    for (int32_t t = self->own[st] >= 0 ? st : self->dict[st]; t >= 0; t = self->dict[t]) {
        for (int32_t p = self->own[t]; p >= 0; p = self->next[p]) {
            found++;
            if (fn)
                fn(arg, i + 1, self->len[p], self->val[p]);
        }
    }
    return found;
}

/* Sequential scan of s[from, to) starting in state `row`; reports only
 * occurrences ending after byte `min_end` - 1 (at index >= min_end). */
static size_t scan_run(const at_ac_t *self, const unsigned char *s, size_t from, size_t to,
                       uint32_t *rowp, size_t min_end, at_ac_fn *fn, void *arg)
{
    const uint32_t *delta = self->delta;
    const uint8_t *cls = self->cls;
    const uint32_t loud = self->report;
    uint32_t row = *rowp;
    size_t found = 0;
    for (size_t i = from; i < to; i++) {
        row = delta[row + cls[s[i]]];
        if (__builtin_expect(row >= loud, 0) && i >= min_end)
            found += report(self, row, i, fn, arg);
    }
    *rowp = row;
    return found;
}

/* Reports of the second half held back while the first half runs. */
#define HELD 256
typedef struct {
    size_t i;
    uint32_t row;
} held_t;

size_t at_ac_scan(const at_ac_t *self, const char *text, size_t len, at_ac_fn *fn, void *arg)
{
    if (!self || !self->compiled)
        return 0;
    const unsigned char *s = (const unsigned char *)text;
    uint32_t ra = 0, rb = 0;
    /* Short texts: one chain (the second would mostly re-read the first). */
    if (self->maxlen == 0 || len < 256 || len / 2 < 4 * (size_t)self->maxlen)
        return scan_run(self, s, 0, len, &ra, 0, fn, arg);
    const uint32_t *delta = self->delta;
    const uint8_t *cls = self->cls;
    const uint32_t loud = self->report;
    size_t mid = len / 2, b0 = mid - (self->maxlen - 1);
    held_t held[HELD];
    size_t nheld = 0, found = 0, k = 0;
    /* Both chains: a at k in [0, mid), b at b0 + k. */
    for (; k < mid && nheld < HELD; k++) {
        ra = delta[ra + cls[s[k]]];
        rb = delta[rb + cls[s[b0 + k]]];
        if (__builtin_expect(ra >= loud, 0))
            found += report(self, ra, k, fn, arg);
        if (__builtin_expect(rb >= loud, 0) && b0 + k >= mid)
            held[nheld++] = (held_t){b0 + k, rb};
    }
    /* The rest of the first half (when the buffer filled), the held
     * reports, then the rest of the second half. */
    found += scan_run(self, s, k, mid, &ra, 0, fn, arg);
    for (size_t h = 0; h < nheld; h++)
        found += report(self, held[h].row, held[h].i, fn, arg);
    found += scan_run(self, s, b0 + k, len, &rb, mid, fn, arg);
    return found;
}

size_t at_ac_pattern_count(const at_ac_t *self)
{
    return self ? self->npat : 0;
}

size_t at_ac_state_count(const at_ac_t *self)
{
    return self ? self->nstates : 0;
}

size_t at_ac_class_count(const at_ac_t *self)
{
    return self ? self->ncls : 0;
}

size_t at_ac_memory(const at_ac_t *self)
{
    if (!self)
        return 0;
    return sizeof *self + self->arena_cap + self->pat_cap * (sizeof(size_t) + 8) +
           (size_t)self->nstates * (self->ncls + 2) * sizeof(int32_t) +
           self->npat * sizeof(int32_t);
}
